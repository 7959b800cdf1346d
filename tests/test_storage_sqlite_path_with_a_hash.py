"""A SQLite file whose folder or name holds a ``#`` (``/srv/acct#2/q2c.db``, as q2c takes the
path as typed) keeps the URL's parameters: the URL parser read everything after the ``#`` as a
fragment, so ``?lock_timeout=30`` was dropped without a word (writes waited the default 5 s)
and a mistyped ``?lock_timeot=30`` was not refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from q2c_core import InvalidValue, QuoteToCash
from q2c_core.storage import env_for_url


def test_the_lock_timeout_of_a_path_with_a_hash_stands(tmp_path: Path) -> None:
    folder = tmp_path / "acct#2"
    folder.mkdir()
    url = f"sqlite:///{folder / 'q2c.db'}?lock_timeout=30"
    env = env_for_url(url)
    assert env["SQLITE_DBNAME"] == str(folder / "q2c.db")
    assert env["SQLITE_LOCK_TIMEOUT"] == "30"
    app = QuoteToCash.open(url)
    assert app.recorder.lock_timeout == 30  # type: ignore[attr-defined]
    app.close()


def test_a_mistyped_parameter_after_a_path_with_a_hash_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue) as refused:
        env_for_url(f"sqlite:///{tmp_path / 'acct#2' / 'q2c.db'}?lock_timeot=30")
    assert "unknown parameter 'lock_timeot'" in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1/acct#2?schema=billing",
        "postgresql://postgres@127.0.0.1/books#?schema=billing",
    ],
)
def test_a_hash_in_a_postgresql_url_is_refused_not_cut_off(url: str) -> None:
    """The parser cut a PostgreSQL URL at its ``#``: database "acct" (another one, or none),
    its ``?schema=billing`` dropped and the public schema opened."""
    with pytest.raises(InvalidValue) as refused:
        env_for_url(url)
    assert refused.value.field == "url"
    assert "%23" in str(refused.value)
