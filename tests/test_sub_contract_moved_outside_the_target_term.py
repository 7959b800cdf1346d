"""A sub-contract moved to a contract whose term does not hold the move's day is refused naming
the day the caller gave (``effective``), not ``effective_from``, a field of the sub-contract
the move builds and nobody typed; nothing is recorded on either contract."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from test_contract_billing import A, contract, customer, sub

from q2c_core import InvalidValue, Period, QuoteToCash


def two_contracts(app: QuoteToCash) -> tuple[UUID, UUID]:
    """MC-1 (S1) through 2024, MC-2 (T1) from June 2024 to May 2025, of one customer."""
    cust = customer(app)
    first = contract(app, cust, subs=(sub("S1"),))
    later = Period(date(2024, 6, 1), date(2025, 6, 1))
    second = contract(app, cust, number="MC-2", subs=(sub("T1", later.start),), term=later)
    return first, second


def test_a_move_before_the_target_term_starts_names_effective(app: QuoteToCash) -> None:
    """MC-1 runs through 2024; MC-2 starts on 1 June 2024. Moving S1 to MC-2 on 1 March (a
    slip for 1 June) is refused naming ``effective`` and MC-2's term; nothing recorded."""
    first, second = two_contracts(app)
    before = app.recorder.max_notification_id()

    try:
        app.reassign_sub_contract(first, "S1", second, effective=date(2024, 3, 1), actor=A)
    except InvalidValue as error:
        refused = error
    else:
        raise AssertionError("the move was taken")

    assert refused.field == "effective"
    assert "2024-03-01" in str(refused) and "2024-06-01" in str(refused)
    assert app.recorder.max_notification_id() == before
    assert app.contract(first).sub_contracts["S1"].effective_to is None
    assert "S1" not in app.contract(second).sub_contracts


def test_a_move_after_the_target_term_ends_names_effective(app: QuoteToCash) -> None:
    """MC-2 runs from June 2024 to May 2025, MC-1 (fixed) through 2024 only. Moving T1 from
    MC-2 to MC-1 on 1 March 2025 is refused naming ``effective``; nothing recorded."""
    first, second = two_contracts(app)
    before = app.recorder.max_notification_id()

    try:
        app.reassign_sub_contract(second, "T1", first, effective=date(2025, 3, 1), actor=A)
    except InvalidValue as error:
        refused = error
    else:
        raise AssertionError("the move was taken")

    assert refused.field == "effective"
    assert app.recorder.max_notification_id() == before
    assert app.contract(second).sub_contracts["T1"].effective_to is None
