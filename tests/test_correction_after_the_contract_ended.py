"""Corrections found after a contract ended are billed by the next run, for exactly their days.

MC-1 bills S1 (1,200 a year) and S2 (2,400 a year) monthly in advance from 1 January 2024; the
customer leaves on 1 July, and January to June are billed and issued. In August the clerk finds
out what should have been recorded before: a site closed in May, a price agreed lower from April,
a removal recorded by mistake. The contract is ended, but its billed months are not: the
correction is recorded on it, and the next run credits or bills exactly the days it changes,
never a rewrite of an issued invoice. What would change the contract after its end (a price from
the day it ended, a sub-contract covered past it) is still refused, and records nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_contract_billing import A, billed_days, contract, customer, eur, issue, sub

from q2c_core import (
    ContractStatus,
    InvalidTransition,
    InvalidValue,
    InvoiceKind,
    Period,
    QuoteToCash,
)

JULY = date(2024, 7, 1)


def billed_and_ended(app: QuoteToCash, *, expire: bool = False) -> tuple[UUID, UUID]:
    """January to June billed and issued; MC-1 terminated from 1 July (or, with ``expire``,
    a half-year term that ran out on 1 July)."""
    cust = customer(app)
    term = Period(date(2024, 1, 1), JULY) if expire else Period(date(2024, 1, 1), date(2025, 1, 1))
    cid = contract(app, cust, subs=(sub("S1"), sub("S2", price=2400)), term=term)
    for month in range(1, 7):
        for doc in app.run_billing(date(2024, month, 1), actor="run").documents:
            issue(app, doc.invoice_id, date(2024, month, 1))
    if expire:
        app.expire_contract(cid, effective=JULY, actor=A)
    else:
        app.terminate_contract(
            cid, effective=JULY, reason="customer left", actor=A, noticed_on=date(2024, 6, 1)
        )
    assert app.run_billing(date(2024, 8, 1), actor="run").documents == ()
    return cust, cid


def net_billed(app: QuoteToCash, cust: UUID) -> Decimal:
    return sum(
        (
            (-1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1) * inv.net.amount
            for inv in app.invoices(cust)
        ),
        Decimal(0),
    )


@pytest.mark.parametrize("expire", [False, True], ids=["terminated", "expired"])
def test_a_site_closed_before_the_end_is_credited_its_days_after_it(
    app: QuoteToCash, expire: bool
) -> None:
    """S2 closed on 1 May: May and June of S2 (200.00 each) are credited, on credit notes of
    the May and June invoices, and every other day stays billed once."""
    cust, cid = billed_and_ended(app, expire=expire)
    assert net_billed(app, cust) == Decimal("1800.00")
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 5, 1), actor=A)
    notes = app.run_billing(date(2024, 8, 2), actor="run").documents
    assert [(n.kind, n.net) for n in notes] == [(InvoiceKind.CREDIT_NOTE, eur(200))] * 2
    assert net_billed(app, cust) == Decimal("1400.00")
    days = billed_days(app, cust)
    s2 = {day for (_c, s, day), n in days.items() if s == "S2" and n == 1}
    assert min(s2) == date(2024, 1, 1) and max(s2) == date(2024, 4, 30) and len(s2) == 121
    assert all(n in (0, 1) for n in days.values())
    assert app.contract(cid).status in (ContractStatus.TERMINATED, ContractStatus.EXPIRED)
    assert app.run_billing(date(2024, 8, 3), actor="run").documents == ()


def test_a_lower_price_agreed_from_april_credits_april_to_june(app: QuoteToCash) -> None:
    """S1 at 600 a year from 1 April instead of 1,200: 50.00 a month less for April, May and
    June, credited and billed again at the new price; net 150.00 less."""
    cust, cid = billed_and_ended(app)
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 4, 1), annual_price=eur(600), actor=A)
    app.run_billing(date(2024, 8, 2), actor="run")
    assert net_billed(app, cust) == Decimal("1650.00")
    assert app.run_billing(date(2024, 8, 3), actor="run").documents == ()


def test_a_removal_recorded_by_mistake_is_undone_up_to_the_end(app: QuoteToCash) -> None:
    """S2 removed from 1 May, credited, then found still in use until the end: extended to 1
    July, its May and June are billed again, and the customer owes what it did before."""
    cust, cid = billed_and_ended(app)
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 5, 1), actor=A)
    app.run_billing(date(2024, 8, 2), actor="run")
    app.extend_sub_contract(cid, "S2", effective_to=JULY, actor=A)
    app.run_billing(date(2024, 8, 3), actor="run")
    assert net_billed(app, cust) == Decimal("1800.00")
    assert all(n in (0, 1) for n in billed_days(app, cust).values())


def test_a_change_past_the_end_of_an_ended_contract_is_refused(app: QuoteToCash) -> None:
    """A price from the day the contract ended would bill nothing, and a sub-contract covered
    past it (or open-ended) would bill days of a contract that has ended: each is refused
    naming its field, and nothing is recorded."""
    _cust, cid = billed_and_ended(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as priced:
        app.reprice_sub_contract(cid, "S1", effective=JULY, annual_price=eur(600), actor=A)
    assert priced.value.field == "effective" and "2024-07-01" in str(priced.value)
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 5, 1), actor=A)
    after_removal = app.recorder.max_notification_id()
    for end in (None, date(2024, 8, 1)):
        with pytest.raises(InvalidValue) as extended:
            app.extend_sub_contract(cid, "S2", effective_to=end, actor=A)
        assert extended.value.field == "effective_to" and "ended" in str(extended.value)
    for late, field in (
        (sub("S3", start=date(2024, 3, 1)), "effective_to"),  # open-ended
        (sub("S3", start=date(2024, 3, 1), effective_to=date(2024, 8, 1)), "effective_to"),
        (sub("S3", start=JULY, effective_to=date(2024, 8, 1)), "effective_from"),
    ):
        with pytest.raises(InvalidValue) as added:
            app.add_sub_contract(cid, late, actor=A)
        assert added.value.field == field and "ended on 2024-07-01" in str(added.value)
    assert app.recorder.max_notification_id() == after_removal == before + 1


def test_a_site_served_unbilled_is_billed_for_its_days_after_the_end(app: QuoteToCash) -> None:
    """S3 (1,200 a year) was served from 1 March to the end and never recorded: added after
    the end, the next run bills exactly March to June, 400.00 on extra lines."""
    cust, cid = billed_and_ended(app)
    app.add_sub_contract(cid, sub("S3", start=date(2024, 3, 1), effective_to=JULY), actor=A)
    extra = app.run_billing(date(2024, 8, 2), actor="run").documents
    assert {d.kind for d in extra} == {InvoiceKind.STANDARD}
    assert sum((d.net for d in extra), eur(0)) == eur(400)
    assert net_billed(app, cust) == Decimal("2200.00")
    s3 = {day for (_c, s, day), n in billed_days(app, cust).items() if s == "S3" and n == 1}
    assert min(s3) == date(2024, 3, 1) and max(s3) == date(2024, 6, 30) and len(s3) == 122


def test_a_contract_that_never_served_takes_no_correction(app: QuoteToCash) -> None:
    """Terminated before it went live: it billed nothing, so there is nothing to correct."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),), activate=False)
    app.terminate_contract(
        cid, effective=date(2024, 3, 1), reason="never started", actor=A, noticed_on=JULY
    )
    with pytest.raises(InvalidTransition):
        app.remove_sub_contract(cid, "S1", effective_to=date(2024, 2, 1), actor=A)
