"""A sign-off sent again after a lost response (same role, same person, same day) is the same
approval: it records nothing and says so (False), as a receipt or a bounce sent again does,
instead of being refused as a second approval for the role ("role 'billing' has already
approved") or, once it was the last one, as an approval of an approved invoice. Another person
for the role, or the same person on another day, is still refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_invoice_controls import line
from test_story_invoice import D, customer

from q2c_core import ApprovalRefused, InvoiceStatus, QuoteToCash


def test_an_approval_sent_again_records_nothing(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    invoice = app.draft_invoice(customer(app), [line()], drafted_on=D, actor="billy")
    assert app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea") is True
    before = app.recorder.max_notification_id()
    assert app.approve_invoice(invoice, role="billing", approved_on=D, actor="Bea ") is False
    assert app.recorder.max_notification_id() == before
    with pytest.raises(ApprovalRefused) as refused:
        app.approve_invoice(invoice, role="billing", approved_on=D, actor="carl")
    assert refused.value.field == "role"

    assert app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="mia")
    assert app.invoice(invoice).status is InvoiceStatus.APPROVED
    before = app.recorder.max_notification_id()
    # the last sign-off sent again: the invoice is approved by it already
    assert not app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="mia")
    assert app.recorder.max_notification_id() == before
    assert [(a.role, a.actor) for a in app.invoice(invoice).approvals] == [
        ("billing", "bea"),
        ("account_manager", "mia"),
    ]
    assert app.issue_invoice(invoice, issued_on=D, actor="bea") == "INV-000001"
