"""An invoice that charges no VAT says why on every document the customer receives.

Art. 226(11) and (11a) of the EU VAT Directive want an exempt, reverse-charged, intra-community or
export invoice to state the reason. The UBL e-invoice always did (TaxExemptionReason); the PDF
and the HTML printed only the bare code ("AE 1,000.00 EUR 0.00 EUR"). Now both print the same
reason beside the code in their tax summary, in the document's language, from the same table the
UBL writes (``ubl.EXEMPTION_REASONS``), and a standard-rated category prints none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest
from test_beancount_ledger import issue, manual_line
from test_documents import pdf_pages
from test_ubl import CONFORMANCE, SELLER, assert_conforms, require_shared, text

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.ubl import EXEMPTION_REASONS, UblRenderer
from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_adapters.documents.i18n import LABELS, exemption_reason
from q2c_core import QuoteToCash, TaxCategory, TaxRate

AE, E, K, G = "AE", "E", "K", "G"
REVERSE_CHARGE = "Reverse charge: VAT to be accounted for by the buyer"
EXEMPT = "Exempt from VAT"
INTRA_COMMUNITY = "Intra-community supply, exempt from VAT"
EXPORT = "Export outside the EU, exempt from VAT"


@pytest.fixture(scope="module")
def validator() -> Iterator[PeppolValidator]:
    """The XSD and both rule sets, compiled once for the module."""
    require_shared(CONFORMANCE / "rules" / "PEPPOL-EN16931-UBL.xslt")
    yield PeppolValidator(CONFORMANCE)


def words(html_or_pdf_text: str) -> str:
    """The words a reader sees, one space apart (HTML tags dropped)."""
    return " ".join(re.sub("<[^>]+>", " ", html_or_pdf_text).split())


def dutch_buyer_invoice(app: QuoteToCash, *rates: tuple[str, str, TaxRate]) -> UUID:
    """An issued invoice to Buyer BV (NL VAT id) with one line per (line, amount, rate)."""
    customer = app.register_customer(
        "Buyer BV", "EUR", account_manager="mia", actor="a", country="NL",
        tax_id="NL123456789B01", address="Kade 2",
    )  # fmt: skip
    lines = [manual_line(line, amount, rate) for line, amount, rate in rates]
    invoice = app.draft_invoice(customer, lines, drafted_on=date(2024, 5, 2), actor="billy")
    issue(app, invoice, date(2024, 5, 2))
    return invoice


def test_an_invoice_without_vat_says_why_in_its_pdf_and_html_as_its_ubl_does(
    validator: PeppolValidator,
) -> None:
    """1,000.00 EUR reverse-charged, 200.00 exempt, 300.00 supplied to another member state and
    400.00 exported: each category's row in the tax summary of the PDF and the HTML names the
    reason the UBL states for it, word for word, and the UBL still conforms."""
    app = QuoteToCash.open("memory:")
    invoice = dutch_buyer_invoice(
        app,
        ("R1", "1000.00", TaxRate.none(TaxCategory.REVERSE_CHARGE)),
        ("E1", "200.00", TaxRate.none(TaxCategory.EXEMPT)),
        ("K1", "300.00", TaxRate.none(TaxCategory.INTRA_COMMUNITY)),
        ("G1", "400.00", TaxRate.none(TaxCategory.EXPORT)),
    )
    ubl = UblRenderer(app, SELLER).render(invoice)
    assert_conforms(validator.validate(ubl))
    stated = text(ubl, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason")
    assert sorted(stated) == sorted([REVERSE_CHARGE, EXEMPT, INTRA_COMMUNITY, EXPORT])
    pdf = words("\n".join(pdf_pages(render_pdf(app, invoice))))
    html = words(render_html(app, invoice))
    for shown in (pdf, html):
        assert f"AE – {REVERSE_CHARGE} 1,000.00 EUR 0.00 EUR" in shown
        assert f"E – {EXEMPT} 200.00 EUR 0.00 EUR" in shown
        assert f"K – {INTRA_COMMUNITY} 300.00 EUR 0.00 EUR" in shown
        assert f"G – {EXPORT} 400.00 EUR 0.00 EUR" in shown
        assert "Total 1,900.00 EUR" in shown


def test_the_reason_is_printed_in_the_documents_language() -> None:
    """A German document states the reverse charge as German law words it
    ("Steuerschuldnerschaft des Leistungsempfängers"), a French one as French law does
    ("Autoliquidation"); the UBL keeps its English reason."""
    app = QuoteToCash.open("memory:")
    invoice = dutch_buyer_invoice(
        app,
        ("R1", "1000.00", TaxRate.none(TaxCategory.REVERSE_CHARGE)),
        ("E1", "200.00", TaxRate.none(TaxCategory.EXEMPT)),
    )
    german, french = Branding(language="de"), Branding(language="fr")
    for shown in (
        words("\n".join(pdf_pages(render_pdf(app, invoice, german)))),
        words(render_html(app, invoice, german)),
    ):
        assert "AE – Steuerschuldnerschaft des Leistungsempfängers 1.000,00 EUR 0,00 EUR" in shown
        assert "E – Steuerfreie Leistung 200,00 EUR 0,00 EUR" in shown
        assert REVERSE_CHARGE not in shown
    for shown in (
        words("\n".join(pdf_pages(render_pdf(app, invoice, french)))),
        words(render_html(app, invoice, french)),
    ):
        assert "AE – Autoliquidation" in shown
        assert "E – Exonération de TVA" in shown
    ubl = UblRenderer(app, SELLER).render(invoice)
    assert REVERSE_CHARGE in text(
        ubl, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason"
    )


def test_a_standard_rated_invoice_prints_no_reason() -> None:
    """21 % on 100.00 EUR: the tax summary row is the rate and the amounts, nothing more."""
    app = QuoteToCash.open("memory:")
    invoice = dutch_buyer_invoice(app, ("L1", "100.00", TaxRate.standard(21)))
    for shown in (
        words("\n".join(pdf_pages(render_pdf(app, invoice)))),
        words(render_html(app, invoice)),
    ):
        assert "Tax category Taxable amount Tax S 21 % 100.00 EUR 21.00 EUR" in shown
        assert " – " not in shown
        assert not any(reason in shown for reason in EXEMPTION_REASONS.values())


def test_every_language_has_a_reason_for_each_category_the_ubl_gives_one_for() -> None:
    """One source of truth: the categories with a reason, and its English words, are the UBL's;
    German and French translate each of them and add none (zero-rated and standard have none)."""
    for language in LABELS:
        for category in TaxCategory:
            reason = exemption_reason(category, language)
            if category in EXEMPTION_REASONS:
                assert reason, (language, category)
            else:
                assert reason == "", (language, category)
    for category, reason in EXEMPTION_REASONS.items():
        assert exemption_reason(category, "en") == reason
