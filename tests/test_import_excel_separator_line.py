"""Exports made for Excel often start with a line ``sep=;`` (Excel's hint of the separator,
which it reads and hides). q2c took that line for the header and refused the file with every
column "missing" on line 1. The hint line is read for the separator and skipped; the
problems of the file still name its lines as they stand."""

from __future__ import annotations

from datetime import date

import pytest
from test_import_time_entries import build as requests
from test_import_time_entries import importer as psa

from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected


@pytest.mark.parametrize(
    "text",
    [
        "sep=;\nWorker;Date;Hours;Ticket\ndana;05.03.2024;2,5;TKT-101\n",
        'SEP=,\r\nWorker,Date,Hours,Ticket,Notes\r\ndana,2024-03-05,2.5,TKT-101,"a; b; c"\r\n',
    ],
    ids=["semicolon", "comma"],
)
def test_an_export_with_excels_separator_line_is_read(app: QuoteToCash, text: str) -> None:
    ids = requests(app)
    report = psa(app, ids).import_bytes(text.encode(), "hours.csv", actor="psa-sync")
    assert (report.rows, report.recorded) == (1, 1)
    (work,) = app.request(ids["TKT-101"]).work
    assert (work.entry.worker, work.entry.work_date) == ("dana", date(2024, 3, 5))
    assert work.entry.hours == 2.5


def test_its_rows_are_named_by_their_lines_in_the_file(app: QuoteToCash) -> None:
    ids = requests(app)
    text = (
        "sep=;\nWorker;Date;Hours;Ticket\ndana;05.03.2024;2,5;TKT-101\nbob;05.03.2024;x;TKT-101\n"
    )
    with pytest.raises(ImportRejected) as refused:
        psa(app, ids).import_bytes(text.encode(), "hours.csv", actor="psa-sync")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (4, "hours")
    assert app.request(ids["TKT-101"]).work == []
