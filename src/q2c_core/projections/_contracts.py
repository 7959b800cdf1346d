"""A contract's billing schedule as the read side sees it: periods, and which are billed.

Per billed period the row also keeps the contract state its invoice (and corrections since)
billed, its *basis*, so a changed history (or a voided correction) shows what the next run will
bill or credit. A basis counts from the day its invoice was drafted until the day it was voided,
as the period's billed span does (``is_billed``), and a correction of it from its run's day until
its documents' void day, so a run or a void leaves an earlier day's correction as it was. States
are kept once each in ``row["states"]``, a new copy only after a change.

An evergreen (``auto_renew``) contract whose term has ended by a query's date (or, billed in
advance, ends within the period due then) is read as the billing run would bill it on that
date: renewed by its signed term's length, with its uplift, as often as the run would renew it
(``as_billed_on``); the stored row is left as it is, since only the run's ``Renewed`` events
renew it.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import DomainEvent

from q2c_core.domain.billing import (
    charge_period,
    correct_period,
    due_periods,
    renewal_end,
    renewal_horizon,
    slices_total,
    whole_months,
)
from q2c_core.domain.billing_records import period_key
from q2c_core.domain.contract import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    MovedFrom,
    PeriodAlignment,
    PricePoint,
    SubContract,
    SubContractKind,
    covered_end,
)
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.money import Money
from q2c_core.domain.values import Period
from q2c_core.projections.base import uuid_hex
from q2c_core.projections.store import Row

ZERO = Decimal(0)


# the events that change a contract's term, status or sub-contracts (``apply_contract_event``)
CONTRACT_CHANGES = (
    "Contract.Activated",
    "Contract.Suspended",
    "Contract.Reactivated",
    "Contract.Renewed",
    "Contract.Terminated",
    "Contract.Expired",
    "Contract.SubContractAdded",
    "Contract.SubContractRemoved",
    "Contract.SubContractExtended",
    "Contract.SubContractRepriced",
    "Contract.SubContractReassignedAway",
    "Contract.SubContractReassignedHere",
)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _sub(sub_id: str, data: list[Any], currency: str) -> SubContract:
    """A sub-contract from its row form ``[from, to, prices(, moved_from)]``."""
    moved = data[3] if len(data) > 3 else None
    return SubContract(
        sub_id,
        sub_id,
        SubContractKind.SERVICE,
        data[0],
        [PricePoint(eff, Money(price, currency)) for eff, price in data[2]],
        effective_to=data[1],
        moved_from=_moved_from(moved, currency) if moved is not None else None,
    )


def _moved_from(data: dict[str, Any], currency: str) -> MovedFrom:
    sub_id, sub = data["sub"]
    return MovedFrom(
        _sub(sub_id, sub, currency),
        Period(*data["period"]),
        Period(*data["term"]),
        BillingFrequency[data["frequency"]],
        DayCount[data["day_count"]],
    )


def _moved_row(moved: MovedFrom | None) -> dict[str, Any] | None:
    """``SubContract.moved_from`` in row form (the source's side of the period of a move)."""
    if moved is None:
        return None
    return {
        "sub": [moved.sub.sub_id, _sub_row(moved.sub)],
        "period": [moved.period.start, moved.period.end],
        "term": [moved.term.start, moved.term.end],
        "frequency": moved.frequency.name,
        "day_count": moved.day_count.name,
    }


def _sub_row(sub: SubContract) -> list[Any]:
    return [sub.effective_from, sub.effective_to, _prices(sub), _moved_row(sub.moved_from)]


def sub_contracts_of(row: Row, subs: dict[str, list[Any]] | None = None) -> list[SubContract]:
    """A contract row's sub-contracts (or those of a kept basis, ``subs``), as the domain's
    values, in sub-contract id order."""
    found = row["subs"] if subs is None else subs
    return [_sub(sub_id, data, row["currency"]) for sub_id, data in sorted(found.items())]


def due_unbilled(row: Row, as_of: date) -> list[tuple[Period, date, Money]]:
    """Billing periods due by ``as_of`` (the billing run's own rule) not billed at its end
    (``is_billed``), with the day they fell due and their charge (the billing run's own
    proration). None of a contract that turned out never served (``never_served``): the run
    bills it no new period, and credits what it billed (``pending_corrections``)."""
    if never_served(row):
        return []
    term = Period(row["start"], row["end"])
    frequency = BillingFrequency[row["frequency"]]
    alignment = PeriodAlignment[row["alignment"]]
    timing = BillingTiming[row["timing"]]
    subs = sub_contracts_of(row)
    result = []
    for period in due_periods(term, frequency, alignment, timing, as_of):
        if is_billed(row, period, as_of):
            continue
        covered = period.intersection(term)
        assert covered is not None
        due = covered.start if timing is BillingTiming.IN_ADVANCE else covered.end
        slices = charge_period(
            subs, period, term, frequency, DayCount[row["day_count"]], row["currency"]
        )
        charge = slices_total(slices, row["currency"])
        if charge.is_zero():
            # no sub-contract covered, or every covered day free: the run drafts no invoice
            # for it (it records the period billed free of charge)
            continue
        result.append((period, due, charge))
    return result


def as_billed_on(row: Row, as_of: date) -> Row:
    """The row as the billing run on ``as_of`` bills it: an evergreen contract (live, its term
    ended by then or, billed in advance, ending in the period due: ``renewal_horizon``)
    renewed by its signed term's length with its uplift, as often as the run renews it
    (``renewal_end``, the run's own rule); any other row as it is. A renewal that would raise
    a price past what an amount holds (an uplift of 1,000 % typed for 10 %) the run cannot
    make (it skips the contract and flags it, ``SkippedContract``): the row is renewed up to
    the term before it, as the revenue schedule renews it (``contract_terms``), so the days
    served and never billed stay unbilled, not dropped because the run skips them.

    A renewed copy shares the billed periods and bases with the stored row, which it leaves
    unchanged.
    """
    if not (row.get("auto_renew") and row["status"] in ("ACTIVE", "SUSPENDED")):
        return row
    term = Period(row["start"], row["end"])
    through = renewal_horizon(
        term,
        BillingFrequency[row["frequency"]],
        PeriodAlignment[row["alignment"]],
        BillingTiming[row["timing"]],
        as_of,
    )
    if term.end > through:
        return row
    renewed = {**row, "subs": copy.deepcopy(row["subs"])}
    done = 0
    while term.end <= through:
        new_end = renewal_end(term, renewed["renew_months"], renewed["renew_days"])
        try:
            renew(renewed, new_end, renewed["uplift"], {})
        except InvalidValue as error:
            if error.field != "amount":
                raise
            # the run cannot renew it (it skips it): the terms it renewed to, and no further
            # (``renew`` priced some sub-contracts already: renewed again from the stored row)
            return _renewed_times(row, done)
        done += 1
        term = Period(renewed["start"], renewed["end"])
    return renewed


def _renewed_times(row: Row, times: int) -> Row:
    """A copy of ``row`` renewed ``times`` times by its term's length, with its uplift."""
    if not times:
        return row
    renewed = {**row, "subs": copy.deepcopy(row["subs"])}
    for _ in range(times):
        term = Period(renewed["start"], renewed["end"])
        renew(renewed, renewal_end(term, row["renew_months"], row["renew_days"]), row["uplift"], {})
    return renewed


def pending_corrections(row: Row, as_of: date) -> list[tuple[Period, Money]]:
    """Billed periods whose history changed since their basis, with the net the run of
    ``as_of`` bills (in arrears, days to bill once the period's covered days are served:
    ``Contract.correction_waits``).

    The basis is the contract's state the period's invoice (and corrections since) added up to,
    kept on the row when the run recorded it; a voided correction rolls it back. It is read on
    ``as_of`` (``basis_on``): a period whose invoice was drafted later, or voided by then, is
    not billed that day, so it has nothing to correct (it is due in full), and a correction
    counts from its run's day until its documents' void day. The amount is
    what ``correct_period`` bills less what it credits, comparing ``charge_period`` on that
    basis with ``charge_period`` on today's state (the billing run's own comparison); negative
    when a credit note is due. A correction of free days only (every amount 0.00) is left out:
    it has nothing to bill or credit.

    A contract that turned out never served (``never_served``: ended on or before its go-live
    day) charges nothing today, and a basis kept once it was so charged nothing (``never`` on
    the state, ``billing_run._charged``): so every day a run billed before the ending was
    recorded shows as a credit due, the days before the termination too, and once the run has
    credited them nothing more.
    """
    frequency = BillingFrequency[row["frequency"]]
    convention = DayCount[row["day_count"]]
    currency = row["currency"]
    term = Period(row["start"], row["end"])
    subs = sub_contracts_of(row)
    result = []
    arrears = row["timing"] == "IN_ARREARS"
    gone = never_served(row)
    for entry in row.get("bases", {}).values():
        billing = basis_on(entry, as_of)
        if billing is None:
            continue
        period = Period(*entry["period"])
        # the latest correction standing that day, else the billing's own state (the first)
        state = row["states"][
            next(
                index
                for index, _, since, until in reversed(billing["steps"])
                if (since is None or since <= as_of) and (until is None or until > as_of)
            )
        ]
        basis_term = Period(state["start"], state["end"])
        before = (
            []
            if state.get("never")
            else charge_period(
                sub_contracts_of(row, state["subs"]),
                period,
                basis_term,
                frequency,
                convention,
                currency,
            )
        )
        fresh = [] if gone else charge_period(subs, period, term, frequency, convention, currency)
        if fresh == before:
            continue
        correction = correct_period(before, fresh, period, frequency, convention, currency)
        if all(s.amount.is_zero() for s in (*correction.credits, *correction.charges)):
            # (nothing to credit or bill, only free days: the run drafts no invoice for them)
            continue
        end = covered_end(period, term)
        added = covered_end(period, basis_term) < end  # (days a renewal added to the period)
        if arrears and added and end > as_of and not correction.credits:
            continue  # (in arrears they wait until served: ``Contract.correction_waits``)
        net = slices_total(correction.charges, currency) - slices_total(
            correction.credits, currency
        )
        result.append((period, net))
    result.sort(key=lambda item: item[0].start)
    return result


def _state(row: Row) -> int:
    """Index of the contract's current charge state in ``row["states"]`` (kept once each):
    its sub-contracts, term, and whether it had turned out never served then (``never``: a
    basis so kept charged nothing, ``pending_corrections``)."""
    states: list[Row] = row.setdefault("states", [])
    if row.get("changed", True) or not states:
        states.append(
            {
                "subs": copy.deepcopy(row["subs"]),
                "start": row["start"],
                "end": row["end"],
                "never": never_served(row),
            }
        )
        row["changed"] = False
    return len(states) - 1


def record_basis(row: Row, period: Period, invoice: str, on: date | None) -> None:
    """A run billed the period on the contract's current state (``PeriodBilled``), by
    ``invoice`` (``""``: billed free of charge, no invoice) on day ``on`` (``None`` in events
    recorded without it: billed on every day).

    The run records the event right after planning on the version it names as the basis, with
    no change to the sub-contracts or term in between, so the current state is that basis. A
    period billed again after its invoice was voided gets a basis of its own: each counts from
    its day until its invoice's void day (``basis_on``).
    """
    bases = row.setdefault("bases", {})
    entry = bases.setdefault(
        period_key(period), {"period": [period.start, period.end], "billings": []}
    )
    entry["billings"].append(
        {"invoice": invoice, "from": on, "until": None, "steps": [[_state(row), [], None, None]]}
    )


def record_correction(row: Row, period: Period, document_ids: list[str], on: date | None) -> None:
    """A run corrected the period to the contract's current state (``PeriodCorrected``): the
    basis billed last (the one the contract keeps), from the run's day ``on`` (``None`` in
    events recorded without it: from every day) until its documents are voided
    (``release_correction``). Each step is ``[state, documents, from, until]``; the first, the
    billing's own, counts on the billing's days."""
    entry = row.setdefault("bases", {}).get(period_key(period))
    if entry is not None and entry["billings"]:
        entry["billings"][-1]["steps"].append([_state(row), document_ids, on, None])


def release_basis(row: Row, invoice: str, day: date | None, period: Period | None = None) -> None:
    """The invoice that billed periods (``period`` only, or every one) was voided on ``day``:
    their bases end there (``PeriodReleased``), before it they stand as they were; a void
    recorded without its day billed them on no day (dropped)."""
    for key, entry in row.setdefault("bases", {}).items():
        if period is not None and key != period_key(period):
            continue
        kept = []
        for billing in entry["billings"]:
            if invoice and billing["invoice"] == invoice and billing["until"] is None:
                if day is None:
                    continue  # (billed on no day)
                billing["until"] = day
            kept.append(billing)
        entry["billings"] = kept


def release_correction(row: Row, document: str, day: date | None) -> None:
    """A document of a period's correction was voided on ``day`` (``PeriodCorrectionReleased``,
    its documents voided together): the correction ends there, so from that day the basis is
    back to before it, and before it the correction stands as it was; a void recorded without
    its day corrected it on no day (dropped)."""
    for entry in row.setdefault("bases", {}).values():
        for billing in entry["billings"]:
            steps = billing["steps"]
            kept = steps[:1]
            for step in steps[1:]:
                if document in step[1] and step[3] is None:
                    if day is None:
                        continue  # (corrected on no day)
                    step[3] = day
                kept.append(step)
            billing["steps"] = kept


def basis_on(entry: dict[str, Any], day: date) -> dict[str, Any] | None:
    """The basis of a billed period (an entry of ``row["bases"]``) that stands at the end of
    ``day``: billed by then (``from``, ``None``: every day) and not voided by then (``until``,
    ``None``: not voided); None when the period was not billed that day."""
    live = None
    for billing in entry["billings"]:
        since, until = billing["from"], billing["until"]
        if (since is None or since <= day) and (until is None or until > day):
            live = billing
    return live


def is_billed(row: Row, period: Period, day: date) -> bool:
    """Whether a line of an invoice (or a period-billed event) covered part of the period at
    the end of ``day``: each billed span ``[start, end, invoice, from, until]`` counts from
    the day its invoice was drafted (or the run billed it) until the day the invoice was voided
    (``None``: a day not known, so from every day, or until no day), as an invoice holds a
    request's work (``Invoice.holds_work_on``). So a period billed tomorrow is due today, and
    a void recorded later leaves an earlier day's answer as it was."""
    return any(
        start < period.end
        and period.start < end
        and (since is None or since <= day)
        and (until is None or until > day)
        for start, end, _, since, until in row["billed"]
    )


def _prices(sub: SubContract) -> list[list[Any]]:
    return [[p.effective, p.annual_price.amount] for p in sub.prices]


def new_contract_row(event: DomainEvent) -> Row:
    """The contract facts the schedule needs, from its signing event."""
    e: Any = event
    return {
        "customer": uuid_hex(e.customer_id.int),
        "manager": e.account_manager,
        "number": e.number,
        "currency": e.currency,
        "start": e.term.start,
        "end": e.term.end,
        "frequency": e.frequency.name,
        "day_count": e.day_count.name,
        "timing": e.timing.name,
        "alignment": e.alignment.name,
        "status": "SIGNED",
        "activated": False,  # (rows without it were written before the rule: see was_activated)
        "activated_on": None,  # the go-live day (``served_by``)
        "ended_on": None,  # the day it was terminated or expired (``never_served``)
        # evergreen renewal, as the aggregate keeps it: by the signed term's own length
        "auto_renew": bool(getattr(e, "auto_renew", False)),
        "renew_months": whole_months(e.term),
        "renew_days": e.term.days,
        "uplift": getattr(e, "renewal_uplift_percent", None),
        "subs": {s.sub_id: _sub_row(s) for s in (getattr(e, "sub_contracts", None) or ())},
        "billed": [],
        "bases": {},
    }


def renew(
    row: Row, new_end: date, uplift_percent: Decimal | None, new_prices: dict[str, Money]
) -> None:
    """Extend the term to ``new_end``: each sub-contract priced from the old end on as
    ``SubContract.renewed`` prices it (the aggregate's own rule)."""
    old_end = row["end"]
    currency = row["currency"]
    for sub_id, data in row["subs"].items():
        sub = _sub(sub_id, data, currency)
        after = sub.renewed(old_end, new_prices.get(sub_id), uplift_percent)
        if after is not sub:
            point = after.prices[-1]
            data[2].append([point.effective, point.annual_price.amount])
    row["end"] = new_end


def was_activated(row: Row) -> bool:
    """Whether the contract's service ever started (``Contract.was_activated``): the billing
    run bills only such contracts, also once terminated or expired. A row stored before the
    flag existed counts as activated, as the run billed it then."""
    return bool(row.get("activated", True))


def served_by(row: Row, day: date) -> bool:
    """Whether the contract's service has started by ``day`` (``Contract.is_served_by``):
    activated, its go-live day come, and not ended (terminated or expired) on or before it,
    also when it went live after its term's end. A row stored before the go-live day was
    kept counts by ``was_activated``."""
    if "activated_on" not in row:
        return was_activated(row)
    on = row["activated_on"]
    return on is not None and on <= day and not never_served(row)


def never_served(row: Row) -> bool:
    """Whether a contract was never activated, or ended (terminated or expired) on or before
    its go-live day (``Contract.never_served``): the billing run never bills it."""
    if "activated_on" not in row:
        return not was_activated(row)
    on = row["activated_on"]
    if on is None:
        return True
    ended = row["status"] in ("TERMINATED", "EXPIRED")
    return ended and on >= (row.get("ended_on") or row["end"])


def apply_contract_event(row: Row, event: DomainEvent) -> None:
    """Follow the contract's term, status and sub-contracts (same rules as the aggregate)."""
    e: Any = event
    name = type(event).__name__
    subs: dict[str, list[Any]] = row["subs"]
    row["changed"] = True  # the next recorded basis takes a fresh copy of the state
    if name in ("SubContractAdded", "SubContractReassignedHere"):
        subs[e.sub_contract.sub_id] = _sub_row(e.sub_contract)
    elif name == "SubContractRemoved" or name == "SubContractExtended":
        subs[e.sub_id][1] = e.effective_to
    elif name == "SubContractRepriced":
        prices = subs[e.sub_id][2]
        prices.append([e.effective, e.annual_price.amount])
        # (the prices it carries into terms renewed with an uplift before it was recorded)
        prices.extend(
            [p.effective, p.annual_price.amount] for p in getattr(e, "renewed_prices", ())
        )
    elif name == "SubContractReassignedAway":
        if subs[e.sub_id][0] == e.effective:
            del subs[e.sub_id]
        else:
            subs[e.sub_id][1] = e.effective
    elif name == "Activated" or name == "Reactivated":
        row["status"] = "ACTIVE"
        row["activated"] = True
        if row.get("activated_on") is None:
            row["activated_on"] = e.effective
    elif name == "Suspended":
        row["status"] = "SUSPENDED"
    elif name == "Renewed":
        renew(row, e.new_end, e.uplift_percent, e.new_prices or {})
    elif name in ("Terminated", "Expired"):
        day = e.effective if name == "Terminated" else row["end"]
        for sub_id in list(subs):
            sub = subs[sub_id]
            if sub[1] is None or sub[1] > day:
                if max(day, sub[0]) == sub[0]:
                    del subs[sub_id]
                else:
                    sub[1] = day
        if name == "Terminated":
            row["end"] = max(row["start"], min(row["end"], e.effective))
        row["status"] = "TERMINATED" if name == "Terminated" else "EXPIRED"
        row["ended_on"] = e.effective
