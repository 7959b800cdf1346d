"""An import looks up what earlier imports recorded by id; it does not read the whole store.

A PSA export of ten entries refused an id recorded on another request by reading every work
event in the store (1.5 s on a store of 50,000 entries, more every month); a bank statement that
does not say its account read every booked credit to learn the accounts. The store keeps both
by id now (``RecordedWorkEntry``, ``KnownBankAccounts``); a store recorded before keeps them from
its first import after the upgrade, which reads it once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers import BankStatementImporter
from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import QuoteToCash, TimeEntry
from q2c_core.domain.import_batch import ImportRejected
from q2c_core.domain.import_index import EarlierWorkEntriesIndexed, RecordedWorkEntry
from q2c_core.imports import ImportCommands

HEADER = "id,worker,date,hours,ticket\n"
OURS = "DE89370400440532013000"
OTHER = "FR7630006000011234567890189"
BANK = "date;amount;currency;remittance;name;iban;reference;account\n"


def psa(app: QuoteToCash, tickets: dict[str, UUID]) -> TimeEntryImporter:
    return TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))


def forget_the_index(db: Path) -> None:
    """The store as q2c wrote it before the index: its aggregates gone."""
    con = sqlite3.connect(db)
    con.execute("DELETE FROM stored_events WHERE topic LIKE 'q2c_core.domain.import_index:%'")
    con.commit()
    con.close()


@pytest.fixture
def no_scans(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records the events an import reads by scanning the store from its beginning (reading
    only what was recorded since a mark is not a scan)."""
    scanned: list[str] = []
    original = ImportCommands._created_events

    def spy(self: Any, cls: type, name: str, start: int = 1) -> Iterator[Any]:
        if start <= 1:
            scanned.append(name)
        return original(self, cls, name, start)  # type: ignore[no-any-return]

    monkeypatch.setattr(ImportCommands, "_created_events", spy)
    yield scanned


def test_an_entry_recorded_before_the_upgrade_is_found_by_the_first_import_after_it(
    tmp_path: Path, no_scans: list[str]
) -> None:
    """Entry 777 was recorded on T-1 before the index existed; an export moving it to T-2 is
    refused, and from then on no import reads the store's work again."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    customer = acme(app)
    tickets = {"T-1": authorized_request(app, customer), "T-2": authorized_request(app, customer)}
    psa(app, tickets).import_bytes(
        (HEADER + "777,bob,2024-03-05,4,T-1\n").encode(), "w1.csv", actor="psa"
    )
    app.close()
    forget_the_index(db)
    app = QuoteToCash.open(f"sqlite:///{db}")
    moved = HEADER + "777,bob,2024-03-05,4,T-2\n"
    with pytest.raises(ImportRejected) as caught:
        psa(app, tickets).import_bytes(moved.encode(), "w1b.csv", actor="psa")
    assert str(tickets["T-1"]) in caught.value.problems[0].rule
    # the refused import recorded nothing, the index neither; the next one records it
    psa(app, tickets).import_bytes(
        (HEADER + "778,bob,2024-03-06,2,T-2\n").encode(), "w2.csv", actor="psa"
    )
    assert app.repository.get(EarlierWorkEntriesIndexed.create_id()).entries == 1
    place = app.repository.get(RecordedWorkEntry.create_id("psa:777"))
    assert place.request_id == tickets["T-1"]
    no_scans.clear()
    with pytest.raises(ImportRejected):
        psa(app, tickets).import_bytes(moved.encode(), "w1c.csv", actor="psa")
    psa(app, tickets).import_bytes(
        (HEADER + "779,bob,2024-03-07,1,T-2\n").encode(), "w3.csv", actor="psa"
    )
    assert no_scans == []
    assert app.request(tickets["T-2"]).item_ids() == {"psa:778", "psa:779"}
    app.close()


def test_work_logged_by_hand_before_the_first_import_is_known_to_it(app: QuoteToCash) -> None:
    customer = acme(app)
    tickets = {"T-1": authorized_request(app, customer), "T-2": authorized_request(app, customer)}
    request = app.request(tickets["T-1"])
    assert request.estimate is not None and request.estimate.rate is not None
    app.import_work(
        tickets["T-1"],
        TimeEntry("psa:5", "bob", date(2024, 3, 5), 4, request.estimate.rate),
        source="psa",
        actor="psa",
    )
    with pytest.raises(ImportRejected):
        psa(app, tickets).import_bytes(
            (HEADER + "5,bob,2024-03-05,4,T-2\n").encode(), "w.csv", actor="psa"
        )


def test_the_bank_accounts_are_kept_not_read_from_every_credit(
    tmp_path: Path, no_scans: list[str]
) -> None:
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    acme(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 12))
    bank.import_bytes(
        (BANK + f"02.04.2024;10,00;EUR;tip;X;;B-1;{OURS}\n").encode(), "a.csv", actor="b"
    )
    app.close()
    forget_the_index(db)
    app = QuoteToCash.open(f"sqlite:///{db}")
    bank = BankStatementImporter(app, today=date(2024, 4, 12))
    assert app.bank_accounts() == [OURS]  # read from the credits, before the first import
    bank.import_bytes(
        (BANK + f"03.04.2024;11,00;EUR;tip;X;;B-2;{OTHER}\n").encode(), "b.csv", actor="b"
    )
    no_scans.clear()
    assert app.bank_accounts() == sorted([OURS, OTHER])
    unsaid = (
        "date;amount;currency;remittance;name;iban;reference\n02.04.2024;10,00;EUR;tip;X;;B-1\n"
    )
    report = bank.import_bytes(unsaid.encode(), "c.csv", actor="b")
    assert report.skipped == 1  # found on the account that booked it
    assert no_scans == []
    app.close()
