"""Why a line is priced as it is reaches the customer: the PDF and the HTML print a line's
``price_reason`` under its description, and the UBL e-invoice carries it as the line's note
(BT-127, ``cbc:Note`` of the InvoiceLine or CreditNoteLine), which the official PEPPOL BIS 3
rules accept. A line priced as plain quantity x price carries no note.

The story: Acme's one prepaid hour covers two requests. Dana's hour at 33.33 on A becomes
overage half an hour at a time, as back-dated work on B draws first; the second half bills
16.66 (what makes the two add up to 33.33), and its line says so. Fixing our own bug, logged at
a zero rate, is billed at no charge, and its line says why.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import UUID

import pypdf
import pytest
from test_beancount_ledger import issue
from test_ubl import CONFORMANCE, SELLER, assert_conforms, require_shared, text

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_adapters.documents import render_html, render_pdf
from q2c_core import (
    AllowanceUnit,
    CreditDisposition,
    Money,
    Period,
    QuoteToCash,
    TaxRate,
    TimeEntry,
)
from q2c_core.domain import event_facts, invoice_lines

YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture(scope="module")
def validator() -> Iterator[PeppolValidator]:
    """The XSD and both rule sets, compiled once for the module."""
    require_shared(CONFORMANCE / "rules" / "PEPPOL-EN16931-UBL.xslt")
    yield PeppolValidator(CONFORMANCE)


def pdf_words(data: bytes) -> str:
    """The PDF's text with every run of whitespace one space (a cell wraps its text)."""
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def acme_with_shared_hour(app: QuoteToCash) -> tuple[UUID, UUID]:
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="a", tax_rate=TaxRate.standard(21),
        country="NL", tax_id="NL123456789B01", address="Kade 2",
    )  # fmt: skip
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


def test_the_second_half_hour_says_why_it_bills_16_66_on_every_document(
    validator: PeppolValidator,
) -> None:
    app = QuoteToCash.open("memory:")
    a, b = acme_with_shared_hour(app)
    app.log_work(a, TimeEntry("a1", "dana", date(2024, 3, 20), Decimal(1), eur("33.33")), actor="d")
    app.log_work(b, TimeEntry("b1", "eve", date(2024, 3, 10), Decimal("0.5"), eur(100)), actor="e")
    first = app.draft_request_invoice(a, drafted_on=date(2024, 3, 21), actor="pete")
    issue(app, first, date(2024, 3, 21))
    app.log_work(b, TimeEntry("b2", "eve", date(2024, 3, 11), Decimal("0.5"), eur(100)), actor="e")
    second = app.draft_request_invoice(a, drafted_on=date(2024, 3, 22), actor="pete")
    issue(app, second, date(2024, 3, 22))
    [line] = app.invoice(second).lines
    reason = line.price_reason
    assert reason is not None and "so that the pieces add up to 33.33 EUR" in reason

    # the PDF prints it under the line's description, the HTML too
    assert reason in pdf_words(render_pdf(app, second))
    html = render_html(app, second)
    assert f'<div class="price-reason">{reason}</div>' in html
    assert html.index("Report A: dana 2024-03-20") < html.index(reason)

    # the e-invoice carries it as the line's note (BT-127), and conforms
    doc = UblRenderer(app, SELLER).render(second)
    assert text(doc, "cac:InvoiceLine/cbc:Note") == [reason]
    assert_conforms(validator.validate(doc))

    # the first half bills 0.5 x 33.33 as plain quantity x price: no reason, no note
    [plain] = app.invoice(first).lines
    assert plain.price_reason is None
    doc = UblRenderer(app, SELLER).render(first)
    assert text(doc, "cac:InvoiceLine/cbc:Note") == []
    assert 'class="price-reason"' not in render_html(app, first)
    assert_conforms(validator.validate(doc))

    # the credit note giving the second half back says why the line it credits was so priced
    note = app.draft_credit_note(
        second,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="goodwill",
        drafted_on=date(2024, 4, 2),
        actor="a",
    )
    issue(app, note, date(2024, 4, 2))
    [credit_line] = app.invoice(note).lines
    assert credit_line.price_reason == reason
    doc = UblRenderer(app, SELLER).render(note)
    assert text(doc, "cac:CreditNoteLine/cbc:Note") == [reason]
    assert_conforms(validator.validate(doc))
    assert reason in pdf_words(render_pdf(app, note))


def ordered_request(app: QuoteToCash) -> UUID:
    """Acme's request for 4 hours at 100.00, authorized under a purchase order."""
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="a", tax_rate=TaxRate.standard(21),
        country="NL", tax_id="NL123456789B01", address="Kade 2",
    )  # fmt: skip
    r = app.open_request(acme, "Export fix", requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(r, hours=4, rate=eur(100), actor="pete")
    app.send_quote(r, sent_on=date(2024, 3, 1), actor="pete")
    app.receive_purchase_order(
        r, number="PO-7", amount=eur(400), received_on=date(2024, 3, 1), actor="pete"
    )
    app.authorize_work(r, authorized_on=date(2024, 3, 1), actor="pete")
    return r


def test_hours_at_no_charge_say_why_on_every_document(validator: PeppolValidator) -> None:
    app = QuoteToCash.open("memory:")
    r = ordered_request(app)
    app.log_work(r, TimeEntry("e1", "dana", date(2024, 3, 4), Decimal(2), eur(100)), actor="d")
    app.log_work(
        r,
        TimeEntry("e2", "dana", date(2024, 3, 5), Decimal(1), eur(0), note="warranty: our own bug"),
        actor="d",
    )
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 6), actor="pete")
    issue(app, invoice, date(2024, 3, 6))
    reasons = [line.price_reason for line in app.invoice(invoice).lines]
    assert reasons == [None, "no charge: warranty: our own bug"]

    assert "no charge: warranty: our own bug" in pdf_words(render_pdf(app, invoice))
    assert "no charge: warranty: our own bug" in render_html(app, invoice)
    doc = UblRenderer(app, SELLER).render(invoice)
    # only the line at no charge has a note: the one priced 2 x 100.00 needs none
    assert text(doc, "cac:InvoiceLine[cbc:Note]/cbc:ID") == [app.invoice(invoice).lines[1].line_id]
    assert text(doc, "cac:InvoiceLine/cbc:Note") == ["no charge: warranty: our own bug"]
    assert_conforms(validator.validate(doc))


def test_a_reason_pasted_with_a_control_character_reads_as_a_space_everywhere(
    validator: PeppolValidator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note at a zero rate pasted from a spreadsheet with a vertical tab, recorded before q2c
    refused control characters (the refusal is switched off here to write one): the reason it
    gives the line reads "cut over" in the PDF, the HTML and the e-invoice, which conforms, as
    the other texts of such an invoice do."""
    app = QuoteToCash.open("memory:")
    r = ordered_request(app)
    with monkeypatch.context() as patched:
        for module in (event_facts, invoice_lines):
            patched.setattr(module, "refuse_control_characters", lambda *_, **__: None)
        app.log_work(
            r,
            TimeEntry("e1", "dana", date(2024, 3, 4), Decimal(1), eur(0), note="cut\x0bover"),
            actor="d",
        )
        invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 6), actor="pete")
    issue(app, invoice, date(2024, 3, 6))
    assert app.invoice(invoice).lines[0].price_reason == "no charge: cut\x0bover"
    pdf, html = pdf_words(render_pdf(app, invoice)), render_html(app, invoice)
    doc = UblRenderer(app, SELLER).render(invoice)
    assert "no charge: cut over" in pdf
    assert '<div class="price-reason">no charge: cut over</div>' in html
    assert text(doc, "cac:InvoiceLine/cbc:Note") == ["no charge: cut over"]
    control = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
    assert not control.search(pdf) and not control.search(html)
    assert_conforms(validator.validate(doc))
