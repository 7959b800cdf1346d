"""Events and snapshots recorded before allowance charges were keyed by request still read
the same: billed overage by entry id alone is the charge of that entry (unique then).

The old stored form is written here by rewriting what today's code stored (the only change is
the keys), so the test needs no older q2c.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_story_prepaid_allowance import covered_request, entry, eur

from q2c_core import QuoteToCash, RuleViolated, charge_key
from q2c_core.projections import Kpis, PrepaidCreditUsage, UnbilledRevenue, catch_up, rebuild
from q2c_core.projections.store import ProjectionStore


def _as_before(db: Path, table: str, new_key: str, old_key: str) -> int:
    """Rewrite stored states' charge keys to entry ids and drop snapshot class versions."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            f"SELECT originator_id, originator_version, state FROM {table}"
        ).fetchall()
        changed = 0
        for oid, version, state in rows:
            text = bytes(state).decode()
            old = text.replace(f'"{new_key}"', f'"{old_key}"').replace(',"class_version":2', "")
            if old != text:
                conn.execute(
                    f"UPDATE {table} SET state=? WHERE originator_id=? AND originator_version=?",
                    (old.encode(), oid, version),
                )
                changed += 1
    return changed


def test_overage_billed_by_entry_id_replays_as_its_charge(tmp_path: Path) -> None:
    db = tmp_path / "before.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    _, allowance, request = covered_request(app)
    app.log_work(request, entry("t1", date(2024, 3, 10), "7"), actor="bob")
    app.complete_request(request, completed_on=date(2024, 3, 11), actor="alice")
    app.draft_request_invoice(request, drafted_on=date(2024, 3, 12), actor="alice")
    app.take_snapshot(allowance)
    app.close()
    key = charge_key(request, "t1")
    assert _as_before(db, "stored_events", key, "t1") == 1  # the OverageBilled event
    assert _as_before(db, "stored_snapshots", key, "t1") == 1
    before = QuoteToCash.open(f"sqlite:///{db}")
    a = before.allowance(allowance)  # from the snapshot (upcast)
    assert a.billed_overage == {key: Decimal(2)}
    assert before.repository.get(allowance, version=a.version - 1).billed_overage == {}
    assert before.unbilled_work(request) == eur(0)
    projections = [UnbilledRevenue(), PrepaidCreditUsage(), Kpis()]
    rebuild(before, projections)  # from the events (the OverageBilled by entry id)
    unbilled, usage, kpis = projections
    assert not [i for i in unbilled.items(date(2024, 3, 31)) if i.kind == "allowance_overage"]
    (use,) = usage.usage(date(2024, 3, 31))
    assert (use.drawn, use.overage, use.overage_billed) == (5, 2, 2)
    (bob,) = kpis.time_entered_vs_invoiced()
    assert bob.invoiced == 2


def test_a_store_built_without_settings_is_refused_until_rebuilt(tmp_path: Path) -> None:
    app = QuoteToCash.open("memory:")
    covered_request(app)
    store = ProjectionStore.open(f"sqlite:///{tmp_path / 'rows.db'}")
    usage = PrepaidCreditUsage(store)
    catch_up(app, [usage])
    usage.store.commit([])  # (nothing pending)
    # an older q2c kept no settings row: drop it to stand for such a store
    with sqlite3.connect(tmp_path / "rows.db") as conn:
        conn.execute("DELETE FROM q2c_projection_rows WHERE key = '__config__'")
    again = PrepaidCreditUsage(ProjectionStore.open(f"sqlite:///{tmp_path / 'rows.db'}"))
    with pytest.raises(RuleViolated, match="rebuild it from events"):
        catch_up(app, [again])
    rebuild(app, [again])
    catch_up(app, [again])
