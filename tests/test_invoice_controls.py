"""The controls around an invoice that a person could slip past: a wrongly typed line that would
be recorded and then never read back, an hourly line that bills more hours than it states, one
person approving twice under two spellings of a name, an invoice issued before it was approved,
and a card number pasted where nobody looked for one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_story_invoice import D, approve, customer, eur, worked_request

from q2c_core import (
    ApprovalPolicy,
    ApprovalRefused,
    CardNumberRefused,
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
    TaxRate,
    TimeEntry,
)
from q2c_core.domain import event_facts, invoice_lines

CARD = "4111 1111 1111 1111"


def line(**changes: Any) -> InvoiceLine:
    fields: dict[str, Any] = {
        "line_id": "L1",
        "description": "Consulting",
        "quantity": Decimal(1),
        "unit_price": eur(100),
        "tax": TaxRate.standard(21),
        "source": LineSource(SourceKind.MANUAL, note="agreed by phone"),
        "revenue_kind": RevenueKind.OTHER,
    }
    fields.update(changes)
    return InvoiceLine(**fields)


@pytest.mark.parametrize(
    ("field", "wrong"),
    [
        ("tax", Decimal("21")),
        ("unit_price", Decimal("100")),
        ("source", "manual"),
        ("revenue_kind", "other"),
        ("price_reason", 7),
        ("description", None),
    ],
)
def test_a_line_of_the_wrong_type_is_refused_when_it_is_made(field: str, wrong: object) -> None:
    """A tax given as 21 instead of a TaxRate was drafted and recorded: the invoice could never
    be read back, nor any query over its customer's invoices. It is refused on the spot,
    naming the field, and nothing is recorded."""
    with pytest.raises(InvalidValue) as refused:
        line(**{field: wrong})
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("field", "wrong"),
    [
        ("kind", "work"),
        ("request_id", "R-1"),
        ("period", ("2024-01-01", "2024-02-01")),
        ("fixed_price", "no"),
        ("time_entry_ids", [1, 2]),
    ],
)
def test_a_source_of_the_wrong_type_is_refused_too(field: str, wrong: object) -> None:
    fields: dict[str, Any] = {"kind": SourceKind.WORK, field: wrong}
    with pytest.raises(InvalidValue) as refused:
        LineSource(**fields)
    assert refused.value.field == field


def test_a_card_number_in_a_line_s_note_or_price_reason_is_never_stored() -> None:
    """``draft_invoice`` scanned only a line's description: a card number in its source's note
    or its price reason was stored. Refused, naming the text, nothing recorded."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    before = app.recorder.max_notification_id()
    for bad, field in (
        (line(source=LineSource(SourceKind.MANUAL, note=f"paid by card {CARD}")), "note"),
        (line(unit_price=eur(0), price_reason=f"goodwill, card {CARD}"), "price_reason"),
    ):
        with pytest.raises(CardNumberRefused) as refused:
            app.draft_invoice(cust, [bad], drafted_on=D, actor="billy")
        assert refused.value.field == f"lines.L1.{field}"
    assert app.recorder.max_notification_id() == before


def test_an_hourly_line_bills_no_more_hours_than_were_logged_whatever_it_states() -> None:
    """4 hours were logged on t1. A line stating those 4 hours but billing 40, or stating
    nothing and billing 40, was approved and issued for 4,000.00: approval now refuses both."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    request = worked_request(app, cust)
    for hours in (Decimal(4), None):
        source = LineSource(
            SourceKind.WORK, request_id=request, time_entry_ids=("t1",), hours=hours
        )
        invoice = app.draft_invoice(
            cust, [line(quantity=Decimal(40), source=source)], drafted_on=D, actor="billy"
        )
        before = app.recorder.max_notification_id()
        with pytest.raises(InvoiceLinesRejected) as refused:
            app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
        assert "bills 40 hours but only 4 were logged" in str(refused.value)
        assert app.recorder.max_notification_id() == before
        app.void_invoice(invoice, reason="wrong hours", actor="billy", voided_on=D)
    # the 4 hours logged, billed as 4, are approved as before
    right = LineSource(SourceKind.WORK, request_id=request, time_entry_ids=("t1",), hours=4)
    invoice = app.draft_invoice(
        cust, [line(quantity=Decimal(4), source=right)], drafted_on=D, actor="billy"
    )
    approve(app, invoice)
    assert app.invoice(invoice).approved_through == D


def test_one_person_approves_once_however_the_name_is_written() -> None:
    """Billy drafted the invoice and signed as billing; "Billy " as account manager was taken
    for someone else and the invoice went out on one person's word."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    invoice = app.draft_invoice(cust, [line()], drafted_on=D, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
    before = app.recorder.max_notification_id()
    with pytest.raises(ApprovalRefused) as refused:
        app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="Bea ")
    assert refused.value.field == "actor"
    assert app.recorder.max_notification_id() == before

    # with one role to sign, the drafter may not be its only approver, by any spelling
    alone = QuoteToCash.open("memory:", approval_policy=ApprovalPolicy(roles=("billing",)))
    cust = customer(alone)
    invoice = alone.draft_invoice(cust, [line()], drafted_on=D, actor="billy")
    with pytest.raises(ApprovalRefused) as refused:
        alone.approve_invoice(invoice, role="billing", approved_on=D, actor="Billy ")
    assert "cannot be its only approver" in str(refused.value)


@pytest.mark.parametrize(
    "same_person",
    ["ｂｅａ", "bea\u200b", "\u200dBea", "b\u00adea", "\u3000bea\u00a0"],
    ids=["full-width", "zero-width space", "zero-width joiner", "soft hyphen", "odd spaces"],
)
def test_one_person_approves_once_however_the_name_was_typed(same_person: str) -> None:
    """Bea signed as billing; her name typed on a phone in full-width letters, or pasted from
    a chat with an invisible character in it, was taken for another approver and the invoice
    went out on her word alone."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    invoice = app.draft_invoice(cust, [line()], drafted_on=D, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
    before = app.recorder.max_notification_id()
    with pytest.raises(ApprovalRefused) as refused:
        app.approve_invoice(invoice, role="account_manager", approved_on=D, actor=same_person)
    assert refused.value.field == "actor"
    assert app.recorder.max_notification_id() == before
    # Béa is another person's name: an accent is not a typing accident
    app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="Béa")
    assert app.invoice(invoice).status is InvoiceStatus.APPROVED


def test_an_invoice_is_not_issued_before_its_last_approval() -> None:
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    invoice = app.draft_invoice(cust, [line()], drafted_on=D, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
    later = D.replace(day=20)
    app.approve_invoice(invoice, role="account_manager", approved_on=later, actor="mia")
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.issue_invoice(invoice, issued_on=D, actor="bea")
    assert refused.value.field == "issued_on"
    assert app.recorder.max_notification_id() == before
    assert app.issue_invoice(invoice, issued_on=later, actor="bea") == "INV-000001"


def test_a_disposition_or_a_deposit_of_the_wrong_type_is_refused_naming_it() -> None:
    """``disposition="corrected"`` slipped past the refusal of CORRECTED (it only matched the
    enum) and was stored as text; a deposit of a bare Decimal failed with an AttributeError."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    invoice = app.draft_invoice(cust, [line()], drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    before = app.recorder.max_notification_id()
    for wrong in ("corrected", "rebillable"):
        with pytest.raises(InvalidValue) as refused:
            app.draft_credit_note(
                invoice,
                line_ids=["L1"],
                disposition=wrong,  # type: ignore[arg-type]
                reason="wrong",
                drafted_on=D,
                actor="billy",
            )
        assert refused.value.field == "disposition"
    with pytest.raises(InvalidValue) as refused:
        app.draft_credit_note(
            invoice,
            line_ids="L1",
            disposition=CreditDisposition.WRITTEN_OFF,
            reason="wrong",
            drafted_on=D,
            actor="billy",
        )
    assert refused.value.field == "line_ids"
    with pytest.raises(InvalidValue) as refused:
        app.draft_deposit_invoice(
            cust,
            Decimal("300"),  # type: ignore[arg-type]
            description="deposit",
            drafted_on=D,
            actor="billy",
        )
    assert refused.value.field == "amount"
    assert app.recorder.max_notification_id() == before


def test_a_control_character_pasted_into_text_is_refused_where_it_is_typed() -> None:
    """A vertical tab pasted from a spreadsheet into a request's title was recorded, billed
    and issued; the e-invoice could then only show it as a space. It is refused where it is
    typed, naming the field; tabs and line breaks are text."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.open_request(cust, "Export\x0bto CSV", requested_on=D, actor="bea")
    assert refused.value.field == "title"
    with pytest.raises(InvalidValue) as refused:
        app.draft_invoice(cust, [line(description="Consulting\x0b")], drafted_on=D, actor="b")
    assert refused.value.field == "lines.L1.description"
    with pytest.raises(InvalidValue) as refused:  # (a worker's name ends up on the invoice)
        app.log_work(
            worked_request(app, cust),
            TimeEntry("t9", "dana\x0bsmith", D, Decimal(2), eur(100)),
            actor="dana",
        )
    assert refused.value.field == "entry.worker"
    assert app.recorder.max_notification_id() > before  # (only the request's own story)
    app.open_request(cust, "Export\tto CSV", requested_on=D, actor="bea")
    app.draft_invoice(cust, [line(description="Consulting,\nthree days")], drafted_on=D, actor="b")


def test_a_history_recorded_before_these_rules_still_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line whose text holds a control character or a card number, recorded when q2c still
    took them, is read back (the rules apply where text comes in, not when a stored line is
    read): its invoice and its customer's summary load, in a new process's view."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with monkeypatch.context() as patched:
        for module in (event_facts, invoice_lines):
            patched.setattr(module, "refuse_control_characters", lambda *_, **__: None)
            patched.setattr(module, "refuse_card_numbers", lambda *_, **__: None)
        app = QuoteToCash.open(url)
        cust = customer(app)
        invoice = app.draft_invoice(
            cust,
            [line(description="Migration\x0bphase 2", price_reason=f"card {CARD}")],
            drafted_on=D,
            actor="billy",
        )
        app.close()
    again = QuoteToCash.open(url)
    assert again.invoice(invoice).lines[0].description == "Migration\x0bphase 2"
    assert again.customer_summary(cust) is not None
    again.close()
