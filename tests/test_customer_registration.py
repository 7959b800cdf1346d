"""Registering a customer: one customer per name unless a reference tells two apart, the same
reference again is the same customer, and every customer has an account manager."""

from __future__ import annotations

from uuid import UUID

import pytest

from q2c_adapters.cli_support import find_customer
from q2c_core import Customer, DuplicateEntry, InvalidValue, QuoteToCash, TaxRate
from q2c_core.domain import customer as customer_module

V21 = TaxRate.standard(21)


def test_running_the_quickstart_twice_does_not_make_a_second_acme() -> None:
    """Dana runs the README's quickstart twice on one store. The second Acme is refused,
    naming the name and the Acme there is, however the name is typed (ACME, full-width,
    spaces around); nothing is recorded, and q2c still finds Acme by its name."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea", tax_rate=V21)
    before = app.recorder.max_notification_id()
    for typed in ("Acme", " ACME ", "Ａｃｍｅ", "Ac\u200bme"):
        with pytest.raises(DuplicateEntry) as refused:
            app.register_customer(typed, "EUR", account_manager="mia", actor="bea", tax_rate=V21)
        assert refused.value.field == "name"
        assert f"customer {acme} is named 'Acme' already" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert find_customer(app, "Acme") == acme
    assert app.register_customer("Acme Trading", "EUR", account_manager="mia", actor="bea")


def test_two_companies_of_one_name_are_told_apart_by_the_erp_s_reference() -> None:
    """The ERP syncs its customers into q2c by their customer numbers: two companies named
    Acme B.V. (Rotterdam and Eindhoven) are two customers, each under its own number. The sync
    runs again: each number gives back its customer and records nothing. A number already
    given to a customer with other details is refused naming the reference and what
    differs."""
    app = QuoteToCash.open("memory:")

    def sync(number: str, city: str, currency: str = "EUR") -> UUID:
        return app.register_customer(
            "Acme B.V.",
            currency,
            account_manager="mia",
            actor="erp-sync",
            country="nl",
            address=city,
            reference=number,
        )

    rotterdam, eindhoven = sync("C-1001", "Rotterdam"), sync("C-1002", "Eindhoven")
    assert rotterdam != eindhoven
    assert app.customer(rotterdam).reference == "C-1001"
    before = app.recorder.max_notification_id()
    assert sync("C-1001", "Rotterdam") == rotterdam
    assert sync(" C-1002 ", "Eindhoven") == eindhoven
    assert app.recorder.max_notification_id() == before
    with pytest.raises(DuplicateEntry) as refused:
        sync("C-1001", "Eindhoven", currency="USD")
    assert refused.value.field == "reference"
    assert "another currency, address" in str(refused.value)
    # a person registering Acme B.V. by hand, without a number, cannot tell it from either
    with pytest.raises(DuplicateEntry) as by_hand:
        app.register_customer("acme b.v.", "EUR", account_manager="mia", actor="bea")
    assert by_hand.value.field == "name"
    assert app.recorder.max_notification_id() == before
    assert len(app.customers()) == 2


def test_the_same_reference_from_two_applications_is_one_customer(shared_url: str) -> None:
    """Two sync processes on one store register the same ERP customer: one customer."""
    first, second = QuoteToCash.open(shared_url), QuoteToCash.open(shared_url)
    try:
        ids = {
            app.register_customer("Acme", "EUR", account_manager="mia", actor="erp", reference="7")
            for app in (first, second)
        }
        assert ids == {Customer.id_for_reference("7")}
        assert len(second.customers()) == 1
    finally:
        first.close()
        second.close()


def test_a_customer_without_an_account_manager_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every customer's invoices are approved by its account manager and its commission is
    theirs: a blank one (spaces, an invisible character) is refused naming account_manager,
    nothing recorded; a blank reference too. A customer registered before the rule without
    one still loads."""
    app = QuoteToCash.open("memory:")
    for blank in ("", "  ", "\u200b"):
        with pytest.raises(InvalidValue) as refused:
            app.register_customer("Acme", "EUR", account_manager=blank, actor="bea")
        assert refused.value.field == "account_manager"
    with pytest.raises(InvalidValue) as refused:
        app.register_customer("Acme", "EUR", account_manager="mia", actor="bea", reference=" ")
    assert refused.value.field == "reference"
    assert not app.recorder.max_notification_id()
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(customer_module, "person_key", lambda name: name or "nobody")
        old = app.register_customer("Old Co", "EUR", account_manager="", actor="bea")
    assert app.customer(old).account_manager == ""
