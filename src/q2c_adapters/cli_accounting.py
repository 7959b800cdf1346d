"""``q2c export ...``: the Beancount ledger and CSV/JSON exports of invoices and payments.

The main CLI calls ``register(app)`` to add the ``export`` group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_adapters.accounting.exports import FORMATS, export
from q2c_adapters.cli_support import fail, one_line, open_app, refuse
from q2c_core.application import QuoteToCash

UrlOption = Annotated[
    str, typer.Option("--url", help="Storage URL: sqlite:///billing.db, postgresql://...")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write to this file instead of standard output.")
]
FormatOption = Annotated[str, typer.Option("--format", help="csv or json")]


def _check_out(out: Path | None) -> None:
    """Refuse an --out whose folder is not there before the work is done (exit 2)."""
    if out is not None and not out.parent.is_dir():
        fail(f"--out {out}: no folder {out.parent}")


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"--out {out}: {one_line(error)}")
    typer.echo(f"wrote {out}", err=True)


def _open(url: str) -> QuoteToCash:
    return open_app(url)


def export_beancount(
    url: UrlOption,
    out: OutOption = None,
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Load the ledger with Beancount first.")
    ] = True,
    title: Annotated[str, typer.Option("--title", help="The ledger's title option.")] = "q2c",
) -> None:
    """Write the Beancount ledger built from the event log (same events, same text)."""
    _check_out(out)
    app = _open(url)
    try:
        text = export_ledger(app, title=title)
    finally:
        app.close()
    if check:
        from beancount import loader

        _, errors, _ = loader.load_string(text)
        if errors:
            for e in errors:
                typer.echo(f"beancount: {e.message}", err=True)
            raise typer.Exit(1)
    _emit(text, out)


def _export(subject: str, url: str, fmt: str, out: Path | None) -> None:
    if fmt not in FORMATS:
        refuse("--format", f"must be one of {', '.join(FORMATS)}, not {fmt!r}")
    _check_out(out)
    app = _open(url)
    try:
        text = export(app, subject, fmt)
    finally:
        app.close()
    _emit(text, out)


def export_invoices(url: UrlOption, fmt: FormatOption = "csv", out: OutOption = None) -> None:
    """Invoices and credit notes with their lines (CSV: one row per line)."""
    _export("invoices", url, fmt, out)


def export_payments(url: UrlOption, fmt: FormatOption = "csv", out: OutOption = None) -> None:
    """Payments with their allocations (CSV: one row per allocation)."""
    _export("payments", url, fmt, out)


def register(app: typer.Typer) -> None:
    """Add the ``export`` command group (beancount, invoices, payments) to the main CLI."""
    group = typer.Typer(help="Export the books: Beancount ledger, invoices, payments.")
    group.command("beancount")(export_beancount)
    group.command("invoices")(export_invoices)
    group.command("payments")(export_payments)
    app.add_typer(group, name="export")
