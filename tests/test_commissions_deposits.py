"""Commission on deposits: deposit money is never commissioned as "deposit", it earns as the
revenue of the final invoice that deducts it; what decides that money pays a deposit is the
invoice it was paid on being a deposit invoice, not the kinds of its lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_story_invoice import A, approve, credit, customer, eur, manual

from q2c_core import QuoteToCash, RevenueKind
from q2c_core.projections import Commissions, catch_up, rebuild


def _collected(live: Commissions) -> dict[str, Decimal]:
    """Net collected per revenue kind on the manager's lines, reversals taken off."""
    net: dict[str, Decimal] = {}
    for line in live.lines():
        net[line.revenue_kind] = net.get(line.revenue_kind, Decimal(0)) + line.collected.amount
    return net


def test_a_standard_invoice_with_a_deposit_line_takes_back_commission_on_credited_work() -> None:
    """A standard invoice bills 100.00 of enhancement work and a 50.00 line of the deposit
    kind (181.50 with tax); 60.50 is paid on 20 January: a third of it pays the enhancement
    (33.33, 1.67 of commission). On 10 February the enhancement line is credited: the 60.50
    now pays the deposit-kind line and its tax alone, so the enhancement's commission is taken
    back on 10 February. (It is a standard invoice: nothing deducts that line later, so its
    money is re-split on credits like any standard invoice's; the deposit-kind part earns
    nothing, as deposit money never does as such.)"""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    lines = [
        manual("E", "100.00", revenue_kind=RevenueKind.ENHANCEMENT),
        manual("D", "50.00", revenue_kind=RevenueKind.DEPOSIT),
    ]
    invoice = app.draft_invoice(cust, lines, drafted_on=date(2026, 1, 5), actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=date(2026, 1, 5), actor="bea")
    pay = app.receive_payment(
        cust, eur("60.50"), received_on=date(2026, 1, 20), reference="p", actor=A
    )
    app.allocate_payment(pay, [(invoice, eur("60.50"))], allocated_on=date(2026, 1, 20), actor=A)
    credit(app, invoice, ["E"], date(2026, 2, 10), "not delivered")
    assert app.invoice(invoice).outstanding == eur("0.00")

    live = Commissions()
    catch_up(app, [live])
    assert [(c.on, c.revenue_kind, c.commission) for c in live.lines()] == [
        (date(2026, 1, 20), "enhancement", eur("1.67")),
        (date(2026, 2, 10), "enhancement", eur("-1.67")),
    ]
    assert live.balances(date(2026, 1, 31)) == {("mia", "EUR"): eur("1.67")}
    assert live.balances() == {("mia", "EUR"): eur("0.00")}
    assert _collected(live) == {"enhancement": Decimal("0.00")}
    rebuilt = Commissions()
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == live.lines()
    app.close()
