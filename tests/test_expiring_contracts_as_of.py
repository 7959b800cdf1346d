"""The contracts expiring as of a past day: the same list whenever it is asked.

An account manager looks at the list for 15 December in January, after the billing run renewed
an evergreen contract and a plain one expired: the list shows what was coming on 15 December,
not what happened since. Each contract is judged by the term and status in force on the day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_contract_billing import contract, customer, eur, sub

from q2c_core import BillingFrequency, BillingTiming, Period, QuoteToCash
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


def test_a_termination_counts_from_its_day_also_when_dated_back(app: QuoteToCash) -> None:
    """Terminated on 1 December (recorded on 20 December, dated back): for 15 November the
    contract was live for its whole term, at its whole value; from 1 December it is ended."""
    cust = customer(app)
    cid = contract(app, cust, "MC-1", one_sub())
    nov15 = date(2024, 11, 15)
    before = app.contracts_expiring_within(60, nov15)
    assert [(e.days_left, e.annual_value) for e in before] == [(46, eur(1200))]

    app.terminate_contract(cid, effective=date(2024, 12, 1), reason="moved away", actor=A)

    assert app.contracts_expiring_within(60, nov15) == before
    assert listed(app, date(2024, 11, 20), 60) == [("MC-1", 41, "ACTIVE")]
    assert listed(app, date(2024, 12, 1)) == []  # (its cut term is over: ended on purpose)


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


# -- whenever it is asked: a property ---------------------------------------------------------

_FIRST = date(2024, 10, 1)
_KINDS = ("suspend", "reactivate", "terminate", "expire", "run", "renew")


def _apply(app: QuoteToCash, cid: UUID, kind: str, day: date) -> date | None:
    """One step of a contract's history on ``day``; its effective day, or None when refused
    (nothing recorded)."""
    try:
        if kind == "suspend":
            app.suspend_contract(cid, effective=day, reason="unpaid", actor=A)
        elif kind == "reactivate":
            app.reactivate_contract(cid, effective=day, reason="paid", actor=A)
        elif kind == "terminate":
            app.terminate_contract(cid, effective=day, reason="notice", actor=A)
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


def _signed(app: QuoteToCash, settings_: dict[str, Any]) -> UUID:
    return contract(app, customer(app), "MC-1", one_sub(), **settings_)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    auto_renew=st.booleans(),
    frequency=st.sampled_from([BillingFrequency.MONTHLY, BillingFrequency.QUARTERLY]),
    timing=st.sampled_from(list(BillingTiming)),
    steps=st.lists(st.tuples(st.sampled_from(_KINDS), st.integers(0, 180)), min_size=1, max_size=5),
    asked=st.lists(st.integers(0, 200), min_size=1, max_size=3),
)
def test_the_answer_for_a_past_day_is_the_answer_given_on_that_day(
    auto_renew: bool,
    frequency: BillingFrequency,
    timing: BillingTiming,
    steps: list[tuple[str, int]],
    asked: list[int],
) -> None:
    """For a random history of suspensions, reactivations, terminations, expiries, runs and
    renewals, the list for day D asked after everything is recorded equals the list asked
    right after recording only what took effect on or before D."""
    signed_with: dict[str, Any] = {
        "auto_renew": auto_renew,
        "renewal_uplift_percent": 10 if auto_renew else None,
        "frequency": frequency,
        "timing": timing,
    }
    full = QuoteToCash.open("memory:")
    cid = _signed(full, signed_with)
    recorded: list[tuple[str, date, date]] = []  # (kind, day, effective) of each accepted step
    for kind, offset in sorted(steps, key=lambda s: s[1]):
        day = _FIRST + timedelta(days=offset)
        effective = _apply(full, cid, kind, day)
        if effective is not None:
            recorded.append((kind, day, effective))
    for offset in asked:
        d = _FIRST + timedelta(days=offset)
        then = QuoteToCash.open("memory:")
        then_cid = _signed(then, signed_with)
        for kind, day, effective in recorded:
            if effective <= d:
                assert _apply(then, then_cid, kind, day) is not None, (kind, day)
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
