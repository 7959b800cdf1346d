"""Norwegian and Swedish sellers: what PEPPOL's national rules refuse is refused by name first.

Found by review: a Norwegian seller's profile with its VAT id written ``NO974760673`` (without
the ``MVA`` the Norwegian VAT register adds) and a Swedish seller's with its organisation number
written ``556036-0793`` or a VAT id ``SE5560360793`` (12 characters) were taken, and every
e-invoice they made failed a fatal rule of PEPPOL BIS 3.0.18 (NO-R-001; SE-R-001, SE-R-002,
SE-R-003, SE-R-004, SE-R-013), as did a Swedish seller's invoice at a standard rate Sweden does
not have (21 %: SE-R-006, only 25, 12 and 6). The profile refuses the identifiers (naming
``seller.vat_id`` / ``seller.registration_id``), and the UBL writer the rate (``lines.tax``),
before any XML is written; the documents written instead conform.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import attrs
import pytest
from test_beancount_ledger import issue, manual_line
from test_ubl import assert_conforms, validator  # noqa: F401 (the fixture)

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.seller import Endpoint, SellerProfile
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_core import InvalidValue, QuoteToCash, TaxRate

NORDLYS = SellerProfile(
    legal_name="Nordlys AS",
    registration_id="974760673",
    vat_id="NO974760673MVA",
    street="Karl Johans gate 1",
    city="Oslo",
    postal_code="0154",
    country="NO",
    iban="NO93 8601 1117 947",
    endpoint=Endpoint("0192", "974760673"),
)
SVEA = SellerProfile(
    legal_name="Svea AB",
    registration_id="5560360793",
    vat_id="SE556036079301",
    street="Drottninggatan 1",
    city="Stockholm",
    postal_code="11151",
    country="SE",
    iban="SE45 5000 0000 0583 9825 7466",
    endpoint=Endpoint("0007", "5560360793"),
)
DAY = date(2024, 3, 1)


def invoice_at(app: QuoteToCash, rate: TaxRate) -> UUID:
    buyer = app.register_customer(
        f"Acme {rate.rate}", "EUR", account_manager="mia", actor="a", tax_rate=rate,
        country="BE", tax_id="BE0123456749", address="Rue 1", city="Gent", postal_code="9000",
    )  # fmt: skip
    invoice = app.draft_invoice(buyer, [manual_line("L1", "100", rate)], drafted_on=DAY, actor="b")
    issue(app, invoice, DAY)
    return invoice


@pytest.mark.parametrize(
    ("seller", "field", "value", "rule"),
    [
        (NORDLYS, "vat_id", "NO974760673", "NO-R-001"),
        (NORDLYS, "vat_id", "NO974760674MVA", "NO-R-001"),
        (SVEA, "vat_id", "SE5560360793", "SE-R-001"),
        (SVEA, "vat_id", "SE5560360793AB", "SE-R-002"),
        (SVEA, "registration_id", "556036-0793", "SE-R-004"),
        (SVEA, "registration_id", "5560360794", "SE-R-013"),
    ],
)
def test_a_national_identifier_its_rules_refuse_is_refused_in_the_profile(
    seller: SellerProfile, field: str, value: str, rule: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        attrs.evolve(seller, **{field: value})
    assert refused.value.field == f"seller.{field}"
    assert rule in str(refused.value)


def test_a_swedish_seller_bills_only_swedens_standard_rates(
    validator: PeppolValidator,  # noqa: F811
) -> None:
    app = QuoteToCash.open("memory:")
    wrong = invoice_at(app, TaxRate.standard(21))
    with pytest.raises(InvalidValue) as refused:
        UblRenderer(app, SVEA).render(wrong)
    assert refused.value.field == "lines.tax"
    assert "SE-R-006" in str(refused.value)
    right = invoice_at(app, TaxRate.standard(25))
    assert_conforms(validator.validate(UblRenderer(app, SVEA).render(right)))


def test_norwegian_and_swedish_sellers_documents_conform(
    validator: PeppolValidator,  # noqa: F811
) -> None:
    app = QuoteToCash.open("memory:")
    invoice = invoice_at(app, TaxRate.standard(25))
    for seller in (NORDLYS, SVEA):
        assert_conforms(validator.validate(UblRenderer(app, seller).render(invoice)))
