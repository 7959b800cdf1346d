"""A name two customers share (told apart by the ERP's references) stays taken while either
carries it: the customer holding it that is renamed hands it to the other, never frees it.

Found by review: Acme B.V. Rotterdam (C-1) held "Acme B.V.", Acme B.V. Eindhoven (C-2) shared
it. Rotterdam renamed itself; the name was freed although Eindhoven still carried it, and a
third "Acme B.V." was registered by hand, which the name rule exists to refuse.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from q2c_core import (
    Customer,
    CustomerName,
    DuplicateEntry,
    EarlierCustomersNamed,
    QuoteToCash,
    TaxRate,
)

V21 = TaxRate.standard(21)


def register(app: QuoteToCash, name: str, reference: str = "") -> UUID:
    return app.register_customer(
        name, "EUR", account_manager="mia", actor="bea", tax_rate=V21, reference=reference
    )


def holder(app: QuoteToCash, name: str) -> UUID | None:
    found: CustomerName = app.repository.get(CustomerName.create_id(name))
    return found.customer_id


def test_the_holder_renamed_hands_the_name_to_the_customer_still_carrying_it() -> None:
    """Rotterdam holds "Acme B.V.", Eindhoven and Utrecht share it. Rotterdam is renamed: the
    name is Eindhoven's, and "Acme B.V." by hand is still refused. Eindhoven is renamed in
    turn: Utrecht's. Utrecht is renamed: no one carries it, it is free, and a new Acme B.V.
    by hand takes it."""
    app = QuoteToCash.open("memory:")
    rotterdam = register(app, "Acme B.V.", "C-1")
    eindhoven = register(app, "Acme B.V.", "C-2")
    utrecht = register(app, "ACME B.V.", "C-3")
    assert holder(app, "Acme B.V.") == rotterdam

    app.rename_customer(rotterdam, new_name="Acme Rotterdam B.V.", actor="erp-sync")
    assert holder(app, "Acme B.V.") == eindhoven
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        register(app, "acme b.v.")
    assert f"customer {eindhoven} is named" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    with pytest.raises(DuplicateEntry):
        app.rename_customer(rotterdam, new_name="Acme B.V.", actor="bea")

    app.rename_customer(eindhoven, new_name="Acme Eindhoven B.V.", actor="erp-sync")
    assert holder(app, "Acme B.V.") == utrecht
    app.rename_customer(utrecht, new_name="Acme Utrecht B.V.", actor="erp-sync")
    assert holder(app, "Acme B.V.") is None
    assert register(app, "Acme B.V.") not in (rotterdam, eindhoven, utrecht)


def test_a_sharer_renamed_away_is_not_handed_the_name_later() -> None:
    """Eindhoven, which shared the name, is renamed first; then Rotterdam, the holder: no one
    carries "Acme B.V." any more, so the name is free."""
    app = QuoteToCash.open("memory:")
    rotterdam = register(app, "Acme B.V.", "C-1")
    eindhoven = register(app, "Acme B.V.", "C-2")
    app.rename_customer(eindhoven, new_name="Acme Eindhoven B.V.", actor="erp-sync")
    assert holder(app, "Acme B.V.") == rotterdam
    app.rename_customer(rotterdam, new_name="Acme Rotterdam B.V.", actor="erp-sync")
    assert holder(app, "Acme B.V.") is None
    register(app, "Acme B.V.")


def recorded_before(app: QuoteToCash, name: str, reference: str = "") -> UUID:
    """A customer as a registration from before names (or their sharers) were kept recorded
    it: the customer alone."""
    old = Customer(name=name, currency="EUR", account_manager="mia", actor="a", reference=reference)
    app.save(old)
    return old.id


def test_customers_sharing_a_name_before_names_were_kept_hand_it_over_too(
    tmp_path: Path,
) -> None:
    """A store from before names were kept: Globex, and a second GLOBEX. The first
    registration after the upgrade names "Globex" the first's; renamed, the first Globex
    hands it to the second, found in the registrations, and a third by hand is refused."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    before = QuoteToCash.open(url)
    globex, other_globex = (recorded_before(before, n) for n in ("Globex", "GLOBEX"))
    before.close()

    app = QuoteToCash.open(url)
    app.rename_customer(globex, new_name="Globex Holding", actor="bea")
    assert holder(app, "globex") == other_globex
    with pytest.raises(DuplicateEntry):
        register(app, "Globex")
    app.close()


def test_customers_sharing_a_name_before_sharers_were_kept_hand_it_over_too(
    tmp_path: Path,
) -> None:
    """A store from after names were kept but before their sharers were: Initech (C-1) holds
    "Initech", Initech (C-2), registered by reference then, shares it unrecorded. Renamed, the
    first hands the name to the second, found in the registrations."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    before = QuoteToCash.open(url)
    initech = recorded_before(before, "Initech", "C-1")
    other_initech = recorded_before(before, "Initech", "C-2")
    before.save(
        EarlierCustomersNamed(names=0, actor="a"),
        CustomerName(name="Initech", customer_id=initech, actor="a"),  # (no sharers then)
    )
    before.close()

    app = QuoteToCash.open(url)
    app.rename_customer(initech, new_name="Initech Holding", actor="bea")
    assert holder(app, "initech") == other_initech
    with pytest.raises(DuplicateEntry):
        register(app, "Initech")
    app.rename_customer(other_initech, new_name="Initech Europe", actor="bea")
    assert holder(app, "initech") is None
    app.close()
