"""Oldest-due-first allocation of one payment over many open invoices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core.domain.allocation import OpenItem, allocate_payment
from q2c_core.domain.errors import CurrencyMismatch
from q2c_core.domain.money import Money, total

FAST = settings(max_examples=80, deadline=None)


def item(n: int, due: date, amount: str, currency: str = "EUR") -> OpenItem:
    return OpenItem(uuid4(), f"INV-{n:06d}", due, Money.of(amount, currency))


def test_oldest_due_first_then_credit() -> None:
    a = item(2, date(2024, 3, 1), "100")
    b = item(1, date(2024, 2, 1), "50")
    c = item(3, date(2024, 4, 1), "70")
    plan = allocate_payment(Money.of("120", "EUR"), [a, b, c])
    assert [(p.invoice_id, p.amount.amount) for p in plan] == [
        (b.invoice_id, Decimal(50)),
        (a.invoice_id, Decimal(70)),
    ]


def test_same_due_date_goes_by_number() -> None:
    a = item(2, date(2024, 3, 1), "10")
    b = item(1, date(2024, 3, 1), "10")
    plan = allocate_payment(Money.of("15", "EUR"), [a, b])
    assert [p.invoice_id for p in plan] == [b.invoice_id, a.invoice_id]
    assert [p.amount.amount for p in plan] == [Decimal(10), Decimal(5)]


def test_other_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        allocate_payment(Money.of(1, "EUR"), [item(1, date(2024, 1, 1), "1", "USD")])


@FAST
@given(
    st.decimals(min_value=0, max_value=10000, places=2),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=400),
            st.decimals(min_value=Decimal("-10"), max_value=5000, places=2),
        ),
        max_size=10,
    ),
)
def test_oldest_first_never_exceeds_available_or_outstanding(
    available: Decimal, specs: list[tuple[int, Decimal]]
) -> None:
    """Oldest-first allocation gives each invoice at most its outstanding amount, only positive
    amounts, never to a settled invoice, never more in all than is available; it stops only when
    the money or the open invoices run out, and always pays older invoices in full first."""
    start = date(2024, 1, 1)
    items = [item(n, start + timedelta(days=d), str(a)) for n, (d, a) in enumerate(specs)]
    money = Money(available, "EUR")
    plan = allocate_payment(money, items)
    by_id = {i.invoice_id: i for i in items}
    allocated = total((p.amount for p in plan), "EUR")
    assert allocated <= money
    assert len({p.invoice_id for p in plan}) == len(plan)
    for p in plan:
        assert p.amount.is_positive()
        assert p.amount <= by_id[p.invoice_id].outstanding
    owed = total((i.outstanding for i in items if i.outstanding.is_positive()), "EUR")
    assert allocated == money.min(owed)
    # every invoice before the last one paid is paid in full
    for p in plan[:-1]:
        assert p.amount == by_id[p.invoice_id].outstanding
    order = sorted(items, key=lambda i: (i.due_date, i.number))
    paid_ids = [p.invoice_id for p in plan]
    assert paid_ids == [i.invoice_id for i in order if i.invoice_id in set(paid_ids)]
