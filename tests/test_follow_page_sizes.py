"""A finance team's integration keeps its own read models with ``catch_up`` and lets its
operators set how many notifications a page reads. Someone set it to 0 ("no limit", they
thought). On the in-memory log every event was applied; on the SQLite file and on PostgreSQL
the first page came back empty, the follower took that for the end of the log and moved every
position to the last notification: receivables stayed empty, and the events were skipped for
good (the next catch-up starts after them). -1 read the whole log on SQLite and failed with
"LIMIT must not be negative" on PostgreSQL; a page size past 2**63 failed with an
``OverflowError`` on SQLite and "bigint out of range" on PostgreSQL.

Now a page size that is not a whole number of at least 1 is refused (``InvalidValue`` naming
``page_size``) before anything is read or written, whatever the store; a huge one reads the
whole log in one page, the same on every store.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_projections_story import story

from q2c_core import InvalidValue, QuoteToCash
from q2c_core.projections import (
    Follower,
    ProjectionStore,
    ReceivablesAging,
    all_projections,
    catch_up,
    rebuild,
)


def rows_of(app: QuoteToCash, **kwargs: Any) -> dict[str, dict[str, Any]]:
    projections = all_projections(ProjectionStore.memory())
    catch_up(app, projections, **kwargs)
    return {p.name: p.rows() for p in projections}


@pytest.mark.parametrize("page_size", [0, -1, 2.5, "100", True, None])
def test_a_page_size_of_no_notifications_is_refused_and_nothing_is_skipped(
    backend_url: str, page_size: Any
) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        story(app)
        store = ProjectionStore.memory()
        receivables = ReceivablesAging(store)
        with pytest.raises(InvalidValue) as refused:
            catch_up(app, [receivables], page_size=page_size)
        assert refused.value.field == "page_size"
        with pytest.raises(InvalidValue):
            Follower(app, [receivables], page_size=page_size)
        if page_size is not None:  # (None is rebuild's own page: REBUILD_PAGE)
            with pytest.raises(InvalidValue):
                rebuild(app, [receivables], page_size=page_size)
        # nothing was marked as applied: the next catch-up finds every invoice
        assert store.position(receivables.tracking_name) == 0
        assert catch_up(app, [receivables]) > 0
        assert receivables.rows() == rows_of(app)[receivables.name]
    finally:
        app.close()


@pytest.mark.parametrize("page_size", [1, 10**19])
def test_one_notification_a_page_or_more_than_any_log_holds_gives_the_same_rows(
    backend_url: str, page_size: int
) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        story(app)
        head = app.recorder.max_notification_id()
        projections = all_projections(ProjectionStore.memory())
        applied = Follower(app, projections, page_size=page_size).run()
        assert applied > 0
        assert {p.store.position(p.tracking_name) for p in projections} == {head}
        assert {p.name: p.rows() for p in projections} == rows_of(app)
    finally:
        app.close()


@pytest.mark.parametrize("workers", ["2", 2.5, None, True, 0])
def test_a_number_of_workers_that_is_not_a_whole_number_is_refused_naming_it(
    workers: Any,
) -> None:
    app = QuoteToCash.open("memory:")
    try:
        story(app)
        store = ProjectionStore.memory()
        receivables = ReceivablesAging(store)
        catch_up(app, [receivables])
        rows = receivables.rows()
        with pytest.raises(InvalidValue) as refused:
            rebuild(app, [receivables], workers=workers)
        assert refused.value.field == "workers"
        assert ReceivablesAging(store).rows() == rows  # nothing was emptied
    finally:
        app.close()
