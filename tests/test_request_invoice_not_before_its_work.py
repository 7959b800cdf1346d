"""A request's invoice is drafted no earlier than the work it bills was done.

Bea drafted Acme's invoice for the export with the day mistyped: 31 January instead of 31 March.
q2c drafted it, an invoice dated a month before the request was even asked for, billing Bob's
hours of 5 March and a train fare of 6 March; and every report of a day in between read the
work as invoiced before it was done (unbilled work 0.00 on 5 March, the day it was done).
Such a day is now refused, naming ``drafted_on``, nothing recorded: the invoice of a request
bills its work, expenses and allowance overage from the last day of them on, and its fixed
price from the day the work was completed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    AllowanceUnit,
    Expense,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    RuleViolated,
    TimeEntry,
)

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def export_for_acme(app: QuoteToCash, *, fixed_price: bool = False) -> tuple[UUID, UUID]:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    if fixed_price:
        app.estimate_request(export, fixed_price=eur(1000), actor=A)
    else:
        app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    app.send_quote(export, sent_on=day(2), actor="billy")
    app.receive_purchase_order(
        export, number="PO-1", amount=eur(1000), received_on=day(3), actor="billy"
    )
    app.authorize_work(export, authorized_on=day(4), actor=A)
    return acme, export


def refused_on(app: QuoteToCash, request: UUID, drafted_on: date) -> RuleViolated:
    version = app.request(request).version
    invoices = app.invoices(app.request(request).customer_id)
    with pytest.raises(RuleViolated) as refused:
        app.draft_request_invoice(request, drafted_on=drafted_on, actor="bea")
    assert refused.value.field == "drafted_on"
    assert app.request(request).version == version
    assert app.invoices(app.request(request).customer_id) == invoices
    return refused.value


def test_an_invoice_dated_before_the_work_it_bills_is_refused(app: QuoteToCash) -> None:
    acme, export = export_for_acme(app)
    app.log_work(export, TimeEntry("t1", "bob", day(5), Decimal(4), eur(100)), actor="bob")
    app.log_expense(export, Expense("x1", "train fare", eur("45.00"), day(6)), actor="bob")
    app.complete_request(export, completed_on=day(6), actor=A)

    refusal = refused_on(app, export, date(2024, 1, 31))
    assert "2024-03-06" in str(refusal)
    refused_on(app, export, day(5))  # (the fare is of the 6th)

    invoice = app.draft_request_invoice(export, drafted_on=day(6), actor="bea")
    assert app.invoice(invoice).net == eur("445.00")
    assert app.request(export).status is RequestStatus.INVOICED
    assert app.customer_summary(acme, as_of=day(5)).unbilled_work == eur("400.00")


def test_progress_billing_bills_the_work_done_by_its_day(app: QuoteToCash) -> None:
    """Billed as it goes: an invoice of the 5th bills the 5th's hours; one dated the 5th once
    the 8th's are logged is refused, naming the 8th."""
    _, export = export_for_acme(app)
    app.log_work(export, TimeEntry("t1", "bob", day(5), Decimal(4), eur(100)), actor="bob")
    first = app.draft_request_invoice(export, drafted_on=day(5), actor="bea")
    app.log_work(export, TimeEntry("t2", "bob", day(8), Decimal(2), eur(100)), actor="bob")

    assert "2024-03-08" in str(refused_on(app, export, day(5)))
    second = app.draft_request_invoice(export, drafted_on=day(8), actor="bea")
    assert (app.invoice(first).net, app.invoice(second).net) == (eur("400.00"), eur("200.00"))


def test_a_fixed_price_is_invoiced_from_the_day_the_work_was_completed(app: QuoteToCash) -> None:
    _, export = export_for_acme(app, fixed_price=True)
    app.complete_request(export, completed_on=day(20), actor=A)

    assert "2024-03-20" in str(refused_on(app, export, day(19)))
    invoice = app.draft_request_invoice(export, drafted_on=day(20), actor="bea")
    assert app.invoice(invoice).net == eur("1000.00")


def test_overage_beyond_the_allowance_is_invoiced_from_the_day_of_its_work(
    app: QuoteToCash,
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    allowance = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=2,
        period=Period(day(1), date(2024, 6, 30)),
        granted_on=day(1),
        actor=A,
    )
    report = app.open_request(acme, "Report", requested_on=day(1), actor=A)
    app.estimate_request(report, hours=3, rate=eur(90), actor=A)
    app.cover_request_by_allowance(report, allowance, actor=A)
    app.authorize_work(report, authorized_on=day(2), actor=A)
    app.log_work(report, TimeEntry("t1", "bob", day(9), Decimal(3), eur(90)), actor="bob")
    app.complete_request(report, completed_on=day(9), actor=A)

    refused_on(app, report, day(8))
    invoice = app.draft_request_invoice(report, drafted_on=day(9), actor="bea")
    assert app.invoice(invoice).net == eur("90.00")
