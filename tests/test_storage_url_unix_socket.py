"""An operator on the database machine connects through PostgreSQL's Unix-domain socket, as
psql does: the socket's folder percent-encoded in the host's place
(``postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/test``, libpq's form). Before, q2c took
it for a host name and failed with "failed to resolve host '%2Fvar%2Frun%2Fpostgresql'"."""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest
from conftest import PG_DSN, drop_pg_schema, new_pg_schema, pg_url, require_postgres

from q2c_core import QuoteToCash
from q2c_core.storage import env_for_url, url_of

SOCKET_FOLDER = "/var/run/postgresql"


def test_the_socket_folder_is_the_host_the_driver_is_given() -> None:
    env = env_for_url("postgresql://billing@%2Fvar%2Frun%2FPostgreSQL:5433/ledger")
    assert env["POSTGRES_HOST"] == "/var/run/PostgreSQL"  # (as typed: not lower-cased)
    assert env["POSTGRES_PORT"] == "5433"
    assert url_of(env.get) == "postgresql://billing@%2Fvar%2Frun%2FPostgreSQL:5433/ledger"
    assert env_for_url("postgresql://billing@DB.example/ledger")["POSTGRES_HOST"] == ("db.example")


def test_a_store_opened_through_the_socket_is_the_one_opened_over_tcp() -> None:
    require_postgres()
    if not os.path.exists(f"{SOCKET_FOLDER}/.s.PGSQL.5432"):
        pytest.skip(f"no PostgreSQL socket in {SOCKET_FOLDER} on this machine")
    schema = new_pg_schema()
    parts = urlparse(PG_DSN)
    through_socket = (
        f"postgresql://{parts.username}@%2Fvar%2Frun%2Fpostgresql{parts.path}?schema={schema}"
    )
    try:
        app = QuoteToCash.open(through_socket)
        try:
            app.register_customer("Acme", "EUR", account_manager="ann", actor="ops")
        finally:
            app.close()
        over_tcp = QuoteToCash.open(pg_url(schema))
        try:
            assert [c.name for c in over_tcp.customers()] == ["Acme"]
        finally:
            over_tcp.close()
    finally:
        drop_pg_schema(schema)
