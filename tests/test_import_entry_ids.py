"""A PSA's entry id names one piece of work, on one request.

The PSA re-links entry 777 from ticket T-1 to ticket T-2 and exports it again; or an export
lists entry 888 twice, on two tickets. Recording it on the second request would bill bob's
4 hours twice. The import refuses the file, naming the id and the request it is on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "id,worker,date,hours,ticket\n"


def two_requests(app: QuoteToCash) -> dict[str, UUID]:
    customer = acme(app)
    return {"T-1": authorized_request(app, customer), "T-2": authorized_request(app, customer)}


def psa(app: QuoteToCash, tickets: dict[str, UUID]) -> TimeEntryImporter:
    return TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))


def test_an_entry_the_psa_moved_to_another_ticket_is_refused_naming_where_it_is(
    app: QuoteToCash,
) -> None:
    tickets = two_requests(app)
    psa(app, tickets).import_bytes(
        (HEADER + "777,bob,2024-03-05,4,T-1\n").encode(), "week1.csv", actor="psa"
    )
    before = app.recorder.max_notification_id()
    moved = HEADER + "778,bob,2024-03-06,2,T-2\n777,bob,2024-03-05,4,T-2\n"
    with pytest.raises(ImportRejected) as caught:
        psa(app, tickets).import_bytes(moved.encode(), "week1b.csv", actor="psa")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "entry_id")
    assert "psa:777" in problem.rule and str(tickets["T-1"]) in problem.rule
    assert app.recorder.max_notification_id() == before
    assert app.request(tickets["T-2"]).item_ids() == set()
    assert app.request(tickets["T-1"]).item_ids() == {"psa:777"}


def test_one_entry_id_on_two_tickets_of_one_export_is_refused(app: QuoteToCash) -> None:
    tickets = two_requests(app)
    twice = HEADER + "888,bob,2024-03-06,2,T-1\n888,bob,2024-03-06,2,T-2\n"
    with pytest.raises(ImportRejected) as caught:
        psa(app, tickets).import_bytes(twice.encode(), "dup.csv", actor="psa")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "entry_id")
    assert "psa:888" in problem.rule and "line 2" in problem.rule
    assert str(tickets["T-1"]) in problem.rule
    assert all(app.request(r).item_ids() == set() for r in tickets.values())


def test_the_same_entry_on_its_own_ticket_is_still_skipped(app: QuoteToCash) -> None:
    tickets = two_requests(app)
    week = HEADER + "777,bob,2024-03-05,4,T-1\n"
    psa(app, tickets).import_bytes(week.encode(), "week1.csv", actor="psa")
    report = psa(app, tickets).import_bytes((week + "\n").encode(), "again.csv", actor="psa")
    assert (report.recorded, report.skipped) == (0, 1)


def test_switching_on_the_psa_id_column_records_nothing_twice(app: QuoteToCash) -> None:
    """March week 1 came without ids; the PSA's id column is switched on and the export of the
    month to date lists the same two entries (and bob's two identical hours of the 7th, one
    of them new) with ids: only the new work is recorded, 11 hours in all."""
    tickets = two_requests(app)
    week1 = (
        "worker,date,hours,ticket,notes\n"
        "bob,2024-03-05,4,T-1,export screen\n"
        "bob,2024-03-06,5.00,T-1,tests\n"
        "bob,2024-03-07,1,T-1,deploy\n"
    )
    psa(app, tickets).import_bytes(week1.encode(), "march-week1.csv", actor="psa")
    to_date = (
        "id,worker,date,hours,ticket,notes\n"
        "5001,bob,2024-03-05,4.00,T-1,export screen\n"
        "5002,bob,2024-03-06,5,T-1,tests\n"
        "5003,bob,2024-03-07,1,T-1,deploy\n"
        "5004,bob,2024-03-07,1,T-1,deploy\n"
    )
    report = psa(app, tickets).import_bytes(to_date.encode(), "march.csv", actor="psa")
    assert (report.recorded, report.skipped) == (1, 3)
    request = app.request(tickets["T-1"])
    assert sum(request.entry(i).hours for i in request.item_ids()) == 11
    assert "psa:5004" in request.item_ids()
    # and the month's export again: all skipped
    again = psa(app, tickets).import_bytes((to_date + "\n").encode(), "again.csv", actor="psa")
    assert (again.recorded, again.skipped) == (0, 4)


def test_two_psas_numbering_from_one_are_told_apart_by_their_source(app: QuoteToCash) -> None:
    """Ops and dev each run a Tempo numbering worklogs from 1: entry 101 of each is other work.
    Named apart, both exports are recorded; the same export of ops again records nothing."""
    tickets = two_requests(app)
    ops = TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))
    dev = TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10), source="tempo-dev")
    ops.import_bytes((HEADER + "101,olga,2024-03-04,3,T-1\n").encode(), "ops.csv", actor="psa")
    report = dev.import_bytes(
        (HEADER + "101,dan,2024-03-05,5,T-2\n102,dan,2024-03-06,6,T-2\n").encode(),
        "dev.csv",
        actor="psa",
    )
    assert report.recorded == 2
    assert app.request(tickets["T-2"]).item_ids() == {"tempo-dev:101", "tempo-dev:102"}
    assert app.request(tickets["T-1"]).item_ids() == {"psa:101"}


@pytest.mark.parametrize("source", ["", "tempo dev", "a:b", 7])
def test_a_source_that_is_no_name_is_refused(app: QuoteToCash, source: object) -> None:
    from q2c_core import InvalidValue

    with pytest.raises(InvalidValue) as caught:
        TimeEntryImporter(app, source=source)  # type: ignore[arg-type]
    assert caught.value.field == "source"


NO_IDS = "worker,date,hours,ticket,notes\n"
WITH_IDS = "worker,date,hours,ticket,notes,id\n"
CALL = "bob,2024-03-04,0.5,T-1,support call"


def hours_on(app: QuoteToCash, request_id: UUID) -> object:
    request = app.request(request_id)
    return sum(request.entry(i).hours for i in request.item_ids())


def test_an_entry_imported_without_ids_is_claimed_once_by_the_psa_id_that_names_it(
    app: QuoteToCash,
) -> None:
    """Monday's export had no id column: bob's morning call (entry 5001) was recorded by its
    content. The first export with ids lists it as 5001: the same work, skipped. Tuesday's
    delta lists bob's afternoon call, 5002, identical but for its id: 5001 is the recorded
    entry's id now, so 5002 is other work, recorded. Bob worked an hour."""
    tickets = two_requests(app)
    psa(app, tickets).import_bytes((NO_IDS + CALL + "\n").encode(), "mon.csv", actor="psa")
    full = psa(app, tickets).import_bytes(
        (WITH_IDS + CALL + ",5001\n").encode(), "full.csv", actor="psa"
    )
    assert (full.recorded, full.skipped) == (0, 1)
    tue = psa(app, tickets).import_bytes(
        (WITH_IDS + CALL + ",5002\n").encode(), "tue.csv", actor="psa"
    )
    assert (tue.recorded, tue.skipped) == (1, 0)
    assert hours_on(app, tickets["T-1"]) == Decimal("1.0")
    # both exports again record nothing
    again = WITH_IDS + CALL + ",5001\n" + CALL + ",5002\n"
    report = psa(app, tickets).import_bytes(again.encode(), "wed.csv", actor="psa")
    assert (report.recorded, report.skipped) == (0, 2)
    assert hours_on(app, tickets["T-1"]) == Decimal("1.0")


def test_a_delta_export_s_new_entry_is_never_taken_for_one_imported_without_ids(
    app: QuoteToCash,
) -> None:
    """Monday's export without ids, then Tuesday's delta (entries made since) with only the
    afternoon call, 5002: told the export is a delta, the importer records it."""
    tickets = two_requests(app)
    psa(app, tickets).import_bytes((NO_IDS + CALL + "\n").encode(), "mon.csv", actor="psa")
    delta = TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10), delta=True)
    tue = delta.import_bytes((WITH_IDS + CALL + ",5002\n").encode(), "tue.csv", actor="psa")
    assert (tue.recorded, tue.skipped) == (1, 0)
    assert hours_on(app, tickets["T-1"]) == Decimal("1.0")
