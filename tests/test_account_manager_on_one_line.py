"""An account manager is a person whose name every report prints on one line.

Found by review: a clerk pasted "Mia<line break>" from a spreadsheet cell as Acme's account
manager, and it was registered. q2c reads her as Mia (``person_key``), so every report keys
her rows by the spelling the books first named her by: the customer statement of Beta,
registered with a plain "Mia" afterwards, named "Mia\\n" too, and every report row, CSV
export and commission statement "by account manager" broke across two lines. A handover to
"Bob<line break>" was recorded the same way. Now an account manager holding a line break (a
carriage return, a line or paragraph separator) is refused (``InvalidValue`` naming
``account_manager`` at registration, ``to_manager`` at a handover), nothing recorded; a name
with spaces in it is taken as before.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_core import InvalidValue, QuoteToCash, TaxRate
from q2c_core.projections import CustomerStatement, catch_up

V21 = TaxRate.standard(21)

BROKEN = ["Mia\n", "Mia\r\n", "Mia\rSmith", "Mia\u2028", "Mia\u2029Smith", "\nMia"]


@pytest.mark.parametrize("manager", BROKEN)
def test_a_manager_pasted_over_two_lines_is_refused_at_registration(manager: str) -> None:
    app = QuoteToCash.open("memory:")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.register_customer("Acme", "EUR", account_manager=manager, actor="bea", tax_rate=V21)
    assert refused.value.field == "account_manager"
    assert app.recorder.max_notification_id() == before
    assert app.customers() == []
    # the name is still free: Acme is registered once the manager is typed on one line
    acme = app.register_customer("Acme", "EUR", account_manager="Mia", actor="bea", tax_rate=V21)
    assert app.customer(acme).account_manager == "Mia"


@pytest.mark.parametrize("manager", BROKEN)
def test_a_handover_to_a_manager_over_two_lines_is_refused_and_bob_stays(manager: str) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="Bob", actor="bea", tax_rate=V21)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.hand_over_customer(acme, to_manager=manager, effective_on=date(2024, 5, 1), actor="bea")
    assert refused.value.field == "to_manager"
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).account_manager == "Bob"
    assert app.customer(acme).managers == ()


def test_the_statements_name_mia_on_one_line_and_a_spaced_name_is_taken() -> None:
    app = QuoteToCash.open("memory:")
    with pytest.raises(InvalidValue):
        app.register_customer("Acme", "EUR", account_manager="Mia\n", actor="bea")
    acme = app.register_customer("Acme", "EUR", account_manager="Mia Smith", actor="bea")
    beta = app.register_customer("Beta", "EUR", account_manager="mia  smith", actor="bea")
    app.hand_over_customer(beta, to_manager="Bob Jones", effective_on=date(2024, 5, 1), actor="bea")
    statements = CustomerStatement()
    catch_up(app, [statements])
    assert statements.statement(acme).account_manager == "Mia Smith"
    assert statements.statement(beta, date(2024, 4, 30)).account_manager == "Mia Smith"
    assert statements.statement(beta).account_manager == "Bob Jones"
