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
from decimal import Decimal

import pytest
from test_request_work_of_the_wrong_kind import A, authorized_export, day, eur

from q2c_core import InvalidValue, QuoteToCash, TimeEntry


@pytest.mark.parametrize("hours", ["0.0003", "0.009", "1E-30"])
def test_a_stopwatch_slip_is_refused_by_every_command_nothing_recorded(
    app_factory: Callable[[], QuoteToCash], hours: str
) -> None:
    app = app_factory()
    export = authorized_export(app, with_work=False)
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
    export = authorized_export(app, with_work=False)
    app.log_work(export, TimeEntry("t1", "bob", day(5), Decimal("0.01"), eur(100)), actor=A)
    app.complete_request(export, completed_on=day(6), actor=A)
    invoice = app.invoice(app.draft_request_invoice(export, drafted_on=day(7), actor="bea"))
    assert invoice.total == eur(1)
