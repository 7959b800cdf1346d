"""Oldest-first allocation never allocates more than is available, whatever its precision.

Found by review: ``allocate_payment`` rounded what was available half up to whole cents before
spreading it, so 10.005 EUR available allocated 10.01 EUR to an invoice owing 20.00: more than
there was (the payment refuses it; a caller planning with the pure function was told a cent
that did not exist was there).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core.domain.allocation import OpenItem, allocate_payment
from q2c_core.domain.money import Money, total


def item(n: int, due: date, amount: Decimal | str, currency: str = "EUR") -> OpenItem:
    return OpenItem(uuid4(), f"INV-{n:06d}", due, Money.of(amount, currency))


def whole(money: Money) -> Money:
    return Money(money.amount.quantize(Decimal("0.01"), rounding=ROUND_FLOOR), money.currency)


def test_a_half_cent_available_is_not_allocated_as_a_cent() -> None:
    """10.005 EUR available and INV-000001 owing 20.00: 10.00 is allocated, not 10.01."""
    invoice = item(1, date(2024, 3, 1), "20.00")
    [allocation] = allocate_payment(Money.of("10.005", "EUR"), [invoice])
    assert allocation.amount == Money.of("10.00", "EUR")
    assert allocation.amount.is_rounded()


def test_less_than_a_cent_available_allocates_nothing() -> None:
    """0.009 EUR available is not a cent: nothing is allocated."""
    assert allocate_payment(Money.of("0.009", "EUR"), [item(1, date(2024, 3, 1), "5")]) == []


def test_yen_have_no_minor_units() -> None:
    """99.6 JPY available pays 99 JPY, never 100."""
    [allocation] = allocate_payment(
        Money.of("99.6", "JPY"), [item(1, date(2024, 3, 1), "500", "JPY")]
    )
    assert allocation.amount == Money.of("99", "JPY")


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10000, places=4),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=400),
            st.decimals(min_value=Decimal("-10"), max_value=5000, places=3),
        ),
        max_size=8,
    ),
)
def test_allocations_never_exceed_available_at_any_precision(
    available: Decimal, specs: list[tuple[int, Decimal]]
) -> None:
    """Whatever the precision of what is available (or owed), the allocations are whole cents,
    each at most its invoice's outstanding amount, and together never more than is available:
    all the whole cents available, or all the whole cents owed when that is less."""
    start = date(2024, 1, 1)
    items = [item(n, start + timedelta(days=d), a) for n, (d, a) in enumerate(specs)]
    money = Money(available, "EUR")
    plan = allocate_payment(money, items)
    allocated = total((p.amount for p in plan), "EUR")
    assert allocated <= money
    by_id = {i.invoice_id: i for i in items}
    for p in plan:
        assert p.amount.is_rounded() and p.amount.is_positive()
        assert p.amount <= by_id[p.invoice_id].outstanding
    owed = total((whole(i.outstanding) for i in items if i.outstanding.is_positive()), "EUR")
    assert allocated == whole(money).min(owed)
