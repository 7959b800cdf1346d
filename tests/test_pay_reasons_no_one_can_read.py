"""A reversal, a bounce or a return says why in text someone can read.

Acme pays its 100.00 EUR invoice and the payment is allocated. A reason pasted from a web form
that holds only invisible characters (a zero-width space, a word joiner) says nothing on the
payment's history, the ledger or the statement: taking the allocation back, recording the
bounce, or sending a suspended credit back to its sender with such a reason is refused naming
``reason``, recording nothing, as voiding an invoice is. A reversal recorded before the rule
with such a reason still loads, as recorded.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import rewrite_stored_event
from test_pay_suspense_texts_of_the_wrong_kind import acme_and_two_suspended_credits, eur

from q2c_core import InvalidValue, QuoteToCash

UNREADABLE = ["\u200b", "\u2060 \u200b", "\ufeff"]
PAID, TAKEN_BACK = date(2024, 4, 1), date(2024, 4, 3)


@pytest.mark.parametrize("reason", UNREADABLE)
def test_a_reason_of_invisible_characters_only_is_refused(reason: str, tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    try:
        acme, _, suspended = acme_and_two_suspended_credits(app, tmp_path)
        payment = app.receive_payment(
            acme, eur("100.00"), received_on=PAID, reference="INV-1", actor="al"
        )
        [allocation] = app.allocate_payment(payment, allocated_on=PAID, actor="al")
        before = app.recorder.max_notification_id()

        with pytest.raises(InvalidValue) as refused:
            app.reverse_allocation(
                payment, allocation, reason=reason, actor="al", reversed_on=TAKEN_BACK
            )
        assert refused.value.field == "reason"
        with pytest.raises(InvalidValue) as refused:
            app.bounce_payment(payment, bounced_on=TAKEN_BACK, reason=reason, actor="al")
        assert refused.value.field == "reason"
        with pytest.raises(InvalidValue) as refused:
            app.return_bank_credit(suspended, returned_on=TAKEN_BACK, reason=reason, actor="al")
        assert refused.value.field == "reason"

        assert app.recorder.max_notification_id() == before
        assert app.payment(payment).allocation(allocation).is_live
        assert app.customer_credit(acme) == eur("0.00")
        assert suspended in {c.id for c in app.bank_suspense()}
    finally:
        app.close()


def test_a_reversal_recorded_before_the_rule_still_loads(tmp_path: Path) -> None:
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    acme, _, _ = acme_and_two_suspended_credits(app, tmp_path)
    payment = app.receive_payment(
        acme, eur("100.00"), received_on=PAID, reference="INV-1", actor="al"
    )
    [allocation] = app.allocate_payment(payment, allocated_on=PAID, actor="al")
    app.reverse_allocation(
        payment, allocation, reason="wrong invoice", actor="al", reversed_on=TAKEN_BACK
    )
    app.close()
    rewrite_stored_event(db, ".AllocationReversed", lambda facts: facts.update(reason="\u200b"))

    app = QuoteToCash.open(f"sqlite:///{db}")
    try:
        taken_back = app.payment(payment).allocation(allocation)
        assert taken_back.reversed_reason == "\u200b"
        assert taken_back.reversed_on == TAKEN_BACK
        assert app.customer_credit(acme) == eur("100.00")
    finally:
        app.close()
