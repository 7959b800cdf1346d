"""An entry imported with the PSA's id is known again in an export without the id column.

The PSA's export listed bob's 4 h on T-1 as entry 777: recorded. A later export of the same
week came without the id column (a saved report, another user's export settings): the same
entry, the same cells, was recorded a second time, by its content, 8 h and 800 EUR unbilled for
4 h worked. The reader knew an entry imported by its content once the id column was on, not
the other way.

A row without an id is the entry the PSA's id named, with the same content (worker, day, hours,
billable, note) at the same occurrence among identical rows: skipped. A second identical row is
other work, recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import Money, QuoteToCash


def _psa(app: QuoteToCash, tickets: dict[str, UUID]) -> TimeEntryImporter:
    return TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))


def _hours_on(app: QuoteToCash, request: UUID) -> Decimal:
    return sum((w.entry.hours for w in app.request(request).work), Decimal(0))


def test_bobs_4_hours_exported_without_the_id_column_after_777_are_not_billed_twice(
    app: QuoteToCash,
) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    _psa(app, tickets).import_bytes(
        b"id,worker,date,hours,ticket\n777,bob,2024-03-05,4,T-1\n", "with-ids.csv", actor="psa"
    )

    report = _psa(app, tickets).import_bytes(
        b"worker,date,hours,ticket\nbob,2024-03-05,4,T-1\n", "no-ids.csv", actor="psa"
    )

    assert (report.recorded, report.skipped) == (0, 1)
    assert _hours_on(app, tickets["T-1"]) == 4
    assert app.unbilled_work(tickets["T-1"]) == Money.of("400", "EUR")


def test_a_second_identical_row_without_an_id_is_other_work(app: QuoteToCash) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    _psa(app, tickets).import_bytes(
        b"id,worker,date,hours,ticket\n777,bob,2024-03-05,4,T-1\n", "with-ids.csv", actor="psa"
    )
    no_ids = b"worker,date,hours,ticket\nbob,2024-03-05,4,T-1\nbob,2024-03-05,4,T-1\n"

    report = _psa(app, tickets).import_bytes(no_ids, "no-ids.csv", actor="psa")

    assert (report.recorded, report.skipped) == (1, 1)
    assert _hours_on(app, tickets["T-1"]) == 8
    again = _psa(app, tickets).import_bytes(no_ids + b"\n", "no-ids-again.csv", actor="psa")
    assert (again.recorded, again.skipped) == (0, 2)
    assert _hours_on(app, tickets["T-1"]) == 8
