"""Contract billing math: billing periods, proration by day count, charges that add up.

Pure functions of a contract's settings and sub-contracts. The billing run calls them, a preview
calls them, and tests call them directly, so the three always agree.

Rules:

- Periods are monthly, quarterly or annual, aligned to the contract's anniversary (its term start,
  each period starting on that day of the month, or the month's last day when it is shorter) or to
  calendar months (January, April, July, October for quarters; January for years). A term that
  does not fill a period bills the days it covers, prorated.
- In advance: a period is due once its first billable day is on or before ``as_of``. In arrears:
  once it has ended, i.e. its (exclusive) end is on or before ``as_of``.
- The days billed are the term's and the sub-contracts' (``covered_days``), whatever the
  contract's status: activation only lets a contract be billed at all (``Contract.activate``),
  from its term's start even when it went live later; suspension does not stop billing.
- The charge of a full period is ``annual price x months / 12``; part of a period is prorated by
  days of the part / days of the period, both counted under the contract's day-count convention
  (ACTUAL days by default, or 30E/360).
- The annual price on a day is that of the sub-contract's price point with the latest effective
  date on or before it (of two on one date, the one recorded last): ``SubContract.price_on``,
  never the order the points were recorded in.
- An evergreen term renews by its signed term's length on the grid of its original start
  (``renewal_end``): a term from the 31st keeps ending on the 31st, or the month's last day.
  The run renews it once its end is on or before ``as_of`` and, billed in advance, once the
  period due on ``as_of`` runs past its end (``renewal_horizon``), so that period is billed
  whole; the revenue forecast renews it by the same rule.
- Per sub-contract and period the rounded slices always add up to the rounded charge of all its
  days: the whole is rounded once and split with ``split_by_weights`` (largest remainder, ties to
  the earliest slice), so splitting a period never bills more or less than the whole.
- A sub-contract re-assigned to another contract mid-period: the source contract charges its own
  days as above; the receiving contract charges the running-total remainder, the whole period
  (both contracts' days, rounded once) less what the source charges, so the two add up to what
  one contract would have charged (``SubContract.moved_from`` carries the source's side).
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

import attrs

from q2c_core.domain.allocation import number_order
from q2c_core.domain.billing_records import BilledSlice
from q2c_core.domain.contract import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    PeriodAlignment,
    SubContract,
    next_term_end,
)
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.money import Money, split_by_weights
from q2c_core.domain.values import Period, require_whole

# -- periods -------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def whole_months(period: Period) -> int | None:
    """How many whole months the period lasts from its start day, or None when it is not whole."""
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
    for m in (months - 1, months, months + 1):
        if m > 0 and add_months(period.start, m) == period.end:
            return m
    return None


def _first_anchor(term: Period, frequency: BillingFrequency, alignment: PeriodAlignment) -> date:
    if alignment is PeriodAlignment.ANNIVERSARY:
        return term.start
    months = frequency.months
    month = (term.start.month - 1) // months * months + 1
    return date(term.start.year, month, 1)


def billing_periods(
    term: Period,
    frequency: BillingFrequency,
    alignment: PeriodAlignment,
    until: date | None = None,
) -> list[Period]:
    """Every full billing period that shares at least one day with the term, in order.

    Anniversary periods are computed from the anchor each time (never month by month), so a
    contract starting on the 31st bills Jan 31, Feb 29, Mar 31...: no period drifts.
    """
    anchor = _first_anchor(term, frequency, alignment)
    months = frequency.months
    periods: list[Period] = []
    k = 0
    start = anchor
    last = term.end if until is None else min(term.end, date.fromordinal(until.toordinal() + 1))
    while start < last:
        end = add_months(anchor, (k + 1) * months)
        if end > term.start:
            periods.append(Period(start, end))
        k += 1
        start = end
    return periods


def billing_period_containing(
    day: date, term: Period, frequency: BillingFrequency, alignment: PeriodAlignment
) -> Period:
    """The full billing period (of the contract's grid) that contains a day."""
    anchor = _first_anchor(term, frequency, alignment)
    months = frequency.months
    k = ((day.year - anchor.year) * 12 + day.month - anchor.month) // months - 1
    while True:
        start, end = add_months(anchor, k * months), add_months(anchor, (k + 1) * months)
        if start <= day < end:
            return Period(start, end)
        k += 1 if day >= end else -1


def due_periods(
    term: Period,
    frequency: BillingFrequency,
    alignment: PeriodAlignment,
    timing: BillingTiming,
    as_of: date,
) -> list[Period]:
    """Full periods that are due to be billed on ``as_of`` (see the module rules)."""
    due: list[Period] = []
    for period in billing_periods(term, frequency, alignment, until=as_of):
        covered = period.intersection(term)
        if covered is None:
            continue
        first_due = covered.start if timing is BillingTiming.IN_ADVANCE else covered.end
        if first_due <= as_of:
            due.append(period)
    return due


def renewal_horizon(
    term: Period,
    frequency: BillingFrequency,
    alignment: PeriodAlignment,
    timing: BillingTiming,
    as_of: date,
) -> date:
    """The day a billing run of ``as_of`` renews an evergreen term through
    (``Contract.renew_through``).

    In arrears, ``as_of``: a period is billed once served, and a term is renewed when it has
    ended. In advance, the last day of the billing period that contains ``as_of`` (the last
    period due then), so a period due that runs past the term's end is billed whole, in the
    renewed term, not as the days to the old end now and the rest once the term has renewed.
    Before the term's start, ``as_of``. The periods' grid depends on the term's start only,
    so the unrenewed term gives it.
    """
    if timing is not BillingTiming.IN_ADVANCE or as_of < term.start:
        return as_of
    period = billing_period_containing(as_of, term, frequency, alignment)
    return max(as_of, date.fromordinal(period.end.toordinal() - 1))


# -- day count and proration ------------------------------------------------------------------


def _days_360(day: date) -> int:
    return day.year * 360 + day.month * 30 + min(day.day, 30)


def day_count(period: Period, convention: DayCount) -> int:
    """Days in a half-open period under a convention: actual days, or 30E/360 days.

    30E/360 counts every month as 30 days (day 31 counts as 30); it is additive, so the days of
    adjacent periods add up to the days of their union.
    """
    return days_between(period.start, period.end, convention)


def days_between(start: date, end: date, convention: DayCount) -> int:
    """``day_count`` of [start, end) without building a ``Period`` (recognition asks this for
    every line on every day it reports)."""
    if convention is DayCount.ACTUAL:
        return (end - start).days
    return _days_360(end) - _days_360(start)


def period_charge(annual_price: Money, frequency: BillingFrequency) -> Decimal:
    """The exact (unrounded) charge of one full period: annual price x months / 12."""
    return annual_price.amount * frequency.months / 12


def prorated_charge(
    annual_price: Money,
    frequency: BillingFrequency,
    part_days: int,
    period_days: int,
) -> Decimal:
    """The exact charge of ``part_days`` out of a period of ``period_days`` (same convention)."""
    if period_days <= 0:
        raise InvalidValue("must be at least one day", field="period_days", value=period_days)
    if part_days < 0 or part_days > period_days:
        raise InvalidValue("must be within the period", field="part_days", value=part_days)
    return annual_price.amount * frequency.months * part_days / (12 * period_days)


def round_parts(exact: Sequence[Decimal], currency: str) -> list[Money]:
    """Round the sum of exact parts once, then split it back so the rounded parts add up.

    The remainder of rounding goes by largest remainder, ties to the earliest part. Parts are
    expected to share one sign (charges, or credits); all-zero parts give zeros.
    """
    if not exact:
        return []
    if len(exact) == 1:
        return [Money(exact[0], currency).rounded()]
    whole = Money(sum(exact, Decimal(0)), currency).rounded()
    weights = [abs(e) for e in exact]
    if sum(weights, Decimal(0)) == 0:
        zero = Money.zero(currency)
        return [zero if i else whole for i in range(len(exact))]
    return split_by_weights(whole, weights)


# -- slices of a sub-contract in a period -----------------------------------------------------


def covered_days(sub: SubContract, period: Period, term: Period) -> Period | None:
    """The days of the period the sub-contract is covered and the contract in term."""
    span = period.intersection(term)
    if span is None:
        return None
    end = sub.effective_to if sub.effective_to is not None else span.end
    return span.intersection(Period(sub.effective_from, max(end, sub.effective_from)))


def price_runs(sub: SubContract, days: Period) -> list[tuple[Period, Money]]:
    """Split covered days at each price change: runs of days at one annual price, in order."""
    cuts = sorted({p.effective for p in sub.prices if days.start < p.effective < days.end})
    bounds = [days.start, *cuts, days.end]
    runs: list[tuple[Period, Money]] = []
    for start, end in itertools.pairwise(bounds):
        price = sub.price_on(start)
        if runs and runs[-1][1] == price:
            runs[-1] = (Period(runs[-1][0].start, end), price)
        else:
            runs.append((Period(start, end), price))
    return runs


def charge_period(
    subs: Iterable[SubContract],
    period: Period,
    term: Period,
    frequency: BillingFrequency,
    convention: DayCount,
    currency: str,
) -> list[BilledSlice]:
    """What a full billing period charges: one slice per sub-contract and run of days at one price.

    Per sub-contract the rounded slices add up to its whole rounded charge for the period. Slices
    with no days under the convention (possible with 30E/360 on a 31st) are left out: they carry
    no charge.
    """
    period_days = day_count(period, convention)
    result: list[BilledSlice] = []
    first, end = period.start, period.end
    whole_in_term = term.start <= first and end <= term.end
    months = frequency.months
    for sub in subs:
        until = sub.effective_to
        if (
            whole_in_term
            and len(sub.prices) == 1
            and sub.effective_from <= first
            and (until is None or until >= end)
        ):
            # the common case: covered all period long at one price
            price = sub.prices[0].annual_price
            key = (price.amount, price.currency, months)
            amount = _FULL_PERIOD_AMOUNTS.get(key)
            if amount is None:
                amount = _full_period_amount(price, frequency)
            result.append(BilledSlice(sub.sub_id, period, price, period_days, period_days, amount))
            continue
        days = covered_days(sub, period, term)
        if days is None:
            continue
        runs = [
            (p, price, day_count(p, convention))
            for p, price in price_runs(sub, days)
            if day_count(p, convention) > 0
        ]
        if not runs:
            continue
        exact = [prorated_charge(price, frequency, n, period_days) for _, price, n in runs]
        carried = _carried(sub, period, frequency, convention, currency)
        if carried is None:
            amounts = round_parts(exact, currency)
        else:
            prior_runs, prior_total = carried
            whole = _runs_total(
                [*prior_runs, *((p, price) for p, price, _ in runs)],
                frequency,
                convention,
                period_days,
                currency,
            )
            amounts = _split((whole - prior_total).amount, exact, currency)
        result.extend(
            BilledSlice(sub.sub_id, p, price, n, period_days, amount)
            for (p, price, n), amount in zip(runs, amounts, strict=True)
        )
    return result


def _carried(
    sub: SubContract,
    period: Period,
    frequency: BillingFrequency,
    convention: DayCount,
    currency: str,
) -> tuple[list[tuple[Period, Money]], Money] | None:
    """For a sub-contract moved here in this period: the sources' runs of days and charges.

    None when it was not moved here, or the source billed another period or by other rules
    (then each contract rounds its own days). The runs include those of earlier moves in the
    same period, so a chain of moves still adds up to the whole.
    """
    moved = sub.moved_from
    if (
        moved is None
        or moved.period != period
        or moved.frequency is not frequency
        or moved.day_count is not convention
    ):
        return None
    prior = moved.sub
    runs: list[tuple[Period, Money]] = []
    total = Money.zero(currency)
    earlier = _carried(prior, period, frequency, convention, currency)
    if earlier is not None:
        runs.extend(earlier[0])
        total = earlier[1]
    days = covered_days(prior, period, moved.term)
    if days is not None:
        runs.extend(price_runs(prior, days))
    charged = charge_period([prior], period, moved.term, frequency, convention, currency)
    return runs, total + slices_total(charged, currency)


def _runs_total(
    runs: Iterable[tuple[Period, Money]],
    frequency: BillingFrequency,
    convention: DayCount,
    period_days: int,
    currency: str,
) -> Money:
    """The rounded charge of runs of days, adjacent runs at one price merged first.

    Merging first makes the runs those one contract would have had for the same days, so the
    total equals that contract's charge exactly.
    """
    merged: list[tuple[Period, Money]] = []
    for p, price in sorted(runs, key=lambda r: r[0].start):
        if merged and merged[-1][0].end == p.start and merged[-1][1] == price:
            merged[-1] = (Period(merged[-1][0].start, p.end), price)
        else:
            merged.append((p, price))
    exact = [
        prorated_charge(price, frequency, day_count(p, convention), period_days)
        for p, price in merged
        if day_count(p, convention) > 0
    ]
    return Money(sum(exact, Decimal(0)), currency).rounded()


_FULL_PERIOD_AMOUNTS: dict[tuple[Decimal, str, int], Money] = {}


def _full_period_amount(price: Money, frequency: BillingFrequency) -> Money:
    """One full period's rounded charge; remembered, as a run bills the same prices again and
    again (Money is immutable, so sharing one value is safe). Keyed by plain values, which
    hash in C (an enum member's hash runs Python code)."""
    key = (price.amount, price.currency, frequency.months)
    found = _FULL_PERIOD_AMOUNTS.get(key)
    if found is None:
        if len(_FULL_PERIOD_AMOUNTS) >= 65536:
            _FULL_PERIOD_AMOUNTS.clear()
        found = Money(period_charge(price, frequency), price.currency).rounded()
        _FULL_PERIOD_AMOUNTS[key] = found
    return found


def slices_total(slices: Iterable[BilledSlice], currency: str) -> Money:
    """Sum of the rounded amounts of slices."""
    result = Money.zero(currency)
    for s in slices:
        result = result + s.amount
    return result


# -- corrections ------------------------------------------------------------------------------


@attrs.frozen
class Correction:
    """What to credit and what to bill so a billed period matches the contract's history again.

    ``credits`` are days billed before that no longer apply (or at another price); ``charges`` are
    days now due that were not billed (or at another price). Amounts are never negative; a
    zero amount is kept (days that were or become free) so the documents name every changed day.
    Billed before - credits + charges = the period's charge from today's history, to the cent.
    """

    credits: tuple[BilledSlice, ...]
    charges: tuple[BilledSlice, ...]

    @property
    def is_empty(self) -> bool:
        """Nothing to credit and nothing to bill."""
        return not self.credits and not self.charges


def _price_on(slices: Sequence[BilledSlice], day: date) -> Money | None:
    for s in slices:
        if s.period.start <= day < s.period.end:
            return s.annual_price
    return None


def _changed_runs(
    old: Sequence[BilledSlice], new: Sequence[BilledSlice]
) -> list[tuple[Period, Money | None, Money | None]]:
    bounds = sorted({d for s in (*old, *new) for d in (s.period.start, s.period.end)})
    runs: list[tuple[Period, Money | None, Money | None]] = []
    for start, end in itertools.pairwise(bounds):
        before, now = _price_on(old, start), _price_on(new, start)
        if before == now:
            continue
        if runs and runs[-1][0].end == start and runs[-1][1:] == (before, now):
            runs[-1] = (Period(runs[-1][0].start, end), before, now)
        else:
            runs.append((Period(start, end), before, now))
    return runs


def correct_period(
    billed: Sequence[BilledSlice],
    fresh: Sequence[BilledSlice],
    period: Period,
    frequency: BillingFrequency,
    convention: DayCount,
    currency: str,
) -> Correction:
    """Compare what a period billed with what it charges today; credit and bill the difference.

    Only the days whose price changed (a sub-contract removed, added or re-priced retroactively)
    get a line. Per sub-contract: credits are rounded once, and the charges take the rest, so
    billed - credits + charges equals the fresh rounded charge exactly.
    """
    period_days = day_count(period, convention)
    credits: list[BilledSlice] = []
    charges: list[BilledSlice] = []
    sub_ids = list(dict.fromkeys([s.sub_id for s in billed] + [s.sub_id for s in fresh]))
    for sub_id in sub_ids:
        old = [s for s in billed if s.sub_id == sub_id]
        new = [s for s in fresh if s.sub_id == sub_id]
        runs = _changed_runs(old, new)
        if not runs:
            continue
        credit_runs = [(p, b, day_count(p, convention)) for p, b, _ in runs if b is not None]
        charge_runs = [(p, n, day_count(p, convention)) for p, _, n in runs if n is not None]
        credit_exact = [prorated_charge(b, frequency, d, period_days) for _, b, d in credit_runs]
        charge_exact = [prorated_charge(n, frequency, d, period_days) for _, n, d in charge_runs]
        before = slices_total(old, currency).amount
        target = slices_total(new, currency).amount
        credit = Money(sum(credit_exact, Decimal(0)), currency).rounded().amount
        charge = target - before + credit
        if charge < 0 or not charge_runs:
            credit, charge = credit - charge, Decimal(0)
        if credit < 0 or not credit_runs:
            credit, charge = Decimal(0), charge - credit
        credit_parts = _split(credit, credit_exact, currency)
        charge_parts = _split(charge, charge_exact, currency)
        credits.extend(
            BilledSlice(sub_id, p, price, d, period_days, amount)
            for (p, price, d), amount in zip(credit_runs, credit_parts, strict=True)
        )
        charges.extend(
            BilledSlice(sub_id, p, price, d, period_days, amount)
            for (p, price, d), amount in zip(charge_runs, charge_parts, strict=True)
        )
    return Correction(tuple(credits), tuple(charges))


def _split(whole: Decimal, weights: Sequence[Decimal], currency: str) -> list[Money]:
    if not weights:
        return []
    money = Money(whole, currency)
    if sum(weights, Decimal(0)) == 0:
        return [money if i == 0 else Money.zero(currency) for i in range(len(weights))]
    return split_by_weights(money, weights)


# -- renewal and past-due policy --------------------------------------------------------------


def renewal_end(term: Period, renewal_months: int | None, renewal_days: int) -> date:
    """The new end of an evergreen term renewed once by its signed term's length.

    On the grid of the original term start (``term.start``): a whole-month term lands on
    ``add_months(term.start, k x months)``, never on a day a shorter month clamped it to
    before (``contract.next_term_end``, the rule ``Contract.renew_through`` renews by, so the
    aggregate, the billing run and the read side renew alike).
    """
    return next_term_end(term, renewal_months, renewal_days)


def _minimums(value: object) -> tuple[Money, ...]:
    if isinstance(value, Money):
        value = (value,)
    if not isinstance(value, list | tuple):
        raise InvalidValue(
            f"must be Money amounts, one per currency, not {type(value).__name__}",
            field="minimum",
        )
    seen: set[str] = set()
    for amount in value:
        if not isinstance(amount, Money):
            raise InvalidValue(
                f"must be Money amounts, not {type(amount).__name__}", field="minimum"
            )
        if amount.is_negative() or not amount.is_rounded():
            raise InvalidValue(
                "must be zero or more, in whole minor units", field="minimum", value=str(amount)
            )
        if amount.currency in seen:
            raise InvalidValue(
                f"names {amount.currency} twice: one amount per currency",
                field="minimum",
                value=amount.currency,
            )
        seen.add(amount.currency)
    return tuple(value)


@attrs.frozen
class PastDuePolicy:
    """Suspend a contract only when one of its invoices is ``days`` or more past due and unpaid.

    ``minimum``: per currency, the least that must be late before the policy acts (the late
    invoices' unpaid parts together): a customer whose bank kept 0.35 of a transfer in fees is
    not cut off for it. A currency not named has no minimum (any amount late counts)."""

    days: int
    minimum: tuple[Money, ...] = attrs.field(default=(), converter=_minimums)

    def __attrs_post_init__(self) -> None:
        require_whole(self.days, "days", 1)

    def late(
        self, invoices: Iterable[tuple[str, date, Money]], as_of: date
    ) -> list[tuple[str, date, Money]]:
        """The invoices (number, due date, outstanding) ``days`` or more past due on ``as_of``
        with money outstanding; none of a currency whose late money together stays below the
        policy's ``minimum`` for it."""
        late = [
            (number, due, owed)
            for number, due, owed in invoices
            if owed.is_positive() and (as_of - due).days >= self.days
        ]
        for floor in self.minimum:
            owed_here = [o.amount for _, _, o in late if o.currency == floor.currency]
            if owed_here and sum(owed_here, Decimal(0)) < floor.amount:
                late = [item for item in late if item[2].currency != floor.currency]
        return late

    def reason(self, invoices: Iterable[tuple[str, date, Money]], as_of: date) -> str | None:
        """Why the policy suspends, given (number, due date, outstanding) of issued invoices.

        None when no invoice is ``days`` past due with money outstanding on ``as_of``. The
        invoices are named oldest due first, then by number as it counts (``number_order``:
        R-2 before R-10), as aging and past due list them.
        """
        late = self.late(invoices, as_of)
        if not late:
            return None
        parts = ", ".join(
            f"{number} due {due.isoformat()} ({(as_of - due).days} days, {owed} unpaid)"
            for number, due, owed in sorted(late, key=lambda x: (x[1], number_order(x[0]), x[0]))
        )
        return f"past-due policy ({self.days} days): {parts}"
