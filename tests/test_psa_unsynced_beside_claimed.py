"""A row without an id beside the PSA id that claimed its look-alike is other work.

Monday's export had no id column: bob's 0.5 h support call was recorded by its content.
Tuesday's export listed it as 5001, which claimed Monday's entry. Wednesday's full export
listed 5001 and bob's second identical call, not synced yet (its id cell empty): the empty row's
content id is Monday's (the first of its kind among the rows without an id), so it was skipped
as that entry, which 5001 of the same file is (recorded 0, skipped 2): 0.5 h billed for 1.0 h
worked. An entry a PSA id of the file claimed is that id's row; the row without an id is
recorded, under an id of its own, found again by the exports after it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import Money, QuoteToCash

NO_IDS = "worker,date,hours,ticket,notes\n"
WITH_IDS = "worker,date,hours,ticket,notes,id\n"
CALL = "bob,2024-03-04,0.5,T-1,support call"
OTHER = "ann,2024-03-05,2,T-1,review"


def _hours_on(app: QuoteToCash, request: UUID) -> Decimal:
    return sum((w.entry.hours for w in app.request(request).work), Decimal(0))


@pytest.mark.parametrize("unsynced_first", [False, True], ids=["5001-first", "unsynced-first"])
def test_bobs_unsynced_second_call_beside_the_claimed_first_is_billed(
    app: QuoteToCash, unsynced_first: bool
) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    psa = TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))
    psa.import_bytes((NO_IDS + CALL + "\n").encode(), "mon.csv", actor="psa")
    tue = psa.import_bytes((WITH_IDS + CALL + ",5001\n").encode(), "tue.csv", actor="psa")
    assert (tue.recorded, tue.skipped) == (0, 1)

    rows = [CALL + ",5001\n", CALL + ",\n"]
    wed = WITH_IDS + "".join(reversed(rows) if unsynced_first else rows)
    report = psa.import_bytes(wed.encode(), "wed.csv", actor="psa")

    assert (report.recorded, report.skipped) == (1, 1)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.0")
    assert app.unbilled_work(tickets["T-1"]) == Money.of("100", "EUR")

    # Thursday: still unsynced, beside ann's new review: bob's two calls are known
    thu = psa.import_bytes((wed + OTHER + ",6001\n").encode(), "thu.csv", actor="psa")
    assert (thu.recorded, thu.skipped) == (1, 2)
    # Friday: synced as 5002, it is the entry recorded on Wednesday
    fri = WITH_IDS + CALL + ",5001\n" + CALL + ",5002\n" + OTHER + ",6001\n"
    fri_report = psa.import_bytes(fri.encode(), "fri.csv", actor="psa")
    assert (fri_report.recorded, fri_report.skipped) == (0, 3)
    # an export without the id column lists the two calls and the review: all known
    sat = NO_IDS + CALL + "\n" + CALL + "\n" + OTHER + "\n"
    sat_report = psa.import_bytes(sat.encode(), "sat.csv", actor="psa")
    assert (sat_report.recorded, sat_report.skipped) == (0, 3)
    assert _hours_on(app, tickets["T-1"]) == Decimal("3.0")


def test_two_unsynced_calls_beside_the_claimed_first_are_two_entries(app: QuoteToCash) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    psa = TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))
    psa.import_bytes((NO_IDS + CALL + "\n").encode(), "mon.csv", actor="psa")
    psa.import_bytes((WITH_IDS + CALL + ",5001\n").encode(), "tue.csv", actor="psa")

    wed = WITH_IDS + CALL + ",\n" + CALL + ",5001\n" + CALL + ",\n"
    report = psa.import_bytes(wed.encode(), "wed.csv", actor="psa")

    assert (report.recorded, report.skipped) == (2, 1)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.5")
    again = psa.import_bytes((wed + OTHER + ",6001\n").encode(), "thu.csv", actor="psa")
    assert (again.recorded, again.skipped) == (1, 3)


def test_an_unsynced_call_beside_an_id_that_claimed_its_look_alike_past_its_rank_is_billed(
    app: QuoteToCash,
) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    psa = TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))
    # bob's first call unsynced beside 5001, then synced as 5002 (it claims the first, past
    # its rank among the rows with ids)
    psa.import_bytes((WITH_IDS + CALL + ",\n" + CALL + ",5001\n").encode(), "a.csv", actor="psa")
    full = WITH_IDS + CALL + ",5001\n" + CALL + ",5002\n"
    claimed = psa.import_bytes(full.encode(), "b.csv", actor="psa")
    assert (claimed.recorded, claimed.skipped) == (0, 2)

    third = psa.import_bytes((full + CALL + ",\n").encode(), "c.csv", actor="psa")

    assert (third.recorded, third.skipped) == (1, 2)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.5")
