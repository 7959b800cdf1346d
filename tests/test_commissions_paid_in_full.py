"""An invoice paid in full collects each revenue kind's net exactly: however many parts the
money came in, and whatever was taken back in between, the commission lines count the net of
each kind the invoice bills, to the cent, and no cent of its tax as revenue."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st
from test_commissions_recording_order import JAN_5, KINDS, issued_invoice
from test_story_invoice import A, eur

from q2c_core import Money, QuoteToCash, RevenueKind
from q2c_core.projections import CommissionPlan, CommissionRate, Commissions, catch_up, rebuild

PLAN = CommissionPlan(
    (
        CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.05")),
        CommissionRate("*", RevenueKind.MAINTENANCE, Decimal("0.02")),
        CommissionRate("*", RevenueKind.OTHER, Decimal("0.10")),
    )
)


def _pay(app: QuoteToCash, cust: UUID, invoice: UUID, amount: Money, on: date) -> UUID:
    pay = app.receive_payment(cust, amount, received_on=on, reference=f"p{on}{amount}", actor=A)
    app.allocate_payment(pay, [(invoice, amount)], allocated_on=on, actor=A)
    return pay


def _collected(live: Commissions, day: date | None = None) -> dict[str, Decimal]:
    """Net collected per revenue kind on the lines (dated by ``day``), reversals taken off."""
    net: dict[str, Decimal] = {}
    for line in live.lines():
        if day is not None and line.on > day:
            continue
        net[line.revenue_kind] = net.get(line.revenue_kind, Decimal(0)) + line.collected.amount
    return net


def test_an_invoice_paid_in_four_parts_counts_no_cent_of_its_tax_as_revenue() -> None:
    """Enhancement 93.33, maintenance 144.00 and another 1.54 (10 %), 289.03 with tax, paid
    1.00, 0.02, 1.00 and then the 287.01 left on four days: the lines count 93.33, 144.00
    and 1.54 collected, so the other revenue earns 10 % of 1.54 = 0.15. (The 0.02 took a
    cent back from a kind on the running total and was split on its own, so the last payment
    counted 1.55 of the 1.54 and paid 0.16.)"""
    app = QuoteToCash.open("memory:")
    cust, invoice = issued_invoice(app, {"E": "93.33", "M": "144.00", "X": "1.54"})
    assert app.invoice(invoice).total == eur("289.03")
    for n, amount in enumerate(["1.00", "0.02", "1.00", "287.01"]):
        _pay(app, cust, invoice, eur(amount), JAN_5 + timedelta(days=5 + n))
    assert app.invoice(invoice).outstanding.is_zero()
    live = Commissions(plan=PLAN)
    catch_up(app, [live])
    assert _collected(live) == {
        "enhancement": Decimal("93.33"),
        "maintenance": Decimal("144.00"),
        "other": Decimal("1.54"),
    }
    earned: dict[str, Decimal] = {}
    for line in live.lines():
        earned[line.revenue_kind] = earned.get(line.revenue_kind, Decimal(0)) + (
            line.commission.amount
        )
    assert earned == {
        "enhancement": Decimal("4.67"),
        "maintenance": Decimal("2.88"),
        "other": Decimal("0.15"),
    }
    rebuilt = Commissions(plan=PLAN)
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == live.lines()
    app.close()


SMALL = ["0.01", "0.02", "0.03", "0.05", "0.07", "1.00"]


@settings(max_examples=40, deadline=None)
@given(
    nets=st.tuples(st.integers(0, 30_000), st.integers(0, 30_000), st.integers(1, 399)),
    parts=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(SMALL), st.integers(1, 100)),  # an amount, or a per cent
            st.integers(0, 3),  # days after the one before
            st.booleans(),  # bounced a day later
        ),
        max_size=12,
    ),
)
def test_an_invoice_paid_in_full_collects_each_revenue_kinds_net_exactly(
    nets: tuple[int, int, int], parts: list[tuple[str | int, int, bool]]
) -> None:
    """Invariant: an invoice of enhancement, maintenance and other revenue (21 % tax) paid in
    any number of parts, small or large, some of them bounced, and at last the rest, counts
    each revenue kind's net as collected to the cent, and no more in all than its net total
    (its tax is never revenue); before it is paid in full, no kind ever counts more than its
    net, nor less than nothing."""
    app = QuoteToCash.open("memory:")
    lines = {k: str(Decimal(v) / 100) for k, v in zip("EMX", nets, strict=True) if v}
    cust, invoice = issued_invoice(app, lines)
    wanted = {KINDS[k].value: Decimal(v) for k, v in lines.items()}
    on = JAN_5
    for amount, after, bounced in [*parts, (100, 0, False)]:
        owed = app.invoice(invoice).outstanding
        if owed.is_zero():
            break
        if isinstance(amount, int):
            paid = (owed * (Decimal(amount) / 100)).rounded()
        else:
            paid = min(owed, eur(amount))
        if not paid.is_positive():
            continue
        on += timedelta(days=after)
        pay = _pay(app, cust, invoice, paid, on)
        if bounced:
            app.bounce_payment(pay, bounced_on=on + timedelta(days=1), reason="R01", actor=A)
            on += timedelta(days=1)
    assert app.invoice(invoice).outstanding.is_zero()
    live = Commissions(plan=PLAN)
    catch_up(app, [live])
    assert _collected(live) == wanted
    for day in sorted({line.on for line in live.lines()}):
        for kind, net in _collected(live, day).items():
            assert Decimal(0) <= net <= wanted[kind], (day, kind, net)
    app.close()
