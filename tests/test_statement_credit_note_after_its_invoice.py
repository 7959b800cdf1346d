"""A customer's statement lists a credit note after the invoice it credits when both were issued
on one day: it listed them by day, then number, and "CN-000001" sorts before "INV-000002", so
the portal showed the customer a credit of an invoice it had not yet shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from test_projections_story import A, issue

from q2c_core import (
    CreditDisposition,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
)
from q2c_core.projections import CustomerStatement, catch_up

DAY = date(2024, 3, 4)


def line(price: str) -> InvoiceLine:
    return InvoiceLine(
        "L1",
        "support",
        Decimal(1),
        Money.of(price, "EUR"),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )


def test_a_credit_note_of_the_day_follows_the_invoices_of_that_day(tmp_path: Path) -> None:
    """Acme's INV-000001 (1 March) and INV-000002 (4 March), and INV-000002 credited in full on
    4 March (CN-000001): the statement lists INV-000001, INV-000002, then CN-000001."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    first = app.draft_invoice(acme, [line("80.00")], drafted_on=date(2024, 3, 1), actor=A)
    issue(app, first, date(2024, 3, 1))
    second = app.draft_invoice(acme, [line("50.00")], drafted_on=DAY, actor=A)
    issue(app, second, DAY)
    note = app.draft_credit_note(
        second,
        line_ids=["L1"],
        disposition=CreditDisposition.CORRECTED,
        reason="ordered twice",
        drafted_on=DAY,
        actor=A,
    )
    issue(app, note, DAY)
    statements = CustomerStatement()
    catch_up(app, [statements])

    listed = [(i.number, i.kind) for i in statements.statement(acme).invoices]
    assert listed == [
        ("INV-000001", "standard"),
        ("INV-000002", "standard"),
        (app.invoice(note).number, "credit_note"),
    ]
    assert app.invoice(note).number is not None
    assert app.invoice(note).number < "INV-000002"  # (by number alone it came first)
    app.close()
