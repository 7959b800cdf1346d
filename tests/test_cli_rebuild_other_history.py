"""A firm keeps its read models in a projection store of their own (``--store``). On Monday
the application's database held Acme's two invoices and a backup was taken; by Wednesday it
held five, and ``q2c update`` followed them into the store. On Thursday the disk failed and
Monday's backup was restored over the application's file: its log now ends well before the
store's position.

Following on would skip the restored log's events up to the store's position, so ``q2c
update`` and ``q2c report`` refuse, saying the store was built from another history and
naming the command that rebuilds it: ``q2c rebuild ... --other-history``. A plain ``q2c
rebuild`` still refuses a store past the end of the log (it may be another application's
store, given by mistake) and changes nothing, naming the flag; with ``--other-history`` the
read models are rebuilt from the restored log and their position moves back to its end, the
reports show Monday's numbers, ``q2c update`` follows what is recorded next, and ``q2c
replay`` finds no difference.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres
from eventsourcing.persistence import IntegrityError, Tracking
from test_follower_past_head import issue
from typer.testing import CliRunner, Result

from q2c_adapters.cli import app as cli
from q2c_adapters.cli import replace_live_rows
from q2c_core import (
    QuoteToCash,
    RuleViolated,
)
from q2c_core.projections import ReceivablesAging, UnbilledRevenue, catch_up
from q2c_core.projections.store import PageWrite, ProjectionStore

runner = CliRunner(env={"COLUMNS": "400"})


def flat(result: Result) -> str:
    """The output on one line (rich wraps long refusals at the console's width)."""
    return " ".join(result.output.split())


def backup(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file (its WAL included), as a backup tool takes it."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def restore(copy: Path, db: Path) -> None:
    """The backup copied back over the application's file (its WAL and shared memory gone)."""
    for leftover in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    db.write_bytes(copy.read_bytes())


def store_contents(db: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every read-model row and every projection's position in the store, as SQL reads
    them."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT projection, key, value FROM q2c_projection_rows ORDER BY projection, key"
        ).fetchall()
        tracking = conn.execute(
            "SELECT * FROM tracking WHERE application_name LIKE 'q2c.projection.%' "
            "ORDER BY application_name"
        ).fetchall()
    conn.close()
    return rows, tracking


def invoiced(url: str, store: str) -> dict[str, str]:
    """What each customer was invoiced, per ``q2c report customers``."""
    result = runner.invoke(
        cli, ["report", "customers", "--url", url, "--store", store, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    return {r["customer"]: r["invoiced"]["amount"] for r in rows}


def head_of(url: str) -> int:
    app = QuoteToCash.open(url)
    head = app.recorder.max_notification_id() or 0
    app.close()
    return head


@pytest.fixture
def restored(tmp_path: Path) -> tuple[str, str, Path, int, int]:
    """The application restored from Monday's backup; the store followed Wednesday's log."""
    db, monday, read_models = tmp_path / "books.db", tmp_path / "monday.db", tmp_path / "rm.db"
    url, store = f"sqlite:///{db}", f"sqlite:///{read_models}"
    app = QuoteToCash.open(url)
    issue(app, "Acme", 100, 2)
    app.close()
    backup(db, monday)
    app = QuoteToCash.open(url)
    issue(app, "Acme", 100, 3)
    wednesday = app.recorder.max_notification_id() or 0
    app.close()
    followed = runner.invoke(cli, ["update", "--url", url, "--store", store])
    assert followed.exit_code == 0, followed.output
    assert invoiced(url, store) == {"Acme": "500.00"}
    restore(monday, db)
    monday_head = head_of(url)
    assert 0 < monday_head < wednesday
    return url, store, read_models, wednesday, monday_head


def test_update_and_report_refuse_a_store_past_the_restored_log_naming_the_command(
    restored: tuple[str, str, Path, int, int],
) -> None:
    url, store, read_models, wednesday, monday = restored
    before = store_contents(read_models)
    command = f"q2c rebuild --url {url} --store {store} --other-history"
    for args in (["update"], ["report", "customers"]):
        result = runner.invoke(cli, [*args, "--url", url, "--store", store])
        assert result.exit_code == 2, result.output
        said = flat(result)
        assert "another history" in said and "restored" in said
        assert f"at notification {wednesday}" in said and f"is {monday}" in said
        assert command in said
        assert store_contents(read_models) == before  # nothing followed, nothing skipped


def test_rebuild_without_the_flag_refuses_and_changes_nothing(
    restored: tuple[str, str, Path, int, int],
) -> None:
    url, store, read_models, wednesday, monday = restored
    before = store_contents(read_models)
    result = runner.invoke(cli, ["rebuild", "--url", url, "--store", store])
    assert result.exit_code == 2, result.output
    said = flat(result)
    assert f"at notification {wednesday}" in said and f"({monday})" in said
    assert "is the store that of this application?" in said
    assert f"q2c rebuild --url {url} --store {store} --other-history" in said
    assert store_contents(read_models) == before


def test_rebuild_with_other_history_shows_the_restored_books_and_follows_them(
    restored: tuple[str, str, Path, int, int],
) -> None:
    url, store, read_models, wednesday, monday = restored
    assert set(dict(store_contents(read_models)[1]).values()) == {wednesday}
    result = runner.invoke(cli, ["rebuild", "--url", url, "--store", store, "--other-history"])
    assert result.exit_code == 0, result.output
    assert f"receivables_aging: rebuilt, 2 rows at notification {monday}" in flat(result)
    positions = dict(store_contents(read_models)[1])
    assert positions and set(positions.values()) == {monday}
    assert invoiced(url, store) == {"Acme": "200.00"}

    # Thursday's invoice, recorded on the restored books, is followed as usual
    app = QuoteToCash.open(url)
    issue(app, "Globex", 70, 1)
    app.close()
    followed = runner.invoke(cli, ["update", "--url", url, "--store", store])
    assert followed.exit_code == 0, followed.output
    assert "applied 0 events" not in followed.output
    assert invoiced(url, store) == {"Acme": "200.00", "Globex": "70.00"}
    assert set(dict(store_contents(read_models)[1]).values()) == {head_of(url)}

    replay = runner.invoke(cli, ["replay", "--url", url, "--store", store])
    assert replay.exit_code == 0, replay.output
    assert "replay matches" in replay.output

    # the flag on a store of this very log is harmless: the same rows, the same position
    again = runner.invoke(cli, ["rebuild", "--url", url, "--store", store, "--other-history"])
    assert again.exit_code == 0, again.output
    assert invoiced(url, store) == {"Acme": "200.00", "Globex": "70.00"}


def test_a_memory_store_is_emptied_then_written_at_the_lower_position() -> None:
    """A store that cannot move a position back in one transaction (the in-memory one) is
    emptied, then written: the rows and position are the rebuilt ones all the same."""
    store = ProjectionStore.memory()
    old = {"a": '{"n":1}', "b": '{"n":2}'}
    store.commit([PageWrite("p", old, frozenset(), Tracking("p.t", 20))])
    with pytest.raises(RuleViolated) as refused:
        replace_live_rows(store, "p", "p.t", {"a": '{"n":3}'}, 7)
    assert refused.value.field == "store" and "--other-history" in refused.value.rule
    assert dict(store.recorder.load_rows("p")) == old and store.position("p.t") == 20
    written = replace_live_rows(store, "p", "p.t", {"a": '{"n":3}'}, 7, other_history=True)
    assert written == (1, 1)  # (a changed, b removed: as against the old rows)
    assert dict(store.recorder.load_rows("p")) == {"a": '{"n":3}'}
    assert store.position("p.t") == 7


@pytest.fixture(params=["sqlite", "postgres"])
def durable_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProjectionStore]:
    """A store in a SQLite file, or in a PostgreSQL schema."""
    if request.param == "sqlite":
        store = ProjectionStore.open(f"sqlite:///{tmp_path}/rm.db")
        yield store
        store.close()
        return
    require_postgres()
    schema = new_pg_schema()
    try:
        store = ProjectionStore.open(pg_url(schema))
        yield store
        store.close()
    finally:
        drop_pg_schema(schema)


def test_a_durable_store_moves_the_position_back_with_the_rows_in_one_transaction(
    durable_store: ProjectionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite and PostgreSQL the rows and the lower position are one commit: the store is
    never emptied on the way (``reset`` is not called). A follower that moved the position
    meanwhile makes it refuse, with nothing written."""
    store = durable_store
    old = {"a": '{"n":1}', "b": '{"n":2}'}
    store.commit([PageWrite("p", old, frozenset(), Tracking("p.t", 20))])

    def emptied(*_: object) -> None:
        raise AssertionError("emptied first")

    monkeypatch.setattr(store, "reset", emptied)
    position = store.position

    def raced(name: str) -> int:
        # another follower commits right after the live position was read
        at = position(name)
        store.commit([PageWrite("p", {"c": "{}"}, frozenset(), Tracking("p.t", 21), 20)])
        monkeypatch.setattr(store, "position", position)
        return at

    monkeypatch.setattr(store, "position", raced)
    with pytest.raises(IntegrityError):
        replace_live_rows(store, "p", "p.t", {"a": '{"n":3}'}, 7, other_history=True)
    assert dict(store.recorder.load_rows("p")) == {**old, "c": "{}"}
    assert store.position("p.t") == 21

    written = replace_live_rows(store, "p", "p.t", {"a": '{"n":3}'}, 7, other_history=True)
    assert written == (1, 2)
    assert dict(store.recorder.load_rows("p")) == {"a": '{"n":3}'}
    assert store.position("p.t") == 7


def test_the_followers_refusal_names_the_rebuild_command(tmp_path: Path) -> None:
    """The library's refusal (a service's follower, not the CLI) names the command too: with
    the application's and the store's URLs when it knows them."""
    yesterday = QuoteToCash.open(f"sqlite:///{tmp_path}/yesterday.db")
    issue(yesterday, "Acme", 100, 2)
    store, memory = ProjectionStore.open(f"sqlite:///{tmp_path}/rm.db"), ProjectionStore.memory()
    catch_up(yesterday, [ReceivablesAging(store)])
    catch_up(yesterday, [ReceivablesAging(memory)])
    yesterday.close()
    url = f"sqlite:///{tmp_path}/today.db"
    today = QuoteToCash.open(url)
    with pytest.raises(RuleViolated) as refused:
        catch_up(today, [ReceivablesAging(store), UnbilledRevenue(store)])
    assert (
        f"q2c rebuild --url {url} --store {store.url} --projection receivables_aging "
        "--other-history" in refused.value.rule
    )
    with pytest.raises(RuleViolated) as refused:
        catch_up(today, [ReceivablesAging(memory)])
    assert "q2c rebuild --other-history" in refused.value.rule
    store.close()
    today.close()
