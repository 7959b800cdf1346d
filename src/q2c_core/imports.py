"""Imports from outside systems (time entries, contracts, bank statements): idempotent commands.

Every import command works the same way: if the file's batch exists, nothing happens; otherwise
every row is checked and applied to freshly loaded aggregates in memory, the problems of all rows
are collected with their line numbers, and only when there is none are the changed aggregates and
the ``ImportBatch`` saved together in one transaction. A bad file records nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from q2c_core.app_base import BaseApp, open_item
from q2c_core.billing_run import _require_actor, move_sub_contract
from q2c_core.domain.allocation import allocate_payment, allocation_pairs
from q2c_core.domain.bank_credit import (
    BankBookingDay,
    BankCredit,
    BankCreditContentName,
    BankCreditOfPayment,
    BankCreditPayerAccount,
    BankCreditReference,
    BankCreditReferenceName,
    BankCreditsUnderReference,
    CreditStatus,
    EarlierBankCreditsUnderReference,
    StatementCredit,
    SuspenseReason,
)
from q2c_core.domain.contract import (
    Contract,
    ContractStatus,
    PricePoint,
    SubContract,
    SubContractKind,
    check_visible_line,
    next_term_end,
)
from q2c_core.domain.customer import Customer
from q2c_core.domain.enhancement_request import EnhancementRequest, TimeEntry
from q2c_core.domain.errors import (
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    NotFound,
    Q2CError,
    RuleViolated,
)
from q2c_core.domain.event_facts import require_kind
from q2c_core.domain.import_batch import (
    ImportBatch,
    ImportKind,
    ImportRejected,
    ImportReport,
    ImportSource,
    NeedsAttention,
    RowProblem,
)
from q2c_core.domain.import_index import (
    EarlierClaimsAliased,
    EarlierWorkEntriesIndexed,
    KnownBankAccounts,
    RecordedWorkEntry,
    UnindexedWorkEntriesIndexed,
    names_outside_entry,
)
from q2c_core.domain.import_rows import (
    BankCreditRow,
    BankReversalRow,
    ContractRow,
    SubContractRow,
    TimeEntryRow,
)
from q2c_core.domain.invoice import Invoice, InvoiceKind
from q2c_core.domain.money import Money
from q2c_core.domain.payment import Payment, receipt_key
from q2c_core.domain.prepaid_allowance import PrepaidAllowance
from q2c_core.domain.remittance import InvoiceNumberIndex, match_credit
from q2c_core.domain.values import Period, person_key, require_day

_T = TypeVar("_T")


def _listed(given: object, cls: type[_T], field: str) -> list[_T]:
    """An import command's rows (or problems) as a list, read once: any iterable of ``cls``
    (a generator too: read twice, it was empty the second time and the file's batch recorded
    with no row), else ``InvalidValue`` naming ``field``."""
    if isinstance(given, str | bytes | Mapping) or not isinstance(given, Iterable):
        raise InvalidValue(
            f"must be a list of {cls.__name__}, not {type(given).__name__}", field=field
        )
    items = list(given)
    for n, item in enumerate(items, 1):
        if not isinstance(item, cls):
            raise InvalidValue(
                f"item {n} is a {type(item).__name__}, not a {cls.__name__}", field=field
            )
    return items


def _problem(line: int, error: Q2CError, columns: Mapping[str, str] | None = None) -> RowProblem:
    """A row's problem, naming the field the error names, or the file's column for it
    (``columns``: ``entry.note`` is a PSA export's ``notes``)."""
    field = error.field or "row"
    return RowProblem(line, (columns or {}).get(field, field), error.rule)


# a sub-contract's attributes a refusal names (of one signed with its contract, or added to
# it), as a CRM export's columns name them
_SUB_COLUMNS = {
    f"{fact}.{attribute}": column
    for fact in ("sub_contract", "sub_contracts")
    for attribute, column in (
        ("sub_id", "sub_id"),
        ("description", "description"),
        ("kind", "kind"),
        ("effective_from", "effective_from"),
        ("effective_to", "effective_to"),
        ("prices", "annual_price"),
        ("prices.effective", "effective_from"),
        ("prices.annual_price", "annual_price"),
    )
}

# the time entry's attributes a refusal names, as a PSA export's columns name them
_ENTRY_COLUMNS = {
    "entry.entry_id": "entry_id",
    "entry.worker": "worker",
    "entry.work_date": "date",
    "entry.hours": "hours",
    "entry.rate": "rate",
    "entry.billable": "billable",
    "entry.note": "notes",
}


def _allocation_id(credit_key: str, n: int) -> str:
    """A stable allocation id for the n-th allocation of a bank credit."""
    return f"bank-{hashlib.sha256(credit_key.encode()).hexdigest()[:20]}-{n}"


class ImportCommands(BaseApp):
    """Commands that record what importers bring in, all-or-nothing and never twice."""

    # -- batches ---------------------------------------------------------------------------------

    def import_batch(self, file_sha256: str) -> ImportBatch | None:
        """The batch that recorded a file with this content, or None if it was never imported."""
        try:
            return self._get(ImportBatch, ImportBatch.create_id(file_sha256))
        except NotFound:
            return None

    def _booked_credit(self, credit_id: UUID) -> BankCredit | None:
        try:
            return self._get(BankCredit, credit_id)
        except NotFound:
            return None

    def _check_kind(self, source: ImportSource, kind: ImportKind) -> None:
        if not isinstance(source, ImportSource):
            raise InvalidValue(
                f"must be an ImportSource (the file's hash, name and kind), not "
                f"{type(source).__name__}",
                field="source",
            )
        if source.kind is not kind:
            raise InvalidValue(
                f"this command imports {kind.value}, not {source.kind.value}",
                field="kind",
                value=source.kind,
            )

    def _all_customers(self) -> list[Customer]:
        return [
            self._get(Customer, cid) for cid in self._created_ids(Customer, "CustomerRegistered")
        ]

    def _customer_by_ref(
        self, ref: str, customers: list[Customer] | None, field: str
    ) -> tuple[Customer, list[Customer]]:
        """A customer by id or by its name, as ``person_key`` reads it (case, spaces, full-width
        letters and invisible characters aside: the spellings the duplicate check refuses as
        the customer's); the name must be one customer's. An id no customer has is refused
        naming ``field``, the column that gave it, as a name nobody has is."""
        ref = ref.strip()
        try:
            customer_id = UUID(ref)
        except ValueError:
            pass
        else:
            try:
                return self._get(Customer, customer_id), customers or []
            except NotFound as e:
                # the column holding it is named, not the ``id`` the lookup calls it
                other = "" if e.rule.startswith("no ") else f" ({e.rule})"
                raise RuleViolated(
                    f"no customer has this id: {ref!r}{other}", field=field, value=ref
                ) from None
        if customers is None:
            customers = self._all_customers()
        key = person_key(ref)
        found = [c for c in customers if person_key(c.name) == key]
        if not found:
            raise RuleViolated(f"no customer has this name: {ref!r}", field=field, value=ref)
        if len(found) > 1:
            # (customers of a group registered by an ERP's reference: q2c never picks one)
            named = ", ".join(
                f"{c.id}" + (f" (reference {c.reference})" if c.reference else "") for c in found
            )
            raise RuleViolated(
                f"several customers have this name: {ref!r} ({named}): give the customer's id",
                field=field,
                value=ref,
            )
        return found[0], customers

    # -- time entries ----------------------------------------------------------------------------

    def import_time_entries(
        self,
        source: ImportSource,
        rows: Sequence[TimeEntryRow],
        *,
        imported_on: date,
        actor: str,
        tickets: Mapping[str, UUID] | None = None,
        problems: Iterable[RowProblem] = (),
    ) -> ImportReport:
        """Record a PSA export's time entries, all or nothing, never twice.

        ``rows`` (and ``problems``) are any iterable of them, read once; anything else, a
        ``source`` that is no ``ImportSource`` or ``tickets`` that are no mapping is
        ``InvalidValue`` naming it, nothing recorded.

        Each row's ``request_ref`` is a request id or a ticket reference found in ``tickets``.
        Work on an authorized request is logged (drawing its prepaid allowance, if any); work on
        any other request is recorded as unauthorized work, flagged, never dropped. An entry id
        already on its request is skipped. An entry id is work on one request: one recorded on
        another request (the PSA re-linked the entry to another ticket), or on another request
        on an earlier line of the file, is a ``DuplicateEntry`` naming the id and that request,
        never recorded twice. Each entry id recorded has its ``RecordedWorkEntry`` (the request
        it is on), saved with the work: a row's id is looked up, not found by reading every
        entry in the store (those recorded before get theirs once, with the first import after
        the upgrade: ``EarlierWorkEntriesIndexed``). ``problems`` found while reading the file
        are reported together with those found here.

        A row named by its content is also an entry an earlier version of the reader recorded
        by its content as typed then, whatever spelling of its worker and request it had
        (``_named_before``): ``dana`` on ``TKT-101`` imported before the upgrade is not
        recorded again when the export now writes ``Dana`` or the request's id.

        The report counts the entries recorded as unauthorized work
        (``ImportReport.unauthorized``, none when the file was imported before).
        """
        self._check_kind(source, ImportKind.TIME_ENTRIES)
        rows = _listed(rows, TimeEntryRow, "rows")
        read_problems = _listed(problems, RowProblem, "problems")
        if tickets is not None and not isinstance(tickets, Mapping):
            raise InvalidValue(
                f"must be a mapping of ticket to request id, not {type(tickets).__name__}",
                field="tickets",
            )
        ticket_map = _request_ids(tickets or {})
        rows = _own_former_ids(rows)

        def step() -> tuple[ImportReport, list[Aggregate]]:
            batch = self.import_batch(source.file_sha256)
            if batch is not None:
                return batch.report_again(source.kind), []
            found = list(read_problems)
            requests: dict[UUID, EnhancementRequest] = {}
            allowances: dict[UUID, PrepaidAllowance] = {}
            recorded = skipped = unauthorized = 0
            index = self._work_entries_indexed(actor)
            places = self._recorded_places({row.entry_id for row in rows}, index)
            # (an entry withdrawn from its request is held there no more: ``record_again``)
            on_request = {
                entry_id: place.request_id
                for entry_id, place in places.items()
                if not place.released
            }
            in_file: dict[str, tuple[UUID, int]] = {}  # entry id: its request, its first line
            new_work: list[tuple[int, UUID, TimeEntry]] = []  # line, request, entry recorded
            recorded_here: dict[str, int] = {}  # entry id recorded by this file: its line
            # the entries rows of the file are by their own ids, and how many rows of each
            # content were looked for among the entries named by content before (``_named_before``)
            named_in_file, by_content = self._named_in_file(rows, ticket_map, requests)
            # and the entries recorded by content rows of the file may be: those named by
            # content, and the content ids of the PSA ids not recorded yet (their own rank),
            # which a PSA id claims no other entry of its content from (``_seen_as``)
            spoken_for = by_content | {
                former
                for row in rows
                if not row.named_by_content and row.entry_id not in places
                for former in row.former_ids
            }
            # the entries recorded by content the PSA ids of the file claimed (their aliases):
            # each is its id's row, so a row of the file without an id is never one of them
            claimed = {
                place.recorded_as
                for row in rows
                if not row.named_by_content
                for place in [places.get(row.entry_id)]
                if place is not None and place.recorded_as is not None
            }
            named_in_file |= claimed
            looked_for: dict[tuple[object, ...], int] = {}
            for row in rows:
                try:
                    request = self._request_for(row, ticket_map, requests)
                    _check_one_request(row, request, on_request, in_file)
                    seen_as = self._seen_as(
                        row, request, index, places, (by_content, spoken_for, claimed), actor
                    )
                    if seen_as is None and row.named_by_content:
                        seen_as = _named_before(row, request, named_in_file, looked_for)
                    if seen_as is not None:
                        self._check_same_entry(
                            request,
                            attrs.evolve(row, entry_id=seen_as),
                            named=None if row.named_by_content else row.entry_id,
                            given_on=recorded_here.get(seen_as),
                        )
                        skipped += 1
                        continue
                    if row.named_by_content and row.entry_id in request.item_ids():
                        # its content id names an entry a PSA id of the file claimed: this
                        # row is other work, under an id of its own no row of the file takes
                        row = attrs.evolve(
                            row,
                            entry_id=_other_content_id(
                                row.entry_id, request.item_ids() | named_in_file
                            ),
                        )
                        for names in (named_in_file, by_content, spoken_for):
                            names.add(row.entry_id)
                    entry = TimeEntry(
                        entry_id=row.entry_id,
                        worker=row.worker,
                        work_date=row.work_date,
                        hours=row.hours,
                        rate=self._rate_for(row, request),
                        billable=row.billable,
                        note=row.note,
                    )
                    _check_day_on_request(request, entry, new_work)
                    if request.takes_work_on(entry.work_date):
                        request.log_work(entry, actor)
                        self._draw_allowance(request, entry, actor, allowances)
                    else:
                        request.record_unauthorized_work(
                            entry,
                            f"psa:{source.file_name}",
                            actor,
                            self._customer_currency(request),
                        )
                        unauthorized += 1
                    recorded += 1
                    new_work.append((row.line, request.id, entry))
                    recorded_here.setdefault(entry.entry_id, row.line)
                    place_id = RecordedWorkEntry.create_id(row.entry_id)
                    before = places.get(row.entry_id)
                    if before is not None and before.released and place_id not in index:
                        # withdrawn from the request it was on, moved here by the PSA
                        before.record_again(request.id, actor)
                        index[place_id] = before
                    elif row.entry_id not in on_request and place_id not in index:
                        index[place_id] = RecordedWorkEntry(
                            entry_id=row.entry_id, request_id=request.id, actor=actor
                        )
                except Q2CError as e:
                    found.append(_problem(row.line, e, _ENTRY_COLUMNS))
            found.extend(_days_over(new_work, requests))
            batch = _close_batch(
                source,
                found,
                imported_on,
                actor,
                rows=len(rows),
                recorded=recorded,
                skipped=skipped,
            )
            changed: list[Aggregate] = [
                batch,
                *(r for r in requests.values() if r.pending_events),
                *allowances.values(),
                *index.values(),
            ]
            report = attrs.evolve(batch.report(already_imported=False), unauthorized=unauthorized)
            return report, changed

        return self._atomically(step)

    def _seen_as(
        self,
        row: TimeEntryRow,
        request: EnhancementRequest,
        index: dict[UUID, Aggregate],
        places: Mapping[str, RecordedWorkEntry],
        in_file: tuple[set[str], set[str], set[str]],
        actor: str,
    ) -> str | None:
        """The id the row's entry is recorded under on its request, if it is: its own, else
        one of its ``former_ids`` (its content, as an export without the PSA's id column named
        it). An entry recorded by its content is one PSA entry: the first id to name it claims
        it (``RecordedWorkEntry.claim``, saved with the import, in ``index``); another PSA id
        with the same content is other work (a second identical call that day), not it.

        A PSA id that claimed an entry is that entry from then on, wherever its row sits among
        identical rows (its content id depends on it: 5001 and 5002 sorted otherwise swap
        them): the claim saves the id's own ``RecordedWorkEntry``, an alias naming the entry
        (``recorded_as``) and its request, looked up (``places``, ``index``) before any content
        id. Moved to another request it is refused as held there (``_check_one_request``);
        edited, as the entry it is (``_check_same_entry``). A claim made before aliases
        existed gets its alias with the first command after the upgrade that looks an id up
        (``_earlier_claims_aliased``, in ``index``). An entry a row of
        the file without an id names (``in_file``, first) is that row's, not claimed: the
        file's two rows are two entries.

        A PSA id not recorded yet whose own rank names no entry it may claim (a full export,
        not a delta: its row has content ids) claims the earliest entry of its content on its
        request recorded by content that no PSA id has claimed and no row of the file may be
        (``in_file``, second: those rows named by content are, and the own ranks of the other
        PSA ids not recorded yet), as ``_claim_alike``: bob's call exported without its id
        beside 5001, then as 5002 after 5001, is one entry (its rank among rows without ids
        was 0, 5002's among rows with ids is 1). With none left, it is other work.

        A row named by its content (``named_by_content``) is that entry under each of its
        former ids, its own earlier names (the same cells, the same occurrence), whichever
        PSA id has claimed it since: it claims nothing, so the PSA id that names it later can.
        A row with the PSA's id is an entry claimed by one of its own content ids too.

        An entry a PSA id of the file has claimed (``in_file``, third) is that id's row: a row
        of the file without an id (not synced yet) is other work, not it, whatever its content
        id (bob's unsynced second call beside 5001, which claimed his first)."""
        by_content, spoken_for, claimed = in_file
        known = request.item_ids()
        if row.entry_id in known and not (row.named_by_content and row.entry_id in claimed):
            return row.entry_id
        own = index.get(RecordedWorkEntry.create_id(row.entry_id)) or places.get(row.entry_id)
        if (
            isinstance(own, RecordedWorkEntry)
            and own.request_id == request.id
            and own.recorded_as in known
        ):
            return own.recorded_as
        for former in row.former_ids:
            if former not in known:
                continue
            if row.named_by_content:
                if former in claimed:
                    continue
                return former
            if former in by_content:
                continue
            place_id = RecordedWorkEntry.create_id(former)
            place = index.get(place_id)
            if not isinstance(place, RecordedWorkEntry):
                found = self._get_many(RecordedWorkEntry, [place_id])
                place = found[0] if found else None
            if place is None:
                # recorded after the upgrade by another command: not indexed, never claimed
                place = RecordedWorkEntry(entry_id=former, request_id=request.id, actor=actor)
            if place.claimed_by in row.former_ids:
                return former
            if not place.claimable_by(row.entry_id):
                continue
            return self._claimed_by_row(row, request, place, index, alias=own is None, actor=actor)
        if own is not None or row.named_by_content or not row.former_ids:
            return None
        return self._claim_alike(row, request, index, spoken_for, actor)

    def _claim_alike(
        self,
        row: TimeEntryRow,
        request: EnhancementRequest,
        index: dict[UUID, Aggregate],
        spoken_for: set[str],
        actor: str,
    ) -> str | None:
        """The entry a PSA id not recorded yet claims past its own rank (``_seen_as``), None
        when there is none: one the same PSA recorded by its content (``<source>:`` and a
        hash) on the row's request, with the row's content (``_alike``), not ``spoken_for`` by
        a row of the file. The one this id claimed before aliases existed if any (it gets its
        alias), else the earliest no PSA id has claimed: another claimed is another PSA
        entry, and with none left the row is other work (a second identical call)."""
        alike = _alike(row, request, spoken_for)
        if not alike:
            return None
        place_ids = [RecordedWorkEntry.create_id(entry_id) for entry_id in alike]
        found: dict[str, RecordedWorkEntry] = {}
        missing: list[UUID] = []
        for place_id in place_ids:
            place = index.get(place_id)
            if isinstance(place, RecordedWorkEntry):
                found[place.entry_id] = place
            else:
                missing.append(place_id)
        for place in self._get_many(RecordedWorkEntry, missing):
            found[place.entry_id] = place
        claimed = [i for i in alike if i in found and found[i].claimed_by == row.entry_id]
        free = [i for i in alike if i not in found or found[i].claimed_by is None]
        if not claimed and not free:
            return None
        chosen = (claimed or free)[0]
        place = found.get(chosen) or RecordedWorkEntry(
            # recorded after the upgrade by another command: not indexed, never claimed
            entry_id=chosen,
            request_id=request.id,
            actor=actor,
        )
        return self._claimed_by_row(row, request, place, index, alias=True, actor=actor)

    @staticmethod
    def _claimed_by_row(
        row: TimeEntryRow,
        request: EnhancementRequest,
        place: RecordedWorkEntry,
        index: dict[UUID, Aggregate],
        *,
        alias: bool,
        actor: str,
    ) -> str:
        """``place``'s entry, recorded by its content, claimed by the row's PSA id (saved with
        the import, in ``index``), with the id's alias naming it when ``alias`` (the id has no
        ``RecordedWorkEntry`` yet): its id."""
        place.claim(row.entry_id, actor)
        if place.pending_events:
            index[place.id] = place
        if alias:
            made = RecordedWorkEntry(
                entry_id=row.entry_id,
                request_id=request.id,
                actor=actor,
                recorded_as=place.entry_id,
            )
            index[made.id] = made
        return place.entry_id

    def _named_in_file(
        self,
        rows: Sequence[TimeEntryRow],
        tickets: Mapping[str, UUID],
        cache: dict[UUID, EnhancementRequest],
    ) -> tuple[set[str], set[str]]:
        """The entry ids the rows of a file name entries by, so no other row takes those
        entries as its own by content (``_named_before``): each row's id (the entry it records
        if new), the ids a row with the PSA's id may claim (its content ids), and the entry a
        row named by its content already is on its request (its id, else the first of its
        former ids recorded: what ``_seen_as`` finds). A row whose request is unknown names
        none here (the import refuses it).

        Second, those the rows named by their content name (their ids and the entries they
        are): a row with the PSA's id claims none of them (``_seen_as``), the entry being that
        other row's (recorded by it a moment before, or earlier): two rows are two entries."""
        named: set[str] = set()
        by_content: set[str] = set()
        for row in rows:
            named.add(row.entry_id)
            if not row.named_by_content:
                named.update(row.former_ids)
                continue
            by_content.add(row.entry_id)
            try:
                known = self._request_for(row, tickets, cache).item_ids()
            except Q2CError:
                continue
            if row.entry_id not in known:
                by_content.update([i for i in row.former_ids if i in known][:1])
        return named | by_content, by_content

    def _requests_holding(
        self, entry_ids: set[str], made: Mapping[UUID, Aggregate]
    ) -> dict[str, UUID]:
        """The request each of these entry ids is recorded on (``RecordedWorkEntry``, among
        ``made`` or in the store), for those recorded at all: one id looked up per entry."""
        places = self._recorded_places(entry_ids, made)
        return {entry_id: place.request_id for entry_id, place in places.items()}

    def _recorded_places(
        self, entry_ids: set[str], made: Mapping[UUID, Aggregate]
    ) -> dict[str, RecordedWorkEntry]:
        """The ``RecordedWorkEntry`` of each of these entry ids (among ``made`` or in the
        store), for those recorded at all: one id looked up per entry."""
        by_id = {RecordedWorkEntry.create_id(i): i for i in entry_ids}
        found: dict[str, RecordedWorkEntry] = {}
        missing: list[UUID] = []
        for place_id, entry_id in by_id.items():
            place = made.get(place_id)
            if isinstance(place, RecordedWorkEntry):
                found[entry_id] = place
            else:
                missing.append(place_id)
        for place in self._get_many(RecordedWorkEntry, missing):
            found[place.entry_id] = place
        return found

    def _work_entries_indexed(self, actor: str) -> dict[UUID, Aggregate]:
        """The ``RecordedWorkEntry`` of each entry recorded without one (the request its work
        is on: the first, where an id is on several), and the marks that every entry has one,
        to save with the first command after the upgrade that looks an entry id up; nothing
        once they do (the store is not read again).

        Entries recorded before the index existed have none (``EarlierWorkEntriesIndexed``):
        all the work in the store is read. Entries ``import_work`` and ``log_work`` recorded
        after it, before they saved theirs, have none either (``UnindexedWorkEntriesIndexed``):
        the work recorded since the first mark is read, and the ids without a record get one.
        PSA ids that claimed an entry recorded by its content before a claim saved an alias
        get theirs (``_earlier_claims_aliased``).
        """
        with contextlib.suppress(NotFound):
            self._get(UnindexedWorkEntriesIndexed, UnindexedWorkEntriesIndexed.create_id())
            return self._earlier_claims_aliased({}, actor)
        earlier = self._first_notification(EarlierWorkEntriesIndexed, "EarlierWorkEntriesIndexed")
        first: dict[str, UUID] = {}
        for name in ("WorkLogged", "UnauthorizedWorkRecorded"):
            for event in self._created_events(EnhancementRequest, name, earlier or 1):
                if event.entry.entry_id:
                    first.setdefault(event.entry.entry_id, event.originator_id)
        known = self._requests_holding(set(first), {})
        made: dict[UUID, Aggregate] = {}
        for entry_id, request_id in first.items():
            if entry_id in known:
                continue
            place = RecordedWorkEntry(entry_id=entry_id, request_id=request_id, actor=actor)
            made[place.id] = place
        if earlier is None:
            mark: Aggregate = EarlierWorkEntriesIndexed(entries=len(made), actor=actor)
            made[mark.id] = mark
            unindexed = 0
        else:
            unindexed = len(made)
        mark = UnindexedWorkEntriesIndexed(entries=unindexed, actor=actor)
        made[mark.id] = mark
        return self._earlier_claims_aliased(made, actor)

    def _earlier_claims(
        self, made: Mapping[UUID, Aggregate]
    ) -> dict[str, RecordedWorkEntry] | None:
        """The entries recorded by their content PSA ids claimed before a claim saved the id's
        alias (``RecordedWorkEntry.recorded_as``), by claiming id, for the ids with no
        ``RecordedWorkEntry`` (among ``made`` or in the store): the first entry each claimed.
        Found by reading the claims (``WorkEntryClaimed``) until ``EarlierClaimsAliased``
        says every claim has its alias: None from then on."""
        with contextlib.suppress(NotFound):
            self._get(EarlierClaimsAliased, EarlierClaimsAliased.create_id())
            return None
        claimed = list(
            dict.fromkeys(
                e.originator_id for e in self._created_events(RecordedWorkEntry, "WorkEntryClaimed")
            )
        )
        stored = {p.id: p for p in self._get_many(RecordedWorkEntry, claimed)}
        claimers: dict[str, RecordedWorkEntry] = {}
        for place_id in claimed:
            place = made.get(place_id) or stored.get(place_id)
            if isinstance(place, RecordedWorkEntry) and place.claimed_by is not None:
                claimers.setdefault(place.claimed_by, place)
        have = self._recorded_places(set(claimers), made)
        return {i: place for i, place in claimers.items() if i not in have}

    def _earlier_claims_aliased(
        self, made: dict[UUID, Aggregate], actor: str
    ) -> dict[UUID, Aggregate]:
        """``made``, with the alias of each PSA id that claimed an entry recorded by its content
        before claims saved one (``_earlier_claims``), and the mark that every claim has its
        alias (``EarlierClaimsAliased``), to save with the command: such an id is the entry it
        claimed wherever its row sits, moved or sent by the webhook, as one claimed since is.
        Nothing once the mark is saved."""
        earlier = self._earlier_claims(made)
        if earlier is None:
            return made
        for entry_id, place in earlier.items():
            alias = RecordedWorkEntry(
                entry_id=entry_id,
                request_id=place.request_id,
                actor=actor,
                recorded_as=place.entry_id,
            )
            made[alias.id] = alias
        mark = EarlierClaimsAliased(entries=len(earlier), actor=actor)
        made[mark.id] = mark
        return made

    def _first_notification(self, cls: type[Aggregate], created_event: str) -> int | None:
        """Where the first creation event of a class is in the store's log, None if none is."""
        topic = f"{cls.__module__}:{cls.__qualname__}.{created_event}"
        page = self.recorder.select_notifications(start=1, limit=1, topics=[topic])
        return page[0].id if page else None

    def _hold_entry(
        self, request: EnhancementRequest, entry_id: str, actor: str
    ) -> list[Aggregate]:
        """What a command recording the entry ``entry_id`` on ``request`` saves with the work
        so the id is work on one request: its ``RecordedWorkEntry`` (and those of the entries
        recorded without one, ``_work_entries_indexed``). ``DuplicateEntry`` naming
        ``entry_id`` and the request when another request holds it. Nothing for an id of the
        request's own (``names_outside_entry``)."""
        if not names_outside_entry(entry_id):
            return []
        index = self._work_entries_indexed(actor)
        place = self._recorded_places({entry_id}, index).get(entry_id)
        if place is not None and place.released and place.request_id != request.id:
            # withdrawn from the request it was on: recorded here from now on
            place.record_again(request.id, actor)
            index[place.id] = place
            return list(index.values())
        held = None if place is None else place.request_id
        if held is not None and held != request.id:
            raise _held_elsewhere(entry_id, held)
        if place is not None and place.recorded_as is not None:
            raise DuplicateEntry(
                f"entry {entry_id!r} is the entry {place.recorded_as!r} recorded by its content "
                "(its PSA id claimed it): the same work is not recorded twice",
                field="entry_id",
                aggregate_id=request.id,
                value=entry_id,
            )
        if held is None:
            place = RecordedWorkEntry(entry_id=entry_id, request_id=request.id, actor=actor)
            index[place.id] = place
        return list(index.values())

    @staticmethod
    def _check_same_entry(
        request: EnhancementRequest,
        row: TimeEntryRow,
        named: str | None = None,
        given_on: int | None = None,
    ) -> None:
        """An entry id seen before must carry the same work, and the same rate when the file
        gives one (without one, the request's rate applied, which may have changed since): a
        changed entry is not re-imported, and not skipped either. The worker is a person
        (``person_key``): ``Dana`` for ``dana`` is the same entry, not an edited one.
        ``named``: the PSA id the file gives the entry, when it is recorded under another
        (the content id it claimed), so the refusal names both. ``given_on``: the line of the
        file that gave the entry, when an earlier row of the same import holds it (nothing is
        recorded yet: the refusal names that line, not the books). A row without a PSA id is
        its content (``named_by_content``): only its rate can differ, and the refusal names
        ``rate`` (or ``currency``), not an entry id the file does not have."""
        recorded = request.recorded_entry(row.entry_id)
        shown = row.entry_id if named in (None, row.entry_id) else f"{named} ({row.entry_id})"
        rate_changed = row.rate is not None and (
            recorded.rate.amount != row.rate
            or (row.currency is not None and recorded.rate.currency != row.currency)
        )
        same_work = (
            person_key(recorded.worker),
            recorded.work_date,
            recorded.hours,
            recorded.billable,
        ) == (person_key(row.worker), row.work_date, row.hours, row.billable)
        if rate_changed and same_work and row.named_by_content:
            # known by its content, the work is the same: only its rate (amount or currency)
            # differs, and the file has no entry id to name (the entry's is a digest of it)
            where = "" if given_on is None else f" on line {given_on} of this file"
            field, value = (
                ("rate", row.rate)
                if recorded.rate.amount != row.rate
                else ("currency", row.currency)
            )
            given = f"{row.rate}{' ' + row.currency if row.currency else ''}"
            raise DuplicateEntry(
                f"{row.worker}'s {row.hours} h of {row.work_date} are recorded{where} at "
                f"{recorded.rate}, not {given}: a correction needs a new entry, not an edited "
                "one",
                field=field,
                aggregate_id=request.id,
                value=value,
            )
        if rate_changed or not same_work:
            if given_on is not None:
                raise DuplicateEntry(
                    f"entry {shown!r} is given on line {given_on} of this file as "
                    f"{recorded.worker} {recorded.work_date} {recorded.hours} h at "
                    f"{recorded.rate} (billable: {recorded.billable}): one entry id is one "
                    "entry, given once (a correction is a new entry)",
                    field="entry_id",
                    aggregate_id=request.id,
                    value=row.entry_id,
                )
            withdrawn = request.withdrawal_of(row.entry_id)
            gone = "" if withdrawn is None else f", then withdrawn ({withdrawn.reason})"
            raise DuplicateEntry(
                f"entry {shown!r} is already recorded as {recorded.worker} "
                f"{recorded.work_date} {recorded.hours} h at {recorded.rate} (billable: "
                f"{recorded.billable}){gone}; a correction needs a new entry, not an edited "
                "one",
                field="entry_id",
                aggregate_id=request.id,
                value=row.entry_id,
            )

    def _check_same_work(self, request: EnhancementRequest, entry: TimeEntry) -> bool:
        """Whether ``entry`` is a time entry recorded on the request (an import of it again,
        skipped), as ``_check_same_entry`` compares a row: the same work at the same rate, or
        ``DuplicateEntry`` naming ``entry_id`` (a changed entry is refused, not skipped). A PSA
        id that claimed an entry recorded by its content (``RecordedWorkEntry.recorded_as``)
        is that entry."""
        recorded_as = entry.entry_id
        if all(e.entry_id != entry.entry_id for e in request.recorded_entries()):
            if not names_outside_entry(entry.entry_id):
                return False
            place = self._recorded_places({entry.entry_id}, {}).get(entry.entry_id)
            claimed_as: str | None
            if place is None:
                # claimed before claims saved an alias (``_earlier_claims_aliased``)
                claimed = (self._earlier_claims({}) or {}).get(entry.entry_id)
                if claimed is None:
                    return False
                held_by, claimed_as = claimed.request_id, claimed.entry_id
            else:
                held_by, claimed_as = place.request_id, place.recorded_as
            if claimed_as is None or held_by != request.id:
                return False
            recorded_as = claimed_as
        row = TimeEntryRow(
            line=0,
            entry_id=recorded_as,
            worker=entry.worker,
            work_date=entry.work_date,
            hours=entry.hours,
            request_ref=str(request.id),
            billable=entry.billable,
            note=entry.note,
            rate=entry.rate.amount,
            currency=entry.rate.currency,
        )
        self._check_same_entry(request, row, named=entry.entry_id)
        return True

    def _request_for(
        self,
        row: TimeEntryRow,
        tickets: Mapping[str, UUID],
        cache: dict[UUID, EnhancementRequest],
    ) -> EnhancementRequest:
        ref = row.request_ref.strip()
        request_id = tickets.get(ref)
        if request_id is None:
            try:
                request_id = UUID(ref)
            except ValueError:
                raise RuleViolated(
                    f"{ref!r} is neither a request id nor a known ticket",
                    field="request",
                    value=ref,
                ) from None
        if request_id not in cache:
            try:
                cache[request_id] = self._get(EnhancementRequest, request_id)
            except NotFound:
                raise RuleViolated(f"no request {ref!r}", field="request", value=ref) from None
        return cache[request_id]

    def _customer_currency(self, request: EnhancementRequest) -> str | None:
        """The customer's currency when the request has no currency of its own yet (no
        estimate, no work): what its unauthorized work must be rated in (None: it has one)."""
        if request.billing_currency() is not None:
            return None
        return self._get(Customer, request.customer_id).currency

    def _rate_for(self, row: TimeEntryRow, request: EnhancementRequest) -> Money:
        if row.rate is not None:
            currency = row.currency or request.currency
            if currency is None:
                currency = self._get(Customer, request.customer_id).currency
            return Money(row.rate, currency)
        estimate = request.estimate
        if estimate is None or estimate.rate is None:
            raise InvalidValue(
                "no rate given and the request has no hourly estimate to take it from",
                field="rate",
                aggregate_id=request.id,
            )
        if row.currency is not None and row.currency.upper() != estimate.rate.currency:
            # (the row's currency would be dropped: its hours billed in the estimate's)
            raise InvalidValue(
                f"{row.currency}, but the row gives no rate and the request's hourly estimate "
                f"is in {estimate.rate.currency}: give the rate in {row.currency}, or leave "
                "the currency empty",
                field="currency",
                aggregate_id=request.id,
                value=row.currency,
            )
        return estimate.rate

    # -- contracts -------------------------------------------------------------------------------

    def import_contracts(
        self,
        source: ImportSource,
        rows: Sequence[ContractRow],
        *,
        imported_on: date,
        actor: str,
        problems: Iterable[RowProblem] = (),
    ) -> ImportReport:
        """Record a CRM export's contracts and sub-contracts, all or nothing, never twice.

        ``rows`` (and ``problems``) are any iterable of them, read once; anything else, or a
        ``source`` that is no ``ImportSource``, is ``InvalidValue`` naming it, nothing recorded.

        A contract is found by its customer and number; a new one is signed in the row's currency,
        else the customer's (and activated when the row gives an activation date); a sub-contract's
        price given as an amount is in its contract's currency. A number that differs from one of
        the customer's contracts only by case, spaces or punctuation (``mc-1`` for ``MC-1``), or
        by full-width or invisible characters as ``sign_contract`` reads it, is refused, not
        signed as a second contract; so is a new sub-contract's id differing that way from one
        of its contract's, recorded or given earlier in the file (``erp 1`` for
        ``ERP-1``: the same service billed twice). A sub-contract already on its contract is skipped
        when the row says what is recorded (its price: the one in force on ``imported_on``, a
        re-price and a renewal's uplift included), removed or extended when only its end date
        differs (other terms are refused naming the column); a new one is added (one new to a
        contract recorded before needs its ``effective_from``: left empty, refused naming it,
        as its term's start would bill it back over periods already invoiced; its price too is
        the one in force on ``imported_on``: one starting before a renewal with uplift due by
        then is refused naming annual_price, its price before that renewal not being given).
        A description the CRM corrected is recorded as that correction
        (``Contract.describe_sub_contract``; counted in the report's ``corrected``); another
        kind is refused naming the command that corrects it (``describe_sub_contract``). A
        sub-contract's id is its contract's own; a new one whose id is live on another of the
        customer's contracts on days the row gives moved when the file lists that contract
        without it, from a day after it began there: recorded as ``reassign_sub_contract``
        records the move (ended there, started here, on the row's ``effective_from``). Listed
        there too, it is another site; a file not listing that contract records it and names it
        in ``needs_attention`` (if it moved, a person reassigns it before a run bills both).
        Rows of one contract (its customer however written: name or id) must agree (a column
        that differs is refused by its name) and must agree with what is recorded (an activation
        day too, when the row gives one; the term the one signed or any term recorded since, as
        a renewed one, and a signing day only when given; a recorded sub-contract's start only
        when given); so must rows of one sub-contract (a repeat as it is is skipped, one with
        other terms refuses the file). The export is read as each listed contract's full list of
        sub-contracts: one recorded and billed on or after ``imported_on`` that it no longer
        lists (nor moves) is not ended, the export giving no day, but named in the report's
        ``needs_attention`` (``_not_listed``), for a person to end by command or the CRM to list
        again.
        """
        self._check_kind(source, ImportKind.CONTRACTS)
        rows = _listed(rows, ContractRow, "rows")
        read_problems = _listed(problems, RowProblem, "problems")

        def step() -> tuple[ImportReport, list[Aggregate]]:
            batch = self.import_batch(source.file_sha256)
            if batch is not None:
                return batch.report_again(source.kind), []
            found = list(read_problems)
            customers: list[Customer] | None = None
            touched: dict[UUID, Customer] = {}
            contracts: dict[tuple[UUID, str], Contract] = {}
            first_row: dict[tuple[UUID, str], ContractRow] = {}
            # a sub-contract's first row in the file: a repeat must give the same terms
            first_sub: dict[tuple[UUID, str, str], ContractRow] = {}
            # contracts a sub-contract of the file moved away from, not named by a row yet
            left: dict[UUID, Contract] = {}
            # contracts this file signs: only their sub-contracts start with the term by default
            signed: set[UUID] = set()
            # (contract id, sub id) of sub-contracts this file moved to another contract
            moved_out: set[tuple[UUID, str]] = set()
            # new sub-contracts whose id is live on a contract of the customer the file does
            # not list: perhaps moved, perhaps another site under the same id (``_moved_here``)
            also_live: list[NeedsAttention] = []
            listed, customers = self._subs_listed(rows)
            recorded = skipped = corrected = 0
            for row in rows:
                try:
                    customer, customers = self._customer_by_ref(
                        row.customer_ref, customers, "customer"
                    )
                    if customer.id in touched:
                        customer = touched[customer.id]
                    key = (customer.id, row.number.strip())
                    contract = contracts.get(key)
                    if contract is None:
                        batch_contracts = {**left, **{c.id: c for c in contracts.values()}}
                        try:
                            contract, new = self._contract_for(
                                customer, row, actor, batch_contracts, imported_on
                            )
                        except InvalidValue as e:
                            raise _in_column(e) from None
                        contracts[key] = contract
                        first_row[key] = row
                        if new:
                            signed.add(contract.id)
                            customer.add_contract(contract.id, actor)
                            touched[customer.id] = customer
                            recorded += 1
                    else:
                        _check_same_terms(first_row[key], row)
                    if row.sub is None:
                        continue
                    sub = row.sub
                    sub_key = (*key, sub.sub_id)
                    earlier = first_sub.setdefault(sub_key, row)
                    if earlier.sub != sub:
                        # the file contradicts itself: row order must not decide what is billed
                        raise RuleViolated(
                            f"sub-contract {sub.sub_id!r} has other terms on line {earlier.line}",
                            field="sub_id",
                            value=sub.sub_id,
                        )
                    annual_price = _price_in(sub, contract)
                    moved = False
                    if sub.sub_id not in contract.sub_contracts:
                        # printed on every line billing it, as ``add_sub_contract`` checks
                        check_visible_line(sub.sub_id, "sub_id")
                        check_visible_line(sub.description, "description")
                        _check_sub_id_as_written(sub.sub_id, contract, first_sub, key)
                        if not sub.effective_from_given and contract.id not in signed:
                            # its term's start is no start day here: the run would bill it
                            # back to that day, over periods already invoiced
                            raise RuleViolated(
                                f"needed for sub-contract {sub.sub_id!r}, new to contract "
                                f"{contract.number} which q2c already bills (without it the "
                                "sub-contract would start on the term's start, "
                                f"{row.term_start.isoformat()}, and be billed back to it)",
                                field="effective_from",
                                aggregate_id=contract.id,
                                value=sub.sub_id,
                            )
                        loaded = {**left, **{c.id: c for c in contracts.values()}}
                        moved_away = self._moved_here(
                            customer, contract, sub, loaded, listed, also_live
                        )
                        self.know_renewals(contract)
                        if moved_away is None:
                            _check_new_sub_price(sub, contract, imported_on)
                            contract.add_sub_contract(
                                SubContract(
                                    sub_id=sub.sub_id,
                                    description=sub.description,
                                    kind=sub.kind,
                                    effective_from=sub.effective_from,
                                    prices=(PricePoint(sub.effective_from, annual_price),),
                                    effective_to=sub.effective_to,
                                ),
                                actor,
                            )
                            recorded += 1
                            continue
                        # the CRM moved it here: recorded as ``reassign_sub_contract`` records
                        # it, then checked against the row as a sub-contract recorded here
                        move_sub_contract(
                            moved_away,
                            sub.sub_id,
                            contract,
                            sub.effective_from,
                            actor,
                            as_sub_id=sub.sub_id,
                        )
                        left.setdefault(moved_away.id, moved_away)
                        moved_out.add((moved_away.id, sub.sub_id))
                        recorded += 1
                        moved = True
                    if sub.sub_id in contract.sub_contracts:
                        existing = contract.sub_contracts[sub.sub_id]
                        _check_sub_terms(existing, sub, annual_price, contract, imported_on)
                        if existing.kind != sub.kind:
                            raise RuleViolated(
                                f"sub-contract {sub.sub_id!r} is recorded as a "
                                f"{existing.kind.value} (correct it with describe_sub_contract("
                                f"contract, {sub.sub_id!r}, kind=SubContractKind."
                                f"{sub.kind.name}, actor=...), then import the file again)",
                                field="kind",
                                aggregate_id=contract.id,
                                value=sub.kind,
                            )
                        # the CRM corrected its text: recorded as that correction
                        described = sub.description.strip()
                        if contract.describe_sub_contract(sub.sub_id, actor, description=described):
                            corrected += 1
                        if sub.effective_to == existing.effective_to:
                            skipped += 0 if moved else 1
                            continue
                        if sub.effective_to is None or (
                            existing.effective_to is not None
                            and sub.effective_to > existing.effective_to
                        ):
                            # the CRM now covers it longer (an end recorded by mistake)
                            self.know_renewals(contract)
                            contract.extend_sub_contract(sub.sub_id, sub.effective_to, actor)
                        else:
                            # the CRM now ends it: removed from that day
                            contract.remove_sub_contract(sub.sub_id, sub.effective_to, actor)
                        recorded += 0 if moved else 1
                except Q2CError as e:
                    held = [*left.values(), *contracts.values()]
                    found.append(_problem(row.line, _contract_named(e, held), _SUB_COLUMNS))
            batch = _close_batch(
                source,
                found,
                imported_on,
                actor,
                rows=len(rows),
                recorded=recorded,
                skipped=skipped,
                corrected=corrected,
            )
            changed_contracts = {c.id: c for c in [*left.values(), *contracts.values()]}
            changed: list[Aggregate] = [
                batch,
                *touched.values(),
                *(c for c in changed_contracts.values() if c.pending_events),
            ]
            unlisted = _not_listed(contracts, listed, signed, moved_out, imported_on)
            report = attrs.evolve(
                batch.report(already_imported=False), needs_attention=(*unlisted, *also_live)
            )
            return report, changed

        return self._atomically(step)

    def _subs_listed(
        self, rows: Sequence[ContractRow]
    ) -> tuple[dict[tuple[UUID, str], dict[str, SubContractRow]], list[Customer] | None]:
        """The sub-contracts each contract of the file lists, by (customer id, number), its first
        row's each, and the customers read to know them. A contract the file gives only by rows
        without a sub-contract (an export of master data, without the sub-contract columns)
        says nothing of its sub-contracts: it is not among them. A row naming no customer is
        left to the import's own check, which names it."""
        listed: dict[tuple[UUID, str], dict[str, SubContractRow]] = {}
        customers: list[Customer] | None = None
        for row in rows:
            try:
                customer, customers = self._customer_by_ref(row.customer_ref, customers, "customer")
            except Q2CError:
                continue
            if row.sub is not None:
                subs = listed.setdefault((customer.id, row.number.strip()), {})
                subs.setdefault(row.sub.sub_id, row.sub)
        return listed, customers

    def _moved_here(
        self,
        customer: Customer,
        contract: Contract,
        sub: SubContractRow,
        loaded: Mapping[UUID, Contract],
        listed: Mapping[tuple[UUID, str], Mapping[str, SubContractRow]],
        also_live: list[NeedsAttention],
    ) -> Contract | None:
        """The customer's other contract a new sub-contract row moves from, or None when it is
        another sub-contract. An id is a contract's own (``S1``, a CRM's line number, on each of
        a customer's contracts): the same id live on another contract on the row's days is the
        same site moved only when the file lists that contract without it, from a day after it
        began there (recorded as ``reassign_sub_contract`` records it, on the row's
        ``effective_from``). Listed there too, it is another site. A file that does not list
        that contract says neither: the row is recorded, and the report names it as needing
        attention (``also_live``), for a person to reassign it if it moved, before a run bills
        both."""
        start, end = sub.effective_from, sub.effective_to or date.max
        for contract_id in customer.contract_ids:
            if contract_id == contract.id:
                continue
            if contract_id in loaded:
                other = loaded[contract_id]
            else:
                other = self._get(Contract, contract_id)
            held = other.sub_contracts.get(sub.sub_id)
            if held is None:
                continue
            in_file = listed.get((customer.id, other.number))
            given = None if in_file is None else in_file.get(sub.sub_id)
            held_to = held.effective_to if given is None else given.effective_to
            # (billed there no later than its contract's term runs, renewed as a run would:
            # a contract that did not renew bills none of the row's days)
            term_end = other.term_renewed_through(start).end
            held_to = term_end if held_to is None else min(held_to, term_end)
            if held_to <= start or end <= held.effective_from:
                continue
            if in_file is not None and given is None and held.effective_from < start:
                return other
            if in_file is None:
                also_live.append(
                    NeedsAttention(
                        contract_id=contract.id,
                        contract=contract.number,
                        sub_id=sub.sub_id,
                        rule=(
                            f"also live on contract {other.number} from "
                            f"{held.effective_from.isoformat()}"
                            + ("" if held_to is None else f" to {held_to.isoformat()}")
                            + ": if it moved, reassign it (reassign_sub_contract, effective "
                            f"{start.isoformat()}) before a run bills both; an export listing "
                            f"{other.number} without it moves it"
                        ),
                    )
                )
        return None

    def describe_sub_contract(
        self,
        contract_id: UUID,
        sub_id: str,
        *,
        actor: str,
        description: str | None = None,
        kind: SubContractKind | None = None,
    ) -> bool:
        """Correct a sub-contract's description or kind (``SubContractDescribed``; what is not
        given stays): no money changes, the invoices issued from now on print the new text.
        Returns whether anything changed; nothing is recorded when it did not. A CRM export
        naming another description records it as this correction; one naming another kind is
        refused until it is made here."""

        def step() -> tuple[bool, list[Aggregate]]:
            contract = self._get(Contract, contract_id)
            changed = contract.describe_sub_contract(
                sub_id, actor, description=description, kind=kind
            )
            return changed, [contract] if changed else []

        try:
            return self._atomically(step)
        except Q2CError as error:
            error.naming(contract_id)
            raise

    def _contract_for(
        self,
        customer: Customer,
        row: ContractRow,
        actor: str,
        batch: Mapping[UUID, Contract],
        imported_on: date,
    ) -> tuple[Contract, bool]:
        """The customer's contract with the row's number, or a new one signed from the row.

        ``batch`` holds the contracts this import already signed or loaded: the customer lists a
        contract signed earlier in the same file, which is not saved yet.
        """
        term = Period(row.term_start, row.term_end)
        number = row.number.strip()
        theirs = [
            batch[contract_id] if contract_id in batch else self._get(Contract, contract_id)
            for contract_id in customer.contract_ids
        ]
        if all(contract.number != number for contract in theirs):
            like = [c for c in theirs if _number_key(c.number) == _number_key(number)]
            if like:
                raise RuleViolated(
                    f"contract {number!r} differs from the customer's contract "
                    f"{like[0].number!r} only by case, spaces or punctuation: write it as "
                    "recorded (a second contract would bill the same service twice)",
                    field="contract",
                    aggregate_id=like[0].id,
                    value=number,
                )
        for contract in theirs:
            if contract.number != number:
                continue
            differing = _terms_differing(contract, row, self._recorded_terms(contract, imported_on))
            if differing:
                raise RuleViolated(
                    f"contract {row.number} is recorded with another "
                    + ", ".join(differing)
                    + " (a recorded contract changes by command: renew, terminate...)",
                    field=differing[0],
                    aggregate_id=contract.id,
                    value=row.number,
                )
            if row.activated_on is not None and contract.status is ContractStatus.SIGNED:
                contract.activate(row.activated_on, actor)
            return contract, False
        contract = Contract(
            customer_id=customer.id,
            number=row.number.strip(),
            currency=row.currency or customer.currency,
            term=term,
            frequency=row.frequency,
            signed_on=row.signed_on,
            actor=actor,
            timing=row.timing,
            alignment=row.alignment,
            day_count=row.day_count,
            auto_renew=row.auto_renew,
            account_manager=customer.manager_on(row.signed_on, "signed_on"),
            tax_rate=customer.tax_rate_on(row.signed_on, "signed_on"),
            payment_terms_days=customer.payment_terms_on(row.signed_on, "signed_on"),
            renewal_uplift_percent=row.renewal_uplift_percent,
        )
        # (and the customer's changes over its term, as ``sign_contract``)
        contract.follow_customer(actor, customer)
        if row.activated_on is not None and contract.status is ContractStatus.SIGNED:
            contract.activate(row.activated_on, actor)
        return contract, True

    def _recorded_terms(self, contract: Contract, day: date) -> list[Period]:
        """Each term of a recorded contract, from its events: the term it was signed for, then
        each term a renewal (``Renewed``, by command or by the billing run) took it into; the
        last cut where a termination cut it. An evergreen term lapsed by ``day`` counts as
        renewed through it, as the billing run will renew it (``term_renewed_through``), as
        the price column is read (``_price_in_force``): whether a run came first does not
        decide whether an export is accepted."""
        terms: list[Period] = []
        for e in self.events.get(contract.id, lte=contract.version):
            name = type(e).__name__
            if name == "ContractSigned":
                terms = [cast(Any, e).term]
            elif name == "Renewed" and terms:
                terms.append(Period(terms[-1].end, cast(Any, e).new_end))
        if terms and terms[-1].end != contract.term.end:
            terms[-1] = Period(terms[-1].start, max(terms[-1].start, contract.term.end))
        term, through = contract.term, contract.term_renewed_through(day).end
        while terms and term.end < through:
            term = Period(
                term.start, next_term_end(term, contract.renewal_months, contract.renewal_days)
            )
            terms.append(Period(terms[-1].end, term.end))
        return terms

    # -- bank statements -------------------------------------------------------------------------

    def import_bank_credits(
        self,
        source: ImportSource,
        rows: Sequence[BankCreditRow],
        *,
        imported_on: date,
        actor: str,
        accounts: Mapping[str, UUID] | None = None,
        ignored: int = 0,
        problems: Iterable[RowProblem] = (),
        reversals: Sequence[BankReversalRow] = (),
    ) -> ImportReport:
        """Book a statement's credits as payments matched to invoices, and take back the credits
        its ``reversals`` name, all or nothing, never twice.

        The customer is found from the invoices the remittance names, else from the debtor's
        account in ``accounts`` (IBAN -> customer id), else from the debtor's name. A credit for a
        known customer becomes a payment, allocated to the invoices the remittance names or whose
        amount it fits; a payment that fits none is kept as customer credit and waits in suspense,
        as does a credit whose customer is unknown (no payment then). A credit already booked from
        an earlier (overlapping) statement, in any format, or listed twice, under its key or one
        of its ``aliases``, is skipped when it is the same credit (same date, amount and
        remittance, and the same payer's account where both name one); another credit under the
        same key (a reused bank reference) is a row error, never dropped. ``ignored`` counts
        rows the reader skipped (debits), for the report.

        A credit of a known customer that is a payment a person recorded by hand before the
        statement came (``receive_payment``: the bank's reference its ``reference``, the same
        amount and currency, not bounced, no bank credit's payment yet: ``_recorded_by_hand``)
        is booked as that payment (``BankCreditMatchedToPayment``), no new payment made,
        counted in the report's ``matched_to_payments``; one that may be such a payment (no
        reference in common, received within ``MATCH_DAYS`` of the bank's day:
        ``_maybe_recorded_by_hand``) waits in suspense naming it
        (``SuspenseReason.MAYBE_RECORDED_BY_HAND``), no payment made, for a person to match
        it (``resolve_bank_credit(..., payment_id=...)``) or resolve it as other money.

        Credits and reversals are applied in the order the bank booked them (by day, a day's
        credits before its reversals, then by line), whatever the order of the file's lines:
        a newest-first statement pays an invoice with the earlier payment.

        A reversal (the bank took a credit's money back) bounces the payment of the credit it names,
        re-opening the invoices it paid (a credit in suspense with its payment leaves suspense,
        returned: nothing is left to assign), or returns a credit still in suspense with no payment
        to its sender; the credit may be one this statement books. A reversal applied is counted as
        recorded; one an earlier statement applied (the payment bounced, the credit returned), as
        skipped, so it never takes money back twice. A reversal that names no booked credit, several
        credits (a batch entry), another amount than the credit's, or a day before it was booked, or
        whose bounce the payment refuses, is a row error.

        The bank's statement is a fact, so a reversal imported after a person assigned or
        allocated the credit's money on a later day than the bank's is not refused: the credit
        keeps the bank's day and the bounce day (``CreditReversedByBank``, also one still in
        suspense, which leaves it), and its payment bounces on the first day the books allow
        (``_first_bounce_day``: the bank's day, or the latest day the payment was received,
        allocated or taken back off on), so the days before keep their answers. A credit with
        no payment a person returned to its sender on a later day than the bank's stays
        returned and keeps the bank's day too (``BankCredit.reversed_after_return``).
        """
        self._check_kind(source, ImportKind.BANK_STATEMENT)
        read_problems = list(problems)
        by_account = _payer_accounts(accounts or {})

        def step() -> tuple[ImportReport, list[Aggregate]]:
            batch = self.import_batch(source.file_sha256)
            if batch is not None:
                return batch.report_again(source.kind), []
            found = list(read_problems)
            customers = self._all_customers()
            by_id = {c.id: c for c in customers}
            _check_accounts(by_account, by_id)
            invoices: dict[UUID, Invoice] = {}
            invoice_ids: dict[UUID, list[UUID]] = {}  # by customer, in drafting order
            by_number: dict[str, Invoice] = {}
            for c in customers:
                own = self._customer_invoices(c)
                invoice_ids[c.id] = [invoice.id for invoice in own]
                for invoice in own:
                    invoices[invoice.id] = invoice
                    if invoice.number and invoice.kind is not InvoiceKind.CREDIT_NOTE:
                        by_number[invoice.number] = invoice
            numbers = InvoiceNumberIndex(by_number)
            changed: dict[UUID, Aggregate] = {}
            known_accounts = self._known_bank_accounts(actor)
            batch_id = source.import_id
            recorded = skipped = suspended = suspended_payments = matched_by_hand = 0
            # the payments bank credits are (``_payments_of_credits``), read when first needed
            held = _PaymentsOfCredits(self)
            in_file: dict[UUID, BankCreditRow] = {}  # each credit's first row in this file
            for row in rows:
                in_file.setdefault(BankCredit.create_id(row.credit_key), row)
            named_in_file: dict[UUID, BankCreditRow] = {}  # rows applied, by key and aliases
            # rows skipped as a credit booked before or on an earlier line: the credit they are
            skipped_as: dict[UUID, UUID] = {}
            content_names: dict[UUID, BankCreditContentName] = {}  # noted by this statement
            reference_names: dict[UUID, BankCreditReferenceName] = {}  # so too
            # (a reference as a person reads it, a credit booked before without it) this
            # statement gave, skipping the credit
            learned: list[tuple[str, UUID]] = []

            def note_booked(bank_credit: BankCredit, by_content: list[str]) -> None:
                # what every credit this statement books leaves behind: the names of its
                # content, the day the bank booked it, the account it came from
                self._name_by_content(bank_credit, by_content, changed, content_names, actor)
                booked_on = bank_credit.credit.booked_on
                self._note_booking_day(booked_on, batch_id, changed, actor)
                known_accounts.note(_account_key(bank_credit.credit.account), actor)

            # in the order the bank booked them, whatever the order of the lines (many banks
            # export newest first): a reversal on its day, after that day's credits
            statement: list[BankCreditRow | BankReversalRow] = [*rows, *reversals]
            for item in sorted(statement, key=_booking_order):
                if isinstance(item, BankReversalRow):
                    try:
                        taken = self._take_back(
                            item, in_file, skipped_as, (changed, reference_names), invoices, actor
                        )
                        if taken:
                            recorded += 1
                        else:
                            skipped += 1
                    except Q2CError as e:
                        found.append(_problem(item.line, e))
                    continue
                row = item
                try:
                    credit_id = BankCredit.create_id(row.credit_key)
                    # a row with the bank's reference finds a credit booked by its content
                    # (its ``c:`` aliases) only after its reference, and only one no other
                    # reference names (``_booked_by_content_key``)
                    names = [
                        credit_id,
                        *(
                            BankCredit.create_id(k)
                            for k in row.aliases
                            if not _by_reference(row) or not k.startswith("c:")
                        ),
                    ]
                    # a credit with the bank's reference is also named by its content (a
                    # ``c:`` alias), for a statement without the reference: that name finds a
                    # credit booked by its content, never another row of this statement (two
                    # references, two credits) nor another credit with a reference
                    by_content = _by_content(row)
                    in_file_names = [
                        BankCredit.create_id(k)
                        for k in (row.credit_key, *row.aliases)
                        if not k.startswith("c:") or row.credit_key.startswith("c:")
                    ]
                    # within the file, a name without the account (an alias for a statement
                    # that does not say it) joins only a row of no account to one of some:
                    # two of our accounts' banks may give one reference to two credits
                    earlier = next(
                        (
                            named_in_file[i]
                            for i in in_file_names
                            if i in named_in_file
                            and _same_account(named_in_file[i].credit, row.credit)
                        ),
                        None,
                    )
                    if earlier is not None:
                        _check_same_credit(
                            row, earlier.credit, f"on line {earlier.line}", earlier.credit_key
                        )
                        skipped_as.setdefault(credit_id, BankCredit.create_id(earlier.credit_key))
                        skipped += 1
                        continue
                    for name in in_file_names:
                        named_in_file.setdefault(name, row)
                    booked = (
                        self._booked_under(names)
                        or self._booked_by_reference(_by_reference(row), changed, reference_names)
                        or self._booked_by_content_key(row, changed)
                    )
                    if booked is None:
                        # a credit without a reference the bank named by it in another
                        # statement (a camt.053 with AcctSvcrRef, a CSV export without), or
                        # one another statement named the payer's account of, this one not
                        booked = self._booked_by_content(row, changed, content_names)
                    if booked is not None:
                        _check_same_credit(
                            row, booked.credit, "already booked", booked.credit_key, before=True
                        )
                        skipped_as.setdefault(credit_id, booked.id)
                        self._name_by_reference(booked, row, changed, reference_names, actor)
                        self._name_payer(booked, row, changed, content_names, actor)
                        # the bank's reference this statement gives a credit booked without
                        # it: a receipt entered by hand under it finds the credit
                        said = receipt_key(row.credit.bank_reference)
                        if said and said != receipt_key(booked.credit.bank_reference):
                            learned.append((said, booked.id))
                        skipped += 1
                        continue
                    booked = self._booked_before_as(row) or self._booked_as_entry(row, rows)
                    if booked is not None:
                        skipped_as.setdefault(credit_id, booked.id)
                        skipped += 1
                        continue
                    credit = row.credit
                    named = [by_number[n] for n in numbers.find(credit.remittance)]
                    named_customers = {i.customer_id for i in named}
                    customer_id: UUID | None = None
                    reason: SuspenseReason | None = None
                    if len(named_customers) > 1:
                        reason = SuspenseReason.AMBIGUOUS
                    elif named_customers:
                        customer_id = named_customers.pop()
                    else:
                        customer_id, reason = self._customer_of_debtor(
                            credit, by_account, customers
                        )
                    if customer_id is None:
                        bank_credit = BankCredit(
                            credit_key=row.credit_key,
                            credit=credit,
                            import_id=batch_id,
                            actor=actor,
                            suspense_reason=reason,
                        )
                        changed[bank_credit.id] = bank_credit
                        note_booked(bank_credit, by_content)
                        suspended += 1
                        continue
                    customer = by_id[customer_id]
                    by_hand = self._recorded_by_hand(customer, credit, changed, held)
                    if by_hand is not None:
                        # the receipt a person entered before the statement came: the credit
                        # is that payment, the money counted once
                        self._match_to_hand_payment(row, by_hand, batch_id, changed, actor)
                        held.note(by_hand.id)
                        note_booked(cast(BankCredit, changed[credit_id]), by_content)
                        recorded += 1
                        matched_by_hand += 1
                        continue
                    maybe = self._maybe_recorded_by_hand(customer, credit, changed, held)
                    if maybe is not None:
                        # the same money as a receipt entered by hand, perhaps: never a
                        # second payment silently, a person says which
                        bank_credit = BankCredit(
                            credit_key=row.credit_key,
                            credit=credit,
                            import_id=batch_id,
                            actor=actor,
                            customer_id=customer_id,
                            suspense_reason=SuspenseReason.MAYBE_RECORDED_BY_HAND,
                            maybe_payment_id=maybe.id,
                        )
                        changed[bank_credit.id] = bank_credit
                        note_booked(bank_credit, by_content)
                        suspended += 1
                        continue
                    payment = Payment(
                        customer_id=customer_id,
                        amount=credit.amount,
                        received_on=credit.booked_on,
                        reference=credit.bank_reference,
                        actor=actor,
                        note=credit.remittance,
                    )
                    customer.add_payment(payment.id, actor)
                    changed[customer.id] = customer
                    changed[payment.id] = payment
                    held.note(payment.id)

                    currency, booked_on = credit.amount.currency, credit.booked_on
                    # money booked on a day pays only invoices issued by then, no more than
                    # each owed that day and every day since (a statement imported late): one
                    # issued later is left to allocate from the customer's credit once it is
                    named_here = [
                        i for i in named if i.customer_id == customer_id and i.currency == currency
                    ]
                    issued_here = [i for i in named_here if i.issued_by(booked_on)]
                    # the amount decides only when the remittance names none of the customer's
                    # invoices: one naming only invoices this money cannot pay (in another
                    # currency, or issued after its booking day) waits for a person, never
                    # paying an invoice the customer did not name
                    others = (
                        []
                        if named
                        else [
                            invoices[i]
                            for i in invoice_ids.get(customer.id, ())
                            if i in invoices
                            and invoices[i].issued_by(booked_on)
                            and invoices[i].kind is not InvoiceKind.CREDIT_NOTE
                            and invoices[i].currency == currency
                            and invoices[i].outstanding.is_positive()
                        ]
                    )
                    self._know_applications([*issued_here, *others])
                    named_items = [open_item(i, booked_on) for i in issued_here]
                    other_items = [open_item(i, booked_on) for i in others]
                    match = match_credit(credit.amount, named_items, other_items)
                    for n, (invoice_id, amount) in enumerate(match.allocations, start=1):
                        allocation_id = _allocation_id(row.credit_key, n)
                        invoice = invoices[invoice_id]
                        payment.allocate(allocation_id, invoice_id, amount, credit.booked_on, actor)
                        invoice.apply_payment(
                            allocation_id, payment.id, amount, credit.booked_on, actor
                        )
                        changed[invoice_id] = invoice
                    if not match.allocations:
                        reason = SuspenseReason.NO_INVOICE
                        suspended += 1
                        suspended_payments += 1
                    else:
                        recorded += 1
                    bank_credit = BankCredit(
                        credit_key=row.credit_key,
                        credit=credit,
                        import_id=batch_id,
                        actor=actor,
                        customer_id=customer_id,
                        payment_id=payment.id,
                        invoice_ids=tuple(i for i, _ in match.allocations),
                        suspense_reason=reason,
                    )
                    changed[bank_credit.id] = bank_credit
                    note_booked(bank_credit, by_content)
                except Q2CError as e:
                    found.append(_problem(row.line, e))
            batch = _close_batch(
                source,
                found,
                imported_on,
                actor,
                rows=len(rows) + len(reversals) + ignored,
                recorded=recorded,
                skipped=skipped,
                suspended=suspended,
                ignored=ignored,
            )
            accounts_changed = [known_accounts] if known_accounts.pending_events else []
            report = attrs.evolve(
                batch.report(already_imported=False),
                suspended_payments=suspended_payments,
                matched_to_payments=matched_by_hand,
            )
            new_credits = [
                a
                for a in changed.values()
                if isinstance(a, BankCredit)
                and a.pending_events
                and a.pending_events[0].originator_version == 1
            ]
            # (a receipt entered by hand later under a credit's reference finds the credit)
            noted = (
                self._note_under_references(new_credits, actor, learned)
                if new_credits or learned
                else []
            )
            return report, [
                batch,
                *changed.values(),
                *accounts_changed,
                *noted,
            ]

        return self._atomically(step)

    def _note_under_references(
        self,
        booked: Sequence[BankCredit],
        actor: str,
        learned: Sequence[tuple[str, UUID]] = (),
    ) -> list[Aggregate]:
        """Note the credits ``booked`` now under their bank references as a person reads them
        (``BankCreditsUnderReference``), and each credit of ``learned`` under the reference a
        statement skipping it gave (a credit booked by its content, without the reference),
        with the credits booked before the upgrade and their mark
        (``EarlierBankCreditsUnderReference``) when it is not made yet: what to save with
        them."""
        earlier, made = self._earlier_under_references(actor)
        pairs = [
            *earlier,
            *((receipt_key(c.credit.bank_reference), c.id) for c in booked),
            *learned,
        ]
        return [*made, *self._under_references(pairs, actor)]

    def _earlier_under_references(
        self, actor: str
    ) -> tuple[list[tuple[str, UUID]], list[Aggregate]]:
        """The credits booked before credits were noted under their references (each with
        its reference as a person reads it), and the mark that they are to save with them;
        nothing once the mark is made (read from the store once)."""
        with contextlib.suppress(NotFound):
            self._get(
                EarlierBankCreditsUnderReference, EarlierBankCreditsUnderReference.create_id()
            )
            return [], []
        pairs = [
            (receipt_key(e.credit.bank_reference), e.originator_id)
            for e in self._created_events(BankCredit, "BankCreditBooked")
        ]
        return pairs, [EarlierBankCreditsUnderReference(credits=len(pairs), actor=actor)]

    def _under_references(self, pairs: Sequence[tuple[str, UUID]], actor: str) -> list[Aggregate]:
        """The ``BankCreditsUnderReference`` noting each credit of ``pairs`` under its key
        (none for a credit without a reference), made or changed: what to save."""
        by_key: dict[str, list[UUID]] = {}
        for key, credit_id in pairs:
            if key:
                by_key.setdefault(key, []).append(credit_id)
        ids = [BankCreditsUnderReference.create_id(key) for key in by_key]
        kept = {i.id: i for i in self._get_many(BankCreditsUnderReference, ids)}
        changed: list[Aggregate] = []
        for key, credit_ids in by_key.items():
            index = kept.get(BankCreditsUnderReference.create_id(key))
            if index is None:
                index = BankCreditsUnderReference(
                    key=key, credit_ids=tuple(credit_ids), actor=actor
                )
            else:
                for credit_id in credit_ids:
                    index.note(credit_id, actor)
            if index.pending_events:
                changed.append(index)
        return changed

    def _refuse_bank_money_again(self, payment: Payment, actor: str) -> list[Aggregate]:
        """Refuse a receipt entered by hand (``receive_payment``) whose ``reference``, as a
        person reads it (``receipt_key``), is the bank's reference of a statement credit
        booked already in the same amount and currency: its customer's payment still held
        (``DuplicateEntry`` naming ``reference``: allocate that payment instead), or one
        waiting in suspense with no payment, of an unknown payer or of this customer
        (naming it too: settle it with ``resolve_bank_credit``). The bank never books two
        credits under one reference, so the receipt is that money a second time. A credit of
        another customer, in another amount or currency, returned or taken back by the bank,
        or whose payment bounced, does not refuse it; nor does a reference of no credit (two
        instalments may share a reference a clerk typed). Returns what to save with the
        payment: the credits booked before the upgrade noted under their references, once."""
        key = receipt_key(payment.reference)
        if not key:
            return []
        earlier, made = self._earlier_under_references(actor)
        credit_ids = [c for k, c in earlier if k == key]
        with contextlib.suppress(NotFound):
            index = self._get(BankCreditsUnderReference, BankCreditsUnderReference.create_id(key))
            credit_ids += index.credit_ids
        for credit in self._get_many(BankCredit, list(dict.fromkeys(credit_ids))):
            said = credit.credit
            if (
                said.amount != payment.amount
                or credit.status is CreditStatus.RETURNED
                or credit.reversed_on is not None
            ):
                continue
            # (a credit booked without the reference a later statement gave it: named by id)
            shown = said.bank_reference or credit.id.hex
            named = f"credit {shown} of {said.amount} booked on {said.booked_on}"
            if credit.payment_id is not None:
                held = self._get(Payment, credit.payment_id)
                if held.customer_id != payment.customer_id or held.is_bounced:
                    continue
                raise DuplicateEntry(
                    f"the bank statement booked this money already ({named}, "
                    f"payment {held.id.hex} received on {held.received_on}): allocate that "
                    "payment instead of recording the receipt again",
                    field="reference",
                    aggregate_id=credit.id,
                    value=payment.reference,
                )
            if credit.is_suspended and credit.customer_id in (None, payment.customer_id):
                maybe = credit.maybe_payment_id
                how = "--customer ..." if maybe is None else f"--payment {maybe.hex}"
                raise DuplicateEntry(
                    f"the bank statement booked this money already, waiting in suspense "
                    f"({named}, credit id {credit.id.hex}): settle that credit with "
                    f"resolve_bank_credit (q2c suspense resolve {shown} {how}) "
                    "instead of recording the receipt again",
                    field="reference",
                    aggregate_id=credit.id,
                    value=payment.reference,
                )
        return [*made, *self._under_references(earlier, actor)] if made else []

    def _recorded_by_hand(
        self,
        customer: Customer,
        credit: StatementCredit,
        changed: Mapping[UUID, Aggregate],
        held: _PaymentsOfCredits,
    ) -> Payment | None:
        """The payment of ``customer`` a person recorded by hand that this statement credit
        surely is: its ``reference`` the credit's bank reference as a person reads it
        (``receipt_key``: spaces, capitals, invisible characters and full width aside), the
        same amount in the same currency, not bounced, and no bank credit's payment yet (not
        made by an import or a person's assignment, nor matched to another credit); the first
        received of several. None for a credit without a reference."""
        key = receipt_key(credit.bank_reference)
        if not key:
            return None
        return next(
            (
                p
                for p in self._hand_payments(customer, credit, changed, held)
                if receipt_key(p.reference) == key
            ),
            None,
        )

    def _maybe_recorded_by_hand(
        self,
        customer: Customer,
        credit: StatementCredit,
        changed: Mapping[UUID, Aggregate],
        held: _PaymentsOfCredits,
    ) -> Payment | None:
        """The payment of ``customer`` a person recorded by hand that this statement credit
        may be (its reference not the credit's, ``_recorded_by_hand`` having found none that
        is): the same amount in the same currency, received within ``MATCH_DAYS`` of the
        bank's day, not bounced, no bank credit's payment yet; the one received nearest the
        bank's day, the first received of those as near. None when there is none."""
        near = [
            p
            for p in self._hand_payments(customer, credit, changed, held)
            if abs((p.received_on - credit.booked_on).days) <= MATCH_DAYS
        ]
        return min(near, key=lambda p: abs((p.received_on - credit.booked_on).days), default=None)

    def _hand_payments(
        self,
        customer: Customer,
        credit: StatementCredit,
        changed: Mapping[UUID, Aggregate],
        held: _PaymentsOfCredits,
    ) -> list[Payment]:
        """The payments of ``customer`` that may be ``credit``, in the order received: the
        same amount in the same currency, not bounced, and no bank credit's payment (not made
        by an import or a person's assignment, nor matched to another credit)."""
        loaded = held.loaded
        ids = [i for i in customer.payment_ids if i not in changed and i not in loaded]
        loaded.update((p.id, p) for p in self._get_many(Payment, ids))
        found = []
        for payment_id in customer.payment_ids:
            kept = changed.get(payment_id) or loaded.get(payment_id)
            if (
                isinstance(kept, Payment)
                and kept.amount == credit.amount
                and not kept.is_bounced
                and not held.holds(payment_id)
            ):
                found.append(kept)
        return found

    def _match_to_hand_payment(
        self,
        row: BankCreditRow,
        payment: Payment,
        batch_id: UUID,
        changed: dict[UUID, Aggregate],
        actor: str,
    ) -> None:
        """Book the statement's ``row`` as ``payment``, which a person recorded by hand
        (``BankCreditMatchedToPayment``), with the invoices it pays: no new payment. The
        payment is noted as that credit's (``BankCreditOfPayment``), saved with it."""
        invoice_ids = tuple(dict.fromkeys(a.invoice_id for a in payment.live_allocations()))
        bank_credit = BankCredit(
            credit_key=row.credit_key,
            credit=row.credit,
            import_id=batch_id,
            actor=actor,
            customer_id=payment.customer_id,
            payment_id=payment.id,
            invoice_ids=invoice_ids,
        )
        bank_credit.match_to_payment(
            payment.customer_id, payment.id, (), row.credit.booked_on, "", actor
        )
        changed[bank_credit.id] = bank_credit
        of_payment = BankCreditOfPayment(
            payment_id=payment.id, credit_id=bank_credit.id, actor=actor
        )
        changed[of_payment.id] = of_payment

    def _take_back(
        self,
        reversal: BankReversalRow,
        in_file: Mapping[UUID, BankCreditRow],
        skipped_as: Mapping[UUID, UUID],
        step: tuple[dict[UUID, Aggregate], Mapping[UUID, BankCreditReferenceName]],
        invoices: dict[UUID, Invoice],
        actor: str,
    ) -> bool:
        """Apply a reversal to the step's aggregates (``changed``, ``invoices``): bounce the
        payment of the credit it names (on ``_first_bounce_day``; the credit keeps the bank's
        day), or return a credit still in suspense with none. False when an earlier statement
        did (or the credit's row in this statement was refused: so is the statement).
        ``step``: the aggregates changed and the reference names noted by the step."""
        changed, reference_names = step
        credit = self._reversed_credit(reversal, in_file, skipped_as, changed, reference_names)
        if credit is None:
            return False
        if credit.payment_id is None:
            if not credit.is_suspended:
                # returned to its sender already: on a later day than the bank's (the
                # statement imported after), the credit keeps the bank's day, so the books
                # take the money out of the bank on it; on the bank's day or before, or taken
                # back already, nothing is left to do
                returned_on = credit.resolved_on
                if credit.reversed_on is not None or returned_on is None:
                    return False
                if reversal.reversed_on >= returned_on:
                    return False
                credit.reversed_after_return(reversal.reversed_on, reversal.reason, actor)
                changed[credit.id] = credit
                return True
            credit.return_to_sender(reversal.reversed_on, reversal.reason, actor)
            changed[credit.id] = credit
            return True
        if credit.reversed_on is not None:
            return False  # an earlier statement took it back
        kept = changed.get(credit.payment_id)
        payment = kept if isinstance(kept, Payment) else self._get(Payment, credit.payment_id)
        if payment.is_bounced:
            # bounced by hand before the statement saying so was imported: the bank's day is
            # recorded on the credit (who took the money back, and when) with the day the
            # payment bounced, which is not bounced again nor its invoices reopened twice.
            # The books take the money out of the bank on the bank's day and the bounce took
            # it out of the customer's on its own: a bounce on or after the bank's day
            # (``reversed_by_bank``) or before it, the payer's bank having announced the
            # recall (``reversed_after_bounce``: the bank held the money until its day)
            bounced_on = payment.bounced_on
            if bounced_on is None:
                return False
            if bounced_on < reversal.reversed_on:
                credit.reversed_after_bounce(
                    reversal.reversed_on, bounced_on, reversal.reason, actor
                )
            else:
                credit.reversed_by_bank(reversal.reversed_on, bounced_on, reversal.reason, actor)
            changed[credit.id] = credit
            return True
        # the bank's day for the money, the first day the books allow for the payment (a
        # person may have assigned or allocated it after the bank's day, before the statement
        # saying so was imported: those days' records stand, and it bounces on the last)
        bounced_on = self._first_bounce_day(payment, reversal.reversed_on, invoices)
        reopened = self._bounce(payment, bounced_on, reversal.reason, actor, invoices)
        changed[payment.id] = payment
        changed.update((invoice.id, invoice) for invoice in reopened)
        # (one still in suspense, its payment allocated by hand, leaves it: nothing is left to
        # assign, as ``bank_suspense`` already reads it; it keeps the bounce day too, which
        # the books read to take the money out of the bank on the bank's day)
        credit.reversed_by_bank(reversal.reversed_on, bounced_on, reversal.reason, actor)
        changed[credit.id] = credit
        return True

    def _first_bounce_day(self, payment: Payment, day: date, invoices: dict[UUID, Invoice]) -> date:
        """The first day on or after ``day`` (the bank's) a payment may bounce on: not before
        it was received, nor before any of its live allocations (a bounce reverses them), nor
        before an allocation reversed after its own day was taken back off, nor before a credit
        note gave back money of an invoice this payment was paying then (``Payment.bounce``,
        ``Invoice.check_taken_back``). ``invoices`` keeps the invoices loaded in the step."""
        days = [day, payment.received_on]
        for a in payment.allocations:
            if a.is_live:
                days.append(a.allocated_on)
                invoice = invoices.get(a.invoice_id) or self._get(Invoice, a.invoice_id)
                invoices[invoice.id] = invoice
                applied = [p for p in invoice.payments if p.allocation_id == a.allocation_id]
                days += [
                    c.credited_on
                    for c in invoice.credits
                    for p in applied
                    if c.given_back is not None
                    and c.given_back.is_positive()
                    and p.applied_on <= c.credited_on
                ]
            elif a.reversed_on is not None and a.reversed_on > a.allocated_on:
                days.append(a.reversed_on)
        return max(days)

    def _note_booking_day(
        self, booked_on: date, import_id: UUID, changed: dict[UUID, Aggregate], actor: str
    ) -> None:
        """Note that this import books a credit of the bank's day ``booked_on``
        (``BankBookingDay``), saved with the credit. Two sightings of one credit in two
        statements may share no other id (a camt.053's ``camt:`` key and content names, a CSV
        export's ``c:`` key and ``any-payer/`` name, with no customer, payment or invoice to
        write; a batch entry's transactions and the export's row of its total): both write
        this day, so two imports at one moment clash and the later one is decided again on
        the store the first left, skipping the credit it booked, as one after the other."""
        day_id = BankBookingDay.create_id(booked_on)
        day = self._changed_or_recorded(BankBookingDay, day_id, changed)
        if day is None:
            day = BankBookingDay(booked_on=booked_on, actor=actor)
        day.credits_booked(import_id, actor)
        changed[day_id] = day

    def _booked_under(self, credit_ids: Iterable[UUID]) -> BankCredit | None:
        """The credit booked under the first of these ids that names one, if any."""
        for credit_id in credit_ids:
            booked = self._booked_credit(credit_id)
            if booked is not None:
                return booked
        return None

    def _booked_by_content(
        self,
        row: BankCreditRow,
        changed: Mapping[UUID, Aggregate],
        noted: Mapping[UUID, BankCreditContentName],
    ) -> BankCredit | None:
        """The credit, booked by this statement or before, that the first of the row's content
        names (its ``c:`` key and aliases, then its names with the payer's account aside as a
        statement of the other kind notes them, ``_payer_aside``) names
        (``BankCreditContentName``) and that may be the row's: the same payer's, where both
        name the payer's account, not a credit of any payer another payer's statement was
        skipped as (``BankCreditPayerAccount``), and, for a row with the bank's reference, a
        credit booked by its content (two references are two credits). A name whose credit
        may not be the row's gives way to its next occurrence: the day's next such credit."""
        content = [k for k in (row.credit_key, *row.aliases) if k.startswith("c:")]
        aside = _payer_aside(row, mine=False)
        for name in (*content, *aside):
            for each in _from_occurrence(name):
                content_name = self._content_name(each, noted)
                if content_name is None:
                    if self._held_by_a_credit(each, noted):
                        continue
                    break
                kept = changed.get(content_name.credit_id)
                booked = (
                    kept
                    if isinstance(kept, BankCredit)
                    else self._booked_credit(content_name.credit_id)
                )
                if booked is None or not _same_payer(booked.credit, row.credit):
                    continue
                if not (row.credit_key.startswith("c:") or booked.credit_key.startswith("c:")):
                    continue
                if name in aside and not self._payers_credit(booked, row, changed):
                    continue
                if not self._references_credit(booked, row, changed):
                    continue
                return booked
        return None

    def _booked_by_content_key(
        self, row: BankCreditRow, changed: Mapping[UUID, Aggregate]
    ) -> BankCredit | None:
        """For a row with the bank's reference: the credit booked under one of its ``c:``
        aliases (a statement without the reference booked it by its content) that no other
        reference names (``_references_credit``), at the alias's occurrence or the day's next
        credit of that content: Acme's two identical instalments, U7 and U8 in two statements,
        are the CSV export's first and second credit."""
        for key in row.aliases if _by_reference(row) else ():
            if not key.startswith("c:"):
                continue
            for each in _from_occurrence(key):
                booked = self._booked_credit(BankCredit.create_id(each))
                if booked is None:
                    break
                if self._references_credit(booked, row, changed):
                    return booked
        return None

    def _references_credit(
        self, credit: BankCredit, row: BankCreditRow, changed: Mapping[UUID, Aggregate]
    ) -> bool:
        """Whether the row's reference may name a credit booked by its content: the row has
        none, or no statement with another reference was skipped as the credit
        (``BankCreditReference``). Two references are two credits."""
        keys = _by_reference(row)
        if not keys or not credit.credit_key.startswith("c:"):
            return True
        reference = self._credit_reference(credit.id, changed)
        return reference is None or reference.name in keys

    def _credit_reference(
        self, credit_id: UUID, changed: Mapping[UUID, Aggregate]
    ) -> BankCreditReference | None:
        """The ``BankCreditReference`` of a credit, noted by this statement or before."""
        reference_id = BankCreditReference.create_id(credit_id)
        return self._changed_or_recorded(BankCreditReference, reference_id, changed)

    def _payers_credit(
        self, credit: BankCredit, row: BankCreditRow, changed: Mapping[UUID, Aggregate]
    ) -> bool:
        """Whether a credit of any payer (a CSV export without an IBAN column booked it) may
        be the row's: no statement naming payers was skipped as it, or one of the row's payer
        (``BankCreditPayerAccount``; no account, for an entry without DbtrAcct, is not Acme's
        IBAN). A row of a statement that cannot name payers may be any payer's."""
        if not row.names_payers:
            return True
        payer = self._payer_account(credit.id, changed)
        return payer is None or payer.debtor_account == _account_key(row.credit.debtor_account)

    def _payer_account(
        self, credit_id: UUID, changed: Mapping[UUID, Aggregate]
    ) -> BankCreditPayerAccount | None:
        """The ``BankCreditPayerAccount`` of a credit, noted by this statement or before."""
        payer_id = BankCreditPayerAccount.create_id(credit_id)
        return self._changed_or_recorded(BankCreditPayerAccount, payer_id, changed)

    def _name_payer(
        self,
        credit: BankCredit,
        row: BankCreditRow,
        changed: dict[UUID, Aggregate],
        noted: Mapping[UUID, BankCreditContentName],
        actor: str,
    ) -> None:
        """Note the payer's account of a row naming payers (none, for an entry without
        DbtrAcct) skipped as a credit of any payer (a CSV export without an IBAN column booked
        it, ``any-payer/`` names; ``BankCreditPayerAccount``): the credit is that payer's from
        now on, and another payer's credit of its content is new money. Left as it is when a
        statement named its payer before."""
        if not row.names_payers or self._payer_account(credit.id, changed) is not None:
            return
        for name in _payer_aside(row, mine=False):
            for each in _from_occurrence(name):
                content_name = self._content_name(each, noted)
                if content_name is None:
                    if self._held_by_a_credit(each, noted):
                        continue
                    break
                if content_name.credit_id == credit.id:
                    payer = BankCreditPayerAccount(
                        credit_id=credit.id,
                        debtor_account=_account_key(row.credit.debtor_account),
                        actor=actor,
                    )
                    changed[payer.id] = payer
                    return

    def _name_by_content(
        self,
        credit: BankCredit,
        names: Sequence[str],
        changed: dict[UUID, Aggregate],
        noted: dict[UUID, BankCreditContentName],
        actor: str,
    ) -> None:
        """Note a credit by its content ``names`` (``_by_content``): one booked under the bank's
        reference, for a statement without the reference; any, with the payer's account aside,
        for a statement of the other kind (``_payer_aside``). A name counts its occurrence
        within its statement only, so two statements may each give it to their credit (Acme's
        50.00 in the morning's, Beta's in the evening's, both ``:0``; Acme's two identical
        instalments U7 and U8, a ``c:`` name; U7 on each of our two accounts, a ``c:`` name
        without the account): the credit takes the next occurrence no credit booked that day
        has (``_free_occurrence``), so the n-th row of the day's CSV export finds the n-th
        credit, never new money."""
        for name in names:
            free = self._free_occurrence(name, noted, changed)
            if free is None:
                continue
            name_id = BankCreditContentName.create_id(free)
            content_name = BankCreditContentName(name=free, credit_id=credit.id, actor=actor)
            noted[name_id] = content_name
            changed[name_id] = content_name

    def _free_occurrence(
        self,
        name: str,
        noted: Mapping[UUID, BankCreditContentName],
        changed: Mapping[UUID, Aggregate],
    ) -> str | None:
        """``name`` at the first occurrence from its own (``_from_occurrence``) that no credit
        has: a ``c:`` name, as its content name or as its key (a credit a statement without the
        reference booked by its content); a name with the payer's account aside
        (``<kind>a:<hash>:<n>``, ``_payer_aside``), under either kind (``payers-named/`` nor
        ``any-payer/``). The credits booked before of that content each keep their own. None:
        a name without an occurrence another credit has already is left to it."""
        for each in _from_occurrence(name):
            if each.startswith(_PAYER_ASIDE_KINDS):
                if not self._held_by_a_credit(each, noted):
                    return each
            elif self._content_name(each, noted) is None and not self._keyed_credit(each, changed):
                return each
        return None

    def _keyed_credit(self, key: str, changed: Mapping[UUID, Aggregate]) -> bool:
        """Whether a credit is booked under ``key``, by this statement or before."""
        credit_id = BankCredit.create_id(key)
        return isinstance(changed.get(credit_id), BankCredit) or (
            self._booked_credit(credit_id) is not None
        )

    def _held_by_a_credit(self, name: str, noted: Mapping[UUID, BankCreditContentName]) -> bool:
        """Whether a name with the payer's account aside (``_payer_aside``) is a credit's at
        its occurrence under either kind: the day's credits of that content are numbered
        across both (``_free_occurrence``), so a name of the other kind is no end of them."""
        if not name.startswith(_PAYER_ASIDE_KINDS):
            return False
        _, aside = _payer_aside_kind(name)
        return any(self._content_name(k + aside, noted) is not None for k in _PAYER_ASIDE_KINDS)

    def _content_name(
        self, name: str, noted: Mapping[UUID, BankCreditContentName]
    ) -> BankCreditContentName | None:
        """The ``BankCreditContentName`` of ``name``, noted by this statement or before."""
        name_id = BankCreditContentName.create_id(name)
        content_name = noted.get(name_id)
        if content_name is None:
            with contextlib.suppress(NotFound):
                content_name = self._get(BankCreditContentName, name_id)
        return content_name

    def _booked_by_reference(
        self,
        keys: Sequence[str],
        changed: Mapping[UUID, Aggregate],
        noted: Mapping[UUID, BankCreditReferenceName],
    ) -> BankCredit | None:
        """The credit booked by its content that the first of these keys of the bank's
        reference names (``BankCreditReferenceName``: a statement with the reference was
        skipped as that credit), by this statement or before."""
        for key in keys:
            name_id = BankCreditReferenceName.create_id(key)
            reference_name = noted.get(name_id)
            if reference_name is None:
                with contextlib.suppress(NotFound):
                    reference_name = self._get(BankCreditReferenceName, name_id)
            if reference_name is None:
                continue
            kept = changed.get(reference_name.credit_id)
            if isinstance(kept, BankCredit):
                return kept
            booked = self._booked_credit(reference_name.credit_id)
            if booked is not None:
                return booked
        return None

    def _name_by_reference(
        self,
        credit: BankCredit,
        row: BankCreditRow,
        changed: dict[UUID, Aggregate],
        noted: dict[UUID, BankCreditReferenceName],
        actor: str,
    ) -> None:
        """Note that the row's keys of the bank's reference (``_by_reference``) name ``credit``,
        booked by its content, the row skipped as it: a reversal naming the reference takes it
        back. A key that names a booked credit, or another credit already, is left to it. The
        credit notes the first reference so named (``BankCreditReference``): no other reference
        is taken for it."""
        if not credit.credit_key.startswith("c:"):
            return
        keys = _by_reference(row)
        if keys and self._credit_reference(credit.id, changed) is None:
            reference = BankCreditReference(credit_id=credit.id, name=keys[0], actor=actor)
            changed[reference.id] = reference
        for key in _by_reference(row):
            name_id = BankCreditReferenceName.create_id(key)
            if name_id in noted or self._booked_credit(BankCredit.create_id(key)) is not None:
                continue
            with contextlib.suppress(NotFound):
                self._get(BankCreditReferenceName, name_id)
                continue
            reference_name = BankCreditReferenceName(name=key, credit_id=credit.id, actor=actor)
            noted[name_id] = reference_name
            changed[name_id] = reference_name

    def _booked_as_entry(
        self, row: BankCreditRow, rows: Sequence[BankCreditRow]
    ) -> BankCredit | None:
        """The money of a row with the bank's reference booked already as one entry of several
        transactions (a camt.053 batch entry, its transactions at their places ``<key>:<n>``)
        and the entry's total (a CSV export's one row under the reference): the row of the
        total, and the credits of the entry's transactions booked before, or the statement's
        rows of the transactions (``rows``, at places of the row's key) and the total booked
        before (under a ``former_keys`` key of the reference). It is that money when it adds up
        to it, the same day: the credit booked (the first transaction's). Else one reference
        names two credits: refused (``DuplicateEntry`` naming ``reference``), never new money.
        None when neither was booked."""
        if row.credit_key.startswith("c:"):
            return None
        for base in _by_reference(row):
            booked: list[BankCredit] = []
            while (
                found := self._booked_credit(BankCredit.create_id(f"{base}:{len(booked)}"))
            ) is not None:
                booked.append(found)
            if booked:
                _check_entry_total(row, row.credit, [b.credit for b in booked])
                return booked[0]
        entry, _, place = row.credit_key.rpartition(":")
        if not place.isdigit():
            return None
        transactions = [
            r.credit
            for r in rows
            if r.credit_key.rpartition(":")[0] == entry
            and r.credit_key.rpartition(":")[2].isdigit()
        ]
        for key in row.former_keys:
            if key.startswith("c:") or key.rpartition(":")[2].isdigit():
                continue  # (a transaction's place, or a hash: never a total)
            total = self._booked_credit(BankCredit.create_id(key))
            if total is not None:
                _check_entry_total(row, total.credit, transactions)
                return total
        return None

    def _booked_before_as(self, row: BankCreditRow) -> BankCredit | None:
        """The credit an earlier version of the reader booked as this very one under another
        key (``former_keys``), if it did: same day, amount and remittance. A different credit
        under such a key is another credit (payers reuse the EndToEndId those keys were made
        of)."""
        for key in row.former_keys:
            booked = self._booked_credit(BankCredit.create_id(key))
            if booked is not None and _read_as(row, booked.credit, before=True):
                return booked
        return None

    def _reversed_credit(
        self,
        reversal: BankReversalRow,
        in_file: Mapping[UUID, BankCreditRow],
        skipped_as: Mapping[UUID, UUID],
        changed: Mapping[UUID, Aggregate],
        reference_names: Mapping[UUID, BankCreditReferenceName],
    ) -> BankCredit | None:
        """The credit a reversal takes back, booked before or by this statement: the one credit
        its keys name, the whole of it, booked by the day of the reversal. None when it is a
        credit of this statement whose row (in ``in_file``) was refused.

        A key no credit was booked under may name one booked by its content, as a statement
        with the reference skipped as it said (``BankCreditReferenceName``, in
        ``reference_names`` when this statement said so).

        A row of this statement skipped as a credit booked before (under another key: a CSV
        export without our account booked ``U7`` as ``camt::U7``, the statement names it
        ``camt:<IBAN>:U7``) or on an earlier line is that credit (``skipped_as``): the
        booked credit and the statement's row of it are one credit, not several."""
        reference = reversal.reference
        if not reversal.credit_keys:
            raise RuleViolated(
                "must name the credit it takes back by the bank's reference for it",
                field=reversal.reference_field,
            )
        named: dict[UUID, tuple[StatementCredit, BankCredit | None]] = {}
        for keys in (reversal.credit_keys, reversal.former_keys):
            for key in keys:
                credit_id = BankCredit.create_id(key)
                credit_id = skipped_as.get(credit_id, credit_id)
                kept = changed.get(credit_id)
                booked = kept if isinstance(kept, BankCredit) else self._booked_credit(credit_id)
                if booked is None and credit_id not in in_file:
                    booked = self._booked_by_reference([key], changed, reference_names)
                if booked is not None:
                    named[booked.id] = (booked.credit, booked)
                elif credit_id in in_file:
                    named[credit_id] = (in_file[credit_id].credit, None)
            if named:
                break  # (the keys of earlier versions only when the current ones name none)
        if not named:
            raise RuleViolated(
                f"takes back credit {reference!r}, which no imported statement booked: import "
                "the statement that booked it first",
                field=reversal.reference_field,
                value=reference,
            )
        if len(named) > 1:
            raise RuleViolated(
                f"names {reference!r}, under which several credits are booked (an entry of "
                "several credits), not the one it takes back",
                field=reversal.reference_field,
                value=reference,
            )
        ((credit, booked),) = named.values()
        if credit.amount != reversal.amount:
            raise RuleViolated(
                f"takes back {reversal.amount} of credit {reference!r} ({credit.booked_on} "
                f"{credit.amount}): only a whole credit is bounced",
                field=reversal.amount_field,
                value=reversal.amount,
            )
        if reversal.reversed_on < credit.booked_on:
            raise RuleViolated(
                f"takes back credit {reference!r} before it was booked ({credit.booked_on})",
                field=reversal.date_field,
                value=reversal.reversed_on,
            )
        return booked

    @staticmethod
    def _customer_of_debtor(
        credit: StatementCredit, by_account: Mapping[str, UUID], customers: list[Customer]
    ) -> tuple[UUID | None, SuspenseReason | None]:
        """The customer a credit naming no invoice is from, by the payer's account, else by
        the payer's name; else None and why it waits: a name several customers carry (a
        group's companies) is ``AMBIGUOUS``, any other ``UNKNOWN_CUSTOMER``."""
        account = _payer_account_key(credit.debtor_account)
        if account and account in by_account:
            return by_account[account], None
        name = person_key(credit.debtor_name)
        found = [c.id for c in customers if name and person_key(c.name) == name]
        if len(found) == 1:
            return found[0], None
        return None, SuspenseReason.AMBIGUOUS if found else SuspenseReason.UNKNOWN_CUSTOMER

    def bank_accounts(self) -> list[str]:
        """Our accounts the credits booked so far were on, as their keys name them (spaces
        aside, in capitals), sorted: what a statement that does not say its account may be of.
        Kept by the store (``KnownBankAccounts``), noted with each booking; read from the
        booked credits only until the first bank import after the upgrade notes them."""
        with contextlib.suppress(NotFound):
            return list(self._get(KnownBankAccounts, KnownBankAccounts.create_id()).accounts)
        return sorted(self._accounts_booked_before() - {""})

    def _accounts_booked_before(self) -> set[str]:
        """The accounts of every booked credit, read from the store (before the upgrade)."""
        return {
            _account_key(event.credit.account)
            for event in self._created_events(BankCredit, "BankCreditBooked")
        }

    def _known_bank_accounts(self, actor: str) -> KnownBankAccounts:
        """The accounts credits were booked on (``KnownBankAccounts``), made with those of
        the credits booked before the upgrade when it is not yet."""
        with contextlib.suppress(NotFound):
            return self._get(KnownBankAccounts, KnownBankAccounts.create_id())
        return KnownBankAccounts(accounts=sorted(self._accounts_booked_before()), actor=actor)

    # -- the suspense list -----------------------------------------------------------------------

    def bank_credit(self, credit_id: UUID) -> BankCredit:
        """One booked bank credit."""
        return self._get(BankCredit, credit_id)

    def bank_credits(self) -> list[BankCredit]:
        """Every bank credit ever booked, in booking order."""
        return [self.bank_credit(i) for i in self._created_ids(BankCredit, "BankCreditBooked")]

    def bank_suspense(self, as_of: date | None = None) -> list[BankCredit]:
        """Credits waiting for a person: unknown customer, no invoice found, or ambiguous; not
        one whose payment the bank has since taken back (bounced: nothing is left to assign).

        With ``as_of``, the list an auditor ties to the books' ``Liabilities:Suspense`` at the
        end of that business day, by the days recorded: the credits holding bank money not yet
        settled against a customer that day (``BankCredit.suspense_amount(as_of)`` not zero),
        so the books' suspense is minus the total of their ``suspense_amount(as_of)``:

        - a credit booked with no payment (unknown payer, several customers named) from the
          bank's day until it was assigned, returned or taken back by the bank (its
          ``resolved_on``, and the bank's day of a reversal imported after a person dealt with
          it: ``reversed_on``), counted at its amount;
        - a credit whose payment a person bounced by hand before the bank took the money back
          (``reversed_after_bounce``), from the bounce day until the day before the bank's:
          money the bank still held, credited to nobody, counted at its amount;
        - a credit booked as a customer's payment the bank took back before its payment bounced
          (bounced by hand, or allocated by a person, on a later day: ``reversed_by_bank``),
          from the bank's day until the day before the bounce: money the bank no longer held
          that the books still credited to the customer, counted at minus its amount.

        A known customer's credit that fit no invoice waits for a person (listed without
        ``as_of``) but is the customer's payment, its money the customer's credit from the
        bank's day (as the customer's summary and the books say): no suspense money, so the
        list of a day leaves it out. Each credit is given as it stands now (its status and
        resolution say what became of it since). A day that is no date is refused
        (``InvalidValue`` naming ``as_of``).
        """
        day = None if as_of is None else require_day(as_of, "as_of")
        credits = self.bank_credits()
        if day is not None:
            return [c for c in credits if c.suspense_amount(day).amount]
        waiting = [c for c in credits if c.is_suspended]
        paid = {c.payment_id for c in waiting if c.payment_id is not None}
        payments = self._get_many(Payment, list(paid))
        bounced = {p.id for p in payments if p.bounced_on is not None}
        return [c for c in waiting if c.payment_id not in bounced]

    def resolve_bank_credit(
        self,
        credit_id: UUID,
        *,
        resolved_on: date,
        actor: str,
        customer_id: UUID | None = None,
        allocations: Sequence[tuple[UUID, Money]] | None = None,
        note: str = "",
        payment_id: UUID | None = None,
    ) -> UUID:
        """Take a credit out of suspense by assigning it; returns its payment id.

        ``payment_id`` names the payment a person recorded by hand that the credit is (the one
        a credit waiting as ``MAYBE_RECORDED_BY_HAND`` names, or another): the credit becomes
        that payment on ``resolved_on`` (``BankCreditMatchedToPayment``), no new payment made,
        and the payment stays allocated as it is (``allocations`` is refused, naming it). A
        payment of another customer than the credit's (or ``customer_id``) is refused naming
        ``customer_id``, of another amount or currency naming ``amount`` or ``currency``
        (``InvalidValue``); a bounced one, or one that is already a bank credit's, naming
        ``payment_id`` (``InvalidTransition``); an id of nothing naming it (``NotFound``); a
        day before the payment was received naming ``resolved_on`` (``RuleViolated``);
        a credit with a payment of its own naming ``payment_id``; nothing recorded. Without
        it, a credit that may be a payment recorded by hand is resolved as any other, a new
        payment of its customer (``customer_id`` may be left out): two different transfers.
        A credit (an unknown payer's, say) assigned to a customer whose live receipt by hand
        has its bank reference, amount and currency, and is no bank credit's yet, is that
        receipt: refused (``DuplicateEntry`` naming ``payment_id`` and that payment, nothing
        recorded), to match with ``payment_id``.

        A credit with no payment yet needs ``customer_id``: its payment is created for that
        customer, received on ``resolved_on`` (the money was in suspense, nobody's, from the
        bank's booking day, which the credit keeps, until then). The payment is then allocated
        to ``allocations`` (invoice id, amount), or, when None, to the customer's open invoices
        oldest due first; an empty list keeps the money as customer credit. Payment, invoices
        and credit are saved in one transaction.

        The same assignment sent again after a lost response (a retry: the credit resolved
        already on that very day, with the same note, to the same customer or none given, and
        allocated the same way, the same invoices and amounts in the same order after a list,
        none again after none, or oldest due first again after oldest due first) records
        nothing and returns the payment id the first call returned. An assigned credit
        assigned otherwise is refused (``InvalidTransition`` naming ``resolved_on``,
        ``customer_id``, ``allocations`` or ``note``, the first that differs), nothing
        recorded: oldest due first (None) after a list or after none (kept as credit), or a
        list after oldest due first, even one listing what that paid, differs in
        ``allocations``. (An assignment recorded before q2c kept how it was asked to allocate
        takes oldest due first again for a repeat, as it did.) A credit that is not in
        suspense otherwise (matched, returned) is refused naming ``status``.
        """
        plan = None if allocations is None else allocation_pairs(allocations, at_least_one=False)
        if payment_id is not None:
            require_kind(payment_id, UUID, "payment_id", None, "a UUID")
            if allocations is not None:
                raise InvalidValue(
                    "the payment recorded by hand pays what it pays: allocate it there",
                    field="allocations",
                    aggregate_id=credit_id,
                )

        def step() -> tuple[UUID, list[Aggregate]]:
            credit = self.bank_credit(credit_id)
            if payment_id is not None or credit.matched_to_payment_by_hand:
                return self._match_resolved(
                    credit, payment_id, customer_id, plan, resolved_on, note, actor
                )
            if credit.status is CreditStatus.RESOLVED and credit.payment_id is not None:
                # (a retry answers as the first call did; other details are refused)
                self._check_resolved_again(credit, resolved_on, customer_id, plan, note)
                _require_actor(actor, credit.id)
                return credit.payment_id, []
            if not credit.is_suspended:
                raise InvalidTransition(
                    f"the credit is {credit.status.value}, not in suspense",
                    field="status",
                    aggregate_id=credit_id,
                    value=credit.status,
                )
            changed: list[Aggregate] = [credit]
            held = None if credit.payment_id is None else self._get(Payment, credit.payment_id)
            if held is not None and held.is_bounced:
                # (a credit suspended when its payment bounced: by hand, or by a reversal
                # recorded before reversals took the credit out of suspense)
                raise InvalidTransition(
                    f"the bank took the credit's money back (its payment bounced on "
                    f"{held.bounced_on}): nothing is left to assign",
                    field="payment_id",
                    aggregate_id=credit_id,
                    value=held.id,
                )
            # before the payment that day is made: it is received that day
            credit.check_resolved_on(resolved_on)
            if held is None:
                # (a credit that may be a payment recorded by hand knows its customer)
                named = customer_id if customer_id is not None else credit.customer_id
                if named is None:
                    raise InvalidValue(
                        "name the customer the money came from",
                        field="customer_id",
                        aggregate_id=credit_id,
                    )
                customer = self._get(Customer, named)
                self._refuse_receipt_by_hand_again(credit, customer)
                # the customer's money from the day it was assigned, not the bank's booking
                # day (kept on the credit): until then it was nobody's, in suspense, and the
                # customer's figures of the days before read as they did (as the ledger's)
                payment = Payment(
                    customer_id=named,
                    amount=credit.credit.amount,
                    received_on=resolved_on,
                    reference=credit.credit.bank_reference,
                    actor=actor,
                    note=credit.credit.remittance,
                )
                customer.add_payment(payment.id, actor)
                changed += [customer, payment]
            else:
                payment = held
                changed.append(payment)
            owner = payment.customer_id
            if customer_id is not None and customer_id != owner:
                raise InvalidValue(
                    "the payment is already the customer's; reverse it there instead",
                    field="customer_id",
                    aggregate_id=credit_id,
                    value=customer_id,
                )
            if plan is None:
                customer = self._get(Customer, owner)
                items = self._open_items(customer, payment.amount.currency, resolved_on)
                todo = [
                    (a.invoice_id, a.amount)
                    for a in allocate_payment(payment.available_on(resolved_on), items)
                ]
            else:
                todo = plan
            invoices: dict[UUID, Invoice] = {}
            start = len(payment.allocations)
            for n, (invoice_id, amount) in enumerate(todo, start=start + 1):
                invoice = invoices.get(invoice_id) or self._get(Invoice, invoice_id)
                self._know_applications([invoice])
                if invoice.customer_id != owner:
                    raise RuleViolated(
                        "the invoice belongs to another customer",
                        field="invoice_id",
                        aggregate_id=credit_id,
                        value=invoice_id,
                    )
                invoices[invoice_id] = invoice
                allocation_id = _allocation_id(credit.credit_key, n)
                payment.allocate(allocation_id, invoice_id, amount, resolved_on, actor)
                self._check_issued_by(invoice, resolved_on, "resolved_on")
                invoice.apply_payment(allocation_id, payment.id, amount, resolved_on, actor)
            credit.resolve(
                owner, payment.id, tuple(invoices), resolved_on, note, actor, plan is None
            )
            return payment.id, [*changed, *invoices.values()]

        return self._atomically(step)

    def _refuse_receipt_by_hand_again(self, credit: BankCredit, customer: Customer) -> None:
        """Refuse assigning ``credit`` to ``customer`` as new money when it is that customer's
        receipt entered by hand (``_recorded_by_hand``: its bank reference the payment's, the
        same amount and currency, not bounced, no bank credit's yet), as the import would have
        matched it had it known the payer: ``DuplicateEntry`` naming ``payment_id`` and the
        payment, to match with ``payment_id=`` (``q2c suspense resolve REF --payment``)."""
        said, held = credit.credit, _PaymentsOfCredits(self)
        by_hand = self._recorded_by_hand(customer, said, {}, held)
        if by_hand is None:
            # or under the reference a later statement gave a credit booked without it
            for p in self._hand_payments(customer, said, {}, held):
                key = receipt_key(p.reference)
                if key and credit.id in self._credits_under(key):
                    by_hand = p
                    break
        if by_hand is not None:
            shown = said.bank_reference or credit.id.hex
            raise DuplicateEntry(
                f"the credit {shown} of {said.amount} is the payment "
                f"{by_hand.id.hex} recorded by hand on {by_hand.received_on} under its bank "
                f"reference: match it with payment_id (q2c suspense resolve "
                f"{shown} --payment {by_hand.id.hex}) instead of making a "
                "second payment of the same money",
                field="payment_id",
                aggregate_id=credit.id,
                value=by_hand.id,
            )

    def _credits_under(self, key: str) -> tuple[UUID, ...]:
        """The credits noted under the bank reference ``key`` (``BankCreditsUnderReference``,
        with the credits booked before they were noted)."""
        found: list[UUID] = []
        mark = EarlierBankCreditsUnderReference.create_id()
        try:
            self._get(EarlierBankCreditsUnderReference, mark)
        except NotFound:
            # (no credit noted yet on a store older than the notes: read them all)
            found = [
                e.originator_id
                for e in self._created_events(BankCredit, "BankCreditBooked")
                if receipt_key(e.credit.bank_reference) == key
            ]
        with contextlib.suppress(NotFound):
            index = self._get(BankCreditsUnderReference, BankCreditsUnderReference.create_id(key))
            found += index.credit_ids
        return tuple(dict.fromkeys(found))

    def _match_resolved(
        self,
        credit: BankCredit,
        payment_id: UUID | None,
        customer_id: UUID | None,
        plan: list[tuple[UUID, Money]] | None,
        resolved_on: date,
        note: str,
        actor: str,
    ) -> tuple[UUID, list[Aggregate]]:
        """``resolve_bank_credit`` naming the payment recorded by hand the credit is, or of a
        credit matched to one already: the match sent again (the same payment, day and note,
        no other customer) records nothing and returns the payment; another is refused
        (``InvalidTransition`` naming ``payment_id``, ``resolved_on``, ``allocations`` or
        ``note``, the first that differs)."""
        if credit.matched_to_payment_by_hand and credit.status is CreditStatus.RESOLVED:
            assert credit.payment_id is not None
            done = f"the credit is payment {credit.payment_id} recorded by hand already"
            differs: tuple[str, object] | None = None
            if payment_id != credit.payment_id:
                differs = ("payment_id", payment_id)
            elif customer_id is not None and customer_id != credit.customer_id:
                differs = ("customer_id", customer_id)
            elif require_day(resolved_on, "resolved_on") != credit.resolved_on:
                differs = ("resolved_on", resolved_on)
            elif plan is not None:
                differs = ("allocations", plan)
            elif note != credit.resolution_note:
                differs = ("note", note)
            if differs is not None:
                field, value = differs
                raise InvalidTransition(
                    f"{done} (matched on {credit.resolved_on}); a retry sends the same details",
                    field=field,
                    aggregate_id=credit.id,
                    value=value,
                )
            _require_actor(actor, credit.id)
            return credit.payment_id, []
        if not credit.is_suspended:
            raise InvalidTransition(
                f"the credit is {credit.status.value}, not in suspense",
                field="status",
                aggregate_id=credit.id,
                value=credit.status,
            )
        assert payment_id is not None
        payment = self._get_other(Payment, payment_id, field="payment_id", target=credit.id)
        owner = credit.customer_id if customer_id is None else customer_id
        if owner is not None and payment.customer_id != owner:
            raise InvalidValue(
                f"the payment is customer {payment.customer_id}'s, not {owner}'s",
                field="customer_id",
                aggregate_id=credit.id,
                value=payment.customer_id,
            )
        amount, paid = credit.credit.amount, payment.amount
        if paid.currency != amount.currency:
            raise InvalidValue(
                f"the payment is in {paid.currency}, the credit in {amount.currency}",
                field="currency",
                aggregate_id=credit.id,
                value=paid.currency,
            )
        if paid != amount:
            raise InvalidValue(
                f"the payment is {paid}, the credit {amount}",
                field="amount",
                aggregate_id=credit.id,
                value=paid,
            )
        if payment.is_bounced:
            raise InvalidTransition(
                f"the payment bounced on {payment.bounced_on}",
                field="payment_id",
                aggregate_id=credit.id,
                value=payment_id,
            )
        if require_day(resolved_on, "resolved_on") < payment.received_on:
            # (the payment puts the money in the books' bank on the day it was received: the
            # credit's leaves them no earlier, or the bank would read short in between)
            raise RuleViolated(
                f"must not be before {payment.received_on}, the day the payment was received",
                field="resolved_on",
                aggregate_id=credit.id,
                value=resolved_on,
            )
        if _PaymentsOfCredits(self).holds(payment_id):
            raise InvalidTransition(
                "the payment is a bank credit's already",
                field="payment_id",
                aggregate_id=credit.id,
                value=payment_id,
            )
        invoice_ids = tuple(dict.fromkeys(a.invoice_id for a in payment.live_allocations()))
        credit.match_to_payment(
            payment.customer_id, payment.id, invoice_ids, resolved_on, note, actor
        )
        of_payment = BankCreditOfPayment(payment_id=payment.id, credit_id=credit.id, actor=actor)
        return payment.id, [credit, of_payment]

    def _check_resolved_again(
        self,
        credit: BankCredit,
        resolved_on: date,
        customer_id: UUID | None,
        plan: list[tuple[UUID, Money]] | None,
        note: str,
    ) -> None:
        """Refuse an assignment of a credit resolved already that is not its resolution sent
        again (``resolve_bank_credit``): ``InvalidTransition`` naming the first detail that
        differs from what was recorded, ``resolved_on``, ``customer_id``, ``allocations`` or
        ``note``. The allocations are asked the same way (``resolved_oldest_due_first``):
        None (oldest due first) again after None, and a list after a list, those of the
        resolution in order; None after a list (or none, kept as credit), or a list after
        oldest due first, differs. A resolution recorded before q2c kept how it was asked
        (None) takes None for a repeat and compares a list with what it paid, as then."""
        day = require_day(resolved_on, "resolved_on")
        done = f"the credit was assigned already, on {credit.resolved_on}"
        asked = credit.resolved_oldest_due_first
        differs: tuple[str, str, object] | None = None
        if day != credit.resolved_on:
            differs = ("resolved_on", f"not on {day}", resolved_on)
        elif customer_id is not None and customer_id != credit.customer_id:
            differs = ("customer_id", f"to customer {credit.customer_id}", customer_id)
        elif plan is not None and asked:
            differs = ("allocations", "paying the open invoices oldest due first", plan)
        elif plan is not None or asked is False:
            made = self._resolution_paid(credit)
            listed = ", ".join(f"{i}: {m}" for i, m in made) or "none: kept as credit"
            if plan is None:
                differs = ("allocations", f"paying {listed}, not oldest due first", plan)
            elif made != plan:
                differs = ("allocations", f"paying {listed}", plan)
        if differs is None and note != credit.resolution_note:
            differs = ("note", f"noted {credit.resolution_note!r}", note)
        if differs is None:
            return
        field, said, value = differs
        raise InvalidTransition(
            f"{done} ({said}); a retry sends the same details",
            field=field,
            aggregate_id=credit.id,
            value=value,
        )

    def _resolution_paid(self, credit: BankCredit) -> list[tuple[UUID, Money]]:
        """What a person's assignment of ``credit`` paid: (invoice, amount) in order."""
        assert credit.payment_id is not None
        payment = self._get(Payment, credit.payment_id)
        prefix = _allocation_id(credit.credit_key, 0)[:-1]
        return [
            (a.invoice_id, a.amount)
            for a in payment.allocations
            if a.allocation_id.startswith(prefix) and a.allocated_on == credit.resolved_on
        ]

    def return_bank_credit(
        self, credit_id: UUID, *, returned_on: date, reason: str, actor: str
    ) -> bool:
        """The money of a suspended credit with no payment was sent back to the sender.

        Returns whether anything was recorded: False when the credit was sent back already on
        this very day for this very reason (the same return sent again after a lost response:
        a retry, ``BankCredit.repeats_return``). A credit sent back on another day or for
        another reason is refused (``InvalidTransition`` naming ``returned_on`` or
        ``reason``), one assigned or taken back by the bank naming ``status``, nothing
        recorded (``BankCredit.return_to_sender``)."""

        def step() -> tuple[bool, list[Aggregate]]:
            credit = self.bank_credit(credit_id)
            if credit.repeats_return(returned_on, reason):
                _require_actor(actor, credit.id)
                return False, []
            credit.return_to_sender(returned_on, reason, actor)
            return True, [credit]

        return self._atomically(step)


# how many days apart the bank's day of a credit and the day a payment of the same amount was
# received by hand may be for the credit to wait as that payment, perhaps
MATCH_DAYS = 7


class _PaymentsOfCredits:
    """The payments bank credits are (booked with one, assigned one by a person, or matched
    to one recorded by hand), read from the credits' events when first asked, and those an
    import's step matched since."""

    EVENTS = ("BankCreditBooked", "SuspenseResolved", "BankCreditMatchedToPayment")

    def __init__(self, app: BaseApp) -> None:
        self._app = app
        self._ids: set[UUID] | None = None
        self._in_step: set[UUID] = set()
        # the customers' payments the step read, by id (each read once)
        self.loaded: dict[UUID, Payment] = {}

    def holds(self, payment_id: UUID) -> bool:
        """Whether ``payment_id`` is a bank credit's payment."""
        if payment_id in self._in_step:
            return True
        if self._ids is None:
            self._ids = {
                e.payment_id
                for name in self.EVENTS
                for e in self._app._created_events(BankCredit, name)
                if getattr(e, "payment_id", None) is not None
            }
        if payment_id in self._ids:
            return True
        with contextlib.suppress(NotFound):
            self._app._get(BankCreditOfPayment, BankCreditOfPayment.create_id(payment_id))
            return True
        return False

    def note(self, payment_id: UUID) -> None:
        """The step made ``payment_id`` of a credit, or matched it to one."""
        self._in_step.add(payment_id)


def _booking_order(item: BankCreditRow | BankReversalRow) -> tuple[date, int, int]:
    """Where a statement's credit or reversal comes in the order the bank booked them: by day,
    a day's credits before its reversals (one may take back a credit of that day), then by
    line."""
    if isinstance(item, BankReversalRow):
        return item.reversed_on, 1, item.line
    return item.credit.booked_on, 0, item.line


def _request_ids(tickets: Mapping[str, UUID]) -> dict[str, UUID]:
    """A ticket map with its request ids as ids: one given as text (a map read from a config
    file) read as a row's request cell is (``UUID``: capitals, braces aside), so a row naming
    the request by its ticket and one naming it by its id are one request, not two copies of
    it that clash on saving. A value that is no request id is kept as given: the rows naming
    its ticket are refused (``no request``)."""
    ids: dict[str, UUID] = {}
    for ticket, given in tickets.items():
        value: object = given
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = UUID(value)
        ids[ticket] = cast(UUID, value)
    return ids


def _check_day_on_request(
    request: EnhancementRequest,
    entry: TimeEntry,
    new_work: Sequence[tuple[int, UUID, TimeEntry]],
) -> None:
    """Refuse a row taking its worker (``person_key``) past 24 hours on its day on its request
    (``RuleViolated`` naming ``hours``), as ``EnhancementRequest.check_day_hours`` would, but
    telling the hours recorded before from those of the file's earlier rows (``new_work``):
    nothing of the file is recorded, so its rows' hours are no hours "recorded already"."""
    who = person_key(entry.worker)
    from_file = {e.entry_id for _, request_id, e in new_work if request_id == request.id}
    before = in_file = Decimal(0)
    for work in request.work:
        if work.entry.work_date != entry.work_date or person_key(work.entry.worker) != who:
            continue
        if work.entry.entry_id in from_file:
            in_file += work.entry.hours
        else:
            before += work.entry.hours
    total = before + in_file + entry.hours
    if total <= 24:
        return
    where = [
        *([f"{before} h recorded before"] if before else []),
        *([f"{in_file} h on earlier rows of this file"] if in_file else []),
    ]
    said = f" ({', '.join(where)})" if where else ""
    raise RuleViolated(
        f"{entry.worker} would have {total} h on {entry.work_date} on this request{said}: "
        "nobody works more than 24 h in a day",
        field="hours",
        aggregate_id=request.id,
        value=entry.hours,
    )


def _days_over(
    new_work: Sequence[tuple[int, UUID, TimeEntry]],
    requests: Mapping[UUID, EnhancementRequest],
) -> list[RowProblem]:
    """The rows of a file that take a worker (a person: ``person_key``) past 24 hours on a
    day, counting the file's rows on every request it names and what those requests recorded
    before (``new_work``: the line, request and entry of each row recorded, in file order):
    one problem naming ``hours`` on the first row past it, per worker and day. Each request
    refuses an entry past 24 hours on its own (``EnhancementRequest.check_day_hours``); this
    adds the file's other requests. Hours recorded on requests the file does not name are not
    counted (no index of a worker's day across requests)."""
    new_ids = {(request_id, entry.entry_id) for _, request_id, entry in new_work}
    days = {(person_key(entry.worker), entry.work_date) for _, _, entry in new_work}
    hours: dict[tuple[str, date], Decimal] = dict.fromkeys(days, Decimal(0))
    for request in requests.values():
        for work in request.work:
            day = (person_key(work.entry.worker), work.entry.work_date)
            if day in hours and (request.id, work.entry.entry_id) not in new_ids:
                hours[day] += work.entry.hours
    problems: list[RowProblem] = []
    told: set[tuple[str, date]] = set()
    for line, request_id, entry in new_work:
        day = (person_key(entry.worker), entry.work_date)
        hours[day] += entry.hours
        if hours[day] > 24 and day not in told:
            told.add(day)
            error = RuleViolated(
                f"{entry.worker} would have {hours[day]} h on {entry.work_date} over the "
                "file's requests: nobody works more than 24 h in a day",
                field="hours",
                aggregate_id=request_id,
                value=entry.hours,
            )
            problems.append(_problem(line, error))
    return problems


def _own_former_ids(rows: Sequence[TimeEntryRow]) -> list[TimeEntryRow]:
    """The rows, those named by their content without the former ids another row of the file
    is named by: its cells as typed may hash as another row's content does (``dana`` on the
    request's id, the third of its kind, is named as the second of them now is), and that entry
    is the other row's, not an earlier name of this one."""
    ids = {row.entry_id for row in rows}
    return [
        attrs.evolve(row, former_ids=tuple(i for i in row.former_ids if i not in ids))
        if row.named_by_content and any(i in ids for i in row.former_ids)
        else row
        for row in rows
    ]


# an entry id derived from a row's content: ``<source>:`` and 24 hex digits (``_content_id``)
_CONTENT_ID = re.compile(r"(?P<source>[^:]+):[0-9a-f]{24}")


def _named_before(
    row: TimeEntryRow,
    request: EnhancementRequest,
    named_in_file: set[str],
    looked_for: dict[tuple[object, ...], int],
) -> str | None:
    """The entry a row named by its content is, recorded by an earlier version of the reader
    under a name this one does not give (its content as typed: ``dana`` on ``TKT-101``, where
    the file now writes ``Dana``, or the request's q2c id), None when there is none.

    Such an entry is named by content by the same PSA (``<source>:`` and a hash) on the row's
    request, and has its content: the worker as a person (``person_key``), the day, the hours,
    the billable flag and the note. Rows of one content take those entries in the order they
    were recorded, one each, as identical rows are told apart by their occurrence: two rows
    still are two entries, and only the rows past the entries recorded are new work. An entry
    another row of the file names by one of its own ids (its content as typed) is that row's,
    never taken by another spelling of it.

    It is also an entry the same PSA recorded under its own id (``psa:777``, from an export with
    the id column), with that content, which no row of the file names by its id: after those
    named by content, in the order recorded, as the same occurrence among identical rows. An
    export without the id column lists the PSA's entries as one with it did: bob's 4 h sent as
    777, then in an export without ids, is one entry, not 8 h."""
    own = _CONTENT_ID.fullmatch(row.entry_id)
    if own is None:
        return None
    content = _work_content(row)
    key = (request.id, *content)
    rank = looked_for.get(key, 0)
    looked_for[key] = rank + 1
    by_content: list[str] = []
    by_psa_id: list[str] = []
    for recorded in request.recorded_entries():  # (one withdrawn is known, not new)
        entry_id = recorded.entry_id
        if entry_id in named_in_file or _work_content(recorded) != content:
            continue
        found = _CONTENT_ID.fullmatch(entry_id)
        if found is not None:
            if found["source"] == own["source"]:
                by_content.append(entry_id)
        elif entry_id.startswith(f"{own['source']}:"):
            by_psa_id.append(entry_id)
    candidates = [*by_content, *by_psa_id]
    return candidates[rank] if rank < len(candidates) else None


def _work_content(work: TimeEntry | TimeEntryRow) -> tuple[object, ...]:
    """What makes two entries the same work by their content: the worker as a person, the
    day, the hours, the billable flag and the note (a row of an export, or an entry
    recorded)."""
    return (person_key(work.worker), work.work_date, work.hours, work.billable, work.note)


def _other_content_id(entry_id: str, taken: set[str]) -> str:
    """An id of its own for the entry of a row named by its content whose content id names
    another entry (one a PSA id of the file claimed): ``<source>:`` and a hash of that id and
    a count, the first not ``taken``. Named by content as ``_CONTENT_ID`` reads it, so a later
    export finds it as it finds an entry recorded by its content (``_named_before``, and a
    PSA id claiming it: ``_alike``)."""
    source = entry_id.split(":", 1)[0]
    n = 1
    while True:
        digest = hashlib.sha256(f"{entry_id}\x1e{n}".encode()).hexdigest()[:24]
        other = f"{source}:{digest}"
        if other not in taken:
            return other
        n += 1


def _alike(row: TimeEntryRow, request: EnhancementRequest, spoken_for: set[str]) -> list[str]:
    """The entries on ``request`` the PSA of the row's id (``psa:5002``) recorded by their
    content (``<source>:`` and a hash), with the row's content (the worker as a person, the
    day, the hours, the billable flag and the note), in the order recorded, but those
    ``spoken_for`` (another row of the file is, or may be, them): what the row's PSA id may
    claim past its own rank (``ImportCommands._claim_alike``)."""
    source = row.entry_id.split(":", 1)[0]
    content = _work_content(row)
    alike: list[str] = []
    for recorded in request.recorded_entries():  # (one withdrawn is known, not new)
        entry_id = recorded.entry_id
        found = _CONTENT_ID.fullmatch(entry_id)
        if (
            found is None
            or found["source"] != source
            or entry_id in spoken_for
            or _work_content(recorded) != content
        ):
            continue
        alike.append(entry_id)
    return alike


def _held_elsewhere(entry_id: str, held: UUID) -> DuplicateEntry:
    """The refusal of an entry id recorded on another request, ``held``."""
    return DuplicateEntry(
        f"entry {entry_id!r} is already recorded on request {held}: one entry is work on one "
        "request (one the PSA moved to another ticket is corrected on the request it is on, "
        "not recorded again)",
        field="entry_id",
        aggregate_id=held,
        value=entry_id,
    )


def _check_one_request(
    row: TimeEntryRow,
    request: EnhancementRequest,
    on_request: Mapping[str, UUID],
    in_file: dict[str, tuple[UUID, int]],
) -> None:
    """An entry id names work on one request: refused (``DuplicateEntry`` naming the id and
    the request it is on) when it is recorded on another request (``on_request``), or given
    for another request on an earlier line of the file (``in_file``, which learns the row)."""
    held = on_request.get(row.entry_id)
    if held is not None and held != request.id:
        raise _held_elsewhere(row.entry_id, held)
    first = in_file.setdefault(row.entry_id, (request.id, row.line))
    if first[0] != request.id:
        raise DuplicateEntry(
            f"entry {row.entry_id!r} is given for request {first[0]} on line {first[1]}: one "
            "entry is work on one request",
            field="entry_id",
            aggregate_id=first[0],
            value=row.entry_id,
        )


def _account_key(account: str) -> str:
    """An account as ``bank_accounts`` names it: spaces aside, in capitals."""
    return "".join(account.split()).upper()


def _same_account(one: StatementCredit, other: StatementCredit) -> bool:
    """Whether two credits may be on one of our accounts: the same, or one names none."""
    return (
        not one.account
        or not other.account
        or (_account_key(one.account) == _account_key(other.account))
    )


def _credit_content(credit: StatementCredit) -> tuple[object, ...]:
    """What two sightings of a credit must share to be the same credit: date, amount (with its
    currency) and remittance text (spacing aside); and the payer's account, where both name
    one (``_same_payer``)."""
    return (credit.booked_on, credit.amount, " ".join(credit.remittance.split()))


def _same_payer(one: StatementCredit, other: StatementCredit) -> bool:
    """Whether two sightings of a credit name the same payer's account, where both name one
    (spaces and case aside): a CSV without an IBAN column does not name it. Debtor names are
    left out: statement formats write them differently for the same credit."""
    accounts = {"".join(c.debtor_account.split()).upper() for c in (one, other)} - {""}
    return len(accounts) <= 1


def _same_credit(one: StatementCredit, other: StatementCredit) -> bool:
    """Whether two sightings are one credit: same content, same payer (two payers sending the
    same amount on one day without remittance are two credits)."""
    return _credit_content(one) == _credit_content(other) and _same_payer(one, other)


def _bank_text_aside(one: StatementCredit, other: StatementCredit) -> bool:
    """Whether two sightings under one bank reference are one credit but for the bank's own
    text: the same day, amount and payer (``_same_payer``), and one's remittance is the
    other's followed by more words (spacing and case aside). A camt.053 gives the payer's
    remittance (Ustrd, Strd) and then the bank's text (AddtlTxInf), which a CSV export of the
    same credit may leave out (or keep): the payer's part is what both share."""
    if one.booked_on != other.booked_on or one.amount != other.amount:
        return False
    if not _same_payer(one, other):
        return False
    words = [c.remittance.casefold().split() for c in (one, other)]
    shorter, longer = sorted(words, key=len)
    return longer[: len(shorter)] == shorter


def _describe(credit: StatementCredit) -> str:
    return f"{credit.booked_on} {credit.amount} {credit.remittance.strip()!r}"


def _read_as(row: BankCreditRow, seen: StatementCredit, *, before: bool = False) -> bool:
    """Whether the row is the credit ``seen``; ``before``: also as an earlier version of the
    reader read the row (``read_before``), for a credit booked by it."""
    if _same_credit(row.credit, seen):
        return True
    return before and row.read_before is not None and _same_credit(row.read_before, seen)


def _named_by_content(row: BankCreditRow, seen: StatementCredit, seen_key: str = "") -> bool:
    """Whether the row, or the credit ``seen`` (under ``seen_key``), is named by its content (a
    ``c:`` key: our account, day, amount, the payer's remittance, spacing and case aside, and
    the payer's account) and ``seen`` is that credit: then only the bank's own text may differ
    (a camt.053 carries it in AddtlTxInf, a CSV export may leave it out), and it is the same
    credit (one statement naming it by the bank's reference, the other by its content)."""
    return (
        (row.credit_key.startswith("c:") or seen_key.startswith("c:"))
        and row.credit.booked_on == seen.booked_on
        and row.credit.amount == seen.amount
        and _same_payer(row.credit, seen)
    )


def _by_reference(row: BankCreditRow) -> list[str]:
    """The keys of the bank's reference that name a credit (its key and such aliases), as a
    ``BankCreditReferenceName`` may hold them. None for a credit named by its content."""
    if row.credit_key.startswith("c:"):
        return []
    return [k for k in (row.credit_key, *row.aliases) if not k.startswith("c:")]


def _by_content(row: BankCreditRow) -> list[str]:
    """The content names a credit is noted by when it is booked: a credit the bank named by
    its reference, its ``c:`` aliases (how a statement without the reference names it); every
    credit, its names with the payer's account aside as a statement of its kind notes them
    (``_payer_aside``), for a statement of the other kind."""
    by_reference = [] if row.credit_key.startswith("c:") else row.aliases
    return [*(k for k in by_reference if k.startswith("c:")), *_payer_aside(row, mine=True)]


_PAYER_ASIDE_KINDS = ("payers-named/", "any-payer/")


def _from_occurrence(name: str) -> Iterator[str]:
    """A content name (``<key>:<n>``) at its occurrence and each after it: the same day's
    further credits of that content. A name without an occurrence is itself alone."""
    base, _, n = name.rpartition(":")
    if not n.isdigit():
        yield name
        return
    yield from (f"{base}:{i}" for i in itertools.count(int(n)))


def _payer_aside_kind(name: str) -> tuple[str, str]:
    """A name of ``_payer_aside``: its kind and the ``a:`` name."""
    kind = next(k for k in _PAYER_ASIDE_KINDS if name.startswith(k))
    return kind, name[len(kind) :]


def _payer_aside(row: BankCreditRow, *, mine: bool) -> list[str]:
    """The row's names with the payer's account aside (``payer_aside``) as a statement of its
    kind (``mine``) or of the other kind notes them: ``payers-named/`` by one that names
    payers' accounts (a camt.053, a CSV with an IBAN column: also a credit the bank named no
    account of), ``any-payer/`` by one that cannot (a CSV export without the column). A
    statement finds by them only a credit a statement of the other kind booked: a CSV export
    without the column is any payer's, but two statements naming payers tell two payers'
    credits apart (and a payer's from a credit without DbtrAcct)."""
    names_payers = row.names_payers if mine else not row.names_payers
    kind = "payers-named/" if names_payers else "any-payer/"
    return [kind + name for name in row.payer_aside]


def _check_same_credit(
    row: BankCreditRow, seen: StatementCredit, where: str, seen_key: str, *, before: bool = False
) -> None:
    """A credit key seen before must carry the same credit: then the row is a re-import, skipped.
    Another credit under the same key (a reused reference) is refused, never dropped; one
    whose remittance only adds the bank's text to the other's is the same (``_bank_text_aside``).
    ``seen_key``: the key the credit seen was booked (or read) under. ``before``: the credit
    was booked by an earlier import (see ``_read_as``)."""
    if _read_as(row, seen, before=before) or _named_by_content(row, seen, seen_key):
        return
    # (the row as read now only: not also as an earlier reader misread it, ``read_before``)
    if _bank_text_aside(row.credit, seen):
        return
    reference = row.credit.bank_reference or row.credit_key
    raise DuplicateEntry(
        f"credit {reference!r} ({_describe(row.credit)}) has the same reference as the credit "
        f"{where} ({_describe(seen)}); one reference cannot name two credits",
        field=row.reference_field,
        value=reference,
    )


def _check_entry_total(
    row: BankCreditRow, total: StatementCredit, transactions: Sequence[StatementCredit]
) -> None:
    """An entry's total and its transactions are one money: the same day, and they add up to
    it. Else the bank's reference names two credits: refused (``DuplicateEntry`` naming
    ``reference``), never booked as new money."""
    if all(t.booked_on == total.booked_on for t in transactions) and all(
        t.amount.currency == total.amount.currency for t in transactions
    ):
        summed = sum((t.amount for t in transactions[1:]), transactions[0].amount)
        if summed == total.amount:
            return
    reference = row.credit.bank_reference or row.credit_key
    shown = " + ".join(str(t.amount) for t in transactions)
    raise DuplicateEntry(
        f"credit {reference!r} ({_describe(row.credit)}): the bank's reference names an entry "
        f"of {len(transactions)} credit(s) ({shown}, on {transactions[0].booked_on}) and its "
        f"total ({total.amount}, on {total.booked_on}), which do not agree; one reference "
        "cannot name two credits",
        field=row.reference_field,
        value=reference,
    )


def _close_batch(
    source: ImportSource,
    found: list[RowProblem],
    imported_on: date,
    actor: str,
    *,
    rows: int,
    recorded: int,
    skipped: int,
    suspended: int = 0,
    ignored: int = 0,
    corrected: int = 0,
) -> ImportBatch:
    """All or nothing: any row problem rejects the file; otherwise the batch that records it."""
    if found:
        raise ImportRejected(source.file_name, found)
    return ImportBatch(
        file_sha256=source.file_sha256,
        kind=source.kind,
        file_name=source.file_name,
        imported_on=imported_on,
        actor=actor,
        rows=rows,
        recorded=recorded,
        skipped=skipped,
        suspended=suspended,
        ignored=ignored,
        corrected=corrected,
    )


def _not_listed(
    contracts: Mapping[tuple[UUID, str], Contract],
    listed: Mapping[tuple[UUID, str], Mapping[str, SubContractRow]],
    signed: set[UUID],
    moved_out: set[tuple[UUID, str]],
    imported_on: date,
) -> tuple[NeedsAttention, ...]:
    """The sub-contracts of the recorded contracts a CRM export lists that it no longer lists,
    open-ended and billed on or after the import's day. The export is read as each listed
    contract's full list of sub-contracts, but gives no day one ended: nothing is recorded for
    them, and the report names each as needing attention (never billed on silently). Not
    named: one the file moved to another contract (the import ended it here); one with an end
    recorded (removed, moved or terminated by command, on any day); one of a contract whose
    term, renewed as a run would, has ended by then (it bills no more); and every one of a
    contract the file gives without sub-contract rows (master data only says nothing of
    them)."""
    found: list[NeedsAttention] = []
    for key, contract in contracts.items():
        if contract.id in signed or key not in listed:
            continue
        if contract.term_renewed_through(imported_on).end <= imported_on:
            continue
        in_file = listed[key]
        for sub_id, sub in sorted(contract.sub_contracts.items()):
            if sub_id in in_file or (contract.id, sub_id) in moved_out:
                continue
            if sub.effective_to is not None:
                continue
            found.append(
                NeedsAttention(
                    contract_id=contract.id,
                    contract=contract.number,
                    sub_id=sub_id,
                    rule=(
                        "listed before, not in this export: end it with "
                        "remove_sub_contract or list it"
                    ),
                )
            )
    return tuple(found)


def _terms_differing(contract: Contract, row: ContractRow, terms: Sequence[Period]) -> list[str]:
    """The master-contract columns of a row that disagree with the recorded contract, so a
    changed CRM export is refused rather than skipped as already imported. The term may run
    from its first start to where it was signed to end or where renewals have taken it since,
    or be one of its recorded ``terms`` (the current one a renewal started, as a CRM shows it;
    an evergreen term lapsed by the import's day counted as renewed, ``_recorded_terms``).
    A signing day the row does not give is not compared (its default, the row's term start, is
    no signing day of a renewed term)."""
    signed_end = contract.term.start + timedelta(days=contract.renewal_days)
    spans = {(contract.term.start, signed_end), (contract.term.start, contract.term.end)}
    spans.update((term.start, term.end) for term in terms)
    if terms:
        spans.add((contract.term.start, terms[-1].end))
    starts = {start for start, _ in spans}
    checks = (
        ("term_start", row.term_start in starts),
        (
            "term_end",
            (row.term_start, row.term_end) in spans
            or (row.term_start not in starts and row.term_end in {end for _, end in spans}),
        ),
        ("frequency", contract.frequency is row.frequency),
        ("currency", row.currency is None or contract.currency == row.currency),
        ("signed_on", not row.signed_on_given or contract.signed_on == row.signed_on),
        ("timing", contract.timing is row.timing),
        ("alignment", contract.alignment is row.alignment),
        ("day_count", contract.day_count is row.day_count),
        ("auto_renew", contract.auto_renew == row.auto_renew),
        ("renewal_uplift", contract.renewal_uplift_percent == row.renewal_uplift_percent),
        # a go-live day the export gives must be the one recorded (an export only saying the
        # contract is active gives none; one not activated yet is activated by the import)
        (
            "activated_on",
            not row.activated_on_given
            or row.activated_on is None
            or contract.activated_on in (None, row.activated_on),
        ),
    )
    return [name for name, same in checks if not same]


def _check_same_terms(first: ContractRow, row: ContractRow) -> None:
    """Rows of one contract (one resolved customer, one number) repeat its columns: one that
    differs refuses the row naming that column and the line giving the contract otherwise."""
    theirs = first.master_terms()
    differing = [name for name, value in row.master_terms().items() if theirs[name] != value]
    if differing:
        raise RuleViolated(
            f"contract {row.number} has another {', '.join(differing)} on line {first.line}",
            field=differing[0],
            value=row.number,
        )


def _price_in(sub: SubContractRow, contract: Contract) -> Money:
    """A sub-contract row's annual price: as given, or an amount in its contract's currency
    (the row's, else the customer's: a CRM export without a currency column)."""
    if isinstance(sub.annual_price, Money):
        return sub.annual_price
    return Money(sub.annual_price, contract.currency)


def _check_sub_terms(
    existing: SubContract,
    sub: SubContractRow,
    annual_price: Money,
    contract: Contract,
    imported_on: date,
) -> None:
    """A recorded sub-contract's start and price as the row gives them: one that differs is
    refused naming its column, with what is recorded and what the row says (a recorded
    sub-contract's price changes by command, not by a newer export). The price column is the
    price in force on the import's day (``_price_in_force``): after a re-price the export
    shows the new price, not the one the sub-contract was first imported at."""
    on, recorded_price = _price_in_force(existing, contract, imported_on)
    recorded, given = _shown(recorded_price, annual_price)
    differing = [
        (column, value)
        for column, same, value in (
            (
                "effective_from",
                not sub.effective_from_given or existing.effective_from == sub.effective_from,
                f"recorded {existing.effective_from.isoformat()}, "
                f"this row {sub.effective_from.isoformat()}",
            ),
            (
                "annual_price",
                recorded_price == annual_price,
                f"the column carries the price in force on {on.isoformat()}: "
                f"recorded {recorded}, this row {given}",
            ),
        )
        if not same
    ]
    if differing:
        raise RuleViolated(
            f"sub-contract {sub.sub_id!r} is recorded with another "
            + "; ".join(f"{column} ({value})" for column, value in differing)
            + " (a recorded sub-contract changes by command: reprice_sub_contract...)",
            field=differing[0][0],
            aggregate_id=contract.id,
            value=sub.sub_id,
        )


def _price_in_force(sub: SubContract, contract: Contract, day: date) -> tuple[date, Money]:
    """The day a CRM row's annual price is read on, and the sub-contract's price in force then:
    the import's day, or the sub-contract's first day when it starts later, or its last when
    it ended before. An evergreen term lapsed by then counts as renewed, with its renewal
    uplift, as the billing run will renew it (``term_renewed_through``): the CRM shows the
    uplifted price whether or not a run has recorded the renewal yet."""
    on = max(day, sub.effective_from)
    if sub.effective_to is not None and on >= sub.effective_to:
        on = sub.effective_to - timedelta(days=1)
    uplift = contract.renewal_uplift_percent
    term = contract.term
    if uplift is not None:
        last = contract.expires_on or date.max
        while contract.renews_automatically and term.end <= on and term.end < last:
            sub = sub.renewed(term.end, None, uplift)
            term = Period(
                term.start, next_term_end(term, contract.renewal_months, contract.renewal_days)
            )
    return on, sub.price_on(on)


def _uplifts_through(contract: Contract, day: date) -> list[tuple[date, Decimal]]:
    """The first day of each term the contract was renewed into with an uplift by ``day``, and
    the uplift: those recorded (``renewed_on``, known by ``know_renewals``), then those of an
    evergreen term lapsed by then, as the billing run will renew it (``_price_in_force``)."""
    recorded = list(zip(contract.renewed_on or (), contract.renewal_uplifts or (), strict=False))
    found = [(on, uplift) for on, uplift in recorded if on <= day]
    uplift = contract.renewal_uplift_percent
    term = contract.term
    last = contract.expires_on or date.max
    while uplift is not None and contract.renews_automatically and term.end <= day:
        if term.end >= last:
            break
        found.append((term.end, uplift))
        term = Period(
            term.start, next_term_end(term, contract.renewal_months, contract.renewal_days)
        )
    return found


def _check_new_sub_price(sub: SubContractRow, contract: Contract, imported_on: date) -> None:
    """A new sub-contract's ``annual_price`` is, as a recorded one's, the price in force on the
    import's day (``_price_in_force``). Recorded from its ``effective_from``, a renewal with
    uplift between that day and the import's would raise it above the column: the price it had
    before that renewal is not in the export, so such a row is refused naming annual_price (it
    is imported from the current term's start, or added by command with its prices)."""
    raised = [
        (on, uplift)
        for on, uplift in _uplifts_through(contract, imported_on)
        if uplift != 0
        and sub.effective_from < on
        and (sub.effective_to is None or sub.effective_to > on)
    ]
    if not raised:
        return
    on, uplift = raised[-1]
    raise RuleViolated(
        f"sub-contract {sub.sub_id!r} from {sub.effective_from.isoformat()} is new, and the "
        f"column carries the price in force on {imported_on.isoformat()}: the renewal of "
        f"{on.isoformat()} raised the prices before it by {uplift} %, and the price before it is "
        f"not in this export (give effective_from {on.isoformat()}, the current term's start, "
        "or add it by command: add_sub_contract with its prices)",
        field="annual_price",
        aggregate_id=contract.id,
        value=sub.sub_id,
    )


def _shown(one: Money, other: Money) -> tuple[str, str]:
    """Two amounts as a message shows them: rounded, unless that shows them alike."""
    if str(one) == str(other) and one != other:
        return f"{one.amount} {one.currency}", f"{other.amount} {other.currency}"
    return str(one), str(other)


def _check_sub_id_as_written(
    sub_id: str,
    contract: Contract,
    first_sub: Mapping[tuple[UUID, str, str], ContractRow],
    key: tuple[UUID, str],
) -> None:
    """A new sub-contract's id must not be one of its contract's (recorded, or given earlier in
    the file) written with other case, spaces or punctuation (``erp 1`` for ``ERP-1``): that is
    the same service, which a second sub-contract would bill twice."""
    wanted = _number_key(sub_id)
    in_file = {sid: row for (cid, num, sid), row in first_sub.items() if (cid, num) == key}
    for other in [*contract.sub_contracts, *in_file]:
        if other == sub_id or _number_key(other) != wanted:
            continue
        earlier = in_file.get(other)
        where = "as recorded" if earlier is None else f"as line {earlier.line} writes it"
        raise RuleViolated(
            f"sub-contract {sub_id!r} differs from the contract's sub-contract {other!r} only by "
            f"case, spaces or punctuation: write it {where} (a second sub-contract would bill "
            "the same service twice)",
            field="sub_id",
            aggregate_id=contract.id,
            value=sub_id,
        )


# the file's column of each fact of a new contract the contract's own rules name otherwise
_CONTRACT_COLUMNS = {
    "number": "contract",
    "period": "term_end",
    "term": "term_end",
    "renewal_uplift_percent": "renewal_uplift",
}


def _in_column(error: InvalidValue) -> InvalidValue:
    """A contract's refusal of a row's fact named by the file's column holding it (its
    number's rule names ``contract``, its term's ``term_end``): the file has no column
    ``number`` or ``term``, and the row's other problems name its columns."""
    column = _CONTRACT_COLUMNS.get(error.field)
    if column is not None:
        error.field = column
        error.args = (error._message(),)
    return error


def _contract_named(error: Q2CError, loaded: Iterable[Contract]) -> Q2CError:
    """A contract's refusal for its status (``cannot add a sub-contract when terminated``)
    named by the contract column and the contract's number, not ``status``: a CRM export has
    a column of that name (active or empty) the row may not even fill, and the contract
    refusing may be another than the row's (the one a sub-contract moves away from)."""
    if not isinstance(error, InvalidTransition) or error.field != "status":
        return error
    number = next((c.number for c in loaded if c.id == error.aggregate_id), None)
    if number is None:
        return error
    return InvalidTransition(
        f"contract {number}: {error.rule}",
        field="contract",
        aggregate_id=error.aggregate_id,
        value=number,
    )


def _number_key(number: str) -> str:
    """A contract number as people mistype it: case, spaces and punctuation aside (``mc-1``,
    ``MC 1`` and ``MC1`` are ``MC-1``), read first as ``sign_contract`` reads it
    (``person_key``: full-width ``ＭＣ-1`` and invisible characters are ``MC-1`` too)."""
    return "".join(c for c in person_key(number) if c.isalnum())


def _payer_account_key(account: str) -> str:
    """A payer's IBAN as the map of payers' accounts and a statement are matched: every kind
    of space and invisible character out, full-width characters plain, in capitals (as
    ``normal_vat_id`` reads a VAT id). ``DE89 3704 0044 0532 0130 00`` copied from a web page
    with no-break spaces, or pasted from a chat with a zero-width space, is the IBAN the
    statement names, whose payer is known, not an unknown payer's money parked in suspense."""
    return "".join(person_key(account).split()).upper()


def _payer_accounts(accounts: Mapping[str, UUID]) -> dict[str, UUID]:
    """The map of payers' accounts (IBAN -> customer id) by ``_payer_account_key``; one IBAN
    written twice for two customers is refused, naming it (``InvalidValue`` naming
    ``accounts``): which customer pays from it is never picked by the map's order. An IBAN
    that is nothing but spaces or invisible characters names no account and is refused too:
    no statement's credit would ever be matched to it, silently."""
    by_account: dict[str, UUID] = {}
    for written, customer_id in accounts.items():
        key = _payer_account_key(written)
        if not key:
            raise InvalidValue(
                f"{written!r} (for customer {customer_id}) names no account: give the payer's IBAN",
                field="accounts",
                value=written,
            )
        if by_account.setdefault(key, customer_id) != customer_id:
            raise InvalidValue(
                f"account {key} is given for two customers ({by_account[key]} and "
                f"{customer_id}): keep one",
                field="accounts",
                value=written,
            )
    return by_account


def _check_accounts(by_account: Mapping[str, UUID], customers: Mapping[UUID, Customer]) -> None:
    """Every account of the map names a customer (a typo'd or foreign id is refused up front)."""
    for account, customer_id in by_account.items():
        if customer_id not in customers:
            raise InvalidValue(
                f"account {account} names {customer_id}, which is no customer",
                field="accounts",
                value=account,
            )
