"""A PSA export taking a worker past 24 hours on a day says where the hours come from: the
earlier rows of the file are not hours "recorded" before (nothing is, the file refused)."""

from __future__ import annotations

from datetime import date

import pytest
from test_import_time_entries import build, importer

from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "worker,date,hours,ticket\n"


def test_two_rows_of_one_file_past_a_day_name_the_file_not_recorded_hours(
    app: QuoteToCash,
) -> None:
    ids = build(app)
    imp = importer(app, ids)
    text = HEADER + "bob,2024-03-05,20,TKT-101\nbob,2024-03-05,10,TKT-101\n"
    with pytest.raises(ImportRejected) as refused:
        imp.import_bytes(text.encode(), "day.csv", actor="psa-sync")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3, "hours")
    assert "30 h on 2024-03-05" in problem.rule
    assert "20 h on earlier rows of this file" in problem.rule
    assert "recorded" not in problem.rule  # nothing of bob's day was recorded
    assert app.request(ids["TKT-101"]).work == []


def test_hours_recorded_before_and_in_the_file_are_told_apart(app: QuoteToCash) -> None:
    ids = build(app)
    imp = importer(app, ids)
    imp.import_bytes((HEADER + "bob,2024-03-05,12,TKT-101\n").encode(), "mon.csv", actor="a")
    text = HEADER + "bob,2024-03-05,8,TKT-101\nbob,2024-03-05,5,TKT-101\n"
    with pytest.raises(ImportRejected) as refused:
        imp.import_bytes(text.encode(), "again.csv", actor="a")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3, "hours")
    assert "25 h on 2024-03-05" in problem.rule
    assert "12 h recorded before" in problem.rule
    assert "8 h on earlier rows of this file" in problem.rule
    assert [w.entry.hours for w in app.request(ids["TKT-101"]).work] == [12]
    assert date(2024, 3, 5) == app.request(ids["TKT-101"]).work[0].entry.work_date
