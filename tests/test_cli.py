"""The auditor's command line on a real SQLite file (and PostgreSQL): replay, history, report,
explain."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
import typer
from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres
from test_projections_story import story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.cli import fact, wrap_items
from q2c_core import (
    BillingFrequency,
    InvalidValue,
    Money,
    Period,
    QuoteToCash,
    RevenueKind,
    TimeEntry,
    position_as_of,
    recorded_times,
)
from q2c_core.projections import CommissionRate, ProjectionStore, ReceivablesAging, catch_up
from q2c_core.projections.store import encode_row

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def url(shared_url: str) -> str:
    """A real SQLite file, or a schema of the real PostgreSQL (conftest's ``shared_url``)."""
    return shared_url


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


def test_history_takes_the_invoice_number_the_reports_print(world) -> None:  # type: ignore[no-untyped-def]
    """The auditor reads INV-000001 on the aging report and asks for its history by that
    number, as explain and invoice render take it: the same events as by the invoice's id. A
    number no invoice has is one line naming the argument, exit 2."""
    url, ids = world
    app = QuoteToCash.open(url)
    number = app.invoice(ids["invoice"]).number
    app.close()
    assert number
    by_id = runner.invoke(cli, ["history", ids["invoice"].hex, "--url", url])
    by_number = runner.invoke(cli, ["history", number, "--url", url])
    assert by_number.exit_code == 0, by_number.output
    assert f"History of {number} ({ids['invoice']}): " in by_number.output
    assert by_number.output.splitlines()[1:] == by_id.output.splitlines()[1:]
    unknown = runner.invoke(cli, ["history", "INV-999999", "--url", url])
    _clean_exit(unknown)
    assert unknown.stdout == ""
    assert unknown.stderr == (
        "error: AGGREGATE_ID: 'INV-999999' is neither an id nor the number of an invoice or "
        "credit note\n"
    )


def test_history_shows_when_each_event_was_recorded_the_as_of_that_includes_it(world) -> None:  # type: ignore[no-untyped-def]
    """An auditor copies the time ``history`` shows for an event into ``--as-of``: that is the
    save's recording time, so the view as of it holds the event, and a microsecond earlier
    does not (creation times come before recording and would leave it out)."""
    url, ids = world
    app = QuoteToCash.open(url)
    invoice = ids["invoice"]
    times = recorded_times(app, invoice)
    events = [app.mapper.to_domain_event(s) for s in app.recorder.select_events(invoice)]  # type: ignore[attr-defined]
    assert set(times) == {e.originator_version for e in events}
    applied = next(e for e in events if type(e).__qualname__ == "Invoice.PaymentApplied")
    at = times[applied.originator_version]
    assert at >= applied.timestamp
    notification = next(
        n.id
        for n in app.recorder.select_notifications(1, 10_000)
        if n.originator_id == invoice and n.originator_version == applied.originator_version
    )
    assert position_as_of(app, at) >= notification
    assert position_as_of(app, at - timedelta(microseconds=1)) < notification
    app.close()
    out = runner.invoke(cli, ["history", invoice.hex, "--url", url], terminal_width=200)
    assert out.exit_code == 0, out.output
    line = next(x for x in out.output.splitlines() if "Invoice.PaymentApplied" in x)
    assert at.isoformat(timespec="microseconds") in line
    assert "(created)" not in out.output


def test_report_in_three_formats(world) -> None:  # type: ignore[no-untyped-def]
    """Any projection as a table, CSV or JSON (the exports of every projection)."""
    url, ids = world
    table = runner.invoke(cli, ["report", "aging", "--url", url, "--on", "2024-06-01"])
    assert table.exit_code == 0, table.output
    assert "Receivables aging on 2024-06-01" in table.output
    as_csv = runner.invoke(
        cli, ["report", "aging", "--url", url, "--on", "2024-06-01", "--format", "csv"]
    )
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    # amounts as plain numbers a spreadsheet sums, the row's currency in its own column
    assert rows[0] == [
        "customer",
        "currency",
        "current",
        "1-30",
        "31-60",
        "61-90",
        "90+",
        "total",
        "kind",
        "customer id",
    ]
    assert rows[1] == [
        "Acme",
        "EUR",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "363.00",
        "363.00",
        "invoices",
        ids["customer"].hex,
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


def test_explain_takes_a_report_s_name_and_the_id_it_prints(world) -> None:  # type: ignore[no-untyped-def]
    """An auditor reading the prepaid or aging report asks about the id it shows, under the
    report's name: the one row keyed by that id is explained; an id several rows name is a
    usage error that lists them."""
    url, ids = world
    out = runner.invoke(
        cli, ["explain", "prepaid", str(ids["allowance"]), "--url", url], terminal_width=200
    )
    assert out.exit_code == 0, out.output
    assert f"prepaid_credit_usage row alw:{ids['allowance'].hex}" in out.output
    assert "PrepaidAllowance.Granted" in out.output
    out = runner.invoke(cli, ["explain", "aging", ids["invoice"].hex, "--url", url])
    assert out.exit_code == 0, out.output
    assert "Invoice.PaymentApplied" in out.output
    several = runner.invoke(cli, ["explain", "commissions", ids["payment"].hex, "--url", url])
    assert several.exit_code == 2
    assert f"pay:{ids['payment'].hex}" in several.output
    assert f"alloc:{ids['payment'].hex}|" in several.output
    for args in (["customers", "inv:x"], ["aging", "not-an-id"]):
        refused = runner.invoke(cli, ["explain", *args, "--url", url])
        assert refused.exit_code == 2, refused.output


def test_explain_finds_the_time_entries_behind_a_workers_hours(world) -> None:  # type: ignore[no-untyped-def]
    """A KPI row has no aggregate id of its own to look up: explain replays the projection
    and lists exactly the events that wrote the row, from every request bob worked on."""
    url, ids = world
    key = f"wc:bob|{ids['customer'].hex}"
    out = runner.invoke(cli, ["explain", "kpis", key, "--url", url], terminal_width=250)
    assert out.exit_code == 0, out.output
    assert "entered=19\n" in out.output and "invoiced=10\n" in out.output
    for entry in ("t1", "t2", "v1", "v2", "x1"):
        assert f"entry_id={entry}," in out.output  # 4 + 6 + 4 + 3 + 2 hours = 19
    assert "entry_id=u1," not in out.output  # cy's hours are another row
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


narrow = CliRunner(env={"COLUMNS": "80"})  # what a pipe gets: no wide terminal
REPRS = ("Decimal(", "UUID(", "datetime.", "Money(", "TimeEntry(", "Charge(", "...", "_q2c_facts")


def test_rows_keys_are_whole_when_piped_and_explain_takes_them(world) -> None:  # type: ignore[no-untyped-def]
    """Piped (80 columns), ``q2c rows`` prints every key whole, never shortened with an
    ellipsis: a key copied from its output is one ``q2c explain`` accepts."""
    url, ids = world
    for name, pattern in (("kpis", r"wc:[^\s│]+"), ("commissions", r"alloc:[^\s│]+")):
        out = narrow.invoke(cli, ["rows", name, "--url", url])
        assert out.exit_code == 0, out.output
        assert "…" not in out.output
        keys = re.findall(pattern, out.output)
        assert keys, out.output
        if name == "kpis":
            assert sorted(keys) == [f"wc:{w}|{ids['customer'].hex}" for w in ("bob", "cy")]
        for key in keys:
            explained = narrow.invoke(cli, ["explain", name, key, "--url", url])
            assert explained.exit_code == 0, explained.output
            assert f"{name} row {key}" in explained.output


def test_history_shows_every_fact_whole_and_readable(world) -> None:  # type: ignore[no-untyped-def]
    """Piped (80 columns), history prints each fact whole, as an auditor reads it: a time
    entry's hours and rate, money as amount and currency, ISO days, periods by their first and
    last day, enums by name, ids as hex (an issued invoice's with its number), an invoice
    draft's total; no Python reprs, no internal fields, nothing cut."""
    url, ids = world
    app = QuoteToCash.open(url)
    number = app.invoice(ids["contract_invoice"]).number
    app.close()
    expected = {
        "request": (
            "EnhancementRequest.WorkLogged",
            "entry: entry_id=t1,",
            "work_date=2024-03-05,",
            "hours=4,",
            "rate=100.00 EUR",
            "amount=1000.00 EUR",  # the purchase order
            "requested_on=2024-03-01",
            f"customer_id={ids['customer'].hex}",
        ),
        "invoice": (
            "total=1210.00 EUR (net 1000.00 EUR + tax 210.00 EUR)",
            "lines:",
            "unit_price=100.00 EUR",
            "kind=WORK",
            "roles=[billing, account_manager]",
            "amount=1210.00 EUR",  # the payment applied
        ),
        "contract": (
            "term=2024-01-01..2024-12-31",
            "frequency=QUARTERLY",
            "annual_price=1200.00 EUR",
            "period=2024-01-01..2024-03-31",
            f"invoice_id={number} ({ids['contract_invoice'].hex})",
        ),
        "allowance": (
            "period=2024-01-01..2024-12-31",
            "unit=HOURS",
            "quantity=5",
            "PrepaidAllowance.WorkCharged",
            f"request_id={ids['request5'].hex},",
        ),
    }
    for aggregate, facts in expected.items():
        out = narrow.invoke(cli, ["history", ids[aggregate].hex, "--url", url])
        assert out.exit_code == 0, out.output
        for text in facts:
            assert text in out.output, (aggregate, text, out.output)
        for text in REPRS:
            assert text not in out.output, (aggregate, text, out.output)
        assert "billable=" not in out.output and "note=" not in out.output  # the defaults


def test_explain_shows_the_whole_row_and_readable_events(world) -> None:  # type: ignore[no-untyped-def]
    """Piped (80 columns), explain prints the row whole (its total and payments, which a
    160-character cut hid) and each event's facts readable (an invoice draft's total, not the
    projections' internal cache of it)."""
    url, ids = world
    key = f"inv:{ids['invoice'].hex}"
    out = narrow.invoke(cli, ["explain", "receivables_aging", key, "--url", url])
    assert out.exit_code == 0, out.output
    for text in (
        f"receivables_aging row {key}",
        "    total=1210.00\n",
        "    paid={",
        "issued_on=2024-03-08",
        "total=1210.00 EUR (net 1000.00 EUR + tax 210.00 EUR)",
        f"payment_id={ids['payment'].hex}",
    ):
        assert text in out.output, (text, out.output)
    for text in (*REPRS, "InvoiceFacts"):
        assert text not in out.output, (text, out.output)


def test_a_fact_is_printed_whole_and_plain() -> None:
    """Money as amount and currency (exact when it has more digits), plain digits, ISO days,
    periods by first..last day, enums by name, ids as hex (an invoice's with its number),
    attrs values by their non-default fields, lists and dicts element by element."""
    entry = TimeEntry("t9", "bob", date(2024, 3, 5), Decimal("7.50"), Money.of("12.5", "EUR"))
    assert fact(entry) == (
        "(entry_id=t9, worker=bob, work_date=2024-03-05, hours=7.50, rate=12.50 EUR)"
    )
    assert "billable=no" in fact(attrs.evolve(entry, billable=False))
    assert fact(Money.of("0.125", "EUR")) == "0.125 EUR"
    assert fact(Decimal("1E+1")) == "10" and fact(Decimal("0.05")) == "0.05"
    assert fact(Period(date(2026, 1, 1), date(2027, 1, 1))) == "2026-01-01..2026-12-31"
    assert fact(BillingFrequency.MONTHLY) == "MONTHLY"
    assert fact(datetime(2026, 3, 1, 9, 30, tzinfo=UTC)) == "2026-03-01T09:30:00+00:00"
    uid = UUID(int=7)
    numbers = {uid: "INV-000007"}.get
    assert fact(uid) == uid.hex
    assert fact([uid], "document_ids", numbers) == f"[INV-000007 ({uid.hex})]"
    assert fact(uid, "customer_id", numbers) == uid.hex
    assert fact({"r:d2": Decimal("4")}) == "{r:d2: 4}"
    assert fact("two\nlines") == "two\\nlines"
    assert wrap_items("a=1, b=22 EUR, c=3", 10) == ["a=1,", "b=22 EUR,", "c=3"]
    assert wrap_items(f"x={'y' * 30}, z=1", 10) == [f"x={'y' * 30},", "z=1"]


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


def test_bill_shows_each_currency_at_its_minor_unit(tmp_path: Path) -> None:
    """A Tokyo customer's contract bills 10000 JPY a month: the run's summary says 20000 JPY
    for two months, as the reports write yen (no decimals), not 20,000.00 JPY."""
    from q2c_core import PricePoint, SubContract, SubContractKind

    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    cust = app.register_customer("Kaisha", "JPY", account_manager="mia", actor="a")
    contract = app.sign_contract(
        cust,
        number="MC-JP",
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 1, 1),
        actor="a",
        sub_contracts=[
            SubContract(
                "S1",
                "Support",
                SubContractKind.PRODUCT,
                date(2024, 1, 1),
                [PricePoint(date(2024, 1, 1), Money.of(120000, "JPY"))],
            )
        ],
    )
    app.activate_contract(contract, effective=date(2024, 1, 1), actor="a")
    app.close()
    args = ["bill", "--url", url, "--as-of", "2024-02-01", "--actor", "billing", "--preview"]
    shown = runner.invoke(cli, args)
    assert shown.exit_code == 0, shown.output
    assert "20000 JPY" in shown.output and ".00 JPY" not in shown.output


def test_report_revenue_table_leaves_out_empty_forecast_months_csv_and_json_keep_them(
    tmp_path: Path,
) -> None:
    """A customer without a contract forecasts nothing: q2c report revenue leaves its 0.00
    forecast rows (the rest of June after --on, then twelve months) out of the table and says
    so, --all prints them, and the JSON and CSV exports keep every month (a BI tool reads the
    series whole)."""
    from test_cli_reports import money_allowance_story

    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    money_allowance_story(app)
    app.close()
    args = ["report", "revenue", "--url", url, "--on", "2024-06-01"]
    table = runner.invoke(cli, args)
    assert table.exit_code == 0, table.output
    assert "forecast 2024-07" not in table.stdout
    assert "forecast months with nothing forecast left out: 13" in table.stdout
    every = runner.invoke(cli, [*args, "--all"])
    assert "forecast 2024-06 from 2024-06-02" in every.stdout
    assert "forecast 2024-07" in every.stdout and "forecast 2025-06" in every.stdout
    as_json = json.loads(runner.invoke(cli, [*args, "--format", "json"]).stdout)
    months = [r for r in as_json["rows"] if r["line"].startswith("forecast")]
    assert len(months) == 13
    assert {m["amount"]["amount"] for m in months} == {"0.00"}
    as_csv = runner.invoke(cli, [*args, "--format", "csv"]).stdout
    assert sum(line.startswith("forecast") for line in as_csv.splitlines()) == 13


# -- the fixes of the CLI review -----------------------------------------------------------------


def _extended_cli() -> Any:
    """The q2c app with the invoice and export commands, as main() builds it."""
    from q2c_adapters.cli import _register_extensions

    _register_extensions()
    return cli


def _clean_exit(result: Any, code: int = 2) -> str:
    """The output of a command that stopped on purpose (no traceback), with ``code``."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return str(result.output)


def test_invoice_render_finds_an_invoice_the_billing_run_drafted(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Billing-run invoices are listed on the contract, not the customer: render finds them by
    number as well as request invoices."""
    url, ids = world
    app = QuoteToCash.open(url)
    contract_number = app.invoice(ids["contract_invoice"]).number
    request_number = app.invoice(ids["invoice"]).number
    app.close()
    assert contract_number and request_number
    for number in (contract_number, request_number):
        out = tmp_path / f"{number}.html"
        result = runner.invoke(
            _extended_cli(),
            ["invoice", "render", number, "--url", url, "-f", "html", "-o", str(out)],
        )
        assert result.exit_code == 0, result.output
        assert number in out.read_text()


def test_every_date_option_refuses_bad_input_cleanly(tmp_path: Path) -> None:
    """--on, --as-of (report, replay, explain) and bill's --as-of: a usage error, exit 2, no
    traceback (the dates are read before the database is opened)."""
    url = f"sqlite:///{tmp_path / 'none.db'}"
    for args in (
        ["report", "aging", "--url", url, "--on", "garbage"],
        ["report", "aging", "--url", url, "--on", "2024-02-30"],
        ["report", "aging", "--url", url, "--as-of", "garbage"],
        ["replay", "--url", url, "--as-of", "garbage"],
        ["explain", "kpis", "x", "--url", url, "--as-of", "garbage"],
        ["bill", "--url", url, "--as-of", "garbage", "--actor", "a"],
    ):
        output = _clean_exit(runner.invoke(cli, args))
        assert "is not an ISO date" in output, args
        assert "garbage" in output or "2024-02-30" in output


def test_dates_beyond_what_the_reports_reckon_with_are_refused_cleanly(tmp_path: Path) -> None:
    """Valid ISO dates at the ends of the calendar (year 1 with an offset, 9999-12-31) would
    overflow a forecast or an aging: refused up front, with the range, exit 2."""
    url = f"sqlite:///{tmp_path / 'none.db'}"
    for args in (
        ["report", "aging", "--url", url, "--as-of", "0001-01-01T00:00:00+01:00"],
        ["replay", "--url", url, "--as-of", "0001-01-01T00:00:00+01:00"],
        ["report", "revenue", "--url", url, "--on", "9999-12-31"],
        ["report", "unbilled", "--url", url, "--on", "0999-12-31"],
        ["bill", "--url", url, "--as-of", "9000-01-01", "--actor", "a"],
    ):
        output = _clean_exit(runner.invoke(cli, args))
        assert "out of range: years 1000 to 8999" in output, args


def test_a_commission_plan_of_the_wrong_shape_or_rate_is_a_usage_error(tmp_path: Path) -> None:
    """A plan file that is not a list of rates, or whose rate is not a fraction from 0 to 1
    (NaN, negative, 5 meant as 5 %), is refused before anything is read or written."""
    url = f"sqlite:///{tmp_path / 'none.db'}"
    plans = {
        '{"manager": "*", "revenue_kind": "enhancement", "rate": 0.05}': "JSON list",
        '[{"revenue_kind": "enhancement", "rate": "NaN"}]': "rate: must be a Decimal fraction",
        '[{"revenue_kind": "enhancement", "rate": -0.05}]': "rate: must be a Decimal fraction",
        '[{"revenue_kind": "enhancement", "rate": 5}]': "rate: must be a Decimal fraction",
        '[{"revenue_kind": "enhancement"}]': "no 'rate'",
        '[{"revenue_kind": "enhancement", "rate": 0.05, "effective_from": 2024}]': "plan",
    }
    for text, reason in plans.items():
        plan = tmp_path / "plan.json"
        plan.write_text(text)
        args = ["report", "commissions", "--url", url, "--commission-plan", str(plan)]
        output = _clean_exit(runner.invoke(cli, args))
        assert "is not a commission plan" in output and reason in output, (text, output)
    with pytest.raises(InvalidValue, match="rate"):
        CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("1.01"))
    with pytest.raises(InvalidValue, match="manager"):
        CommissionRate("", RevenueKind.ENHANCEMENT, Decimal("0.01"))


def test_a_date_alone_in_any_iso_form_means_the_end_of_that_day() -> None:
    from q2c_adapters.cli import parse_date, parse_timestamp

    end = datetime(2026, 12, 3, 23, 59, 59, 999999, tzinfo=UTC)
    for text in ("2026-12-03", "20261203", "2026-W49-4", "2026W494", "2026-337", "2026337"):
        assert parse_timestamp(text) == end, text
        assert parse_date(text, "--on") == end.date(), text
    assert parse_timestamp("20261203T1000") == datetime(2026, 12, 3, 10, tzinfo=UTC)
    for bad in ("2026-367", "2026-12", "garbage"):
        with pytest.raises(typer.BadParameter, match="is not an ISO date"):
            parse_timestamp(bad)


def test_one_moment_written_with_two_offsets_is_one_utc_moment_and_one_business_day() -> None:
    """23:30 on 6 December in UTC is 01:30 on 7 December in Berlin's summer offset: both
    spellings are the same moment, given back in UTC, so the report's day (the as-of's date
    when --on is left out) is 6 December for both."""
    from q2c_adapters.cli import parse_timestamp

    utc = parse_timestamp("2026-12-06T23:30:00Z")
    east = parse_timestamp("2026-12-07T01:30:00+02:00")
    assert utc == east == datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert east.tzinfo is UTC and east.date() == date(2026, 12, 6)
    assert parse_timestamp("2026-12-03T10:00+01:00") == datetime(2026, 12, 3, 9, tzinfo=UTC)


def test_a_week_without_its_day_is_refused_not_read_as_its_monday() -> None:
    """--as-of 2026-W49 used to cut at the end of Monday 30 November, silently leaving out
    the rest of the week; a week is no day, so it is refused, naming the form to use."""
    from q2c_adapters.cli import parse_date, parse_timestamp

    for week in ("2026-W49", "2026W49", "2026-W49T10:00", "2026-W49 10:00", "2026W49_10"):
        with pytest.raises(typer.BadParameter, match="is not an ISO date"):
            parse_timestamp(week)
        with pytest.raises(typer.BadParameter, match="is not an ISO date"):
            parse_date(week, "--on")
    assert parse_timestamp("2026-W49-7") == datetime(2026, 12, 6, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_timestamp("2026-W49-7T10:00") == datetime(2026, 12, 6, 10, tzinfo=UTC)
    assert parse_timestamp("2026W497") == datetime(2026, 12, 6, 23, 59, 59, 999999, tzinfo=UTC)


def test_report_as_of_a_basic_iso_date_includes_that_whole_day(world) -> None:  # type: ignore[no-untyped-def]
    """--as-of 20261203 is the same moment as --as-of 2026-12-03: the end of that day."""
    url, _ = world
    today = datetime.now(UTC).date()

    def customers(as_of: str) -> list[dict[str, Any]]:
        args = ["report", "customers", "--url", url, "--as-of", as_of, "--format", "json"]
        out = runner.invoke(cli, [*args, "--on", "2024-06-01"])
        assert out.exit_code == 0, out.output
        rows: list[dict[str, Any]] = json.loads(out.stdout)["rows"]
        return rows

    extended = customers(today.isoformat())
    assert extended  # Acme, recorded today
    assert customers(today.strftime("%Y%m%d")) == extended
    assert customers(today.strftime("%G-W%V-%u")) == extended


def test_commission_lines_name_every_column(world) -> None:  # type: ignore[no-untyped-def]
    url, _ = world
    args = ["report", "commissions", "--url", url, "--on", "2024-06-01"]
    as_json = runner.invoke(cli, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.stdout)["rows"]
    assert rows and all("" not in r for r in rows)
    assert sorted(r["entry"] for r in rows) == ["accrual", "accrual", "reversal"]
    as_csv = runner.invoke(cli, [*args, "--format", "csv"])
    header = next(csv.reader(io.StringIO(as_csv.stdout)))
    assert header[-2:] == ["entry", "invoice id"] and all(header)
    # the invoice by its number, its id beside it for explain
    assert all(r["invoice"].startswith("INV-") and len(r["invoice id"]) == 32 for r in rows)


def test_rows_refuses_a_negative_limit(world) -> None:  # type: ignore[no-untyped-def]
    url, _ = world
    output = _clean_exit(runner.invoke(cli, ["rows", "kpis", "--url", url, "--limit", "-1"]))
    assert "--limit" in output
    none = runner.invoke(cli, ["rows", "kpis", "--url", url, "--limit", "0"])
    assert none.exit_code == 0 and "more rows" in none.output


def _write_row(url: str, projection: str, key: str, row: dict[str, Any]) -> None:
    """Write one stored row behind the follower's back (an older q2c's layout, a bug)."""
    store = ProjectionStore.open(url)
    recorder: Any = store.recorder
    upsert = (
        "INSERT INTO {0} (projection, key, value) VALUES ({1}, {1}, {1}) "
        "ON CONFLICT (projection, key) DO UPDATE SET value = excluded.value"
    )
    values = (projection, key, encode_row(row))
    if url.startswith("sqlite"):
        with recorder.datastore.transaction(commit=True) as c:
            c.execute(upsert.format("q2c_projection_rows", "?"), values)
    else:
        from psycopg.sql import SQL

        with recorder.datastore.transaction(commit=True) as curs:
            curs.execute(SQL(upsert.format("{0}", "%s")).format(recorder.rows_table), values)
    store.close()


def _live_state(url: str, name: str) -> tuple[int, dict[str, Any]]:
    store = ProjectionStore.open(url)
    try:
        return store.position(f"q2c.projection.{name}"), store.load(name)
    finally:
        store.close()


def test_rebuild_replaces_a_refused_read_model_from_events(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After an upgrade changes a projection's rows (its stored layout version is older),
    update, report and rows refuse it and name `q2c rebuild`; a crash during the rebuild
    leaves the old read model; `q2c rebuild` replaces it with the one rebuilt from events, at
    the head (kept when the live store was there, moved when events came later), and leaves
    the other projections alone."""
    url, ids = world
    assert runner.invoke(cli, ["update", "--url", url]).exit_code == 0
    key = f"inv:{ids['contract_invoice'].hex}"
    _, aging_before = _live_state(url, "receivables_aging")
    _write_row(url, "kpis", "__config__", {"config": {"rows": 1}})  # an older layout
    _write_row(url, "kpis", "worker:nobody", {"made": "up"})  # (a key that stays unknown)
    position, old_rows = _live_state(url, "kpis")
    assert "worker:nobody" in old_rows
    app = QuoteToCash.open(url)
    head = app.recorder.max_notification_id()
    app.close()
    assert position == head  # the story's last events are ones the projections read
    for args in (
        ["update", "--url", url],
        ["report", "kpis", "--url", url],
        ["rows", "kpis", "--url", url],
        ["replay", "--url", url],
    ):
        output = _clean_exit(runner.invoke(cli, args))
        assert "rebuild it from events" in output
        assert "q2c rebuild --url" in output and "--projection kpis" in output, output
        assert "--projection commissions" not in output  # only what is refused

    # a crash after the scratch rebuild, before the live rows are replaced: nothing changed
    import q2c_adapters.cli as cli_module

    real = cli_module.rebuild

    def crash(*args: Any, **kwargs: Any) -> int:
        real(*args, **kwargs)
        raise RuntimeError("killed")

    monkeypatch.setattr(cli_module, "rebuild", crash)
    crashed = runner.invoke(cli, ["rebuild", "--url", url, "--projection", "kpis"])
    assert isinstance(crashed.exception, RuntimeError)
    assert _live_state(url, "kpis") == (position, old_rows)
    monkeypatch.setattr(cli_module, "rebuild", real)

    done = runner.invoke(cli, ["rebuild", "--url", url, "--projection", "kpis"])
    assert done.exit_code == 0, done.output
    assert "kpis: rebuilt" in done.output and "receivables_aging" not in done.output
    new_position, new_rows = _live_state(url, "kpis")
    assert new_position == head  # the live store was at the head: so is the rebuild
    assert new_rows["__config__"] != {"config": {"rows": 1}}
    assert "worker:nobody" not in new_rows
    assert _live_state(url, "receivables_aging")[1] == aging_before
    assert runner.invoke(cli, ["report", "kpis", "--url", url]).exit_code == 0
    replay = runner.invoke(cli, ["replay", "--url", url])
    assert replay.exit_code == 0, replay.output

    # events recorded after the live position: the rebuild moves every projection to the head
    app = QuoteToCash.open(url)
    app.register_customer("Later", "EUR", account_manager="mia", actor="a")
    head = app.recorder.max_notification_id()
    app.close()
    _write_row(url, "receivables_aging", key, {"tampered": True})
    everything = runner.invoke(cli, ["rebuild", "--url", url])
    assert everything.exit_code == 0, everything.output
    assert everything.output.count(": rebuilt,") == 9
    for name in ("kpis", "receivables_aging", "customer_statement"):
        assert _live_state(url, name)[0] == head, name
    assert _live_state(url, "receivables_aging")[1][key] == aging_before[key]
    assert runner.invoke(cli, ["replay", "--url", url]).exit_code == 0
    unknown = runner.invoke(cli, ["rebuild", "--url", url, "--projection", "nope"])
    assert "no projection 'nope'" in _clean_exit(unknown)


def test_rebuild_with_another_commission_plan(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A live store built with the default plan refuses another plan, naming the rebuild
    with that plan; after it, the live report uses the new plan."""
    url, _ = world
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"manager": "*", "revenue_kind": "enhancement", "rate": "0.10"}]))
    assert runner.invoke(cli, ["update", "--url", url]).exit_code == 0
    args = ["report", "commissions", "--url", url, "--commission-plan", str(plan)]
    refused = _clean_exit(runner.invoke(cli, [*args, "--format", "json"]))
    assert f"--commission-plan {plan}" in refused and "--projection commissions" in refused
    rebuilt = runner.invoke(
        cli, ["rebuild", "--url", url, "--commission-plan", str(plan), "-p", "commissions"]
    )
    assert rebuilt.exit_code == 0, rebuilt.output
    out = runner.invoke(cli, [*args, "--format", "json", "--on", "2024-06-01"])
    assert out.exit_code == 0, out.output
    amounts = sorted(r["commission"]["amount"] for r in json.loads(out.stdout)["rows"])
    assert amounts == ["100.00"]


def _commands(url: str) -> list[list[str]]:
    """Every command that opens the application at ``url``."""
    at = ["--url", url]
    refund_by = ["--reference", "r", "--actor", "a"]
    return [
        ["report", "aging", *at],
        ["rows", "kpis", *at],
        ["explain", "kpis", "x", *at],
        ["history", "0" * 32, *at],
        ["replay", *at],
        ["update", *at],
        ["rebuild", *at],
        ["bill", *at, "--as-of", "2024-01-01", "--actor", "a"],
        ["refund", "Acme", *at, "--amount", "1", "--on", "2024-01-01", *refund_by],
        ["export", "beancount", *at],
        ["export", "invoices", *at],
        ["invoice", "render", "INV-000001", *at],
    ]


def test_a_sqlite_file_without_q2c_history_is_refused_and_left_alone(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE notes (x TEXT)")
    connection.close()
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (other, empty):
        for args in _commands(f"sqlite:///{path}"):
            output = _clean_exit(runner.invoke(_extended_cli(), args))
            assert "holds no q2c history" in output, (args, output)
    tables = sqlite3.connect(other).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("notes",)]
    assert empty.stat().st_size == 0


def _pg_schema_exists(schema: str) -> bool:
    import psycopg
    from conftest import PG_DSN

    with psycopg.connect(PG_DSN.split("?")[0]) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        return found.fetchone() is not None


def _pg_tables(schema: str) -> list[str]:
    import psycopg
    from conftest import PG_DSN

    with psycopg.connect(PG_DSN.split("?")[0]) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        return [r[0] for r in rows]


def test_a_postgres_schema_without_q2c_history_is_refused_and_left_alone() -> None:
    """A mistyped ?schema= is not created, and an existing schema (or database) without q2c's
    tables gets none: every command says it holds no q2c history and exits 2."""
    import psycopg
    from conftest import PG_DSN

    require_postgres()
    typo = new_pg_schema()
    for args in _commands(pg_url(typo)):
        output = _clean_exit(runner.invoke(_extended_cli(), args))
        assert "holds no q2c history" in output and f"no schema '{typo}'" in output, args
    assert not _pg_schema_exists(typo)
    empty = new_pg_schema()
    with psycopg.connect(PG_DSN.split("?")[0], autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{empty}"')
    try:
        for args in _commands(pg_url(empty)):
            output = _clean_exit(runner.invoke(_extended_cli(), args))
            assert "holds no q2c history (no quotetocash_events table)" in output, args
        assert _pg_tables(empty) == []
    finally:
        drop_pg_schema(empty)


def test_postgres_connection_failures_are_quick_one_line_errors(world) -> None:  # type: ignore[no-untyped-def]
    """A database that is not there, or a port nobody listens on: one line, exit 2, in
    seconds (not eventsourcing's 30-second retries and a traceback). A --store that cannot be
    reached is reported the same way."""
    import time as clock
    from urllib.parse import urlsplit, urlunsplit

    from conftest import PG_DSN

    require_postgres()
    url, _ = world
    dsn = urlsplit(PG_DSN)
    netloc = f"{dsn.username or 'postgres'}@{dsn.hostname}"
    wrong_db = urlunsplit((dsn.scheme, f"{netloc}:{dsn.port or 5432}", "/q2c_no_such_db", "", ""))
    wrong_port = urlunsplit((dsn.scheme, f"{netloc}:1", dsn.path, "", ""))
    for target in (wrong_db, wrong_port):
        started = clock.monotonic()
        output = _clean_exit(runner.invoke(cli, ["report", "aging", "--url", target]))
        assert clock.monotonic() - started < 15
        assert "cannot connect to PostgreSQL" in output
        assert len(output.strip().splitlines()) == 1, output
    stored = runner.invoke(cli, ["report", "aging", "--url", url, "--store", wrong_port])
    assert "cannot connect to PostgreSQL" in _clean_exit(stored)


def test_replay_finds_a_live_read_model_that_skipped_events(world) -> None:  # type: ignore[no-untyped-def]
    """A live read model whose position is past the log's last event (a store built from
    another database, or a tracking row tampered with) would skip the events recorded next:
    replay reports it even though its rows are still equal."""
    url, _ = world
    store = ProjectionStore.open(url)
    aging = ReceivablesAging(store)
    catch_up(QuoteToCash.open(url), [aging])
    head = store.position(aging.tracking_name)
    recorder = store.recorder
    if url.startswith("sqlite"):
        with recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.execute(
                "UPDATE tracking SET notification_id = ? WHERE application_name = ?",
                (head + 50, aging.tracking_name),
            )
    else:
        from psycopg.sql import SQL, Identifier

        schema = Identifier(recorder.datastore.schema)  # type: ignore[attr-defined]
        table = Identifier(recorder.tracking_table_name)  # type: ignore[attr-defined]
        with recorder.datastore.transaction(commit=True) as curs:  # type: ignore[attr-defined]
            curs.execute(
                SQL("UPDATE {0}.{1} SET notification_id = %s WHERE application_name = %s").format(
                    schema, table
                ),
                (head + 50, aging.tracking_name),
            )
    store.close()
    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 1, result.output
    assert f"receivables_aging: the live read model's position is #{head + 50}" in result.output
    assert f"the event log's last is #{head}" in result.output
