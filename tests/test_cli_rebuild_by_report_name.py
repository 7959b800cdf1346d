"""``q2c rebuild --projection aging`` rebuilds the read model the aging report is printed from,
as ``q2c rows aging`` and ``q2c explain aging`` read it.

Found by the newcomer's review of the docs: Bea read the aging report (``q2c report aging``),
looked at its rows (``q2c rows aging``), and then ``q2c rebuild --projection aging`` was a usage
error ("no projection 'aging'"): one command of three did not know the name the other two took.
A report's name now names its projection in ``rebuild`` too; a name neither is still refused.
"""

from __future__ import annotations

from pathlib import Path

from test_follower_past_head import issue
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


def books(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    issue(app, "Acme", 100, 2)
    app.close()
    return url


def test_a_reports_name_rebuilds_its_projection(tmp_path: Path) -> None:
    url = books(tmp_path)
    by_report = runner.invoke(cli, ["rebuild", "--url", url, "--projection", "aging"])
    assert by_report.exit_code == 0, by_report.output
    assert "receivables_aging: rebuilt" in by_report.output
    assert "unbilled_revenue" not in by_report.output  # (only the one named)
    by_name = runner.invoke(cli, ["rebuild", "--url", url, "--projection", "receivables_aging"])
    assert by_name.exit_code == 0, by_name.output
    assert "receivables_aging: rebuilt" in by_name.output


def test_a_name_that_is_neither_is_refused(tmp_path: Path) -> None:
    url = books(tmp_path)
    refused = runner.invoke(cli, ["rebuild", "--url", url, "--projection", "agin"])
    assert refused.exit_code == 2
    assert "no projection 'agin'" in " ".join(refused.output.split())


def test_rebuild_s_help_says_a_report_s_name_is_taken() -> None:
    """README says --projection takes a projection's or a report's name; so does the help."""
    shown = runner.invoke(cli, ["rebuild", "--help"])
    assert shown.exit_code == 0
    assert "report's name" in " ".join(shown.output.replace("│", " ").split())
