"""The review meeting's agenda of a past day, after a timesheet dated later arrives.

Acme's "Export" is billed by the hour as it goes: Dana's 2 hours of 6 March are invoiced on
7 March, the request is completed on 15 March with all its work billed (invoiced), and the
invoice is paid in full on 16 March: the agenda of 16 March no longer lists it. On 25 March
the PSA export brings 2 hours Zed worked on 21 March, after the completion (recorded
unauthorized: leakage to follow up). The agenda of 16 March listed Export again, as completed
with work left to bill, though those hours were worked five days later: the review read every
time entry on every day. Now, as unbilled revenue does, a day's agenda reads only the hours
worked on or before it; the agenda of 25 March lists Export with Zed's hours.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_projections_story import authorized_request, eur, issue, work

from q2c_core import QuoteToCash, RequestStatus, TaxRate
from q2c_core.projections import ReviewMeeting, catch_up, rebuild

A = "alice"


def export_billed_as_it_went(app: QuoteToCash) -> tuple[UUID, UUID]:
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    export = authorized_request(app, acme, "Export", date(2024, 3, 1))
    app.log_work(export, work("t1", date(2024, 3, 6), "2", worker="dana"), actor="dana")
    invoice = app.draft_request_invoice(export, drafted_on=date(2024, 3, 7), actor=A)
    issue(app, invoice, date(2024, 3, 7))
    app.complete_request(export, completed_on=date(2024, 3, 15), actor=A)
    assert app.request(export).status is RequestStatus.INVOICED
    paid = app.receive_payment(
        acme, eur("242.00"), received_on=date(2024, 3, 16), reference="INV-1", actor=A
    )
    app.allocate_payment(paid, [(invoice, eur("242.00"))], allocated_on=date(2024, 3, 16), actor=A)
    return acme, export


def agenda(app: QuoteToCash, day: date) -> dict[str, tuple[str, Decimal]]:
    """Each request's (status, actual hours) on ``day``, followed and rebuilt alike."""
    followed, rebuilt = ReviewMeeting(), ReviewMeeting()
    catch_up(app, [followed])
    rebuild(app, [rebuilt])
    items = followed.items(day)
    assert items == rebuilt.items(day)
    return {i.title: (i.status, i.actual_hours) for i in items}


def test_a_timesheet_worked_after_the_day_leaves_that_day_s_agenda_as_it_was() -> None:
    app = QuoteToCash.open("memory:")
    _, export = export_billed_as_it_went(app)
    assert agenda(app, date(2024, 3, 16)) == {}
    app.import_work(
        export, work("z1", date(2024, 3, 21), "2", worker="zed"), source="psa", actor="import"
    )
    assert agenda(app, date(2024, 3, 16)) == {}
    assert agenda(app, date(2024, 3, 25)) == {"Export": ("completed", Decimal(4))}
