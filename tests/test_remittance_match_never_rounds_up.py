"""Matching a bank credit to invoices never allocates a cent the credit does not have.

Found by review: ``match_credit`` rounded the credit half up to whole cents before spreading
it, and took each invoice's outstanding amount as it was. A caller matching 100.005 EUR to
INV-000001 owing 100.01 was told to allocate 100.01 (a cent more than there was); 99.995 EUR
matched INV-000002 owing 100.00 "by amount" and allocated all 100.00; and an invoice owing
20.005 was given 20.005, no whole number of cents, which the payment then refuses.
``allocate_payment`` (oldest first) takes both down to whole minor units; matching now does too.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core import MatchedBy, Money, OpenItem, match_credit
from q2c_core.domain.money import total


def owing(n: int, amount: Decimal | str, currency: str = "EUR") -> OpenItem:
    return OpenItem(
        uuid4(), f"INV-{n:06d}", date(2024, 3, 1) + timedelta(days=n), Money.of(amount, currency)
    )


def test_a_half_cent_more_is_not_a_cent_more() -> None:
    """100.005 EUR naming INV-000001, which owes 100.01: 100.00 is allocated, not 100.01."""
    invoice = owing(1, "100.01")
    match = match_credit(Money.of("100.005", "EUR"), [invoice], [])
    assert match.allocations == ((invoice.invoice_id, Money.of("100.00", "EUR")),)


def test_a_half_cent_short_is_no_match_by_amount() -> None:
    """99.995 EUR naming nothing, and INV-000002 owing 100.00: not exactly its amount, so a
    person looks; q2c never allocates the 100.00 the credit does not have."""
    match = match_credit(Money.of("99.995", "EUR"), [], [owing(2, "100.00")])
    assert match.matched_by is MatchedBy.NOTHING
    assert match.allocations == ()


def test_an_invoice_owing_part_of_a_cent_is_paid_in_whole_cents() -> None:
    """50.00 EUR naming INV-000001 (owing 20.005) and INV-000002 (owing 40.00): 20.00 and
    30.00, whole cents each."""
    first, second = owing(1, "20.005"), owing(2, "40.00")
    match = match_credit(Money.of("50.00", "EUR"), [first, second], [])
    assert match.allocations == (
        (first.invoice_id, Money.of("20.00", "EUR")),
        (second.invoice_id, Money.of("30.00", "EUR")),
    )


def test_yen_have_no_minor_units() -> None:
    """1,000.6 JPY naming an invoice owing 5,000 JPY pays 1,000 JPY, never 1,001."""
    invoice = owing(1, "5000", "JPY")
    match = match_credit(Money.of("1000.6", "JPY"), [invoice], [])
    assert match.allocations == ((invoice.invoice_id, Money.of("1000", "JPY")),)


_any = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("5000"), places=3)


@settings(max_examples=300, deadline=None)
@given(credit=_any, named=st.lists(_any, max_size=4), others=st.lists(_any, max_size=4))
def test_a_match_at_any_precision_is_whole_cents_within_credit_and_owed(
    credit: Decimal, named: list[Decimal], others: list[Decimal]
) -> None:
    """Whatever the precision of the credit or of what invoices owe: every allocation is whole
    cents, more than zero, at most its invoice's outstanding amount, and together at most the
    credit."""
    named_items = [owing(n, a) for n, a in enumerate(named)]
    other_items = [owing(10 + n, a) for n, a in enumerate(others)]
    money = Money(credit, "EUR")
    match = match_credit(money, named_items, other_items)
    owed = {i.invoice_id: i.outstanding for i in [*named_items, *other_items]}
    for invoice_id, part in match.allocations:
        assert part.is_positive() and part.is_rounded()
        assert part <= owed[invoice_id]
    allocated = total((part for _, part in match.allocations), "EUR")
    assert allocated <= money
    floor = credit.quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
    if match.matched_by is MatchedBy.AMOUNT:
        assert allocated.amount == floor
