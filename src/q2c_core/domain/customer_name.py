"""One customer per name, kept by the store.

A customer registered without a reference is refused when another customer's name reads the
same (``person_key``: case, spaces, full-width letters and invisible characters aside). Reading
every registration to find out took longer with every customer, and two processes registering
the same name at one moment both got through; an aggregate per name, created in the customer's
own transaction, makes the second registration (or a concurrent one) clash instead.

A renamed customer gives its old name up and takes its new one, in the same transaction as its
``Renamed`` event: a name given up is taken again by an event on the same aggregate
(``take_again``), so two customers taking it at once clash there too. A name other customers
still carry (registered by reference under it: ``share``) is handed to the first of them
(``hand_over``), not freed (``release``), so it is never registered by hand while one carries it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue, RuleViolated
from q2c_core.domain.event_facts import ChecksFacts
from q2c_core.domain.values import named_id, person_key


class CustomerName(ChecksFacts, Aggregate):
    """The customer a name belongs to: the first customer registered under it, as typed then.

    Customers an ERP registers with a reference may share a name; the first of them to take a
    free name holds it, so a registration by hand without a reference is refused under it, and
    the others are its ``sharers`` (``share``). Its customer renamed, the name goes to the first
    sharer still carrying it (``hand_over``); with none, it is free (``release``):
    ``customer_id`` is None until a customer takes it again (``take_again``). ``name`` is the
    spelling its customer has it in now (``respell``: a rename that changed case or spaces
    only)."""

    # the customers sharing the name, in the order they registered under it; None when not
    # known: a name taken before q2c kept them (and snapshots taken then), whose sharers are
    # found in the registrations when its customer gives it up
    sharers: list[UUID] | None = None

    # the name is the customer's, copied by q2c as its registration recorded it (one recorded
    # before a rule of today still gets its name, or no customer could be registered after)
    NOT_SCANNED = frozenset({"name"})

    @staticmethod
    def create_id(name: str, **_: Any) -> UUID:
        """One per name, however it is typed (``person_key``)."""
        return named_id("customer-name", person_key(name))

    @event("CustomerNameTaken")
    def __init__(
        self, name: str, customer_id: UUID, actor: str, sharers: list[UUID] | None = None
    ) -> None:
        if not person_key(name):
            raise InvalidValue("must not be empty", field="name", value=name)
        self.name = name
        self.customer_id: UUID | None = customer_id
        self.sharers = None if sharers is None else list(sharers)

    def share(self, customer_id: UUID, actor: str) -> None:
        """A customer registered by reference under the name another customer holds: it
        carries the name too (and is handed it when the holder gives it up)."""
        if customer_id == self.customer_id:
            raise RuleViolated(
                "the customer holds the name", field="name", value=self.name, aggregate_id=self.id
            )
        self._shared(customer_id, actor)

    @event("CustomerNameShared")
    def _shared(self, customer_id: UUID, actor: str) -> None:
        """The ``CustomerNameShared`` event (``share``, which holds the rule)."""
        if self.sharers is not None:
            self.sharers = [*self.sharers, customer_id]

    def unshare(self, customer_id: UUID, actor: str) -> bool:
        """A customer sharing the name no longer carries it (renamed); returns whether it was
        known to share it."""
        if customer_id not in (self.sharers or ()):
            return False
        self._unshared(customer_id, actor)
        return True

    @event("CustomerNameUnshared")
    def _unshared(self, customer_id: UUID, actor: str) -> None:
        """The ``CustomerNameUnshared`` event (``unshare``)."""
        self.sharers = [c for c in self.sharers or () if c != customer_id]

    def hand_over(
        self, customer_id: UUID, successor_id: UUID, sharers: list[UUID], actor: str
    ) -> None:
        """The customer holding the name gave it up (renamed) while others still carry it: the
        first of them (``successor_id``) holds it now, the rest (``sharers``) share it."""
        self._require_held_by(customer_id)
        if successor_id == customer_id or customer_id in sharers:
            raise RuleViolated(
                "the customer giving the name up cannot keep it",
                field="name",
                value=self.name,
                aggregate_id=self.id,
            )
        self._handed_over(successor_id, list(sharers), actor)

    @event("CustomerNameHandedOver")
    def _handed_over(self, successor_id: UUID, sharers: list[UUID], actor: str) -> None:
        """The ``CustomerNameHandedOver`` event (``hand_over``, which holds the rules)."""
        self.customer_id = successor_id
        self.sharers = list(sharers)

    def release(self, customer_id: UUID, actor: str) -> None:
        """The customer holding the name gave it up (renamed), and no other carries it: the
        name is free again."""
        self._require_held_by(customer_id)
        self._released(actor)

    @event("CustomerNameReleased")
    def _released(self, actor: str) -> None:
        """The ``CustomerNameReleased`` event (``release``, which holds the rule)."""
        self.customer_id = None
        if self.sharers is not None:
            self.sharers = []

    def take_again(self, name: str, customer_id: UUID, actor: str) -> None:
        """A customer takes a name given up before (registered or renamed under it)."""
        if self.customer_id is not None:
            raise RuleViolated(
                f"the name is customer {self.customer_id}'s ({self.name!r})",
                field="name",
                value=name,
                aggregate_id=self.id,
            )
        if person_key(name) != person_key(self.name):
            raise InvalidValue("is another name", field="name", value=name, aggregate_id=self.id)
        self._taken_again(name, customer_id, actor)

    @event("CustomerNameTakenAgain")
    def _taken_again(self, name: str, customer_id: UUID, actor: str) -> None:
        """The ``CustomerNameTakenAgain`` event (``take_again``, which holds the rules)."""
        self.name = name
        self.customer_id = customer_id

    def respell(self, customer_id: UUID, name: str, actor: str) -> bool:
        """The customer holding the name has it in another spelling now (case, spaces aside
        the same name); returns whether it changed."""
        self._require_held_by(customer_id)
        if person_key(name) != person_key(self.name):
            raise InvalidValue("is another name", field="name", value=name, aggregate_id=self.id)
        if name == self.name:
            return False
        self._respelled(name, actor)
        return True

    @event("CustomerNameRespelled")
    def _respelled(self, name: str, actor: str) -> None:
        """The ``CustomerNameRespelled`` event (``respell``, which holds the rules)."""
        self.name = name

    def _require_held_by(self, customer_id: UUID) -> None:
        if self.customer_id != customer_id:
            raise RuleViolated(
                f"the name is not customer {customer_id}'s",
                field="name",
                value=self.name,
                aggregate_id=self.id,
            )


class EarlierCustomersNamed(ChecksFacts, Aggregate):
    """The mark that the customers registered before names were kept (``CustomerName``) have
    their names: made once per store, with the first registration after the upgrade. Where
    several of them share a name, the name names the first registered; all still load."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        """One per store."""
        return named_id("earlier-customers-named", "")

    @event("EarlierCustomersNamed")
    def __init__(self, names: int, actor: str) -> None:
        self.names = names
