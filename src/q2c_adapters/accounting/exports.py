"""CSV and JSON exports of invoices (with their lines) and payments (with their allocations and
refunds).

For spreadsheets and BI tools: amounts (a line's unit price too) are exact decimal strings with
the currency's minor digits at least (``1000.00`` EUR, ``0.125`` EUR: never rounded, never
floats), dates are ISO 8601, and ids are UUID strings. CSV has one row per invoice line /
per allocation or refund, repeating the document's own columns (a document with none: one row,
those columns empty); JSON nests them.

CSV text cells (names, references, descriptions, notes: every column but the amounts, dates,
q2c's ids and ``live``) that a spreadsheet would run as a formula, those starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return, those it would read as a number or a date,
losing zeros (starting with a space, a digit, ``.`` or ``,``, or ``(``, ``$``, ``€``, ``£``,
``¥`` before one: a reference ``0012``), and those starting with ``'``, are written with
a ``'`` before them (``spreadsheet_text``); take one leading ``'`` off a text cell to read the
text back (``from_spreadsheet_text``). Amounts stay plain numbers, ``-121.00`` too: the rule
goes by column, not by what a value looks like. JSON has the text as it is. A flag
(``live``) is ``true`` or ``false`` in CSV and JSON alike.

An issued invoice or credit note is listed under the buyer it names (``buyer_details``: the
customer's name, VAT id and country when it was issued, whatever was corrected since), as a
sales register must;
a draft, and a payment, under the customer's name as it is now.

Given a business day (``as_of``; ``q2c export invoices|payments --on DAY``), an export is the
register at the end of that day, as that day's receivables aging and ledger count it: the
documents issued by then (no drafts) with what was credited, paid and outstanding then, and the
payments received by then with the allocations made and refunds paid by then (an allocation
reversed, or a payment bounced, later is live, not bounced, that day). Without it, everything
as it stands now.

A line's period is given as ``period_start`` (its first day), ``period_end`` (the first day
after it: January is 2024-01-01 to 2024-02-01, so its days are ``period_end - period_start``)
and ``period_last_day`` (2024-01-31, as invoices, PDFs and e-invoices print it).
"""

from __future__ import annotations

import csv
import enum
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from q2c_core.application import QuoteToCash
from q2c_core.domain.customer import Customer, CustomerDetails
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.invoice import Invoice, buyer_details
from q2c_core.domain.invoice_lines import InvoiceLine
from q2c_core.domain.money import Money, total
from q2c_core.domain.payment import Payment, PaymentAllocation, PaymentRefund
from q2c_core.domain.values import require_day

FORMATS = ("csv", "json")
SUBJECTS = ("invoices", "payments")

INVOICE_COLUMNS = [
    "invoice_id", "number", "kind", "status", "customer_id", "customer", "buyer_vat_id",
    "buyer_country", "currency",
    "drafted_on", "issued_on", "due_date", "purchase_order", "credits_invoice_id",
    "credits_invoice_number", "credit_disposition", "net", "tax", "total", "credited", "paid",
    "written_off", "outstanding",
]  # fmt: skip
LINE_COLUMNS = [
    "line_id", "description", "quantity", "unit_price", "net", "tax_category", "tax_rate",
    "revenue_kind", "source_kind", "request_id", "contract_id", "sub_contract_id",
    "period_start", "period_end", "period_last_day", "time_entry_ids", "hours", "price_reason",
]  # fmt: skip
PAYMENT_COLUMNS = [
    "payment_id", "customer_id", "customer", "currency", "amount", "received_on", "reference",
    "allocated", "refunded", "unallocated", "bounced_on", "bounce_reason",
]  # fmt: skip
ALLOCATION_COLUMNS = [
    "allocation_id", "invoice_id", "invoice_number", "amount", "allocated_on", "live",
    "reversed_reason", "reversed_on",
]  # fmt: skip
REFUND_COLUMNS = ["refund_id", "amount", "refunded_on", "reference"]


def _amount(money: Money) -> str:
    """An amount as exact decimal text with its currency's minor digits at least: 1000 EUR as
    ``1000.00``, 0.125 EUR as ``0.125`` (nothing rounded), 1000 JPY as ``1000``."""
    return format(money.with_minor_digits().amount, "f")


def _plain(value: object) -> Any:
    """JSON- and CSV-ready scalar: str for Decimal, UUID, date, Enum; None stays None."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Money):
        return _amount(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, UUID | date):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    raise InvalidValue(f"cannot export a {type(value).__name__}", field="export", value=value)


def _line_record(line: InvoiceLine) -> dict[str, Any]:
    source = line.source
    period = source.period if source is not None else None
    return {
        "line_id": line.line_id,
        "description": line.description,
        "quantity": _plain(line.quantity),
        "unit_price": _amount(line.unit_price),
        "net": _amount(line.net),
        "tax_category": line.tax.category.code,
        "tax_rate": _plain(line.tax.rate),
        "revenue_kind": line.revenue_kind.value,
        "source_kind": source.kind.value if source else None,
        "request_id": _plain(source.request_id) if source else None,
        "contract_id": _plain(source.contract_id) if source else None,
        "sub_contract_id": source.sub_contract_id if source else None,
        "period_start": _plain(period.start) if period else None,
        "period_end": _plain(period.end) if period else None,
        "period_last_day": _plain(period.end - timedelta(days=1)) if period else None,
        "time_entry_ids": " ".join(source.time_entry_ids) if source else "",
        "hours": _plain(source.hours) if source else None,
        "price_reason": line.price_reason,
    }


def invoice_record(
    invoice: Invoice,
    buyer: CustomerDetails,
    numbers: dict[UUID, str],
    paid_on: Money | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """One invoice with its tax subtotals and lines, as plain JSON-ready values; ``buyer`` is
    who it names (``buyer_details``): its name, VAT id and country are the register's.

    ``written_off`` is the small remainders written off it (``write_off_remainder``): neither
    paid nor outstanding, so ``total - credited - paid - written_off`` is ``outstanding``.
    With ``as_of``, ``credited``, ``paid``, ``written_off`` and ``outstanding`` are those at
    the end of that day: the credit notes applied and remainders written off by then, and
    ``paid_on``, what the payments' allocations in force then paid it
    (``Payment.allocations_on``)."""
    credits = invoice.credits_invoice_id
    credited, paid, outstanding = invoice.credited, invoice.paid, invoice.outstanding
    written_off = invoice.written_off
    if as_of is not None:
        written_off = invoice.written_off_by(as_of)
        credited = invoice.credited_by(as_of)
        paid = paid_on if paid_on is not None else Money.zero(invoice.currency)
        outstanding = invoice.outstanding_on(as_of, paid)
    return {
        "invoice_id": str(invoice.id),
        "number": invoice.number,
        "kind": invoice.kind.value,
        "status": invoice.status.value,
        "customer_id": str(invoice.customer_id),
        "customer": buyer.name,
        "buyer_vat_id": buyer.tax_id,
        "buyer_country": buyer.country,
        "currency": invoice.currency,
        "drafted_on": _plain(invoice.drafted_on),
        "issued_on": _plain(invoice.issued_on),
        "due_date": _plain(invoice.due_date),
        "purchase_order": invoice.purchase_order_number,
        "credits_invoice_id": _plain(credits),
        "credits_invoice_number": numbers.get(credits) if credits else None,
        "credit_disposition": _plain(invoice.credit_disposition),
        "net": _amount(invoice.net),
        "tax": _amount(invoice.tax),
        "total": _amount(invoice.total),
        "credited": _amount(credited),
        "paid": _amount(paid),
        "written_off": _amount(written_off),
        "outstanding": _amount(outstanding),
        "tax_subtotals": [
            {
                "category": s.tax_rate.category.code,
                "rate": _plain(s.tax_rate.rate),
                "taxable": _amount(s.taxable),
                "tax": _amount(s.tax),
            }
            for s in invoice.tax_subtotals
        ],
        "lines": [_line_record(line) for line in invoice.lines],
    }


def _allocation_record(
    a: PaymentAllocation, numbers: dict[UUID, str], as_of: date | None = None
) -> dict[str, Any]:
    """An allocation; with ``as_of``, as it stood at the end of that day: live until given
    back, its reversal not known before its day (an undated old reversal counts as long ago,
    as ``Payment.allocations_on`` counts it)."""
    given_back = not a.is_live and (
        as_of is None or a.reversed_on is None or a.reversed_on <= as_of
    )
    return {
        "allocation_id": a.allocation_id,
        "invoice_id": str(a.invoice_id),
        "invoice_number": numbers.get(a.invoice_id),
        "amount": _amount(a.amount),
        "allocated_on": _plain(a.allocated_on),
        "live": not given_back,
        "reversed_reason": a.reversed_reason if given_back else None,
        "reversed_on": _plain(a.reversed_on) if given_back else None,
    }


def _refund_record(r: PaymentRefund) -> dict[str, Any]:
    return {
        "refund_id": r.refund_id,
        "amount": _amount(r.amount),
        "refunded_on": _plain(r.refunded_on),
        "reference": r.reference,
    }


def payment_record(
    payment: Payment, customer: str, numbers: dict[UUID, str], as_of: date | None = None
) -> dict[str, Any]:
    """One payment with its allocations (reversed ones included, marked not live) and refunds.

    ``unallocated`` is its credit: amount - allocated - refunded; once bounced, minus what was
    refunded (the customer owes it). With ``as_of``, the payment as it stood at the end of that
    day: the allocations made and refunds paid by then, a reversal or bounce only from its day
    (``Payment.unallocated_on``, ``allocations_on``)."""
    if as_of is not None:
        return _payment_record_on(payment, customer, numbers, as_of)
    return {
        "payment_id": str(payment.id),
        "customer_id": str(payment.customer_id),
        "customer": customer,
        "currency": payment.amount.currency,
        "amount": _amount(payment.amount),
        "received_on": _plain(payment.received_on),
        "reference": payment.reference,
        "allocated": _amount(payment.allocated),
        "refunded": _amount(payment.refunded),
        "unallocated": _amount(payment.unallocated),
        "bounced_on": _plain(payment.bounced_on),
        "bounce_reason": payment.bounce_reason,
        "allocations": [_allocation_record(a, numbers) for a in payment.allocations],
        "refunds": [_refund_record(r) for r in payment.refunds],
    }


def _payment_record_on(
    payment: Payment, customer: str, numbers: dict[UUID, str], as_of: date
) -> dict[str, Any]:
    currency = payment.amount.currency
    bounced = payment.bounced_on is not None and payment.bounced_on <= as_of
    refunds = [r for r in payment.refunds if r.refunded_on <= as_of]
    in_force = payment.allocations_on(as_of)
    return {
        "payment_id": str(payment.id),
        "customer_id": str(payment.customer_id),
        "customer": customer,
        "currency": currency,
        "amount": _amount(payment.amount),
        "received_on": _plain(payment.received_on),
        "reference": payment.reference,
        "allocated": _amount(total((a.amount for a in in_force), currency)),
        "refunded": _amount(total((r.amount for r in refunds), currency)),
        "unallocated": _amount(payment.unallocated_on(as_of)),
        "bounced_on": _plain(payment.bounced_on) if bounced else None,
        "bounce_reason": payment.bounce_reason if bounced else None,
        "allocations": [
            _allocation_record(a, numbers, as_of)
            for a in payment.allocations
            if a.allocated_on <= as_of
        ],
        "refunds": [_refund_record(r) for r in refunds],
    }


def _customers(app: QuoteToCash, customer_id: UUID | None) -> list[Customer]:
    if customer_id is not None:
        return [app.customer(customer_id)]
    return app.customers()


def invoice_records(
    app: QuoteToCash, customer_id: UUID | None = None, *, as_of: date | None = None
) -> list[dict[str, Any]]:
    """Every invoice and credit note (of one customer, or all), drafting order per customer.

    ``customer``, ``buyer_vat_id`` and ``buyer_country`` are the buyer the document names
    (``buyer_details``): an issued one the name, VAT id and country it was issued with,
    whatever was corrected since, as its PDF and e-invoice say; a draft the customer's as they
    are now.

    ``as_of`` (a business day) gives the register at the end of that day, as the receivables
    aging and the ledger of that day count it: the documents issued by then (no drafts), each
    with what was credited, paid and outstanding then, not since."""
    day = None if as_of is None else require_day(as_of, "as_of")
    result: list[dict[str, Any]] = []
    for customer in _customers(app, customer_id):
        invoices = app.invoices(customer.id)
        numbers = {i.id: i.number for i in invoices if i.number}
        if day is None:
            result += [invoice_record(i, buyer_details(i, customer), numbers) for i in invoices]
            continue
        paid: dict[UUID, Money] = {}
        for payment in app.payments(customer.id):
            for a in payment.allocations_on(day):
                paid[a.invoice_id] = (
                    paid[a.invoice_id] + a.amount if a.invoice_id in paid else a.amount
                )
        result += [
            invoice_record(i, buyer_details(i, customer), numbers, paid.get(i.id), day)
            for i in invoices
            if i.issued_by(day)
        ]
    return result


def payment_records(
    app: QuoteToCash, customer_id: UUID | None = None, *, as_of: date | None = None
) -> list[dict[str, Any]]:
    """Every payment (of one customer, or all) with its allocations; ``customer`` is the
    customer's name as it is now (a payment names no buyer). ``as_of`` (a business day): the
    payments received by the end of that day, as they stood then (``payment_record``)."""
    day = None if as_of is None else require_day(as_of, "as_of")
    result: list[dict[str, Any]] = []
    for customer in _customers(app, customer_id):
        numbers = {i.id: i.number for i in app.invoices(customer.id) if i.number}
        result += [
            payment_record(p, customer.name, numbers, day)
            for p in app.payments(customer.id)
            if day is None or p.received_on <= day
        ]
    return result


# the first characters that make a spreadsheet run a cell as a formula (OWASP "CSV injection"),
# and the ' that says "text": a text cell starting with one of them is written with a ' before
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
# text a spreadsheet reads as a number or a date (0012 as 12, 2024-05 as May): it starts with
# a space, a digit, a decimal point or comma, or a parenthesis or currency sign before one
NUMBER_LIKE = re.compile(r"\s|\(?\s*[$€£¥]?\s*[0-9.,]")


def spreadsheet_text(text: str) -> str:
    """A text cell as a CSV export writes it: with a ``'`` before it when a spreadsheet would
    not open it as that text: when it starts with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return (run as a formula), or reads as a number or a date (it starts with a space,
    a digit, ``.`` or ``,``, or ``(``, ``$``, ``€``, ``£`` or ``¥`` before one: ``0012``,
    ``2024-05``, ``(12)``), or starts with ``'`` itself, so the rule is reversible
    (``from_spreadsheet_text``); any other text (``Acme``, ``INV-0012``) as it is."""
    if text.startswith(FORMULA_START) or NUMBER_LIKE.match(text):
        return "'" + text
    return text


def from_spreadsheet_text(cell: str) -> str:
    """The text a CSV export's text cell stands for: its leading ``'``, if any, taken off."""
    return cell[1:] if cell.startswith("'") else cell


# the columns written as they are (amounts, quantities and rates as plain numbers, negative
# ones too; dates; q2c's own ids); every other column is text, written by spreadsheet_text
PLAIN_COLUMNS = frozenset(
    [
        "invoice_id", "customer_id", "drafted_on", "issued_on", "due_date",
        "credits_invoice_id", "net", "tax", "total", "credited", "paid", "written_off",
        "outstanding",
        "line_quantity", "line_unit_price", "line_net", "line_tax_rate", "line_request_id",
        "line_contract_id", "line_period_start", "line_period_end", "line_period_last_day",
        "line_hours",
        "payment_id", "amount", "received_on", "allocated", "refunded", "unallocated",
        "bounced_on", "allocation_allocation_id", "allocation_invoice_id", "allocation_amount",
        "allocation_allocated_on", "allocation_live", "allocation_reversed_on",
        "refund_refund_id", "refund_amount", "refund_refunded_on",
    ]
)  # fmt: skip


def _cell(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # as JSON writes it, not Python's True
    if column in PLAIN_COLUMNS or not isinstance(value, str):
        return value
    return spreadsheet_text(value)


class _Rows(io.StringIO):
    """Rows ended by ``\n``: the csv writer, told rows end in ``\r\n``, quotes every cell
    holding a ``\r`` or ``\n`` (told ``\n``, Python 3.11's leaves a lone ``\r`` unquoted, and
    a remittance's carriage return splits its row); each row's ``\r\n`` is written ``\n``."""

    def write(self, s: str) -> int:
        return super().write(s[:-2] + "\n" if s.endswith("\r\n") else s)


def _csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    out = _Rows()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(k, row.get(k)) for k in columns})
    return out.getvalue()


def invoices_csv(
    app: QuoteToCash, customer_id: UUID | None = None, *, as_of: date | None = None
) -> str:
    """One row per invoice line, the invoice's columns repeated, line columns prefixed line_;
    a document with no line yet (a draft begun empty) is one row with its line columns empty,
    so every document the JSON lists is in the CSV too."""
    columns = INVOICE_COLUMNS + [f"line_{c}" for c in LINE_COLUMNS]
    rows = (
        {**record, **{f"line_{k}": v for k, v in line.items()}}
        for record in invoice_records(app, customer_id, as_of=as_of)
        for line in record["lines"] or [{}]
    )
    return _csv(columns, rows)


def payments_csv(
    app: QuoteToCash, customer_id: UUID | None = None, *, as_of: date | None = None
) -> str:
    """One row per allocation, then one per refund (one row with empty allocation and refund
    columns for a payment with neither), allocation columns prefixed allocation_, refund
    columns refund_."""
    columns = (
        PAYMENT_COLUMNS
        + [f"allocation_{c}" for c in ALLOCATION_COLUMNS]
        + [f"refund_{c}" for c in REFUND_COLUMNS]
    )
    rows: list[dict[str, Any]] = []
    for record in payment_records(app, customer_id, as_of=as_of):
        parts = [{f"allocation_{k}": v for k, v in a.items()} for a in record["allocations"]]
        parts += [{f"refund_{k}": v for k, v in r.items()} for r in record["refunds"]]
        rows += [{**record, **part} for part in parts or [{}]]
    return _csv(columns, rows)


def export(
    app: QuoteToCash,
    subject: str,
    fmt: str,
    *,
    customer_id: UUID | None = None,
    as_of: date | None = None,
) -> str:
    """``invoices`` or ``payments`` as ``csv`` or ``json`` text; with ``as_of`` (a business
    day, ``InvalidValue`` naming ``as_of`` otherwise), as they stood at the end of that day."""
    if subject not in SUBJECTS:
        raise InvalidValue(f"must be one of {', '.join(SUBJECTS)}", field="subject", value=subject)
    if fmt not in FORMATS:
        raise InvalidValue(f"must be one of {', '.join(FORMATS)}", field="format", value=fmt)
    day = None if as_of is None else require_day(as_of, "as_of")
    if fmt == "csv":
        return (invoices_csv if subject == "invoices" else payments_csv)(
            app, customer_id, as_of=day
        )
    records = (invoice_records if subject == "invoices" else payment_records)(
        app, customer_id, as_of=day
    )
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
