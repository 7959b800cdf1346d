"""Which invoice lines bill a request's hours, as a cancelled fixed price counts them.

A cancelled fixed-price request owes its hours up to its agreed price less what was billed of
it (``QuoteToCash._fixed_price_room``): the net of the live invoice lines billing its hours,
less what re-billable credit notes gave back (``QuoteToCash._hours_billed``). The read models
that follow it by day (``UnbilledRevenue``, ``ReviewMeeting``: ``_hours_billed_on``) take the
lines this rule names."""

from __future__ import annotations

from typing import Any

# lines that bill no request's hours whatever they name (``QuoteToCash._bills_hours``)
_NOT_HOURS = ("ALLOWANCE_OVERAGE", "DEPOSIT", "DEPOSIT_DEDUCTION")


def bills_hours(source: Any) -> bool:
    """``QuoteToCash._bills_hours``: whether a line with this source bills its request's
    hours (a line naming its time entries, not their overage, an expense nor the fixed price;
    or a line of its work naming none, as the line capping them at the price)."""
    if source is None or source.request_id is None or source.fixed_price or source.expense_id:
        return False
    kind = source.kind._name_
    if kind in _NOT_HOURS:
        return False
    return bool(source.time_entry_ids) or kind == "WORK"
