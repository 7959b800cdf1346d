"""A file that shows it is UTF-8 is never read as Windows-1252.

Two exports reached q2c half UTF-8: one saved with UTF-8's byte-order mark, then a row pasted
in from an old Windows tool (``café`` as one byte 0xE9); one whose rows were concatenated from
two exports. Both failed to read as UTF-8 and were read as Windows-1252 whole: the mark became
``ï»¿`` glued to the first header, so its column was silently dropped (dana's notes vanished),
and Jürgen, written in UTF-8, became ``JÃ¼rgen``, another worker in the KPIs. Such a file is
refused naming the line of the first byte that is not UTF-8; nothing is recorded. A file that
is Windows-1252 throughout is still read as it."""

from __future__ import annotations

import pytest
from test_import_time_entries import build as requests
from test_import_time_entries import importer as psa

from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    "data",
    [
        BOM + b"notes,worker,date,hours,request\nok,bob,2024-03-05,1,TKT-101\n"
        b"caf\xe9 fix,dana,2024-03-05,2,TKT-101\n",
        b"worker,date,hours,request,notes\nbob,2024-03-05,1,TKT-101,ok\n"
        + "Jürgen,2024-03-05,2,TKT-101,x\n".encode()
        + b"dana,2024-03-05,2,TKT-101,caf\xe9\n",
    ],
    ids=["utf-8 byte-order mark", "utf-8 letters"],
)
def test_a_file_partly_utf8_is_refused_naming_the_line_not_utf8(
    app: QuoteToCash, data: bytes
) -> None:
    ids = requests(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as refused:
        psa(app, ids).import_bytes(data, "week-10.csv", actor="psa-sync")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3 if data.startswith(BOM) else 4, "encoding")
    assert "0xe9" in problem.rule and "UTF-8" in problem.rule
    assert app.recorder.max_notification_id() == before


def test_a_windows_1252_export_is_still_read(app: QuoteToCash) -> None:
    ids = requests(app)
    data = "worker,date,hours,request,notes\nJürgen,2024-03-05,2,TKT-101,café\n".encode("cp1252")
    assert psa(app, ids).import_bytes(data, "week-10.csv", actor="psa-sync").recorded == 1
    (work,) = app.request(ids["TKT-101"]).work
    assert (work.entry.worker, work.entry.note) == ("Jürgen", "café")
