"""What an auditor asks: "what was Acme's position on 31 March?"."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from test_projections_story import authorized_request, eur, issue, work

from q2c_core import InvalidTransition, QuoteToCash, RuleViolated

A = "alice"


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme", "EUR", account_manager="mia", actor=A)


def test_a_draft_cannot_be_voided_before_it_was_drafted() -> None:
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2024, 3, 1))
    app.log_work(request, work("t1", date(2024, 3, 10), "3"), actor="bob")
    draft = app.draft_request_invoice(request, drafted_on=date(2024, 4, 5), actor="billy")
    with pytest.raises(RuleViolated) as refused:
        app.void_invoice(draft, reason="oops", actor="billy", voided_on=date(2024, 4, 4))
    assert refused.value.field == "voided_on"
    assert app.invoice(draft).voided_on is None
    assert app.customer_summary(customer).unbilled_work == eur(0)  # still held
    app.void_invoice(draft, reason="wrong PO", actor="billy", voided_on=date(2024, 4, 20))
    assert app.invoice(draft).voided_on == date(2024, 4, 20)
    assert app.customer_summary(customer).unbilled_work == eur(300)


def test_voiding_an_issued_invoice_is_still_refused() -> None:
    """(The day given to a void changes nothing of what may be voided.)"""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2024, 3, 1))
    app.log_work(request, work("t1", date(2024, 3, 10), "3"), actor="bob")
    inv = app.draft_request_invoice(request, drafted_on=date(2024, 4, 5), actor="billy")
    issue(app, inv, date(2024, 4, 5))
    with pytest.raises(InvalidTransition):
        app.void_invoice(inv, reason="late", actor="billy", voided_on=date(2024, 4, 6))
