"""A mistyped ``--store`` leaves no file behind on a command that only reads it.

The controller keeps the read models apart from the books and asks what a row of last year
was built from: ``q2c explain commissions ... --store sqlite:///read-model.db``, the name
mistyped (the store is ``read-models.db``). ``explain`` and ``report --as-of`` rebuild into a
scratch store and read ``--store`` only for the commission plan its rows were built with; a
store that is not there holds no plan, and they follow the default one. But looking for the
plan opened the mistyped name with SQLite, which made an empty database file there: a
command documented to write nothing there left a stray store beside the real one. A command
that only reads ``--store`` now leaves a SQLite file that is not there as it found it: not
there.
"""

from __future__ import annotations

from pathlib import Path

from test_cli import cli, runner
from test_projections_story import story

from q2c_core import QuoteToCash


def books(tmp_path: Path) -> str:
    """The story's books in a SQLite file: its URL."""
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    return url


def test_explain_with_a_mistyped_store_makes_no_file_there(tmp_path: Path) -> None:
    url = books(tmp_path)
    mistyped = tmp_path / "read-model.db"

    explained = runner.invoke(
        cli, ["explain", "aging", "INV-000001", "--url", url, "--store", f"sqlite:///{mistyped}"]
    )

    assert explained.exit_code == 0, explained.output
    assert "Invoice.Issued" in explained.output
    assert not mistyped.exists()


def test_a_report_as_of_with_a_mistyped_store_makes_no_file_there(tmp_path: Path) -> None:
    url = books(tmp_path)
    mistyped = tmp_path / "read-model.db"

    printed = runner.invoke(
        cli,
        [
            "report", "aging", "--url", url, "--as-of", "2999-12-31", "--on", "2024-05-01",
            "--format", "csv", "--store", f"sqlite:///{mistyped}",
        ],
    )  # fmt: skip

    assert printed.exit_code == 0, printed.output
    assert "Acme,EUR" in printed.output
    assert not mistyped.exists()
