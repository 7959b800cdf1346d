"""Known-answer tests for the review fixes: commissions on deducted deposits (F5) and revenue
recognition of maintenance credit notes (F6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_story_invoice import D, approve, customer, eur, manual

from q2c_core import BillingFrequency, CreditDisposition, Money, QuoteToCash, RevenueKind, TimeEntry
from q2c_core.projections import Commissions, catch_up, rebuild


def _deposit_job(app: QuoteToCash, *, pay_deposit_on: date | None) -> tuple[UUID, UUID]:
    c = customer(app)
    dep = app.draft_deposit_invoice(
        c, eur(1000), description="Deposit for project", drafted_on=D, actor="billy"
    )
    approve(app, dep)
    app.issue_invoice(dep, issued_on=D, actor="bea")
    if pay_deposit_on is not None:
        p = app.receive_payment(
            c, app.invoice(dep).total, received_on=pay_deposit_on, reference="dep", actor="bea"
        )
        app.allocate_payment(p, allocated_on=pay_deposit_on, actor="bea")
    fin = app.draft_invoice(
        c, [manual("L1", "3000", revenue_kind=RevenueKind.ENHANCEMENT)], drafted_on=D, actor="billy"
    )
    app.deduct_deposit(fin, dep, actor="billy")
    approve(app, fin)
    app.issue_invoice(fin, issued_on=date(2024, 4, 2), actor="bea")
    return dep, fin


def test_deposit_and_final_invoice_all_paid_earn_commission_on_the_whole_job() -> None:
    app = QuoteToCash.open("memory:")
    dep, fin = _deposit_job(app, pay_deposit_on=date(2024, 3, 10))
    assert app.invoice(fin).total == eur("2420.00")  # 3,000 - 1,000 deposit + 21 % of 2,000
    c = app.invoice(fin).customer_id
    p = app.receive_payment(
        c, eur("2420.00"), received_on=date(2024, 4, 20), reference="fin", actor="bea"
    )
    app.allocate_payment(p, allocated_on=date(2024, 4, 20), actor="bea")
    cm = Commissions()
    catch_up(app, [cm])
    got = [(x.on, x.invoice_id, x.revenue_kind, x.collected, x.commission) for x in cm.lines()]
    assert got == [
        # the deposit's 1,000 counts as enhancement revenue once the final deducting it is issued
        (date(2024, 4, 2), dep.hex, "enhancement", eur("1000.00"), eur("50.00")),
        # the final invoice: 2,000 of enhancement revenue net of the deposit (+ 420 tax)
        (date(2024, 4, 20), fin.hex, "enhancement", eur("2000.00"), eur("100.00")),
    ]
    assert cm.balances() == {("mia", "EUR"): eur("150.00")}  # 5 % x 3,000
    fresh = Commissions()
    rebuild(app, [fresh])
    assert fresh.lines() == cm.lines()


def test_deposit_paid_after_the_final_invoice_earns_on_its_own_allocation_date() -> None:
    app = QuoteToCash.open("memory:")
    _, fin = _deposit_job(app, pay_deposit_on=None)
    c = app.invoice(fin).customer_id
    cm = Commissions()
    catch_up(app, [cm])
    assert cm.lines() == []
    p = app.receive_payment(
        c, eur("3630.00"), received_on=date(2024, 5, 1), reference="all", actor="bea"
    )
    app.allocate_payment(p, allocated_on=date(2024, 5, 1), actor="bea")
    catch_up(app, [cm])
    assert {x.on for x in cm.lines()} == {date(2024, 5, 1)}
    assert cm.balances() == {("mia", "EUR"): eur("150.00")}
    app.bounce_payment(p, bounced_on=date(2024, 5, 9), reason="returned", actor="bea")
    catch_up(app, [cm])
    assert cm.balances() == {("mia", "EUR"): eur("0.00")}
    assert sum((x.commission.amount for x in cm.lines() if x.reversal), Decimal(0)) == Decimal(-150)


def test_termination_credit_un_earns_its_days_ratably_never_below_zero() -> None:
    from test_contract_billing import A, contract, issue, sub
    from test_contract_billing import customer as contract_customer

    from q2c_core.projections import RevenueSchedule

    app = QuoteToCash.open("memory:")
    c = contract_customer(app)
    cid = contract(app, c, subs=(sub("S1", price=12000),), frequency=BillingFrequency.ANNUAL)
    r = app.run_billing(date(2024, 1, 1), actor=A)
    issue(app, r.documents[0].invoice_id, date(2024, 1, 1))
    app.terminate_contract(
        cid,
        effective=date(2024, 7, 1),
        reason="customer left",
        actor=A,
        noticed_on=date(2024, 7, 1),
    )
    r2 = app.run_billing(date(2024, 3, 1), actor=A)
    assert [(d.kind.name, d.net) for d in r2.documents] == [("CREDIT_NOTE", eur("6032.79"))]
    issue(app, r2.documents[0].invoice_id, date(2024, 3, 1))
    rs = RevenueSchedule()
    catch_up(app, [rs])
    # Jan-Mar: 91 of 366 days of 12,000 = 2,983.6066; the credited Jul-Dec days are not served
    # yet, but the credit (6,032.79) is 0.0031 more than their share of the line (184 of 366
    # days: 6,032.7869), and that part is taken back on its issue day: 2,983.60
    assert rs.recognised(date(2024, 3, 31)) == {"EUR": eur("2983.60")}
    # invoiced 12,000 - credited 6,032.79 - recognised 2,983.60: Apr-Jun still to earn
    assert rs.deferred(date(2024, 3, 31)) == {"EUR": eur("2983.61")}
    # through June: 182 of 366 days; after the end: exactly what is left invoiced
    assert rs.recognised(date(2024, 6, 30)) == {"EUR": eur("5967.21")}
    assert rs.recognised(date(2024, 9, 30)) == {"EUR": eur("5967.21")}
    assert rs.recognised(date(2024, 12, 31)) == {"EUR": eur("5967.21")}
    assert rs.deferred(date(2024, 12, 31)) == {"EUR": eur("0.00")}
    months = {m.month: m.amount for m in rs.by_month(date(2024, 1, 1), 12)}
    assert all(a.amount >= 0 for a in months.values())
    assert months[date(2024, 8, 1)] == eur("0.00")
    assert sum((a.amount for a in months.values()), Decimal(0)) == Decimal("5967.21")
    rule = [x.rule for x in rs.recognition_lines() if x.amount.amount < 0]
    assert rule == ["ratable_reversal"]


def test_credit_issued_after_the_days_it_credits_reverses_them_at_issue() -> None:
    from test_contract_billing import A, contract, issue, sub
    from test_contract_billing import customer as contract_customer

    from q2c_core.projections import RevenueSchedule

    app = QuoteToCash.open("memory:")
    c = contract_customer(app)
    cid = contract(app, c, subs=(sub("S1", price=12000),), frequency=BillingFrequency.ANNUAL)
    r = app.run_billing(date(2024, 1, 1), actor=A)
    issue(app, r.documents[0].invoice_id, date(2024, 1, 1))
    # retroactive: terminated from 2024-07-01, credited only on 2024-10-01
    app.terminate_contract(
        cid,
        effective=date(2024, 7, 1),
        reason="customer left",
        actor=A,
        noticed_on=date(2024, 7, 1),
    )
    r2 = app.run_billing(date(2024, 10, 1), actor=A)
    issue(app, r2.documents[0].invoice_id, date(2024, 10, 1))
    rs = RevenueSchedule()
    catch_up(app, [rs])
    assert rs.recognised(date(2024, 9, 30)) == {"EUR": eur("8983.61")}  # 274/366, as booked then
    # on the credit's issue date Jul 1 - Oct 1 (93 days) are reversed at once
    assert rs.recognised(date(2024, 10, 1)) == {"EUR": eur("5967.21")}
    assert rs.recognised(date(2024, 12, 31)) == {"EUR": eur("5967.21")}
    assert rs.deferred(date(2024, 12, 31)) == {"EUR": eur("0.00")}


def _credit_back(app: QuoteToCash, invoice: UUID, lines: list[str], on: date, why: str) -> None:
    """Credit these lines re-billable (their revenue taken back), approved and issued on ``on``."""
    note = app.draft_credit_note(
        invoice, line_ids=lines, disposition=CreditDisposition.REBILLABLE, reason=why,
        drafted_on=on, actor="billy",
    )  # fmt: skip
    approve(app, note)
    app.issue_invoice(note, issued_on=on, actor="bea")


def _work_in_progress_invoiced(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Hourly work (L1 4 h, L2 5.5 h at 100) invoiced on 2024-03-31 before it is completed;
    L1 credited re-billable on 2024-04-10 (the revenue taken back: a write-off keeps it,
    ``test_revenue_written_off_credit``)."""
    c = customer(app)
    r = app.open_request(c, "Export", requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(r, hours=10, rate=eur(100), actor="pete")
    app.send_quote(r, sent_on=date(2024, 3, 2), actor="pete")
    app.receive_purchase_order(
        r, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor="pete"
    )
    app.authorize_work(r, authorized_on=date(2024, 3, 4), actor="pete")
    for n, hours in ((1, "4"), (2, "5.5")):
        entry = TimeEntry(f"t{n}", "bob", date(2024, 3, 4 + n), Decimal(hours), eur(100))
        app.log_work(r, entry, actor="bob")
    inv = app.draft_request_invoice(r, drafted_on=date(2024, 3, 31), actor="billy")
    approve(app, inv)
    app.issue_invoice(inv, issued_on=date(2024, 3, 31), actor="bea")
    _credit_back(app, inv, ["L1"], date(2024, 4, 10), "goodwill")
    return r, inv


def test_credit_of_work_not_yet_completed_is_un_earned_when_the_work_is_completed() -> None:
    from q2c_core.projections import RevenueSchedule

    app = QuoteToCash.open("memory:")
    r, _ = _work_in_progress_invoiced(app)
    app.complete_request(r, completed_on=date(2024, 5, 2), actor="pete")
    rs = RevenueSchedule()
    catch_up(app, [rs])
    months = {m.month: m.amount for m in rs.by_month(date(2024, 3, 1), 3)}
    # nothing is earned before completion, not even a negative credit; May earns what is left
    assert months == {
        date(2024, 3, 1): eur("0.00"),
        date(2024, 4, 1): eur("0.00"),
        date(2024, 5, 1): eur("550.00"),
    }
    assert rs.deferred(date(2024, 4, 30)) == {"EUR": eur("550.00")}
    assert rs.deferred(date(2024, 5, 31)) == {"EUR": eur("0.00")}


def test_credit_of_work_never_completed_recognises_nothing() -> None:
    from q2c_core.projections import RevenueSchedule

    app = QuoteToCash.open("memory:")
    r, inv = _work_in_progress_invoiced(app)
    # the rest is credited too and the request is cancelled: nothing was ever earned
    _credit_back(app, inv, ["L2"], date(2024, 4, 11), "customer stopped")
    app.cancel_request(r, reason="customer stopped", cancelled_on=date(2024, 4, 12), actor="pete")
    rs = RevenueSchedule()
    catch_up(app, [rs])
    assert rs.recognised(date(2024, 12, 31)) == {"EUR": eur("0.00")}
    assert rs.deferred(date(2024, 12, 31)) == {"EUR": eur("0.00")}
    assert all(m.amount == eur("0.00") for m in rs.by_month(date(2024, 3, 1), 3))


def test_explain_of_money_on_a_deposit_lists_the_final_invoice_behind_its_commission() -> None:
    """Money collected on a deposit is commissioned as the revenue of the final invoice that
    deducts it: explaining that allocation lists the final invoice's lines and issue too."""
    from q2c_core.projections.base import row_key_id
    from q2c_core.projections.explain import events_behind

    app = QuoteToCash.open("memory:")
    dep, fin = _deposit_job(app, pay_deposit_on=date(2024, 3, 20))
    (paid,) = app.invoice(dep).payments
    key = f"alloc:{row_key_id(paid.payment_id)}|{paid.allocation_id}"
    events = events_behind(app, Commissions(), key)
    kinds = {(type(e).__qualname__, e.originator_id) for e in events}
    assert {("Invoice.Drafted", fin), ("Invoice.Issued", fin)} <= kinds
    assert ("Invoice.DepositDeducted", dep) in kinds
    app.close()


def _paid_in_parts(
    enhancement: str, maintenance: str, parts: tuple[str, ...]
) -> tuple[QuoteToCash, UUID]:
    """An issued invoice of enhancement and maintenance at 21 % tax, paid in ``parts``, each
    allocated as it arrives: the application and the invoice."""
    app = QuoteToCash.open("memory:")
    c = customer(app)
    inv = app.draft_invoice(
        c,
        [
            manual("L1", enhancement, revenue_kind=RevenueKind.ENHANCEMENT),
            manual("L2", maintenance, revenue_kind=RevenueKind.MAINTENANCE),
        ],
        drafted_on=D,
        actor="billy",
    )
    approve(app, inv)
    app.issue_invoice(inv, issued_on=D, actor="bea")
    for n, amount in enumerate(parts, start=1):
        p = app.receive_payment(c, eur(amount), received_on=D, reference=f"part {n}", actor="bea")
        app.allocate_payment(p, allocated_on=D, actor="bea")
    return app, inv


def test_an_invoice_paid_in_parts_collects_each_kind_s_net_to_the_cent() -> None:
    """100.00 of enhancement and 100.00 of maintenance at 21 % tax (242.00), paid 80.67, 80.67
    and 80.66: each payment is split on the running total collected, so the three together
    collect exactly 100.00 of each kind (split one by one they made 100.01 and 99.99)."""
    app, inv = _paid_in_parts("100", "100", ("80.67", "80.67", "80.66"))
    assert app.invoice(inv).outstanding.is_zero()
    cm = Commissions()
    catch_up(app, [cm])
    collected: dict[str, Money] = {}
    for line in cm.lines():
        collected[line.revenue_kind] = collected.get(line.revenue_kind, eur(0)) + line.collected
    assert collected == {"enhancement": eur("100.00"), "maintenance": eur("100.00")}
    app.close()


def test_a_tiny_payment_after_another_never_collects_a_negative_share() -> None:
    """10.00 of enhancement and 1.00 of maintenance (13.31 with tax), paid 0.20 then 0.01:
    on the running total the second payment would take a cent of maintenance back (largest
    remainders are not monotone); it is split on its own instead, every part at least zero."""
    from q2c_core.projections.commissions import CommissionPlan, CommissionRate

    app, _ = _paid_in_parts("10", "1", ("0.20", "0.01"))
    plan = CommissionPlan([CommissionRate("*", k, Decimal("0.5")) for k in RevenueKind])
    cm = Commissions(plan=plan)
    catch_up(app, [cm])
    assert cm.lines() and all(not x.collected.is_negative() for x in cm.lines())
    app.close()
