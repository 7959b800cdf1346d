"""The review meeting after the only time entry of a request turns out to be booked in error.

Acme's "Export" is billed by the hour. Dana's 8 hours are logged on it on 5 March, it is
completed on 6 March and its invoice drafted on 8 March, which leaves it invoiced. Then the
hours turn out to belong to another request: the draft is voided on 11 March and the entry
withdrawn. Nothing of Export is billed any more, and the domain reads it completed (no work
logged yet: it stays on the agenda). The review meeting read it invoiced on every day from
8 March on: an invoice had once left it invoiced, and "invoices hold all its work" was true
of no work at all. Now it is invoiced on a day only while invoices held some of its work that
day, as the domain marks a request invoiced only while something of it is billed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_projections_story import authorized_request, work

from q2c_core import QuoteToCash, RequestStatus, TaxRate
from q2c_core.projections import ReviewMeeting, catch_up, rebuild

A = "alice"


def export_billed_then_taken_back(app: QuoteToCash) -> UUID:
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    export = authorized_request(app, acme, "Export", date(2024, 3, 1))
    app.log_work(export, work("t1", date(2024, 3, 5), "8", worker="dana"), actor="dana")
    app.complete_request(export, completed_on=date(2024, 3, 6), actor=A)
    draft = app.draft_request_invoice(export, drafted_on=date(2024, 3, 8), actor=A)
    assert app.request(export).status is RequestStatus.INVOICED
    app.void_invoice(draft, reason="hours of another request", actor=A, voided_on=date(2024, 3, 11))
    app.withdraw_work(export, "t1", reason="booked on the wrong request", actor=A)
    assert app.request(export).status is RequestStatus.COMPLETED
    return export


def agenda(app: QuoteToCash, day: date) -> dict[str, tuple[str, Decimal, Decimal]]:
    """Each request's (status, invoiced, actual hours) on ``day``, followed and rebuilt alike."""
    followed, rebuilt = ReviewMeeting(), ReviewMeeting()
    catch_up(app, [followed])
    rebuild(app, [rebuilt])
    items = followed.items(day)
    assert items == rebuilt.items(day)
    return {i.title: (i.status, i.invoiced.amount, i.actual_hours) for i in items}


def test_a_request_whose_only_hours_were_withdrawn_reads_completed_as_the_domain_does() -> None:
    app = QuoteToCash.open("memory:")
    export_billed_then_taken_back(app)
    assert agenda(app, date(2024, 3, 31)) == {"Export": ("completed", Decimal(0), Decimal(0))}
