"""A sub-contract added (or signed) is a new one: it did not move here or away. Its move fields
(``reassigned_from``, ``reassigned_to``, ``moved_from``) are written by
``reassign_sub_contract`` only. A licence copied from another contract's state, where it had
moved in, and added to a third contract carried the first contract's move: the third billed
its first month as the remainder of that move (the licence's whole month less what the first
contract billed of it), and one copied from where it moved away could be neither removed nor
re-priced ("it moved to contract ..."). Now it is refused, naming the field, nothing recorded."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from q2c_core import (
    BillingFrequency,
    InvalidValue,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def _contract(app: QuoteToCash, customer: object, number: str, *subs: SubContract) -> object:
    cid = app.sign_contract(
        customer,  # type: ignore[arg-type]
        number=number,
        term=YEAR,
        frequency=BillingFrequency.MONTHLY,
        signed_on=YEAR.start,
        actor=A,
        sub_contracts=subs,
    )
    app.activate_contract(cid, effective=YEAR.start, actor=A)
    return cid


@pytest.mark.parametrize(
    ("copied_from", "field"),
    [("the contract it moved to", "reassigned_from"), ("the contract it left", "reassigned_to")],
)
def test_a_sub_contract_copied_from_a_move_is_refused_as_a_new_one(
    copied_from: str, field: str
) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    licence = SubContract(
        "L1",
        "Licence",
        SubContractKind.LICENCE,
        YEAR.start,
        [PricePoint(YEAR.start, Money.of(1200, "EUR"))],
    )
    first = _contract(app, acme, "MC-1", licence)
    second = _contract(app, acme, "MC-2")
    third = _contract(app, acme, "MC-3")
    app.reassign_sub_contract(first, "L1", second, effective=date(2024, 1, 11), actor=A)  # type: ignore[arg-type]
    holder = second if copied_from == "the contract it moved to" else first
    held = app.contract(holder).sub_contracts["L1"]  # type: ignore[arg-type]
    copy = attrs.evolve(held, sub_id="L1-copy")
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as added:
        app.add_sub_contract(third, copy, actor=A)  # type: ignore[arg-type]
    assert added.value.field == f"sub_contract.{field}"
    with pytest.raises(InvalidValue) as signed:
        _contract(app, acme, "MC-4", copy)
    assert signed.value.field == f"sub_contracts.{field}"

    assert app.recorder.max_notification_id() == before
    app.close()
