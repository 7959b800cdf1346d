"""What a person types into an invoice command is checked where it is typed, with a typed
``InvalidValue`` naming the field, and nothing is recorded: a purchase order number of spaces
(the e-invoice's BuyerReference would be empty, PEPPOL R008), a credit note's reason holding a
control character, and values of the wrong type that raised a bare Python error."""

from __future__ import annotations

from typing import Any

import pytest
from test_story_invoice import D, approve, customer, manual

from q2c_core import CreditDisposition, InvalidValue, QuoteToCash


def recorded(app: QuoteToCash) -> int:
    return app.recorder.max_notification_id() or 0


@pytest.mark.parametrize("blank", ["", "  ", "\t\n"])
def test_a_blank_purchase_order_number_is_refused(app: QuoteToCash, blank: str) -> None:
    cust = customer(app)
    before = recorded(app)
    with pytest.raises(InvalidValue) as refused:
        app.draft_invoice(
            cust, [manual("L1", "100")], drafted_on=D, actor="billy", purchase_order_number=blank
        )
    assert refused.value.field == "purchase_order_number"
    assert recorded(app) == before


def test_a_purchase_order_number_is_recorded_without_surrounding_spaces(app: QuoteToCash) -> None:
    cust = customer(app)
    inv = app.draft_invoice(
        cust, [manual("L1", "100")], drafted_on=D, actor="billy", purchase_order_number=" PO-1 "
    )
    assert app.invoice(inv).purchase_order_number == "PO-1"


def issued(app: QuoteToCash) -> Any:
    cust = customer(app)
    inv = app.draft_invoice(cust, [manual("L1", "100")], drafted_on=D, actor="billy")
    approve(app, inv)
    app.issue_invoice(inv, issued_on=D, actor="bea")
    return inv


def test_a_credit_note_reason_with_a_control_character_is_refused(app: QuoteToCash) -> None:
    inv = issued(app)
    before = recorded(app)
    with pytest.raises(InvalidValue) as refused:
        app.draft_credit_note(
            inv, line_ids=["L1"], disposition=CreditDisposition.REBILLABLE,
            reason="Returned\x0bgoods", drafted_on=D, actor="billy",
        )  # fmt: skip
    assert refused.value.field == "reason"
    assert recorded(app) == before


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("note", lambda app, c, inv: app.draft_invoice(
            c, [manual("L1", "100")], drafted_on=D, actor="b", note=5)),
        ("lines", lambda app, c, inv: app.draft_invoice(c, ["L1"], drafted_on=D, actor="b")),
        ("lines", lambda app, c, inv: app.draft_invoice(c, "L1", drafted_on=D, actor="b")),
        ("actor", lambda app, c, inv: app.approve_invoice(
            app.draft_invoice(c, [manual("L1", "100")], drafted_on=D, actor="billy"),
            role="billing", approved_on=D, actor=5)),
        ("series", lambda app, c, inv: app.issue_invoice(
            inv, issued_on=D, actor="bea", series=5)),
        ("line_ids", lambda app, c, inv: app.draft_credit_note(
            inv, line_ids=None, disposition=CreditDisposition.REBILLABLE, reason="r",
            drafted_on=D, actor="b")),
        ("line_ids", lambda app, c, inv: app.draft_credit_note(
            inv, line_ids=[1], disposition=CreditDisposition.REBILLABLE, reason="r",
            drafted_on=D, actor="b")),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_is_a_typed_error_naming_it(
    app: QuoteToCash, field: str, call: Any
) -> None:
    inv = issued(app)
    cust = app.invoice(inv).customer_id
    draft = app.draft_invoice(cust, [manual("L1", "100")], drafted_on=D, actor="billy")
    approve(app, draft)
    target = inv if field == "line_ids" else draft
    before = recorded(app)
    with pytest.raises(InvalidValue) as refused:
        call(app, cust, target)
    assert refused.value.field == field
    if field != "actor":  # (the draft approved there is made by the call itself)
        assert recorded(app) == before
