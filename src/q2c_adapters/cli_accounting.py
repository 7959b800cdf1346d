"""``q2c export ...``: the Beancount ledger and CSV/JSON exports of invoices and payments.

The main CLI calls ``register(app)`` to add the ``export`` group.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_adapters.accounting.exports import FORMATS, export
from q2c_adapters.cli_support import (
    fail,
    one_line,
    open_app,
    refuse,
    store_file_named,
    write_utf8,
)
from q2c_adapters.output_files import write_whole
from q2c_core.application import QuoteToCash

UrlOption = Annotated[
    str, typer.Option("--url", help="Storage URL: sqlite:///billing.db, postgresql://...")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write to this file instead of standard output.")
]
FormatOption = Annotated[str, typer.Option("--format", help="csv or json")]
OnOption = Annotated[
    str | None,
    typer.Option(
        "--on",
        help="The business day (ISO date) the register is as of: documents issued and "
        "payments received by its end, paid, credited and outstanding as they stood then "
        "(default: as it stands now).",
    ),
]


def _check_out(out: Path | None, url: str) -> None:
    """Refuse, before the work is done (exit 2), an --out whose folder is not there, and one
    naming the SQLite store the export reads (the database or a file SQLite keeps beside it,
    by whatever path or link): written, the export would replace q2c's whole history."""
    if out is None:
        return
    if not out.parent.is_dir():
        fail(f"--out {out}: no folder {out.parent}")
    store = store_file_named(out, url)
    if store is not None:
        fail(
            f"--out {out}: is the store the export reads ({store}); writing it would replace "
            f"q2c's history: name another file"
        )


def _emit(text: str, out: Path | None) -> None:
    """The export into ``--out``, or onto standard output: UTF-8 both ways (``write_utf8``)."""
    if out is None:
        write_utf8(text)
        return
    try:
        write_whole(out, text.encode("utf-8"))
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
    _check_out(out, url)
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


def _day(on: str | None) -> date | None:
    """The ``--on`` day, or ``error: --on: ...`` (exit 2)."""
    if on is None:
        return None
    from q2c_adapters.cli import parse_date  # (the main CLI imports this module)

    try:
        return parse_date(on, "--on")
    except typer.BadParameter as error:
        refuse("--on", error.message)


def _export(subject: str, url: str, fmt: str, out: Path | None, on: str | None = None) -> None:
    if fmt not in FORMATS:
        refuse("--format", f"must be one of {', '.join(FORMATS)}, not {fmt!r}")
    as_of = _day(on)
    _check_out(out, url)
    app = _open(url)
    try:
        text = export(app, subject, fmt, as_of=as_of)
    finally:
        app.close()
    _emit(text, out)


def export_invoices(
    url: UrlOption, fmt: FormatOption = "csv", out: OutOption = None, on: OnOption = None
) -> None:
    """Invoices and credit notes with their lines (CSV: one row per line); with --on, the
    register of that day."""
    _export("invoices", url, fmt, out, on)


def export_payments(
    url: UrlOption, fmt: FormatOption = "csv", out: OutOption = None, on: OnOption = None
) -> None:
    """Payments with their allocations (CSV: one row per allocation); with --on, as they
    stood at the end of that day."""
    _export("payments", url, fmt, out, on)


def register(app: typer.Typer) -> None:
    """Add the ``export`` command group (beancount, invoices, payments) to the main CLI."""
    group = typer.Typer(help="Export the books: Beancount ledger, invoices, payments.")
    group.command("beancount")(export_beancount)
    group.command("invoices")(export_invoices)
    group.command("payments")(export_payments)
    app.add_typer(group, name="export")
