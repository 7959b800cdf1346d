"""``q2c replay``, ``q2c rebuild`` and ``q2c rows`` give one read model the same row count.

Found by review: on the quickstart store ``q2c replay`` said ``commissions: 6 rows equal`` while
``q2c rebuild --projection commissions`` said ``5 rows`` and ``q2c rows commissions`` listed 5:
replay counted the read model's settings row (what it was built with), the others only the
rows it reports. An auditor comparing the two outputs saw a row appear from nowhere. Each now
counts the rows a person can list and explain; replay still compares the settings row.
"""

from __future__ import annotations

import re
from pathlib import Path

from test_projections_story import story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


def test_the_three_commands_count_the_same_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    rebuilt = runner.invoke(cli, ["rebuild", "--url", url])
    assert rebuilt.exit_code == 0, rebuilt.output
    replayed = runner.invoke(cli, ["replay", "--url", url])
    assert replayed.exit_code == 0, replayed.output
    by_rebuild = dict(re.findall(r"^(\w+): rebuilt, (\d+) rows", rebuilt.output, re.M))
    by_replay = dict(re.findall(r"OK\s+(\w+): (\d+) rows equal", replayed.output))
    assert set(by_rebuild) == set(by_replay) and len(by_replay) == 9
    assert by_replay == by_rebuild
    for name in ("commissions", "review_meeting"):
        listed = runner.invoke(cli, ["rows", name, "--url", url])
        assert listed.exit_code == 0, listed.output
        assert f"{name}: {by_replay[name]} rows" in listed.output
