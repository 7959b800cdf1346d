"""A fixed price is billed as agreed, never drawn on prepaid hours: a request whose estimate is
a fixed price cannot be covered by a prepaid allowance, and a request an allowance covers cannot
be given a fixed price. Otherwise its work would be paid for twice (the prepaid hours it
consumes and the whole price), with overage on top. A history that recorded the combination
before the rule still loads and reads as it did."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from q2c_core import (
    AllowanceUnit,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    RuleViolated,
    TimeEntry,
)

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def prepaid(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme prepaid 5 hours for 2024. Returns (customer, allowance)."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    allowance = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=5,
        period=YEAR,
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    return acme, allowance


def test_a_fixed_price_request_is_not_covered_by_prepaid_hours(app: QuoteToCash) -> None:
    """The export is agreed at 1,000.00: billed as agreed, it cannot draw Acme's prepaid hours.
    Nothing is recorded; a PO covers it instead."""
    acme, allowance = prepaid(app)
    export = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(export, fixed_price=eur(1000), actor=A)
    head = app.recorder.max_notification_id()

    with pytest.raises(RuleViolated) as refused:
        app.cover_request_by_allowance(export, allowance, actor=A)

    assert refused.value.field == "allowance_id"
    assert "fixed price" in str(refused.value) and "billed as agreed" in str(refused.value)
    assert app.recorder.max_notification_id() == head
    request = app.request(export)
    assert (request.status, request.allowance_id) == (RequestStatus.ESTIMATED, None)

    app.send_quote(export, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        export, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(export, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(
        export, TimeEntry("t1", "bob", date(2024, 3, 5), Decimal(8), eur(100)), actor="bob"
    )
    app.complete_request(export, completed_on=date(2024, 3, 8), actor=A)
    assert app.allowance(allowance).consumed == 0
    invoice = app.draft_request_invoice(export, drafted_on=date(2024, 3, 9), actor="billy")
    assert app.invoice(invoice).net == eur(1000)  # the price, once


def test_a_covered_request_is_not_given_a_fixed_price(app: QuoteToCash) -> None:
    """The tweak is estimated at 8 hours and drawn on the prepaid hours: re-estimating it at a
    fixed price is refused naming the price, and its estimate stays 8 hours."""
    acme, allowance = prepaid(app)
    tweak = app.open_request(acme, "Tweak", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(tweak, hours=8, rate=eur(100), actor=A)
    app.cover_request_by_allowance(tweak, allowance, actor=A)
    head = app.recorder.max_notification_id()

    with pytest.raises(RuleViolated) as refused:
        app.estimate_request(tweak, fixed_price=eur(800), actor=A)

    assert refused.value.field == "estimate.fixed_price"
    assert app.recorder.max_notification_id() == head
    request = app.request(tweak)
    assert request.estimate is not None and not request.estimate.is_fixed_price
    assert request.status is RequestStatus.COVERED_BY_ALLOWANCE


def test_a_fixed_price_covered_before_the_rule_still_reads_as_recorded(tmp_path: Path) -> None:
    """Recorded before the rule (the event, without the command's check): the request loads,
    covered by the allowance, and is billed as it was then (the price and 3 hours beyond the
    5 prepaid)."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme, allowance = prepaid(app)
    export = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(export, fixed_price=eur(1000), actor=A)
    request = app.request(export)
    request._covered_by_allowance(allowance, A)
    app.save(request)
    app.close()

    app = QuoteToCash.open(url)
    try:
        assert app.request(export).allowance_id == allowance
        app.authorize_work(export, authorized_on=date(2024, 3, 4), actor=A)
        app.log_work(
            export, TimeEntry("t1", "bob", date(2024, 3, 5), Decimal(8), eur(100)), actor="bob"
        )
        app.complete_request(export, completed_on=date(2024, 3, 8), actor=A)
        assert app.unbilled_work(export) == eur(1300)
    finally:
        app.close()
