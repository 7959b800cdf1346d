"""One customer per name, kept by the store.

A customer registered without a reference is refused when another customer's name reads the
same (``person_key``: case, spaces, full-width letters and invisible characters aside). Reading
every registration to find out took longer with every customer, and two processes registering
the same name at one moment both got through; an aggregate per name, created in the customer's
own transaction, makes the second registration (or a concurrent one) clash instead.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.event_facts import ChecksFacts
from q2c_core.domain.values import named_id, person_key


class CustomerName(ChecksFacts, Aggregate):
    """The customer a name belongs to: the first customer registered under it, as typed then.

    Customers an ERP registers with a reference may share a name; the first of them to take a
    free name holds it, so a registration by hand without a reference is refused under it."""

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
        self.customer_id = customer_id


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
