"""Two rows of one export are two entries, with an id or without.

An export listed bob's two identical 0.5 h calls of the day: one not yet synced (its id cell
empty), one with the PSA's id 5001. The row without an id was recorded by its content; the row
with the id then claimed that entry, recorded a moment before by the same file, as one an
export without ids had recorded earlier (recorded 1, skipped 1): 0.5 h billed for 1.0 h worked.

A PSA id claims only an entry no row of its file names by its content: the two rows are two
entries, whichever comes first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import QuoteToCash

HEADER = "worker,date,hours,ticket,notes,id\n"
CALL = "bob,2024-03-04,0.5,T-1,support call"


def _hours_on(app: QuoteToCash, request: UUID) -> Decimal:
    return sum((w.entry.hours for w in app.request(request).work), Decimal(0))


@pytest.mark.parametrize(
    "export",
    [HEADER + CALL + ",\n" + CALL + ",5001\n", HEADER + CALL + ",5001\n" + CALL + ",\n"],
    ids=["unsynced-first", "synced-first"],
)
def test_bobs_two_calls_in_one_export_one_without_its_id_are_both_recorded(
    app: QuoteToCash, export: str
) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    psa = TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))

    report = psa.import_bytes(export.encode(), "mixed.csv", actor="psa")

    assert (report.recorded, report.skipped) == (2, 0)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.0")
