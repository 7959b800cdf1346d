"""A report as a table prints names, titles and descriptions as they were typed. "Acme [b]"
is a customer's name, not bold type, and "Export [/v2] endpoint" a request's title, not the
end of a style: printed through rich's markup they lost their brackets ("Acme" in bold), or
the report stopped with a MarkupError traceback ("closing tag '[/v2]' ... doesn't match any
open tag") and printed nothing. CSV and JSON never read markup; the table now does not
either."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from test_projections_story import authorized_request, eur, issue, work
from typer.testing import CliRunner

from q2c_adapters.reports import ReportTable, rich_table
from q2c_core import InvoiceLine, LineSource, QuoteToCash, SourceKind, TaxRate

ON = date(2024, 6, 1)
NAME = "Acme [b] [/i] GmbH"
TITLE = "Export [/v2] endpoint"
WORKER = "[dim]Dana"
runner = CliRunner(env={"COLUMNS": "250"})


def books(path: Path) -> str:
    """Acme [b] [/i] GmbH owes an invoice issued on 1 March (past due by June) and has a
    request titled with a path in brackets, worked on by "[dim]Dana"."""
    url = f"sqlite:///{path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    c = app.register_customer(NAME, "EUR", account_manager="[red]mia", actor="alice")
    line = InvoiceLine(
        "L1",
        "support [/b] hours",
        Decimal(1),
        eur("60.00"),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(c, [line], drafted_on=date(2024, 3, 1), actor="billy")
    issue(app, invoice, date(2024, 3, 1))
    r = authorized_request(app, c, TITLE, date(2024, 5, 2))
    app.log_work(r, work("t1", date(2024, 5, 3), "2", worker=WORKER), actor="dana")
    app.close()
    return url


def test_every_report_prints_names_with_square_brackets_as_typed(tmp_path: Path) -> None:
    """The customer's name, the manager's, the request's title and the worker's name come out
    of the tables with their brackets, and no report stops on them."""
    from q2c_adapters.cli import app as cli

    url = books(tmp_path)
    expected = {
        "customers": [NAME],
        "aging": [NAME],
        "past-due": [NAME],
        "statements": [NAME],
        "review": [NAME, TITLE],
        "unbilled": [NAME, "[red]mia"],
        "kpis": [WORKER, NAME],
        "utilisation": [WORKER],
    }
    for report, texts in expected.items():
        # (utilisation is of --on's month: May's, when Dana worked)
        on = date(2024, 5, 31) if report == "utilisation" else ON
        result = runner.invoke(cli, ["report", report, "--url", url, "--on", on.isoformat()])
        assert result.exit_code == 0, (report, result.output)
        for text in texts:
            assert text in result.stdout, (report, text, result.stdout)


def test_a_table_cell_is_text_never_markup() -> None:
    """``rich_table`` of a row holding markup-like text prints that text."""
    table = ReportTable("t", ("customer", "note"), (("[bold]Acme", "[/]"),))
    out = io.StringIO()
    Console(file=out, width=120).print(rich_table(table))
    assert "[bold]Acme" in out.getvalue()
    assert "[/]" in out.getvalue()
