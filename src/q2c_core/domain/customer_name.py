"""One customer per name, kept by the store.

A customer registered without a reference is refused when another customer's name reads the
same (``person_key``: case, spaces, full-width letters and invisible characters aside). Reading
every registration to find out took longer with every customer, and two processes registering
the same name at one moment both got through; an aggregate per name, created in the customer's
own transaction, makes the second registration (or a concurrent one) clash instead.

A renamed customer gives its old name up (``release``) and takes its new one, in the same
transaction as its ``Renamed`` event: a name given up is taken again by an event on the same
aggregate (``take_again``), so two customers taking it at once clash there too.
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
    free name holds it, so a registration by hand without a reference is refused under it.
    A name its customer gave up by a rename (``release``) is free: ``customer_id`` is None
    until a customer takes it again (``take_again``). ``name`` is the spelling its customer
    has it in now (``respell``: a rename that changed case or spaces only)."""

    # the name is the customer's, copied by q2c as its registration recorded it (one recorded
    # before a rule of today still gets its name, or no customer could be registered after)
    NOT_SCANNED = frozenset({"name"})

    @staticmethod
    def create_id(name: str, **_: Any) -> UUID:
        """One per name, however it is typed (``person_key``)."""
        return named_id("customer-name", person_key(name))

    @event("CustomerNameTaken")
    def __init__(self, name: str, customer_id: UUID, actor: str) -> None:
        if not person_key(name):
            raise InvalidValue("must not be empty", field="name", value=name)
        self.name = name
        self.customer_id: UUID | None = customer_id

    def release(self, customer_id: UUID, actor: str) -> None:
        """The customer holding the name gave it up (renamed): the name is free again."""
        self._require_held_by(customer_id)
        self._released(actor)

    @event("CustomerNameReleased")
    def _released(self, actor: str) -> None:
        """The ``CustomerNameReleased`` event (``release``, which holds the rule)."""
        self.customer_id = None

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
