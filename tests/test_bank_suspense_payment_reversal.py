"""The bank takes back Acme's own credit, still in suspense, after its payment was allocated.

Acme sends 30.00 EUR (bank reference A1) on 2 April, "advance": it fits no invoice, so the
credit waits in suspense, its payment sitting on Acme's credit. On 10 April a person puts that
payment on Acme's invoice directly (``allocate_payment``, the credit still in suspense). The
bank had taken the 30.00 back on 5 April, but that statement is imported only afterwards: the
payment bounces on 10 April (the first day the books allow, its allocation's), and the credit
keeps the bank's day, 5 April, and the bounce day (``CreditReversedByBank``, as for a credit
assigned or matched), leaving suspense. So the books' bank is the statement's on every day:
from 5 to 9 April the 30.00 the bank no longer holds, still Acme's credit in the books, is an
item in ``Liabilities:Suspense``, which clears itself on 10 April. On every day of April Acme's
summary, the customer statement, the receivables aging and the ledger agree.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_bank_reversal_after_assignment import REVERSED, agreeing, statement
from test_bank_suspense_resolution_days import acme_with_invoice, eur
from test_beancount_ledger import load_ok
from test_ledger_bank_reversal_day import A1_TAKEN_BACK, ACME_OWN_30, APRIL, BANK, SUSPENSE, by_day

from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    event_id,
    export_ledger,
    iter_events,
)
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.bank_credit import CreditStatus

BOOKED = date(2024, 4, 2)


def in_the_bank(day: date) -> Decimal:
    """What the bank's statements say it held of Acme's 30.00 at the end of ``day``."""
    return Decimal("30.00") if BOOKED <= day < REVERSED else Decimal(0)


@pytest.mark.parametrize(
    "allocated_on",
    [
        date(2024, 4, 10),  # after the bank's day: bounced on 10 April
        REVERSED,  # on it: bounced on the bank's day
        date(2024, 4, 3),  # before it
        None,  # never allocated: still Acme's credit, bounced on the bank's day
    ],
)
def test_acmes_credit_in_suspense_allocated_by_hand_then_taken_back_by_the_bank(
    tmp_path: Path, allocated_on: date | None
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(statement("2024-04-02", ACME_OWN_30), "apr02.xml", actor="bank")
    [credit] = app.bank_suspense()
    payment_id = credit.payment_id
    assert payment_id is not None  # Acme's payment, waiting as its credit
    if allocated_on is not None:
        app.allocate_payment(
            payment_id, [(invoice, eur("30.00"))], allocated_on=allocated_on, actor="ana"
        )
        assert [c.id for c in app.bank_suspense()] == [credit.id]  # still waiting there

    bank.import_bytes(statement("2024-04-05", A1_TAKEN_BACK), "apr05.xml", actor="bank")

    bounced_on = max(REVERSED, allocated_on or REVERSED)
    assert app.payment(payment_id).bounced_on == bounced_on
    taken_back = app.bank_credit(credit.id)
    assert (taken_back.reversed_on, taken_back.payment_bounced_on) == (REVERSED, bounced_on)
    assert taken_back.status is CreditStatus.RETURNED  # nothing left to assign
    assert taken_back.resolved_on == REVERSED
    assert app.bank_suspense() == []
    assert app.invoice(invoice).outstanding == eur("119.00")

    text = export_ledger(app)
    balances = by_day(load_ok(text))  # Beancount's own loader: no errors
    for day in APRIL:
        held = balances[day]
        assert held.get(BANK, Decimal(0)) == in_the_bank(day), day
        # money the bank took back that the books still hold as Acme's, until it bounces
        owed = Decimal("30.00") if REVERSED <= day < bounced_on else Decimal(0)
        assert held.get(SUSPENSE, Decimal(0)) == owed, day
        # the 30.00 is Acme's from the bank's day until it bounces: on its credit, or on the
        # invoice from the day it was allocated
        open_, credit_left = agreeing(app, acme, day)
        held_by_acme = BOOKED <= day < bounced_on
        on_invoice = held_by_acme and allocated_on is not None and allocated_on <= day
        assert open_ == (Decimal("89.00") if on_invoice else Decimal("119.00")), day
        on_credit = held_by_acme and not on_invoice
        assert credit_left == (Decimal("30.00") if on_credit else Decimal(0)), day

    # a running journal, given the events one by one, books the same
    journal = BeancountJournal(app, str(tmp_path / "books.beancount"))
    for event in iter_events(app):
        journal.deliver(event_id(event), event)
    assert by_day(load_ok(journal.read())) == balances

    # the same reversal in a later statement takes nothing back twice
    again = bank.import_bytes(
        statement("2024-04-05", A1_TAKEN_BACK, ACME_OWN_30), "apr-all.xml", actor="bank"
    )
    assert (again.recorded, again.skipped) == (0, 2)
    assert export_ledger(app) == text
