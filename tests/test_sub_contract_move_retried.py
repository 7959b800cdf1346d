"""A move of a sub-contract sent twice (a page timed out, a CRM replaying its change log) is
recorded once and the second sending says so (False), as a retried renewal or termination
does; another move of a sub-contract that moved already is refused as before."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer, sub

from q2c_core import QuoteToCash, RuleViolated


def test_a_move_sent_twice_moves_once(app: QuoteToCash) -> None:
    """Mia moves the Lyon site S1 from MC-1 to MC-2 from 1 May; the page times out and she
    sends it again: nothing more is recorded and she is told so (False), S1 ends on MC-1 on 1
    May and starts on MC-2 that day, once."""
    cust = customer(app)
    first = contract(app, cust, number="MC-1", subs=(sub("S1"), sub("S2")))
    second = contract(app, cust, number="MC-2", subs=(sub("S3"),))
    move = {"effective": date(2024, 5, 1), "actor": A}

    assert app.reassign_sub_contract(first, "S1", second, **move) is True  # type: ignore[arg-type]
    before = app.recorder.max_notification_id()
    assert app.reassign_sub_contract(first, "S1", second, **move) is False  # type: ignore[arg-type]

    assert app.recorder.max_notification_id() == before
    assert app.contract(first).sub_contracts["S1"].effective_to == date(2024, 5, 1)
    assert app.contract(second).sub_contracts["S1"].effective_from == date(2024, 5, 1)


def test_a_move_on_its_first_day_under_another_id_sent_twice_moves_once(
    app: QuoteToCash,
) -> None:
    """S1 starts on MC-1 on 1 March and moves to MC-2 as S1-B that very day (it leaves MC-1's
    list): sent twice, the second records nothing (False)."""
    cust = customer(app)
    first = contract(app, cust, number="MC-1", subs=(sub("S2"),))
    app.add_sub_contract(first, sub("S1", start=date(2024, 3, 1)), actor=A)
    second = contract(app, cust, number="MC-2", subs=(sub("S3"),))
    move = {"effective": date(2024, 3, 1), "actor": A, "as_sub_id": "S1-B"}

    assert app.reassign_sub_contract(first, "S1", second, **move) is True  # type: ignore[arg-type]
    before = app.recorder.max_notification_id()
    assert app.reassign_sub_contract(first, "S1", second, **move) is False  # type: ignore[arg-type]
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize(
    "other",
    [
        {"sub_id": "S1", "effective": date(2024, 6, 1)},  # another day
        {"sub_id": "S1", "to": "third"},  # another contract
        {"sub_id": "S9", "effective": date(2024, 5, 1)},  # one MC-1 never held
    ],
)
def test_another_move_of_a_moved_sub_contract_is_refused(
    app: QuoteToCash, other: dict[str, object]
) -> None:
    cust = customer(app)
    first = contract(app, cust, number="MC-1", subs=(sub("S1"), sub("S2")))
    second = contract(app, cust, number="MC-2", subs=(sub("S3"),))
    third = contract(app, cust, number="MC-3", subs=(sub("S4"),))
    app.reassign_sub_contract(first, "S1", second, effective=date(2024, 5, 1), actor=A)
    before = app.recorder.max_notification_id()
    target = third if other.get("to") == "third" else second
    with pytest.raises(RuleViolated) as refused:
        app.reassign_sub_contract(
            first,
            str(other["sub_id"]),
            target,
            effective=other.get("effective", date(2024, 5, 1)),  # type: ignore[arg-type]
            actor=A,
        )
    assert refused.value.field == "sub_id"
    assert app.recorder.max_notification_id() == before
