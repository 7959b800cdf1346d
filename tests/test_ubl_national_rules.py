"""E-invoices from sellers whose country's PEPPOL BIS 3.0.18 rules ask more than EN 16931: a Dutch
seller (NL-R-*) names the register of its legal registration id, KVK or OIN, and writes a Dutch
buyer's full address; a Danish seller (DK-R-*) names its CVR register and is paid by a Danish
buyer by IBAN and BIC transfer; a Greek seller, whose rules (GR-R-*) q2c does not follow, is
refused. Every document written passes the XSD and the EN 16931 and PEPPOL rules with zero fatal
findings; what those rules need and q2c was not given is refused by name before any XML is
written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_beancount_ledger import manual_line
from test_ubl import CONFORMANCE, NS, assert_conforms, require_shared, text

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.seller import Endpoint, SellerProfile
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_core import (
    CreditDisposition,
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RuleViolated,
    SourceKind,
    TaxRate,
)

DUTCH_SELLER = SellerProfile(
    legal_name="Q2C Diensten BV",
    registration_id="12345678",
    registration_scheme="0106",  # KVK, the Dutch chamber of commerce
    vat_id="NL123456789B01",
    street="Kade 1",
    city="Utrecht",
    postal_code="3511 AA",
    country="NL",
    iban="NL91 ABNA 0417 1643 00",
    bic="ABNANL2A",
)
DANISH_SELLER = SellerProfile(
    legal_name="Q2C Radgivning ApS",
    registration_id="DK12345678",
    registration_scheme="0184",  # CVR, the Danish business register
    vat_id="DK12345678",
    street="Vestergade 1",
    city="Kobenhavn",
    postal_code="1456",
    country="DK",
    iban="DK50 0040 0440 1162 43",
    bic="DABADKKK",
    endpoint=Endpoint("0184", "DK12345678"),
)
LEGAL_ID = "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"


def scheme_ids(doc: bytes) -> list[str]:
    """The schemeID of the seller's legal registration id (BT-30), if written."""
    ids = etree.fromstring(doc).xpath(f"{LEGAL_ID}/@schemeID", namespaces=NS)
    return [str(scheme) for scheme in ids]


@pytest.fixture(scope="module")
def validator() -> Iterator[PeppolValidator]:
    """The XSD and both rule sets, compiled once for the module (Saxon compiles slowly)."""
    require_shared(CONFORMANCE / "rules" / "PEPPOL-EN16931-UBL.xslt")
    yield PeppolValidator(CONFORMANCE)


def issue(app: QuoteToCash, invoice_id: UUID, on: date) -> None:
    app.approve_invoice(invoice_id, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice_id, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice_id, issued_on=on, actor="bea")


def consulting_billed_and_credited(
    app: QuoteToCash,
    country: str,
    tax_id: str,
    *,
    rate: int = 21,
    name: str = "Havenbedrijf",
    **place: str,
) -> tuple[UUID, UUID]:
    """A day of consulting (1,000 at ``rate`` %) billed to a customer in ``country`` on 2 May,
    then credited in full on 3 May (wrong project). Returns the invoice and the credit note.
    ``place`` is the customer's address, city and post code."""
    customer = app.register_customer(
        name,
        "EUR",
        account_manager="mia",
        actor="bea",
        country=country,
        tax_id=tax_id,
        **place,
    )
    line = InvoiceLine(
        line_id="1",
        description="Consulting, 1 day",
        quantity=Decimal(1),
        unit_price=Money.of("1000", "EUR"),
        tax=TaxRate.standard(rate),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=date(2024, 5, 1), actor="bea")
    issue(app, invoice, date(2024, 5, 2))
    note = app.draft_credit_note(
        invoice,
        line_ids=["1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="wrong project",
        drafted_on=date(2024, 5, 3),
        actor="bea",
    )
    issue(app, note, date(2024, 5, 3))
    return invoice, note


DUTCH_BUYER = {"address": "Wilhelminakade 909", "city": "Rotterdam", "postal_code": "3072 AP"}


@pytest.mark.parametrize(
    ("country", "tax_id", "place"),
    [("BE", "BE0123456749", {"address": "Street 2"}), ("NL", "NL987654321B01", DUTCH_BUYER)],
)
@pytest.mark.parametrize("scheme", ["0106", "0190"])
def test_a_dutch_sellers_documents_name_its_register_and_conform(
    validator: PeppolValidator, country: str, tax_id: str, place: dict[str, str], scheme: str
) -> None:
    """Q2C Diensten BV (Utrecht) bills a day of consulting and credits it, to a Belgian and to
    a Dutch customer: its KVK (or OIN) number is written with its scheme, and the invoice and
    the credit note pass every rule, NL-R-003 among them."""
    app = QuoteToCash.open("memory:")
    invoice, note = consulting_billed_and_credited(app, country, tax_id, **place)
    renderer = UblRenderer(app, attrs.evolve(DUTCH_SELLER, registration_scheme=scheme))
    for document in (invoice, note):
        doc = renderer.render(document)
        assert_conforms(validator.validate(doc))
        assert text(doc, LEGAL_ID) == ["12345678"]
        assert scheme_ids(doc) == [scheme]
    assert text(renderer.render(invoice), "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["1210.00"]


def test_a_dutch_seller_without_its_register_is_refused_before_any_xml() -> None:
    """Configured without the register of its registration id, a Dutch seller's invoice and
    credit note are refused naming ``seller.registration_scheme`` and NL-R-003."""
    app = QuoteToCash.open("memory:")
    ids = consulting_billed_and_credited(app, "BE", "BE0123456749", address="Street 2")
    renderer = UblRenderer(app, attrs.evolve(DUTCH_SELLER, registration_scheme=""))
    for document in ids:
        with pytest.raises(InvalidValue) as refused:
            renderer.render(document)
        assert refused.value.field == "seller.registration_scheme"
        assert "NL-R-003" in str(refused.value)
        assert "0106" in str(refused.value)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=st.from_regex(r"\d{4}", fullmatch=True))
def test_a_dutch_seller_names_only_a_dutch_register(scheme: str) -> None:
    """Any 4-digit ICD code is a register; a Dutch seller's is KVK (0106) or OIN (0190), and
    another one is refused when the profile is made, naming the field and the rule."""
    if scheme in ("0106", "0190"):
        assert attrs.evolve(DUTCH_SELLER, registration_scheme=scheme).registration_scheme == scheme
        return
    with pytest.raises(InvalidValue) as refused:
        attrs.evolve(DUTCH_SELLER, registration_scheme=scheme)
    assert refused.value.field == "seller.registration_scheme"
    assert "NL-R-003" in str(refused.value)


@pytest.mark.parametrize("scheme", ["KVK", "106", "01060", 106])
def test_a_register_is_a_four_digit_icd_code(scheme: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        attrs.evolve(DUTCH_SELLER, registration_scheme=scheme)
    assert refused.value.field == "seller.registration_scheme"


def test_a_sellers_register_is_optional_where_no_rule_asks_for_it(
    validator: PeppolValidator,
) -> None:
    """A Belgian seller may leave the register out (its id is written as before) or name it."""
    belgian = attrs.evolve(
        DUTCH_SELLER,
        country="BE",
        vat_id="BE0123456749",
        registration_id="0123456749",
        registration_scheme="",
        iban="BE71 0961 2345 6769",
        bic="",
    )
    app = QuoteToCash.open("memory:")
    invoice, _ = consulting_billed_and_credited(app, "BE", "BE0123456749", address="Street 2")
    doc = UblRenderer(app, belgian).render(invoice)
    assert_conforms(validator.validate(doc))
    assert scheme_ids(doc) == []
    named = UblRenderer(app, attrs.evolve(belgian, registration_scheme=" 0208 ")).render(invoice)
    assert_conforms(validator.validate(named))
    assert scheme_ids(named) == ["0208"]


@pytest.mark.parametrize(
    ("place", "field"),
    [
        ({"address": "Wilhelminakade 909", "postal_code": "3072 AP"}, "buyer.city"),
        ({"address": "Wilhelminakade 909", "city": "Rotterdam"}, "buyer.postal_code"),
        (
            {"address": "Wilhelminakade 909", "city": "Rotterdam", "postal_code": " "},
            "buyer.postal_code",
        ),
        ({"city": "Rotterdam", "postal_code": "3072 AP"}, "buyer.address"),
    ],
)
def test_a_dutch_buyer_without_its_full_address_is_refused_before_any_xml(
    place: dict[str, str], field: str
) -> None:
    """A Dutch seller's documents to a Dutch buyer carry the buyer's street, city and post code
    (NL-R-004): registered without one, the invoice and its credit note are refused naming it."""
    app = QuoteToCash.open("memory:")
    ids = consulting_billed_and_credited(app, "NL", "NL987654321B01", **place)
    renderer = UblRenderer(app, DUTCH_SELLER)
    for document in ids:
        with pytest.raises(InvalidValue) as refused:
            renderer.render(document)
        assert refused.value.field == field
        assert "NL-R-004" in str(refused.value)


def test_a_dutch_seller_to_a_belgian_buyer_needs_no_city(validator: PeppolValidator) -> None:
    """NL-R-004 applies between two Dutch parties only: a Belgian buyer with its address in one
    line (no city, no post code) gets an invoice and a credit note that conform."""
    app = QuoteToCash.open("memory:")
    ids = consulting_billed_and_credited(app, "BE", "BE0123456749", address="Rue 2, Bruxelles")
    renderer = UblRenderer(app, DUTCH_SELLER)
    for document in ids:
        assert_conforms(validator.validate(renderer.render(document)))


def test_a_dutch_buyers_city_corrected_reaches_the_next_document(
    validator: PeppolValidator,
) -> None:
    """Registered without city and post code, Havenbedrijf's invoice is refused; once its
    details are corrected, the next invoice carries them and conforms."""
    app = QuoteToCash.open("memory:")
    invoice, _ = consulting_billed_and_credited(
        app, "NL", "NL987654321B01", address="Wilhelminakade 909"
    )
    renderer = UblRenderer(app, DUTCH_SELLER)
    with pytest.raises(InvalidValue):
        renderer.render(invoice)
    customer = app.invoice(invoice).customer_id
    app.correct_customer_details(customer, actor="bea", city="Rotterdam", postal_code="3072 AP")
    later = app.draft_invoice(
        customer,
        [
            InvoiceLine(
                line_id="1",
                description="Consulting, half a day",
                quantity=Decimal(1),
                unit_price=Money.of("500", "EUR"),
                tax=TaxRate.standard(21),
                source=LineSource(SourceKind.MANUAL, note="agreed"),
            )
        ],
        drafted_on=date(2024, 6, 1),
        actor="bea",
    )
    issue(app, later, date(2024, 6, 1))
    doc = renderer.render(later)
    assert_conforms(validator.validate(doc))
    address = "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"
    assert text(doc, f"{address}/cbc:CityName") == ["Rotterdam"]
    assert text(doc, f"{address}/cbc:PostalZone") == ["3072 AP"]
    assert text(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["605.00"]


DANISH_BUYER = {"address": "Havnegade 2", "city": "Aarhus", "postal_code": "8000"}


def danish_renderer(app: QuoteToCash, seller: SellerProfile = DANISH_SELLER) -> UblRenderer:
    """The renderer, with each Danish customer addressed by its CVR number (0184)."""
    endpoints = {
        customer.id: Endpoint("0184", customer.details.tax_id)
        for customer in app.customers()
        if customer.details.country == "DK"
    }
    return UblRenderer(app, seller, buyer_endpoints=endpoints)


@pytest.mark.parametrize(
    ("country", "tax_id", "place", "means"),
    [
        ("BE", "BE0123456749", {"address": "Street 2"}, "30"),
        ("DK", "DK87654321", DANISH_BUYER, "31"),
    ],
)
def test_a_danish_sellers_documents_name_its_cvr_register_and_conform(
    validator: PeppolValidator, country: str, tax_id: str, place: dict[str, str], means: str
) -> None:
    """Q2C Radgivning ApS bills a day of consulting at 25 % and credits it, to a Belgian and to
    a Danish customer: its CVR number carries scheme 0184 (DK-R-014), the Danish customer is
    asked for a transfer to IBAN and BIC (31, DK-R-005), and every document conforms."""
    app = QuoteToCash.open("memory:")
    invoice, note = consulting_billed_and_credited(app, country, tax_id, rate=25, **place)
    renderer = danish_renderer(app)
    for document in (invoice, note):
        doc = renderer.render(document)
        assert_conforms(validator.validate(doc))
        assert text(doc, LEGAL_ID) == ["DK12345678"]
        assert scheme_ids(doc) == ["0184"]
    doc = renderer.render(invoice)
    assert text(doc, "cac:PaymentMeans/cbc:PaymentMeansCode") == [means]
    account = "cac:PaymentMeans/cac:PayeeFinancialAccount"
    assert text(doc, f"{account}/cbc:ID") == ["DK5000400440116243"]
    assert text(doc, f"{account}/cac:FinancialInstitutionBranch/cbc:ID") == ["DABADKKK"]
    assert text(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["1250.00"]


def test_a_danish_seller_without_its_register_is_refused_before_any_xml() -> None:
    app = QuoteToCash.open("memory:")
    ids = consulting_billed_and_credited(app, "BE", "BE0123456749", rate=25, address="Street 2")
    renderer = UblRenderer(app, attrs.evolve(DANISH_SELLER, registration_scheme=""))
    for document in ids:
        with pytest.raises(InvalidValue) as refused:
            renderer.render(document)
        assert refused.value.field == "seller.registration_scheme"
        assert "DK-R-014" in str(refused.value) and "0184" in str(refused.value)


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"registration_scheme": "0106"}, "seller.registration_scheme", "DK-R-014"),
        ({"registration_id": "12345678"}, "seller.registration_id", "PEPPOL-COMMON-R042"),
        ({"registration_id": "DK1234567"}, "seller.registration_id", "PEPPOL-COMMON-R042"),
    ],
)
def test_a_danish_sellers_register_is_cvr_written_as_peppol_writes_it(
    change: dict[str, str], field: str, rule: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        attrs.evolve(DANISH_SELLER, **change)
    assert refused.value.field == field
    assert rule in str(refused.value)


def test_a_danish_seller_without_a_bic_cannot_ask_a_danish_buyer_for_payment(
    validator: PeppolValidator,
) -> None:
    """Without the seller's BIC the invoice to a Danish buyer is refused naming seller.bic; its
    credit note, which asks for no payment, is written and conforms; a Belgian buyer's invoice
    (paid by credit transfer, 30) needs no BIC."""
    app = QuoteToCash.open("memory:")
    invoice, note = consulting_billed_and_credited(app, "DK", "DK87654321", rate=25, **DANISH_BUYER)
    renderer = danish_renderer(app, attrs.evolve(DANISH_SELLER, bic=""))
    with pytest.raises(InvalidValue) as refused:
        renderer.render(invoice)
    assert refused.value.field == "seller.bic"
    assert "DK-R-005" in str(refused.value)
    assert_conforms(validator.validate(renderer.render(note)))
    belgian, _ = consulting_billed_and_credited(
        app, "BE", "BE0123456749", rate=25, name="Brasserie", address="Street 2"
    )
    assert_conforms(validator.validate(renderer.render(belgian)))


def test_a_danish_credit_note_that_makes_a_danish_buyer_owe_more_is_refused() -> None:
    """A deposit of 1,000 deducted from a 2,000 final invoice was never paid; crediting only the
    deduction gives a credit note of -1,250.00. Between Danish parties a credit note cannot
    have a negative total (DK-R-016): refused, naming the total, before any XML."""
    app = QuoteToCash.open("memory:")
    customer = app.register_customer(
        "Havnen A/S", "EUR", account_manager="mia", actor="bea", country="DK",
        tax_id="DK87654321", tax_rate=TaxRate.standard(25), **DANISH_BUYER,
    )  # fmt: skip
    deposit = app.draft_deposit_invoice(
        customer, Money.of("1000.00", "EUR"), description="Deposit",
        drafted_on=date(2024, 5, 1), actor="bea",
    )  # fmt: skip
    issue(app, deposit, date(2024, 5, 1))
    final = app.draft_invoice(
        customer, [manual_line("L1", "2000.00", TaxRate.standard(25))],
        drafted_on=date(2024, 5, 3), actor="bea",
    )  # fmt: skip
    app.deduct_deposit(final, deposit, actor="bea")
    issue(app, final, date(2024, 5, 4))
    note = app.draft_credit_note(
        final, line_ids=["L2"], disposition=CreditDisposition.REBILLABLE,
        reason="deposit was never paid", drafted_on=date(2024, 5, 5), actor="bea",
    )  # fmt: skip
    issue(app, note, date(2024, 5, 5))
    assert app.invoice(note).total == Money.of("-1250.00", "EUR")
    with pytest.raises(RuleViolated) as refused:
        danish_renderer(app).render(note)
    assert refused.value.field == "total"
    assert "DK-R-016" in str(refused.value)


GREEK_SELLER = SellerProfile(
    legal_name="Q2C Symvouleftiki AE",
    registration_id="123456789",
    vat_id="EL094259216",
    street="Ermou 1",
    city="Athina",
    postal_code="10563",
    country="GR",
    iban="GR16 0110 1250 0000 0001 2300 695",
)


@pytest.mark.parametrize(
    ("seller", "field", "value"),
    [
        (GREEK_SELLER, "seller.country", "GR"),
        # the rules take a seller's country from its VAT id first: Greek by EL
        (
            attrs.evolve(GREEK_SELLER, country="BE", endpoint=Endpoint("9933", "EL094259216")),
            "seller.vat_id",
            "EL094259216",
        ),
    ],
)
def test_a_greek_seller_is_refused_before_any_xml(
    seller: SellerProfile, field: str, value: str
) -> None:
    """Greece's PEPPOL rules (GR-R-*) want a six-segment invoice number, a MARK from myDATA and
    the seller's TIN as its endpoint; q2c gives none of them, so it writes no Greek seller's
    e-invoice or credit note: refused naming the seller's country, not written to fail."""
    app = QuoteToCash.open("memory:")
    ids = consulting_billed_and_credited(app, "BE", "BE0123456749", rate=24, address="Street 2")
    renderer = UblRenderer(app, seller)
    for document in ids:
        with pytest.raises(InvalidValue) as refused:
            renderer.render(document)
        assert refused.value.field == field
        assert refused.value.value == value
        assert "GR-R-001" in str(refused.value) and "Greek" in str(refused.value)


def test_a_greek_buyer_of_a_belgian_seller_gets_its_documents(validator: PeppolValidator) -> None:
    """The Greek rules bind Greek sellers only: a Belgian seller's invoice and credit note to a
    Greek customer are written and conform."""
    belgian = attrs.evolve(
        DUTCH_SELLER,
        country="BE",
        vat_id="BE0123456749",
        registration_id="0123456749",
        registration_scheme="",
        iban="BE71 0961 2345 6769",
        bic="",
    )
    app = QuoteToCash.open("memory:")
    ids = consulting_billed_and_credited(app, "GR", "EL094259216", address="Ermou 2")
    for document in ids:
        assert_conforms(validator.validate(UblRenderer(app, belgian).render(document)))
