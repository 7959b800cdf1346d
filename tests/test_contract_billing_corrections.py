"""Voiding the documents of a billing-run correction: each day stays billed exactly once.

A correction (credit note and/or extra-lines invoice) is kept on the billed period with the basis
it corrected from. Voiding it rolls the period back to before it, so the next run drafts exactly
that correction again; the period invoice itself cannot be voided while corrections stand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_contract_billing import A, billed_days, contract, customer, eur, issue, sub

from q2c_core import BillingFrequency, InvoiceKind, InvoiceStatus, Period, QuoteToCash
from q2c_core.domain.billing_records import CorrectionsOutstanding

JAN = Period(date(2024, 1, 1), date(2024, 2, 1))


@pytest.fixture
def app() -> Iterator[QuoteToCash]:
    application = QuoteToCash.open("memory:")
    yield application
    application.close()


def net(app: QuoteToCash, cust: UUID) -> Decimal:
    """What the customer is billed net: invoices less credit notes, voided documents left out."""
    total = Decimal(0)
    for inv in app.invoices(cust):
        if inv.status is InvoiceStatus.VOIDED:
            continue
        total += (-1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1) * inv.net.amount
    return total


def live_days(app: QuoteToCash, cust: UUID, cid: UUID, sub_id: str) -> set[int]:
    """How often each January day of a sub-contract is billed net, over live documents."""
    days = billed_days(app, cust)
    for inv in app.invoices(cust):
        if inv.status is not InvoiceStatus.VOIDED:
            continue
        sign = -1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in inv.lines:
            src = line.source
            assert src is not None and src.period is not None
            for day in src.period.each_day():
                days[(src.contract_id, src.sub_contract_id, day)] -= sign
    return {days[(cid, sub_id, day)] for day in JAN.each_day()}


def january_with_s2_added(app: QuoteToCash) -> tuple[UUID, UUID, UUID, UUID]:
    """S1 at 100 a month, January billed; S2 added from 1 January: a +100 correction."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    app.add_sub_contract(cid, sub("S2"), actor=A)
    [extra] = app.run_billing(date(2024, 1, 15), actor="run").documents
    assert extra.kind is InvoiceKind.STANDARD and extra.net == eur(100)
    assert net(app, cust) == Decimal(200)
    return cust, cid, jan, extra.invoice_id


def test_voiding_a_correction_invoice_bills_exactly_those_days_again(app: QuoteToCash) -> None:
    cust, cid, _jan, extra = january_with_s2_added(app)
    app.void_invoice(extra, reason="typo", actor="bea")
    assert net(app, cust) == Decimal(100)
    assert app.contract(cid).billed_period(JAN).corrections == ()  # type: ignore[union-attr]
    [again] = app.run_billing(date(2024, 1, 20), actor="run").documents
    assert again.kind is InvoiceKind.STANDARD and again.net == eur(100)
    lines = app.invoice(again.invoice_id).lines
    assert [ln.source.sub_contract_id for ln in lines] == ["S2"]  # type: ignore[union-attr]
    assert net(app, cust) == Decimal(200)
    assert live_days(app, cust, cid, "S1") == live_days(app, cust, cid, "S2") == {1}
    assert app.run_billing(date(2024, 1, 25), actor="run").documents == ()


def test_voiding_a_correction_credit_note_credits_those_days_again(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust)  # S1 100 + S2 50 a month
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, jan, date(2024, 1, 2))
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 17), actor=A)
    [note] = app.run_billing(date(2024, 1, 20), actor="run").documents
    assert note.kind is InvoiceKind.CREDIT_NOTE
    owed = net(app, cust)
    app.void_invoice(note.invoice_id, reason="wrong reference", actor="bea")
    assert net(app, cust) == Decimal(150)  # the credit is gone...
    [again] = app.run_billing(date(2024, 1, 25), actor="run").documents
    assert again.kind is InvoiceKind.CREDIT_NOTE and again.net == note.net  # ...and back
    assert app.invoice(again.invoice_id).lines == app.invoice(note.invoice_id).lines
    assert net(app, cust) == owed
    assert app.run_billing(date(2024, 1, 26), actor="run").documents == ()


def test_the_period_invoice_cannot_be_voided_while_its_corrections_stand(
    app: QuoteToCash,
) -> None:
    cust, cid, jan, extra = january_with_s2_added(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(CorrectionsOutstanding) as e:
        app.void_invoice(jan, reason="wrong PO", actor="bea")
    assert e.value.corrections == (extra,) and str(extra) in str(e.value)
    assert app.recorder.max_notification_id() == before  # nothing recorded, not even the void
    assert app.invoice(jan).status is InvoiceStatus.DRAFT
    # void the correction first, then the period invoice: January is billed once, in full
    app.void_invoice(extra, reason="wrong PO", actor="bea")
    app.void_invoice(jan, reason="wrong PO", actor="bea")
    assert app.contract(cid).billed == {}
    [again] = app.run_billing(date(2024, 1, 20), actor="run").documents
    assert again.period == JAN and again.net == eur(200)
    assert net(app, cust) == Decimal(200)
    assert live_days(app, cust, cid, "S1") == live_days(app, cust, cid, "S2") == {1}


def test_a_reprice_correction_stands_or_falls_as_one(app: QuoteToCash) -> None:
    """A retroactive re-price drafts a credit note and an extra invoice; voiding one voids both,
    and the next run drafts the same pair again."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    app.run_billing(date(2024, 1, 1), actor="run")
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 1, 11), annual_price=eur(2400), actor=A
    )
    pair = app.run_billing(date(2024, 1, 15), actor="run").documents
    assert sorted(d.kind.name for d in pair) == ["CREDIT_NOTE", "STANDARD"]
    owed = net(app, cust)
    note = next(d for d in pair if d.kind is InvoiceKind.CREDIT_NOTE)
    extra = next(d for d in pair if d.kind is InvoiceKind.STANDARD)
    app.void_invoice(note.invoice_id, reason="typo", actor="bea")
    assert app.invoice(extra.invoice_id).status is InvoiceStatus.VOIDED
    assert net(app, cust) == Decimal(100)
    again = app.run_billing(date(2024, 1, 20), actor="run").documents
    assert [(d.kind, d.net) for d in again] == [(d.kind, d.net) for d in pair]
    assert net(app, cust) == owed


def test_an_issued_sibling_refuses_the_void(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    app.run_billing(date(2024, 1, 1), actor="run")
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 1, 11), annual_price=eur(2400), actor=A
    )
    pair = app.run_billing(date(2024, 1, 15), actor="run").documents
    note = next(d for d in pair if d.kind is InvoiceKind.CREDIT_NOTE)
    extra = next(d for d in pair if d.kind is InvoiceKind.STANDARD)
    issue(app, extra.invoice_id, date(2024, 1, 16))
    with pytest.raises(CorrectionsOutstanding) as e:
        app.void_invoice(note.invoice_id, reason="typo", actor="bea")
    assert e.value.corrections == (extra.invoice_id,)
    assert app.invoice(note.invoice_id).status is InvoiceStatus.DRAFT
    assert net(app, cust) == Decimal(100) + extra.net.amount - note.net.amount
    assert cust is not None


def test_an_earlier_correction_waits_for_the_later_one(app: QuoteToCash) -> None:
    cust, cid, _jan, first = january_with_s2_added(app)
    app.add_sub_contract(cid, sub("S3", start=date(2024, 1, 10)), actor=A)
    [second] = app.run_billing(date(2024, 1, 16), actor="run").invoice_ids
    with pytest.raises(CorrectionsOutstanding) as e:
        app.void_invoice(first, reason="typo", actor="bea")
    assert e.value.corrections == (second,)
    app.void_invoice(second, reason="typo", actor="bea")
    app.void_invoice(first, reason="typo", actor="bea")
    [both] = app.run_billing(date(2024, 1, 20), actor="run").documents
    assert {ln.source.sub_contract_id for ln in app.invoice(both.invoice_id).lines} == {  # type: ignore[union-attr]
        "S2",
        "S3",
    }
    assert live_days(app, cust, cid, "S2") == {1}
    assert live_days(app, cust, cid, "S3") == {0, 1}
    assert app.preview_billing(date(2024, 1, 20)) == []


def test_released_corrections_survive_replay(app: QuoteToCash) -> None:
    _cust, cid, _jan, extra = january_with_s2_added(app)
    app.void_invoice(extra, reason="typo", actor="bea")
    loaded = app.contract(cid)
    scanned = next(c for c in app.all_contracts() if c.id == cid)
    assert scanned.billed == loaded.billed
    assert loaded.revision != loaded.reconciled_revision  # the next run looks again
    assert app.release_voided_contract_invoice(extra, actor="bea") == []


def _live_counts(app: QuoteToCash, cust: UUID) -> Counter[tuple[UUID | None, str | None, date]]:
    """Net days billed per (contract, sub-contract, day) over documents that are not voided."""
    days: Counter[tuple[UUID | None, str | None, date]] = Counter()
    for inv in app.invoices(cust):
        if inv.status is InvoiceStatus.VOIDED:
            continue
        sign = -1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in inv.lines:
            src = line.source
            assert src is not None and src.period is not None
            for day in src.period.each_day():
                days[(src.contract_id, src.sub_contract_id, day)] += sign
    return days


step_st = st.tuples(
    st.sampled_from(["add", "remove", "reprice", "run", "void", "void"]),
    st.integers(min_value=0, max_value=200),
    st.integers(min_value=0, max_value=5000),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step_st, max_size=10), frequency=st.sampled_from(list(BillingFrequency)))
def test_any_voids_of_run_documents_leave_every_day_billed_once(
    steps: list[tuple[str, int, int]], frequency: BillingFrequency
) -> None:
    """Sub-contracts added, removed, re-priced, runs, and voids of any draft the runs drafted
    (refused ones change nothing): after a final run every covered day of every billed period is
    billed net exactly once by the documents that stand, and the preview equals what is posted."""
    app = QuoteToCash.open("memory:")
    try:
        cust = customer(app)
        cid = contract(app, cust, subs=(sub("S0"),), frequency=frequency)
        start = date(2024, 1, 1)
        n = 1
        for kind, offset, value in steps:
            day = start + timedelta(days=offset)
            live = [s for s in app.contract(cid).sub_contracts.values() if s.is_active_on(day)]
            if kind == "add":
                app.add_sub_contract(cid, sub(f"S{n}", start=day, price=value), actor=A)
                n += 1
            elif kind == "remove" and live:
                app.remove_sub_contract(
                    cid, live[0].sub_id, effective_to=day + timedelta(days=1), actor=A
                )
            elif kind == "reprice" and live:
                app.reprice_sub_contract(
                    cid, live[-1].sub_id, effective=day, annual_price=eur(value), actor=A
                )
            elif kind == "run":
                app.run_billing(day, actor="run")
            elif kind == "void":
                drafts = [i for i in app.invoices(cust) if i.status is InvoiceStatus.DRAFT]
                if drafts:
                    target = drafts[value % len(drafts)]
                    before = app.recorder.max_notification_id()
                    try:
                        app.void_invoice(target.id, reason="test", actor=A)
                    except CorrectionsOutstanding:
                        assert app.recorder.max_notification_id() == before
        as_of = start + timedelta(days=250)
        preview = app.preview_billing(as_of)
        posted = app.run_billing(as_of, actor="run")
        assert [d.lines for d in preview] == [
            tuple(app.invoice(d.invoice_id).lines) for d in posted.documents
        ]
        assert app.preview_billing(as_of) == []
        days = _live_counts(app, cust)
        c = app.contract(cid)
        periods = [b.period for b in c.billed.values()]
        assert set(days.values()) <= {0, 1}
        for p in periods:
            for s in c.sub_contracts.values():
                for day in p.each_day():
                    if s.price_on(day).is_zero():
                        continue
                    expected = 1 if s.is_active_on(day) and day in c.term else 0
                    assert days[(cid, s.sub_id, day)] == expected, (s.sub_id, day)
        for (_, _, day), count in days.items():
            assert count == 0 or any(day in p for p in periods)
    finally:
        app.close()


def test_a_paid_period_credited_retroactively_leaves_the_money_as_customer_credit(
    app: QuoteToCash,
) -> None:
    """January is billed, issued and paid; then S1 is found to have ended on 16 January. The
    run drafts a credit note for exactly 16 days, and it is issued like any other: the
    payment gives those 16 days' money back and keeps it as customer credit, which then pays
    February. Read models rebuilt from the events agree with the ones followed live, and the
    account manager's commission is taken back on exactly the credited money."""
    from q2c_core.projections import Commissions, all_projections, catch_up, rebuild

    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=1200),))
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids  # in advance: January
    issue(app, jan, date(2024, 1, 1))
    total = app.invoice(jan).total
    pay = app.receive_payment(cust, total, received_on=date(2024, 1, 5), reference="r", actor=A)
    app.allocate_payment(pay, allocated_on=date(2024, 1, 5), actor=A)
    live = all_projections()
    catch_up(app, live)
    app.remove_sub_contract(cid, "S1", effective_to=date(2024, 1, 16), actor=A)
    run = app.run_billing(date(2024, 1, 31), actor="run")
    [note] = [d for d in run.documents if d.kind is InvoiceKind.CREDIT_NOTE]
    assert note.net == eur("51.61")  # 100.00 x 16/31 days: 16 January to 31 January
    issue(app, note.invoice_id, date(2024, 2, 1))
    credited = app.invoice(note.invoice_id).total
    assert app.invoice(jan).outstanding.is_zero()
    assert app.invoice(jan).paid == total - credited
    assert app.payment(pay).unallocated == credited  # customer credit
    [reversed_one] = [a for a in app.payment(pay).allocations if not a.is_live]
    assert reversed_one.reversed_on == date(2024, 2, 1)
    # February is billed (S1 gone: nothing) -- the credit pays a new invoice instead
    app.add_sub_contract(cid, sub("S2", start=date(2024, 2, 1), price=600), actor=A)
    [feb] = app.run_billing(date(2024, 2, 1), actor="run").invoice_ids
    issue(app, feb, date(2024, 2, 1))
    app.allocate_payment(pay, allocated_on=date(2024, 2, 2), actor=A)
    assert app.invoice(feb).outstanding.is_zero()  # 50.00, paid from the 51.61 credit
    assert app.payment(pay).unallocated == credited - app.invoice(feb).total
    catch_up(app, live)
    rebuilt = all_projections()
    rebuild(app, rebuilt)
    assert {p.name: p.rows() for p in rebuilt} == {p.name: p.rows() for p in live}
    [commissions] = [p for p in rebuilt if isinstance(p, Commissions)]
    collected = sum((line.collected.amount for line in commissions.lines()), Decimal(0))
    nets = [app.invoice(i).net.amount for i in (jan, note.invoice_id, feb)]
    assert collected == nets[0] - nets[1] + nets[2]  # commission on the money kept
