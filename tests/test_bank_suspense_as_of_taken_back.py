"""The suspense list of a past day leaves out money the bank had taken back by then.

On 2 April the bank books 99.00 EUR from Initech, a payer q2c cannot name; it waits in
suspense. On 5 April the bank takes the money back, but the statement saying so is imported
only after a person dealt with the credit: she sent it back on 12 April (or assigned it to
Acme on 10 April). The books read the money out of the bank, and out of suspense, on the
bank's day, the 5th; the suspense list of each day from the 5th on no longer lists it either,
so the list still ties to the books' ``Liabilities:Suspense`` of every day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_bank_reversal_after_assignment import U7_TAKEN_BACK, UNKNOWN_99, statement
from test_bank_suspense_resolution_days import acme_with_invoice
from test_beancount_ledger import load_ok
from test_ledger_bank_reversal_day import APRIL, SUSPENSE, by_day

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash

TAKEN_BACK = date(2024, 4, 5)


@pytest.mark.parametrize("dealt_with", ["returned on the 12th", "assigned on the 10th"])
def test_money_the_bank_took_back_waits_in_suspense_on_no_day_after(
    tmp_path: Path, dealt_with: str
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _ = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(statement("2024-04-02", UNKNOWN_99), "apr02.xml", actor="bank")
    [initech] = [c.id for c in app.bank_credits()]
    if dealt_with == "returned on the 12th":
        app.return_bank_credit(
            initech, returned_on=date(2024, 4, 12), reason="not ours", actor="ana"
        )
    else:
        app.resolve_bank_credit(
            initech, resolved_on=date(2024, 4, 10), actor="ana", customer_id=acme, allocations=[]
        )
    bank.import_bytes(statement("2024-04-05", U7_TAKEN_BACK), "apr05.xml", actor="bank")
    assert app.bank_credit(initech).reversed_on == TAKEN_BACK

    balances = by_day(load_ok(export_ledger(app)))
    for day in APRIL:
        listed = app.bank_suspense(as_of=day)
        waiting = date(2024, 4, 2) <= day < TAKEN_BACK
        assert [c.id for c in listed] == ([initech] if waiting else []), day
        held = sum((c.credit.amount.amount for c in listed), Decimal(0))
        assert balances[day].get(SUSPENSE, Decimal(0)) == -held, day
    app.close()
