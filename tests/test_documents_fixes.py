"""Documents a reviewer found wrong: e-invoices that break EN 16931 although they promise to refuse
first (the seller's and the buyer's VAT ids), an issued invoice with a control character in its
text that could never become an e-invoice, unit prices below a cent printed as cents, and a
buyer without a VAT id the CLI could not address.

Every UBL document here passes the official XSD and the EN 16931 and PEPPOL rules (Saxon-HE,
zero fatal assertions); what would break them is refused with a typed error naming the field and
the rule, before any XML is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from lxml import etree
from test_beancount_ledger import issue, manual_line
from test_cli_documents import cli
from test_documents import pdf_pages
from test_ubl import CONFORMANCE, NS, SELLER, assert_conforms, require_shared, text
from typer.testing import CliRunner

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.seller import Endpoint, SellerProfile
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_core import (
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxCategory,
    TaxRate,
    TimeEntry,
)
from q2c_core.domain import customer as customer_module
from q2c_core.domain import event_facts, invoice_lines
from q2c_core.domain.enhancement_request import EnhancementRequest

V21 = TaxRate.standard(21)


@pytest.fixture(scope="module")
def validator() -> Iterator[PeppolValidator]:
    """The XSD and both rule sets, compiled once for the module."""
    require_shared(CONFORMANCE / "rules" / "PEPPOL-EN16931-UBL.xslt")
    yield PeppolValidator(CONFORMANCE)


def belgian_customer(app: QuoteToCash, tax_id: str) -> UUID:
    return app.register_customer(
        f"Acme {tax_id}", "EUR", account_manager="mia", actor="a", tax_rate=V21, country="BE",
        tax_id=tax_id, address="Rue Haute 1",
    )  # fmt: skip


def issued(app: QuoteToCash, customer: UUID, rate: TaxRate = V21) -> UUID:
    invoice = app.draft_invoice(
        customer, [manual_line("L1", "100", rate)], drafted_on=date(2024, 5, 1), actor="billy"
    )
    issue(app, invoice, date(2024, 5, 2))
    return invoice


def test_a_buyer_vat_id_typed_in_small_letters_goes_out_in_capitals(
    validator: PeppolValidator,
) -> None:
    """The account manager typed the customer's VAT id as 'be 0123 456 749'. The e-invoice
    carries BE0123456749 as the buyer's VAT id and its PEPPOL address, and conforms (BR-CO-09
    failed on the lower-case prefix)."""
    app = QuoteToCash.open("memory:")
    invoice = issued(app, belgian_customer(app, "be 0123 456 749"))
    doc = UblRenderer(app, SELLER).render(invoice)
    buyer = "cac:AccountingCustomerParty/cac:Party"
    assert text(doc, f"{buyer}/cac:PartyTaxScheme/cbc:CompanyID") == ["BE0123456749"]
    assert text(doc, f"{buyer}/cbc:EndpointID") == ["BE0123456749"]
    assert_conforms(validator.validate(doc))


def test_a_buyer_vat_id_without_its_country_prefix_is_refused_not_guessed(
    validator: PeppolValidator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The customer's VAT id was typed as '0123456749', before q2c refused that at registration
    (test_customer_details). Putting BE in front because the customer is in Belgium would be a
    guess (a company's VAT registration need not be its address's country, Greece's prefix is
    EL, digits alone may be a national tax number), and a wrong VAT id passes every rule: the
    e-invoice is refused naming buyer.vat_id and BR-CO-09. An invoice not subject to VAT
    carries no VAT id, so it still goes out."""
    app = QuoteToCash.open("memory:")
    with monkeypatch.context() as before_the_check:
        before_the_check.setattr(customer_module, "vat_id", lambda value, _: value)
        customer = belgian_customer(app, "0123456749")
    renderer = UblRenderer(app, SELLER, buyer_endpoints={customer: Endpoint("0208", "0123456749")})
    with pytest.raises(InvalidValue) as refused:
        renderer.render(issued(app, customer))
    assert refused.value.field == "buyer.vat_id"
    assert "BR-CO-09" in str(refused.value) and refused.value.value == "0123456749"
    outside = renderer.render(issued(app, customer, TaxRate.none(TaxCategory.OUTSIDE_SCOPE)))
    assert text(outside, "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme") == []
    assert_conforms(validator.validate(outside))


def test_the_sellers_vat_id_is_written_in_capitals_and_needs_a_known_prefix(
    validator: PeppolValidator,
) -> None:
    """A seller profile with 'be0123456749' states BE0123456749; one with a prefix no country
    has (XX) is refused when the profile is made, naming seller.vat_id and BR-CO-09."""
    app = QuoteToCash.open("memory:")
    fields = {
        "legal_name": "Q2C Services BV", "registration_id": "0123456749", "street": "Main 1",
        "city": "Gent", "postal_code": "9000", "country": "BE", "iban": "BE71 0961 2345 6769",
    }  # fmt: skip
    seller = SellerProfile(vat_id="be0123456749", **fields)
    assert seller.vat_id == "BE0123456749"
    doc = UblRenderer(app, seller).render(issued(app, belgian_customer(app, "BE0123456749")))
    supplier = "cac:AccountingSupplierParty/cac:Party"
    assert text(doc, f"{supplier}/cac:PartyTaxScheme/cbc:CompanyID") == ["BE0123456749"]
    assert_conforms(validator.validate(doc))
    with pytest.raises(InvalidValue) as refused:
        SellerProfile(vat_id="XX0123456749", endpoint=Endpoint("0208", "0123456749"), **fields)
    assert refused.value.field == "seller.vat_id" and "BR-CO-09" in str(refused.value)


@pytest.mark.parametrize(
    ("category", "rule"),
    [
        (TaxCategory.ZERO_RATED, "BR-Z-02"),
        (TaxCategory.EXEMPT, "BR-E-02"),
        (TaxCategory.REVERSE_CHARGE, "BR-AE-02"),
        (TaxCategory.INTRA_COMMUNITY, "BR-IC-02"),
        (TaxCategory.EXPORT, "BR-G-02"),
    ],
)
def test_a_seller_without_a_vat_id_issues_e_invoices_only_outside_the_scope_of_vat(
    validator: PeppolValidator, category: TaxCategory, rule: str
) -> None:
    """A small seller not registered for VAT gives its PEPPOL address (0208) and no VAT id. EN
    16931 wants the seller's VAT id (or a tax representative's, which q2c does not state) on
    every invoice with a VAT category: standard, zero-rated, exempt, reverse charge,
    intra-community, export. Each is refused naming seller.vat_id and its rule; an invoice not
    subject to VAT (O) goes out and conforms."""
    app = QuoteToCash.open("memory:")
    seller = SellerProfile(
        legal_name="Small BV", registration_id="0123456749", vat_id="", street="Main 1",
        city="Gent", postal_code="9000", country="BE", iban="BE71 0961 2345 6769",
        endpoint=Endpoint("0208", "0123456749"),
    )  # fmt: skip
    customer = belgian_customer(app, "NL123456789B01")
    renderer = UblRenderer(app, seller)
    for rate, named in ((V21, "BR-S-02"), (TaxRate.none(category), rule)):
        with pytest.raises(InvalidValue) as refused:
            renderer.render(issued(app, customer, rate))
        assert refused.value.field == "seller.vat_id"
        assert named in str(refused.value)
    doc = renderer.render(issued(app, customer, TaxRate.none(TaxCategory.OUTSIDE_SCOPE)))
    assert text(doc, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme") == []
    assert_conforms(validator.validate(doc))


def spreadsheet_invoice(url: str, monkeypatch: pytest.MonkeyPatch) -> UUID:
    """A request whose title, time-entry note and customer were pasted from a spreadsheet, with
    a vertical tab, a form feed, a NUL and a unit separator in them, billed and issued.

    q2c now refuses control characters where free text is typed; such a history was recorded
    before it did (the refusal is switched off here to write one), and a PO number on one
    line of visible text likewise (``EnhancementRequest._check_po_number``). Documents must
    render what was recorded."""
    with monkeypatch.context() as patched:
        for module in (event_facts, invoice_lines):
            patched.setattr(module, "refuse_control_characters", lambda *_, **__: None)
        patched.setattr(EnhancementRequest, "_check_po_number", lambda *_, **__: None)
        return _write_spreadsheet_invoice(url)


def _write_spreadsheet_invoice(url: str) -> UUID:
    app = QuoteToCash.open(url)
    try:
        c = app.register_customer(
            "Acme\x0cBV", "EUR", account_manager="mia", actor="a", tax_rate=V21, country="NL",
            tax_id="NL123456789B01", address="Kade\x0b2\n1011 AB Amsterdam",
        )  # fmt: skip
        r = app.open_request(c, "Migration\x0bphase 2", requested_on=date(2024, 3, 1), actor="p")
        app.estimate_request(r, hours=10, rate=Money.of("100", "EUR"), actor="p")
        app.send_quote(r, sent_on=date(2024, 3, 2), actor="bea")
        app.receive_purchase_order(
            r, number="PO\x1f77", amount=Money.of("1000", "EUR"), received_on=date(2024, 3, 3),
            actor="bea",
        )  # fmt: skip
        app.authorize_work(r, authorized_on=date(2024, 3, 3), actor="p")
        entry = TimeEntry(
            "t1", "dana", date(2024, 3, 4), Decimal(2), Money.of("100", "EUR"), note="cut\x00over"
        )
        app.log_work(r, entry, actor="dana")
        invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 5), actor="p")
        issue(app, invoice, date(2024, 3, 5))
        return invoice
    finally:
        app.close()


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def test_control_characters_pasted_into_an_issued_invoice_are_spaces_in_every_document(
    validator: PeppolValidator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An issued invoice can no longer change, so what XML 1.0 cannot carry becomes a space
    instead of stopping the e-invoice (lxml refused the vertical tab with a bare ValueError).
    The UBL conforms, and the HTML and the PDF read the same words: 'Migration phase 2', not
    'Migrationphase 2' (the PDF dropped the character, the HTML kept it)."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    invoice = spreadsheet_invoice(url, monkeypatch)
    app = QuoteToCash.open(url)
    try:
        doc = UblRenderer(app, SELLER).render(invoice)
        html = render_html(app, invoice)
        pdf = "\n".join(pdf_pages(render_pdf(app, invoice)))
    finally:
        app.close()
    assert_conforms(validator.validate(doc))
    assert text(doc, "cac:InvoiceLine/cac:Item/cbc:Name")[0].startswith("Migration phase 2")
    assert text(doc, "cac:OrderReference/cbc:ID") == ["PO 77"]
    assert text(doc, "cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name") == ["Acme BV"]
    for words in ("Migration phase 2", "Acme BV", "PO 77", "cut over"):
        assert words in html, words
        assert words in pdf, words
    assert "<div>Kade 2</div>" in html and "Kade 2" in pdf
    assert not CONTROL.search(html) and not CONTROL.search(pdf)


def test_the_cli_renders_such_an_invoice_in_every_format(
    validator: PeppolValidator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through ``q2c invoice render``: UBL, PDF and HTML all exit 0 (UBL was exit 1 with a
    traceback), and the UBL file conforms."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    spreadsheet_invoice(url, monkeypatch)
    seller = tmp_path / "seller.toml"
    seller.write_text(
        'legal_name = "Q2C Services BV"\nregistration_id = "0123456749"\n'
        'vat_id = "BE0123456749"\nstreet = "Main 1"\ncity = "Gent"\npostal_code = "9000"\n'
        'country = "BE"\niban = "BE71 0961 2345 6769"\n'
    )
    for fmt in ("ubl", "pdf", "html"):
        out = tmp_path / f"out.{fmt}"
        result = CliRunner().invoke(
            cli(),
            ["invoice", "render", "INV-000001", "--url", url, "-f", fmt, "--seller", str(seller),
             "-o", str(out)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.exception is None
    ubl = (tmp_path / "out.ubl").read_bytes()
    assert_conforms(validator.validate(ubl))
    assert b"Migration phase 2" in ubl
    assert "Migration phase 2" in "\n".join(pdf_pages((tmp_path / "out.pdf").read_bytes()))
    assert "Migration phase 2" in (tmp_path / "out.html").read_text()


def priced_line(
    line_id: str, quantity: str, price: str, currency: str = "EUR", rate: TaxRate = V21
) -> InvoiceLine:
    return InvoiceLine(
        line_id=line_id, description=f"API calls {line_id}", quantity=Decimal(quantity),
        unit_price=Money.of(price, currency), tax=rate,
        source=LineSource(SourceKind.MANUAL, note="usage"), price_reason="metered",
    )  # fmt: skip


def words(html_or_pdf_text: str) -> str:
    """The words a reader sees, one space apart (HTML tags dropped)."""
    return " ".join(re.sub("<[^>]+>", " ", html_or_pdf_text).split())


def pdf_words(data: bytes) -> str:
    return words("\n".join(pdf_pages(data)))


def test_a_unit_price_below_a_cent_prints_with_all_its_decimals() -> None:
    """12,000 API calls at 0.0125 EUR are 150.00 EUR. The PDF and the HTML printed the unit
    price as 0.01 EUR (12,000 x 0.01 is 120.00) while the UBL said 0.0125: the unit price now
    shows its own decimals, a whole price still its cents, and amounts and totals stay rounded
    to the cent. In German too."""
    app = QuoteToCash.open("memory:")
    c = belgian_customer(app, "BE0123456749")
    invoice = app.draft_invoice(
        c, [priced_line("L1", "12000", "0.0125"), priced_line("L2", "3", "100")],
        drafted_on=date(2024, 5, 1), actor="billy",
    )  # fmt: skip
    issue(app, invoice, date(2024, 5, 2))
    for shown in (words(render_html(app, invoice)), pdf_words(render_pdf(app, invoice))):
        # (each line's price reason, "metered", prints under its description)
        assert "L1 API calls L1 metered 12,000 0.0125 EUR S 21 % 150.00 EUR" in shown
        assert "L2 API calls L2 metered 3 100.00 EUR S 21 % 300.00 EUR" in shown
        assert "Net total 450.00 EUR" in shown and "Total 544.50 EUR" in shown
        assert "0.01 EUR" not in shown
    german = pdf_words(render_pdf(app, invoice, Branding(language="de")))
    assert "12.000 0,0125 EUR S 21 % 150,00 EUR" in german


def test_a_yen_price_below_one_yen_is_not_printed_as_nothing() -> None:
    """1,000 x 0.5 JPY are 500 JPY: the unit price prints as 0.5 JPY, not 0 JPY, and the
    amount, tax and total in whole yen."""
    app = QuoteToCash.open("memory:")
    c = app.register_customer(
        "Tokyo KK", "JPY", account_manager="mia", actor="a", tax_rate=TaxRate.standard(10),
        country="JP", address="1-1 Chiyoda",
    )  # fmt: skip
    line = priced_line("L1", "1000", "0.5", "JPY", TaxRate.standard(10))
    invoice = app.draft_invoice(c, [line], drafted_on=date(2024, 5, 1), actor="billy")
    issue(app, invoice, date(2024, 5, 2))
    for shown in (words(render_html(app, invoice)), pdf_words(render_pdf(app, invoice))):
        assert "1,000 0.5 JPY S 10 % 500 JPY" in shown
        assert "Total 550 JPY" in shown
        assert not re.search(r"(?<![\d.,])0 JPY", shown)


def test_the_cli_addresses_a_buyer_without_a_vat_id_by_its_peppol_endpoint(
    validator: PeppolValidator, tmp_path: Path
) -> None:
    """A Dutch school has no VAT id, so its PEPPOL address cannot come from one: without
    --buyer-endpoint the UBL is refused naming buyer.endpoint and the option (exit 1); with
    --buyer-endpoint 0088:7300010000001 (its GLN) the e-invoice is addressed there and conforms.
    An endpoint that is not SCHEME:ID or whose scheme is no EAS code is a one-line error, exit 2."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    app = QuoteToCash.open(url)
    try:
        school = app.register_customer(
            "De School", "EUR", account_manager="mia", actor="a", tax_rate=V21, country="NL",
            address="Schoolstraat 1",
        )  # fmt: skip
        issued(app, school)
    finally:
        app.close()
    seller = tmp_path / "seller.toml"
    seller.write_text(
        'legal_name = "Q2C Services BV"\nregistration_id = "0123456749"\n'
        'vat_id = "BE0123456749"\nstreet = "Main 1"\ncity = "Gent"\npostal_code = "9000"\n'
        'country = "BE"\niban = "BE71 0961 2345 6769"\n'
    )
    out = tmp_path / "inv.xml"
    render = ["invoice", "render", "INV-000001", "--url", url, "-f", "ubl", "--seller", str(seller)]
    refused = CliRunner().invoke(cli(), [*render, "-o", str(out)])
    assert refused.exit_code == 1 and "buyer.endpoint" in refused.output
    assert "--buyer-endpoint SCHEME:ID" in refused.output and not out.exists()
    given = CliRunner().invoke(
        cli(), [*render, "-o", str(out), "--buyer-endpoint", "0088:7300010000001"]
    )
    assert given.exit_code == 0, given.output
    doc = out.read_bytes()
    endpoint = "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"
    assert text(doc, endpoint) == ["7300010000001"]
    assert etree.fromstring(doc).xpath(f"{endpoint}/@schemeID", namespaces=NS) == ["0088"]
    assert_conforms(validator.validate(doc))
    for wrong, why in (("7300010000001", "SCHEME:ID"), ("88:7300010000001", "EAS code")):
        result = CliRunner().invoke(cli(), [*render, "--buyer-endpoint", wrong])
        assert result.exit_code == 2 and "Traceback" not in result.output
        (line,) = result.output.strip().splitlines()
        assert line.startswith(f"error: --buyer-endpoint {wrong}:") and why in line
