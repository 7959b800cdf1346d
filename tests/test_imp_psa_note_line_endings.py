"""A PSA export whose notes run over several lines, saved again with other line endings.

Dana's Tuesday call on TKT-101 has a two-line note ("call with Acme" / "follow-up: invoice
export"). The PSA writes its export with Windows line endings (CR LF), the quoted note too; the
file passes through a tool that writes Unix line endings (a git checkout, ``dos2unix``, a Mac
spreadsheet) and is imported again, without the PSA's id column. It is the same work: nothing is
recorded twice, whichever of the two came first, and an entry that really is new in the
second file is still recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_import_time_entries import build, importer

from q2c_core import QuoteToCash

HEADER = "worker;date;hours;ticket;billable;notes\n"
CALL = 'Dana;05.03.2024;1,5;TKT-101;yes;"call with Acme\nfollow-up: invoice export"\n'
SAME_CALL_AGAIN = CALL  # a second identical call that day: two entries
NEW = 'Bob;06.03.2024;2,25;TKT-101;yes;"review\nof the export"\n'


def windows(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def unix(text: str) -> bytes:
    return text.encode()


@pytest.mark.parametrize(
    ("first", "then"), [(windows, unix), (unix, windows)], ids=["crlf-then-lf", "lf-then-crlf"]
)
def test_the_same_export_with_other_line_endings_records_nothing_twice(
    tmp_path: Path, first: Callable[[str], bytes], then: Callable[[str], bytes]
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    ids = build(app)
    psa = importer(app, ids)
    (tmp_path / "monday.csv").write_bytes(first(HEADER + CALL + SAME_CALL_AGAIN))
    (tmp_path / "again.csv").write_bytes(then(HEADER + CALL + SAME_CALL_AGAIN + NEW))

    monday = psa.import_file(tmp_path / "monday.csv", actor="sync")
    again = psa.import_file(tmp_path / "again.csv", actor="sync")

    assert (monday.recorded, monday.skipped) == (2, 0)
    assert (again.recorded, again.skipped) == (1, 2)
    work = app.request(ids["TKT-101"]).work
    assert sorted((w.entry.worker, str(w.entry.hours)) for w in work) == [
        ("Bob", "2.25"),
        ("Dana", "1.5"),
        ("Dana", "1.5"),
    ]
