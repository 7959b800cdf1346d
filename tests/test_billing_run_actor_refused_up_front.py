"""Who runs the billing is checked before anything is read, whatever the store holds.

An actor of invisible characters only (a zero-width space, a byte order mark pasted from a
spreadsheet) names nobody: every event the run records refuses it. The run, its preview and
the past-due policy refuse it up front, naming ``actor``, as they refuse a blank one: not only
on a day something happens to be due, after the progress callback was told the run started.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import contract, customer

from q2c_core import InvalidValue, QuoteToCash
from q2c_core.domain.billing import PastDuePolicy

INVISIBLE = ("\u200b", "\ufeff", " \u200b ")


@pytest.mark.parametrize(
    ("day", "documents"),
    [(date(2023, 12, 1), 0), (date(2024, 2, 1), 2)],
    ids=["nothing due (the term starts on 1 January 2024)", "January due"],
)
@pytest.mark.parametrize("actor", INVISIBLE)
def test_an_invisible_actor_is_refused_before_the_progress_callback_hears_of_the_run(
    app: QuoteToCash, actor: str, day: date, documents: int
) -> None:
    """Refused whether or not anything is due that day; the run by someone then bills what is."""
    cust = customer(app)
    contract(app, cust)
    before = app.recorder.max_notification_id()
    seen: list[tuple[int, int]] = []
    with pytest.raises(InvalidValue) as refused:
        app.run_billing(day, actor=actor, progress=lambda d, t: seen.append((d, t)))
    assert refused.value.field == "actor"
    assert seen == []  # (refused before the run started)
    with pytest.raises(InvalidValue) as previewed:
        app.preview_billing(day, actor=actor)
    assert previewed.value.field == "actor"
    with pytest.raises(InvalidValue) as policy:
        app.apply_past_due_policy(PastDuePolicy(30), day, actor=actor)
    assert policy.value.field == "actor"
    assert app.recorder.max_notification_id() == before
    assert len(app.run_billing(day, actor="billing").documents) == documents


@pytest.mark.parametrize("actor", ["bob\x00", "bob\x0b", "bob\ud800"])
def test_an_actor_no_event_can_hold_is_refused_by_the_preview_as_by_the_run(
    app: QuoteToCash, actor: str
) -> None:
    """A control character (a NUL, a vertical tab from a spreadsheet) or a lone surrogate (bytes
    no UTF-8 reads, as Python hands them over) can be in no event: the preview does not show a
    month end the run then fails on (a bare ``UnicodeEncodeError`` at the first save), the run
    refuses it before it starts, naming ``actor``, nothing recorded."""
    cust = customer(app)
    contract(app, cust)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as previewed:
        app.preview_billing(date(2024, 2, 1), actor=actor)
    assert previewed.value.field == "actor"
    seen: list[tuple[int, int]] = []
    with pytest.raises(InvalidValue) as refused:
        app.run_billing(date(2024, 2, 1), actor=actor, progress=lambda d, t: seen.append((d, t)))
    assert refused.value.field == "actor"
    assert seen == []
    assert app.recorder.max_notification_id() == before
