"""An embedder closes its projection store (or its application) when a request ends and, by a
mistake in its code, runs the follower or a report on it afterwards.

Before, a closed SQLite store raised eventsourcing's bare ``ConnectionPoolClosedError`` with no
message; PostgreSQL said the server was out of reach ("cannot reach ...: pool has already been
opened/closed"), sending the operator to look for a server that was up; a closed in-memory
store went on taking rows. A follower of a closed application said the same of its log.

Now a closed store, on every backend, refuses to be followed or read with one
``StorageUnavailable`` saying it was closed and naming it; a closed application's log is
refused as its commands are (saying it was closed); nothing is written, and the store opened
again holds the rows as they were and follows on.
"""

from __future__ import annotations

import pytest
from test_projections_story import story

from q2c_core import QuoteToCash, StorageUnavailable
from q2c_core.projections import ProjectionStore, ReceivablesAging, catch_up


def test_a_closed_projection_store_says_it_was_closed(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        story(app)
        store = ProjectionStore.open(backend_url)
        catch_up(app, [ReceivablesAging(store)])
        position = store.position(ReceivablesAging(store).tracking_name)
        rows = ReceivablesAging(store).rows()
        store.close()

        for use in (
            lambda: catch_up(app, [ReceivablesAging(store)]),
            lambda: ReceivablesAging(store).rows(),
            lambda: ReceivablesAging(store).get("anything"),
            lambda: store.position("q2c.projection.receivables_aging"),
        ):
            with pytest.raises(StorageUnavailable, match="closed") as refused:
                use()
            assert "ProjectionStore.open" in str(refused.value)
            assert refused.value.field == "url"
        store.close()  # (closing twice is harmless)

        if backend_url != "memory:":
            again = ProjectionStore.open(backend_url)
            try:
                assert again.position(ReceivablesAging(again).tracking_name) == position
                assert ReceivablesAging(again).rows() == rows
            finally:
                again.close()
    finally:
        app.close()


def test_following_a_closed_application_says_it_was_closed(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    story(app)
    app.close()
    store = ProjectionStore.memory()
    receivables = ReceivablesAging(store)
    with pytest.raises(StorageUnavailable, match="closed") as refused:
        catch_up(app, [receivables])
    assert "QuoteToCash.open" in str(refused.value)
    assert store.position(receivables.tracking_name) == 0
    assert receivables.rows() == {}
