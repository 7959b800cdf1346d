"""Quotes sent with no PO yet (for client follow-up), and request history by product area."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from q2c_core.domain.enhancement_request import cancellation_day
from q2c_core.domain.money import Money
from q2c_core.domain.values import name_order, person_key
from q2c_core.projections._managers import manager_on
from q2c_core.projections._requests import RequestBook
from q2c_core.projections.base import check_day, handles

# the area of a request given none (``RequestBook``), or one naming nothing
NO_AREA = "(none)"


def _area_key(area: Any) -> str:
    """Which product area a request's typed area means: as a person's name is read
    (``person_key``: "Mobile", "mobile " and "MOBILE" are one), ``NO_AREA`` for one naming
    nothing (spaces or invisible characters only, or none given)."""
    return person_key(str(area)) or NO_AREA


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
    """Follow-up list of quotes without a PO, and the request history for product planning.

    Its request rows (``req:<id>``, :class:`RequestBook`) also keep the business days a quote
    stopped waiting for a PO: the PO's ``received_on`` (``po_on``) and a cancellation's day
    (``cancelled_on``, ``cancellation_day``) with the status it was cancelled from
    (``cancelled_from``), so the list of a past day shows the quotes out on that day."""

    name = "awaiting_purchase_order"
    event_cost = 1.6

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 re-opens an invoiced hourly request when late work
        arrives; 3 records the account manager by the spelling the history first named that
        person by (:meth:`RequestBook.config`); 4 keeps the day a PO was received (``po_on``),
        the day a request was cancelled (``cancelled_on``) and the status it was cancelled from
        (``cancelled_from``), so a quote answered after a past day is listed on that day (3
        dropped it as soon as the PO or the cancellation was recorded); 5 keeps a request's
        handovers to another manager (``handovers``), so the list of a day before a handover
        names the manager before it, and from its day on the new one; 6 reads a manager's name
        without every default-ignorable character (a combining grapheme joiner, a Hangul filler,
        a variation selector: ``person_key``), so ``who:`` rows keyed with one are keyed again;
        7 reads a manager's name as it shows: a C1 control character dropped, a blank
        (the braille blank U+2800) read as a space (``person_key``), so ``who:`` rows keyed with one
        are keyed again. A store built by an older version is refused
        until it is rebuilt from events."""
        return {"rows": 7}

    @handles("EnhancementRequest.PurchaseOrderReceived")
    def _req_po(self, e: Any, oid: str) -> None:
        super()._req_po(e, oid)
        self._req(oid)["po_on"] = e.purchase_order.received_on

    @handles("EnhancementRequest.Declined", "EnhancementRequest.Cancelled")
    def _req_closed(self, e: Any, oid: str) -> None:
        if type(e).__name__ == "Cancelled":
            row = self._req(oid)
            row["cancelled_from"] = row["status"]
            row["cancelled_on"] = cancellation_day(e)
        super()._req_closed(e, oid)

    @staticmethod
    def _awaiting_on(req: dict[str, Any], as_of: date) -> bool:
        """Whether the request's quote was out without an answer on ``as_of``: sent by then,
        and neither answered by a PO received nor cancelled by then. A decline or a prepaid
        allowance cover carries no business day: the quote is answered on every day."""
        quoted_on = req["quoted_on"]
        if quoted_on is None or quoted_on > as_of:
            return False
        status = req["status"]
        if status == "quoted":
            return True
        po_on = req.get("po_on")
        # a cancellation ends the wait from its day, even one recorded before cancellations
        # were refused a day before the PO (such a history still loads)
        cancelled_on = req.get("cancelled_on") if status == "cancelled" else None
        if cancelled_on is not None and as_of >= cancelled_on:
            return False
        if po_on is not None:
            return bool(as_of < po_on)
        return status == "cancelled" and req.get("cancelled_from") == "quoted"

    def awaiting(self, as_of: date) -> list[AwaitingQuote]:
        """Quoted requests with no PO and no allowance on ``as_of``, oldest quote first;
        ``as_of`` is the day ages are counted to. A quote is listed from the day it was sent
        (``quoted_on``) up to the day before its PO was received (the PO's ``received_on``) or
        the request was cancelled (``cancelled_on``), so a past day's list shows the quotes out
        on that day, however they were answered since. A decline or an allowance cover is as
        recorded: their events carry no business date to go back to, so a quote declined or
        covered is not listed on any day. Each quote names its manager on ``as_of`` (a
        handover counts from its day), and its product area as ``history_by_area`` shows it
        (one area however typed, by its first request's spelling)."""
        check_day(as_of)
        result = []
        areas: dict[str, str] | None = None
        for key, req in self.rows_with_prefix("req:"):
            if not self._awaiting_on(req, as_of):
                continue
            if areas is None:
                areas = self._area_names()
            result.append(
                AwaitingQuote(
                    request_id=key[4:],
                    customer_id=req["customer"],
                    title=req["title"],
                    account_manager=manager_on(req, as_of),
                    product_area=areas[_area_key(req["area"])],
                    quoted_on=req["quoted_on"],
                    age_days=(as_of - req["quoted_on"]).days,
                    estimate=Money(req["est_total"], req["currency"]),
                )
            )
        result.sort(key=lambda q: (q.quoted_on, q.request_id))
        return result

    def _area_names(self) -> dict[str, str]:
        """Each product area (``_area_key``) by the spelling of its first request: the day it
        was asked for, then the order recorded (time-ordered ids)."""
        first: dict[str, tuple[date, str, str]] = {}
        for key, req in self.rows_with_prefix("req:"):
            area = _area_key(req["area"])
            spelling = str(req["area"]) if area != NO_AREA else NO_AREA
            found = (req["requested_on"], key, spelling)
            if area not in first or found < first[area]:
                first[area] = found
        return {area: found[2] for area, found in first.items()}

    def history_by_area(self) -> list[AreaHistory]:
        """Per product area: requests, quotes, wins (a PO), prepaid work, losses, and hours
        estimated vs worked.

        An area is typed by hand on each request: it is read as a person's name is
        (``person_key``: "Mobile", "mobile " and "MOBILE" are one area), shown by the spelling
        of its first request (``_area_names``), as the awaiting list names it; one naming
        nothing (spaces, invisible characters) is "(none)", as a request given no area. Areas
        are listed by that spelling as names are (``name_order``: "billing" before "Mobile")."""
        table: dict[str, dict[str, Decimal]] = {}
        shown = self._area_names()
        for _, req in self.rows_with_prefix("req:"):
            t = table.setdefault(
                _area_key(req["area"]),
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
                shown[area],
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
            for area, t in sorted(table.items(), key=lambda item: name_order(shown[item[0]]))
        ]
