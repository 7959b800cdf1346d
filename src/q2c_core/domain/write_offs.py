"""Which credit notes write work off: the one rule the books (the Beancount ledger) and the
revenue schedule share, so the revenue report holds the books' figures.

A credit note with the WRITTEN_OFF disposition gives up what the customer owes for work that
was done: a credit loss, an expense, while the revenue stays (ASC 606 / IFRS 15). Two kinds of
line are never written off: a billing run's correction (it credits contract days that no
longer apply at the price billed, so their revenue is reversed, also where an older history
recorded its note as written off, before the CORRECTED disposition existed) and a deposit (the
customer's money, never revenue). A written-off note with any other line writes off all of its
lines but its deposits: it takes no revenue back.
"""

from __future__ import annotations

from collections.abc import Iterable

from q2c_core.domain.invoice import CreditDisposition, InvoiceKind
from q2c_core.domain.invoice_lines import InvoiceLine, RevenueKind, SourceKind


def is_run_correction(line: InvoiceLine) -> bool:
    """A line of a billing run's correction credit note: it credits contract days (which
    sub-contract, which days) that no longer apply at the price billed. (A credit note drafted
    by hand names the line it credits, ``line_id``; the run's name days, not lines.)"""
    source = line.source
    return (
        source is not None
        and source.kind is SourceKind.CREDIT
        and source.contract_id is not None
        and source.sub_contract_id is not None
        and source.line_id is None
    )


def can_write_off(line: InvoiceLine) -> bool:
    """A credited line whose net a written-off credit note books as an expense: not a run's
    correction, and not a deposit (the customer's money, never revenue)."""
    return not is_run_correction(line) and line.revenue_kind is not RevenueKind.DEPOSIT


def writes_off(
    kind: InvoiceKind, disposition: CreditDisposition | None, lines: Iterable[InvoiceLine]
) -> bool:
    """Whether a document is a credit note whose lines are written off (a cost, the revenue
    kept) rather than revenue taken back: WRITTEN_OFF, with a line that can be."""
    return (
        kind is InvoiceKind.CREDIT_NOTE
        and disposition is CreditDisposition.WRITTEN_OFF
        and any(can_write_off(line) for line in lines)
    )
