"""Revenue recognition (ASC 606 / IFRS 15): maintenance ratably by day over its service period,
enhancements when the work is completed, expenses and other items when invoiced; deposits are
customer advances, not revenue. Deferred revenue = invoiced - recognised, as of any date.

Ratable amounts are computed on the running total: recognised through day D is the line amount
times the days served through D over the days of the period, rounded half up; a month's share is
the difference of two running totals, so the months add up to the line amount exactly.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
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
    if through < period.start:
        return Money.zero(amount.currency)
    if through >= period.end - timedelta(days=1):
        return amount
    served = (through - period.start).days + 1
    return Money(amount.amount * served / period.days, amount.currency).rounded()


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
    rule: str  # ratable, at_completion, at_issue
    invoiced_on: date
    period: Period | None
    recognised_on: date | None  # for point-in-time rules (None: not yet earned)

    def recognised(self, through: date) -> Money:
        """What of this line is recognised by the end of ``through``."""
        if self.period is not None:
            return recognised_through(self.amount, self.period, through)
        if self.recognised_on is not None and self.recognised_on <= through:
            return self.amount
        return Money.zero(self.amount.currency)


@attrs.frozen
class MonthRevenue:
    """Revenue recognised in one calendar month, per currency."""

    month: date
    currency: str
    amount: Money


class RevenueSchedule(Projection):
    """What is invoiced, what is earned, what is deferred; by month, and 12 months ahead."""

    name = "revenue_schedule"

    @handles("EnhancementRequest.Completed")
    def _completed(self, e: Any) -> None:
        self.put(f"req:{e.originator_id.hex}", {"completed_on": e.completed_on})

    @handles("Invoice.Drafted")
    def _drafted(self, e: Any) -> None:
        self.put(
            f"inv:{e.originator_id.hex}",
            {
                "kind": e.kind.name,
                "currency": e.currency,
                "lines": _slim(invoice_facts(e).lines),
                "issued_on": None,
            },
        )

    @handles("Invoice.LinesAdded")
    def _lines(self, e: Any) -> None:
        key = f"inv:{e.originator_id.hex}"
        row = self.get(key)
        assert row is not None
        row["lines"] = row["lines"] + _slim(compact_lines(e.lines))
        self.put(key, row)

    @handles("Invoice.Voided")
    def _voided(self, e: Any) -> None:
        self.delete(f"inv:{e.originator_id.hex}")

    @handles("Invoice.Issued")
    def _issued(self, e: Any) -> None:
        key = f"inv:{e.originator_id.hex}"
        row = self.get(key)
        assert row is not None
        row["issued_on"] = e.issued_on
        self.put(key, row)

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
                if kind == "MAINTENANCE" and line[P_START] is not None and sign > 0:
                    period, on, rule = Period(line[P_START], line[P_END]), None, "ratable"
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
        """Revenue recognised by the end of a day, per currency."""
        totals: dict[str, Money] = {}
        for line in self.recognition_lines():
            cur = line.amount.currency
            totals[cur] = totals.get(cur, Money.zero(cur)) + line.recognised(through)
        return totals

    def deferred(self, as_of: date) -> dict[str, Money]:
        """Invoiced by the end of ``as_of`` but not yet earned, per currency."""
        totals: dict[str, Money] = {}
        for line in self.recognition_lines():
            if line.invoiced_on > as_of:
                continue
            cur = line.amount.currency
            left = line.amount - line.recognised(as_of)
            totals[cur] = totals.get(cur, Money.zero(cur)) + left
        return totals

    def by_month(self, first_month: date, months: int) -> list[MonthRevenue]:
        """Revenue recognised in each of ``months`` calendar months from ``first_month``."""
        start = month_start(first_month)
        edges = [add_months(start, i) for i in range(months + 1)]
        totals: dict[tuple[date, str], Money] = {}
        currencies: set[str] = set()
        for line in self.recognition_lines():
            cur = line.amount.currency
            currencies.add(cur)
            before = line.recognised(edges[0] - timedelta(days=1))
            for month, nxt in pairwise(edges):
                now = line.recognised(nxt - timedelta(days=1))
                share = now - before
                before = now
                k = (month, cur)
                totals[k] = totals[k] + share if k in totals else share
        return [
            MonthRevenue(month, cur, totals.get((month, cur), Money.zero(cur)))
            for month in edges[:-1]
            for cur in sorted(currencies)
        ]

    def forecast(self, as_of: date, months: int = 12) -> list[MonthRevenue]:
        """Revenue to be recognised in the next months from what is already invoiced."""
        return self.by_month(add_months(month_start(as_of), 1), months)
