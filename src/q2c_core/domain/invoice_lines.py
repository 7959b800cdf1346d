"""Invoice lines, where each one came from, and the checks approval runs on them."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from decimal import Decimal
from uuid import UUID

import attrs

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.money import Money, to_decimal, total
from q2c_core.domain.tax import TaxRate, TaxSubtotal, tax_subtotals
from q2c_core.domain.values import Period


class SourceKind(enum.Enum):
    """What a line bills."""

    WORK = "work"
    EXPENSE = "expense"
    CONTRACT_PERIOD = "contract_period"
    ALLOWANCE_OVERAGE = "allowance_overage"
    DEPOSIT = "deposit"
    DEPOSIT_DEDUCTION = "deposit_deduction"
    CREDIT = "credit"
    MANUAL = "manual"


class RevenueKind(enum.Enum):
    """How the revenue is recognised and commissioned."""

    ENHANCEMENT = "enhancement"
    MAINTENANCE = "maintenance"
    EXPENSE = "expense"
    DEPOSIT = "deposit"
    OTHER = "other"


def _entry_ids(value: Sequence[str]) -> tuple[str, ...]:
    return tuple(value)


def _optional_hours(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, "hours")


@attrs.frozen
class LineSource:
    """The exact business fact a line bills: time entries, an expense, a contract period..."""

    kind: SourceKind
    request_id: UUID | None = None
    time_entry_ids: tuple[str, ...] = attrs.field(default=(), converter=_entry_ids)
    hours: Decimal | None = attrs.field(default=None, converter=_optional_hours)
    expense_id: str | None = None
    contract_id: UUID | None = None
    sub_contract_id: str | None = None
    period: Period | None = None
    fraction: Decimal | None = None
    allowance_id: UUID | None = None
    invoice_id: UUID | None = None
    line_id: str | None = None
    note: str = ""
    fixed_price: bool = False


def _quantity(value: object) -> Decimal:
    return to_decimal(value, "quantity")


@attrs.frozen
class InvoiceLine:
    """One billed item. Its net amount is rounded once, here."""

    line_id: str
    description: str
    quantity: Decimal = attrs.field(converter=_quantity)
    unit_price: Money
    tax: TaxRate
    source: LineSource | None
    revenue_kind: RevenueKind = RevenueKind.OTHER
    price_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.line_id.strip():
            raise InvalidValue("must not be empty", field="line_id")
        if not self.description.strip():
            raise InvalidValue("must not be empty", field="description", value=self.line_id)

    @property
    def net(self) -> Money:
        """Quantity times unit price, rounded half up to the currency."""
        return (self.unit_price * self.quantity).rounded()


def lines_net(lines: Sequence[InvoiceLine], currency: str) -> Money:
    """Sum of the rounded line nets."""
    return total((line.net for line in lines), currency)


def lines_tax(lines: Sequence[InvoiceLine], currency: str) -> list[TaxSubtotal]:
    """Tax per category, rounded once per category."""
    return tax_subtotals(((line.tax, line.net) for line in lines), currency)


def lines_total(lines: Sequence[InvoiceLine], currency: str) -> Money:
    """Net plus tax: what the customer owes for these lines."""
    tax = total((s.tax for s in lines_tax(lines, currency)), currency)
    return lines_net(lines, currency) + tax


def check_lines(lines: Sequence[InvoiceLine], logged_hours: Mapping[str, Decimal]) -> list[str]:
    """Approval's line checks. Returns the problems found (empty when the lines are fine).

    Every line has a source; hours invoiced never exceed hours logged, and no time entry is
    billed twice on one invoice; a zero or negative price needs a stated reason.
    """
    problems: list[str] = []
    if not lines:
        problems.append("the invoice has no lines")
    seen_entries: dict[str, str] = {}
    for line in lines:
        where = f"line {line.line_id}"
        if line.source is None:
            problems.append(f"{where} has no source")
            continue
        if line.quantity == 0:
            problems.append(f"{where} has quantity zero")
        if not line.net.is_positive() and not (line.price_reason or "").strip():
            problems.append(f"{where} has a zero or negative amount without a reason")
        for entry_id in line.source.time_entry_ids:
            if entry_id in seen_entries:
                problems.append(
                    f"{where} bills time entry {entry_id} already billed by line "
                    f"{seen_entries[entry_id]}"
                )
            seen_entries[entry_id] = line.line_id
            if entry_id not in logged_hours:
                problems.append(f"{where} bills time entry {entry_id}, which was never logged")
        if line.source.hours is not None and line.source.time_entry_ids:
            logged = sum(
                (logged_hours.get(e, Decimal(0)) for e in line.source.time_entry_ids), Decimal(0)
            )
            if line.source.hours > logged:
                problems.append(
                    f"{where} invoices {line.source.hours} hours but only {logged} were logged"
                )
    return problems
