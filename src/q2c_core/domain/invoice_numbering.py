"""Gapless invoice numbers: one sequence per series, assigned in the same transaction as the issue.

The series is an aggregate; two issuers racing for the same number make the second save fail on
the series' version, so it retries with the next number. No gap, no duplicate. A series opened
``in_date_order`` also keeps its numbers in the order of the issue days: an invoice is not issued
on a day before the series' last issue (as many VAT regimes require).

Numbers name invoices outside q2c too (a bank's remittance text, the command line), so no two
series may print numbers that could read as one (``numbers_could_coincide``).

``INV`` numbers invoices (deposit invoices too) and ``CN`` credit notes, so that a number in
either reads as what it is (``InvoiceNumberSeries.numbers_credit_notes``); a series opened by
hand numbers whatever is issued in it (one sequence for every sales document is a common and
lawful choice).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.event_facts import ChecksFacts, NotBefore
from q2c_core.domain.remittance import normalize_number
from q2c_core.domain.values import named_id


def _prefix_key(prefix: str) -> str:
    """A series prefix as a bank import reads the numbers it starts (``normalize_number``, the
    reading remittance text gets too: letters and digits of any script only, case aside,
    full-width and other compatibility forms read as plain ones): ``INV-``, ``inv `` and
    ``INV/`` are all ``inv``; ``СФ-`` is ``сф``; ``Nº-``, ``№`` and ``NO-`` are all ``no``."""
    return normalize_number(prefix)


def numbers_could_coincide(prefix: str, other: str) -> bool:
    """Whether a number of a series with one prefix could read as a number of a series with
    the other: the same prefix as a bank import reads it (``_prefix_key``), or one prefix is
    the other followed by digits only (``INV-`` and ``INV-2026-``: INV-2026-000001 reads as
    the 2,026,000,001st number of ``INV-``, INV-2026000001).

    The width does not part them: a series counts on past it (INV-999999 is followed by
    INV-1000000), and the bank import reads numbers without their separators. A prefix
    followed by a letter never coincides (``INV-`` and ``INV-E-``), nor do prefixes in
    different scripts (``СФ-`` and ``INV-``). A prefix a bank reads as nothing (``#``,
    ``../``) reads as the empty prefix: its numbers coincide with numbers of digits only and
    with those of a prefix of digits only (``2024-``), never with ``INV-``'s (and the bank
    import names such a number only quoted as printed, never by its digits,
    ``InvoiceNumberIndex``)."""
    a, b = _prefix_key(prefix), _prefix_key(other)
    short, long = sorted((a, b), key=len)
    return a == b or (long.startswith(short) and long[len(short) :].isdigit())


# the series q2c opens by itself, and whether each numbers credit notes (or invoices)
NUMBERS_CREDIT_NOTES: Mapping[str, bool] = {"INV": False, "CN": True}


def _kind(credit_note: bool) -> str:
    return "credit note" if credit_note else "invoice"


class InvoiceNumberSeries(ChecksFacts, Aggregate):
    """A numbering series such as ``INV`` or ``CN``."""

    DAY_ORDER: ClassVar[Mapping[str, tuple[NotBefore, ...]]] = {
        "NumberAssigned": (
            NotBefore("issued_on", "issued_through", "the series' last number was issued"),
        ),
    }
    # (class defaults: series opened, and snapshots taken, before q2c kept these)
    in_date_order: bool = False
    last_issued_on: date | None = None

    @staticmethod
    def create_id(name: str, **_: Any) -> UUID:
        """One series per name."""
        return named_id("invoice-number-series", name)

    @event("SeriesOpened")
    def __init__(
        self,
        name: str,
        prefix: str,
        width: int = 6,
        actor: str = "",
        in_date_order: bool = False,
    ) -> None:
        if not name.strip():
            raise InvalidValue("must not be empty", field="series")
        self.name = name
        self.prefix = prefix
        self.width = width
        self.in_date_order = in_date_order
        self.last_number = 0
        self.last_invoice_id: UUID | None = None

    @property
    def issued_through(self) -> date | None:
        """The day no number may be issued before: the last issue's, in a series kept in date
        order (None otherwise)."""
        return self.last_issued_on if self.in_date_order else None

    def format(self, n: int) -> str:
        """The printed number, e.g. INV-000042."""
        return f"{self.prefix}{n:0{self.width}d}"

    @property
    def next_number(self) -> str:
        """The number the next issue will get."""
        return self.format(self.last_number + 1)

    @property
    def numbers_credit_notes(self) -> bool | None:
        """Whether the series numbers credit notes (True) or invoices, deposit invoices too
        (False): ``INV`` invoices and ``CN`` credit notes; None for a series opened by hand,
        which numbers both."""
        return NUMBERS_CREDIT_NOTES.get(self.name)

    def check_kind(self, credit_note: bool) -> None:
        """A credit note (``credit_note`` True) or an invoice may be numbered in this series:
        one of the kind it numbers (``numbers_credit_notes``), or ``InvalidValue`` naming
        ``series``."""
        if not isinstance(credit_note, bool):
            raise InvalidValue(
                "must be True or False",
                field="credit_note",
                aggregate_id=self.id,
                value=credit_note,
            )
        numbers = self.numbers_credit_notes
        if numbers is None or numbers == credit_note:
            return
        default = next(n for n, cn in NUMBERS_CREDIT_NOTES.items() if cn == credit_note)
        raise InvalidValue(
            f"series {self.name!r} numbers {_kind(numbers)}s, not {_kind(credit_note)}s: "
            f"number this {_kind(credit_note)} in {default} or another series of "
            f"{_kind(credit_note)}s",
            field="series",
            aggregate_id=self.id,
            value=self.name,
        )

    @event("NumberAssigned")
    def assign(
        self,
        invoice_id: UUID,
        number: str,
        actor: str = "",
        issued_on: date | None = None,
        credit_note: bool | None = None,
    ) -> None:
        """Consume the next number for an invoice being issued on ``issued_on``, by whoever
        issues it (``actor``; both empty in histories recorded before they were kept): a
        credit note or not (``credit_note``; None in histories recorded before the series kept
        one kind, ``check_kind``)."""
        if number != self.next_number:
            raise InvalidValue(
                f"the next number is {self.next_number}, not {number}",
                field="number",
                aggregate_id=self.id,
                value=number,
            )
        if credit_note is not None:
            self.check_kind(credit_note)
        self.last_number += 1
        self.last_invoice_id = invoice_id
        if issued_on is not None:
            self.last_issued_on = issued_on


class SeriesOpenings(ChecksFacts, Aggregate):
    """Every opening of a numbering series, one after the other: saved with each series it
    opens, so two openings at one moment clash in the store (a version conflict) and the
    second, run again, sees the first. Two series must never print numbers that read as one
    (``numbers_could_coincide``), which each series' own id (from its name) cannot guard:
    ``EXPORT`` with ``EXP-`` and ``EXPORT2`` with ``exp `` have different ids."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        """One per store."""
        return named_id("series-openings", "")

    @event("SeriesOpeningsKept")
    def __init__(self, actor: str) -> None:
        self.opened = 0

    @event("SeriesOpeningRecorded")
    def record(self, name: str, prefix: str, actor: str) -> None:
        """A series opened (by ``open_number_series``, or INV or CN on their first issue)."""
        self.opened += 1
