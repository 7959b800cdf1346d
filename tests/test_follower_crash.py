"""Crashes: a follower stopped between its read-model write and the next page, or before its
commit, or killed with SIGKILL mid-run, resumes where it stopped and counts nothing twice or
lost -- with the application and the read models on SQLite, on PostgreSQL, and mixed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres
from test_projections_story import eur, story

from q2c_core import QuoteToCash
from q2c_core.projections import (
    Commissions,
    Follower,
    ProjectionStore,
    all_projections,
    rebuild,
)

HERE = Path(__file__).resolve().parent


class Stop(Exception):
    """The simulated crash."""


@pytest.fixture(
    params=["sqlite", "postgres", "sqlite-app-postgres-store", "postgres-app-sqlite-store"]
)
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(application URL, projection store URL) on real SQLite files and real PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'q2c.db'}"
        yield url, url
        return
    require_postgres()
    schema = new_pg_schema()
    try:
        if request.param == "postgres":
            yield pg_url(schema), pg_url(schema)
        elif request.param == "sqlite-app-postgres-store":
            yield f"sqlite:///{tmp_path / 'q2c.db'}", pg_url(schema)
        else:
            yield pg_url(schema), f"sqlite:///{tmp_path / 'projections.db'}"
    finally:
        drop_pg_schema(schema)


def history(url: str) -> QuoteToCash:
    app = QuoteToCash.open(url)
    story(app)
    return app


def rebuilt_rows(app: QuoteToCash) -> dict[str, dict]:  # type: ignore[type-arg]
    fresh = all_projections()
    rebuild(app, fresh)
    return {p.name: p.rows() for p in fresh}


def live_rows(store: ProjectionStore) -> dict[str, dict]:  # type: ignore[type-arg]
    return {p.name: p.rows() for p in all_projections(store)}


def test_stop_after_a_page_commit_then_resume(urls: tuple[str, str]) -> None:
    """Stopped right after a page's rows and tracking were committed: resume, nothing twice."""
    app_url, store_url = urls
    app = history(app_url)
    store = ProjectionStore.open(store_url)
    follower = Follower(app, all_projections(store), page_size=7)
    pages = []

    def crash(last_id: int) -> None:
        pages.append(last_id)
        if len(pages) == 3:
            raise Stop

    follower.after_commit = crash
    with pytest.raises(Stop):
        follower.run()
    positions = {p.name: store.position(p.tracking_name) for p in follower.projections}
    assert set(positions.values()) == {pages[-1]}  # every projection stopped at the same page
    # a new process would build new objects: only the store remembers
    resumed = all_projections(store)
    Follower(app, resumed, page_size=7).run()
    assert live_rows(store) == rebuilt_rows(app)
    com = next(p for p in resumed if isinstance(p, Commissions))
    assert com.balances() == {("mia", "EUR"): eur("50.00")}
    store.close()
    app.close()


def test_crash_before_the_commit_loses_the_page_and_redoes_it(urls: tuple[str, str]) -> None:
    """A crash after applying a page in memory but before its commit: that page is redone once."""
    app_url, store_url = urls
    app = history(app_url)
    store = ProjectionStore.open(store_url)
    follower = Follower(app, all_projections(store), page_size=11)
    seen = []

    def crash(last_id: int) -> None:
        seen.append(last_id)
        if len(seen) == 4:
            raise Stop

    follower.before_commit = crash
    with pytest.raises(Stop):
        follower.run()
    assert {store.position(p.tracking_name) for p in follower.projections} == {seen[2]}
    Follower(app, all_projections(store), page_size=11).run()
    assert live_rows(store) == rebuilt_rows(app)
    store.close()
    app.close()


def test_a_follower_that_loses_every_race_reads_again_and_still_finishes(
    urls: tuple[str, str],
) -> None:
    """Two followers catching up side by side (two ``q2c update`` at once): each time the
    second has applied a page, the first commits that same page. The second's commit is
    refused every time (nothing of it written), and every time it reads the rows again from
    the new position and goes on, however many pages that takes: it finishes, and the rows
    equal a rebuild, nothing counted twice, nothing lost."""
    app_url, store_url = urls
    app = history(app_url)
    store = ProjectionStore.open(store_url)
    first = Follower(app, all_projections(store), page_size=3)
    second = Follower(app, all_projections(store), page_size=3)
    lost: list[int] = []

    def first_commits_it(last_id: int) -> None:
        if first.run(max_pages=1):
            lost.append(last_id)

    second.before_commit = first_commits_it
    second.run()
    assert len(lost) > Follower.RACE_RETRIES  # more races lost than any budget would allow
    assert live_rows(store) == rebuilt_rows(app)
    third = Follower(app, all_projections(store), page_size=3)
    assert third.run() == 0
    store.close()
    app.close()


CHILD = """
import sys, time
sys.path.insert(0, {tests!r})
from q2c_core import QuoteToCash
from q2c_core.projections import Follower, ProjectionStore, all_projections
app = QuoteToCash.open({app_url!r})
store = ProjectionStore.open({store_url!r})
follower = Follower(app, all_projections(store), page_size=3)
follower.after_commit = lambda last_id: time.sleep(0.15)
follower.run()
print("finished")
"""


def test_sigkill_mid_run_then_restart(urls: tuple[str, str]) -> None:
    """A process running the follower is killed with SIGKILL; a restart finishes the job exactly."""
    app_url, store_url = urls
    app = history(app_url)
    head = app.recorder.max_notification_id()
    code = CHILD.format(tests=str(HERE), app_url=app_url, store_url=store_url)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    store = ProjectionStore.open(store_url)
    name = all_projections(store)[0].tracking_name
    deadline = time.monotonic() + 60
    while store.position(name) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    stopped_at = store.position(name)
    assert 10 <= stopped_at < head  # killed part way
    Follower(app, all_projections(store), page_size=3).run()
    assert live_rows(store) == rebuilt_rows(app)
    store.close()
    app.close()


def test_the_same_follower_carries_on_after_a_crash(urls: tuple[str, str]) -> None:
    """The crashed follower object itself is run again: it kept nothing uncommitted in memory."""
    app_url, store_url = urls
    app = history(app_url)
    store = ProjectionStore.open(store_url)
    follower = Follower(app, all_projections(store), page_size=13)
    calls = []

    def crash(last_id: int) -> None:
        calls.append(last_id)
        if len(calls) == 2:
            raise Stop

    follower.before_commit = crash
    with pytest.raises(Stop):
        follower.run()
    follower.before_commit = None
    follower.run()
    assert live_rows(store) == rebuilt_rows(app)
    com = next(p for p in follower.projections if isinstance(p, Commissions))
    assert com.balances() == {("mia", "EUR"): eur("50.00")}
    store.close()
    app.close()


def _issue_manual_invoice(app: QuoteToCash, amount: str) -> None:
    """A one-line invoice issued for the story's first customer (its number series' events
    are the log's last: no projection reads them)."""
    from datetime import date

    from q2c_core import InvoiceLine, LineSource, SourceKind, TaxRate

    (customer, *_) = app.customers()
    day = date(2024, 7, 1)
    line = InvoiceLine(
        "L1", "support", 1, eur(amount), TaxRate.standard(0), LineSource(SourceKind.MANUAL)
    )
    invoice = app.draft_invoice(customer.id, [line], drafted_on=day, actor="b")
    app.approve_invoice(invoice, role="billing", approved_on=day, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=day, actor="mia")
    app.issue_invoice(invoice, issued_on=day, actor="bea")


def test_an_embedded_follower_and_another_on_the_same_store_count_everything_once(
    urls: tuple[str, str],
) -> None:
    """A long-lived embedded follower keeps its projections (and their cached rows) between
    catch-ups; meanwhile another follower (``q2c update``) moves the same store on. The
    embedded one then reads the rows again instead of applying new events to stale ones: the
    rows equal a rebuild. At the end of the log every position is the log's last notification,
    also when the last events are ones no projection reads (so replay sees no false lag)."""
    app_url, store_url = urls
    app = history(app_url)
    store = ProjectionStore.open(store_url)
    embedded = all_projections(store)
    Follower(app, embedded).run()
    _issue_manual_invoice(app, "200")
    Follower(app, all_projections(store)).run()  # someone else's update
    _issue_manual_invoice(app, "400")
    Follower(app, embedded).run()
    assert live_rows(store) == rebuilt_rows(app)
    head = app.recorder.max_notification_id()
    assert {store.position(p.tracking_name) for p in embedded} == {head}
    store.close()
    app.close()


def test_a_projection_with_nothing_to_read_keeps_its_settings_at_the_head(
    urls: tuple[str, str],
) -> None:
    """A log with no event the review meeting reads (a customer registered, nothing else):
    the follower moves its position to the head with its settings row, so the next update
    accepts it (it once moved the position alone and then refused the projection forever)."""
    app_url, store_url = urls
    app = QuoteToCash.open(app_url)
    app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    store = ProjectionStore.open(store_url)

    def review_meeting() -> list[Any]:
        return [p for p in all_projections(store) if p.name == "review_meeting"]

    Follower(app, review_meeting()).run()
    Follower(app, review_meeting()).run()  # the next update: accepted
    (p,) = review_meeting()
    assert store.position(p.tracking_name) == app.recorder.max_notification_id()
    assert p.CONFIG_KEY in dict(store.recorder.load_rows(p.name))
    store.close()
    app.close()
