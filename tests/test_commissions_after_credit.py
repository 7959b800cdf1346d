"""Commission after a credit note: money paid after lines were credited earns commission only
on the revenue kinds still owed, at the rates of the plan."""

from __future__ import annotations

from decimal import Decimal

from test_story_invoice import A, D, approve, customer, eur, manual

from q2c_core import CreditDisposition, QuoteToCash, RevenueKind
from q2c_core.projections import Commissions, all_projections, catch_up, rebuild


def test_a_payment_after_the_enhancement_was_credited_earns_only_maintenance() -> None:
    """Invoice: enhancement 700.00 and maintenance 300.00, 21 % tax (1,210.00). The
    enhancement line is credited (847.00) before any payment; the customer pays the 363.00
    still owed. Commission: maintenance 300.00 x 2 % = 6.00, and no enhancement commission
    (before, the payment was split over both kinds as drafted: 1.80 on 90.00 of maintenance
    and 10.50 on 210.00 of enhancement that was never collected)."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    lines = [
        manual("L1", "700", revenue_kind=RevenueKind.ENHANCEMENT),
        manual("L2", "300", revenue_kind=RevenueKind.MAINTENANCE),
    ]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="not delivered",
        drafted_on=D,
        actor="billy",
    )
    approve(app, note)
    app.issue_invoice(note, issued_on=D, actor="bea")
    assert app.invoice(invoice).outstanding == eur("363.00")
    pay = app.receive_payment(cust, eur("363.00"), received_on=D, reference="r", actor=A)
    app.allocate_payment(pay, allocated_on=D, actor=A)

    live = Commissions()
    catch_up(app, [live])
    earned = {
        (line.revenue_kind, line.collected.amount, line.commission.amount) for line in live.lines()
    }
    assert earned == {("maintenance", Decimal("300.00"), Decimal("6.00"))}
    rebuilt = [p for p in all_projections() if p.name == live.name]
    rebuild(app, rebuilt)
    assert rebuilt[0].rows() == live.rows()
