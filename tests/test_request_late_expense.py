"""A receipt that arrives after the work was completed is still re-billed.

Bob stayed at a hotel on 8 March for Acme's export (120.00). The export was completed on the
10th, invoiced on the 11th and paid; his hotel bill reached billing on the 15th. q2c refused
it ("cannot log an expense when invoiced (needs authorized)"), as it did for any completed
request: a cost the customer agreed to pay could not be recorded at all, so it was never
billed, and no report showed it. A late timesheet was taken (for the days the work was
authorized for); a late receipt is now taken the same way: incurred from the day the work was
authorized to the day it was completed, it is recorded, an invoiced request is billable again
(completed) until it is billed, and every report lists it. A receipt dated after the completion
is refused, naming ``expense.incurred_on``, nothing recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    Expense,
    Money,
    QuoteToCash,
    RequestStatus,
    TimeEntry,
    WorkNotAuthorized,
)
from q2c_core.projections import (
    AwaitingPurchaseOrder,
    ReviewMeeting,
    UnbilledRevenue,
    catch_up,
    rebuild,
)

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def issue_and_pay(app: QuoteToCash, invoice: UUID, on: date) -> None:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    inv = app.invoice(invoice)
    paid = app.receive_payment(inv.customer_id, inv.total, received_on=on, reference="b", actor=A)
    app.allocate_payment(paid, [(invoice, inv.total)], allocated_on=on, actor=A)


def export_invoiced_and_paid(app: QuoteToCash, *, fixed_price: bool) -> UUID:
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
    app.log_work(export, TimeEntry("t1", "bob", day(8), Decimal(8), eur(100)), actor="bob")
    app.complete_request(export, completed_on=day(10), actor=A)
    issue_and_pay(app, app.draft_request_invoice(export, drafted_on=day(11), actor="bea"), day(11))
    assert app.request(export).status is RequestStatus.INVOICED
    return export


@pytest.mark.parametrize("fixed_price", [False, True], ids=["hourly", "fixed price"])
def test_a_hotel_bill_arriving_after_the_invoice_is_billed(
    app: QuoteToCash, fixed_price: bool
) -> None:
    export = export_invoiced_and_paid(app, fixed_price=fixed_price)
    meeting, unbilled, awaiting = ReviewMeeting(), UnbilledRevenue(), AwaitingPurchaseOrder()
    catch_up(app, [meeting, unbilled, awaiting])
    assert meeting.items(day(15)) == []

    app.log_expense(export, Expense("x1", "hotel", eur("120.00"), day(8)), actor="bob")

    assert app.request(export).status is RequestStatus.COMPLETED
    assert app.unbilled_work(export) == eur("120.00")
    catch_up(app, [meeting, unbilled, awaiting])
    (item,) = unbilled.items(day(15))
    assert (item.kind, item.amount) == ("expense", eur("120.00"))
    (on_the_agenda,) = meeting.items(day(15))
    assert on_the_agenda.status == "completed"
    assert awaiting.get(f"req:{export.hex}")["status"] == "completed"  # type: ignore[index]

    invoice = app.draft_request_invoice(export, drafted_on=day(15), actor="bea")
    assert [line.description for line in app.invoice(invoice).lines] == ["Export: hotel"]
    assert app.request(export).status is RequestStatus.INVOICED
    issue_and_pay(app, invoice, day(15))
    catch_up(app, [meeting, unbilled, awaiting])
    assert meeting.items(day(15)) == [] and unbilled.items(day(15)) == []
    assert awaiting.get(f"req:{export.hex}")["status"] == "invoiced"  # type: ignore[index]
    rebuilt = [ReviewMeeting(), UnbilledRevenue(), AwaitingPurchaseOrder()]
    rebuild(app, rebuilt)
    assert [p.rows() for p in rebuilt] == [p.rows() for p in (meeting, unbilled, awaiting)]


def test_a_receipt_dated_after_the_completion_is_refused(app: QuoteToCash) -> None:
    export = export_invoiced_and_paid(app, fixed_price=False)
    version = app.request(export).version

    with pytest.raises(WorkNotAuthorized) as refused:
        app.log_expense(export, Expense("x1", "taxi", eur("30.00"), day(12)), actor="bob")

    assert refused.value.field == "expense.incurred_on"
    assert app.request(export).version == version
    assert app.request(export).status is RequestStatus.INVOICED
    with pytest.raises(WorkNotAuthorized):  # nor before the work was authorized
        app.log_expense(export, Expense("x2", "taxi", eur("30.00"), day(3)), actor="bob")
