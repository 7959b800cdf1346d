"""A delta export names its entries, or it is refused.

The PSA exports, each day, the entries made since the last export (``delta=True``). Without
the id column an entry is known only by its content and by how many identical rows came before
it in the file. Monday's delta held bob's 0.5 h support call; Tuesday's held his second call,
identical, alone: read as the first of its kind, it was taken for Monday's call and skipped
(recorded 0, skipped 1), and half an hour of work was never billed.

A delta cannot say which identical entries were listed before, so q2c refuses such a file
(``ImportRejected`` naming ``entry_id``, nothing recorded): a delta export must give the PSA's
id of every entry. A full export without ids is still read by content, as before.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

NO_IDS = "worker,date,hours,ticket,notes\n"
WITH_IDS = "worker,date,hours,ticket,notes,id\n"
CALL = "bob,2024-03-04,0.5,T-1,support call"


def _daily_delta(app: QuoteToCash, tickets: dict[str, UUID]) -> TimeEntryImporter:
    return TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10), delta=True)


def _hours_on(app: QuoteToCash, request: UUID) -> Decimal:
    return sum((w.entry.hours for w in app.request(request).work), Decimal(0))


def test_a_delta_export_without_the_id_column_is_refused_and_records_nothing(
    app: QuoteToCash,
) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as refused:
        _daily_delta(app, tickets).import_bytes(
            (NO_IDS + CALL + "\n").encode(), "mon-delta.csv", actor="psa"
        )
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (1, "entry_id")
    assert "delta" in problem.rule
    assert app.recorder.max_notification_id() == before
    assert _hours_on(app, tickets["T-1"]) == 0


def test_a_delta_row_with_an_empty_id_is_refused_naming_its_line(app: QuoteToCash) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    before = app.recorder.max_notification_id()
    tuesday = WITH_IDS + CALL + ",5001\n" + CALL + ",\n"
    with pytest.raises(ImportRejected) as refused:
        _daily_delta(app, tickets).import_bytes(tuesday.encode(), "tue-delta.csv", actor="psa")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3, "entry_id")
    assert app.recorder.max_notification_id() == before


def test_bobs_second_call_in_tuesdays_delta_is_recorded_when_the_export_names_it(
    app: QuoteToCash,
) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    delta = _daily_delta(app, tickets)
    delta.import_bytes((WITH_IDS + CALL + ",5001\n").encode(), "mon-delta.csv", actor="psa")
    tuesday = delta.import_bytes(
        (WITH_IDS + CALL + ",5002\n").encode(), "tue-delta.csv", actor="psa"
    )
    assert (tuesday.recorded, tuesday.skipped) == (1, 0)
    assert _hours_on(app, tickets["T-1"]) == Decimal("1.0")


def test_a_full_export_without_ids_is_still_read_by_content(app: QuoteToCash) -> None:
    tickets = {"T-1": authorized_request(app, acme(app))}
    psa = TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))
    psa.import_bytes((NO_IDS + CALL + "\n").encode(), "mon.csv", actor="psa")
    again = psa.import_bytes((NO_IDS + CALL + "\n\n").encode(), "mon-again.csv", actor="psa")
    assert (again.recorded, again.skipped) == (0, 1)
    assert _hours_on(app, tickets["T-1"]) == Decimal("0.5")
