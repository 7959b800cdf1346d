"""A fixed-price request re-opened by a late receipt is invoiced again once the receipt is
billed, even when late hours were logged on it too.

Logo's export at a fixed 1,000.00 was completed on 7 March and invoiced on the 8th. Bob's late
timesheet of 6 March (3 hours: inside the price, billed with it, so the request stays invoiced)
and then his taxi receipt of the same day (20.00, re-billed: the request goes back to completed)
reached billing afterwards. The invoice of the taxi bills all that is left, yet the request
stayed completed for good: the review meeting listed it as not invoiced, and a new invoice was
refused, nothing being left to bill. It is invoiced again, as completing it would have said.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import Expense, Money, QuoteToCash, RequestStatus, RuleViolated, TimeEntry
from q2c_core.projections import AwaitingPurchaseOrder, catch_up, rebuild

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def test_late_hours_then_a_late_receipt_on_a_fixed_price_end_invoiced(app: QuoteToCash) -> None:
    logo = app.register_customer("Logo", "EUR", account_manager="mia", actor=A)
    export = app.open_request(logo, "Export", requested_on=day(1), actor=A)
    app.estimate_request(export, fixed_price=eur(1000), actor=A)
    app.send_quote(export, sent_on=day(2), actor=A)
    app.receive_purchase_order(export, number="PO-9", amount=eur(1000), received_on=day(3), actor=A)
    app.authorize_work(export, authorized_on=day(4), actor=A)
    app.log_work(export, TimeEntry("t1", "bob", day(5), Decimal(4), eur(100)), actor="bob")
    app.complete_request(export, completed_on=day(7), actor=A)
    app.draft_request_invoice(export, drafted_on=day(8), actor=A)

    app.log_work(export, TimeEntry("t2", "bob", day(6), Decimal(3), eur(100)), actor="bob")
    assert app.request(export).status is RequestStatus.INVOICED  # (inside the price)
    app.log_expense(export, Expense("x1", "taxi", eur("20.00"), day(6)), actor="bob")
    assert app.request(export).status is RequestStatus.COMPLETED

    taxi = app.draft_request_invoice(export, drafted_on=day(9), actor=A)

    assert app.invoice(taxi).net == eur("20.00")
    assert app.request(export).status is RequestStatus.INVOICED
    assert app.unbilled_work(export) == eur(0)
    with pytest.raises(RuleViolated):
        app.draft_request_invoice(export, drafted_on=day(9), actor=A)
    awaiting = AwaitingPurchaseOrder()
    catch_up(app, [awaiting])
    assert awaiting.get(f"req:{export.hex}")["status"] == "invoiced"  # type: ignore[index]
    rebuilt = AwaitingPurchaseOrder()
    rebuild(app, [rebuilt])
    assert rebuilt.rows() == awaiting.rows()
