"""A statement line meets the receipt a clerk already entered by hand: the money counts once.

Acme owes 119.00 EUR on its invoice of 1 March. On 2 April Acme's treasurer phones: the
transfer TR-88 is on its way, and the clerk Clara records the 119.00 received by hand, with the
bank's reference, and puts it on the invoice. On 3 April the bank's statement holding that same
transfer (its reference written ``tr-88``) is imported. The import used to book a second
payment for the same money: the cash counted twice, the invoice paid twice over and 119.00 of
customer credit that anyone could refund, real money lost. Now the import books the statement
line as Clara's payment (``BankCreditMatchedToPayment``), records no new payment, and the
summary, the customer statement, the receivables aging, the Beancount books, the suspense list
and the commissions count Acme's 119.00 once. The bank later taking the transfer back bounces
Clara's payment, as it would one the import had made; the statement imported again records
nothing.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from conftest import Reopen
from racing import race
from test_bank_reversal_after_assignment import CREDIT, REVERSAL, agreeing, entry, statement
from test_bank_suspense_list_ties_to_the_books_every_day import tie_every_day
from test_bank_suspense_resolution_days import OURS, acme_with_invoice, days, eur
from test_cli_imports import books, q2c

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import CreditStatus, QuoteToCash, RevenueKind
from q2c_core.projections import CommissionPlan, CommissionRate, Commissions, catch_up

RECEIVED, BOOKED, TAKEN_BACK = date(2024, 4, 2), date(2024, 4, 3), date(2024, 4, 9)
APRIL = days(date(2024, 4, 1), date(2024, 4, 30))


def clara_records_tr88(app: QuoteToCash) -> tuple[UUID, UUID, str, UUID]:
    """Acme and its 119.00 invoice; Clara records Acme's transfer TR-88 received by hand on 2
    April and puts it on the invoice. Returns (Acme, the invoice, its number, the payment)."""
    acme, invoice = acme_with_invoice(app)
    payment = app.receive_payment(
        acme, eur("119.00"), received_on=RECEIVED, reference="TR-88", actor="clara", key="r1"
    )
    app.allocate_payment(payment, [(invoice, eur("119.00"))], allocated_on=RECEIVED, actor="clara")
    number = app.invoice(invoice).number
    assert number is not None
    return acme, invoice, number, payment


def tr88(number: str) -> bytes:
    """The bank's statement of 3 April: Acme's 119.00, its reference as the bank writes it."""
    line = entry("2024-04-03", CREDIT, "119.00", "tr-88", "Acme GmbH", f"invoice {number}")
    return statement("2024-04-03", line)


def test_the_statement_line_is_the_payment_clara_recorded_by_hand(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice, number, payment = clara_records_tr88(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))

    report = bank.import_bytes(tr88(number), "apr03.xml", actor="bank")

    assert app.customer(acme).payment_ids == [payment]  # no second payment
    [credit] = app.bank_credits()
    assert credit.payment_id == payment
    assert credit.status is CreditStatus.MATCHED
    assert credit.matched_to_payment_by_hand
    assert (report.recorded, report.suspended, report.matched_to_payments) == (1, 0, 1)
    assert app.bank_suspense() == []
    summary = app.customer_summary(acme, as_of=date(2024, 4, 30))
    assert (summary.open, summary.credit) == (eur("0.00"), eur("0.00"))
    assert app.invoice(invoice).outstanding == eur("0.00")
    for day in APRIL:
        open_, credit_left = agreeing(app, acme, day)
        assert open_ == (Decimal("119.00") if day < RECEIVED else Decimal(0)), day
        assert credit_left == Decimal(0), day
    totals = tie_every_day(app, acme, tmp_path)  # bean-checked, a balance a day
    assert all(total == 0 for total in totals.values())

    # the same statement again records nothing
    again = bank.import_bytes(tr88(number), "apr03.xml", actor="bank")
    assert again.already_imported
    assert app.customer(acme).payment_ids == [payment]
    app.close()


def test_commissions_count_the_money_once(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    _acme, _invoice, number, _payment = clara_records_tr88(app)
    plan = CommissionPlan((CommissionRate("*", RevenueKind.OTHER, Decimal("0.10")),))
    before = Commissions(plan=plan)
    catch_up(app, [before])
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        tr88(number), "apr03.xml", actor="bank"
    )
    after = Commissions(plan=plan)
    catch_up(app, [after])
    assert before.lines()  # Mia's commission on Clara's payment
    assert after.lines() == before.lines()  # and on no second one
    app.close()


def test_the_bank_taking_the_transfer_back_bounces_claras_payment(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice, number, payment = clara_records_tr88(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(tr88(number), "apr03.xml", actor="bank")
    back = entry("2024-04-09", REVERSAL, "119.00", "tr-88", "Acme GmbH", f"invoice {number}")

    report = bank.import_bytes(statement("2024-04-09", back), "apr09.xml", actor="bank")

    assert report.recorded == 1
    assert app.payment(payment).bounced_on == TAKEN_BACK
    assert app.invoice(invoice).outstanding == eur("119.00")
    assert app.customer(acme).payment_ids == [payment]
    [credit] = app.bank_credits()
    assert credit.reversed_on == TAKEN_BACK
    for day in APRIL:
        open_, credit_left = agreeing(app, acme, day)
        owed = day < RECEIVED or day >= TAKEN_BACK
        assert open_ == (Decimal("119.00") if owed else Decimal(0)), day
        assert credit_left == Decimal(0), day
    totals = tie_every_day(app, acme, tmp_path)
    assert all(total == 0 for total in totals.values())
    app.close()


def test_the_import_command_says_the_line_is_the_payment_recorded_by_hand(
    tmp_path: Path,
) -> None:
    url, (_acme, _invoice, number, _payment) = books(tmp_path, clara_records_tr88)
    path = tmp_path / "apr03.xml"
    path.write_bytes(tr88(number))
    result = q2c(
        "import",
        "bank-statement",
        str(path),
        "--url",
        url,
        "--actor",
        "bank",
        "--today",
        "2024-04-30",
    )
    assert result.exit_code == 0, result.output
    (line,) = [ln for ln in result.stdout.splitlines() if ln.split()[1:2] == ["recorded"]]
    assert line.split() == [
        "1",
        "recorded",
        "(1",
        "matched",
        "to",
        "the",
        "payment",
        "recorded",
        "by",
        "hand)",
    ]


def test_the_match_holds_in_every_store_and_a_second_line_naming_tr88_is_new_money(
    reopen: Reopen,
) -> None:
    """On SQLite and PostgreSQL, read back by the next process: the statement line is
    Clara's payment; a later statement of another account quoting TR-88 again for 119.00
    finds Clara's payment taken (a bank credit's already) and books its own payment."""
    app = reopen()
    acme, _invoice, number, payment = clara_records_tr88(app)
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        tr88(number), "apr03.xml", actor="bank"
    )
    app = reopen()
    [credit] = app.bank_credits()
    assert (credit.payment_id, credit.matched_to_payment_by_hand) == (payment, True)
    assert app.customer(acme).payment_ids == [payment]
    other_account = tr88(number).replace(b"DE89370400440532013000", b"DE02120300000000202051")
    assert other_account != tr88(number)
    report = BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        other_account, "other.xml", actor="bank"
    )
    assert (report.matched_to_payments, report.suspended) == (0, 1)
    [_, second] = app.customer(acme).payment_ids
    assert second != payment


def test_two_statements_at_one_moment_never_both_take_claras_payment(shared_url: str) -> None:
    """The statements of two of our accounts, each quoting TR-88 for 119.00, imported by two
    processes at one moment, each having looked before either saved: one is Clara's payment,
    the other, decided again on the store the first left, is new money (its own payment)."""
    other = "DE02120300000000202051"
    app = QuoteToCash.open(shared_url)
    acme, _invoice, number, payment = clara_records_tr88(app)
    for account in (OURS, other):  # both accounts known before (nothing to note at the race)
        earlier = entry("2024-03-20", CREDIT, "5.00", f"E-{account}", "Initech", "x")
        data = statement("2024-03-20", earlier).replace(OURS.encode(), account.encode())
        BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
            data, f"{account}.xml", actor="bank"
        )
    app.close()
    files = [
        (tr88(number), "apr03.xml"),
        (
            statement(
                "2024-04-04",
                entry("2024-04-04", CREDIT, "119.00", "tr-88", "Acme GmbH", f"invoice {number}"),
            ).replace(OURS.encode(), other.encode()),
            "apr04.xml",
        ),
    ]
    lock = threading.Lock()

    def import_one(clerk: QuoteToCash) -> int:
        with lock:
            data, name = files.pop()
        bank = BankStatementImporter(clerk, today=date(2024, 4, 30))
        return bank.import_bytes(data, name, actor="bank").matched_to_payments

    assert sorted(race(shared_url, import_one)) == [0, 1]
    app = QuoteToCash.open(shared_url)
    matched = [c for c in app.bank_credits() if c.matched_to_payment_by_hand]
    assert [c.payment_id for c in matched] == [payment]
    assert len(app.customer(acme).payment_ids) == 2  # Clara's, and the other money's
    app.close()
