"""The live store keeps the commission plan it was built with, and every command follows it.

The controller rebuilds with the plan payroll agreed (10 % on enhancements from everyone). After
that, ``q2c report aging``, ``q2c update`` and ``q2c report commissions`` without the plan were
refused (exit 2) as a store "built with other settings", and the hint they printed, ``q2c
rebuild`` without the plan, would have rebuilt the commissions at the default rates, quietly
undoing the plan. Now a command given no plan uses the one the store was built with (the
default plan for a store that holds none); a plan given that is not the store's is still
refused, naming the rebuild with it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_cli import cli, runner
from test_projections_story import story

from q2c_core import QuoteToCash

COMMISSIONS_ON = ["--format", "json", "--on", "2024-06-01"]


@pytest.fixture
def books(shared_url: str) -> str:
    """The story's books in a real SQLite file or PostgreSQL schema; their URL."""
    app = QuoteToCash.open(shared_url)
    story(app)
    app.close()
    return shared_url


def rebuilt_with_a_plan(url: str, tmp_path: Path) -> Path:
    """The store rebuilt with a plan paying 10 % on enhancements to everyone; its file."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"manager": "*", "revenue_kind": "enhancement", "rate": "0.10"}]))
    rebuilt = runner.invoke(cli, ["rebuild", "--url", url, "--commission-plan", str(plan)])
    assert rebuilt.exit_code == 0, rebuilt.output
    return plan


def amounts(output: str) -> list[str]:
    return sorted(r["commission"]["amount"] for r in json.loads(output)["rows"])


def test_every_command_follows_the_plan_the_store_was_built_with(
    books: str, tmp_path: Path
) -> None:
    url = books
    plan = rebuilt_with_a_plan(url, tmp_path)

    for args in (["report", "aging"], ["update"], ["rows", "kpis"], ["replay"]):
        done = runner.invoke(cli, [*args, "--url", url])
        assert done.exit_code == 0, (args, done.output)
    report = runner.invoke(cli, ["report", "commissions", "--url", url, *COMMISSIONS_ON])
    assert report.exit_code == 0, report.output
    assert amounts(report.stdout) == ["100.00"]  # 10 % of 1,000.00, as the plan says
    # rebuilt as of now into a scratch store, with the plan the live store was built with
    now = datetime.now(UTC).isoformat()
    as_of = runner.invoke(
        cli, ["report", "commissions", "--url", url, "--as-of", now, *COMMISSIONS_ON]
    )
    assert as_of.exit_code == 0, as_of.output
    assert amounts(as_of.stdout) == ["100.00"]
    # a rebuild without the plan keeps it, as the hint says
    again = runner.invoke(cli, ["rebuild", "--url", url, "--projection", "commissions"])
    assert again.exit_code == 0, again.output
    with_plan = ["report", "commissions", "--url", url, "--commission-plan", str(plan)]
    assert amounts(runner.invoke(cli, [*with_plan, *COMMISSIONS_ON]).stdout) == ["100.00"]


def test_another_plan_given_is_refused_naming_the_rebuild_with_it(
    books: str, tmp_path: Path
) -> None:
    url = books
    rebuilt_with_a_plan(url, tmp_path)
    other = tmp_path / "other.json"
    other.write_text(json.dumps([{"manager": "*", "revenue_kind": "enhancement", "rate": "0.2"}]))
    refused = runner.invoke(cli, ["report", "aging", "--url", url, "--commission-plan", str(other)])
    assert refused.exit_code == 2
    assert f"--commission-plan {other}" in refused.output
