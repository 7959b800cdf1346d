"""A command on q2c's books in a folder it may not write says so, not that they are no books.

SQLite keeps a WAL database's -wal and -shm files beside it, so books in a folder this process
may not write (a copy on read-only media, a folder of another user's) cannot be opened. The
command line's check that the file holds q2c's history said "<file> is not a q2c database:
unable to open database file", sending the operator to look for another file; it now says it
cannot open the books and why (the folder cannot be written), as ``QuoteToCash.open`` does. A
file that is no SQLite database at all is still "not a q2c database".
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_sqlite_path_named import immutable
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner()


def books_in(folder: Path) -> Path:
    folder.mkdir()
    books = folder / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{books}")
    app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.close()
    return books


def test_books_in_a_folder_that_cannot_be_written_are_said_to_be_so(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    books = books_in(folder)
    if shutil.which("chattr") is None:
        pytest.skip("no chattr on this machine")
    with immutable(folder):
        result = runner.invoke(
            cli, ["report", "customers", "--url", f"sqlite:///{books}", "--format", "csv"]
        )
    assert result.exit_code == 2
    assert "not a q2c database" not in result.output
    assert f"cannot open SQLite database {books}" in result.output
    assert f"the folder {folder} cannot be written by this process" in result.output


def test_a_file_that_is_no_database_is_still_not_a_q2c_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("minutes of the billing meeting\n" * 200)
    result = runner.invoke(cli, ["report", "customers", "--url", f"sqlite:///{notes}"])
    assert result.exit_code == 2
    assert f"{notes} is not a q2c database: file is not a database" in result.output
