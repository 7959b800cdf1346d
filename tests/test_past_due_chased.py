"""What is past due, as the summary tells it and as the dunning run notices it: without a day
the summary's past due is today's (an invoice a year overdue is past due, not 0.00), and
``notice_past_due`` notices, in one transaction, the invoices owed past their due date at the
end of its day (and owed still)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from test_refund_read_side import bounced_after_refund
from test_story_payment import issued

from q2c_core import ConcurrencyConflict, Money, QuoteToCash

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def test_without_a_day_the_summary_chases_what_is_past_due_today(app: QuoteToCash) -> None:
    """Acme's 300.00 invoice of January 2024 (due 31 January) is owed again since its payment
    bounced on 10 March, with the 120.00 refunded from it; an invoice of 500.00 issued today is
    not due yet. customer_summary(acme) said past due 0.00; it says 420.00, as the summary of
    today does, while the 500.00 is open and not past due."""
    today = datetime.now(UTC).date()
    cust, _, _ = bounced_after_refund(app)
    issued(app, cust, "500", today)
    summary = app.customer_summary(cust)
    assert (summary.open, summary.past_due, summary.owed_back) == (eur(800), eur(420), eur(120))
    assert summary.past_due == app.customer_summary(cust, as_of=today).past_due
    assert str(summary.past_due) == "420.00 EUR"


def test_an_invoice_paid_in_full_is_not_past_due_without_a_day(app: QuoteToCash) -> None:
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    long_ago = datetime.now(UTC).date() - timedelta(days=400)
    invoice = issued(app, cust, "1000", long_ago)
    assert app.customer_summary(cust).past_due == eur("1000.00")
    pay = app.receive_payment(cust, eur(1000), received_on=long_ago, reference="t", actor=A)
    app.allocate_payment(pay, allocated_on=long_ago, actor=A)
    assert app.invoice(invoice).is_settled()
    assert str(app.customer_summary(cust).past_due) == "0.00 EUR"


def test_the_dunning_run_notices_what_was_owed_past_due_on_its_day(app: QuoteToCash) -> None:
    """INV-000001 (1,000.00, due 31 January 2024) was paid on 20 January; the bank returned the
    payment on 10 March. On 1 March the invoice was paid, so the run of 1 March notices nothing
    (it noticed it, judging 1 March by today's 1,000.00 outstanding), as the aging of 1 March
    chases nothing; the run of 11 March notices it."""
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    invoice = issued(app, cust, "1000", date(2024, 1, 1))
    pay = app.receive_payment(
        cust, eur(1000), received_on=date(2024, 1, 20), reference="t", actor=A
    )
    app.allocate_payment(pay, allocated_on=date(2024, 1, 20), actor=A)
    app.bounce_payment(pay, bounced_on=date(2024, 3, 10), reason="returned", actor="bank")
    assert app.customer_summary(cust, as_of=date(2024, 3, 1)).past_due == eur("0.00")
    assert app.notice_past_due(date(2024, 3, 1), actor="dunning") == []
    assert app.invoice(invoice).past_due_noticed_on is None
    assert app.notice_past_due(date(2024, 3, 11), actor="dunning") == [invoice]
    assert app.invoice(invoice).past_due_noticed_on == date(2024, 3, 11)


def two_past_due(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme owes INV-000001 (100.00) and INV-000002 (200.00), both due 31 January 2024."""
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    return (
        cust,
        issued(app, cust, "100", date(2024, 1, 1)),
        issued(app, cust, "200", date(2024, 1, 1)),
    )


def test_the_dunning_run_records_all_its_notices_or_none(shared_url: str) -> None:
    """The run of 1 March notices both invoices. Another clerk records a payment on INV-000002
    while the run saves, every time it tries: the run gives up (ConcurrencyConflict) and
    INV-000001 is not noticed either (it was saved alone, before, and left half a batch)."""
    dunning = QuoteToCash.open(shared_url, max_retries=2)
    clerk = QuoteToCash.open(shared_url)
    cust, first, second = two_past_due(dunning)
    pay = clerk.receive_payment(cust, eur(20), received_on=date(2024, 2, 1), reference="p", actor=A)
    real_save = dunning.save

    def save_after_a_payment_on_the_second(*aggregates: Any, **kwargs: Any) -> Any:
        if any(a.id == second for a in aggregates):
            clerk.allocate_payment(pay, [(second, eur(5))], allocated_on=date(2024, 2, 1), actor=A)
        return real_save(*aggregates, **kwargs)

    dunning.save = save_after_a_payment_on_the_second  # type: ignore[method-assign]
    with pytest.raises(ConcurrencyConflict):
        dunning.notice_past_due(date(2024, 3, 1), actor="dunning")
    # the clerk's payments stand (5.00 before each of the run's two tries), nothing else
    assert clerk.invoice(second).paid == eur(10)
    assert clerk.invoice(first).past_due_noticed_on is None
    assert clerk.invoice(second).past_due_noticed_on is None
    dunning.save = real_save  # type: ignore[method-assign]
    assert dunning.notice_past_due(date(2024, 3, 1), actor="dunning") == [first, second]
    assert clerk.invoice(first).past_due_noticed_on == date(2024, 3, 1)
    assert clerk.invoice(second).past_due_noticed_on == date(2024, 3, 1)
    dunning.close()
    clerk.close()


def test_a_run_that_clashes_decides_again_on_what_is_owed(shared_url: str) -> None:
    """While the run saves, the clerk allocates a payment that settles INV-000002: the run tries
    again and notices INV-000001 alone."""
    dunning = QuoteToCash.open(shared_url)
    clerk = QuoteToCash.open(shared_url)
    cust, first, second = two_past_due(dunning)
    pay = clerk.receive_payment(
        cust, eur(200), received_on=date(2024, 2, 1), reference="p", actor=A
    )
    real_save = dunning.save

    def save_after_the_second_is_paid(*aggregates: Any, **kwargs: Any) -> Any:
        dunning.save = real_save  # type: ignore[method-assign]
        clerk.allocate_payment(pay, [(second, eur(200))], allocated_on=date(2024, 2, 1), actor=A)
        return real_save(*aggregates, **kwargs)

    dunning.save = save_after_the_second_is_paid  # type: ignore[method-assign]
    assert dunning.notice_past_due(date(2024, 3, 1), actor="dunning") == [first]
    assert clerk.invoice(first).past_due_noticed_on == date(2024, 3, 1)
    assert clerk.invoice(second).past_due_noticed_on is None
    assert clerk.invoice(second).is_settled()
    dunning.close()
    clerk.close()
