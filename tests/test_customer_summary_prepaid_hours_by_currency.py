"""A customer's summary in one currency counts the prepaid hours that can be spent there.

Found by review: Acme is billed in EUR and prepaid 40 hours for its US subsidiary's work in
USD (an allowance in USD covers only Acme's USD requests: a EUR request is refused it). The
controller read Acme's EUR summary: 40 prepaid hours left, for EUR work they could never
cover; the USD summary said 40 too, and so did one in GBP, where Acme does no business at all.
Read side by side, over ``customer_currencies``, Acme had 80 hours left. Now each summary counts
the hours of the allowances in its currency: 10 EUR hours in the EUR summary, 40 in the USD
one, none in GBP, and the summaries add up to the 50 hours Acme has, today and on a day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from q2c_core import AllowanceUnit, Money, Period, QuoteToCash, TaxRate, TimeEntry

A = "bea"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def acme_with_hours_in_two_currencies() -> tuple[QuoteToCash, UUID]:
    """Acme (EUR): 10 prepaid hours in EUR, 40 in USD; 4 USD hours spent on a US report."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    for quantity, currency in ((10, "EUR"), (40, "USD")):
        app.grant_allowance(
            acme,
            unit=AllowanceUnit.HOURS,
            quantity=quantity,
            currency=currency,
            period=YEAR,
            granted_on=date(2024, 1, 1),
            actor=A,
        )
    usd = app.customer(acme).allowance_ids[1]
    report = app.open_request(acme, "US report", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(report, hours=4, rate=Money.of(120, "USD"), actor=A)
    app.cover_request_by_allowance(report, usd, actor=A)
    app.authorize_work(report, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(
        report,
        TimeEntry("t1", "bob", date(2024, 3, 4), Decimal(4), Money.of(120, "USD")),
        actor="bob",
    )
    return app, acme


def test_each_summary_counts_the_prepaid_hours_of_its_own_currency() -> None:
    app, acme = acme_with_hours_in_two_currencies()
    assert app.customer_currencies(acme) == ["EUR", "USD"]
    assert app.customer_summary(acme).prepaid_hours_left == 10
    assert app.customer_summary(acme, currency="USD").prepaid_hours_left == 36
    assert app.customer_summary(acme, currency="GBP").prepaid_hours_left == 0


def test_on_a_day_too_and_the_summaries_add_up_to_the_hours_acme_has() -> None:
    app, acme = acme_with_hours_in_two_currencies()
    on = date(2024, 3, 31)
    left = {
        currency: app.customer_summary(acme, as_of=on, currency=currency).prepaid_hours_left
        for currency in app.customer_currencies(acme)
    }
    assert left == {"EUR": 10, "USD": 36}
    assert sum(left.values()) == sum(
        app.allowance(a).remaining for a in app.customer(acme).allowance_ids
    )
