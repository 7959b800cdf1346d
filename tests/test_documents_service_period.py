"""A line's period of service is printed on the PDF and the HTML, as the e-invoice carries it.

Found by review: a line typed with the period it bills ("Hosting Q1", 1 January to 31 March)
carried that period in the UBL e-invoice (the line's InvoicePeriod) but the PDF and the HTML
showed it nowhere: only a contract's lines had their period printed (under "Contract periods"),
and an invoice must state when the service was supplied where that is not its date (VAT
Directive art. 226(7)). Such a line now prints "Leistungszeitraum: 01.01.2024 – 31.03.2024"
under its text, its credit note's line too; a contract's line keeps its period in its detail.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf
from test_beancount_ledger import issue

from q2c_adapters.documents import Branding, build_document, render_html, render_pdf
from q2c_core import (
    CreditDisposition,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    SourceKind,
    TaxRate,
)

V19 = TaxRate.standard(19)


def words(data: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_hosting_billed_for_the_first_quarter_says_so_on_the_invoice_and_its_credit() -> None:
    app = QuoteToCash.open("memory:")
    c = app.register_customer(
        "Brauhaus Nord", "EUR", account_manager="mia", actor="a", tax_rate=V19, country="DE"
    )
    q1 = Period(date(2024, 1, 1), date(2024, 4, 1))
    hosting = InvoiceLine(
        "L1", "Hosting", Decimal(3), Money.of("100", "EUR"), V19,
        LineSource(SourceKind.MANUAL, note="by hand", period=q1),
    )  # fmt: skip
    setup = InvoiceLine(
        "L2", "Setup", Decimal(1), Money.of("50", "EUR"), V19, LineSource(SourceKind.MANUAL)
    )
    invoice = app.draft_invoice(c, [hosting, setup], drafted_on=date(2024, 4, 2), actor="a")
    issue(app, invoice, date(2024, 4, 2))

    lines = build_document(app, invoice, Branding(language="de")).lines
    assert [x.period for x in lines] == ["01.01.2024 – 31.03.2024", ""]
    german = words(render_pdf(app, invoice, Branding(language="de")))
    assert "Hosting Leistungszeitraum: 01.01.2024 – 31.03.2024" in german
    assert german.count("Leistungszeitraum") == 1  # (the setup states none)
    html = render_html(app, invoice, Branding())
    assert '<div class="service-period">Service period: 2024-01-01 – 2024-03-31</div>' in html

    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.CORRECTED,
        reason="billed twice",
        drafted_on=date(2024, 4, 5),
        actor="a",
    )
    issue(app, note, date(2024, 4, 5))
    french = words(render_pdf(app, note, Branding(language="fr")))
    assert "Période de prestation: 01/01/2024 – 31/03/2024" in french
