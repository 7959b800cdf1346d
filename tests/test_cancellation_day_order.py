"""A request is cancelled no earlier than the turns it already took.

Acme is quoted "Export" on 1 March and sends PO-1 on 10 March. A cancellation typed as 5 March
was accepted: the request read as cancelled five days before its PO arrived, and the follow-up
list for 7 March showed the quote as still waiting for a PO (6 days old), two days after it was
cancelled. The same went for a cancellation dated before the quote was sent, or before the work
was authorized. Now each is refused (``RuleViolated`` naming ``cancelled_on``, nothing
recorded), as a PO dated before its quote is. A history recorded before the rule still loads,
and the list no longer shows such a quote as waiting from its cancellation day on.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from q2c_core import Money, QuoteToCash, RequestStatus, TaxRate
from q2c_core.domain.enhancement_request import EnhancementRequest
from q2c_core.domain.errors import RuleViolated
from q2c_core.projections import AwaitingPurchaseOrder, catch_up, rebuild

A = "alice"


def d(day: int) -> date:
    return date(2024, 3, day)


def eur(amount: int) -> Money:
    return Money.of(amount, "EUR")


def open_app(tmp_path: Path) -> QuoteToCash:
    return QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")


def export(app: QuoteToCash, *, quoted_on: int | None = None) -> UUID:
    """Acme's export, asked for on 1 March and estimated at 10 hours of 100.00 (quoted on
    ``quoted_on`` when given)."""
    c = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    r = app.open_request(c, "Export", requested_on=d(1), actor=A)
    app.estimate_request(r, hours=10, rate=eur(100), actor=A)
    if quoted_on is not None:
        app.send_quote(r, sent_on=d(quoted_on), actor=A)
    return r


def refused_cancellation(app: QuoteToCash, r: UUID, on: int, what: str) -> None:
    """Cancelling ``r`` on ``on`` March is refused, naming ``cancelled_on`` and ``what`` it
    would come before; nothing is recorded and the request stands as it was."""
    status = app.request(r).status
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.cancel_request(r, reason="budget cut", cancelled_on=d(on), actor=A)
    assert refused.value.field == "cancelled_on" and refused.value.aggregate_id == r
    assert what in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.request(r).status is status


def test_a_cancellation_before_the_po_arrived_is_refused(tmp_path: Path) -> None:
    app = open_app(tmp_path)
    r = export(app, quoted_on=1)
    app.receive_purchase_order(r, number="PO-1", amount=eur(1000), received_on=d(10), actor=A)

    refused_cancellation(app, r, 5, "2024-03-05 is before the PO arrived (2024-03-10)")

    book = AwaitingPurchaseOrder()
    catch_up(app, [book])
    assert [(q.title, q.age_days) for q in book.awaiting(d(7))] == [("Export", 6)]
    assert book.awaiting(d(10)) == []

    app.cancel_request(r, reason="budget cut", cancelled_on=d(10), actor=A)
    assert app.request(r).status is RequestStatus.CANCELLED


def test_a_cancellation_before_the_quote_was_sent_is_refused(tmp_path: Path) -> None:
    app = open_app(tmp_path)
    r = export(app, quoted_on=10)

    refused_cancellation(app, r, 5, "2024-03-05 is before the quote was sent (2024-03-10)")

    app.cancel_request(r, reason="budget cut", cancelled_on=d(12), actor=A)
    book = AwaitingPurchaseOrder()
    catch_up(app, [book])
    assert [(q.title, q.age_days) for q in book.awaiting(d(11))] == [("Export", 1)]
    assert book.awaiting(d(12)) == []


def test_a_cancellation_before_the_work_was_authorized_is_refused(tmp_path: Path) -> None:
    app = open_app(tmp_path)
    r = export(app, quoted_on=1)
    app.receive_purchase_order(r, number="PO-1", amount=eur(1000), received_on=d(3), actor=A)
    app.authorize_work(r, authorized_on=d(8), actor=A)

    refused_cancellation(app, r, 5, "2024-03-05 is before the work was authorized (2024-03-08)")

    app.cancel_request(r, reason="budget cut", cancelled_on=d(8), actor=A)
    assert app.request(r).cancelled_on == d(8)


def test_a_cancellation_recorded_before_the_rule_still_loads_and_ends_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A history that recorded a cancellation on 5 March for a request whose PO arrived on
    10 March reads back as recorded; the quote is not listed as waiting from 5 March on."""
    app = open_app(tmp_path)
    r = export(app, quoted_on=1)
    app.receive_purchase_order(r, number="PO-1", amount=eur(1000), received_on=d(10), actor=A)
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(EnhancementRequest, "DAY_ORDER", {})
        app.cancel_request(r, reason="budget cut", cancelled_on=d(5), actor=A)
    app.close()

    again = open_app(tmp_path)
    request = again.request(r)
    assert request.status is RequestStatus.CANCELLED and request.cancelled_on == d(5)

    followed, rebuilt = AwaitingPurchaseOrder(), AwaitingPurchaseOrder()
    catch_up(again, [followed], page_size=1)
    rebuild(again, [rebuilt])
    assert followed.rows() == rebuilt.rows()
    assert [(q.title, q.age_days) for q in rebuilt.awaiting(d(4))] == [("Export", 3)]
    assert rebuilt.awaiting(d(5)) == []
    assert rebuilt.awaiting(d(7)) == []
    assert rebuilt.awaiting(d(12)) == []


def test_work_covered_by_an_allowance_is_not_authorized_before_its_quote_was_sent(
    tmp_path: Path,
) -> None:
    """Export, quoted on 10 March, is covered by Acme's prepaid hours: authorizing its work
    on 5 March is refused (``RuleViolated`` naming ``authorized_on``, nothing recorded), as
    work behind a PO cannot start before the PO; on 10 March it is authorized."""
    from q2c_core import AllowanceUnit, Period

    app = open_app(tmp_path)
    r = export(app, quoted_on=10)
    hours = app.grant_allowance(
        app.request(r).customer_id,
        unit=AllowanceUnit.HOURS,
        quantity=40,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    app.cover_request_by_allowance(r, hours, actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.authorize_work(r, authorized_on=d(5), actor=A)
    assert refused.value.field == "authorized_on" and "quote was sent" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.request(r).status is RequestStatus.COVERED_BY_ALLOWANCE
    app.authorize_work(r, authorized_on=d(10), actor=A)
    assert app.request(r).status is RequestStatus.AUTHORIZED
    app.close()
