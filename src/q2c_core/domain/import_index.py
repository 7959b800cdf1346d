"""What imports recorded, kept by the store so an import looks it up by id.

A time-entry import refuses an entry id recorded on another request; it found that request by
reading every work event in the store, which took longer with every entry recorded (a 10-row
export: 0.02 s on an empty store, 1.5 s on one of 50,000 entries), on every attempt. Each entry
id an import records now has its ``RecordedWorkEntry`` (an id derived from the entry id), saved
in the same transaction as the work: one id is looked up per row, and two imports recording one
id on two requests at once clash instead of both getting through. The entries recorded before
the upgrade get theirs with the first time-entry import after it, in its transaction
(``EarlierWorkEntriesIndexed``, once per store).

An entry id of the form ``<source>:<id>`` (``psa:42``, ``tempo-dev:7``, ``psa:<hash of the row>``:
what the importers write) names one entry of an outside system: it is work on one request,
whichever command records it (a batch import, ``import_work``, ``log_work``), and each of them
saves its ``RecordedWorkEntry`` with the work and refuses an id another request holds
(``names_outside_entry``). Any other id (``t1``, typed when logging work by hand) is its
request's own, unique within the request only: two requests may each log a ``t1``, and such an
id is neither looked up nor given a record by ``log_work`` or ``import_work``. Before this rule,
``import_work`` and ``log_work`` saved no record: entries they recorded after the first index
have none; the first command after the upgrade that looks an id up finds them, reading the work
recorded since that index once (``UnindexedWorkEntriesIndexed``, once per store).

A bank statement that does not say its account is looked for on every account a credit was
booked on; those were found by reading every booked credit. ``KnownBankAccounts`` (one per
store) keeps them, noted with each booking; the first bank import after the upgrade notes the
accounts of the credits booked before it.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue, RuleViolated
from q2c_core.domain.event_facts import ChecksFacts
from q2c_core.domain.values import named_id

# an outside system's name, as the importers' ``source_name`` allows it, then its own id
_OUTSIDE_ENTRY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}:.+", re.DOTALL)


def names_outside_entry(entry_id: str) -> bool:
    """Whether an entry id names an outside system's entry (``<source>:<id>``, as importers
    write them): work on one request, whichever command records it. Other ids are their
    request's own."""
    return isinstance(entry_id, str) and _OUTSIDE_ENTRY.fullmatch(entry_id) is not None


class RecordedWorkEntry(ChecksFacts, Aggregate):
    """The request an entry id's work is recorded on (by an import, or before the upgrade)."""

    # an entry id is the PSA's key (or a hash of the row), copied by q2c
    NOT_SCANNED = frozenset({"entry_id"})

    @staticmethod
    def create_id(entry_id: str, **_: Any) -> UUID:
        """One per entry id."""
        return named_id("recorded-work-entry", entry_id)

    # the PSA entry id that named this entry, recorded by its content from an export without
    # the id column, when an export with ids listed it (``claim``): None while none has
    claimed_by: str | None = None
    # the entry, recorded by its content, this PSA entry id claimed (``claim``): the id is an
    # alias of that entry on ``request_id``, no work of its own; None for an id its work is
    # recorded under (records of before it had none)
    recorded_as: str | None = None
    # the entry was withdrawn from ``request_id`` as logged in error (``release``): the id may
    # be recorded on another request (``record_again``), the PSA having moved it to the ticket
    # it belongs to; False for every record of before
    released: bool = False

    @event("WorkEntryRecorded")
    def __init__(
        self, entry_id: str, request_id: UUID, actor: str, recorded_as: str | None = None
    ) -> None:
        if not entry_id:
            raise InvalidValue("must not be empty", field="entry_id", value=entry_id)
        if recorded_as == entry_id:
            raise InvalidValue(
                "an entry id is not an alias of itself", field="recorded_as", value=recorded_as
            )
        self.entry_id = entry_id
        self.request_id = request_id
        self.claimed_by = None
        self.recorded_as = recorded_as

    def claimable_by(self, entry_id: str) -> bool:
        """Whether an entry of the PSA's ``entry_id`` may be this entry, recorded by its content:
        unless another PSA id named it before (a second identical entry is other work)."""
        return self.claimed_by in (None, entry_id)

    def claim(self, entry_id: str, actor: str) -> bool:
        """The PSA entry ``entry_id`` is this entry, recorded by its content before the PSA's
        id column was on: no other id can be it from now on. Returns whether it was new."""
        if self.claimed_by == entry_id:
            return False
        if self.claimed_by is not None:
            raise RuleViolated(
                f"entry {self.entry_id!r} is the PSA's {self.claimed_by!r} already",
                field="entry_id",
                aggregate_id=self.id,
                value=entry_id,
            )
        self._claimed(entry_id, actor)
        return True

    @event("WorkEntryClaimed")
    def _claimed(self, entry_id: str, actor: str) -> None:
        """The ``WorkEntryClaimed`` event (``claim``, which holds the rule)."""
        self.claimed_by = entry_id

    def holds_work_of(self, request_id: UUID) -> bool:
        """Whether the entry's own work is on ``request_id`` and stays there: recorded under
        this id (no alias, no claim by a PSA id) and not withdrawn."""
        return (
            self.request_id == request_id
            and self.recorded_as is None
            and self.claimed_by is None
            and not self.released
        )

    @event("WorkEntryReleased")
    def release(self, actor: str) -> None:
        """The entry's work was withdrawn from its request as logged in error
        (``QuoteToCash.withdraw_work``): its id may be recorded on another request."""
        self.released = True

    def record_again(self, request_id: UUID, actor: str) -> None:
        """The id of an entry withdrawn from its request is recorded on ``request_id`` (the PSA
        moved it to the ticket it belongs to): it is held there from now on. Refused
        (``RuleViolated`` naming ``entry_id``) while it is not released."""
        if not self.released:
            raise RuleViolated(
                f"entry {self.entry_id!r} is recorded on request {self.request_id}",
                field="entry_id",
                aggregate_id=self.id,
                value=self.entry_id,
            )
        self._recorded_again(request_id, actor)

    @event("WorkEntryRecordedAgain")
    def _recorded_again(self, request_id: UUID, actor: str) -> None:
        """The ``WorkEntryRecordedAgain`` event (``record_again``, which holds the rule)."""
        self.request_id = request_id
        self.released = False


class EarlierWorkEntriesIndexed(ChecksFacts, Aggregate):
    """The mark that the work entries recorded before ``RecordedWorkEntry`` existed have
    theirs: made once per store, with the first time-entry import after the upgrade."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        """One per store."""
        return named_id("earlier-work-entries-indexed", "")

    @event("EarlierWorkEntriesIndexed")
    def __init__(self, entries: int, actor: str) -> None:
        self.entries = entries


class UnindexedWorkEntriesIndexed(ChecksFacts, Aggregate):
    """The mark that every work entry recorded so far has its ``RecordedWorkEntry``, those
    ``import_work`` and ``log_work`` recorded before they saved one included (found by reading
    the work recorded since ``EarlierWorkEntriesIndexed``): made once per store, with the first
    command after the upgrade that looks an entry id up. Every command saves its entries'
    records from then on."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        """One per store."""
        return named_id("unindexed-work-entries-indexed", "")

    @event("UnindexedWorkEntriesIndexed")
    def __init__(self, entries: int, actor: str) -> None:
        self.entries = entries


class EarlierClaimsAliased(ChecksFacts, Aggregate):
    """The mark that every PSA id that claimed an entry recorded by its content has its alias
    (a ``RecordedWorkEntry`` naming the request and the entry, ``recorded_as``). A claim made
    before aliases existed saved none (its ``WorkEntryClaimed`` only): the id was found again
    only through its content at its own rank among identical rows, so listed after a new
    identical id, moved to another ticket, or sent by the webhook it was recorded again. The
    first command after the upgrade that looks an entry id up gives those ids theirs, from the
    claims (the first each id made), saved with it: made once per store."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        """One per store."""
        return named_id("earlier-claims-aliased", "")

    @event("EarlierClaimsAliased")
    def __init__(self, entries: int, actor: str) -> None:
        self.entries = entries


class KnownBankAccounts(ChecksFacts, Aggregate):
    """Our bank accounts the credits booked so far were on, as their keys name them (spaces
    aside, in capitals). Made by the first bank import after the upgrade, with the accounts of
    the credits booked before it; each booking on another account notes it."""

    # our own account numbers, as statements name them
    NOT_SCANNED = frozenset({"accounts", "account"})

    @staticmethod
    def create_id(**_: Any) -> UUID:
        """One per store."""
        return named_id("known-bank-accounts", "")

    @event("EarlierBankAccountsNoted")
    def __init__(self, accounts: list[str], actor: str) -> None:
        self.accounts = sorted(set(accounts) - {""})

    def note(self, account: str, actor: str) -> bool:
        """A credit booked on ``account``: known from now on; returns whether it was new."""
        if not account or account in self.accounts:
            return False
        self._noted(account, actor)
        return True

    @event("BankAccountNoted")
    def _noted(self, account: str, actor: str) -> None:
        """The ``BankAccountNoted`` event (``note``)."""
        self.accounts = sorted({*self.accounts, account})
