"""A command sent under a retry key is checked as any command is before its key is looked at.

Found by review: under a key used already, ``receive_payment`` with no amount, or a grant of
``"ten"`` hours, was refused as ``DuplicateEntry`` naming ``key``, as if the caller had reused a
key, where the same call under a new key says what is wrong with the amount; a retry naming
nobody as its actor was answered, where every other retry (a bounce, a write-off) refuses it.
And the refusal of another command under a key printed a text detail unquoted, so a reference
of spaces read as nothing at all.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from q2c_core import (
    AllowanceUnit,
    DuplicateEntry,
    InvalidValue,
    Money,
    Period,
    QuoteToCash,
)

D = date(2024, 4, 2)
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme", "EUR", account_manager="mia", actor="al")


@pytest.mark.parametrize(
    ("amount", "reference", "field"),
    [
        (None, "TR-88", "amount"),
        (Money.of("-5", "EUR"), "TR-88", "amount"),
        (Money.of("500", "EUR"), None, "reference"),
    ],
)
def test_a_receipt_under_a_used_key_is_checked_first(
    app: QuoteToCash, amount: Any, reference: Any, field: str
) -> None:
    cust = acme(app)
    app.receive_payment(
        cust, Money.of("500", "EUR"), received_on=D, reference="TR-88", actor="bea", key="R-1"
    )
    with pytest.raises(InvalidValue) as refused:
        app.receive_payment(
            cust, amount, received_on=D, reference=reference, actor="bea", key="R-1"
        )
    assert refused.value.field == field


def test_a_grant_under_a_used_key_is_checked_first(app: QuoteToCash) -> None:
    cust = acme(app)
    given: dict[str, Any] = {"unit": AllowanceUnit.HOURS, "period": YEAR, "granted_on": D}
    app.grant_allowance(cust, quantity=10, actor="mia", key="G-1", **given)
    with pytest.raises(InvalidValue) as refused:
        app.grant_allowance(cust, quantity="ten", actor="mia", key="G-1", **given)
    assert refused.value.field == "quantity"
    with pytest.raises(InvalidValue) as refused:
        app.grant_allowance(
            cust, quantity=10, actor="mia", key="G-1", **{**given, "period": "2024"}
        )
    assert refused.value.field == "period"


@pytest.mark.parametrize(
    ("day", "reason", "field"),
    [("2024-04-02", "PO-9", "topped_up_on"), (D, None, "reason"), (D, 9, "reason")],
)
def test_a_top_up_under_a_used_key_is_checked_first(
    app: QuoteToCash, day: Any, reason: Any, field: str
) -> None:
    cust = acme(app)
    grant: dict[str, Any] = {"unit": AllowanceUnit.HOURS, "period": YEAR, "granted_on": D}
    allowance = app.grant_allowance(cust, quantity=10, actor="mia", **grant)
    app.top_up_allowance(allowance, 5, topped_up_on=D, reason="PO-9", actor="mia", key="T-1")
    with pytest.raises(InvalidValue) as refused:
        app.top_up_allowance(allowance, 5, topped_up_on=day, reason=reason, actor="mia", key="T-1")
    assert refused.value.field == field


@pytest.mark.parametrize("actor", ["", "   ", None])
def test_a_retry_naming_nobody_is_refused(app: QuoteToCash, actor: Any) -> None:
    """The same receipt, grant, top-up and draft again, each with no one as its actor."""
    cust = acme(app)
    eur = Money.of("500", "EUR")
    app.receive_payment(cust, eur, received_on=D, reference="TR-88", actor="bea", key="R-1")
    grant: dict[str, Any] = {"unit": AllowanceUnit.HOURS, "period": YEAR, "granted_on": D}
    allowance = app.grant_allowance(cust, quantity=10, actor="mia", key="G-1", **grant)
    app.top_up_allowance(allowance, 5, topped_up_on=D, reason="PO-9", actor="mia", key="T-1")
    app.draft_deposit_invoice(
        cust, eur, description="Down payment", drafted_on=D, actor="bea", key="D-1"
    )
    retries = [
        lambda: app.receive_payment(
            cust, eur, received_on=D, reference="TR-88", actor=actor, key="R-1"
        ),
        lambda: app.grant_allowance(cust, quantity=10, actor=actor, key="G-1", **grant),
        lambda: app.top_up_allowance(
            allowance, 5, topped_up_on=D, reason="PO-9", actor=actor, key="T-1"
        ),
        lambda: app.draft_deposit_invoice(
            cust, eur, description="Down payment", drafted_on=D, actor=actor, key="D-1"
        ),
    ]
    for retry in retries:
        with pytest.raises(InvalidValue) as refused:
            retry()
        assert refused.value.field == "actor"


def test_another_receipt_under_the_key_quotes_its_text(app: QuoteToCash) -> None:
    cust = acme(app)
    eur = Money.of("500", "EUR")
    app.receive_payment(cust, eur, received_on=D, reference=" TR-1 ", actor="bea", key="R-1")
    with pytest.raises(DuplicateEntry) as refused:
        app.receive_payment(cust, eur, received_on=D, reference="TR-2", actor="bea", key="R-1")
    assert "reference ' TR-1 '" in str(refused.value)
    assert "this one has other reference;" in str(refused.value)


def test_another_draft_under_the_key_says_what_differs(app: QuoteToCash) -> None:
    cust = acme(app)
    eur = Money.of("500", "EUR")
    given = {"description": "Down payment", "drafted_on": D, "actor": "bea", "key": "D-1"}
    app.draft_deposit_invoice(cust, eur, **given)
    with pytest.raises(DuplicateEntry) as refused:
        app.draft_deposit_invoice(cust, Money.of("600", "EUR"), **given)
    assert "kind DEPOSIT" in str(refused.value)
    assert "this one has other lines;" in str(refused.value)
