"""``q2c export invoices|payments --on DAY``: the register of a day, through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from test_exports_books_review import _march_close
from typer.testing import CliRunner

from q2c_adapters.cli_accounting import register
from q2c_core import QuoteToCash


def _cli() -> typer.Typer:
    main = typer.Typer()

    @main.callback()
    def root() -> None:
        """q2c."""

    register(main)
    return main


def test_the_march_close_register_through_the_command_line(tmp_path: Path) -> None:
    """--on 2024-03-31 gives the invoices and payments as they stood at the end of 31 March
    (INV-000001 owing 210.00, INV-000002 605.00; one payment, not bounced yet); a day that is
    no date is one line, exit 2."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    app = QuoteToCash.open(url)
    _march_close(app)
    app.close()
    runner = CliRunner()
    invoices = runner.invoke(
        _cli(), ["export", "invoices", "--url", url, "--format", "json", "--on", "2024-03-31"]
    )
    assert invoices.exit_code == 0, invoices.output
    records = json.loads(invoices.stdout)
    assert [(r["number"], r["outstanding"]) for r in records] == [
        ("INV-000001", "210.00"),
        ("INV-000002", "605.00"),
    ]
    payments = runner.invoke(_cli(), ["export", "payments", "--url", url, "--on", "2024-03-31"])
    assert payments.exit_code == 0, payments.output
    lines = payments.stdout.splitlines()
    assert len(lines) == 2 and ",1000.00,2024-03-25,M,1000.00,0.00,0.00,,," in lines[1]
    now = runner.invoke(_cli(), ["export", "invoices", "--url", url, "--format", "json"])
    assert len(json.loads(now.stdout)) == 4  # drafts and the April credit note too
    bad = runner.invoke(_cli(), ["export", "invoices", "--url", url, "--on", "31/03/2024"])
    assert bad.exit_code == 2 and "error: --on: " in bad.output
