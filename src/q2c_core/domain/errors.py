"""Typed errors in the language of the business.

Every refusal names what was refused (the aggregate id when there is one), the field and the rule,
so a caller can show it to a person and a test can assert on it. A refused command records nothing.
"""

from __future__ import annotations

import pickle
from typing import Any
from uuid import UUID


class Q2CError(Exception):
    """Base of every error q2c raises on purpose."""

    def __init__(
        self,
        rule: str,
        *,
        field: str = "",
        aggregate_id: UUID | str | None = None,
        value: Any = None,
    ) -> None:
        self.rule = rule
        self.field = field
        self.aggregate_id = aggregate_id
        self.value = value
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.aggregate_id}: " if self.aggregate_id is not None else ""
        what = f"{self.field}: " if self.field else ""
        return f"{where}{what}{self.rule}"

    def __reduce__(self) -> tuple[Any, ...]:
        """Travel whole between processes (a billing-run or rebuild worker's failure reaches
        the caller pickled): rebuilt from its facts, not by calling the class with its message,
        which spelled ``InvoiceLinesRejected``'s problems letter by letter. A ``value`` that
        cannot be pickled travels as its ``repr``, so the error still arrives as itself."""
        state = dict(self.__dict__)
        try:
            pickle.dumps(state.get("value"))
        except Exception:
            state["value"] = repr(state.get("value"))
        return (_restored, (type(self), self.args, state))

    def naming(self, aggregate_id: UUID | str) -> Q2CError:
        """Name the aggregate a command was given, when the error (from a value) named none."""
        if self.aggregate_id is None:
            self.aggregate_id = aggregate_id
            self.args = (self._message(),)
        return self


def _restored(cls: type[Q2CError], args: tuple[Any, ...], state: dict[str, Any]) -> Q2CError:
    """A ``Q2CError`` unpickled: its class, message and facts as they were raised."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InvalidValue(Q2CError, ValueError):
    """A value object was given something it cannot represent (a float amount, a bad currency)."""


class CurrencyMismatch(InvalidValue):
    """Amounts in different currencies were added, compared or allocated together."""


class CardNumberRefused(InvalidValue):
    """Text looked like a payment-card number; card numbers are never stored."""


class RuleViolated(Q2CError):
    """A command broke a business rule of its aggregate."""


class InvalidTransition(RuleViolated):
    """The command is not allowed in the aggregate's current status."""


def refuse_unlike_done(
    done: str,
    aggregate_id: UUID | str | None,
    *details: tuple[str, object, object, str],
    error: type[Q2CError] = InvalidTransition,
) -> None:
    """Refuse a command on what was done already when one of its details differs from what was
    done: the same command again is a retry after a lost response, anything else another
    command the first rules out. Each detail is (field, as done, as given, how it differs:
    ``", not on 2024-03-01"``); ``error`` names the first that differs, after ``done``."""
    for field, recorded, given, differs in details:
        if given != recorded:
            raise error(f"{done}{differs}", field=field, aggregate_id=aggregate_id, value=given)


class WorkNotAuthorized(RuleViolated):
    """Work was logged on a request that no PO or prepaid allowance covers yet."""


class PurchaseOrderBelowEstimate(RuleViolated):
    """A PO for less than the estimate needs an explicit, recorded acceptance."""


class DuplicateEntry(RuleViolated):
    """An id (time entry, expense, sub-contract, allocation) was recorded twice."""


class AlreadyBilled(DuplicateEntry):
    """An invoice line names a time entry, an expense or a fixed price that is billed already:
    prepaid by an allowance that was charged with it, or on a live invoice (a draft too)."""


class ApprovalRefused(RuleViolated):
    """An approval broke the approval policy (unknown role, same person twice, drafter alone)."""


class InvoiceLinesRejected(RuleViolated):
    """Approval's line checks failed: no source, hours over logged, price without reason."""

    def __init__(
        self,
        problems: list[str],
        *,
        aggregate_id: UUID | str | None = None,
    ) -> None:
        self.problems = problems
        super().__init__("; ".join(problems), field="lines", aggregate_id=aggregate_id)


class OverAllocation(RuleViolated):
    """An allocation would exceed the payment's unallocated amount or the invoice's outstanding."""


class AllowanceExhausted(RuleViolated):
    """An allowance cannot give what was asked of it (expired, closed, nothing left)."""


class NotFound(Q2CError, LookupError):
    """No aggregate with that id (or of that kind) exists."""


class ConcurrencyConflict(Q2CError):
    """Another writer kept changing the same aggregates; the command gave up after its retries,
    having recorded nothing. Names the aggregates changed under it (``aggregate_id`` the first,
    ``value`` all of their ids) and says it is safe to send again."""


class StorageUnavailable(Q2CError):
    """The storage a URL names cannot be opened: a server that does not answer or refuses, a
    database or a directory that does not exist. The driver's error is chained as the cause."""


class DamagedRow(Q2CError):
    """A stored read-model row cannot be read back: its text is not the JSON q2c wrote (damaged
    on disk, or changed by hand). Names the projection and the row's key (``field`` is
    ``"<projection> row <key>"``) and why (``reason``). Nothing is lost: the events hold every
    number, and ``q2c rebuild`` writes the read model again from them."""

    def __init__(self, reason: str, *, projection: str = "", key: str = "") -> None:
        self.reason = reason
        self.projection = projection
        self.key = key
        super().__init__(f"cannot be read back ({reason})", field=self._where())

    def _where(self) -> str:
        return f"{self.projection} row {self.key}" if self.projection or self.key else ""

    def in_row(self, projection: str, key: str) -> DamagedRow:
        """The same error naming the projection and the row it was read from."""
        self.projection, self.key = projection, key
        self.field = self._where()
        self.args = (self._message(),)
        return self
