"""Account managers over time: a customer, a request or a contract is handed over from one
manager to another from a business day on (Mia leaves, Bob takes over her customers).

Each of them keeps its managers by the day each took over (``ManagerFrom``), the first the one
it was registered, opened or signed with (from ``date.min``), so what it names on a past day
(``manager_on``) stays what it named then: reports "by account manager" as of a day before
the handover name the manager before it, and an invoice drafted on a day names that day's
manager. The history is empty until the first handover (and in histories and snapshots
recorded before handovers existed): the one manager is then ``account_manager``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import attrs

from q2c_core.domain.errors import InvalidValue, RuleViolated
from q2c_core.domain.values import person_key, require_day


@attrs.frozen
class ManagerFrom:
    """The account manager from ``effective`` on (the first, from ``date.min``, the one it was
    registered, opened or signed with)."""

    effective: date
    account_manager: str


# what breaks a line of text: none in a person's name (a customer's, an account manager's),
# which every document and report row prints on one line (a spreadsheet cell of two lines
# pasted: "Mia<line break>"); a tab reads as a space (``person_key``)
LINE_BREAKS = frozenset("\n\r\u2028\u2029")


def require_one_line(text: str, field: str, aggregate_id: UUID | None = None) -> None:
    """A name is one line of text, or ``InvalidValue`` naming ``field``: every invoice,
    e-invoice, report row, export and commission statement prints it on one line (and the
    reports show an account manager by the spelling the books first named her by, so one
    "Mia<line break>" broke every row of hers)."""
    found = next((c for c in text if c in LINE_BREAKS), None)
    if found is not None:
        raise InvalidValue(
            f"must be one line of text, without line breaks ({found!r} at {text.index(found)})",
            field=field,
            value=text,
            aggregate_id=aggregate_id,
        )


def check_handover(
    current: str, to_manager: Any, effective_on: Any, aggregate_id: UUID | None = None
) -> tuple[str, date]:
    """A handover to ``to_manager`` from ``effective_on`` on, checked, as (name, day): the
    name is text naming someone (``person_key``: not only spaces or invisible characters, as at
    registration) on one line (``require_one_line``), and not the manager ``current`` already (the
    same person however typed: "MIA " is Mia; a handover to her records nothing worth keeping and is
    refused, naming ``to_manager``); the day a business day (``require_day``, naming
    ``effective_on``). The day's order (not before the last handover, nor before the aggregate
    began) is the aggregate's ``DAY_ORDER``."""
    if not isinstance(to_manager, str):
        raise InvalidValue(
            f"must be text (a person's name), not {type(to_manager).__name__}",
            field="to_manager",
            value=to_manager,
            aggregate_id=aggregate_id,
        )
    if not person_key(to_manager):
        raise InvalidValue(
            "must name someone (not only spaces or invisible characters)",
            field="to_manager",
            value=to_manager,
            aggregate_id=aggregate_id,
        )
    require_one_line(to_manager, "to_manager", aggregate_id)
    day = require_day(effective_on, "effective_on")
    if person_key(to_manager) == person_key(current):
        raise RuleViolated(
            f"is the account manager already ({current!r})",
            field="to_manager",
            value=to_manager,
            aggregate_id=aggregate_id,
        )
    return to_manager, day


def handed_over(
    history: Sequence[ManagerFrom], current: str, to_manager: str, effective_on: date
) -> list[ManagerFrom]:
    """The history after a handover: the first one starts it with ``current`` from
    ``date.min`` (the manager it had from the start)."""
    before = list(history) or [ManagerFrom(date.min, current)]
    return [*before, ManagerFrom(effective_on, to_manager)]


def manager_on(history: Sequence[ManagerFrom], current: str, day: date) -> str:
    """The manager on ``day``: the last handover effective by then (of two on one day, the one
    recorded last), else the first; ``current`` when it was never handed over."""
    if not history:
        return current
    for change in reversed(history):
        if change.effective <= day:
            return change.account_manager
    return history[0].account_manager


def first_manager(history: Sequence[ManagerFrom], current: str) -> str:
    """The manager it was registered, opened or signed with: the first of its history (from
    ``date.min``), ``current`` when it was never handed over. What a registration sent again
    is compared with: the same details as registered are a retry after a handover too."""
    return history[0].account_manager if history else current


def managed_since(history: Sequence[ManagerFrom]) -> date | None:
    """The day of the last handover (None: never handed over)."""
    return history[-1].effective if history else None


def follow_handovers(
    aggregate: Any, day: date, handovers: Sequence[ManagerFrom], actor: str
) -> None:
    """Hand ``aggregate`` (a request opened or a contract signed on ``day``, naming its
    customer's manager of that day) over as its customer was after ``day``: the customer's
    handovers effective after it, in the order recorded, each to a manager other than the one
    it names by then (``aggregate.hand_over``, which holds the rules)."""
    for change in handovers:
        if change.effective > day and person_key(change.account_manager) != person_key(
            aggregate.account_manager
        ):
            aggregate.hand_over(change.account_manager, change.effective, actor)
