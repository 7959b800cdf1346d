"""A command that lost a race retries after a short random pause, so several processes issuing
invoices at once (each issue takes the next number of the one series) all succeed at the default
settings; the first attempt never waits, and giving up is bounded in time and records nothing."""

from __future__ import annotations

import multiprocessing
import time
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from test_concurrency import approved_invoices

from q2c_core import ConcurrencyConflict, QuoteToCash
from q2c_core.app_base import BaseApp

D = date(2024, 3, 1)
PROCESSES = 4
PER_PROCESS = 30


def _issue_all(url: str, mine: list[UUID], barrier: Any, results: Any) -> None:
    """A process that issues its invoices, at the default retry settings, once all are ready."""
    app = QuoteToCash.open(url)
    barrier.wait()
    for invoice in mine:
        try:
            results.put((str(invoice), app.issue_invoice(invoice, issued_on=D, actor="bea")))
        except BaseException as error:
            results.put((str(invoice), f"{type(error).__name__}: {error}"))
    app.close()


def test_processes_issuing_at_once_all_succeed_with_gapless_numbers(shared_url: str) -> None:
    """Four processes issue 120 invoices on one store at once: every issue succeeds, and the
    numbers are gapless and unique (at 5 attempts without a pause, 10 to 15 of 120 failed with
    ConcurrencyConflict on PostgreSQL, 1 or 2 on SQLite)."""
    setup = QuoteToCash.open(shared_url)
    customer = setup.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    invoices = approved_invoices(setup, customer, PROCESSES * PER_PROCESS)
    setup.close()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    processes = [
        context.Process(
            target=_issue_all, args=(shared_url, invoices[k::PROCESSES], barrier, results)
        )
        for k in range(PROCESSES)
    ]
    started = time.monotonic()
    for p in processes:
        p.start()
    outcomes = dict(results.get(timeout=60) for _ in invoices)
    for p in processes:
        p.join(timeout=60)
    assert time.monotonic() - started < 30
    failed = {i: said for i, said in outcomes.items() if not said.startswith("INV-")}
    assert failed == {}
    expected = [f"INV-{n:06d}" for n in range(1, len(invoices) + 1)]
    assert sorted(outcomes.values()) == expected
    reader = QuoteToCash.open(shared_url)
    assert {str(i): reader.invoice(i).number for i in invoices} == outcomes
    reader.close()


def test_the_first_attempt_never_waits(shared_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command nobody races is saved at once: no pause, whatever the retry settings."""
    slept: list[float] = []
    monkeypatch.setattr("q2c_core.app_base.time.sleep", slept.append)
    app = QuoteToCash.open(shared_url)
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    for invoice in approved_invoices(app, customer, 3):
        app.issue_invoice(invoice, issued_on=D, actor="bea")
    assert slept == []
    app.close()


def test_pauses_are_random_under_a_doubling_cap() -> None:
    app = QuoteToCash.open("memory:")
    first, most = app.retry_first_pause, app.retry_max_pause
    assert 0 < first <= 0.005 and 0.05 <= most <= 0.2
    for clashes in range(1, 40):
        limit = min(most, first * 2 ** (clashes - 1))
        pauses = {app._retry_pause(clashes) for _ in range(20)}
        assert all(0 <= p <= limit for p in pauses)
        assert len(pauses) > 1  # (random: writers that clashed together do not retry together)
    app.close()


def test_a_command_that_keeps_losing_gives_up_within_the_time_limit(
    shared_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However many attempts are allowed, a command that loses every race gives up once the
    time limit would be passed, with ConcurrencyConflict and nothing of its own recorded; it
    pauses before each retry, never before its first attempt."""
    clerk = QuoteToCash.open(shared_url, max_retries=1000)
    other = QuoteToCash.open(shared_url)
    customer = clerk.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    invoices = approved_invoices(clerk, customer, 12)
    clerk.issue_invoice(invoices[0], issued_on=D, actor="bea")  # the series exists
    target = invoices[1]
    real_save = clerk.save
    rivals = iter(invoices[2:])
    real_sleep = time.sleep
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        real_sleep(seconds)

    def save_after_a_rival(*aggregates: Any, **kwargs: Any) -> Any:
        # between the clerk's read and write, another instance issues the next number
        other.issue_invoice(next(rivals), issued_on=D, actor="bea")
        return real_save(*aggregates, **kwargs)

    monkeypatch.setattr("q2c_core.app_base.time.sleep", sleep)
    monkeypatch.setattr(clerk, "save", save_after_a_rival)
    monkeypatch.setattr(clerk, "_retry_pause", lambda clashes: 0.1)
    clerk.retry_time_limit = 0.35
    started = time.monotonic()
    with pytest.raises(ConcurrencyConflict) as refused:
        clerk.issue_invoice(target, issued_on=D, actor="bea")
    assert time.monotonic() - started < 2
    assert refused.value.field == "version"
    # a pause before each retry, none past the limit (how many depends on the machine's speed)
    assert 1 <= len(slept) <= 3 and set(slept) == {0.1}
    attempts = len(slept) + 1
    assert f"gave up after {attempts} attempts" in str(refused.value)
    assert other.invoice(target).number is None
    # each attempt lost to one rival issue, and nothing else was recorded
    rival_numbers = [other.invoice(i).number for i in invoices[2 : 2 + attempts + 1]]
    assert rival_numbers == [f"INV-{n:06d}" for n in range(2, 2 + attempts)] + [None]
    clerk.close()
    other.close()


def test_the_defaults_allow_many_attempts_in_a_bounded_time() -> None:
    assert BaseApp.retry_time_limit <= 30
    app = QuoteToCash.open("memory:")
    assert app.max_retries >= 30
    app.close()


def test_a_refusal_while_others_write_is_decided_again_only_a_few_times(
    shared_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command refused while another writer moved the log decides again on fresh state, in
    case the refusal came from a half-seen change; but a refusal that stands (a bad row) is
    not redone fifty times (max_retries counts lost races): three runs of the step at most."""
    from q2c_core import InvalidValue

    app = QuoteToCash.open(shared_url)
    other = QuoteToCash.open(shared_url)
    runs = 0

    def step() -> tuple[None, list[Any]]:
        nonlocal runs
        runs += 1
        other.register_customer(f"Rival {runs}", "EUR", account_manager="mia", actor="a")
        raise InvalidValue("a bad row", field="amount")

    with pytest.raises(InvalidValue):
        app._atomically(step)
    assert runs == 1 + BaseApp.refusal_rechecks == 3
    app.close()
    other.close()


def test_a_snapshot_another_process_took_in_between_is_no_lost_race(
    shared_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Just after the issue of an invoice commits its fourth event, another process snapshots
    the invoice by hand, at that version, before this process's own snapshot of it. The issue
    is recorded: it says its number, and is not decided again as if it had lost a race (the
    invoice, issued by then, would be refused). One snapshot is kept."""
    clerk = QuoteToCash.open(shared_url)
    customer = clerk.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    (invoice,) = approved_invoices(clerk, customer, 1)
    other = QuoteToCash.open(shared_url)
    record = clerk._record

    def record_then_the_other_snapshots(processing: Any) -> Any:
        recordings = record(processing)  # (committed)
        other.take_snapshot(invoice)
        return recordings

    monkeypatch.setattr(clerk, "_record", record_then_the_other_snapshots)
    assert clerk.issue_invoice(invoice, issued_on=D, actor="bea") == "INV-000001"
    monkeypatch.undo()
    assert clerk.snapshots is not None
    assert [s.originator_version for s in clerk.snapshots.get(invoice)] == [4]
    assert clerk.invoice(invoice).number == "INV-000001"
    for app in (clerk, other):
        app.close()


def test_a_command_that_loses_its_last_race_gives_up_without_pausing_first(
    shared_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two attempts allowed, both lost: one pause, before the second; none after it, so the
    caller hears ConcurrencyConflict at once rather than after a pause that leads nowhere."""
    clerk = QuoteToCash.open(shared_url, max_retries=2)
    other = QuoteToCash.open(shared_url)
    customer = clerk.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    invoices = approved_invoices(clerk, customer, 5)
    clerk.issue_invoice(invoices[0], issued_on=D, actor="bea")  # the series exists
    real_save = clerk.save
    rivals = iter(invoices[2:])
    slept: list[float] = []

    def save_after_a_rival(*aggregates: Any, **kwargs: Any) -> Any:
        other.issue_invoice(next(rivals), issued_on=D, actor="bea")
        return real_save(*aggregates, **kwargs)

    monkeypatch.setattr("q2c_core.app_base.time.sleep", slept.append)
    monkeypatch.setattr(clerk, "save", save_after_a_rival)
    monkeypatch.setattr(clerk, "_retry_pause", lambda clashes: 0.1)
    with pytest.raises(ConcurrencyConflict) as refused:
        clerk.issue_invoice(invoices[1], issued_on=D, actor="bea")
    assert "gave up after 2 attempts" in str(refused.value)
    assert slept == [0.1]
    assert other.invoice(invoices[1]).number is None
    clerk.close()
    other.close()
