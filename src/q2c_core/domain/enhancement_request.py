"""An enhancement request: from the client's ask, through the PO gate, to work that is billed.

The PO gate is the point: work is authorized only when a purchase order or a prepaid allowance
covers it, so nothing is done for free by accident. Work that arrives from outside for a request
that was never authorized is still recorded, flagged, so it shows up as leakage risk.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.cards import refuse_card_numbers
from q2c_core.domain.errors import (
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    PurchaseOrderBelowEstimate,
    RuleViolated,
    WorkNotAuthorized,
)
from q2c_core.domain.event_facts import (
    ChecksFacts,
    NotBefore,
    checked_value,
    refuse_unreadable_reason,
    require_kind,
    require_reason,
)
from q2c_core.domain.managers import (
    ManagerFrom,
    check_handover,
    follow_handovers,
    handed_over,
    managed_since,
    manager_on,
    require_one_line,
)
from q2c_core.domain.money import MAX_MAGNITUDE, Money, to_decimal
from q2c_core.domain.values import TimeOrderedIds, person_key, require_day, same_fact


class RequestStatus(enum.Enum):
    """Where a request stands on its way from ask to invoice."""

    REQUESTED = "requested"
    ESTIMATED = "estimated"
    QUOTED = "quoted"
    PO_RECEIVED = "po_received"
    COVERED_BY_ALLOWANCE = "covered_by_allowance"
    AUTHORIZED = "authorized"
    COMPLETED = "completed"
    INVOICED = "invoiced"
    DECLINED = "declined"
    CANCELLED = "cancelled"


def _hours(value: Any) -> Decimal:
    """An entry's hours as a finite Decimal (``to_decimal``), refused naming ``hours``: NaN,
    a float or None is the hours' fault, not an "amount" the entry has none of."""
    return to_decimal(value, "hours")


def _positive_hours(_: Any, attribute: Any, value: Decimal) -> None:
    if value <= 0:
        raise InvalidValue("must be more than zero", field=attribute.name, value=value)


def _require_money(value: Any, field: str) -> None:
    """``InvalidValue`` naming ``field`` unless ``value`` is Money: a plain number (a Decimal,
    an int, a float) or text has no currency, and no check of a price could read it."""
    if not isinstance(value, Money):
        raise InvalidValue(
            f"must be Money (an amount and its currency), not {type(value).__name__}",
            field=field,
            value=value,
        )


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value, "hours")


@checked_value
@attrs.frozen
class Estimate:
    """Hours at a rate, or a fixed price: the rate and the price are Money (``InvalidValue``
    naming ``estimate.rate`` or ``estimate.fixed_price`` for a plain number or text). A new
    fixed price is whole minor units of its currency, a rate may be finer as a time entry's
    may (``EnhancementRequest.estimate_work`` checks it, not this value: an estimate read back
    from a stored event is built again, and one recorded before the rule still loads)."""

    hours: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    rate: Money | None = None
    fixed_price: Money | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("rate", "fixed_price"):
            price = getattr(self, name)
            if price is not None and not isinstance(price, Money):
                raise InvalidValue(
                    f"must be Money (an amount and its currency), not {type(price).__name__}",
                    field=f"estimate.{name}",
                    value=price,
                )
        hourly = self.hours is not None and self.rate is not None
        if hourly == (self.fixed_price is not None):
            raise InvalidValue("give either hours and a rate, or a fixed price", field="estimate")
        if self.hours is not None and self.hours <= 0:
            raise InvalidValue("must be more than zero", field="estimate.hours", value=self.hours)
        for name in ("rate", "fixed_price"):
            price = getattr(self, name)
            if price is not None and not price.is_positive():
                raise InvalidValue("must be more than zero", field=f"estimate.{name}", value=price)

    @property
    def is_fixed_price(self) -> bool:
        """Whether the customer pays a fixed price rather than hours."""
        return self.fixed_price is not None

    @property
    def total(self) -> Money:
        """What the estimate amounts to, rounded to the currency."""
        if self.fixed_price is not None:
            return self.fixed_price.rounded()
        assert self.rate is not None and self.hours is not None
        return (self.rate * self.hours).rounded()


@checked_value
@attrs.frozen
class PurchaseOrder:
    """The customer's PO that covers the quoted work: its number is text, its amount Money
    (``InvalidValue`` naming ``po.number`` or ``po.amount`` otherwise)."""

    number: str
    amount: Money
    received_on: date
    shortfall_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.number, str):
            raise InvalidValue(
                f"must be text, not {type(self.number).__name__}",
                field="po.number",
                value=self.number,
            )
        _require_money(self.amount, "po.amount")
        if not self.number.strip():
            raise InvalidValue("must not be empty", field="po.number")
        if not self.amount.is_positive():
            raise InvalidValue("must be more than zero", field="po.amount", value=self.amount)


# the least a new time entry holds: a hundredth of an hour (36 seconds); less is a stopwatch
# slip, not work (the time-entry importer refuses such a row alike)
MIN_ENTRY_HOURS = Decimal("0.01")


@checked_value
@attrs.frozen
class TimeEntry:
    """Hours one worker spent on one day, at a rate that is Money (``InvalidValue`` naming
    ``rate`` otherwise). The worker is a person, compared by ``person_key`` ("Dana" and
    "dana " are one); a new entry must name one, and be work (``check_new``)."""

    entry_id: str
    worker: str
    work_date: date
    hours: Decimal = attrs.field(converter=_hours, validator=_positive_hours)
    rate: Money
    billable: bool = True
    note: str = ""

    def __attrs_post_init__(self) -> None:
        _require_money(self.rate, "rate")
        if not isinstance(self.entry_id, str):
            raise InvalidValue(
                f"must be text, not {type(self.entry_id).__name__}",
                field="entry_id",
                value=self.entry_id,
            )
        if not self.entry_id.strip():
            raise InvalidValue("must not be empty", field="entry_id")
        if self.hours > 24:
            raise InvalidValue("cannot exceed 24 in a day", field="hours", value=self.hours)
        if self.rate.is_negative():
            raise InvalidValue("must not be negative", field="rate", value=self.rate)

    def check_new(self, aggregate_id: UUID | None = None) -> None:
        """Refuse a new entry naming nobody: a worker of nothing, spaces or invisible
        characters only (``InvalidValue`` naming ``entry.worker``). Checked when work is
        logged, not when an entry is read back, so entries recorded before still load. A
        worker that is no text (None from an export's empty column) is refused alike, and so is
        one of more than one line (a line break typed in a spreadsheet's cell: every invoice
        line of the work and every report row of the person names them, as an account
        manager, on one line: ``require_one_line``), and so are fewer hours than
        ``MIN_ENTRY_HOURS`` (``InvalidValue`` naming ``hours``)."""
        if not isinstance(self.worker, str):
            raise InvalidValue(
                f"must be text (who did the work), not {type(self.worker).__name__}",
                field="entry.worker",
                aggregate_id=aggregate_id,
                value=self.worker,
            )
        if not person_key(self.worker):
            raise InvalidValue(
                "must name who did the work (not only spaces or invisible characters)",
                field="entry.worker",
                aggregate_id=aggregate_id,
                value=self.worker,
            )
        require_one_line(self.worker, "entry.worker", aggregate_id)
        if self.hours < MIN_ENTRY_HOURS:
            raise InvalidValue(
                f"is less than {MIN_ENTRY_HOURS} of an hour (36 seconds): not work logged (a "
                "stopwatch slip), as a time-entry file's row of it is refused",
                field="hours",
                aggregate_id=aggregate_id,
                value=self.hours,
            )

    @property
    def value(self) -> Money:
        """Hours at the entry's rate, rounded."""
        return (self.rate * self.hours).rounded()


@checked_value
@attrs.frozen
class Expense:
    """A cost incurred for the request, re-billed when billable; its amount is Money
    (``InvalidValue`` naming ``expense.amount`` otherwise)."""

    expense_id: str
    description: str
    amount: Money
    incurred_on: date
    billable: bool = True

    def __attrs_post_init__(self) -> None:
        _require_money(self.amount, "expense.amount")
        if not self.amount.is_positive():
            raise InvalidValue("must be more than zero", field="expense.amount", value=self.amount)


@attrs.frozen
class LoggedWork:
    """A time entry as recorded on the request, and whether the request was authorized then."""

    entry: TimeEntry
    authorized: bool
    source: str = "q2c"


@attrs.frozen
class WithdrawnWork:
    """A time entry withdrawn as logged in error (``EnhancementRequest.withdraw_work``): 80 h
    typed for 8, a day of 2204 for 2024, work booked on the wrong request. It counts nowhere
    any more (not billable, not hours logged); the history keeps it, and its id stays taken,
    so an import of it again is known and the correct work is logged as a new entry."""

    entry: TimeEntry
    authorized: bool
    source: str
    reason: str
    actor: str


_OPEN_FOR_WORK = (RequestStatus.AUTHORIZED,)
# a completed request (invoiced or not) still takes a late timesheet for a day it was
# authorized for: from the day it was authorized to the day it was completed, both included
_DONE = (RequestStatus.COMPLETED, RequestStatus.INVOICED)

# The item a fixed price is billed as, so a price is billed once even when no time was logged.
FIXED_PRICE_ITEM = "fixed-price"
_CANCELLABLE = (
    RequestStatus.REQUESTED,
    RequestStatus.ESTIMATED,
    RequestStatus.QUOTED,
    RequestStatus.PO_RECEIVED,
    RequestStatus.COVERED_BY_ALLOWANCE,
    RequestStatus.AUTHORIZED,
)


class EnhancementRequest(ChecksFacts, TimeOrderedIds, Aggregate):
    """A client's request for an enhancement, gated by a PO or a prepaid allowance."""

    DAY_ORDER: ClassVar[Mapping[str, tuple[NotBefore, ...]]] = {
        # handed over no earlier than it was asked for, nor before its last handover (which
        # would overrule it)
        "RequestHandedOver": (
            NotBefore("effective_on", "requested_on", "the request"),
            NotBefore("effective_on", "managed_since", "the last handover"),
        ),
        "QuoteSent": (NotBefore("sent_on", "requested_on", "the request"),),
        "PurchaseOrderReceived": (
            NotBefore("purchase_order.received_on", "requested_on", "the request"),
            # a PO answers the quote: one dated before it is a mistyped day (or another PO)
            NotBefore("purchase_order.received_on", "quote_sent_on", "the quote was sent"),
        ),
        "WorkAuthorized": (
            NotBefore("authorized_on", "requested_on", "the request"),
            NotBefore("authorized_on", "purchase_order.received_on", "the PO arrived"),
            # a quote covered by an allowance (no PO to come after it) is still answered
            # after it was sent
            NotBefore("authorized_on", "quote_sent_on", "the quote was sent"),
            # the work is due no earlier than it may start (the review meeting judges "on
            # schedule" by it)
            NotBefore("due_on", "authorized_on", "the work was authorized", in_event=True),
        ),
        # the PO gate holds for days too: work done before it was authorized is leakage, kept
        # by ``record_unauthorized_work`` (imports do), never logged as authorized
        "WorkLogged": (
            NotBefore(
                "entry.work_date", "authorized_on", "the work was authorized", WorkNotAuthorized
            ),
        ),
        # an expense is incurred for authorized work, as work is done: not before
        "ExpenseLogged": (
            NotBefore(
                "expense.incurred_on", "authorized_on", "the work was authorized", WorkNotAuthorized
            ),
        ),
        # a request is cancelled no earlier than it was asked for, nor before work it holds,
        # nor before a turn it already took (its quote sent, its PO received, its work
        # authorized): one dated earlier is a mistyped day, and would read as cancelled while
        # it was still quoted or awaiting its PO (``AwaitingPurchaseOrder``)
        "Cancelled": (
            NotBefore("cancelled_on", "requested_on", "the request"),
            NotBefore("cancelled_on", "last_worked_on", "the last day of work logged"),
            NotBefore("cancelled_on", "quote_sent_on", "the quote was sent"),
            NotBefore("cancelled_on", "purchase_order.received_on", "the PO arrived"),
            NotBefore("cancelled_on", "authorized_on", "the work was authorized"),
        ),
        "Completed": (
            NotBefore("completed_on", "authorized_on", "the work was authorized"),
            # the work is done once its last logged day is over
            NotBefore("completed_on", "last_worked_on", "the last day of work logged"),
        ),
    }

    # the day it was cancelled, None for one recorded without it (``cancellation_day``); class
    # default: snapshots taken before the day was kept
    cancelled_on: date | None = None
    # time entry id -> invoice id (hex) of a ``WorkInvoiced`` recorded before the fixed price
    # was marked as its own item (``price_marked``): such an invoice billed the price through
    # the entries it named (``fixed_price_billed``). Never changed in place (class default:
    # snapshots taken before it was kept), None when there is none
    price_billed_by_entries: dict[str, str] | None = None
    # its account managers by the day each took over, the first as opened (from ``date.min``):
    # empty until the first handover (class default: snapshots taken before handovers
    # existed); ``account_manager`` is the last
    managers: Sequence[ManagerFrom] = ()
    # time entries withdrawn as logged in error, in the order withdrawn (``withdraw_work``);
    # class default: snapshots taken before entries could be withdrawn
    withdrawn: Sequence[WithdrawnWork] = ()

    @classmethod
    def _create(cls, event_class: type, **kwargs: Any) -> Any:
        """A new request's account manager must name someone (not only spaces or invisible
        characters): its invoices are approved by them and its commission is theirs. Its title
        must be visible text too (a zero-width space only is refused, naming ``title``), on one
        line: a line break is refused alike (its body goes in the description). Checked
        for new requests only, so a history recorded before these rules still loads."""
        title = kwargs.get("title")
        if isinstance(title, str) and title.strip() and not person_key(title):
            raise InvalidValue(
                "must be visible text (not only spaces or invisible characters): every report "
                "and invoice line names the request by it",
                field="title",
                value=title,
            )
        if isinstance(title, str):
            require_one_line(title, "title")
        manager = kwargs.get("account_manager")
        if isinstance(manager, str) and not person_key(manager):
            raise InvalidValue(
                "must name someone (the customer's account manager when left out)",
                field="account_manager",
                value=manager,
            )
        if isinstance(manager, str):
            require_one_line(manager, "account_manager")
        return super()._create(event_class, **kwargs)

    @event("Requested")
    def __init__(
        self,
        customer_id: UUID,
        title: str,
        account_manager: str,
        requested_on: date,
        actor: str,
        contract_id: UUID | None = None,
        product_area: str = "",
        description: str = "",
    ) -> None:
        if not title.strip():
            raise InvalidValue("must not be empty", field="title")
        self.customer_id = customer_id
        self.title = title
        self.description = description
        self.account_manager = account_manager
        self.contract_id = contract_id
        self.product_area = product_area
        self.requested_on = requested_on
        self.status = RequestStatus.REQUESTED
        self.estimate: Estimate | None = None
        self.quote_sent_on: date | None = None
        self.purchase_order: PurchaseOrder | None = None
        self.allowance_id: UUID | None = None
        self.authorized_on: date | None = None
        self.due_on: date | None = None
        self.completed_on: date | None = None
        self.closed_reason: str | None = None
        self.work: list[LoggedWork] = []
        self.expenses: list[Expense] = []
        # item id (time entry or expense) -> invoice id (hex) that bills it
        self.billed: dict[str, str] = {}
        # item id -> credit note id (hex) that credited it for good (written off)
        self.written_off: dict[str, str] = {}

    # -- account manager ------------------------------------------------------------------------

    @property
    def managed_since(self) -> date | None:
        """The day of its last handover (None: the manager it was opened with)."""
        return managed_since(self.managers)

    def manager_on(self, day: date, field: str = "day") -> str:
        """The account manager on ``day``: who an invoice of the request drafted that day
        names (``account_manager`` when it was never handed over)."""
        require_day(day, field)
        return manager_on(self.managers, self.account_manager, day)

    def hand_over(self, to_manager: str, effective_on: date, actor: str) -> None:
        """Hand the request over to ``to_manager`` from the business day ``effective_on`` on
        (its customer handed over, ``QuoteToCash.hand_over_customer``).

        Checked as a customer's handover (``check_handover``: someone, not the manager
        already, a business day); a day before the request was asked for (it had no manager
        then) or before its last handover (which would overrule it) is refused
        (``RuleViolated`` naming ``effective_on``). Its invoices drafted from that day on name
        the new manager; those drafted before keep theirs, and their commission."""
        name, day = check_handover(self.account_manager, to_manager, effective_on, self.id)
        self._handed_over(self.account_manager, name, day, actor)

    def follow_handovers(self, actor: str, handovers: Sequence[ManagerFrom]) -> None:
        """Take its customer's handovers dated after the day it was asked for as its own: a
        request opened (naming the customer's manager on its day) after a later handover was
        recorded is handed over as the customer's open requests were (``hand_over``). Called
        in the opening's step, so they are recorded with it."""
        follow_handovers(self, self.requested_on, handovers, actor)

    @event("RequestHandedOver")
    def _handed_over(
        self, from_manager: str, to_manager: str, effective_on: date, actor: str
    ) -> None:
        """The ``RequestHandedOver`` event (``hand_over``, which holds the rules)."""
        self.managers = handed_over(self.managers, self.account_manager, to_manager, effective_on)
        self.account_manager = to_manager

    # -- helpers -------------------------------------------------------------------------------

    def _refuse(self, rule: str, field: str = "status") -> InvalidTransition:
        return InvalidTransition(rule, field=field, aggregate_id=self.id, value=self.status)

    def _require(self, *statuses: RequestStatus, doing: str) -> None:
        if self.status not in statuses:
            allowed = ", ".join(s.value for s in statuses)
            raise self._refuse(f"cannot {doing} when {self.status.value} (needs {allowed})")

    def _check_new_item_id(self, item_id: str, field: str = "entry_id") -> None:
        """``DuplicateEntry`` naming ``field`` (the new item's id) when the request holds an
        item of that id already: a time entry, an expense, the fixed price."""
        if item_id in self.item_ids():
            raise DuplicateEntry(
                f"{item_id!r} is already recorded on this request",
                field=field,
                aggregate_id=self.id,
                value=item_id,
            )

    @property
    def currency(self) -> str | None:
        """The request's currency, fixed by its estimate."""
        return self.estimate.total.currency if self.estimate else None

    def item_ids(self) -> set[str]:
        """Ids of every billable item on the request: time entries, expenses, the fixed price;
        and of the entries withdrawn (``withdraw_work``): their ids stay taken."""
        ids = {w.entry.entry_id for w in self.work} | {e.expense_id for e in self.expenses}
        ids |= {w.entry.entry_id for w in self.withdrawn}
        if self.estimate is not None and self.estimate.is_fixed_price:
            ids.add(FIXED_PRICE_ITEM)
        return ids

    @property
    def is_covered_by_allowance(self) -> bool:
        """Whether a prepaid allowance, not a PO, covers the work."""
        return self.allowance_id is not None

    @property
    def last_worked_on(self) -> date | None:
        """The latest day of work recorded on the request (authorized or not), None before any:
        it is completed no earlier."""
        return max((w.entry.work_date for w in self.work), default=None)

    @property
    def logged_hours(self) -> Decimal:
        """All hours recorded on the request, authorized or not."""
        return sum((w.entry.hours for w in self.work), Decimal(0))

    @property
    def fixed_price_billed(self) -> bool:
        """A fixed-price request whose price a live invoice bills (or billed, then credited):
        the fixed-price item is billed (its line marked as the price). A line billing some of
        its entries by the hour (an agreed extra) does not bill the price; only an invoice
        recorded before the price was its own item billed it through its entries, as long as
        that invoice still bills one (``price_billed_by_entries``)."""
        if self.estimate is None or not self.estimate.is_fixed_price:
            return False
        return FIXED_PRICE_ITEM in self.billed or any(
            self.billed.get(entry_id) == invoice
            for entry_id, invoice in (self.price_billed_by_entries or {}).items()
        )

    def unbilled_entries(self) -> list[TimeEntry]:
        """Billable time entries that no invoice bills yet (unauthorized ones included)."""
        return [
            w.entry for w in self.work if w.entry.billable and w.entry.entry_id not in self.billed
        ]

    def work_after_completion(self) -> set[str]:
        """Ids of work recorded unauthorized dated after the request's completion (imported
        late): never inside a fixed price, whose work was done by then, so leakage to follow
        up at its hours' worth."""
        done = self.completed_on
        if done is None:
            return set()
        return {
            w.entry.entry_id for w in self.work if not w.authorized and w.entry.work_date > done
        }

    def unbilled_expenses(self) -> list[Expense]:
        """Billable expenses that no invoice bills yet."""
        return [e for e in self.expenses if e.billable and e.expense_id not in self.billed]

    # -- as it stood on a day -------------------------------------------------------------------
    # The request marks work billed, and billable again, by events that carry no business day:
    # ``held`` is the ids of its items that invoices held at the end of the day, as their draft,
    # void and credit days tell (``Invoice.lines_holding_work_on``).

    def unbilled_entries_on(self, day: date, held: Collection[str]) -> list[TimeEntry]:
        """Billable time entries dated on or before ``day`` that no invoice held at its end
        (unauthorized ones included): the work unbilled on that day."""
        return [
            w.entry
            for w in self.work
            if w.entry.billable and w.entry.work_date <= day and w.entry.entry_id not in held
        ]

    def unbilled_expenses_on(self, day: date, held: Collection[str]) -> list[Expense]:
        """Billable expenses incurred on or before ``day`` that no invoice held at its end."""
        return [
            e
            for e in self.expenses
            if e.billable and e.incurred_on <= day and e.expense_id not in held
        ]

    def cancelled_by(self, day: date) -> bool:
        """Whether the request was cancelled by the end of ``day``: from its cancellation day
        on (``cancelled_on``). One cancelled before cancellations carried their day has no day
        to go back to: it reads as cancelled on every day, as it always did."""
        if self.status is not RequestStatus.CANCELLED:
            return False
        return self.cancelled_on is None or self.cancelled_on <= day

    def billable_on(self, day: date) -> bool:
        """Whether its work was billable as the PO or allowance covers it on ``day``: authorized
        by then, and not cancelled by then (``cancelled_by``: a cancellation counts from its
        own day, so a day before it reads the same once it is recorded)."""
        if self.authorized_on is None or self.authorized_on > day:
            return False
        if self.status is RequestStatus.CANCELLED:
            return not self.cancelled_by(day)
        return self.status in (
            RequestStatus.AUTHORIZED,
            RequestStatus.COMPLETED,
            RequestStatus.INVOICED,
        )

    def started_by(self, day: date) -> bool:
        """Whether work had started by ``day``: work dated by then, or completed by then (a
        fixed price is owed from then on)."""
        return any(w.entry.work_date <= day for w in self.work) or (
            self.completed_on is not None and self.completed_on <= day
        )

    def fixed_price_held(self, held: Collection[str]) -> bool:
        """Whether the fixed price was billed by invoices holding ``held`` (the marker item, or
        one of the entries an invoice recorded before the marker billed the price through):
        ``fixed_price_billed`` on a day."""
        if self.estimate is None or not self.estimate.is_fixed_price:
            return False
        return FIXED_PRICE_ITEM in held or any(
            entry_id in held for entry_id in self.price_billed_by_entries or ()
        )

    def entry(self, entry_id: str) -> TimeEntry:
        """The time entry with that id."""
        for w in self.work:
            if w.entry.entry_id == entry_id:
                return w.entry
        raise RuleViolated(
            f"no time entry {entry_id!r} on this request",
            field="entry_id",
            aggregate_id=self.id,
            value=entry_id,
        )

    def recorded_entries(self) -> list[TimeEntry]:
        """Every time entry recorded on the request, those withdrawn after the others: what an
        import finds a row of its file among (a row of an entry withdrawn is known, not new)."""
        return [w.entry for w in self.work] + [w.entry for w in self.withdrawn]

    def recorded_entry(self, entry_id: str) -> TimeEntry:
        """The time entry recorded under that id, withdrawn ones too (an import compares a row
        with what was recorded under its id, ``entry`` only with what counts)."""
        for w in self.withdrawn:
            if w.entry.entry_id == entry_id:
                return w.entry
        return self.entry(entry_id)

    def withdrawal_of(self, entry_id: str) -> WithdrawnWork | None:
        """The withdrawal of the entry with that id, None when it was not withdrawn."""
        return next((w for w in self.withdrawn if w.entry.entry_id == entry_id), None)

    def repeats_withdrawal(self, entry_id: str, reason: str) -> bool:
        """Whether withdrawing ``entry_id`` for ``reason`` is the withdrawal the request holds
        (the same entry and reason): one sent again after a lost response, which withdraws
        nothing more, nor gives anything back to an allowance again."""
        done = self.withdrawal_of(entry_id) if isinstance(entry_id, str) else None
        return done is not None and same_fact(done.reason, reason)

    def withdraw_work(
        self, entry_id: str, reason: str, actor: str, all_billed: bool = False
    ) -> None:
        """Withdraw a time entry logged in error (``WorkWithdrawn``): it leaves the request's
        work, billable hours, hours logged and every report, on every day (it was never work
        done: a day before reads without it too; ``q2c history`` keeps the entry and its
        withdrawal). Log the correct work as a new entry. ``all_billed``: whether invoices
        bill everything billable left without it (the application's reckoning, as at the
        completion): a completed request is then invoiced again (a late timesheet had
        re-opened it, and it was the one withdrawn).

        Refused, nothing recorded: an entry not on the request or withdrawn already
        (``RuleViolated`` naming ``entry_id``), one an invoice bills (a draft, an approved or
        an issued invoice: void the draft, or credit the issued invoice first; one credited
        for good, written off or conceded, stays billed: ``RuleViolated`` naming
        ``entry_id``), a reason that is no visible text (``InvalidValue`` naming ``reason``)."""
        require_reason(reason, "reason", self.id)
        if not isinstance(entry_id, str):
            raise InvalidValue(
                f"must be a time entry's id (text), not {type(entry_id).__name__}",
                field="entry_id",
                aggregate_id=self.id,
                value=entry_id,
            )
        done = self.withdrawal_of(entry_id)
        if done is not None:
            raise RuleViolated(
                f"time entry {entry_id!r} was withdrawn already ({done.reason})",
                field="entry_id",
                aggregate_id=self.id,
                value=entry_id,
            )
        entry = self.entry(entry_id)  # (not on the request: refused naming ``entry_id``)
        if entry_id in self.written_off:
            raise RuleViolated(
                f"time entry {entry_id!r} was invoiced and credited for good by credit note "
                f"{self.written_off[entry_id]}: it stays billed",
                field="entry_id",
                aggregate_id=self.id,
                value=entry_id,
            )
        if entry_id in self.billed:
            raise RuleViolated(
                f"time entry {entry_id!r} is billed by invoice {self.billed[entry_id]}: void "
                "the draft, or credit the issued invoice as re-billable, first",
                field="entry_id",
                aggregate_id=self.id,
                value=entry_id,
            )
        self._work_withdrawn(entry, reason, actor, all_billed)

    @event("WorkWithdrawn")
    def _work_withdrawn(
        self, entry: TimeEntry, reason: str, actor: str, all_billed: bool = False
    ) -> None:
        """The ``WorkWithdrawn`` event (``withdraw_work``, which checks it): it carries the
        entry withdrawn whole, so the history and the read models say what was taken out."""
        kept = [w for w in self.work if w.entry.entry_id != entry.entry_id]
        gone = [w for w in self.work if w.entry.entry_id == entry.entry_id]
        self.work = kept
        self.withdrawn = [
            *self.withdrawn,
            *(WithdrawnWork(w.entry, w.authorized, w.source, reason, actor) for w in gone),
        ]
        if all_billed and self.status is RequestStatus.COMPLETED:
            self.status = RequestStatus.INVOICED

    # -- steps sent again ----------------------------------------------------------------------
    # A step sent again after a lost response (a PSA bridge, a script retrying) is the step the
    # request holds already, with the same facts: the command records nothing and is not
    # refused. Another day, PO or reason is a second step, refused as before.

    def repeats_quote(self, sent_on: date) -> bool:
        """Whether sending the quote on ``sent_on`` is the quote the request sent (that day)."""
        return self.status is not RequestStatus.ESTIMATED and same_fact(self.quote_sent_on, sent_on)

    def repeats_purchase_order(self, purchase_order: PurchaseOrder) -> bool:
        """Whether ``purchase_order`` is the PO the request received (number, amount, day and
        shortfall reason alike)."""
        held = self.purchase_order
        return (
            held is not None
            and isinstance(purchase_order, PurchaseOrder)
            and same_fact(held.number, purchase_order.number)
            and same_fact(held.amount, purchase_order.amount)
            and same_fact(held.received_on, purchase_order.received_on)
            and same_fact(held.shortfall_reason, purchase_order.shortfall_reason, optional=True)
        )

    def repeats_cover(self, allowance_id: UUID) -> bool:
        """Whether covering the request by ``allowance_id`` is the cover it holds (a cancelled
        request's too: it is refused as it was)."""
        return self.status is not RequestStatus.CANCELLED and same_fact(
            self.allowance_id, allowance_id
        )

    def repeats_authorization(self, authorized_on: date, due_on: date | None) -> bool:
        """Whether authorizing on ``authorized_on``, due on ``due_on``, is the authorization the
        request holds (a cancelled request's too: it is refused as it was)."""
        return (
            self.status is not RequestStatus.CANCELLED
            and same_fact(self.authorized_on, authorized_on)
            and same_fact(self.due_on, due_on, optional=True)
        )

    def repeats_completion(self, completed_on: date) -> bool:
        """Whether completing on ``completed_on`` is the completion the request holds (invoiced
        since, or not)."""
        return self.status in _DONE and same_fact(self.completed_on, completed_on)

    def repeats_decline(self, reason: str) -> bool:
        """Whether declining for ``reason`` is the decline the request holds."""
        return self.status is RequestStatus.DECLINED and same_fact(self.closed_reason, reason)

    def repeats_cancellation(self, reason: str, cancelled_on: date) -> bool:
        """Whether cancelling for ``reason`` on ``cancelled_on`` is the cancellation the request
        holds (one recorded before cancellations carried their day is none)."""
        return (
            self.status is RequestStatus.CANCELLED
            and same_fact(self.closed_reason, reason)
            and same_fact(self.cancelled_on, cancelled_on)
        )

    # -- the way to authorization -------------------------------------------------------------

    def estimate_work(self, estimate: Estimate, actor: str) -> None:
        """Record (or revise, before the quote is sent) the estimate (``_estimated``). A
        request a prepaid allowance covers is not given a fixed price (``RuleViolated`` naming
        ``estimate.fixed_price``): a fixed price is billed as agreed, not drawn on prepaid
        hours. Nor is it estimated in another currency than work already recorded on it
        (``CurrencyMismatch`` naming ``estimate.rate`` or ``estimate.fixed_price``): that work
        is billed in the request's currency. A fixed price is whole minor units of its currency
        (``InvalidValue`` naming ``estimate.fixed_price``): 1,000.005 EUR is billed as one
        line no invoice can hold, and no PO can match it. An hourly rate may be finer (0.125
        EUR a unit, 33.335 EUR an hour), as a time entry's rate may: its total and each
        entry's value are rounded to the currency, and a total that rounds to nothing (1 h at
        0.001 EUR) is refused (``InvalidValue`` naming ``estimate.rate``), as a zero rate is,
        and so is one beyond what Money holds (1E12 h at 1E12 EUR).
        Checked on new estimates only (an ``Estimate`` read back from a stored event is built
        again, so its own validation would refuse a history), so histories recorded before
        still load."""
        if isinstance(estimate, Estimate):
            self._check_new_estimate(estimate)
        self._estimated(estimate, actor)

    def _check_new_estimate(self, estimate: Estimate) -> None:
        """``estimate_work``'s rules for a new estimate."""
        price = estimate.fixed_price
        if price is not None and not price.is_rounded():
            raise InvalidValue(
                f"must be whole minor units of {price.currency} (a fixed price is billed as "
                f"agreed, and no invoice or PO can hold {price.amount})",
                field="estimate.fixed_price",
                aggregate_id=self.id,
                value=price,
            )
        if not estimate.is_fixed_price:
            try:
                _ = estimate.total  # (its rate x hours within Money's range)
            except InvalidValue:
                raise InvalidValue(
                    f"{estimate.hours} h at {estimate.rate} an hour comes to more than an "
                    "amount holds: no quote, PO or invoice could state it",
                    field="estimate.rate",
                    aggregate_id=self.id,
                    value=estimate.rate,
                ) from None
        if not estimate.is_fixed_price and not estimate.total.is_positive():
            raise InvalidValue(
                f"{estimate.hours} h at {estimate.rate.amount if estimate.rate else ''} "
                f"{estimate.total.currency} an hour comes to {estimate.total}: an estimate is "
                "quoted for a PO, and one worth nothing lets any PO through (a zero rate is "
                "refused alike)",
                field="estimate.rate",
                aggregate_id=self.id,
                value=estimate.rate,
            )
        currency = estimate.total.currency
        rated = sorted({w.entry.rate.currency for w in self.work} - {currency})
        if rated:
            name = "fixed_price" if estimate.is_fixed_price else "rate"
            raise CurrencyMismatch(
                f"an estimate in {currency} on a request whose work is rated in "
                f"{', '.join(rated)}: its work is billed in the currency it is estimated in",
                field=f"estimate.{name}",
                aggregate_id=self.id,
                value=getattr(estimate, name),
            )
        if estimate.is_fixed_price and self.allowance_id is not None:
            raise RuleViolated(
                f"a prepaid allowance ({self.allowance_id}) covers this request: a fixed price "
                "is billed as agreed, not drawn on prepaid hours (estimate it by the hour)",
                field="estimate.fixed_price",
                aggregate_id=self.id,
                value=estimate.fixed_price,
            )

    @event("Estimated")
    def _estimated(self, estimate: Estimate, actor: str) -> None:
        """The ``Estimated`` event (``estimate_work``, which checks the estimate)."""
        self._require(RequestStatus.REQUESTED, RequestStatus.ESTIMATED, doing="estimate")
        self.estimate = estimate
        self.status = RequestStatus.ESTIMATED

    @event("QuoteSent")
    def send_quote(self, sent_on: date, actor: str) -> None:
        """Billing forwards the estimate to the customer with a request for a PO."""
        self._require(RequestStatus.ESTIMATED, doing="send a quote")
        self.quote_sent_on = sent_on
        self.status = RequestStatus.QUOTED

    def receive_purchase_order(self, purchase_order: PurchaseOrder, actor: str) -> None:
        """The customer's PO arrives (``_purchase_order_received``); one below the estimate
        needs a stated shortfall reason. A reason given is read by people: text holding a
        control character, or only invisible characters and spaces (a zero-width space), is
        refused (``InvalidValue`` naming ``po.shortfall_reason``), nothing recorded, and so is
        one holding a card number (``CardNumberRefused`` naming it: card numbers are never
        stored, as in every other text of a request); a PO
        below the estimate with no reason at all is a ``PurchaseOrderBelowEstimate``. Checked
        on new POs only, so histories recorded before still load, as are its number (visible
        text on one line, ``_check_po_number``) and its amount: whole minor units of its
        currency, as a fixed price is (``InvalidValue`` naming ``po.amount``: no invoice or
        document can quote 999.999 EUR)."""
        amount = getattr(purchase_order, "amount", None)
        if isinstance(amount, Money) and not amount.is_rounded():
            raise InvalidValue(
                f"must be whole minor units of {amount.currency} (a PO is quoted on the "
                f"request's invoices, and none can hold {amount.amount})",
                field="po.amount",
                aggregate_id=self.id,
                value=amount,
            )
        reason = getattr(purchase_order, "shortfall_reason", None)
        if isinstance(reason, str):
            refuse_unreadable_reason(reason, "po.shortfall_reason", self.id, blank_ok=True)
            refuse_card_numbers("po.shortfall_reason", reason, self.id)
        number = getattr(purchase_order, "number", None)
        if isinstance(number, str):
            self._check_po_number(number)
        self._purchase_order_received(purchase_order, actor)

    def _check_po_number(self, number: str) -> None:
        """A new PO's number is quoted on the request's invoices (their PDF, the e-invoice's
        order reference, the exports) for the customer to match: visible text on one line. A
        line break, a tab or other spacing than a plain space, or only invisible characters
        (a zero-width space) is refused, ``InvalidValue`` naming ``po.number``."""
        spacing = next((c for c in number if c.isspace() and c != " "), None)
        if spacing is not None:
            raise InvalidValue(
                f"must be one line, spaced by plain spaces only (not {spacing!r}): invoices "
                "quote it for the customer to match",
                field="po.number",
                aggregate_id=self.id,
                value=number,
            )
        if not person_key(number):
            raise InvalidValue(
                "must be visible text (not only spaces or invisible characters)",
                field="po.number",
                aggregate_id=self.id,
                value=number,
            )

    @event("PurchaseOrderReceived")
    def _purchase_order_received(self, purchase_order: PurchaseOrder, actor: str) -> None:
        """The ``PurchaseOrderReceived`` event (``receive_purchase_order``, which checks the
        shortfall reason is visible text)."""
        self._require(RequestStatus.QUOTED, doing="receive a PO")
        assert self.estimate is not None
        estimate = self.estimate.total
        if purchase_order.amount.currency != estimate.currency:
            raise CurrencyMismatch(
                f"PO is in {purchase_order.amount.currency}, the estimate in {estimate.currency}",
                field="po.amount",
                aggregate_id=self.id,
            )
        if purchase_order.amount < estimate and not (purchase_order.shortfall_reason or "").strip():
            raise PurchaseOrderBelowEstimate(
                f"PO {purchase_order.amount} is below the estimate {estimate}; "
                "accept it only with a shortfall reason",
                field="po.amount",
                aggregate_id=self.id,
                value=purchase_order.amount,
            )
        self.purchase_order = purchase_order
        self.status = RequestStatus.PO_RECEIVED

    def cover_by_allowance(self, allowance_id: UUID, actor: str) -> None:
        """A prepaid allowance covers the work instead of a PO (``_covered_by_allowance``). A
        request whose estimate is a fixed price is not covered (``RuleViolated`` naming
        ``allowance_id``): the price is billed as agreed, and its hours drawn on the allowance
        would be paid for twice. Checked on new coverings only, so histories recorded before
        still load."""
        if self.estimate is not None and self.estimate.is_fixed_price:
            raise RuleViolated(
                f"the request is estimated at a fixed price ({self.estimate.total}): a fixed "
                "price is billed as agreed, not drawn on prepaid hours (a PO covers it, or "
                "estimate it by the hour)",
                field="allowance_id",
                aggregate_id=self.id,
                value=allowance_id,
            )
        self._covered_by_allowance(allowance_id, actor)

    @event("CoveredByAllowance")
    def _covered_by_allowance(self, allowance_id: UUID, actor: str) -> None:
        """The ``CoveredByAllowance`` event (``cover_by_allowance``, which checks the estimate)."""
        self._require(
            RequestStatus.ESTIMATED, RequestStatus.QUOTED, doing="cover by a prepaid allowance"
        )
        self.allowance_id = allowance_id
        self.status = RequestStatus.COVERED_BY_ALLOWANCE

    @event("CoveringAllowanceRolledOver")
    def covering_allowance_rolled_over(
        self, from_allowance_id: UUID, to_allowance_id: UUID, rolled_over_on: date, actor: str
    ) -> None:
        """An allowance the request's work may draw on (the one covering it, or one it was
        rolled over into) was rolled over into ``to_allowance_id`` on ``rolled_over_on``: its
        work dated after that allowance's period draws on the new one from now on
        (``QuoteToCash.roll_over_allowance``). Nothing of the request changes: recorded so the
        roll-over and work logged on the request at the same moment clash (both write the
        request), and the one decided again reads the other's, so January's hours logged
        while the carry-over was being recorded still draw the carried ones."""

    def decline(self, reason: str, actor: str) -> None:
        """The customer declines the quote, and the request says why: visible text
        (``InvalidValue`` naming ``reason`` when blank, only invisible characters, or holding
        a control character, as a cancellation; ``refuse_unreadable_reason``)."""
        self._require(RequestStatus.QUOTED, RequestStatus.ESTIMATED, doing="decline")
        if isinstance(reason, str):
            refuse_unreadable_reason(reason, "reason", self.id)
        self._declined(reason, actor)

    @event("Declined")
    def _declined(self, reason: str, actor: str) -> None:
        """The ``Declined`` event (``decline``, which checks the reason)."""
        self._require(RequestStatus.QUOTED, RequestStatus.ESTIMATED, doing="decline")
        self.closed_reason = reason
        self.status = RequestStatus.DECLINED

    def cancel(self, reason: str, actor: str, cancelled_on: date) -> None:
        """Stop the request before it is completed, on a business day; logged work stays
        recorded. Nothing is left to deliver from then on: work invoiced and not credited is
        earned that day (``cancellation_day``). ``InvalidValue`` naming ``cancelled_on`` when
        it is missing, or ``reason`` when it is no visible text (``refuse_unreadable_reason``);
        a day before the request, its last work, its quote, its PO or its authorization is
        refused (``RuleViolated`` naming ``cancelled_on``, ``DAY_ORDER``: new cancellations
        only)."""
        if cancelled_on is None:
            raise InvalidValue("must be given", field="cancelled_on", aggregate_id=self.id)
        if isinstance(reason, str):
            self._require(*_CANCELLABLE, doing="cancel")
            refuse_unreadable_reason(reason, "reason", self.id)
        self._cancelled(reason, actor, cancelled_on)

    @event("Cancelled")
    def _cancelled(self, reason: str, actor: str, cancelled_on: date | None = None) -> None:
        """The ``Cancelled`` event (``cancel``); ``cancelled_on`` is None only in cancellations
        recorded before q2c kept the day (``cancellation_day`` dates them as recorded)."""
        self._require(*_CANCELLABLE, doing="cancel")
        if not reason.strip():
            raise InvalidValue("must say why", field="reason", value=reason)
        self.closed_reason = reason
        self.cancelled_on = cancelled_on
        self.status = RequestStatus.CANCELLED

    @event("WorkAuthorized")
    def authorize_work(self, authorized_on: date, actor: str, due_on: date | None = None) -> None:
        """Open the request for work: only once a PO or a prepaid allowance covers it."""
        if self.status not in (RequestStatus.PO_RECEIVED, RequestStatus.COVERED_BY_ALLOWANCE):
            why = (
                f"it was authorized on {self.authorized_on} already"
                if self.authorized_on is not None
                else "a PO or a prepaid allowance must cover it first"
            )
            raise WorkNotAuthorized(
                f"cannot authorize work when {self.status.value}: {why}",
                field="status",
                aggregate_id=self.id,
                value=self.status,
            )
        self.authorized_on = authorized_on
        self.due_on = due_on
        self.status = RequestStatus.AUTHORIZED

    # -- work --------------------------------------------------------------------------------

    def takes_work_on(self, day: date) -> bool:
        """Whether work done on ``day`` can be logged as authorized (else it is recorded as
        unauthorized work, a leakage risk to follow up): on an authorized request, done on or
        after the day it was authorized; on a completed one (invoiced or not), a late timesheet
        done from that day to the day it was completed, both included."""
        if self.status in _DONE:
            return (
                self.authorized_on is not None
                and self.completed_on is not None
                and self.authorized_on <= day <= self.completed_on
            )
        return self.status in _OPEN_FOR_WORK and (
            self.authorized_on is None or day >= self.authorized_on
        )

    def log_work(self, entry: TimeEntry, actor: str) -> None:
        """Record authorized work (``_work_logged``), its worker named (``TimeEntry.check_new``)
        and not past 24 hours on its day (``check_day_hours``), nor worth more, with the
        request's other work and expenses, than Money holds (``check_worth``), all checked on
        new entries only; anything but a ``TimeEntry`` is refused (``InvalidValue`` naming
        ``entry``)."""
        require_kind(entry, TimeEntry, "entry", self.id)
        entry.check_new(self.id)
        self.check_day_hours(entry)
        self.check_worth(entry)
        self._work_logged(entry, actor)

    def check_day_hours(self, entry: TimeEntry) -> None:
        """Nobody works more than 24 hours in a day: ``RuleViolated`` naming ``hours`` when the
        entry's worker (a person: ``person_key``) would have more on its day on this request,
        counting every entry recorded on it (authorized or not, billable or not). Checked when
        work is recorded, not when a history is read back, so histories that recorded more
        before still load. Hours on other requests are the commands' to count (a file import
        counts the requests its rows name)."""
        who = person_key(entry.worker)
        done = sum(
            (
                w.entry.hours
                for w in self.work
                if w.entry.work_date == entry.work_date and person_key(w.entry.worker) == who
            ),
            Decimal(0),
        )
        if done + entry.hours > 24:
            raise RuleViolated(
                f"{entry.worker} would have {done + entry.hours} h on {entry.work_date} "
                f"({done} h recorded on this request already): nobody works more than "
                "24 h in a day",
                field="hours",
                aggregate_id=self.id,
                value=entry.hours,
            )

    def check_worth(self, item: TimeEntry | Expense) -> None:
        """Refuse a new time entry or expense (``InvalidValue`` naming ``rate`` or
        ``expense.amount``, nothing recorded) whose worth, or the worth of the request's
        recorded work and expenses of its currency with it (and a fixed price), is beyond
        what Money holds (``MAX_MAGNITUDE``): a rate of 9E13 EUR (an account number pasted in)
        was recorded, and every sum over the request (its unbilled work, its customer's
        summary, its invoice) failed from then on, for good. Checked on new items only."""
        if isinstance(item, TimeEntry):
            field, currency = "rate", item.rate.currency
            worth = abs(item.rate.amount * item.hours)
        else:
            field, currency = "expense.amount", item.amount.currency
            worth = abs(item.amount.amount)
        worth += sum(
            (
                abs(w.entry.rate.amount * w.entry.hours)
                for w in self.work
                if w.entry.rate.currency == currency
            ),
            Decimal(0),
        )
        worth += sum(
            (abs(x.amount.amount) for x in self.expenses if x.amount.currency == currency),
            Decimal(0),
        )
        price = self.estimate.fixed_price if self.estimate is not None else None
        if price is not None and price.currency == currency:
            worth += abs(price.amount)
        # (a unit of room for the rounding of each entry's worth to its currency)
        if worth >= Decimal(10) ** MAX_MAGNITUDE - 1:
            raise InvalidValue(
                f"would bring the work and expenses recorded on the request to {worth} "
                f"{currency}, beyond what an amount holds (less than 1E{MAX_MAGNITUDE}): no "
                "sum of it could be reported or invoiced",
                field=field,
                aggregate_id=self.id,
                value=item.rate if isinstance(item, TimeEntry) else item.amount,
            )

    @event("WorkLogged")
    def _work_logged(self, entry: TimeEntry, actor: str) -> None:
        """Record authorized work. Work on a request nobody authorized is refused, loudly.

        A completed request takes a late timesheet for a day it was authorized for, up to the
        day it was completed (``takes_work_on``; work done later is refused, naming
        ``entry.work_date``): the work was authorized, so it is billed, or drawn on the
        request's allowance, as work logged in time. Billable hours on an invoiced hourly
        request re-open it for billing, as late work imported unauthorized does."""
        if self.status in _DONE:
            if self.completed_on is not None and entry.work_date > self.completed_on:
                raise WorkNotAuthorized(
                    f"{entry.work_date} is after the request was completed "
                    f"({self.completed_on}): a completed request takes late timesheets for "
                    "the days its work was authorized for, up to its completion",
                    field="entry.work_date",
                    aggregate_id=self.id,
                    value=entry.work_date,
                )
        elif self.status not in _OPEN_FOR_WORK:
            raise WorkNotAuthorized(
                f"cannot log work when {self.status.value}; only authorized requests take work "
                "(and completed ones, late timesheets for the days they were authorized for)",
                field="status",
                aggregate_id=self.id,
                value=self.status,
            )
        self._check_currency(entry.rate, "rate")
        self._check_new_item_id(entry.entry_id)
        self.work.append(LoggedWork(entry, authorized=True))
        self._billable_again_for(entry)

    def record_unauthorized_work(
        self, entry: TimeEntry, source: str, actor: str, currency: str | None = None
    ) -> None:
        """Keep work imported for an unauthorized request (``_unauthorized_work_recorded``), its
        worker named (``TimeEntry.check_new``) and rated in the currency the request is billed
        in (``billing_currency``; ``currency``, the customer's, when it has neither an estimate
        nor work yet), as logged work is: ``CurrencyMismatch`` naming ``entry.rate`` otherwise,
        nothing recorded. Both are checked on new entries only, so histories that recorded
        such work before still load. Anything but a ``TimeEntry`` is refused (``InvalidValue``
        naming ``entry``), and a source that is no visible text (``check_source``)."""
        require_kind(entry, TimeEntry, "entry", self.id)
        self.check_source(source)
        entry.check_new(self.id)
        self.check_day_hours(entry)
        self.check_worth(entry)
        expected = self.billing_currency() or currency
        if expected is not None and entry.rate.currency != expected:
            raise CurrencyMismatch(
                f"work rated in {entry.rate.currency} on a request billed in {expected}",
                field="entry.rate",
                aggregate_id=self.id,
                value=entry.rate,
            )
        self._unauthorized_work_recorded(entry, source, actor)

    def check_source(self, source: str) -> None:
        """Work imported from outside names the system it came from in visible text
        (``InvalidValue`` naming ``source``): unauthorized work is followed up there. A
        source that is no text (None from an empty setting) is refused alike, whether the
        work is logged or kept as unauthorized."""
        if not isinstance(source, str):
            raise InvalidValue(
                f"must be text (the system the work came from), not {type(source).__name__}",
                field="source",
                aggregate_id=self.id,
                value=source,
            )
        if not person_key(source):
            raise InvalidValue(
                "must name the system the work came from (not only spaces or invisible "
                "characters): unauthorized work is followed up there",
                field="source",
                aggregate_id=self.id,
                value=source,
            )

    def billing_currency(self) -> str | None:
        """The currency the request is billed in: its estimate's, else that of the first work
        recorded on it; None before either."""
        if self.currency is not None:
            return self.currency
        return self.work[0].entry.rate.currency if self.work else None

    @event("UnauthorizedWorkRecorded")
    def _unauthorized_work_recorded(self, entry: TimeEntry, source: str, actor: str) -> None:
        """Keep work imported from outside for an unauthorized request: flagged, never dropped.

        Work that turns up after an hourly request was invoiced re-opens it for billing (it goes
        back to completed), so the late hours are billed instead of hiding behind "invoiced". A
        fixed price is billed once: late hours on it stay visible as unbilled hours, to follow up.
        """
        self._check_new_item_id(entry.entry_id)
        self.work.append(LoggedWork(entry, authorized=False, source=source))
        self._billable_again_for(entry)

    def _billable_again_for(self, entry: TimeEntry) -> None:
        """Billable hours recorded on an invoiced hourly request re-open it for billing (it goes
        back to completed); a fixed price is billed once, so late hours on it change nothing."""
        hourly = self.estimate is not None and not self.estimate.is_fixed_price
        if entry.billable and hourly and self.status is RequestStatus.INVOICED:
            self.status = RequestStatus.COMPLETED

    def log_expense(self, expense: Expense, actor: str) -> None:
        """Record an expense incurred for authorized work: named by an id (``InvalidValue``
        naming ``expense.expense_id`` when blank), described in visible text (``InvalidValue``
        naming ``expense.description``: its invoice line is named by it), of whole minor
        units of its currency (``InvalidValue`` naming ``expense.amount``: a cost of 45.005 EUR
        would be re-billed as 45.01, more than it cost, while the reports of unbilled work read
        45.005), incurred no
        earlier than the work was authorized (``DAY_ORDER``). Checked on new expenses only, so
        histories recorded before still load. A completed request (invoiced or not) takes a
        late receipt, as it takes a late timesheet, for a day its work was authorized for
        (``_expense_logged``). One that would bring the request's work and expenses beyond
        what Money holds is refused (``check_worth``). Anything but an ``Expense`` is refused
        (``InvalidValue`` naming ``expense``)."""
        self._require(*_OPEN_FOR_WORK, *_DONE, doing="log an expense")
        require_kind(expense, Expense, "expense", self.id)
        item_id = expense.expense_id
        if isinstance(item_id, str) and not item_id.strip():
            raise InvalidValue(
                "must not be empty", field="expense.expense_id", aggregate_id=self.id, value=item_id
            )
        description = expense.description
        if isinstance(description, str) and not person_key(description):
            raise InvalidValue(
                "must say what the cost was, in visible text (not empty, nor only spaces or "
                "invisible characters): the invoice line re-billing it is named by it",
                field="expense.description",
                aggregate_id=self.id,
                value=description,
            )
        amount = expense.amount
        if not amount.is_rounded():
            raise InvalidValue(
                f"must be whole minor units of {amount.currency} (a cost is re-billed as it was "
                f"incurred, and no invoice line can bill {amount.amount})",
                field="expense.amount",
                aggregate_id=self.id,
                value=amount,
            )
        self.check_worth(expense)
        self._expense_logged(expense, actor)

    @event("ExpenseLogged")
    def _expense_logged(self, expense: Expense, actor: str) -> None:
        """The ``ExpenseLogged`` event (``log_expense``, which checks the expense's id).

        A completed request takes a late receipt for a cost incurred from the day its work was
        authorized to the day it was completed (one incurred later is refused, naming
        ``expense.incurred_on``): the cost was agreed, so it is re-billed. A billable one on
        an invoiced request re-opens it for billing (it goes back to completed) until an
        invoice bills it, as billable late hours do."""
        self._require(*_OPEN_FOR_WORK, *_DONE, doing="log an expense")
        done_on = self.completed_on if self.status in _DONE else None
        if done_on is not None and expense.incurred_on > done_on:
            raise WorkNotAuthorized(
                f"{expense.incurred_on} is after the request was completed ({done_on}): a "
                "completed request takes late receipts for the days its work was authorized "
                "for, up to its completion",
                field="expense.incurred_on",
                aggregate_id=self.id,
                value=expense.incurred_on,
            )
        self._check_currency(expense.amount, "expense.amount")
        self._check_new_item_id(expense.expense_id, "expense.expense_id")
        self.expenses.append(expense)
        if expense.billable and self.status is RequestStatus.INVOICED:
            self.status = RequestStatus.COMPLETED

    def _check_currency(self, amount: Money, field: str) -> None:
        if self.currency is not None and amount.currency != self.currency:
            raise CurrencyMismatch(
                f"{amount.currency} on a request estimated in {self.currency}",
                field=field,
                aggregate_id=self.id,
            )

    @event("Completed")
    def complete(self, completed_on: date, actor: str, all_billed: bool = False) -> None:
        """The work is done. ``all_billed``: invoices bill everything billable on it already
        (progress billing of its hours, a fixed price billed by a hand-made invoice), so it is
        invoiced from now on, as when the invoice billing the last of it is drafted after its
        completion (``QuoteToCash.complete_request`` tells, as it tells ``record_invoiced``).
        False in completions recorded before it was kept: they replay as completed."""
        self._require(RequestStatus.AUTHORIZED, doing="complete")
        self.completed_on = completed_on
        self.status = RequestStatus.INVOICED if all_billed else RequestStatus.COMPLETED

    # -- billing -----------------------------------------------------------------------------

    def record_invoiced(
        self, invoice_id: UUID, item_ids: list[str], all_billed: bool, actor: str
    ) -> None:
        """An invoice draft now bills these items; the request is invoiced once all are. The
        fixed price is billed only when the fixed-price item is among them (``price_marked``).
        A time entry withdrawn (``withdraw_work``) is billed never: its id stays taken, yet an
        invoice naming it is refused (``RuleViolated`` naming ``item_ids``), as one naming no
        item of the request is. So is the fixed price of a cancelled request: from its
        cancellation day on the price is owed as its hours, up to the price
        (``QuoteToCash.draft_request_invoice`` bills them), so a line billing the price (by
        hand) would bill it on top of them; a price billed before the cancellation stays
        billed. Checked on new invoices only, so histories still load."""
        if self.status is RequestStatus.CANCELLED and FIXED_PRICE_ITEM in item_ids:
            raise RuleViolated(
                f"the request was cancelled (on {self.cancelled_on}): a cancelled fixed-price "
                "request is billed its hours up to the price, not the price "
                "(draft_request_invoice bills them)",
                field="item_ids",
                aggregate_id=self.id,
                value=FIXED_PRICE_ITEM,
            )
        for item_id in item_ids:
            gone = self.withdrawal_of(item_id) if isinstance(item_id, str) else None
            if gone is not None:
                raise RuleViolated(
                    f"time entry {item_id!r} was withdrawn as logged in error ({gone.reason}): "
                    "it was never work done, and is billed never",
                    field="item_ids",
                    aggregate_id=self.id,
                    value=item_id,
                )
        self._work_invoiced(invoice_id, item_ids, all_billed, actor, price_marked=True)

    @event("WorkInvoiced")
    def _work_invoiced(
        self,
        invoice_id: UUID,
        item_ids: list[str],
        all_billed: bool,
        actor: str,
        price_marked: bool = False,
    ) -> None:
        """The ``WorkInvoiced`` event (``record_invoiced``). ``price_marked`` is False only in
        events recorded before it was kept: then the fixed price was billed through the time
        entries the event names (the request's invoice billed them with the price; a line
        billed no entry of a fixed-price request by hand), so those entries bill the price
        (``price_billed_by_entries``), as they did when recorded."""
        known = self.item_ids()
        for item_id in item_ids:
            if item_id not in known:
                raise RuleViolated(
                    f"no item {item_id!r} on this request",
                    field="item_ids",
                    aggregate_id=self.id,
                    value=item_id,
                )
            if item_id in self.billed:
                raise DuplicateEntry(
                    f"{item_id!r} is already billed by invoice {self.billed[item_id]}",
                    field="item_ids",
                    aggregate_id=self.id,
                    value=item_id,
                )
        for item_id in item_ids:
            self.billed[item_id] = invoice_id.hex
        entries = {w.entry.entry_id for w in self.work}
        before = self.price_billed_by_entries or {}
        by_entries = {k: v for k, v in before.items() if k not in item_ids}
        fixed = self.estimate is not None and self.estimate.is_fixed_price
        if fixed and not price_marked and FIXED_PRICE_ITEM not in item_ids:
            by_entries.update((i, invoice_id.hex) for i in item_ids if i in entries)
        if by_entries != before:
            self.price_billed_by_entries = by_entries or None
        if all_billed and self.status is RequestStatus.COMPLETED:
            self.status = RequestStatus.INVOICED

    @event("WorkReleased")
    def release_work(self, invoice_id: UUID, item_ids: list[str], reason: str, actor: str) -> None:
        """Items billed by a voided invoice, or credited as re-billable, are unbilled again.

        No items when what comes back is allowance overage (billed on the allowance, not here):
        the release still makes an invoiced request billable again (``release_overage``).
        """
        for item_id in item_ids:
            if self.billed.get(item_id) != invoice_id.hex:
                raise RuleViolated(
                    f"{item_id!r} is not billed by invoice {invoice_id}",
                    field="item_ids",
                    aggregate_id=self.id,
                    value=item_id,
                )
        for item_id in item_ids:
            del self.billed[item_id]
        if self.status is RequestStatus.INVOICED:
            self.status = RequestStatus.COMPLETED

    def release_overage(self, invoice_id: UUID, reason: str, actor: str) -> None:
        """The request's allowance overage that an invoice billed is unbilled again (the invoice
        voided, or credited as re-billable): an invoiced request is billable again, exactly as
        when its own work is released, so the overage can be invoiced once more. Nothing is
        recorded when the request was not invoiced: it is billable as it stands."""
        if self.status is RequestStatus.INVOICED:
            self.release_work(invoice_id, [], reason, actor)

    @event("WorkWrittenOff")
    def write_off_work(self, credit_note_id: UUID, item_ids: list[str], actor: str) -> None:
        """Invoiced items credited for good: they stay invoiced, and credited."""
        self._credit_for_good(credit_note_id, item_ids, "it cannot be written off")

    @event("WorkConceded")
    def concede_work(self, credit_note_id: UUID, item_ids: list[str], actor: str) -> None:
        """Invoiced items whose price a credit note conceded (``CORRECTED``): like a write-off
        they stay invoiced, and credited, so they are never billed again; but the charge no
        longer applies (revenue reversed, no credit loss), and the history says so in its
        own words rather than as a write-off."""
        self._credit_for_good(credit_note_id, item_ids, "its price cannot be conceded")

    def _credit_for_good(self, credit_note_id: UUID, item_ids: list[str], refusal: str) -> None:
        """Mark invoiced items credited by a note, never to be billed again (a write-off or a
        concession); an item never invoiced is refused (``RuleViolated`` naming ``item_ids``)."""
        for item_id in item_ids:
            if item_id not in self.billed:
                raise RuleViolated(
                    f"{item_id!r} was never invoiced, so {refusal}",
                    field="item_ids",
                    aggregate_id=self.id,
                    value=item_id,
                )
        for item_id in item_ids:
            self.written_off[item_id] = credit_note_id.hex


def cancellation_day(event: Any) -> date:
    """The business day of a ``Cancelled`` event; one recorded before cancellations carried it
    (no ``cancelled_on``) is dated by the day it was recorded (its timestamp's date, UTC)."""
    day: date | None = getattr(event, "cancelled_on", None)
    return day if day is not None else event.timestamp.date()
