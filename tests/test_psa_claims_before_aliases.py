"""A PSA id that claimed an entry before claims saved an alias is that entry too.

Monday's export had no id column: bob's 0.5 h support call (or his 4 h fix) was recorded by its
content. Tuesday's export listed it with the PSA's id, which claimed Monday's entry; q2c saved
the claim only (``WorkEntryClaimed``), no alias for the id, as it did before aliases existed.
The id was found again only through its content at its own rank among identical rows: a full
export listing a new identical call 5002 before 5001 recorded 5001 again (1.5 h for 1.0 h
worked); the webhook sending psa:777 again recorded it again (8 h for 4 h), and the PSA moving
777 to another ticket recorded it there (8 h in all).

The first command after the upgrade gives those ids their alias, from the claims, saved with it
(``EarlierClaimsAliased``, once per store): each is the entry it claimed, as one claimed since.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.application import AggregateNotFoundError
from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import Money, QuoteToCash, TimeEntry
from q2c_core.domain.import_batch import ImportRejected
from q2c_core.domain.import_index import EarlierClaimsAliased, RecordedWorkEntry

NO_IDS = "worker,date,hours,ticket,notes\n"
WITH_IDS = "worker,date,hours,ticket,notes,id\n"
CALL = "bob,2024-03-04,0.5,T-1,support call"
FIX = "bob,2024-03-04,4,{ticket},fix"


def _psa(app: QuoteToCash, tickets: dict[str, UUID]) -> TimeEntryImporter:
    return TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))


def _hours(app: QuoteToCash, *requests: UUID) -> Decimal:
    return sum((w.entry.hours for r in requests for w in app.request(r).work), Decimal(0))


def _as_before_aliases(db: Path, *claiming: str) -> None:
    """The store as q2c wrote it when a claim saved no alias for the claiming PSA id."""
    con = sqlite3.connect(db)
    for entry_id in claiming:
        alias = RecordedWorkEntry.create_id(entry_id)
        con.execute(
            "DELETE FROM stored_events WHERE originator_id IN (?, ?)", (str(alias), alias.hex)
        )
    con.execute("DELETE FROM stored_events WHERE topic LIKE '%EarlierClaimsAliased%'")
    con.commit()
    con.close()


def _old_store(tmp_path: Path, rows: str, ids: str) -> tuple[Path, dict[str, UUID]]:
    """Monday's export without ids, Tuesday's with them (the id claims Monday's entry), then
    the store as it was before claims saved aliases."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    customer = acme(app)
    tickets = {"T-1": authorized_request(app, customer), "T-2": authorized_request(app, customer)}
    monday = _psa(app, tickets).import_bytes((NO_IDS + rows).encode(), "mon.csv", actor="psa")
    tuesday = _psa(app, tickets).import_bytes((WITH_IDS + ids).encode(), "tue.csv", actor="psa")
    assert (monday.recorded, tuesday.recorded, tuesday.skipped) == (1, 0, 1)
    claiming = ids.strip().rsplit(",", 1)[1]
    app.close()
    _as_before_aliases(db, f"psa:{claiming}")
    app = QuoteToCash.open(f"sqlite:///{db}")
    with pytest.raises(AggregateNotFoundError):
        app.repository.get(RecordedWorkEntry.create_id(f"psa:{claiming}"))
    app.close()
    return db, tickets


def test_an_id_claimed_before_aliases_listed_after_a_new_identical_call_is_not_billed_twice(
    tmp_path: Path,
) -> None:
    db, tickets = _old_store(tmp_path, CALL + "\n", CALL + ",5001\n")
    app = QuoteToCash.open(f"sqlite:///{db}")
    full = WITH_IDS + CALL + ",5002\n" + CALL + ",5001\n"
    report = _psa(app, tickets).import_bytes(full.encode(), "full.csv", actor="psa")
    assert (report.recorded, report.skipped) == (1, 1)
    assert _hours(app, tickets["T-1"]) == Decimal("1.0")
    assert app.unbilled_work(tickets["T-1"]) == Money.of("100", "EUR")
    alias = app.repository.get(RecordedWorkEntry.create_id("psa:5001"))
    assert alias.request_id == tickets["T-1"] and alias.recorded_as is not None
    assert app.repository.get(EarlierClaimsAliased.create_id()).entries == 1
    app.close()


def test_an_id_claimed_before_aliases_sent_again_by_the_webhook_is_skipped(
    tmp_path: Path,
) -> None:
    db, tickets = _old_store(
        tmp_path, FIX.format(ticket="T-1") + "\n", FIX.format(ticket="T-1") + ",777\n"
    )
    app = QuoteToCash.open(f"sqlite:///{db}")
    again = TimeEntry(
        "psa:777", "bob", date(2024, 3, 4), Decimal("4"), Money.of("100", "EUR"), note="fix"
    )
    assert app.import_work(tickets["T-1"], again, source="psa-webhook", actor="psa") is False
    assert _hours(app, tickets["T-1"]) == Decimal("4")
    app.close()


def test_an_id_claimed_before_aliases_the_psa_moved_to_another_ticket_is_refused(
    tmp_path: Path,
) -> None:
    db, tickets = _old_store(
        tmp_path, FIX.format(ticket="T-1") + "\n", FIX.format(ticket="T-1") + ",777\n"
    )
    app = QuoteToCash.open(f"sqlite:///{db}")
    moved = WITH_IDS + FIX.format(ticket="T-2") + ",777\n"
    with pytest.raises(ImportRejected) as refused:
        _psa(app, tickets).import_bytes(moved.encode(), "moved.csv", actor="psa")
    assert refused.value.problems[0].field == "entry_id"
    assert str(tickets["T-1"]) in refused.value.problems[0].rule
    assert _hours(app, tickets["T-1"], tickets["T-2"]) == Decimal("4")
    # nothing recorded by the refused import: the alias is saved by the next one that records
    with pytest.raises(AggregateNotFoundError):
        app.repository.get(EarlierClaimsAliased.create_id())
    app.close()
