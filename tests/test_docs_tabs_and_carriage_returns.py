"""Line texts pasted from a spreadsheet or an old mail program carry tabs ("Licence\\t3\\tseats")
and carriage returns ("Phase 1\\rPhase 2"). The HTML shows them as space and line break, as a
browser does, and the UBL keeps them; the PDF printed nothing for them ("Licence3seats",
"Phase 1Phase 2"), fpdf2 warning only that the font has no glyph for a tab. The PDF now prints a
tab as a space and a carriage return as a line break, its words kept apart."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf

from q2c_adapters.documents import Branding, render_pdf
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate


def test_tabs_and_carriage_returns_keep_the_words_apart(app: QuoteToCash) -> None:
    customer = app.register_customer(
        "Kade BV", "EUR", account_manager="mia", actor="a", country="NL", address="Kade 2"
    )
    texts = {
        "L1": "Licence\t3\tseats",
        "L2": "Phase 1\rPhase 2",
        "L3": "Setup\r\nTraining",
    }
    lines = [
        InvoiceLine(
            line_id=line_id,
            description=text,
            quantity=Decimal(1),
            unit_price=Money.of("100", "EUR"),
            tax=TaxRate.standard(21),
            source=LineSource(SourceKind.MANUAL, note="agreed"),
        )
        for line_id, text in texts.items()
    ]
    invoice = app.draft_invoice(customer, lines, drafted_on=date(2024, 5, 1), actor="b")
    app.approve_invoice(invoice, role="billing", approved_on=date(2024, 5, 2), actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=date(2024, 5, 2), actor="mia")
    app.issue_invoice(invoice, issued_on=date(2024, 5, 2), actor="bea")
    pdf = render_pdf(app, invoice, Branding(footer="Register\tHRB 1234\rSeat Hamburg"))
    shown = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    rows = [" ".join(row.split()) for row in shown.splitlines()]
    assert "L1 Licence 3 seats 1 100.00 EUR S 21 % 100.00 EUR" in rows
    # (the lines of one cell read back as one, a space between them)
    assert "L2 Phase 1 Phase 2 1 100.00 EUR S 21 % 100.00 EUR" in rows
    assert "L3 Setup Training 1 100.00 EUR S 21 % 100.00 EUR" in rows
    assert "Register HRB 1234" in rows and "Seat Hamburg" in rows  # the footer's two lines
    assert "Licence3seats" not in shown and "1Phase" not in shown
