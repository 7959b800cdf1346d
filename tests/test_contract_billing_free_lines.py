"""A free sub-contract's 0.00 line taken back by a correction gets no 0.00 credit note.

Acme's maintenance contract bills Support at 1,200 a year and a Pilot licence for nothing; the
January invoice names both, the licence on a 0.00 line. When the licence is priced afterwards,
back-dated, the run bills January's licence days again on an extra-lines invoice and drafts no
credit note: one would move no money and take a number of the gap-free credit-note series. The
contract records the 0.00 line's days as superseded in the same save, so each day stays named
by one live document, the run drafts nothing twice, and voiding the re-billing bills the days
again, still with no credit note.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from test_contract_billing import A, contract, customer, eur, issue, sub
from test_contract_billing_corrections import named_days

from q2c_adapters.cli import describe_event
from q2c_core import (
    Contract,
    DayCount,
    InvalidValue,
    InvoiceKind,
    InvoiceStatus,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    RuleViolated,
    SubContract,
    SubContractKind,
    SupersededDays,
)
from q2c_core.domain.invoice_lines import CORRECTION_REBILL_NOTE
from q2c_core.domain.invoice_numbering import InvoiceNumberSeries
from q2c_core.projections import RevenueSchedule, UnbilledRevenue, catch_up

JAN = Period(date(2024, 1, 1), date(2024, 2, 1))


def acme_with_a_paid_january(app: QuoteToCash) -> tuple[UUID, UUID, UUID, UUID]:
    """Acme's contract (Support 1,200 a year, the Pilot licence free), January invoiced
    (100.00 and a 0.00 line for the licence), issued and paid; the credit-note series opened.
    Returns (customer, contract, January invoice, credit-note series)."""
    series = app.open_number_series("CN", prefix="CN-", actor=A)
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("SUP", price=1200), sub("PILOT", price=0)))
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    assert [ln.net for ln in app.invoice(jan).lines] == [eur(100), eur(0)]
    issue(app, jan, date(2024, 1, 1))
    paid = app.receive_payment(
        cust, app.invoice(jan).total, received_on=date(2024, 1, 5), reference="r1", actor=A
    )
    app.allocate_payment(paid, allocated_on=date(2024, 1, 5), actor=A)
    assert app.invoice(jan).outstanding.is_zero()
    return cust, cid, jan, series


def credit_notes_numbered(app: QuoteToCash, series: UUID) -> int:
    found = app.repository.get(series)
    assert isinstance(found, InvoiceNumberSeries)
    return found.last_number


def test_a_free_sub_contract_priced_back_dated_is_billed_again_with_no_credit_note(
    app: QuoteToCash,
) -> None:
    cust, cid, jan, series = acme_with_a_paid_january(app)
    # on 10 January the pilot licence turns out to cost 600 a year from the start
    app.reprice_sub_contract(
        cid, "PILOT", effective=date(2024, 1, 1), annual_price=eur(600), actor=A
    )

    [shown] = app.preview_billing(date(2024, 1, 10))
    [rebilling] = app.run_billing(date(2024, 1, 10), actor="run").documents
    assert (rebilling.kind, rebilling.net, rebilling.credits_invoice_id) == (
        InvoiceKind.STANDARD,
        eur(50),
        None,
    )
    [line] = app.invoice(rebilling.invoice_id).lines
    assert shown.lines == (line,)
    assert line.source is not None
    assert (line.source.sub_contract_id, line.source.period, line.source.note) == (
        "PILOT",
        JAN,
        CORRECTION_REBILL_NOTE,
    )
    # the January invoice's 0.00 line is superseded on the contract, in the same save
    january = app.contract(cid).billed_period(JAN)
    assert january is not None
    assert january.corrections[-1].document_ids == (rebilling.invoice_id,)
    assert january.corrections[-1].superseded == (SupersededDays(jan, "PILOT", JAN),)
    assert set(named_days(app, cust).values()) == {1}
    assert app.preview_billing(date(2024, 1, 11)) == []
    assert app.run_billing(date(2024, 1, 11), actor="run").documents == ()

    # the re-billing was drafted in error: voided, the next run bills the days again
    app.void_invoice(
        rebilling.invoice_id, reason="wrong contact", actor=A, voided_on=date(2024, 1, 10)
    )
    january = app.contract(cid).billed_period(JAN)
    assert january is not None and (january.invoice_id, january.corrections) == (jan, ())
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    [pending] = [i for i in unbilled.items(date(2024, 1, 12)) if i.contract_id == cid.hex]
    assert (pending.kind, pending.amount) == ("contract_correction", eur(50))
    [again] = app.run_billing(date(2024, 1, 12), actor="run").documents
    assert (again.kind, again.net) == (InvoiceKind.STANDARD, eur(50))
    assert app.run_billing(date(2024, 1, 13), actor="run").documents == ()
    assert set(named_days(app, cust).values()) == {1}
    catch_up(app, [unbilled])
    assert [i for i in unbilled.items(date(2024, 1, 13)) if i.contract_id == cid.hex] == []

    issue(app, again.invoice_id, date(2024, 1, 13))
    assert credit_notes_numbered(app, series) == 0
    assert [i.kind for i in app.invoices(cust)].count(InvoiceKind.CREDIT_NOTE) == 0
    revenue = RevenueSchedule()
    catch_up(app, [revenue])
    # Support earned day by day; the licence's January from the day its re-billing is issued
    assert revenue.recognised(date(2024, 1, 12)) == {"EUR": eur("38.71")}  # 12/31 of 100.00
    assert revenue.recognised(date(2024, 1, 13)) == {"EUR": eur("62.90")}  # 13/31 of 150.00
    assert revenue.recognised(date(2024, 1, 31)) == {"EUR": eur(150)}


def test_a_free_sub_contract_removed_back_dated_leaves_no_document_to_void(
    app: QuoteToCash,
) -> None:
    """The licence turns out to have ended on 15 January: nothing to bill or credit in money,
    so the run drafts nothing at all, records the 17 days as taken back from the January
    invoice, and does not come back to them."""
    cust, cid, jan, series = acme_with_a_paid_january(app)
    app.remove_sub_contract(cid, "PILOT", effective_to=date(2024, 1, 15), actor=A)
    assert app.preview_billing(date(2024, 1, 20)) == []
    assert app.run_billing(date(2024, 1, 20), actor="run").documents == ()
    january = app.contract(cid).billed_period(JAN)
    assert january is not None and january.corrections[-1].document_ids == ()
    assert january.corrections[-1].superseded == (
        SupersededDays(jan, "PILOT", Period(date(2024, 1, 15), date(2024, 2, 1))),
    )
    assert app.run_billing(date(2024, 1, 21), actor="run").documents == ()
    days = named_days(app, cust)
    assert {days[(cid, "PILOT", day)] for day in JAN.each_day()} == {0, 1}
    assert days[(cid, "PILOT", date(2024, 1, 15))] == 0
    assert credit_notes_numbered(app, series) == 0


def test_a_credit_of_money_still_takes_back_the_0_00_lines_with_it(app: QuoteToCash) -> None:
    """Support and the licence both end on 20 January: the credit note of the January invoice
    credits Support's 12 days (38.71) and names the licence's days on a 0.00 line beside them,
    so one document says every day it takes back; nothing is superseded apart from it."""
    _, cid, jan, series = acme_with_a_paid_january(app)
    app.terminate_contract(
        cid,
        effective=date(2024, 1, 20),
        reason="customer left",
        actor=A,
        noticed_on=date(2024, 1, 20),
    )
    [note] = app.run_billing(date(2024, 1, 21), actor="run").documents
    assert (note.kind, note.net, note.credits_invoice_id) == (
        InvoiceKind.CREDIT_NOTE,
        eur("38.71"),
        jan,
    )
    assert [
        (ln.source.sub_contract_id, ln.net)
        for ln in app.invoice(note.invoice_id).lines
        if ln.source
    ] == [
        ("SUP", eur("38.71")),
        ("PILOT", eur(0)),
    ]
    january = app.contract(cid).billed_period(JAN)
    assert january is not None and january.corrections[-1].superseded == ()
    issue(app, note.invoice_id, date(2024, 1, 21))
    assert credit_notes_numbered(app, series) == 1


def test_the_contract_refuses_superseded_days_no_document_of_the_period_names(
    app: QuoteToCash,
) -> None:
    _, cid, jan, _ = acme_with_a_paid_january(app)
    contract_now = app.contract(cid)
    assert isinstance(contract_now, Contract)
    version = contract_now.version
    with pytest.raises(RuleViolated) as refused:
        contract_now.record_period_corrected(
            JAN, version, [], date(2024, 1, 10), A, [SupersededDays(cid, "PILOT", JAN)]
        )
    assert refused.value.field == "superseded"
    outside = Period(date(2024, 1, 20), date(2024, 2, 10))
    with pytest.raises(InvalidValue) as refused_days:
        contract_now.record_period_corrected(
            JAN, version, [], date(2024, 1, 10), A, [SupersededDays(jan, "PILOT", outside)]
        )
    assert refused_days.value.field == "superseded"
    assert contract_now.pending_events == []


def test_the_audit_trail_names_the_superseded_line_s_invoice(app: QuoteToCash) -> None:
    """q2c explain and q2c history show what a correction superseded, by invoice number."""
    _, cid, jan, _ = acme_with_a_paid_january(app)
    app.reprice_sub_contract(
        cid, "PILOT", effective=date(2024, 1, 1), annual_price=eur(600), actor=A
    )
    app.run_billing(date(2024, 1, 10), actor="run")
    events = app.repository.event_store.get(cid)
    [corrected] = [e for e in events if type(e).__name__ == "PeriodCorrected"]
    number = app.invoice(jan).number
    described = describe_event(corrected, lambda i: number if i == jan else None)
    assert "superseded:" in described
    assert f"  - invoice_id={number} ({jan.hex}), sub_id=PILOT, period={JAN}" in described


def test_superseded_days_read_back_from_the_store_and_a_snapshot(shared_url: str) -> None:
    """What a correction superseded is read back the same by another process, from the events
    and from a snapshot of the contract, on SQLite and PostgreSQL."""
    app = QuoteToCash.open(shared_url)
    try:
        _, cid, jan, _ = acme_with_a_paid_january(app)
        app.reprice_sub_contract(
            cid, "PILOT", effective=date(2024, 1, 1), annual_price=eur(600), actor=A
        )
        app.run_billing(date(2024, 1, 10), actor="run")
        app.take_snapshot(cid)
    finally:
        app.close()
    reopened = QuoteToCash.open(shared_url)
    try:
        assert reopened.snapshots is not None and list(reopened.snapshots.get(cid))
        from_snapshot = reopened.contract(cid).billed_period(JAN)
        replayed: Any = None
        for e in reopened.repository.event_store.get(cid):
            replayed = e.mutate(replayed)
        assert from_snapshot is not None
        assert from_snapshot == replayed.billed_period(JAN)
        assert from_snapshot.corrections[-1].superseded == (SupersededDays(jan, "PILOT", JAN),)
        assert reopened.run_billing(date(2024, 1, 11), actor="run").documents == ()
    finally:
        reopened.close()


def test_a_credit_note_names_only_the_days_its_invoice_names(app: QuoteToCash) -> None:
    """A token licence at 1.00 a year bills 0.08 for January. Removed on 31 January and put
    back, the day moves no money either way (January still charges 0.08), so no document
    names 31 January any more: the correction superseded the 0.00 credit and billed the day
    back for nothing. Removed again from 20 January, the credit note takes back 0.03 for the
    days the January invoice still names, 20 to 30 January, and does not name the 31st, which
    no live document bills: no day of the licence is taken back more often than it is billed."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("SUP"), sub("TOKEN", price=1)))
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    assert [ln.net for ln in app.invoice(jan).lines] == [eur(100), eur("0.08")]
    app.remove_sub_contract(cid, "TOKEN", effective_to=date(2024, 1, 31), actor=A)
    assert app.run_billing(date(2024, 1, 10), actor="run").documents == ()
    app.extend_sub_contract(cid, "TOKEN", effective_to=None, actor=A)
    assert app.run_billing(date(2024, 1, 10), actor="run").documents == ()
    assert named_days(app, cust)[(cid, "TOKEN", date(2024, 1, 31))] == 0

    app.remove_sub_contract(cid, "TOKEN", effective_to=date(2024, 1, 20), actor=A)
    [shown] = app.preview_billing(date(2024, 1, 10))
    [note] = app.run_billing(date(2024, 1, 10), actor="run").documents
    assert (note.kind, note.net, note.credits_invoice_id) == (
        InvoiceKind.CREDIT_NOTE,
        eur("0.03"),
        jan,
    )
    [line] = app.invoice(note.invoice_id).lines
    assert shown.lines == (line,)
    assert line.source is not None
    assert line.source.period == Period(date(2024, 1, 20), date(2024, 1, 31))
    days = named_days(app, cust)
    assert {days[(cid, "TOKEN", date(2024, 1, d))] for d in range(20, 32)} == {0}
    assert {days[(cid, "TOKEN", date(2024, 1, d))] for d in range(1, 20)} == {1}


def taken_back_per_document(app: QuoteToCash, cust: UUID) -> Counter[tuple[UUID, str, date]]:
    """Net days per (invoice, sub-contract, day) over documents that are not voided: +1 for
    each day an invoice's line names, -1 for each day a credit note of it names, and -1 for
    each day a standing correction recorded as superseded on it (``SupersededDays``)."""
    days: Counter[tuple[UUID, str, date]] = Counter()
    for inv in app.invoices(cust):
        if inv.status is InvoiceStatus.VOIDED:
            continue
        owner, sign = (inv.credits_invoice_id, -1) if inv.credits_invoice_id else (inv.id, 1)
        for line in inv.lines:
            src = line.source
            assert src is not None and src.period is not None and src.sub_contract_id
            for day in src.period.each_day():
                days[(owner, src.sub_contract_id, day)] += sign
    for cid in {ln.source.contract_id for i in app.invoices(cust) for ln in i.lines if ln.source}:
        assert cid is not None
        for billed in app.contract(cid).billed.values():
            for step in billed.corrections:
                for taken in step.superseded:
                    for day in taken.period.each_day():
                        days[(taken.invoice_id, taken.sub_id, day)] -= 1
    return days


def test_a_credit_of_money_names_days_its_invoice_still_names_not_superseded_ones(
    app: QuoteToCash,
) -> None:
    """A token licence at 0.07 a year bills 0.01 for January. Re-priced to 0.21 from
    12 January, January still charges 0.01: the run drafts nothing and records 12 to
    31 January as superseded on the January invoice, which still holds the 0.01. The licence
    then ends on 10 January: the credit note takes the 0.01 back on 11 January, the one day
    of the credit the invoice still names, and does not name 12 to 31 January again. Put back
    open-ended, the licence's days from the 11th are billed once more, each named once."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("TOKEN", price="0.07"),))
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    assert app.invoice(jan).net == eur("0.01")
    app.reprice_sub_contract(
        cid, "TOKEN", effective=date(2024, 1, 12), annual_price=eur("0.21"), actor=A
    )
    assert app.run_billing(date(2024, 1, 1), actor="run").documents == ()
    january = app.contract(cid).billed_period(JAN)
    assert january is not None and january.corrections[-1].superseded == (
        SupersededDays(jan, "TOKEN", Period(date(2024, 1, 12), date(2024, 2, 1))),
    )

    app.remove_sub_contract(cid, "TOKEN", effective_to=date(2024, 1, 11), actor=A)
    [shown] = app.preview_billing(date(2024, 1, 1))
    [note] = app.run_billing(date(2024, 1, 1), actor="run").documents
    assert (note.kind, note.net, note.credits_invoice_id) == (
        InvoiceKind.CREDIT_NOTE,
        eur("0.01"),
        jan,
    )
    lines = app.invoice(note.invoice_id).lines
    assert shown.lines == tuple(lines)
    assert [(ln.source.period, ln.net) for ln in lines if ln.source] == [
        (Period(date(2024, 1, 11), date(2024, 1, 12)), eur("0.01"))
    ]
    per_document = taken_back_per_document(app, cust)
    assert min(per_document.values()) == 0
    days = named_days(app, cust)
    assert {days[(cid, "TOKEN", date(2024, 1, d))] for d in range(1, 11)} == {1}
    assert {days[(cid, "TOKEN", date(2024, 1, d))] for d in range(11, 32)} == {0}

    app.extend_sub_contract(cid, "TOKEN", effective_to=None, actor=A)
    [again] = app.run_billing(date(2024, 1, 1), actor="run").documents
    assert (again.kind, again.net) == (InvoiceKind.STANDARD, eur("0.01"))
    days = named_days(app, cust)
    assert {days[(cid, "TOKEN", day)] for day in JAN.each_day()} == {1}
    assert min(taken_back_per_document(app, cust).values()) == 0


def test_a_cent_beyond_what_an_invoice_holds_is_not_credited_on_a_day_it_no_longer_bills(
    app: QuoteToCash,
) -> None:
    """30E/360 in yen: X at 480 a year bills 40 for January. Re-priced to 36 from 3 January,
    the January invoice keeps 3 for the 1st and 2nd and a correction invoice bills 2 for the
    rest. Re-priced to 40 from 5 January, the days from the 5th credit 3 at 36 a year, a yen
    more than the correction invoice holds: the new charge of those days takes that yen
    instead of a credit note naming a day the January invoice no longer bills. Every credit
    note names only days its invoice bills and credits no more than it holds; January nets 6,
    what it charges."""
    cust = app.register_customer("Acme", "JPY", account_manager="mia", actor=A)
    x = SubContract(
        "X",
        "Product X",
        SubContractKind.PRODUCT,
        date(2024, 1, 1),
        [PricePoint(date(2024, 1, 1), Money.of(480, "JPY"))],
    )
    cid = contract(app, cust, subs=(x,), day_count=DayCount.THIRTY_360)
    app.run_billing(date(2024, 1, 1), actor="run")
    for day, price in ((3, 36), (5, 40)):
        app.reprice_sub_contract(
            cid, "X", effective=date(2024, 1, day), annual_price=Money.of(price, "JPY"), actor=A
        )
        shown = app.preview_billing(date(2024, 1, 1))
        posted = app.run_billing(date(2024, 1, 1), actor="run").documents
        assert [d.lines for d in shown] == [tuple(app.invoice(d.invoice_id).lines) for d in posted]

    documents = app.invoices(cust)
    by_id = {inv.id: inv for inv in documents}
    for inv in documents:
        if inv.credits_invoice_id is not None:
            assert inv.net <= by_id[inv.credits_invoice_id].net
    assert min(taken_back_per_document(app, cust).values()) == 0
    days = named_days(app, cust)
    assert {days[(cid, "X", day)] for day in JAN.each_day()} == {1}
    signed = sum(
        (-inv.net.amount if inv.credits_invoice_id else inv.net.amount for inv in documents),
        Decimal(0),
    )
    assert signed == 6
