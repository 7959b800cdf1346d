"""An invoice number in remittance text is read across any dash, not only the ASCII hyphen:
an e-mail client or a word processor turns "INV-000001" into "INV–000001" (an en dash), a
bank's form into "INV‑000001" (a non-breaking hyphen), and the customer still names that
invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import (
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
    invoice_numbers_in,
)

CSV_HEAD = "date,amount,currency,remittance,name,reference\n"
DASHES = {
    "hyphen": "\u2010",
    "non-breaking hyphen": "\u2011",
    "figure dash": "\u2012",
    "en dash": "\u2013",
    "em dash": "\u2014",
    "minus sign": "\u2212",
}


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def issue(app: QuoteToCash, customer: UUID, net: str) -> UUID:
    on = date(2024, 3, 1)
    line = InvoiceLine(
        "L1",
        "Services",
        Decimal(1),
        eur(net),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="test"),
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=on, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


@pytest.mark.parametrize("dash", DASHES.values(), ids=list(DASHES))
def test_a_number_written_with_a_typographic_dash_names_its_invoice(dash: str) -> None:
    known = ["INV-000001", "INV-000012", "RE/2024/000003", "2024-000004"]
    assert invoice_numbers_in(f"Zahlung INV{dash}000001", known) == ["INV-000001"]
    assert invoice_numbers_in(f"re{dash}2024{dash}000003 and inv 000012", known) == [
        "RE/2024/000003",
        "INV-000012",
    ]
    # a number whose letters a bank cannot read, quoted as printed but for its dash
    assert invoice_numbers_in(f"re 2024{dash}000004", known) == ["2024-000004"]
    # read across, the number is still matched whole, never as the start of a longer one
    assert invoice_numbers_in(f"INV{dash}0000012", known) == []


def test_a_part_payment_naming_its_invoice_with_an_en_dash_pays_that_invoice(
    tmp_path: Path,
) -> None:
    """Acme owes INV-000001 (100.00) and INV-000002 (50.00) and pays 50.00 with
    "Teilzahlung INV–000001" (an en dash, as its mail client wrote it). The text names
    INV-000001: it is paid 50.00 (50.00 left) and INV-000002 still owes 50.00. The en dash was
    not read across, so the text named nothing and the amount decided: INV-000002 was paid,
    and INV-000001, the invoice the customer paid, stayed open for the full 100.00."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    first, second = issue(app, acme, "100"), issue(app, acme, "50")
    assert app.invoice(first).number == "INV-000001"
    text = CSV_HEAD + "2024-04-02,50.00,EUR,Teilzahlung INV\u2013000001,Acme,B-1\n"
    BankStatementImporter(app, today=date(2024, 4, 2)).import_bytes(
        text.encode(), "statement.csv", actor="bank-sync"
    )
    app.close()
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")  # as read back from the file
    assert app.invoice(first).outstanding == eur("50.00")
    assert app.invoice(second).outstanding == eur("50.00")
    (credit,) = app.bank_credits()
    assert credit.invoice_ids == (first,) and not credit.is_suspended
    app.close()
