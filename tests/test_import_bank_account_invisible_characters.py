"""A bank CSV's account holding an invisible or full-width character is refused by its row.

Acme's 750.00 (reference R1) came in on our account DE02 1203 0000 0000 2020 51 with the
March statement. The April export, whose account column someone had touched up with a value
pasted from a chat (a zero-width space inside), listed the same credit again: it was booked a
second time, as a credit of another account (or, its payer's IBAN so written, refused as
"another credit under the same reference"). Every key and content name of a credit holds the
accounts, so an account that reads the same must be written the same: the row is refused now,
naming the line and the column, nothing recorded. No-break spaces stay taken for spaces.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_import_bank import build

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "date,amount,currency,reference,remittance,name,iban,account\n"
ROW = "2024-03-10,750.00,EUR,{ref},March,Globex SA,{iban},{account}\n"
IBAN = "DE89370400440532013000"
OURS = "DE02120300000000202051"


def march(app: QuoteToCash, ref: str) -> BankStatementImporter:
    importer = BankStatementImporter(app, today=date(2024, 4, 20))
    march = ROW.format(ref=ref, iban=IBAN, account=OURS)
    importer.import_bytes((HEADER + march).encode(), "march.csv", actor="bank")
    return importer


@pytest.mark.parametrize("ref", ["R1", ""], ids=["with reference", "without"])
@pytest.mark.parametrize(
    ("column", "iban", "account"),
    [
        ("account", IBAN, "DE02\u200b120300000000202051"),
        ("account", IBAN, "ＤＥ02120300000000202051"),
        ("iban", "DE89\u2060370400440532013000", OURS),
    ],
    ids=["our account, zero-width space", "our account, full-width", "payer's, word joiner"],
)
def test_the_same_credit_with_an_account_touched_up_is_refused_not_booked_twice(
    app: QuoteToCash, ref: str, column: str, iban: str, account: str
) -> None:
    build(app)
    importer = march(app, ref)
    before = app.recorder.max_notification_id()
    april = HEADER + ROW.format(ref=ref, iban=iban, account=account)
    with pytest.raises(ImportRejected) as caught:
        importer.import_bytes(april.encode(), "april.csv", actor="bank")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, column)
    assert "invisible or full-width" in problem.rule
    assert app.recorder.max_notification_id() == before
    assert len(app.bank_credits()) == 1


def test_no_break_spaces_in_an_account_are_spaces(app: QuoteToCash) -> None:
    build(app)
    importer = march(app, "R1")
    spaced = "DE02\u00a01203\u00a00000\u00a00000\u00a02020\u00a051"
    april = HEADER + ROW.format(ref="R1", iban=IBAN, account=spaced)
    report = importer.import_bytes(april.encode(), "april.csv", actor="bank")
    assert (report.recorded, report.skipped) == (0, 1)
    assert len(app.bank_credits()) == 1
