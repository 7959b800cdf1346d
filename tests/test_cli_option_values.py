"""A value an option or argument refuses is one line on standard error, ``error: <option>:
<rule>``, with exit code 2, whichever command it is given to: the README's promise for every
refusal, as ``q2c refund`` keeps it for the amount. Nothing is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import _extended_cli, runner
from typer.testing import CliRunner

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


def not_found(args: list[str], columns: int = 400) -> str:
    """Run a command asking for what is not recorded: exit 1, nothing on standard output, one
    line on standard error (in a terminal ``columns`` wide); returns that line."""
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(_extended_cli(), args)
    assert result.exit_code == 1, (args, result.output)
    assert "Traceback" not in result.output
    assert result.stdout == "", args
    lines = result.stderr.splitlines()
    assert len(lines) == 1, (args, result.stderr)
    return str(lines[0])


def test_a_row_or_aggregate_nothing_is_recorded_for_is_not_found_not_a_usage_error(
    url: str,
) -> None:
    """An auditor's script asks about a row key as `q2c rows` lists it, an id as a report prints
    it, or an aggregate's id, that the books hold nothing for: that is "not found", exit 1, one
    line saying what is missing (no `error:`), however the row is named. What the command
    cannot read as a row key, an id or an invoice number, or an id several rows name, stays a
    usage error, exit 2 (see above)."""
    unknown = "0123456789abcdef0123456789abcdef"
    cases = {
        ("explain", "kpis", "wc:unknown"): "kpis has no row 'wc:unknown'",
        ("explain", "kpis", "wc:unknown", "--as-of", "2024-01-01"): (
            "kpis has no row 'wc:unknown' as of 2024-01-01"
        ),
        ("explain", "aging", f"inv:{unknown}"): f"receivables_aging has no row 'inv:{unknown}'",
        ("explain", "aging", unknown): f"receivables_aging has no row naming {unknown}",
        ("explain", "aging", unknown, "--as-of", "2024-01-01"): (
            f"receivables_aging has no row naming {unknown} as of 2024-01-01"
        ),
        ("history", unknown): "no events for 01234567-89ab-cdef-0123-456789abcdef",
    }
    for args, said in cases.items():
        assert not_found([*args, "--url", url]) == said, args
        # one line in a narrow terminal too, as a script reads it
        assert not_found([*args, "--url", url], columns=40) == said, args
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "`<projection> has no row '<key>'`" in readme
    assert "`no events for <id>`" in readme


def test_an_invoice_number_no_invoice_has_is_a_usage_error_for_every_command(url: str) -> None:
    """Bea types INV-999999, a number never issued: ``history`` and ``explain`` refused it as a
    usage error (exit 2) while ``invoice render`` said so with exit code 1, as if a document
    had failed. Now all three refuse the argument alike."""
    number = "INV-999999"
    rule = f"'{number}' is neither an id nor the number of an invoice or credit note"
    assert refusal(["history", number, "--url", url]) == f"error: AGGREGATE_ID: {rule}"
    assert refusal(["explain", "aging", number, "--url", url]).startswith(
        f"error: ROW: '{number}' is neither a row key"
    )
    for fmt in ("pdf", "html", "ubl"):
        line = refusal(["invoice", "render", number, "--url", url, "--format", fmt])
        assert line == f"error: INVOICE: {rule}", fmt


def test_a_url_parameter_a_command_refuses_is_the_line_the_readme_shows() -> None:
    """The README said the refusal names the URL with its passwords as ***; the line names
    the rule only (the URL is the exception's ``value``, for a program)."""
    url = "postgresql://bea:secret@127.0.0.1/books?shema=billing"
    line = refusal(["update", "--url", url])
    assert line == (
        "error: url: unknown parameter 'shema': this URL takes only schema, connect_timeout"
    )
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert " ".join(readme.split()).count(f"`{line}`") == 1
    assert "naming the URL with its passwords" not in readme
