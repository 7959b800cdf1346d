"""Commissions on revenue COLLECTED: payment allocations to eligible invoice lines.

Each allocation is split over the invoice's revenue kinds in proportion to their net amounts
(tax is its own, never eligible, part) with ``split_by_weights``, so the parts add back to the
allocation. Commission = rate x collected eligible revenue, rounded once per allocation and kind.
The rate comes from a plan: per account manager (or "*" for everyone) and revenue kind, with
effective dates; the rate in force on the allocation date applies. An allocation that is undone,
or a payment that bounces, reverses exactly the commission it earned, on the day it happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from q2c_core.domain.invoice_lines import RevenueKind
from q2c_core.domain.money import Money, split_by_weights
from q2c_core.domain.values import Period
from q2c_core.projections._facts import (
    KIND,
    NET,
    TAX_CAT,
    TAX_RATE,
    compact_lines,
    invoice_facts,
)
from q2c_core.projections.base import Projection, handles


@attrs.frozen
class CommissionRate:
    """A rate (0.05 = 5 %) for one manager ("*" = any) and revenue kind, from a date on."""

    manager: str
    revenue_kind: RevenueKind
    rate: Decimal
    effective_from: date = date.min


def _rates(value: Iterable[CommissionRate]) -> tuple[CommissionRate, ...]:
    return tuple(value)


@attrs.frozen
class CommissionPlan:
    """Who earns what on which revenue kind, and since when."""

    rates: tuple[CommissionRate, ...] = attrs.field(converter=_rates)

    def rate_for(self, manager: str, kind: RevenueKind, on: date) -> Decimal:
        """The rate in force: the manager's own rate, else the "*" rate, else zero."""
        for who in (manager, "*"):
            found = [
                r
                for r in self.rates
                if r.manager == who and r.revenue_kind is kind and r.effective_from <= on
            ]
            if found:
                return max(found, key=lambda r: r.effective_from).rate
        return Decimal(0)

    def describe(self) -> list[list[str]]:
        """The plan as text rows (part of the projection's identity)."""
        return sorted(
            [r.manager, r.revenue_kind.name, str(r.rate), r.effective_from.isoformat()]
            for r in self.rates
        )


DEFAULT_PLAN = CommissionPlan(
    (
        CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.05")),
        CommissionRate("*", RevenueKind.MAINTENANCE, Decimal("0.02")),
    )
)


@attrs.frozen
class CommissionLine:
    """Commission earned (positive) or reversed (negative) on one allocation and revenue kind."""

    manager: str
    on: date
    payment_id: str
    allocation_id: str
    invoice_id: str
    revenue_kind: str
    collected: Money
    rate: Decimal
    commission: Money
    reversal: bool


@attrs.frozen
class CommissionStatement:
    """One manager's commission lines in a period, and their total per currency."""

    manager: str
    period: Period
    lines: tuple[CommissionLine, ...]
    totals: dict[str, Money]


class Commissions(Projection):
    """Commission per account manager, derived from payment allocations: always current."""

    name = "commissions"

    def __init__(self, store: Any = None, plan: CommissionPlan = DEFAULT_PLAN) -> None:
        super().__init__(store)
        self.plan = plan

    def config(self) -> dict[str, Any]:
        """The plan: a rebuild must use the same one."""
        return {"plan": self.plan.describe()}

    @handles("Customer.CustomerRegistered")
    def _customer(self, e: Any) -> None:
        self.put(f"cust:{e.originator_id.hex}", {"manager": e.account_manager})

    @handles("Invoice.Drafted")
    def _drafted(self, e: Any) -> None:
        if e.kind.name == "CREDIT_NOTE":
            return
        manager = e.account_manager
        if not manager:
            customer = self.get(f"cust:{e.customer_id.hex}")
            manager = customer["manager"] if customer else ""
        facts = invoice_facts(e)
        row = {"manager": manager, "currency": e.currency, "by_kind": {}, "bases": {}}
        _add_lines(row, facts.lines)
        row["tax"] = facts.tax
        self.put(f"inv:{e.originator_id.hex}", row)

    @handles("Invoice.LinesAdded")
    def _lines_added(self, e: Any) -> None:
        key = f"inv:{e.originator_id.hex}"
        row = self.get(key)
        if row is not None:
            _add_lines(row, compact_lines(e.lines))
            row["tax"] = sum(
                (
                    Money(base * Decimal(rate_key.split("|")[1]) / 100, row["currency"])
                    .rounded()
                    .amount
                    for rate_key, base in row["bases"].items()
                ),
                Decimal(0),
            )
            self.put(key, row)

    @handles("Payment.PaymentReceived")
    def _received(self, e: Any) -> None:
        self.put(f"pay:{e.originator_id.hex}", {"allocs": []})

    @handles("Payment.PaymentAllocated")
    def _allocated(self, e: Any) -> None:
        pay = e.originator_id.hex
        inv = self.get(f"inv:{e.invoice_id.hex}")
        entries: list[list[Any]] = []
        if inv is not None:
            by_kind: dict[str, Decimal] = inv["by_kind"]
            kinds = sorted(k for k, v in by_kind.items() if v > 0)
            tax = inv["tax"]
            weights = [by_kind[k] for k in kinds] + [tax if tax > 0 else Decimal(0)]
            if any(w > 0 for w in weights):
                parts = split_by_weights(e.amount, weights)
                for kind, part in zip(kinds, parts, strict=False):
                    rate = self.plan.rate_for(inv["manager"], RevenueKind[kind], e.allocated_on)
                    if rate == 0 or part.is_zero():
                        continue
                    commission = (part * rate).rounded()
                    entries.append([inv["manager"], kind, part.amount, rate, commission.amount])
        self.put(
            f"alloc:{pay}|{e.allocation_id}",
            {
                "invoice": e.invoice_id.hex,
                "on": e.allocated_on,
                "currency": e.amount.currency,
                "entries": entries,
                "reversed_on": None,
            },
        )
        p = self.get(f"pay:{pay}")
        if p is not None:
            p["allocs"].append(e.allocation_id)
            self.put(f"pay:{pay}", p)

    @handles("Payment.AllocationReversed")
    def _reversed(self, e: Any) -> None:
        self._reverse(e.originator_id.hex, e.allocation_id, e.timestamp.date())

    @handles("Payment.PaymentBounced")
    def _bounced(self, e: Any) -> None:
        pay = e.originator_id.hex
        p = self.get(f"pay:{pay}")
        for allocation_id in p["allocs"] if p else []:
            self._reverse(pay, allocation_id, e.bounced_on)

    def _reverse(self, pay: str, allocation_id: str, on: date) -> None:
        key = f"alloc:{pay}|{allocation_id}"
        row = self.get(key)
        if row is not None and row["reversed_on"] is None:
            row["reversed_on"] = on
            self.put(key, row)

    # -- queries ------------------------------------------------------------------------------

    def lines(self) -> list[CommissionLine]:
        """Every accrual and reversal, in date order."""
        result: list[CommissionLine] = []
        for key, row in self.rows_with_prefix("alloc:"):
            pay, allocation_id = key[6:].split("|", 1)
            currency = row["currency"]
            for manager, kind, base, rate, commission in row["entries"]:
                line = CommissionLine(
                    manager=manager,
                    on=row["on"],
                    payment_id=pay,
                    allocation_id=allocation_id,
                    invoice_id=row["invoice"],
                    revenue_kind=kind.lower(),
                    collected=Money(base, currency),
                    rate=rate,
                    commission=Money(commission, currency),
                    reversal=False,
                )
                result.append(line)
                if row["reversed_on"] is not None:
                    result.append(
                        attrs.evolve(
                            line,
                            on=row["reversed_on"],
                            collected=-line.collected,
                            commission=-line.commission,
                            reversal=True,
                        )
                    )
        result.sort(key=lambda c: (c.manager, c.on, c.payment_id, c.allocation_id, c.reversal))
        return result

    def statement(self, manager: str, period: Period) -> CommissionStatement:
        """One manager's commission lines dated in the period, with totals per currency."""
        lines = tuple(c for c in self.lines() if c.manager == manager and c.on in period)
        totals: dict[str, Money] = {}
        for c in lines:
            cur = c.commission.currency
            totals[cur] = totals.get(cur, Money.zero(cur)) + c.commission
        return CommissionStatement(manager, period, lines, totals)

    def balances(self) -> dict[tuple[str, str], Money]:
        """Net commission to date per (manager, currency)."""
        result: dict[tuple[str, str], Money] = {}
        for c in self.lines():
            k = (c.manager, c.commission.currency)
            result[k] = result.get(k, Money.zero(k[1])) + c.commission
        return result


def _add_lines(row: dict[str, Any], lines: list[list[Any]]) -> None:
    """Net per revenue kind, and taxable base per tax category and rate."""
    for line in lines:
        row["by_kind"][line[KIND]] = row["by_kind"].get(line[KIND], Decimal(0)) + line[NET]
        rate_key = f"{line[TAX_CAT]}|{line[TAX_RATE]}"
        row["bases"][rate_key] = row["bases"].get(rate_key, Decimal(0)) + line[NET]
