"""A German seller's e-invoices to a German buyer: the DE VAT 19 % -> 21 % story (two invoices
of one contract and the run's credit note) passes the XSD and the EN 16931 and PEPPOL BIS 3.0.18
rules, XRechnung's DE-R-* among them, with zero fatal findings; what those rules need and q2c
was not given is refused by name before any XML is written."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from test_beancount_ledger import manual_line
from test_ubl import CONFORMANCE, SELLER, assert_conforms, require_shared, text

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.seller import SellerProfile
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_core import (
    BillingFrequency,
    CreditDisposition,
    InvalidValue,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
    TaxCategory,
    TaxRate,
)

GERMAN_SELLER = SellerProfile(
    legal_name="Q2C GmbH",
    registration_id="HRB 12345",
    vat_id="DE811907980",
    street="Hauptstr. 1",
    city="Berlin",
    postal_code="10115",
    country="DE",
    iban="DE89 3704 0044 0532 0130 00",
    email="billing@q2c.de",
    contact_name="Billing desk",
    telephone="+49 30 1234567",
)
JUNE = Period(date(2024, 6, 1), date(2024, 7, 1))
JULY = Period(date(2024, 7, 1), date(2024, 8, 1))


@pytest.fixture(scope="module")
def validator() -> Iterator[PeppolValidator]:
    """The XSD and both rule sets, compiled once for the module (Saxon compiles slowly)."""
    require_shared(CONFORMANCE / "rules" / "PEPPOL-EN16931-UBL.xslt")
    yield PeppolValidator(CONFORMANCE)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def issue(app: QuoteToCash, invoice_id: UUID, on: date) -> None:
    app.approve_invoice(invoice_id, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice_id, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice_id, issued_on=on, actor="bea")


def brauhaus(
    app: QuoteToCash, country: str = "DE", tax_id: str = "DE123456788", **place: str
) -> UUID:
    """Brauhaus Nord, Hafenstrasse 1, billed at 19 %; ``place`` its city and post code."""
    return app.register_customer(
        "Brauhaus Nord",
        "EUR",
        account_manager="mia",
        actor="bea",
        tax_rate=TaxRate.standard(19),
        country=country,
        tax_id=tax_id,
        address="Hafenstrasse 1",
        **place,
    )


def control_contract(app: QuoteToCash, customer: UUID, term: Period) -> UUID:
    """Brauhaus Nord's contract MC-1 for ``term``: its product Control, 1,200 a year, billed
    monthly in advance."""
    return app.sign_contract(
        customer,
        number="MC-1",
        term=term,
        frequency=BillingFrequency.MONTHLY,
        signed_on=term.start,
        actor="bea",
        sub_contracts=(
            SubContract(
                "S1",
                "Control",
                SubContractKind.PRODUCT,
                term.start,
                (PricePoint(term.start, eur("1200")),),
            ),
        ),
    )


def brauhaus_story(
    app: QuoteToCash, country: str = "DE", tax_id: str = "DE123456788", **place: str
) -> tuple[UUID, list[UUID]]:
    """Brauhaus Nord (Hamburg) is billed 1,200 a year, 100 a month: June at 19 %, July at
    21 % after the rate changed, then its only product is removed back-dated to 16 July and
    the run credits the rest of July. Returns the customer and the June, July and credit-note
    ids."""
    customer = brauhaus(app, country, tax_id, **place)
    term = Period(date(2024, 6, 1), date(2025, 6, 1))
    contract = control_contract(app, customer, term)
    app.activate_contract(contract, effective=term.start, actor="bea")
    app.run_billing(date(2024, 6, 1), actor="run")
    app.change_contract_tax_rate(
        contract, tax_rate=TaxRate.standard(21), effective=date(2024, 7, 1), actor="bea"
    )
    app.run_billing(date(2024, 7, 1), actor="run")
    ids = [app.contract(contract).billed_period(p).invoice_id for p in (JUNE, JULY)]
    for invoice_id in ids:
        assert invoice_id is not None
        issue(app, invoice_id, date(2024, 7, 1))
    app.remove_sub_contract(contract, "S1", effective_to=date(2024, 7, 16), actor="bea")
    [note] = app.run_billing(date(2024, 7, 2), actor="run").documents
    issue(app, note.invoice_id, date(2024, 7, 2))
    return customer, [*[i for i in ids if i is not None], note.invoice_id]


def test_german_story_conforms_with_known_amounts(validator: PeppolValidator) -> None:
    app = QuoteToCash.open("memory:")
    _, (june, july, note) = brauhaus_story(app, city="Hamburg", postal_code="20457")
    renderer = UblRenderer(app, GERMAN_SELLER)
    docs = {i: renderer.render(i) for i in (june, july, note)}
    for doc in docs.values():
        assert_conforms(validator.validate(doc))
        supplier = "cac:AccountingSupplierParty/cac:Party/cac:Contact"
        assert text(doc, f"{supplier}/cbc:Name") == ["Billing desk"]
        assert text(doc, f"{supplier}/cbc:Telephone") == ["+49 30 1234567"]
        assert text(doc, f"{supplier}/cbc:ElectronicMail") == ["billing@q2c.de"]
        buyer = "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"
        assert text(doc, f"{buyer}/cbc:StreetName") == ["Hafenstrasse 1"]
        assert text(doc, f"{buyer}/cbc:CityName") == ["Hamburg"]
        assert text(doc, f"{buyer}/cbc:PostalZone") == ["20457"]
    # June at 19 %, July at 21 %: 100 net each
    assert text(docs[june], "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == ["19"]
    assert text(docs[june], "cac:TaxTotal/cbc:TaxAmount") == ["19.00"]
    assert text(docs[june], "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["119.00"]
    assert text(docs[july], "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == ["21"]
    assert text(docs[july], "cac:TaxTotal/cbc:TaxAmount") == ["21.00"]
    assert text(docs[july], "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["121.00"]
    # the credit note gives back 16 to 31 July at July's 21 %, settled against July's invoice
    credit = app.invoice(note)
    july_number = app.invoice(july).number
    assert text(docs[note], "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == [
        july_number
    ]
    assert text(docs[note], "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == ["21"]
    # 100 x 16/31 = 51.6129 -> 51.61 net; 21 % of it 10.8381 -> 10.84
    assert (credit.net, credit.tax, credit.total) == (eur("51.61"), eur("10.84"), eur("62.45"))
    assert text(docs[note], "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == ["51.61"]
    assert text(docs[note], "cac:TaxTotal/cbc:TaxAmount") == ["10.84"]
    assert text(docs[note], "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["62.45"]
    assert text(docs[note], "cac:PaymentMeans/cbc:PaymentMeansCode") == ["97"]
    assert text(docs[note], "cac:PaymentMeans/cbc:PaymentID") == [july_number]
    assert text(docs[note], "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == []


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ({"contact_name": ""}, "seller.contact_name"),
        ({"telephone": ""}, "seller.telephone"),
        ({"email": ""}, "seller.email"),
    ],
)
def test_german_seller_without_its_contact_is_refused(missing: dict[str, str], field: str) -> None:
    app = QuoteToCash.open("memory:")
    _, ids = brauhaus_story(app, city="Hamburg", postal_code="20457")
    renderer = UblRenderer(app, attrs.evolve(GERMAN_SELLER, **missing))
    for invoice_id in ids:
        with pytest.raises(InvalidValue) as refused:
            renderer.render(invoice_id)
        assert refused.value.field == field


@pytest.mark.parametrize(
    ("place", "field"),
    [
        ({"postal_code": "20457"}, "buyer.city"),
        ({"city": "Hamburg"}, "buyer.postal_code"),
        ({"city": "Hamburg", "postal_code": "   "}, "buyer.postal_code"),
    ],
)
def test_german_buyer_without_city_or_post_code_is_refused(
    place: dict[str, str], field: str
) -> None:
    app = QuoteToCash.open("memory:")
    _, ids = brauhaus_story(app, **place)
    with pytest.raises(InvalidValue) as refused:
        UblRenderer(app, GERMAN_SELLER).render(ids[0])
    assert refused.value.field == field
    assert "DE-R-00" in str(refused.value)


def test_german_seller_to_a_belgian_buyer_needs_no_city(validator: PeppolValidator) -> None:
    """XRechnung's rules apply between two German parties only: to a Belgian buyer with its
    address in one line (no city, no post code), the documents are written and conform."""
    app = QuoteToCash.open("memory:")
    _, ids = brauhaus_story(app, country="BE", tax_id="BE0123456749")
    renderer = UblRenderer(app, GERMAN_SELLER)
    for invoice_id in ids:
        assert_conforms(validator.validate(renderer.render(invoice_id)))


def test_city_and_post_code_corrected_reach_the_next_document(
    validator: PeppolValidator,
) -> None:
    """Registered without them, refused; once corrected, the next document carries them and
    conforms, and the issued one keeps what it was issued with (still refused)."""
    app = QuoteToCash.open("memory:")
    customer, (june, _, _) = brauhaus_story(app)
    renderer = UblRenderer(app, GERMAN_SELLER)
    with pytest.raises(InvalidValue):
        renderer.render(june)
    assert app.correct_customer_details(
        customer, actor="bea", city=" Hamburg ", postal_code="20457"
    )
    assert not app.correct_customer_details(customer, actor="bea", city="Hamburg")
    details = app.customer(customer).details
    assert (details.city, details.postal_code, details.address) == (
        "Hamburg",
        "20457",
        "Hafenstrasse 1",
    )
    with pytest.raises(InvalidValue) as refused:
        app.correct_customer_details(customer, actor="bea", city=20457)  # type: ignore[arg-type]
    assert refused.value.field == "city"
    with pytest.raises(InvalidValue) as kept:
        renderer.render(june)
    assert kept.value.field == "buyer.city"
    later = app.draft_invoice(
        customer,
        [manual_line("1", "250.00", TaxRate.standard(19))],
        drafted_on=date(2024, 8, 1),
        actor="bea",
    )
    issue(app, later, date(2024, 8, 1))
    doc = renderer.render(later)
    assert_conforms(validator.validate(doc))
    address = "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"
    assert text(doc, f"{address}/cbc:CityName") == ["Hamburg"]
    assert text(doc, f"{address}/cbc:PostalZone") == ["20457"]
    assert text(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["297.50"]


def test_seller_contact_is_checked_as_text() -> None:
    with pytest.raises(InvalidValue) as refused:
        attrs.evolve(GERMAN_SELLER, telephone="12")
    assert refused.value.field == "seller.telephone"
    with pytest.raises(InvalidValue) as refused:
        attrs.evolve(GERMAN_SELLER, contact_name=42)  # type: ignore[arg-type]
    assert refused.value.field == "seller.contact_name"
    assert attrs.evolve(GERMAN_SELLER, contact_name="  Billing  ").contact_name == "Billing"


def _without_place(facts: Any) -> Any:
    """Stored facts as q2c wrote them before city and post code were kept."""
    if isinstance(facts, dict):
        return {k: _without_place(v) for k, v in facts.items() if k not in ("city", "postal_code")}
    if isinstance(facts, list):
        return [_without_place(v) for v in facts]
    return facts


def test_events_and_snapshots_stored_before_city_was_kept_still_read(tmp_path: Path) -> None:
    """A registration, a details correction, issued invoices (their buyer as issued) and
    snapshots of the customer and the invoices, stored by an older q2c without city and post
    code, read back with neither, and the next correction gives them."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    customer, (june, july, note) = brauhaus_story(app)
    assert app.correct_customer_details(customer, actor="bea", address="Hafenstrasse 2")
    app.take_snapshot(customer)
    app.close()
    con = sqlite3.connect(db)
    try:
        for table in ("stored_events", "stored_snapshots"):
            key = "originator_id, originator_version"
            rows = con.execute(f"SELECT {key}, state FROM {table}").fetchall()
            for originator, version, state in rows:
                old = json.dumps(_without_place(json.loads(state)), separators=(",", ":"))
                con.execute(
                    f"UPDATE {table} SET state = ? "
                    "WHERE originator_id = ? AND originator_version = ?",
                    (old.encode(), originator, version),
                )
        con.commit()
        left = con.execute(
            "SELECT count(*) FROM stored_events WHERE state LIKE '%postal_code%'"
        ).fetchone()
        assert left == (0,)
        snapshots = con.execute("SELECT count(*) FROM stored_snapshots").fetchone()
        assert snapshots[0] >= 4  # the customer's and the three issued documents'
    finally:
        con.close()
    app = QuoteToCash.open(f"sqlite:///{db}")
    details = app.customer(customer).details
    assert (details.address, details.city, details.postal_code) == ("Hafenstrasse 2", "", "")
    for invoice_id in (june, july, note):
        buyer = app.invoice(invoice_id).buyer
        assert buyer is not None
        assert (buyer.address, buyer.city, buyer.postal_code) == ("Hafenstrasse 1", "", "")
    assert app.correct_customer_details(customer, actor="bea", city="Hamburg", postal_code="20457")
    assert app.customer(customer).details.city == "Hamburg"
    app.close()


@pytest.mark.parametrize(
    ("seller", "country", "tax_id"),
    [(GERMAN_SELLER, "DE", "DE123456788"), (SELLER, "BE", "BE0123456749")],
)
def test_a_not_subject_to_vat_invoice_states_its_zero_rate_in_the_breakdown(
    validator: PeppolValidator, seller: SellerProfile, country: str, tax_id: str
) -> None:
    """Brauhaus Nord is billed for something outside the scope of VAT (category O). Between two
    German parties XRechnung (DE-R-014) wants the breakdown's rate: it says 0, the line's
    category none (BR-O-05); a Belgian seller's document to a Belgian buyer, written the same
    way, conforms too."""
    app = QuoteToCash.open("memory:")
    customer = brauhaus(app, country, tax_id, city="Hamburg", postal_code="20457")
    outside = TaxRate(TaxCategory.OUTSIDE_SCOPE, Decimal(0))
    invoice = app.draft_invoice(
        customer, [manual_line("1", "100.00", outside)], drafted_on=date(2024, 9, 1), actor="bea"
    )
    issue(app, invoice, date(2024, 9, 1))

    doc = UblRenderer(app, seller).render(invoice)

    assert_conforms(validator.validate(doc))
    assert text(doc, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["O"]
    assert text(doc, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == ["0"]
    assert text(doc, "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent") == []


def test_an_invoice_issued_without_city_gets_an_e_invoiced_credit_note(
    validator: PeppolValidator,
) -> None:
    """Brauhaus Nord was registered before q2c kept city and post code; its invoice was issued
    without them, and stays so: the refusal says correcting the customer cannot change it. Once
    its details are corrected, a credit note of that invoice (drafted and issued after) names
    the buyer the invoice was issued to with the city and post code now known, nothing else of
    it changed by a later move, and is written and conforms."""
    app = QuoteToCash.open("memory:")
    customer = brauhaus(app)
    invoice = app.draft_invoice(
        customer,
        [manual_line("1", "250.00", TaxRate.standard(19))],
        drafted_on=date(2024, 8, 1),
        actor="bea",
    )
    issue(app, invoice, date(2024, 8, 1))
    with pytest.raises(InvalidValue) as refused:
        UblRenderer(app, GERMAN_SELLER).render(invoice)
    assert refused.value.field == "buyer.city"
    assert "as issued" in str(refused.value)
    assert "only documents issued afterwards" in str(refused.value)

    app.correct_customer_details(
        customer, actor="bea", address="Speicherstadt 5", city="Hamburg", postal_code="20457"
    )
    note = app.draft_credit_note(
        invoice,
        line_ids=["1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="wrong quantity",
        drafted_on=date(2024, 9, 1),
        actor="bea",
    )
    issue(app, note, date(2024, 9, 1))

    buyer = app.invoice(note).buyer
    assert buyer is not None
    assert (buyer.address, buyer.city, buyer.postal_code) == ("Hafenstrasse 1", "Hamburg", "20457")
    assert app.invoice(invoice).buyer.city == ""  # type: ignore[union-attr]
    doc = UblRenderer(app, GERMAN_SELLER).render(note)
    assert_conforms(validator.validate(doc))
    assert text(doc, "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cbc:CityName") == [
        "Hamburg"
    ]


@pytest.mark.parametrize(
    ("paid", "note_text"),
    [
        (
            "121.00",
            "This credit of 62.45 EUR is held as credit on the buyer's account, as {july} was "
            "already paid: it is set against what is owed or refunded",
        ),
        (
            "100.00",
            "This credit of 62.45 EUR reduces what is owed on {july} by 21.00 EUR; the 41.45 EUR "
            "already paid of it is held as credit on the buyer's account, set against what is "
            "owed or refunded",
        ),
        ("0", "This credit of 62.45 EUR reduces what is owed on {july}"),
    ],
)
def test_a_credit_of_an_invoice_already_paid_says_it_is_held_as_credit(
    validator: PeppolValidator, paid: str, note_text: str
) -> None:
    """Brauhaus Nord paid July's 121.00 (or 100.00 of it) before its product was removed back
    to 16 July: the run's credit note of 62.45 gives that money back as customer credit. Its
    XRechnung said "reduces what is owed on" July's invoice, though nothing (or only 21.00)
    was owed; it now says what the note did, as the note's PDF does."""
    app = QuoteToCash.open("memory:")
    customer = brauhaus(app, city="Hamburg", postal_code="20457")
    term = Period(date(2024, 7, 1), date(2025, 7, 1))
    contract = control_contract(app, customer, term)
    app.change_contract_tax_rate(
        contract, tax_rate=TaxRate.standard(21), effective=date(2024, 7, 1), actor="bea"
    )
    app.activate_contract(contract, effective=term.start, actor="bea")
    [july] = app.run_billing(date(2024, 7, 1), actor="run").documents
    issue(app, july.invoice_id, date(2024, 7, 1))
    if Decimal(paid):
        payment = app.receive_payment(
            customer, eur(paid), received_on=date(2024, 7, 1), reference="BN-7", actor="bea"
        )
        app.allocate_payment(
            payment, [(july.invoice_id, eur(paid))], allocated_on=date(2024, 7, 1), actor="bea"
        )
    app.remove_sub_contract(contract, "S1", effective_to=date(2024, 7, 16), actor="bea")
    [note] = app.run_billing(date(2024, 7, 2), actor="run").documents
    issue(app, note.invoice_id, date(2024, 7, 2))
    assert app.invoice(note.invoice_id).total == eur("62.45")

    doc = UblRenderer(app, GERMAN_SELLER).render(note.invoice_id)
    assert_conforms(validator.validate(doc))
    number = app.invoice(july.invoice_id).number
    assert text(doc, "cac:PaymentTerms/cbc:Note") == [note_text.format(july=number)]
    assert text(doc, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["97"]
