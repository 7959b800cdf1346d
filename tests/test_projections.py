"""Known answers of every projection on one story, and of the revenue and aging rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from beancount import loader
from beancount.core import data
from conftest import rewrite_stored_event
from hypothesis import given, settings
from hypothesis import strategies as st
from test_projections_story import eur, issue, story

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_core import (
    AllowanceUnit,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
)
from q2c_core.projections import (
    AwaitingPurchaseOrder,
    CommissionPlan,
    CommissionRate,
    Commissions,
    CustomerStatement,
    Kpis,
    PrepaidCreditUsage,
    ReceivablesAging,
    RevenueSchedule,
    ReviewMeeting,
    UnbilledRevenue,
    age_bucket,
    all_projections,
    catch_up,
    ratable_by_month,
    rebuild,
)

JUNE = date(2024, 6, 1)


@pytest.fixture
def world() -> tuple[QuoteToCash, dict]:  # type: ignore[type-arg]
    app = QuoteToCash.open("memory:")
    ids = story(app)
    projections = all_projections()
    catch_up(app, projections)
    return app, {"ids": ids, **{type(p).__name__: p for p in projections}}


def test_ratable_maintenance_12000_known_answer() -> None:
    """12,000.00 for 2024-03-15..2025-03-14 by day: each month on the running total, sum exact."""
    months = ratable_by_month(eur("12000.00"), Period(date(2024, 3, 15), date(2025, 3, 15)))
    assert len(months) == 13
    assert months[0] == (date(2024, 3, 1), eur("558.90"))  # 17 days: 558.904...
    assert months[1] == (date(2024, 4, 1), eur("986.31"))  # 1545.21 (47 days) - 558.90
    assert months[-1][0] == date(2025, 3, 1)
    assert sum((m.amount for _, m in months), Decimal(0)) == Decimal("12000.00")
    assert all(m.is_rounded() for _, m in months)


def _maintenance_scheduled(service: Period, issued_on: date) -> RevenueSchedule:
    """The revenue schedule of one 12,000.00 maintenance line for ``service``, invoiced (drafted
    and issued) on ``issued_on``."""
    app = QuoteToCash.open("memory:")
    c = app.register_customer("Beta", "EUR", account_manager="max", actor="a")
    line = InvoiceLine(
        "L1",
        "maintenance",
        Decimal(1),
        eur("12000.00"),
        TaxRate.standard(0),
        LineSource(SourceKind.CONTRACT_PERIOD, period=service),
        RevenueKind.MAINTENANCE,
    )
    inv = app.draft_invoice(c, [line], drafted_on=issued_on, actor="billy")
    issue(app, inv, issued_on)
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    return schedule


def test_revenue_schedule_projection_recognises_ratably_and_defers_the_rest() -> None:
    """A maintenance line is earned by day; deferred = invoiced - recognised, as of any date."""
    schedule = _maintenance_scheduled(
        Period(date(2024, 3, 15), date(2025, 3, 15)), date(2024, 3, 15)
    )
    # 292 days of 365 served by the end of 2024: exactly 9,600.00
    assert schedule.recognised(date(2024, 12, 31)) == {"EUR": eur("9600.00")}
    assert schedule.deferred(date(2024, 12, 31)) == {"EUR": eur("2400.00")}
    assert schedule.deferred(date(2024, 3, 14)) == {}  # not invoiced yet
    months = schedule.by_month(date(2024, 3, 1), 13)
    assert [m.amount for m in months][:2] == [eur("558.90"), eur("986.31")]
    assert sum((m.amount.amount for m in months), Decimal(0)) == Decimal("12000.00")
    forecast = schedule.forecast(date(2024, 12, 31), 12)
    assert forecast[0].month == date(2025, 1, 1)
    assert sum((m.amount.amount for m in forecast), Decimal(0)) == Decimal("2400.00")


def test_service_invoiced_late_is_earned_as_served_and_shown_as_a_contract_asset() -> None:
    """12,000.00 of maintenance for 2024, invoiced only on 1 June. On 31 March the 91 days
    served are earned (2,983.61) although nothing is invoiced: that is a contract asset, not
    negative deferred revenue. On every day: deferred = invoiced by then - (recognised -
    contract assets)."""
    schedule = _maintenance_scheduled(Period(date(2024, 1, 1), date(2025, 1, 1)), date(2024, 6, 1))
    assert schedule.recognised(date(2024, 3, 31)) == {"EUR": eur("2983.61")}
    assert schedule.contract_assets(date(2024, 3, 31)) == {"EUR": eur("2983.61")}
    assert schedule.deferred(date(2024, 3, 31)) == {}
    assert schedule.contract_assets(date(2024, 6, 1)) == {}
    for day in (date(2024, 1, 1), date(2024, 5, 31), date(2024, 6, 1), date(2024, 12, 31)):
        invoiced = Decimal("12000.00") if day >= date(2024, 6, 1) else Decimal(0)
        recognised = schedule.recognised(day).get("EUR", eur("0")).amount
        assets = schedule.contract_assets(day).get("EUR", eur("0")).amount
        deferred = schedule.deferred(day).get("EUR", eur("0")).amount
        assert deferred == invoiced - (recognised - assets), day


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(
        st.tuples(
            st.integers(1, 1_000_000),  # cents
            st.integers(0, 400),  # service start, days into 2024
            st.integers(1, 400),  # service days
            st.integers(0, 500),  # issued, days into 2024
        ),
        min_size=1,
        max_size=4,
    ),
    day=st.integers(-5, 900),
)
def test_deferred_revenue_and_contract_assets_reconcile_to_the_cent(
    lines: list[tuple[int, int, int, int]], day: int
) -> None:
    """Invariant: on any day, deferred revenue = invoiced by then - (recognised - contract
    assets), exactly, however the lines' service periods and issue dates fall; and with every
    line invoiced by then there is no contract asset, not even a cent of rounding."""
    app = QuoteToCash.open("memory:")
    c = app.register_customer("Beta", "EUR", account_manager="max", actor="a")
    start = date(2024, 1, 1)
    invoiced_on: list[tuple[date, Decimal]] = []
    for n, (cents, first, days, issued) in enumerate(lines):
        amount = Decimal(cents) / 100
        service = Period(start + timedelta(first), start + timedelta(first + days))
        line = InvoiceLine(
            f"L{n}",
            "maintenance",
            Decimal(1),
            eur(str(amount)),
            TaxRate.standard(0),
            LineSource(SourceKind.CONTRACT_PERIOD, period=service),
            RevenueKind.MAINTENANCE,
        )
        on = start + timedelta(issued)
        issue(app, app.draft_invoice(c, [line], drafted_on=on, actor="billy"), on)
        invoiced_on.append((on, amount))
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    when = start + timedelta(day)
    zero = eur("0")
    invoiced = sum((a for on, a in invoiced_on if on <= when), Decimal(0))
    recognised = schedule.recognised(when).get("EUR", zero).amount
    assets = schedule.contract_assets(when).get("EUR", zero).amount
    deferred = schedule.deferred(when).get("EUR", zero).amount
    assert deferred == invoiced - (recognised - assets)
    assert assets >= 0  # (no credit notes here: service is never billed ahead of itself)
    if all(on <= when for on, _ in invoiced_on):
        assert assets == 0  # everything is invoiced: nothing is earned ahead of its invoice


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
        (400, "90+"),
    ],
)
def test_age_bucket_edges(days: int, bucket: str) -> None:
    """Buckets by days past due: current, 1-30, 31-60, 61-90, 90+."""
    assert age_bucket(days) == bucket


@pytest.mark.parametrize(
    ("on", "bucket", "days", "work"),
    [
        (date(2024, 1, 31), "current", 0, "0"),
        (date(2024, 2, 20), "1-30", 20, "0"),
        (date(2024, 3, 15), "31-60", 44, "1210.00"),
        (date(2024, 4, 20), "61-90", 80, "0"),
        (JUNE, "90+", 122, "0"),
    ],
)
def test_receivables_aging_known_answers(  # type: ignore[no-untyped-def]
    world, on: date, bucket: str, days: int, work: str
) -> None:
    """The contract invoice (363.00, due 2024-01-31) is owed again after its payment bounced.
    The work invoice (1,210.00, issued 8 March, due 7 April, paid 20 April) is owed, current,
    on 15 March."""
    _, w = world
    aging: ReceivablesAging = w["ReceivablesAging"]
    (row,) = aging.aging(on)
    assert row.buckets[bucket] == eur("363.00")
    assert row.total == eur("363.00") + eur(work)
    contract_invoice = w["ids"]["contract_invoice"].hex
    (open_invoice,) = [i for i in aging.open_invoices(on) if i.invoice_id == contract_invoice]
    others = [(i.bucket, i.outstanding) for i in aging.open_invoices(on) if i != open_invoice]
    assert others == ([("current", eur(work))] if work != "0" else [])
    assert open_invoice.days_past_due == days
    assert [i.number for i in aging.past_due(on)] == ([] if days == 0 else [open_invoice.number])


def test_commissions_on_collected_revenue_and_reversed_on_bounce(world) -> None:  # type: ignore[no-untyped-def]
    """5 % of the 1,000.00 enhancement collected; the 2 % on maintenance reversed by the bounce."""
    _, w = world
    com: Commissions = w["Commissions"]
    feb = com.statement("mia", Period(date(2024, 2, 1), date(2024, 3, 1)))
    assert [(c.commission, c.reversal) for c in feb.lines] == [
        (eur("6.00"), False),
        (eur("-6.00"), True),
    ]
    assert feb.totals == {"EUR": eur("0.00")}
    april = com.statement("mia", Period(date(2024, 4, 1), date(2024, 5, 1)))
    (line,) = april.lines
    assert line.collected == eur("1000.00")  # the tax part of the 1,210.00 earns nothing
    assert line.rate == Decimal("0.05")
    assert april.totals == {"EUR": eur("50.00")}
    assert com.balances() == {("mia", "EUR"): eur("50.00")}


def test_commission_rates_per_manager_with_effective_dates() -> None:
    """The manager's own rate in force on the allocation date applies, else the "*" rate."""
    from q2c_core.domain.invoice_lines import RevenueKind as K

    plan = CommissionPlan(
        [
            CommissionRate("*", K.ENHANCEMENT, Decimal("0.05")),
            CommissionRate("mia", K.ENHANCEMENT, Decimal("0.08"), date(2024, 1, 1)),
            CommissionRate("mia", K.ENHANCEMENT, Decimal("0.10"), date(2024, 4, 15)),
        ]
    )
    assert plan.rate_for("mia", K.ENHANCEMENT, date(2024, 4, 14)) == Decimal("0.08")
    assert plan.rate_for("mia", K.ENHANCEMENT, date(2024, 4, 15)) == Decimal("0.10")
    assert plan.rate_for("max", K.ENHANCEMENT, date(2024, 4, 15)) == Decimal("0.05")
    assert plan.rate_for("mia", K.MAINTENANCE, date(2024, 4, 15)) == Decimal(0)
    app = QuoteToCash.open("memory:")
    story(app)
    com = Commissions(plan=plan)
    catch_up(app, [com])
    assert com.balances() == {("mia", "EUR"): eur("100.00")}  # 10 % of 1,000.00 on 2024-04-20


def test_commission_reversed_when_an_allocation_is_undone(world) -> None:  # type: ignore[no-untyped-def]
    """Reversing the allocation reverses exactly the commission it earned, in the statement of
    the reversal's business day (June), while April keeps what was earned then."""
    app, w = world
    com: Commissions = w["Commissions"]
    p = w["ids"]["payment"]
    allocation = app.payment(p).allocations[0].allocation_id
    app.reverse_allocation(
        p, allocation, reason="wrong invoice", actor="alice", reversed_on=date(2024, 6, 3)
    )
    catch_up(app, [com])
    assert com.balances() == {("mia", "EUR"): eur("0.00")}
    assert [c.commission for c in com.lines() if c.reversal][-1] == eur("-50.00")
    # to date by business day: earned on 20 April, reversed on 3 June; nothing before April
    assert com.balances(date(2024, 6, 2)) == {("mia", "EUR"): eur("50.00")}
    assert com.balances(date(2024, 6, 3)) == {("mia", "EUR"): eur("0.00")}
    assert com.balances(date(2024, 1, 31)) == {}
    april = com.statement("mia", Period(date(2024, 4, 1), date(2024, 5, 1)))
    june = com.statement("mia", Period(date(2024, 6, 1), date(2024, 7, 1)))
    assert april.totals == {"EUR": eur("50.00")}
    assert [(c.commission, c.reversal) for c in june.lines] == [(eur("-50.00"), True)]


def test_a_reversal_recorded_before_q2c_kept_its_day_is_dated_when_recorded(
    tmp_path: Path,
) -> None:
    """History written before reversals carried a business day still replays: the payment
    rebuilds with the allocation reversed (no day), and the commission comes back on the day
    the reversal was recorded, as it always did."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = QuoteToCash.open(url)
    ids = story(app)
    p = ids["payment"]
    allocation = app.payment(p).allocations[0].allocation_id
    app.reverse_allocation(
        p, allocation, reason="wrong invoice", actor="alice", reversed_on=date(2024, 6, 3)
    )
    app.close()
    # make the stored AllocationReversed what an older q2c wrote: no reversed_on at all
    old: dict[str, Any] = {}

    def without_reversed_on(facts: dict[str, Any]) -> None:
        del facts["reversed_on"]
        old.update(facts)

    rewrite_stored_event(tmp_path / "old.db", "Payment.AllocationReversed", without_reversed_on)
    recorded_on = datetime.fromisoformat(old["timestamp"]["_data_"]).date()

    app = QuoteToCash.open(url)
    (reversed_allocation,) = [a for a in app.payment(p).allocations if not a.is_live]
    assert reversed_allocation.reversed_reason == "wrong invoice"
    assert reversed_allocation.reversed_on is None
    com = Commissions()
    catch_up(app, [com])
    (reversal,) = [c for c in com.lines() if c.reversal and c.commission == eur("-50.00")]
    assert reversal.on == recorded_on
    # and the ledger books it that day, checked by Beancount itself
    entries, errors, _ = loader.load_string(export_ledger(app))
    assert errors == [], [e.message for e in errors]
    (booked,) = [
        e
        for e in entries
        if isinstance(e, data.Transaction) and e.narration.startswith("Allocation reversed on")
    ]
    assert booked.date == recorded_on
    app.close()


def test_unbilled_revenue_known_answers(world) -> None:  # type: ignore[no-untyped-def]
    """Unbilled work, allowance overage (drawn by work date) and a contract quarter due."""
    _, w = world
    ids = w["ids"]
    unbilled: UnbilledRevenue = w["UnbilledRevenue"]
    items = {(i.kind, i.item_id): i for i in unbilled.items(JUNE)}
    assert items[("work", "u1")].amount == eur("300.00")
    assert items[("work", "u1")].age_bucket == "31-60"
    overage = items[("allowance_overage", "v1")]  # v2 (back-dated) drew first: v1 is 2 h over
    assert (overage.hours, overage.amount) == (Decimal(2), eur("200.00"))
    period = items[("contract_period", "2024-04-01..2024-06-30")]
    assert period.amount == eur("300.00")  # a full quarter of 1,200.00 a year
    assert ("contract_period", "2024-01-01..2024-03-31") not in items  # billed
    assert ("contract_period", "2024-07-01..2024-09-30") not in items  # not due yet
    (leak,) = unbilled.leakage_risk(JUNE)
    assert (leak.item_id, leak.amount, leak.authorized) == ("x1", eur("200.00"), False)
    customer = ids["customer"].hex
    assert unbilled.customer_total(customer, "EUR", JUNE) == eur("800.00")
    by_manager = unbilled.totals(JUNE, "account_manager").totals
    assert by_manager == {("mia", "EUR"): eur("800.00")}
    by_request = unbilled.totals(JUNE, "request").totals
    assert by_request[(ids["request2"].hex, "EUR")] == eur("300.00")
    by_contract = unbilled.totals(JUNE, "contract").totals
    assert by_contract[(ids["contract"].hex, "EUR")] == eur("300.00")


def test_invoicing_moves_work_out_of_unbilled(world) -> None:  # type: ignore[no-untyped-def]
    """Invoicing takes work (and overage) off the unbilled list; voiding puts it back."""
    app, w = world
    ids = w["ids"]
    unbilled: UnbilledRevenue = w["UnbilledRevenue"]
    inv = app.draft_request_invoice(ids["request2"], drafted_on=JUNE, actor="billy")
    inv5 = app.draft_request_invoice(ids["request5"], drafted_on=JUNE, actor="billy")
    catch_up(app, [unbilled])
    kinds = {i.kind for i in unbilled.items(JUNE)}
    assert kinds == {"contract_period", "work"}  # only the unauthorized x1 work is left
    assert [i.item_id for i in unbilled.items(JUNE) if i.kind == "work"] == ["x1"]
    app.void_invoice(inv, reason="wrong", actor="bea", voided_on=date(2024, 6, 1))
    app.void_invoice(inv5, reason="wrong", actor="bea", voided_on=date(2024, 6, 1))
    catch_up(app, [unbilled])
    assert unbilled.customer_total(ids["customer"].hex, "EUR", JUNE) == eur("800.00")


def test_prepaid_usage_statement_kpis_review_awaiting(world) -> None:  # type: ignore[no-untyped-def]
    """Allowance usage, the customer statement, time KPIs, the review and the PO follow-up."""
    _, w = world
    ids = w["ids"]
    prepaid: PrepaidCreditUsage = w["PrepaidCreditUsage"]
    (u,) = prepaid.usage(date(2024, 12, 10))
    assert (u.granted, u.drawn, u.remaining, u.overage, u.overage_billed) == (
        Decimal(5),
        Decimal(5),
        Decimal(0),
        Decimal(2),
        Decimal(0),
    )
    assert not u.expiring_soon  # nothing left to expire
    statement: CustomerStatement = w["CustomerStatement"]
    s = statement.statement(ids["customer"].hex)
    assert (s.invoiced, s.paid, s.open, s.credit) == (
        eur("1573.00"),
        eur("1210.00"),
        eur("363.00"),
        eur("0"),
    )
    assert [p.bounced_on for p in s.payments] == [date(2024, 2, 15), None]
    assert [i.number for i in s.open_invoices] == [s.invoices[0].number]
    kpis: Kpis = w["Kpis"]
    times = {(t.worker, t.customer_id): t for t in kpis.time_entered_vs_invoiced()}
    bob = times[("bob", ids["customer"].hex)]
    assert (bob.entered, bob.invoiced) == (Decimal(19), Decimal(10))
    march = kpis.utilisation(Period(date(2024, 3, 1), date(2024, 4, 1)))
    assert [(x.worker, x.logged, x.available) for x in march] == [
        ("bob", Decimal(17), Decimal(168))
    ]
    assert march[0].utilisation_percent == Decimal("10.1")
    assert kpis.billable_hours_percent() == Decimal("100.0")
    review: ReviewMeeting = w["ReviewMeeting"]
    titles = {r.title: r for r in review.items(JUNE)}
    assert set(titles) == {"Reports", "Hotfix", "Mobile app", "Tweak"}  # Export is billed, paid
    assert titles["Reports"].has_po and not titles["Hotfix"].has_po
    assert titles["Reports"].on_schedule is False  # due 2024-04-28, not completed by June
    assert titles["Tweak"].covered_by_allowance
    assert titles["Tweak"].over_estimate is False
    awaiting: AwaitingPurchaseOrder = w["AwaitingPurchaseOrder"]
    (q,) = awaiting.awaiting(JUNE)
    assert (q.title, q.age_days, q.estimate) == ("Mobile app", 60, eur("4000.00"))
    # on a day before the quote went out it is not awaiting anything (no negative age)
    assert awaiting.awaiting(q.quoted_on) == [attrs.evolve(q, age_days=0)]
    assert awaiting.awaiting(q.quoted_on - timedelta(days=1)) == []
    areas = {a.product_area: a for a in awaiting.history_by_area()}
    assert areas["mobile"].open == 1 and areas["api"].won == 1


def test_every_projection_equals_its_rebuild(world) -> None:  # type: ignore[no-untyped-def]
    """Incremental (followed as the story happened) equals rebuilt from an empty start."""
    app, w = world
    live = [v for v in w.values() if hasattr(v, "rows")]
    assert len(live) == 9
    again = all_projections()
    rebuild(app, again)
    by_name = {p.name: p for p in again}
    for p in live:
        assert p.rows() == by_name[p.name].rows()
    assert Money.of(1, "EUR") == eur(1)


def test_contract_periods_due_match_the_billing_run_and_go_once_billed(world) -> None:  # type: ignore[no-untyped-def]
    """Due-but-unbilled periods are exactly what the billing run would bill; billed, they go."""
    app, w = world
    ids = w["ids"]
    unbilled: UnbilledRevenue = w["UnbilledRevenue"]
    on = date(2024, 7, 1)
    due = {i.item_id: i.amount for i in unbilled.items(on) if i.kind == "contract_period"}
    preview = {
        str(d.period): d.net
        for d in app.preview_billing(on)
        if d.contract_id == ids["contract"] and d.period is not None
    }
    assert (
        due
        == preview
        == {
            "2024-04-01..2024-06-30": eur("300.00"),
            "2024-07-01..2024-09-30": eur("300.00"),
        }
    )
    app.run_billing(on, actor="billy")
    catch_up(app, [unbilled])
    assert [i for i in unbilled.items(on) if i.kind == "contract_period"] == []


def test_a_voided_period_invoice_makes_the_period_due_again(world) -> None:  # type: ignore[no-untyped-def]
    """Voiding a billing run's draft gives the period back (PeriodReleased): unbilled again."""
    app, w = world
    ids = w["ids"]
    unbilled: UnbilledRevenue = w["UnbilledRevenue"]
    on = date(2024, 4, 2)
    (q2,) = app.run_billing(on, actor="billy").invoice_ids
    catch_up(app, [unbilled])
    assert [i for i in unbilled.items(on) if i.kind == "contract_period"] == []
    app.void_invoice(q2, reason="wrong address", actor="bea", voided_on=date(2024, 4, 2))
    catch_up(app, [unbilled])
    due = [(i.item_id, i.amount) for i in unbilled.items(on) if i.kind == "contract_period"]
    assert due == [("2024-04-01..2024-06-30", eur("300.00"))]
    assert ids["contract"].hex in unbilled.totals(on, "contract").totals.__repr__()


def test_fixed_price_work_is_billed_once_at_its_price() -> None:
    """A fixed-price request is unbilled at its price once a PO covers it. Late hours on a
    request whose price is invoiced add nothing to what is owed, but are leakage to follow up
    (``test_fixed_price_late_work_is_leakage``): ``unbilled_work`` counts them at their worth."""
    from test_projections_story import work

    app = QuoteToCash.open("memory:")
    c = app.register_customer("Gamma", "EUR", account_manager="ana", actor="a")
    r = app.open_request(c, "Portal", requested_on=date(2024, 5, 1), actor="a")
    app.estimate_request(r, fixed_price=eur("5000.00"), actor="a")
    app.send_quote(r, sent_on=date(2024, 5, 1), actor="a")
    app.receive_purchase_order(
        r, number="PO-9", amount=eur("5000.00"), received_on=date(2024, 5, 2), actor="a"
    )
    app.authorize_work(r, authorized_on=date(2024, 5, 2), actor="a")
    app.log_work(r, work("f1", date(2024, 5, 3), "7"), actor="bob")
    app.log_work(r, work("f2", date(2024, 5, 4), "9"), actor="bob")
    unbilled = UnbilledRevenue()

    def total() -> Money:
        catch_up(app, [unbilled])
        return unbilled.totals(JUNE, "request").totals.get((r.hex, "EUR"), eur(0))

    assert total() == eur("5000.00") == app.unbilled_work(r)
    (item,) = unbilled.items(JUNE)
    assert (item.kind, item.item_id, item.hours) == ("fixed_price", "f1,f2", Decimal(16))
    app.complete_request(r, completed_on=date(2024, 5, 10), actor="a")
    inv = app.draft_request_invoice(r, drafted_on=date(2024, 5, 10), actor="billy")
    assert total() == eur(0) == app.unbilled_work(r)
    app.import_work(r, work("f3", date(2024, 5, 11), "2"), source="csv", actor="import")
    assert total() == eur(0)  # late hours: the price is already invoiced
    assert [i.item_id for i in unbilled.leakage_risk(JUNE)] == ["f3"]  # (done after it)
    app.void_invoice(inv, reason="wrong", actor="bea", voided_on=date(2024, 5, 10))
    assert total() == eur("5000.00")
    assert app.unbilled_work(r) == eur("5200.00")  # the price, and 2 late hours as leakage


def test_an_allowance_is_expiring_soon_up_to_its_last_day_not_after() -> None:
    """Hours granted for March (period 1 Mar - 1 Apr, the end day excluded): with a 10-day
    window it is flagged from 21 March (last day 31 March within 10 days) through 31 March,
    and no longer on 1 April, the first day it does not cover."""
    app = QuoteToCash.open("memory:")
    c = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.grant_allowance(
        c,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=Period(date(2024, 3, 1), date(2024, 4, 1)),
        granted_on=date(2024, 3, 1),
        actor="bea",
    )
    prepaid = PrepaidCreditUsage()
    catch_up(app, [prepaid])

    def soon(day: date) -> bool:
        (u,) = prepaid.usage(day, expiring_within_days=10)
        return u.expiring_soon

    assert [soon(date(2024, 3, d)) for d in (20, 21, 31)] == [False, True, True]
    assert not soon(date(2024, 4, 1))


def test_kpi_percentages_round_half_up_like_every_figure() -> None:
    """1 billable hour of 16 is 6.25 %: shown 6.3 (half up), never 6.2; nothing of nothing
    is 0."""
    from q2c_core.projections.kpis import percent

    assert percent(Decimal(1), Decimal(16)) == Decimal("6.3")
    assert percent(Decimal(3), Decimal(16)) == Decimal("18.8")
    assert percent(Decimal(0), Decimal(0)) == Decimal(0)


def test_unbilled_as_of_a_day_holds_only_work_done_by_then() -> None:
    """Hours logged on 5 and 20 March: on 10 March only the 5 March hours were unbilled (5 days
    old: 1-30), never work not done yet with a negative age."""
    from q2c_core import TimeEntry

    app = QuoteToCash.open("memory:")
    c = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    r = app.open_request(c, "Export", requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(r, hours=10, rate=eur("100"), actor="pete")
    app.send_quote(r, sent_on=date(2024, 3, 2), actor="bea")
    app.receive_purchase_order(
        r, number="PO-1", amount=eur("1000"), received_on=date(2024, 3, 3), actor="bea"
    )
    app.authorize_work(r, authorized_on=date(2024, 3, 4), actor="pete")
    for entry_id, day in (("t1", 5), ("t2", 20)):
        entry = TimeEntry(entry_id, "dana", date(2024, 3, day), Decimal(2), eur("100"))
        app.log_work(r, entry, actor="dana")
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    march_10 = unbilled.items(date(2024, 3, 10))
    assert [(i.item_id, i.amount, i.age_bucket) for i in march_10] == [
        ("t1", eur("200.00"), "1-30")
    ]
    assert unbilled.customer_total(c.hex, "EUR", date(2024, 3, 31)) == eur("400.00")


def test_explain_lists_the_events_a_number_is_computed_from(world) -> None:  # type: ignore[no-untyped-def]
    """An unbilled item of work on a prepaid request shows as overage because of the
    allowance's draws: those events are behind the number too, not only the work logged. An
    invoice's aging follows its payment's reversal day: the payment's reversal is listed."""
    from q2c_core.projections import ReceivablesAging, UnbilledRevenue
    from q2c_core.projections.base import row_key_id
    from q2c_core.projections.explain import events_behind

    app, w = world
    r5 = w["ids"]["request5"]
    events = events_behind(app, UnbilledRevenue(), f"item:{row_key_id(r5)}|v1")
    kinds = [type(e).__qualname__ for e in events]
    assert "EnhancementRequest.WorkLogged" in kinds
    assert kinds.count("PrepaidAllowance.WorkCharged") == 2  # v2 drawn first, then v1
    p = w["ids"]["payment"]
    (allocation,) = app.payment(p).allocations
    app.reverse_allocation(
        p, allocation.allocation_id, reason="wrong invoice", actor="alice",
        reversed_on=date(2024, 6, 3),
    )  # fmt: skip
    events = events_behind(app, ReceivablesAging(), f"inv:{row_key_id(allocation.invoice_id)}")
    kinds = [type(e).__qualname__ for e in events]
    assert "Payment.AllocationReversed" in kinds and "Invoice.PaymentUnapplied" in kinds
    assert all(
        e.originator_id in (allocation.invoice_id, p) for e in events
    )  # nothing of another invoice


def test_explain_leaves_out_what_concerns_another_invoice_on_a_shared_payment() -> None:
    """One payment split over invoices A and B, B's allocation reversed: A's explanation lists
    A's own payment and nothing of B (the reversal row is the payment's, shared by both)."""
    from q2c_core.projections import ReceivablesAging
    from q2c_core.projections.base import row_key_id
    from q2c_core.projections.explain import events_behind

    app = QuoteToCash.open("memory:")
    ids = story(app)
    a, b = ids["invoice"], ids["contract_invoice"]
    first = ids["payment"]
    (earlier,) = app.payment(first).allocations
    app.reverse_allocation(
        first, earlier.allocation_id, reason="r", actor="a", reversed_on=date(2024, 5, 1)
    )
    p = app.receive_payment(
        ids["customer"], eur("200.00"), received_on=date(2024, 5, 1), reference="X", actor="a"
    )
    _, to_b = app.allocate_payment(
        p, [(a, eur("100.00")), (b, eur("100.00"))], allocated_on=date(2024, 5, 2), actor="a"
    )
    app.reverse_allocation(p, to_b, reason="wrong invoice", actor="a", reversed_on=date(2024, 5, 3))
    events = events_behind(app, ReceivablesAging(), f"inv:{row_key_id(a)}")
    assert all(getattr(e, "allocation_id", None) != to_b for e in events)
    assert [type(e).__qualname__ for e in events].count("Payment.AllocationReversed") == 1


def test_explain_lists_the_invoice_behind_a_commission_and_a_review_row() -> None:
    """A commission line is split over its invoice's revenue kinds, tax and manager, and a
    request's invoiced and paid columns come from the invoices billing it: their explanations
    list the invoice's drafting, its issue and the money applied, and nothing of another
    allocation on the same invoice."""
    from q2c_core.projections.base import row_key_id
    from q2c_core.projections.explain import events_behind

    app = QuoteToCash.open("memory:")
    ids = story(app)
    inv, r = ids["invoice"], ids["request"]
    (paid,) = app.payment(ids["payment"]).allocations
    commissions = Commissions()
    key = f"alloc:{row_key_id(ids['payment'])}|{paid.allocation_id}"
    events = events_behind(app, commissions, key)
    kinds = {(type(e).__qualname__, e.originator_id) for e in events}
    assert {("Invoice.Drafted", inv), ("Invoice.Issued", inv)} <= kinds
    assert ("Invoice.PaymentApplied", inv) in kinds
    assert all(
        getattr(e, "allocation_id", paid.allocation_id) == paid.allocation_id for e in events
    )

    events = events_behind(app, ReviewMeeting(), f"req:{row_key_id(r)}")
    kinds = {(type(e).__qualname__, e.originator_id) for e in events}
    assert ("EnhancementRequest.WorkLogged", r) in kinds
    assert {("Invoice.Drafted", inv), ("Invoice.PaymentApplied", inv)} <= kinds
    assert all(e.originator_id in (r, inv) for e in events)  # no other invoice's
    app.close()
