"""A cut "as of" a time already past is the same whenever it is taken, even while other
processes are saving.

Month-end: the billing run is saving invoices while finance takes the report as of 31 December
23:59. A save's recording time is taken inside its transaction, under the writers' lock, before
it commits; a cut that read only what was committed could leave out a save recorded before T
that was still committing, and the same report re-run the next morning would show more. A cut
therefore waits for saves in flight before it reads; a time still ahead of the recording clock
(the database server's on PostgreSQL, this machine's on SQLite) can still take saves recorded
later.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import PG_DSN, storage_url

from q2c_core import QuoteToCash
from q2c_core.recorded_saves import position_as_of, recorded_times, wait_for_saves

# how long the billing clerks keep saving while finance takes its cuts (seconds)
SAVING_FOR = 3.0


def _billing_clerk(url: str, clerk: str, started: Any, stop: Any) -> None:
    """Another process saving customers one after another until told to stop."""
    app = QuoteToCash.open(url)
    try:
        started.set()
        n = 0
        while not stop.is_set():
            app.register_customer(
                f"{clerk}'s customer {n}", "EUR", account_manager="mia", actor="clerk"
            )
            n += 1
    finally:
        app.close()


def test_a_cut_for_a_time_already_past_is_the_same_when_taken_again_after_the_saves(
    shared_url: str,
) -> None:
    finance = QuoteToCash.open(shared_url)
    try:
        finance.register_customer("Acme", "EUR", account_manager="mia", actor="sales")
        spawn = multiprocessing.get_context("spawn")
        stop = spawn.Event()
        clerks = []
        for name in ("Ann", "Bob"):
            started = spawn.Event()
            clerk = spawn.Process(target=_billing_clerk, args=(shared_url, name, started, stop))
            clerk.start()
            clerks.append(clerk)
            assert started.wait(60), "a billing clerk never started"
        cuts: list[tuple[datetime, int]] = []
        try:
            until = time.monotonic() + SAVING_FOR
            while time.monotonic() < until:
                moment = datetime.now(UTC)  # a time already past when the cut is taken
                cuts.append((moment, position_as_of(finance, moment)))
        finally:
            stop.set()
            for clerk in clerks:
                clerk.join(60)
        assert all(clerk.exitcode == 0 for clerk in clerks)
        head = finance.recorder.max_notification_id() or 0
        assert head > cuts[0][1] + 10, "the clerks saved while the cuts were taken"

        # the next morning, the same cuts again
        moved = [
            (moment, first, again)
            for moment, first in cuts
            if (again := position_as_of(finance, moment)) != first
        ]
        assert moved == [], f"{len(moved)} of {len(cuts)} cuts moved, first: {moved[:3]}"
    finally:
        finance.close()


def test_a_cut_for_a_time_still_to_come_takes_what_is_recorded_by_then(
    shared_url: str,
) -> None:
    app = QuoteToCash.open(shared_url)
    try:
        acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="sales")
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        before = position_as_of(app, tomorrow)
        assert before == app.recorder.max_notification_id()
        app.register_customer("Globex", "EUR", account_manager="mia", actor="sales")
        # a time not yet reached is no fixed cut: a save recorded before it is taken in
        assert position_as_of(app, tomorrow) == app.recorder.max_notification_id() > before
        recorded = recorded_times(app, acme)[1]
        assert position_as_of(app, recorded) == before
    finally:
        app.close()


def _in_flight_save(app: QuoteToCash) -> Any:
    """Another connection in the middle of a save: holding the writers' lock, as a save does
    from before it takes its recording time until it commits. Commit it with ``.commit()``."""
    recorder: Any = app.recorder
    if hasattr(recorder, "saves_table_name"):  # SQLite
        writer = sqlite3.connect(recorder.datastore.pool.db_name, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        return writer
    import psycopg

    writer = psycopg.connect(PG_DSN)
    table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
    writer.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    return writer


def _cut_in_a_thread(recorder: Any) -> threading.Thread:
    cut = threading.Thread(target=wait_for_saves, args=(recorder,), daemon=True)
    cut.start()
    return cut


def test_a_cut_waits_for_the_save_being_written(shared_url: str) -> None:
    app = QuoteToCash.open(shared_url)
    try:
        app.register_customer("Acme", "EUR", account_manager="mia", actor="sales")
        saving = _in_flight_save(app)
        try:
            cut = _cut_in_a_thread(app.recorder)
            cut.join(0.5)
            assert cut.is_alive(), "the cut did not wait for the save being written"
        finally:
            saving.commit()
        cut.join(10)
        assert not cut.is_alive(), "the cut still waits after the save committed"
    finally:
        app.close()


def test_a_reporting_role_that_may_only_read_waits_for_the_save_being_written(
    tmp_path: Path,
) -> None:
    """A role granted SELECT only may not lock the events table; it waits for the
    transactions holding the writers' lock to end instead."""
    with storage_url("postgres", tmp_path) as url:
        app = QuoteToCash.open(url)
        recorder: Any = app.recorder
        schema = recorder.datastore.schema
        role = f"q2c_reader_{uuid.uuid4().hex[:8]}"
        import psycopg
        from eventsourcing.postgres import PostgresDatastore

        from q2c_core.postgres_recorder import PostgresEventRecorder

        with psycopg.connect(PG_DSN, autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {role} LOGIN")
            admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
            admin.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
        reader_store = PostgresDatastore(
            dbname=PG_DSN.rsplit("/", 1)[1],
            host="127.0.0.1",
            port="5432",
            user=role,
            password="",
            schema=schema,
        )
        try:
            reader = PostgresEventRecorder(
                reader_store, events_table_name=recorder.events_table_name
            )
            app.register_customer("Acme", "EUR", account_manager="mia", actor="sales")
            saving = _in_flight_save(app)
            try:
                cut = _cut_in_a_thread(reader)
                cut.join(0.5)
                assert cut.is_alive(), "the reader did not wait for the save being written"
            finally:
                saving.commit()
                saving.close()
            cut.join(10)
            assert not cut.is_alive(), "the reader still waits after the save committed"
            assert reader.saves_recorded_by(datetime.now(UTC))[1] == (
                app.recorder.max_notification_id()
            )
        finally:
            reader_store.close()
            app.close()
            with psycopg.connect(PG_DSN, autocommit=True) as admin:
                admin.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {role}')
                admin.execute(f'REVOKE USAGE ON SCHEMA "{schema}" FROM {role}')
                admin.execute(f"DROP ROLE {role}")
