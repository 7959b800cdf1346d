"""Matching a bank credit to invoices: by the invoice numbers its remittance text names, else by
amount.

Pure functions: the importer gives the credit and the customer's open invoices, and gets back the
allocations to make. Nothing here guesses a customer.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from uuid import UUID

import attrs

from q2c_core.domain.allocation import OpenItem
from q2c_core.domain.money import Money, total


def normalize_number(number: str) -> str:
    """An invoice number as banks mangle it: upper case, letters and digits only."""
    return re.sub(r"[^0-9A-Z]", "", number.upper())


_RUN = re.compile(r"[0-9A-Za-z]+")
_JOINERS = frozenset(" /_.-")
_MAX_RUNS = 4


class InvoiceNumberIndex:
    """Known invoice numbers by their normalized form, built once for many remittance texts."""

    def __init__(self, known: Iterable[str]) -> None:
        self._by_norm = {normalize_number(n): n for n in known}

    def find(self, text: str) -> list[str]:
        """The known invoice numbers the text mentions, in the order mentioned, each once.

        A number may be split by single spaces, slashes, dots, dashes or underscores
        ("INV 2024-000042"); it is matched whole, never as the start of a longer run of digits
        or letters, and the longest known number starting at a place wins.
        """
        runs = list(_RUN.finditer(text))
        found: list[str] = []
        i = 0
        while i < len(runs):
            joined = ""
            best: tuple[int, str] | None = None
            for k in range(i, min(i + _MAX_RUNS, len(runs))):
                if k > i:
                    gap = text[runs[k - 1].end() : runs[k].start()]
                    if len(gap) != 1 or gap not in _JOINERS:
                        break
                joined += runs[k].group().upper()
                number = self._by_norm.get(joined)
                if number is not None:
                    best = (k, number)
            if best is None:
                i += 1
                continue
            if best[1] not in found:
                found.append(best[1])
            i = best[0] + 1
        return found


def invoice_numbers_in(text: str, known: Iterable[str]) -> list[str]:
    """The known invoice numbers the text mentions, in the order it mentions them, each once.

    Spacing and punctuation inside a number are ignored ("inv 000042", "INV-000042" and
    "INV000042" all name INV-000042); a number is matched whole, never as part of a longer one.
    """
    return InvoiceNumberIndex(known).find(text)


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
    """
    amount = amount.rounded()
    live = [i for i in named if i.outstanding.is_positive()]
    if live:
        left = amount
        result: list[tuple[UUID, Money]] = []
        for item in live:
            if not left.is_positive():
                break
            part = left.min(item.outstanding)
            result.append((item.invoice_id, part))
            left = left - part
        return CreditMatch(MatchedBy.REMITTANCE, tuple(result))
    if named:
        # it names only invoices already paid: a person must look (double payment?)
        return CreditMatch(MatchedBy.NOTHING, ())
    open_items = sorted(
        (i for i in others if i.outstanding.is_positive()),
        key=lambda i: (i.due_date, i.number, str(i.invoice_id)),
    )
    exact = [i for i in open_items if i.outstanding == amount]
    if len(exact) == 1:
        return CreditMatch(MatchedBy.AMOUNT, ((exact[0].invoice_id, amount),))
    if open_items and total((i.outstanding for i in open_items), amount.currency) == amount:
        return CreditMatch(
            MatchedBy.AMOUNT, tuple((i.invoice_id, i.outstanding) for i in open_items)
        )
    return CreditMatch(MatchedBy.NOTHING, ())
