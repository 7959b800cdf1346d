"""``q2c rows --help`` said NAME is a "projection name, e.g. kpis", while ``q2c rows aging``
lists the rows the aging report is printed from (as ``explain`` and ``rebuild`` take a
report's name, and their help says so). An auditor reading the help alone took the report names
``q2c report`` prints for names ``rows`` refuses; the help now says a report's name is taken
too, and the command still does what it says."""

from __future__ import annotations

from pathlib import Path

from test_follower_past_head import issue
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


def test_rows_help_says_a_reports_name_is_taken_and_it_is(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    issue(app, "Acme", 100, 2)
    app.close()

    helped = runner.invoke(cli, ["rows", "--help"])
    assert helped.exit_code == 0
    help_text = " ".join(helped.output.split())
    assert "projection or report name" in help_text
    assert "aging" in help_text

    by_report = runner.invoke(cli, ["rows", "aging", "--url", url])
    by_projection = runner.invoke(cli, ["rows", "receivables_aging", "--url", url])
    assert by_report.exit_code == 0, by_report.output
    assert by_report.stdout.startswith("receivables_aging: ")
    assert by_report.stdout == by_projection.stdout
