"""A rebuild split over worker processes builds exactly the rows one process builds, on SQLite
files and PostgreSQL; a failed or killed worker is reported, and a catch-up finishes its part."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres
from test_projections_story import story

from q2c_core import InvalidValue, QuoteToCash
from q2c_core.projections import (
    Projection,
    ProjectionStore,
    all_projections,
    catch_up,
    follower,
    handles,
    rebuild,
)
from q2c_core.projections.follower import DECODE_COST, share_cost, split_projections, topic_mix


@pytest.fixture(autouse=True)
def forked_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """These stories plant faults in this process's memory, which only forked workers share:
    the workers are forked whatever threads earlier tests left running here (q2c would start
    them from a fork server, or rebuild here alone, then: test_workers_started_safely)."""
    monkeypatch.setenv("WORKER_START_METHOD", "fork")


@pytest.fixture(params=["sqlite", "postgres"])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(application URL, projection store URL) that other processes can open."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'q2c.db'}", f"sqlite:///{tmp_path / 'rows.db'}"
        return
    require_postgres()
    schema = new_pg_schema()
    try:
        yield pg_url(schema), pg_url(schema)
    finally:
        drop_pg_schema(schema)


def rows_of(projections: list[Projection]) -> dict[str, dict[str, Any]]:
    return {p.name: p.rows() for p in projections}


def test_two_workers_build_what_one_process_builds(urls: tuple[str, str]) -> None:
    app_url, store_url = urls
    app = QuoteToCash.open(app_url)
    story(app)
    alone = all_projections()
    expected = rebuild(app, alone)
    store = ProjectionStore.open(store_url)
    shared = all_projections(store)
    pages: list[int] = []
    applied = rebuild(app, shared, workers=2, page_size=7, progress=lambda d, t: pages.append(d))
    assert applied == expected > 40
    assert pages  # this process's share reports its progress
    head = app.recorder.max_notification_id()
    assert {store.position(p.tracking_name) for p in shared} == {head}
    # a fresh process's view: the store alone
    assert rows_of(all_projections(store)) == rows_of(alone)
    assert catch_up(app, all_projections(store)) == 0
    store.close()
    app.close()


def test_two_workers_as_of_a_moment(urls: tuple[str, str]) -> None:
    app_url, store_url = urls
    app = QuoteToCash.open(app_url)
    story(app)
    middle = app.recorder.select_notifications(start=30, limit=1)[0]
    moment: datetime = app.mapper.to_domain_event(middle).timestamp
    alone = all_projections()
    expected = rebuild(app, alone, as_of=moment)
    store = ProjectionStore.open(store_url)
    shared = all_projections(store)
    assert rebuild(app, shared, as_of=moment, workers=3) == expected
    assert rows_of(all_projections(store)) == rows_of(alone)
    store.close()
    app.close()


def test_workers_need_storage_other_processes_can_open(tmp_path: Path) -> None:
    app = QuoteToCash.open("memory:")
    story(app)
    with pytest.raises(InvalidValue):
        rebuild(app, all_projections(), workers=2)
    file_app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    story(file_app)
    with pytest.raises(InvalidValue):
        rebuild(file_app, all_projections(), workers=2)  # (the rows in memory)
    with pytest.raises(InvalidValue):
        rebuild(file_app, all_projections(), workers=0)
    assert rebuild(file_app, all_projections(), workers=1) > 0
    app.close()
    file_app.close()


def test_shares_are_disjoint_and_complete_the_costliest_first() -> None:
    projections = all_projections()
    mixes = [None, {t: 7 for p in projections for t in p.topics()}]
    for mix in mixes:
        for n in range(1, 12):
            shares = split_projections(projections, n, mix)
            assert 1 <= len(shares) <= min(n, len(projections))
            names = [p.name for share in shares for p in share]
            assert sorted(names) == sorted(p.name for p in projections)
            costs = [share_cost(share, mix or {}) for share in shares]
            assert costs == sorted(costs, reverse=True)


class Reads(Projection):
    """Counts the events of the topics it is told, at the cost it is told."""

    name = "test_reads"

    def __init__(self, name: str, topics: list[str], cost: float) -> None:
        super().__init__()
        self.name = name
        self._topics = topics
        self.event_cost = cost

    def topics(self) -> list[str]:
        return self._topics


def test_projections_that_read_the_same_events_share_a_worker() -> None:
    """Each share decodes every event of its topics once: two projections reading the same
    events cost less together than apart, so the split keeps them together when that makes
    the costliest share cheaper, even though a share of equal own costs would be "balanced"."""
    work = Reads("work_a", ["Work"], 1.0)
    also_work = Reads("work_b", ["Work"], 1.0)
    payments = Reads("payments", ["Paid"], 1.0)
    mix = {"Work": 100, "Paid": 100}
    shares = split_projections([work, payments, also_work], 2, mix)
    assert [[p.name for p in share] for share in shares] == [["work_a", "work_b"], ["payments"]]
    # (together: 100 decoded once and applied twice, 1200; apart 2200 for one of them)
    assert share_cost(shares[0], mix) == DECODE_COST * 100 + 200


def test_a_costly_projection_gets_a_worker_to_itself() -> None:
    heavy = Reads("heavy", ["Work"], 50.0)
    light = [Reads(f"light_{k}", ["Work"], 1.0) for k in range(4)]
    shares = split_projections([*light, heavy], 2, {"Work": 100})
    assert [[p.name for p in share] for share in shares] == [
        ["heavy"],
        [f"light_{k}" for k in range(4)],
    ]


def test_many_workers_share_by_joining_the_least_costly_group() -> None:
    """Past what can be tried one by one, each projection (the costliest first) joins the
    group it makes least costly: still disjoint and complete."""
    projections = [Reads(f"p{k}", [f"T{k % 5}"], float(k + 1)) for k in range(12)]
    mix = {f"T{k}": 10 * (k + 1) for k in range(5)}
    shares = split_projections(projections, 5, mix)
    assert sorted(p.name for share in shares for p in share) == sorted(p.name for p in projections)
    assert len(shares) == 5


def test_the_mix_counts_the_latest_events_up_to_the_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    story(app)
    projections = all_projections()
    topics = {t for p in projections for t in p.topics()}
    log = [n for n in app.recorder.select_notifications(start=1, limit=10_000) if n.topic in topics]
    head = log[-1].id
    whole = topic_mix(app, projections)
    assert sum(whole.values()) == len(log)
    assert whole == Counter(n.topic for n in log)
    monkeypatch.setattr(follower, "MIX_SAMPLE", 10)
    latest = topic_mix(app, projections, until=head - 5)
    assert latest == Counter(n.topic for n in log if head - 5 - 10 < n.id <= head - 5)
    app.close()


class Heavy(Projection):
    """Counts requests; first in the split (this process's share)."""

    name = "test_heavy"
    event_cost: ClassVar[float] = 100.0

    @handles("EnhancementRequest.Requested")
    def _requested(self, e: Any, oid: str) -> None:
        self.put("n", {"n": (self.get("n") or {"n": 0})["n"] + 1})


class Failing(Projection):
    """Fails on the third request (the other share: a worker process)."""

    name = "test_failing"
    event_cost: ClassVar[float] = 1.0
    how: ClassVar[str] = "raise"

    @handles("EnhancementRequest.Requested")
    def _requested(self, e: Any, oid: str) -> None:
        n = (self.get("n") or {"n": 0})["n"] + 1
        if n == 3 and self.how == "raise":
            raise ValueError("a handler failed")
        if n == 3 and self.how == "die":
            os._exit(9)  # a worker dying without a word
        self.put("n", {"n": n})


@pytest.mark.parametrize("how", ["raise", "die"])
def test_a_failed_worker_is_reported_and_catch_up_finishes_its_part(
    tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    story(app)
    store = ProjectionStore.open(f"sqlite:///{tmp_path / 'rows.db'}")
    monkeypatch.setattr(Failing, "how", how)
    projections: list[Projection] = [Heavy(store), Failing(store)]
    expected_error = ValueError if how == "raise" else RuntimeError
    with pytest.raises(expected_error):
        rebuild(app, projections, workers=2, page_size=2)
    requested = Heavy(store).rows()["n"]["n"]  # this process's share finished
    assert requested >= 3
    monkeypatch.setattr(Failing, "how", "never")
    fine = Failing(store)
    assert store.position(fine.tracking_name) > 0  # its pages before the failure stand
    catch_up(app, [fine], page_size=2)
    assert fine.rows()["n"]["n"] == requested  # and a catch-up counts each request once
    store.close()
    app.close()


def test_a_new_sqlite_store_has_larger_pages_an_existing_one_keeps_its_own(tmp_path: Path) -> None:
    import sqlite3

    from q2c_core.projections.store import SQLITE_PAGE_SIZE

    def page_size(path: Path) -> int:
        with sqlite3.connect(path) as c:
            return int(c.execute("PRAGMA page_size").fetchone()[0])

    ProjectionStore.open(f"sqlite:///{tmp_path / 'new.db'}").close()
    assert page_size(tmp_path / "new.db") == SQLITE_PAGE_SIZE
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'app.db'}")  # (made by eventsourcing)
    story(app)
    store = ProjectionStore.open(f"sqlite:///{tmp_path / 'app.db'}")
    assert page_size(tmp_path / "app.db") == 4096
    rebuild(app, all_projections(store))
    store.close()
    app.close()


def test_workers_share_the_default_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each process holds the rows of one page: without a page size, two workers read pages
    of half the default, so the rebuild holds about what one process does."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    story(app)
    monkeypatch.setattr(follower, "REBUILD_PAGE", 40)
    seen: list[int] = []
    made = follower.Follower.__init__

    def init(self: follower.Follower, *args: Any, **kwargs: Any) -> None:
        made(self, *args, **kwargs)
        seen.append(self.page_size)

    monkeypatch.setattr(follower.Follower, "__init__", init)
    store = ProjectionStore.open(f"sqlite:///{tmp_path / 'rows.db'}")
    rebuild(app, all_projections(store), workers=2)
    rebuild(app, all_projections(store))
    rebuild(app, all_projections(store), workers=2, page_size=7)
    assert seen == [20, 40, 7]  # (this process's share; the worker's reads the same pages)
    store.close()
    app.close()
