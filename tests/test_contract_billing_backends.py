"""Contract billing runs behave the same in memory, on a real SQLite file and on real PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from q2c_core import (
    BillingFrequency,
    InvoiceKind,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
    billing_run,
)
from q2c_core.domain.contract import Contract
from q2c_core.domain.errors import InvalidValue

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


@pytest.fixture(autouse=True)
def forked_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """These stories plant faults in this process's memory, which only forked workers share:
    the workers are forked whatever threads earlier tests left running here (q2c would start
    them from a fork server, or rebuild here alone, then: test_workers_started_safely)."""
    monkeypatch.setenv("WORKER_START_METHOD", "fork")


def sub(sub_id: str, start: date = date(2024, 1, 1), price: int = 1200) -> SubContract:
    return SubContract(
        sub_id,
        f"Product {sub_id}",
        SubContractKind.PRODUCT,
        start,
        [PricePoint(start, Money.of(price, "EUR"))],
    )


def setup(app: QuoteToCash, contracts: int) -> tuple[UUID, list[UUID]]:
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    ids = []
    for i in range(contracts):
        cid = app.sign_contract(
            cust,
            number=f"MC-{i}",
            term=YEAR,
            frequency=BillingFrequency.MONTHLY,
            signed_on=YEAR.start,
            actor=A,
            sub_contracts=[sub("S1"), sub("S2", date(2024, 1, 5 + i), 600 + i)],
        )
        app.activate_contract(cid, effective=YEAR.start, actor=A)
        ids.append(cid)
    return cust, ids


def net_days(app: QuoteToCash, cust: UUID) -> Counter[tuple[UUID | None, str | None, date]]:
    days: Counter[tuple[UUID | None, str | None, date]] = Counter()
    for inv in app.invoices(cust):
        sign = -1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in inv.lines:
            assert line.source is not None and line.source.period is not None
            for day in line.source.period.each_day():
                days[(line.source.contract_id, line.source.sub_contract_id, day)] += sign
    return days


def test_preview_equals_posted_and_a_reopened_app_bills_nothing_twice(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    app = app_factory()
    cust, ids = setup(app, 4)
    preview = app.preview_billing(date(2024, 3, 1))
    result = app.run_billing(date(2024, 3, 1), actor="run", batch_size=3)
    assert len(result.documents) == len(preview) == 12
    for shown, doc in zip(preview, result.documents, strict=True):
        assert shown.lines == tuple(app.invoice(doc.invoice_id).lines)
    before = app.recorder.max_notification_id()
    in_memory = app.env.get("PERSISTENCE_MODULE", "").endswith("popo")
    again = app if in_memory else app_factory()  # a new instance reads the stored state only
    assert again.run_billing(date(2024, 3, 1), actor="run").documents == ()
    assert again.recorder.max_notification_id() == before
    days = net_days(again, cust)
    assert set(days.values()) == {1}
    for cid in ids:
        assert len(again.contract(cid).billed) == 3


def test_crash_part_way_then_rerun(app_factory: Callable[[], QuoteToCash]) -> None:
    app = app_factory()
    cust, ids = setup(app, 5)
    recorder: Any = app.recorder
    real_insert = recorder.insert_events
    calls = [0]

    def failing_insert(*args: Any, **kw: Any) -> Any:  # the power goes on the second batch
        calls[0] += 1
        if calls[0] > 1:
            raise RuntimeError("power cut")
        return real_insert(*args, **kw)

    recorder.insert_events = failing_insert
    with pytest.raises(RuntimeError):
        app.run_billing(date(2024, 2, 1), actor="run", batch_size=2)
    recorder.insert_events = real_insert
    assert sum(1 for c in ids if app.contract(c).billed) == 2
    app.run_billing(date(2024, 2, 1), actor="run", batch_size=2)
    days = net_days(app, cust)
    for cid in ids:
        for day in Period(date(2024, 1, 1), date(2024, 3, 1)).each_day():
            assert days[(cid, "S1", day)] == 1
    assert len(app.invoices(cust)) == 10


def test_a_contract_changed_during_the_run_is_billed_on_its_fresh_state(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    app = app_factory()
    cust, ids = setup(app, 3)
    real_load = app._load_batch

    def load_then_someone_adds(*args: Any) -> list[Contract]:
        loaded = real_load(*args)
        app.add_sub_contract(ids[1], sub("LATE", date(2024, 1, 20), 3100), actor="bob")
        return loaded

    app._load_batch = load_then_someone_adds  # type: ignore[method-assign]
    result = app.run_billing(date(2024, 1, 1), actor="run")
    assert len(result.documents) == 3
    jan = next(d for d in result.documents if d.contract_id == ids[1])
    subs = [ln.source.sub_contract_id for ln in app.invoice(jan.invoice_id).lines if ln.source]
    assert subs == ["S1", "S2", "LATE"]
    assert set(net_days(app, cust).values()) == {1}


def test_retroactive_removal_is_credited_on_every_backend(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    app = app_factory()
    cust, ids = setup(app, 1)
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(jan, role=role, approved_on=date(2024, 1, 2), actor=who)
    app.issue_invoice(jan, issued_on=date(2024, 1, 2), actor="bea")
    app.remove_sub_contract(ids[0], "S1", effective_to=date(2024, 1, 16), actor=A)
    result = app.run_billing(date(2024, 1, 1), actor="run")
    [note] = result.documents
    assert note.kind is InvoiceKind.CREDIT_NOTE and note.credits_invoice_id == jan
    days = net_days(app, cust)
    assert days[(ids[0], "S1", date(2024, 1, 15))] == 1
    assert days[(ids[0], "S1", date(2024, 1, 16))] == 0
    assert app.invoice(jan).is_issued and len(app.invoice(jan).lines) == 2
    assert app.run_billing(date(2024, 1, 1), actor="run").documents == ()


def test_a_voided_correction_is_redrafted_on_every_backend(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    """Voiding a correction's credit note voids its extra-lines invoice too and rolls the
    period back; a reopened app (stored state only) drafts the same pair again, once."""
    app = app_factory()
    cust, ids = setup(app, 1)
    app.run_billing(date(2024, 1, 1), actor="run")
    app.reprice_sub_contract(
        ids[0], "S1", effective=date(2024, 1, 11), annual_price=Money.of(2400, "EUR"), actor=A
    )
    pair = app.run_billing(date(2024, 1, 15), actor="run").documents
    note = next(d for d in pair if d.kind is InvoiceKind.CREDIT_NOTE)
    app.void_invoice(note.invoice_id, reason="typo", actor="bea", voided_on=date(2024, 1, 15))
    in_memory = app.env.get("PERSISTENCE_MODULE", "").endswith("popo")
    again = app if in_memory else app_factory()
    redrafted = again.run_billing(date(2024, 1, 20), actor="run").documents
    assert [(d.kind, d.net) for d in redrafted] == [(d.kind, d.net) for d in pair]
    assert again.run_billing(date(2024, 1, 20), actor="run").documents == ()
    live: Counter[tuple[UUID | None, str | None, date]] = Counter()
    for inv in again.invoices(cust):
        if inv.status.name == "VOIDED":
            continue
        sign = -1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in inv.lines:
            assert line.source is not None and line.source.period is not None
            for day in line.source.period.each_day():
                live[(line.source.contract_id, line.source.sub_contract_id, day)] += sign
    assert {
        live[(ids[0], "S1", day)] for day in Period(date(2024, 1, 1), date(2024, 2, 1)).each_day()
    } == {1}


def test_several_workers_bill_what_one_would_exactly_once(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    """Two worker processes bill disjoint shares: together they post the documents one process
    would (the preview), in the same order, every day once; progress reaches the whole; a second
    parallel run bills nothing. In memory, several workers are refused: no other process can
    open that store."""
    app = app_factory()
    if not _shared(app):
        with pytest.raises(InvalidValue) as refused:
            app.run_billing(date(2024, 3, 1), actor="run", workers=2)
        assert refused.value.field == "workers"
        return
    cust, _ = setup(app, 7)
    preview = app.preview_billing(date(2024, 3, 1))
    before = app.recorder.max_notification_id() or 0
    seen: list[tuple[int, int]] = []
    result = app.run_billing(
        date(2024, 3, 1),
        actor="run",
        batch_size=2,
        workers=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result.contracts == 7 and len(result.documents) == len(preview) == 21
    assert [d.contract_id for d in result.documents] == [p.contract_id for p in preview]
    assert [(d.kind, d.period, d.net, d.line_count) for d in result.documents] == [
        (p.kind, p.period, p.net, len(p.lines)) for p in preview
    ]
    for shown, doc in zip(preview, result.documents, strict=True):
        assert shown.lines == tuple(app.invoice(doc.invoice_id).lines)
    assert seen[0] == (0, 7) and seen[-1] == (7, 7)
    assert result.events_written == (app.recorder.max_notification_id() or 0) - before
    assert app.run_billing(date(2024, 3, 1), actor="run", workers=2).documents == ()
    assert set(net_days(app, cust).values()) == {1}


class Cancelled(Exception):
    """The operator pressed cancel in the progress bar."""


def test_a_run_cancelled_at_its_first_progress_report_bills_nothing_with_several_workers(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    """A progress callback that raises at once (the operator cancels as the bar appears) stops
    the run before any worker starts: with two workers as with one, the caller gets the error
    and nothing is billed afterwards behind its back; every report counts progress once."""
    app = app_factory()
    if not _shared(app):
        return  # (several workers are refused in memory: see above)
    setup(app, 6)
    before = app.recorder.max_notification_id()

    def cancel(done: int, total: int) -> None:
        raise Cancelled("cancelled")

    for workers in (1, 2):
        with pytest.raises(Cancelled):
            app.run_billing(
                date(2024, 3, 1), actor="run", batch_size=1, workers=workers, progress=cancel
            )
    time.sleep(1.5)  # (a worker left running would have billed by now)
    assert app.recorder.max_notification_id() == before
    seen: list[tuple[int, int]] = []
    result = app.run_billing(
        date(2024, 3, 1),
        actor="run",
        batch_size=1,
        workers=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert len(result.documents) == 18
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    assert [done for done, _ in seen] == sorted(set(done for done, _ in seen))


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="the fault is planted in the parent's memory, which only forked workers share",
)
def test_a_failing_worker_leaves_the_other_share_billed_and_a_rerun_completes(
    app_factory: Callable[[], QuoteToCash], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker whose share fails part-way makes the run raise its error once every share has
    stopped; what was saved stays saved (each contract with its invoices), and a rerun bills
    exactly what is missing: every day once."""
    app = app_factory()
    if not _shared(app):
        pytest.skip("several workers need a store that other processes can open")
    cust, ids = setup(app, 6)
    real = billing_run.charge_period

    def meter_broken_for_contract_3(subs: Any, *args: Any) -> Any:
        subs = list(subs)
        if any(s.effective_from == date(2024, 1, 8) for s in subs):  # contract MC-3's S2
            raise RuntimeError("price meter broken")
        return real(subs, *args)

    monkeypatch.setattr(billing_run, "charge_period", meter_broken_for_contract_3)
    with pytest.raises(RuntimeError, match="price meter broken"):
        app.run_billing(date(2024, 3, 1), actor="run", batch_size=1, workers=2)
    mine = billing_run._share_of(ids[3], 2)
    for n, cid in enumerate(ids):
        same_share = billing_run._share_of(cid, 2) == mine
        # the other share billed everything; this one stopped at MC-3, one contract a save
        assert bool(app.contract(cid).billed) == (not same_share or n < 3)
    monkeypatch.setattr(billing_run, "charge_period", real)
    app.run_billing(date(2024, 3, 1), actor="run")
    assert all(len(app.contract(c).billed) == 3 for c in ids)
    assert set(net_days(app, cust).values()) == {1}


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="the fault is planted in the parent's memory, which only forked workers share",
)
def test_a_worker_killed_mid_run_is_reported_and_a_rerun_completes(
    app_factory: Callable[[], QuoteToCash], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process killed outright (SIGKILL, no goodbye) is noticed: the run raises once
    the other share has stopped, naming the worker, and a rerun bills every day exactly once."""
    app = app_factory()
    if not _shared(app):
        pytest.skip("several workers need a store that other processes can open")
    cust, ids = setup(app, 6)
    real = billing_run.charge_period

    def killed_at_contract_3(subs: Any, *args: Any) -> Any:
        subs = list(subs)
        if any(s.effective_from == date(2024, 1, 8) for s in subs):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(subs, *args)

    monkeypatch.setattr(billing_run, "charge_period", killed_at_contract_3)
    with pytest.raises(RuntimeError, match=r"billing worker \d stopped \(exit code -9\)"):
        app.run_billing(date(2024, 3, 1), actor="run", batch_size=1, workers=2)
    monkeypatch.setattr(billing_run, "charge_period", real)
    app.run_billing(date(2024, 3, 1), actor="run")
    assert all(len(app.contract(c).billed) == 3 for c in ids)
    assert set(net_days(app, cust).values()) == {1}


def _shared(app: QuoteToCash) -> bool:
    return dict(app.env).get("PERSISTENCE_MODULE") != "eventsourcing.popo"


def _overlapping_run(url: str, start: Any, results: Any) -> None:
    """One of two billing runs started at the same moment (as two cron jobs overlapping)."""
    app = QuoteToCash.open(url)
    try:
        start.wait()
        result = app.run_billing(date(2024, 3, 1), actor=f"run-{os.getpid()}", batch_size=1)
        results.put(("ok", len(result.documents)))
    except Exception as error:  # reported to the test, which fails on it
        results.put(("error", f"{type(error).__name__}: {error}"))
    finally:
        app.close()


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the runs are forked processes"
)
def test_two_runs_started_at_once_bill_every_period_once(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    """Two month-end runs on one database at the same moment (a cron job overlapping a manual
    run), saving one contract at a time: each contract and period is billed by one of them,
    never both; neither fails; together they post what one run would (the preview)."""
    app = app_factory()
    if not _shared(app):
        pytest.skip("a memory store cannot be opened by another process")
    cust, _ = setup(app, 20)
    expected = app.preview_billing(date(2024, 3, 1))
    context: Any = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    runs = [
        context.Process(target=_overlapping_run, args=(backend_url, start, results)) for _ in "ab"
    ]
    for run in runs:
        run.start()
    start.set()
    outcomes = [results.get(timeout=120) for _ in runs]
    for run in runs:
        run.join(timeout=60)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert sum(count for _, count in outcomes) == len(expected) == 60
    assert set(net_days(app, cust).values()) == {1}
    assert app.run_billing(date(2024, 3, 1), actor="run").documents == ()
