"""Voiding a correction's documents when a later correction superseded days with no credit note.

Acme's contract bills Support for January on invoice I1. Back-dated, a Pilot licence (free) and
Training (600 a year) are added from 1 January: the run drafts an extra-lines invoice E naming
both, the licence on a 0.00 line. Later the licence turns out to have ended on 15 January: no
money moves, so the run records those days as superseded with no credit note (on E, or on I1
when the licence was on I1 from the start). E is then voided. Voiding rolls the period back to
before E's correction, the superseded-only correction after it with it, and the next run drafts
the whole difference again: every sub-contract's every day ends up billed, to the cent, as a
contract that had the final state from the start bills it, and the preview shows exactly what
the run posts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from test_contract_billing import A, contract, customer, eur, issue, sub
from test_contract_billing_corrections import named_days

from q2c_core import (
    InvoiceKind,
    InvoiceStatus,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)

JAN = Period(date(2024, 1, 1), date(2024, 2, 1))
PILOT_ENDS = date(2024, 1, 15)


def money_by_sub(app: QuoteToCash, cust: UUID) -> dict[str | None, Decimal]:
    """Net money billed per sub-contract over the documents that are not voided."""
    total: dict[str | None, Decimal] = {}
    for inv in app.invoices(cust):
        if inv.status is InvoiceStatus.VOIDED:
            continue
        sign = -1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in inv.lines:
            assert line.source is not None
            key = line.source.sub_contract_id
            total[key] = total.get(key, Decimal(0)) + sign * line.net.amount
    return total


def january_days(app: QuoteToCash, cust: UUID, cid: UUID) -> dict[str, list[int]]:
    """How often each January day of each sub-contract is named by a standing document."""
    days = named_days(app, cust)
    return {s: [days[(cid, s, d)] for d in JAN.each_day()] for s in ("SUP", "PILOT", "TRAIN")}


def rerun_bills_the_final_state(
    app: QuoteToCash, cust: UUID, cid: UUID, final: tuple[SubContract, ...]
) -> None:
    """The preview equals the run; then January stands as a contract signed with ``final``
    bills it: the same money per sub-contract and the same days named; nothing is left due."""
    on = date(2024, 1, 20)
    shown = app.preview_billing(on)
    posted = app.run_billing(on, actor="run").documents
    assert shown and [d.lines for d in shown] == [
        tuple(app.invoice(p.invoice_id).lines) for p in posted
    ]
    assert app.preview_billing(on) == []
    assert app.run_billing(on, actor="run").documents == ()
    ref_cust = customer(app, "Reference")
    ref = contract(app, ref_cust, number="MC-REF", subs=final)
    app.run_billing(date(2024, 1, 1), actor="run")
    assert money_by_sub(app, cust) == money_by_sub(app, ref_cust)
    assert january_days(app, cust, cid) == january_days(app, ref_cust, ref)


FINAL = (
    sub("SUP", price=1200),
    sub("PILOT", price=0, effective_to=PILOT_ENDS),
    sub("TRAIN", price=600),
)


def superseded_on_extra_lines(app: QuoteToCash, *, issue_i1: bool) -> tuple[UUID, UUID, UUID]:
    """I1 bills Support; E adds Training and the free licence; the licence's last 17 days are
    then superseded on E with no credit note. Returns (customer, contract, E)."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("SUP", price=1200),))
    [i1] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    if issue_i1:
        issue(app, i1, date(2024, 1, 2))
    app.add_sub_contract(cid, sub("PILOT", price=0), actor=A)
    app.add_sub_contract(cid, sub("TRAIN", price=600), actor=A)
    [e] = app.run_billing(date(2024, 1, 5), actor="run").documents
    assert (e.kind, e.net, e.line_count) == (InvoiceKind.STANDARD, eur(50), 2)
    app.remove_sub_contract(cid, "PILOT", effective_to=PILOT_ENDS, actor=A)
    assert app.run_billing(date(2024, 1, 16), actor="run").documents == ()
    billed = app.contract(cid).billed_period(JAN)
    assert billed is not None
    [taken] = billed.corrections[-1].superseded
    assert (taken.invoice_id, taken.sub_id) == (e.invoice_id, "PILOT")
    assert billed.corrections[-1].document_ids == ()
    return cust, cid, e.invoice_id


@pytest.mark.parametrize("issue_i1", [False, True])
def test_voiding_the_extra_lines_invoice_drops_the_later_supersede_and_bills_it_again(
    app: QuoteToCash, issue_i1: bool
) -> None:
    cust, cid, e = superseded_on_extra_lines(app, issue_i1=issue_i1)
    app.void_invoice(e, reason="wrong contact", actor=A, voided_on=date(2024, 1, 5))
    billed = app.contract(cid).billed_period(JAN)
    assert billed is not None and billed.corrections == ()
    rerun_bills_the_final_state(app, cust, cid, FINAL)


def test_an_invoice_voided_before_voids_released_it_is_released_the_same_way(
    app: QuoteToCash,
) -> None:
    """E voided by an older q2c that gave nothing back; released afterwards by command."""
    cust, cid, e = superseded_on_extra_lines(app, issue_i1=False)
    invoice = app.invoice(e)
    # the event as an older q2c recorded it, without its day (new voids must give one)
    Aggregate.trigger_event(
        invoice, type(invoice).Voided, reason="wrong contact", actor=A, voided_on=None
    )
    app.save(invoice)
    assert app.release_voided_contract_invoice(e, actor=A) == [JAN]
    rerun_bills_the_final_state(app, cust, cid, FINAL)


def test_days_superseded_on_the_period_invoice_survive_voiding_the_extra_lines(
    app: QuoteToCash,
) -> None:
    """The licence was on I1 (a 0.00 line) from the start; Training was added afterwards on E;
    the licence's last days are superseded on I1; E is voided."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("SUP", price=1200), sub("PILOT", price=0)))
    [i1] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, i1, date(2024, 1, 2))
    app.add_sub_contract(cid, sub("TRAIN", price=600), actor=A)
    [e] = app.run_billing(date(2024, 1, 5), actor="run").documents
    app.remove_sub_contract(cid, "PILOT", effective_to=PILOT_ENDS, actor=A)
    assert app.run_billing(date(2024, 1, 16), actor="run").documents == ()
    app.void_invoice(e.invoice_id, reason="wrong contact", actor=A, voided_on=date(2024, 1, 5))
    rerun_bills_the_final_state(app, cust, cid, FINAL)
    billed = app.contract(cid).billed_period(JAN)
    assert billed is not None
    assert [t.invoice_id for c in billed.corrections for t in c.superseded] == [i1]


@pytest.mark.parametrize("void_the_note", [False, True])
def test_a_reprice_pair_voided_after_its_free_line_was_superseded(
    app: QuoteToCash, void_the_note: bool
) -> None:
    """Support re-priced from 10 January with the free licence added: a credit note and E (the
    new price and the licence's 0.00 line); the licence's last days are superseded on E; either
    document of the pair is voided, the other with it."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("SUP", price=1200),))
    [i1] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, i1, date(2024, 1, 2))
    app.add_sub_contract(cid, sub("PILOT", price=0), actor=A)
    app.reprice_sub_contract(
        cid, "SUP", effective=date(2024, 1, 10), annual_price=eur(2400), actor=A
    )
    pair = app.run_billing(date(2024, 1, 5), actor="run").documents
    note = next(d for d in pair if d.kind is InvoiceKind.CREDIT_NOTE)
    extra = next(d for d in pair if d.kind is InvoiceKind.STANDARD)
    app.remove_sub_contract(cid, "PILOT", effective_to=PILOT_ENDS, actor=A)
    assert app.run_billing(date(2024, 1, 16), actor="run").documents == ()
    app.void_invoice(
        (note if void_the_note else extra).invoice_id,
        reason="typo",
        actor=A,
        voided_on=date(2024, 1, 5),
    )
    assert app.invoice(note.invoice_id).status is InvoiceStatus.VOIDED
    assert app.invoice(extra.invoice_id).status is InvoiceStatus.VOIDED
    repriced = SubContract(
        "SUP",
        "Product SUP",
        SubContractKind.PRODUCT,
        date(2024, 1, 1),
        [PricePoint(date(2024, 1, 1), eur(1200)), PricePoint(date(2024, 1, 10), eur(2400))],
    )
    final = (repriced, sub("PILOT", price=0, effective_to=PILOT_ENDS))
    rerun_bills_the_final_state(app, cust, cid, final)
