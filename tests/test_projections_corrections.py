"""Unbilled revenue agrees with ``preview_billing`` on contracts: corrections and moved subs.

The projection shows, per billed period whose history changed since its basis (a sub-contract
added or removed retroactively, or a correction voided), what the next run will bill or credit;
and a not-yet-billed period containing a move is estimated with the moved sub-contract's
running-total remainder, as the run bills it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_contract_billing import A, contract, customer, eur, sub

from q2c_core import BillingFrequency, DayCount, InvoiceKind, Period, QuoteToCash
from q2c_core.projections import UnbilledRevenue, catch_up

CONTRACT_KINDS = ("contract_period", "contract_correction")


def unbilled(app: QuoteToCash, as_of: date) -> UnbilledRevenue:
    projection = UnbilledRevenue()
    catch_up(app, [projection])
    return projection


def projected(app: QuoteToCash, as_of: date) -> dict[str, Decimal]:
    """Contract amounts the projection lists, per contract id (hex)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for item in unbilled(app, as_of).items(as_of):
        if item.kind in CONTRACT_KINDS:
            totals[item.contract_id] += item.amount.amount
    return {k: v for k, v in totals.items() if v}


def previewed(app: QuoteToCash, as_of: date) -> dict[str, Decimal]:
    """What the run would post now, per contract id (hex): credit notes count negative."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for draft in app.preview_billing(as_of):
        sign = -1 if draft.kind is InvoiceKind.CREDIT_NOTE else 1
        totals[draft.contract_id.hex] += sign * draft.net.amount
    return {k: v for k, v in totals.items() if v}


JAN = Period(date(2024, 1, 1), date(2024, 2, 1))


def test_a_voided_correction_shows_as_pending_until_billed_again(app: QuoteToCash) -> None:
    """S1 100 a month, January billed; S2 added back to 1 January: +100 pending; the run bills
    it; voiding that correction invoice makes it pending again, as the preview says."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    app.run_billing(date(2024, 1, 1), actor=A)
    assert projected(app, date(2024, 1, 10)) == previewed(app, date(2024, 1, 10)) == {}

    app.add_sub_contract(cid, sub("S2"), actor=A)
    items = [i for i in unbilled(app, date(2024, 1, 10)).items(date(2024, 1, 10)) if i.contract_id]
    assert [(i.kind, i.item_id, i.amount) for i in items] == [
        ("contract_correction", str(JAN), eur(100))
    ]
    assert projected(app, date(2024, 1, 10)) == previewed(app, date(2024, 1, 10))

    run = app.run_billing(date(2024, 1, 15), actor=A)
    assert [(d.kind, d.net) for d in run.documents] == [(InvoiceKind.STANDARD, eur(100))]
    assert projected(app, date(2024, 1, 20)) == previewed(app, date(2024, 1, 20)) == {}

    app.void_invoice(
        run.documents[0].invoice_id, reason="typo", actor=A, voided_on=date(2024, 1, 15)
    )
    as_of = date(2024, 1, 20)
    assert previewed(app, as_of) == {cid.hex: Decimal("100.00")}
    items = [i for i in unbilled(app, as_of).items(as_of) if i.contract_id == cid.hex]
    assert [(i.kind, i.item_id, i.amount) for i in items] == [
        ("contract_correction", str(JAN), eur(100))
    ]
    assert unbilled(app, as_of).totals(as_of, "contract").totals == {(cid.hex, "EUR"): eur(100)}

    app.run_billing(as_of, actor=A)
    assert projected(app, as_of) == previewed(app, as_of) == {}
    # February falls due: the period shows in full, S1 and S2 together
    assert projected(app, date(2024, 2, 1)) == previewed(app, date(2024, 2, 1))
    assert projected(app, date(2024, 2, 1)) == {cid.hex: Decimal("200.00")}


def test_a_retroactive_removal_shows_the_credit_due(app: QuoteToCash) -> None:
    """A sub-contract removed from 16 January after January was billed: a credit is pending."""
    cust = customer(app)
    cid = contract(app, cust)
    app.run_billing(date(2024, 1, 1), actor=A)
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 16), actor=A)
    as_of = date(2024, 1, 20)
    items = [i for i in unbilled(app, as_of).items(as_of) if i.contract_id == cid.hex]
    assert [i.kind for i in items] == ["contract_correction"]
    assert items[0].amount.is_negative()
    assert projected(app, as_of) == previewed(app, as_of)
    run = app.run_billing(as_of, actor=A)
    assert projected(app, as_of) == previewed(app, as_of) == {}
    # voiding the credit note gives the credit back to the pending list
    note = next(d for d in run.documents if d.kind is InvoiceKind.CREDIT_NOTE)
    app.void_invoice(note.invoice_id, reason="wrong date", actor=A, voided_on=date(2024, 1, 20))
    assert projected(app, as_of) == previewed(app, as_of) == {cid.hex: -note.net.amount}


def test_voiding_the_latest_of_two_corrections_rolls_back_only_that_one(
    app: QuoteToCash,
) -> None:
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    app.run_billing(date(2024, 1, 1), actor=A)
    app.add_sub_contract(cid, sub("S2"), actor=A)
    app.run_billing(date(2024, 1, 5), actor=A)
    app.add_sub_contract(cid, sub("S3", price=600), actor=A)
    second = app.run_billing(date(2024, 1, 6), actor=A)
    assert projected(app, date(2024, 1, 7)) == previewed(app, date(2024, 1, 7)) == {}
    app.void_invoice(
        second.documents[0].invoice_id, reason="typo", actor=A, voided_on=date(2024, 1, 6)
    )
    assert projected(app, date(2024, 1, 7)) == previewed(app, date(2024, 1, 7))
    assert projected(app, date(2024, 1, 7)) == {cid.hex: Decimal("50.00")}


# -- moved sub-contracts: the estimate of a due period is what the run bills ------------------


def _day(offset: int) -> date:
    return date(2024, 1, 1) + timedelta(days=offset)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    price=st.integers(min_value=0, max_value=100_000).map(lambda c: Decimal(c) / 100),
    move=st.integers(min_value=1, max_value=330),
    second=st.none() | st.integers(min_value=0, max_value=40),
    run_before=st.none() | st.integers(min_value=0, max_value=330),
    as_of=st.integers(min_value=0, max_value=365),
    frequency=st.sampled_from(list(BillingFrequency)),
    day_count=st.sampled_from(list(DayCount)),
)
def test_unbilled_equals_preview_for_histories_with_a_move(
    price: Decimal,
    move: int,
    second: int | None,
    run_before: int | None,
    as_of: int,
    frequency: BillingFrequency,
    day_count: DayCount,
) -> None:
    """Per contract and per due period the projection's amount is the preview's, to the cent,
    whatever the move date (a second move on, often in the same period), and whether a run
    billed before the move (then the move is a correction of a billed period)."""
    app = QuoteToCash.open("memory:")
    try:
        kw: dict[str, Any] = {"frequency": frequency, "day_count": day_count}
        cust = customer(app)
        a = contract(app, cust, number="MC-A", subs=(sub("MOVE", price=str(price)),), **kw)
        b = contract(app, cust, number="MC-B", subs=(sub("S9", price=7),), **kw)
        c = contract(app, cust, number="MC-C", subs=(sub("S8"),), **kw)
        if run_before is not None:
            app.run_billing(_day(run_before), actor="run")
        app.reassign_sub_contract(a, "MOVE", b, effective=_day(move), actor=A)
        if second is not None and move + second + 1 < 366:
            app.reassign_sub_contract(b, "MOVE", c, effective=_day(move + second + 1), actor=A)
        # (the preview plans on the periods billed as recorded; the projection reads a period
        # billed from its invoice's draft day on: they agree from the run's day on)
        day = _day(as_of if run_before is None else max(as_of, run_before))
        assert projected(app, day) == previewed(app, day)
        _same_periods(app, day, {a, b, c})
    finally:
        app.close()


def _same_periods(app: QuoteToCash, as_of: date, contracts: set[UUID]) -> None:
    """Each due period's item equals the preview's invoice for that period."""
    want = {
        (d.contract_id.hex, str(d.period)): d.net
        for d in app.preview_billing(as_of)
        if d.period is not None and d.contract_id in contracts
    }
    got = {
        (i.contract_id, i.item_id): i.amount
        for i in unbilled(app, as_of).items(as_of)
        if i.kind == "contract_period" and not i.amount.is_zero()
    }
    want = {k: v for k, v in want.items() if not v.is_zero()}
    assert got == want


def test_a_period_with_a_move_is_estimated_as_the_run_bills_it(app: QuoteToCash) -> None:
    """100 a year moved on 2 February: the source's February 0.29, the receiver's 8.04 (the
    running-total remainder of 8.33), not 8.05."""
    cust = customer(app)
    a = contract(app, cust, number="MC-A", subs=(sub("MOVE", price=100),))
    b = contract(app, cust, number="MC-B", subs=(sub("S9"),))
    app.run_billing(date(2024, 1, 1), actor="run")
    app.reassign_sub_contract(a, "MOVE", b, effective=date(2024, 2, 2), actor=A)
    as_of = date(2024, 2, 1)
    feb = str(Period(date(2024, 2, 1), date(2024, 3, 1)))
    got = {
        (i.contract_id, i.item_id): i.amount
        for i in unbilled(app, as_of).items(as_of)
        if i.kind == "contract_period"
    }
    assert got == {(a.hex, feb): eur("0.29"), (b.hex, feb): eur("108.04")}
    assert projected(app, as_of) == previewed(app, as_of)
