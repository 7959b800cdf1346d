"""A buyer's PEPPOL address, when none is given, is the one of its VAT id: the VAT id's own
country's scheme, not the scheme of the country its address is in.

Dutch firm Kaasmakers BV is registered for VAT in the Netherlands (NL123456789B01) and has its
invoices sent to its Antwerp branch (address country BE). PEPPOL's directory knows it as
``9944:NL123456789B01`` (9944: Netherlands VAT number). q2c addressed its e-invoice to
``9925:NL123456789B01`` (9925: *Belgian* VAT number), an address nobody holds: every rule passes,
and the access point cannot deliver it. The scheme now follows the VAT id's prefix (Greece's
``EL`` is the Greek scheme), and the address country only where the prefix names no scheme.
"""

from __future__ import annotations

from datetime import date

from lxml import etree
from test_beancount_ledger import issue, manual_line
from test_ubl import NS, SELLER, assert_conforms, validator  # noqa: F401 (the fixture)

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.seller import BuyerParty, Endpoint
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_core import QuoteToCash, TaxRate

DAY = date(2024, 3, 1)


def buyer_endpoint(doc: bytes) -> tuple[str, str]:
    (element,) = etree.fromstring(doc).xpath(
        "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", namespaces=NS
    )
    return element.get("schemeID"), element.text


def test_a_dutch_firm_with_a_belgian_address_is_addressed_by_its_dutch_vat_id(
    validator: PeppolValidator,  # noqa: F811
) -> None:
    app = QuoteToCash.open("memory:")
    kaas = app.register_customer(
        "Kaasmakers BV", "EUR", account_manager="mia", actor="a", tax_rate=TaxRate.standard(21),
        country="BE", tax_id="NL123456789B01", address="Meir 1", city="Antwerpen",
        postal_code="2000",
    )  # fmt: skip
    invoice = app.draft_invoice(
        kaas, [manual_line("L1", "100", TaxRate.standard(21))], drafted_on=DAY, actor="billy"
    )
    issue(app, invoice, DAY)

    doc = UblRenderer(app, SELLER).render(invoice)

    assert buyer_endpoint(doc) == ("9944", "NL123456789B01")
    assert_conforms(validator.validate(doc))


def test_the_scheme_follows_the_vat_ids_prefix_and_the_country_only_without_one() -> None:
    assert Endpoint.from_vat("NL123456789B01", "BE") == Endpoint("9944", "NL123456789B01")
    assert Endpoint.from_vat("EL094259216", "GR") == Endpoint("9933", "EL094259216")
    assert Endpoint.from_vat("EL094259216", "CY") == Endpoint("9933", "EL094259216")
    assert Endpoint.from_vat("BE0123456749", "BE") == Endpoint("9925", "BE0123456749")
    # XI (Northern Ireland) has no scheme of its own: the address country's (GB) is used
    assert Endpoint.from_vat("XI123456789", "GB") == Endpoint("9932", "XI123456789")


def test_a_buyer_party_built_from_the_customer_takes_the_vat_ids_scheme() -> None:
    app = QuoteToCash.open("memory:")
    kaas = app.register_customer(
        "Kaasmakers BV", "EUR", account_manager="mia", actor="a",
        country="BE", tax_id="NL123456789B01", address="Meir 1",
    )  # fmt: skip
    buyer = BuyerParty.from_customer(app.customer(kaas))
    assert buyer.endpoint == Endpoint("9944", "NL123456789B01")
    assert buyer.country == "BE"  # (the postal address stays where it is)
