"""A contract's number is its name: every invoice line, credit note, PDF, e-invoice, report
row and CSV export prints it, and the contract imports find a contract by it. A number pasted
from a spreadsheet cell of two lines, or one that is only a zero-width space, is refused when
the contract is signed, naming ``number``; nothing is recorded (neither the contract nor the
customer's index of it)."""

from __future__ import annotations

import pytest
from test_contract_billing import contract, customer, sub

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize(
    "number",
    [
        "MC\n1",  # a spreadsheet cell of two lines
        "MC-1\r\n",  # a trailing CRLF
        "MC\t1",  # a tab: two cells
        "MC\u20281",  # a line separator
        "\u200b",  # a zero-width space pasted from a chat: shows nothing
        "\u2800",  # a braille blank: shows nothing
    ],
)
def test_a_contract_number_of_two_lines_or_of_nothing_visible_is_refused(
    app: QuoteToCash, number: str
) -> None:
    cust = customer(app)
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        contract(app, cust, number, (sub("S1"),), activate=False)

    assert refused.value.field == "number"
    assert app.recorder.max_notification_id() == before
    assert app.customer(cust).contract_ids == []


def test_a_contract_number_with_a_space_inside_is_signed(app: QuoteToCash) -> None:
    """'MC 2024/1' (a plain space inside) is a number as typed."""
    cust = customer(app)
    signed = contract(app, cust, "MC 2024/1", (sub("S1"),), activate=False)
    assert app.contract(signed).number == "MC 2024/1"
