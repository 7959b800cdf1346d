"""A PSA row refused for what a cell holds names the column of the file, as the README says
(``worker``, ``notes``), not the time entry's attribute (``entry.worker``, ``entry.note``): the
clerk looks for the column the export has."""

from __future__ import annotations

import pytest
from test_import_time_entries import build, importer

from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

CARD = "4111 1111 1111 1111"


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (f"bob,2024-03-05,1,TKT-101,paid by {CARD}", "notes"),
        ("bob,2024-03-05,1,TKT-101,a\x0bb", "notes"),
        ("bo\x07b,2024-03-05,1,TKT-101,", "worker"),
    ],
)
def test_a_bad_cell_is_named_by_its_column(app: QuoteToCash, row: str, column: str) -> None:
    ids = build(app)
    imp = importer(app, ids)
    text = "worker,date,hours,ticket,notes\nalice,2024-03-05,1,TKT-101,fine\n" + row + "\n"
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as refused:
        imp.import_bytes(text.encode(), "psa.csv", actor="psa-sync")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3, column)
    assert app.recorder.max_notification_id() == before


def test_a_psa_id_holding_a_control_character_is_named_entry_id(app: QuoteToCash) -> None:
    ids = build(app)
    imp = importer(app, ids)
    text = "worker,date,hours,ticket,id\nbob,2024-03-05,1,TKT-101,a\x0bb\n"
    with pytest.raises(ImportRejected) as refused:
        imp.import_bytes(text.encode(), "psa.csv", actor="psa-sync")
    assert [(p.line, p.field) for p in refused.value.problems] == [(2, "entry_id")]
