"""As of a time, a rebuild takes the events recorded by then: whole saves, the same for every
projection whatever events it reads.

A billing run saves a contract's PeriodBilled and, after it in the same transaction, the invoice
drafted just before it; an allocation saves the payment and the invoice it pays. Events carry
their creation time, not the time their save was recorded, so q2c's recorders keep one row per
save (its notification ids and recording time), and "as of T" is the log up to the last save
recorded by T. A history recorded before those rows existed is cut at its first event created
after T.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from test_contract_billing import A, contract, customer, eur, issue, sub
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash
from q2c_core.projections import Follower, ProjectionStore, all_projections, rebuild
from q2c_core.recorded_saves import RecordsSaves, position_as_of


@pytest.fixture
def url(shared_url: str) -> str:
    """A real SQLite file or a PostgreSQL schema (conftest's ``shared_url``)."""
    return shared_url


def _events(app: QuoteToCash, after: int = 0) -> list[Any]:
    return [
        app.mapper.to_domain_event(n)  # type: ignore[attr-defined]
        for n in app.recorder.select_notifications(start=after + 1, limit=10_000)
    ]


def _rows(projections: list[Any]) -> dict[str, Any]:
    return {p.name: p.rows() for p in projections}


def _followed(app: QuoteToCash) -> dict[str, Any]:
    projections = all_projections()
    Follower(app, projections).run()
    return _rows(projections)


def _as_of(app: QuoteToCash, moment: datetime) -> dict[str, Any]:
    projections = all_projections()
    rebuild(app, projections, as_of=moment)
    return _rows(projections)


def test_a_billing_save_is_in_a_rebuild_as_of_its_recording_time_only(url: str) -> None:
    app = QuoteToCash.open(url)
    assert isinstance(app.recorder, RecordsSaves)
    cust = customer(app)
    contract(app, cust, subs=(sub("S1"),))
    before = _followed(app)
    signed = app.recorder.max_notification_id() or 0
    app.run_billing(date(2024, 1, 31), actor="run")
    recorded = datetime.now(UTC)
    billed, drafted = _events(app, signed)
    assert (type(billed).__qualname__, type(drafted).__qualname__) == (
        "Contract.PeriodBilled",
        "Invoice.Drafted",
    )
    assert drafted.timestamp < billed.timestamp  # saved in the other order
    # as of either event's creation time the save was not recorded yet: as before the run
    assert _as_of(app, drafted.timestamp) == before
    assert _as_of(app, billed.timestamp) == before
    assert position_as_of(app, billed.timestamp) == signed
    # as of after its commit: the whole save, exactly the live projections
    assert _as_of(app, recorded) == _followed(app)
    assert _followed(app)["unbilled_revenue"] != before["unbilled_revenue"]
    app.close()


def test_an_allocation_is_never_half_in(url: str) -> None:
    """As of the payment's allocation time, the save that records it (the payment and the
    invoice it pays) was not recorded: the statement shows neither half."""
    app = QuoteToCash.open(url)
    cust = customer(app)
    contract(app, cust, subs=(sub("S1"),))
    [inv] = app.run_billing(date(2024, 1, 31), actor="run").invoice_ids
    issue(app, inv, date(2024, 1, 31))
    pay = app.receive_payment(
        cust, eur("100.00"), received_on=date(2024, 2, 5), reference="r", actor=A
    )
    before = _followed(app)
    received = app.recorder.max_notification_id() or 0
    app.allocate_payment(pay, [(inv, eur("100.00"))], allocated_on=date(2024, 2, 5), actor=A)
    for event in _events(app, received):
        assert _as_of(app, event.timestamp) == before, type(event).__qualname__
    assert _as_of(app, datetime.now(UTC)) == _followed(app)
    app.close()


def test_every_projection_alone_and_in_shares_is_cut_where_all_together_are(
    url: str, tmp_path: Path
) -> None:
    """The cut is one notification id for the whole log: a projection that reads no contract
    events (receivables, statements) stops where the ones that do stop, alone or in a worker's
    share."""
    app = QuoteToCash.open(url)
    cust = customer(app)
    for n in range(3):
        contract(app, cust, number=f"MC-{n}", subs=(sub("S1"),))
    app.run_billing(date(2024, 1, 31), actor="run")
    [_, last] = _events(app)[-2:]
    for moment in (last.timestamp, datetime.now(UTC)):
        together = _as_of(app, moment)
        for name in together:
            alone = [p for p in all_projections() if p.name == name]
            rebuild(app, alone, as_of=moment)
            assert alone[0].rows() == together[name], name
        store = ProjectionStore.open(f"sqlite:///{tmp_path / f'shares{moment.timestamp()}.db'}")
        shared = all_projections(store)
        rebuild(app, shared, as_of=moment, workers=2)
        assert _rows(shared) == together
        store.close()
    app.close()


def test_a_history_recorded_before_the_saves_were_kept_is_cut_by_creation_time(
    tmp_path: Path,
) -> None:
    """Without rows of saves (an older file), the log is cut at its first event created after
    the time: as of the invoice's creation, the run's PeriodBilled (created later, saved first)
    stops it, and the invoice saved after it is left out too."""
    path = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{path}")
    cust = customer(app)
    contract(app, cust, subs=(sub("S1"),))
    before = _followed(app)
    signed = app.recorder.max_notification_id() or 0
    app.run_billing(date(2024, 1, 31), actor="run")
    billed, drafted = _events(app, signed)
    with app.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute("DELETE FROM stored_events_saves")
    assert app.recorder.saves_recorded_by(datetime.now(UTC)) == (None, None)  # type: ignore[attr-defined]
    assert position_as_of(app, drafted.timestamp) == signed
    assert _as_of(app, drafted.timestamp) == before
    assert _as_of(app, billed.timestamp) == _followed(app)
    app.close()


def test_replay_as_of_the_last_events_own_time_reports_no_difference(url: str) -> None:
    """As of the last event's creation time its save was not recorded yet: replay does not
    compare with the live store (which holds that save) and agrees; as of now it does."""
    app = QuoteToCash.open(url)
    cust = customer(app)
    contract(app, cust, subs=(sub("S1"),))
    app.run_billing(date(2024, 1, 31), actor=A)
    last = _events(app)[-1]
    app.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["replay", "--url", url, "--as-of", last.timestamp.isoformat()])
    assert out.exit_code == 0, out.output
    assert "NOT compared" in out.output and "replay matches" in out.output
    now = datetime.now(UTC).isoformat()
    out = runner.invoke(cli, ["replay", "--url", url, "--as-of", now, "--workers", "2"])
    assert out.exit_code == 0, out.output
    assert "every projection equals its rebuild from events" in out.output  # against live


def test_a_store_made_before_the_saves_table_still_saves_and_cuts(url: str) -> None:
    """A history written by eventsourcing's own recorder (no saves table), opened by q2c with
    CREATE_TABLE off, as a deployment that manages its tables does: saving still works and
    starts keeping saves; as of a time before them the old events are cut by creation time,
    as of now by the saves."""
    from q2c_core import env_for_url
    from q2c_core.storage import ensure_postgres_schema

    ensure_postgres_schema(env_for_url(url))
    library = {
        "sqlite": "eventsourcing.sqlite:SQLiteApplicationRecorder",
        "postgresql": "eventsourcing.postgres:PostgresApplicationRecorder",
    }[url.split(":", 1)[0]]
    old = QuoteToCash({**env_for_url(url), "APPLICATION_RECORDER_TOPIC": library})
    cust = customer(old)
    contract(old, cust, subs=(sub("S1"),))
    signed = old.recorder.max_notification_id() or 0
    between = datetime.now(UTC)
    old.close()
    app = QuoteToCash({**env_for_url(url), "CREATE_TABLE": "false"})
    assert app.recorder.saves_recorded_by(datetime.now(UTC)) == (None, None)  # type: ignore[attr-defined]
    assert position_as_of(app, between) == signed  # by the events' own times
    app.run_billing(date(2024, 1, 31), actor="run")
    head = app.recorder.max_notification_id() or 0
    assert app.recorder.saves_recorded_by(datetime.now(UTC)) == (signed + 1, head)  # type: ignore[attr-defined]
    assert position_as_of(app, between) == signed
    assert position_as_of(app, datetime.now(UTC)) == head
    app.close()
