"""Matching a bank credit to invoices: by the invoice numbers its remittance text names, else by
amount.

Pure functions: the importer gives the credit and the customer's open invoices, and gets back the
allocations to make. Nothing here guesses a customer.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import pairwise
from uuid import UUID

import attrs

from q2c_core.domain.allocation import (
    OpenItem,
    oldest_due_first,
    open_items_given,
    refuse_other_currency,
    whole_minor_units,
)
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.event_facts import require_kind
from q2c_core.domain.money import Money, total


def _fold(text: str) -> str:
    """Text as a bank import reads it: compatibility forms as plain ones (full-width letters,
    the numero sign as "No", "º" as "o"), case folded (NFKC, casefold, NFKC again to compose
    what folding decomposed)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _is_word(char: str) -> bool:
    """A letter or digit of any script, or a mark on one (a vowel sign, an accent left
    uncomposed): part of a number; anything else separates."""
    return char.isalnum() or unicodedata.category(char).startswith("M")


def normalize_number(number: str) -> str:
    """An invoice number as banks mangle it (and as remittance text is read): compatibility
    forms as plain ones, case folded, letters and digits of any script only ("СФ-000001" is
    "сф000001", "ＩＮＶ－000001" and "inv 000001" are "inv000001"). A ``number`` that is no
    text is refused (``InvalidValue`` naming ``number``)."""
    require_kind(number, str, "number", None, "text")
    return "".join(c for c in _fold(number) if _is_word(c))


def _runs(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each run of letters and digits in ``text``."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, char in enumerate(text):
        if _is_word(char):
            if start is None:
                start = i
        elif start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(text)))
    return runs


_JOINERS = frozenset(" /_.-")
_MAX_RUNS = 4
# the dashes text writes for the hyphen (a mail client's or word processor's en dash, a
# non-breaking hyphen, a minus sign, an Armenian or Hebrew hyphen, ...), read as the hyphen in
# remittance text and in invoice numbers alike (full-width and small hyphen-minus fold to it)
_AS_HYPHEN = str.maketrans(
    dict.fromkeys("\u058a\u05be\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58", "-")
)


def _read(text: str) -> str:
    """Text as numbers are looked for in it: folded (``_fold``), any dash as the hyphen."""
    return _fold(text).translate(_AS_HYPHEN)


class InvoiceNumberIndex:
    """Known invoice numbers by their normalized form, built once for many remittance texts.

    A number whose normalized form is digits only though the number is not (a prefix without
    letters: ``#000001``, ``../000001``, ``2024-000001``) reads like any purchase order or
    customer number: bare digits never name it, only the number quoted as printed does
    (case and compatibility forms aside). A number of digits only is named by its digits. Any
    number quoted as printed is found, whatever separators it has.

    Finding the numbers in a text takes time by the text's length, not by how many numbers are
    known: those quoted as printed are looked up by the runs of letters and digits they hold
    as the others are (scanning the text for each of them made a statement of 2,000 credits
    against 50,000 invoices numbered 2024-000001 on take a minute).
    """

    def __init__(self, known: Iterable[str]) -> None:
        known = _known_numbers(known)
        self._by_norm: dict[str, str] = {}
        self._as_printed: dict[str, str] = {}
        self._max_runs = _MAX_RUNS
        for number in known:
            printed = _read(number)
            runs = _runs(printed)
            key = "".join(printed[start:end] for start, end in runs)
            if not key:
                continue
            if key.isdigit() and not number.isdigit():
                self._as_printed[printed] = number
                continue
            self._by_norm[key] = number
            self._max_runs = max(self._max_runs, len(runs))
            gaps = (printed[a[1] : b[0]] for a, b in pairwise(runs))
            if any(len(gap) != 1 or gap not in _JOINERS for gap in gaps):
                # its own separators are not ones text is read across ("Ŀ" is "l·"): found
                # quoted as printed too
                self._as_printed[printed] = number
        # the numbers quoted as printed by their runs of letters and digits joined, each with
        # what it has before its first run, and its place among them (which of two quoted at
        # one place is named first)
        self._printed_by_key: dict[str, list[tuple[str, int, int, str]]] = {}
        self._max_printed_runs = 0
        for rank, (printed, number) in enumerate(self._as_printed.items()):
            runs = _runs(printed)
            key = "".join(printed[start:end] for start, end in runs)
            entry = (printed, runs[0][0], rank, number)
            self._printed_by_key.setdefault(key, []).append(entry)
            self._max_printed_runs = max(self._max_printed_runs, len(runs))

    def find(self, text: str) -> list[str]:
        """The known invoice numbers the text mentions, in the order mentioned, each once.

        A number may be split by single spaces, slashes, dots, underscores or dashes of any
        kind ("INV 2024-000042", "INV–2024–000042"); it is matched whole, never as
        the start of a longer run of digits or letters, and the longest known number starting
        at a place wins. A ``text`` that is no text is refused (``InvalidValue`` naming
        ``text``).
        """
        require_kind(text, str, "text", None, "text")
        text = _read(text)
        runs = _runs(text)
        # (where, -1 for a number read across separators or the place of one quoted as
        # printed, the number)
        mentioned: list[tuple[int, int, str]] = []
        i = 0
        while i < len(runs):
            joined = ""
            best: tuple[int, str] | None = None
            for k in range(i, min(i + self._max_runs, len(runs))):
                if k > i:
                    gap = text[runs[k - 1][1] : runs[k][0]]
                    if len(gap) != 1 or gap not in _JOINERS:
                        break
                joined += text[runs[k][0] : runs[k][1]]
                number = self._by_norm.get(joined)
                if number is not None:
                    best = (k, number)
            if best is None:
                i += 1
                continue
            mentioned.append((runs[i][0], -1, best[1]))
            i = best[0] + 1
        mentioned += self._quoted(text, runs)
        found: list[str] = []
        for _, _, number in sorted(mentioned, key=lambda m: m[:2]):
            if number not in found:
                found.append(number)
        return found

    def _quoted(self, text: str, runs: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """The numbers quoted as printed in ``text`` (its ``runs``), each where it stands as a
        whole (``_quoted_at``), with its place among them: an occurrence's runs are the
        number's own, so it is found by its first run and its runs joined."""
        quoted: list[tuple[int, int, str]] = []
        if not self._printed_by_key:
            return quoted
        for i in range(len(runs)):
            joined = ""
            for k in range(i, min(i + self._max_printed_runs, len(runs))):
                joined += text[runs[k][0] : runs[k][1]]
                for printed, lead, rank, number in self._printed_by_key.get(joined, ()):
                    at = runs[i][0] - lead
                    if at >= 0 and _quoted_at(text, printed, at):
                        quoted.append((at, rank, number))
        return quoted


def _quoted_at(text: str, printed: str, at: int) -> bool:
    """Whether ``printed`` stands in ``text`` at ``at`` as a whole: not inside a longer run of
    letters and digits at either end."""
    if not text.startswith(printed, at):
        return False
    end = at + len(printed)
    joined_before = at > 0 and _is_word(printed[0]) and _is_word(text[at - 1])
    joined_after = end < len(text) and _is_word(printed[-1]) and _is_word(text[end])
    return not joined_before and not joined_after


def invoice_numbers_in(text: str, known: Iterable[str]) -> list[str]:
    """The known invoice numbers the text mentions, in the order it mentions them, each once.

    Spacing and punctuation inside a number are ignored ("inv 000042", "INV-000042" and
    "INV000042" all name INV-000042; "сф 000001" names СФ-000001, "№ 7" names Nº-7); a number
    is matched whole, never as part of a longer one, and bare digits name only a number of
    digits only (``InvoiceNumberIndex``). A ``text`` or known numbers that are no text are
    refused (``InvalidValue`` naming ``text`` or ``known``).
    """
    require_kind(text, str, "text", None, "text")
    return InvoiceNumberIndex(known).find(text)


def _known_numbers(known: object) -> list[str]:
    """The invoice numbers an index knows, as a list (a generator is read once; a mapping by
    its keys), or ``InvalidValue`` naming ``known``: no collection of texts (None, a number,
    one number's text) names no invoice."""
    rule = "must be invoice numbers (texts)"
    if not isinstance(known, Iterable) or isinstance(known, str | bytes):
        raise InvalidValue(rule, field="known", value=known)
    numbers = list(known)
    for number in numbers:
        if not isinstance(number, str):
            raise InvalidValue(f"{rule}, not {number!r}", field="known", value=number)
    return numbers


class MatchedBy(enum.Enum):
    """How a credit found its invoices."""

    REMITTANCE = "remittance"
    AMOUNT = "amount"
    NOTHING = "nothing"


@attrs.frozen
class CreditMatch:
    """The allocations to make for one credit, and how they were found."""

    matched_by: MatchedBy
    allocations: tuple[tuple[UUID, Money], ...]

    @property
    def allocated(self) -> Money | None:
        """The sum of the allocations (None when there are none)."""
        if not self.allocations:
            return None
        return total((a for _, a in self.allocations), self.allocations[0][1].currency)


def match_credit(
    amount: Money, named: Sequence[OpenItem], others: Sequence[OpenItem]
) -> CreditMatch:
    """Decide which invoices a credit pays.

    ``named`` are the customer's invoices the remittance text names, in the order named;
    ``others`` are its other open invoices. Invoices the text names are paid in that order, each
    up to its outstanding amount (what is left over stays customer credit). When the text names
    none that is open, the amount decides: exactly one open invoice for exactly that amount, or
    all open invoices when the amount is exactly their sum. Otherwise nothing is matched.

    The credit and what each invoice owes are taken down to whole minor units
    (``whole_minor_units``, as ``allocate_payment`` takes them), never rounded up: 100.005 EUR
    pays at most 100.00, and 99.995 EUR is not the 100.00 an invoice owes. An invoice in
    another currency than the credit, named or not, is refused (``CurrencyMismatch`` naming
    ``currency``). An ``amount`` that is no ``Money``, or invoices that are no ``OpenItem``,
    are refused (``InvalidValue`` naming ``amount``, ``named`` or ``others``).
    """
    require_kind(amount, Money, "amount", None, "Money")
    named = open_items_given(named, "named")
    others = open_items_given(others, "others")
    refuse_other_currency(amount, [*named, *others])
    if not amount.is_rounded():
        # (part of a minor unit is no amount a bank books: nothing matches it exactly)
        amount, exact_amount = whole_minor_units(amount), False
    else:
        amount, exact_amount = amount.rounded(), True
    live = [
        (i.invoice_id, owed)
        for i in named
        if (owed := whole_minor_units(i.outstanding)).is_positive()
    ]
    if live:
        left = amount
        result: list[tuple[UUID, Money]] = []
        for invoice_id, owed in live:
            if not left.is_positive():
                break
            part = left.min(owed)
            result.append((invoice_id, part))
            left = left - part
        return CreditMatch(MatchedBy.REMITTANCE, tuple(result))
    if named or not exact_amount:
        # it names only invoices already paid: a person must look (double payment?); an
        # amount of part of a minor unit is exactly no invoice's
        return CreditMatch(MatchedBy.NOTHING, ())
    open_items = [
        (i.invoice_id, owed)
        for i in sorted(others, key=oldest_due_first)
        if (owed := whole_minor_units(i.outstanding)).is_positive()
    ]
    exact = [(invoice_id, owed) for invoice_id, owed in open_items if owed == amount]
    if len(exact) == 1:
        return CreditMatch(MatchedBy.AMOUNT, ((exact[0][0], amount),))
    if open_items and total((owed for _, owed in open_items), amount.currency) == amount:
        return CreditMatch(MatchedBy.AMOUNT, tuple(open_items))
    return CreditMatch(MatchedBy.NOTHING, ())
