"""A bank statement carrying a card number is refused whole: however the payer wrote it (dots,
slashes, non-breaking or doubled spaces between the groups) and wherever it sits (the remittance
text or the payer's account column), not one of its digits reaches the event store."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import attrs
import camt053
import pytest
from conftest import rewrite_stored_event

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.bank_credit import BankCredit, StatementCredit, SuspenseReason
from q2c_core.domain.errors import CardNumberRefused
from q2c_core.domain.import_batch import ImportRejected
from q2c_core.domain.money import Money
from q2c_core.projections import Follower, all_projections

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


# the card's first two groups, however separated: a bare "1111" also turns up in the
# recording times of the events stored before (".111155+00:00")
CARD_DIGITS = re.compile(r"4111\D{0,3}1111")


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
        ("order 77", "4111111111111111", "iban"),
        ("order 77", "4111 1111 1111 1111", "iban"),
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
    assert not CARD_DIGITS.search(str(refused.value))
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []
    assert not CARD_DIGITS.search(stored_text(db))


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


OLD_CARD = "4111.1111.1111.1111"  # no card number to the rules of before, one to today's


@pytest.mark.parametrize(
    ("credit_field", "payment_field"),
    [("remittance", "note"), ("bank_reference", "reference"), ("debtor_name", None)],
)
def test_a_credit_booked_before_the_stricter_card_rule_still_loads(
    tmp_path: Path, credit_field: str, payment_field: str | None
) -> None:
    """An older q2c booked a credit whose text it did not take for a card number (dots between
    the groups): the credit, its payment and every report still load. Text is checked for card
    numbers when a credit is booked, never when a stored one is read back."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="alice")
    import_statement(app, statement(tmp_path, "order 77", ""))
    app.close()

    def as_an_older_q2c_booked_it(facts: dict[str, Any]) -> None:
        facts["credit"]["_data_"][credit_field] = OLD_CARD

    def as_an_older_q2c_received_it(facts: dict[str, Any]) -> None:
        facts[str(payment_field)] = OLD_CARD

    rewrite_stored_event(db, "BankCreditBooked", as_an_older_q2c_booked_it)
    if payment_field is not None:
        rewrite_stored_event(db, "PaymentReceived", as_an_older_q2c_received_it)
    reopened = QuoteToCash.open(f"sqlite:///{db}")
    try:
        (credit,) = reopened.bank_credits()
        assert getattr(credit.credit, credit_field) == OLD_CARD
        assert getattr(reopened.bank_credit(credit.id).credit, credit_field) == OLD_CARD
        assert [c.id for c in reopened.bank_suspense()] == [credit.id]
        (payment,) = reopened.payments(acme)
        assert payment.amount == Money.of("100.00", "EUR")
        if payment_field is not None:
            assert getattr(payment, payment_field) == OLD_CARD
        for trusted in (True, False):
            applied = Follower(reopened, all_projections(), trusted_decoding=trusted).run()
            assert applied > 0
    finally:
        reopened.close()


def test_a_credit_read_back_is_not_checked_but_a_new_one_is(tmp_path: Path) -> None:
    """The stored credit is built again when read back, so its text is not checked there; a
    new credit carrying the same text is refused when booked, naming the field."""
    old = StatementCredit(
        booked_on=date(2024, 4, 2),
        amount=Money.of("100.00", "EUR"),
        bank_reference="R-1",
        remittance=OLD_CARD,
    )
    assert old.remittance == OLD_CARD
    new = attrs.evolve(old, remittance="order 77")
    for field in ("remittance", "bank_reference", "debtor_name", "debtor_account"):
        with pytest.raises(CardNumberRefused) as refused:
            BankCredit(
                credit_key="R-1",
                credit=attrs.evolve(new, **{field: OLD_CARD}),
                import_id=uuid4(),
                actor="bank-sync",
                suspense_reason=SuspenseReason.UNKNOWN_CUSTOMER,
            )
        assert refused.value.field == field
        assert "1111" not in str(refused.value)


@pytest.mark.parametrize(
    ("remittance", "name", "reference", "field"),
    [
        (f"card {OLD_CARD}", "Acme GmbH", "R-1", "remittance"),
        ("order 77", f"Acme {OLD_CARD}", "R-1", "name"),
        ("order 77", "Acme GmbH", OLD_CARD, "reference"),
    ],
)
def test_each_text_of_a_csv_row_is_checked_for_card_numbers(
    store: tuple[QuoteToCash, Path],
    tmp_path: Path,
    remittance: str,
    name: str,
    reference: str,
    field: str,
) -> None:
    app, db = store
    before = app.recorder.max_notification_id()
    path = tmp_path / "statement.csv"
    path.write_text(
        HEADER
        + "2024-04-02,50.00,EUR,order 1,Acme GmbH,,R-0\n"
        + f'2024-04-02,100.00,EUR,"{remittance}","{name}",,"{reference}"\n',
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as refused:
        import_statement(app, path)
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3, field)
    assert "card" in problem.rule
    assert not CARD_DIGITS.search(str(refused.value))
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []
    assert not CARD_DIGITS.search(stored_text(db))


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("remittance", "RmtInf"),
        ("name", "Dbtr"),
        ("reference", "AcctSvcrRef"),
        ("iban", "DbtrAcct"),
    ],
)
def test_each_text_of_a_camt053_credit_is_checked_for_card_numbers(
    store: tuple[QuoteToCash, Path], tmp_path: Path, text: str, field: str
) -> None:
    """Refused by the statement's element that holds the card number (as an invisible
    character in the payer's account names DbtrAcct), not the credit's attribute."""
    app, db = store
    texts = {
        "remittance": "order 77",
        "name": "Acme GmbH",
        "reference": "R-1",
        "iban": "DE89370400440532013001",
    }
    texts[text] = OLD_CARD
    camt = camt053.one_credit(**texts)
    path = tmp_path / "statement.xml"
    path.write_text(camt, encoding="utf-8")
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as refused:
        import_statement(app, path)
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (camt053.tx_details_line(camt), field)
    assert "card" in problem.rule
    assert not CARD_DIGITS.search(str(refused.value))
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []
    assert not CARD_DIGITS.search(stored_text(db))


@pytest.mark.parametrize("how", ["resolved", "returned"])
def test_a_credit_resolved_or_returned_before_the_stricter_card_rule_still_loads(
    tmp_path: Path, how: str
) -> None:
    """The note of a credit taken out of suspense, or the reason it was sent back, is checked
    when a person records it, not whenever the credit is read back: one an older q2c recorded
    with dots between the groups still loads; the same text given today is refused."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="alice")
    path = statement(tmp_path, "order 77", "")
    if how == "returned":  # (from a payer nobody knows: no payment made of it)
        path.write_text(path.read_text().replace("Acme GmbH", "Unknown Ltd"), encoding="utf-8")
    import_statement(app, path)
    (credit,) = app.bank_suspense()
    with pytest.raises(CardNumberRefused):
        if how == "resolved":
            app.resolve_bank_credit(
                credit.id, resolved_on=date(2024, 4, 3), actor="bea", note=OLD_CARD
            )
        else:
            app.return_bank_credit(
                credit.id, returned_on=date(2024, 4, 3), reason=OLD_CARD, actor="bea"
            )
    if how == "resolved":
        app.resolve_bank_credit(
            credit.id, customer_id=acme, resolved_on=date(2024, 4, 3), actor="bea", note="ok"
        )
    else:
        app.return_bank_credit(credit.id, returned_on=date(2024, 4, 3), reason="ok", actor="bea")
    app.close()

    event, field = (
        ("SuspenseResolved", "note") if how == "resolved" else ("CreditReturned", "reason")
    )

    def as_an_older_q2c_recorded_it(facts: dict[str, Any]) -> None:
        facts[field] = OLD_CARD

    rewrite_stored_event(db, event, as_an_older_q2c_recorded_it)
    reopened = QuoteToCash.open(f"sqlite:///{db}")
    try:
        (loaded,) = reopened.bank_credits()
        assert loaded.resolution_note == OLD_CARD
        assert reopened.bank_suspense() == []
    finally:
        reopened.close()
