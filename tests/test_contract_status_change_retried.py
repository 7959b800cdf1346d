"""A status change sent twice (a page timed out, a CRM replaying its change log) is recorded
once and the second sending says so (False), as a retried renewal does: the termination Acme
gave notice of is not reported as failed when it was recorded. The same command on a contract
whose last change was another (a different day or reason, a change since) is refused as
before, nothing recorded."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer, sub
from test_step_sent_again_checks_its_actor import refused_naming_actor

from q2c_core import ContractStatus, InvalidTransition, QuoteToCash


def test_a_termination_sent_twice_terminates_once(app: QuoteToCash) -> None:
    """Mia terminates MC-1 from 1 July (notice on 1 June); the page times out and she sends it
    again: the second sending records nothing and returns False; MC-1 stays terminated from 1
    July, with one termination in its history."""
    signed = contract(app, customer(app))
    termination = {
        "effective": date(2024, 7, 1),
        "reason": "customer closing the site",
        "noticed_on": date(2024, 6, 1),
    }
    assert app.terminate_contract(signed, actor=A, **termination) is True
    before = app.recorder.max_notification_id()

    assert app.terminate_contract(signed, actor="mia", **termination) is False

    assert app.recorder.max_notification_id() == before
    terminated = app.contract(signed)
    assert terminated.term.end == date(2024, 7, 1)
    assert [h.status for h in terminated.history].count(ContractStatus.TERMINATED) == 1


@pytest.mark.parametrize(
    "other",
    [
        {"effective": date(2024, 8, 1), "reason": "closing", "noticed_on": date(2024, 6, 1)},
        {"effective": date(2024, 7, 1), "reason": "moving", "noticed_on": date(2024, 6, 1)},
        {"effective": date(2024, 7, 1), "reason": "closing", "noticed_on": date(2024, 6, 2)},
    ],
)
def test_another_termination_of_a_terminated_contract_is_refused(
    app: QuoteToCash, other: dict[str, object]
) -> None:
    signed = contract(app, customer(app))
    app.terminate_contract(
        signed, effective=date(2024, 7, 1), reason="closing", noticed_on=date(2024, 6, 1), actor=A
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition) as refused:
        app.terminate_contract(signed, actor=A, **other)  # type: ignore[arg-type]
    assert refused.value.field == "status"
    assert app.recorder.max_notification_id() == before


def test_a_suspension_and_its_lifting_sent_twice_are_recorded_once(app: QuoteToCash) -> None:
    """Bea suspends MC-1 on 10 March (the customer asked for a pause) and sends it twice; she
    reactivates it on 1 April and sends that twice too: one suspension, one reactivation."""
    signed = contract(app, customer(app))
    pause = {"effective": date(2024, 3, 10), "reason": "customer asked for a pause"}
    assert app.suspend_contract(signed, actor=A, **pause) is True
    before = app.recorder.max_notification_id()
    assert app.suspend_contract(signed, actor=A, **pause) is False
    assert app.recorder.max_notification_id() == before

    back = {"effective": date(2024, 4, 1), "reason": "pause over"}
    assert app.reactivate_contract(signed, actor=A, **back) is True
    before = app.recorder.max_notification_id()
    assert app.reactivate_contract(signed, actor=A, **back) is False
    assert app.recorder.max_notification_id() == before

    statuses = [h.status for h in app.contract(signed).history]
    assert statuses[-3:] == [
        ContractStatus.ACTIVE,
        ContractStatus.SUSPENDED,
        ContractStatus.ACTIVE,
    ]
    assert len(statuses) == 4  # (signed first)


def test_a_suspension_for_another_reason_is_refused(app: QuoteToCash) -> None:
    signed = contract(app, customer(app))
    app.suspend_contract(signed, effective=date(2024, 3, 10), reason="pause", actor=A)
    with pytest.raises(InvalidTransition):
        app.suspend_contract(signed, effective=date(2024, 3, 10), reason="unpaid", actor=A)


def test_an_activation_and_an_expiry_sent_twice_are_recorded_once(app: QuoteToCash) -> None:
    signed = contract(app, customer(app), activate=False)
    assert app.activate_contract(signed, effective=date(2024, 1, 1), actor=A) is True
    assert app.activate_contract(signed, effective=date(2024, 1, 1), actor=A) is False
    with pytest.raises(InvalidTransition):
        app.activate_contract(signed, effective=date(2024, 1, 2), actor=A)

    assert app.expire_contract(signed, effective=date(2025, 1, 1), actor=A) is True
    before = app.recorder.max_notification_id()
    assert app.expire_contract(signed, effective=date(2025, 1, 1), actor=A) is False
    assert app.recorder.max_notification_id() == before
    with pytest.raises(InvalidTransition):
        app.expire_contract(signed, effective=date(2025, 1, 2), actor=A)
    history = app.contract(signed).history
    assert [h.status for h in history] == [
        ContractStatus.SIGNED,
        ContractStatus.ACTIVE,
        ContractStatus.EXPIRED,
    ]


@pytest.mark.parametrize("actor", [None, "", "\u200b", 5])
def test_a_retry_naming_nobody_is_refused_naming_actor(app: QuoteToCash, actor: object) -> None:
    """A status change, renewal or move sent again without saying who sends it (an empty
    setting, a zero-width space) is refused naming ``actor``, as the first sending would be:
    it is not answered as a retry."""
    cust = customer(app)
    signed = contract(app, cust)
    other = contract(app, cust, number="MC-2")
    app.suspend_contract(signed, effective=date(2024, 3, 10), reason="pause", actor=A)
    app.renew_contract(signed, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A)
    app.add_sub_contract(other, sub("S9"), actor=A)
    app.reassign_sub_contract(other, "S9", signed, effective=date(2024, 5, 1), actor=A)
    retries = [
        lambda: app.suspend_contract(
            signed,
            effective=date(2024, 3, 10),
            reason="pause",
            actor=actor,  # type: ignore[arg-type]
        ),
        lambda: app.renew_contract(
            signed,
            new_end=date(2026, 1, 1),
            effective=date(2025, 1, 1),
            actor=actor,  # type: ignore[arg-type]
        ),
        lambda: app.reassign_sub_contract(
            other,
            "S9",
            signed,
            effective=date(2024, 5, 1),
            actor=actor,  # type: ignore[arg-type]
        ),
    ]
    refused_naming_actor(app, retries)
