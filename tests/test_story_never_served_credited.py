"""A contract that turns out never served bills nothing, also after a run billed it: the
next run credits every day billed, as it credits the days a termination dated back takes
back from a contract that was served, and the preview shows those credit notes as posted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_contract_billing import A, billed_amount, billed_days, contract, customer, eur, sub

from q2c_core import BillingFrequency, BillingTiming, InvoiceKind, Period, QuoteToCash


def _previewed_as_posted(app: QuoteToCash, as_of: date) -> list[tuple[InvoiceKind, str]]:
    """The run's documents (kind and net), after checking the preview drafted the same lines."""
    preview = app.preview_billing(as_of)
    posted = app.run_billing(as_of, actor="run")
    assert [d.lines for d in preview] == [
        tuple(app.invoice(d.invoice_id).lines) for d in posted.documents
    ]
    return [(app.invoice(d.invoice_id).kind, str(d.net)) for d in posted.documents]


def signed_going_live(app: QuoteToCash, cust: UUID, live: date, **kw: object) -> UUID:
    """MC-1 for 2024 (S1 at 1,200.00 a year), going live on ``live``."""
    cid = contract(app, cust, subs=(sub("S1"),), activate=False, **kw)
    app.activate_contract(cid, effective=live, actor=A)
    return cid


# a contract's go-live day into 2024, the first run's day after it, the termination's day (cut
# to the go-live: never served), the next run's day after the first, and how it is billed
NEVER_SERVED = {
    "live": st.integers(0, 365),
    "ran": st.integers(0, 60),
    "ended": st.integers(0, 365),
    "later": st.integers(1, 120),
    "frequency": st.sampled_from(list(BillingFrequency)),
    "timing": st.sampled_from(list(BillingTiming)),
}


def billed_then_ended_before_go_live(
    app: QuoteToCash,
    live: int,
    ran: int,
    ended: int,
    bill: Callable[[QuoteToCash, date], object],
    **kw: object,
) -> tuple[UUID, UUID, date]:
    """Acme's MC-1 going live ``live`` days into 2024, billed by ``bill`` ``ran`` days after,
    then terminated effective ``ended`` days into 2024 but no later than its go-live day (it
    never served), noticed on the run's day: (customer, contract, the run's day)."""
    cust = customer(app)
    go_live = date(2024, 1, 1) + timedelta(days=live)
    cid = signed_going_live(app, cust, go_live, **kw)
    first = go_live + timedelta(days=ran)
    bill(app, first)
    effective = date(2024, 1, 1) + timedelta(days=min(ended, live))
    app.terminate_contract(cid, effective=effective, reason="withdrawn", actor=A, noticed_on=first)
    return cust, cid, first


def test_a_contract_terminated_back_before_its_go_live_has_every_billed_day_credited(
    app: QuoteToCash,
) -> None:
    """MC-1 is signed for 2024 at 1,200.00 a year, billed monthly in advance, and goes live on
    1 March. The run on 1 March bills the term from January: 100.00 for each of January,
    February and March. On 5 March a termination effective 1 February is recorded: the
    service never went live, so the contract never served a day and bills nothing. The next
    run credits all three months, January too (it used to keep January billed, as if the
    days before the termination were served), and the preview said so. A run after that
    bills and credits nothing more: every day is billed exactly once and taken back once."""
    cust = customer(app)
    cid = signed_going_live(app, cust, date(2024, 3, 1))
    billed = _previewed_as_posted(app, date(2024, 3, 1))
    assert billed == [(InvoiceKind.STANDARD, "100.00 EUR")] * 3
    app.terminate_contract(
        cid,
        effective=date(2024, 2, 1),
        reason="the customer withdrew before go-live",
        actor=A,
        noticed_on=date(2024, 3, 5),
    )
    assert app.contract(cid).never_served
    credited = _previewed_as_posted(app, date(2024, 4, 1))
    assert sorted(credited) == [(InvoiceKind.CREDIT_NOTE, "100.00 EUR")] * 3
    assert billed_amount(app, cust) == eur(0).amount
    assert set(billed_days(app, cust).values()) == {0}
    assert _previewed_as_posted(app, date(2024, 12, 1)) == []


def test_a_contract_billed_in_arrears_that_turns_out_never_served_bills_no_new_period(
    app: QuoteToCash,
) -> None:
    """MC-1, billed monthly in arrears, goes live on 15 March; the run that day bills January
    and February. A termination effective 10 March (before go-live) cuts its term inside
    March: March's first ten days would now be due in arrears, but the contract never served
    a day, so the next run bills none of them and credits January and February."""
    cust = customer(app)
    cid = signed_going_live(app, cust, date(2024, 3, 15), timing=BillingTiming.IN_ARREARS)
    assert (
        _previewed_as_posted(app, date(2024, 3, 15)) == [(InvoiceKind.STANDARD, "100.00 EUR")] * 2
    )
    app.terminate_contract(
        cid, effective=date(2024, 3, 10), reason="withdrawn", actor=A, noticed_on=date(2024, 3, 20)
    )
    credited = _previewed_as_posted(app, date(2024, 4, 1))
    assert sorted(credited) == [(InvoiceKind.CREDIT_NOTE, "100.00 EUR")] * 2
    assert billed_amount(app, cust) == eur(0).amount
    assert _previewed_as_posted(app, date(2024, 5, 1)) == []


def test_a_termination_on_the_go_live_day_credits_all_and_one_after_it_keeps_the_days_served(
    app: QuoteToCash,
) -> None:
    """Two contracts alike, quarterly in advance, live on 1 April; the run that day bills
    the first two quarters, 300.00 each. MC-1 is terminated effective 1 April, its go-live
    day: it never served, so both quarters are credited whole. MC-2 is terminated effective
    2 April: it served one day, so it keeps January to 1 April billed (the term as signed, from
    its start) and only the days after are credited, as any termination dated back is."""
    cust = customer(app)
    quarterly = {"frequency": BillingFrequency.QUARTERLY}
    never = signed_going_live(app, cust, date(2024, 4, 1), **quarterly)
    served = signed_going_live(app, cust, date(2024, 4, 1), number="MC-2", **quarterly)
    assert len(_previewed_as_posted(app, date(2024, 4, 1))) == 4
    for cid, effective in ((never, date(2024, 4, 1)), (served, date(2024, 4, 2))):
        app.terminate_contract(
            cid, effective=effective, reason="withdrawn", actor=A, noticed_on=date(2024, 4, 10)
        )
    assert app.contract(never).never_served and not app.contract(served).never_served
    _previewed_as_posted(app, date(2024, 5, 1))
    kept = {
        c: sum(n for (cc, _, _), n in billed_days(app, cust).items() if cc == c)
        for c in (never, served)
    }
    assert kept == {never: 0, served: 31 + 29 + 31 + 1}
    assert _previewed_as_posted(app, date(2024, 12, 1)) == []


def test_a_fixed_term_expired_before_its_late_go_live_has_its_term_credited(
    app: QuoteToCash,
) -> None:
    """MC-1, signed for the first quarter of 2024 at 1,200.00 a year, goes live only on 15
    April; the run that day bills the quarter as signed, 300.00. Its expiry is then recorded
    effective 10 April, before the go-live day: it never served, so the next run credits the
    300.00 (it used to stay billed), as its preview said."""
    cust = customer(app)
    quarter = Period(date(2024, 1, 1), date(2024, 4, 1))
    cid = signed_going_live(
        app, cust, date(2024, 4, 15), term=quarter, frequency=BillingFrequency.QUARTERLY
    )
    assert _previewed_as_posted(app, date(2024, 4, 15)) == [(InvoiceKind.STANDARD, "300.00 EUR")]
    app.expire_contract(cid, effective=date(2024, 4, 10), actor=A)
    assert _previewed_as_posted(app, date(2024, 5, 1)) == [(InvoiceKind.CREDIT_NOTE, "300.00 EUR")]
    assert billed_amount(app, cust) == eur(0).amount


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**NEVER_SERVED)
def test_whatever_was_billed_of_a_contract_never_served_is_credited_once(
    live: int,
    ran: int,
    ended: int,
    later: int,
    frequency: BillingFrequency,
    timing: BillingTiming,
) -> None:
    """Invariant: a contract signed for 2024, going live on any day of it, billed by a run on
    or after its go-live, then terminated effective any day from its term's start to its
    go-live day (it never served), nets to nothing billed once the next run has posted; that
    run posts exactly what its preview showed, and a run after it posts nothing."""
    app = QuoteToCash.open("memory:")
    try:
        cust, cid, first = billed_then_ended_before_go_live(
            app, live, ran, ended, _previewed_as_posted, frequency=frequency, timing=timing
        )
        assert app.contract(cid).never_served
        _previewed_as_posted(app, first + timedelta(days=later))
        assert billed_amount(app, cust) == eur(0).amount
        assert set(billed_days(app, cust).values()) <= {0}
        assert _previewed_as_posted(app, first + timedelta(days=later + 200)) == []
    finally:
        app.close()
