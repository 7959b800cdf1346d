"""Bank credits: each incoming transfer of a statement, what q2c made of it, and the suspense list.

A credit is keyed by the bank's own reference for it (or a hash of its details), so the same
credit in two overlapping statements is booked once. A credit q2c could match becomes a payment
allocated to the invoices it pays; one it could not match (unknown customer, no invoice named or
fitting the amount) waits in suspense until a person assigns it.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.cards import refuse_card_numbers
from q2c_core.domain.errors import (
    InvalidTransition,
    InvalidValue,
    RuleViolated,
    refuse_unlike_done,
)
from q2c_core.domain.event_facts import ChecksFacts, refuse_control_characters, require_reason
from q2c_core.domain.money import Money
from q2c_core.domain.values import named_id, require_day


class CreditStatus(enum.Enum):
    """Where a bank credit stands."""

    MATCHED = "matched"
    SUSPENDED = "suspended"
    RESOLVED = "resolved"
    RETURNED = "returned"


class SuspenseReason(enum.Enum):
    """Why a credit waits for a person."""

    UNKNOWN_CUSTOMER = "unknown_customer"
    NO_INVOICE = "no_invoice"
    AMBIGUOUS = "ambiguous"
    # a known customer's credit that may be a payment a person recorded by hand (the same
    # amount and currency, received within a week of the bank's day, no reference in common):
    # booked with no payment, for a person to say whether it is that one or other money
    MAYBE_RECORDED_BY_HAND = "maybe_recorded_by_hand"


def _ids(value: Any) -> tuple[UUID, ...]:
    return tuple(value)


@attrs.frozen
class StatementCredit:
    """One credit as the bank reported it."""

    booked_on: date
    amount: Money
    bank_reference: str
    remittance: str = ""
    debtor_name: str = ""
    debtor_account: str = ""
    account: str = ""

    def __attrs_post_init__(self) -> None:
        # only what every credit ever booked satisfies: this runs again whenever a stored
        # credit is read back (its text is checked when it is booked, ``refuse_card_numbers``)
        if not self.amount.is_positive() or not self.amount.is_rounded():
            raise InvalidValue(
                "must be more than zero, in whole minor units", field="amount", value=self.amount
            )

    def refuse_card_numbers(self) -> None:
        """Refuse (``CardNumberRefused`` naming the field) a new credit whose text holds a card
        number: the payer's remittance, the bank's reference, the payer's name or account.
        Checked when a credit is read from a statement and when it is booked, never when a
        stored one is read back, so a credit booked before the rules grew stricter (a card's
        digits parted by dots, once not taken for one) still loads."""
        refuse_card_numbers("remittance", self.remittance)
        refuse_card_numbers("bank_reference", self.bank_reference)
        refuse_card_numbers("debtor_name", self.debtor_name)
        refuse_card_numbers("debtor_account", self.debtor_account)

    def refuse_unreadable_text(self) -> None:
        """Refuse (``InvalidValue`` naming the field) a new credit whose text holds a control
        character no document can show, then one holding a card number
        (``refuse_card_numbers``): checked when it is booked, as there, so a credit an
        unknown payer sent is never booked with a remittance its payment, which takes it for
        its note, would refuse when a person assigns it."""
        for field in ("remittance", "bank_reference", "debtor_name", "debtor_account"):
            refuse_control_characters(field, getattr(self, field))
        self.refuse_card_numbers()


def _require_reason(reason: object, aggregate_id: UUID) -> None:
    """Why money left suspense or the bank took it back (``require_reason``)."""
    require_reason(reason, "reason", aggregate_id)


class BankCredit(ChecksFacts, Aggregate):
    """A credit from a bank statement, matched to a payment or waiting in suspense."""

    # the bank's day it took back a credit that was a payment, and the day the payment bounced
    # (``reversed_by_bank``); None in a snapshot taken before they were kept, as then for every
    # credit: before, a reversal recorded only the payment's bounce, on the bank's day
    reversed_on: date | None = None
    payment_bounced_on: date | None = None
    # whether the credit is a payment a person recorded by hand before the statement came
    # (``BankCreditMatchedToPayment``): False for every credit booked before credits were so
    # matched, each booked as a payment the import or a person's assignment made
    matched_to_payment_by_hand: bool = False
    # the payment recorded by hand a credit waiting as ``MAYBE_RECORDED_BY_HAND`` may be; None
    # for every other credit (and every one booked before such credits waited)
    maybe_payment_id: UUID | None = None
    # how the person's assignment (``SuspenseResolved``) was asked to allocate the money: True
    # to the customer's open invoices oldest due first, False to the invoices listed (or none,
    # kept as credit); None before an assignment, and for one recorded before q2c kept it
    resolved_oldest_due_first: bool | None = None

    @classmethod
    def _create(cls, event_class: type, **kwargs: Any) -> Any:
        """Refuse a new credit whose text holds a control character or a card number (its
        remittance, the bank's reference, the payer's name or account:
        ``StatementCredit.refuse_unreadable_text``):
        checked when the credit is booked, not in ``StatementCredit`` itself, which is built
        again whenever a stored credit is read back, so a credit booked before still loads."""
        credit = kwargs.get("credit")
        if isinstance(credit, StatementCredit):
            credit.refuse_unreadable_text()
        return super()._create(event_class, **kwargs)

    @staticmethod
    def create_id(credit_key: str, **_: Any) -> UUID:
        """One aggregate per credit, whatever statement it arrives in."""
        return named_id("bank-credit", credit_key)

    @event("BankCreditBooked")
    def __init__(
        self,
        credit_key: str,
        credit: StatementCredit,
        import_id: UUID,
        actor: str,
        customer_id: UUID | None = None,
        payment_id: UUID | None = None,
        invoice_ids: tuple[UUID, ...] = (),
        suspense_reason: SuspenseReason | None = None,
        maybe_payment_id: UUID | None = None,
    ) -> None:
        if not credit_key.strip():
            raise InvalidValue("must not be empty", field="credit_key")
        if payment_id is not None and customer_id is None:
            raise InvalidValue("a payment belongs to a customer", field="customer_id")
        maybe = suspense_reason is SuspenseReason.MAYBE_RECORDED_BY_HAND
        if maybe != (maybe_payment_id is not None and customer_id is not None) or (
            maybe and payment_id is not None
        ):
            raise InvalidValue(
                "a credit that may be a payment recorded by hand names that payment and its "
                "customer, and has none of its own",
                field="maybe_payment_id",
            )
        if suspense_reason is None and not invoice_ids and payment_id is None:
            raise InvalidValue(
                "a credit is matched to invoices or a payment, or waits in suspense",
                field="suspense_reason",
            )
        self.credit_key = credit_key
        self.credit = credit
        self.import_id = import_id
        self.customer_id = customer_id
        self.payment_id = payment_id
        self.invoice_ids: tuple[UUID, ...] = _ids(invoice_ids)
        self.suspense_reason = suspense_reason
        self.status = CreditStatus.SUSPENDED if suspense_reason else CreditStatus.MATCHED
        self.resolved_on: date | None = None
        self.resolved_by: str | None = None
        self.resolution_note = ""
        self.reversed_on = None
        self.payment_bounced_on = None
        self.matched_to_payment_by_hand = False
        self.maybe_payment_id = maybe_payment_id

    @property
    def is_suspended(self) -> bool:
        """Waiting for a person."""
        return self.status is CreditStatus.SUSPENDED

    @property
    def booked_as_payment(self) -> bool:
        """Whether the credit was booked as a customer's payment (matched, or a known
        customer's that fit no invoice, ``SuspenseReason.NO_INVOICE``): its money the
        customer's credit from the bank's day, never nobody's in ``Liabilities:Suspense``. One
        of an unknown payer or several customers (``UNKNOWN_CUSTOMER``, ``AMBIGUOUS``), or one
        that may be a payment recorded by hand (``MAYBE_RECORDED_BY_HAND``), was booked with
        no payment: nobody's until a person assigns, matches or returns it."""
        return self.suspense_reason is None or self.suspense_reason is SuspenseReason.NO_INVOICE

    def held_for_the_bank_on(self, day: date) -> bool:
        """Whether, at the end of ``day``, the bank still held the money of this credit whose
        payment a person bounced by hand before the bank took it back
        (``reversed_after_bounce``): from the bounce day until the day before the bank's, money
        in the bank the books credit to nobody."""
        bounced_on, reversed_on = self.payment_bounced_on, self.reversed_on
        return (
            bounced_on is not None and reversed_on is not None and bounced_on <= day < reversed_on
        )

    def taken_back_unsettled_on(self, day: date) -> bool:
        """Whether, at the end of ``day``, the bank had taken back the money of this credit
        booked as a customer's payment while its payment had not bounced yet (bounced by hand,
        or allocated by a person, on a later day than the bank's, before the statement saying
        so was imported, ``reversed_by_bank``): from the bank's day until the day before the
        bounce, money the bank no longer holds that the books still credit to the customer."""
        bounced_on, reversed_on = self.payment_bounced_on, self.reversed_on
        return (
            self.booked_as_payment
            and self.payment_id is not None
            and bounced_on is not None
            and reversed_on is not None
            and reversed_on <= day < bounced_on
        )

    def unidentified_on(self, day: date) -> bool:
        """Whether, at the end of ``day``, this credit booked with no payment (its payer
        unknown, or several customers named) was money in the bank credited to nobody: booked
        by then, not yet assigned, returned or taken back (``resolved_on``, and the bank's day
        of a reversal imported after a person dealt with it, ``reversed_on``, after ``day``)."""
        return (
            not self.booked_as_payment
            and self.credit.booked_on <= day
            and (self.resolved_on is None or self.resolved_on > day)
            and (self.reversed_on is None or self.reversed_on > day)
        )

    def suspense_amount(self, day: date) -> Money:
        """What this credit holds in ``Liabilities:Suspense`` at the end of ``day``, as the
        suspense list of that day (``bank_suspense(as_of=day)``) counts it, so the books'
        suspense is minus the list's total: the credit's amount while its money is in the bank
        credited to nobody (``unidentified_on``, ``held_for_the_bank_on``); minus it while the
        bank had taken back money the books still credit to the customer
        (``taken_back_unsettled_on``); zero otherwise. A day that is no date is refused
        (``InvalidValue`` naming ``day``)."""
        day = require_day(day, "day")
        amount = self.credit.amount
        if self.unidentified_on(day) or self.held_for_the_bank_on(day):
            return amount
        if self.taken_back_unsettled_on(day):
            return -amount
        return Money.zero(amount.currency)

    def _require_suspended(self, doing: str) -> None:
        if not self.is_suspended:
            raise InvalidTransition(
                f"cannot {doing} a credit that is {self.status.value}",
                field="status",
                aggregate_id=self.id,
                value=self.status,
            )

    def _check_after_booking(self, day: date, field: str) -> None:
        """The money leaves suspense no earlier than the bank booked it: before, it was not
        there to assign or send back (the books' suspense account would go below zero)."""
        if require_day(day, field) < self.credit.booked_on:
            raise RuleViolated(
                f"must not be before {self.credit.booked_on}, the day the bank booked the credit",
                field=field,
                aggregate_id=self.id,
                value=day,
            )

    def check_resolved_on(self, resolved_on: date) -> None:
        """Refuse (naming ``resolved_on``) a resolution day that is no day or is before the bank
        booked the credit: checked before the payment the resolution creates, received that
        day, is made."""
        self._check_after_booking(resolved_on, "resolved_on")

    def resolve(
        self,
        customer_id: UUID,
        payment_id: UUID,
        invoice_ids: tuple[UUID, ...],
        resolved_on: date,
        note: str,
        actor: str,
        oldest_due_first: bool | None = None,
    ) -> None:
        """A person assigned the credit to a customer (and invoices, or customer credit).

        ``oldest_due_first``: how the assignment was asked to allocate, True to the customer's
        open invoices oldest due first, False to invoices listed or none (kept as credit), as
        a retry must ask again (``resolved_oldest_due_first``). The rules are checked here,
        not in the event (``_resolved``), so a history recorded before a rule was tightened
        (a note a stricter card-number reading now refuses) still loads."""
        self._require_suspended("resolve")
        if self.customer_id is not None and customer_id != self.customer_id:
            raise InvalidValue(
                "the payment is already the customer's; reverse it there instead",
                field="customer_id",
                aggregate_id=self.id,
                value=customer_id,
            )
        if self.payment_id is not None and payment_id != self.payment_id:
            raise InvalidValue(
                "the credit already has its payment", field="payment_id", aggregate_id=self.id
            )
        self._check_after_booking(resolved_on, "resolved_on")
        self._check_note(note)
        self._resolved(
            customer_id, payment_id, invoice_ids, resolved_on, note, actor, oldest_due_first
        )

    @event("SuspenseResolved")
    def _resolved(
        self,
        customer_id: UUID,
        payment_id: UUID,
        invoice_ids: tuple[UUID, ...],
        resolved_on: date,
        note: str,
        actor: str,
        oldest_due_first: bool | None = None,
    ) -> None:
        """The ``SuspenseResolved`` event (``resolve``, which holds the rules);
        ``oldest_due_first`` None in events recorded before q2c kept how an assignment was
        asked to allocate (the event class's default, so they still decode)."""
        self.customer_id = customer_id
        self.payment_id = payment_id
        self.invoice_ids = (*self.invoice_ids, *_ids(invoice_ids))
        self.status = CreditStatus.RESOLVED
        self.resolved_on = resolved_on
        self.resolved_by = actor
        self.resolution_note = note
        self.resolved_oldest_due_first = oldest_due_first

    def _check_note(self, note: object) -> None:
        """A person's note on the credit: text, with no card number (naming ``note``)."""
        if not isinstance(note, str):
            raise InvalidValue(
                f"must be text, not {type(note).__name__}",
                field="note",
                aggregate_id=self.id,
                value=note,
            )
        refuse_card_numbers("note", note)

    def match_to_payment(
        self,
        customer_id: UUID,
        payment_id: UUID,
        invoice_ids: tuple[UUID, ...],
        matched_on: date,
        note: str,
        actor: str,
    ) -> None:
        """The credit is the customer's payment a person recorded by hand before the statement
        came (``BankCreditMatchedToPayment``): the money was counted when it was received, so
        no payment is made of the credit. ``invoice_ids``: the invoices that payment pays.

        A credit the import booked as that payment (its bank reference the payment's) keeps its
        status, matched; one waiting in suspense leaves it, resolved on ``matched_on``. Refused
        (nothing recorded): a credit matched by hand already, or booked with another payment
        (``InvalidTransition`` naming ``payment_id``); one returned or taken back
        (``InvalidTransition`` naming ``status``); one of another customer (``InvalidValue``
        naming ``customer_id``); a day before the bank booked the credit (``RuleViolated``
        naming ``resolved_on``); a note with a card number (naming ``note``)."""
        if self.matched_to_payment_by_hand or (
            self.payment_id is not None and self.payment_id != payment_id
        ):
            raise InvalidTransition(
                f"the credit is payment {self.payment_id} already",
                field="payment_id",
                aggregate_id=self.id,
                value=payment_id,
            )
        if self.is_suspended:
            self._check_after_booking(matched_on, "resolved_on")
        elif self.payment_id is None or self.reversed_on is not None:
            raise InvalidTransition(
                f"cannot match a credit that is {self.status.value} to a payment",
                field="status",
                aggregate_id=self.id,
                value=self.status,
            )
        if self.customer_id is not None and customer_id != self.customer_id:
            raise InvalidValue(
                "the credit is another customer's",
                field="customer_id",
                aggregate_id=self.id,
                value=customer_id,
            )
        self._check_note(note)
        self._matched_to_payment(customer_id, payment_id, invoice_ids, matched_on, note, actor)

    @event("BankCreditMatchedToPayment")
    def _matched_to_payment(
        self,
        customer_id: UUID,
        payment_id: UUID,
        invoice_ids: tuple[UUID, ...],
        matched_on: date,
        note: str,
        actor: str,
    ) -> None:
        """The ``BankCreditMatchedToPayment`` event (``match_to_payment``, which holds the
        rules)."""
        self.customer_id = customer_id
        self.payment_id = payment_id
        self.invoice_ids = (
            *self.invoice_ids,
            *(i for i in invoice_ids if i not in self.invoice_ids),
        )
        self.matched_to_payment_by_hand = True
        if self.is_suspended:
            self.status = CreditStatus.RESOLVED
            self.resolved_on = matched_on
            self.resolved_by = actor
            self.resolution_note = note

    def return_to_sender(self, returned_on: date, reason: str, actor: str) -> None:
        """The money was sent back (not ours, or unidentifiable): it leaves the suspense list.

        The rules are checked here, not in the event (``_returned``), as ``resolve``'s. A
        credit sent back already is not sent back again: on another day or for another reason
        it is refused (``InvalidTransition`` naming ``returned_on`` or ``reason``, whichever
        differs); the same return sent again (``repeats_return``: a retry) is refused naming
        ``status`` here, and records nothing at ``QuoteToCash.return_bank_credit``."""
        if self._returned_to_sender():
            done = f"the credit was sent back already, on {self.resolved_on}"
            note = self.resolution_note
            refuse_unlike_done(
                done,
                self.id,
                (
                    "returned_on",
                    self.resolved_on,
                    require_day(returned_on, "returned_on"),
                    f" ({note!r}), not on {returned_on}",
                ),
                ("reason", note, reason, f" for {note!r}, not for {reason!r}"),
            )
        self._require_suspended("return")
        if self.payment_id is not None:
            raise InvalidTransition(
                "the credit is already a payment; bounce the payment instead",
                field="payment_id",
                aggregate_id=self.id,
            )
        _require_reason(reason, self.id)
        self._check_after_booking(returned_on, "returned_on")
        refuse_card_numbers("reason", reason)
        self._returned(returned_on, reason, actor)

    def _returned_to_sender(self) -> bool:
        """Whether a person sent the credit's money back (``return_to_sender``), not the bank
        taking it back."""
        return (
            self.status is CreditStatus.RETURNED
            and self.payment_id is None
            and self.reversed_on is None
        )

    def repeats_return(self, returned_on: object, reason: object) -> bool:
        """Whether a return with these details is this credit's return to its sender sent
        again (a retry after a lost response): sent back on that very day for that very
        reason."""
        return (
            self._returned_to_sender()
            and type(returned_on) is date
            and returned_on == self.resolved_on
            and reason == self.resolution_note
        )

    def taken_back(self, returned_on: date, reason: str, actor: str) -> None:
        """The bank took back the money of a suspended credit that has its payment, which
        bounced the same day: ``reversed_by_bank(returned_on, returned_on, ...)``, one reading
        of that fact whether the credit was in suspense or not (a history recorded before
        keeps the ``CreditReturned`` this recorded then, its bounce on the bank's day)."""
        self._require_suspended("take back")
        self.reversed_by_bank(returned_on, returned_on, reason, actor)

    def _require_not_taken_back(self, reversed_on: date) -> None:
        """A credit the bank took back already is not taken back again (``InvalidTransition``
        naming ``reversed_on``, the day asked for)."""
        if self.reversed_on is not None:
            raise InvalidTransition(
                f"the bank took the credit back already, on {self.reversed_on}",
                field="reversed_on",
                aggregate_id=self.id,
                value=reversed_on,
            )

    def _require_payment_to_reverse(self, reversed_on: date) -> None:
        """A credit the bank takes back as a payment has one, was not returned, and was not
        taken back already (``reversed_by_bank``, ``reversed_after_bounce``)."""
        if self.status is CreditStatus.RETURNED or self.payment_id is None:
            raise InvalidTransition(
                f"cannot reverse a credit that is {self.status.value} as a payment; return "
                "it instead",
                field="status",
                aggregate_id=self.id,
                value=self.status,
            )
        self._require_not_taken_back(reversed_on)

    def reversed_by_bank(
        self, reversed_on: date, payment_bounced_on: date, reason: str, actor: str
    ) -> None:
        """The bank took back the money of a credit that is a customer's payment (matched,
        assigned by a person, or still in suspense with its payment: a known customer's credit
        that fit no invoice): ``reversed_on`` is the bank's day, which the credit keeps
        (``CreditReversedByBank``); ``payment_bounced_on`` the day its payment bounced, the
        first the books allow: not before the bank's day, nor before the payment was received
        or allocated. A reversal imported after a person assigned the credit, or allocated its
        payment, on a later day than the bank's, so bounces the payment on that day, and the
        days before keep their answers: the invoice was paid on them as it was then recorded.
        Both days are on the one event, so the books read the money out of the bank on the
        bank's day whatever the credit's status was. A credit in suspense leaves it (returned:
        nothing is left to assign).

        The rules are checked here, not in the event (``_reversed_by_bank``), as ``resolve``'s:
        a credit with no payment is returned instead, and one returned is refused
        (``InvalidTransition`` naming ``status``); one the bank took back already is refused
        (``InvalidTransition`` naming ``reversed_on``); a day before the bank booked the credit
        (naming ``reversed_on``) or a bounce before the bank's day (naming
        ``payment_bounced_on``) is refused (``RuleViolated``: a payment a person bounced by
        hand before the bank's day is taken back by ``reversed_after_bounce``)."""
        self._require_payment_to_reverse(reversed_on)
        self._check_after_booking(reversed_on, "reversed_on")
        if require_day(payment_bounced_on, "payment_bounced_on") < reversed_on:
            raise RuleViolated(
                f"must not be before {reversed_on}, the day the bank took the money back",
                field="payment_bounced_on",
                aggregate_id=self.id,
                value=payment_bounced_on,
            )
        _require_reason(reason, self.id)
        refuse_card_numbers("reason", reason)
        self._reversed_by_bank(reversed_on, payment_bounced_on, reason, actor)

    def reversed_after_return(self, reversed_on: date, reason: str, actor: str) -> None:
        """The bank took back the money of a credit with no payment that a person marked
        returned to its sender on a later day (the statement saying so imported after): the
        credit stays returned and keeps the bank's day (``CreditReversedByBank``, its
        ``payment_bounced_on`` the day the return took the money out of the books, as for a
        payment bounced after the bank's day), so the books read the money out of the bank on
        the bank's day. Refused (``InvalidTransition`` naming ``status``) for a credit not
        returned or that is a payment, one the bank took back already (naming
        ``reversed_on``), and a bank's day not before the return day or before the bank booked
        the credit (``RuleViolated`` naming ``reversed_on``)."""
        if self.status is not CreditStatus.RETURNED or self.payment_id is not None:
            raise InvalidTransition(
                f"cannot take back a credit that is {self.status.value} as one returned",
                field="status",
                aggregate_id=self.id,
                value=self.status,
            )
        self._require_not_taken_back(reversed_on)
        self._check_after_booking(reversed_on, "reversed_on")
        returned_on = self.resolved_on
        if returned_on is None or reversed_on >= returned_on:
            raise RuleViolated(
                f"must be before {returned_on}, the day the credit was returned",
                field="reversed_on",
                aggregate_id=self.id,
                value=reversed_on,
            )
        _require_reason(reason, self.id)
        refuse_card_numbers("reason", reason)
        self._reversed_by_bank(reversed_on, returned_on, reason, actor)

    def reversed_after_bounce(
        self, reversed_on: date, payment_bounced_on: date, reason: str, actor: str
    ) -> None:
        """The bank took back the money of a credit that is a customer's payment, which a
        person bounced by hand on an earlier day (the day the payer's bank announced the
        recall, say), the statement saying so imported after: the credit keeps the bank's day
        and the bounce day (``CreditReversedByBank``, its ``payment_bounced_on`` before its
        ``reversed_on``), so the books hold the money in the bank until the bank's day (in
        ``Liabilities:Suspense`` from the bounce day: money in the bank the books credit to
        nobody) and the suspense list of those days lists it. The payment is not bounced
        again. Refused as ``reversed_by_bank`` is for a credit returned or with no payment
        (naming ``status``), one the bank took back already (naming ``reversed_on``), and a
        bank's day before the bank booked the credit (naming ``reversed_on``); a bounce day
        that is not before the bank's day (``reversed_by_bank`` records that) or is before
        the bank booked the credit is refused (``RuleViolated`` naming
        ``payment_bounced_on``)."""
        self._require_payment_to_reverse(reversed_on)
        self._check_after_booking(reversed_on, "reversed_on")
        bounced_on = require_day(payment_bounced_on, "payment_bounced_on")
        if bounced_on >= reversed_on:
            raise RuleViolated(
                f"must be before {reversed_on}, the day the bank took the money back",
                field="payment_bounced_on",
                aggregate_id=self.id,
                value=payment_bounced_on,
            )
        self._check_after_booking(bounced_on, "payment_bounced_on")
        _require_reason(reason, self.id)
        refuse_card_numbers("reason", reason)
        self._reversed_by_bank(reversed_on, bounced_on, reason, actor)

    @event("CreditReversedByBank")
    def _reversed_by_bank(
        self, reversed_on: date, payment_bounced_on: date, reason: str, actor: str
    ) -> None:
        """The ``CreditReversedByBank`` event (``reversed_by_bank``, which holds the rules). A
        credit in suspense leaves it on the bank's day, as returned."""
        self.reversed_on = reversed_on
        self.payment_bounced_on = payment_bounced_on
        if self.is_suspended:
            self.status = CreditStatus.RETURNED
            self.resolved_on = reversed_on
            self.resolved_by = actor
            self.resolution_note = reason

    @event("CreditReturned")
    def _returned(self, returned_on: date, reason: str, actor: str) -> None:
        """The ``CreditReturned`` event (``return_to_sender``, which holds the rules)."""
        self.status = CreditStatus.RETURNED
        self.resolved_on = returned_on
        self.resolved_by = actor
        self.resolution_note = reason


# A ``SuspenseResolved`` recorded before q2c kept how the assignment was asked to allocate
# holds no ``oldest_due_first``: the application's mapper and the read side's decoder set a
# stored event's state on the event as it is, so the event class's default reads as None there
# (the aggregate replays it with ``_resolved``'s default, None, too).
vars(BankCredit)["SuspenseResolved"].oldest_due_first = None


class BankCreditOfPayment(ChecksFacts, Aggregate):
    """The bank credit a payment recorded by hand turned out to be
    (``BankCredit.match_to_payment``): one per payment, saved with the match, so two
    statements imported at one moment never both take the payment for their credit (the later
    save clashes and is decided again: the payment is matched already)."""

    @staticmethod
    def create_id(payment_id: UUID, **_: Any) -> UUID:
        """One per payment."""
        return named_id("bank-credit-of-payment", str(payment_id))

    @event("PaymentMatchedToBankCredit")
    def __init__(self, payment_id: UUID, credit_id: UUID, actor: str) -> None:
        self.payment_id = payment_id
        self.credit_id = credit_id


class BankCreditsUnderReference(ChecksFacts, Aggregate):
    """The bank credits booked under one bank reference as a person reads it (``key``:
    ``receipt_key`` of the bank's reference), on any of our accounts, in the order booked:
    a receipt a clerk enters by hand under that reference (``receive_payment``) finds at once
    the credit whose money it would count a second time. Saved with each credit booked (and,
    for the credits booked before, with ``EarlierBankCreditsUnderReference``); one per key."""

    # a key q2c writes itself, of a reference read from a statement that checked it for card
    # numbers (``StatementCredit.refuse_card_numbers``)
    NOT_SCANNED = frozenset({"key"})

    @staticmethod
    def create_id(key: str, **_: Any) -> UUID:
        """One per bank reference as a person reads it."""
        return named_id("bank-credits-under-reference", key)

    @event("BankCreditsUnderReferenceNoted")
    def __init__(self, key: str, credit_ids: tuple[UUID, ...], actor: str) -> None:
        if not key.strip():
            raise InvalidValue("must not be empty", field="key")
        self.key = key
        self.credit_ids = tuple(dict.fromkeys(credit_ids))

    def note(self, credit_id: UUID, actor: str) -> None:
        """A credit booked under the reference: noted once."""
        if credit_id not in self.credit_ids:
            self._noted(credit_id, actor)

    @event("BankCreditNotedUnderReference")
    def _noted(self, credit_id: UUID, actor: str) -> None:
        """The ``BankCreditNotedUnderReference`` event (``note``)."""
        self.credit_ids = (*self.credit_ids, credit_id)


class EarlierBankCreditsUnderReference(ChecksFacts, Aggregate):
    """The mark that the credits booked before credits were noted under their references
    (``BankCreditsUnderReference``) are: made once per store, with the first bank import or
    receipt entered by hand after the upgrade."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        """One per store."""
        return named_id("earlier-bank-credits-under-reference", "")

    @event("EarlierBankCreditsNotedUnderReference")
    def __init__(self, credits: int, actor: str) -> None:
        self.credits = credits


class BankCreditContentName(ChecksFacts, Aggregate):
    """A credit booked under the bank's reference, as a statement without the reference names
    it: by its content (our account, day, amount, the payer's remittance and account) and its
    occurrence among the statement's credits of that content (a ``c:`` key). A CSV export that
    leaves the reference out names the credit a camt.053 booked by it so: it finds the credit
    here, and books it once. Also any credit as a statement of the other kind names it by its
    content with the payer's account aside (``payers-named/a:`` or ``any-payer/a:``: a CSV export
    without an IBAN column names any payer's credit so, a camt.053 its credit naming the payer
    or none). Saved with the credit; the first credit so named keeps the name."""

    # a content key is a hash q2c writes itself
    NOT_SCANNED = frozenset({"name"})

    @staticmethod
    def create_id(name: str, **_: Any) -> UUID:
        """One per content name."""
        return named_id("bank-credit-content-name", name)

    @event("BankCreditNamedByContent")
    def __init__(self, name: str, credit_id: UUID, actor: str) -> None:
        if not name.strip():
            raise InvalidValue("must not be empty", field="name")
        self.name = name
        self.credit_id = credit_id


class BankCreditReferenceName(ChecksFacts, Aggregate):
    """A credit booked by its content (a ``c:`` key: a statement without the bank's reference
    booked it first), as a later statement names it by the bank's reference (the key the
    reference gives it, ``camt:<account>:<reference>``, and that key's aliases): the statement
    was skipped, the credit booked already, and the name tells which credit the reference is.
    A reversal naming the reference then takes back that credit. Saved when the statement is
    skipped; the first credit so named keeps the name."""

    # a key q2c writes itself, of a reference read from a statement that checked it for card
    # numbers (``StatementCredit.refuse_card_numbers``) with our account
    NOT_SCANNED = frozenset({"name"})

    @staticmethod
    def create_id(name: str, **_: Any) -> UUID:
        """One per reference name."""
        return named_id("bank-credit-reference-name", name)

    @event("BankCreditNamedByReference")
    def __init__(self, name: str, credit_id: UUID, actor: str) -> None:
        if not name.strip():
            raise InvalidValue("must not be empty", field="name")
        self.name = name
        self.credit_id = credit_id


class BankCreditPayerAccount(ChecksFacts, Aggregate):
    """The payer's account of a credit a statement that cannot name payers booked (a CSV export
    without an IBAN column: any payer's), as the first statement naming payers that was skipped
    as it names it (a camt.053 from Acme's IBAN; none, for an entry without DbtrAcct). From then
    on the credit is that payer's: another payer's credit of the same content is new money,
    never skipped as it. Saved when the statement is skipped; one per credit."""

    @staticmethod
    def create_id(credit_id: UUID, **_: Any) -> UUID:
        """One per credit."""
        return named_id("bank-credit-payer-account", str(credit_id))

    @event("BankCreditPayerAccountNamed")
    def __init__(self, credit_id: UUID, debtor_account: str, actor: str) -> None:
        self.credit_id = credit_id
        self.debtor_account = debtor_account


class BankCreditReference(ChecksFacts, Aggregate):
    """The bank's reference of a credit booked by its content, as the first statement with the
    reference that was skipped as it names it (its key, ``camt:<account>:<reference>``; the
    counterpart of ``BankCreditReferenceName``). A credit named by one reference is never taken
    for another: two references are two credits (two identical instalments, U7 and U8). Saved
    when the statement is skipped; one per credit."""

    # a key q2c writes itself, as ``BankCreditReferenceName.name``
    NOT_SCANNED = frozenset({"name"})

    @staticmethod
    def create_id(credit_id: UUID, **_: Any) -> UUID:
        """One per credit."""
        return named_id("bank-credit-reference", str(credit_id))

    @event("BankCreditReferenceNoted")
    def __init__(self, credit_id: UUID, name: str, actor: str) -> None:
        if not name.strip():
            raise InvalidValue("must not be empty", field="name")
        self.credit_id = credit_id
        self.name = name


class BankBookingDay(ChecksFacts, Aggregate):
    """A day the bank booked credits on, as the statement imports that booked credits of it
    (``CreditsOfTheDayBooked``, one per import and day). Every import booking a new credit
    notes itself on the credit's day, saved with the credit: two statements that book credits
    of one day at one moment (a camt.053 and the CSV export of the same week, whose sightings
    of a credit share no other id: ``camt:...`` with its content names, ``c:...`` with its
    ``any-payer/`` name; or a batch entry's transactions and the export's row of its total)
    write it at the same version, so the later save clashes and is decided again on the
    store the first left: it skips the credit the first booked, as one after the other.
    By day alone, not by our account too: a statement may not say the account
    (``_same_account``). Created on the first import that needs it (a store from before has
    none: its credits were booked one import at a time as far as these go)."""

    @staticmethod
    def create_id(booked_on: date, **_: Any) -> UUID:
        """One per day the bank booked credits on."""
        return named_id("bank-booking-day", booked_on.isoformat())

    @event("BankBookingDayOpened")
    def __init__(self, booked_on: date, actor: str) -> None:
        self.booked_on = require_day(booked_on, "booked_on")
        self.import_ids: tuple[UUID, ...] = ()

    def credits_booked(self, import_id: UUID, actor: str) -> None:
        """An import booked credits of the day: noted once per import."""
        if import_id not in self.import_ids:
            self._credits_booked(import_id, actor)

    @event("CreditsOfTheDayBooked")
    def _credits_booked(self, import_id: UUID, actor: str) -> None:
        """The ``CreditsOfTheDayBooked`` event (``credits_booked``)."""
        self.import_ids = (*self.import_ids, import_id)
