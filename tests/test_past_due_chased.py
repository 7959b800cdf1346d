"""What is past due, as the summary tells it and as the dunning run notices it: without a day
the summary's past due is today's (an invoice a year overdue is past due, not 0.00), and
``notice_past_due`` notices, in one transaction, the invoices owed past their due date at the
end of its day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_refund_read_side import bounced_after_refund
from test_story_payment import issued

from q2c_core import Money, QuoteToCash

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
