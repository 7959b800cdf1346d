"""The review meeting reads a request invoiced on a day when invoices held all its own work that
day (its billable hours not drawn on an allowance, its billable expenses, or its fixed price),
as the domain's status follows its items: not from whether whole invoices held all their lines.
So a void of an earlier invoice brings the request back as completed, a re-billable credit note
of another request's line leaves it invoiced, and a credit note recorded later leaves an
earlier day's agenda as it was."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from test_projections_story import eur, issue, work
from test_review_as_of_invoicing import agenda, pay
from test_unbilled_as_of_invoicing import hourly_request

from q2c_core import (
    CreditDisposition,
    InvoiceLine,
    LineSource,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
)

A = "alice"


def test_a_request_whose_first_invoice_is_voided_is_completed_again(tmp_path: Any) -> None:
    """Northwind's SSO work: 5 hours on 3 March are drafted on invoice A on the 4th (500.00);
    3 more hours on the 5th, the request completed on the 6th, and invoice B bills them on the
    7th, the last of its work: B leaves it invoiced. B is paid on the 8th; A is voided on the
    9th, so its 500.00 of work is unbilled again. The 8th's agenda shows it invoiced 800.00
    (all its work billed), 300.00 paid; from the 9th it is completed, with 500.00 to bill, as
    the domain says, not left out as invoiced and paid by B."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/nw.db")
    nw = app.register_customer("Northwind", "EUR", account_manager="mia", actor=A)
    sso = hourly_request(app, nw, date(2026, 3, 2))
    app.log_work(sso, work("e1", date(2026, 3, 3), "5"), actor="bob")
    first = app.draft_request_invoice(sso, drafted_on=date(2026, 3, 4), actor="bea")
    app.log_work(sso, work("e2", date(2026, 3, 5), "3"), actor="bob")
    app.complete_request(sso, completed_on=date(2026, 3, 6), actor=A)
    second = app.draft_request_invoice(sso, drafted_on=date(2026, 3, 7), actor="bea")
    issue(app, second, date(2026, 3, 7))
    pay(app, second, date(2026, 3, 8))
    app.void_invoice(first, reason="wrong", actor="bea", voided_on=date(2026, 3, 9))

    assert app.request(sso).status is RequestStatus.COMPLETED
    assert app.unbilled_work(sso, as_of=date(2026, 3, 10)) == eur("500.00")
    on_the_8th = agenda(app, date(2026, 3, 8))[sso.hex]
    assert (on_the_8th.status, on_the_8th.invoiced) == ("invoiced", eur("800.00"))
    on_the_10th = agenda(app, date(2026, 3, 10))[sso.hex]
    assert on_the_10th.status == "completed"
    assert on_the_10th.invoiced == eur("300.00")
    assert on_the_10th.paid == eur("300.00")


def test_a_credit_note_recorded_later_leaves_an_earlier_agenda_as_it_was(tmp_path: Any) -> None:
    """Northwind's SSO work (5 hours on 3 March) is invoiced and issued on the 4th; completed
    on the 5th, all its work billed already, it is invoiced from then; paid on the 6th, it is
    off the 7th's agenda. A re-billable credit note dated the 20th gives the hours back from
    the 20th: the 7th's agenda stays as it was, and from the 20th the request is completed."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/nw.db")
    nw = app.register_customer("Northwind", "EUR", account_manager="mia", actor=A)
    sso = hourly_request(app, nw, date(2026, 3, 2))
    app.log_work(sso, work("e1", date(2026, 3, 3), "5"), actor="bob")
    invoice = app.draft_request_invoice(sso, drafted_on=date(2026, 3, 4), actor="bea")
    issue(app, invoice, date(2026, 3, 4))
    app.complete_request(sso, completed_on=date(2026, 3, 5), actor=A)
    assert app.request(sso).status is RequestStatus.INVOICED
    pay(app, invoice, date(2026, 3, 6))
    assert sso.hex not in agenda(app, date(2026, 3, 7))

    line = app.invoice(invoice).lines[0].line_id
    note = app.draft_credit_note(
        invoice,
        line_ids=[line],
        disposition=CreditDisposition.REBILLABLE,
        reason="hours disputed",
        drafted_on=date(2026, 3, 20),
        actor="bea",
    )
    issue(app, note, date(2026, 3, 20))

    assert sso.hex not in agenda(app, date(2026, 3, 7))
    assert agenda(app, date(2026, 3, 20))[sso.hex].status == "completed"


def test_crediting_another_requests_line_leaves_a_request_invoiced(tmp_path: Any) -> None:
    """One hand-made invoice of 5 March bills Northwind's SSO (line LA) and Reports (line LB),
    5 hours each, and is paid on the 6th. A re-billable credit note of the 10th takes back
    Reports' line only: Reports is completed again from the 10th, SSO stays invoiced (the
    domain says so) and off the agenda."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/nw.db")
    nw = app.register_customer("Northwind", "EUR", account_manager="mia", actor=A)
    tax = app.customer(nw).tax_rate_on(date(2026, 3, 2))
    sso = hourly_request(app, nw, date(2026, 3, 2), "SSO")
    reports = hourly_request(app, nw, date(2026, 3, 2), "Reports")
    lines = []
    for name, request in (("A", sso), ("B", reports)):
        app.log_work(request, work(f"{name}1", date(2026, 3, 3), "5"), actor="bob")
        app.complete_request(request, completed_on=date(2026, 3, 4), actor=A)
        source = LineSource(
            SourceKind.WORK, request_id=request, time_entry_ids=(f"{name}1",), hours=Decimal(5)
        )
        lines.append(
            InvoiceLine(
                f"L{name}", "work", Decimal(5), eur(100), tax, source, RevenueKind.ENHANCEMENT
            )
        )
    invoice = app.draft_invoice(nw, lines, drafted_on=date(2026, 3, 5), actor="bea")
    issue(app, invoice, date(2026, 3, 5))
    pay(app, invoice, date(2026, 3, 6))
    note = app.draft_credit_note(
        invoice,
        line_ids=["LB"],
        disposition=CreditDisposition.REBILLABLE,
        reason="Reports hours disputed",
        drafted_on=date(2026, 3, 10),
        actor="bea",
    )
    issue(app, note, date(2026, 3, 10))

    assert app.request(sso).status is RequestStatus.INVOICED
    assert app.request(reports).status is RequestStatus.COMPLETED
    on_the_12th = agenda(app, date(2026, 3, 12))
    assert sso.hex not in on_the_12th
    assert on_the_12th[reports.hex].status == "completed"
    assert reports.hex not in agenda(app, date(2026, 3, 9))
