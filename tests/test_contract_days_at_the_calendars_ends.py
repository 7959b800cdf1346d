"""Ending an evergreen contract, or moving a sub-contract off it, on a day at the calendar's
ends (a mistyped year): the refusal is a q2c error naming the day given (``effective``), not a
Python ValueError nor a ``new_end`` nobody gave; nothing is recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from test_contract_billing import A, contract, customer, sub

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("day", [date.min, date(3005, 1, 1)])
def test_an_evergreen_contract_ended_or_changed_on_a_day_it_cannot_reach_names_effective(
    app: QuoteToCash, day: date
) -> None:
    """MC-1 renews every year by itself. Terminated, expired or its S1 moved to MC-2 on 1
    January of the year 1 (a date picker's first day) or of 3005 (a mistyped 2005, past the
    last term a contract renews to, 2999): each is refused naming ``effective``."""
    cust = customer(app)
    evergreen = contract(app, cust, subs=(sub("S1"),), auto_renew=True)
    other = contract(app, cust, number="MC-2", subs=(sub("T1"),), auto_renew=True)
    before = app.recorder.max_notification_id()
    refused: list[Any] = [
        lambda: app.terminate_contract(
            evergreen, effective=day, reason="moved on", actor=A, noticed_on=date(2024, 5, 1)
        ),
        lambda: app.expire_contract(evergreen, effective=day, actor=A),
        lambda: app.reassign_sub_contract(evergreen, "S1", other, effective=day, actor=A),
    ]
    for command in refused:
        with pytest.raises(InvalidValue) as error:
            command()
        assert error.value.field in ("effective", "effective_from")
    assert app.recorder.max_notification_id() == before


def test_a_termination_dated_before_the_term_starts_is_refused(app: QuoteToCash) -> None:
    """MC-1 runs from 1 January 2024 and January to May are billed. Notice is given on 2 May
    for 1 June, typed 2014-06-01: the term would be cut at its start and the next run would
    credit every day billed. It is refused naming ``effective`` (a contract ended before it
    served a day is terminated on its first day); nothing is recorded, and the right day is
    taken."""
    cust = customer(app)
    signed = contract(app, cust, subs=(sub("S1"),))
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as error:
        app.terminate_contract(
            signed,
            effective=date(2014, 6, 1),
            reason="notice",
            actor=A,
            noticed_on=date(2024, 5, 2),
        )
    assert error.value.field == "effective"
    assert app.recorder.max_notification_id() == before

    app.terminate_contract(
        signed, effective=date(2024, 6, 1), reason="notice", actor=A, noticed_on=date(2024, 5, 2)
    )
    assert app.contract(signed).term.end == date(2024, 6, 1)
