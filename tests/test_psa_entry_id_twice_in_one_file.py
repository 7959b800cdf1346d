"""A PSA export giving one entry id to two different rows names the earlier line, not the books.

Tempo's export lists worklog 7 twice, once as Dana's hour and once as Bob's two hours on the
same ticket (a merge of two exports gone wrong). The file was refused, but the problem read
"entry 'psa:7' is already recorded as dana ...": the clerk looked for an earlier import that
never happened, since nothing of the file is recorded. Now the problem says the id is given on
line 2 with other work; nothing is recorded. An exact repeat of a row stays skipped.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_import_time_entries import build, importer

from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "worker,date,hours,request,entry_id\n"


def test_one_id_for_two_rows_names_the_line_that_gave_it_first(app: QuoteToCash) -> None:
    ids = build(app)
    text = HEADER + "dana,2024-03-05,1,TKT-101,7\nbob,2024-03-05,2,TKT-101,7\n"
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app, ids).import_bytes(text.encode(), "tempo.csv", actor="psa-sync")
    ((line, field, rule),) = [(p.line, p.field, p.rule) for p in caught.value.problems]
    assert (line, field) == (3, "entry_id")
    assert "line 2" in rule and "already recorded" not in rule
    assert app.recorder.max_notification_id() == before
    assert list(app.request(ids["TKT-101"]).recorded_entries()) == []


def test_a_row_repeated_exactly_is_skipped_once_recorded(app: QuoteToCash) -> None:
    ids = build(app)
    text = HEADER + "dana,2024-03-05,1,TKT-101,7\ndana,2024-03-05,1,TKT-101,7\n"
    report = importer(app, ids).import_bytes(text.encode(), "tempo.csv", actor="psa-sync")
    assert (report.rows, report.recorded, report.skipped) == (2, 1, 1)


def test_an_id_recorded_by_an_earlier_import_still_says_so(app: QuoteToCash) -> None:
    ids = build(app)
    first = HEADER + "dana,2024-03-05,1,TKT-101,7\n"
    importer(app, ids).import_bytes(first.encode(), "monday.csv", actor="psa-sync")
    edited = HEADER + "dana,2024-03-05,3,TKT-101,7\n"
    with pytest.raises(ImportRejected) as caught:
        importer(app, ids).import_bytes(edited.encode(), "tuesday.csv", actor="psa-sync")
    ((_, field, rule),) = [(p.line, p.field, p.rule) for p in caught.value.problems]
    assert field == "entry_id" and "already recorded as dana" in rule
    assert date(2024, 3, 5) == app.request(ids["TKT-101"]).recorded_entries()[0].work_date
