"""The auditor ties the suspense list of every day to the books' ``Liabilities:Suspense``.

``Liabilities:Suspense`` holds bank money not yet settled against a customer: money in the bank
the books credit to nobody (a credit balance), and money the bank took back that the books
still credit to a customer until its payment bounces (a debit balance). The suspense list of a
day (``bank_suspense(as_of=day)``) lists exactly those credits, each counted by what it holds
in suspense that day (``BankCredit.suspense_amount(day)``: positive for money held, negative
for money the bank took back), so the books' suspense is minus the list's total on every day,
checked by Beancount's own bean-check with a balance assertion a day.

- Acme pays its 119.00 invoice on 2 April; the bank takes the money back on 5 April, and a
  clerk, who knew nothing of it yet, bounces the payment by hand on 8 April. From 5 to 7 April
  the invoice reads paid, as recorded, but the bank no longer holds the money: the suspense
  list of those days lists the credit at -119.00, the books' suspense holds 119.00 debit.
- Acme's own 30.00 "advance" fits no invoice: it is Acme's payment, Acme's credit in the books
  and in Acme's summary from 2 April, waiting for a person to put it on an invoice
  (``bank_suspense()``), but it is no money of nobody's: the list of a day, as the books'
  suspense, leaves it out.
- ``q2c suspense list --on`` gives a reason for every row, and the signed amount.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from test_bank_reversal_after_assignment import CREDIT, REVERSAL, entry, statement
from test_bank_reversal_of_a_payment_bounced_by_hand import acme_pays_by_bank
from test_bank_suspense_resolution_days import acme_with_invoice, eur
from test_beancount_ledger import load_ok
from test_ledger_bank_reversal_day import APRIL, by_day
from test_refund_books import bean_check
from typer.testing import CliRunner

from q2c_adapters.accounting.beancount_ledger import LedgerBook, export_ledger
from q2c_adapters.cli import _register_extensions
from q2c_adapters.cli import app as cli
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash

BANK, SUSPENSE = "Assets:Bank", "Liabilities:Suspense"
BOOKED, REVERSED = date(2024, 4, 2), date(2024, 4, 5)

runner = CliRunner(env={"COLUMNS": "200"})
_register_extensions()


def tie_every_day(app: QuoteToCash, acme: UUID, tmp_path: Path) -> dict[date, Decimal]:
    """Check, for every day of April, the list against the books (suspense, Acme's receivable
    and credit against Acme's summary), and bean-check the ledger with those balances asserted;
    returns each day's listed total (signed)."""
    text = export_ledger(app)
    balances = by_day(load_ok(text))
    book = LedgerBook(app)
    totals: dict[date, Decimal] = {}
    assertions = []
    for day in APRIL:
        listed = app.bank_suspense(as_of=day)
        amounts = [c.suspense_amount(day).amount for c in listed]
        assert all(amounts), (day, amounts)  # nothing listed that holds nothing
        total = sum(amounts, Decimal(0))
        totals[day] = total
        summary = app.customer_summary(acme, as_of=day)
        expected = {
            SUSPENSE: -total,
            book.receivable(acme): summary.open.amount,
            book.customer_credit(acme): -summary.credit.amount,
        }
        for account, amount in expected.items():
            assert balances[day].get(account, Decimal(0)) == amount, (day, account)
            if account in balances[day]:  # (opened by then)
                after_day = day + timedelta(days=1)
                assertions.append(f"{after_day} balance {account} {amount:.4f} EUR")
    bean_check(tmp_path, text + "\n" + "\n".join(assertions) + "\n")
    return totals


def the_one_row_listed(url: str, on: str) -> dict[str, Any]:
    """The one row ``q2c suspense list --on`` lists for the day ``on``, read as JSON."""
    shown = runner.invoke(cli, ["suspense", "list", "--url", url, "--on", on, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    rows: list[dict[str, Any]] = json.loads(shown.stdout)["rows"]
    [row] = rows
    return row


def test_money_the_bank_took_back_before_the_hand_bounce_is_listed_as_taken_back(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme, invoice, number, bank = acme_pays_by_bank(app)
    payment_id = app.invoice(invoice).payments[0].payment_id
    [credit] = app.bank_credits()
    bounced_on = date(2024, 4, 8)
    app.bounce_payment(payment_id, bounced_on=bounced_on, reason="bank called", actor="clara")
    taken_back = entry("2024-04-05", REVERSAL, "119.00", "A1", "Acme GmbH", f"invoice {number}")
    bank.import_bytes(statement("2024-04-05", taken_back), "apr05.xml", actor="bank")
    assert app.bank_credit(credit.id).reversed_on == REVERSED

    totals = tie_every_day(app, acme, tmp_path)
    for day in APRIL:
        taken = REVERSED <= day < bounced_on
        assert [c.id for c in app.bank_suspense(as_of=day)] == ([credit.id] if taken else []), day
        assert totals[day] == (Decimal("-119.00") if taken else Decimal(0)), day
    assert app.bank_credit(credit.id).suspense_amount(date(2024, 4, 6)) == eur("-119.00")
    assert app.bank_credit(credit.id).suspense_amount(bounced_on) == eur("0.00")
    assert app.bank_suspense() == []  # nothing is left for a person to do
    app.close()

    row = the_one_row_listed(url, on="2024-04-06")
    assert row["amount"] == {"amount": "-119.00", "currency": "EUR"}
    assert row["reason"] == "taken back by the bank on 2024-04-05, awaiting the payment's bounce"


def test_a_known_customers_credit_that_fits_no_invoice_is_the_customers_not_suspense(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _ = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    advance = entry("2024-04-02", CREDIT, "30.00", "A1", "Acme GmbH", "advance")
    bank.import_bytes(statement("2024-04-02", advance), "apr02.xml", actor="bank")
    [credit] = app.bank_suspense()  # waiting for a person to put it on an invoice
    assert app.customer_summary(acme, as_of=BOOKED).credit == eur("30.00")

    totals = tie_every_day(app, acme, tmp_path)
    assert all(total == 0 for total in totals.values())
    assert all(app.bank_suspense(as_of=day) == [] for day in APRIL)
    assert credit.suspense_amount(BOOKED) == eur("0.00")
    assert [c.id for c in app.bank_suspense()] == [credit.id]
    app.close()


def test_the_list_of_a_day_gives_the_reason_of_a_credit_held_for_the_bank(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme, invoice, number, bank = acme_pays_by_bank(app)
    payment_id = app.invoice(invoice).payments[0].payment_id
    app.bounce_payment(payment_id, bounced_on=date(2024, 4, 3), reason="recall", actor="clara")
    taken_back = entry("2024-04-05", REVERSAL, "119.00", "A1", "Acme GmbH", f"invoice {number}")
    bank.import_bytes(statement("2024-04-05", taken_back), "apr05.xml", actor="bank")
    totals = tie_every_day(app, acme, tmp_path)
    assert totals[date(2024, 4, 4)] == Decimal("119.00")
    app.close()

    row = the_one_row_listed(url, on="2024-04-04")
    assert row["amount"] == {"amount": "119.00", "currency": "EUR"}
    assert row["reason"] == "bounced on 2024-04-03, awaiting the bank's reversal of 2024-04-05"


def test_acmes_own_credit_allocated_after_the_banks_reversal_is_taken_back_until_then(
    tmp_path: Path,
) -> None:
    """Acme's own 30.00 waits as Acme's credit; a person puts it on the invoice on 10 April;
    the bank's reversal of 5 April, imported after, bounces the payment on the 10th: from the
    5th to the 9th the bank no longer holds what the books still credit to Acme."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    advance = entry("2024-04-02", CREDIT, "30.00", "A1", "Acme GmbH", "advance")
    bank.import_bytes(statement("2024-04-02", advance), "apr02.xml", actor="bank")
    [credit] = app.bank_suspense()
    allocated_on = date(2024, 4, 10)
    app.resolve_bank_credit(
        credit.id, resolved_on=allocated_on, actor="ana", allocations=[(invoice, eur("30"))]
    )
    taken_back = entry("2024-04-05", REVERSAL, "30.00", "A1", "Acme GmbH", "advance")
    bank.import_bytes(statement("2024-04-05", taken_back), "apr05.xml", actor="bank")

    totals = tie_every_day(app, acme, tmp_path)
    for day in APRIL:
        taken = REVERSED <= day < allocated_on
        assert totals[day] == (Decimal("-30.00") if taken else Decimal(0)), day
    app.close()


def test_an_unknown_payers_credit_assigned_then_bounced_before_the_banks_day(
    tmp_path: Path,
) -> None:
    """Initech's 99.00 waits as nobody's from 2 April; on 3 April a person assigns it to Acme
    as credit, on 4 April bounces it (the recall announced); the bank takes it back on the
    5th: listed on the 2nd (nobody's) and the 4th (the bank still holds it), not the 3rd."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _ = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    unknown = entry("2024-04-02", CREDIT, "99.00", "U7", "Initech LLC", "order 5521")
    bank.import_bytes(statement("2024-04-02", unknown), "apr02.xml", actor="bank")
    [credit] = app.bank_suspense()
    payment_id = app.resolve_bank_credit(
        credit.id, resolved_on=date(2024, 4, 3), actor="ana", customer_id=acme, allocations=[]
    )
    app.bounce_payment(payment_id, bounced_on=date(2024, 4, 4), reason="recall", actor="clara")
    taken_back = entry("2024-04-05", REVERSAL, "99.00", "U7", "Initech LLC", "order 5521")
    bank.import_bytes(statement("2024-04-05", taken_back), "apr05.xml", actor="bank")
    assert app.bank_credit(credit.id).payment_bounced_on == date(2024, 4, 4)

    totals = tie_every_day(app, acme, tmp_path)
    for day in APRIL:
        held = day in (date(2024, 4, 2), date(2024, 4, 4))
        assert totals[day] == (Decimal("99.00") if held else Decimal(0)), day
    app.close()


def test_a_credit_matched_to_a_payment_recorded_by_hand_bounced_before_the_banks_day(
    tmp_path: Path,
) -> None:
    """Clara enters Acme's transfer TR-88 by hand on 2 April and puts it on the invoice; the
    statement of 2 April is matched to her payment (no second payment); she bounces it on 4
    April (the recall announced), the bank takes it back on the 5th: the money was counted
    once, so the list holds it only on the 4th (the bank still held it, credited to nobody)."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_with_invoice(app)
    number = app.invoice(invoice).number
    payment_id = app.receive_payment(
        acme, eur("119.00"), received_on=BOOKED, reference="TR-88", actor="clara"
    )
    app.allocate_payment(payment_id, [(invoice, eur("119.00"))], allocated_on=BOOKED, actor="c")
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    paid = entry("2024-04-02", CREDIT, "119.00", "TR-88", "Acme GmbH", f"invoice {number}")
    report = bank.import_bytes(statement("2024-04-02", paid), "apr02.xml", actor="bank")
    assert report.matched_to_payments == 1
    [credit] = app.bank_credits()
    assert credit.payment_id == payment_id
    app.bounce_payment(payment_id, bounced_on=date(2024, 4, 4), reason="recall", actor="clara")
    taken_back = entry("2024-04-05", REVERSAL, "119.00", "TR-88", "Acme GmbH", "recall")
    bank.import_bytes(statement("2024-04-05", taken_back), "apr05.xml", actor="bank")
    assert app.bank_credit(credit.id).payment_bounced_on == date(2024, 4, 4)
    assert app.customer(acme).payment_ids == [payment_id]

    totals = tie_every_day(app, acme, tmp_path)
    for day in APRIL:
        held = day == date(2024, 4, 4)
        assert totals[day] == (Decimal("119.00") if held else Decimal(0)), day
    app.close()
