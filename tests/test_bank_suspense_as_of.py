"""The suspense list of a past day: what waited for a person at the end of it.

At the month's close the auditor asks what was in suspense on each day and ties it to the
books' ``Liabilities:Suspense``. On 2 April the bank books 99.00 EUR from Initech (a payer q2c
cannot name) and 30.00 EUR from Acme marked "advance" (Acme's, but fitting no invoice); on
5 April 15.00 EUR from Globex (unknown) arrives and the bank takes Acme's 30.00 back. On
10 April a person assigns Initech's money to Acme, and on 12 April sends Globex's back. Each
day's list is read by the days recorded, whenever they were recorded: the resolution recorded
later does not change what waited on 7 April. Acme's own 30.00 is Acme's payment, Acme's credit
in the books from 2 April: it waits for a person (``bank_suspense()``) but is no suspense money,
so the list of a day, which ties to the books' suspense, leaves it out.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from test_bank_reversal_after_assignment import GLOBEX_15, UNKNOWN_99, statement
from test_bank_suspense_resolution_days import acme_with_invoice
from test_beancount_ledger import load_ok
from test_ledger_bank_reversal_day import A1_TAKEN_BACK, ACME_OWN_30, APRIL, SUSPENSE, by_day

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import InvalidValue, QuoteToCash


def waited(first: date, last: date, day: date) -> bool:
    return first <= day <= last


def test_each_days_suspense_list_is_what_waited_that_day_and_ties_to_the_books(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _ = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(statement("2024-04-02", UNKNOWN_99, ACME_OWN_30), "apr02.xml", actor="bank")
    bank.import_bytes(statement("2024-04-05", GLOBEX_15, A1_TAKEN_BACK), "apr05.xml", actor="bank")
    by_reference = {c.credit.bank_reference: c.id for c in app.bank_credits()}
    initech, acme_own, globex = by_reference["U7"], by_reference["A1"], by_reference["G1"]
    # today Acme's own credit is gone (the bank took it back), the other two wait
    assert [c.id for c in app.bank_suspense()] == [initech, globex]
    seventh_before = [c.id for c in app.bank_suspense(as_of=date(2024, 4, 7))]

    app.resolve_bank_credit(
        initech, resolved_on=date(2024, 4, 10), actor="ana", customer_id=acme, allocations=[]
    )
    app.return_bank_credit(
        globex, returned_on=date(2024, 4, 12), reason="not ours: no such order", actor="ana"
    )

    assert app.bank_suspense() == []
    assert [c.id for c in app.bank_suspense(as_of=date(2024, 4, 7))] == seventh_before
    balances = by_day(load_ok(export_ledger(app)))
    for day in APRIL:
        expected = [
            credit_id
            for credit_id, first, last in (
                (initech, date(2024, 4, 2), date(2024, 4, 9)),
                (globex, date(2024, 4, 5), date(2024, 4, 11)),
            )
            if waited(first, last, day)
        ]
        listed = app.bank_suspense(as_of=day)
        assert [c.id for c in listed] == expected, day
        assert acme_own not in [c.id for c in listed]  # Acme's credit, not suspense
        # the money of unknown payers waiting that day is the books' suspense of that day
        unknown = sum((c.credit.amount.amount for c in listed), Decimal(0))
        assert balances[day].get(SUSPENSE, Decimal(0)) == -unknown, day


@pytest.mark.parametrize("as_of", ["2024-04-07", datetime(2024, 4, 7, 12, 0), 20240407])
def test_a_suspense_day_that_is_no_date_is_refused_naming_as_of(
    tmp_path: Path, as_of: object
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    with pytest.raises(InvalidValue) as refused:
        app.bank_suspense(as_of=as_of)  # type: ignore[arg-type]
    assert refused.value.field == "as_of"
