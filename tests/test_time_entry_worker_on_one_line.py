"""A time entry's worker is a person named on one line, as an account manager is.

Dana's hours came in from a spreadsheet whose worker cell held "Dana\nSmith" (a line break
typed in the cell). The entry was logged; each invoice line of her work then read
"Portal: Dana\nSmith 2024-03-04", split in two on the PDF and the e-invoice, and the KPIs,
which show a person by the spelling the history first named her by, printed every row of hers
over two lines ("Dana Smith" typed later is the same person). A worker holding a line break is
now refused (``InvalidValue`` naming ``entry.worker``) by ``log_work`` and ``import_work``,
nothing recorded, as a blank worker is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_projections_story import eur

from q2c_adapters.importers.time_entries import read_time_entries_csv
from q2c_core import InvalidValue, QuoteToCash, TimeEntry

A = "alice"


def authorized(app: QuoteToCash) -> UUID:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    r = app.open_request(acme, "Portal", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r, hours=10, rate=eur(100), actor=A)
    app.send_quote(r, sent_on=date(2024, 3, 1), actor=A)
    app.receive_purchase_order(
        r, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 2), actor=A
    )
    app.authorize_work(r, authorized_on=date(2024, 3, 2), actor=A)
    return r


@pytest.mark.parametrize("worker", ["Dana\nSmith", "Dana Smith\r\n", "Dana\u2028Smith"])
@pytest.mark.parametrize("imported", [False, True])
def test_a_worker_of_more_than_one_line_is_refused(
    app: QuoteToCash, worker: str, imported: bool
) -> None:
    r = authorized(app)
    entry = TimeEntry("t1", worker, date(2024, 3, 4), Decimal(3), eur(100))
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        if imported:
            app.import_work(r, entry, source="psa", actor="import")
        else:
            app.log_work(r, entry, actor="dana")
    assert refused.value.field == "entry.worker"
    assert app.recorder.max_notification_id() == before
    assert app.request(r).work == []


def test_a_worker_on_one_line_is_logged(app: QuoteToCash) -> None:
    r = authorized(app)
    app.log_work(
        r, TimeEntry("t1", "Dana Smith", date(2024, 3, 4), Decimal(3), eur(100)), actor="dana"
    )
    assert [w.entry.worker for w in app.request(r).work] == ["Dana Smith"]


def test_a_psa_file_naming_a_worker_over_two_lines_names_the_worker_column() -> None:
    rows, problems = read_time_entries_csv(
        'worker,date,hours,request\n"Dana\nSmith",2024-03-05,1,T\nbob,2024-03-05,2,T\n'
    )
    assert [row.worker for row in rows] == ["bob"]
    assert [problem.field for problem in problems] == ["worker"]
