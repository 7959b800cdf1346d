"""An unknown payer's credit, assigned by a person to the customer whose receipt by hand it is.

Clara records Acme's transfer TR-88 (119.00) received by hand on 2 April and puts it on Acme's
invoice. On 3 April the bank's statement brings that transfer from an account and a name the
books do not know ("ACME HOLDING"), under the bank's reference tr-88: the import cannot say
whose it is, and it waits in suspense. Ana then assigns it to Acme as usual: that made a second
payment of the same money (Acme's cash counted twice, 119.00 of credit anyone could refund),
where a receipt entered by hand after the statement under that reference is refused. Now the
assignment is refused, naming ``payment_id`` and Clara's payment, nothing recorded; Ana
matches the credit to that payment (``payment_id=``) and the money counts once. Money of
another amount under the same reference is still assigned as usual.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_bank_credit_matched_to_a_payment_recorded_by_hand import clara_records_tr88
from test_bank_csv_before_camt import camt, csv
from test_bank_reversal_after_assignment import CREDIT, entry, statement
from test_bank_suspense_list_ties_to_the_books_every_day import tie_every_day
from test_bank_suspense_resolution_days import acme_with_invoice, eur

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import CreditStatus, QuoteToCash
from q2c_core.domain.errors import DuplicateEntry

ASSIGNED = date(2024, 4, 10)


def tr88_from_an_unknown_account(amount: str = "119.00") -> bytes:
    line = entry("2024-04-03", CREDIT, amount, "tr-88", "ACME HOLDING", "transfer")
    return statement("2024-04-03", line)


def test_assigning_it_to_acme_is_refused_naming_claras_payment(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _invoice, _number, payment = clara_records_tr88(app)
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        tr88_from_an_unknown_account(), "apr03.xml", actor="bank"
    )
    [credit] = app.bank_suspense()
    assert credit.customer_id is None
    recorded = app.recorder.max_notification_id()

    with pytest.raises(DuplicateEntry) as refused:
        app.resolve_bank_credit(credit.id, resolved_on=ASSIGNED, actor="ana", customer_id=acme)

    assert refused.value.field == "payment_id"
    assert payment.hex in str(refused.value)
    assert app.recorder.max_notification_id() == recorded
    assert app.customer(acme).payment_ids == [payment]

    # matched to Clara's payment instead: the money counts once
    assert (
        app.resolve_bank_credit(credit.id, resolved_on=ASSIGNED, actor="ana", payment_id=payment)
        == payment
    )
    assert app.customer(acme).payment_ids == [payment]
    assert app.bank_credit(credit.id).status is CreditStatus.RESOLVED
    assert app.customer_summary(acme).credit == eur("0.00")
    app.close()


def test_money_of_another_amount_under_that_reference_is_assigned_as_usual(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _invoice, _number, payment = clara_records_tr88(app)
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        tr88_from_an_unknown_account("20.00"), "apr03.xml", actor="bank"
    )
    [credit] = app.bank_suspense()

    made = app.resolve_bank_credit(credit.id, resolved_on=ASSIGNED, actor="ana", customer_id=acme)

    assert app.customer(acme).payment_ids == [payment, made]
    assert app.customer_summary(acme).credit == eur("20.00")
    app.close()


# The same credit on two statements: a CSV export without the bank's reference and the
# camt.053 naming it (R1); the statement that comes second is skipped as the credit booked
# already, and the reference it gives is the credit's from then on.


def test_a_receipt_by_hand_under_the_reference_a_later_camt053_gave_is_refused() -> None:
    """The CSV export (no reference) books Acme's 99.00 as Acme's payment; the camt.053 of the
    same credit, under the bank's reference R1, is skipped as it. Clara then enters R1 by hand:
    that money is booked already, so the receipt is refused naming ``reference``."""
    app = QuoteToCash.open("memory:")
    acme, _invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(csv("", True, True, payer="Acme GmbH"), "export.csv", actor="bank")
    again = bank.import_bytes(camt("R1", True), "statement.xml", actor="bank")
    assert again.recorded == 0
    [credit] = app.bank_credits()
    [payment] = app.customer(acme).payment_ids
    recorded = app.recorder.max_notification_id()

    with pytest.raises(DuplicateEntry) as refused:
        app.receive_payment(
            acme, eur("99.00"), received_on=date(2024, 4, 3), reference="R1", actor="clara"
        )

    assert refused.value.field == "reference"
    assert payment.hex in str(refused.value)
    assert app.recorder.max_notification_id() == recorded
    assert app.customer(acme).payment_ids == [payment]
    assert credit.payment_id == payment


def test_an_unknown_payers_credit_named_r1_by_a_later_csv_is_claras_receipt(
    tmp_path: Path,
) -> None:
    """Clara entered Acme's R1 (99.00) by hand; the camt.053 brings the money with no
    reference from a payer the books do not know (suspense), the CSV export of the same credit
    names it R1 and is skipped. Assigning the credit to Acme as new money is refused naming
    Clara's payment; matching it to that payment counts the money once."""
    app = QuoteToCash.open("memory:")
    acme, _invoice = acme_with_invoice(app)
    payment = app.receive_payment(
        acme, eur("99.00"), received_on=date(2024, 4, 1), reference="R1", actor="clara"
    )
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt("", True), "statement.xml", actor="bank")
    bank.import_bytes(csv("R1", True, True, payer="Initech LLC"), "export.csv", actor="bank")
    [credit] = app.bank_suspense()
    recorded = app.recorder.max_notification_id()

    with pytest.raises(DuplicateEntry) as refused:
        app.resolve_bank_credit(credit.id, resolved_on=ASSIGNED, actor="ana", customer_id=acme)

    assert refused.value.field == "payment_id"
    assert payment.hex in str(refused.value)
    assert app.recorder.max_notification_id() == recorded
    app.resolve_bank_credit(credit.id, resolved_on=ASSIGNED, actor="ana", payment_id=payment)
    assert app.customer(acme).payment_ids == [payment]
    assert app.customer_summary(acme).credit == eur("99.00")
    # the suspense list of every day ties to the bean-checked books: the unknown payer's
    # money nobody's from 2 April until it was matched on 10 April, and no longer
    totals = tie_every_day(app, acme, tmp_path)
    assert totals[date(2024, 4, 9)] == Decimal("99.00")
    assert totals[ASSIGNED] == 0
