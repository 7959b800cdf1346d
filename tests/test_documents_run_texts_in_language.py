"""The texts q2c writes itself read in the document's language, as its contract lines do.

A German customer's contract invoice printed, under "Zahlung", the billing run's note in
English with ISO dates ("Maintenance contract MC-7, period 2024-01-01..2024-01-31"); its
correction invoices "Correction of maintenance contract MC-7"; a final invoice's deposit line
"Less deposit invoice INV-000001: Anzahlung" with "deposit INV-000001 deducted" under it; a credit
note's lines "Credit for INV-000002 line L1: ..." (a credited contract line staying English
whole). A German or French document now prints them in its language; English ones are as the
invoice records them, and text a person typed is never changed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_documents import EUR, A, approve_and_issue, erp_licence_contract, pdf_pages

from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_adapters.documents.i18n import generated_text
from q2c_core import (
    CreditDisposition,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
)


def words(data: bytes) -> str:
    return " ".join("\n".join(pdf_pages(data)).split())


def corrected(app: QuoteToCash, invoice: UUID, line_ids: list[str], on: date) -> UUID:
    """A credit note correcting ``line_ids`` of ``invoice`` ("falsch"), issued ``on``."""
    note = app.draft_credit_note(
        invoice,
        line_ids=line_ids,
        disposition=CreditDisposition.CORRECTED,
        reason="falsch",
        drafted_on=on,
        actor=A,
    )
    approve_and_issue(app, note, on)
    return note


def test_a_contract_invoices_note_reads_in_german_and_french(app: QuoteToCash) -> None:
    _, k = erp_licence_contract(app, "MC-7", "S1", date(2024, 1, 1), "1200")
    app.activate_contract(k, effective=date(2024, 1, 1), actor=A)
    [invoice] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    assert app.invoice(invoice).note == "Maintenance contract MC-7, period 2024-01-01..2024-01-31"
    english = render_html(app, invoice, Branding())
    assert "Maintenance contract MC-7, period 2024-01-01..2024-01-31" in english
    german = render_html(app, invoice, Branding(language="de"))
    assert "Wartungsvertrag MC-7, Abrechnungszeitraum 01.01.2024 – 31.01.2024" in german
    assert "Maintenance contract" not in german
    french = words(render_pdf(app, invoice, Branding(language="fr")))
    assert "Contrat de maintenance MC-7, période 01/01/2024 – 31/01/2024" in french
    assert "Maintenance contract" not in french


def test_a_deposit_deduction_and_a_credit_note_read_in_german(app: QuoteToCash) -> None:
    c = app.register_customer(
        "Müller GmbH", EUR, account_manager="mia", actor=A, tax_rate=TaxRate.standard(19)
    )
    deposit = app.draft_deposit_invoice(
        c, Money.of("500", EUR), description="Anzahlung", drafted_on=date(2024, 5, 1), actor=A
    )
    approve_and_issue(app, deposit, date(2024, 5, 1))
    line = InvoiceLine(
        "L1",
        "Beratung",
        Decimal(10),
        Money.of("100", EUR),
        TaxRate.standard(19),
        LineSource(SourceKind.MANUAL, note="by hand"),
    )
    final = app.draft_invoice(c, [line], drafted_on=date(2024, 5, 10), actor=A)
    app.deduct_deposit(final, deposit, actor=A)
    approve_and_issue(app, final, date(2024, 5, 10))
    german = words(render_pdf(app, final, Branding(language="de")))
    assert "Abzüglich Anzahlungsrechnung INV-000001: Anzahlung" in german
    assert "Anzahlung INV-000001 abgezogen" in german
    assert "Less deposit" not in german and "deducted" not in german
    note = corrected(app, final, ["L1", "L2"], date(2024, 5, 12))
    html = render_html(app, note, Branding(language="de"))
    assert "Gutschrift zu INV-000002 Position L1: Beratung" in html
    assert (
        "Gutschrift zu INV-000002 Position L2: Abzüglich Anzahlungsrechnung INV-000001: Anzahlung"
    ) in html
    assert "Credit for" not in html
    # English documents print what the invoice records
    assert "Credit for INV-000002 line L1: Beratung" in render_html(app, note, Branding())


def test_text_a_person_typed_is_left_as_it_is() -> None:
    assert generated_text("Wartung März", "de") == "Wartung März"
    assert generated_text("Maintenance contract MC-7, period 2024-01-01..2024-01-31", "en") == (
        "Maintenance contract MC-7, period 2024-01-01..2024-01-31"
    )
    assert generated_text("Correction of maintenance contract MC-7", "fr") == (
        "Correction du contrat de maintenance MC-7"
    )
    assert generated_text("no charge for these days", "de") == "keine Berechnung für diese Tage"
    # a note typed by hand in the run's words, with dates that are none, is printed as typed
    typed = "Maintenance contract MC-1, period 2024-13-01..2024-13-31"
    assert generated_text(typed, "de") == typed


def test_an_invoice_noted_by_hand_with_no_real_dates_still_renders(app: QuoteToCash) -> None:
    c = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    line = InvoiceLine(
        "L1",
        "Wartung",
        Decimal(1),
        Money.of("100", EUR),
        TaxRate.standard(19),
        LineSource(SourceKind.MANUAL, note="by hand"),
    )
    typed = "Maintenance contract MC-1, period 2024-13-01..2024-13-31"
    invoice = app.draft_invoice(c, [line], drafted_on=date(2024, 5, 1), actor=A, note=typed)
    assert typed in render_html(app, invoice, Branding(language="de"))
    assert typed in words(render_pdf(app, invoice, Branding(language="fr")))


def test_a_credited_line_whose_text_repeats_q2c_words_over_and_over_still_renders(
    app: QuoteToCash,
) -> None:
    """A line typed by hand (pasted from a spreadsheet gone wrong) repeats "Credit for X line
    Y: " a thousand times; its credit note, in German, stopped the render with a bare
    RecursionError (each repetition read as one more credited line). The words q2c wrote are
    read as deep as q2c writes them, the rest is printed as typed."""
    c = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    pasted = "Credit for a line b: " * 1200 + "Wartung"
    line = InvoiceLine(
        "L1",
        pasted,
        Decimal(1),
        Money.of("100", EUR),
        TaxRate.standard(19),
        LineSource(SourceKind.MANUAL, note="by hand"),
    )
    invoice = app.draft_invoice(c, [line], drafted_on=date(2024, 5, 1), actor=A)
    approve_and_issue(app, invoice, date(2024, 5, 1))
    note = corrected(app, invoice, ["L1"], date(2024, 5, 2))

    html = render_html(app, note, Branding(language="de"))

    assert "Gutschrift zu INV-000001 Position L1: Gutschrift zu a Position b: " in html
    assert "Credit for a line b: Wartung" in html  # (the depth no q2c text has: as typed)
