"""Utilisation when no hours are available: a weekend has no working day.

Dana logs 6 hours on Saturday 1 August 2026 for Acme's export (a go-live). The utilisation
report read on that day covers 1 August only: no working day, 0 hours available. Dana's
utilisation showed 0.0 %, the figure of someone who did nothing, where she worked 6 hours; a
share of no hours available is no percentage at all, so it is left blank (None; an empty cell
in the table and CSV, null in JSON). Her billable % (of the hours she logged) still shows.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from test_projections_story import authorized_request, work
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import Period, QuoteToCash
from q2c_core.projections import Kpis, catch_up, rebuild

A = "alice"
SATURDAY = date(2026, 8, 1)
runner = CliRunner(env={"COLUMNS": "400"})


def dana_works_on_go_live_saturday(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = authorized_request(app, acme, "Export", date(2026, 7, 27))
    app.log_work(export, work("t1", SATURDAY, "6", worker="dana"), actor="dana")


def test_six_hours_on_a_saturday_with_no_hours_available_shows_no_utilisation() -> None:
    """Followed and rebuilt alike: 6 hours logged, 0 available, utilisation None (not 0.0),
    billable 100.0 %."""
    app = QuoteToCash.open("memory:")
    dana_works_on_go_live_saturday(app)
    followed, rebuilt = Kpis(), Kpis()
    catch_up(app, [followed])
    rebuild(app, [rebuilt])
    saturday = Period(SATURDAY, date(2026, 8, 2))
    for kpis in (followed, rebuilt):
        [dana] = kpis.utilisation(saturday)
        assert (dana.logged, dana.available) == (Decimal(6), Decimal(0))
        assert dana.utilisation_percent is None
        assert dana.billable_percent == Decimal("100.0")


def test_a_working_week_still_shows_its_utilisation() -> None:
    """The same Saturday in the week after (5 working days, 40 hours): 15.0 %."""
    app = QuoteToCash.open("memory:")
    dana_works_on_go_live_saturday(app)
    kpis = Kpis()
    catch_up(app, [kpis])
    [dana] = kpis.utilisation(Period(SATURDAY, date(2026, 8, 8)))
    assert dana.utilisation_percent == Decimal("15.0")


def test_the_utilisation_report_leaves_the_saturday_s_utilisation_blank(tmp_path: Path) -> None:
    """``q2c report utilisation --on 2026-08-01``: Dana's row shows 6 hours logged, none
    available, and no utilisation (null in JSON), not 0.0."""
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    dana_works_on_go_live_saturday(app)
    app.close()
    out = runner.invoke(
        cli, ["report", "utilisation", "--url", url, "--on", "2026-08-01", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.stdout)["rows"]
    assert row["worker"] == "dana"
    assert row["utilisation %"] is None, row
    assert row["billable %"] == "100.0", row
