"""``q2c import ...``: PSA time entries, CRM contracts and bank statements from the shell.

    q2c import time-entries   FILE --url URL --actor NAME [--source PSA] [--date-order dmy|mdy]
                              [--delta] [--today DATE] [--ticket REF=REQUEST_ID ...]
    q2c import contracts      FILE --url URL --actor NAME [--date-order dmy|mdy] [--today DATE]
    q2c import bank-statement FILE --url URL --actor NAME [--account IBAN]
                              [--date-order dmy|mdy] [--decimal-mark .|,] [--today DATE]
                              [--payer IBAN=CUSTOMER ...]

Each hands the file to its importer (``q2c_adapters.importers``), which records every row or
none, and never the same file twice: the report says what was recorded, or that the file was
imported before, "nothing new" (the words every command sent again uses). A file with bad
rows is refused whole: each row problem on standard error with its line number, exit code 1,
nothing recorded. A value an option refuses (a file that cannot be
read, a day that is no date, a ``REF=ID`` pair without its ``=`` or with no id) is one line,
``error: <option>: <rule>``, exit code 2, before anything is imported.

The main CLI calls ``register(app)`` to add the ``import`` group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn
from uuid import UUID

import typer

from q2c_adapters.cli import parse_date, require_text
from q2c_adapters.cli_support import fail, find_customer, one_line, open_app, refuse
from q2c_adapters.importers import BankStatementImporter, ContractImporter, TimeEntryImporter
from q2c_adapters.importers._files import (
    FileImporter,
    check_date_order,
    check_decimal_mark,
    shown_name,
)
from q2c_adapters.importers.bank import check_own_account, own_account
from q2c_adapters.importers.time_entries import DEFAULT_SOURCE, source_name
from q2c_core.application import QuoteToCash
from q2c_core.domain.errors import NotFound, Q2CError
from q2c_core.domain.import_batch import ImportKind, ImportRejected, ImportReport

FileArgument = Annotated[
    Path, typer.Argument(help="the exported file to import", show_default=False)
]
UrlOption = Annotated[
    str, typer.Option("--url", help="Storage URL: sqlite:///billing.db, postgresql://...")
]
ActorOption = Annotated[
    str, typer.Option("--actor", help="who imports the file (on every event it records)")
]
DateOrderOption = Annotated[
    str | None,
    typer.Option(
        "--date-order",
        help="how the file writes slash dates: dmy (day first: 04/03/2024 is 4 March) or mdy "
        "(month first); day-first and month-first say the same (default: read from the file)",
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="the business day the import is recorded on, and which bounds plausible dates "
        "(default: today)",
    ),
]

# --date-order as people say it, and as the importers take it (``check_date_order``)
_DATE_ORDERS = {"day-first": "dmy", "month-first": "mdy"}
# --decimal-mark as people say it, and as the bank importer takes it (``check_decimal_mark``)
_DECIMAL_MARKS = {"point": ".", "dot": ".", "period": ".", "comma": ","}


# the counts of an ``ImportReport`` the report prints, with what each means
_COUNTS = (
    ("rows", "rows read"),
    ("recorded", "recorded"),
    ("unauthorized", "of them without authorization: leakage risk, work to follow up"),
    ("suspended", "in suspense: waiting for a person to match"),
    ("skipped", "skipped: already recorded"),
    ("ignored", "ignored: debits and entries not booked"),
    ("corrected", "corrected: sub-contract descriptions the CRM changed"),
)
# what each kind of file always reports; any other count is printed when it is not zero
_SHOWN = {
    ImportKind.TIME_ENTRIES: {"rows", "recorded", "skipped"},
    ImportKind.CONTRACTS: {"rows", "recorded", "skipped", "corrected"},
    ImportKind.BANK_STATEMENT: {"rows", "recorded", "suspended", "skipped", "ignored"},
}
_WHAT = {
    ImportKind.TIME_ENTRIES: "time entries",
    ImportKind.CONTRACTS: "contracts",
    ImportKind.BANK_STATEMENT: "bank statement",
}


def report_lines(report: ImportReport, file_name: str) -> list[str]:
    """The report as the command prints it: what became of the file, then its counts, one a
    line, then what needs attention, one a line (a sub-contract a CRM export no longer lists).
    A file imported before says so (and under which name, when another), so a rerun of the
    same command is seen to record nothing."""
    if report.already_imported:
        named = "" if report.file_name == file_name else f" as {report.file_name}"
        head = f"{file_name}: already imported{named} (import {report.import_id}): nothing new"
    else:
        head = f"{file_name}: {_WHAT[report.kind]} imported (import {report.import_id})"
    shown = _SHOWN[report.kind]
    counts = [
        (label, int(getattr(report, field)))
        for field, label in _COUNTS
        if field in shown or getattr(report, field)
    ]
    width = max(len(str(n)) for _, n in counts)
    # what the file says that was not recorded, for a person to settle (one a line)
    attention = [
        f"  needs attention: contract {item.contract}, sub-contract {item.sub_id}: {item.rule}"
        for item in report.needs_attention
    ]
    lines = [f"  {n:>{width}} {label}" for label, n in counts]
    at = [field for field, _ in _COUNTS if field in shown or getattr(report, field)]
    if report.matched_to_payments:
        # (no new payment: the money was counted when a person entered its receipt)
        lines[at.index("recorded")] += (
            f" ({report.matched_to_payments} matched to the payment recorded by hand)"
        )
    if report.suspended_payments:
        # (money on a customer's account, not nobody's: a controller reads it so)
        lines[at.index("suspended")] += (
            f" ({report.suspended_payments} booked as its customer's payment, on no invoice yet)"
        )
    return [head, *lines, *attention]


def _read(path: Path) -> bytes:
    """The file's bytes, read before the store is opened: a file that is not there or cannot
    be read is a mistake of use (exit 2), not a refused import."""
    try:
        return path.read_bytes()
    except OSError as error:
        refuse("FILE", f"cannot read {path}: {one_line(error)}")


def _date_order(value: str | None) -> str | None:
    if value is None:
        return None
    given = _DATE_ORDERS.get(value.strip().lower(), value.strip().lower())
    try:
        return check_date_order(given)
    except Q2CError as error:
        refuse("--date-order", f"{value!r}: {error.rule}")


def _decimal_mark(value: str | None) -> str | None:
    if value is None:
        return None
    given = _DECIMAL_MARKS.get(value.strip().lower(), value.strip())
    try:
        return check_decimal_mark(given)
    except Q2CError:
        refuse(
            "--decimal-mark",
            f"{value!r}: must be '.' or 'point' (250.500 is 250.5) or ',' or 'comma' (250,500 "
            "is 250.5), or left out to read it from the file",
        )


def _today(value: str | None) -> date | None:
    return None if value is None else parse_date(value, "--today")


def _pairs(
    values: Sequence[str] | None,
    option: str,
    shape: str,
    key_of: Callable[[str], str] = str.strip,
    *,
    at_first: bool = False,
) -> list[tuple[str, str]]:
    """``KEY=VALUE`` pairs given to a repeated option, each side not blank (the key as
    ``key_of`` reads it, the value stripped); a key given twice with two values is refused
    (which would it be?). The pair is split at its last ``=`` (a value that holds none, a
    request id), or at its first when ``at_first`` (a key that holds none, an IBAN, and a
    value that may: a customer's name)."""
    pairs: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for given in values or ():
        key, equals, value = given.partition("=") if at_first else given.rpartition("=")
        key, value = key_of(key), value.strip()
        if not equals or not key or not value:
            refuse(option, f"{given!r} is not {shape}")
        if key in seen and seen[key] != value:
            refuse(option, f"{key!r} is given twice ({seen[key]!r} and {value!r})")
        seen[key] = value
        pairs.append((key, value))
    return pairs


def _tickets(values: Sequence[str] | None) -> dict[str, UUID]:
    tickets: dict[str, UUID] = {}
    for ref, text in _pairs(values, "--ticket", "REF=REQUEST_ID (a ticket and a request id)"):
        try:
            tickets[ref] = UUID(text)
        except ValueError:
            refuse("--ticket", f"{text!r} (for {ref!r}) is not a request id")
    return tickets


def _check_requests(app: QuoteToCash, tickets: dict[str, UUID]) -> None:
    """Every ticket names a request on record: a typo'd id is refused up front, not found out
    on the first row that names the ticket (or never, when none does)."""
    for ref, request_id in tickets.items():
        try:
            app.request(request_id)
        except NotFound:
            refuse("--ticket", f"{ref}={request_id}: no request has this id")


def _rejected(file_name: str, error: ImportRejected) -> NoReturn:
    """Each row problem on standard error with its line number; exit 1 (nothing recorded).
    The count is of the bad rows (the lines named, each once: a header missing two columns
    is one), not of the problems."""
    count = len(error.lines)
    typer.echo(
        f"error: {file_name}: {count} bad row{'' if count == 1 else 's'}, nothing imported",
        err=True,
    )
    for problem in error.problems:
        typer.echo(f"  {' '.join(str(problem).splitlines())}", err=True)
    raise typer.Exit(1)


def _import(
    url: str,
    path: Path,
    actor: str,
    importer_for: Callable[[QuoteToCash], FileImporter],
    checks: Callable[[QuoteToCash], None] = lambda app: None,
) -> None:
    """Open the store, import the file read from ``path`` and print the report; refusals as
    the module says."""
    require_text(actor, "--actor", "must say who imports the file")
    data = _read(path)
    name = shown_name(path)  # (a name of bytes that are no UTF-8 as it reads)
    app = open_app(url)
    try:
        checks(app)
        importer = importer_for(app)
        report = importer.import_bytes(data, name, actor=actor)
    except ImportRejected as error:
        _rejected(name, error)
    except Q2CError as error:
        if error.field == "accounts":  # a --payer the application refused
            refuse("--payer", error.rule)
        fail(one_line(error))
    finally:
        app.close()
    for line in report_lines(report, name):
        typer.echo(line)


def import_time_entries(
    file: FileArgument,
    url: UrlOption,
    actor: ActorOption,
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="the PSA the export is from: its entry ids are SOURCE:<id> (two PSAs that both "
            "number from 1 are told apart)",
        ),
    ] = DEFAULT_SOURCE,
    date_order: DateOrderOption = None,
    delta: Annotated[
        bool,
        typer.Option(
            "--delta",
            help="the export lists only entries made since the last one: its ids are new work",
        ),
    ] = False,
    today: TodayOption = None,
    ticket: Annotated[
        list[str] | None,
        typer.Option(
            "--ticket",
            help="REF=REQUEST_ID: the q2c request a ticket reference of the file stands for "
            "(repeat for each ticket)",
        ),
    ] = None,
) -> None:
    """Import a PSA export of time entries: work on authorized requests is logged, other work
    kept and flagged; entries recorded before are skipped."""
    try:
        psa = source_name(source)
    except Q2CError as error:
        refuse("--source", f"{source!r}: {error.rule}")
    order = _date_order(date_order)
    day = _today(today)
    tickets = _tickets(ticket)
    _import(
        url,
        file,
        actor,
        lambda app: TimeEntryImporter(
            app, tickets=tickets, today=day, source=psa, date_order=order, delta=delta
        ),
        lambda app: _check_requests(app, tickets),
    )


def import_contracts(
    file: FileArgument,
    url: UrlOption,
    actor: ActorOption,
    date_order: DateOrderOption = None,
    today: TodayOption = None,
) -> None:
    """Import a CRM export of maintenance contracts and their sub-contracts."""
    order = _date_order(date_order)
    day = _today(today)
    _import(url, file, actor, lambda app: ContractImporter(app, today=day, date_order=order))


def import_bank_statement(
    file: FileArgument,
    url: UrlOption,
    actor: ActorOption,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            help="our account (IBAN) a CSV statement without an account column is of",
        ),
    ] = None,
    date_order: DateOrderOption = None,
    decimal_mark: Annotated[
        str | None,
        typer.Option(
            "--decimal-mark",
            help="the decimal mark of a CSV statement's amounts: . or point (250.500 is 250.5) "
            "or , or comma (250,500 is 250.5), for a file whose amounts do not show it (all "
            "under 1,000 in a currency of three decimals, KWD; 1,000 yen) (default: read from "
            "the file)",
        ),
    ] = None,
    today: TodayOption = None,
    payer: Annotated[
        list[str] | None,
        typer.Option(
            "--payer",
            help="IBAN=CUSTOMER: the customer (its id, or its name) a payer's account pays for, "
            "when the payer's name is not the customer's (repeat for each account)",
        ),
    ] = None,
) -> None:
    """Import a bank statement (camt.053 XML or CSV): credits become payments matched to
    invoices; what cannot be matched waits in suspense."""
    if account is not None:
        require_text(account, "--account", "must name our account (an IBAN), or be left out")
        try:
            check_own_account(account)
        except Q2CError as error:
            refuse("--account", error.rule)
    order = _date_order(date_order)
    mark = _decimal_mark(decimal_mark)
    day = _today(today)
    payers = _pairs(
        payer,
        "--payer",
        "IBAN=CUSTOMER (an account and a customer's id or name)",
        key_of=own_account,  # (as the statement's credits name it: spaces aside, capitals)
        at_first=True,  # (a customer's name may hold an "=", an IBAN never)
    )
    accounts: dict[str, UUID] = {}

    def find_payers(app: QuoteToCash) -> None:
        for iban, customer in payers:
            try:
                accounts[iban] = find_customer(app, customer)
            except Q2CError as error:
                refuse("--payer", f"{iban}={customer}: {error.rule}")

    _import(
        url,
        file,
        actor,
        lambda app: BankStatementImporter(
            app,
            accounts=accounts,
            today=day,
            account=account,
            date_order=order,
            decimal_mark=mark,
        ),
        find_payers,
    )


def register(app: typer.Typer) -> None:
    """Add the ``import`` command group (time-entries, contracts, bank-statement) to the main
    CLI."""
    group = typer.Typer(help="Import files: PSA time entries, CRM contracts, bank statements.")
    group.command("time-entries")(import_time_entries)
    group.command("contracts")(import_contracts)
    group.command("bank-statement")(import_bank_statement)
    app.add_typer(group, name="import")
