"""Receivables aging (current, 1-30, 31-60, 61-90, 90+ days past due) and the past-due list."""

from __future__ import annotations

from datetime import date

import attrs

from q2c_core.domain.money import Money
from q2c_core.projections._ledger import InvoiceLedger, days_past_due, outstanding
from q2c_core.projections.base import AGE_BUCKETS, age_bucket, check_day


@attrs.frozen
class OpenInvoice:
    """An issued invoice with money still owed."""

    invoice_id: str
    customer_id: str
    number: str
    issued_on: date
    due_date: date
    total: Money
    outstanding: Money
    days_past_due: int
    bucket: str
    noticed_on: date | None


@attrs.frozen
class AgingRow:
    """One customer's (or everyone's) outstanding amounts per bucket, in one currency."""

    customer_id: str
    currency: str
    buckets: dict[str, Money]

    @property
    def total(self) -> Money:
        """All buckets together."""
        result = Money.zero(self.currency)
        for amount in self.buckets.values():
            result = result + amount
        return result


class ReceivablesAging(InvoiceLedger):
    """Who owes what, and for how long past the due date."""

    name = "receivables_aging"
    replay_cost = 1.9

    def open_invoices(self, as_of: date) -> list[OpenInvoice]:
        """Invoices issued by ``as_of`` with something outstanding that day, oldest due first:
        payments applied and credits given after it do not count yet, and a payment taken back
        off (reversed, bounced) by then no longer does."""
        check_day(as_of)
        result = []
        for key, row in self.rows_with_prefix("inv:"):
            owed = outstanding(row, as_of)
            if owed <= 0:
                continue
            days = days_past_due(row, as_of)
            noticed: date | None = row["noticed_on"]
            result.append(
                OpenInvoice(
                    invoice_id=key[4:],
                    customer_id=row["customer"],
                    number=row["number"],
                    issued_on=row["issued_on"],
                    due_date=row["due"],
                    total=Money(row["total"], row["currency"]),
                    outstanding=Money(owed, row["currency"]),
                    days_past_due=days,
                    bucket=age_bucket(days),
                    noticed_on=noticed if noticed is not None and noticed <= as_of else None,
                )
            )
        result.sort(key=lambda i: (i.due_date, i.number))
        return result

    def aging(self, as_of: date) -> list[AgingRow]:
        """Outstanding per customer and currency in the five buckets."""
        check_day(as_of)
        table: dict[tuple[str, str], dict[str, Money]] = {}
        for inv in self.open_invoices(as_of):
            cur = inv.outstanding.currency
            buckets = table.setdefault(
                (inv.customer_id, cur), {b: Money.zero(cur) for b in AGE_BUCKETS}
            )
            buckets[inv.bucket] = buckets[inv.bucket] + inv.outstanding
        return [AgingRow(c, cur, b) for (c, cur), b in sorted(table.items())]

    def totals(self, as_of: date) -> list[AgingRow]:
        """Everyone's outstanding per bucket, one row per currency."""
        check_day(as_of)
        table: dict[str, dict[str, Money]] = {}
        for row in self.aging(as_of):
            buckets = table.setdefault(
                row.currency, {b: Money.zero(row.currency) for b in AGE_BUCKETS}
            )
            for b, amount in row.buckets.items():
                buckets[b] = buckets[b] + amount
        return [AgingRow("*", cur, b) for cur, b in sorted(table.items())]

    def past_due(self, as_of: date) -> list[OpenInvoice]:
        """The follow-up list: owed and past the due date, most overdue first."""
        check_day(as_of)
        found = [i for i in self.open_invoices(as_of) if i.days_past_due > 0]
        return sorted(found, key=lambda i: (-i.days_past_due, i.number))
