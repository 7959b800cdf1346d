"""Worker processes for the long jobs (billing runs, rebuilds): start, hear back, fail loudly.

A job that splits its work into shares forks one process per share. Each worker reports on a
queue: ``("progress", k, payload)`` as it goes, then ``("done", k, result)`` or ``("failed", k,
error)``. ``gather`` waits for every worker; one that stops without a word (killed, out of
memory) is a failure too, and when the caller gives up (an exception, an interrupt) every worker
is stopped. What the workers saved stays saved: each saves in its own transactions.
"""

from __future__ import annotations

import contextlib
import pickle
import traceback
from collections.abc import Callable, Sequence
from queue import Empty
from typing import Any


def shared_storage(setting: Callable[[str], str | None]) -> bool:
    """Whether another process can open the same storage (not memory, not in-memory SQLite);
    ``setting`` reads its settings (``app.env.get``, or ``env_for_url(url).get``)."""
    module = setting("PERSISTENCE_MODULE") or ""
    if module == "eventsourcing.postgres":
        return True
    if module == "eventsourcing.sqlite":
        name = setting("SQLITE_DBNAME") or ""
        return bool(name) and ":memory:" not in name and "mode=memory" not in name
    return False


def portable(error: BaseException, what: str) -> BaseException:
    """The error itself when it survives pickling (to the parent), else its traceback as text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        text = "".join(traceback.format_exception(error))
        return RuntimeError(f"{what} failed: {text}")
    return error


def gather(
    processes: Sequence[Any],
    queue: Any,
    *,
    what: str,
    hint: str,
    first: int = 0,
    on_progress: Callable[[int, Any], None] | None = None,
) -> dict[int, Any]:
    """Every worker's result, by share (worker ``i`` reports as share ``first + i``).

    The first failure (lowest share) is raised once every worker has stopped; a worker that
    stopped without reporting fails with ``RuntimeError`` (naming it ``what`` and saying
    ``hint``, what to do next). Any exception here (one raised by
    ``on_progress``, an interrupt) stops the workers before it propagates.
    """
    results: dict[int, Any] = {}
    failures: dict[int, BaseException] = {}
    expected = {first + i for i in range(len(processes))}

    def take(kind: str, k: int, payload: Any) -> None:
        if kind == "done":
            results[k] = payload
        elif kind == "failed":
            failures[k] = payload
        elif on_progress is not None:
            on_progress(k, payload)

    try:
        while expected - results.keys() - failures.keys():
            try:
                take(*queue.get(timeout=0.5))
            except Empty:
                stopped = [
                    first + i
                    for i, process in enumerate(processes)
                    if first + i not in results
                    and first + i not in failures
                    and not process.is_alive()
                ]
                if not stopped:
                    continue
                with contextlib.suppress(Empty):  # what they sent before they stopped
                    while True:
                        take(*queue.get(timeout=0.2))
                for k in stopped:
                    if k not in results and k not in failures:
                        code = processes[k - first].exitcode
                        failures[k] = RuntimeError(
                            f"{what} {k} stopped (exit code {code}) without a result; {hint}"
                        )
    except BaseException:
        for process in processes:
            process.terminate()
        raise
    finally:
        for process in processes:
            process.join()
    if failures:
        raise failures[min(failures)]
    return results
