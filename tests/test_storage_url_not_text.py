"""A storage URL that is no text (a pathlib.Path to the SQLite file, the None of an unset
environment variable, bytes) is refused in q2c's words: InvalidValue naming url, saying what a
URL looks like, for the application and the projection store alike. Before, a bare TypeError
("argument of type 'PosixPath' is not iterable") came out of the URL check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from q2c_core import InvalidValue, ProjectionStore, QuoteToCash


@pytest.mark.parametrize("opener", [QuoteToCash.open, ProjectionStore.open])
@pytest.mark.parametrize("given", [None, b"sqlite:///q2c.db", 5])
def test_a_url_that_is_no_text_is_refused(opener: Callable[[Any], Any], given: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        opener(given)
    assert refused.value.field == "url"
    assert "sqlite:///" in str(refused.value)


@pytest.mark.parametrize("opener", [QuoteToCash.open, ProjectionStore.open])
def test_a_path_is_told_the_url_of_its_file(opener: Callable[[Any], Any], tmp_path: Path) -> None:
    books = tmp_path / "books.db"
    with pytest.raises(InvalidValue) as refused:
        opener(books)
    assert refused.value.field == "url"
    assert f"sqlite:///{books}" in str(refused.value)
    assert not books.exists()  # nothing made


def test_a_url_given_as_bytes_never_shows_its_password() -> None:
    with pytest.raises(InvalidValue) as refused:
        QuoteToCash.open(b"postgresql://billing:Xk9q2Lp@127.0.0.1/ledger")  # type: ignore[arg-type]
    assert "Xk9q2Lp" not in f"{refused.value} {refused.value.value}"
