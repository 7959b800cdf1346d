"""The bank's statement came first; the clerk then enters the same money by hand.

Acme owes 119.00 EUR on its invoice of 1 March. On 3 April the bank's statement books Acme's
transfer under the bank's reference ``tr-88`` as Acme's payment, on the invoice. On 4 April
Acme's treasurer phones about "transfer TR-88", and the clerk Clara, who has not looked at the
bank, records the 119.00 received by hand under that reference. That used to record a second
payment of the same money: Acme's cash counted twice and 119.00 of customer credit anyone could
refund. The bank never books two credits under one reference, so a receipt under the bank's
reference of a credit booked already, in its amount and currency, is that money again: refused
(``DuplicateEntry`` naming ``reference``, nothing recorded), telling Clara which payment holds
it since which day, to allocate that one instead. A credit still waiting in suspense under the
reference (an unknown payer's) is refused so too, pointing to ``q2c suspense resolve``.

Nothing else changes: a receipt sent again under its key answers as the first did; a
reference of no credit, another customer's credit or another amount records as before (two
instalments may share a reference a clerk typed; only the bank's own reference names one
credit).
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from conftest import Reopen
from racing import race
from test_bank_credit_matched_to_a_payment_recorded_by_hand import clara_records_tr88, tr88
from test_bank_credit_that_may_be_a_payment_recorded_by_hand import bk, clara_records_the_phone_call
from test_bank_reversal_after_assignment import CREDIT, REVERSAL, entry, statement
from test_bank_suspense_resolution_days import acme_with_invoice, eur

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import CreditStatus, DuplicateEntry, QuoteToCash

CALLED = date(2024, 4, 4)


def bank_books_tr88(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme and its 119.00 invoice; the statement of 3 April books Acme's transfer tr-88 as
    Acme's payment on the invoice. Returns (Acme, the invoice, the payment)."""
    acme, invoice = acme_with_invoice(app)
    number = app.invoice(invoice).number
    assert number is not None
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        tr88(number), "apr03.xml", actor="bank"
    )
    [credit] = app.bank_credits()
    assert credit.status is CreditStatus.MATCHED and credit.payment_id is not None
    return acme, invoice, credit.payment_id


def head(app: QuoteToCash) -> int:
    return app.recorder.max_notification_id() or 0


def test_clara_entering_the_booked_transfer_by_hand_is_told_to_allocate_its_payment(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice, booked = bank_books_tr88(app)
    before = head(app)

    with pytest.raises(DuplicateEntry) as refused:
        # the reference as Clara typed it: capitals, full width, a space too many
        app.receive_payment(
            acme, eur("119.00"), received_on=CALLED, reference=" ＴＲ-88 ", actor="clara"
        )

    assert refused.value.field == "reference"
    said = str(refused.value)
    assert booked.hex in said  # which payment holds the money
    assert "2024-04-03" in said  # since which day
    assert "allocate that payment" in said
    assert head(app) == before  # nothing recorded
    assert app.customer(acme).payment_ids == [booked]
    assert app.invoice(invoice).outstanding == eur("0.00")
    summary = app.customer_summary(acme, as_of=date(2024, 4, 30))
    assert summary.credit == eur("0.00")  # no 119.00 of credit to refund
    app.close()


def test_other_money_under_a_reference_still_records(tmp_path: Path) -> None:
    """Another amount under the bank's reference, a reference of no credit, and another
    customer's receipt under the bank's reference of Acme's credit: each is money of its
    own, recorded as before."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _invoice, booked = bank_books_tr88(app)
    globex = app.register_customer("Globex Inc", "EUR", account_manager="mia", actor="al")

    instalment = app.receive_payment(
        acme, eur("50.00"), received_on=CALLED, reference="TR-88", actor="clara"
    )
    other = app.receive_payment(
        acme, eur("119.00"), received_on=CALLED, reference="TR-89", actor="clara"
    )
    globex_money = app.receive_payment(
        globex, eur("119.00"), received_on=CALLED, reference="TR-88", actor="clara"
    )

    assert app.customer(acme).payment_ids == [booked, instalment, other]
    assert app.customer(globex).payment_ids == [globex_money]
    app.close()


def test_a_keyed_receipt_sent_again_answers_as_the_first_did(tmp_path: Path) -> None:
    """Clara entered TR-88 by hand first (key r1) and the statement was matched to it; her
    tool, its response lost, sends the receipt again: the first answer, nothing recorded. A
    new receipt under another key is the same money a third time: refused."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _invoice, number, payment = clara_records_tr88(app)
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        tr88(number), "apr03.xml", actor="bank"
    )
    before = head(app)

    again = app.receive_payment(
        acme,
        eur("119.00"),
        received_on=date(2024, 4, 2),
        reference="TR-88",
        actor="clara",
        key="r1",
    )

    assert again == payment
    assert head(app) == before
    with pytest.raises(DuplicateEntry) as refused:
        app.receive_payment(
            acme, eur("119.00"), received_on=CALLED, reference="TR-88", actor="clara", key="r2"
        )
    assert refused.value.field == "reference"
    assert payment.hex in str(refused.value)
    assert head(app) == before
    assert app.customer(acme).payment_ids == [payment]
    app.close()


def test_money_the_bank_took_back_is_no_refusal(tmp_path: Path) -> None:
    """The bank took tr-88 back (its payment bounced): the credit holds no money, and a
    receipt entered by hand under its reference records."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice, booked = bank_books_tr88(app)
    number = app.invoice(invoice).number
    back = entry("2024-04-09", REVERSAL, "119.00", "tr-88", "Acme GmbH", f"invoice {number}")
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        statement("2024-04-09", back), "apr09.xml", actor="bank"
    )
    assert app.payment(booked).is_bounced

    paid_again = app.receive_payment(
        acme, eur("119.00"), received_on=date(2024, 4, 10), reference="TR-88", actor="clara"
    )

    assert app.customer(acme).payment_ids == [booked, paid_again]
    app.close()


UNKNOWN_TR77 = entry("2024-04-03", CREDIT, "119.00", "TR-77", "A. Nonymous", "payment")


def test_a_credit_waiting_in_suspense_is_not_doubled_by_hand(tmp_path: Path) -> None:
    """The bank booked 119.00 under TR-77 from a payer nobody knows: it waits in suspense.
    Clara, told it was Acme's, enters it by hand: refused, pointing to the suspense
    resolution of that credit, nothing recorded; resolving it makes Acme's one payment."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _invoice = acme_with_invoice(app)
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        statement("2024-04-03", UNKNOWN_TR77), "apr03.xml", actor="bank"
    )
    [credit] = app.bank_suspense()
    before = head(app)

    with pytest.raises(DuplicateEntry) as refused:
        app.receive_payment(
            acme, eur("119.00"), received_on=CALLED, reference="tr-77", actor="clara"
        )

    assert refused.value.field == "reference"
    said = str(refused.value)
    assert "suspense" in said and "q2c suspense resolve TR-77" in said
    assert "resolve_bank_credit" in said and "2024-04-03" in said
    assert head(app) == before
    assert app.customer(acme).payment_ids == []
    payment = app.resolve_bank_credit(
        credit.id, resolved_on=CALLED, actor="clara", customer_id=acme
    )
    assert app.customer(acme).payment_ids == [payment]
    app.close()


def test_a_statement_imported_before_credits_were_noted_by_reference_is_found(
    tmp_path: Path,
) -> None:
    """A store whose statement was imported before q2c noted credits under their bank
    references: the first receipt entered by hand reads the credits booked before, once, and
    refuses the money booked already all the same."""
    path = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{path}")
    acme, _invoice, booked = bank_books_tr88(app)
    app.close()
    db = sqlite3.connect(path)
    with db:
        gone = db.execute("DELETE FROM stored_events WHERE topic LIKE '%UnderReference%'").rowcount
    db.close()
    assert gone  # the store as the version before wrote it
    app = QuoteToCash.open(f"sqlite:///{path}")

    with pytest.raises(DuplicateEntry) as refused:
        app.receive_payment(
            acme, eur("119.00"), received_on=CALLED, reference="TR-88", actor="clara"
        )
    assert booked.hex in str(refused.value)
    other = app.receive_payment(
        acme, eur("119.00"), received_on=CALLED, reference="TR-89", actor="clara"
    )
    # the credits booked before are noted now, with that receipt
    with pytest.raises(DuplicateEntry):
        app.receive_payment(
            acme, eur("119.00"), received_on=CALLED, reference="tr-88", actor="clara"
        )
    assert app.customer(acme).payment_ids == [booked, other]
    app.close()


def test_the_next_process_refuses_it_on_sqlite_and_postgresql(reopen: Reopen) -> None:
    """The statement imported by the nightly job, the receipt entered by Clara's own
    process: on the SQLite file and on PostgreSQL alike, refused, nothing recorded; the
    unknown payer's credit waiting in suspense likewise."""
    app = reopen()
    acme, _invoice, booked = bank_books_tr88(app)
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        statement("2024-04-03", UNKNOWN_TR77), "apr03b.xml", actor="bank"
    )
    clara = reopen()
    before = head(clara)

    with pytest.raises(DuplicateEntry) as booked_already:
        clara.receive_payment(
            acme, eur("119.00"), received_on=CALLED, reference="TR-88", actor="clara"
        )
    with pytest.raises(DuplicateEntry) as waiting:
        clara.receive_payment(
            acme, eur("119.00"), received_on=CALLED, reference="TR-77", actor="clara"
        )

    assert booked_already.value.field == waiting.value.field == "reference"
    assert booked.hex in str(booked_already.value)
    assert "q2c suspense resolve TR-77" in str(waiting.value)
    assert head(clara) == before
    assert reopen().customer(acme).payment_ids == [booked]


def test_the_statement_and_the_receipt_at_one_moment_count_the_money_once(
    shared_url: str,
) -> None:
    """The nightly import of tr-88 and Clara's receipt of TR-88 given at one moment, each
    having looked before either saved, on SQLite and PostgreSQL: both write Acme's list of
    payments, so the later save clashes and is decided again on the store the first left.
    Either the statement is Clara's payment, or her receipt is refused: one payment."""
    app = QuoteToCash.open(shared_url)
    acme, invoice = acme_with_invoice(app)
    number = app.invoice(invoice).number
    assert number is not None
    earlier = entry("2024-03-20", CREDIT, "5.00", "E-1", "Initech", "x")  # the account known
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        statement("2024-03-20", earlier), "mar20.xml", actor="bank"
    )
    app.close()
    tasks = ["import", "receipt"]
    lock = threading.Lock()

    def one_of_them(clerk: QuoteToCash) -> str:
        with lock:
            task = tasks.pop()
        if task == "import":
            bank = BankStatementImporter(clerk, today=date(2024, 4, 30))
            report = bank.import_bytes(tr88(number), "apr03.xml", actor="bank")
            return f"matched {report.matched_to_payments}"
        try:
            clerk.receive_payment(
                acme, eur("119.00"), received_on=CALLED, reference="TR-88", actor="clara"
            )
        except DuplicateEntry:
            return "refused"
        return "received"

    outcome = sorted(race(shared_url, one_of_them))

    assert outcome in (["matched 0", "refused"], ["matched 1", "received"])
    app = QuoteToCash.open(shared_url)
    [payment] = app.customer(acme).payment_ids  # the money once
    credits = [c for c in app.bank_credits() if c.credit.bank_reference == "tr-88"]
    assert [c.payment_id for c in credits] == [payment]
    app.close()


def test_a_credit_that_may_be_a_receipt_by_hand_is_not_entered_a_third_time(
    tmp_path: Path,
) -> None:
    """Clara recorded Acme's 119.00 by hand under a reference of her own; the statement's
    BK-1 of 119.00 waits in suspense as that receipt, perhaps. Clara, seeing BK-1 in the
    bank's portal, enters it by hand too: refused, pointing to the resolution naming her first
    receipt, nothing recorded."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _invoice, number, payment = clara_records_the_phone_call(app)
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        bk("BK-1", number), "apr03.xml", actor="bank"
    )
    before = head(app)

    with pytest.raises(DuplicateEntry) as refused:
        app.receive_payment(
            acme, eur("119.00"), received_on=CALLED, reference="bk-1", actor="clara"
        )

    assert refused.value.field == "reference"
    assert f"q2c suspense resolve BK-1 --payment {payment.hex}" in str(refused.value)
    assert head(app) == before
    assert app.customer(acme).payment_ids == [payment]
    app.close()
