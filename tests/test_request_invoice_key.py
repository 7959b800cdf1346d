"""A request's invoice drafted by a tool that may retry after a lost response names itself with a
key, as a hand-made draft or a deposit does: the same draft given again under it (same request
and day) records nothing and returns the invoice it made, instead of refusing it as "nothing
billable is left" and leaving the tool without the invoice's id; another draft of the customer
under the key is refused (``DuplicateEntry`` naming ``key``), nothing recorded. The work is
billed once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from test_story_invoice import D, customer, eur, worked_request

from q2c_core import DuplicateEntry, InvalidTransition, InvalidValue, QuoteToCash


def test_a_request_invoice_drafted_again_under_its_key_is_the_same_draft(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    acme = customer(app)
    export = worked_request(app, acme)
    other = worked_request(app, acme)
    draft = app.draft_request_invoice(export, drafted_on=D, actor="billy", key="RUN-7")
    before = app.recorder.max_notification_id()
    assert app.draft_request_invoice(export, drafted_on=D, actor="billy", key="RUN-7") == draft
    assert app.recorder.max_notification_id() == before
    for request, day in ((export, D + timedelta(days=1)), (other, D)):
        with pytest.raises(DuplicateEntry) as refused:
            app.draft_request_invoice(request, drafted_on=day, actor="billy", key="RUN-7")
        assert refused.value.field == "key"
    with pytest.raises(InvalidValue) as blank:
        app.draft_request_invoice(other, drafted_on=D, actor="billy", key=" ")
    assert blank.value.field == "key"
    assert app.recorder.max_notification_id() == before
    # without a key, a second call is refused: its work is billed
    with pytest.raises(InvalidTransition) as billed:
        app.draft_request_invoice(export, drafted_on=D, actor="billy")
    assert billed.value.field == "status"  # (invoiced)
    assert app.invoice(draft).net == eur(950)
    assert app.unbilled_work(export) == eur(0)
    assert app.draft_request_invoice(other, drafted_on=D, actor="billy", key="RUN-8") != draft
