"""Import batches: one file from an outside system, recorded once, all or nothing.

A batch is keyed by the SHA-256 of the file's bytes (``named_id("import", sha256)``), so the same
file imported twice finds its batch and records nothing the second time (imported as another
kind the second time, it is refused: ``ImportBatch.report_again``). A file with any bad row
is refused whole with every problem named by its line number.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue, RuleViolated
from q2c_core.domain.event_facts import ChecksFacts
from q2c_core.domain.values import named_id

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ImportKind(enum.Enum):
    """What a file brings in."""

    TIME_ENTRIES = "time_entries"
    CONTRACTS = "contracts"
    BANK_STATEMENT = "bank_statement"


# what a batch's kind is called in a refusal
_KIND_NAMES = {
    ImportKind.TIME_ENTRIES: "time entries",
    ImportKind.CONTRACTS: "contracts",
    ImportKind.BANK_STATEMENT: "a bank statement",
}


@attrs.frozen
class ImportSource:
    """The file being imported: its content hash, its name and what it holds."""

    file_sha256: str
    file_name: str
    kind: ImportKind

    def __attrs_post_init__(self) -> None:
        if not _SHA256.match(self.file_sha256):
            raise InvalidValue(
                "must be 64 lowercase hex digits", field="file_sha256", value=self.file_sha256
            )
        if not isinstance(self.kind, ImportKind):
            raise InvalidValue(
                f"must be an ImportKind, not {type(self.kind).__name__}",
                field="kind",
                value=self.kind,
            )
        if not isinstance(self.file_name, str):
            raise InvalidValue(
                f"must be text, not {type(self.file_name).__name__}",
                field="file_name",
                value=self.file_name,
            )
        try:
            self.file_name.encode("utf-8")
        except UnicodeEncodeError:
            # a name of bytes no UTF-8 reads, as Python gives it (a lone surrogate): the
            # store cannot write it (``shown_name`` reads such a name as text)
            raise InvalidValue(
                "must be text UTF-8 can store: a file name of bytes that are no UTF-8 is "
                "given as it reads, U+FFFD for each such byte",
                field="file_name",
                value=ascii(self.file_name),
            ) from None

    @property
    def import_id(self) -> UUID:
        """The id of the batch that records this file."""
        return ImportBatch.create_id(self.file_sha256)


@attrs.frozen
class RowProblem:
    """Why one row of a file was refused: its line number, the field and the rule broken."""

    line: int
    field: str
    rule: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.rule}"


class ImportRejected(InvalidValue):
    """A file had bad rows; nothing of it was recorded. ``problems`` names each by line."""

    def __init__(self, file_name: str, problems: Iterable[RowProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.field))
        shown = "; ".join(str(p) for p in self.problems[:10])
        more = len(self.problems) - 10
        if more > 0:
            shown += f"; and {more} more"
        super().__init__(
            f"{len({p.line for p in self.problems})} bad row(s), nothing imported: {shown}",
            field="file",
            value=file_name,
        )

    @property
    def lines(self) -> list[int]:
        """The line numbers of the bad rows, in order, each once."""
        return sorted({p.line for p in self.problems})


@attrs.frozen
class NeedsAttention:
    """Something an import found and did not record, for a person to settle by command: a
    sub-contract of ``contract`` (its number; ``contract_id``) that a CRM export listing the
    contract no longer lists, and gives no end day for (``rule`` says what to do)."""

    contract_id: UUID
    contract: str
    sub_id: str
    rule: str


@attrs.frozen
class ImportReport:
    """What an import did: rows read, recorded, skipped as already there, left in suspense;
    ``corrected``: recorded things it corrected (a sub-contract's description the CRM changed),
    counted apart from the rows. ``needs_attention``: what the file says that the import did
    not record and a person must settle (a contract import: sub-contracts still billed that
    the export no longer lists), in the report of the import that read the file (not kept with
    the batch: a file imported again reports none). ``suspended_payments``: of the bank
    credits left in suspense, those booked as a known customer's payment that fits no invoice
    (the customer's credit from the bank's day, for a person to allocate), in the report of the
    import that booked them. ``unauthorized``: of the time entries recorded, those logged
    without authorization (on a request not authorized, or before the day it was: recorded and
    flagged, the leakage risk to follow up), in the report of the import that recorded them.
    ``matched_to_payments``: of the bank credits recorded, those booked as a payment a person
    had recorded by hand (its reference the bank's, the same customer, amount and currency:
    ``BankCreditMatchedToPayment``), no new payment made, in the report of the import that
    booked them."""

    import_id: UUID
    kind: ImportKind
    file_name: str
    already_imported: bool
    rows: int
    recorded: int
    skipped: int
    suspended: int = 0
    ignored: int = 0
    corrected: int = 0
    needs_attention: tuple[NeedsAttention, ...] = ()
    suspended_payments: int = 0
    unauthorized: int = 0
    matched_to_payments: int = 0


class ImportBatch(ChecksFacts, Aggregate):
    """The record that one file was imported, with what it brought in."""

    @staticmethod
    def create_id(file_sha256: str, **_: Any) -> UUID:
        """One batch per file content."""
        return named_id("import", file_sha256)

    @event("FileImported")
    def __init__(
        self,
        file_sha256: str,
        kind: ImportKind,
        file_name: str,
        imported_on: date,
        actor: str,
        rows: int,
        recorded: int,
        skipped: int,
        suspended: int = 0,
        ignored: int = 0,
        corrected: int = 0,
    ) -> None:
        if not _SHA256.match(file_sha256):
            raise InvalidValue("must be 64 lowercase hex digits", field="file_sha256")
        if min(rows, recorded, skipped, suspended, ignored, corrected) < 0:
            raise InvalidValue("counts must not be negative", field="rows")
        self.file_sha256 = file_sha256
        self.kind = kind
        self.file_name = file_name
        self.imported_on = imported_on
        self.imported_by = actor
        self.rows = rows
        self.recorded = recorded
        self.skipped = skipped
        self.suspended = suspended
        self.ignored = ignored
        self.corrected = corrected

    def report_again(self, kind: ImportKind) -> ImportReport:
        """The report of importing this file again as ``kind``: nothing recorded
        (``already_imported``). A file recorded as another kind is ``RuleViolated`` naming
        ``kind`` and what it was imported as: a PSA export run again as a CRM export was
        answered "already imported", and the contracts taken to be in."""
        if kind is not self.kind:
            raise RuleViolated(
                f"{self.file_name} was imported as {_KIND_NAMES[self.kind]} on "
                f"{self.imported_on} (import {self.id}), not as {_KIND_NAMES[kind]}: the same "
                "file is not both",
                field="kind",
                value=kind,
            )
        return self.report(already_imported=True)

    def report(self, *, already_imported: bool) -> ImportReport:
        """The batch as a report."""
        return ImportReport(
            import_id=self.id,
            kind=self.kind,
            file_name=self.file_name,
            already_imported=already_imported,
            rows=self.rows,
            recorded=0 if already_imported else self.recorded,
            skipped=self.rows - self.ignored if already_imported else self.skipped,
            suspended=0 if already_imported else self.suspended,
            ignored=self.ignored,
            corrected=0 if already_imported else getattr(self, "corrected", 0),
        )
