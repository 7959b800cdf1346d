"""Processes opening one new SQLite store at once all open it: a first open refused at once
with "database is locked" (SQLite does not wait when another process's creating transaction
committed between this one's read of the missing tables and its write, nor for the switch to
WAL mode) is tried again, not reported as the store being unavailable. CI saw two of three
cron jobs opening their new delivery store fail so on a loaded machine."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from eventsourcing.persistence import OperationalError

from q2c_core.storage import create_tables, sqlite_wal_mode


def _env(path: Path) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "5",
    }


def test_a_creation_refused_at_once_as_locked_is_tried_again(tmp_path: Path) -> None:
    tries: list[int] = []

    def create() -> str:
        tries.append(1)
        if len(tries) < 3:
            # as eventsourcing raises it: its OperationalError from the driver's
            raise OperationalError("database is locked") from sqlite3.OperationalError(
                "database is locked"
            )
        return "tables"

    assert create_tables(_env(tmp_path / "store.db"), create) == "tables"
    assert len(tries) == 3


def test_another_error_is_not_tried_again(tmp_path: Path) -> None:
    tries: list[int] = []

    def create() -> str:
        tries.append(1)
        raise OperationalError("no such table") from sqlite3.OperationalError("no such table")

    with pytest.raises(OperationalError):
        create_tables(_env(tmp_path / "store.db"), create)
    assert len(tries) == 1


def test_a_file_held_locked_past_the_timeout_is_still_an_error(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            sqlite_wal_mode(str(path), timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    sqlite_wal_mode(str(path), timeout=0.2, page_size=16384)
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert check.execute("PRAGMA page_size").fetchone()[0] == 16384
    finally:
        check.close()
