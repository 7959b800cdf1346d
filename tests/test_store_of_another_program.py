"""An operator points q2c at a database another program keeps (a wrong file name, the schema of
another service) whose table of q2c's name (``stored_events`` on SQLite) is laid out otherwise.
Before, q2c opened it and the first command or query failed with "cannot reach ...: no such
column: originator_id", read as the server being down. Now opening refuses it, naming the table
and what it lacks, and nothing of q2c's is recorded in it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import PG_DSN, drop_pg_schema, new_pg_schema, pg_url, require_postgres

from q2c_core import QuoteToCash, StorageUnavailable


def test_a_sqlite_file_of_another_program_is_refused_at_opening(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE stored_events (id INTEGER PRIMARY KEY, kind TEXT, body TEXT)")
        db.execute("INSERT INTO stored_events (kind, body) VALUES ('lead', 'Acme')")
    db.close()

    with pytest.raises(StorageUnavailable) as refused:
        QuoteToCash.open(f"sqlite:///{path}")
    message = str(refused.value)
    assert "stored_events" in message and "not q2c's" in message
    assert "originator_id" in message
    with sqlite3.connect(path) as db:  # the other program's rows as they were
        assert db.execute("SELECT kind, body FROM stored_events").fetchall() == [("lead", "Acme")]
    db.close()


def test_a_postgresql_schema_of_another_service_is_refused_at_opening() -> None:
    """(PostgreSQL refused it at opening already: the library's index on a column it lacks.)"""
    require_postgres()
    import psycopg

    schema = new_pg_schema()
    try:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
            # (q2c's table there, by its application's name)
            conn.execute(f'CREATE TABLE "{schema}".quotetocash_events (id serial, body jsonb)')
        with pytest.raises(StorageUnavailable, match="cannot open"):
            QuoteToCash.open(pg_url(schema))
    finally:
        drop_pg_schema(schema)


def test_a_store_q2c_made_opens_again(shared_url: str) -> None:
    app = QuoteToCash.open(shared_url)
    app.register_customer("Acme", "EUR", account_manager="ann", actor="ops")
    app.close()
    again = QuoteToCash.open(shared_url)
    try:
        assert [c.name for c in again.customers()] == ["Acme"]
    finally:
        again.close()
