"""A customer's street, city or post code of invisible characters only is none.

Found by review: a Dutch customer's city was pasted from a chat as a zero-width space (the
city itself left behind), its post code as a word joiner. Both were recorded as given: spaces
around them are taken off, but these are no spaces. The e-invoice check for a Dutch seller's
document to a Dutch buyer (NL-R-004: the buyer's street, city and post code) read a city and a
post code there, and wrote an e-invoice naming a city no one can read, which the receiving
side rejects. Now text of invisible characters (and spaces) only is recorded as none, as blank
text is, at registration and when corrected, and the e-invoice is refused before any XML,
naming the buyer's city.
"""

from __future__ import annotations

import pytest
from test_ubl_national_rules import DUTCH_SELLER, consulting_billed_and_credited

from q2c_adapters.accounting.ubl import UblRenderer
from q2c_core import InvalidValue, QuoteToCash, TaxRate

INVISIBLE = ["\u200b", "\u2060", " \u200b\u00a0", "\ufeff"]


@pytest.mark.parametrize("typed", INVISIBLE)
def test_a_place_of_invisible_characters_only_is_recorded_as_none(typed: str) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme",
        "EUR",
        account_manager="mia",
        actor="bea",
        tax_rate=TaxRate.standard(21),
        address=typed,
        city=typed,
        postal_code=typed,
    )
    details = app.customer(acme).details
    assert (details.address, details.city, details.postal_code) == ("", "", "")
    app.correct_customer_details(acme, actor="bea", address="Kade 1", city="Rotterdam")
    assert not app.correct_customer_details(acme, actor="bea", postal_code=typed)
    app.correct_customer_details(acme, actor="bea", city=typed)
    assert app.customer(acme).details.city == ""


def test_the_dutch_e_invoice_is_refused_naming_the_city_left_invisible() -> None:
    app = QuoteToCash.open("memory:")
    invoice, _ = consulting_billed_and_credited(
        app,
        "NL",
        "NL987654321B01",
        address="Wilhelminakade 909",
        city="\u200b",
        postal_code="3072 AP",
    )
    with pytest.raises(InvalidValue) as refused:
        UblRenderer(app, DUTCH_SELLER).render(invoice)
    assert refused.value.field == "buyer.city"
