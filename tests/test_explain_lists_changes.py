"""``explain`` lists the events behind one row: exactly those that changed it (created it,
changed a value, deleted it), and those that changed a row its numbers come from. An event
whose handler wrote the row back as it was (an invoice approved: the request's unbilled row
rewritten the same) made nothing of it and is not listed.

Checked for every row of every projection of the story against the row's history followed
one event at a time."""

from __future__ import annotations

from typing import Any

import pytest
from test_projections_story import story

from q2c_core import QuoteToCash
from q2c_core.projections import (
    Follower,
    Projection,
    ProjectionStore,
    all_projections,
    events_behind,
)
from q2c_core.projections.store import encode_row


@pytest.fixture(scope="module")
def recorded() -> Any:
    app = QuoteToCash.open("memory:")
    story(app)
    yield app
    app.close()


def _changes(app: QuoteToCash, name: str) -> dict[str, set[tuple[Any, int]]]:
    """Each row's changing events (originator id and version), followed one event at a time."""
    (p,) = [q for q in all_projections(ProjectionStore.open("memory:")) if q.name == name]
    follower = Follower(app, [p], page_size=1)
    events = {
        n.id: (n.originator_id, n.originator_version)
        for n in app.recorder.select_notifications(start=1, limit=100_000)
    }
    before: dict[str, str] = {}
    changed: dict[str, set[tuple[Any, int]]] = {}

    def after(nid: int) -> None:
        rows = {k: encode_row(v) for k, v in p.rows().items() if k != Projection.CONFIG_KEY}
        for key in set(rows) | set(before):
            if rows.get(key) != before.get(key):
                changed.setdefault(key, set()).add(events[nid])
        before.clear()
        before.update(rows)

    follower.after_commit = after
    follower.run()
    p.store.close()
    return changed


@pytest.mark.parametrize("name", [p.name for p in all_projections()])
def test_explain_lists_exactly_the_events_that_changed_a_row(
    recorded: QuoteToCash, name: str
) -> None:
    changed = _changes(recorded, name)
    wrong = {}
    for key in sorted(changed):
        (p,) = [q for q in all_projections(ProjectionStore.open("memory:")) if q.name == name]
        listed = {(e.originator_id, e.originator_version) for e in events_behind(recorded, p, key)}
        row = p.get(key)
        related = set(p.related_rows(key, row)) - {key} if row is not None else set()
        behind = set().union(*(changed.get(r, set()) for r in related))
        if not changed[key] <= listed or listed - changed[key] - behind:
            wrong[key] = (sorted(changed[key] - listed), sorted(listed - changed[key] - behind))
        p.store.close()
    assert wrong == {}, "missing, listed without a change"
