"""An invoice that takes its gapless number must be one an e-invoice can be made of: the EN 16931
tax rules q2c knows without the seller's profile are checked when it is approved. A line
outside the scope of VAT (O) beside another category (BR-O-11), and reverse charge (AE) or an
intra-community supply (K) to a buyer without a VAT id (BR-AE-02, BR-IC-02), are refused then,
not after issue when the UBL renderer finds them. A customer is not registered, or moved, to
AE or K without a VAT id either."""

from __future__ import annotations

from datetime import date

import pytest
from test_story_invoice import approve, eur, manual

from q2c_core import (
    InvalidValue,
    InvoiceLine,
    InvoiceLinesRejected,
    InvoiceStatus,
    QuoteToCash,
    TaxCategory,
    TaxRate,
)

D = date(2024, 5, 1)
OUTSIDE = TaxRate.none(TaxCategory.OUTSIDE_SCOPE)
REVERSE = TaxRate.none(TaxCategory.REVERSE_CHARGE)
INTRA = TaxRate.none(TaxCategory.INTRA_COMMUNITY)


def with_tax(line: InvoiceLine, rate: TaxRate) -> InvoiceLine:
    return InvoiceLine(
        line.line_id, line.description, line.quantity, line.unit_price, rate, line.source
    )


def buyer(app: QuoteToCash, tax_id: str = "DE123456789", name: str = "Kunde GmbH") -> object:
    return app.register_customer(
        name, "EUR", account_manager="mia", actor="alice", country="DE", tax_id=tax_id,
        tax_rate=TaxRate.standard(19),
    )  # fmt: skip


def test_a_line_outside_the_scope_beside_another_category_is_refused_at_approval(
    app: QuoteToCash,
) -> None:
    cust = buyer(app)
    inv = app.draft_invoice(
        cust,  # type: ignore[arg-type]
        [with_tax(manual("L1", "100"), OUTSIDE), manual("L2", "100")],
        drafted_on=D,
        actor="billy",
    )
    with pytest.raises(InvoiceLinesRejected) as refused:
        approve(app, inv)
    assert "BR-O-11" in str(refused.value)
    assert app.invoice(inv).status is InvoiceStatus.DRAFT and not app.invoice(inv).approvals
    # an invoice all outside the scope is fine
    alone = app.draft_invoice(
        cust,  # type: ignore[arg-type]
        [with_tax(manual("L1", "100"), OUTSIDE)],
        drafted_on=D,
        actor="billy",
    )
    approve(app, alone)
    assert app.issue_invoice(alone, issued_on=D, actor="bea")


@pytest.mark.parametrize("rate", [REVERSE, INTRA])
def test_reverse_charge_or_intra_community_to_a_buyer_without_vat_id_is_refused_at_approval(
    app: QuoteToCash, rate: TaxRate
) -> None:
    no_vat = buyer(app, tax_id="")
    inv = app.draft_invoice(
        no_vat,  # type: ignore[arg-type]
        [with_tax(manual("L1", "100"), rate)],
        drafted_on=D,
        actor="billy",
    )
    with pytest.raises(InvoiceLinesRejected) as refused:
        approve(app, inv)
    assert "VAT id" in str(refused.value)
    # with the buyer's VAT id it is approved and issued
    app.correct_customer_details(no_vat, tax_id="DE123456789", actor="alice")  # type: ignore[arg-type]
    approve(app, inv)
    assert app.issue_invoice(inv, issued_on=D, actor="bea")


@pytest.mark.parametrize("rate", [REVERSE, INTRA])
def test_a_customer_is_not_registered_at_reverse_charge_without_a_vat_id(
    app: QuoteToCash, rate: TaxRate
) -> None:
    before = app.recorder.max_notification_id() or 0
    with pytest.raises(InvalidValue) as refused:
        app.register_customer(
            "NoVat Ltd", "EUR", account_manager="mia", actor="alice", tax_rate=rate,
            country="DE", address="x",
        )  # fmt: skip
    assert refused.value.field == "tax_id"
    assert (app.recorder.max_notification_id() or 0) == before


@pytest.mark.parametrize("rate", [REVERSE, INTRA])
def test_a_customer_without_a_vat_id_is_not_moved_to_reverse_charge(
    app: QuoteToCash, rate: TaxRate
) -> None:
    cust = buyer(app, tax_id="")
    with pytest.raises(InvalidValue) as refused:
        app.change_customer_tax_rate(cust, tax_rate=rate, effective=D, actor="alice")  # type: ignore[arg-type]
    assert refused.value.field == "tax_id"
    assert app.customer(cust).tax_rate == TaxRate.standard(19)  # type: ignore[arg-type]
    with_vat = buyer(app, name="Other GmbH")
    assert app.change_customer_tax_rate(with_vat, tax_rate=rate, effective=D, actor="alice")  # type: ignore[arg-type]


def test_a_credit_note_of_an_invoice_is_approved_as_its_invoice_was(app: QuoteToCash) -> None:
    cust = buyer(app)
    inv = app.draft_invoice(
        cust,  # type: ignore[arg-type]
        [with_tax(manual("L1", "100"), REVERSE)],
        drafted_on=D,
        actor="billy",
    )
    approve(app, inv)
    app.issue_invoice(inv, issued_on=D, actor="bea")
    from q2c_core import CreditDisposition

    note = app.draft_credit_note(
        inv, line_ids=["L1"], disposition=CreditDisposition.WRITTEN_OFF, reason="goodwill",
        drafted_on=D, actor="billy",
    )  # fmt: skip
    approve(app, note)
    assert app.issue_invoice(note, issued_on=D, actor="bea")
    assert eur(0) == app.invoice(inv).outstanding
