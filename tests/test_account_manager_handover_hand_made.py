"""Acme is Mia's; its request "Dashboard" was opened for Zoe on purpose, and Acme goes to Bob
from 1 May 2024 (``hand_over_customer``), Dashboard staying Zoe's. An invoice billing a
request's work names the request's manager on its drafting day, whichever command drafts it:
Dashboard's four hours billed by hand (``draft_invoice``, a line naming its time entry) name
Zoe, as ``draft_request_invoice`` does, and the money collected on it is Zoe's commission.
An invoice billing the work of requests of two managers (Export, Mia's, with Dashboard)
names the customer's manager, as one billing no request's work does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_account_manager_handover import MAY_1, A, Books, eur
from test_account_manager_handover_invoices import (
    MAY_5,
    commission_by_manager,
    issue,
    paid_in_june,
)

from q2c_core import InvoiceLine, LineSource, QuoteToCash, RevenueKind, SourceKind


def work_line(app: QuoteToCash, books: Books, line_id: str, request: UUID) -> InvoiceLine:
    """The request's four hours of 10 April (``t-<title>``), billed by hand."""
    title = app.request(request).title
    return InvoiceLine(
        line_id,
        f"{title}: four hours",
        Decimal(4),
        eur(100),
        app.customer(books.acme).tax_rate_on(MAY_5),
        LineSource(SourceKind.WORK, request_id=request, time_entry_ids=(f"t-{title}",), hours=4),
        RevenueKind.ENHANCEMENT,
    )


def test_dashboards_work_billed_by_hand_names_zoe_as_its_request_invoice_does() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    books.hand_over()
    by_hand = app.draft_invoice(
        books.acme, [work_line(app, books, "L1", books.dashboard)], drafted_on=MAY_5, actor=A
    )
    assert app.invoice(by_hand).account_manager == "Zoe"
    # the same work drafted by its request's command names her too (once the first is voided)
    app.void_invoice(by_hand, reason="by the request", actor="bea", voided_on=MAY_5)
    by_request = app.draft_request_invoice(books.dashboard, drafted_on=MAY_5, actor=A)
    assert app.invoice(by_request).account_manager == "Zoe"
    issue(app, by_request, MAY_5)
    paid_in_june(app, books, by_request)
    assert set(commission_by_manager(app)) == {"Zoe"}
    app.close()


def test_work_of_requests_of_two_managers_names_the_customers_manager() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    both = app.draft_invoice(
        books.acme,
        [
            work_line(app, books, "L1", books.export),
            work_line(app, books, "L2", books.dashboard),
        ],
        drafted_on=date(2024, 4, 20),
        actor=A,
    )
    assert app.invoice(both).account_manager == "Mia"
    books.hand_over()
    app.void_invoice(both, reason="one each", actor="bea", voided_on=MAY_5)
    export = app.draft_invoice(
        books.acme, [work_line(app, books, "L1", books.export)], drafted_on=MAY_5, actor=A
    )
    assert app.invoice(export).account_manager == "Bob"
    assert app.customer(books.acme).manager_on(MAY_1) == "Bob"
    app.close()
