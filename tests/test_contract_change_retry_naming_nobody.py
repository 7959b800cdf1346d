"""A contract's payment terms, tax rate or sub-contract removal sent again without saying who
sends it (an empty setting, a zero-width space) is refused naming ``actor``, as the first
sending would be and as a status change, renewal, re-price or move sent so is: it was answered
as a retry (False, or nothing said), a command from nobody reported as done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from test_contract_billing import A, contract, customer
from test_step_sent_again_checks_its_actor import refused_naming_actor

from q2c_core import QuoteToCash


@pytest.mark.parametrize("actor", [None, "", "\u200b", 5])
def test_a_contract_change_sent_again_naming_nobody_is_refused(
    app: QuoteToCash, actor: object
) -> None:
    signed = contract(app, customer(app))
    rate = app.contract(signed).tax_rate
    app.change_contract_payment_terms(
        signed, payment_terms_days=14, effective=date(2024, 3, 1), actor=A
    )
    app.remove_sub_contract(signed, "S2", effective_to=date(2024, 6, 1), actor=A)
    retries: list[Callable[[], object]] = [
        lambda: app.change_contract_payment_terms(
            signed,
            payment_terms_days=14,
            effective=date(2024, 3, 1),
            actor=actor,  # type: ignore[arg-type]
        ),
        lambda: app.change_contract_tax_rate(
            signed,
            tax_rate=rate,
            effective=date(2024, 3, 1),
            actor=actor,  # type: ignore[arg-type]
        ),
        lambda: app.remove_sub_contract(
            signed,
            "S2",
            effective_to=date(2024, 6, 1),
            actor=actor,  # type: ignore[arg-type]
        ),
    ]
    refused_naming_actor(app, retries)
