"""Shared fixtures: the three storage backends, with a real PostgreSQL server.

PostgreSQL is found (or started with pg_ctlcluster) once per session. When it cannot be reached:
under CI (CI=true) the run fails loudly; on a developer laptop the PostgreSQL tests are skipped
with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from q2c_core import QuoteToCash

PG_DSN = os.environ.get("Q2C_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, str | None] = {}


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg
    except ImportError as e:  # pragma: no cover - the postgres extra is installed by make
        return f"psycopg is not installed: {e}"
    try:
        with psycopg.connect(PG_DSN.split("?")[0], connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as e:
        return f"PostgreSQL at {PG_DSN} is not reachable: {e}"


def _try_start_pg() -> None:
    if not shutil.which("pg_ctlcluster") or not Path("/etc/postgresql").is_dir():
        return
    for version in sorted(os.listdir("/etc/postgresql")):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            check=False,
            capture_output=True,
            timeout=60,
        )


def postgres_unavailable_reason() -> str | None:
    """Find or start PostgreSQL once; None when it is there."""
    if "reason" not in _pg_state:
        reason = _pg_reachable()
        if reason is not None:
            _try_start_pg()
            for _ in range(20):
                reason = _pg_reachable()
                if reason is None:
                    break
                time.sleep(0.5)
        _pg_state["reason"] = reason
    return _pg_state["reason"]


def require_postgres() -> None:
    """Skip (laptop) or fail (CI=true) when PostgreSQL cannot be reached."""
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and PostgreSQL is required: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL on this machine: {reason}")


def new_pg_schema() -> str:
    """A fresh schema name; the URL's ?schema= makes q2c create it."""
    return f"t_{uuid.uuid4().hex[:12]}"


def drop_pg_schema(schema: str) -> None:
    """Remove a test schema and everything in it."""
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pg_url(schema: str) -> str:
    """The PostgreSQL URL of a test schema."""
    return f"{PG_DSN}?schema={schema}"


BACKENDS = ["memory", "sqlite", "postgres"]


@contextlib.contextmanager
def storage_url(backend: str, directory: Path) -> Iterator[str]:
    """A new, empty store's URL: in memory, a real SQLite file in ``directory``, or a schema of
    the real PostgreSQL (dropped afterwards)."""
    if backend == "memory":
        yield "memory:"
    elif backend == "sqlite":
        yield f"sqlite:///{directory / 'q2c.db'}"
    else:
        require_postgres()
        schema = new_pg_schema()
        try:
            yield pg_url(schema)
        finally:
            drop_pg_schema(schema)


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A storage URL for each backend: in memory, a real SQLite file, the real PostgreSQL."""
    with storage_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store that several application instances (or a closed and reopened one) share: a real
    SQLite file or a PostgreSQL schema."""
    with storage_url(request.param, tmp_path) as url:
        yield url


Reopen = Callable[[], QuoteToCash]


def _opening(url: str) -> Iterator[Reopen]:
    """Open an application on ``url`` at each call, all closed at the end."""
    opened: list[QuoteToCash] = []

    def make() -> QuoteToCash:
        app = QuoteToCash.open(url)
        opened.append(app)
        return app

    yield make
    for app in opened:
        app.close()


@pytest.fixture
def app_factory(backend_url: str) -> Iterator[Reopen]:
    """Open (and later close) applications on the backend under test."""
    yield from _opening(backend_url)


@pytest.fixture
def reopen(shared_url: str) -> Iterator[Reopen]:
    """Open the application on one store (a SQLite file, a PostgreSQL schema) again at each
    call: a tool's next process, as a retry after a lost response comes from."""
    yield from _opening(shared_url)


@pytest.fixture
def app() -> Iterator[QuoteToCash]:
    """An in-memory application for fast story tests."""
    application = QuoteToCash.open("memory:")
    yield application
    application.close()


def rewrite_stored_event(
    db_path: Path, topic_ending: str, change: Callable[[dict[str, Any]], None]
) -> None:
    """Change the one stored event whose topic ends so, in a closed SQLite file, as an older
    q2c wrote it: how a test keeps a history recorded before a rule or a field existed."""
    db = sqlite3.connect(db_path)
    try:
        ((rowid, state),) = db.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE ?", (f"%{topic_ending}",)
        ).fetchall()
        facts = json.loads(state)
        change(facts)
        stored = json.dumps(facts, separators=(",", ":")).encode()
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (stored, rowid))
        db.commit()
    finally:
        db.close()
