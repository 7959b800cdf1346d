"""A bank-sync script sets the statement importer up from its configuration, and hands it a
statement: a day given as text, an account number read as a number, the statement as text
rather than bytes. Each is refused as a q2c error naming what was wrong, nothing recorded.

Found by review: ``BankStatementImporter(app, today="2024-04-02")`` was taken, and the import
then failed with a bare ``TypeError`` (a str plus a timedelta) while reading the first date;
``account=5`` failed with ``TypeError: 'int' object is not iterable``; and
``import_bytes("date,amount,...", ...)`` with ``TypeError: Strings must be encoded before
hashing``. (The time-entry and contract importers took ``today`` alike.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from q2c_adapters.importers import (
    BankStatementImporter,
    ContractImporter,
    TimeEntryImporter,
)
from q2c_core import InvalidValue, QuoteToCash

STATEMENT = (
    "date,amount,currency,reference,remittance,name\n"
    "2024-04-02,100.00,EUR,B1,order 5521,Initech LLC\n"
)
IMPORTERS: list[Callable[..., Any]] = [BankStatementImporter, TimeEntryImporter, ContractImporter]


@pytest.mark.parametrize("importer", IMPORTERS, ids=lambda i: i.__name__)
@pytest.mark.parametrize("today", ["2024-04-02", datetime(2024, 4, 2, 9, 30), 20240402])
def test_a_today_that_is_no_date_is_refused_naming_it(
    app: QuoteToCash, importer: Callable[..., Any], today: Any
) -> None:
    with pytest.raises(InvalidValue) as refused:
        importer(app, today=today)
    assert refused.value.field == "today"


@pytest.mark.parametrize("account", [5, ["DE89370400440532013000"], b"DE89"])
def test_an_account_that_is_no_text_is_refused_naming_it(app: QuoteToCash, account: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        BankStatementImporter(app, today=date(2024, 4, 30), account=account)
    assert refused.value.field == "account"


def test_a_statement_given_as_text_is_refused_naming_it(app: QuoteToCash) -> None:
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    with pytest.raises(InvalidValue) as refused:
        bank.import_bytes(STATEMENT, "april.csv", actor="bank")  # type: ignore[arg-type]
    assert refused.value.field == "data"
    with pytest.raises(InvalidValue) as refused:
        bank.import_bytes(STATEMENT.encode(), None, actor="bank")  # type: ignore[arg-type]
    assert refused.value.field == "file_name"
    assert app.bank_credits() == []
    # as bytes, with its name, it is imported
    report = bank.import_bytes(STATEMENT.encode(), "april.csv", actor="bank")
    assert (report.rows, report.suspended) == (1, 1)
    assert len(app.bank_credits()) == 1
