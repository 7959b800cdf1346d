"""A snapshot job given an id nothing is recorded under (a mistyped id, another store's) is told
so in q2c's words: NotFound naming the id, nothing written. Before, eventsourcing's untyped
AggregateNotFoundError came through; and an id given as its text was snapshotted on the memory
store but not found on SQLite."""

from __future__ import annotations

import pytest

from q2c_core import NotFound, QuoteToCash, new_id


def test_a_snapshot_of_an_id_nothing_is_recorded_under_is_not_found(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        stranger = new_id()
        with pytest.raises(NotFound) as refused:
            app.take_snapshot(stranger)
        assert refused.value.field == "id"
        assert refused.value.aggregate_id == stranger
        assert app.verify_snapshots().checked == 0  # nothing written
    finally:
        app.close()


def test_a_snapshot_of_a_version_before_the_first_is_not_found(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="ops")
        with pytest.raises(NotFound, match="version 0") as refused:
            app.take_snapshot(acme, version=0)
        assert refused.value.field == "version"
        assert app.verify_snapshots().checked == 0
    finally:
        app.close()


def test_an_id_given_as_its_text_is_snapshotted_on_every_store(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="ops")
        app.take_snapshot(str(acme))  # type: ignore[arg-type]
        check = app.verify_snapshots()
        assert (check.checked, check.ok) == (1, True)
    finally:
        app.close()
