"""Storage that cannot be opened is one typed error naming the URL (without its password),
never a driver's exception or a hang; the command line refuses a memory URL, which holds no
history outside the process that made it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from conftest import PG_DSN, require_postgres
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import (
    BillingFrequency,
    InvalidValue,
    Money,
    Period,
    PricePoint,
    ProjectionStore,
    QuoteToCash,
    StorageUnavailable,
    SubContract,
    SubContractKind,
)

OPENERS: list[Callable[[str], Any]] = [QuoteToCash.open, ProjectionStore.open]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word (a server hung mid-start, a
    firewall that swallows packets): the real hazard, as no PostgreSQL can be made to hang."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.mark.parametrize("opener", OPENERS)
def test_a_server_that_never_answers_is_an_error_within_the_timeout(
    opener: Callable[[str], Any], silent_server: int
) -> None:
    url = f"postgresql://postgres:secret@127.0.0.1:{silent_server}/test?connect_timeout=1"
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as e:
        opener(url)
    assert time.monotonic() - started < 20  # (it used to wait for ever)
    assert e.value.field == "url" and "secret" not in str(e.value) and ":***@" in str(e.value)


@pytest.mark.parametrize("opener", OPENERS)
def test_a_missing_database_or_folder_is_storage_unavailable(
    opener: Callable[[str], Any], tmp_path: Path
) -> None:
    with pytest.raises(StorageUnavailable, match="unable to open database file"):
        opener(f"sqlite:///{tmp_path / 'no-such-folder' / 'q2c.db'}")
    require_postgres()
    base = PG_DSN.rsplit("/", 1)[0]
    with pytest.raises(StorageUnavailable, match='database "q2c_no_such_db" does not exist'):
        opener(f"{base}/q2c_no_such_db?connect_timeout=5")
    with pytest.raises(InvalidValue) as timeout:
        opener(f"{base}/test?connect_timeout=soon")
    assert timeout.value.field == "url"


def test_the_command_line_refuses_a_memory_url() -> None:
    runner = CliRunner()
    for url in ("memory:", "sqlite:///:memory:"):
        result = runner.invoke(cli, ["report", "aging", "--url", url])
        assert result.exit_code == 2, result.output
        assert "holds no q2c history" in result.output


def test_the_operators_connect_timeout_stands_unless_the_url_gives_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A URL without ?connect_timeout= leaves POSTGRES_CONNECT_TIMEOUT to the environment (a
    deployment's own setting); one with it sets it for that store."""
    from q2c_core.storage import env_for_url

    assert "POSTGRES_CONNECT_TIMEOUT" not in env_for_url("postgresql://u@h/db")
    assert env_for_url("postgresql://u@h/db?connect_timeout=7")["POSTGRES_CONNECT_TIMEOUT"] == "7"


def test_a_programming_mistake_keeps_its_own_type() -> None:
    """Only the storage's own failures become StorageUnavailable: a wrong keyword is a
    TypeError, as Python says."""
    with pytest.raises(TypeError):
        QuoteToCash.open("memory:", max_retrys=3)


@pytest.mark.parametrize("opener", OPENERS)
@pytest.mark.parametrize(
    "tail", [":notaport/test", ":99999/test", "/test?schema=MixedCase", "/test?schema=with-dash"]
)
def test_a_bad_port_or_schema_name_is_refused_before_anything_is_made(
    opener: Callable[[str], Any], tail: str
) -> None:
    """A port that is no number, or a schema name PostgreSQL would fold or misread (q2c used
    to create the schema, then fail on its first table), is refused as a typed error naming the
    URL, without its password, before any connection; the command line says so in one line."""
    url = f"postgresql://postgres:secret@127.0.0.1{tail}"
    with pytest.raises(InvalidValue) as refused:
        opener(url)
    assert refused.value.field == "url" and "secret" not in str(refused.value.value)
    result = CliRunner().invoke(cli, ["report", "aging", "--url", url])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error:") and "Traceback" not in result.output


@pytest.mark.parametrize("opener", OPENERS)
@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("postgresql://billing@127.0.0.1/test?shema=acme_nl", "'shema'"),  # a typo
        ("postgresql://billing@127.0.0.1/test?schema=", "schema must not be empty"),
        ("postgresql://billing@127.0.0.1/test?schema=acme_nl&schema=acme_be", "schema is given"),
        ("postgresql://billing@127.0.0.1/test?sslmode=require", "PGSSLMODE"),
        ("postgresql://billing@127.0.0.1:0/test?schema=acme_nl", "the port must be"),
        ("sqlite:///billing.db?lock_timout=60", "'lock_timout'"),
        ("sqlite:///billing.db?lock_timeout=", "lock_timeout must not be empty"),
    ],
)
def test_a_url_parameter_q2c_does_not_take_is_refused_before_anything_is_made(
    opener: Callable[[str], Any], url: str, named: str, tmp_path: Path, monkeypatch: Any
) -> None:
    """Acme's operator mistypes ?shema=acme_nl, leaves ?schema= empty, gives it twice, asks
    for TLS with ?sslmode=require or a port of 0: each is refused as InvalidValue naming the
    URL and what is wrong, before any connection or file is made. q2c used to drop them
    without a word and open the database's public schema (another company's books), connect
    without TLS, try port 5432, or wait the default lock timeout."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidValue) as refused:
        opener(url)
    assert refused.value.field == "url" and named in str(refused.value)
    assert list(tmp_path.iterdir()) == []  # (no billing.db made)


@pytest.mark.parametrize("opener", OPENERS)
@pytest.mark.parametrize(
    ("tail", "why"),
    [
        ("/test?schema=information_schema", "system schema"),
        ("/test?schema=pg_catalog", "system schema"),
        ("/test?schema=pg_toast", "system schema"),
        ("/test?schema=pg_temp", "system schema"),
        ("/test?schema=pg_acme", "system schema"),
        ("/te%00st?schema=acme_nl", "NUL"),
        ("/test?schema=acme_nl%00", "NUL"),
        ("/test?connect_timeout=5%00", "NUL"),
    ],
)
def test_a_system_schema_or_a_nul_character_is_refused_before_anything_is_made(
    opener: Callable[[str], Any], tail: str, why: str
) -> None:
    """Acme's operator points q2c at ?schema=information_schema, PostgreSQL's own catalogue
    (or pg_catalog, pg_toast, any pg_ name the server keeps for itself), or a URL with a NUL
    (%00) in it: refused as InvalidValue naming the URL and why, the password left out, before
    any connection. q2c used to create its event, snapshot and tracking tables, a type and a
    function inside information_schema, and to connect to database "te" for /te%00st."""
    url = f"postgresql://billing:secret@127.0.0.1:5999{tail}"
    with pytest.raises(InvalidValue) as refused:
        opener(url)
    assert refused.value.field == "url" and why in str(refused.value)
    assert "secret" not in str(refused.value) and "secret" not in str(refused.value.value)


def test_nothing_of_q2c_is_made_inside_postgresqls_information_schema() -> None:
    """On a real server: opening on ?schema=information_schema is refused and leaves the
    system schema as it was, no q2c table in it."""
    require_postgres()
    import psycopg

    try:
        for opener in OPENERS:
            with pytest.raises(InvalidValue, match="system schema"):
                opener(f"{PG_DSN}?schema=information_schema")
        with psycopg.connect(PG_DSN) as conn:
            made = conn.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'information_schema' AND c.relname LIKE ANY "
                "(ARRAY['quotetocash%', 'q2c%', 'projection%'])"
            ).fetchone()
        assert made == (0,)
    finally:  # (what a failure made there is taken out again)
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            for table in ("snapshots", "events_saves", "events"):
                conn.execute(f"DROP TABLE IF EXISTS information_schema.quotetocash_{table}")
            conn.execute("DROP TYPE IF EXISTS information_schema.stored_event_uuid CASCADE")


@pytest.mark.parametrize(
    "url", ["sqlite:///bill%00ing.db", "sqlite:///billing.db?lock_timeout=5%00"]
)
def test_a_nul_character_in_a_sqlite_url_is_refused_and_no_file_made(
    url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    """A NUL in a SQLite URL is InvalidValue naming the URL, no file made (the driver would
    refuse it with a bare ValueError, or cut the name short)."""
    monkeypatch.chdir(tmp_path)
    for opener in OPENERS:
        with pytest.raises(InvalidValue, match="NUL") as refused:
            opener(url)
        assert refused.value.field == "url"
    assert list(tmp_path.iterdir()) == []


def test_a_password_given_as_a_url_parameter_is_refused_and_never_shown() -> None:
    """libpq's form postgresql://billing@host/db?password=S3cr3t (which psql takes) is
    refused, saying where q2c takes a password, and neither the message nor the value shows
    it; q2c used to connect without it and print it in clear in the error."""
    url = "postgresql://billing@127.0.0.1:5999/test?password=S3cr3t&schema=acme_nl"
    for opener in OPENERS:
        with pytest.raises(InvalidValue) as refused:
            opener(url)
        assert "user:password@host" in str(refused.value)
        assert "S3cr3t" not in str(refused.value) and "S3cr3t" not in str(refused.value.value)
    result = CliRunner().invoke(cli, ["report", "aging", "--url", url])
    assert result.exit_code == 2 and "S3cr3t" not in result.output, result.output


def test_a_storage_error_masks_a_password_parameter_too() -> None:
    """Whatever a URL looks like, an error naming it shows no password: neither before the
    host nor as a password= parameter."""
    from q2c_core.storage import opening

    url = "postgresql://billing:Hunter2@127.0.0.1/test?schema=acme_nl&password=S3cr3t"
    with pytest.raises(StorageUnavailable) as unavailable, opening(url):
        raise OSError("connection refused")
    shown = f"{unavailable.value} {unavailable.value.value}"
    assert "S3cr3t" not in shown and "Hunter2" not in shown
    assert "billing:***@127.0.0.1/test?schema=acme_nl&password=***" in shown


class CuttingProxy:
    """A TCP relay to the PostgreSQL server that cuts every connection once the server has
    sent ``limit`` bytes through it: the server lost in the middle of a command, for real (a
    real server, real sockets closed under the driver)."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.target = (host, port)
        self.limit = limit
        self.sent = 0
        self.cut = threading.Event()
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.cut.is_set():
            try:
                client = self.listener.accept()[0]
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
                if counted:
                    self.sent += len(data)
                    if self.sent > self.limit:
                        self.close()
        except OSError:
            pass

    def close(self) -> None:
        self.cut.set()
        for s in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def test_a_server_lost_in_the_middle_of_a_command_is_a_one_line_error() -> None:
    """``q2c update`` reading a long history through a connection that dies half-way: one line
    on standard error and exit code 2 (``replay`` keeps 1 for "the read models differ"), no
    traceback; what it committed stands, and run again on a sound connection it goes on and
    the read models equal a rebuild."""
    require_postgres()
    from conftest import drop_pg_schema, new_pg_schema, pg_url

    schema = new_pg_schema()
    direct = pg_url(schema)
    try:
        app = QuoteToCash.open(direct)
        customer = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
        year = Period(date(2024, 1, 1), date(2025, 1, 1))
        for n in range(80):
            subs = [
                SubContract(
                    f"S{k}",
                    f"Licence {k} of a long description to make the history weigh",
                    SubContractKind.LICENCE,
                    year.start,
                    [PricePoint(year.start, Money.of(1200 + k, "EUR"))],
                )
                for k in range(5)
            ]
            contract = app.sign_contract(
                customer,
                number=f"MC-{n}",
                term=year,
                frequency=BillingFrequency.MONTHLY,
                signed_on=year.start,
                actor="a",
                sub_contracts=subs,
            )
            app.activate_contract(contract, effective=year.start, actor="a")
        app.run_billing(date(2024, 3, 1), actor="run")
        app.close()
        parsed = urlparse(direct)
        proxy = CuttingProxy(parsed.hostname or "127.0.0.1", parsed.port or 5432, 300_000)
        via = direct.replace(f"{parsed.hostname}:{parsed.port or 5432}", f"127.0.0.1:{proxy.port}")
        q2c = [sys.executable, "-m", "q2c_adapters.cli"]
        # (the library waits this long for a connection, on each of its retries, once the
        # server is gone: 30 s unless the URL or the deployment says otherwise)
        via += "&connect_timeout=2"
        lost = subprocess.run(
            [*q2c, "update", "--url", via], capture_output=True, text=True, timeout=300
        )
        proxy.close()
        assert proxy.sent > proxy.limit  # (the connection was cut, not finished)
        assert lost.returncode == 2, lost.stderr
        assert "Traceback" not in lost.stderr
        [said] = [line for line in lost.stderr.splitlines() if line.strip()]
        assert said.startswith("error: storage failed, the command stopped: "), lost.stderr
        again = subprocess.run([*q2c, "update", "--url", direct], capture_output=True, text=True)
        assert again.returncode == 0, again.stderr
        replay = subprocess.run([*q2c, "replay", "--url", direct], capture_output=True, text=True)
        assert replay.returncode == 0, replay.stdout + replay.stderr
    finally:
        drop_pg_schema(schema)


def test_a_server_gone_after_opening_is_storage_unavailable_for_commands_queries_and_catch_up() -> (
    None
):
    """Acme's books are on PostgreSQL, reached through a relay; the application and the read
    models are open, a customer registered and caught up, then the server goes out of reach
    (the relay stopped: every connection cut, new ones refused). Registering another customer,
    reading the first and catching up each raise StorageUnavailable naming the
    URL, its password left out, and saying what the driver said, as opening does; nothing
    else about the store leaks out untyped. q2c used to raise eventsourcing's bare
    OperationalError ("couldn't get a connection") after 10 to 22 seconds."""
    require_postgres()
    from conftest import drop_pg_schema, new_pg_schema, pg_url

    from q2c_core.projections import ReceivablesAging, catch_up

    schema = new_pg_schema()
    direct = urlparse(pg_url(schema))
    proxy = CuttingProxy(direct.hostname or "127.0.0.1", direct.port or 5432, limit=10**12)
    url = (
        f"postgresql://{direct.username or 'postgres'}:secret@127.0.0.1:{proxy.port}"
        f"{direct.path}?schema={schema}&connect_timeout=1"
    )
    app = QuoteToCash.open(url)
    store = ProjectionStore.open(url)
    try:
        acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
        catch_up(app, [ReceivablesAging(store)])
        proxy.close()
        calls: dict[str, Callable[[], Any]] = {
            "a command": lambda: app.register_customer(
                "Beta", "EUR", account_manager="mia", actor="a"
            ),
            "a query": lambda: app.customer(acme),
            "catch_up": lambda: catch_up(app, [ReceivablesAging(store)]),
        }
        for what, call in calls.items():
            with pytest.raises(StorageUnavailable) as gone:
                call()
            shown = f"{gone.value} {gone.value.value}"
            assert gone.value.field == "url", what
            assert f"127.0.0.1:{proxy.port}" in shown and ":***@" in shown, (what, shown)
            assert "secret" not in shown, what
    finally:
        with contextlib.suppress(Exception):
            app.close()
        with contextlib.suppress(Exception):
            store.close()
        proxy.close()
        drop_pg_schema(schema)
