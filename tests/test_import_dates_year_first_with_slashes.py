"""Spreadsheets set to ISO-like or East Asian settings write dates year first with slashes
(``2024/03/05``), which reads one way only: 5 March 2024. q2c refused each such date with "is
not a date", naming no form it reads, so a PSA export so written could not be imported at all.
It is read; a date in no form q2c reads is refused naming the forms it does."""

from __future__ import annotations

from datetime import date

import pytest
from test_import_time_entries import build as requests
from test_import_time_entries import importer as psa

from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected


def test_a_year_first_slash_date_is_read(app: QuoteToCash) -> None:
    ids = requests(app)
    text = "worker,date,hours,request\ndana,2024/03/05,2,TKT-101\nbob,2024/3/6,1,TKT-101\n"
    assert psa(app, ids).import_bytes(text.encode(), "h.csv", actor="psa").recorded == 2
    days = sorted(w.entry.work_date for w in app.request(ids["TKT-101"]).work)
    assert days == [date(2024, 3, 5), date(2024, 3, 6)]


@pytest.mark.parametrize("cell", ["5 Mar 2024", "2024/13/05", "05-03-2024"])
def test_a_date_in_no_form_read_names_the_forms_read(app: QuoteToCash, cell: str) -> None:
    ids = requests(app)
    text = f"worker,date,hours,request\ndana,{cell},2,TKT-101\n"
    with pytest.raises(ImportRejected) as refused:
        psa(app, ids).import_bytes(text.encode(), "h.csv", actor="psa")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (2, "date")
    assert "2024-03-05" in problem.rule and "05.03.2024" in problem.rule
