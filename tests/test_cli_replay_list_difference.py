"""A live row whose list lost an item (or gained one) is printed so the auditor sees which:
the two lengths and the items one side has and the other lacks, not both lists cut to 200
characters, which look identical when the difference is at the end."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from test_projections_story import story, work
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.cli import diff_fields
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


def test_a_long_list_missing_its_last_item_names_the_item(tmp_path: Path) -> None:
    """Cy logs 60 more entries (a quarter hour each) on the reports request; its unbilled
    row's live list loses the last one behind the follower's back: replay prints the lengths
    and the missing entry."""
    db = tmp_path / "q2c.db"
    url = f"sqlite:///{db}"
    app = QuoteToCash.open(url)
    ids = story(app)
    for n in range(1, 61):
        app.log_work(ids["request2"], work(f"cy{n}", date(2024, 4, 3), "0.25", "cy"), actor="cy")
    app.close()
    assert runner.invoke(cli, ["update", "--url", url]).exit_code == 0
    key = f"req:{ids['request2'].hex}"
    with sqlite3.connect(db) as conn:
        (text,) = conn.execute(
            "SELECT value FROM q2c_projection_rows WHERE projection = ? AND key = ?",
            ("unbilled_revenue", key),
        ).fetchone()
        row = json.loads(text)
        assert len(row["items"]) == 61 and row["items"][-1] == "cy60"
        row["items"] = row["items"][:-1]
        conn.execute(
            "UPDATE q2c_projection_rows SET value = ? WHERE projection = ? AND key = ?",
            (json.dumps(row, separators=(",", ":")), "unbilled_revenue", key),
        )
    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 1, result.output
    assert f"row {key}" in result.output
    assert '    items: 60 items → 61 items; live lacks [60] "cy60"' in result.output


def test_items_added_removed_or_changed_in_the_middle() -> None:
    rebuilt = [f"e{n}" for n in range(100)]
    extra = [*rebuilt[:50], "zz", *rebuilt[50:]]
    assert diff_fields("items", extra, rebuilt) == [
        ("items", "101 items", '100 items; live has extra [50] "zz"')
    ]
    fewer = rebuilt[:10] + rebuilt[13:]
    ((_, live, wanted),) = diff_fields("items", fewer, rebuilt)
    assert live == "97 items"
    assert wanted == '100 items; live lacks [10] "e10", [11] "e11", [12] "e12"'
    many = rebuilt[:1]
    ((_, _, wanted),) = diff_fields("items", many, rebuilt)
    assert wanted == '100 items; live lacks [1] "e1", [2] "e2", [3] "e3" and 96 more'
    assert diff_fields("items", [], ["m1"]) == [("items", "0 items", '1 item; live lacks [0] "m1"')]
    swapped = ["a", "x", "c"]
    assert diff_fields("items", swapped, ["a", "b", "c", "d"]) == [
        ("items", "3 items", '4 items; live lacks [1] "b", [3] "d"; live has extra [1] "x"')
    ]
