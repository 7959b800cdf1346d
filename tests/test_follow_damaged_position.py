"""The read models of a firm live in a SQLite file (or a PostgreSQL schema) beside their
positions in the log: one tracking record per projection. An operator "fixing" a stuck report by
hand wrote over the receivables' position: NULL, a negative number, text, a fraction.

Before, text or a blob ended the catch-up with a bare ``TypeError``; NULL read as "no position
yet", so the follower tried to apply the whole log again on top of the rows and was refused,
page after page, with "another follower committed first" (there was none); a negative position
applied every event again from the first, on top of rows that already held them.

Now a position that is not a notification id ends the catch-up with ``DamagedRow`` naming the
projection and the value, before anything is read or written; the other projections' rows and
positions stay as they were, and a rebuild from events writes the read model and its position
again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import storage_url
from test_projections_story import story

from q2c_core import DamagedRow, QuoteToCash
from q2c_core.projections import (
    Follower,
    ProjectionStore,
    ReceivablesAging,
    UnbilledRevenue,
    catch_up,
    rebuild,
)

SQLITE_DAMAGE = ["NULL", "-5", "'12abc'", "X'00'", "3.5"]
POSTGRES_DAMAGE = ["NULL", "-5"]


@pytest.fixture(
    params=[("sqlite", d) for d in SQLITE_DAMAGE] + [("postgres", d) for d in POSTGRES_DAMAGE],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def damaged(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """(store URL, how the position was overwritten), on a real SQLite file or PostgreSQL."""
    backend, value = request.param
    with storage_url(backend, tmp_path) as url:
        yield url, value


def overwrite_position(url: str, tracking_name: str, value: str) -> None:
    statement = f"UPDATE tracking SET notification_id = {value} WHERE application_name = ?"
    if url.startswith("sqlite"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        with db:
            assert db.execute(statement, (tracking_name,)).rowcount == 1
        db.close()
        return
    import psycopg

    dsn, schema = url.split("?schema=")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        statement = statement.replace("tracking", "notification_tracking", 1)
        cur = conn.execute(statement.replace("?", "%s"), (tracking_name,))
        assert cur.rowcount == 1


def test_a_position_overwritten_by_hand_is_refused_until_rebuilt(
    damaged: tuple[str, str],
) -> None:
    url, value = damaged
    app = QuoteToCash.open(url)
    store = ProjectionStore.open(url)
    try:
        story(app)
        head = app.recorder.max_notification_id()
        receivables, unbilled = ReceivablesAging(store), UnbilledRevenue(store)
        catch_up(app, [receivables, unbilled])
        rows_before = receivables.rows()
        assert rows_before
        overwrite_position(url, receivables.tracking_name, value)
        unbilled_position = store.position(unbilled.tracking_name)

        for attempt in (
            lambda: catch_up(app, [unbilled, receivables]),
            Follower(app, [receivables]).positions,
        ):
            with pytest.raises(DamagedRow) as refused:
                attempt()
            assert refused.value.projection == receivables.name
            assert "position" in str(refused.value)
        # nothing was written: the rows as they were, the other projection where it was
        assert ReceivablesAging(store).rows() == rows_before
        assert store.position(unbilled.tracking_name) == unbilled_position

        # the events hold every number: a rebuild writes the read model and position again
        rebuild(app, [ReceivablesAging(store)])
        assert store.position(receivables.tracking_name) == head
        assert ReceivablesAging(store).rows() == rows_before
        assert catch_up(app, [ReceivablesAging(store)]) == 0
    finally:
        store.close()
        app.close()
