"""A customer's city and post code: checked as all typed text is, printed on its documents, and
given to a credit note of an invoice issued before they were known.

Found by review after city and post code were kept: a card number typed into either was
recorded (in the address it is refused), the printed invoice left them out, and an invoice
issued without them could never get an e-invoiced credit note.
"""

from __future__ import annotations

import io
from datetime import date
from uuid import UUID

import pypdf
import pytest
from test_beancount_ledger import manual_line

from q2c_adapters.documents import Branding, build_document, render_html, render_pdf
from q2c_core import CardNumberRefused, QuoteToCash, TaxRate

CARD = "4111 1111 1111 1111"
D = date(2024, 8, 1)
V19 = TaxRate.standard(19)


def german_brewery(app: QuoteToCash, city: str = "Hamburg", postal_code: str = "20457") -> UUID:
    return app.register_customer(
        "Brauhaus Nord",
        "EUR",
        account_manager="mia",
        actor="bea",
        tax_rate=V19,
        country="DE",
        tax_id="DE123456788",
        address="Hafenstrasse 1",
        city=city,
        postal_code=postal_code,
    )


def issued(app: QuoteToCash, customer: UUID, on: date = D, amount: str = "250.00") -> UUID:
    invoice = app.draft_invoice(
        customer, [manual_line("1", amount, V19)], drafted_on=on, actor="bea"
    )
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("field", ["city", "postal_code"])
def test_a_card_number_typed_as_city_or_post_code_is_refused(field: str) -> None:
    """A clerk pastes a card number into the city (or the post code) when registering a
    customer, and again when correcting one: both are refused naming the field, and nothing is
    recorded, as for the address."""
    app = QuoteToCash.open("memory:")
    customer = app.register_customer("Brauhaus Nord", "EUR", account_manager="mia", actor="bea")
    recorded = app.recorder.max_notification_id()

    with pytest.raises(CardNumberRefused) as registered:
        app.register_customer(
            "Kiosk am Markt", "EUR", account_manager="mia", actor="bea", **{field: CARD}
        )
    assert registered.value.field == field
    with pytest.raises(CardNumberRefused) as corrected:
        app.correct_customer_details(customer, actor="bea", **{field: CARD.replace(" ", "")})
    assert corrected.value.field == field

    assert app.recorder.max_notification_id() == recorded
    assert app.customer(customer).details.city == ""
    assert app.customer(customer).details.postal_code == ""
    app.close()


def test_the_printed_invoice_shows_the_buyers_post_code_and_city() -> None:
    """Brauhaus Nord's invoice, printed (HTML and PDF), names it at its street and then at its
    post code and city, as issued: moving to Berlin afterwards changes only the next invoice."""
    app = QuoteToCash.open("memory:")
    customer = german_brewery(app, city=" Hamburg ", postal_code="20457")
    hamburg = issued(app, customer, date(2024, 8, 1))
    app.correct_customer_details(customer, actor="bea", city="Berlin", postal_code="10115")
    berlin = issued(app, customer, date(2024, 8, 2))
    nowhere = issued(
        app, app.register_customer("Kiosk", "EUR", account_manager="mia", actor="bea"), D
    )

    address = build_document(app, hamburg, Branding()).customer_address
    assert address == ("Hafenstrasse 1", "20457 Hamburg", "Germany")
    assert "20457 Hamburg" in render_html(app, hamburg)
    assert "20457 Hamburg" in pdf_text(render_pdf(app, hamburg, Branding()))
    assert build_document(app, berlin, Branding()).customer_address[-2] == "10115 Berlin"
    assert build_document(app, nowhere, Branding()).customer_address == ()
    app.close()
