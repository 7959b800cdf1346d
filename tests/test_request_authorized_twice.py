"""Authorizing a request's work a second time says it was authorized already.

The export was authorized on 4 March; the PM clicked authorize again on the 6th, and after the
completion. q2c refused both, rightly, saying "a PO or a prepaid allowance must cover it
first" of a request its PO covers: the PM went looking for a PO that was there. The refusal
now says when it was authorized; nothing recorded, the first day kept. A request no PO covers
yet is still told to get one.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_core import Money, QuoteToCash, WorkNotAuthorized

A = "alice"


def test_work_authorized_again_is_refused_saying_when_it_was(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(export, hours=10, rate=Money.of(100, "EUR"), actor=A)
    app.send_quote(export, sent_on=date(2024, 3, 2), actor=A)
    with pytest.raises(WorkNotAuthorized, match="a PO or a prepaid allowance must cover it"):
        app.authorize_work(export, authorized_on=date(2024, 3, 4), actor=A)
    app.receive_purchase_order(
        export, number="PO-1", amount=Money.of(1000, "EUR"), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(export, authorized_on=date(2024, 3, 4), actor=A)

    for then in ("authorized", "completed"):
        if then == "completed":
            app.complete_request(export, completed_on=date(2024, 3, 5), actor=A)
        version = app.request(export).version
        with pytest.raises(WorkNotAuthorized) as again:
            app.authorize_work(export, authorized_on=date(2024, 3, 6), actor=A)
        assert "authorized on 2024-03-04 already" in str(again.value)
        assert "must cover it" not in str(again.value)
        assert again.value.field == "status"
        assert app.request(export).version == version  # nothing recorded
        assert app.request(export).authorized_on == date(2024, 3, 4)
