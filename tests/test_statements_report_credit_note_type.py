"""The statements report types a credit note as a credit note, not as an invoice.

Acme was invoiced 50.00 on 4 March (INV-000001) and credited it in full the same day
(CN-000001). The statement query knows CN-000001 is a credit note (``kind``), but the report's
``type`` column said "invoice" for both rows: a reader (or a spreadsheet filtering the column)
counted two invoices where there is one and its credit. The credit note's row now says
"credit note", with its amount negative as before.
"""

from __future__ import annotations

from datetime import date

from test_projections_story import A, issue
from test_statement_credit_note_after_its_invoice import line

from q2c_adapters.reports import report_table
from q2c_core import (
    CreditDisposition,
    Money,
    QuoteToCash,
)
from q2c_core.projections import ProjectionStore, all_projections, catch_up

DAY = date(2024, 3, 4)


def test_a_credit_note_is_typed_credit_note_on_the_statements_report(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    invoice = app.draft_invoice(acme, [line("50.00")], drafted_on=DAY, actor=A)
    issue(app, invoice, DAY)
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.CORRECTED,
        reason="ordered twice",
        drafted_on=DAY,
        actor=A,
    )
    issue(app, note, DAY)
    projections = all_projections(ProjectionStore.memory())
    catch_up(app, projections)

    table = report_table("statements", projections, DAY)
    typed = [(row[1], row[2], row[4]) for row in table.rows]
    assert typed == [
        ("invoice", app.invoice(invoice).number, Money.of("50.00", "EUR")),
        ("credit note", app.invoice(note).number, Money.of("-50.00", "EUR")),
    ]
