"""A PEPPOL address that the network's rules would refuse never reaches an e-invoice.

A buyer's or seller's electronic address (EndpointID, BT-34 / BT-49) is a scheme from the EAS
code list and an identifier its scheme's rule accepts (a GLN's check digit, a Belgian enterprise
number's mod-97, ...). q2c refuses any other when the address is given, naming the party and the
rule, so a typo is caught at the keyboard rather than by the receiving access point; the CLI
says so in one line and exits 2. What the rules only warn about (the Italian formats) is
accepted, as the rules accept it. What q2c accepts and what the official PEPPOL BIS 3.0.18 rules
accept are checked against each other on real documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from lxml import etree
from test_beancount_ledger import issue, manual_line
from test_cli_documents import cli
from test_ubl import CONFORMANCE, NS, SELLER, assert_conforms, require_shared
from typer.testing import CliRunner

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.seller import (
    EAS_SCHEMES,
    VAT_SCHEMES,
    BuyerParty,
    Endpoint,
    SellerProfile,
)
from q2c_adapters.accounting.ubl import ubl_document
from q2c_core import InvalidValue, QuoteToCash, TaxCategory, TaxRate
from q2c_core.domain.customer import Customer
from q2c_core.domain.invoice import Invoice

V21 = TaxRate(TaxCategory.STANDARD, 21)

# (scheme, identifier, accepted by the PEPPOL BIS 3.0.18 rules)
SAMPLES: list[tuple[str, str, bool]] = [
    ("0088", "7300010000001", True),
    ("0088", "7300010000002", False),  # wrong GS1 check digit (PEPPOL-COMMON-R040)
    ("0088", "a:b", False),
    ("0088", "730001000000I", False),
    ("0192", "923609016", True),
    ("0192", "923609017", False),  # PEPPOL-COMMON-R041
    ("0184", "DK12345678", True),
    ("0184", "12345678", False),  # PEPPOL-COMMON-R042
    ("0208", "0123456749", True),
    ("0208", "0123456748", False),  # PEPPOL-COMMON-R043
    # the Italian rules only warn (R044, R045, R047): the document conforms, q2c accepts it
    ("0201", "UF-B3Z", True),
    ("0210", "RSSMRA85T10A562", True),
    ("0211", "IT12345678901", True),
    ("0007", "5560360793", True),
    ("0007", "5560360794", False),  # PEPPOL-COMMON-R049
    ("0151", "51824753556", True),
    ("0151", "51824753557", False),  # PEPPOL-COMMON-R050
    ("9930", "DE123456789", True),
    ("9999", "abc", False),  # no EAS code (BR-CL-25, PEPPOL-EN16931-CL008)
    ("9907", "RSSMRA85T10A562S", False),  # PEPPOL's list has it, EN 16931's does not
    ("0194", "12345", False),  # EN 16931's list has it, PEPPOL's does not
    ("AN", "12345", False),
]


@pytest.fixture(scope="module")
def validator() -> Iterator[PeppolValidator]:
    require_shared(CONFORMANCE / "rules" / "PEPPOL-EN16931-UBL.xslt")
    yield PeppolValidator(CONFORMANCE)


def buyer_bv_invoiced(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Buyer BV (NL) registered and invoiced 100.00 at 21 %, issued 2 May 2024:
    (customer, invoice)."""
    customer = app.register_customer(
        "Buyer BV", "EUR", account_manager="mia", actor="a", country="NL",
        tax_id="NL123456789B01", address="Kade 2",
    )  # fmt: skip
    invoice = app.draft_invoice(
        customer, [manual_line("Work", "100", V21)], drafted_on=date(2024, 5, 1), actor="billy"
    )
    issue(app, invoice, date(2024, 5, 2))
    return customer, invoice


def a_conforming_invoice() -> bytes:
    """A Belgian seller's ordinary invoice to a Dutch buyer, addressed by its GLN."""
    app = QuoteToCash.open("memory:")
    customer, invoice = buyer_bv_invoiced(app)
    buyer = BuyerParty.from_customer(
        app._get(Customer, customer), endpoint=Endpoint("0088", "7300010000001")
    )
    return ubl_document(app._get(Invoice, invoice), seller=SELLER, buyer=buyer)


def addressed(doc: bytes, party: str, scheme: str, identifier: str) -> bytes:
    """The document with the party's EndpointID replaced, as if q2c had written it."""
    root = etree.fromstring(doc)
    (endpoint,) = root.xpath(f"cac:{party}/cac:Party/cbc:EndpointID", namespaces=NS)
    endpoint.text = identifier
    endpoint.set("schemeID", scheme)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def accepted(scheme: str, identifier: str) -> bool:
    try:
        Endpoint(scheme, identifier)
    except InvalidValue:
        return False
    return True


def test_q2c_accepts_exactly_the_addresses_the_peppol_rules_accept(
    validator: PeppolValidator,
) -> None:
    """For buyer and seller alike, each sample address is accepted by q2c if and only if the
    official rules find nothing fatal in an invoice carrying it."""
    doc = a_conforming_invoice()
    assert_conforms(validator.validate(doc))
    for party in ("AccountingCustomerParty", "AccountingSupplierParty"):
        for scheme, identifier, valid in SAMPLES:
            result = validator.validate(addressed(doc, party, scheme, identifier))
            rules = sorted({f.rule for f in result.fatal})
            assert (rules == []) is valid, (party, scheme, identifier, rules)
            assert accepted(scheme, identifier) is valid, (scheme, identifier)


def test_the_eas_code_list_is_what_both_shipped_rule_sets_allow() -> None:
    """q2c's EAS list is exactly the codes EN 16931's BR-CL-25 and PEPPOL's CL008 share in the
    conformance version shipped (3.0.18), and every VAT-derived scheme is among them."""
    rules = CONFORMANCE / "rules"
    require_shared(rules / "PEPPOL-EN16931-UBL.xslt")
    cen = (rules / "CEN-EN16931-UBL.xslt").read_text(encoding="utf-8")
    peppol = (rules / "PEPPOL-EN16931-UBL.xslt").read_text(encoding="utf-8")
    cen_codes = re.search(
        r"match=\"cbc:EndpointID\[@schemeID\]\".*?contains\(' ([0-9A-Z ]+) ', concat", cen, re.S
    )
    peppol_codes = re.search(r"name=\"eaid\" select=\"tokenize\('([0-9A-Z ]+)'", peppol)
    assert cen_codes is not None and peppol_codes is not None
    shared = set(cen_codes.group(1).split()) & set(peppol_codes.group(1).split())
    assert set(EAS_SCHEMES) == shared
    assert set(VAT_SCHEMES.values()) <= shared


def test_a_wrong_address_is_refused_naming_the_party_and_the_rule() -> None:
    """A GLN with a wrong check digit names PEPPOL-COMMON-R040; a scheme outside the list names
    BR-CL-25; the party is named when it is known (a seller's Belgian enterprise number with a
    wrong check, PEPPOL-COMMON-R043); spaces around the parts are dropped."""
    with pytest.raises(InvalidValue) as gln:
        Endpoint.of("0088", "7300010000002", "buyer.endpoint")
    assert gln.value.field == "buyer.endpoint.identifier"
    assert "PEPPOL-COMMON-R040" in gln.value.rule
    with pytest.raises(InvalidValue) as scheme:
        Endpoint("9999", "abc")
    assert scheme.value.field == "endpoint.scheme" and "BR-CL-25" in scheme.value.rule
    with pytest.raises(InvalidValue) as seller:
        SellerProfile(
            legal_name="Q2C BV", registration_id="123", vat_id="BE0123456749", street="Main 1",
            city="Gent", postal_code="9000", country="BE", iban="BE71 0961 2345 6769",
            endpoint=Endpoint.of("0208", "0123456748", "seller.endpoint"),
        )  # fmt: skip
    assert seller.value.field == "seller.endpoint.identifier"
    assert "PEPPOL-COMMON-R043" in seller.value.rule
    assert Endpoint(" 0088 ", " 7300010000001 ") == Endpoint("0088", "7300010000001")


def test_the_cli_refuses_a_wrong_endpoint_in_one_line_with_exit_2(tmp_path: Path) -> None:
    """`--buyer-endpoint 9999:abc` or `0088:a:b`, or a seller file naming a wrong endpoint: one
    line naming the option or file, the field and the rule, exit 2, no document written."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    app = QuoteToCash.open(url)
    try:
        buyer_bv_invoiced(app)
    finally:
        app.close()
    seller = tmp_path / "seller.toml"
    seller_text = (
        'legal_name = "Q2C Services BV"\nregistration_id = "0123456749"\n'
        'vat_id = "BE0123456749"\nstreet = "Main 1"\ncity = "Gent"\npostal_code = "9000"\n'
        'country = "BE"\niban = "BE71 0961 2345 6769"\n'
    )
    seller.write_text(seller_text)
    out = tmp_path / "inv.xml"
    render = ["invoice", "render", "INV-000001", "--url", url, "-f", "ubl", "-o", str(out)]
    for wrong, why in (
        ("9999:abc", "buyer.endpoint.scheme: '9999' is not an EAS code"),
        ("0088:a:b", "buyer.endpoint.identifier: 'a:b' under scheme 0088"),
        ("0088:7300010000002", "PEPPOL-COMMON-R040"),
    ):
        result = CliRunner().invoke(
            cli(), [*render, "--seller", str(seller), "--buyer-endpoint", wrong]
        )
        assert result.exit_code == 2 and "Traceback" not in result.output
        (line,) = result.output.strip().splitlines()
        assert line.startswith(f"error: --buyer-endpoint {wrong}:") and why in line
        assert not out.exists()
    seller.write_text(seller_text + 'endpoint = "0208:0123456748"\n')
    result = CliRunner().invoke(cli(), [*render, "--seller", str(seller)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert "seller.endpoint.identifier" in line and "PEPPOL-COMMON-R043" in line
    assert not out.exists()
    seller.write_text(seller_text + 'endpoint = "0208:0123456749"\n')
    result = CliRunner().invoke(cli(), [*render, "--seller", str(seller)])
    assert result.exit_code == 0, result.output
    assert b'schemeID="0208">0123456749<' in out.read_bytes()
