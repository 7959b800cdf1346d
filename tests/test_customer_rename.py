"""A customer's name can be corrected: a clerk typed "Acme BV" for "Acme B.V.", or a company
renamed itself. Names stay unique (``CustomerName``), the old name is free again, and invoices
issued before keep the name they were issued with.

Found by review: ``correct_customer_details`` corrected an address, a country or a VAT id but
not the name, and a name once registered could never be changed nor given to another customer.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from racing import save_once_all_looked
from test_beancount_ledger import issue, manual_line

from q2c_adapters.cli_support import find_customer
from q2c_adapters.documents import render_html
from q2c_core import (
    CardNumberRefused,
    Customer,
    CustomerName,
    DuplicateEntry,
    EarlierCustomersNamed,
    InvalidValue,
    NotFound,
    QuoteToCash,
    TaxRate,
    buyer_details,
)
from q2c_core.projections import CustomerStatement, catch_up

V21 = TaxRate.standard(21)
D = date(2024, 5, 2)


def register(app: QuoteToCash, name: str, reference: str = "") -> UUID:
    return app.register_customer(
        name, "EUR", account_manager="mia", actor="bea", tax_rate=V21, reference=reference
    )


def issued(app: QuoteToCash, customer: UUID, day: date = D) -> UUID:
    invoice = app.draft_invoice(
        customer, [manual_line("L1", "100", V21)], drafted_on=day, actor="billy"
    )
    issue(app, invoice, day)
    return invoice


def test_a_mistyped_name_is_corrected_and_the_customer_is_found_by_it() -> None:
    """Bea registered "Acme BV"; the company is "Acme B.V.". She renames it: q2c finds Acme
    by its new name, not by the old, and the customer statement names it so. The same name
    again records nothing (a retry)."""
    app = QuoteToCash.open("memory:")
    acme = register(app, "Acme BV")
    assert app.rename_customer(acme, new_name="Acme B.V.", actor="bea")
    assert app.customer(acme).name == "Acme B.V."
    assert find_customer(app, "acme b.v.") == acme
    with pytest.raises(NotFound):
        find_customer(app, "Acme BV")
    assert app.repository.get(CustomerName.create_id("Acme B.V.")).customer_id == acme

    statements = CustomerStatement()
    catch_up(app, [statements])
    assert statements.statement(acme).name == "Acme B.V."
    assert statements.customers() == [(acme.hex, "Acme B.V.")]

    recorded = app.recorder.max_notification_id()
    assert not app.rename_customer(acme, new_name="Acme B.V.", actor="bea")
    assert app.recorder.max_notification_id() == recorded


def test_a_name_spelled_otherwise_is_a_correction_of_its_own_name() -> None:
    """Bea registered acme b.v. in small letters and corrects it to " Acme  B.V.": the same
    name as names are compared, so no other customer's; the new spelling is recorded, and a
    registration of ACME B.V. is refused naming the customer by its new spelling."""
    app = QuoteToCash.open("memory:")
    acme = register(app, "acme b.v.")
    assert app.rename_customer(acme, new_name=" Acme  B.V.", actor="bea")
    assert app.customer(acme).name == " Acme  B.V."
    with pytest.raises(DuplicateEntry) as refused:
        register(app, "ACME B.V.")
    assert refused.value.field == "name"
    assert f"customer {acme} is named ' Acme  B.V.' already" in str(refused.value)


def test_the_old_name_is_free_for_a_later_customer_and_can_be_taken_back() -> None:
    """Globex renamed itself Globex International: a new company named Globex registers after,
    and is recorded. Umbrella renames itself Umbrella Corp and then back to Umbrella: the name
    it gave up is its own again, and Umbrella Corp is free in turn."""
    app = QuoteToCash.open("memory:")
    globex = register(app, "Globex")
    app.rename_customer(globex, new_name="Globex International", actor="bea")
    newcomer = register(app, "GLOBEX")
    assert newcomer != globex
    assert find_customer(app, "globex") == newcomer
    assert find_customer(app, "globex international") == globex
    with pytest.raises(DuplicateEntry):
        register(app, "Globex")

    umbrella = register(app, "Umbrella")
    app.rename_customer(umbrella, new_name="Umbrella Corp", actor="bea")
    app.rename_customer(umbrella, new_name="Umbrella", actor="bea")
    assert app.repository.get(CustomerName.create_id("umbrella")).customer_id == umbrella
    # and "Umbrella Corp", given up in turn, is free
    assert register(app, "Umbrella Corp")


def test_a_name_another_customer_holds_is_refused_and_nothing_is_recorded() -> None:
    """Renaming Acme to Globex's name (however typed) is refused as a registration would be,
    naming Globex; a blank name, a control character or a card number is refused as at
    registration. Nothing is recorded: Acme keeps its name and holds it still."""
    app = QuoteToCash.open("memory:")
    acme, globex = register(app, "Acme"), register(app, "Globex")
    before = app.recorder.max_notification_id()
    for typed in ("Globex", " GLOBEX ", "Ｇｌｏｂｅｘ", "Glo\u200bbex"):
        with pytest.raises(DuplicateEntry) as refused:
            app.rename_customer(acme, new_name=typed, actor="bea")
        assert refused.value.field == "name"
        assert f"customer {globex} is named 'Globex' already" in str(refused.value)
    for blank in ("", "   ", "\u200b"):
        with pytest.raises(InvalidValue) as empty:
            app.rename_customer(acme, new_name=blank, actor="bea")
        assert empty.value.field == "name"
        assert empty.value.aggregate_id == acme
    with pytest.raises(InvalidValue) as control:
        app.rename_customer(acme, new_name="Acme\x0bTrading", actor="bea")
    assert control.value.field == "name"
    with pytest.raises(CardNumberRefused):
        app.rename_customer(acme, new_name="Acme 4111 1111 1111 1111", actor="bea")
    with pytest.raises(InvalidValue) as not_text:
        app.rename_customer(acme, new_name=42, actor="bea")  # type: ignore[arg-type]
    assert not_text.value.field == "name"
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).name == "Acme"
    with pytest.raises(DuplicateEntry):
        register(app, "acme")


def test_an_issued_invoice_keeps_the_name_it_was_issued_with() -> None:
    """Acme BV is invoiced, then renamed Acme B.V.: the invoice issued before still names
    Acme BV; a draft made before the rename, and every invoice issued after, name Acme B.V."""
    app = QuoteToCash.open("memory:")
    acme = register(app, "Acme BV")
    before = issued(app, acme)
    draft = app.draft_invoice(acme, [manual_line("L1", "50", V21)], drafted_on=D, actor="billy")
    app.rename_customer(acme, new_name="Acme B.V.", actor="bea")
    after = issued(app, acme, date(2024, 5, 3))

    customer = app.customer(acme)
    assert buyer_details(app.invoice(before), customer).name == "Acme BV"
    assert buyer_details(app.invoice(draft), customer).name == "Acme B.V."
    assert buyer_details(app.invoice(after), customer).name == "Acme B.V."
    assert "Acme BV" in render_html(app, before)
    assert "Acme B.V." not in render_html(app, before)
    assert "Acme B.V." in render_html(app, draft)
    assert customer.registered_details.name == "Acme BV"


@pytest.mark.parametrize("given_up", [False, True], ids=["never-taken", "given-up-before"])
def test_two_clerks_renaming_to_one_name_at_once_record_one_rename(
    shared_url: str, given_up: bool
) -> None:
    """Bea renames Acme to Globex while Dana renames Initech to Globex, each in her own
    process: both looked and found Globex free before either saved (a name never taken, or
    one the old Globex gave up by renaming itself Hooli). One rename is recorded, the other
    refused naming the customer that took the name; that one keeps its old name."""
    setup = QuoteToCash.open(shared_url)
    acme, initech = register(setup, "Acme"), register(setup, "Initech")
    if given_up:
        setup.rename_customer(register(setup, "Globex"), new_name="Hooli", actor="bea")
    setup.close()
    bea, dana = QuoteToCash.open(shared_url), QuoteToCash.open(shared_url)
    renamed: dict[UUID, bool] = {}
    refused: dict[UUID, DuplicateEntry] = {}

    def rename(app: QuoteToCash, customer: UUID) -> None:
        try:
            renamed[customer] = app.rename_customer(customer, new_name="Globex", actor="clerk")
        except DuplicateEntry as error:
            refused[customer] = error

    save_once_all_looked([bea, dana])
    try:
        threads = [
            threading.Thread(target=rename, args=(bea, acme)),
            threading.Thread(target=rename, args=(dana, initech)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(renamed) == 1 and len(refused) == 1
        (winner,) = renamed
        (loser,) = refused
        assert refused[loser].field == "name"
        assert f"customer {winner} is named 'Globex' already" in str(refused[loser])
        after = QuoteToCash.open(shared_url)
        names = {c.id: c.name for c in after.customers()}
        assert names[winner] == "Globex"
        assert names[loser] == ("Acme" if loser == acme else "Initech")
        assert after.repository.get(CustomerName.create_id("globex")).customer_id == winner
        after.close()
    finally:
        bea.close()
        dana.close()


def test_a_rename_on_a_sqlite_file_is_read_back_by_another_process(tmp_path: Path) -> None:
    """On a SQLite file: Acme BV renamed Acme B.V. reads back so in another process, from its
    snapshot too; there the old name registers a new customer and the new one is refused."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme = register(app, "Acme BV")
    first = issued(app, acme)
    app.rename_customer(acme, new_name="Acme B.V.", actor="bea")
    app.take_snapshot(acme)
    app.close()

    again = QuoteToCash.open(url)
    customer = again.customer(acme)
    assert customer.name == "Acme B.V."
    assert customer.registered_details.name == "Acme BV"
    assert again.invoice(first).buyer is not None
    assert again.invoice(first).buyer.name == "Acme BV"  # type: ignore[union-attr]
    with pytest.raises(DuplicateEntry):
        register(again, "acme b.v.")
    assert register(again, "Acme BV") != acme
    again.close()


def test_customers_registered_before_names_were_kept_can_be_renamed(tmp_path: Path) -> None:
    """A store from before names were kept: two Globex (registered before names were compared)
    and Acme. Renaming Acme to Acme Holding is the first step after the upgrade: the earlier
    customers get their names in the same transaction, and Acme gives its up at once, so a new
    Acme registers. The second Globex, renamed Globex Trading, never held "Globex": the first
    Globex keeps it, and a new Globex is refused."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    before = QuoteToCash.open(url)

    def recorded_before(name: str) -> UUID:
        old = Customer(name=name, currency="EUR", account_manager="mia", actor="bea")
        before.save(old)
        return old.id

    globex, other_globex, acme = (recorded_before(n) for n in ("Globex", "GLOBEX", "Acme"))
    before.close()
    app = QuoteToCash.open(url)
    assert app.rename_customer(acme, new_name="Acme Holding", actor="bea")
    names: Any = app.repository
    assert names.get(EarlierCustomersNamed.create_id()).names == 2
    assert names.get(CustomerName.create_id("acme")).customer_id is None
    assert names.get(CustomerName.create_id("acme holding")).customer_id == acme
    assert register(app, "Acme") != acme

    assert app.rename_customer(other_globex, new_name="Globex Trading", actor="bea")
    assert names.get(CustomerName.create_id("globex")).customer_id == globex
    assert names.get(CustomerName.create_id("globex trading")).customer_id == other_globex
    with pytest.raises(DuplicateEntry):
        app.rename_customer(other_globex, new_name="Acme", actor="bea")
    with pytest.raises(DuplicateEntry):
        register(app, "Globex")
    app.close()


def test_a_customer_sharing_its_name_by_reference_gives_up_nothing_of_the_other_s() -> None:
    """Two Acme B.V. of a group, told apart by the ERP's numbers: the first holds the name.
    The second is renamed Acme Eindhoven B.V.: the first keeps "Acme B.V." (a registration of
    it by hand is still refused), and the second's new name is its own."""
    app = QuoteToCash.open("memory:")
    rotterdam, eindhoven = register(app, "Acme B.V.", "C-1"), register(app, "Acme B.V.", "C-2")
    app.rename_customer(eindhoven, new_name="Acme Eindhoven B.V.", actor="erp-sync")
    with pytest.raises(DuplicateEntry) as refused:
        register(app, "acme b.v.")
    assert f"customer {rotterdam} is named" in str(refused.value)
    with pytest.raises(DuplicateEntry):
        register(app, "Acme Eindhoven B.V.")
