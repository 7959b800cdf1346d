"""A request's step sent again after a lost response (the same quote day, the same PO, the same
authorization, completion, decline or cancellation) is the same step: it records nothing and is
not refused, as a sign-off, an issue or a void sent again is. The PSA bridge that lost the
answer to "authorize 4 March" asked again and was told the work "was authorized on 2024-03-04
already", and stopped. Another day, another PO or another reason is still refused, naming the
field it named before, and nothing is recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from test_story_invoice import customer, eur

from q2c_core import AllowanceUnit, Period, QuoteToCash, RequestStatus, TimeEntry

MARCH = [date(2024, 3, d) for d in range(32)[1:]]  # MARCH[0] is 1 March


def _again(app: QuoteToCash, command: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    before = app.recorder.max_notification_id()
    command(*args, **kwargs)
    assert app.recorder.max_notification_id() == before, command.__name__


def _refused(app: QuoteToCash, field: str, command: Callable[..., Any], **kwargs: Any) -> None:
    before = app.recorder.max_notification_id()
    with pytest.raises(Exception) as refused:
        command(**kwargs)
    assert getattr(refused.value, "field", None) == field, (command.__name__, kwargs)
    assert app.recorder.max_notification_id() == before


def test_each_step_of_an_hourly_request_sent_again_records_nothing(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    acme = customer(app)
    export = app.open_request(acme, "Export", requested_on=MARCH[0], actor="al")
    app.estimate_request(export, hours=10, rate=eur(100), actor="al")

    def quote(**kw: Any) -> None:
        app.send_quote(export, actor="al", **kw)

    quote(sent_on=MARCH[1])
    _again(app, quote, sent_on=MARCH[1])
    _refused(app, "status", quote, sent_on=MARCH[2])

    po = {"number": "PO-1", "amount": eur(1000), "received_on": MARCH[2]}

    def receive(**kw: Any) -> None:
        app.receive_purchase_order(export, actor="al", **kw)

    receive(**po)
    _again(app, receive, **po)
    _refused(app, "status", receive, **{**po, "number": "PO-2"})
    _refused(app, "status", receive, **{**po, "amount": eur(1200)})

    def authorize(**kw: Any) -> None:
        app.authorize_work(export, actor="al", **kw)

    authorize(authorized_on=MARCH[3], due_on=MARCH[20])
    _again(app, authorize, authorized_on=MARCH[3], due_on=MARCH[20])
    _refused(app, "status", authorize, authorized_on=MARCH[4], due_on=MARCH[20])
    _refused(app, "status", authorize, authorized_on=MARCH[3])
    _again(app, quote, sent_on=MARCH[1])  # (a late retry of an earlier step too)

    app.log_work(export, TimeEntry("t1", "bob", MARCH[4], Decimal(4), eur(100)), actor="bob")

    def complete(**kw: Any) -> None:
        app.complete_request(export, actor="al", **kw)

    complete(completed_on=MARCH[5])
    _again(app, complete, completed_on=MARCH[5])
    _refused(app, "status", complete, completed_on=MARCH[6])
    _again(app, authorize, authorized_on=MARCH[3], due_on=MARCH[20])
    invoice = app.draft_request_invoice(export, drafted_on=MARCH[6], actor="billy")
    assert app.request(export).status is RequestStatus.INVOICED
    _again(app, complete, completed_on=MARCH[5])
    assert app.request(export).status is RequestStatus.INVOICED
    assert [ln.net for ln in app.invoice(invoice).lines] == [eur(400)]


def test_a_decline_or_a_cancellation_sent_again_records_nothing(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    acme = customer(app)
    declined = app.open_request(acme, "Export", requested_on=MARCH[0], actor="al")
    app.estimate_request(declined, hours=10, rate=eur(100), actor="al")

    def decline(**kw: Any) -> None:
        app.decline_request(declined, actor="al", **kw)

    decline(reason="too dear")
    _again(app, decline, reason="too dear")
    _refused(app, "status", decline, reason="no budget")

    cancelled = app.open_request(acme, "Import", requested_on=MARCH[0], actor="al")

    def cancel(**kw: Any) -> None:
        app.cancel_request(cancelled, actor="al", **kw)

    cancel(reason="merged into Export", cancelled_on=MARCH[2])
    _again(app, cancel, reason="merged into Export", cancelled_on=MARCH[2])
    _refused(app, "status", cancel, reason="merged into Export", cancelled_on=MARCH[3])
    _refused(app, "status", cancel, reason="another", cancelled_on=MARCH[2])
    assert app.request(cancelled).cancelled_on == MARCH[2]


def test_a_cover_by_an_allowance_sent_again_records_nothing(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    acme = customer(app)
    hours = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=Decimal(10),
        period=Period(MARCH[0], date(2024, 12, 31)),
        granted_on=MARCH[0],
        actor="al",
    )
    more = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=Decimal(5),
        period=Period(MARCH[0], date(2024, 12, 31)),
        granted_on=MARCH[0],
        actor="al",
    )
    report = app.open_request(acme, "Report", requested_on=MARCH[0], actor="al")
    app.estimate_request(report, hours=4, rate=eur(100), actor="al")
    app.send_quote(report, sent_on=MARCH[1], actor="al")
    app.cover_request_by_allowance(report, hours, actor="al")
    _again(app, app.cover_request_by_allowance, report, hours, actor="al")

    def cover(**kw: Any) -> None:
        app.cover_request_by_allowance(report, actor="al", **kw)

    _refused(app, "status", cover, allowance_id=more)
    app.authorize_work(report, authorized_on=MARCH[2], actor="al")
    _again(app, app.cover_request_by_allowance, report, hours, actor="al")
    assert app.request(report).allowance_id == hours
