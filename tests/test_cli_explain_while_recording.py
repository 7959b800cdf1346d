"""The auditor runs ``q2c explain`` while the desk keeps recording work. A row whose numbers are
computed from other rows (a worker's hours invoiced for a customer: the invoices' lines) is
rebuilt twice, and each pass followed the log to its end as it then was: the row printed came
from the second pass, with the hours Bob logged meanwhile on another of the customer's
requests, while the events listed came from the first, without them (a number, and a list of
the events behind it that does not add up to it). Explain now reads one fixed moment of the log
(its last event when explain starts, or the --as-of cut) in every pass, as replay does. On a
real SQLite file and on PostgreSQL; the other process is simulated deterministically by
recording work right before each pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from test_projections_story import authorized_request, story, work
from typer.testing import CliRunner

import q2c_core.projections.explain as explain_module
from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def desk(shared_url: str) -> Iterator[tuple[str, UUID, UUID, Callable[[], None]]]:
    """Acme's story, and a new request of Acme's authorized for work but not worked yet; the
    desk logs one more hour of Bob's on it, from another application instance, at each call."""
    app = QuoteToCash.open(shared_url)
    ids = story(app)
    later = authorized_request(app, ids["customer"], "Later", date(2024, 5, 1))
    app.close()
    other = QuoteToCash.open(shared_url)
    logged = [0]

    def record_work() -> None:
        logged[0] += 1
        other.log_work(later, work(f"desk{logged[0]}", date(2024, 5, 2), "1"), actor="bob")

    yield shared_url, ids["customer"], later, record_work
    other.close()


def _recording_before(step: Callable[..., Any], record_work: Callable[[], None]) -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        record_work()
        return step(*args, **kwargs)

    return wrapped


def test_explain_while_work_is_recorded_reads_one_moment(
    desk: tuple[str, UUID, UUID, Callable[[], None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, acme, later, record_work = desk
    row = f"wc:bob|{acme.hex}"
    quiet = runner.invoke(cli, ["explain", "kpis", row, "--url", url])
    assert quiet.exit_code == 0, quiet.output
    assert "events behind it:" in quiet.stdout

    with monkeypatch.context() as m:
        m.setattr(
            explain_module,
            "_events_writing",
            _recording_before(explain_module._events_writing, record_work),
        )
        busy = runner.invoke(cli, ["explain", "kpis", row, "--url", url])
    assert busy.exit_code == 0, busy.output

    # the desk did log Bob's hours meanwhile: the next explain takes them in
    app = QuoteToCash.open(url)
    assert len(app.request(later).work) >= 2
    app.close()
    # ... but this one is about the moment it started: the same row, the same events
    assert later.hex not in busy.stdout
    assert busy.stdout == quiet.stdout
    after = runner.invoke(cli, ["explain", "kpis", row, "--url", url])
    assert after.exit_code == 0 and later.hex in after.stdout
