"""A bank credit whose remittance names only invoices it cannot pay (in another currency, or
issued only after the money was booked) waits for a person: the amount never decides among
the customer's other invoices.

Found by review: a credit of 100.00 EUR with "Payment INV-000001", Acme's 100.00 USD invoice,
named no invoice in its currency, so the amount decided and paid INV-000002 (100.00 EUR), an
invoice the customer did not name, leaving the USD invoice open and nothing for a person to
look at.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import (
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    SuspenseReason,
    TaxRate,
)

CSV_HEAD = "date,amount,currency,remittance,name,reference\n"
MARCH = date(2024, 3, 1)


def issue(app: QuoteToCash, customer: UUID, amount: Money, on: date = MARCH) -> UUID:
    line = InvoiceLine(
        "L1",
        "Services",
        Decimal(1),
        amount,
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(
        customer, [line], drafted_on=on, actor="billy", currency=amount.currency
    )
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


def import_credit(app: QuoteToCash, line: str) -> None:
    report = BankStatementImporter(app, today=date(2024, 4, 10)).import_bytes(
        (CSV_HEAD + line).encode(), "statement.csv", actor="bank-sync"
    )
    assert (report.recorded, report.suspended) == (0, 1)


def test_a_credit_naming_only_an_invoice_in_another_currency_waits_for_a_person(
    tmp_path: Path,
) -> None:
    """Acme owes INV-000001 100.00 USD and INV-000002 100.00 EUR, and sends 100.00 EUR with
    "Payment INV-000001". The money is not the named invoice's currency: the credit waits in
    suspense (no invoice it can pay), Acme's payment unallocated, and INV-000002, which the
    customer did not name, still owes its 100.00."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    usd = issue(app, acme, Money.of("100", "USD"))
    eur = issue(app, acme, Money.of("100", "EUR"))
    assert app.invoice(usd).number == "INV-000001"
    import_credit(app, "2024-04-02,100.00,EUR,Payment INV-000001,Acme,B-1\n")
    (credit,) = app.bank_credits()
    assert credit.is_suspended
    assert credit.suspense_reason is SuspenseReason.NO_INVOICE
    assert credit.invoice_ids == ()
    assert credit.customer_id == acme
    assert app.invoice(eur).outstanding == Money.of("100.00", "EUR")
    assert app.invoice(usd).outstanding == Money.of("100.00", "USD")
    assert app.customer_credit(acme, "EUR") == Money.of("100.00", "EUR")
    app.close()


def test_a_credit_naming_only_an_invoice_issued_after_its_booking_day_waits_for_a_person(
    tmp_path: Path,
) -> None:
    """Acme owes INV-000001 100.00 EUR (March); INV-000002, 100.00 EUR, is issued on 5 April.
    A statement imported late books 100.00 on 2 April with "Payment INV-000002": that money
    cannot pay an invoice not issued yet, nor does the amount decide that it paid INV-000001,
    which the customer did not name: the credit waits for a person."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    march = issue(app, acme, Money.of("100", "EUR"))
    april = issue(app, acme, Money.of("100", "EUR"), on=date(2024, 4, 5))
    assert app.invoice(april).number == "INV-000002"
    import_credit(app, "2024-04-02,100.00,EUR,Payment INV-000002,Acme,B-1\n")
    (credit,) = app.bank_credits()
    assert credit.is_suspended and credit.suspense_reason is SuspenseReason.NO_INVOICE
    assert app.invoice(march).outstanding == Money.of("100.00", "EUR")
    assert app.invoice(april).outstanding == Money.of("100.00", "EUR")
    app.close()
