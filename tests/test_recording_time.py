"""When a save was recorded never goes backwards, so "as of T" is exactly the saves recorded by T.

Each save's recording time is kept beside the events (``recorded_saves``). A clock that steps
back (NTP correcting a fast clock, a virtual machine resumed) or a second application server
whose clock is behind the first's would otherwise record a later save at an earlier time, and
a rebuild as of a moment between them would hold the later save without the earlier one, or
the earlier save's time would let in one made after it. On PostgreSQL the time is the database
server's (one clock for every application server); on both stores a save is recorded no earlier
than the save before it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import q2c_core.postgres_recorder as postgres_recorder
import q2c_core.sqlite_recorder as sqlite_recorder
from q2c_core import QuoteToCash
from q2c_core.recorded_saves import position_as_of, recorded_text, recorded_times


def register(app: QuoteToCash, name: str) -> Any:
    return app.register_customer(name, "EUR", account_manager="mia", actor="sales")


def make_last_save_recorded_at(app: QuoteToCash, moment: datetime) -> None:
    """Write the latest save's recording time as a clock then running ahead gave it."""
    recorder: Any = app.recorder
    if hasattr(recorder, "saves_table_name"):  # SQLite
        with recorder.datastore.transaction(commit=True) as c:
            c.execute(
                f"UPDATE {recorder.saves_table_name} SET recorded_at = ? "
                f"WHERE last_id = (SELECT MAX(last_id) FROM {recorder.saves_table_name})",
                (recorded_text(moment),),
            )
    else:
        with recorder.datastore.transaction(commit=True) as curs:
            curs.execute(
                f"UPDATE {recorder.saves_table_text} SET recorded_at = %s "
                f"WHERE last_id = (SELECT MAX(last_id) FROM {recorder.saves_table_text})",
                (moment,),
            )


def test_a_save_after_the_clock_stepped_back_is_not_recorded_before_the_one_before_it(
    shared_url: str,
) -> None:
    """Acme was registered while the clock ran an hour fast; the clock is then set right and
    Globex registered. Globex's save is recorded no earlier than Acme's: as of a moment
    between the corrected time and Acme's, neither is in (Acme was not recorded by then), and
    as of Acme's time both are, Globex's save not before Acme's."""
    app = QuoteToCash.open(shared_url)
    acme = register(app, "Acme")
    acme_head = app.recorder.max_notification_id() or 0
    fast = datetime.now(UTC) + timedelta(hours=1)
    make_last_save_recorded_at(app, fast)

    globex = register(app, "Globex")

    acme_at = max(recorded_times(app, acme).values())
    globex_at = min(recorded_times(app, globex).values())
    assert acme_at == fast
    assert globex_at >= acme_at
    assert position_as_of(app, fast - timedelta(minutes=1)) == 0
    assert position_as_of(app, fast) == (app.recorder.max_notification_id() or 0)
    assert position_as_of(app, fast) > acme_head
    app.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_server_whose_clock_is_behind_records_no_save_before_an_earlier_one(
    backend: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two application servers on one store. Server A (clock right) registers Acme at t0;
    half a second later server B, whose clock is a second behind, registers Globex. As of
    t0 - 0.1 s nothing had been recorded, and Globex's save is not recorded before Acme's."""
    from conftest import storage_url

    with storage_url(backend, tmp_path) as url:
        server_a, server_b = QuoteToCash.open(url), QuoteToCash.open(url)
        t0 = datetime.now(UTC)
        behind = t0 + timedelta(milliseconds=500) - timedelta(seconds=1)
        # the servers' clocks, as q2c took a save's recording time from them
        for module in (sqlite_recorder, postgres_recorder):
            monkeypatch.setattr(module, "now", lambda: t0, raising=False)
        acme = register(server_a, "Acme")
        for module in (sqlite_recorder, postgres_recorder):
            monkeypatch.setattr(module, "now", lambda: behind, raising=False)
        globex = register(server_b, "Globex")

        assert position_as_of(server_a, t0 - timedelta(milliseconds=100)) == 0
        assert min(recorded_times(server_a, globex).values()) >= max(
            recorded_times(server_a, acme).values()
        )
        server_a.close()
        server_b.close()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(999, 12, 31, 23, 30, tzinfo=UTC),  # 1000-01-01T00:30+01:00, as UTC
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1000, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
    ],
)
def test_as_of_a_moment_before_the_year_1000_holds_nothing(
    shared_url: str, moment: datetime
) -> None:
    """An auditor's "as of 1000-01-01T00:30+01:00" is 23:30 UTC on 31 December 999: nothing
    was recorded by then. Its text used to be written "999-12-31T..." (four-digit years
    only), which sorts after "2026-...", so every save counted as recorded by then."""
    app = QuoteToCash.open(shared_url)
    register(app, "Acme")
    assert position_as_of(app, moment) == 0
    app.close()
