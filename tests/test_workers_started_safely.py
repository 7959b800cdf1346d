"""Worker processes are started the way that cannot hang: forked only while no other thread of
the process runs (a PostgreSQL pool's idle threads aside), else from a fork server.

The story: a PSA embeds q2c in a threaded web server. One request thread starts the month-end
run with two workers while another keeps reading the same SQLite store. A process forked while
that thread was inside SQLite would inherit SQLite's lock held for good, and its worker would
wait on it forever (seen about once in twenty such runs before the fork server was used here;
a hang cannot be made to happen on demand, so these tests check the way the workers start and
that the run started that way bills exactly once)."""

from __future__ import annotations

import io
import multiprocessing
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import Reopen
from test_contract_billing_backends import net_days, setup
from test_projections_story import story

from q2c_core import InvalidValue, QuoteToCash, billing_run
from q2c_core.projections import ProjectionStore, all_projections, follower, rebuild
from q2c_core.workers import fork_is_safe, start_method


def no_setting(_key: str) -> str | None:
    return None


@pytest.fixture
def another_thread() -> Iterator[threading.Event]:
    """A thread of this process that runs until the test ends."""
    done = threading.Event()
    thread = threading.Thread(target=done.wait, name="request-7", daemon=True)
    thread.start()
    yield done
    done.set()
    thread.join()


def test_workers_are_forked_only_while_no_other_thread_runs(
    another_thread: threading.Event,
) -> None:
    me = threading.current_thread()

    def named(name: str) -> threading.Thread:
        return threading.Thread(target=another_thread.wait, name=name, daemon=True)

    assert fork_is_safe([me])
    assert not fork_is_safe([me, named("request-7")])
    # a PostgreSQL pool's own threads wait between uses, and the workers open their own pool
    assert fork_is_safe([me, named("pool-3-worker-0"), named("pool-3-scheduler")])
    assert not fork_is_safe([me, named("pool-3-worker-0"), named("pool-3-monitor")])
    # while the fixture's thread runs here, the workers start from a fork server
    assert start_method(no_setting) == "forkserver"
    # a setting chooses for the operator, whatever runs
    assert start_method({"WORKER_START_METHOD": " Fork"}.get) == "fork"
    assert start_method({"WORKER_START_METHOD": "spawn"}.get) == "spawn"


def test_a_start_method_that_is_none_is_refused_naming_the_setting_and_nothing_is_billed(
    reopen: Reopen, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = reopen()
    setup(app, 4)
    head = app.recorder.max_notification_id()
    monkeypatch.setenv("WORKER_START_METHOD", "threads")  # (settings come from the environment)
    odd = QuoteToCash.open(app.storage_url)
    try:
        with pytest.raises(InvalidValue) as refused:
            odd.run_billing(date(2024, 3, 1), actor="run", workers=2)
    finally:
        odd.close()
    assert refused.value.field == "WORKER_START_METHOD"
    assert "auto, fork, forkserver, spawn" in str(refused.value)
    assert app.recorder.max_notification_id() == head


def test_a_run_by_two_workers_while_another_thread_reads_the_store_bills_each_day_once(
    reopen: Reopen, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = reopen()
    cust, ids = setup(app, 6)
    reader = reopen()
    started: list[str] = []
    real = billing_run.process_context

    def noted(method: str, *args: Any) -> Any:
        started.append(method)
        return real(method, *args)

    monkeypatch.setattr(billing_run, "process_context", noted)
    stop = threading.Event()
    reads = [0]

    def keep_reading() -> None:  # another request of the web server, on the same store
        while not stop.is_set():
            reader.contract(ids[reads[0] % len(ids)])
            reads[0] += 1

    thread = threading.Thread(target=keep_reading, name="request-8", daemon=True)
    thread.start()
    try:
        result = app.run_billing(date(2024, 3, 1), actor="run", batch_size=1, workers=2)
    finally:
        stop.set()
        thread.join()
    assert started == ["forkserver"] and reads[0] > 0
    assert len(result.documents) == 6 * 3  # January to March, every contract
    assert not app.run_billing(date(2024, 3, 1), actor="run", workers=2).documents
    assert set(net_days(app, cust).values()) == {1}


def test_a_rebuild_by_two_workers_while_another_thread_runs_is_done_here_alike(
    reopen: Reopen, another_thread: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = reopen()
    story(app)
    expected = {p.name: p.rows() for p in _rebuilt(app, all_projections())}

    def no_processes(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a worker process was started while another thread runs")

    monkeypatch.setattr(follower, "_rebuild_in_processes", no_processes)
    store = ProjectionStore.open(app.storage_url)
    shared = all_projections(store)
    rebuild(app, shared, workers=2)
    assert {p.name: p.rows() for p in shared} == expected
    store.close()


def _rebuilt(app: QuoteToCash, projections: list[Any]) -> list[Any]:
    rebuild(app, projections)
    return projections


def test_the_command_line_s_progress_bar_keeps_the_workers_forked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``q2c replay --workers 2`` and ``q2c bill --workers 2`` on a terminal draw a bar: drawn
    by a refresh thread, it would make the rebuild run in one process and the run start a fork
    server; drawn at each update, the workers are forked as without a bar."""
    from rich.console import Console

    from q2c_adapters import cli

    screen = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=screen, force_terminal=True, width=80))
    before = set(threading.enumerate())
    with cli.progress_bar("rebuilding from events") as update:
        update(3, 10)
        assert set(threading.enumerate()) == before
        assert start_method(no_setting) == ("fork" if fork_is_safe() else "forkserver")
    assert "3/10" in screen.getvalue()


def _bill_and_rebuild_in_a_pool_worker(app_url: str, store_url: str, answers: Any) -> None:
    """What a Celery task (a daemonic pool process) runs: the run and a rebuild by two workers."""
    try:
        app = QuoteToCash.open(app_url)
        documents = len(app.run_billing(date(2024, 3, 1), actor="run", workers=2).documents)
        store = ProjectionStore.open(store_url)
        projections = all_projections(store)
        applied = rebuild(app, projections, workers=2)
        answers.put(("done", documents, applied, {p.name: p.rows() for p in projections}))
        store.close()
        app.close()
    except BaseException as error:  # (the parent asserts on it)
        answers.put(("failed", f"{type(error).__name__}: {error}", 0, {}))


def test_a_daemonic_pool_worker_asked_for_workers_does_the_work_itself(tmp_path: Path) -> None:
    """A daemonic process may start no process (multiprocessing refused with a bare
    AssertionError): asked for two workers, the run bills every contract and the rebuild builds
    every projection in that process, the same documents and rows as one worker."""
    app_url, store_url = f"sqlite:///{tmp_path / 'q2c.db'}", f"sqlite:///{tmp_path / 'rows.db'}"
    app = QuoteToCash.open(app_url)
    cust, _ = setup(app, 4)
    context = multiprocessing.get_context("spawn")  # (this process may run threads: no fork)
    answers = context.Queue()
    worker = context.Process(
        target=_bill_and_rebuild_in_a_pool_worker,
        args=(app_url, store_url, answers),
        daemon=True,
    )
    worker.start()
    outcome, documents, applied, rows = answers.get(timeout=120)
    worker.join()
    assert outcome == "done", documents
    assert documents == 4 * 3  # January to March, every contract
    assert set(net_days(app, cust).values()) == {1}
    alone = all_projections()
    assert applied == rebuild(app, alone)
    assert rows == {p.name: p.rows() for p in alone}
    app.close()
