"""Commission on deposits: deposit money is never commissioned as "deposit", it earns as the
revenue of the final invoice that deducts it; what decides that money pays a deposit is the
invoice it was paid on being a deposit invoice, not the kinds of its lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_commissions_after_credit import concede
from test_story_invoice import A, approve, customer, eur, manual

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
    nothing, as deposit money never does as such. draft_invoice refuses such a line now: this
    invoice was recorded before the rule, its deposit-kind line added as q2c took it then.)"""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    lines = [manual("E", "100.00", revenue_kind=RevenueKind.ENHANCEMENT)]
    invoice = app.draft_invoice(cust, lines, drafted_on=date(2026, 1, 5), actor="billy")
    draft = app.invoice(invoice)
    draft.add_lines([manual("D", "50.00", revenue_kind=RevenueKind.DEPOSIT)], "billy")
    app.save(draft)
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=date(2026, 1, 5), actor="bea")
    pay = app.receive_payment(
        cust, eur("60.50"), received_on=date(2026, 1, 20), reference="p", actor=A
    )
    app.allocate_payment(pay, [(invoice, eur("60.50"))], allocated_on=date(2026, 1, 20), actor=A)
    concede(app, invoice, ["E"], date(2026, 2, 10), "not delivered")
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


def test_a_credit_on_a_final_invoice_re_splits_its_deposit_over_what_it_still_bills() -> None:
    """A 300.00 deposit (363.00 with tax) is paid on 2 March and deducted on a final invoice
    of enhancement 700.00 and maintenance 300.00 issued on 10 March, paid in full on 12 March.
    In June the maintenance line is credited (its money given back as customer credit). From
    10 June the deposit pays for the enhancement alone, as the final invoice's own money does:
    the customer paid for 700.00 of enhancement and no maintenance, so Mia earns 5 % of 700.00
    = 35.00 and nothing of maintenance. March stays as it was (its statement was closed): the
    deposit's 210.00 of enhancement and 90.00 of maintenance; June takes them back and counts
    the 300.00 as enhancement."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    deposit = app.draft_deposit_invoice(
        cust, eur("300.00"), description="deposit", drafted_on=date(2026, 3, 1), actor="billy"
    )
    approve(app, deposit)
    app.issue_invoice(deposit, issued_on=date(2026, 3, 1), actor="bea")
    paid = app.receive_payment(
        cust, eur("363.00"), received_on=date(2026, 3, 2), reference="d", actor=A
    )
    app.allocate_payment(paid, allocated_on=date(2026, 3, 2), actor=A)
    lines = [
        manual("E", "700.00", revenue_kind=RevenueKind.ENHANCEMENT),
        manual("M", "300.00", revenue_kind=RevenueKind.MAINTENANCE),
    ]
    final = app.draft_invoice(cust, lines, drafted_on=date(2026, 3, 10), actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    approve(app, final)
    app.issue_invoice(final, issued_on=date(2026, 3, 10), actor="bea")
    rest = app.invoice(final).total
    pay = app.receive_payment(cust, rest, received_on=date(2026, 3, 12), reference="f", actor=A)
    app.allocate_payment(pay, allocated_on=date(2026, 3, 12), actor=A)

    def march(live: Commissions) -> list[tuple[date, str, object, object]]:
        return [
            (c.on, c.revenue_kind, c.collected, c.commission)
            for c in live.lines()
            if c.on.month == 3
        ]

    before = Commissions()
    catch_up(app, [before])
    concede(app, final, ["M"], date(2026, 6, 10), "maintenance dropped")
    live = Commissions()
    catch_up(app, [live])
    assert march(live) == march(before)
    deposit_lines = [
        (c.on, c.revenue_kind, c.collected) for c in live.lines() if c.payment_id == paid.hex
    ]
    assert deposit_lines == [
        (date(2026, 3, 10), "enhancement", eur("210.00")),
        (date(2026, 3, 10), "maintenance", eur("90.00")),
        (date(2026, 6, 10), "enhancement", eur("300.00")),
        (date(2026, 6, 10), "enhancement", eur("-210.00")),
        (date(2026, 6, 10), "maintenance", eur("-90.00")),
    ]
    assert _collected(live) == {"enhancement": Decimal("700.00"), "maintenance": Decimal("0.00")}
    assert live.balances() == {("mia", "EUR"): eur("35.00")}
    rebuilt = Commissions()
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == live.lines()
    app.close()
