"""Quotes sent with no PO yet (for client follow-up), and request history by product area."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from q2c_core.domain.money import Money
from q2c_core.projections._requests import RequestBook
from q2c_core.projections.base import check_day

# a request that went ahead: a quote answered with a PO (won), or work covered by a prepaid
# allowance (prepaid: no PO was won, quoted or not); the row's ``allowance`` tells them apart
WENT_AHEAD = ("po_received", "covered_by_allowance", "authorized", "completed", "invoiced")


@attrs.frozen
class AwaitingQuote:
    """A quote the customer has not answered with a PO."""

    request_id: str
    customer_id: str
    title: str
    account_manager: str
    product_area: str
    quoted_on: date
    age_days: int
    estimate: Money


@attrs.frozen
class AreaHistory:
    """What was asked for in one product area, and what came of it.

    ``won`` counts quotes the customer answered with a PO, so a win rate (won / quoted) never
    passes 100 %; ``prepaid`` counts requests that went ahead on a prepaid allowance instead,
    quoted or not. Each request is counted once in won, prepaid, declined, cancelled or open.
    """

    product_area: str
    requested: int
    quoted: int
    won: int
    prepaid: int
    declined: int
    cancelled: int
    open: int
    estimated_hours: Decimal
    actual_hours: Decimal


class AwaitingPurchaseOrder(RequestBook):
    """Follow-up list of quotes without a PO, and the request history for product planning."""

    name = "awaiting_purchase_order"
    replay_cost = 3.1

    def awaiting(self, as_of: date) -> list[AwaitingQuote]:
        """Quoted requests with no PO and no allowance, oldest quote first; ``as_of`` is the day
        ages are counted to (a quote sent after it is not listed: it was not out yet). Whether a
        quote is answered is as recorded: the events of a decline or an allowance cover carry no
        business date to go back to."""
        check_day(as_of)
        result = []
        for key, req in self.rows_with_prefix("req:"):
            quoted_on = req["quoted_on"]
            if req["status"] != "quoted" or quoted_on is None or quoted_on > as_of:
                continue
            result.append(
                AwaitingQuote(
                    request_id=key[4:],
                    customer_id=req["customer"],
                    title=req["title"],
                    account_manager=req["manager"],
                    product_area=req["area"],
                    quoted_on=req["quoted_on"],
                    age_days=(as_of - req["quoted_on"]).days,
                    estimate=Money(req["est_total"], req["currency"]),
                )
            )
        result.sort(key=lambda q: (q.quoted_on, q.request_id))
        return result

    def history_by_area(self) -> list[AreaHistory]:
        """Per product area: requests, quotes, wins (a PO), prepaid work, losses, and hours
        estimated vs worked."""
        table: dict[str, dict[str, Decimal]] = {}
        for _, req in self.rows_with_prefix("req:"):
            t = table.setdefault(
                req["area"],
                {
                    k: Decimal(0)
                    for k in (
                        "requested quoted won prepaid declined cancelled open est actual".split()
                    )
                },
            )
            t["requested"] += 1
            status = req["status"]
            if req["quoted_on"] is not None:
                t["quoted"] += 1
            if status in WENT_AHEAD:
                t["prepaid" if req["allowance"] else "won"] += 1
            elif status == "declined":
                t["declined"] += 1
            elif status == "cancelled":
                t["cancelled"] += 1
            else:
                t["open"] += 1
            t["est"] += req["est_hours"] or 0
            t["actual"] += req["hours"]
        return [
            AreaHistory(
                area,
                int(t["requested"]),
                int(t["quoted"]),
                int(t["won"]),
                int(t["prepaid"]),
                int(t["declined"]),
                int(t["cancelled"]),
                int(t["open"]),
                t["est"],
                t["actual"],
            )
            for area, t in sorted(table.items())
        ]
