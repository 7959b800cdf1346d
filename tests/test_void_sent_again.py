"""A void sent again after a lost response (same invoice, reason and day) is the same void: it
records nothing and ``void_invoice`` returns False, as a sign-off or an issue sent again does,
instead of refusing it ("cannot void when voided"). The work the draft held is given back once:
billed once by the next invoice. Another day or another reason is still refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from test_story_invoice import D, customer, eur, worked_request

from q2c_core import InvalidTransition, InvoiceStatus, QuoteToCash


def test_a_void_sent_again_records_nothing_and_gives_the_work_back_once(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    acme = customer(app)
    request = worked_request(app, acme)
    draft = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    assert app.void_invoice(draft, reason="wrong rate", actor="billy", voided_on=D) is True
    before = app.recorder.max_notification_id()
    assert app.void_invoice(draft, reason="wrong rate", actor="billy", voided_on=D) is False
    assert app.recorder.max_notification_id() == before
    for other in (
        {"reason": "another reason", "voided_on": D},
        {"reason": "wrong rate", "voided_on": D + timedelta(days=1)},
    ):
        with pytest.raises(InvalidTransition) as refused:
            app.void_invoice(draft, actor="billy", **other)  # type: ignore[arg-type]
        assert refused.value.field == "status"
    assert app.recorder.max_notification_id() == before
    assert app.invoice(draft).status is InvoiceStatus.VOIDED
    assert app.unbilled_work(request) == eur(950)
    again = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    assert app.invoice(again).net == eur(950)
    assert app.unbilled_work(request) == eur(0)
