"""A credit note corrects an invoice: it names the buyer that invoice was issued to. Drafted after
the customer's rename and move, it named the new name and VAT id, so for an intra-community
supply the sales list showed +X under the old VAT id and -X under the new one."""

from __future__ import annotations

import io
from datetime import date

import pypdf
from test_story_invoice import approve, manual

from q2c_adapters.accounting.exports import export
from q2c_adapters.documents import Branding, render_pdf
from q2c_core import CreditDisposition, QuoteToCash, TaxRate

D = date(2024, 5, 1)


def text(app: QuoteToCash, invoice: object) -> str:
    data = render_pdf(app, invoice, Branding(company_name="S"))  # type: ignore[arg-type]
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


def test_a_credit_note_names_its_invoice_s_buyer_as_issued(app: QuoteToCash) -> None:
    cust = app.register_customer(
        "Alpha BV", "EUR", account_manager="mia", actor="alice", country="NL",
        tax_id="NL123456789B01", address="Kade 2\nAmsterdam", tax_rate=TaxRate.standard(21),
    )  # fmt: skip
    inv = app.draft_invoice(cust, [manual("L1", "100")], drafted_on=D, actor="billy")
    approve(app, inv)
    app.issue_invoice(inv, issued_on=D, actor="bea")
    app.rename_customer(cust, new_name="Omega BV", actor="alice")
    app.correct_customer_details(
        cust, actor="alice", country="BE", tax_id="BE0123456749", address="Rue 9\nBruxelles"
    )
    note = app.draft_credit_note(
        inv, line_ids=["L1"], disposition=CreditDisposition.REBILLABLE, reason="returned",
        drafted_on=date(2024, 5, 3), actor="billy",
    )  # fmt: skip
    draft = text(app, note)
    assert "Alpha BV" in draft and "Omega BV" not in draft  # the draft already names it
    approve(app, note)
    app.issue_invoice(note, issued_on=date(2024, 5, 3), actor="bea")
    issued = app.invoice(note).buyer
    assert issued is not None
    assert (issued.name, issued.tax_id, issued.country) == ("Alpha BV", "NL123456789B01", "NL")
    shown = text(app, note)
    assert "Alpha BV" in shown and "NL123456789B01" in shown and "Omega BV" not in shown
    rows = export(app, "invoices", "json")
    assert "BE0123456749" not in rows
    # an invoice issued after the move names the customer as it is now
    later = app.draft_invoice(cust, [manual("L1", "50")], drafted_on=D, actor="billy")
    approve(app, later)
    app.issue_invoice(later, issued_on=date(2024, 5, 4), actor="bea")
    assert app.invoice(later).buyer.name == "Omega BV"  # type: ignore[union-attr]
