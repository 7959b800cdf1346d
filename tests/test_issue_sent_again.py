"""An issue sent again after a lost response (same invoice, day and series) is the same issue:
it records nothing and answers the number the invoice took, as a sign-off sent again does,
instead of refusing it ("cannot issue when issued") and leaving the tool without its number.
No number is used twice: the next invoice takes the next. Issued on another day or in another
series, it is still refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from test_invoice_controls import line
from test_story_invoice import D, approve, customer

from q2c_core import InvalidTransition, QuoteToCash


def test_an_issue_sent_again_answers_its_number_and_records_nothing(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    acme = customer(app)
    first = app.draft_invoice(acme, [line()], drafted_on=D, actor="billy")
    approve(app, first)
    assert app.issue_invoice(first, issued_on=D, actor="bea") == "INV-000001"
    before = app.recorder.max_notification_id()
    assert app.issue_invoice(first, issued_on=D, actor="bea") == "INV-000001"
    assert app.issue_invoice(first, issued_on=D, actor="bea", series="INV") == "INV-000001"
    assert app.recorder.max_notification_id() == before
    with pytest.raises(InvalidTransition) as refused:
        app.issue_invoice(first, issued_on=D + timedelta(days=1), actor="bea")
    assert refused.value.field == "status"
    assert app.recorder.max_notification_id() == before

    second = app.draft_invoice(acme, [line()], drafted_on=D, actor="billy")
    approve(app, second)
    assert app.issue_invoice(second, issued_on=D, actor="bea") == "INV-000002"
