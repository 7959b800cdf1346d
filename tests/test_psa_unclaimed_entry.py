"""A PSA id new to q2c is the entry recorded by its content that no PSA id has claimed yet.

An export listed bob's two identical 0.5 h calls of the day: one not yet synced (its id cell
empty), one with the PSA's id 5001. Both were recorded (1.0 h): the first by its content, the
second under 5001. The next full export listed both with their ids, 5001 and 5002: 5001 was
skipped, but 5002 was recorded as new work (1.5 h billed for 1.0 h worked). 5002 looked only
for the entry recorded by its content at its own rank among the rows with an id (the second),
while the row without an id had been the first of the rows without one.

A PSA id that is not recorded yet, in an export that is not a delta, claims the earliest entry
of the same content on the same request recorded by its content that no PSA id has claimed and
no other row of the file names, when the one at its own rank is not there to claim: 5002 is
the call recorded without its id, 1.0 h. Once every such entry is claimed, another identical
call under a new id is other work, recorded; a delta export never claims.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import QuoteToCash

NO_IDS = "worker,date,hours,ticket,notes\n"
WITH_IDS = "worker,date,hours,ticket,notes,id\n"
CALL = "bob,2024-03-04,0.5,T-1,support call"


def _psa(app: QuoteToCash, tickets: dict[str, UUID], *, delta: bool = False) -> TimeEntryImporter:
    return TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10), delta=delta)


def _hours_on(app: QuoteToCash, request: UUID) -> Decimal:
    return sum((w.entry.hours for w in app.request(request).work), Decimal(0))


def _one_unsynced_call_and_5001(app: QuoteToCash) -> dict[str, UUID]:
    """Bob's two identical calls: one exported without its id, one as 5001 (both recorded)."""
    tickets = {"T-1": authorized_request(app, acme(app))}
    mixed = WITH_IDS + CALL + ",\n" + CALL + ",5001\n"
    report = _psa(app, tickets).import_bytes(mixed.encode(), "mixed.csv", actor="psa")
    assert (report.recorded, report.skipped) == (2, 0)
    return tickets


def test_bobs_unsynced_call_exported_later_as_5002_is_not_billed_again(
    app: QuoteToCash,
) -> None:
    tickets = _one_unsynced_call_and_5001(app)

    full = WITH_IDS + CALL + ",5001\n" + CALL + ",5002\n"
    report = _psa(app, tickets).import_bytes(full.encode(), "full.csv", actor="psa")

    assert (report.recorded, report.skipped) == (0, 2)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.0")


def test_5002_is_that_call_from_then_on_and_a_third_call_is_other_work(
    app: QuoteToCash,
) -> None:
    tickets = _one_unsynced_call_and_5001(app)
    psa = _psa(app, tickets)
    full = WITH_IDS + CALL + ",5001\n" + CALL + ",5002\n"
    psa.import_bytes(full.encode(), "full.csv", actor="psa")

    later = WITH_IDS + CALL + ",5002\n" + CALL + ",5001\n" + CALL + ",5003\n"
    report = psa.import_bytes(later.encode(), "later.csv", actor="psa")

    assert (report.recorded, report.skipped) == (1, 2)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.5")
    # an export without ids lists the same three calls: they are the three recorded
    no_ids = NO_IDS + CALL + "\n" + CALL + "\n" + CALL + "\n"
    again = psa.import_bytes(no_ids.encode(), "no-ids.csv", actor="psa")
    assert (again.recorded, again.skipped) == (0, 3)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.5")


def test_a_row_of_the_file_keeps_the_entry_at_its_own_rank(app: QuoteToCash) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    psa = _psa(app, tickets)
    psa.import_bytes((NO_IDS + CALL + "\n" + CALL + "\n").encode(), "mon.csv", actor="psa")
    psa.import_bytes((WITH_IDS + CALL + ",5001\n").encode(), "first.csv", actor="psa")

    # 5009 finds the first call claimed by 5001; the second is 5002's, at its own rank
    full = WITH_IDS + CALL + ",5009\n" + CALL + ",5002\n"
    report = psa.import_bytes(full.encode(), "full.csv", actor="psa")

    assert (report.recorded, report.skipped) == (1, 1)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.5")


def test_a_delta_export_never_claims_the_unsynced_call(app: QuoteToCash) -> None:
    tickets = _one_unsynced_call_and_5001(app)

    delta = _psa(app, tickets, delta=True)
    report = delta.import_bytes((WITH_IDS + CALL + ",5002\n").encode(), "tue.csv", actor="psa")

    assert (report.recorded, report.skipped) == (1, 0)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.5")


def test_bobs_call_on_another_request_is_not_the_unsynced_call(app: QuoteToCash) -> None:
    customer = acme(app)
    tickets = {"T-1": authorized_request(app, customer), "T-2": authorized_request(app, customer)}
    mixed = WITH_IDS + CALL + ",\n" + CALL + ",5001\n"
    _psa(app, tickets).import_bytes(mixed.encode(), "mixed.csv", actor="psa")

    other = WITH_IDS + CALL.replace("T-1", "T-2") + ",5002\n"
    report = _psa(app, tickets).import_bytes(other.encode(), "t2.csv", actor="psa")

    assert (report.recorded, report.skipped) == (1, 0)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.0")
    assert _hours_on(app, tickets["T-2"]) == Decimal("0.5")
