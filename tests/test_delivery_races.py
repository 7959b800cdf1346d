"""Two deliveries of one name at once: overlapping cron runs of the ledger delivery.

The position is recorded only forwards, so the run that falls behind finds, at its next position
write, that the other one moved on. It stops there and says so in its report: nothing is lost
(the other run delivered or parked every event), and what both gave the sink is booked once
(the sink is keyed by event id, as every accounting sink must be).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from q2c_adapters.delivery import Delivery, DeliveryReport
from q2c_core import QuoteToCash
from q2c_core.ports import PoisonEvent


class Ledger:
    """An accounting backend keyed by event id: a second delivery of an event books nothing."""

    def __init__(self) -> None:
        self.booked: list[str] = []
        self.given: Counter[str] = Counter()
        self.lock = threading.Lock()

    def book(self, event_id: str) -> None:
        with self.lock:
            self.given[event_id] += 1
            if event_id not in self.booked:
                self.booked.append(event_id)


class CronRun:
    """One cron run's connection to the ledger. ``overlapped_by``: while this run hands the
    ledger its first event, that other run (started a moment later) runs to the end.
    ``rejects``: event ids the ledger refuses for good on this connection."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        overlapped_by: Delivery | None = None,
        rejects: frozenset[str] = frozenset(),
        pause: float = 0.0,
    ) -> None:
        self.ledger = ledger
        self.overlapped_by = overlapped_by
        self.rejects = rejects
        self.pause = pause
        self.other_report: DeliveryReport | None = None

    def deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        if self.overlapped_by is not None:
            other, self.overlapped_by = self.overlapped_by, None
            self.other_report = other.run()
        time.sleep(self.pause)
        if event_id in self.rejects:
            raise PoisonEvent("customer account missing in the ledger")
        self.ledger.book(event_id)


def register_customers(app: QuoteToCash, count: int) -> list[str]:
    """Customers registered one save each; the event ids of the whole log, in order."""
    for i in range(count):
        app.register_customer(f"Customer {i}", "EUR", account_manager="mia", actor="sales")
    notes = app.recorder.select_notifications(start=1, limit=10_000)
    return [f"{n.originator_id}:{n.originator_version}" for n in notes]


def test_the_run_that_falls_behind_stops_and_reports_that_another_moved_on(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    """The 02:00 run is still handing the ledger its first event when the 02:05 run starts and
    delivers everything. The 02:00 run then cannot record its position (the other one is past
    it): it returns a report saying another delivery of 'ledger' moved on, stopped at the event
    it was recording, the position at the end of the log; every event is booked once."""
    app = app_factory()
    events = register_customers(app, 5)
    ledger = Ledger()
    later = Delivery(app, CronRun(ledger), name="ledger")
    earlier_sink = CronRun(ledger, overlapped_by=later)
    earlier = Delivery(app, earlier_sink, name="ledger")

    report = earlier.run()

    assert earlier_sink.other_report is not None and earlier_sink.other_report.caught_up
    assert earlier_sink.other_report.delivered == len(events)
    assert report.stopped_at == 1
    assert report.delivered == 1 and report.parked == 0
    assert report.position == len(events) and report.lag == 0
    assert not report.caught_up
    assert report.error is not None
    assert "another delivery of QuoteToCash->ledger" in report.error
    assert f"recorded position {len(events)}" in report.error
    assert earlier.position == len(events)
    assert ledger.booked == events  # nothing lost, nothing booked twice
    assert ledger.given[events[0]] == 2  # the one event both runs handed over
    assert earlier.parked() == []


def test_a_park_the_other_run_already_made_is_not_made_twice(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    """Both runs' ledger refuses the first customer; the later run parks it and goes on. The
    earlier run's park of the same event is written with its position, so neither is: the
    parked list holds the event once, parked by the run that moved on."""
    app = app_factory()
    events = register_customers(app, 3)
    ledger = Ledger()
    refused = frozenset({events[0]})
    later = Delivery(app, CronRun(ledger, rejects=refused), name="ledger")
    earlier = Delivery(app, CronRun(ledger, overlapped_by=later, rejects=refused), name="ledger")

    report = earlier.run()

    assert report.stopped_at == 1 and report.delivered == 0 and report.parked == 0
    assert report.error is not None and "another delivery" in report.error
    assert [p.event_id for p in earlier.parked()] == [events[0]]
    assert ledger.booked == events[1:]


def test_two_servers_running_the_delivery_at_once_lose_nothing(shared_url: str) -> None:
    """Two application servers (their own connections) start the delivery at the same moment,
    the ledger taking 5 ms an event: both runs return a report (neither raises), the position
    ends at the end of the log, and every event is booked exactly once."""
    opened = [QuoteToCash.open(shared_url) for _ in range(2)]
    try:
        events = register_customers(opened[0], 12)
        ledger = Ledger()
        Delivery(opened[0], CronRun(ledger), name="ledger")  # (its tables, made once)
        start = threading.Barrier(2, timeout=30)
        reports: list[DeliveryReport] = []
        raised: list[BaseException] = []

        def cron(app: QuoteToCash) -> None:
            delivery = Delivery(app, CronRun(ledger, pause=0.005), name="ledger")
            start.wait()
            try:
                reports.append(delivery.run())
            except BaseException as error:  # what the test is about: nothing escapes a run
                raised.append(error)

        threads = [threading.Thread(target=cron, args=(app,)) for app in opened]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert raised == []
        assert len(reports) == 2
        assert max(r.position for r in reports) == len(events)
        assert any(r.caught_up for r in reports)
        for r in reports:
            assert r.caught_up or (r.error is not None and "another delivery" in r.error)
        assert Delivery(opened[1], CronRun(ledger), name="ledger").position == len(events)
        assert sorted(ledger.booked) == sorted(events)
    finally:
        for app in opened:
            app.close()
