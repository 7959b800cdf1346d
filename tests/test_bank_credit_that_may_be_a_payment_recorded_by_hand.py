"""A statement line that may be a receipt entered by hand waits for a person to say so.

Acme's treasurer phones on 2 April: 119.00 EUR is on its way. Clara records it received by hand
and puts it on Acme's invoice, but writes "phoned by the treasurer" for its reference, not the
bank's. The bank's statement of 3 April brings 119.00 from Acme under the bank's reference
BK-1: the same customer, amount and currency, a day after Clara's receipt, no reference in
common. The import used to book it as a second payment, silently: Acme's money counted twice.
Now it books the credit in suspense, saying which payment recorded by hand it may be
(``MAYBE_RECORDED_BY_HAND``), no payment made: the money is in the bank, credited to nobody,
until Ana settles it. She matches it to Clara's payment (``resolve_bank_credit(...,
payment_id=...)``, ``q2c suspense resolve --payment``): the money counts once, in Acme's
summary and statement, the aging, the books (bean-checked, their suspense minus the list's
total every day), and the bank's later reversal bounces Clara's payment. Had Acme really sent
119.00 twice, she resolves it as any credit: a second payment. A match the payment cannot be
(another customer's, another amount or currency, a bounced one, one matched already) is
refused naming the field, nothing recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_bank_reversal_after_assignment import CREDIT, REVERSAL, agreeing, entry, statement
from test_bank_suspense_list_ties_to_the_books_every_day import the_one_row_listed, tie_every_day
from test_bank_suspense_resolution_days import acme_with_invoice, days, eur
from test_cli_imports import q2c

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import CreditStatus, Money, QuoteToCash, SuspenseReason
from q2c_core.domain.errors import InvalidTransition, InvalidValue, Q2CError, RuleViolated

RECEIVED, BOOKED, MATCHED, TAKEN_BACK = (date(2024, 4, d) for d in (2, 3, 5, 9))
APRIL = days(date(2024, 4, 1), date(2024, 4, 30))


def clara_records_the_phone_call(app: QuoteToCash) -> tuple[UUID, UUID, str, UUID]:
    """Acme and its 119.00 invoice; Clara records 119.00 received by hand on 2 April, under
    a reference of her own, on the invoice. Returns (Acme, the invoice, its number, payment)."""
    acme, invoice = acme_with_invoice(app)
    payment = app.receive_payment(
        acme, eur("119.00"), received_on=RECEIVED, reference="phoned by the treasurer",
        actor="clara",
    )  # fmt: skip
    app.allocate_payment(payment, [(invoice, eur("119.00"))], allocated_on=RECEIVED, actor="clara")
    number = app.invoice(invoice).number
    assert number is not None
    return acme, invoice, number, payment


def bk(reference: str, number: str, day: str = "2024-04-03") -> bytes:
    """A statement of ``day`` with Acme's 119.00 under the bank's ``reference``."""
    return statement(day, entry(day, CREDIT, "119.00", reference, "Acme GmbH", f"invoice {number}"))


def imported(app: QuoteToCash, data: bytes, name: str) -> BankStatementImporter:
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(data, name, actor="bank")
    return bank


def test_the_credit_waits_naming_claras_payment_and_ana_matches_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme, invoice, number, payment = clara_records_the_phone_call(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))

    report = bank.import_bytes(bk("BK-1", number), "apr03.xml", actor="bank")

    assert (report.recorded, report.suspended, report.matched_to_payments) == (0, 1, 0)
    assert app.customer(acme).payment_ids == [payment]  # no second payment
    [credit] = app.bank_suspense()
    assert credit.suspense_reason is SuspenseReason.MAYBE_RECORDED_BY_HAND
    assert (credit.maybe_payment_id, credit.customer_id, credit.payment_id) == (
        payment, acme, None,
    )  # fmt: skip
    summary = app.customer_summary(acme, as_of=BOOKED)
    assert (summary.open, summary.credit) == (eur("0.00"), eur("0.00"))
    app.close()
    row = the_one_row_listed(url, on="2024-04-04")
    assert row["reason"] == f"may be payment {payment.hex}, recorded by hand"
    assert row["amount"] == {"amount": "119.00", "currency": "EUR"}

    app = QuoteToCash.open(url)
    answer = app.resolve_bank_credit(
        credit.id, resolved_on=MATCHED, actor="ana", payment_id=payment, note="the phone call"
    )
    assert answer == payment
    matched = app.bank_credit(credit.id)
    assert matched.status is CreditStatus.RESOLVED
    assert matched.matched_to_payment_by_hand
    assert (matched.payment_id, matched.invoice_ids) == (payment, (invoice,))
    assert app.bank_suspense() == []
    assert app.customer(acme).payment_ids == [payment]
    # the same match sent again (a lost response) records nothing and answers the same
    head = app.recorder.max_notification_id()
    again = app.resolve_bank_credit(
        credit.id, resolved_on=MATCHED, actor="ana", payment_id=payment, note="the phone call"
    )
    assert again == payment
    assert app.recorder.max_notification_id() == head

    for day in APRIL:
        open_, credit_left = agreeing(app, acme, day)
        assert (open_, credit_left) == (
            (Decimal("119.00") if day < RECEIVED else Decimal(0)), Decimal(0)
        ), day  # fmt: skip
    totals = tie_every_day(app, acme, tmp_path)  # bean-checked, a balance a day
    for day, total in totals.items():  # the bank's money, nobody's, until Ana matched it
        assert total == (Decimal("119.00") if BOOKED <= day < MATCHED else 0), day

    # the bank takes the transfer back: Clara's payment bounces, as one the import made
    back = entry("2024-04-09", REVERSAL, "119.00", "BK-1", "Acme GmbH", f"invoice {number}")
    imported(app, statement("2024-04-09", back), "apr09.xml")
    assert app.payment(payment).bounced_on == TAKEN_BACK
    assert app.invoice(invoice).outstanding == eur("119.00")
    assert app.bank_credit(credit.id).reversed_on == TAKEN_BACK
    for day in APRIL:
        open_, credit_left = agreeing(app, acme, day)
        owed = day < RECEIVED or day >= TAKEN_BACK
        assert (open_, credit_left) == ((Decimal("119.00") if owed else Decimal(0)), 0), day
    tie_every_day(app, acme, tmp_path)
    app.close()


def test_two_different_transfers_are_resolved_as_a_second_payment(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _invoice, number, payment = clara_records_the_phone_call(app)
    imported(app, bk("BK-1", number), "apr03.xml")
    [credit] = app.bank_suspense()

    second = app.resolve_bank_credit(credit.id, resolved_on=MATCHED, actor="ana", allocations=[])

    assert app.customer(acme).payment_ids == [payment, second]
    assert app.payment(second).received_on == MATCHED
    assert app.customer_summary(acme, as_of=MATCHED).credit == eur("119.00")
    assert not app.bank_credit(credit.id).matched_to_payment_by_hand
    totals = tie_every_day(app, acme, tmp_path)
    assert totals[BOOKED] == Decimal("119.00")
    assert totals[MATCHED] == Decimal(0)
    app.close()


def _another_customers(app: QuoteToCash, acme: UUID, clara: UUID) -> UUID:
    globex = app.register_customer("Globex SA", "EUR", account_manager="mia", actor="al")
    return app.receive_payment(
        globex, eur("119.00"), received_on=RECEIVED, reference="G", actor="clara"
    )


def _another_amount(app: QuoteToCash, acme: UUID, clara: UUID) -> UUID:
    return app.receive_payment(
        acme, eur("100.00"), received_on=RECEIVED, reference="x", actor="clara"
    )


def _another_currency(app: QuoteToCash, acme: UUID, clara: UUID) -> UUID:
    usd = Money.of("119.00", "USD")
    return app.receive_payment(acme, usd, received_on=RECEIVED, reference="x", actor="clara")


def _bounced(app: QuoteToCash, acme: UUID, clara: UUID) -> UUID:
    app.bounce_payment(clara, bounced_on=date(2024, 4, 4), reason="recalled", actor="clara")
    return clara


def _matched_already(app: QuoteToCash, acme: UUID, clara: UUID) -> UUID:
    [other] = [c for c in app.bank_suspense() if c.credit.bank_reference == "BK-2"]
    app.resolve_bank_credit(other.id, resolved_on=MATCHED, actor="ana", payment_id=clara)
    return clara


@pytest.mark.parametrize(
    ("payment_of", "error", "field"),
    [
        (_another_customers, InvalidValue, "customer_id"),
        (_another_amount, InvalidValue, "amount"),
        (_another_currency, InvalidValue, "currency"),
        (_bounced, InvalidTransition, "payment_id"),
        (_matched_already, InvalidTransition, "payment_id"),
    ],
)
def test_a_match_the_payment_cannot_be_is_refused_naming_the_field(
    tmp_path: Path, payment_of: object, error: type[Q2CError], field: str
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _invoice, number, clara = clara_records_the_phone_call(app)
    imported(app, bk("BK-1", number), "apr03.xml")
    imported(app, bk("BK-2", number, "2024-04-04"), "apr04.xml")
    [credit] = [c for c in app.bank_suspense() if c.credit.bank_reference == "BK-1"]
    assert callable(payment_of)
    payment = payment_of(app, acme, clara)
    head = app.recorder.max_notification_id()

    with pytest.raises(error) as refused:
        app.resolve_bank_credit(credit.id, resolved_on=MATCHED, actor="ana", payment_id=payment)

    assert refused.value.field == field
    assert app.recorder.max_notification_id() == head  # nothing recorded
    assert app.bank_credit(credit.id).is_suspended
    app.close()


def test_a_match_with_invoices_to_pay_is_refused_naming_them(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    _acme, invoice, number, clara = clara_records_the_phone_call(app)
    imported(app, bk("BK-1", number), "apr03.xml")
    [credit] = app.bank_suspense()
    with pytest.raises(InvalidValue) as refused:
        app.resolve_bank_credit(
            credit.id,
            resolved_on=MATCHED,
            actor="ana",
            payment_id=clara,
            allocations=[(invoice, eur("119.00"))],
        )
    assert refused.value.field == "allocations"
    assert app.bank_credit(credit.id).is_suspended
    app.close()


def test_ana_matches_it_from_the_shell(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme, _invoice, number, clara = clara_records_the_phone_call(app)
    imported(app, bk("BK-1", number), "apr03.xml")
    app.close()

    args = ("--url", url, "--on", "2024-04-05", "--actor", "ana", "--payment", clara.hex)
    result = q2c("suspense", "resolve", "BK-1", *args)

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"matched 119.00 EUR (credit BK-1 booked 2024-04-03) to Acme GmbH's payment {clara.hex} "
        "recorded by hand, received 2024-04-02, on 2024-04-05"
    )
    with_pay = q2c("suspense", "resolve", "BK-1", *args, "--keep-as-credit")
    assert with_pay.exit_code == 2
    app = QuoteToCash.open(url)
    assert app.customer(acme).payment_ids == [clara]
    assert app.bank_suspense() == []
    app.close()


def test_a_match_before_the_payment_was_received_is_refused(tmp_path: Path) -> None:
    """Clara's receipt entered as received on 6 April, the bank's credit of the 3rd: matched
    on the 4th, the books' bank would hold neither the credit's money nor the payment's."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _invoice = acme_with_invoice(app)
    later = app.receive_payment(
        acme, eur("119.00"), received_on=date(2024, 4, 6), reference="phone", actor="clara"
    )
    imported(app, bk("BK-1", "INV-X"), "apr03.xml")
    [credit] = app.bank_suspense()
    assert credit.maybe_payment_id == later
    with pytest.raises(RuleViolated) as refused:
        app.resolve_bank_credit(
            credit.id, resolved_on=date(2024, 4, 4), actor="ana", payment_id=later
        )
    assert refused.value.field == "resolved_on"
    app.resolve_bank_credit(credit.id, resolved_on=date(2024, 4, 6), actor="ana", payment_id=later)
    assert app.bank_credit(credit.id).payment_id == later
    tie_every_day(app, acme, tmp_path)
    app.close()
