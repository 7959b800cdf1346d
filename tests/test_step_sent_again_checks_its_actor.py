"""A command sent again after a lost response records nothing, but who sends it is still
checked as its event checks it (``_require_actor``, as a bounce, a reversal, a write-off or a
top-up sent again is): a blank, non-text, invisible or control-character actor is refused,
``InvalidValue`` naming ``actor``, not answered as a repeat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from test_invoice_controls import line
from test_story_invoice import D, approve, customer, eur, worked_request

from q2c_core import CreditDisposition, InvalidValue, QuoteToCash

BAD_ACTORS: list[Any] = ["", "   ", "\u200b", "bi\x00lly", 5, None]


def refused_naming_actor(app: QuoteToCash, repeats: list[Callable[[], object]]) -> None:
    """Each repeat is refused naming ``actor``, and none of them records anything."""
    before = app.recorder.max_notification_id()
    for repeat in repeats:
        with pytest.raises(InvalidValue) as refused:
            repeat()
        assert refused.value.field == "actor"
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize("actor", BAD_ACTORS)
def test_a_repeat_with_an_actor_no_event_can_hold_is_refused(actor: Any) -> None:
    app = QuoteToCash.open("memory:")
    acme = customer(app)
    request = worked_request(app, acme)
    draft = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    app.void_invoice(draft, reason="wrong", actor="billy", voided_on=D)
    invoice = app.draft_invoice(acme, [line()], drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    asked: dict[str, Any] = {
        "line_ids": ["L1"],
        "disposition": CreditDisposition.WRITTEN_OFF,
        "reason": "goodwill",
        "drafted_on": D,
    }
    app.draft_credit_note(invoice, actor="billy", **asked)
    quoted = app.open_request(acme, "Q", requested_on=D, actor="al")
    app.estimate_request(quoted, hours=10, rate=eur(100), actor="al")
    app.send_quote(quoted, sent_on=D, actor="al")
    app.decline_request(quoted, reason="no", actor="al")
    keyed = worked_request(app, acme)
    app.draft_request_invoice(keyed, drafted_on=D, actor="billy", key="K-1")
    cancelled = app.open_request(acme, "C", requested_on=D, actor="al")
    app.cancel_request(cancelled, reason="not needed", cancelled_on=D, actor="al")
    po = {"number": "PO-1", "amount": eur(1000), "received_on": date(2024, 3, 3)}
    repeats: list[Callable[[], object]] = [
        lambda: app.void_invoice(draft, reason="wrong", actor=actor, voided_on=D),
        lambda: app.issue_invoice(invoice, issued_on=D, actor=actor),
        lambda: app.draft_credit_note(invoice, actor=actor, **asked),
        lambda: app.send_quote(quoted, sent_on=D, actor=actor),
        lambda: app.decline_request(quoted, reason="no", actor=actor),
        lambda: app.receive_purchase_order(request, actor=actor, **po),
        lambda: app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=actor),
        lambda: app.complete_request(request, completed_on=date(2024, 3, 7), actor=actor),
        lambda: app.draft_request_invoice(keyed, drafted_on=D, actor=actor, key="K-1"),
        lambda: app.cancel_request(cancelled, reason="not needed", cancelled_on=D, actor=actor),
    ]
    refused_naming_actor(app, repeats)
    app.close()


@pytest.mark.parametrize("actor", BAD_ACTORS)
def test_an_allocation_or_a_refund_sent_again_by_nobody_is_refused(actor: Any) -> None:
    """Bea's tool allocates 20.00 under REM-7 and refunds 10.00 under SEPA-OUT-1, then sends
    each again naming nobody: refused naming ``actor``, as the first call would have been,
    not answered with the allocation or the refund made."""
    app = QuoteToCash.open("memory:")
    acme = customer(app)
    invoice = app.draft_invoice(acme, [line()], drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    pay = app.receive_payment(acme, eur(100), received_on=D, reference="TR-1", actor="bea")
    allocated = {"allocated_on": D, "reference": "REM-7"}
    app.allocate_payment(pay, [(invoice, eur(20))], actor="bea", **allocated)
    refunded = {"refunded_on": D, "reference": "SEPA-OUT-1"}
    app.refund_customer_credit(acme, eur(10), actor="bea", **refunded)
    repeats: list[Callable[[], object]] = [
        lambda: app.allocate_payment(pay, [(invoice, eur(20))], actor=actor, **allocated),
        lambda: app.refund_customer_credit(acme, eur(10), actor=actor, **refunded),
        lambda: app.instruct_refund(acme, eur(10), actor=actor, **refunded),
    ]
    refused_naming_actor(app, repeats)
    app.close()


@pytest.mark.parametrize("actor", BAD_ACTORS)
def test_an_approval_sent_again_by_nobody_is_refused_naming_actor(actor: Any) -> None:
    """Bea signs off for billing on one draft; both roles sign off on another, now approved;
    each sign-off sent again naming nobody is refused naming ``actor`` (not the role signed
    already nor the invoice's status), nothing recorded."""
    app = QuoteToCash.open("memory:")
    acme = customer(app)
    half = app.draft_invoice(acme, [line()], drafted_on=D, actor="billy")
    app.approve_invoice(half, role="billing", approved_on=D, actor="bea")
    approved = app.draft_invoice(acme, [line()], drafted_on=D, actor="billy")
    approve(app, approved)
    repeats: list[Callable[[], object]] = [
        lambda: app.approve_invoice(half, role="billing", approved_on=D, actor=actor),
        lambda: app.approve_invoice(approved, role="billing", approved_on=D, actor=actor),
        lambda: app.approve_invoice(approved, role="account_manager", approved_on=D, actor=actor),
    ]
    refused_naming_actor(app, repeats)
    assert app.approve_invoice(half, role="billing", approved_on=D, actor="bea") is False
    app.close()
