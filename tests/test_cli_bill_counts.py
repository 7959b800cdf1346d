"""``q2c bill`` counts what it did in words that agree with the number: "1 contract, 0 renewed,
2 events in 1 save", not "1 contracts ... in 1 saves"."""

from __future__ import annotations

from pathlib import Path

from test_contract_billing_backends import setup
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash


def bill(url: str, as_of: str) -> str:
    run = CliRunner().invoke(cli, ["bill", "--url", url, "--as-of", as_of, "--actor", "run"])
    assert run.exit_code == 0, run.output
    return run.stdout


def test_one_contract_is_one_contract(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    setup(app, 1)
    app.close()
    assert "1 contract, 0 renewed, 2 events in 1 save\n" in bill(url, "2024-01-01")
    assert "1 contract, 0 renewed, 0 events in 0 saves\n" in bill(url, "2024-01-01")


def test_several_contracts_are_counted_in_the_plural(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    setup(app, 3)
    app.close()
    assert "3 contracts, 0 renewed, 6 events in 1 save\n" in bill(url, "2024-01-01")
