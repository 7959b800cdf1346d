"""As of a time, a rebuild takes the events recorded by then: the log up to its first event
created after that time.

A billing run saves a contract's PeriodBilled and, after it in the same transaction, the invoice
it drafted just before: the invoice's event is older than the contract's but recorded with it.
As of a moment between the two, nothing of that save was recorded yet; skipping only the newer
event would keep the invoice without its billed period.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from test_contract_billing import A, contract, customer, sub
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash
from q2c_core.projections import Follower, all_projections, rebuild


def _events(app: QuoteToCash) -> list[tuple[int, Any]]:
    return [
        (n.id, app.mapper.to_domain_event(n))  # type: ignore[attr-defined]
        for n in app.recorder.select_notifications(start=1, limit=10_000)
    ]


def _rows(projections: list[Any]) -> dict[str, Any]:
    return {p.name: p.rows() for p in projections}


def test_a_rebuild_as_of_a_moment_inside_a_billing_save_leaves_the_whole_save_out(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    cust = customer(app)
    contract(app, cust, subs=(sub("S1"),))
    before = all_projections()
    Follower(app, before).run()
    signed = app.recorder.max_notification_id() or 0
    app.run_billing(date(2024, 1, 31), actor="run")
    saved = [(nid, e) for nid, e in _events(app) if nid > signed]
    names = [type(e).__qualname__ for _, e in saved]
    assert names == ["Contract.PeriodBilled", "Invoice.Drafted"]
    billed, drafted = saved[0][1], saved[1][1]
    assert drafted.timestamp < billed.timestamp  # recorded in the other order

    # as of the invoice's own time, the save was not recorded yet: exactly as before the run
    then = all_projections()
    rebuild(app, then, as_of=drafted.timestamp)
    assert _rows(then) == _rows(before)
    # as of the contract's time, the whole save: exactly the live projections
    now = all_projections()
    rebuild(app, now, as_of=billed.timestamp)
    live = all_projections()
    Follower(app, live).run()
    assert _rows(now) == _rows(live)
    assert _rows(now)["unbilled_revenue"] != _rows(before)["unbilled_revenue"]
    app.close()


def test_replay_as_of_the_last_events_own_time_reports_no_difference(tmp_path: Path) -> None:
    """The last notification is the invoice, older than the PeriodBilled before it: replay as of
    its time does not compare with the live store (which holds the whole save) and agrees."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    cust = customer(app)
    contract(app, cust, subs=(sub("S1"),))
    app.run_billing(date(2024, 1, 31), actor=A)
    (_, last), (_, newest) = _events(app)[-1], max(_events(app), key=lambda x: x[1].timestamp)
    app.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["replay", "--url", url, "--as-of", last.timestamp.isoformat()])
    assert out.exit_code == 0, out.output
    assert "NOT compared" in out.output and "replay matches" in out.output
    out = runner.invoke(cli, ["replay", "--url", url, "--as-of", newest.timestamp.isoformat()])
    assert out.exit_code == 0, out.output
    assert "every projection equals its rebuild from events" in out.output  # against live
