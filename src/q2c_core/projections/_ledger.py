"""The facts receivables and statements share: invoices (totals, payments, credits, due
dates) and payments (allocations, refunds, bounces), and the refunds a bounce leaves owed.

Every payment applied, taken back off and every credit keeps its business day, so what was owed
can be told as of any day, not only today: an allocation of 20 April does not pay an invoice on
10 April, and one reversed on 2 May still paid it on 1 May.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs

from q2c_core.domain.money import Money
from q2c_core.domain.payment import owed_back_left, reversal_day
from q2c_core.projections._facts import compact_lines, invoice_facts, lines_total
from q2c_core.projections.base import Projection, handles, uuid_hex
from q2c_core.projections.store import Row


class InvoiceLedger(Projection):
    """Invoice rows ``inv:<id>`` and payment rows ``pay:<id>``; subclasses add their own rows
    and queries.

    An invoice row's ``paid`` maps each allocation to ``[amount, applied_on, payment]`` while it
    is applied, and ``[amount, applied_on, payment, unapplied_on]`` once taken back off;
    ``credits`` lists ``[amount, credited_on]`` (``credited`` is their sum); ``notices`` the
    days it was noticed past due, in order (noticed again once settled and reopened:
    ``notice_past_due``); ``writeoffs`` lists ``[amount, written_off_on, reason]`` of each
    remainder written off (``write_off_remainder``: owed no longer, not paid).

    A payment row's ``allocs`` maps each allocation to ``[invoice, amount, allocated_on]``
    while it is live and ``[invoice, amount, allocated_on, reversed_on]`` once reversed or
    bounced; its ``refunds`` list ``[refund_id, amount, refunded_on, reference]``. An
    invoice's ``PaymentUnapplied`` carries no day of its own: it is recorded in one
    transaction right after the payment's ``AllocationReversed`` (its ``reversed_on``) or
    ``PaymentBounced`` (its ``bounced_on``), and takes its day from the payment's row. A
    reversal recorded before q2c kept its day, or an un-application with no such event before
    it, is dated by the day it was recorded (the event's timestamp, UTC).
    """

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 keeps the day of every payment applied, un-applied and
        credited (version 1 dropped un-applied payments and undated credits); 3 keeps each
        payment's row, with its allocations, refunds and bounce (version 2 kept only the days
        of reversals, so it could not tell the refunds a bounce leaves owed); 4 keeps every
        day an invoice was noticed past due (``notices``: version 3 kept the latest, so a day
        between a notice and the next, after a reopened debt was noticed again, showed none);
        5 keeps the remainders written off (``writeoffs``: version 4 had none, so an invoice
        whose remainder was written off stayed open).
        A store built by an older version is refused until it is rebuilt from events."""
        return {"rows": 5}

    @handles("Invoice.Drafted")
    def _inv_drafted(self, e: Any, oid: str) -> None:
        facts = invoice_facts(e)
        self.put(
            f"inv:{oid}",
            {
                "customer": uuid_hex(e.customer_id.int),
                "kind": e.kind.name,
                "currency": e.currency,
                "lines": facts.lines,
                "terms": e.payment_terms_days,
                "drafted_on": e.drafted_on,
                "status": "DRAFT",
                "number": "",
                "issued_on": None,
                "due": None,
                "total": facts.total,
                "paid": {},
                "credited": Decimal(0),
                "credits": [],
                "notices": [],
                "writeoffs": [],
                "credits_invoice": uuid_hex(e.credits_invoice_id.int)
                if e.credits_invoice_id
                else "",
            },
        )

    def _inv(self, oid: str) -> Row:
        row = self.touch(f"inv:{oid}")
        assert row is not None, f"invoice {oid} seen before it was drafted"
        return row

    @handles("Invoice.LinesAdded")
    def _inv_lines(self, e: Any, oid: str) -> None:
        row = self._inv(oid)
        row["lines"] = row["lines"] + compact_lines(e.lines)
        row["total"] = lines_total(row["lines"], row["currency"])  # (tax is never fixed here)

    @handles("Invoice.Voided")
    def _inv_voided(self, e: Any, oid: str) -> None:
        row = self._inv(oid)
        row["status"] = "VOIDED"
        row["lines"] = []

    @handles("Invoice.Issued")
    def _inv_issued(self, e: Any, oid: str) -> None:
        row = self._inv(oid)
        row["status"] = "ISSUED"
        row["number"] = e.number
        row["issued_on"] = e.issued_on
        row["due"] = e.issued_on + timedelta(days=row["terms"])
        row["lines"] = []  # issued: the total never changes again

    @handles("Invoice.PaymentApplied")
    def _inv_paid(self, e: Any, oid: str) -> None:
        row = self._inv(oid)
        row["paid"][e.allocation_id] = [e.amount.amount, e.applied_on, uuid_hex(e.payment_id.int)]

    @handles("Invoice.PaymentUnapplied")
    def _inv_unpaid(self, e: Any, oid: str) -> None:
        entry = self._inv(oid)["paid"].get(e.allocation_id)
        if entry is None or len(entry) > 3:
            return
        day = self._unapplied_day(entry[2], e.allocation_id)
        entry.append(day if day is not None else e.timestamp.date())

    @handles("Payment.PaymentReceived")
    def _received(self, e: Any, oid: str) -> None:
        self.put(
            f"pay:{oid}",
            {
                "customer": uuid_hex(e.customer_id.int),
                "amount": e.amount.amount,
                "currency": e.amount.currency,
                "received_on": e.received_on,
                "reference": e.reference,
                "allocs": {},
                "refunds": [],
                "bounced_on": None,
            },
        )

    def _pay(self, oid: str) -> Row:
        row = self.touch(f"pay:{oid}")
        assert row is not None, f"payment {oid} seen before it was received"
        return row

    @handles("Payment.PaymentAllocated")
    def _allocated(self, e: Any, oid: str) -> None:
        self._pay(oid)["allocs"][e.allocation_id] = [
            uuid_hex(e.invoice_id.int),
            e.amount.amount,
            e.allocated_on,
        ]

    @handles("Payment.AllocationReversed")
    def _reversed(self, e: Any, oid: str) -> None:
        alloc = self._pay(oid)["allocs"].get(e.allocation_id)
        if alloc is not None and len(alloc) == 3:
            alloc.append(reversal_day(e))

    @handles("Payment.CreditRefunded")
    def _refunded(self, e: Any, oid: str) -> None:
        self._pay(oid)["refunds"].append([e.refund_id, e.amount.amount, e.refunded_on, e.reference])

    @handles("Payment.PaymentBounced")
    def _bounced(self, e: Any, oid: str) -> None:
        row = self._pay(oid)
        for alloc in row["allocs"].values():
            if len(alloc) == 3:
                alloc.append(e.bounced_on)
        row["bounced_on"] = e.bounced_on

    def related_rows(self, key: str, row: Row) -> list[str]:
        """An invoice's payments (``pay:<payment>``): when its money was taken back off comes
        from the payment's reversal or bounce."""
        if not key.startswith("inv:"):
            return []
        return sorted({f"pay:{entry[2]}" for entry in row.get("paid", {}).values()})

    def relates_to(self, key: str, row: Row, event: Any) -> bool:
        """A payment's event concerns the invoice when it allocates or takes back one of the
        invoice's own allocations, or bounces (which takes back all of them): not its receipt,
        nor its refunds or its allocations to other invoices."""
        allocation = getattr(event, "allocation_id", None)
        if allocation is None:
            return type(event).__qualname__ == "Payment.PaymentBounced"
        return allocation in row.get("paid", {})

    def _unapplied_day(self, payment: str, allocation_id: str) -> date | None:
        """The day the payment's own row says the allocation was reversed (its row is written
        first: the payment's event comes right before the invoice's in the log); None: not
        known."""
        row = self.get(f"pay:{payment}")
        alloc = row["allocs"].get(allocation_id) if row is not None else None
        if alloc is None or len(alloc) < 4:
            return None
        day: date = alloc[3]
        return day

    @handles("Invoice.Credited")
    def _inv_credited(self, e: Any, oid: str) -> None:
        row = self._inv(oid)
        row["credited"] += e.amount.amount
        row["credits"].append([e.amount.amount, e.credited_on])

    @handles("Invoice.RemainderWrittenOff")
    def _inv_written_off(self, e: Any, oid: str) -> None:
        self._inv(oid)["writeoffs"].append([e.amount.amount, e.written_off_on, e.reason])

    @handles("Invoice.WriteOffTakenBack")
    def _inv_write_off_taken_back(self, e: Any, oid: str) -> None:
        """Owed again from its day: kept as a negative write-off, as the invoice keeps it."""
        self._inv(oid)["writeoffs"].append([-e.amount.amount, e.taken_back_on, e.reason])

    @handles("Invoice.PastDueNoticed")
    def _inv_noticed(self, e: Any, oid: str) -> None:
        notices = self._inv(oid)["notices"]
        notices.append(e.as_of)
        notices.sort()


def paid(row: Row, as_of: date | None = None) -> Decimal:
    """Payments applied and not un-applied; as of a day: applied on or before it and not
    un-applied by then (without a day: everything recorded, whatever its day)."""
    if as_of is None:
        return sum((p[0] for p in row["paid"].values() if len(p) == 3), Decimal(0))
    return sum(
        (p[0] for p in row["paid"].values() if p[1] <= as_of and (len(p) == 3 or p[3] > as_of)),
        Decimal(0),
    )


def credited(row: Row, as_of: date | None = None) -> Decimal:
    """Credit notes applied to the invoice (as of a day: those credited on or before it)."""
    if as_of is None:
        total: Decimal = row["credited"]
        return total
    return sum((c[0] for c in row["credits"] if c[1] <= as_of), Decimal(0))


def written_off(row: Row, as_of: date | None = None) -> Decimal:
    """Remainders written off the invoice (as of a day: those written off on or before it)."""
    return sum(
        (w[0] for w in row.get("writeoffs", ()) if as_of is None or w[1] <= as_of), Decimal(0)
    )


def is_issued(row: Row, as_of: date | None = None) -> bool:
    """Issued (as of a day: issued on or before it)."""
    if row["status"] != "ISSUED":
        return False
    return as_of is None or row["issued_on"] <= as_of


def outstanding(row: Row, as_of: date | None = None) -> Decimal:
    """What is still owed on an issued invoice (zero for credit notes and unissued ones); as of
    a day, counting only what was issued, paid, credited and written off on or before it."""
    if row["kind"] == "CREDIT_NOTE" or not is_issued(row, as_of):
        return Decimal(0)
    owed: Decimal = row["total"] - credited(row, as_of) - written_off(row, as_of) - paid(row, as_of)
    return owed


def days_past_due(row: Row, as_of: date) -> int:
    """Days since the due date (negative or zero when not yet due)."""
    due: date | None = row["due"]
    return (as_of - due).days if due is not None else 0


def live(alloc: list[Any], as_of: date | None) -> bool:
    """A payment row's allocation counts: not reversed (as of a day: made by then, not
    reversed by then)."""
    if as_of is None:
        return len(alloc) == 3
    made: date = alloc[2]
    return made <= as_of and (len(alloc) == 3 or alloc[3] > as_of)


@attrs.frozen
class PaymentOn:
    """A payment row as it stood on a day (or with everything recorded): what of it was
    allocated, the refunds made, whether it had bounced, and the credit it held: amount less
    allocated and refunded, or, once bounced, minus the refunds (``Payment.unallocated_on``)."""

    allocated: Decimal
    refunds: list[list[Any]]
    refunded: Decimal
    bounced_on: date | None
    credit: Decimal


def payment_on(p: Row, as_of: date | None) -> PaymentOn:
    """A payment row's figures as of a day (``None``: everything recorded)."""
    allocated = sum((a[1] for a in p["allocs"].values() if live(a, as_of)), Decimal(0))
    refunds = [r for r in p["refunds"] if as_of is None or r[2] <= as_of]
    refunded = sum((r[1] for r in refunds), Decimal(0))
    bounced_on: date | None = p["bounced_on"]
    if bounced_on is not None and as_of is not None and bounced_on > as_of:
        bounced_on = None
    # (bounced: the bank took it all back, and what was refunded of it is owed)
    credit = -refunded if bounced_on else p["amount"] - allocated - refunded
    return PaymentOn(allocated, refunds, refunded, bounced_on, credit)


@attrs.frozen
class OwedBack:
    """One refund a customer owes back, as of a day: refunded from a payment that bounced by
    then. Owed since the bounce, or since the refund when the bank's day of the bounce is
    earlier; ``left`` is what the customer's other credit does not cover (``owed_back_left``)."""

    payment_id: str
    payment: Row
    refund_id: str
    reference: str
    refunded_on: date
    bounced_on: date
    since: date
    amount: Money
    left: Money


def owed_back(payments: Iterable[tuple[str, Row]], as_of: date | None) -> list[OwedBack]:
    """The refunds one customer owes back as of a day (``None``: everything recorded), from
    its payment rows (``(payment id, row)``), oldest first (by the day they are owed since),
    each with what is left of it once the customer's credit in its currency covers them,
    oldest first: together the credit's shortfall."""
    credit: dict[str, Decimal] = {}
    owed: dict[str, list[tuple[tuple[Any, ...], OwedBack]]] = {}
    for payment_id, p in payments:
        if as_of is not None and p["received_on"] > as_of:
            continue
        cur = p["currency"]
        figures = payment_on(p, as_of)
        credit[cur] = credit.get(cur, Decimal(0)) + figures.credit
        if figures.bounced_on is None:
            continue
        for n, (refund_id, amount, day, reference) in enumerate(figures.refunds):
            since = max(figures.bounced_on, day)
            debt = OwedBack(
                payment_id,
                p,
                refund_id,
                reference,
                day,
                figures.bounced_on,
                since,
                Money(amount, cur),
                Money(amount, cur),
            )
            order = (since, day, p["received_on"], payment_id, n)
            owed.setdefault(cur, []).append((order, debt))
    result: list[OwedBack] = []
    for cur, debts in owed.items():
        debts.sort(key=lambda d: d[0])
        left = owed_back_left([d.amount for _, d in debts], Money(credit[cur], cur))
        result += [attrs.evolve(d, left=part) for (_, d), part in zip(debts, left, strict=True)]
    result.sort(key=lambda d: (d.since, d.refunded_on, d.payment_id, d.refund_id))
    return result
