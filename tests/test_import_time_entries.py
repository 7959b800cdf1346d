"""Importing PSA time entries: all or nothing, never twice, unauthorized work kept and flagged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from q2c_adapters.importers.time_entries import TimeEntryImporter, read_time_entries_csv
from q2c_core import (
    AllowanceUnit,
    Money,
    Period,
    QuoteToCash,
    TaxRate,
    TimeEntry,
    WorkNotAuthorized,
)
from q2c_core.domain.import_batch import ImportRejected

DATA = Path(__file__).parent / "data"
A = "alice"


def build(app: QuoteToCash) -> dict[str, UUID]:
    """One customer with an authorized request, a quoted one (no PO), an allowance-covered one."""
    c = app.register_customer(
        "Acme GmbH", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(19)
    )
    authorized = app.open_request(c, "CSV export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(authorized, hours=10, rate=Money.of("100", "EUR"), actor=A)
    app.send_quote(authorized, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        authorized,
        number="PO-1",
        amount=Money.of("1000", "EUR"),
        received_on=date(2024, 3, 3),
        actor=A,
    )
    app.authorize_work(authorized, authorized_on=date(2024, 3, 4), actor=A)
    quoted = app.open_request(c, "Dashboard", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(quoted, hours=5, rate=Money.of("120", "EUR"), actor=A)
    app.send_quote(quoted, sent_on=date(2024, 3, 2), actor=A)
    allowance = app.grant_allowance(
        c,
        unit=AllowanceUnit.HOURS,
        quantity=2,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    covered = app.open_request(c, "Tweak", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(covered, hours=4, rate=Money.of("90", "EUR"), actor=A)
    app.cover_request_by_allowance(covered, allowance, actor=A)
    app.authorize_work(covered, authorized_on=date(2024, 3, 4), actor=A)
    return {
        "customer": c,
        "TKT-101": authorized,
        "TKT-102": quoted,
        "TKT-103": covered,
        "allowance": allowance,
    }


def importer(app: QuoteToCash, ids: dict[str, UUID]) -> TimeEntryImporter:
    tickets = {k: v for k, v in ids.items() if k.startswith("TKT-")}
    return TimeEntryImporter(app, tickets=tickets, today=date(2024, 3, 10))


def test_a_psa_export_is_recorded_once_on_every_backend(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    ids = build(app)
    report = importer(app, ids).import_file(DATA / "psa_time_entries.csv", actor="importer")
    assert (report.rows, report.recorded, report.skipped) == (5, 5, 0)
    assert not report.already_imported

    authorized = app.request(ids["TKT-101"])
    assert [w.entry.hours for w in authorized.work] == [Decimal(4), Decimal("5.5"), Decimal(1)]
    assert all(w.authorized for w in authorized.work)
    # no rate in the file: the estimate's hourly rate
    assert {w.entry.rate for w in authorized.work} == {Money.of("100", "EUR")}
    assert [w.entry.billable for w in authorized.work] == [True, True, False]
    assert app.unbilled_work(ids["TKT-101"]) == Money.of("950.00", "EUR")

    # work on a request without a PO is kept, flagged, with where it came from
    quoted = app.request(ids["TKT-102"])
    (flagged,) = quoted.work
    assert not flagged.authorized
    assert flagged.source == "psa:psa_time_entries.csv"
    assert flagged.entry.rate == Money.of("120", "EUR")

    # work on an allowance-covered request draws the allowance: 2 covered, 1 overage
    allowance = app.allowance(ids["allowance"])
    assert allowance.remaining == Decimal(0)
    (buckets,) = app.work_buckets(ids["TKT-103"])
    assert (buckets.covered, buckets.unbilled) == (Decimal(2), Decimal(1))

    # the same file again: nothing recorded, and a reopened application agrees
    before = app.recorder.max_notification_id()
    again = importer(app, ids).import_file(DATA / "psa_time_entries.csv", actor="importer")
    assert again.already_imported
    assert (again.recorded, again.skipped) == (0, 5)
    assert app.recorder.max_notification_id() == before
    if backend_url != "memory:":
        other = app_factory()
        assert len(other.request(ids["TKT-101"]).work) == 3
        again = importer(other, ids).import_file(DATA / "psa_time_entries.csv", actor="x")
        assert again.already_imported
        assert other.recorder.max_notification_id() == before


def test_the_same_entries_in_another_file_are_skipped_and_new_ones_recorded(
    app: QuoteToCash, tmp_path: Path
) -> None:
    ids = build(app)
    imp = importer(app, ids)
    imp.import_file(DATA / "psa_time_entries.csv", actor="importer")
    text = (DATA / "psa_time_entries.csv").read_text()
    bigger = tmp_path / "week2.csv"
    bigger.write_text(text + "bob,2024-03-09,2,TKT-101,yes,CSV export docs,,\n")
    report = imp.import_file(bigger, actor="importer")
    assert (report.recorded, report.skipped) == (1, 5)
    assert len(app.request(ids["TKT-101"]).work) == 4


def test_two_identical_rows_are_two_entries(app: QuoteToCash, tmp_path: Path) -> None:
    ids = build(app)
    twice = tmp_path / "twice.csv"
    twice.write_text(
        "worker,date,hours,request,billable,notes\n"
        f"bob,2024-03-05,1,{ids['TKT-101']},yes,call\n"
        f"bob,2024-03-05,1,{ids['TKT-101']},yes,call\n"
    )
    report = TimeEntryImporter(app).import_file(twice, actor="importer")
    assert report.recorded == 2
    entry_ids = {w.entry.entry_id for w in app.request(ids["TKT-101"]).work}
    assert len(entry_ids) == 2


def test_a_file_with_bad_rows_records_nothing_and_names_every_line(app: QuoteToCash) -> None:
    ids = build(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app, ids).import_file(DATA / "psa_time_entries_bad.csv", actor="importer")
    error = caught.value
    assert error.lines == [3, 4, 5, 6, 7]
    by_line = {p.line: p for p in error.problems}
    assert by_line[3].field == "hours" and "24" in by_line[3].rule
    assert by_line[4].field == "date"
    assert by_line[5].field == "worker"
    assert by_line[6].field == "request" and "TKT-999" in by_line[6].rule
    assert by_line[7].field == "billable"
    assert "line 3" in str(error)
    assert app.recorder.max_notification_id() == before
    assert app.request(ids["TKT-101"]).work == []


def test_a_missing_column_is_reported_on_line_one(app: QuoteToCash, tmp_path: Path) -> None:
    build(app)
    f = tmp_path / "nohours.csv"
    f.write_text("worker,date,ticket\nbob,2024-03-05,TKT-101\n")
    with pytest.raises(ImportRejected) as caught:
        TimeEntryImporter(app).import_file(f, actor="importer")
    assert [(p.line, p.field) for p in caught.value.problems] == [(1, "hours")]


def test_a_rate_is_needed_when_the_request_has_no_hourly_estimate(
    app: QuoteToCash, tmp_path: Path
) -> None:
    c = app.register_customer("Solo", "EUR", account_manager="mia", actor=A)
    r = app.open_request(c, "Never estimated", requested_on=date(2024, 3, 1), actor=A)
    f = tmp_path / "norate.csv"
    f.write_text(f"worker,date,hours,request\nbob,2024-03-05,2,{r}\n")
    with pytest.raises(ImportRejected) as caught:
        TimeEntryImporter(app).import_file(f, actor="importer")
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "rate")]
    # with a rate (currency from the customer) the unauthorized work is kept
    f.write_text(f"worker,date,hours,request,rate\nbob,2024-03-05,2,{r},80\n")
    TimeEntryImporter(app).import_file(f, actor="importer")
    (work,) = app.request(r).work
    assert not work.authorized and work.entry.value == Money.of("160", "EUR")


def test_entry_ids_are_derived_from_the_rows_not_the_file() -> None:
    """The same row content gives the same entry id in any file; the PSA's own id wins."""
    one, _ = read_time_entries_csv("worker,date,hours,request\nbob,2024-03-05,1,T\n")
    two, _ = read_time_entries_csv(
        "worker,date,hours,request\nx,2024-01-01,2,T\nbob,2024-03-05,1,T\n"
    )
    assert one[0].entry_id == two[1].entry_id
    own, _ = read_time_entries_csv("id,worker,date,hours,request\n77,bob,2024-03-05,1,T\n")
    assert own[0].entry_id == "psa:77"
    semi, _ = read_time_entries_csv("worker;date;hours;request\nbob;05.03.2024;1,5;T\n")
    assert semi[0].hours == Decimal("1.5") and semi[0].work_date == date(2024, 3, 5)


def test_an_edited_entry_is_refused_not_imported_again(app: QuoteToCash, tmp_path: Path) -> None:
    ids = build(app)
    r = ids["TKT-101"]
    f = tmp_path / "a.csv"
    f.write_text(f"id,worker,date,hours,request\n77,bob,2024-03-05,4,{r}\n")
    TimeEntryImporter(app).import_file(f, actor="importer")
    f.write_text(f"id,worker,date,hours,request\n77,bob,2024-03-05,3,{r}\n")
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        TimeEntryImporter(app).import_file(f, actor="importer")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "entry_id")
    assert "already recorded" in problem.rule
    assert app.recorder.max_notification_id() == before


def test_importers_fit_the_importer_port(app: QuoteToCash) -> None:
    from q2c_adapters.importers import BankStatementImporter, ContractImporter
    from q2c_core.ports import Importer

    for importer_ in (TimeEntryImporter(app), ContractImporter(app), BankStatementImporter(app)):
        assert isinstance(importer_, Importer)


_rows = st.lists(
    st.tuples(
        st.sampled_from(["bob", "carol", "dave"]),
        st.integers(min_value=1, max_value=28),
        st.sampled_from(["0.5", "1", "2.25", "8"]),
        st.sampled_from(["TKT-101", "TKT-102"]),
    ),
    min_size=1,
    max_size=12,
    unique=True,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows, data=st.data())
def test_overlapping_exports_record_every_distinct_entry_exactly_once(
    rows: list[tuple[str, int, str, str]], data: st.DataObject
) -> None:
    """However exports overlap (week 1, then weeks 1-2...), each distinct entry is recorded once:
    the hours recorded equal the hours of the distinct rows, on the request each row names."""
    app = QuoteToCash.open("memory:")
    try:
        ids = build(app)
        cut = data.draw(st.integers(min_value=0, max_value=len(rows)))
        start = data.draw(st.integers(min_value=0, max_value=cut))
        imp = importer(app, ids)
        header = "worker,date,hours,ticket,billable,notes,rate\n"
        for n, part in enumerate((rows[:cut], rows[start:], rows)):
            text = header + "".join(
                f"{w},2024-03-{d:02d},{h},{t},yes,,100\n" for w, d, h, t in part
            )
            imp.import_bytes(text.encode(), f"export-{n}.csv", actor="importer")
        for ticket in ("TKT-101", "TKT-102"):
            expected = sum((Decimal(h) for _, _, h, t in rows if t == ticket), Decimal(0))
            assert app.request(ids[ticket]).logged_hours == expected
    finally:
        app.close()


def test_two_processes_importing_the_same_file_record_it_once(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    """Two applications on one database race to import the same export: one records it, the
    other finds the batch (its save clashes, it retries and sees the file imported)."""
    if backend_url == "memory:":
        pytest.skip("two applications share a database only on SQLite and PostgreSQL")
    import threading

    first, second = app_factory(), app_factory()
    ids = build(first)
    data = (DATA / "psa_time_entries.csv").read_bytes()
    barrier = threading.Barrier(2)
    reports = []

    def run(app: QuoteToCash) -> None:
        imp = importer(app, ids)
        barrier.wait()
        reports.append(imp.import_bytes(data, "psa_time_entries.csv", actor="importer"))

    threads = [threading.Thread(target=run, args=(a,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r.already_imported for r in reports) == [False, True]
    assert len(first.request(ids["TKT-101"]).work) == 3
    assert len(second.request(ids["TKT-102"]).work) == 1


def test_a_point_in_a_decimal_comma_export_is_never_a_decimal_point(app: QuoteToCash) -> None:
    """The PSA writes 5,5 hours: a row saying 2.5 hours is refused, not read some other way,
    and so is a work date typed in the year 0024; nothing of the file is recorded."""
    ids = build(app)
    text = (
        "worker;date;hours;ticket;billable;notes\n"
        "bob;2024-03-05;5,5;TKT-101;yes;export screen\n"
        "bob;2024-03-06;0,5;TKT-101;yes;review\n"
        "bob;2024-03-07;2.5;TKT-101;yes;tests\n"
        "bob;0024-03-08;1;TKT-101;yes;typo year\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app, ids).import_bytes(text.encode(), "psa.csv", actor="importer")
    assert [(p.line, p.field) for p in caught.value.problems] == [(4, "hours"), (5, "date")]
    assert "','" in caught.value.problems[0].rule
    assert "implausible year" in caught.value.problems[1].rule
    assert app.recorder.max_notification_id() == before
    assert app.request(ids["TKT-101"]).work == []


def test_hours_that_show_no_decimal_mark_are_read_by_the_file() -> None:
    rows, problems = read_time_entries_csv(
        'worker,date,hours,ticket,rate\nbob,2024-03-05,1.5,T,"1,000"\n'
    )
    assert problems == [] and (rows[0].hours, rows[0].rate) == (Decimal("1.5"), Decimal(1000))
    _, ambiguous = read_time_entries_csv("worker,date,hours,ticket\nbob,2024-03-05,1.250,T\n")
    assert [(p.line, p.field) for p in ambiguous] == [(2, "hours")]


def test_work_done_before_the_day_it_was_authorized_is_kept_as_leakage(
    app: QuoteToCash, tmp_path: Path
) -> None:
    """TKT-101 was authorized on 4 March; the PSA export has 2 hours on 1 March. They are not
    lost nor refused: recorded as unauthorized work (a leakage risk to follow up), while the
    5 March hours are logged as authorized. Logging the 1 March hours by hand is refused."""
    ids = build(app)
    f = tmp_path / "early.csv"
    f.write_text(
        "worker,date,hours,request,billable,notes\n"
        "bob,2024-03-01,2,TKT-101,yes,started early\n"
        "bob,2024-03-05,1,TKT-101,yes,on time\n"
    )
    report = importer(app, ids).import_file(f, actor="importer")
    assert report.recorded == 2
    work = app.request(ids["TKT-101"]).work
    assert [(w.entry.work_date, w.authorized) for w in work] == [
        (date(2024, 3, 1), False),
        (date(2024, 3, 5), True),
    ]
    assert work[0].source == "psa:early.csv"
    before = app.recorder.max_notification_id()
    with pytest.raises(WorkNotAuthorized) as refused:
        app.log_work(
            ids["TKT-101"],
            TimeEntry("early-2", "bob", date(2024, 3, 2), Decimal(1), Money.of("100", "EUR")),
            actor="bob",
        )
    assert refused.value.field == "entry.work_date"
    assert app.recorder.max_notification_id() == before
