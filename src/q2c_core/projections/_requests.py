"""Request facts the review and follow-up reports share."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from q2c_core.domain.money import MAX_MAGNITUDE, Money
from q2c_core.projections._facts import currency_quantum
from q2c_core.projections._managers import ManagerNames, record_handover
from q2c_core.projections.base import handles, uuid_hex
from q2c_core.projections.store import Row

STATUS_BY_EVENT = {
    "Estimated": "estimated",
    "QuoteSent": "quoted",
    "PurchaseOrderReceived": "po_received",
    "CoveredByAllowance": "covered_by_allowance",
    "WorkAuthorized": "authorized",
    "Completed": "completed",
    "Declined": "declined",
    "Cancelled": "cancelled",
}


def estimate_total(event: Any) -> Money:
    """``event.estimate.total`` of an ``Estimated`` event, computed once per event however many
    projections ask (cached on the event object, like the invoice facts)."""
    cached: Money | None = event.__dict__.get("_q2c_estimate_total")
    if cached is None:
        cached = event.__dict__["_q2c_estimate_total"] = plain_total(event.estimate)
    return cached


def plain_total(estimate: Any) -> Money:
    """``estimate.total`` (the fixed price, or rate x hours, rounded half up to the currency)
    on plain Decimals, the Money built once without its checks; anything the checks would
    refuse (an amount out of range) goes to ``estimate.total`` itself, which refuses it."""
    fixed = estimate.fixed_price
    if fixed is not None:
        amount, currency = fixed.amount, fixed.currency
    else:
        rate, hours = estimate.rate, estimate.hours
        if rate is None or type(hours) is not Decimal:
            return estimate.total  # type: ignore[no-any-return]
        amount, currency = rate.amount * hours, rate.currency
    if not amount.is_finite() or (amount and amount.adjusted() >= MAX_MAGNITUDE):
        return estimate.total  # type: ignore[no-any-return]
    rounded = amount.quantize(currency_quantum(currency), rounding=ROUND_HALF_UP)
    if rounded and rounded.adjusted() >= MAX_MAGNITUDE:
        return estimate.total  # type: ignore[no-any-return]
    total: Money = _new(Money)
    _set(total, "amount", rounded)
    _set(total, "currency", currency)
    return total


def items_billed(event: Any) -> tuple[bool, tuple[str, ...]]:
    """What a request's ``WorkInvoiced`` or ``WorkReleased`` event says of the items it names
    (time entries, expenses, the fixed price's ``FIXED_PRICE_ITEM``): whether an invoice bills
    them from now on, or they are unbilled again (their invoice voided, or they were credited as
    re-billable). Any invoice whose lines name them bills them: the request's own, or one made
    by hand (``QuoteToCash.draft_invoice`` records it on the request all the same)."""
    return type(event).__name__ == "WorkInvoiced", tuple(event.item_ids)


_new = object.__new__
_set = object.__setattr__


class RequestBook(ManagerNames):
    """Request rows ``req:<id>``: status, estimate, PO, dates, hours, and the account manager
    as one person (``manager_shown``: the spelling the history first named them by).

    The status follows the aggregate's own transitions, late work included: billable work
    recorded on an invoiced request estimated by the hour sends it back to completed (its late
    hours are still to bill); on a fixed price, or not billable, it stays invoiced.
    """

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 keeps whether the estimate is by the hour and re-opens
        an invoiced hourly request when late work arrives (version 1 kept it invoiced), so a
        store built by version 1 is refused until it is rebuilt from events; 3 records the
        account manager by the spelling the history first named that person by (``who:``
        rows: "Mia" and "mia " are one manager); 4 keeps the request's handovers to another
        manager (``handovers``: ``RequestHandedOver``), so a list as of a day names that day's
        manager."""
        return {"rows": 4}

    @handles("EnhancementRequest.Requested")
    def _req_requested(self, e: Any, oid: str) -> None:
        self.put(
            "req:" + oid,
            {
                "customer": uuid_hex(e.customer_id.int),
                "title": e.title,
                "manager": self.manager_shown(e.account_manager),
                "area": e.product_area or "(none)",
                "requested_on": e.requested_on,
                "status": "requested",
                "po": None,
                "allowance": "",
                "est_hours": None,
                "est_total": None,
                "hourly": False,
                "currency": "",
                "quoted_on": None,
                "authorized_on": None,
                "due_on": None,
                "completed_on": None,
                "hours": Decimal(0),
                "invoiced": {},
                "billed_items": 0,
                "items": 0,
            },
        )

    def _req(self, oid: str) -> Row:
        key = "req:" + oid
        row = self._cache.get(key)  # (``touch`` inline: most request events come here)
        if row is None:
            row = self.get(key)
            assert row is not None, f"request {oid} seen before it was requested"
        self._dirty.add(key)
        return row

    @handles("Customer.CustomerHandedOver")
    def _customer_handed_over(self, e: Any, oid: str) -> None:
        """The customer's new manager is named here as in every report (``who:`` rows): its
        requests handed over with it, in the same save, name the person so."""
        self.manager_shown(e.to_manager)

    @handles("EnhancementRequest.RequestHandedOver")
    def _req_handed_over(self, e: Any, oid: str) -> None:
        """Handed over to another manager from a business day on (``handovers``): the lists of
        a day before it name the manager before (``_managers.manager_on``)."""
        record_handover(self._req(oid), e.effective_on, self.manager_shown(e.to_manager))

    @handles("EnhancementRequest.Estimated")
    def _req_estimated(self, e: Any, oid: str) -> None:
        row = self._req(oid)
        row["status"] = "estimated"
        total = estimate_total(e)
        row["est_hours"] = e.estimate.hours
        row["est_total"] = total.amount
        row["hourly"] = e.estimate.fixed_price is None
        row["currency"] = total.currency

    @handles("EnhancementRequest.QuoteSent")
    def _req_quoted(self, e: Any, oid: str) -> None:
        row = self._req(oid)
        row["status"] = "quoted"
        row["quoted_on"] = e.sent_on

    @handles("EnhancementRequest.PurchaseOrderReceived")
    def _req_po(self, e: Any, oid: str) -> None:
        row = self._req(oid)
        row["status"] = "po_received"
        row["po"] = e.purchase_order.number

    @handles("EnhancementRequest.CoveredByAllowance")
    def _req_covered(self, e: Any, oid: str) -> None:
        row = self._req(oid)
        row["status"] = "covered_by_allowance"
        row["allowance"] = uuid_hex(e.allowance_id.int)

    @handles("EnhancementRequest.WorkAuthorized")
    def _req_authorized(self, e: Any, oid: str) -> None:
        row = self._req(oid)
        row["status"] = "authorized"
        row["authorized_on"] = e.authorized_on
        row["due_on"] = e.due_on

    @handles("EnhancementRequest.Completed")
    def _req_completed(self, e: Any, oid: str) -> None:
        """Completed, or invoiced at once when invoices billed all its work before
        (``all_billed``, absent from completions recorded before it was kept)."""
        row = self._req(oid)
        row["status"] = "invoiced" if getattr(e, "all_billed", False) else "completed"
        row["completed_on"] = e.completed_on

    @handles("EnhancementRequest.Declined", "EnhancementRequest.Cancelled")
    def _req_closed(self, e: Any, oid: str) -> None:
        self._req(oid)["status"] = STATUS_BY_EVENT[type(e).__name__]

    @handles("EnhancementRequest.WorkLogged")
    def _req_work(self, e: Any, oid: str) -> None:
        """Authorized work; a late timesheet's billable hours on an invoiced hourly request
        re-open it for billing (``EnhancementRequest.log_work``)."""
        row = self._req(oid)
        row["hours"] += e.entry.hours
        row["items"] += 1
        if e.entry.billable and row["hourly"] and row["status"] == "invoiced":
            row["status"] = "completed"

    @handles("EnhancementRequest.UnauthorizedWorkRecorded")
    def _req_unauthorized_work(self, e: Any, oid: str) -> None:
        """Work from outside, authorized or not; billable late hours on an invoiced hourly
        request re-open it for billing (``EnhancementRequest.record_unauthorized_work``)."""
        row = self._req(oid)
        row["hours"] += e.entry.hours
        row["items"] += 1
        if e.entry.billable and row["hourly"] and row["status"] == "invoiced":
            row["status"] = "completed"

    @handles("EnhancementRequest.WorkWithdrawn")
    def _req_withdrawn(self, e: Any, oid: str) -> None:
        """A time entry withdrawn as logged in error: its hours were never work done; a
        completed request whose invoices bill all that is left is invoiced again
        (``EnhancementRequest.withdraw_work``, ``all_billed``)."""
        row = self._req(oid)
        row["hours"] -= e.entry.hours
        row["items"] -= 1
        if getattr(e, "all_billed", False) and row["status"] == "completed":
            row["status"] = "invoiced"

    @handles("EnhancementRequest.ExpenseLogged")
    def _req_expense(self, e: Any, oid: str) -> None:
        """An expense; a late receipt's billable one on an invoiced request re-opens it for
        billing (``EnhancementRequest._expense_logged``; never recorded on one before, so rows
        built earlier read the same)."""
        row = self._req(oid)
        row["items"] += 1
        if e.expense.billable and row["status"] == "invoiced":
            row["status"] = "completed"

    @handles("EnhancementRequest.WorkInvoiced")
    def _req_invoiced(self, e: Any, oid: str) -> None:
        row = self._req(oid)
        row["billed_items"] += len(e.item_ids)
        if e.all_billed and row["status"] == "completed":
            row["status"] = "invoiced"

    @handles("EnhancementRequest.WorkReleased")
    def _req_released(self, e: Any, oid: str) -> None:
        row = self._req(oid)
        row["billed_items"] -= len(e.item_ids)
        if row["status"] == "invoiced":
            row["status"] = "completed"
