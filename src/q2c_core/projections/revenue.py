"""Revenue recognition (ASC 606 / IFRS 15): maintenance ratably by day over its service period,
enhancements when the work is completed, expenses and other items when invoiced; deposits are
customer advances, not revenue. Deferred revenue = invoiced - recognised, as of any date.

A credit note's maintenance line that names its service period (a termination, a removal, a
reprice) un-earns exactly those days, ratably, with the sign reversed: the days of its period
already served on the credit's issue date are reversed on that date (a cumulative catch-up), and
the later days are reversed day by day as they pass, so they simply never get recognised. Before
its issue date a credit changes nothing. Other credit-note lines are reversed when issued.

Ratable amounts are computed on the running total: recognised through day D is the line amount
times the days served through D over the days of the period, rounded half up; a month's share is
the difference of two running totals, so the months add up to the line amount exactly.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs

from q2c_core.domain.money import Money
from q2c_core.domain.values import Period
from q2c_core.projections._contracts import add_months
from q2c_core.projections._facts import compact_lines, invoice_facts
from q2c_core.projections.base import Projection, handles

# a revenue line in a row: [line id, revenue kind, net, request hex, period start, period end]
KIND, NET, REQUEST, P_START, P_END = 1, 2, 3, 4, 5


def _slim(lines: list[list[Any]]) -> list[list[Any]]:
    from q2c_core.projections import _facts as f

    return [
        [x[f.LINE_ID], x[f.KIND], x[f.NET], x[f.REQUEST], x[f.P_START], x[f.P_END]] for x in lines
    ]


def recognised_through(amount: Money, period: Period, through: date) -> Money:
    """Of a ratable amount, what is recognised by the end of day ``through`` (running total)."""
    return Money(_exact_through(amount.amount, period, through), amount.currency).rounded()


def _exact_through(amount: Decimal, period: Period, through: date) -> Decimal:
    """The unrounded running total of a ratable amount by the end of day ``through``."""
    if through < period.start:
        return Decimal(0)
    if through >= period.end - timedelta(days=1):
        return amount
    served = (through - period.start).days + 1
    return amount * served / period.days


def month_start(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def ratable_by_month(amount: Money, period: Period) -> list[tuple[date, Money]]:
    """Each calendar month's share of a ratable amount (first day of month, share)."""
    result = []
    month = month_start(period.start)
    before = Money.zero(amount.currency)
    while month < period.end:
        last_day = add_months(month, 1) - timedelta(days=1)
        cumulative = recognised_through(amount, period, last_day)
        result.append((month, cumulative - before))
        before = cumulative
        month = add_months(month, 1)
    return result


@attrs.frozen
class RecognitionLine:
    """How one invoice line's amount is recognised."""

    invoice_id: str
    line_id: str
    revenue_kind: str
    amount: Money
    rule: str  # ratable, ratable_reversal, at_completion, at_issue
    invoiced_on: date
    period: Period | None
    # point-in-time rules: when earned (None: not yet); ratable_reversal: from when it applies
    recognised_on: date | None

    def recognised(self, through: date) -> Money:
        """What of this line is recognised by the end of ``through`` (rounded)."""
        return Money(self.exact(through), self.amount.currency).rounded()

    def exact(self, through: date) -> Decimal:
        """What of this line is recognised by the end of ``through``, unrounded: the schedule
        sums lines unrounded and rounds once per currency, so a credit that un-earns days
        ratably never drifts a cent against the line it credits."""
        if self.period is not None:
            if self.recognised_on is not None and through < self.recognised_on:
                return Decimal(0)
            return _exact_through(self.amount.amount, self.period, through)
        if self.recognised_on is not None and self.recognised_on <= through:
            return self.amount.amount
        return Decimal(0)


@attrs.frozen
class MonthRevenue:
    """Revenue recognised in one calendar month, per currency."""

    month: date
    currency: str
    amount: Money


class RevenueSchedule(Projection):
    """What is invoiced, what is earned, what is deferred; by month, and 12 months ahead."""

    name = "revenue_schedule"
    replay_cost = 2.5

    @handles("EnhancementRequest.Completed")
    def _completed(self, e: Any, oid: str) -> None:
        self.put(f"req:{oid}", {"completed_on": e.completed_on})

    @handles("Invoice.Drafted")
    def _drafted(self, e: Any, oid: str) -> None:
        self.put(
            f"inv:{oid}",
            {
                "kind": e.kind.name,
                "currency": e.currency,
                "lines": _slim(invoice_facts(e).lines),
                "issued_on": None,
            },
        )

    @handles("Invoice.LinesAdded")
    def _lines(self, e: Any, oid: str) -> None:
        row = self.touch(f"inv:{oid}")
        assert row is not None
        row["lines"] = row["lines"] + _slim(compact_lines(e.lines))

    @handles("Invoice.Voided")
    def _voided(self, e: Any, oid: str) -> None:
        self.delete(f"inv:{oid}")

    @handles("Invoice.Issued")
    def _issued(self, e: Any, oid: str) -> None:
        row = self.touch(f"inv:{oid}")
        assert row is not None
        row["issued_on"] = e.issued_on

    # -- queries ------------------------------------------------------------------------------

    def recognition_lines(self) -> list[RecognitionLine]:
        """Every issued line that is revenue, with its recognition rule."""
        rows = self.rows()
        result = []
        for key, row in rows.items():
            if not key.startswith("inv:") or row["issued_on"] is None:
                continue
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
                if kind == "MAINTENANCE" and line[P_START] is not None:
                    period = Period(line[P_START], line[P_END])
                    # a credit un-earns its days ratably, applying from its issue date
                    on, rule = (None, "ratable") if sign > 0 else (issued, "ratable_reversal")
                elif kind == "ENHANCEMENT" and line[REQUEST] and sign > 0:
                    req = rows.get(f"req:{line[REQUEST]}")
                    rule = "at_completion"
                    on = max(req["completed_on"], issued) if req else None
                result.append(
                    RecognitionLine(
                        key[4:], line[0], kind.lower(), amount, rule, issued, period, on
                    )
                )
        result.sort(key=lambda r: (r.invoiced_on, r.invoice_id, r.line_id))
        return result

    def recognised(self, through: date) -> dict[str, Money]:
        """Revenue recognised by the end of a day, per currency (rounded once per currency)."""
        return _recognised(self.recognition_lines(), through)

    def deferred(self, as_of: date) -> dict[str, Money]:
        """Invoiced by the end of ``as_of`` but not yet earned, per currency."""
        totals: dict[str, Decimal] = {}
        for line in self.recognition_lines():
            if line.invoiced_on > as_of:
                continue
            cur = line.amount.currency
            totals[cur] = totals.get(cur, Decimal(0)) + line.amount.amount - line.exact(as_of)
        return {cur: Money(v, cur).rounded() for cur, v in totals.items()}

    def by_month(self, first_month: date, months: int) -> list[MonthRevenue]:
        """Revenue recognised in each of ``months`` calendar months from ``first_month``."""
        start = month_start(first_month)
        edges = [add_months(start, i) for i in range(months + 1)]
        lines = self.recognition_lines()
        currencies = sorted({line.amount.currency for line in lines})
        running = [_recognised(lines, edge - timedelta(days=1)) for edge in edges]
        return [
            MonthRevenue(
                month,
                cur,
                running[i + 1].get(cur, Money.zero(cur)) - running[i].get(cur, Money.zero(cur)),
            )
            for i, month in enumerate(edges[:-1])
            for cur in currencies
        ]

    def forecast(self, as_of: date, months: int = 12) -> list[MonthRevenue]:
        """Revenue to be recognised in the next months from what is already invoiced."""
        return self.by_month(add_months(month_start(as_of), 1), months)


def _recognised(lines: list[RecognitionLine], through: date) -> dict[str, Money]:
    """Running total per currency: lines summed unrounded, rounded once per currency."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        cur = line.amount.currency
        totals[cur] = totals.get(cur, Decimal(0)) + line.exact(through)
    return {cur: Money(v, cur).rounded() for cur, v in totals.items()}
