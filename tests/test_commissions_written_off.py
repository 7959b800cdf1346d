"""Commission and a credit note that WRITES OFF what the customer cannot pay.

A write-off is a credit loss: the work was done, its revenue stays booked (the ledger's
write-off expense, the revenue schedule's ``writes_off`` rule) and nothing more was collected.
So it changes nothing the money already collected paid for: the manager keeps exactly what the
money earned. A price concession (CORRECTED) or a REBILLABLE note is different: the charge no
longer applies, so the money on the invoice pays for what the invoice still bills from the
note's day (``test_commissions_after_credit.py``).

The invoice of every story: enhancement 500.00 (5 %) and maintenance 500.00 (2 %), 21 % tax,
1,210.00, issued 8 March 2024 to mia's customer Acme.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from test_story_invoice import A, D, approve, customer, eur, manual

from q2c_core import CreditDisposition, Period, QuoteToCash, RevenueKind, RuleViolated
from q2c_core.projections import Commissions, ProjectionStore, catch_up, rebuild

MARCH = Period(date(2024, 3, 1), date(2024, 3, 31))
APRIL = Period(date(2024, 4, 1), date(2024, 4, 30))
PAID_ON = date(2024, 3, 10)
NOTE_ON = date(2024, 4, 1)


def _invoice(app: QuoteToCash, cust: UUID | None = None) -> tuple[UUID, UUID]:
    """The customer (Acme, unless given) and the issued invoice: L1 enhancement 500.00, L2
    maintenance 500.00."""
    cust = customer(app) if cust is None else cust
    lines = [
        manual("L1", "500", revenue_kind=RevenueKind.ENHANCEMENT),
        manual("L2", "500", revenue_kind=RevenueKind.MAINTENANCE),
    ]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    return cust, invoice


def _pay(app: QuoteToCash, cust: UUID, amount: str, on: date, ref: str) -> None:
    pay = app.receive_payment(cust, eur(amount), received_on=on, reference=ref, actor=A)
    app.allocate_payment(pay, allocated_on=on, actor=A)


def _note(
    app: QuoteToCash,
    invoice: UUID,
    line_ids: list[str],
    disposition: CreditDisposition,
    on: date = NOTE_ON,
) -> None:
    note = app.draft_credit_note(
        invoice,
        line_ids=line_ids,
        disposition=disposition,
        reason="customer insolvent"
        if disposition is CreditDisposition.WRITTEN_OFF
        else "maintenance not delivered",
        drafted_on=on,
        actor="billy",
    )
    approve(app, note)
    app.issue_invoice(note, issued_on=on, actor="bea")


def _commissions(app: QuoteToCash) -> Commissions:
    live = Commissions()
    catch_up(app, [live])
    return live


def _mia(live: Commissions, as_of: date | None = None) -> Decimal:
    return live.balances(as_of).get(("mia", "EUR"), eur(0)).amount


def _half_paid_then(disposition: CreditDisposition) -> tuple[QuoteToCash, UUID]:
    """605.00 paid on 10 March; the unpaid maintenance line credited on 1 April."""
    app = QuoteToCash.open("memory:")
    cust, invoice = _invoice(app)
    _pay(app, cust, "605.00", PAID_ON, "r1")
    _note(app, invoice, ["L2"], disposition)
    return app, invoice


def test_writing_off_the_unpaid_maintenance_keeps_the_commission_the_money_earned() -> None:
    """605.00 paid (250.00 enhancement, 250.00 maintenance, 105.00 tax): 12.50 + 5.00 = 17.50.
    The unpaid maintenance (605.00 with tax) is written off, the customer insolvent: still
    17.50, and no line dated 1 April (it used to re-split the 605.00 as all enhancement: 25.00).
    The invoice is settled: nothing is owed and nothing given back."""
    app, invoice = _half_paid_then(CreditDisposition.WRITTEN_OFF)
    assert app.invoice(invoice).outstanding.is_zero()
    live = _commissions(app)
    assert _mia(live) == Decimal("17.50")
    assert [(c.on, c.revenue_kind, c.collected, c.commission) for c in live.lines()] == [
        (PAID_ON, "enhancement", eur("250.00"), eur("12.50")),
        (PAID_ON, "maintenance", eur("250.00"), eur("5.00")),
    ]
    assert live.statement("mia", APRIL).totals == {}
    assert live.get(f"inv:{invoice.hex}").get("credits") is None  # (nothing taken off)


@pytest.mark.parametrize("disposition", [CreditDisposition.CORRECTED, CreditDisposition.REBILLABLE])
def test_a_concession_on_the_unpaid_maintenance_still_re_splits_the_money(
    disposition: CreditDisposition,
) -> None:
    """The same story with the maintenance conceded (CORRECTED: the charge no longer applies;
    or REBILLABLE: to bill again): from 1 April the invoice bills the enhancement 500.00 and
    its tax 105.00 alone, exactly the 605.00 paid, so that money collected the whole
    enhancement: 500.00 x 5 % = 25.00. March keeps its 17.50 (months closed never change);
    April reverses the 12.50 and 5.00 and earns 25.00, +7.50."""
    app, _ = _half_paid_then(disposition)
    live = _commissions(app)
    assert _mia(live) == Decimal("25.00")
    assert live.statement("mia", MARCH).totals == {"EUR": eur("17.50")}
    assert live.statement("mia", APRIL).totals == {"EUR": eur("7.50")}
    april = [(c.revenue_kind, c.collected) for c in live.statement("mia", APRIL).lines]
    assert sorted(april) == [
        ("enhancement", eur("-250.00")),
        ("enhancement", eur("500.00")),
        ("maintenance", eur("-250.00")),
    ]


def test_the_rest_paid_after_the_write_off_earns_what_605_always_earns() -> None:
    """302.50 paid on 10 March (125.00 + 125.00 + 52.50 tax: 6.25 + 2.50 = 8.75). The
    maintenance is written off on 1 April (605.00 of the 907.50 owed), leaving 302.50, which a
    second payment pays on 20 April: the revenue stays as billed, so it collects what the
    first did, 8.75 more, 17.50 in all: what 605.00 earns paid before the write-off, and what
    it earns paid in one go after it."""
    app = QuoteToCash.open("memory:")
    cust, invoice = _invoice(app)
    _pay(app, cust, "302.50", PAID_ON, "r1")
    _note(app, invoice, ["L2"], CreditDisposition.WRITTEN_OFF)
    assert app.invoice(invoice).outstanding == eur("302.50")
    _pay(app, cust, "302.50", date(2024, 4, 20), "r2")
    assert app.invoice(invoice).outstanding.is_zero()
    live = _commissions(app)
    assert live.statement("mia", MARCH).totals == {"EUR": eur("8.75")}
    assert live.statement("mia", APRIL).totals == {"EUR": eur("8.75")}
    assert _mia(live) == Decimal("17.50")

    after = QuoteToCash.open("memory:")  # written off first, then 605.00 paid
    cust, invoice = _invoice(after)
    _note(after, invoice, ["L2"], CreditDisposition.WRITTEN_OFF)
    _pay(after, cust, "605.00", date(2024, 4, 20), "r1")
    assert after.invoice(invoice).outstanding.is_zero()
    assert _mia(_commissions(after)) == Decimal("17.50")


def test_money_a_write_off_gives_back_still_takes_its_commission_back() -> None:
    """605.00 paid, then both lines written off (1,210.00): the note credits more than is
    owed, so the 605.00 goes back to the customer as credit (``PaymentUnapplied``), and with it
    its 17.50, on 1 April; March keeps the 17.50 it earned."""
    app = QuoteToCash.open("memory:")
    cust, invoice = _invoice(app)
    _pay(app, cust, "605.00", PAID_ON, "r1")
    _note(app, invoice, ["L1", "L2"], CreditDisposition.WRITTEN_OFF)
    assert app.customer_credit(cust) == eur("605.00")
    live = _commissions(app)
    assert _mia(live, date(2024, 3, 31)) == Decimal("17.50")
    assert _mia(live) == Decimal("0.00")
    assert live.statement("mia", APRIL).totals == {"EUR": eur("-17.50")}


def test_a_write_off_with_the_deposit_deduction_holds_the_deposit_and_keeps_the_revenue() -> None:
    """A 300.00 deposit (363.00) paid on 2 March 2026, deducted on a final invoice of
    enhancement 700.00 and maintenance 300.00 (847.00), 423.50 of it paid on 12 March. On 10
    June its enhancement is written off with the deduction (the books write off the work and
    hold the deposit for the customer again: a deposit is never written off). The deposit's
    money earns nothing through the final invoice from then; the final keeps 363.00 (60.50
    goes back as customer credit), which pays for what it bills with the enhancement's revenue
    kept and the deduction gone, 1,000.00 and 210.00 of tax: 30 %, 210.00 of enhancement and
    90.00 of maintenance, 10.50 + 1.80 = 12.30. (Before, the note took the enhancement off too,
    and the 363.00 paid the maintenance alone: 6.00.)"""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    deposit = app.draft_deposit_invoice(
        cust, eur("300.00"), description="deposit", drafted_on=date(2026, 3, 1), actor="billy"
    )
    approve(app, deposit)
    app.issue_invoice(deposit, issued_on=date(2026, 3, 1), actor="bea")
    _pay(app, cust, "363.00", date(2026, 3, 2), "d")
    lines = [
        manual("E", "700.00", revenue_kind=RevenueKind.ENHANCEMENT),
        manual("M", "300.00", revenue_kind=RevenueKind.MAINTENANCE),
    ]
    final = app.draft_invoice(cust, lines, drafted_on=date(2026, 3, 10), actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    approve(app, final)
    app.issue_invoice(final, issued_on=date(2026, 3, 10), actor="bea")
    _pay(app, cust, "423.50", date(2026, 3, 12), "f")
    deduction = [ln.line_id for ln in app.invoice(final).lines if ln.net.is_negative()]
    _note(app, final, ["E", *deduction], CreditDisposition.WRITTEN_OFF, date(2026, 6, 10))
    assert app.customer_credit(cust) == eur("60.50")
    live = Commissions()
    catch_up(app, [live], page_size=1)
    assert _mia(live, date(2026, 3, 31)) == Decimal("26.65")  # (12.30 + 14.35)
    assert _mia(live) == Decimal("12.30")
    rebuilt = Commissions()
    rebuild(app, [rebuilt])
    assert _seen(rebuilt) == _seen(live)


def _story(app: QuoteToCash) -> list[tuple[int, date]]:
    """Paid in part, written off, paid again; a second invoice paid and conceded: the position
    and the business day after each step."""
    cust, invoice = _invoice(app)
    _, second = _invoice(app, cust)
    steps: list[tuple[int, date]] = []

    def mark(on: date) -> None:
        steps.append((app.recorder.max_notification_id(), on))

    _pay(app, cust, "302.50", PAID_ON, "r1")  # (the first invoice, the oldest)
    mark(PAID_ON)
    _note(app, invoice, ["L2"], CreditDisposition.WRITTEN_OFF)
    mark(NOTE_ON)
    _pay(app, cust, "100.00", date(2024, 4, 20), "r2")
    mark(date(2024, 4, 20))
    _pay(app, cust, "202.50", date(2024, 5, 2), "r3")  # (the first invoice, settled)
    _pay(app, cust, "605.00", date(2024, 5, 2), "r4")  # (the second, half)
    mark(date(2024, 5, 2))
    _note(app, second, ["L2"], CreditDisposition.CORRECTED, date(2024, 5, 10))
    mark(date(2024, 5, 10))
    return steps


def _seen(live: Commissions) -> tuple[Any, ...]:
    return (live.rows(), live.lines(), live.balances())


@pytest.mark.parametrize("page", [1, 2, 3])
def test_followed_in_small_pages_it_holds_what_a_rebuild_holds(tmp_path: Path, page: int) -> None:
    """Followed a page of events at a time into a real SQLite store, after every step of the
    story, the rows, lines and balances are those of a rebuild from all the events."""
    app = QuoteToCash.open("memory:")
    steps = _story(app)
    live = Commissions(ProjectionStore.open(f"sqlite:///{tmp_path / 'rows.db'}"))
    for mark, _ in steps:
        catch_up(app, [live], page_size=page, until=mark)
        then = Commissions()
        rebuild(app, [then], until=mark)
        assert _seen(live) == _seen(then), mark
    # the first invoice: 605.00 collected in three parts, 17.50; the second: 605.00 collected,
    # its maintenance conceded: 25.00
    assert _mia(live) == Decimal("42.50")


def test_as_of_each_step_it_is_what_the_events_recorded_by_then_give() -> None:
    """Read from the whole history, the balance on each step's day and the statement from
    March to that day equal those built from the events recorded up to that step: a later
    write-off or concession never changes what was reported."""
    app = QuoteToCash.open("memory:")
    steps = _story(app)
    full = _commissions(app)
    for mark, day in steps:
        then = Commissions()
        catch_up(app, [then], until=mark)
        so_far = Period(MARCH.start, day)
        assert full.statement("mia", so_far) == then.statement("mia", so_far), day
        assert _mia(full, day) == _mia(then, day), day


class BuiltBeforeWriteOffsKeptTheirRevenue(Commissions):
    """A store of the earlier layout (rows version 11), whose write-offs re-split money."""

    def config(self) -> dict[str, Any]:
        return {**super().config(), "rows": 11}


def test_a_store_built_before_write_offs_kept_their_revenue_is_refused_until_rebuilt(
    tmp_path: Path,
) -> None:
    """Followed on, it would keep the 25.00 a write-off made of 605.00: refused with the
    rebuild advice; rebuilt, 17.50."""
    assert Commissions().config()["rows"] >= 12  # (the layout that keeps write-offs, or later)
    app, _ = _half_paid_then(CreditDisposition.WRITTEN_OFF)
    rows = f"sqlite:///{tmp_path / 'rows.db'}"
    catch_up(app, [BuiltBeforeWriteOffsKeptTheirRevenue(ProjectionStore.open(rows))])
    now = Commissions(ProjectionStore.open(rows))
    with pytest.raises(RuleViolated, match="rebuild it from events"):
        catch_up(app, [now])
    rebuild(app, [now])
    assert _mia(now) == Decimal("17.50")
