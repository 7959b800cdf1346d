"""The KPI report names each worker/customer row as `q2c explain` takes it.

Dana (typed "Dana") works for two companies both called "Acme B.V." (an ERP registered them
under its keys C-1 and C-2): 5 hours for one, 3 for the other. The report printed two rows
"Dana | Acme B.V." and nothing more: a reader could not tell whose 5 hours they were, and the
README's `q2c explain kpis 'wc:bob|CUSTOMER_ID_HEX'` needed an id the report never printed,
and a worker key ("dana", the person as kept) it does not show either. Each row now carries
the customer's id and its row key, as the other customer reports do, and lists the customers
by name, then id.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from test_projections_story import A, authorized_request, work
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


def dana_works_for_two_acmes(url: str) -> dict[str, str]:
    app = QuoteToCash.open(url)
    ids: dict[str, str] = {}
    for key, hours in (("C-1", "5"), ("C-2", "3")):
        customer = app.register_customer(
            "Acme B.V.", "EUR", account_manager="mia", actor="erp", reference=key
        )
        job = authorized_request(app, customer, f"Job {key}", date(2024, 5, 2))
        app.log_work(job, work(f"e-{key}", date(2024, 5, 3), hours, worker="Dana"), actor=A)
        ids[key] = customer.hex
    app.close()
    return ids


def test_each_kpi_row_names_its_customer_and_the_row_explain_takes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    ids = dana_works_for_two_acmes(url)
    report = runner.invoke(
        cli, ["report", "kpis", "--url", url, "--on", "2024-06-01", "--format", "csv"]
    )
    assert report.exit_code == 0, report.output
    header, *rows = list(csv.reader(io.StringIO(report.stdout)))
    assert header == [
        "worker",
        "customer",
        "entered",
        "billable",
        "invoiced",
        "billable %",
        "customer id",
        "row (kpis)",
    ]
    by_name_then_id = sorted(ids.items(), key=lambda item: item[1])
    assert [(r[0], r[1], r[6]) for r in rows] == [
        ("Dana", "Acme B.V.", customer) for _, customer in by_name_then_id
    ]
    hours = {r[6]: r[2] for r in rows}
    assert hours == {ids["C-1"]: "5.00", ids["C-2"]: "3.00"}
    for row in rows:
        assert row[7] == f"wc:dana|{row[6]}"
        explained = runner.invoke(cli, ["explain", "kpis", row[7], "--url", url])
        assert explained.exit_code == 0, explained.output
        assert f"kpis row {row[7]}" in explained.stdout
        assert f"entered={hours[row[6]][:1]}\n" in explained.stdout
    as_json = runner.invoke(
        cli, ["report", "kpis", "--url", url, "--on", "2024-06-01", "--format", "json"]
    )
    records = json.loads(as_json.stdout)["rows"]
    assert [r["row (kpis)"] for r in records] == [r[7] for r in rows]
