"""The PostgreSQL server goes away under a running application (stopped, its host unreachable):
the next command or query is refused with StorageUnavailable naming the URL without its
password once the pool's connect timeout is spent, not after the library's ten retries of it
(five minutes with the default 30 seconds, and a message saying "after 30.00 sec")."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres

from q2c_core import QuoteToCash
from q2c_core.domain.errors import StorageUnavailable
from q2c_core.projections import ProjectionStore, ReceivablesAging, catch_up


def closed_port() -> int:
    """A local port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def books() -> Iterator[QuoteToCash]:
    """An application on its own schema, opened with a password and a 2-second connect
    timeout; its server then 'gone': its connections cut, new ones sent to a closed port."""
    require_postgres()
    schema = new_pg_schema()
    url = pg_url(schema).replace("postgres@", "postgres:Sekr3t@") + "&connect_timeout=2"
    app = QuoteToCash.open(url)
    pool = app.recorder.datastore.pool  # type: ignore[attr-defined]
    try:
        app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
        pool.kwargs["port"] = closed_port()
        for conn in list(pool._pool):  # (the idle connections, as a stopped server leaves them)
            conn.close()
        yield app
    finally:
        pool.kwargs["port"] = 5432
        app.close()
        drop_pg_schema(schema)


def test_a_query_on_a_gone_server_is_refused_after_the_connect_timeout(
    books: QuoteToCash,
) -> None:
    app = books
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as refused:
        app.customers()
    waited = time.monotonic() - started
    assert waited < 5, f"waited {waited:.0f} s for a 2-second connect timeout"
    assert refused.value.field == "url"
    assert "Sekr3t" not in str(refused.value)
    assert "cannot reach postgresql://postgres:***@127.0.0.1:5432/test?schema=t_" in str(
        refused.value
    )


def test_a_command_on_a_gone_server_is_refused_after_the_connect_timeout(
    books: QuoteToCash,
) -> None:
    app = books
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as refused:
        app.register_customer("Globex", "EUR", account_manager="mia", actor="alice")
    assert time.monotonic() - started < 5
    assert "Sekr3t" not in str(refused.value)


def test_read_models_on_a_gone_server_are_refused_after_the_connect_timeout(
    books: QuoteToCash,
) -> None:
    """The read models' store on the same server: following the log is refused as soon as
    its pool's connect timeout is spent, naming the store's URL without its password."""
    schema = new_pg_schema()
    url = pg_url(schema).replace("postgres@", "postgres:Sekr3t@") + "&connect_timeout=2"
    store = ProjectionStore.open(url)
    pool = store.recorder.datastore.pool  # type: ignore[attr-defined]
    try:
        pool.kwargs["port"] = closed_port()
        for conn in list(pool._pool):
            conn.close()
        started = time.monotonic()
        with pytest.raises(StorageUnavailable) as refused:
            catch_up(books, [ReceivablesAging(store)])
        assert time.monotonic() - started < 5
        assert "Sekr3t" not in str(refused.value)
        assert f"schema={schema}" in str(refused.value)
    finally:
        pool.kwargs["port"] = 5432
        store.close()
        drop_pg_schema(schema)
