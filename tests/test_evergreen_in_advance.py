"""An evergreen contract billed in advance, its term ending in the middle of a month: told as
the customer's January.

Acme's maintenance contract MC-1 costs 1,200.00 a year (100.00 a month), runs from 15 January
2024 to 15 January 2025 and renews by itself; it is billed monthly in advance on calendar
months. Acme expects one invoice for January 2025, not 1-14 January on the 1st and the rest
after the renewal on the 15th: the run of 1 January renews the contract (the month it bills
runs past the term's end, and no notice was given) and bills January whole. (A term renewed
by hand after January was billed still bills the days its renewal adds on an invoice of the
renewed term: test_contract_billing_review_fixes.py.)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from test_contract_billing import A, contract, customer, eur, issue, sub
from test_contract_billing_review_fixes import billed_for

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    InvoiceKind,
    Period,
    PeriodAlignment,
    QuoteToCash,
)
from q2c_core.projections import RevenueSchedule, catch_up

TERM = Period(date(2024, 1, 15), date(2025, 1, 15))
JAN_2025 = Period(date(2025, 1, 1), date(2025, 2, 1))


def mc1(app: QuoteToCash, cust: UUID, **kw: Any) -> UUID:
    """MC-1: 100.00 a month from 15 January 2024, its term ending 15 January 2025, renewing
    by itself (no uplift); monthly in advance on calendar months unless told otherwise."""
    kw.setdefault("auto_renew", True)
    kw.setdefault("renewal_uplift_percent", 0)
    return contract(
        app,
        cust,
        subs=(sub("S", start=TERM.start, price=1200),),
        term=TERM,
        alignment=PeriodAlignment.CALENDAR,
        **kw,
    )


def bill(app: QuoteToCash, as_of: date) -> list[Any]:
    """The run of ``as_of``: it drafts what the preview showed, and run again drafts nothing."""
    preview = app.preview_billing(as_of)
    posted = app.run_billing(as_of, actor="run").documents
    assert [d.lines for d in preview] == [tuple(app.invoice(d.invoice_id).lines) for d in posted]
    assert app.run_billing(as_of, actor="run").documents == ()
    return list(posted)


def renewals(app: QuoteToCash, cid: UUID) -> int:
    """How many ``Renewed`` events the contract's history holds."""
    events = app.repository.event_store.get(cid)
    return sum(type(e).__name__ == "Renewed" for e in events)


def test_the_run_of_1_january_bills_january_whole_on_one_invoice(app: QuoteToCash) -> None:
    """December is billed on 1 December as ever. On 1 January the run renews MC-1 to
    15 January 2026 and bills January 2025 whole: one invoice, one line for 1-31 January,
    100.00, titled as any month. The run of 15 January finds nothing to bill."""
    acme = customer(app)
    cid = mc1(app, acme)
    bill(app, date(2024, 12, 1))
    [january] = bill(app, date(2025, 1, 1))
    invoice = app.invoice(january.invoice_id)
    assert invoice.kind is InvoiceKind.STANDARD and invoice.net == eur(100)
    assert "renewed term" not in invoice.note and "Correction" not in invoice.note
    [line] = invoice.lines
    assert line.source is not None and line.source.period == JAN_2025
    assert app.contract(cid).term == Period(TERM.start, date(2026, 1, 15))
    assert bill(app, date(2025, 1, 15)) == []
    assert billed_for(app, acme, "S", JAN_2025) == Decimal(100)


def test_the_renewal_is_recorded_once_by_the_run_that_renews_ahead(app: QuoteToCash) -> None:
    """The run of 1 January records the renewal; the runs of 15 January and 1 February (and
    a re-run of 1 January) renew nothing more, and February bills 100.00 as any month."""
    acme = customer(app)
    cid = mc1(app, acme)
    bill(app, date(2024, 12, 1))
    assert renewals(app, cid) == 0
    bill(app, date(2025, 1, 1))
    assert renewals(app, cid) == 1
    bill(app, date(2025, 1, 1))  # (a re-run: nothing)
    bill(app, date(2025, 1, 15))
    [february] = bill(app, date(2025, 2, 1))
    assert february.net == eur(100)
    assert renewals(app, cid) == 1
    assert app.contract(cid).term.end == date(2026, 1, 15)


def test_notice_given_before_1_january_bills_only_1_to_14_january(app: QuoteToCash) -> None:
    """Acme gives notice in December for the term's end, 15 January: the run of 1 January
    bills 1-14 January only (45.16), the term is not renewed, and no later run bills more."""
    acme = customer(app)
    cid = mc1(app, acme)
    bill(app, date(2024, 12, 1))
    app.terminate_contract(
        cid, effective=TERM.end, reason="notice given", actor=A, noticed_on=TERM.end
    )
    [january] = bill(app, date(2025, 1, 1))
    assert january.net == eur("45.16")
    [line] = app.invoice(january.invoice_id).lines
    assert line.source is not None and line.source.period == Period(date(2025, 1, 1), TERM.end)
    assert app.contract(cid).term.end == TERM.end
    assert renewals(app, cid) == 0
    assert bill(app, date(2025, 1, 15)) == [] and bill(app, date(2025, 2, 1)) == []


def test_notice_given_after_the_run_renewed_ahead_credits_15_to_31_january(
    app: QuoteToCash,
) -> None:
    """January billed whole on 1 January and issued; Acme then gives notice for 15 January:
    the next run credits 15-31 January (54.84), leaving 1-14 January billed (45.16)."""
    acme = customer(app)
    cid = mc1(app, acme)
    bill(app, date(2024, 12, 1))
    [january] = bill(app, date(2025, 1, 1))
    issue(app, january.invoice_id, date(2025, 1, 1))
    app.terminate_contract(
        cid, effective=TERM.end, reason="notice given", actor=A, noticed_on=TERM.end
    )
    [credit] = bill(app, date(2025, 1, 10))
    assert credit.kind is InvoiceKind.CREDIT_NOTE and credit.net == eur("54.84")
    assert billed_for(app, acme, "S", JAN_2025) == Decimal("45.16")


def test_an_evergreen_contract_renewed_ahead_is_no_longer_expiring(app: QuoteToCash) -> None:
    """On 31 December MC-1 is on the list of contracts ending within 30 days (its last day
    14 January); from 1 January, when the run renews it ahead, it is not, whether that run
    has been made yet or not."""
    acme = customer(app)
    cid = mc1(app, acme)
    bill(app, date(2024, 12, 1))
    [soon] = app.contracts_expiring_within(30, date(2024, 12, 31))
    assert soon.contract_id == cid and soon.days_left == 14
    assert app.contracts_expiring_within(30, date(2025, 1, 1)) == []
    bill(app, date(2025, 1, 1))
    assert app.contracts_expiring_within(30, date(2025, 1, 1)) == []


def test_an_evergreen_contract_billed_in_arrears_renews_at_its_term_end_as_before(
    app: QuoteToCash,
) -> None:
    """Billed in arrears, December is billed on 1 January with no renewal yet (the term still
    ends 15 January); the run of 1 February renews it and bills January whole, 100.00."""
    acme = customer(app)
    cid = mc1(app, acme, timing=BillingTiming.IN_ARREARS)
    [december] = [d for d in bill(app, date(2025, 1, 1)) if d.period.start == date(2024, 12, 1)]
    assert december.net == eur(100)
    assert app.contract(cid).term.end == TERM.end and renewals(app, cid) == 0
    [january] = bill(app, date(2025, 2, 1))
    assert january.period == JAN_2025 and january.net == eur(100)
    assert renewals(app, cid) == 1


def test_the_forecast_is_what_the_runs_then_bill_month_by_month(app: QuoteToCash) -> None:
    """MC-3, 1,005.00 a year billed quarterly in advance on calendar quarters, its term ending
    15 February 2025. The run of 1 January renews it and bills the first quarter whole,
    251.25, earned over its 90 days: January earns 86.54 of it. The forecast made in December
    says so (not 86.55, January's share of 1 January-14 February alone, 125.63), and for the
    three months to March it says 251.25, month by month what the run's invoice earns."""
    acme = customer(app)
    contract(
        app,
        acme,
        number="MC-3",
        subs=(sub("S", start=date(2024, 2, 15), price=1005),),
        term=Period(date(2024, 2, 15), date(2025, 2, 15)),
        alignment=PeriodAlignment.CALENDAR,
        frequency=BillingFrequency.QUARTERLY,
        auto_renew=True,
        renewal_uplift_percent=0,
    )
    before = RevenueSchedule()
    catch_up(app, [before])
    forecast = {m: before.outlook(date(2025, 1, 1), m) for m in (1, 3)}
    bill(app, date(2025, 1, 1))
    after = RevenueSchedule()
    catch_up(app, [after])
    for months, expected in forecast.items():
        billed = after.outlook(date(2025, 1, 1), months)
        assert [(m.month, m.amount) for m in billed] == [(m.month, m.amount) for m in expected]
    assert [m.amount for m in forecast[1]] == [eur("86.54")]
    assert sum((m.amount for m in forecast[3]), eur(0)) == eur("251.25")
