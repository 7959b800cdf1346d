"""Prepaid hours granted by hand, given again after a lost response, are granted once: the caller
names the grant with a key, the same grant under it again returns the allowance it made, and
another grant under it is refused.

Found by review: ``grant_allowance`` had no key and nothing of its own to tell a retry from a
second purchase, so a clerk's tool that retried after a time-out granted Acme's 10 prepaid hours
for 2024 twice: two allowances, 20 hours Acme never paid for, drawn by its requests before any
overage was billed. Each story runs on a real SQLite file and a PostgreSQL schema, the retry
from an application opened again on it, as a tool's second process would.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from conftest import Reopen
from racing import race

from q2c_core import AllowanceUnit, DuplicateEntry, InvalidValue, Period, QuoteToCash

A = "mia"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
JAN = date(2024, 1, 2)


def acme(app: QuoteToCash, name: str = "Acme") -> UUID:
    return app.register_customer(name, "EUR", account_manager="mia", actor=A)


def grant(app: QuoteToCash, customer: UUID, key: Any = "PO-7 hours", **other: Any) -> UUID:
    details: dict[str, Any] = {
        "unit": AllowanceUnit.HOURS,
        "quantity": 10,
        "period": YEAR,
        "granted_on": JAN,
    }
    details.update(other)
    return app.grant_allowance(customer, actor=A, key=key, **details)


def test_the_same_grant_given_again_returns_the_allowance_it_made(reopen: Reopen) -> None:
    """Mia grants Acme 10 hours for 2024 under the key "PO-7 hours"; her tool loses the
    response and sends it again from another process (the key spaced and capitalised
    otherwise, the hours as "10.00"): one allowance of 10 hours, nothing recorded again."""
    app = reopen()
    cust = acme(app)
    first = grant(app, cust)
    retrying = reopen()
    before = retrying.recorder.max_notification_id()

    again = grant(retrying, cust, key=" po-7  HOURS", quantity="10.00")

    assert again == first
    assert retrying.recorder.max_notification_id() == before
    assert retrying.customer(cust).allowance_ids == [first]
    assert retrying.allowance(first).granted == Decimal(10)


@pytest.mark.parametrize(
    "other",
    [
        {"quantity": 12},
        {"unit": AllowanceUnit.MONEY},
        {"period": Period(date(2025, 1, 1), date(2026, 1, 1))},
        {"granted_on": date(2024, 1, 3)},
        {"currency": "USD"},
    ],
)
def test_another_grant_under_the_same_key_is_refused(app: QuoteToCash, other: Any) -> None:
    """Under "PO-7 hours", which granted 10 hours for 2024 on 2 January, another quantity,
    unit, period, day or currency is refused naming ``key``, and nothing is recorded."""
    cust = acme(app)
    first = grant(app, cust)
    before = app.recorder.max_notification_id()

    with pytest.raises(DuplicateEntry) as refused:
        grant(app, cust, **other)

    assert refused.value.field == "key"
    assert app.recorder.max_notification_id() == before
    assert app.customer(cust).allowance_ids == [first]


def test_a_key_names_a_grant_of_one_customer(app: QuoteToCash) -> None:
    """ "PO-7 hours" of Acme and "PO-7 hours" of Globex are two grants."""
    cust, globex = acme(app), acme(app, "Globex")
    assert grant(app, cust) != grant(app, globex)
    assert len(app.customer(globex).allowance_ids) == 1


def test_without_a_key_each_call_grants_as_before(app: QuoteToCash) -> None:
    """Two purchases of 10 hours for one year, given no key, are two allowances."""
    cust = acme(app)
    grant(app, cust, key=None)
    grant(app, cust, key=None)
    assert len(app.customer(cust).allowance_ids) == 2


@pytest.mark.parametrize("key", ["", "   ", "\u200b", 7, b"PO-7", "4111 1111 1111 1111"])
def test_a_key_that_names_nothing_is_refused(app: QuoteToCash, key: Any) -> None:
    cust = acme(app)
    with pytest.raises(InvalidValue) as refused:
        grant(app, cust, key=key)
    assert refused.value.field == "key"
    assert app.customer(cust).allowance_ids == []


def test_a_retry_racing_the_first_call_grants_once(shared_url: str) -> None:
    """The first call and its retry at one moment in two processes, each having looked before
    either saved: one allowance is granted, both return its id."""
    setup = QuoteToCash.open(shared_url)
    cust = acme(setup)
    returned = race(shared_url, lambda app: grant(app, cust))
    assert len(returned) == 2 and returned[0] == returned[1]
    assert setup.customer(cust).allowance_ids == [returned[0]]
    setup.close()
