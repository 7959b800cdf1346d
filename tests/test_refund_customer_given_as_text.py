"""A refund names its customer as every other command does: the UUID, or its text (with
dashes, or the 32 hex digits the reports print), on every store.

Found by review: Bea's tool kept Acme's id as the text a report printed and instructed a
refund of 10.00 under SEPA-OUT-1: refused (``InvalidValue`` naming ``customer_id``, "must be
a UUID") after the credit was reckoned, where receiving Acme's payment with the same text
worked. And the refund made with the UUID, sent again with the text after a lost response,
was refused as another refund under its reference (``DuplicateEntry``), not answered with the
refund made. Now the text reads Acme, the repeat names the refund made, and text spelling no
id is ``NotFound`` naming ``id``, as for every command."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from q2c_core import Money, NotFound, QuoteToCash

D = date(2024, 3, 8)
SPELLINGS: list[Callable[[UUID], str]] = [str, lambda u: u.hex, lambda u: u.hex.upper()]


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@pytest.mark.parametrize("store", ["memory", "sqlite"])
@pytest.mark.parametrize("spelling", SPELLINGS, ids=["dashed", "hex", "HEX"])
def test_acmes_refund_named_by_the_text_of_its_id(
    store: str, spelling: Callable[[UUID], str], tmp_path: Path
) -> None:
    app = QuoteToCash.open("memory:" if store == "memory" else f"sqlite:///{tmp_path / 'q.db'}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.receive_payment(acme, eur("100.00"), received_on=D, reference="TR-1", actor="bea")
    as_text = spelling(acme)
    first = {"refunded_on": D, "reference": "SEPA-OUT-1"}
    made = app.instruct_refund(as_text, eur("10.00"), actor="bea", **first)
    assert made.recorded
    again = app.instruct_refund(acme, eur("10.00"), actor="bea", **first)
    assert (again.refund_ids, again.recorded) == (made.refund_ids, False)
    second = {"refunded_on": D, "reference": "SEPA-OUT-2"}
    by_uuid = app.refund_customer_credit(acme, eur("5.00"), actor="bea", **second)
    assert app.refund_customer_credit(as_text, eur("5.00"), actor="bea", **second) == by_uuid
    (payment,) = app.payments(acme)
    assert payment.refunded == eur("15.00")
    app.close()


@pytest.mark.parametrize("nobody", ["no such customer", "Acme", 5])
def test_a_refund_naming_no_customer_is_not_found_nothing_recorded(
    app: QuoteToCash, nobody: object
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.receive_payment(acme, eur("100.00"), received_on=D, reference="TR-1", actor="bea")
    before = app.recorder.max_notification_id()
    with pytest.raises(NotFound) as refused:
        app.instruct_refund(nobody, eur("10.00"), refunded_on=D, reference="X-1", actor="bea")  # type: ignore[arg-type]
    assert refused.value.field == "id"
    assert app.recorder.max_notification_id() == before
