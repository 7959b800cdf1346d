"""``q2c import`` counts the bad rows of a refused file, not its problems.

An empty export (0 bytes) given to ``q2c import time-entries`` was refused with "4 bad rows,
nothing imported" above four problems all of line 1 (each required column missing): the clerk
looked for four rows in a file of none. The count is now of the lines named, each once (1),
and every problem is still listed; ``ImportRejected`` says so too.
"""

from __future__ import annotations

from pathlib import Path

from test_cli_imports import books, head, q2c
from test_import_time_entries import build as requests_with_tickets

from q2c_core.domain.import_batch import ImportRejected, RowProblem


def test_an_empty_export_is_one_bad_line_with_each_missing_column_listed(tmp_path: Path) -> None:
    url, _ = books(tmp_path, requests_with_tickets)
    empty = tmp_path / "tempo.csv"
    empty.write_bytes(b"")
    before = head(url)
    result = q2c("import", "time-entries", str(empty), "--url", url, "--actor", "psa-sync")
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "error: tempo.csv: 1 bad row, nothing imported"
    assert sorted(line.strip() for line in lines[1:]) == [
        "line 1: date: column is missing",
        "line 1: hours: column is missing",
        "line 1: request: column is missing",
        "line 1: worker: column is missing",
    ]
    assert head(url) == before


def test_the_refusal_counts_rows_as_the_command_does() -> None:
    problems = [RowProblem(1, c, "column is missing") for c in ("date", "hours")]
    refused = ImportRejected("tempo.csv", [*problems, RowProblem(3, "hours", "is not a number")])
    assert refused.rule.startswith("2 bad row(s), nothing imported: line 1: date")
    assert refused.lines == [1, 3]
