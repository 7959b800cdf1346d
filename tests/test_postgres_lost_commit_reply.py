"""PostgreSQL: a save whose COMMIT reached the server but whose reply was lost is recorded once.

A network blip or a failover can cut the connection after the server received a save's COMMIT
and before its reply came back. The recorder then retries the save on a new connection; the
retry meets the events the first attempt committed. Before, that clash read as a lost version
race: the command ran again on fresh state and recorded the same transfer twice (two payments,
two ids, no error), drafted a second invoice, or refused an issue that was recorded ("already
issued"). Now the recorder sees that the stored events at those versions are the save's own
(same topic, same state: each event carries its own timestamp) and the save succeeds, once.
Another writer's different events at those versions still clash as before.

The connection runs through a small TCP proxy in front of the real server, which forwards one
COMMIT and cuts the connection before the reply comes back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate
from q2c_core.postgres_recorder import PostgresEventRecorder
from tests.conftest import PG_DSN, drop_pg_schema, new_pg_schema, pg_url, require_postgres

A = "alice"


class CommitCutter:
    """A TCP proxy to the test server. Once armed, the first COMMIT sent through it is
    forwarded (``forward``: the server commits) or not (the server rolls back), and the
    connection is then cut before any reply reaches the client. ``meanwhile`` runs after the
    server's side is closed and before the client's is: another writer's turn."""

    def __init__(self) -> None:
        target = urlsplit(PG_DSN)
        self.target = (target.hostname or "127.0.0.1", target.port or 5432)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed = False
        self.forward = True
        self.meanwhile: Callable[[], object] | None = None
        self.cuts = 0
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, schema: str) -> str:
        parts = urlsplit(PG_DSN)
        return (
            f"{parts.scheme}://{parts.username}@127.0.0.1:{self.port}{parts.path}?schema={schema}"
        )

    def arm(self, *, forward: bool = True, meanwhile: Callable[[], object] | None = None) -> None:
        self.forward, self.meanwhile, self.armed = forward, meanwhile, True

    def close(self) -> None:
        self.listener.close()
        for s in self.sockets:
            _close(s)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            cut = threading.Event()
            threading.Thread(target=self._up, args=(client, server, cut), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, cut), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, cut: threading.Event) -> None:
        try:
            while data := client.recv(65536):
                if self.armed and b"COMMIT" in data:
                    self.armed = False
                    cut.set()  # no reply reaches the client from now on
                    if self.forward:
                        server.sendall(data)
                        time.sleep(0.5)  # the server commits
                    _close(server)
                    if self.meanwhile is not None:
                        self.meanwhile()
                    _close(client)
                    self.cuts += 1
                    return
                server.sendall(data)
        except OSError:
            pass

    def _down(self, server: socket.socket, client: socket.socket, cut: threading.Event) -> None:
        try:
            while data := server.recv(65536):
                if cut.is_set():
                    return
                client.sendall(data)
        except OSError:
            pass


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()


@pytest.fixture
def cutter() -> Iterator[CommitCutter]:
    proxy = CommitCutter()
    yield proxy
    proxy.close()


@pytest.fixture
def schema() -> Iterator[str]:
    require_postgres()
    name = new_pg_schema()
    yield name
    drop_pg_schema(name)


@pytest.fixture
def through_cutter(cutter: CommitCutter, schema: str) -> Iterator[QuoteToCash]:
    """The application, its every connection through the proxy."""
    app = QuoteToCash.open(cutter.url(schema))
    yield app
    app.close()


@pytest.fixture
def reader(schema: str, through_cutter: QuoteToCash) -> Iterator[QuoteToCash]:
    """The same store, straight to the server (opened after the store was made)."""
    app = QuoteToCash.open(pg_url(schema))
    yield app
    app.close()


def topics_of(app: QuoteToCash, aggregate_id: UUID) -> list[str]:
    return [e.topic.rsplit(".", 1)[-1] for e in app.recorder.select_events(aggregate_id)]


def consulting() -> InvoiceLine:
    return InvoiceLine(
        "L1",
        "consulting",
        Decimal(1),
        Money.of("100.00", "EUR"),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )


def test_a_transfer_whose_commit_reply_was_lost_is_recorded_once(
    cutter: CommitCutter, through_cutter: QuoteToCash, reader: QuoteToCash
) -> None:
    app = through_cutter
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)

    cutter.arm()
    payment = app.receive_payment(
        acme, Money.of("500.00", "EUR"), received_on=date(2024, 3, 1), reference="TRF-1", actor=A
    )

    assert cutter.cuts == 1  # the reply to the save's COMMIT was lost
    assert reader.customer(acme).payment_ids == [payment]
    assert reader.payment(payment).amount == Money.of("500.00", "EUR")
    # the save's own row (its time) was committed with its events, once
    recorder = cast(PostgresEventRecorder, reader.recorder)
    assert list(recorder.recorded_times(payment)) == [1]


def test_an_invoice_drafted_as_its_commit_reply_was_lost_is_drafted_once(
    cutter: CommitCutter, through_cutter: QuoteToCash, reader: QuoteToCash
) -> None:
    app = through_cutter
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)

    cutter.arm()
    invoice = app.draft_invoice(acme, [consulting()], drafted_on=date(2024, 3, 1), actor="billy")

    assert cutter.cuts == 1
    assert [i.id for i in reader.invoices(acme)] == [invoice]


def test_an_issue_whose_commit_reply_was_lost_stands_recorded_once(
    cutter: CommitCutter, through_cutter: QuoteToCash, reader: QuoteToCash
) -> None:
    app = through_cutter
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    day = date(2024, 3, 1)
    invoice = app.draft_invoice(acme, [consulting()], drafted_on=day, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=day, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=day, actor="mia")

    cutter.arm()
    number = app.issue_invoice(invoice, issued_on=day, actor="bea")  # no "already issued"

    assert cutter.cuts == 1
    assert reader.invoice(invoice).number == number
    assert topics_of(reader, invoice).count("Issued") == 1
    # the series moved on once: the next invoice takes the next number
    second = app.draft_invoice(acme, [consulting()], drafted_on=day, actor="billy")
    app.approve_invoice(second, role="billing", approved_on=day, actor="bea")
    app.approve_invoice(second, role="account_manager", approved_on=day, actor="mia")
    following = app.issue_invoice(second, issued_on=day, actor="bea")
    assert int(following.rsplit("-", 1)[-1]) == int(number.rsplit("-", 1)[-1]) + 1


def event(aggregate: UUID, version: int, state: bytes) -> StoredEvent:
    return StoredEvent(aggregate, version, "tests:Happened", state)


@pytest.mark.parametrize(
    "theirs_at_2",
    [b'{"by":"another writer"}', None],
    ids=["all theirs", "their event at version 2 only"],
)
def test_another_writers_events_at_those_versions_still_clash(
    cutter: CommitCutter,
    through_cutter: QuoteToCash,
    reader: QuoteToCash,
    theirs_at_2: bytes | None,
) -> None:
    """Our COMMIT never reached the server (it rolled back), and while our connection was down
    another writer recorded its own events at our versions: the retry clashes, and the clash
    is raised as before (``_atomically`` then decides the command again on fresh state)."""
    aggregate = uuid4()
    ours = [event(aggregate, 1, b'{"by":"us"}'), event(aggregate, 2, b'{"by":"us, too"}')]
    # all theirs, or our very first event (as if) and their own second one
    theirs = [ours[0] if theirs_at_2 is None else event(aggregate, 1, b'{"by":"another"}')]
    theirs.append(event(aggregate, 2, theirs_at_2 or b'{"by":"another, too"}'))
    cutter.arm(forward=False, meanwhile=lambda: reader.recorder.insert_events(theirs))

    with pytest.raises(IntegrityError):
        through_cutter.recorder.insert_events(ours)

    assert cutter.cuts == 1
    stored: Any = reader.recorder.select_events(aggregate)
    assert [e.state for e in stored] == [e.state for e in theirs]
