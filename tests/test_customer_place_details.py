"""A customer's city and post code: checked as all typed text is, printed on its documents, and
given to a credit note of an invoice issued before they were known.

Found by review after city and post code were kept: a card number typed into either was
recorded (in the address it is refused), the printed invoice left them out, and an invoice
issued without them could never get an e-invoiced credit note.
"""

from __future__ import annotations

import pytest

from q2c_core import CardNumberRefused, QuoteToCash

CARD = "4111 1111 1111 1111"


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

