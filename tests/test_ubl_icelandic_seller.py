"""An Icelandic seller's e-invoices pass Iceland's PEPPOL rules, or are refused by name first.

Fiskur ehf of Reykjavik gave its kennitala (5902697199) as its registration id, without saying
which register it is from. Its UBL invoice to a Belgian buyer failed IS-R-002 (an Icelandic
seller's legal id, BT-30, under scheme 0196), a fatal rule, although q2c checks the Dutch and
Danish sellers' registers (NL-R-003, DK-R-014) before any XML; and its invoice to an Icelandic
buyer failed IS-R-004 as well: between two Icelandic parties the buyer's kennitala (BT-47) is
required, and q2c wrote none. Now the seller's register is checked as the Dutch and Danish ones
are (``InvalidValue`` naming ``seller.registration_scheme``), and the buyer's kennitala is its
PEPPOL address under scheme 0196 (``--buyer-endpoint 0196:<kennitala>``, the address Iceland's
PEPPOL users have), written as its legal id; a buyer addressed otherwise is refused naming
``buyer.endpoint``, and one without street or post code (IS-R-005) naming that field.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import attrs
import pytest
from lxml import etree
from test_beancount_ledger import issue, manual_line
from test_ubl import NS, assert_conforms, validator  # noqa: F401 (the fixture)

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.seller import Endpoint, SellerProfile
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_core import InvalidValue, QuoteToCash, TaxRate

FISKUR = SellerProfile(
    legal_name="Fiskur ehf",
    registration_id="5902697199",
    registration_scheme="0196",
    vat_id="IS123456",
    street="Laugavegur 1",
    city="Reykjavik",
    postal_code="101",
    country="IS",
    iban="IS14 0159 2600 7654 5510 7303 39",
    endpoint=Endpoint("0196", "5902697199"),
)
VAT = TaxRate.standard(24)
DAY = date(2024, 3, 1)


def invoice_to(app: QuoteToCash, country: str, tax_id: str, **place: str) -> tuple[UUID, UUID]:
    buyer = app.register_customer(
        f"Buyer in {country}", "EUR", account_manager="mia", actor="a", tax_rate=VAT,
        country=country, tax_id=tax_id, **place,
    )  # fmt: skip
    invoice = app.draft_invoice(buyer, [manual_line("L1", "100", VAT)], drafted_on=DAY, actor="b")
    issue(app, invoice, DAY)
    return buyer, invoice


def test_an_icelandic_seller_names_its_register_or_is_refused() -> None:
    app = QuoteToCash.open("memory:")
    _, invoice = invoice_to(app, "BE", "BE0123456749", address="Rue 1", postal_code="9000")
    unnamed = attrs.evolve(FISKUR, registration_scheme="")
    with pytest.raises(InvalidValue) as refused:
        UblRenderer(app, unnamed).render(invoice)
    assert refused.value.field == "seller.registration_scheme"
    assert "0196" in str(refused.value) and "IS-R-002" in str(refused.value)
    with pytest.raises(InvalidValue) as refused:
        attrs.evolve(FISKUR, registration_scheme="0106")
    assert refused.value.field == "seller.registration_scheme"


def test_an_icelandic_sellers_invoice_abroad_conforms(
    validator: PeppolValidator,  # noqa: F811
) -> None:
    app = QuoteToCash.open("memory:")
    _, invoice = invoice_to(app, "BE", "BE0123456749", address="Rue 1", postal_code="9000")
    assert_conforms(validator.validate(UblRenderer(app, FISKUR).render(invoice)))


def test_between_two_icelandic_parties_the_buyers_kennitala_is_its_legal_id(
    validator: PeppolValidator,  # noqa: F811
) -> None:
    app = QuoteToCash.open("memory:")
    buyer, invoice = invoice_to(
        app, "IS", "IS654321", address="Hafnarstraeti 5", city="Akureyri", postal_code="600"
    )
    renderer = UblRenderer(app, FISKUR, buyer_endpoints={buyer: Endpoint("0196", "4403694249")})
    doc = renderer.render(invoice)
    assert_conforms(validator.validate(doc))
    (legal_id,) = etree.fromstring(doc).xpath(
        "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
        namespaces=NS,
    )
    assert (legal_id.text, legal_id.get("schemeID")) == ("4403694249", "0196")


def test_an_icelandic_buyer_without_its_kennitala_or_street_is_refused_by_name() -> None:
    app = QuoteToCash.open("memory:")
    buyer, invoice = invoice_to(app, "IS", "IS654321", address="Hafnarstraeti 5", city="A")
    # addressed by its VAT id (no scheme for IS: an endpoint is needed) or another scheme
    with pytest.raises(InvalidValue) as refused:
        UblRenderer(app, FISKUR, buyer_endpoints={buyer: Endpoint("0088", "7300010000001")}).render(
            invoice
        )
    assert refused.value.field == "buyer.endpoint"
    assert "IS-R-004" in str(refused.value)
    # its kennitala given, but no post code (IS-R-005)
    with pytest.raises(InvalidValue) as refused:
        UblRenderer(app, FISKUR, buyer_endpoints={buyer: Endpoint("0196", "4403694249")}).render(
            invoice
        )
    assert refused.value.field == "buyer.postal_code"
