"""A cut at the ends of time: "as of the first moment there is" (datetime.min in a zone east of
UTC) is before every save, "as of the last" (datetime.max in a zone west of UTC) after every
one. Such a time is no UTC datetime, and the SQLite store, which compares the cut with its saves'
recording times in UTC, failed with a bare OverflowError ("date value out of range"), where the
in-memory store and PostgreSQL gave the cut."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from q2c_core import QuoteToCash, position_as_of

EAST = timezone(timedelta(hours=1))
WEST = timezone(timedelta(hours=-1))


@pytest.mark.parametrize("zone", [EAST, WEST, None])
def test_the_first_and_last_moments_cut_before_and_after_every_save(
    backend_url: str, zone: timezone | None
) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
        head = app.recorder.max_notification_id()
        assert head
        assert position_as_of(app, datetime.min.replace(tzinfo=zone)) == 0
        assert position_as_of(app, datetime.max.replace(tzinfo=zone)) == head
    finally:
        app.close()
