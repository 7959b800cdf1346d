"""What every q2c command shares: opening the application an auditor points it at, and
reporting a mistake as one line (``error: ...``) with exit code 2 rather than a traceback."""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote
from uuid import UUID

import typer
import typer.core
from eventsourcing.persistence import MapperDeserialisationError

from q2c_core.application import QuoteToCash
from q2c_core.domain.errors import DamagedRow, NotFound, Q2CError, RuleViolated
from q2c_core.domain.values import person_key
from q2c_core.storage import (
    LONGEST_WAIT,
    POSTGRES_EXTRA,
    env_for_url,
    missing_module,
    postgres_connect,
    sqlite_path_problem,
)

if TYPE_CHECKING:
    import psycopg

# how long a command waits for PostgreSQL to answer before it says it cannot connect, unless
# the URL (``?connect_timeout=``) or the environment (``POSTGRES_CONNECT_TIMEOUT``) says
CONNECT_TIMEOUT_SECONDS = 5
# SQLite's result code for a file that is no SQLite database
_SQLITE_NOTADB = 26
# the table q2c's events are recorded in (eventsourcing names it after the application)
SQLITE_EVENTS_TABLE = "stored_events"
POSTGRES_EVENTS_TABLE = f"{QuoteToCash.name.lower()}_events"


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` on standard error and exit (2: a usage or storage mistake)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def refuse(option: str, rule: str) -> NoReturn:
    """Refuse the value given to ``option`` (``--on``, or an argument's name such as ``ROW``):
    ``error: <option>: <rule>`` on one line, exit code 2."""
    fail(f"{option}: {rule}")


# the files SQLite keeps beside a database while it is open (its write-ahead log, the log's
# index, a rollback journal): part of the store as much as the database itself
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def sqlite_store(url: str) -> str | None:
    """The database file a sqlite:/// URL names (None for another store, or a URL that
    ``open_app`` refuses in its own words)."""
    try:
        env = env_for_url(url)
    except Q2CError:
        return None
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.sqlite":
        return None
    name = env.get("SQLITE_DBNAME", "")
    return None if not name or name.startswith("file:") else name


def _names_store_file(out: Path, store: str) -> bool:
    """Whether ``out`` is the store's database or one of its companion files: the same path
    once links and ``..`` are resolved, or the same file (a hard link)."""
    target = os.path.realpath(out)
    for suffix in SQLITE_COMPANIONS:
        kept = os.path.realpath(store + suffix)
        if target == kept:
            return True
        with contextlib.suppress(OSError):
            if os.path.samefile(target, kept):
                return True
    return False


def store_file_named(out: Path, url: str) -> str | None:
    """The SQLite store (its database file) that ``out`` names, None when it names none: the
    database a sqlite:/// ``url`` names or a file SQLite keeps beside it, by whatever path or
    link. A command writing a file (an export, a rendered document) refuses such an ``--out``
    before it writes anything: written, it would replace q2c's whole history."""
    store = sqlite_store(url)
    return store if store is not None and _names_store_file(out, store) else None


class OneLineRefusals(typer.core.TyperGroup):
    """The q2c command group: a value an option or argument refuses is one line on standard
    error, ``error: <option>: <rule>``, with exit code 2, like every other refusal (``refuse``),
    not a usage box. That holds for the values the command line itself cannot read (``--workers
    abc``, ``--limit -1``) and for ``typer.BadParameter`` a command raises (``parse_date``).
    A command line of the wrong shape (an option missing or unknown) still gets the usage.
    A stored read-model row that cannot be read back (``DamagedRow``), where a command does
    not say more, is one line too: the projection, the row and ``q2c rebuild``, exit 2; so
    is a recorded event that cannot be read back (``MapperDeserialisationError``: its topic,
    aggregate and version), not a traceback with exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command, refusing a bad option or argument value in one line."""
        try:
            return super().invoke(ctx)
        except DamagedRow as error:
            named = f" --projection {error.projection}" if error.projection else ""
            fail(f"{one_line(error)}; rebuild it from events: q2c rebuild --url URL{named}")
        except MapperDeserialisationError as error:
            # (a stored event damaged on disk or by hand: the message names its topic,
            # aggregate and version)
            fail(f"a recorded event cannot be read: {one_line(error)}")
        except typer.BadParameter as error:
            # (an option left out is a MissingParameter: the usage says what to give)
            if any(c.__name__ == "MissingParameter" for c in type(error).__mro__):
                raise
            rule = error.message
            # (the command line's parser says "Input should be...", "Value error, ...")
            if rule.lower().startswith("value error, "):
                rule = rule[len("value error, ") :]
            if rule[1:2].islower():
                rule = rule[0].lower() + rule[1:]
            name = _parameter_named(error)
            fail(f"{name}: {rule}" if name else rule)


def _parameter_named(error: typer.BadParameter) -> str:
    """The option (its long name) or argument (its name in capitals) a refusal is about."""
    hint = error.param_hint
    if isinstance(hint, str):
        return hint
    if hint:
        return " / ".join(hint)
    param = error.param
    if param is None:
        return ""
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
    if getattr(param, "param_type_name", "") == "option" and opts:
        return str(opts[0])
    return str(param.name or "").upper()


def one_line(error: BaseException) -> str:
    """An exception's message on one line (psycopg's span several)."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = " ".join(str(error).split())
    return text or type(error).__name__


def os_failure(error: OSError) -> str:
    """What the operating system refused a command, on one line, as ``error:`` follows it:
    the file or files (``path: Permission denied``), or the output when it was standard output
    that could not be written (a full disk: ``TaggedOutput``): not storage failing, which the
    database's own errors say."""
    why = error.strerror or one_line(error)
    paths = [os.fsdecode(p) for p in (error.filename, error.filename2) if p is not None]
    if paths:
        return f"{' -> '.join(paths)}: {why}"
    if getattr(error, OUTPUT_FAILED, False):
        return f"cannot write the output (standard output): {why}"
    return f"the command stopped: {why}"


# the attribute ``TaggedOutput`` sets on an error writing standard output
OUTPUT_FAILED = "q2c_output_failed"


class TaggedOutput(io.BufferedWriter):
    """Standard output's buffer, tagging an ``OSError`` writing it (``OUTPUT_FAILED``) so
    that ``os_failure`` says the output failed: such an error names no file."""

    def write(self, data: Any) -> int:
        """Write, tagging a failure."""
        try:
            return super().write(data)
        except OSError as error:
            setattr(error, OUTPUT_FAILED, True)
            raise

    def flush(self) -> None:
        """Flush, tagging a failure."""
        try:
            super().flush()
        except OSError as error:
            setattr(error, OUTPUT_FAILED, True)
            raise


def tagged_stdout() -> None:
    """Put standard output (a real file descriptor) on a ``TaggedOutput`` buffer, with the same
    encoding, error handler and line buffering; left as it is when it has no descriptor (a
    test's captured output)."""
    stream = sys.stdout
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    if not isinstance(stream, io.TextIOWrapper):
        return
    stream.flush()
    buffer = TaggedOutput(io.FileIO(fd, "w", closefd=False))
    # on a terminal that is not UTF-8 (a Latin-1 locale), what it cannot show prints as "?"
    # rather than stopping a table on a traceback; files (CSV, JSON, exports) are written
    # as UTF-8 bytes past it (``write_utf8``)
    unicode = codecs.lookup(stream.encoding).name.startswith("utf")
    sys.stdout = io.TextIOWrapper(
        buffer,
        encoding=stream.encoding,
        errors=stream.errors if unicode else "replace",
        line_buffering=stream.line_buffering,
    )


def write_utf8(text: str) -> None:
    """``text`` onto standard output as UTF-8, whatever the terminal's encoding, so ``> file``
    is the file ``--out`` writes, byte for byte (a Latin-1 locale stopped on a Greek name and
    wrote a German one's ``ü`` as Latin-1: CSV, JSON and Beancount readers take UTF-8)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # (a stream of text only: a test's captured output)
        typer.echo(text, nl=False)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def drop_output() -> None:
    """What is left of standard output goes nowhere (it cannot be written, and the exit's
    flush would fail again, in a traceback)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def open_app(url: str) -> QuoteToCash:
    """Open the application at ``url`` when it holds q2c's history; otherwise exit 2.

    No command creates an application database, a schema or the event tables: a mistyped
    path, database or schema is an error, not an empty report. A SQLite file that is not
    there, or holds no q2c events table, and a PostgreSQL database or schema without one, are
    refused ("holds no q2c history"); a PostgreSQL server that does not answer within
    ``connect_timeout(env)`` seconds is reported in one line.
    """
    try:
        env = env_for_url(url)
    except Q2CError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    module = env.get("PERSISTENCE_MODULE")
    if module == "eventsourcing.sqlite":
        _require_sqlite_history(env.get("SQLITE_DBNAME", ""))
    elif module == "eventsourcing.postgres":
        _require_postgres_history(env)
    else:  # memory: lives and dies with one process, so a new one holds no history
        fail(
            f"{url} holds no q2c history (memory lasts one process): give a sqlite:/// or "
            "postgresql:// URL"
        )
    try:
        return QuoteToCash.open(url)
    except Exception as error:  # the storage refused (server gone, file unreadable...)
        fail(f"cannot open {describe_url(env)}: {one_line(error)}")


def find_customer(app: QuoteToCash, ref: str) -> UUID:
    """A customer by its id (with or without dashes) or by its name, as the contract import
    takes it: any spelling ``person_key`` reads as the same name (case, runs of spaces, the
    ends, full-width letters and invisible characters aside), the spellings the duplicate
    check refuses as the customer's. ``NotFound`` naming ``customer`` when no customer has
    that id or name, ``RuleViolated`` when several have the name (customers an ERP registered
    under one name with references: give the id then)."""
    ref = ref.strip()
    try:
        customer_id = UUID(ref)
    except ValueError:
        pass
    else:
        try:
            return app.customer(customer_id).id
        except NotFound:
            raise NotFound("no customer has this id", field="customer", value=ref) from None
    key = person_key(ref)
    found = [c.id for c in app.customers() if person_key(c.name) == key]
    if not found:
        raise NotFound(f"no customer has this id or name: {ref!r}", field="customer", value=ref)
    if len(found) > 1:
        ids = ", ".join(c.hex for c in found)
        raise RuleViolated(
            f"several customers are named {ref!r} ({ids}): give the id",
            field="customer",
            value=ref,
        )
    return found[0]


def find_invoice(app: QuoteToCash, ref: str) -> UUID:
    """An invoice by id, or by its number (``INV-000042``, ``CN-000003``): ``NotFound`` naming
    ``invoice`` when no invoice or credit note has it.

    By number, every customer's invoices and credit notes are searched as
    ``QuoteToCash.invoices`` lists them: those the customer lists and those billing runs
    drafted on its contracts (which the contract lists, not the customer).
    """
    ref = ref.strip()
    try:
        invoice_id = UUID(ref)
    except ValueError:
        pass
    else:
        app.invoice(invoice_id)
        return invoice_id
    for customer in app.customers():
        for invoice in app.invoices(customer.id):
            if invoice.number == ref:
                return invoice.id
    raise NotFound(f"no invoice or credit note numbered {ref!r}", field="invoice", value=ref)


def find_reference(app: QuoteToCash, ref: str) -> UUID:
    """The id a reference printed by a report or a document names, as ``history``,
    ``explain`` and ``invoice render`` take it: an id (with or without dashes) as it is, or an
    invoice or credit note by its number (``INV-000042``). ``NotFound`` naming ``reference``
    when it is neither."""
    try:
        return UUID(ref.strip())
    except ValueError:
        pass
    try:
        return find_invoice(app, ref)
    except NotFound:
        raise NotFound(
            f"{ref.strip()!r} is neither an id nor the number of an invoice or credit note",
            field="reference",
            value=ref,
        ) from None


def check_store(url: str) -> None:
    """A projection store URL (``--store``) that can be opened: a valid URL, a SQLite file
    whose folder exists, a PostgreSQL server that answers. The store itself (its schema and
    tables) may be new: read models are built there."""
    try:
        env = env_for_url(url)
    except Q2CError as error:
        fail(f"--store: {error}")
    module = env.get("PERSISTENCE_MODULE")
    if module == "eventsourcing.sqlite":
        dbname = env.get("SQLITE_DBNAME", "")
        if dbname and "mode=memory" not in dbname and not Path(dbname).parent.is_dir():
            fail(f"--store: no folder {Path(dbname).parent} for the projection store {dbname}")
    elif module == "eventsourcing.postgres":
        _connect(env, "--store: ").close()


def describe_url(env: dict[str, str]) -> str:
    """Where a storage URL points, without its password."""
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        schema = env.get("POSTGRES_SCHEMA") or "public"
        return (
            f"PostgreSQL database {env['POSTGRES_DBNAME']!r} (schema {schema!r}) at {_server(env)}"
        )
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
        return f"SQLite database {env.get('SQLITE_DBNAME', '')}"
    return "the in-memory store"


def _server(env: Mapping[str, str]) -> str:
    """A PostgreSQL server as ``host:port``, an IPv6 address in brackets as a URL writes it
    (``[::1]:5432``, not ``::1:5432``)."""
    host = env.get("POSTGRES_HOST") or "127.0.0.1"
    if ":" in host and not host.startswith("/"):
        host = f"[{host}]"
    return f"{host}:{env.get('POSTGRES_PORT') or 5432}"


def _require_sqlite_history(dbname: str) -> None:
    if not dbname or "mode=memory" in dbname:
        fail("an in-memory SQLite database holds no q2c history (it lasts one process)")
    path = Path(dbname)
    if not path.exists():
        fail(f"no q2c database at {dbname}")
    try:
        # mode=rw never creates the file; only sqlite_master is read (a read-only connection
        # would leave a WAL database's -wal and -shm files behind)
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
        try:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (SQLITE_EVENTS_TABLE,),
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        if getattr(error, "sqlite_errorcode", None) == _SQLITE_NOTADB:
            fail(f"{dbname} is not a q2c database: {one_line(error)}")
        # (books q2c may not open: a WAL database's -wal and -shm files cannot be made beside
        # it, the file cannot be read...: what is wrong with the path, as opening says it)
        why = sqlite_path_problem(f"sqlite:///{quote(dbname)}")
        fail(f"cannot open SQLite database {dbname}: {one_line(error)}{why}")
    if found is None:
        fail(f"{dbname} holds no q2c history (no {SQLITE_EVENTS_TABLE} table): check the URL")


def connect_timeout(env: Mapping[str, str]) -> int:
    """Seconds a command waits for PostgreSQL: the URL's ``?connect_timeout=``, else the
    environment's ``POSTGRES_CONNECT_TIMEOUT``, else ``CONNECT_TIMEOUT_SECONDS``; exit 2 when
    the environment's is no whole number of seconds."""
    given = env.get("POSTGRES_CONNECT_TIMEOUT") or os.environ.get("POSTGRES_CONNECT_TIMEOUT")
    if not given:
        return CONNECT_TIMEOUT_SECONDS
    given = given.strip()
    if not (given.isascii() and given.isdigit()) or not 1 <= int(given) <= LONGEST_WAIT:
        refuse(
            "POSTGRES_CONNECT_TIMEOUT",
            f"must be a whole number of seconds from 1 to {LONGEST_WAIT}, not {given!r}",
        )
    return int(given)


def _connect(env: dict[str, str], what: str = "") -> psycopg.Connection[Any]:
    """A psycopg connection to the URL's database, or exit 2 with why not (quickly): the
    server not answering, or the [postgres] extra not installed; ``what`` begins the message
    (``"--store: "``: the projection store's server, not the books')."""
    try:
        import psycopg
    except ModuleNotFoundError as missing:
        fail(
            f"{what}PostgreSQL needs the [postgres] extra ({missing_module(missing)} is not "
            f"installed): {POSTGRES_EXTRA}"
        )
    timeout = connect_timeout(env)
    try:
        return postgres_connect(env, connect_timeout=timeout)
    except (psycopg.Error, OSError) as error:
        where = _server(env)
        fail(
            f"{what}cannot connect to PostgreSQL database {env['POSTGRES_DBNAME']!r} at {where}: "
            f"{one_line(error)}"
        )


def _require_postgres_history(env: dict[str, str]) -> None:
    schema = env.get("POSTGRES_SCHEMA", "").strip() or "public"
    connection = _connect(env)
    import psycopg

    try:
        with connection:
            has_schema = connection.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
            ).fetchone()
            has_events = connection.execute(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = %s AND table_name = %s",
                (schema, POSTGRES_EVENTS_TABLE),
            ).fetchone()
    except psycopg.Error as error:
        fail(f"cannot read {describe_url(env)}: {one_line(error)}")
    if has_schema is None:
        fail(f"{describe_url(env)} holds no q2c history: there is no schema {schema!r}")
    if has_events is None:
        fail(
            f"{describe_url(env)} holds no q2c history (no {POSTGRES_EVENTS_TABLE} table): "
            "check the URL"
        )
