"""An expense re-billed on an invoice says what it was.

Bob's taxi receipt for Acme's export reached billing as an expense with no description (the
expense tool's column was empty), and another with a zero-width space copied from a chat. q2c
recorded both, and the request's invoice billed "Export: " twice, 45.00 EUR each, a charge
the customer cannot match to anything and disputes. A new expense's description must now be
visible text (``InvalidValue`` naming ``expense.description``), nothing recorded; expenses
recorded before the rule still load and bill as they were.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_request_work_of_the_wrong_kind import A, authorized_export, day, eur

from q2c_core import Expense, InvalidValue, QuoteToCash


@pytest.mark.parametrize("description", ["", "   ", "\u200b"], ids=["empty", "spaces", "zwsp"])
def test_an_expense_that_says_nothing_is_refused_and_the_invoice_bills_only_the_taxi_named(
    app_factory: Callable[[], QuoteToCash], description: str
) -> None:
    app = app_factory()
    export = authorized_export(app)
    with pytest.raises(InvalidValue) as refused:
        app.log_expense(export, Expense("x1", description, eur(45), day(5)), actor="bob")
    assert refused.value.field == "expense.description"
    assert refused.value.aggregate_id == export
    assert app.request(export).expenses == []

    app.log_expense(export, Expense("x2", "Taxi to the data centre", eur(45), day(5)), actor="bob")
    app.complete_request(export, completed_on=day(6), actor=A)
    invoice = app.invoice(app.draft_request_invoice(export, drafted_on=day(7), actor="bea"))
    assert [line.description for line in invoice.lines] == [
        "Export: bob 2024-03-05",
        "Export: Taxi to the data centre",
    ]
    assert invoice.total == eur(845)
