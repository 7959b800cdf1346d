"""Hours bought on top of an allowance, given again after a lost response, are added once: the
caller names the top-up with a key, the same top-up under it again adds nothing, and another
top-up under it is refused.

Found by review: ``top_up_allowance`` had no key, and two top-ups of 5 hours on one day for one
reason may both be bought, so a clerk's tool that retried after a time-out added Acme's 5 extra
hours twice: 20 hours prepaid where Acme bought 15, and 5 hours of work never billed as
overage. Each story runs on a real SQLite file and a PostgreSQL schema, the retry from an
application opened again on it, as a tool's second process would.
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
FEB = date(2024, 2, 1)


def ten_hours(app: QuoteToCash) -> UUID:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    return app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=YEAR,
        granted_on=date(2024, 1, 1),
        actor=A,
    )


def top_up(app: QuoteToCash, allowance: UUID, key: Any = "PO-9", **other: Any) -> None:
    details: dict[str, Any] = {"quantity": 5, "topped_up_on": FEB, "reason": "PO-9 bought"}
    details.update(other)
    quantity = details.pop("quantity")
    app.top_up_allowance(allowance, quantity, actor=A, key=key, **details)


def test_the_same_top_up_given_again_adds_nothing(reopen: Reopen) -> None:
    """Mia adds the 5 hours of PO-9 to Acme's 10 under the key "PO-9"; her tool loses the
    response and sends it again from another process (the key spelled otherwise, the hours
    as "5.00"): 15 hours, nothing recorded again."""
    app = reopen()
    hours = ten_hours(app)
    top_up(app, hours)
    retrying = reopen()
    before = retrying.recorder.max_notification_id()

    top_up(retrying, hours, key=" po-9", quantity="5.00")

    assert retrying.recorder.max_notification_id() == before
    assert retrying.allowance(hours).granted == Decimal(15)


@pytest.mark.parametrize(
    "other",
    [{"quantity": 6}, {"topped_up_on": date(2024, 2, 2)}, {"reason": "PO-10 bought"}],
)
def test_another_top_up_under_the_same_key_is_refused(app: QuoteToCash, other: Any) -> None:
    """Under "PO-9", which added 5 hours on 1 February, another quantity, day or reason is
    refused naming ``key``, and nothing is recorded."""
    hours = ten_hours(app)
    top_up(app, hours)
    before = app.recorder.max_notification_id()

    with pytest.raises(DuplicateEntry) as refused:
        top_up(app, hours, **other)

    assert refused.value.field == "key"
    assert app.recorder.max_notification_id() == before
    assert app.allowance(hours).granted == Decimal(15)


def test_without_a_key_each_call_adds_as_before(app: QuoteToCash) -> None:
    """Two purchases of 5 hours on one day, given no key, are two top-ups."""
    hours = ten_hours(app)
    top_up(app, hours, key=None)
    top_up(app, hours, key=None)
    assert app.allowance(hours).granted == Decimal(20)


@pytest.mark.parametrize("key", ["", "   ", "\u200b", 7, b"PO-9", "4111 1111 1111 1111"])
def test_a_key_that_names_nothing_is_refused(app: QuoteToCash, key: Any) -> None:
    hours = ten_hours(app)
    with pytest.raises(InvalidValue) as refused:
        top_up(app, hours, key=key)
    assert refused.value.field == "key"
    assert app.allowance(hours).granted == Decimal(10)


def test_a_retry_racing_the_first_call_adds_once(shared_url: str) -> None:
    """The first call and its retry at one moment in two processes, each having looked before
    either saved: 5 hours are added once, and neither call fails."""
    setup = QuoteToCash.open(shared_url)
    hours = ten_hours(setup)
    assert race(shared_url, lambda app: top_up(app, hours)) == [None, None]  # neither fails
    assert setup.allowance(hours).granted == Decimal(15)
    setup.close()
