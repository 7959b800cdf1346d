"""Customer statement: open invoices and payment history, as a customer portal would show."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from q2c_core.domain.allocation import number_order
from q2c_core.domain.errors import NotFound
from q2c_core.domain.money import Money, currency_quantum
from q2c_core.domain.values import name_order
from q2c_core.projections._ledger import (
    InvoiceLedger,
    credited,
    is_issued,
    live,
    outstanding,
    owed_back,
    paid,
    payment_on,
    written_off,
)
from q2c_core.projections._managers import (
    ManagerNames,
    current_manager,
    manager_on,
    record_handover,
)
from q2c_core.projections.base import check_day, handles, id_key, uuid_hex
from q2c_core.projections.store import Row


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
    # the remainders written off it (``write_off_remainder``): owed no longer, not paid
    written_off: Money = attrs.field(
        default=attrs.Factory(lambda i: Money.zero(i.total.currency), takes_self=True)
    )


@attrs.frozen
class StatementWriteOff:
    """A small remainder of an invoice written off (``write_off_remainder``), a line of the
    payment history: the invoice owes nothing of it from ``written_off_on``, and it was not
    paid (no payment's money, no credit). A negative ``amount`` is a write-off taken back by a
    credit note (whole, or in part: the money paid pays what the invoice is still worth first,
    ``Invoice.take_back_write_off``): owed again that day, and credited by the note."""

    invoice_id: str
    number: str
    written_off_on: date
    amount: Money
    reason: str


@attrs.frozen
class StatementRefund:
    """Customer credit of a payment paid back to the customer."""

    refund_id: str
    refunded_on: date
    reference: str
    amount: Money


@attrs.frozen
class StatementRefundOwed:
    """Refunded money the customer owes back: the payment it was refunded from bounced
    afterwards (the bank took the whole payment back). Owed since the bounce (or since the
    refund, when the bank's day of the bounce is earlier); ``outstanding`` is what the
    customer's other credit in that currency does not cover (money received and not allocated
    nets against it, the oldest debt first)."""

    payment_id: str
    payment_reference: str
    refund_id: str
    reference: str
    refunded_on: date
    bounced_on: date
    owed_since: date
    amount: Money
    outstanding: Money


@attrs.frozen
class StatementAllocation:
    """What of a payment paid one invoice (a transfer spread over several invoices lists each):
    allocated on ``allocated_on`` and not taken back off (reversed, bounced) by the
    statement's day, so a customer can match its remittance to the invoices."""

    invoice_id: str
    number: str
    amount: Money
    allocated_on: date


@attrs.frozen
class StatementPayment:
    """A payment, where it went, what of it was refunded, and whether it bounced.

    ``unallocated`` is the credit it holds: amount less allocated and refunded; once bounced,
    minus what was refunded of it (the customer owes that: the bank took the whole payment
    back), as the payment itself counts it: the payments' ``unallocated`` add up to the
    balance's ``credit``. To list payments beside the refunds owed, each once, read
    ``Statement.credit_held``. ``allocations`` are the invoices it pays (those in force on
    the statement's day), by day and number; together they are ``allocated``."""

    payment_id: str
    received_on: date
    reference: str
    amount: Money
    allocated: Money
    unallocated: Money
    bounced_on: date | None
    refunded: Money
    refunds: tuple[StatementRefund, ...] = ()
    allocations: tuple[StatementAllocation, ...] = ()


def _money(amount: Decimal, currency: str) -> Money:
    """An amount the statement worked out, written to the currency's minor unit at least (no
    zero as ``Money('0')`` next to ``'124.91'``): the same value, nothing rounded."""
    return Money(amount + currency_quantum(currency) * 0, currency)


def _zero(holder: Any) -> Money:
    return Money.zero(holder.currency)


@attrs.frozen
class StatementBalance:
    """A customer's totals in one currency: money in two currencies is never added up.

    ``credit`` is the customer's credit as the aggregates count it (``customer_credit``), net
    of the refunds the customer owes back; ``owed_back`` is what of those refunds its credit
    does not cover: ``-credit`` while the credit is negative, else nothing (it explains a
    negative credit, it is not owed on top of it: what the customer owes in all is
    ``open - credit``, that is ``open + owed_back`` when the credit is negative).
    ``written_off`` is the remainders written off the invoices (neither paid nor open)."""

    currency: str
    invoiced: Money
    paid: Money
    open: Money
    credit: Money
    owed_back: Money = attrs.field(default=attrs.Factory(_zero, takes_self=True))
    written_off: Money = attrs.field(default=attrs.Factory(_zero, takes_self=True))


@attrs.frozen
class Statement:
    """One customer's statement.

    ``invoices`` and ``payments`` list every currency, each amount in its own, and
    ``refunds_owed`` the refunds the customer owes back because their payment bounced (with
    what of each is still outstanding); ``balances`` holds the totals per currency, the
    customer's own currency first (always there), then any other a document or payment was
    in. ``invoiced``, ``paid``, ``open``, ``credit`` and ``owed_back`` are the customer's own
    currency's totals."""

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
    refunds_owed: tuple[StatementRefundOwed, ...] = ()
    owed_back: Money = attrs.field(default=attrs.Factory(_zero, takes_self=True))
    write_offs: tuple[StatementWriteOff, ...] = ()

    @property
    def open_invoices(self) -> tuple[StatementInvoice, ...]:
        """Invoices with money still owed."""
        return tuple(i for i in self.invoices if i.outstanding.is_positive())

    def credit_held(self) -> dict[str, Money]:
        """Per payment id, the credit it still holds for the customer once the refunds owed
        back are shown as ``refunds_owed`` (their ``outstanding``): never below 0.00 (a
        bounced payment's negative ``unallocated`` is the refund owed, not a credit), and
        less what of it covers refunds owed (the credit of the oldest payments first, as
        ``outstanding`` nets the customer's credit against them).

        Listed beside each other, per currency, open invoices and refunds owed
        (``outstanding``) less the credit held add up to what the customer owes in all: the
        balance's ``open - credit`` (``open + owed_back`` while its credit is negative)."""
        covers: dict[str, Decimal] = {}
        for debt in self.refunds_owed:
            money = debt.amount.currency
            covered = (debt.amount - debt.outstanding).amount
            covers[money] = covers.get(money, Decimal(0)) + covered
        held: dict[str, Money] = {}
        for pay in self.payments:  # (oldest first)
            money = pay.unallocated.currency
            left = max(pay.unallocated.amount, Decimal(0))
            taken = min(left, covers.get(money, Decimal(0)))
            if taken:
                covers[money] -= taken
            held[pay.payment_id] = _money(left - taken, money)
        return held


class CustomerStatement(InvoiceLedger, ManagerNames):
    """Per customer: invoices, payments, credit, refunds owed back; today or as of a past day.

    Invoice and payment rows as ``InvoiceLedger`` keeps them; a customer's row
    ``cust:<id>`` lists its invoices and payments. The account manager is shown as the other
    reports show the person (``ManagerNames.manager_shown``: the spelling the books first
    named them by, "mia" for a customer registered with "MIA " after one with "mia")."""

    name = "customer_statement"
    event_cost = 5.5

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 keeps the day of every payment applied, un-applied and
        credited, and reversed allocations with their day (version 1 dropped them); 3 keeps a
        payment's refunds (version 2 had none: its credit counted refunded money); 4 keeps a
        customer's manager as the person is shown (``who:`` rows; version 3 kept the spelling
        each customer was registered with); 5 keeps a customer's handovers to another manager
        (``handovers``: ``CustomerHandedOver``), so a statement as of a day before a handover
        names the manager before it; 6 reads a manager's name without every default-ignorable
        character (a combining grapheme joiner, a Hangul filler, a variation selector:
        ``person_key``), so ``who:`` rows keyed with one are keyed again; 7
        reads a manager's name as it shows: a C1 control character dropped, a blank
        (the braille blank U+2800) read as a space (``person_key``), so ``who:`` rows keyed with one
        are keyed again; 8 keeps every day an invoice was noticed past due (``InvoiceLedger``'s
        ``notices``); 9 keeps the remainders written off (``InvoiceLedger``'s ``writeoffs``:
        version 8 had none, so an invoice whose remainder was written off stayed open). A
        store built by an older version is refused until it is rebuilt from events."""
        return {"rows": 9}

    @handles("Customer.CustomerRegistered")
    def _registered(self, e: Any, oid: str) -> None:
        self.put(
            f"cust:{oid}",
            {
                "name": e.name,
                "currency": e.currency,
                "manager": self.manager_shown(e.account_manager),
                "invoices": [],
                "payments": [],
            },
        )

    @handles("Customer.CustomerHandedOver")
    def _handed_over(self, e: Any, oid: str) -> None:
        """Handed over to another manager from a business day on: a statement as of a day
        before it names the manager before (``_managers.manager_on``)."""
        row = self.touch(f"cust:{oid}")
        if row is not None:
            record_handover(row, e.effective_on, self.manager_shown(e.to_manager))

    @handles("Customer.Renamed")
    def _renamed(self, e: Any, oid: str) -> None:
        """A statement names the customer as it is named now (``rename_customer``)."""
        row = self.touch(f"cust:{oid}")
        if row is not None:
            row["name"] = e.name

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
        super()._received(e, oid)
        self._index(uuid_hex(e.customer_id.int), "payments", oid)

    def related_rows(self, key: str, row: Row) -> list[str]:
        """A customer's statement (``cust:<id>``) is worked out from its invoices' and
        payments' rows (``inv:``, ``pay:``): ``explain`` lists their issues, payments applied
        and taken back, credits, refunds and bounces too. An invoice's rows as
        ``InvoiceLedger`` relates them."""
        if key.startswith("cust:"):
            return [f"inv:{i}" for i in row["invoices"]] + [f"pay:{p}" for p in row["payments"]]
        return super().related_rows(key, row)

    def relates_to(self, key: str, row: Row, event: Any) -> bool:
        """Every event that wrote one of a customer's invoice or payment rows concerns its
        statement (those rows are the customer's alone); an invoice's as ``InvoiceLedger``
        tells."""
        if key.startswith("cust:"):
            return True
        return super().relates_to(key, row, event)

    # -- queries ------------------------------------------------------------------------------

    def customers(self) -> list[tuple[str, str]]:
        """(customer id, name) of every customer, by name (``name_order``: capitals aside),
        then id: two customers of one name (registered with different references) come in the
        same order on every run, in every report."""
        return sorted(
            ((k[5:], r["name"]) for k, r in self.rows_with_prefix("cust:")),
            key=lambda c: (name_order(c[1]), c[0]),
        )

    def statement(self, customer_id: UUID | str, as_of: date | None = None) -> Statement:
        """The statement of one customer, its id as a UUID or text (totals per currency: see
        ``Statement``); ``NotFound`` for a customer it never saw.

        As of a day: only invoices issued and payments received by then, with what was paid,
        allocated, credited and bounced on or before it; without one, everything recorded. The
        account manager is the customer's on that day (a handover counts from its day),
        without one its manager now."""
        check_day(as_of, optional=True)
        customer_id = id_key(customer_id, "customer_id")
        # (the customer's own rows, each read once: the whole projection loaded per statement
        # made a report of every customer's statement cost the square of the book)
        cust = self.get(f"cust:{customer_id}")
        if cust is None:
            raise NotFound(
                "no such customer in the statements", field="customer_id", value=customer_id
            )
        cur = cust["currency"]
        # per currency: [invoiced, paid, open, credit, written off]
        sums: dict[str, list[Decimal]] = {cur: [Decimal(0)] * 5}
        invoices = []
        write_offs: list[StatementWriteOff] = []
        numbers: dict[str, str] = {}  # (the invoices the payments pay, by id)
        for inv_id in cust["invoices"]:
            row = self.get(f"inv:{inv_id}")
            if row is None or not is_issued(row, as_of):
                continue
            numbers[inv_id] = row["number"]
            money = row["currency"]
            sign = -1 if row["kind"] == "CREDIT_NOTE" else 1
            owed = outstanding(row, as_of)
            settled = paid(row, as_of)
            given_up = written_off(row, as_of)
            write_offs.extend(
                StatementWriteOff(inv_id, row["number"], day, _money(amount, money), reason)
                for amount, day, reason in row.get("writeoffs", ())
                if as_of is None or day <= as_of
            )
            invoices.append(
                StatementInvoice(
                    invoice_id=inv_id,
                    number=row["number"],
                    kind=row["kind"].lower(),
                    issued_on=row["issued_on"],
                    due_date=row["due"],
                    total=_money(sign * row["total"], money),
                    paid=_money(settled, money),
                    credited=_money(credited(row, as_of), money),
                    outstanding=_money(owed, money),
                    written_off=_money(given_up, money),
                )
            )
            totals = sums.setdefault(money, [Decimal(0)] * 5)
            totals[0] += sign * row["total"]
            totals[1] += settled
            totals[2] += owed
            totals[4] += given_up
        payments = []
        mine = []
        for pay_id in cust["payments"]:
            p = self.get(f"pay:{pay_id}")
            if p is None or (as_of is not None and p["received_on"] > as_of):
                continue
            mine.append((pay_id, p))
            money = p["currency"]
            figures = payment_on(p, as_of)
            refunds = tuple(
                StatementRefund(refund_id, day, reference, _money(amount, money))
                for refund_id, amount, day, reference in figures.refunds
            )
            sums.setdefault(money, [Decimal(0)] * 5)[3] += figures.credit
            allocations = sorted(
                (
                    StatementAllocation(
                        alloc[0], numbers.get(alloc[0], ""), _money(alloc[1], money), alloc[2]
                    )
                    for alloc in p["allocs"].values()
                    if live(alloc, as_of)
                ),
                key=lambda a: (a.allocated_on, number_order(a.number), a.number, a.invoice_id),
            )
            payments.append(
                StatementPayment(
                    payment_id=pay_id,
                    received_on=p["received_on"],
                    reference=p["reference"],
                    amount=_money(p["amount"], money),
                    allocated=_money(figures.allocated, money),
                    unallocated=_money(figures.credit, money),
                    bounced_on=figures.bounced_on,
                    refunded=_money(figures.refunded, money),
                    refunds=refunds,
                    allocations=tuple(allocations),
                )
            )
        debts = tuple(
            StatementRefundOwed(
                payment_id=d.payment_id,
                payment_reference=d.payment["reference"],
                refund_id=d.refund_id,
                reference=d.reference,
                refunded_on=d.refunded_on,
                bounced_on=d.bounced_on,
                owed_since=d.since,
                amount=d.amount,
                outstanding=d.left,
            )
            for d in owed_back(mine, as_of)
        )
        # a day's credit notes after its invoices (a note never before what it credits; by
        # number alone "CN-000001" came before "INV-000002")
        # (by number as it counts: "R-10" after "R-2", see ``number_order``)
        invoices.sort(
            key=lambda i: (i.issued_on, i.kind == "credit_note", number_order(i.number), i.number)
        )
        payments.sort(key=lambda p: (p.received_on, p.payment_id))
        write_offs.sort(key=lambda w: (w.written_off_on, number_order(w.number), w.number))
        left: dict[str, Money] = {}
        for debt in debts:
            money = debt.outstanding.currency
            left[money] = left.get(money, _money(Decimal(0), money)) + debt.outstanding
        balances = tuple(
            StatementBalance(
                money,
                invoiced=_money(sums[money][0], money),
                paid=_money(sums[money][1], money),
                open=_money(sums[money][2], money),
                credit=_money(sums[money][3], money),
                owed_back=left.get(money, _money(Decimal(0), money)),
                written_off=_money(sums[money][4], money),
            )
            for money in [cur, *sorted(set(sums) - {cur})]
        )
        own = balances[0]
        return Statement(
            customer_id=customer_id,
            name=cust["name"],
            currency=cur,
            account_manager=(current_manager(cust) if as_of is None else manager_on(cust, as_of)),
            invoices=tuple(invoices),
            payments=tuple(payments),
            invoiced=own.invoiced,
            paid=own.paid,
            open=own.open,
            credit=own.credit,
            balances=balances,
            refunds_owed=debts,
            owed_back=own.owed_back,
            write_offs=tuple(write_offs),
        )
