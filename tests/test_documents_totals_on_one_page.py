"""A PDF invoice's totals are printed together, on one page.

The totals (net, the tax of each category, total, and for an invoice partly paid or credited:
paid, credited, amount due) were moved to a new page only when they started in the last 60 mm
of one. An invoice of five tax categories, part paid, needs 55 mm for them: with 22 lines,
"Total" ended page 1 and "Paid", "Credited" and "Amount due" were alone at the top of page 2,
so a customer reading page 1 saw a total to pay that was no longer what was due.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf
import pytest
from test_beancount_ledger import issue
from test_documents import page_runs

from q2c_adapters.documents import Branding, render_pdf
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxCategory, TaxRate

RATES = (
    TaxRate.standard(21),
    TaxRate.standard(6),
    TaxRate.standard(12),
    TaxRate.none(TaxCategory.EXEMPT),
    TaxRate.none(TaxCategory.ZERO_RATED),
)
TOTALS = ("Net total", "Tax S 21 %", "Tax S 6 %", "Tax S 12 %", "Tax E", "Tax Z", "Total",
          "Paid", "Credited", "Amount due")  # fmt: skip


@pytest.mark.parametrize("count", range(14, 32))
def test_the_totals_of_a_part_paid_invoice_share_one_page(count: int) -> None:
    """Belgian supplies at 21, 6 and 12 %, exempt and zero-rated, ``count`` lines of them, of
    which 10.00 EUR is paid: however far down the lines end, the ten rows of totals are on
    one page, in order, below the last line."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="a", tax_rate=RATES[0], country="BE",
        tax_id="BE0123456749", address="Rue Haute 1",
    )  # fmt: skip
    lines = [
        InvoiceLine(
            line_id=f"L{k}",
            description=f"Item {k}",
            quantity=Decimal(1),
            unit_price=Money.of(10, "EUR"),
            tax=RATES[k % len(RATES)],
            source=LineSource(SourceKind.MANUAL, note="agreed"),
        )
        for k in range(count)
    ]
    invoice = app.draft_invoice(acme, lines, drafted_on=date(2024, 4, 1), actor="billy")
    issue(app, invoice, date(2024, 4, 2))
    paid = app.receive_payment(
        acme, Money.of(10, "EUR"), received_on=date(2024, 4, 10), reference="x", actor="a"
    )
    app.allocate_payment(
        paid, [(invoice, Money.of(10, "EUR"))], allocated_on=date(2024, 4, 10), actor="a"
    )

    data = render_pdf(app, invoice, Branding())
    where: dict[str, tuple[int, float]] = {}
    last_line: tuple[int, float] = (0, 0.0)
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(data)).pages):
        for _, y, text in page_runs(page):
            if text in TOTALS and text not in where:
                where[text] = (number, y)
            if text == f"L{count - 1}":
                last_line = (number, y)
    assert list(where) == list(TOTALS)
    pages = {number for number, _ in where.values()}
    assert len(pages) == 1, where
    heights = [y for _, y in where.values()]
    assert heights == sorted(heights, reverse=True)  # in order, top to bottom
    assert (last_line[0], -last_line[1]) < (pages.pop(), -heights[0])  # below the last line
