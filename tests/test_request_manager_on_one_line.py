"""Pete opens a request for Acme naming its manager "Mia" pasted from a spreadsheet cell, with
its line break. As at registration and at a handover, the manager must be one line: refused
with InvalidValue naming account_manager, nothing recorded (reports show a manager by the first
spelling recorded, so "Mia<line break>" would break every row of hers)."""

from __future__ import annotations

from datetime import date

import pytest

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("manager", ["Mia\n", "b\nc", "Mia\r", "Mia\u2028"])
def test_a_request_for_a_manager_over_two_lines_is_refused(manager: str) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.open_request(
            acme, "Tweaks", requested_on=date(2024, 3, 1), actor="pete", account_manager=manager
        )
    assert refused.value.field == "account_manager"
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).request_ids == []
