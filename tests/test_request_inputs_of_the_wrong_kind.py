"""A request's PO, time entries and expenses given something of the wrong kind.

A developer wiring q2c to a purchasing system passed the PO's amount as it came, a plain
``Decimal("1000")``, and the PO number as the integer the other system keeps. q2c answered
``AttributeError: 'decimal.Decimal' object has no attribute 'is_positive'`` (and ``'int' object
has no attribute 'strip'``): no field named, no rule, not a q2c error a caller can catch. The
same with a time entry's rate or an expense's amount given as a number. Each is now an
``InvalidValue`` naming the field and saying it must be Money (or text), as an estimate's rate
already was, and nothing is recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from q2c_core import (
    Expense,
    InvalidValue,
    Money,
    PurchaseOrder,
    QuoteToCash,
    RequestStatus,
    TimeEntry,
)

A = "alice"
MARCH_4 = date(2024, 3, 4)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def quoted_hotfix(app: QuoteToCash) -> UUID:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hotfix = app.open_request(acme, "Hotfix", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(hotfix, hours=10, rate=eur(100), actor=A)
    app.send_quote(hotfix, sent_on=date(2024, 3, 2), actor="billy")
    return hotfix


@pytest.mark.parametrize(
    ("number", "amount", "field"),
    [
        ("PO-7", Decimal("1000"), "po.amount"),
        ("PO-7", 1000, "po.amount"),
        ("PO-7", "1000 EUR", "po.amount"),
        (4711, eur(1000), "po.number"),
        (None, eur(1000), "po.number"),
    ],
)
def test_a_po_of_the_wrong_kind_is_refused_naming_its_field(
    app: QuoteToCash, number: Any, amount: Any, field: str
) -> None:
    hotfix = quoted_hotfix(app)
    version = app.request(hotfix).version

    with pytest.raises(InvalidValue) as refused:
        app.receive_purchase_order(
            hotfix, number=number, amount=amount, received_on=date(2024, 3, 3), actor="billy"
        )

    assert refused.value.field == field
    assert app.request(hotfix).version == version
    assert app.request(hotfix).status is RequestStatus.QUOTED
    with pytest.raises(InvalidValue):
        PurchaseOrder(number, amount, date(2024, 3, 3))


def test_time_and_expenses_priced_by_a_plain_number_are_refused(app: QuoteToCash) -> None:
    hotfix = quoted_hotfix(app)
    app.receive_purchase_order(
        hotfix, number="PO-7", amount=eur(1000), received_on=date(2024, 3, 3), actor="billy"
    )
    app.authorize_work(hotfix, authorized_on=date(2024, 3, 3), actor=A)

    with pytest.raises(InvalidValue) as rate_refused:
        TimeEntry("t1", "bob", MARCH_4, Decimal(2), Decimal(100))  # type: ignore[arg-type]
    with pytest.raises(InvalidValue) as amount_refused:
        Expense("x1", "train", Decimal("45.00"), MARCH_4)  # type: ignore[arg-type]

    assert rate_refused.value.field == "rate"
    assert "Money" in str(rate_refused.value)
    assert amount_refused.value.field == "expense.amount"
    assert "Money" in str(amount_refused.value)
    # as Money, the same work and expense are taken
    app.log_work(hotfix, TimeEntry("t1", "bob", MARCH_4, Decimal(2), eur(100)), actor="bob")
    app.log_expense(hotfix, Expense("x1", "train", eur("45.00"), MARCH_4), actor="bob")
    assert app.unbilled_work(hotfix) == eur("245.00")


def test_an_expense_in_fractions_of_a_cent_is_refused_nothing_recorded(app: QuoteToCash) -> None:
    """Bob's train fare, converted by hand, came to 45.005 EUR. q2c took it: unbilled work
    read 245.005, and the invoice billed the fare as 45.01, half a cent more than the cost it
    re-bills. An expense is a cost in whole cents (a receipt has no half cents), as a fixed
    price is: ``InvalidValue`` naming ``expense.amount``, nothing recorded."""
    hotfix = quoted_hotfix(app)
    app.receive_purchase_order(
        hotfix, number="PO-7", amount=eur(1000), received_on=date(2024, 3, 3), actor="billy"
    )
    app.authorize_work(hotfix, authorized_on=date(2024, 3, 3), actor=A)
    app.log_work(hotfix, TimeEntry("t1", "bob", MARCH_4, Decimal(2), eur(100)), actor="bob")
    version = app.request(hotfix).version

    with pytest.raises(InvalidValue) as refused:
        app.log_expense(hotfix, Expense("x1", "train", eur("45.005"), MARCH_4), actor="bob")

    assert refused.value.field == "expense.amount"
    assert "45.005" in str(refused.value)
    assert app.request(hotfix).version == version
    assert app.request(hotfix).expenses == []
    app.log_expense(hotfix, Expense("x1", "train", eur("45.01"), MARCH_4), actor="bob")
    assert app.unbilled_work(hotfix) == eur("245.01")
    app.complete_request(hotfix, completed_on=MARCH_4, actor=A)
    invoice = app.draft_request_invoice(hotfix, drafted_on=MARCH_4, actor="bea")
    assert app.invoice(invoice).net == eur("245.01")


@pytest.mark.parametrize(
    "number",
    ["PO\n4711", "PO-4711\r\n", "PO\t4711", "\u200b", "\u2060\u3164"],
    ids=["line break", "trailing CRLF", "tab", "zero-width space", "invisible only"],
)
def test_a_po_number_that_cannot_be_quoted_on_one_line_is_refused(
    app: QuoteToCash, number: str
) -> None:
    """Acme's PO number was pasted from a spreadsheet cell, with its line break (or a tab, or
    as a zero-width space only): q2c took it, and every invoice of the request printed the PO
    on two lines, or as nothing, in its PDF, its e-invoice's order reference and the exports,
    a reference Acme's accounts payable could not match. A PO number is visible text on one
    line: ``InvalidValue`` naming ``po.number``, nothing recorded."""
    hotfix = quoted_hotfix(app)
    version = app.request(hotfix).version

    with pytest.raises(InvalidValue) as refused:
        app.receive_purchase_order(
            hotfix, number=number, amount=eur(1000), received_on=date(2024, 3, 3), actor="billy"
        )

    assert refused.value.field == "po.number"
    assert app.request(hotfix).version == version
    app.receive_purchase_order(
        hotfix, number="PO 4711", amount=eur(1000), received_on=date(2024, 3, 3), actor="billy"
    )
    assert app.request(hotfix).purchase_order is not None
    assert app.request(hotfix).purchase_order.number == "PO 4711"


def test_a_request_titled_by_invisible_characters_only_is_refused(app: QuoteToCash) -> None:
    """A request titled by a zero-width space (pasted from a chat) was opened: the review
    meeting, the list of quotes awaiting a PO and the unbilled work named it by nothing, and its
    invoice lines read ": bob 2024-03-04". Its title must be visible text, as a blank one
    already had to be: ``InvalidValue`` naming ``title``, nothing recorded."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)

    for title in ("\u200b", "\u2060 \u3164"):
        with pytest.raises(InvalidValue) as refused:
            app.open_request(acme, title, requested_on=date(2024, 3, 1), actor=A)
        assert refused.value.field == "title"

    assert app.customer(acme).version == 1
    assert app.customer(acme).request_ids == []
