"""A delivery whose position is past the end of the log it is given: the tracking store kept
apart from the books (``store=open_store(...)``) while the books were restored from last
night's copy, or pointed at another company's books. Delivering on from that position would
skip, for good and silently, every event the log records up to it; it is refused instead, as
``q2c update`` refuses a read model past the log's end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from erp import Erp, event_ids

from q2c_adapters.delivery import Delivery, open_store
from q2c_core import QuoteToCash, RuleViolated


def test_books_restored_from_an_older_copy_are_refused_not_skipped(tmp_path: Path) -> None:
    """Acme's books were copied last night; Globex and Initech were registered and delivered
    to the ERP today, then the disk failed and last night's copy was put back. Umbrella is
    registered on the restored books: the next run refuses, naming the position and the log's
    end, delivering nothing and moving nothing, where it said "caught up" and never delivered
    Umbrella; so does its lag, which said 0. A delivery under a new name gives the ERP the
    restored log from its start (what it has is booked once)."""
    books, copy = tmp_path / "billing.db", tmp_path / "billing-last-night.db"
    tracking = f"sqlite:///{tmp_path / 'tracking.db'}"
    app = QuoteToCash.open(f"sqlite:///{books}")
    app.register_customer("Acme", "EUR", account_manager="mia", actor="sales")
    app.close()
    shutil.copy(books, copy)
    app = QuoteToCash.open(f"sqlite:///{books}")
    for name in ("Globex", "Initech"):
        app.register_customer(name, "EUR", account_manager="mia", actor="sales")
    erp = Erp()
    assert Delivery(app, erp, name="erp", store=open_store(tracking)).run().caught_up
    delivered_before = Delivery(app, erp, name="erp", store=open_store(tracking)).position
    app.close()

    books.unlink()
    shutil.copy(copy, books)
    app = QuoteToCash.open(f"sqlite:///{books}")
    app.register_customer("Umbrella", "EUR", account_manager="mia", actor="sales")
    head = app.recorder.max_notification_id()
    assert head is not None and head < delivered_before
    delivery = Delivery(app, erp, name="erp", store=open_store(tracking))
    booked = list(erp.booked)
    with pytest.raises(RuleViolated, match="past the end"):
        delivery.lag()  # (the monitoring's "nothing left to deliver" was 0)
    with pytest.raises(RuleViolated) as refused:
        delivery.run()
    assert refused.value.field == "position"
    assert refused.value.value == delivered_before
    said = str(refused.value)
    assert f"at notification {delivered_before}" in said
    assert f"last notification is {head}" in said and "new name" in said
    assert erp.booked == booked and delivery.position == delivered_before

    again = Delivery(app, erp, name="erp-restored", store=open_store(tracking))
    assert again.run().caught_up
    assert set(event_ids(app)) <= set(erp.booked)  # Umbrella too
    assert len(erp.booked) == len(set(erp.booked))
    app.close()


def test_a_tracking_store_pointed_at_other_books_is_refused(
    shared_url: str, tmp_path: Path
) -> None:
    """The tracking store of the delivery from the main books (SQLite or PostgreSQL), given by
    mistake with a smaller store's books: refused before anything is delivered."""
    tracking = f"sqlite:///{tmp_path / 'tracking.db'}"
    main = QuoteToCash.open(shared_url)
    for name in ("Acme", "Globex", "Initech"):
        main.register_customer(name, "EUR", account_manager="mia", actor="sales")
    Delivery(main, Erp(), name="erp", store=open_store(tracking)).run()
    main.close()
    other = QuoteToCash.open(f"sqlite:///{tmp_path / 'other.db'}")
    other.register_customer("Solo", "EUR", account_manager="mia", actor="sales")
    erp = Erp()
    with pytest.raises(RuleViolated, match="past the end of the application's log"):
        Delivery(other, erp, name="erp", store=open_store(tracking)).run()
    assert erp.booked == []
    other.close()
