"""An invoice number of a long series prefix prints whole in the PDF's title.

A seller may open its series with a long prefix ("Rechnung-2024/Niederlassung-Hamburg-Altona/":
its branch and year in every number). The PDF printed the title ("Invoice" and the number, 16 pt
bold) on one line whatever its length, so a number longer than the page ran off its right
edge: the number, which the customer pays by, was cut off. The title now wraps within the
margins; every piece of text on the page ends inside them."""

from __future__ import annotations

import io
from typing import Any

import pypdf
from fpdf import FPDF
from test_docs_payment_instructions_format_specs import kade_invoice_issued

from q2c_adapters.documents import Branding, render_pdf
from q2c_adapters.documents.pdf import FONTS
from q2c_core import QuoteToCash

MM = 72 / 25.4
PREFIX = "Rechnung-Geschäftsjahr-2024/Niederlassung-Hamburg-Altona-Süd/Kostenstelle-4711/"


def text_runs(data: bytes) -> list[tuple[float, float, str]]:
    """Each run of text of every page as (left, right, text) in points, its width measured with
    the face (regular or bold) and size it is printed in."""
    measure = FPDF(unit="pt")
    measure.add_font("D", "", str(FONTS / "DejaVuSans.ttf"))
    measure.add_font("D", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    runs: list[tuple[float, float, str]] = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:

        def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
            if not text.strip() or font is None:
                return
            bold = "Bold" in str(font.get("/BaseFont", ""))
            measure.set_font("D", "B" if bold else "", size * tm[0])
            left = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            runs.append((left, left + measure.get_string_width(text.rstrip()), text.strip()))

        page.extract_text(visitor_text=visit)
    return runs


def test_a_long_invoice_number_wraps_in_the_title_and_stays_on_the_page(
    app: QuoteToCash,
) -> None:
    app.open_number_series("INV", prefix=PREFIX, actor="a")
    invoice, number = kade_invoice_issued(app)
    assert number == f"{PREFIX}000001"

    data = render_pdf(app, invoice, Branding(language="de"))
    page_width = 210 * MM
    runs = text_runs(data)
    assert runs
    for left, right, text in runs:
        assert left >= 18 * MM - 1 and right <= page_width - 18 * MM + 1, text
    # the title names the whole number, in reading order
    words = " ".join(text for _, _, text in runs)
    assert "Rechnung Rechnung-Geschäftsjahr-2024/" in words
    everything = "".join(pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert f"Rechnung{number}".replace(" ", "") in everything
