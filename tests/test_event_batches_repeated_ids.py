"""An aggregate asked for twice in one batch is read once: every store gives each of its events
once. Before, the in-memory store (which reads aggregate by aggregate) gave a customer named
twice every event twice, and reading it in bulk failed on replaying its creation again, while
SQLite and PostgreSQL read it right: a test on memory and production on a file disagreed."""

from __future__ import annotations

from collections.abc import Callable

from q2c_core import Customer, QuoteToCash
from q2c_core.event_batches import EventBatches


def test_a_customer_named_twice_in_a_batch_has_each_event_once_on_every_store(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    app = app_factory()
    acme = app.register_customer("Acme", "EUR", account_manager="ann", actor="ops")
    app.rename_customer(acme, new_name="Acme Corp", actor="ops")
    globex = app.register_customer("Globex", "EUR", account_manager="ann", actor="ops")

    found = EventBatches(app.recorder).events_of([acme, globex, acme])

    assert [version for _, version, _, _ in found[acme]] == [1, 2]
    assert [version for _, version, _, _ in found[globex]] == [1]


def test_reading_a_customer_twice_in_bulk_reads_it_as_recorded(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    app = app_factory()
    acme = app.register_customer("Acme", "EUR", account_manager="ann", actor="ops")
    app.rename_customer(acme, new_name="Acme Corp", actor="ops")

    read = app._get_many(Customer, [acme, acme])

    assert [(c.name, c.version) for c in read] == [("Acme Corp", 2), ("Acme Corp", 2)]
