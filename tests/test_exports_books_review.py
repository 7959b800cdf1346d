"""The invoices and payments exports, read back as an accounting system would load them: every
document once, exact decimal text."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from beancount import loader
from test_beancount_ledger import issue, manual_line

from q2c_adapters.accounting.beancount_ledger import LedgerBook, export_ledger
from q2c_adapters.accounting.exports import export
from q2c_core import CreditDisposition, InvalidValue, Money, QuoteToCash, TaxRate
from q2c_core.projections import ReceivablesAging, catch_up


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_draft_with_no_lines_yet_is_a_row_of_the_invoices_csv_as_it_is_in_the_json() -> None:
    """Bea starts Acme's April invoice on 1 April and has not added its lines yet; INV-000001
    (121.00) is issued. The JSON lists both documents, and so must the CSV: a document with no
    line is one row with its line columns empty (as a payment with no allocation is), not
    left out of the register."""
    app = QuoteToCash.open("memory:")
    vat = TaxRate.standard(21)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a", tax_rate=vat)
    issued = app.draft_invoice(
        acme, [manual_line("L1", "100", vat)], drafted_on=date(2024, 3, 1), actor="bea"
    )
    issue(app, issued, date(2024, 3, 1))
    empty = app.draft_invoice(acme, [], drafted_on=date(2024, 4, 1), actor="bea")

    records = json.loads(export(app, "invoices", "json"))
    assert [r["invoice_id"] for r in records] == [str(issued), str(empty)]
    rows = _rows(export(app, "invoices", "csv"))
    assert [r["invoice_id"] for r in rows] == [str(issued), str(empty)]
    draft = rows[1]
    assert (draft["status"], draft["drafted_on"], draft["total"]) == ("draft", "2024-04-01", "0.00")
    assert all(draft[c] == "" for c in draft if c.startswith("line_"))
    assert rows[0]["total"] == "121.00" and rows[0]["line_net"] == "100.00"


def _march_close(app: QuoteToCash) -> tuple[object, ...]:
    """Acme's books around the March close: INV-000001 (1,210.00, 1 March) and INV-000002
    (605.00, 20 March) issued; 1,000.00 received and allocated to INV-000001 on 25 March; in
    April, after the close, 210.00 received on 5 April and allocated, the March allocation
    reversed on 8 April (wrong invoice) and the payment bounced on 10 April, a credit note of
    INV-000002 (121.00) issued on 12 April, 50.00 of credit refunded on 15 April."""
    vat = TaxRate.standard(21)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a", tax_rate=vat)
    first = app.draft_invoice(
        acme, [manual_line("L1", "1000", vat)], drafted_on=date(2024, 3, 1), actor="bea"
    )
    issue(app, first, date(2024, 3, 1))
    second = app.draft_invoice(
        acme,
        [manual_line("L1", "400", vat), manual_line("L2", "100", vat)],
        drafted_on=date(2024, 3, 20),
        actor="bea",
    )
    issue(app, second, date(2024, 3, 20))
    april_draft = app.draft_invoice(
        acme, [manual_line("L1", "10", vat)], drafted_on=date(2024, 3, 28), actor="bea"
    )
    march = app.receive_payment(
        acme, Money.of("1000", "EUR"), received_on=date(2024, 3, 25), reference="M", actor="a"
    )
    app.allocate_payment(march, [(first, Money.of("1000", "EUR"))],
                         allocated_on=date(2024, 3, 25), actor="a")  # fmt: skip
    april = app.receive_payment(
        acme, Money.of("210", "EUR"), received_on=date(2024, 4, 5), reference="A", actor="a"
    )
    app.allocate_payment(april, [(first, Money.of("210", "EUR"))],
                         allocated_on=date(2024, 4, 5), actor="a")  # fmt: skip
    (allocation,) = app.payment(march).live_allocations()
    app.reverse_allocation(
        march, allocation.allocation_id, reason="wrong invoice", actor="a",
        reversed_on=date(2024, 4, 8),
    )  # fmt: skip
    app.bounce_payment(march, bounced_on=date(2024, 4, 10), reason="NSF", actor="a")
    note = app.draft_credit_note(
        second, line_ids=["L2"], disposition=CreditDisposition.REBILLABLE, reason="not done",
        drafted_on=date(2024, 4, 12), actor="bea",
    )  # fmt: skip
    issue(app, note, date(2024, 4, 12))
    more = app.receive_payment(
        acme, Money.of("100", "EUR"), received_on=date(2024, 4, 14), reference="B", actor="a"
    )
    app.refund_customer_credit(
        acme, Money.of("50", "EUR"), refunded_on=date(2024, 4, 15), reference="RF-1", actor="a"
    )
    return acme, first, second, april_draft, march, april, note, more


def test_the_register_as_of_the_march_close_is_what_was_owed_and_paid_on_31_march() -> None:
    """Exported on 20 April for the March close, the register says what stood at the end of
    31 March: INV-000001 paid 1,000.00 and owing 210.00, INV-000002 owing all its 605.00 (its
    credit note came in April), no April credit note nor draft; the March payment allocated and
    live (its reversal and bounce came in April), none of April's payments or refunds. The
    export said what stands now (INV-000001 paid 210.00, owing 1,000.00), which matches neither
    the ledger's nor the aging's 31 March."""
    app = QuoteToCash.open("memory:")
    acme, first, second, _draft, march, _april, _note, _more = _march_close(app)
    close = date(2024, 3, 31)

    invoices = json.loads(export(app, "invoices", "json", as_of=close))
    assert [r["invoice_id"] for r in invoices] == [str(first), str(second)]
    by_id = {r["invoice_id"]: r for r in invoices}
    assert (by_id[str(first)]["paid"], by_id[str(first)]["outstanding"]) == ("1000.00", "210.00")
    assert by_id[str(second)]["credited"] == "0.00"
    assert by_id[str(second)]["outstanding"] == "605.00"
    aging = ReceivablesAging()
    catch_up(app, [aging])
    (row,) = aging.aging(close)
    owed = sum((Decimal(r["outstanding"]) for r in invoices), Decimal(0))
    assert owed == row.total.amount == Decimal("815.00")
    receivable = LedgerBook(app).receivable(acme)
    ledger = export_ledger(app) + f"\n2024-04-01 balance {receivable} 815.0000 EUR\n"
    _, errors, _ = loader.load_string(ledger)
    assert errors == []  # the ledger's receivable at the end of 31 March
    rows = _rows(export(app, "invoices", "csv", as_of=close))
    assert {r["invoice_id"]: r["outstanding"] for r in rows} == {
        str(first): "210.00",
        str(second): "605.00",
    }

    (payment,) = json.loads(export(app, "payments", "json", as_of=close))
    assert payment["payment_id"] == str(march)
    assert (payment["allocated"], payment["unallocated"], payment["refunded"]) == (
        "1000.00", "0.00", "0.00",
    )  # fmt: skip
    assert payment["bounced_on"] is None and payment["bounce_reason"] is None
    (allocation,) = payment["allocations"]
    assert allocation["live"] is True
    assert allocation["reversed_on"] is None and allocation["reversed_reason"] is None
    assert payment["refunds"] == []
    # now: the March payment bounced, the refund paid from the 14 April money
    now = {r["payment_id"]: r for r in json.loads(export(app, "payments", "json"))}
    assert now[str(march)]["bounced_on"] == "2024-04-10"
    assert app.customer_summary(acme).open.amount == Decimal("1484.00")  # 1,694.00 less 210.00


def test_the_register_as_of_a_day_matches_the_ledger_and_aging_on_every_day() -> None:
    """On each day from 1 March to 20 April, the as-of export's outstanding and credit equal
    the receivables aging's open invoices and the payments' credit of that day."""
    app = QuoteToCash.open("memory:")
    acme = _march_close(app)[0]
    aging = ReceivablesAging()
    catch_up(app, [aging])
    day = date(2024, 2, 28)
    while day <= date(2024, 4, 20):
        invoices = json.loads(export(app, "invoices", "json", as_of=day))
        owed = sum((Decimal(r["outstanding"]) for r in invoices), Decimal(0))
        expected = sum(
            (r.total.amount for r in aging.aging(day) if r.kind == "invoices"), Decimal(0)
        )
        assert owed == expected, day
        payments = json.loads(export(app, "payments", "json", as_of=day))
        credit = sum((Decimal(p["unallocated"]) for p in payments), Decimal(0))
        assert credit == sum(
            (p.unallocated_on(day).amount for p in app.payments(acme)), Decimal(0)
        ), day
        for p in payments:
            live = sum((Decimal(a["amount"]) for a in p["allocations"] if a["live"]), Decimal(0))
            assert Decimal(p["allocated"]) == live, (day, p)
        day += timedelta(days=1)


def test_an_as_of_that_is_not_a_day_is_refused() -> None:
    """A day given as text or a time of day is refused naming as_of, as reports refuse it."""
    app = QuoteToCash.open("memory:")
    for bad in ("2024-03-31", datetime(2024, 3, 31, 12, 0)):
        with pytest.raises(InvalidValue) as caught:
            export(app, "invoices", "csv", as_of=bad)  # type: ignore[arg-type]
        assert caught.value.field == "as_of"
