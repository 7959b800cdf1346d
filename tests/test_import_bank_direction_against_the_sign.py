"""A CSV statement row whose direction column says the opposite of its amount is refused.

The ``direction`` column (C/D, H/S) gives the sign of an always-positive amount. A row writing
``-595.00`` with ``C`` (credit), or a ``Credit`` column's amount with ``D``, says two things at
once; it was read as a debit and ignored without a word, so a customer's 595.00 might never be
booked. Now such a row is refused naming ``direction``, with the amount, and nothing is
recorded. A signed amount whose direction agrees (``-595.00`` with ``D``) reads as before.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

OURS = "DE89370400440532013000"


def importer(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 30), account=OURS)


def problems(app: QuoteToCash, text: str) -> list[tuple[int, str, str]]:
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app).import_bytes(text.encode(), "april.csv", actor="bank")
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []
    return [(p.line, p.field, p.rule) for p in caught.value.problems]


def test_a_negative_amount_said_to_be_a_credit_is_refused(app: QuoteToCash) -> None:
    text = (
        "date,amount,direction,currency,reference,remittance\n"
        "2024-04-02,120.00,C,EUR,R1,INV-1\n"
        "2024-04-02,-595.00,C,EUR,R2,INV-2\n"
    )
    ((line, field, rule),) = problems(app, text)
    assert (line, field) == (3, "direction")
    assert "-595.00" in rule


def test_a_credit_columns_amount_said_to_be_a_debit_is_refused(app: QuoteToCash) -> None:
    text = (
        "date,credit,debit,direction,currency,reference\n"
        "2024-04-02,120.00,,H,EUR,R1\n"
        "2024-04-02,595.00,,S,EUR,R2\n"
    )
    ((line, field, _),) = problems(app, text)
    assert (line, field) == (3, "direction")


def test_a_signed_amount_its_direction_agrees_with_reads_as_before(app: QuoteToCash) -> None:
    text = (
        "date,amount,direction,currency,reference,remittance\n"
        "2024-04-02,120.00,C,EUR,R1,INV-1\n"
        "2024-04-02,-595.00,D,EUR,R2,rent\n"
        "2024-04-02,80.00,D,EUR,R3,fees\n"
    )
    report = importer(app).import_bytes(text.encode(), "april.csv", actor="bank")
    assert (report.rows, report.suspended, report.ignored) == (3, 1, 2)
