"""The bank's reversal of a credit whose payment a clerk already bounced by hand.

Acme pays its 119.00 EUR invoice (bank reference A1, booked 2 April) and the payment is
matched. The bank phones: the money is coming back. Before the statement arrives, a clerk
bounces the payment by hand. When the statement with the bank's reversal is imported, the
bank's day is recorded on the credit (an auditor reads who took the money back, and when),
the payment is not bounced a second time and the invoice not reopened twice; the suspense list
and the ledger still tie out: the bank holds nothing of the 119.00 from the bank's day on.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_bank_reversal_after_assignment import CREDIT, REVERSAL, entry, statement
from test_bank_suspense_resolution_days import acme_with_invoice, eur, ledger_balances

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash

BOOKED, REVERSED = date(2024, 4, 2), date(2024, 4, 5)


def acme_pays_by_bank(app: QuoteToCash) -> tuple[UUID, UUID, str, BankStatementImporter]:
    """Acme pays its 119.00 EUR invoice by a bank transfer booked 2 April (reference A1), and
    the payment is matched: Acme, the invoice, its number and the bank's statement importer."""
    acme, invoice = acme_with_invoice(app)
    number = app.invoice(invoice).number
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    paid = entry("2024-04-02", CREDIT, "119.00", "A1", "Acme GmbH", f"invoice {number}")
    bank.import_bytes(statement("2024-04-02", paid), "apr02.xml", actor="bank")
    return acme, invoice, number, bank


@pytest.mark.parametrize("bounced_on", [REVERSED, date(2024, 4, 8)])
def test_a_reversal_after_a_hand_bounce_records_the_banks_day_and_bounces_nothing_twice(
    tmp_path: Path, bounced_on: date
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice, number, bank = acme_pays_by_bank(app)
    assert app.invoice(invoice).outstanding == eur("0.00")
    payment_id = app.invoice(invoice).payments[0].payment_id
    [credit] = [c for c in app.bank_credits() if c.credit.bank_reference == "A1"]

    # the clerk bounces it by hand, the bank's statement saying so not yet imported
    app.bounce_payment(payment_id, bounced_on=bounced_on, reason="bank called", actor="clara")
    allocations_before = app.payment(payment_id).allocations
    assert app.invoice(invoice).outstanding == eur("119.00")

    taken_back = entry("2024-04-05", REVERSAL, "119.00", "A1", "Acme GmbH", f"invoice {number}")
    report = bank.import_bytes(statement("2024-04-05", taken_back), "apr05.xml", actor="bank")
    assert (report.recorded, report.skipped) == (1, 0)  # the bank's reversal, recorded

    after = app.bank_credit(credit.id)
    assert after.reversed_on == REVERSED  # the bank's day, on the credit
    assert after.payment_bounced_on == bounced_on  # the day the clerk bounced it
    payment = app.payment(payment_id)
    assert payment.bounced_on == bounced_on  # bounced once, on the clerk's day
    assert payment.allocations == allocations_before
    assert app.invoice(invoice).outstanding == eur("119.00")  # reopened once, not 238.00
    summary = app.customer_summary(acme, as_of=date(2024, 4, 20))
    assert (summary.open, summary.credit) == (eur("119.00"), eur("0.00"))
    assert app.bank_suspense() == []

    # the books: the bank holds nothing of it from the bank's day on; until the clerk's
    # bounce the money taken back waits in suspense (the item an accountant clears), after it
    # suspense is clear
    assert ledger_balances(app, date(2024, 4, 4))["Assets:Bank"] == Decimal("119.00")
    for day in (REVERSED, date(2024, 4, 7), bounced_on, date(2024, 4, 20)):
        held = ledger_balances(app, day)
        assert held.get("Assets:Bank", Decimal(0)) == Decimal(0), day
        waiting = Decimal("119.00") if day < bounced_on else Decimal(0)
        assert held.get("Liabilities:Suspense", Decimal(0)) == waiting, day

    # the same reversal in an overlapping statement records nothing again
    again = statement("2024-04-05", taken_back, "<!-- overlap -->")
    report = bank.import_bytes(again, "apr05-again.xml", actor="bank")
    assert (report.recorded, report.skipped) == (0, 1)
    assert app.bank_credit(credit.id).reversed_on == REVERSED
