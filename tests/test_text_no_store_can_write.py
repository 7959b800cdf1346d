"""Text no store can write is refused as any unreadable text is, not failed on at the save.

Python hands over bytes no UTF-8 reads (a file name, a shell argument, a CSV read with
``errors="surrogateescape"``) as lone surrogates (U+D800 to U+DFFF). No event can hold one: the
store writes UTF-8. A reason, an actor or a contract number holding one is refused with
``InvalidValue`` naming the field, nothing recorded, as a control character is; it was a bare
``UnicodeEncodeError`` raised by the save.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer

from q2c_core import InvalidValue, QuoteToCash

LONE = "\udcff"  # (the byte 0xFF, read with surrogateescape)


def test_a_suspension_s_reason_or_actor_no_store_can_write_is_refused(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as reason:
        app.suspend_contract(cid, effective=date(2024, 2, 1), reason=f"unpaid {LONE}", actor=A)
    assert reason.value.field == "reason"
    with pytest.raises(InvalidValue) as actor:
        app.suspend_contract(cid, effective=date(2024, 2, 1), reason="unpaid", actor=f"bea{LONE}")
    assert actor.value.field == "actor"
    assert app.recorder.max_notification_id() == before
    assert app.suspend_contract(cid, effective=date(2024, 2, 1), reason="unpaid", actor=A)


def test_a_contract_number_no_store_can_write_is_refused(app: QuoteToCash) -> None:
    cust = customer(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        contract(app, cust, number=f"MC-{LONE}")
    assert refused.value.field == "number"
    assert LONE not in str(refused.value.value)  # (shown escaped: printing it would fail too)
    assert app.recorder.max_notification_id() == before
