"""Acme prepaid 100.00 EUR of work. Bob's 3 hours at 30.00 use 90.00 of it; Dana's hour at 33.33
takes the 10.00 left and goes 23.33 beyond it. The overage invoice bills 23.33 for Dana's share
of that hour, 23.33 of 33.33: 0.69996999... hours, a fraction with no end. Its "Time entries"
detail printed all 25 digits of it (0.6999699969996999699969997) on the customer's invoice, HTML
and PDF; it now shows the share to the hundredth, as the reports show hours (0.7, written as
the detail writes every hour), while the line keeps the exact share. An entry billed whole
still shows the hours logged on it (``test_documents_billed_hours``)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from uuid import UUID

import pypdf
from test_documents_billed_hours import html_entry_rows

from q2c_adapters.documents import render_html, render_pdf
from q2c_core import AllowanceUnit, Money, Period, QuoteToCash, TimeEntry

YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def covered_request(
    app: QuoteToCash, unit: AllowanceUnit, quantity: str, *, hours: int, rate: str
) -> UUID:
    """Acme's request for reports, estimated at ``hours`` x ``rate``, covered by its allowance
    of ``quantity`` (in ``unit``) for 2024 and authorized on 1 March."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    allowance = app.grant_allowance(
        acme, unit=unit, quantity=quantity, period=YEAR, granted_on=YEAR.start, actor="a"
    )
    r = app.open_request(acme, "Reports", requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(r, hours=hours, rate=eur(rate), actor="pete")
    app.cover_request_by_allowance(r, allowance, actor="a")
    app.authorize_work(r, authorized_on=date(2024, 3, 1), actor="pete")
    return r


def test_danas_share_of_her_hour_beyond_the_allowance_shows_to_the_hundredth(
    app: QuoteToCash,
) -> None:
    r = covered_request(app, AllowanceUnit.MONEY, "100.00", hours=10, rate="30")
    app.log_work(r, TimeEntry("b1", "bob", date(2024, 3, 10), Decimal(3), eur("30")), actor="b")
    app.log_work(r, TimeEntry("d1", "dana", date(2024, 3, 11), Decimal(1), eur("33.33")), actor="d")
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 12), actor="pete")

    (line,) = app.invoice(invoice).lines
    assert line.net == eur("23.33")
    assert line.source is not None
    assert line.source.hours == Decimal(1) * Decimal("23.33") / Decimal("33.33")  # (kept exact)
    assert [row[3:5] for row in html_entry_rows(render_html(app, invoice))] == [["dana", "0.7"]]
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(app, invoice))).pages
    text = "\n".join(page.extract_text() for page in pages)
    assert "0.6999" not in text
    assert any("dana" in row and row.rstrip().endswith("0.7") for row in text.splitlines())


def test_an_hours_overage_piece_shows_the_hours_its_quantity_bills(app: QuoteToCash) -> None:
    """0.667 prepaid hours, Dana's hour: the line bills 0.333 hours, and its detail says 0.333
    beside that quantity, not a rounded 0.33."""
    r = covered_request(app, AllowanceUnit.HOURS, "0.667", hours=1, rate="100")
    app.log_work(r, TimeEntry("d1", "dana", date(2024, 3, 11), Decimal(1), eur("100")), actor="d")
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 12), actor="pete")

    (line,) = app.invoice(invoice).lines
    assert (line.quantity, line.net) == (Decimal("0.333"), eur("33.30"))
    assert [row[3:5] for row in html_entry_rows(render_html(app, invoice))] == [["dana", "0.333"]]
