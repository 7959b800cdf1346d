"""January's work drafted at its rate before the year's carry-over was recorded, then given back:
the draft voided, or its invoice credited as re-billable, "because the carried hours cover
January". Once given back, the work draws on the allowance that now covers its day, exactly as
it would have had it been logged after the roll-over: the carried hours cover it, and only
what goes beyond them is owed (as overage). Work written off stays written off. The reports
say the same as the allowances, followed as recorded or rebuilt."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_projections_story import issue
from test_story_allowance_rollover import Y2024, Y2025, A, dana, eur

from q2c_core import (
    AllowanceUnit,
    CreditDisposition,
    QuoteToCash,
    RuleViolated,
    charge_key,
)
from q2c_core.projections import (
    PrepaidCreditUsage,
    ReviewMeeting,
    UnbilledRevenue,
    all_projections,
    catch_up,
    rebuild,
)

DAY = date(2025, 12, 31)  # the reports' day: after all the work


def january_drafted_before_the_carry_over(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme prepaid 10 hours for 2024; "Ongoing tweaks" took 4 of them in March. Dana logged
    3 hours on 10 January 2025, before the carry-over was recorded: no allowance could take
    them then, and the request's draft of 12 January bills them at their rate (300.00).
    Returns (2024 allowance, request, the January draft)."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    y2024 = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=Y2024,
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    tweaks = app.open_request(acme, "Ongoing tweaks", requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(tweaks, hours=10, rate=eur(100), actor="pete")
    app.cover_request_by_allowance(tweaks, y2024, actor=A)
    app.authorize_work(tweaks, authorized_on=date(2024, 3, 1), actor="pete")
    app.log_work(tweaks, dana("mar", date(2024, 3, 10), "4"), actor="dana")
    app.log_work(tweaks, dana("jan", date(2025, 1, 10), "3"), actor="dana")
    draft = app.draft_request_invoice(tweaks, drafted_on=date(2025, 1, 12), actor="pete")
    assert app.invoice(draft).net == eur(300)
    return y2024, tweaks, draft


def carry_over(app: QuoteToCash, y2024: UUID, quantity: int | None = None) -> UUID:
    """The carry-over, recorded late on 15 January: it skips January's hours, billed already."""
    y2025 = app.roll_over_allowance(
        y2024, new_period=Y2025, rolled_over_on=date(2025, 1, 15), actor=A, quantity=quantity
    )
    assert app.allowance(y2025).charges == []
    return y2025


def reports_agree(app: QuoteToCash) -> tuple[UnbilledRevenue, PrepaidCreditUsage, ReviewMeeting]:
    """The unbilled, prepaid and review reports followed as the history was recorded; every
    report holds what a rebuild from an empty start holds."""
    for followed, rebuilt in zip(all_projections(), all_projections(), strict=True):
        catch_up(app, [followed])
        rebuild(app, [rebuilt])
        assert followed.rows() == rebuilt.rows(), followed.name
    unbilled, usage, review = UnbilledRevenue(), PrepaidCreditUsage(), ReviewMeeting()
    catch_up(app, [unbilled, usage, review])
    return unbilled, usage, review


def usage_of(usage: PrepaidCreditUsage, allowance: UUID) -> tuple[Decimal, Decimal, Decimal]:
    """(drawn, remaining, overage) of one allowance, as the prepaid report shows it."""
    (found,) = [u for u in usage.usage(DAY) if u.allowance_id == allowance.hex]
    return found.drawn, found.remaining, found.overage


def test_voiding_januarys_draft_after_the_carry_over_draws_the_carried_hours(
    app: QuoteToCash,
) -> None:
    y2024, tweaks, draft = january_drafted_before_the_carry_over(app)
    y2025 = carry_over(app, y2024)  # 6 hours carried

    app.void_invoice(
        draft, reason="the carried hours cover January", actor=A, voided_on=date(2025, 1, 16)
    )

    new = app.allowance(y2025)
    assert [c.key for c in new.charges] == [charge_key(tweaks, "jan")]
    assert (new.granted, new.consumed, new.remaining, new.overage) == (6, 3, 3, 0)
    assert app.unbilled_work(tweaks) == eur(0)
    assert app.unbilled_work(tweaks, as_of=DAY) == eur(0)
    buckets = {b.entry_id: b for b in app.work_buckets(tweaks)}
    assert (buckets["jan"].covered, buckets["jan"].unbilled, buckets["jan"].invoiced) == (3, 0, 0)
    with pytest.raises(RuleViolated):  # nothing is left to bill at 300.00
        app.draft_request_invoice(tweaks, drafted_on=date(2025, 1, 17), actor="pete")
    unbilled, usage, review = reports_agree(app)
    assert [i for i in unbilled.items(DAY) if i.request_id == tweaks.hex] == []
    assert usage_of(usage, y2025) == (3, 3, 0)
    (row,) = [i for i in review.items(DAY) if i.request_id == tweaks.hex]
    assert (row.invoiced, row.unbilled_overage) == (eur(0), eur(0))


def test_only_what_goes_beyond_the_carried_hours_is_billed_again(app: QuoteToCash) -> None:
    """Two of the six hours left are carried over: January's 3 hours draw the 2, and the third
    is owed as overage (100.00), not all three at their rate (300.00)."""
    y2024, tweaks, draft = january_drafted_before_the_carry_over(app)
    y2025 = carry_over(app, y2024, quantity=2)

    app.void_invoice(draft, reason="carried hours", actor=A, voided_on=date(2025, 1, 16))

    new = app.allowance(y2025)
    assert (new.consumed, new.remaining, new.overage) == (2, 0, 1)
    assert app.unbilled_work(tweaks) == eur(100)
    unbilled, usage, review = reports_agree(app)
    (owed,) = [i for i in unbilled.items(DAY) if i.request_id == tweaks.hex]
    assert (owed.kind, owed.item_id, owed.hours, owed.amount) == (
        "allowance_overage",
        "jan",
        1,
        eur(100),
    )
    assert usage_of(usage, y2025) == (2, 0, 1)
    (row,) = [i for i in review.items(DAY) if i.request_id == tweaks.hex]
    assert row.unbilled_overage == eur(100)
    again = app.invoice(
        app.draft_request_invoice(tweaks, drafted_on=date(2025, 1, 17), actor="pete")
    )
    (line,) = again.lines
    assert (line.quantity, line.net) == (1, eur(100))
    assert line.source is not None and line.source.allowance_id == y2025


def test_a_void_with_no_carry_over_gives_the_work_back_at_its_rate(app: QuoteToCash) -> None:
    """No allowance covers 10 January (2024's period is over and nothing was carried): the
    voided draft's hours are ordinary billable work again, 300.00, as before the draft."""
    y2024, tweaks, draft = january_drafted_before_the_carry_over(app)
    app.void_invoice(draft, reason="wrong day", actor=A, voided_on=date(2025, 1, 16))
    assert app.allowance(y2024).charged == 4
    assert app.unbilled_work(tweaks) == eur(300)
    unbilled, _, _ = reports_agree(app)
    (jan,) = [i for i in unbilled.items(DAY) if i.request_id == tweaks.hex]
    assert (jan.kind, jan.item_id, jan.amount) == ("work", "jan", eur(300))


def credit_january(app: QuoteToCash, invoice: UUID, disposition: CreditDisposition) -> None:
    """Credit the issued January invoice's line on 20 January."""
    note = app.draft_credit_note(
        invoice,
        line_ids=[app.invoice(invoice).lines[0].line_id],
        disposition=disposition,
        reason="the carried hours cover January",
        drafted_on=date(2025, 1, 20),
        actor=A,
    )
    issue(app, note, date(2025, 1, 20))


def test_januarys_invoice_credited_as_rebillable_draws_the_carried_hours(
    app: QuoteToCash,
) -> None:
    y2024, tweaks, draft = january_drafted_before_the_carry_over(app)
    issue(app, draft, date(2025, 1, 12))
    y2025 = carry_over(app, y2024)

    credit_january(app, draft, CreditDisposition.REBILLABLE)

    new = app.allowance(y2025)
    assert [c.key for c in new.charges] == [charge_key(tweaks, "jan")]
    assert (new.consumed, new.remaining) == (3, 3)
    assert app.unbilled_work(tweaks) == eur(0)
    unbilled, usage, _ = reports_agree(app)
    assert [i for i in unbilled.items(DAY) if i.request_id == tweaks.hex] == []
    assert usage_of(usage, y2025) == (3, 3, 0)


def test_januarys_invoice_written_off_leaves_the_carried_hours_alone(app: QuoteToCash) -> None:
    """Written off, the hours are given up, not billed again: nothing draws the carried hours."""
    y2024, tweaks, draft = january_drafted_before_the_carry_over(app)
    issue(app, draft, date(2025, 1, 12))
    y2025 = carry_over(app, y2024)

    credit_january(app, draft, CreditDisposition.WRITTEN_OFF)

    assert app.allowance(y2025).charges == []
    assert app.allowance(y2025).remaining == 6
    assert app.unbilled_work(tweaks) == eur(0)
    _, usage, _ = reports_agree(app)
    assert usage_of(usage, y2025) == (0, 6, 0)
