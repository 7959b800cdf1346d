"""Processes starting together on a new database (two cron jobs, web workers, an embedded
follower and ``q2c update``) all finish: the first deliveries to each backend and the first
projection updates create their tables once, whoever comes first, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import storage_url

from q2c_adapters.delivery import Delivery, open_store
from q2c_core import QuoteToCash
from q2c_core.projections import Follower, ProjectionStore, all_projections
from q2c_core.projections.store import decode_row

ROUNDS = 4


class Ledger:
    """An accounting backend that accepts everything."""

    def deliver(self, key: str, event: Any) -> None:
        pass


def _first_delivery(url: str, name: str, barrier: Any, results: Any) -> None:
    """A cron job delivering to one backend for the first time, when all are ready."""
    app = QuoteToCash.open(url)
    barrier.wait()
    try:
        report = Delivery(app, Ledger(), name=name).run()
        results.put("ok" if report.caught_up else f"not caught up: {report}")
    except BaseException as error:
        results.put(f"{type(error).__name__}: {error}")


def _first_delivery_to_own_store(url: str, name: str, barrier: Any, results: Any) -> None:
    """A cron job keeping its position in a delivery store of its own (``open_store``), a
    database nobody opened yet, when all are ready."""
    app_url, store_url = url.split(" ")
    app = QuoteToCash.open(app_url)
    barrier.wait()
    try:
        report = Delivery(app, Ledger(), name=name, store=open_store(store_url)).run()
        results.put("ok" if report.caught_up else f"not caught up: {report}")
    except BaseException as error:
        results.put(f"{type(error).__name__}: {error}")


def _first_update(url: str, name: str, barrier: Any, results: Any) -> None:
    """A follower updating the read models of a store nobody opened yet."""
    app = QuoteToCash.open(url)
    barrier.wait()
    try:
        store = ProjectionStore.open(url)
        Follower(app, all_projections(store)).run()
        head = app.recorder.max_notification_id()
        positions = {store.position(p.tracking_name) for p in all_projections(store)}
        results.put("ok" if positions == {head} else f"positions {positions}, head {head}")
    except BaseException as error:
        results.put(f"{type(error).__name__}: {error}")


@contextlib.contextmanager
def new_database(backend: str, directory: Path) -> Iterator[str]:
    """A database with one customer registered and nothing else made yet."""
    directory.mkdir()
    with storage_url(backend, directory) as url:
        app = QuoteToCash.open(url)
        app.register_customer("Acme", "EUR", account_manager="mia", actor="ann")
        app.close()
        yield url


def at_once(url: str, job: Callable[..., None], names: list[str]) -> list[str]:
    """Run ``job`` in one process per name, all starting together; what each reported."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(len(names)), context.Queue()
    processes = [context.Process(target=job, args=(url, name, barrier, results)) for name in names]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_three_first_deliveries_started_together_all_deliver(backend: str, tmp_path: Path) -> None:
    """The ledger, the ERP and the CRM jobs run for the first time in the same second: each
    delivers everything (the delivery tables used to be created by all three at once:
    PostgreSQL's duplicate key on pg_type, SQLite's "Failed to record tracking for __migration__
    1", in every try)."""
    outcomes = []
    for round_ in range(ROUNDS):
        with new_database(backend, tmp_path / f"round{round_}") as url:
            outcomes += at_once(url, _first_delivery, ["ledger", "erp", "crm"])
    assert outcomes == ["ok"] * 3 * ROUNDS, [o for o in outcomes if o != "ok"]


def test_three_first_deliveries_to_a_new_store_of_their_own_all_deliver(tmp_path: Path) -> None:
    """The same three jobs keeping their positions in a SQLite file of their own
    (``open_store``), which none of them has opened yet: each delivers everything (the store's
    tables were created by all three at once: "Failed to record tracking for __migration__ 1")."""
    outcomes = []
    for round_ in range(ROUNDS):
        with new_database("sqlite", tmp_path / f"round{round_}") as url:
            store_url = f"sqlite:///{tmp_path / f'round{round_}' / 'deliveries.db'}"
            outcomes += at_once(
                f"{url} {store_url}", _first_delivery_to_own_store, ["ledger", "erp", "crm"]
            )
    assert outcomes == ["ok"] * 3 * ROUNDS, [o for o in outcomes if o != "ok"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_first_updates_started_together_both_finish(backend: str, tmp_path: Path) -> None:
    """An embedded follower and ``q2c update`` start on a store nobody opened yet: both finish
    with every read model at the head of the log (the store's tables were created by both at
    once: SQLite's "Failed to record tracking for __migration__ 1" in every try)."""
    outcomes = []
    for round_ in range(ROUNDS):
        with new_database(backend, tmp_path / f"round{round_}") as url:
            outcomes += at_once(url, _first_update, ["embedded", "q2c update"])
    assert outcomes == ["ok"] * 2 * ROUNDS, [o for o in outcomes if o != "ok"]


def test_a_follower_overtaken_on_a_new_store_takes_up_the_others_settings(
    backend_url: str,
) -> None:
    """A follower reads a new store's settings row of a projection (none yet, as the store is
    new); before it reads on, another follower commits the first page with the settings. The
    first one finishes: its rows are new, not built without settings by an older q2c (which it
    used to say: RuleViolated "rebuild it from events", 3 times in 10 on PostgreSQL)."""
    app = QuoteToCash.open(backend_url)
    for name in ("Acme", "Globex", "Initech"):
        app.register_customer(name, "EUR", account_manager="mia", actor="ann")
    store = ProjectionStore.open(backend_url)
    first = all_projections(store)
    settled = next(p for p in first if p.config())
    read_settings = settled.get
    overtaken: list[int] = []

    def get_then_overtaken(key: str) -> Any:
        row = read_settings(key)
        if key == settled.CONFIG_KEY and not overtaken:
            overtaken.append(Follower(app, all_projections(store)).run())
        return row

    settled.get = get_then_overtaken  # type: ignore[method-assign]
    Follower(app, first).run()
    assert overtaken and overtaken[0] > 0  # the other follower did commit in between
    head = app.recorder.max_notification_id()
    assert {store.position(p.tracking_name) for p in all_projections(store)} == {head}
    settings = dict(store.recorder.load_rows(settled.name))[settled.CONFIG_KEY]
    assert decode_row(settings)["config"] == settled.config()
