"""A PSA id that took over an entry recorded by its content is that entry, wherever its row is.

Monday's export had no id column: bob's 0.5 h support call was recorded by its content. Once
the id column was on, a full export listed it as 5002 (and a second identical call, 5001): 5002
claimed Monday's entry. It was found again only through its content at its rank among the
identical rows of the file, so the next export, sorted 5001, 5002, recorded 5002 a second time
(1.0 h became 1.5 h); the PSA moving 777 to another ticket recorded it there too (4 h, 8 h);
and the PSA correcting it from 4 h to 5 h recorded it beside the old (9 h).

A claim makes the PSA id an alias of the entry it claimed (its ``RecordedWorkEntry``, saved with
the claim, naming the request and the entry): the id is that entry from then on, skipped when
listed again, refused (``DuplicateEntry`` naming ``entry_id``) when moved or edited, as an entry
imported under its own id is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import Money, QuoteToCash, TimeEntry
from q2c_core.domain.errors import DuplicateEntry
from q2c_core.domain.import_batch import ImportRejected

NO_IDS = "worker,date,hours,ticket,notes\n"
WITH_IDS = "worker,date,hours,ticket,notes,id\n"
CALL = "bob,2024-03-04,0.5,T-1,support call"


def _psa(app: QuoteToCash, tickets: dict[str, UUID]) -> TimeEntryImporter:
    return TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))


def _hours_on(app: QuoteToCash, request: UUID) -> Decimal:
    return sum((w.entry.hours for w in app.request(request).work), Decimal(0))


def _claimed_777(app: QuoteToCash, tickets: dict[str, UUID]) -> None:
    """Bob's 4 h recorded from an export without ids, then claimed by the PSA's 777."""
    _psa(app, tickets).import_bytes(
        b"worker,date,hours,ticket\nbob,2024-03-05,4,T-1\n", "week1.csv", actor="psa"
    )
    claimed = _psa(app, tickets).import_bytes(
        b"id,worker,date,hours,ticket\n777,bob,2024-03-05,4,T-1\n", "ids.csv", actor="psa"
    )
    assert (claimed.recorded, claimed.skipped) == (0, 1)


def test_bobs_two_calls_exported_in_another_order_are_still_one_hour(app: QuoteToCash) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    psa = _psa(app, tickets)
    psa.import_bytes((NO_IDS + CALL + "\n").encode(), "mon.csv", actor="psa")
    full = WITH_IDS + CALL + ",5002\n" + CALL + ",5001\n"
    psa.import_bytes(full.encode(), "full.csv", actor="psa")
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.0")

    resorted = WITH_IDS + CALL + ",5001\n" + CALL + ",5002\n"
    report = psa.import_bytes(resorted.encode(), "sorted.csv", actor="psa")

    assert (report.recorded, report.skipped) == (0, 2)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.0")


def test_a_claimed_entry_the_psa_moved_to_another_ticket_is_refused(app: QuoteToCash) -> None:
    customer = acme(app)
    tickets = {"T-1": authorized_request(app, customer), "T-2": authorized_request(app, customer)}
    _claimed_777(app, tickets)
    before = app.recorder.max_notification_id()

    with pytest.raises(ImportRejected) as refused:
        _psa(app, tickets).import_bytes(
            b"id,worker,date,hours,ticket\n777,bob,2024-03-05,4,T-2\n", "moved.csv", actor="psa"
        )

    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (2, "entry_id")
    assert app.recorder.max_notification_id() == before
    assert _hours_on(app, tickets["T-1"]) == 4
    assert _hours_on(app, tickets["T-2"]) == 0


def test_a_claimed_entry_the_psa_corrected_is_refused_not_recorded_beside_it(
    app: QuoteToCash,
) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    _claimed_777(app, tickets)

    with pytest.raises(ImportRejected) as refused:
        _psa(app, tickets).import_bytes(
            b"id,worker,date,hours,ticket\n777,bob,2024-03-05,5,T-1\n", "fixed.csv", actor="psa"
        )

    (problem,) = refused.value.problems
    assert problem.field == "entry_id"
    assert _hours_on(app, tickets["T-1"]) == 4


def test_the_claimed_entry_sent_again_by_the_webhook_is_skipped(app: QuoteToCash) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    _claimed_777(app, tickets)
    again = TimeEntry("psa:777", "bob", date(2024, 3, 5), Decimal(4), Money.of("100", "EUR"))

    assert app.import_work(tickets["T-1"], again, source="webhook", actor="psa") is False
    assert _hours_on(app, tickets["T-1"]) == 4

    edited = TimeEntry("psa:777", "bob", date(2024, 3, 5), Decimal(5), Money.of("100", "EUR"))
    with pytest.raises(DuplicateEntry):
        app.import_work(tickets["T-1"], edited, source="webhook", actor="psa")
    with pytest.raises(DuplicateEntry):
        app.log_work(tickets["T-1"], again, actor="mia")
    assert _hours_on(app, tickets["T-1"]) == 4
