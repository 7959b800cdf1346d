"""A customer registered before the rules (at the text "21", or with payment terms of 30.5 or
Decimal 30 days) is given its rate and terms as the README says, and stays readable: from its
events and from its snapshots, which read back as its events say, for it and for every other
customer.

Found by review: giving such a customer its rate copied the "21" it was registered with into its
history of rates (``TaxRateFrom(date.min, "21")``), which a snapshot cannot read back. Once the
customer reached its snapshot (its 50th event) every read of it failed, and with it the list of
customers, a rename and a bank import of another customer's payment. Its terms the same way
(30.5 days read back as 30).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from test_customer_tax_rate import issue

from q2c_adapters.importers import BankStatementImporter
from q2c_core import (
    InvalidValue,
    Money,
    PaymentTermsFrom,
    QuoteToCash,
    TaxRate,
    TaxRateFrom,
)
from q2c_core import application as application_module
from q2c_core.domain import customer as customer_module

V21 = TaxRate.standard(21)
MAY_31, JUNE_1, JULY_1 = date(2024, 5, 31), date(2024, 6, 1), date(2024, 7, 1)


def register(app: QuoteToCash, name: str, **kwargs: Any) -> UUID:
    return app.register_customer(name, "EUR", account_manager="mia", actor="bea", **kwargs)


def register_before_the_rules(app: QuoteToCash, name: str, **kwargs: Any) -> UUID:
    """A customer as q2c recorded it before tax rates and payment terms were checked."""
    with pytest.MonkeyPatch.context() as before_the_rules:
        before_the_rules.setattr(customer_module, "require_tax_rate", lambda value, _: value)
        before_the_rules.setattr(customer_module, "require_payment_terms", lambda value, _: value)
        before_the_rules.setattr(application_module, "require_whole", lambda value, _: value)
        return register(app, name, **kwargs)


def test_a_customer_recorded_at_the_text_21_given_its_rate_stays_readable_past_its_snapshot(
    tmp_path: Path,
) -> None:
    """Bad Rate was registered at "21" before the rule; from 1 June it is billed at 21 %,
    and then its terms change 60 times (past its snapshot at 50 events). Read in another
    process, from its snapshot, it has the rate and days its events give it: "21" as recorded
    before 1 June (what a document drafted then was refused at), 21 % from then on. The list
    of customers, a rename of it, and a bank import of Good Rate's payment work; every
    snapshot is its events'."""
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    app = QuoteToCash.open(url)
    bad = register_before_the_rules(app, "Bad Rate", tax_rate="21")
    good = register(app, "Good Rate", tax_rate=V21)
    invoice = app.draft_deposit_invoice(
        good, Money.of("100", "EUR"), description="Deposit", drafted_on=JUNE_1, actor="bea"
    )
    issue(app, invoice, JUNE_1)

    assert app.change_customer_tax_rate(bad, tax_rate=V21, effective=JUNE_1, actor="bea")
    for days in range(10, 70):
        app.change_customer_payment_terms(
            bad, payment_terms_days=days, effective=JUNE_1, actor="bea"
        )
    from_events = app.customer(bad)
    assert from_events.version > 50
    app.close()

    again = QuoteToCash.open(url)
    snapped = again.customer(bad)
    for customer in (from_events, snapped):
        assert customer.tax_rate == V21 and customer.tax_rate_on(JUNE_1) == V21
        assert customer.tax_rate_on(MAY_31) == "21" == customer.registered_tax_rate
        assert customer.tax_rates == [TaxRateFrom(JUNE_1, V21)]
        assert customer.payment_terms_on(MAY_31) == 30 and customer.payment_terms_on(JUNE_1) == 69
    assert {c.name for c in again.customers()} == {"Bad Rate", "Good Rate"}
    assert again.rename_customer(bad, new_name="Bad Rate AG", actor="bea")
    report = BankStatementImporter(again, today=JULY_1).import_bytes(
        b"Date;Amount;Currency;Purpose;Name;Reference\n"
        + f"2024-06-30;121,00;EUR;{again.invoice(invoice).number};Good Rate;X-1\n".encode(),
        "s.csv",
        actor="bea",
    )
    assert (report.recorded, report.suspended) == (1, 0)
    assert again.verify_snapshots().mismatches == ()
    again.close()


@pytest.mark.parametrize("terms", [Decimal(30), 30.5])
def test_a_customer_recorded_with_terms_that_are_no_whole_days_keeps_them_in_its_snapshot(
    tmp_path: Path, terms: Any
) -> None:
    """Terms recorded as Decimal 30 or 30.5 days before they were checked: given 14 days from
    1 June, the customer's snapshot reads back the terms as recorded before it (not 30 for
    30.5), and its history of terms holds only whole days."""
    url = f"sqlite:///{tmp_path / 'terms.db'}"
    app = QuoteToCash.open(url)
    old = register_before_the_rules(app, "Old Terms", tax_rate=V21, payment_terms_days=terms)
    assert app.change_customer_payment_terms(
        old, payment_terms_days=14, effective=JUNE_1, actor="b"
    )
    from_events = app.customer(old)
    app.take_snapshot(old)
    app.close()

    again = QuoteToCash.open(url)
    snapped = again.customer(old)
    for customer in (from_events, snapped):
        assert customer.payment_terms == [PaymentTermsFrom(JUNE_1, 14)]
        before = customer.payment_terms_on(MAY_31)
        assert before == terms and type(before) is type(terms)
        assert customer.registered_payment_terms_days == terms
        assert customer.payment_terms_on(JUNE_1) == 14 == customer.payment_terms_days
    assert again.verify_snapshots().mismatches == ()
    again.close()


def test_a_customer_registered_at_a_rate_keeps_it_first_in_its_history() -> None:
    """A customer registered at a TaxRate (even standard at 0 %, from before that rule) and
    whole days still keeps them as the first entry of its history, from date.min."""
    app = QuoteToCash.open("memory:")
    zero = TaxRate.standard(0)
    old = register_before_the_rules(app, "Old Zero", tax_rate=zero, payment_terms_days=45)
    app.change_customer_tax_rate(old, tax_rate=V21, effective=JUNE_1, actor="bea")
    app.change_customer_payment_terms(old, payment_terms_days=14, effective=JUNE_1, actor="bea")
    customer = app.customer(old)
    assert customer.tax_rates == [TaxRateFrom(date.min, zero), TaxRateFrom(JUNE_1, V21)]
    assert customer.payment_terms == [PaymentTermsFrom(date.min, 45), PaymentTermsFrom(JUNE_1, 14)]
    with pytest.raises(InvalidValue):
        app.change_customer_tax_rate(old, tax_rate="21", effective=JULY_1, actor="bea")  # type: ignore[arg-type]


def test_terms_recorded_as_decimal_30_given_30_days_are_whole_days_from_then_on() -> None:
    """Terms recorded as Decimal 30 equal 30 but are no whole days: 30 days from 1 June is a
    change, recorded, and what is drafted from then on carries the whole number."""
    app = QuoteToCash.open("memory:")
    old = register_before_the_rules(app, "Old Terms", tax_rate=V21, payment_terms_days=Decimal(30))
    assert app.change_customer_payment_terms(
        old, payment_terms_days=30, effective=JUNE_1, actor="b"
    )
    customer = app.customer(old)
    assert type(customer.payment_terms_on(JUNE_1)) is int
    assert type(customer.payment_terms_on(MAY_31)) is Decimal
    assert not app.change_customer_payment_terms(
        old, payment_terms_days=30, effective=JUNE_1, actor="b"
    )
