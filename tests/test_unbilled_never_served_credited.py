"""Unbilled revenue shows a contract that turns out never served as the billing run bills it:
every day a run billed before the ending was recorded is a credit due (the days before a
termination dated back too), no period of it is due, and once the run has credited them
nothing is left. Followed event by event and rebuilt from the history alike, the report lists
exactly what ``preview_billing`` would post, before and after the credit run."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from test_contract_billing import A, customer
from test_story_never_served_credited import (
    NEVER_SERVED,
    billed_then_ended_before_go_live,
    signed_going_live,
)

from q2c_core import BillingFrequency, BillingTiming, InvoiceKind, Period, QuoteToCash
from q2c_core.projections import UnbilledRevenue, catch_up, rebuild


def listed(
    app: QuoteToCash, followed: UnbilledRevenue, day: date
) -> dict[tuple[str, str, str], str]:
    """What unbilled revenue lists for contracts on ``day``, by kind and period: the
    projection followed since the start (caught up now) and one rebuilt from the history
    must list the same."""
    catch_up(app, [followed], page_size=3)
    rebuilt = UnbilledRevenue()
    rebuild(app, [rebuilt])
    assert followed.rows() == rebuilt.rows()
    items = followed.items(day)
    assert items == rebuilt.items(day)
    return {
        (i.contract_id, i.kind, i.item_id): str(i.amount.amount) for i in items if i.contract_id
    }


def previewed(app: QuoteToCash, day: date) -> dict[tuple[str, str, str], str]:
    """What the run of ``day`` would post, as the report lists it: a document correcting a
    billed period (a credit note negative) by that period, a period's invoice as due."""
    found: dict[tuple[str, str, str], Decimal] = {}
    for draft in app.preview_billing(day):
        billed = [b.period for b in app.contract(draft.contract_id).billed.values()]
        for line in draft.lines:
            assert line.source is not None and line.source.period is not None
            start = line.source.period.start
            corrected = [p for p in billed if p.start <= start < p.end]
            sign = -1 if draft.kind is InvoiceKind.CREDIT_NOTE else 1
            if corrected:
                key = (draft.contract_id.hex, "contract_correction", str(corrected[0]))
            else:
                assert draft.period is not None
                key = (draft.contract_id.hex, "contract_period", str(draft.period))
            found[key] = found.get(key, Decimal(0)) + sign * line.net.amount
    return {k: str(v) for k, v in found.items()}


def test_terminated_back_before_go_live_lists_every_billed_month_as_a_credit_due(
    app: QuoteToCash,
) -> None:
    """MC-1, 1,200.00 a year for 2024 billed monthly in advance, goes live on 1 March; the run
    that day bills January, February and March, 100.00 each. On 5 March a termination
    effective 1 February is recorded: the contract never served a day. The report lists the
    three months as credits due, January too (it listed February and March only), as the
    preview of the next run shows; no period is due. Once the run has credited them, nothing
    is left."""
    cust = customer(app)
    followed = UnbilledRevenue()
    cid = signed_going_live(app, cust, date(2024, 3, 1))
    app.run_billing(date(2024, 3, 1), actor="run")
    assert listed(app, followed, date(2024, 3, 2)) == previewed(app, date(2024, 3, 2)) == {}
    app.terminate_contract(
        cid,
        effective=date(2024, 2, 1),
        reason="the customer withdrew before go-live",
        actor=A,
        noticed_on=date(2024, 3, 5),
    )
    pending = {
        (cid.hex, "contract_correction", "2024-01-01..2024-01-31"): "-100.00",
        (cid.hex, "contract_correction", "2024-02-01..2024-02-29"): "-100.00",
        (cid.hex, "contract_correction", "2024-03-01..2024-03-31"): "-100.00",
    }
    assert listed(app, followed, date(2024, 4, 1)) == previewed(app, date(2024, 4, 1)) == pending
    app.run_billing(date(2024, 4, 1), actor="run")
    for day in (date(2024, 4, 1), date(2024, 12, 1)):
        assert listed(app, followed, day) == previewed(app, day) == {}


def test_in_arrears_never_served_lists_no_period_due_and_the_billed_months_as_credits(
    app: QuoteToCash,
) -> None:
    """MC-1, billed monthly in arrears, goes live on 15 March; the run that day bills January
    and February. A termination effective 10 March is recorded on 20 March: the term now ends
    inside March, but the contract never served a day. The report used to list 1-10 March
    (29.03) as a period due, before and after the next run (so leakage for good), and no
    credit: now it lists January and February as credits due, as the run credits them, and
    no period; after the run, nothing."""
    cust = customer(app)
    followed = UnbilledRevenue()
    cid = signed_going_live(app, cust, date(2024, 3, 15), timing=BillingTiming.IN_ARREARS)
    app.run_billing(date(2024, 3, 15), actor="run")
    app.terminate_contract(
        cid, effective=date(2024, 3, 10), reason="withdrawn", actor=A, noticed_on=date(2024, 3, 20)
    )
    pending = {
        (cid.hex, "contract_correction", "2024-01-01..2024-01-31"): "-100.00",
        (cid.hex, "contract_correction", "2024-02-01..2024-02-29"): "-100.00",
    }
    assert listed(app, followed, date(2024, 4, 1)) == previewed(app, date(2024, 4, 1)) == pending
    app.run_billing(date(2024, 4, 1), actor="run")
    for day in (date(2024, 4, 1), date(2024, 5, 1)):
        assert listed(app, followed, day) == previewed(app, day) == {}


def test_ended_on_the_go_live_day_credits_all_and_a_day_later_keeps_the_days_served(
    app: QuoteToCash,
) -> None:
    """Two contracts alike, quarterly in advance, live on 1 April, both quarters billed that
    day (300.00 each). MC-1 is terminated effective 1 April (never served): both quarters are
    credits due, whole. MC-2 effective 2 April (served a day): only the second quarter's days
    from it on (296.70), as the run credits them."""
    cust = customer(app)
    followed = UnbilledRevenue()
    quarterly = {"frequency": BillingFrequency.QUARTERLY}
    never = signed_going_live(app, cust, date(2024, 4, 1), **quarterly)
    served = signed_going_live(app, cust, date(2024, 4, 1), number="MC-2", **quarterly)
    app.run_billing(date(2024, 4, 1), actor="run")
    for cid, effective in ((never, date(2024, 4, 1)), (served, date(2024, 4, 2))):
        app.terminate_contract(
            cid, effective=effective, reason="withdrawn", actor=A, noticed_on=date(2024, 4, 10)
        )
    day = date(2024, 5, 1)
    items = listed(app, followed, day)
    assert items == previewed(app, day)
    by_contract = {
        c.hex: sorted(
            str(i.amount.amount)
            for i in followed.items(day)
            if i.contract_id == c.hex and i.kind == "contract_correction"
        )
        for c in (never, served)
    }
    assert by_contract[never.hex] == ["-300.00", "-300.00"]
    assert by_contract[served.hex] == ["-296.70"]  # (2 April to 30 June: 90 of 91 days)
    app.run_billing(day, actor="run")
    assert listed(app, followed, date(2024, 12, 1)) == previewed(app, date(2024, 12, 1)) == {}


def test_a_fixed_term_expired_before_its_late_go_live_lists_its_term_as_a_credit_due(
    app: QuoteToCash,
) -> None:
    """MC-1, signed for the first quarter of 2024, goes live only on 15 April and is billed
    the quarter (300.00) that day; its expiry is recorded effective 10 April: never served,
    so the quarter is a credit due, as the next run credits it; then nothing."""
    cust = customer(app)
    followed = UnbilledRevenue()
    cid = signed_going_live(
        app,
        cust,
        date(2024, 4, 15),
        term=Period(date(2024, 1, 1), date(2024, 4, 1)),
        frequency=BillingFrequency.QUARTERLY,
    )
    app.run_billing(date(2024, 4, 15), actor="run")
    app.expire_contract(cid, effective=date(2024, 4, 10), actor=A)
    pending = {(cid.hex, "contract_correction", "2024-01-01..2024-03-31"): "-300.00"}
    assert listed(app, followed, date(2024, 5, 1)) == previewed(app, date(2024, 5, 1)) == pending
    app.run_billing(date(2024, 5, 1), actor="run")
    assert listed(app, followed, date(2024, 6, 1)) == previewed(app, date(2024, 6, 1)) == {}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**NEVER_SERVED)
def test_unbilled_lists_what_the_run_posts_for_a_contract_never_served(
    live: int,
    ran: int,
    ended: int,
    later: int,
    frequency: BillingFrequency,
    timing: BillingTiming,
) -> None:
    """Invariant: a contract signed for 2024, going live on any day of it, billed by a run on
    or after its go-live, then terminated effective any day from its term's start to its
    go-live day: on the next run's day, unbilled revenue (followed and rebuilt) lists exactly
    what that run's preview shows, as credits due with no period due; once it has run,
    unbilled revenue lists nothing for the contract, as the preview of a later run shows."""
    app = QuoteToCash.open("memory:")
    try:
        followed = UnbilledRevenue()
        _, _, first = billed_then_ended_before_go_live(
            app,
            live,
            ran,
            ended,
            lambda app, day: app.run_billing(day, actor="run"),
            frequency=frequency,
            timing=timing,
        )
        second = first + timedelta(days=later)
        pending = listed(app, followed, second)
        assert pending == previewed(app, second)
        assert all(kind == "contract_correction" for _, kind, _ in pending)
        app.run_billing(second, actor="run")
        for day in (second, second + timedelta(days=200)):
            assert listed(app, followed, day) == previewed(app, day) == {}
    finally:
        app.close()
