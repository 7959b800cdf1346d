"""An invoice in another currency is refused by the planning functions whether or not the
money reaches it.

Found by review: ``allocate_payment`` checked each open item's currency only as it reached
it, and ``match_credit`` only where it added amounts up; so 50.00 EUR spread over Acme's
INV-000001 and INV-000003 (EUR) and INV-000002 (USD, due last) planned 50.00 EUR to
INV-000001 as if nothing were wrong, where 250.00 EUR was refused, and a credit naming
INV-000001 and a USD invoice was matched to INV-000001. Whether a list mixing currencies is
refused no longer depends on how far the money goes.
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from q2c_core import CurrencyMismatch, Money, OpenItem, allocate_payment, match_credit


def owing(number: str, due: date, amount: str, currency: str = "EUR") -> OpenItem:
    return OpenItem(uuid4(), number, due, Money.of(amount, currency))


JANUARY = owing("INV-000001", date(2024, 1, 31), "100.00")
MID_JANUARY = owing("INV-000003", date(2024, 1, 15), "100.00")
IN_DOLLARS = owing("INV-000002", date(2024, 2, 29), "100.00", "USD")


@pytest.mark.parametrize("available", ["50.00", "150.00", "250.00", "0.00"])
def test_oldest_first_refuses_a_dollar_invoice_the_euros_do_not_reach(available: str) -> None:
    with pytest.raises(CurrencyMismatch) as refused:
        allocate_payment(Money.of(available, "EUR"), [JANUARY, MID_JANUARY, IN_DOLLARS])
    assert refused.value.field == "currency"
    assert "INV-000002" in str(refused.value)


@pytest.mark.parametrize(
    ("named", "others"),
    [
        ([JANUARY, IN_DOLLARS], []),
        ([JANUARY], [IN_DOLLARS]),
        ([], [JANUARY, IN_DOLLARS]),
        ([IN_DOLLARS], []),
    ],
)
def test_matching_refuses_a_dollar_invoice_wherever_it_is_listed(
    named: list[OpenItem], others: list[OpenItem]
) -> None:
    with pytest.raises(CurrencyMismatch) as refused:
        match_credit(Money.of("50.00", "EUR"), named, others)
    assert refused.value.field == "currency"
    assert "INV-000002" in str(refused.value)


def test_one_currency_plans_as_before() -> None:
    [allocation] = allocate_payment(Money.of("50.00", "EUR"), [JANUARY, MID_JANUARY])
    assert (allocation.invoice_id, allocation.amount) == (
        MID_JANUARY.invoice_id,
        Money.of("50.00", "EUR"),
    )
    match = match_credit(Money.of("50.00", "EUR"), [JANUARY], [MID_JANUARY])
    assert match.allocations == ((JANUARY.invoice_id, Money.of("50.00", "EUR")),)
