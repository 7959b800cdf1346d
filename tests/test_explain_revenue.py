"""`explain revenue` lists the events that decide when an invoice's revenue is recognised.

Enhancement work invoiced on 8 January is earned when the request is completed, on 20
February: the auditor asking why January shows nothing must see the request's Completed event
beside the invoice's own. A credit note of a contract's days un-earns them at the rate the
credited invoice earned them: its explanation lists that invoice's drafting and issue.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_contract_billing import contract, customer, sub
from test_projections_story import authorized_request, eur, issue, work

from q2c_core import (
    BillingFrequency,
    InvoiceKind,
    InvoiceLine,
    LineSource,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
)
from q2c_core.projections import RevenueSchedule, catch_up
from q2c_core.projections.base import row_key_id
from q2c_core.projections.explain import events_behind

A = "alice"


def _work_line(request: UUID, entry_id: str) -> InvoiceLine:
    return InvoiceLine(
        "w",
        "export",
        Decimal(8),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=request, time_entry_ids=(entry_id,), hours=8),
        RevenueKind.ENHANCEMENT,
    )


def _explained(app: QuoteToCash, invoice: UUID) -> set[tuple[str, UUID]]:
    events = events_behind(app, RevenueSchedule(), f"inv:{row_key_id(invoice)}")
    return {(type(e).__qualname__, e.originator_id) for e in events}


def test_work_invoiced_in_january_completed_in_february_is_explained_by_its_completion() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    export = authorized_request(app, acme, "Export", date(2026, 1, 2))
    app.log_work(export, work("t1", date(2026, 1, 5), "8", worker="dana"), actor="dana")
    invoice = app.draft_invoice(
        acme, [_work_line(export, "t1")], drafted_on=date(2026, 1, 8), actor=A
    )
    issue(app, invoice, date(2026, 1, 8))
    # another request of Acme's, completed too: nothing of this invoice's story
    other = authorized_request(app, acme, "Dashboard", date(2026, 1, 10))
    app.complete_request(other, completed_on=date(2026, 1, 20), actor=A)
    app.complete_request(export, completed_on=date(2026, 2, 20), actor=A)

    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    assert schedule.deferred(date(2026, 1, 31)) == {"EUR": eur(800)}  # nothing earned yet
    assert schedule.recognised(date(2026, 2, 28)) == {"EUR": eur(800)}

    explained = _explained(app, invoice)
    assert {
        ("Invoice.Drafted", invoice),
        ("Invoice.Issued", invoice),
        ("EnhancementRequest.Completed", export),
    } <= explained
    assert ("EnhancementRequest.Completed", other) not in explained


def test_a_contract_credit_is_explained_by_the_invoice_whose_days_it_un_earns() -> None:
    """Q1 billed in advance on 1 January, re-priced from 1 January on 1 February: the billing
    run's credit note un-earns Q1's days at the rate the Q1 invoice earned them."""
    app = QuoteToCash.open("memory:")
    cid = contract(
        app, customer(app), subs=(sub("S1", price=12000),), frequency=BillingFrequency.QUARTERLY
    )
    (q1,) = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, q1, date(2024, 1, 1))
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 1, 1), annual_price=eur(24000), actor=A
    )
    corrections = app.run_billing(date(2024, 2, 1), actor="run").invoice_ids
    for invoice_id in corrections:
        issue(app, invoice_id, date(2024, 2, 1))
    (note,) = [i for i in corrections if app.invoice(i).kind is InvoiceKind.CREDIT_NOTE]

    explained = _explained(app, note)
    assert {
        ("Invoice.Drafted", note),
        ("Invoice.Issued", note),
        ("Invoice.Drafted", q1),
        ("Invoice.Issued", q1),
        ("Contract.ContractSigned", cid),  # its day count
    } <= explained
    # of the contract, only what decides how its days are counted; of other documents nothing
    assert {kind for kind, oid in explained if oid == cid} == {"Contract.ContractSigned"}
    assert {oid for _, oid in explained} == {note, q1, cid}
