"""The contracts expiring as of a past day, when a sub-contract moved between them.

A sub-contract moved to another master contract takes its price history and its end along. On
the contract it came from, a re-price or a removal dated after the day asked about had not
taken effect on that day and is left out of the list for it (``contracts_expiring_within``
follows the business days changes take effect on). Moved, the sub-contract must be read the
same way on the contract it went to: the list for a past day values the target as it was
valued on that day, not with a change that took effect only later because it was recorded
on the source before the move.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from test_contract_billing import contract, customer, eur, sub

from q2c_core import PricePoint, QuoteToCash, SubContract, SubContractKind

A = "alice"
EVERGREEN: dict[str, Any] = {"auto_renew": True, "renewal_uplift_percent": 10}


def values(app: QuoteToCash, day: date, window: int = 400) -> dict[str, tuple[date, Any]]:
    """(term end, annual value) of each contract listed for ``day``, by number."""
    return {
        e.number: (e.term_end, e.annual_value) for e in app.contracts_expiring_within(window, day)
    }


def two_contracts(app: QuoteToCash, **settings: Any) -> tuple[UUID, UUID]:
    """Acme's MC-1 with S1 and MC-2 with T1, 1,200 a year each, for 2024."""
    acme = customer(app)
    mc1 = contract(app, acme, "MC-1", (sub("S1"),), **settings)
    mc2 = contract(app, acme, "MC-2", (sub("T1"),), **settings)
    return mc1, mc2


def test_a_re_price_dated_after_the_day_does_not_come_along_with_a_move(
    app: QuoteToCash,
) -> None:
    """MC-1 and MC-2 are evergreen, +10 % a renewal. On 1 October 2024 S1 is re-priced to
    1,800 from 2 January 2025, then moved to MC-2 as S1b that same day. The list for
    1 January 2025 shows MC-2 as it stood that day: T1 and S1b renewed at 1,320 each, 2,640 (the
    re-price had not taken effect), the value MC-2 was listed at before the re-price was
    recorded, and from 2 January the re-price counts."""
    mc1, mc2 = two_contracts(app, **EVERGREEN)
    app.reassign_sub_contract(mc1, "S1", mc2, effective=date(2024, 10, 1), actor=A, as_sub_id="S1b")
    assert values(app, date(2025, 1, 1))["MC-2"] == (date(2026, 1, 1), eur("2640.00"))

    again = QuoteToCash.open("memory:")
    mc1, mc2 = two_contracts(again, **EVERGREEN)
    again.reprice_sub_contract(
        mc1, "S1", effective=date(2025, 1, 2), annual_price=eur(1800), actor=A
    )
    again.reassign_sub_contract(
        mc1, "S1", mc2, effective=date(2024, 10, 1), actor=A, as_sub_id="S1b"
    )

    assert values(again, date(2025, 1, 1))["MC-2"] == (date(2026, 1, 1), eur("2640.00"))
    assert values(again, date(2025, 1, 2))["MC-2"] == (date(2026, 1, 1), eur("3120.00"))
    again.close()


def test_a_re_price_dated_after_the_day_counts_alike_whether_or_not_the_sub_contract_moved(
    app: QuoteToCash,
) -> None:
    """The re-price to 1,800 from 2 January 2025 left out on MC-1 for 1 January, S1 staying:
    MC-1 listed at 1,320 (S1 renewed). Moved to MC-2, S1b adds those same 1,320 to MC-2."""
    mc1, mc2 = two_contracts(app, **EVERGREEN)
    app.reprice_sub_contract(mc1, "S1", effective=date(2025, 1, 2), annual_price=eur(1800), actor=A)
    assert values(app, date(2025, 1, 1))["MC-1"] == (date(2026, 1, 1), eur("1320.00"))

    app.reassign_sub_contract(mc1, "S1", mc2, effective=date(2024, 10, 1), actor=A)

    assert values(app, date(2025, 1, 1)) == {
        "MC-1": (date(2026, 1, 1), eur(0)),
        "MC-2": (date(2026, 1, 1), eur("2640.00")),
    }


def test_a_removal_dated_after_the_day_does_not_come_along_with_a_move(
    app: QuoteToCash,
) -> None:
    """S1's removal from 1 December 2024 is recorded on 1 October, then S1 moves to MC-2 from
    2 October with that end. For 1 November the removal had not taken effect (on MC-1 it is
    left out alike): MC-2 is listed with T1 and S1, 2,400; from 1 December with T1 alone."""
    mc1, mc2 = two_contracts(app)
    app.remove_sub_contract(mc1, "S1", effective_to=date(2024, 12, 1), actor=A)
    app.reassign_sub_contract(mc1, "S1", mc2, effective=date(2024, 10, 2), actor=A, as_sub_id="S1b")

    assert values(app, date(2024, 11, 1))["MC-2"] == (date(2025, 1, 1), eur(2400))
    assert values(app, date(2024, 12, 1))["MC-2"] == (date(2025, 1, 1), eur(1200))


def test_a_re_price_dated_after_the_day_stays_out_along_two_moves(app: QuoteToCash) -> None:
    """S1 is re-priced on MC-1 to 1,800 from 1 December 2024, moved to MC-2 on 1 October and
    from MC-2 on to MC-3 on 1 November: for 15 November MC-3 holds S1 at 1,200 (with its own
    U1, 2,400); from 1 December at 1,800 (3,000)."""
    mc1, mc2 = two_contracts(app)
    acme = app.contract(mc1).customer_id
    mc3 = contract(app, acme, "MC-3", (sub("U1"),))
    app.reprice_sub_contract(
        mc1, "S1", effective=date(2024, 12, 1), annual_price=eur(1800), actor=A
    )
    app.reassign_sub_contract(mc1, "S1", mc2, effective=date(2024, 10, 1), actor=A)
    app.reassign_sub_contract(mc2, "S1", mc3, effective=date(2024, 11, 1), actor=A)

    assert values(app, date(2024, 11, 15))["MC-3"] == (date(2025, 1, 1), eur(2400))
    assert values(app, date(2024, 12, 1))["MC-3"] == (date(2025, 1, 1), eur(3000))


def test_a_move_back_keeps_the_re_price_out_until_its_day(app: QuoteToCash) -> None:
    """S1 re-priced on MC-1 to 1,800 from 1 December 2024, moved to MC-2 on 1 October and
    back to MC-1 as S1-2 on 1 November: for 15 November MC-1 holds S1-2 at 1,200; from
    1 December at 1,800."""
    mc1, mc2 = two_contracts(app)
    app.reprice_sub_contract(
        mc1, "S1", effective=date(2024, 12, 1), annual_price=eur(1800), actor=A
    )
    app.reassign_sub_contract(mc1, "S1", mc2, effective=date(2024, 10, 1), actor=A)
    app.reassign_sub_contract(
        mc2, "S1", mc1, effective=date(2024, 11, 1), actor=A, as_sub_id="S1-2"
    )

    assert values(app, date(2024, 11, 15)) == {
        "MC-1": (date(2025, 1, 1), eur(1200)),
        "MC-2": (date(2025, 1, 1), eur(1200)),
    }
    assert values(app, date(2024, 12, 1))["MC-1"] == (date(2025, 1, 1), eur(1800))


def test_a_re_price_dated_on_or_before_the_day_and_a_signed_price_step_come_along(
    app: QuoteToCash,
) -> None:
    """Only what had not taken effect is left out. S1 was signed at 1,200 stepping up to 1,500
    from 1 December 2024 (agreed at signing: it counts whatever the day asked about); on
    1 October it is re-priced to 1,800 from 1 November and moved to MC-2 that day. For
    15 October MC-2 is listed with T1 and S1 at its signed step, 2,700; from 1 November with
    the re-price too, the step from December after it: still 2,700, the step's 1,500 last."""
    acme = customer(app)
    stepped = SubContract(
        "S1",
        "Product S1",
        SubContractKind.PRODUCT,
        date(2024, 1, 1),
        [PricePoint(date(2024, 1, 1), eur(1200)), PricePoint(date(2024, 12, 1), eur(1500))],
    )
    mc1 = contract(app, acme, "MC-1", (stepped,))
    mc2 = contract(app, acme, "MC-2", (sub("T1"),))
    app.reprice_sub_contract(
        mc1, "S1", effective=date(2024, 11, 1), annual_price=eur(1800), actor=A
    )
    app.reassign_sub_contract(mc1, "S1", mc2, effective=date(2024, 10, 1), actor=A)

    assert values(app, date(2024, 10, 15))["MC-2"] == (date(2025, 1, 1), eur(2700))
    assert values(app, date(2024, 11, 15), 60)["MC-2"] == (date(2025, 1, 1), eur(2700))
    (s1,) = [s for s in app.contract(mc2).sub_contracts.values() if s.sub_id == "S1"]
    assert s1.price_on(date(2024, 11, 15)) == eur(1800)  # (the contract itself: all recorded)


def test_the_list_read_back_from_storage_leaves_the_re_price_out_alike(shared_url: str) -> None:
    """The first story on a real SQLite file or PostgreSQL, the list asked after reopening:
    MC-2 (signed first here, MC-1 after it) is listed for 1 January 2025 at 2,640."""
    app = QuoteToCash.open(shared_url)
    acme = customer(app)
    mc2 = contract(app, acme, "MC-2", (sub("T1"),), **EVERGREEN)
    mc1 = contract(app, acme, "MC-1", (sub("S1"),), **EVERGREEN)
    app.reprice_sub_contract(mc1, "S1", effective=date(2025, 1, 2), annual_price=eur(1800), actor=A)
    app.reassign_sub_contract(mc1, "S1", mc2, effective=date(2024, 10, 1), actor=A, as_sub_id="S1b")
    app.close()

    again = QuoteToCash.open(shared_url)
    assert values(again, date(2025, 1, 1)) == {
        "MC-1": (date(2026, 1, 1), eur(0)),
        "MC-2": (date(2026, 1, 1), eur("2640.00")),
    }
    assert values(again, date(2025, 1, 2))["MC-2"] == (date(2026, 1, 1), eur("3120.00"))
    again.close()
