"""Prepaid credit usage: per allowance, what was granted, drawn, left, over, and expiring soon."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from q2c_core.domain.values import require_whole
from q2c_core.projections._facts import (
    allowance_draws,
    charged_by,
    closed_by,
    granted_by,
    rolled_over_by,
)
from q2c_core.projections.base import check_day, handles, id_key
from q2c_core.projections.store import Row
from q2c_core.projections.unbilled import InvoiceHolds, _overage_held_on


@attrs.frozen
class AllowanceUsage:
    """One allowance, in its own unit (hours, or money of its currency)."""

    allowance_id: str
    customer_id: str
    unit: str
    currency: str
    period_start: date
    period_end: date
    granted: Decimal
    drawn: Decimal
    remaining: Decimal
    overage: Decimal
    overage_billed: Decimal
    status: str
    forfeited: Decimal
    rolled_over: Decimal
    expiring_soon: bool


class PrepaidCreditUsage(InvoiceHolds):
    """Every prepaid allowance and how it is being used.

    Allowance rows ``alw:<id>`` follow the allowance (``AllowanceChains``) with its period
    (``start``, ``end``) and what was topped up; the overage lines naming it and each
    invoice's draft, void and credit days (``InvoiceHolds``) say what invoices held billed of
    its overage on a day asked about."""

    name = "prepaid_credit_usage"

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 keys allowance charges by request and entry, so a store
        built by version 1 (by entry id) is refused until it is rebuilt from events; 3 keeps
        the day an allowance was granted and each top-up with its day (``granted_on``,
        ``top_ups``); 4 keeps the overage lines naming each allowance and every invoice's
        draft, void and credit days (``held:``, ``rbn:``), so a past day reads the overage
        invoices held billed then; 5 forfeits what a time entry withdrawn after its allowance
        closed had covered (``ChargeWithdrawn``), so granted is still drawn, forfeited or
        rolled over."""
        return {"rows": 5}

    event_cost = 6.0

    def _alw_granted(self, e: Any, oid: str) -> None:
        """As every allowance-aware read model follows it, with its period."""
        super()._alw_granted(e, oid)
        row = self.touch(f"alw:{oid}")
        assert row is not None
        row["start"] = e.period.start
        row["end"] = e.period.end
        row["topped_up"] = Decimal(0)

    def _alw_changed(self, e: Any, oid: str) -> None:
        """As every allowance-aware read model follows it, with what was topped up."""
        super()._alw_changed(e, oid)
        if type(e).__name__ == "ToppedUp":
            row = self.touch(f"alw:{oid}")
            assert row is not None
            row["topped_up"] += e.quantity

    @handles("Invoice.Drafted", "Invoice.LinesAdded")
    def _drafted(self, e: Any, oid: str) -> None:
        """An invoice holds the overage its lines bill from the day it is drafted (lines added
        to a draft from the draft's day); a re-billable credit note gives back the lines it
        credits from the day it is applied (``_credited``)."""
        if type(e).__name__ == "Drafted":
            if not self._hold_drafted(e, oid):
                return
        elif self.get(f"held:{oid}") is None:
            return
        for line in e.lines:
            source = line.source
            if source is not None and source.kind._name_ == "ALLOWANCE_OVERAGE":
                self._follow_overage(oid, line, source)

    @handles("Invoice.Credited")
    def _credited(self, e: Any, oid: str) -> None:
        """A re-billable credit note gives back the lines it credits from its day; a
        written-off one leaves them billed."""
        self._hold_credited(e, oid)

    @handles("Invoice.Voided")
    def _voided(self, e: Any, oid: str) -> None:
        """A voided invoice holds its overage until the day it was voided: on no day when the
        void was recorded without one (``Invoice.holds_work_on``)."""
        self._hold_voided(e, oid)

    def related_rows(self, key: str, row: Row) -> list[str]:
        """An allowance's overage billed on a day is read from the days of the invoices whose
        overage lines name it (``held:``: drafted, voided, credited re-billable), recorded on
        the invoice, not on the allowance: ``explain`` lists the void or credit note that gave
        its overage back on a day."""
        if not key.startswith("alw:"):
            return []
        return [f"held:{invoice}" for invoice in dict.fromkeys(h[0] for h in row.get("held", []))]

    def usage(self, as_of: date, *, expiring_within_days: int = 30) -> list[AllowanceUsage]:
        """Every allowance granted by ``as_of`` (one granted later is not listed: it did not
        exist yet), as it stood at the end of that day (``PrepaidAllowance.remaining_on``):
        what was granted by then (the grant and top-ups from their days), drawn and over by the work
        dated by then, expired or rolled over only once that was recorded for a day on or before
        it (until then open, nothing forfeited), what was rolled over as the next allowance had
        it then (``PrepaidAllowance.rolled_over_by``: hours bought after the carry-over's day
        from their own day), and the overage invoices held billed of that work at the end of
        ``as_of`` (``_overage_held_on``: an invoice from the day it was drafted until the day it
        was voided, on no day when the void was recorded without one; a line credited
        re-billable from the note's day), what the draws are read on, as
        ``customer_summary(..., as_of=...)`` reads them; work given back to it (a draft voided,
        a line credited re-billable) only from the day it was given back
        (``PrepaidAllowance.draws_on``). So a void or credit note recorded later never changes
        an earlier day's ``drawn``, ``remaining`` or ``overage_billed``. ``expiring_soon`` when
        its last day (the day before its period's exclusive end) falls within
        ``expiring_within_days`` of ``as_of`` with some left."""
        check_day(as_of)
        require_whole(expiring_within_days, "expiring_within_days")
        result = []
        rows = self.rows()
        for key, row in rows.items():
            if not key.startswith("alw:") or row["granted_on"] > as_of:
                continue  # (an allowance granted later did not exist yet on ``as_of``)
            billed = _overage_held_on(rows, key, as_of)
            draws = allowance_draws(row, as_of, billed)
            dated = [k for k, c in row["charges"].items() if c[0] <= as_of and charged_by(c, as_of)]
            drawn = sum((draws[k][0] for k in dated), Decimal(0))
            charged = sum((row["charges"][k][1] for k in dated), Decimal(0))
            granted = granted_by(row, as_of)
            closed = closed_by(row, as_of)
            is_open = not closed
            remaining = granted - drawn if is_open else Decimal(0)
            # (by days between: a horizon past the calendar's end is no date to build)
            soon = (
                is_open
                and remaining > 0
                and 0 < (row["end"] - as_of).days <= expiring_within_days + 1
            )
            result.append(
                AllowanceUsage(
                    allowance_id=key[4:],
                    customer_id=row["customer"],
                    unit=row["unit"].lower(),
                    currency=row["currency"],
                    period_start=row["start"],
                    period_end=row["end"],
                    granted=granted,
                    drawn=drawn,
                    remaining=remaining,
                    overage=charged - drawn,
                    overage_billed=sum((billed.get(k, Decimal(0)) for k in dated), Decimal(0)),
                    status=row["status"].lower() if closed else "open",
                    forfeited=row.get("forfeited", Decimal(0)) if closed else Decimal(0),
                    rolled_over=rolled_over_by(row, as_of),
                    expiring_soon=soon,
                )
            )
        result.sort(key=lambda u: (u.customer_id, u.period_start, u.allowance_id))
        return result

    def hours_left(self, customer_id: UUID | str) -> Decimal:
        """Prepaid hours still open for one customer (its id as a UUID or text: with dashes,
        or the 32 hex digits the reports print). A text that is no id is refused
        (``InvalidValue`` naming ``customer_id``), not read as a customer with none left."""
        key = id_key(customer_id, "customer_id")
        return sum(
            (
                u.remaining
                for u in self.usage(date.max)  # (as recorded: every day is by the last one)
                if u.customer_id == key and u.unit == "hours"
            ),
            Decimal(0),
        )
