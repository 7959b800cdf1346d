"""An expense logged under an id the request holds already is refused naming its own id.

Bob's 45.00 train fare was logged as x1, then logged again (the form sent twice), and a
taxi receipt was typed with the id of his time entry t1: both were refused, rightly, but as a
``DuplicateEntry`` naming ``entry_id``, a field log_expense has none of. They now name
``expense.expense_id``, nothing recorded; a time entry of a taken id still names ``entry_id``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import DuplicateEntry, Expense, Money, QuoteToCash, TimeEntry

A = "alice"


def eur(amount: int) -> Money:
    return Money.of(amount, "EUR")


def test_an_expense_of_a_taken_id_names_expense_id(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    app.send_quote(export, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        export, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(export, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(export, TimeEntry("t1", "bob", date(2024, 3, 5), Decimal(4), eur(100)), actor=A)
    fare = Expense("x1", "train fare", eur(45), date(2024, 3, 5))
    app.log_expense(export, fare, actor="bob")
    version = app.request(export).version

    with pytest.raises(DuplicateEntry) as again:
        app.log_expense(export, fare, actor="bob")
    assert again.value.field == "expense.expense_id"
    with pytest.raises(DuplicateEntry) as entry_id:
        app.log_expense(export, Expense("t1", "taxi", eur(20), date(2024, 3, 5)), actor="bob")
    assert entry_id.value.field == "expense.expense_id"
    with pytest.raises(DuplicateEntry) as work:
        app.log_work(
            export, TimeEntry("x1", "bob", date(2024, 3, 6), Decimal(1), eur(100)), actor=A
        )
    assert work.value.field == "entry_id"

    assert app.request(export).version == version  # nothing recorded
    assert [x.expense_id for x in app.request(export).expenses] == ["x1"]
