"""A clerk numbers invoices in a series of their own, ``R-1``, ``R-2``..., one digit wide: the
tenth of a day is ``R-10``. The customer statement lists a day's invoices in the order they were
numbered: ``R-2`` before ``R-10``, as printed, not as text sorts them (``R-10`` before ``R-2``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate
from q2c_core.projections import CustomerStatement, catch_up

DAY = date(2024, 1, 31)


def eleven_support_days(app: QuoteToCash, **terms: int) -> UUID:
    """Acme, billed one support day per invoice, R-1 to R-11 issued on one day in a series
    one digit wide; returns Acme."""
    acme = app.register_customer(
        "Acme",
        "EUR",
        account_manager="mia",
        actor="al",
        tax_rate=TaxRate.standard(21),
        **terms,
    )
    app.open_number_series("R", prefix="R-", width=1, actor="al")
    for n in range(1, 12):
        line = InvoiceLine(
            "a",
            f"Support day {n}",
            Decimal(1),
            Money.of(100, "EUR"),
            TaxRate.standard(21),
            LineSource(SourceKind.MANUAL),
        )
        invoice = app.draft_invoice(acme, [line], drafted_on=DAY, actor="al")
        app.approve_invoice(invoice, role="billing", approved_on=DAY, actor="bea")
        app.approve_invoice(invoice, role="account_manager", approved_on=DAY, actor="mia")
        assert app.issue_invoice(invoice, issued_on=DAY, actor="al", series="R") == f"R-{n}"
    return acme


def test_a_days_invoices_are_listed_in_number_order_past_the_series_width(
    app: QuoteToCash,
) -> None:
    acme = eleven_support_days(app, payment_terms_days=14)

    statements = CustomerStatement()
    catch_up(app, [statements])
    listed = [i.number for i in statements.statement(acme).invoices]

    assert listed == [f"R-{n}" for n in range(1, 12)]


def test_open_invoices_list_a_days_invoices_in_the_order_money_pays_them(
    app: QuoteToCash,
) -> None:
    """``open_invoices`` lists oldest due first as a payment is allocated (``oldest_due_first``):
    of invoices due on one day, R-2 before R-10, the order the customer's money pays them."""
    acme = eleven_support_days(app)

    listed = [i.number for i in app.open_invoices(acme)]

    assert listed == [f"R-{n}" for n in range(1, 12)]
