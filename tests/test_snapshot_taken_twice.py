"""An operator re-runs the nightly snapshot job: a snapshot of a version already taken is
already there, and taking it again changes nothing and raises nothing.

A snapshot of an aggregate at a version is the state its events up to that version give: the
second one would be the same, so the first is kept (``BaseApp.take_snapshot``). Before, the
store's unique key refused the second write with eventsourcing's untyped IntegrityError."""

from __future__ import annotations

from datetime import date

from q2c_core import Money, QuoteToCash


def test_a_snapshot_job_run_twice_keeps_the_first_snapshot(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="ops")
        request = app.open_request(acme, "CSV export", requested_on=date(2024, 3, 1), actor="ops")
        app.estimate_request(request, hours=10, rate=Money.of("100", "EUR"), actor="ops")

        app.take_snapshot(acme, version=1)
        app.take_snapshot(acme, version=1)  # the job run again: nothing to do
        app.take_snapshot(request)  # the latest version
        app.take_snapshot(request)  # and again

        assert app.snapshots is not None
        snapshots = list(app.snapshots.get(acme))
        assert [s.originator_version for s in snapshots] == [1]
        latest = app.repository.get(request).version
        assert [s.originator_version for s in app.snapshots.get(request)] == [latest]
        assert app.request(request).estimate is not None
    finally:
        app.close()
