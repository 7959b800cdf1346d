"""Worker processes for the long jobs (billing runs, rebuilds): start, hear back, fail loudly.

A job that splits its work into shares forks one process per share. Each worker reports on a
pipe of its own (``start``): ``("progress", k, payload)`` as it goes, then ``("done", k,
result)`` or ``("failed", k, error)``. ``gather`` waits for every worker; one that stops without
a word (killed, out of memory) is a failure too, and when the caller gives up (an exception, an
interrupt) every worker is stopped. What the workers saved stays saved: each saves in its own
transactions.

Not one queue for all: a ``multiprocessing.Queue`` is written under a lock shared by every
process, and a worker killed while its queue thread held it would leave the others unable to
report, or even to exit, and the job waiting for them forever.
"""

from __future__ import annotations

import multiprocessing
import pickle
import re
import threading
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from q2c_core.domain.errors import InvalidValue


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


START_METHODS = ("auto", "fork", "forkserver", "spawn")
"""The values of the ``WORKER_START_METHOD`` setting (``auto`` when not set)."""

# a PostgreSQL connection pool's own threads (psycopg_pool names them so): idle between uses,
# and a worker never touches the parent's pool, it opens its own
_POOL_THREAD = re.compile(r"pool-\d+-(worker-\d+|scheduler)")


def start_method(setting: Callable[[str], str | None]) -> str:
    """How workers start, from the ``WORKER_START_METHOD`` setting (``setting``: ``app.env.get``).

    ``auto`` (the default): ``fork`` (fast: nothing to import again) when no other thread of
    this process runs but a PostgreSQL pool's own, else ``forkserver``. A process forked while
    another thread is inside SQLite (or any library holding a lock of its own) inherits that
    lock held for good, and the worker waits on it forever: a billing run started from a web
    server's request thread while another request reads the same store. ``fork``,
    ``forkserver`` or ``spawn`` choose one; any other value is refused (``InvalidValue`` naming
    the setting). Where the chosen method does not exist on the platform, ``spawn``."""
    chosen = (setting("WORKER_START_METHOD") or "auto").strip().lower()
    if chosen not in START_METHODS:
        raise InvalidValue(
            f"must be one of {', '.join(START_METHODS)}",
            field="WORKER_START_METHOD",
            value=chosen,
        )
    if chosen == "auto":
        chosen = "fork" if fork_is_safe() else "forkserver"
    return chosen if chosen in multiprocessing.get_all_start_methods() else "spawn"


def fork_is_safe(threads: Sequence[threading.Thread] | None = None) -> bool:
    """Whether this thread is the only one running here (a PostgreSQL pool's threads aside);
    ``threads``: those running, ``threading.enumerate()`` when None."""
    current = threading.current_thread()
    return all(
        thread is current or (thread.daemon and _POOL_THREAD.fullmatch(thread.name) is not None)
        for thread in (threading.enumerate() if threads is None else threads)
    )


def in_daemonic_process() -> bool:
    """Whether this process is daemonic (a Celery or ``multiprocessing`` pool's worker): it may
    start no process of its own (multiprocessing refuses with a bare ``AssertionError``), so a
    job asked for workers does its shares itself."""
    return bool(multiprocessing.current_process().daemon)


def process_context(method: str, preload: Sequence[str] = ("q2c_core",)) -> Any:
    """The multiprocessing context of ``method``; a fork server imports ``preload`` once, when
    it starts, and forks every later worker from there. With any method but ``fork`` the
    workers' arguments must pickle (their target a module-level function)."""
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(list(preload))
    return context


def portable(error: BaseException, what: str) -> BaseException:
    """The error itself when it survives pickling (to the parent), else its traceback as text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        text = "".join(traceback.format_exception(error))
        return RuntimeError(f"{what} failed: {text}")
    return error


def start(
    context: Any,
    target: Callable[..., None],
    args: Sequence[tuple[Any, ...]],
    name: str,
    first: int = 0,
) -> tuple[list[Any], list[Connection]]:
    """Start one process per ``args``, each running ``target(*args[i], report)``, where
    ``report`` is the sending end of that worker's pipe (``report.send((kind, k, payload))``);
    returns the processes and the receiving ends, for ``gather``.

    Each pipe is made just before its process starts and the parent's sending end closed just
    after, so only that worker holds it: when the worker stops, its pipe reads as closed.
    """
    processes: list[Any] = []
    receivers: list[Connection] = []
    try:
        for i, worker_args in enumerate(args):
            receiver, sender = context.Pipe(duplex=False)
            receivers.append(receiver)
            process = context.Process(
                target=target,
                args=(*worker_args, sender),
                name=f"{name}-{first + i}",
                daemon=True,
            )
            process.start()
            sender.close()
            processes.append(process)
    except BaseException:
        stop(processes, receivers)
        raise
    return processes, receivers


def stop(processes: Sequence[Any], receivers: Sequence[Connection]) -> None:
    """Stop every worker now (what each committed stands) and close the parent's pipe ends."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()
    for receiver in receivers:
        receiver.close()


def gather(
    processes: Sequence[Any],
    receivers: Sequence[Connection],
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
    listening = {first + i: receiver for i, receiver in enumerate(receivers)}

    def take(kind: str, k: int, payload: Any) -> None:
        if kind == "done":
            results[k] = payload
        elif kind == "failed":
            failures[k] = payload
        elif on_progress is not None:
            on_progress(k, payload)

    def stopped(k: int) -> None:
        listening.pop(k).close()
        if k not in results and k not in failures:
            process = processes[k - first]
            process.join()  # its pipe is closed: it has stopped, or is stopping
            failures[k] = RuntimeError(
                f"{what} {k} stopped (exit code {process.exitcode}) without a result; {hint}"
            )

    try:
        while expected - results.keys() - failures.keys():
            for ready in wait(list(listening.values())):
                k = next(k for k, r in listening.items() if r is ready)
                try:
                    message = listening[k].recv()
                except (EOFError, OSError):  # closed, perhaps part-way through a message
                    stopped(k)
                else:
                    take(*message)
    except BaseException:
        stop(processes, list(listening.values()))
        raise
    finally:
        for receiver in listening.values():
            receiver.close()
        for process in processes:
            process.join()
    if failures:
        raise failures[min(failures)]
    return results
