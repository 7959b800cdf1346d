"""A seller's footer is printed whole, on the page, clear of the invoice's body.

A German GmbH's business letters name its seat, register court and number and its managing
directors (GmbHG section 35a), and sellers put them, with their VAT and tax numbers, in the
branding's footer. That footer was printed as one line of a cell 174 mm wide: a footer of 188
characters is 246 mm long at 7 pt, so everything after "Erika Musterfrau" (the VAT id and the
tax number) ran off the right edge of the A4 page and was never seen. The footer now wraps
within the margins, the page's body stopping above it.
"""

from __future__ import annotations

import io

import pypdf
from fpdf import FPDF
from test_documents import page_runs
from test_documents_seller_vat_id_label import two_page_invoice

from q2c_adapters.documents import Branding, render_pdf
from q2c_adapters.documents.pdf import FONTS

MM = 72 / 25.4
FOOTER = (
    "Q2C Services GmbH · Sitz Berlin · Amtsgericht Charlottenburg HRB 123456 B · "
    "Geschäftsführer: Dr. Maximilian Mustermann, Erika Musterfrau · USt-IdNr. DE123456789 · "
    "Steuernummer 27/123/45678"
)
BRAND = Branding(
    company_name="Q2C Services GmbH",
    address=("Musterstraße 1", "10115 Berlin"),
    tax_id="DE123456789",
    iban="DE89 3704 0044 0532 0130 00",
    bic="COBADEFFXXX",
    footer=FOOTER,
    language="de",
)


def width_mm(text: str, size: float = 7) -> float:
    """The printed width of ``text`` in the PDF's font at ``size`` points."""
    pdf = FPDF(unit="mm")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", "", size)
    return float(pdf.get_string_width(text))


def test_a_long_legal_footer_is_printed_whole_within_the_page() -> None:
    """Forty lines fill the first page and run onto a second: on each page every word of the
    footer is printed, in order, each footer line ends inside the right margin, and the
    body (lines, totals) stays above the footer."""
    app, invoice = two_page_invoice()

    pages = pypdf.PdfReader(io.BytesIO(render_pdf(app, invoice, BRAND))).pages
    assert len(pages) == 2
    right_edge = (210 - 18) * MM
    footer_words = FOOTER.split()
    for page in pages:
        runs = page_runs(page)
        # the footer: the runs from its first word on, in the bottom 30 mm
        bottom = sorted((r for r in runs if r[1] < 30 * MM), key=lambda r: -r[1])
        start = next(i for i, r in enumerate(bottom) if r[2].startswith("Q2C Services GmbH · Sitz"))
        printed = " ".join(text for _, _, text in bottom[start:]).split()
        assert printed[: len(footer_words)] == footer_words
        for x, _, text in bottom[start:]:
            assert x + width_mm(text) * MM <= right_edge + 0.5, text
        footer_top = bottom[start][1]
        body = [r for r in runs if r[1] > 30 * MM]
        assert all(y > footer_top + 4 * MM for _, y, _ in body)
