"""Nobody works more than 24 hours in a day, however the hours reach q2c.

Each entry was held to 24 hours, but two entries of 20 hours for dana on 5 March (in one PSA
export, or in two) were both recorded: 40 hours, 4,000 EUR billed for one day. A worker's hours
on one day, counted as one person (``person_key``: ``Dana`` is ``dana``), must not total more
than 24: the request refuses the entry that would (``RuleViolated`` naming ``hours``) whichever
command logs it, and a PSA export is refused whole, naming the row, counting its rows on every
request it names and what those requests recorded already. Hours recorded on another request
than those the entry (or the export) names are not counted (no index of a worker's day across
requests)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_import_time_entries import build

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import Money, QuoteToCash
from q2c_core.domain.enhancement_request import TimeEntry
from q2c_core.domain.errors import RuleViolated
from q2c_core.domain.import_batch import ImportRejected

EUR100 = Money.of("100", "EUR")
MARCH_5 = date(2024, 3, 5)
HEADER = "worker,date,hours,request,entry_id\n"


def psa(app: QuoteToCash, ids: dict[str, UUID]) -> TimeEntryImporter:
    return TimeEntryImporter(app, tickets={"TKT-101": ids["TKT-101"]}, today=date(2024, 3, 10))


def hours_of(app: QuoteToCash, request: UUID, worker: str = "dana") -> Decimal:
    return sum(
        (
            w.entry.hours
            for w in app.request(request).work
            if w.entry.worker.lower() == worker and w.entry.work_date == MARCH_5
        ),
        Decimal(0),
    )


def entry(entry_id: str, hours: str, worker: str = "dana", day: date = MARCH_5) -> TimeEntry:
    return TimeEntry(
        entry_id=entry_id, worker=worker, work_date=day, hours=Decimal(hours), rate=EUR100
    )


def test_two_rows_of_twenty_hours_for_dana_on_one_day_refuse_the_export() -> None:
    app = QuoteToCash.open("memory:")
    ids = build(app)
    text = (
        HEADER
        + "dana,2024-03-05,20,TKT-101,1\nbob,2024-03-05,8,TKT-101,2\nDana,2024-03-05,20,TKT-101,3\n"
    )
    with pytest.raises(ImportRejected) as refused:
        psa(app, ids).import_bytes(text.encode(), "week.csv", actor="psa")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (4, "hours")
    assert app.request(ids["TKT-101"]).work == []  # nothing recorded


def test_a_second_export_cannot_add_to_a_full_day() -> None:
    app = QuoteToCash.open("memory:")
    ids = build(app)
    psa(app, ids).import_bytes(
        (HEADER + "dana,2024-03-05,20,TKT-101,1\n").encode(), "mon.csv", actor="psa"
    )
    with pytest.raises(ImportRejected) as refused:
        psa(app, ids).import_bytes(
            (HEADER + "DANA,2024-03-05,5,TKT-101,2\n").encode(), "tue.csv", actor="psa"
        )
    assert [(p.line, p.field) for p in refused.value.problems] == [(2, "hours")]
    assert hours_of(app, ids["TKT-101"]) == 20
    # the other day, and up to 24 h on this one, are fine
    psa(app, ids).import_bytes(
        (HEADER + "dana,2024-03-05,4,TKT-101,3\ndana,2024-03-06,20,TKT-101,4\n").encode(),
        "wed.csv",
        actor="psa",
    )
    assert hours_of(app, ids["TKT-101"]) == 24


def test_one_export_over_two_requests_counts_the_day_on_both() -> None:
    """Dana's hours on TKT-101 and on TKT-102 (quoted, not authorized: her work there is kept
    as unauthorized work) in one export: 25 hours on one day."""
    app = QuoteToCash.open("memory:")
    ids = build(app)
    quoted = ids["TKT-102"]
    text = (
        HEADER
        + f"dana,2024-03-05,2,{quoted},1\n"
        + "dana,2024-03-05,20,TKT-101,2\n"
        + f"dana,2024-03-05,3,{quoted},3\n"
    )
    with pytest.raises(ImportRejected) as refused:
        psa(app, ids).import_bytes(text.encode(), "week.csv", actor="psa")
    assert [(p.line, p.field) for p in refused.value.problems] == [(4, "hours")]
    assert app.request(ids["TKT-101"]).work == [] and app.request(quoted).work == []


def test_logging_work_by_hand_cannot_pass_24_hours_on_a_request() -> None:
    app = QuoteToCash.open("memory:")
    request = build(app)["TKT-101"]
    app.log_work(request, entry("t1", "20"), actor="dana")
    with pytest.raises(RuleViolated) as refused:
        app.log_work(request, entry("t2", "4.5", worker=" Dana"), actor="dana")
    assert refused.value.field == "hours"
    with pytest.raises(RuleViolated):
        app.import_work(request, entry("x9", "5"), source="jira", actor="sync")
    app.log_work(request, entry("t3", "4"), actor="dana")
    app.log_work(request, entry("t4", "8", worker="bob"), actor="bob")
    assert hours_of(app, request) == 24


@given(st.lists(st.integers(min_value=1, max_value=2400), min_size=1, max_size=6))
@settings(max_examples=15, deadline=None)
def test_an_export_is_recorded_only_when_no_day_passes_24_hours(hundredths: list[int]) -> None:
    app = QuoteToCash.open("memory:")
    ids = build(app)
    hours = [Decimal(h) / 100 for h in hundredths]
    rows = "".join(f"dana,2024-03-05,{h},TKT-101,{n}\n" for n, h in enumerate(hours))
    try:
        psa(app, ids).import_bytes((HEADER + rows).encode(), "day.csv", actor="psa")
    except ImportRejected as refused:
        assert sum(hours) > 24
        assert {p.field for p in refused.problems} == {"hours"}
        assert app.request(ids["TKT-101"]).work == []
    else:
        assert sum(hours) <= 24 and hours_of(app, ids["TKT-101"]) == sum(hours)
