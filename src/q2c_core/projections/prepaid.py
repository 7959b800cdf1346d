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
    apply_allowance_event,
    charged_by,
    closed_by,
    granted_by,
    new_allowance_row,
    rolled_over_by,
)
from q2c_core.projections.base import Projection, check_day, handles, id_key, uuid_hex


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


class PrepaidCreditUsage(Projection):
    """Every prepaid allowance and how it is being used."""

    name = "prepaid_credit_usage"

    def config(self) -> dict[str, Any]:
        """The row layout's version: 2 keys allowance charges by request and entry, so a store
        built by version 1 (by entry id) is refused until it is rebuilt from events; 3 keeps
        the day an allowance was granted and each top-up with its day (``granted_on``,
        ``top_ups``)."""
        return {"rows": 3}

    replay_cost = 0.45

    @handles("PrepaidAllowance.Granted")
    def _granted(self, e: Any, oid: str) -> None:
        row = new_allowance_row(
            uuid_hex(e.customer_id.int), e.unit.name, e.quantity, e.currency, e.granted_on
        )
        row["start"] = e.period.start
        row["end"] = e.period.end
        row["topped_up"] = Decimal(0)
        self.put(f"alw:{oid}", row)

    @handles(
        "PrepaidAllowance.WorkCharged",
        "PrepaidAllowance.OverageBilled",
        "PrepaidAllowance.OverageReleased",
        "PrepaidAllowance.ToppedUp",
        "PrepaidAllowance.Expired",
        "PrepaidAllowance.RolledOver",
    )
    def _changed(self, e: Any, oid: str) -> None:
        row = self.touch(f"alw:{oid}")
        assert row is not None
        apply_allowance_event(row, e)
        if type(e).__name__ == "ToppedUp":
            row["topped_up"] += e.quantity

    def usage(self, as_of: date, *, expiring_within_days: int = 30) -> list[AllowanceUsage]:
        """Every allowance as it stood at the end of ``as_of`` (``PrepaidAllowance.remaining_on``):
        granted by then (the grant and top-ups from their days), drawn and over by the work
        dated by then, expired or rolled over only once that was recorded for a day on or before
        it (until then open, nothing forfeited), what was rolled over as the next allowance had
        it then (``PrepaidAllowance.rolled_over_by``: hours bought after the carry-over's day
        from their own day), and the overage invoices bill of that work as
        recorded; work given back to it (a draft voided, a line credited re-billable) only from
        the day it was given back (``PrepaidAllowance.draws_on``). ``expiring_soon`` when its
        last day (the day before its period's exclusive end) falls within
        ``expiring_within_days`` of ``as_of`` with some left.

        Overage billing counts as recorded now, not as invoices held it on ``as_of``: when an
        invoice that billed overage was voided (or its line credited re-billable) after
        ``as_of``, the hours it held draw on the allowance here as they do today, so a past
        day's ``remaining`` can differ from ``customer_summary(..., as_of=...)``, which reads
        what invoices held on that day. For the books as they stood then, rebuild as of that
        moment (``q2c report --as-of``)."""
        check_day(as_of)
        require_whole(expiring_within_days, "expiring_within_days")
        result = []
        for key, row in self.rows_with_prefix("alw:"):
            draws = allowance_draws(row, as_of)
            dated = [k for k, c in row["charges"].items() if c[0] <= as_of and charged_by(c, as_of)]
            drawn = sum((draws[k][0] for k in dated), Decimal(0))
            charged = sum((row["charges"][k][1] for k in dated), Decimal(0))
            granted = granted_by(row, as_of)
            closed = closed_by(row, as_of)
            is_open = not closed
            remaining = granted - drawn if is_open and row["granted_on"] <= as_of else Decimal(0)
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
                    overage_billed=sum(
                        (row["billed"].get(k, Decimal(0)) for k in dated), Decimal(0)
                    ),
                    status=row["status"].lower() if closed else "open",
                    forfeited=row.get("forfeited", Decimal(0)) if closed else Decimal(0),
                    rolled_over=rolled_over_by(row, as_of),
                    expiring_soon=soon,
                )
            )
        result.sort(key=lambda u: (u.customer_id, u.period_start, u.allowance_id))
        return result

    def hours_left(self, customer_id: UUID | str) -> Decimal:
        """Prepaid hours still open for one customer (its id as a UUID or text)."""
        key = id_key(customer_id, "customer_id")
        return sum(
            (
                u.remaining
                for u in self.usage(date.max)  # (as recorded: every day is by the last one)
                if u.customer_id == key and u.unit == "hours"
            ),
            Decimal(0),
        )
