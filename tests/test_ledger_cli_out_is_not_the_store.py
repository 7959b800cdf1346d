"""``q2c export ... --out FILE`` never writes over the store it reads.

A bookkeeper keeps the books in ``billing.db`` and types ``--out billing.db`` where she
meant ``--out billing.csv`` (or points ``--out`` at the database through another path, or at
SQLite's write-ahead log beside it). Written, the export would replace every event q2c ever
recorded with a CSV or a ledger: the history, the only copy of every number, gone. The export
refuses in one line naming ``--out`` and the store, exit 2, before reading anything, and the
store still holds its history: the same export to another file is the same as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from test_beancount_ledger import build_books
from typer.testing import CliRunner

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_adapters.cli_accounting import register
from q2c_core import QuoteToCash


def _cli() -> typer.Typer:
    main = typer.Typer()

    @main.callback()
    def root() -> None:
        """q2c."""

    register(main)
    return main


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "billing.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    build_books(app)
    app.close()
    return db


def _same(db: Path) -> Path:
    return db


def _through_a_folder_link(db: Path) -> Path:
    (db.parent / "books").symlink_to(db.parent)
    return db.parent / "books" / db.name


def _dotted(db: Path) -> Path:
    return db.parent / "." / ".." / db.parent.name / db.name


def _hard_link(db: Path) -> Path:
    os.link(db, db.parent / "copy-of-billing.db")
    return db.parent / "copy-of-billing.db"


def _its_log(db: Path) -> Path:
    return db.parent / f"{db.name}-wal"


WAYS = [_same, _through_a_folder_link, _dotted, _hard_link, _its_log]


@pytest.mark.parametrize("what", ["beancount", "invoices", "payments"])
@pytest.mark.parametrize("named", WAYS, ids=lambda f: f.__name__)
def test_an_out_naming_the_store_is_refused_and_the_history_stays(
    store: Path, what: str, named: Callable[[Path], Path]
) -> None:
    url = f"sqlite:///{store}"
    app = QuoteToCash.open(url)
    ledger = export_ledger(app)
    app.close()
    before = store.read_bytes()
    out = named(store)

    result = CliRunner().invoke(_cli(), ["export", what, "--url", url, "--out", str(out)])

    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: --out {out}: "), result.output
    assert "the store" in result.output and str(store) in result.output
    assert store.read_bytes() == before
    app = QuoteToCash.open(url)
    assert export_ledger(app) == ledger  # every event still there
    app.close()


def test_another_file_beside_the_store_is_written(store: Path) -> None:
    """The rule is about the store's own files: ``billing.db.csv`` beside it is written."""
    url = f"sqlite:///{store}"
    out = store.parent / "billing.db.csv"
    result = CliRunner().invoke(_cli(), ["export", "invoices", "--url", url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("invoice_id,number,")
