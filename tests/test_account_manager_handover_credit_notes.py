"""Mia leaves; Bob takes over Acme from 1 May 2024 (``hand_over_customer``). A credit note
names the manager of the invoice it credits, whoever drafts it: the 1 May billing run's
correction of Mia's April invoice (ERP removed from 15 April, dated back after the handover)
names Mia, as a credit note drafted by hand on Bob's day does, and the preview says what the
run drafts."""

from __future__ import annotations

from datetime import date

from test_account_manager_handover import MAY_1, A, Books, eur
from test_account_manager_handover_invoices import MAY_5, issue

from q2c_core import CreditDisposition, InvoiceKind, QuoteToCash


def test_a_credit_note_of_mias_april_invoice_names_mia_by_the_run_or_by_hand() -> None:
    """ERP removed from 15 April, dated back after Acme went to Bob from 1 May: the 1 May
    run's credit note of April's invoice (its 15-30 April) names Mia, as April's invoice
    does, and as a credit note drafted by hand does."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    books.hand_over()
    issue(app, books.april, date(2024, 4, 1), manager="Mia")
    app.remove_sub_contract(books.contract, "erp", effective_to=date(2024, 4, 15), actor=A)
    preview = app.preview_billing(MAY_1)
    run = app.run_billing(MAY_1, actor="billing")
    assert [(d.kind, d.credits_invoice_id, d.net) for d in preview] == [
        (d.kind, d.credits_invoice_id, d.net) for d in run.documents
    ]
    documents = [app.invoice(d.invoice_id) for d in run.documents]
    (note,) = [d for d in documents if d.kind is InvoiceKind.CREDIT_NOTE]
    assert note.credits_invoice_id == books.april and note.total == eur("64.53")
    assert note.account_manager == "Mia"
    # by hand, on Bob's day too, the note names the manager of the invoice it credits
    export = app.draft_request_invoice(books.export, drafted_on=date(2024, 4, 20), actor=A)
    issue(app, export, date(2024, 4, 20), manager="Mia")
    by_hand = app.draft_credit_note(
        export,
        line_ids=[app.invoice(export).lines[0].line_id],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="late",
        drafted_on=MAY_5,
        actor=A,
    )
    assert app.invoice(export).account_manager == "Mia"
    assert app.invoice(by_hand).account_manager == "Mia"
    app.close()
