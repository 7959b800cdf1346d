"""Voiding and issuing an invoice keep the history honest about its days and its buyer.

A void says on which business day it happened, and not before the invoice's sign-offs: the past
days' unbilled work reads from the draft and void days. A reverse-charge invoice takes its
gapless number only while the buyer still has the VAT id the e-invoice must name."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from test_projections_story import authorized_request, eur, work

from q2c_core import (
    CreditDisposition,
    InvalidValue,
    InvoiceLine,
    InvoiceLinesRejected,
    InvoiceStatus,
    LineSource,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    SourceKind,
    TaxCategory,
    TaxRate,
)

A = "alice"


def drafted_march_work(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme's request authorized on 1 March; 2 hours (200.00) logged on 5 March, billed by a
    draft of 8 March."""
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    request = authorized_request(app, customer, "Export", date(2024, 3, 1))
    app.log_work(request, work("t1", date(2024, 3, 5), "2"), actor="bob")
    draft = app.draft_request_invoice(request, drafted_on=date(2024, 3, 8), actor="billy")
    return customer, request, draft


def test_a_void_without_its_day_is_refused_and_the_past_stays_as_it_was() -> None:
    """The draft of 8 March held the work: unbilled on 10 March is 0.00. Voiding it without
    saying on which day would read as if the draft never held the work (200.00 on 10 March):
    refused, naming ``voided_on``, nothing recorded."""
    app = QuoteToCash.open("memory:")
    _customer, request, draft = drafted_march_work(app)
    assert app.unbilled_work(request, as_of=date(2024, 3, 10)) == eur(0)

    with pytest.raises(InvalidValue) as refused:
        app.void_invoice(draft, reason="wrong PO", actor="billy", voided_on=None)  # type: ignore[arg-type]
    assert refused.value.field == "voided_on"
    invoice = app.invoice(draft)
    assert invoice.status is InvoiceStatus.DRAFT and invoice.voided_on is None
    assert app.unbilled_work(request, as_of=date(2024, 3, 10)) == eur(0)
    assert app.unbilled_work(request) == eur(0)  # still held by the draft

    app.void_invoice(draft, reason="wrong PO", actor="billy", voided_on=date(2024, 3, 12))
    assert app.unbilled_work(request, as_of=date(2024, 3, 10)) == eur(0)
    assert app.unbilled_work(request, as_of=date(2024, 3, 12)) == eur(200)


def _drop_voided_on(db: Path) -> int:
    """Take ``voided_on`` out of stored ``Voided`` events, as voids were recorded before they
    carried their day."""
    changed = 0
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version, state FROM stored_events "
            "WHERE topic LIKE '%Invoice.Voided'"
        ).fetchall()
        for oid, version, state in rows:
            facts = json.loads(bytes(state).decode())
            facts.pop("voided_on")
            conn.execute(
                "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
                (json.dumps(facts, separators=(",", ":")).encode(), oid, version),
            )
            changed += 1
    return changed


@pytest.mark.parametrize("recorded", ["as None", "without the fact"])
def test_a_void_recorded_without_its_day_before_the_rule_still_reads_as_before(
    tmp_path: Path, recorded: str
) -> None:
    """A ``Voided`` event an older q2c recorded without its day (``voided_on`` None, or no
    such fact at all) still loads from the SQLite file, and still reads as a draft that held
    the work on no day, as it read before the rule."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    _customer, _request, draft = drafted_march_work(app)
    invoice = app.invoice(draft)
    # the event as an older q2c recorded it (the checks of new voids are newer)
    Aggregate.trigger_event(
        invoice, type(invoice).Voided, reason="wrong PO", actor="billy", voided_on=None
    )
    app.save(invoice)
    app.close()
    if recorded == "without the fact":
        assert _drop_voided_on(db) == 1

    again = QuoteToCash.open(f"sqlite:///{db}")
    invoice = again.invoice(draft)
    assert invoice.status is InvoiceStatus.VOIDED and invoice.voided_on is None
    assert invoice.void_reason == "wrong PO"
    assert not invoice.holds_work_on(date(2024, 3, 10))
    again.close()


def test_a_void_dated_before_the_invoice_was_approved_is_refused() -> None:
    """The draft of 8 March is signed off on 12 March by both roles: voiding it "on 9 March"
    would say it was voided before it was approved, the days between reading the work as
    unbilled while it was being signed off. Refused, naming ``voided_on``, nothing recorded;
    voided on 12 March it is."""
    app = QuoteToCash.open("memory:")
    _customer, request, draft = drafted_march_work(app)
    app.approve_invoice(draft, role="billing", approved_on=date(2024, 3, 12), actor="bea")
    app.approve_invoice(draft, role="account_manager", approved_on=date(2024, 3, 12), actor="mia")
    before = app.recorder.max_notification_id()

    with pytest.raises(RuleViolated) as refused:
        app.void_invoice(draft, reason="duplicate", actor="billy", voided_on=date(2024, 3, 9))
    assert refused.value.field == "voided_on"
    assert "approved" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    invoice = app.invoice(draft)
    assert invoice.status is InvoiceStatus.APPROVED and invoice.voided_on is None
    assert app.unbilled_work(request, as_of=date(2024, 3, 10)) == eur(0)

    app.void_invoice(draft, reason="duplicate", actor="billy", voided_on=date(2024, 3, 12))
    invoice = app.invoice(draft)
    assert invoice.voided_on == date(2024, 3, 12) == invoice.approved_through
    assert app.unbilled_work(request, as_of=date(2024, 3, 11)) == eur(0)
    assert app.unbilled_work(request, as_of=date(2024, 3, 12)) == eur(200)


def test_a_draft_signed_off_by_one_role_is_not_voided_before_that_sign_off() -> None:
    """Only billing signed off, on 11 March (the draft still a draft): a void of 10 March is
    refused too; one of 11 March is recorded."""
    app = QuoteToCash.open("memory:")
    _customer, _request, draft = drafted_march_work(app)
    app.approve_invoice(draft, role="billing", approved_on=date(2024, 3, 11), actor="bea")
    with pytest.raises(RuleViolated) as refused:
        app.void_invoice(draft, reason="duplicate", actor="billy", voided_on=date(2024, 3, 10))
    assert refused.value.field == "voided_on"
    assert app.invoice(draft).status is InvoiceStatus.DRAFT
    app.void_invoice(draft, reason="duplicate", actor="billy", voided_on=date(2024, 3, 11))
    assert app.invoice(draft).voided_on == date(2024, 3, 11)


def reverse_charged_beta(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Beta GmbH (DE123456789) is billed 500.00 of consulting under reverse charge, drafted on
    8 March, signed off on 9 March by billing and the account manager."""
    beta = app.register_customer(
        "Beta GmbH",
        "EUR",
        account_manager="mia",
        actor=A,
        tax_rate=TaxRate.standard(19),
        tax_id="DE123456789",
        country="DE",
    )
    line = InvoiceLine(
        line_id="L1",
        description="Consulting (reverse charge)",
        quantity=Decimal(1),
        unit_price=eur(500),
        tax=TaxRate.none(TaxCategory.REVERSE_CHARGE),
        source=LineSource(SourceKind.MANUAL),
        revenue_kind=RevenueKind.OTHER,
    )
    invoice = app.draft_invoice(beta, [line], drafted_on=date(2024, 3, 8), actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=date(2024, 3, 9), actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=date(2024, 3, 9), actor="mia")
    return beta, invoice


def test_a_reverse_charge_invoice_is_not_issued_once_the_buyer_s_vat_id_is_gone() -> None:
    """Beta's VAT id is cleared after the sign-off: issued, the reverse-charge invoice would
    take its gapless number and name a buyer without the VAT id the e-invoice must carry
    (BR-AE-02). Refused, ``InvoiceLinesRejected``, nothing recorded, no number used; with the
    VAT id given again it is issued as the series' first number."""
    app = QuoteToCash.open("memory:")
    beta, invoice = reverse_charged_beta(app)
    assert app.correct_customer_details(beta, actor=A, tax_id="")
    before = app.recorder.max_notification_id()

    with pytest.raises(InvoiceLinesRejected) as refused:
        app.issue_invoice(invoice, issued_on=date(2024, 3, 10), actor="bea")
    assert "VAT id" in str(refused.value) and "BR-AE-02" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).status is InvoiceStatus.APPROVED
    assert app.invoice(invoice).number is None

    app.correct_customer_details(beta, actor=A, tax_id="DE123456789")
    number = app.issue_invoice(invoice, issued_on=date(2024, 3, 10), actor="bea")
    issued = app.invoice(invoice)
    assert issued.number == number and number.endswith("1")
    assert issued.buyer is not None and issued.buyer.tax_id == "DE123456789"


def test_a_credit_note_of_a_reverse_charge_invoice_names_the_buyer_it_was_issued_to() -> None:
    """The invoice issued to Beta with its VAT id; the VAT id cleared since: the credit note
    mirrors the invoice and names the buyer it was issued to, so it is still issued."""
    app = QuoteToCash.open("memory:")
    beta, invoice = reverse_charged_beta(app)
    app.issue_invoice(invoice, issued_on=date(2024, 3, 10), actor="bea")
    app.correct_customer_details(beta, actor=A, tax_id="")
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="not delivered",
        drafted_on=date(2024, 3, 15),
        actor="billy",
    )
    app.approve_invoice(note, role="billing", approved_on=date(2024, 3, 15), actor="bea")
    app.approve_invoice(note, role="account_manager", approved_on=date(2024, 3, 15), actor="mia")
    app.issue_invoice(note, issued_on=date(2024, 3, 15), actor="bea")
    issued = app.invoice(note)
    assert issued.buyer is not None and issued.buyer.tax_id == "DE123456789"
