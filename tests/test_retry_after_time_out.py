"""A clerk's tool sends a command, the command is recorded, and the response is lost (the page
timed out, the connection dropped): the tool sends the very same command again. That retry must
record nothing and answer as the first call did, so the tool reports the success it had, not a
refusal ("already bounced") for something that went through. The same target with other
details is not a retry: it is still refused, naming the field that differs, and records
nothing. (The contract lifecycle, renewals and receipts under a key already behave so.)

Each story runs on a real SQLite file and a PostgreSQL schema, the retry from an application
opened again on it, as a tool's second process would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from conftest import Reopen
from test_beancount_ledger import issue, manual_line

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import (
    InvalidTransition,
    Money,
    OverAllocation,
    QuoteToCash,
    RuleViolated,
    TaxRate,
)

A = "bea"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def mar(day: int) -> date:
    return date(2026, 3, day)


def acme_paid_its_invoice(app: QuoteToCash) -> tuple[UUID, UUID, UUID, str]:
    """Acme's invoice of 119.00 issued 2 March, paid by its transfer received on the 5th and
    allocated to it that day: (customer, invoice, payment, allocation)."""
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)
    invoice = app.draft_invoice(
        acme, [manual_line("L1", "100", TaxRate.standard(19))], drafted_on=mar(2), actor="billy"
    )
    issue(app, invoice, mar(2))
    payment = app.receive_payment(
        acme, eur("119.00"), received_on=mar(5), reference="TR-1", actor=A
    )
    (allocation,) = app.allocate_payment(payment, allocated_on=mar(5), actor=A)
    return acme, invoice, payment, allocation


# -- a bounce ----------------------------------------------------------------------------------


def test_a_bounce_sent_again_after_a_lost_response_records_nothing_and_reports_success(
    reopen: Reopen,
) -> None:
    """The bank returned Acme's transfer on the 9th; Bea's tool records the bounce, loses the
    response and sends it again: the second call records nothing and says so (False), where it
    said "already bounced". The invoice is open once, its 119.00 owed again."""
    first = reopen()
    acme, invoice, payment, _ = acme_paid_its_invoice(first)

    assert (
        first.bounce_payment(payment, bounced_on=mar(9), reason="account closed", actor=A) is True
    )
    retry = reopen()
    before = retry.recorder.max_notification_id()

    assert (
        retry.bounce_payment(payment, bounced_on=mar(9), reason="account closed", actor=A) is False
    )

    assert retry.recorder.max_notification_id() == before
    assert retry.payment(payment).bounced_on == mar(9)
    assert retry.invoice(invoice).outstanding == eur("119.00")
    assert retry.customer_summary(acme).open.amount == Decimal("119.00")


@pytest.mark.parametrize(
    ("day", "reason", "field"),
    [
        (mar(10), "account closed", "bounced_on"),
        (mar(9), "insufficient funds", "reason"),
    ],
)
def test_a_bounce_of_a_bounced_payment_with_other_details_is_refused_naming_them(
    reopen: Reopen, day: date, reason: str, field: str
) -> None:
    """Another bounce of the payment (another day, another reason) is no retry: refused as
    before, naming the field that differs, nothing recorded."""
    app = reopen()
    _, _, payment, _ = acme_paid_its_invoice(app)
    app.bounce_payment(payment, bounced_on=mar(9), reason="account closed", actor=A)
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidTransition) as refused:
        app.bounce_payment(payment, bounced_on=day, reason=reason, actor=A)

    assert refused.value.field == field
    assert app.recorder.max_notification_id() == before


# -- a reversal of an allocation ---------------------------------------------------------------


@pytest.mark.parametrize("day", [mar(8), None], ids=["dated", "today"])
def test_a_reversal_sent_again_after_a_lost_response_records_nothing_and_reports_success(
    reopen: Reopen, day: date | None
) -> None:
    """Acme's transfer paid the wrong invoice; Bea reverses the allocation (on the 8th, or
    without a day: today) and her tool, its response lost, sends the reversal again: the
    second call records nothing and says so (False), where it said "already reversed". The
    money is Acme's credit once, the invoice open once."""
    first = reopen()
    acme, invoice, payment, allocation = acme_paid_its_invoice(first)

    assert (
        first.reverse_allocation(
            payment, allocation, reason="paid the wrong invoice", actor=A, reversed_on=day
        )
        is True
    )
    retry = reopen()
    before = retry.recorder.max_notification_id()

    assert (
        retry.reverse_allocation(
            payment, allocation, reason="paid the wrong invoice", actor=A, reversed_on=day
        )
        is False
    )

    assert retry.recorder.max_notification_id() == before
    assert retry.customer_credit(acme) == eur("119.00")
    assert retry.invoice(invoice).outstanding == eur("119.00")


@pytest.mark.parametrize(
    ("day", "reason", "field"),
    [
        (mar(9), "paid the wrong invoice", "reversed_on"),
        (mar(8), "customer disputes it", "reason"),
        (None, "customer disputes it", "reason"),
    ],
)
def test_a_reversal_of_a_reversed_allocation_with_other_details_is_refused_naming_them(
    reopen: Reopen, day: date | None, reason: str, field: str
) -> None:
    """Another reversal of the reversed allocation (another day, another reason) is no retry:
    refused as before, naming the field that differs, nothing recorded."""
    app = reopen()
    _, _, payment, allocation = acme_paid_its_invoice(app)
    app.reverse_allocation(
        payment, allocation, reason="paid the wrong invoice", actor=A, reversed_on=mar(8)
    )
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidTransition, match="already reversed") as refused:
        app.reverse_allocation(payment, allocation, reason=reason, actor=A, reversed_on=day)

    assert refused.value.field == field
    assert app.recorder.max_notification_id() == before


def test_an_allocation_the_bounce_took_back_is_no_reversal_to_send_again(reopen: Reopen) -> None:
    """The bounce took the allocation back off ("bounced: ..."): a reversal of it by hand is
    no retry of anything, and is refused naming its reason."""
    app = reopen()
    _, _, payment, allocation = acme_paid_its_invoice(app)
    app.bounce_payment(payment, bounced_on=mar(9), reason="account closed", actor=A)

    with pytest.raises(InvalidTransition) as refused:
        app.reverse_allocation(payment, allocation, reason="undo", actor=A, reversed_on=mar(9))

    assert refused.value.field == "reason"


# -- a credit in suspense assigned or sent back --------------------------------------------------


def initech_in_suspense(app: QuoteToCash, tmp_path: Path) -> tuple[UUID, UUID, UUID]:
    """Acme's invoice of 119.00 issued 2 March, and 99.00 from a payer q2c cannot name
    (Initech), booked by the bank on the 4th, waiting in suspense: (customer, invoice, credit)."""
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)
    invoice = app.draft_invoice(
        acme, [manual_line("L1", "100", TaxRate.standard(19))], drafted_on=mar(2), actor="billy"
    )
    issue(app, invoice, mar(2))
    path = tmp_path / "mar.csv"
    path.write_text(
        "date,amount,currency,remittance,name,reference\n"
        "2026-03-04,99.00,EUR,order 5521,Initech LLC,C-9\n",
        encoding="utf-8",
    )
    BankStatementImporter(app, today=mar(31)).import_file(path, actor="bank")
    [credit] = app.bank_suspense()
    return acme, invoice, credit.id


@pytest.mark.parametrize("pay", ["oldest due first", "listed"])
def test_an_assignment_sent_again_after_a_lost_response_records_nothing_and_returns_its_payment(
    reopen: Reopen, tmp_path: Path, pay: str
) -> None:
    """Ana assigns Initech's 99.00 to Acme on the 10th (to its open invoice, listed or oldest
    due first); her tool loses the response and sends the assignment again: the second call
    records nothing and returns the payment the first made, where it said "the credit is
    resolved, not in suspense". Acme paid 99.00 once."""
    first = reopen()
    acme, invoice, credit = initech_in_suspense(first, tmp_path)
    allocations = None if pay == "oldest due first" else [(invoice, eur("99.00"))]

    def assign(app: QuoteToCash) -> UUID:
        return app.resolve_bank_credit(
            credit,
            resolved_on=mar(10),
            actor="ana",
            customer_id=acme,
            allocations=allocations,
            note="Initech pays for Acme",
        )

    payment = assign(first)
    retry = reopen()
    before = retry.recorder.max_notification_id()

    assert assign(retry) == payment

    assert retry.recorder.max_notification_id() == before
    assert [p.id for p in retry.payments(acme)] == [payment]
    assert retry.invoice(invoice).outstanding == eur("20.00")


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"resolved_on": mar(11)}, "resolved_on"),
        ({"customer_id": "other"}, "customer_id"),
        ({"allocations": "less"}, "allocations"),
        ({"allocations": []}, "allocations"),
        ({"note": "someone else's"}, "note"),
    ],
)
def test_an_assignment_of_an_assigned_credit_with_other_details_is_refused_naming_them(
    reopen: Reopen, tmp_path: Path, changed: dict[str, object], field: str
) -> None:
    """Another assignment of the assigned credit (another day, customer, invoices or note) is
    no retry: refused, naming the field that differs, nothing recorded."""
    app = reopen()
    acme, invoice, credit = initech_in_suspense(app, tmp_path)
    given: dict[str, object] = {
        "resolved_on": mar(10),
        "customer_id": acme,
        "allocations": [(invoice, eur("99.00"))],
        "note": "Initech pays for Acme",
    }
    app.resolve_bank_credit(credit, actor="ana", **given)  # type: ignore[arg-type]
    globex = app.register_customer("Globex", "EUR", account_manager="mia", actor=A)
    again = {**given, **changed}
    if again["customer_id"] == "other":
        again["customer_id"] = globex
    if again["allocations"] == "less":
        again["allocations"] = [(invoice, eur("90.00"))]
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidTransition) as refused:
        app.resolve_bank_credit(credit, actor="ana", **again)  # type: ignore[arg-type]

    assert refused.value.field == field
    assert app.recorder.max_notification_id() == before


def test_a_credit_sent_back_and_sent_back_again_after_a_lost_response_records_nothing(
    reopen: Reopen, tmp_path: Path
) -> None:
    """Nobody knows Initech: Ana sends its 99.00 back on the 12th; her tool loses the response
    and sends the return again: the second call records nothing and says so (False), where it
    said "cannot return a credit that is returned"."""
    first = reopen()
    _, _, credit = initech_in_suspense(first, tmp_path)

    assert (
        first.return_bank_credit(credit, returned_on=mar(12), reason="not ours", actor="ana")
        is True
    )
    retry = reopen()
    before = retry.recorder.max_notification_id()

    assert (
        retry.return_bank_credit(credit, returned_on=mar(12), reason="not ours", actor="ana")
        is False
    )

    assert retry.recorder.max_notification_id() == before
    assert retry.bank_credit(credit).resolved_on == mar(12)
    assert retry.bank_suspense() == []


@pytest.mark.parametrize(
    ("day", "reason", "field"),
    [(mar(13), "not ours", "returned_on"), (mar(12), "unknown payer", "reason")],
)
def test_a_return_of_a_returned_credit_with_other_details_is_refused_naming_them(
    reopen: Reopen, tmp_path: Path, day: date, reason: str, field: str
) -> None:
    """Another return of the returned credit (another day, another reason) is no retry:
    refused, naming the field that differs, nothing recorded."""
    app = reopen()
    _, _, credit = initech_in_suspense(app, tmp_path)
    app.return_bank_credit(credit, returned_on=mar(12), reason="not ours", actor="ana")
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidTransition) as refused:
        app.return_bank_credit(credit, returned_on=day, reason=reason, actor="ana")

    assert refused.value.field == field
    assert app.recorder.max_notification_id() == before


def test_a_credit_assigned_is_not_sent_back_as_a_retry(reopen: Reopen, tmp_path: Path) -> None:
    """A credit assigned to a customer was never returned: a return of it is refused naming its
    status, as before, whatever its day and reason."""
    app = reopen()
    acme, _, credit = initech_in_suspense(app, tmp_path)
    app.resolve_bank_credit(credit, resolved_on=mar(12), actor="ana", customer_id=acme)

    with pytest.raises(InvalidTransition) as refused:
        app.return_bank_credit(credit, returned_on=mar(12), reason="", actor="ana")

    assert refused.value.field == "status"


# -- a remainder written off -------------------------------------------------------------------


def acme_paid_short(app: QuoteToCash) -> UUID:
    """Acme's invoice of 119.00 issued 2 March, paid 118.98 on the 5th (the bank took 0.02 off
    the transfer): the invoice."""
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)
    invoice = app.draft_invoice(
        acme, [manual_line("L1", "100", TaxRate.standard(19))], drafted_on=mar(2), actor="billy"
    )
    issue(app, invoice, mar(2))
    payment = app.receive_payment(acme, eur("118.98"), received_on=mar(5), reference="TR", actor=A)
    app.allocate_payment(payment, allocated_on=mar(5), actor=A)
    return invoice


def test_a_write_off_sent_again_after_a_lost_response_records_nothing_and_returns_its_amount(
    reopen: Reopen,
) -> None:
    """Bea writes off the 0.02 on the 6th; her tool loses the response and sends the write-off
    again: the second call records nothing and returns the 0.02 the first wrote off, where it
    said "owes nothing". 0.02 is written off once."""
    first = reopen()
    invoice = acme_paid_short(first)

    def write_off(app: QuoteToCash) -> Money:
        return app.write_off_remainder(
            invoice, written_off_on=mar(6), reason="bank fee", actor=A, at_most=eur("0.05")
        )

    assert write_off(first) == eur("0.02")
    retry = reopen()
    before = retry.recorder.max_notification_id()

    assert write_off(retry) == eur("0.02")

    assert retry.recorder.max_notification_id() == before
    assert retry.invoice(invoice).written_off == eur("0.02")
    assert retry.invoice(invoice).outstanding == eur("0.00")


@pytest.mark.parametrize(
    ("day", "reason", "at_most", "refusal", "field"),
    [
        (mar(7), "bank fee", "0.05", RuleViolated, "written_off_on"),
        (mar(6), "rounding", "0.05", RuleViolated, "reason"),
        (mar(6), "bank fee", "0.01", OverAllocation, "at_most"),
    ],
)
def test_a_write_off_of_a_written_off_invoice_with_other_details_is_refused_naming_them(
    reopen: Reopen,
    day: date,
    reason: str,
    at_most: str,
    refusal: type[Exception],
    field: str,
) -> None:
    """Another write-off of the invoice it left owing nothing (another day, another reason, a
    tolerance the 0.02 is above) is no retry: refused, naming the field that differs, nothing
    recorded."""
    app = reopen()
    invoice = acme_paid_short(app)
    app.write_off_remainder(
        invoice, written_off_on=mar(6), reason="bank fee", actor=A, at_most=eur("0.05")
    )
    before = app.recorder.max_notification_id()

    with pytest.raises(refusal) as refused:
        app.write_off_remainder(
            invoice, written_off_on=day, reason=reason, actor=A, at_most=eur(at_most)
        )

    assert getattr(refused.value, "field", None) == field
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).written_off == eur("0.02")
