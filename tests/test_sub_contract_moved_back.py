"""A licence moved to another master contract and later back to the one it came from.

S1 (a licence on master contract A) moves to B on 15 March and back to A on 10 May. A still
holds S1's days before 15 March under that id, so the move back lands under a new id on A
(``as_sub_id``, here "S1-2"). Across A and B every day is billed exactly once, the amounts are
what one contract would have charged (to the cent where both contracts bill the move's period
alike; each contract rounding its own days otherwise, the documented rule for moves), the
preview is what the run posts, and the projections followed incrementally equal those rebuilt.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from billing_oracle import charge
from eventsourcing.persistence import StoredEvent
from test_projections_story import issue
from test_unbilled_contract_lifecycle import unbilled_periods

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    DuplicateEntry,
    InvalidValue,
    InvoiceKind,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    RuleViolated,
    SubContract,
    SubContractKind,
)
from q2c_core.projections import (
    Follower,
    ProjectionStore,
    RevenueSchedule,
    UnbilledRevenue,
    catch_up,
    rebuild,
)

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
AWAY, BACK = date(2024, 3, 15), date(2024, 5, 10)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def licence(sub_id: str, price: str) -> SubContract:
    return SubContract(
        sub_id,
        f"Licence {sub_id}",
        SubContractKind.LICENCE,
        YEAR.start,
        [PricePoint(YEAR.start, eur(price))],
    )


def signed(app: QuoteToCash, customer: UUID, number: str, *subs: SubContract, **kw: Any) -> UUID:
    kw.setdefault("frequency", BillingFrequency.MONTHLY)
    contract = app.sign_contract(
        customer, number=number, term=YEAR, signed_on=YEAR.start, actor=A, sub_contracts=subs, **kw
    )
    app.activate_contract(contract, effective=YEAR.start, actor=A)
    return contract


def two_contracts(app: QuoteToCash, price: str = "1003.37", **b: Any) -> tuple[UUID, UUID, UUID]:
    """Acme's A (S1 and K, monthly in advance) and B (K9; ``b``: its billing settings)."""
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    a = signed(app, customer, "MC-A", licence("S1", price), licence("K", "600"))
    other = signed(app, customer, "MC-B", licence("K9", "480"), **b)
    return customer, a, other


def run(app: QuoteToCash, as_of: date) -> None:
    """The billing run as of a day, its preview first: the run posts exactly what it showed;
    every document issued that day."""
    preview = app.preview_billing(as_of)
    posted = app.run_billing(as_of, actor="run")
    assert [(d.contract_id, d.kind, d.lines) for d in preview] == [
        (d.contract_id, app.invoice(d.invoice_id).kind, tuple(app.invoice(d.invoice_id).lines))
        for d in posted.documents
    ]
    for d in posted.documents:
        issue(app, d.invoice_id, as_of)


def lines(app: QuoteToCash, customer: UUID) -> list[tuple[UUID, str, Period, Decimal]]:
    """Every contract line billed or credited: (contract, sub-contract, days, signed net)."""
    result = []
    for invoice in app.invoices(customer):
        sign = -1 if invoice.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in invoice.lines:
            src = line.source
            assert src is not None and src.period is not None
            assert src.contract_id is not None and src.sub_contract_id is not None
            result.append(
                (src.contract_id, src.sub_contract_id, src.period, sign * line.net.amount)
            )
    return result


def days_billed(app: QuoteToCash, customer: UUID) -> Counter[tuple[UUID, str, date]]:
    days: Counter[tuple[UUID, str, date]] = Counter()
    for contract, sub_id, period, net in lines(app, customer):
        for day in period.each_day():
            days[(contract, sub_id, day)] += -1 if net < 0 else 1
    return days


def the_licence_s_days_are_billed_once(app: QuoteToCash, customer: UUID, a: UUID, b: UUID) -> None:
    """S1 on A before 15 March, on B from then to 10 May, S1-2 on A from then: each day of
    the year once, on the contract that held it that day, under the id it had there."""
    days = days_billed(app, customer)
    for day in YEAR.each_day():
        where = {
            (c, s): days[(c, s, day)]
            for c in (a, b)
            for s in ("S1", "S1-2")
            if days[(c, s, day)] != 0
        }
        held = (a, "S1") if day < AWAY else (b, "S1") if day < BACK else (a, "S1-2")
        assert where == {held: 1}, day


def billed_in(app: QuoteToCash, customer: UUID, contract: UUID, period: Period) -> Decimal:
    """Net billed for the licence (either id) on one contract for days inside ``period``."""
    return sum(
        (
            net
            for c, s, days, net in lines(app, customer)
            if c == contract and s in ("S1", "S1-2") and days.start in period
        ),
        Decimal(0),
    )


def months() -> list[Period]:
    result, day = [], YEAR.start
    while day < YEAR.end:
        end = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        result.append(Period(day, end))
        day = end
    return result


def quarters() -> list[Period]:
    starts = [date(2024, m, 1) for m in (1, 4, 7, 10)]
    return [Period(s, e) for s, e in zip(starts, [*starts[1:], YEAR.end], strict=True)]


def one_contract(price: str, frequency: BillingFrequency, period: Period, **stint: date) -> Decimal:
    """What one contract charges the licence for its days in a period, by the day-by-day
    reference (``stint``: the days it held it, ``effective_from``/``effective_to``)."""
    whole = licence("S1", price)
    days = SubContract(
        "S1",
        "S1",
        SubContractKind.LICENCE,
        stint.get("effective_from", YEAR.start),
        whole.prices,
        effective_to=stint.get("effective_to"),
    )
    return charge(days, period, YEAR, frequency, DayCount.ACTUAL, "EUR")


# -- the move back -----------------------------------------------------------------------------


def test_moved_back_under_a_new_id_every_day_once_and_to_the_cent() -> None:
    """A and B both bill monthly in advance; the runs go on the 1st of each month, the moves
    recorded on their days. Each month the two contracts together bill the licence what A
    alone would have (1,003.37 a year, 83.61 a month): March 37.76 on A (14 days) + 45.85 on
    B, May 24.28 on B (9 days) + 59.33 on A under S1-2 (the remainder: its 22 days rounded
    on their own would be 59.34, a cent too many). The year is one contract's 12 x 83.61."""
    app = QuoteToCash.open("memory:")
    try:
        customer, a, b = two_contracts(app)
        for month in months():
            run(app, month.start)
            if AWAY in month:
                app.reassign_sub_contract(a, "S1", b, effective=AWAY, actor=A)
            if BACK in month:
                app.reassign_sub_contract(b, "S1", a, effective=BACK, actor=A, as_sub_id="S1-2")
                run(app, BACK)  # the corrections of May on both contracts
        run(app, date(2024, 12, 31))
        the_licence_s_days_are_billed_once(app, customer, a, b)
        assert set(app.contract(a).sub_contracts) == {"S1", "S1-2", "K"}
        assert app.contract(a).sub_contracts["S1-2"].reassigned_from == b
        year = Decimal(0)
        for month in months():
            together = billed_in(app, customer, a, month) + billed_in(app, customer, b, month)
            assert together == one_contract("1003.37", BillingFrequency.MONTHLY, month), month
            year += together
        assert year == 12 * Decimal("83.61")
        march, may = months()[2], months()[4]
        assert billed_in(app, customer, a, march) == Decimal("37.76")
        assert billed_in(app, customer, b, march) == Decimal("45.85")
        assert billed_in(app, customer, b, may) == Decimal("24.28")
        assert billed_in(app, customer, a, may) == Decimal("59.33")
    finally:
        app.close()


def test_moved_back_to_a_contract_billing_otherwise() -> None:
    """B bills quarterly in arrears. The move back, recorded only on 1 June (A billed May and
    June with the licence still away), is corrected on A by the next run; B bills its quarter
    April-June once it ends. Every day once; each contract rounds its own days (they bill the
    moves' periods differently): B's quarter charges 15 March to 31 March and 1 April to 9 May
    as the reference does for those days, A's months the rest (its May from the 10th as its
    own days: the remainder rule needs the same period on both sides)."""
    app = QuoteToCash.open("memory:")
    try:
        customer, a, b = two_contracts(
            app, frequency=BillingFrequency.QUARTERLY, timing=BillingTiming.IN_ARREARS
        )
        run(app, date(2024, 3, 1))
        app.reassign_sub_contract(a, "S1", b, effective=AWAY, actor=A)
        for on in (date(2024, 4, 1), date(2024, 5, 1), date(2024, 6, 1)):
            run(app, on)
        app.reassign_sub_contract(b, "S1", a, effective=BACK, actor=A, as_sub_id="S1-2")
        for on in (date(2024, 6, 2), date(2024, 7, 1), date(2024, 10, 1), date(2025, 1, 1)):
            run(app, on)
        the_licence_s_days_are_billed_once(app, customer, a, b)
        q1, q2 = quarters()[:2]
        monthly, quarterly = BillingFrequency.MONTHLY, BillingFrequency.QUARTERLY
        assert billed_in(app, customer, b, q1) == one_contract(
            "1003.37", quarterly, q1, effective_from=AWAY
        )
        assert billed_in(app, customer, b, q2) == one_contract(
            "1003.37", quarterly, q2, effective_to=BACK
        )
        for month in months():
            if month.end <= AWAY or month.start >= BACK:
                assert billed_in(app, customer, a, month) == one_contract(
                    "1003.37", monthly, month
                ), month
        march, may = months()[2], months()[4]
        assert billed_in(app, customer, a, march) == one_contract(
            "1003.37", monthly, march, effective_to=AWAY
        )
        assert billed_in(app, customer, a, may) == one_contract(
            "1003.37", monthly, may, effective_from=BACK
        )
        assert billed_in(app, customer, b, YEAR) == billed_in(app, customer, b, q1) + (
            billed_in(app, customer, b, q2)
        )
    finally:
        app.close()


@pytest.mark.parametrize("files", [False, True], ids=["memory", "sqlite files"])
def test_the_projections_follow_the_move_back_incrementally_as_rebuilt(
    files: bool, tmp_path: Path
) -> None:
    """UnbilledRevenue and RevenueSchedule followed in small pages while the licence moves
    away and back (the move back recorded after the runs billed its days on B) equal the same
    projections rebuilt from the log; the unbilled periods and corrections are what the run's
    preview drafts, before and after each run. Also with the log and the rows in SQLite files
    (the renamed move's event and rows read back from them)."""
    for k, b_settings in enumerate(
        [{}, {"frequency": BillingFrequency.QUARTERLY, "timing": BillingTiming.IN_ARREARS}]
    ):
        if files:
            app = QuoteToCash.open(f"sqlite:///{tmp_path / f'log{k}.db'}")
            store = ProjectionStore.open(f"sqlite:///{tmp_path / f'rows{k}.db'}")
        else:
            app = QuoteToCash.open("memory:")
            store = ProjectionStore.memory()

        def followed(app: QuoteToCash = app, store: ProjectionStore = store) -> list[Any]:
            return [UnbilledRevenue(store), RevenueSchedule(store)]

        try:
            _, a, b = two_contracts(app, **b_settings)
            steps: list[tuple[str, date]] = [
                ("run", date(2024, 3, 1)),
                ("away", AWAY),
                ("run", date(2024, 4, 1)),
                ("run", date(2024, 6, 1)),
                ("back", BACK),
                ("run", date(2024, 6, 1)),
                ("run", date(2024, 9, 1)),
            ]
            for what, on in steps:
                if what == "run":
                    unbilled_periods(app, UnbilledRevenue(), on)
                    run(app, on)
                elif what == "away":
                    app.reassign_sub_contract(a, "S1", b, effective=on, actor=A)
                else:
                    app.reassign_sub_contract(b, "S1", a, effective=on, actor=A, as_sub_id="S1-2")
                Follower(app, followed(), page_size=3).run()
                unbilled_periods(app, UnbilledRevenue(), on + timedelta(days=31))
            live = followed()
            Follower(app, live, page_size=3).run()
            rebuilt: list[Any] = [UnbilledRevenue(), RevenueSchedule()]
            rebuild(app, rebuilt)
            for one, other in zip(live, rebuilt, strict=True):
                assert one.rows() == other.rows(), one.name
            assert live[1].outlook(YEAR.start, 12) == rebuilt[1].outlook(YEAR.start, 12)
        finally:
            app.close()


def test_the_forecast_counts_the_moved_back_days_once_before_the_run_credits_b() -> None:
    """B bills quarterly in advance and billed April-June, the licence included, on 1 April
    (1,200.00 a year, issued). The licence goes back to A on 10 May, recorded on 20 May, after
    A billed May. Until the next run credits B, B's issued line still covers the licence's June,
    so A does not count June again under the licence's new id: the year's forecast is what it
    was before the move, not some 100.00 more. The run then credits B 52 of the quarter's 91
    days (171.43) and bills A 22 of May's 31 (70.97); A's June counts at A's 100.00."""
    app = QuoteToCash.open("memory:")
    try:
        _, a, b = two_contracts(app, price="1200", frequency=BillingFrequency.QUARTERLY)
        run(app, date(2024, 3, 1))
        app.reassign_sub_contract(a, "S1", b, effective=AWAY, actor=A)
        run(app, date(2024, 4, 1))
        run(app, date(2024, 5, 1))
        before = catch_up_schedule(app).outlook(YEAR.start, 12)
        app.reassign_sub_contract(b, "S1", a, effective=BACK, actor=A, as_sub_id="S1-2")
        moved = catch_up_schedule(app).outlook(YEAR.start, 12)
        assert total(moved) == total(before)
        run(app, date(2024, 5, 20))
        after = catch_up_schedule(app).outlook(YEAR.start, 12)
        assert total(after) == total(before) - eur("171.43") + eur("70.97") + eur("100.00")
    finally:
        app.close()


def catch_up_schedule(app: QuoteToCash) -> RevenueSchedule:
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    return schedule


def total(forecast: list[Any]) -> Money:
    result = eur(0)
    for month in forecast:
        result = result + month.amount
    return result


# -- refusals ----------------------------------------------------------------------------------


def test_moving_back_under_the_id_a_still_holds_is_refused_naming_as_sub_id() -> None:
    """Without ``as_sub_id`` the move back clashes with S1's days A keeps: DuplicateEntry
    naming sub_id, its rule saying to move it under another id (as_sub_id); under K (live on
    A) likewise; nothing recorded either way."""
    app = QuoteToCash.open("memory:")
    try:
        _, a, b = two_contracts(app)
        app.reassign_sub_contract(a, "S1", b, effective=AWAY, actor=A)
        before = app.recorder.max_notification_id()
        with pytest.raises(DuplicateEntry) as same_id:
            app.reassign_sub_contract(b, "S1", a, effective=BACK, actor=A)
        assert same_id.value.field == "sub_id"
        assert "'S1'" in same_id.value.rule and "as_sub_id" in same_id.value.rule
        with pytest.raises(DuplicateEntry) as live_id:
            app.reassign_sub_contract(b, "S1", a, effective=BACK, actor=A, as_sub_id="K")
        assert live_id.value.field == "sub_id"
        assert "'K'" in live_id.value.rule
        assert app.recorder.max_notification_id() == before
        assert app.contract(b).sub_contracts["S1"].effective_to is None
    finally:
        app.close()


@pytest.mark.parametrize("bad", ["", "   ", 7, b"S1-2", ["S1-2"]])
def test_a_bad_new_id_is_refused_naming_as_sub_id(bad: Any) -> None:
    app = QuoteToCash.open("memory:")
    try:
        _, a, b = two_contracts(app)
        app.reassign_sub_contract(a, "S1", b, effective=AWAY, actor=A)
        before = app.recorder.max_notification_id()
        with pytest.raises(InvalidValue) as refused:
            app.reassign_sub_contract(b, "S1", a, effective=BACK, actor=A, as_sub_id=bad)
        assert refused.value.field == "as_sub_id"
        assert app.recorder.max_notification_id() == before
    finally:
        app.close()


def test_a_move_to_its_own_contract_is_refused_naming_to_contract_id() -> None:
    """Named for its own contract (as a renaming, say), the move is refused at once with
    RuleViolated naming to_contract_id, nothing recorded (not retried as a clash of two
    writers until it gives up)."""
    app = QuoteToCash.open("memory:")
    try:
        _, a, _ = two_contracts(app)
        before = app.recorder.max_notification_id()
        for new_id in (None, "S1-2"):
            with pytest.raises(RuleViolated) as refused:
                app.reassign_sub_contract(a, "S1", a, effective=AWAY, actor=A, as_sub_id=new_id)
            assert refused.value.field == "to_contract_id"
        assert app.recorder.max_notification_id() == before
    finally:
        app.close()


def test_a_move_recorded_before_moves_could_rename_reads_the_same() -> None:
    """A move's SubContractReassignedHere as an older version stored it, without
    ``from_sub_id``: the contracts replay to the same state and the revenue schedule and
    unbilled revenue read the same rows as from this version's events."""
    now = QuoteToCash.open("memory:")
    older = QuoteToCash.open("memory:")
    try:
        _, a, b = two_contracts(now)
        run(now, date(2024, 3, 1))
        now.reassign_sub_contract(a, "S1", b, effective=AWAY, actor=A)
        stored = now.recorder.select_notifications(start=1, limit=10_000)
        stripped = 0
        for n in stored:
            state = json.loads(n.state)
            if n.topic.endswith("SubContractReassignedHere"):
                assert state.pop("from_sub_id", None) is None
                stripped += 1
            older.recorder.insert_events(
                [
                    StoredEvent(
                        n.originator_id, n.originator_version, n.topic, json.dumps(state).encode()
                    )
                ]
            )
        assert stripped == 1
        for contract in (a, b):
            assert older.contract(contract).sub_contracts == now.contract(contract).sub_contracts
        for app in (now, older):
            assert app.preview_billing(date(2024, 6, 1)) == now.preview_billing(date(2024, 6, 1))
        rows = []
        for app in (now, older):
            projections: list[Any] = [UnbilledRevenue(), RevenueSchedule()]
            rebuild(app, projections)
            rows.append([p.rows() for p in projections])
        assert rows[0] == rows[1]
    finally:
        now.close()
        older.close()
