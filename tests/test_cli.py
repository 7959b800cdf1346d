"""The auditor's command line on a real SQLite file (and PostgreSQL): replay, history, report,
explain."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres
from test_projections_story import story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash
from q2c_core.projections import ProjectionStore, ReceivablesAging, catch_up
from q2c_core.projections.store import encode_row

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'q2c.db'}"
        return
    require_postgres()
    schema = new_pg_schema()
    try:
        yield pg_url(schema)
    finally:
        drop_pg_schema(schema)


@pytest.fixture
def world(url: str) -> Iterator[tuple[str, dict]]:  # type: ignore[type-arg]
    app = QuoteToCash.open(url)
    ids = story(app)
    app.close()
    yield url, ids


def _tamper(url: str, ids: dict) -> tuple[str, str, str]:  # type: ignore[type-arg]
    """Make the contract invoice look credited in the live aging read model, behind the
    follower's back: returns the row key and the field's true and tampered values."""
    store = ProjectionStore.open(url)
    aging = ReceivablesAging(store)
    key = f"inv:{ids['contract_invoice'].hex}"
    row = aging.get(key)
    assert row is not None
    before = row["credited"]
    row["credited"] = row["total"]
    with_tracking = store.recorder  # tamper behind the follower's back, in SQL
    if url.startswith("sqlite"):
        with with_tracking.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.execute(
                "UPDATE q2c_projection_rows SET value = ? WHERE projection = ? AND key = ?",
                (encode_row(row), aging.name, key),
            )
    else:
        from psycopg.sql import SQL

        with with_tracking.datastore.transaction(commit=True) as curs:  # type: ignore[attr-defined]
            curs.execute(
                SQL("UPDATE {0} SET value = %s WHERE projection = %s AND key = %s").format(
                    with_tracking.rows_table  # type: ignore[attr-defined]
                ),
                (encode_row(row), aging.name, key),
            )
    store.close()
    return key, str(before), str(row["credited"])


def test_replay_matches_then_finds_a_tampered_row(world) -> None:  # type: ignore[no-untyped-def]
    """Replay rebuilds everything and agrees; a live row changed behind its back is reported,
    with the differing field and both values."""
    url, ids = world
    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 0, result.output
    assert "replay matches" in result.output
    assert "OK   receivables_aging" in result.output
    key, true, tampered = _tamper(url, ids)
    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 1
    assert "DIFF receivables_aging: 1 rows differ" in result.output
    assert key in result.output
    assert f"credited: {tampered} → {true}" in result.output


def test_replay_as_of_after_the_last_event_compares_with_the_live_store(world) -> None:  # type: ignore[no-untyped-def]
    """--as-of at or after the last save was recorded is the live store's own time: a tampered
    live row is found there too, exit 1, and the differing field is named."""
    url, ids = world
    last = datetime.now(UTC)  # after every save of the story was recorded
    for moment in ("2030-01-01T00:00:00", last.isoformat()):
        result = runner.invoke(cli, ["replay", "--url", url, "--as-of", moment])
        assert result.exit_code == 0, result.output
        assert "compared with the live store" in result.output
        assert "replay matches: every projection equals its rebuild" in result.output
    key, true, tampered = _tamper(url, ids)
    for moment in ("2030-01-01T00:00:00", last.isoformat()):
        result = runner.invoke(cli, ["replay", "--url", url, "--as-of", moment])
        assert result.exit_code == 1, result.output
        assert "DIFF receivables_aging: 1 rows differ" in result.output
        assert key in result.output
        assert f"credited: {tampered} → {true}" in result.output
        assert "replay matches" not in result.output


def test_replay_as_of_a_past_time(world) -> None:  # type: ignore[no-untyped-def]
    """As of a recording time, the one-pass and the page-by-page rebuilds agree."""
    url, _ = world
    app = QuoteToCash.open(url)
    middle = app.recorder.select_notifications(start=40, limit=1)[0]
    moment = app.mapper.to_domain_event(middle).timestamp  # type: ignore[attr-defined]
    app.close()
    result = runner.invoke(cli, ["replay", "--url", url, "--as-of", moment.isoformat()])
    assert result.exit_code == 0, result.output
    assert "replay matches" in result.output
    # the live store holds later events: the output says what was compared instead
    assert "the live store holds them" in result.output
    assert "page-by-page" in result.output and "one-pass" in result.output


def test_history_prints_every_event_when_who_what(world) -> None:  # type: ignore[no-untyped-def]
    url, ids = world
    result = runner.invoke(cli, ["history", ids["invoice"].hex, "--url", url])
    assert result.exit_code == 0, result.output
    for what in ("Invoice.Drafted", "Invoice.Approved", "Invoice.Issued", "PaymentApplied"):
        assert what in result.output
    assert "billy" in result.output and "bea" in result.output
    missing = runner.invoke(cli, ["history", "0" * 32, "--url", url])
    assert missing.exit_code == 1


def test_report_in_three_formats(world) -> None:  # type: ignore[no-untyped-def]
    """Any projection as a table, CSV or JSON (the exports of every projection)."""
    url, _ = world
    table = runner.invoke(cli, ["report", "aging", "--url", url, "--on", "2024-06-01"])
    assert table.exit_code == 0, table.output
    assert "Receivables aging on 2024-06-01" in table.output
    as_csv = runner.invoke(
        cli, ["report", "aging", "--url", url, "--on", "2024-06-01", "--format", "csv"]
    )
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0] == ["customer", "current", "1-30", "31-60", "61-90", "90+", "total"]
    assert rows[1] == [
        "Acme",
        "0.00 EUR",
        "0.00 EUR",
        "0.00 EUR",
        "0.00 EUR",
        "363.00 EUR",
        "363.00 EUR",
    ]
    as_json = runner.invoke(
        cli, ["report", "commissions", "--url", url, "--on", "2024-06-01", "--format", "json"]
    )
    data = json.loads(as_json.stdout)
    commissions = [r["commission"]["amount"] for r in data["rows"]]
    assert sorted(commissions) == ["-6.00", "50.00", "6.00"]
    for name in (
        "customers",
        "unbilled",
        "leakage",
        "prepaid",
        "review",
        "awaiting-po",
        "product-areas",
        "past-due",
        "revenue",
        "kpis",
        "utilisation",
        "statements",
        "commission-statements",
        "unbilled-by-age",
    ):
        out = runner.invoke(
            cli, ["report", name, "--url", url, "--on", "2024-06-01", "--format", "json"]
        )
        assert out.exit_code == 0, (name, out.output)
        assert json.loads(out.stdout)["report"] == name
    bad = runner.invoke(cli, ["report", "nonsense", "--url", url])
    assert bad.exit_code != 0


def test_report_as_of_uses_only_earlier_events(world) -> None:  # type: ignore[no-untyped-def]
    """Before anything was recorded, the customers report is empty."""
    url, _ = world
    before = datetime(2000, 1, 1, tzinfo=UTC).isoformat()
    out = runner.invoke(
        cli,
        [
            "report",
            "customers",
            "--url",
            url,
            "--as-of",
            before,
            "--on",
            "2024-06-01",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["rows"] == []


def test_report_as_of_a_moment_in_the_middle_of_the_history(world) -> None:  # type: ignore[no-untyped-def]
    """As of the moment the first payment was received (its save not recorded yet), the aging
    shows both issued invoices open; today's report shows only the contract invoice, whose
    payment bounced."""
    url, ids = world
    app = QuoteToCash.open(url)
    received = app.mapper.to_domain_event(  # type: ignore[attr-defined]
        app.recorder.select_events(ids["payment"], limit=1)[0]
    ).timestamp
    app.close()

    def aging(*extra: str) -> dict[str, Any]:
        args = ["report", "aging", "--url", url, "--on", "2024-06-01", "--format", "json"]
        out = runner.invoke(cli, [*args, *extra])
        assert out.exit_code == 0, out.output
        [total] = [r for r in json.loads(out.stdout)["rows"] if r["customer"] == "TOTAL"]
        return {k: v["amount"] for k, v in total.items() if isinstance(v, dict)}

    then = aging("--as-of", received.isoformat())
    assert then["31-60"] == "1210.00"  # the work invoice, due 7 April
    assert then["90+"] == "363.00"  # the contract invoice, due 31 January
    assert then["total"] == "1573.00"
    now = aging()
    assert now["total"] == "363.00" and now["90+"] == "363.00"  # paid; bounced


def test_statements_and_customers_reports_are_on_the_day_asked(world) -> None:  # type: ignore[no-untyped-def]
    """The work invoice (1,210.00, paid 20 April) is open on the statement of 10 April and
    settled on that of 1 June; the customers report's paid column follows the same day."""
    url, _ = world

    def report(name: str, on: str) -> list[dict[str, Any]]:
        out = runner.invoke(cli, ["report", name, "--url", url, "--on", on, "--format", "json"])
        assert out.exit_code == 0, out.output
        rows: list[dict[str, Any]] = json.loads(out.stdout)["rows"]
        return rows

    def work_invoice(on: str) -> str:
        [row] = [
            r
            for r in report("statements", on)
            if r["type"] == "invoice" and r["amount"]["amount"] == "1210.00"
        ]
        return str(row["open / unallocated"]["amount"])

    assert work_invoice("2024-04-10") == "1210.00"
    assert work_invoice("2024-06-01") == "0.00"
    [april] = report("customers", "2024-04-10")
    [june] = report("customers", "2024-06-01")
    assert april["paid"]["amount"] == "0.00"  # the contract invoice's payment bounced
    assert june["paid"]["amount"] == "1210.00"


def test_explain_lists_the_events_behind_a_row(world) -> None:  # type: ignore[no-untyped-def]
    url, ids = world
    key = f"inv:{ids['contract_invoice'].hex}"
    out = runner.invoke(cli, ["explain", "receivables_aging", key, "--url", url])
    assert out.exit_code == 0, out.output
    for what in (
        "Invoice.Drafted",
        "Invoice.Issued",
        "Invoice.PaymentApplied",
        "Invoice.PaymentUnapplied",
    ):
        assert what in out.output
    assert "Invoice.Approved" not in out.output  # not a fact this projection uses
    unknown = runner.invoke(cli, ["explain", "receivables_aging", "inv:nope", "--url", url])
    assert unknown.exit_code == 1


def test_explain_finds_the_time_entries_behind_a_workers_hours(world) -> None:  # type: ignore[no-untyped-def]
    """A KPI row has no aggregate id of its own to look up: explain replays the projection
    and lists exactly the events that wrote the row, from every request bob worked on."""
    url, ids = world
    key = f"wc:bob|{ids['customer'].hex}"
    out = runner.invoke(cli, ["explain", "kpis", key, "--url", url], terminal_width=250)
    assert out.exit_code == 0, out.output
    assert '"entered": "19"' in out.output and '"invoiced": "10"' in out.output
    for entry in ("'t1'", "'t2'", "'v1'", "'v2'", "'x1'"):
        assert entry in out.output  # 4 + 6 + 4 + 3 + 2 hours = 19
    assert "'u1'" not in out.output  # cy's hours are another row
    assert out.output.count("EnhancementRequest.WorkLogged") == 4
    assert "EnhancementRequest.UnauthorizedWorkRecorded" in out.output
    assert "EnhancementRequest.WorkInvoiced" in out.output  # the 10 invoiced hours
    for request in ("request", "request3", "request5"):
        assert ids[request].hex in out.output
    assert ids["request2"].hex not in out.output


def test_explain_as_of_lists_only_what_was_recorded_by_then(world) -> None:  # type: ignore[no-untyped-def]
    """As of the first approval's time, the billing run's save (the draft) was recorded and the
    approval's own save was not yet: the row shows the draft alone."""
    url, ids = world
    app = QuoteToCash.open(url)
    approved = next(
        app.mapper.to_domain_event(s)  # type: ignore[attr-defined]
        for s in app.recorder.select_events(ids["contract_invoice"])
        if s.topic.endswith("Invoice.Approved")
    ).timestamp
    app.close()
    key = f"inv:{ids['contract_invoice'].hex}"
    out = runner.invoke(
        cli,
        ["explain", "receivables_aging", key, "--url", url, "--as-of", approved.isoformat()],
        terminal_width=250,
    )
    assert out.exit_code == 0, out.output
    assert "Invoice.Drafted" in out.output
    assert "Invoice.Issued" not in out.output and "Invoice.PaymentApplied" not in out.output


def test_rows_lists_the_keys_explain_takes(world) -> None:  # type: ignore[no-untyped-def]
    url, ids = world
    out = runner.invoke(cli, ["rows", "kpis", "--url", url, "--prefix", "wc:"], terminal_width=250)
    assert out.exit_code == 0, out.output
    assert "kpis: 2 rows" in out.output
    assert f"wc:bob|{ids['customer'].hex}" in out.output
    assert f"wc:cy|{ids['customer'].hex}" in out.output
    assert "__config__" not in out.output
    few = runner.invoke(cli, ["rows", "commissions", "--url", url, "--limit", "1"])
    assert few.exit_code == 0 and "more rows" in few.output
    unknown = runner.invoke(cli, ["rows", "nope", "--url", url])
    assert unknown.exit_code == 2


def test_update_brings_the_live_store_to_the_head(world) -> None:  # type: ignore[no-untyped-def]
    url, _ = world
    out = runner.invoke(cli, ["update", "--url", url])
    assert out.exit_code == 0, out.output
    app = QuoteToCash.open(url)
    store = ProjectionStore.open(url)
    aging = ReceivablesAging(store)
    assert catch_up(app, [aging]) == 0  # nothing left to apply
    store.close()
    app.close()


def test_main_wires_the_other_command_modules() -> None:
    """invoice render and export come from their own modules' register(app)."""
    from q2c_adapters.cli import _register_extensions

    _register_extensions()
    _register_extensions()  # idempotent
    out = runner.invoke(cli, ["--help"])
    assert out.exit_code == 0
    for command in ("replay", "history", "report", "explain", "invoice", "export"):
        assert command in out.output


def test_commission_plan_option_and_a_store_built_with_another_plan(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A plan from a JSON file drives the commissions; a live store built with another plan is
    refused (exit 2) rather than silently extended; a rebuild uses the plan given."""
    url, _ = world
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(
            [
                {"manager": "*", "revenue_kind": "enhancement", "rate": "0.05"},
                {
                    "manager": "mia",
                    "revenue_kind": "enhancement",
                    "rate": "0.10",
                    "effective_from": "2024-04-01",
                },
            ]
        )
    )
    built = runner.invoke(cli, ["update", "--url", url])  # default plan
    assert built.exit_code == 0, built.output
    other = runner.invoke(
        cli,
        [
            "report",
            "commissions",
            "--url",
            url,
            "--commission-plan",
            str(plan),
            "--format",
            "json",
            "--on",
            "2024-06-01",
        ],
    )
    assert other.exit_code == 2
    replay = runner.invoke(cli, ["replay", "--url", url, "--commission-plan", str(plan)])
    assert replay.exit_code == 2  # the live store says it was built with the default plan
    as_of = datetime.now(UTC).isoformat()
    rebuilt = runner.invoke(
        cli,
        [
            "report",
            "commissions",
            "--url",
            url,
            "--commission-plan",
            str(plan),
            "--as-of",
            as_of,
            "--format",
            "json",
            "--on",
            "2024-06-01",
        ],
    )
    assert rebuilt.exit_code == 0, rebuilt.output
    amounts = sorted(r["commission"]["amount"] for r in json.loads(rebuilt.stdout)["rows"])
    assert amounts == ["100.00"]  # 10 % of 1,000.00; no maintenance rate in this plan
    bad = tmp_path / "bad.json"
    bad.write_text('[{"rate": 1}]')
    refused = runner.invoke(
        cli, ["report", "commissions", "--url", url, "--commission-plan", str(bad)]
    )
    assert refused.exit_code != 0


def test_a_mistyped_database_path_is_an_error_not_an_empty_report(tmp_path: Path) -> None:
    """Reading commands never create an empty database: the auditor learns the path is wrong."""
    from typer.testing import CliRunner

    from q2c_adapters.cli import _register_extensions
    from q2c_adapters.cli import app as cli_app

    _register_extensions()  # what main() does: adds the invoice and export commands once
    missing = tmp_path / "nope.db"
    runner = CliRunner()
    for args in (
        ["report", "customers", "--url", f"sqlite:///{missing}"],
        ["history", "00000000-0000-0000-0000-000000000000", "--url", f"sqlite:///{missing}"],
        ["export", "beancount", "--url", f"sqlite:///{missing}"],
    ):
        result = runner.invoke(cli_app, args)
        assert result.exit_code == 2, args
        assert "no q2c database" in result.output
    assert not missing.exists()


def test_bill_previews_then_drafts_each_due_period_once(url: str) -> None:
    """`q2c bill --preview` shows what is due and saves nothing; `q2c bill --workers 2` drafts
    it in two processes; a second run finds nothing due; a bad date is a usage error."""
    from datetime import date as day

    from q2c_core import (
        BillingFrequency,
        Money,
        Period,
        PricePoint,
        SubContract,
        SubContractKind,
    )

    app = QuoteToCash.open(url)
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    for n in range(3):
        cid = app.sign_contract(
            cust,
            number=f"MC-{n}",
            term=Period(day(2024, 1, 1), day(2025, 1, 1)),
            frequency=BillingFrequency.MONTHLY,
            signed_on=day(2024, 1, 1),
            actor="a",
            sub_contracts=[
                SubContract(
                    "S1",
                    "Support",
                    SubContractKind.PRODUCT,
                    day(2024, 1, 1),
                    [PricePoint(day(2024, 1, 1), Money.of(1200, "EUR"))],
                )
            ],
        )
        app.activate_contract(cid, effective=day(2024, 1, 1), actor="a")
    head = app.recorder.max_notification_id()
    app.close()
    args = ["bill", "--url", url, "--as-of", "2024-02-01", "--actor", "billing"]
    shown = runner.invoke(cli, [*args, "--preview"])
    assert shown.exit_code == 0, shown.output
    assert "Preview" in shown.output and "standard" in shown.output
    assert "6" in shown.output and "600.00 EUR" in shown.output  # 3 contracts x 2 months x 100
    again = QuoteToCash.open(url)
    assert again.recorder.max_notification_id() == head  # the preview saved nothing
    again.close()
    posted = runner.invoke(cli, [*args, "--workers", "2"])
    assert posted.exit_code == 0, posted.output
    assert "600.00 EUR" in posted.output and "3 contracts" in posted.output
    assert "12 events" in posted.output  # each invoice and its PeriodBilled
    second = runner.invoke(cli, args)
    assert second.exit_code == 0 and "nothing is due" in second.output
    bad = runner.invoke(cli, ["bill", "--url", url, "--as-of", "1 Feb", "--actor", "b"])
    assert bad.exit_code == 2
