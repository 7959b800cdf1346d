"""The whole story on every backend (memory, a real SQLite file, the real PostgreSQL), and the
same numbers again after reopening the application from the same URL (replay from the store)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from q2c_core import (
    AllowanceUnit,
    BillingFrequency,
    CreditDisposition,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    RequestStatus,
    SubContract,
    SubContractKind,
    TaxRate,
    TimeEntry,
)

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def approve_and_issue(app: QuoteToCash, invoice: UUID, on: date) -> str:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    return app.issue_invoice(invoice, issued_on=on, actor="bea")


def run_story(app: QuoteToCash) -> dict[str, Any]:
    """request -> estimate -> quote -> PO -> authorized work -> invoice -> one payment for two
    invoices; an allowance-covered request with overage; a credit note; a contract."""
    cust = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    r1 = app.open_request(cust, "Export to CSV", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r1, hours=10, rate=eur(100), actor=A)
    app.send_quote(r1, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        r1, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(r1, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(r1, TimeEntry("t1", "bob", date(2024, 3, 5), Decimal(4), eur(100)), actor="bob")
    app.log_work(
        r1, TimeEntry("t2", "bob", date(2024, 3, 6), Decimal("5.5"), eur(100)), actor="bob"
    )
    app.complete_request(r1, completed_on=date(2024, 3, 7), actor=A)
    inv1 = app.draft_request_invoice(r1, drafted_on=date(2024, 3, 8), actor="billy")
    n1 = approve_and_issue(app, inv1, date(2024, 3, 9))

    allowance = app.grant_allowance(
        cust,
        unit=AllowanceUnit.HOURS,
        quantity=5,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    r2 = app.open_request(cust, "Tweak", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r2, hours=8, rate=eur(100), actor=A)
    app.cover_request_by_allowance(r2, allowance, actor=A)
    app.authorize_work(r2, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(r2, TimeEntry("u1", "bob", date(2024, 3, 10), Decimal(4), eur(100)), actor="bob")
    app.log_work(r2, TimeEntry("u2", "bob", date(2024, 3, 5), Decimal(3), eur(100)), actor="bob")
    app.complete_request(r2, completed_on=date(2024, 3, 11), actor=A)
    inv2 = app.draft_request_invoice(r2, drafted_on=date(2024, 3, 12), actor="billy")
    n2 = approve_and_issue(app, inv2, date(2024, 3, 12))

    payment = app.receive_payment(
        cust, eur(2000), received_on=date(2024, 4, 1), reference=f"{n1} {n2}", actor=A
    )
    allocations = app.allocate_payment(payment, allocated_on=date(2024, 4, 1), actor=A)
    first = app.payment(payment).allocations[0].allocation_id
    app.reverse_allocation(
        payment, first, reason="credit first", actor=A, reversed_on=date(2024, 4, 2)
    )
    note = app.draft_credit_note(
        inv1,
        line_ids=["L1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="wrong",
        drafted_on=date(2024, 4, 2),
        actor="billy",
    )
    cn = approve_and_issue(app, note, date(2024, 4, 2))
    app.allocate_payment(payment, allocated_on=date(2024, 4, 3), actor=A)

    contract = app.sign_contract(
        cust,
        number="MC-1",
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 1, 1),
        actor=A,
        sub_contracts=[
            SubContract(
                "s1",
                "ERP licence",
                SubContractKind.LICENCE,
                date(2024, 1, 1),
                [PricePoint(date(2024, 1, 1), eur(1200))],
            )
        ],
    )
    app.activate_contract(contract, effective=date(2024, 1, 1), actor=A)
    for i in range(55):  # enough to snapshot
        app.reprice_sub_contract(
            contract, "s1", effective=date(2024, 2, 1), annual_price=eur(1200 + i), actor=A
        )
    return {
        "ids": (cust, r1, r2, allowance, inv1, inv2, payment, contract),
        "numbers": (n1, n2, cn),
        "allocations": len(allocations),
    }


def numbers(app: QuoteToCash, ids: tuple[UUID, ...]) -> dict[str, Any]:
    cust, r1, r2, allowance, inv1, inv2, payment, contract = ids
    a = app.allowance(allowance)
    return {
        "summary": app.customer_summary(cust, date(2024, 6, 1)),
        "r1": (app.request(r1).status, app.unbilled_work(r1), app.work_buckets(r1)),
        "r2": (app.request(r2).status, app.work_buckets(r2)),
        "allowance": (a.granted, a.consumed, a.overage, a.draws()),
        "inv1": (app.invoice(inv1).total, app.invoice(inv1).outstanding, app.invoice(inv1).number),
        "inv2": (app.invoice(inv2).total, app.invoice(inv2).paid),
        "payment": (app.payment(payment).allocated, app.payment(payment).unallocated),
        "contract": (
            app.contract(contract).version,
            app.contract(contract).sub_contracts["s1"].price_on(date(2024, 3, 1)),
        ),
        "log": app.recorder.max_notification_id(),
    }


def test_the_full_story_and_the_same_numbers_after_reopening(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    story = run_story(app)
    assert story["numbers"] == ("INV-000001", "INV-000002", "CN-000001")
    assert story["allocations"] == 2
    seen = numbers(app, story["ids"])
    summary = seen["summary"]
    # 1149.50 + 242.00 invoiced, 484.00 credited; the 2000 payment pays both in full
    assert summary.invoiced == eur("907.50")
    assert summary.paid == eur("907.50")
    assert summary.open == eur(0)
    assert summary.credit == eur("1092.50")
    assert summary.unbilled_work == eur(400)  # the credited t1 hours are billable again
    assert summary.prepaid_hours_left == 0
    assert seen["r1"][0] is RequestStatus.COMPLETED
    assert seen["r2"][0] is RequestStatus.INVOICED
    assert seen["allowance"][:3] == (5, 5, 2)
    contract_events = list(app.repository.event_store.get(story["ids"][-1]))
    assert seen["contract"] == (len(contract_events), eur(1254))
    assert len(contract_events) > 50
    if backend_url == "memory:":
        return  # nothing to reopen: the memory store lives and dies with the app
    reopened = app_factory()
    assert numbers(reopened, story["ids"]) == seen
    # and it keeps going where it stopped
    assert reopened.draft_request_invoice(
        story["ids"][1], drafted_on=date(2024, 6, 1), actor="billy"
    )
