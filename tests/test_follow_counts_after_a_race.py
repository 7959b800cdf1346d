"""Two processes follow the same read models: the embedded follower of the web application and
an operator's ``q2c update``. The embedded one commits its first page, then loses the race for
its second (the other committed first), starts again from the new position and finds nothing
left. It reported one page of events applied in all, yet none by topic: the per-topic counts
(what a rebuild split over worker processes adds up) were kept only for a run that ended
without a race. Now both say the same: the events of every page it committed, by topic."""

from __future__ import annotations

from test_projections_story import story

from q2c_core import QuoteToCash
from q2c_core.projections import Follower, ProjectionStore, all_projections, catch_up


def test_a_follower_that_lost_a_race_counts_by_topic_what_it_committed(shared_url: str) -> None:
    app = QuoteToCash.open(shared_url)
    store = ProjectionStore.open(shared_url)
    try:
        story(app)
        embedded = Follower(app, all_projections(store), page_size=7)
        pages: list[int] = []
        embedded.after_commit = pages.append

        def operator_updates_first(last_id: int) -> None:
            if len(pages) == 1:  # the embedded follower's second page, not committed yet
                other = ProjectionStore.open(shared_url)
                try:
                    catch_up(app, all_projections(other))
                finally:
                    other.close()

        embedded.before_commit = operator_updates_first
        applied = embedded.run()

        assert len(pages) == 1  # its second page was refused, and nothing was left after
        assert applied > 0
        assert sum(embedded.applied_by_topic.values()) == applied
        # and the read models hold every event once
        fresh = all_projections()
        catch_up(app, fresh)
        assert {p.name: p.rows() for p in all_projections(store)} == {
            p.name: p.rows() for p in fresh
        }
    finally:
        store.close()
        app.close()
