"""An integration picks the read models to keep from its settings and, with none picked, calls
``catch_up(app, [])`` every minute. It reported every event of the log as applied (66 of a
66-event log, the next minute too) and read the whole log each time: with no projection there
are no topics to read, and no topics meant every topic. Now there is nothing to read and
nothing applied, on every store."""

from __future__ import annotations

from test_projections_story import story

from q2c_core import QuoteToCash
from q2c_core.projections import Follower, catch_up, rebuild


def test_following_no_read_model_applies_nothing(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        story(app)
        pages: list[int] = []
        follower = Follower(app, [])
        follower.after_commit = pages.append
        assert follower.run() == 0
        assert pages == []  # not a page read
        assert follower.applied_by_topic == {}
        assert catch_up(app, []) == 0
        assert rebuild(app, []) == 0
    finally:
        app.close()
