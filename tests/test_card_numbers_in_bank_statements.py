"""A bank statement carrying a card number is refused whole: however the payer wrote it (dots,
slashes, non-breaking or doubled spaces between the groups) and wherever it sits (the remittance
text or the payer's account column), not one of its digits reaches the event store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import rewrite_stored_event

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "date,amount,currency,remittance,name,account_number,reference\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[QuoteToCash, Path]]:
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="alice")
    yield app, db
    app.close()


def statement(tmp_path: Path, remittance: str, account: str) -> Path:
    path = tmp_path / "statement.csv"
    path.write_text(
        HEADER + f'2024-04-02,100.00,EUR,"{remittance}",Acme GmbH,{account},R-1\n',
        encoding="utf-8",
    )
    return path


def stored_text(db: Path) -> str:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT state FROM stored_events").fetchall()
    return " ".join(bytes(state).decode() for (state,) in rows)


def import_statement(app: QuoteToCash, path: Path) -> None:
    BankStatementImporter(app, today=date(2024, 4, 30)).import_file(path, actor="bank-sync")


@pytest.mark.parametrize(
    ("remittance", "account", "field"),
    [
        ("card 4111.1111.1111.1111 order 77", "", "remittance"),
        ("card 4111\u00a01111\u00a01111\u00a01111", "", "remittance"),
        ("card 4111\u202f1111\u202f1111\u202f1111", "", "remittance"),
        ("card 4111\u20071111\u20071111\u20071111", "", "remittance"),
        ("card 4111\t1111\t1111\t1111", "", "remittance"),
        ("card 4111/1111/1111/1111", "", "remittance"),
        ("card 4111  1111  1111  1111", "", "remittance"),
        ("order 77", "4111111111111111", "debtor_account"),
        ("order 77", "4111 1111 1111 1111", "debtor_account"),
    ],
)
def test_a_card_number_however_written_refuses_the_statement(
    store: tuple[QuoteToCash, Path], tmp_path: Path, remittance: str, account: str, field: str
) -> None:
    app, db = store
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as refused:
        import_statement(app, statement(tmp_path, remittance, account))
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (2, field)
    assert "card" in problem.rule
    assert "1111" not in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []
    assert "1111" not in stored_text(db)


def test_a_payer_whose_iban_holds_the_same_digits_is_booked(
    store: tuple[QuoteToCash, Path], tmp_path: Path
) -> None:
    """AT70 4111 1111 1111 1111 is a valid IBAN, not a card: the credit is booked with it."""
    app, db = store
    import_statement(app, statement(tmp_path, "order 77", "AT70 4111 1111 1111 1111"))
    (credit,) = app.bank_credits()
    assert credit.credit.debtor_account == "AT704111111111111111"
    assert "AT704111111111111111" in stored_text(db)


def test_a_credit_booked_before_from_a_13_to_19_digit_account_still_loads(tmp_path: Path) -> None:
    """The payer's account is checked when a credit is booked, not whenever it is read back: a
    credit recorded before the rule, whose account number passes the Luhn check, still loads."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="alice")
    import_statement(app, statement(tmp_path, "order 77", "DE95411111111111111100"))
    app.close()

    def as_an_older_q2c_booked_it(facts: dict[str, Any]) -> None:
        facts["credit"]["_data_"]["debtor_account"] = "4111111111111111"

    rewrite_stored_event(db, "BankCreditBooked", as_an_older_q2c_booked_it)
    reopened = QuoteToCash.open(f"sqlite:///{db}")
    try:
        (credit,) = reopened.bank_credits()
        assert credit.credit.debtor_account == "4111111111111111"
        assert reopened.repository.get(credit.id).credit.debtor_account == "4111111111111111"
    finally:
        reopened.close()
