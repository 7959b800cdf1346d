"""A ledger title or journal path of the wrong kind is refused by name, nothing written.

A script building the books from its settings passes what the settings file held: no title
(None), a number, no journal path. Rather than a bare ``AttributeError`` (``'NoneType' object
has no attribute 'replace'``) from deep inside the rendering, or a ``TypeError`` from ``open``,
q2c refuses it with ``InvalidValue`` naming ``title`` or ``path``; a journal path given as a
``pathlib.Path`` is taken as its text is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_beancount_ledger import build_books, load_ok

from q2c_adapters.accounting.beancount_ledger import BeancountJournal, export_ledger
from q2c_adapters.delivery import Delivery
from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("title", [None, 5, b"books"])
def test_an_export_titled_by_no_text_is_refused_naming_the_title(title: Any) -> None:
    app = QuoteToCash.open("memory:")
    build_books(app)

    with pytest.raises(InvalidValue) as refused:
        export_ledger(app, title=title)

    assert refused.value.field == "title"


@pytest.mark.parametrize("title", [None, 5])
def test_a_journal_titled_by_no_text_is_refused_before_its_file_is_made(
    tmp_path: Path, title: Any
) -> None:
    app = QuoteToCash.open("memory:")
    path = tmp_path / "books.beancount"

    with pytest.raises(InvalidValue) as refused:
        BeancountJournal(app, str(path), title=title)

    assert refused.value.field == "title"
    assert not path.exists()


@pytest.mark.parametrize("path", [None, 5, ["books.beancount"]])
def test_a_journal_at_no_path_is_refused_naming_the_path(path: Any) -> None:
    app = QuoteToCash.open("memory:")

    with pytest.raises(InvalidValue) as refused:
        BeancountJournal(app, path)

    assert refused.value.field == "path"


def test_a_journal_path_given_as_a_path_books_as_its_text_does(tmp_path: Path) -> None:
    app = QuoteToCash.open("memory:")
    build_books(app)
    path = tmp_path / "books.beancount"

    assert Delivery(app, BeancountJournal(app, path), name="ledger").run().caught_up  # type: ignore[arg-type]

    load_ok(path.read_text(encoding="utf-8"))
    assert "Payment bounced" in path.read_text(encoding="utf-8")
