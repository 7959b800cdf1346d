"""A value an option or argument refuses is one line on standard error, ``error: <option>:
<rule>``, with exit code 2, whichever command it is given to: the README's promise for every
refusal, as ``q2c refund`` keeps it for the amount. Nothing is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import _extended_cli, runner

from q2c_core import QuoteToCash


@pytest.fixture
def url(tmp_path: Path) -> str:
    """Books holding one customer, Acme, on a SQLite file."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.close()
    return url


def recorded(url: str) -> int:
    app = QuoteToCash.open(url)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def refusal(args: list[str]) -> str:
    """Run a command that must be refused: exit 2, nothing on standard output, one line on
    standard error; returns that line."""
    result = runner.invoke(_extended_cli(), args)
    assert result.exit_code == 2, (args, result.output)
    assert "Traceback" not in result.output
    assert result.stdout == "", args
    lines = result.stderr.splitlines()
    assert len(lines) == 1, (args, result.stderr)
    return str(lines[0])


def test_a_bad_value_is_one_line_naming_the_option_and_its_rule(url: str) -> None:
    """Bea mistypes a day, leaves the reference or her name blank, asks for no contracts per
    transaction or for 'abc' workers: each is one line saying which option and why."""
    head = recorded(url)
    refund = ["refund", "Acme", "--url", url, "--amount", "10.00"]
    bill = ["bill", "--url", url, "--as-of", "2026-03-01"]
    cases = {
        ("report", "aging", "--url", url, "--on", "31/03/2026"): (
            "error: --on: '31/03/2026' is not an ISO date"
        ),
        ("report", "aging", "--url", url, "--format", "xlsx"): (
            "error: --format: 'xlsx' is not table, csv or json"
        ),
        ("report", "agin", "--url", url): "error: NAME: no report 'agin'; choose one of ",
        (*refund, "--on", "1 Feb", "--reference", "OUT-1", "--actor", "bea"): (
            "error: --on: '1 Feb' is not an ISO date"
        ),
        (*refund, "--on", "2026-02-01", "--reference", " ", "--actor", "bea"): (
            "error: --reference: must name the refund"
        ),
        (*refund, "--on", "2026-02-01", "--reference", "OUT-1", "--actor", " "): (
            "error: --actor: must say who pays the money back"
        ),
        (*bill, "--actor", "billing", "--batch-size", "0"): (
            "error: --batch-size: must be a whole number, at least 1 (not 0)"
        ),
        (*bill, "--actor", "billing", "--workers", "abc"): "error: --workers: ",
        (*bill, "--actor", " "): "error: --actor: must say who runs the billing",
        ("replay", "--url", url, "--workers", "0"): "error: --workers: must be a whole number",
        ("rows", "kpis", "--url", url, "--limit", "-1"): "error: --limit: ",
        ("explain", "aging", "no-such-row", "--url", url): (
            "error: ROW: 'no-such-row' is neither a row key (prefix:...) nor an id"
        ),
        ("history", "no-such-id", "--url", url): "error: AGGREGATE_ID: ",
        ("export", "invoices", "--url", url, "--format", "xlsx"): (
            "error: --format: must be one of csv, json"
        ),
        ("invoice", "render", "INV-000001", "--url", url, "--format", "doc"): (
            "error: --format: 'doc' is not one of"
        ),
    }
    for args, said in cases.items():
        line = refusal(list(args))
        assert line.startswith(said), (args, line)
    assert recorded(url) == head


def test_a_command_line_missing_an_option_still_shows_the_usage(url: str) -> None:
    """Leaving --url out is no bad value: the usage says what the command takes."""
    result = runner.invoke(_extended_cli(), ["report", "aging"])
    assert result.exit_code == 2
    assert "Usage:" in result.output and "--url" in result.output
