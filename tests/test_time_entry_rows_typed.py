"""A time entry handed to ``import_time_entries`` is what its fields say, or it is refused.

An ERP's own importer builds ``TimeEntryRow`` values from its PSA's cells and hands them to
``QuoteToCash.import_time_entries``. It passed the billable cell as typed, ``"no"``: the row
was recorded as billable (any text is true) and Dana's 2 hours on a non-billable call stood as
200.00 EUR unbilled. A work date passed as ISO text, or no worker or request at all, failed
with a bare ``TypeError`` or ``AttributeError`` deep in the import.

Now a row is checked as it is made: each field of the type it declares (a bool is ``True`` or
``False``, a day a ``date``, hours and a rate finite Decimals), or ``InvalidValue`` naming the
field and the row's line. No row, nothing recorded.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from test_import_changes_refused import acme, authorized_request

from q2c_core import InvalidValue, Money, QuoteToCash
from q2c_core.domain.import_batch import ImportKind, ImportSource
from q2c_core.domain.import_rows import TimeEntryRow


def _danas_call(**changed: Any) -> TimeEntryRow:
    cells: dict[str, Any] = {
        "line": 2,
        "entry_id": "psa:1",
        "worker": "dana",
        "work_date": date(2024, 3, 5),
        "hours": Decimal(2),
        "request_ref": "T-1",
        "billable": False,
    }
    return TimeEntryRow(**{**cells, **changed})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("billable", "no"),
        ("billable", 0),
        ("billable", None),
        ("work_date", "2024-03-05"),
        ("work_date", datetime(2024, 3, 5, 9)),
        ("worker", None),
        ("request_ref", None),
        ("entry_id", 17),
        ("hours", 2.0),
        ("hours", "2"),
        ("hours", Decimal("NaN")),
        ("hours", Decimal("Infinity")),
        ("rate", 95.5),
        ("rate", Decimal("NaN")),
        ("note", None),
        ("currency", 978),
        ("former_ids", ["psa:0"]),
        ("named_by_content", "yes"),
        ("line", "2"),
    ],
)
def test_a_row_of_the_wrong_type_is_refused_naming_its_field(field: str, value: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        _danas_call(**{field: value})
    assert refused.value.field == field
    if field != "line":
        assert "line 2" in str(refused.value)


def test_danas_non_billable_call_is_refused_when_passed_as_text_and_nothing_is_recorded(
    app: QuoteToCash,
) -> None:
    request = authorized_request(app, acme(app))
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        _danas_call(request_ref=str(request), billable="no")
    assert refused.value.field == "billable"
    assert app.recorder.max_notification_id() == before
    assert app.unbilled_work(request) == Money.of("0", "EUR")


def test_danas_non_billable_call_as_a_bool_is_recorded_and_never_billed(app: QuoteToCash) -> None:
    request = authorized_request(app, acme(app))
    source = ImportSource(hashlib.sha256(b"erp").hexdigest(), "erp", ImportKind.TIME_ENTRIES)
    report = app.import_time_entries(
        source,
        [_danas_call(request_ref=str(request), rate=Decimal("100"), currency="EUR")],
        imported_on=date(2024, 3, 10),
        actor="psa",
    )
    assert report.recorded == 1
    (work,) = app.request(request).work
    assert work.entry.billable is False
    assert app.unbilled_work(request) == Money.of("0", "EUR")


def test_logging_work_billable_as_text_is_refused_naming_entry_billable(app: QuoteToCash) -> None:
    """The same rule for every event: a time entry logged by hand with billable ``"no"``."""
    from q2c_core.domain.enhancement_request import TimeEntry

    request = authorized_request(app, acme(app))
    before = app.recorder.max_notification_id()
    entry = TimeEntry(
        "e1",
        "dana",
        date(2024, 3, 5),
        Decimal(2),
        Money.of("100", "EUR"),
        billable="no",  # type: ignore[arg-type]
    )
    with pytest.raises(InvalidValue) as refused:
        app.log_work(request, entry, actor="psa")
    assert refused.value.field == "entry.billable"
    assert app.recorder.max_notification_id() == before
