"""A customer reading its statement sees which invoices each payment paid: one transfer
spread over several invoices, and an allocation taken back off on a later day, as of any day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_projections_story import eur, issue

from q2c_core import InvoiceLine, LineSource, QuoteToCash, SourceKind, TaxRate
from q2c_core.projections import CustomerStatement, StatementAllocation, catch_up

A = "alice"


def line(price: str) -> InvoiceLine:
    """A manual line, no tax."""
    return InvoiceLine(
        "L1",
        "consulting",
        Decimal(1),
        eur(price),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )


def test_one_transfer_over_three_invoices_then_one_taken_back_off() -> None:
    """Beta pays 450.00 on 10 March for INV-000001 (100.00), INV-000002 (200.00) and
    INV-000003 (150.00); on 20 March the part booked on INV-000002 is taken back off (wrong
    invoice). The statement of 15 March shows the payment paying all three; the statement
    of 20 March and today only INV-000001 and INV-000003, its 200.00 as credit."""
    app = QuoteToCash.open("memory:")
    c = app.register_customer("Beta", "EUR", account_manager="max", actor=A)
    invoices = []
    for n, price in enumerate(["100.00", "200.00", "150.00"], 1):
        inv = app.draft_invoice(c, [line(price)], drafted_on=date(2024, 3, n), actor=A)
        issue(app, inv, date(2024, 3, n))
        invoices.append(inv)
    p = app.receive_payment(
        c, eur("450.00"), received_on=date(2024, 3, 10), reference="TRF-77", actor=A
    )
    ids = app.allocate_payment(
        p,
        [(invoices[0], eur("100.00")), (invoices[1], eur("200.00")), (invoices[2], eur("150.00"))],
        allocated_on=date(2024, 3, 10),
        actor=A,
    )
    app.reverse_allocation(
        p, ids[1], reason="wrong invoice", actor=A, reversed_on=date(2024, 3, 20)
    )
    statements = CustomerStatement()
    catch_up(app, [statements])

    def paid_by_transfer(on: date | None) -> list[tuple[str, str, date]]:
        (payment,) = statements.statement(c, on).payments
        assert all(isinstance(a, StatementAllocation) for a in payment.allocations)
        return [(a.number, str(a.amount), a.allocated_on) for a in payment.allocations]

    march_10 = date(2024, 3, 10)
    assert paid_by_transfer(date(2024, 3, 15)) == [
        ("INV-000001", "100.00 EUR", march_10),
        ("INV-000002", "200.00 EUR", march_10),
        ("INV-000003", "150.00 EUR", march_10),
    ]
    taken_back = [("INV-000001", "100.00 EUR", march_10), ("INV-000003", "150.00 EUR", march_10)]
    assert paid_by_transfer(date(2024, 3, 20)) == taken_back
    assert paid_by_transfer(None) == taken_back
    (payment,) = statements.statement(c).payments
    assert [a.invoice_id for a in payment.allocations] == [invoices[0].hex, invoices[2].hex]
    # what the allocations show adds up to what the payment says it allocated
    assert sum((a.amount for a in payment.allocations), eur("0.00")) == payment.allocated
    assert payment.unallocated == eur("200.00")
