"""The report of a PSA import says how many of the entries it recorded were logged without
authorization: work on a request with no PO yet, or before the day it was authorized, is
recorded and flagged (the leakage risk, DESIGN.md), and the person running the import reads
how much of it the file brought, not only that it recorded the file.

Found by review: the report counted rows read, recorded and skipped; the one entry of the
export on a request without a PO was among the five "recorded", seen only by opening the
request."""

from __future__ import annotations

from pathlib import Path

from test_import_time_entries import DATA, build, importer

from q2c_core import QuoteToCash


def test_the_report_counts_the_entries_recorded_without_authorization(tmp_path: Path) -> None:
    """Carol's 2 hours on TKT-102 (quoted, no PO) are one of the five entries recorded; the
    same file again records nothing and counts none; a second file with bob's hours on
    TKT-101 before its authorization day and after it counts one of its two."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    try:
        ids = build(app)
        report = importer(app, ids).import_file(DATA / "psa_time_entries.csv", actor="psa-sync")
        assert (report.recorded, report.unauthorized) == (5, 1)
        (flagged,) = app.request(ids["TKT-102"]).work
        assert not flagged.authorized
    finally:
        app.close()

    reopened = QuoteToCash.open(url)
    try:
        again = importer(reopened, ids).import_file(DATA / "psa_time_entries.csv", actor="psa-sync")
        assert again.already_imported
        assert (again.recorded, again.unauthorized) == (0, 0)
        early = tmp_path / "early.csv"
        early.write_text(
            "worker,date,hours,request,billable,notes\n"
            "bob,2024-03-01,2,TKT-101,yes,started early\n"
            "bob,2024-03-05,1,TKT-101,yes,on time\n"
        )
        report = importer(reopened, ids).import_file(early, actor="psa-sync")
        assert (report.recorded, report.unauthorized) == (2, 1)
        work = reopened.request(ids["TKT-101"]).work
        assert sum(not w.authorized for w in work) == report.unauthorized
    finally:
        reopened.close()


def test_a_file_of_authorized_work_only_counts_none(app: QuoteToCash, tmp_path: Path) -> None:
    ids = build(app)
    f = tmp_path / "on-time.csv"
    f.write_text("worker,date,hours,request,billable,notes\nbob,2024-03-05,1,TKT-101,yes,ok\n")
    report = importer(app, ids).import_file(f, actor="psa-sync")
    assert (report.recorded, report.unauthorized) == (1, 0)
