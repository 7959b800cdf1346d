"""Unbilled revenue: work and expenses done but neither invoiced nor covered, and contract periods
due but not billed. Work logged without authorization is kept apart, as leakage risk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

import attrs

from q2c_core.domain.enhancement_request import FIXED_PRICE_ITEM
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.money import Money
from q2c_core.domain.prepaid_allowance import charge_key, resolve_charge_key
from q2c_core.projections._allowances import AllowanceChains, Draw
from q2c_core.projections._contracts import (
    CONTRACT_CHANGES,
    apply_contract_event,
    as_billed_on,
    due_unbilled,
    new_contract_row,
    pending_corrections,
    record_basis,
    record_correction,
    release_basis,
    release_correction,
    served_by,
)
from q2c_core.projections._facts import (
    CONTRACT,
    NET,
    P_END,
    P_START,
    SOURCE,
    currency_quantum,
    invoice_facts,
)
from q2c_core.projections._hours_billed import bills_hours
from q2c_core.projections._managers import ManagerNames, manager_on, record_handover
from q2c_core.projections._requests import estimate_total, items_billed
from q2c_core.projections.base import age_bucket, check_day, handles, id_key, uuid_hex
from q2c_core.projections.store import Row

# the statuses whose contracts a billing run bills and corrects (``billing_run._BILLED_STATUSES``):
# a terminated or expired contract is still billed, and corrected, up to its end (when it was
# ever activated: ``was_activated``)
_BILLED = ("ACTIVE", "SUSPENDED", "TERMINATED", "EXPIRED")


# what unbilled amounts can be totalled by, and the item field each reads
_TOTALS_BY = {
    "customer": "customer_id",
    "request": "request_id",
    "contract": "contract_id",
    "account_manager": "account_manager",
    "age": "age_bucket",
}


@attrs.frozen
class UnbilledItem:
    """One thing that should be billed and is not yet."""

    # work, expense, allowance_overage, fixed_price, contract_period, contract_correction (the
    # work of a cancelled fixed-price request at its share of the price: ``_capped_at``)
    kind: str
    customer_id: str
    request_id: str
    contract_id: str
    account_manager: str
    item_id: str
    description: str
    since: date
    amount: Money
    hours: Decimal
    age_bucket: str
    authorized: bool = True


@attrs.frozen
class UnbilledTotals:
    """Unbilled amounts grouped one way, per currency (key, currency) -> amount."""

    by: str
    totals: dict[tuple[str, str], Money]


def price_billed_through(
    marked: list[str], e: Any, fixed: bool, is_entry: Callable[[str], bool]
) -> list[str]:
    """The request's time entries through which a live invoice bills its fixed price, after a
    ``WorkInvoiced`` or ``WorkReleased`` event (``marked`` before it): the entries of
    ``EnhancementRequest.price_billed_by_entries`` that the invoice it names still bills.
    Only a ``WorkInvoiced`` recorded before the price was its own item (no ``price_marked``)
    on a fixed-price request (``fixed`` then), naming no fixed-price item, billed the price
    through the time entries it names (``is_entry``); any later ``WorkInvoiced`` naming an
    entry bills it on its own, and a ``WorkReleased`` unbills it."""
    billed, item_ids = items_billed(e)
    kept = [i for i in marked if i not in item_ids]
    if (
        billed
        and fixed
        and not getattr(e, "price_marked", False)
        and FIXED_PRICE_ITEM not in item_ids
    ):
        kept += [i for i in dict.fromkeys(item_ids) if is_entry(i)]
    return kept


def _cancelled_by(req: Row, day: date) -> bool:
    """Whether the request was cancelled by the end of ``day`` (``cancelled``, from its
    ``cancelled_on``): one cancelled before cancellations carried their day reads as
    cancelled on every day (``EnhancementRequest.cancelled_by``)."""
    if not req["cancelled"]:
        return False
    return req["cancelled_on"] is None or bool(req["cancelled_on"] <= day)


def _after_completion(req: Row, item: Row) -> bool:
    """Work recorded unauthorized dated after its request's completion: never inside a fixed
    price (``QuoteToCash.unbilled_work``, ``late_unauthorized_work``), leakage to follow up."""
    done = req["completed_on"]
    return not item["authorized"] and done is not None and bool(item["date"] > done)


def _cancelled_at_a_fixed_price(req: Row, day: date) -> bool:
    """Whether the request has a fixed price and was cancelled by ``day`` after its work was
    authorized (``authorized_on`` set, so it was open then): its authorized hours are owed, up
    to the price (``_fixed_price_room``). One cancelled before that has no authorized hours to
    limit (its work was recorded unauthorized); on a day before the cancellation its price
    was owed."""
    return req["fixed"] is not None and req["authorized_on"] is not None and _cancelled_by(req, day)


def _fixed_price_room(req: Row, price_billed: bool, billed: Decimal) -> Decimal:
    """What the unbilled hours of a cancelled fixed-price request may still bill, in its
    currency (``QuoteToCash._fixed_price_room``): nothing once the price is billed
    (``price_billed``), else its agreed price less what invoices billed of its hours on the
    day asked about, net of re-billable credit notes by then (``billed``, ``_hours_billed_on``:
    what they billed, not what the hours are worth), never below zero."""
    if price_billed:
        return Decimal(0)
    room: Decimal = req["fixed"] - billed
    return room if room > 0 else Decimal(0)


# -- invoicing on a day ------------------------------------------------------------------------
# Requests and allowances mark work billed, and billable again, by events that carry no business
# day (``WorkInvoiced``, ``WorkReleased``, ``OverageBilled``, ``OverageReleased``). As the domain
# reads a day (``QuoteToCash._held_on``), an invoice line holds what it bills from the day its
# invoice was drafted until the day it was voided (on no day when the void was recorded without
# one), and a re-billable credit note gives it back from the day it credited it
# (``Invoice.lines_holding_work_on``): ``held:<invoice>`` rows keep those days, and each item,
# request and allowance the lines naming it, so a later void or credit note never changes what
# an earlier day read.


def _holds(rows: dict[str, Row], invoice: str, line_id: str, day: date) -> bool:
    """Whether the line ``line_id`` of ``invoice`` held what it bills at the end of ``day``."""
    held = rows.get(f"held:{invoice}")
    if held is None or held["drafted_on"] > day:
        return False
    if held["voided"] and (held["voided_on"] is None or held["voided_on"] <= day):
        return False
    return not any(on <= day and line_id in lines for on, lines in held["credits"])


def _held_on(rows: dict[str, Row], lines: list[list[str]], day: date) -> bool:
    """Whether one of the invoice lines naming an item (``[invoice, line id]``) held it at the
    end of ``day``."""
    return any(_holds(rows, invoice, line_id, day) for invoice, line_id in lines)


def _fixed_price_held_on(rows: dict[str, Row], rid: str, req: Row, day: date) -> bool:
    """``EnhancementRequest.fixed_price_held`` on ``day``: a line billing the price itself
    held it, or one billing an entry an invoice recorded before the price was its own item
    billed it through (``price_entries``)."""
    if req["fixed"] is None:
        return False
    if _held_on(rows, req["price_held"], day):
        return True
    for entry in req["price_entries"]:
        item = rows.get(f"item:{rid}|{entry}")
        lines = item["held"] if item is not None else []
        lines = lines + [[i, line] for x, i, line in req["other_held"] if x == entry]
        if _held_on(rows, lines, day):
            return True
    return False


def _hours_billed_on(rows: dict[str, Row], req: Row, day: date) -> Decimal:
    """What the lines billing the request's hours held at the end of ``day``, in its currency
    (``QuoteToCash._hours_billed``): a written-off line stays billed."""
    currency = req["currency"]
    return sum(
        (
            net
            for invoice, line_id, in_currency, net in req["hours_held"]
            if in_currency == currency and _holds(rows, invoice, line_id, day)
        ),
        Decimal(0),
    )


def _overage_held_on(rows: dict[str, Row], alw_key: str, day: date) -> dict[str, Decimal]:
    """What the allowance's overage lines held billed at the end of ``day``, by charge key
    (``QuoteToCash._held_on``): hours, or their net on a money allowance; but the lines of one
    invoice for one charge whose ``OverageBilled`` recorded their unit prices, not their nets
    (hand-made lines of more than one unit drafted before such a line held its net), hold
    their unit prices (``QuoteToCash._overage_lines_hold``)."""
    alw = rows[alw_key]
    held: list[list[Any]] = alw.get("held", [])
    units: set[str] = set()
    if alw["unit"] == "MONEY" and held:
        nets: dict[str, list[Decimal]] = {}
        for invoice, _, key, quantity, unit in held:
            pair = nets.setdefault(f"{invoice} {key}", [Decimal(0), Decimal(0)])
            pair[0] += quantity
            pair[1] += unit
        recorded = alw.get("recorded", {})
        units = {p for p, (net, unit) in nets.items() if net != recorded.get(p) == unit}
    found: dict[str, Decimal] = {}
    for invoice, line_id, key, quantity, unit in held:
        if _holds(rows, invoice, line_id, day):
            if units and f"{invoice} {key}" in units:
                quantity = unit
            found[key] = found.get(key, Decimal(0)) + quantity
    return found


def _capped_at(hours: list[UnbilledItem], room: Decimal, currency: str) -> list[UnbilledItem]:
    """The unbilled authorized hours of a cancelled fixed-price request, owed up to ``room``
    (``_fixed_price_room``): as they are when they are worth no more; else each listed with
    its share of ``room`` (in proportion to its worth, rounded to the currency so that the
    shares add up to ``room`` exactly), saying it is capped, and one whose share is nothing
    left out. The request's invoice bills them all and takes off the excess on one line; here
    every hour stays in its own age bucket, so no breakdown holds a negative amount."""
    worth = sum((i.amount.amount for i in hours), Decimal(0))
    if worth <= room:
        return hours
    quantum = currency_quantum(currency)
    result: list[UnbilledItem] = []
    so_far, shown = Decimal(0), Decimal(0)
    for item in hours:
        so_far += item.amount.amount
        upto = (so_far * room / worth).quantize(quantum, rounding=ROUND_HALF_UP)
        share, shown = upto - shown, upto
        if share:
            result.append(
                attrs.evolve(
                    item,
                    amount=Money(share, currency),
                    description=f"{item.description} (capped at the agreed fixed price)",
                )
            )
    return result


class InvoiceHolds(AllowanceChains):
    """What invoices held on a day, as ``QuoteToCash._held_on`` reads it: ``held:<invoice>``
    rows keep each invoice's draft and void days and the days re-billable credit notes gave
    its lines back, ``rbn:<note>`` a re-billable credit note until it credits, and each
    allowance row the overage lines naming it (``held``) and, on a money allowance, what each
    ``OverageBilled`` recorded (``recorded``): ``_holds``, ``_held_on`` and
    ``_overage_held_on`` read them. :class:`UnbilledRevenue` and the review meeting share it,
    so the two read a day's invoicing alike; each keeps the lines naming its own rows."""

    def _hold_drafted(self, e: Any, oid: str) -> bool:
        """An invoice holds its lines from the day it was drafted (True: the caller follows
        its lines); a re-billable credit note waits for the day it credits (``rbn:``)."""
        if e.kind._name_ == "CREDIT_NOTE":
            disposition = getattr(e, "credit_disposition", None)
            if disposition is not None and disposition._name_ == "REBILLABLE":
                self.put(f"rbn:{oid}", {})
            return False
        self.put(
            f"held:{oid}",
            {"drafted_on": e.drafted_on, "voided": False, "voided_on": None, "credits": []},
        )
        return True

    def _hold_credited(self, e: Any, oid: str) -> None:
        """A re-billable credit note gives back the lines it credits from its day; a
        written-off one leaves them billed."""
        note = f"rbn:{uuid_hex(e.credit_note_id.int)}"
        if self.get(note) is None:
            return
        self.delete(note)
        row = self.touch(f"held:{oid}")
        if row is not None:
            row["credits"].append([e.credited_on, list(e.line_ids)])

    def _hold_voided(self, e: Any, oid: str) -> None:
        """A voided invoice holds its lines until the day it was voided: on no day when the
        void was recorded without one (``Invoice.holds_work_on``)."""
        if self.get(f"rbn:{oid}") is not None:
            self.delete(f"rbn:{oid}")
        held = self.touch(f"held:{oid}")
        if held is not None:
            held["voided"] = True
            held["voided_on"] = getattr(e, "voided_on", None)

    def _follow_overage(self, oid: str, line: Any, source: Any) -> None:
        """An allowance-overage line holds the overage of the one charge it names
        (``QuoteToCash._overage_key``, ``_overage_quantity``); others hold nothing."""
        if source.allowance_id is None or len(source.time_entry_ids) != 1:
            return
        alw = self.touch(f"alw:{uuid_hex(source.allowance_id.int)}")
        if alw is None:
            return
        entry = source.time_entry_ids[0]
        if source.request_id is not None:
            key = charge_key(uuid_hex(source.request_id.int), entry)
        else:  # (drafted before such a line named its request: an entry charged once)
            keys = [k for k in alw["charges"] if k.split(":", 1)[1] == entry]
            if len(keys) != 1:
                return
            key = keys[0]
        unit = line.unit_price.amount
        if alw["unit"] == "MONEY":
            quantity = (unit * line.quantity).quantize(
                currency_quantum(line.unit_price.currency), rounding=ROUND_HALF_UP
            )
        else:
            quantity = line.quantity
        alw.setdefault("held", []).append([oid, line.line_id, key, quantity, unit])

    def _alw_changed(self, e: Any, oid: str) -> None:
        """As every allowance-aware read model follows it; and on a money allowance what each
        ``OverageBilled`` recorded for its invoice (``recorded``, by "<invoice> <key>"): where
        that is the unit prices of the invoice's lines for a charge, not their nets, those
        lines hold their unit prices (``_overage_held_on``)."""
        super()._alw_changed(e, oid)
        if type(e).__name__ != "OverageBilled":
            return
        row = self.touch(f"alw:{oid}")
        if row is None or row["unit"] != "MONEY":
            return
        recorded = row.setdefault("recorded", {})
        invoice = uuid_hex(e.invoice_id.int)
        for k, quantity in e.quantities.items():
            piece = f"{invoice} {resolve_charge_key(k, row['charges'])}"
            recorded[piece] = recorded.get(piece, Decimal(0)) + quantity


class UnbilledRevenue(InvoiceHolds, ManagerNames):
    """Everything billable that is not billed yet, and the leakage risk next to it.

    Rows: ``req:<id>`` and ``item:<request>|<item>`` for requests' work and expenses,
    ``alw:<id>`` for the allowances covering them (:class:`AllowanceChains`), ``con:<id>``
    for contracts and ``invc:<id>`` for the invoices that bill contract periods; ``held:<id>``
    for each invoice's draft, void and re-billable credit days, and ``rbn:<id>`` for a
    re-billable credit note until it credits its invoice: what invoices held on a day
    (``_holds``)."""

    name = "unbilled_revenue"

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 keys allowance charges by request and entry, so a store
        built by version 1 (by entry id) is refused until it is rebuilt from events; 3 keeps a
        contract's evergreen renewal (``auto_renew``, its length and uplift) on its row; 4 keeps
        on a request's row when its work started and whether its fixed price is billed, so a
        fixed price is unbilled even with no billable time logged; 5 keeps on an allowance's
        row the allowance it was rolled over into (``next``), whose draws a covered request's
        later work follows; 6 keeps a contract's go-live day (``activated_on``), before which
        no period is due; 7 records requests' and contracts' account managers by the spelling the
        history first named each person by (``who:`` rows), so "Mia" and "mia " total as one; 8
        keeps the day a contract was terminated or expired (``ended_on``): one ended after its
        go-live day is due, even when it went live after its term's end; 9 keeps the day a
        request's work was authorized (``authorized_on``): its fixed price is owed only from
        then, work done before it counting at its hours; 10 keeps on an allowance's row the
        day it was granted and each top-up with its day (``granted_on``, ``top_ups``), so a
        past day's overage is drawn on what was granted by then; 11 keeps on a request's row
        the time entries through which an invoice recorded before the fixed price was its own
        item bills it (``price_entries``, ``EnhancementRequest.price_billed_by_entries``), and
        the ids of its expenses that are not billable (``other_expenses``), so a hand-made line
        billing an entry of a fixed-price request by the hour leaves the price owed; 12 keeps on
        an hours allowance's row what invoices billed of each charge's overage (``worth``,
        ``pieces``), so a piece of an entry's overage is owed at what its invoice bills
        (``overage_piece_worth``) and the pieces add up to the entry's overage hours' worth; 13
        keeps on a request's row what live invoices billed of its hours, net of re-billable
        credit notes (``hours_billed``, with ``hb:`` and ``hbn:`` rows for the invoices and
        notes), so a cancelled fixed price owes its price less what was billed, not less what
        the billed hours are worth (a capped invoice, a goodwill rate); 14 keeps on a
        request's row whether it was cancelled and on which day (``cancelled``,
        ``cancelled_on``), so on a day before its cancellation a fixed price reads owed as it
        was (13 read it cancelled on every day once the cancellation was recorded); 15 keeps
        a request's and a contract's handovers to another manager (``handovers``:
        ``RequestHandedOver``, ``ContractHandedOver``), so the items as of a day before a
        handover name the manager before it, and from its day on the new one, and the totals
        by ``account_manager`` follow; 16 reads a manager's name without every default-ignorable
        character (a combining grapheme joiner, a Hangul filler, a variation selector:
        ``person_key``), so ``who:`` rows keyed with one are keyed again; 17 reads invoicing by
        its days, as ``QuoteToCash.customer_summary(as_of=)`` does: each item, request and
        allowance keeps the invoice lines naming it (``held``, ``price_held``, ``hours_held``),
        and ``held:<invoice>`` rows the day each invoice was drafted and voided and the days
        re-billable credit notes gave its lines back (``rbn:`` rows until they do), where 16
        kept a plain billed flag with no day (and ``hb:``/``hbn:`` rows), so work invoiced the
        next day read billed, and a later credit note unbilled every past day; 18
        reads a manager's name as it shows: a C1 control character dropped, a blank
        (the braille blank U+2800) read as a space (``person_key``), so ``who:`` rows keyed with one
        are keyed again; 19 keeps on each billed span of a contract the day its invoice was
        drafted (or the run billed it) and the day the invoice was voided (``billed``:
        ``[start, end, invoice, from, until]``), where 18 kept a span with no day and dropped
        it on a void: a period billed by an invoice drafted on 1 April read billed on 15 March,
        and a void on 20 April made it due again on 10 April; 20 keeps each billing of a
        period's basis (``bases``: ``billings``, each with its invoice and the days it counts
        ``from`` and ``until``) and each correction of it with its run's day and its
        documents' void day (``steps``: ``[state, documents, from, until]``), where 19 kept
        one basis, dropped on a void whatever its day, and its corrections with no day: a void
        dated 20 January erased the correction 10 January read, and a run dated 15 January
        billed it on 10 January too; 21 keeps on each kept state of a contract whether it
        had turned out never served then (``never``: ended on or before its go-live day), so
        a basis so kept charges nothing, as the run reads it (``billing_run._charged``),
        where 20 compared the run's credit of such a contract with its days as signed: it
        listed February and March as credits due where the run credited January too, and,
        billed in arrears, the days up to the termination as due for good; 22 keeps on each
        request the day of each time entry and its completion (``days``, ``completed_on``),
        so a time entry withdrawn as logged in error (``WorkWithdrawn``) starts a fixed price
        no more: its first day of work is worked out again from the entries left."""
        return {"rows": 22}

    event_cost = 8.0

    # -- requests ---------------------------------------------------------------------------

    @handles("EnhancementRequest.Requested")
    def _requested(self, e: Any, oid: str) -> None:
        self.put(
            f"req:{oid}",
            {
                "customer": uuid_hex(e.customer_id.int),
                "manager": self.manager_shown(e.account_manager),
                "contract": uuid_hex(e.contract_id.int) if e.contract_id else "",
                "title": e.title,
                "currency": "",
                "fixed": None,
                "allowance": "",
                "items": [],
                "open": False,
                # the day the work was authorized: a fixed price is owed from then, not before
                "authorized_on": None,
                # cancelled, and on which day (None: a cancellation recorded without its day,
                # read as cancelled on every day): its price is not owed from then
                "cancelled": False,
                "cancelled_on": None,
                # the first day of work, or the completion: from then a fixed price is unbilled
                "started": None,
                # the day of each time entry (billable or not), and the completion: what
                # ``started`` is worked out from again when an entry is withdrawn
                "days": {},
                "completed_on": None,
                # the invoice lines billing the fixed price itself (its marker item), each
                # [invoice hex, line id]: it is billed on a day one of them held it (``_holds``)
                "price_held": [],
                # time entries through which an invoice recorded before the fixed price was its
                # own item bills it (``EnhancementRequest.price_billed_by_entries``)
                "price_entries": [],
                # expenses not billable (no item): a named id that is no expense is an entry
                "other_expenses": [],
                # lines naming items that have no item row (an entry not billable), each
                # [item id, invoice hex, line id]: one of them may bill the price (above)
                "other_held": [],
                # the invoice lines billing its hours (``_hours_billed.bills_hours``), each
                # [invoice hex, line id, currency, net]: what was billed of them on a day
                "hours_held": [],
            },
        )

    @handles("Customer.CustomerHandedOver")
    def _customer_handed_over(self, e: Any, oid: str) -> None:
        """The customer's new manager is named here as in every report (``who:`` rows): its
        requests and contracts handed over with it, in the same save, name the person so."""
        self.manager_shown(e.to_manager)

    @handles("EnhancementRequest.RequestHandedOver")
    def _request_handed_over(self, e: Any, oid: str) -> None:
        """Handed over from a business day on: its items as of a day before it name the
        manager before (``_managers.manager_on``)."""
        record_handover(self._req(oid), e.effective_on, self.manager_shown(e.to_manager))

    @handles("EnhancementRequest.Estimated")
    def _estimated(self, e: Any, oid: str) -> None:
        row = self._req(oid)
        row["currency"] = estimate_total(e).currency
        row["fixed"] = e.estimate.fixed_price.amount if e.estimate.fixed_price else None

    @handles("EnhancementRequest.WorkAuthorized")
    def _opened(self, e: Any, oid: str) -> None:
        """Authorized: a fixed price, not the hours, is what will be billed, from the day the
        work was authorized until the day it is cancelled, if it is
        (``EnhancementRequest.billable_on``)."""
        row = self._req(oid)
        row["open"] = True
        row["authorized_on"] = e.authorized_on

    @handles("EnhancementRequest.Cancelled")
    def _cancelled(self, e: Any, oid: str) -> None:
        """Cancelled on its day (``cancelled_on``; None in a cancellation recorded before it
        was kept): from then on its authorized work is owed at its hours, up to a fixed price;
        on a day before, the price was owed (``_cancelled_by``)."""
        row = self._req(oid)
        row["cancelled"] = True
        row["cancelled_on"] = getattr(e, "cancelled_on", None)

    @handles("EnhancementRequest.CoveredByAllowance")
    def _covered(self, e: Any, oid: str) -> None:
        self._req(oid)["allowance"] = uuid_hex(e.allowance_id.int)

    @handles("EnhancementRequest.Completed")
    def _completed(self, e: Any, oid: str) -> None:
        """Completed: a fixed price is unbilled now even if no time was ever logged."""
        req = self._req(oid)
        req["completed_on"] = e.completed_on
        self._start(req, e.completed_on)

    @handles("EnhancementRequest.WorkLogged", "EnhancementRequest.UnauthorizedWorkRecorded")
    def _work(self, e: Any, oid: str) -> None:
        """Billable time is an item; any time, billable or not, starts a fixed price."""
        x = e.entry
        req = self._req(oid)
        self._start(req, x.work_date)
        req["days"][x.entry_id] = x.work_date
        if not x.billable:
            return
        rate = x.rate
        self.put(
            f"item:{oid}|{x.entry_id}",
            {
                "kind": "work",
                "date": x.work_date,
                "what": f"{x.worker} {x.work_date}",
                "hours": x.hours,
                "amount": (rate.amount * x.hours).quantize(
                    currency_quantum(rate.currency), rounding=ROUND_HALF_UP
                ),  # x.value.amount, without building Money twice
                "currency": rate.currency,
                "authorized": type(e).__name__ == "WorkLogged",
                # the invoice lines naming it, each [invoice hex, line id] (``_holds``)
                "held": [],
            },
        )
        req["items"].append(x.entry_id)

    @handles("EnhancementRequest.WorkWithdrawn")
    def _withdrawn(self, e: Any, oid: str) -> None:
        """A time entry withdrawn as logged in error is no item, and starts nothing: the first
        day of work is worked out again from the entries left (and the completion)."""
        x = e.entry
        req = self._req(oid)
        req["days"].pop(x.entry_id, None)
        if x.entry_id in req["items"]:
            req["items"].remove(x.entry_id)
            self.delete(f"item:{oid}|{x.entry_id}")
        days = [*req["days"].values()]
        if req["completed_on"] is not None:
            days.append(req["completed_on"])
        req["started"] = min(days, default=None)

    @handles("EnhancementRequest.ExpenseLogged")
    def _expense(self, e: Any, oid: str) -> None:
        x = e.expense
        if not x.billable:
            self._req(oid)["other_expenses"].append(x.expense_id)
            return
        self.put(
            f"item:{oid}|{x.expense_id}",
            {
                "kind": "expense",
                "date": x.incurred_on,
                "what": x.description,
                "hours": Decimal(0),
                "amount": x.amount.amount,
                "currency": x.amount.currency,
                "authorized": True,
                "held": [],
            },
        )
        self._req(oid)["items"].append(x.expense_id)

    @handles("EnhancementRequest.WorkInvoiced")
    def _billed(self, e: Any, oid: str) -> None:
        """Which items an invoice bills is read from its lines, with their days (``_drafted``):
        the event carries no business day. What it still tells is the time entries through
        which an invoice recorded before the fixed price was its own item (no
        ``price_marked``) bills the price (``EnhancementRequest.price_billed_by_entries``):
        each entry it names from then on, until a later one names it."""
        req = self._cache.get("req:" + oid) or self.get("req:" + oid)
        if req is None:
            return
        item_ids = tuple(e.item_ids)
        marked: list[str] = req["price_entries"]
        by_entries = [i for i in marked if i not in item_ids]
        if (
            req["fixed"] is not None
            and not getattr(e, "price_marked", False)
            and FIXED_PRICE_ITEM not in item_ids
        ):
            by_entries += [
                i for i in dict.fromkeys(item_ids) if i not in by_entries and self._is_entry(oid, i)
            ]
        if by_entries != marked:
            self._req(oid)["price_entries"] = by_entries

    def _is_entry(self, oid: str, item_id: str) -> bool:
        """Whether a request's item id names a time entry (billable or not), not an expense."""
        req = self._req(oid)
        if item_id in req["other_expenses"]:
            return False
        item = self.get(f"item:{oid}|{item_id}")
        return item is None or item["kind"] == "work"

    @staticmethod
    def _start(req: dict[str, Any], day: date) -> None:
        """Keep the earliest day the request's work started (or it was completed)."""
        if req["started"] is None or day < req["started"]:
            req["started"] = day

    def _req(self, oid: str) -> dict[str, Any]:
        key = "req:" + oid
        row = self._cache.get(key)  # (``touch`` inline)
        if row is None:
            row = self.get(key)
            assert row is not None, f"request {oid} seen before it was requested"
        self._dirty.add(key)
        return row

    # -- contracts ----------------------------------------------------------------------------

    @handles("Contract.ContractSigned")
    def _signed(self, e: Any, oid: str) -> None:
        row = new_contract_row(e)
        row["manager"] = self.manager_shown(row["manager"])
        self.put(f"con:{oid}", row)

    @handles("Contract.ContractHandedOver")
    def _contract_handed_over(self, e: Any, oid: str) -> None:
        """Handed over from a business day on: its periods due as of a day before it name the
        manager before (``_managers.manager_on``)."""
        row = self.touch(f"con:{oid}")
        assert row is not None
        record_handover(row, e.effective_on, self.manager_shown(e.to_manager))

    @handles(*CONTRACT_CHANGES)
    def _contract(self, e: Any, oid: str) -> None:
        row = self.touch(f"con:{oid}")
        assert row is not None
        apply_contract_event(row, e)

    @handles("Contract.PeriodBilled")
    def _period_billed(self, e: Any, oid: str) -> None:
        """A billing run billed a whole period on its day (``billed_on``: the day of the
        invoice it drafted; ``None`` in events recorded without it, billed on every day),
        recorded with the invoice it drafted, or with none when it charged nothing: covered all
        the same, with no invoice to void (``is_billed``)."""
        row = self.touch(f"con:{oid}")
        if row is None:
            return
        on = getattr(e, "billed_on", None)
        if e.invoice_id is None:
            row["billed"].append([e.period.start, e.period.end, "", on, None])
            record_basis(row, e.period, "", on)
            return
        row["billed"].append([e.period.start, e.period.end, uuid_hex(e.invoice_id.int), on, None])
        record_basis(row, e.period, uuid_hex(e.invoice_id.int), on)
        marker = self.get(f"invc:{uuid_hex(e.invoice_id.int)}") or {"contracts": []}
        if oid not in marker["contracts"]:
            marker["contracts"].append(oid)
        self.put(f"invc:{uuid_hex(e.invoice_id.int)}", marker)

    @handles("Contract.PeriodReleased")
    def _period_released(self, e: Any, oid: str) -> None:
        """The invoice of a billed period was voided: the period is due again from the void's
        day (the event carries none: the invoice's ``held:`` row keeps it, ``_voided`` ends
        the spans and the basis there), before it billed as it was, with its basis (so an
        earlier day's correction stands: ``release_basis``); a void recorded without its day
        billed it on no day."""
        row = self.touch(f"con:{oid}")
        if row is None:
            return
        inv = uuid_hex(e.invoice_id.int)
        held = self.get(f"held:{inv}")
        voided_on = held["voided_on"] if held is not None and held["voided"] else None
        kept = []
        for b in row["billed"]:
            if b[2] == inv and b[0] == e.period.start and b[1] == e.period.end:
                if held is None or (held["voided"] and voided_on is None):
                    continue  # (billed on no day)
                if b[4] is None:
                    b[4] = voided_on  # (None while the void recorded in the same save waits)
            kept.append(b)
        row["billed"] = kept
        if held is None or held["voided"]:
            release_basis(row, inv, voided_on, e.period)

    @handles("Contract.PeriodCorrected", "Contract.PeriodCorrectionReleased")
    def _period_corrected(self, e: Any, oid: str) -> None:
        """A run corrected a billed period from its day (``corrected_on``), or that
        correction's documents were voided: it stands until their void's day (the event
        carries none: ``_voided`` ends it there, each document remembering its contracts
        in ``invc:``; an invoice's ``held:`` row keeps the day when its void came first), a
        void recorded without its day corrected it on no day."""
        row = self.touch(f"con:{oid}")
        if row is None:
            return
        ids = [uuid_hex(d.int) for d in e.document_ids]
        if type(e).__name__ == "PeriodCorrected":
            record_correction(row, e.period, ids, getattr(e, "corrected_on", None))
            for document in ids:
                marker = self.get(f"invc:{document}") or {"contracts": []}
                if oid not in marker["contracts"]:
                    marker["contracts"] = sorted({*marker["contracts"], oid})
                    self.put(f"invc:{document}", marker)
            return
        for document in ids:
            held = self.get(f"held:{document}")
            if held is not None and held["voided"]:
                release_correction(row, document, held["voided_on"])

    @handles("Invoice.Drafted")
    def _drafted(self, e: Any, oid: str) -> None:
        """An invoice holds the work its lines bill from the day it is drafted
        (``_follow_lines``); a re-billable credit note gives back the lines it credits from
        the day it is applied (``_credited``)."""
        if self._hold_drafted(e, oid):
            self._follow_lines(e, oid)
        periods: dict[str, list[list[Any]]] = defaultdict(list)
        for line in invoice_facts(e).lines:
            if line[SOURCE] == "CONTRACT_PERIOD" and line[CONTRACT] and line[P_START]:
                periods[line[CONTRACT]].append([line[P_START], line[P_END]])
        if not periods or e.kind.name == "CREDIT_NOTE":
            return
        for contract, spans in periods.items():
            row = self.touch(f"con:{contract}")
            if row is None:
                continue
            for start, end in spans:
                row["billed"].append([start, end, oid, e.drafted_on, None])
        marker = self.get(f"invc:{oid}") or {"contracts": []}
        marker["contracts"] = sorted(set(marker["contracts"]) | set(periods))
        self.put(f"invc:{oid}", marker)

    @handles("Invoice.LinesAdded")
    def _lines_added(self, e: Any, oid: str) -> None:
        """Lines added to a draft hold their work from the draft's day, as the invoice reads
        it (``Invoice.holds_work_on``)."""
        if self.get(f"held:{oid}") is not None:
            self._follow_lines(e, oid)

    def _follow_lines(self, e: Any, oid: str) -> None:
        """Remember on each item, request and allowance the lines of invoice ``oid`` that bill
        it, as ``QuoteToCash._held_on`` reads them: an allowance-overage line naming its
        allowance and one time entry holds that charge's overage (its hours; its net on a money
        allowance); any other line naming a request holds the items it names (its time
        entries, its expense, the fixed price); a line billing a request's hours
        (``bills_hours``) counts what it billed of them (``_hours_billed_on``). Each is read on a
        day by the invoice's days (``_holds``)."""
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
            req = self._cache.get("req:" + rid) or self.get("req:" + rid)
            if req is None:  # (a line naming a request q2c never recorded)
                continue
            req = self._req(rid)
            items = list(source.time_entry_ids)
            if source.expense_id:
                items.append(source.expense_id)
            for item_id in items:
                item = self.touch(f"item:{rid}|{item_id}")
                if item is not None:
                    item["held"].append([oid, line_id])
                else:
                    req["other_held"].append([item_id, oid, line_id])
            if source.fixed_price:
                req["price_held"].append([oid, line_id])
            if bills_hours(source):
                if facts is None:
                    facts = invoice_facts(e).lines
                currency = line.unit_price.currency
                req["hours_held"].append([oid, line_id, currency, facts[n][NET]])

    @handles("Invoice.Credited")
    def _credited(self, e: Any, oid: str) -> None:
        """A re-billable credit note gives back the lines it credits from its day; a written-off
        one leaves them billed."""
        self._hold_credited(e, oid)

    @handles("Invoice.Voided")
    def _voided(self, e: Any, oid: str) -> None:
        """A voided invoice holds its work, and bills the contract periods its lines name (their
        spans, ``is_billed``, and the bases of those it billed, ``release_basis``, or the
        corrections it made, ``release_correction``), until the day it was voided: on no day
        when the void was recorded without one (``Invoice.holds_work_on``)."""
        self._hold_voided(e, oid)
        marker = self.get(f"invc:{oid}")
        if marker is None:
            return
        voided_on = getattr(e, "voided_on", None)
        for contract in marker["contracts"]:
            row = self.touch(f"con:{contract}")
            if row is None:
                continue
            release_basis(row, oid, voided_on)
            release_correction(row, oid, voided_on)
            if voided_on is None:  # (billed on no day)
                row["billed"] = [b for b in row["billed"] if b[2] != oid]
                continue
            for b in row["billed"]:
                if b[2] == oid and b[4] is None:
                    b[4] = voided_on
        self.delete(f"invc:{oid}")

    def related_rows(self, key: str, row: Row) -> list[str]:
        """An item is billed on a day by the days of the invoices naming it (``held:``); it
        names its request's customer, title and manager on a day (``req:``: a handover from
        its day on), and is owed at its hours or under a fixed price by what the request
        says then; one of work on a request an allowance covers is shown net of the
        allowance's draws and overage billed (``alw:``): the draws in work-date order decide
        it."""
        if not key.startswith("item:"):
            return []
        invoices = [f"held:{invoice}" for invoice in dict.fromkeys(i for i, _ in row["held"])]
        rid = key[5:].split("|", 1)[0]
        request = self.get(f"req:{rid}")
        if request is None:
            return invoices
        related = [*invoices, f"req:{rid}"]
        if not request.get("allowance"):
            return related
        return related + self._allowance_chain(request["allowance"])

    def relates_to(self, key: str, row: Row, event: Any) -> bool:
        """Of the request's events, logging another item (its time entry, its expense) is
        that item's story, not this one's (though it adds to the request's list of items)."""
        logged = getattr(event, "entry", None) or getattr(event, "expense", None)
        if logged is None or not key.startswith("item:"):
            return True
        logged_id = getattr(logged, "entry_id", None) or getattr(logged, "expense_id", None)
        return logged_id is None or key.endswith(f"|{logged_id}")

    # -- queries ------------------------------------------------------------------------------

    def items(self, as_of: date, *, include_unauthorized: bool = True) -> list[UnbilledItem]:
        """Every unbilled item as of a date (work, expenses, overage, contract periods): work
        and expenses dated on or before it that no invoice held at its end, aged from their
        dates, overage of work dated by then that no invoice held billed then, and contract
        periods due by then that no invoice billed at its end (from its draft day until its
        void day: ``is_billed``). Invoicing is read by its days, as
        ``QuoteToCash.customer_summary(c, as_of=day).unbilled_work`` reads it (``_holds``): an
        invoice holds its work from the day it was drafted until the day it was voided (a void
        recorded without its day held it on no day), and a re-billable credit note gives the
        lines it credits back from its own day, while a written-off one leaves them billed. So
        an event recorded later with a later day never changes an earlier day's answer. For
        the state as it was recorded at a past moment, rebuild the projection as of that moment
        (``rebuild(..., as_of=...)``).

        The authorized hours of a cancelled fixed-price request are owed up to its agreed price
        less what invoices held billed of it on ``as_of`` (``QuoteToCash.unbilled_work``, which
        its invoice bills): beyond that, each is listed at its share of what is left
        (``_capped_at``), so the request's and customer's totals, and every other breakdown,
        add up to what is owed, with no negative item. Each item names its request's or
        contract's manager on ``as_of`` (a handover counts from its day).

        ``include_unauthorized`` is True or False (``InvalidValue`` naming it otherwise: "no"
        was read as yes, listing the leakage asked to be left out)."""
        check_day(as_of)
        if not isinstance(include_unauthorized, bool):
            raise InvalidValue(
                "must be True or False", field="include_unauthorized", value=include_unauthorized
            )
        rows = self.rows()
        result: list[UnbilledItem] = []
        drawn: dict[str, dict[str, Draw]] = {}  # by allowance row key
        overage_held: dict[str, dict[str, Decimal]] = {}  # by allowance row key

        def overage_billed(alw_key: str) -> dict[str, Decimal]:
            found = overage_held.get(alw_key)
            if found is None:
                found = overage_held[alw_key] = _overage_held_on(rows, alw_key, as_of)
            return found

        for key, req in rows.items():
            if not key.startswith("req:"):
                continue
            rid = key[4:]
            items = [
                (item_id, item)
                for item_id in req["items"]
                if (item := rows.get(f"item:{rid}|{item_id}")) is not None
            ]
            # what invoices held at the end of the day (``QuoteToCash._held_on``)
            held = {item_id: _held_on(rows, item["held"], as_of) for item_id, item in items}
            # the work charged on the covering allowance or one it was rolled over into, and
            # what of its overage is owed, read on the overage invoices held billed that day
            charged = self._charged_work(
                rid,
                held.items(),
                req["allowance"],
                rows,
                drawn,
                as_of,
                req["currency"],
                overage_billed,
            )
            # ``EnhancementRequest.billable_on``: authorized by then (and not cancelled by
            # then), a fixed price is what will be billed; before that, work done counts at
            # its hours, and from the cancellation day on too
            authorized_on = req["authorized_on"]
            fixed_owed = (
                req["fixed"] is not None
                and req["open"]
                and authorized_on is not None
                and authorized_on <= as_of
                and not _cancelled_by(req, as_of)
            )
            fixed_items: list[UnbilledItem] = []
            # ``EnhancementRequest.fixed_price_held``: by its own item, or through entries an
            # invoice recorded before that item billed, held that day
            fixed_billed = _fixed_price_held_on(rows, rid, req, as_of)
            # a cancelled fixed-price request: its authorized hours, billed up to the price
            capped_at_price = _cancelled_at_a_fixed_price(req, as_of)
            capped: list[UnbilledItem] = []
            for item_id, item in items:
                if held[item_id]:
                    continue
                if item["date"] > as_of:
                    continue  # (done after the day asked about)
                currency = item["currency"]
                kind = item["kind"]
                amount = Money(item["amount"], currency)
                hours = item["hours"]
                if kind == "work" and item_id in charged:
                    owed = charged[item_id]
                    if owed is None:
                        continue
                    allowance, quantity, amount = owed
                    if allowance["unit"] == "MONEY":
                        hours = hours * quantity / allowance["charges"][charge_key(rid, item_id)][1]
                    else:
                        hours = quantity
                    kind = "allowance_overage"
                entry = UnbilledItem(
                    kind=kind,
                    customer_id=req["customer"],
                    request_id=rid,
                    contract_id=req["contract"],
                    account_manager=manager_on(req, as_of),
                    item_id=item_id,
                    description=f"{req['title']}: {item['what']}",
                    since=item["date"],
                    amount=amount,
                    hours=hours,
                    age_bucket=age_bucket((as_of - item["date"]).days),
                    authorized=item["authorized"],
                )
                if (
                    kind == "work"
                    and fixed_owed
                    and (item["authorized"] or currency == req["currency"])
                    and not _after_completion(req, item)
                ):
                    # the price bills the work done for it, that recorded unauthorized before
                    # the PO covered it too (``draft_request_invoice`` names it on the price's
                    # line, ``QuoteToCash.unbilled_work`` counts it in the price): not leakage;
                    # work done after the completion is not inside the price: leakage
                    fixed_items.append(entry)
                elif (
                    kind == "work"
                    and capped_at_price
                    and item["authorized"]
                    and currency == req["currency"]
                ):
                    capped.append(entry)
                elif include_unauthorized or item["authorized"]:
                    # (work recorded unauthorized inside a fixed price is billed by it, not
                    # leakage: the price lists it without the leakage too)
                    result.append(entry)
            if capped:
                room = _fixed_price_room(req, fixed_billed, _hours_billed_on(rows, req, as_of))
                result += _capped_at(capped, room, req["currency"])
            started = req["started"]
            if fixed_owed and started is not None and started <= as_of and not fixed_billed:
                # ``QuoteToCash.unbilled_work``: once authorized, a fixed price is unbilled from
                # the first time logged (billable or not) or the completion, whatever the hours,
                # and aged from then or from the authorization, whichever is later; hours
                # imported after the completion are not inside it: leakage (``leakage_risk``)
                since: date = max(started, authorized_on)
                result.append(
                    UnbilledItem(
                        kind="fixed_price",
                        customer_id=req["customer"],
                        request_id=rid,
                        contract_id=req["contract"],
                        account_manager=manager_on(req, as_of),
                        item_id=",".join(i.item_id for i in fixed_items) or FIXED_PRICE_ITEM,
                        description=f"{req['title']} (fixed price)",
                        since=since,
                        amount=Money(req["fixed"], req["currency"]),
                        hours=sum((i.hours for i in fixed_items), Decimal(0)),
                        age_bucket=age_bucket((as_of - since).days),
                    )
                )
        contracts = [
            (key[4:], as_billed_on(con, as_of))
            for key, con in rows.items()
            if key.startswith("con:")
            and con["status"] in _BILLED
            and (served_by(con, as_of) or con["billed"])
        ]
        for contract_id, con in contracts:
            for period, due, charge in due_unbilled(con, as_of):
                result.append(
                    UnbilledItem(
                        kind="contract_period",
                        customer_id=con["customer"],
                        request_id="",
                        contract_id=contract_id,
                        account_manager=manager_on(con, as_of),
                        item_id=str(period),
                        description=f"contract {con['number']} period {period}",
                        since=due,
                        amount=charge,
                        hours=Decimal(0),
                        age_bucket=age_bucket((as_of - due).days),
                    )
                )
        for contract_id, con in contracts:
            for period, amount in pending_corrections(con, as_of):
                # the next run credits or bills these days of a billed period (its history
                # changed since, or a correction of it was voided); due now, like the run
                result.append(
                    UnbilledItem(
                        kind="contract_correction",
                        customer_id=con["customer"],
                        request_id="",
                        contract_id=contract_id,
                        account_manager=manager_on(con, as_of),
                        item_id=str(period),
                        description=f"contract {con['number']} correction of period {period}",
                        since=as_of,
                        amount=amount,
                        hours=Decimal(0),
                        age_bucket=age_bucket(0),
                    )
                )
        # (by customer, day, request and item; then by contract and kind, so the periods of
        # two contracts due the same day are listed in one order, not their rows' order)
        result.sort(
            key=lambda i: (i.customer_id, i.since, i.request_id, i.item_id, i.contract_id, i.kind)
        )
        return result

    def leakage_risk(self, as_of: date) -> list[UnbilledItem]:
        """Work logged on requests nobody authorized: to be covered by a PO or written off.
        Work recorded unauthorized on a fixed-price request whose PO covers it now (done
        before the PO arrived) is not listed while the price is owed: the price bills it.
        Work imported dated after the request's completion is listed, price billed or not: it
        was not inside the price (warranty, or work to bill by hand)."""
        check_day(as_of)
        return [i for i in self.items(as_of) if not i.authorized]

    def totals(self, as_of: date, by: str) -> UnbilledTotals:
        """Authorized unbilled amounts by customer, request, contract, account_manager or age
        (``by``, one of those names: anything else is ``InvalidValue`` naming ``by``)."""
        check_day(as_of)
        # (a list or another unhashable value ended in a bare TypeError)
        field = _TOTALS_BY.get(by) if isinstance(by, str) else None
        if field is None:
            raise InvalidValue(f"must be one of {', '.join(_TOTALS_BY)}", field="by", value=by)
        totals: dict[tuple[str, str], Money] = {}
        for item in self.items(as_of):
            if not item.authorized:
                continue
            k = (str(getattr(item, field)), item.amount.currency)
            totals[k] = totals.get(k, Money.zero(item.amount.currency)) + item.amount
        return UnbilledTotals(by, totals)

    def customer_total(self, customer_id: UUID | str, currency: str, as_of: date) -> Money:
        """Authorized unbilled amount of one customer (its id as a UUID or text), in one
        currency."""
        check_day(as_of)
        key = id_key(customer_id, "customer_id")
        found = self.totals(as_of, "customer").totals.get((key, currency))
        return found if found is not None else Money.zero(currency)
