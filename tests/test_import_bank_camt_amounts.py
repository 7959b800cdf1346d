"""A camt.053 amount q2c cannot book is refused naming the statement's own element.

A statement whose entry read 750.005 EUR (a third decimal a converter left), or 0.00, was
refused as "line 6: amount: must be more than zero, in whole minor units": ``amount`` is no
element of a camt.053, and in a batch the controller could not tell the entry's amount from a
transaction's. The problem now names ``Amt`` (the entry's) or ``TxDtls/Amt`` (a transaction's
of a batch), on its line, nothing recorded.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_import_bank import build
from test_import_bank_camt_currencies import entry, statement, tx

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected


def problems(app: QuoteToCash, data: bytes) -> list[tuple[int, str, str]]:
    importer = BankStatementImporter(app, today=date(2024, 4, 3))
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer.import_bytes(data, "statement.xml", actor="bank")
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []
    return [(p.line, p.field, p.rule) for p in caught.value.problems]


@pytest.mark.parametrize("amount", ["750.005", "0.00"])
def test_an_entry_amount_q2c_cannot_book_names_amt(app: QuoteToCash, amount: str) -> None:
    build(app)
    one = entry(amount, "EUR", tx(amount, "EUR", "B-4", "INV-000004"))
    ((line, field, rule),) = problems(app, statement("EUR", one))
    assert (line, field) == (6, "Amt")
    assert "whole minor units" in rule


def test_a_batch_transaction_q2c_cannot_book_names_its_amount(app: QuoteToCash) -> None:
    build(app)
    batch = entry(
        "1050.00",
        "EUR",
        tx("749.995", "EUR", "B-4", "INV-000004"),
        tx("300.005", "EUR", "B-5", "INV-000005"),
    )
    found = problems(app, statement("EUR", batch))
    assert [(field, "whole minor units" in rule) for _, field, rule in found] == [
        ("TxDtls/Amt", True),
        ("TxDtls/Amt", True),
    ]
