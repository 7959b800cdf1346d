"""Reading import files: content hash, CSV with line numbers and header aliases, cell parsing."""

from __future__ import annotations

import calendar
import codecs
import csv
import hashlib
import io
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.import_batch import (
    ImportKind,
    ImportRejected,
    ImportReport,
    ImportSource,
    RowProblem,
)
from q2c_core.domain.money import MAX_MAGNITUDE
from q2c_core.domain.values import require_day

if TYPE_CHECKING:
    from q2c_core.application import QuoteToCash


class CellError(InvalidValue):
    """A cell could not be read; the reader turns it into a row problem with its line."""


class UndecodableText(CellError):
    """A file's bytes are text in no encoding the importers read; ``line`` is where the first
    undecodable byte stands. The importer refuses the file with it (``ImportRejected``)."""

    def __init__(self, rule: str, *, line: int, value: object = None) -> None:
        self.line = line
        super().__init__(rule, field="encoding", value=value)


def file_digest(data: bytes) -> str:
    """The SHA-256 of a file's bytes, as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def shown_name(path: Path) -> str:
    """A file's name as text the store can hold: one of bytes that are no UTF-8 (a Latin-1
    ``März.csv`` from an old share, which Python reads with a lone surrogate) with U+FFFD for
    each such byte."""
    return os.fsencode(path.name).decode("utf-8", errors="replace")


def read_bytes(path: str | Path) -> tuple[bytes, str]:
    """A file's bytes and its name (``shown_name``). A path that is no file to read (not
    there, a folder, one the process may not read) is refused as ``InvalidValue`` naming
    ``path``, the path and why on one line: nothing is recorded."""
    if not isinstance(path, str | Path):
        raise InvalidValue(
            f"must be a file's path, not {type(path).__name__}", field="path", value=path
        )
    p = Path(path)
    try:
        return p.read_bytes(), shown_name(p)
    except FileNotFoundError:
        why = "no such file"
    except IsADirectoryError:
        why = "is a folder, not a file"
    except PermissionError:
        why = "may not be read (permission denied)"
    except OSError as error:
        why = error.strerror or type(error).__name__
    raise InvalidValue(f"cannot read {p}: {why}", field="path", value=str(p))


class FileImporter:
    """What every importer shares: read a file, and skip it when its content was imported before.

    A subclass says what the file holds (``kind``) and how to record it (``_record``), which
    reads every row and hands them to the application's all-or-nothing import command.
    """

    kind: ImportKind
    app: QuoteToCash
    today: date | None

    def import_file(self, path: str | Path, *, actor: str) -> ImportReport:
        """Import one file; raises ImportRejected (nothing recorded) on any bad row, and
        ``InvalidValue`` naming ``path`` for a path that is no file to read (``read_bytes``)."""
        data, name = read_bytes(path)
        return self.import_bytes(data, name, actor=actor)

    def import_bytes(self, data: bytes, file_name: str, *, actor: str) -> ImportReport:
        """Import a file given as bytes; the same content a second time records nothing (the
        same content imported before as another kind is ``RuleViolated`` naming ``kind``). A
        file given as text rather than bytes, or a name that is no text, is refused
        (``InvalidValue`` naming ``data`` or ``file_name``)."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidValue(
                f"must be the file's bytes, not {type(data).__name__}", field="data", value=None
            )
        if not isinstance(file_name, str):
            raise InvalidValue(
                f"must be text, not {type(file_name).__name__}",
                field="file_name",
                value=file_name,
            )
        data = bytes(data)
        source = ImportSource(file_digest(data), file_name, self.kind)
        batch = self.app.import_batch(source.file_sha256)
        if batch is not None:
            return batch.report_again(self.kind)  # (one imported as another kind: refused)
        return self._record(source, data, actor)

    @property
    def imported_on(self) -> date:
        """The business date imports are recorded on (today unless the importer was given one)."""
        return self.today or date.today()

    def _record(self, source: ImportSource, data: bytes, actor: str) -> ImportReport:
        raise NotImplementedError

    @staticmethod
    def _text(source: ImportSource, data: bytes) -> str:
        """The file's text (see ``decode_text``); bytes it cannot be read as refuse the file,
        naming the line, before anything is recorded."""
        try:
            return decode_text(data)
        except UndecodableText as e:
            raise ImportRejected(source.file_name, [RowProblem(e.line, e.field, e.rule)]) from None


def check_today(today: object) -> date | None:
    """An importer's ``today`` (the business day imports are recorded on, None: the real
    today), refused when it is no date (text, a datetime: ``InvalidValue`` naming
    ``today``) before the importer is made, not when the first date is read against it."""
    return None if today is None else require_day(today, "today")


def check_map(given: object, field: str) -> dict[str, UUID]:
    """An importer's map (the bank importer's ``accounts``, the time-entry importer's
    ``tickets``) as a dict, refused (``InvalidValue`` naming ``field``) when it is no mapping
    (one account's text, a number, a list): ``dict()`` read such a thing as pairs, or failed
    bare. None is an empty map. Its entries are checked where they are used."""
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise InvalidValue(
            f"must be a mapping, not {type(given).__name__}", field=field, value=given
        )
    return dict(given)


ENCODINGS = (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252"))
# a letter beyond ASCII as UTF-8 writes it (two to four bytes): one in a file with a byte UTF-8
# cannot read shows a file partly UTF-8, which Windows-1252 would read as other letters (Ã¼ for ü)
_UTF8_LETTER = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, as many European exports are; UTF-16
    when the file starts with its byte-order mark (Excel's "Unicode text"). A file that shows
    it is UTF-8 (its byte-order mark, a letter written in UTF-8) is never read as
    Windows-1252: ``UndecodableText`` names that byte and its line.

    Bytes neither can read (``0x81`` is CP850's ``ü`` in a DOS export, undefined in
    Windows-1252) raise ``UndecodableText`` naming the byte, its line and the encodings tried:
    q2c never guesses a third encoding, which would read the wrong letters without a word.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text": its byte-order mark says so, no guess
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            read = data[: e.start].decode("utf-16", errors="replace")
            raise UndecodableText(
                "is not UTF-16, though it starts with UTF-16's byte-order mark",
                line=read.count("\n") + 1,
            ) from None
    try:
        return data.decode(ENCODINGS[0][0])
    except UnicodeDecodeError as e:
        # (where the byte stands in the file: utf-8-sig counts from after the mark)
        start = e.start + (len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)
        if data.startswith(codecs.BOM_UTF8) or _UTF8_LETTER.search(data):
            # the file shows it is UTF-8 (its byte-order mark, a letter written in it): read as
            # Windows-1252 the mark would hide the first column and its letters be others
            byte = data[start]
            raise UndecodableText(
                f"byte 0x{byte:02x} is not UTF-8, though the file is UTF-8 elsewhere (a row "
                "pasted from another encoding?): save the export as UTF-8",
                line=data.count(b"\n", 0, start) + 1,
                value=f"0x{byte:02x}",
            ) from None
    try:
        return data.decode(ENCODINGS[1][0])
    except UnicodeDecodeError as e:
        byte = data[e.start]
        tried = " nor ".join(name for _, name in ENCODINGS)
        raise UndecodableText(
            f"byte 0x{byte:02x} is neither {tried} (the encodings tried): save the export as UTF-8",
            line=data.count(b"\n", 0, e.start) + 1,
            value=f"0x{byte:02x}",
        ) from None


def _key(header: str) -> str:
    folded = unicodedata.normalize("NFKD", header.strip().lower())
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", ascii_only).strip("_")


class CsvRow:
    """One CSV data row: its line number and its cells by canonical column name.

    A row with more filled cells than the header has columns cannot be read: a number written
    with an unquoted separator (``1,785.00`` or ``7,5`` in a comma-separated file) spills into
    the next cell, and reading the cells by position would take 1.00 for 1,785.00. A required
    cell of such a row is a ``CellError`` naming ``cells`` (every importer requires one), so the
    importer reports the row.

    ``read_before`` holds, for a column the file gives more than once, the cell as earlier
    versions of the reader read it (the last such column), so an importer can know again what
    they recorded. ``parts`` holds, for a joined column the file gives more than once, each
    column's text apart, in the order they were joined (``first``).
    """

    def __init__(
        self,
        line: int,
        cells: Mapping[str, str],
        overflow: int = 0,
        *,
        width: int | None = None,
        read_before: Mapping[str, str] | None = None,
        parts: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.line = line
        self.cells = dict(cells)
        self.overflow = overflow  # filled cells beyond the header's columns
        self.width = len(self.cells) if width is None else width  # the header's columns
        self.read_before = dict(read_before or {})
        self.parts = dict(parts or {})

    def get(self, column: str, default: str = "") -> str:
        """The stripped cell, or ``default`` when the column is missing or empty."""
        value = self.cells.get(column, "").strip()
        return value or default

    def got_before(self, column: str) -> str:
        """The stripped cell as earlier versions of the reader read it (see the class)."""
        if column in self.read_before:
            return self.read_before[column].strip()
        return self.get(column)

    def first(self, column: str) -> str:
        """The first text of a joined column (the one its own name or first alias gives, when
        the file gives several), else the stripped cell."""
        parts = self.parts.get(column)
        return parts[0] if parts else self.get(column)

    def required(self, column: str) -> str:
        """The stripped cell; empty is an error naming the column."""
        if self.overflow:
            raise CellError(
                f"the row has {self.width + self.overflow} cells, the header {self.width} "
                "columns: quote a value that holds the separator",
                field="cells",
            )
        value = self.get(column)
        if not value:
            raise CellError("must not be empty", field=column)
        return value


# lines with nothing but spaces (or a byte-order mark) before a CSV file's header, and the
# line breaks that end them as the csv module counts lines (CR LF one, a lone CR one)
_LEADING_BLANK_LINES = re.compile(r"(?:(?:[^\S\r\n]|\ufeff)*(?:\r\n|\r|\n))+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# the separators a CSV file's header may use, the first of those it uses most is read
_DELIMITERS = (",", ";", "\t")
# the line exports made for Excel start with to name their separator ("sep=;"), which Excel
# reads and hides
_SEPARATOR_HINT = re.compile(r"sep=([,;\t|])[^\S\r\n]*(?:\r\n|\r|\n)", re.IGNORECASE)


def read_csv(
    text: str,
    aliases: Mapping[str, Sequence[str]],
    required: Sequence[str],
    *,
    fallbacks: Mapping[str, Sequence[str]] | None = None,
    joined: Sequence[str] = (),
) -> tuple[list[RowProblem], Iterator[CsvRow]]:
    """Read CSV (comma, semicolon or tab separated) mapping header aliases to canonical names.

    Returns the header's problems (a required column missing, a column given twice) and the data
    rows (blank lines skipped), each with the line number it ends on. Blank lines before the
    header (an exporter's byte-order mark and empty line) are skipped too, and the header is
    the first line with something in it (after Excel's ``sep=;`` line, which names the
    delimiter): the delimiter is picked from it, and every problem
    still names its line in the file as given. A file that is not
    well-formed CSV (a quote opened and never closed, which would swallow the lines after it
    into one cell; a quoted cell going on after its closing quote; a cell longer than
    ``csv.field_size_limit()``) is a problem naming the line where the broken row starts:
    no row of it is read.

    A file may give one column under several headers only as the importer says, never by a
    silent choice: ``fallbacks[name]`` are aliases read only when the file has no other header
    for ``name`` (a bank's value date, when it gives no booking date); a ``joined`` column reads
    all its headers' cells, in the order of ``aliases`` (the column's own name first), each
    different text once, space-separated. Any other column given twice refuses the file, naming
    the headers.
    """
    fallbacks = fallbacks or {}
    # blank lines before the header (an exporter's BOM and empty line) are skipped, as blank
    # data rows are: taken for the header, they refused every column as missing. Lines keep
    # their numbers in the file as it is (``skipped`` is added to the reader's).
    blank = _LEADING_BLANK_LINES.match(text)
    skipped = len(_LINE_BREAK.findall(blank.group())) if blank else 0
    text = text[blank.end() :] if blank else text
    hint = _SEPARATOR_HINT.match(text)
    if hint is not None:
        # Excel's "sep=;" line, before the header: the separator it names, and no header
        skipped += 1
        text = text[hint.end() :]
    header_line = skipped + 1
    first = _LINE_BREAK.split(text, 1)[0]
    # the separator the header uses most: a comma, else a semicolon, else a tab (a spreadsheet's
    # "Text (tab delimited)", Excel's "Unicode text"); a comma on a tie, as before
    delimiter = hint[1] if hint is not None else max(_DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [RowProblem(header_line, c, "column is missing") for c in required], iter(())
    except csv.Error as e:
        return [_not_csv(header_line, e)], iter(())
    records: list[tuple[int, list[str]]] = []  # each row's cells and the line it ends on
    starts = reader.line_num + 1
    try:
        for cells in reader:
            records.append((skipped + reader.line_num, cells))
            starts = reader.line_num + 1
    except csv.Error as e:
        return [_not_csv(skipped + starts, e)], iter(())
    canonical: dict[str, str] = {}
    rank: dict[str, int] = {}
    for name, names in aliases.items():
        for n, alias in enumerate((name, *names)):
            canonical[_key(alias)] = name
            rank[_key(alias)] = n
    columns = [canonical.get(_key(h), _key(h)) for h in header]
    problems = [
        RowProblem(header_line, c, "column is missing") for c in required if c not in columns
    ]
    # where each column given more than once is read from: positions in the header
    read_from: dict[str, list[int]] = {}
    for name in aliases:
        places = [i for i, c in enumerate(columns) if c == name]
        if len(places) < 2:
            continue
        if name in joined:
            read_from[name] = sorted(places, key=lambda i: (rank[_key(header[i])], i))
            continue
        later = {_key(a) for a in fallbacks.get(name, ())}
        preferred = [i for i in places if _key(header[i]) not in later] or places
        if len(preferred) == 1:
            read_from[name] = preferred
            continue
        shown = " and ".join(repr(header[i].strip()) for i in preferred)
        each = "both" if len(preferred) == 2 else "all"
        problems.append(
            RowProblem(
                header_line,
                name,
                f"columns {shown} {each} give {name}: keep one, rename the others",
            )
        )

    def rows() -> Iterator[CsvRow]:
        for line, cells in records:
            if not any(c.strip() for c in cells):
                continue
            # (empty cells after the last column are a trailing separator, not a value)
            overflow = sum(1 for c in cells[len(columns) :] if c.strip())
            by_name = dict(zip(columns, cells, strict=False))  # earlier versions: the last wins
            read = dict(by_name)
            parts: dict[str, tuple[str, ...]] = {}
            for name, places in read_from.items():
                texts = [cells[i].strip() for i in places if i < len(cells) and cells[i].strip()]
                parts[name] = tuple(dict.fromkeys(texts))
                read[name] = " ".join(parts[name])  # one place unless joined
            before = {n: by_name.get(n, "") for n in read_from if by_name.get(n, "") != read[n]}
            yield CsvRow(line, read, overflow, width=len(columns), read_before=before, parts=parts)

    return problems, rows()


def _not_csv(line: int, error: csv.Error) -> RowProblem:
    """Why the row starting on ``line`` is not CSV, as a problem of the file."""
    said = str(error)
    if "end of data" in said:
        rule = (
            "a quote opened in this row is never closed: the rest of the file would be read "
            'into one cell (a quote inside a quoted cell is written twice: "")'
        )
    elif "expected after" in said:
        rule = (
            "a quoted cell goes on after its closing quote: a quote inside a quoted cell is "
            'written twice ("")'
        )
    elif "field limit" in said:
        rule = (
            f"has a cell longer than {csv.field_size_limit()} characters, more than any export "
            "writes (a quote opened and never closed?)"
        )
    else:
        rule = f"is not well-formed CSV: {said}"
    return RowProblem(line, "csv", rule)


_NOT_DIGITS = re.compile(r"[^0-9]")


def _mark_shown(number: str) -> str | None:
    """The decimal mark a written number shows (``,`` or ``.``), None when it shows none.

    ``1.234,56``, ``1,5`` and ``1.000.000`` show theirs; ``1.000`` or ``1,000`` (one separator,
    three digits after it, one to three before) could be one or one thousand, and show none.
    """
    body = number.lstrip("+-")
    if "," in body and "." in body:
        return "," if body.rfind(",") > body.rfind(".") else "."
    sep = "," if "," in body else "." if "." in body else ""
    if not sep:
        return None
    other = "." if sep == "," else ","
    if body.count(sep) > 1:
        return other  # 1.000.000: thousands separators
    whole, _, decimals = body.partition(sep)
    grouping = len(decimals) == 3 and 1 <= len(whole) <= 3 and whole[0] != "0"
    if grouping and not _NOT_DIGITS.search(whole + decimals):
        return None
    return sep


# what exports write between groups of digits besides a decimal mark's other sign: a space of
# any kind (French exports use U+202F, the narrow no-break space) and an apostrophe (Swiss
# ones, straight or typographic U+2019)
_GROUP_APOSTROPHES = str.maketrans("", "", "'\u2019")


def clean_number(text: str) -> str:
    """A number as written without what groups its digits (spaces of every kind, apostrophes):
    what every reader of a file's numbers sets aside (``parse_decimal``, the bank's
    ``_two_readings``)."""
    return "".join(text.split()).translate(_GROUP_APOSTROPHES)


def mark_shown(text: str) -> str | None:
    """The decimal mark a number as an export writes it shows by itself (``_mark_shown``,
    spaces and apostrophes between digits aside): None for ``1.000`` (one or one thousand?),
    and for a number with no ``.`` or ``,``."""
    return _mark_shown(clean_number(text))


# an importer's decimal_mark= as it may be given, and the mark it means
_MARKS = {".": ".", ",": ","}


def check_decimal_mark(value: object) -> str | None:
    """An importer's ``decimal_mark=`` option: ``"."`` (``250.500`` is 250.5), ``","``
    (``250,500`` is 250.5, and ``1.000`` one thousand) or None (read it from the file's
    amounts), else ``InvalidValue`` naming ``decimal_mark``."""
    if value is None or (isinstance(value, str) and value in _MARKS):
        return value
    raise InvalidValue(
        "must be '.' (250.500 is 250.5, a ',' separating thousands) or ',' (250,500 is "
        "250.5, a '.' separating thousands), or left out to read it from the file",
        field="decimal_mark",
        value=value,
    )


def decimal_mark(cells: Iterable[str]) -> str | None:
    """The decimal mark a file's numbers show, ``,`` or ``.``: the one most of them show (then
    a number showing the other is refused), None when none shows one or as many show each."""
    shown = Counter(_mark_shown(clean_number(c)) for c in cells if c.strip())
    commas, points = shown[","], shown["."]
    if commas == points:
        return None
    return "," if commas > points else "."


# the characters of a number in an export (ASCII digits only: ``\d`` would take any script's),
# with an exponent, which spreadsheets write for large or small values (``1.5E+03``)
_EXPORTED_NUMBER = re.compile(r"[+-]?[0-9.,]*(?:[eE][+-]?[0-9]+)?|[+-]?(?:NaN|Inf(?:inity)?)", re.I)


def parse_decimal(text: str, field: str, mark: str | None = None) -> Decimal:
    """A decimal number as exports write it: ``1234.5``, ``1,5``, ``1.234,56`` or ``1,234.56``.

    ``mark`` is the file's decimal mark (see ``decimal_mark``): the other sign may then only
    separate thousands (``1.000`` is one thousand in a file that writes ``99,50``). Without it a
    number must show its own mark: ``1.000`` alone could be one or one thousand, and is refused.
    NaN, infinity, ``1e999999`` (a magnitude of 10**15 or more), more than ``MAX_DECIMALS``
    decimals (``1E-30``) and what Decimal reads but no export writes (``1_000``, digits of
    other scripts) are refused as a ``CellError`` naming ``field``.
    """
    s = clean_number(text)
    if not _EXPORTED_NUMBER.fullmatch(s):
        # what Decimal reads but no export writes: "1_000", digits of other scripts ("١٢٣")
        raise CellError(
            "is not a number as exports write it: digits 0-9, a sign, one decimal mark and "
            "thousands separators",
            field=field,
            value=text,
        )
    if mark is None:
        mark = _mark_shown(s)
        if mark is None and ("," in s or "." in s):
            raise CellError(
                "is ambiguous: one or one thousand? write the decimals (1.000,00 or 1,000.00) "
                "or no thousands separator",
                field=field,
                value=text,
            )
    if mark is not None:
        group = "." if mark == "," else ","
        if group in s:
            grouped = rf"[+-]?[1-9]\d{{0,2}}(?:{re.escape(group)}\d{{3}})+(?:{re.escape(mark)}\d*)?"
            if not re.fullmatch(grouped, s):
                raise CellError(
                    f"has a misplaced {group!r}: this file writes decimals with {mark!r}, "
                    f"and {group!r} only between groups of three digits",
                    field=field,
                    value=text,
                )
            s = s.replace(group, "")
        s = s.replace(mark, ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise CellError("is not a number", field=field, value=text) from None
    if not value.is_finite():
        raise CellError("is not a number", field=field, value=text)
    if value and value.adjusted() >= MAX_MAGNITUDE:
        raise CellError(
            f"is out of range: at most {MAX_MAGNITUDE} digits before the decimal mark",
            field=field,
            value=text,
        )
    if _decimals(value) > MAX_DECIMALS:
        raise CellError(
            f"has more than {MAX_DECIMALS} decimals: not a number an export writes",
            field=field,
            value=text,
        )
    return value


# No column of an export writes more decimals than this (a unit price has four at most): with
# MAX_MAGNITUDE digits before the mark a number then always fits Decimal's 28 digits, so
# rounding it (to cents, to a minor unit) is exact and never raises.
MAX_DECIMALS = 10


def _decimals(value: Decimal) -> int:
    """How many decimals a finite number has, trailing zeros aside (``1E-30``: 30)."""
    if not value:
        return 0
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + zeros))


EARLIEST_YEAR = 1900
# The last year a date of an import may have: later is a typing error or a system's way of
# writing "no end" (9999-12-31), which the day after it or a renewal's months cannot hold.
LATEST_YEAR = 2999
# What an export lists has happened (a credit booked, work done): a date more than this after
# the import is a typing error (2031 for 2024)
LATEST_AFTER_IMPORT = timedelta(days=366)

DAY_FIRST = "dmy"
MONTH_FIRST = "mdy"
_FIRST = {DAY_FIRST: "the day", MONTH_FIRST: "the month"}
_SLASH_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_EIGHT_DIGITS = re.compile(r"[0-9]{8}")


def _order_shown(text: str) -> str | None:
    """The order a slash date shows by itself: ``DAY_FIRST`` for ``31/05/2024`` (no month 31),
    ``MONTH_FIRST`` for ``05/31/2024``; None for ``03/05/2024`` (3 May or 5 March?) and for
    anything else."""
    m = _SLASH_DATE.fullmatch(text.strip())
    if m is None:
        return None
    first, second = int(m[1]), int(m[2])
    if first > 12 >= second:
        return DAY_FIRST
    if second > 12 >= first:
        return MONTH_FIRST
    return None


def check_date_order(value: str | None) -> str | None:
    """An importer's ``date_order=`` option: ``"dmy"`` (day first: ``04/03/2024`` is 4 March),
    ``"mdy"`` (month first) or None (read it from the file), else ``InvalidValue`` naming
    ``date_order``."""
    if value is None or (isinstance(value, str) and value in _FIRST):
        return value
    raise InvalidValue(
        f"must be {DAY_FIRST!r} (day first: 04/03/2024 is 4 March) or {MONTH_FIRST!r} "
        "(month first), or left out to read it from the file",
        field="date_order",
        value=value,
    )


def date_order(
    cells: Iterable[str], *, given: str | None = None, mark: str | None = None
) -> str | None:
    """The order a file's slash dates are written in, as the decimal mark of its numbers is
    read: ``given`` when the caller says it (``check_date_order``); else ``DAY_FIRST`` or
    ``MONTH_FIRST`` when its dates that read one way only (``31/05``, ``05/31``) all show that
    one; else ``DAY_FIRST`` when its numbers' decimal ``mark`` is a comma (a file writing
    ``7,5`` is of a country writing the day first); None when nothing tells, or its dates show
    both orders."""
    if given is not None:
        return check_date_order(given)
    shown = {_order_shown(c) for c in cells} - {None}
    if len(shown) == 1:
        return shown.pop()
    if not shown and mark == ",":
        return DAY_FIRST
    return None


def _slash_date(m: re.Match[str], text: str, field: str, order: str | None) -> date:
    """A slash date read in the order it shows, else in the file's ``order``; one that reads
    two ways in a file that does not tell (``03/05/2024``) is refused, never guessed."""
    first, second, year = int(m[1]), int(m[2]), int(m[3])
    shown = _order_shown(text)
    if shown is not None and order is not None and shown != order:
        raise CellError(
            f"reads only with {_FIRST[shown]} first, but this file writes {_FIRST[order]} "
            "first: write it as 2024-05-03 (ISO)",
            field=field,
            value=text,
        )
    read = shown or order
    if read is None and first != second:
        months = (calendar.month_name[second], calendar.month_name[first])
        raise CellError(
            f"is ambiguous: {first} {months[0]} or {second} {months[1]}? no date of this file "
            "tells day from month: write it as 2024-05-03 (ISO) or 03.05.2024, or import it "
            "with date_order='dmy' (day first) or 'mdy'",
            field=field,
            value=text,
        )
    day, month = (second, first) if read == MONTH_FIRST else (first, second)
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError("is not a date", field=field, value=text) from None


# why a cell is no date: the forms ``parse_date`` reads
_NOT_A_DATE = (
    "is not a date: write it 2024-03-05, 05.03.2024, 20240305, 2024/03/05 or with slashes "
    "day or month first (05/03/2024)"
)


def parse_date(text: str, field: str, order: str | None = None) -> date:
    """A date as ISO ``2024-03-05``, ``20240305`` (eight digits), ``05.03.2024`` (day first),
    ``2024/03/05`` (year first) or with slashes, in the ``order`` the file shows (see
    ``date_order``): ``05/31/2024`` and ``31/05/2024`` read one way only; ``03/05/2024``
    reads two (3 May or 5 March), and is refused unless the file's other dates tell which.

    A year before 1900 (``0024`` for 2024) is a typing error, refused; so is one after 2999
    (``9999-12-31``, "no end" to some systems: no term nor renewal is counted to it).
    """
    s = text.strip()
    if s.isdigit() and not _EIGHT_DIGITS.fullmatch(s):
        # 2024315: 15 March or 31 May? strptime would pick one
        raise CellError(
            "is not a date: digits only are a date as eight of them (20240315)",
            field=field,
            value=text,
        )
    day: date | None = None
    slash = _SLASH_DATE.fullmatch(s)
    if slash is not None:
        day = _slash_date(slash, text, field, order)
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y%m%d", "%Y/%m/%d"):
        if day is not None:
            break
        try:
            day = datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    if day is None:
        try:
            day = datetime.fromisoformat(s).date()
        except ValueError:
            raise CellError(_NOT_A_DATE, field=field, value=text) from None
    if day.year < EARLIEST_YEAR:
        raise CellError(
            f"has an implausible year {day.year}: no date before {EARLIEST_YEAR}",
            field=field,
            value=text,
        )
    if day.year > LATEST_YEAR:
        raise CellError(
            f"has an implausible year {day.year}: no date after {LATEST_YEAR}-12-31 (some "
            "systems write 9999-12-31 for no end: give the real one)",
            field=field,
            value=text,
        )
    return day


def parse_past_date(
    text: str, field: str, today: date | None, order: str | None = None, *, what: str = "date"
) -> date:
    """A date of something an export says happened (``parse_date``), refused when it lies
    implausibly far after ``today`` (default: the real today): more than
    ``LATEST_AFTER_IMPORT``."""
    day = parse_date(text, field, order)
    latest = (today or date.today()) + LATEST_AFTER_IMPORT
    if day > latest:
        raise CellError(
            f"has an implausible year {day.year}: a {what} after {latest} is not in an export "
            "of what has happened",
            field=field,
            value=text,
        )
    return day


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
