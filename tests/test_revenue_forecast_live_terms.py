"""The forecast counts what is not issued yet as ``recognised`` does: at the contract's terms as
they stand now, not at what a draft says.

A contract billed monthly in arrears at 3,650.00 a year: the 1 April run drafts March, and on
2 April a termination effective 15 March is recorded. ``recognised`` on any day from 15 March
on is 745.71 (January, February and 1-14 March), but the forecast of 20 March still showed
107.93 for 21-31 March, days after the contract ended, counted from the stale March draft. So
recognised to date plus the forecast promised more than the contract will ever earn. Only a
drafted correction of an issued invoice (its credit note, the days it bills again at a new
price) is still counted as expected: it is what brings an issued invoice in line."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from uuid import UUID

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from test_projections_story import issue
from test_revenue_forecast import Terms, bill, contract_terms, eur, signed, signed_on, sub
from test_revenue_forecast import happen as happen_to_contract

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    InvoiceKind,
    InvoiceStatus,
    Money,
    Period,
    PeriodAlignment,
    Q2CError,
    QuoteToCash,
)
from q2c_core.domain.invoice_lines import CORRECTION_REBILL_NOTE
from q2c_core.projections import RevenueSchedule, catch_up
from q2c_core.projections.revenue import MonthForecast

A = "alice"
YEAR_2026 = Period(date(2026, 1, 1), date(2027, 1, 1))


def schedule(app: QuoteToCash) -> RevenueSchedule:
    projection = RevenueSchedule()
    catch_up(app, [projection])
    return projection


def total(months: list[MonthForecast]) -> Money:
    result = eur(0)
    for m in months:
        result = result + m.amount
    return result


def in_arrears(price: str = "3650.00") -> tuple[QuoteToCash, UUID]:
    app = QuoteToCash.open("memory:")
    contract = signed(
        app, sub("erp", price, YEAR_2026.start), term=YEAR_2026, timing=BillingTiming.IN_ARREARS
    )
    return app, contract


def test_a_termination_recorded_after_march_was_drafted_forecasts_nothing_after_it() -> None:
    app, contract = in_arrears()
    app.run_billing(date(2026, 4, 1), actor="billy")  # January to March, drafted
    app.terminate_contract(
        contract, effective=date(2026, 3, 15), reason="gone", actor=A, noticed_on=date(2026, 4, 2)
    )
    rs = schedule(app)
    assert rs.recognised(date(2026, 3, 20)) == {"EUR": eur("745.71")}
    forecast = rs.forecast(date(2026, 3, 20), 3)
    # 21-31 March: the contract ended on 14 March, nothing left to earn (was 107.93)
    assert [(m.month, m.amount) for m in forecast] == [
        (date(2026, 3, 1), eur(0)),
        (date(2026, 4, 1), eur(0)),
        (date(2026, 5, 1), eur(0)),
        (date(2026, 6, 1), eur(0)),
    ]
    # to date and ahead: what the contract earns, 745.71
    assert rs.recognised(date(2026, 3, 20))["EUR"] + total(forecast) == eur("745.71")


def test_a_price_changed_back_to_march_after_it_was_drafted_is_forecast_at_the_new_price() -> None:
    """The 1 April run drafts March at 3,650.00 a year (304.17 a month); on 2 April the price
    from 1 March is agreed at 7,300.00 (608.33 a month). Recognised by 15 March counts March's
    first 15 days at the new price, so the rest of March is forecast at it too: 16-31 March,
    313.98 (16 of 31 days of 608.33), not 156.99 at the drafted 304.17."""
    app, contract = in_arrears()
    app.run_billing(date(2026, 4, 1), actor="billy")
    app.reprice_sub_contract(
        contract, "erp", effective=date(2026, 3, 1), annual_price=eur("7300.00"), actor=A
    )
    rs = schedule(app)
    march = rs.recognised(date(2026, 3, 31))["EUR"] - rs.recognised(date(2026, 2, 28))["EUR"]
    assert march == eur("608.33")
    rest_of_march = rs.forecast(date(2026, 3, 15), 1)[0]
    assert rest_of_march.month == date(2026, 3, 1)
    assert rest_of_march.contracted == eur("313.98")
    assert (
        rs.recognised(date(2026, 3, 15))["EUR"] + rest_of_march.amount
        == rs.recognised(date(2026, 3, 31))["EUR"]
    )


def test_a_drafted_credit_of_an_issued_march_still_counts_as_expected() -> None:
    """March issued on 1 April; the termination effective 15 March recorded on 2 April, and the
    run of 2 April drafts its credit note (17 days of March). The issued invoice still earns
    March whole until the credit is issued, so ``recognised`` counts all of March; the forecast
    takes the credit back on the day it is expected, the first day it looks at: recognised to
    date and the forecast meet at what the contract earns once the credit is issued."""
    app, contract = in_arrears()
    bill(app, date(2026, 4, 1))
    app.terminate_contract(
        contract, effective=date(2026, 3, 15), reason="gone", actor=A, noticed_on=date(2026, 4, 2)
    )
    (credit,) = bill(app, date(2026, 4, 2), issue_them=False)
    rs = schedule(app)
    to_date = rs.recognised(date(2026, 4, 2))["EUR"]
    assert to_date == eur("912.51")  # January to March, 304.17 each (the invoices)
    forecast = rs.forecast(date(2026, 4, 2), 2)
    assert forecast[0].contracted == eur("-166.80")  # 17 of March's 31 days of 304.17
    issue(app, credit, date(2026, 4, 3))
    assert to_date + total(forecast) == schedule(app).recognised(date(2027, 1, 1))["EUR"]


# -- the invariant ---------------------------------------------------------------------------


def happen(app: QuoteToCash, contract: UUID, day: date, what: str, n: int) -> None:
    """One step of the contract's life; a refused one (e.g. outside the term) records nothing.
    ``void`` voids the latest draft, as a controller would a run's draft found wrong; the other
    steps are the forecast stories' own (``test_revenue_forecast.happen``)."""
    if what != "void":
        happen_to_contract(app, contract, day, what, n)
        return
    customer = app.contract(contract).customer_id
    drafts = [i for i in app.invoices(customer) if i.status is InvoiceStatus.DRAFT]
    if drafts:
        with contextlib.suppress(Q2CError):  # (refused, e.g. dated before the draft: nothing)
            app.void_invoice(drafts[n % len(drafts)].id, reason="wrong", actor=A, voided_on=day)


def issue_expected_corrections(
    app: QuoteToCash, contract: UUID, since: date, final_run: bool
) -> None:
    """Issue every drafted correction of an issued invoice, as the billing run recorded them,
    on the day the forecast expects it (its draft day, or ``since`` if later): each correction
    of a billed period whose credit note credits an invoice issued (or issued here, a
    correction of a drafted correction), all of its documents."""
    issued_any = True
    while issued_any:
        issued_any = False
        for billed in app.contract(contract).billed.values():
            for correction in billed.corrections:
                documents = [app.invoice(d) for d in correction.document_ids]
                if not any(
                    d.kind is InvoiceKind.CREDIT_NOTE
                    and d.status is InvoiceStatus.DRAFT
                    and d.credits_invoice_id is not None
                    and app.invoice(d.credits_invoice_id).is_issued
                    for d in documents
                ):
                    continue
                for d in documents:
                    if d.status is not InvoiceStatus.DRAFT:
                        continue
                    first_time = any(
                        line.source is not None
                        and line.source.note != CORRECTION_REBILL_NOTE
                        and d.kind is not InvoiceKind.CREDIT_NOTE
                        for line in d.lines
                    )
                    # (days a correction bills for the first time are counted at the live
                    # terms until issued: issued from a draft older than a later change, they
                    # would differ; a final run leaves no such draft)
                    assume(final_run or not first_time)
                    issue(app, d.id, max(d.drafted_on, since))
                    issued_any = True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    terms=contract_terms(),
    more=st.lists(st.tuples(st.integers(0, 540), st.just("void"), st.integers(0, 9)), max_size=2),
    final_run=st.booleans(),
    pick=st.integers(0, 7),
    shift=st.integers(-20, 40),
    months=st.integers(1, 24),
)
@example(  # January drafted in advance, terminated on the 10th: 11-31 January not earned
    terms=Terms(
        YEAR_2026,
        (sub("s0", "3650.00", YEAR_2026.start),),
        BillingFrequency.MONTHLY,
        BillingTiming.IN_ADVANCE,
        PeriodAlignment.ANNIVERSARY,
        DayCount.ACTUAL,
        ((0, "draft", 0), (9, "terminate", 0)),
    ),
    more=[],
    final_run=False,
    pick=0,
    shift=4,
    months=2,
)
def test_recognised_to_date_plus_the_forecast_is_what_the_contract_earns(
    terms: Terms,
    more: list[tuple[int, str, int]],
    final_run: bool,
    pick: int,
    shift: int,
    months: int,
) -> None:
    """Whatever happens to a contract (billed and issued, or only drafted; drafts voided;
    sub-contracts removed, re-priced, added and the contract terminated after the periods they
    change were billed or drafted; a last run drafting the corrections, or none), and on any
    day near those steps (a forecast taken before a change recorded later is as the change
    leaves it): recognised by that day plus the forecast's months after it is, to the cent,
    what ``recognised`` counts by the forecast's last day once the drafted corrections of
    issued invoices are issued, on the forecast's first day or the day drafted if later. Those
    are the only drafts the forecast expects; every other day counts at the contract's terms
    as they stand, as ``recognised`` counts it. And while nothing is issued, or once a run has
    drafted the corrections by the forecast's day, the forecast shows nothing for the months
    after the contract's end (past its first row, which takes the corrections of days already
    served)."""
    app = QuoteToCash.open("memory:")
    term = terms.term
    contract = signed_on(app, terms)
    today = term.start
    steps = sorted([*terms.steps, *more])
    for offset, what, n in steps:
        today = term.start + timedelta(days=offset)
        happen(app, contract, today, what, n)
    if final_run:
        bill(app, today, issue_them=False)
    # (a day near one of the steps: before a change recorded later, or after it)
    near = steps[pick % len(steps)][0] if steps else 0
    as_of = term.start + timedelta(days=near + shift)
    rs = schedule(app)
    to_date = rs.recognised(as_of).get("EUR", eur(0))
    forecast = rs.forecast(as_of, months)
    after = as_of.year * 12 + as_of.month + months  # (the month after the last forecast, 0-based)
    last_day = date(after // 12, after % 12 + 1, 1) - timedelta(days=1)

    end = app.contract(contract).term.end
    nothing_issued = not any(i.is_issued for i in app.invoices(app.contract(contract).customer_id))
    # (a correction issued after the forecast's day takes back days before the end on its
    # issue day, maybe a month after the end: only when every document was made by then)
    if nothing_issued or (final_run and as_of >= today):
        after_end = [m for m in forecast[1:] if m.month >= end]
        assert [m.amount for m in after_end] == [eur(0)] * len(after_end)

    issue_expected_corrections(app, contract, as_of + timedelta(days=1), final_run)
    earned = schedule(app).recognised(last_day).get("EUR", eur(0))
    assert to_date + total(forecast) == earned
