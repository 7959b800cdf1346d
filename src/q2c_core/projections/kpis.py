"""KPIs: billable-hours %, utilisation (logged / available hours), time entered vs invoiced.

A worker is a person, as an account manager is (``_managers``): "Dana", "dana" and "dana "
are one worker, whose rows are keyed by ``person_key`` and who is shown by the spelling the
history first named her by (row ``wk:<person_key>`` -> ``{"name": spelling}``), so following
the books and rebuilding them show the same.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from q2c_core.domain.enhancement_request import MIN_ENTRY_HOURS
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.invoice import InvoiceKind
from q2c_core.domain.invoice_lines import SourceKind
from q2c_core.domain.prepaid_allowance import charge_key, resolve_charge_key
from q2c_core.domain.values import Period, person_key
from q2c_core.projections.base import Projection, check_period, handles, uuid_hex, working_days
from q2c_core.projections.store import ProjectionStore, Row

ZERO = Decimal(0)
# a line's hours split over several time entries in part: each share to the millionth of an
# hour, the last taking what is left, so the shares add up to the line's hours exactly
SHARE = Decimal("0.000001")


def working_hours(value: Any, field: str) -> Decimal:
    """Hours in a working day a query is given, as a Decimal: a Decimal or a whole number
    (``int``, not a bool), finite, at least ``MIN_ENTRY_HOURS`` (a hundredth of an hour, the
    least a time entry holds) and at most 24, else ``InvalidValue`` naming ``field`` (a
    float's binary fraction is no exact number of hours; NaN compares with nothing, so it
    would crash the comparison; ``True`` is no hour; a day of 1E-30 hours is no working day,
    and a share of it has more digits than a Decimal holds)."""
    if type(value) is int:
        hours = Decimal(value)
    elif isinstance(value, Decimal):
        hours = value
    else:
        raise InvalidValue(
            f"must be a Decimal or a whole number of hours, not {type(value).__name__}",
            field=field,
            value=value,
        )
    if not hours.is_finite():
        raise InvalidValue("must be a finite number of hours", field=field, value=value)
    if not 0 < hours <= 24:
        raise InvalidValue("must be more than 0 and at most 24", field=field, value=value)
    if hours < MIN_ENTRY_HOURS:
        raise InvalidValue(
            f"must be at least {MIN_ENTRY_HOURS} of an hour (36 seconds, the least a time "
            "entry holds): less is no working day",
            field=field,
            value=value,
        )
    return hours


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """``part`` of ``whole`` as a percentage to one decimal, half up as every figure in q2c
    (6.25 % reads 6.3, not the 6.2 of Decimal's default); 0 of nothing."""
    if not whole:
        return ZERO
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@attrs.frozen
class WorkerCustomerTime:
    """Hours one worker entered for one customer, and how many of them were invoiced."""

    worker: str
    customer_id: str
    entered: Decimal
    billable: Decimal
    invoiced: Decimal

    @property
    def billable_percent(self) -> Decimal | None:
        """Billable hours as a percentage of all hours entered; None when none are entered
        (every entry withdrawn): a share of no hours is no percentage, and 0 would say none of
        the worker's hours were billable (the report leaves the cell blank)."""
        return percent(self.billable, self.entered) if self.entered else None


@attrs.frozen
class Utilisation:
    """Hours logged by one worker in a period against the hours available."""

    worker: str
    period: Period
    logged: Decimal
    billable: Decimal
    available: Decimal

    @property
    def utilisation_percent(self) -> Decimal | None:
        """Logged / available, as a percentage; None when no hours are available (a period of
        weekend days only): a share of nothing is no percentage, and 0.0 would say the worker
        did nothing when she logged hours (the report leaves the cell blank)."""
        if not self.available:
            return None
        return percent(self.logged, self.available)

    @property
    def billable_percent(self) -> Decimal | None:
        """Billable / logged, as a percentage; None when no hours are logged in the period
        (its entries withdrawn), as ``utilisation_percent`` of no hours available."""
        return percent(self.billable, self.logged) if self.logged else None


class Kpis(Projection):
    """Time KPIs per worker and customer."""

    name = "kpis"

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 keys allowance charges by request and entry; 3 keeps the
        hours of money-allowance overage billed per charge (``overage``) beside the summed
        hours, so billing and releasing it leaves no division dust; 4 counts as invoiced the
        hours the invoice lines bill of each time entry (kept on the entry's row as ``bill``),
        not the hours logged, so a write-down shows; 5 keys a worker's rows (``wc:``, ``wd:``
        and the entries' ``worker``) by ``person_key``, the spelling shown kept in ``wk:``; 6
        reads a worker's name without every default-ignorable character (a combining grapheme
        joiner, a Hangul filler, a variation selector: ``person_key``), so ``wk:``, ``wc:`` and
        ``wd:`` rows keyed with one are keyed again; 7 reads a worker's name as it shows: a C1
        control character dropped, a blank (the braille blank U+2800) read as a space
        (``person_key``), so ``wk:``, ``wc:`` and ``wd:`` rows keyed with one are keyed again.
        A store built by an earlier version is refused until it is rebuilt from events."""
        return {"rows": 7}

    event_cost = 8.0
    # its worker/customer and worker/day totals come back long after (customers registered
    # months apart share working days): small rows, kept for a few pages more
    cache_generations = 4

    def __init__(self, store: ProjectionStore | None = None) -> None:
        super().__init__(store)
        # worker as typed -> person_key, for the names this instance has recorded (``wk:``
        # written); dropped with the cache, as a failed commit loses the ``wk:`` rows
        self._workers: dict[str, str] = {}

    def _worker_key(self, name: str) -> str:
        """The key of the worker typed ``name``, the spelling it is shown by recorded the first
        time the person is named (a blank name of an entry from before blanks were refused is
        one nobody, shown as first typed)."""
        key = self._workers.get(name)
        if key is None:
            key = self._workers[name] = person_key(name)
            if self.get(f"wk:{key}") is None:
                self.put(f"wk:{key}", {"name": name})
        return key

    def _shown(self, key: str) -> str:
        row = self.get(f"wk:{key}")
        return str(row["name"]) if row is not None else key

    def forget_cache(self) -> None:
        """Drop cached rows and the worker keys worked out from them."""
        super().forget_cache()
        self._workers.clear()

    def related_rows(self, key: str, row: Row) -> list[str]:
        """A worker's hours invoiced for a customer are what invoice lines bill of their time
        entries (kept on the entries' rows, ``e:``): ``explain`` lists those invoices'
        drafting too. Read at explain time only (a scan of the rows)."""
        if not key.startswith("wc:"):
            return []
        worker, customer = key[3:].rsplit("|", 1)
        rows = self.rows()
        requests = {
            k[4:] for k, r in rows.items() if k.startswith("req:") and r["customer"] == customer
        }
        return sorted(
            k
            for k, r in rows.items()
            if k.startswith("e:")
            and "bill" in r
            and r["worker"] == worker
            and k[2:].split("|", 1)[0] in requests
        )

    @handles("EnhancementRequest.Requested")
    def _requested(self, e: Any, oid: str) -> None:
        self.put(f"req:{oid}", {"customer": uuid_hex(e.customer_id.int)})

    @handles("EnhancementRequest.WorkLogged", "EnhancementRequest.UnauthorizedWorkRecorded")
    def _work(self, e: Any, oid: str) -> None:
        x = e.entry
        req = self.get(f"req:{oid}")
        customer = req["customer"] if req else ""
        hours = x.hours
        billable = hours if x.billable else ZERO
        worker = self._worker_key(x.worker)
        self.put(f"e:{oid}|{x.entry_id}", {"worker": worker, "hours": hours})
        self._enter(f"wc:{worker}|{customer}", hours, billable)
        self._enter(f"wd:{worker}|{x.work_date.isoformat()}", hours, billable)

    @handles("EnhancementRequest.WorkWithdrawn")
    def _withdrawn(self, e: Any, oid: str) -> None:
        """A time entry withdrawn as logged in error was never time entered: its hours come
        off the worker's customer and day (no invoice billed it: the request refuses that)."""
        x = e.entry
        if self.get(f"e:{oid}|{x.entry_id}") is None:
            return
        req = self.get(f"req:{oid}")
        customer = req["customer"] if req else ""
        hours = x.hours
        billable = hours if x.billable else ZERO
        worker = self._worker_key(x.worker)
        self.delete(f"e:{oid}|{x.entry_id}")
        self._enter(f"wc:{worker}|{customer}", -hours, -billable)
        self._enter(f"wd:{worker}|{x.work_date.isoformat()}", -hours, -billable)

    def _enter(self, key: str, entered: Decimal, billable: Decimal) -> None:
        row = self._cache.get(key)  # (``touch`` inline: two per time entry)
        if row is None:
            row = self.get(key)
        if row is None:
            self._cache[key] = {
                "entered": ZERO + entered,
                "billable": ZERO + billable,
                "invoiced": ZERO,
            }
        else:
            row["entered"] += entered
            row["billable"] += billable
        self._dirty.add(key)

    @handles("Invoice.Drafted")
    def _drafted(self, e: Any, oid: str) -> None:
        """The hours each line bills of each time entry it names, kept on the entry's row with
        the invoice (``bill``) for the request's ``WorkInvoiced`` saved with the draft. A line
        states its hours (``LineSource.hours``); one stating none bills its quantity when it
        is work by the hour, else (a fixed price) the entries as logged. A line naming several
        entries bills them whole when its hours are theirs, else shares its hours in
        proportion to their logged hours. A credit note bills nothing, and an overage line's
        hours are followed on its allowance (``_overage``)."""
        if e.kind is InvoiceKind.CREDIT_NOTE:
            return
        for line in e.lines:
            s = line.source
            if s is None:
                continue
            ids = s.time_entry_ids
            if not ids or s.request_id is None or s.kind is SourceKind.ALLOWANCE_OVERAGE:
                continue
            rid = uuid_hex(s.request_id.int)
            hours = s.hours
            if hours is None and s.kind is SourceKind.WORK and not s.fixed_price:
                hours = line.quantity
            if len(ids) == 1:
                entry = self.touch(f"e:{rid}|{ids[0]}")
                if entry is not None:
                    entry["bill"] = [oid, entry["hours"] if hours is None else hours]
                continue
            entries = [self.touch(f"e:{rid}|{entry_id}") for entry_id in ids]
            logged = [entry["hours"] if entry is not None else ZERO for entry in entries]
            whole = sum(logged, ZERO)
            if hours is None or hours == whole:
                shares = logged
            elif not whole:
                shares = [ZERO] * (len(ids) - 1) + [hours]
            else:
                shares = [(h * hours / whole).quantize(SHARE) for h in logged[:-1]]
                shares.append(hours - sum(shares, ZERO))
            for entry, share in zip(entries, shares, strict=True):
                if entry is not None:
                    entry["bill"] = [oid, share]

    @handles("EnhancementRequest.WorkInvoiced", "EnhancementRequest.WorkReleased")
    def _invoiced(self, e: Any, oid: str) -> None:
        """Hours invoiced: what the invoice's lines bill of each entry (``_drafted``); a
        release (the invoice voided, its line credited as re-billable) takes back the same."""
        sign = 1 if type(e).__name__ == "WorkInvoiced" else -1
        invoice = uuid_hex(e.invoice_id.int)
        req = self.get(f"req:{oid}")
        customer = req["customer"] if req else ""
        for item_id in e.item_ids:
            entry = self.get(f"e:{oid}|{item_id}")
            if entry is not None:  # expenses have no hours
                bill = entry.get("bill")
                hours = bill[1] if bill is not None and bill[0] == invoice else entry["hours"]
                key = f"wc:{entry['worker']}|{customer}"
                row = self.touch(key)
                if row is None:
                    row = {"entered": ZERO, "billable": ZERO, "invoiced": ZERO}
                    self.put(key, row)
                row["invoiced"] += sign * hours

    @handles("PrepaidAllowance.Granted")
    def _granted(self, e: Any, oid: str) -> None:
        self.put(f"alw:{oid}", {"unit": e.unit.name, "charges": {}})

    @handles("PrepaidAllowance.WorkCharged")
    def _charged(self, e: Any, oid: str) -> None:
        row = self.touch(f"alw:{oid}")
        assert row is not None
        c = e.charge
        rid = uuid_hex(c.request_id.int)
        row["charges"][charge_key(rid, c.entry_id)] = [rid, c.quantity]

    @handles("PrepaidAllowance.ChargeWithdrawn")
    def _charge_withdrawn(self, e: Any, oid: str) -> None:
        row = self.touch(f"alw:{oid}")
        if row is not None:
            row["charges"].pop(charge_key(uuid_hex(e.request_id.int), e.entry_id), None)

    @handles("PrepaidAllowance.OverageBilled", "PrepaidAllowance.OverageReleased")
    def _overage(self, e: Any, oid: str) -> None:
        sign = 1 if type(e).__name__ == "OverageBilled" else -1
        row = self.get(f"alw:{oid}")
        if row is None:
            return
        billed = row.setdefault("billed", {})
        for k, quantity in e.quantities.items():  # (by charge key; older events by entry id)
            key = resolve_charge_key(k, row["charges"])
            rid, charged = row["charges"][key]
            entry = self.get(f"e:{rid}|{key.split(':', 1)[1]}")
            req = self.get(f"req:{rid}")
            if entry is None or req is None:
                continue
            # the hours follow the charge's billed quantity (exact in the allowance's unit),
            # worked out afresh each time: a money share of an entry's hours is not exact, and
            # adding then taking it off a total would leave dust
            total = billed.get(key, ZERO) + sign * quantity
            if total:
                billed[key] = total
            else:
                billed.pop(key, None)
            if row["unit"] == "HOURS":
                hours = total
            elif total == charged:
                hours = entry["hours"]
            else:
                hours = entry["hours"] * total / charged
            wc = f"wc:{entry['worker']}|{req['customer']}"
            totals = self.get(wc) or {"entered": ZERO, "billable": ZERO, "invoiced": ZERO}
            overage = totals.setdefault("overage", {})
            if hours:
                overage[f"{oid}|{key}"] = hours
            else:
                overage.pop(f"{oid}|{key}", None)
            self.put(wc, totals)
        self.put(f"alw:{oid}", row)

    # -- queries ------------------------------------------------------------------------------

    def time_entered_vs_invoiced(self) -> list[WorkerCustomerTime]:
        """Per worker and customer: hours entered, billable, invoiced."""
        result = []
        for key, row in self.rows_with_prefix("wc:"):
            worker, customer = key[3:].rsplit("|", 1)
            result.append(
                WorkerCustomerTime(
                    self._shown(worker),
                    customer,
                    row["entered"],
                    row["billable"],
                    row["invoiced"] + sum(row.get("overage", {}).values(), ZERO),
                )
            )
        result.sort(key=lambda t: (t.worker, t.customer_id))
        return result

    def utilisation(
        self, period: Period, *, hours_per_day: Decimal = Decimal(8)
    ) -> list[Utilisation]:
        """Per worker: hours logged in the period over working days x hours per day.

        ``hours_per_day`` is a Decimal or a whole number (a float, a bool, NaN or an infinity
        is no number of hours), at least a hundredth of an hour and at most 24, else
        ``InvalidValue`` naming it; a period of datetimes (a time of day) is refused naming
        ``period``. The hours available are a Decimal."""
        check_period(period)
        per_day = working_hours(hours_per_day, "hours_per_day")
        available = per_day * working_days(period.start, period.end)
        per_worker: dict[str, list[Decimal]] = {}
        for key, row in self.rows_with_prefix("wd:"):
            worker, day = key[3:].rsplit("|", 1)
            if date.fromisoformat(day) not in period:
                continue
            totals = per_worker.setdefault(worker, [ZERO, ZERO])
            totals[0] += row["entered"]
            totals[1] += row["billable"]
        return sorted(
            (
                Utilisation(self._shown(worker), period, logged, billable, available)
                for worker, (logged, billable) in per_worker.items()
            ),
            key=lambda u: u.worker,
        )

    def billable_hours_percent(self) -> Decimal | None:
        """All billable hours over all hours entered, as a percentage; None when no hours
        are entered (a share of no hours is no percentage, not 0)."""
        entered = billable = ZERO
        for _, row in self.rows_with_prefix("wc:"):
            entered += row["entered"]
            billable += row["billable"]
        return percent(billable, entered) if entered else None
