"""A sub-contract named by something that is no text.

An integration hands the id of the site to remove as a list (``["S1"]``, a multi-select's value)
or a set. Removing, re-pricing, describing or moving it failed with a bare ``TypeError``
(unhashable type) instead of saying which field is wrong; each is now ``InvalidValue`` naming
``sub_id``, and nothing is recorded on either contract.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from q2c_core import (
    BillingFrequency,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)
from q2c_core.domain.errors import InvalidValue

A = "alice"
START = date(2024, 1, 1)
JUNE = date(2024, 6, 1)


def site(sub_id: str) -> SubContract:
    price = Money.of("1200", "EUR")
    return SubContract(
        sub_id, f"Site {sub_id}", SubContractKind.SITE, START, [PricePoint(START, price)]
    )


def two_contracts(app: QuoteToCash) -> tuple[UUID, UUID]:
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    term = Period(START, date(2025, 1, 1))
    ids = []
    for number, subs in (("MC-1", (site("S1"),)), ("MC-2", ())):
        cid = app.sign_contract(
            cust,
            number=number,
            term=term,
            frequency=BillingFrequency.QUARTERLY,
            signed_on=START,
            actor=A,
            sub_contracts=subs,
        )
        app.activate_contract(cid, effective=START, actor=A)
        ids.append(cid)
    return ids[0], ids[1]


COMMANDS: dict[str, Callable[[QuoteToCash, UUID, UUID, Any], object]] = {
    "remove": lambda app, c, _, s: app.remove_sub_contract(c, s, effective_to=JUNE, actor=A),
    "re-price": lambda app, c, _, s: app.reprice_sub_contract(
        c, s, effective=JUNE, annual_price=Money.of("1500", "EUR"), actor=A
    ),
    "describe": lambda app, c, _, s: app.describe_sub_contract(c, s, description="Plant", actor=A),
    "move": lambda app, c, other, s: app.reassign_sub_contract(
        c, s, other, effective=JUNE, actor=A
    ),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("sub_id", [["S1"], {"S1"}, {"id": "S1"}])
def test_a_sub_contract_id_that_is_no_text_is_refused_naming_it(
    app: QuoteToCash, command: str, sub_id: Any
) -> None:
    mc1, mc2 = two_contracts(app)
    before = (app.contract(mc1).version, app.contract(mc2).version)
    with pytest.raises(InvalidValue) as refused:
        COMMANDS[command](app, mc1, mc2, sub_id)
    assert refused.value.field == "sub_id"
    assert (app.contract(mc1).version, app.contract(mc2).version) == before
    assert app.contract(mc1).sub_contracts["S1"].effective_to is None
