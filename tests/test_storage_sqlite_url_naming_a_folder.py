"""A SQLite URL ending with / names a folder, not the file the books are kept in.

SQLite dropped the trailing / and made a file of the folder's name: ``sqlite:///var/q2c/``,
meant as "keep the books in that folder", recorded them in a file called ``q2c`` beside it,
and the folder could then never be made. The URL is refused instead, nothing made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from q2c_core import InvalidValue, QuoteToCash


def test_a_url_naming_a_folder_that_does_not_exist_yet_makes_no_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'books'}/"
    with pytest.raises(InvalidValue) as refused:
        QuoteToCash.open(url)
    assert refused.value.field == "url" and refused.value.value == url
    assert "names a folder" in str(refused.value)
    assert f"sqlite:///{tmp_path / 'books'}/q2c.db" in str(refused.value)  # (the way to say it)
    assert list(tmp_path.iterdir()) == []  # (no file named books)


def test_a_url_naming_a_folder_that_exists_is_refused_the_same_way(tmp_path: Path) -> None:
    (tmp_path / "books").mkdir()
    with pytest.raises(InvalidValue, match="names a folder"):
        QuoteToCash.open(f"sqlite:///{tmp_path / 'books'}/")
    assert list((tmp_path / "books").iterdir()) == []


def test_the_file_in_the_folder_opens(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/q2c.db")
    app.register_customer("Acme", "EUR", account_manager="Mia", actor="clerk")
    assert [c.name for c in app.customers()] == ["Acme"]
    app.close()
