"""A request opened for a contract names a contract of its customer.

Paul opened the "Export to CSV" request for Acme's maintenance contract MC-1, pasting the
contract's id; the next request he pasted Acme's customer id by mistake, and the third one
Globex's contract. All three were recorded: the unbilled report by contract then listed the
first request's work under a "contract" that is a customer (a raw id with no number), and the
third one's under Globex's MC-9, so Globex's account manager was asked about Acme's work.

A contract id that names no contract is ``NotFound`` naming ``contract_id``, and one naming
another customer's contract is ``RuleViolated`` naming ``contract_id``; nothing is recorded."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from q2c_core import BillingFrequency, NotFound, Period, QuoteToCash, RuleViolated

A = "pm-paul"
TERM = Period(date(2024, 1, 1), date(2025, 1, 1))


def customers_with_contracts(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    globex = app.register_customer("Globex", "EUR", account_manager="bob", actor=A)
    app.sign_contract(
        acme,
        number="MC-1",
        term=TERM,
        frequency=BillingFrequency.ANNUAL,
        signed_on=TERM.start,
        actor=A,
    )
    mc9 = app.sign_contract(
        globex,
        number="MC-9",
        term=TERM,
        frequency=BillingFrequency.ANNUAL,
        signed_on=TERM.start,
        actor=A,
    )
    return acme, globex, mc9


def test_a_request_for_one_of_its_customers_contracts_is_opened(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    mc1 = app.sign_contract(
        acme,
        number="MC-1",
        term=TERM,
        frequency=BillingFrequency.ANNUAL,
        signed_on=TERM.start,
        actor=A,
    )
    request = app.open_request(
        acme, "Export to CSV", requested_on=date(2024, 3, 1), contract_id=mc1, actor=A
    )
    assert app.request(request).contract_id == mc1


def test_a_contract_id_naming_no_contract_is_refused(app: QuoteToCash) -> None:
    acme, _, _ = customers_with_contracts(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(NotFound) as refused:
        app.open_request(
            acme, "Export to CSV", requested_on=date(2024, 3, 1), contract_id=acme, actor=A
        )
    assert refused.value.field == "contract_id"
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).request_ids == []


def test_another_customers_contract_is_refused(app: QuoteToCash) -> None:
    acme, _, mc9 = customers_with_contracts(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.open_request(
            acme, "Export to CSV", requested_on=date(2024, 3, 1), contract_id=mc9, actor=A
        )
    assert refused.value.field == "contract_id"
    assert app.recorder.max_notification_id() == before
