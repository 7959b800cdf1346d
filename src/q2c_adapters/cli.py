"""The auditor's command line: replay, history, report, rows, explain (and the office's: bill,
refund, import, export, invoice render).

    q2c replay  --url URL [--as-of TIMESTAMP] [--store URL] [--workers N]
    q2c history AGGREGATE_ID|INVOICE_NUMBER --url URL
    q2c report  NAME --url URL [--as-of TIMESTAMP] [--on DATE] [--format table|csv|json] [--all]
    q2c rows    NAME --url URL [--prefix TEXT] [--limit N]
    q2c explain NAME ROW --url URL [--as-of TIMESTAMP]
    q2c update  --url URL [--store URL]
    q2c rebuild --url URL [--projection NAME ...] [--store URL] [--workers N] [--other-history]
    q2c bill    --url URL --as-of DATE --actor NAME [--workers N] [--preview]
    q2c refund  CUSTOMER --url URL --amount AMOUNT [--currency CUR] --on DATE
                --reference TEXT --actor NAME
    q2c import  time-entries|contracts|bank-statement FILE --url URL --actor NAME [...]
    q2c export  beancount|invoices|payments --url URL [--out FILE]
    q2c invoice render NUMBER|ID --url URL [--format pdf|html|ubl] [--out FILE]

Read models live in the projection store (by default the application's own database: the
``q2c_projection_rows`` and ``tracking`` tables next to the events). No command creates the
application's database, schema or event tables (``cli_support.open_app``): a URL that holds no
q2c history is an error. The projection store's tables are created where they are missing.
"""

from __future__ import annotations

import calendar
import csv
import difflib
import enum
import errno
import importlib
import io
import json
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn
from uuid import UUID, uuid4

import attrs
import typer
from eventsourcing.persistence import IntegrityError, Tracking
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from q2c_adapters.cli_support import (
    OUTPUT_FAILED,
    OneLineRefusals,
    check_store,
    drop_output,
    fail,
    find_customer,
    find_reference,
    one_line,
    open_app,
    os_failure,
    sqlite_store,
    tagged_stdout,
    write_utf8,
)
from q2c_adapters.reports import (
    MONEY_COLUMNS,
    REPORTS,
    ReportTable,
    cell,
    csv_rows,
    json_value,
    report_table,
    rich_table,
)
from q2c_core.application import QuoteToCash
from q2c_core.billing_run import SkippedContract
from q2c_core.domain.errors import (
    DamagedRow,
    NotFound,
    Q2CError,
    RuleViolated,
    StorageUnavailable,
)
from q2c_core.domain.invoice_lines import InvoiceLine, RevenueKind, lines_net, lines_tax
from q2c_core.domain.money import Money, minor_units, total
from q2c_core.domain.values import Period
from q2c_core.projections import (
    DEFAULT_PLAN,
    CommissionPlan,
    CommissionRate,
    Commissions,
    Follower,
    Projection,
    all_projections,
    catch_up,
    events_behind,
    rebuild,
)
from q2c_core.projections.store import PageWrite, ProjectionStore, Row, decode_row, encode_row
from q2c_core.recorded_saves import position_as_of, recorded_times
from q2c_core.snapshot_check import SnapshotCheck
from q2c_core.storage import storage_errors

# the exit code of a command whose reader closed the pipe (``q2c report ... | head``): what a
# shell reports for a command SIGPIPE stopped, 128 + 13
READER_GONE = 141


# a Markdown code span (``...``, `...`): its text is printed as it is
_CODE_SPAN = re.compile(r"(`+).*?\1", re.DOTALL)


def markdown_text(text: str) -> str:
    """Help text as the Markdown ``--help`` reads it, each ``<`` outside a code span escaped
    (``inv:\\<invoice id hex>``): Markdown reads ``<invoice id hex>`` as an HTML tag and
    prints nothing of it."""
    parts: list[str] = []
    at = 0
    for span in _CODE_SPAN.finditer(text):
        parts += [text[at : span.start()].replace("<", "\\<"), span.group(0)]
        at = span.end()
    parts.append(text[at:].replace("<", "\\<"))
    return "".join(parts)


def keep_placeholders(command: Any) -> None:
    """A command's help and its options' and arguments' help, a subcommand's too, with their
    placeholders (``<number>.<ext>``) kept as text (``markdown_text``), once."""
    if getattr(command, "_q2c_placeholders_kept", False):
        return
    command._q2c_placeholders_kept = True
    if isinstance(command.help, str):
        command.help = markdown_text(command.help)
    for param in command.params:
        if isinstance(getattr(param, "help", None), str):
            param.help = markdown_text(param.help)
    for sub in getattr(command, "commands", {}).values():
        keep_placeholders(sub)


class Commands(OneLineRefusals):
    """The q2c command group (``OneLineRefusals``), stopping quietly with ``READER_GONE`` when
    the reader of its output goes away (a closed pipe): not 1 ("not found", "rows differ").
    Its commands' help keeps its placeholders (``keep_placeholders``)."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command named so, its help's placeholders kept."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            keep_placeholders(command)
        return command

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a closed pipe on standard output ends it quietly."""
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # (a closed pipe is found here, not at the exit)
        except BrokenPipeError:
            # nothing more reaches the reader: what Python flushes at the exit goes nowhere
            with suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(READER_GONE) from None


app = typer.Typer(
    cls=Commands,
    help="q2c: the auditor's tools over the event history.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


class Output(Console):
    """A rich console whose reader going away (a closed pipe) ends the command through
    ``Commands`` (exit ``READER_GONE``), where rich's own exits with 1."""

    def on_broken_pipe(self) -> None:
        """Print nothing more; on standard output, stop the command."""
        self.quiet = True
        if not self.stderr:
            raise BrokenPipeError(errno.EPIPE, "the reader closed the pipe")


console = Output()
err = Output(stderr=True)

UrlOption = Annotated[str, typer.Option("--url", help="storage URL of the application")]
StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="projection store URL (default: the application's database)"),
]
PlanOption = Annotated[
    Path | None,
    typer.Option(
        "--commission-plan",
        help="JSON list of {manager, revenue_kind, rate, effective_from}, one rate per "
        "manager (case and spaces aside), kind and date (default: 5 % on enhancements, 2 % on "
        "maintenance, for every manager)",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="use only events recorded up to this time: an ISO 8601 time (UTC unless it gives "
        "an offset), or a date (a date alone: the end of that day, UTC)",
    ),
]


_PLAN_KEYS = ("manager", "revenue_kind", "rate", "effective_from")


def load_plan(path: Path | None) -> CommissionPlan:
    """A commission plan from a JSON file, or the default plan (two rates for one manager,
    kind and day, like any rule a ``CommissionPlan`` holds, are a usage error; so are a key an
    entry does not have and an ``effective_from`` that is empty or null, named; and a
    ``revenue_kind`` q2c has no such name for, a ``rate`` that is no number or an
    ``effective_from`` that is no date, named with the entry and what it says)."""
    if path is None:
        return DEFAULT_PLAN
    try:
        # (rates read as written: 0.1 as Decimal("0.1"), never through a float)
        entries = json.loads(path.read_text(), parse_float=Decimal)
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ValueError("a JSON list of {manager, revenue_kind, rate, effective_from}")
        rates: list[CommissionRate] = []
        for n, e in enumerate(entries, 1):
            if not isinstance(e.get("manager", "*"), str):
                raise ValueError(f"manager must be text (a name, or * for every manager): {e}")
            # (a typo is no rate for another day or manager: "efective_from" paid since ever)
            unknown = sorted(set(e) - set(_PLAN_KEYS))
            if unknown:
                keys = ", ".join(_PLAN_KEYS)
                raise ValueError(f"entry {n} has an unknown key {unknown[0]!r} (keys: {keys})")
            day = e.get("effective_from", "")
            if "effective_from" in e and (not isinstance(day, str) or not day.strip()):
                raise ValueError(
                    f"entry {n}'s 'effective_from' must be a date (leave it out for always)"
                )
            rates.append(
                CommissionRate(
                    e.get("manager", "*"),
                    _plan_kind(n, e["revenue_kind"]),
                    _plan_rate(n, e["rate"]),
                    _plan_day(n, day) if "effective_from" in e else date.min,
                )
            )
        return CommissionPlan(rates)
    except KeyError as e:
        raise typer.BadParameter(
            f"{path} is not a commission plan: no {e}", param_hint="--commission-plan"
        ) from None
    except (OSError, ValueError, TypeError, ArithmeticError) as e:
        # (InvalidValue is a ValueError: a rate out of 0..1, NaN, no manager)
        raise typer.BadParameter(
            f"{path} is not a commission plan: {e}", param_hint="--commission-plan"
        ) from None


def stored_plan(store: ProjectionStore) -> CommissionPlan | None:
    """The plan the store's commissions rows were built with (their settings row), or None: no
    commissions built there yet, or settings this q2c cannot read as a plan (the store is then
    refused as built with other settings, naming the rebuild)."""
    text = store.recorder.load_row(Commissions.name, Projection.CONFIG_KEY)
    if text is None:
        return None
    try:
        return CommissionPlan.described(decode_row(text)["config"]["plan"])
    except (DamagedRow, KeyError, TypeError, ValueError, ArithmeticError):
        return None


def followed_plan(
    store: ProjectionStore, given: Path | None, plan: CommissionPlan
) -> CommissionPlan:
    """The plan a command follows the live ``store`` with: ``plan``, read from the file
    ``--commission-plan`` gave; without one, the plan the store's commissions were built with
    (``stored_plan``: a report or an update after ``q2c rebuild --commission-plan`` needs no
    plan, and a rebuild without one keeps it), else ``plan`` (the default plan)."""
    if given is not None:
        return plan
    return stored_plan(store) or plan


def plan_of_the_live_store(
    url: str, store: str | None, given: Path | None, plan: CommissionPlan
) -> CommissionPlan:
    """``followed_plan`` for a command that rebuilds into a scratch store (``--as-of``,
    ``explain``): the live store's plan read where it is, nothing created there (a SQLite file
    that is not there is not opened: opening it would make one); a store that is not there or
    cannot be read holds no plan (the default one is followed)."""
    if given is not None:
        return plan
    kept = sqlite_store(store or url)
    if kept is not None and not Path(kept).exists():
        # (opening it would make an empty database file there: a mistyped --store left behind)
        return plan
    unreadable: tuple[type[BaseException], ...] = (*storage_errors(), ValueError, Q2CError)
    try:
        live = ProjectionStore.open(store or url, create_tables=False)
    except unreadable:
        return plan
    try:
        return stored_plan(live) or plan
    except storage_errors():  # (no rows table there: nothing built)
        return plan
    finally:
        live.close()


_ORDINAL_DATE = re.compile(r"(\d{4})-?(\d{3})")
# a week without its day, alone or with a time after any one separator (Python reads it as
# the week's Monday): no day digit follows the week's number
_WEEK_ALONE = re.compile(r"(\d{4})-?W(\d{2})(?!-?\d)(?:.+)?")


def _plan_kind(n: int, value: object) -> RevenueKind:
    """Entry ``n``'s revenue kind, by its name in any case ("enhancement"); anything else is a
    ValueError naming the entry, the key, what it says and the kinds there are (a KeyError
    read "no 'TRAVEL'", as if a key were missing)."""
    found = RevenueKind.__members__.get(value.strip().upper()) if isinstance(value, str) else None
    if found is None:
        kinds = ", ".join(k.name.lower() for k in RevenueKind)
        raise ValueError(f"entry {n}'s 'revenue_kind' must be one of {kinds}, not {value!r}")
    return found


def _plan_rate(n: int, value: object) -> Decimal:
    """Entry ``n``'s rate, a number or its text ("0.05"); anything else (5%, true, a list) is a
    ValueError naming the entry, the key and what it says (it read
    "[<class 'decimal.ConversionSyntax'>]"). Whether it is a fraction from 0 to 1 is
    ``CommissionRate``'s to say."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        with suppress(ArithmeticError):
            return Decimal(value.strip())
    raise ValueError(f"entry {n}'s 'rate' must be a number (0.05 for 5 %), not {value!r}")


def _plan_day(n: int, text: str) -> date:
    """Entry ``n``'s ``effective_from`` (``iso_date``); one that is no date is a ValueError
    naming the entry, the key and what it says (it read "month must be in 1..12")."""
    try:
        return iso_date(text.strip())
    except ValueError as e:
        raise ValueError(
            f"entry {n}'s 'effective_from' must be a date (2026-05-01), not {text!r}: {e}"
        ) from None


def iso_date(text: str) -> date:
    """An ISO 8601 calendar, week or ordinal date in extended or basic form (2026-12-03,
    20261203, 2026-W49-4, 2026W494, 2026-337, 2026337); ValueError for anything else, a week
    without its day too (2026-W49: Python reads it as the Monday, and an as-of "2026-W49"
    would cut the week at its first day)."""
    week = _WEEK_ALONE.fullmatch(text)
    if week is not None:
        raise ValueError(f"{text} is a week, not a day: {_week_hint(week)}")
    ordinal = _ORDINAL_DATE.fullmatch(text)
    if ordinal is None:
        return date.fromisoformat(text)
    year, day = int(ordinal[1]), int(ordinal[2])
    if not 1 <= day <= (366 if calendar.isleap(year) else 365):
        raise ValueError(f"no day {day} in {year}")
    return date(year, 1, 1) + timedelta(days=day - 1)


def _week_hint(week: re.Match[str]) -> str:
    return f"give the week's day, e.g. {week[1]}-W{week[2]}-7 for its Sunday"


# dates the reports can reckon with: they count months and days forward (a twelve-month
# forecast) and back (aging), which Python's dates cannot do at the ends of years 1 and 9999
FIRST_YEAR, LAST_YEAR = 1000, 8999


def _in_range(day: date, text: str, option: str) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise typer.BadParameter(
            f"{text!r} is out of range: years {FIRST_YEAR} to {LAST_YEAR}", param_hint=option
        )


def parse_date(text: str, option: str) -> date:
    """A business date given to ``option`` (any ISO 8601 date form, years 1000 to 8999); a
    usage error (exit 2) otherwise."""
    try:
        day = iso_date(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO date", param_hint=option) from None
    _in_range(day, text, option)
    return day


def parse_timestamp(text: str, option: str = "--as-of") -> datetime:
    """An ISO date or date-time (years 1000 to 8999), in UTC: naive values are UTC, others
    are turned to UTC (so one moment written with two offsets is one day's report); a date
    alone, in any ISO 8601 form, means the end of that day. A usage error (exit 2) otherwise,
    an empty or blank value too (an unset shell variable is no "now")."""
    text = text.strip()
    if not text:
        raise typer.BadParameter(
            f"is empty: give an ISO date or timestamp, or leave {option} out", param_hint=option
        )
    try:
        day = iso_date(text)
    except ValueError:
        week = _WEEK_ALONE.fullmatch(text)
        if week is not None:  # (datetime would read it as the Monday)
            raise typer.BadParameter(
                f"{text!r} is not an ISO date or timestamp: {_week_hint(week)}",
                param_hint=option,
            ) from None
    else:
        _in_range(day, text, option)
        return datetime.combine(day, time.max, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not an ISO date or timestamp", param_hint=option
        ) from None
    _in_range(moment.date(), text, option)
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# an amount as people write it: digits, an optional sign, one decimal point (ASCII digits only:
# Decimal would also read an exponent, NaN, separators and other scripts' digits)
_PLAIN_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def parse_amount(text: str, option: str) -> Decimal:
    """An amount given to a money option in plain decimal notation (``200``, ``200.00``,
    ``-5.5``): digits, an optional sign and one decimal point. An exponent (``1e2``),
    separators (``1,000.00``, ``1_000``), NaN or infinity are a usage error (exit 2)."""
    plain = text.strip()
    if not _PLAIN_AMOUNT.fullmatch(plain):
        raise typer.BadParameter(
            f"{text!r} is not an amount in plain decimal notation (digits, an optional sign "
            "and one decimal point, e.g. 200.00)",
            param_hint=option,
        )
    return Decimal(plain)


def money_of(amount: Decimal, currency: str, option: str) -> Money:
    """The amount ``option`` gave, as money of ``currency`` at its minor unit (``120`` is
    120.00 EUR): more decimals than the currency's minor unit has (``0.001`` EUR, ``10.5``
    JPY), or an amount out of range, is a usage error (exit 2)."""
    decimals = max(-int(amount.as_tuple().exponent), 0)
    allowed = minor_units(currency)
    if decimals > allowed:
        raise typer.BadParameter(
            f"{amount:f} has {decimals} decimal{'' if decimals == 1 else 's'}: {currency} is "
            f"paid in whole minor units, {allowed} decimals at most",
            param_hint=option,
        )
    try:
        return Money(amount, currency).rounded()
    except Q2CError as error:  # (beyond any amount billed)
        raise typer.BadParameter(error.rule, param_hint=option) from None


def require_text(text: str, option: str, rule: str) -> None:
    """Text an option must give (an actor, a reference): a usage error (exit 2) when blank."""
    if not text.strip():
        raise typer.BadParameter(rule, param_hint=option)


def at_least_one(number: int, option: str) -> None:
    """A count an option gives (workers, a batch size): a usage error (exit 2) below 1."""
    if number < 1:
        raise typer.BadParameter(
            f"must be a whole number, at least 1 (not {number})", param_hint=option
        )


@contextmanager
def progress_bar(label: str) -> Iterator[Any]:
    """A rich progress bar fed with (position, head) by the follower, on a terminal only
    (piped, a bar that is never drawn would still leave an empty line on standard error, before
    a refusal's one line). Drawn at each update, not by rich's refresh thread: with another
    thread running, worker processes are not forked (``q2c_core.workers.start_method``)."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
        auto_refresh=False,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(position: int, head: int) -> None:
            bar.update(task, completed=position, total=max(head, position), refresh=True)

        yield update


def rebuild_command_line(
    url: str,
    store: str | None,
    plan: Path | None,
    names: Sequence[str],
    *,
    other_history: bool = False,
) -> str:
    """The ``q2c rebuild`` command that rebuilds these projections with these settings
    (``--other-history`` for a store past the end of the log)."""
    words = ["q2c", "rebuild", "--url", url]
    if store:
        words += ["--store", store]
    if plan is not None:
        words += ["--commission-plan", str(plan)]
    for name in names:
        words += ["--projection", name]
    if other_history:
        words.append("--other-history")
    return shlex.join(words)


def _refused(projections: Sequence[Projection]) -> list[str]:
    """The projections whose stored rows were built with other settings or another row
    layout (``Projection.check_config``); nothing is written."""
    names = []
    for p in projections:
        try:
            p.check_config()
        except RuleViolated:
            names.append(p.name)
        finally:
            p.forget_cache()  # (check_config records the settings of a new store: not now)
    return names


def _damaged_row(error: DamagedRow, rebuild_with: tuple[str, str | None, Path | None]) -> str:
    """A live row that cannot be read back, and the ``q2c rebuild`` that writes it again from
    events, on one line."""
    command = rebuild_command_line(*rebuild_with, [error.projection] if error.projection else [])
    return f"{one_line(error)}; rebuild it from events: {command}"


@contextmanager
def _damaged_rows_refused(rebuild_with: tuple[str, str | None, Path | None]) -> Iterator[None]:
    """A live row that cannot be read back (``DamagedRow``) ends the command in one line
    naming the projection, the row and the ``q2c rebuild`` that repairs it, exit 2."""
    try:
        yield
    except DamagedRow as error:
        fail(_damaged_row(error, rebuild_with))


def _catch_up(
    application: QuoteToCash,
    projections: Sequence[Projection],
    rebuild_with: tuple[str, str | None, Path | None],
    damaged: list[DamagedRow] | None = None,
    past_head: list[str] | None = None,
    **kwargs: Any,
) -> int:
    """Bring live projections up to date; rows built with other settings or by an older row
    layout are refused (exit 2), naming the ``q2c rebuild`` command that rebuilds them
    (``rebuild_with``: the URL, store and commission plan given). So is a row the events
    change that cannot be read back (``DamagedRow``), unless ``damaged`` is given: it is
    added there and the catch-up stops where it is (what was committed stands). So is a
    projection whose position is past the end of the log (another history), unless
    ``past_head`` is given: its name is added there, it is left as it is, and the others are
    brought up to date (replay then reports it as a difference)."""
    try:
        with _damaged_rows_refused(rebuild_with):
            try:
                return catch_up(application, projections, **kwargs)
            except DamagedRow as error:
                if damaged is None:
                    raise
                damaged.append(error)
                return 0
    except RuleViolated as e:
        if past_head is not None and e.field == "position" and isinstance(e.value, dict):
            past_head.extend(e.value)
            rest = [p for p in projections if p.name not in e.value]
            if not rest:
                return 0
            return _catch_up(application, rest, rebuild_with, damaged, past_head, **kwargs)
        err.print(Text(str(e), style="red"))
        if e.field == "position" and isinstance(e.value, dict):
            # a store past the end of the log (another history, or a restored log): only a
            # rebuild that may move positions back replaces it
            past = [p.name for p in projections if p.name in e.value]
            names = past if len(past) < len(projections) else []
            command = rebuild_command_line(*rebuild_with, names, other_history=True)
        else:
            command = rebuild_command_line(*rebuild_with, _refused(projections))
        err.print(f"to rebuild from events: {command}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _open(url: str) -> QuoteToCash:
    return open_app(url)


def _live_store(url: str, store: str | None) -> ProjectionStore:
    """The live projection store: ``--store``, or the application's database (whose history
    ``open_app`` checked). Its tables are created when missing."""
    if store is not None:
        check_store(store)
    try:
        return ProjectionStore.open(store or url)
    except Exception as error:  # (a server gone, a file that cannot be written...)
        fail(f"cannot open the projection store: {one_line(error)}")


def _scratch_store(directory: str) -> ProjectionStore:
    return ProjectionStore.open(f"sqlite:///{Path(directory) / 'scratch.db'}")


_MISSING = object()


def same_value(a: Any, b: Any) -> bool:
    """Whether two row values are the same in value and type, as the snapshot check compares
    (``snapshot_check``): a Decimal in its digits too (1210.00 is not 1210.000), never equal
    to a float or an int of its value (a float where money belongs, though Python's ``==``
    says 1210.0 == Decimal("1210.00")), a date not a datetime, True not 1; a list and a tuple
    alike, a dict's keys in any order."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(map(same_value, a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, Decimal):
        return a.as_tuple() == b.as_tuple() or (a.is_nan() and b.is_nan())
    return bool(a == b)


def _same_row(a: dict[str, Any], b: dict[str, Any]) -> bool:
    # (written the same, so the same values and types: the usual case, and quick)
    with suppress(TypeError, ValueError):
        if encode_row(a) == encode_row(b):
            return True
    return same_value(a, b)


def diff_rows(
    expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]
) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Rows that differ in a value or a value's type (``same_value``): (key, [(field, live,
    rebuilt), ...]), ``expected`` being the rebuild and ``actual`` the live (or compared)
    side; nested fields are named by their path."""
    out = []
    for key in sorted(set(expected) | set(actual)):
        a, b = expected.get(key), actual.get(key)
        if a is None or b is None:
            if a is not b:
                out.append((key, [("(row)", _text(b), _text(a))]))
        elif not _same_row(a, b):
            out.append((key, diff_fields("", b, a)))
    return out


def diff_fields(path: str, live: Any, rebuilt: Any) -> list[tuple[str, str, str]]:
    """The differing leaves of two values: (field path, live, rebuilt) as text (with each
    side's type when their texts are the same: ``1210.0 (float) → 1210.00``)."""
    if isinstance(live, dict) and isinstance(rebuilt, dict):
        result: list[tuple[str, str, str]] = []
        for name in sorted(set(live) | set(rebuilt), key=str):
            x, y = live.get(name, _MISSING), rebuilt.get(name, _MISSING)
            if not same_value(x, y):
                result.extend(diff_fields(f"{path}.{name}" if path else str(name), x, y))
        return result
    if (
        isinstance(live, list | tuple)
        and isinstance(rebuilt, list | tuple)
        and len(live) == len(rebuilt)
    ):
        result = []
        for i, (x, y) in enumerate(zip(live, rebuilt, strict=True)):
            if not same_value(x, y):
                result.extend(diff_fields(f"{path}[{i}]", x, y))
        return result
    if isinstance(live, list | tuple) and isinstance(rebuilt, list | tuple):
        return [(path or "(value)", *_list_change(live, rebuilt))]
    return [(path or "(value)", _typed_text(live, rebuilt), _typed_text(rebuilt, live))]


_ITEMS_SHOWN = 3  # of the items one side of a list lacks


def _list_change(live: Sequence[Any], rebuilt: Sequence[Any]) -> tuple[str, str]:
    """Two lists of different lengths as (live, rebuilt) text: each side's length, then the
    items the live list lacks (by their place in the rebuilt one) and those it has extra (by
    their place in it), the items both have in the same order aside: ``376 items`` →
    ``377 items; live lacks [376] "bg376"``."""
    keys = [[_item_text(item) for item in side] for side in (live, rebuilt)]
    matcher = difflib.SequenceMatcher(None, keys[0], keys[1], autojunk=False)
    lacks: list[str] = []
    extra: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            extra.extend(f"[{i}] {_short(keys[0][i])}" for i in range(i1, i2))
            lacks.extend(f"[{j}] {_short(keys[1][j])}" for j in range(j1, j2))
    told = [
        f"{label} {', '.join(items[:_ITEMS_SHOWN])}"
        + (f" and {len(items) - _ITEMS_SHOWN} more" if len(items) > _ITEMS_SHOWN else "")
        for label, items in (("live lacks", lacks), ("live has extra", extra))
        if items
    ]
    return _items(len(live)), "; ".join([_items(len(rebuilt)), *told])


def _items(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def _item_text(item: Any) -> str:
    # (its type told too: a Decimal written as a string, a float or an int as a number)
    return json.dumps(item, default=str, sort_keys=True, ensure_ascii=False)


def _short(text: str) -> str:
    return text if len(text) < 100 else text[:97] + "..."


def _typed_text(value: Any, other: Any) -> str:
    """A value's text, with its type when that alone tells it from the other side's: a float
    or an int where the other side has a Decimal."""
    if value is None or value is _MISSING or type(value) is type(other):
        return _text(value)
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{_text(value)} ({type(value).__name__})"
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return "(missing)"
    if value is _MISSING:
        return "(absent)"
    if isinstance(value, dict | list | tuple):
        text = json.dumps(value, default=str, sort_keys=True)
    else:
        text = str(value)
    return text if len(text) < 200 else text[:197] + "..."


def _readable_rows(projection: Projection) -> tuple[dict[str, Row], list[DamagedRow]]:
    """A projection's rows that read back, and each one that does not (``DamagedRow``)."""
    try:
        return projection.rows(), []
    except DamagedRow:
        return projection.store.load_readable(projection.name)


# how often replay follows a live read model that another follower keeps moving on while its
# rows are read, before it compares what it read
_FOLLOW_ATTEMPTS = 5

# follow a rebuilt projection on to a live position past replay's fixed moment: True when the
# position is this log's (another follower moved the live store on), False when it is past the
# end of the log (another history: a difference)
FollowLive = Callable[[Projection, int], bool]


def _live_side(
    p: Projection, other: Projection, head: int | None, follow: FollowLive | None
) -> tuple[DamagedRow | None, int | None, int | None, dict[str, Row], list[DamagedRow]]:
    """One live projection read at one position: (its damaged position, its position, the
    position the rebuild ``p`` is at, its readable rows, its unreadable ones). A live position
    that another follower moved past ``head`` while replay ran, within this log, is followed
    by the rebuild too (``follow``), so both sides hold the same events; the rows are read
    again when the position moved while they were read."""
    target = head
    for _ in range(_FOLLOW_ATTEMPTS):
        damage = damaged_position(other.store, other.tracking_name, other.name)
        position = other.store.position(other.tracking_name) if damage is None else None
        if (
            follow is not None
            and position is not None
            and target is not None
            and position > target
            and follow(p, position)
        ):
            target = position
        live_rows, unreadable = _readable_rows(other)
        if damage is not None or other.store.position(other.tracking_name) == position:
            break
    return damage, position, target, live_rows, unreadable


def compare(
    rebuilt: Sequence[Projection],
    live: Sequence[Projection],
    live_label: str,
    head: int | None = None,
    damaged: list[DamagedRow] | None = None,
    follow: FollowLive | None = None,
) -> int:
    """Print the differences between two sets of projections; returns how many rows differ.
    Each differing row is printed with its differing fields: ``name: live -> rebuilt``. With
    the log's ``head``, a live projection whose position is not the head is a difference too:
    caught up, it must have followed every event (a position past the head skips events
    recorded later, as a store built from another database would). A live row that cannot be
    read back (damaged) differs as ``(row): (unreadable: why) → rebuilt row``, and is added to
    ``damaged`` when given. With ``follow``, a live projection another follower moved on
    meanwhile, within this log, is compared at its new position (``_live_side``): the rebuild
    follows it there, and the output says so."""
    total = 0
    by_name = {p.name: p for p in live}
    for p in rebuilt:
        other = by_name[p.name]
        damage, position, target, live_rows, unreadable = _live_side(p, other, head, follow)
        if target != head:
            console.print(
                f"     {p.name}: the live read model moved on to #{target} meanwhile (another "
                "follower): the rebuild followed it there",
                markup=False,
            )
        if head is not None and position != target:
            total += 1
            at = f"#{position}" if damage is None else f"damaged ({damage.reason})"
            console.print(
                f"[red]DIFF[/red] {p.name}: the live read model's position is {at}, "
                f"the event log's last is #{head}",
                markup=True,
            )
        expected = p.rows()
        differences = diff_rows(expected, live_rows)
        if unreadable:
            keys = {d.key for d in unreadable}
            differences = sorted(
                [d for d in differences if d[0] not in keys]
                + [
                    (d.key, [("(row)", f"(unreadable: {d.reason})", _text(expected.get(d.key)))])
                    for d in unreadable
                ],
                key=lambda d: d[0],
            )
            if damaged is not None:
                damaged.extend(unreadable)
        total += len(differences)
        if not differences:
            # (counted as rebuild and rows count them: without the settings row)
            shown = sum(1 for key in expected if key != Projection.CONFIG_KEY)
            console.print(f"[green]OK[/green]   {p.name}: {shown} rows equal")
            continue
        console.print(f"[red]DIFF[/red] {p.name}: {len(differences)} rows differ")
        console.print(f"  (field: {live_label} value → rebuilt value)", markup=False)
        for key, fields in differences[:20]:
            console.print(f"  row {key}", markup=False, soft_wrap=True)
            for name, a, b in fields[:20]:
                console.print(f"    {name}: {a} → {b}", markup=False, soft_wrap=True)
            if len(fields) > 20:
                console.print(f"    … and {len(fields) - 20} more fields", markup=False)
        if len(differences) > 20:
            console.print(f"  … and {len(differences) - 20} more rows", markup=False)
    return total


def compare_snapshots(check: SnapshotCheck, numbers: Callable[[UUID], str | None]) -> int:
    """Print what checking the stored snapshots against their events found (``OK``, or each
    mismatch: the aggregate's type, id, an invoice's number, the snapshot's version and what
    differs, each differing value as ``path: snapshot value → value from events``); returns
    how many snapshots differ."""
    if check.ok:
        console.print(
            f"[green]OK[/green]   snapshots: {check.checked} checked, each equal to its events"
        )
        return 0
    console.print(
        f"[red]DIFF[/red] snapshots: {len(check.mismatches)} of {check.checked} differ from "
        "their aggregate rebuilt from its events alone",
        soft_wrap=True,
    )
    console.print("  (field: snapshot value → value from events)", markup=False)
    for mismatch in check.mismatches[:20]:
        number = numbers(mismatch.aggregate_id) if mismatch.aggregate_type == "Invoice" else None
        named = f" ({number})" if number else ""
        console.print(
            f"  {mismatch.aggregate_type} {mismatch.aggregate_id.hex}{named} "
            f"v{mismatch.version}: {mismatch.detail}",
            markup=False,
            soft_wrap=True,
        )
        for d in mismatch.differences[:20]:
            console.print(
                f"    {d.path}: {d.in_snapshot} → {d.from_events}", markup=False, soft_wrap=True
            )
        if len(mismatch.differences) > 20:
            console.print(f"    … and {len(mismatch.differences) - 20} more values", markup=False)
    if len(check.mismatches) > 20:
        console.print(f"  … and {len(check.mismatches) - 20} more snapshots", markup=False)
    return len(check.mismatches)


ReplayWorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        help="processes rebuilding shares of the projections at once (SQLite file or PostgreSQL)",
    ),
]


@app.command()
def replay(
    url: UrlOption,
    as_of: AsOfOption = None,
    store: StoreOption = None,
    commission_plan: PlanOption = None,
    workers: ReplayWorkersOption = 1,
) -> None:
    """Rebuild every projection from an empty start into a scratch store and compare.

    The rebuild is compared with the live projections (brought up to date first); exit code 1
    when any row differs, each differing row printed with its differing fields. Both sides
    stop at the last event recorded when replay starts: events another process records
    meanwhile are left for the next update, not reported as differences; a live projection
    another follower (a service, a scheduled update) moved on meanwhile is compared at its new
    position, the rebuild following it there, and the output says so. With --as-of at
    or after the recording time of the last recorded event, the live store holds exactly the
    events up to then, so the rebuild as of that time is compared with the live store as well.
    With an earlier --as-of the live store holds later events and cannot be compared: the
    one-pass rebuild as of that time is compared with an incremental one (small pages,
    committed and resumed page by page, as a live follower would have built it up to then),
    and the output says so. --workers 2 rebuilds two shares of the projections in two
    processes at once (the same rows; a SQLite file or PostgreSQL). A live row that cannot be
    read back (damaged) is a difference too, ``(unreadable: why) → rebuilt row``, named with
    the ``q2c rebuild`` that writes it again from events.

    Every stored snapshot is then checked against its aggregate rebuilt from its events alone
    up to the snapshot's version (``QuoteToCash.verify_snapshots``: commands and documents
    read aggregates from snapshots); a snapshot that differs is printed with the values that
    differ, and the exit code is 1. Snapshots carry no recording time, so with --as-of every
    snapshot stored now is checked, and the output says so.
    """
    plan = load_plan(commission_plan)
    moment = parse_timestamp(as_of) if as_of is not None else None
    at_least_one(workers, "--workers")
    application = _open(url)
    with tempfile.TemporaryDirectory(prefix="q2c-replay-") as tmp:
        live_store = _live_store(url, store)
        plan = followed_plan(live_store, commission_plan, plan)
        live = all_projections(live_store, plan=plan)
        # one fixed moment of the log for every side: events another process records
        # meanwhile are neither followed into the live store nor rebuilt here
        head = application.recorder.max_notification_id() or 0
        damaged: list[DamagedRow] = []
        rebuild_with = (url, store, commission_plan)
        with progress_bar("bringing live projections up to date") as update:
            # (a projection past the end of the log is left as it is: compared below, its
            # position is reported)
            _catch_up(application, live, rebuild_with, damaged, [], progress=update, until=head)
        stopped = len(damaged)
        for unreadable in damaged:  # (the live store could not follow every event)
            console.print(
                f"[red]DIFF[/red] {unreadable.projection}: the live read models could not follow "
                f"every event: {one_line(unreadable)}",
                markup=True,
                soft_wrap=True,
            )
        until = min(position_as_of(application, moment), head) if moment is not None else head
        against_live = until >= head
        if moment is not None:
            if against_live:
                console.print(
                    f"as of {moment.isoformat()}: every event (to #{head}) was recorded by "
                    "then, so the rebuild is compared with the live store",
                    markup=False,
                )
            else:
                console.print(
                    f"as of {moment.isoformat()}: events #{until + 1} to #{head} were recorded "
                    "later and the live store holds them, so it is NOT compared; comparing a "
                    f"page-by-page rebuild with a one-pass rebuild as of {moment.isoformat()} "
                    "instead",
                    markup=False,
                )
        scratch = _scratch_store(tmp)
        rebuilt = all_projections(scratch, plan=plan)
        with progress_bar("rebuilding from events") as update:
            try:
                rebuild(application, rebuilt, until=until, progress=update, workers=workers)
            except Q2CError as error:
                fail(one_line(error))
        if not against_live:
            live_store.close()
            live_store = ProjectionStore.open(f"sqlite:///{Path(tmp) / 'incremental.db'}")
            live = all_projections(live_store, plan=plan)
            with progress_bar("incremental rebuild as of the same time") as update:
                rebuild(application, live, until=until, page_size=97, progress=update)

        def follow(p: Projection, position: int) -> bool:
            # (a live position past the end of the log is another history's: a difference)
            if position > (application.recorder.max_notification_id() or 0):
                return False
            Follower(application, [p], until=position).run()
            return True

        differences = stopped + (
            compare(rebuilt, live, "live", head, damaged, follow)
            if against_live
            else compare(rebuilt, live, "page-by-page")
        )
        scratch.close()
        live_store.close()
    if moment is not None:
        console.print(
            "snapshots carry no recording time: every snapshot stored now is checked, "
            "whatever --as-of",
            markup=False,
            soft_wrap=True,
        )
    with progress_bar("checking snapshots against their events") as update:
        snapshots = application.verify_snapshots(progress=update)
    mismatched = compare_snapshots(snapshots, invoice_numbers(application))
    application.close()
    if damaged:
        # each damaged row once, with the rebuild that writes its read model again
        for unreadable in {(d.projection, d.key): d for d in damaged}.values():
            console.print(_damaged_row(unreadable, rebuild_with), markup=False, soft_wrap=True)
    if differences or mismatched:
        found = [f"{differences} rows differ"] if differences else []
        if mismatched:
            found.append(
                "1 snapshot differs from its events"
                if mismatched == 1
                else f"{mismatched} snapshots differ from their events"
            )
        console.print(f"[red]{'; '.join(found)}[/red]")
        raise typer.Exit(1)
    if against_live:
        console.print(
            "[green]replay matches: every projection equals its rebuild from events, and every "
            "stored snapshot its aggregate's events[/]",
            soft_wrap=True,
        )
    else:
        console.print(
            "[green]replay matches: the page-by-page and one-pass rebuilds as of "
            f"{moment.isoformat() if moment else ''} agree[/] (the live store was not compared: "
            "it holds later events)"
        )


@app.command()
def update(url: UrlOption, store: StoreOption = None, commission_plan: PlanOption = None) -> None:
    """Bring the live projections up to date with the event history."""
    plan = load_plan(commission_plan)
    application = _open(url)
    live_store = _live_store(url, store)
    plan = followed_plan(live_store, commission_plan, plan)
    projections = all_projections(live_store, plan=plan)
    with progress_bar("following the notification log") as bar:
        applied = _catch_up(application, projections, (url, store, commission_plan), progress=bar)
    console.print(f"applied {applied} events")
    for p in projections:
        console.print(f"{p.name}: at notification {live_store.position(p.tracking_name)}")
    live_store.close()
    application.close()


ProjectionNamesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--projection",
        "-p",
        help="a projection to rebuild, e.g. commissions, or a report's name (aging: the one it "
        "is printed from); repeat for several (default: all)",
    ),
]


OtherHistoryOption = Annotated[
    bool,
    typer.Option(
        "--other-history",
        help="replace projections whose position is past the last event (a store that "
        "followed another history, or this application's before its database was restored "
        "from an older copy), moving their position back",
    ),
]


def _refuse_past_the_log(
    application: QuoteToCash,
    live_store: ProjectionStore,
    names: Sequence[str],
    rebuild_with: tuple[str, str | None, Path | None],
) -> None:
    """Before anything is rebuilt: a live projection past the last recorded event ends the
    command (exit 2), naming the ``q2c rebuild --other-history`` that would replace it."""
    head = application.recorder.max_notification_id() or 0
    past = {
        p.name: at
        for p in all_projections(live_store)
        if p.name in names
        and (at := _sound_position(live_store, p.tracking_name, p.name)) is not None
        and at > head
    }
    if past:
        name, at = next(iter(past.items()))
        everything = set(past) == {p.name for p in all_projections()}
        command = rebuild_command_line(
            *rebuild_with, [] if everything else list(past), other_history=True
        )
        fail(str(past_the_log(name, at, head, command)))


def damaged_position(
    live_store: ProjectionStore, tracking_name: str, projection: str
) -> DamagedRow | None:
    """Why a projection's live position is no notification id (written over by hand: NULL,
    text, a negative number, a fraction: ``ProjectionStore.checked_position``), or None."""
    try:
        live_store.checked_position(tracking_name, projection)
    except DamagedRow as damaged:
        return damaged
    return None


def _sound_position(live_store: ProjectionStore, tracking_name: str, projection: str) -> int | None:
    """A projection's live position, or None when it is damaged (``damaged_position``)."""
    try:
        return live_store.checked_position(tracking_name, projection)
    except DamagedRow:
        return None


def past_the_log(projection: str, current: int, position: int, command: str) -> RuleViolated:
    """The refusal of a live projection at ``current``, past the last event (``position``),
    naming ``command``: the rebuild with ``--other-history`` that replaces it."""
    return RuleViolated(
        f"the live {projection} is at notification {current}, past the last event "
        f"({position}): is the store that of this application? If it is (the application's "
        "database was restored from an older copy, or replaced) and is to follow this log "
        f"from now on, add --other-history: {command}",
        field="store",
        value=current,
    )


def _moves_back_in_one_transaction(live_store: ProjectionStore) -> bool:
    """Whether the store can move a position back with the rows in one transaction: a
    SQLite or PostgreSQL store with a single-row tracking table (q2c's), whose position a
    ``PageWrite`` with ``expected`` sets to any value. The in-memory store (and the library's
    multi-row tracking table) only move a position forward."""
    datastore = getattr(live_store.recorder, "datastore", None)
    return bool(getattr(datastore, "single_row_tracking", False))


# an id in a row key as a person may copy it: 32 hex digits in any case, or a UUID with dashes
_ID_IN_KEY = re.compile(
    r"(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?"
    r"[0-9A-Fa-f]{12}(?![0-9A-Fa-f-])"
)


def row_key_as_kept(key: str) -> str:
    """A row key with each id in it written as the store keeps ids (``inv:01A2...`` or
    ``inv:01a2b3c4-...`` is ``inv:01a2b3c4...``): a report may print an id in capitals or with
    dashes. The rest of the key (a manager's name, a period) stays as written."""
    return _ID_IN_KEY.sub(lambda m: UUID(m.group(0)).hex, key)


def replace_live_rows(
    live_store: ProjectionStore,
    projection: str,
    tracking_name: str,
    rows: dict[str, str],
    position: int,
    *,
    other_history: bool = False,
) -> tuple[int, int]:
    """Make a projection's live rows exactly ``rows`` (encoded, as the store keeps them) at
    notification ``position``, in ONE transaction of the store: a crash leaves the old read
    model or the new one. Returns (rows written, rows deleted), as against the old rows.

    Rows that changed are written, rows the new read model lacks deleted, and the position
    moved forward together with them. When the live position already is ``position`` (the
    usual case: the live rows followed every event, but in a layout or with settings that are
    refused), the position stays; the transaction then carries a throwaway tracking record
    (``ProjectionStore.commit`` writes one with every page), removed right after.

    A live position past ``position`` (the store followed another history: another database,
    or this one before it was restored from an older copy) is refused (``RuleViolated`` naming
    ``store``) unless ``other_history``: then the position moves back to ``position`` with
    the rows, in one transaction of a SQLite or PostgreSQL store (which refuses it, with
    ``IntegrityError``, if another follower moved the position meanwhile). A store that only
    moves positions forward (in memory) is emptied first, then written: a crash in between
    leaves the projection empty, at no position, and the next catch-up (``q2c update``)
    builds it from the first event: never half of one read model and half of the other.
    """
    if damaged_position(live_store, tracking_name, projection) is not None:
        return _replace_damaged(live_store, projection, tracking_name, rows, position)
    current = live_store.position(tracking_name)
    if current > position and not other_history:
        raise past_the_log(projection, current, position, "q2c rebuild --other-history")
    old = dict(live_store.recorder.load_rows(projection))
    upserts = {k: v for k, v in rows.items() if old.get(k) != v}
    deletes = frozenset(old.keys() - rows.keys())
    if current > position:
        tracking = Tracking(tracking_name, position)
        if _moves_back_in_one_transaction(live_store):
            live_store.commit([PageWrite(projection, upserts, deletes, tracking, current)])
        else:
            live_store.reset(projection, tracking_name)
            live_store.commit([PageWrite(projection, dict(rows), frozenset(), tracking, 0)])
    elif current < position:
        tracking = Tracking(tracking_name, position)
        live_store.commit([PageWrite(projection, upserts, deletes, tracking)])
    elif upserts or deletes:
        marker = f"q2c.rebuild.{uuid4().hex}"
        live_store.commit([PageWrite(projection, upserts, deletes, Tracking(marker, position))])
        live_store.reset(marker, marker)  # (no rows are kept under that name)
        if live_store.position(tracking_name) != position:
            # another follower moved it meanwhile: its events are not in these rows
            raise IntegrityError(f"{tracking_name} moved on while its rows were replaced")
    return len(upserts), len(deletes)


def _replace_damaged(
    live_store: ProjectionStore,
    projection: str,
    tracking_name: str,
    rows: dict[str, str],
    position: int,
) -> tuple[int, int]:
    """``replace_live_rows`` for a projection whose position was written over by hand (no
    notification id: its rows match no point of the log, and a follower refuses it).

    The position moves from exactly the value found to ``position`` with the rows, in one
    transaction of a SQLite or PostgreSQL store (which refuses it, with ``IntegrityError``, if
    another process changed the position meanwhile). A position that no comparison can find
    (NULL, or empty text) is removed with the rows first, then the rows and position are
    written: a crash in between leaves the projection empty at no position, and the next
    catch-up (``q2c update``) builds it from the first event."""
    found: Any = live_store.recorder.max_tracking_id(tracking_name)
    old = dict(live_store.recorder.load_rows(projection))
    tracking = Tracking(tracking_name, position)
    if found and _moves_back_in_one_transaction(live_store):
        upserts = {k: v for k, v in rows.items() if old.get(k) != v}
        deletes = frozenset(old.keys() - rows.keys())
        live_store.commit([PageWrite(projection, upserts, deletes, tracking, found)])
        return len(upserts), len(deletes)
    live_store.reset(projection, tracking_name)
    live_store.commit([PageWrite(projection, dict(rows), frozenset(), tracking, 0)])
    return sum(1 for k, v in rows.items() if old.get(k) != v), len(old.keys() - rows.keys())


@app.command("rebuild")
def rebuild_live(
    url: UrlOption,
    projection: ProjectionNamesOption = None,
    store: StoreOption = None,
    commission_plan: PlanOption = None,
    workers: ReplayWorkersOption = 1,
    other_history: OtherHistoryOption = False,
) -> None:
    """Rebuild live projections from events: after an upgrade changed how a projection keeps
    its rows (``update``, ``report``, ``rows`` and ``replay`` then refuse it), or to use
    another commission plan.

    The projections are rebuilt from an empty start into a scratch store, up to the last
    recorded event; then each one's rows and position replace the live ones in one
    transaction of the live store, so a crash leaves either the old read model or the new
    one, and the old one can be read until it is replaced. --workers 2 rebuilds two shares
    of the projections in two processes at once (a SQLite file or PostgreSQL).

    A live projection past the last recorded event (the store followed another history:
    another database, or this one before it was restored from an older copy) is refused,
    and nothing changes, unless --other-history is given: its rows are then replaced and its
    position moved back to the last event, in one transaction of a SQLite or PostgreSQL
    store (an in-memory store is emptied, then written).

    A live projection whose position was written over by hand (NULL, text, a negative
    number: ``update`` refuses it, naming this command) has its rows and position replaced,
    and the output says so.
    """
    plan = load_plan(commission_plan)
    at_least_one(workers, "--workers")
    known = [p.name for p in all_projections(plan=plan)]
    # (a report's name names the projection it is printed from, as for rows and explain)
    given = [REPORT_PROJECTIONS.get(n, n) for n in projection or ()]
    names = list(dict.fromkeys(given or known))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise typer.BadParameter(
            f"no projection {', '.join(map(repr, unknown))}; choose from {', '.join(known)} "
            "(or a report's name but customers)",
            param_hint="--projection",
        )
    application = _open(url)
    live_store = _live_store(url, store)
    plan = followed_plan(live_store, commission_plan, plan)
    try:
        if not other_history:
            _refuse_past_the_log(application, live_store, names, (url, store, commission_plan))
        with tempfile.TemporaryDirectory(prefix="q2c-rebuild-") as tmp:
            scratch = _scratch_store(tmp)
            fresh = [p for p in all_projections(scratch, plan=plan) if p.name in names]
            try:
                with progress_bar("rebuilding from events") as bar:
                    rebuild(application, fresh, progress=bar, workers=workers)
                # events recorded meanwhile: the scratch rows then hold every event up to
                # exactly this one, the position they replace the live rows at
                head = application.recorder.max_notification_id() or 0
                Follower(application, fresh, until=head).run()
                with progress_bar("replacing the live read models") as bar:
                    done: list[tuple[str, int, int, int]] = []
                    repaired: dict[str, str] = {}
                    for k, p in enumerate(fresh):
                        damaged = damaged_position(live_store, p.tracking_name, p.name)
                        if damaged is not None:
                            repaired[p.name] = damaged.reason
                        rows = dict(scratch.recorder.load_rows(p.name))
                        written, deleted = replace_live_rows(
                            live_store,
                            p.name,
                            p.tracking_name,
                            rows,
                            head,
                            other_history=other_history,
                        )
                        count = sum(1 for key in rows if key != Projection.CONFIG_KEY)
                        done.append((p.name, count, written, deleted))
                        bar(k + 1, len(fresh))
            except IntegrityError:
                fail(
                    "the live store moved on while rebuilding (another q2c followed events "
                    "into it): run q2c rebuild again"
                )
            except Q2CError as error:
                fail(str(error))
            finally:
                scratch.close()
    finally:
        live_store.close()
        application.close()
    for name, count, written, deleted in done:
        if name in repaired:
            console.print(
                f"{name}: its position in the log was damaged ({repaired[name]}): its rows "
                "and position are replaced",
                markup=False,
                soft_wrap=True,
            )
        console.print(
            f"{name}: rebuilt, {count} rows at notification {head} "
            f"({written} written, {deleted} removed)",
            markup=False,
            soft_wrap=True,
        )


AsOfDate = Annotated[
    str, typer.Option("--as-of", help="bill what is due on this date (YYYY-MM-DD)")
]
ActorOption = Annotated[str, typer.Option("--actor", help="who runs the billing (on every event)")]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="processes billing shares of the contracts at once (SQLite file or PostgreSQL; "
        "default 1; not with --preview)",
        show_default=False,
    ),
]
BatchOption = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        help="contracts saved per transaction (default 500; not with --preview)",
        show_default=False,
    ),
]
PreviewOption = Annotated[
    bool, typer.Option("--preview", help="show what a run would draft now; save nothing")
]


@app.command()
def bill(
    url: UrlOption,
    as_of: AsOfDate,
    actor: ActorOption,
    workers: WorkersOption = None,
    batch_size: BatchOption = None,
    preview: PreviewOption = False,
) -> None:
    """The contract billing run: every due period of every contract drafted exactly once.

    Like every command, it needs a database that holds q2c's history (it bills the contracts
    recorded there): it never creates one. --workers (default 1) and --batch-size (default
    500) shape the run; a --preview saves nothing and reads in one process, so either given
    with it is a usage error (exit 2), never silently ignored.
    """
    day = parse_date(as_of, "--as-of")
    require_text(actor, "--actor", "must say who runs the billing")
    for given, option in ((workers, "--workers"), (batch_size, "--batch-size")):
        if preview and given is not None:
            raise typer.BadParameter(
                "a --preview saves nothing and reads in one process: give it without "
                f"{option}, or run without --preview",
                param_hint=option,
            )
    workers = 1 if workers is None else workers
    batch_size = 500 if batch_size is None else batch_size
    at_least_one(workers, "--workers")
    at_least_one(batch_size, "--batch-size")
    application = _open(url)
    flagged: list[SkippedContract] = []  # (the preview's: the contracts the run will skip)
    try:
        if preview:
            drafts = application.preview_billing(day, actor=actor, attention=flagged.append)
            summary = [(d.kind.value, d.net) for d in drafts]
            posted = None
        else:
            with progress_bar("billing contracts") as bar:
                result = application.run_billing(
                    day, actor=actor, progress=bar, batch_size=batch_size, workers=workers
                )
            summary = [(d.kind.value, d.net) for d in result.documents]
            posted = result
    except StorageUnavailable as error:  # (another writer held the store): one line
        fail(one_line(error))
    except Q2CError as error:
        fail(one_line(error))
    finally:
        application.close()
    table = Table(title=f"{'Preview of the' if preview else 'The'} billing run on {day}")
    for column in ("document", "count", "net"):
        table.add_column(column, justify="left" if column == "document" else "right")
    totals: dict[tuple[str, str], list[Any]] = {}
    for kind, net in summary:
        entry = totals.setdefault((kind, net.currency), [0, Decimal(0)])
        entry[0] += 1
        entry[1] += net.amount
    for (kind, currency), (count, amount) in sorted(totals.items()):
        table.add_row(kind, str(count), cell(Money(amount, currency)))  # (its minor unit)
    if posted is not None:
        flagged = list(posted.needs_attention)  # (nothing recorded for them; the others billed)
    if totals:
        console.print(table)
    elif flagged:  # (something is due: the contracts the rules refused, listed below)
        some = "1 contract needs" if len(flagged) == 1 else f"{len(flagged)} contracts need"
        console.print(f"nothing drafted: {some} attention (listed on standard error)")
    else:
        console.print("nothing is due: every period up to this date is billed")
    if posted is not None:
        console.print(
            f"{_count(posted.contracts, 'contract')}, {len(posted.renewed)} renewed, "
            f"{_count(posted.events_written, 'event')} in {_count(posted.saves, 'save')}"
        )
    for skipped in flagged:
        _print_skipped(skipped)


def _count(n: int, thing: str) -> str:
    """``1 contract``, ``2 contracts``."""
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _print_skipped(skipped: SkippedContract) -> None:
    """One contract a billing run skips (or, previewed, will skip), on standard error."""
    period = f", period {skipped.period}" if skipped.period is not None else ""
    err.print(
        f"skipped contract {skipped.number} ({skipped.contract_id}): "
        f"{skipped.field}: {skipped.reason} (needs attention: {skipped.error}{period}; "
        "nothing recorded for it, the next run bills it once it is dealt with)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def refund(
    customer: Annotated[
        str, typer.Argument(help="the customer's id, or its name (case and spaces aside)")
    ],
    url: UrlOption,
    amount: Annotated[str, typer.Option("--amount", help="how much is paid back, e.g. 200.00")],
    on: Annotated[str, typer.Option("--on", help="the business day it is paid back")],
    reference: Annotated[
        str,
        typer.Option(
            "--reference",
            help="the bank transfer's reference: names the refund, so a rerun pays nothing twice",
        ),
    ],
    actor: Annotated[str, typer.Option("--actor", help="who pays it back (on every event)")],
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="the credit's currency (default: the customer's own)"),
    ] = None,
) -> None:
    """Pay customer credit back to the customer (``refund_customer_credit``).

    The money is taken from the unallocated money of the customer's payments received by
    --on, oldest payment first, all in one transaction. The reference names the refund: the
    same command run again records nothing more and says so; another refund under that
    reference, more than the customer's credit, or any other refusal records nothing and is
    one line on standard error with exit code 2.
    """
    day = parse_date(on, "--on")
    require_text(
        reference,
        "--reference",
        "must name the refund (the bank transfer's reference), so it is paid once",
    )
    require_text(actor, "--actor", "must say who pays the money back")
    value = parse_amount(amount, "--amount")
    if value <= 0:
        raise typer.BadParameter(
            f"{amount!r} must be more than zero: the money paid back", param_hint="--amount"
        )
    if currency is not None:
        try:
            minor_units(currency)
        except Q2CError as error:
            raise typer.BadParameter(error.rule, param_hint="--currency") from None
    application = _open(url)
    try:
        customer_id = find_customer(application, customer)
        name = application.customer(customer_id).name
        money = money_of(value, currency or application.customer(customer_id).currency, "--amount")
        # (recorded False: the same instruction was recorded before, by this command run
        # earlier or by another process a moment ago)
        outcome = application.instruct_refund(
            customer_id, money, refunded_on=day, reference=reference, actor=actor
        )
        ids, recorded = outcome.refund_ids, outcome.recorded
        taken = {r.refund_id: (p, r) for p in application.payments(customer_id) for r in p.refunds}
        left = application.customer_credit(customer_id, money.currency)
    except Q2CError as error:
        fail(one_line(error))
    finally:
        application.close()
    parts = [taken[i] for i in ids]
    count = f"{len(parts)} payment{'' if len(parts) == 1 else 's'}"
    # (the reference as history shows it: a line break in it kept on the confirmation's line)
    said = fact(reference)
    if recorded:
        head = f"refunded {money} to {name} on {day} ({said}), from {count}:"
    else:
        head = f"refund {said} was recorded already ({money} to {name} on {day}): nothing new"
    console.print(Text(head), soft_wrap=True)
    for payment, part in parts:
        received = (
            f"{fact(payment.reference)} of {payment.received_on}" if payment.reference else ""
        )
        line = f"  {part.amount}  from payment {payment.id.hex} {received}".rstrip()
        console.print(Text(f"{line}  refund {part.refund_id}"), soft_wrap=True)
    console.print(Text(f"customer credit in {money.currency} left: {left}"), soft_wrap=True)


@app.command("write-off")
def write_off(
    invoice: Annotated[str, typer.Argument(help="the invoice's number (e.g. INV-000042) or id")],
    url: UrlOption,
    at_most: Annotated[
        str,
        typer.Option(
            "--at-most",
            help="your tolerance in the invoice's currency, e.g. 0.05: a larger remainder is "
            "refused",
        ),
    ],
    on: Annotated[str, typer.Option("--on", help="the business day it is written off")],
    reason: Annotated[str, typer.Option("--reason", help="why, e.g. 'bank fee'")],
    actor: Annotated[str, typer.Option("--actor", help="who writes it off (on the event)")],
) -> None:
    """Write off the small remainder an issued invoice still owes (``write_off_remainder``).

    A customer paid 1,209.98 of 1,210.00 (the bank took 0.02 off the transfer): the 0.02 is
    written off, and the invoice owes nothing from --on. What is owed is written off whole,
    never part of it, and only when it is no more than --at-most. The same write-off run
    again (a retry after a lost response: same --on and --reason, by anyone) records nothing
    and says the invoice was written off already, "nothing new", exit code 0. A remainder
    above it, nothing owed (written off already on another day or for another reason), a
    draft, a voided invoice or a credit note, a day before the issue or before the last day
    money or credit met the invoice (a payment applied or taken back off, a credit note), or
    any other refusal records nothing and is one line on standard error with exit code 2.
    """
    day = parse_date(on, "--on")
    require_text(reason, "--reason", "must say why the remainder is written off")
    require_text(actor, "--actor", "must say who writes it off")
    tolerance = parse_amount(at_most, "--at-most")
    if tolerance < 0:
        raise typer.BadParameter(
            f"{at_most.strip()} must not be negative: the most you allow to write off, e.g. 0.05",
            param_hint="--at-most",
        )
    application = _open(url)
    try:
        invoice_id = find_reference(application, invoice)
        document = application.invoice(invoice_id)
        limit = money_of(tolerance, document.currency, "--at-most")
        # (write_off_remainder answers a retry with the first write-off's amount and does not
        # say whether it recorded: the invoice's version does. Unchanged, this run recorded
        # nothing; changed, it recorded the write-off, or another process did a moment before)
        version = document.version
        amount = application.write_off_remainder(
            invoice_id, written_off_on=day, reason=reason, actor=actor, at_most=limit
        )
        after = application.invoice(invoice_id)
        recorded = after.version != version
        number = after.number or invoice_id.hex
    except Q2CError as error:
        fail(one_line(error))
    finally:
        application.close()
    # (the reason as history shows it: a line break in it kept on the confirmation's line)
    why = fact(reason)
    if recorded:
        line = f"wrote off {amount} of {number} on {day} ({why})"
    else:  # (the same write-off again, as refund and suspense return say of theirs)
        line = f"{number} was written off already ({amount} on {day}: {why}): nothing new"
    console.print(Text(line), soft_wrap=True)


# -- facts as an auditor reads them (history, explain, rows) -------------------------------------

_META = frozenset({"originator_id", "originator_version", "timestamp", "actor", "originator_topic"})
# fields that name an invoice or a credit note: shown by number once it is issued
_DOCUMENT_FIELD = re.compile(r"(invoice|credit_note|document)_ids?$")
_ESCAPES = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})

InvoiceNumbers = Callable[[UUID], str | None]


def fact(value: Any, name: str = "", numbers: InvoiceNumbers | None = None) -> str:
    """One recorded value as an auditor reads it, whole: Money as ``12.50 EUR``, Decimals as
    plain digits, dates ISO, periods as their first..last day, enums by name, UUIDs as hex
    (an issued invoice's as its number too, when ``numbers`` knows it and the field ``name``
    names an invoice), attrs values as ``(field=value, ...)`` without defaults, ``None`` or
    internal fields, lists and dicts element by element."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Money):
        exact = value.rounded()
        return f"{(exact if exact.amount == value.amount else value).amount:f} {value.currency}"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):  # (a datetime too)
        return value.isoformat()
    if isinstance(value, Period):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, UUID):
        number = numbers(value) if numbers is not None and _DOCUMENT_FIELD.search(name) else None
        return f"{number} ({value.hex})" if number else value.hex
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if attrs.has(type(value)):
        return f"({_pairs(value, numbers)})"
    if isinstance(value, Mapping):
        items = (f"{fact(k, name, numbers)}: {fact(v, name, numbers)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, set | frozenset):
        return "[" + ", ".join(sorted(fact(x, name, numbers) for x in value)) + "]"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(fact(x, name, numbers) for x in value) + "]"
    return str(value)


def _pairs(value: Any, numbers: InvoiceNumbers | None) -> str:
    """An attrs value's fields as ``name=value`` pairs, leaving out internal fields, ``None``
    and values equal to the field's default (unless every field has its default); an invoice
    line's net amount is added."""
    pairs, defaults = [], []
    for field in attrs.fields(type(value)):
        item = getattr(value, field.name)
        if field.name.startswith("_") or item is None:
            continue
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = attrs.NOTHING if default.takes_self else default.factory()
        pair = f"{field.name}={fact(item, field.name, numbers)}"
        if default is not attrs.NOTHING and type(item) is type(default) and item == default:
            defaults.append(pair)
        else:
            pairs.append(pair)
    pairs = pairs or defaults  # (a value that is all defaults, e.g. the default policy)
    if isinstance(value, InvoiceLine):
        pairs.append(f"net={fact(value.net)}")
    return ", ".join(pairs)


def _document_total(event: Any) -> str | None:
    """What an event's invoice lines come to (a draft's total; the lines added to one)."""
    lines = getattr(event, "lines", None)
    if not isinstance(lines, list) or not lines:
        return None
    if not all(isinstance(line, InvoiceLine) for line in lines):
        return None
    try:
        currency = getattr(event, "currency", None) or lines[0].unit_price.currency
        net = lines_net(lines, currency)
        fixed = getattr(event, "fixed_tax", None)
        tax = total((s.tax for s in (fixed or lines_tax(lines, currency))), currency)
    except Q2CError:
        return None
    label = "total" if type(event).__name__ == "Drafted" else "lines_total"
    return f"{label}={fact(net + tax)} (net {fact(net)} + tax {fact(tax)})"


def describe_event(event: Any, numbers: InvoiceNumbers | None = None) -> list[str]:
    """The facts one event records, one field a line (``name=value``; an attrs value as
    ``name: field=value, ...``; a list of them as ``name:`` then a ``  - ...`` line each), and
    an invoice draft's total. Who and when (actor, timestamp), ids and versions, empty text
    and internal fields (``_...``) are left out; nothing is cut."""
    lines = []
    for name, value in vars(event).items():
        if name in _META or name.startswith("_") or value is None:
            continue
        if isinstance(value, str) and not value:
            continue
        if _is_record(value):
            lines.append(f"{name}: {_pairs(value, numbers)}")
        elif isinstance(value, list | tuple) and value and all(_is_record(x) for x in value):
            lines.append(f"{name}:")
            lines.extend(f"  - {_pairs(x, numbers)}" for x in value)
        else:
            lines.append(f"{name}={fact(value, name, numbers)}")
    document_total = _document_total(event)
    if document_total is not None:
        lines.append(document_total)
    return lines


def _is_record(value: Any) -> bool:
    """An attrs value shown by its fields (not Money or a period, which print as one value)."""
    return attrs.has(type(value)) and not isinstance(value, Money | Period)


def row_facts(row: Mapping[str, Any]) -> list[str]:
    """A projection row's fields as ``name=value``, by name, each value whole."""
    return [f"{key}={fact(value, key)}" for key, value in sorted(row.items())]


def invoice_numbers(application: QuoteToCash, as_of: datetime | None = None) -> InvoiceNumbers:
    """Look up an invoice's number (``None`` while it is not issued, or was not yet as of
    ``as_of``, or the id is not an invoice's), each id read once."""
    known: dict[UUID, str | None] = {}

    def number(invoice_id: UUID) -> str | None:
        if invoice_id not in known:
            known[invoice_id] = None
            for stored in application.recorder.select_events(invoice_id):
                if stored.topic.endswith("Invoice.Issued"):
                    issued: Any = application.mapper.to_domain_event(stored)
                    # as of a moment: issued by a save recorded by then (as --as-of cuts)
                    when = issued.timestamp
                    if as_of is not None:
                        times = recorded_times(application, invoice_id)
                        when = times.get(issued.originator_version, when)
                    if as_of is None or when <= as_of:
                        known[invoice_id] = str(issued.number)
                    break
        return known[invoice_id]

    return number


def wrap_items(text: str, width: int, sep: str = ", ") -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken only between the items
    ``sep`` separates (so an amount and its currency, a date or an id stay whole); an item
    longer than a line gets a line of its own."""
    tail = sep.rstrip()
    gap = sep[len(tail) :]
    parts = text.split(sep)
    lines: list[str] = []
    current = ""
    for i, part in enumerate(parts):
        piece = part + (tail if i < len(parts) - 1 else "")
        if current and len(current) + len(gap) + len(piece) > width:
            lines.append(current)
            current = piece
        else:
            current = f"{current}{gap}{piece}" if current else piece
    lines.append(current)
    return lines


def _print_wrapped(text: str, margin: int) -> None:
    """One fact at ``margin``, wrapped between items, continuation lines indented two more;
    nothing is cut or broken (an item longer than a line is printed whole on its own line:
    a terminal wraps it, a pipe keeps it, so an id can be copied)."""
    width = max(console.width - margin - 2, 20)
    for k, line in enumerate(wrap_items(text, width)):
        indent = " " * (margin + (2 if k else 0))
        console.print(Text(indent + line), soft_wrap=True)


def _print_facts(lines: Sequence[str], indent: int = 4) -> None:
    """Detail lines under a heading, indented (a line's own leading spaces add to it)."""
    for line in lines:
        text = line.lstrip(" ")
        _print_wrapped(text, indent + len(line) - len(text))


def _heading(text: str) -> None:
    """A heading on one line whatever the width (a terminal wraps it; a pipe keeps it whole),
    so a row key or an id in it can be copied."""
    console.print(Text(text, style="bold"), soft_wrap=True)


def _history_rows(application: QuoteToCash, aggregate_id: UUID) -> list[tuple[str, list[str]]]:
    """Each event of one aggregate: its heading (version, recorded, who, what) and facts."""
    numbers = invoice_numbers(application)
    times = recorded_times(application, aggregate_id)
    rows: list[tuple[str, list[str]]] = []
    for stored in application.recorder.select_events(aggregate_id):
        event: Any = application.mapper.to_domain_event(stored)
        heading = "  ".join(
            (
                f"v{event.originator_version}",
                _when(event, times),
                _who(event),
                type(event).__qualname__,
            )
        )
        rows.append((heading, describe_event(event, numbers)))
    return rows


def _when(event: Any, times: dict[int, datetime]) -> str:
    """When an event was recorded (its save's time: ``--as-of`` that time includes it), to the
    microsecond; where no save time was kept, when it was created, marked so."""
    recorded = times.get(event.originator_version)
    if recorded is not None:
        return recorded.isoformat(timespec="microseconds")
    return f"{event.timestamp.isoformat(timespec='microseconds')} (created)"


def _not_found(message: str) -> NoReturn:
    """Say on one line of standard error what the books hold nothing for (a row, an aggregate:
    no ``error:``, it is no mistake of use) and exit with code 1."""
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _who(event: Any) -> str:
    return str(getattr(event, "actor", "") or "(no actor)")


@app.command()
def history(
    aggregate_id: Annotated[
        str,
        typer.Argument(
            help="an aggregate's id, or an invoice or credit note number, e.g. INV-000042"
        ),
    ],
    url: UrlOption,
) -> None:
    """Every event of one aggregate: when, who, what.

    The aggregate is named as ``explain`` and ``invoice render`` take it: by its id, or an
    invoice or credit note by its number."""
    application = _open(url)
    try:
        try:
            uid = find_reference(application, aggregate_id)
        except NotFound as error:
            raise typer.BadParameter(error.rule, param_hint="AGGREGATE_ID") from None
        rows = _history_rows(application, uid)
    finally:
        application.close()
    if not rows:
        _not_found(f"no events for {uid}")
    count = f"{len(rows)} event{'' if len(rows) == 1 else 's'}"
    named = aggregate_id.strip()
    of = f"{named} ({uid})" if not _names_id(named, uid) else str(uid)
    console.print(Text(f"History of {of}: {count}"), soft_wrap=True)
    for heading, facts in rows:
        _heading(heading)
        _print_facts(facts)


def _names_id(text: str, uid: UUID) -> bool:
    """Whether ``text`` is the id itself (not a number that names it)."""
    try:
        return UUID(text) == uid
    except ValueError:
        return False


def _projections_for(
    url: str,
    store: str | None,
    as_of: datetime | None,
    tmp: str,
    plan: CommissionPlan,
    plan_file: Path | None,
) -> tuple[list[Projection], ProjectionStore]:
    application = _open(url)
    if as_of is None:
        target = _live_store(url, store)
        plan = followed_plan(target, plan_file, plan)
        projections = all_projections(target, plan=plan)
        with progress_bar("bringing projections up to date") as bar:
            _catch_up(application, projections, (url, store, plan_file), progress=bar)
    else:
        plan = plan_of_the_live_store(url, store, plan_file, plan)
        target = _scratch_store(tmp)
        projections = all_projections(target, plan=plan)
        with progress_bar("rebuilding as of the given time") as bar:
            rebuild(application, projections, as_of=as_of, progress=bar)
    application.close()
    return projections, target


@app.command()
def report(
    name: Annotated[str, typer.Argument(help=f"one of: {', '.join(REPORTS)}")],
    url: UrlOption,
    as_of: AsOfOption = None,
    on: Annotated[
        str | None, typer.Option("--on", help="business date of the report (default: as-of/today)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    store: StoreOption = None,
    commission_plan: PlanOption = None,
    every_row: Annotated[
        bool,
        typer.Option(
            "--all",
            help="in a table, also the rows that show nothing (forecast months with nothing "
            "forecast); CSV and JSON always have every row",
        ),
    ] = False,
) -> None:
    """Print a report, by one of the names NAME lists, as a table, CSV or JSON.

    A projection's own name (receivables_aging) is no report's: q2c rows and q2c explain take
    it; a report is read from one projection or several.

    A table leaves out the rows that only say there is nothing (the revenue report's forecast
    months with nothing forecast) and says how many, unless --all; CSV and JSON, read by tools
    that expect the whole series (twelve forecast months per currency), keep every row."""
    if name not in REPORTS:
        raise typer.BadParameter(
            f"no report {name!r}; choose one of {', '.join(REPORTS)}", param_hint="NAME"
        )
    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter(f"{fmt!r} is not table, csv or json", param_hint="--format")
    moment = parse_timestamp(as_of) if as_of is not None else None
    today = moment.date() if moment else datetime.now(UTC).date()
    day = parse_date(on, "--on") if on is not None else today
    plan = load_plan(commission_plan)
    with tempfile.TemporaryDirectory(prefix="q2c-report-") as tmp:
        projections, target = _projections_for(url, store, moment, tmp, plan, commission_plan)
        try:
            with _damaged_rows_refused((url, store, commission_plan)):
                table = report_table(name, projections, day)
                if commission_plan is not None and REPORT_PROJECTIONS.get(name) == "commissions":
                    _warn_of_unknown_managers(plan, projections)
        finally:
            target.close()
    print_table(table, fmt, name, MONEY_COLUMNS[name], every_row=every_row)


def print_table(
    table: ReportTable, fmt: str, name: str, money: Sequence[str], *, every_row: bool = False
) -> None:
    """A report on standard output as a table, CSV (``csv_rows``: the amounts of the columns
    ``money`` plain numbers beside one currency column) or JSON (``{"report": name, "title",
    "rows"}``), as ``q2c report`` prints one."""
    if fmt == "table":
        # (wider than the screen or a pipe's 80 columns, the table's lines are printed
        # whole: amounts, dates and keys never shrink, see rich_table)
        console.print(rich_table(table, every_row=every_row), crop=False)
    elif fmt == "csv":
        # (as UTF-8 whatever the terminal's: a CSV is a file, ``write_utf8``)
        header, rows = csv_rows(table, money)
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(rows)
        write_utf8(text.getvalue())
    else:
        records = [
            {c: json_value(v) for c, v in zip(table.columns, row, strict=False)}
            for row in table.rows
        ]
        document = json.dumps({"report": name, "title": table.title, "rows": records})
        write_utf8(document + "\n")


def _warn_of_unknown_managers(plan: CommissionPlan, projections: Sequence[Projection]) -> None:
    """A warning on standard error for each manager the plan names that no customer or
    invoice does (a typo, or a manager whose customers are not in the books yet): the report
    stands, the rate pays nobody."""
    commissions = next(p for p in projections if isinstance(p, Commissions))
    for manager in plan.unknown_managers(commissions.managers()):
        err.print(
            f"warning: --commission-plan names {manager!r}, whom no customer or invoice has as "
            "account manager: that rate pays nobody",
            markup=False,
            soft_wrap=True,
        )


# the projection behind each report, for ``explain`` and ``rows`` given a report's name
# ("customers" draws on several: name the projection)
REPORT_PROJECTIONS = {
    "unbilled": "unbilled_revenue",
    "unbilled-by-customer": "unbilled_revenue",
    "unbilled-by-request": "unbilled_revenue",
    "unbilled-by-contract": "unbilled_revenue",
    "unbilled-by-manager": "unbilled_revenue",
    "unbilled-by-age": "unbilled_revenue",
    "leakage": "unbilled_revenue",
    "prepaid": "prepaid_credit_usage",
    "commissions": "commissions",
    "commission-statements": "commissions",
    "review": "review_meeting",
    "awaiting-po": "awaiting_purchase_order",
    "product-areas": "awaiting_purchase_order",
    "aging": "receivables_aging",
    "past-due": "receivables_aging",
    "revenue": "revenue_schedule",
    "kpis": "kpis",
    "utilisation": "kpis",
    "statements": "customer_statement",
}


def _projection_named(name: str, projections: dict[str, Any]) -> str:
    """A projection's name, given it or the name of a report it serves."""
    name = REPORT_PROJECTIONS.get(name, name)
    if name not in projections:
        raise typer.BadParameter(
            f"no projection {name!r}; choose one of {', '.join(projections)} "
            f"(or a report's name but customers)",
            param_hint="NAME",
        )
    return name


def _keys_so(projection: Projection, row: str) -> bool:
    """Whether the projection keys rows as ``row`` is written: by the prefix before its
    first ':' (``inv:``), so a text with another prefix (an invoice number ``FR:2024-000001``)
    is read as a reference, not as a row key."""
    prefix = row.split(":", 1)[0] + ":"
    return next(iter(projection.rows_with_prefix(prefix)), None) is not None


def _row_of_id(name: str, projection: Projection, given: str) -> str | None:
    """The row key holding an id a report printed (a UUID or its hex): the one row whose key
    names it, None when none does (not found), or a usage error listing the rows that do.

    The customer reports print the customer's id, and most projections key their rows by the
    invoice, request or contract, naming the customer inside: when no key names the id, the
    rows whose ``customer`` is it are the ones that customer's numbers come from (one is
    explained, several are listed to pick one)."""
    try:
        wanted = UUID(given.strip()).hex
    except ValueError:
        raise typer.BadParameter(
            f"{given!r} is neither a row key (prefix:...) nor an id; see q2c rows {name}",
            param_hint="ROW",
        ) from None
    rows = list(projection.rows_with_prefix(""))
    keys = sorted(k for k, _ in rows if wanted in k)
    if not keys:  # (a customer's id, as the customer reports print it)
        keys = sorted(k for k, row in rows if _names_customer(row, wanted))
    if len(keys) == 1:
        return keys[0]
    if not keys:
        return None
    shown = ", ".join(keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
    raise typer.BadParameter(
        f"{len(keys)} rows of {name} name {wanted}; give one: {shown}", param_hint="ROW"
    )


def _names_customer(row: Any, wanted: str) -> bool:
    """Whether a row's ``customer`` is the customer whose id (32 hex digits) is ``wanted``."""
    customer = row.get("customer") if isinstance(row, dict) else None
    if not isinstance(customer, str):
        return False
    try:
        return UUID(customer).hex == wanted
    except ValueError:
        return False


@app.command()
def explain(
    name: Annotated[
        str, typer.Argument(help="projection or report name, e.g. receivables_aging or aging")
    ],
    row: Annotated[
        str,
        typer.Argument(
            help="row key, e.g. inv:<invoice id hex> (see q2c rows), an id or an invoice number"
        ),
    ],
    url: UrlOption,
    as_of: AsOfOption = None,
    commission_plan: PlanOption = None,
    store: StoreOption = None,
) -> None:
    """List the events behind one row of a projection (the facts its numbers come from).

    The projection is rebuilt from an empty start into a scratch store (nothing is written to
    the live store, --store or the application's database: it is read only for the commission
    plan it was built with, when no --commission-plan is given), up to the last event recorded
    when explain starts (or the --as-of cut: events another process records meanwhile are left
    out), and every event whose handler changed that row (created, changed or deleted it; one
    that wrote it back as it was is not listed), or a row its numbers are computed from (an
    allowance's draws, a payment's reversal days), is listed in log order: who recorded it,
    when, and what it says.
    """
    moment = parse_timestamp(as_of) if as_of is not None else None
    plan = load_plan(commission_plan)
    application = _open(url)  # (first: a file that holds no q2c history is refused untouched)
    plan = plan_of_the_live_store(url, store, commission_plan, plan)
    try:
        # one fixed moment of the log for every pass (the row, the rows its numbers come
        # from): events another process records meanwhile are in none of them
        head = application.recorder.max_notification_id() or 0
        until = min(position_as_of(application, moment), head) if moment is not None else head
        with tempfile.TemporaryDirectory(prefix="q2c-explain-") as tmp:
            scratch = _scratch_store(tmp)
            fresh = {p.name: p for p in all_projections(scratch, plan=plan)}
            name = _projection_named(name, fresh)
            projection = fresh[name]
            at = f" as of {as_of}" if as_of else ""
            events: list[Any] = []
            key: str | None = None
            if ":" in row:  # a row key (prefix:...), or an invoice number with a ':'
                row = row_key_as_kept(row)
                with progress_bar(f"replaying {name}") as bar:
                    events = events_behind(application, projection, row, until=until, progress=bar)
                if events or projection.get(row) is not None or _keys_so(projection, row):
                    key = row
            if key is None:  # an id or a number as a report prints it: the row keyed by it
                reference: str | None = None
                with suppress(NotFound):
                    reference = find_reference(application, row).hex
                if reference is None and ":" in row:
                    # (no row keyed so, nothing numbered so: not found, as below)
                    _not_found(f"{name} has no row {row!r}{at}")
                if ":" not in row:  # (else the replay above built it)
                    with progress_bar(f"replaying {name}") as bar:
                        Follower(application, [projection], until=until).run(progress=bar)
                # (_row_of_id refuses a text that is neither)
                key = _row_of_id(name, projection, reference or row)
                if key is None:  # not found, as a row key that holds nothing (below): exit 1
                    hexid = UUID(reference or row.strip()).hex
                    # (a number as typed, with the id it names: INV-000007 (01a2...))
                    typed = row.strip() if reference is not None and row.strip() != hexid else ""
                    naming = f"{typed} ({hexid})" if typed else hexid
                    _not_found(f"{name} has no row naming {naming}{at}")
                row = key
                with progress_bar(f"replaying {name}") as bar:
                    events = events_behind(application, projection, row, until=until, progress=bar)
            value = projection.get(row)
            scratch.close()
            numbers = invoice_numbers(application, moment)
            times: dict[UUID, dict[int, datetime]] = {}
            for event in events:
                if event.originator_id not in times:
                    times[event.originator_id] = recorded_times(application, event.originator_id)
            described = [
                (
                    "  ".join(
                        (
                            _when(event, times[event.originator_id]),
                            _who(event),
                            type(event).__qualname__,
                            f"{event.originator_id.hex} v{event.originator_version}",
                        )
                    ),
                    describe_event(event, numbers),
                )
                for event in events
            ]
    finally:
        application.close()
    if value is None and not events:
        _not_found(f"{name} has no row {row!r}{at}")
    _heading(f"{name} row {row}")
    _print_facts(row_facts(value) if value is not None else ["(missing)"])
    count = f"{len(described)} event{'' if len(described) == 1 else 's'}"
    console.print(Text(f"{count} behind it:"), soft_wrap=True)
    for heading, facts in described:
        _heading(heading)
        _print_facts(facts)


@app.command()
def rows(
    name: Annotated[
        str,
        typer.Argument(help="projection or report name, e.g. receivables_aging or aging"),
    ],
    url: UrlOption,
    prefix: Annotated[str, typer.Option("--prefix", help="only keys starting with this")] = "",
    limit: Annotated[int, typer.Option("--limit", min=0, help="at most this many rows")] = 200,
    store: StoreOption = None,
    commission_plan: PlanOption = None,
) -> None:
    """List a projection's row keys (what ``q2c explain`` takes) with each row's values.

    A report's name (aging) names the projection it is printed from, as for ``explain`` and
    ``rebuild`` (customers draws on several: name one of them)."""
    plan = load_plan(commission_plan)
    application = _open(url)
    target = _live_store(url, store)
    plan = followed_plan(target, commission_plan, plan)
    try:
        projections = {p.name: p for p in all_projections(target, plan=plan)}
        name = _projection_named(name, projections)
        rebuild_with = (url, store, commission_plan)
        _catch_up(application, list(projections.values()), rebuild_with)
        with _damaged_rows_refused(rebuild_with):
            found = sorted(
                (key, value)
                for key, value in projections[name].rows_with_prefix(prefix)
                if key != Projection.CONFIG_KEY
            )
    finally:
        target.close()
        application.close()
    # each key whole on its own line (never shortened to the console's width: it is what
    # ``q2c explain`` takes), its values indented under it
    console.print(Text(f"{name}: {len(found)} rows"), soft_wrap=True)
    for key, value in found[:limit]:
        console.print(Text(key), soft_wrap=True)
        _print_facts([", ".join(row_facts(value))])
    if len(found) > limit:
        err.print(f"… and {len(found) - limit} more rows (--limit, --prefix)")


_extended: list[str] = []


def _register_extensions() -> None:
    """Commands other modules add (invoice rendering, accounting exports, file imports), when
    installed."""
    if _extended:
        return
    _extended.append("done")
    for module_name in (
        "q2c_adapters.cli_documents",
        "q2c_adapters.cli_accounting",
        "q2c_adapters.cli_imports",
        "q2c_adapters.cli_suspense",
    ):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


def main() -> None:
    """Entry point of the ``q2c`` command.

    Storage failing in the middle of a command (the server lost, the database's disk full) is
    a one-line error with exit code 2, as when it cannot be opened: not a traceback, and not
    1, which ``replay`` keeps for "the read models differ". A file or the output that the
    operating system refuses (``OSError``: a file not readable, the disk the output goes to
    full) is one line with exit code 2 too, naming the file (``error: <path>: <why>``) or
    the output (``os_failure``), not called storage. Every save is whole, and a follower commits
    its rows with its position, so what was committed before stands and a rerun goes on. A
    reader that closes the pipe (``| head``) stops the command quietly, exit ``READER_GONE``
    (``Commands``).
    """
    _register_extensions()
    tagged_stdout()
    try:
        app()
    except OSError as error:  # a file or the output the system refused: not storage
        if getattr(error, OUTPUT_FAILED, False):
            drop_output()
        typer.echo(f"error: {os_failure(error)}", err=True)
        raise SystemExit(2) from None
    except storage_errors() as error:
        typer.echo(f"error: storage failed, the command stopped: {one_line(error)}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
