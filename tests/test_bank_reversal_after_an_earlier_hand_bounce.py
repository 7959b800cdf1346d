"""The bank's reversal of a payment a clerk bounced by hand on an earlier day than the bank's.

Acme pays its 119.00 EUR invoice (bank reference A1, booked 2 April) and the payment is
matched. On 3 April Acme's bank announces the recall and a clerk bounces the payment by hand;
the bank books the reversal on 5 April, and the statement saying so is imported after. The
reversal is recorded on the credit with both days: the bank's (5 April, when the money left
the bank) and the clerk's (3 April, when the payment bounced). The payment is not bounced a
second time, the invoice not reopened twice, and an overlapping statement records nothing
again.

The books follow the bank's statement on every day: the bounce of 3 April takes the money off
Acme's account, but the bank still holds it until 5 April. On 3 and 4 April it is money in the
bank the books credit to nobody: it waits in ``Liabilities:Suspense``, and the suspense list of
those days lists the credit, so the list still ties to the books (checked by Beancount's own
bean-check, day by day), as do Acme's receivable and credit to Acme's summary.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from test_bank_reversal_after_assignment import CREDIT, REVERSAL, entry, statement
from test_bank_reversal_of_a_payment_bounced_by_hand import acme_pays_by_bank
from test_bank_suspense_resolution_days import acme_with_invoice, days, eur
from test_beancount_ledger import load_ok
from test_ledger_bank_reversal_day import by_day
from test_refund_books import bean_check

from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    LedgerBook,
    event_id,
    export_ledger,
    iter_events,
)
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash, RuleViolated
from q2c_core.domain.bank_credit import CreditStatus

BOOKED, BOUNCED, REVERSED = date(2024, 4, 2), date(2024, 4, 3), date(2024, 4, 5)
BANK, SUSPENSE = "Assets:Bank", "Liabilities:Suspense"


def test_a_reversal_after_an_earlier_hand_bounce_records_both_days_and_the_books_tie(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice, number, bank = acme_pays_by_bank(app)
    payment_id = app.invoice(invoice).payments[0].payment_id
    [credit] = [c for c in app.bank_credits() if c.credit.bank_reference == "A1"]

    # Acme's bank announces the recall on 3 April: the clerk bounces the payment that day
    app.bounce_payment(payment_id, bounced_on=BOUNCED, reason="recall announced", actor="clara")
    allocations_before = app.payment(payment_id).allocations

    taken_back = entry("2024-04-05", REVERSAL, "119.00", "A1", "Acme GmbH", f"invoice {number}")
    report = bank.import_bytes(statement("2024-04-05", taken_back), "apr05.xml", actor="bank")
    assert (report.recorded, report.skipped) == (1, 0)  # the bank's reversal, recorded

    after = app.bank_credit(credit.id)
    assert after.reversed_on == REVERSED  # when the money left the bank
    assert after.payment_bounced_on == BOUNCED  # when the clerk bounced the payment
    assert after.status is CreditStatus.MATCHED
    payment = app.payment(payment_id)
    assert payment.bounced_on == BOUNCED  # bounced once, on the clerk's day
    assert payment.allocations == allocations_before
    assert app.invoice(invoice).outstanding == eur("119.00")  # reopened once, not 238.00
    assert app.bank_suspense() == []

    # the books, day by day from the day before the bounce to the day after the bank's
    text = export_ledger(app)
    balances = by_day(load_ok(text))
    book = LedgerBook(app)
    assertions = []
    for day in days(BOUNCED - timedelta(days=1), REVERSED + timedelta(days=1)):
        in_bank = Decimal("119.00") if BOOKED <= day < REVERSED else Decimal(0)
        listed = app.bank_suspense(as_of=day)
        assert [c.id for c in listed] == ([credit.id] if BOUNCED <= day < REVERSED else []), day
        waiting = sum((c.credit.amount.amount for c in listed), Decimal(0))
        summary = app.customer_summary(acme, as_of=day)
        expected = {
            BANK: in_bank,
            SUSPENSE: -waiting,
            book.receivable(acme): summary.open.amount,
            book.customer_credit(acme): -summary.credit.amount,
        }
        for account, amount in expected.items():
            assert balances[day].get(account, Decimal(0)) == amount, (day, account)
            # Beancount checks a balance at the start of its day: the end of ``day``
            after_day = day + timedelta(days=1)
            assertions.append(f"{after_day} balance {account} {amount:.4f} EUR")
    bean_check(tmp_path, text + "\n" + "\n".join(assertions) + "\n")

    # a running journal, given the events one by one, books the same
    journal = BeancountJournal(app, str(tmp_path / "journal.beancount"))
    for event in iter_events(app):
        journal.deliver(event_id(event), event)
    assert by_day(load_ok(journal.read())) == balances

    # the same reversal in an overlapping statement records nothing again
    again = statement("2024-04-05", taken_back, "<!-- overlap -->")
    report = bank.import_bytes(again, "apr05-again.xml", actor="bank")
    assert (report.recorded, report.skipped) == (0, 1)
    assert app.bank_credit(credit.id).payment_bounced_on == BOUNCED
    assert app.invoice(invoice).outstanding == eur("119.00")
    assert export_ledger(app) == text
    app.close()


def test_a_bounce_on_or_after_the_banks_day_is_not_one_before_it(tmp_path: Path) -> None:
    """``reversed_after_bounce`` is for a bounce before the bank's day only: one on or after
    it is refused naming ``payment_bounced_on`` (``reversed_by_bank`` records those)."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme_pays_by_bank(app)
    [credit] = app.bank_credits()
    for bounced_on in (REVERSED, date(2024, 4, 8)):
        with pytest.raises(RuleViolated) as refused:
            credit.reversed_after_bounce(REVERSED, bounced_on, "recall", "bank")
        assert refused.value.field == "payment_bounced_on"
    with pytest.raises(RuleViolated) as refused:
        credit.reversed_after_bounce(REVERSED, date(2024, 4, 1), "recall", "bank")
    assert refused.value.field == "payment_bounced_on"
    app.close()


def test_a_known_customers_credit_in_suspense_bounced_by_hand_leaves_it_on_the_banks_day(
    tmp_path: Path,
) -> None:
    """Acme's own 30.00 fits no invoice: it waits in suspense with its payment. The clerk
    bounces that payment on 3 April, the bank's reversal of 5 April comes after: the credit is
    returned on the bank's day, keeping the bounce day, and from the bounce day to the bank's
    the bank still holds the money, which suspense and the suspense list say alike."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    advance = entry("2024-04-02", CREDIT, "30.00", "A1", "Acme GmbH", "advance")
    bank.import_bytes(statement("2024-04-02", advance), "apr02.xml", actor="bank")
    [credit] = app.bank_suspense()
    assert credit.payment_id is not None
    app.bounce_payment(credit.payment_id, bounced_on=BOUNCED, reason="recall", actor="clara")

    taken_back = entry("2024-04-05", REVERSAL, "30.00", "A1", "Acme GmbH", "advance")
    report = bank.import_bytes(statement("2024-04-05", taken_back), "apr05.xml", actor="bank")
    assert (report.recorded, report.skipped) == (1, 0)
    after = app.bank_credit(credit.id)
    assert (after.status, after.resolved_on) == (CreditStatus.RETURNED, REVERSED)
    assert (after.reversed_on, after.payment_bounced_on) == (REVERSED, BOUNCED)
    assert app.payment(credit.payment_id).bounced_on == BOUNCED

    text = export_ledger(app)
    balances = by_day(load_ok(text))
    for day in days(BOUNCED, REVERSED + timedelta(days=1)):
        in_bank = Decimal("30.00") if day < REVERSED else Decimal(0)
        assert balances[day].get(BANK, Decimal(0)) == in_bank, day
        listed = app.bank_suspense(as_of=day)
        assert [c.id for c in listed] == ([credit.id] if day < REVERSED else []), day
        assert balances[day].get(SUSPENSE, Decimal(0)) == -in_bank, day
    bean_check(tmp_path, text)
    app.close()
