"""The review meeting: all open work, with PO, schedule, estimate vs actual, invoiced and paid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from q2c_core.domain.money import Money
from q2c_core.projections._facts import NET, REQUEST, invoice_facts
from q2c_core.projections._requests import RequestBook
from q2c_core.projections.base import handles

CLOSED = ("declined", "cancelled")


@attrs.frozen
class ReviewItem:
    """One request on the review agenda."""

    request_id: str
    customer_id: str
    title: str
    account_manager: str
    status: str
    has_po: bool
    covered_by_allowance: bool
    due_on: date | None
    on_schedule: bool
    estimated_hours: Decimal | None
    actual_hours: Decimal
    over_estimate: bool
    invoiced: Money
    paid: Money


class ReviewMeeting(RequestBook):
    """Open work for the regular review."""

    name = "review_meeting"
    replay_cost = 4.2

    @handles("Invoice.Drafted")
    def _drafted(self, e: Any, oid: str) -> None:
        if e.kind.name == "CREDIT_NOTE":
            return
        facts = invoice_facts(e)
        per_request: dict[str, Decimal] = {}
        for line in facts.lines:
            if line[REQUEST]:
                per_request[line[REQUEST]] = per_request.get(line[REQUEST], Decimal(0)) + line[NET]
        if not per_request:
            return
        self.put(
            f"inv:{oid}",
            {
                "requests": per_request,
                "total": facts.total,
                "paid": {},
                "voided": False,
            },
        )

    @handles("Invoice.Voided")
    def _voided(self, e: Any, oid: str) -> None:
        key = f"inv:{oid}"
        if self.get(key) is not None:
            self.delete(key)

    @handles("Invoice.PaymentApplied", "Invoice.PaymentUnapplied")
    def _payment(self, e: Any, oid: str) -> None:
        row = self.touch(f"inv:{oid}")
        if row is None:
            return
        if type(e).__name__ == "PaymentApplied":
            row["paid"][e.allocation_id] = e.amount.amount
        else:
            row["paid"].pop(e.allocation_id, None)

    def items(self, as_of: date) -> list[ReviewItem]:
        """Every request still in play: not declined or cancelled, and not invoiced and paid."""
        rows = self.rows()
        invoiced: dict[str, Decimal] = {}
        paid: dict[str, Decimal] = {}
        for key, inv in rows.items():
            if not key.startswith("inv:"):
                continue
            paid_total = sum(inv["paid"].values(), Decimal(0))
            for rid, net in inv["requests"].items():
                invoiced[rid] = invoiced.get(rid, Decimal(0)) + net
                if inv["total"] > 0:
                    share = paid_total * net / inv["total"]
                    paid[rid] = paid.get(rid, Decimal(0)) + share
        result = []
        for key, req in rows.items():
            if not key.startswith("req:") or req["status"] in CLOSED:
                continue
            rid = key[4:]
            cur = req["currency"] or "EUR"
            inv_amount = Money(invoiced.get(rid, Decimal(0)), cur)
            paid_amount = Money(paid.get(rid, Decimal(0)), cur).rounded()
            if (
                req["status"] == "invoiced"
                and inv_amount.is_positive()
                and (paid_amount >= inv_amount)
            ):
                continue
            due = req["due_on"]
            done = req["completed_on"]
            on_schedule = due is None or (done or as_of) <= due
            est = req["est_hours"]
            result.append(
                ReviewItem(
                    request_id=rid,
                    customer_id=req["customer"],
                    title=req["title"],
                    account_manager=req["manager"],
                    status=req["status"],
                    has_po=req["po"] is not None,
                    covered_by_allowance=bool(req["allowance"]),
                    due_on=due,
                    on_schedule=on_schedule,
                    estimated_hours=est,
                    actual_hours=req["hours"],
                    over_estimate=est is not None and req["hours"] > est,
                    invoiced=inv_amount,
                    paid=paid_amount,
                )
            )
        result.sort(key=lambda r: (r.customer_id, r.status, r.title, r.request_id))
        return result
