"""Maintenance contracts: a master contract and its sub-contracts (products, licences, sites).

Sub-contracts come and go during the term, each change an event with its effective date, so a
billing run can compute every period's charge, prorated, from the history alone.
"""

from __future__ import annotations

import calendar
import enum
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import MAXYEAR, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeGuard
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.billing_records import (
    BilledCorrection,
    BilledPeriod,
    SupersededDays,
    period_key,
)
from q2c_core.domain.customer import Customer, payment_terms_change
from q2c_core.domain.errors import (
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    Q2CError,
    RuleViolated,
)
from q2c_core.domain.event_facts import ChecksFacts, NotBefore, checked_value
from q2c_core.domain.managers import (
    ManagerFrom,
    check_handover,
    follow_handovers,
    handed_over,
    managed_since,
    manager_on,
)
from q2c_core.domain.money import Money, minor_units
from q2c_core.domain.tax import ZERO_RATED, TaxRate, require_tax_rate
from q2c_core.domain.values import Period, TimeOrderedIds, person_key, require_day

# A contract term's (exclusive) end is at most this day, so its last day is in the year 2999 at
# the latest: renewals and billing periods are counted past a term's end, and Python's calendar
# stops at the year 9999 (the imports refuse later years too).
LATEST_TERM_END = date(3000, 1, 1)


class BillingFrequency(enum.Enum):
    """How often the contract is billed."""

    MONTHLY = 1
    QUARTERLY = 3
    ANNUAL = 12

    @property
    def months(self) -> int:
        """Months in one billing period."""
        return int(self._value_)


class BillingTiming(enum.Enum):
    """Bill at the start of the period, or after it."""

    IN_ADVANCE = "in_advance"
    IN_ARREARS = "in_arrears"


class PeriodAlignment(enum.Enum):
    """Periods start on the contract's anniversary, or on calendar months."""

    ANNIVERSARY = "anniversary"
    CALENDAR = "calendar"


class DayCount(enum.Enum):
    """The day-count convention used to prorate part periods."""

    ACTUAL = "actual"
    THIRTY_360 = "30/360"


class ContractStatus(enum.Enum):
    """Lifecycle of a master contract."""

    SIGNED = "signed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    EXPIRED = "expired"


class SubContractKind(enum.Enum):
    """What a sub-contract maintains."""

    PRODUCT = "product"
    LICENCE = "licence"
    SITE = "site"
    SERVICE = "service"


@checked_value
@attrs.frozen
class PricePoint:
    """An annual price that applies from a date on."""

    effective: date
    annual_price: Money


def _plain_day(value: object) -> TypeGuard[date]:
    """A business day (a date, not a datetime): what a sub-contract's days compare as."""
    return isinstance(value, date) and not isinstance(value, datetime)


def _price_points(value: Iterable[PricePoint]) -> tuple[PricePoint, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValue("must be a list of PricePoints", field="prices", value=value)
    return tuple(value)


@checked_value
@attrs.frozen
class SubContract:
    """One maintained product, licence or site, with its price history and dates."""

    sub_id: str
    description: str
    kind: SubContractKind
    effective_from: date
    prices: tuple[PricePoint, ...] = attrs.field(converter=_price_points)
    effective_to: date | None = None
    reassigned_from: UUID | None = None
    reassigned_to: UUID | None = None
    moved_from: MovedFrom | None = None

    def __attrs_post_init__(self) -> None:
        # (these run when a stored sub-contract is read back too: the checks of a new one's
        # types are made on the way in, ``check_sub_contract``, so old histories still load)
        if not isinstance(self.sub_id, str) or not self.sub_id.strip():
            raise InvalidValue("must be text, not empty", field="sub_id", value=self.sub_id)
        if not self.prices:
            raise InvalidValue("needs a price", field="prices", value=self.sub_id)
        # (days and prices of another type are left to ``check_sub_contract``, which names
        # the field: comparing them here stopped on a bare TypeError or AttributeError)
        # (an end on its start is one removed from its first day, ``remove_sub_contract``: it
        # covers no day; a new one of no days is refused on the way in, ``check_sub_contract``)
        if (
            _plain_day(self.effective_to)
            and _plain_day(self.effective_from)
            and self.effective_to < self.effective_from
        ):
            raise InvalidValue(
                "must be after effective_from", field="effective_to", value=self.sub_id
            )
        for p in self.prices:
            price = getattr(p, "annual_price", None)
            if isinstance(price, Money) and price.is_negative():
                raise InvalidValue("must not be negative", field="annual_price", value=self.sub_id)

    def price_on(self, day: date) -> Money:
        """The annual price in force on a day: the price point with the latest effective date
        on or before it, of two on one date the one recorded last. The order the points were
        recorded in never matters otherwise (a step-up agreed for June stays in force from June
        when a March price is recorded after it). Before the earliest point, that point's price.
        """
        prices = self.prices
        if len(prices) == 1:
            return prices[0].annual_price
        found: PricePoint | None = None
        for p in prices:
            if p.effective <= day and (found is None or p.effective >= found.effective):
                found = p
        if found is None:
            return self.price_on(min(p.effective for p in prices))
        return found.annual_price

    def renewed(
        self, old_end: date, new_price: Money | None, uplift_percent: Decimal | None
    ) -> SubContract:
        """This sub-contract once its contract's term is renewed at ``old_end`` (the first day
        of the new term). One rule for the aggregate and for the read side that foresees
        renewals:

        - ``new_price`` (a price agreed in the renewal) applies from the new term's first day,
          or from the sub-contract's own start when that is later; it is recorded also for one
          that ends by ``old_end``, so that covering it again later (``extend_sub_contract``,
          a removal undone) bills the agreed price, as when it is extended before the renewal;
        - ``uplift_percent`` raises the price in force on the old term's last day, rounded, from
          the new term's first day, and only for a sub-contract covered on that last day: one
          that starts in the new term was priced for it, and a price point already recorded for
          the new term's first day is kept as agreed (never uplifted again);
        - price points recorded for later dates stay in force from their dates;
        - otherwise unchanged when it ends by ``old_end``, or neither is given.

        A new point is always appended last (the read side relies on it).
        """
        if new_price is not None:
            start = max(old_end, self.effective_from)
            return attrs.evolve(self, prices=(*self.prices, PricePoint(start, new_price)))
        if uplift_percent is None or (
            self.effective_to is not None and self.effective_to <= old_end
        ):
            return self
        last_day = date.fromordinal(old_end.toordinal() - 1)
        if self.effective_from > last_day or any(p.effective == old_end for p in self.prices):
            return self
        price = (self.price_on(last_day) * (1 + uplift_percent / 100)).rounded()
        return attrs.evolve(self, prices=(*self.prices, PricePoint(old_end, price)))

    @property
    def active_period(self) -> Period | None:
        """The days it is covered, when it has an end; open-ended otherwise."""
        return Period(self.effective_from, self.effective_to) if self.effective_to else None

    def is_active_on(self, day: date) -> bool:
        """Covered on that day."""
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


@attrs.frozen
class MovedFrom:
    """What a re-assigned sub-contract's source contract charges in the period of the move.

    Carried on the sub-contract the receiving contract takes over, so the receiving contract bills
    the running-total remainder of that period: the whole period's charge, rounded once, less
    what the source contract charges for its own days (``billing.charge_period``). Both halves
    then add up to the single-contract charge, to the cent. ``sub`` is the sub-contract as it
    ends on the source contract (possibly itself moved there within the same period), ``period``
    the source's billing period that contains the move day, and ``term``, ``frequency`` and
    ``day_count`` the source contract's; the rule applies only when the receiving contract bills
    that same period under the same frequency and day count.
    """

    sub: SubContract
    period: Period
    term: Period
    frequency: BillingFrequency
    day_count: DayCount


@attrs.frozen
class StatusChange:
    """A lifecycle change with its business date and reason."""

    status: ContractStatus
    effective: date
    reason: str
    actor: str


@attrs.frozen
class ContractTaxRateFrom:
    """The tax rate of a contract's billing periods whose first day (their tax point) is on or
    after ``effective`` (``Contract.change_tax_rate``): a new VAT rate, or the customer now
    reverse-charged or exempt. A period keeps the rate in force on its first day, whatever
    changes in its middle."""

    effective: date
    tax_rate: TaxRate


@attrs.frozen
class ContractPaymentTermsFrom:
    """The payment terms (days from issue to due) of a contract's invoices drafted on or after
    ``effective`` (``Contract.change_payment_terms``): terms renegotiated without signing the
    contract again. Invoices drafted before keep theirs."""

    effective: date
    payment_terms_days: int


# a contract's settings and what each must be: every billing run reads them, so one recorded
# as text ("monthly") would stop every run for good, or ("actual") prorate by the wrong rule
# (its payment terms come from its customer, checked when the customer is registered)
_SETTINGS: dict[str, type] = {
    "term": Period,
    "frequency": BillingFrequency,
    "timing": BillingTiming,
    "alignment": PeriodAlignment,
    "day_count": DayCount,
    "auto_renew": bool,
}


def check_sub_contract(sub: Any, field: str = "sub_contract") -> None:
    """A sub-contract given to a command, or ``InvalidValue`` naming the field: its kind a
    ``SubContractKind``, its days business days, its prices ``PricePoint``s of ``Money`` (a
    datetime price date was recorded once and broke every later billing run of its contract).
    Checked on the way in only, so a history recorded before these checks still loads."""
    if not isinstance(sub, SubContract):
        raise InvalidValue(f"must be a SubContract, not {type(sub).__name__}", field=field)
    # (its id and description are printed on every line billing it: one line, showing something)
    check_visible_line(sub.sub_id, f"{field}.sub_id")
    check_visible_line(sub.description, f"{field}.description")
    if not isinstance(sub.kind, SubContractKind):
        raise InvalidValue("must be a SubContractKind", field=f"{field}.kind", value=sub.kind)
    require_day(sub.effective_from, f"{field}.effective_from")
    if sub.effective_to is not None:
        require_day(sub.effective_to, f"{field}.effective_to")
        if sub.effective_to <= sub.effective_from:
            # (one that ends on its start covers no day: only a removal from its first day
            # ends one so, keeping that it was added)
            raise InvalidValue(
                "must be after effective_from: a sub-contract covers at least one day",
                field=f"{field}.effective_to",
                value=sub.effective_to,
            )
    # a new sub-contract did not move: these are written by ``reassign_sub_contract`` only (one
    # copied from another contract's state carried that move's remainder, or could be neither
    # removed nor re-priced here, "it moved to contract ...")
    for moved in ("reassigned_from", "reassigned_to", "moved_from"):
        if getattr(sub, moved) is not None:
            raise InvalidValue(
                "is set by reassign_sub_contract only: a sub-contract added or signed is a new "
                "one (to move one, reassign it)",
                field=f"{field}.{moved}",
                value=sub.sub_id,
            )
    for point in sub.prices:
        if not isinstance(point, PricePoint):
            raise InvalidValue("must be PricePoints", field=f"{field}.prices", value=point)
        require_day(point.effective, f"{field}.prices.effective")
        if not isinstance(point.annual_price, Money):
            raise InvalidValue(
                "must be Money", field=f"{field}.prices.annual_price", value=point.annual_price
            )


# what breaks a contract number across lines or cells: line breaks, and the tab and the other
# control characters of spacing (a spreadsheet cell of two lines, or two cells, pasted)
_NOT_IN_A_NUMBER = frozenset("\n\r\t\v\f\x1c\x1d\x1e\x1f\x85\u2028\u2029")


def check_visible_line(number: Any, field: str = "number") -> None:
    """Text every document prints is one line of visible text, or ``InvalidValue`` naming
    ``field``: a new contract's number (every invoice line, document, report row and export
    prints it, and the imports find the contract by it), a sub-contract's id and description
    (printed on every line billing it). A line break or a tab (a spreadsheet cell of two lines,
    or two cells, pasted) breaks those across lines; spaces or invisible characters only (a
    zero-width space pasted from a chat) name it by nothing. Checked on the way in only
    (histories recorded before still load); what is no text is refused by its own check."""
    if not isinstance(number, str):
        return
    found = next((c for c in number if c in _NOT_IN_A_NUMBER), None)
    if found is not None:
        raise InvalidValue(
            f"must be one line of text, without line breaks or tabs ({found!r} at "
            f"{number.index(found)})",
            field=field,
            value=number,
        )
    if number.strip() and not person_key(number):
        raise InvalidValue(
            "must show something: not spaces or invisible characters only",
            field=field,
            value=number,
        )


def _check_settings(facts: dict[str, Any]) -> None:
    """Refuse a new contract's setting of the wrong type, naming it (before anything exists)."""
    for name, kind in _SETTINGS.items():
        # (None too: the run reads every setting of every contract, a None timing, alignment
        # or day count stopped every later run, or prorated a day count of None by 30E/360)
        if name not in facts:
            continue
        value = facts[name]
        if not isinstance(value, kind):
            raise InvalidValue(
                f"must be {kind.__name__}, not {type(value).__name__}", field=name, value=value
            )
    subs = facts.get("sub_contracts")
    if subs is not None:
        if not isinstance(subs, list | tuple):
            raise InvalidValue("must be a list of SubContracts", field="sub_contracts")
        for sub in subs:
            check_sub_contract(sub, "sub_contracts")


# the events that take effect on a business day of their own, their ``effective``
# (``Contract.as_it_stood_on``): the lifecycle changes of a contract and its renewals (a
# termination counts from the day notice was given, its ``noticed_on``)
_DATED_EVENTS = frozenset(("Activated", "Suspended", "Reactivated", "Renewed", "Expired"))

# the sub-contract changes, by the first day each takes effect (``Contract.as_it_stood_on``): a
# sub-contract added or moved in from its first day, a removal from the first day no longer
# covered, a re-price from its new price's day, a move away from the day it moves (the day its
# other half, moved in, starts on the contract it goes to)
_SUB_CONTRACT_DAYS: dict[str, Callable[[Any], date]] = {
    "SubContractAdded": lambda e: e.sub_contract.effective_from,
    "SubContractReassignedHere": lambda e: e.sub_contract.effective_from,
    "SubContractRemoved": lambda e: e.effective_to,
    "SubContractRepriced": lambda e: e.effective,
    "SubContractReassignedAway": lambda e: e.effective,
}

_LIVE = (ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.SUSPENDED)
# the statuses in which the billing run renews an evergreen (auto-renew) contract
_RENEWED = (ContractStatus.ACTIVE, ContractStatus.SUSPENDED)


class Contract(ChecksFacts, TimeOrderedIds, Aggregate):
    """A master maintenance contract with its sub-contracts."""

    # the first day of each term renewed with an uplift, in order (``extend_sub_contract``'s
    # rule); None when not known: a snapshot taken before it was kept (the application reads
    # it from the contract's events then, ``renewals_with_uplift``)
    renewed_on: Sequence[date] | None = None
    # each of those renewals' uplift percentage, in the same order (None when not known, as
    # ``renewed_on``): a price recorded later for days before a renewal goes up by it too
    renewal_uplifts: Sequence[Decimal] | None = None
    # by sub-contract, the renewal days whose price its renewal's uplift set (not a price agreed
    # for the new term): only those follow a later re-price of the days before (None when not
    # known: a snapshot taken before it was kept; the application replays the events then)
    uplifted_on: dict[str, list[date]] | None = None
    # by period key, for periods billed before their end (the term ended in their middle):
    # the day their covered days ran to when billed, then after each correction (one entry
    # per basis, so a voided correction rolls back with its basis); None in a snapshot taken
    # before it was kept (the application reads it from the events then)
    billed_through: dict[str, list[date]] | None = None
    # the changes of its tax rate, in the order recorded, each from its day on
    # (``change_tax_rate``): empty until the first, and in a snapshot taken before a contract's
    # rate could change; ``tax_rate`` stays the rate it was signed with, ``tax_rate_on(day)``
    # is a period's (by its first day)
    tax_rates: Sequence[ContractTaxRateFrom] = ()
    # the changes of its payment terms, in the order recorded, each for the invoices drafted
    # from its day on (``change_payment_terms``): empty until the first, and in a snapshot
    # taken before a contract's terms could change; ``payment_terms_days`` stays the terms it
    # was signed with, ``payment_terms_on(day)`` is an invoice's (by its drafting day)
    payment_terms_changes: Sequence[ContractPaymentTermsFrom] = ()
    # its account managers by the day each took over, the first as signed (from ``date.min``):
    # empty until the first handover (and in a snapshot taken before handovers existed);
    # ``account_manager`` is the last, ``manager_on(day)`` an invoice's (by its drafting day)
    managers: Sequence[ManagerFrom] = ()
    # on a copy as it stood on a day before an expiry recorded ahead took effect
    # (``as_it_stood_on``): that expiry's day, past which the term does not renew
    # (``renews_automatically``); None on every contract loaded to change or bill
    expires_on: date | None = None

    # a suspension or reactivation no earlier than the change before it (a suspension dated
    # before a later reactivation would read as the last word). An activation may come before
    # the signing day (signed on the 15th for a term from the 1st), and a termination may be
    # dated back (the run credits the days after it; its notice day is not before the signing,
    # checked by ``terminate`` before an evergreen term is renewed up to it). A change of the
    # tax rate is no earlier than the last one (one dated before it would be overruled by it).
    DAY_ORDER: ClassVar[Mapping[str, tuple[NotBefore, ...]]] = {
        **{
            name: (NotBefore("effective", "status_since", "the last status change"),)
            for name in ("Suspended", "Reactivated")
        },
        "TaxRateChanged": (
            NotBefore("effective", "tax_rate_since", "the last change of its tax rate"),
        ),
        "PaymentTermsChanged": (
            NotBefore("effective", "payment_terms_since", "the last change of its payment terms"),
        ),
        # handed over no earlier than it was signed, nor before its last handover
        "ContractHandedOver": (
            NotBefore("effective_on", "signed_on", "the contract was signed"),
            NotBefore("effective_on", "managed_since", "the last handover"),
        ),
    }

    @classmethod
    def _create(cls, event_class: type, **kwargs: Any) -> Any:
        """A new contract's renewal uplift is refused when signed, not years later when the
        run renews it (``renew``'s rule), and so is a tax rate that is no ``TaxRate`` or is
        standard at 0 % (``require_tax_rate``: no invoice line, or no e-invoice, carries it; a
        contract signed without one is ``ZERO_RATED``); checked for new contracts only, so a
        history signed before these rules still loads. So is a number that is not one line of
        visible text (``check_visible_line``)."""
        uplift = kwargs.get("renewal_uplift_percent")
        if isinstance(uplift, Decimal) and uplift < -100:
            raise InvalidValue(
                "cannot cut a price below zero", field="renewal_uplift_percent", value=uplift
            )
        _check_settings(kwargs)
        check_visible_line(kwargs.get("number"))
        term = kwargs.get("term")
        if isinstance(term, Period) and type(term.end) is date and term.end > LATEST_TERM_END:
            raise InvalidValue(
                "must end by the year 2999 (its renewals and billing periods are counted "
                "past its end, and the calendar stops at the year 9999)",
                field="term",
                value=term,
            )
        # (its customer's: one recorded before registrations checked it could never bill)
        given = kwargs.get("tax_rate")
        kwargs["tax_rate"] = require_tax_rate(ZERO_RATED if given is None else given, "tax_rate")
        return super()._create(event_class, **kwargs)

    @event("ContractSigned")
    def __init__(
        self,
        customer_id: UUID,
        number: str,
        currency: str,
        term: Period,
        frequency: BillingFrequency,
        signed_on: date,
        actor: str,
        timing: BillingTiming = BillingTiming.IN_ADVANCE,
        alignment: PeriodAlignment = PeriodAlignment.ANNIVERSARY,
        day_count: DayCount = DayCount.ACTUAL,
        auto_renew: bool = False,
        account_manager: str = "",
        tax_rate: TaxRate | None = None,
        payment_terms_days: int = 30,
        renewal_uplift_percent: Decimal | None = None,
        sub_contracts: list[SubContract] | None = None,
    ) -> None:
        """Sign the contract, with the sub-contracts signed with it (one fact, one event)."""
        if not number.strip():
            raise InvalidValue("must not be empty", field="number")
        if term.days <= 0:
            raise InvalidValue("must last at least a day", field="term", value=term)
        minor_units(currency)  # an ISO 4217 code, or InvalidValue
        self.customer_id = customer_id
        self.number = number
        self.currency = currency
        self.term = term
        self.frequency = frequency
        self.timing = timing
        self.alignment = alignment
        self.day_count = day_count
        self.auto_renew = auto_renew
        self.account_manager = account_manager
        self.tax_rate = tax_rate or TaxRate.standard(Decimal(0))
        self.payment_terms_days = payment_terms_days
        self.signed_on = signed_on
        self.status = ContractStatus.SIGNED
        self.history: list[StatusChange] = [
            StatusChange(ContractStatus.SIGNED, signed_on, "signed", actor)
        ]
        self.sub_contracts: dict[str, SubContract] = {}
        for sub in sub_contracts or ():
            self._check_new_sub(sub)
            self.sub_contracts[sub.sub_id] = sub
        # evergreen renewal: by the signed term's own length, with an optional uplift
        self.renewal_uplift_percent = renewal_uplift_percent
        self.renewal_months = _whole_months(term.start, term.end)
        self.renewal_days = term.days
        # billing: periods billed (by period key), documents drafted by billing runs, and a
        # revision counter of billing-relevant changes so a run re-checks billed periods only
        # when something changed since it last looked
        self.billed: dict[str, BilledPeriod] = {}
        self.documents: list[UUID] = []
        self.revision = 0
        self.reconciled_revision = 0
        self.renewed_on = []
        self.renewal_uplifts = []
        self.uplifted_on = {}
        self.billed_through = {}

    # -- helpers ---------------------------------------------------------------------------------

    def _require(self, *statuses: ContractStatus, doing: str) -> None:
        if self.status not in statuses:
            raise InvalidTransition(
                f"cannot {doing} when {self.status.value}",
                field="status",
                aggregate_id=self.id,
                value=self.status,
            )

    def _require_correctable(self, doing: str) -> None:
        """Live, or ended (terminated or expired) after it served: the days it served stay
        billed, so a change to them found after the end (a removal, a re-price, an extension
        up to the end) is recorded, and the next run credits or bills exactly those days. One
        that never served billed nothing, and is refused as the other statuses are."""
        ended = self.status in (ContractStatus.TERMINATED, ContractStatus.EXPIRED)
        if not (ended and not self.never_served):
            self._require(*_LIVE, doing=doing)

    def _refuse_past_end(self, day: date | None, field: str, what: str, *, on_end: bool) -> None:
        """``InvalidValue`` naming ``field`` when the contract has ended (terminated or
        expired) and ``day`` (None: open-ended) is past its term's end (its first day not
        served; that very day too with ``on_end``): ``what`` would change it after its end."""
        if self.status not in (ContractStatus.TERMINATED, ContractStatus.EXPIRED):
            return
        end = self.term.end
        if day is None or day > end or (on_end and day == end):
            raise InvalidValue(
                f"the contract ended on {end}: {what}",
                field=field,
                aggregate_id=self.id,
                value=day,
            )

    def _sub(self, sub_id: str) -> SubContract:
        if not isinstance(sub_id, str):
            # (a list or set handed by an integration is no key: not a bare TypeError)
            raise InvalidValue(
                f"must be text, not {type(sub_id).__name__}",
                field="sub_id",
                aggregate_id=self.id,
                value=sub_id,
            )
        try:
            return self.sub_contracts[sub_id]
        except KeyError:
            raise RuleViolated(
                f"no sub-contract {sub_id!r}", field="sub_id", aggregate_id=self.id, value=sub_id
            ) from None

    def _change(self, status: ContractStatus, effective: date, reason: str, actor: str) -> None:
        self.status = status
        self.history.append(StatusChange(status, effective, reason, actor))

    @property
    def status_since(self) -> date | None:
        """The day the current status took effect (the last change's)."""
        return self.history[-1].effective if self.history else None

    @property
    def was_activated(self) -> bool:
        """Whether an activation was recorded (``activated_on``; ``is_served_by`` says whether
        its day has come)."""
        return any(h.status is ContractStatus.ACTIVE for h in self.history)

    @property
    def activated_on(self) -> date | None:
        """The go-live day: the first activation's effective day (None: never activated)."""
        return next((h.effective for h in self.history if h.status is ContractStatus.ACTIVE), None)

    def is_served_by(self, day: date) -> bool:
        """Whether the service has started by ``day``: only then is the contract billed, also
        once it is terminated or expired. One activated with a go-live still to come is not
        billed before that day, and one ended (terminated or expired) on or before its go-live
        was never served and bills nothing: what a run billed before the ending was recorded (a
        termination dated back) is all credited by the next run. A live contract whose go-live
        came after its (first) term ended is served all the same: the run bills the term as
        signed, an evergreen one renewed as every evergreen term is."""
        on = self.activated_on
        return on is not None and on <= day and not self.never_served

    @property
    def never_served(self) -> bool:
        """Whether the service never started: not activated, or ended (terminated or expired)
        on or before its go-live day. Judged on the day it ended, not on its term: a contract
        still live, or one ended after its go-live, was served even when it went live after
        its term's end."""
        on = self.activated_on
        if on is None:
            return True
        ended = self.status in (ContractStatus.TERMINATED, ContractStatus.EXPIRED)
        return ended and on >= (self.status_since or on)

    def _check_not_moved(self, sub: SubContract, doing: str) -> None:
        """A sub-contract that moved to another master contract stays as it was here: the
        receiving contract bills the rest of the move's period as the whole period's charge
        less this contract's part, worked out when it moved (``MovedFrom``), and another move,
        re-price or shorter end here would bill days twice or drift that remainder."""
        if sub.reassigned_to is not None:
            raise RuleViolated(
                f"cannot {doing} sub-contract {sub.sub_id!r}: it moved to contract "
                f"{sub.reassigned_to} on {sub.effective_to}",
                field="sub_id",
                aggregate_id=self.id,
                value=sub.sub_id,
            )

    @property
    def renews_automatically(self) -> bool:
        """An evergreen contract the billing run renews when its term ends: auto-renew, and
        active or suspended (not signed only, terminated or expired), its term not running to
        an expiry already recorded (``expires_on``, on a copy as it stood on a past day)."""
        return (
            self.auto_renew
            and self.status in _RENEWED
            and (self.expires_on is None or self.term.end < self.expires_on)
        )

    def _check_in_term(self, day: date, field: str) -> None:
        # an evergreen term that ends before the day counts as renewed through it: the billing
        # run renews it before it bills that day, whether it ran already or not
        after_end = day > self.term.end and not self.renews_automatically
        if day < self.term.start or after_end:
            raise InvalidValue(
                f"{day} is outside the term {self.term}",
                field=field,
                aggregate_id=self.id,
                value=day,
            )

    def _check_new_sub(self, sub_contract: SubContract) -> None:
        if sub_contract.sub_id in self.sub_contracts:
            raise DuplicateEntry(
                f"sub-contract {sub_contract.sub_id!r} exists",
                field="sub_id",
                aggregate_id=self.id,
                value=sub_contract.sub_id,
            )
        self._check_sub_fits(sub_contract)

    def _check_sub_fits(self, sub_contract: SubContract) -> None:
        """A sub-contract coming onto this contract (added, or taken over from another) starts
        in the term, covers at least one day and is priced in the contract's currency."""
        self._check_in_term(sub_contract.effective_from, "effective_from")
        end = sub_contract.effective_to
        if end is not None and end <= sub_contract.effective_from:
            # (built so it is one removed from its first day read back: a new one covers a
            # day; a contract import reaches here without ``check_sub_contract``)
            raise InvalidValue(
                f"must be after effective_from {sub_contract.effective_from}: a sub-contract "
                "covers at least one day",
                field="effective_to",
                aggregate_id=self.id,
                value=sub_contract.sub_id,
            )
        for p in sub_contract.prices:
            self._check_price(p.annual_price)

    def _check_price(self, price: Money) -> None:
        if price.currency != self.currency:
            raise CurrencyMismatch(
                f"price in {price.currency}, contract in {self.currency}",
                field="annual_price",
                aggregate_id=self.id,
            )

    def active_sub_contracts(self, day: date) -> list[SubContract]:
        """Sub-contracts covered on a day."""
        return [s for s in self.sub_contracts.values() if s.is_active_on(day)]

    def annual_value(self, day: date) -> Money:
        """Sum of the annual prices in force on a day."""
        result = Money.zero(self.currency)
        for s in self.active_sub_contracts(day):
            result = result + s.price_on(day)
        return result

    # -- lifecycle -------------------------------------------------------------------------------

    @event("Activated")
    def activate(self, effective: date, actor: str) -> None:
        """Start the service (``effective``: the go-live day, kept in ``history``).

        Activation lets the billing run bill the contract once the go-live day has come
        (``is_served_by``); it does not move what is billed: the run bills the term and the
        sub-contracts' own dates, from the term's start even when the service went live later.
        A contract paid only from go-live is signed with its term (or its sub-contracts)
        starting that day.
        """
        self._require(ContractStatus.SIGNED, doing="activate")
        self._change(ContractStatus.ACTIVE, effective, "activated", actor)

    def _require_reason(self, reason: object) -> None:
        """A status change says why: text with something in it, or ``InvalidValue`` naming
        ``reason`` (None or a number included)."""
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidValue("must say why", field="reason", aggregate_id=self.id, value=reason)

    def _require_visible_reason(self, reason: object) -> None:
        """A new status change's reason shows something (``_require_reason``, and not spaces
        or invisible characters only: a zero-width space pasted from a chat says nothing).
        Checked by the commands only, so a history recorded before still loads."""
        self._require_reason(reason)
        assert isinstance(reason, str)
        if not person_key(reason):
            raise InvalidValue(
                "must say why: not spaces or invisible characters only",
                field="reason",
                aggregate_id=self.id,
                value=reason,
            )

    def suspend(self, effective: date, reason: str, actor: str) -> None:
        """Suspend only by an explicit decision, with its reason recorded (one that shows
        something, ``_require_visible_reason``)."""
        self._require(ContractStatus.ACTIVE, doing="suspend")
        self._require_visible_reason(reason)
        self._suspended(effective, reason, actor)

    @event("Suspended")
    def _suspended(self, effective: date, reason: str, actor: str) -> None:
        """The ``Suspended`` event (``suspend``)."""
        self._require(ContractStatus.ACTIVE, doing="suspend")
        self._require_reason(reason)
        self._change(ContractStatus.SUSPENDED, effective, reason, actor)

    def reactivate(self, effective: date, reason: str, actor: str) -> None:
        """Lift a suspension, saying why (as a suspension says why)."""
        self._require_visible_reason(reason)
        self._reactivated(effective, reason, actor)

    @event("Reactivated")
    def _reactivated(self, effective: date, reason: str, actor: str) -> None:
        """The ``Reactivated`` event (``reactivate``)."""
        self._require(ContractStatus.SUSPENDED, doing="reactivate")
        self._change(ContractStatus.ACTIVE, effective, reason, actor)

    def renew(
        self,
        new_end: date,
        effective: date,
        actor: str,
        uplift_percent: Decimal | None = None,
        new_prices: dict[str, Money] | None = None,
    ) -> None:
        """Extend the term; prices from the old end go up by a percentage or to new prices.

        A renewal takes effect on the current term's end: ``effective`` must be that day, and
        any other is refused (``InvalidValue`` naming ``effective``) rather than recorded and
        ignored; prices that change before it are a re-price (``reprice_sub_contract``).
        Renewals recorded before this rule, with another day, load as they were recorded.
        An uplift of -100 % makes the new term free (a goodwill term: the billing run records
        its periods billed with no invoice); below -100 % it would cut prices below zero and is
        refused, as it is when a contract is signed with such a renewal uplift. A new price
        for a sub-contract the contract does not hold, or that moved to another master contract
        (that contract bills it, and is where it is re-priced), is refused (``RuleViolated``),
        as is one below zero (``InvalidValue``) or in another currency (``CurrencyMismatch``),
        each naming ``new_prices`` and the sub-contract.
        """
        self._require(ContractStatus.ACTIVE, ContractStatus.SUSPENDED, doing="renew")
        if effective != self.term.end:
            raise InvalidValue(
                f"a renewal takes effect on the current term's end, {self.term.end} (its prices "
                "from that day); to change prices before it, re-price the sub-contracts",
                field="effective",
                aggregate_id=self.id,
                value=effective,
            )
        if type(new_end) is date and new_end > LATEST_TERM_END:
            raise InvalidValue(
                "must end by the year 2999 (as a signed term must)",
                field="new_end",
                aggregate_id=self.id,
                value=new_end,
            )
        self._require_uplift_in_range(uplift_percent, new_prices)
        self._check_new_prices(new_prices or {})
        self._renewed(new_end, effective, actor, uplift_percent, new_prices)

    def _check_new_prices(self, new_prices: Mapping[str, Money]) -> None:
        """A renewal's new prices, each for a sub-contract this contract bills, in its
        currency and not below zero, or refused naming ``new_prices`` (the argument given, not
        the ``sub_id`` or ``annual_price`` of another command) with the sub-contract's id.
        Checked on new renewals only (the ``Renewed`` event keeps its own checks)."""
        for sub_id, price in new_prices.items():
            held = self.sub_contracts.get(sub_id)
            if held is None:
                raise RuleViolated(
                    f"no sub-contract {sub_id!r} on contract {self.number}",
                    field="new_prices",
                    aggregate_id=self.id,
                    value=sub_id,
                )
            if held.reassigned_to is not None:
                # (this contract bills none of its days again: the price would be recorded
                # here and bill nothing, the contract it moved to keeping the old one)
                raise RuleViolated(
                    f"sub-contract {sub_id!r} moved to contract {held.reassigned_to} on "
                    f"{held.effective_to}: that contract bills it, re-price it there "
                    "(reprice_sub_contract)",
                    field="new_prices",
                    aggregate_id=self.id,
                    value=sub_id,
                )
            if price.currency != self.currency:
                raise CurrencyMismatch(
                    f"sub-contract {sub_id!r} priced in {price.currency}, contract in "
                    f"{self.currency}",
                    field="new_prices",
                    aggregate_id=self.id,
                    value=sub_id,
                )
            if price.is_negative():
                raise InvalidValue(
                    f"sub-contract {sub_id!r}: an annual price must not be negative ({price})",
                    field="new_prices",
                    aggregate_id=self.id,
                    value=sub_id,
                )

    def _require_uplift_in_range(
        self, uplift_percent: object, new_prices: dict[str, Money] | None
    ) -> None:
        """Refuse (``InvalidValue`` naming ``uplift_percent`` and the sub-contract) an uplift
        that raises a price beyond what Money holds (1e14 % typed for 14 %): refused as the
        uplifted price's ``amount``, it named a field nobody gave, and the billing run skipped
        an evergreen contract with those words. Checked on new renewals only."""
        if not isinstance(uplift_percent, Decimal) or uplift_percent < -100 or new_prices:
            return  # (the rest is the Renewed event's to refuse, as before)
        for sub_id, sub in self.sub_contracts.items():
            try:
                sub.renewed(self.term.end, None, uplift_percent)
            except InvalidValue as error:
                raise InvalidValue(
                    f"{uplift_percent} % raises sub-contract {sub_id!r}'s annual price beyond "
                    f"what an amount can hold ({error.rule})",
                    field="uplift_percent",
                    aggregate_id=self.id,
                    value=uplift_percent,
                ) from error

    @event("Renewed")
    def _renewed(
        self,
        new_end: date,
        effective: date,
        actor: str,
        uplift_percent: Decimal | None = None,
        new_prices: dict[str, Money] | None = None,
    ) -> None:
        """The ``Renewed`` event (``renew``; ``renew_through`` for an evergreen term)."""
        self._require(ContractStatus.ACTIVE, ContractStatus.SUSPENDED, doing="renew")
        if new_end <= self.term.end:
            raise InvalidValue(
                f"must be after the current end {self.term.end}",
                field="new_end",
                aggregate_id=self.id,
                value=new_end,
            )
        if uplift_percent is not None and new_prices:
            raise InvalidValue(
                "give an uplift percentage or new prices, not both",
                field="uplift_percent",
                aggregate_id=self.id,
            )
        if uplift_percent is not None and uplift_percent < -100:
            raise InvalidValue(
                "cannot cut a price below zero", field="uplift_percent", aggregate_id=self.id
            )
        old_end = self.term.end
        prices: dict[str, Money] = dict(new_prices or {})
        for sub_id, given in prices.items():
            self._sub(sub_id)
            self._check_price(given)
        for sub_id, sub in list(self.sub_contracts.items()):
            renewed = sub.renewed(old_end, prices.get(sub_id), uplift_percent)
            self.sub_contracts[sub_id] = renewed
            if uplift_percent is not None and renewed is not sub:
                self._mark_uplifted(sub_id, [old_end])
        self.term = Period(self.term.start, new_end)
        if uplift_percent is not None and self.renewed_on is not None:
            self.renewed_on = [*self.renewed_on, old_end]
        if uplift_percent is not None and self.renewal_uplifts is not None:
            self.renewal_uplifts = [*self.renewal_uplifts, uplift_percent]
        self.revision += 1

    def term_renewed_through(self, day: date) -> Period:
        """The term as ``renew_through(day)`` would leave it, without renewing anything."""
        term = self.term
        last = self.expires_on or date.max
        while self.renews_automatically and term.end <= day and term.end < last:
            term = Period(term.start, next_term_end(term, self.renewal_months, self.renewal_days))
        return term

    def renew_before(self, effective: date, actor: str) -> None:
        """Renew an evergreen term that ends before ``effective`` up to it (``renew_through``
        the day before), as ``terminate``, ``expire`` and a move of a sub-contract do first; a
        day past the last term it can renew to (ending by ``LATEST_TERM_END``) is refused
        naming ``effective``, the day given (not the renewal's ``new_end``)."""
        if effective <= self.term.end:
            return  # (nothing to renew; and no day before the calendar's first to count to)
        try:
            self.renew_through(date.fromordinal(effective.toordinal() - 1), actor)
        except InvalidValue as error:
            if error.field != "new_end":
                raise
            raise InvalidValue(
                f"{effective} is past the last term this evergreen contract renews to (one "
                f"ending by {LATEST_TERM_END})",
                field="effective",
                aggregate_id=self.id,
                value=effective,
            ) from error

    def renew_through(self, day: date, actor: str) -> bool:
        """Renew an evergreen contract whose term ends on or before ``day`` as the billing run
        does: by its signed term's length on its own grid (``next_term_end``), effective on the
        old end, with its renewal uplift, one ``Renewed`` event per renewal, until ``day`` is
        in the term. True when it renewed; a contract that does not renew automatically is left
        as it is."""
        renewed = False
        while self.renews_automatically and self.term.end <= day:
            new_end = next_term_end(self.term, self.renewal_months, self.renewal_days)
            self.renew(new_end, self.term.end, actor, self.renewal_uplift_percent)
            renewed = True
        return renewed

    def terminate(self, effective: date, reason: str, actor: str, noticed_on: date) -> None:
        """End the contract early; sub-contracts end with it.

        ``noticed_on`` is the business day notice was given (the contract as it stood on a
        past day, ``as_it_stood_on``, is terminated from that day on, its term cut at
        ``effective``). It is required (``InvalidValue`` naming ``noticed_on`` when it is no
        date), and not before the contract was signed (``RuleViolated``, ``DAY_ORDER``); it
        may come after ``effective``: a termination dated back is noticed after it took effect.

        An evergreen term that ends before ``effective`` counts as renewed (``renew_through``,
        recorded first, as the billing run would have renewed it), so the days up to
        ``effective`` stay billable whether or not a run came first. Any other term is cut at
        ``effective``, never extended. A day before the term's start is refused
        (``InvalidValue`` naming ``effective``): no day of the term is before it, and a mistyped
        year would have the billing run credit every day billed.
        """
        self._require(*_LIVE, doing="terminate")
        self._require_visible_reason(reason)
        require_day(effective, "effective")
        if effective < self.term.start:
            # (a mistyped year, 2014 for 2024, would have the run credit every day billed)
            raise InvalidValue(
                f"{effective} is before the term starts ({self.term.start}): to end the "
                "contract before it served a day, terminate it on that day",
                field="effective",
                aggregate_id=self.id,
                value=effective,
            )
        require_day(noticed_on, "noticed_on")
        if noticed_on < self.signed_on:
            raise RuleViolated(
                f"{noticed_on} is before the contract was signed ({self.signed_on})",
                field="noticed_on",
                aggregate_id=self.id,
                value=noticed_on,
            )
        for sub in self.sub_contracts.values():
            # (its days here up to the move are part of the move's carried remainder)
            if sub.reassigned_to is not None and sub.effective_to and sub.effective_to > effective:
                raise RuleViolated(
                    f"sub-contract {sub.sub_id!r} was served here until it moved to contract "
                    f"{sub.reassigned_to} on {sub.effective_to}: terminate on or after that day",
                    field="effective",
                    aggregate_id=self.id,
                    value=effective,
                )
        self.renew_before(effective, actor)
        self._terminated(effective, reason, actor, noticed_on)

    @event("Terminated")
    def _terminated(
        self, effective: date, reason: str, actor: str, noticed_on: date | None = None
    ) -> None:
        """The ``Terminated`` event (``terminate``): sub-contracts end at ``effective``, and the
        term with them when it would run on. ``noticed_on``, the day notice was given, is None
        only in terminations recorded before it was kept (``as_it_stood_on`` reads those as
        noticed on the signing day)."""
        self._require(*_LIVE, doing="terminate")
        self._require_reason(reason)
        self._end_subs(effective)
        self.term = Period(self.term.start, max(self.term.start, min(self.term.end, effective)))
        self._change(ContractStatus.TERMINATED, effective, reason, actor)
        self.revision += 1

    def expire(self, effective: date, actor: str) -> None:
        """The term ran out without renewal. An evergreen term that ended before ``effective``
        counts as renewed up to it first (``renew_through``, as the billing run would have
        renewed it, and as ``terminate`` does), so its days stay billed whether or not a run
        came first; it expires only on its renewed term's end (to end it sooner, terminate)."""
        self._require(*_LIVE, doing="expire")
        self.renew_before(effective, actor)
        self._expired(effective, actor)

    @event("Expired")
    def _expired(self, effective: date, actor: str) -> None:
        """The ``Expired`` event (``expire``)."""
        self._require(*_LIVE, doing="expire")
        if effective < self.term.end:
            raise InvalidValue(
                f"the term runs until {self.term.end}", field="effective", aggregate_id=self.id
            )
        self._end_subs(self.term.end)
        self._change(ContractStatus.EXPIRED, effective, "term ended", actor)
        self.revision += 1

    def _end_subs(self, day: date) -> None:
        for sub_id, sub in list(self.sub_contracts.items()):
            if sub.effective_to is None or sub.effective_to > day:
                end = max(day, sub.effective_from)
                if end == sub.effective_from:
                    del self.sub_contracts[sub_id]
                else:
                    self.sub_contracts[sub_id] = attrs.evolve(sub, effective_to=end)

    # -- the contract as it stood on a past day --------------------------------------------------

    @classmethod
    def as_it_stood_on(cls, events: Iterable[Any], day: date) -> Contract | None:
        """The contract as it stood on ``day``, from its events in version order: the term and
        status in force that day, whatever was recorded since. A question about a past day
        (``contracts_expiring_within``) then has one answer whenever it is asked.

        The lifecycle changes that take effect on a day of their own (``_DATED_EVENTS``:
        activation, suspension, reactivation, renewal, expiry, by ``effective``) count when
        that day is on or before ``day``, in the order recorded; those dated after it had not
        taken effect and are left out, with what they did to the term and the sub-contracts (a
        renewal's new end and prices). A renewal takes effect on the old term's end, the first
        day of the new term, which is its only day (the billing run renews an evergreen term
        ahead, on the day it runs, but the renewal is dated on the old end).

        A termination counts from the day notice was given (``noticed_on``), whatever day it
        takes effect: from then on the contract stands terminated, its term cut at
        ``effective``, so it is listed as not renewing until its last day; before, it is left
        out (a termination dated back, noticed after its effective day, counts from the notice
        too: until then nobody knew). Once notice is given the day the contract ends is
        known, so the changes recorded before the termination and dated before that day count
        too (the term then runs to it: an evergreen term the termination renewed up to it,
        the go-live before it). A termination recorded before notice days were kept
        (``noticed_on`` None) reads as noticed on the day the contract was signed, as those
        histories read before: terminated on every day.

        An expiry has no day it was decided on, only the day it takes effect: one recorded
        for a day after ``day`` (ahead of the term's end, or after a renewal still to come)
        is left out as dated, the contract live as it stood, but reads on ``day`` as "will not
        renew" past that day (as a termination without a notice day reads as noticed on the
        signing day): the copy keeps it as ``expires_on``, and is not renewed past it
        (``renews_automatically``, ``renew_through``), though an evergreen term ending before
        it still renews up to it, as the billing run renews it.

        A sub-contract change counts when the day it takes effect is on or before ``day``
        (``_SUB_CONTRACT_DAYS``: one added or moved in from its first day, a removal from the
        first day no longer covered, a re-price from its price's day, a move away from the day
        it moves); one dated after it had not taken effect and is left out, whatever was
        recorded around it (a termination noticed by then does not bring it in: the
        sub-contracts, unlike the term, do not rest on it). A move's two halves are dated
        alike, the day it moves, so as of any day the sub-contract is covered by one of the two
        contracts, never by both nor by none. Every other event (a description, a handover, billing
        records) counts as recorded: it has no day of its own for the term, the status or the
        value. One that the contract as it stood could not have taken (a sub-contract added in
        a renewed term left out, a re-price or removal of a sub-contract added after ``day``,
        an extension of a removal left out, a renewal of a contract whose go-live is after
        ``day``) rested on a change left out and is left out too; on a contract where no change
        was left out before it, its error is raised.

        None when the contract was not yet signed on ``day`` (no status of it took effect by
        then: signed later, and not activated earlier). The result is a copy for reading,
        never to be saved: its version is the latest event's.
        """
        recorded = list(events)
        if not recorded:
            return None
        contract = recorded[0].mutate(None)
        if not isinstance(contract, cls):
            return None
        # the last day a dated change counts through, by its place in the history: ``day``,
        # or up to a termination noticed by then, the day before it takes effect
        through = [day] * len(recorded)
        for at, e in enumerate(recorded):
            if type(e).__name__ == "Terminated" and cls._noticed(e, contract) <= day:
                last = date.fromordinal(e.effective.toordinal() - 1)
                through[:at] = [max(day, last)] * at
        left_out = False  # (a change was left out: a later event may rest on it)
        expires_on = None  # (the day of an expiry left out: the term does not renew past it)
        for at, e in enumerate(recorded[1:], start=1):
            name = type(e).__name__
            if name == "Expired" and e.effective > through[at]:
                expires_on = e.effective
            if name == "Terminated":
                counts = cls._noticed(e, contract) <= day
            elif name in _SUB_CONTRACT_DAYS:
                counts = _SUB_CONTRACT_DAYS[name](e) <= day
            else:
                counts = name not in _DATED_EVENTS or e.effective <= through[at]
            if counts:
                try:
                    e.mutate(contract)
                    continue
                except Q2CError:
                    if not left_out:
                        raise
            contract.version = e.originator_version
            left_out = True
        if not any(h.effective <= day for h in contract.history):
            return None
        contract.expires_on = expires_on
        return contract

    @staticmethod
    def _noticed(terminated: Any, contract: Contract) -> date:
        """The day notice of a ``Terminated`` event was given: its ``noticed_on``, or for one
        recorded before it was kept, the day the contract was signed (``as_it_stood_on``)."""
        noticed: date | None = getattr(terminated, "noticed_on", None)
        return contract.signed_on if noticed is None else noticed

    # -- tax rate --------------------------------------------------------------------------------

    @property
    def tax_rate_since(self) -> date | None:
        """The day its tax rate last changed from (None: the rate it was signed with)."""
        return self.tax_rates[-1].effective if self.tax_rates else None

    @property
    def current_tax_rate(self) -> TaxRate:
        """The rate of its periods from the last change on (the rate signed with, unchanged)."""
        return self.tax_rates[-1].tax_rate if self.tax_rates else self.tax_rate

    def tax_rate_on(self, day: date, field: str = "day") -> TaxRate:
        """The tax rate of a billing period whose first day (its tax point) is ``day``: the
        last change effective by then (of two on one day, the one recorded last), else the
        rate the contract was signed with."""
        if not self.tax_rates:
            return self.tax_rate  # (the common case, at once: billing runs ask per period)
        require_day(day, field)
        for change in reversed(self.tax_rates):
            if change.effective <= day:
                return change.tax_rate
        return self.tax_rate

    def change_tax_rate(self, actor: str, tax_rate: TaxRate, effective: date) -> bool:
        """Bill the periods that start on ``effective`` or later at ``tax_rate`` (a new VAT
        rate, or the customer now reverse-charged or exempt): a period is taxed at the rate in
        force on its first day, its tax point, so one running across ``effective`` keeps the
        rate before.

        The rate is checked as a customer's is (``require_tax_rate``: a ``TaxRate``, a
        standard one above 0 %). Billed periods never change: a change whose day is on or
        before the first day of a period already billed is refused (``RuleViolated`` naming
        ``effective``, and the period), as is a day before the last change's; one effective in
        the middle of a billed period is the next period's. Returns whether anything changed:
        the rate already in force on that day records nothing, before the day's rules are
        checked (a retry, or an ERP replaying its change log). A contract that ended
        (terminated or expired) refuses a day on or after its end (``InvalidValue`` naming
        ``effective``): no period of it starts then."""
        rate = require_tax_rate(tax_rate, "tax_rate")
        day = require_day(effective, "effective")
        if self.tax_rate_on(day) == rate:
            return False
        # (ended: no period starts on or after its end, and a correction of its served days
        # keeps the rate it was billed at)
        self._refuse_past_end(day, "effective", "a rate from then on bills nothing", on_end=True)
        billed = sorted(
            (b for b in self.billed.values() if b.period.start >= day),
            key=lambda b: b.period.start,
        )
        if billed:
            first, last = billed[0], billed[-1]
            by = f"invoice {first.invoice_id}" if first.invoice_id else "free of charge"
            raise RuleViolated(
                f"period {first.period} is billed already ({by}) at "
                f"{_rate_text(self.tax_rate_on(first.period.start))}, and a billed period keeps "
                "its rate: "
                f"a change takes effect after {last.period.start}, the first day of the last "
                "period billed (correct the billed periods by credit notes)",
                field="effective",
                aggregate_id=self.id,
                value=day,
            )
        self._tax_rate_changed(rate, day, actor)
        return True

    def follow_tax_rates(
        self, actor: str, registered: TaxRate, changes: Iterable[tuple[date, TaxRate]]
    ) -> None:
        """Take its customer's rates (``registered``, then each change: effective day, rate)
        from the first day it bills, its term's first day or its signing day if earlier, as
        its own changes (``change_tax_rate``, ``TaxRateChanged``). A new contract is signed
        with the customer's rate on its signing day (``tax_rate``), but entered after a later
        change (the paper signed on 20 June, the customer reverse-charged from 1 July) it bills
        its periods as the customer is billed from each change on; signed after its term began
        (the paper signed on 15 July for a term from 1 June), its first periods are billed at
        the rate before a change in between. Called in the signing's step, so the changes are
        recorded with it, after ``ContractSigned``; a contract signed before keeps its history
        as recorded."""
        listed = list(changes)
        since = min(self.signed_on, self.term.start)
        if since < self.signed_on:
            rate = registered
            for effective, tax_rate in listed:
                if effective <= since:
                    rate = tax_rate
            self.change_tax_rate(actor, rate, since)  # (nothing when it is the signed rate)
        for effective, tax_rate in listed:
            if effective > since:
                self.change_tax_rate(actor, tax_rate, effective)

    @event("TaxRateChanged")
    def _tax_rate_changed(self, tax_rate: TaxRate, effective: date, actor: str) -> None:
        """The ``TaxRateChanged`` event (``change_tax_rate``, which holds the rules)."""
        self.tax_rates = [*self.tax_rates, ContractTaxRateFrom(effective, tax_rate)]

    # -- payment terms ---------------------------------------------------------------------------

    @property
    def payment_terms_since(self) -> date | None:
        """The day its payment terms last changed from (None: the terms it was signed with)."""
        return self.payment_terms_changes[-1].effective if self.payment_terms_changes else None

    def payment_terms_on(self, day: date, field: str = "day") -> int:
        """The payment terms of its invoice drafted on ``day``: the last change effective by
        then (of two on one day, the one recorded last), else the terms it was signed with."""
        if not self.payment_terms_changes:
            return self.payment_terms_days  # (the common case, at once: every run asks)
        require_day(day, field)
        for change in reversed(self.payment_terms_changes):
            if change.effective <= day:
                return change.payment_terms_days
        return self.payment_terms_days

    def change_payment_terms(self, actor: str, payment_terms_days: int, effective: date) -> bool:
        """Give its invoices drafted on ``effective`` or later ``payment_terms_days`` from issue
        to due: terms renegotiated (30 days to 14 from 1 July) without terminating it and
        signing it again.

        The terms are checked as a customer's are (``require_payment_terms``), and a day before
        the last change's is refused (``RuleViolated`` naming ``effective``). No money
        changes: invoices drafted before keep their terms (an issued invoice its due date),
        and credit notes are due at once whatever the terms. Returns whether anything changed:
        the terms already in effect on that day record nothing, before the day's order is
        checked (a retry, or an ERP replaying its change log)."""
        change = payment_terms_change(payment_terms_days, effective, self.payment_terms_on)
        if change is None:
            return False
        self._payment_terms_changed(*change, actor)
        return True

    def follow_payment_terms(self, actor: str, changes: Iterable[tuple[date, int]]) -> None:
        """Take its customer's changes of terms dated after its signing day (effective day,
        days) as its own (``change_payment_terms``). A new contract is signed with its
        customer's terms on its signing day, but entered after a later change was recorded
        (signed on 1 June, the customer's 14 days from 1 July entered in May) its invoices
        drafted from that day carry them, as the customer's do. Called in the signing's step;
        a contract signed before a change keeps its terms unless asked
        (``change_customer_payment_terms(..., contracts=True)``)."""
        for effective, days in changes:
            if effective > self.signed_on:
                self.change_payment_terms(actor, days, effective)

    def follow_customer(self, actor: str, customer: Customer) -> None:
        """Take the customer's tax rates and payment terms from the first day it bills
        (``follow_tax_rates``, ``follow_payment_terms``), and its handovers after its signing
        day (``follow_handovers``): what a new contract is signed with, in the signing's step
        (``sign_contract``, and a contract import)."""
        self.follow_tax_rates(
            actor,
            customer.registered_tax_rate,
            ((c.effective, c.tax_rate) for c in customer.tax_rates),
        )
        self.follow_payment_terms(
            actor, ((c.effective, c.payment_terms_days) for c in customer.payment_terms)
        )
        self.follow_handovers(actor, customer.managers)

    # -- account manager -------------------------------------------------------------------------

    @property
    def managed_since(self) -> date | None:
        """The day of its last handover (None: the manager it was signed with)."""
        return managed_since(self.managers)

    def manager_on(self, day: date, field: str = "day") -> str:
        """The account manager on ``day``: who its invoice drafted that day names
        (``account_manager`` when it was never handed over)."""
        if not self.managers:
            return self.account_manager  # (the common case, at once: every run asks)
        require_day(day, field)
        return manager_on(self.managers, self.account_manager, day)

    def hand_over(self, to_manager: str, effective_on: date, actor: str) -> None:
        """Hand the contract over to ``to_manager`` from the business day ``effective_on`` on
        (its customer handed over, ``QuoteToCash.hand_over_customer``).

        Checked as a customer's handover (``check_handover``: someone, not the manager
        already, a business day); a day before the contract was signed or before its last
        handover (which would overrule it) is refused (``RuleViolated`` naming
        ``effective_on``). The invoices the billing run drafts from that day on name the new
        manager; those drafted before keep theirs, and their commission."""
        name, day = check_handover(self.account_manager, to_manager, effective_on, self.id)
        self._handed_over(self.account_manager, name, day, actor)

    def follow_handovers(self, actor: str, handovers: Sequence[ManagerFrom]) -> None:
        """Take its customer's handovers dated after its signing day as its own: a contract
        signed (naming the customer's manager on its signing day) after a later handover was
        recorded is handed over as the customer's live contracts were (``hand_over``)."""
        follow_handovers(self, self.signed_on, handovers, actor)

    @event("ContractHandedOver")
    def _handed_over(
        self, from_manager: str, to_manager: str, effective_on: date, actor: str
    ) -> None:
        """The ``ContractHandedOver`` event (``hand_over``, which holds the rules)."""
        self.managers = handed_over(self.managers, self.account_manager, to_manager, effective_on)
        self.account_manager = to_manager

    @event("PaymentTermsChanged")
    def _payment_terms_changed(self, payment_terms_days: int, effective: date, actor: str) -> None:
        """The ``PaymentTermsChanged`` event (``change_payment_terms``, which holds the rules)."""
        self.payment_terms_changes = [
            *self.payment_terms_changes,
            ContractPaymentTermsFrom(effective, payment_terms_days),
        ]

    # -- sub-contracts ---------------------------------------------------------------------------

    def add_sub_contract(self, sub_contract: SubContract, actor: str) -> None:
        """Add a product, licence or site from its effective date. One added with days before
        a renewal that raised prices by a percentage is priced for the renewed term as that
        renewal would have priced it (``SubContract.renewed``), as if recorded before it: the
        event records the sub-contract with those prices.

        A contract that ended after it served takes one covering days it served
        (``_require_correctable``: a site found after the end to have been served unbilled),
        starting before its end and ending by it; the next run bills those days. One starting
        on or after the end, or covered past it (open-ended), is refused naming the field."""
        self._require_correctable("add a sub-contract")
        if isinstance(sub_contract, SubContract):
            what = "a sub-contract cannot be covered past its end"
            self._refuse_past_end(sub_contract.effective_from, "effective_from", what, on_end=True)
            self._refuse_past_end(sub_contract.effective_to, "effective_to", what, on_end=False)
        self._check_new_sub(sub_contract)
        sub_contract, uplifted = self._priced_for_renewals(sub_contract)
        self._added(sub_contract, actor, uplifted)

    @event("SubContractAdded")
    def _added(
        self, sub_contract: SubContract, actor: str, uplifted_on: Sequence[date] | None = None
    ) -> None:
        """The ``SubContractAdded`` event (``add_sub_contract``); ``uplifted_on``, the renewal
        days whose price is the renewal's uplift of its price (None in events recorded before
        q2c kept them: ``_uplifted_days`` reads them from the prices)."""
        self._require_correctable("add a sub-contract")
        self._check_new_sub(sub_contract)
        self.sub_contracts[sub_contract.sub_id] = sub_contract
        self._mark_uplifted(sub_contract.sub_id, self._uplifted_days(sub_contract, uplifted_on))
        self.revision += 1

    def priced_for_renewals(self, sub: SubContract) -> SubContract:
        """``sub`` as ``add_sub_contract`` would record it: priced for this contract's uplift
        renewals (``_priced_for_renewals``; they must be known, ``uplift_renewals``)."""
        return self._priced_for_renewals(sub)[0]

    def _priced_for_renewals(self, sub: SubContract) -> tuple[SubContract, list[date]]:
        """A sub-contract joining with days before this contract's uplift renewals, priced as
        each renewal priced those it found (``SubContract.renewed``), and the renewal days
        whose price that set."""
        uplifted: list[date] = []
        for day, uplift in self.uplift_renewals():
            renewed = sub.renewed(day, None, uplift)
            if renewed is not sub:
                uplifted.append(day)
            sub = renewed
        return sub, uplifted

    def _uplifted_days(self, sub: SubContract, recorded: Sequence[date] | None) -> list[date]:
        """The renewal days whose price the uplift set on a joining sub-contract: as its event
        recorded them, or, in an event recorded before they were (None), the renewal days whose
        price is the uplift of the day before's, as the rule then read them."""
        if recorded is not None:
            return list(recorded)
        days = []
        for day, uplift in zip(self.renewed_on or (), self.renewal_uplifts or (), strict=False):
            at_day = [p for p in sub.prices if p.effective == day]
            if not at_day or sub.effective_from >= day:
                continue
            before = sub.price_on(date.fromordinal(day.toordinal() - 1))
            if at_day[-1].annual_price == (before * (1 + uplift / 100)).rounded():
                days.append(day)
        return days

    def _mark_uplifted(self, sub_id: str, days: Iterable[date]) -> None:
        if self.uplifted_on is not None:
            known = self.uplifted_on.setdefault(sub_id, [])
            known.extend(day for day in days if day not in known)

    def remove_sub_contract(self, sub_id: str, effective_to: date, actor: str) -> bool:
        """End a sub-contract; the end day is the first day no longer covered. Its start day
        removes it from its first day (one added in error): it then covers and bills no day,
        a period billed with it is credited its days by the next run, and the history keeps
        that it was added and removed. Refused for an end before its start, past its recorded
        end, and for one that moved to another master contract (``_check_not_moved``). The
        same removal again (its recorded end) records nothing: returns whether it recorded
        the removal. A contract that ended after it
        served takes it too (``_require_correctable``): its sub-contracts ended with it, so the
        removal is dated inside its served days, which the next run credits."""
        self._require_correctable("remove a sub-contract")
        sub = self._sub(sub_id)
        self._check_not_moved(sub, "remove")
        if sub.effective_to is not None and sub.effective_to == effective_to:
            return False  # (a clerk, or a CRM export, removing it again: nothing new)
        self._removed(sub_id, effective_to, actor)
        return True

    @event("SubContractRemoved")
    def _removed(self, sub_id: str, effective_to: date, actor: str) -> None:
        """The ``SubContractRemoved`` event (``remove_sub_contract``)."""
        self._require_correctable("remove a sub-contract")
        sub = self._sub(sub_id)
        if effective_to < sub.effective_from:
            raise InvalidValue(
                f"must not be before its start {sub.effective_from} (its start removes it "
                "from its first day)",
                field="effective_to",
                aggregate_id=self.id,
            )
        if sub.effective_to is not None and effective_to > sub.effective_to:
            raise InvalidValue(
                f"already ends on {sub.effective_to}", field="effective_to", aggregate_id=self.id
            )
        self.sub_contracts[sub_id] = attrs.evolve(sub, effective_to=effective_to)
        self.revision += 1

    def describe_sub_contract(
        self,
        sub_id: str,
        actor: str,
        description: str | None = None,
        kind: SubContractKind | None = None,
    ) -> bool:
        """Correct how a sub-contract is described: its ``description`` (what the invoices
        issued from now on print) and its ``kind``; what is not given stays. Neither changes
        money: the price, days and revenue of a sub-contract are its price points and dates
        (revenue and commissions read the invoice lines' kinds, never the sub-contract's).
        Issued invoices keep the text they were issued with. Returns whether anything changed
        (nothing is recorded when it did not); a blank description, or a kind that is not a
        ``SubContractKind``, is ``InvalidValue``."""
        sub = self._sub(sub_id)
        if description is not None:
            if not isinstance(description, str) or not description.strip():
                raise InvalidValue(
                    "must be text, not blank",
                    field="description",
                    aggregate_id=self.id,
                    value=description,
                )
            description = description.strip()
            check_visible_line(description, "description")
        if kind is not None and not isinstance(kind, SubContractKind):
            raise InvalidValue(
                "must be a SubContractKind", field="kind", aggregate_id=self.id, value=kind
            )
        new_description = sub.description if description is None else description
        new_kind = sub.kind if kind is None else kind
        if (new_description, new_kind) == (sub.description, sub.kind):
            return False
        self._described(sub_id, new_description, new_kind, actor)
        return True

    @event("SubContractDescribed")
    def _described(self, sub_id: str, description: str, kind: SubContractKind, actor: str) -> None:
        """The ``SubContractDescribed`` event (``describe_sub_contract``, which holds the
        rules)."""
        sub = self._sub(sub_id)
        self.sub_contracts[sub_id] = attrs.evolve(sub, description=description, kind=kind)

    @event("SubContractExtended")
    def extend_sub_contract(self, sub_id: str, effective_to: date | None, actor: str) -> None:
        """Cover a sub-contract longer than its recorded end (to a later end, or open-ended):
        a removal recorded by mistake, or a renewed licence, is undone by an event, and the next
        billing run bills exactly the days it now covers again.

        Refused for a sub-contract that moved to another master contract (it is covered there),
        and for one that ended before the term was renewed with an uplift that did not price
        it for the new term (extending it would bill the new term at the old price): it comes
        back as a new sub-contract (another id) with its price.

        A contract that ended after it served takes an extension up to its last day
        (``_require_correctable``: a removal recorded by mistake, found after the end); one
        past it, or open-ended, is refused naming ``effective_to``.
        """
        self._require_correctable("extend a sub-contract")
        sub = self._sub(sub_id)
        self._check_not_moved(sub, "extend")
        self._refuse_past_end(
            effective_to,
            "effective_to",
            "a sub-contract cannot be covered past its end",
            on_end=False,
        )
        end = sub.effective_to
        if end is None:
            raise InvalidValue(
                f"sub-contract {sub_id!r} has no end to extend",
                field="effective_to",
                aggregate_id=self.id,
                value=effective_to,
            )
        if effective_to is not None and effective_to <= end:
            raise InvalidValue(
                f"must be after its current end {end}",
                field="effective_to",
                aggregate_id=self.id,
                value=effective_to,
            )
        # a renewal's uplift prices every sub-contract covered on the old term's last day from
        # the new term's first day; one that ended before got no price for the new term. (Not
        # known, None, only when read from a snapshot older than the rule: the application's
        # commands read the renewals from the events first (``know_renewals``), and replaying
        # an extension already recorded decides nothing again.)
        missed = [
            day
            for day in self.renewed_on or ()
            if day >= end and not any(p.effective == day for p in sub.prices)
        ]
        if missed:
            raise RuleViolated(
                f"sub-contract {sub_id!r} ended on {end}, before the term was renewed with an "
                f"uplift on {missed[0]}: add it again under a new id with its renewed price",
                field="effective_to",
                aggregate_id=self.id,
                value=effective_to,
            )
        self.sub_contracts[sub_id] = attrs.evolve(sub, effective_to=effective_to)
        self.revision += 1

    def reprice_sub_contract(
        self, sub_id: str, effective: date, annual_price: Money, actor: str
    ) -> None:
        """A new annual price from a date on. Refused for a sub-contract that moved to another
        master contract (``_check_not_moved``): re-price it there. A contract that ended after
        it served takes a price from a day it served (``_require_correctable``: the next run
        credits and bills those days again); from its end on, a price would bill nothing and
        is refused naming ``effective``."""
        self._require_correctable("re-price a sub-contract")
        sub = self._sub(sub_id)
        self._check_not_moved(sub, "re-price")
        if isinstance(effective, date):
            self._refuse_past_end(
                effective, "effective", "a price from then on bills nothing", on_end=True
            )
        if self.uplifted_on is None:
            raise RuleViolated(
                "its renewals' prices are not known (read from an old snapshot): know_renewals "
                "first",
                field="uplifted_on",
                aggregate_id=self.id,
            )
        uplifted = self.uplifted_on.get(sub_id, [])
        renewed = _renewed_prices(sub, effective, annual_price, self.uplift_renewals(), uplifted)
        self._repriced(sub_id, effective, annual_price, actor, renewed)

    def uplift_renewals(self) -> list[tuple[date, Decimal]]:
        """The first day of each term renewed with an uplift, and its percentage, in order
        (the application makes them known first, ``know_renewals``)."""
        if self.renewed_on is None or self.renewal_uplifts is None:
            raise RuleViolated(
                "its renewals are not known (read from an old snapshot): know_renewals first",
                field="renewed_on",
                aggregate_id=self.id,
            )
        return list(zip(self.renewed_on, self.renewal_uplifts, strict=True))

    @event("SubContractRepriced")
    def _repriced(
        self,
        sub_id: str,
        effective: date,
        annual_price: Money,
        actor: str,
        renewed_prices: Sequence[PricePoint] = (),
    ) -> None:
        """The ``SubContractRepriced`` event (``reprice_sub_contract``); ``renewed_prices``, the
        renewed terms' prices the new price carries into (none in events recorded before q2c
        carried a re-price across renewals)."""
        self._require_correctable("re-price a sub-contract")
        sub = self._sub(sub_id)
        self._check_price(annual_price)
        if annual_price.is_negative():
            raise InvalidValue("must not be negative", field="annual_price", aggregate_id=self.id)
        if effective < sub.effective_from:
            raise InvalidValue(
                f"must not be before {sub.effective_from}", field="effective", aggregate_id=self.id
            )
        self.sub_contracts[sub_id] = attrs.evolve(
            sub, prices=(*sub.prices, PricePoint(effective, annual_price), *renewed_prices)
        )
        if self.uplifted_on is not None and effective in self.uplifted_on.get(sub_id, ()):
            # a price agreed for a renewed term's first day: no longer the uplift's
            self.uplifted_on[sub_id].remove(effective)
        self._mark_uplifted(sub_id, [p.effective for p in renewed_prices])
        self.revision += 1

    def reassign_away(self, sub_id: str, to_contract_id: UUID, effective: date, actor: str) -> None:
        """End a sub-contract here because it moves to another master contract that same day.
        Refused as ``check_movable`` says."""
        self.check_movable(sub_id, effective)
        self._reassigned_away(sub_id, to_contract_id, effective, actor)

    def check_movable(self, sub_id: str, effective: date) -> SubContract:
        """The sub-contract that may move away on ``effective``: refused for one that moved
        already (``_check_not_moved``: it would be billed by two contracts), on a day outside
        the term, and on a day it is not covered here (before its start, or from its end on:
        ``InvalidValue`` naming ``effective``)."""
        self._require(*_LIVE, doing="re-assign a sub-contract")
        sub = self._sub(sub_id)
        self._check_not_moved(sub, "re-assign")
        self._check_in_term(effective, "effective")
        self._check_covered(sub, effective)
        return sub

    def check_takes_over(self, effective: date, field: str = "effective") -> None:
        """A sub-contract may move here on ``effective``: a day of this contract's term (an
        evergreen term counts as renewed through it, ``_check_in_term``), or ``InvalidValue``
        naming ``field``, where the caller gave the move's day (``reassign_sub_contract``'s
        ``effective``; a contract import's row, its ``effective_from``)."""
        self._require(*_LIVE, doing="take over a sub-contract")
        self._check_in_term(effective, field)

    def _check_covered(self, sub: SubContract, effective: date) -> None:
        if not sub.is_active_on(effective) and effective != sub.effective_from:
            raise InvalidValue(
                f"sub-contract {sub.sub_id!r} is not active on {effective}"
                + (f" (it ends on {sub.effective_to})" if sub.effective_to is not None else ""),
                field="effective",
                aggregate_id=self.id,
                value=effective,
            )

    @event("SubContractReassignedAway")
    def _reassigned_away(
        self, sub_id: str, to_contract_id: UUID, effective: date, actor: str
    ) -> None:
        """The ``SubContractReassignedAway`` event (``reassign_away``)."""
        self._require(*_LIVE, doing="re-assign a sub-contract")
        sub = self._sub(sub_id)
        self._check_covered(sub, effective)
        if effective == sub.effective_from:
            del self.sub_contracts[sub_id]
        else:
            self.sub_contracts[sub_id] = attrs.evolve(
                sub, effective_to=effective, reassigned_to=to_contract_id
            )
        self.revision += 1

    def reassign_here(
        self,
        sub_contract: SubContract,
        from_contract_id: UUID,
        actor: str,
        *,
        from_sub_id: str | None = None,
    ) -> None:
        """Start a sub-contract moved from another master contract, on the day it ended there.
        Moved in with days before a renewal of this contract that raised prices by a
        percentage, it is priced for the renewed term as that renewal would have priced it
        had the move been recorded first (as ``add_sub_contract`` does). ``from_sub_id``: its
        id on the contract it came from, when it takes another here (None: the same)."""
        self._require(*_LIVE, doing="take over a sub-contract")
        sub_contract, uplifted = self._priced_for_renewals(sub_contract)
        self._reassigned_here(sub_contract, from_contract_id, actor, uplifted, from_sub_id)

    def moved_in_as_held(self, moved: SubContract, held: SubContract) -> SubContract:
        """The sub-contract ``moved`` in (as its ``SubContractReassignedHere`` carries it) as
        the move would have carried it had its source contract held it as ``held``: its price
        on the move day, its later price points and its end are ``held``'s, and it is priced
        for this contract's renewals as ``reassign_here`` prices it (this contract as it stood
        when the move was recorded). The as-of reading (``contracts_expiring_within``) gives a
        moved-in sub-contract what its source held for it on the day asked, so a re-price or
        removal dated after that day, recorded on the source before the move, is left out on
        both contracts alike. ``moved`` itself when ``held`` cannot have moved that day (no
        longer covered on it)."""
        day = moved.effective_from
        if held.effective_to is not None and held.effective_to <= day:
            return moved
        sub = attrs.evolve(
            moved,
            effective_to=held.effective_to,
            prices=(
                PricePoint(day, held.price_on(day)),
                *(p for p in held.prices if p.effective > day),
            ),
        )
        if self.renewed_on is None or self.renewal_uplifts is None:
            return sub  # (renewals not known: priced as carried)
        return self._priced_for_renewals(sub)[0]

    @event("SubContractReassignedHere")
    def _reassigned_here(
        self,
        sub_contract: SubContract,
        from_contract_id: UUID,
        actor: str,
        uplifted_on: Sequence[date] | None = None,
        from_sub_id: str | None = None,
    ) -> None:
        """The ``SubContractReassignedHere`` event (``reassign_here``); ``uplifted_on`` as in
        ``SubContractAdded``; ``from_sub_id``, its id on the contract it came from when it
        moved in under another (None: the same, and in events recorded before a move could
        rename it). Read by the revenue schedule, which follows its days back along its moves.
        """
        self._require(*_LIVE, doing="take over a sub-contract")
        if sub_contract.sub_id in self.sub_contracts:
            raise DuplicateEntry(
                f"sub-contract {sub_contract.sub_id!r} exists: move it under another id "
                "(as_sub_id)",
                field="sub_id",
                aggregate_id=self.id,
                value=sub_contract.sub_id,
            )
        self._check_sub_fits(sub_contract)
        self.sub_contracts[sub_contract.sub_id] = attrs.evolve(
            sub_contract, reassigned_from=from_contract_id, reassigned_to=None
        )
        self._mark_uplifted(sub_contract.sub_id, self._uplifted_days(sub_contract, uplifted_on))
        self.revision += 1

    # -- billing records -------------------------------------------------------------------------

    def billed_period(self, period: Period) -> BilledPeriod | None:
        """What was billed for a full billing period, or None when it was not billed yet."""
        return self.billed.get(period_key(period))

    @event("PeriodBilled")
    def record_period_billed(
        self,
        period: Period,
        invoice_id: UUID | None,
        basis_version: int,
        billed_on: date,
        actor: str,
    ) -> None:
        """A billing run billed one period: it drafted the period's invoice, recorded in the
        same save as it, or, when every covered day of the period charges nothing (``None``),
        drafted no invoice and records the period as covered all the same (``BilledPeriod``).

        ``basis_version`` is the version whose state the invoice billed (the version before this
        event, once the run's renewals are applied).
        """
        key = period_key(period)
        if key in self.billed:
            by = self.billed[key].invoice_id
            raise DuplicateEntry(
                f"period {period} is already billed "
                + (f"by invoice {by}" if by is not None else "(free of charge)"),
                field="period",
                aggregate_id=self.id,
                value=period,
            )
        self._check_basis(basis_version)
        self.billed[key] = BilledPeriod(period, invoice_id, basis_version)
        end = covered_end(period, self.term)
        if self.billed_through is not None and end < period.end:
            self.billed_through[key] = [end]
        if invoice_id is not None:
            self.documents.append(invoice_id)
        self.reconciled_revision = self.revision

    @event("PeriodCorrected")
    def record_period_corrected(
        self,
        period: Period,
        basis_version: int,
        document_ids: list[UUID],
        corrected_on: date,
        actor: str,
        superseded: Sequence[SupersededDays] | None = None,
    ) -> None:
        """Credit notes and/or extra lines brought a billed period in line with the history.

        ``superseded``: days the correction took back from documents of the period that billed
        them at 0.00 only, with no credit note (``SupersededDays``; None when there are none,
        as in events recorded before q2c took days back so).
        """
        key = period_key(period)
        if key not in self.billed:
            raise InvalidValue(
                f"period {period} was never billed", field="period", aggregate_id=self.id
            )
        self._check_basis(basis_version)
        billed = self.billed[key]
        self._check_superseded(billed, superseded or (), document_ids)
        step = BilledCorrection(
            billed.basis_version, basis_version, tuple(document_ids), tuple(superseded or ())
        )
        self.billed[key] = attrs.evolve(
            billed, basis_version=basis_version, corrections=(*billed.corrections, step)
        )
        if self.billed_through is not None and key in self.billed_through:
            self.billed_through[key].append(covered_end(period, self.term))
        for document_id in document_ids:
            if document_id not in self.documents:
                self.documents.append(document_id)
        self.reconciled_revision = self.revision

    @event("PeriodReleased")
    def release_period(self, period: Period, invoice_id: UUID, reason: str, actor: str) -> None:
        """The invoice of a billed period was voided before issue: the period is due again."""
        key = period_key(period)
        billed = self.billed.get(key)
        if billed is None or billed.invoice_id != invoice_id:
            raise RuleViolated(
                f"period {period} is not billed by invoice {invoice_id}",
                field="invoice_id",
                aggregate_id=self.id,
                value=invoice_id,
            )
        self._require_reason(reason)
        del self.billed[key]
        if self.billed_through is not None:
            self.billed_through.pop(key, None)
        self.revision += 1

    @event("PeriodCorrectionReleased")
    def release_correction(
        self, period: Period, document_ids: list[UUID], reason: str, actor: str
    ) -> None:
        """A correction's documents were voided: the period's basis rolls back to before it.

        The next run then bills or credits exactly the days that correction did. Only the
        latest correction with documents can be released (later ones built on it).
        """
        key = period_key(period)
        billed = self.billed.get(key)
        index = (
            None if billed is None or not document_ids else billed.correction_of(document_ids[0])
        )
        if billed is None or index is None:
            raise RuleViolated(
                f"period {period} has no correction by {document_ids}",
                field="document_ids",
                aggregate_id=self.id,
                value=document_ids,
            )
        if set(billed.corrections[index].document_ids) != set(document_ids):
            raise RuleViolated(
                "a correction's documents are released together",
                field="document_ids",
                aggregate_id=self.id,
                value=document_ids,
            )
        self._require_reason(reason)
        step = billed.corrections[index]
        self.billed[key] = attrs.evolve(
            billed, basis_version=step.from_basis, corrections=billed.corrections[:index]
        )
        if self.billed_through is not None and key in self.billed_through:
            # (one entry for the invoice, one per correction: back to the basis kept)
            del self.billed_through[key][index + 1 :]
        self.revision += 1

    def _through(self, period: Period) -> date | None:
        """The day a period billed early ran to at its basis (None: not billed early)."""
        if self.timing is not BillingTiming.IN_ARREARS or not self.billed_through:
            return None
        through = self.billed_through.get(period_key(period))
        return through[-1] if through else None

    def correction_waits(self, period: Period, as_of: date) -> bool:
        """In arrears, a correction that only bills days a renewal added to a billed period
        (billed early, when the term ended in its middle) waits until the period's days are
        all served: they are billed after the period, as every day in arrears is. (One that
        credits days never waits: the run makes it whole at once.)"""
        through = self._through(period)
        return through is not None and through < covered_end(period, self.term) > as_of

    def added_days_served(self, period: Period, as_of: date) -> bool:
        """Whether days a renewal added to a period billed early are all served by ``as_of``:
        the run then corrects the period (records it, if only to say nothing was to bill, so
        it looks once: ``arrears_correction_due``)."""
        through = self._through(period)
        return through is not None and through < covered_end(period, self.term) <= as_of

    def arrears_correction_due(self, as_of: date) -> bool:
        """Whether a billed period waited for its added days (``correction_waits``) and they
        are served by ``as_of``: the run looks at it then, whatever else it recorded for the
        contract meanwhile."""
        if self.timing is not BillingTiming.IN_ARREARS or not self.billed_through:
            return False  # (the common case, at once: no period was billed early)
        return any(
            self.added_days_served(self.billed[key].period, as_of)
            for key in self.billed_through
            if key in self.billed
        )

    def _check_superseded(
        self, billed: BilledPeriod, superseded: Sequence[Any], document_ids: list[UUID]
    ) -> None:
        """Days superseded with no credit note are days of the period that one of its standing
        documents (its invoice, an earlier correction's) names, not one this correction drafts."""
        if not superseded:
            return
        earlier = {d for c in billed.corrections for d in c.document_ids}
        if billed.invoice_id is not None:
            earlier.add(billed.invoice_id)
        for days in superseded:
            if not isinstance(days, SupersededDays):
                raise InvalidValue(
                    "must be SupersededDays", field="superseded", aggregate_id=self.id, value=days
                )
            if days.invoice_id not in earlier or days.invoice_id in document_ids:
                raise RuleViolated(
                    f"invoice {days.invoice_id} is not a document of period {billed.period} "
                    "before this correction",
                    field="superseded",
                    aggregate_id=self.id,
                    value=days.invoice_id,
                )
            if billed.period.intersection(days.period) != days.period:
                raise InvalidValue(
                    f"must be days of period {billed.period}",
                    field="superseded",
                    aggregate_id=self.id,
                    value=days.period,
                )

    def _check_basis(self, basis_version: int) -> None:
        if not 1 <= basis_version <= self.version:
            raise InvalidValue(
                f"must be a version this contract has reached ({self.version})",
                field="basis_version",
                aggregate_id=self.id,
                value=basis_version,
            )


def _renewed_prices(
    sub: SubContract,
    effective: date,
    price: Money,
    renewals: Sequence[tuple[date, Decimal]],
    uplifted: Sequence[date],
) -> list[PricePoint]:
    """The prices a re-price from ``effective`` carries into the terms renewed after it: each
    renewal's uplift priced the sub-contract from the price in force on the old term's last
    day, so a new price for days before a renewal, recorded after it, is uplifted as the
    renewal would have uplifted it had it been recorded first. Only renewal days whose price
    the uplift set (``uplifted``) follow: a price agreed for the new term, recorded for its
    first day, stands, whatever its amount, as does a price in force from a day between."""
    result: list[PricePoint] = []
    after = attrs.evolve(sub, prices=(*sub.prices, PricePoint(effective, price)))
    for day, uplift in renewals:
        if day <= effective or day not in uplifted:
            continue
        if sub.effective_to is not None and sub.effective_to <= day:
            continue
        last_day = date.fromordinal(day.toordinal() - 1)
        current = sub.price_on(day)
        new = (after.price_on(last_day) * (1 + uplift / 100)).rounded()
        if new != current:
            result.append(PricePoint(day, new))
            after = attrs.evolve(after, prices=(*after.prices, PricePoint(day, new)))
    return result


def _rate_text(rate: object) -> str:
    """A tax rate in words for a refusal ("S 19 %"; as recorded when it is no ``TaxRate``)."""
    if isinstance(rate, TaxRate):
        return f"{rate.category.code} {rate.rate} %"
    return repr(rate)


def covered_end(period: Period, term: Period) -> date:
    """The day after the last day of a billing period the term covers (the period's end, or
    the term's when the term ends in the middle of the period)."""
    return max(period.start, min(period.end, term.end))


def renewals_with_uplift(events: Iterable[Any]) -> list[tuple[date, Decimal]]:
    """The first day of each term a contract was renewed into with an uplift, and the uplift,
    from its events in order (``Contract.renewed_on`` and ``renewal_uplifts`` for a contract
    read from a snapshot that predates them)."""
    found: list[tuple[date, Decimal]] = []
    end: date | None = None
    for e in events:
        name = type(e).__name__
        if name == "ContractSigned":
            end = e.term.end
        elif name == "Renewed":
            if e.uplift_percent is not None and end is not None:
                found.append((end, e.uplift_percent))
            end = e.new_end
    return found


def next_term_end(term: Period, renewal_months: int | None, renewal_days: int) -> date:
    """The new end of an evergreen term renewed once by its signed term's length.

    Whole-month terms stay on the grid of the original term start (``term.start``, which no
    renewal changes): the k-th renewal of a term of m months ends on the start's day of the
    month ``(k + 1) * m`` months on, or on that month's last day when it is shorter, never on a
    day carried over from a shorter month (a 6-month term from Aug 31 ends Feb 28, then Aug 31,
    not Aug 28). A term whose end is off that grid (renewed by hand to another day) is extended
    from its end; other terms by their length in days.
    """
    if renewal_months is not None:
        elapsed = _whole_months(term.start, term.end)
        if elapsed is not None:
            return _add_months(term.start, elapsed + renewal_months)
        return _add_months(term.end, renewal_months)
    return date.fromordinal(term.end.toordinal() + renewal_days)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@functools.lru_cache(maxsize=4096)
def _whole_months(start: date, end: date) -> int | None:
    """How many whole months from ``start`` to ``end``, or None (remembered: replaying 100,000
    contracts asks it for the same few terms)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    for m in (months - 1, months, months + 1):
        if m <= 0:
            continue
        index = start.year * 12 + start.month - 1 + m
        year, month = divmod(index, 12)
        if year > MAXYEAR:
            continue
        last = calendar.monthrange(year, month + 1)[1]
        if date(year, month + 1, min(start.day, last)) == end:
            return m
    return None
