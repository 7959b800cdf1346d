"""The auditor's replay checks every stored snapshot against its aggregate's events.

Commands and documents read an aggregate from its latest snapshot: an invoice whose stored
snapshot says 1100.00 an hour where its events say 100.00 renders and exports the wrong total,
while the read models, rebuilt from the events, look right. ``q2c replay`` rebuilds each
aggregate from its events alone up to each snapshot's version and compares: a tampered, forged or
unreadable snapshot is reported, naming the aggregate, and replay exits 1.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import PG_DSN
from test_allowance_keys_before import _as_before
from test_projections_story import eur, story
from test_story_prepaid_allowance import covered_request, entry
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import (
    QuoteToCash,
    SnapshotCheck,
    SnapshotProblem,
    charge_key,
    verify_snapshots,
)

runner = CliRunner(env={"COLUMNS": "400"})

State = dict[str, Any]


@pytest.fixture
def url(shared_url: str) -> str:
    """A real SQLite file, or a schema of the real PostgreSQL (conftest's ``shared_url``)."""
    return shared_url


def _snapshot_rows(url: str) -> list[tuple[UUID, int, State]]:
    """Every stored snapshot row, as the database holds it: (id, version, decoded JSON)."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            rows = conn.execute(
                "SELECT originator_id, originator_version, state FROM stored_snapshots"
            ).fetchall()
    else:
        import psycopg

        schema = url.split("schema=")[1]
        with psycopg.connect(PG_DSN) as conn:
            rows = conn.execute(
                f'SELECT originator_id, originator_version, state FROM "{schema}".'
                "quotetocash_snapshots"
            ).fetchall()
    return [(UUID(str(i)), v, json.loads(bytes(s))) for i, v, s in rows]


def _write_snapshot(url: str, aggregate_id: UUID, version: int, state: State) -> None:
    """Put a snapshot row in the database behind the application's back: replaced when one of
    that version is there, added otherwise."""
    data = json.dumps(state, separators=(",", ":")).encode()
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO stored_snapshots "
                "(originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
                (aggregate_id.hex, version, "eventsourcing.domain:Snapshot", data),
            )
        return
    import psycopg

    schema = url.split("schema=")[1]
    with psycopg.connect(PG_DSN) as conn:
        conn.execute(
            f'DELETE FROM "{schema}".quotetocash_snapshots '
            "WHERE originator_id = %s AND originator_version = %s",
            (aggregate_id, version),
        )
        conn.execute(
            f'INSERT INTO "{schema}".quotetocash_snapshots '
            "(originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)",
            (aggregate_id, version, "eventsourcing.domain:Snapshot", data),
        )


def _tamper(url: str, aggregate_id: UUID, change: Callable[[State], None]) -> int:
    """Change the aggregate's latest stored snapshot's state (the aggregate's attributes as
    stored); returns its version."""
    version, stored = max((v, s) for i, v, s in _snapshot_rows(url) if i == aggregate_id)
    change(stored["state"])
    _write_snapshot(url, aggregate_id, version, stored)
    return version


def _raise_first_unit_price(state: State) -> None:
    line = state["lines"][0]["_data_"]
    assert line["unit_price"] == "100 EUR"
    line["unit_price"] = "1100 EUR"


def test_replay_finds_an_invoice_snapshot_changed_behind_the_applications_back(url: str) -> None:
    """The story's request invoice bills 4 and 6 hours at 100.00 (1000.00 net). Its stored
    snapshot is changed to 1100 an hour for the 4 hours, its events untouched: the invoice now
    reads 5000.00 net, replay names it (its id, its number, the version) with the value changed,
    and exits 1. Untampered, every snapshot is checked and replay exits 0."""
    app = QuoteToCash.open(url)
    ids = story(app)
    number = app.invoice(ids["invoice"]).number
    app.close()

    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 0, result.output
    assert "snapshots:" in result.output and "each equal to its events" in result.output
    assert "replay matches" in result.output

    version = _tamper(url, ids["invoice"], _raise_first_unit_price)
    app = QuoteToCash.open(url)
    assert app.invoice(ids["invoice"]).net == eur("5000.00")  # what commands now read
    app.close()

    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 1, result.output
    assert "replay matches" not in result.output
    assert "DIFF snapshots: 1 of" in result.output
    assert f"Invoice {ids['invoice'].hex} ({number}) v{version}" in result.output
    assert "lines[0].unit_price: 1100 EUR → 100 EUR" in result.output
    assert "1 snapshot differs from its events" in result.output
    # (the read models are rebuilt from the events: they still agree)
    assert "OK   receivables_aging" in result.output


def test_replay_as_of_a_past_time_checks_every_stored_snapshot_and_says_so(url: str) -> None:
    """Snapshots carry no recording time: with --as-of, every snapshot stored now is checked
    (the ones commands read today), and the output says so."""
    app = QuoteToCash.open(url)
    ids = story(app)
    app.close()
    _tamper(url, ids["invoice"], _raise_first_unit_price)
    result = runner.invoke(cli, ["replay", "--url", url, "--as-of", "2000-01-01"])
    assert result.exit_code == 1, result.output
    assert "every snapshot stored now is checked, whatever --as-of" in result.output
    assert ids["invoice"].hex in result.output


def test_a_snapshot_ahead_of_its_events_is_forged(url: str) -> None:
    """A snapshot 4 versions beyond the last event of its invoice (a state no event stands
    for, which commands would read from) is a mismatch saying so, and replay exits 1."""
    app = QuoteToCash.open(url)
    ids = story(app)
    app.close()
    (_, version, stored), *_ = [r for r in _snapshot_rows(url) if r[0] == ids["invoice"]]
    _write_snapshot(url, ids["invoice"], version + 4, stored)

    app = QuoteToCash.open(url)
    check = app.verify_snapshots()
    app.close()
    (mismatch,) = check.mismatches
    assert (mismatch.aggregate_id, mismatch.aggregate_type) == (ids["invoice"], "Invoice")
    assert mismatch.version == version + 4
    assert mismatch.problem is SnapshotProblem.AHEAD_OF_EVENTS
    assert "events end at version" in mismatch.detail

    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 1, result.output
    assert ids["invoice"].hex in result.output and "events end at version" in result.output


def test_a_snapshot_that_cannot_be_read_is_a_mismatch_not_a_crash(tmp_path: Path) -> None:
    """An invoice line overwritten with text is no invoice state: reported as unreadable,
    naming the invoice, instead of stopping the check."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    ids = story(app)
    app.close()
    _tamper(url, ids["invoice"], lambda state: state["lines"][0].update(_data_="not a line"))
    app = QuoteToCash.open(url)
    (mismatch,) = app.verify_snapshots().mismatches
    app.close()
    assert mismatch.aggregate_id == ids["invoice"]
    assert mismatch.problem is SnapshotProblem.UNREADABLE


def test_every_differing_value_is_named_by_its_path(tmp_path: Path) -> None:
    """Two values changed in one snapshot (its currency and a line's price) are two
    differences, each with the snapshot's value and the events'; the mismatch names both
    attributes."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    ids = story(app)
    app.close()

    def change(state: State) -> None:
        _raise_first_unit_price(state)
        state["currency"] = "USD"

    _tamper(url, ids["invoice"], change)
    app = QuoteToCash.open(url)
    (mismatch,) = app.verify_snapshots().mismatches
    app.close()
    assert mismatch.problem is SnapshotProblem.STATE_DIFFERS
    assert mismatch.attributes == ("currency", "lines")
    assert [(d.path, d.in_snapshot, d.from_events) for d in mismatch.differences] == [
        ("currency", '"USD"', '"EUR"'),
        ("lines[0].unit_price", "1100 EUR", "100 EUR"),
    ]


def test_an_amount_written_with_more_digits_is_another_amount(tmp_path: Path) -> None:
    """100.000 EUR equals 100 EUR as a number, but it is not what the events recorded (a
    document would print the third digit): a difference."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    ids = story(app)
    app.close()
    _tamper(url, ids["invoice"], lambda s: s["lines"][0]["_data_"].update(unit_price="100.000 EUR"))
    app = QuoteToCash.open(url)
    (mismatch,) = app.verify_snapshots().mismatches
    app.close()
    (difference,) = mismatch.differences
    assert (difference.in_snapshot, difference.from_events) == ("100.000 EUR", "100 EUR")


def test_an_allowance_snapshot_of_the_older_class_version_equals_its_events(
    tmp_path: Path,
) -> None:
    """An allowance snapshot stored before charges were keyed by request (class version 1:
    billed overage by entry id) is upcast by the library as it is read: it equals the
    allowance its events build, so nothing is reported."""
    db = tmp_path / "before.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    _, allowance, request = covered_request(app)
    app.log_work(request, entry("t1", date(2024, 3, 10), "7"), actor="bob")
    app.complete_request(request, completed_on=date(2024, 3, 11), actor="alice")
    app.draft_request_invoice(request, drafted_on=date(2024, 3, 12), actor="alice")
    app.take_snapshot(allowance)
    app.close()
    key = charge_key(request, "t1")
    assert _as_before(db, "stored_events", key, "t1") == 1
    assert _as_before(db, "stored_snapshots", key, "t1") == 1
    (stored,) = [s for i, _, s in _snapshot_rows(f"sqlite:///{db}") if i == allowance]
    assert "class_version" not in stored["state"]  # (the older form)

    before = QuoteToCash.open(f"sqlite:///{db}")
    check = before.verify_snapshots()
    assert check.ok, check.mismatches
    assert check.checked >= 1
    # the same old snapshot with its overage changed is found, upcast
    before.close()
    _tamper(
        f"sqlite:///{db}",
        allowance,
        lambda s: s["billed_overage"].update({"t1": {"_type_": "decimal_str", "_data_": "5"}}),
    )
    (mismatch,) = verify_snapshots(QuoteToCash.open(f"sqlite:///{db}")).mismatches
    assert mismatch.aggregate_id == allowance
    assert mismatch.attributes == ("billed_overage",)


def test_a_big_store_is_read_a_page_at_a_time_with_progress() -> None:
    """In memory (the notification log walked) and one aggregate a page, every snapshot is
    checked once, the progress reaching the number checked."""
    app = QuoteToCash.open("memory:")
    ids = story(app)
    for invoice in ("invoice", "contract_invoice"):
        app.take_snapshot(ids[invoice], version=2)
    seen: list[tuple[int, int]] = []
    check = app.verify_snapshots(page_size=1, progress=lambda done, of: seen.append((done, of)))
    assert check == SnapshotCheck(check.checked, ())
    assert check.checked >= 4  # each invoice at 2 and 4
    assert seen[-1] == (check.checked, check.checked)
    assert len(seen) == len({i for i, _ in seen})  # one call a page, each further on
    assert verify_snapshots(app, page_size=1000) == check


def test_an_older_snapshot_without_an_attribute_kept_later_is_not_a_mismatch(
    tmp_path: Path,
) -> None:
    """A snapshot taken before payments kept their allocated sum has no ``allocated_amount``
    (the class's None: "not known", summed when first asked): it is not compared, and the
    store checks clean. A value the class does not default (the amount) is compared."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    ids = story(app)
    app.take_snapshot(ids["payment"])
    app.close()
    _tamper(url, ids["payment"], lambda s: s.pop("allocated_amount"))
    app = QuoteToCash.open(url)
    assert app.verify_snapshots().ok
    app.close()
    _tamper(url, ids["payment"], lambda s: s.pop("amount"))
    app = QuoteToCash.open(url)
    (mismatch,) = app.verify_snapshots().mismatches
    app.close()
    (difference,) = mismatch.differences
    assert (difference.path, difference.in_snapshot) == ("amount", "(absent)")
    assert difference.from_events == "1210.00 EUR"


def test_nothing_to_check_without_snapshots() -> None:
    app = QuoteToCash.open("memory:")
    assert app.verify_snapshots() == SnapshotCheck(0, ())
