"""``q2c export beancount|invoices|payments`` on a real SQLite file, through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from beancount import loader
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


def _books(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    app = QuoteToCash.open(url)
    build_books(app)
    app.close()
    return url


def test_export_beancount_writes_a_loadable_ledger(tmp_path: Path) -> None:
    """--out writes the same ledger the library builds; Beancount loads it without errors."""
    url = _books(tmp_path)
    out = tmp_path / "books.beancount"
    result = CliRunner().invoke(_cli(), ["export", "beancount", "--url", url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    _, errors, _ = loader.load_string(text)
    assert errors == []
    app = QuoteToCash.open(url)
    assert text == export_ledger(app)
    app.close()
    to_stdout = CliRunner().invoke(_cli(), ["export", "beancount", "--url", url])
    assert to_stdout.exit_code == 0 and to_stdout.stdout == text


def test_export_invoices_and_payments(tmp_path: Path) -> None:
    """JSON and CSV exports through the CLI; a bad format exits 2 with a message."""
    url = _books(tmp_path)
    runner = CliRunner()
    invoices = runner.invoke(_cli(), ["export", "invoices", "--url", url, "--format", "json"])
    assert invoices.exit_code == 0, invoices.output
    assert len(json.loads(invoices.stdout)) == 6  # 4 invoices, 2 credit notes
    payments = runner.invoke(_cli(), ["export", "payments", "--url", url])
    assert payments.exit_code == 0
    assert payments.stdout.splitlines()[0].startswith("payment_id,customer_id,")
    bad = runner.invoke(_cli(), ["export", "invoices", "--url", url, "--format", "xlsx"])
    assert bad.exit_code == 2 and "error: --format: must be one of csv, json" in bad.output


def test_bad_url_exits_with_the_rule(tmp_path: Path) -> None:
    """A URL q2c cannot open is reported, not a traceback."""
    result = CliRunner().invoke(_cli(), ["export", "beancount", "--url", "mysql://x/y"])
    assert result.exit_code == 2
    assert "must start with memory:, sqlite:/// or postgresql://" in result.output


def test_an_out_file_that_cannot_be_written_is_a_one_line_error(tmp_path: Path) -> None:
    """--out in a folder that is not there (or a folder itself): exit 2, one line, no
    traceback, for the ledger and the exports alike."""
    url = _books(tmp_path)
    for args in (
        ["export", "beancount", "--url", url, "--out", str(tmp_path / "no" / "b.beancount")],
        ["export", "invoices", "--url", url, "--out", str(tmp_path / "no" / "i.csv")],
        ["export", "payments", "--url", url, "--out", str(tmp_path)],
    ):
        result = CliRunner().invoke(_cli(), args)
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)
        [line] = result.output.strip().splitlines()
        assert line.startswith("error: --out ")
    assert not (tmp_path / "no").exists()
