"""A deposit deducted on a final invoice drafted by hand: the deduction takes line ids the
invoice does not hold yet, whatever ids its own lines were given."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from q2c_core import (
    InvoiceLine,
    LineSource,
    QuoteToCash,
    SourceKind,
    TaxRate,
)
from q2c_core.domain.money import Money

NINETEEN = TaxRate.standard(19)


def line(line_id: str, quantity: str, price: str) -> InvoiceLine:
    return InvoiceLine(
        line_id=line_id,
        description=f"project work {line_id}",
        quantity=Decimal(quantity),
        unit_price=Money.of(price, "EUR"),
        tax=NINETEEN,
        source=LineSource(SourceKind.MANUAL),
    )


def approved(app: QuoteToCash, invoice: UUID, day: date) -> None:
    app.approve_invoice(invoice, role="billing", approved_on=day, actor="bob")
    app.approve_invoice(invoice, role="account_manager", approved_on=day, actor="mia")


def test_a_deposit_is_deducted_on_a_final_invoice_whose_lines_skip_an_id() -> None:
    """Acme paid a 500.00 deposit (595.00 with tax) for its project. The final invoice is
    drafted by hand with lines L1 and L3 (L2 was dropped from the quote). Deducting the
    deposit used to name its line L3, taken already, and was refused as a duplicate line: the
    deposit could never be deducted there. Now the deduction is L4, and the invoice asks
    1,050.00 + 199.50 tax - 595.00."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="alice", tax_rate=NINETEEN
    )
    deposit = app.draft_deposit_invoice(
        acme,
        Money.of("500", "EUR"),
        description="deposit for the project",
        drafted_on=date(2027, 1, 4),
        actor="billy",
    )
    approved(app, deposit, date(2027, 1, 4))
    app.issue_invoice(deposit, issued_on=date(2027, 1, 5), actor="billy")

    final = app.draft_invoice(
        acme,
        [line("L1", "10", "100"), line("L3", "1", "50")],
        drafted_on=date(2027, 2, 1),
        actor="billy",
    )
    app.deduct_deposit(final, deposit, actor="billy")

    invoice = app.invoice(final)
    assert [ln.line_id for ln in invoice.lines] == ["L1", "L3", "L4"]
    deduction = invoice.lines[2]
    assert deduction.source is not None and deduction.source.kind is SourceKind.DEPOSIT_DEDUCTION
    assert deduction.net == Money.of("-500.00", "EUR")
    assert invoice.total == Money.of("654.50", "EUR")
    assert app.invoice(deposit).deducted_by == final
    approved(app, final, date(2027, 2, 1))
    app.issue_invoice(final, issued_on=date(2027, 2, 1), actor="billy")
    assert app.invoice(final).outstanding == Money.of("654.50", "EUR")
