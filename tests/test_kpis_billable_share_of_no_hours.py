"""A billable share of no hours is no percentage.

Dana logs 6 hours on Acme's export on Monday 3 August 2026, booked on the wrong request, and
withdraws them. Her row for Acme stays (entered 0.00), and so does her day in August's
utilisation (logged 0.00), but the billable % of those rows said 0: "none of her hours were
billable", where she has no hours at all. The KPIs' utilisation already leaves a share of no
hours available blank (None); the billable shares of no hours entered or logged, and the
report title's share of a book with no hours, are now None too (a blank cell, null in JSON, the
title saying no hours were entered), followed and rebuilt alike. A share of some hours is as
before.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
from test_projections_story import authorized_request, work
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import Period, QuoteToCash
from q2c_core.projections import Kpis, catch_up, rebuild

A = "alice"
MONDAY = date(2026, 8, 3)
AUGUST = Period(date(2026, 8, 1), date(2026, 9, 1))
runner = CliRunner(env={"COLUMNS": "400"})


def dana_withdraws_her_hours(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = authorized_request(app, acme, "Export", date(2026, 7, 27))
    app.log_work(export, work("t1", MONDAY, "6", worker="dana"), actor="dana")
    app.withdraw_work(export, "t1", reason="booked on the wrong request", actor="dana")


def followed_and_rebuilt(app: QuoteToCash) -> list[Kpis]:
    followed, rebuilt = Kpis(), Kpis()
    catch_up(app, [followed])
    rebuild(app, [rebuilt])
    return [followed, rebuilt]


def test_no_hours_entered_or_logged_have_no_billable_percentage() -> None:
    app = QuoteToCash.open("memory:")
    dana_withdraws_her_hours(app)
    for kpis in followed_and_rebuilt(app):
        [acme] = kpis.time_entered_vs_invoiced()
        assert (acme.worker, acme.entered, acme.billable) == ("dana", 0, 0)
        assert acme.billable_percent is None
        [august] = kpis.utilisation(AUGUST)
        assert (august.logged, august.available) == (0, 168)
        assert august.utilisation_percent == Decimal("0.0")  # (0 of 168 hours: a share)
        assert august.billable_percent is None
        assert kpis.billable_hours_percent() is None


def test_some_hours_still_have_their_billable_percentage() -> None:
    """Dana logs 4 hours for Beta, 1 of them not billable: 75.0 % of Beta's and of her
    August's hours, and of all hours entered; Acme's row still shows none."""
    app = QuoteToCash.open("memory:")
    dana_withdraws_her_hours(app)
    beta = app.register_customer("Beta", "EUR", account_manager="mia", actor=A)
    later = authorized_request(app, beta, "Import", date(2026, 7, 27))
    app.log_work(later, work("t2", MONDAY, "3", worker="dana"), actor="dana")
    unbillable = attrs.evolve(work("t3", MONDAY, "1", worker="dana"), billable=False)
    app.log_work(later, unbillable, actor="dana")
    for kpis in followed_and_rebuilt(app):
        shares = {t.customer_id: t.billable_percent for t in kpis.time_entered_vs_invoiced()}
        assert sorted(shares.values(), key=str) == [Decimal("75.0"), None]
        [august] = kpis.utilisation(AUGUST)
        assert august.billable_percent == Decimal("75.0")
        assert kpis.billable_hours_percent() == Decimal("75.0")


def test_the_kpis_report_leaves_the_share_of_no_hours_blank(tmp_path: Path) -> None:
    """``q2c report kpis`` and ``utilisation``: the billable % of Dana's rows is null in JSON,
    and the title says no hours were entered rather than "billable hours 0 %"."""
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    dana_withdraws_her_hours(app)
    app.close()
    kpis = runner.invoke(
        cli, ["report", "kpis", "--url", url, "--on", "2026-08-31", "--format", "json"]
    )
    assert kpis.exit_code == 0, kpis.output
    shown = json.loads(kpis.stdout)
    [row] = shown["rows"]
    assert (row["entered"], row["billable %"]) == ("0.00", None)
    assert "billable hours 0 %" not in shown["title"]
    assert "no hours entered" in shown["title"]
    utilisation = runner.invoke(
        cli, ["report", "utilisation", "--url", url, "--on", "2026-08-31", "--format", "json"]
    )
    assert utilisation.exit_code == 0, utilisation.output
    [row] = json.loads(utilisation.stdout)["rows"]
    assert (row["logged"], row["utilisation %"], row["billable %"]) == ("0.00", "0.0", None)
