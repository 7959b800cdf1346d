"""Unbilled contract periods through a contract's life, told as stories.

The invariant each story checks: on any date D, the contract periods ``UnbilledRevenue`` lists as
due but not billed are exactly the period invoices ``preview_billing(D)`` would post (same periods,
same amounts), and its pending corrections add up, per contract, to what the preview's correction
documents would bill less what they would credit. A terminated or expired contract is still billed
up to its end; an evergreen contract is billed for the terms the run would renew it for, with its
uplift; a suspended contract is still billed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from uuid import UUID

from test_contract_billing import A, contract, customer, eur, sub

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    InvoiceKind,
    Money,
    Period,
    QuoteToCash,
)
from q2c_core.projections import UnbilledRevenue, catch_up


def unbilled_periods(
    app: QuoteToCash, unbilled: UnbilledRevenue, on: date
) -> dict[tuple[str, str], Money]:
    """The projection's due-but-unbilled contract periods on ``on``, checked against the preview.

    Returns {(contract id hex, period): amount}, after asserting it equals the period invoices
    ``preview_billing(on)`` would post, and that the pending corrections equal the net of the
    preview's correction documents, contract by contract, where money is due either way (a
    correction of free days alone bills nothing and drafts nothing, no 0.00 credit note
    either; one that credits and bills the same money drafts documents netting to nothing).
    """
    catch_up(app, [unbilled])
    items = unbilled.items(on)
    periods = {(i.contract_id, i.item_id): i.amount for i in items if i.kind == "contract_period"}
    corrections: dict[str, Decimal] = defaultdict(Decimal)
    for i in items:
        if i.kind == "contract_correction":
            corrections[i.contract_id] += i.amount.amount
    drafts = app.preview_billing(on)
    previewed = {
        (d.contract_id.hex, str(d.period)): d.net
        for d in drafts
        if d.period is not None and d.kind is InvoiceKind.STANDARD
    }
    corrected: dict[str, Decimal] = defaultdict(Decimal)
    for d in drafts:
        if d.period is None:
            sign = -1 if d.kind is InvoiceKind.CREDIT_NOTE else 1
            corrected[d.contract_id.hex] += sign * d.net.amount
    assert periods == previewed
    assert {k: v for k, v in corrections.items() if v} == {k: v for k, v in corrected.items() if v}
    return periods


def since(unbilled: UnbilledRevenue, on: date, contract_id: UUID) -> dict[str, date]:
    """The day each unbilled period of a contract fell due."""
    return {
        i.item_id: i.since
        for i in unbilled.items(on)
        if i.kind == "contract_period" and i.contract_id == contract_id.hex
    }


def test_a_contract_terminated_mid_period_is_still_billed_up_to_its_end(app: QuoteToCash) -> None:
    """Billed monthly in arrears, 150.00 a month; the customer leaves on 15 March.

    January and February are due in full, and March for its 14 days; the March days fall due
    on the day the contract ended. Once the run has billed them nothing is left.
    """
    cust = customer(app)
    cid = contract(app, cust, timing=BillingTiming.IN_ARREARS)
    app.terminate_contract(
        cid, effective=date(2024, 3, 15), reason="moved away", actor=A, noticed_on=date(2024, 3, 15)
    )
    unbilled = UnbilledRevenue()
    on = date(2024, 4, 1)
    assert unbilled_periods(app, unbilled, on) == {
        (cid.hex, "2024-01-01..2024-01-31"): eur("150.00"),
        (cid.hex, "2024-02-01..2024-02-29"): eur("150.00"),
        (cid.hex, "2024-03-01..2024-03-31"): eur("67.74"),  # 14/31 of 100.00 and of 50.00
    }
    assert since(unbilled, on, cid)["2024-03-01..2024-03-31"] == date(2024, 3, 15)
    app.run_billing(on, actor="run")
    assert unbilled_periods(app, unbilled, on) == {}
    assert unbilled_periods(app, unbilled, date(2024, 12, 1)) == {}


def test_terminating_a_month_billed_in_advance_shows_the_credit_due(app: QuoteToCash) -> None:
    """March was billed in advance (150.00); ending the contract on 15 March makes the next run
    credit the 17 days no longer served: -82.26 pending, and no period due."""
    cust = customer(app)
    cid = contract(app, cust)
    app.run_billing(date(2024, 3, 1), actor="run")
    app.terminate_contract(
        cid, effective=date(2024, 3, 15), reason="moved away", actor=A, noticed_on=date(2024, 3, 15)
    )
    unbilled = UnbilledRevenue()
    on = date(2024, 3, 20)
    assert unbilled_periods(app, unbilled, on) == {}
    [credit] = [i for i in unbilled.items(on) if i.kind == "contract_correction"]
    assert credit.amount == eur("-82.26")  # 150.00 - 67.74
    app.run_billing(on, actor="run")
    catch_up(app, [unbilled])
    assert unbilled.items(on) == []


def test_a_removal_undone_shows_the_days_due_again(app: QuoteToCash) -> None:
    """March billed in advance (150.00); S2 (50.00 a month) removed from 15 March by mistake,
    the run credits its 17 days (27.42), then the removal is undone: the same 27.42 is due
    again, and once the run has billed it nothing is left."""
    cust = customer(app)
    cid = contract(app, cust)
    app.run_billing(date(2024, 3, 1), actor="run")
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 3, 15), actor=A)
    unbilled = UnbilledRevenue()
    on = date(2024, 3, 20)
    assert unbilled_periods(app, unbilled, on) == {}
    [credit] = [i for i in unbilled.items(on) if i.kind == "contract_correction"]
    assert credit.amount == eur("-27.42")  # 17/31 of 50.00
    app.run_billing(on, actor="run")
    app.extend_sub_contract(cid, "S2", effective_to=None, actor=A)
    assert unbilled_periods(app, unbilled, on) == {}
    [due] = [i for i in unbilled.items(on) if i.kind == "contract_correction"]
    assert due.amount == eur("27.42")
    app.run_billing(on, actor="run")
    catch_up(app, [unbilled])
    assert unbilled.items(on) == []
    assert unbilled_periods(app, unbilled, date(2024, 4, 1)) == {
        (cid.hex, "2024-04-01..2024-04-30"): eur("150.00")
    }


def test_an_expired_contract_is_billed_and_corrected_up_to_its_end(app: QuoteToCash) -> None:
    """A half-year contract billed quarterly in advance: the first quarter is billed, then S1's
    price is raised back to 1 February, and the term runs out on 1 July before the next run.

    The second quarter is still due (450.00), and the first quarter's correction is still owed
    (S1 at 2400 instead of 1200 a year for the 60 of the quarter's 91 days from 1 February:
    300.00 x 60/91 = +197.80).
    """
    cust = customer(app)
    half = Period(date(2024, 1, 1), date(2024, 7, 1))
    cid = contract(app, cust, term=half, frequency=BillingFrequency.QUARTERLY)
    app.run_billing(date(2024, 1, 1), actor="run")
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 2, 1), annual_price=eur(2400), actor=A)
    app.expire_contract(cid, effective=date(2024, 7, 1), actor=A)
    unbilled = UnbilledRevenue()
    on = date(2024, 7, 15)
    assert unbilled_periods(app, unbilled, on) == {
        (cid.hex, "2024-04-01..2024-06-30"): eur("750.00"),  # (2400 + 600) / 4
    }
    [correction] = [i for i in unbilled.items(on) if i.kind == "contract_correction"]
    assert correction.amount == eur("197.80")
    app.run_billing(on, actor="run")
    catch_up(app, [unbilled])
    assert unbilled.items(on) == []
    assert unbilled_periods(app, unbilled, date(2025, 1, 1)) == {}


def test_an_evergreen_contract_is_due_for_the_terms_the_run_would_renew(app: QuoteToCash) -> None:
    """A one-month evergreen contract with a 10 % uplift, never billed: by 1 March the run would
    renew it twice and bill three months, each 10 % dearer than the one before. After the run
    has renewed and billed them, April is due on 1 April at a third uplift."""
    cust = customer(app)
    month = Period(date(2024, 1, 1), date(2024, 2, 1))
    cid = contract(app, cust, term=month, auto_renew=True, renewal_uplift_percent=10)
    unbilled = UnbilledRevenue()
    assert unbilled_periods(app, unbilled, date(2024, 3, 1)) == {
        (cid.hex, "2024-01-01..2024-01-31"): eur("150.00"),
        (cid.hex, "2024-02-01..2024-02-29"): eur("165.00"),
        (cid.hex, "2024-03-01..2024-03-31"): eur("181.50"),
    }
    assert app.contract(cid).term == month  # a preview renews nothing, nor does the projection
    assert unbilled.get(f"con:{cid.hex}")["end"] == month.end  # type: ignore[index]
    result = app.run_billing(date(2024, 3, 1), actor="run")
    assert result.renewed == (cid,)
    assert app.contract(cid).term.end == date(2024, 4, 1)
    assert unbilled_periods(app, unbilled, date(2024, 3, 1)) == {}
    assert unbilled_periods(app, unbilled, date(2024, 4, 1)) == {
        (cid.hex, "2024-04-01..2024-04-30"): eur("199.65"),  # S1 133.10 + S2 66.55
    }


def test_an_evergreen_term_shorter_than_its_period_is_billed_whole_once_renewed_ahead(
    app: QuoteToCash,
) -> None:
    """A 17-day evergreen trial (15 January to 1 February) billed monthly in advance from the
    15th: its first month runs past the trial's end, so the run of 15 January renews it ahead
    by another 17 days with a 10 % uplift (to 18 February) and bills the month whole, 104.52
    (17 days at 1,200.00 a year, 54.84, and 14 days at 1,320.00, 49.68). The projection shows
    that month at 104.52 before the run, as the preview does, and no correction after it."""
    cust = customer(app)
    trial = Period(date(2024, 1, 15), date(2024, 2, 1))
    cid = contract(
        app,
        cust,
        term=trial,
        subs=(sub("S1", start=trial.start),),
        auto_renew=True,
        renewal_uplift_percent=10,
    )
    unbilled = UnbilledRevenue()
    assert unbilled_periods(app, unbilled, trial.start) == {
        (cid.hex, "2024-01-15..2024-02-14"): eur("104.52"),
    }
    result = app.run_billing(trial.start, actor="run")
    assert result.renewed == (cid,)
    assert app.contract(cid).term.end == date(2024, 2, 18)
    [invoice] = result.documents
    assert [line.net for line in app.invoice(invoice.invoice_id).lines] == [
        eur("54.84"),
        eur("49.68"),
    ]
    on = date(2024, 2, 10)
    assert unbilled_periods(app, unbilled, on) == {}
    assert unbilled.items(on) == []
    assert app.run_billing(on, actor="run").documents == ()
    assert unbilled_periods(app, unbilled, date(2024, 3, 1)) != {}


def test_a_suspended_contract_is_still_billed_and_renewed(app: QuoteToCash) -> None:
    """Suspension stops the service, not the billing: a suspended contract's quarters stay due,
    and a suspended evergreen contract is renewed by the run like a live one. A contract only
    signed, never activated, is not billed at all."""
    cust = customer(app)
    quarterly = contract(app, cust, number="MC-Q", frequency=BillingFrequency.QUARTERLY)
    app.suspend_contract(quarterly, effective=date(2024, 2, 10), reason="unpaid", actor=A)
    evergreen = contract(
        app,
        cust,
        number="MC-E",
        term=Period(date(2024, 1, 1), date(2024, 2, 1)),
        auto_renew=True,
        renewal_uplift_percent=5,
    )
    app.suspend_contract(evergreen, effective=date(2024, 1, 20), reason="unpaid", actor=A)
    app.sign_contract(
        cust,
        number="MC-SIGNED",
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 1, 1),
        actor=A,
        sub_contracts=(sub("S9"),),
    )
    unbilled = UnbilledRevenue()
    assert unbilled_periods(app, unbilled, date(2024, 4, 1)) == {
        (quarterly.hex, "2024-01-01..2024-03-31"): eur("450.00"),
        (quarterly.hex, "2024-04-01..2024-06-30"): eur("450.00"),
        (evergreen.hex, "2024-01-01..2024-01-31"): eur("150.00"),
        (evergreen.hex, "2024-02-01..2024-02-29"): eur("157.50"),
        (evergreen.hex, "2024-03-01..2024-03-31"): eur(
            "165.38"
        ),  # 1323.00 / 12 = 110.25, 661.50 / 12 = 55.13
        (evergreen.hex, "2024-04-01..2024-04-30"): eur(
            "173.64"
        ),  # 1389.15 / 12 = 115.76, 694.58 / 12 = 57.88
    }
    app.run_billing(date(2024, 2, 15), actor="run")
    assert unbilled_periods(app, unbilled, date(2024, 4, 1)) != {}
    app.reactivate_contract(quarterly, effective=date(2024, 3, 1), reason="paid", actor=A)
    unbilled_periods(app, unbilled, date(2024, 7, 1))
