"""A line id typed on a hand-made invoice is printed as the description is: the PDF's line
tables, the e-invoice's InvoiceLine ID, the exports and the ledger's metadata name each line by
it, and a credit note names the lines it reverses by it.

The description was checked (no control character, visible text), the id was not: a NUL or an
escape pasted from a spreadsheet, a line break or only a zero-width space was recorded for good,
and the e-invoice printed the NUL as a space (``L 1``, the id of another line)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import InvalidValue, InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

VAT = TaxRate.standard(19)
BAD_IDS = ["L\x001", "L1\x1b", "L1\x0b", "L\n1", "L\t1", "L\u20281", "\u200b", "\u2060\u200b"]


def line(line_id: str, price: str = "100") -> InvoiceLine:
    return InvoiceLine(
        line_id,
        "Consulting",
        Decimal(1),
        Money.of(price, "EUR"),
        VAT,
        LineSource(SourceKind.MANUAL),
    )


def test_a_line_id_that_is_no_visible_text_on_one_line_is_refused(backend_url: str) -> None:
    """Billing drafts Acme's consulting invoice with line ids pasted from a spreadsheet, each
    holding a control character, a line break or a tab, or only invisible characters: each
    draft is refused, naming ``lines.line_id``, and nothing is recorded; "L 1" and "L2" are
    taken, and read back."""
    app = QuoteToCash.open(backend_url)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a", tax_rate=VAT)
    before = app.recorder.max_notification_id()
    for bad in BAD_IDS:
        with pytest.raises(InvalidValue) as refused:
            app.draft_invoice(
                acme, [line("L0"), line(bad)], drafted_on=date(2026, 3, 2), actor="billy"
            )
        assert refused.value.field == "lines.line_id", repr(bad)
    assert app.recorder.max_notification_id() == before
    assert app.invoices(acme) == []

    fine = app.draft_invoice(
        acme, [line("L 1"), line("L2", "50")], drafted_on=date(2026, 3, 2), actor="billy"
    )
    reader = app if backend_url == "memory:" else QuoteToCash.open(backend_url)
    assert [ln.line_id for ln in reader.invoice(fine).lines] == ["L 1", "L2"]
