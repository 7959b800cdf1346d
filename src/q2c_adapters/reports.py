"""The reports people review, printed from the projections with rich tables.

``report_table(name, projections, on)`` turns any projection into columns and rows (the CLI's
``report`` command prints them as a table, CSV or JSON); ``print_reports(app)`` prints the
per-customer summary, commissions and the other key reports (``make demo`` calls it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs
from eventsourcing.application import Application
from rich.console import Console
from rich.table import Table
from rich.text import Text

from q2c_adapters.accounting.exports import spreadsheet_text
from q2c_core.domain.allocation import number_order
from q2c_core.domain.money import Money
from q2c_core.domain.values import Period, name_order, person_key
from q2c_core.projections import (
    AllowanceUsage,
    AwaitingPurchaseOrder,
    Commissions,
    CustomerStatement,
    Kpis,
    PrepaidCreditUsage,
    Projection,
    ReceivablesAging,
    RefundOwed,
    RevenueSchedule,
    ReviewItem,
    ReviewMeeting,
    StatementBalance,
    UnbilledItem,
    UnbilledRevenue,
    all_projections,
    rebuild,
)
from q2c_core.projections.base import AGE_BUCKETS
from q2c_core.projections.revenue import month_start


@attrs.frozen
class ReportTable:
    """A report as plain columns and rows of values (Money, Decimal, date, str...).

    ``empty_rows`` are the rows that only say there is nothing (a forecast month with nothing
    forecast), ``empty_rows_are`` what they are: a table for people leaves them out unless
    asked (``rich_table(..., every_row=True)``, ``q2c report --all``) and says so; CSV and
    JSON, for tools that read a whole series, keep every row."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    empty_rows: frozenset[int] = frozenset()
    empty_rows_are: str = "rows with nothing to show"


def cell(value: Any) -> str:
    """A value as text for a table or CSV."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return f"{value.rounded().amount} {value.currency}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def csv_cell(column: str, value: Any) -> str:
    """A value as ``q2c report --format csv`` writes it: text (a name, a reference, a
    description) by the exports' rule (``spreadsheet_text``: a ``'`` before text a spreadsheet
    would run as a formula), amounts, numbers, dates and the key columns (``... id``,
    ``row (...)``, pasted into ``q2c explain``) as ``cell`` writes them."""
    if isinstance(value, str) and not _is_key(column):
        return spreadsheet_text(value)
    return cell(value)


def json_value(value: Any) -> Any:
    """A value as JSON (Money as {amount, currency}, Decimal as a string)."""
    if isinstance(value, Money):
        return {"amount": str(value.rounded().amount), "currency": value.currency}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


# hours (and other quantities) as reports show them: to the hundredth
HOURS_SHOWN = Decimal("0.01")


def shown_hours(hours: Decimal) -> Decimal:
    """Hours as a report shows them (table, CSV and JSON alike): to 2 decimals, half up, a
    zero never ``-0.00``. For display only: the read models keep hours exact (a money
    allowance's split of an entry's hours is a fraction of many digits)."""
    shown = hours.quantize(HOURS_SHOWN, rounding=ROUND_HALF_UP)
    return shown if shown else abs(shown)


def _hours_or_none(hours: Decimal | None) -> Decimal | None:
    return None if hours is None else shown_hours(hours)


def _by_type(projections: Sequence[Projection]) -> dict[type[Projection], Projection]:
    return {type(p): p for p in projections}


def _get(projections: Sequence[Projection], cls: type[Any]) -> Any:
    found = _by_type(projections).get(cls)
    if found is None:
        raise KeyError(f"no {cls.__name__} projection given")
    return found


def _names(projections: Sequence[Projection]) -> dict[str, str]:
    statements: CustomerStatement = _get(projections, CustomerStatement)
    return dict(statements.customers())


def _invoice_numbers(projections: Sequence[Projection]) -> dict[str, str]:
    """Invoice id (hex) -> its number, for the invoices issued so far."""
    statements: CustomerStatement = _get(projections, CustomerStatement)
    return {
        key[4:]: row["number"]
        for key, row in statements.rows_with_prefix("inv:")
        if row.get("number")
    }


def _request_titles(projections: Sequence[Projection]) -> dict[str, str]:
    """Request id (hex) -> its title."""
    book: AwaitingPurchaseOrder = _get(projections, AwaitingPurchaseOrder)
    return {key[4:]: row["title"] for key, row in book.rows_with_prefix("req:")}


def customer_summary(projections: Sequence[Projection], on: date) -> ReportTable:
    """Per customer: invoiced, paid, open, past due, credit, unbilled, leakage risk, prepaid
    hours left, and its id (``customer id``: two customers of one name are told apart), the
    customers by name, then id (``CustomerStatement.customers``).

    "past due" is what the past-due report chases: invoices past their due date and refunds
    owed back after a bounce (which also make "credit" negative by as much).

    "unbilled" is what could be invoiced on the day (``UnbilledRevenue``'s authorized items:
    work and expenses dated by then that no invoice held then nor an allowance covered, and
    contract periods and corrections due); "leakage
    risk" is work logged without authorization; "prepaid hours left" those of the customer's
    hour allowances in the row's currency (one in USD covers only USD requests), a currency
    with hours left and nothing else getting its row too. ``QuoteToCash.customer_summary``'s
    ``unbilled_work`` counts the requests' work of both, and no contracts; except on a
    fixed-price request a PO covers, where it counts the price still to bill and no hours,
    while this report keeps hours logged without authorization there as leakage risk until the
    price is invoiced, and any logged after it.
    """
    statements: CustomerStatement = _get(projections, CustomerStatement)
    unbilled: UnbilledRevenue = _get(projections, UnbilledRevenue)
    prepaid: PrepaidCreditUsage = _get(projections, PrepaidCreditUsage)
    aging: ReceivablesAging = _get(projections, ReceivablesAging)
    past_due: dict[tuple[str, str], Money] = {}
    # (invoices past their due date and refunds owed back: what the past-due list chases)
    chased = [(i.customer_id, i.outstanding) for i in aging.past_due(on)]
    chased += [(r.customer_id, r.outstanding) for r in aging.past_due_refunds(on)]
    for customer_id, outstanding in chased:
        key = (customer_id, outstanding.currency)
        past_due[key] = past_due.get(key, Money.zero(key[1])) + outstanding
    unbilled_totals = unbilled.totals(on, "customer").totals
    leakage: dict[tuple[str, str], Money] = {}
    for item in unbilled.leakage_risk(on):
        key = (item.customer_id, item.amount.currency)
        leakage[key] = leakage.get(key, Money.zero(key[1])) + item.amount
    # (by customer and currency: an allowance in USD covers only USD requests, so its hours
    # are on the USD row, as ``QuoteToCash.customer_summary`` counts them)
    hours_left: dict[tuple[str, str], Decimal] = {}
    for u in prepaid.usage(on):
        if u.unit == "hours":
            key = (u.customer_id, u.currency)
            hours_left[key] = hours_left.get(key, Decimal(0)) + u.remaining
    rows = []
    for customer_id, name in statements.customers():
        s = statements.statement(customer_id, on)
        # one row per currency (the customer's own first): amounts in two are never added
        balances = {b.currency: b for b in s.balances}
        unbilled_in = {
            c for (k, c) in [*unbilled_totals, *leakage, *hours_left] if k == customer_id
        } - set(balances)
        for cur in [*balances, *sorted(unbilled_in)]:
            b = balances.get(cur) or StatementBalance(cur, *[Money.zero(cur)] * 4)
            rows.append(
                (
                    name,
                    b.invoiced,
                    b.paid,
                    b.open,
                    past_due.get((customer_id, cur), Money.zero(cur)),
                    b.credit,
                    unbilled_totals.get((customer_id, cur), Money.zero(cur)),
                    leakage.get((customer_id, cur), Money.zero(cur)),
                    shown_hours(hours_left.get((customer_id, cur), Decimal(0))),
                    customer_id,
                )
            )
    return ReportTable(
        f"Customers on {on}",
        (
            "customer",
            "invoiced",
            "paid",
            "open",
            "past due",
            "credit",
            "unbilled",
            "leakage risk",
            "prepaid hours left",
            "customer id",
        ),
        tuple(rows),
    )


def _unbilled_row(item: UnbilledItem) -> str:
    """The ``unbilled_revenue`` row an unbilled item comes from (for ``q2c explain``)."""
    if item.kind.startswith("contract"):
        return f"con:{item.contract_id}"
    if item.kind == "fixed_price":
        return f"req:{item.request_id}"
    return f"item:{item.request_id}|{item.item_id}"


def _unbilled(projections: Sequence[Projection], on: date) -> ReportTable:
    p: UnbilledRevenue = _get(projections, UnbilledRevenue)
    names = _names(projections)
    rows = tuple(
        (
            names.get(i.customer_id, i.customer_id),
            i.kind,
            i.description,
            i.account_manager,
            i.since,
            i.age_bucket,
            shown_hours(i.hours),
            i.amount,
            "yes" if i.authorized else "NO - leakage risk",
            _unbilled_row(i),
        )
        for i in p.items(on)
    )
    return ReportTable(
        f"Unbilled revenue on {on}",
        (
            "customer",
            "kind",
            "item",
            "manager",
            "since",
            "age",
            "hours",
            "amount",
            "authorized",
            "row (unbilled_revenue)",
        ),
        rows,
    )


def _unbilled_by(by: str) -> Callable[[Sequence[Projection], date], ReportTable]:
    """Unbilled revenue totals by ``by``; by customer, each customer named with its id beside
    (``customer id``), by name, then id, as the other customer reports list them."""

    def build(projections: Sequence[Projection], on: date) -> ReportTable:
        p: UnbilledRevenue = _get(projections, UnbilledRevenue)
        totals = p.totals(on, by).totals
        title = f"Unbilled revenue by {by} on {on}"
        if by in _NAMED_BY:
            return _unbilled_named(by, title, totals, projections)
        if by != "customer":
            # (ages youngest first, as the aging lists its buckets: not "current" after "90+")
            order = {bucket: n for n, bucket in enumerate(AGE_BUCKETS)} if by == "age" else {}
            keyed = tuple(
                (k, amount)
                for (k, _), amount in sorted(
                    totals.items(), key=lambda item: (order.get(item[0][0], 0), item[0])
                )
            )
            return ReportTable(title, (by, "amount"), keyed)
        names = _names(projections)
        named = sorted(
            (name_order(str(names.get(k, k))), k, cur, amount)
            for (k, cur), amount in totals.items()
        )
        rows = tuple((name, amount, k) for (_, name), k, _, amount in named)
        return ReportTable(title, (by, "amount", "customer id"), rows)

    return build


# what a request's or a contract's unbilled total is named by, and what the items tied to
# neither are called (a request's row: contract periods, expenses or work of no request; a
# contract's: every request's work)
_NAMED_BY = {"request": "(no request)", "contract": "(no contract)"}


def _unbilled_named(
    by: str, title: str, totals: dict[tuple[str, str], Money], projections: Sequence[Projection]
) -> ReportTable:
    """Unbilled totals by request (its title) or contract (its number), with the id beside
    (``request id``, ``contract id``: what ``explain`` takes), by name (a title as people
    read it, ``name_order``; a number as it counts, ``number_order``: MC-2 before MC-10), then
    id; the items tied to none last, named as such, their id cell empty."""
    order: Callable[[str], Any]
    if by == "request":
        names = _request_titles(projections)
        order = name_order
    else:
        unbilled: UnbilledRevenue = _get(projections, UnbilledRevenue)
        names = {key[4:]: row["number"] for key, row in unbilled.rows_with_prefix("con:")}
        order = number_order
    none = _NAMED_BY[by]
    named = sorted(
        ((k == "", order(name), name, k, cur), amount)
        for (k, cur), amount in totals.items()
        for name in [str(names.get(k, k)) if k else none]
    )
    rows = tuple((name, amount, k) for (_, _, name, k, _), amount in named)
    return ReportTable(title, (by, "amount", f"{by} id"), rows)


def _leakage(projections: Sequence[Projection], on: date) -> ReportTable:
    p: UnbilledRevenue = _get(projections, UnbilledRevenue)
    names = _names(projections)
    titles = _request_titles(projections)
    rows = tuple(
        (
            names.get(i.customer_id, i.customer_id),
            titles.get(i.request_id, i.request_id),
            i.description,
            shown_hours(i.hours),
            i.amount,
            i.request_id,
        )
        for i in p.leakage_risk(on)
    )
    return ReportTable(
        f"Leakage risk on {on}: work logged without authorization",
        ("customer", "request", "item", "hours", "value", "request id"),
        rows,
    )


def _allowance_quantity(usage: AllowanceUsage, quantity: Decimal) -> Money | Decimal:
    """A quantity of an allowance as the report shows it: a money allowance's as money of its
    currency (at its minor unit, as every amount: granted 1000.00 EUR, not 1000), hours to the
    hundredth."""
    if usage.unit == "money":
        return Money(quantity, usage.currency)
    return shown_hours(quantity)


# an allowance's quantities, as the prepaid report's columns name them (in its unit: hours, or
# money of its currency)
PREPAID_QUANTITIES = (
    "granted",
    "drawn",
    "remaining",
    "forfeited",
    "rolled over",
    "overage",
    "overage billed",
)


def _prepaid(projections: Sequence[Projection], on: date) -> ReportTable:
    """Every allowance, in its own unit: what was granted is drawn, remaining, forfeited (left
    when it expired, or not carried when it rolled over) or rolled over into the next
    period's allowance; overage (work beyond it, billable) and what of it was billed aside."""
    p: PrepaidCreditUsage = _get(projections, PrepaidCreditUsage)
    names = _names(projections)
    rows = tuple(
        (
            names.get(u.customer_id, u.customer_id),
            u.allowance_id,
            u.unit,
            str(Period(u.period_start, u.period_end)),  # first..last day, as elsewhere
            *(
                _allowance_quantity(u, q)
                for q in (
                    u.granted,
                    u.drawn,
                    u.remaining,
                    u.forfeited,
                    u.rolled_over,
                    u.overage,
                    u.overage_billed,
                )
            ),
            u.status,
            u.expiring_soon,
        )
        for u in p.usage(on)
    )
    return ReportTable(
        f"Prepaid credit usage on {on}",
        (
            "customer",
            "allowance id",
            "unit",
            "period",
            *PREPAID_QUANTITIES,
            "status",
            "expiring soon",
        ),
        rows,
    )


def _commissions(projections: Sequence[Projection], on: date) -> ReportTable:
    p: Commissions = _get(projections, Commissions)
    numbers = _invoice_numbers(projections)
    rows = tuple(
        (
            c.manager,
            c.on,
            c.revenue_kind,
            numbers.get(c.invoice_id, c.invoice_id),
            c.collected,
            c.rate,
            c.commission,
            "reversal" if c.reversal else "accrual",
            c.invoice_id,
        )
        # (the same order on every run: by invoice number within a day, not by random ids)
        for c in sorted(
            p.lines(),
            key=lambda c: (
                c.manager,
                c.on,
                str(numbers.get(c.invoice_id, c.invoice_id)),
                str(c.revenue_kind),
                c.reversal,
            ),
        )
        if c.on <= on
    )
    return ReportTable(
        f"Commission lines to {on}",
        (
            "manager",
            "date",
            "revenue kind",
            "invoice",
            "collected",
            "rate",
            "commission",
            "entry",
            "invoice id",
        ),
        rows,
    )


def _commission_statement(projections: Sequence[Projection], on: date) -> ReportTable:
    """Per manager and currency: ``on``'s month (its commission lines in that currency, and
    their total), then the balance to date."""
    p: Commissions = _get(projections, Commissions)
    period = Period(month_start(on), on + (date(2000, 1, 2) - date(2000, 1, 1)))
    every = p.lines()  # (worked out once: each figure below reads these)
    rows: list[tuple[Any, ...]] = []
    for st in p.statements(period, lines=every):
        for cur, amount in sorted(st.totals.items()):
            lines = sum(1 for c in st.lines if c.commission.currency == cur)
            rows.append((st.manager, str(period), lines, amount))
    balances = p.balances(on, lines=every)
    # (no line count to date: None, an empty cell in the table and CSV, null in JSON)
    rows += [(m, "to date", None, amount) for (m, _), amount in sorted(balances.items())]
    return ReportTable(
        f"Commission statements ({period} and to date)",
        ("manager", "period", "lines", "commission"),
        tuple(rows),
    )


def _review(projections: Sequence[Projection], on: date) -> ReportTable:
    p: ReviewMeeting = _get(projections, ReviewMeeting)
    names = _names(projections)
    rows = tuple(
        (
            names.get(r.customer_id, r.customer_id),
            r.title,
            r.status,
            _covered_by(r),
            _po_amount(r),
            r.due_on,
            "on time" if r.on_schedule else "LATE",
            _hours_or_none(r.estimated_hours),
            shown_hours(r.actual_hours),
            r.invoiced,
            r.paid,
            r.unbilled_overage,
            f"req:{r.request_id}",
        )
        for r in p.items(on)
    )
    return ReportTable(
        f"Review meeting: open work on {on}",
        (
            "customer",
            "request",
            "status",
            "covered by",
            "PO amount",
            "due",
            "schedule",
            "est. hours",
            "actual hours",
            "invoiced",
            "paid",
            "unbilled overage",
            "row (review_meeting)",
        ),
        rows,
    )


def _covered_by(item: ReviewItem) -> str:
    """What covers a request's work; a PO that the invoices went beyond says so."""
    if item.has_po:
        return "PO EXCEEDED" if item.over_po else "PO"
    return "allowance" if item.covered_by_allowance else "NO PO"


def _po_amount(item: ReviewItem) -> Money | str | None:
    """The PO's amount; as text when it is in another currency than the request's money (an
    invoice in another currency recorded before q2c refused one), as one row holds one."""
    po = item.po_amount
    if po is not None and po.currency != item.invoiced.currency:
        return str(po)
    return po


def _awaiting(projections: Sequence[Projection], on: date) -> ReportTable:
    p: AwaitingPurchaseOrder = _get(projections, AwaitingPurchaseOrder)
    names = _names(projections)
    rows = tuple(
        (
            names.get(q.customer_id, q.customer_id),
            q.title,
            q.account_manager,
            q.product_area,
            q.quoted_on,
            q.age_days,
            q.estimate,
            f"req:{q.request_id}",
        )
        for q in p.awaiting(on)
    )
    return ReportTable(
        f"Quotes awaiting a purchase order on {on}",
        (
            "customer",
            "request",
            "manager",
            "area",
            "quoted",
            "age (days)",
            "estimate",
            "row (awaiting_purchase_order)",
        ),
        rows,
    )


def _areas(projections: Sequence[Projection], on: date) -> ReportTable:
    p: AwaitingPurchaseOrder = _get(projections, AwaitingPurchaseOrder)
    rows = tuple(
        (
            a.product_area,
            a.requested,
            a.quoted,
            a.won,
            a.prepaid,
            a.declined,
            a.cancelled,
            a.open,
            shown_hours(a.estimated_hours),
            shown_hours(a.actual_hours),
        )
        for a in p.history_by_area()
    )
    return ReportTable(
        "Request history by product area",
        (
            "area",
            "requested",
            "quoted",
            "won",
            "prepaid",
            "declined",
            "cancelled",
            "open",
            "est. hours",
            "actual hours",
        ),
        rows,
    )


def _aging(projections: Sequence[Projection], on: date) -> ReportTable:
    """Per customer, currency and kind (invoices, refunds owed back), what is owed by age,
    then everyone's totals per currency. The customer by name with its id (``customer id``:
    two customers of one name are told apart), by name, then id, as the other customer
    reports list them."""
    p: ReceivablesAging = _get(projections, ReceivablesAging)
    names = _names(projections)
    # (the row's kind in a column of its own, the customer's name as it is: an export grouped
    # by customer keeps one customer, whose invoices and refunds owed back are told apart;
    # the projection's order, by id, currency and kind, kept within a customer)
    aged = sorted(
        p.aging(on),
        key=lambda r: (name_order(str(names.get(r.customer_id, r.customer_id))), r.customer_id),
    )
    rows = [
        (
            names.get(r.customer_id, r.customer_id),
            *r.buckets.values(),
            r.total,
            r.kind,
            r.customer_id,
        )
        for r in aged
    ]
    rows += [("TOTAL", *r.buckets.values(), r.total, "", "") for r in p.totals(on)]
    return ReportTable(
        f"Receivables aging on {on} (days past due; refunds owed back: since the bounce)",
        ("customer", "current", "1-30", "31-60", "61-90", "90+", "total", "kind", "customer id"),
        tuple(rows),
    )


def _refund_owed_text(r: RefundOwed) -> str:
    """A refund owed back as a follow-up list names it: its reference, and the payment."""
    paid_from = f"of {r.payment_reference}, " if r.payment_reference else ""
    return f"{r.reference or r.refund_id} ({paid_from}refunded {r.refunded_on})"


def _past_due(projections: Sequence[Projection], on: date) -> ReportTable:
    """Invoices past their due date and refunds owed back since before ``on`` (their payment
    bounced), most overdue first, each with the row it comes from."""
    p: ReceivablesAging = _get(projections, ReceivablesAging)
    names = _names(projections)
    items: list[tuple[Any, ...]] = [
        (
            names.get(i.customer_id, i.customer_id),
            i.number,
            i.due_date,
            i.days_past_due,
            i.outstanding,
            i.noticed_on,
            "invoice",
            f"inv:{i.invoice_id}",
        )
        for i in p.past_due(on)
    ]
    items += [
        (
            names.get(r.customer_id, r.customer_id),
            _refund_owed_text(r),
            r.owed_since,
            r.days_past_due,
            r.outstanding,
            None,
            "refund owed",
            f"pay:{r.payment_id}",
        )
        for r in p.past_due_refunds(on)
    ]
    items.sort(key=lambda row: -row[3])  # (stable: invoices first among equals)
    return ReportTable(
        f"Past due on {on}: follow up",
        (
            "customer",
            "invoice / refund",
            "due",
            "days past due",
            "outstanding",
            "noticed",
            "type",
            "row (receivables_aging)",
        ),
        tuple(items),
    )


def _revenue(projections: Sequence[Projection], on: date) -> ReportTable:
    p: RevenueSchedule = _get(projections, RevenueSchedule)
    rows: list[tuple[Any, ...]] = []
    # (both from one computation of the days served and not invoiced yet)
    to_date = p.to_date(on)
    for cur, amount in sorted(to_date.recognised.items()):
        rows.append(("recognised to date", cur, amount, None, None))
    for cur, amount in sorted(p.deferred(on).items()):
        rows.append(("deferred revenue", cur, amount, None, None))
    # earned on service not invoiced by ``on`` (in arrears, a draft awaiting its approvals, a
    # run not made yet, a late invoice): in "recognised"
    for cur, amount in sorted(to_date.contract_assets.items()):
        rows.append(("contract asset (served, not invoiced yet)", cur, amount, None, None))
    # each forecast month split: scheduled from issued invoices, contracted not yet issued
    empty = set()
    # (the first row, the rest of the month of ``on``, counts only the days after it)
    rest = f" from {on + timedelta(days=1)}"
    for m in p.forecast(on, 12):
        if all(x.rounded().is_zero() for x in (m.amount, m.scheduled, m.contracted)):
            empty.add(len(rows))
        part = rest if (m.month.year, m.month.month) == (on.year, on.month) else ""
        line = f"forecast {m.month:%Y-%m}{part}"
        rows.append((line, m.currency, m.amount, m.scheduled, m.contracted))
    return ReportTable(
        f"Revenue (ASC 606 / IFRS 15) on {on}",
        ("line", "currency", "amount", "scheduled", "contracted"),
        tuple(rows),
        empty_rows=frozenset(empty),
        empty_rows_are="forecast months with nothing forecast",
    )


def _kpis(projections: Sequence[Projection], on: date) -> ReportTable:
    """Per worker and customer: hours entered, billable and invoiced; each customer named with
    its id (``customer id``: two customers of one name are told apart), a worker's customers
    by name, then id, as the other customer reports list them, and the row ``q2c explain``
    takes (``wc:<worker as kept>|<customer id>``: the worker as ``person_key`` keeps the
    person, "dana" for Dana)."""
    p: Kpis = _get(projections, Kpis)
    names = _names(projections)
    times = sorted(
        p.time_entered_vs_invoiced(),
        key=lambda t: (
            t.worker,
            name_order(str(names.get(t.customer_id, t.customer_id))),
            t.customer_id,
        ),
    )
    rows = tuple(
        (
            t.worker,
            names.get(t.customer_id, t.customer_id),
            shown_hours(t.entered),
            shown_hours(t.billable),
            shown_hours(t.invoiced),
            t.billable_percent,
            t.customer_id,
            f"wc:{person_key(t.worker)}|{t.customer_id}",
        )
        for t in times
    )
    share = p.billable_hours_percent()
    # (no hours entered: no share, not "0 %")
    billable = "no hours entered" if share is None else f"billable hours {share} %"
    return ReportTable(
        f"Time entered vs invoiced, as recorded ({billable})",
        (
            "worker",
            "customer",
            "entered",
            "billable",
            "invoiced",
            "billable %",
            "customer id",
            "row (kpis)",
        ),
        rows,
    )


def _utilisation(projections: Sequence[Projection], on: date) -> ReportTable:
    p: Kpis = _get(projections, Kpis)
    period = Period(month_start(on), on + (date(2000, 1, 2) - date(2000, 1, 1)))
    rows = tuple(
        (
            u.worker,
            str(period),
            shown_hours(u.logged),
            shown_hours(u.available),
            u.utilisation_percent,
            u.billable_percent,
        )
        for u in p.utilisation(period)
    )
    return ReportTable(
        f"Utilisation {period} (8 h per working day)",
        ("worker", "period", "logged", "available", "utilisation %", "billable %"),
        rows,
    )


def _statements(projections: Sequence[Projection], on: date) -> ReportTable:
    """Per customer: invoices with what is open of them (credit notes typed "credit note"),
    payments with the credit each still holds (``Statement.credit_held``), refunds paid, and
    refunds owed back (refunded from a payment that bounced) with what the customer's credit
    does not cover. Down the "open /
    unallocated" column, per currency, invoices and refunds owed less what payments hold is
    what the customer owes in all: its balance's ``open - credit``. Each row names the
    customer with its id (``customer id``), the customers by name, then id."""
    p: CustomerStatement = _get(projections, CustomerStatement)
    rows: list[tuple[Any, ...]] = []
    for customer_id, name in p.customers():
        s = p.statement(customer_id, on)
        for i in s.invoices:
            # (a credit note by its kind, its amount negative: not one more invoice)
            kind = "credit note" if i.kind == "credit_note" else "invoice"
            rows.append((name, kind, i.number, i.issued_on, i.total, i.outstanding, customer_id))
        # (what each payment holds: never below 0.00, less what covers refunds owed back; the
        # debt a bounce leaves is the refund owed row, so nothing is counted twice)
        held = s.credit_held()
        for pay in s.payments:
            state = (
                f"{pay.reference} (bounced {pay.bounced_on})" if pay.bounced_on else pay.reference
            )
            covering = max(pay.unallocated, Money.zero(pay.unallocated.currency))
            covering -= held[pay.payment_id]
            if covering.is_positive():
                state = f"{state} ({covering.rounded().amount} of it against refunds owed)"
            rows.append(
                (
                    name,
                    "payment",
                    state,
                    pay.received_on,
                    pay.amount,
                    held[pay.payment_id],
                    customer_id,
                )
            )
            for r in pay.refunds:  # credit paid back to the customer
                text = f"{r.reference} (of {pay.reference})" if r.reference else pay.reference
                rows.append((name, "refund", text, r.refunded_on, r.amount, None, customer_id))
        for w in s.write_offs:  # a remainder written off: owed no longer, not paid
            text = f"{w.number}: {w.reason}"
            # (a negative one was taken back by a credit note: owed again, then credited)
            kind = "write-off" if w.amount.is_positive() else "write-off taken back"
            rows.append((name, kind, text, w.written_off_on, w.amount, None, customer_id))
        for owed in s.refunds_owed:  # refunded, then the payment bounced: owed back
            text = f"{owed.reference or owed.refund_id} (of {owed.payment_reference}, bounced)"
            rows.append(
                (
                    name,
                    "refund owed",
                    text,
                    owed.owed_since,
                    owed.amount,
                    owed.outstanding,
                    customer_id,
                )
            )
    return ReportTable(
        f"Customer statements on {on}",
        (
            "customer",
            "type",
            "number / reference",
            "date",
            "amount",
            "open / unallocated",
            "customer id",
        ),
        tuple(rows),
    )


REPORTS: Mapping[str, Callable[[Sequence[Projection], date], ReportTable]] = {
    "customers": customer_summary,
    "unbilled": _unbilled,
    "unbilled-by-customer": _unbilled_by("customer"),
    "unbilled-by-request": _unbilled_by("request"),
    "unbilled-by-contract": _unbilled_by("contract"),
    "unbilled-by-manager": _unbilled_by("account_manager"),
    "unbilled-by-age": _unbilled_by("age"),
    "leakage": _leakage,
    "prepaid": _prepaid,
    "commissions": _commissions,
    "commission-statements": _commission_statement,
    "review": _review,
    "awaiting-po": _awaiting,
    "product-areas": _areas,
    "aging": _aging,
    "past-due": _past_due,
    "revenue": _revenue,
    "kpis": _kpis,
    "utilisation": _utilisation,
    "statements": _statements,
}


def report_table(name: str, projections: Sequence[Projection], on: date) -> ReportTable:
    """Build one named report (see ``REPORTS``) from the projections, its money at each
    currency's minor unit (``0.00 EUR``, never ``0``, next to ``124.91 EUR``), as the table,
    CSV and JSON show it."""
    try:
        build = REPORTS[name]
    except KeyError:
        raise KeyError(f"no report {name!r}; choose one of {', '.join(REPORTS)}") from None
    table = build(projections, on)
    rows = tuple(tuple(_at_minor_unit(value) for value in row) for row in table.rows)
    return attrs.evolve(table, rows=rows)


# The columns of each report that hold amounts (``Money``; a prepaid allowance of hours has its
# hours there). CSV writes each as a plain number, the row's currency in one ``currency`` column.
MONEY_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "customers": ("invoiced", "paid", "open", "past due", "credit", "unbilled", "leakage risk"),
    "unbilled": ("amount",),
    "unbilled-by-customer": ("amount",),
    "unbilled-by-request": ("amount",),
    "unbilled-by-contract": ("amount",),
    "unbilled-by-manager": ("amount",),
    "unbilled-by-age": ("amount",),
    "leakage": ("value",),
    "prepaid": PREPAID_QUANTITIES,
    "commissions": ("collected", "commission"),
    "commission-statements": ("commission",),
    "review": ("PO amount", "invoiced", "paid", "unbilled overage"),
    "awaiting-po": ("estimate",),
    "product-areas": (),
    "aging": ("current", "1-30", "31-60", "61-90", "90+", "total"),
    "past-due": ("outstanding",),
    "revenue": ("amount", "scheduled", "contracted"),
    "kpis": (),
    "utilisation": (),
    "statements": ("amount", "open / unallocated"),
}

CURRENCY_COLUMN = "currency"


def csv_table(name: str, table: ReportTable) -> tuple[list[str], list[list[str]]]:
    """The header and rows ``q2c report --format csv`` writes: every amount a plain number
    (``-121.00``, which a spreadsheet sums, where ``-121.00 EUR`` was text it might even run as
    a formula), the row's currency in one ``currency`` column before the first amount (the
    revenue report has its own), empty in a row with no amount (an allowance of hours); the
    header is the same with no row. Text cells as ``csv_cell`` writes them.

    The amounts of one row are in one currency (q2c never adds two): a row that mixes them is
    a ``ValueError``, never a currency column that is wrong for some of its cells."""
    return csv_rows(table, MONEY_COLUMNS[name])


def csv_rows(table: ReportTable, money: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """``csv_table`` of a table whose amounts are in the columns ``money``."""
    name = table.title
    own = CURRENCY_COLUMN in table.columns
    header = list(table.columns)
    at = None
    if money and not own:
        at = table.columns.index(money[0])
        header.insert(at, CURRENCY_COLUMN)
    rows: list[list[str]] = []
    for row in table.rows:
        currencies = {
            v.currency for c, v in zip(table.columns, row, strict=False) if isinstance(v, Money)
        }
        if len(currencies) > 1:
            raise ValueError(f"{name}: one row holds amounts in {sorted(currencies)}")
        cells = [
            _amount_cell(v) if c in money else csv_cell(c, v)
            for c, v in zip(table.columns, row, strict=False)
        ]
        if at is not None:
            cells.insert(at, next(iter(currencies), ""))
        elif own and currencies:
            stated = row[table.columns.index(CURRENCY_COLUMN)]
            if {stated} != currencies:
                raise ValueError(f"{name}: a {stated} row holds amounts in {sorted(currencies)}")
        rows.append(cells)
    return header, rows


def _amount_cell(value: Any) -> str:
    """An amount as a plain number (its currency in the row's ``currency`` cell); hours as
    they are; nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return str(value.amount)
    return cell(value)


def _at_minor_unit(value: Any) -> Any:
    return value.rounded() if isinstance(value, Money) else value


def _is_key(column: str) -> bool:
    return column.startswith("row (") or column.endswith(" id")


_LONGEST_WORD = 30  # a text column narrows no further than this (a longer word is folded)


def _fixed_width(value: Any) -> bool:
    """Whether a cell is an amount, a number or a date: read whole or misread."""
    return isinstance(value, Money | Decimal | int | date) and not isinstance(value, bool)


def rich_table(report: ReportTable, *, keys: bool = True, every_row: bool = False) -> Table:
    """A report as a rich table (amounts right-aligned); ``keys=False`` leaves out the
    columns that only give keys for ``q2c explain`` (an overview for people, as the demo's).
    The report's empty rows (``ReportTable.empty_rows``) are left out, and the caption says
    how many, unless ``every_row``.

    Narrower than the table, the screen never shrinks an amount, number, date or key column
    below its widest cell: only text columns wrap (at spaces; a word longer than 30
    characters is folded, never cut), and a table that still does not fit is wider than the
    screen (print it with ``crop=False``, as ``q2c report`` does, to keep every column).

    Each cell is plain text, never rich markup: a name or title with square brackets prints
    as typed."""
    rows = [row for i, row in enumerate(report.rows) if every_row or i not in report.empty_rows]
    left_out = len(report.rows) - len(rows)
    caption = None if report.rows else "nothing to show"
    if left_out:
        caption = f"{report.empty_rows_are} left out: {left_out} (q2c report --all shows them)"
    # (as wide as its title, so a narrow table's title reads on one line; an empty one says so)
    table = Table(
        title=report.title,
        title_justify="left",
        min_width=len(report.title),
        caption=caption,
        caption_justify="left",
    )
    shown = [i for i, c in enumerate(report.columns) if keys or not _is_key(c)]
    for i in shown:
        column = report.columns[i]
        # a column is numeric by its first filled cell (a row may leave it empty)
        sample = next((r[i] for r in report.rows if i < len(r) and r[i] not in (None, "")), None)
        numeric = isinstance(sample, Money | Decimal | int)
        texts = [cell(r[i]) for r in rows if i < len(r)]
        # (a header wraps at its spaces, so its longest word is as narrow as it goes)
        header_word = max(map(len, column.split()), default=0)
        if _is_key(column) or any(_fixed_width(r[i]) for r in rows if i < len(r)):
            # a key to paste into q2c explain, an amount, a number or a date: whole, on one
            # line, whatever the width
            widest = max([header_word, *map(len, texts)])
            table.add_column(
                column, justify="right" if numeric else "left", min_width=widest, overflow="fold"
            )
            continue
        longest = max([header_word, *(len(w) for t in texts for w in t.split())])
        table.add_column(
            column,
            justify="right" if numeric else "left",
            min_width=min(longest, _LONGEST_WORD),
            overflow="fold",
        )
    for row in rows:
        # (as Text, never markup: "Acme [b]" is a name, and "[/v2]" in a title no closing tag
        # that stops the report with a MarkupError)
        table.add_row(*(Text(cell(row[i])) for i in shown if i < len(row)))
    return table


KEY_REPORTS = (
    "customers",
    "statements",
    "commission-statements",
    "commissions",
    "unbilled-by-manager",
    "leakage",
    "prepaid",
    "aging",
    "past-due",
    "awaiting-po",
    "product-areas",
    "review",
    "revenue",
    "kpis",
    "utilisation",
)


def print_reports(
    app: Application[Any],
    console: Console | None = None,
    as_of: date | datetime | None = None,
    projections: Sequence[Projection] | None = None,
) -> list[Projection]:
    """Print the per-customer summary, commissions and the other key reports.

    Builds every projection from the application's events (as of a recording time when
    ``as_of`` is a datetime; ``as_of`` as a date is the business date the reports are for,
    default today). Returns the projections it used.
    """
    console = console or Console()
    recorded: datetime | None = as_of if isinstance(as_of, datetime) else None
    if isinstance(as_of, datetime):
        on = as_of.date()
    elif isinstance(as_of, date):
        on = as_of
    else:
        on = datetime.now(UTC).date()
    if projections is None:
        projections = all_projections()
        rebuild(app, projections, as_of=recorded)
    for name in KEY_REPORTS:
        console.print(rich_table(report_table(name, projections, on), keys=False), crop=False)
    return list(projections)
