"""Invoice lines, where each one came from, and the checks approval runs on them."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

import attrs

from q2c_core.domain.cards import refuse_card_numbers
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.event_facts import refuse_control_characters
from q2c_core.domain.money import (
    MAX_MAGNITUDE,
    MINOR_UNITS,
    Money,
    currency_quantum,
    to_decimal,
    total,
)
from q2c_core.domain.prepaid_allowance import charge_key
from q2c_core.domain.tax import TaxRate, TaxSubtotal, tax_subtotals
from q2c_core.domain.values import Period, items_given, person_key

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


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


# the notes a billing run's correction puts on its lines (``LineSource.note``): a credit of days
# no longer billed at the price they were; a charge of days the same correction credits, billed
# again at their new price (a back-dated re-price); and a charge of days billed for the first
# time after their period was invoiced (a sub-contract added, moved in or renewed into it).
# Revenue recognition reads the re-billing: it earns the days already served when it is issued,
# as its credit un-earns them, so a re-price never restates a month already reported; days billed
# for the first time are earned on the days served, as any contract line. (Before re-billing had
# its own note, both charges carried CORRECTION_CHARGE_NOTE.)
CORRECTION_CREDIT_NOTE = "correction: these days no longer apply at this price"
CORRECTION_REBILL_NOTE = "correction: days billed again at this price"
CORRECTION_CHARGE_NOTE = "correction: days now due at this price"
# days an evergreen renewal adds to a period billed when its term ended in its middle (billed in
# advance up to the old end): the renewed term's first days, billed as any contract line, not a
# correction of what was billed (earned on the days served, as ``CORRECTION_CHARGE_NOTE``)
RENEWAL_CHARGE_NOTE = "renewed term: days the renewal adds to this period"


class RevenueKind(enum.Enum):
    """How the revenue is recognised and commissioned."""

    ENHANCEMENT = "enhancement"
    MAINTENANCE = "maintenance"
    EXPENSE = "expense"
    DEPOSIT = "deposit"
    OTHER = "other"


def _entry_ids(value: Sequence[str]) -> tuple[str, ...]:
    """The time entries a line bills, as a tuple. One text is refused (``InvalidValue`` naming
    ``time_entry_ids``), not read letter by letter: ``"t1"`` billed entries "t" and "1"; and so
    is what is no collection (None, a number), ``items_given``."""
    return items_given(value, "time_entry_ids", "entry ids")


def _optional_hours(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, "hours")


def _refuse_type(field: str, value: object, what: str, line_id: object = None) -> None:
    raise InvalidValue(
        f"must be {what}, not {type(value).__name__}",
        field=field,
        value=line_id if line_id is not None else value,
    )


def _check_types(
    value: object, checks: tuple[tuple[str, type | tuple[type, ...], str], ...], line_id: object
) -> None:
    """Each named field of ``value`` of its type (``None`` allowed where the type lists it)."""
    for name, kinds, what in checks:
        field = getattr(value, name)
        if not isinstance(field, kinds):
            _refuse_type(name, field, what, line_id)


def _all_typed(
    checks: tuple[tuple[str, type | tuple[type, ...], str], ...],
) -> Callable[[object], bool]:
    """``_check_types``'s test as one compiled expression (lines are made, and read back, by
    the hundred thousand): True when every field has its type; ``_check_types`` then names the
    first that has not."""
    names = {f"k{n}": kinds for n, (_, kinds, _) in enumerate(checks)}
    test = " and ".join(f"isinstance(value.{name}, k{n})" for n, (name, _, _) in enumerate(checks))
    scope: dict[str, Any] = dict(names)
    exec(f"def all_typed(value):\n    return {test}\n", scope)
    typed: Callable[[object], bool] = scope["all_typed"]
    return typed


_UUID_OR_NONE = (UUID, type(None))
_STR_OR_NONE = (str, type(None))
_SOURCE_TYPES: tuple[tuple[str, type | tuple[type, ...], str], ...] = (
    ("kind", SourceKind, "a SourceKind"),
    ("request_id", _UUID_OR_NONE, "a UUID or None"),
    ("expense_id", _STR_OR_NONE, "text or None"),
    ("contract_id", _UUID_OR_NONE, "a UUID or None"),
    ("sub_contract_id", _STR_OR_NONE, "text or None"),
    ("period", (Period, type(None)), "a Period or None"),
    ("fraction", (Decimal, type(None)), "a Decimal or None"),
    ("allowance_id", _UUID_OR_NONE, "a UUID or None"),
    ("invoice_id", _UUID_OR_NONE, "a UUID or None"),
    ("line_id", _STR_OR_NONE, "text or None"),
    ("note", str, "text"),
    ("fixed_price", bool, "True or False"),
)
_SOURCE_TYPED = _all_typed(_SOURCE_TYPES)


@attrs.frozen
class LineSource:
    """The exact business fact a line bills: time entries, an expense, a contract period...

    Its fields' types are checked when it is made (a stored line that cannot be read back would
    make its invoice, and every query over its customer's invoices, fail for good). Only types:
    this runs when a stored line is read back too, so rules on its text are checked where text
    is typed (``check_typed_line``), and old histories still load."""

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

    def __attrs_post_init__(self) -> None:
        if not _SOURCE_TYPED(self):
            _check_types(self, _SOURCE_TYPES, None)
        for entry_id in self.time_entry_ids:
            if not isinstance(entry_id, str):
                _refuse_type("time_entry_ids", entry_id, "text")


def _quantity(value: object) -> Decimal:
    return to_decimal(value, "quantity")


_LINE_TYPES: tuple[tuple[str, type | tuple[type, ...], str], ...] = (
    ("line_id", str, "text"),
    ("description", str, "text"),
    ("unit_price", Money, "Money"),
    ("tax", TaxRate, "a TaxRate"),
    ("source", (LineSource, type(None)), "a LineSource or None"),
    ("revenue_kind", RevenueKind, "a RevenueKind"),
    ("price_reason", _STR_OR_NONE, "text or None"),
)
_LINE_TYPED = _all_typed(_LINE_TYPES)


@attrs.frozen
class InvoiceLine:
    """One billed item. Its net amount is rounded once, here. Its fields' types are checked when
    it is made, as ``LineSource``'s are."""

    line_id: str
    description: str
    quantity: Decimal = attrs.field(converter=_quantity)
    unit_price: Money
    tax: TaxRate
    source: LineSource | None
    revenue_kind: RevenueKind = RevenueKind.OTHER
    price_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        if not _LINE_TYPED(self):
            _check_types(self, _LINE_TYPES, self.line_id if isinstance(self.line_id, str) else None)
        if not self.line_id.strip():
            raise InvalidValue("must not be empty", field="line_id")
        if not self.description.strip():
            raise InvalidValue("must not be empty", field="description", value=self.line_id)

    @property
    def net(self) -> Money:
        """Quantity times unit price, rounded half up to the currency."""
        return (self.unit_price * self.quantity).rounded()


def check_typed_line(line: InvoiceLine, field: str = "lines") -> None:
    """Refuse a line a person typed whose text holds a card number or a control character,
    or whose description is invisible characters only (a zero-width space: a line no invoice
    shows what it bills), naming the text (``field``.line id.text): checked when such lines
    come in, not when a stored line is read back. Its id, which every document and a credit
    note name it by, is visible text on one line (``field``.line_id)."""
    check_typed_line_id(line.line_id, field)
    if not person_key(line.description):
        raise InvalidValue(
            "must say what the line bills, in visible text (not only invisible characters)",
            field=f"{field}.{line.line_id}.description",
            value=line.description,
        )
    texts = (
        ("description", line.description),
        ("price_reason", line.price_reason or ""),
        ("note", line.source.note if line.source else ""),
    )
    for name, text in texts:
        if text:
            where = f"{field}.{line.line_id}.{name}"
            refuse_card_numbers(where, text)
            refuse_control_characters(where, text)


def check_typed_line_id(line_id: str, field: str = "lines") -> None:
    """A line id a person typed is visible text on one line, or ``InvalidValue`` naming
    ``field``.line_id: the PDF's line tables, the e-invoice's line ID, the exports and the
    ledger name the line by it, and a credit note the lines it reverses. A control character
    (a NUL the e-invoice printed as a space, the id of another line), a line break, a tab or
    other spacing than a plain space, or only invisible characters (a zero-width space) is
    refused."""
    where = f"{field}.line_id"
    refuse_control_characters(where, line_id)
    spacing = next((c for c in line_id if c.isspace() and c != " "), None)
    if spacing is not None:
        raise InvalidValue(
            f"must be one line, spaced by plain spaces only (not {spacing!r}): every document "
            "names the line by it",
            field=where,
            value=line_id,
        )
    if not person_key(line_id):
        raise InvalidValue(
            "must be visible text (not only spaces or invisible characters)",
            field=where,
            value=line_id,
        )


def _fits(value: Decimal) -> bool:
    # what ``to_decimal`` accepts of a computed Decimal: finite, magnitude below MAX_MAGNITUDE
    return value.is_finite() and (not value or value.adjusted() < MAX_MAGNITUDE)


def _amounts_fit(lines: Sequence[InvoiceLine], currency: str) -> bool:
    """Whether every amount ``check_line_amounts`` computes fits Money, worked out on bare
    Decimals, step for step as Money computes them (a billing run drafts thousands of
    invoices; Money objects for every partial sum cost more than the rest of a draft). False
    also when it cannot tell (lines in another currency, none): the Money steps decide."""
    if not lines or currency not in MINOR_UNITS:
        return False
    quantum = currency_quantum(currency)
    bases: dict[TaxRate, Decimal] = {}
    nets = Decimal(0)
    for line in lines:
        price = line.unit_price
        if price.currency != currency:
            return False
        product = price.amount * line.quantity
        if not _fits(product):
            return False
        net = product.quantize(quantum, rounding=ROUND_HALF_UP)
        if not _fits(net):
            return False
        rate = line.tax
        base = bases.get(rate, _ZERO) + net
        nets += net
        if not (_fits(base) and _fits(nets)):
            return False
        bases[rate] = base
    taxes = Decimal(0)
    for rate, base in bases.items():
        factor = rate.rate / _HUNDRED
        tax = base * factor
        if not (_fits(factor) and _fits(tax)):
            return False
        tax = tax.quantize(quantum, rounding=ROUND_HALF_UP)
        taxes += tax
        if not (_fits(tax) and _fits(taxes)):
            return False
    return _fits(nets + taxes)


def check_line_amounts(lines: Sequence[InvoiceLine], currency: str, field: str = "lines") -> None:
    """Refuse lines whose net (quantity x unit price), or whose invoice's net, tax or total, is
    beyond what Money holds (``InvalidValue`` naming ``field``.line id, or ``field`` for the
    total): nets are computed when read, so such a line, once recorded, would leave its invoice
    without a total for good, and every report over its customer failing. Checked when lines
    come in (drafted, added), never when a stored line is read back."""
    if not _amounts_fit(lines, currency):
        _check_amounts_as_money(lines, currency, field)


def _check_amounts_as_money(lines: Sequence[InvoiceLine], currency: str, field: str) -> None:
    """``check_line_amounts`` in Money's own steps, raising what the first that fails says."""
    nets: list[Money] = []
    for line in lines:
        try:
            nets.append(line.net)
        except InvalidValue:
            raise InvalidValue(
                f"line {line.line_id}: its net ({line.quantity} x {line.unit_price}) is out of "
                "range",
                field=f"{field}.{line.line_id}",
                value=line.line_id,
            ) from None
    if any(net.currency != currency for net in nets):
        return  # (refused as a currency mismatch where the lines are added)
    try:
        # ``lines_total`` with each net computed once (a billing run drafts thousands)
        subtotals = tax_subtotals(zip((line.tax for line in lines), nets, strict=True), currency)
        _ = total(nets, currency) + total((s.tax for s in subtotals), currency)
    except InvalidValue:
        raise InvalidValue(
            "the lines' net, tax or total is out of range", field=field, value=len(lines)
        ) from None


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


def logged_key(source: LineSource, entry_id: str) -> str:
    """How approval's logged hours name a time entry a line bills: its request's id and the
    entry's id (``charge_key``), as entry ids are unique within a request only (two requests
    may both log a "t1"); the entry id alone for a line naming no request."""
    if source.request_id is None:
        return entry_id
    return charge_key(source.request_id, entry_id)


def _logged(
    source: LineSource, entry_id: str, logged_hours: Mapping[str, Decimal]
) -> Decimal | None:
    """The hours logged on a time entry a line bills, None when it was never logged. A map
    keyed by entry id alone (as callers wrote it before entries were told apart by request) is
    read as it was."""
    hours = logged_hours.get(logged_key(source, entry_id))
    return logged_hours.get(entry_id) if hours is None else hours


def _logged_sum(source: LineSource, logged_hours: Mapping[str, Decimal]) -> Decimal:
    return sum(
        (_logged(source, e, logged_hours) or Decimal(0) for e in source.time_entry_ids),
        Decimal(0),
    )


def check_lines(lines: Sequence[InvoiceLine], logged_hours: Mapping[str, Decimal]) -> list[str]:
    """Approval's line checks. Returns the problems found (empty when the lines are fine).

    Every line has a source; hours invoiced never exceed hours logged, and no time entry is
    billed twice on one invoice; a zero or negative price needs a stated reason (in visible
    text: a zero-width space alone states none).
    ``logged_hours`` holds the hours logged per time entry, named as ``logged_key`` names them
    (by request and entry); a refusal names an entry with its request when the lines bill more
    than one request's work.
    """
    problems: list[str] = []
    if not lines:
        problems.append("the invoice has no lines")
    requests = {
        line.source.request_id
        for line in lines
        if line.source is not None and line.source.time_entry_ids
    }

    def entry_named(source: LineSource, entry_id: str) -> str:
        if len(requests) > 1 and source.request_id is not None:
            return f"time entry {entry_id} of request {source.request_id}"
        return f"time entry {entry_id}"

    seen_entries: dict[str, str] = {}
    for line in lines:
        where = f"line {line.line_id}"
        if line.source is None:
            problems.append(f"{where} has no source")
            continue
        if line.quantity == 0:
            problems.append(f"{where} has quantity zero")
        if not line.net.is_positive() and not person_key(line.price_reason or ""):
            problems.append(f"{where} has a zero or negative amount without a reason")
        for entry_id in line.source.time_entry_ids:
            key = logged_key(line.source, entry_id)
            named = entry_named(line.source, entry_id)
            if key in seen_entries:
                problems.append(f"{where} bills {named} already billed by line {seen_entries[key]}")
            seen_entries[key] = line.line_id
            if _logged(line.source, entry_id, logged_hours) is None:
                problems.append(f"{where} bills {named}, which was never logged")
        if line.source.hours is not None and line.source.time_entry_ids:
            logged = _logged_sum(line.source, logged_hours)
            if line.source.hours > logged:
                problems.append(
                    f"{where} invoices {line.source.hours} hours but only {logged} were logged"
                )
    return problems


def check_billed_hours(
    lines: Sequence[InvoiceLine], logged_hours: Mapping[str, Decimal]
) -> list[str]:
    """Approval's check of hourly work: a line billing time entries by the hour (work, not at
    a fixed price) bills them in its quantity, which is no more than the hours logged, and a
    stated ``hours`` agrees with it. ``check_lines`` compared only the stated hours, so a line
    stating the 4 hours logged could bill 40. ``logged_hours`` as ``check_lines`` reads it."""
    problems: list[str] = []
    for line in lines:
        source = line.source
        if source is None or source.kind is not SourceKind.WORK or source.fixed_price:
            continue
        if not source.time_entry_ids:
            continue
        where = f"line {line.line_id}"
        if source.hours is not None and source.hours != line.quantity:
            problems.append(f"{where} states {source.hours} hours but bills {line.quantity}")
        if source.hours == line.quantity:
            continue  # (``check_lines`` compares the stated hours with those logged)
        logged = _logged_sum(source, logged_hours)
        if line.quantity > logged:
            problems.append(f"{where} bills {line.quantity} hours but only {logged} were logged")
    return problems
