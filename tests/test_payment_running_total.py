"""A payment keeps the sum of its live allocations as they change, so one payment spread over a
thousand invoices replays in linear time; the kept sum is always the sum of the allocations.
It keeps its credit by business day too, so an allocation dated back does not read the whole
history again; what it gives is always what replaying the history gives."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
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


class Replayed:
    """A payment's credit read from its events the plain way, day by day: at the end of a day
    it holds its amount less the allocations in force (made by then and not given back by then;
    one reversed without a day, as reversals were recorded before they carried it, never) and
    the refunds made by then; once it bounced, minus those refunds."""

    def __init__(self, events: list[Any]) -> None:
        received = events[0]
        self.amount: Decimal = received.amount.amount
        self.received_on: date = received.received_on
        self.days = [self.received_on]  # every day the history names
        self.allocations: dict[str, tuple[Decimal, date, date | None]] = {}  # made, given back
        self.refunds: list[tuple[Decimal, date]] = []
        self.bounced_on: date | None = None
        for e in events[1:]:
            what = type(e).__name__
            if what == "PaymentAllocated":
                self.allocations[e.allocation_id] = (e.amount.amount, e.allocated_on, None)
                self.days.append(e.allocated_on)
            elif what == "AllocationReversed":
                amount, made, _ = self.allocations[e.allocation_id]
                back = date.min if e.reversed_on is None else e.reversed_on
                self.allocations[e.allocation_id] = (amount, made, back)
                self.days.append(made if e.reversed_on is None else e.reversed_on)
            elif what == "CreditRefunded":
                self.refunds.append((e.amount.amount, e.refunded_on))
                self.days.append(e.refunded_on)
            elif what == "PaymentBounced":
                for key, (amount, made, back) in self.allocations.items():
                    if back is None:
                        self.allocations[key] = (amount, made, e.bounced_on)
                self.bounced_on = e.bounced_on
                self.days.append(e.bounced_on)

    def held_on(self, day: date) -> Decimal:
        if day < self.received_on:
            return Decimal(0)
        refunded = sum((x for x, on in self.refunds if on <= day), Decimal(0))
        if self.bounced_on is not None and self.bounced_on <= day:
            return -refunded
        allocated = sum(
            (
                x
                for x, made, back in self.allocations.values()
                if made <= day and (back is None or back > day)
            ),
            Decimal(0),
        )
        return self.amount - allocated - refunded

    def lowest_since(self, day: date) -> Decimal:
        """The least the payment held at the end of ``day`` and of every day since."""
        last = max(day, *self.days)
        return min(self.held_on(day + timedelta(n)) for n in range((last - day).days + 1))

    def refundable(self, day: date) -> Decimal:
        if self.bounced_on is not None or day < self.received_on:
            return Decimal(0)
        return max(self.lowest_since(day), Decimal(0))

    def available_on(self, day: date) -> Decimal:
        now = self.held_on(date.max)
        if self.bounced_on is not None or day < self.received_on:
            return now
        return min(now, self.refundable(day))


CREDIT_STEP = st.tuples(
    st.sampled_from(["allocate", "reverse", "reverse undated", "refund", "bounce"]),
    st.integers(1, 5_000),  # cents
    st.integers(0, 20),  # the business day: days after DAY (the money arrives on the 3rd)
)


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(CREDIT_STEP, max_size=25))
def test_the_kept_credit_by_day_gives_what_replaying_the_history_gives(
    steps: list[tuple[str, int, int]],
) -> None:
    """For any sequence of allocations, deallocations, refunds and bounces with arbitrary
    days, the fast available-on figure equals the one computed by replaying the history: on
    every day, what an allocation dated then may take (``available_on``), what may be refunded
    then (``refundable``) and the credit held at its end (``unallocated_on``) are what the
    payment's events give read day by day; and so they are for the payment read from a
    snapshot taken before it kept its credit by day, which works out the same days again."""
    received_on = DAY + timedelta(days=3)
    payment = Payment(
        customer_id=uuid4(),
        amount=Money.of("100.00", "EUR"),
        received_on=received_on,
        reference="r",
        actor="a",
    )
    for n, (what, cents, days) in enumerate(steps):
        day, amount = DAY + timedelta(days=days), Money(Decimal(cents) / 100, "EUR")
        live = payment.live_allocations()
        try:
            if what == "allocate":
                payment.allocate(f"a{n}", uuid4(), amount, day, "a")
            elif what.startswith("reverse") and live:
                undated = what == "reverse undated"  # as recorded before reversals had a day
                chosen = live[cents % len(live)].allocation_id
                payment.reverse_allocation(chosen, "r", "a", None if undated else day)
            elif what == "refund":
                payment.refund(f"r{n}", amount, day, "out", "a")
            elif what == "bounce":
                payment.bounce(day, "returned", "a")
        except Q2CError as refused:  # (over-allocation, days out of order, bounced)
            assert refused.field, refused
    history = Replayed(payment.collect_events())
    asked = [DAY + timedelta(days=n) for n in range(-1, 24)]

    def figures(p: Payment) -> list[tuple[Money, Money, Money]]:
        return [(p.available_on(d), p.refundable(d), p.unallocated_on(d)) for d in asked]

    expected = [
        tuple(
            Money(x, "EUR")
            for x in (history.available_on(d), history.refundable(d), history.held_on(d))
        )
        for d in asked
    ]
    assert figures(payment) == expected
    kept = (list(payment.credit_days or ()), list(payment.credit_changes or ()))
    payment.credit_days = payment.credit_changes = None  # as read from an older snapshot
    assert figures(payment) == expected
    if payment.credit_days is not None:  # worked out again (not when it bounced on arrival)
        assert (payment.credit_days, payment.credit_changes) == kept


def test_a_bounce_is_the_latest_day_its_payment_moved() -> None:
    """A bounce reverses the live allocations on its day: the payment's latest day is then the
    bounce's, as a payment read from an older snapshot works it out from the reversals."""
    app = QuoteToCash.open("memory:")
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    paid = app.receive_payment(
        cust, Money.of(100, "EUR"), received_on=date(2024, 5, 1), reference="r", actor="a"
    )
    payment = app.payment(paid)
    payment.allocate("a1", uuid4(), Money.of(60, "EUR"), date(2024, 5, 9), "a")
    payment.bounce(date(2024, 5, 16), "returned", "bank")
    kept = payment.latest_on
    payment.latest_on = None  # (as read from a snapshot taken before it was kept)
    assert kept == payment._latest_day() == date(2024, 5, 16)
