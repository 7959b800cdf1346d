"""What a caller's key names when a command that makes something (or adds to it) is given one,
so the command sent again after a lost response makes nothing more.

Money received, a grant of prepaid hours, a top-up, a deposit invoice, a client's request:
nothing of their own tells a retry from a second real one (two instalments of 500.00 on one
day, two grants of 10 hours for one year may both be real), so the caller names each. A
``RetryKey`` per command, scope (the customer, the allowance) and key, saved in the same save as
what the command made, answers the same command given again (also by another process at the
same moment, which clashes with it and is decided again on it) with what it made, and refuses
another command under the key. Keys are read as a person reads them (``receipt_key``:
invisible characters, full width, spaces and capitals aside).
"""

from __future__ import annotations

import enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import DuplicateEntry, InvalidValue
from q2c_core.domain.event_facts import ChecksFacts
from q2c_core.domain.payment import receipt_key
from q2c_core.domain.values import named_id


class RetryKey(ChecksFacts, Aggregate):
    """A caller's key for one command on one scope: the command's details as given and what it
    made (a payment, an allowance, an invoice; None when it made nothing new, a top-up)."""

    @staticmethod
    def create_id(command: str, scope_id: UUID, key: str, **_: Any) -> UUID:
        """One per command, scope and key, however the key is spelled (``receipt_key``)."""
        return named_id(f"{command}-instruction", f"{scope_id.hex}:{receipt_key(key)}")

    @event("RetryKeyRecorded")
    def __init__(
        self,
        command: str,
        scope_id: UUID,
        key: str,
        made_id: UUID | None,
        details: dict[str, Any],
        actor: str,
    ) -> None:
        if not receipt_key(key):
            raise InvalidValue("must not be empty", field="key")
        self.command = command
        self.scope_id = scope_id
        self.key = key
        self.made_id = made_id
        self.details = dict(details)

    def repeats(self, details: dict[str, Any]) -> bool:
        """Whether a command is this one given again: the same details (``10`` hours is
        ``10.00``)."""
        return self.details == details

    def refuse_other(self, details: dict[str, Any], scope: str) -> None:
        """Refuse a command under this key that is not the one it names (``DuplicateEntry``
        naming ``key``); the same command again passes."""
        if self.repeats(details):
            return
        made = ", ".join(f"{name} {_shown(value)}" for name, value in self.details.items())
        differ = [
            name
            for name in {**self.details, **details}
            if self.details.get(name) != details.get(name)
        ]
        raise DuplicateEntry(
            f"{self.command} {self.key!r} of this {scope} was made already ({made}), this one "
            f"has other {' and '.join(differ)}; one key names one {self.command}",
            field="key",
            aggregate_id=self.scope_id,
            value=self.key,
        )


def _shown(value: object) -> str:
    """A detail as a refusal prints it: text quoted (a reference of spaces shows), a list by
    its length (an invoice's lines), a kind by its name."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return f"of {len(value)}"
    if isinstance(value, enum.Enum):
        return value.name
    return str(value)
