"""An invoice line says, in text someone can read, what it bills and why it is billed at no
price or less than nothing: a zero-width space pasted in the description or the discount's
reason states nothing, however ``strip`` reads it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import (
    CreditDisposition,
    InvalidValue,
    InvoiceLine,
    InvoiceLinesRejected,
    InvoiceStatus,
    LineSource,
    QuoteToCash,
    SourceKind,
    TaxRate,
)
from q2c_core.domain.money import Money

ZERO_WIDTH = "\u200b"


def line(line_id: str, description: str, price: str, reason: str | None = None) -> InvoiceLine:
    return InvoiceLine(
        line_id=line_id,
        description=description,
        quantity=Decimal(1),
        unit_price=Money.of(price, "EUR"),
        tax=TaxRate.standard(19),
        source=LineSource(SourceKind.MANUAL),
        price_reason=reason,
    )


def test_a_discount_whose_reason_is_a_zero_width_space_is_not_approved() -> None:
    """Acme's invoice bills 100.00 of consulting less a 10.00 discount whose reason is a
    zero-width space pasted from a chat: approval refuses it as a discount without a reason,
    nothing recorded; with "loyalty discount" it is approved."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    invoice = app.draft_invoice(
        acme,
        [line("L1", "consulting", "100"), line("L2", "discount", "-10", reason=ZERO_WIDTH)],
        drafted_on=date(2026, 3, 2),
        actor="billy",
    )
    with pytest.raises(InvoiceLinesRejected) as refused:
        app.approve_invoice(invoice, role="billing", approved_on=date(2026, 3, 3), actor="bob")
    assert "line L2 has a zero or negative amount without a reason" in str(refused.value)
    assert app.invoice(invoice).approvals == []

    fixed = app.draft_invoice(
        acme,
        [line("L1", "consulting", "100"), line("L2", "discount", "-10", "loyalty discount")],
        drafted_on=date(2026, 3, 2),
        actor="billy",
    )
    app.approve_invoice(fixed, role="billing", approved_on=date(2026, 3, 3), actor="bob")
    app.approve_invoice(fixed, role="account_manager", approved_on=date(2026, 3, 3), actor="mia")
    assert app.invoice(fixed).status is InvoiceStatus.APPROVED


@pytest.mark.parametrize("description", [ZERO_WIDTH, "\u2060\u200b", "\u3164"])
def test_a_line_whose_description_is_invisible_is_refused_when_drafted(description: str) -> None:
    """A line described by invisible characters only would print an invoice that does not say
    what it bills: refused naming ``lines.L1.description``, nothing recorded."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    with pytest.raises(InvalidValue) as refused:
        app.draft_invoice(
            acme, [line("L1", description, "100")], drafted_on=date(2026, 3, 2), actor="billy"
        )
    assert refused.value.field == "lines.L1.description"
    assert app.invoices(acme) == []


def _issued_invoice(app: QuoteToCash) -> tuple[object, object]:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    invoice = app.draft_invoice(
        acme, [line("L1", "consulting", "100")], drafted_on=date(2026, 3, 2), actor="billy"
    )
    app.approve_invoice(invoice, role="billing", approved_on=date(2026, 3, 2), actor="bob")
    app.approve_invoice(invoice, role="account_manager", approved_on=date(2026, 3, 2), actor="mia")
    app.issue_invoice(invoice, issued_on=date(2026, 3, 3), actor="billy")
    return acme, invoice


@pytest.mark.parametrize("reason", [ZERO_WIDTH, "\u2060", " \u200b "])
def test_a_void_or_a_credit_note_whose_reason_is_invisible_is_refused(reason: str) -> None:
    """An auditor reads why a draft was voided and why an invoice was credited. A reason of
    invisible characters only (pasted from a chat) says nothing: the void and the credit note
    are refused naming ``reason``, nothing recorded; a reason in words is taken."""
    app = QuoteToCash.open("memory:")
    acme, invoice = _issued_invoice(app)
    draft = app.draft_invoice(
        acme, [line("L1", "consulting", "80")], drafted_on=date(2026, 3, 4), actor="billy"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.void_invoice(draft, reason=reason, actor="billy", voided_on=date(2026, 3, 5))
    assert refused.value.field == "reason"
    with pytest.raises(InvalidValue) as refused:
        app.draft_credit_note(
            invoice,  # type: ignore[arg-type]
            line_ids=["L1"],
            disposition=CreditDisposition.WRITTEN_OFF,
            reason=reason,
            drafted_on=date(2026, 3, 5),
            actor="billy",
        )
    assert refused.value.field == "reason"
    assert app.recorder.max_notification_id() == before
    assert app.invoice(draft).status is InvoiceStatus.DRAFT

    app.void_invoice(draft, reason="duplicate", actor="billy", voided_on=date(2026, 3, 5))
    assert app.invoice(draft).void_reason == "duplicate"
    note = app.draft_credit_note(
        invoice,  # type: ignore[arg-type]
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="service not delivered",
        drafted_on=date(2026, 3, 5),
        actor="billy",
    )
    assert app.invoice(note).note == "service not delivered"
