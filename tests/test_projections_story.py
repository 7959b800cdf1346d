"""A small, complete business history used by the projection tests (and a smoke test of it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from q2c_core import (
    AllowanceUnit,
    BillingFrequency,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
    TaxRate,
    TimeEntry,
)

EUR = "EUR"
A = "alice"


def eur(amount: str | int) -> Money:
    """Euros."""
    return Money.of(amount, EUR)


def issue(app: QuoteToCash, invoice_id: UUID, on: date) -> str:
    """Approve by both roles and issue."""
    app.approve_invoice(invoice_id, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice_id, role="account_manager", approved_on=on, actor="mia")
    return app.issue_invoice(invoice_id, issued_on=on, actor="bea")


def authorized_request(
    app: QuoteToCash, customer: UUID, title: str, on: date, hours: int = 10, area: str = "api"
) -> UUID:
    """A request quoted and covered by a PO, authorized for work."""
    r = app.open_request(customer, title, requested_on=on, actor=A, product_area=area)
    app.estimate_request(r, hours=hours, rate=eur(100), actor=A)
    app.send_quote(r, sent_on=on, actor=A)
    app.receive_purchase_order(
        r, number=f"PO-{title}", amount=eur(100 * hours), received_on=on, actor=A
    )
    app.authorize_work(r, authorized_on=on, actor=A, due_on=date(on.year, on.month, 28))
    return r


def work(entry_id: str, day: date, hours: str, worker: str = "bob") -> TimeEntry:
    """A time entry at 100 EUR an hour."""
    return TimeEntry(entry_id, worker, day, Decimal(hours), eur(100))


def story(app: QuoteToCash) -> dict[str, UUID]:
    """Customers, requests through PO, work, an allowance, invoices, payments, a contract."""
    ids: dict[str, UUID] = {}
    c = app.register_customer(
        "Acme", EUR, account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    ids["customer"] = c
    r = authorized_request(app, c, "Export", date(2024, 3, 1))
    ids["request"] = r
    app.log_work(r, work("t1", date(2024, 3, 5), "4"), actor="bob")
    app.log_work(r, work("t2", date(2024, 3, 6), "6"), actor="bob")
    app.complete_request(r, completed_on=date(2024, 3, 7), actor=A)
    inv = app.draft_request_invoice(r, drafted_on=date(2024, 3, 8), actor="billy")
    issue(app, inv, date(2024, 3, 8))  # 1000 + 21 % = 1210.00, due 2024-04-07
    ids["invoice"] = inv
    # a second request: work done, not billed yet
    r2 = authorized_request(app, c, "Reports", date(2024, 4, 1), area="reports")
    app.log_work(r2, work("u1", date(2024, 4, 2), "3", worker="cy"), actor="cy")
    ids["request2"] = r2
    # a request nobody authorized, with work imported from outside: leakage risk
    r3 = app.open_request(c, "Hotfix", requested_on=date(2024, 4, 3), actor=A)
    app.import_work(r3, work("x1", date(2024, 4, 3), "2"), source="timesheet.csv", actor="import")
    ids["request3"] = r3
    # a quote without a PO
    r4 = app.open_request(
        c, "Mobile app", requested_on=date(2024, 4, 1), actor=A, product_area="mobile"
    )
    app.estimate_request(r4, hours=40, rate=eur(100), actor=A)
    app.send_quote(r4, sent_on=date(2024, 4, 2), actor=A)
    ids["request4"] = r4
    # prepaid hours with an overage
    al = app.grant_allowance(
        c,
        unit=AllowanceUnit.HOURS,
        quantity=5,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    ids["allowance"] = al
    r5 = app.open_request(c, "Tweak", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r5, hours=8, rate=eur(100), actor=A)
    app.cover_request_by_allowance(r5, al, actor=A)
    app.authorize_work(r5, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(r5, work("v1", date(2024, 3, 10), "4"), actor="bob")
    app.log_work(r5, work("v2", date(2024, 3, 5), "3"), actor="bob")  # back-dated: drawn first
    ids["request5"] = r5
    # a maintenance contract, billed for its first quarter
    k = app.sign_contract(
        c,
        number="MC-1",
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.QUARTERLY,
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
    app.activate_contract(k, effective=date(2024, 1, 1), actor=A)
    ids["contract"] = k
    (cinv,) = app.run_billing(date(2024, 1, 1), actor="billy").invoice_ids  # Q1, in advance
    issue(app, cinv, date(2024, 1, 1))  # 363.00, due 2024-01-31
    ids["contract_invoice"] = cinv
    # one payment pays the work invoice in full; another pays the contract invoice and bounces
    p = app.receive_payment(
        c, eur("1210.00"), received_on=date(2024, 4, 20), reference="INV-1", actor=A
    )
    app.allocate_payment(p, [(inv, eur("1210.00"))], allocated_on=date(2024, 4, 20), actor=A)
    ids["payment"] = p
    p2 = app.receive_payment(
        c, eur("363.00"), received_on=date(2024, 2, 10), reference="MC", actor=A
    )
    app.allocate_payment(p2, [(cinv, eur("363.00"))], allocated_on=date(2024, 2, 10), actor=A)
    app.bounce_payment(p2, bounced_on=date(2024, 2, 15), reason="returned", actor="bank")
    ids["payment2"] = p2
    return ids


def test_the_story_runs_and_records_events() -> None:
    """The story itself is a valid history (every command accepted)."""
    app = QuoteToCash.open("memory:")
    ids = story(app)
    assert app.invoice(ids["invoice"]).is_settled()
    assert app.recorder.max_notification_id() > 50
