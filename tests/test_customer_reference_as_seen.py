"""An ERP's customer number is the number a clerk sees, whatever invisible characters came
with it.

Found by review: the ERP's customer export, saved by a spreadsheet, starts with a byte order
mark, so its first row's number read "\\ufeffC-1001"; another row carried a zero-width space
or a soft hyphen pasted from a chat, or full-width digits typed on a Japanese keyboard. Each
was taken for another reference: the sync registered a second Acme B.V. beside C-1001
(references are not compared by name), and its invoices, payments and reports split between
the two. Now a reference is read as it shows, as names are (invisible characters dropped,
full-width forms made plain, spaces around it trimmed; capitals kept, an ERP may tell them
apart): the same number again is the customer registered with it, recorded with the
number as it shows, and nothing is recorded for the retry. A customer registered before with
such a number is still found by it.
"""

from __future__ import annotations

from unittest import mock

import pytest

from q2c_core import Customer, InvalidValue, QuoteToCash

TYPED = [
    "\ufeffC-1001",
    "C-1001\u200b",
    "C-\u00ad1001",
    "Ｃ-１００１",
    " C-1001\u00a0",
    "C\u2060-1001",
]


def sync(app: QuoteToCash, number: str) -> object:
    return app.register_customer(
        "Acme B.V.", "EUR", account_manager="mia", actor="erp-sync", country="NL", reference=number
    )


@pytest.mark.parametrize("number", TYPED)
def test_the_number_with_invisible_characters_is_the_customer_registered_with_it(
    number: str,
) -> None:
    app = QuoteToCash.open("memory:")
    acme = sync(app, "C-1001")
    before = app.recorder.max_notification_id()
    assert sync(app, number) == acme
    assert app.recorder.max_notification_id() == before
    assert len(app.customers()) == 1


@pytest.mark.parametrize("number", TYPED)
def test_a_number_first_synced_with_them_is_recorded_as_it_shows(number: str) -> None:
    app = QuoteToCash.open("memory:")
    acme = sync(app, number)
    assert app.customer(acme).reference == "C-1001"
    assert sync(app, "C-1001") == acme
    assert len(app.customers()) == 1


def test_capitals_still_tell_two_numbers_apart_and_nothing_visible_is_no_number() -> None:
    app = QuoteToCash.open("memory:")
    assert sync(app, "c-1001") != sync(app, "C-1001")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        sync(app, "\u200b\ufeff")
    assert refused.value.field == "reference"
    assert app.recorder.max_notification_id() == before


def test_a_customer_registered_before_with_a_byte_order_mark_is_found_by_it() -> None:
    """Recorded before references were read as they show (the rule switched off here)."""
    app = QuoteToCash.open("memory:")
    with mock.patch.object(Customer, "reference_as_seen", staticmethod(lambda r: r.strip())):
        old = sync(app, "\ufeffC-1001")
    assert app.customer(old).reference == "\ufeffC-1001"
    before = app.recorder.max_notification_id()
    assert sync(app, "\ufeffC-1001") == old
    assert app.recorder.max_notification_id() == before
    assert len(app.customers()) == 1
