"""Commission is rate x collected revenue, rounded once: a manager's commission at one rate and
revenue kind is worked out on the running total of the money collected, so it never drifts a cent
away from rate x what was collected, however many allocations the money came in, and money taken
back (an allocation undone, a payment bounced) returns it to exactly what it was."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_commissions_after_credit import concede
from test_story_invoice import A, approve, customer, eur, manual

from q2c_core import (
    CurrencyMismatch,
    InvalidValue,
    Invoice,
    Money,
    OverAllocation,
    Payment,
    Period,
    QuoteToCash,
    RevenueKind,
)
from q2c_core.projections import (
    CommissionLine,
    CommissionPlan,
    CommissionRate,
    Commissions,
    catch_up,
    commission_on_running_total,
    rebuild,
)

FEB_1, FEB_15, MARCH_1 = date(2026, 2, 1), date(2026, 2, 15), date(2026, 3, 1)


def _round(amount: Decimal, currency: str = "EUR") -> Decimal:
    """Half up to the currency's minor unit, as the statements round."""
    return Money(amount, currency).rounded().amount


def _issued(app: QuoteToCash, cust: UUID, enhancement: str, on: date) -> UUID:
    """An enhancement invoice of ``enhancement`` net (21 % tax on top), issued on ``on``."""
    line = manual("L1", enhancement, revenue_kind=RevenueKind.ENHANCEMENT)
    invoice = app.draft_invoice(cust, [line], drafted_on=on, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


def test_a_transfer_paying_two_invoices_accrues_five_percent_of_what_it_collected() -> None:
    """The reviewer's story: Mia's customer is invoiced 286.50 and 539.94 of enhancement work
    (346.67 and 653.33 with tax) and pays both with one transfer of 1,000.00 on 1 February.
    5 % of the 826.44 collected is 41.322: Mia has accrued 41.32. (Rounding each allocation's
    commission on its own made 14.33 + 27.00 = 41.33, a cent the plan never promised.) A second
    transfer of 127.11 pays a third invoice of 105.05 on 15 February and bounces on 1 March:
    February ends at 5 % of 931.49 = 46.57, and March takes back exactly what brings Mia back to
    41.32, as if the bounced money had never come in."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    first = _issued(app, cust, "286.50", date(2026, 1, 5))
    second = _issued(app, cust, "539.94", date(2026, 1, 20))
    assert app.invoice(first).total + app.invoice(second).total == eur("1000.00")
    transfer = app.receive_payment(cust, eur("1000.00"), received_on=FEB_1, reference="T1", actor=A)
    app.allocate_payment(transfer, allocated_on=FEB_1, actor=A)
    third = _issued(app, cust, "105.05", date(2026, 2, 10))
    late = app.receive_payment(cust, eur("127.11"), received_on=FEB_15, reference="T2", actor=A)
    app.allocate_payment(late, [(third, eur("127.11"))], allocated_on=FEB_15, actor=A)
    app.bounce_payment(late, bounced_on=MARCH_1, reason="R01", actor=A)

    live = Commissions()
    catch_up(app, [live])
    assert live.balances(FEB_1) == {("mia", "EUR"): eur("41.32")}
    assert live.balances(date(2026, 2, 28)) == {("mia", "EUR"): eur("46.57")}
    assert live.balances() == {("mia", "EUR"): eur("41.32")}
    february = live.statement("mia", Period(FEB_1, MARCH_1))
    march = live.statement("mia", Period(MARCH_1, date(2026, 4, 1)))
    assert february.totals == {"EUR": eur("46.57")}
    assert march.totals == {"EUR": eur("-5.25")}
    rebuilt = Commissions()
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == live.lines()
    app.close()


def test_the_running_total_is_the_commission_of_each_amount_collected() -> None:
    """5 % of 286.50 is 14.325 (14.33); of 286.50 + 539.94 it is 41.322 (41.32): the second
    amount earns 26.99. The 105.05 that follows brings 5 % of 931.49 (46.57, 5.25 more), and
    taking it back returns to 41.32. In yen, whole units: 5 % of 1,010 and of 1,010 more."""
    collected = [eur("286.50"), eur("539.94"), eur("105.05"), eur("-105.05")]
    assert commission_on_running_total(Decimal("0.05"), collected) == [
        eur("14.33"),
        eur("26.99"),
        eur("5.25"),
        eur("-5.25"),
    ]
    yen = [Money.of(1010, "JPY"), Money.of(1010, "JPY")]
    assert commission_on_running_total(Decimal("0.05"), yen) == [
        Money.of(51, "JPY"),  # 50.5, half up
        Money.of(50, "JPY"),  # 101 in all
    ]
    assert commission_on_running_total(Decimal("0.05"), []) == []


def test_the_running_total_refuses_what_is_not_a_rate_or_money_of_one_currency() -> None:
    with pytest.raises(InvalidValue) as rate:
        commission_on_running_total(Decimal("NaN"), [eur("10.00")])
    assert rate.value.field == "rate"
    with pytest.raises(InvalidValue) as amount:
        commission_on_running_total(Decimal("0.05"), [eur("10.00"), Decimal("10.00")])  # type: ignore[list-item]
    assert amount.value.field == "collected"
    with pytest.raises(CurrencyMismatch):
        commission_on_running_total(Decimal("0.05"), [eur("10.00"), Money.of("10", "USD")])


@settings(max_examples=200, deadline=None)
@given(
    rate=st.decimals(min_value=0, max_value=1, places=4),
    currency=st.sampled_from(["EUR", "JPY", "KWD"]),
    data=st.data(),
)
def test_accrued_is_always_rate_times_net_collected_rounded_once(
    rate: Decimal, currency: str, data: st.DataObject
) -> None:
    """Invariant: for any sequence of collections and reversals at one rate, what has accrued
    after each of them is round_half_up(rate x net collected by then); so money collected and
    taken back right after returns the accrued figure to exactly what it was before."""
    quantum = Money.zero(currency).quantum
    live: list[Decimal] = []
    collected: list[Money] = []
    for _ in range(data.draw(st.integers(min_value=1, max_value=25), label="steps")):
        if live and data.draw(st.booleans(), label="take back"):
            amount = -live.pop(data.draw(st.integers(0, len(live) - 1), label="which"))
        else:
            amount = data.draw(st.integers(1, 10**9), label="minor units") * quantum
            live.append(amount)
        collected.append(Money(amount, currency))
    commissions = commission_on_running_total(rate, collected)
    assert len(commissions) == len(collected)
    accrued, net = [Decimal(0)], Decimal(0)  # accrued before the first step, then after each
    for step, (amount, commission) in enumerate(zip(collected, commissions, strict=True)):
        assert commission.currency == currency and commission.is_rounded()
        accrued.append(accrued[-1] + commission.amount)
        net += amount.amount
        assert accrued[-1] == (rate * net).quantize(quantum, rounding=ROUND_HALF_UP)
        if step and amount == -collected[step - 1]:  # taken back right after it came in
            assert accrued[-1] == accrued[-3]


START = date(2024, 3, 1)
CENT = Decimal("0.01")
APRIL = date(2024, 4, 1)
RATE_CHANGE = CommissionPlan(
    [
        CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.05")),
        CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.075"), APRIL),
        CommissionRate("*", RevenueKind.MAINTENANCE, Decimal("0.02")),
    ]
)


def _accrued_per_rate(lines: list[CommissionLine]) -> dict[tuple[str, Decimal], Decimal]:
    """Per revenue kind and rate: round_half_up(rate x the net collected at that rate)."""
    net: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        key = (line.revenue_kind, line.rate)
        net[key] = net.get(key, Decimal(0)) + line.collected.amount
    return {(kind, rate): _round(rate * amount) for (kind, rate), amount in net.items()}


def _sum_per_rate(lines: list[CommissionLine]) -> dict[tuple[str, Decimal], Decimal]:
    total: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        key = (line.revenue_kind, line.rate)
        total[key] = total.get(key, Decimal(0)) + line.commission.amount
    return total


payments = st.lists(
    st.tuples(
        st.integers(0, 2),  # which invoice
        st.integers(1, 100),  # the percentage of what it still owes
        st.integers(0, 60),  # paid so many days after 1 March (April brings 7.5 %)
        st.sampled_from(["kept", "reversed", "bounced"]),
        st.integers(0, 40),  # undone so many days after it was paid
    ),
    min_size=1,
    max_size=8,
)
credit_notes = st.lists(
    st.tuples(
        st.integers(0, 2),  # which invoice
        st.sampled_from([("L1",), ("L2",), ("L1", "L2")]),  # the lines it credits
        st.integers(0, 60),  # dated so many days after 1 March: before or after the money
        st.integers(0, 8),  # recorded before the payment of this index (after all: 8)
    ),
    max_size=4,
)


@attrs.frozen
class _Billed:
    """An invoice as the test reads it: net per revenue kind and tax as issued, and each
    credit note applied to it (its day, what it takes off per kind and of the tax)."""

    invoice_id: UUID
    nets: dict[str, Decimal]
    tax: Decimal
    credits: list[tuple[date, dict[str, Decimal], Decimal]]


def _nets(invoice: Invoice) -> dict[str, Decimal]:
    nets: dict[str, Decimal] = {}
    for line in invoice.lines:
        kind = line.revenue_kind.name.lower()
        nets[kind] = nets.get(kind, Decimal(0)) + line.net.amount
    return nets


def _billed(app: QuoteToCash, invoice_id: UUID) -> _Billed:
    invoice = app.invoice(invoice_id)
    credits = []
    for applied in invoice.credits:
        note = app.invoice(applied.credit_note_id)
        credits.append((applied.credited_on, _nets(note), note.tax.amount))
    return _Billed(invoice_id, _nets(invoice), invoice.tax.amount, credits)


def _eligible_collected(
    billed: list[_Billed],
    payments: list[Payment],
    first_collected: dict[str, date],
    day: date,
) -> dict[tuple[str, Decimal], tuple[Decimal, int]]:
    """Per revenue kind and rate: the money collected by the end of ``day`` that pays eligible
    revenue, worked out from the invoices and payments themselves. Each allocation in force
    that day pays the invoice's lines as they stood that day (the credit notes dated by then
    taken off) in proportion to their nets, and its tax, at the rate of the day the money was
    first collected; with how many allocations there were (each may round a cent)."""
    result: dict[tuple[str, Decimal], tuple[Decimal, int]] = {}
    for invoice in billed:
        nets, tax = dict(invoice.nets), invoice.tax
        for credited_on, credited, credited_tax in invoice.credits:
            if credited_on <= day:
                for kind, net in credited.items():
                    nets[kind] -= net
                tax -= credited_tax
        owed = sum(nets.values(), Decimal(0)) + tax
        if owed <= 0:
            continue  # (every line credited: the money was given back)
        for pay in payments:
            for allocation in pay.allocations_on(day):
                if allocation.invoice_id != invoice.invoice_id:
                    continue
                collected_on = first_collected[allocation.allocation_id]
                for kind, net in nets.items():
                    if not net:
                        continue
                    rate = RATE_CHANGE.rate_for("mia", RevenueKind[kind.upper()], collected_on)
                    amount, count = result.get((kind, rate), (Decimal(0), 0))
                    share = allocation.amount.amount * net / owed
                    result[kind, rate] = (amount + share, count + 1)
    return result


@settings(max_examples=25, deadline=None)
@given(
    nets=st.lists(
        st.tuples(st.integers(1, 500_000), st.integers(0, 500_000)), min_size=3, max_size=3
    ),
    paid=payments,
    credited=credit_notes,
)
# found by hypothesis: money dated the 1st, recorded after money dated the 2nd
@example(
    nets=[(1, 0), (1306, 35685), (1, 0)],
    paid=[(1, 94, 1, "kept", 0), (1, 61, 0, "kept", 0)],
    credited=[],
)
def test_a_managers_commission_is_rate_times_net_collected_at_each_rate_on_every_day(
    nets: list[tuple[int, int]],
    paid: list[tuple[int, int, int, str, int]],
    credited: list[tuple[int, tuple[str, ...], int, int]],
) -> None:
    """Invariant, through the application: three invoices of enhancement and maintenance (in
    cents) are paid in parts on days in March and April (enhancement 5 %, then 7.5 % from 1
    April; maintenance 2 %), some allocations undone and some payments bounced later, and
    lines credited by credit notes dated before or after the money came in (recorded in any
    order of business days; a note for more than is owed gives money back).

    On every day, the money Mia's lines count as collected, per revenue kind and rate, is the
    money collected by that day that pays eligible revenue (each allocation in force paying the
    invoice's lines as they stood that day, after the credit notes dated by then), to two cents
    per allocation (an allocation's part of a kind is its share of what the kind still has to
    collect once the money before it is counted, by largest remainders, so an invoice paid in
    full collects each kind's net to the cent; a part makes up for the cents the money before it
    rounded, so it is within two cents of its own exact share): so nothing is earned before the
    money came in, and no statement of a past period counts money not yet collected then. And
    what Mia has accrued, per rate and revenue kind, is round_half_up(rate x that net
    collected), to date and on every day (a reversal of March money goes back through March's
    5 % total); the monthly statements add up to it; and a rebuild from the events gives the
    same lines."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    invoices = []
    for enhancement, maintenance in nets:
        lines = [
            manual("L1", str(Decimal(enhancement) / 100), revenue_kind=RevenueKind.ENHANCEMENT)
        ]
        if maintenance:
            price = str(Decimal(maintenance) / 100)
            lines.append(manual("L2", price, revenue_kind=RevenueKind.MAINTENANCE))
        invoice = app.draft_invoice(cust, lines, drafted_on=START, actor="billy")
        approve(app, invoice)
        app.issue_invoice(invoice, issued_on=START, actor="bea")
        invoices.append(invoice)
    first_collected: dict[str, date] = {}  # allocation -> the day its money was collected

    def credit_lines(which: int, line_ids: tuple[str, ...], after: int) -> None:
        invoice = app.invoice(invoices[which])
        billed = {line.line_id for line in invoice.lines}
        if not set(line_ids) <= billed or set(line_ids) & set(invoice.credited_line_ids()):
            return
        try:
            concede(app, invoices[which], list(line_ids), START + timedelta(days=after), "credited")
        except OverAllocation:
            # (dated back before money that paid the invoice in full since: the issue is
            # refused, see tests/test_money_dated_back.py, and the note left a draft: voided)
            for draft in app.draft_invoices(cust):
                app.void_invoice(
                    draft.id,
                    reason="dated before the money",
                    actor=A,
                    voided_on=START + timedelta(days=after),
                )
            return
        for applied in app.invoice(invoices[which]).payments:  # money it gave back and kept
            day = applied.collected_on or applied.applied_on
            first_collected.setdefault(applied.allocation_id, day)

    for n in range(len(paid) + 1):
        for credited_invoice, line_ids, dated_after, position in credited:
            if min(position, len(paid)) == n:
                credit_lines(credited_invoice, line_ids, dated_after)
        if n == len(paid):
            break
        which, percent, after, undo, later = paid[n]
        owed = app.invoice(invoices[which]).outstanding
        amount = (owed * (Decimal(percent) / 100)).rounded()
        if not amount.is_positive():
            continue
        on = START + timedelta(days=after)
        pay = app.receive_payment(cust, amount, received_on=on, reference=f"T{n}", actor=A)
        try:
            [allocation] = app.allocate_payment(
                pay, [(invoices[which], amount)], allocated_on=on, actor=A
            )
        except OverAllocation:
            # (dated back to a day the invoice owed less, money since taken back off: refused,
            # the payment stays the customer's credit and earns nothing)
            continue
        first_collected[allocation] = on
        undone_on = on + timedelta(days=later)
        if undo == "reversed":
            app.reverse_allocation(pay, allocation, reason="wrong", actor=A, reversed_on=undone_on)
        elif undo == "bounced":
            app.bounce_payment(pay, bounced_on=undone_on, reason="R01", actor=A)

    live = Commissions(plan=RATE_CHANGE)
    catch_up(app, [live])
    lines = live.lines()
    assert _sum_per_rate(lines) == _accrued_per_rate(lines)
    billed = [_billed(app, invoice) for invoice in invoices]
    payments = app.payments(cust)
    for day in (START + timedelta(days=n) for n in range(102)):
        to_date = [line for line in lines if line.on <= day]
        counted: dict[tuple[str, Decimal], Decimal] = {}
        for line in to_date:
            key = (line.revenue_kind, line.rate)
            counted[key] = counted.get(key, Decimal(0)) + line.collected.amount
        eligible = _eligible_collected(billed, payments, first_collected, day)
        for key in counted.keys() | eligible.keys():
            money, allocations = eligible.get(key, (Decimal(0), 0))
            assert abs(counted.get(key, Decimal(0)) - money) <= allocations * 2 * CENT, (day, key)
        assert _sum_per_rate(to_date) == _accrued_per_rate(to_date), day
        expected = sum(_accrued_per_rate(to_date).values(), Decimal(0))
        assert live.balances(day).get(("mia", "EUR"), eur(0)) == eur(expected), day
    months = [Period(date(2024, m, 1), date(2024, m + 1, 1)) for m in range(3, 8)]
    statements = [live.statement("mia", month).totals.get("EUR", eur(0)) for month in months]
    assert sum(statements, eur(0)) == live.balances().get(("mia", "EUR"), eur(0))
    rebuilt = Commissions(plan=RATE_CHANGE)
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == lines
    app.close()
