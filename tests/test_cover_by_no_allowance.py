"""Mia covers Acme's request with an allowance id that names none (a typo, another customer's
id, nothing): refused with NotFound naming allowance_id, the argument that was wrong (it named
``id``), and nothing recorded; the request still waits for a PO or an allowance."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from q2c_core import Money, NotFound, QuoteToCash

A = "alice"


@pytest.mark.parametrize("kind", ["unknown", "customer", "text", "none"])
def test_covering_a_request_by_no_allowance_names_allowance_id(kind: str) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    r = app.open_request(acme, "Tweaks", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r, hours=2, rate=Money.of(100, "EUR"), actor=A)
    wrong = {"unknown": uuid4(), "customer": acme, "text": "abc", "none": None}[kind]
    before = app.recorder.max_notification_id()

    with pytest.raises(NotFound) as refused:
        app.cover_request_by_allowance(r, wrong, actor=A)  # type: ignore[arg-type]

    assert refused.value.field == "allowance_id"
    assert app.recorder.max_notification_id() == before
    assert app.request(r).allowance_id is None
