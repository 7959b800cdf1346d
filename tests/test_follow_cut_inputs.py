"""An integration asks for the read models as they were recorded at a past moment
(``as_of``) or up to a notification (``until``). Given a business day (``date(2026, 1, 1)``),
the text of a time, or the text of a number, the follower and ``rebuild`` failed with a bare
``AttributeError`` or ``TypeError``, saying nothing of which argument was wrong.

Now each is refused with ``InvalidValue`` naming the argument and what it must be (a date and
time; a whole number of notifications, at least 0), before anything is emptied or written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from test_projections_story import story

from q2c_core import InvalidValue, QuoteToCash
from q2c_core.projections import Follower, ProjectionStore, ReceivablesAging, catch_up, rebuild

BAD = [
    ("as_of", date(2026, 1, 1)),
    ("as_of", "2026-01-01T00:00:00"),
    ("until", "5"),
    ("until", -3),
    ("until", 2.5),
    ("until", True),
]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_cut_that_is_no_time_or_no_notification_is_refused_naming_it(
    name: str, value: Any
) -> None:
    app = QuoteToCash.open("memory:")
    try:
        story(app)
        store = ProjectionStore.memory()
        receivables = ReceivablesAging(store)
        catch_up(app, [receivables])
        rows, position = receivables.rows(), store.position(receivables.tracking_name)

        attempts = [
            lambda: Follower(app, [ReceivablesAging(store)], **{name: value}).run(),
            lambda: rebuild(app, [ReceivablesAging(store)], **{name: value}),
        ]
        if name == "until":
            attempts.append(lambda: catch_up(app, [ReceivablesAging(store)], until=value))
        for attempt in attempts:
            with pytest.raises(InvalidValue) as refused:
                attempt()
            assert refused.value.field == name
        # nothing emptied, nothing moved
        assert ReceivablesAging(store).rows() == rows
        assert store.position(receivables.tracking_name) == position
    finally:
        app.close()


def test_a_time_without_a_zone_is_read_as_utc_and_zero_as_before_anything() -> None:
    app = QuoteToCash.open("memory:")
    try:
        story(app)
        receivables = ReceivablesAging(ProjectionStore.memory())
        assert rebuild(app, [receivables], as_of=datetime(2000, 1, 1)) == 0
        assert rebuild(app, [receivables], until=0) == 0
        assert rebuild(app, [receivables], as_of=datetime.now(UTC)) > 0
    finally:
        app.close()
