"""What a billing run records on a contract: which period was billed, by which invoice, on what.

A period's charge is a pure function of the contract's history (``billing.charge_period``), so the
contract records, per billing period, the invoice that billed it and the contract version whose
state was billed (its *basis*). The next run recomputes the slices billed on that basis, compares
them with what today's history charges, and bills or credits exactly the days that differ; after a
correction the basis moves to the version it was corrected at.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from q2c_core.domain.money import Money
from q2c_core.domain.values import Period


@attrs.frozen
class BilledSlice:
    """Days of one sub-contract inside one billing period, at one annual price.

    ``days`` and ``period_days`` are counted under the contract's day-count convention; their
    ratio is the proration fraction. ``amount`` is the rounded charge of these days.
    """

    sub_id: str
    period: Period
    annual_price: Money
    days: int
    period_days: int
    amount: Money


@attrs.frozen
class BilledPeriod:
    """One billing period of a contract, the invoice that billed it, and the version billed.

    ``basis_version`` is the contract version whose state the invoice and any later corrections
    add up to: ``charge_period`` on the contract at that version gives the slices billed so far.
    """

    period: Period
    invoice_id: UUID
    basis_version: int


def period_key(period: Period) -> str:
    """The key of a billing period in a contract's state (JSON keys must be strings)."""
    return f"{period.start.isoformat()}/{period.end.isoformat()}"
