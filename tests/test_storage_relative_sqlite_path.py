"""A SQLite URL with a relative path names the file in the folder the books were opened from.

The store opens new connections as it needs them (another thread, a report holding one while a
clerk records): with the path kept relative, each new connection after the process changed its
working folder (a daemon moving to /, a job runner, a test) opened a file of that name in the
new folder: an empty one ("no such table", read as the store out of reach), or worse another
store's books of the same name, where the events were then recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from q2c_core import QuoteToCash


def _register_while_a_report_holds_a_connection(app: QuoteToCash, name: str) -> None:
    """A clerk registers a customer while a long report holds the connection the application
    had open: the store opens another one for the clerk."""
    with app.recorder.datastore.get_connection(commit=False):  # type: ignore[attr-defined]
        app.register_customer(name, "EUR", account_manager="Mia", actor="clerk")


def test_the_books_stay_in_the_file_opened_after_the_process_changes_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    books, elsewhere = tmp_path / "books", tmp_path / "elsewhere"
    books.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(books)
    app = QuoteToCash.open("sqlite:///billing.db")
    app.register_customer("Acme", "EUR", account_manager="Mia", actor="clerk")

    monkeypatch.chdir(elsewhere)  # (the process moves on; the books stay where they were)
    _register_while_a_report_holds_a_connection(app, "Globex")

    assert sorted(c.name for c in app.customers()) == ["Acme", "Globex"]
    assert not (elsewhere / "billing.db").exists()  # (no new, empty file beside the others)
    app.close()
    reopened = QuoteToCash.open(f"sqlite:///{books / 'billing.db'}")
    assert sorted(c.name for c in reopened.customers()) == ["Acme", "Globex"]
    reopened.close()


def test_another_stores_books_of_the_same_name_are_not_written_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    monkeypatch.chdir(theirs)
    other = QuoteToCash.open("sqlite:///billing.db")
    other.register_customer("Initech", "EUR", account_manager="Bob", actor="clerk")
    other.close()

    monkeypatch.chdir(ours)
    app = QuoteToCash.open("sqlite:///billing.db")
    app.register_customer("Acme", "EUR", account_manager="Mia", actor="clerk")
    monkeypatch.chdir(theirs)
    _register_while_a_report_holds_a_connection(app, "Globex")
    app.close()

    ours_now = QuoteToCash.open(f"sqlite:///{ours / 'billing.db'}")
    theirs_now = QuoteToCash.open(f"sqlite:///{theirs / 'billing.db'}")
    assert sorted(c.name for c in ours_now.customers()) == ["Acme", "Globex"]
    assert [c.name for c in theirs_now.customers()] == ["Initech"]
    ours_now.close()
    theirs_now.close()
