"""A buyer whose address already ends with its post code and city is not addressed twice.

Found by review: Acme's address was recorded as "Hauptstr. 1 / 10115 Berlin" before q2c kept
the post code and city apart; they were filled in later for the e-invoice (DE-R-008/009), and
the PDF and HTML printed "10115 Berlin" twice under the buyer's name. The place is printed once
when the address's last line is it already (spaces and capitals aside); else as before.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from q2c_adapters.documents import Branding, build_document
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate


def _address_on_invoice(address: str, city: str, postal_code: str) -> tuple[str, ...]:
    app = QuoteToCash.open("memory:")
    c = app.register_customer(
        "Acme GmbH", "EUR", account_manager="mia", actor="bea", country="DE",
        address=address, city=city, postal_code=postal_code,
    )  # fmt: skip
    line = InvoiceLine(
        "L1", "Consulting", Decimal(1), Money.of("100", "EUR"), TaxRate.standard(19),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )  # fmt: skip
    invoice = app.draft_invoice(c, [line], drafted_on=date(2024, 5, 2), actor="bea")
    address_lines = build_document(app, invoice, Branding(country="DE")).customer_address
    app.close()
    return address_lines


def test_the_place_already_in_the_address_is_printed_once() -> None:
    assert _address_on_invoice("Hauptstr. 1\n10115 Berlin", "Berlin", "10115") == (
        "Hauptstr. 1",
        "10115 Berlin",
    )
    assert _address_on_invoice("Hauptstr. 1\n10115  berlin ", "Berlin", "10115") == (
        "Hauptstr. 1",
        "10115  berlin",
    )


def test_an_address_without_its_place_gets_it() -> None:
    assert _address_on_invoice("Hauptstr. 1", "Berlin", "10115") == ("Hauptstr. 1", "10115 Berlin")
    # a street named after a city is no place
    assert _address_on_invoice("Berliner Str. 5", "Berlin", "10115") == (
        "Berliner Str. 5",
        "10115 Berlin",
    )
