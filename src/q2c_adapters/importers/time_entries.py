"""Time entries from a PSA export (CSV).

Columns (header names are case-insensitive; aliases in brackets): ``worker`` [user, employee,
resource], ``date`` [work_date, day], ``hours`` [duration, time], ``request`` [ticket, reference,
request_id, ticket_ref] (a q2c request id, or a ticket reference mapped by the caller), ``billable``
(yes/no; empty means yes), ``notes`` [note, description, comment], optional ``rate`` [hourly_rate]
and ``currency`` (empty rate: the request's estimated hourly rate, and a currency other than its
is refused), optional ``entry_id`` [id, entry] (the PSA's own id).

An entry's id is ``psa:<entry_id>`` when the export gives one (``<source>:<entry_id>`` for an
importer given ``source=``: two PSA instances that both number their worklogs from 1 are told apart
by naming each, ``TimeEntryImporter(app, source="tempo-dev")``; ``psa`` is the default, the prefix
every import used before), else derived from the row's content (and how many identical rows came
before it), so re-importing the same entries, even in another file, records nothing twice (an entry
imported before the PSA's id column was switched on is known again by its content, and one imported
by an earlier version, named by its cells as typed, is known however the export spells its worker
and request now, or writes the line breaks of a note of several lines); an entry id
recorded on another request (the PSA moved the entry to another ticket), or given for two requests
in one file, refuses the file. The file's decimal mark is read from its hours and rates: in a file
that writes ``5,5`` a ``.`` only separates thousands. A work date more than a year after the import
is refused, and a slash date is read in the order the file's dates show (``03/05/2024`` alone, 3 May
or 5 March, is refused: ``_files.parse_date``), day first in a file writing decimals with a comma
(``7,5``), or as ``date_order="dmy"`` (or ``"mdy"``) says. Hours less than a hundredth (``0.001``,
``1E-30``) are refused, as are numbers no ledger holds (``1e999999``, NaN, more than ten decimals),
and so is a worker of invisible characters only (a zero-width space). A worker is a person: ``Dana``
and ``dana`` are one in the KPIs. A column given under two headers (``Notes`` and ``Description``)
refuses the file, naming both: q2c never picks one silently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from q2c_adapters.importers._files import (
    CellError,
    FileImporter,
    check_date_order,
    check_map,
    check_today,
    decimal_mark,
    parse_bool,
    parse_decimal,
    parse_past_date,
    read_csv,
)
from q2c_adapters.importers._files import date_order as file_date_order
from q2c_core.domain.errors import InvalidValue, Q2CError
from q2c_core.domain.import_batch import ImportKind, ImportReport, ImportSource, RowProblem
from q2c_core.domain.import_rows import TimeEntryRow
from q2c_core.domain.managers import LINE_BREAKS
from q2c_core.domain.values import person_key

if TYPE_CHECKING:
    from q2c_core.application import QuoteToCash

ALIASES = {
    "worker": ("user", "employee", "resource", "person"),
    "date": ("work_date", "day", "spent_on"),
    "hours": ("duration", "time", "quantity"),
    "request": ("ticket", "reference", "request_id", "ticket_ref", "ticket_reference"),
    "billable": ("is_billable", "chargeable"),
    "notes": ("note", "description", "comment", "comments"),
    "rate": ("hourly_rate", "price"),
    "currency": ("ccy",),
    "entry_id": ("id", "entry", "time_entry_id"),
}
REQUIRED = ("worker", "date", "hours", "request")
# entry ids of the default PSA: what every import wrote before sources were named
DEFAULT_SOURCE = "psa"
_SOURCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NUMBER_COLUMNS = ("hours", "rate")
# why a delta export must name its entries (the export lists only entries made since the last)
_NO_DELTA_IDS = (
    "a delta export must give the PSA's id of every entry: by its content alone, an entry "
    "identical to one an earlier delta listed (a second call of the day) would be skipped"
)
# The least work an entry logs: a hundredth of an hour. Less (1E-30, 0.001) is a broken cell.
MIN_HOURS = Decimal("0.01")


def read_time_entries_csv(
    text: str,
    *,
    today: date | None = None,
    source: str = DEFAULT_SOURCE,
    date_order: str | None = None,
    delta: bool = False,
    tickets: Mapping[str, UUID] | None = None,
) -> tuple[list[TimeEntryRow], list[RowProblem]]:
    """Parse a PSA export into rows, and the problems of rows that could not be read.

    ``today`` (default: the real today) bounds plausible work dates: work is exported once
    done, so one more than a year after it is a typing error. ``source`` names the PSA the
    export is from: entry ids are ``<source>:<entry_id>`` (``source_name``). ``date_order``
    (``"dmy"``, ``"mdy"``) says how slash dates are written (``_files.date_order``).

    A row with the PSA's id is also known by its content (``former_ids``), as an export without
    the id column named it: re-exported with its id once the column is on, an entry imported
    before is not recorded again (the first id to name it claims it; an id new to q2c claims
    an identical entry no id has claimed yet, and once every one is claimed, a second identical
    entry under another id is recorded). ``delta`` says the export lists only entries made since the
    last one: an id never recorded is then new work, never an entry recorded by its content
    (bob's second identical call of the day, alone in Tuesday's delta export). A delta export
    must give every entry's id (``entry_id``): by content alone, bob's second call, alone in
    Tuesday's delta, would be taken for Monday's first and skipped, so a delta without the id
    column, or with an empty id, is a problem (the import refuses the file).

    An entry's content names the request it is on, not the cell as typed: the request id a
    ticket maps to in ``tickets`` (as the import resolves it), or the request id however it is
    written (capitals, braces): TKT-101 and its id are one request, so the same entry sent
    again naming it otherwise is skipped, not billed twice. So does its worker, as a person
    (``person_key``): ``Dana`` and ``dana`` did the same work. The id the cells as typed gave it
    (what earlier versions named it by) is a former id, so an entry imported before is known.
    """
    prefix = source_name(source)
    required = (*REQUIRED, "entry_id") if delta else REQUIRED
    header_problems, reader = read_csv(text, ALIASES, required)
    if header_problems:
        return [], [
            RowProblem(p.line, p.field, _NO_DELTA_IDS)
            if p.field == "entry_id" and p.rule == "column is missing"
            else p
            for p in header_problems
        ]
    rows: list[TimeEntryRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    seen_given: dict[str, int] = {}
    # identical rows as typed, counted as earlier versions counted them (for their ids)
    typed_seen: dict[str, int] = {}
    typed_seen_given: dict[str, int] = {}
    raws = list(reader)
    mark = decimal_mark(raw.get(c) for raw in raws for c in NUMBER_COLUMNS)
    order = file_date_order((raw.get("date") for raw in raws), given=date_order, mark=mark)
    for raw in raws:
        try:
            worker = raw.required("worker")
            if not person_key(worker):
                raise CellError(
                    "must name who did the work (not only invisible characters)",
                    field="worker",
                    value=worker,
                )
            if any(c in LINE_BREAKS for c in worker):
                raise CellError(
                    "must name who did the work on one line (a line break was typed in the cell)",
                    field="worker",
                    value=worker,
                )
            work_date = parse_past_date(
                raw.required("date"), "date", today, order, what="work date"
            )
            hours = parse_decimal(raw.required("hours"), "hours", mark)
            if 0 < hours < MIN_HOURS:
                raise CellError(
                    "is less than a hundredth of an hour (36 seconds): not work logged",
                    field="hours",
                    value=hours,
                )
            ref = raw.required("request")
            billable = parse_bool(raw.get("billable"), "billable", True)
            note = raw.get("notes")
            rate_text = raw.get("rate")
            rate = parse_decimal(rate_text, "rate", mark) if rate_text else None
            currency = raw.get("currency").upper() or None
            given = raw.get("entry_id")
            if delta and not given:
                raise CellError(_NO_DELTA_IDS, field="entry_id", value=given)
            day = work_date.isoformat()
            request_key = _request_key(ref, tickets)
            parts = [person_key(worker), day, _hours_key(hours), request_key, str(billable)]
            # a note of several lines is the same note whatever line endings the file has
            # (an export saved again by a tool writing LF for CR LF): the entry's content reads
            # its line breaks as LF; what it was named by as written (either ending) is former
            plain = _LINE_BREAKS.sub("\n", note)
            content = "\x1f".join([*parts, plain])
            # identical rows are told apart by their occurrence, among the rows with an id
            # and among those without (as an export without the id column counted them)
            occurrences = seen_given if given else seen
            n = occurrences.get(content, 0)
            occurrences[content] = n + 1
            content_id = _content_id(content, n, prefix)
            written = dict.fromkeys([note, plain, plain.replace("\n", "\r\n")])
            earlier = tuple(
                dict.fromkeys(
                    [
                        *(_content_id("\x1f".join([*parts, w]), n, prefix) for w in written),
                        *(
                            i
                            for w in written
                            for i in _earlier_ids(
                                [worker, day, _hours_key(hours), ref, str(billable), w],
                                hours,
                                typed_seen_given if given else typed_seen,
                                prefix,
                            )
                        ),
                    ]
                )
            )
            earlier = tuple(i for i in earlier if i != content_id)
            if given:
                entry_id = f"{prefix}:{given}"
                # as an export without the id column named the same work: one imported before
                # the PSA's id column was switched on is not recorded again (unless the export
                # lists new entries only: ``delta``)
                former_ids = () if delta else (content_id, *earlier)
            else:
                entry_id = content_id
                former_ids = earlier
            rows.append(
                TimeEntryRow(
                    line=raw.line,
                    entry_id=entry_id,
                    worker=worker,
                    work_date=work_date,
                    hours=hours,
                    request_ref=ref,
                    billable=billable,
                    note=note,
                    rate=rate,
                    currency=currency,
                    former_ids=former_ids,
                    named_by_content=not given,
                )
            )
        except Q2CError as e:
            problems.append(RowProblem(raw.line, e.field or "row", e.rule))
    return rows, problems


class TimeEntryImporter(FileImporter):
    """Imports PSA time-entry exports into a QuoteToCash application (``Importer`` port).

    ``source`` names the PSA (entry ids ``<source>:<id>``), ``date_order`` how its slash dates
    are written, ``delta`` that its exports list only entries made since the last one
    (``read_time_entries_csv``)."""

    kind = ImportKind.TIME_ENTRIES

    def __init__(
        self,
        app: QuoteToCash,
        *,
        tickets: Mapping[str, UUID] | None = None,
        today: date | None = None,
        source: str = DEFAULT_SOURCE,
        date_order: str | None = None,
        delta: bool = False,
    ) -> None:
        self.app = app
        self.tickets = check_map(tickets, "tickets")
        self.today = check_today(today)
        self.source = source_name(source)
        self.date_order = check_date_order(date_order)
        if not isinstance(delta, bool):
            raise InvalidValue("must be True or False", field="delta", value=delta)
        self.delta = delta

    def _record(self, source: ImportSource, data: bytes, actor: str) -> ImportReport:
        rows, problems = read_time_entries_csv(
            self._text(source, data),
            today=self.imported_on,
            source=self.source,
            date_order=self.date_order,
            delta=self.delta,
            tickets=self.tickets,
        )
        return self.app.import_time_entries(
            source,
            rows,
            imported_on=self.imported_on,
            actor=actor,
            tickets=self.tickets,
            problems=problems,
        )


_CENTS = Decimal("0.01")
# a line break as a file may write it: CR LF (Windows), LF, or a lone CR (old Mac)
_LINE_BREAKS = re.compile(r"\r\n?")


def _hours_key(hours: Decimal) -> str:
    """Hours as an entry's identity reads them, however the file writes them: ``8``, ``8.0`` and
    ``8.00`` are one entry (a re-saved export must not record its entries again). Two decimals,
    the usual form (so entries imported before keep their ids), or every decimal there is."""
    cents = hours.quantize(_CENTS)
    return format(cents if cents == hours else hours.normalize(), "f")


def _request_key(ref: str, tickets: Mapping[str, UUID] | None) -> str:
    """The request a row's cell names, as the entry's identity reads it: the request id its
    ticket maps to, else the request id however written (``{...}``, capitals, no hyphens), as
    the import resolves it; the cell as typed when it is neither (the import refuses it)."""
    ref = ref.strip()
    request = (tickets or {}).get(ref)
    if request is None:
        try:
            request = UUID(ref)
        except ValueError:
            return ref
    return str(request)


def _earlier_ids(
    parts: list[str], hours: Decimal, occurrences: dict[str, int], prefix: str
) -> tuple[str, ...]:
    """The ids earlier versions of the reader gave a row, from its cells as typed (``parts``,
    counted among identical rows as typed in ``occurrences``): the worker and the request as
    written, and, before that, the hours as written too (8, not 8.00)."""
    content = "\x1f".join(parts)
    n = occurrences.get(content, 0)
    occurrences[content] = n + 1
    ids = [_content_id(content, n, prefix)]
    if str(hours) != parts[2]:
        ids.append(_content_id("\x1f".join([*parts[:2], str(hours), *parts[3:]]), n, prefix))
    return tuple(dict.fromkeys(ids))


def _content_id(content: str, occurrence: int, prefix: str = DEFAULT_SOURCE) -> str:
    """An entry's id from its content and how many identical rows came before it."""
    digest = hashlib.sha256(f"{content}\x1e{occurrence}".encode()).hexdigest()[:24]
    return f"{prefix}:{digest}"


def source_name(source: str) -> str:
    """The PSA an export is from, as its entry ids are prefixed: letters, digits, ``-``,
    ``_`` and ``.`` (``psa``, ``tempo-ops``), or ``InvalidValue`` naming ``source``."""
    if not isinstance(source, str) or not _SOURCE.fullmatch(source):
        raise InvalidValue(
            "must name the PSA in letters, digits, '-', '_' or '.' (e.g. 'tempo-ops')",
            field="source",
            value=source,
        )
    return source
