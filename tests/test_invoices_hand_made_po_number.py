"""A PO number typed on a hand-made invoice is quoted as the request's PO is: visible text on
one line.

Every document prints it (the PDF, the e-invoice's BuyerReference and OrderReference, the
exports), for the customer's payables clerk to match against their order. A PO received on a
request refuses a line break, a tab or only invisible characters; the same number typed on
``draft_invoice`` was recorded, and the invoice printed "PO-\\n2026-17" over two lines, or an
order reference no one could see."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import InvalidValue, InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

A = "alice"
VAT = TaxRate.standard(21)


def licence() -> InvoiceLine:
    return InvoiceLine(
        "L1",
        "Licence 2026",
        Decimal(1),
        Money.of("1000", "EUR"),
        VAT,
        LineSource(SourceKind.MANUAL),
    )


NOT_ONE_VISIBLE_LINE = ["PO-\n2026-17", "PO\t2026-17", "PO\u20282026", "\u200b", " \u2060"]


def test_a_po_number_that_would_not_print_as_one_visible_line_is_refused(backend_url: str) -> None:
    """Billing drafts Acme's licence invoice with the PO number pasted from an e-mail, a line
    break (or a tab, or only a zero-width space) in it: refused, naming
    ``purchase_order_number``, nothing recorded; typed again as one line, it is taken."""
    app = QuoteToCash.open(backend_url)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A, tax_rate=VAT)
    before = app.recorder.max_notification_id()
    for number in NOT_ONE_VISIBLE_LINE:
        with pytest.raises(InvalidValue) as refused:
            app.draft_invoice(
                acme,
                [licence()],
                drafted_on=date(2026, 3, 2),
                actor="billy",
                purchase_order_number=number,
            )
        assert refused.value.field == "purchase_order_number", number
    assert app.recorder.max_notification_id() == before
    assert app.invoices(acme) == []
    fine = app.draft_invoice(
        acme,
        [licence()],
        drafted_on=date(2026, 3, 2),
        actor="billy",
        purchase_order_number=" PO 2026-17 ",
    )
    reader = app if backend_url == "memory:" else QuoteToCash.open(backend_url)
    assert reader.invoice(fine).purchase_order_number == "PO 2026-17"
