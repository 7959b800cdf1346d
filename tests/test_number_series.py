"""Numbering series: gapless always; in the order of the issue days when a series is opened so
(many VAT regimes require it), with the prefix and width its owner chooses."""

from __future__ import annotations

from datetime import date

import pytest
from test_invoice_controls import line
from test_story_invoice import approve, customer

from q2c_core import DuplicateEntry, InvalidValue, QuoteToCash, RuleViolated

MARCH_31 = date(2024, 3, 31)
JANUARY_10 = date(2024, 1, 10)


def drafted(app: QuoteToCash, on: date) -> object:
    cust = customer(app)
    invoice = app.draft_invoice(cust, [line()], drafted_on=on, actor="billy")
    approve(app, invoice)
    return invoice


def test_a_series_in_date_order_refuses_an_issue_dated_before_its_last() -> None:
    """INV-000001 went out on 31 March; an invoice dated 10 January would get INV-000002, a
    number after one with a later date. Refused, naming issued_on, nothing recorded; issued
    on the 31st or later it takes the next number."""
    app = QuoteToCash.open("memory:")
    app.open_number_series("INV", prefix="INV-", in_date_order=True, actor="alice")
    first = drafted(app, JANUARY_10)
    late = drafted(app, JANUARY_10)
    assert app.issue_invoice(first, issued_on=MARCH_31, actor="bea") == "INV-000001"
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.issue_invoice(late, issued_on=JANUARY_10, actor="bea")
    assert refused.value.field == "issued_on"
    assert "last number was issued (2024-03-31)" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.issue_invoice(late, issued_on=MARCH_31, actor="bea") == "INV-000002"


def test_a_series_opened_by_itself_keeps_numbers_gapless_but_not_in_date_order() -> None:
    """Without opening it, ``INV`` opens on the first issue, as before: back-dated issues are
    numbered on, gapless."""
    app = QuoteToCash.open("memory:")
    first, late = drafted(app, JANUARY_10), drafted(app, JANUARY_10)
    assert app.issue_invoice(first, issued_on=MARCH_31, actor="bea") == "INV-000001"
    assert app.issue_invoice(late, issued_on=JANUARY_10, actor="bea") == "INV-000002"


def test_a_series_keeps_the_prefix_and_width_it_was_opened_with() -> None:
    app = QuoteToCash.open("memory:")
    app.open_number_series("R2024", prefix="R-2024/", width=4, actor="alice")
    invoice = drafted(app, JANUARY_10)
    assert app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea", series="R2024") == (
        "R-2024/0001"
    )


def test_a_series_opens_once_and_with_sensible_settings() -> None:
    app = QuoteToCash.open("memory:")
    app.open_number_series("INV", prefix="INV-", actor="alice")
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry):
        app.open_number_series("INV", prefix="X-", in_date_order=True, actor="alice")
    for wrong in ({"width": 0}, {"width": "6"}, {"in_date_order": "yes"}, {"name": " "}):
        settings: dict[str, object] = {"name": "CN", "prefix": "CN-", "actor": "alice", **wrong}
        with pytest.raises(InvalidValue) as refused:
            app.open_number_series(**settings)  # type: ignore[arg-type]
        assert refused.value.field == next(iter(wrong))
    assert app.recorder.max_notification_id() == before
