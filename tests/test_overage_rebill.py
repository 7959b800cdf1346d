"""Overage beyond a prepaid allowance, billed on an invoice of its own, then voided or credited as
re-billable: it is owed again, and the request must be billable again to bill it, exactly as when
an invoice of ordinary work is voided or credited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from test_projections_story import eur, issue

from q2c_core import (
    AllowanceUnit,
    CreditDisposition,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    TimeEntry,
    charge_key,
)
from q2c_core.projections import (
    PrepaidCreditUsage,
    UnbilledRevenue,
    all_projections,
    catch_up,
    rebuild,
)

A = "alice"
MARCH_END = date(2024, 3, 31)
# a day after the whole story: unbilled revenue reads invoicing by its days (a credit note of
# 2 April leaves 31 March billed), so what is owed once everything happened is read then
APRIL_END = date(2024, 4, 30)


def overage_invoice(app: QuoteToCash) -> tuple[UUID, UUID, UUID, UUID]:
    """A 5-hour allowance, 6 hours worked on a request it covers: one hour (100.00) beyond it,
    billed alone on the request's invoice, which leaves the request invoiced."""
    c = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    allowance = app.grant_allowance(
        c,
        unit=AllowanceUnit.HOURS,
        quantity=5,
        period=Period(date(2024, 1, 1), date(2024, 7, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    r = app.open_request(c, "Tuning", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r, hours=8, rate=eur(100), actor=A)
    app.cover_request_by_allowance(r, allowance, actor=A)
    app.authorize_work(r, authorized_on=date(2024, 3, 1), actor=A)
    entry = TimeEntry("v1", "bob", date(2024, 3, 10), Decimal(6), eur(100))
    app.log_work(r, entry, actor="bob")
    app.complete_request(r, completed_on=date(2024, 3, 13), actor=A)
    invoice = app.draft_request_invoice(r, drafted_on=MARCH_END, actor="bea")
    assert app.invoice(invoice).net == eur("100.00")
    assert app.request(r).status is RequestStatus.INVOICED
    assert app.unbilled_work(r) == eur(0)
    return c, allowance, r, invoice


def unbilled_overage(app: QuoteToCash, request: UUID) -> Money:
    """The overage UnbilledRevenue shows for the request at April's end, followed
    incrementally; a rebuild from an empty start must hold exactly the same rows."""
    live = UnbilledRevenue()
    catch_up(app, [live])
    again = UnbilledRevenue()
    rebuild(app, [again])
    assert live.rows() == again.rows()
    items = [i for i in live.items(APRIL_END) if i.request_id == request.hex]
    assert {i.kind for i in items} <= {"allowance_overage"}
    return sum((i.amount for i in items), eur(0))


def credit_overage(app: QuoteToCash, invoice: UUID, disposition: CreditDisposition) -> None:
    """Issue the overage invoice and credit its line on 2 April."""
    issue(app, invoice, MARCH_END)
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=disposition,
        reason="hours disputed",
        drafted_on=date(2024, 4, 2),
        actor="bea",
    )
    issue(app, note, date(2024, 4, 2))


def undo(app: QuoteToCash, how: str, invoice: UUID) -> None:
    """Void the draft, or issue it and credit its overage line as re-billable."""
    if how == "void":
        app.void_invoice(
            invoice, reason="sent to the wrong contact", actor="bea", voided_on=date(2024, 3, 31)
        )
        return
    credit_overage(app, invoice, CreditDisposition.REBILLABLE)


@pytest.mark.parametrize("how", ["void", "credit"])
def test_overage_invoiced_alone_then_undone_can_be_billed_again(app: QuoteToCash, how: str) -> None:
    """The hour beyond the allowance is owed again (100.00) everywhere, the request is completed
    again, not invoiced, and a new invoice bills that hour once, after which nothing is owed."""
    c, allowance, r, invoice = overage_invoice(app)
    assert unbilled_overage(app, r) == eur(0)

    undo(app, how, invoice)
    assert app.request(r).status is RequestStatus.COMPLETED
    assert app.unbilled_work(r) == eur("100.00")
    assert app.customer_summary(c).unbilled_work == eur("100.00")
    assert app.allowance(allowance).unbilled_overage() == {charge_key(r, "v1"): Decimal(1)}
    assert unbilled_overage(app, r) == eur("100.00")

    again = app.draft_request_invoice(r, drafted_on=date(2024, 4, 3), actor="bea")
    (line,) = app.invoice(again).lines
    assert (line.quantity, line.net) == (Decimal(1), eur("100.00"))
    assert app.request(r).status is RequestStatus.INVOICED
    assert app.unbilled_work(r) == eur(0)
    assert unbilled_overage(app, r) == eur(0)


@pytest.mark.parametrize("how", ["void", "credit"])
def test_the_release_is_one_save_and_every_projection_follows_it(
    app: QuoteToCash, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The allowance gives the hour back and the request is billable again in one save (the
    void's, or the note's issue), never half of it; the projections that follow the request's
    status and the allowance agree with a rebuild from an empty start."""
    _, allowance, r, invoice = overage_invoice(app)
    if how == "credit":
        issue(app, invoice, MARCH_END)
        note = app.draft_credit_note(
            invoice,
            line_ids=["L1"],
            disposition=CreditDisposition.REBILLABLE,
            reason="hours disputed, to re-bill",
            drafted_on=date(2024, 4, 2),
            actor="bea",
        )
        for role, who in (("billing", "bea"), ("account_manager", "mia")):
            app.approve_invoice(note, role=role, approved_on=date(2024, 4, 2), actor=who)
    saves: list[list[str]] = []
    save = app.save

    def spy(*objs: Any, **kw: Any) -> Any:
        saves.append(sorted(type(e).__qualname__ for o in objs for e in o.pending_events))
        return save(*objs, **kw)

    monkeypatch.setattr(app, "save", spy)
    if how == "void":
        app.void_invoice(
            invoice, reason="sent to the wrong contact", actor="bea", voided_on=date(2024, 3, 31)
        )
    else:
        app.issue_invoice(note, issued_on=date(2024, 4, 2), actor="bea")
    monkeypatch.undo()
    (events,) = saves
    assert "EnhancementRequest.WorkReleased" in events
    assert "PrepaidAllowance.OverageReleased" in events
    assert app.request(r).status is RequestStatus.COMPLETED

    live = all_projections()
    catch_up(app, live)
    again = all_projections()
    rebuild(app, again)
    for a, b in zip(live, again, strict=True):
        assert a.rows() == b.rows(), a.name
    usage = next(p for p in live if isinstance(p, PrepaidCreditUsage))
    # the void's day gives the hour back from 31 March; the note's from 2 April, so on
    # 31 March the invoice still held it billed, as it did before the note was recorded
    (use,) = usage.usage(MARCH_END)
    assert use.overage_billed == (0 if how == "void" else 1)
    (use,) = usage.usage(date(2024, 4, 2))
    assert use.overage_billed == 0
    assert app.allowance(allowance).billed_overage == {}


def test_overage_credited_for_good_stays_invoiced(app: QuoteToCash) -> None:
    """Credited as written off, the hour is not owed again: the request stays invoiced."""
    _, _, r, invoice = overage_invoice(app)
    credit_overage(app, invoice, CreditDisposition.WRITTEN_OFF)
    assert app.request(r).status is RequestStatus.INVOICED
    assert app.unbilled_work(r) == eur(0)
    assert unbilled_overage(app, r) == eur(0)
