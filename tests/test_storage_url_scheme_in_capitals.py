"""A URL's scheme is read whatever its case (RFC 3986 makes it case-insensitive):
``Postgresql://`` opened the database while ``SQLite:///books.db``, as a wiki page spells it,
was refused with "a SQLite URL is sqlite:///path/to/file.db", which it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from q2c_core import QuoteToCash, StorageUnavailable
from q2c_core.storage import env_for_url


@pytest.mark.parametrize("scheme", ["SQLite", "SQLITE", "sqlite"])
def test_a_sqlite_url_is_read_whatever_the_case_of_its_scheme(scheme: str, tmp_path: Path) -> None:
    books = tmp_path / "Books.db"
    app = QuoteToCash.open(f"{scheme}:///{books}")
    app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.close()
    assert env_for_url(f"{scheme}:///{books}")["SQLITE_DBNAME"] == str(books)  # (path as is)
    assert [c.name for c in QuoteToCash.open(f"sqlite:///{books}").customers()] == ["Acme"]


def test_a_path_problem_is_said_whatever_the_case_of_the_scheme(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailable) as refused:
        QuoteToCash.open(f"SQLite:///{tmp_path / 'missing' / 'q2c.db'}")
    assert f"the folder {tmp_path / 'missing'} does not exist" in str(refused.value)


def test_memory_is_read_whatever_its_case() -> None:
    assert env_for_url("Memory:") == env_for_url("memory:")
