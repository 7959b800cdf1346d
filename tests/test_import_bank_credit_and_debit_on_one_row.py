"""A CSV statement row with both a credit and a debit is refused, naming the row.

A bank's export with ``Credit`` and ``Debit`` columns (Haben / Soll) fills one of them on each
row. A row with both filled (a converter that merged two lines, a hand edit) was read as its
credit, and its debit dropped without a word: 3.00 booked as a customer's money, the 5.00 the
bank took never seen. Now the row is refused naming ``debit``, with both amounts, and nothing is
recorded. A row whose other column holds zero (``0,00``) or a dash for none (``-``), as some exports
write, reads as before: its credit booked, or, for a debit with a zero credit, ignored.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "date,credit,debit,currency,reference,remittance\n"
OURS = "DE89370400440532013000"


def importer(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 30), account=OURS)


def test_a_row_with_a_credit_and_a_debit_is_refused_naming_both(app: QuoteToCash) -> None:
    text = HEADER + "2024-04-02,12.00,,EUR,R1,INV-1\n2024-04-02,3.00,5.00,EUR,R2,INV-2\n"
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app).import_bytes(text.encode(), "april.csv", actor="bank")
    ((line, field, rule),) = [(p.line, p.field, p.rule) for p in caught.value.problems]
    assert (line, field) == (3, "debit")
    assert "3.00" in rule and "5.00" in rule
    # nothing recorded: not the first row's credit either
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []


def test_a_zero_in_the_other_column_is_no_second_amount(app: QuoteToCash) -> None:
    text = (
        "date;credit;debit;currency;reference;remittance\n"
        "02.04.2024;12,00;0,00;EUR;R1;INV-1\n"
        "02.04.2024;0,00;5,00;EUR;R2;rent\n"
        "03.04.2024;7,00;-;EUR;R3;INV-3\n"
    )
    report = importer(app).import_bytes(text.encode(), "april.csv", actor="bank")
    assert (report.rows, report.suspended, report.ignored) == (3, 2, 1)
    amounts = [c.credit.amount for c in app.bank_credits()]
    assert amounts == [Money.of("12.00", "EUR"), Money.of("7.00", "EUR")]


def test_a_dash_in_the_credit_column_of_a_debit_is_no_amount(app: QuoteToCash) -> None:
    """The export that writes ``-`` for no debit writes it for no credit too: a debit row
    ``-;5,00`` is the bank's 5.00 going out, ignored as a debit, not a refused file."""
    text = (
        "date;credit;debit;currency;reference;remittance\n"
        "02.04.2024;-;5,00;EUR;R2;rent\n"
        "03.04.2024;7,00;-;EUR;R3;INV-3\n"
    )
    report = importer(app).import_bytes(text.encode(), "april.csv", actor="bank")
    assert (report.rows, report.ignored) == (2, 1)
    assert [c.credit.amount for c in app.bank_credits()] == [Money.of("7.00", "EUR")]
