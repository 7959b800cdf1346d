"""``q2c report`` prints a report, named as ``q2c report --help`` lists them (``aging``,
``unbilled-by-customer``...), not a projection: ``q2c report receivables_aging`` is refused.
The README's command list said ``q2c report aging ...  # any projection`` and the command's own
help "Print any projection as a table, CSV or JSON", so a newcomer who read ``q2c rows
receivables_aging`` a line below tried the projection's name and got a usage error. Both now
say it takes a report's name and where the names are listed."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.reports import REPORTS
from q2c_core import ProjectionStore, QuoteToCash, all_projections

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
runner = CliRunner(env={"COLUMNS": "200"})


def test_a_projection_s_name_is_no_report(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    app = QuoteToCash.open(url)
    app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.close()
    for projection in all_projections(ProjectionStore.memory()):
        if projection.name in REPORTS:
            continue
        refused = runner.invoke(cli, ["report", projection.name, "--url", url])
        assert refused.exit_code == 2, (projection.name, refused.output)
    assert runner.invoke(cli, ["report", "aging", "--url", url]).exit_code == 0


def test_the_readme_and_the_help_say_report_takes_a_report_s_name() -> None:
    [line] = [line for line in README.splitlines() if line.startswith("q2c report ")]
    comment = line.split("#", 1)[1]
    assert "projection" not in comment
    assert "q2c report --help" in comment
    shown = runner.invoke(cli, ["report", "--help"])
    assert shown.exit_code == 0
    first = shown.stdout.split("Print", 1)[1].split(".", 1)[0]
    assert "projection" not in first
    listed = runner.invoke(cli, ["--help"]).stdout
    [said] = [row for row in listed.splitlines() if re.search(r"\breport\s+Print", row)]
    assert "projection" not in said
