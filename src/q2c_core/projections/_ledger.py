"""The invoice facts receivables and statements share: totals, payments, credits, due dates.

Every payment applied, taken back off and every credit keeps its business day, so what was owed
can be told as of any day, not only today: an allocation of 20 April does not pay an invoice on
10 April, and one reversed on 2 May still paid it on 1 May.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from q2c_core.domain.payment import reversal_day
from q2c_core.projections._facts import compact_lines, invoice_facts, lines_total
from q2c_core.projections.base import Projection, handles, uuid_hex
from q2c_core.projections.store import Row


class InvoiceLedger(Projection):
    """Invoice rows ``inv:<id>``; subclasses add their own rows and queries.

    An invoice row's ``paid`` maps each allocation to ``[amount, applied_on, payment]`` while it
    is applied, and ``[amount, applied_on, payment, unapplied_on]`` once taken back off;
    ``credits`` lists ``[amount, credited_on]`` (``credited`` is their sum). An invoice's
    ``PaymentUnapplied`` carries no day of its own: it is recorded in one transaction right
    after the payment's ``AllocationReversed`` (its ``reversed_on``) or ``PaymentBounced``
    (its ``bounced_on``), whose day this ledger notes in a ``rev:<payment>`` row and takes from
    there. A reversal recorded before q2c kept its day, or an un-application with no such event
    before it, is dated by the day it was recorded (the event's timestamp, UTC).
    """

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 keeps the day of every payment applied, un-applied and
        credited (version 1 dropped un-applied payments and undated credits), so a store built
        by version 1 is refused until it is rebuilt from events."""
        return {"rows": 2}

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
                "noticed_on": None,
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

    @handles("Payment.AllocationReversed")
    def _note_reversal(self, e: Any, oid: str) -> None:
        row = self._reversals(oid)
        row["allocs"][e.allocation_id] = reversal_day(e)

    @handles("Payment.PaymentBounced")
    def _note_bounce(self, e: Any, oid: str) -> None:
        self._reversals(oid)["bounced_on"] = e.bounced_on

    def related_rows(self, key: str, row: Row) -> list[str]:
        """An invoice's payments' reversal days (``rev:<payment>``): when its money was taken
        back off comes from the payment's reversal or bounce."""
        if not key.startswith("inv:"):
            return []
        return sorted({f"rev:{entry[2]}" for entry in row.get("paid", {}).values()})

    def relates_to(self, key: str, row: Row, event: Any) -> bool:
        """A payment's reversal concerns the invoice only when it takes back one of the
        invoice's own allocations (a bounce takes back all of them)."""
        allocation = getattr(event, "allocation_id", None)
        return allocation is None or allocation in row.get("paid", {})

    def _reversals(self, payment: str) -> Row:
        key = f"rev:{payment}"
        row = self.touch(key)
        if row is None:
            row = {"allocs": {}, "bounced_on": None}
            self.put(key, row)
        return row

    def _unapplied_day(self, payment: str, allocation_id: str) -> date | None:
        """The business day an allocation of a payment was taken back off (None: not known).

        A reversal's day is used once and forgotten; a bounce's stays (it covers every
        allocation the payment had)."""
        key = f"rev:{payment}"
        row = self.get(key)
        if row is None:
            return None
        day: date | None = row["allocs"].pop(allocation_id, None)
        if day is not None:
            if row["allocs"] or row["bounced_on"] is not None:
                self.put(key, row)
            else:
                self.delete(key)
            return day
        bounced: date | None = row["bounced_on"]
        return bounced

    @handles("Invoice.Credited")
    def _inv_credited(self, e: Any, oid: str) -> None:
        row = self._inv(oid)
        row["credited"] += e.amount.amount
        row["credits"].append([e.amount.amount, e.credited_on])

    @handles("Invoice.PastDueNoticed")
    def _inv_noticed(self, e: Any, oid: str) -> None:
        self._inv(oid)["noticed_on"] = e.as_of


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


def is_issued(row: Row, as_of: date | None = None) -> bool:
    """Issued (as of a day: issued on or before it)."""
    if row["status"] != "ISSUED":
        return False
    return as_of is None or row["issued_on"] <= as_of


def outstanding(row: Row, as_of: date | None = None) -> Decimal:
    """What is still owed on an issued invoice (zero for credit notes and unissued ones); as of
    a day, counting only what was issued, paid and credited on or before it."""
    if row["kind"] == "CREDIT_NOTE" or not is_issued(row, as_of):
        return Decimal(0)
    owed: Decimal = row["total"] - credited(row, as_of) - paid(row, as_of)
    return owed


def days_past_due(row: Row, as_of: date) -> int:
    """Days since the due date (negative or zero when not yet due)."""
    due: date | None = row["due"]
    return (as_of - due).days if due is not None else 0
