"""The same facts recorded in another order give the same commissions: money on an invoice is
split over its revenue kinds in the order of business days (money of one day in a fixed order
of its own), not in the order it was recorded, so no cent moves between months because a
payment dated earlier was keyed in later."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_story_invoice import A, approve, credit, customer, eur, manual

from q2c_core import Period, QuoteToCash, RevenueKind
from q2c_core.domain.errors import Q2CError
from q2c_core.projections import CommissionPlan, CommissionRate, Commissions, catch_up

PLAN = CommissionPlan(
    (
        CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.10")),
        CommissionRate("*", RevenueKind.MAINTENANCE, Decimal("0.03")),
        CommissionRate("*", RevenueKind.OTHER, Decimal("0.05")),
    )
)
KINDS = {"E": RevenueKind.ENHANCEMENT, "M": RevenueKind.MAINTENANCE, "X": RevenueKind.OTHER}
JAN_5 = date(2026, 1, 5)


def issued_invoice(app: QuoteToCash, nets: dict[str, str]) -> tuple[UUID, UUID]:
    """Mia's customer and an invoice of these nets per line (E, M, X), 21 % tax, 5 January."""
    cust = customer(app)
    lines = [manual(k, v, revenue_kind=KINDS[k]) for k, v in nets.items()]
    invoice = app.draft_invoice(cust, lines, drafted_on=JAN_5, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=JAN_5, actor="bea")
    return cust, invoice


def _record(app: QuoteToCash, cust: UUID, invoice: UUID, fact: tuple[Any, ...], n: int) -> None:
    """A payment of an amount on a day, or a credit note of a line on a day."""
    if fact[0] == "pay":
        _, amount, on = fact
        pay = app.receive_payment(cust, eur(amount), received_on=on, reference=f"p{n}", actor=A)
        app.allocate_payment(pay, [(invoice, eur(amount))], allocated_on=on, actor=A)
    else:
        _, line, on = fact
        credit(app, invoice, [line], on, "not delivered")


def _seen(live: Commissions, days: list[date]) -> list[Any]:
    """What the commissions say, names of payments and allocations aside: each month's
    statement, the balance on each day, and per revenue kind and rate what was collected by
    each day."""
    months = [Period(date(2026, m, 1), date(2026, m + 1, 1)) for m in range(1, 5)]
    seen: list[Any] = [live.statement("mia", month).totals for month in months]
    lines = live.lines()
    for day in days:
        collected: dict[tuple[str, Decimal], Decimal] = {}
        for line in lines:
            if line.on <= day:
                key = (line.revenue_kind, line.rate)
                collected[key] = collected.get(key, Decimal(0)) + line.collected.amount
        seen.append((day, live.balances(day), {k: v for k, v in collected.items() if v}))
    return seen


def _commissions(nets: dict[str, str], facts: list[tuple[Any, ...]], order: list[int]) -> Any:
    app = QuoteToCash.open("memory:")
    try:
        cust, invoice = issued_invoice(app, nets)
        for n in order:
            _record(app, cust, invoice, facts[n], n)
        live = Commissions(plan=PLAN)
        catch_up(app, [live])
        days = sorted({f[2] for f in facts} | {f[2] + timedelta(days=1) for f in facts})
        return _seen(live, days)
    finally:
        app.close()


def test_money_dated_earlier_but_recorded_later_gives_each_month_the_same_commission() -> None:
    """Enhancement 4,007.05 and maintenance 576.88 (10 % and 3 %). The customer pays 1.56 on
    20 January and 0.02 on 20 February. Keyed in that order, or February's first, January and
    February show the same commission, and every day the same balance: the January money is
    split first because it came in first. (Recording February's first split it on its own and
    January's on the total, which moved a cent of enhancement from February to January.)"""
    nets = {"E": "4007.05", "M": "576.88"}
    facts = [("pay", "1.56", date(2026, 1, 20)), ("pay", "0.02", date(2026, 2, 20))]
    in_date_order = _commissions(nets, facts, [0, 1])
    assert _commissions(nets, facts, [1, 0]) == in_date_order


cents = st.integers(min_value=1, max_value=90_000)


@settings(max_examples=40, deadline=None)
@given(
    nets=st.tuples(cents, cents, st.integers(0, 9_000)),
    paid=st.lists(
        st.tuples(st.integers(1, 100), st.integers(0, 50)), min_size=1, max_size=3
    ),  # (per cent of a third of what is left to pay, days after 6 January)
    credited=st.one_of(st.none(), st.tuples(st.sampled_from(["E", "M"]), st.integers(0, 50))),
    data=st.data(),
)
def test_the_same_facts_recorded_in_any_order_give_the_same_commissions(
    nets: tuple[int, int, int],
    paid: list[tuple[int, int]],
    credited: tuple[str, int] | None,
    data: st.DataObject,
) -> None:
    """Invariant: payments on one invoice (some on the same day) and a credit note of one of
    its lines, each dated on a business day, give the same monthly statements, the same balance
    on every day and the same money collected per revenue kind and rate by every day, whatever
    order they were recorded in (the credit fits what is left to pay, so it gives nothing back
    and every order records the same facts)."""
    start = date(2026, 1, 6)
    amounts = dict(zip("EMX", nets, strict=True))
    line_nets = {k: str(Decimal(v) / 100) for k, v in amounts.items() if v}
    left = Decimal(sum(amounts.values()))
    if credited is not None:
        left -= amounts[credited[0]]
    left = left * Decimal("1.21") / 100  # (what the invoice bills after the credit, tax and all)
    facts: list[tuple[Any, ...]] = []
    for percent, after in paid:
        amount = (left / 3 * percent / 100).quantize(Decimal("0.01"))
        if amount > 0:
            facts.append(("pay", str(amount), start + timedelta(days=after)))
    if credited is not None:
        facts.append(("credit", credited[0], start + timedelta(days=credited[1])))
    assume(facts)
    by_day = sorted(range(len(facts)), key=lambda n: (facts[n][2], n))
    order = data.draw(st.permutations(range(len(facts))), label="recorded in this order")
    try:
        expected = _commissions(line_nets, facts, by_day)
        shuffled = _commissions(line_nets, facts, list(order))
    except Q2CError:
        assume(False)  # (an order the books refuse records other facts)
        raise
    assert shuffled == expected
