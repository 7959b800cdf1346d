"""The URL an application is opened on says where its books are, whatever the environment says.

eventsourcing reads its settings from the process environment as well, under the plain name
(``POSTGRES_SCHEMA``) and under the application's prefix (``QUOTETOCASH_SQLITE_DBNAME``), the
prefixed one first. An operator whose shell still exported such a setting for another
eventsourcing service had ``QuoteToCash.open(url)`` keep its events elsewhere than the URL
says: ``sqlite:///ours.db`` read and wrote another file (``ours.db`` never made), a URL without
``?schema=`` another schema than ``public`` (the command line checked ``public`` for history,
then worked on the other). The URL's store stands; the environment only fills in what a URL
does not decide (its waits, when the URL gives none).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PG_DSN, drop_pg_schema, new_pg_schema, pg_url, require_postgres

from q2c_core import QuoteToCash


def books_with_acme(url: str) -> None:
    """Books at ``url`` holding one customer, Acme."""
    app = QuoteToCash.open(url)
    app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.close()


def customers_at(url: str) -> list[str]:
    app = QuoteToCash.open(url)
    try:
        return [c.name for c in app.customers()]
    finally:
        app.close()


def test_a_sqlite_file_named_in_the_environment_does_not_replace_the_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-service.db"
    books_with_acme(f"sqlite:///{other}")
    monkeypatch.setenv("QUOTETOCASH_SQLITE_DBNAME", str(other))
    monkeypatch.setenv("SQLITE_DBNAME", str(other))
    ours = tmp_path / "ours.db"

    app = QuoteToCash.open(f"sqlite:///{ours}")
    app.register_customer("Globex", "EUR", account_manager="mia", actor="bea")
    assert [c.name for c in app.customers()] == ["Globex"]
    app.close()

    assert ours.exists()
    monkeypatch.delenv("QUOTETOCASH_SQLITE_DBNAME")
    monkeypatch.delenv("SQLITE_DBNAME")
    assert customers_at(f"sqlite:///{other}") == ["Acme"]  # (nothing of ours written there)
    assert customers_at(f"sqlite:///{ours}") == ["Globex"]


def test_a_storage_module_named_in_the_environment_does_not_replace_the_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTETOCASH_PERSISTENCE_MODULE", "eventsourcing.popo")
    ours = tmp_path / "ours.db"
    books_with_acme(f"sqlite:///{ours}")
    monkeypatch.delenv("QUOTETOCASH_PERSISTENCE_MODULE")
    assert customers_at(f"sqlite:///{ours}") == ["Acme"]  # (kept in the file, not in memory)


def test_a_schema_named_in_the_environment_does_not_replace_the_urls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_postgres()
    theirs, ours = new_pg_schema(), new_pg_schema()
    try:
        books_with_acme(pg_url(theirs))
        monkeypatch.setenv("QUOTETOCASH_POSTGRES_SCHEMA", theirs)
        assert customers_at(pg_url(ours)) == []
    finally:
        drop_pg_schema(theirs)
        drop_pg_schema(ours)


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A database of its own on the real server (its public schema is the test's), dropped
    afterwards."""
    require_postgres()
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_DSN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_url_without_a_schema_is_the_public_schema_whatever_the_environment_says(
    scratch_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    books_with_acme(f"{scratch_database}?schema=billing")
    monkeypatch.setenv("POSTGRES_SCHEMA", "billing")

    assert customers_at(scratch_database) == []  # the public schema: new, empty books
    monkeypatch.delenv("POSTGRES_SCHEMA")
    assert customers_at(f"{scratch_database}?schema=billing") == ["Acme"]
