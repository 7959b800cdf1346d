"""Another writer holding a SQLite file's lock longer than the lock timeout (a long import, a
billing run's batch, a DB browser left in a transaction) makes a save StorageUnavailable saying
the store is busy, with nothing recorded, never the driver's "database is locked"; the timeout is
set by the URL's ?lock_timeout= (seconds), validated."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError
from test_concurrency import approved_invoices

from q2c_core import (
    BillingFrequency,
    InvalidValue,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    StorageUnavailable,
    SubContract,
    SubContractKind,
)
from q2c_core.storage import env_for_url

D = date(2024, 3, 1)


@contextlib.contextmanager
def write_locked(db: Path, seconds: float | None = None) -> Iterator[None]:
    """A second, real connection holding the file's write lock (BEGIN IMMEDIATE): until the
    block ends, or for ``seconds`` from its start, from another thread."""
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(seconds, holder.rollback) if seconds is not None else None
    if release is not None:
        release.start()
    try:
        yield
    finally:
        if release is not None:
            release.join()
        else:
            holder.rollback()
        holder.close()


def test_a_writer_holding_the_lock_past_the_timeout_is_storage_unavailable(
    tmp_path: Path,
) -> None:
    db = tmp_path / "q2c.db"
    url = f"sqlite:///{db}?lock_timeout=1"
    clerk = QuoteToCash.open(url)
    customer = clerk.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    invoice, later = approved_invoices(clerk, customer, 2)
    head = clerk.recorder.max_notification_id()
    with write_locked(db):
        started = time.monotonic()
        with pytest.raises(StorageUnavailable) as busy:
            clerk.issue_invoice(invoice, issued_on=D, actor="bea")
        waited = time.monotonic() - started
    assert 0.9 <= waited < 4  # the URL's second, not the library's 5
    assert busy.value.field == "url" and busy.value.value == f"sqlite:///{db}"
    said = str(busy.value)
    assert f"the SQLite database {db} is busy" in said and "more than 1 s" in said
    assert "nothing was recorded" in said and "?lock_timeout=" in said
    assert isinstance(busy.value.__cause__, OperationalError)  # (the driver's, chained)
    # nothing of the command was recorded, and once the writer is gone it goes through
    reader = QuoteToCash.open(f"sqlite:///{db}")
    assert reader.recorder.max_notification_id() == head
    assert reader.invoice(invoice).number is None
    assert clerk.issue_invoice(invoice, issued_on=D, actor="bea") == "INV-000001"
    assert clerk.issue_invoice(later, issued_on=D, actor="bea") == "INV-000002"
    for app in (clerk, reader):
        app.close()


def test_a_write_waits_for_a_lock_released_within_the_timeout(tmp_path: Path) -> None:
    """A writer that lets go in time only delays the save: the default 5 s, or the URL's."""
    db = tmp_path / "q2c.db"
    clerk = QuoteToCash.open(f"sqlite:///{db}?lock_timeout=3")
    customer = clerk.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    (invoice,) = approved_invoices(clerk, customer, 1)
    with write_locked(db, seconds=1.0):
        started = time.monotonic()
        assert clerk.issue_invoice(invoice, issued_on=D, actor="bea") == "INV-000001"
        assert time.monotonic() - started >= 0.9
    clerk.close()


def test_a_snapshot_kept_out_by_another_writer_after_the_save_leaves_the_command_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Issuing an invoice records its fourth event, on which q2c snapshots it. Another writer
    takes the file's lock just after the issue's transaction commits, so the snapshot cannot be
    written within the lock timeout. The issue is recorded and says its number: the snapshot,
    only a shortcut for reading, is left out and logged, never an error. The invoice reads back
    whole from its events, and once the writer is gone the next issue is snapshotted."""
    db = tmp_path / "q2c.db"
    clerk = QuoteToCash.open(f"sqlite:///{db}?lock_timeout=1")
    customer = clerk.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    invoice, later = approved_invoices(clerk, customer, 2)
    assert clerk.snapshots is not None
    record = clerk._record
    with contextlib.ExitStack() as other_writer:

        def record_then_another_writer_locks(processing: Any) -> Any:
            recordings = record(processing)  # (committed)
            other_writer.enter_context(write_locked(db))
            return recordings

        monkeypatch.setattr(clerk, "_record", record_then_another_writer_locks)
        with caplog.at_level(logging.WARNING, logger="q2c_core"):
            assert clerk.issue_invoice(invoice, issued_on=D, actor="bea") == "INV-000001"
        monkeypatch.undo()
    assert list(clerk.snapshots.get(invoice)) == []
    [skipped] = [r for r in caplog.records if "snapshot" in r.getMessage()]
    said = skipped.getMessage()
    assert skipped.levelno == logging.WARNING and f"the snapshot of {invoice}" in said
    assert f"the SQLite database {db} is busy" in said and "events are recorded" in said

    reader = QuoteToCash.open(f"sqlite:///{db}")
    assert reader.invoice(invoice).number == "INV-000001"
    assert clerk.issue_invoice(later, issued_on=D, actor="bea") == "INV-000002"
    assert [s.originator_version for s in clerk.snapshots.get(later)] == [4]
    for app in (clerk, reader):
        app.close()


def test_a_snapshot_taken_by_hand_while_another_writer_holds_the_lock_is_storage_unavailable(
    tmp_path: Path,
) -> None:
    """Asked for directly, a snapshot that cannot be written says the store is busy, as a save
    does, with nothing written."""
    db = tmp_path / "q2c.db"
    clerk = QuoteToCash.open(f"sqlite:///{db}?lock_timeout=1")
    customer = clerk.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    (invoice,) = approved_invoices(clerk, customer, 1)
    assert clerk.snapshots is not None
    with write_locked(db), pytest.raises(StorageUnavailable) as busy:
        clerk.take_snapshot(invoice)
    assert f"the SQLite database {db} is busy" in str(busy.value)
    assert busy.value.field == "url" and busy.value.value == f"sqlite:///{db}"
    assert list(clerk.snapshots.get(invoice)) == []
    clerk.close()


@pytest.mark.parametrize("given", ["soon", "0", "-1", "1.5", "²", "1e3", "86401"])
def test_a_lock_timeout_that_is_no_whole_number_of_seconds_is_refused(
    given: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}?lock_timeout={given}"
    with pytest.raises(InvalidValue) as refused:
        QuoteToCash.open(url)
    assert refused.value.field == "url" and refused.value.value == url
    assert "lock_timeout must be a whole number of seconds" in str(refused.value)
    assert not (tmp_path / "q2c.db").exists()  # (refused before anything was made)


def test_the_operators_lock_timeout_stands_unless_the_url_gives_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "SQLITE_LOCK_TIMEOUT" not in env_for_url("sqlite:///billing.db")
    assert env_for_url("sqlite:///billing.db?lock_timeout=30")["SQLITE_LOCK_TIMEOUT"] == "30"
    assert env_for_url("sqlite:///billing.db?lock_timeout=030")["SQLITE_DBNAME"] == str(
        Path("billing.db").absolute()
    )
    monkeypatch.setenv("SQLITE_LOCK_TIMEOUT", "7")
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'a.db'}")
    assert app.recorder.lock_timeout == 7  # type: ignore[attr-defined]
    app.close()
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'a.db'}?lock_timeout=30")
    assert app.recorder.lock_timeout == 30  # type: ignore[attr-defined]
    # a writer of the same process waits as long for another thread's save
    assert app.recorder.datastore.pool.pool_timeout == 30  # type: ignore[attr-defined]
    app.close()


def test_the_command_line_says_the_store_is_busy_in_one_line(tmp_path: Path) -> None:
    """``q2c bill`` while another writer holds the file: one line on standard error, exit 2,
    nothing drafted; run again once the file is free, it bills."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    year = Period(date(2024, 1, 1), date(2025, 1, 1))
    contract = app.sign_contract(
        customer,
        number="MC-1",
        term=year,
        frequency=BillingFrequency.MONTHLY,
        signed_on=year.start,
        actor="a",
        sub_contracts=[
            SubContract(
                "S1",
                "Support",
                SubContractKind.PRODUCT,
                year.start,
                [PricePoint(year.start, Money.of(1200, "EUR"))],
            )
        ],
    )
    app.activate_contract(contract, effective=year.start, actor="a")
    head = app.recorder.max_notification_id()
    app.close()
    bill = [sys.executable, "-m", "q2c_adapters.cli", "bill", "--as-of", "2024-02-01"]
    bill += ["--actor", "billing", "--url"]
    with write_locked(db):
        busy = subprocess.run(
            [*bill, f"sqlite:///{db}?lock_timeout=1"], capture_output=True, text=True, timeout=60
        )
    assert busy.returncode == 2, busy.stderr
    assert "Traceback" not in busy.stderr
    [said] = [line for line in busy.stderr.splitlines() if line.strip()]
    assert said.startswith("error: ") and f"the SQLite database {db} is busy" in said, said
    reader = QuoteToCash.open(f"sqlite:///{db}")
    assert reader.recorder.max_notification_id() == head
    reader.close()
    again = subprocess.run([*bill, f"sqlite:///{db}"], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("given", ["soon", "0", "²", "86401"])
def test_a_connect_timeout_that_is_no_whole_number_of_seconds_is_refused(given: str) -> None:
    """The same rule for PostgreSQL's ?connect_timeout= (a superscript digit was a bare
    ValueError from int())."""
    url = f"postgresql://postgres:secret@127.0.0.1/test?connect_timeout={given}"
    with pytest.raises(InvalidValue) as refused:
        env_for_url(url)
    assert refused.value.field == "url" and "secret" not in str(refused.value.value)
    assert "connect_timeout must be a whole number of seconds" in str(refused.value)
