"""Work of a few seconds is not work logged, whichever way it reaches a request.

A PSA export holds stopwatch slips: 0.0003 h (one second a tracker ran by mistake). The CSV
importer refused them ("less than a hundredth of an hour (36 seconds): not work logged"), but
the same entry handed to ``log_work`` or ``import_work`` by a script was recorded: the
request's invoice then billed "bob 2024-03-05, 0.0003 h, no charge", a line the customer asks
about, and the review meeting counted an entry of work nobody did. Any new time entry of less
than 0.01 h is now refused, ``InvalidValue`` naming ``hours``, nothing recorded, as the
importer refuses it; 0.01 h (36 seconds) and more is recorded as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import InvalidValue, Money, QuoteToCash, TimeEntry

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def authorized_export(app: QuoteToCash) -> UUID:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    app.send_quote(export, sent_on=day(2), actor="billy")
    app.receive_purchase_order(
        export, number="PO-1", amount=eur(1000), received_on=day(3), actor="billy"
    )
    app.authorize_work(export, authorized_on=day(4), actor=A)
    return export


@pytest.mark.parametrize("hours", ["0.0003", "0.009", "1E-30"])
def test_a_stopwatch_slip_is_refused_by_every_command_nothing_recorded(
    app_factory: Callable[[], QuoteToCash], hours: str
) -> None:
    app = app_factory()
    export = authorized_export(app)
    slip = Decimal(hours)
    for record in (
        # authorized work, logged by hand or imported
        lambda: app.log_work(export, TimeEntry("t1", "bob", day(5), slip, eur(100)), actor=A),
        lambda: app.import_work(
            export, TimeEntry("t1", "bob", day(5), slip, eur(100)), source="psa", actor=A
        ),
        # imported for a day before the work was authorized: unauthorized work
        lambda: app.import_work(
            export, TimeEntry("t1", "bob", day(3), slip, eur(100)), source="psa", actor=A
        ),
    ):
        with pytest.raises(InvalidValue) as refused:
            record()
        assert refused.value.field == "hours"
        assert refused.value.aggregate_id == export
    assert app.request(export).work == []


def test_thirty_six_seconds_is_work_and_is_billed(app_factory: Callable[[], QuoteToCash]) -> None:
    app = app_factory()
    export = authorized_export(app)
    app.log_work(export, TimeEntry("t1", "bob", day(5), Decimal("0.01"), eur(100)), actor=A)
    app.complete_request(export, completed_on=day(6), actor=A)
    invoice = app.invoice(app.draft_request_invoice(export, drafted_on=day(7), actor="bea"))
    assert invoice.total == eur(1)
