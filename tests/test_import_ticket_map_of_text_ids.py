"""A ticket map read from a config file gives each request id as text. A PSA export naming a
request by its ticket on one row and by its id on the next is one request: both rows are
recorded on it, once, in one go (the import read it twice, as two requests, and gave up after
fifty attempts with a ``ConcurrencyConflict`` blaming other writers)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_import_time_entries import build

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import QuoteToCash


def test_a_ticket_mapped_to_its_request_id_as_text_is_that_request(app: QuoteToCash) -> None:
    ids = build(app)
    request = ids["TKT-101"]
    for n, given in enumerate((str(request), str(request).upper())):
        imp = TimeEntryImporter(app, tickets={"TKT-101": given}, today=date(2024, 3, 10))
        day = f"2024-03-0{5 + n}"
        text = f"worker,date,hours,ticket\nbob,{day},1,TKT-101\ncarl,{day},2,{request}\n"
        report = imp.import_bytes(text.encode(), f"psa-{n}.csv", actor="psa-sync")
        assert (report.rows, report.recorded, report.skipped) == (2, 2, 0)
    work = app.request(request).work
    assert sorted((w.entry.worker, w.entry.work_date.day, w.entry.hours) for w in work) == [
        ("bob", 5, Decimal(1)),
        ("bob", 6, Decimal(1)),
        ("carl", 5, Decimal(2)),
        ("carl", 6, Decimal(2)),
    ]
