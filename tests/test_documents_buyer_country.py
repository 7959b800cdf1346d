"""An invoice to a buyer abroad names the buyer's whole address, its country too.

Found by review: the PDF and the HTML printed the buyer's street, post code and city but never
its country, so a German seller's reverse-charge invoice to a Dutch firm read "Kade 2, 1011 AB
Amsterdam" with no "Netherlands" (an intra-EU or export invoice must name the buyer's full
address; the UBL e-invoice always carried the country). q2c records a country as its ISO code,
as the e-invoice carries it; the documents print its name in their language (Niederlande,
Pays-Bas), by the Unicode CLDR's names, for every country. The country printed is the one the
invoice was issued with.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from uuid import UUID

import pypdf
import pytest

from q2c_adapters.documents import Branding, build_document, render_html, render_pdf
from q2c_adapters.documents.i18n import country_name
from q2c_core import InvalidValue, InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate
from q2c_core.domain.parties import COUNTRY_CODES
from q2c_core.domain.tax import ZERO_RATED, TaxCategory

D = date(2024, 8, 1)
EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()


def words(data: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def issued_to(app: QuoteToCash, customer: UUID, tax: TaxRate) -> UUID:
    line = InvoiceLine(
        "L1", "Consulting", Decimal(4), Money.of("150", "EUR"), tax,
        LineSource(SourceKind.MANUAL, note="by hand"),
    )  # fmt: skip
    invoice = app.draft_invoice(customer, [line], drafted_on=D, actor="bea")
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="mia")
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    return invoice


def test_a_reverse_charge_invoice_to_amsterdam_names_the_netherlands_in_its_language() -> None:
    app = QuoteToCash.open("memory:")
    dutch = app.register_customer(
        "Kade BV", "EUR", account_manager="mia", actor="bea",
        tax_rate=TaxRate.none(TaxCategory.REVERSE_CHARGE), country="NL", tax_id="NL123456789B01",
        address="Kade 2", city="Amsterdam", postal_code="1011 AB",
    )  # fmt: skip
    invoice = issued_to(app, dutch, TaxRate.none(TaxCategory.REVERSE_CHARGE))

    assert build_document(app, invoice, Branding()).customer_address == (
        "Kade 2",
        "1011 AB Amsterdam",
        "Netherlands",
    )
    german = words(render_pdf(app, invoice, Branding(language="de")))
    assert "1011 AB Amsterdam Niederlande" in german
    assert "<div>Pays-Bas</div>" in render_html(app, invoice, Branding(language="fr"))
    assert "<div>Netherlands</div>" in render_html(app, invoice, Branding())

    # moving to Antwerp after the issue changes the next invoice only
    app.correct_customer_details(
        dutch, actor="bea", country="BE", city="Antwerpen", postal_code="2000",
        tax_id="BE0123456749",
    )  # fmt: skip
    assert "Niederlande" in words(render_pdf(app, invoice, Branding(language="de")))
    later = issued_to(app, dutch, TaxRate.none(TaxCategory.REVERSE_CHARGE))
    assert "2000 Antwerpen Belgien" in words(render_pdf(app, later, Branding(language="de")))
    app.close()


def test_a_country_beyond_europe_is_named_too_and_none_prints_nothing() -> None:
    """Mauritius, in each language by the CLDR's names; a buyer with no country has no line."""
    app = QuoteToCash.open("memory:")
    mauritius = app.register_customer(
        "Island Ltd", "EUR", account_manager="mia", actor="bea", country="mu",
        address="1 Royal Road", city="Port Louis", postal_code="11328",
    )  # fmt: skip
    invoice = issued_to(app, mauritius, ZERO_RATED)
    assert build_document(app, invoice, Branding(language="de")).customer_address[-1] == "Mauritius"
    assert "11328 Port Louis Maurice" in words(render_pdf(app, invoice, Branding(language="fr")))
    unknown = app.register_customer("Kiosk", "EUR", account_manager="mia", actor="bea")
    assert (
        build_document(app, issued_to(app, unknown, ZERO_RATED), Branding()).customer_address == ()
    )
    app.close()


def test_every_eu_country_has_its_name_in_every_language() -> None:
    """Each EU member state (an intra-community buyer) is named, never shown as a code, in
    each language the documents speak, as is every other country a customer may be recorded in."""
    for code in EU:
        names = {country_name(code, language) for language in ("en", "de", "fr")}
        assert code not in names and "" not in names, code
    assert country_name("NL", "de") == "Niederlande"
    assert country_name("DE", "fr") == "Allemagne"
    assert country_name("", "de") == ""
    assert country_name("XI", "de") == "Vereinigtes Königreich (Nordirland)"
    # every code a customer may be recorded with is named in every language, Kosovo's
    # e-invoice code 1A too (CLDR names Kosovo as XK): a buyer in Pristina read "1A"
    unnamed = {
        code
        for code in COUNTRY_CODES
        for language in ("en", "de", "fr")
        if country_name(code, language) == code
    }
    assert unnamed == set()
    assert country_name("1A", "fr") == "Kosovo"


def test_the_sellers_country_is_printed_and_a_buyer_at_home_is_addressed_without_its_own() -> None:
    """A branding naming the seller's country (DE) prints "Deutschland" under the seller's
    address; the Dutch buyer is addressed with "Niederlande", a buyer in Hamburg without
    "Deutschland", as a letter at home is."""
    app = QuoteToCash.open("memory:")
    seller = Branding(
        company_name="Nordlicht GmbH", address="Elbchaussee 1\n22765 Hamburg", country=" de ",
        tax_id="DE123456788", language="de",
    )  # fmt: skip
    assert seller.country == "DE"
    dutch = app.register_customer(
        "Kade BV", "EUR", account_manager="mia", actor="bea",
        tax_rate=TaxRate.none(TaxCategory.REVERSE_CHARGE), country="NL",
        tax_id="NL123456789B01", address="Kade 2", city="Amsterdam", postal_code="1011 AB",
    )  # fmt: skip
    abroad = issued_to(app, dutch, TaxRate.none(TaxCategory.REVERSE_CHARGE))
    doc = build_document(app, abroad, seller)
    assert doc.seller_address == ("Elbchaussee 1", "22765 Hamburg", "Deutschland")
    assert doc.customer_address[-1] == "Niederlande"
    pdf = words(render_pdf(app, abroad, seller))
    assert "22765 Hamburg · Deutschland" in pdf and "Amsterdam Niederlande" in pdf
    assert "<div>Deutschland</div>" in render_html(app, abroad, seller)

    hamburg = app.register_customer(
        "Brauhaus Nord", "EUR", account_manager="mia", actor="bea",
        tax_rate=TaxRate.standard(19), country="DE", address="Hafenstrasse 1",
        city="Hamburg", postal_code="20457",
    )  # fmt: skip
    at_home = issued_to(app, hamburg, TaxRate.standard(19))
    assert build_document(app, at_home, seller).customer_address == (
        "Hafenstrasse 1",
        "20457 Hamburg",
    )
    # without the seller's country the buyer's is always printed
    assert build_document(app, at_home, Branding()).customer_address[-1] == "Germany"
    app.close()


def test_a_sellers_country_that_is_no_iso_code_is_refused_naming_it() -> None:
    for typed in ("Germany", "UK", 49):
        with pytest.raises(InvalidValue) as refused:
            Branding(country=typed)  # type: ignore[arg-type]
        assert refused.value.field == "country"
