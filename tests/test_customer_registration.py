"""Registering a customer: one customer per name unless a reference tells two apart, the same
reference again is the same customer, and every customer has an account manager."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import pytest
from racing import save_once_all_looked

from q2c_adapters.cli_support import find_customer
from q2c_core import (
    Customer,
    CustomerName,
    DuplicateEntry,
    EarlierCustomersNamed,
    InvalidValue,
    QuoteToCash,
    TaxRate,
)
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
    runs again (names trimmed and spaced otherwise): each number gives back its customer and
    records nothing. A number already
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
    # the sync trims and spaces names its own way: the same name as names are compared
    retried = app.register_customer(
        " Acme  B.V. ",
        "EUR",
        account_manager="mia",
        actor="erp-sync",
        country="nl",
        address="Rotterdam",
        reference="C-1001",
    )
    assert retried == rotterdam
    # and its account manager, a person, as people are compared ("Mia" is mia)
    manager_spelled = app.register_customer(
        "Acme B.V.",
        "EUR",
        account_manager=" Mia",
        actor="erp-sync",
        country="nl",
        address="Rotterdam",
        reference="C-1001",
    )
    assert manager_spelled == rotterdam
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


def test_two_clerks_registering_one_name_at_once_make_one_customer(shared_url: str) -> None:
    """Bea and Dana both register Globex at the same moment, each in her own process: both
    looked and found no Globex before either saved. The store keeps one customer per name:
    one registration is recorded, the other is refused naming the name and that customer."""
    bea, dana = QuoteToCash.open(shared_url), QuoteToCash.open(shared_url)
    registered: dict[str, UUID] = {}
    refused: dict[str, DuplicateEntry] = {}

    def register(clerk: str, app: QuoteToCash) -> None:
        try:
            registered[clerk] = app.register_customer(
                "Globex", "EUR", account_manager="mia", actor=clerk
            )
        except DuplicateEntry as error:
            refused[clerk] = error

    save_once_all_looked([bea, dana])
    try:
        threads = []
        for clerk, app in (("bea", bea), ("dana", dana)):
            threads.append(threading.Thread(target=register, args=(clerk, app)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(registered) == 1 and len(refused) == 1
        (globex,) = registered.values()
        (error,) = refused.values()
        assert error.field == "name"
        assert f"customer {globex} is named 'Globex' already" in str(error)
        assert [c.id for c in QuoteToCash.open(shared_url).customers()] == [globex]
    finally:
        bea.close()
        dana.close()


def test_customers_registered_before_names_were_kept_are_named_by_the_first_registration(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store from before names were kept: two Globex (registered before names were
    compared), Acme, and a name a card-number rule of today would refuse. The first
    registration after the upgrade, Initech, names them in its own transaction: Globex is the
    first Globex's, and both still load. From then on a registration looks up its one name,
    and Acme again is refused naming Acme."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    before = QuoteToCash.open(url)

    def recorded_before(name: str) -> UUID:
        old = Customer(name=name, currency="EUR", account_manager="mia", actor="bea")
        before.save(old)
        return old.id

    globex, other_globex, acme = (recorded_before(n) for n in ("Globex", "GLOBEX", "Acme"))
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(Customer, "NOT_SCANNED", frozenset({"name"}))
        carded = recorded_before("Shop 4111 1111 1111 1111")
    before.close()
    app = QuoteToCash.open(url)
    head = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        app.register_customer("globex ", "EUR", account_manager="mia", actor="bea")
    assert f"customer {globex} is named 'Globex' already" in str(refused.value)
    assert app.recorder.max_notification_id() == head  # a refusal records no names either

    initech = app.register_customer("Initech", "EUR", account_manager="mia", actor="bea")
    named = app.repository.get(EarlierCustomersNamed.create_id())
    assert named.names == 3
    for name, customer in (
        ("globex", globex),
        ("Acme", acme),
        ("shop 4111 1111 1111 1111", carded),
        ("INITECH", initech),
    ):
        assert app.repository.get(CustomerName.create_id(name)).customer_id == customer
    assert app.customer(other_globex).name == "GLOBEX"
    assert app.customer(globex).name == "Globex"

    def every_registration_read(*_: Any) -> Any:
        raise AssertionError("a registration reads its one name, not every registration")

    app._created_events = every_registration_read  # type: ignore[method-assign]
    head = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as again:
        app.register_customer("ACME", "EUR", account_manager="mia", actor="bea")
    assert again.value.field == "name"
    assert f"customer {acme} is named 'Acme' already" in str(again.value)
    assert app.recorder.max_notification_id() == head
    assert app.register_customer("Umbrella", "EUR", account_manager="mia", actor="bea")
    app.close()
