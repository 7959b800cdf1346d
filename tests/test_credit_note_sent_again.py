"""A credit note sent again after a lost response (same invoice, lines, disposition, reason and
day) is the note drafted: ``draft_credit_note`` records nothing and returns it, also once it is
issued, instead of refusing the lines as "in credit note ..., draft" (or "already credited") and
leaving the tool without the note's id. The work it gives back is given back once. Another
reason, day or disposition is still refused naming ``line_ids``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from test_story_invoice import D, approve, customer, eur, worked_request

from q2c_core import CreditDisposition, QuoteToCash, RuleViolated


def test_a_credit_note_sent_again_returns_the_note_and_records_nothing(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    acme = customer(app)
    request = worked_request(app, acme)
    invoice = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    asked: dict[str, Any] = {
        "line_ids": ["L2"],
        "disposition": CreditDisposition.REBILLABLE,
        "reason": "billed at the wrong rate",
        "drafted_on": D,
        "actor": "billy",
    }
    note = app.draft_credit_note(invoice, **asked)
    before = app.recorder.max_notification_id()
    assert app.draft_credit_note(invoice, **asked) == note
    assert app.recorder.max_notification_id() == before
    for other in (
        {"reason": "another reason"},
        {"drafted_on": D + timedelta(days=1)},
        {"disposition": CreditDisposition.WRITTEN_OFF},
        {"line_ids": ["L1", "L2"]},
    ):
        with pytest.raises(RuleViolated) as refused:
            app.draft_credit_note(invoice, **{**asked, **other})
        assert refused.value.field == "line_ids"
    assert app.recorder.max_notification_id() == before

    approve(app, note)
    app.issue_invoice(note, issued_on=D, actor="bea")
    assert app.unbilled_work(request) == eur(550)
    before = app.recorder.max_notification_id()
    assert app.draft_credit_note(invoice, **asked) == note
    assert app.recorder.max_notification_id() == before
    assert app.unbilled_work(request) == eur(550)
    assert app.invoice(invoice).credited == eur("665.50")
