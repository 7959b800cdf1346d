"""The review meeting and requests a prepaid allowance covers: one whose work the allowance
covers in full has nothing to invoice (``draft_request_invoice`` refuses), so it never becomes
invoiced; once completed with nothing left to bill it is done and leaves the agenda. One with
anything owed (hours beyond the allowance, a billable expense, work billed at its rate, a fixed
price) stays until that is billed."""

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
from q2c_core.projections import ReviewItem, ReviewMeeting, catch_up, rebuild

A = "bea"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
ON = date(2024, 12, 31)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def dana(entry_id: str, day: date, hours: str) -> TimeEntry:
    return TimeEntry(entry_id, "dana", day, Decimal(hours), eur(100))


def prepaid(app: QuoteToCash, hours: int = 10) -> tuple[UUID, UUID]:
    """Acme prepaid ``hours`` for 2024. Returns (customer, allowance)."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    allowance = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=hours,
        period=YEAR,
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    return acme, allowance


def covered(
    app: QuoteToCash, acme: UUID, allowance: UUID, title: str, fixed: int | None = None
) -> UUID:
    """A request the allowance covers, authorized on 1 March. A fixed price is no longer
    covered by an allowance (it is billed as agreed): ``fixed`` records the combination as a
    history from before that rule did (the event, without the command's check)."""
    request = app.open_request(acme, title, requested_on=date(2024, 3, 1), actor="pete")
    if fixed is None:
        app.estimate_request(request, hours=10, rate=eur(100), actor="pete")
        app.cover_request_by_allowance(request, allowance, actor=A)
    else:
        app.estimate_request(request, fixed_price=eur(fixed), actor="pete")
        recorded = app.request(request)
        recorded._covered_by_allowance(allowance, A)
        app.save(recorded)
    app.authorize_work(request, authorized_on=date(2024, 3, 1), actor="pete")
    return request


def agenda(app: QuoteToCash) -> dict[str, ReviewItem]:
    """The agenda on the last day of the year, followed as recorded; a rebuild from an empty
    start holds the same rows."""
    live, again = ReviewMeeting(), ReviewMeeting()
    catch_up(app, [live])
    rebuild(app, [again])
    assert live.rows() == again.rows()
    return {item.title: item for item in live.items(ON)}


def test_a_request_the_allowance_covers_in_full_leaves_the_agenda_once_completed(
    app: QuoteToCash,
) -> None:
    acme, allowance = prepaid(app)
    tweaks = covered(app, acme, allowance, "Tweaks")
    app.log_work(tweaks, dana("t1", date(2024, 3, 10), "4"), actor="dana")
    assert agenda(app)["Tweaks"].status == "authorized"  # the work is under way

    app.complete_request(tweaks, completed_on=date(2024, 3, 13), actor="pete")

    with pytest.raises(RuleViolated):  # nothing to invoice: it never becomes invoiced
        app.draft_request_invoice(tweaks, drafted_on=date(2024, 3, 14), actor="pete")
    assert app.request(tweaks).status is RequestStatus.COMPLETED
    assert "Tweaks" not in agenda(app)
    app.expire_allowance(allowance, expired_on=date(2025, 1, 1), actor=A)
    assert "Tweaks" not in agenda(app)


def test_hours_beyond_the_allowance_keep_a_completed_request_on_the_agenda(
    app: QuoteToCash,
) -> None:
    """6 hours on a 4-hour allowance: 2 hours (200.00) are owed until they are invoiced."""
    acme, allowance = prepaid(app, hours=4)
    tweaks = covered(app, acme, allowance, "Tweaks")
    app.log_work(tweaks, dana("t1", date(2024, 3, 10), "6"), actor="dana")
    app.complete_request(tweaks, completed_on=date(2024, 3, 13), actor="pete")

    row = agenda(app)["Tweaks"]
    assert (row.status, row.unbilled_overage) == ("completed", eur(200))


def test_a_billable_expense_keeps_a_completed_covered_request_on_the_agenda(
    app: QuoteToCash,
) -> None:
    """The hours are covered, the 80.00 train ticket is not: it is owed until invoiced."""
    acme, allowance = prepaid(app)
    tweaks = covered(app, acme, allowance, "Tweaks")
    app.log_work(tweaks, dana("t1", date(2024, 3, 10), "4"), actor="dana")
    train = Expense("x1", "train to the customer", eur(80), date(2024, 3, 10))
    app.log_expense(tweaks, train, actor="dana")
    app.complete_request(tweaks, completed_on=date(2024, 3, 13), actor="pete")

    assert agenda(app)["Tweaks"].status == "completed"
    invoice = app.draft_request_invoice(tweaks, drafted_on=date(2024, 3, 14), actor="pete")
    assert app.invoice(invoice).net == eur(80)
    assert agenda(app)["Tweaks"].status == "invoiced"  # invoiced, not paid yet


def test_work_billed_at_its_rate_keeps_a_completed_covered_request_on_the_agenda(
    app: QuoteToCash,
) -> None:
    """A timesheet dated before the work was authorized arrives after completion: recorded as
    unauthorized work, billed at its rate (200.00), owed, so the request is back on the
    agenda although its covered hours need no invoice."""
    acme, allowance = prepaid(app)
    tweaks = covered(app, acme, allowance, "Tweaks")
    app.log_work(tweaks, dana("t1", date(2024, 3, 10), "4"), actor="dana")
    app.complete_request(tweaks, completed_on=date(2024, 3, 13), actor="pete")
    assert "Tweaks" not in agenda(app)

    app.import_work(tweaks, dana("early", date(2024, 2, 20), "2"), source="psa.csv", actor="imp")

    assert app.unbilled_work(tweaks) == eur(200)
    assert agenda(app)["Tweaks"].status == "completed"


def test_a_fixed_price_keeps_a_completed_covered_request_on_the_agenda(app: QuoteToCash) -> None:
    """A fixed price of 500.00 on a request an allowance covers (recorded before q2c refused
    the combination) is billed whatever the allowance covers: owed until invoiced."""
    acme, allowance = prepaid(app)
    setup = covered(app, acme, allowance, "Setup", fixed=500)
    app.log_work(setup, dana("s1", date(2024, 3, 10), "2"), actor="dana")
    app.complete_request(setup, completed_on=date(2024, 3, 13), actor="pete")
    assert app.unbilled_work(setup) == eur(500)

    assert agenda(app)["Setup"].status == "completed"


def test_a_completed_request_with_no_hours_logged_yet_stays_on_the_agenda(
    app: QuoteToCash,
) -> None:
    """Completed before its timesheets came in: nothing is drawn nor billed yet, so the meeting
    still sees it (the hours may be missing, not covered)."""
    acme, allowance = prepaid(app)
    tweaks = covered(app, acme, allowance, "Tweaks")
    app.complete_request(tweaks, completed_on=date(2024, 3, 13), actor="pete")

    assert agenda(app)["Tweaks"].status == "completed"


def test_the_review_rows_are_version_13() -> None:
    """A store built before the review kept expenses and the fixed price (6), each
    customer's currency (7), the days an allowance was granted and topped up (8), the
    entries an invoice recorded before the fixed price was its own item billed it through (9),
    the time entries recorded unauthorized, which a cancelled request does not owe (10),
    what invoices billed of each charge's overage, which the next piece of it bills less (11),
    or without what invoices billed of a request's hours, net of re-billable credit notes,
    which a cancelled fixed price owes its price less (12), or without the day a request was
    cancelled, before which it stood as it was cancelled from (13), is rebuilt."""
    assert ReviewMeeting().config()["rows"] >= 13  # (cancellation days kept, or later)
