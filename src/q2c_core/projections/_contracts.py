"""A contract's billing schedule as the read side sees it: periods, and which are billed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import DomainEvent

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


def billing_periods(row: Row) -> list[Period]:
    """The contract's billing periods over its term (anniversary or calendar aligned)."""
    start, end, months = row["start"], row["end"], row["months"]
    periods: list[Period] = []
    cursor = start
    if row["alignment"] == "CALENDAR":
        first = date(start.year, 1, 1)
        while first <= start:
            first = add_months(first, months)
        if first > start and first < end:
            periods.append(Period(start, first))
            cursor = first
    guard = 0
    while cursor < end and guard < 10_000:
        nxt = min(add_months(cursor, months), end)
        periods.append(Period(cursor, nxt))
        cursor = nxt
        guard += 1
    return periods


def due_on(row: Row, period: Period) -> date:
    """In advance: due on the first day; in arrears: on the day after the period."""
    return period.start if row["timing"] == "IN_ADVANCE" else period.end


def estimated_charge(row: Row, period: Period) -> Money:
    """The period's charge estimated from annual prices by actual days (for follow-up only)."""
    currency = row["currency"]
    result = Money.zero(currency)
    for sub in row["subs"].values():
        start, end, prices = sub[0], sub[1], sub[2]
        covered = Period(start, end) if end is not None else Period(start, max(start, period.end))
        overlap = covered.intersection(period)
        if overlap is None:
            continue
        annual = prices[0][1]
        for effective, price in prices:
            if effective <= overlap.start:
                annual = price
        result = result + Money(annual * overlap.days / 365, currency)
    return result.rounded()


def is_billed(row: Row, period: Period) -> bool:
    """A line of a live invoice (or a period-billed event) covers part of the period."""
    return any(start < period.end and period.start < end for start, end, _ in row["billed"])


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
        "months": e.frequency.months,
        "timing": e.timing.name,
        "alignment": e.alignment.name,
        "status": "SIGNED",
        "subs": {},
        "billed": [],
    }


def apply_contract_event(row: Row, event: DomainEvent) -> None:
    """Follow the contract's term, status and sub-contracts (same rules as the aggregate)."""
    e: Any = event
    name = type(event).__name__
    subs: dict[str, list[Any]] = row["subs"]
    if name in ("SubContractAdded", "SubContractReassignedHere"):
        s = e.sub_contract
        subs[s.sub_id] = [
            s.effective_from,
            s.effective_to,
            [[p.effective, p.annual_price.amount] for p in s.prices],
        ]
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
