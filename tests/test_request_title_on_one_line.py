"""A request's title is one line: every invoice line of its work is named by it.

Paul pasted the customer's ticket into the title of a new request, subject and first line of
the body: "Export to CSV\nPlease add a button". The request was opened; its invoice lines then
read "Export to CSV\nPlease add a button: bob 2024-03-04", splitting each line of the PDF and
the e-invoice in two, and the review meeting, the unbilled and awaiting-PO reports printed a
two-line request. README says a request's title is visible text on one line, as a customer's
name is. A title holding a line break is now refused (``InvalidValue`` naming ``title``),
nothing recorded; the body goes in the description. (A tab stays text, as before.)"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_core import InvalidValue, QuoteToCash

A = "pm-paul"


@pytest.mark.parametrize(
    "title",
    [
        "Export to CSV\nPlease add a button",
        "Export to CSV\r\n",
        "Export\u2028to CSV",
    ],
)
def test_a_title_of_more_than_one_line_is_refused(app: QuoteToCash, title: str) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.open_request(acme, title, requested_on=date(2024, 3, 1), actor=A)
    assert refused.value.field == "title"
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).request_ids == []


def test_a_one_line_title_with_its_body_in_the_description_is_opened(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    request = app.open_request(
        acme,
        "Export to CSV",
        requested_on=date(2024, 3, 1),
        description="Please add a button\nto the orders page.",
        actor=A,
    )
    assert app.request(request).title == "Export to CSV"
    assert app.request(request).description == "Please add a button\nto the orders page."
