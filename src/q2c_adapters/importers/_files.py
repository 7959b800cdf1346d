"""Reading import files: content hash, CSV with line numbers and header aliases, cell parsing."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.import_batch import ImportKind, ImportReport, ImportSource

if TYPE_CHECKING:
    from q2c_core.application import QuoteToCash


class CellError(InvalidValue):
    """A cell could not be read; the reader turns it into a row problem with its line."""


def file_digest(data: bytes) -> str:
    """The SHA-256 of a file's bytes, as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: str | Path) -> tuple[bytes, str]:
    """A file's bytes and its name."""
    p = Path(path)
    return p.read_bytes(), p.name


class FileImporter:
    """What every importer shares: read a file, and skip it when its content was imported before.

    A subclass says what the file holds (``kind``) and how to record it (``_record``), which
    reads every row and hands them to the application's all-or-nothing import command.
    """

    kind: ImportKind
    app: QuoteToCash
    today: date | None

    def import_file(self, path: str | Path, *, actor: str) -> ImportReport:
        """Import one file; raises ImportRejected (nothing recorded) on any bad row."""
        data, name = read_bytes(path)
        return self.import_bytes(data, name, actor=actor)

    def import_bytes(self, data: bytes, file_name: str, *, actor: str) -> ImportReport:
        """Import a file given as bytes; the same content a second time records nothing."""
        source = ImportSource(file_digest(data), file_name, self.kind)
        batch = self.app.import_batch(source.file_sha256)
        if batch is not None:
            return batch.report(already_imported=True)
        return self._record(source, data, actor)

    @property
    def imported_on(self) -> date:
        """The business date imports are recorded on (today unless the importer was given one)."""
        return self.today or date.today()

    def _record(self, source: ImportSource, data: bytes, actor: str) -> ImportReport:
        raise NotImplementedError


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, as many European exports are."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _key(header: str) -> str:
    folded = unicodedata.normalize("NFKD", header.strip().lower())
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", ascii_only).strip("_")


class CsvRow:
    """One CSV data row: its line number and its cells by canonical column name."""

    def __init__(self, line: int, cells: Mapping[str, str]) -> None:
        self.line = line
        self.cells = dict(cells)

    def get(self, column: str, default: str = "") -> str:
        """The stripped cell, or ``default`` when the column is missing or empty."""
        value = self.cells.get(column, "").strip()
        return value or default

    def required(self, column: str) -> str:
        """The stripped cell; empty is an error naming the column."""
        value = self.get(column)
        if not value:
            raise CellError("must not be empty", field=column)
        return value


def read_csv(
    text: str, aliases: Mapping[str, Sequence[str]], required: Sequence[str]
) -> tuple[list[str], Iterator[CsvRow]]:
    """Read CSV (comma or semicolon separated) mapping header aliases to canonical names.

    Returns the missing required columns and the data rows (blank lines skipped), each with the
    line number it ends on.
    """
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return list(required), iter(())
    canonical: dict[str, str] = {}
    for name, names in aliases.items():
        for alias in (name, *names):
            canonical[_key(alias)] = name
    columns = [canonical.get(_key(h), _key(h)) for h in header]
    missing = [c for c in required if c not in columns]

    def rows() -> Iterator[CsvRow]:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            yield CsvRow(reader.line_num, dict(zip(columns, cells, strict=False)))

    return missing, rows()


def parse_decimal(text: str, field: str) -> Decimal:
    """A decimal number as exports write it: ``1234.5``, ``1,5``, ``1.234,56`` or ``1,234.56``."""
    s = text.strip().replace(" ", "").replace("\u00a0", "").replace("'", "")
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s:
        s = s.replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise CellError("is not a number", field=field, value=text) from None
    if not value.is_finite():
        raise CellError("is not a number", field=field, value=text)
    return value


def parse_date(text: str, field: str) -> date:
    """A date as ISO ``2024-03-05``, ``05.03.2024`` or ``05/03/2024`` (day first)."""
    s = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y%m%d"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(s).date()
    except ValueError:
        raise CellError("is not a date", field=field, value=text) from None


_TRUE = {"1", "true", "yes", "y", "x", "ja", "oui", "billable"}
_FALSE = {"0", "false", "no", "n", "nein", "non", "non-billable", "nonbillable"}


def parse_bool(text: str, field: str, default: bool) -> bool:
    """A yes/no flag; empty gives ``default``."""
    s = text.strip().lower()
    if not s:
        return default
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise CellError("is not yes or no", field=field, value=text)
