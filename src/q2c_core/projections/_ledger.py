"""The invoice facts receivables and statements share: totals, payments, credits, due dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from q2c_core.projections._facts import compact_lines, invoice_facts, lines_total
from q2c_core.projections.base import Projection, handles, uuid_hex
from q2c_core.projections.store import Row


class InvoiceLedger(Projection):
    """Invoice rows ``inv:<id>``; subclasses add their own rows and queries."""

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
        self._inv(oid)["paid"].pop(e.allocation_id, None)

    @handles("Invoice.Credited")
    def _inv_credited(self, e: Any, oid: str) -> None:
        self._inv(oid)["credited"] += e.amount.amount

    @handles("Invoice.PastDueNoticed")
    def _inv_noticed(self, e: Any, oid: str) -> None:
        self._inv(oid)["noticed_on"] = e.as_of


def paid(row: Row) -> Decimal:
    """Payments applied and not un-applied."""
    return sum((p[0] for p in row["paid"].values()), Decimal(0))


def outstanding(row: Row) -> Decimal:
    """What is still owed on an issued invoice (zero for credit notes and unissued ones)."""
    if row["status"] != "ISSUED" or row["kind"] == "CREDIT_NOTE":
        return Decimal(0)
    owed: Decimal = row["total"] - row["credited"] - paid(row)
    return owed


def days_past_due(row: Row, as_of: date) -> int:
    """Days since the due date (negative or zero when not yet due)."""
    due: date | None = row["due"]
    return (as_of - due).days if due is not None else 0
