"""A contract's days, as they stood, and whom they name.

Mia leaves and Bob takes Acme over from 1 May: MC-1, billed in arrears and terminated from 1
May, still has April to bill, drafted by the 1 May run, which names Bob whether the
termination was recorded before or after the handover. The expiring list for a past day keeps
its answer when sub-contract changes dated after that day are recorded later, and shows an
evergreen contract whose expiry was recorded ahead as ending, not renewing.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import contract, customer, sub

from q2c_core import BillingTiming, QuoteToCash

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
