"""Receivables aging (current, 1-30, 31-60, 61-90, 90+ days past due) and the past-due list:
open invoices, and refunded money customers owe back because the payment it came from bounced."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from q2c_core.domain.allocation import number_order
from q2c_core.domain.money import Money
from q2c_core.projections._ledger import InvoiceLedger, days_past_due, outstanding, owed_back
from q2c_core.projections.base import AGE_BUCKETS, age_bucket, check_day
from q2c_core.projections.store import Row

# the kinds of money owed an aging row counts
INVOICES = "invoices"
REFUNDS_OWED = "refunds owed"


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
class RefundOwed:
    """Money paid back to a customer out of a payment that then bounced: the bank took the
    whole payment back, so the customer owes what was refunded of it.

    It is owed from the day of the bounce (or of the refund, when the bank's day of the bounce
    is earlier), ``owed_since``, and aged from that day; ``outstanding`` is what the customer's
    other credit in that currency does not cover (money received and not allocated nets
    against it, the oldest debt first)."""

    payment_id: str
    customer_id: str
    payment_reference: str
    refund_id: str
    reference: str
    refunded_on: date
    bounced_on: date
    owed_since: date
    amount: Money
    outstanding: Money
    days_past_due: int
    bucket: str


@attrs.frozen
class AgingRow:
    """One customer's (or everyone's) outstanding amounts per bucket, in one currency, of one
    kind: ``"invoices"``, or ``"refunds owed"`` (``RefundOwed``); everyone's totals (customer
    ``"*"``) are of both, kind ``"*"``."""

    customer_id: str
    currency: str
    buckets: dict[str, Money]
    kind: str = INVOICES

    @property
    def total(self) -> Money:
        """All buckets together."""
        result = Money.zero(self.currency).rounded()  # (0.00, not 0, when all are zero)
        for amount in self.buckets.values():
            result = result + amount
        return result


class ReceivablesAging(InvoiceLedger):
    """Who owes what, and for how long past the due date: invoices, and refunds owed back.

    Its rows are ``InvoiceLedger``'s (invoices and payments, version 5)."""

    name = "receivables_aging"
    event_cost = 5.0

    def related_rows(self, key: str, row: Row) -> list[str]:
        """A payment that bounced after a refund leaves the refund owed, less what the
        customer's other money in its currency covers (``refunds_owed``): ``explain`` of its
        row (``pay:<id>``, as the past-due list names it) lists the events of the customer's
        other payments in that currency too. An invoice's rows as ``InvoiceLedger`` relates
        them. Read at explain time only (a scan of the payment rows)."""
        if not key.startswith("pay:"):
            return super().related_rows(key, row)
        if row.get("bounced_on") is None or not row.get("refunds"):
            return []
        return sorted(
            k
            for k, other in self.rows_with_prefix("pay:")
            if k != key
            and other["customer"] == row["customer"]
            and other["currency"] == row["currency"]
        )

    def relates_to(self, key: str, row: Row, event: Any) -> bool:
        """Every event that wrote another of the customer's payments in the currency of a
        refund owed (``related_rows``) changed the credit netted against it; an invoice's
        as ``InvoiceLedger`` tells."""
        if key.startswith("pay:"):
            return True
        return super().relates_to(key, row, event)

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
            noticed = standing_notice(row, as_of)
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
                    noticed_on=noticed,
                )
            )
        result.sort(key=lambda i: (i.due_date, number_order(i.number), i.number))
        return result

    def refunds_owed(self, as_of: date) -> list[RefundOwed]:
        """Refunds customers owe back on ``as_of`` with something outstanding that day (their
        payment bounced by then), oldest owed first; each aged from the day it is owed since."""
        check_day(as_of)
        by_customer: dict[str, list[tuple[str, Row]]] = {}
        for key, row in self.rows_with_prefix("pay:"):
            by_customer.setdefault(row["customer"], []).append((key[4:], row))
        result = []
        for customer, payments in by_customer.items():
            for d in owed_back(payments, as_of):
                if not d.left.is_positive():
                    continue
                days = (as_of - d.since).days
                result.append(
                    RefundOwed(
                        payment_id=d.payment_id,
                        customer_id=customer,
                        payment_reference=d.payment["reference"],
                        refund_id=d.refund_id,
                        reference=d.reference,
                        refunded_on=d.refunded_on,
                        bounced_on=d.bounced_on,
                        owed_since=d.since,
                        amount=d.amount,
                        outstanding=d.left,
                        days_past_due=days,
                        bucket=age_bucket(days),
                    )
                )
        result.sort(key=lambda r: (r.owed_since, r.customer_id, r.payment_id, r.refund_id))
        return result

    def aging(self, as_of: date) -> list[AgingRow]:
        """Outstanding per customer, currency and kind in the five buckets: a customer's open
        invoices in one row, the refunds it owes back (``refunds_owed``) in another."""
        check_day(as_of)
        table: dict[tuple[str, str, str], dict[str, Money]] = {}
        owed: list[tuple[str, str, Money]] = [
            (i.customer_id, i.bucket, i.outstanding) for i in self.open_invoices(as_of)
        ]
        debts = [(r.customer_id, r.bucket, r.outstanding) for r in self.refunds_owed(as_of)]
        for kind, items in ((INVOICES, owed), (REFUNDS_OWED, debts)):
            for customer, bucket, amount in items:
                cur = amount.currency
                buckets = table.setdefault(
                    (customer, cur, kind), {b: Money.zero(cur).rounded() for b in AGE_BUCKETS}
                )
                buckets[bucket] = buckets[bucket] + amount
        return [AgingRow(c, cur, b, kind) for (c, cur, kind), b in sorted(table.items())]

    def totals(self, as_of: date) -> list[AgingRow]:
        """Everyone's outstanding per bucket, invoices and refunds owed together, one row per
        currency."""
        check_day(as_of)
        table: dict[str, dict[str, Money]] = {}
        for row in self.aging(as_of):
            buckets = table.setdefault(
                row.currency, {b: Money.zero(row.currency).rounded() for b in AGE_BUCKETS}
            )
            for b, amount in row.buckets.items():
                buckets[b] = buckets[b] + amount
        return [AgingRow("*", cur, b, "*") for cur, b in sorted(table.items())]

    def past_due(self, as_of: date) -> list[OpenInvoice]:
        """The invoices on the follow-up list: owed and past the due date, most overdue first
        (the refunds owed back past their day: ``past_due_refunds``)."""
        check_day(as_of)
        found = [i for i in self.open_invoices(as_of) if i.days_past_due > 0]
        return sorted(found, key=lambda i: (-i.days_past_due, number_order(i.number), i.number))

    def past_due_refunds(self, as_of: date) -> list[RefundOwed]:
        """The refunds owed back on the follow-up list: outstanding, and owed since before
        ``as_of``, most overdue first."""
        found = [r for r in self.refunds_owed(as_of) if r.days_past_due > 0]
        return sorted(found, key=lambda r: (-r.days_past_due, r.reference, r.refund_id))


def standing_notice(row: Row, as_of: date) -> date | None:
    """The day the debt an invoice row owes on ``as_of`` was noticed past due: its latest
    notice by then, unless the invoice owed nothing at the end of some day since (paid,
    credited or written off in full, reopened when the money was taken back off), as
    ``Invoice.owed_nothing_between`` judges it: that notice chased a debt that was settled, and
    the one owed now is not noticed yet (None, until ``notice_past_due`` notices it again)."""
    noticed: date | None = max((d for d in row["notices"] if d <= as_of), default=None)
    if noticed is None:
        return None
    days = {noticed}
    days.update(p[1] for p in row["paid"].values() if noticed < p[1] <= as_of)
    days.update(c[1] for c in row["credits"] if noticed < c[1] <= as_of)
    days.update(w[1] for w in row.get("writeoffs", ()) if noticed < w[1] <= as_of)
    if any(outstanding(row, day) <= 0 for day in days):
        return None
    return noticed
