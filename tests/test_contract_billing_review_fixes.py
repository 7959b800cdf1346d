"""Contract billing, as a reviewer found it wanting: told as the customer's bills.

- A sub-contract moved twice on one day (A to B, B to C): the move's period still adds up to the
  cent to what one contract bills, as a single move does.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_beancount_ledger_fixes import assert_ledger_agrees
from test_contract_billing import YEAR, A, contract, customer, eur, issue, sub

from q2c_core import (
    BillingFrequency,
    CreditDisposition,
    DuplicateEntry,
    InvalidValue,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    OverAllocation,
    Period,
    PeriodAlignment,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    SourceKind,
)

JAN = Period(date(2024, 1, 1), date(2024, 2, 1))


def billed_for(app: QuoteToCash, cust: UUID, sub_id: str, period: Period) -> Decimal:
    """Net billed for a sub-contract's days in a period, over every contract, voided left out."""
    total = Decimal(0)
    for inv in app.invoices(cust):
        if inv.status is InvoiceStatus.VOIDED:
            continue
        sign = -1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in inv.lines:
            src = line.source
            if src is None or src.sub_contract_id != sub_id or src.period is None:
                continue
            if src.period.start in period:
                total += sign * line.net.amount
    return total


def one_contract_bills(price: str, period: Period, **kw: Any) -> Decimal:
    """What a single, never moved contract bills the sub-contract for a period."""
    solo = QuoteToCash.open("memory:")
    try:
        cust = customer(solo)
        contract(solo, cust, subs=(sub("S", price=price),), **kw)
        solo.run_billing(period.end, actor="run")
        return billed_for(solo, cust, "S", period)
    finally:
        solo.close()


# -- 1. a sub-contract moved on along a chain on one day ------------------------------------------


def test_moved_a_to_b_and_b_to_c_on_one_day_january_adds_up_to_the_cent(app: QuoteToCash) -> None:
    """1,003.00 a year, monthly: moved A to B and B to C, both on 10 January. A bills 1-9
    January (24.27), B nothing, C the rest of January's 83.58 (59.31), not its own 59.32."""
    cust = customer(app)
    a = contract(app, cust, number="A", subs=(sub("S", price=1003),))
    b = contract(app, cust, number="B", subs=(sub("K"),))
    c = contract(app, cust, number="C", subs=(sub("L"),))
    app.reassign_sub_contract(a, "S", b, effective=date(2024, 1, 10), actor=A)
    app.reassign_sub_contract(b, "S", c, effective=date(2024, 1, 10), actor=A)
    app.run_billing(date(2024, 1, 2), actor="run")
    assert one_contract_bills("1003", JAN) == Decimal("83.58")
    assert billed_for(app, cust, "S", JAN) == Decimal("83.58")
    by_contract = {
        line.source.contract_id: line.net.amount
        for inv in app.invoices(cust)
        for line in inv.lines
        if line.source is not None and line.source.sub_contract_id == "S"
    }
    assert by_contract == {a: Decimal("24.27"), c: Decimal("59.31")}


def test_b_billed_the_rest_of_january_then_moved_it_on_the_same_day_c_bills_b_s_remainder(
    app: QuoteToCash,
) -> None:
    """January billed in advance after the move to B (A 24.27, B 59.31); then B hands it to C
    from the same 10 January: B is credited its 59.31 and C bills exactly that, not 59.32."""
    cust = customer(app)
    a = contract(app, cust, number="A", subs=(sub("S", price=1003),))
    b = contract(app, cust, number="B", subs=(sub("K"),))
    c = contract(app, cust, number="C", subs=(sub("L"),))
    app.reassign_sub_contract(a, "S", b, effective=date(2024, 1, 10), actor=A)
    app.run_billing(date(2024, 1, 2), actor="run")
    assert billed_for(app, cust, "S", JAN) == Decimal("83.58")
    app.reassign_sub_contract(b, "S", c, effective=date(2024, 1, 10), actor=A)
    app.run_billing(date(2024, 1, 12), actor="run")
    assert billed_for(app, cust, "S", JAN) == Decimal("83.58")
    billed = {
        (line.source.contract_id, inv.kind): line.net.amount
        for inv in app.invoices(cust)
        for line in inv.lines
        if line.source is not None and line.source.sub_contract_id == "S"
    }
    assert billed[(b, InvoiceKind.CREDIT_NOTE)] == billed[(b, InvoiceKind.STANDARD)]
    assert billed[(c, InvoiceKind.STANDARD)] == Decimal("59.31")


def test_b_bills_some_days_then_c_bills_the_remainder_of_what_a_and_b_billed(
    app: QuoteToCash,
) -> None:
    """A to B on 10 January, B to C on 20 January, again on 20 January to D: the four bills of
    January add up to one contract's 83.58."""
    cust = customer(app)
    a = contract(app, cust, number="A", subs=(sub("S", price=1003),))
    b = contract(app, cust, number="B", subs=(sub("K"),))
    c = contract(app, cust, number="C", subs=(sub("L"),))
    d = contract(app, cust, number="D", subs=(sub("M"),))
    app.reassign_sub_contract(a, "S", b, effective=date(2024, 1, 10), actor=A)
    app.reassign_sub_contract(b, "S", c, effective=date(2024, 1, 20), actor=A)
    app.reassign_sub_contract(c, "S", d, effective=date(2024, 1, 20), actor=A)
    app.run_billing(date(2024, 1, 2), actor="run")
    assert billed_for(app, cust, "S", JAN) == Decimal("83.58")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    price=st.integers(min_value=0, max_value=500_000).map(lambda c: str(Decimal(c) / 100)),
    first=st.integers(min_value=1, max_value=300),
    # days after the move before: 0 is a move on the same day
    gaps=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=2),
    runs=st.lists(st.booleans(), min_size=3, max_size=3),
    frequency=st.sampled_from([BillingFrequency.MONTHLY, BillingFrequency.QUARTERLY]),
)
def test_a_chain_of_moves_bills_each_period_as_one_contract_would(
    price: str, first: int, gaps: list[int], runs: list[bool], frequency: BillingFrequency
) -> None:
    """A sub-contract moved along a chain of two or three contracts, on one day or on days
    apart, with or without a run between the moves: for every period, what all the contracts
    bill for it adds up to what one unmoved contract bills, to the cent."""
    app = QuoteToCash.open("memory:")
    try:
        cust = customer(app)
        chain = [
            contract(app, cust, number="C0", subs=(sub("S", price=price),), frequency=frequency)
        ]
        chain += [
            contract(app, cust, number=f"C{k + 1}", subs=(sub(f"K{k}"),), frequency=frequency)
            for k in range(len(gaps) + 1)
        ]
        day = YEAR.start + timedelta(days=first)
        for k, gap in enumerate([0, *gaps]):
            day += timedelta(days=gap)
            if runs[k]:
                app.run_billing(day - timedelta(days=1), actor="run")
            app.reassign_sub_contract(chain[k], "S", chain[k + 1], effective=day, actor=A)
        as_of = day + timedelta(days=100)
        app.run_billing(as_of, actor="run")
        solo = QuoteToCash.open("memory:")
        try:
            solo_cust = customer(solo)
            cid = contract(solo, solo_cust, subs=(sub("S", price=price),), frequency=frequency)
            solo.run_billing(as_of, actor="run")
            for billed in solo.contract(cid).billed.values():
                whole = billed_for(solo, solo_cust, "S", billed.period)
                assert billed_for(app, cust, "S", billed.period) == whole, billed.period
        finally:
            solo.close()
    finally:
        app.close()


# -- 2. a deposit and a contract invoice ----------------------------------------------------------

QUARTER = {"frequency": BillingFrequency.QUARTERLY, "alignment": PeriodAlignment.CALENDAR}


def q1_billed_with_a_deposit(app: QuoteToCash) -> tuple[UUID, UUID, UUID, UUID]:
    """12,000.00 a year billed quarterly: Q1 on an invoice of 3,000.00 (draft), and a 2,500.00
    deposit invoice issued. Returns customer, contract, Q1 invoice, deposit invoice."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S", price=12000),), **QUARTER)
    deposit = app.draft_deposit_invoice(
        cust, eur(2500), description="down payment", drafted_on=date(2024, 1, 1), actor=A
    )
    issue(app, deposit, date(2024, 1, 1))
    [q1] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    assert app.invoice(q1).total == eur(3000)
    return cust, cid, q1, deposit


def test_a_deposit_is_not_deducted_on_a_contract_period_invoice(app: QuoteToCash) -> None:
    """Refused naming the invoice and the rule; the Q1 invoice and the deposit stay as they
    were (nothing recorded)."""
    _, _, q1, deposit = q1_billed_with_a_deposit(app)
    lines = app.invoice(q1).lines
    with pytest.raises(RuleViolated) as refused:
        app.deduct_deposit(q1, deposit, actor=A)
    assert refused.value.field == "invoice_id"
    assert "contract" in str(refused.value) and "credit the deposit" in str(refused.value)
    assert app.invoice(q1).lines == lines
    assert app.invoice(deposit).deducted_by is None


def test_a_paid_deposit_reaches_the_contract_invoice_as_credit_and_a_later_credit_issues(
    app: QuoteToCash,
) -> None:
    """The 2,500.00 deposit paid, credited, and the customer's credit allocated to Q1 (500.00
    left to pay). Removed from 15 January, the run's credit note of 2,538.46 issues: Q1 now
    asks 461.54, paid by the deposit's money, and 2,038.46 is the customer's credit again."""
    cust, cid, q1, deposit = q1_billed_with_a_deposit(app)
    issue(app, q1, date(2024, 1, 2))
    paid = app.receive_payment(
        cust, eur(2500), received_on=date(2024, 1, 3), reference="DEP", actor=A
    )
    app.allocate_payment(paid, [(deposit, eur(2500))], allocated_on=date(2024, 1, 3), actor=A)
    note = app.draft_credit_note(
        deposit,
        line_ids=[line.line_id for line in app.invoice(deposit).lines],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="deposit taken on the contract invoice",
        drafted_on=date(2024, 1, 4),
        actor=A,
    )
    issue(app, note, date(2024, 1, 4))
    app.allocate_payment(paid, [(q1, eur(2500))], allocated_on=date(2024, 1, 4), actor=A)
    assert app.invoice(q1).outstanding == eur(500)
    app.remove_sub_contract(cid, "S", effective_to=date(2024, 1, 15), actor=A)
    [credit] = app.run_billing(date(2024, 1, 20), actor="run").invoice_ids
    assert app.invoice(credit).total == eur("2538.46")
    issue(app, credit, date(2024, 1, 20))
    assert app.invoice(q1).outstanding == eur(0)
    assert app.payment(paid).unallocated == eur("2038.46")
    assert_ledger_agrees(app, cust)


def test_a_deduction_recorded_before_is_named_when_the_run_s_credit_cannot_be_issued(
    app: QuoteToCash,
) -> None:
    """A book from before the rule: the deposit deducted on Q1 (500.00 to pay). The run's
    2,538.46 credit note is refused naming the deduction line to credit first, nothing
    recorded; once that line is credited (the deposit held again) the note issues, Q1 asks
    461.54 for 1-14 January, the customer pays it and the books balance."""
    cust, cid, q1, deposit = q1_billed_with_a_deposit(app)
    final, dep = app.invoice(q1), app.invoice(deposit)
    dep.deduct_deposit(q1, A)  # as deduct_deposit recorded it before
    [line] = dep.lines
    final.add_lines(
        [
            InvoiceLine(
                line_id="L2",
                description=f"Less deposit invoice {dep.number}: {line.description}",
                quantity=Decimal(-1),
                unit_price=line.net,
                tax=line.tax,
                source=LineSource(
                    SourceKind.DEPOSIT_DEDUCTION, invoice_id=dep.id, line_id=line.line_id
                ),
                revenue_kind=RevenueKind.DEPOSIT,
                price_reason=f"deposit {dep.number} deducted",
            )
        ],
        A,
    )
    app.save(final, dep)
    issue(app, q1, date(2024, 1, 2))
    assert app.invoice(q1).total == eur(500)
    app.remove_sub_contract(cid, "S", effective_to=date(2024, 1, 15), actor=A)
    [credit] = app.run_billing(date(2024, 1, 20), actor="run").invoice_ids
    with pytest.raises(OverAllocation) as refused:
        issue(app, credit, date(2024, 1, 20))
    assert "L2" in str(refused.value) and "deposit" in str(refused.value)
    assert app.invoice(credit).status is InvoiceStatus.APPROVED  # approved, not issued
    assert app.invoice(credit).number is None
    back = app.draft_credit_note(
        q1,
        line_ids=["L2"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="deposit back",
        drafted_on=date(2024, 1, 20),
        actor=A,
    )
    issue(app, back, date(2024, 1, 20))
    assert app.invoice(deposit).deducted_by is None
    app.issue_invoice(credit, issued_on=date(2024, 1, 20), actor="bea")
    assert app.invoice(q1).outstanding == eur("461.54")
    paid = app.receive_payment(
        cust, eur("461.54"), received_on=date(2024, 1, 25), reference="Q1", actor=A
    )
    app.allocate_payment(paid, [(q1, eur("461.54"))], allocated_on=date(2024, 1, 25), actor=A)
    assert app.invoice(q1).outstanding == eur(0)
    assert_ledger_agrees(app, cust)


# -- 3. the day a renewal takes effect ------------------------------------------------------------


def test_a_renewal_takes_effect_on_the_term_s_end_with_its_new_prices(app: QuoteToCash) -> None:
    """1,200.00 a year for 2024, renewed to the end of 2025 at 2,400.00: 2024 keeps its price,
    2025 bills the new one."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S", price=1200),))
    app.renew_contract(
        cid, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A,
        new_prices={"S": eur(2400)},
    )  # fmt: skip
    s = app.contract(cid).sub_contracts["S"]
    assert app.contract(cid).term == Period(date(2024, 1, 1), date(2026, 1, 1))
    assert s.price_on(date(2024, 12, 31)) == eur(1200)
    assert s.price_on(date(2025, 1, 1)) == eur(2400)


@pytest.mark.parametrize("effective", [date(2024, 7, 1), date(1999, 1, 1), date(2025, 6, 1)])
def test_a_renewal_said_to_take_effect_on_another_day_is_refused(
    app: QuoteToCash, effective: date
) -> None:
    """A renewal from 1 July 2024 with new prices (which would have started on 1 January 2025
    all the same), or from a day outside the term, is refused naming ``effective`` and the
    term's end; nothing is recorded."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S", price=1200),))
    before = app.contract(cid)
    with pytest.raises(InvalidValue) as refused:
        app.renew_contract(
            cid, new_end=date(2026, 1, 1), effective=effective, actor=A,
            new_prices={"S": eur(2400)},
        )  # fmt: skip
    assert refused.value.field == "effective" and "2025-01-01" in str(refused.value)
    after = app.contract(cid)
    assert after.version == before.version and after.term == YEAR
    assert after.sub_contracts["S"].prices == before.sub_contracts["S"].prices


def test_a_renewal_recorded_before_with_another_day_still_loads(app: QuoteToCash) -> None:
    """A ``Renewed`` event recorded before the rule, said to take effect on 1 July 2024, loads
    as it was recorded: the term to the end of 2025, the new price from the old end."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S", price=1200),))
    c = app.contract(cid)
    c._renewed(date(2026, 1, 1), date(2024, 7, 1), A, None, {"S": eur(2400)})
    app.save(c)
    loaded = app.contract(cid)
    assert loaded.term == Period(date(2024, 1, 1), date(2026, 1, 1))
    assert loaded.sub_contracts["S"].price_on(date(2025, 1, 1)) == eur(2400)
    assert loaded.sub_contracts["S"].price_on(date(2024, 7, 1)) == eur(1200)


# -- 4. a term renewed in the middle of a month billed in advance ----------------------------------

ENDS_MID_JANUARY = {
    "term": Period(date(2024, 1, 15), date(2025, 1, 15)),
    "alignment": PeriodAlignment.CALENDAR,
    "renewal_uplift_percent": 0,
}
JAN_2025 = Period(date(2025, 1, 1), date(2025, 2, 1))


def bill(app: QuoteToCash, as_of: date) -> list[Any]:
    """The run of ``as_of``, which posts what the preview showed, and again bills nothing."""
    preview = app.preview_billing(as_of)
    posted = app.run_billing(as_of, actor="run").documents
    assert [d.lines for d in preview] == [tuple(app.invoice(d.invoice_id).lines) for d in posted]
    assert app.run_billing(as_of, actor="run").documents == ()
    return list(posted)


def test_the_days_a_renewal_adds_to_a_billed_month_are_not_a_correction(
    app: QuoteToCash,
) -> None:
    """1,200.00 a year from 15 January 2024, monthly in advance on calendar months, renewed
    by hand: January 2025 bills 1-14 January (45.16) on 1 January; renewed on 10 January to
    15 January 2026, the run of 15 January bills 15-31 January (54.84) as the renewed term's,
    its line and invoice not called a correction; January adds up to 100.00. (An evergreen
    contract is renewed ahead by the run of 1 January and bills January whole:
    test_evergreen_in_advance.py.)"""
    cust = customer(app)
    cid = contract(
        app, cust, subs=(sub("S", start=date(2024, 1, 15), price=1200),), **ENDS_MID_JANUARY,
    )  # fmt: skip
    bill(app, date(2024, 12, 31))
    [first] = bill(app, date(2025, 1, 1))
    assert first.net == eur("45.16")
    app.renew_contract(cid, new_end=date(2026, 1, 15), effective=date(2025, 1, 15), actor=A)
    [rest] = bill(app, date(2025, 1, 15))
    assert app.contract(cid).term.end == date(2026, 1, 15)
    extra = app.invoice(rest.invoice_id)
    assert extra.kind is InvoiceKind.STANDARD and extra.net == eur("54.84")
    assert "correction" not in extra.note.lower()
    assert "renew" in extra.note
    [line] = extra.lines
    assert line.source is not None and line.source.period == Period(
        date(2025, 1, 15), date(2025, 2, 1)
    )
    assert "correction" not in line.source.note and "renew" in line.source.note
    assert billed_for(app, cust, "S", JAN_2025) == Decimal(100)


def test_a_sub_contract_added_back_in_a_billed_month_is_still_a_correction(
    app: QuoteToCash,
) -> None:
    """Days first billed because the contract changed (a sub-contract added from 10 January to
    a January billed already) keep the correction's label."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S", price=1200),))
    bill(app, date(2024, 1, 1))
    app.add_sub_contract(cid, sub("T", start=date(2024, 1, 10), price=1200), actor=A)
    [extra] = bill(app, date(2024, 1, 12))
    invoice = app.invoice(extra.invoice_id)
    assert invoice.note.startswith("Correction of")
    [line] = invoice.lines
    assert line.source is not None and line.source.note.startswith("correction:")


# -- what the README says of a sub-contract moved back -------------------------------------------


def test_a_sub_contract_moved_away_cannot_come_back_under_the_same_id(app: QuoteToCash) -> None:
    """Moved from A to B on 10 March, S cannot go back to A (A keeps its days to 10 March
    under that id): refused with DuplicateEntry naming sub_id, nothing recorded."""
    cust = customer(app)
    a = contract(app, cust, number="A", subs=(sub("S", price=1003),))
    b = contract(app, cust, number="B", subs=(sub("K"),))
    app.reassign_sub_contract(a, "S", b, effective=date(2024, 3, 10), actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        app.reassign_sub_contract(b, "S", a, effective=date(2024, 5, 1), actor=A)
    assert refused.value.field == "sub_id"
    assert app.recorder.max_notification_id() == before
