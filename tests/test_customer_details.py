"""A customer's country and VAT id are what its e-invoices need, checked where they are typed,
and a customer's details can be corrected; documents issued before keep theirs.

Found by review: ``register_customer(country="Netherlands")`` and a VAT id without its country
prefix were recorded, every e-invoice of that customer was then refused, and nothing could
correct the customer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from test_beancount_ledger import issue, manual_line
from test_ubl import CONFORMANCE, SELLER, assert_conforms, require_shared, text

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_adapters.documents import render_html
from q2c_core import (
    CardNumberRefused,
    CustomerDetails,
    InvalidValue,
    QuoteToCash,
    TaxRate,
)
from q2c_core.domain import customer as customer_module

V21 = TaxRate.standard(21)
D = date(2024, 5, 2)
BUYER = "cac:AccountingCustomerParty/cac:Party"


@pytest.fixture(scope="module")
def validator() -> Iterator[PeppolValidator]:
    require_shared(CONFORMANCE / "rules" / "PEPPOL-EN16931-UBL.xslt")
    yield PeppolValidator(CONFORMANCE)


def register(
    app: QuoteToCash, country: str, tax_id: str, address: str = "Kade 2", name: str = "Buyer BV"
) -> UUID:
    return app.register_customer(
        name, "EUR", account_manager="mia", actor="bea", tax_rate=V21,
        country=country, tax_id=tax_id, address=address,
    )  # fmt: skip


def issued(app: QuoteToCash, customer: UUID, day: date = D) -> UUID:
    invoice = app.draft_invoice(
        customer, [manual_line("L1", "100", V21)], drafted_on=day, actor="billy"
    )
    issue(app, invoice, day)
    return invoice


@pytest.mark.parametrize(
    ("country", "tax_id", "field"),
    [
        ("Netherlands", "NL123456789B01", "country"),
        ("UK", "GB123456789", "country"),  # the United Kingdom's code is GB
        ("EL", "EL094259216", "country"),  # Greece is GR; EL prefixes its VAT ids only
        ("NL", "123456789B01", "tax_id"),  # the prefix is never guessed
        ("BE", "XX0123456749", "tax_id"),
    ],
)
def test_what_an_e_invoice_cannot_carry_is_refused_at_registration(
    country: str, tax_id: str, field: str
) -> None:
    app = QuoteToCash.open("memory:")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        register(app, country, tax_id)
    assert refused.value.field == field
    assert ("BR-CL-14" if field == "country" else "BR-CO-09") in str(refused.value)
    assert app.recorder.max_notification_id() == before


def test_a_country_and_vat_id_are_recorded_as_an_e_invoice_carries_them() -> None:
    """Typed in small letters with spaces, they are recorded in capitals without spaces; a
    Greek customer is in GR with an EL VAT id; a customer may have neither."""
    app = QuoteToCash.open("memory:")
    dutch = app.customer(register(app, " nl ", "nl 1234 5678 9b01"))
    assert (dutch.country, dutch.tax_id) == ("NL", "NL123456789B01")
    greek = app.customer(register(app, "GR", "EL094259216", name="Agora AE"))
    assert (greek.country, greek.tax_id) == ("GR", "EL094259216")
    private = app.customer(register(app, "", "", name="Dana Private"))
    assert (private.country, private.tax_id) == ("", "")


def test_a_customer_registered_before_the_checks_is_corrected_and_its_next_invoice_goes_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validator: PeppolValidator
) -> None:
    """Registered with 'Netherlands' and a VAT id without its prefix before q2c checked them,
    the customer still loads. Its invoice issued then is refused as an e-invoice, and stays so
    (an issued invoice names the buyer it was issued to). Corrected, the invoices issued after
    carry NL and NL123456789B01, and conform."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with monkeypatch.context() as before_the_checks:
        before_the_checks.setattr(customer_module, "country_code", lambda value, _: value)
        before_the_checks.setattr(customer_module, "vat_id", lambda value, _: value)
        app = QuoteToCash.open(url)
        customer = register(app, "Netherlands", "123456789B01")
        app.close()
    app = QuoteToCash.open(url)
    assert app.customer(customer).country == "Netherlands"
    old = issued(app, customer)
    with pytest.raises(InvalidValue) as refused:
        UblRenderer(app, SELLER).render(old)
    assert refused.value.field == "customer.country"

    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as wrong:
        app.correct_customer_details(customer, country="Holland", actor="bea")
    assert wrong.value.field == "country" and wrong.value.aggregate_id == customer
    assert app.recorder.max_notification_id() == before
    assert app.correct_customer_details(
        customer, country="nl", tax_id="NL123456789B01", actor="bea"
    )
    app.close()

    app = QuoteToCash.open(url)  # another process
    new = issued(app, customer, date(2024, 5, 3))
    doc = UblRenderer(app, SELLER).render(new)
    assert text(doc, f"{BUYER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode") == ["NL"]
    assert text(doc, f"{BUYER}/cac:PartyTaxScheme/cbc:CompanyID") == ["NL123456789B01"]
    assert_conforms(validator.validate(doc))
    with pytest.raises(InvalidValue):
        UblRenderer(app, SELLER).render(old)
    app.close()


def test_an_issued_invoice_keeps_the_address_it_was_issued_with() -> None:
    """Acme moved. The invoice issued before the move still shows the old address; a draft
    made before the move, and every invoice issued after, show the new one. The same details
    again record nothing, a card number pasted into the address is refused, and so is a
    correction that names nothing to correct."""
    app = QuoteToCash.open("memory:")
    customer = register(app, "NL", "NL123456789B01", address="Kade 2\n1011 AB Amsterdam")
    before_move = issued(app, customer)
    draft = app.draft_invoice(customer, [manual_line("L1", "50", V21)], drafted_on=D, actor="billy")
    assert app.correct_customer_details(customer, address="Dam 1\n1012 JS Amsterdam", actor="bea")
    after_move = issued(app, customer, date(2024, 5, 3))

    assert "Kade 2" in render_html(app, before_move)
    assert "Dam 1" not in render_html(app, before_move)
    assert "Dam 1" in render_html(app, draft)
    assert "Dam 1" in render_html(app, after_move)
    assert app.invoice(after_move).buyer == CustomerDetails(
        "Buyer BV", "Dam 1\n1012 JS Amsterdam", "NL", "NL123456789B01"
    )

    recorded = app.recorder.max_notification_id()
    assert not app.correct_customer_details(
        customer, address="Dam 1\n1012 JS Amsterdam", actor="bea"
    )
    with pytest.raises(CardNumberRefused):
        app.correct_customer_details(customer, address="card 4111 1111 1111 1111", actor="bea")
    with pytest.raises(InvalidValue) as nothing:
        app.correct_customer_details(customer, actor="bea")
    assert nothing.value.field == "details"
    assert app.recorder.max_notification_id() == recorded


def test_corrected_details_read_back_from_snapshots(tmp_path: Path) -> None:
    """A customer and an issued invoice read from their snapshots (an invoice takes one at its
    fourth event, its issue) name the same details as their events."""
    url = f"sqlite:///{tmp_path / 'snap.db'}"
    app = QuoteToCash.open(url)
    customer = register(app, "BE", "BE0123456749", address="Rue Haute 1")
    first = issued(app, customer)
    app.correct_customer_details(customer, address="Rue Basse 2", actor="bea")
    app.take_snapshot(customer)
    app.close()
    again = QuoteToCash.open(url)
    acme = again.customer(customer)
    assert acme.address == "Rue Basse 2"
    assert acme.registered_details.address == "Rue Haute 1"
    assert again.invoice(first).buyer == CustomerDetails(
        "Buyer BV", "Rue Haute 1", "BE", "BE0123456749"
    )
    again.close()
