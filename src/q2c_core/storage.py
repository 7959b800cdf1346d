"""Storage by URL, mapped onto eventsourcing's own persistence modules.

``memory:`` keeps events in process (tests, previews); ``sqlite:///path/billing.db`` (with
``?lock_timeout=seconds``, how long a write waits for another writer's lock; a relative path is
the file in the folder the store is opened from) is the embedded default; ``postgresql://user[:password]@host[:port]/db[?schema=name&connect_timeout=seconds]``
scales out. A URL parameter q2c does not know, an empty one or one given twice is refused
(a mistyped ``?shema=`` would otherwise open another schema).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import ParseResult, parse_qsl, quote, unquote, unquote_plus, urlparse
from uuid import uuid4

from q2c_core.domain.errors import InvalidValue, StorageUnavailable

if TYPE_CHECKING:
    import psycopg

# q2c's PostgreSQL recorder: eventsourcing's, saving without pipeline mode (see the module)
POSTGRES_RECORDER_TOPIC = "q2c_core.postgres_recorder:PostgresEventRecorder"
# q2c's SQLite recorder: eventsourcing's, keeping a row per save (``recorded_saves``)
SQLITE_RECORDER_TOPIC = "q2c_core.sqlite_recorder:SQLiteEventRecorder"


_PLAIN_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# PostgreSQL's own schemas: its catalogue (``pg_catalog``, ``pg_toast``, ``pg_temp``...: every
# name starting with pg_ is kept for the server) and the SQL standard's ``information_schema``,
# where the server would let q2c create its tables, type and function among the system views
_SYSTEM_SCHEMA = re.compile(r"information_schema|pg_.*")

# The words PostgreSQL reserves (pg_get_keywords() catcode R, e.g. order, select, user) or lets
# name a column but not a type or function (catcode C, e.g. position, int, time): eventsourcing
# writes the schema unquoted where the server parses it as SQL (a type's name "schema.name"),
# so the server misreads them there, after the schema was created. The words of PostgreSQL 15,
# and those later versions added (system_user, json..., merge_action). The type and function
# keywords (catcode T: left, join...) and the unreserved ones name a schema q2c opens fine.
_RESERVED_WORDS = frozenset(
    """
    all analyse analyze and any array as asc asymmetric between bigint bit boolean both
    case cast char character check coalesce collate column constraint create
    current_catalog current_date current_role current_time current_timestamp current_user
    dec decimal default deferrable desc distinct do else end except exists extract false
    fetch float for foreign from grant greatest group grouping having in initially inout
    int integer intersect interval into json json_array json_arrayagg json_exists
    json_object json_objectagg json_query json_scalar json_serialize json_table json_value
    lateral leading least limit localtime localtimestamp merge_action national nchar none
    normalize not null nullif numeric offset on only or order out overlay placing position
    precision primary real references returning row select session_user setof smallint
    some substring symmetric system_user table then time timestamp to trailing treat trim
    true union unique user using values varchar variadic when where window with
    xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi
    xmlroot xmlserialize xmltable
    """.split()
)


def _refuse_nul(url: str) -> None:
    """InvalidValue naming ``url`` when any part of it holds a NUL character (as is or as %00):
    the drivers end a name there (``/te%00st`` connected to database "te") or refuse it with
    a bare ValueError."""
    if "\x00" in url or "\x00" in unquote_plus(url):
        raise InvalidValue(
            "must not hold a NUL character (%00): PostgreSQL and SQLite end a name there",
            field="url",
            value=redacted(url).replace("\x00", "%00"),
        )


def env_for_url(url: str) -> dict[str, str]:
    """The eventsourcing environment settings for a storage URL (text: anything else, a
    ``pathlib.Path`` or the None of an unset setting, is InvalidValue naming ``url``)."""
    if not isinstance(url, str):
        hint = (
            f" (for this file: sqlite:///{os.path.abspath(url)})"
            if isinstance(url, os.PathLike)
            else ""
        )
        raise InvalidValue(
            "must be a storage URL as text: memory:, sqlite:///path/to/file.db or "
            f"postgresql://user@host/db{hint}",
            field="url",
            # (bytes as their text, any password left out)
            value=redacted(url.decode(errors="replace")) if isinstance(url, bytes) else repr(url),
        )
    url = lower_scheme(url)  # (SQLite:///books.db, as Postgresql:// was read already)
    if url in ("memory:", "memory://", "popo:"):
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    _refuse_nul(url)
    parsed = _parsed(url)
    if parsed.scheme == "sqlite":
        # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute/path.db
        if not url.startswith("sqlite:///"):
            raise InvalidValue(
                "a SQLite URL is sqlite:///path/to/file.db", field="url", value=redacted(url)
            )
        path = unquote(url[len("sqlite:///") :].split("?", 1)[0])
        # (a URL read from a file with its line's end: another, new and empty store beside
        # the real one, in a file whose name ends so)
        spaced = any(part != part.strip() for part in path.split("/"))
        if spaced or any(ord(c) < 32 or ord(c) == 127 for c in path):
            raise InvalidValue(
                f"the file's path {path!r} has a name beginning or ending with a space, or "
                "holds a line break, a tab or another control character (a URL copied with "
                "its line's end?): "
                "SQLite would open another, new file of that name",
                field="url",
                value=redacted(url),
            )
        if not path:
            # (an empty setting: the store would live in memory and its events go at exit)
            raise InvalidValue(
                "names no file: give sqlite:///path/to/file.db (or memory: for a store whose "
                "events go when the process ends)",
                field="url",
                value=redacted(url),
            )
        if path.endswith(("/", os.sep)):
            # (SQLite drops the / and makes a file of the folder's name)
            raise InvalidValue(
                f"names a folder: name the file the books are kept in, e.g. sqlite:///{path}q2c.db",
                field="url",
                value=redacted(url),
            )
        if path == ":memory:":
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": f"file:q2c-{uuid4().hex}?mode=memory&cache=shared",
            }
        else:
            # a relative path is the file in the folder the store is opened from: the store
            # opens connections as it needs them, and one opened after the process changed
            # folder would find another file of that name (an empty one, or another store's)
            if not path.startswith("file:") and not os.path.isabs(path):
                path = os.path.join(os.getcwd(), path)  # (its .. as the system reads them)
            env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
        # how long a write waits for another writer to release the file (seconds), when the
        # URL says: otherwise the environment's SQLITE_LOCK_TIMEOUT, or the library's 5
        # (the parameters after the path as typed: a # in the path, which q2c keeps in the
        # file's name, made the parser read the rest, parameters and all, as a fragment)
        query = _parameters(url, url.partition("?")[2], SQLITE_PARAMETERS)
        if "lock_timeout" in query:
            env["SQLITE_LOCK_TIMEOUT"] = _whole_seconds(query["lock_timeout"], "lock_timeout", url)
        else:
            _check_environment_seconds("SQLITE_LOCK_TIMEOUT")
        return env
    if parsed.scheme in ("postgresql", "postgres"):
        # (one slash or none after the scheme: no host part for the parser, which read the
        # whole text, password and all, as a database's name on 127.0.0.1)
        if not url[len(parsed.scheme) + 1 :].startswith("//"):
            raise InvalidValue(
                f"write two slashes after {parsed.scheme}: "
                "postgresql://user[:password]@host[:port]/db",
                field="url",
                value=redacted(url),
            )
        # (before the parts are read: such a password ends the host part for the parser)
        if re.search(r"[/?#]", typed_password(url) or ""):
            raise InvalidValue(
                "the password holds /, ? or #, which a URL reserves: write them "
                "percent-encoded (/ as %2F, ? as %3F, # as %23)",
                field="url",
                value=redacted(url),
            )
        # (the parser ends the URL at a #: database "acct" for acct#2, the parameters after
        # it, ?schema= and all, dropped)
        if "#" in url:
            raise InvalidValue(
                "holds a #, where the URL would end: a database or user name holding one is "
                "written percent-encoded (# as %23)",
                field="url",
                value=redacted(url),
            )
        query = _parameters(url, parsed.query, POSTGRES_PARAMETERS, _NOT_TAKEN)
        dbname = parsed.path.lstrip("/")
        if not dbname:
            raise InvalidValue("must name a database", field="url", value=redacted(url))
        try:
            port = parsed.port
        except ValueError:
            port = 0  # (no number, or one beyond 65535)
        if port == 0:  # (no server listens on port 0: libpq would try 5432)
            raise InvalidValue(
                "the port must be a number from 1 to 65535", field="url", value=redacted(url)
            )
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": _host(parsed),
            "POSTGRES_PORT": str(port or 5432),
            "POSTGRES_USER": unquote(parsed.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parsed.password or ""),
            # the library's recorder, saving without pipeline mode (see the module)
            "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER_TOPIC,
        }
        if "schema" in query:
            schema = query["schema"]
            # eventsourcing names its tables and types in the schema unquoted in places, so
            # PostgreSQL would fold or misread any other name (after q2c created the schema)
            if not _PLAIN_SCHEMA.fullmatch(schema):
                raise InvalidValue(
                    "the schema must be lower-case letters, digits and _ (not first a digit), "
                    "at most 63 characters",
                    field="url",
                    value=redacted(url),
                )
            if _SYSTEM_SCHEMA.fullmatch(schema):
                raise InvalidValue(
                    f"the schema must not be {schema}: information_schema and every name "
                    "starting with pg_ are PostgreSQL's system schemas, where q2c would create "
                    "its tables among the server's own",
                    field="url",
                    value=redacted(url),
                )
            if schema.lower() in _RESERVED_WORDS:
                raise InvalidValue(
                    f"the schema must not be {schema}: PostgreSQL reserves the word, and the "
                    "server would misread it in the statements that make and use q2c's tables; "
                    f"choose another name (e.g. {schema}_q2c)",
                    field="url",
                    value=redacted(url),
                )
            env["POSTGRES_SCHEMA"] = schema
        # how long to wait for the server (seconds), when the URL says: otherwise the
        # environment's POSTGRES_CONNECT_TIMEOUT, or CONNECT_TIMEOUT (``postgres_connect``)
        if "connect_timeout" in query:
            env["POSTGRES_CONNECT_TIMEOUT"] = _whole_seconds(
                query["connect_timeout"], "connect_timeout", url
            )
        else:
            _check_environment_seconds("POSTGRES_CONNECT_TIMEOUT")
        return env
    raise InvalidValue(
        "must start with memory:, sqlite:/// or postgresql://", field="url", value=redacted(url)
    )


def lower_scheme(url: str) -> str:
    """The URL with its scheme (before the first ``:``) in lower case, the rest as it is: a
    scheme is read whatever its case (RFC 3986), a path or a password is not."""
    scheme, colon, rest = url.partition(":")
    if colon and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return f"{scheme.lower()}:{rest}"
    return url


def _host(parsed: ParseResult) -> str:
    """The server a PostgreSQL URL names: its host (127.0.0.1 when none), or the folder of a
    Unix-domain socket written percent-encoded as libpq and psql take it
    (``postgresql://user@%2Fvar%2Frun%2Fpostgresql/db``), which a parser reads as a host name
    (and lower-cases)."""
    typed = parsed.netloc.rpartition("@")[2]
    if typed.lower().startswith("%2f"):
        return unquote(re.sub(r":[0-9]*$", "", typed))
    return parsed.hostname or "127.0.0.1"


def _parsed(url: str) -> ParseResult:
    """The URL's parts, or InvalidValue naming ``url`` when the parser cannot read it (a
    host's opening bracket never closed: ``postgresql://postgres@[::1/test``)."""
    try:
        return urlparse(url)
    except ValueError as error:
        raise InvalidValue(
            f"is not a well-formed URL ({error}: an IPv6 host is written in brackets, "
            "postgresql://user@[::1]/db)",
            field="url",
            value=redacted(url),
        ) from None


# the parameters a URL may give, per kind of storage (README, "Storage URLs")
SQLITE_PARAMETERS = ("lock_timeout",)
POSTGRES_PARAMETERS = ("schema", "connect_timeout")

# why a parameter other tools take (libpq, psql, SQLAlchemy) is not one of q2c's
_NOT_TAKEN = {
    "password": "a password goes before the host: postgresql://user:password@host/db",
    "sslmode": "q2c's PostgreSQL connections take no TLS settings from the URL; "
    "set PGSSLMODE (and PGSSLROOTCERT) in the environment, which the driver reads",
}


def _parameters(
    url: str, query: str, known: tuple[str, ...], hints: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The URL's parameters by name, or InvalidValue naming one that is unknown (a typo would
    otherwise be dropped without a word: ``?shema=`` opening the public schema), empty or
    given twice; ``hints`` say why a parameter other tools take is not taken."""
    found: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in known:
            reason = (hints or {}).get(name.lower(), f"this URL takes only {', '.join(known)}")
            raise InvalidValue(
                f"unknown parameter {name!r}: {reason}", field="url", value=redacted(url)
            )
        if name in found:
            raise InvalidValue(f"{name} is given twice", field="url", value=redacted(url))
        if not value:
            raise InvalidValue(f"{name} must not be empty", field="url", value=redacted(url))
        found[name] = value
    return found


# the longest a URL may make a connection or a write wait (seconds): a day
LONGEST_WAIT = 86_400


def _whole_seconds(given: str, parameter: str, url: str) -> str:
    """A URL parameter's number of seconds (a whole number from 1 to ``LONGEST_WAIT``), or
    InvalidValue naming the parameter."""
    if not (given.isascii() and given.isdigit()) or not 1 <= int(given) <= LONGEST_WAIT:
        raise InvalidValue(
            f"{parameter} must be a whole number of seconds from 1 to {LONGEST_WAIT}",
            field="url",
            value=redacted(url),
        )
    return str(int(given))


def _check_environment_seconds(name: str) -> None:
    """The environment's wait (``name``: POSTGRES_CONNECT_TIMEOUT, SQLITE_LOCK_TIMEOUT), when
    set and not empty, held to the URL parameter's rule (``_whole_seconds``), or InvalidValue
    naming the variable: "soon" failed opening with a bare ValueError, 0 as a server that did
    not answer in 0.00 s."""
    given = os.environ.get(name, "").strip()
    if given and (not (given.isascii() and given.isdigit()) or not 1 <= int(given) <= LONGEST_WAIT):
        raise InvalidValue(
            f"must be a whole number of seconds from 1 to {LONGEST_WAIT}, not {given!r}",
            field=name,
            value=given,
        )


# seconds to wait for a PostgreSQL server before giving up (``?connect_timeout=`` in a URL)
CONNECT_TIMEOUT = 30


def typed_password(url: str) -> str | None:
    """The password of a server URL as typed between ``user:`` and the last ``@``, read by
    hand: a password holding /, ? or # (which a URL reserves) typed as it is ends the URL's
    host part for a parser, which then finds no password, or a part of it (``Xk@9/q2Lp``: a
    host "9"); after one slash or none too (``postgresql:/user:password@host/db``, refused).
    None without one, and for a SQLite URL (a path, no password)."""
    scheme, sep, rest = url.partition(":")
    if not sep or scheme.lower() == "sqlite":
        return None
    rest = rest.removeprefix("//").removeprefix("/")
    user_info, at, _ = rest.rpartition("@")
    if not at:
        return None
    user, colon, password = user_info.partition(":")
    if not colon or re.search(r"[/?#@\[]", user):  # (that ":" was a port's, or a path's)
        return None
    return password or None


def redacted(url: str) -> str:
    """A storage URL fit for an error message: its password replaced by ***, before the host
    (as typed, ``typed_password``, or as the parser reads it) or as a ``password=`` parameter
    (libpq's form, which q2c refuses)."""
    found = {typed_password(url)}
    with contextlib.suppress(ValueError):  # (a URL the parser cannot read: typed_password's)
        found.add(urlparse(url).password)
    for password in sorted((p for p in found if p), key=len, reverse=True):
        url = url.replace(f":{password}@", ":***@", 1)
    head, mark, query = url.partition("?")
    if not mark:
        return url
    pairs = query.split("&")
    for n, pair in enumerate(pairs):
        name, equals, _ = pair.partition("=")
        if equals and unquote_plus(name).strip().lower() == "password":
            pairs[n] = f"{name}=***"
    return f"{head}?{'&'.join(pairs)}"


@functools.cache
def storage_errors() -> tuple[type[BaseException], ...]:
    """The errors of the drivers and of eventsourcing's persistence layer (not q2c's own, nor a
    programming mistake such as a wrong keyword, which keep their type), and q2c's
    ``StorageUnavailable``: what the command line reports as storage failing."""
    from eventsourcing.persistence import PersistenceError

    errors: list[type[BaseException]] = [
        PersistenceError,
        sqlite3.Error,
        OSError,
        StorageUnavailable,
    ]
    with contextlib.suppress(ImportError):
        import psycopg
        from psycopg_pool import PoolTimeout

        errors += [psycopg.Error, PoolTimeout]
    return tuple(errors)


@functools.cache
def unreachable_errors() -> tuple[type[BaseException], ...]:
    """The errors that say storage opened before is out of reach or out of service now (the
    server gone or restarting, a connection cut, none to be had from the pool in time, a
    SQLite file that cannot be read or written): eventsourcing's ``OperationalError`` and
    ``InterfaceError`` and the drivers' own. A clash between writers (``IntegrityError``,
    which commands and followers retry) and a programming mistake keep their type."""
    from eventsourcing.persistence import InterfaceError, OperationalError

    errors: list[type[BaseException]] = [
        OperationalError,
        InterfaceError,
        sqlite3.OperationalError,
        sqlite3.InterfaceError,
    ]
    with contextlib.suppress(ImportError):
        import psycopg
        from psycopg_pool import PoolTimeout

        errors += [psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout]
    return tuple(errors)


def first_line(error: BaseException) -> str:
    """An error's first line of message (psycopg's span several), or its type's name."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@contextlib.contextmanager
def reaching(url: str) -> Iterator[None]:
    """Around using storage opened before (a command, a query, a follower's page): the store
    out of reach (``unreachable_errors``) becomes ``StorageUnavailable`` naming the URL, its
    password left out, and saying what the driver said, as ``opening`` does. q2c's own errors
    and every other error pass through."""
    try:
        yield
    except unreachable_errors() as error:
        raise out_of_reach(url, error) from error


def out_of_reach(url: str, error: BaseException) -> StorageUnavailable:
    """``StorageUnavailable`` saying the storage at ``url`` (its password left out) is out of
    reach, and what the driver said (``error``'s first line)."""
    return StorageUnavailable(
        f"cannot reach {redacted(url)}: {first_line(error)}", field="url", value=redacted(url)
    )


def url_of(env: Callable[[str], str | None]) -> str:
    """The storage URL an application's or a store's settings (``env_for_url``'s, read through
    ``env``: an application's ``env.get``) stand for, without any password: what an error
    names when no URL was given (an application made from settings)."""
    module = env("PERSISTENCE_MODULE") or ""
    if module.endswith(".postgres"):
        user = env("POSTGRES_USER") or "postgres"
        host = env("POSTGRES_HOST") or "127.0.0.1"
        if host.startswith("/"):  # (a Unix-domain socket's folder, as a URL writes it)
            host = quote(host, safe="")
        elif ":" in host:
            host = f"[{host}]"
        schema = env("POSTGRES_SCHEMA")
        url = f"postgresql://{user}@{host}:{env('POSTGRES_PORT') or 5432}/"
        return url + (env("POSTGRES_DBNAME") or "") + (f"?schema={schema}" if schema else "")
    if module.endswith(".sqlite"):
        return f"sqlite:///{env('SQLITE_DBNAME') or ''}"
    return "memory:"


# the modules of the [postgres] extra, and how to install it
POSTGRES_DRIVER = ("psycopg", "psycopg_pool")
POSTGRES_EXTRA = 'pip install "q2c[postgres]"'


def missing_module(error: ModuleNotFoundError) -> str:
    """The name of the module an import did not find (from the message when the finder that
    refused it gave no ``name``)."""
    if error.name:
        return error.name
    found = re.search(r"No module named '([^']+)'", str(error))
    return found.group(1) if found else ""


@contextlib.contextmanager
def opening(url: str) -> Iterator[None]:
    """Around opening storage: a driver's error (server gone, database or directory missing),
    or the PostgreSQL driver not installed (``POSTGRES_EXTRA``), becomes ``StorageUnavailable``
    naming the URL; q2c's own errors pass through."""
    try:
        yield
    except ModuleNotFoundError as missing:
        name = missing_module(missing)
        if name.split(".")[0] not in POSTGRES_DRIVER:
            raise
        raise StorageUnavailable(
            f"cannot open {redacted(url)}: PostgreSQL needs the [postgres] extra "
            f"({name} is not installed): {POSTGRES_EXTRA}",
            field="url",
            value=redacted(url),
        ) from missing
    except StorageUnavailable:
        raise
    except storage_errors() as error:
        why = sqlite_path_problem(url)
        raise StorageUnavailable(
            f"cannot open {redacted(url)}: {first_line(error)}{why}",
            field="url",
            value=redacted(url),
        ) from error


def sqlite_path_problem(url: str) -> str:
    """What is wrong with the path of a SQLite URL that could not be opened, as ``" (...)"``:
    its file a folder, a folder on its way missing or a file, the file or its folder not
    writable by this process; else "" (SQLite says only "unable to open database file",
    whatever part of the path is at fault)."""
    url = lower_scheme(url)
    if not url.startswith("sqlite:///"):
        return ""
    name = unquote(url[len("sqlite:///") :].split("?", 1)[0])
    if not name or name == ":memory:":
        return ""
    path = os.path.abspath(name)
    if os.path.isdir(path):
        return f" ({path} is a folder, not a SQLite file: name the file in it, e.g. q2c.db)"
    folder = os.path.dirname(path)
    missing = None
    while folder and not os.path.exists(folder):  # (the outermost folder missing)
        missing, folder = folder, os.path.dirname(folder)
        if folder == missing:
            break
    if folder and os.path.exists(folder) and not os.path.isdir(folder):
        return f" ({folder} is a file, not a folder)"
    if missing is not None and name.startswith("~"):
        return (
            f" (the folder {missing} does not exist: a URL's ~ is not your home folder, "
            f"write it out: sqlite:///{os.path.expanduser(name)})"
        )
    if missing is not None:
        return f" (the folder {missing} does not exist: create it first)"
    if os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK):
        return f" ({path} cannot be read and written by this process: check its permissions)"
    if folder and not os.access(folder, os.W_OK | os.X_OK):
        return (
            f" (the folder {folder} cannot be written by this process: SQLite makes the file, "
            "and keeps its -wal and -shm files, beside it)"
        )
    return ""


def postgres_connect(env: Mapping[str, str], **options: Any) -> psycopg.Connection[Any]:
    """A psycopg connection (autocommit) to the database of ``env_for_url``'s settings;
    ``options`` go to ``psycopg.connect`` (e.g. ``connect_timeout``, by default the URL's)."""
    import psycopg

    # (a server that never answers is an error after this long, not a hang)
    timeout = env.get("POSTGRES_CONNECT_TIMEOUT") or os.environ.get("POSTGRES_CONNECT_TIMEOUT")
    options.setdefault("connect_timeout", int(timeout or CONNECT_TIMEOUT))
    # (``get``: an application's settings may name them under its own prefix)
    return psycopg.connect(
        dbname=env.get("POSTGRES_DBNAME"),
        host=env.get("POSTGRES_HOST"),
        port=int(env.get("POSTGRES_PORT") or 5432),
        user=env.get("POSTGRES_USER"),
        password=env.get("POSTGRES_PASSWORD") or None,
        autocommit=True,
        **options,
    )


def ensure_postgres_schema(env: dict[str, str]) -> None:
    """Create the configured PostgreSQL schema when it does not exist yet."""
    with creating_tables(env):
        pass


# a PostgreSQL advisory lock held while a schema and its tables are created: several processes
# opening one database at once (web workers, two cron jobs) would otherwise race on the
# catalogue (the library's CREATE OR REPLACE FUNCTION: "tuple concurrently updated", its
# tracking table's migration record, CREATE SCHEMA): one creates, the others wait, then find
# everything there
CREATE_TABLES_LOCK = 0x71326320


@contextlib.contextmanager
def creating_tables(env: Mapping[str, str]) -> Iterator[None]:
    """Around opening an application or a store that creates its tables: on PostgreSQL, one
    process at a time (``CREATE_TABLES_LOCK``), with the configured schema created first.
    A tracking table (a read-model or delivery store) is made with ``create_tables``, which
    also makes it safe on SQLite."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        yield
        return
    from psycopg import sql

    with postgres_connect(env) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (CREATE_TABLES_LOCK,))
        try:
            schema = env.get("POSTGRES_SCHEMA")
            if schema:
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
                )
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (CREATE_TABLES_LOCK,))


T = TypeVar("T")


def create_tables(env: Mapping[str, str], create: Callable[[], T]) -> T:
    """``create()``, which creates tables (a recorder and its tables), safely while other
    processes create the same ones: on PostgreSQL under ``creating_tables``; on SQLite a second
    time when another process made them first. eventsourcing's SQLite tracking table records
    its layout (a ``__migration__`` tracking row) when it finds no table, and of two processes
    that both found none the second one's record is refused (IntegrityError "Failed to record
    tracking for __migration__ 1"), its transaction rolled back; by then the tables are there,
    so the second try finds them and records nothing."""
    with creating_tables(env):
        if env.get("PERSISTENCE_MODULE") != "eventsourcing.sqlite":
            return create()
        timeout = float(env.get("SQLITE_LOCK_TIMEOUT") or 5)
        sqlite_wal_mode(env.get("SQLITE_DBNAME", ""), timeout=timeout)
        from eventsourcing.persistence import IntegrityError

        deadline = time.monotonic() + timeout
        while True:
            try:
                try:
                    return create()
                except IntegrityError:
                    return create()
            except Exception as error:
                # another process's creating transaction committed between this one's read of
                # the (missing) tables and its write: SQLite refuses the write at once
                # ("database is locked", a stale snapshot in WAL mode) rather than waiting;
                # the tables are made idempotently, so the whole step is tried again
                if not _sqlite_busy(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)


def sqlite_wal_mode(name: str, *, timeout: float, page_size: int | None = None) -> None:
    """Put a SQLite file in WAL mode (a new one with ``page_size`` first) before a recorder
    connects to it. eventsourcing switches each new file to WAL when it first connects, and of
    processes opening one new file at once, one could be refused at once ("database is
    locked": the switch needs the file to itself, and SQLite does not wait for it) while another
    switched it; here the switch is tried again until ``timeout`` seconds have passed. A file in
    memory is left alone; a folder that does not exist raises the driver's error."""
    if not name or ":memory:" in name or "mode=memory" in name:
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = sqlite3.connect(name, isolation_level=None, timeout=timeout, uri=True)
            try:
                if page_size and connection.execute("PRAGMA page_count").fetchone()[0] == 0:
                    connection.execute(f"PRAGMA page_size = {int(page_size)}")
                mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    connection.execute("PRAGMA journal_mode = WAL")
            finally:
                connection.close()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_busy(error: BaseException) -> bool:
    """Whether an error (or one it was raised from) is SQLite's "database is locked"/"busy"."""
    seen: BaseException | None = error
    for _ in range(8):  # (a chain is short; a cycle in it must not hang)
        if seen is None:
            break
        if isinstance(seen, sqlite3.OperationalError) and (
            "locked" in str(seen) or "busy" in str(seen)
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# the columns of eventsourcing's events and snapshots tables that q2c reads and writes
_STORED_EVENT_COLUMNS = ("originator_id", "originator_version", "topic", "state")


def foreign_table(recorder: object) -> str | None:
    """What is wrong with a recorder's table when another program made it under the same name
    (a database of another service): the table's name and the columns it lacks, or None when
    it has q2c's columns, does not exist, or the recorder keeps no table (in memory). A table
    made ``IF NOT EXISTS`` stays as it was found, and every command and query on it then failed
    with "no such column", read as the store being out of reach."""
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    table = getattr(recorder, "events_table_name", None)
    if not isinstance(table, str):
        return None
    columns: set[str]
    if isinstance(recorder, SQLiteAggregateRecorder):
        with recorder.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None
            cursor.execute("SELECT name FROM pragma_table_info(?)", (table,))
            columns = {str(row[0]) for row in cursor.fetchall()}
    else:
        try:
            from eventsourcing.postgres import PostgresAggregateRecorder
        except ImportError:  # (no PostgreSQL driver: not a PostgreSQL recorder)
            return None
        if not isinstance(recorder, PostgresAggregateRecorder):
            return None
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                "SELECT column_name AS name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s",
                (recorder.datastore.schema or "public", table),
            )
            columns = {str(row["name"]) for row in curs.fetchall()}
    missing = [name for name in _STORED_EVENT_COLUMNS if name not in columns]
    if not columns or not missing:
        return None
    return (
        f"its table {table} is not q2c's (it has no column {', '.join(missing)}): a database "
        "another program keeps? Give q2c a database (or ?schema=) of its own"
    )
