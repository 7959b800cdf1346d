"""Small shared pieces: compact invoice lines and totals, allowance draws, rows <-> Money."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs
from eventsourcing.domain import DomainEvent

from q2c_core.domain.invoice_lines import InvoiceLine
from q2c_core.domain.money import Money, minor_units
from q2c_core.domain.prepaid_allowance import (
    Charge,
    charge_key,
    draw_in_work_date_order,
    resolve_charge_key,
)
from q2c_core.domain.tax import TaxCategory, TaxRate, tax_subtotals
from q2c_core.projections.base import uuid_hex
from q2c_core.projections.store import Row

ZERO = Decimal(0)


_QUANTA: dict[str, Decimal] = {}


def currency_quantum(currency: str) -> Decimal:
    """The minor unit of a currency (0.01 for EUR), remembered."""
    try:
        return _QUANTA[currency]
    except KeyError:
        _QUANTA[currency] = Decimal(1).scaleb(-minor_units(currency))
        return _QUANTA[currency]


def compact_lines(lines: Iterable[InvoiceLine]) -> list[list[Any]]:
    """Lines as [line_id, revenue kind, net, tax category, tax rate, source kind,
    request hex, contract hex, period start, period end, hours, time entry ids].

    (Enum members by ``_name_`` and UUIDs by ``int``: the same text as ``.name`` and ``.hex``,
    without their Python-level properties, for a replay's many invoices.)"""
    result: list[list[Any]] = []
    append = result.append
    quanta = _QUANTA
    for line in lines:
        price = line.unit_price
        quantum = quanta.get(price.currency) or currency_quantum(price.currency)
        # ``InvoiceLine.net``, without Money
        net = (price.amount * line.quantity).quantize(quantum, rounding=ROUND_HALF_UP)
        tax = line.tax
        s = line.source
        if s is None:
            append(
                [
                    line.line_id,
                    line.revenue_kind._name_,
                    net,
                    tax.category._name_,
                    tax.rate,
                    "",
                    "",
                    "",
                    None,
                    None,
                    None,
                    [],
                ]
            )
            continue
        period = s.period
        request = s.request_id
        contract = s.contract_id
        append(
            [
                line.line_id,
                line.revenue_kind._name_,
                net,
                tax.category._name_,
                tax.rate,
                s.kind._name_,
                _hex(request.int) if request is not None else "",
                _hex(contract.int) if contract is not None else "",
                period.start if period is not None else None,
                period.end if period is not None else None,
                s.hours,
                list(s.time_entry_ids),
            ]
        )
    return result


_hex = "%032x".__mod__  # a UUID's ``int`` as its ``hex``


@attrs.frozen
class InvoiceFacts:
    """An invoice event's lines in compact form, with the invoice's tax and total."""

    lines: list[list[Any]]
    tax: Decimal
    total: Decimal
    fixed_tax: bool


def invoice_facts(event: Any) -> InvoiceFacts:
    """Compact lines, tax and total of a ``Drafted``/``LinesAdded`` event, computed once per
    event however many projections ask (cached on the event object)."""
    cached: InvoiceFacts | None = event.__dict__.get("_q2c_facts")
    if cached is not None:
        return cached
    lines = compact_lines(event.lines)
    currency = getattr(event, "currency", None) or event.lines[0].unit_price.currency
    fixed = getattr(event, "fixed_tax", None)
    tax = sum((s.tax.amount for s in fixed), ZERO) if fixed else lines_tax(lines, currency)
    facts = InvoiceFacts(lines, tax, sum((x[NET] for x in lines), ZERO) + tax, bool(fixed))
    event.__dict__["_q2c_facts"] = facts
    return facts


LINE_ID, KIND, NET, TAX_CAT, TAX_RATE, SOURCE, REQUEST, CONTRACT, P_START, P_END, HOURS, ENTRIES = (
    range(12)
)


def lines_tax(lines: Sequence[Sequence[Any]], currency: str) -> Decimal:
    """Tax of compact lines, rounded once per category and rate (as the invoice does).

    ``tax_subtotals`` on plain Decimals: nets summed per (category, rate) in the order each
    first appears, each base's tax ``base * (rate / 100)`` rounded half up to the currency.
    """
    bases: dict[tuple[str, Decimal], list[Decimal]] = {}
    for x in lines:
        found = bases.get((x[TAX_CAT], x[TAX_RATE]))
        if found is None:
            bases[x[TAX_CAT], x[TAX_RATE]] = [x[TAX_RATE], ZERO + x[NET]]
        else:
            found[1] = found[1] + x[NET]
    quantum = currency_quantum(currency)
    tax = ZERO
    for rate, base in bases.values():
        tax = tax + (base * (rate / HUNDRED)).quantize(quantum, rounding=ROUND_HALF_UP)
    return tax


def lines_tax_checked(lines: Sequence[Sequence[Any]], currency: str) -> Decimal:
    """``lines_tax`` through the domain's own ``tax_subtotals`` (the reference, for tests)."""
    subtotals = tax_subtotals(
        ((TaxRate(TaxCategory[x[TAX_CAT]], x[TAX_RATE]), Money(x[NET], currency)) for x in lines),
        currency,
    )
    return sum((s.tax.amount for s in subtotals), ZERO)


HUNDRED = Decimal(100)


def lines_total(lines: Sequence[Sequence[Any]], currency: str) -> Decimal:
    """Net plus tax of compact lines."""
    return sum((x[NET] for x in lines), ZERO) + lines_tax(lines, currency)


def money(amount: Decimal, currency: str) -> Money:
    """Money from a row's amount and currency."""
    return Money(amount, currency)


def new_allowance_row(
    customer: str, unit: str, granted: Decimal, currency: str, granted_on: date
) -> Row:
    """The allowance state every allowance-aware projection mirrors: with the day it was
    granted and each top-up with its day (``[day, quantity]``), what it had on a day asked
    about (``granted_by``)."""
    return {
        "customer": customer,
        "unit": unit,
        "granted": granted,
        "granted_on": granted_on,
        "top_ups": [],
        "currency": currency,
        "cap": None,
        "charges": {},
        "billed": {},
        "status": "OPEN",
    }


def granted_by(row: Row, day: date) -> Decimal:
    """What an allowance row had been granted on or before ``day``: nothing before its grant,
    each top-up from its own day (``PrepaidAllowance.granted_by``)."""
    if row["granted_on"] > day:
        return ZERO
    granted: Decimal = row["granted"]
    return granted - sum((q for on, q in row["top_ups"] if on > day), ZERO)


def rolled_over_by(row: Row, day: date) -> Decimal:
    """What had left an allowance row for the next allowance by the end of ``day``: nothing
    before its roll-over's day, then what was carried, each top-up dated after the roll-over's
    day from its own day (``PrepaidAllowance.rolled_over_by``)."""
    if row["status"] != "ROLLED_OVER" or not closed_by(row, day):
        return ZERO
    closed_on: date = row["closed_on"]
    later = sum((q for on, q in row["top_ups"] if on > closed_on and on > day), ZERO)
    rolled: Decimal = row["rolled_over"]
    return max(ZERO, rolled - later)


def closed_by(row: Row, day: date) -> bool:
    """Whether an allowance row had expired or been rolled over by the end of ``day``
    (``PrepaidAllowance.closed_by``)."""
    closed_on: date | None = row.get("closed_on")
    return closed_on is not None and closed_on <= day


def charged_by(charge: list[Any], day: date) -> bool:
    """Whether an allowance row had a charge (``[work date, quantity, rate, request hex]``,
    then the day its entry was given back to it, when it was) at the end of ``day``
    (``Charge.charged_by``). Rows of charges with no such day (all those recorded before q2c
    kept it) are stored as before."""
    return len(charge) < 5 or charge[4] is None or charge[4] <= day


def allowance_draws(
    row: Row, as_of: date | None = None, billed: dict[str, Decimal] | None = None
) -> dict[str, tuple[Decimal, Decimal]]:
    """(covered, overage) per charge key, drawn in work-date order (the aggregate's own rule).

    Without ``as_of``: as recorded, on what was granted (once closed, on what was consumed
    then). With it, as the allowance stood at the end of that day (``PrepaidAllowance.draws_on``):
    on what was granted by then, or once closed by then on what was consumed when it closed.
    Every charge the allowance had by then (``charged_by``) is drawn, those dated after
    ``as_of`` last (work-date order), so the draws of the work dated by then are the domain's;
    what is owed of later work is the caller's to leave out. A charge given back to the
    allowance after ``as_of`` has no draw of that day.

    ``billed``: the overage invoices held billed on ``as_of``, by charge key
    (``PrepaidAllowance.draws_on``), where the row's own is what is billed as recorded."""
    from uuid import UUID

    charges = [
        Charge(key.split(":", 1)[1], UUID(c[3]), c[0], c[1], Money(c[2], row["currency"]))
        for key, c in row["charges"].items()
        if as_of is None or charged_by(c, as_of)
    ]
    if as_of is None or closed_by(row, as_of):
        cap = row["granted"] if row["cap"] is None else row["cap"]
    else:
        cap = granted_by(row, as_of)
    draws = draw_in_work_date_order(cap, charges, row["billed"] if billed is None else billed)
    return {k: (d.covered, d.overage) for k, d in draws.items()}


def apply_allowance_event(row: dict[str, Any], event: DomainEvent) -> None:
    """Follow an allowance's grant, charges, billed overage and closing (the aggregate's rules)."""
    e: Any = event
    name = type(event).__name__
    if name == "WorkCharged":
        c = e.charge
        stored = [c.work_date, c.quantity, c.rate.amount, uuid_hex(c.request_id.int)]
        given_back_on = getattr(c, "given_back_on", None)
        if given_back_on is not None:  # (``charged_by``)
            stored.append(given_back_on)
        row["charges"][charge_key(uuid_hex(c.request_id.int), c.entry_id)] = stored
    elif name == "ChargeWithdrawn":  # (its entry withdrawn as logged in error)
        row["charges"].pop(charge_key(uuid_hex(e.request_id.int), e.entry_id), None)
        if row["cap"] is not None:  # (closed: the rest of what it covered is forfeited)
            kept = sum((d[0] for d in allowance_draws(row).values()), Decimal(0))
            row["forfeited"] = row.get("forfeited", Decimal(0)) + row["cap"] - kept
            row["cap"] = kept
    elif name == "OverageBilled":  # (quantities by charge key; older events by entry id)
        for k, q in e.quantities.items():
            key = resolve_charge_key(k, row["charges"])
            row["billed"][key] = row["billed"].get(key, Decimal(0)) + q
    elif name == "OverageReleased":
        for k, q in e.quantities.items():
            key = resolve_charge_key(k, row["charges"])
            row["billed"][key] -= q
            if row["billed"][key] == 0:
                del row["billed"][key]
    elif name == "ToppedUp":
        row["granted"] += e.quantity
        row["top_ups"].append([e.topped_up_on, e.quantity])
    elif name in ("Expired", "RolledOver"):
        draws = allowance_draws(row)
        row["cap"] = sum((d[0] for d in draws.values()), Decimal(0))
        row["status"] = "EXPIRED" if name == "Expired" else "ROLLED_OVER"
        row["closed_on"] = e.expired_on if name == "Expired" else e.rolled_over_on
        row["forfeited"] = (
            row["granted"] - row["cap"] - (e.quantity if name == "RolledOver" else Decimal(0))
        )
        row["rolled_over"] = e.quantity if name == "RolledOver" else Decimal(0)
