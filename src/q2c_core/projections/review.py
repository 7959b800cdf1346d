"""The review meeting: all open work, with PO, schedule, estimate vs actual, invoiced and paid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from q2c_core.domain.enhancement_request import FIXED_PRICE_ITEM
from q2c_core.domain.money import Money
from q2c_core.domain.prepaid_allowance import charge_key
from q2c_core.projections._allowances import Draw, Owed
from q2c_core.projections._facts import (
    HUNDRED,
    KIND,
    NET,
    REQUEST,
    SOURCE,
    TAX_CAT,
    TAX_RATE,
    compact_lines,
    currency_quantum,
    invoice_facts,
)
from q2c_core.projections._hours_billed import bills_hours
from q2c_core.projections._managers import manager_on
from q2c_core.projections._requests import RequestBook
from q2c_core.projections.base import check_day, handles, uuid_hex
from q2c_core.projections.store import Row
from q2c_core.projections.unbilled import (
    InvoiceHolds,
    _held_on,
    _holds,
    _hours_billed_on,
    _overage_held_on,
    price_billed_through,
)

CLOSED = ("declined", "cancelled")
ZERO = Decimal(0)
# lines that move a deposit (the advance, its deduction, credits of either): not the work's revenue
_DEPOSIT_SOURCES = ("DEPOSIT", "DEPOSIT_DEDUCTION")


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
    # hours of the request beyond its prepaid allowance not invoiced yet (UnbilledRevenue's
    # ``allowance_overage`` items of the request): owed, even on a request invoiced and paid
    unbilled_overage: Money
    # what the customer's PO covers (None without a PO on the day), and whether more than
    # that is invoiced: the customer's accounts payable pays up to the PO and sends back the
    # rest, so work billed beyond it is money to chase (net, as ``invoiced`` is)
    po_amount: Money | None = None
    over_po: bool = False


def _work_by_request(lines: list[list[Any]]) -> dict[str, Decimal]:
    """Net per request of the lines that bill a request's work (deposit lines left out)."""
    per_request: dict[str, Decimal] = {}
    for line in lines:
        rid = line[REQUEST]
        if rid and line[KIND] != "DEPOSIT" and line[SOURCE] not in _DEPOSIT_SOURCES:
            per_request[rid] = per_request.get(rid, ZERO) + line[NET]
    return per_request


def _bases_tax(bases: list[list[Any]], currency: str) -> Decimal:
    """Tax of ``[category, rate, net]`` bases, each rounded half up once (``lines_tax``)."""
    quantum = currency_quantum(currency)
    return sum(
        (
            (net * (rate / HUNDRED)).quantize(quantum, rounding=ROUND_HALF_UP)
            for _, rate, net in bases
        ),
        ZERO,
    )


def _add_bases(bases: list[list[Any]], lines: list[list[Any]]) -> None:
    """Sum lines' nets into their tax base (category and rate), in first-appearance order."""
    for line in lines:
        for base in bases:
            if base[0] == line[TAX_CAT] and base[1] == line[TAX_RATE]:
                base[2] += line[NET]
                break
        else:
            bases.append([line[TAX_CAT], line[TAX_RATE], ZERO + line[NET]])


def _counts_on(inv: Row, day: date) -> bool:
    """Whether an invoice was drafted and not voided at the end of ``day``."""
    voided_on = inv["voided_on"]
    return bool(inv["drafted_on"] <= day and (voided_on is None or voided_on > day))


def _credits_by(inv: Row, day: date) -> list[list[Any]]:
    """The credit notes applied to an invoice by the end of ``day`` (one recorded without its
    day, on every day)."""
    return [c for c in inv["credits"] if c[0] is None or c[0] <= day]


def _credit_on(inv: Row, day: date) -> Decimal:
    """What credit notes took off the invoice's total by the end of ``day``."""
    return sum((c[1] for c in _credits_by(inv, day)), ZERO)


def _credited_on(inv: Row, day: date) -> dict[str, Decimal]:
    """The invoice's net per request less what credit notes took back by the end of ``day``."""
    requests: dict[str, Decimal] = dict(inv["requests"])
    for _, _, nets in _credits_by(inv, day):
        for rid, net in nets.items():
            requests[rid] = requests.get(rid, ZERO) - net
    return requests


def _paid_on(inv: Row, day: date) -> Decimal:
    """The money applied to the invoice and not taken back at the end of ``day``
    (``AppliedPayment.in_force_on``; money recorded without its day, on every day), and the
    remainders written off by then (``write_off_remainder``): settled, nothing is left to
    collect of them."""
    money = sum(
        (
            amount
            for amount, applied_on, unapplied_on in inv["paid"].values()
            if (applied_on is None or applied_on <= day)
            and (unapplied_on is None or unapplied_on > day)
        ),
        ZERO,
    )
    return money + sum((w[0] for w in inv.get("writeoffs", ()) if w[1] <= day), ZERO)


def _released_overage(
    rows: dict[str, Row], rid: str, charged: dict[str, Owed | None], req: Row, day: date
) -> bool:
    """Whether overage of the request is owed on ``day`` that an invoice had billed and gave
    back by then (voided, or credited as re-billable): its overage line, or an ordinary line
    billing the entry whole. The domain makes an invoiced request completed again on such a
    release (``EnhancementRequest.release_overage``, ``release_work``) until the overage is
    billed anew; overage that back-dated work on another request brings leaves it invoiced."""
    for entry, owed in charged.items():
        if owed is None:
            continue
        key = charge_key(rid, entry)
        lines = [[i, line] for i, line, k, _, _ in owed[0].get("held", []) if k == key]
        for invoice, line_id in lines + req["work"].get(entry, []):
            held = rows.get(f"held:{invoice}")
            drafted = held is not None and held["drafted_on"] <= day
            if drafted and not _holds(rows, invoice, line_id, day):
                return True
    return False


def _by(day: date | None, as_of: date) -> bool:
    """Whether a request's turn recorded with ``day`` (its PO, authorization or completion)
    was taken by the end of ``as_of``; one recorded without it, on every day."""
    return day is None or day <= as_of


def _price_held_on(rows: dict[str, Row], req: Row, day: date) -> bool:
    """``EnhancementRequest.fixed_price_held`` on ``day``: a line billing the price itself
    held it, or one billing an entry an invoice recorded before the price was its own item
    billed it through (``price_entries``), as :class:`UnbilledRevenue` reads it."""
    if req["hourly"] or req["est_total"] is None:
        return False
    if _held_on(rows, req["price_held"], day):
        return True
    for entry in req["price_entries"]:
        lines = list(req["work"].get(entry, []))
        lines += [[i, line] for x, i, line in req["other_held"] if x == entry]
        if _held_on(rows, lines, day):
            return True
    return False


class ReviewMeeting(RequestBook, InvoiceHolds):
    """Open work for the regular review.

    Every column is read on the day asked about: a request is listed from the day it was asked
    for, its quote, PO, authorization (and the due day it set) and completion count from their
    days, its hours from the days they were worked (an estimate, an allowance cover and a
    decline carry no day: as recorded); and invoicing by its days as
    :class:`UnbilledRevenue` and ``QuoteToCash.customer_summary(as_of=)`` read it
    (``InvoiceHolds``): an invoice holds the work it bills, and counts as invoiced, from the day
    it was drafted until the day it was voided (a void recorded without its day, on no day), a
    credit note takes its lines back from the day it was applied, and money is collected from
    the day it was applied until the day it was taken back. So work invoiced tomorrow is open
    and uninvoiced on today's agenda, and a void or credit note recorded later leaves an
    earlier day's agenda as it was.

    *Invoiced* is the net revenue billed for the request's work: its lines on live (drafted or
    issued, not voided) invoices, less the lines issued credit notes took back (written off or
    re-billable alike; re-billable work shows as completed again until it is billed anew). A
    deposit is an advance, not revenue: neither the deposit invoice nor the final invoice's
    deduction of it counts as invoiced, so a request billed 3,000.00 with a 1,000.00 deposit
    deducted is invoiced 3,000.00, not 4,000.00 or 2,000.00.

    *Paid* is how much of that revenue is collected, in the same net terms: each invoice's
    money is shared over what it bills in proportion to net, as
    ``collected x request net / what the invoice asks for``, where *collected* is the payments
    applied to the invoice (and the small remainders written off it, ``write_off_remainder``:
    nothing is left to collect of them) plus those applied to every deposit it deducts (the
    deposit money is applied to the work through the deduction), and *what it asks for* is
    its total less its credit notes plus those deposits' totals (collected is capped at it).
    A final invoice of 2,420.00 (3,000.00 + tax - 1,210.00 deposit) paid, with its deposit
    paid, is 3,630.00 of 3,630.00 collected: the request is paid 3,000.00. Deposit money not
    (yet) deducted on an invoice of the request counts for nothing here.

    *Unbilled overage* is what the request's hours beyond its prepaid allowance (the covering
    one, or one it was rolled over into) are owed and not invoiced yet, worked on or before
    the day asked about, by the rules :class:`UnbilledRevenue` lists it by (one helper,
    ``AllowanceChains._charged_work``): covered hours of a request already invoiced become
    overage when back-dated work on another request the allowance covers draws first, or when
    billed overage is given back; a time entry an invoice bills as ordinary work (a hand-made
    invoice's line names it) is billed whole, its hours beyond the allowance with it, until
    that invoice is voided or the entry credited as re-billable.

    A request leaves the agenda once it is invoiced (the domain's status: all its work billed),
    at least one live invoice bills it, it is paid in full (an invoice wholly written off
    leaves nothing to collect), and no overage of it is left unbilled. A request its allowance
    covers in full is never invoiced (there is nothing to invoice): it leaves the agenda once
    completed with some of its work drawn on an allowance, nothing else left to bill (each
    billable hour billed or drawn, no overage owed, its billable expenses and its fixed price,
    if it has one, billed) and what was billed paid. Hours beyond the allowance, an expense,
    work billed at its rate (a late timesheet recorded as unauthorized) or a fixed price keep
    it there until billed; a completed request with no billable work at all stays (its hours
    may not be logged yet). A declined or cancelled request is off the agenda unless it owes
    money: a cancelled request is billed what it owes (``QuoteToCash.draft_request_invoice``:
    the work logged while it was authorized, at its rate, on a fixed price up to the price
    less what was billed of it, its expenses and its overage; not work recorded unauthorized)
    and stays cancelled, so it stays while any of that is left to bill or what was billed is
    not paid in full.

    Money is shown in the currency of the invoices that bill the request's work; a request no
    invoice bills yet shows its estimate's currency, else its customer's (as
    ``QuoteToCash.unbilled_work`` values it), and its overage is owed in that currency too.

    Rows: ``inv:<id>`` for every invoice that bills a request's work when drafted and for every
    deposit invoice (a final invoice may deduct it); ``cn:<id>`` for a credit note's per-request
    nets until it is applied; ``alw:<id>`` for the allowances (:class:`AllowanceChains`);
    ``cust:<id>`` for each customer's currency; and
    ``held:<id>`` and ``rbn:<id>`` for the invoices' draft, void and re-billable credit days
    (``InvoiceHolds``); and the request rows of :class:`RequestBook`, which here also keep the
    request's billable time entries (``work``: entry id -> the invoice lines naming it, each
    ``[invoice, line id]``), its billable expenses (``expenses``, likewise), the lines billing
    its fixed price by its own item (``price_held``) and the time entries through which an
    invoice recorded before that item billed it (``price_entries``, as
    :class:`UnbilledRevenue` keeps them; ``other_held`` the lines naming other items), the
    first day billing left it invoiced (``billed_all``), the ids of its expenses that are not
    billable (``other_expenses``), the ids of its billable time entries recorded unauthorized
    (``unauthorized``: a cancelled request does not owe them), what each billable time entry
    is worth (``worth``: amount and currency), and the lines billing its hours with what each
    billed (``hours_held``): a cancelled fixed-price request owes its hours up to its price
    less what was billed of them on the day; and the day its PO was received (``po_on``) and
    each time entry's work day and hours (``logged``), read on the day asked about.
    """

    name = "review_meeting"
    event_cost = 5.0

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 nets credit notes and deposit deductions out of what is
        invoiced, counts deposit money applied through a deduction as paid, and re-opens an
        hourly request late work arrives for (version 1 ignored all three); 3 keeps the
        allowances (``alw:`` rows) to tell a request's unbilled overage; 4 keeps a request's
        billable time entries and whether an invoice bills each (``work``), so hours billed as
        ordinary work are not owed as overage again; 5 records each request's account manager by
        the spelling the history first named that person by ("Mia" and "mia " are one manager);
        6 keeps a request's billable expenses and whether its fixed price is billed
        (``expenses``, ``fixed_billed``), so a completed request with nothing left to bill
        leaves the agenda; 7 keeps each customer's currency (``cust:`` rows) and shows a
        request's money in its invoices' currency, else its estimate's or its customer's (6
        showed a request without an estimate in EUR); 8 keeps on an allowance's row the day it
        was granted and each top-up with its day (``granted_on``, ``top_ups``), so a past day's
        unbilled overage is drawn on what was granted by then; 9 keeps the time entries through
        which an invoice recorded before the fixed price was its own item bills it
        (``price_entries``) and the request's expenses that are not billable
        (``other_expenses``), so such a price reads billed as the domain reads it
        (``EnhancementRequest.fixed_price_billed``); 10 keeps a request's billable time entries
        recorded unauthorized (``unauthorized``) and what each billable entry is worth
        (``worth``), so a cancelled request stays on the agenda while the work logged while it
        was authorized (on a fixed price, up to the price), or an expense, is left to bill (9
        dropped a cancelled request owing anything but overage, billed or not); 11 keeps on an
        hours allowance's row what invoices billed of each charge's overage (``worth``,
        ``pieces``), so a piece of an entry's overage is owed at what its invoice bills
        (``overage_piece_worth``); 12 keeps what live invoices billed of a request's hours, net of
        re-billable credit notes (``hours_billed``, ``hb:`` and ``hbn:`` rows), so a cancelled
        fixed price owes its price less what was billed, not less what the billed hours are
        worth (11 dropped a cancelled request whose capped invoice's hour line was credited as
        re-billable); 13 keeps the day a request was cancelled and the status it was cancelled
        from (``cancelled_on``, ``cancelled_from``), so the agenda of a day before the
        cancellation shows the request as it stood then (12 read it cancelled on every day),
        and reads a request completed with all its work billed already as invoiced
        (``Completed.all_billed``), so it leaves the agenda once paid; 14 keeps a request's
        handovers to another manager (``handovers``), so the agenda of a day before a handover
        names the manager before it, and from its day on the new one; 15 reads a manager's name
        without every default-ignorable character (a combining grapheme joiner, a Hangul filler,
        a variation selector: ``person_key``), so ``who:`` rows keyed with one are keyed again;
        16 reads invoicing by its days, as :class:`UnbilledRevenue` and
        ``QuoteToCash.customer_summary(as_of=)`` do (``InvoiceHolds``): a request keeps the
        invoice lines naming each billable entry and expense (``work``, ``expenses``), its
        fixed price (``price_held``) and its hours (``hours_held``), and the invoices that left
        it invoiced (``invoiced_by``); ``held:`` and ``rbn:`` rows the invoices' draft, void
        and re-billable credit days, allowance rows their overage lines (``held``); ``inv:``
        rows their draft and void days, credit notes with their days (``credits``) and
        payments with theirs, where 15 kept plain billed flags and totals as recorded (with
        ``hb:``/``hbn:`` rows), so work invoiced the next day read invoiced, and a later void or
        credit note changed every past day's agenda; 17
        reads a manager's name as it shows: a C1 control character dropped, a blank
        (the braille blank U+2800) read as a space (``person_key``), so ``who:`` rows keyed with one
        are keyed again; 18 reads a request invoiced on a day when invoices held all its own
        work that day, once billing had left it invoiced (``billed_all``, its first day;
        ``_status_on``), where 17 kept the invoices that left it invoiced (``invoiced_by``) and
        read it invoiced while one of them held all its lines: a void of an earlier invoice
        that billed part of its work left it off the agenda with work unbilled, a re-billable
        credit note of another request's line on the same invoice put it back, and one
        completed with all its work billed already read as recorded, so a later credit note
        changed every past day; 19 keeps the day a request's PO was received (``po_on``) and
        each time entry's work day and hours (``logged``), so the agenda of a past day shows
        the request as it stood that day (listed from the day it was asked for; its status,
        PO, due day, hours and schedule by their days), where 18 showed it as recorded: a
        request asked for in May on April's agenda, completed, with all its hours, on a day
        before its completion; 20 keeps the remainders written off an invoice with their days
        (``writeoffs``: ``write_off_remainder``), which count as collected (nothing is left to
        collect), where 19 kept none, so a request whose invoice's last cents were written off
        stayed on the agenda; 21 keeps the amount of a request's PO and its currency
        (``po_amount``), so the agenda says what the PO covers and flags work invoiced beyond
        it (``over_po``); 22 keeps each billable time entry's work day (``worked_on``), so the
        agenda of a day reads the work done by then (21 read a timesheet worked days later on
        it: an invoiced and paid request came back on it as completed). A store built by an
        older version is refused until it is rebuilt from events."""
        return {"rows": 22}

    @handles("Customer.CustomerRegistered")
    def _manager_named(self, e: Any, oid: str) -> None:
        """The customer's currency (it never changes): a request with no estimate and no
        invoice yet is valued in it."""
        super()._manager_named(e, oid)
        self.put(f"cust:{oid}", {"currency": e.currency})

    def _currency(self, req: Row, rows: dict[str, Row]) -> str:
        """The currency a request's work is valued in before an invoice bills it: its
        estimate's, else its customer's (``QuoteToCash.unbilled_work``)."""
        if req["currency"]:
            return str(req["currency"])
        return str(rows[f"cust:{req['customer']}"]["currency"])  # (registered before it)

    # -- a request's billable time entries, and whether an invoice bills each ----------------

    @handles("EnhancementRequest.Requested")
    def _req_requested(self, e: Any, oid: str) -> None:
        super()._req_requested(e, oid)
        row = self._req(oid)
        row["work"] = {}
        row["expenses"] = {}
        # the invoice lines billing the fixed price itself, each [invoice hex, line id]
        row["price_held"] = []
        row["price_entries"] = []
        row["other_expenses"] = []
        # lines naming items that are no billable entry or expense, each [item, invoice, line]:
        # one naming an entry of ``price_entries`` bills the price through it
        row["other_held"] = []
        row["unauthorized"] = []
        row["worth"] = {}
        # each billable time entry's work day: the agenda of a day reads the work done by then
        row["worked_on"] = {}
        # the invoice lines billing its hours, each [invoice hex, line id, currency, net]
        row["hours_held"] = []
        # the first day billing left it invoiced (all its work billed), None before: from then
        # its status is read on a day from whether invoices held all its own work that day
        # (``_status_on``): the draft day of the invoice, or the day of a completion
        row["billed_all"] = None
        row["cancelled_on"] = None
        row["cancelled_from"] = None
        # the day its PO was received, and each time entry's [work day, hours]: the agenda of a
        # day shows its PO and hours as they stood then
        row["po_on"] = None
        row["po_amount"] = None
        row["logged"] = []

    @handles("EnhancementRequest.PurchaseOrderReceived")
    def _req_po(self, e: Any, oid: str) -> None:
        super()._req_po(e, oid)
        row = self._req(oid)
        row["po_on"] = e.purchase_order.received_on
        row["po_amount"] = [e.purchase_order.amount.amount, e.purchase_order.amount.currency]

    @handles("EnhancementRequest.Declined", "EnhancementRequest.Cancelled")
    def _req_closed(self, e: Any, oid: str) -> None:
        """Declined, or cancelled on its day (``cancelled_on``, kept with the status it was
        cancelled from): on a day before the cancellation the request was still in play, as
        it stood then (``_status_on``)."""
        if type(e).__name__ == "Cancelled":
            row = self._req(oid)
            row["cancelled_from"] = row["status"]
            row["cancelled_on"] = getattr(e, "cancelled_on", None)
        super()._req_closed(e, oid)

    @staticmethod
    def _status_on(req: Row, as_of: date, all_billed: bool) -> str:
        """The request's status on ``as_of``: a cancellation counts from its day (one recorded
        without its day, on every day, as it always did); before it, the request stood as it
        was cancelled from. A decline carries no day: as recorded. Billing marks a request
        invoiced, and a void or re-billable credit note completed again, by events with no
        business day: a request billing left invoiced (``billed_all``: the draft day of the
        invoice whose ``WorkInvoiced``, or the day of the ``Completed``, said all its work was
        billed) reads invoiced on a day from then on when invoices held all its own work
        (``all_billed``, from ``_unbilled_overage``: each billable time entry not drawn on an
        allowance, each billable expense, or on a fixed price the price), else completed, as
        the domain's status follows its items. So an invoice drafted tomorrow, or
        voided or credited later, leaves today's status as it was; a void of another invoice
        that had billed some of its work makes it completed from the void's day (its work is
        unbilled again), and a re-billable credit note of another request's line on the same
        invoice leaves it invoiced."""
        cancelled_on = req["cancelled_on"]
        if req["status"] == "cancelled" and cancelled_on is not None and as_of < cancelled_on:
            status = str(req["cancelled_from"])
        else:
            status = str(req["status"])
        # the turns taken after the day, back to where it stood (an estimate, an allowance
        # cover and a decline carry no day: as recorded)
        if status in ("completed", "invoiced") and not _by(req["completed_on"], as_of):
            status = "authorized"
        if status == "authorized" and not _by(req["authorized_on"], as_of):
            status = "covered_by_allowance" if req["allowance"] else "po_received"
        if status == "po_received" and not _by(req["po_on"], as_of):
            status = "quoted"
        if status == "quoted" and not _by(req["quoted_on"], as_of):
            status = "estimated"
        since = req["billed_all"]
        if since is not None and status in ("invoiced", "completed"):
            return "invoiced" if all_billed and since <= as_of else "completed"
        return status

    @handles("EnhancementRequest.Completed")
    def _req_completed(self, e: Any, oid: str) -> None:
        """Completed, or invoiced at once when invoices billed all its work before
        (``all_billed``): from then its status is read from its work held on the day
        (``billed_all``, ``_status_on``), as after the ``WorkInvoiced`` that bills the last of
        it."""
        super()._req_completed(e, oid)
        if getattr(e, "all_billed", False):
            self._billed_all(self._req(oid), e.completed_on)

    @handles("EnhancementRequest.WorkLogged")
    def _req_work(self, e: Any, oid: str) -> None:
        super()._req_work(e, oid)
        self._req(oid)["logged"].append([e.entry.work_date, e.entry.hours])
        if e.entry.billable:
            self._entry_kept(self._req(oid), e.entry)

    @handles("EnhancementRequest.UnauthorizedWorkRecorded")
    def _req_unauthorized_work(self, e: Any, oid: str) -> None:
        super()._req_unauthorized_work(e, oid)
        self._req(oid)["logged"].append([e.entry.work_date, e.entry.hours])
        if e.entry.billable:
            row = self._req(oid)
            self._entry_kept(row, e.entry)
            row["unauthorized"].append(e.entry.entry_id)

    @handles("EnhancementRequest.WorkWithdrawn")
    def _req_withdrawn(self, e: Any, oid: str) -> None:
        """A time entry withdrawn as logged in error leaves the actual hours and the work to
        bill (no invoice line names it: the request refuses that). Invoiced again (a late
        timesheet had re-opened it), its status is read from its work held on each day from
        its completion on (``billed_all``, ``_status_on``): it was never work done."""
        before = self._req(oid)["status"]
        super()._req_withdrawn(e, oid)
        row = self._req(oid)
        if row["status"] == "invoiced" and before != "invoiced" and row["completed_on"]:
            self._billed_all(row, row["completed_on"])
        x = e.entry
        logged = row["logged"]
        for i, (day, hours) in enumerate(logged):
            if day == x.work_date and hours == x.hours:
                del logged[i]
                break
        row["work"].pop(x.entry_id, None)
        row["worth"].pop(x.entry_id, None)
        row["worked_on"].pop(x.entry_id, None)
        if x.entry_id in row["unauthorized"]:
            row["unauthorized"].remove(x.entry_id)

    @staticmethod
    def _billed_all(row: Row, day: date) -> None:
        """Billing left the request invoiced on ``day``: its first such day is kept."""
        if row["billed_all"] is None or day < row["billed_all"]:
            row["billed_all"] = day

    @staticmethod
    def _late_work(row: Row, before: str) -> None:
        """A late billable receipt sent an invoiced request back to completed (recorded by
        ``RequestBook``): its status is as recorded from then on, not read from whether its
        work was held on the day (``billed_all``). (Late billable hours keep it read from the
        work held on the day: their work day counts, ``worked_on``, so the agenda of a day
        before them reads it as it stood.)"""
        if before == "invoiced" and row["status"] == "completed":
            row["billed_all"] = None

    @staticmethod
    def _entry_kept(row: Row, entry: Any) -> None:
        """A billable time entry, with no invoice line naming it yet, and what it is worth
        (``TimeEntry.value``): the hours of a cancelled fixed-price request are owed up to its
        price less what was billed of it."""
        row["work"][entry.entry_id] = []
        worth = (entry.rate.amount * entry.hours).quantize(
            currency_quantum(entry.rate.currency), rounding=ROUND_HALF_UP
        )
        row["worth"][entry.entry_id] = [worth, entry.rate.currency]
        row["worked_on"][entry.entry_id] = entry.work_date

    @handles("EnhancementRequest.ExpenseLogged")
    def _req_expense(self, e: Any, oid: str) -> None:
        before = self._req(oid)["status"]
        super()._req_expense(e, oid)
        row = self._req(oid)
        if e.expense.billable:
            row["expenses"][e.expense.expense_id] = []
            self._late_work(row, before)  # (a late receipt on an invoiced request)
        else:
            row["other_expenses"].append(e.expense.expense_id)

    @handles("EnhancementRequest.WorkInvoiced")
    def _req_invoiced(self, e: Any, oid: str) -> None:
        """Which items an invoice bills is read from its lines, with their days
        (``_follow_lines``): the event carries no business day. What it still tells is the
        request was left invoiced (``billed_all``, read by ``_status_on``), and
        the time entries through which an invoice recorded before the fixed price was its own
        item bills the price (``price_billed_through``, as :class:`UnbilledRevenue` keeps
        them)."""
        before = self._req(oid)["status"]
        super()._req_invoiced(e, oid)
        row = self._req(oid)
        if row["status"] == "invoiced" and before != "invoiced":
            held = self.get(f"held:{uuid_hex(e.invoice_id.int)}")
            if held is not None:
                self._billed_all(row, held["drafted_on"])
        work, expenses = row["work"], row["expenses"]
        fixed = not row["hourly"] and row["est_total"] is not None
        marked = row["price_entries"]
        if marked or fixed:
            row["price_entries"] = price_billed_through(
                marked,
                e,
                fixed,
                lambda i: (
                    i in work
                    or (
                        i != FIXED_PRICE_ITEM
                        and i not in expenses
                        and i not in row["other_expenses"]
                    )
                ),
            )

    @handles("Invoice.Drafted")
    def _drafted(self, e: Any, oid: str) -> None:
        """An invoice holds the work its lines bill from the day it was drafted until the day
        it was voided, a re-billable credit note gives lines back from its day
        (``InvoiceHolds``); and an invoice billing a request's work, or a deposit, is kept
        for the invoiced and paid columns (``inv:``)."""
        if self._hold_drafted(e, oid):
            self._follow_lines(e, oid)
        kind = e.kind.name
        facts = invoice_facts(e)
        per_request = _work_by_request(facts.lines)
        if kind == "CREDIT_NOTE":
            # what it takes off its invoice's requests, once issued (``_credited``)
            if per_request:
                self.put(f"cn:{oid}", {"requests": per_request})
            return
        if not per_request and kind != "DEPOSIT":
            return
        bases: list[list[Any]] = []
        _add_bases(bases, facts.lines)
        self.put(
            f"inv:{oid}",
            {
                "kind": kind,
                "currency": e.currency,
                "requests": per_request,
                "bases": bases,
                "total": facts.total,
                # invoiced from its draft day until its void day (``_counts_on``)
                "drafted_on": e.drafted_on,
                "voided_on": None,
                # [day, amount, per-request nets] of each credit note applied to it
                "credits": [],
                # allocation -> [amount, applied on, unapplied on]
                "paid": {},
                # [amount, day] of each remainder written off (``write_off_remainder``)
                "writeoffs": [],
                "deducted_by": "",
            },
        )

    @handles("Invoice.LinesAdded")
    def _lines_added(self, e: Any, oid: str) -> None:
        """Lines added to a draft (q2c adds them to deduct a deposit): they hold what they
        bill from the draft's day, the total is taxed again on the whole (tax is rounded per
        category, never per line), and any request's work the lines bill is invoiced too. (An
        invoice that billed no request when drafted has no row: q2c never adds a request's
        work to one.)"""
        if self.get(f"held:{oid}") is not None:
            self._follow_lines(e, oid)
        row = self.touch(f"inv:{oid}")
        if row is None:
            return
        lines = compact_lines(e.lines)
        for rid, net in _work_by_request(lines).items():
            row["requests"][rid] = row["requests"].get(rid, ZERO) + net
        _add_bases(row["bases"], lines)
        net_total = sum((base[2] for base in row["bases"]), ZERO)
        row["total"] = net_total + _bases_tax(row["bases"], row["currency"])

    def _follow_lines(self, e: Any, oid: str) -> None:
        """Remember on each request and allowance the lines of invoice ``oid`` that bill it, as
        ``QuoteToCash._held_on`` reads them (and :class:`UnbilledRevenue` keeps them): an
        allowance-overage line holds its charge's overage (``_follow_overage``); any other line
        naming a request holds the billable time entries and expense it names (``work``,
        ``expenses``; any other item it names in ``other_held``) and the fixed price
        (``price_held``); a line billing the request's hours (``bills_hours``) counts what it
        billed of them (``hours_held``). Each is read on a day by the invoice's days
        (``_holds``): the work stays per line."""
        facts: list[list[Any]] | None = None
        for n, line in enumerate(e.lines):
            source = line.source
            if source is None:
                continue
            line_id = line.line_id
            if source.kind._name_ == "ALLOWANCE_OVERAGE":
                self._follow_overage(oid, line, source)
                continue
            request = source.request_id
            if request is None:
                continue
            rid = uuid_hex(request.int)
            if (self._cache.get("req:" + rid) or self.get("req:" + rid)) is None:
                continue  # (a line naming a request q2c never recorded)
            req = self._req(rid)
            work, expenses = req["work"], req["expenses"]
            items = list(source.time_entry_ids)
            if source.expense_id:
                items.append(source.expense_id)
            for item_id in items:
                lines = work.get(item_id)
                if lines is None:
                    lines = expenses.get(item_id)
                if lines is not None:
                    lines.append([oid, line_id])
                else:
                    req["other_held"].append([item_id, oid, line_id])
            if source.fixed_price:
                req["price_held"].append([oid, line_id])
            if bills_hours(source):
                if facts is None:
                    facts = invoice_facts(e).lines
                req["hours_held"].append([oid, line_id, line.unit_price.currency, facts[n][NET]])

    @handles("Invoice.Credited")
    def _credited(self, e: Any, oid: str) -> None:
        """An issued credit note took lines back from its day (``credited_on``): its requests
        are invoiced that much less, and the invoice asks for its total less the note's, from
        then on (``credits``); a re-billable one gives the work back from then
        (``_hold_credited``)."""
        self._hold_credited(e, oid)
        note_key = f"cn:{uuid_hex(e.credit_note_id.int)}"
        note = self.get(note_key)
        if note is not None:
            self.delete(note_key)
        row = self.touch(f"inv:{oid}")
        if row is None:
            return
        requests = dict(note["requests"]) if note is not None else {}
        row["credits"].append([getattr(e, "credited_on", None), e.amount.amount, requests])

    @handles("Invoice.DepositDeducted")
    def _deposit_deducted(self, e: Any, oid: str) -> None:
        row = self.touch(f"inv:{oid}")
        if row is not None:
            row["deducted_by"] = uuid_hex(e.final_invoice_id.int)

    @handles("Invoice.DepositDeductionReleased")
    def _deposit_released(self, e: Any, oid: str) -> None:
        row = self.touch(f"inv:{oid}")
        if row is not None and row["deducted_by"] == uuid_hex(e.final_invoice_id.int):
            row["deducted_by"] = ""

    @handles("Invoice.Voided")
    def _voided(self, e: Any, oid: str) -> None:
        """A voided invoice held its work and was invoiced until its void day
        (``voided_on``, ``_counts_on``); one voided without its day, on no day."""
        self._hold_voided(e, oid)
        if self.get(f"cn:{oid}") is not None:
            self.delete(f"cn:{oid}")
        voided_on = getattr(e, "voided_on", None)
        if voided_on is None:
            if self.get(f"inv:{oid}") is not None:
                self.delete(f"inv:{oid}")
            return
        row = self.touch(f"inv:{oid}")
        if row is not None:
            row["voided_on"] = voided_on

    @handles("Invoice.RemainderWrittenOff")
    def _written_off(self, e: Any, oid: str) -> None:
        """A remainder written off settles it from its day, as money collected would."""
        row = self.touch(f"inv:{oid}")
        if row is not None:
            row.setdefault("writeoffs", []).append([e.amount.amount, e.written_off_on])

    @handles("Invoice.WriteOffTakenBack")
    def _write_off_taken_back(self, e: Any, oid: str) -> None:
        """A write-off taken back by a credit note (whole, or in part: the money paid pays what
        the invoice is still worth first): owed again from its day, until the note credits it."""
        row = self.touch(f"inv:{oid}")
        if row is not None:
            row.setdefault("writeoffs", []).append([-e.amount.amount, e.taken_back_on])

    @handles("Invoice.PaymentApplied", "Invoice.PaymentUnapplied")
    def _payment(self, e: Any, oid: str) -> None:
        row = self.touch(f"inv:{oid}")
        if row is None:
            return
        if type(e).__name__ == "PaymentApplied":
            row["paid"][e.allocation_id] = [e.amount.amount, getattr(e, "applied_on", None), None]
        else:
            taken = row["paid"].get(e.allocation_id)
            unapplied_on = getattr(e, "unapplied_on", None)
            if taken is not None and unapplied_on is not None:
                taken[2] = unapplied_on  # (collected until then: ``AppliedPayment.in_force_on``)
            else:
                row["paid"].pop(e.allocation_id, None)

    def related_rows(self, key: str, row: Row) -> list[str]:
        """A request's invoiced and paid columns come from the invoices that bill its work
        (``inv:`` rows) and the deposits deducted on them, its unbilled overage from its
        allowances (``alw:`` rows): ``explain`` lists their events."""
        if not key.startswith("req:"):
            return []
        rid = key[4:]
        rows = self.rows()
        allowances = set(self._allowance_chain(row["allowance"], rows))
        billing = {k for k, inv in rows.items() if k.startswith("inv:") and rid in inv["requests"]}
        deposits = {
            k
            for k, inv in rows.items()
            if k.startswith("inv:") and f"inv:{inv['deducted_by']}" in billing
        }
        return sorted(billing | deposits | allowances)

    def _billed(
        self, rows: dict[str, Row], as_of: date
    ) -> tuple[dict[str, Decimal], dict[str, Decimal], dict[str, str]]:
        """Net invoiced and net collected per request at the end of ``as_of`` (the rules of the
        class docstring), and the currency of the invoices that bill it: an invoice counts
        from the day it was drafted until the day it was voided, a credit note from the day
        it was applied, money from the day it was applied until the day it was taken back
        (those recorded without their day, on every day)."""
        deducted: dict[str, list[Row]] = {}
        for key, inv in rows.items():
            if key.startswith("inv:") and inv["deducted_by"] and _counts_on(inv, as_of):
                deducted.setdefault(inv["deducted_by"], []).append(inv)
        invoiced: dict[str, Decimal] = {}
        paid: dict[str, Decimal] = {}
        currency: dict[str, str] = {}
        for key, inv in rows.items():
            if not key.startswith("inv:") or not inv["requests"] or not _counts_on(inv, as_of):
                continue
            requests = _credited_on(inv, as_of)
            collected = _paid_on(inv, as_of)
            asked = inv["total"] - _credit_on(inv, as_of)
            for deposit in deducted.get(key[4:], ()):
                collected += _paid_on(deposit, as_of)
                asked += deposit["total"] - _credit_on(deposit, as_of)
            collected = min(collected, asked)
            for rid, net in requests.items():
                invoiced[rid] = invoiced.get(rid, ZERO) + net
                currency[rid] = inv["currency"]
                if asked > 0:
                    paid[rid] = paid.get(rid, ZERO) + collected * net / asked
        return invoiced, paid, currency

    def _unbilled_overage(
        self,
        rid: str,
        req: Row,
        rows: dict[str, Row],
        drawn: dict[str, dict[str, Draw]],
        as_of: date,
        overage_billed: Callable[[str], dict[str, Decimal]],
    ) -> tuple[Money, bool, bool, bool]:
        """The request's overage not invoiced yet, of work done on or before ``as_of`` (what
        :class:`UnbilledRevenue` lists as its ``allowance_overage`` items), whether its
        allowance covers it so far with nothing else left to bill: some of its work drawn on
        an allowance, and no billable time entry that no invoice bills and no allowance drew
        (on an hourly request: a fixed price bills the hours with it), no billable expense no
        invoice bills, no fixed price not billed; and whether, stopped, it still owes work or
        an expense: a billable time entry logged while it was authorized that no invoice bills
        and no allowance drew, at its rate (a fixed price is owed for work delivered whole: its
        hours are owed up to the price less what was billed of it, ``_hours_owed``), or a
        billable expense no invoice bills, as
        ``QuoteToCash.draft_request_invoice`` bills a cancelled request (work recorded
        unauthorized is leakage to follow up, not billed). ``drawn`` keeps each allowance's
        draws across the requests it covers. Invoicing is read on ``as_of`` (``_held_on``):
        an invoice holds its lines from its draft day until its void day, a re-billable credit
        note gives them back from its day, and the overage is drawn and owed on what overage
        lines held billed then (``overage_billed``, by allowance row key), as
        :class:`UnbilledRevenue` reads them. Last, whether invoices held all its own work on
        ``as_of``, as ``QuoteToCash._all_billed_after`` tells it (the request reads invoiced
        then: ``_status_on``): each billable time entry no allowance drew, in the currency it
        is estimated in (one in another no invoice of it can bill), or on a fixed price the
        price (its hours are billed with it), and each billable expense; and no overage given
        back by then left owed (``_released_overage``); and something of it held then (an
        item, or its overage: ``_overage_held``), so a request whose billed hours were all
        given back and withdrawn is not invoiced of nothing."""
        owed = Money.zero(self._currency(req, rows))
        # what invoices held at the end of the day (``QuoteToCash._held_on``) of the work done
        # by then: hours worked later (a timesheet of a later day) were not there to bill
        worked_on = req["worked_on"]
        held = {
            i: _held_on(rows, lines, as_of)
            for i, lines in req["work"].items()
            if worked_on[i] <= as_of
        }
        charged = self._charged_work(
            rid,
            held.items(),
            req["allowance"],
            rows,
            drawn,
            as_of,
            owed.currency,
            overage_billed,
        )
        for found in charged.values():
            if found is not None:
                owed = owed + found[2]
        unbilled = [i for i, b in held.items() if not b and i not in charged]
        expenses_left = not all(_held_on(rows, x, as_of) for x in req["expenses"].values())
        price_held = _price_held_on(rows, req, as_of)
        left = bool(unbilled) if req["hourly"] else not price_held
        left = left or expenses_left
        hours = [i for i in unbilled if i not in req["unauthorized"]]
        stopped_owes = expenses_left or (
            bool(hours) and self._hours_owed(req, hours, rows, as_of, price_held)
        )
        if req["est_total"] is not None and not req["hourly"]:
            work_left = not price_held
        else:
            worth, currency = req["worth"], req["currency"]
            work_left = any(not currency or worth[i][1] == currency for i in unbilled)
        # and something of it billed on the day (an item of its own, or its overage), as the
        # domain leaves a request invoiced only by an invoice billing something of it: with its
        # only hours withdrawn after their invoice was voided, "all its work held" is true of
        # no work, and it is completed
        some_held = (
            price_held
            or any(held.values())
            or any(_held_on(rows, x, as_of) for x in req["expenses"].values())
            or _held_on(rows, [[i, line] for _, i, line in req["other_held"]], as_of)
            or self._overage_held(rid, req, rows, as_of)
        )
        all_billed = some_held and not (
            work_left or expenses_left or _released_overage(rows, rid, charged, req, as_of)
        )
        return owed, bool(charged) and not left, stopped_owes, all_billed

    def _overage_held(self, rid: str, req: Row, rows: dict[str, Row], as_of: date) -> bool:
        """Whether an overage line billing the request's hours beyond its allowance (the
        covering one, or one it was rolled over into) held them at the end of ``as_of``."""
        prefix = charge_key(rid, "")
        return any(
            key.startswith(prefix) and _holds(rows, invoice, line_id, as_of)
            for alw in self._allowance_chain(req["allowance"], rows)
            for invoice, line_id, key, *_ in rows[alw].get("held", [])
        )

    @staticmethod
    def _hours_owed(
        req: Row, hours: list[str], rows: dict[str, Row], as_of: date, price_held: bool
    ) -> bool:
        """Whether a cancelled request's unbilled authorized time entries ``hours`` are billed
        (``QuoteToCash.draft_request_invoice``): at their worth, except on a fixed price, up to
        the price less what was billed of it (``_fixed_price_room``: nothing left once the price
        is billed, ``price_held``, or once the lines billing its hours held the price on
        ``as_of``, a re-billable credit note giving them back from its day:
        ``_hours_billed_on``); hours worth nothing are billed at no charge."""
        if req["hourly"] or req["est_total"] is None:
            return True
        currency, worth = req["currency"], req["worth"]
        room = ZERO if price_held else req["est_total"] - _hours_billed_on(rows, req, as_of)
        if room > 0:
            return True
        return not any(worth[i][0] for i in hours if worth[i][1] == currency)

    def items(self, as_of: date) -> list[ReviewItem]:
        """Every request still in play: not invoiced and paid, unless overage beyond its
        allowance is left to bill; nor completed with nothing left to bill and what was billed
        paid (a request its allowance covers in full); nor declined or cancelled with nothing
        owed. A cancelled request's work stays recorded and is billed what it owes
        (``QuoteToCash.draft_request_invoice``): it stays while overage beyond its allowance,
        authorized work or an expense is left to bill (``_unbilled_overage``), or what was
        billed is not paid in full, and leaves once all of it is billed and paid. Each request
        names its manager on ``as_of`` (a handover counts from its day). Invoicing is read by
        its days (the class docstring): what the agenda of a day says, an invoice, void,
        credit note or payment recorded later with a later day leaves as it was."""
        check_day(as_of)
        rows = self.rows()
        invoiced, paid, billed_in = self._billed(rows, as_of)
        drawn: dict[str, dict[str, Draw]] = {}  # each allowance's draws, by row key
        overage_held: dict[str, dict[str, Decimal]] = {}  # by allowance row key

        def overage_billed(alw_key: str) -> dict[str, Decimal]:
            found = overage_held.get(alw_key)
            if found is None:
                found = overage_held[alw_key] = _overage_held_on(rows, alw_key, as_of)
            return found

        result = []
        for key, req in rows.items():
            if not key.startswith("req:"):
                continue
            rid = key[4:]
            cur = billed_in.get(rid) or self._currency(req, rows)
            inv_amount = Money(invoiced.get(rid, ZERO), cur)
            paid_amount = Money(paid.get(rid, ZERO), cur).rounded()
            overage, covered, stopped_owes, all_billed = self._unbilled_overage(
                rid, req, rows, drawn, as_of, overage_billed
            )
            if req["requested_on"] > as_of:
                continue  # (not asked for yet)
            status = self._status_on(req, as_of, all_billed)
            if (
                status in CLOSED
                and not overage.amount
                and not stopped_owes
                and paid_amount >= inv_amount
            ):
                continue  # stopped, and nothing is owed
            if (
                status == "invoiced"
                and rid in invoiced
                and paid_amount >= inv_amount
                and not overage.amount
            ):
                continue
            if (
                status == "completed"
                and covered
                and paid_amount >= inv_amount
                and not overage.amount
            ):
                continue  # done: its allowance covers it, nothing is owed
            # due from the authorization that set it, done from the completion's day, hours
            # by the days they were worked: each as it stood on ``as_of``
            due = req["due_on"] if _by(req["authorized_on"], as_of) else None
            done = req["completed_on"] if _by(req["completed_on"], as_of) else None
            on_schedule = due is None or (done or as_of) <= due
            est = req["est_hours"]
            hours = sum((h for day, h in req["logged"] if day <= as_of), ZERO)
            has_po = req["po"] is not None and _by(req["po_on"], as_of)
            po = Money(*req["po_amount"]) if has_po and req["po_amount"] is not None else None
            result.append(
                ReviewItem(
                    request_id=rid,
                    customer_id=req["customer"],
                    title=req["title"],
                    account_manager=manager_on(req, as_of),
                    status=status,
                    has_po=has_po,
                    covered_by_allowance=bool(req["allowance"]),
                    due_on=due,
                    on_schedule=on_schedule,
                    estimated_hours=est,
                    actual_hours=hours,
                    over_estimate=est is not None and hours > est,
                    invoiced=inv_amount,
                    paid=paid_amount,
                    unbilled_overage=overage,
                    po_amount=po,
                    over_po=po is not None and po.currency == cur and inv_amount > po,
                )
            )
        result.sort(key=lambda r: (r.customer_id, r.status, r.title, r.request_id))
        return result
