"""A hand-made invoice, as a request's own invoice, is drafted no earlier than the work it bills.

Billing typed 31 January (meaning 31 March) on a hand-made invoice for Bob's hours of 5 March
and his train fare of 6 March: every report of the days between read the work invoiced before
it was done. ``draft_request_invoice`` refuses such a day; ``draft_invoice`` now does too
(``RuleViolated`` naming ``drafted_on``), recording nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    Expense,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    SourceKind,
    TaxRate,
    TimeEntry,
)

A = "alice"


def day(n: int, month: int = 3) -> date:
    return date(2024, month, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def worked_request(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme's export, authorized 4 March: Bob's 2 hours of 5 March and a 45.00 fare of 6 March."""
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    request = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    app.estimate_request(request, hours=10, rate=eur(100), actor=A)
    app.send_quote(request, sent_on=day(2), actor=A)
    app.receive_purchase_order(
        request, number="PO-1", amount=eur(1000), received_on=day(3), actor=A
    )
    app.authorize_work(request, authorized_on=day(4), actor=A)
    app.log_work(request, TimeEntry("t1", "bob", day(5), Decimal(2), eur(100)), actor="bob")
    app.log_expense(request, Expense("x1", "train", eur(45), day(6)), actor="bob")
    return acme, request


def hours_line(request: UUID) -> InvoiceLine:
    return InvoiceLine(
        "L1",
        "Export: bob 2024-03-05",
        Decimal(2),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=request, time_entry_ids=("t1",), hours=Decimal(2)),
        revenue_kind=RevenueKind.ENHANCEMENT,
    )


def fare_line(request: UUID) -> InvoiceLine:
    return InvoiceLine(
        "L2",
        "Export: train",
        Decimal(1),
        eur(45),
        TaxRate.standard(21),
        LineSource(SourceKind.EXPENSE, request_id=request, expense_id="x1"),
        revenue_kind=RevenueKind.EXPENSE,
    )


@pytest.mark.parametrize(
    ("lines", "drafted_on", "named_day"),
    [
        ("hours", day(31, 1), "2024-03-05"),
        ("hours", day(4), "2024-03-05"),
        ("fare", day(5), "2024-03-06"),
        ("both", day(5), "2024-03-06"),
    ],
)
def test_a_hand_made_invoice_dated_before_the_work_it_bills_is_refused(
    app: QuoteToCash, lines: str, drafted_on: date, named_day: str
) -> None:
    acme, request = worked_request(app)
    chosen = {
        "hours": [hours_line(request)],
        "fare": [fare_line(request)],
        "both": [hours_line(request), fare_line(request)],
    }[lines]
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.draft_invoice(acme, chosen, drafted_on=drafted_on, actor="bea")
    assert refused.value.field == "drafted_on"
    assert named_day in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.request(request).billed == {}
    assert app.unbilled_work(request) == eur(245)


def test_a_hand_made_invoice_dated_on_or_after_the_work_bills_it(app: QuoteToCash) -> None:
    acme, request = worked_request(app)
    invoice = app.draft_invoice(
        acme, [hours_line(request), fare_line(request)], drafted_on=day(6), actor="bea"
    )
    assert app.request(request).billed == {"t1": invoice.hex, "x1": invoice.hex}
    assert app.unbilled_work(request) == eur(0)
