"""A tax rate is a number, however it is written: 21 and 21.00 are one rate.

The invoice groups its lines' taxable bases by category and rate value (``tax_subtotals``)
and rounds each base's tax once. A deposit deduction carries the deposit's rate as the
customer's details wrote it (21), the work on the final invoice may carry it written 21.00:
the invoice has one 21 % base, and commissions must see the same tax, or a cent of tax is
counted as revenue and earns commission."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_story_invoice import A, approve, customer, eur

from q2c_core import QuoteToCash, RevenueKind, TaxRate
from q2c_core.domain.invoice_lines import InvoiceLine, LineSource, SourceKind
from q2c_core.projections import CommissionPlan, CommissionRate, Commissions, catch_up, rebuild

PLAN = CommissionPlan((CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.5")),))


def test_a_deduction_at_21_and_work_at_21_00_are_taxed_as_one_base_and_no_tax_is_commissioned() -> (
    None
):
    """A 50.03 deposit at the customer's 21 % is issued on 5 January. The final invoice of
    1 February bills 100.01 of enhancement at 21.00 % and deducts the deposit: one 21 % base of
    49.98, tax 10.50 (not 21.00 - 10.51 = 10.49, each spelling rounded on its own), total
    60.48. Paid in full on 10 February, it collects its net, 49.98, and at 50 % Mia earns
    24.99 (not 25.00 on 49.99: a cent of tax taken for revenue)."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)  # (the customer's rate: TaxRate.standard(21))
    deposit = app.draft_deposit_invoice(
        cust, eur("50.03"), description="deposit", drafted_on=date(2026, 1, 5), actor="billy"
    )
    approve(app, deposit)
    app.issue_invoice(deposit, issued_on=date(2026, 1, 5), actor="bea")
    work = InvoiceLine(
        line_id="W",
        description="enhancement work",
        quantity=Decimal(1),
        unit_price=eur("100.01"),
        tax=TaxRate.standard(Decimal("21.00")),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
        revenue_kind=RevenueKind.ENHANCEMENT,
    )
    final = app.draft_invoice(cust, [work], drafted_on=date(2026, 2, 1), actor="billy")
    app.deduct_deposit(final, deposit, actor=A)
    approve(app, final)
    app.issue_invoice(final, issued_on=date(2026, 2, 1), actor="bea")
    inv = app.invoice(final)
    assert (inv.net, inv.tax, inv.total) == (eur("49.98"), eur("10.50"), eur("60.48"))

    payment = app.receive_payment(
        cust, inv.total, received_on=date(2026, 2, 10), reference="p1", actor=A
    )
    app.allocate_payment(payment, [(final, inv.total)], allocated_on=date(2026, 2, 10), actor=A)
    assert app.invoice(final).outstanding.is_zero()

    live = Commissions(plan=PLAN)
    catch_up(app, [live])
    assert live.get(f"inv:{final.hex}")["tax"] == Decimal("10.50")
    own = [c for c in live.lines() if c.invoice_id == final.hex]
    assert [(c.on, c.collected, c.commission) for c in own] == [
        (date(2026, 2, 10), eur("49.98"), eur("24.99"))
    ]
    rebuilt = Commissions(plan=PLAN)
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == live.lines()
    app.close()
