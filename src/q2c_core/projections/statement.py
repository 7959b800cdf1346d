"""Customer statement: open invoices and payment history, as a customer portal would show."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from q2c_core.domain.errors import NotFound
from q2c_core.domain.money import Money
from q2c_core.domain.payment import reversal_day
from q2c_core.projections._ledger import InvoiceLedger, credited, is_issued, outstanding, paid
from q2c_core.projections.base import check_day, handles, id_key, uuid_hex


@attrs.frozen
class StatementInvoice:
    """An issued invoice or credit note on the statement."""

    invoice_id: str
    number: str
    kind: str
    issued_on: date
    due_date: date
    total: Money
    paid: Money
    credited: Money
    outstanding: Money


@attrs.frozen
class StatementRefund:
    """Customer credit of a payment paid back to the customer."""

    refund_id: str
    refunded_on: date
    reference: str
    amount: Money


@attrs.frozen
class StatementPayment:
    """A payment, where it went, what of it was refunded, and whether it bounced.

    ``unallocated`` is the credit it holds: amount less allocated and refunded; once bounced,
    minus what was refunded of it (the customer owes that: the bank took the whole payment
    back)."""

    payment_id: str
    received_on: date
    reference: str
    amount: Money
    allocated: Money
    unallocated: Money
    bounced_on: date | None
    refunded: Money
    refunds: tuple[StatementRefund, ...] = ()


@attrs.frozen
class StatementBalance:
    """A customer's totals in one currency: money in two currencies is never added up."""

    currency: str
    invoiced: Money
    paid: Money
    open: Money
    credit: Money


@attrs.frozen
class Statement:
    """One customer's statement.

    ``invoices`` and ``payments`` list every currency, each amount in its own; ``balances``
    holds the totals per currency, the customer's own currency first (always there), then any
    other a document or payment was in. ``invoiced``, ``paid``, ``open`` and ``credit`` are
    the customer's own currency's totals."""

    customer_id: str
    name: str
    currency: str
    account_manager: str
    invoices: tuple[StatementInvoice, ...]
    payments: tuple[StatementPayment, ...]
    invoiced: Money
    paid: Money
    open: Money
    credit: Money
    balances: tuple[StatementBalance, ...]

    @property
    def open_invoices(self) -> tuple[StatementInvoice, ...]:
        """Invoices with money still owed."""
        return tuple(i for i in self.invoices if i.outstanding.is_positive())


class CustomerStatement(InvoiceLedger):
    """Per customer: invoices, payments, credit; today or as of a past day.

    A payment row's ``allocs`` maps each allocation to ``[invoice, amount, allocated_on]``
    while it is live and ``[invoice, amount, allocated_on, reversed_on]`` once reversed or
    bounced (a reversal recorded before q2c kept its day: the day it was recorded); its
    ``refunds`` list ``[refund_id, amount, refunded_on, reference]``."""

    name = "customer_statement"
    replay_cost = 3.1

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 keeps the day of every payment applied, un-applied and
        credited, and reversed allocations with their day (version 1 dropped them); 3 keeps a
        payment's refunds (version 2 had none: its credit counted refunded money). A store
        built by an older version is refused until it is rebuilt from events."""
        return {"rows": 3}

    @handles("Customer.CustomerRegistered")
    def _registered(self, e: Any, oid: str) -> None:
        self.put(
            f"cust:{oid}",
            {
                "name": e.name,
                "currency": e.currency,
                "manager": e.account_manager,
                "invoices": [],
                "payments": [],
            },
        )

    @handles("Invoice.Drafted")
    def _drafted_for(self, e: Any, oid: str) -> None:
        """Index by the invoice's own customer: billing runs draft without touching the customer."""
        self._inv_drafted(e, oid)
        self._index(uuid_hex(e.customer_id.int), "invoices", oid)

    def _index(self, customer: str, field: str, value: str) -> None:
        row = self.touch(f"cust:{customer}")
        assert row is not None
        row[field].append(value)

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
        self._index(uuid_hex(e.customer_id.int), "payments", oid)

    def _pay(self, oid: str) -> dict[str, Any]:
        row = self.touch(f"pay:{oid}")
        assert row is not None
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

    def _unapplied_day(self, payment: str, allocation_id: str) -> date | None:
        """The day the payment's own row says the allocation was reversed (its row is written
        first: the payment's event comes right before the invoice's in the log)."""
        row = self.get(f"pay:{payment}")
        alloc = row["allocs"].get(allocation_id) if row is not None else None
        if alloc is None or len(alloc) < 4:
            return None
        day: date = alloc[3]
        return day

    # -- queries ------------------------------------------------------------------------------

    def customers(self) -> list[tuple[str, str]]:
        """(customer id, name) of every customer, by name."""
        return sorted(
            ((k[5:], r["name"]) for k, r in self.rows_with_prefix("cust:")), key=lambda c: c[1]
        )

    def statement(self, customer_id: UUID | str, as_of: date | None = None) -> Statement:
        """The statement of one customer, its id as a UUID or text (totals per currency: see
        ``Statement``); ``NotFound`` for a customer it never saw.

        As of a day: only invoices issued and payments received by then, with what was paid,
        allocated, credited and bounced on or before it; without one, everything recorded."""
        check_day(as_of, optional=True)
        rows = self.rows()
        customer_id = id_key(customer_id, "customer_id")
        cust = rows.get(f"cust:{customer_id}")
        if cust is None:
            raise NotFound(
                "no such customer in the statements", field="customer_id", value=customer_id
            )
        cur = cust["currency"]
        # per currency: [invoiced, paid, open, credit]
        sums: dict[str, list[Decimal]] = {cur: [Decimal(0)] * 4}
        invoices = []
        for inv_id in cust["invoices"]:
            row = rows.get(f"inv:{inv_id}")
            if row is None or not is_issued(row, as_of):
                continue
            money = row["currency"]
            sign = -1 if row["kind"] == "CREDIT_NOTE" else 1
            owed = outstanding(row, as_of)
            settled = paid(row, as_of)
            invoices.append(
                StatementInvoice(
                    invoice_id=inv_id,
                    number=row["number"],
                    kind=row["kind"].lower(),
                    issued_on=row["issued_on"],
                    due_date=row["due"],
                    total=Money(sign * row["total"], money),
                    paid=Money(settled, money),
                    credited=Money(credited(row, as_of), money),
                    outstanding=Money(owed, money),
                )
            )
            totals = sums.setdefault(money, [Decimal(0)] * 4)
            totals[0] += sign * row["total"]
            totals[1] += settled
            totals[2] += owed
        payments = []
        for pay_id in cust["payments"]:
            p = rows.get(f"pay:{pay_id}")
            if p is None or (as_of is not None and p["received_on"] > as_of):
                continue
            allocated = sum((a[1] for a in p["allocs"].values() if _live(a, as_of)), Decimal(0))
            money = p["currency"]
            refunds = tuple(
                StatementRefund(refund_id, day, reference, Money(amount, money))
                for refund_id, amount, day, reference in p["refunds"]
                if as_of is None or day <= as_of
            )
            refunded = sum((r.amount.amount for r in refunds), Decimal(0))
            bounced_on: date | None = p["bounced_on"]
            if bounced_on is not None and as_of is not None and bounced_on > as_of:
                bounced_on = None
            # (bounced: the bank took it all back, and what was refunded of it is owed)
            left = -refunded if bounced_on else p["amount"] - allocated - refunded
            sums.setdefault(money, [Decimal(0)] * 4)[3] += left
            payments.append(
                StatementPayment(
                    payment_id=pay_id,
                    received_on=p["received_on"],
                    reference=p["reference"],
                    amount=Money(p["amount"], money),
                    allocated=Money(allocated, money),
                    unallocated=Money(left, money),
                    bounced_on=bounced_on,
                    refunded=Money(refunded, money),
                    refunds=refunds,
                )
            )
        invoices.sort(key=lambda i: (i.issued_on, i.number))
        payments.sort(key=lambda p: (p.received_on, p.payment_id))
        balances = tuple(
            StatementBalance(money, *(Money(v, money) for v in sums[money]))
            for money in [cur, *sorted(set(sums) - {cur})]
        )
        own = balances[0]
        return Statement(
            customer_id=customer_id,
            name=cust["name"],
            currency=cur,
            account_manager=cust["manager"],
            invoices=tuple(invoices),
            payments=tuple(payments),
            invoiced=own.invoiced,
            paid=own.paid,
            open=own.open,
            credit=own.credit,
            balances=balances,
        )


def _live(alloc: list[Any], as_of: date | None) -> bool:
    """An allocation counts: not reversed (as of a day: made by then, not reversed by then)."""
    if as_of is None:
        return len(alloc) == 3
    made: date = alloc[2]
    return made <= as_of and (len(alloc) == 3 or alloc[3] > as_of)
