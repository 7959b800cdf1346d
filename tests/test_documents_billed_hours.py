"""The "Time entries" detail of an invoice shows, beside each time entry, the hours the line
bills of it: an overage piece bills part of an entry, and its detail says that part, not the
entry's whole hours (which made two invoices each billing half of one hour both print "1", one
hour billed twice by appearance). A line billing several entries whole (a fixed price billing
the work delivered) shows each entry's own hours.

The story: Acme's one prepaid hour covers two requests. Dana's hour on A becomes overage half
an hour at a time, as back-dated work on B draws first: each half is billed on its own invoice.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from uuid import UUID

import pypdf
from test_beancount_ledger import issue

from q2c_adapters.documents import render_html, render_pdf
from q2c_core import AllowanceUnit, CreditDisposition, Money, Period, QuoteToCash, TimeEntry

YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def pdf_lines(data: bytes) -> list[str]:
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return "\n".join(page.extract_text() for page in pages).splitlines()


def html_entry_rows(html: str) -> list[list[str]]:
    """The cells of each row of the HTML's time-entries table."""
    table = html.split('<table class="time-entries">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]


def shared_hour(app: QuoteToCash) -> tuple[UUID, UUID]:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    hour = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=1, period=YEAR, granted_on=YEAR.start, actor="a"
    )
    requests = []
    for title in ("Report A", "Report B"):
        r = app.open_request(acme, title, requested_on=date(2024, 3, 1), actor="pete")
        app.estimate_request(r, hours=100, rate=eur(100), actor="pete")
        app.cover_request_by_allowance(r, hour, actor="a")
        app.authorize_work(r, authorized_on=date(2024, 3, 1), actor="pete")
        requests.append(r)
    return requests[0], requests[1]


def test_each_half_of_danas_hour_shows_the_half_hour_it_bills(app: QuoteToCash) -> None:
    a, b = shared_hour(app)
    app.log_work(a, TimeEntry("a1", "dana", date(2024, 3, 20), Decimal(1), eur("33.33")), actor="d")
    app.log_work(b, TimeEntry("b1", "eve", date(2024, 3, 10), Decimal("0.5"), eur(100)), actor="e")
    first = app.draft_request_invoice(a, drafted_on=date(2024, 3, 21), actor="pete")
    issue(app, first, date(2024, 3, 21))
    app.log_work(b, TimeEntry("b2", "eve", date(2024, 3, 11), Decimal("0.5"), eur(100)), actor="e")
    second = app.draft_request_invoice(a, drafted_on=date(2024, 3, 22), actor="pete")
    issue(app, second, date(2024, 3, 22))

    for invoice in (first, second):
        [line] = app.invoice(invoice).lines
        assert line.quantity == Decimal("0.5")
        details = [
            x for x in pdf_lines(render_pdf(app, invoice)) if x.startswith("L1 Report A 2024")
        ]
        assert details == ["L1 Report A 2024-03-20 dana 0.5"]
        assert html_entry_rows(render_html(app, invoice)) == [
            ["L1", "Report A", "2024-03-20", "dana", "0.5", ""]
        ]

    # the credit note giving the first half back gives back the half hour it billed
    note = app.draft_credit_note(
        first,
        line_ids=["L1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="hours disputed",
        drafted_on=date(2024, 4, 2),
        actor="a",
    )
    assert html_entry_rows(render_html(app, note)) == [
        ["C1", "Report A", "2024-03-20", "dana", "0.5", ""]
    ]


def test_a_fixed_price_billing_two_entries_whole_shows_each_entrys_hours(
    app: QuoteToCash,
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    portal = app.open_request(acme, "Portal", requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(portal, fixed_price=eur(1000), actor="pete")
    app.send_quote(portal, sent_on=date(2024, 3, 2), actor="pete")
    app.receive_purchase_order(
        portal, number="PO-2", amount=eur(1000), received_on=date(2024, 3, 3), actor="pete"
    )
    app.authorize_work(portal, authorized_on=date(2024, 3, 4), actor="pete")
    app.log_work(portal, TimeEntry("p1", "dana", date(2024, 3, 5), Decimal(3), eur(0)), actor="d")
    app.log_work(portal, TimeEntry("p2", "eve", date(2024, 3, 6), Decimal(2), eur(0)), actor="e")
    app.complete_request(portal, completed_on=date(2024, 3, 7), actor="pete")
    invoice = app.draft_request_invoice(portal, drafted_on=date(2024, 3, 8), actor="pete")
    [line] = app.invoice(invoice).lines
    assert line.source is not None and line.source.hours == Decimal(5)
    assert html_entry_rows(render_html(app, invoice)) == [
        ["L1", "Portal", "2024-03-05", "dana", "3", ""],
        ["L1", "Portal", "2024-03-06", "eve", "2", ""],
    ]
