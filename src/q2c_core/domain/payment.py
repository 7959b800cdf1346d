"""Payments: received once, allocated across many invoices, the rest kept as customer credit,
which can be paid back to the customer (refunded).

Allocations are never deleted: an allocation is undone by a reversing event, and a bounced
payment reverses all its live allocations, which re-opens the invoices. A refund is never undone:
the money left the bank. A payment that bounces after part of it was refunded leaves the customer
owing what was refunded (the bank took back the whole payment, part of which had already been
paid out): its ``unallocated`` is then minus the refunds, a debt that nets against the
customer's other credit.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from itertools import accumulate, islice
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.cards import refuse_card_numbers
from q2c_core.domain.errors import (
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    OverAllocation,
    RuleViolated,
    refuse_unlike_done,
)
from q2c_core.domain.event_facts import (
    ChecksFacts,
    NotBefore,
    refuse_unreadable_reason,
    require_kind,
)
from q2c_core.domain.money import Money
from q2c_core.domain.values import TimeOrderedIds, person_key, require_day

T = TypeVar("T")


@attrs.frozen
class PaymentAllocation:
    """Part of the payment applied to one invoice; reversed, never deleted."""

    allocation_id: str
    invoice_id: UUID
    amount: Money
    allocated_on: date
    reversed_reason: str | None = None
    # the business day of the reversal (None while live, and for reversals recorded before
    # q2c kept it: their day is when they were recorded)
    reversed_on: date | None = None

    @property
    def is_live(self) -> bool:
        """Not reversed."""
        return self.reversed_reason is None


@attrs.frozen
class PaymentRefund:
    """Part of a payment's unallocated money paid back to the customer; never undone."""

    refund_id: str
    amount: Money
    refunded_on: date
    reference: str = ""


def in_minor_units(amount: T) -> T:
    """Money of whole minor units written at its currency's minor unit, the same value
    (``1500.00`` JPY is ``1500``, ``100.000`` EUR is ``100.00``, ``1.5`` KWD is ``1.500``), so
    every read of what is recorded shows it so; anything else as given, for the rules to
    refuse."""
    if isinstance(amount, Money) and amount.is_rounded():
        return amount.rounded()  # type: ignore[return-value]
    return amount


def reversal_day(event: Any) -> date:
    """The business day of an ``AllocationReversed`` event; one recorded before reversals
    carried it (no ``reversed_on``) is dated by when it was recorded, as q2c always dated it."""
    day: date | None = getattr(event, "reversed_on", None)
    return day if day is not None else event.timestamp.date()


class Payment(ChecksFacts, TimeOrderedIds, Aggregate):
    """Money received from a customer."""

    # the sum of the live allocations, kept as they change: one payment spread over a
    # thousand invoices summed its allocations again at each of them (quadratic to replay);
    # None in a snapshot taken before it was kept (summed once when first asked)
    allocated_amount: Decimal | None = None
    # the refunds, and their sum kept as they are made; a snapshot taken before payments were
    # refunded has neither (no refunds; the sum is added up once when first asked)
    refunds: Sequence[PaymentRefund] = ()
    refunded_amount: Decimal | None = None
    # the latest business day an allocation, a reversal or a refund of this payment is dated
    # (None in an older snapshot: worked out once when first asked): an allocation dated
    # before it is checked against every day since
    latest_on: date | None = None
    # the payment's credit by business day, kept as it changes: the days an allocation, its
    # reversal, a refund or the bounce changed it, ascending (a day whose changes cancel out is
    # left out), and the net change on each. An allocation dated back reads the days since its
    # own from the end, not the whole history again (4,000 such allocations were quadratic).
    # None in a snapshot taken before they were kept (worked out once when first asked)
    credit_days: list[date] | None = None
    credit_changes: list[Decimal] | None = None
    # where each allocation is in ``allocations``, by its id: finding one scanned them all, so
    # a payment spread over thousands of invoices was quadratic to allocate and to replay.
    # None in a snapshot taken before it was kept (worked out once when first asked)
    allocation_index: dict[str, int] | None = None

    DAY_ORDER: ClassVar[Mapping[str, tuple[NotBefore, ...]]] = {
        "PaymentAllocated": (NotBefore("allocated_on", "received_on", "the money arrived"),),
        "PaymentBounced": (NotBefore("bounced_on", "received_on", "the money arrived"),),
        "CreditRefunded": (NotBefore("refunded_on", "received_on", "the money arrived"),),
    }

    @classmethod
    def _create(cls, event_class: type, **kwargs: Any) -> Any:
        """Refuse a new payment whose reference or note holds a card number: checked when the
        payment is received, not in ``__init__``, which runs again whenever a stored payment is
        read back, so one received before the rules grew stricter (a bank credit's remittance
        with a card's digits parted by dots, once not taken for one) still loads."""
        for field in ("reference", "note"):
            text = kwargs.get(field)
            if isinstance(text, str):
                refuse_card_numbers(field, text)
        if "amount" in kwargs:
            kwargs["amount"] = in_minor_units(kwargs["amount"])
        return super()._create(event_class, **kwargs)

    @event("PaymentReceived")
    def __init__(
        self,
        customer_id: UUID,
        amount: Money,
        received_on: date,
        reference: str,
        actor: str,
        note: str = "",
    ) -> None:
        if not amount.is_positive():
            raise InvalidValue("must be more than zero", field="amount", value=amount)
        if not amount.is_rounded():
            raise InvalidValue("must be whole minor units", field="amount", value=amount)
        self.customer_id = customer_id
        self.amount = amount
        self.received_on = received_on
        self.reference = reference
        self.note = note
        self.allocations: list[PaymentAllocation] = []
        self.allocated_amount = Decimal(0)
        self.refunds: Sequence[PaymentRefund] = []
        self.refunded_amount = Decimal(0)
        self.latest_on = received_on
        self.credit_days = []
        self.credit_changes = []
        self.allocation_index = {}
        self.bounced_on: date | None = None
        self.bounce_reason: str | None = None

    @property
    def is_bounced(self) -> bool:
        """The bank returned the payment."""
        return self.bounced_on is not None

    def live_allocations(self) -> list[PaymentAllocation]:
        """Allocations not reversed."""
        return [a for a in self.allocations if a.is_live]

    @property
    def allocated(self) -> Money:
        """Sum of live allocations."""
        return Money(self._allocated_sum(), self.amount.currency)

    def _allocated_sum(self) -> Decimal:
        if self.allocated_amount is None:
            self.allocated_amount = sum(
                (a.amount.amount for a in self.allocations if a.is_live), Decimal(0)
            )
        return self.allocated_amount

    @property
    def refunded(self) -> Money:
        """Sum of the refunds: money of this payment paid back to the customer."""
        return Money(self._refunded_sum(), self.amount.currency)

    def _refunded_sum(self) -> Decimal:
        if self.refunded_amount is None:
            self.refunded_amount = sum((r.amount.amount for r in self.refunds), Decimal(0))
        return self.refunded_amount

    @property
    def unallocated(self) -> Money:
        """Customer credit held from this payment: its amount less what is allocated and what
        was refunded. Once it bounced the bank has taken the whole amount back, so what was
        refunded of it is owed by the customer: minus the refunds (nothing without refunds)."""
        if self.is_bounced:
            return Money(-self._refunded_sum(), self.amount.currency)
        left = self.amount.amount - self._allocated_sum() - self._refunded_sum()
        return Money(left, self.amount.currency)

    @property
    def owed_back(self) -> Money:
        """What the customer owes of this payment: the refunds, once it bounced (the bank took
        back money part of which had already been paid out); otherwise nothing."""
        if self.is_bounced:
            return self.refunded
        return Money.zero(self.amount.currency)

    def refundable(self, on: date) -> Money:
        """What may be refunded on a day: money unallocated on that day and on every day since
        (an allocation reversed later held the money until its reversal, so refunding it on an
        earlier day would leave those days with less than nothing). Nothing once it bounced,
        or before the money arrived.
        An ``on`` that is no date is refused (``InvalidValue`` naming ``on``)."""
        require_day(on, "on")
        zero = Money.zero(self.amount.currency)
        if self.is_bounced or on < self.received_on:
            return zero
        days, changes = self._credit_by_day()
        since = len(days) - bisect_right(days, on)  # the changes after ``on``
        # the credit now, then at the end of each day with a change after ``on``, latest first,
        # down to the credit held on ``on`` itself (undoing each day's change in turn)
        now = self.amount.amount - self._allocated_sum() - self._refunded_sum()
        held = accumulate(islice(reversed(changes), since), operator.sub, initial=now)
        lowest = min(self.amount.amount, min(held))
        return Money(max(lowest, Decimal(0)), self.amount.currency)

    def _allocation_index(self) -> dict[str, int]:
        if self.allocation_index is None:
            self.allocation_index = {a.allocation_id: i for i, a in enumerate(self.allocations)}
        return self.allocation_index

    def allocation(self, allocation_id: str) -> PaymentAllocation:
        """One allocation by id: ``RuleViolated`` naming ``allocation_id`` for none of this
        payment's, ``InvalidValue`` for an id that is no text (a list, a dict: no id)."""
        if not isinstance(allocation_id, str):
            raise InvalidValue(
                f"must be an allocation's id (text), not {type(allocation_id).__name__}",
                field="allocation_id",
                aggregate_id=self.id,
                value=allocation_id,
            )
        index = self._allocation_index().get(allocation_id)
        if index is not None:
            return self.allocations[index]
        raise RuleViolated(
            f"no allocation {allocation_id}",
            field="allocation_id",
            aggregate_id=self.id,
            value=allocation_id,
        )

    def _latest_day(self) -> date:
        if self.latest_on is None:
            days = [self.received_on]
            days += [a.allocated_on for a in self.allocations]
            days += [a.reversed_on for a in self.allocations if a.reversed_on is not None]
            days += [r.refunded_on for r in self.refunds]
            self.latest_on = max(days)
        return self.latest_on

    def _moved(self, day: date | None) -> None:
        if day is not None:
            self.latest_on = max(self._latest_day(), day)

    def _credit_by_day(self) -> tuple[list[date], list[Decimal]]:
        """``credit_days`` and ``credit_changes``, worked out from the allocations and refunds
        for a payment read from a snapshot taken before they were kept."""
        if self.credit_days is None or self.credit_changes is None:
            changes: dict[date, Decimal] = {}
            for a in self.allocations:
                if a.is_live or a.reversed_on is not None:  # (an undated old reversal: never)
                    changes[a.allocated_on] = (
                        changes.get(a.allocated_on, Decimal(0)) - a.amount.amount
                    )
                if not a.is_live and a.reversed_on is not None:
                    changes[a.reversed_on] = (
                        changes.get(a.reversed_on, Decimal(0)) + a.amount.amount
                    )
            for r in self.refunds:
                changes[r.refunded_on] = changes.get(r.refunded_on, Decimal(0)) - r.amount.amount
            self.credit_days = sorted(day for day, change in changes.items() if change)
            self.credit_changes = [changes[day] for day in self.credit_days]
        return self.credit_days, self.credit_changes

    def _credit_changed(self, day: date, change: Decimal) -> None:
        """Keep ``credit_days`` and ``credit_changes``: the credit changed by ``change`` on
        ``day``."""
        days, changes = self._credit_by_day()
        i = bisect_left(days, day)
        if i < len(days) and days[i] == day:
            changes[i] += change
            if not changes[i]:
                del days[i], changes[i]
        elif change:
            days.insert(i, day)
            changes.insert(i, change)

    def unallocated_on(self, day: date) -> Money:
        """The customer credit this payment held at the end of a business day: received by
        then, less what was allocated and not yet given back, and what was refunded, by then
        (minus the refunds once it had bounced). An undated old reversal counts as long ago.
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        zero = Money.zero(self.amount.currency)
        if day < self.received_on:
            return zero
        if self.bounced_on is not None and self.bounced_on <= day:
            refunded = sum(
                (r.amount.amount for r in self.refunds if r.refunded_on <= day), Decimal(0)
            )
            return Money(-refunded, self.amount.currency)
        days, changes = self._credit_by_day()
        made = sum(islice(changes, bisect_right(days, day)), Decimal(0))
        return Money(self.amount.amount + made, self.amount.currency)

    def allocations_on(self, day: date) -> list[PaymentAllocation]:
        """The allocations in force at the end of a business day: made by then and not given
        back by then (an undated old reversal counts as long ago).
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        return [
            a
            for a in self.allocations
            if a.allocated_on <= day
            and (a.is_live or (a.reversed_on is not None and a.reversed_on > day))
        ]

    def refunds_owed_on(self, day: date) -> list[tuple[date, Money]]:
        """The refunds the customer owed back of this payment at the end of ``day`` (it had
        bounced by then: ``owed_back``), each with the day it is owed since: the bounce, or the
        refund when the bank dated the bounce earlier (the day the receivables aging ages it
        from).
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        if self.bounced_on is None or self.bounced_on > day:
            return []
        return [
            (max(self.bounced_on, r.refunded_on), r.amount)
            for r in self.refunds
            if r.refunded_on <= day
        ]

    def allocate(
        self, allocation_id: str, invoice_id: UUID, amount: Money, allocated_on: date, actor: str
    ) -> None:
        """Apply part of the payment to one invoice; never more than is unallocated, and, for
        an allocation dated before the payment's latest change, never more than was
        unallocated on its day and every day since (money allocated or refunded later, or
        given back only later, was not there to allocate). The amount is recorded at its
        currency's minor unit (``in_minor_units``)."""
        amount = in_minor_units(amount)
        if (
            not self.is_bounced
            and isinstance(amount, Money)
            and amount.currency == self.amount.currency
            and isinstance(allocated_on, date)
            and self.received_on <= allocated_on < self._latest_day()
        ):
            self._check_there_since(amount, allocated_on)
        self._allocated(allocation_id, invoice_id, amount, allocated_on, actor)

    @event("PaymentAllocated")
    def _allocated(
        self, allocation_id: str, invoice_id: UUID, amount: Money, allocated_on: date, actor: str
    ) -> None:
        """The ``PaymentAllocated`` event (``allocate``)."""
        self._check_paid_out(amount, "allocation")
        index = self._allocation_index()
        if allocation_id in index:
            raise DuplicateEntry(
                f"allocation {allocation_id} exists", field="allocation_id", aggregate_id=self.id
            )
        self._credit_changed(allocated_on, -amount.amount)
        self.allocated_amount = self._allocated_sum() + amount.amount
        index[allocation_id] = len(self.allocations)
        self.allocations.append(PaymentAllocation(allocation_id, invoice_id, amount, allocated_on))
        self._moved(allocated_on)

    def reverse_allocation(
        self, allocation_id: str, reason: str, actor: str, reversed_on: date | None = None
    ) -> None:
        """Undo one allocation on a business day; the money becomes customer credit again.
        It says why in visible text (``refuse_unreadable_reason``: not only spaces or
        invisible characters, ``InvalidValue`` naming ``reason``), a rule of the command: a
        reversal recorded before it replays as recorded.

        ``reversed_on`` is None only in reversals recorded before q2c kept the day.

        An allocation reversed already (by hand, by a bounce, given back by a credit note) is
        not reversed again: for another reason or on another day it is refused
        (``InvalidTransition`` naming ``reason`` or ``reversed_on``, whichever differs); the
        same reversal sent again (``repeats_reversal``: a retry) is ``InvalidTransition`` naming
        ``allocation_id`` here, and records nothing at ``QuoteToCash.reverse_allocation``."""
        if isinstance(reason, str):
            refuse_unreadable_reason(reason, "reason", self.id)
        current = self.allocation(allocation_id)
        if not current.is_live:
            done = (
                f"allocation {allocation_id} is already reversed "
                f"(on {current.reversed_on}: {current.reversed_reason!r})"
            )
            refuse_unlike_done(
                done,
                self.id,
                ("reason", current.reversed_reason, reason, f", not for {reason!r}"),
                ("reversed_on", current.reversed_on, reversed_on, f", not on {reversed_on}"),
            )
        self._allocation_reversed(allocation_id, reason, actor, reversed_on)

    def repeats_reversal(
        self, allocation_id: object, reason: object, reversed_on: object = None
    ) -> bool:
        """Whether a reversal with these details is the reversal of this payment's allocation
        sent again (a retry after a lost response): it was reversed for that very reason, on
        that very day (any day when none is given: the command's day was today then)."""
        if not isinstance(allocation_id, str):
            return False
        index = self._allocation_index().get(allocation_id)
        if index is None:
            return False
        current = self.allocations[index]
        return (
            not current.is_live
            and reason == current.reversed_reason
            and (
                reversed_on is None
                or (type(reversed_on) is date and reversed_on == current.reversed_on)
            )
        )

    @event("AllocationReversed")
    def _allocation_reversed(
        self, allocation_id: str, reason: str, actor: str, reversed_on: date | None = None
    ) -> None:
        """The ``AllocationReversed`` event (``reverse_allocation``; the rules of the event as
        recorded ever since here)."""
        current = self.allocation(allocation_id)
        if not current.is_live:
            raise InvalidTransition(
                f"allocation {allocation_id} is already reversed",
                field="allocation_id",
                aggregate_id=self.id,
            )
        if not reason.strip():
            raise InvalidValue("must say why", field="reason", aggregate_id=self.id)
        if reversed_on is not None and reversed_on < current.allocated_on:
            raise InvalidValue(
                f"must not be before the allocation ({current.allocated_on})",
                field="reversed_on",
                aggregate_id=self.id,
                value=reversed_on,
            )
        # given back on its day; an undated old reversal was never in force (long ago)
        back_on = current.allocated_on if reversed_on is None else reversed_on
        self._credit_changed(back_on, current.amount.amount)
        self.allocated_amount = self._allocated_sum() - current.amount.amount
        self._moved(reversed_on)
        self.allocations[self._allocation_index()[allocation_id]] = attrs.evolve(
            current, reversed_reason=reason, reversed_on=reversed_on
        )

    def refund(
        self, refund_id: str, amount: Money, refunded_on: date, reference: str, actor: str
    ) -> None:
        """Pay part of the unallocated money back to the customer on a business day: no more
        than was unallocated that day and every day since (``refundable``; ``OverAllocation``
        naming ``amount``), never on a bounced payment, not before the money arrived. The
        amount is recorded at its currency's minor unit (``in_minor_units``)."""
        amount = in_minor_units(amount)
        self._check_paid_out(amount, "refund")
        refuse_card_numbers("reference", reference, self.id)
        if require_day(refunded_on, "refunded_on") >= self.received_on:
            self._check_there_since(amount, refunded_on)
        self._credit_refunded(refund_id, amount, refunded_on, reference, actor)

    @event("CountedForRefund")
    def counted_for_refund(self, reference: str, refunded_on: date, actor: str) -> None:
        """A refund of the customer's credit under ``reference`` (made from other payments)
        relied on this payment as it stands: not bounced, its credit where the refund counted
        it. Changes nothing; saved with the refund, so a bounce or an allocation of this
        payment saved meanwhile clashes with the refund, which is decided again on the fresh
        payment (a bounce after part of it was refunded leaves the customer owing that part,
        which the refund's limit takes off: ``QuoteToCash.instruct_refund``)."""
        if self.is_bounced:
            raise InvalidTransition(
                "a bounced payment's standing is final", field="status", aggregate_id=self.id
            )

    def available_on(self, day: date) -> Money:
        """What an allocation dated ``day`` may take: what is unallocated, and, for a day
        before the payment's latest change, no more than was there on that day and every
        day since (``refundable``).
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        if self.is_bounced or day < self.received_on or day >= self._latest_day():
            return self.unallocated
        return min(self.unallocated, self.refundable(day))

    def _check_there_since(self, amount: Money, day: date) -> None:
        """Money taken on a past day was there on that day and every day since
        (``refundable``), or ``OverAllocation`` naming ``amount``."""
        available = self.refundable(day)
        if amount > available:
            raise OverAllocation(
                f"{amount} is more than the {available} unallocated on {day} and every day since",
                field="amount",
                aggregate_id=self.id,
                value=amount,
            )

    def _check_paid_out(self, amount: Money, what: str) -> None:
        """The rules money taken from this payment keeps, allocated or refunded (``what``):
        not from a bounced payment, in its currency, more than zero in whole minor units, and
        no more than is unallocated."""
        done = {"allocation": "allocated", "refund": "refunded"}[what]
        if self.is_bounced:
            raise InvalidTransition(
                f"a bounced payment cannot be {done}", field="status", aggregate_id=self.id
            )
        if not isinstance(amount, Money):
            raise InvalidValue(
                f"must be Money, not {type(amount).__name__}",
                field="amount",
                aggregate_id=self.id,
                value=amount,
            )
        if amount.currency != self.amount.currency:
            raise CurrencyMismatch(
                f"{what} in {amount.currency}, payment in {self.amount.currency}",
                field="amount",
                aggregate_id=self.id,
            )
        if not amount.is_positive() or not amount.is_rounded():
            raise InvalidValue(
                "must be more than zero, in whole minor units",
                field="amount",
                aggregate_id=self.id,
                value=amount,
            )
        if amount > self.unallocated:
            raise OverAllocation(
                f"{amount} is more than the {self.unallocated} unallocated",
                field="amount",
                aggregate_id=self.id,
                value=amount,
            )

    @event("CreditRefunded")
    def _credit_refunded(
        self, refund_id: str, amount: Money, refunded_on: date, reference: str, actor: str
    ) -> None:
        """The ``CreditRefunded`` event (``refund``): part of the customer credit this payment
        holds was paid back to the customer (``refund`` holds the rules: the body replays)."""
        if any(r.refund_id == refund_id for r in self.refunds):
            raise DuplicateEntry(
                f"refund {refund_id} exists", field="refund_id", aggregate_id=self.id
            )
        self._credit_changed(refunded_on, -amount.amount)
        self.refunded_amount = self._refunded_sum() + amount.amount
        # (a list from the start; the class's empty tuple in a snapshot without refunds)
        refunds = self.refunds if isinstance(self.refunds, list) else list(self.refunds)
        refunds.append(PaymentRefund(refund_id, amount, refunded_on, reference))
        self.refunds = refunds
        self._moved(refunded_on)

    def bounce(self, bounced_on: date, reason: str, actor: str) -> None:
        """The bank returned the money: every live allocation is reversed on ``bounced_on``,
        which therefore is not before any of them (a return learnt of after the money was
        allocated later: reverse that allocation on its own day first, then record the bounce
        on the bank's day).
        Nor is it before the day an allocation already reversed (by hand, or given back by a
        credit note) was taken back off, unless that was the day it was made: the books would
        have that money paying the invoice on days the bank had it back (``RuleViolated``
        naming ``bounced_on``; bounce it on or after the reversal's day). It says why
        (``InvalidValue`` naming ``reason``).

        Refunds stand (the money left the bank): what was refunded of a payment that bounces
        is owed by the customer (``owed_back``), shown as negative credit, also when the bank
        dates the bounce before the refund (owed from the refund's day: ``refunds_owed_on``).
        A payment that bounced already is not bounced again: on another day or for another
        reason it is refused (``InvalidTransition`` naming ``bounced_on`` or ``reason``,
        whichever differs); the same bounce sent again (``repeats_bounce``: a retry) is
        ``InvalidTransition`` naming ``status`` here, and records nothing at
        ``QuoteToCash.bounce_payment``.
        These rules are the command's: bounces recorded before them replay as recorded."""
        if not isinstance(reason, str):
            raise InvalidValue("must say why", field="reason", aggregate_id=self.id, value=reason)
        refuse_unreadable_reason(reason, "reason", self.id)
        require_day(bounced_on, "bounced_on")
        if self.is_bounced:
            self._refuse_bounced_again(bounced_on, reason)
        for a in self.live_allocations():
            if bounced_on < a.allocated_on:
                raise RuleViolated(
                    f"must not be before allocation {a.allocation_id} ({a.allocated_on}), "
                    "which it reverses",
                    field="bounced_on",
                    aggregate_id=self.id,
                    value=bounced_on,
                )
        # an allocation reversed later paid its invoice at the end of each day from its own
        # day until its reversal's (one reversed the day it was made: on none; an undated old
        # reversal counts as long ago): none of those days may come after the bounce
        later = [
            a
            for a in self.allocations
            if not a.is_live
            and a.reversed_on is not None
            and max(bounced_on, a.allocated_on) < a.reversed_on
        ]
        if later:
            last = max(later, key=lambda a: a.reversed_on or a.allocated_on)
            raise RuleViolated(
                f"must not be before {last.reversed_on}: allocation {last.allocation_id} "
                f"({last.amount} from {last.allocated_on}) paid invoice {last.invoice_id} until "
                f"it was taken back off then, so the money would pay it on days the bank had "
                f"it back (bounce it on or after {last.reversed_on})",
                field="bounced_on",
                aggregate_id=self.id,
                value=bounced_on,
            )
        self._bounced(bounced_on, reason, actor)

    def repeats_bounce(self, bounced_on: object, reason: object) -> bool:
        """Whether a bounce with these details is this payment's own bounce sent again (a
        retry after a lost response): it bounced on that very day for that very reason."""
        return (
            self.is_bounced
            and type(bounced_on) is date
            and bounced_on == self.bounced_on
            and reason == self.bounce_reason
        )

    def _refuse_bounced_again(self, bounced_on: date, reason: str) -> None:
        """Refuse a bounce of this bounced payment, naming the detail that differs from its
        bounce (``status`` when none does: the same bounce again)."""
        done = f"already bounced on {self.bounced_on} ({self.bounce_reason!r})"
        refuse_unlike_done(
            done,
            self.id,
            ("bounced_on", self.bounced_on, bounced_on, f", not on {bounced_on}"),
            ("reason", self.bounce_reason, reason, f", not for {reason!r}"),
        )
        raise InvalidTransition(done, field="status", aggregate_id=self.id)

    @event("PaymentBounced")
    def _bounced(self, bounced_on: date, reason: str, actor: str) -> None:
        """The ``PaymentBounced`` event (``bounce``)."""
        if self.is_bounced:
            raise InvalidTransition("already bounced", field="status", aggregate_id=self.id)
        if any(a.is_live for a in self.allocations):
            # (the bounce reverses them on its day, as a payment read from an older snapshot
            # works out its latest day from the allocations' reversal days)
            self._moved(bounced_on)
        self._credit_changed(bounced_on, self._allocated_sum())
        self.allocations = [
            attrs.evolve(a, reversed_reason=f"bounced: {reason}", reversed_on=bounced_on)
            if a.is_live
            else a
            for a in self.allocations
        ]
        self.allocated_amount = Decimal(0)
        self.bounced_on = bounced_on
        self.bounce_reason = reason


def receipt_key(key: str) -> str:
    """A caller's receipt key as a person reads it (``person_key``, as an allocation's or a
    refund's reference is read): invisible characters dropped, full-width forms plain, spaces
    collapsed, capitals ignored. Empty for a key of nothing to see: it names no receipt."""
    return person_key(key)


def owed_back_left(owed: Sequence[Money], credit: Money) -> list[Money]:
    """What is still owed of each refund a customer owes back (refunded from a payment that
    bounced afterwards: ``Payment.owed_back``), given oldest first, in one currency.

    ``credit`` is the customer's credit in that currency net of them (``customer_credit``:
    negative while they are not covered). The customer's other money received and not
    allocated nets against them, oldest first (q2c has no other way to settle them: money
    the customer sends back and nobody allocates covers them), so what is left is owed on the
    newest, and together it is the credit's shortfall: ``-credit`` when it is negative,
    nothing otherwise. A ``credit`` that is no ``Money``, or ``owed`` that is no collection of
    ``Money``, is refused (``InvalidValue`` naming it)."""
    require_kind(credit, Money, "credit", None, "Money")
    owed = _moneys(owed)
    currency = credit.currency
    short = max(-credit.amount, Decimal(0))
    left: list[Money] = []
    for amount in reversed(owed):
        if amount.currency != currency:
            raise CurrencyMismatch(
                f"owed in {amount.currency}, credit in {currency}", field="owed", value=amount
            )
        part = min(amount.amount, short)
        left.append(Money(part, currency))
        short -= part
    left.reverse()
    return left


def refunds_past_due(owed: Sequence[tuple[date, Money]], credit: Money, day: date) -> Money:
    """What of the refunds a customer owed back at the end of ``day`` in one currency (each
    with the day it is owed since: ``Payment.refunds_owed_on``) was past due that day: owed
    since before it, and not covered by the customer's credit of that day (``credit``, net of
    them). The credit covers the oldest first (``owed_back_left``), so a refund owed since the
    day itself takes the shortfall first; the past-due list chases the rest. ``owed`` that is
    no collection of (date, ``Money``) pairs, a ``credit`` that is no ``Money`` or a ``day``
    that is no date is refused (``InvalidValue`` naming it)."""
    require_day(day, "day")
    require_kind(credit, Money, "credit", None, "Money")
    ordered = sorted(_dated_moneys(owed), key=lambda debt: debt[0])
    left = owed_back_left([amount for _, amount in ordered], credit)
    return Money(
        sum(
            (part.amount for (since, _), part in zip(ordered, left, strict=True) if since < day),
            Decimal(0),
        ),
        credit.currency,
    )


def _listed(values: object, field: str, rule: str) -> list[Any]:
    """``values`` as a list, or ``InvalidValue`` naming ``field`` for no collection (None, a
    number, text, a mapping)."""
    if not isinstance(values, Iterable) or isinstance(values, str | bytes | Mapping):
        raise InvalidValue(rule, field=field, value=values)
    return list(values)


def _moneys(owed: object) -> list[Money]:
    """What is owed, as ``owed_back_left`` reckons it: ``Money`` each, or ``InvalidValue``
    naming ``owed``."""
    rule = "must be the refunds owed back (Money)"
    amounts = _listed(owed, "owed", rule)
    for amount in amounts:
        if not isinstance(amount, Money):
            raise InvalidValue(f"{rule}, not {amount!r}", field="owed", value=amount)
    return amounts


def _dated_moneys(owed: object) -> list[tuple[date, Money]]:
    """What is owed, as ``refunds_past_due`` reckons it: (date, ``Money``) pairs, or
    ``InvalidValue`` naming ``owed``."""
    rule = "must be the refunds owed back as (date owed since, Money) pairs"
    debts = _listed(owed, "owed", rule)
    for debt in debts:
        if (
            not isinstance(debt, tuple | list)
            or len(debt) != 2
            or type(debt[0]) is not date
            or not isinstance(debt[1], Money)
        ):
            raise InvalidValue(f"{rule}, not {debt!r}", field="owed", value=debt)
    return [(since, amount) for since, amount in debts]
