"""Two cron runs of the ledger delivery at once, both writing the same Beancount journal file.

The 02:00 run overruns and the 02:05 run starts: two OS processes, each with its own
``BeancountJournal`` on the same file, are handed the same new payments. Each payment must be
booked once: the journal reads back what is booked and appends under an exclusive lock on the
file, so the run that comes second finds the other one's booking and adds nothing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import re
import threading
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data
from test_beancount_ledger import build_books, load_ok

from q2c_adapters.accounting.beancount_ledger import BeancountJournal, ledger_transactions
from q2c_adapters.delivery import Delivery
from q2c_core import Money, QuoteToCash

pytest.importorskip("fcntl")  # the lock between processes is POSIX's flock


def _cron_run(url: str, path: str, start: Any, meet: Any, results: Any) -> None:
    """One cron run: open the journal and deliver everything new. Between reading whether an
    event is booked and writing it, each run waits (a few seconds at most) for the other run
    to get there too, as two runs on a busy machine can: without a lock held across both,
    both runs find the event unbooked and both write it; with it, the second run waits for the
    lock instead, the wait times out once and the runs go on one after the other."""
    try:
        app = QuoteToCash.open(url)
        start.wait()
        journal = BeancountJournal(app, path)
        build = journal.book.transactions

        def build_when_both_are_here(*args: Any, **kwargs: Any) -> Any:
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait(timeout=3)
            return build(*args, **kwargs)

        journal.book.transactions = build_when_both_are_here  # type: ignore[method-assign]
        report = Delivery(app, journal, name="beancount").run()
        app.close()
        overtaken = report.error is not None and "first: this run stopped" in report.error
        results.put("ok" if report.error is None or overtaken else report.error)
    except BaseException as error:
        results.put(f"{type(error).__name__}: {error}")


def two_cron_runs_at_once(url: str, path: Path) -> list[str]:
    """Start two delivery processes together on the same database and journal file."""
    context = multiprocessing.get_context("fork")
    start, meet, results = context.Barrier(2), context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=_cron_run, args=(url, str(path), start, meet, results))
        for _ in range(2)
    ]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("journal", ["yesterday's journal", "a new journal"])
def test_two_deliveries_at_once_book_each_payment_once(tmp_path: Path, journal: str) -> None:
    """Yesterday's run booked the story's books (or nothing is booked yet and the file does not
    exist); today twelve payments came in from Acme. Two delivery runs start at the same moment:
    the journal then loads in Beancount without an error and holds exactly the transactions
    q2c's events book, each event's once (bank and customer credit are not overstated)."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    path = tmp_path / "books.beancount"
    app = QuoteToCash.open(url)
    books = build_books(app)
    if journal == "yesterday's journal":
        assert Delivery(app, BeancountJournal(app, str(path)), name="beancount").run().caught_up
    for i in range(12):
        app.receive_payment(
            books.acme,
            Money.of("10", "EUR"),
            received_on=date(2024, 7, 1),
            reference=f"transfer {i}",
            actor="ann",
        )
    expected = [t for t in ledger_transactions(app)]
    expected_events = Counter(dict(t.meta)["event_id"] for t in expected)
    app.close()

    outcomes = two_cron_runs_at_once(url, path)

    assert outcomes == ["ok", "ok"], outcomes
    text = path.read_text(encoding="utf-8")
    entries = load_ok(text)
    booked = [e for e in entries if isinstance(e, data.Transaction)]
    assert len(booked) == len(expected)
    assert Counter(e.meta["event_id"] for e in booked) == expected_events
    assert len(re.findall(r'^option "title"', text, re.MULTILINE)) == 1
