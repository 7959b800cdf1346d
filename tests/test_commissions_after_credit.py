"""Commission after a credit note: money paid after lines were credited earns commission only
on the revenue kinds still owed, at the rates of the plan."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from uuid import UUID

from conftest import rewrite_stored_event
from hypothesis import given, settings
from hypothesis import strategies as st
from test_story_invoice import A, D, approve, customer, eur, manual

from q2c_core import CreditDisposition, Money, Period, QuoteToCash, RevenueKind
from q2c_core.projections import (
    CommissionPlan,
    CommissionRate,
    Commissions,
    all_projections,
    catch_up,
    rebuild,
)


def concede(app: QuoteToCash, invoice: UUID, line_ids: list[str], on: date, reason: str) -> None:
    """A price concession on these lines (CORRECTED: the charge no longer applies, the revenue
    is taken back), approved and issued on ``on``: from its day the money on the invoice pays
    for what it still bills. (A note that writes the lines off keeps the revenue, and changes
    nothing the money pays for: test_commissions_written_off.py.)"""
    note = app.draft_credit_note(
        invoice,
        line_ids=line_ids,
        disposition=CreditDisposition.CORRECTED,
        reason=reason,
        drafted_on=on,
        actor="billy",
    )
    approve(app, note)
    app.issue_invoice(note, issued_on=on, actor="bea")


def _two_line_invoice(app: QuoteToCash, enhancement: Decimal, maintenance: Decimal) -> UUID:
    """An issued invoice for the customer: L1 enhancement, L2 maintenance (21 % tax)."""
    cust = customer(app)
    lines = [
        manual("L1", str(enhancement), revenue_kind=RevenueKind.ENHANCEMENT),
        manual("L2", str(maintenance), revenue_kind=RevenueKind.MAINTENANCE),
    ]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    return invoice


def test_a_payment_after_the_enhancement_was_credited_earns_only_maintenance() -> None:
    """Invoice: enhancement 700.00 and maintenance 300.00, 21 % tax (1,210.00). The
    enhancement line is credited (847.00) before any payment; the customer pays the 363.00
    still owed. Commission: maintenance 300.00 x 2 % = 6.00, and no enhancement commission
    (before, the payment was split over both kinds as drafted: 1.80 on 90.00 of maintenance
    and 10.50 on 210.00 of enhancement that was never collected)."""
    app = QuoteToCash.open("memory:")
    invoice = _two_line_invoice(app, Decimal(700), Decimal(300))
    cust = app.invoice(invoice).customer_id
    concede(app, invoice, ["L1"], D, "not delivered")
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


def _paid_then_credited(
    app: QuoteToCash,
    kinds: tuple[RevenueKind, RevenueKind],
    credited: str,
    paid_on: date,
    credited_on: date,
) -> None:
    """L1 700.00 and L2 300.00 (21 % tax), paid in full on ``paid_on``; line ``credited``
    credited on ``credited_on`` (the payment gives that money back as customer credit)."""
    cust = customer(app)
    lines = [
        manual("L1", "700", revenue_kind=kinds[0]),
        manual("L2", "300", revenue_kind=kinds[1]),
    ]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    pay = app.receive_payment(cust, eur("1210.00"), received_on=paid_on, reference="r", actor=A)
    app.allocate_payment(pay, allocated_on=paid_on, actor=A)
    concede(app, invoice, [credited], credited_on, "credited")
    assert app.invoice(invoice).outstanding.is_zero()


def _net_by_kind(projection: Commissions) -> dict[str, Decimal]:
    net: dict[str, Decimal] = {}
    for line in projection.lines():
        net[line.revenue_kind] = net.get(line.revenue_kind, Decimal(0)) + line.commission.amount
    return net


def test_crediting_a_paid_invoice_takes_back_commission_at_the_rate_it_was_earned() -> None:
    """Enhancement at 5 % until 31 May and 10 % from 1 June. 1,000.00 of enhancement paid in
    March earns 50.00; 300.00 of it credited on 10 June takes back 15.00, at March's rate: 35.00
    net (not 70.00, which re-earning the kept 700.00 at June's 10 % would give)."""
    plan = CommissionPlan(
        [
            CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.05")),
            CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.10"), date(2024, 6, 1)),
        ]
    )
    app = QuoteToCash.open("memory:")
    kinds = (RevenueKind.ENHANCEMENT, RevenueKind.ENHANCEMENT)
    _paid_then_credited(app, kinds, "L2", date(2024, 3, 10), date(2024, 6, 10))
    live = Commissions(plan=plan)
    catch_up(app, [live])
    assert _net_by_kind(live) == {"enhancement": Decimal("35.00")}
    june = [line for line in live.lines() if line.on == date(2024, 6, 10)]
    assert sum((line.commission.amount for line in june), Decimal(0)) == Decimal("-15.00")


def test_crediting_the_enhancement_of_a_paid_invoice_leaves_only_maintenance_commission() -> None:
    """Enhancement 700.00 (5 %) and maintenance 300.00 (2 %) paid in full, then the enhancement
    credited: 35.00 of enhancement commission is taken back whole, the 6.00 on maintenance
    stays (the money the invoice keeps is split over what is still owed: maintenance and its
    tax)."""
    app = QuoteToCash.open("memory:")
    kinds = (RevenueKind.ENHANCEMENT, RevenueKind.MAINTENANCE)
    _paid_then_credited(app, kinds, "L1", date(2024, 3, 10), date(2024, 3, 20))
    live = Commissions()
    catch_up(app, [live])
    assert _net_by_kind(live) == {"enhancement": Decimal("0.00"), "maintenance": Decimal("6.00")}
    rebuilt = [p for p in all_projections() if p.name == live.name]
    rebuild(app, rebuilt)
    assert rebuilt[0].rows() == live.rows()


def test_payments_applied_before_q2c_kept_collected_on_still_replay(tmp_path: Path) -> None:
    """History written before ``PaymentApplied`` carried ``collected_on``: the invoice and the
    read models rebuild from it, and commission is earned on the day the money was applied."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = QuoteToCash.open(url)
    cust = customer(app)
    line = manual("L1", "100", revenue_kind=RevenueKind.ENHANCEMENT)
    invoice = app.draft_invoice(cust, [line], drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    pay = app.receive_payment(cust, eur("121.00"), received_on=D, reference="r", actor=A)
    app.allocate_payment(pay, allocated_on=D, actor=A)
    app.close()
    # what an older q2c wrote: no collected_on
    rewrite_stored_event(
        tmp_path / "old.db", "Invoice.PaymentApplied", lambda e: e.pop("collected_on")
    )
    app = QuoteToCash.open(url)
    assert app.invoice(invoice).outstanding.is_zero()
    live = Commissions()
    catch_up(app, [live])
    [earned] = live.lines()
    assert (earned.on, earned.commission) == (D, eur("5.00"))  # 100.00 x 5 %
    app.close()


def test_a_second_credit_note_takes_back_commission_at_the_first_collection_rate() -> None:
    """Enhancement 5 % until 31 March, 10 % from 1 April. 1,000.00 paid on 10 March; 100.00
    credited on 10 April, then 200.00 on 10 June: the 700.00 kept is still March money, so the
    net commission is 35.00 (the kept part remembers its first collection day across notes)."""
    plan = CommissionPlan(
        [
            CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.05")),
            CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.10"), date(2024, 4, 1)),
        ]
    )
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    lines = [
        manual(f"L{n}", price, revenue_kind=RevenueKind.ENHANCEMENT)
        for n, price in ((1, "700"), (2, "200"), (3, "100"))
    ]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    paid_on = date(2024, 3, 10)
    pay = app.receive_payment(cust, eur("1210.00"), received_on=paid_on, reference="r", actor=A)
    app.allocate_payment(pay, allocated_on=paid_on, actor=A)
    for line_id, on in (("L3", date(2024, 4, 10)), ("L2", date(2024, 6, 10))):
        concede(app, invoice, [line_id], on, "credited")
    [kept] = app.invoice(invoice).payments
    assert (kept.amount, kept.collected_on) == (eur("847.00"), paid_on)
    live = Commissions(plan=plan)
    catch_up(app, [live])
    assert live.balances() == {("mia", "EUR"): eur("35.00")}


def test_a_bounce_after_a_bank_import_takes_its_commission_back() -> None:
    """Two transfers in one statement pay one invoice (the import saves the invoice before the
    second payment): when the second bounces, its commission is reversed."""
    from q2c_adapters.importers.bank import BankStatementImporter

    app = QuoteToCash.open("memory:")
    cust = customer(app)
    line = manual("L1", "1000", revenue_kind=RevenueKind.ENHANCEMENT)
    invoice = app.draft_invoice(cust, [line], drafted_on=D, actor="billy")
    approve(app, invoice)
    number = app.issue_invoice(invoice, issued_on=D, actor="bea")
    name = app.customer(cust).name
    csv = (
        "date,amount,currency,remittance,name,reference\n"
        f"2024-04-02,600.00,EUR,{number} part 1,{name},T-1\n"
        f"2024-04-02,610.00,EUR,{number} part 2,{name},T-2\n"
    )
    BankStatementImporter(app, today=date(2024, 4, 2)).import_bytes(
        csv.encode(), "statement.csv", actor="bank"
    )
    assert app.invoice(invoice).outstanding.is_zero()
    [second] = [p for p in app.payments(cust) if p.reference == "T-2"]
    app.bounce_payment(second.id, bounced_on=date(2024, 4, 10), reason="returned", actor=A)
    live = Commissions()
    catch_up(app, [live])
    assert live.balances() == {("mia", "EUR"): eur("24.79")}  # 495.87 x 5 % of the first
    assert [c.commission for c in live.lines() if c.reversal] == [eur("-25.21")]


def _deposit_deducted_on_final(
    app: QuoteToCash, deposit: int, nets: tuple[str, str], issued_on: date
) -> tuple[UUID, UUID]:
    """A deposit invoiced and paid in full on D, deducted on a final invoice of enhancement
    ``nets[0]`` and maintenance ``nets[1]`` issued on ``issued_on``: (customer, final)."""
    cust = customer(app)
    dep = app.draft_deposit_invoice(
        cust, eur(deposit), description="deposit", drafted_on=D, actor="billy"
    )
    approve(app, dep)
    app.issue_invoice(dep, issued_on=D, actor="bea")
    paid = app.receive_payment(cust, app.invoice(dep).total, received_on=D, reference="d", actor=A)
    app.allocate_payment(paid, allocated_on=D, actor=A)
    lines = [
        manual("L1", nets[0], revenue_kind=RevenueKind.ENHANCEMENT),
        manual("L2", nets[1], revenue_kind=RevenueKind.MAINTENANCE),
    ]
    final = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    app.deduct_deposit(final, dep, actor="billy")
    approve(app, final)
    app.issue_invoice(final, issued_on=issued_on, actor="bea")
    return cust, final


def test_a_credit_on_a_final_invoice_never_changes_a_closed_months_deposit_commission() -> None:
    """A 300.00 deposit is deducted on a final invoice (enhancement 700.00, maintenance 300.00)
    issued and paid in March; in June the maintenance line is credited. March's commission
    lines, the deposit's included, stay exactly as they were (its statement was closed); the
    credit shows as June's lines (the deposit re-split over the enhancement from then on:
    tests/test_commissions_deposits.py)."""
    app = QuoteToCash.open("memory:")
    cust, final = _deposit_deducted_on_final(app, 300, ("700", "300"), date(2024, 3, 10))
    rest = app.receive_payment(
        cust, app.invoice(final).total, received_on=date(2024, 3, 12), reference="f", actor=A
    )
    app.allocate_payment(rest, allocated_on=date(2024, 3, 12), actor=A)

    def march() -> list[tuple[date, str, Money]]:
        live = Commissions()
        catch_up(app, [live])
        return [(c.on, c.revenue_kind, c.commission) for c in live.lines() if c.on.month == 3]

    before = march()
    concede(app, final, ["L2"], date(2024, 6, 10), "maintenance dropped")
    assert march() == before


APRIL_1, APRIL_10 = date(2024, 4, 1), date(2024, 4, 10)


def test_money_paid_before_a_credit_that_fits_earns_only_on_what_it_pays_for() -> None:
    """Enhancement 1,000.00 (5 %) and maintenance 1,000.00 (2 %), 21 % tax: 2,420.00. The
    customer pays 1,210.00 on 1 April (earning 25.00 + 10.00 on the split as drafted); on
    10 April the enhancement is credited (1,210.00), which the 1,210.00 still owed absorbs, so
    no money is given back. The money paid now pays for the maintenance alone: on 10 April the
    35.00 is reversed and 20.00 earned on 1,000.00 of maintenance, 20.00 net, exactly what
    paying after the credit earns."""
    app = QuoteToCash.open("memory:")
    invoice = _two_line_invoice(app, Decimal(1000), Decimal(1000))
    cust = app.invoice(invoice).customer_id
    pay = app.receive_payment(cust, eur("1210.00"), received_on=APRIL_1, reference="r", actor=A)
    app.allocate_payment(pay, allocated_on=APRIL_1, actor=A)
    concede(app, invoice, ["L1"], APRIL_10, "not delivered")
    assert app.invoice(invoice).outstanding.is_zero() and app.customer_credit(cust).is_zero()
    live = Commissions()
    catch_up(app, [live])
    assert [(x.on, x.revenue_kind, x.commission.amount) for x in live.lines()] == [
        (APRIL_1, "enhancement", Decimal("25.00")),
        (APRIL_1, "maintenance", Decimal("10.00")),
        (APRIL_10, "maintenance", Decimal("20.00")),
        (APRIL_10, "enhancement", Decimal("-25.00")),
        (APRIL_10, "maintenance", Decimal("-10.00")),
    ]
    assert _net_by_kind(live) == {"enhancement": Decimal("0.00"), "maintenance": Decimal("20.00")}
    # a bounce later takes back what the money earns now, not what it first earned
    app.bounce_payment(pay, bounced_on=date(2024, 5, 2), reason="NSF", actor=A)
    catch_up(app, [live])
    assert sum((x.commission.amount for x in live.lines()), Decimal(0)) == Decimal("0.00")
    may = [(x.revenue_kind, x.commission.amount) for x in live.lines() if x.on.month == 5]
    assert may == [("maintenance", Decimal("-20.00"))]
    rebuilt = [p for p in all_projections() if p.name == live.name]
    rebuild(app, rebuilt)
    assert rebuilt[0].rows() == live.rows()


@settings(max_examples=30, deadline=None)
@given(
    enhancement=st.integers(min_value=1, max_value=500_000),
    maintenance=st.integers(min_value=1, max_value=500_000),
    credited=st.sampled_from(["L1", "L2"]),
    paid_first=st.booleans(),
)
def test_commission_does_not_depend_on_paying_before_or_after_a_credit(
    enhancement: int, maintenance: int, credited: str, paid_first: bool
) -> None:
    """Invariant: money that pays what an invoice bills after a credit note earns the same
    commission whether it was paid before the credit (and re-split when the credit came) or
    after it: commission follows what the money finally pays for, here rate x the net of the
    line left, and nothing on the credited one."""
    nets = (Decimal(enhancement) / 100, Decimal(maintenance) / 100)
    twin = QuoteToCash.open("memory:")  # (what is left to pay once the line is credited)
    twin_invoice = _two_line_invoice(twin, *nets)
    concede(twin, twin_invoice, [credited], APRIL_10, "credited")
    kept = twin.invoice(twin_invoice).outstanding
    app = QuoteToCash.open("memory:")
    invoice = _two_line_invoice(app, *nets)
    cust = app.invoice(invoice).customer_id
    pay = app.receive_payment(cust, kept, received_on=APRIL_1, reference="r", actor=A)
    if paid_first:
        app.allocate_payment(pay, allocated_on=APRIL_1, actor=A)
    concede(app, invoice, [credited], APRIL_10, "credited")
    if not paid_first:
        app.allocate_payment(pay, allocated_on=APRIL_10, actor=A)
    assert app.invoice(invoice).outstanding.is_zero()
    live = Commissions()
    catch_up(app, [live])
    net = _net_by_kind(live)
    kind, rate, left = (
        ("maintenance", Decimal("0.02"), nets[1])
        if credited == "L1"
        else ("enhancement", Decimal("0.05"), nets[0])
    )
    assert net.pop(kind) == (left * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert all(v == 0 for v in net.values())


def test_a_credit_that_fits_on_a_final_invoice_re_splits_the_money_paid_on_it() -> None:
    """A 1,000.00 deposit (paid) is deducted on a final invoice of enhancement 2,000.00 and
    maintenance 1,000.00 (2,420.00 to pay). 1,000.00 is paid on it, then the maintenance is
    credited (1,210.00, which the 1,420.00 still owed absorbs). The 1,000.00 now pays the
    enhancement alone: 1,000 x 1,000/1,210 = 826.45 of it, and its maintenance is taken back
    whole. So does the deposit from the note's day: its 666.67 of enhancement and 333.33 of
    maintenance are taken back and its 1,000.00 counts as enhancement. Commission is on the
    manager's running total per kind, so the figures to check are hers: 5 % of 1,000.00 +
    826.45 = 91.32 and no maintenance."""
    app = QuoteToCash.open("memory:")
    cust, final = _deposit_deducted_on_final(app, 1000, ("2000", "1000"), APRIL_1)
    pay = app.receive_payment(cust, eur("1000.00"), received_on=APRIL_1, reference="f", actor=A)
    app.allocate_payment(pay, [(final, eur("1000.00"))], allocated_on=APRIL_1, actor=A)
    concede(app, final, ["L2"], APRIL_10, "maintenance not delivered")
    assert app.invoice(final).outstanding == eur("210.00")
    live = Commissions()
    catch_up(app, [live])
    on_final = {}
    for line in live.lines():
        if line.payment_id == pay.hex:
            kind = line.revenue_kind
            on_final[kind] = on_final.get(kind, Decimal(0)) + line.collected.amount
    assert on_final == {"enhancement": Decimal("826.45"), "maintenance": Decimal("0.00")}
    assert _net_by_kind(live) == {"enhancement": Decimal("91.32"), "maintenance": Decimal("0.00")}


def test_an_allocation_undone_before_a_later_credit_note_takes_back_what_it_earned_then() -> None:
    """1,000.00 of enhancement and 1,000.00 of maintenance (21 % tax) paid on 8 March; the
    enhancement line credited on 1 April; then, recorded afterwards, the allocation is undone
    as of 20 March (a back-dated reversal), and in a second story the payment bounces as of 20
    March. The money was off the invoice before the credit note re-split it: March's accruals
    are reversed on 20 March exactly, nothing happens on 1 April, and March nets to zero
    (before, 20 March reversed the April split that did not yet exist, March kept a part of
    its commission and April took it back)."""
    for undo in ("reverse", "bounce"):
        app = QuoteToCash.open("memory:")
        invoice = _two_line_invoice(app, Decimal(1000), Decimal(1000))
        cust = app.invoice(invoice).customer_id
        pay = app.receive_payment(cust, eur("1210.00"), received_on=D, reference="r", actor=A)
        [allocation] = app.allocate_payment(pay, allocated_on=D, actor=A)
        concede(app, invoice, ["L1"], date(2024, 4, 1), "not delivered")
        if undo == "reverse":
            app.reverse_allocation(
                pay, allocation, reason="wrong invoice", actor=A, reversed_on=date(2024, 3, 20)
            )
        else:
            app.bounce_payment(pay, bounced_on=date(2024, 3, 20), reason="R01", actor=A)

        live = Commissions()
        catch_up(app, [live])
        accruals = sorted(
            (c.revenue_kind, c.commission.amount) for c in live.lines() if not c.reversal
        )
        reversals = sorted(
            (c.revenue_kind, -c.commission.amount) for c in live.lines() if c.reversal
        )
        assert {c.on for c in live.lines()} == {D, date(2024, 3, 20)}, undo
        assert [k for k, _ in accruals] == ["enhancement", "maintenance"], undo
        assert accruals == reversals, undo
        march = live.statement("mia", Period(date(2024, 3, 1), date(2024, 4, 1)))
        assert march.totals["EUR"].is_zero(), undo
        assert live.balances(date(2024, 4, 30)) == {("mia", "EUR"): eur("0.00")}, undo


MARCH_10, MARCH_20 = date(2024, 3, 10), date(2024, 3, 20)


def test_a_credit_dated_before_the_money_came_in_earns_nothing_before_the_money() -> None:
    """Enhancement 100.00 (5 %) and maintenance 100.00 (2 %), 21 % tax: 242.00, issued on 8
    March. The customer pays 121.00 on 20 March; afterwards the maintenance line is credited as
    of 10 March (121.00, which the 121.00 still owed absorbs). The money pays the enhancement
    and its tax alone, so Mia earns 5.00 on 20 March, the day it came in, and nothing before:
    on 15 March she has earned nothing, and her statement of 1 to 19 March is empty (before,
    the money was re-split on 10 March, ten days before it was collected: reversals of 2.50
    and 1.00 and 5.00 earned, 1.50 on 15 March)."""
    app = QuoteToCash.open("memory:")
    invoice = _two_line_invoice(app, Decimal(100), Decimal(100))
    cust = app.invoice(invoice).customer_id
    pay = app.receive_payment(cust, eur("121.00"), received_on=MARCH_20, reference="r", actor=A)
    app.allocate_payment(pay, allocated_on=MARCH_20, actor=A)
    concede(app, invoice, ["L2"], MARCH_10, "maintenance not delivered")
    assert app.invoice(invoice).outstanding.is_zero() and app.customer_credit(cust).is_zero()

    live = Commissions()
    catch_up(app, [live])
    assert [(x.on, x.revenue_kind, x.collected, x.commission) for x in live.lines()] == [
        (MARCH_20, "enhancement", eur("100.00"), eur("5.00"))
    ]
    assert live.balances(date(2024, 3, 15)).get(("mia", "EUR"), eur(0)) == eur("0.00")
    assert live.statement("mia", Period(date(2024, 3, 1), MARCH_20)).lines == ()
    assert live.balances(MARCH_20) == {("mia", "EUR"): eur("5.00")}
    rebuilt = [p for p in all_projections() if p.name == live.name]
    rebuild(app, rebuilt)
    assert rebuilt[0].rows() == live.rows()


def test_credit_notes_recorded_out_of_date_order_re_split_the_money_in_date_order() -> None:
    """Enhancement 100.00 (L1) and maintenance 100.00 twice (L2, L3), 21 % tax: 363.00. The
    customer pays 121.00 on 20 March: 33.33 of enhancement and 66.67 of maintenance, 1.67 +
    1.33 = 3.00 for Mia. Then L2 is credited as of 25 March, and after that L1 as of 22 March
    (both fit in what is still owed). From 22 March the money pays maintenance and its tax
    alone: 100.00 of maintenance, 2.00, and it still does from 25 March. So Mia has 3.00 on 20
    March and 2.00 on every day from 22 March, and never less than nothing of enhancement
    (before, the 22 March re-split reversed the 25 March one before that was made: -16.67 of
    enhancement collected and 1.50 from 22 to 24 March)."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    lines = [
        manual("L1", "100", revenue_kind=RevenueKind.ENHANCEMENT),
        manual("L2", "100", revenue_kind=RevenueKind.MAINTENANCE),
        manual("L3", "100", revenue_kind=RevenueKind.MAINTENANCE),
    ]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    pay = app.receive_payment(cust, eur("121.00"), received_on=MARCH_20, reference="r", actor=A)
    app.allocate_payment(pay, allocated_on=MARCH_20, actor=A)
    concede(app, invoice, ["L2"], date(2024, 3, 25), "maintenance not needed")
    concede(app, invoice, ["L1"], date(2024, 3, 22), "enhancement not delivered")
    assert app.invoice(invoice).outstanding.is_zero() and app.customer_credit(cust).is_zero()

    live = Commissions()
    catch_up(app, [live])
    assert live.balances(MARCH_20) == {("mia", "EUR"): eur("3.00")}
    for day in range(22, 32):
        assert live.balances(date(2024, 3, day)) == {("mia", "EUR"): eur("2.00")}, day
        collected: dict[str, Decimal] = {}
        for line in live.lines():
            if line.on <= date(2024, 3, day):
                kind = line.revenue_kind
                collected[kind] = collected.get(kind, Decimal(0)) + line.collected.amount
        assert collected == {"enhancement": Decimal("0.00"), "maintenance": Decimal("100.00")}
    rebuilt = [p for p in all_projections() if p.name == live.name]
    rebuild(app, rebuilt)
    assert rebuilt[0].rows() == live.rows()
