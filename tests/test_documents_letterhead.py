"""The PDF's letterhead prints the seller's whole address and contact beside its logo.

The address, e-mail, telephone and website were one right-aligned line: with a street, a city,
a country, an e-mail, a telephone and a website it is 181 mm at 8 pt, wider than the 174 mm
between the margins, so it started left of the margin, ran over the logo (printed there at the
left margin) and, a little longer, off the page. The seller's address is something an invoice
must state. The letterhead now wraps right of the logo, right-aligned, the body below it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
from fpdf import FPDF
from PIL import Image
from test_documents import page_runs
from test_documents_seller_vat_id_label import two_page_invoice

from q2c_adapters.documents import Branding, render_pdf
from q2c_adapters.documents.pdf import FONTS

MM = 72 / 25.4
ADDRESS = ("Musterstraße 1", "10115 Berlin", "Germany")
CONTACT = ("billing@q2c-services.example", "+49 30 1234567", "https://www.q2c-services.example")


def width_mm(text: str, size: float = 8) -> float:
    """The printed width of ``text`` in the PDF's font at ``size`` points."""
    pdf = FPDF(unit="mm")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", "", size)
    return float(pdf.get_string_width(text))


def test_a_full_letterhead_wraps_beside_a_wide_logo(tmp_path: Path) -> None:
    """A logo four times as wide as high (56 mm at the letterhead's 14 mm) and the seller's
    full address and contact: every part is printed, in order, right of the logo and inside
    the right margin; the invoice's buyer and number follow below the letterhead, on both
    pages of a two-page invoice."""
    logo = tmp_path / "logo.png"
    Image.new("RGB", (400, 100), (170, 51, 0)).save(logo)
    brand = Branding(
        company_name="Q2C Services GmbH",
        address=ADDRESS,
        email=CONTACT[0],
        phone=CONTACT[1],
        website=CONTACT[2],
        logo=str(logo),
    )
    assert width_mm(" · ".join(ADDRESS + CONTACT)) > 174  # wider than between the margins

    app, invoice = two_page_invoice()

    pages = pypdf.PdfReader(io.BytesIO(render_pdf(app, invoice, brand))).pages
    assert len(pages) == 2
    left, right = (18 + 56) * MM, (210 - 18) * MM
    for number, page in enumerate(pages):
        runs = page_runs(page)
        name = next(r for r in runs if r[2] == "Q2C Services GmbH")
        below_name = sorted((r for r in runs if r[1] < name[1]), key=lambda r: -r[1])
        # the letterhead's runs: those above the buyer (page 1) or the lines table (page 2)
        stop = "Bill to" if number == 0 else "#"
        head = below_name[: next(i for i, r in enumerate(below_name) if r[2].startswith(stop))]
        printed = " ".join(text for _, _, text in head)
        assert printed.split() == " · ".join(ADDRESS + CONTACT).split()
        for x, _, text in head:
            assert left - 0.5 <= x and x + width_mm(text) * MM <= right + 0.5, text
