"""A payment keeps the sum of its live allocations as they change, so one payment spread over a
thousand invoices replays in linear time; the kept sum is always the sum of the allocations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core import Money, Payment, Q2CError, QuoteToCash

DAY = date(2024, 3, 1)

STEP = st.tuples(
    st.sampled_from(["allocate", "reverse", "refund", "bounce"]), st.integers(1, 5_000)
)


@settings(max_examples=80, deadline=None)
@given(steps=st.lists(STEP, max_size=25))
def test_the_kept_sum_is_the_sum_of_the_live_allocations(steps: list[tuple[str, int]]) -> None:
    """Whatever is allocated, reversed, refunded or bounced: ``allocated`` is the sum of the
    live allocations, ``refunded`` that of the refunds, ``unallocated`` the rest (minus the
    refunds once bounced: the customer owes them), and a payment read from a snapshot taken
    before the sums were kept (no sums) gives the same figures."""
    payment = Payment(
        customer_id=uuid4(),
        amount=Money.of("100.00", "EUR"),
        received_on=DAY,
        reference="r",
        actor="a",
    )
    for n, (what, cents) in enumerate(steps):
        live = payment.live_allocations()
        try:
            if what == "allocate":
                amount = Money(Decimal(cents) / 100, "EUR")
                payment.allocate(f"a{n}", uuid4(), amount, DAY, "a")
            elif what == "reverse" and live:
                payment.reverse_allocation(live[cents % len(live)].allocation_id, "r", "a", DAY)
            elif what == "refund":
                payment.refund(f"r{n}", Money(Decimal(cents) / 100, "EUR"), DAY, "out", "a")
            elif what == "bounce":
                payment.bounce(DAY, "returned", "a")
        except Q2CError as refused:  # (over-allocation, bounced, nothing to reverse)
            assert refused.field, refused
        expected = sum((a.amount.amount for a in payment.live_allocations()), Decimal(0))
        refunded = sum((r.amount.amount for r in payment.refunds), Decimal(0))
        assert payment.allocated.amount == expected
        assert payment.refunded.amount == refunded
        rest = -refunded if payment.is_bounced else Decimal("100.00") - expected - refunded
        assert payment.unallocated.amount == rest
        assert payment.unallocated.amount >= 0 or payment.is_bounced
    payment.allocated_amount = payment.refunded_amount = None  # as read from an older snapshot
    expected = sum((a.amount.amount for a in payment.live_allocations()), Decimal(0))
    assert payment.allocated.amount == expected
    assert payment.refunded.amount == sum((r.amount.amount for r in payment.refunds), Decimal(0))


def test_one_payment_over_many_invoices_reads_back_with_its_sum() -> None:
    """300 invoices paid by one payment, then one allocation reversed: the payment read back
    from its events has the right sum and what is left."""
    app = QuoteToCash.open("memory:")
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    payment = app.receive_payment(
        customer, Money.of("300.00", "EUR"), received_on=DAY, reference="r", actor="a"
    )
    loaded = app.payment(payment)
    for n in range(300):
        loaded.allocate(f"a{n}", uuid4(), Money.of("1.00", "EUR"), DAY, "a")
    loaded.reverse_allocation("a7", "wrong invoice", "a", DAY)
    app.save(loaded)
    again = app.payment(payment)
    assert again.allocated == Money.of("299.00", "EUR")
    assert again.unallocated == Money.of("1.00", "EUR")
