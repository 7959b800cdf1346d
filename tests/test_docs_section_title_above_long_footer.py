"""A section's title never stands alone at the foot of a page above a long footer.

A GmbH's footer names its seat, register, managing directors and tax numbers: ten lines, and
the page's body stops above them. The PDF started a section ("Tax per category", "Payment") on
a new page only when its title came below a fixed height (50 mm above the paper's edge), as if
the footer were two lines: above a taller footer the title printed as the last line of a page
and its table or payment text overleaf. A section now starts a new page when it does not have
that room above the footer, however tall the footer is."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf

from q2c_adapters.documents import Branding, render_pdf
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

D = date(2024, 5, 2)
FOOTER = "\n".join(f"Kade Services BV · footer line {i}" for i in range(10))
TITLES = ("Tax per category", "Payment")


def item(n: int) -> InvoiceLine:
    return InvoiceLine(
        line_id=f"L{n}",
        description=f"Support ticket {n}",
        quantity=Decimal(1),
        unit_price=Money.of("10", "EUR"),
        tax=TaxRate.standard(21),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
    )


def test_no_section_title_ends_a_page_above_a_ten_line_footer(app: QuoteToCash) -> None:
    customer = app.register_customer(
        "Kade BV", "EUR", account_manager="mia", actor="a", country="NL", address="Kade 2"
    )
    brand = Branding(footer=FOOTER, iban="NL91ABNA0417164300")
    for lines in range(12, 22):  # invoices whose sections reach the page's foot
        invoice = app.draft_invoice(
            customer, [item(n) for n in range(lines)], drafted_on=D, actor="b"
        )
        data = render_pdf(app, invoice, brand)
        for page in pypdf.PdfReader(io.BytesIO(data)).pages:
            body = [
                text.strip()
                for text in page.extract_text().splitlines()
                if "footer line" not in text and "Page " not in text and text.strip()
            ]
            assert body[-1] not in TITLES, (lines, body[-3:])
        everything = " ".join(
            " ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages
        )
        assert "Tax per category Tax category Taxable amount Tax" in everything
