"""Contracts ending on one day are listed by their number as it counts: MC-9 before MC-10.

Found by today's fresh-eyes review, after invoices were ordered so (``number_order``): the
account manager's list of contracts expiring within 60 days put MC-10 before MC-9 when both
terms ended on one day, as text sorts them, though everywhere else MC-9 comes first.
"""

from __future__ import annotations

from datetime import date

from q2c_core import BillingFrequency, Period, QuoteToCash

TERM = Period(date(2024, 1, 1), date(2025, 1, 1))


def test_two_contracts_ending_on_one_day_are_listed_as_they_count() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    for number in ("MC-10", "MC-9", "MC-100"):
        app.sign_contract(
            acme,
            number=number,
            term=TERM,
            frequency=BillingFrequency.ANNUAL,
            signed_on=TERM.start,
            actor="bea",
        )
    expiring = app.contracts_expiring_within(60, date(2024, 12, 1))
    assert [e.number for e in expiring] == ["MC-9", "MC-10", "MC-100"]
