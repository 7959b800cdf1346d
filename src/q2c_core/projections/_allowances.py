"""Prepaid allowances as the request reports follow them: each allowance's charges, draws and
billed overage, and the allowance it was rolled over into, so a request's overage still owed
reads the same in every report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from q2c_core.domain.money import Money
from q2c_core.domain.prepaid_allowance import (
    charge_key,
    follow_overage_worth,
    overage_piece_worth,
    resolve_charge_key,
)
from q2c_core.projections._facts import (
    allowance_draws,
    apply_allowance_event,
    currency_quantum,
    new_allowance_row,
)
from q2c_core.projections.base import Projection, handles, uuid_hex
from q2c_core.projections.store import Row

# (covered, overage) of one charge, as ``allowance_draws`` tells it
Draw = tuple[Decimal, Decimal]
# what of one time entry's overage is owed: the allowance row that drew it, the quantity (hours,
# or the amount on a money allowance) and its amount
Owed = tuple[Row, Decimal, Money]


class AllowanceChains(Projection):
    """Allowance rows ``alw:<id>``: the allowance state of ``new_allowance_row`` and ``next``,
    the allowance it was rolled over into (a covered request's later work is charged there)."""

    @handles("PrepaidAllowance.Granted")
    def _alw_granted(self, e: Any, oid: str) -> None:
        row = new_allowance_row(
            uuid_hex(e.customer_id.int), e.unit.name, e.quantity, e.currency, e.granted_on
        )
        row["next"] = ""  # the allowance it is rolled over into, once it is
        # on an hours allowance, what invoices billed of each charge's overage (by charge key)
        # and of each invoice's piece of it ("<invoice hex> <key>": [hours, worth]), as
        # ``follow_overage_worth`` follows them: what the next piece of it bills less
        row["worth"] = {}
        row["pieces"] = {}
        self.put(f"alw:{oid}", row)

    @handles(
        "PrepaidAllowance.WorkCharged",
        "PrepaidAllowance.ChargeWithdrawn",
        "PrepaidAllowance.OverageBilled",
        "PrepaidAllowance.OverageReleased",
        "PrepaidAllowance.ToppedUp",
        "PrepaidAllowance.Expired",
        "PrepaidAllowance.RolledOver",
    )
    def _alw_changed(self, e: Any, oid: str) -> None:
        row = self.touch(f"alw:{oid}")
        assert row is not None
        name = type(e).__name__
        if name in ("OverageBilled", "OverageReleased") and row["unit"] != "MONEY":
            quantum = currency_quantum(row["currency"])
            for k, quantity in e.quantities.items():
                key = resolve_charge_key(k, row["charges"])
                charge = row["charges"].get(key)
                if charge is None:  # (no such charge: nothing to value it by)
                    continue
                follow_overage_worth(
                    row["worth"],
                    row["pieces"],
                    row["billed"],
                    name == "OverageBilled",
                    uuid_hex(e.invoice_id.int),
                    key,
                    quantity,
                    charge[2],
                    quantum,
                )
        apply_allowance_event(row, e)
        if type(e).__name__ == "RolledOver":
            row["next"] = uuid_hex(e.to_allowance_id.int)

    def _allowance_chain(self, first: str, rows: dict[str, Row] | None = None) -> list[str]:
        """The row keys of a request's covering allowance and of those it was rolled over into,
        in that order (``QuoteToCash._allowance_chain``): its work is charged on one of them."""
        chain: list[str] = []
        key = f"alw:{first}" if first else ""
        while key and key not in chain:
            row = rows.get(key) if rows is not None else self.get(key)
            if row is None:
                break
            chain.append(key)
            key = f"alw:{row['next']}" if row.get("next") else ""
        return chain

    def _drawn_charges(
        self,
        first: str,
        rows: dict[str, Row],
        drawn: dict[str, dict[str, Draw]],
        as_of: date,
        billed_on: Callable[[str], dict[str, Decimal]] | None = None,
    ) -> dict[str, tuple[Row, Draw, dict[str, Decimal] | None]]:
        """Every charge (by charge key) on the allowance ``first`` and those it was rolled over
        into, with the allowance row that drew it, its draw as the allowance stood at the end
        of ``as_of`` (``allowance_draws``: on what was granted by then) and what invoices held
        billed of that allowance's overage then (``billed_on``, by its row key; None without
        it: as recorded); ``drawn`` keeps each allowance's draws of that day, worked out once
        however many requests share it."""
        charged_on: dict[str, tuple[Row, Draw, dict[str, Decimal] | None]] = {}
        for alw_key in self._allowance_chain(first, rows):
            billed = billed_on(alw_key) if billed_on is not None else None
            if alw_key not in drawn:
                drawn[alw_key] = allowance_draws(rows[alw_key], as_of, billed)
            for charged, draw in drawn[alw_key].items():
                charged_on[charged] = (rows[alw_key], draw, billed)
        return charged_on

    def _charged_work(
        self,
        rid: str,
        entries: Iterable[tuple[str, bool]],
        first: str,
        rows: dict[str, Row],
        drawn: dict[str, dict[str, Draw]],
        as_of: date,
        currency: str,
        billed_on: Callable[[str], dict[str, Decimal]] | None = None,
    ) -> dict[str, Owed | None]:
        """The request's time entries charged on the allowance ``first`` or those it was rolled
        over into, by entry id, each with what of its overage is owed (None: nothing is).

        ``entries`` are the request's billable time entries, each with whether an invoice bills
        it (``items_billed``). Overage is owed of an entry worked on or before ``as_of`` that no
        invoice bills: what its draw, on what the allowance was granted by then (a top-up made
        later covers nothing before its day), went beyond the allowance by, less what the
        allowance has billed of it (``open_overage``); ``drawn`` holds draws of ``as_of``. An
        entry an invoice bills as ordinary work (a hand-made invoice's line names it) is billed
        whole at its rate, its hours beyond the allowance with the rest: none of it is owed.
        :class:`UnbilledRevenue` lists what is owed as ``allowance_overage`` items, and the
        review meeting adds it up per request.

        ``billed_on`` (by allowance row key): the overage invoices held billed at the end of
        ``as_of`` (their draft, void and credit days), what the draws and what is owed are
        read on, as ``QuoteToCash.customer_summary(as_of=)`` reads them; without it, the
        overage billed as recorded.
        """
        result: dict[str, Owed | None] = {}
        charged_on = self._drawn_charges(first, rows, drawn, as_of, billed_on)
        if not charged_on:  # (no allowance covers the request: ``entries`` is not read)
            return result
        for entry_id, billed in entries:
            key = charge_key(rid, entry_id)
            found = charged_on.get(key)
            if found is None:
                continue
            allowance, draw, held = found
            owed = None
            if not billed and allowance["charges"][key][0] <= as_of:
                open_ = open_overage(allowance, key, draw, currency, held)
                if open_ is not None:
                    owed = (allowance, *open_)
            result[entry_id] = owed
        return result


def open_overage(
    allowance: Row,
    key: str,
    draw: Draw,
    currency: str,
    held: dict[str, Decimal] | None = None,
) -> tuple[Decimal, Money] | None:
    """The overage of one charge not billed yet, as (quantity, amount), or None when there is
    none: its draw's overage less what invoices bill of it. On a money allowance the quantity
    is the amount; on an hours allowance the amount is what its invoice will bill
    (``overage_piece_worth``, as ``QuoteToCash.unbilled_work``): the hours billed of it with
    these at the charge's rate, rounded half up to the currency once, less what was billed of
    it, so the pieces of an entry's overage add up to its hours' worth.

    ``held``: what invoices held billed of the allowance's overage on a past day, by charge key
    (``QuoteToCash._overage_piece``): what was billed of a charge is then those hours at its
    rate, unless the allowance holds as many billed now (then what they billed, ``worth``)."""
    now = allowance["billed"].get(key, Decimal(0))
    billed = now if held is None else held.get(key, Decimal(0))
    quantity = draw[1] - billed
    if quantity <= 0:
        return None
    if allowance["unit"] == "MONEY":
        return quantity, Money(quantity, currency)
    rate = allowance["charges"][key][2]
    quantum = currency_quantum(currency)
    if billed == now:
        worth = allowance["worth"].get(key, Decimal(0))
    else:
        worth = (rate * billed).quantize(quantum, rounding=ROUND_HALF_UP)
    amount = overage_piece_worth(rate, billed, worth, quantity, quantum)
    return quantity, Money(amount, currency)
