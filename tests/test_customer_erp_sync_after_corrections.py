"""The ERP syncs Acme GmbH by its customer number C-1001. Acme moves: the ERP sends the new
address, the sync is refused (as documented: ``correct_customer_details`` corrects it), the
clerk corrects it, and from then on the ERP's sync, sending what q2c now holds, is a retry.

Found by review: the sync was compared with the details Acme was first registered with, so
after the correction the sync sending "Neue Str. 5" (Acme's address in q2c) was refused for
good, and one sending the old "Alte Str. 1" was accepted without a word; a rename the same.
A handover, a change of tax rate or of payment terms, dated from a day on, leaves the
registration true before that day: the ERP sending what it registered is still a retry, and
so is one sending what Acme has now.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from q2c_core import DuplicateEntry, QuoteToCash, TaxRate

V21, V19 = TaxRate.standard(21), TaxRate.standard(19)
JULY_1 = date(2024, 7, 1)


def sync(
    app: QuoteToCash,
    *,
    name: str = "Acme GmbH",
    address: str = "Alte Str. 1",
    city: str = "Berlin",
    postal_code: str = "10115",
    country: str = "DE",
    tax_id: str = "",
    manager: str = "mia",
    tax_rate: TaxRate = V21,
) -> UUID:
    """The ERP's sync of customer C-1001, as it sends it."""
    return app.register_customer(
        name, "EUR", account_manager=manager, actor="erp", reference="C-1001",
        address=address, city=city, postal_code=postal_code, country=country, tax_id=tax_id,
        tax_rate=tax_rate, payment_terms_days=30,
    )  # fmt: skip


def refused(app: QuoteToCash, **sent: str) -> DuplicateEntry:
    """The sync of ``sent`` refused naming the reference, nothing recorded."""
    recorded = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refusal:
        sync(app, **sent)
    assert refusal.value.field == "reference"
    assert app.recorder.max_notification_id() == recorded
    return refusal.value


def test_after_acme_moves_the_sync_of_its_new_address_is_a_retry_and_the_old_one_refused() -> None:
    app = QuoteToCash.open("memory:")
    acme = sync(app)
    moved = refused(app, address="Neue Str. 5")
    assert "another address" in str(moved)
    assert app.correct_customer_details(acme, actor="bea", address="Neue Str. 5")
    assert app.customer(acme).address == "Neue Str. 5"

    recorded = app.recorder.max_notification_id()
    assert sync(app, address="Neue Str. 5") == acme
    assert app.recorder.max_notification_id() == recorded
    # the ERP still sending the old address is not the same details: it says what was corrected
    stale = refused(app, address="Alte Str. 1")
    assert "another address" in str(stale)
    assert "corrected since" in str(stale) and "'Neue Str. 5'" in str(stale)
    assert app.customer(acme).address == "Neue Str. 5"
    app.close()


def test_after_acme_is_renamed_the_sync_of_its_new_name_is_a_retry_and_the_old_one_refused() -> (
    None
):
    app = QuoteToCash.open("memory:")
    acme = sync(app, name="Acme BV")
    assert app.rename_customer(acme, new_name="Acme Holding BV", actor="bea")

    recorded = app.recorder.max_notification_id()
    assert sync(app, name="Acme Holding BV") == acme
    assert sync(app, name=" acme  holding BV") == acme  # (as names are compared)
    assert app.recorder.max_notification_id() == recorded
    stale = refused(app, name="Acme BV")
    assert "another name" in str(stale) and "'Acme Holding BV'" in str(stale)
    assert app.customer(acme).name == "Acme Holding BV"
    app.close()


def test_every_corrected_detail_is_compared_as_acme_holds_it_now() -> None:
    """Acme moves to Vienna: country, VAT id, address, city and post code corrected at once.
    The sync of all of them is a retry; one still sending any one as registered is refused
    naming it."""
    app = QuoteToCash.open("memory:")
    acme = sync(app, tax_id="DE123456789")
    now = dict(
        address="Ring 1", city="Wien", postal_code="1010", country="AT", tax_id="ATU12345678"
    )
    app.correct_customer_details(acme, actor="bea", **now)
    recorded = app.recorder.max_notification_id()
    assert sync(app, **now) == acme
    assert app.recorder.max_notification_id() == recorded
    for field, registered in (
        ("city", "Berlin"),
        ("postal_code", "10115"),
        ("tax_id", "DE123456789"),
    ):
        stale = refused(app, **{**now, field: registered})
        assert f"another {field}" in str(stale) and "corrected since" in str(stale)


def test_a_handover_and_dated_changes_keep_the_registration_a_retry_with_the_corrections(
    tmp_path: Path,
) -> None:
    """Acme is handed over to Bob and billed at 19 % from 1 July, and its address corrected;
    read from its snapshot in another process, the sync with the manager, rate and terms the
    ERP registered and the address q2c holds now is a retry, and so is one naming Bob and
    19 % (what Acme has now: an ERP that keeps handovers); naming Ann, whom Acme never had,
    it is refused."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme = sync(app)
    app.hand_over_customer(acme, to_manager="Bob", effective_on=JULY_1, actor="hr")
    app.change_customer_tax_rate(acme, tax_rate=V19, effective=JULY_1, actor="bea")
    app.correct_customer_details(acme, actor="bea", address="Neue Str. 5")
    app.take_snapshot(acme)
    app.close()

    again = QuoteToCash.open(url)
    recorded = again.recorder.max_notification_id()
    assert sync(again, address="Neue Str. 5") == acme
    assert again.recorder.max_notification_id() == recorded
    assert sync(again, address="Neue Str. 5", manager="Bob", tax_rate=V19) == acme
    assert again.recorder.max_notification_id() == recorded
    assert "another account_manager" in str(refused(again, address="Neue Str. 5", manager="Ann"))
    again.close()


def test_a_rate_recorded_to_start_ahead_is_not_the_rate_of_todays_sync() -> None:
    """Acme goes to 19 % from a day two years ahead; today it is billed at 21 %. The ERP's
    sync sending 21 % is a retry; one sending 19 % is refused (Acme is not billed so yet: a
    retry would hide that the ERP has it in effect now), nothing recorded."""
    from datetime import timedelta

    app = QuoteToCash.open("memory:")
    acme = sync(app)
    ahead = date.today() + timedelta(days=730)
    app.change_customer_tax_rate(acme, tax_rate=V19, effective=ahead, actor="bea")
    recorded = app.recorder.max_notification_id()
    assert sync(app) == acme
    assert app.recorder.max_notification_id() == recorded
    with pytest.raises(DuplicateEntry) as refused:
        sync(app, tax_rate=V19)
    assert refused.value.field == "reference" and "tax_rate" in str(refused.value)
    assert app.recorder.max_notification_id() == recorded
    app.close()
