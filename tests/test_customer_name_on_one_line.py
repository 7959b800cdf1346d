"""A customer's name is one line of text: what every invoice, e-invoice, report row and export
prints as the buyer's name.

Found by review: a clerk pasted "Acme<line break>B.V." from a spreadsheet cell (two lines of
the cell) when registering Acme, and it was registered; a rename to "Acme<line break>Holding"
was recorded too. Every invoice then printed the buyer's name on two lines, the e-invoice's
buyer name carried the line break, and each report row and CSV export of the customer broke
across lines. Now a name holding a line break (a carriage return, a line or paragraph
separator) is refused (``InvalidValue`` naming ``name``), at registration and at a rename,
nothing recorded; a name with spaces (or a tab, read as one) in it is taken as before.
"""

from __future__ import annotations

import pytest

from q2c_core import InvalidValue, QuoteToCash, TaxRate

V21 = TaxRate.standard(21)

BROKEN = ["Acme\nB.V.", "Acme\r\nB.V.", "Acme\rB.V.", "Acme\u2028B.V.", "Acme\u2029", "\nAcme"]


@pytest.mark.parametrize("name", BROKEN)
def test_a_name_pasted_over_two_lines_is_refused_at_registration(name: str) -> None:
    app = QuoteToCash.open("memory:")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.register_customer(name, "EUR", account_manager="mia", actor="bea", tax_rate=V21)
    assert refused.value.field == "name"
    assert app.recorder.max_notification_id() == before
    assert app.customers() == []


@pytest.mark.parametrize("name", BROKEN)
def test_a_rename_to_a_name_over_two_lines_is_refused_and_the_name_stays(name: str) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea", tax_rate=V21)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.rename_customer(acme, new_name=name, actor="bea")
    assert refused.value.field == "name"
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).name == "Acme"


def test_a_name_with_spaces_in_it_is_registered_and_renamed_as_typed() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme B.V.", "EUR", account_manager="mia", actor="bea", tax_rate=V21
    )
    assert app.rename_customer(acme, new_name="Acme Holding B.V.", actor="bea")
    assert app.customer(acme).name == "Acme Holding B.V."
