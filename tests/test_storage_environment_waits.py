"""An operator sets how long q2c waits for the database in the environment of a deployment
(POSTGRES_CONNECT_TIMEOUT, SQLITE_LOCK_TIMEOUT), as a URL's ?connect_timeout= or ?lock_timeout=
would. A value that is no whole number of seconds from 1 is refused as the URL's is: InvalidValue
naming the variable. Before, POSTGRES_CONNECT_TIMEOUT=soon failed opening with a bare
ValueError "invalid literal for int()", and 0 with "couldn't get a connection after 0.00 sec",
read as the server being down; a negative SQLITE_LOCK_TIMEOUT was taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("value", ["soon", "0", "-5", "2.5", "86401"])
def test_a_connect_timeout_in_the_environment_that_is_no_number_of_seconds_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTGRES_CONNECT_TIMEOUT", value)
    with pytest.raises(InvalidValue) as refused:
        QuoteToCash.open("postgresql://postgres@127.0.0.1:5999/test")
    assert refused.value.field == "POSTGRES_CONNECT_TIMEOUT"
    assert "whole number of seconds" in str(refused.value)


@pytest.mark.parametrize("value", ["soon", "0", "-5", "2.5"])
def test_a_lock_timeout_in_the_environment_that_is_no_number_of_seconds_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SQLITE_LOCK_TIMEOUT", value)
    with pytest.raises(InvalidValue) as refused:
        QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    assert refused.value.field == "SQLITE_LOCK_TIMEOUT"
    assert not (tmp_path / "q2c.db").exists()  # nothing made


def test_the_urls_own_wait_stands_over_the_environments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SQLITE_LOCK_TIMEOUT", "soon")  # (not read: the URL says)
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}?lock_timeout=9")
    try:
        assert app.recorder.lock_timeout == 9  # type: ignore[attr-defined]
    finally:
        app.close()
    monkeypatch.setenv("SQLITE_LOCK_TIMEOUT", "")  # (empty: the library's 5)
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    try:
        assert app.recorder.lock_timeout == 5  # type: ignore[attr-defined]
    finally:
        app.close()
