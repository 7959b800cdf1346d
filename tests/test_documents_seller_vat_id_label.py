"""The PDF names the seller's VAT id and BIC, as the HTML does, in the document's language.

A seller's VAT id is what an invoice must state (VAT Directive art. 226(3)); the HTML labels it
under the seller's address ("VAT ID: DE999999999", "USt-IdNr.: ...", "N° TVA: ..."). The PDF
printed it only in its footer, bare, beside a bare BIC: "Q2C GmbH · IBAN DE89... ·
COBADEFFXXX · DE999999999", two codes nobody could tell apart. The PDF's letterhead now
labels the VAT id under the seller's address and contact, on every page, and its footer reads
"IBAN ... · BIC ...", as the HTML's.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from uuid import UUID

import pypdf
import pytest
from lxml import html as lxml_html
from test_beancount_ledger import issue
from test_documents import page_runs

from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_adapters.documents.i18n import LABELS
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

VAT_ID = "DE999999999"
BIC = "COBADEFFXXX"
LABELLED = {
    "en": "VAT ID: DE999999999",
    "de": "USt-IdNr.: DE999999999",
    "fr": "N° TVA: DE999999999",
}


def brand(language: str) -> Branding:
    return Branding(
        company_name="Q2C Services GmbH",
        address=("Musterstraße 1", "10115 Berlin"),
        email="billing@q2c.example",
        tax_id=VAT_ID,
        iban="DE89370400440532013000",
        bic=BIC,
        language=language,
    )


def two_page_invoice() -> tuple[QuoteToCash, UUID]:
    """Acme GmbH's invoice of forty lines, issued on 2 April 2024: two pages."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme GmbH", "EUR", account_manager="mia", actor="a", tax_rate=TaxRate.standard(19),
        country="DE", tax_id="DE811907980", address="Hauptstraße 5",
    )  # fmt: skip
    lines = [
        InvoiceLine(
            line_id=f"L{k}",
            description=f"Consulting module {k}",
            quantity=Decimal(1),
            unit_price=Money.of(100, "EUR"),
            tax=TaxRate.standard(19),
            source=LineSource(SourceKind.MANUAL, note="agreed"),
        )
        for k in range(1, 41)
    ]
    invoice = app.draft_invoice(acme, lines, drafted_on=date(2024, 4, 1), actor="billy")
    issue(app, invoice, date(2024, 4, 2))
    return app, invoice


@pytest.mark.parametrize("language", sorted(LABELS))
def test_the_pdf_labels_the_sellers_vat_id_and_bic_on_every_page(language: str) -> None:
    app, invoice = two_page_invoice()
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(app, invoice, brand(language)))).pages
    assert len(pages) == 2
    for page in pages:
        text = " ".join(page.extract_text().split())
        # each time the VAT id is printed, its label stands before it
        assert text.count(VAT_ID) == text.count(LABELLED[language]) >= 1, text
        assert text.count(BIC) == text.count(f"BIC {BIC}") >= 1, text
        # in the letterhead: above the buyer (page 1) or the lines table (page 2), not the foot
        runs = page_runs(page)
        (vat,) = [r for r in runs if VAT_ID in r[2]]
        assert vat[1] > 250 * 72 / 25.4, vat


@pytest.mark.parametrize("language", sorted(LABELS))
def test_the_pdf_labels_the_vat_id_as_the_html_does(language: str) -> None:
    app, invoice = two_page_invoice()
    page = lxml_html.fromstring(render_html(app, invoice, brand(language)))
    html = " ".join(str(page.xpath("string(//body)")).split())
    assert LABELLED[language] in html and f"BIC {BIC}" in html
    pdf = " ".join(
        pypdf.PdfReader(io.BytesIO(render_pdf(app, invoice, brand(language))))
        .pages[0]
        .extract_text()
        .split()
    )
    assert LABELLED[language] in pdf and f"BIC {BIC}" in pdf


def test_every_language_labels_the_sellers_vat_id() -> None:
    assert set(LABELLED) == set(LABELS)
    for language, text in LABELLED.items():
        assert text == f"{LABELS[language]['our_tax_id']}: {VAT_ID}"
