"""A refusal raised in a billing-run or rebuild worker reaches the caller whole.

Workers send their failure to the parent by pickling it. Exceptions pickle only their ``args``,
so a q2c error used to arrive as a message alone: ``field`` empty, ``aggregate_id`` and
``value`` gone, and an ``InvoiceLinesRejected`` with its problems spelled letter by letter.
A caller branching on ``error.field`` then saw a different error from the one raised.
"""

from __future__ import annotations

import pickle
import threading
import uuid

import pytest

from q2c_core import (
    CurrencyMismatch,
    InvalidValue,
    InvoiceLinesRejected,
    NotFound,
    Q2CError,
    StorageUnavailable,
)
from q2c_core.workers import portable


def _across(error: BaseException) -> BaseException:
    return pickle.loads(pickle.dumps(portable(error, "worker")))


def test_storage_unavailable_keeps_its_field_and_message_across_processes() -> None:
    error = StorageUnavailable(
        "server closed the connection", field="url", value="postgresql://h/db"
    )
    back = _across(error)
    assert type(back) is StorageUnavailable
    assert back.field == "url"
    assert back.rule == "server closed the connection"
    assert back.value == "postgresql://h/db"
    assert str(back) == str(error) == "url: server closed the connection"


def test_a_refusal_keeps_the_aggregate_it_names() -> None:
    contract = uuid.uuid4()
    error = CurrencyMismatch("EUR against USD", field="price").naming(contract)
    back = _across(error)
    assert isinstance(back, CurrencyMismatch)
    assert back.aggregate_id == contract
    assert back.field == "price"
    assert str(back) == str(error)


def test_rejected_lines_keep_their_problems_as_a_list() -> None:
    invoice = uuid.uuid4()
    error = InvoiceLinesRejected(
        ["line 1: no source", "line 2: hours over logged"], aggregate_id=invoice
    )
    back = _across(error)
    assert isinstance(back, InvoiceLinesRejected)
    assert back.problems == ["line 1: no source", "line 2: hours over logged"]
    assert back.field == "lines"
    assert back.aggregate_id == invoice
    assert str(back) == str(error)


def test_a_value_that_cannot_travel_is_sent_as_its_text() -> None:
    lock = threading.Lock()  # not picklable
    error = InvalidValue("must be a Money", field="amount", value=lock)
    back = _across(error)
    assert isinstance(back, InvalidValue)
    assert back.field == "amount"
    assert back.value == repr(lock)


@pytest.mark.parametrize("cls", [Q2CError, NotFound, InvalidValue])
def test_every_kind_of_error_comes_back_as_itself(cls: type[Q2CError]) -> None:
    back = _across(cls("no such invoice", field="invoice_id", value=7))
    assert type(back) is cls
    assert (back.rule, back.field, back.value) == ("no such invoice", "invoice_id", 7)
