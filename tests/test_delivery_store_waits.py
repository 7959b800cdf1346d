"""A delivery store of its own (``open_store``) waits for its storage as the URL says, as an
application opened on that URL does: ``?lock_timeout=`` on SQLite (else SQLITE_LOCK_TIMEOUT),
``?connect_timeout=`` on PostgreSQL (else POSTGRES_CONNECT_TIMEOUT)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from eventsourcing.persistence import OperationalError

from q2c_adapters.delivery import open_store


def hold_write_lock(db: Path, seconds: float) -> threading.Timer:
    """Another process's writer (a DB browser left in a transaction) holding the file's write
    lock for ``seconds``."""
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")

    def release() -> None:
        holder.rollback()
        holder.close()

    timer = threading.Timer(seconds, release)
    timer.start()
    return timer


def test_a_sqlite_delivery_store_gives_up_after_the_urls_lock_timeout(tmp_path: Path) -> None:
    """The tracking store is sqlite:///tracking.db?lock_timeout=1: with the file locked by
    another writer for 3 s, recording the position gives up after that second (as a save of
    the application does), not after the library's 5, which outlast the writer."""
    db = tmp_path / "tracking.db"
    store = open_store(f"sqlite:///{db}?lock_timeout=1")
    released = hold_write_lock(db, 3)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):
        store.advance("QuoteToCash->ledger", 1, None)
    waited = time.monotonic() - started
    released.join()
    assert 0.9 <= waited < 2.5
    assert store.position("QuoteToCash->ledger") == 0  # nothing recorded


def test_a_sqlite_delivery_store_waits_the_environments_lock_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ?lock_timeout= in the URL: SQLITE_LOCK_TIMEOUT=8 in the environment is the wait, so a
    writer holding the file for 6 s (past the library's 5) delays the position, no error."""
    monkeypatch.setenv("SQLITE_LOCK_TIMEOUT", "8")
    db = tmp_path / "tracking.db"
    store = open_store(f"sqlite:///{db}")
    released = hold_write_lock(db, 6)
    store.advance("QuoteToCash->ledger", 1, None)
    released.join()
    assert store.position("QuoteToCash->ledger") == 1


def test_a_postgres_delivery_store_waits_the_urls_connect_timeout() -> None:
    """A server that takes a while to answer: the tracking store at ?connect_timeout=45 waits
    45 s for a connection, the URL's wait, not the library's 5."""
    from conftest import PG_DSN, drop_pg_schema, new_pg_schema, require_postgres

    require_postgres()
    schema = new_pg_schema()
    try:
        store = open_store(f"{PG_DSN}?schema={schema}&connect_timeout=45")
        assert store.datastore.pool.timeout == 45
        store.advance("QuoteToCash->ledger", 3, None)
        assert store.position("QuoteToCash->ledger") == 3
    finally:
        drop_pg_schema(schema)
