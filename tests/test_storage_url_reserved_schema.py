"""A bookkeeper names each client's PostgreSQL schema after a word of the trade: ``?schema=
order`` for the order desk. PostgreSQL reserves ``order`` (and ``select``, ``user``,
``position``...): eventsourcing writes the schema's name unquoted in places, so the server
reads it as SQL and the opening failed half-way, with a ``StorageUnavailable`` that a caller
retries forever, after the schema was already created; the projection store opened the same
URL without a word, so application and store disagreed.

Such a URL is refused before anything is done: ``InvalidValue`` naming ``url`` and saying the
name is a word PostgreSQL reserves, the same from the application, the projection store and
the URL check, and no schema is created. A name that merely contains such a word
(``order_desk``) or a keyword PostgreSQL lets name a schema (``left``, ``data``) is taken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import PG_DSN, require_postgres

from q2c_core import InvalidValue, QuoteToCash, StorageUnavailable
from q2c_core.projections import ProjectionStore
from q2c_core.storage import env_for_url


def url(schema: str) -> str:
    # (no server on port 1: were the URL taken, opening it would fail without creating
    # anything; the server itself is tried below, with every schema tried dropped after)
    return f"postgresql://postgres:secret@127.0.0.1:1/test?schema={schema}&connect_timeout=1"


# reserved (order, select, user...) and the words that cannot stand before a dot in a
# type's name (position, int, time...): both made opening fail
RESERVED = ["order", "select", "user", "table", "position", "int", "time", "values"]


@pytest.mark.parametrize("opener", [env_for_url, ProjectionStore.open, QuoteToCash.open])
@pytest.mark.parametrize("schema", RESERVED)
def test_a_schema_named_after_a_word_postgresql_reserves_is_refused(
    opener: Callable[[str], Any], schema: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        opener(url(schema))
    error = refused.value
    assert error.field == "url"
    assert not isinstance(error, StorageUnavailable)
    assert schema in error.rule and "reserve" in error.rule
    assert "secret" not in str(error) and "secret" not in str(error.value)


@pytest.mark.parametrize("schema", ["order_desk", "users", "selections", "left", "data", "acme"])
def test_a_name_that_only_contains_such_a_word_is_taken(schema: str) -> None:
    assert env_for_url(url(schema))["POSTGRES_SCHEMA"] == schema


@pytest.fixture
def pg() -> Iterator[Callable[[str], bool]]:
    """Whether a schema exists on the test server; the words tried are dropped after."""
    require_postgres()
    import psycopg

    tried: list[str] = []

    def exists(schema: str) -> bool:
        tried.append(schema)
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
            ).fetchone()
        return found is not None

    yield exists
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        for schema in tried:  # (only these words: never anything else on the server)
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# words no other test names a schema after, so this test alone creates and drops them
@pytest.mark.parametrize("schema", ["variadic", "xmlpi"])
def test_the_refused_url_creates_no_schema_on_the_server(
    pg: Callable[[str], bool], schema: str
) -> None:
    assert not pg(schema)
    for opener in (QuoteToCash.open, ProjectionStore.open):
        with pytest.raises(InvalidValue) as refused:
            opener(f"{PG_DSN}?schema={schema}")
        assert refused.value.field == "url"
        assert not pg(schema), f"opening {schema!r} created the schema"
