"""A number on a PDF invoice is printed whole: never broken across two lines of its column.

Usage is billed in large quantities (1,250,000 API calls at 0.0004 EUR, 12,000.75 kWh), and a
number wider than its column was broken inside its digits: "1,250,00" on one line and "0" on
the next, "12,000.7" over "5". A reader takes the first line for the quantity. The columns of
numbers now take the width their widest number needs, the description gives it up.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from uuid import UUID

import pypdf
import pytest
from test_beancount_ledger import issue

from q2c_adapters.documents import Branding, render_pdf
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

EUR = "EUR"


def usage_line(line_id: str, what: str, quantity: str, price: str, rate: TaxRate) -> InvoiceLine:
    return InvoiceLine(
        line_id=line_id,
        description=what,
        quantity=Decimal(quantity),
        unit_price=Money.of(price, EUR),
        tax=rate,
        source=LineSource(SourceKind.MANUAL, note="usage"),
    )


def usage_invoice(app: QuoteToCash) -> UUID:
    """Acme's March usage: a million and a quarter API calls, twelve thousand kWh and a
    hosting contract of fifteen million euros."""
    acme = app.register_customer(
        "Acme", EUR, account_manager="mia", actor="a", tax_rate=TaxRate.standard(21),
        country="BE", tax_id="BE0123456749", address="Rue Haute 1",
    )  # fmt: skip
    invoice = app.draft_invoice(
        acme,
        [
            usage_line("L1", "API calls", "1250000", "0.0004", TaxRate.standard(21)),
            usage_line("L2", "Electricity (kWh)", "12000.75", "0.2875", TaxRate.standard(6)),
            usage_line("L3", "Hosting", "12.5", "1234567.891", TaxRate.standard(21)),
        ],
        drafted_on=date(2024, 4, 1),
        actor="billy",
    )
    issue(app, invoice, date(2024, 4, 2))
    return invoice


def printed_words(data: bytes) -> list[str]:
    """The PDF's words as a reader sees them, line by line."""
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(page.extract_text() for page in pages).split()


@pytest.mark.parametrize(
    ("language", "numbers"),
    [
        (
            "en",
            ["1,250,000", "0.0004", "500.00", "12,000.75", "0.2875", "3,450.22", "12.5",
             "1,234,567.891", "15,432,098.64", "18,677,101.58"],
        ),
        (
            "de",
            ["1.250.000", "0,0004", "500,00", "12.000,75", "0,2875", "3.450,22", "12,5",
             "1.234.567,891", "15.432.098,64", "18.677.101,58", "Bemessungsgrundlage"],
        ),
    ],
)  # fmt: skip
def test_large_usage_quantities_print_whole_in_the_pdf(language: str, numbers: list[str]) -> None:
    """Every quantity, price and amount of the usage invoice is one word of the printed PDF,
    in English and in German (the tax summary's heading "Bemessungsgrundlage" too)."""
    app = QuoteToCash.open("memory:")
    invoice = usage_invoice(app)
    assert app.invoice(invoice).total == Money.of("18677101.58", EUR)
    words = printed_words(render_pdf(app, invoice, Branding(language=language)))
    missing = [n for n in numbers if n not in words]
    assert missing == [], words
