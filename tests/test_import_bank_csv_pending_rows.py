"""A CSV statement's pending rows are not booked, as a camt.053's pending entries are not.

The bank importer promises that only booked credits become payments, pending entries counted
as ignored. A camt.053 keeps that promise by its Sts; a CSV export with a status column
(Sparkasse writes "Umsatz vorgemerkt" for a transfer announced and not yet booked, others
"Pending") had that column read by no one: Acme's announced 1,190.00 paid INV-000001 on
Tuesday's export, and Wednesday's export, listing it booked under the bank's reference, booked
it a second time. Now a pending row is ignored (counted so), a booked one is read as before, and
a declined one (PayPal, Wise) is ignored too, and a status that says neither (a payment
reverted) is refused naming ``status``, nothing recorded.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_import_bank import build

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

OURS = "DE89370400440532013000"
HEADER = "Buchungstag;Status;Betrag;Währung;Verwendungszweck;Auftraggeber;Ref\n"


def importer(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 30), account=OURS)


def test_a_pending_row_is_ignored_and_booked_once_the_bank_books_it(app: QuoteToCash) -> None:
    ids = build(app)
    tuesday = (
        HEADER + "02.04.2024;Umsatz gebucht;595,00;EUR;INV-000002;ACME GMBH;B-1\n"
        "02.04.2024;Umsatz vorgemerkt;1.190,00;EUR;INV-000001;ACME GMBH;\n"
    )
    report = importer(app).import_bytes(tuesday.encode(), "tuesday.csv", actor="bank")
    assert (report.rows, report.recorded, report.ignored) == (2, 1, 1)
    assert [c.credit.amount for c in app.bank_credits()] == [Money.of("595.00", "EUR")]
    assert not app.invoice(ids["INV-000001"]).outstanding.is_zero()

    wednesday = HEADER + "03.04.2024;Umsatz gebucht;1.190,00;EUR;INV-000001;ACME GMBH;B-2\n"
    report = importer(app).import_bytes(wednesday.encode(), "wednesday.csv", actor="bank")
    assert report.recorded == 1
    paid = [c.credit.amount for c in app.bank_credits()]
    assert paid == [Money.of("595.00", "EUR"), Money.of("1190.00", "EUR")]
    assert app.invoice(ids["INV-000001"]).outstanding.is_zero()
    assert app.customer_credit(ids["acme"]).is_zero()


@pytest.mark.parametrize("said", ["Pending", "PDNG", "vorgemerkt", "Declined"])
def test_pending_or_declined_in_other_words_is_ignored(app: QuoteToCash, said: str) -> None:
    text = f"date,status,amount,currency,reference\n2024-04-02,{said},100.00,EUR,R1\n"
    report = importer(app).import_bytes(text.encode(), "april.csv", actor="bank")
    assert (report.rows, report.ignored) == (1, 1)
    assert app.bank_credits() == []


@pytest.mark.parametrize("said", ["Booked", "BOOK", "", "gebucht", "Completed"])
def test_booked_said_in_other_words_or_not_at_all_is_booked(app: QuoteToCash, said: str) -> None:
    text = f"date,status,amount,currency,reference\n2024-04-02,{said},100.00,EUR,R1\n"
    report = importer(app).import_bytes(text.encode(), "april.csv", actor="bank")
    assert (report.rows, report.ignored) == (1, 0)
    assert len(app.bank_credits()) == 1


def test_a_status_that_says_neither_is_refused(app: QuoteToCash) -> None:
    text = "date,status,amount,currency,reference\n2024-04-02,Reverted,100.00,EUR,R1\n"
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app).import_bytes(text.encode(), "april.csv", actor="bank")
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "status")]
    assert app.recorder.max_notification_id() == before
