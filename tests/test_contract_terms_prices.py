"""Which price is in force on a day, told as stories: the price point with the latest effective
date on or before the day (of two on one date, the one recorded last), whatever order the price
changes were recorded in; and what a renewal's uplift does to those price points.

A sub-contract at 1,200 a year bills 100.00 a month; at 2,400, 200.00; at 3,600, 300.00.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st
from test_contract_billing import EUR, YEAR, A, contract, eur, sub

from q2c_core import (
    BillingFrequency,
    InvoiceKind,
    Money,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)
from q2c_core.domain.billing import billing_period_containing, charge_period
from q2c_core.domain.contract import DayCount, PeriodAlignment


def signed(
    app: QuoteToCash,
    cust: UUID,
    number: str = "MC-1",
    subs: tuple[SubContract, ...] = (),
    **kw: Any,
) -> UUID:
    """An active monthly contract for 2024, with S1 at 1,200 a year unless told otherwise."""
    return contract(app, cust, number, subs or (sub("S1"),), **kw)


# S1 at 1,200 a year, 2,400 from March and 3,600 from June: what January to July bill
MARCH_AND_JUNE_STEPS = {
    date(2024, 1, 1): Decimal("100.00"),
    date(2024, 2, 1): Decimal("100.00"),
    date(2024, 3, 1): Decimal("200.00"),
    date(2024, 4, 1): Decimal("200.00"),
    date(2024, 5, 1): Decimal("200.00"),
    date(2024, 6, 1): Decimal("300.00"),
    date(2024, 7, 1): Decimal("300.00"),
}


def monthly_bills(app: QuoteToCash, cust: UUID, sub_id: str) -> dict[date, Decimal]:
    """Net billed per billing-period start for one sub-contract (credits subtracted)."""
    found: dict[date, Decimal] = {}
    for invoice in app.invoices(cust):
        sign = -1 if invoice.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in invoice.lines:
            source = line.source
            assert source is not None and source.period is not None
            if source.sub_contract_id != sub_id:
                continue
            month = source.period.start.replace(day=1)
            found[month] = found.get(month, Decimal(0)) + sign * line.net.amount
    return found


# -- stories -----------------------------------------------------------------------------------


def test_a_june_step_up_survives_a_march_price_recorded_after_it(app: QuoteToCash) -> None:
    """The account manager records the agreed June step-up to 3,600 first, then the March
    price of 2,400: March to May bill 200.00, June and July 300.00 (not 200.00)."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    cid = signed(app, cust)
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 6, 1), annual_price=eur(3600), actor=A)
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 3, 1), annual_price=eur(2400), actor=A)
    app.run_billing(date(2024, 7, 1), actor="run")
    assert monthly_bills(app, cust, "S1") == MARCH_AND_JUNE_STEPS
    s1 = app.contract(cid).sub_contracts["S1"]
    assert s1.price_on(date(2024, 5, 31)) == eur(2400)
    assert s1.price_on(date(2024, 12, 31)) == eur(3600)


def test_two_prices_on_one_date_the_one_recorded_last_counts(app: QuoteToCash) -> None:
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    cid = signed(app, cust)
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 4, 1), annual_price=eur(3600), actor=A)
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 4, 1), annual_price=eur(2400), actor=A)
    app.run_billing(date(2024, 4, 1), actor="run")
    assert monthly_bills(app, cust, "S1")[date(2024, 4, 1)] == Decimal("200.00")


def test_a_moved_sub_contract_keeps_the_step_up_on_both_contracts(app: QuoteToCash) -> None:
    """Step-up to 3,600 from June recorded before a 2,400 price from March; the sub-contract
    then moves from A to B on April 1. Source and target agree on every day's price: B bills
    April and May at 200.00 and June and July at 300.00."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    a = signed(app, cust, "MC-A")
    b = signed(app, cust, "MC-B", subs=(sub("X"),))
    app.reprice_sub_contract(a, "S1", effective=date(2024, 6, 1), annual_price=eur(3600), actor=A)
    app.reprice_sub_contract(a, "S1", effective=date(2024, 3, 1), annual_price=eur(2400), actor=A)
    app.reassign_sub_contract(a, "S1", b, effective=date(2024, 4, 1), actor=A)
    source = app.contract(a).sub_contracts["S1"]
    target = app.contract(b).sub_contracts["S1"]
    for day in (date(2024, 4, 1), date(2024, 6, 1), date(2024, 7, 15)):
        assert source.price_on(day) == target.price_on(day)
    app.run_billing(date(2024, 7, 1), actor="run")
    assert monthly_bills(app, cust, "S1") == MARCH_AND_JUNE_STEPS


def test_a_renewal_uplift_keeps_a_price_scheduled_after_the_old_end(app: QuoteToCash) -> None:
    """6,000 a year agreed from July 2025, then the term is renewed for 2025 with a 10 %
    uplift: January to June 2025 bill 110.00 (1,320), July on 500.00 (6,000, not 1,320)."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    cid = signed(app, cust)
    app.reprice_sub_contract(cid, "S1", effective=date(2025, 7, 1), annual_price=eur(6000), actor=A)
    app.renew_contract(
        cid, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A, uplift_percent=10
    )
    app.run_billing(date(2025, 8, 1), actor="run")
    bills = monthly_bills(app, cust, "S1")
    assert bills[date(2024, 12, 1)] == Decimal("100.00")
    assert [bills[date(2025, m, 1)] for m in range(1, 9)] == [Decimal("110.00")] * 6 + [
        Decimal("500.00")
    ] * 2


def test_the_uplift_reads_the_old_terms_last_day_and_spares_new_sub_contracts(
    app: QuoteToCash,
) -> None:
    """An evergreen contract with a 10 % uplift renews on 1 January 2025. S1 (1,200, there all
    2024) goes to 1,320: 110.00 in January. S2, added at 1,200 from 1 January 2025, was priced
    for the new term: 100.00, not 110.00. S3's 1,500 agreed from 1 January 2025 is kept as
    agreed: 125.00, not 137.50."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    cid = signed(app, cust, subs=(sub("S1"), sub("S3")), auto_renew=True, renewal_uplift_percent=10)
    app.add_sub_contract(cid, sub("S2", start=date(2025, 1, 1)), actor=A)
    app.reprice_sub_contract(cid, "S3", effective=date(2025, 1, 1), annual_price=eur(1500), actor=A)
    result = app.run_billing(date(2025, 1, 1), actor="run")
    assert result.renewed == (cid,)
    jan = date(2025, 1, 1)
    assert monthly_bills(app, cust, "S1")[jan] == Decimal("110.00")
    assert monthly_bills(app, cust, "S2")[jan] == Decimal("100.00")
    assert monthly_bills(app, cust, "S3")[jan] == Decimal("125.00")
    c = app.contract(cid)
    assert c.sub_contracts["S2"].prices == (PricePoint(jan, eur(1200)),)
    # the next renewal uplifts them all, from the prices in force on 31 December 2025
    app.run_billing(date(2026, 1, 1), actor="run")
    jan26 = date(2026, 1, 1)
    assert monthly_bills(app, cust, "S1")[jan26] == Decimal("121.00")
    assert monthly_bills(app, cust, "S2")[jan26] == Decimal("110.00")
    assert monthly_bills(app, cust, "S3")[jan26] == Decimal("137.50")


def test_a_renewal_price_for_a_sub_contract_starting_later_applies_from_its_start(
    app: QuoteToCash,
) -> None:
    """An evergreen contract takes S2 from March 2025 (its term counts as renewed through
    then), and is renewed by hand with new prices: S2's applies from its own start, March 1."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    cid = signed(app, cust, auto_renew=True)
    app.add_sub_contract(cid, sub("S2", start=date(2025, 3, 1)), actor=A)
    app.renew_contract(
        cid,
        new_end=date(2026, 1, 1),
        effective=date(2025, 1, 1),
        actor=A,
        new_prices={"S1": eur(1800), "S2": eur(2400)},
    )
    c = app.contract(cid)
    assert c.sub_contracts["S1"].price_on(date(2024, 12, 31)) == eur(1200)
    assert c.sub_contracts["S1"].price_on(date(2025, 1, 1)) == eur(1800)
    assert c.sub_contracts["S2"].price_on(date(2025, 3, 1)) == eur(2400)


# -- properties --------------------------------------------------------------------------------

days_2024 = st.integers(min_value=0, max_value=365).map(lambda n: date(2024, 1, 1) + timedelta(n))
amounts = st.integers(min_value=0, max_value=10_000).map(eur)


def _expected_price(points: list[PricePoint], day: date) -> Money:
    """The rule, spelled out: latest effective on or before the day, of ties the last recorded;
    before every point, the earliest one's price."""
    on_or_before = [p for p in points if p.effective <= day]
    if not on_or_before:
        return _expected_price(points, min(p.effective for p in points))
    latest = max(p.effective for p in on_or_before)
    return [p for p in on_or_before if p.effective == latest][-1].annual_price


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(st.tuples(days_2024, amounts), min_size=1, max_size=6),
    day=days_2024,
    order=st.randoms(use_true_random=False),
)
def test_the_price_on_a_day_never_depends_on_the_recording_order_of_its_dates(
    points: list[tuple[date, Money]], day: date, order: random.Random
) -> None:
    """Shuffling the price points never changes a day's price, except among points on one
    date, where the one recorded last counts."""
    recorded = [PricePoint(d, p) for d, p in points]
    start = min(p.effective for p in recorded)
    one = SubContract("S1", "S1", SubContractKind.PRODUCT, start, recorded)
    assert one.price_on(day) == _expected_price(recorded, day)
    shuffled = list(recorded)
    order.shuffle(shuffled)
    other = SubContract("S1", "S1", SubContractKind.PRODUCT, start, shuffled)
    if len({p.effective for p in recorded}) == len(recorded):
        assert other.price_on(day) == one.price_on(day)
    assert other.price_on(day) == _expected_price(shuffled, day)


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(
        st.tuples(days_2024, amounts), min_size=2, max_size=5, unique_by=lambda t: t[0]
    ),
    month=st.integers(min_value=1, max_value=12),
    frequency=st.sampled_from(list(BillingFrequency)),
    convention=st.sampled_from(list(DayCount)),
)
def test_a_period_charge_is_the_same_for_every_recording_order(
    points: list[tuple[date, Money]],
    month: int,
    frequency: BillingFrequency,
    convention: DayCount,
) -> None:
    recorded = [PricePoint(d, p) for d, p in points]
    start = min(p.effective for p in recorded)
    period = billing_period_containing(
        date(2024, month, 1), YEAR, frequency, PeriodAlignment.ANNIVERSARY
    )
    charges = {
        tuple(
            charge_period(
                [SubContract("S1", "S1", SubContractKind.PRODUCT, start, order)],
                period,
                YEAR,
                frequency,
                convention,
                EUR,
            )
        )
        for order in itertools.islice(itertools.permutations(recorded), 24)
    }
    assert len(charges) == 1


@settings(max_examples=150, deadline=None)
@given(
    points=st.lists(st.tuples(days_2024, amounts), min_size=1, max_size=5),
    uplift=st.integers(min_value=-50, max_value=50).map(Decimal),
    old_end=st.integers(min_value=1, max_value=365).map(lambda n: date(2024, 1, 1) + timedelta(n)),
    day=days_2024,
)
def test_an_uplift_changes_only_the_days_the_old_price_ran_on_into(
    points: list[tuple[date, Money]], uplift: Decimal, old_end: date, day: date
) -> None:
    """A renewal at ``old_end`` leaves every day before it, every day from a later-dated point
    on, and a sub-contract with a point already on ``old_end``, as they were; other days of the
    new term get the old term's last-day price, uplifted."""
    recorded = [PricePoint(d, p) for d, p in points]
    start = min(p.effective for p in recorded)
    before = SubContract("S1", "S1", SubContractKind.PRODUCT, start, recorded)
    after = before.renewed(old_end, None, uplift)
    last_day = old_end - timedelta(days=1)
    later = [p.effective for p in recorded if p.effective > old_end]
    untouched = (
        day < old_end
        or start > last_day
        or any(p.effective == old_end for p in recorded)
        or (later and day >= min(later))
    )
    if untouched:
        assert after.price_on(day) == before.price_on(day)
    else:
        raised = (before.price_on(last_day) * (1 + uplift / 100)).rounded()
        assert after.price_on(day) == raised
