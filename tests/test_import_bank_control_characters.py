"""A bank statement whose text holds a control character (a vertical tab pasted into the
payer's purpose, a C1 control of a mis-decoded export) is refused by the column or element
holding it, nothing recorded, whoever paid: a credit of an unknown payer was booked with it and
could then never be assigned (its payment's note refused it), while a known customer's refused
the file naming ``note``, a field the file does not have."""

from __future__ import annotations

import hashlib
from datetime import date

import camt053
import pytest

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.bank_credit import StatementCredit
from q2c_core.domain.import_batch import ImportKind, ImportRejected, ImportSource
from q2c_core.domain.import_rows import BankCreditRow
from q2c_core.domain.money import Money

HEADER = "date,amount,currency,remittance,name,iban,reference\n"


def bank(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 30))


@pytest.mark.parametrize("payer", ["Acme GmbH", "Unknown Ltd"])
@pytest.mark.parametrize(
    ("remittance", "name", "reference", "column"),
    [
        ("order\x0b77", "{payer}", "R-1", "remittance"),
        ("order\x8577", "{payer}", "R-1", "remittance"),
        ("order 77", "{payer}\x07", "R-1", "name"),
        ("order 77", "{payer}", "R\x07-1", "reference"),
    ],
)
def test_a_control_character_in_a_csv_row_is_refused_by_its_column(
    app: QuoteToCash, payer: str, remittance: str, name: str, reference: str, column: str
) -> None:
    app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="alice")
    before = app.recorder.max_notification_id()
    row = f'2024-04-02,100.00,EUR,"{remittance}","{name.format(payer=payer)}",,"{reference}"\n'
    with pytest.raises(ImportRejected) as refused:
        bank(app).import_bytes((HEADER + row).encode(), "april.csv", actor="bank-sync")
    assert [(p.line, p.field) for p in refused.value.problems] == [(2, column)]
    assert "control" in refused.value.problems[0].rule
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []


def test_a_c1_control_in_a_camt053_remittance_is_refused_by_its_element(
    app: QuoteToCash,
) -> None:
    """XML 1.0 lets a C1 control through; no invoice or e-invoice could show it."""
    camt = camt053.one_credit(remittance="order\u008577")
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as refused:
        bank(app).import_bytes(camt.encode(), "april.xml", actor="bank-sync")
    assert [p.field for p in refused.value.problems] == ["RmtInf"]
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize(
    ("text", "element"),
    [("4111 1111 1111 1111", "AddtlTxInf"), ("a\u0085b", "AddtlTxInf")],
)
def test_the_banks_own_text_is_named_as_its_element(
    app: QuoteToCash, text: str, element: str
) -> None:
    """The bank's text (AddtlTxInf) is searched for invoice numbers with the payer's; what it
    holds is refused naming it, not the payer's RmtInf."""
    camt = camt053.one_credit(bank_text=text)
    with pytest.raises(ImportRejected) as refused:
        bank(app).import_bytes(camt.encode(), "april.xml", actor="bank-sync")
    assert [p.field for p in refused.value.problems] == [element]
    assert "4111" not in str(refused.value)
    assert app.bank_credits() == []


def test_a_credit_given_to_the_core_with_a_control_character_is_refused(
    app: QuoteToCash,
) -> None:
    """A reader of another format handing the core a credit whose remittance holds a control
    character: refused by the row, naming the credit's text, nothing booked (it could never
    be assigned to a customer afterwards)."""
    source = ImportSource(hashlib.sha256(b"other").hexdigest(), "x.txt", ImportKind.BANK_STATEMENT)
    credit = StatementCredit(date(2024, 4, 2), Money.of("100.00", "EUR"), "R-1", "order\x0b77")
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as refused:
        app.import_bank_credits(
            source, [BankCreditRow(7, "r:R-1", credit)], imported_on=date(2024, 4, 3), actor="b"
        )
    assert [(p.line, p.field) for p in refused.value.problems] == [(7, "remittance")]
    assert app.recorder.max_notification_id() == before


def test_a_camt053_reference_reused_for_another_credit_is_named_as_its_element(
    app: QuoteToCash,
) -> None:
    """A camt.053 credit under the bank's reference of another credit is refused naming the
    element the statement gives it in (AcctSvcrRef, as a reversal naming no credit is), not a
    CSV column it has not got; a CSV's is its reference column."""
    plain = camt053.one_credit()
    bank(app).import_bytes(plain.encode(), "april.xml", actor="bank-sync")
    again = camt053.one_credit(amount="90.00")
    with pytest.raises(ImportRejected) as refused:
        bank(app).import_bytes(again.encode(), "april-2.xml", actor="bank-sync")
    assert [p.field for p in refused.value.problems] == ["AcctSvcrRef"]
    row = "2024-04-02,80.00,EUR,order 77,Unknown Ltd,,R-1\n"
    with pytest.raises(ImportRejected) as refused:
        bank(app).import_bytes((HEADER + row).encode(), "april.csv", actor="bank-sync")
    assert [p.field for p in refused.value.problems] == ["reference"]
    assert len(app.bank_credits()) == 1
