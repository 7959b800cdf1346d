"""A deposit invoice (or an invoice of hand-made lines) drafted again after a lost response is
drafted once: the caller names the draft with a key, the same draft under it again returns the
invoice it made, and another draft under it is refused.

Found by review: ``draft_deposit_invoice`` and ``draft_invoice`` had no key, and a manual line
or a deposit holds nothing that marks it billed, so a clerk's tool that retried after a
time-out drafted Acme's 3,000.00 down payment twice: two deposit invoices, both approved and
issued by the next run of the sign-off list, Acme asked for 6,000.00. (A line billing a
request's time entry, expense or fixed price was refused the second time already: the item is
billed.) Each story runs on a real SQLite file and a PostgreSQL schema, the retry from an
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

from q2c_core import (
    ZERO_RATED,
    DuplicateEntry,
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TimeEntry,
)

A = "bea"
D = date(2024, 3, 4)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def acme(app: QuoteToCash, name: str = "Acme") -> UUID:
    return app.register_customer(name, "EUR", account_manager="mia", actor=A)


def deposit(app: QuoteToCash, customer: UUID, key: Any = "DEP-1", **other: Any) -> UUID:
    details: dict[str, Any] = {"description": "Down payment, new portal", "drafted_on": D}
    details.update(other)
    amount = details.pop("amount", eur(3000))
    return app.draft_deposit_invoice(customer, amount, actor=A, key=key, **details)


def setup_line(amount: str = "450.00", line_id: str = "L1") -> InvoiceLine:
    return InvoiceLine(
        line_id=line_id,
        description="Set-up of the portal",
        quantity=Decimal(1),
        unit_price=eur(amount),
        tax=ZERO_RATED,
        source=LineSource(SourceKind.MANUAL, note="agreed by phone"),
    )


def test_the_same_deposit_drafted_again_returns_the_invoice_it_made(reopen: Reopen) -> None:
    """Bea drafts Acme's 3,000.00 down payment under the key "DEP-1"; her tool loses the
    response and sends it again from another process (the key spelled otherwise): one
    deposit invoice, nothing recorded again."""
    app = reopen()
    cust = acme(app)
    first = deposit(app, cust)
    retrying = reopen()
    before = retrying.recorder.max_notification_id()

    again = deposit(retrying, cust, key=" dep-1", amount=eur("3000.00"))

    assert again == first
    assert retrying.recorder.max_notification_id() == before
    assert [i.id for i in retrying.invoices(cust)] == [first]


def test_the_same_hand_made_invoice_drafted_again_returns_it(reopen: Reopen) -> None:
    """A set-up fee of 450.00 billed by hand under "SETUP-1", sent again from another
    process: one draft."""
    app = reopen()
    cust = acme(app)
    first = app.draft_invoice(cust, [setup_line()], drafted_on=D, actor=A, key="SETUP-1")
    retrying = reopen()
    before = retrying.recorder.max_notification_id()

    again = retrying.draft_invoice(cust, [setup_line()], drafted_on=D, actor=A, key="SETUP-1")

    assert again == first
    assert retrying.recorder.max_notification_id() == before
    assert [i.id for i in retrying.invoices(cust)] == [first]


@pytest.mark.parametrize(
    "other",
    [
        {"amount": eur(3500)},
        {"amount": Money.of(3000, "USD")},
        {"drafted_on": date(2024, 3, 5)},
        {"description": "Down payment, old portal"},
    ],
)
def test_another_deposit_under_the_same_key_is_refused(app: QuoteToCash, other: Any) -> None:
    """Under "DEP-1", which drafted 3,000.00 EUR on 4 March, another amount, currency, day or
    description is refused naming ``key``, and nothing is recorded."""
    cust = acme(app)
    first = deposit(app, cust)
    before = app.recorder.max_notification_id()

    with pytest.raises(DuplicateEntry) as refused:
        deposit(app, cust, **other)

    assert refused.value.field == "key"
    assert app.recorder.max_notification_id() == before
    assert [i.id for i in app.invoices(cust)] == [first]


def test_other_lines_under_the_same_key_are_refused(app: QuoteToCash) -> None:
    cust = acme(app)
    app.draft_invoice(cust, [setup_line()], drafted_on=D, actor=A, key="SETUP-1")
    for lines in ([setup_line("500.00")], [setup_line(), setup_line(line_id="L2")]):
        with pytest.raises(DuplicateEntry) as refused:
            app.draft_invoice(cust, lines, drafted_on=D, actor=A, key="SETUP-1")
        assert refused.value.field == "key"
    with pytest.raises(DuplicateEntry):
        app.draft_invoice(
            cust, [setup_line()], drafted_on=D, actor=A, key="SETUP-1", note="second site"
        )
    assert len(app.invoices(cust)) == 1


def test_a_key_names_a_draft_of_one_customer(app: QuoteToCash) -> None:
    cust, globex = acme(app), acme(app, "Globex")
    assert deposit(app, cust) != deposit(app, globex)
    assert len(app.invoices(globex)) == 1


def test_without_a_key_each_call_drafts_as_before(app: QuoteToCash) -> None:
    """Two down payments of 3,000.00 on one day (two phases), given no key, are two drafts."""
    cust = acme(app)
    deposit(app, cust, key=None)
    deposit(app, cust, key=None)
    assert len(app.invoices(cust)) == 2


@pytest.mark.parametrize("key", ["", "   ", "\u200b", 7, b"DEP-1", "4111 1111 1111 1111"])
def test_a_key_that_names_nothing_is_refused(app: QuoteToCash, key: Any) -> None:
    cust = acme(app)
    with pytest.raises(InvalidValue) as refused:
        deposit(app, cust, key=key)
    assert refused.value.field == "key"
    with pytest.raises(InvalidValue) as refused:
        app.draft_invoice(cust, [setup_line()], drafted_on=D, actor=A, key=key)
    assert refused.value.field == "key"
    assert app.invoices(cust) == []


def test_a_retry_racing_the_first_call_drafts_once(shared_url: str) -> None:
    """The first call and its retry at one moment in two processes, each having looked before
    either saved: one deposit invoice, both return its id."""
    setup = QuoteToCash.open(shared_url)
    cust = acme(setup)
    returned = race(shared_url, lambda app: deposit(app, cust))
    assert len(returned) == 2 and returned[0] == returned[1]
    assert [i.id for i in setup.invoices(cust)] == [returned[0]]
    setup.close()


def test_a_hand_made_invoice_of_logged_hours_retried_under_its_key_answers_too(
    reopen: Reopen,
) -> None:
    """Bob's 2 hours billed by hand under "WORK-1": sent again, the call was refused (the
    hours are billed, by that very invoice), so the tool reported a failure for a draft that
    was made. Under its key it returns the invoice, nothing recorded."""
    app = reopen()
    cust = acme(app)
    req = app.open_request(cust, "Portal", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(req, hours=10, rate=eur(100), actor=A)
    app.send_quote(req, sent_on=date(2024, 3, 1), actor=A)
    app.receive_purchase_order(
        req, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 1), actor=A
    )
    app.authorize_work(req, authorized_on=date(2024, 3, 1), actor=A)
    app.log_work(req, TimeEntry("t1", "bob", date(2024, 3, 2), Decimal(2), eur(100)), actor=A)
    hours = InvoiceLine(
        line_id="L1",
        description="Portal: 2 hours",
        quantity=Decimal(2),
        unit_price=eur(100),
        tax=ZERO_RATED,
        source=LineSource(SourceKind.WORK, request_id=req, time_entry_ids=("t1",)),
    )
    first = app.draft_invoice(cust, [hours], drafted_on=D, actor=A, key="WORK-1")
    retrying = reopen()
    before = retrying.recorder.max_notification_id()

    again = retrying.draft_invoice(cust, [hours], drafted_on=D, actor=A, key="WORK-1")

    assert again == first
    assert retrying.recorder.max_notification_id() == before
