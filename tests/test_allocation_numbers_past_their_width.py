"""Oldest due first, then by number as it counts: R-2 before R-10.

Found by review: Bea's series was opened one digit wide (R-1, R-2, ...), and ten invoices of
10.00 fell due on one day. A payment of 22.00 was allocated oldest due first, ties broken by the
invoice number as text, so it paid R-1 and R-10 in full and 2.00 of R-2, while the customer's
remittance said "R-1, R-2, part of R-3". The same happens to INV-999999 and INV-1000000 once a
six-digit series runs past its width. Ties on a due day are now broken by the number as it
counts (each run of digits by its value, ``number_order``), in the allocation and in the bank's
match by amount alike, and the aging and past-due lists order so too.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from q2c_core import Money, OpenItem, allocate_payment
from q2c_core.domain.allocation import number_order

DUE = date(2024, 5, 31)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def test_a_payment_pays_r_2_before_r_10() -> None:
    items = {f"R-{n}": OpenItem(uuid4(), f"R-{n}", DUE, eur("10.00")) for n in range(1, 11)}
    ids: dict[UUID, str] = {i.invoice_id: number for number, i in items.items()}

    plan = allocate_payment(eur("22.00"), list(items.values()))

    assert [(ids[a.invoice_id], a.amount) for a in plan] == [
        ("R-1", eur("10.00")),
        ("R-2", eur("10.00")),
        ("R-3", eur("2.00")),
    ]


def test_a_six_digit_series_past_its_width() -> None:
    later = OpenItem(uuid4(), "INV-1000000", DUE, eur("5.00"))
    earlier = OpenItem(uuid4(), "INV-999999", DUE, eur("5.00"))
    [paid] = allocate_payment(eur("5.00"), [later, earlier])
    assert paid.invoice_id == earlier.invoice_id


def test_the_due_day_still_comes_first() -> None:
    due_later = OpenItem(uuid4(), "R-1", date(2024, 6, 30), eur("10.00"))
    due_first = OpenItem(uuid4(), "R-10", DUE, eur("10.00"))
    [paid] = allocate_payment(eur("10.00"), [due_later, due_first])
    assert paid.invoice_id == due_first.invoice_id


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=2, max_size=20))
def test_numbers_of_one_series_order_as_they_count(values: list[int]) -> None:
    """Invariant: numbers of one prefix, of any width (zero-padded or not), order by their
    value, whatever order they are given in."""
    numbers = [f"INV-{v:06d}" for v in values]
    assert [int(n[4:]) for n in sorted(numbers, key=number_order)] == sorted(values)


def test_the_past_due_policy_names_late_invoices_in_number_order() -> None:
    """The reason a contract is suspended for names the late invoices oldest due first, then
    as they were numbered (R-2 before R-10), as aging and past due list them."""
    from q2c_core import PastDuePolicy

    late = [(f"R-{n}", DUE, eur("10.00")) for n in (10, 2, 1)]
    reason = PastDuePolicy(days=30).reason(late, date(2024, 7, 31))
    assert reason is not None
    assert [
        reason.index(n) < reason.index(m) for n, m in (("R-1 ", "R-2 "), ("R-2 ", "R-10 "))
    ] == [
        True,
        True,
    ]
