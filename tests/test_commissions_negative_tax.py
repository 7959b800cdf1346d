"""An invoice whose tax is negative still earns its whole revenue once paid in full.

A deducted deposit or a discount taxed at a higher rate than the work it takes off leaves the
invoice with negative tax: its total is less than its net. The money paying it counts as
revenue in proportion to the total (x % of the total collects x % of each kind's net), so the
invoice paid in full counts each kind's net to the cent, and a deposit plus its final invoice
earn the rate times the job's whole revenue; money taken back takes back what it counted."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_commissions_after_credit import concede
from test_story_invoice import A, approve, customer, eur

from q2c_core import Money, QuoteToCash, RevenueKind, TaxRate
from q2c_core.domain.invoice_lines import InvoiceLine, LineSource, SourceKind
from q2c_core.domain.money import split_by_weights
from q2c_core.projections import CommissionPlan, CommissionRate, Commissions, catch_up, rebuild

PLAN = CommissionPlan(
    (
        CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.05")),
        CommissionRate("*", RevenueKind.MAINTENANCE, Decimal("0.02")),
        CommissionRate("*", RevenueKind.OTHER, Decimal("0.10")),
    )
)
RATES = {"enhancement": Decimal("0.05"), "maintenance": Decimal("0.02")}


def line(line_id: str, price: str, kind: RevenueKind, tax: int) -> InvoiceLine:
    """A line of one revenue kind at a tax rate; a negative price is a discount."""
    return InvoiceLine(
        line_id=line_id,
        description=f"item {line_id}",
        quantity=Decimal(1),
        unit_price=eur(price),
        tax=TaxRate.standard(tax),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
        revenue_kind=kind,
        price_reason="loyalty discount" if price.startswith("-") else None,
    )


def issued(app: QuoteToCash, cust: UUID, lines: list[InvoiceLine], on: date) -> UUID:
    invoice = app.draft_invoice(cust, lines, drafted_on=on, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


def paid_deposit(app: QuoteToCash, cust: UUID, net: str, on: date) -> UUID:
    """A deposit of ``net`` at the customer's 21 %, issued and paid in full on ``on``."""
    deposit = app.draft_deposit_invoice(
        cust, eur(net), description="deposit", drafted_on=on, actor="billy"
    )
    approve(app, deposit)
    app.issue_invoice(deposit, issued_on=on, actor="bea")
    pay(app, cust, deposit, app.invoice(deposit).outstanding, on)
    return deposit


def final_invoice(
    app: QuoteToCash, cust: UUID, deposit: UUID, lines: list[InvoiceLine], on: date
) -> UUID:
    invoice = app.draft_invoice(cust, lines, drafted_on=on, actor="billy")
    app.deduct_deposit(invoice, deposit, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


def pay(app: QuoteToCash, cust: UUID, invoice: UUID, amount: Money, on: date) -> UUID:
    payment = app.receive_payment(cust, amount, received_on=on, reference=f"p{amount}", actor=A)
    app.allocate_payment(payment, [(invoice, amount)], allocated_on=on, actor=A)
    return payment


def collected(live: Commissions, day: date | None = None) -> dict[str, Decimal]:
    """Revenue collected per kind on the lines (dated by ``day``), reversals taken off."""
    net: dict[str, Decimal] = {}
    for c in live.lines():
        if day is None or c.on <= day:
            net[c.revenue_kind] = net.get(c.revenue_kind, Decimal(0)) + c.collected.amount
    return net


def earned(live: Commissions) -> dict[str, Decimal]:
    result: dict[str, Decimal] = {}
    for c in live.lines():
        result[c.revenue_kind] = result.get(c.revenue_kind, Decimal(0)) + c.commission.amount
    return result


def test_a_deposit_taxed_higher_than_the_work_still_earns_the_jobs_whole_revenue() -> None:
    """A 1,000.00 deposit at 21 % (1,210.00) is paid on 2 March. The final invoice of 10 March
    bills 1,500.00 of enhancement at 9 % and deducts the deposit: net 500.00, tax 135.00 -
    210.00 = -75.00, total 425.00. Half of it (212.50) paid on 12 March collects half the net,
    250.00; the rest on 20 March the other 250.00: with the deposit's 1,000.00, Mia earns 5 %
    of the job's 1,500.00 = 75.00 (the 75.00 of deposit tax the final invoice gives back is
    revenue: the customer paid 1,635.00 for 1,500.00 of work and 135.00 of tax)."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    deposit = paid_deposit(app, cust, "1000.00", date(2024, 3, 2))
    work = [line("W", "1500.00", RevenueKind.ENHANCEMENT, 9)]
    invoice = final_invoice(app, cust, deposit, work, date(2024, 3, 10))
    inv = app.invoice(invoice)
    assert (inv.net, inv.tax, inv.total) == (eur("500.00"), eur("-75.00"), eur("425.00"))
    live = Commissions()
    pay(app, cust, invoice, eur("212.50"), date(2024, 3, 12))
    catch_up(app, [live])
    assert collected(live) == {"enhancement": Decimal("1250.00")}
    pay(app, cust, invoice, eur("212.50"), date(2024, 3, 20))
    assert app.invoice(invoice).outstanding.is_zero()
    catch_up(app, [live])
    assert [(c.on, c.collected, c.commission) for c in live.lines()] == [
        (date(2024, 3, 10), eur("1000.00"), eur("50.00")),
        (date(2024, 3, 12), eur("250.00"), eur("12.50")),
        (date(2024, 3, 20), eur("250.00"), eur("12.50")),
    ]
    assert collected(live) == {"enhancement": Decimal("1500.00")}
    assert live.balances() == {("mia", "EUR"): eur("75.00")}
    rebuilt = Commissions()
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == live.lines()
    app.close()


def test_a_discount_taxed_higher_than_the_work_leaves_the_work_fully_collected() -> None:
    """Enhancement 100.00 at 9 % and a maintenance discount of -50.00 at 21 %: net 50.00, tax
    9.00 - 10.50 = -1.50, total 48.50. Paid in full on 5 March, it collects its 50.00 of
    revenue (as enhancement, which the discount lowered): 2.50 of commission, not 5 % of
    48.50."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    lines = [
        line("E", "100.00", RevenueKind.ENHANCEMENT, 9),
        line("D", "-50.00", RevenueKind.MAINTENANCE, 21),
    ]
    invoice = issued(app, cust, lines, date(2024, 3, 1))
    assert app.invoice(invoice).total == eur("48.50")
    payment = pay(app, cust, invoice, eur("48.50"), date(2024, 3, 5))
    live = Commissions()
    catch_up(app, [live])
    assert [(c.on, c.revenue_kind, c.collected, c.commission) for c in live.lines()] == [
        (date(2024, 3, 5), "enhancement", eur("50.00"), eur("2.50"))
    ]
    # the payment bouncing takes back exactly what it counted
    app.bounce_payment(payment, bounced_on=date(2024, 3, 9), reason="R01", actor=A)
    catch_up(app, [live])
    assert collected(live) == {"enhancement": Decimal("0.00")}
    assert live.balances() == {("mia", "EUR"): eur("0.00")}
    app.close()


def test_a_credit_note_that_leaves_the_tax_negative_still_collects_what_is_left() -> None:
    """A 400.00 deposit at 21 % is paid on 2 March and deducted on a final invoice of 10 March:
    enhancement 1,000.00 at 21 % and maintenance 500.00 at 9 %. On 11 March the enhancement is
    credited: what is left bills maintenance 500.00 (45.00 tax) less the deposit (-84.00 tax),
    net 100.00, tax -39.00, total 61.00. Paid 30.50 on 15 March (half: 50.00 of maintenance)
    and 30.50 on 20 March: with the deposit's 400.00, now all maintenance, the customer paid
    for 500.00 of maintenance, and Mia earns 2 % of it = 10.00."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    deposit = paid_deposit(app, cust, "400.00", date(2024, 3, 2))
    lines = [
        line("E", "1000.00", RevenueKind.ENHANCEMENT, 21),
        line("M", "500.00", RevenueKind.MAINTENANCE, 9),
    ]
    invoice = final_invoice(app, cust, deposit, lines, date(2024, 3, 10))
    concede(app, invoice, ["E"], date(2024, 3, 11), "not delivered")
    assert app.invoice(invoice).outstanding == eur("61.00")
    live = Commissions(plan=PLAN)
    for day in (date(2024, 3, 15), date(2024, 3, 20)):
        pay(app, cust, invoice, eur("30.50"), day)
        catch_up(app, [live])
    assert app.invoice(invoice).outstanding.is_zero()
    assert collected(live, date(2024, 3, 15)) == {
        "enhancement": Decimal("0.00"),
        "maintenance": Decimal("450.00"),
    }
    assert collected(live) == {"enhancement": Decimal("0.00"), "maintenance": Decimal("500.00")}
    assert earned(live) == {"enhancement": Decimal("0.00"), "maintenance": Decimal("10.00")}
    rebuilt = Commissions(plan=PLAN)
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == live.lines()
    app.close()


SMALL = ["0.01", "0.02", "0.03", "1.00"]


@settings(max_examples=25, deadline=None)
# (found by hypothesis: a 51 % discount takes maintenance's whole 0.01, which earns nothing)
@example(enhancement=(100, 9), maintenance=(1, 9), less=("discount", 51), parts=[])
@given(
    enhancement=st.tuples(st.integers(100, 300_000), st.sampled_from([9, 9, 21])),
    maintenance=st.tuples(st.integers(0, 300_000), st.sampled_from([9, 21])),
    less=st.tuples(st.sampled_from(["deposit", "discount"]), st.integers(1, 80)),  # per cent
    parts=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(SMALL), st.integers(1, 100)),  # an amount, or a per cent
            st.integers(0, 3),  # days after the one before
            st.booleans(),  # bounced a day later
        ),
        max_size=8,
    ),
)
def test_an_invoice_with_negative_tax_paid_in_full_collects_each_kinds_net(
    enhancement: tuple[int, int],
    maintenance: tuple[int, int],
    less: tuple[str, int],
    parts: list[tuple[str | int, int, bool]],
) -> None:
    """Invariant: enhancement and maintenance (at 9 % or 21 %) less a deposit deducted or a
    discount (of other revenue) at 21 % (often leaving the tax negative), paid in any number of
    parts, some bounced, and at last the rest: each kind counts as collected its net (the
    deposit's money and the final invoice's together; a discount lowers the kinds in proportion
    to their nets), to the cent, never more before; commission per kind is rate x collected,
    rounded once; followed along the way, the lines are those of a rebuild."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    start = date(2024, 3, 1)
    nets = {
        kind: Decimal(cents) / 100
        for kind, cents in (("enhancement", enhancement[0]), ("maintenance", maintenance[0]))
        if cents
    }
    lines = [line("E", str(nets["enhancement"]), RevenueKind.ENHANCEMENT, enhancement[1])]
    if "maintenance" in nets:
        lines.append(line("M", str(nets["maintenance"]), RevenueKind.MAINTENANCE, maintenance[1]))
    off = (sum(nets.values()) * less[1] / 100).quantize(Decimal("0.01"))
    wanted = dict(nets)
    if less[0] == "deposit":
        deposit = paid_deposit(app, cust, str(off), start)
        invoice = final_invoice(app, cust, deposit, lines, start + timedelta(days=1))
    else:
        lines.append(line("X", str(-off), RevenueKind.OTHER, 21))
        invoice = issued(app, cust, lines, start + timedelta(days=1))
        cuts = split_by_weights(eur(off), list(nets.values()))
        wanted = {k: v - cut.amount for (k, v), cut in zip(nets.items(), cuts, strict=True)}
    live = Commissions(plan=PLAN)
    on = start + timedelta(days=2)
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
        payment = pay(app, cust, invoice, paid, on)
        if bounced:
            app.bounce_payment(payment, bounced_on=on + timedelta(days=1), reason="R01", actor=A)
            on += timedelta(days=1)
        catch_up(app, [live])
    assert app.invoice(invoice).outstanding.is_zero()
    catch_up(app, [live])
    assert {k: v for k, v in collected(live).items() if v} == {k: v for k, v in wanted.items() if v}
    for day in sorted({c.on for c in live.lines()}):
        for kind, net in collected(live, day).items():
            assert Decimal(0) <= net <= wanted.get(kind, Decimal(0)), (day, kind, net)
    # (a kind the discount takes whole, collecting 0.00, earns nothing and has no line)
    commission = {
        k: (RATES[k] * v).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for k, v in wanted.items()
    }
    assert {k: v for k, v in earned(live).items() if k in wanted and v} == {
        k: v for k, v in commission.items() if v
    }
    rebuilt = Commissions(plan=PLAN)
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == live.lines()
    app.close()
