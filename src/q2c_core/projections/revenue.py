"""Revenue recognition (ASC 606 / IFRS 15): maintenance ratably by day over its service period,
enhancements when the work is completed (or its request cancelled: nothing is left to deliver,
and what was invoiced for the work done is earned on the cancellation day), expenses and other
items when invoiced; deposits are customer advances, not revenue. Deferred revenue = invoiced -
recognised, as of any date, on the lines invoiced by then; service earned before its line was
invoiced (billing in arrears, a late invoice) is a contract asset on that day
(``contract_assets``), not negative deferred revenue.

A credit note's maintenance line that names its service period (a termination, a removal, a
reprice) un-earns exactly those days, ratably, with the sign reversed: the days of its period
already served on the credit's issue date are reversed on that date (a cumulative catch-up), and
the later days are reversed day by day as they pass, so they simply never get recognised. Before
its issue date a credit changes nothing. Two credits un-earn their days on the days served
instead, because no issued line earned those days before them: a credit of an invoice not
issued before it (drafted by the same run, or issued with it: a back-dated termination of a
month billed in arrears and still a draft), and a credit of the days a sub-contract moved to
another contract for (the contract it moved to earns them on the days served). Until issued,
those days counted at the contract's live terms; issuing the documents as drafted leaves every
day already served as it stood, never counting a day on both contracts nor a terminated day
until the credit's issue day. Not so a credit of a correction's re-billing not issued before
it (a re-price corrected again before the first correction was issued): the re-billing earns
from its issue day (below), and so its credit un-earns from its own. A billing run's
correction that bills again the days it
credits (a back-dated re-price: the old price credited, the new one billed) follows the same
rule with the sign kept: the days already served are earned on the charge's issue date, the
later days as they pass, so a re-price is recognised when it is made, both its credit and its
charge, and never restates a month already reported. Days a correction bills for the first
time (a sub-contract added or moved in after its period was invoiced, days a renewal adds) and
any contract line issued late (billing in arrears) earn their days on the days served (a
contract asset until invoiced). A credit of enhancement work follows the rule of the line
it credits: un-earned when the work is completed or its request cancelled, or on its own issue
date if that is later, so work credited before a cancellation recognises nothing either way.
Other credit-note lines are reversed when issued.

A credit note that writes the work off (``writes_off``: WRITTEN_OFF, with a line that is neither
a billing run's correction nor a deposit, the books' own rule) takes no revenue back: the work
was done, and what is given up is a credit loss, an expense (the books' ``Expenses:WriteOffs``),
not a price concession. Its lines are no revenue lines, nor do they un-bill any contract day:
what the lines it credits earn is earned as before, so the schedule holds the books' revenue and
deferred revenue to the cent; drafted, it forecasts nothing taken back.

Days a contract has served that no issued line bills yet (billed in arrears, a draft awaiting
its approvals, a run not made yet) are recognised on the days served too, a contract asset
(``unbilled``), at what the contract charges for them now: the billing run's charge at the
contract's live terms, per sub-contract; a draft adds nothing of its own (as the forecast counts
them, below). The run bills the same days at the same amounts, so issuing the invoice moves them
to the issued lines and ``recognised`` for a day already reported does not move. Only a change
to what the contract charges for days served and not issued yet (a back-dated price, removal or
termination, also one recorded after the run drafted those days, a sub-contract added to a
period already invoiced, once its correction is issued) moves it. A contract never activated
has served nothing. ``by_month`` is what the issued lines earn each month (the forecast's
``scheduled``).

A change of a sub-contract inside a billing period (a new price, its removal) cuts the run's
slice of it there, and the billing run rounds the slice before the change on its own: at its
own rate its days would earn a cent more or less than they did before the change was recorded.
So a slice a change ends earns its days at the rate of the slice it was before the change (the
run's charge with the sub-contract's later changes left out), and what it is charged at less
that on the change's day; served and not billed yet, drafted and issued alike. The run splits
a sub-contract's rounding among its slices anew at each change, so a later change in the same
period may move that slice's amount by a cent: that is taken on the later change's day. A
change never moves a day before its effective day, and issuing the slice as drafted moves no
day either. The rate of the slice before the change (its amount times the days over its own
days) is no Decimal: it is carried as an exact fraction, and only the running totals are
rounded, so a day whose exact total is half a cent rounds as it did before the change.

Ratable amounts are computed on the running total: recognised through day D is the line amount
times the days served through D over the days of the period, rounded half up; a month's share is
the difference of two running totals, so the months add up to the line amount exactly. Days are
counted as the line's contract counts them (``DayCount``): actual days, or 30E/360 days for a
contract billed by 30E/360, whose every month then earns the same. The billing run prorates a
credit by the same count, so a credit un-earns its days at the rate its line earned them, and
deferred revenue never goes below zero. Running totals of several lines are summed exactly and
rounded once per currency, so the order the lines are added in never moves a cent.

The books (the Beancount ledger) recognise each line by the same running total: a month's share
is the difference of the line's running totals at the month's last day and the one before
(``RecognitionLine.steps``), each rounded, booked on that day, or on the issue day for days
served before it. The once-rounded total of the lines differs from their shares, each rounded,
by a cent or so, and on a day in the middle of a month also by what the month's days so far
earned: ``RecognisedToDate`` keeps, for each day the books are reconciled on (month ends, issue
days), both differences, which the ledger books as such, so on those days the books hold the
schedule's figures to the cent.

The forecast (``forecast``) counts from the day after its date: the rest of that month first,
then whole months, so what is recognised by a day and what is forecast after it meet. It shows
two figures per month, so a reader sees what is firm and what is expected:

* ``scheduled``: revenue from issued invoices (the rules above), as ``by_month`` reports it.
* ``contracted``: maintenance the contracts commit to that is not issued yet, counted as
  ``unbilled`` counts it: every day of a contract's term that no issued line bills its
  sub-contract for counts at the contract's live terms, the billing run's own charge of each
  billing period (``billing.charge_period``: the sub-contracts and prices in force on each day,
  prorated by the contract's day count), one slice per sub-contract and run of days at one
  price, recognised ratably by day over the slice. A draft adds nothing of its own: what it
  bills is what the contract charges, and a change recorded after it was drafted (a back-dated
  termination or price) counts at once, so no day after a contract's end is forecast. Only a
  drafted correction of an issued invoice counts as expected (it is what brings the invoice in
  line): its credit notes, and the days it bills again at a new price (re-billing lines name
  no invoice: those whose every day a credit of an issued invoice, drafted or issued, credits
  for the same sub-contract), as if issued on the day they are expected, their draft day or
  the forecast's first day if later: both what they earn by the rules above and the days they
  take from, or give back to, the lines they correct. So what is recognised by a day plus the
  forecast after it is what the contracts earn over those days, once those corrections are
  issued; the billing run bills each slice as one line over the same days, so an issued
  period moves from contracted to scheduled without changing the month's total.

A month's total is the difference of two running totals, the scheduled and the contracted
ones summed exactly and rounded once per currency, as the scheduled one is on its own; the
month's ``contracted`` is its total less its ``scheduled``. Each part rounded on its own would
move the total by a cent when one of two contracts has a period issued and the other not yet.

Assumptions, stated because a forecast is only as good as them: a contract counts up to its
term's end; a signed contract that is not activated yet, and a suspended one, count (the
billing run bills suspended contracts; suspension is a collection measure, not the end of
the service), but one terminated or expired before it went live (never activated, or ended
on or before its go-live day) counts nothing (the billing run never bills it). An evergreen
(auto-renew) contract still live continues past its term's end as the billing run would renew
it: by its signed term's length each time, prices going up by its renewal uplift (if any) at
each renewal; renewed through the end of the billing period that holds the horizon's last
day, whatever the timing, as the run renews it to bill that period whole (``contract_terms``),
so the horizon's days of that period count as a share of its whole charge by the running
total, as its line will earn them. A terminated or expired contract
counts only the unbilled days before its end. An issued period changed afterwards (its
correction not yet drafted) is shown at what was issued until the billing run corrects it. So
is a sub-contract moved to another contract: the days its old contract's issued lines still
bill it for (no credit note of them drafted yet) count there, and not on the contract it moved
to as well.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Context, Decimal, getcontext
from fractions import Fraction
from typing import Any, TypeVar
from uuid import UUID

import attrs

from q2c_core.domain.billing import (
    billing_periods,
    charge_period,
    covered_days,
    day_count,
    days_between,
    renewal_end,
    renewal_horizon,
)
from q2c_core.domain.billing_records import BilledSlice
from q2c_core.domain.contract import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    PeriodAlignment,
    SubContract,
)
from q2c_core.domain.enhancement_request import cancellation_day
from q2c_core.domain.errors import InvalidValue, Q2CError
from q2c_core.domain.invoice import CreditDisposition, InvoiceKind
from q2c_core.domain.invoice_lines import CORRECTION_REBILL_NOTE, InvoiceLine
from q2c_core.domain.money import Money, minor_units
from q2c_core.domain.values import Period, require_whole
from q2c_core.domain.write_offs import writes_off
from q2c_core.projections._contracts import (
    CONTRACT_CHANGES,
    add_months,
    apply_contract_event,
    never_served,
    new_contract_row,
    sub_contracts_of,
)
from q2c_core.projections._facts import compact_lines, invoice_facts
from q2c_core.projections.base import Projection, check_day, handles, id_key
from q2c_core.projections.store import Row

# a revenue line in a row: [line id, revenue kind, net, request hex, period start, period end,
# contract hex and sub-contract id (of a line billing or crediting a contract's service period,
# else ""), whether it bills again days a correction credits (earned from its issue day), and
# the hex of the invoice a contract line's credit credits (else "")]
KIND, NET, REQUEST, P_START, P_END, CONTRACT, SUB, CATCH_UP, CREDITS = 1, 2, 3, 4, 5, 6, 7, 8, 9

# lines that bill (or, on a credit note, credit) a contract's service period
_CONTRACT_SOURCES = ("CONTRACT_PERIOD", "CREDIT")

# statuses of a contract still running: an evergreen one of these is renewed by the billing run
_LIVE = ("SIGNED", "ACTIVE", "SUSPENDED")

# sums of running totals are exact: the terms' digits all fit, so no order of adding them rounds
_EXACT = Context(prec=120)

# a row getter: a projection's ``get``, or a ``rows`` dict's
RowGetter = Callable[[str], dict[str, Any] | None]

# a ratable piece of contracted revenue: (currency, exact amount, the days it is spread over,
# how they are counted); an amount no Decimal holds exactly (a slice's days at the rate of
# another slice, ``_slice_pieces``) is an exact fraction, never rounded before a running total
Piece = tuple[str, Decimal | Fraction, Period, DayCount]


def _slim(lines: list[list[Any]], originals: Sequence[InvoiceLine]) -> list[list[Any]]:
    """The revenue columns of compact lines (``originals``, the event's lines, name the
    sub-contract a contract line bills)."""
    from q2c_core.projections import _facts as f

    result = []
    for x, line in zip(lines, originals, strict=True):
        of_contract = x[f.SOURCE] in _CONTRACT_SOURCES and x[f.P_START]
        sub = line.source.sub_contract_id if of_contract and line.source else None
        result.append(
            [
                x[f.LINE_ID],
                x[f.KIND],
                x[f.NET],
                x[f.REQUEST],
                x[f.P_START],
                x[f.P_END],
                x[f.CONTRACT] if of_contract else "",
                sub or "",
                bool(of_contract and line.source and line.source.note == CORRECTION_REBILL_NOTE),
                line.source.invoice_id.hex
                if of_contract and line.source and line.source.invoice_id
                else "",
            ]
        )
    return result


def recognised_through(
    amount: Money, period: Period, through: date, convention: DayCount = DayCount.ACTUAL
) -> Money:
    """Of a ratable amount, what is recognised by the end of day ``through`` (running total),
    the days counted by ``convention`` (a contract's own day count)."""
    return Money(
        _exact_through(amount.amount, period, through, convention), amount.currency
    ).rounded()


def _exact_through(
    amount: Decimal, period: Period, through: date, convention: DayCount = DayCount.ACTUAL
) -> Decimal:
    """The unrounded running total of a ratable amount by the end of day ``through``."""
    if through < period.start:
        return Decimal(0)
    if through >= period.end - timedelta(days=1):
        return amount
    served = days_between(period.start, through + timedelta(days=1), convention)
    # (30E/360 counts a period of only a 31st as no days: it is earned on its last day)
    days = days_between(period.start, period.end, convention)
    return amount * served / days if days else Decimal(0)


# an exact running total: constant + numerator / denominator (the Decimals exact, the
# denominator a count of days), so sums of them never depend on the order they are added in
Exact = tuple[Decimal, Decimal, int]
_NOTHING: Exact = (Decimal(0), Decimal(0), 1)


def _exact_parts_through(
    amount: Decimal, period: Period, through: date, convention: DayCount
) -> tuple[Decimal, int]:
    """``_exact_through`` as an exact fraction: (numerator, denominator)."""
    served, days = _share_served(period, through, convention)
    if days == 1:
        return (amount if served else Decimal(0)), 1
    return _EXACT.multiply(amount, Decimal(served)), days


def _share_served(period: Period, through: date, convention: DayCount) -> tuple[int, int]:
    """The share of a ratable period served by the end of ``through``: (days served, days),
    (0, 1) before it starts or for a period of no days but its last, (1, 1) from its last
    day on."""
    if through < period.start:
        return 0, 1
    if through >= period.end - timedelta(days=1):
        return 1, 1
    days = days_between(period.start, period.end, convention)
    if not days:
        return 0, 1
    return days_between(period.start, through + timedelta(days=1), convention), days


def _ratio(amount: Decimal | Fraction) -> tuple[Decimal, int]:
    """An exact amount as (numerator, denominator): a Decimal over 1, a fraction over its
    own denominator (both exact)."""
    if isinstance(amount, Fraction):
        return Decimal(amount.numerator), amount.denominator
    return amount, 1


def _decimal(value: Fraction, context: Context | None = None) -> Decimal:
    """An exact fraction as a Decimal, to the precision of ``context`` (by default the
    current one's; ``_EXACT``'s holds any amount of the exact differences of Decimals)."""
    return (context or getcontext()).divide(Decimal(value.numerator), Decimal(value.denominator))


def _value(exact: Exact) -> Decimal:
    """An exact running total as a Decimal (to the context's precision)."""
    constant, numerator, denominator = exact
    return constant + numerator / denominator if denominator != 1 else constant + numerator


class _ExactSum:
    """Running totals added up exactly, numerators by denominator, and rounded half up once,
    as the exact rational they make."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: dict[int, Decimal] = {}

    def add(self, exact: Exact) -> None:
        constant, numerator, denominator = exact
        parts = self.parts
        if constant:
            parts[1] = _EXACT.add(parts.get(1, Decimal(0)), constant)
        if numerator:
            parts[denominator] = _EXACT.add(parts.get(denominator, Decimal(0)), numerator)

    def plus(self, other: _ExactSum) -> _ExactSum:
        """A new sum of both (neither changed)."""
        result = _ExactSum()
        result.parts = dict(self.parts)
        for denominator, numerator in other.parts.items():
            result.add((Decimal(0), numerator, denominator))
        return result

    def rounded(self, currency: str) -> Money:
        """The sum rounded half up (away from zero) to the currency's minor unit."""
        parts = self.parts
        if not parts:
            return Money.zero(currency)
        if len(parts) == 1 and 1 in parts:
            return Money(parts[1], currency).rounded()  # (exact: quantized once)
        # (as fractions: the numerators brought to one common denominator outgrow any fixed
        # precision once there are lines of many period lengths, and a total of exactly half
        # a cent would then round down)
        total = sum((Fraction(value) / d for d, value in parts.items()), Fraction(0))
        return _round_fraction(total, currency)


def _round_fraction(value: Fraction, currency: str) -> Money:
    """An exact rational rounded half up (away from zero) to the currency's minor unit, as
    ``Money.rounded`` rounds a Decimal."""
    places = minor_units(currency)
    scaled = abs(value) * 10**places
    units = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return Money(Decimal(-units if value < 0 else units).scaleb(-places), currency).rounded()


def _rounded(exact: Exact, currency: str) -> Money:
    """One exact running total rounded half up."""
    total = _ExactSum()
    total.add(exact)
    return total.rounded(currency)


def month_start(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def ratable_by_month(
    amount: Money, period: Period, convention: DayCount = DayCount.ACTUAL
) -> list[tuple[date, Money]]:
    """Each calendar month's share of a ratable amount (first day of month, share), the days
    counted by ``convention``."""
    result = []
    month = month_start(period.start)
    before = Money.zero(amount.currency)
    while month < period.end:
        last_day = add_months(month, 1) - timedelta(days=1)
        cumulative = recognised_through(amount, period, last_day, convention)
        result.append((month, cumulative - before))
        before = cumulative
        month = add_months(month, 1)
    return result


def month_slices(period: Period) -> list[Period]:
    """The period cut at month boundaries (an empty period is one empty slice)."""
    slices: list[Period] = []
    start = period.start
    while start < period.end:
        end = min(add_months(month_start(start), 1), period.end)
        slices.append(Period(start, end))
        start = end
    return slices or [period]


@attrs.frozen
class RecognitionStep:
    """One booking of a line's recognition: on day ``on`` the line's running total reaches
    ``running`` (unrounded), the days of ``period`` now served (for a line earned at a point in
    time, the day it is earned; for the part of a credit taken back whole on its issue day, an
    empty period on that day)."""

    on: date
    period: Period
    running: Decimal
    # the running total rounded (exactly): what the books hold of the line after this step
    to_date: Money


@attrs.frozen
class RecognitionLine:
    """How one invoice line's amount is recognised."""

    invoice_id: str
    line_id: str
    revenue_kind: str
    amount: Money
    # ratable, ratable_reversal, ratable_catch_up, at_completion (or cancellation), at_issue
    rule: str
    invoiced_on: date
    period: Period | None
    # point-in-time rules: when earned (None: not yet); ratable_reversal and ratable_catch_up:
    # from when it applies
    recognised_on: date | None
    # how a ratable line counts its days: its contract's day count (a credit un-earns its days
    # at the rate the line it credits earned them)
    day_count: DayCount = DayCount.ACTUAL
    # of a ratable reversal, the part taken back whole on its issue date rather than day by
    # day: what the credit differs from its days' share of the lines it credits (the billing
    # run rounds the days kept and the days credited separately, so a cent either way), so
    # its days are un-earned exactly at the rate they were earned and deferred revenue never
    # goes below zero
    on_issue: Decimal = Decimal(0)
    # the request (hex) whose completion earns an enhancement line ("" for any other line)
    request_id: str = ""
    # of a line earned as its days are served (``recognised_on`` None) with a rounding part
    # (``on_issue``), the day that part counts from. A credit whose lines were issued before
    # it (their days kept were earned at their exact share, so no day before the credit
    # counted it): its issue day; None when the days kept were counted at the contract's live
    # terms until it was issued (the run's slice of them, billed in full by their last day):
    # the day before its period. A charge of a slice a change of its sub-contract ends (its
    # days earned at the rate of the slice before the change, ``_before_change``): the
    # change's day, the one after its period
    rounding_from: date | None = None
    # of such a charge, the parts of ``on_issue`` counted from a later change of its
    # sub-contract inside the billing period instead (each its day, in order): the run splits
    # its rounding among the sub-contract's slices anew at each change, so what a later change
    # moves of this slice's amount is taken on that change's day, never on a day before it
    rounding_later: tuple[tuple[date, Decimal], ...] = ()
    # of such a charge, what its days earn (its amount less ``on_issue``) exactly: the rate of
    # the slice before the change (its amount times these days over its own days) is a
    # fraction no Decimal holds, and ``on_issue`` is its rest to the Decimal precision only
    # (so is the share a billing run's credit un-earns, ``_share_credited``, negated);
    # at that precision a day whose exact running total is half a cent could round a cent
    # apart from what it was before the change. None: the amount less ``on_issue``, exactly
    spread: Fraction | None = None

    def _rounding_from(self) -> date:
        """From which day a credit un-earning its days as served counts its rounding part."""
        assert self.period is not None
        if self.rounding_from is not None:
            return self.rounding_from
        return self.period.start - timedelta(days=1)

    def recognised(self, through: date) -> Money:
        """What of this line is recognised by the end of ``through`` (rounded)."""
        return _rounded(self.exact_parts(through), self.amount.currency)

    def exact(self, through: date) -> Decimal:
        """What of this line is recognised by the end of ``through``, unrounded: the schedule
        sums lines unrounded and rounds once per currency, so a credit that un-earns days
        ratably never drifts a cent against the line it credits."""
        return _value(self.exact_parts(through))

    def exact_parts(self, through: date) -> Exact:
        """``exact`` as an exact fraction, (constant, numerator, denominator): summed so, the
        lines' running totals give the same total added in any order."""
        if self.period is not None:
            if self.recognised_on is not None and through < self.recognised_on:
                return _NOTHING
            return self._served_through(through)
        if self.recognised_on is not None and self.recognised_on <= through:
            return (self.amount.amount, Decimal(0), 1)
        return _NOTHING

    def _served_through(self, through: date, booked: date | None = None) -> Exact:
        """Of a ratable line, the running total of its days served by the end of ``through``
        (whether or not the line applies by then), as it stands on day ``booked`` (by default
        ``through``: the books book a month served before the line's issue day on that day)."""
        assert self.period is not None
        day = booked or through
        if self.spread is not None:
            # (days earned at an exact fraction's rate: the running total, and the rounding
            # part the amount less it, over the fraction's denominator times the days)
            served, days = _share_served(self.period, through, self.day_count)
            spread, over = _ratio(self.spread)
            numerator = _EXACT.multiply(spread, Decimal(served))
            if self.recognised_on is None and day < self._rounding_from():
                return (Decimal(0), numerator, over * days)
            rest = _EXACT.subtract(numerator, _EXACT.multiply(spread, Decimal(days)))
            return (self._less_later(day), rest, over * days)
        spread = _EXACT.subtract(self.amount.amount, self.on_issue)
        numerator, denominator = _exact_parts_through(spread, self.period, through, self.day_count)
        if self.recognised_on is None and day < self._rounding_from():
            # (a credit un-earning its days as served: its rounding part, what the days kept
            # are billed at less their share, not counted yet: ``rounding_from``)
            return (Decimal(0), numerator, denominator)
        # (the parts a later change moves are counted from that change's day on)
        later = sum((part for on, part in self.rounding_later if on > day), Decimal(0))
        return (self.on_issue - later, numerator, denominator)

    def _less_later(self, day: date) -> Decimal:
        """The amount less the parts of its rounding a later change moves, not counted yet on
        ``day`` (counted from that change's day on)."""
        later = sum((part for on, part in self.rounding_later if on > day), Decimal(0))
        return _EXACT.subtract(self.amount.amount, later)

    def _rounding_part(self, day: date) -> Exact:
        """The rounding part (``on_issue``) counted by ``day``, as an exact fraction."""
        if self.spread is not None:
            spread, over = _ratio(self.spread)
            return (self._less_later(day), _EXACT.minus(spread), over)
        later = sum((part for on, part in self.rounding_later if on > day), Decimal(0))
        return (self.on_issue - later, Decimal(0), 1)

    def steps(self) -> list[RecognitionStep]:
        """When the books recognise this line, each step a running total (``exact``): a
        ratable line month by month, on each month's last day in its period (and the period's
        last day), a month served before the line applies (billed in arrears, or credited)
        on the day it applies; what a credit takes back whole (``on_issue``) on its issue day;
        a line earned at a point in time on that day (none while it is not known: work not
        completed yet). A step's share is its running total rounded less the step's before."""
        return [step for step, _ in self._steps()]

    def _steps(self) -> list[tuple[RecognitionStep, Exact]]:
        """The steps, each with its running total as an exact fraction."""
        cur = self.amount.currency
        start = self.recognised_on or self.invoiced_on
        if self.period is None:
            if self.recognised_on is None:
                return []
            day = self.recognised_on
            whole: Exact = (self.amount.amount, Decimal(0), 1)
            step = RecognitionStep(
                day, Period(day, day + timedelta(days=1)), self.amount.amount, self.amount
            )
            return [(step, whole)]
        result = []
        # (a charge's rounding part counts from the day a change ends its slice, maybe later
        # than its issue: then booked on that day, after its days)
        later = self.rounding_from is not None and self.rounding_from > start
        if self.on_issue and not later:
            # (less the parts a later change moves, if it comes after the issue day)
            on_issue = self._rounding_part(start)
            taken = _value(on_issue)
            step = RecognitionStep(start, Period(start, start), taken, _rounded(on_issue, cur))
            result.append((step, on_issue))
        for piece in month_slices(self.period):
            through = piece.end - timedelta(days=1) if piece.days else piece.start
            running = self._served_through(through, max(through, start))
            step = RecognitionStep(
                max(through, start), piece, _value(running), _rounded(running, cur)
            )
            result.append((step, running))
        days = [self._rounding_from()] if later else []
        days += [on for on, _ in self.rounding_later if on > start]
        for day in days:
            if result[-1][0].on < day:
                whole = self._served_through(day, day)
                step = RecognitionStep(day, Period(day, day), _value(whole), _rounded(whole, cur))
                result.append((step, whole))
        return result


@attrs.frozen
class MonthRevenue:
    """Revenue recognised in one calendar month, per currency."""

    month: date
    currency: str
    amount: Money


@attrs.frozen
class MonthForecast:
    """Revenue expected in one calendar month, per currency, split so a reader sees both parts.

    ``scheduled`` comes from issued invoices (firm); ``contracted`` from the contracts' days no
    issued invoice bills, at their live terms, and drafted corrections of issued invoices
    (expected). ``amount`` is their sum, the
    name ``MonthRevenue`` uses, so code reading a month's ``amount`` gets the whole forecast.
    """

    # the month's first day (a forecast's first row may count only its days after the
    # forecast's date: ``RevenueSchedule.forecast``)
    month: date
    currency: str
    scheduled: Money
    contracted: Money
    amount: Money = attrs.field(init=False)

    @amount.default
    def _total(self) -> Money:
        return self.scheduled + self.contracted


@attrs.frozen
class RevenueToDate:
    """What is recognised by the end of a day and what of it is a contract asset, per
    currency, from one computation of the days served and not issued yet (the revenue report
    shows both, and computing those days is the costly part)."""

    recognised: dict[str, Money]
    contract_assets: dict[str, Money]


class RevenueSchedule(Projection):
    """What is invoiced, what is earned, what is deferred; by month, and 12 months ahead."""

    name = "revenue_schedule"
    # following contracts too made its rebuild about 1.3x as long (0.33 s -> 0.43 s on a
    # 100,000-event history of the benchmark's mix): 2.5 -> 3.3
    event_cost = 7.0

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 keeps each line's contract and follows contracts (for
        the contracted forecast), 3 each contract line's sub-contract and where a contract's
        sub-contracts moved in from, 4 whether a contract line is a correction's charge, what
        a credit credits, when a document was drafted and a contract's go-live day, 5 a
        contract's billing timing (an evergreen one billed in advance is forecast renewed
        through the period due, as the run renews it), 6 the day a contract was terminated or
        expired (one ended after its go-live day was served, even when it went live after its
        term's end), 7 the day a request was cancelled (its invoiced work is earned then),
        8 the day a sub-contract moved out of a contract (a credit of its days from then
        un-earns them as served), 9 a credit note's disposition and whether it writes its
        lines off (``writes_off``: no revenue taken back), 10 the rate an issued slice a change
        of its sub-contract ends earns at, as on its issue day (``_kept_rates``), so a store
        built by an older one is refused until rebuilt."""
        return {"rows": 10}

    def related_rows(self, key: str, row: Row) -> list[str]:
        """When a document's lines are earned comes from other rows too: the request an
        enhancement line bills (``req:``, its completion or cancellation day), the contract a
        service period is billed under (``con:``, how it counts days) and, for a contract
        credit, the invoice it credits (``inv:``, the rate its days were earned at):
        ``explain`` lists their events."""
        if not key.startswith("inv:") or row.get("written_off"):
            return []  # (a note written off earns and un-earns nothing)
        credit = row["kind"] == "CREDIT_NOTE"
        related: set[str] = set()
        for line in row["lines"]:
            if line[KIND] == "ENHANCEMENT" and line[REQUEST]:
                related.add(f"req:{line[REQUEST]}")
            elif line[KIND] == "MAINTENANCE" and line[P_START] is not None:
                if line[CONTRACT]:
                    related.add(f"con:{line[CONTRACT]}")
                if credit and line[CREDITS] and line[SUB]:
                    related.add(f"inv:{line[CREDITS]}")
        return sorted(related)

    def relates_to(self, key: str, row: Row, event: Any) -> bool:
        """Of a contract's events only its signing (it sets the day count) and a sub-contract
        moving away (a credit of its days from then un-earns them as served) concern a
        document's revenue; its other changes are billed by documents of their own."""
        name = type(event).__qualname__
        return not name.startswith("Contract.") or name in (
            "Contract.ContractSigned",
            "Contract.SubContractReassignedAway",
        )

    @handles("EnhancementRequest.Completed")
    def _completed(self, e: Any, oid: str) -> None:
        self.put(f"req:{oid}", {"completed_on": e.completed_on})

    @handles("EnhancementRequest.Cancelled")
    def _cancelled(self, e: Any, oid: str) -> None:
        """Nothing is left to deliver: the work invoiced is earned on the cancellation day (an
        older event without one: the day it was recorded)."""
        self.put(f"req:{oid}", {"cancelled_on": cancellation_day(e)})

    @handles("Invoice.Drafted")
    def _drafted(self, e: Any, oid: str) -> None:
        """A document's lines; of a credit note, its disposition and whether it writes its
        lines off (``writes_off``, the books' rule: then it takes no revenue back)."""
        disposition = getattr(e, "credit_disposition", None)  # (an older event: none)
        self.put(
            f"inv:{oid}",
            {
                "kind": e.kind.name,
                "currency": e.currency,
                "lines": _slim(invoice_facts(e).lines, e.lines),
                "drafted_on": e.drafted_on,
                "issued_on": None,
                "disposition": disposition.name if disposition is not None else None,
                "written_off": writes_off(e.kind, disposition, e.lines),
            },
        )

    @handles("Invoice.LinesAdded")
    def _lines(self, e: Any, oid: str) -> None:
        row = self.touch(f"inv:{oid}")
        assert row is not None
        row["lines"] = row["lines"] + _slim(compact_lines(e.lines), e.lines)
        if row.get("disposition") is not None and not row.get("written_off"):
            # (one line that can be written off writes the note's lines off)
            kind, disposition = InvoiceKind[row["kind"]], CreditDisposition[row["disposition"]]
            row["written_off"] = writes_off(kind, disposition, e.lines)

    @handles("Invoice.Voided")
    def _voided(self, e: Any, oid: str) -> None:
        self.delete(f"inv:{oid}")

    @handles("Invoice.Issued")
    def _issued(self, e: Any, oid: str) -> None:
        """The issue day, and the rate each slice a change of its sub-contract ends earns its
        days at, as the contract charged them on that day (``_kept_rates``): a change recorded
        later never moves a day the line earned (the books booked it so on the issue day)."""
        row = self.touch(f"inv:{oid}")
        assert row is not None
        row["issued_on"] = e.issued_on
        row["rates"] = _kept_rates(row, self.get)

    # -- contracts (for the contracted forecast) ----------------------------------------------

    @handles("Contract.ContractSigned")
    def _signed(self, e: Any, oid: str) -> None:
        row = new_contract_row(e)
        for unused in ("billed", "bases", "manager"):
            row.pop(unused, None)
        self.put(f"con:{oid}", row)  # (its evergreen renewal too: new_contract_row keeps it)

    @handles(*CONTRACT_CHANGES)
    def _contract(self, e: Any, oid: str) -> None:
        row = self.touch(f"con:{oid}")
        assert row is not None
        apply_contract_event(row, e)
        row.pop("changed", None)  # (billing bases' bookkeeping, not kept here)
        if type(e).__name__ == "SubContractReassignedHere":
            # where it came from: that contract's lines for it may cover its days until the
            # billing run credits them there (``_contracted``)
            # (and its id there, when it moved in under another: ``_moved_in_from``)
            renamed = getattr(e, "from_sub_id", None)  # (an older event: none)
            source = e.from_contract_id.hex
            row["moved_in"] = {
                **row.get("moved_in", {}),
                e.sub_contract.sub_id: [source, renamed] if renamed else source,
            }
        elif type(e).__name__ == "SubContractReassignedAway":
            # from when it left: a credit of its days from then un-earns them as they were
            # served, as the contract it moved to earns them (``_unearns_when_served``)
            row["moved_out"] = {**row.get("moved_out", {}), e.sub_id: e.effective}

    # -- queries ------------------------------------------------------------------------------

    def recognition_lines(self, rows: dict[str, Any] | None = None) -> list[RecognitionLine]:
        """Every issued line that is revenue, with its recognition rule (from ``rows`` when a
        query has read them already)."""
        rows = self.rows() if rows is None else rows
        result = []
        for key, row in rows.items():
            if key.startswith("inv:") and row["issued_on"] is not None:
                result += _document_lines(key, row, rows.get)
        result.sort(key=lambda r: (r.invoiced_on, r.invoice_id, r.line_id))
        return result

    def document_lines(self, invoice_id: UUID | str) -> list[RecognitionLine]:
        """The lines of one issued document that are revenue, with their recognition rules as
        they stand (none for a document not issued). The books follow them line by line.

        ``invoice_id`` is a UUID or its text (with dashes, or the 32 hex digits the reports
        print); a text that is no id (an invoice's number) is refused (``InvalidValue`` naming
        ``invoice_id``), not read as a document with no revenue."""
        key = f"inv:{id_key(invoice_id, 'invoice_id')}"
        row = self.get(key)
        if row is None or row["issued_on"] is None:
            return []
        return _document_lines(key, row, self.get)

    def recognised(self, through: date) -> dict[str, Money]:
        """Revenue recognised by the end of a day, per currency (rounded once per currency):
        what the issued lines earned by then, and the contract days served by then that no
        issued line bills (``unbilled``), so a day's figure does not move when the invoice
        for days already served is issued later."""
        return self.to_date(through, "through").recognised

    def unbilled(self, through: date) -> dict[str, Money]:
        """Contract days served by the end of ``through`` that no issued invoice line bills
        (billed in arrears, a draft awaiting its approvals, a run not made yet), per
        currency, at what the contract charges for them now: the billing run's charge at the
        contract's live terms (module notes). They are earned (ASC 606 / IFRS 15: the service
        is delivered) and a contract asset until invoiced; the billing run bills the same days
        at the same amounts, so issuing them moves them from here to the issued lines without
        moving ``recognised`` by a cent. A draft adds nothing of its own: a change recorded
        after the run drafted it (a back-dated termination) counts at once.

        ``InvalidValue`` naming ``through`` for a day so far ahead that the contracts' billing
        periods through it, or what they earn by then, cannot be computed."""
        check_day(through, "through")
        rows = self.rows()
        return _guarded(lambda: _rounded_totals(self._unbilled(rows, through)), "through", through)

    def to_date(self, as_of: date, field: str = "as_of") -> RevenueToDate:
        """What is recognised by the end of ``as_of`` and the contract assets of that day, from
        one computation of the days served and not issued yet (the revenue report shows both;
        each on its own computes it again). ``InvalidValue`` naming ``field`` for a day whose
        served days cannot be computed (``unbilled``)."""
        check_day(as_of, field)
        rows = self.rows()
        lines = self.recognition_lines(rows)

        def compute() -> RevenueToDate:
            totals = _exact_totals(lines, as_of)
            for cur, unbilled in self._unbilled(rows, as_of).items():
                totals[cur] = totals[cur].plus(unbilled) if cur in totals else unbilled
            return RevenueToDate(_rounded_totals(totals), {})

        everything = _guarded(compute, field, as_of).recognised
        billed = _recognised([x for x in lines if x.invoiced_on <= as_of], as_of)
        assets = {}
        for cur, earned in everything.items():
            asset = earned - billed.get(cur, Money.zero(cur))
            if not asset.is_zero():
                assets[cur] = asset
        return RevenueToDate(everything, assets)

    def _unbilled(self, rows: dict[str, Any], through: date) -> dict[str, _ExactSum]:
        """``unbilled``'s exact running totals (not rounded yet): per contract, sub-contract
        and billing period through ``through``, the live terms' charge for the days no issued
        line bills (``_issued_coverage``); a period every sub-contract of which is billed is
        skipped without charging it."""
        edge = through + timedelta(days=1) if through < date.max else through
        coverage = _issued_coverage(rows, through)
        pieces: list[Piece] = []
        for key, row in rows.items():
            if key.startswith("con:") and not never_served(row):
                # (never activated, or ended before it went live: nothing served)
                pieces.extend(_served_pieces(rows, key[4:], row, coverage, edge))
        return {cur: sums[0] for cur, sums in _running_totals(pieces, [edge]).items()}

    def contract_assets(self, as_of: date) -> dict[str, Money]:
        """Earned by the end of ``as_of`` and not invoiced by then, per currency: service
        delivered before it was billed (maintenance billed in arrears, a draft awaiting its
        approvals, a late invoice), which ASC 606 / IFRS 15 call a contract asset: the days of
        lines invoiced only later, and the days no issued line bills (``unbilled``). Only
        ratable revenue can have one (the other rules earn nothing before the issue date). It
        is what is recognised less what is recognised on the lines invoiced by then, each
        rounded once, so on any day, to the cent: deferred = invoiced by then - (recognised -
        contract assets)."""
        return self.to_date(as_of).contract_assets

    def deferred(self, as_of: date) -> dict[str, Money]:
        """Invoiced by the end of ``as_of`` but not yet earned, per currency: the amounts
        invoiced less what is recognised on them (rounded once per currency)."""
        check_day(as_of)
        invoiced = [x for x in self.recognition_lines() if x.invoiced_on <= as_of]
        earned = _recognised(invoiced, as_of)
        totals: dict[str, Decimal] = {}
        for line in invoiced:
            cur = line.amount.currency
            totals[cur] = totals.get(cur, Decimal(0)) + line.amount.amount
        return {cur: Money(v, cur) - earned[cur] for cur, v in totals.items()}

    def by_month(
        self, first_month: date, months: int, rows: dict[str, Any] | None = None
    ) -> list[MonthRevenue]:
        """Revenue recognised in each of ``months`` calendar months from ``first_month``
        (``InvalidValue`` naming the field for a first month that is no day or a count that is
        no whole number, as ``outlook``: they would raise from inside or answer nothing)."""
        edges = _month_edges(first_month, months)
        running = _scheduled_totals(self.recognition_lines(rows), edges)
        currencies = sorted({cur for totals in running for cur in totals})
        rounded = [{cur: total.rounded(cur) for cur, total in at.items()} for at in running]
        return [
            MonthRevenue(
                month,
                cur,
                rounded[i + 1].get(cur, Money.zero(cur)) - rounded[i].get(cur, Money.zero(cur)),
            )
            for i, month in enumerate(edges[:-1])
            for cur in currencies
        ]

    def outlook(self, first_month: date, months: int) -> list[MonthForecast]:
        """Scheduled and contracted revenue in each of ``months`` calendar months from
        ``first_month`` (see the module's notes). Contracted days before today that are not
        invoiced yet count too: they are due, and will be earned once billed.

        A month's total is the scheduled and contracted running totals summed exactly and
        rounded once (per currency), and ``contracted`` is that total less ``scheduled``: so
        an issued period moves from contracted to scheduled without moving the month's total
        by a cent, as each part rounded on its own would.

        ``InvalidValue`` naming ``months`` for months running past December 9999, naming
        ``first_month`` for months so far ahead that the contracts' billing periods, or what
        they earn by then, cannot be computed (``unbilled``'s rule): they failed from inside,
        an ``AssertionError`` or an error naming an ``amount`` the caller never gave."""
        edges = _month_edges(first_month, months)
        return _guarded(lambda: self._outlook(edges), "first_month", first_month)

    def _outlook(self, edges: list[date]) -> list[MonthForecast]:
        """``outlook`` between the edges: each month from an edge (its first day, or a later
        one for a month counted from that day) to the next."""
        rows = self.rows()  # (read once for both parts)
        scheduled = _scheduled_totals(self.recognition_lines(rows), edges)
        contracted = self._contracted(rows, edges)
        currencies = sorted({cur for at in scheduled for cur in at} | set(contracted))
        result = []
        for cur in currencies:
            expected = contracted.get(cur)
            firm, whole = [], []  # running totals: the scheduled alone, and with the contracted
            for i, at in enumerate(scheduled):
                issued = at.get(cur, _ExactSum())
                firm.append(issued.rounded(cur))
                whole.append(issued.plus(expected[i]).rounded(cur) if expected else firm[-1])
            for i, edge in enumerate(edges[:-1]):
                part = firm[i + 1] - firm[i]
                month = month_start(edge)
                result.append(MonthForecast(month, cur, part, whole[i + 1] - whole[i] - part))
        result.sort(key=lambda m: (m.month, m.currency))
        return result

    def forecast(self, as_of: date, months: int = 12) -> list[MonthForecast]:
        """Revenue expected after ``as_of``: the rest of ``as_of``'s month, then each of the
        next ``months`` months, scheduled from issued invoices plus contracted and not yet
        issued (``outlook``), so a monthly or quarterly contract still shows its revenue after
        the period billed today.

        The rest of the month (the first row, for ``as_of``'s month, when ``as_of`` is not its
        last day) counts only the days after ``as_of``: its days through ``as_of`` are
        recognised to date (``recognised``, served days not issued yet among them). So the
        two meet, and a period drafted and awaiting its approvals, or billed in arrears, falls
        between neither.

        ``InvalidValue`` naming ``as_of`` for a day in December 9999 (the month after it is no
        date) or one so far ahead that what the contracts earn cannot be computed, naming
        ``months`` for months running past December 9999 (``outlook``)."""
        check_day(as_of)
        if as_of >= date(date.max.year, 12, 1):
            raise InvalidValue(
                "is too far ahead: the month after it is past the last day a date can hold",
                field="as_of",
                value=as_of,
            )
        edges = _month_edges(add_months(month_start(as_of), 1), months)
        if as_of + timedelta(days=1) < edges[0]:
            edges.insert(0, as_of + timedelta(days=1))
        return _guarded(lambda: self._outlook(edges), "as_of", as_of)

    def _contracted(self, rows: dict[str, Any], edges: list[date]) -> dict[str, list[_ExactSum]]:
        """The contracted running totals per currency by the end of the day before each edge,
        exact (``_running_totals``), built as ``unbilled`` is: per contract and sub-contract,
        the live terms' charge of the days no issued line bills (``_served_pieces``, the
        contracts the forecast counts: ``_forecast_counts``). A draft adds nothing of its own
        (what it bills is what the contract charges, counted at its live terms), except a
        correction of an issued invoice (``_expected_corrections``): it counts as issued on
        the day it is expected (its draft day, or the window's first day if later), both
        what it earns and the days it takes from, or gives back to, the lines it corrects.

        The days issued lines bill change only on the days a credit or re-billing is issued
        (and on the expected corrections' day): the live terms' charge is computed once for
        each such state the edges fall in, so the first edge's running total is what
        ``recognised`` counts by the forecast's date, and recognised to date plus the
        forecast is what the contracts earn, as ``unbilled`` counts it, over those days."""
        expected = _expected_corrections(rows, edges[0])
        changes = sorted(
            {row["issued_on"] for row in expected.values()}
            | {
                row["issued_on"]
                for key, row in rows.items()
                if key.startswith("inv:")
                and row["issued_on"] is not None
                and (
                    row["kind"] == "CREDIT_NOTE"
                    or any(line[CATCH_UP] and line[CONTRACT] for line in row["lines"])
                )
            }
        )
        states: dict[int, list[int]] = {}
        for i, edge in enumerate(edges):
            states.setdefault(bisect_right(changes, edge - timedelta(days=1)), []).append(i)
        result: dict[str, list[_ExactSum]] = {}
        for at in states.values():
            through = edges[at[-1]] - timedelta(days=1)
            issued = {key: row for key, row in expected.items() if row["issued_on"] <= through}
            state = {**rows, **issued}
            coverage = _issued_coverage(state, through)
            pieces: list[Piece] = []
            for key, row in rows.items():
                if key.startswith("con:") and _forecast_counts(row):
                    pieces.extend(_served_pieces(state, key[4:], row, coverage, edges[-1]))
            lines = []
            for key, row in issued.items():
                lines.extend(_document_lines(key, row, state.get))
            mine = [edges[i] for i in at]
            totals = _running_totals(pieces, mine)
            for j, edge in enumerate(mine):
                for cur, earned in _exact_totals(lines, edge - timedelta(days=1)).items():
                    if cur not in totals:
                        totals[cur] = [_ExactSum() for _ in mine]
                    totals[cur][j] = totals[cur][j].plus(earned)
            for cur, sums in totals.items():
                if cur not in result:
                    result[cur] = [_ExactSum() for _ in edges]
                for j, i in enumerate(at):
                    result[cur][i] = sums[j]
        return result


def _forecast_counts(row: dict[str, Any]) -> bool:
    """Whether the forecast counts a contract: any but one that ended (terminated or expired)
    before it went live (the billing run never bills it). A signed contract not activated yet
    counts, as the months it is expected to earn (it has served nothing yet: ``unbilled``
    counts none of its days)."""
    return not (row["status"] in ("TERMINATED", "EXPIRED") and never_served(row))


def _expected_corrections(rows: dict[str, Any], since: date) -> dict[str, dict[str, Any]]:
    """The drafted corrections of issued invoices, each draft's row holding only those lines
    and issued on the day it is expected (its draft day, or ``since`` if later): credits of an
    issued invoice (or of one of these, or naming none), and re-billings (a correction's
    charge of days it credits again at a new price) of days such a credit, drafted or issued,
    credits the same sub-contract for. A re-billing names no invoice, so the days it covers
    tell: one drafted with a credit of a draft (a re-price of a month not issued yet) is
    left to the live terms, as the draft it corrects is. A write-off takes no revenue back."""
    drafts = {
        key: row
        for key, row in rows.items()
        if key.startswith("inv:") and row["issued_on"] is None and not row.get("written_off")
    }
    chosen: dict[str, set[str]] = {}  # draft key -> ids of its lines expected

    def corrects_issued(credit: list[Any]) -> bool:
        """Whether a credit line credits an issued invoice, or days a re-billing expected
        here bills (a correction of a drafted correction)."""
        credited = rows.get(f"inv:{credit[CREDITS]}")
        if credited is None:
            return False  # (voided: nothing to correct)
        if credited["issued_on"] is not None:
            return True
        ids = chosen.get(f"inv:{credit[CREDITS]}", ())
        return any(
            line[0] in ids
            and line[SUB] == credit[SUB]
            and line[P_START] <= credit[P_START]
            and credit[P_END] <= line[P_END]
            for line in credited["lines"]
        )

    credited: dict[tuple[str, str], list[tuple[date, date]]] = {}
    for row in rows.values():
        if row.get("kind") == "CREDIT_NOTE" and row.get("issued_on") and not row.get("written_off"):
            for line in row["lines"]:
                if line[CONTRACT] and line[SUB] and line[P_START] is not None:
                    credited.setdefault((line[CONTRACT], line[SUB]), []).append(
                        (line[P_START], line[P_END])
                    )
    changed = True
    while changed:
        changed = False
        for key, row in drafts.items():
            credit = row["kind"] == "CREDIT_NOTE"
            for line in row["lines"]:
                if not line[CONTRACT] or line[P_START] is None or line[0] in chosen.get(key, ()):
                    continue
                if credit:
                    if line[CREDITS] and not corrects_issued(line):
                        continue
                    if line[SUB]:
                        credited.setdefault((line[CONTRACT], line[SUB]), []).append(
                            (line[P_START], line[P_END])
                        )
                elif not line[CATCH_UP] or not _covers(
                    _merged(credited.get((line[CONTRACT], line[SUB]), ())),
                    Period(line[P_START], line[P_END]),
                ):
                    continue
                chosen.setdefault(key, set()).add(line[0])
                changed = True
    return {
        key: {
            **drafts[key],
            "lines": [line for line in drafts[key]["lines"] if line[0] in ids],
            "issued_on": max(drafts[key]["drafted_on"], since),
        }
        for key, ids in chosen.items()
    }


def _document_lines(key: str, row: dict[str, Any], get: RowGetter) -> list[RecognitionLine]:
    """The revenue lines of an issued document's row, each with its recognition rule; ``get``
    reads the other rows they depend on (the request, the contract, the invoice a credit
    credits). A credit note that writes its lines off has none: it takes no revenue back."""
    if row.get("written_off"):
        return []
    result = []
    sign = -1 if row["kind"] == "CREDIT_NOTE" else 1
    issued: date = row["issued_on"]
    for line in row["lines"]:
        kind = line[KIND]
        if kind == "DEPOSIT":
            continue
        amount = Money(sign * line[NET], row["currency"])
        period: Period | None = None
        on: date | None = issued
        rule = "at_issue"
        convention = DayCount.ACTUAL
        on_issue = Decimal(0)
        rounding_from: date | None = None
        rounding_later: tuple[tuple[date, Decimal], ...] = ()
        spread: Fraction | None = None
        request = ""
        if kind == "MAINTENANCE" and line[P_START] is not None:
            period = Period(line[P_START], line[P_END])
            convention = _convention(get, line[CONTRACT])
            # a credit un-earns its days ratably, applying from its issue date (or, of days
            # no issued line earned before it, on the days served); a correction's charge
            # earns them by the same rule
            if sign < 0:
                on = None if _unearns_when_served(get, line, issued) else issued
                rule = "ratable_reversal"
                share = _share_credited(get, line, period, convention)
                if share is not None:
                    # (its days un-earn that share, an exact fraction: ``spread``; what it
                    # is billed at less it, ``on_issue``, to the Decimal precision for the
                    # books' narration only)
                    spread = -share
                    on_issue = _decimal(share) - line[NET]
                if on is None and _issued_before(get, line, issued):
                    # (a moved sub-contract's days kept were earned by an issued line at
                    # their exact share: the rounding part is taken on the credit's issue
                    # day, so a day, and a month, reported before it stays)
                    rounding_from = issued
            elif line[CATCH_UP]:
                on, rule = issued, "ratable_catch_up"
            else:
                on, rule = None, "ratable"
                kept = row.get("rates")
                before = (
                    _charged_before_change(get, line, period)
                    if kept is None  # (a draft counted as expected: the live terms)
                    else _read_rate(kept.get(line[0]))
                )
                if before is not None:
                    # (a slice a change of its sub-contract ends: its days earn at the rate
                    # they did before the change, as they were counted unbilled, and what it
                    # is billed at less that on the change's day, the parts later changes
                    # move on their own days: ``_rounding_parts``)
                    # (that rate is an exact fraction, ``spread``; the later parts are
                    # differences of the run's amounts, exact Decimals)
                    spread, parts = before
                    on_issue, rounding_from = line[NET] - _decimal(spread), period.end
                    rounding_later = tuple(
                        (on, _decimal(part, _EXACT)) for on, part in parts[1:] if part
                    )
        elif kind == "ENHANCEMENT" and line[REQUEST]:
            # earned when the work is completed, or its request cancelled (nothing is left to
            # deliver); a credit of it un-earns it by the same rule, so crediting work not
            # completed yet never makes revenue negative
            req = get(f"req:{line[REQUEST]}")
            rule = "at_completion"
            done = req.get("completed_on") or req.get("cancelled_on") if req else None
            on = max(done, issued) if done else None
            request = line[REQUEST]
        result.append(
            RecognitionLine(
                key[4:],
                line[0],
                kind.lower(),
                amount,
                rule,
                issued,
                period,
                on,
                convention,
                on_issue,
                request,
                rounding_from,
                rounding_later,
                spread,
            )
        )
    return result


def _charged_before_change(
    get: RowGetter, line: list[Any], period: Period
) -> tuple[Fraction, list[tuple[date, Fraction]]] | None:
    """Of a contract line billing a slice that a change of its sub-contract ends inside its
    billing period (``_before_change``), what its days earn at the rate of the slice they were
    before the change, an exact fraction, the days counted as its contract counts them, and
    the parts of the rest by the day each counts from (``_rounding_parts``); None for any
    other line (or one the contract's live terms no longer charge as billed: it earns at its
    own rate)."""
    row = get(f"con:{line[CONTRACT]}") if line[CONTRACT] and line[SUB] else None
    data = row["subs"].get(line[SUB]) if row else None
    if not data or not (
        data[1] == period.end or any(effective == period.end for effective, _ in data[2])
    ):
        return None  # (no change of its sub-contract ends it: the common case, cheaply)
    assert row is not None
    term, subs = contract_terms(row, period.end)
    frequency = BillingFrequency[row["frequency"]]
    convention = DayCount[row["day_count"]]
    alignment = PeriodAlignment[row["alignment"]]
    billing = billing_periods(term, frequency, alignment, until=period.start)
    of = next((p for p in reversed(billing) if p.start <= period.start < p.end), None)
    if of is None:
        return None
    for s in charge_period(subs, of, term, frequency, convention, row["currency"]):
        if s.sub_id == line[SUB] and s.period == period and s.amount.amount == line[NET]:
            before = _before_change(s, subs, of, term, frequency, convention)
            if before is None:
                return None
            rate = Fraction(before[0]) * day_count(s.period, convention) / before[1]
            return rate, _rounding_parts(s, subs, of, term, frequency, convention, rate)
    return None


def _kept_rates(row: dict[str, Any], get: RowGetter) -> dict[str, Any]:
    """Of a document being issued, by line id, the rate each contract line billing a slice a
    change of its sub-contract ends earns its days at and the parts of the rest by day
    (``_charged_before_change``) as the contract's terms stand on the issue: exact fractions as
    text ("numerator/denominator"). Computed from the live terms later, a change recorded
    after the issue (a back-dated price the run has not corrected yet, or corrected since)
    read the line at its own rate, moving days already reported and leaving the books, which
    booked the line on its issue day, a cent apart."""
    if row["kind"] == "CREDIT_NOTE" or row.get("written_off"):
        return {}
    result: dict[str, Any] = {}
    for line in row["lines"]:
        if line[KIND] != "MAINTENANCE" or line[P_START] is None or line[CATCH_UP]:
            continue
        before = _charged_before_change(get, line, Period(line[P_START], line[P_END]))
        if before is not None:
            rate, parts = before
            result[line[0]] = [str(rate), [[on, str(part)] for on, part in parts]]
    return result


def _read_rate(kept: list[Any] | None) -> tuple[Fraction, list[tuple[date, Fraction]]] | None:
    """A rate ``_kept_rates`` kept, as ``_charged_before_change`` gives it (None: none)."""
    if kept is None:
        return None
    rate, parts = kept
    return Fraction(rate), [(on, Fraction(part)) for on, part in parts]


def _issued_before(get: RowGetter, line: list[Any], issued: date) -> bool:
    """Whether the invoice a contract credit line credits was issued before the credit's
    issue day ``issued`` (its lines earned their days at their exact share until then)."""
    credited = get(f"inv:{line[CREDITS]}") if line[CREDITS] else None
    on: date | None = credited["issued_on"] if credited else None
    return on is not None and on < issued


def _unearns_when_served(get: RowGetter, line: list[Any], issued: date | None) -> bool:
    """Whether a contract credit line (of a credit note issued on ``issued``, None for a
    draft) un-earns its days as they were served rather than from its issue day: a credit of
    days its sub-contract moved away for (the contract it moved to earns them on the days
    served), or of an invoice not issued before the credit (issued with it, or still a draft):
    no issued line earned those days before, they counted at the contract's live terms, so
    issuing both as drafted leaves every day served as it stood. Not a credit of a correction's
    re-billing (days it billed again at a new price, earned from its own issue day): the
    credit follows it, un-earning its days from its own issue day, so issuing a correction of
    a correction not issued yet takes nothing off a day already reported."""
    if not line[CONTRACT] or line[P_START] is None:
        return False
    contract = get(f"con:{line[CONTRACT]}") if line[SUB] else None
    moved = (contract or {}).get("moved_out", {}).get(line[SUB])
    if moved is not None and line[P_START] >= moved:
        return True
    credited = get(f"inv:{line[CREDITS]}") if line[CREDITS] else None
    if credited is None or credited["kind"] == "CREDIT_NOTE":
        return False
    on: date | None = credited["issued_on"]
    if not (on is None or (issued is not None and on >= issued)):
        return False
    return not _credits_rebilling(credited, line)


def _credits_rebilling(credited: dict[str, Any], credit: list[Any]) -> bool:
    """Whether the lines of ``credited`` a contract credit line credits (its sub-contract, days
    overlapping its own) are all a correction's re-billing (earned from their issue day)."""
    lines = [
        x
        for x in credited["lines"]
        if x[CONTRACT] == credit[CONTRACT]
        and x[SUB] == credit[SUB]
        and x[P_START] is not None
        and x[P_START] < credit[P_END]
        and credit[P_START] < x[P_END]
    ]
    return bool(lines) and all(x[CATCH_UP] for x in lines)


def _rounded_totals(totals: dict[str, _ExactSum]) -> dict[str, Money]:
    """Exact running totals rounded once per currency."""
    return {cur: total.rounded(cur) for cur, total in totals.items()}


def _recognised(lines: list[RecognitionLine], through: date) -> dict[str, Money]:
    """Running total per currency: lines summed unrounded (exactly), rounded once per
    currency."""
    return {cur: total.rounded(cur) for cur, total in _exact_totals(lines, through).items()}


def _exact_totals(lines: list[RecognitionLine], through: date) -> dict[str, _ExactSum]:
    """Running total per currency, exact (not rounded yet)."""
    totals: dict[str, _ExactSum] = {}
    for line in lines:
        cur = line.amount.currency
        if cur not in totals:
            totals[cur] = _ExactSum()
        totals[cur].add(line.exact_parts(through))
    return totals


def _month_edges(first_month: date, months: int) -> list[date]:
    """The first days of ``months`` calendar months from ``first_month``'s and of the month
    after them (``InvalidValue`` naming the field for a day or count that is none, or for
    months that run past December 9999: the month after them is no date)."""
    check_day(first_month, "first_month")
    require_whole(months, "months")
    start = month_start(first_month)
    if (start.year - 1) * 12 + start.month + months > date.max.year * 12:
        raise InvalidValue(
            "runs past the last month a date can hold (December 9999): the month after "
            "the last counted must be a date",
            field="months",
            value=months,
        )
    return [add_months(start, i) for i in range(months + 1)]


def _scheduled_totals(
    lines: list[RecognitionLine], edges: list[date]
) -> list[dict[str, _ExactSum]]:
    """The issued lines' exact running totals per currency by the end of the day before each
    edge."""
    return [_exact_totals(lines, edge - timedelta(days=1)) for edge in edges]


@attrs.frozen
class ToDate:
    """What the books' month shares of the lines invoiced by a day differ by, on that day, from
    the revenue schedule's running total of those lines rounded once: ``accrued``, earned since
    the lines' last month shares (on a day in the middle of a month), and ``rounding``, the
    shares' running totals summed and rounded once less the shares each rounded."""

    accrued: Money
    rounding: Money

    @property
    def adjustment(self) -> Money:
        """Both together: what the books add to the month shares to hold the schedule's
        figure on that day."""
        return self.accrued + self.rounding


class _Ratable:
    """A ratable line as ``RecognisedToDate`` follows it: from the day it is invoiced until
    the day its last step is booked (from then on it is whole on both sides)."""

    __slots__ = ("booked", "days", "line", "rounded", "since", "until")

    def __init__(self, line: RecognitionLine) -> None:
        steps = line._steps()
        self.line = line
        self.since = line.invoiced_on
        self.until = max(steps[-1][0].on, self.since)
        self.days = [step.on for step, _ in steps]
        self.booked = [running for _, running in steps]
        self.rounded = [step.to_date.amount for step, _ in steps]

    def add_to(self, day: date, sums: list[Any]) -> None:
        """Add to a day's sums the line's running total, its steps' booked by then, and
        those steps' rounded."""
        sums[0].add(self.line.exact_parts(day))
        booked = bisect_right(self.days, day)
        if booked:
            sums[1].add(self.booked[booked - 1])
            sums[2] += self.rounded[booked - 1]


class _CurrencyToDate:
    """One currency's ratable lines and, on each day the books are reconciled on, their sums
    (running totals, booked running totals, booked shares), over the lines invoiced by then and
    not yet whole (a whole line adds the same to the three and changes no difference)."""

    def __init__(self) -> None:
        self.lines: list[_Ratable] = []  # by the day invoiced
        self.since: list[date] = []
        self.longest = 0  # the most days a line is followed for
        self.days: list[date] = []
        self.sums: dict[date, list[Any]] = {}  # [_ExactSum, _ExactSum, Decimal]

    def add(self, line: RecognitionLine, issue_days: list[date]) -> None:
        followed = _Ratable(line)
        if followed.until <= followed.since:
            return  # whole on the day it is invoiced: every step booked on that day
        for day in self.days[bisect_left(self.days, followed.since) :]:
            if day >= followed.until:
                break
            followed.add_to(day, self.sums[day])
        at = bisect_right(self.since, followed.since)
        self.since.insert(at, followed.since)
        self.lines.insert(at, followed)
        self.longest = max(self.longest, (followed.until - followed.since).days)
        # every month end it is followed through, and the first after (where it is whole), and
        # every issue day while it is followed
        month_end = add_months(month_start(followed.since), 1) - timedelta(days=1)
        while True:
            self.mark(month_end)
            if month_end >= followed.until:
                break
            month_end = add_months(month_start(month_end), 2) - timedelta(days=1)
        for day in issue_days[bisect_left(issue_days, followed.since) :]:
            if day >= followed.until:
                break
            self.mark(day)

    def mark(self, day: date) -> None:
        if day in self.sums:
            return
        sums: list[Any] = [_ExactSum(), _ExactSum(), Decimal(0)]
        first = bisect_left(self.since, day - timedelta(days=self.longest))
        for followed in self.lines[first : bisect_right(self.since, day)]:
            if day < followed.until:
                followed.add_to(day, sums)
        insort(self.days, day)
        self.sums[day] = sums


class RecognisedToDate:
    """The ratable lines invoiced so far, and what the books add to their month shares
    (``RecognitionLine.steps``, each rounded) on each day they are reconciled on, month ends
    and the days documents are issued (in any currency), to hold there the revenue schedule's
    running total rounded once per currency (``ToDate``). Lines and days come in any order
    (an issue dated back); the sums are exact, so the figures are those the schedule gives
    whatever the order."""

    def __init__(self) -> None:
        self._currencies: dict[str, _CurrencyToDate] = {}
        self._issue_days: list[date] = []

    @property
    def currencies(self) -> list[str]:
        """The currencies of the ratable lines so far."""
        return sorted(self._currencies)

    def add(self, line: RecognitionLine) -> None:
        """An issued ratable line (one with a service period); the month ends it is earned
        over become days to reconcile on."""
        if line.period is None:
            raise InvalidValue(
                "only a line with a service period is ratable", field="line", value=line
            )
        currency = line.amount.currency
        if currency not in self._currencies:
            self._currencies[currency] = _CurrencyToDate()
        self._currencies[currency].add(line, self._issue_days)

    def reconcile_on(self, day: date) -> None:
        """A day the books are reconciled on (a document issued that day), in every
        currency."""
        check_day(day, "day")
        at = bisect_left(self._issue_days, day)
        if at < len(self._issue_days) and self._issue_days[at] == day:
            return
        self._issue_days.insert(at, day)
        for of in self._currencies.values():
            of.mark(day)

    def days(self, currency: str, since: date) -> list[date]:
        """The days reconciled on in that currency from ``since`` on."""
        of = self._currencies.get(currency)
        return of.days[bisect_left(of.days, since) :] if of else []

    def on(self, currency: str, day: date) -> ToDate:
        """What the books add to the month shares on a day reconciled on (nothing on another
        day)."""
        of = self._currencies.get(currency)
        sums = of.sums.get(day) if of else None
        if sums is None:
            return ToDate(Money.zero(currency), Money.zero(currency))
        total = sums[0].rounded(currency)
        booked = sums[1].rounded(currency)
        return ToDate(total - booked, booked - Money(sums[2], currency))


def _running_totals(pieces: Iterable[Piece], edges: list[date]) -> dict[str, list[_ExactSum]]:
    """Per currency, the exact sum of the pieces recognised before each edge (by the end of the
    day before it), unrounded: the caller rounds each running total once (with the scheduled
    one's), so the months (the differences of rounded running totals) add up exactly."""
    zero = Decimal(0)
    partial: dict[str, list[_ExactSum]] = {}
    # a piece's whole amount, from the first edge at its end (numerators by denominator: an
    # exact fraction's own, 1 for a Decimal)
    full: dict[str, list[dict[int, Decimal]]] = {}
    for cur, amount, span, convention in pieces:
        if cur not in partial:
            partial[cur] = [_ExactSum() for _ in edges]
            full[cur] = [{} for _ in range(len(edges) + 1)]
        numerator, over = _ratio(amount)
        first = bisect_right(edges, span.start)  # edges at or before the start: nothing yet
        done = bisect_left(edges, span.end)  # edges at or after the end: the whole amount
        whole = full[cur][done]
        whole[over] = _EXACT.add(whole.get(over, zero), numerator)
        sums = partial[cur]
        days = days_between(span.start, span.end, convention)
        for i in range(first, done):
            if days:  # (else earned on its last day: ``full`` has it)
                served = days_between(span.start, edges[i], convention)
                sums[i].add((zero, _EXACT.multiply(numerator, Decimal(served)), over * days))
    for cur, sums in partial.items():
        carried: dict[int, Decimal] = {}
        for i, total in enumerate(sums):
            for over, numerator in full[cur][i].items():
                carried[over] = _EXACT.add(carried.get(over, zero), numerator)
            for over, numerator in carried.items():
                total.add((zero, numerator, over))
    return partial


def contract_terms(row: dict[str, Any], until: date) -> tuple[Period, list[SubContract]]:
    """A contract row's term and sub-contracts, an evergreen one renewed as the billing runs
    renew it through the end of the billing period that contains the day before ``until``.

    A live auto-renew contract is renewed as the billing run renews it (``billing_run``: by
    the signed term's length, ``Contract.renew``'s price rule with the contract's renewal
    uplift), so the forecast continues at the renewal price: through the end of the billing
    period that contains the day before ``until``, whatever the timing. The run bills that
    period whole, in the renewed term: billed in advance it renews ahead when the period is
    due (``renewal_horizon``), in arrears once the period is served. So a forecast whose
    horizon ends inside a period that runs past a renewal counts that period's days as the
    run bills them, a share of the whole period's charge, never a charge of its own for the
    days to the horizon. Renewals end with the last one whose prices an amount can hold: the
    run cannot renew the contract further (it skips it, flagged), so nothing after is forecast.
    """
    term = Period(row["start"], row["end"])
    subs = sub_contracts_of(row)
    if not row.get("auto_renew") or row["status"] not in _LIVE:
        return term, subs
    uplift: Decimal | None = row.get("uplift")
    # (the period due in advance on the horizon's last day is the one containing it)
    through = renewal_horizon(
        term,
        BillingFrequency[row["frequency"]],
        PeriodAlignment[row["alignment"]],
        BillingTiming.IN_ADVANCE,
        until - timedelta(days=1),
    )
    while term.end <= through:
        old_end = term.end
        new_end = renewal_end(term, row["renew_months"], row["renew_days"])
        if uplift is not None:
            try:
                subs = [s.renewed(old_end, None, uplift) for s in subs]
            except InvalidValue as error:
                if error.field != "amount":
                    raise
                # the run cannot renew it (its uplift raises a price past what an amount
                # holds): it skips the contract from then on, so its terms end here
                break
        term = Period(term.start, new_end)
    return term, subs


def _moved_in_from(row: dict[str, Any], sub_id: str) -> tuple[str | None, str]:
    """The contract (id hex) a contract's sub-contract moved in from, None when it did not,
    and its id there: the same, or the one it had before it moved in under another
    (``reassign_sub_contract(..., as_sub_id=...)``, e.g. back to a contract it left)."""
    source = row.get("moved_in", {}).get(sub_id)
    if isinstance(source, list | tuple):  # (moved in under another id)
        return source[0], source[1]
    return source, sub_id


# per contract and sub-contract ("" for a line naming none: all of its contract's), the days
# issued lines bill: (start, end, +1 for a line billing them, -1 for a credit crediting them)
Coverage = dict[tuple[str, str], list[tuple[date, date, int]]]


def _issued_coverage(rows: dict[str, Any], through: date) -> Coverage:
    """The days issued contract lines bill each sub-contract for, as they stand at the end of
    ``through``: a line billing a service period counts on every day of it whenever issued
    (it earns them as they are served), a correction's re-billing and a credit note only once
    issued by ``through`` (before its issue day neither changes what is earned), except a
    credit that un-earns its days as served (``_unearns_when_served``), which counts on every
    day of it too. Drafts count nothing: what a draft bills is what the contract charges,
    counted at its live terms."""
    result: Coverage = {}
    for key, row in rows.items():
        issued = row.get("issued_on") if key.startswith("inv:") else None
        if issued is None or row.get("written_off"):
            continue  # (a write-off leaves the days billed)
        credit = row["kind"] == "CREDIT_NOTE"
        for line in row["lines"]:
            if not line[CONTRACT]:
                continue
            # (a credit of days no issued line earned before it un-earns them as served)
            if (
                (credit or line[CATCH_UP])
                and issued > through
                and not (credit and _unearns_when_served(rows.get, line, issued))
            ):
                continue
            result.setdefault((line[CONTRACT], line[SUB]), []).append(
                (line[P_START], line[P_END], -1 if credit else 1)
            )
    return result


def _billed_days(
    rows: dict[str, Any], coverage: Coverage, contract: str, row: dict[str, Any], sub_id: str
) -> list[tuple[date, date]]:
    """The days some issued line still bills a contract's sub-contract for (``_merged``): the
    lines billing it less the credit notes crediting it, of its own contract and of the
    contracts it moved in from (their lines earn its days until their credit is issued), so
    no day is counted on two contracts."""
    events = [*coverage.get((contract, sub_id), ()), *coverage.get((contract, ""), ())]
    seen = {contract}
    source, there = _moved_in_from(row, sub_id)
    while source and source not in seen:
        seen.add(source)
        events.extend(coverage.get((source, there), ()))
        source, there = _moved_in_from(rows.get(f"con:{source}") or {}, there)
    deltas: dict[date, int] = {}
    for start, end, weight in events:
        if start < end:
            deltas[start] = deltas.get(start, 0) + weight
            deltas[end] = deltas.get(end, 0) - weight
    spans: list[tuple[date, date]] = []
    count, opened = 0, None
    for day in sorted(deltas):
        count += deltas[day]
        if count > 0 and opened is None:
            opened = day
        elif count <= 0 and opened is not None:
            spans.append((opened, day))
            opened = None
    return spans


def _served_pieces(
    rows: dict[str, Any], contract: str, row: dict[str, Any], coverage: Coverage, until: date
) -> list[Piece]:
    """A contract's charges at its live terms (the billing run's slices) for the days before
    ``until`` of each sub-contract that no issued line bills (``_billed_days``); a billing
    period every sub-contract in force in which is billed whole is skipped uncharged, so a
    history billed for years costs little more than one billed for a month."""
    term, subs = contract_terms(row, until)
    if not subs or until <= term.start:
        return []
    frequency = BillingFrequency[row["frequency"]]
    convention = DayCount[row["day_count"]]
    currency = row["currency"]
    billed = {s.sub_id: _billed_days(rows, coverage, contract, row, s.sub_id) for s in subs}
    pieces: list[Piece] = []
    periods = billing_periods(
        term, frequency, PeriodAlignment[row["alignment"]], until=until - timedelta(days=1)
    )
    for period in periods:
        if all(
            _covers(billed[s.sub_id], period)
            for s in subs
            if s.effective_from < period.end
            and (s.effective_to is None or s.effective_to > period.start)
        ):
            continue
        for s in charge_period(subs, period, term, frequency, convention, currency):
            spans = billed.get(s.sub_id, [])
            pieces.extend(_slice_pieces(s, spans, subs, period, term, frequency, convention))
    return pieces


_T = TypeVar("_T")


def _guarded(compute: Callable[[], _T], field: str, day: date) -> _T:
    """``compute`` for a query about ``day``, refusing as an ``InvalidValue`` naming ``field``
    a day so far ahead that the contracts' billing periods through it end past the last day a
    date can hold, or what they earn by then is past any amount (it would fail from inside)."""
    try:
        return compute()
    except InvalidValue as e:
        if e.field != "amount":
            raise
        raise InvalidValue(
            "is too far ahead: what the contracts earn by then is past any amount",
            field=field,
            value=day,
        ) from e
    except (OverflowError, ValueError) as e:
        if isinstance(e, Q2CError):
            raise
        raise InvalidValue(
            "is too far ahead: the contracts' billing periods through it end past the last "
            "day a date can hold",
            field=field,
            value=day,
        ) from e


def _slice_pieces(
    s: BilledSlice,
    covered: list[tuple[date, date]],
    subs: Sequence[SubContract],
    period: Period,
    term: Period,
    frequency: BillingFrequency,
    convention: DayCount,
) -> list[Piece]:
    """The ratable pieces of one of the billing run's slices for its days outside ``covered``
    (``_merged``), a part of it prorated by days. A slice ending at a change of its
    sub-contract inside the billing period (a new price, a removal) earns its days at the
    rate of the slice it was before that change (``_before_change``), and what it is charged
    at less that on the change's day: so a change never moves a day before it. That rate, and
    a part of a slice, are exact fractions (``Piece``): rounded before a running total, a day
    whose exact total is half a cent could round a cent apart."""
    currency = s.amount.currency
    days = day_count(s.period, convention)
    amount = s.amount.amount
    rate: Decimal | Fraction = amount
    before = _before_change(s, subs, period, term, frequency, convention)
    parts: list[tuple[date, Fraction]] = []
    if before is not None:
        rate = Fraction(before[0]) * days / before[1]
        parts = _rounding_parts(s, subs, period, term, frequency, convention, rate)
    pieces: list[Piece] = []
    for span in _uncovered(s.period, covered):
        part, n = rate, days
        if span != s.period:
            n = day_count(span, convention)
            part = Fraction(rate) * n / days if days else Decimal(0)
        pieces.append((currency, part, span, convention))
        for on, rounding in parts:
            taken = rounding
            if span != s.period:
                taken = rounding * n / days if days else Fraction(0)
            if taken:
                day = Period(on, on + timedelta(days=1))
                pieces.append((currency, taken, day, DayCount.ACTUAL))
    return pieces


def _before_change(
    s: BilledSlice,
    subs: Sequence[SubContract],
    period: Period,
    term: Period,
    frequency: BillingFrequency,
    convention: DayCount,
) -> tuple[Decimal, int] | None:
    """Of a slice of the billing run ending at a change of its sub-contract inside the
    billing period (a new price from its end, or its removal), the slice it was before that
    change, as the run charges it with the sub-contract's later changes left out (its price
    kept, it not removed): (its amount, its days). None for a slice no change ends (it runs
    to the end of the period's days in term), or one whose days it was before are not
    found. The days before the change earn at that slice's rate, as they did before it."""
    in_term = period.intersection(term)
    if in_term is None or s.period.end >= in_term.end:
        return None
    sub = next((x for x in subs if x.sub_id == s.sub_id), None)
    if sub is None:
        return None
    kept = attrs.evolve(
        sub,
        prices=tuple(p for p in sub.prices if p.effective < s.period.end),
        effective_to=None,
    )
    if not kept.prices or covered_days(kept, period, term) is None:
        return None
    currency = s.amount.currency
    for x in charge_period([kept], period, term, frequency, convention, currency):
        if x.period.start == s.period.start and x.period.end > s.period.end:
            return x.amount.amount, day_count(x.period, convention)
    return None


def _rounding_parts(
    s: BilledSlice,
    subs: Sequence[SubContract],
    period: Period,
    term: Period,
    frequency: BillingFrequency,
    convention: DayCount,
    rate: Fraction,
) -> list[tuple[date, Fraction]]:
    """Of a slice a change of its sub-contract ends (``_before_change``), what it is charged
    at less ``rate`` (its days' worth at the rate of the slice before the change), in parts
    by the day each counts from: the run splits the rounding among the sub-contract's slices
    anew at each change, so a later change inside the period may move the slice's amount by a
    cent. The change ending it takes what the slice is charged at as that change left it; each
    later change what it moves the slice's amount by, on its own day. So recording a change
    never moves a day before its effective day. Exact fractions, as ``rate`` is; the parts
    after the first are differences of the run's amounts."""
    currency = s.amount.currency
    charge = Fraction(s.amount.amount)
    sub = next((x for x in subs if x.sub_id == s.sub_id), None)
    if sub is None:
        return [(s.period.end, charge - rate)]
    in_term = period.intersection(term)
    last = in_term.end if in_term is not None else period.end
    charged = charge_period([sub], period, term, frequency, convention, currency)
    # (the days of the later changes: a new price or the removal, also one whose own slice
    # has no days to charge, a removal the day after a new price on the 30th by 30E/360, and
    # the ends of the slices charged)
    changes = {p.effective for p in sub.prices} | {x.period.end for x in charged}
    if sub.effective_to is not None:
        changes.add(sub.effective_to)
    later = sorted(d for d in changes if s.period.end < d < last)
    parts: list[tuple[date, Fraction]] = []
    counted = rate
    for day in [s.period.end, *later]:
        # (the sub-contract as the changes through ``day`` left it)
        until = sub.effective_to
        then = attrs.evolve(
            sub,
            prices=tuple(p for p in sub.prices if p.effective <= day),
            effective_to=until if until is not None and until <= day else None,
        )
        if not then.prices:
            continue
        amount = next(
            (
                x.amount.amount
                for x in charge_period([then], period, term, frequency, convention, currency)
                if x.period == s.period
            ),
            None,
        )
        if amount is not None:
            parts.append((day, Fraction(amount) - counted))
            counted = Fraction(amount)
    if not parts:
        return [(s.period.end, charge - rate)]
    # (as the run charges it now: nothing left, unless a version's slice was not found)
    left = charge - counted
    if left:
        day, part = parts[-1]
        parts[-1] = (day, part + left)
    return parts


def _share_credited(
    get: RowGetter, credit: list[Any], period: Period, convention: DayCount
) -> Fraction | None:
    """The exact share of the lines a contract credit credits that its days earned (each
    line's net times the days it shares with the credit over its own days: an exact
    fraction, as a Decimal quotient would round a day whose running total is exactly half a
    cent a cent apart), or None when
    those lines do not bill every day of the credit (a credit note not made by the billing
    run, an older history): such a credit un-earns at its own rate. The lines it credits are
    those of the invoice it names (not a credit note) billing its sub-contract."""
    credited = get(f"inv:{credit[CREDITS]}") if credit[CREDITS] and credit[SUB] else None
    lines = credited["lines"] if credited and credited["kind"] != "CREDIT_NOTE" else ()
    share, days = Fraction(0), 0
    for line in lines:
        if line[SUB] != credit[SUB]:
            continue
        start, end = max(line[P_START], period.start), min(line[P_END], period.end)
        if start >= end:
            continue
        own = days_between(line[P_START], line[P_END], convention)
        if not own:
            return None
        share += Fraction(line[NET]) * days_between(start, end, convention) / own
        days += (end - start).days
    return share if days == period.days else None


def _convention(get: RowGetter, contract: str) -> DayCount:
    """How a contract line counts its days: its contract's day count (actual days for a line
    of no contract, or of one this read model has not seen)."""
    row = get(f"con:{contract}") if contract else None
    return DayCount[row["day_count"]] if row else DayCount.ACTUAL


def _covers(covered: list[tuple[date, date]], period: Period) -> bool:
    """Whether the sorted spans cover every day of the period."""
    return not _uncovered(period, covered)


def _merged(spans: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """The days of the spans as disjoint spans sorted by start (so by end too): ``_uncovered``
    finds the first that matters by bisection, and a query over ten years of monthly lines
    does not read every line for every billing period."""
    result: list[tuple[date, date]] = []
    for a, b in sorted(spans):
        if result and a <= result[-1][1]:
            if b > result[-1][1]:
                result[-1] = (result[-1][0], b)
        else:
            result.append((a, b))
    return result


def _uncovered(span: Period, covered: list[tuple[date, date]]) -> list[Period]:
    """The days of ``span`` outside the covered spans (``_merged``: disjoint, sorted)."""
    result: list[Period] = []
    start = span.start
    for a, b in covered[bisect_right(covered, start, key=lambda x: x[1]) :]:
        if b <= start:
            continue
        if a >= span.end:
            break
        if a > start:
            result.append(Period(start, a))
        start = b
        if start >= span.end:
            return result
    if start < span.end:
        result.append(Period(start, span.end))
    return result
