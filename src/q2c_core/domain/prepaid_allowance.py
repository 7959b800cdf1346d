"""Prepaid allowances: hours or money the customer paid for up front, drawn by authorized work.

Draws follow the work date, not the order entries arrive in: back-dated work draws before later
work, so a late timesheet never leaves earlier work uncovered while later work used the hours.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import (
    AllowanceExhausted,
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    RuleViolated,
)
from q2c_core.domain.event_facts import ChecksFacts, refuse_unreadable_reason, require_reason
from q2c_core.domain.money import Money
from q2c_core.domain.values import Period, TimeOrderedIds, require_day


class AllowanceUnit(enum.Enum):
    """What the allowance counts: hours of work, or money."""

    HOURS = "hours"
    MONEY = "money"


class AllowanceStatus(enum.Enum):
    """Whether the allowance can still be drawn."""

    OPEN = "open"
    EXPIRED = "expired"
    ROLLED_OVER = "rolled_over"


def charge_key(request_id: UUID | str, entry_id: str) -> str:
    """How an allowance names one charge: its request's id (32 hex digits) and the entry's id.

    Entry ids are unique within a request only: two requests covered by one allowance may both
    log an entry "t1", and each is charged, drawn and billed on its own.
    """
    hex_id = request_id.hex if isinstance(request_id, UUID) else request_id
    return f"{hex_id}:{entry_id}"


_CHARGE_KEY = re.compile(r"[0-9a-f]{32}:")


def resolve_charge_key(key: str, charge_keys: Iterable[str]) -> str:
    """A key as events recorded before charges were keyed by request wrote it (the entry id
    alone, unique on the allowance then) as the charge key it meant; a charge key as it is.

    Recorded events never change, so a replay reads the old keys this way.
    """
    if _CHARGE_KEY.match(key):
        return key
    found = [k for k in charge_keys if k[33:] == key]
    return found[0] if len(found) == 1 else key


@attrs.frozen
class Charge:
    """One time entry charged against the allowance, in the allowance's unit.

    ``given_back_on``: for an entry an invoice held and gave back (its draft voided, or its
    line credited re-billable) after the allowance covering its day was granted, the day it
    was given back; until then the invoice held it and it drew nothing here. None for work
    charged as it was logged (and for every charge recorded before q2c kept the day): it draws
    from its work date."""

    entry_id: str
    request_id: UUID
    work_date: date
    quantity: Decimal
    rate: Money
    given_back_on: date | None = None

    @property
    def key(self) -> str:
        """The allowance's name for this charge (``charge_key``)."""
        return charge_key(self.request_id, self.entry_id)

    def charged_by(self, day: date) -> bool:
        """Whether the allowance had the charge at the end of ``day``: always, but for an
        entry given back to it after that day (``given_back_on``)."""
        return self.given_back_on is None or self.given_back_on <= day


@attrs.frozen
class Draw:
    """How much of one charge the allowance covers, and how much is overage."""

    covered: Decimal
    overage: Decimal


@attrs.frozen
class TopUp:
    """Quantity added to an allowance on a day (``PrepaidAllowance.top_up``)."""

    topped_up_on: date
    quantity: Decimal


def hours_of_overage(hours: Decimal, charged: Decimal, overage: Decimal) -> Decimal:
    """The hours of a time entry that ``overage`` of its charge (``charged``, both in the
    allowance's unit) bills: all of them for the whole charge, else their share, never more.

    A money allowance is charged an entry's value rounded to the cent, so the overage over the
    rate is not the hours: 0.5 hours at 33.33 are charged 16.67, and 16.67 / 33.33 is 0.50015
    hours, more than were logged."""
    if overage >= charged:
        return hours
    return min(hours, hours * overage / charged)


def overage_piece_worth(
    rate: Decimal, billed: Decimal, billed_worth: Decimal, quantity: Decimal, quantum: Decimal
) -> Decimal:
    """What a new piece (``quantity`` hours) of a time entry's overage on an hours allowance
    bills: the entry's overage billed so far (``billed`` hours) with the piece, at the entry's
    ``rate``, rounded once half up to the currency's ``quantum``, less what was billed of it
    already (``billed_worth``). Billed a piece at a time, an entry's overage adds back up to
    its hours at its rate rounded once, never a cent more: an hour at 33.33 whose halves
    become overage one after the other bills 16.67, then 16.66."""
    whole = (rate * (billed + quantity)).quantize(quantum, rounding=ROUND_HALF_UP)
    return whole - billed_worth


def follow_overage_worth(
    worth: dict[str, Decimal],
    pieces: dict[str, list[Decimal]],
    billed: Mapping[str, Decimal],
    billed_now: bool,
    invoice_hex: str,
    key: str,
    quantity: Decimal,
    rate: Decimal,
    quantum: Decimal,
) -> None:
    """Follow what an hours allowance's billed overage is worth, by charge key (``worth``),
    through one ``OverageBilled`` (``billed_now``) or ``OverageReleased`` quantity of an
    invoice, before the allowance's billed hours (``billed``) take it in. A piece billed is
    worth ``overage_piece_worth``, what its invoice's line bills; one released gives back what
    its invoice billed of the charge (``pieces``, by invoice and key: [hours, worth]), so a
    piece given back and billed again, while others stay billed, never drifts either. Both the
    application and the read models follow the allowance's events with this."""
    piece = f"{invoice_hex} {key}"
    held = pieces.get(piece)
    if billed_now:
        amount = overage_piece_worth(
            rate, billed.get(key, Decimal(0)), worth.get(key, Decimal(0)), quantity, quantum
        )
        if held is None:
            held = pieces[piece] = [Decimal(0), Decimal(0)]
        held[0] += quantity
        held[1] += amount
        worth[key] = worth.get(key, Decimal(0)) + amount
        return
    if held is None or held[0] <= 0:  # (not billed through these events: at its rate)
        amount = (rate * quantity).quantize(quantum, rounding=ROUND_HALF_UP)
    elif quantity >= held[0]:
        amount = held[1]
    else:  # (part of what the invoice billed of the charge: its share)
        amount = (held[1] * quantity / held[0]).quantize(quantum, rounding=ROUND_HALF_UP)
    if held is not None:
        held[0] -= quantity
        held[1] -= amount
        if held[0] <= 0:
            del pieces[piece]
    if billed.get(key, Decimal(0)) - quantity <= 0:
        worth.pop(key, None)  # (nothing of it billed any more: nothing of it is worth anything)
    else:
        worth[key] = worth.get(key, Decimal(0)) - amount


def draw_in_work_date_order(
    granted: Decimal,
    charges: Sequence[Charge],
    billed_overage: Mapping[str, Decimal],
) -> dict[str, Draw]:
    """Cover charges in work-date order (then entry id, then request) until the granted quantity
    runs out; results and ``billed_overage`` are by charge key (``charge_key``).

    Overage that was already invoiced stays overage (it is not pulled back into cover), so an
    issued invoice is never contradicted; the rest is drawn oldest work first.
    Invariants: total covered <= granted; covered + overage = quantity for every charge.
    """
    left = granted
    result: dict[str, Draw] = {}
    for charge in sorted(charges, key=lambda c: (c.work_date, c.entry_id, c.request_id.int)):
        key = charge.key
        fixed = min(billed_overage.get(key, Decimal(0)), charge.quantity)
        covered = max(Decimal(0), min(charge.quantity - fixed, left))
        left -= covered
        result[key] = Draw(covered, charge.quantity - covered)
    return result


def require_whole_minor_units(
    unit: AllowanceUnit, quantity: Decimal, currency: str, field: str = "quantity"
) -> None:
    """Refuse (``InvalidValue`` naming the field) money granted, topped up or carried finer than
    the currency's minor unit (0.001 EUR): no invoice or payment can ever draw or settle it.
    Hours may be any fraction."""
    if unit is AllowanceUnit.MONEY and not Money(quantity, currency).is_rounded():
        raise InvalidValue(
            f"must be whole minor units of {currency} (a money allowance)",
            field=field,
            value=quantity,
        )


def require_unit_and_period(unit: object, period: object, period_field: str = "period") -> None:
    """Refuse (``InvalidValue`` naming the field) a unit that is not an ``AllowanceUnit`` (the
    text "hours") or a period that is not a ``Period`` (None, or two days in a tuple): recorded,
    such an allowance could not be drawn, reported or replayed, for good."""
    if not isinstance(unit, AllowanceUnit):
        raise InvalidValue(
            f"must be an AllowanceUnit (HOURS or MONEY), not {type(unit).__name__}",
            field="unit",
            value=unit,
        )
    require_period(period, period_field)


def require_period(period: object, field: str = "period") -> None:
    """Refuse (``InvalidValue`` naming the field) an allowance period that is not a
    ``Period``, or one that holds no day (1 March to 1 March: the end day is left out): no
    work could ever draw such an allowance, yet it would cover requests in place of a PO and
    its hours be forfeited. Checked on new grants and roll-overs only."""
    if not isinstance(period, Period):
        raise InvalidValue(
            f"must be a Period, not {type(period).__name__}", field=field, value=period
        )
    if period.days == 0:
        raise InvalidValue(
            f"holds no day: {period.start} to {period.end} leaves its end day out, so no "
            "work could draw on it; a one-day period ends the day after its day",
            field=field,
            value=period,
        )


class PrepaidAllowance(ChecksFacts, TimeOrderedIds, Aggregate):
    """Hours or money granted for a period, drawn by work, with overage billed.

    A money allowance is granted, topped up and rolled over in whole minor units of its
    currency (``require_whole_minor_units``), checked on new events only: an allowance
    granted before the check still loads. Its currency may be another than its customer's,
    as a request's, a contract's or an invoice's may: it covers requests of its currency."""

    # the top-ups with their days, in the order made; None in an allowance read from a
    # snapshot taken before q2c kept them (its top-ups then count from its grant: ``granted_by``)
    top_ups: list[TopUp] | None = None

    @classmethod
    def _create(cls, event_class: type, **kwargs: Any) -> Any:
        """A new allowance counts hours or money (an ``AllowanceUnit``) over a ``Period``, and
        its money is whole minor units of its currency; only new ones, so a history granted
        before these rules still loads."""
        unit, quantity, currency = (kwargs.get(k) for k in ("unit", "quantity", "currency"))
        require_unit_and_period(unit, kwargs.get("period"))
        if (
            isinstance(unit, AllowanceUnit)
            and isinstance(quantity, Decimal)
            and isinstance(currency, str)
        ):
            Money.zero(currency)  # (a currency q2c does not know is refused as such first)
            require_whole_minor_units(unit, quantity, currency)
        return super()._create(event_class, **kwargs)

    @event("Granted")
    def __init__(
        self,
        customer_id: UUID,
        unit: AllowanceUnit,
        quantity: Decimal,
        period: Period,
        granted_on: date,
        actor: str,
        currency: str,
        contract_id: UUID | None = None,
        rolled_over_from: UUID | None = None,
    ) -> None:
        if quantity < 0:
            raise InvalidValue("must not be negative", field="quantity", value=quantity)
        Money.zero(currency)  # validates the currency code
        self.customer_id = customer_id
        self.contract_id = contract_id
        self.unit = unit
        self.currency = currency
        self.granted = quantity
        self.period = period
        self.granted_on = granted_on
        self.rolled_over_from = rolled_over_from
        self.status = AllowanceStatus.OPEN
        self.charges: list[Charge] = []
        self.billed_overage: dict[str, Decimal] = {}
        self.closed_on: date | None = None
        self.forfeited = Decimal(0)
        self.rolled_over_to: UUID | None = None
        self.rolled_over_quantity = Decimal(0)
        # once closed, cover is capped at what was consumed then, so a later release of billed
        # overage can never draw on hours that were forfeited or rolled over
        self.cover_cap: Decimal | None = None
        self.top_ups = []

    def _require_open(self, doing: str) -> None:
        if self.status is not AllowanceStatus.OPEN:
            raise InvalidTransition(
                f"cannot {doing}: the allowance is {self.status.value}",
                field="status",
                aggregate_id=self.id,
                value=self.status,
            )

    def _require_granted_by(self, day: date, field: str, doing: str) -> None:
        """Refuse (``InvalidTransition`` naming ``field``) expiring or topping up the allowance
        on a day before it was granted: hours forfeited or bought before they existed would
        read on the days between (0 granted, 5 forfeited). Checked on new events only."""
        if day < self.granted_on:
            raise InvalidTransition(
                f"cannot {doing} on {day}, before the allowance was granted "
                f"({self.granted_on}); {doing} on or after {self.granted_on}",
                field=field,
                aggregate_id=self.id,
                value=day,
            )

    # -- derived ---------------------------------------------------------------------------------

    def draws(self) -> dict[str, Draw]:
        """Cover and overage of every charge, by charge key."""
        cap = self.granted if self.cover_cap is None else self.cover_cap
        return draw_in_work_date_order(cap, self.charges, self.billed_overage)

    @property
    def charged(self) -> Decimal:
        """Everything charged against the allowance."""
        return sum((c.quantity for c in self.charges), Decimal(0))

    @property
    def consumed(self) -> Decimal:
        """What the allowance covers (never more than granted)."""
        return sum((d.covered for d in self.draws().values()), Decimal(0))

    @property
    def overage(self) -> Decimal:
        """What was charged beyond the allowance: billable."""
        return self.charged - self.consumed

    @property
    def remaining(self) -> Decimal:
        """What is left to draw; nothing once expired or rolled over."""
        if self.status is not AllowanceStatus.OPEN:
            return Decimal(0)
        return self.granted - self.consumed

    def unbilled_overage(self) -> dict[str, Decimal]:
        """Overage not yet invoiced, by charge key."""
        result: dict[str, Decimal] = {}
        for key, draw in self.draws().items():
            open_overage = draw.overage - self.billed_overage.get(key, Decimal(0))
            if open_overage > 0:
                result[key] = open_overage
        return result

    # -- as it stood on a day -------------------------------------------------------------------
    # What invoices billed of the overage on a day is not in the allowance (``OverageBilled`` and
    # ``OverageReleased`` carry no business day): ``billed`` gives it, by charge key, as the
    # invoices' draft, void and credit days tell (``Invoice.lines_holding_work_on``).

    def granted_by(self, day: date) -> Decimal:
        """What was granted on or before ``day``: the grant from its day, each top-up from its
        own (those of a snapshot that did not keep their days count from the grant)."""
        if self.granted_on > day:
            return Decimal(0)
        if self.top_ups is None:
            return self.granted
        return self.granted - sum(
            (t.quantity for t in self.top_ups if t.topped_up_on > day), Decimal(0)
        )

    def rolled_over_by(self, day: date) -> Decimal:
        """What had left the allowance for the next one by the end of ``day``: nothing before
        its roll-over's day; from then what was carried that day, and each top-up dated after
        it (bought after the carry-over, recorded here before it was: ``roll_over``) from its
        own day, as the next allowance has it (``granted_by``). ``rolled_over_quantity`` from
        the last such day on.

        Those top-ups are the ones dated after the roll-over's day: ``RolledOver`` records them
        with what was carried, and nothing is topped up once rolled over. (A history recorded
        before q2c carried them apart may have carried less than them; then nothing is said
        to have left before they were bought, never less than nothing.)"""
        if self.status is not AllowanceStatus.ROLLED_OVER or not self.closed_by(day):
            return Decimal(0)
        assert self.closed_on is not None
        later = [t for t in self.top_ups_after(self.closed_on) if t.topped_up_on > day]
        return max(
            Decimal(0),
            self.rolled_over_quantity - sum((t.quantity for t in later), Decimal(0)),
        )

    def closed_by(self, day: date) -> bool:
        """Whether it had expired or been rolled over by the end of ``day``: nothing was left
        to draw from then on (what was left was forfeited, or is the next allowance's)."""
        return self.closed_on is not None and self.closed_on <= day

    def draws_on(self, day: date, billed: Mapping[str, Decimal]) -> dict[str, Draw]:
        """Cover and overage, by charge key, of the work dated on or before ``day``, drawn on
        what was granted by then (``draw_in_work_date_order``); once closed by then, on what
        was consumed when it closed. An entry given back to the allowance after ``day``
        (``Charge.given_back_on``) is left out: an invoice held it then."""
        charges = [c for c in self.charges if c.work_date <= day and c.charged_by(day)]
        if self.closed_by(day) and self.cover_cap is not None:
            cap = self.cover_cap
        else:
            cap = self.granted_by(day)
        return draw_in_work_date_order(cap, charges, billed)

    def remaining_on(self, day: date, billed: Mapping[str, Decimal]) -> Decimal:
        """What was left to draw at the end of ``day``: granted by then less covered work dated
        by then (and charged by then: ``draws_on``); nothing before the grant, nor once closed
        by then."""
        if self.granted_on > day or self.closed_by(day):
            return Decimal(0)
        covered = sum((d.covered for d in self.draws_on(day, billed).values()), Decimal(0))
        return self.granted_by(day) - covered

    def unbilled_overage_on(self, day: date, billed: Mapping[str, Decimal]) -> dict[str, Decimal]:
        """Overage of the work dated by ``day`` that no invoice billed then, by charge key: an
        overage exists on a day only from charges dated on or before it, and charged by then
        (``draws_on``)."""
        result: dict[str, Decimal] = {}
        for key, draw in self.draws_on(day, billed).items():
            open_overage = draw.overage - billed.get(key, Decimal(0))
            if open_overage > 0:
                result[key] = open_overage
        return result

    def _current_keys(self, quantities: dict[str, Decimal]) -> dict[str, Decimal]:
        keys = [c.key for c in self.charges]
        return {resolve_charge_key(k, keys): q for k, q in quantities.items()}

    # snapshots taken before charges were keyed by request hold billed overage by entry id
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot's billed overage by entry id, as charge keys."""
        keys = [c.key for c in state["charges"]]
        state["billed_overage"] = {
            resolve_charge_key(k, keys): q for k, q in state["billed_overage"].items()
        }

    def can_draw(self, work_date: date) -> bool:
        """Whether work done on that day can draw: the allowance is open and the day in its period.

        Work the allowance cannot take is not refused by the request: it is billable as usual.
        """
        return self.status is AllowanceStatus.OPEN and work_date in self.period

    def passes_on(self, work_date: date) -> UUID | None:
        """The allowance that takes work done on a day after this one's period, once what was
        left here was rolled over into it (that one draws it, or passes it on in turn); None
        otherwise. Work dated in this allowance's own period stays with it: covered while it is
        open, ordinary billable work once it is closed."""
        if self.rolled_over_to is not None and work_date >= self.period.end:
            return self.rolled_over_to
        return None

    def charge_for(self, key: str) -> Charge:
        """The charge of one time entry, by its charge key (``charge_key``)."""
        hex_id, entry_id = key[:32], key[33:]
        for charge in self.charges:
            if charge.entry_id == entry_id and charge.request_id.hex == hex_id:
                return charge
        raise RuleViolated(
            f"no charge {key!r}",
            field="entry_id",
            aggregate_id=self.id,
            value=key,
        )

    # -- commands --------------------------------------------------------------------------------

    @event("WorkCharged")
    def charge_work(self, charge: Charge, actor: str) -> None:
        """Draw authorized work against the allowance; what does not fit is overage."""
        self._require_open("charge work")
        if charge.work_date not in self.period:
            raise AllowanceExhausted(
                f"work on {charge.work_date} is outside the allowance period {self.period}",
                field="work_date",
                aggregate_id=self.id,
                value=charge.work_date,
            )
        if charge.rate.currency != self.currency:
            raise CurrencyMismatch(
                f"work rated in {charge.rate.currency}, allowance in {self.currency}",
                field="rate",
                aggregate_id=self.id,
            )
        entry_id, request_id = charge.entry_id, charge.request_id
        if any(c.entry_id == entry_id and c.request_id == request_id for c in self.charges):
            raise DuplicateEntry(
                f"entry {charge.entry_id!r} of request {charge.request_id} is already charged",
                field="entry_id",
                aggregate_id=self.id,
                value=charge.entry_id,
            )
        # (free work on a money allowance is charged at nothing: covered, never overage)
        if charge.quantity < 0:
            raise InvalidValue("must not be negative", field="quantity", value=charge.quantity)
        self.charges.append(charge)

    @event("OverageBilled")
    def bill_overage(self, invoice_id: UUID, quantities: dict[str, Decimal], actor: str) -> None:
        """An invoice bills this overage (quantities by charge key); it stays overage from now
        on."""
        quantities = self._current_keys(quantities)
        open_overage = self.unbilled_overage()
        for key, quantity in quantities.items():
            if quantity <= 0 or quantity > open_overage.get(key, Decimal(0)):
                raise RuleViolated(
                    f"charge {key!r} has {open_overage.get(key, Decimal(0))} unbilled "
                    f"overage, not {quantity}",
                    field="quantities",
                    aggregate_id=self.id,
                    value=quantity,
                )
        for key, quantity in quantities.items():
            self.billed_overage[key] = self.billed_overage.get(key, Decimal(0)) + quantity

    @event("OverageReleased")
    def release_overage(
        self, invoice_id: UUID, quantities: dict[str, Decimal], reason: str, actor: str
    ) -> None:
        """Overage billed by a voided invoice, or credited as re-billable, is unbilled again
        (quantities by charge key)."""
        quantities = self._current_keys(quantities)
        for key, quantity in quantities.items():
            if quantity > self.billed_overage.get(key, Decimal(0)):
                raise RuleViolated(
                    f"charge {key!r} has less billed overage than {quantity}",
                    field="quantities",
                    aggregate_id=self.id,
                    value=quantity,
                )
        for key, quantity in quantities.items():
            self.billed_overage[key] -= quantity
            if self.billed_overage[key] == 0:
                del self.billed_overage[key]

    def withdraw_charge(self, request_id: UUID, entry_id: str, reason: str, actor: str) -> bool:
        """The charge of a time entry withdrawn as logged in error
        (``EnhancementRequest.withdraw_work``) leaves the allowance (``ChargeWithdrawn``):
        what it covered is left to draw again, for later work by work date, as if it had never
        been charged (on a closed allowance it covers the overage left, the rest forfeited).
        Returns whether the allowance held it. Refused (``RuleViolated`` naming
        ``entry_id``): a charge whose overage an invoice bills (void the draft, or credit the
        issued invoice as re-billable, first)."""
        key = charge_key(request_id, entry_id)
        if all(c.key != key for c in self.charges):
            return False
        billed = self.billed_overage.get(key, Decimal(0))
        if billed > 0:
            raise RuleViolated(
                f"time entry {entry_id!r} has {billed} of overage billed on this allowance: "
                "void the draft, or credit the issued invoice as re-billable, first",
                field="entry_id",
                aggregate_id=self.id,
                value=entry_id,
            )
        require_reason(reason, "reason", self.id)
        self._charge_withdrawn(request_id, entry_id, reason, actor)
        return True

    @event("ChargeWithdrawn")
    def _charge_withdrawn(self, request_id: UUID, entry_id: str, reason: str, actor: str) -> None:
        """The ``ChargeWithdrawn`` event (``withdraw_charge``, which checks it). On a closed
        allowance what it covered first covers the overage left, as if it had never been
        charged; the rest is forfeited (nothing more can be carried or drawn), so what was
        granted is still drawn, forfeited or rolled over."""
        key = charge_key(request_id, entry_id)
        self.charges = [c for c in self.charges if c.key != key]
        if self.cover_cap is not None:
            kept = self.consumed  # (drawn on the cap as it closed)
            self.forfeited += self.cover_cap - kept
            self.cover_cap = kept

    def top_up(self, quantity: Decimal, topped_up_on: date, reason: str, actor: str) -> None:
        """Add to the allowance (a new purchase of hours, or of money in whole minor units),
        saying why in visible text (``InvalidValue`` naming ``reason`` when blank, only spaces
        and invisible characters: ``person_key`` leaves nothing of it, a zero-width space; or
        holding a control character), on or after the day it was granted
        (``InvalidTransition`` naming ``topped_up_on``). Checked on new top-ups only, so a
        history recorded before still loads."""
        require_whole_minor_units(self.unit, quantity, self.currency)
        if isinstance(reason, str):
            refuse_unreadable_reason(reason, "reason", self.id)
        self._require_open("top up")
        self._require_granted_by(
            require_day(topped_up_on, "topped_up_on"), "topped_up_on", "top up"
        )
        self._topped_up(quantity, topped_up_on, reason, actor)

    @event("ToppedUp")
    def _topped_up(self, quantity: Decimal, topped_up_on: date, reason: str, actor: str) -> None:
        """The ``ToppedUp`` event (``top_up``, which checks money's minor units)."""
        self._require_open("top up")
        if quantity <= 0:
            raise InvalidValue("must be more than zero", field="quantity", value=quantity)
        self.granted += quantity
        if self.top_ups is not None:
            self.top_ups.append(TopUp(topped_up_on, quantity))

    def top_ups_after(self, day: date) -> list[TopUp]:
        """The top-ups dated after ``day``, in the order made (none known for an allowance read
        from a snapshot that did not keep their days)."""
        return [t for t in self.top_ups or () if t.topped_up_on > day]

    def left_on(self, day: date) -> Decimal:
        """What was left to carry over at the end of ``day``, a day its period is over: what was
        granted, less the top-ups dated after ``day`` (not bought yet), less what that covers
        of the work charged (in work-date order). Without such top-ups, ``remaining``."""
        granted = self.granted - sum((t.quantity for t in self.top_ups_after(day)), Decimal(0))
        draws = draw_in_work_date_order(granted, self.charges, self.billed_overage)
        return granted - sum((d.covered for d in draws.values()), Decimal(0))

    def _require_no_cover_bought_after(self, day: date, field: str, doing: str) -> None:
        """Refuse (``InvalidTransition`` naming ``field``) closing the allowance on ``day`` when
        hours (or money) topped up after ``day`` cover work of its period: closed on ``day``,
        it would keep them covering it from a day before they were bought."""
        late = self.top_ups_after(day)
        if not late:
            return
        granted = self.granted - sum((t.quantity for t in late), Decimal(0))
        draws = draw_in_work_date_order(granted, self.charges, self.billed_overage)
        if sum((d.covered for d in draws.values()), Decimal(0)) != self.consumed:
            last = max(t.topped_up_on for t in late)
            raise InvalidTransition(
                f"cannot {doing} on {day}: what was topped up on {last}, after it, covers "
                f"work of the period; {doing} on or after {last}",
                field=field,
                aggregate_id=self.id,
                value=day,
            )

    def expire(self, expired_on: date, actor: str) -> None:
        """The period is over: what is left is forfeited, and nothing more can be drawn.

        Not before the period ends, nor before the last top-up's day, nor before the grant's
        (``InvalidTransition`` naming ``expired_on``): what was bought after the expiry's day
        would be forfeited before it was bought. Checked on new expiries only: a history
        recorded before loads."""
        self._require_open("expire")
        self._require_granted_by(require_day(expired_on, "expired_on"), "expired_on", "expire")
        late = self.top_ups_after(expired_on)
        if late:
            last = max(t.topped_up_on for t in late)
            raise InvalidTransition(
                f"cannot expire on {expired_on}: topped up on {last}, after it (what was bought "
                f"then would be forfeited before it was bought); expire on or after {last}",
                field="expired_on",
                aggregate_id=self.id,
                value=expired_on,
            )
        self._expired(expired_on, actor)

    @event("Expired")
    def _expired(self, expired_on: date, actor: str) -> None:
        """The ``Expired`` event (``expire``, which checks the top-ups' days)."""
        self._require_open("expire")
        if expired_on < self.period.end:
            raise InvalidTransition(
                f"cannot expire before the period ends ({self.period.end})",
                field="expired_on",
                aggregate_id=self.id,
                value=expired_on,
            )
        self.cover_cap = self.consumed
        self.forfeited = self.granted - self.cover_cap
        self.closed_on = expired_on
        self.status = AllowanceStatus.EXPIRED

    def repeats_expiry(self, expired_on: object) -> bool:
        """Whether the allowance expired on ``expired_on`` already: the same expiry sent again
        after a lost response."""
        return (
            self.status is AllowanceStatus.EXPIRED
            and type(expired_on) is date
            and self.closed_on == expired_on
        )

    def carried_on_roll_over(self) -> Decimal:
        """What its roll-over carried of what was left that day: the top-ups bought after the
        day, which went with it whole (``roll_over``), aside."""
        assert self.closed_on is not None
        late = sum((t.quantity for t in self.top_ups_after(self.closed_on)), Decimal(0))
        return self.rolled_over_quantity - late

    def roll_over(
        self,
        to_allowance_id: UUID,
        quantity: Decimal,
        rolled_over_on: date,
        actor: str,
        new_period: Period | None = None,
    ) -> None:
        """Carry (part of) what is left into the next period's allowance; the rest is forfeited.

        As an expiry, not before the period ends (``InvalidTransition`` naming
        ``rolled_over_on``), and into a period that starts no earlier than this one ends
        (``InvalidValue`` naming ``new_period``): an early roll-over, or one into a period
        overlapping this one, would leave work of the overlap billed while carried hours sit
        unused. Checked on new roll-overs only: a history recorded before still loads.

        ``quantity`` is what is carried on ``rolled_over_on``, never more than was left then
        (``left_on``; ``AllowanceExhausted`` naming ``quantity``). What was topped up after that
        day (bought after the carry-over, recorded here before it was) is not forfeited: it
        goes with the carry-over whole (``RolledOver`` records it with ``quantity``), and the
        next allowance has it from its own day (``QuoteToCash.roll_over_allowance``). When
        such top-ups cover work of this period, the roll-over is refused
        (``InvalidTransition`` naming ``rolled_over_on``): roll over on or after their day."""
        self._require_open("roll over")
        if require_day(rolled_over_on, "rolled_over_on") < self.period.end:
            raise InvalidTransition(
                f"cannot roll over before the period ends ({self.period.end})",
                field="rolled_over_on",
                aggregate_id=self.id,
                value=rolled_over_on,
            )
        if new_period is not None and new_period.start < self.period.end:
            raise InvalidValue(
                f"must start on or after {self.period.end}, when the period rolled over ends "
                f"(not {new_period.start})",
                field="new_period",
                aggregate_id=self.id,
                value=new_period,
            )
        self._require_no_cover_bought_after(rolled_over_on, "rolled_over_on", "roll over")
        there = self.left_on(rolled_over_on)
        if quantity < 0 or quantity > there:
            raise AllowanceExhausted(
                f"only {there} left on {rolled_over_on} to roll over, not {quantity}",
                field="quantity",
                aggregate_id=self.id,
                value=quantity,
            )
        late = sum((t.quantity for t in self.top_ups_after(rolled_over_on)), Decimal(0))
        self._rolled_over(to_allowance_id, quantity + late, rolled_over_on, actor)

    @event("RolledOver")
    def _rolled_over(
        self, to_allowance_id: UUID, quantity: Decimal, rolled_over_on: date, actor: str
    ) -> None:
        """The ``RolledOver`` event (``roll_over``, which checks its days)."""
        self._require_open("roll over")
        left = self.granted - self.consumed
        if quantity < 0 or quantity > left:
            raise AllowanceExhausted(
                f"only {left} left to roll over, not {quantity}",
                field="quantity",
                aggregate_id=self.id,
                value=quantity,
            )
        self.cover_cap = self.consumed
        self.rolled_over_to = to_allowance_id
        self.rolled_over_quantity = quantity
        self.forfeited = left - quantity
        self.closed_on = rolled_over_on
        self.status = AllowanceStatus.ROLLED_OVER
