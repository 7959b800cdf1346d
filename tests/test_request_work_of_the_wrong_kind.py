"""Work and expenses handed to a request as something that is not an entry, or not text.

A developer wiring a PSA to q2c passed its numeric entry id (``TimeEntry(4711, ...)``), a
worker the export left empty (``None``), and, in another script, the raw row (a dict) to
``log_work``, ``import_work`` and ``log_expense``. q2c answered ``AttributeError: 'int' object
has no attribute 'strip'`` or ``'dict' object has no attribute 'work_date'``: no field named,
no rule, not a q2c error the caller can catch. Each is now an ``InvalidValue`` naming the field
(``entry_id``, ``entry.worker``, ``entry``, ``expense``), and nothing is recorded: the request
holds the work it held before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from q2c_core import InvalidValue, Money, QuoteToCash, TimeEntry

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def authorized_export(app: QuoteToCash, *, with_work: bool = True) -> UUID:
    """Acme's export request, quoted, its PO in and authorized on 4 March; with Bob's 8 h of
    5 March logged unless ``with_work`` is False."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    app.send_quote(export, sent_on=day(2), actor="billy")
    app.receive_purchase_order(
        export, number="PO-1", amount=eur(1000), received_on=day(3), actor="billy"
    )
    app.authorize_work(export, authorized_on=day(4), actor=A)
    if with_work:
        app.log_work(export, TimeEntry("t1", "bob", day(5), Decimal(8), eur(100)), actor="bob")
    return export


@pytest.mark.parametrize("entry_id", [4711, None], ids=["a number", "none"])
def test_a_time_entry_whose_id_is_no_text_is_refused_naming_entry_id(entry_id: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        TimeEntry(entry_id, "bob", day(6), Decimal(2), eur(100))
    assert refused.value.field == "entry_id"
    assert "must be text" in str(refused.value)


def test_work_by_a_worker_given_as_none_is_refused_nothing_recorded(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    app = app_factory()
    export = authorized_export(app)
    nobody = TimeEntry("t2", None, day(6), Decimal(2), eur(100))  # type: ignore[arg-type]
    again = TimeEntry("t1", None, day(5), Decimal(8), eur(100))  # type: ignore[arg-type]
    for record in (
        lambda: app.log_work(export, nobody, actor="bob"),
        lambda: app.import_work(export, nobody, source="psa", actor="bob"),
        lambda: app.import_work(export, again, source="psa", actor="bob"),
    ):
        with pytest.raises(InvalidValue) as refused:
            record()
        assert refused.value.field == "entry.worker"
    assert [w.entry.entry_id for w in app.request(export).work] == ["t1"]


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (lambda app, r, row: app.log_work(r, row, actor="bob"), "entry"),
        (lambda app, r, row: app.import_work(r, row, source="psa", actor="bob"), "entry"),
        (lambda app, r, row: app.log_expense(r, row, actor="bob"), "expense"),
    ],
    ids=["log_work", "import_work", "log_expense"],
)
def test_a_raw_row_instead_of_an_entry_is_refused_nothing_recorded(
    app_factory: Callable[[], QuoteToCash],
    command: Callable[[QuoteToCash, UUID, Any], None],
    field: str,
) -> None:
    row = {"entry_id": "t2", "worker": "bob", "work_date": day(6), "hours": "2"}
    app = app_factory()
    export = authorized_export(app)
    with pytest.raises(InvalidValue) as refused:
        command(app, export, row)
    assert refused.value.field == field
    assert refused.value.aggregate_id == export
    request = app.request(export)
    assert [w.entry.entry_id for w in request.work] == ["t1"]
    assert request.expenses == []
