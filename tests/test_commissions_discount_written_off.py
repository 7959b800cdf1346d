"""Commission when a discount is written off on a note of its own, before the lines it lowered.

Acme's invoice bills enhancement work 1,000.00 at 0 % tax and takes a loyalty discount of
400.00 off its maintenance at 21 %: net 600.00, tax -84.00, total 516.00. Acme then breaks
the terms and the controller writes the discount off (``WRITTEN_OFF``, the one way to credit a
discount alone, issued before the lines it lowered): the note takes back -484.00, so the
invoice owes 1,000.00. A write-off is a credit loss, the revenue kept (the books and the
revenue schedule keep 600.00 of revenue, the 484.00 is a write-off's gain, not revenue): so
the money pays for what the invoice billed, and the rest is no revenue. Acme pays the 1,000.00.

The commission counted 1,084.00 of enhancement collected on it (54.20 at 5 %): the money
beyond the 516.00 the invoice billed, as it reads a written-off note, was counted as revenue
in proportion to the nets, more enhancement than the invoice ever billed. Now it counts the
600.00 of revenue the invoice carries, 30.00, and the rest as nothing to commission.
"""

from __future__ import annotations

from datetime import date

import attrs
from test_story_invoice import A, D, approve, customer, eur, manual

from q2c_core import CreditDisposition, QuoteToCash, RevenueKind, TaxRate
from q2c_core.projections import Commissions, catch_up, rebuild

NOTE_ON = date(2024, 3, 12)
PAID_ON = date(2024, 3, 20)


def _discount_written_off_then_paid(app: QuoteToCash) -> None:
    cust = customer(app)
    work = manual("L1", "1000", revenue_kind=RevenueKind.ENHANCEMENT)
    lines = [
        attrs.evolve(work, tax=TaxRate.standard(0)),
        manual("L2", "-400", revenue_kind=RevenueKind.MAINTENANCE, price_reason="loyalty discount"),
    ]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    assert app.invoice(invoice).total == eur("516.00")
    note = app.draft_credit_note(
        invoice,
        line_ids=["L2"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="terms broken: the discount no longer applies",
        drafted_on=NOTE_ON,
        actor="billy",
    )
    approve(app, note)
    app.issue_invoice(note, issued_on=NOTE_ON, actor="bea")
    assert app.invoice(invoice).outstanding == eur("1000.00")
    pay = app.receive_payment(cust, eur("1000.00"), received_on=PAID_ON, reference="r1", actor=A)
    app.allocate_payment(pay, allocated_on=PAID_ON, actor=A)
    assert app.invoice(invoice).outstanding.is_zero()


def test_money_paying_a_written_off_discount_is_no_revenue_to_commission() -> None:
    """The 1,000.00 collects the 600.00 of enhancement revenue the invoice carries (its
    1,000.00 less the discount, which stays booked): 30.00 at 5 %, never more enhancement than
    the invoice billed."""
    app = QuoteToCash.open("memory:")
    _discount_written_off_then_paid(app)
    live = Commissions()
    catch_up(app, [live])
    assert [(c.on, c.revenue_kind, c.collected, c.commission) for c in live.lines()] == [
        (PAID_ON, "enhancement", eur("600.00"), eur("30.00"))
    ]
    assert live.balances() == {("mia", "EUR"): eur("30.00")}
    fresh = Commissions()
    rebuild(app, [fresh])
    assert fresh.lines() == live.lines()
