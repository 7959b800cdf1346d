"""A stored event damaged on disk (its state no longer JSON) stops the read models in one
line naming it. The follower's own decoding let json's bare ``JSONDecodeError`` escape, with no
word of which event: ``q2c report`` and ``q2c replay`` ended in a traceback with exit code 1
(replay's "the read models differ"). Now the follower raises the library's
``MapperDeserialisationError`` naming the notification, its topic, aggregate and version, as
loading the aggregate does, and the commands say so in one line, exit code 2; nothing of the
page is written, and the position stays before it."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.persistence import MapperDeserialisationError
from test_clifix_damaged_event import damaged_issue
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash
from q2c_core.projections import ProjectionStore, ReceivablesAging, catch_up

runner = CliRunner(env={"COLUMNS": "400"})


def test_following_a_damaged_event_names_it_and_writes_nothing(tmp_path: Path) -> None:
    url, invoice = damaged_issue(tmp_path)
    app = QuoteToCash.open(url)
    store = ProjectionStore.open(f"sqlite:///{tmp_path / 'models.db'}")
    aging = ReceivablesAging(store)
    with pytest.raises(MapperDeserialisationError) as stopped:
        catch_up(app, [aging])
    said = str(stopped.value)
    assert "Invoice.Issued" in said and invoice.replace("-", "") in said.replace("-", ""), said
    assert "notification" in said
    assert store.position(aging.tracking_name) == 0
    store.close()
    app.close()


def test_q2c_report_says_it_in_one_line(tmp_path: Path) -> None:
    url, _ = damaged_issue(tmp_path)
    result = runner.invoke(cli, ["report", "aging", "--url", url])
    assert result.exit_code == 2, result.output
    [said] = [line for line in result.output.splitlines() if line.strip()]
    assert said.startswith("error: a recorded event cannot be read: "), said
