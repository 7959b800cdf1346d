"""One refund per bank reference, across every customer and currency.

Money paid out cannot be taken back by a rerun: the reference on a refund instruction (the
bank's payment order) names exactly one refund. Keeping that per customer and currency let the
same reference pay out again under another customer, in another currency, or spelled with other
capitals or spaces; an aggregate per reference, saved in the refund's own transaction, makes a
second refund under it (or a concurrent one) clash instead. The reference is read as the bank
reads it (``refund_reference_key``): characters no one sees, pasted from a file or a web page,
and full-width forms are the reference too.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.event_facts import ChecksFacts
from q2c_core.domain.money import Money
from q2c_core.domain.values import named_id, person_key


def refund_reference_key(reference: str) -> str:
    """The reference as the bank reads it (as a person's name is read, ``person_key``):
    invisible characters dropped (a byte order mark, a zero-width space), compatibility forms
    plain (full-width ``ＲＦ－４２`` is ``rf-42``), spaces collapsed, capitals ignored. Empty for a
    reference of nothing to see: it names no refund."""
    return person_key(reference)


def typed_reference_key(reference: str) -> str:
    """The reference as instructions recorded before ``refund_reference_key`` read it as the
    bank does kept it: spaces collapsed, capitals ignored (the same for a plain ASCII
    reference)."""
    return " ".join(reference.split()).casefold()


class RefundInstruction(ChecksFacts, Aggregate):
    """The refund a reference names: whose credit, how much, on which day, paid as which
    refunds (``CreditRefunded`` on the payments it took the money from)."""

    @staticmethod
    def create_id(reference: str, **_: Any) -> UUID:
        """One instruction per reference, however it is spelled (``refund_reference_key``)."""
        return named_id("refund-instruction", refund_reference_key(reference))

    @staticmethod
    def ids_of(reference: str) -> list[UUID]:
        """The ids an instruction under ``reference`` may have: its own (``create_id``), then,
        where it differs, the one an instruction recorded before references were read as the
        bank reads them has (``typed_reference_key``)."""
        ids = [RefundInstruction.create_id(reference)]
        typed = named_id("refund-instruction", typed_reference_key(reference))
        return ids if typed in ids else [*ids, typed]

    @event("RefundInstructed")
    def __init__(
        self,
        reference: str,
        customer_id: UUID,
        amount: Money,
        refunded_on: date,
        refund_ids: list[str],
        actor: str,
    ) -> None:
        # (the rule of the event as recorded ever since: ``instruct_refund`` refuses a
        # reference of invisible characters only before one is made)
        if not typed_reference_key(reference):
            raise InvalidValue("must not be empty", field="reference")
        self.reference = reference
        self.customer_id = customer_id
        self.amount = amount
        self.refunded_on = refunded_on
        self.refund_ids = list(refund_ids)

    def repeats(self, customer_id: UUID, amount: Money, refunded_on: date) -> bool:
        """Whether an instruction is this one given again (a retry): same customer, amount
        (and so currency) and day."""
        return (
            self.customer_id == customer_id
            and self.amount == amount
            and self.refunded_on == refunded_on
        )


class EarlierRefundsReferenced(ChecksFacts, Aggregate):
    """The mark that the refunds recorded before references were kept across customers have
    their instructions (``RefundInstruction``, one per reference, the earliest refund under
    it): made once per store, with the first refund after the upgrade, so a reference used
    then cannot pay out again under another customer or currency."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        """One per store."""
        return named_id("earlier-refunds-referenced", "")

    @event("EarlierRefundsReferenced")
    def __init__(self, references: int, actor: str) -> None:
        self.references = references
