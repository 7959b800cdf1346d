"""Documents a reviewer found wrong: e-invoices that break EN 16931 although they promise to refuse
first, and what the seller and buyer VAT ids must look like on them.

Every UBL document here passes the official XSD and the EN 16931 and PEPPOL rules (Saxon-HE,
zero fatal assertions); what would break them is refused with a typed error naming the field and
the rule, before any XML is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest
from test_beancount_ledger import issue, manual_line
from test_ubl import CONFORMANCE, SELLER, assert_conforms, require_shared, text

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.seller import Endpoint, SellerProfile
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_core import InvalidValue, QuoteToCash, TaxCategory, TaxRate

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
    validator: PeppolValidator,
) -> None:
    """The customer's VAT id was typed as '0123456749'. Putting BE in front because the customer
    is in Belgium would be a guess (a company's VAT registration need not be its address's
    country, Greece's prefix is EL, digits alone may be a national tax number), and a wrong VAT
    id passes every rule: the e-invoice is refused naming buyer.vat_id and BR-CO-09. An invoice
    not subject to VAT carries no VAT id, so it still goes out."""
    app = QuoteToCash.open("memory:")
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
