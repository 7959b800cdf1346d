"""Work whose worth Money cannot hold is refused, not recorded to break every report.

Bob's 24 hours were logged at a rate of 90,000,000,000,000.00 EUR an hour (a bank account
number pasted into the rate column). The entry was taken: its worth (2.16E15) is beyond what
Money holds, so from then on unbilled_work, the customer's summary and the request's invoice
all failed ("amount: is out of range"), for good, on a store that cannot forget an event. Two
entries, or expenses, each within range but together beyond it did the same. A new time entry
or expense that would take the request's recorded work and expenses beyond Money's range is
now refused, ``InvalidValue`` naming ``rate`` or ``expense.amount``, nothing recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import Expense, InvalidValue, Money, QuoteToCash, TimeEntry

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def authorized(app: QuoteToCash) -> tuple[UUID, UUID]:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    app.send_quote(export, sent_on=day(2), actor=A)
    app.receive_purchase_order(export, number="PO-1", amount=eur(1000), received_on=day(3), actor=A)
    app.authorize_work(export, authorized_on=day(4), actor=A)
    return acme, export


def test_an_entry_worth_more_than_money_holds_is_refused(app: QuoteToCash) -> None:
    acme, export = authorized(app)
    version = app.request(export).version
    pasted = TimeEntry("t1", "bob", day(5), Decimal(24), eur("9e13"))

    with pytest.raises(InvalidValue) as refused:
        app.log_work(export, pasted, actor="bob")
    assert refused.value.field == "rate"
    with pytest.raises(InvalidValue) as imported:
        app.import_work(export, pasted, source="psa", actor="bob")
    assert imported.value.field == "rate"

    assert app.request(export).version == version  # nothing recorded
    assert app.unbilled_work(export) == eur(0)
    assert app.customer_summary(acme).unbilled_work == eur(0)


def test_work_and_expenses_beyond_money_together_are_refused(app: QuoteToCash) -> None:
    acme, export = authorized(app)
    app.log_work(export, TimeEntry("t1", "bob", day(5), Decimal(10), eur("9e13")), actor="bob")
    worth = app.unbilled_work(export)
    version = app.request(export).version

    with pytest.raises(InvalidValue) as refused:
        app.log_work(export, TimeEntry("t2", "bob", day(6), Decimal(2), eur("9e13")), actor="bob")
    assert refused.value.field == "rate"
    with pytest.raises(InvalidValue) as refused:
        app.log_expense(export, Expense("x1", "fare", eur("1e14"), day(6)), actor="bob")
    assert refused.value.field == "expense.amount"

    assert app.request(export).version == version  # nothing recorded
    assert app.unbilled_work(export) == worth == eur("900000000000000.00")
    assert app.customer_summary(acme).unbilled_work == worth
