"""The application's plumbing: storage by URL, transcodings, typed loading, atomic retried saves.

Command modules (contract billing, imports...) extend this base, and ``QuoteToCash`` puts them
together, so each concept keeps its own module while every command shares one way of saving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoder

from q2c_core.domain.contract import Contract
from q2c_core.domain.customer import Customer
from q2c_core.domain.errors import ConcurrencyConflict, NotFound
from q2c_core.domain.invoice import ApprovalPolicy
from q2c_core.domain.invoice_numbering import InvoiceNumberSeries
from q2c_core.domain.prepaid_allowance import PrepaidAllowance
from q2c_core.domain.transcoding import Q2CJSONTranscoder, register_transcodings
from q2c_core.storage import ensure_postgres_schema, env_for_url

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")
B = TypeVar("B", bound="BaseApp")


class BaseApp(Application[UUID]):
    """An eventsourcing Application with q2c's storage, transcodings and save discipline."""

    name = "QuoteToCash"
    snapshotting_intervals = {  # noqa: RUF012 - eventsourcing reads this class attribute
        Contract: 50,
        PrepaidAllowance: 50,
        Customer: 50,
        InvoiceNumberSeries: 50,
    }

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        approval_policy: ApprovalPolicy | None = None,
        max_retries: int = 5,
    ) -> None:
        super().__init__(env)
        self.approval_policy = approval_policy or ApprovalPolicy()
        self.max_retries = max_retries

    @classmethod
    def open(cls: type[B], url: str, **kwargs: Any) -> B:
        """Open the application on ``memory:``, ``sqlite:///file.db`` or ``postgresql://...``."""
        env = env_for_url(url)
        ensure_postgres_schema(env)
        return cls(env, **kwargs)

    def construct_transcoder(self) -> Transcoder:
        """q2c's JSON transcoder (the same stored form as eventsourcing's, read and written
        faster), unless the environment names another transcoder."""
        transcoder = self.factory.transcoder()
        if type(transcoder) is JSONTranscoder:
            transcoder = Q2CJSONTranscoder()
        if isinstance(transcoder, JSONTranscoder):
            self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """eventsourcing's own transcodings plus q2c's values, enums and dates."""
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def _get(self, cls: type[A], aggregate_id: UUID) -> A:
        """Load an aggregate of a known type, or raise NotFound."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(
                f"no {cls.__name__} with this id", field="id", aggregate_id=aggregate_id
            ) from None
        if not isinstance(aggregate, cls):
            raise NotFound(
                f"{aggregate_id} is a {type(aggregate).__name__}, not a {cls.__name__}",
                field="id",
                aggregate_id=aggregate_id,
            )
        return aggregate

    def _atomically(self, step: Callable[[], tuple[R, Sequence[Aggregate]]]) -> R:
        """Run a command step and save what it changed in one transaction, retrying clashes.

        ``step`` loads fresh aggregates each time, so a retry decides again on current state.
        """
        for _ in range(self.max_retries):
            result, changed = step()
            try:
                self.save(*changed)
            except IntegrityError:
                continue
            return result
        raise ConcurrencyConflict(
            f"gave up after {self.max_retries} attempts: other writers kept changing the same "
            "aggregates",
            field="version",
        )

    def _update(self, cls: type[A], aggregate_id: UUID, change: Callable[[A], None]) -> None:
        """Load one aggregate, apply one command, save atomically."""

        def step() -> tuple[None, list[Aggregate]]:
            aggregate = self._get(cls, aggregate_id)
            change(aggregate)
            return None, [aggregate]

        self._atomically(step)

    def _customer_invoice_ids(self, customer: Customer) -> list[UUID]:
        """Ids of every invoice and credit note of a customer, in drafting order."""
        return list(customer.invoice_ids)

    def _created_ids(self, cls: type[Aggregate], created_event: str) -> Iterator[UUID]:
        """Ids of every aggregate of a class, by scanning its creation events."""
        topics = [f"{cls.__module__}:{cls.__qualname__}.{created_event}"]
        start = 1
        while True:
            page = self.recorder.select_notifications(start=start, limit=1000, topics=topics)
            if not page:
                return
            for n in page:
                yield UUID(str(n.originator_id))
            start = page[-1].id + 1
