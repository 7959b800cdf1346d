"""Worker processes report on pipes of their own: a worker killed part-way through a report
fails the job loudly, naming it, and never keeps the others from reporting or the job from
ending (with one shared queue, its lock could die with it, held)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import struct
import time
from multiprocessing.connection import Connection

import pytest

from q2c_core.workers import gather, start

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="the workers here are plain functions of this test module, forked",
)


def _killed_mid_report(k: int, report: Connection) -> None:
    """Start a 1 MB report, write a few bytes of it, and die (SIGKILL: no goodbye)."""
    report.send(("progress", k, 1))
    os.write(report.fileno(), struct.pack("!i", 1 << 20) + b"partial")
    os.kill(os.getpid(), signal.SIGKILL)


def _slow_but_done(k: int, report: Connection) -> None:
    """Report progress, keep working a little after the other worker died, then finish."""
    report.send(("progress", k, 1))
    time.sleep(0.5)
    report.send(("progress", k, 2))
    report.send(("done", k, {"share": k, "rows": list(range(50_000))}))


def _dispatch(k: int, report: Connection) -> None:
    (_killed_mid_report if k == 0 else _slow_but_done)(k, report)


def test_a_worker_killed_part_way_through_a_report_fails_the_job_and_the_other_still_reports() -> (
    None
):
    """Worker 0 dies in the middle of a message; worker 1 still sends all its progress and
    its (large) result, the job ends, and the error names worker 0 and how it stopped."""
    context = multiprocessing.get_context("fork")
    heard: list[tuple[int, int]] = []
    began = time.monotonic()
    processes, receivers = start(context, _dispatch, [(0,), (1,)], "q2c-test")
    with pytest.raises(RuntimeError) as failed:
        gather(
            processes,
            receivers,
            what="test worker",
            hint="rerun it",
            on_progress=lambda k, payload: heard.append((k, payload)),
        )
    assert time.monotonic() - began < 30  # it ends (with a shared queue it could hang for ever)
    assert all(not p.is_alive() for p in processes)
    assert str(failed.value) == "test worker 0 stopped (exit code -9) without a result; rerun it"
    assert (1, 1) in heard and (1, 2) in heard  # the survivor was heard to the end
    assert (0, 1) in heard


def test_every_worker_s_result_arrives_by_its_share() -> None:
    """Workers that finish report their results, large ones included, keyed by share."""
    context = multiprocessing.get_context("fork")
    processes, receivers = start(context, _slow_but_done, [(1,), (2,)], "q2c-test", first=1)
    results = gather(processes, receivers, what="test worker", hint="", first=1)
    assert sorted(results) == [1, 2]
    assert results[2] == {"share": 2, "rows": list(range(50_000))}
