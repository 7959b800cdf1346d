"""Storage that cannot be opened is one typed error naming the URL (without its password),
never a driver's exception or a hang; the command line refuses a memory URL, which holds no
history outside the process that made it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PG_DSN, require_postgres
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import InvalidValue, ProjectionStore, QuoteToCash, StorageUnavailable

OPENERS: list[Callable[[str], Any]] = [QuoteToCash.open, ProjectionStore.open]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word (a server hung mid-start, a
    firewall that swallows packets): the real hazard, as no PostgreSQL can be made to hang."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.mark.parametrize("opener", OPENERS)
def test_a_server_that_never_answers_is_an_error_within_the_timeout(
    opener: Callable[[str], Any], silent_server: int
) -> None:
    url = f"postgresql://postgres:secret@127.0.0.1:{silent_server}/test?connect_timeout=1"
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as e:
        opener(url)
    assert time.monotonic() - started < 20  # (it used to wait for ever)
    assert e.value.field == "url" and "secret" not in str(e.value) and ":***@" in str(e.value)


@pytest.mark.parametrize("opener", OPENERS)
def test_a_missing_database_or_folder_is_storage_unavailable(
    opener: Callable[[str], Any], tmp_path: Path
) -> None:
    with pytest.raises(StorageUnavailable, match="unable to open database file"):
        opener(f"sqlite:///{tmp_path / 'no-such-folder' / 'q2c.db'}")
    require_postgres()
    base = PG_DSN.rsplit("/", 1)[0]
    with pytest.raises(StorageUnavailable, match='database "q2c_no_such_db" does not exist'):
        opener(f"{base}/q2c_no_such_db?connect_timeout=5")
    with pytest.raises(InvalidValue) as timeout:
        opener(f"{base}/test?connect_timeout=soon")
    assert timeout.value.field == "url"


def test_the_command_line_refuses_a_memory_url() -> None:
    runner = CliRunner()
    for url in ("memory:", "sqlite:///:memory:"):
        result = runner.invoke(cli, ["report", "aging", "--url", url])
        assert result.exit_code == 2, result.output
        assert "holds no q2c history" in result.output


def test_the_operators_connect_timeout_stands_unless_the_url_gives_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A URL without ?connect_timeout= leaves POSTGRES_CONNECT_TIMEOUT to the environment (a
    deployment's own setting); one with it sets it for that store."""
    from q2c_core.storage import env_for_url

    assert "POSTGRES_CONNECT_TIMEOUT" not in env_for_url("postgresql://u@h/db")
    assert env_for_url("postgresql://u@h/db?connect_timeout=7")["POSTGRES_CONNECT_TIMEOUT"] == "7"


def test_a_programming_mistake_keeps_its_own_type() -> None:
    """Only the storage's own failures become StorageUnavailable: a wrong keyword is a
    TypeError, as Python says."""
    with pytest.raises(TypeError):
        QuoteToCash.open("memory:", max_retrys=3)
