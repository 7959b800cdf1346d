"""A final invoice deducting a deposit is issued on or after the day the deposit invoice was:
issued before it, aging showed the final invoice owing less than it did, and the ledger took
the deposit off a receivable before the deposit was ever invoiced."""

from __future__ import annotations

from datetime import date

import pytest
from test_story_invoice import approve, customer, eur, manual

from q2c_core import QuoteToCash, RuleViolated


def deposit_issued_on(app: QuoteToCash, cust: object, day: date) -> object:
    dep = app.draft_deposit_invoice(
        cust,  # type: ignore[arg-type]
        eur(400),
        description="Deposit",
        drafted_on=date(2024, 5, 1),
        actor="billy",
    )
    approve(app, dep)
    app.issue_invoice(dep, issued_on=day, actor="bea")  # type: ignore[arg-type]
    return dep


def test_a_final_invoice_is_not_issued_before_the_deposit_it_deducts(app: QuoteToCash) -> None:
    cust = customer(app)
    final = app.draft_invoice(
        cust, [manual("L1", "1000")], drafted_on=date(2024, 5, 1), actor="billy"
    )
    dep = deposit_issued_on(app, cust, date(2024, 5, 20))
    app.deduct_deposit(final, dep, actor="billy")  # type: ignore[arg-type]
    approve(app, final)
    number = app.invoice(dep).number  # type: ignore[arg-type]
    with pytest.raises(RuleViolated) as refused:
        app.issue_invoice(final, issued_on=date(2024, 5, 3), actor="bea")
    assert refused.value.field == "issued_on"
    assert str(number) in str(refused.value) and "2024-05-20" in str(refused.value)
    assert not app.invoice(final).is_issued
    # on the deposit's day, or after it, it is issued
    assert app.issue_invoice(final, issued_on=date(2024, 5, 20), actor="bea")
