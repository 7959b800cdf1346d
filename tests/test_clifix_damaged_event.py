"""An auditor reads the history of Acme's first invoice. One of its stored events was damaged
on disk (its state is no longer JSON). ``q2c history`` used to end in a long traceback
(``MapperDeserialisationError``) with exit code 1, the code ``replay`` keeps for "the read
models differ" and ``history`` for "no events": now it is one line naming the event that
cannot be read (its aggregate, version and topic), exit code 2, as a damaged read-model row is.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from test_projections_story import story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


def damaged_issue(tmp_path: Path) -> tuple[str, str]:
    """Acme's story on a SQLite file, its invoice's issue damaged: the URL and invoice id."""
    db = tmp_path / "acme.db"
    url = f"sqlite:///{db}"
    app = QuoteToCash.open(url)
    invoice = story(app)["invoice"]
    app.close()
    with sqlite3.connect(db) as conn:
        damaged = conn.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND topic LIKE ?",
            (b'{"a":', invoice.hex, "%Invoice.Issued"),
        )
        assert damaged.rowcount == 1
    conn.close()
    return url, str(invoice)


def test_a_damaged_stored_event_is_one_line_naming_it(tmp_path: Path) -> None:
    url, invoice = damaged_issue(tmp_path)
    result = runner.invoke(cli, ["history", invoice, "--url", url])
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, ValueError)
    [said] = [line for line in result.output.splitlines() if line.strip()]
    assert said.startswith("error: a recorded event cannot be read: "), said
    assert "Invoice.Issued" in said and invoice in said, said
