"""An ERP's own reader hands its rows to ``QuoteToCash.import_time_entries`` and
``import_contracts``. Found by review: rows given as a generator were read once to check them
and then found empty, so the file's batch was recorded with no row in it, the work never
logged and the file taken as imported from then on; rows as dicts, None for the rows, the
source as its hash text, ``tickets`` as a list and ``problems`` as text each ended in a bare
AttributeError, TypeError or ValueError. Rows may be any iterable of rows, read once; anything
else is ``InvalidValue`` naming what was wrong, nothing recorded."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from test_import_contracts import customers
from test_import_time_entries import build as requests

from q2c_core import BillingFrequency, InvalidValue, QuoteToCash
from q2c_core.domain.import_batch import ImportKind, ImportSource
from q2c_core.domain.import_rows import ContractRow, TimeEntryRow

DAY = date(2024, 3, 10)


def source(name: str, kind: ImportKind = ImportKind.TIME_ENTRIES) -> ImportSource:
    return ImportSource(hashlib.sha256(name.encode()).hexdigest(), name, kind)


def entry(ids: dict[str, Any], n: int) -> TimeEntryRow:
    return TimeEntryRow(
        line=n + 1,
        entry_id=f"erp:{n}",
        worker="dana",
        work_date=date(2024, 3, 5),
        hours=Decimal(1),
        request_ref=str(ids["TKT-101"]),
    )


def test_time_entries_given_as_a_generator_are_all_logged(app: QuoteToCash) -> None:
    ids = requests(app)
    rows = (entry(ids, n) for n in (1, 2))
    report = app.import_time_entries(source("erp-week-10"), rows, imported_on=DAY, actor="erp")
    assert (report.rows, report.recorded) == (2, 2)
    assert len(app.request(ids["TKT-101"]).work) == 2


def test_contracts_given_as_a_generator_are_all_signed(app: QuoteToCash) -> None:
    acme, _ = customers(app)
    row = ContractRow(
        line=2,
        number="MC-1",
        customer_ref=str(acme),
        term_start=date(2024, 1, 1),
        term_end=date(2024, 12, 31),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2023, 12, 15),
    )
    rows = (r for r in [row])
    report = app.import_contracts(
        source("crm", ImportKind.CONTRACTS), rows, imported_on=DAY, actor="crm"
    )
    assert (report.rows, report.recorded) == (1, 1)
    assert len(app.customer(acme).contract_ids) == 1


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"rows": None}, "rows"),
        ({"rows": "dana,2024-03-05,1"}, "rows"),
        ({"rows": [{"worker": "dana"}]}, "rows"),
        ({"source": "ab" * 32}, "source"),
        ({"tickets": ["TKT-101"]}, "tickets"),
        ({"problems": "line 2 is bad"}, "problems"),
    ],
    ids=["no rows", "rows as text", "a row as a dict", "source as text", "tickets", "problems"],
)
def test_time_entry_import_given_wrong_kinds_is_refused_naming_them(
    app: QuoteToCash, given: dict[str, Any], field: str
) -> None:
    ids = requests(app)
    before = app.recorder.max_notification_id()
    args: dict[str, Any] = {"source": source("erp"), "rows": [entry(ids, 1)], **given}
    with pytest.raises(InvalidValue) as refused:
        app.import_time_entries(imported_on=DAY, actor="erp", **args)
    assert refused.value.field == field
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize("rows", [None, [object()]], ids=["no rows", "a row of another kind"])
def test_contract_import_given_wrong_kinds_is_refused_naming_rows(
    app: QuoteToCash, rows: Any
) -> None:
    customers(app)
    with pytest.raises(InvalidValue) as refused:
        app.import_contracts(
            source("crm", ImportKind.CONTRACTS), rows, imported_on=DAY, actor="crm"
        )
    assert refused.value.field == "rows"


@pytest.mark.parametrize(
    ("args", "field"),
    [(("ab" * 32, 5, ImportKind.CONTRACTS), "file_name"), (("ab" * 32, "x", "contracts"), "kind")],
)
def test_an_import_source_of_wrong_kinds_is_refused_naming_them(args: Any, field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        ImportSource(*args)
    assert refused.value.field == field
