"""An invoice is recorded forever, so what would make it unreadable later is refused when it is
drafted: a kind given as text ("standard") rather than an ``InvoiceKind``, and a line whose net
(or the invoice's total) is beyond what Money holds, an EAN-13 pasted into the quantity. Each
is refused with ``InvalidValue`` naming the field, and nothing is recorded."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from test_story_invoice import D, approve, customer, eur, manual

from q2c_core import InvalidValue, InvoiceKind, InvoiceLine, QuoteToCash
from q2c_core.domain.invoice import ApprovalPolicy, Invoice


def recorded(app: QuoteToCash) -> int:
    return app.recorder.max_notification_id() or 0


def huge(line_id: str = "L1") -> InvoiceLine:
    line = manual(line_id, "250.00")
    return InvoiceLine(
        line.line_id,
        line.description,
        Decimal("4006381333931"),  # an EAN-13 pasted into the quantity
        line.unit_price,
        line.tax,
        line.source,
    )


@pytest.mark.parametrize("kind", ["standard", "deposit", None, 1])
def test_a_kind_given_as_text_is_refused_and_nothing_is_recorded(
    app: QuoteToCash, kind: Any
) -> None:
    cust = customer(app)
    before = recorded(app)
    with pytest.raises(InvalidValue) as refused:
        app.draft_invoice(cust, [manual("L1", "100")], drafted_on=D, actor="billy", kind=kind)
    assert refused.value.field == "kind"
    assert recorded(app) == before


def test_the_invoice_itself_refuses_a_kind_that_is_not_an_invoice_kind() -> None:
    with pytest.raises(InvalidValue) as refused:
        Invoice(
            customer_id=uuid4(),
            kind="standard",  # type: ignore[arg-type]
            currency="EUR",
            lines=[manual("L1", "100")],
            drafted_on=D,
            actor="billy",
            approval_policy=ApprovalPolicy(),
        )
    assert refused.value.field == "kind"


def test_a_history_with_a_kind_recorded_as_text_still_loads(tmp_path: Path) -> None:
    """A draft recorded before the rule (its kind stored as text) still reads back."""
    from conftest import rewrite_stored_event

    db = tmp_path / "old.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    cust = customer(app)
    inv = app.draft_invoice(cust, [manual("L1", "100")], drafted_on=D, actor="billy")
    app.close()

    def as_text(facts: dict[str, Any]) -> None:
        facts["kind"] = "standard"  # (stored as a plain string, not the enum's topic)

    rewrite_stored_event(db, "Invoice.Drafted", as_text)
    app = QuoteToCash.open(f"sqlite:///{db}")
    try:
        assert app.invoice(inv).kind == "standard"  # (read back as it was recorded)
        assert app.invoice(inv).lines[0].line_id == "L1"
    finally:
        app.close()


def test_a_line_whose_net_is_out_of_range_is_refused_naming_the_line(app: QuoteToCash) -> None:
    cust = customer(app)
    before = recorded(app)
    with pytest.raises(InvalidValue) as refused:
        app.draft_invoice(cust, [manual("L1", "100"), huge("L2")], drafted_on=D, actor="billy")
    assert refused.value.field == "lines.L2"
    assert "out of range" in str(refused.value)
    assert recorded(app) == before


def test_lines_each_in_range_whose_total_is_not_are_refused(app: QuoteToCash) -> None:
    cust = customer(app)
    big = [
        InvoiceLine(
            f"L{i}",
            "Licence",
            Decimal(1),
            eur("900000000000000"),
            manual("L1", "1").tax,
            manual("L1", "1").source,
        )
        for i in range(1, 3)
    ]
    before = recorded(app)
    with pytest.raises(InvalidValue) as refused:
        app.draft_invoice(cust, big, drafted_on=D, actor="billy")
    assert refused.value.field == "lines"
    assert recorded(app) == before


def test_lines_added_to_a_draft_are_checked_as_drafted_ones_are(app: QuoteToCash) -> None:
    cust = customer(app)
    inv = app.draft_invoice(cust, [manual("L1", "100")], drafted_on=D, actor="billy")
    invoice = app.invoice(inv)
    with pytest.raises(InvalidValue) as refused:
        invoice.add_lines([huge("L2")], "billy")
    assert refused.value.field == "lines.L2"
    # the draft recorded stays whole: its total, approval and issue work
    assert app.invoice(inv).total == eur("121.00")
    approve(app, inv)
    assert app.issue_invoice(inv, issued_on=D, actor="bea")


def test_a_deposit_invoice_is_drafted_with_its_kind(app: QuoteToCash) -> None:
    cust = customer(app)
    dep = app.draft_deposit_invoice(
        cust, eur(400), description="Deposit", drafted_on=D, actor="billy"
    )
    assert app.invoice(dep).kind is InvoiceKind.DEPOSIT
