"""A worker is a person, as an account manager is: "Dana", "dana" and "dana " are one Dana.

Dana logs 8 hours on each of three January days on Acme's export, typed "Dana", "dana" and
"dana " by three timesheets. Utilisation showed three rows of 8 hours (4.5 % each) where Dana
worked 24 (13.6 % of January's 176 hours); time entered vs invoiced split her the same way. A
worker of spaces only (or an invisible character) was recorded as a worker nobody is.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_projections_story import authorized_request, work
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.importers import TimeEntryImporter
from q2c_core import InvalidValue, Period, QuoteToCash
from q2c_core.domain import enhancement_request as request_module
from q2c_core.domain.import_batch import ImportRejected
from q2c_core.projections import Kpis, catch_up, rebuild

A = "alice"
JANUARY = Period(date(2026, 1, 1), date(2026, 2, 1))
runner = CliRunner(env={"COLUMNS": "400"})


def acme_export(app: QuoteToCash) -> tuple[UUID, UUID]:
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    return customer, authorized_request(app, customer, "Export", date(2026, 1, 2), hours=100)


def followed_and_rebuilt(app: QuoteToCash) -> Kpis:
    """The KPIs followed event by event, checked against a rebuild from an empty start."""
    followed, rebuilt = Kpis(), Kpis()
    catch_up(app, [followed])
    rebuild(app, [rebuilt])
    assert followed.utilisation(JANUARY) == rebuilt.utilisation(JANUARY)
    assert followed.time_entered_vs_invoiced() == rebuilt.time_entered_vs_invoiced()
    return followed


@pytest.mark.parametrize("blank", ["", "   ", "\u200b", "\u200b \u2060"])
def test_a_time_entry_without_a_worker_is_refused_and_nothing_is_recorded(blank: str) -> None:
    """Hours are somebody's: a worker of nothing, spaces or invisible characters only is
    refused naming entry.worker, and the request records no work."""
    app = QuoteToCash.open("memory:")
    _, request = acme_export(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.log_work(request, work("t1", date(2026, 1, 5), "8", worker=blank), actor="dana")
    assert refused.value.field == "entry.worker"
    assert app.recorder.max_notification_id() == before


def test_an_imported_row_without_a_worker_is_a_row_problem_naming_the_worker_column() -> None:
    """A PSA export whose second row's worker is a zero-width space (pasted from a chat) is
    refused naming that line and the worker column; its good first row is not recorded
    either."""
    app = QuoteToCash.open("memory:")
    _, request = acme_export(app)
    before = app.recorder.max_notification_id()
    text = "worker,date,ticket,hours\ndana,2026-01-05,T-1,8\n\u200b,2026-01-06,T-1,8\n"
    with pytest.raises(ImportRejected) as refused:
        TimeEntryImporter(app, tickets={"T-1": request}).import_bytes(
            text.encode(), "january.csv", actor="psa"
        )
    assert [(p.line, p.field) for p in refused.value.problems] == [(3, "worker")]
    assert app.recorder.max_notification_id() == before


def test_one_worker_typed_three_ways_is_one_row_shown_as_first_typed() -> None:
    """Dana's 24 hours in January are one row, 13.6 % utilised, named "Dana" as her first
    timesheet typed her; time entered vs invoiced gives her one row for Acme with the 8
    invoiced hours of her "dana " entry counted there."""
    app = QuoteToCash.open("memory:")
    customer, request = acme_export(app)
    for n, name in enumerate(["Dana", "dana", "dana ", "ＤＡＮＡ\u200b"]):
        app.log_work(request, work(f"t{n}", date(2026, 1, 5 + n), "6", worker=name), actor=A)
    app.log_work(request, work("b1", date(2026, 1, 5), "4", worker="bob"), actor=A)
    kpis = followed_and_rebuilt(app)
    month = {u.worker: (u.logged, u.utilisation_percent) for u in kpis.utilisation(JANUARY)}
    assert month == {"Dana": (Decimal(24), Decimal("13.6")), "bob": (Decimal(4), Decimal("2.3"))}
    [dana, bob] = kpis.time_entered_vs_invoiced()
    assert (dana.worker, dana.customer_id, dana.entered) == ("Dana", customer.hex, Decimal(24))
    assert (bob.worker, bob.entered) == ("bob", Decimal(4))


def test_a_blank_worker_recorded_before_the_rule_still_loads_and_is_one_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Entries saved before blank workers were refused ("   " and "") still load and count:
    they are one nobody, shown as the first was typed, apart from Dana."""
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    _, request = acme_export(app)
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(request_module, "person_key", lambda name: name or "nobody")
        app.log_work(request, work("t1", date(2026, 1, 5), "8", worker="   "), actor=A)
        app.log_work(request, work("t2", date(2026, 1, 6), "8", worker=""), actor=A)
    app.log_work(request, work("t3", date(2026, 1, 7), "8", worker="Dana"), actor=A)
    app.close()
    app = QuoteToCash.open(url)
    assert [w.entry.worker for w in app.request(request).work] == ["   ", "", "Dana"]
    kpis = followed_and_rebuilt(app)
    month = {u.worker: u.logged for u in kpis.utilisation(JANUARY)}
    assert month == {"   ": Decimal(16), "Dana": Decimal(8)}
    app.close()


def test_the_utilisation_report_shows_one_row_for_one_worker(tmp_path: Path) -> None:
    """``q2c report utilisation`` and ``q2c report kpis`` name Dana once."""
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    _, request = acme_export(app)
    for n, name in enumerate(["Dana", "dana", "dana "]):
        app.log_work(request, work(f"t{n}", date(2026, 1, 5 + n), "8", worker=name), actor=A)
    app.close()
    for report in ("utilisation", "kpis"):
        out = runner.invoke(
            cli, ["report", report, "--url", url, "--on", "2026-01-31", "--format", "json"]
        )
        assert out.exit_code == 0, out.output
        rows = json.loads(out.stdout)["rows"]
        assert [r["worker"] for r in rows] == ["Dana"], rows
    assert rows[0]["entered"] == "24.00"
