"""The contracts expiring as of a past day: the same list whenever it is asked.

An account manager looks at the list for 15 December in January, after the billing run renewed
an evergreen contract and a plain one expired: the list shows what was coming on 15 December,
not what happened since. Each contract is judged by the term and status in force on the day.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import rewrite_stored_event
from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_contract_billing import contract, customer, eur, sub

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    DuplicateEntry,
    InvalidValue,
    Period,
    QuoteToCash,
    RuleViolated,
)
from q2c_core.domain.contract import Contract
from q2c_core.domain.errors import Q2CError

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def listed(app: QuoteToCash, day: date, window: int = 30) -> list[tuple[str, int, str]]:
    """(number, days left, status) of each contract listed for ``day``."""
    return [
        (e.number, e.days_left, e.status.name) for e in app.contracts_expiring_within(window, day)
    ]


def one_sub() -> tuple[Any, ...]:
    return (sub("S1"),)


def test_an_evergreen_contract_listed_in_december_stays_listed_after_the_january_run(
    app: QuoteToCash,
) -> None:
    """Listed on 15 December with 16 days left; the 1 January run renews it to 2026. Asked
    again for 15 December, the list still shows those 16 days (and the value then coming)."""
    cust = customer(app)
    contract(app, cust, "MC-EVER", one_sub(), auto_renew=True, renewal_uplift_percent=10)
    dec15 = date(2024, 12, 15)
    before = app.contracts_expiring_within(30, dec15)
    assert [(e.number, e.days_left) for e in before] == [("MC-EVER", 16)]

    app.run_billing(date(2025, 1, 1), actor="run")

    assert app.contracts_expiring_within(30, dec15) == before
    assert app.contracts_expiring_within(30, date(2025, 1, 2)) == []  # (renewed by then)


def test_a_contract_that_expired_in_january_is_still_expiring_on_1_december(
    app: QuoteToCash,
) -> None:
    cust = customer(app)
    plain = contract(app, cust, "MC-PLAIN", one_sub())
    dec1 = date(2024, 12, 1)
    before = app.contracts_expiring_within(30, dec1)
    assert listed(app, dec1) == [("MC-PLAIN", 30, "ACTIVE")]

    app.expire_contract(plain, effective=date(2025, 1, 1), actor=A)

    assert app.contracts_expiring_within(30, dec1) == before
    assert listed(app, date(2025, 1, 1)) == []  # expired on the day it took effect


def test_the_status_shown_is_the_one_in_force_on_the_day(app: QuoteToCash) -> None:
    """Suspended on 1 November: the list for 1 October shows it active, as it was."""
    cust = customer(app)
    cid = contract(app, cust, "MC-1", one_sub())
    app.suspend_contract(cid, effective=date(2024, 11, 1), reason="unpaid", actor=A)

    assert listed(app, date(2024, 10, 1), 100) == [("MC-1", 91, "ACTIVE")]
    assert listed(app, date(2024, 11, 1), 100) == [("MC-1", 60, "SUSPENDED")]


def test_a_termination_dated_back_counts_from_the_day_notice_was_given(
    app: QuoteToCash,
) -> None:
    """Notice given on 20 December that the contract ended on 1 December (dated back): for 15
    November, and for 1 December too, the contract was live for its whole term, at its whole
    value, as nobody knew yet; from 20 December it is ended (its cut term is over)."""
    cust = customer(app)
    cid = contract(app, cust, "MC-1", one_sub())
    nov15 = date(2024, 11, 15)
    before = app.contracts_expiring_within(60, nov15)
    assert [(e.days_left, e.annual_value) for e in before] == [(46, eur(1200))]

    app.terminate_contract(
        cid,
        effective=date(2024, 12, 1),
        reason="moved away",
        actor=A,
        noticed_on=date(2024, 12, 20),
    )

    assert app.contracts_expiring_within(60, nov15) == before
    assert listed(app, date(2024, 12, 1)) == [("MC-1", 30, "ACTIVE")]
    assert listed(app, date(2024, 12, 19)) == [("MC-1", 12, "ACTIVE")]
    assert listed(app, date(2024, 12, 20)) == []  # (its cut term is over: ended on purpose)


def test_a_renewal_dated_on_or_before_the_day_counts(app: QuoteToCash) -> None:
    """Renewed by hand in November to the end of 2025, effective on 1 January (its old end):
    on 15 December it was still expiring; from 1 January it runs to 2026."""
    cust = customer(app)
    cid = contract(app, cust, "MC-1", one_sub())
    app.renew_contract(cid, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A)

    assert listed(app, date(2024, 12, 15)) == [("MC-1", 16, "ACTIVE")]
    assert listed(app, date(2025, 1, 1)) == []
    assert listed(app, date(2025, 1, 1), 365) == [("MC-1", 364, "ACTIVE")]


def test_a_contract_signed_after_the_day_is_not_listed_for_it(app: QuoteToCash) -> None:
    cust = customer(app)
    app.sign_contract(
        cust,
        number="MC-LATE",
        term=YEAR,
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 12, 10),
        actor=A,
        sub_contracts=[sub("S1")],
    )
    assert listed(app, date(2024, 12, 5)) == []
    assert listed(app, date(2024, 12, 10)) == [("MC-LATE", 21, "SIGNED")]


# -- the day notice was given ------------------------------------------------------------------


def test_a_contract_given_notice_is_listed_as_terminated_from_the_day_notice_was_given(
    app: QuoteToCash,
) -> None:
    """Notice given on 20 November that MC-LEAVING ends on 15 December (its last day 14
    December): on 15 November it is active with its whole term; from 20 November its account
    manager sees it terminated, not renewing, with the days to 14 December; on 14 December 0
    are left, from 15 December it is no longer listed. Asked again after the January run, each
    day's list is the same."""
    cust = customer(app)
    cid = contract(app, cust, "MC-LEAVING", one_sub())
    app.terminate_contract(
        cid,
        effective=date(2024, 12, 15),
        reason="notice",
        actor=A,
        noticed_on=date(2024, 11, 20),
    )
    days = [date(2024, 11, 15), date(2024, 11, 20), date(2024, 12, 1), date(2024, 12, 14)]
    asked = {d: app.contracts_expiring_within(60, d) for d in days}

    assert listed(app, date(2024, 11, 15), 60) == [("MC-LEAVING", 46, "ACTIVE")]
    assert listed(app, date(2024, 11, 20), 60) == [("MC-LEAVING", 24, "TERMINATED")]
    assert listed(app, date(2024, 12, 1)) == [("MC-LEAVING", 13, "TERMINATED")]
    assert listed(app, date(2024, 12, 14)) == [("MC-LEAVING", 0, "TERMINATED")]
    assert listed(app, date(2024, 12, 15)) == []
    (on_dec1,) = asked[date(2024, 12, 1)]
    assert (on_dec1.term_end, on_dec1.annual_value) == (date(2024, 12, 15), eur(1200))

    app.run_billing(date(2025, 1, 1), actor="run")
    assert {d: app.contracts_expiring_within(60, d) for d in days} == asked


def test_an_evergreen_contract_given_notice_to_end_after_its_renewal_runs_to_that_day(
    app: QuoteToCash,
) -> None:
    """MC-EVER (evergreen, 1,200 a year, 10 % uplift) is given notice on 20 November to end
    on 1 March 2025, after its term renews on 1 January: from 20 November it is listed
    terminated, its last day 28 February, at the renewed 1,320; before, active to 31 December."""
    cust = customer(app)
    cid = contract(app, cust, "MC-EVER", one_sub(), auto_renew=True, renewal_uplift_percent=10)
    app.terminate_contract(
        cid,
        effective=date(2025, 3, 1),
        reason="notice",
        actor=A,
        noticed_on=date(2024, 11, 20),
    )

    def shown(day: date) -> list[tuple[str, date, int, Any, str]]:
        return [
            (e.number, e.term_end, e.days_left, e.annual_value, e.status.name)
            for e in app.contracts_expiring_within(120, day)
        ]

    assert shown(date(2024, 11, 19)) == [("MC-EVER", date(2025, 1, 1), 42, eur(1200), "ACTIVE")]
    assert shown(date(2024, 12, 1)) == [("MC-EVER", date(2025, 3, 1), 89, eur(1320), "TERMINATED")]
    assert shown(date(2025, 2, 28)) == [("MC-EVER", date(2025, 3, 1), 0, eur(1320), "TERMINATED")]
    assert shown(date(2025, 3, 1)) == []


@pytest.mark.parametrize(
    ("noticed_on", "refusal"),
    [
        (None, InvalidValue),
        ("2024-11-20", InvalidValue),
        (datetime(2024, 11, 20, 9, 30), InvalidValue),
        (date(2023, 12, 31), RuleViolated),  # (before the contract was signed)
    ],
)
def test_a_termination_without_a_good_notice_day_is_refused_and_nothing_is_recorded(
    app: QuoteToCash, noticed_on: Any, refusal: type[Exception]
) -> None:
    """The day notice was given is a business fact: none, text, a time of day, or a day before
    the contract was signed (1 January 2024) is refused naming ``noticed_on``, nothing
    recorded (not even the renewal an evergreen term would need first)."""
    cust = customer(app)
    cid = contract(app, cust, "MC-EVER", one_sub(), auto_renew=True)
    before = app.recorder.max_notification_id()

    with pytest.raises(refusal) as refused:
        app.terminate_contract(
            cid, effective=date(2025, 3, 1), reason="notice", actor=A, noticed_on=noticed_on
        )
    assert getattr(refused.value, "field", None) == "noticed_on"
    assert app.recorder.max_notification_id() == before
    assert app.contract(cid).status.name == "ACTIVE"


def test_notice_given_on_the_signing_day_is_taken(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust, "MC-1", one_sub())
    app.terminate_contract(
        cid, effective=date(2024, 6, 1), reason="notice", actor=A, noticed_on=date(2024, 1, 1)
    )
    assert listed(app, date(2024, 5, 15)) == [("MC-1", 16, "TERMINATED")]


@pytest.mark.parametrize("recorded", ["as None", "without the fact"])
def test_a_termination_recorded_before_notice_days_reads_as_noticed_on_the_signing_day(
    tmp_path: Path, recorded: str
) -> None:
    """A ``Terminated`` event an older q2c recorded without ``noticed_on`` still loads, and
    reads as it did: the contract listed terminated on every day, here from 1 December with
    the days to its last day, 14 December."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    cid = contract(app, customer(app), "MC-OLD", one_sub())
    old = app.contract(cid)
    # the event as an older q2c recorded it (the notice day is newer)
    Aggregate.trigger_event(
        old,
        type(old).Terminated,
        effective=date(2024, 12, 15),
        reason="notice",
        actor=A,
        noticed_on=None,
    )
    app.save(old)
    app.close()
    rewrite_stored_event(
        db,
        "Contract.Terminated",
        lambda facts: facts.pop("noticed_on") if recorded == "without the fact" else None,
    )

    again = QuoteToCash.open(f"sqlite:///{db}")
    assert again.contract(cid).status.name == "TERMINATED"
    assert listed(again, date(2024, 1, 1), 400) == [("MC-OLD", 348, "TERMINATED")]
    assert listed(again, date(2024, 12, 1)) == [("MC-OLD", 13, "TERMINATED")]
    assert listed(again, date(2024, 12, 15)) == []
    again.close()


def test_an_error_replaying_a_contract_where_nothing_was_left_out_is_raised(
    app: QuoteToCash,
) -> None:
    """An event the contract as it stood cannot take is left out only when it rests on a
    change left out before it: with nothing left out (here a sub-contract added twice, as a
    damaged history would hold it) the error is raised, not hidden."""
    cid = contract(app, customer(app), "MC-1", one_sub())
    app.add_sub_contract(cid, sub("S2", date(2024, 3, 1)), actor=A)
    events = list(app.events.get(cid))
    added = events[-1]
    again = copy.copy(added)
    object.__setattr__(again, "originator_version", added.originator_version + 1)

    with pytest.raises(DuplicateEntry):
        Contract.as_it_stood_on([*events, again], date(2024, 12, 1))
    stood = Contract.as_it_stood_on(events, date(2024, 12, 1))
    assert stood is not None and sorted(stood.sub_contracts) == ["S1", "S2"]


# -- whenever it is asked: a property ---------------------------------------------------------

_FIRST = date(2024, 10, 1)
_KINDS = ("suspend", "reactivate", "terminate", "expire", "run", "renew")
# sub-contract changes, each recorded on its step's day and taking effect ``shift`` days from it
# (before it when dated back): S9 added to MC-1, S1 re-priced, removed, or moved to MC-2 (as S1b)
_SUB_KINDS = ("add", "reprice", "remove", "move")
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class _Step:
    """One step of a contract's history, recorded on ``day`` (notice of a termination is
    given that day, the termination, or a sub-contract change, taking effect ``shift`` days
    from it: before it when dated back)."""

    kind: str
    day: date
    shift: int = 0


def _apply(app: QuoteToCash, cid: UUID, step: _Step) -> date | None:
    """Record one step on MC-1 (a move: to MC-2, signed after it); its effective day, or None
    when refused (nothing recorded)."""
    kind, day = step.kind, step.day
    on = day + timedelta(days=step.shift)
    try:
        if kind in _SUB_KINDS:
            if kind == "add":
                app.add_sub_contract(cid, sub("S9", start=on, price=2400), actor=A)
            elif kind == "reprice":
                app.reprice_sub_contract(cid, "S1", effective=on, annual_price=eur(1800), actor=A)
            elif kind == "remove":
                app.remove_sub_contract(cid, "S1", effective_to=on, actor=A)
            else:
                (mc2,) = [c.id for c in app.all_contracts() if c.number == "MC-2"]
                app.reassign_sub_contract(cid, "S1", mc2, effective=on, actor=A, as_sub_id="S1b")
            return on
        if kind == "suspend":
            app.suspend_contract(cid, effective=day, reason="unpaid", actor=A)
        elif kind == "reactivate":
            app.reactivate_contract(cid, effective=day, reason="paid", actor=A)
        elif kind == "terminate":
            ends = day + timedelta(days=step.shift)
            app.terminate_contract(cid, effective=ends, reason="notice", actor=A, noticed_on=day)
            return ends
        elif kind == "expire":
            app.expire_contract(cid, effective=day, actor=A)
        elif kind == "run":
            app.run_billing(day, actor="run")
        else:  # a renewal by hand, agreed on ``day``, effective on the current term's end
            end = app.contract(cid).term.end
            app.renew_contract(cid, new_end=end + timedelta(days=365), effective=end, actor=A)
            return end
    except Q2CError:
        return None
    return day


def _known_on(recorded: list[tuple[_Step, date]], d: date) -> list[_Step]:
    """The steps known on ``d``, in the order recorded: those that took effect by then, a
    termination once its notice was given (``step.day``), and with it the lifecycle steps
    before it that take effect before it does (notice given, the contract's last day is
    known); a sub-contract change only once it took effect."""
    noticed = [eff for step, eff in recorded if step.kind == "terminate" and step.day <= d]
    through = max(d, noticed[0] - _ONE_DAY) if noticed else d
    known, before_termination = [], True
    for step, effective in recorded:
        if step.kind == "terminate":
            before_termination = False
            if step.day <= d:
                known.append(step)
        elif step.kind in _SUB_KINDS:
            if effective <= d:
                known.append(step)
        elif effective <= (through if before_termination else d):
            known.append(step)
    return known


def _signed(app: QuoteToCash, settings_: dict[str, Any]) -> UUID:
    """MC-1, whose history the steps make, and MC-2 beside it (a move's other side)."""
    acme = customer(app)
    mc1 = contract(app, acme, "MC-1", one_sub(), **settings_)
    contract(app, acme, "MC-2", (sub("T1"),), **settings_)
    return mc1


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    auto_renew=st.booleans(),
    frequency=st.sampled_from([BillingFrequency.MONTHLY, BillingFrequency.QUARTERLY]),
    timing=st.sampled_from(list(BillingTiming)),
    steps=st.lists(
        st.tuples(st.sampled_from(_KINDS + _SUB_KINDS), st.integers(0, 180), st.integers(-40, 120)),
        min_size=1,
        max_size=5,
    ),
    asked=st.lists(st.integers(0, 300), min_size=1, max_size=3),
)
# S1 re-priced from 2 January 2025 (recorded 1 October), then moved to MC-2 that day: for
# 1 January the move must not bring the re-price along (it had not taken effect on MC-1)
@example(
    auto_renew=True,
    frequency=BillingFrequency.MONTHLY,
    timing=BillingTiming.IN_ADVANCE,
    steps=[("reprice", 0, 93), ("move", 0, 0)],
    asked=[92],
)
# S1's removal from 1 December recorded on 1 October, then S1 moved on 2 October: for
# 1 November its end had not taken effect on MC-2 either
@example(
    auto_renew=False,
    frequency=BillingFrequency.MONTHLY,
    timing=BillingTiming.IN_ADVANCE,
    steps=[("remove", 0, 61), ("move", 1, 0)],
    asked=[31],
)
def test_the_answer_for_a_past_day_is_the_answer_given_on_that_day(
    auto_renew: bool,
    frequency: BillingFrequency,
    timing: BillingTiming,
    steps: list[tuple[str, int, int]],
    asked: list[int],
) -> None:
    """For a random history of suspensions, reactivations, terminations (noticed on the day
    recorded, taking effect before or after it), expiries, runs, renewals and sub-contract
    changes (added, re-priced, removed, moved to MC-2, dated before or after the day they are
    recorded), the list for day D asked after everything is recorded equals the list asked
    right after recording only what was known on D (``_known_on``)."""
    signed_with: dict[str, Any] = {
        "auto_renew": auto_renew,
        "renewal_uplift_percent": 10 if auto_renew else None,
        "frequency": frequency,
        "timing": timing,
    }
    full = QuoteToCash.open("memory:")
    cid = _signed(full, signed_with)
    recorded: list[tuple[_Step, date]] = []  # (step, effective) of each accepted step
    for kind, offset, shift in sorted(steps, key=lambda s: s[1]):
        step = _Step(kind, _FIRST + timedelta(days=offset), shift)
        effective = _apply(full, cid, step)
        if effective is not None:
            recorded.append((step, effective))
    for offset in asked:
        d = _FIRST + timedelta(days=offset)
        then = QuoteToCash.open("memory:")
        then_cid = _signed(then, signed_with)
        for step in _known_on(recorded, d):
            assert _apply(then, then_cid, step) is not None, step
        for window in (30, 400):
            expected = [
                (e.number, e.term_end, e.days_left, e.annual_value, e.status)
                for e in then.contracts_expiring_within(window, d)
            ]
            found = [
                (e.number, e.term_end, e.days_left, e.annual_value, e.status)
                for e in full.contracts_expiring_within(window, d)
            ]
            assert found == expected, (d, window, recorded)
        then.close()
    full.close()
