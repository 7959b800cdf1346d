"""Contract billing runs: each period of each maintenance contract billed exactly once.

Also home of the maintenance-contract commands (sign, activate, sub-contract changes...).

A run reads its contracts a batch at a time (each from its latest snapshot and the events after
it), decides per contract what is due (evergreen renewals, corrections of billed periods, new
periods), and saves the contract together with the invoices and credit notes it drafted, a batch
of contracts per transaction. A period is
recorded as billed on the contract in the same transaction as its invoice, so a second run, or a
rerun after a crash, bills nothing twice and misses nothing. The preview runs the same decisions
on the same state and saves nothing, so it shows exactly what the run posts.

A document that would bill nothing is not drafted: a period whose every covered day is free (a
renewal at -100 %, prices of 0.00) is recorded as billed with no invoice, and a correction
whose charges are all 0.00 drafts no extra-lines invoice, so no invoice number goes to a 0.00
invoice. Nor does a correction draft a credit note whose every line would be 0.00 (days a free
sub-contract's 0.00 line names, re-priced or removed afterwards): it records those days on the
contract as superseded (``SupersededDays``), in the same save as its other documents, and falls
with them, so no credit-note number goes to a note that moves no money and every day is still
named by at most one live document. A credit note that takes back money takes back the 0.00
lines of its invoice beside it, so one document names every day it reverses.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import heapq
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from multiprocessing.connection import Connection
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from q2c_core.app_base import BaseApp, _as_notification, _Readers
from q2c_core.domain.allocation import number_order
from q2c_core.domain.billing import (
    Correction,
    PastDuePolicy,
    billing_period_containing,
    charge_period,
    correct_period,
    day_count,
    due_periods,
    prorated_charge,
    renewal_horizon,
)
from q2c_core.domain.billing_records import (
    BilledPeriod,
    BilledSlice,
    CorrectionsOutstanding,
    SupersededDays,
    period_key,
)
from q2c_core.domain.contract import (
    LATEST_TERM_END,
    BillingFrequency,
    BillingTiming,
    Contract,
    ContractStatus,
    DayCount,
    MovedFrom,
    PeriodAlignment,
    PricePoint,
    SubContract,
    check_sub_contract,
    check_visible_line,
)
from q2c_core.domain.customer import Customer
from q2c_core.domain.errors import (
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    NotFound,
    Q2CError,
    RuleViolated,
)
from q2c_core.domain.event_facts import refuse_control_characters
from q2c_core.domain.invoice import (
    ApprovalPolicy,
    CreditDisposition,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
)
from q2c_core.domain.invoice_lines import (
    CORRECTION_CHARGE_NOTE,
    CORRECTION_CREDIT_NOTE,
    CORRECTION_REBILL_NOTE,
    RENEWAL_CHARGE_NOTE,
    InvoiceLine,
    LineSource,
    RevenueKind,
    SourceKind,
)
from q2c_core.domain.money import Money, currency_quantum, split_by_weights, to_decimal
from q2c_core.domain.payment import Payment
from q2c_core.domain.tax import TaxCategory, TaxRate, TaxSubtotal, require_tax_rate_type
from q2c_core.domain.values import Period, person_key, require_day, require_whole
from q2c_core.projections.decoding import uuid_of, uuids_of
from q2c_core.projections.reader import NotificationReader
from q2c_core.workers import (
    gather,
    in_daemonic_process,
    portable,
    process_context,
    shared_storage,
    start,
    start_method,
)

Progress = Callable[[int, int], None]
# called with each contract a run could not bill, as the run (or its preview) finds it
# (``run_billing``, ``preview_billing``)
Attention = Callable[["SkippedContract"], None]

_BILLED_STATUSES = (
    ContractStatus.ACTIVE,
    ContractStatus.SUSPENDED,
    ContractStatus.TERMINATED,
    ContractStatus.EXPIRED,
)
_FRACTION_QUANTUM = Decimal("1e-10")


def _check_run_day(as_of: Any, actor: Any) -> None:
    """A run's business day and who runs it, checked before anything is read or written: an
    actor of invisible characters only names nobody (``person_key``, as every event the run
    records checks it), refused here whatever is due, not at the first contract due."""
    _check_reckonable(as_of)
    if not isinstance(actor, str) or not person_key(actor):
        raise InvalidValue(
            "must name who runs it (not blank, nor invisible characters only)",
            field="actor",
            value=actor,
        )
    # (nor one no event can hold: a control character, or a lone surrogate UTF-8 cannot
    # store, which the preview showed documents for and the run's first save failed on)
    refuse_control_characters("actor", actor)


def _require_actor(actor: Any, aggregate_id: UUID) -> None:
    """Who gives a command, checked as its event checks it (text naming someone: not blank,
    nor invisible characters only, holding no control character nor lone surrogate), for a
    retry that records nothing and so no event."""
    if not isinstance(actor, str) or not person_key(actor):
        raise InvalidValue(
            "must name who did it (not blank, nor invisible characters only)",
            field="actor",
            aggregate_id=aggregate_id,
            value=actor,
        )
    refuse_control_characters("actor", actor, aggregate_id)


# the last day a run or a query can reckon from: renewals and periods run a few years past it
_LAST_DAY = date(8999, 12, 31)


def _check_reckonable(as_of: Any) -> None:
    """A business day the billing rules can reckon from: renewing evergreen terms and laying
    out periods past ``as_of`` must stay within the calendar (year 9999)."""
    require_day(as_of, "as_of")
    if as_of > _LAST_DAY:
        raise InvalidValue(f"must be on or before {_LAST_DAY}", field="as_of", value=as_of)


_KINDS = tuple(InvoiceKind)
_ONE = Decimal(1)


@attrs.frozen
class BillingDraft:
    """One document of a billing run: a period invoice, a correction invoice or a credit note.

    ``preview_billing`` returns these; ``run_billing`` drafts exactly these invoices, with these
    lines, and returns them as ``PostedDocument``s (with their ids, without the lines).
    """

    contract_id: UUID
    contract_number: str
    customer_id: UUID
    kind: InvoiceKind
    period: Period | None
    credits_invoice_id: UUID | None
    lines: tuple[InvoiceLine, ...]

    @property
    def net(self) -> Money:
        """Sum of the lines' nets, each rounded half up as ``InvoiceLine.net`` rounds it."""
        currency = self.lines[0].unit_price.currency
        quantum = Money.zero(currency).quantum
        amount = sum(
            (
                (line.unit_price.amount * line.quantity).quantize(quantum, rounding=ROUND_HALF_UP)
                for line in self.lines
            ),
            Decimal(0),
        )
        return Money(amount, currency)


@attrs.frozen
class PostedDocument:
    """A document a billing run drafted, without its lines (load it by ``invoice_id``)."""

    invoice_id: UUID
    contract_id: UUID
    kind: InvoiceKind
    period: Period | None
    credits_invoice_id: UUID | None
    net: Money
    line_count: int


@attrs.frozen
class SkippedContract:
    """A contract a billing run left unbilled and that needs attention, and why
    (``BillingRunResult.skipped``, also read as ``needs_attention``).

    A contract recorded with what no invoice can carry (its tax rate the text "21", signed
    before ``register_customer`` and ``sign_contract`` refused it) is skipped, recording
    nothing for it, rather than stopping the run for every other contract; so is one whose
    planning the rules refuse (``InvalidValue``, ``RuleViolated`` or ``NotFound`` from its own
    history, such as days to credit that no invoice bills, recorded before a rule existed).
    Each run skips it again until it is dealt with, then bills it (its rate changed from its
    term's first day on, ``change_contract_tax_rate``, its history corrected).

    ``period`` is the billing period the run was billing or correcting when it was refused
    (None when none yet: the contract as a whole); ``field`` and ``reason`` are the refusal's
    field and rule, ``error`` its class name. (``period`` and ``error`` were added later, with
    defaults, so a ``SkippedContract`` built with the first five still is one.)"""

    contract_id: UUID
    number: str
    customer_id: UUID
    field: str
    reason: str
    period: Period | None = None
    error: str = "InvalidValue"


@attrs.frozen
class BillingRunResult:
    """What a billing run did: documents drafted, contracts renewed, events written, and the
    contracts it could not bill (``skipped``, also read as ``needs_attention``: each with the
    period, field and reason; nothing recorded for them, every other contract billed).

    Documents are kept without their lines so a run over 100,000 contracts stays small in
    memory; ``preview_billing`` shows lines, and each invoice holds them.
    """

    as_of: date
    contracts: int
    documents: tuple[PostedDocument, ...]
    renewed: tuple[UUID, ...]
    events_written: int
    saves: int
    skipped: tuple[SkippedContract, ...] = ()

    @property
    def invoice_ids(self) -> list[UUID]:
        """Ids of every invoice and credit note drafted, in order."""
        return [d.invoice_id for d in self.documents]

    @property
    def needs_attention(self) -> tuple[SkippedContract, ...]:
        """The contracts the run could not bill, to deal with before the next run (the same
        items as ``skipped``, in signing order)."""
        return self.skipped


@attrs.frozen
class ExpiringContract:
    """A contract whose term ends soon, for its account manager (``contracts_expiring_within``).

    ``term_end`` is the term's end as q2c keeps every period: the first day it no longer covers
    (the day an ``Expired`` takes effect, the first day a renewal bills); ``last_day`` is the last
    day it covers and bills. ``days_left`` counts from the list's day to that last day: 0 on the
    last day itself, negative once the term has ended (-1 on ``term_end``) while the contract is
    still live, neither renewed nor expired. An evergreen one shows the end of the term the run
    will renew it to. ``status`` says whether it will renew at all: a TERMINATED contract (its
    notice given, its term cut to the termination day) never renews, whatever ``auto_renew``,
    the setting it was signed with, says. A live one whose expiry is recorded ahead, for the
    end of the term shown, has ``auto_renew`` False: it will not renew past that day.
    """

    contract_id: UUID
    number: str
    customer_id: UUID
    account_manager: str
    term_end: date
    days_left: int
    auto_renew: bool
    annual_value: Money
    status: ContractStatus

    @property
    def last_day(self) -> date:
        """The last day the term covers (the day before ``term_end``)."""
        return self.term_end - _ONE_DAY


@attrs.frozen
class _ShareResult:
    """What one share of a run did; documents and renewals keyed by log position, in log
    order. A worker sends its documents ``packed`` (``for_parent``)."""

    contracts: int
    documents: list[tuple[int, PostedDocument]]
    renewed: list[tuple[int, UUID]]
    events_written: int
    saves: int
    packed: _PackedDocuments | None = None
    skipped: tuple[tuple[int, SkippedContract], ...] = ()  # by log position, in log order

    def result(self, as_of: date) -> BillingRunResult:
        return BillingRunResult(
            as_of,
            self.contracts,
            tuple(d for _, d in self.posted()),
            tuple(c for _, c in self.renewed),
            self.events_written,
            self.saves,
            tuple(c for _, c in self.skipped),
        )

    def posted(self) -> Iterator[tuple[int, PostedDocument]]:
        """The documents with their log positions, in log order."""
        if self.packed is not None:
            return self.packed.unpack()
        return iter(self.documents)

    def for_parent(self) -> _ShareResult:
        """The same result with its documents packed into columns."""
        return attrs.evolve(self, documents=[], packed=_PackedDocuments.pack(self.documents))


@attrs.frozen
class _PackedDocuments:
    """A share's documents as columns, as a worker sends them to the parent.

    Pickling 50,000 ``PostedDocument``s costs a worker a second and the parent as much again
    to read back, while both workers are busy: ids travel as one bytes object per column,
    periods and currencies once each, and the parent builds the documents from the columns.
    """

    positions: array[int]
    invoice_ids: bytes
    contract_ids: bytes
    kinds: array[int]  # index into ``_KINDS``
    periods: list[Period | None]  # distinct periods, indexed by ``period_index``
    period_index: array[int]
    credits: dict[int, UUID]  # by row, only documents that credit another
    nets: list[str]
    currencies: list[str]  # distinct currencies, indexed by ``currency_index``
    currency_index: array[int]
    line_counts: array[int]

    @classmethod
    def pack(cls, documents: list[tuple[int, PostedDocument]]) -> _PackedDocuments:
        """The columns of ``documents`` (in their order)."""
        periods: dict[Period | None, int] = {}
        currencies: dict[str, int] = {}
        period_index = array(
            "l", [periods.setdefault(d.period, len(periods)) for _, d in documents]
        )
        currency_index = array(
            "l", [currencies.setdefault(d.net.currency, len(currencies)) for _, d in documents]
        )
        return cls(
            positions=array("q", [position for position, _ in documents]),
            invoice_ids=b"".join([d.invoice_id.bytes for _, d in documents]),
            contract_ids=b"".join([d.contract_id.bytes for _, d in documents]),
            kinds=array("l", [_KINDS.index(d.kind) for _, d in documents]),
            periods=list(periods),
            period_index=period_index,
            credits={
                row: d.credits_invoice_id
                for row, (_, d) in enumerate(documents)
                if d.credits_invoice_id is not None
            },
            nets=[str(d.net.amount) for _, d in documents],
            currencies=list(currencies),
            currency_index=currency_index,
            line_counts=array("l", [d.line_count for _, d in documents]),
        )

    def unpack(self) -> Iterator[tuple[int, PostedDocument]]:
        """The documents again, with their log positions, in their order."""
        periods, currencies, credits = self.periods, self.currencies, self.credits
        nets: dict[tuple[str, int], Money] = {}  # equal nets share one (immutable) Money
        rows = zip(
            self.positions,
            uuids_of(self.invoice_ids),
            uuids_of(self.contract_ids),
            self.kinds,
            self.period_index,
            self.nets,
            self.currency_index,
            self.line_counts,
            strict=True,
        )
        for row, (
            position,
            invoice_id,
            contract_id,
            kind,
            period,
            net,
            currency,
            lines,
        ) in enumerate(rows):
            money = nets.get((net, currency))
            if money is None:
                money = nets[net, currency] = Money(Decimal(net), currencies[currency])
            document = PostedDocument(
                invoice_id,
                contract_id,
                _KINDS[kind],
                periods[period],
                credits.get(row),
                money,
                lines,
            )
            yield position, document


@attrs.frozen
class _AppSpec:
    """How a worker process opens the same application on the same storage."""

    cls: type[ContractBilling]
    env: dict[str, str]
    approval_policy: ApprovalPolicy
    max_retries: int


@attrs.frozen
class _ContractPlan:
    changed: tuple[Aggregate, ...]
    documents: tuple[tuple[Invoice, Period | None], ...]  # drafted, with the period billed
    renewed: bool
    skipped: SkippedContract | None = None  # (the contract cannot be billed: why)


def move_sub_contract(
    source: Contract,
    sub_id: str,
    target: Contract,
    effective: date,
    actor: str,
    *,
    as_sub_id: str,
    day_field: str = "effective_from",
) -> None:
    """Move a sub-contract from ``source`` to ``target`` on ``effective``, as
    ``reassign_sub_contract`` records it (both contracts loaded, of one customer; ``target``
    knowing its renewals): the source keeps its days before, the target bills from that day.
    A missing sub-contract, or an id the target holds, is refused naming ``sub_id``; one the
    source cannot move that day (``Contract.check_movable``) as it says; a day outside the
    target's term naming ``day_field``, where the caller gave the day (a contract import's
    row: its ``effective_from``; ``reassign_sub_contract`` passes ``effective``)."""
    new_id = as_sub_id
    from_contract_id, to_contract_id = source.id, target.id
    # a lapsed evergreen term counts as renewed up to the move, as the run would renew
    # it: the remainder the target bills is carried on the renewed term and prices
    source.renew_before(effective, actor)
    # (before building the moved part: one no longer covered on that day is refused naming
    # the day, not the end the part would be built with)
    sub = source.check_movable(sub_id, effective)
    # (the target's term holds the day given: refused naming where the caller gave it, not
    # the moved part's ``effective_from`` when nobody typed that)
    target.check_takes_over(effective, day_field)
    if new_id in target.sub_contracts:
        held = target.sub_contracts[new_id]
        raise DuplicateEntry(
            f"sub-contract {new_id!r} exists on contract {target.number}"
            + (
                f" (it moved away from it on {held.effective_to}: it keeps its days "
                "before under that id)"
                if held.reassigned_to is not None
                else ""
            )
            + ": move it under an id the contract does not use (as_sub_id)",
            field="sub_id",
            aggregate_id=to_contract_id,
            value=new_id,
        )
    later = tuple(p for p in sub.prices if p.effective > effective)
    # moved on the day it arrived here: this contract bills none of its days, so the
    # target bills the remainder of what the contracts before it billed (the source's
    # own ``moved_from``, None when it did not move here); dropping it would have the
    # target round its own days and the period drift a cent from one contract's charge
    carried = sub.moved_from
    if effective > sub.effective_from:
        # the source keeps its days before the move; the target bills the remainder
        carried = MovedFrom(
            sub=attrs.evolve(sub, effective_to=effective, reassigned_to=to_contract_id),
            period=billing_period_containing(
                effective, source.term, source.frequency, source.alignment
            ),
            term=source.term,
            frequency=source.frequency,
            day_count=source.day_count,
        )
    moved = attrs.evolve(
        sub,
        sub_id=new_id,
        effective_from=effective,
        prices=(PricePoint(effective, sub.price_on(effective)), *later),
        moved_from=carried,
    )
    source.reassign_away(sub_id, to_contract_id, effective, actor)
    target.reassign_here(
        moved, from_contract_id, actor, from_sub_id=None if new_id == sub_id else sub_id
    )


def _replayed(events: Sequence[Any]) -> Contract | None:
    """The contract its events make, all of them counted (as recorded)."""
    contract: Any = None
    for e in events:
        contract = e.mutate(contract)
    return contract if isinstance(contract, Contract) else None


class _HistoriesAsOf:
    """The events of contracts read for a past day (``_contracts_as_they_stood``), with each
    sub-contract moved in dated by that day read as its source contract held it on the day.

    A move carries the sub-contract as its source holds it when the move is recorded: with a
    re-price or a removal recorded there before, though dated after the day asked. On the
    source such a change is left out for that day (``Contract.as_it_stood_on``); the move's
    ``SubContractReassignedHere`` would bring it in on the target, which cannot tell it from a
    price step agreed at signing. So each such event is read as the move would have been
    recorded had the source held only what it held on the day (``Contract.moved_in_as_held``):
    the source's events before the move, as they stood on the day (along a chain of moves,
    each read so in turn). Events whose move carried nothing left out are kept as recorded,
    and so are those whose source half is not found (a history recorded otherwise).
    """

    def __init__(self, readers: _Readers, found: dict[UUID, list[Any]], day: date) -> None:
        self._readers, self._found, self._day = readers, found, day
        self._sources: dict[UUID, list[Any]] = {}  # (decoded events of move sources)

    def events(self, contract_id: UUID) -> list[Any]:
        """The contract's events in version order, its moves in read as known on the day."""
        return self._as_known(contract_id, self._decoded(contract_id))

    def _decoded(self, contract_id: UUID) -> list[Any]:
        rows = self._found.get(contract_id)
        if rows is None:  # (a source outside the batch read)
            rows = self._readers.events.events_of([contract_id]).get(contract_id, [])
        return [self._readers.decode((0, *row), _as_notification)[0] for row in rows]

    def _source(self, contract_id: UUID) -> list[Any]:
        if contract_id not in self._sources:
            self._sources[contract_id] = self._decoded(contract_id)
        return self._sources[contract_id]

    def _as_known(self, contract_id: UUID, events: list[Any]) -> list[Any]:
        result = list(events)
        for at, e in enumerate(events):
            if (
                type(e).__name__ == "SubContractReassignedHere"
                and e.sub_contract.effective_from <= self._day
            ):
                result[at] = self._moved_in(contract_id, events[:at], e)
        return result

    def _moved_in(self, target_id: UUID, before: list[Any], moved_in: Any) -> Any:
        """``moved_in`` (a ``SubContractReassignedHere`` of ``target_id``, after ``before``)
        as the move would have been recorded with its source as it stood on the day."""
        source_id = moved_in.from_contract_id
        sub_id = getattr(moved_in, "from_sub_id", None) or moved_in.sub_contract.sub_id
        source = self._source(source_id)
        # the move's other half: the one move away of that sub-contract to this contract
        # recorded with it (once moved away an id moves no more, but one moved on its first
        # day is deleted there, and its id may be used again: the last recorded by then)
        away = [
            at
            for at, e in enumerate(source)
            if type(e).__name__ == "SubContractReassignedAway"
            and e.sub_id == sub_id
            and e.to_contract_id == target_id
            and e.timestamp <= moved_in.timestamp
        ]
        if not away:
            return moved_in
        recorded = source[: away[-1]]
        stood = Contract.as_it_stood_on(self._as_known(source_id, recorded), self._day)
        held = stood.sub_contracts.get(sub_id) if stood is not None else None
        as_recorded = _replayed(recorded)
        carried = as_recorded.sub_contracts.get(sub_id) if as_recorded is not None else None
        if held is None or carried is None:
            return moved_in
        if (held.prices, held.effective_to) == (carried.prices, carried.effective_to):
            return moved_in  # (nothing the move carried was left out on the day)
        target = _replayed(before)
        if target is None:
            return moved_in
        read = copy.copy(moved_in)  # (a copy for reading, never saved)
        object.__setattr__(
            read, "sub_contract", target.moved_in_as_held(moved_in.sub_contract, held)
        )
        return read


class ContractBilling(BaseApp):
    """Commands and queries of maintenance contracts and their billing run."""

    def _load_customer(self, customer_id: UUID) -> Customer:
        return self._get(Customer, customer_id)

    # -- contracts -------------------------------------------------------------------------------

    def sign_contract(
        self,
        customer_id: UUID,
        *,
        number: str,
        term: Period,
        frequency: BillingFrequency,
        signed_on: date,
        actor: str,
        currency: str | None = None,
        timing: BillingTiming = BillingTiming.IN_ADVANCE,
        alignment: PeriodAlignment = PeriodAlignment.ANNIVERSARY,
        day_count: DayCount = DayCount.ACTUAL,
        auto_renew: bool = False,
        renewal_uplift_percent: Decimal | int | str | None = None,
        sub_contracts: Sequence[SubContract] = (),
    ) -> UUID:
        """Sign a master maintenance contract, optionally with its first sub-contracts.

        An ``auto_renew`` (evergreen) contract is renewed by the billing run when its term ends,
        by the signed term's length, with ``renewal_uplift_percent`` applied to its prices (at
        -100 % the renewed terms are free and billed with no invoice; below it is refused).
        Billed in advance, it is renewed ahead by the run that bills a period running past the
        term's end (``renewal_horizon``), so that period is billed whole on one invoice; one
        given notice (terminated) is never renewed, and bills only the days to its end.

        The same signing sent again (a CRM retrying after a lost response: the customer's
        contract of that number signed with these very facts) records nothing and returns
        that contract's id; another contract under the number is refused (``DuplicateEntry``
        naming ``number``, the signed contract's id in it).
        """
        uplift = (
            None
            if renewal_uplift_percent is None
            else to_decimal(renewal_uplift_percent, "renewal_uplift_percent")
        )
        # (a list of them, refused as the contract refuses one of another kind: not a bare
        # TypeError from copying it)
        if not isinstance(sub_contracts, list | tuple):
            raise InvalidValue("must be a list of SubContracts", field="sub_contracts")

        def step() -> tuple[UUID, list[Aggregate]]:
            customer = self._load_customer(customer_id)
            # a customer's contract numbers are its contracts' names (imports find a contract
            # by customer and number, documents and reports print it): one each, however
            # typed (a zero-width space pasted with it, full-width characters, another case
            # print or read as the same number: ``person_key``)
            key = person_key(number) if isinstance(number, str) else number
            given = {
                "number": number,
                "currency": currency or customer.currency,
                "term": term,
                "frequency": frequency,
                "signed_on": signed_on,
                "timing": timing,
                "alignment": alignment,
                "day_count": day_count,
                "auto_renew": auto_renew,
                "renewal_uplift_percent": uplift,
                "sub_contracts": list(sub_contracts),
            }
            for signed in self._get_many(Contract, customer.contract_ids):
                if person_key(signed.number) == key:
                    _require_actor(actor, signed.id)
                    if self._signed_as(signed, given):
                        return signed.id, []  # (the signing sent again: a retry)
                    raise DuplicateEntry(
                        f"the customer already has contract {signed.number}",
                        field="number",
                        aggregate_id=signed.id,
                        value=number,
                    )
            contract = Contract(
                customer_id=customer_id,
                number=number,
                currency=currency or customer.currency,
                term=term,
                frequency=frequency,
                signed_on=signed_on,
                actor=actor,
                timing=timing,
                alignment=alignment,
                day_count=day_count,
                auto_renew=auto_renew,
                account_manager=customer.manager_on(signed_on, "signed_on"),
                tax_rate=customer.tax_rate_on(signed_on, "signed_on"),
                payment_terms_days=customer.payment_terms_on(signed_on, "signed_on"),
                renewal_uplift_percent=uplift,
                sub_contracts=list(sub_contracts),
            )
            # (and the customer's changes over its term: it is billed as they are)
            contract.follow_customer(actor, customer)
            customer.add_contract(contract.id, actor)
            return contract.id, [contract, customer]

        return self._atomically(step)

    def _signed_as(self, contract: Contract, given: dict[str, Any]) -> bool:
        """Whether ``contract`` was signed with exactly the facts ``given`` (its
        ``ContractSigned`` event's, by name): ``sign_contract`` sent again after a lost
        response, not another contract under its number."""
        events: list[Any] = list(self.events.get(contract.id, lte=1))
        if not events or type(events[0]).__name__ != "ContractSigned":
            return False
        signed = events[0]
        for name, value in given.items():
            recorded = getattr(signed, name, None)
            if name == "sub_contracts":
                recorded = list(recorded or ())
            if type(recorded) is not type(value) or recorded != value:
                return False
        return True

    def contract(self, contract_id: UUID) -> Contract:
        """One master contract."""
        return self._get(Contract, contract_id)

    def activate_contract(self, contract_id: UUID, *, effective: date, actor: str) -> bool:
        """Start the service. Returns whether anything was recorded: False when this very
        activation (the same day) is the contract's last status change, a retry
        (``_status_change``)."""
        return self._status_change(
            contract_id,
            ContractStatus.ACTIVE,
            effective,
            "activated",
            lambda c: c.activate(effective, actor),
            actor=actor,
        )

    def suspend_contract(
        self, contract_id: UUID, *, effective: date, reason: str, actor: str
    ) -> bool:
        """Suspend by explicit decision, with its reason. Returns whether anything was
        recorded: False when the contract's last status change is this very suspension (the
        same day and reason), a retry (``_status_change``)."""
        return self._status_change(
            contract_id,
            ContractStatus.SUSPENDED,
            effective,
            reason,
            lambda c: c.suspend(effective, reason, actor),
            actor=actor,
        )

    def reactivate_contract(
        self, contract_id: UUID, *, effective: date, reason: str, actor: str
    ) -> bool:
        """Lift a suspension. Returns whether anything was recorded: False when the contract's
        last status change is this very reactivation (the same day and reason, lifting a
        suspension), a retry (``_status_change``)."""
        return self._status_change(
            contract_id,
            ContractStatus.ACTIVE,
            effective,
            reason,
            lambda c: c.reactivate(effective, reason, actor),
            actor=actor,
            lifting=True,
        )

    def _status_change(
        self,
        contract_id: UUID,
        status: ContractStatus,
        effective: date,
        reason: str,
        change: Callable[[Contract], None],
        noticed_on: date | None = None,
        *,
        actor: str,
        lifting: bool = False,
    ) -> bool:
        """Apply a status command in one step, True; or record nothing and return False when
        the contract's last status change is the one asked for (a page timed out, a CRM
        replaying its log), as a retried renewal does: the same status, day and reason (and,
        for a termination, notice day), an activation only as the contract's first change, a
        reactivation only lifting a suspension. Any other command the contract's status does
        not allow is refused as before (``InvalidTransition`` naming ``status``)."""

        def step() -> tuple[bool, list[Aggregate]]:
            contract = self.contract(contract_id)
            _require_actor(actor, contract.id)
            if self._is_last_status_change(
                contract, status, effective, reason, noticed_on, lifting
            ):
                return False, []
            change(contract)
            return True, [contract]

        return self._atomically(step)

    def _is_last_status_change(
        self,
        contract: Contract,
        status: ContractStatus,
        effective: date,
        reason: str,
        noticed_on: date | None,
        lifting: bool,
    ) -> bool:
        """Whether the contract's last status change is this one (``_status_change``):
        ``lifting`` a suspension, or (an active status otherwise) its first change."""
        history = contract.history
        if not history or type(effective) is not date:
            return False
        last = history[-1]
        if (last.status, last.effective, last.reason) != (status, effective, reason):
            return False
        if status is ContractStatus.ACTIVE:
            # (an activation is the first change; a reactivation lifts a suspension)
            if lifting:
                return len(history) > 1 and history[-2].status is ContractStatus.SUSPENDED
            return not any(h.status is ContractStatus.ACTIVE for h in history[:-1])
        if status is ContractStatus.TERMINATED:
            terminated = None
            for e in self.events.get(contract.id, lte=contract.version):
                if type(e).__name__ == "Terminated":
                    terminated = e
            return terminated is not None and getattr(terminated, "noticed_on", None) == noticed_on
        return True

    def renew_contract(
        self,
        contract_id: UUID,
        *,
        new_end: date,
        effective: date,
        actor: str,
        uplift_percent: Decimal | int | str | None = None,
        new_prices: dict[str, Money] | None = None,
    ) -> bool:
        """Extend the term with a price uplift (percentage) or new prices (annual, by
        sub-contract id), from the current term's end: ``effective`` must be that day
        (``Contract.renew``). Returns whether anything was recorded: False when the contract's
        last renewal is this one (the same day, end, uplift and prices) and its term still
        ends there, a retry (a page timed out, a CRM replaying its log); any other renewal
        from a day that is not the current term's end is refused as ``renew`` says."""
        uplift = None if uplift_percent is None else to_decimal(uplift_percent, "uplift_percent")
        if new_prices is not None and (
            not isinstance(new_prices, dict)
            or not all(isinstance(k, str) and isinstance(v, Money) for k, v in new_prices.items())
        ):
            raise InvalidValue(
                "must map sub-contract ids to annual prices (Money)",
                field="new_prices",
                aggregate_id=contract_id,
            )

        def step() -> tuple[bool, list[Aggregate]]:
            contract = self.contract(contract_id)
            _require_actor(actor, contract.id)
            if contract.term.end == new_end and effective != contract.term.end:
                last = self._last_renewal(contract)
                if last is not None and (
                    last.effective,
                    last.new_end,
                    last.uplift_percent,
                    last.new_prices or None,
                ) == (effective, new_end, uplift, new_prices or None):
                    return False, []
            contract.renew(new_end, effective, actor, uplift, new_prices)
            return True, [contract]

        return self._atomically(step)

    def _last_renewal(self, contract: Contract) -> Any:
        """The contract's last ``Renewed`` event, when no event since changed its status
        (None otherwise): what a retried renewal is compared with."""
        last = None
        for e in self.events.get(contract.id, lte=contract.version):
            name = type(e).__name__
            if name == "Renewed":
                last = e
            elif name in ("Terminated", "Expired"):
                last = None
        return last

    def terminate_contract(
        self, contract_id: UUID, *, effective: date, reason: str, actor: str, noticed_on: date
    ) -> bool:
        """End the contract early, from ``effective``, notice given on ``noticed_on``.

        The notice day is required (``InvalidValue`` naming ``noticed_on`` when it is no date,
        ``RuleViolated`` when before the contract was signed; nothing recorded): from that day
        the contract stands terminated, its term cut at ``effective``, and the list of
        contracts expiring shows it as not renewing until its last day
        (``contracts_expiring_within``). A termination dated back is noticed after
        ``effective``. Returns whether anything was recorded: False when the contract's last
        status change is this very termination (the same day, reason and notice day), a retry
        (``_status_change``)."""
        return self._status_change(
            contract_id,
            ContractStatus.TERMINATED,
            effective,
            reason,
            lambda c: c.terminate(effective, reason, actor, noticed_on),
            noticed_on,
            actor=actor,
        )

    def expire_contract(self, contract_id: UUID, *, effective: date, actor: str) -> bool:
        """The term ran out. Returns whether anything was recorded: False when the contract's
        last status change is this very expiry (the same day), a retry (``_status_change``)."""
        return self._status_change(
            contract_id,
            ContractStatus.EXPIRED,
            effective,
            "term ended",
            lambda c: c.expire(effective, actor),
            actor=actor,
        )

    def change_contract_tax_rate(
        self, contract_id: UUID, *, tax_rate: TaxRate, effective: date, actor: str
    ) -> bool:
        """Bill a contract's periods that start on ``effective`` or later at ``tax_rate``
        (``Contract.change_tax_rate``, ``TaxRateChanged``): a new VAT rate (19 % to 21 % from
        1 July), or its customer now reverse-charged or exempt, without terminating it and
        signing it again. A period is taxed at the rate in force on its first day (its tax
        point): one running across ``effective`` keeps the rate before, and billed periods
        never change (a change dated on or before the first day of a billed period is refused,
        ``RuleViolated`` naming ``effective`` and the period; their corrections carry the rate
        they were billed at). ``change_customer_tax_rate(..., contracts=True)`` changes the
        customer and all its contracts at once.

        The rate is checked as a customer's is (``InvalidValue`` naming ``tax_rate``: a
        ``TaxRate``, a standard one above 0 %; reverse charge, AE, or an intra-community
        supply, K, for a customer without a VAT id: ``InvalidValue`` naming ``tax_id``), and a
        day before the last change's is refused (``RuleViolated`` naming ``effective``).
        Returns whether anything was recorded (False: the contract's periods from that day are
        billed at this rate already: a retry)."""

        def step() -> tuple[bool, list[Aggregate]]:
            contract = self.contract(contract_id)
            _require_actor(actor, contract.id)  # (also for a retry, which records no event)
            customer = self._load_customer(contract.customer_id)
            changed = self._change_contract_tax_rate(contract, customer, tax_rate, effective, actor)
            return changed, [contract]

        return self._atomically(step)

    def _change_contract_tax_rate(
        self, contract: Contract, customer: Customer, tax_rate: TaxRate, effective: date, actor: str
    ) -> bool:
        """One contract's rate changed in a command's step (``change_contract_tax_rate``, and
        each contract of ``change_customer_tax_rate(contracts=True)``)."""
        # imported here: the application module imports this one
        from q2c_core.application import _refuse_reverse_charge_without_vat_id

        _refuse_reverse_charge_without_vat_id(tax_rate, customer.tax_id, customer.id)
        return contract.change_tax_rate(actor, tax_rate, effective)

    def _change_contracts_tax_rate(
        self, customer: Customer, tax_rate: TaxRate, effective: date, actor: str
    ) -> list[Contract]:
        """The customer's contracts changed to ``tax_rate`` from ``effective`` on, in a
        command's step (``change_customer_tax_rate(..., contracts=True)``; see
        ``_change_contracts``)."""
        return self._change_contracts(
            customer,
            effective,
            lambda c: self._change_contract_tax_rate(c, customer, tax_rate, effective, actor),
        )

    def change_contract_payment_terms(
        self, contract_id: UUID, *, payment_terms_days: int, effective: date, actor: str
    ) -> bool:
        """Give a contract's invoices drafted on ``effective`` or later ``payment_terms_days``
        from issue to due (``Contract.change_payment_terms``, ``PaymentTermsChanged``): terms
        renegotiated without terminating the contract and signing it again. A contract is
        signed with its customer's terms on its signing day and keeps them unless changed so;
        ``change_customer_payment_terms(..., contracts=True)`` changes the customer and all its
        contracts at once.

        The terms are checked as a customer's are (``InvalidValue`` naming
        ``payment_terms_days``: whole days from 0 up to the limit), and a day before the last
        change's is refused (``RuleViolated`` naming ``effective``). Invoices drafted before
        keep their terms, issued ones their due dates. Returns whether anything was recorded
        (False: its invoices drafted on that day carry these terms already: a retry)."""

        def step() -> tuple[bool, list[Aggregate]]:
            contract = self.contract(contract_id)
            _require_actor(actor, contract.id)  # (also for a retry, which records no event)
            return contract.change_payment_terms(actor, payment_terms_days, effective), [contract]

        return self._atomically(step)

    def _change_contracts_payment_terms(
        self, customer: Customer, payment_terms_days: int, effective: date, actor: str
    ) -> list[Contract]:
        """The customer's contracts given ``payment_terms_days`` from ``effective`` on, in a
        command's step (``change_customer_payment_terms(..., contracts=True)``; see
        ``_change_contracts``)."""
        return self._change_contracts(
            customer,
            effective,
            lambda c: c.change_payment_terms(actor, payment_terms_days, effective),
            drafting=True,
        )

    def _change_contracts(
        self,
        customer: Customer,
        effective: date,
        change: Callable[[Contract], bool],
        *,
        drafting: bool = False,
    ) -> list[Contract]:
        """The customer's contracts changed from ``effective`` on by ``change`` (True when it
        recorded something), in a command's step: those not ended, and those ended whose term
        runs past ``effective`` (days still to bill). With ``drafting`` (a change of the
        invoices drafted from ``effective`` on: payment terms), every ended contract that
        served too, whatever its end: a correction of its served days found after the end
        (``Contract._require_correctable``) is billed on an invoice drafted then. The first
        contract that refuses refuses them all, its number in the refusal."""
        changed: list[Contract] = []
        for contract in self._get_many(Contract, list(customer.contract_ids)):
            ended = contract.status in (ContractStatus.TERMINATED, ContractStatus.EXPIRED)
            # (an ended one that served may still draft a correction's invoice)
            still_drafts = drafting and not contract.never_served
            if ended and contract.term.end <= effective and not still_drafts:
                continue
            try:
                if change(contract):
                    changed.append(contract)
            except (InvalidValue, RuleViolated) as error:
                if type(error) not in (InvalidValue, RuleViolated):
                    raise
                raise type(error)(
                    f"contract {contract.number}: {error.rule}",
                    field=error.field,
                    aggregate_id=contract.id,
                    value=error.value,
                ) from error
        return changed

    def add_sub_contract(self, contract_id: UUID, sub: SubContract, *, actor: str) -> bool:
        """Add a product, licence or site. Returns whether anything was recorded: False when
        this very sub-contract was added already and is held as its addition left it (the
        addition sent again, a retry: a page timed out, a CRM replaying its log); another
        under an id the contract holds is refused (``DuplicateEntry`` naming ``sub_id``)."""
        check_sub_contract(sub)

        def step() -> tuple[bool, list[Aggregate]]:
            c = self.contract(contract_id)
            _require_actor(actor, c.id)
            self.know_renewals(c)
            if self._added_already(c, sub):
                return False, []
            c.add_sub_contract(sub, actor)
            return True, [c]

        return self._atomically(step)

    def _added_already(self, contract: Contract, sub: SubContract) -> bool:
        """Whether ``sub`` was added to ``contract`` (``SubContractAdded``, not signed with it
        nor moved in) and is held exactly as that addition, priced for the renewals since
        (``Contract.add_sub_contract``), leaves it: ``add_sub_contract`` sent again."""
        held = contract.sub_contracts.get(sub.sub_id)
        if held is None or held != contract.priced_for_renewals(sub):
            return False
        events: list[Any] = list(self.events.get(contract.id, lte=contract.version))
        return any(
            type(e).__name__ == "SubContractAdded" and e.sub_contract.sub_id == sub.sub_id
            for e in events
        )

    def remove_sub_contract(
        self, contract_id: UUID, sub_id: str, *, effective_to: date, actor: str
    ) -> bool:
        """End a sub-contract on a date (the first day not covered). Returns whether anything
        was recorded: False for the same removal sent again, its recorded end
        (``Contract.remove_sub_contract``), which is refused naming ``actor`` as the first
        would be when it names nobody."""

        def step() -> tuple[bool, list[Aggregate]]:
            c = self.contract(contract_id)
            _require_actor(actor, c.id)  # (also for a retry, which records no event)
            return c.remove_sub_contract(sub_id, effective_to, actor), [c]

        return self._atomically(step)

    def extend_sub_contract(
        self, contract_id: UUID, sub_id: str, *, effective_to: date | None, actor: str
    ) -> bool:
        """Cover a sub-contract to a later end (None: open-ended again), e.g. to undo a removal
        recorded by mistake; the next run bills the days it covers again. Returns whether
        anything was recorded: False when the sub-contract's end is this very extension's,
        the last change of its end (the extension sent again, a retry), as a removal sent
        again records nothing; any other end not later than its own is refused as
        ``Contract.extend_sub_contract`` says."""

        def step() -> tuple[bool, list[Aggregate]]:
            c = self.contract(contract_id)
            _require_actor(actor, c.id)
            if self._extended_already(c, sub_id, effective_to):
                return False, []
            self.know_renewals(c)
            c.extend_sub_contract(sub_id, effective_to, actor)
            return True, [c]

        return self._atomically(step)

    def _extended_already(self, contract: Contract, sub_id: str, effective_to: date | None) -> bool:
        """Whether the sub-contract ends on ``effective_to`` (None: open-ended) by the last
        change of its end recorded, an extension to that end (``extend_sub_contract`` sent
        again)."""
        held = contract.sub_contracts.get(sub_id) if isinstance(sub_id, str) else None
        if held is None or held.reassigned_to is not None or held.effective_to != effective_to:
            return False
        if effective_to is not None and type(effective_to) is not date:
            return False
        last: Any = None
        events: list[Any] = list(self.events.get(contract.id, lte=contract.version))
        for e in events:
            name = type(e).__name__
            ends = name in ("SubContractRemoved", "SubContractExtended") and e.sub_id == sub_id
            if ends or name in ("Terminated", "Expired"):
                last = e
        return type(last).__name__ == "SubContractExtended" and last.effective_to == effective_to

    def reprice_sub_contract(
        self, contract_id: UUID, sub_id: str, *, effective: date, annual_price: Money, actor: str
    ) -> bool:
        """A new annual price from a date on (carried into terms renewed since with an uplift,
        as ``Contract.reprice_sub_contract`` says). Returns whether anything was recorded:
        False when that price is in force from that very day already by a price point of that
        day (the re-price sent again, a retry), unless it is a renewal's uplift there (then
        the price becomes agreed, and is recorded)."""

        def step() -> tuple[bool, list[Aggregate]]:
            c = self.contract(contract_id)
            _require_actor(actor, c.id)
            self.know_renewals(c)
            held = c.sub_contracts.get(sub_id) if isinstance(sub_id, str) else None
            uplifted = None
            if held is not None and c.uplifted_on is not None:
                uplifted = c.uplifted_on.get(held.sub_id, [])
            if (
                held is not None
                and held.reassigned_to is None
                and uplifted is not None
                and type(effective) is date
                and effective not in uplifted
                and isinstance(annual_price, Money)
                and annual_price.currency == c.currency
                and any(p.effective == effective for p in held.prices)
                and held.price_on(effective) == annual_price
            ):
                return False, []
            c.reprice_sub_contract(sub_id, effective, annual_price, actor)
            return True, [c]

        return self._atomically(step)

    def reassign_sub_contract(
        self,
        from_contract_id: UUID,
        sub_id: str,
        to_contract_id: UUID,
        *,
        effective: date,
        actor: str,
        as_sub_id: str | None = None,
    ) -> bool:
        """Move a sub-contract to another master contract on one date: no day twice, none lost.

        ``as_sub_id`` names it on the target (None: ``sub_id``), e.g. when it moves back to a
        contract it moved away from, which keeps its days before that move under ``sub_id``
        (A to B, then back to A as "S1-2"). An id the target holds, for a sub-contract live or
        ended, is refused with ``DuplicateEntry`` naming ``sub_id``. Returns whether anything
        was recorded: False when this very move (the same sub-contract, contracts, day and id
        on the target) was recorded already, a retry (a page timed out, a CRM replaying its
        log); another move of a sub-contract that moved is refused as before."""
        require_day(effective, "effective")
        if as_sub_id is not None and (not isinstance(as_sub_id, str) or not as_sub_id.strip()):
            raise InvalidValue(
                "must be text, not empty (or None: the id it has now)",
                field="as_sub_id",
                aggregate_id=to_contract_id,
                value=as_sub_id,
            )
        check_visible_line(as_sub_id, "as_sub_id")  # (printed on every line billing it)
        new_id = sub_id if as_sub_id is None else as_sub_id

        def step() -> tuple[bool, list[Aggregate]]:
            source = self.contract(from_contract_id)
            target = self._get_other(
                Contract, to_contract_id, field="to_contract_id", target=source.id
            )
            # (by the ids loaded: one given as text, dashed or in hex, names the same contract)
            if target.id == source.id:
                raise RuleViolated(
                    "a sub-contract moves to another master contract, not to its own",
                    field="to_contract_id",
                    aggregate_id=source.id,
                    value=to_contract_id,
                )
            if source.customer_id != target.customer_id:
                raise RuleViolated(
                    "sub-contracts move only between contracts of one customer",
                    field="to_contract_id",
                    aggregate_id=from_contract_id,
                )
            if source.currency != target.currency:
                # (its prices are in the source's currency: refused naming the contract the
                # clerk chose, not the price the target would refuse)
                raise CurrencyMismatch(
                    f"contract {source.number} bills in {source.currency}, contract "
                    f"{target.number} in {target.currency}: a sub-contract moves only between "
                    "contracts of one currency",
                    field="to_contract_id",
                    aggregate_id=from_contract_id,
                    value=to_contract_id,
                )
            _require_actor(actor, source.id)
            if self._moved_already(source, sub_id, target, effective, new_id):
                return False, []
            self.know_renewals(target)
            move_sub_contract(
                source, sub_id, target, effective, actor, as_sub_id=new_id, day_field="effective"
            )
            return True, [source, target]

        return self._atomically(step)

    def _moved_already(
        self, source: Contract, sub_id: str, target: Contract, effective: date, new_id: str
    ) -> bool:
        """Whether ``target`` took ``sub_id`` over from ``source`` on ``effective`` as
        ``new_id`` (``reassign_sub_contract`` sent again), and ``source`` shows it moved there
        that day (or, moved on its first day, holds it no more)."""
        held = target.sub_contracts.get(new_id) if isinstance(new_id, str) else None
        if held is None or held.reassigned_from != source.id or held.effective_from != effective:
            return False
        left = source.sub_contracts.get(sub_id) if isinstance(sub_id, str) else None
        if left is not None and (left.reassigned_to, left.effective_to) != (target.id, effective):
            return False
        for e in self.events.get(target.id, lte=target.version):
            moved: Any = e
            if (
                type(moved).__name__ == "SubContractReassignedHere"
                and moved.sub_contract.sub_id == new_id
                and moved.from_contract_id == source.id
                and (getattr(moved, "from_sub_id", None) or new_id) == sub_id
                and moved.sub_contract.effective_from == effective
            ):
                return True
        return False

    # -- reading contracts in bulk -----------------------------------------------------------

    def _each_contract(self) -> Iterator[Contract]:
        """Every contract's current state, in signing order, read 5,000 at a time
        (``_contract_batches``): callers that keep them all pause the collector (``_bulk``)."""
        for batch in self._contract_batches(5000):
            yield from batch

    def _signed_contracts(self) -> list[tuple[int, UUID]]:
        """(log position, id) of every contract, in signing order: its ``ContractSigned``
        notification, the first event of every contract (read as plain rows, not decoded)."""
        topics = [get_topic(vars(Contract)["ContractSigned"])]
        reader = NotificationReader(self.recorder)
        signed: list[tuple[int, UUID]] = []
        first = 1
        while True:
            page = reader.select(first, 20_000, topics=topics, with_state=False)
            if not page:
                return signed
            for row in page:
                contract_id = row[1]
                if type(contract_id) is not UUID:
                    contract_id = uuid_of(str(contract_id))
                signed.append((row[0], contract_id))
            first = page[-1][0] + 1

    def _contract_batches(self, batch_size: int) -> Iterator[list[Contract]]:
        """Every contract's current state, ``batch_size`` contracts at a time, in signing order.

        Each batch's events are read in one query (``EventBatches``) and applied in version
        order, exactly as the repository would replay them: memory holds one batch, however
        many contracts there are. A contract signed after the list was read is left out.
        """
        signed = self._signed_contracts()
        readers = self._readers(trusted=True)
        for k in range(0, len(signed), batch_size):
            yield self._load_batch(readers, [c for _, c in signed[k : k + batch_size]])

    def _load_batch(self, readers: _Readers, ids: list[UUID]) -> list[Contract]:
        """The contracts with these ids, as of now, in the order given (``_get_many``: from
        their latest snapshots, so a month-end run costs the same after ten years of monthly
        billing as after one)."""
        return self._get_many(Contract, ids, readers)

    def _contracts_as_they_stood(self, day: date) -> Iterator[Contract]:
        """Every contract signed by ``day``, as it stood that day (``Contract.as_it_stood_on``),
        in signing order, 5,000 at a time: each replayed from all its events (a snapshot holds
        what was recorded after ``day`` too), read in one query per batch as ``_get_many``
        reads them; a sub-contract moved in read as its source contract held it on ``day``
        (``_HistoriesAsOf``). Copies for reading, never saved."""
        signed = self._signed_contracts()
        readers = self._readers(trusted=True)
        for k in range(0, len(signed), 5000):
            ids = [c for _, c in signed[k : k + 5000]]
            histories = _HistoriesAsOf(readers, readers.events.events_of(ids), day)
            for contract_id in ids:
                contract = Contract.as_it_stood_on(histories.events(contract_id), day)
                if contract is not None:
                    yield contract

    def _contract_as_it_stood(self, contract_id: UUID, day: date) -> Contract | None:
        """One contract as it stood on ``day``, read as ``_contracts_as_they_stood`` reads it
        (a fresh copy: one of those was changed in memory since)."""
        readers = self._readers(trusted=True)
        histories = _HistoriesAsOf(readers, readers.events.events_of([contract_id]), day)
        return Contract.as_it_stood_on(histories.events(contract_id), day)

    def all_contracts(self) -> list[Contract]:
        """Every master contract, in signing order."""
        with _bulk():
            return list(self._each_contract())

    def contracts_expiring_within(self, days: int, as_of: date) -> list[ExpiringContract]:
        """Contracts whose term's last day falls within ``days`` days of ``as_of`` (``as_of``
        itself included: 0 lists those whose last day is today), soonest first; the window is
        the prepaid allowances' (``PrepaidCreditUsage.usage``), and the last day is the last
        one the billing run bills (a term's end, as every period's, is the first day it does
        not cover). Listed are:

        - live contracts (signed, active, suspended), also those whose term already ended
          while they are still live, neither renewed nor expired (negative ``days_left``): the
          ones most in need of the account manager. An evergreen contract the billing run
          renews counts by the term it renews to (billed in advance, renewed ahead once the
          period due on ``as_of`` runs past its end: then it is no longer expiring);
        - terminated contracts whose term, cut to the termination day, still has days to run
          (``days_left`` 0 or more): the notice is given and they will not renew, which is
          what an account manager wants to see coming. Once their last day is past they are
          left out, as expired contracts are (they ended on purpose), and so are those
          terminated before they were ever activated (they never served).

        Each contract is judged by the term and status in force on ``as_of``
        (``Contract.as_it_stood_on``): renewals, expiries and status changes dated after it
        are left out, so the answer for a past day stays the one given that day, whatever was
        recorded since (a contract not yet signed by then is not listed). A termination counts
        from the day notice was given (``noticed_on``): from then on the contract is listed
        terminated, its term cut to the termination day, until its last day; before, it is
        listed as it stood, live with its whole term (also when the termination is dated back
        to before the notice). An expiry recorded ahead, for a day after ``as_of``, reads as
        known on it ("will not renew"): the contract is listed live, its term renewed no
        further than that day, and once it runs to it not renewing (``auto_renew`` False).
        """
        require_whole(days, "days")
        _check_reckonable(as_of)
        found = []
        for c in self._contracts_as_they_stood(as_of):
            if c.status is ContractStatus.TERMINATED:
                if c.term.end <= max(as_of, c.term.start) or c.never_served:
                    continue  # (ended on purpose, or never served: nothing ends soon)
            elif c.status not in (
                ContractStatus.SIGNED,
                ContractStatus.ACTIVE,
                ContractStatus.SUSPENDED,
            ):
                continue
            # an evergreen term that ran out counts as renewed, with its uplift, as the next
            # run will renew it (on this copy, never saved): the value is the renewed term's;
            # billed in advance, one ending in the period due is renewed ahead, as the run does
            try:
                _renew_for(c, as_of, "expiring")
            except _NEEDS_ATTENTION as error:
                if error.field in _RUN_FIELDS:
                    raise  # (the list's own day: past the last term any renews to)
                # the run cannot renew it either (an uplift past what an amount holds): it
                # skips it, recording nothing, and flags it; listed as the run leaves it,
                # unrenewed, its term run out, not a refusal of the whole list
                stood = self._contract_as_it_stood(c.id, as_of)
                if stood is None:
                    continue
                c = stood
            term = c.term
            left = (term.end - _ONE_DAY - as_of).days
            if left <= days:
                found.append(
                    ExpiringContract(
                        contract_id=c.id,
                        number=c.number,
                        customer_id=c.customer_id,
                        account_manager=c.manager_on(as_of),
                        term_end=term.end,
                        days_left=left,
                        # (an expiry recorded ahead: no renewal past it, ``expires_on``)
                        auto_renew=c.auto_renew and term.end < (c.expires_on or date.max),
                        annual_value=c.annual_value(max(term.start, term.end - _ONE_DAY)),
                        status=c.status,
                    )
                )
        return sorted(found, key=lambda e: (e.term_end, number_order(e.number), e.number))

    # -- the billing run -------------------------------------------------------------------------

    def preview_billing(
        self, as_of: date, *, actor: str = "preview", attention: Attention | None = None
    ) -> list[BillingDraft]:
        """Exactly the documents and lines ``run_billing(as_of)`` would post now; saves nothing.

        A contract the run would skip (``SkippedContract``) drafts nothing here either; it is
        passed to ``attention(item)``, when given, as the preview finds it: the same items, in
        the same order (signing order), as the run's ``needs_attention`` on the same history,
        so month end shows beforehand which contracts will not be billed. An ``attention`` that
        is not callable is refused (``InvalidValue`` naming ``attention``)."""
        _check_run_day(as_of, actor)
        if attention is not None and not callable(attention):
            raise InvalidValue("must be callable as attention(item)", field="attention")
        drafts: list[BillingDraft] = []
        with _bulk():
            for contract in self._each_contract():
                plan = self._plan_or_skip(contract, as_of, actor)
                drafts.extend(_draft(contract, i, period) for i, period in plan.documents)
                if plan.skipped is not None and attention is not None:
                    attention(plan.skipped)
        return drafts

    def run_billing(
        self,
        as_of: date,
        *,
        actor: str,
        progress: Progress | None = None,
        batch_size: int = 500,
        workers: int = 1,
        attention: Attention | None = None,
    ) -> BillingRunResult:
        """Bill every contract up to ``as_of``: renew evergreens, correct, bill due periods.

        One invoice per contract and period, one line per sub-contract slice. Each contract is
        saved with the documents drafted for it in the same transaction, ``batch_size``
        contracts per save; ``progress(done, total)`` is called after each save. A contract
        changed by someone else meanwhile is planned again alone on its fresh state.

        ``workers`` > 1 bills disjoint shares of the contracts (split by contract id) in that
        many processes at once, each with its own connection: a SQLite file or PostgreSQL
        only. Every contract is still saved with its documents in one transaction, so a share
        that fails leaves the others billed and a rerun bills exactly what is missing; the
        first failure is raised once every share has stopped. A share with no contract starts
        no process, and more than ``MAX_BILLING_WORKERS`` is refused (``InvalidValue`` naming
        ``workers``): ``--workers 100000`` forked a process per share for minutes.

        A contract whose planning the rules refuse (``InvalidValue``, ``RuleViolated`` or
        ``NotFound`` raised from its own history: data recorded before a rule existed) does not
        stop the run: nothing is recorded for it, every other contract is billed, and it is
        listed in the result's ``skipped`` (``needs_attention``) with the period, field and
        reason, and passed to ``attention(item)`` as its batch is done; a rerun once it is dealt
        with bills it. A refusal of the run's own ``as_of`` or ``actor``, a storage that cannot
        be reached (``StorageUnavailable``), a version clash that outlasts the retries
        (``ConcurrencyConflict``) and any error that is no such refusal still stop the run as
        before, its finished batches saved.
        """
        _check_run_day(as_of, actor)
        require_whole(batch_size, "batch_size", 1)
        require_whole(workers, "workers", 1)
        if workers > MAX_BILLING_WORKERS:
            raise InvalidValue(
                f"must be at most {MAX_BILLING_WORKERS}: more processes than cores only wait on "
                "each other and on the database",
                field="workers",
                value=workers,
            )
        if progress is not None and not callable(progress):
            raise InvalidValue("must be callable as progress(done, total)", field="progress")
        if attention is not None and not callable(attention):
            raise InvalidValue("must be callable as attention(item)", field="attention")
        if workers > 1 and not shared_storage(self.env.get):
            raise InvalidValue(
                "several workers need storage that other processes can open "
                "(a SQLite file or PostgreSQL), not memory",
                field="workers",
                value=workers,
            )
        if workers == 1 or in_daemonic_process():
            # (a daemonic process, a Celery or multiprocessing pool's worker, may start no
            # process of its own: it bills every contract itself, the same documents)
            with _bulk():
                return self._run_share(
                    as_of, actor, progress, batch_size, self._signed_contracts(), attention
                ).result(as_of)
        return self._run_in_processes(as_of, actor, progress, batch_size, workers, attention)

    def _run_in_processes(
        self,
        as_of: date,
        actor: str,
        progress: Progress | None,
        batch_size: int,
        workers: int,
        attention: Attention | None = None,
    ) -> BillingRunResult:
        context: Any = process_context(start_method(self.env.get))
        # the tables exist (this application made them); workers creating them again at once
        # race on PostgreSQL's catalogue ("tuple concurrently updated")
        env = {**dict(self.env), "CREATE_TABLE": "false"}
        spec = _AppSpec(type(self), env, self.approval_policy, self.max_retries)
        # read once here, not once in every worker (each would read every contract's row)
        split: list[list[tuple[int, UUID]]] = [[] for _ in range(workers)]
        for item in self._signed_contracts():
            split[_share_of(item[1], workers)].append(item)
        shares = [share for share in split if share]  # (no process for a share of nothing)
        total = sum(len(share) for share in shares)
        if progress is not None:
            # before any worker starts: a callback that stops the run here (an operator's
            # cancel) leaves nothing billing behind the caller's back, as with one process
            progress(0, total)
        processes, receivers = start(
            context,
            _bill_share,
            [(spec, as_of, actor, batch_size, k, share) for k, share in enumerate(shares)],
            "q2c-billing",
        )
        done = [0] * len(shares)
        reported = [0]

        def on_progress(k: int, payload: tuple[int, int] | SkippedContract) -> None:
            if isinstance(payload, SkippedContract):  # (a worker's contract to look at)
                if attention is not None:
                    attention(payload)
                return
            done[k] = payload[0]
            now = sum(done)
            if progress is not None and now != reported[0]:  # (each worker starts at 0)
                reported[0] = now
                progress(now, total)

        results: dict[int, _ShareResult] = gather(
            processes,
            receivers,
            what="billing worker",
            hint="its finished batches are saved, rerun the billing to bill the rest",
            on_progress=on_progress,
        )
        finished = [results[k] for k in sorted(results)]
        ordered = heapq.merge(*(r.posted() for r in finished), key=_first)  # each in log order
        renewed = sorted((item for r in finished for item in r.renewed), key=_first)
        skipped = sorted((item for r in finished for item in r.skipped), key=_first)
        return BillingRunResult(
            as_of,
            sum(r.contracts for r in finished),
            tuple(d for _, d in ordered),
            tuple(c for _, c in renewed),
            sum(r.events_written for r in finished),
            sum(r.saves for r in finished),
            tuple(c for _, c in skipped),
        )

    def _run_share(
        self,
        as_of: date,
        actor: str,
        progress: Progress | None,
        batch_size: int,
        signed: list[tuple[int, UUID]],
        attention: Attention | None = None,
    ) -> _ShareResult:
        """Bill the contracts ``signed`` lists ((log position, id), in signing order)."""
        total = len(signed)
        readers = self._readers(trusted=True)
        documents: list[tuple[int, PostedDocument]] = []
        renewed: list[tuple[int, UUID]] = []
        skipped: list[tuple[int, SkippedContract]] = []
        events = saves = done = 0
        if progress is not None:
            progress(0, total)
        for k in range(0, total, batch_size):
            # planned and saved in id order: each contract's events, and its invoices' (new ids
            # are time-ordered), then land next to each other in the store's index
            chunk = sorted(signed[k : k + batch_size], key=_second)
            order = {contract_id: position for position, contract_id in chunk}
            batch = self._load_batch(readers, [contract_id for _, contract_id in chunk])
            changed: list[Aggregate] = []
            plans: list[_ContractPlan] = []
            for contract in batch:
                plan = self._plan_or_skip(contract, as_of, actor)
                changed.extend(plan.changed)
                plans.append(plan)
            if changed:
                try:
                    events += self._save_batch(changed)
                    saves += 1
                except IntegrityError:
                    plans = []
                    for contract in batch:
                        plan, written = self._bill_one_fresh(contract.id, as_of, actor)
                        plans.append(plan)
                        events += written
                        saves += 1 if written else 0
            for contract, plan in zip(batch, plans, strict=True):
                key = order[contract.id]
                documents.extend((key, _posted(contract, i, p)) for i, p in plan.documents)
                if plan.renewed:
                    renewed.append((key, contract.id))
                if plan.skipped is not None:
                    skipped.append((key, plan.skipped))
                    if attention is not None:
                        attention(plan.skipped)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        documents.sort(key=_first)  # back in log order (stable: a contract's own order kept)
        renewed.sort(key=_first)
        skipped.sort(key=_first)
        return _ShareResult(total, documents, renewed, events, saves, skipped=tuple(skipped))

    def _save_batch(self, aggregates: list[Aggregate]) -> int:
        """``save`` for a batch of aggregates the run holds; returns the events written.

        The same steps as ``Application.save`` (record in one transaction, snapshots, notify),
        collecting each aggregate's events directly: ``save`` checks every object against
        runtime protocols first, which costs more than writing a small event.
        """
        processing = ProcessingEvent[UUID]()
        for aggregate in aggregates:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # eventsourcing's deprecated hook, as save calls it
        return len(recordings)

    def _bill_one_fresh(
        self, contract_id: UUID, as_of: date, actor: str
    ) -> tuple[_ContractPlan, int]:
        written = [0]

        def step() -> tuple[_ContractPlan, list[Aggregate]]:
            plan = self._plan_or_skip(self.contract(contract_id), as_of, actor)
            written[0] = sum(len(a.pending_events) for a in plan.changed)
            return plan, list(plan.changed)

        plan = self._atomically(step)
        return plan, written[0]

    def _plan_or_skip(self, contract: Contract, as_of: date, actor: str) -> _ContractPlan:
        """``_plan_contract``, or, when the rules refuse what the contract's own history asks
        of the run (``_NEEDS_ATTENTION``), a plan that records nothing and says why
        (``SkippedContract``): the run goes on with every other contract. The contract planned
        is left half-changed in memory then: its plan saves nothing of it."""
        at: list[Period | None] = [None]
        try:
            return self._plan_contract(contract, as_of, actor, at)
        except _NEEDS_ATTENTION as error:
            if error.field in _RUN_FIELDS:
                raise  # (the run's own day or actor: every contract would be refused alike)
            skipped = SkippedContract(
                contract.id,
                contract.number,
                contract.customer_id,
                error.field,
                error.rule,
                at[0],
                type(error).__name__,
            )
            return _ContractPlan((), (), False, skipped)

    def _plan_contract(
        self,
        contract: Contract,
        as_of: date,
        actor: str,
        at: list[Period | None] | None = None,
    ) -> _ContractPlan:
        """Decide and apply, on the in-memory contract, everything due for it on ``as_of``;
        ``at[0]`` is kept to the period being billed or corrected (``_plan_or_skip``)."""
        at = [None] if at is None else at
        if contract.status not in _BILLED_STATUSES:
            return _ContractPlan((), (), False)
        if not contract.is_served_by(as_of) and not contract.billed:
            # (not live yet, or terminated before it went live; what was billed before is
            # still corrected)
            return _ContractPlan((), (), False)
        unbillable = _unbillable(contract)
        if unbillable is not None:
            return _ContractPlan((), (), False, unbillable)
        # (in advance, through the period due: one that runs past the old end is billed whole)
        renewed = _renew_for(contract, as_of, actor)
        new: list[Invoice] = []
        documents: list[tuple[Invoice, Period | None]] = []
        if contract.billed_through is None and contract.billed:
            self.know_billed_through(contract)
        if contract.billed and (
            contract.revision != contract.reconciled_revision
            or contract.arrears_correction_due(as_of)
        ):
            self._correct(contract, as_of, actor, new, documents, at)
            at[0] = None
        subs = list(contract.sub_contracts.values())
        basis = contract.version
        # (one that turned out never served, ended on or before its go-live after a run billed
        # it, bills no new period: its billed days are credited above, ``_charged``)
        due: Iterable[Period] = (
            ()
            if contract.never_served
            else _due_periods(
                contract.term, contract.frequency, contract.alignment, contract.timing, as_of
            )
        )
        for period in due:
            if period_key(period) in contract.billed:
                continue
            at[0] = period
            slices = charge_period(
                subs,
                period,
                contract.term,
                contract.frequency,
                contract.day_count,
                contract.currency,
            )
            if not slices:
                continue
            if _free(slices):
                # every covered day is free (a renewal at -100 %, prices of 0.00): a 0.00
                # invoice would bill nothing and take a number; the period is covered all the
                # same, so no later run bills it, and a change that makes its days charge is
                # billed by a correction (``BilledPeriod``)
                contract.record_period_billed(period, None, basis, as_of, actor)
                continue
            lines = _period_lines(contract, period, slices)
            invoice = self._contract_invoice(
                contract,
                InvoiceKind.STANDARD,
                lines,
                as_of,
                actor,
                f"Maintenance contract {contract.number}, period {_text(period)}",
                None,
            )
            contract.record_period_billed(period, invoice.id, basis, as_of, actor)
            new.append(invoice)
            documents.append((invoice, period))
        changed: tuple[Aggregate, ...] = ()
        if new or renewed or contract.pending_events:
            changed = (contract, *new)
        return _ContractPlan(changed, tuple(documents), renewed)

    def _correct(
        self,
        contract: Contract,
        as_of: date,
        actor: str,
        new: list[Invoice],
        drafted: list[tuple[Invoice, Period | None]],
        at: list[Period | None] | None = None,
    ) -> None:
        """Credit or bill exactly the days of billed periods that the history changed since
        (``at[0]``: the period being corrected, for a refusal to name).

        Each day credited is credited against the document that bills it now: the period
        invoice, or the extra-lines invoice of an earlier correction (``_Holdings``), so every
        credit note credits only what its invoice billed and can be issued. A credit note's tax
        is a running total over the live credit notes of the invoice it credits
        (``credit_note_tax``), so crediting a period in steps never drifts by a cent. Charges
        of 0.00 only draft no extra-lines invoice (the days are free, nothing to bill), credits
        of 0.00 only on an invoice draft no credit note (its days are recorded superseded on the
        correction instead, ``SupersededDays``), and a free day no document names is not
        credited (``_Holdings.credit``).
        """
        subs = list(contract.sub_contracts.values())
        basis = contract.version
        credits: dict[_Holder, list[tuple[Period, BilledSlice]]] = {}
        credited: dict[str, list[_Holder]] = {}  # by period key: the invoices credited for it
        # (each with its note: billed again at a new price, as the same correction credits its
        # days; days a renewal added to the period; or days now due)
        charges: list[tuple[Period, BilledSlice, str]] = []
        updates: list[Period] = []
        history: dict[int, Contract] = {}
        loaded: dict[UUID, Invoice] = {}
        at = [None] if at is None else at
        for billed in contract.billed.values():
            at[0] = billed.period
            fresh = _charged(contract, billed.period, subs)
            then = history.get(billed.basis_version)
            if then is None:
                then = self._contract_at(contract.id, billed.basis_version)
                history[billed.basis_version] = then
            before = _charged(then, billed.period, list(then.sub_contracts.values()))
            if fresh == before:
                if contract.added_days_served(billed.period, as_of):
                    updates.append(billed.period)  # (nothing to bill for them: said once)
                continue
            correction = correct_period(
                before,
                fresh,
                billed.period,
                contract.frequency,
                contract.day_count,
                contract.currency,
            )
            if not correction.credits and contract.correction_waits(billed.period, as_of):
                continue  # (days to bill in arrears: once they are served; credits never wait)
            charged: Sequence[BilledSlice] = correction.charges
            if correction.credits:
                # each day credited against the document billing it now: the period invoice,
                # or the extra-lines invoice of an earlier correction
                holdings = self._holdings(contract, billed, loaded)
                parts, charged = holdings.credit(correction, contract.frequency, contract.day_count)
                holders = credited.setdefault(period_key(billed.period), [])
                for holder, s in parts:
                    credits.setdefault(holder, []).append((billed.period, s))
                    if holder not in holders:
                        holders.append(holder)
            # (against every day the correction credits: a free period's days no document
            # names are credited by nothing, yet billed again at their new price)
            charges.extend(
                (billed.period, s, _charge_note(s, correction.credits, then.term, contract.term))
                for s in charged
            )
            updates.append(billed.period)
        if not updates:
            return
        notes: dict[UUID, UUID] = {}  # credited invoice -> its credit note
        superseded: dict[str, list[SupersededDays]] = {}  # by period key
        if credits:
            # imported here: the application module imports this one
            from q2c_core.application import credit_note_tax

            for original_id, items in credits.items():
                at[0] = items[0][0]
                if original_id is None:
                    # (days of a period billed free of charge are billed by an extra-lines
                    # invoice before they can be credited: ``_holdings`` found none)
                    raise RuleViolated(
                        f"contract {contract.number}: days to credit that no invoice bills",
                        field="period",
                        aggregate_id=contract.id,
                        value=[str(period) for period, _ in items],
                    )
                if _free(s for _, s in items):
                    # only 0.00 lines to take back: a credit note would move no money and take
                    # a number of the credit-note series, so the contract records the days as
                    # superseded instead, with the rest of this correction (``SupersededDays``)
                    for period, s in items:
                        superseded.setdefault(period_key(period), []).append(
                            SupersededDays(original_id, s.sub_id, s.period)
                        )
                    continue
                (original,) = self._documents([original_id], loaded)
                # each line credited at the rate of the line it credits (its period's, as
                # billed: a later change of the contract's rate never reaches a billed period)
                lines = [
                    self._line(
                        contract,
                        f"C{n}",
                        s,
                        period,
                        SourceKind.CREDIT,
                        original_id,
                        CORRECTION_CREDIT_NOTE,
                        _credited_rate(original, contract, s, period),
                        history.values(),
                    )
                    for n, (period, s) in enumerate(items, start=1)
                ]
                earlier = self._credit_notes_of(contract, original_id, loaded)
                # a credit meets an invoice from its issue day (``Invoice.DAY_ORDER``): a run
                # dated before it (a backdated run) dates the note on that day, so it can be
                # issued from the day it is drafted
                issued_on = original.issued_on
                note = self._contract_invoice(
                    contract,
                    InvoiceKind.CREDIT_NOTE,
                    lines,
                    as_of if issued_on is None else max(as_of, issued_on),
                    actor,
                    f"Correction of maintenance contract {contract.number}",
                    original_id,
                    credit_note_tax(lines, earlier, contract.currency),
                    original.account_manager,
                )
                new.append(note)
                drafted.append((note, None))
                notes[original_id] = note.id
        at[0] = charges[0][0] if charges else None
        extras: list[tuple[Invoice, set[str]]] = []  # each with the period keys it charges
        if charges and not _free(s for _, s, _ in charges):  # (0.00 lines only: nothing to bill)
            # each line at its period's rate (its tax point); lines that may not share an
            # invoice (outside the scope of VAT beside another category, BR-O-11) go on
            # invoices of their own, so every one drafted can be approved and issued (and a
            # group of 0.00 lines only bills nothing, as above)
            rated = [(p, s, note, contract.tax_rate_on(p.start)) for p, s, note in charges]
            for group in _sharing_a_document(rated):
                if _free(s for _, s, _, _ in group):
                    continue
                lines = [
                    self._line(
                        contract, f"A{n}", s, period, SourceKind.CONTRACT_PERIOD, None, note, tax
                    )
                    for n, (period, s, note, tax) in enumerate(group, start=1)
                ]
                renewal = all(note == RENEWAL_CHARGE_NOTE for _, _, note, _ in group)
                extra = self._contract_invoice(
                    contract,
                    InvoiceKind.STANDARD,
                    lines,
                    as_of,
                    actor,
                    f"Maintenance contract {contract.number}, days its renewed term adds"
                    if renewal
                    else f"Correction of maintenance contract {contract.number}",
                    None,
                )
                new.append(extra)
                drafted.append((extra, None))
                extras.append((extra, {period_key(p) for p, _, _, _ in group}))
        for period in updates:
            key = period_key(period)
            ids = [notes[holder] for holder in credited.get(key, ()) if holder in notes]
            ids.extend(extra.id for extra, keys in extras if key in keys)
            contract.record_period_corrected(period, basis, ids, as_of, actor, superseded.get(key))

    def _documents(self, ids: Sequence[UUID], loaded: dict[UUID, Invoice]) -> list[Invoice]:
        """The documents with these ids, once each, in order (read once per contract plan)."""
        wanted = list(dict.fromkeys(ids))
        missing = [i for i in wanted if i not in loaded]
        if missing:
            for invoice in self._get_many(Invoice, missing):
                loaded[invoice.id] = invoice
        return [loaded[i] for i in wanted if i in loaded]

    def _holdings(
        self, contract: Contract, billed: BilledPeriod, loaded: dict[UUID, Invoice]
    ) -> _Holdings:
        """Which live document bills each day of a corrected period now, from their lines: the
        period invoice and the extra-lines invoices bill days, credit notes take them back, and
        so do the days earlier corrections superseded with no credit note (``SupersededDays``)."""
        period = billed.period
        ids = [d for c in billed.corrections for d in c.document_ids]
        if billed.invoice_id is not None:
            ids.insert(0, billed.invoice_id)
        documents = self._documents(ids, loaded)
        fallback = billed.invoice_id
        if fallback is None:
            # a period billed free of charge has no invoice: its first live extra-lines
            # invoice stands in for it (the days its basis prices above 0.00 were billed by one)
            fallback = next(
                (
                    d.id
                    for d in documents
                    if d.kind is not InvoiceKind.CREDIT_NOTE
                    and d.status is not InvoiceStatus.VOIDED
                ),
                None,
            )
        holdings = _Holdings(fallback)
        for document in documents:
            if document.status is InvoiceStatus.VOIDED:
                continue
            if document.kind is InvoiceKind.CREDIT_NOTE:
                if document.credits_invoice_id is None:
                    continue
                holder, sign = document.credits_invoice_id, -1
            else:
                holder, sign = document.id, 1
            for line in document.lines:
                src = line.source
                if (
                    src is None
                    or src.contract_id != contract.id
                    or src.sub_contract_id is None
                    or src.period is None
                    or src.period.start < period.start
                    or src.period.end > period.end
                ):
                    continue
                holdings.add(holder, src.sub_contract_id, src.period, sign, line.net.amount)
        live = {d.id for d in documents if d.status is not InvoiceStatus.VOIDED}
        for step in billed.corrections:
            for days in step.superseded:
                # taken back from its invoice as a credit note's 0.00 line would take them
                if days.invoice_id in live:
                    holdings.add(days.invoice_id, days.sub_id, days.period, -1, Decimal(0))
        return holdings

    def _credit_notes_of(
        self, contract: Contract, invoice_id: UUID, loaded: dict[UUID, Invoice]
    ) -> list[Invoice]:
        """The live credit notes of an invoice: those billing runs drafted for the periods it
        bills (drafts too), and any other issued against it."""
        ids: list[UUID] = []
        for billed in contract.billed.values():
            steps = billed.corrections
            if steps and (
                billed.invoice_id == invoice_id or any(invoice_id in c.document_ids for c in steps)
            ):
                ids.extend(d for c in steps for d in c.document_ids)
        for invoice in self._documents([invoice_id], loaded):
            ids.extend(c.credit_note_id for c in invoice.credits)
        return [
            n
            for n in self._documents(ids, loaded)
            if n.kind is InvoiceKind.CREDIT_NOTE
            and n.credits_invoice_id == invoice_id
            and n.status is not InvoiceStatus.VOIDED
        ]

    def _contract_at(self, contract_id: UUID, version: int) -> Contract:
        """The contract as it was at a version (what a billed period's basis billed)."""
        contract: Aggregate = self.repository.get(contract_id, version=version)
        assert isinstance(contract, Contract)
        return contract

    def _line(
        self,
        contract: Contract,
        line_id: str,
        s: BilledSlice,
        period: Period,
        kind: SourceKind,
        credits_invoice_id: UUID | None,
        note: str,
        tax: TaxRate,
        before: Iterable[Contract] = (),
    ) -> InvoiceLine:
        """One line of a correction's document. A sub-contract the contract no longer holds
        (it left on the day it started there: moved away that day, or the contract ended on or
        before it) is named as ``before``, the contract at the versions its period was billed
        on, held it: as the invoice it credits named it, not by its id only."""
        sub = contract.sub_contracts.get(s.sub_id)
        if sub is None:
            sub = next(
                (c.sub_contracts[s.sub_id] for c in before if s.sub_id in c.sub_contracts), None
            )
        name = sub.description if sub is not None else s.sub_id
        fraction = _fraction(s.days, s.period_days)
        return InvoiceLine(
            line_id=line_id,
            description=(
                f"{contract.number} / {name} [{s.sub_id}]: {_text(s.period)}, "
                f"{s.days}/{s.period_days} days of period {_text(period)} "
                f"at {_text(s.annual_price)} a year"
            ),
            quantity=_ONE,
            unit_price=s.amount,
            tax=tax,
            source=LineSource(
                kind,
                contract_id=contract.id,
                sub_contract_id=s.sub_id,
                period=s.period,
                fraction=fraction,
                invoice_id=credits_invoice_id,
                note=note,
            ),
            revenue_kind=RevenueKind.MAINTENANCE,
            price_reason=None if s.amount.is_positive() else "no charge for these days",
        )

    def _contract_invoice(
        self,
        contract: Contract,
        kind: InvoiceKind,
        lines: list[InvoiceLine],
        as_of: date,
        actor: str,
        note: str,
        credits_invoice_id: UUID | None,
        fixed_tax: list[TaxSubtotal] | None = None,
        credited_manager: str | None = None,
    ) -> Invoice:
        """A document of the run: an invoice names the contract's manager on its day
        (``manager_on``), a credit note ``credited_manager``, the manager of the invoice it
        credits (as ``draft_credit_note`` names it): a correction of Mia's April invoice,
        drafted by the 1 May run after Acme went to Bob from 1 May, takes money off Mia's
        invoice and names her, as the invoice does."""
        credit = kind is InvoiceKind.CREDIT_NOTE
        return Invoice(
            customer_id=contract.customer_id,
            kind=kind,
            currency=contract.currency,
            lines=lines,
            drafted_on=as_of,
            actor=actor,
            approval_policy=self.approval_policy,
            payment_terms_days=0 if credit else contract.payment_terms_on(as_of),
            account_manager=(
                credited_manager
                if credit and credited_manager is not None
                else contract.manager_on(as_of)
            ),
            credits_invoice_id=credits_invoice_id,
            credit_disposition=_RUN_CREDIT_DISPOSITION if credit else None,
            note=note,
            fixed_tax=fixed_tax,
        )

    def release_voided_contract_invoice(self, invoice_id: UUID, *, actor: str) -> list[Period]:
        """A voided billing-run invoice gives its periods back, so the next run bills them again.

        ``void_invoice`` already does this in its own transaction; this command is for invoices
        voided before that (it releases whatever is still held). Returns the periods released.
        """

        def step() -> tuple[list[Period], list[Aggregate]]:
            invoice = self._get(Invoice, invoice_id)
            changed, released = self._release_periods(invoice, actor)
            return released, changed

        return self._atomically(step)

    def _release_periods(
        self, invoice: Invoice, actor: str
    ) -> tuple[list[Aggregate], list[Period]]:
        """Contracts whose periods this voided invoice billed or corrected, given back.

        A voided period invoice releases its periods (they are billed again in full), but only
        once every correction of those periods is voided too: otherwise the re-billed period and
        the standing corrections would bill days twice, so ``CorrectionsOutstanding`` names
        them. A voided correction document rolls its periods' basis back to before that
        correction, so the next run bills or credits exactly those days again; the other
        documents of the same correction (the credit note and the extra-lines invoice of one
        run) are voided with it in the same save, and a later correction of the same period
        must be voided first. Returns the aggregates to save (contracts and any sibling
        documents voided) and the periods given back.
        """
        if invoice.status is not InvoiceStatus.VOIDED:
            raise InvalidTransition(
                "only a voided invoice gives its contract periods back",
                field="status",
                aggregate_id=invoice.id,
                value=invoice.status,
            )
        contract_ids = list(
            dict.fromkeys(
                ln.source.contract_id
                for ln in invoice.lines
                if ln.source is not None and ln.source.contract_id is not None
            )
        )
        changed: list[Aggregate] = []
        siblings: dict[UUID, Invoice] = {}
        released: list[Period] = []
        reason = f"invoice voided: {invoice.void_reason}"
        for contract_id in contract_ids:
            contract = self.contract(contract_id)
            periods = [b for b in contract.billed.values() if b.invoice_id == invoice.id]
            for billed in periods:
                live = self._live(
                    d for c in billed.corrections for d in c.document_ids if d != invoice.id
                )
                if live:
                    raise CorrectionsOutstanding(
                        f"period {billed.period} has corrections that stand: void them first "
                        f"({', '.join(str(i) for i in live)})",
                        aggregate_id=invoice.id,
                        corrections=live,
                    )
                contract.release_period(billed.period, invoice.id, reason, actor)
                released.append(billed.period)
            corrected = self._release_corrections(contract, invoice, reason, actor, siblings)
            released.extend(corrected)
            if periods or corrected:
                changed.append(contract)
        changed.extend(siblings.values())
        return changed, released

    def _live(self, document_ids: Iterator[UUID] | list[UUID]) -> list[UUID]:
        """The documents among these that are not voided, in order, once each."""
        return [
            d
            for d in dict.fromkeys(document_ids)
            if self._get(Invoice, d).status is not InvoiceStatus.VOIDED
        ]

    def _release_corrections(
        self,
        contract: Contract,
        invoice: Invoice,
        reason: str,
        actor: str,
        siblings: dict[UUID, Invoice],
    ) -> list[Period]:
        """Roll back the corrections a voided document belongs to, voiding their siblings."""
        documents = {invoice.id}
        steps: dict[str, int] = {}
        grew = True
        while grew:  # a run's extra-lines invoice links the corrections of several periods
            grew = False
            for key, billed in contract.billed.items():
                for i, step in enumerate(billed.corrections):
                    if documents & set(step.document_ids) and steps.get(key, -1) < i:
                        steps[key] = i
                        documents |= set(step.document_ids)
                        grew = True
        if not steps:
            return []
        for key, index in steps.items():
            billed = contract.billed[key]
            later = self._live(
                d
                for c in billed.corrections[index + 1 :]
                for d in c.document_ids
                if d not in documents
            )
            if later:
                raise CorrectionsOutstanding(
                    f"period {billed.period} was corrected again since: void the later "
                    f"correction first ({', '.join(str(i) for i in later)})",
                    aggregate_id=invoice.id,
                    corrections=later,
                )
        for document_id in sorted(documents - {invoice.id} - set(siblings)):
            sibling = self._get(Invoice, document_id)
            if sibling.status is InvoiceStatus.VOIDED:
                continue
            if sibling.status not in (InvoiceStatus.DRAFT, InvoiceStatus.APPROVED):
                raise CorrectionsOutstanding(
                    f"document {document_id} of the same correction is {sibling.status.value}: "
                    "a correction's documents stand or fall together, credit it instead",
                    aggregate_id=invoice.id,
                    corrections=[document_id],
                )
            # (no raw id in the reason: free text is scanned for card numbers, and the digits
            # of a time-ordered id can pass the Luhn check)
            # on the invoice's void day; an invoice voided before voids carried their day held
            # its work on no day: its sibling is voided on the first day it may be
            voided_on = invoice.voided_on or max(
                d for d in (sibling.drafted_on, sibling.approved_through) if d is not None
            )
            sibling.void(
                f"voided with the other document of its correction: {reason}", actor, voided_on
            )
            siblings[document_id] = sibling
        released = []
        for key, index in steps.items():
            billed = contract.billed[key]
            step = billed.corrections[index]
            contract.release_correction(billed.period, list(step.document_ids), reason, actor)
            released.append(billed.period)
        return released

    # -- customers' contract invoices and the past-due policy ----------------------------------

    def _customer_invoices(self, customer: Customer) -> list[Invoice]:
        """The customer's own invoices plus those billing runs drafted on its contracts, in
        drafting order, read in bulk (one query per 900 contracts, then per 900 invoices).

        Billing runs do not touch the Customer aggregate (100,000 contracts would mean 100,000
        customer saves); the ids are recorded on each contract instead. Drafting order is
        restored from the invoices' creation times.
        """
        ids = list(customer.invoice_ids)
        seen = set(ids)
        for contract in self._get_many(Contract, list(customer.contract_ids)):
            for document_id in contract.documents:
                if document_id not in seen:
                    seen.add(document_id)
                    ids.append(document_id)
        invoices = self._get_many(Invoice, ids)
        if len(ids) > len(customer.invoice_ids):
            invoices.sort(key=_created_on)  # stable: the customer's own order where equal
        return invoices

    def _credit_now(self, customer_id: UUID, currency: str) -> Decimal:
        """The customer's money in ``currency`` received and not allocated (nor refunded), as
        recorded now: its credit (``Payment.unallocated``; a bounced payment's is none, or
        the refunds it owes back)."""
        customer = self._get(Customer, customer_id)
        return sum(
            (
                p.unallocated.amount
                for p in self._get_many(Payment, customer.payment_ids)
                if p.amount.currency == currency
            ),
            Decimal(0),
        )

    def apply_past_due_policy(
        self, policy: PastDuePolicy, as_of: date, *, actor: str
    ) -> list[UUID]:
        """Suspend active contracts with an invoice ``policy.days`` or more past due and unpaid.

        The only automatic way a contract is suspended, and only when this command is given;
        the reason names the invoices, their due dates and what is unpaid. Billing late never
        suspends anything: past due counts from each invoice's own due date. Nor does applying
        the policy late: a contract whose late invoices have all been paid (or credited) since
        ``as_of``, as recorded now, is not suspended (its maintenance would be cut off for
        money it no longer owes), nor one whose customer has sent the money since and it
        waits unallocated (its credit now covers what the late invoices owe now; each sum
        of money spares one contract's invoices, never two). Nor is money counted as late that
        a billing run's credit note drafted by ``as_of`` and not voided takes back (days the
        contract no longer bills, the note waiting for approval or issue): it was never owed.
        A contract whose status changed after ``as_of`` keeps that status, and one reactivated
        on ``as_of`` stays active (someone lifted the suspension that day knowing what was
        late: the policy applied again for that day suspends nothing, the next day's judges
        it again).
        """
        if not isinstance(policy, PastDuePolicy):
            raise InvalidValue(
                f"must be a PastDuePolicy, not {type(policy).__name__}", field="policy"
            )
        _check_run_day(as_of, actor)
        suspended: list[UUID] = []
        # per customer and currency, both as they stood at the end of ``as_of``: the money
        # received and not allocated, not yet counted against an earlier contract's late
        # invoices (it covers each once), and what each invoice had been paid
        credit: dict[tuple[UUID, str], Decimal] = {}
        paid: dict[tuple[UUID, str], dict[UUID, Decimal]] = {}
        # and the money it holds unallocated now, as recorded (received since included)
        credit_now: dict[tuple[UUID, str], Decimal] = {}
        readers = self._readers(trusted=True)
        for batch in self._contract_batches(1000):
            # (a contract whose status changed after the policy's day: that change stands; so
            # does a reactivation on that day, taken knowing that day's late invoices)
            active = [c for c in batch if c.documents and _policy_may_suspend(c, as_of)]
            for group in _by_documents(active, _PAST_DUE_DOCUMENTS):
                # a group's invoices in one query (``_get_many``), not one ``get`` per invoice;
                # memory holds one group's, however long the contracts have been billed
                ids = [d for c in group for d in c.documents]
                invoices = {i.id: i for i in self._get_many(Invoice, ids, readers)}
                for contract in group:
                    key = (contract.customer_id, contract.currency)
                    if key not in credit:
                        credit[key], paid[key] = self._money_on(*key, as_of)
                    items = _open_items(contract, invoices, self._get, paid[key], as_of)
                    late = policy.late(items, as_of)
                    if not late:
                        continue
                    owed_now = _owed_now(contract, invoices, self._get, late)
                    if not owed_now:
                        continue  # (paid or credited since)
                    # money the customer sent by then and nobody allocated yet covers it: the
                    # invoices are paid in all but the bookkeeping, so no suspension; so does
                    # money sent since and not yet allocated (the policy applied late). Money
                    # held both then and now is one sum: what spares a contract is taken
                    # from both, so it never spares two
                    if key not in credit_now:
                        credit_now[key] = self._credit_now(*key)
                    owed = sum((o.amount for _, _, o in late), Decimal(0))
                    if credit[key] >= owed or credit_now[key] >= owed_now:
                        credit[key] = max(Decimal(0), credit[key] - owed)
                        credit_now[key] = max(Decimal(0), credit_now[key] - owed_now)
                        continue
                    reason = policy.reason(items, as_of)
                    assert reason is not None
                    self.suspend_contract(contract.id, effective=as_of, reason=reason, actor=actor)
                    suspended.append(contract.id)
        return suspended


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)
_PAST_DUE_DOCUMENTS = 5000  # invoices the past-due policy reads at once


def _policy_may_suspend(contract: Contract, as_of: date) -> bool:
    """Whether the past-due policy for ``as_of`` may suspend the contract: active, its status
    changed last before that day, or on it by anything but a reactivation (someone lifted a
    suspension that day, the policy's own among them, knowing what was late: the policy for
    the next day judges it again)."""
    if contract.status is not ContractStatus.ACTIVE:
        return False
    since = contract.status_since
    if since is None or since < as_of:
        return True
    # (the last change active, the one before a suspension: it was a reactivation)
    reactivated = len(contract.history) > 1 and (
        contract.history[-2].status is ContractStatus.SUSPENDED
    )
    return since == as_of and not reactivated


# the refusals of a contract's own history that skip it, flagged, rather than stop the run
# (``run_billing``): a rule its data breaks (recorded before the rule existed), a document it
# names that is not there. Not ``ConcurrencyConflict`` or ``StorageUnavailable`` (retried or
# raised as before: nothing is wrong with the contract), nor any error that is no refusal.
_NEEDS_ATTENTION: tuple[type[Q2CError], ...] = (InvalidValue, RuleViolated, NotFound)
# the run's own inputs: a refusal naming them stops the run whichever contract found it
_RUN_FIELDS = frozenset({"as_of", "actor"})


def _unbillable(contract: Contract) -> SkippedContract | None:
    """Why no invoice can bill the contract (what it was signed with, before the rules that
    refuse it now), or None: the run skips it rather than stop for every other contract. Its
    rate is the one in force on its term's first day: every period's from then on is a
    ``TaxRate`` once that one is (changes are checked)."""
    try:
        require_tax_rate_type(contract.tax_rate_on(contract.term.start), "tax_rate")
    except InvalidValue as error:
        return SkippedContract(
            contract.id, contract.number, contract.customer_id, error.field, error.rule
        )
    return None


def _by_documents(contracts: list[Contract], most: int) -> Iterator[list[Contract]]:
    """The contracts in groups of at most ``most`` documents (a contract with more: alone)."""
    group: list[Contract] = []
    count = 0
    for contract in contracts:
        n = len(contract.documents)
        if group and count + n > most:
            yield group
            group, count = [], 0
        group.append(contract)
        count += n
    if group:
        yield group


def _open_items(
    contract: Contract,
    invoices: dict[UUID, Invoice],
    get: Callable[[type[Invoice], UUID], Invoice],
    paid: dict[UUID, Decimal],
    as_of: date,
) -> list[tuple[str, date, Money]]:
    """(number, due date, outstanding at the end of ``as_of``) of a contract's invoices issued
    by then (credit notes aside): the total less the credit notes applied by then and the
    remainders written off by then (``write_off_remainder``), less the
    credit notes a billing run drafted for it by then and not yet applied (days the contract
    no longer bills, waiting for approval: not money the customer owes), and what ``paid``
    says its allocations in force then came to."""
    items = []
    documents = [invoices.get(i) or get(Invoice, i) for i in contract.documents]
    notes: dict[UUID, list[Invoice]] = {}  # the run's live credit notes drafted by then
    for note in documents:
        if (
            note.kind is InvoiceKind.CREDIT_NOTE
            and note.credits_invoice_id is not None
            and note.status is not InvoiceStatus.VOIDED
            and note.drafted_on <= as_of
        ):
            notes.setdefault(note.credits_invoice_id, []).append(note)
    for invoice in documents:
        if invoice.kind is InvoiceKind.CREDIT_NOTE or invoice.due_date is None:
            continue
        if invoice.is_issued and invoice.issued_by(as_of):
            applied = {c.credit_note_id for c in invoice.credits if c.credited_on <= as_of}
            credited = sum(
                (c.amount.amount for c in invoice.credits if c.credited_on <= as_of), Decimal(0)
            )
            pending = sum(
                (n.total.amount for n in notes.get(invoice.id, ()) if n.id not in applied),
                Decimal(0),
            )
            written_off = invoice.written_off_by(as_of).amount
            open_then = (
                invoice.total.amount
                - credited
                - written_off
                - pending
                - paid.get(invoice.id, Decimal(0))
            )
            items.append(
                (invoice.number or "", invoice.due_date, Money(open_then, invoice.currency))
            )
    return items


def _owed_now(
    contract: Contract,
    invoices: dict[UUID, Invoice],
    get: Callable[[type[Invoice], UUID], Invoice],
    late: list[tuple[str, date, Money]],
) -> Decimal:
    """What the contract's ``late`` invoices (by number) owe now, as recorded: nothing when
    all were paid or credited since the policy's day."""
    numbers = {number for number, _, _ in late}
    owed = Decimal(0)
    for invoice_id in contract.documents:
        invoice = invoices.get(invoice_id) or get(Invoice, invoice_id)
        if invoice.number in numbers and invoice.outstanding.is_positive():
            owed += invoice.outstanding.amount
    return owed


@contextlib.contextmanager
def _bulk() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a run holds 100,000 contracts in memory.

    Each automatic collection would walk every live object, again and again as the states pile
    up (40% of the load time at 30,000 contracts). Nothing a run builds is freed only by the
    cyclic collector, and reference counting still frees everything else at once.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _charge_note(
    charge: BilledSlice, credited: Sequence[BilledSlice], basis_term: Period, term: Period
) -> str:
    """The note on a correction's charge: days billed again at a new price
    (``CORRECTION_REBILL_NOTE``); days after the end of the term the period was billed on,
    which a renewal added (``RENEWAL_CHARGE_NOTE``: the renewed term's, not a correction); any
    other day now due (``CORRECTION_CHARGE_NOTE``)."""
    if _billed_again(charge, credited):
        return CORRECTION_REBILL_NOTE
    if basis_term.end < term.end and charge.period.start >= basis_term.end:
        return RENEWAL_CHARGE_NOTE
    return CORRECTION_CHARGE_NOTE


def _billed_again(charge: BilledSlice, credited: Sequence[BilledSlice]) -> bool:
    """Whether every day of a correction's charge is a day the same correction credits for
    the same sub-contract: the days billed again at a new price, not billed for the first time
    (``CORRECTION_REBILL_NOTE``)."""
    days = {
        c.period.start + timedelta(days=i)
        for c in credited
        if c.sub_id == charge.sub_id
        for i in range(c.period.days)
    }
    return all(charge.period.start + timedelta(days=i) in days for i in range(charge.period.days))


@functools.lru_cache(maxsize=4096)
def _fraction(days: int, period_days: int) -> Decimal:
    """The proration fraction shown on a line, to ten decimals."""
    return (Decimal(days) / Decimal(period_days)).quantize(_FRACTION_QUANTUM)


_TEXTS: dict[tuple[object, ...], str] = {}


def _text(value: Period | Money) -> str:
    """How periods and prices read on a line.

    Cached by their fields (a run writes the same few many times); a plain tuple key hashes in
    C, where the values' own hashes would run Python code for every line.
    """
    key: tuple[object, ...] = (
        (value.start, value.end) if isinstance(value, Period) else (value.amount, value.currency)
    )
    found = _TEXTS.get(key)
    if found is None:
        if len(_TEXTS) >= 4096:
            _TEXTS.clear()
        found = _TEXTS[key] = str(value)
    return found


_DUE: dict[tuple[object, ...], tuple[Period, ...]] = {}  # keyed by plain values, hashed in C


def _renewal_horizon(contract: Contract, as_of: date) -> date:
    """The day the run of ``as_of`` renews the contract through (``renewal_horizon``): an
    evergreen one billed in advance through the period due, so that period is billed whole;
    any other contract is not renewed by the run at all (``renew_through`` leaves it)."""
    if not contract.renews_automatically:
        return as_of
    return renewal_horizon(
        contract.term, contract.frequency, contract.alignment, contract.timing, as_of
    )


def _renew_for(contract: Contract, as_of: date, actor: str) -> bool:
    """Renew an evergreen contract as the run of ``as_of`` does (``renew_through`` to
    ``_renewal_horizon``). A day past the last term it can renew to (one ending by
    ``LATEST_TERM_END``: a year mistyped, 3024 for 2024) is refused naming ``as_of``, the day
    given, and the contract, not the ``new_end`` of a renewal nobody asked for."""
    try:
        return contract.renew_through(_renewal_horizon(contract, as_of), actor)
    except InvalidValue as error:
        if error.field != "new_end":
            raise
        raise InvalidValue(
            f"{as_of} is past the last term evergreen contract {contract.number} renews to "
            f"(one ending by {LATEST_TERM_END})",
            field="as_of",
            aggregate_id=contract.id,
            value=as_of,
        ) from error


def _due_periods(
    term: Period,
    frequency: BillingFrequency,
    alignment: PeriodAlignment,
    timing: BillingTiming,
    as_of: date,
) -> tuple[Period, ...]:
    """``due_periods``, remembered: a run asks the same few questions for many contracts
    (contracts sharing a term), and the answer is a pure function of them."""
    key = (term.start, term.end, frequency._name_, alignment._name_, timing._name_, as_of)
    found = _DUE.get(key)
    if found is None:
        if len(_DUE) >= 4096:
            _DUE.clear()
        found = _DUE[key] = tuple(due_periods(term, frequency, alignment, timing, as_of))
    return found


# the run's credit notes: the credited days' charge no longer applies, revenue is reversed
_RUN_CREDIT_DISPOSITION = CreditDisposition.CORRECTED

_LINE_IDS = tuple(f"L{n}" for n in range(1, 65))


def _period_lines(
    contract: Contract, period: Period, slices: list[BilledSlice]
) -> list[InvoiceLine]:
    """The lines of one period's invoice, one per slice (``ContractBilling._line``'s lines for
    a period invoice, with what every line shares looked up once)."""
    number = contract.number
    subs = contract.sub_contracts
    tax = contract.tax_rate_on(period.start)  # (its tax point: the period's first day)
    contract_id = contract.id
    period_text = _text(period)
    kind = SourceKind.CONTRACT_PERIOD
    maintenance = RevenueKind.MAINTENANCE
    lines = []
    for n, s in enumerate(slices):
        sub_id = s.sub_id
        sub = subs.get(sub_id)
        days, period_days, amount = s.days, s.period_days, s.amount
        slice_period = s.period
        slice_text = period_text if slice_period is period else _text(slice_period)
        lines.append(
            InvoiceLine(
                _LINE_IDS[n] if n < 64 else f"L{n + 1}",
                f"{number} / {sub.description if sub is not None else sub_id} [{sub_id}]: "
                f"{slice_text}, {days}/{period_days} days of period {period_text} "
                f"at {_text(s.annual_price)} a year",
                _ONE,
                amount,
                tax,
                LineSource(
                    kind,
                    None,
                    (),
                    None,
                    None,
                    contract_id,
                    sub_id,
                    slice_period,
                    _fraction(days, period_days),
                ),
                maintenance,
                None if amount.amount > 0 else "no charge for these days",
            )
        )
    return lines


def _sharing_a_document(
    charges: list[tuple[Period, BilledSlice, str, TaxRate]],
) -> list[list[tuple[Period, BilledSlice, str, TaxRate]]]:
    """A correction's charges (period, slice, note, rate) in the groups that may share one
    extra-lines invoice, in the order of each group's first charge: those outside the scope of
    VAT (O) apart from the rest, as an invoice outside the scope carries no other category
    (EN 16931 BR-O-11, ``e_invoice_tax_problems``). One group, the common case, when the rate
    did not change to or from O among the periods corrected."""
    groups: dict[bool, list[tuple[Period, BilledSlice, str, TaxRate]]] = {}
    for charge in charges:
        groups.setdefault(charge[3].category is TaxCategory.OUTSIDE_SCOPE, []).append(charge)
    return list(groups.values())


def _credited_rate(
    original: Invoice, contract: Contract, s: BilledSlice, period: Period
) -> TaxRate:
    """The tax rate a correction credits a slice of a billed period at: the rate of the line
    of ``original`` (the document credited) that billed those days of that sub-contract, so a
    credit note takes back the tax its invoice charged; the period's rate (the rate in force
    on its first day, what billed it) when no line of it names them."""
    for line in original.lines:
        src = line.source
        if (
            src is not None
            and src.kind is not SourceKind.CREDIT
            and src.contract_id == contract.id
            and src.sub_contract_id == s.sub_id
            and src.period is not None
            and src.period.start < s.period.end
            and s.period.start < src.period.end
        ):
            return line.tax
    return contract.tax_rate_on(period.start)


# a document billing days of a corrected period, or None: a period billed free of charge
# (no invoice) whose days no document bills
_Holder = UUID | None


@attrs.define
class _Holdings:
    """Which live document bills each day of one corrected billing period, per sub-contract.

    Built from the lines of the period's documents (``ContractBilling._holdings``): an invoice
    line adds its days and amount to that invoice, a credit note's line takes them off the
    invoice it credits. A correction credits each day against the document that bills it, or
    ``fallback`` (the period invoice) for a day none bills (a document voided behind the run's
    back), and never more than that document holds: so every credit note can be issued. Days
    an earlier correction superseded with no credit note are taken off their invoice as a
    credit note's 0.00 line would be. A period billed free of charge has no invoice: its first
    extra-lines invoice stands in, and a free day none bills (the run drafts no 0.00 invoice)
    is not credited at all.
    """

    fallback: _Holder  # (None: a period billed free of charge, no document bills a day)
    days: dict[tuple[str, date], dict[_Holder, int]] = attrs.field(factory=dict)
    money: dict[tuple[_Holder, str], Decimal] = attrs.field(factory=dict)

    def add(self, holder: _Holder, sub_id: str, period: Period, sign: int, amount: Decimal) -> None:
        """A document bills (``sign`` 1) or credits (-1) these days of a sub-contract."""
        days = self.days
        for day in period.each_day():
            counts = days.setdefault((sub_id, day), {})
            counts[holder] = counts.get(holder, 0) + sign
        key = (holder, sub_id)
        self.money[key] = self.money.get(key, Decimal(0)) + sign * amount

    def holder(self, sub_id: str, day: date) -> _Holder:
        """The document billing this day of the sub-contract now (the latest, if several)."""
        found = self.fallback
        for holder, count in self.days.get((sub_id, day), {}).items():
            if count > 0:
                found = holder
        return found

    def strays(self, sub_id: str, but: set[_Holder]) -> dict[_Holder, Decimal]:
        """Other documents holding money for the sub-contract in this period, with the money:
        first those that still bill some of its days (a credit of theirs can name them), then
        those that bill none of them any more (a cent rounding left behind)."""
        billing = self.billing(sub_id)
        held = [
            (h, m) for (h, s), m in self.money.items() if s == sub_id and m > 0 and h not in but
        ]
        return dict(sorted(held, key=lambda item: item[0] not in billing))

    def billing(self, sub_id: str) -> set[_Holder]:
        """The documents billing some day of the sub-contract in this period."""
        return {
            h
            for (s, _), counts in self.days.items()
            if s == sub_id
            for h, n in counts.items()
            if n > 0
        }

    def keeps_days(self, holder: _Holder, sub_id: str, given_up: set[date]) -> bool:
        """Whether the document still bills days of the sub-contract besides ``given_up``."""
        return any(
            s == sub_id and day not in given_up and counts.get(holder, 0) > 0
            for (s, day), counts in self.days.items()
        )

    def runs(self, s: BilledSlice) -> list[tuple[Period, _Holder]]:
        """The slice's days in runs billed by one document, in order."""
        runs: list[tuple[Period, _Holder]] = []
        for day in s.period.each_day():
            holder = self.holder(s.sub_id, day)
            if runs and runs[-1][1] == holder:
                runs[-1] = (Period(runs[-1][0].start, day + _ONE_DAY), holder)
            else:
                runs.append((Period(day, day + _ONE_DAY), holder))
        return runs

    def credit(
        self, correction: Correction, frequency: BillingFrequency, convention: DayCount
    ) -> tuple[list[tuple[_Holder, BilledSlice]], list[BilledSlice]]:
        """A correction's credits split by the documents billing their days, each part with the
        document it credits, and its charges; the holdings move on past the credits.

        Per sub-contract the credits add up to what ``correct_period`` credits, shared so that
        a document giving up every day of the sub-contract it bills gives up exactly the money
        it holds for them, the others by their days' exact charge, none more than it holds
        (``_fit``). When every document gives up all its days of a sub-contract that the
        correction also charges again, the credit is exactly what they hold and the charge
        takes the difference, so what stays billed is still what the history charges; so too
        when the credit is more than they hold (a cent rounding left on another document,
        which no credit could take back without naming a day that document no longer bills).
        Each part names only days its document bills (``_named``).
        """
        parts: list[tuple[_Holder, BilledSlice]] = []
        charges = list(correction.charges)
        for sub_id in dict.fromkeys(s.sub_id for s in correction.credits):
            slices = [s for s in correction.credits if s.sub_id == sub_id]
            pieces = [(s, run, holder) for s in slices for run, holder in self.runs(s)]
            holders = list(dict.fromkeys(h for _, _, h in pieces))
            caps = [max(self.money.get((h, sub_id), Decimal(0)), Decimal(0)) for h in holders]
            given_up = {day for s in slices for day in s.period.each_day()}
            drained = [not self.keeps_days(h, sub_id, given_up) for h in holders]
            billed = sum((s.amount.amount for s in slices), Decimal(0))
            whole = billed
            charged = [k for k, g in enumerate(charges) if g.sub_id == sub_id]
            if charged and (all(drained) or whole > sum(caps, Decimal(0))):
                change = sum(caps, Decimal(0)) - whole  # the charge takes what the credit moves
                if sum((charges[k].amount.amount for k in charged), Decimal(0)) + change >= 0:
                    _shift(charges, charged, change)
                    whole += change
            if len(holders) == 1 and whole == billed <= caps[0]:
                found = [(holders[0], s) for s in slices]  # as ``correct_period`` split them
            else:
                found = self._share(pieces, holders, caps, drained, whole, frequency, convention)
            for holder, part in self._named(found, convention):
                self.add(holder, sub_id, part.period, -1, part.amount.amount)
                parts.append((holder, part))
        return parts, charges

    def _named(
        self, found: list[tuple[_Holder, BilledSlice]], convention: DayCount
    ) -> list[tuple[_Holder, BilledSlice]]:
        """One sub-contract's credit parts cut to the days their documents bill: days no
        document bills (free days, which a run drafts no 0.00 invoice for, days already
        superseded, or days a correction billed again for nothing, so that no document names
        them) have no line to take back. A credit of money keeps its money, split over the days
        kept by their day count. A document that bills none of a part's days may still hold
        money for them (a 0.00 credit superseded or took back their days while a rounded cent
        of theirs stayed on it): that money is credited on the days the document bills among
        the other parts it is credited for, or else on the day of the sub-contract it bills
        nearest the part's (a cent ``_spill`` took from it), never on a day it no longer names.
        Kept whole, as credited, only when the document bills no day of the sub-contract at
        all (one voided behind the run's back)."""
        named: list[tuple[_Holder, BilledSlice]] = []
        homeless: dict[_Holder, list[BilledSlice]] = {}
        for holder, part in found:
            kept = self._cut(holder, part, convention)
            if not kept and part.amount.amount != 0:
                homeless.setdefault(holder, []).append(part)
            named.extend((holder, k) for k in kept)
        for holder, parts in homeless.items():
            money = sum((p.amount.amount for p in parts), Decimal(0))
            currency = parts[0].amount.currency
            mine = [k for k, (h, _) in enumerate(named) if h == holder]
            if mine:
                weights = [Decimal(named[k][1].days) for k in mine]
                for k, share in zip(mine, _shares(money, weights, currency), strict=True):
                    h, piece = named[k]
                    more = piece.amount + Money(share, currency)
                    named[k] = (h, attrs.evolve(piece, amount=more))
                continue
            day = self._nearest(holder, parts[0].sub_id, parts[0].period)
            if day is None:
                named.extend((holder, p) for p in parts)
                continue
            days = Period(day, day + _ONE_DAY)
            named.append(
                (
                    holder,
                    attrs.evolve(
                        parts[0],
                        period=days,
                        days=day_count(days, convention),
                        amount=Money(money, currency),
                    ),
                )
            )
        return named

    def _cut(self, holder: _Holder, part: BilledSlice, convention: DayCount) -> list[BilledSlice]:
        """A credit part cut to the days its document bills, its money split over them by day
        count (none kept: the document bills none of its days)."""
        kept: list[BilledSlice] = []
        for day in part.period.each_day():
            if self.days.get((part.sub_id, day), {}).get(holder, 0) <= 0:
                continue
            if kept and kept[-1].period.end == day:
                days = Period(kept[-1].period.start, day + _ONE_DAY)
                kept[-1] = attrs.evolve(kept[-1], period=days, days=day_count(days, convention))
            else:
                days = Period(day, day + _ONE_DAY)
                kept.append(attrs.evolve(part, period=days, days=day_count(days, convention)))
        money = part.amount
        if money.amount == 0 or not kept:
            return kept
        if len(kept) == 1 and kept[0].period == part.period:
            return [part]
        shares = _shares(money.amount, [Decimal(k.days) for k in kept], money.currency)
        return [
            attrs.evolve(k, amount=Money(share, money.currency))
            for k, share in zip(kept, shares, strict=True)
        ]

    def _nearest(self, holder: _Holder, sub_id: str, period: Period) -> date | None:
        """The day of the sub-contract the document bills nearest these days: the last before
        them, or else the first after them (None: it bills none)."""
        billed = sorted(
            day
            for (s, day), counts in self.days.items()
            if s == sub_id and counts.get(holder, 0) > 0
        )
        before = [day for day in billed if day < period.start]
        if before:
            return before[-1]
        return next((day for day in billed if day >= period.end), None)

    def _share(
        self,
        pieces: list[tuple[BilledSlice, Period, _Holder]],
        holders: list[_Holder],
        caps: list[Decimal],
        drained: list[bool],
        whole: Decimal,
        frequency: BillingFrequency,
        convention: DayCount,
    ) -> list[tuple[_Holder, BilledSlice]]:
        """One sub-contract's credit of ``whole`` over its pieces (days billed by one document)."""
        currency = pieces[0][0].amount.currency
        counted = [day_count(run, convention) for _, run, _ in pieces]
        exact = [
            prorated_charge(s.annual_price, frequency, n, s.period_days)
            for (s, _, _), n in zip(pieces, counted, strict=True)
        ]
        ideal = [cap if d else Decimal(0) for cap, d in zip(caps, drained, strict=True)]
        rest = whole - sum(ideal, Decimal(0))
        others = [i for i, d in enumerate(drained) if not d]
        if others and rest > 0:
            weights = [
                sum(
                    (e for (_, _, h), e in zip(pieces, exact, strict=True) if h == holders[i]),
                    Decimal(0),
                )
                for i in others
            ]
            for i, share in zip(others, _shares(rest, weights, currency), strict=True):
                ideal[i] = share
        amounts = [Decimal(0)] * len(pieces)
        over: dict[_Holder, Decimal] = {}
        for holder, share, cap in zip(holders, _fit(ideal, caps, whole), caps, strict=True):
            mine = [k for k, (_, _, h) in enumerate(pieces) if h == holder]
            for k, amount in zip(
                mine, _shares(share, [exact[k] for k in mine], currency), strict=True
            ):
                amounts[k] = amount
            if share > cap:
                over[holder] = share - cap
        rows = [(h, s, run, amounts[k]) for k, (s, run, h) in enumerate(pieces)]
        if over:
            rows = self._spill(rows, over)
        return [
            (
                h,
                BilledSlice(
                    s.sub_id,
                    run,
                    s.annual_price,
                    day_count(run, convention),
                    s.period_days,
                    Money(amount, currency),
                ),
            )
            for h, s, run, amount in rows
        ]

    def _spill(
        self, rows: list[tuple[_Holder, BilledSlice, Period, Decimal]], over: dict[_Holder, Decimal]
    ) -> list[tuple[_Holder, BilledSlice, Period, Decimal]]:
        """Move what is credited beyond what a document holds to other documents holding money
        of the same sub-contract (``strays``: the cent rounding left there). From one that
        still bills days of it, only the money moves: the credited days stay on the document
        billing them, the money is credited on days the other bills (``_named``), so no credit
        names a day its invoice no longer bills. From one billing none of its days any more,
        a piece of the credited days moves with the money: a whole piece, or its last day."""
        rows = list(rows)
        sub_id = rows[0][1].sub_id
        billing = self.billing(sub_id)
        for holder, excess in over.items():
            strays = self.strays(sub_id, set(over))
            for h, _, _, amount in rows:  # less what this correction credits them already
                if h in strays:
                    strays[h] -= amount
            for k in range(len(rows) - 1, -1, -1):
                h, s, run, amount = rows[k]
                if excess <= 0:
                    break
                if h != holder or amount <= 0:
                    continue
                for o in [o for o, m in strays.items() if m > 0 and o in billing]:
                    take = min(excess, strays[o], amount)
                    if take <= 0:
                        break
                    amount -= take
                    rows[k] = (h, s, run, amount)
                    rows.append((o, s, run, take))
                    strays[o] -= take
                    excess -= take
                if excess <= 0 or amount <= 0:
                    continue
                whole = next((o for o, m in strays.items() if m >= amount), None)
                if whole is not None and (amount <= excess or run.days == 1):
                    rows[k] = (whole, s, run, amount)
                    strays[whole] -= amount
                    excess -= amount
                    continue
                other = next((o for o, m in strays.items() if m > 0), None)
                if other is None or run.days == 1:
                    continue
                take = min(excess, strays[other], amount)
                last = Period(run.end - _ONE_DAY, run.end)
                rows[k] = (h, s, Period(run.start, last.start), amount - take)
                rows.insert(k + 1, (other, s, last, take))
                strays[other] -= take
                excess -= take
        return rows


def _shift(charges: list[BilledSlice], indexes: list[int], change: Decimal) -> None:
    """Add ``change`` to these charges: a rise on the last, a cut from the last back."""
    if change > 0:
        last = indexes[-1]
        charges[last] = attrs.evolve(
            charges[last],
            amount=charges[last].amount + Money(change, charges[last].amount.currency),
        )
        return
    for k in reversed(indexes):
        if change == 0:
            return
        amount = charges[k].amount.amount
        take = min(amount, -change)
        charges[k] = attrs.evolve(
            charges[k], amount=Money(amount - take, charges[k].amount.currency)
        )
        change += take


def _shares(whole: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """``whole`` split by weights, rounded parts adding up to it (all to the first part when
    there is one part or no weight)."""
    if len(weights) == 1 or sum(weights, Decimal(0)) == 0:
        return [whole if i == 0 else Decimal(0) for i in range(len(weights))]
    return [m.amount for m in split_by_weights(Money(whole, currency), weights)]


def _fit(ideal: list[Decimal], caps: list[Decimal], whole: Decimal) -> list[Decimal]:
    """Shares as close to ``ideal`` as ``caps`` allow, adding up to ``whole``.

    Each share is kept between zero and its cap; what is missing goes to the earliest shares
    with room left, what is too much comes off the latest; what cannot fit stays on the last.
    """
    shares = [min(max(x, Decimal(0)), cap) for x, cap in zip(ideal, caps, strict=True)]
    left = whole - sum(shares, Decimal(0))
    if left > 0:
        for i in range(len(shares)):
            take = min(caps[i] - shares[i], left)
            if take > 0:
                shares[i] += take
                left -= take
    elif left < 0:
        for i in reversed(range(len(shares))):
            take = min(shares[i], -left)
            if take > 0:
                shares[i] -= take
                left += take
    shares[-1] += left
    return shares


def _charged(contract: Contract, period: Period, subs: list[SubContract]) -> list[BilledSlice]:
    """What a billed period of ``contract`` (as it stands, or stood at a billed basis) charges:
    its sub-contracts' days in the term (``charge_period``), and nothing at all once the
    contract turned out never served (``Contract.never_served``: ended on or before its go-live
    day). A termination dated back before the go-live of a contract a run billed from its
    term's start so has the next run credit every day billed, the days before the termination
    too, as it credits the days any termination dated back takes back; the same ``_correct``
    path, so the preview shows the credit notes the run posts, and a later run, comparing
    nothing with nothing, credits them once only."""
    if contract.never_served:
        return []
    return charge_period(
        subs, period, contract.term, contract.frequency, contract.day_count, contract.currency
    )


def _free(slices: Iterable[BilledSlice]) -> bool:
    """Whether slices charge nothing at all (every amount 0.00): a document of them only would
    bill nothing, so the run drafts none (and a period of them is billed free of charge)."""
    return all(s.amount.amount == 0 for s in slices)


def _draft(contract: Contract, invoice: Invoice, period: Period | None) -> BillingDraft:
    """A document of a preview: what the run would draft, without an id."""
    return BillingDraft(
        contract_id=contract.id,
        contract_number=contract.number,
        customer_id=contract.customer_id,
        kind=invoice.kind,
        period=period,
        credits_invoice_id=invoice.credits_invoice_id,
        lines=tuple(invoice.lines),
    )


def _posted(contract: Contract, invoice: Invoice, period: Period | None) -> PostedDocument:
    """A document of a run: what it drafted, without the lines."""
    lines = invoice.lines
    quantum = currency_quantum(invoice.currency)
    net = Decimal(0)
    for line in lines:  # as ``InvoiceLine.net`` rounds each line, without building Money
        net += (line.unit_price.amount * line.quantity).quantize(quantum, rounding=ROUND_HALF_UP)
    return PostedDocument(
        invoice_id=invoice.id,
        contract_id=contract.id,
        kind=invoice.kind,
        period=period,
        credits_invoice_id=invoice.credits_invoice_id,
        net=Money(net, invoice.currency),
        line_count=len(lines),
    )


def _created_on(invoice: Invoice) -> datetime:
    return invoice.created_on


def _second(item: tuple[int, UUID]) -> int:
    return item[1].int


def _first(item: tuple[int, Any]) -> int:
    return item[0]


# the most worker processes a billing run starts (``run_billing(workers=...)``)
MAX_BILLING_WORKERS = 64


def _share_of(contract_id: UUID, workers: int) -> int:
    """Which worker of a parallel run bills a contract, by its id alone."""
    return contract_id.int % workers


def _bill_share(
    spec: _AppSpec,
    as_of: date,
    actor: str,
    batch_size: int,
    k: int,
    signed: list[tuple[int, UUID]],
    report: Connection,
) -> None:
    """A worker process: open the application afresh and bill its share of the contracts."""
    try:
        app = spec.cls(spec.env, approval_policy=spec.approval_policy, max_retries=spec.max_retries)
        try:
            with _bulk():
                result = app._run_share(
                    as_of,
                    actor,
                    lambda d, t: report.send(("progress", k, (d, t))),
                    batch_size,
                    signed,
                    lambda item: report.send(("attention", k, item)),
                )
        finally:
            app.close()
        report.send(("done", k, result.for_parent()))
    except BaseException as error:
        report.send(("failed", k, portable(error, "billing worker")))
