"""A change of a customer's tax rate or payment terms sent again records nothing, also after a
later change: an ERP syncing its change log replays it from the start.

Found by review: 21 % from 1 January, then 20 % from 1 July, then 21 % from 1 January again was
refused (``RuleViolated`` naming ``effective``: before the last change), though the README says
the same change again records nothing; an ERP replaying its log stopped at its first entry.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from q2c_core import QuoteToCash, RuleViolated, TaxRate

V19, V20, V21, V22 = (TaxRate.standard(r) for r in (19, 20, 21, 22))
JAN, MAR, JUL = date(2025, 1, 1), date(2025, 3, 1), date(2025, 7, 1)


def register(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="bea", tax_rate=V19, payment_terms_days=30
    )


def change_rate(app: QuoteToCash, customer: UUID, rate: TaxRate, day: date) -> bool:
    return app.change_customer_tax_rate(customer, tax_rate=rate, effective=day, actor="erp")


def change_terms(app: QuoteToCash, customer: UUID, days: int, day: date) -> bool:
    return app.change_customer_payment_terms(
        customer, payment_terms_days=days, effective=day, actor="erp"
    )


def test_the_erp_replaying_its_tax_rate_log_records_nothing() -> None:
    """The ERP's log holds 21 % from 1 January and 20 % from 1 July, sent in that order;
    sent again (and its first entry once more), each records nothing, and the rates stay."""
    app = QuoteToCash.open("memory:")
    acme = register(app)
    log = [(V21, JAN), (V20, JUL)]
    assert [change_rate(app, acme, rate, day) for rate, day in log] == [True, True]
    recorded = app.recorder.max_notification_id()

    assert [change_rate(app, acme, rate, day) for rate, day in log] == [False, False]
    assert not change_rate(app, acme, V21, JAN)
    assert app.recorder.max_notification_id() == recorded
    customer = app.customer(acme)
    assert customer.tax_rate_on(MAR) == V21 and customer.tax_rate_on(JUL) == V20
    assert customer.tax_rate == V20 and customer.tax_rate_since == JUL


def test_a_change_that_found_its_rate_in_effect_replays_to_nothing_too() -> None:
    """19 % from 1 March finds Acme at 19 % (nothing recorded); after 21 % from 1 July it is
    sent again: Acme is billed at 19 % on 1 March as recorded, so nothing is recorded."""
    app = QuoteToCash.open("memory:")
    acme = register(app)
    assert not change_rate(app, acme, V19, MAR)
    assert change_rate(app, acme, V21, JUL)
    recorded = app.recorder.max_notification_id()
    assert not change_rate(app, acme, V19, MAR)
    assert app.recorder.max_notification_id() == recorded


def test_the_erp_replaying_its_payment_terms_log_records_nothing() -> None:
    """14 days from 1 January, then 10 from 1 July; the log sent again records nothing."""
    app = QuoteToCash.open("memory:")
    acme = register(app)
    log = [(14, JAN), (10, JUL)]
    assert [change_terms(app, acme, days, day) for days, day in log] == [True, True]
    recorded = app.recorder.max_notification_id()
    assert [change_terms(app, acme, days, day) for days, day in log] == [False, False]
    assert app.recorder.max_notification_id() == recorded
    customer = app.customer(acme)
    assert customer.payment_terms_on(MAR) == 14 and customer.payment_terms_on(JUL) == 10


@pytest.mark.parametrize(
    ("change", "first", "overruled", "other"),
    [(change_rate, V21, V22, V20), (change_terms, 14, 21, 7)],
)
def test_a_change_back_on_the_same_day_is_recorded_and_an_earlier_other_one_refused(
    change: Any, first: Any, overruled: Any, other: Any
) -> None:
    """Bea sets a value from 1 July, then another from 1 July, then the first again from
    1 July (a correction, not a retry): recorded. A value Acme does not have on 1 March,
    from 1 March, is still refused naming effective, nothing recorded."""
    app = QuoteToCash.open("memory:")
    acme = register(app)
    assert change(app, acme, first, JUL) and change(app, acme, overruled, JUL)
    assert change(app, acme, first, JUL)
    recorded = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        change(app, acme, other, MAR)
    assert refused.value.field == "effective"
    assert app.recorder.max_notification_id() == recorded
