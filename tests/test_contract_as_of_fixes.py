"""A contract's days, as they stood, and whom they name.

Mia leaves and Bob takes Acme over from 1 May: MC-1, billed in arrears and terminated from 1
May, still has April to bill, drafted by the 1 May run, which names Bob whether the
termination was recorded before or after the handover. The expiring list for a past day keeps
its answer when sub-contract changes dated after that day are recorded later, and shows an
evergreen contract whose expiry was recorded ahead as ending, not renewing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_contract_billing import contract, customer, eur, sub

from q2c_core import BillingTiming, Money, Period, QuoteToCash
from q2c_core.domain.contract import Contract, PeriodAlignment

A = "alice"
MAY_1 = date(2024, 5, 1)


# -- 1. a handover names the new manager on an ended contract's days still to bill ------------


@pytest.mark.parametrize("order", ["terminated, then handed over", "handed over, then terminated"])
def test_aprils_arrears_invoice_drafted_on_1_may_names_bob_whatever_was_recorded_first(
    app: QuoteToCash, order: str
) -> None:
    """MC-1 (Mia's, billed in arrears) is terminated from 1 May, notice given on 10 April, and
    Acme goes to Bob from 1 May. April is billed by the 1 May run, after the handover: its
    invoice names Bob, and the contract names Mia on every day before 1 May."""
    acme = customer(app)  # (Mia's)
    mc1 = contract(app, acme, "MC-1", (sub("S1"),), timing=BillingTiming.IN_ARREARS)
    app.run_billing(date(2024, 4, 1), actor="run")  # (January to March)

    def terminate() -> None:
        app.terminate_contract(
            mc1, effective=MAY_1, reason="leaving", actor=A, noticed_on=date(2024, 4, 10)
        )

    def hand_over() -> None:
        app.hand_over_customer(acme, to_manager="bob", effective_on=MAY_1, actor=A)

    steps = [terminate, hand_over] if order.startswith("terminated") else [hand_over, terminate]
    for step in steps:
        step()
    app.run_billing(MAY_1, actor="run")

    april = app.invoice(app.contract(mc1).documents[-1])
    assert april.account_manager == "bob"
    assert app.contract(mc1).manager_on(date(2024, 4, 30)) == "mia"
    assert app.contract(mc1).account_manager == "bob"


# -- 2. sub-contract changes dated after the day are not in its list ---------------------------


def test_the_15_november_list_keeps_its_values_when_later_sub_contract_changes_are_recorded(
    app: QuoteToCash,
) -> None:
    """Listed on 15 November: MC-1 and MC-2, 1,200.00 a year each. S9 (2,400.00) is then
    added to MC-1 from 1 December, S1 moved from MC-1 to MC-2 from 10 December, T1 re-priced
    from 5 December and S9 removed from 20 December: none had taken effect on 15 November, so
    the list for that day is the same; from 10 December it shows them."""
    acme = customer(app)
    mc1 = contract(app, acme, "MC-1", (sub("S1"),))
    mc2 = contract(app, acme, "MC-2", (sub("T1"),))
    nov15 = date(2024, 11, 15)
    before = app.contracts_expiring_within(60, nov15)
    assert [(e.number, e.annual_value) for e in before] == [
        ("MC-1", eur(1200)),
        ("MC-2", eur(1200)),
    ]

    app.add_sub_contract(mc1, sub("S9", start=date(2024, 12, 1), price=2400), actor=A)
    assert app.contracts_expiring_within(60, nov15) == before
    app.reassign_sub_contract(
        mc1, "S1", mc2, effective=date(2024, 12, 10), actor=A, as_sub_id="S1b"
    )
    app.reprice_sub_contract(
        mc2, "T1", effective=date(2024, 12, 5), annual_price=eur(1800), actor=A
    )
    app.remove_sub_contract(mc1, "S9", effective_to=date(2024, 12, 20), actor=A)
    assert app.contracts_expiring_within(60, nov15) == before

    def values(day: date) -> list[tuple[str, Money]]:
        return [(e.number, e.annual_value) for e in app.contracts_expiring_within(60, day)]

    # S9 counts from 1 December (its 2,400 on the term's last day, as then known)
    assert values(date(2024, 12, 1)) == [("MC-1", eur(3600)), ("MC-2", eur(1200))]
    # T1's new price from 5 December; on 10 December S1 is MC-2's (S1b)
    assert values(date(2024, 12, 5)) == [("MC-1", eur(3600)), ("MC-2", eur(1800))]
    assert values(date(2024, 12, 10)) == [("MC-1", eur(2400)), ("MC-2", eur(3000))]
    # S9 removed from 20 December: MC-1 has no sub-contract left on its last day
    assert values(date(2024, 12, 20)) == [("MC-1", eur(0)), ("MC-2", eur(3000))]


def test_a_contract_as_it_stood_leaves_out_a_move_dated_after_the_day_on_both_sides(
    app: QuoteToCash,
) -> None:
    """S1 moved from MC-1 to MC-2 from 10 December: on 9 December it is MC-1's alone (MC-1
    still covers it to the term's end, MC-2 has no S1b); on 10 December MC-2's alone."""
    acme = customer(app)
    mc1 = contract(app, acme, "MC-1", (sub("S1"),))
    mc2 = contract(app, acme, "MC-2", (sub("T1"),))
    app.reassign_sub_contract(
        mc1, "S1", mc2, effective=date(2024, 12, 10), actor=A, as_sub_id="S1b"
    )

    def subs(cid: UUID, day: date) -> dict[str, date | None]:
        stood = Contract.as_it_stood_on(app.events.get(cid), day)
        assert stood is not None
        return {s.sub_id: s.effective_to for s in stood.sub_contracts.values()}

    assert subs(mc1, date(2024, 12, 9)) == {"S1": None}
    assert subs(mc2, date(2024, 12, 9)) == {"T1": None}
    assert subs(mc1, date(2024, 12, 10)) == {"S1": date(2024, 12, 10)}
    assert subs(mc2, date(2024, 12, 10)) == {"T1": None, "S1b": None}


# -- 3. an expiry recorded ahead: the contract does not renew past it --------------------------

EVERGREEN_TERM = Period(date(2024, 1, 15), date(2025, 1, 15))


def evergreen(app: QuoteToCash, timing: BillingTiming = BillingTiming.IN_ADVANCE) -> UUID:
    """MC-1, evergreen (10 % uplift) from 15 January 2024 to 15 January 2025, billed monthly
    on the calendar, 1,200.00 a year."""
    return contract(
        app,
        customer(app),
        "MC-1",
        (sub("S1", start=EVERGREEN_TERM.start),),
        term=EVERGREEN_TERM,
        auto_renew=True,
        renewal_uplift_percent=Decimal(10),
        alignment=PeriodAlignment.CALENDAR,
        timing=timing,
    )


def shown(app: QuoteToCash, day: date, window: int = 30) -> list[tuple[str, date, int, bool]]:
    return [
        (e.number, e.term_end, e.days_left, e.auto_renew)
        for e in app.contracts_expiring_within(window, day)
    ]


def test_an_evergreen_contract_expired_ahead_is_listed_as_ending_not_renewing(
    app: QuoteToCash,
) -> None:
    """On 20 December MC-1's expiry at its term's end, 15 January, is recorded (EXPIRED at
    once). The 1 January list shows it ending on 15 January, 13 days left, not renewing, as
    the 1 January run leaves it: it is not renewed past its expiry to 2026."""
    mc1 = evergreen(app)
    app.run_billing(date(2024, 12, 1), actor="run")
    app.expire_contract(mc1, effective=EVERGREEN_TERM.end, actor=A)
    jan1 = date(2025, 1, 1)

    assert shown(app, jan1) == [("MC-1", EVERGREEN_TERM.end, 13, False)]
    assert shown(app, jan1, 400) == [("MC-1", EVERGREEN_TERM.end, 13, False)]
    (row,) = app.contracts_expiring_within(30, jan1)
    assert (row.status.name, row.annual_value) == ("ACTIVE", eur(1200))
    assert shown(app, EVERGREEN_TERM.end) == []  # (expired that day)

    app.run_billing(jan1, actor="run")
    assert app.contract(mc1).term == EVERGREEN_TERM


def test_an_expiry_recorded_a_term_ahead_lets_the_contract_renew_once_more_and_no_further(
    app: QuoteToCash,
) -> None:
    """Billed in arrears, MC-1 is expired on 20 December from 15 January 2026 (its term renewed
    once more first, dated 15 January 2025). On 1 January 2025 it is listed as it stood, its
    term to 15 January 2025 with 13 days left, renewing (it will, once); from 15 January 2025
    it runs to 2026, not renewing, at the renewed 1,320.00."""
    mc1 = evergreen(app, BillingTiming.IN_ARREARS)
    app.expire_contract(mc1, effective=date(2026, 1, 15), actor=A)

    assert shown(app, date(2025, 1, 1)) == [("MC-1", EVERGREEN_TERM.end, 13, True)]
    (row,) = app.contracts_expiring_within(400, date(2025, 1, 15))
    assert (row.term_end, row.days_left, row.auto_renew) == (date(2026, 1, 15), 364, False)
    assert row.annual_value == eur(1320)
