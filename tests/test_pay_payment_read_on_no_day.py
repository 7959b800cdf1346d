"""A payment read as of a day that is no day: a report script asks Acme's payment what credit
it held on a day it took from a spreadsheet cell ("2024-04-01"), an empty cell (None) or a
timestamp. Each is refused as a q2c error naming ``day`` (``on`` for ``refundable``), as a
bank credit's ``suspense_amount`` refuses one, never a bare Python error nor an answer.

Found by review: ``unallocated_on``, ``allocations_on``, ``refundable`` and ``available_on``
failed with a bare ``TypeError: '<' not supported between instances of 'str' and
'datetime.date'`` (of a datetime: "can't compare datetime.datetime to datetime.date"), and
``refunds_owed_on`` answered [] for any of them, whatever the payment owed back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from test_allocation_reference import D, acme_paying, eur

from q2c_core import InvalidValue, QuoteToCash

NO_DAYS = ["2024-04-01", None, datetime(2024, 4, 1, 12, 0), 20240401]


@pytest.mark.parametrize("day", NO_DAYS)
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("unallocated_on", "day"),
        ("allocations_on", "day"),
        ("refundable", "on"),
        ("available_on", "day"),
        ("refunds_owed_on", "day"),
    ],
)
def test_a_payment_read_on_no_day_is_refused_naming_it(
    app: QuoteToCash, query: str, field: str, day: Any
) -> None:
    _, pay, first, _ = acme_paying(app)
    app.allocate_payment(pay, [(first, eur(100))], allocated_on=D, actor="bea")
    payment = app.payment(pay)
    with pytest.raises(InvalidValue) as refused:
        getattr(payment, query)(day)
    assert refused.value.field == field


def test_a_payment_read_on_its_days_answers_as_before(app: QuoteToCash) -> None:
    """Acme's 150.00 received on 1 April paid INV-000001's 100.00 that day, 20.00 was refunded
    on 2 April and the bank returned it on 3 April: 50.00 credit on 1 April, 30.00 on 2 April,
    the 20.00 refunded owed back from 3 April."""
    cust, pay, first, _ = acme_paying(app)
    app.allocate_payment(pay, [(first, eur(100))], allocated_on=D, actor="bea")
    app.refund_customer_credit(
        cust, eur(20), refunded_on=date(2024, 4, 2), reference="RF-1", actor="bea"
    )
    payment = app.payment(pay)
    assert payment.unallocated_on(D) == eur(50)
    assert payment.refundable(D) == eur(30)
    assert payment.available_on(D) == eur(30)
    assert [a.amount for a in payment.allocations_on(D)] == [eur(100)]
    app.bounce_payment(pay, bounced_on=date(2024, 4, 3), reason="returned", actor="bea")
    payment = app.payment(pay)
    assert payment.refunds_owed_on(date(2024, 4, 3)) == [(date(2024, 4, 3), eur(20))]
    assert payment.refunds_owed_on(date(2024, 4, 2)) == []
