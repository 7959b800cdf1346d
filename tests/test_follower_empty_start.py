"""A projection followed from an empty log keeps following: its settings row is stored with
position 0 (so a replay compares what is stored), and the first events after that move the
position on as usual, on every backend."""

from __future__ import annotations

from datetime import date

from test_projections_story import story

from q2c_core import QuoteToCash
from q2c_core.projections import ProjectionStore, all_projections, catch_up


def test_a_projection_that_started_on_an_empty_log_catches_up_later(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    store = ProjectionStore.open(backend_url)
    projections = all_projections(store)
    assert catch_up(app, projections) == 0
    settings = {p.name: p.CONFIG_KEY in dict(store.recorder.load_rows(p.name)) for p in projections}
    assert settings == {p.name: bool(p.config()) for p in projections}
    assert {store.position(p.tracking_name) for p in projections} == {0}
    story(app)
    # a second follower of the same store (a new process): reads positions 0, moves them on
    again = all_projections(store)
    assert catch_up(app, again) > 0
    head = app.recorder.max_notification_id()
    assert {store.position(p.tracking_name) for p in again} == {head}
    unbilled = next(p for p in again if p.name == "unbilled_revenue")
    assert unbilled.items(date(2024, 6, 1))
    store.close()
    app.close()
