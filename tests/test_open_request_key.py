"""A client's request logged again after a lost response is opened once: the caller names it with
a key (the ticket's id in the client's PSA), the same request under it again returns the one it
opened, and another request under it is refused.

Left alone at the last stop, then taken up: ``open_request`` had no key, so a PSA bridge that
retried after a time-out opened Acme's "Export to DATEV" twice. The second, empty request stood
on the review meeting's agenda and the awaiting-PO list beside the real one, and Mia chased the
client for a purchase order of a request that was never asked for twice. Each story runs on a
real SQLite file and a PostgreSQL schema, the retry from an application opened again on it, as a
bridge's second process would.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest
from conftest import Reopen
from racing import race

from q2c_core import DuplicateEntry, InvalidValue, QuoteToCash

A = "mia"
ASKED = date(2024, 3, 4)


def acme(app: QuoteToCash, name: str = "Acme") -> UUID:
    return app.register_customer(name, "EUR", account_manager="mia", actor=A)


def ask(app: QuoteToCash, customer: UUID, key: Any = "TCK-1042", **other: Any) -> UUID:
    details: dict[str, Any] = {
        "title": "Export to DATEV",
        "requested_on": ASKED,
        "product_area": "exports",
        "description": "Monthly export of posted invoices",
    }
    details.update(other)
    return app.open_request(customer, actor=A, key=key, **details)


def test_the_same_request_given_again_returns_the_one_it_opened(reopen: Reopen) -> None:
    """The bridge logs Acme's ticket TCK-1042 and loses the response; it sends it again from
    another process (the key spaced and in small letters): one request, nothing recorded
    again."""
    app = reopen()
    cust = acme(app)
    first = ask(app, cust)
    retrying = reopen()
    before = retrying.recorder.max_notification_id()

    again = ask(retrying, cust, key=" tck-1042 ")

    assert again == first
    assert retrying.recorder.max_notification_id() == before
    assert retrying.customer(cust).request_ids == [first]
    assert retrying.request(first).title == "Export to DATEV"


@pytest.mark.parametrize(
    "other",
    [
        {"title": "Export to Lexware"},
        {"requested_on": date(2024, 3, 5)},
        {"product_area": "reports"},
        {"description": "Weekly export"},
        {"account_manager": "max"},
    ],
)
def test_another_request_under_the_same_key_is_refused(app: QuoteToCash, other: Any) -> None:
    """Under TCK-1042, which opened "Export to DATEV" on 4 March, another title, day, product
    area, description or manager is refused naming ``key`` and what differs; nothing is
    recorded."""
    cust = acme(app)
    first = ask(app, cust)
    before = app.recorder.max_notification_id()

    with pytest.raises(DuplicateEntry) as refused:
        ask(app, cust, **other)

    assert refused.value.field == "key"
    (differs,) = other
    assert differs in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.customer(cust).request_ids == [first]


def test_a_key_names_a_request_of_one_customer(app: QuoteToCash) -> None:
    """TCK-1042 of Acme and TCK-1042 of Globex (two clients' PSAs) are two requests."""
    cust, globex = acme(app), acme(app, "Globex")
    assert ask(app, cust) != ask(app, globex)
    assert len(app.customer(globex).request_ids) == 1


def test_without_a_key_each_call_opens_a_request_as_before(app: QuoteToCash) -> None:
    cust = acme(app)
    ask(app, cust, key=None)
    ask(app, cust, key=None)
    assert len(app.customer(cust).request_ids) == 2


@pytest.mark.parametrize("key", ["", "   ", "\u200b", 7, b"TCK-1", "4111 1111 1111 1111"])
def test_a_key_that_names_nothing_is_refused(app: QuoteToCash, key: Any) -> None:
    cust = acme(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        ask(app, cust, key=key)
    assert refused.value.field == "key"
    assert app.recorder.max_notification_id() == before


def test_the_request_is_checked_before_its_key(app: QuoteToCash) -> None:
    """A retry with no title is refused naming ``title``, not answered by the key."""
    cust = acme(app)
    ask(app, cust)
    with pytest.raises(InvalidValue) as refused:
        ask(app, cust, title="  ")
    assert refused.value.field == "title"
    with pytest.raises(InvalidValue) as no_actor:
        app.open_request(cust, "Export to DATEV", requested_on=ASKED, actor=" ", key="TCK-1042")
    assert no_actor.value.field == "actor"


def test_a_retry_racing_the_first_call_opens_once(shared_url: str) -> None:
    """The first call and its retry at one moment in two processes, each having looked before
    either saved: one request is opened, both return its id."""
    setup = QuoteToCash.open(shared_url)
    cust = acme(setup)
    returned = race(shared_url, lambda app: ask(app, cust))
    assert len(returned) == 2 and returned[0] == returned[1]
    assert setup.customer(cust).request_ids == [returned[0]]
    setup.close()
