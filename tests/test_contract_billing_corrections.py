"""Voiding the documents of a billing-run correction: each day stays billed exactly once.

A correction (credit note and/or extra-lines invoice) is kept on the billed period with the basis
it corrected from. Voiding it rolls the period back to before it, so the next run drafts exactly
that correction again; the period invoice itself cannot be voided while corrections stand.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_contract_billing import A, billed_days, contract, customer, eur, issue, sub

from q2c_core import (
    BillingFrequency,
    CreditDisposition,
    InvalidValue,
    InvoiceKind,
    InvoiceStatus,
    Period,
    PostedDocument,
    QuoteToCash,
    RuleViolated,
    TaxRate,
)
from q2c_core.domain.billing import PastDuePolicy, charge_period, slices_total
from q2c_core.domain.billing_records import CorrectionsOutstanding

JAN = Period(date(2024, 1, 1), date(2024, 2, 1))


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
    app.void_invoice(extra, reason="typo", actor="bea", voided_on=date(2024, 1, 15))
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
    app.void_invoice(
        note.invoice_id, reason="wrong reference", actor="bea", voided_on=date(2024, 1, 20)
    )
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
        app.void_invoice(jan, reason="wrong PO", actor="bea", voided_on=date(2024, 1, 1))
    assert e.value.corrections == (extra,) and str(extra) in str(e.value)
    assert app.recorder.max_notification_id() == before  # nothing recorded, not even the void
    assert app.invoice(jan).status is InvoiceStatus.DRAFT
    # void the correction first, then the period invoice: January is billed once, in full
    app.void_invoice(extra, reason="wrong PO", actor="bea", voided_on=date(2024, 1, 15))
    app.void_invoice(jan, reason="wrong PO", actor="bea", voided_on=date(2024, 1, 1))
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
    app.void_invoice(note.invoice_id, reason="typo", actor="bea", voided_on=date(2024, 1, 15))
    assert app.invoice(extra.invoice_id).status is InvoiceStatus.VOIDED
    # no id in the sibling's reason (its digits could pass for a card number and be refused)
    assert app.invoice(extra.invoice_id).void_reason == (
        "voided with the other document of its correction: invoice voided: typo"
    )
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
        app.void_invoice(note.invoice_id, reason="typo", actor="bea", voided_on=date(2024, 1, 15))
    assert e.value.corrections == (extra.invoice_id,)
    assert app.invoice(note.invoice_id).status is InvoiceStatus.DRAFT
    assert net(app, cust) == Decimal(100) + extra.net.amount - note.net.amount
    assert cust is not None


def test_an_earlier_correction_waits_for_the_later_one(app: QuoteToCash) -> None:
    cust, cid, _jan, first = january_with_s2_added(app)
    app.add_sub_contract(cid, sub("S3", start=date(2024, 1, 10)), actor=A)
    [second] = app.run_billing(date(2024, 1, 16), actor="run").invoice_ids
    with pytest.raises(CorrectionsOutstanding) as e:
        app.void_invoice(first, reason="typo", actor="bea", voided_on=date(2024, 1, 15))
    assert e.value.corrections == (second,)
    app.void_invoice(second, reason="typo", actor="bea", voided_on=date(2024, 1, 16))
    app.void_invoice(first, reason="typo", actor="bea", voided_on=date(2024, 1, 15))
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
    app.void_invoice(extra, reason="typo", actor="bea", voided_on=date(2024, 1, 15))
    loaded = app.contract(cid)
    scanned = next(c for c in app.all_contracts() if c.id == cid)
    assert scanned.billed == loaded.billed
    assert loaded.revision != loaded.reconciled_revision  # the next run looks again
    assert app.release_voided_contract_invoice(extra, actor="bea") == []


def named_days(app: QuoteToCash, cust: UUID) -> Counter[tuple[UUID | None, str | None, date]]:
    """Net days billed per (contract, sub-contract, day) over documents that are not voided,
    less the days of 0.00 lines that standing corrections took back with no credit note (the
    contract records them, ``SupersededDays``, as a credit note's 0.00 line would name them)."""
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
    for cid in {k[0] for k in days if k[0] is not None}:
        for billed in app.contract(cid).billed.values():
            for step in billed.corrections:
                for taken in step.superseded:
                    for day in taken.period.each_day():
                        days[(cid, taken.sub_id, day)] -= 1
    return days


step_st = st.tuples(
    st.sampled_from(["add", "remove", "extend", "reprice", "run", "void", "void"]),
    st.integers(min_value=0, max_value=200),
    st.integers(min_value=0, max_value=5000),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step_st, max_size=10), frequency=st.sampled_from(list(BillingFrequency)))
def test_any_voids_of_run_documents_leave_every_day_billed_once(
    steps: list[tuple[str, int, int]], frequency: BillingFrequency
) -> None:
    """Sub-contracts added, removed, extended again, re-priced, runs, and voids of any draft the
    runs drafted
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
            elif kind == "extend":
                _extend_one(app, cid, value)
            elif kind == "run":
                app.run_billing(day, actor="run")
            elif kind == "void":
                drafts = [i for i in app.invoices(cust) if i.status is InvoiceStatus.DRAFT]
                if drafts:
                    target = drafts[value % len(drafts)]
                    before = app.recorder.max_notification_id()
                    try:
                        app.void_invoice(
                            target.id,
                            reason="test",
                            actor=A,
                            voided_on=max(day, target.drafted_on),
                        )
                    except CorrectionsOutstanding:
                        assert app.recorder.max_notification_id() == before
        as_of = start + timedelta(days=250)
        preview = app.preview_billing(as_of)
        posted = app.run_billing(as_of, actor="run")
        assert [d.lines for d in preview] == [
            tuple(app.invoice(d.invoice_id).lines) for d in posted.documents
        ]
        assert app.preview_billing(as_of) == []
        days = named_days(app, cust)
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


# -- each credit note credits the document that billed its days, with the tax it owes back ----


def vat_customer(app: QuoteToCash, rate: int = 21) -> UUID:
    """A customer whose contracts bill VAT at ``rate`` percent."""
    return app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(rate)
    )


def run_and_issue(app: QuoteToCash, on: date) -> list[PostedDocument]:
    """A billing run on ``on`` whose documents are all issued the same day, invoices first."""
    documents = list(app.run_billing(on, actor="run").documents)
    for d in sorted(documents, key=lambda d: d.kind is InvoiceKind.CREDIT_NOTE):
        issue(app, d.invoice_id, on)
    return documents


def issue_drafts(app: QuoteToCash, cust: UUID, on: date) -> None:
    """Issue every draft of the customer, invoices before credit notes."""
    drafts = [i for i in app.invoices(cust) if i.status is InvoiceStatus.DRAFT]
    for draft in sorted(drafts, key=lambda i: i.kind is InvoiceKind.CREDIT_NOTE):
        issue(app, draft.id, on)


def amounts(app: QuoteToCash, document: PostedDocument) -> tuple[str, str]:
    """(net, tax) of a drafted document, as the customer reads them."""
    invoice = app.invoice(document.invoice_id)
    return str(invoice.net.amount), str(invoice.tax.amount)


def test_a_month_credited_in_steps_gives_back_exactly_the_tax_it_billed(
    app: QuoteToCash,
) -> None:
    """January is billed at 850 a year with 21 % VAT: 70.83 and 14.87 tax. S1 is found to
    have ended on 31 January, then on 20 January, then the contract never started. Each credit
    note takes its tax as a running total over the invoice's notes, so the three give back
    exactly the 14.87 billed (0.48 + 5.28 + 9.11), the last one fits what is still owed, and
    the invoice is settled to the cent."""
    cust = vat_customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=850),))
    [jan] = run_and_issue(app, date(2024, 1, 1))
    assert amounts(app, jan) == ("70.83", "14.87")
    app.remove_sub_contract(cid, "S1", effective_to=date(2024, 1, 31), actor=A)
    [n1] = run_and_issue(app, date(2024, 1, 2))
    app.remove_sub_contract(cid, "S1", effective_to=date(2024, 1, 20), actor=A)
    [n2] = run_and_issue(app, date(2024, 1, 3))
    app.terminate_contract(
        cid,
        effective=date(2024, 1, 1),
        reason="never started",
        actor=A,
        noticed_on=date(2024, 1, 1),
    )
    [n3] = app.run_billing(date(2024, 1, 4), actor="run").documents
    assert [amounts(app, n) for n in (n1, n2, n3)] == [
        ("2.28", "0.48"),
        ("25.14", "5.28"),
        ("43.41", "9.11"),
    ]
    assert (
        app.invoice(jan.invoice_id).outstanding == eur("52.52") == app.invoice(n3.invoice_id).total
    )
    issue(app, n3.invoice_id, date(2024, 1, 4))
    assert app.invoice(jan.invoice_id).outstanding.is_zero()
    assert app.customer_summary(cust).open.is_zero()


def test_a_month_credited_day_by_day_down_to_nothing_leaves_no_cent_to_chase(
    app: QuoteToCash,
) -> None:
    """At 1,002 a year January bills 83.50 and 17.54 VAT (17.535 rounded up). S1 is ended on
    31 January, 20 January, 2 January, then the contract is terminated from 1 January: four
    credit notes whose tax adds up to the 17.54 billed, so nothing is left owed and the
    past-due policy, months later, has no reason to suspend the contract."""
    cust = vat_customer(app)
    cid = contract(
        app, cust, subs=(sub("S1", price=1002), sub("S2", start=date(2024, 2, 1), price=1200))
    )
    [jan] = run_and_issue(app, date(2024, 1, 1))
    assert amounts(app, jan) == ("83.50", "17.54")
    notes = []
    for k, end in enumerate((31, 20, 2)):
        app.remove_sub_contract(cid, "S1", effective_to=date(2024, 1, end), actor=A)
        notes += run_and_issue(app, date(2024, 1, 2 + k))
    app.terminate_contract(
        cid,
        effective=date(2024, 1, 1),
        reason="never started",
        actor=A,
        noticed_on=date(2024, 1, 1),
    )
    notes += run_and_issue(app, date(2024, 1, 5))
    assert [amounts(app, n) for n in notes] == [
        ("2.69", "0.56"),
        ("29.63", "6.23"),
        ("48.49", "10.18"),
        ("2.69", "0.57"),
    ]
    assert all(n.credits_invoice_id == jan.invoice_id for n in notes)
    assert app.invoice(jan.invoice_id).outstanding.is_zero()
    assert app.apply_past_due_policy(PastDuePolicy(30), date(2024, 3, 15), actor="policy") == []


def test_termination_after_a_retroactive_price_rise_credits_the_extra_invoice(
    app: QuoteToCash,
) -> None:
    """S1 at 1,200 a year: January is billed 100.00 and issued. The price is raised to 2,400
    from 1 January: the next run credits the 100.00 on the January invoice and bills 200.00
    on an extra-lines invoice, both issued. Then the customer leaves on 10 January: the 22
    days from 10 January were billed by the extra invoice, so the termination credit note
    (141.94) credits that invoice, is issued, and the customer owes exactly 9 days at
    2,400 a year: 58.06."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=1200),))
    [jan] = run_and_issue(app, date(2024, 1, 1))
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 1, 1), annual_price=eur(2400), actor=A)
    rise, extra = run_and_issue(app, date(2024, 1, 5))
    assert (rise.kind, rise.net, rise.credits_invoice_id) == (
        InvoiceKind.CREDIT_NOTE,
        eur(100),
        jan.invoice_id,
    )
    assert (extra.kind, extra.net) == (InvoiceKind.STANDARD, eur(200))
    app.terminate_contract(
        cid,
        effective=date(2024, 1, 10),
        reason="customer left",
        actor=A,
        noticed_on=date(2024, 1, 10),
    )
    [note] = run_and_issue(app, date(2024, 1, 12))
    assert note.net == eur("141.94") and note.credits_invoice_id == extra.invoice_id
    [line] = app.invoice(note.invoice_id).lines
    assert line.source is not None and line.source.period == Period(
        date(2024, 1, 10), date(2024, 2, 1)
    )
    assert app.invoice(jan.invoice_id).outstanding.is_zero()
    assert app.invoice(extra.invoice_id).outstanding == eur("58.06")
    assert app.customer_summary(cust).open == eur("58.06")
    assert app.run_billing(date(2024, 1, 13), actor="run").documents == ()


def test_a_free_pilot_month_charged_afterwards_is_billed_by_one_extra_invoice(
    app: QuoteToCash,
) -> None:
    """S1 starts as a free pilot (0.00 a year): the run of 1 January drafts nothing for
    January, which it records as covered (a 0.00 invoice would only take a number). The pilot
    is charged after all, 1,200 a year from 1 January: the next run bills January's 31 days,
    100.00, on one extra-lines invoice, with no 0.00 credit note for the free days it replaces.
    The customer then leaves on 20 January: the 12 days from then are credited on that extra
    invoice (38.71), and the customer owes 19 days: 61.29."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=0),))
    assert run_and_issue(app, date(2024, 1, 1)) == []
    january = app.contract(cid).billed_period(JAN)
    assert january is not None and january.invoice_id is None
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 1, 1), annual_price=eur(1200), actor=A)
    [extra] = run_and_issue(app, date(2024, 1, 10))
    assert (extra.kind, extra.period, extra.net) == (InvoiceKind.STANDARD, None, eur(100))
    [line] = app.invoice(extra.invoice_id).lines
    assert line.source is not None and line.source.period == JAN
    app.terminate_contract(
        cid,
        effective=date(2024, 1, 20),
        reason="customer left",
        actor=A,
        noticed_on=date(2024, 1, 20),
    )
    [note] = run_and_issue(app, date(2024, 1, 21))
    assert (note.kind, note.net, note.credits_invoice_id) == (
        InvoiceKind.CREDIT_NOTE,
        eur("38.71"),
        extra.invoice_id,
    )
    assert net(app, cust) == Decimal("61.29")
    assert live_days(app, cust, cid, "S1") == {0, 1}
    assert app.run_billing(date(2024, 3, 1), actor="run").documents == ()


def test_a_month_made_free_afterwards_is_credited_with_no_0_00_invoice(
    app: QuoteToCash,
) -> None:
    """January is billed 100.00 and issued; S1 is then made free from 1 January: the next run
    credits the 100.00 and drafts no 0.00 invoice for the free days. February, free, is covered
    with no document at all. Charged again from 15 January, the 17 days to 31 January (54.84)
    and February (100.00) are billed on one extra-lines invoice, again with no 0.00 credit note
    for the free days they replace."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=1200),))
    [jan] = run_and_issue(app, date(2024, 1, 1))
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 1, 1), annual_price=eur(0), actor=A)
    [note] = run_and_issue(app, date(2024, 1, 5))
    assert (note.kind, note.net, note.credits_invoice_id) == (
        InvoiceKind.CREDIT_NOTE,
        eur(100),
        jan.invoice_id,
    )
    assert run_and_issue(app, date(2024, 2, 1)) == []
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 1, 15), annual_price=eur(1200), actor=A
    )
    [extra] = run_and_issue(app, date(2024, 2, 2))
    assert (extra.kind, extra.net) == (InvoiceKind.STANDARD, eur("154.84"))
    assert net(app, cust) == Decimal("154.84")
    assert app.run_billing(date(2024, 2, 3), actor="run").documents == ()


def test_a_sub_contract_added_then_removed_again_is_credited_on_its_own_invoice(
    app: QuoteToCash,
) -> None:
    """January bills S1 (100.00). S2 at 2,400 a year is added from 1 January: an extra-lines
    invoice of 200.00, issued. S2 turns out to have lasted one day: the credit note of 193.55
    credits the extra invoice (the January invoice never billed S2), and the customer owes
    100.00 for S1 and 6.45 for S2's one day."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=1200),))
    [jan] = run_and_issue(app, date(2024, 1, 2))
    app.add_sub_contract(cid, sub("S2", price=2400), actor=A)
    [extra] = run_and_issue(app, date(2024, 1, 6))
    assert extra.net == eur(200)
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 2), actor=A)
    [note] = run_and_issue(app, date(2024, 1, 10))
    assert note.net == eur("193.55") and note.credits_invoice_id == extra.invoice_id
    assert app.invoice(jan.invoice_id).outstanding == eur(100)
    assert app.invoice(extra.invoice_id).outstanding == eur("6.45")
    assert app.customer_summary(cust).open == eur("106.45")
    assert live_days(app, cust, cid, "S2") == {0, 1}


def test_days_billed_by_two_corrections_are_credited_on_each(app: QuoteToCash) -> None:
    """S1 at 1,200 a year, January billed 100.00. The price is raised to 2,400 from 15
    January (54.84 credited, 109.68 billed on a first extra invoice), then from 1 January
    (45.16 credited, 90.32 billed on a second). Then the contract is terminated from 1
    January: one run drafts two credit notes, 90.32 on the second extra invoice and 109.68 on
    the first, each exactly what its invoice billed; all issued, nothing is owed."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=1200),))
    [jan] = run_and_issue(app, date(2024, 1, 1))
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 1, 15), annual_price=eur(2400), actor=A
    )
    first = run_and_issue(app, date(2024, 1, 2))
    app.reprice_sub_contract(cid, "S1", effective=date(2024, 1, 1), annual_price=eur(2400), actor=A)
    second = run_and_issue(app, date(2024, 1, 3))
    assert [d.net for d in first] == [eur("54.84"), eur("109.68")]
    assert [d.net for d in second] == [eur("45.16"), eur("90.32")]
    app.terminate_contract(
        cid,
        effective=date(2024, 1, 1),
        reason="never started",
        actor=A,
        noticed_on=date(2024, 1, 1),
    )
    preview = app.preview_billing(date(2024, 1, 4))
    notes = run_and_issue(app, date(2024, 1, 4))
    assert [d.lines for d in preview] == [tuple(app.invoice(n.invoice_id).lines) for n in notes]
    assert [(n.net, n.credits_invoice_id) for n in notes] == [
        (eur("90.32"), second[1].invoice_id),
        (eur("109.68"), first[1].invoice_id),
    ]
    assert app.invoice(jan.invoice_id).outstanding.is_zero()
    assert app.customer_summary(cust).open.is_zero()
    assert live_days(app, cust, cid, "S1") == {0}


def test_corrections_credit_their_own_invoices_on_a_shared_store(shared_url: str) -> None:
    """The price-rise-then-termination story on SQLite and PostgreSQL: the termination credit
    note credits the extra invoice and is issued; an application opened afresh on the same
    store finds nothing left to bill or credit."""
    app = QuoteToCash.open(shared_url)
    try:
        cust = vat_customer(app)
        cid = contract(app, cust, subs=(sub("S1", price=1200),))
        [jan] = run_and_issue(app, date(2024, 1, 1))
        app.reprice_sub_contract(
            cid, "S1", effective=date(2024, 1, 1), annual_price=eur(2400), actor=A
        )
        _, extra = run_and_issue(app, date(2024, 1, 5))
        app.terminate_contract(
            cid, effective=date(2024, 1, 10), reason="left", actor=A, noticed_on=date(2024, 1, 10)
        )
        preview = app.preview_billing(date(2024, 1, 12))
        [note] = run_and_issue(app, date(2024, 1, 12))
        assert [d.lines for d in preview] == [tuple(app.invoice(note.invoice_id).lines)]
        assert note.credits_invoice_id == extra.invoice_id
        assert amounts(app, note) == ("141.94", "29.81")
        assert app.invoice(jan.invoice_id).outstanding.is_zero()
        assert app.customer_summary(cust).open == eur("70.25")  # 58.06 + 12.19 VAT
    finally:
        app.close()
    again = QuoteToCash.open(shared_url)
    try:
        assert again.preview_billing(date(2024, 1, 31)) == []
        assert again.run_billing(date(2024, 1, 31), actor="run").documents == ()
        assert again.customer_summary(cust).open == eur("70.25")
    finally:
        again.close()


def _extend_one(app: QuoteToCash, cid: UUID, value: int) -> None:
    """Extend one of the contract's ended sub-contracts, open-ended or by some days."""
    ended = [s for s in app.contract(cid).sub_contracts.values() if s.effective_to is not None]
    if ended:
        s = ended[value % len(ended)]
        assert s.effective_to is not None
        end = None if value % 2 else s.effective_to + timedelta(days=1 + value % 40)
        app.extend_sub_contract(cid, s.sub_id, effective_to=end, actor=A)


change_st = st.tuples(
    st.sampled_from(["reprice", "reprice", "remove", "add", "extend"]),
    st.integers(min_value=0, max_value=89),
    st.sampled_from(["850", "1002", "999.99", "33.33", "1200", "2400", "12.34", "0"]),
    st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(change_st, min_size=1, max_size=6),
    frequency=st.sampled_from([BillingFrequency.MONTHLY, BillingFrequency.QUARTERLY]),
    rate=st.sampled_from([21, 19, 7]),
    ends=st.integers(min_value=0, max_value=89),
)
def test_any_retroactive_changes_give_notes_that_can_all_be_issued(
    changes: list[tuple[str, int, str, bool]], frequency: BillingFrequency, rate: int, ends: int
) -> None:
    """The first period is billed, then re-priced, shortened, lengthened again and added to
    retroactively, each
    change followed by a run after which the drafts are (mostly) issued, and finally the
    contract is terminated inside the period. Every credit note any run drafts can be issued;
    no invoice is credited more than it billed; what stays on each invoice carries the tax of
    what stays billed (to the cent once it is all credited, within the one cent the invoice's
    own rounding leaves otherwise); and the customer is billed, net, exactly what the final
    history charges."""
    app = QuoteToCash.open("memory:")
    try:
        cust = vat_customer(app, rate)
        cid = contract(
            app, cust, subs=(sub("S1", price=1002), sub("S2", price="999.99")), frequency=frequency
        )
        start = date(2024, 1, 1)
        day = start
        run_and_issue(app, day)
        for n, (kind, offset, price, issue_now) in enumerate(changes):
            when = start + timedelta(
                days=offset % (31 if frequency is BillingFrequency.MONTHLY else 91)
            )
            live = [s for s in app.contract(cid).sub_contracts.values() if s.is_active_on(when)]
            if kind == "reprice" and live:
                app.reprice_sub_contract(
                    cid,
                    live[n % len(live)].sub_id,
                    effective=when,
                    annual_price=eur(price),
                    actor=A,
                )
            elif kind == "remove" and live:
                app.remove_sub_contract(
                    cid, live[n % len(live)].sub_id, effective_to=when + timedelta(days=1), actor=A
                )
            elif kind == "add":
                app.add_sub_contract(cid, sub(f"N{n}", start=when, price=price), actor=A)
            elif kind == "extend":
                _extend_one(app, cid, offset)
            day += timedelta(days=1)
            app.run_billing(day, actor="run")
            if issue_now:
                issue_drafts(app, cust, day)
        app.terminate_contract(
            cid,
            effective=start + timedelta(days=ends % 28),
            reason="x",
            actor=A,
            noticed_on=start + timedelta(days=ends % 28),
        )
        day += timedelta(days=1)
        preview = app.preview_billing(day)
        posted = app.run_billing(day, actor="run")
        assert [d.lines for d in preview] == [
            tuple(app.invoice(d.invoice_id).lines) for d in posted.documents
        ]
        issue_drafts(app, cust, day)  # OverAllocation would fail the test
        invoices = app.invoices(cust)
        for inv in invoices:
            if inv.kind is InvoiceKind.CREDIT_NOTE:
                continue
            notes = [n for n in invoices if n.credits_invoice_id == inv.id]
            net_left = inv.net.amount - sum((n.net.amount for n in notes), Decimal(0))
            tax_left = inv.tax.amount - sum((n.tax.amount for n in notes), Decimal(0))
            assert net_left >= 0 and inv.outstanding.amount >= 0
            owed = (net_left * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            assert abs(tax_left - owed) <= Decimal("0.01")
            if net_left == 0:
                assert tax_left == 0
        c = app.contract(cid)
        charged = sum(
            (
                slices_total(
                    charge_period(
                        c.sub_contracts.values(), b.period, c.term, c.frequency, c.day_count, "EUR"
                    ),
                    "EUR",
                ).amount
                for b in c.billed.values()
            ),
            Decimal(0),
        )
        assert net(app, cust) == charged
    finally:
        app.close()


def test_a_contract_period_is_credited_by_the_run_not_by_hand(app: QuoteToCash) -> None:
    """January is billed and issued. Crediting its S1 line by hand is refused (the run would
    credit the same days again when the contract changes), and so is claiming the run's own
    disposition (CORRECTED) by hand; removing S1 from 17 January makes the run credit exactly
    15 days, once. Nothing is recorded by the refusals."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=1200),))
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, jan, date(2024, 1, 1))
    before = app.recorder.max_notification_id()
    for disposition, error, field in (
        (CreditDisposition.WRITTEN_OFF, RuleViolated, "line_ids"),
        (CreditDisposition.CORRECTED, InvalidValue, "disposition"),
    ):
        with pytest.raises(error) as refused:
            app.draft_credit_note(
                jan,
                line_ids=["L1"],
                disposition=disposition,
                reason="S1 ended",
                drafted_on=date(2024, 1, 20),
                actor=A,
            )
        assert refused.value.field == field  # type: ignore[attr-defined]
        assert "billing run" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    app.remove_sub_contract(cid, "S1", effective_to=date(2024, 1, 17), actor=A)
    [note] = app.run_billing(date(2024, 1, 20), actor="run").documents
    assert (note.kind, note.net) == (InvoiceKind.CREDIT_NOTE, eur("48.39"))  # 100 x 15/31


def test_a_backdated_run_dates_its_credit_note_on_the_credited_invoice_s_issue_day(
    app: QuoteToCash,
) -> None:
    """January is billed on the 1st and issued on the 25th. S1 is removed from the 17th and a
    run dated the 20th (backdated) credits those days: its note is dated the 25th, the first
    day a credit can meet the invoice, and is issued that day. Issuing a note on a day before
    its invoice was issued is refused, naming the note and its issued_on."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=1200), sub("S2", price=600)))
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, jan, date(2024, 1, 25))
    app.remove_sub_contract(cid, "S1", effective_to=date(2024, 1, 17), actor=A)
    [note] = app.run_billing(date(2024, 1, 20), actor="run").documents
    assert app.invoice(note.invoice_id).drafted_on == date(2024, 1, 25)
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(note.invoice_id, role=role, approved_on=date(2024, 1, 25), actor=who)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.issue_invoice(note.invoice_id, issued_on=date(2024, 1, 24), actor="bea")
    assert (refused.value.field, refused.value.aggregate_id) == ("issued_on", note.invoice_id)
    assert app.recorder.max_notification_id() == before
    app.issue_invoice(note.invoice_id, issued_on=date(2024, 1, 25), actor="bea")
    assert app.invoice(jan).outstanding == eur("101.61")  # 150.00 less 15/31 of 100.00


def test_a_contract_number_that_looks_like_a_card_number_bills_as_any_other(
    app: QuoteToCash,
) -> None:
    """MC-2024-0000007-01 has 13 digits that pass the card checksum; the run writes the
    number into each invoice's note, which is q2c's own text, not a person's: January is
    billed all the same."""
    cust = customer(app)
    contract(app, cust, number="MC-2024-0000007-01", subs=(sub("S1", price=1200),))
    [draft] = app.run_billing(date(2024, 1, 1), actor="run").documents
    assert draft.net == eur("100.00")
