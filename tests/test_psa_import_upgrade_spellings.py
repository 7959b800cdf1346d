"""Work imported before the upgrade is known again however the export spells it now.

Before q2c read an entry's identity by its worker as a person and by the request its cell
resolves to, an export without the PSA's id column named each entry by its cells as typed:
``dana`` on ``TKT-101``. Dana's 2 hours imported so are the same work when the export, after
the upgrade, writes her ``Dana`` or names the request by its q2c id: skipped, never billed a
second time. Two identical rows are still two entries, and an export with more of them than
were imported records only the new ones."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_import_time_entries import build

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportKind, ImportSource
from q2c_core.domain.import_rows import TimeEntryRow

HEADER = "worker,date,hours,request\n"
DAY = date(2024, 3, 5)


def id_before_the_upgrade(worker: str, ref: str, occurrence: int, note: str = "") -> str:
    """The id the reader before the upgrade gave an entry of 2 h on 2024-03-05 without the PSA's
    id: the cells as typed (the worker and the request as written), and how many identical rows
    came before it in its file."""
    content = "\x1f".join([worker, DAY.isoformat(), "2.00", ref, "True", note])
    digest = hashlib.sha256(f"{content}\x1e{occurrence}".encode()).hexdigest()[:24]
    return f"psa:{digest}"


def imported_before_the_upgrade(
    app: QuoteToCash, request: UUID, cells: list[tuple[str, str]], name: str
) -> None:
    """Record an export of 2-hour rows (worker, request as typed) as the earlier reader did."""
    typed: Counter[tuple[str, str]] = Counter()
    rows = []
    for line, (worker, ref) in enumerate(cells, start=2):
        rows.append(
            TimeEntryRow(
                line=line,
                entry_id=id_before_the_upgrade(worker, ref, typed[worker, ref]),
                worker=worker,
                work_date=DAY,
                hours=Decimal(2),
                request_ref=ref,
            )
        )
        typed[worker, ref] += 1
    report = app.import_time_entries(
        ImportSource(hashlib.sha256(name.encode()).hexdigest(), name, ImportKind.TIME_ENTRIES),
        rows,
        imported_on=date(2024, 3, 6),
        actor="psa",
        tickets={"TKT-101": request},
    )
    assert report.recorded == len(cells)


def send(
    app: QuoteToCash, request: UUID, cells: list[tuple[str, str]], name: str
) -> tuple[int, int]:
    text = HEADER + "".join(f"{worker},2024-03-05,2,{ref}\n" for worker, ref in cells)
    report = TimeEntryImporter(
        app, tickets={"TKT-101": request}, today=date(2024, 3, 10)
    ).import_bytes(text.encode(), name, actor="psa")
    return report.recorded, report.skipped


def test_dana_s_hours_imported_before_are_skipped_when_re_sent_spelled_otherwise(
    tmp_path: Path,
) -> None:
    """Monday's export, imported before the upgrade, named dana and TKT-101. After it, the PSA
    sends her entry again as ``Dana``, then naming the request by its q2c id: the same 2 hours,
    200 EUR to bill, not 400."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    request = build(app)["TKT-101"]
    imported_before_the_upgrade(app, request, [("dana", "TKT-101")], "monday.csv")

    assert send(app, request, [("Dana", "TKT-101")], "tuesday.csv") == (0, 1)
    assert send(app, request, [("dana", str(request))], "wednesday.csv") == (0, 1)
    assert send(app, request, [("DANA", str(request).upper())], "thursday.csv") == (0, 1)

    assert len(app.request(request).work) == 1
    assert app.unbilled_work(request) == Money.of("200", "EUR")


def test_two_identical_entries_imported_before_stay_two_and_a_third_is_new(
    tmp_path: Path,
) -> None:
    """dana logged two identical 2-hour calls, imported before the upgrade. Re-sent as Dana they
    are skipped; the export with a third identical call records that one only."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    request = build(app)["TKT-101"]
    imported_before_the_upgrade(app, request, [("dana", "TKT-101")] * 2, "monday.csv")

    assert send(app, request, [("Dana", "TKT-101")] * 2, "tuesday.csv") == (0, 2)
    assert send(app, request, [("Dana", "TKT-101")] * 3, "wednesday.csv") == (1, 2)
    assert send(app, request, [("Dana", "TKT-101")] * 3, "thursday.csv") == (0, 3)

    assert len(app.request(request).work) == 3
    assert app.unbilled_work(request) == Money.of("600", "EUR")


def test_an_entry_re_sent_as_typed_before_is_not_taken_by_its_other_spelling() -> None:
    """Imported before: dana once. The export now lists Dana and dana (two calls, one of them
    new): dana is the entry imported before, as typed; Dana's is new work, recorded."""
    app = QuoteToCash.open("memory:")
    request = build(app)["TKT-101"]
    imported_before_the_upgrade(app, request, [("dana", "TKT-101")], "monday.csv")

    assert send(app, request, [("Dana", "TKT-101"), ("dana", "TKT-101")], "tue.csv") == (1, 1)
    assert len(app.request(request).work) == 2


WORKERS = ["dana", "Dana", "DANA"]


@given(
    before=st.lists(
        st.tuples(st.sampled_from(WORKERS), st.sampled_from(range(3))), min_size=1, max_size=3
    ),
    after=st.lists(
        st.tuples(st.sampled_from(WORKERS), st.sampled_from(range(3))), min_size=1, max_size=4
    ),
)
# the third row's cells as typed hash as the second row's content now: that entry is the second's
@example(before=[("dana", 0)], after=[("dana", 1), ("Dana", 0), ("dana", 1)])
# the first row's own id names one entry imported before, its cells as typed the other
@example(before=[("dana", 0), ("dana", 1)], after=[("dana", 0), ("dana", 0)])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_an_export_after_the_upgrade_records_only_the_entries_it_has_more_of(
    before: list[tuple[str, int]], after: list[tuple[str, int]]
) -> None:
    """However the rows spell dana and TKT-101, before the upgrade and after it, the request
    holds as many of her identical entries as the larger export listed, and sending the export
    again records nothing."""
    app = QuoteToCash.open("memory:")
    request = build(app)["TKT-101"]
    ways = ["TKT-101", str(request), str(request).upper()]
    imported_before_the_upgrade(app, request, [(w, ways[r]) for w, r in before], "old.csv")

    cells = [(w, ways[r]) for w, r in after]
    recorded, skipped = send(app, request, cells, "new.csv")
    assert (recorded, skipped) == (max(0, len(after) - len(before)), min(len(after), len(before)))
    assert len(app.request(request).work) == max(len(before), len(after))
    assert send(app, request, cells, "new again.csv") == (0, len(after))
