"""A PSA entry is work on one request, whichever command brings it in, and its hours are billed
once.

Acme's PSA export reaches q2c two ways: the batch importer reads the CSV file, and the PSA's
webhook sends single entries (``import_work``). Entry 42 arrived by the webhook on the "One"
request; the next CSV export listed it on "Two" (the PSA had re-linked the ticket) and the batch
recorded it there too: 3 hours billable twice. Entry 1, imported by the batch on "One", came
again by the webhook for "Two" and was recorded again. And the webhook's correction of entry 7
(8 h, then 10 h) was silently dropped. Now every command that records work keeps the entry's
request (``RecordedWorkEntry``, saved with the work), refuses an id recorded on another request
(``DuplicateEntry`` naming ``entry_id``, nothing recorded), and refuses a changed entry.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import Money, QuoteToCash, TimeEntry
from q2c_core.domain.errors import CurrencyMismatch, DuplicateEntry
from q2c_core.domain.import_batch import ImportRejected
from q2c_core.domain.import_index import RecordedWorkEntry

HEADER = "entry_id,worker,date,hours,ticket\n"


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def entry(entry_id: str, day: int, hours: str, worker: str = "bob") -> TimeEntry:
    return TimeEntry(entry_id, worker, date(2024, 3, day), Decimal(hours), eur("100"))


def two_tickets(app: QuoteToCash) -> dict[str, UUID]:
    customer = acme(app)
    return {"T-1": authorized_request(app, customer), "T-2": authorized_request(app, customer)}


def batch(app: QuoteToCash, tickets: dict[str, UUID], csv: str, name: str) -> None:
    importer = TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 20))
    importer.import_bytes((HEADER + csv).encode(), name, actor="psa")


def holding(app: QuoteToCash, tickets: dict[str, UUID], entry_id: str) -> list[str]:
    return [t for t, r in tickets.items() if entry_id in app.request(r).item_ids()]


def unbilled(app: QuoteToCash, tickets: dict[str, UUID]) -> Money:
    return app.unbilled_work(tickets["T-1"]) + app.unbilled_work(tickets["T-2"])


# -- the batch first, then the webhook ---------------------------------------------------------


def test_an_entry_imported_by_the_batch_is_not_imported_again_on_another_request(
    app: QuoteToCash,
) -> None:
    tickets = two_tickets(app)
    batch(app, tickets, "1,bob,2024-03-05,1,T-1\n", "a.csv")
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as caught:
        app.import_work(tickets["T-2"], entry("psa:1", 5, "1"), source="psa", actor="hook")
    assert caught.value.field == "entry_id"
    assert str(tickets["T-1"]) in str(caught.value)
    assert app.recorder.max_notification_id() == before
    # the webhook sending it for the request it is on is a re-import: nothing happens
    assert not app.import_work(tickets["T-1"], entry("psa:1", 5, "1"), source="psa", actor="h")
    assert app.recorder.max_notification_id() == before
    assert holding(app, tickets, "psa:1") == ["T-1"]
    assert unbilled(app, tickets) == eur("100")


# -- the webhook first, then the batch ---------------------------------------------------------


def test_an_entry_imported_by_the_webhook_is_known_to_the_next_batch(app: QuoteToCash) -> None:
    tickets = two_tickets(app)
    batch(app, tickets, "1,bob,2024-03-05,1,T-1\n", "a.csv")  # the index exists from now on
    assert app.import_work(tickets["T-1"], entry("psa:42", 6, "3"), source="psa", actor="hook")
    with pytest.raises(ImportRejected) as caught:
        batch(app, tickets, "42,bob,2024-03-06,3,T-2\n", "b.csv")
    (problem,) = caught.value.problems
    assert problem.field == "entry_id" and str(tickets["T-1"]) in problem.rule
    # the export listing it on its own request skips it
    batch(app, tickets, "42,bob,2024-03-06,3,T-1\n", "c.csv")
    assert holding(app, tickets, "psa:42") == ["T-1"]
    assert unbilled(app, tickets) == eur("400")


def test_the_webhook_before_any_batch_import_keeps_the_entry_on_one_request(
    app: QuoteToCash,
) -> None:
    tickets = two_tickets(app)
    assert app.import_work(tickets["T-1"], entry("psa:42", 6, "3"), source="psa", actor="hook")
    with pytest.raises(DuplicateEntry):
        app.import_work(tickets["T-2"], entry("psa:42", 6, "3"), source="psa", actor="hook")
    with pytest.raises(ImportRejected):
        batch(app, tickets, "42,bob,2024-03-06,3,T-2\n", "b.csv")
    assert holding(app, tickets, "psa:42") == ["T-1"]
    assert unbilled(app, tickets) == eur("300")


def test_the_entry_and_its_request_are_saved_together(app: QuoteToCash) -> None:
    """The index record comes with the work, in one save; a refused entry leaves neither."""
    tickets = two_tickets(app)
    assert app.import_work(tickets["T-1"], entry("psa:9", 6, "2"), source="psa", actor="hook")
    place = app.repository.get(RecordedWorkEntry.create_id("psa:9"))
    assert place.request_id == tickets["T-1"]
    usd = TimeEntry("psa:10", "bob", date(2024, 3, 6), Decimal(1), Money.of("90", "USD"))
    with pytest.raises(CurrencyMismatch):  # the request is billed in euros
        app.import_work(tickets["T-2"], usd, source="psa", actor="hook")
    assert holding(app, tickets, "psa:10") == []
    assert app.import_work(tickets["T-2"], entry("psa:10", 6, "1"), source="psa", actor="hook")
    assert holding(app, tickets, "psa:10") == ["T-2"]


# -- work logged by hand -----------------------------------------------------------------------


def test_a_psa_entry_logged_by_hand_is_work_on_one_request(app: QuoteToCash) -> None:
    tickets = two_tickets(app)
    app.log_work(tickets["T-1"], entry("psa:5", 5, "4"), actor="bob")
    with pytest.raises(DuplicateEntry) as caught:
        app.import_work(tickets["T-2"], entry("psa:5", 5, "4"), source="psa", actor="hook")
    assert caught.value.field == "entry_id"
    with pytest.raises(DuplicateEntry):
        app.log_work(tickets["T-2"], entry("psa:5", 5, "4"), actor="bob")
    with pytest.raises(ImportRejected):
        batch(app, tickets, "5,bob,2024-03-05,4,T-2\n", "b.csv")
    assert holding(app, tickets, "psa:5") == ["T-1"]


def test_ids_typed_by_hand_stay_each_requests_own(app: QuoteToCash) -> None:
    """A hand-logged "t1" (no ``<source>:`` of a PSA) names an entry of its request only: two
    requests may each log one, before and after a PSA import indexed the store."""
    tickets = two_tickets(app)
    app.log_work(tickets["T-1"], entry("t1", 5, "1"), actor="bob")
    app.log_work(tickets["T-2"], entry("t1", 5, "2"), actor="bob")
    batch(app, tickets, "1,bob,2024-03-05,1,T-1\n", "a.csv")
    app.log_work(tickets["T-1"], entry("t2", 6, "1"), actor="bob")
    app.log_work(tickets["T-2"], entry("t2", 6, "2"), actor="bob")
    assert holding(app, tickets, "t1") == holding(app, tickets, "t2") == ["T-1", "T-2"]
    assert unbilled(app, tickets) == eur("700")


# -- a changed entry ---------------------------------------------------------------------------


def test_a_corrected_entry_sent_again_is_refused_not_dropped(app: QuoteToCash) -> None:
    """The PSA corrected entry 7 from 8 h to 10 h: import_work refuses it as the batch does
    (a correction needs a new entry), instead of answering "already imported"."""
    tickets = two_tickets(app)
    request = tickets["T-1"]
    assert app.import_work(request, entry("psa:7", 5, "8"), source="psa", actor="hook")
    before = app.recorder.max_notification_id()
    for changed in (
        entry("psa:7", 5, "10"),
        entry("psa:7", 6, "8"),
        entry("psa:7", 5, "8", worker="dana"),
        TimeEntry("psa:7", "bob", date(2024, 3, 5), Decimal(8), eur("120")),
        TimeEntry("psa:7", "bob", date(2024, 3, 5), Decimal(8), eur("100"), billable=False),
    ):
        with pytest.raises(DuplicateEntry) as caught:
            app.import_work(request, changed, source="psa", actor="hook")
        assert caught.value.field == "entry_id"
        assert "correction" in str(caught.value)
    assert app.recorder.max_notification_id() == before
    assert not app.import_work(request, entry("psa:7", 5, "8.00"), source="psa", actor="hook")
    assert [w.entry.hours for w in app.request(request).work] == [8]


# -- histories recorded before -----------------------------------------------------------------


def forget(db: Path, *originators: UUID, topics: tuple[str, ...] = ()) -> None:
    """The store as an earlier q2c left it: these aggregates, or those of these topics, never
    recorded."""
    con = sqlite3.connect(db)
    for originator in originators:
        con.execute(
            "DELETE FROM stored_events WHERE originator_id IN (?, ?)",
            (str(originator), originator.hex),
        )
    for topic in topics:
        con.execute("DELETE FROM stored_events WHERE topic LIKE ?", (f"%{topic}%",))
    con.commit()
    con.close()


def test_entries_recorded_by_the_webhook_after_the_first_index_are_found(tmp_path: Path) -> None:
    """q2c before this change indexed the store with its first batch import, but the webhook's
    entries after that got no record: the first command after the upgrade finds them."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    tickets = two_tickets(app)
    batch(app, tickets, "1,bob,2024-03-05,1,T-1\n", "a.csv")
    assert app.import_work(tickets["T-1"], entry("psa:42", 6, "3"), source="psa", actor="hook")
    app.log_work(tickets["T-1"], entry("psa:43", 6, "2"), actor="bob")
    app.close()
    forget(
        db,
        RecordedWorkEntry.create_id("psa:42"),
        RecordedWorkEntry.create_id("psa:43"),
        topics=("UnindexedWorkEntriesIndexed",),
    )
    app = QuoteToCash.open(f"sqlite:///{db}")
    with pytest.raises(ImportRejected):
        batch(app, tickets, "42,bob,2024-03-06,3,T-2\n", "b.csv")
    with pytest.raises(DuplicateEntry):
        app.import_work(tickets["T-2"], entry("psa:43", 6, "2"), source="psa", actor="hook")
    batch(app, tickets, "44,bob,2024-03-07,1,T-2\n", "c.csv")  # indexes them, once
    assert app.repository.get(RecordedWorkEntry.create_id("psa:42")).request_id == tickets["T-1"]
    with pytest.raises(DuplicateEntry):
        app.import_work(tickets["T-2"], entry("psa:42", 6, "3"), source="psa", actor="hook")
    assert holding(app, tickets, "psa:42") == holding(app, tickets, "psa:43") == ["T-1"]
    assert unbilled(app, tickets) == eur("700")
    app.close()


def test_entries_recorded_before_any_index_are_found_by_the_webhook(tmp_path: Path) -> None:
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    tickets = two_tickets(app)
    batch(app, tickets, "1,bob,2024-03-05,1,T-1\n", "a.csv")
    app.close()
    forget(db, topics=("q2c_core.domain.import_index:",))
    app = QuoteToCash.open(f"sqlite:///{db}")
    with pytest.raises(DuplicateEntry):
        app.import_work(tickets["T-2"], entry("psa:1", 5, "1"), source="psa", actor="hook")
    assert app.import_work(tickets["T-2"], entry("psa:2", 5, "1"), source="psa", actor="hook")
    assert app.repository.get(RecordedWorkEntry.create_id("psa:1")).request_id == tickets["T-1"]
    with pytest.raises(ImportRejected):
        batch(app, tickets, "2,bob,2024-03-05,1,T-1\n", "b.csv")
    assert unbilled(app, tickets) == eur("200")
    app.close()
