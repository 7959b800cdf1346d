"""Evergreen terms, told as stories: renewals stay on the grid of the contract's original start,
and a lapsed evergreen term counts as renewed whether a billing run came first or not.

A sub-contract at 1,200 a year bills 100.00 a month; a 10 % uplift makes it 110.00, then 121.00.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_contract_billing import EUR, YEAR, A, contract, eur, sub
from test_unbilled_contract_lifecycle import unbilled_periods

from q2c_core import (
    BillingFrequency,
    ContractStatus,
    InvalidValue,
    InvoiceKind,
    Period,
    QuoteToCash,
    SubContract,
)
from q2c_core.domain.billing import add_months, billing_periods, renewal_end, whole_months
from q2c_core.domain.contract import PeriodAlignment
from q2c_core.projections import UnbilledRevenue


def signed(
    app: QuoteToCash,
    cust: UUID,
    number: str = "MC-1",
    subs: tuple[SubContract, ...] = (),
    term: Period = YEAR,
    activate: bool = True,
    **kw: Any,
) -> UUID:
    """A monthly contract (active unless told), S1 at 1,200 a year from the term's start."""
    return contract(app, cust, number, subs or (sub("S1", start=term.start),), term, activate, **kw)


def lines(app: QuoteToCash, cust: UUID) -> list[tuple[InvoiceKind, str, Period, Decimal]]:
    """Every invoice line: (document kind, sub-contract, days, net), in drafting order."""
    found = []
    for invoice in app.invoices(cust):
        for line in invoice.lines:
            source = line.source
            assert source is not None and source.period is not None
            assert source.sub_contract_id is not None
            found.append((invoice.kind, source.sub_contract_id, source.period, line.net.amount))
    return found


def net_billed(app: QuoteToCash, cust: UUID) -> Decimal:
    total = Decimal(0)
    for invoice in app.invoices(cust):
        sign = -1 if invoice.kind is InvoiceKind.CREDIT_NOTE else 1
        total += sign * invoice.net.amount
    return total


# -- renewals on the grid of the original start ------------------------------------------------


def test_renewal_end_keeps_the_day_of_the_original_start() -> None:
    """A six-month term from 31 August ends on 28 February (clamped), then 31 August, then
    28 February, then 31 August again: never on the 28th for good."""
    term = Period(date(2024, 8, 31), date(2025, 2, 28))
    ends = []
    for _ in range(3):
        term = Period(term.start, renewal_end(term, 6, term.days))
        ends.append(term.end)
    assert ends == [date(2025, 8, 31), date(2026, 2, 28), date(2026, 8, 31)]
    leap = Period(date(2024, 2, 29), date(2025, 2, 28))
    for expected in (date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)):
        leap = Period(leap.start, renewal_end(leap, 12, 365))
        assert leap.end == expected
    # a term renewed by hand off its grid is extended from its end
    assert renewal_end(Period(date(2024, 1, 31), date(2025, 3, 3)), 12, 366) == date(2026, 3, 3)


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    months=st.integers(min_value=1, max_value=36),
    renewals=st.integers(min_value=1, max_value=8),
)
def test_renewals_always_land_on_the_grid_of_the_original_start(
    start: date, months: int, renewals: int
) -> None:
    term = Period(start, add_months(start, months))
    assert whole_months(term) == months
    for k in range(1, renewals + 1):
        term = Period(start, renewal_end(term, months, term.days))
        assert term.end == add_months(start, (k + 1) * months)


@settings(max_examples=100, deadline=None)
@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    days=st.integers(min_value=1, max_value=400),
    renewals=st.integers(min_value=1, max_value=8),
)
def test_a_term_of_days_renews_by_its_days(start: date, days: int, renewals: int) -> None:
    term = Period(start, start + timedelta(days=days))
    for _ in range(renewals):
        term = Period(start, renewal_end(term, None, days))
    assert term.end == start + timedelta(days=days * (renewals + 1))


def test_a_term_from_the_31st_is_billed_in_whole_months_across_renewals(app: QuoteToCash) -> None:
    """Six months from 31 August 2024, billed monthly in advance, 10 % uplift. Every period is
    billed once, whole, on one invoice line: six at 100.00, six at 110.00 (the 31 July period
    in full, not 99.35 plus an 11.71 correction), six at 121.00, then 133.10; no correction
    documents, and the term ends on the 31st (or the month's last day), as it started."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    term = Period(date(2024, 8, 31), date(2025, 2, 28))
    cid = signed(app, cust, term=term, auto_renew=True, renewal_uplift_percent=10)
    unbilled = UnbilledRevenue()
    for as_of, end in (
        (date(2025, 7, 31), date(2025, 8, 31)),
        (date(2025, 8, 28), date(2025, 8, 31)),
        (date(2025, 8, 31), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 8, 31)),
    ):
        unbilled_periods(app, unbilled, as_of)  # the read side shows what the run then bills
        app.run_billing(as_of, actor="run")
        assert app.contract(cid).term == Period(term.start, end)
    billed = lines(app, cust)
    periods = billing_periods(
        Period(term.start, date(2026, 3, 31)), BillingFrequency.MONTHLY, PeriodAlignment.ANNIVERSARY
    )
    assert [(k, s, p) for k, s, p, _ in billed] == [
        (InvoiceKind.STANDARD, "S1", p) for p in periods
    ]
    assert [n for *_, n in billed] == (
        [Decimal("100.00")] * 6
        + [Decimal("110.00")] * 6
        + [Decimal("121.00")] * 6
        + [Decimal("133.10")]
    )
    assert net_billed(app, cust) == Decimal("2119.10")


def test_a_term_from_29_february_renews_onto_29_february_in_leap_years(app: QuoteToCash) -> None:
    """A yearly evergreen contract from 29 February 2024, billed annually with a 10 % uplift:
    the 2027 period runs to 29 February 2028 at one price, and the 2028 term starts that day at
    the next: no one-day line at next year's price."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    term = Period(date(2024, 2, 29), date(2025, 2, 28))
    cid = signed(
        app,
        cust,
        term=term,
        frequency=BillingFrequency.ANNUAL,
        auto_renew=True,
        renewal_uplift_percent=10,
    )
    app.run_billing(date(2028, 3, 1), actor="run")
    assert app.contract(cid).term.end == date(2029, 2, 28)
    assert [(p, n) for _, _, p, n in lines(app, cust)] == [
        (Period(date(2024, 2, 29), date(2025, 2, 28)), Decimal("1200.00")),
        (Period(date(2025, 2, 28), date(2026, 2, 28)), Decimal("1320.00")),
        (Period(date(2026, 2, 28), date(2027, 2, 28)), Decimal("1452.00")),
        (Period(date(2027, 2, 28), date(2028, 2, 29)), Decimal("1597.20")),
        (Period(date(2028, 2, 29), date(2029, 2, 28)), Decimal("1756.92")),
    ]


# -- a lapsed evergreen term counts as renewed -------------------------------------------------


def _terminated_in_the_gap(run_first: bool, uplift: int | None) -> tuple[QuoteToCash, UUID, UUID]:
    app = QuoteToCash.open("memory:")
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    cid = signed(app, cust, auto_renew=True, renewal_uplift_percent=uplift)
    app.run_billing(date(2024, 12, 1), actor="run")
    if run_first:
        app.run_billing(date(2025, 1, 1), actor="run")
    app.terminate_contract(
        cid, effective=date(2025, 3, 1), reason="notice given", actor=A, noticed_on=date(2025, 3, 1)
    )
    return app, cust, cid


@pytest.mark.parametrize("run_first", [False, True])
def test_notice_given_after_an_evergreen_term_ended_bills_the_notice_months(
    run_first: bool,
) -> None:
    """An evergreen contract's term ends on 1 January 2025; notice is given effective 1 March.
    Whether or not a run renewed the term on 1 January first, January and February are billed:
    1,400.00 in all (1,420.00 with a 10 % uplift), and the term ends on 1 March."""
    for uplift, total in ((None, "1400.00"), (10, "1420.00")):
        app, cust, cid = _terminated_in_the_gap(run_first, uplift)
        try:
            c = app.contract(cid)
            assert c.status is ContractStatus.TERMINATED
            assert c.term == Period(date(2024, 1, 1), date(2025, 3, 1))
            assert c.sub_contracts["S1"].effective_to == date(2025, 3, 1)
            unbilled = UnbilledRevenue()
            due = unbilled_periods(app, unbilled, date(2025, 6, 1))
            months = ["2025-02-01..2025-02-28"] if run_first else ["2025-01-01..2025-01-31"]
            months += [] if run_first else ["2025-02-01..2025-02-28"]
            assert sorted(due) == [(cid.hex, m) for m in months]
            app.run_billing(date(2025, 6, 1), actor="run")
            assert net_billed(app, cust) == Decimal(total)
            assert unbilled_periods(app, unbilled, date(2025, 6, 1)) == {}
        finally:
            app.close()


def test_the_renewal_is_recorded_before_the_termination_and_replays(tmp_path: Path) -> None:
    """The renewal a termination implies is recorded as the run records it (a Renewed event,
    by the one who terminated), so reopening the store replays the same contract."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    cid = signed(app, cust, auto_renew=True, renewal_uplift_percent=10)
    app.terminate_contract(
        cid,
        effective=date(2025, 3, 1),
        reason="notice given",
        actor="bob",
        noticed_on=date(2025, 3, 1),
    )
    before = app.contract(cid)
    app.close()
    again = QuoteToCash.open(url)
    try:
        c = again.contract(cid)
        assert c.term == before.term == Period(date(2024, 1, 1), date(2025, 3, 1))
        assert c.sub_contracts == before.sub_contracts
        assert c.sub_contracts["S1"].price_on(date(2025, 2, 1)) == eur("1320.00")
        assert c.status is ContractStatus.TERMINATED and c.version == before.version
        names = [type(e).__name__ for e in again.repository.event_store.get(cid)]
        assert names[-2:] == ["Renewed", "Terminated"]
        again.run_billing(date(2025, 3, 1), actor="run")
        assert net_billed(again, cust) == Decimal("1420.00")
    finally:
        again.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    notice=st.integers(min_value=1, max_value=800),
    runs=st.lists(st.integers(min_value=0, max_value=800), max_size=2),
)
def test_an_evergreen_termination_bills_the_same_whoever_comes_first(
    notice: int, runs: list[int]
) -> None:
    """Notice effective any day after the first term ended (up to two renewals later), and
    billing runs on any days (before or after the notice day) recorded before the notice, or
    none: the contract always ends on the notice day, with the same amount billed in the end
    as when no run came before the notice."""
    end = YEAR.end
    effective = end + timedelta(days=notice)
    totals = []
    for run_days in ([], runs):
        app = QuoteToCash.open("memory:")
        try:
            cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
            cid = signed(app, cust, auto_renew=True, renewal_uplift_percent=10)
            for d in sorted(run_days):
                app.run_billing(end + timedelta(days=d), actor="run")
            app.terminate_contract(
                cid, effective=effective, reason="notice", actor=A, noticed_on=effective
            )
            assert app.contract(cid).term.end == effective
            app.run_billing(effective + timedelta(days=400), actor="run")
            totals.append(net_billed(app, cust))
        finally:
            app.close()
    assert totals[0] == totals[1]


def test_a_sub_contract_added_after_a_lapsed_evergreen_term_is_taken_and_billed(
    app: QuoteToCash,
) -> None:
    """S2 joins on 20 January 2025, after the evergreen term ended on 1 January but before any
    run renewed it: accepted, not uplifted (it was not there in 2024), and January bills its
    12 days: 38.71 beside S1's 110.00."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    cid = signed(app, cust, auto_renew=True, renewal_uplift_percent=10)
    app.run_billing(date(2024, 12, 1), actor="run")
    app.add_sub_contract(cid, sub("S2", start=date(2025, 1, 20)), actor=A)
    assert app.contract(cid).term.end == date(2025, 1, 1)  # renewed by the run, not by adding
    app.run_billing(date(2025, 1, 20), actor="run")
    jan = [(s, p, n) for _, s, p, n in lines(app, cust) if p.start.year == 2025]
    assert jan == [
        ("S1", Period(date(2025, 1, 1), date(2025, 2, 1)), Decimal("110.00")),
        ("S2", Period(date(2025, 1, 20), date(2025, 2, 1)), Decimal("38.71")),
    ]


def test_a_sub_contract_moves_into_a_lapsed_evergreen_contract(app: QuoteToCash) -> None:
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    fixed = signed(app, cust, "MC-A", term=Period(date(2024, 1, 1), date(2026, 1, 1)))
    evergreen = signed(app, cust, "MC-B", subs=(sub("X"),), auto_renew=True)
    app.reassign_sub_contract(fixed, "S1", evergreen, effective=date(2025, 2, 1), actor=A)
    assert app.contract(evergreen).sub_contracts["S1"].effective_from == date(2025, 2, 1)
    app.run_billing(date(2025, 2, 1), actor="run")
    feb = [(s, n) for _, s, p, n in lines(app, cust) if p.start == date(2025, 2, 1)]
    assert sorted(feb) == [("S1", Decimal("100.00")), ("X", Decimal("100.00"))]


def test_only_a_live_evergreen_term_counts_as_renewed(app: QuoteToCash) -> None:
    """A fixed term, or an evergreen contract not active yet (the run neither renews nor bills
    it), still refuses a sub-contract after its end; terminating a fixed term after its end
    still ends it at its end: 1,200.00 for 2024, nothing for 2025."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    fixed = signed(app, cust, "MC-FIXED")
    unsigned = signed(app, cust, "MC-NEW", auto_renew=True, activate=False)
    for cid in (fixed, unsigned):
        with pytest.raises(InvalidValue):
            app.add_sub_contract(cid, sub("S2", start=date(2025, 1, 20)), actor=A)
    app.terminate_contract(
        fixed, effective=date(2025, 3, 1), reason="gone", actor=A, noticed_on=date(2025, 3, 1)
    )
    assert app.contract(fixed).term.end == date(2025, 1, 1)
    app.run_billing(date(2025, 6, 1), actor="run")
    assert net_billed(app, cust) == Decimal("1200.00")


def test_a_sub_contract_moved_out_of_a_lapsed_evergreen_term_bills_january_to_the_cent(
    app: QuoteToCash,
) -> None:
    """S1 (1,000.00 a year: 83.33 a month) moves on 20 January 2025 from an evergreen contract
    whose term ended on 1 January, before any run renewed it, to a fixed one: the source is
    renewed up to the move first, as the run would have, so the two contracts together bill
    January's 83.33 exactly, split by days (19 before the move, 12 after)."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    evergreen = signed(app, cust, "MC-A", subs=(sub("S1", price=1000),), auto_renew=True)
    fixed = signed(
        app, cust, "MC-B", subs=(sub("X"),), term=Period(date(2024, 1, 1), date(2026, 1, 1))
    )
    app.reassign_sub_contract(evergreen, "S1", fixed, effective=date(2025, 1, 20), actor=A)
    assert app.contract(evergreen).term.end == date(2026, 1, 1)  # renewed up to the move
    app.run_billing(date(2025, 1, 31), actor="run")
    january = [
        (p, n)
        for _, s, p, n in lines(app, cust)
        if s == "S1" and p.start.year == 2025 and p.start.month == 1
    ]
    assert sum((n for _, n in january), Decimal(0)) == Decimal("83.33")
    assert sorted((p.start, p.end) for p, _ in january) == [
        (date(2025, 1, 1), date(2025, 1, 20)),
        (date(2025, 1, 20), date(2025, 2, 1)),
    ]


# -- a free term ---------------------------------------------------------------------------------


def test_a_goodwill_year_renewed_at_minus_100_percent_bills_nothing_and_takes_no_number(
    app: QuoteToCash,
) -> None:
    """MC-1 (S1 at 1,200 a year, billed monthly) is renewed for 2025 at -100 %: a free year.
    The run of 1 March 2025 bills January to December 2024 and drafts nothing for January to
    March 2025, whose months it records as covered all the same: the preview showed exactly
    that, the read side shows nothing unbilled, and a second run bills nothing. Priced again
    for 2026 at 1,500, the run of 1 January 2026 bills January 2026 alone (the free months
    since go by without a document), and issued it takes the number after December 2024's:
    no number was spent on a 0.00 invoice."""
    from test_contract_billing import customer, issue

    cust = customer(app)
    cid = signed(app, cust)
    app.renew_contract(
        cid, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A, uplift_percent=-100
    )
    on = date(2025, 3, 1)
    months_2024 = [Period(date(2024, m, 1), add_months(date(2024, m, 1), 1)) for m in range(1, 13)]
    unbilled = UnbilledRevenue()
    assert len(unbilled_periods(app, unbilled, on)) == 12  # (the projection equals the preview)
    preview = app.preview_billing(on)
    posted = app.run_billing(on, actor="run")
    assert [d.period for d in preview] == [d.period for d in posted.documents] == months_2024
    c = app.contract(cid)
    for m in (1, 2, 3):
        free = c.billed_period(Period(date(2025, m, 1), date(2025, m + 1, 1)))
        assert free is not None and free.invoice_id is None  # covered, with no invoice
    assert app.preview_billing(on) == [] and app.run_billing(on, actor="run").documents == ()
    assert unbilled_periods(app, unbilled, on) == {}
    numbers = [issue(app, d.invoice_id, on) for d in posted.documents]
    assert numbers[-1] == "INV-000012"

    app.renew_contract(
        cid,
        new_end=date(2027, 1, 1),
        effective=date(2026, 1, 1),
        actor=A,
        new_prices={"S1": eur(1500)},
    )
    (january,) = app.run_billing(date(2026, 1, 1), actor="run").documents
    assert january.period == Period(date(2026, 1, 1), date(2026, 2, 1))
    assert january.net == eur("125.00")
    assert issue(app, january.invoice_id, date(2026, 1, 2)) == "INV-000013"
    assert net_billed(app, cust) == Decimal("1325.00")


# -- the lifecycle around renewals ---------------------------------------------------------------


@pytest.mark.parametrize("run_first", [False, True])
def test_a_lapsed_evergreen_contract_expires_only_on_its_renewed_term_s_end(
    app: QuoteToCash, run_first: bool
) -> None:
    """An evergreen 2024 contract, its term lapsed, asked to expire on 1 June 2025: whether a
    run renewed it first or not, the term counts as renewed to 2026 and the expiry is refused
    (it used to expire it on the spot when no run came first, and January to May 2025 were
    never billed); on its renewed end it expires, and every month to then is billed."""
    from test_contract_billing import customer

    cust = customer(app)
    cid = signed(app, cust, auto_renew=True)
    if run_first:
        app.run_billing(date(2025, 1, 1), actor="run")
    with pytest.raises(InvalidValue) as refused:
        app.expire_contract(cid, effective=date(2025, 6, 1), actor=A)
    assert "2026-01-01" in str(refused.value)
    app.expire_contract(cid, effective=date(2026, 1, 1), actor=A)
    assert app.contract(cid).status is ContractStatus.EXPIRED
    app.run_billing(date(2026, 2, 1), actor="run")
    assert net_billed(app, cust) == Decimal("2400.00")  # 24 months at 100.00


def test_an_expiring_evergreen_contract_shows_its_renewed_value_before_the_run_too(
    app: QuoteToCash,
) -> None:
    """Listed on 15 December 2025, a 10 %-uplift evergreen contract signed for 2024 shows the
    2025 term's value, 1,320.00, whether or not a run has renewed it yet."""
    from test_contract_billing import customer

    cust = customer(app)
    signed(app, cust, auto_renew=True, renewal_uplift_percent=10)
    day = date(2025, 12, 15)
    (before,) = app.contracts_expiring_within(30, day)
    app.run_billing(date(2025, 1, 1), actor="run")
    (after,) = app.contracts_expiring_within(30, day)
    assert before == after
    assert (before.term_end, before.annual_value) == (date(2026, 1, 1), eur("1320.00"))


def test_status_changes_keep_business_order_and_the_policy_respects_a_later_one(
    app: QuoteToCash,
) -> None:
    """Activated on 1 January: a suspension dated before it, or a reactivation dated before
    the suspension, is refused (nothing recorded); a reactivation says why. A past-due
    policy applied as of a day before a recorded reactivation leaves that reactivation the
    last word rather than suspending the contract again behind it."""
    from test_contract_billing import customer, issue

    from q2c_core import PastDuePolicy, RuleViolated

    cust = customer(app)
    late_signer = app.sign_contract(
        cust,
        number="MC-0",
        term=YEAR,
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 1, 15),
        actor=A,
        sub_contracts=(sub("S9"),),
    )
    # (signed on the 15th for a term from the 1st: activated from the 1st all the same)
    app.activate_contract(late_signer, effective=date(2024, 1, 1), actor=A)
    # (dated back: notice given on the signing day, never before it)
    app.terminate_contract(
        late_signer,
        effective=date(2024, 1, 2),
        reason="test",
        actor=A,
        noticed_on=date(2024, 1, 15),
    )
    cid = signed(app, cust)
    [_, jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, jan, date(2024, 1, 1))
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.suspend_contract(cid, effective=date(2023, 12, 1), reason="late", actor=A)
    assert refused.value.field == "effective"
    app.suspend_contract(cid, effective=date(2024, 3, 1), reason="asked", actor=A)
    for when, why in ((date(2024, 2, 1), "paid"), (date(2024, 4, 1), " ")):
        with pytest.raises((RuleViolated, InvalidValue)):
            app.reactivate_contract(cid, effective=when, reason=why, actor=A)
    assert app.recorder.max_notification_id() == before + 1
    app.reactivate_contract(cid, effective=date(2024, 4, 1), reason="paid up", actor=A)
    policy = PastDuePolicy(days=30)
    assert app.apply_past_due_policy(policy, date(2024, 3, 15), actor="collections") == []
    assert app.contract(cid).status is ContractStatus.ACTIVE
    assert app.apply_past_due_policy(policy, date(2024, 4, 15), actor="collections") == [cid]
