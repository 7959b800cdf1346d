"""A price change recorded after a renewal, for days before it: the renewed term is priced as if
the change had been recorded first, so what a contract bills never depends on whether the
renewal (or the billing run that renews an evergreen contract) came before or after the change.

S1 costs 1,200 a year (100.00 a month), S2 600 (50.00); the renewal into 2025 raises prices by
10 %.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_contract_billing import A, contract, customer, eur, sub

from q2c_core import Money, Period, QuoteToCash
from q2c_core.projections import RevenueSchedule, catch_up

RENEWAL_2025 = date(2025, 1, 1)
RENEWAL_2026 = date(2026, 1, 1)


def renew(app: QuoteToCash, cid: UUID, uplift: int = 10, on: date = RENEWAL_2025) -> None:
    app.renew_contract(
        cid, new_end=date(on.year + 1, 1, 1), effective=on, actor=A, uplift_percent=uplift
    )


def price(app: QuoteToCash, cid: UUID, sub_id: str, day: date) -> Money:
    return app.contract(cid).sub_contracts[sub_id].price_on(day)


def both_orders(
    change: Callable[[QuoteToCash, UUID], None],
) -> tuple[tuple[QuoteToCash, UUID], tuple[QuoteToCash, UUID]]:
    """The same contract twice: the change recorded before the renewal, and after it."""
    result = []
    for change_first in (True, False):
        app = QuoteToCash.open("memory:")
        cid = contract(app, customer(app))
        if change_first:
            change(app, cid)
            renew(app, cid)
        else:
            renew(app, cid)
            change(app, cid)
        result.append((app, cid))
    return result[0], result[1]


def test_a_new_price_for_december_recorded_after_the_renewal_is_uplifted_into_2025() -> None:
    """S1 goes to 1,440 a year from December 2024, recorded in January after the renewal had
        raised 2025 to 1,320 (1,200 + 10 %). 2025 is now 1,584 (1,440 + 10 %), as it is when the
        new price was recorded first; January 2025 bills 132.00 for S1 either way (and 55.00 for
    S2)."""

    def reprice(app: QuoteToCash, cid: UUID) -> None:
        app.reprice_sub_contract(
            cid, "S1", effective=date(2024, 12, 1), annual_price=eur(1440), actor=A
        )

    (first, c1), (late, c2) = both_orders(reprice)
    for app, cid in ((first, c1), (late, c2)):
        assert price(app, cid, "S1", date(2024, 12, 15)) == eur(1440)
        assert price(app, cid, "S1", date(2025, 6, 1)) == eur(1584)
        (january,) = [
            d
            for d in app.preview_billing(date(2025, 1, 1))
            if d.period and d.period.start == RENEWAL_2025
        ]
        assert [line.net for line in january.lines] == [eur("132.00"), eur("55.00")]
    # the event says what it decided: the renewed term's price travels with the re-price
    (repriced,) = [e for e in late.events.get(c2) if type(e).__name__ == "SubContractRepriced"]
    assert [(p.effective, p.annual_price) for p in repriced.renewed_prices] == [
        (RENEWAL_2025, eur(1584))
    ]


def test_a_sub_contract_added_back_dated_after_the_renewal_is_uplifted_into_2025() -> None:
    """S3 at 360 a year from July 2024, recorded after the renewal: 396 in 2025."""

    def add(app: QuoteToCash, cid: UUID) -> None:
        app.add_sub_contract(cid, sub("S3", start=date(2024, 7, 1), price=360), actor=A)

    (first, c1), (late, c2) = both_orders(add)
    for app, cid in ((first, c1), (late, c2)):
        assert price(app, cid, "S3", date(2024, 8, 1)) == eur(360)
        assert price(app, cid, "S3", date(2025, 8, 1)) == eur(396)


def test_a_price_agreed_for_the_renewed_term_stands() -> None:
    """1,500 was agreed for 2025 (a price from the renewal's first day, recorded after it); a
    new price for December 2024 recorded later does not touch it."""
    app = QuoteToCash.open("memory:")
    cid = contract(app, customer(app))
    renew(app, cid)
    app.reprice_sub_contract(cid, "S1", effective=RENEWAL_2025, annual_price=eur(1500), actor=A)
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 12, 1), annual_price=eur(1440), actor=A
    )
    assert price(app, cid, "S1", date(2024, 12, 1)) == eur(1440)
    assert price(app, cid, "S1", date(2025, 3, 1)) == eur(1500)


def test_a_price_agreed_for_the_renewed_term_stands_even_when_it_equals_the_uplift() -> None:
    """1,320 agreed for 2025 is also what 10 % on 1,200 gives: it was still taken for the
    uplift and followed a later December price to 1,584 when the renewal came before the
    agreement. The contract remembers which renewal prices its uplift set, so in every order
    2025 stays at the 1,320 agreed."""
    orders = {
        "agree, december, renew": ("agree", "december", "renew"),
        "agree, renew, december": ("agree", "renew", "december"),
        "renew, agree, december": ("renew", "agree", "december"),
    }
    for steps in orders.values():
        app = QuoteToCash.open("memory:")
        cid = contract(app, customer(app))
        for step in steps:
            if step == "renew":
                renew(app, cid)
            elif step == "agree":
                app.reprice_sub_contract(
                    cid, "S1", effective=RENEWAL_2025, annual_price=eur(1320), actor=A
                )
            else:
                app.reprice_sub_contract(
                    cid, "S1", effective=date(2024, 12, 1), annual_price=eur(1440), actor=A
                )
        assert price(app, cid, "S1", date(2025, 3, 1)) == eur(1320), steps


def test_a_contract_read_from_an_older_snapshot_learns_which_prices_its_uplifts_set() -> None:
    """A snapshot taken before contracts kept it has no record of which renewal prices the
    uplifts set: the application replays the contract's events for it before a re-price."""
    app = QuoteToCash.open("memory:")
    cid = contract(app, customer(app))
    renew(app, cid)
    app.reprice_sub_contract(cid, "S1", effective=RENEWAL_2025, annual_price=eur(1500), actor=A)
    known = app.contract(cid).uplifted_on
    assert known == {"S1": [], "S2": [RENEWAL_2025]}
    old = app.contract(cid)
    old.uplifted_on = None  # as read from such a snapshot
    app.know_renewals(old)
    assert old.uplifted_on == known


def test_a_price_from_a_day_between_stands_too() -> None:
    """S1 went to 1,300 from October 2024 (uplifted to 1,430 for 2025); a new price for March
    2024 recorded after the renewal changes March to September only."""
    app = QuoteToCash.open("memory:")
    cid = contract(app, customer(app))
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 10, 1), annual_price=eur(1300), actor=A
    )
    renew(app, cid)
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 3, 1), annual_price=eur(2000), actor=A)
    assert price(app, cid, "S1", date(2024, 5, 1)) == eur(2000)
    assert price(app, cid, "S1", date(2024, 11, 1)) == eur(1300)
    assert price(app, cid, "S1", date(2025, 2, 1)) == eur(1430)


def test_the_read_side_follows_the_renewed_prices() -> None:
    """The revenue forecast reads the contract from its events: after the late re-price it
    expects 2025 at 1,584 a year for S1 and 660 for S2 (187.00 a month), as the contract bills
    it."""
    app = QuoteToCash.open("memory:")
    cid = contract(app, customer(app))
    renew(app, cid)
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 12, 1), annual_price=eur(1440), actor=A
    )
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    months = {m.month: m.contracted for m in schedule.outlook(date(2025, 1, 1), 12)}
    assert set(months.values()) == {eur("187.00")}


# -- the invariant -----------------------------------------------------------------------------

DAYS_2024 = st.integers(0, 365).map(lambda n: date(2024, 1, 1).toordinal() + n)
CHANGE = st.tuples(
    st.sampled_from(["reprice", "add", "agree"]),
    st.sampled_from(["S1", "S2", "S3"]),
    DAYS_2024.map(date.fromordinal),
    st.integers(100, 900_000),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(CHANGE, max_size=6),
    uplifts=st.tuples(st.integers(-50, 50), st.integers(-50, 50)),
)
def test_prices_do_not_depend_on_whether_changes_came_before_the_renewals(
    changes: list[tuple[str, str, date, int]], uplifts: tuple[int, int]
) -> None:
    """Re-prices and back-dated sub-contracts dated in 2024, prices agreed for a renewed term's
    first day, and two renewals with uplifts (into 2025 and 2026): recorded before the renewals
    or after them, in the same order among themselves, every sub-contract has the same price on
    every day of 2024 to 2026."""
    apps = []
    for changes_first in (True, False):
        app = QuoteToCash.open("memory:")
        cid = contract(app, customer(app))

        def renewals(app: QuoteToCash = app, cid: UUID = cid) -> None:
            renew(app, cid, uplifts[0], RENEWAL_2025)
            renew(app, cid, uplifts[1], RENEWAL_2026)

        if not changes_first:
            renewals()
        for what, sub_id, day, cents in changes:
            amount = eur(str(Decimal(cents) / 100))
            known = sub_id in app.contract(cid).sub_contracts
            if what == "add" and not known:
                app.add_sub_contract(cid, sub(sub_id, start=day, price=cents // 100), actor=A)
            elif what == "agree" and known:
                # a price agreed for a renewed term's first day (possibly the uplift's amount)
                renewal = RENEWAL_2025 if cents % 2 else RENEWAL_2026
                app.reprice_sub_contract(
                    cid, sub_id, effective=renewal, annual_price=amount, actor=A
                )
            elif known and day >= app.contract(cid).sub_contracts[sub_id].effective_from:
                app.reprice_sub_contract(cid, sub_id, effective=day, annual_price=amount, actor=A)
        if changes_first:
            renewals()
        apps.append((app, cid))
    (a, ca), (b, cb) = apps
    subs_a, subs_b = a.contract(ca).sub_contracts, b.contract(cb).sub_contracts
    assert subs_a.keys() == subs_b.keys()
    days = Period(date(2024, 1, 1), date(2027, 1, 1))
    for sub_id, s in subs_a.items():
        day = days.start
        while day < days.end:
            assert s.price_on(day) == subs_b[sub_id].price_on(day), (sub_id, day)
            day = date.fromordinal(day.toordinal() + 7)


def test_a_sub_contract_moved_back_dated_into_a_renewed_contract_is_uplifted_there() -> None:
    """S1 moves on 1 December 2024 from a two-year contract into an evergreen one that the run
    renewed into 2025 with 10 %. Recorded after that renewal, the move left S1 at 1,200 on the
    new contract; recorded before, it was 1,320. Now 1,320 either way, as billed."""
    for move_late in (False, True):
        app = QuoteToCash.open("memory:")
        cust = customer(app)
        two_years = Period(date(2024, 1, 1), date(2026, 1, 1))
        source = contract(app, cust, "MC-A", (sub("S1"),), two_years)
        target = contract(
            app,
            cust,
            "MC-B",
            (sub("S2", price=600),),
            auto_renew=True,
            renewal_uplift_percent=Decimal(10),
        )

        def move(app: QuoteToCash = app, source: UUID = source, target: UUID = target) -> None:
            app.reassign_sub_contract(source, "S1", target, effective=date(2024, 12, 1), actor=A)

        if not move_late:
            move()
        app.run_billing(date(2025, 1, 1), actor="billy")  # renews MC-B into 2025
        if move_late:
            move()
        assert price(app, target, "S1", date(2025, 6, 1)) == eur(1320), move_late
        (february,) = [
            d
            for d in app.preview_billing(date(2025, 2, 1))
            if d.contract_id == target and d.period and d.period.start == date(2025, 2, 1)
        ]
        assert eur("110.00") in [line.net for line in february.lines], move_late


def test_a_sub_contract_added_by_an_older_version_keeps_its_uplift_known() -> None:
    """An older version recorded SubContractAdded without the renewal days its uplift priced:
    read back, they are told from the prices (the day's price is the uplift of the day
    before's), so a later December price still carries into 2025 (1,440 -> 1,584)."""
    app = QuoteToCash.open("memory:")
    cid = contract(app, customer(app))
    renew(app, cid)
    old = app.contract(cid)
    priced = sub("S3", start=date(2024, 6, 1)).renewed(RENEWAL_2025, None, Decimal(10))
    old._added(priced, A)  # (the event as such a version recorded it: no uplifted_on)
    app.save(old)
    assert app.contract(cid).uplifted_on["S3"] == [RENEWAL_2025]
    app.reprice_sub_contract(
        cid, "S3", effective=date(2024, 12, 1), annual_price=eur(1440), actor=A
    )
    assert price(app, cid, "S3", date(2025, 6, 1)) == eur(1584)
