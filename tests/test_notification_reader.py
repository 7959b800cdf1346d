"""The read side's notification reader returns exactly what ``select_notifications`` returns,
on every backend, for every combination of start, limit, stop, topics and inclusive start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_projections_story import story

from q2c_core import QuoteToCash
from q2c_core.projections import all_projections
from q2c_core.projections.reader import NotificationReader


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgres"])
def history(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[QuoteToCash]:
    """One story per backend, shared by the examples of this module (read only)."""
    from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres

    schema = None
    if request.param == "memory":
        url = "memory:"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('reader') / 'q2c.db'}"
    else:
        require_postgres()
        schema = new_pg_schema()
        url = pg_url(schema)
    app = QuoteToCash.open(url)
    story(app)
    yield app
    app.close()
    if schema is not None:
        drop_pg_schema(schema)


TOPICS = sorted({t for p in all_projections() for t in p.topics()})
SOME_TOPICS = st.one_of(
    st.just([]),
    st.just(TOPICS),
    st.lists(st.sampled_from([*TOPICS, "no.such:Topic"]), min_size=1, max_size=6, unique=True),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.one_of(st.none(), st.integers(-2, 70)),
    limit=st.integers(1, 80),
    stop=st.one_of(st.none(), st.integers(-1, 70)),
    topics=SOME_TOPICS,
    inclusive=st.booleans(),
)
def test_reader_returns_what_select_notifications_returns(
    history: QuoteToCash,
    start: int | None,
    limit: int,
    stop: int | None,
    topics: list[str],
    inclusive: bool,
) -> None:
    reader = NotificationReader(history.recorder)
    expected = history.recorder.select_notifications(
        start, limit, stop, topics, inclusive_of_start=inclusive
    )
    rows = reader.select(start, limit, stop, topics, inclusive_of_start=inclusive)
    assert [reader.as_notification(r) for r in rows] == list(expected)
    for row, n in zip(rows, expected, strict=True):
        assert type(reader.as_notification(row).originator_id) is type(n.originator_id)
    # without the states: the same rows, positions, ids and topics, each state left unread
    stateless = reader.select(
        start, limit, stop, topics, inclusive_of_start=inclusive, with_state=False
    )
    assert stateless == [(*row[:4], None) for row in rows]


def test_sqlite_and_postgres_use_their_own_statement(history: QuoteToCash) -> None:
    reader = NotificationReader(history.recorder)
    assert reader.fast == (type(history.recorder).__module__ != "eventsourcing.popo")


def test_a_recorder_that_changes_select_notifications_is_called_as_it_is(tmp_path: object) -> None:
    """A subclass's own ``select_notifications`` is never bypassed."""
    from eventsourcing.sqlite import SQLiteApplicationRecorder

    app = QuoteToCash.open("sqlite:///:memory:")
    story(app)
    calls = []

    class Counting(SQLiteApplicationRecorder):
        def select_notifications(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(args)
            return super().select_notifications(*args, **kwargs)

    app.recorder.__class__ = Counting
    reader = NotificationReader(app.recorder)
    assert not reader.fast
    rows = reader.select(1, 10)
    assert calls and len(rows) == 10
    app.close()
