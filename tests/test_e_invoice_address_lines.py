"""A customer's address of several lines reaches the e-invoice as lines, not as one street.

UBL / PEPPOL BIS 3 gives an address three lines: the street (BT-50, ``cbc:StreetName``), an
additional line (BT-51, ``cbc:AdditionalStreetName``) and a third (BT-163, one
``cac:AddressLine/cbc:Line``). A buyer registered with "Kade 2", "Building B" and "Attn.
purchasing" on three lines gets one in each, and a fourth or later line is kept in the third,
after a comma; no element carries a line break. The seller's street is written the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import attrs
import pytest
from test_beancount_ledger import issue, manual_line
from test_ubl import CONFORMANCE, SELLER, assert_conforms, require_shared, text

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_core import QuoteToCash, TaxCategory, TaxRate

V21 = TaxRate(TaxCategory.STANDARD, 21)
BUYER = "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"
SELLER_ADDRESS = "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"


@pytest.fixture(scope="module")
def validator() -> Iterator[PeppolValidator]:
    require_shared(CONFORMANCE / "rules" / "PEPPOL-EN16931-UBL.xslt")
    yield PeppolValidator(CONFORMANCE)


def invoice_to(address: str, renderer_seller: object = SELLER) -> bytes:
    """The UBL of an ordinary invoice to a Dutch buyer registered with ``address``."""
    app = QuoteToCash.open("memory:")
    customer = app.register_customer(
        "Buyer BV", "EUR", account_manager="mia", actor="a", country="NL",
        tax_id="NL123456789B01", address=address, city="Utrecht", postal_code="3511 AA",
    )  # fmt: skip
    invoice = app.draft_invoice(
        customer, [manual_line("Work", "100", V21)], drafted_on=date(2024, 5, 1), actor="b"
    )
    issue(app, invoice, date(2024, 5, 2))
    return UblRenderer(app, renderer_seller).render(invoice)  # type: ignore[arg-type]


def test_three_address_lines_go_to_street_additional_street_and_address_line(
    validator: PeppolValidator,
) -> None:
    doc = invoice_to("Kade 2\nBuilding B\nAttn. purchasing")
    assert text(doc, f"{BUYER}/cbc:StreetName") == ["Kade 2"]
    assert text(doc, f"{BUYER}/cbc:AdditionalStreetName") == ["Building B"]
    assert text(doc, f"{BUYER}/cac:AddressLine/cbc:Line") == ["Attn. purchasing"]
    assert text(doc, f"{BUYER}/cbc:CityName") == ["Utrecht"]
    assert b"\n    Building" not in doc and b"Kade 2\n" not in doc
    assert_conforms(validator.validate(doc))


def test_blank_lines_and_windows_line_ends_are_dropped_and_a_fourth_line_is_kept(
    validator: PeppolValidator,
) -> None:
    """ "Kade 2\\r\\n\\r\\n  Building B \\r\\nFloor 3\\r\\nAttn. purchasing": the blank line
    and the spaces go, the fourth line follows the third after a comma, nothing is lost."""
    doc = invoice_to("Kade 2\r\n\r\n  Building B \r\nFloor 3\r\nAttn. purchasing")
    assert text(doc, f"{BUYER}/cbc:StreetName") == ["Kade 2"]
    assert text(doc, f"{BUYER}/cbc:AdditionalStreetName") == ["Building B"]
    assert text(doc, f"{BUYER}/cac:AddressLine/cbc:Line") == ["Floor 3, Attn. purchasing"]
    assert b"\r" not in doc and b"&#13;" not in doc
    assert_conforms(validator.validate(doc))


def test_a_one_line_address_is_just_the_street(validator: PeppolValidator) -> None:
    doc = invoice_to("Kade 2")
    assert text(doc, f"{BUYER}/cbc:StreetName") == ["Kade 2"]
    assert text(doc, f"{BUYER}/cbc:AdditionalStreetName") == []
    assert text(doc, f"{BUYER}/cac:AddressLine/cbc:Line") == []
    assert_conforms(validator.validate(doc))


def test_the_sellers_street_of_two_lines_is_written_the_same_way(
    validator: PeppolValidator,
) -> None:
    seller = attrs.evolve(SELLER, street="Main 1\nUnit 4")
    doc = invoice_to("Kade 2", seller)
    assert text(doc, f"{SELLER_ADDRESS}/cbc:StreetName") == ["Main 1"]
    assert text(doc, f"{SELLER_ADDRESS}/cbc:AdditionalStreetName") == ["Unit 4"]
    assert_conforms(validator.validate(doc))
