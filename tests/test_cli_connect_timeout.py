"""How long a ``q2c`` command waits for a PostgreSQL server that does not answer.

The README lists ``?connect_timeout=seconds`` in a command's storage URL, yet every command
waited its own 5 s whatever the URL or ``POSTGRES_CONNECT_TIMEOUT`` said: an operator with a
server that answers slowly across a VPN could not give it longer, nor a cron job that wants to
fail fast shorter. The URL's value now wins, else the environment's, else 5 s.

A local socket that accepts connections and never answers stands for the hung server. (The
driver waits at least 2 s whatever it is told, so the tests give 2.)
"""

from __future__ import annotations

import time

import pytest
from test_storage_unavailable import silent_server
from typer.testing import CliRunner

from q2c_adapters import cli_support
from q2c_adapters.cli import app as cli

__all__ = ["silent_server"]  # (the fixture: a port that accepts and never answers)


def waited_for(url: str) -> tuple[float, int, str]:
    """Seconds ``q2c update`` waited before giving up on ``url``, its exit code and output."""
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["update", "--url", url])
    return time.monotonic() - started, result.exit_code, result.output


def test_the_url_s_connect_timeout_is_how_long_a_command_waits(silent_server: int) -> None:
    waited, code, said = waited_for(
        f"postgresql://bea@127.0.0.1:{silent_server}/books?connect_timeout=2"
    )
    assert code == 2
    assert "error: cannot connect to PostgreSQL database 'books'" in said
    assert waited < 4, f"waited {waited:.1f} s for a 2 s timeout (the command's own 5 s?)"


def test_the_environment_s_timeout_holds_when_the_url_gives_none(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTGRES_CONNECT_TIMEOUT", "2")
    waited, code, _ = waited_for(f"postgresql://bea@127.0.0.1:{silent_server}/books")
    assert code == 2
    assert waited < 4, f"waited {waited:.1f} s with POSTGRES_CONNECT_TIMEOUT=2"


def test_the_url_s_timeout_wins_over_the_environment_s(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTGRES_CONNECT_TIMEOUT", "600")
    waited, code, _ = waited_for(
        f"postgresql://bea@127.0.0.1:{silent_server}/books?connect_timeout=2"
    )
    assert code == 2
    assert waited < 4, f"waited {waited:.1f} s for the URL's 2 s"


def test_without_either_a_command_waits_its_own_few_seconds(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """5 s in use (here made 2, to keep the test short), not the library's 30."""
    monkeypatch.delenv("POSTGRES_CONNECT_TIMEOUT", raising=False)
    monkeypatch.setattr(cli_support, "CONNECT_TIMEOUT_SECONDS", 2)
    waited, code, _ = waited_for(f"postgresql://bea@127.0.0.1:{silent_server}/books")
    assert code == 2
    assert 1.5 < waited < 4


def test_a_timeout_in_the_environment_that_is_no_number_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSTGRES_CONNECT_TIMEOUT", "soon")
    _, code, said = waited_for("postgresql://bea@127.0.0.1:1/books")
    assert code == 2
    assert said.strip() == (
        "error: POSTGRES_CONNECT_TIMEOUT: must be a whole number of seconds from 1 to 86400, "
        "not 'soon'"
    )
