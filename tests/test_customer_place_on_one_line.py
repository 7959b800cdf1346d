"""A customer's city and post code are one line each: the invoice prints them after the street,
and the e-invoice carries them as the buyer's CityName and PostalZone.

Found by review: a two-line spreadsheet cell pasted as the city ("Amsterdam<line break>
Netherlands") or the post code ("1011<line break>AB") was registered, and a correction to one
was recorded too: the printed buyer block broke where no line was meant, and the e-invoice's
city carried a line break no buyer's system matches. Now a city or post code holding a line
break is refused (``InvalidValue`` naming ``city`` or ``postal_code``), at registration and
at a correction, nothing recorded; spaces in them are kept as before.
"""

from __future__ import annotations

import pytest

from q2c_core import InvalidValue, QuoteToCash

BROKEN = ["Amsterdam\nNetherlands", "1011\r\nAB", "1011\rAB", "Amster\u2028dam", "1011\u2029AB"]


@pytest.mark.parametrize("field", ["city", "postal_code"])
@pytest.mark.parametrize("typed", BROKEN)
def test_a_place_over_two_lines_is_refused_at_registration(field: str, typed: str) -> None:
    app = QuoteToCash.open("memory:")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.register_customer(
            "Acme", "EUR", account_manager="mia", actor="bea", country="NL", **{field: typed}
        )
    assert refused.value.field == field
    assert app.recorder.max_notification_id() == before
    assert app.customers() == []


@pytest.mark.parametrize("field", ["city", "postal_code"])
@pytest.mark.parametrize("typed", BROKEN)
def test_a_correction_to_a_place_over_two_lines_is_refused(field: str, typed: str) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="bea", city="Amsterdam", postal_code="1011 AB"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.correct_customer_details(acme, actor="bea", **{field: typed})
    assert refused.value.field == field
    assert app.recorder.max_notification_id() == before
    assert (app.customer(acme).city, app.customer(acme).postal_code) == ("Amsterdam", "1011 AB")


def test_a_place_with_spaces_in_it_is_kept_as_typed() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="bea", city=" Den Haag ", postal_code="2511 AB"
    )
    assert (app.customer(acme).city, app.customer(acme).postal_code) == ("Den Haag", "2511 AB")
    assert app.correct_customer_details(acme, actor="bea", city="Den  Bosch")
    assert app.customer(acme).city == "Den  Bosch"
