"""``verify_snapshots(app)``, q2c's function as a monitoring job calls it, on books it cannot
read says so as a command does: ``StorageUnavailable``.

Given an application closed already it raised eventsourcing's untyped
``ConnectionPoolClosedError`` (SQLite) or ``OperationalError`` "pool has already been
opened/closed" (PostgreSQL, after ten retries), and on a ``memory:`` store, whose events went
with it, it reported every snapshot fine (``ok``, none checked). It now refuses as the
application's own ``verify_snapshots`` and every command do, saying the application was
closed.
"""

from __future__ import annotations

import pytest

from q2c_core import QuoteToCash, StorageUnavailable, verify_snapshots


def test_a_closed_applications_snapshots_are_not_checked(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    app.take_snapshot(customer)
    assert verify_snapshots(app).checked == 1
    app.close()

    with pytest.raises(StorageUnavailable) as refused:
        verify_snapshots(app)
    assert "this application was closed" in str(refused.value)
    assert refused.value.field == "url"
