"""An assignment of a credit in suspense sent again is a retry only when it asks the same way.

Ana assigns Initech's 99.00 to Acme on 10 March: to the invoices she lists, or keeping the
money as Acme's credit, or to Acme's open invoices oldest due first. Her tool loses the
response and sends the assignment again. A retry that leaves the allocations out (oldest due
first) was taken for a repeat of a first call that listed invoices or kept the money as
credit: the tool was told it succeeded as asked while the money went elsewhere (or nowhere).
A list sent after an assignment oldest due first was compared only with what that made, and
so was taken for a repeat too. The resolution now records how it was asked to allocate, and
a retry asking another way is refused naming ``allocations``, nothing recorded. An
assignment recorded before q2c kept that (an older store) is answered as it was: a retry
leaving the allocations out is taken for a repeat.

Each story runs on a real SQLite file and a PostgreSQL schema, the retry from an application
opened again on it, as a tool's second process would.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import Reopen, rewrite_stored_event
from test_cli_suspense import april
from test_retry_after_time_out import eur, initech_in_suspense, mar
from typer.testing import CliRunner

from q2c_adapters.cli import _register_extensions
from q2c_adapters.cli import app as cli
from q2c_core import InvalidTransition, Money, QuoteToCash
from q2c_core.projections.decoding import TrustedDecoder

runner = CliRunner(env={"COLUMNS": "200"})
_register_extensions()

NOTE = "Initech pays for Acme"
# how Ana asks: her invoice (99.00 of its 119.00, all oldest due first would pay too), nothing
# (the money kept as Acme's credit), or None (Acme's open invoices oldest due first)
LISTED, KEPT, OLDEST_DUE_FIRST = "listed", "kept as credit", "oldest due first"


def asked(way: str, invoice: UUID) -> list[tuple[UUID, Money]] | None:
    return {LISTED: [(invoice, eur("99.00"))], KEPT: [], OLDEST_DUE_FIRST: None}[way]


def assign(app: QuoteToCash, credit: UUID, acme: UUID, allocations: Any) -> UUID:
    return app.resolve_bank_credit(
        credit,
        resolved_on=mar(10),
        actor="ana",
        customer_id=acme,
        allocations=allocations,
        note=NOTE,
    )


@pytest.mark.parametrize(
    ("first_way", "retry_way"),
    [(LISTED, OLDEST_DUE_FIRST), (KEPT, OLDEST_DUE_FIRST), (OLDEST_DUE_FIRST, LISTED)],
)
def test_a_retry_asking_another_way_to_allocate_is_refused_naming_allocations(
    reopen: Reopen, tmp_path: Path, first_way: str, retry_way: str
) -> None:
    """The second call allocates another way than the first asked: no retry, refused naming
    ``allocations``, nothing recorded; Acme's money stays where the first call put it."""
    first = reopen()
    acme, invoice, credit = initech_in_suspense(first, tmp_path)
    payment = assign(first, credit, acme, asked(first_way, invoice))
    owed = first.invoice(invoice).outstanding
    retry = reopen()
    before = retry.recorder.max_notification_id()

    with pytest.raises(InvalidTransition) as refused:
        assign(retry, credit, acme, asked(retry_way, invoice))

    assert refused.value.field == "allocations"
    assert retry.recorder.max_notification_id() == before
    assert [p.id for p in retry.payments(acme)] == [payment]
    assert retry.invoice(invoice).outstanding == owed


@pytest.mark.parametrize("way", [LISTED, KEPT, OLDEST_DUE_FIRST])
def test_a_retry_asking_the_same_way_records_nothing_and_returns_the_payment(
    reopen: Reopen, tmp_path: Path, way: str
) -> None:
    """The same assignment sent again, asking the same way (the same list, nothing again, or
    oldest due first again), is the retry: nothing recorded, the first call's payment."""
    first = reopen()
    acme, invoice, credit = initech_in_suspense(first, tmp_path)
    payment = assign(first, credit, acme, asked(way, invoice))
    retry = reopen()
    before = retry.recorder.max_notification_id()

    assert assign(retry, credit, acme, asked(way, invoice)) == payment

    assert retry.recorder.max_notification_id() == before
    assert retry.bank_credit(credit).resolved_oldest_due_first is (way == OLDEST_DUE_FIRST)


def test_an_assignment_recorded_before_q2c_kept_how_it_was_asked_is_answered_as_before(
    tmp_path: Path,
) -> None:
    """A store written by an older q2c: its ``SuspenseResolved`` holds no ``oldest_due_first``.
    It still loads (the credit, the event as the application and the read side decode it, a
    snapshot of it), how it was asked reads as unknown (None), and a retry leaving the
    allocations out is answered as before, a repeat; another list is still refused."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    acme, invoice, credit = initech_in_suspense(app, tmp_path)
    payment = assign(app, credit, acme, [(invoice, eur("99.00"))])
    app.close()

    def as_an_older_q2c_recorded_it(facts: dict[str, Any]) -> None:
        del facts["oldest_due_first"]

    rewrite_stored_event(db, "SuspenseResolved", as_an_older_q2c_recorded_it)
    older = QuoteToCash.open(f"sqlite:///{db}")
    try:
        assert older.bank_credit(credit).resolved_oldest_due_first is None
        stored = [
            n
            for n in older.recorder.select_notifications(1, 1000)
            if n.topic.endswith("SuspenseResolved")
        ]
        assert [older.mapper.to_domain_event(n).oldest_due_first for n in stored] == [None]
        assert [TrustedDecoder(older).decode(n).oldest_due_first for n in stored] == [None]
        before = older.recorder.max_notification_id()

        assert assign(older, credit, acme, None) == payment
        with pytest.raises(InvalidTransition) as refused:
            assign(older, credit, acme, [(invoice, eur("90.00"))])

        assert refused.value.field == "allocations"
        assert older.recorder.max_notification_id() == before
        assert older.bank_suspense() == []
        older.take_snapshot(credit)
        assert older.verify_snapshots().ok
    finally:
        older.close()


def test_a_snapshot_taken_before_q2c_kept_how_it_was_asked_loads_and_matches_its_events(
    tmp_path: Path,
) -> None:
    """A snapshot of an assigned credit an older q2c took (no ``resolved_oldest_due_first``,
    its events none either) loads as unknown (None), and equals its events."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    acme, _invoice, credit = initech_in_suspense(app, tmp_path)
    payment = assign(app, credit, acme, None)
    app.take_snapshot(credit)
    app.close()
    rewrite_stored_event(db, "SuspenseResolved", lambda facts: facts.pop("oldest_due_first"))
    with sqlite3.connect(db) as con:
        ((state,),) = con.execute(
            "SELECT state FROM stored_snapshots WHERE originator_id = ?", (credit.hex,)
        ).fetchall()
        facts = json.loads(state)
        del facts["state"]["resolved_oldest_due_first"]
        con.execute(
            "UPDATE stored_snapshots SET state = ? WHERE originator_id = ?",
            (json.dumps(facts, separators=(",", ":")).encode(), credit.hex),
        )
    con.close()
    older = QuoteToCash.open(f"sqlite:///{db}")
    try:
        assert older.bank_credit(credit).resolved_oldest_due_first is None
        assert older.verify_snapshots().ok
        assert assign(older, credit, acme, None) == payment
    finally:
        older.close()


def test_the_command_run_again_without_the_invoices_it_named_is_refused(tmp_path: Path) -> None:
    """``q2c suspense resolve U7 --pay ...`` run again without ``--pay`` (oldest due first) is
    no retry of it: refused naming the allocations, nothing recorded."""
    url, number = april(tmp_path)
    resolve = [
        "suspense", "resolve", "U7", "--url", url, "--on", "2024-04-10", "--actor", "ana",
        "--customer", "acme gmbh", "--note", "order 5521 is Acme's",
    ]  # fmt: skip
    first = runner.invoke(cli, [*resolve, "--pay", f"{number}=60.00"])
    assert first.exit_code == 0, first.output
    app = QuoteToCash.open(url)
    recorded = app.recorder.max_notification_id()
    app.close()

    again = runner.invoke(cli, resolve)

    assert again.exit_code != 0
    assert "allocations" in again.output
    app = QuoteToCash.open(url)
    assert app.recorder.max_notification_id() == recorded
    app.close()
