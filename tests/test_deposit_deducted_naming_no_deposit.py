"""Bea deducts a deposit on Acme's final invoice, and her script passes the deposit invoice's
id from an empty cell (None), an id of nothing, or a number from the wrong column. The refusal
names ``deposit_invoice_id`` and what was given, never the final invoice as if it were the one
missing; nothing is recorded and the final invoice still asks its full amount. Given the
deposit's id, it is deducted.

Found by review: ``deduct_deposit(final, None)`` was refused as ``<final invoice's id>: id: no
Invoice with this id``, saying the final invoice she had just drafted did not exist; an unknown
id named the field ``id``.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from test_deposits_by_their_commands import D, customer, eur, issue, work

from q2c_core import InvalidValue, NotFound, QuoteToCash


@pytest.mark.parametrize("given", [None, "unknown", 5, "text"])
def test_a_deposit_named_by_nothing_is_refused_naming_it(app: QuoteToCash, given: Any) -> None:
    acme = customer(app)
    deposit = app.draft_deposit_invoice(
        acme, eur(1000), description="deposit", drafted_on=D, actor="bea"
    )
    issue(app, deposit)
    final = app.draft_invoice(acme, [work("L1", "5000")], drafted_on=D, actor="bea")
    before = app.recorder.max_notification_id()
    wrong: Any = {"unknown": uuid4(), "text": "INV-000001"}.get(given, given)

    with pytest.raises((InvalidValue, NotFound)) as refused:
        app.deduct_deposit(final, wrong, actor="bea")

    assert refused.value.field == "deposit_invoice_id"
    assert refused.value.value == wrong
    assert str(wrong) in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.invoice(final).total == eur("6050.00")
    assert app.invoice(deposit).deducted_by is None

    app.deduct_deposit(final, deposit, actor="bea")
    assert app.invoice(final).total == eur("4840.00")
