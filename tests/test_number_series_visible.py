"""A numbering series is opened with a name and a prefix people can see.

Billing opens a series for export invoices, pasting its prefix from a spreadsheet that carried a
zero-width space: "EX\u200b-" printed its first invoice as EX-000001, but the number held the
invisible character, so the invoice could not be found by the number printed on it (the command
line finds an invoice by its number as typed) and every export carried it. A series named by a
zero-width space alone is a series no one can name at issue. Both are refused, naming the field,
nothing recorded; the same series opens with a visible prefix and name."""

from __future__ import annotations

import pytest
from test_number_series import JANUARY_10, drafted

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("prefix", ["EX\u200b-", "\u200b", "EX-\u2060", "\ufeffEX-"])
def test_a_prefix_holding_invisible_characters_is_refused(prefix: str) -> None:
    app = QuoteToCash.open("memory:")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.open_number_series("EXPORT", prefix=prefix, actor="alice")
    assert refused.value.field == "prefix"
    assert "invisible" in str(refused.value)
    assert app.recorder.max_notification_id() == before

    app.open_number_series("EXPORT", prefix="EX-", actor="alice")
    invoice = drafted(app, JANUARY_10)
    assert app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea", series="EXPORT") == (
        "EX-000001"
    )


@pytest.mark.parametrize("name", ["\u200b", "\u2060\u200d", "EX\nPORT", "EX\tPORT"])
def test_a_name_no_one_can_type_at_issue_is_refused(name: str) -> None:
    """Invisible characters only name no series; a line break or a tab in the name is no name
    typed on one line."""
    app = QuoteToCash.open("memory:")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.open_number_series(name, prefix="EX-", actor="alice")
    assert refused.value.field == "name"
    assert app.recorder.max_notification_id() == before


def test_an_empty_prefix_still_numbers_with_digits_only() -> None:
    """No prefix at all is a choice (numbers of digits only), not an invisible one."""
    app = QuoteToCash.open("memory:")
    app.open_number_series("PLAIN", prefix="", width=4, actor="alice")
    invoice = drafted(app, JANUARY_10)
    assert app.issue_invoice(invoice, issued_on=JANUARY_10, actor="bea", series="PLAIN") == "0001"
