"""The suspense list in CSV gives each credit's id as `q2c suspense` takes it back.

The April statements leave Initech's 99.00 EUR and Globex's 15.00 EUR waiting. The cash
clerk's script reads `q2c suspense list --format csv` and sends each credit back by the id in
its `credit id` column. That column is q2c's id, a key as the README's CSV rule has it (`q2c's ids
and keys` are never written with the `'` that keeps a spreadsheet from reading text as a
number): Initech's id starts with a digit (8ec24a47...), and with a `'` before it no credit
has that id, so its return was refused. Every id in the CSV is the id JSON gives, and each
credit is returned by it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from test_cli_suspense import april, listed, runner

from q2c_adapters.cli import app as cli


def test_the_clerk_returns_each_credit_by_the_id_the_csv_gives(tmp_path: Path) -> None:
    url, _ = april(tmp_path)
    sheet = runner.invoke(cli, ["suspense", "list", "--url", url, "--format", "csv"])
    assert sheet.exit_code == 0, sheet.output
    ids = [row["credit id"] for row in csv.DictReader(io.StringIO(sheet.stdout))]
    assert ids == [row["credit id"] for row in listed(url)]
    assert any(i[0].isdigit() for i in ids)  # (the ids a spreadsheet rule would quote)

    for credit in ids:
        returned = runner.invoke(
            cli,
            [
                "suspense", "return", credit, "--url", url, "--on", "2024-04-12",
                "--reason", "not ours", "--actor", "ana",
            ],
        )  # fmt: skip
        assert returned.exit_code == 0, returned.output
    assert listed(url) == []
