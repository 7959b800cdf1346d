"""An extension of a sub-contract sent again after a lost response (a page timed out, a CRM
replaying its change log) records nothing and says so (False), as a removal sent again records
nothing: it was refused as 'must be after its current end' (or, open-ended again, as having
'no end to extend'), reporting the extension that was recorded as failed. An extension that
is not the last change of the sub-contract's end is refused as before."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer, sub

from q2c_core import InvalidValue, QuoteToCash


def test_an_extension_sent_twice_is_recorded_once(app: QuoteToCash) -> None:
    """Mia removed S2 from 1 June by mistake; she covers it to 1 August, and again open-ended,
    each sent twice: two extensions recorded, the second sendings record nothing."""
    signed = contract(app, customer(app))
    app.remove_sub_contract(signed, "S2", effective_to=date(2024, 6, 1), actor=A)

    assert app.extend_sub_contract(signed, "S2", effective_to=date(2024, 8, 1), actor=A) is True
    before = app.recorder.max_notification_id()
    assert app.extend_sub_contract(signed, "S2", effective_to=date(2024, 8, 1), actor=A) is False
    assert app.recorder.max_notification_id() == before

    assert app.extend_sub_contract(signed, "S2", effective_to=None, actor=A) is True
    before = app.recorder.max_notification_id()
    assert app.extend_sub_contract(signed, "S2", effective_to=None, actor=A) is False
    assert app.recorder.max_notification_id() == before
    assert app.contract(signed).sub_contracts["S2"].effective_to is None


def test_an_end_not_set_by_the_last_extension_is_refused(app: QuoteToCash) -> None:
    """S2 extended to 1 August, then removed from 1 July and covered to 1 August again: that
    end is now the last extension's. But S1, removed (not extended) to 1 June, or never ended,
    refuses an 'extension' to the end it has, naming effective_to, nothing recorded."""
    signed = contract(app, customer(app))
    app.remove_sub_contract(signed, "S2", effective_to=date(2024, 6, 1), actor=A)
    app.extend_sub_contract(signed, "S2", effective_to=date(2024, 8, 1), actor=A)
    app.remove_sub_contract(signed, "S2", effective_to=date(2024, 7, 1), actor=A)
    assert app.extend_sub_contract(signed, "S2", effective_to=date(2024, 8, 1), actor=A) is True

    app.remove_sub_contract(signed, "S1", effective_to=date(2024, 6, 1), actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as not_later:
        app.extend_sub_contract(signed, "S1", effective_to=date(2024, 6, 1), actor=A)
    assert not_later.value.field == "effective_to"
    other = contract(app, customer(app, "Globex"), number="MC-9", subs=(sub("T1"),))
    mark = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as open_ended:
        app.extend_sub_contract(other, "T1", effective_to=None, actor=A)
    assert open_ended.value.field == "effective_to"
    assert app.recorder.max_notification_id() == mark
    assert before is not None and mark is not None and mark > before  # (only Globex's own)


def test_an_extension_the_termination_cut_is_refused_past_the_end(app: QuoteToCash) -> None:
    """S2 covered open-ended again, then MC-1 terminated from 1 September: the same extension
    sent again is no retry any more (the end is the termination's), and is refused naming
    effective_to as past the contract's end."""
    signed = contract(app, customer(app))
    app.remove_sub_contract(signed, "S2", effective_to=date(2024, 6, 1), actor=A)
    app.extend_sub_contract(signed, "S2", effective_to=None, actor=A)
    app.terminate_contract(
        signed,
        effective=date(2024, 9, 1),
        reason="closing",
        noticed_on=date(2024, 8, 1),
        actor=A,
    )
    with pytest.raises(InvalidValue) as refused:
        app.extend_sub_contract(signed, "S2", effective_to=None, actor=A)
    assert refused.value.field == "effective_to"
