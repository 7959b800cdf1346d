"""A past-due policy with a minimum: a customer whose bank kept a few cents of a transfer is not
cut off for them.

Acme's Q1 invoice is 450.00 (two sites, 1,200.00 and 600.00 a year, billed quarterly). Acme's
bank deducts a 0.35 fee: 449.65 arrives. With a 30-day policy, on 15 March the contract was
suspended for "0.35 EUR unpaid", the maintenance of a paying customer cut off by a bank's fee.
A policy that says 5.00 EUR is the least worth acting on leaves it live; 5.00 or more late (a
customer who paid 445.00) is still suspended, and so is any amount in a currency the minimum
does not name."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from test_past_due_policy_pending_run_credit import EUR, MID_MARCH, acme_billed_for_q1, eur

from q2c_core import (
    ContractStatus,
    InvalidValue,
    Money,
    PastDuePolicy,
    QuoteToCash,
)

AT_LEAST_5 = PastDuePolicy(days=30, minimum=(eur("5.00"),))


def acme_paid(app: QuoteToCash, paid: str) -> UUID:
    """Acme's contract, its Q1 invoice issued on 1 January and ``paid`` of it received and
    allocated on 10 January; returns the contract."""
    cust, cid, q1 = acme_billed_for_q1(app)
    pay = app.receive_payment(
        cust, eur(paid), received_on=date(2024, 1, 10), reference="TRF", actor="bank"
    )
    app.allocate_payment(pay, [(q1, eur(paid))], allocated_on=date(2024, 1, 10), actor="bea")
    return cid


def test_a_bank_fee_left_unpaid_does_not_suspend_a_contract_under_a_minimum() -> None:
    app = QuoteToCash.open("memory:")
    contract = acme_paid(app, "449.65")
    assert app.apply_past_due_policy(AT_LEAST_5, MID_MARCH, actor="policy") == []
    assert app.contract(contract).status is ContractStatus.ACTIVE
    # without a minimum the 0.35 is late, as before
    assert app.apply_past_due_policy(PastDuePolicy(days=30), MID_MARCH, actor="policy") == [
        contract
    ]
    assert "0.35 EUR unpaid" in app.contract(contract).history[-1].reason


def test_the_minimum_or_more_late_still_suspends() -> None:
    app = QuoteToCash.open("memory:")
    contract = acme_paid(app, "445.00")
    assert app.apply_past_due_policy(AT_LEAST_5, MID_MARCH, actor="policy") == [contract]
    assert "5.00 EUR unpaid" in app.contract(contract).history[-1].reason


def test_a_minimum_in_another_currency_does_not_cover_this_one() -> None:
    app = QuoteToCash.open("memory:")
    contract = acme_paid(app, "449.65")
    usd_only = PastDuePolicy(days=30, minimum=(Money.of("5.00", "USD"),))
    assert app.apply_past_due_policy(usd_only, MID_MARCH, actor="policy") == [contract]


@pytest.mark.parametrize(
    "minimum",
    [
        (Money.of("-1.00", EUR),),
        (Money.of("0.005", EUR),),
        (eur("1.00"), eur("2.00")),
        ("5.00",),
        5,
    ],
)
def test_a_minimum_that_is_not_one_rounded_amount_per_currency_is_refused(minimum: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        PastDuePolicy(days=30, minimum=minimum)  # type: ignore[arg-type]
    assert refused.value.field == "minimum"
