"""``rebuild`` given both a recording time (``as_of``) and a notification (``until``) stops at
the earlier of the two. A ``Follower`` given both ignored the time: asked for the receivables
as they were recorded by New Year 2000 (before anything was) and up to the head of the log, it
applied every invoice. Now the follower stops at the earlier of the two as well, as ``rebuild``
does, on every store."""

from __future__ import annotations

from datetime import UTC, datetime

from test_projections_story import story

from q2c_core import QuoteToCash
from q2c_core.projections import Follower, ProjectionStore, ReceivablesAging, rebuild

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def test_a_follower_given_a_time_and_a_notification_stops_at_the_earlier(
    backend_url: str,
) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        story(app)
        head = app.recorder.max_notification_id() or 0
        by_rebuild = ReceivablesAging(ProjectionStore.memory())
        assert rebuild(app, [by_rebuild], as_of=LONG_AGO, until=head) == 0

        followed = ReceivablesAging(ProjectionStore.memory())
        follower = Follower(app, [followed], as_of=LONG_AGO, until=head)
        assert follower.run() == 0
        assert followed.rows() == by_rebuild.rows()
        assert followed.store.position(followed.tracking_name) == 0

        # the time later than every save: the notification given is the cut
        now = datetime.now(UTC)
        halfway = ReceivablesAging(ProjectionStore.memory())
        Follower(app, [halfway], as_of=now, until=head // 2).run()
        assert halfway.store.position(halfway.tracking_name) == head // 2
    finally:
        app.close()
