"""A customer's payment terms are days from an invoice's issue to its due date: at most ten
years (``MAX_PAYMENT_TERMS_DAYS``), checked where they are typed, and an invoice whose due date
no calendar holds is refused at its issue with a typed error, its number not taken.

Found by review: ``payment_terms_days=3_000_000`` was registered; every invoice of that
customer then crashed at its issue with ``OverflowError`` and could never be issued.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_beancount_ledger import manual_line
from test_customer_tax_rate import issue, register

from q2c_core import (
    MAX_PAYMENT_TERMS_DAYS,
    Customer,
    InvalidValue,
    InvoiceStatus,
    QuoteToCash,
    TaxRate,
)
from q2c_core.domain import customer as customer_module

V21 = TaxRate.standard(21)
D = date(2024, 5, 2)


@pytest.mark.parametrize("days", [3_000_000, MAX_PAYMENT_TERMS_DAYS + 1, 10**12])
def test_payment_terms_longer_than_ten_years_are_refused_at_registration(days: int) -> None:
    """Terms no invoice could fall due by are refused naming payment_terms_days, nothing
    recorded, at registration and at a change; ten years (3650 days) are fine."""
    app = QuoteToCash.open("memory:")
    with pytest.raises(InvalidValue) as refused:
        register(app, "Acme", tax_rate=V21, payment_terms_days=days)
    assert refused.value.field == "payment_terms_days" and "3650" in str(refused.value)
    assert not app.recorder.max_notification_id()
    with pytest.raises(InvalidValue):
        Customer("Acme", "EUR", "mia", "bea", payment_terms_days=days)
    acme = register(app, "Acme", tax_rate=V21, payment_terms_days=MAX_PAYMENT_TERMS_DAYS)
    assert app.customer(acme).payment_terms_days == 3650
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as changed:
        app.change_customer_payment_terms(acme, payment_terms_days=days, effective=D, actor="bea")
    assert changed.value.field == "payment_terms_days"
    assert app.recorder.max_notification_id() == before


def test_an_invoice_no_calendar_can_fall_due_is_refused_at_issue_and_takes_no_number() -> None:
    """Old Co was registered with 3,000,000 days before the rule. Its approved invoice is
    refused at its issue (``InvalidValue`` naming payment_terms_days and the invoice, not an
    OverflowError), nothing recorded: it stays approved and INV-000001 is not taken. With its
    terms changed, the invoice voided and drafted again goes out as INV-000001."""
    app = QuoteToCash.open("memory:")
    with pytest.MonkeyPatch.context() as before_the_rule:
        before_the_rule.setattr(customer_module, "require_payment_terms", lambda value, _: value)
        old = register(app, "Old Co", tax_rate=V21, payment_terms_days=3_000_000)
    assert app.customer(old).payment_terms_days == 3_000_000
    invoice = app.draft_invoice(old, [manual_line("L1", "100", V21)], drafted_on=D, actor="b")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        issue(app, invoice, D)
    assert refused.value.field == "payment_terms_days"
    assert refused.value.aggregate_id == invoice
    assert "change_customer_payment_terms" in str(refused.value)
    assert app.recorder.max_notification_id() == before + 2  # (the two approvals only)
    assert app.invoice(invoice).status is InvoiceStatus.APPROVED
    assert app.invoice(invoice).number is None

    app.change_customer_payment_terms(old, payment_terms_days=30, effective=D, actor="bea")
    app.void_invoice(invoice, reason="terms corrected", actor="bea", voided_on=date(2024, 5, 2))
    again = app.draft_invoice(old, [manual_line("L1", "100", V21)], drafted_on=D, actor="b")
    assert issue(app, again, D) == "INV-000001"
    assert app.invoice(again).due_date == date(2024, 6, 1)
