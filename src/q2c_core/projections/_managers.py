"""Account managers on the read side: one person per ``person_key``, shown by one spelling.

An account manager is a person, and q2c compares people by ``person_key`` (case, runs of spaces,
full-width forms and invisible characters aside). Customers registered with "Mia" and "mia "
have one account manager: the projections that group, key or filter rows by manager record her
by ONE spelling, the one their history first named her by, kept in a row
``who:<person_key>`` -> ``{"name": spelling}`` written the first time the person is named.

Every projection here sees the customers' registrations (and every request, contract and invoice
of a customer comes after its registration, naming the customer's manager unless given another),
so the spelling shown is the one of the first customer registered with that person as account
manager, the same in every report; a manager a request or an invoice names on its own, whom no
customer had before, is shown as it first named them. The first event naming a person never
changes when more events come, so following the books step by step, rebuilding them, and
rebuilding them as of an earlier moment show the same spelling (as of a moment before the first
customer naming her, the spelling of what named her by then).

A customer, a request or a contract handed over to another manager from a business day on
(``CustomerHandedOver``, ``RequestHandedOver``, ``ContractHandedOver``) keeps on its row the
manager it started with (``manager``) and each handover as ``[day, spelling]`` in the order
recorded (``handovers``, left out until the first): ``manager_on(row, day)`` is the manager a
query as of ``day`` shows (before the handover the one before, from its day on the new one),
and ``current_manager(row)`` the last word. The handover names the new manager as any event
does (``manager_shown``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.values import person_key
from q2c_core.projections.base import Projection, handles
from q2c_core.projections.store import ProjectionStore, Row


def record_handover(row: Row, day: date, shown: str) -> None:
    """A handover of the row's customer, request or contract to ``shown`` (as
    ``manager_shown`` spells the person) from ``day`` on."""
    row.setdefault("handovers", []).append([day, shown])


def manager_on(row: Row, day: date) -> str:
    """The manager the row names on ``day``: the last handover effective by then (of two on
    one day, the one recorded last), else the manager it started with."""
    for effective, name in reversed(row.get("handovers") or ()):
        if effective <= day:
            return str(name)
    return str(row["manager"])


def current_manager(row: Row) -> str:
    """The manager the row names now: the last handover recorded, else the first."""
    handovers = row.get("handovers")
    return str(handovers[-1][1]) if handovers else str(row["manager"])


class ManagerNames(Projection):
    """Rows ``who:<person_key>``: the spelling each account manager is recorded by here.

    Handlers record a manager as ``manager_shown(name)``; queries taking a manager's name find
    the spelling the rows use with ``manager_as_shown(name)``, whatever spelling they are given.
    """

    def __init__(self, store: ProjectionStore | None = None) -> None:
        super().__init__(store)
        # name as typed -> spelling shown, for the names this instance has recorded (a replay
        # names the same few managers on every request and invoice: person_key is worked out
        # once per distinct name); dropped with the cache (a failed commit loses ``who:`` rows)
        self._shown: dict[str, str] = {}

    @handles("Customer.CustomerRegistered")
    def _manager_named(self, e: Any, oid: str) -> None:
        self.manager_shown(e.account_manager)

    def manager_shown(self, name: str) -> str:
        """The spelling to record for an account manager typed ``name``: the one the history
        first named the same person by (this one, remembered, when it is the first). A blank
        name (an invoice without a manager) names nobody and stays as it is."""
        shown = self._shown.get(name)
        if shown is not None:
            return shown
        key = person_key(name)
        if not key:
            return name
        row = self.get(f"who:{key}")
        if row is None:
            row = {"name": name}
            self.put(f"who:{key}", row)
        shown = self._shown[name] = str(row["name"])
        return shown

    def manager_as_shown(self, name: str) -> str:
        """The spelling the rows record the person ``name`` names by, for a query given any
        spelling of it ("MIA" for the rows' "Mia"); a name the books give nobody is returned as
        given (it matches no row). Not text: ``InvalidValue`` naming ``manager``."""
        if not isinstance(name, str):
            raise InvalidValue("must be a manager's name", field="manager", value=name)
        key = person_key(name)
        row = self.get(f"who:{key}") if key else None
        return str(row["name"]) if row is not None else name

    def forget_cache(self) -> None:
        """Drop cached rows and the names worked out from them."""
        super().forget_cache()
        self._shown.clear()
