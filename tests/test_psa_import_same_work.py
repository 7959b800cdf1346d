"""The same PSA entry is one entry however the export writes it.

An export without the PSA's id column names each entry by its content. Dana's 2 hours on
TKT-101 are the same work whether the export names the request by its ticket, by its q2c id,
or by that id in capitals or braces, and whether it writes her name ``dana`` or ``Dana``: sent
again, they are skipped, never billed twice. Entries imported before q2c read them this way
(named by the cells as typed) are still known when the same file comes again."""

from __future__ import annotations

import hashlib
from datetime import date
from uuid import UUID

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_import_time_entries import build

from q2c_adapters.importers.time_entries import TimeEntryImporter, read_time_entries_csv
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportKind, ImportSource

HEADER = "worker,date,hours,request\n"


def psa(app: QuoteToCash, ticket: UUID, **options: object) -> TimeEntryImporter:
    return TimeEntryImporter(
        app,
        tickets={"TKT-101": ticket},
        today=date(2024, 3, 10),
        **options,  # type: ignore[arg-type]
    )


def spellings(request: UUID) -> list[str]:
    """How an export may name one request: its ticket, its id in the forms a UUID is written."""
    return ["TKT-101", str(request), str(request).upper(), f"{{{request}}}", request.hex]


@pytest.mark.parametrize("second", range(5))
@pytest.mark.parametrize("first", range(5))
def test_the_same_entry_re_sent_naming_its_request_otherwise_is_skipped(
    first: int, second: int
) -> None:
    app = QuoteToCash.open("memory:")
    request = build(app)["TKT-101"]
    ways = spellings(request)
    monday = psa(app, request).import_bytes(
        (HEADER + f"dana,2024-03-05,2,{ways[first]}\n").encode(), "monday.csv", actor="psa"
    )
    tuesday = psa(app, request).import_bytes(
        (HEADER + f"dana,2024-03-05,2,{ways[second]}\n").encode(), "tuesday.csv", actor="psa"
    )
    assert (monday.recorded, tuesday.recorded, tuesday.skipped) == (1, 0, 1)
    assert len(app.request(request).work) == 1
    assert app.unbilled_work(request) == Money.of("200", "EUR")


@given(
    worker=st.sampled_from(["dana", "Dana", "DANA", " dana ", "ｄａｎａ", "da\u200bna"]),
    again=st.sampled_from(["dana", "Dana", "DANA", " dana ", "ｄａｎａ", "da\u200bna"]),
)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_same_entry_re_sent_with_the_worker_spelled_otherwise_is_skipped(
    worker: str, again: str
) -> None:
    """Dana is one person however she is typed (``person_key``): her entry is one entry."""
    app = QuoteToCash.open("memory:")
    request = build(app)["TKT-101"]
    first = f'"{worker}",2024-03-05,2,TKT-101\n'
    second = f'"{again}",2024-03-05,2,TKT-101\n'
    psa(app, request).import_bytes((HEADER + first).encode(), "a.csv", actor="psa")
    report = psa(app, request).import_bytes((HEADER + second).encode(), "b.csv", actor="psa")
    assert (report.recorded, report.skipped) == (0, 1)
    assert len(app.request(request).work) == 1


def test_an_entry_with_the_psa_id_re_sent_with_the_worker_capitalised_is_the_same_entry() -> None:
    """With the PSA's id, ``Dana`` for ``dana`` is not an edited entry: it is skipped."""
    app = QuoteToCash.open("memory:")
    request = build(app)["TKT-101"]
    with_id = "id,worker,date,hours,request\n77,{},2024-03-05,2,TKT-101\n"
    psa(app, request).import_bytes(with_id.format("dana").encode(), "a.csv", actor="psa")
    report = psa(app, request).import_bytes(with_id.format("Dana").encode(), "b.csv", actor="psa")
    assert (report.recorded, report.skipped) == (0, 1)
    (work,) = app.request(request).work
    assert work.entry.worker == "dana"


def imported_as_before(app: QuoteToCash, request: UUID, text: str, name: str) -> None:
    """What the reader before this version recorded: each entry named by its cells as typed
    (the earliest of its former ids)."""
    rows, problems = read_time_entries_csv(text, tickets={"TKT-101": request})
    assert problems == []
    as_before = [attrs.evolve(r, entry_id=r.former_ids[0], former_ids=()) for r in rows]
    app.import_time_entries(
        ImportSource(hashlib.sha256(name.encode()).hexdigest(), name, ImportKind.TIME_ENTRIES),
        as_before,
        imported_on=date(2024, 3, 10),
        actor="psa",
        tickets={"TKT-101": request},
    )


def test_entries_imported_before_are_known_again_then_claimed_by_the_psa_id() -> None:
    """March was imported before the upgrade, naming its entries by the cells as typed. The
    same file after the upgrade is skipped; so is the export once the PSA's id column is on;
    and so is the export without the column again: 2 hours and 3 hours, billed once."""
    app = QuoteToCash.open("memory:")
    request = build(app)["TKT-101"]
    march = (
        HEADER + "Dana,2024-03-05,2,TKT-101\nDana,2024-03-05,2,TKT-101\nbob,2024-03-06,3,TKT-101\n"
    )
    imported_as_before(app, request, march, "march.csv")
    assert len(app.request(request).work) == 3

    again = psa(app, request).import_bytes(march.encode(), "march again.csv", actor="psa")
    assert (again.recorded, again.skipped) == (0, 3)
    with_ids = "id," + march.replace("\nD", "\n1,D", 1).replace("\nD", "\n2,D", 1)
    with_ids = with_ids.replace("\nbob", "\n3,bob")
    ids_on = psa(app, request).import_bytes(with_ids.encode(), "march ids.csv", actor="psa")
    assert (ids_on.recorded, ids_on.skipped) == (0, 3)
    ids_off = psa(app, request).import_bytes(
        (march + "\n").encode(), "march no ids.csv", actor="psa"
    )
    assert (ids_off.recorded, ids_off.skipped) == (0, 3)
    assert len(app.request(request).work) == 3
    assert app.unbilled_work(request) == Money.of("700", "EUR")


def test_entries_imported_before_then_again_then_with_the_psa_id_are_recorded_once() -> None:
    """Imported before the upgrade, again after it (by the new name), then with the PSA's id
    column on: one entry all along."""
    app = QuoteToCash.open("memory:")
    request = build(app)["TKT-101"]
    march = HEADER + "Dana,2024-03-05,2,TKT-101\n"
    imported_as_before(app, request, march, "march.csv")
    psa(app, request).import_bytes(march.encode(), "march again.csv", actor="psa")
    with_id = "id,worker,date,hours,request\n9,Dana,2024-03-05,2,TKT-101\n"
    report = psa(app, request).import_bytes(with_id.encode(), "ids.csv", actor="psa")
    assert (report.recorded, report.skipped) == (0, 1)
    assert len(app.request(request).work) == 1
