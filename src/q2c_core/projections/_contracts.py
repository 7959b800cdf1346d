"""A contract's billing schedule as the read side sees it: periods, and which are billed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import DomainEvent

from q2c_core.domain.billing import charge_period, due_periods, slices_total
from q2c_core.domain.contract import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    PeriodAlignment,
    PricePoint,
    SubContract,
    SubContractKind,
)
from q2c_core.domain.money import Money
from q2c_core.domain.values import Period
from q2c_core.projections.store import Row

ZERO = Decimal(0)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _subs(row: Row) -> list[SubContract]:
    subs = []
    for sub_id, (start, end, prices) in sorted(row["subs"].items()):
        subs.append(
            SubContract(
                sub_id,
                sub_id,
                SubContractKind.SERVICE,
                start,
                [PricePoint(eff, Money(price, row["currency"])) for eff, price in prices],
                effective_to=end,
            )
        )
    return subs


def due_unbilled(row: Row, as_of: date) -> list[tuple[Period, date, Money]]:
    """Billing periods due by ``as_of`` (the billing run's own rule) not billed yet, with the
    day they fell due and their charge (the billing run's own proration)."""
    term = Period(row["start"], row["end"])
    frequency = BillingFrequency[row["frequency"]]
    alignment = PeriodAlignment[row["alignment"]]
    timing = BillingTiming[row["timing"]]
    subs = _subs(row)
    result = []
    for period in due_periods(term, frequency, alignment, timing, as_of):
        if is_billed(row, period):
            continue
        covered = period.intersection(term)
        assert covered is not None
        due = covered.start if timing is BillingTiming.IN_ADVANCE else covered.end
        slices = charge_period(
            subs, period, term, frequency, DayCount[row["day_count"]], row["currency"]
        )
        result.append((period, due, slices_total(slices, row["currency"])))
    return result


def is_billed(row: Row, period: Period) -> bool:
    """A line of a live invoice (or a period-billed event) covers part of the period."""
    return any(start < period.end and period.start < end for start, end, _ in row["billed"])


def _prices(sub: SubContract) -> list[list[Any]]:
    return [[p.effective, p.annual_price.amount] for p in sub.prices]


def new_contract_row(event: DomainEvent) -> Row:
    """The contract facts the schedule needs, from its signing event."""
    e: Any = event
    return {
        "customer": e.customer_id.hex,
        "manager": e.account_manager,
        "number": e.number,
        "currency": e.currency,
        "start": e.term.start,
        "end": e.term.end,
        "frequency": e.frequency.name,
        "day_count": e.day_count.name,
        "timing": e.timing.name,
        "alignment": e.alignment.name,
        "status": "SIGNED",
        "subs": {
            s.sub_id: [
                s.effective_from,
                s.effective_to,
                [[p.effective, p.annual_price.amount] for p in s.prices],
            ]
            for s in (getattr(e, "sub_contracts", None) or ())
        },
        "billed": [],
    }


def apply_contract_event(row: Row, event: DomainEvent) -> None:
    """Follow the contract's term, status and sub-contracts (same rules as the aggregate)."""
    e: Any = event
    name = type(event).__name__
    subs: dict[str, list[Any]] = row["subs"]
    if name in ("SubContractAdded", "SubContractReassignedHere"):
        s = e.sub_contract
        subs[s.sub_id] = [s.effective_from, s.effective_to, _prices(s)]
    elif name == "SubContractRemoved":
        subs[e.sub_id][1] = e.effective_to
    elif name == "SubContractRepriced":
        subs[e.sub_id][2].append([e.effective, e.annual_price.amount])
    elif name == "SubContractReassignedAway":
        if subs[e.sub_id][0] == e.effective:
            del subs[e.sub_id]
        else:
            subs[e.sub_id][1] = e.effective
    elif name == "Activated" or name == "Reactivated":
        row["status"] = "ACTIVE"
    elif name == "Suspended":
        row["status"] = "SUSPENDED"
    elif name == "Renewed":
        old_end = row["end"]
        new_prices = {k: v.amount for k, v in (e.new_prices or {}).items()}
        for sub_id, sub in subs.items():
            if sub[1] is not None and sub[1] <= old_end:
                continue
            price = new_prices.get(sub_id)
            if price is None and e.uplift_percent is not None:
                current = sub[2][0][1]
                for effective, p in sub[2]:
                    if effective <= old_end:
                        current = p
                price = Money(current * (1 + e.uplift_percent / 100), row["currency"])
                price = price.rounded().amount
            if price is not None:
                sub[2].append([old_end, price])
        row["end"] = e.new_end
    elif name in ("Terminated", "Expired"):
        day = e.effective if name == "Terminated" else row["end"]
        for sub_id in list(subs):
            sub = subs[sub_id]
            if sub[1] is None or sub[1] > day:
                if max(day, sub[0]) == sub[0]:
                    del subs[sub_id]
                else:
                    sub[1] = day
        if name == "Terminated":
            row["end"] = max(row["start"], min(row["end"], e.effective))
        row["status"] = "TERMINATED" if name == "Terminated" else "EXPIRED"
