"""What was owed as of a past day: receivables aging and the customer statement count only the
payments, reversals, bounces and credits of that day or before (each by its business day).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_projections_story import eur, issue, story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import (
    CreditDisposition,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
)
from q2c_core.domain.errors import RuleViolated
from q2c_core.projections import (
    CustomerStatement,
    ProjectionStore,
    ReceivablesAging,
    catch_up,
    rebuild,
)
from q2c_core.projections.follower import Follower
from q2c_core.projections.store import encode_row

APRIL_10 = date(2024, 4, 10)
MAY_1 = date(2024, 5, 1)  # issued: due 31 May (30 days' terms)
DUE = date(2024, 5, 31)
A = "alice"


def line(line_id: str, price: str) -> InvoiceLine:
    """A manual line, no tax."""
    return InvoiceLine(
        line_id,
        f"item {line_id}",
        Decimal(1),
        eur(price),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )


def customer_with_invoice(app: QuoteToCash, *prices: str) -> tuple[UUID, UUID]:
    """Beta, owing one invoice issued on 1 May, due on 31 May."""
    c = app.register_customer("Beta", "EUR", account_manager="max", actor=A)
    lines = [line(f"L{i}", p) for i, p in enumerate(prices, 1)]
    inv = app.draft_invoice(c, lines, drafted_on=MAY_1, actor="billy")
    issue(app, inv, MAY_1)
    return c, inv


def owed(aging: ReceivablesAging, on: date) -> list[tuple[Money, int, str]]:
    """(outstanding, days past due, bucket) of every open invoice on a day (days past due are
    negative before the due day)."""
    return [(i.outstanding, i.days_past_due, i.bucket) for i in aging.open_invoices(on)]


def built(app: QuoteToCash) -> tuple[ReceivablesAging, CustomerStatement]:
    aging, statements = ReceivablesAging(), CustomerStatement()
    catch_up(app, [aging, statements])
    return aging, statements


def test_an_invoice_paid_late_was_open_and_past_due_before_its_payment() -> None:
    """INV-000001 (1,210.00) was due on 7 April and paid on 20 April: on 10 April it was 3 days
    past due; from 20 April it is gone. The contract invoice (363.00, due 31 January) was paid
    on 10 February and bounced on 15 February: owed before and after, not in between."""
    app = QuoteToCash.open("memory:")
    ids = story(app)
    aging, _ = built(app)
    on_10th = aging.open_invoices(APRIL_10)
    assert [(i.number, i.outstanding, i.days_past_due, i.bucket) for i in on_10th] == [
        ("INV-000002", eur("363.00"), 70, "61-90"),
        ("INV-000001", eur("1210.00"), 3, "1-30"),
    ]
    assert on_10th[1].invoice_id == ids["invoice"].hex
    (row,) = aging.aging(APRIL_10)
    assert row.buckets["1-30"] == eur("1210.00") and row.buckets["61-90"] == eur("363.00")
    assert row.total == eur("1573.00")
    assert [i.number for i in aging.past_due(APRIL_10)] == ["INV-000002", "INV-000001"]
    assert owed(aging, date(2024, 4, 19)) == [
        (eur("363.00"), 79, "61-90"),
        (eur("1210.00"), 12, "1-30"),
    ]
    assert owed(aging, date(2024, 4, 20)) == [(eur("363.00"), 80, "61-90")]
    # not issued yet on 7 March: not open then either
    assert owed(aging, date(2024, 3, 7)) == [(eur("363.00"), 36, "31-60")]
    assert owed(aging, date(2024, 3, 8)) == [
        (eur("363.00"), 37, "31-60"),
        (eur("1210.00"), -30, "current"),  # due in 30 days
    ]
    # the bounced payment of the contract invoice
    assert owed(aging, date(2024, 2, 9)) == [(eur("363.00"), 9, "1-30")]
    assert owed(aging, date(2024, 2, 10)) == []
    assert owed(aging, date(2024, 2, 14)) == []
    assert owed(aging, date(2024, 2, 15)) == [(eur("363.00"), 15, "1-30")]
    assert owed(aging, date(2023, 12, 31)) == []  # nothing issued yet


def test_a_partial_payment_then_a_bounce() -> None:
    """400.00 of 1,000.00 paid on 10 May; the bank returns it on 5 June: 600.00 owed from
    10 May to 4 June, all 1,000.00 again from 5 June."""
    app = QuoteToCash.open("memory:")
    c, inv = customer_with_invoice(app, "1000.00")
    p = app.receive_payment(
        c, eur("400.00"), received_on=date(2024, 5, 10), reference="B1", actor=A
    )
    app.allocate_payment(p, [(inv, eur("400.00"))], allocated_on=date(2024, 5, 10), actor=A)
    app.bounce_payment(p, bounced_on=date(2024, 6, 5), reason="returned", actor="bank")
    aging, statements = built(app)
    assert owed(aging, date(2024, 5, 9)) == [(eur("1000.00"), -22, "current")]
    assert owed(aging, date(2024, 5, 10)) == [(eur("600.00"), -21, "current")]
    assert owed(aging, date(2024, 6, 4)) == [(eur("600.00"), 4, "1-30")]
    assert owed(aging, date(2024, 6, 5)) == [(eur("1000.00"), 5, "1-30")]
    # the statement on 1 June, before the bounce, and after it
    june_1 = statements.statement(c.hex, date(2024, 6, 1))
    assert (june_1.invoiced, june_1.paid, june_1.open, june_1.credit) == (
        eur("1000.00"),
        eur("400.00"),
        eur("600.00"),
        eur("0"),
    )
    (pay,) = june_1.payments
    assert (pay.allocated, pay.unallocated, pay.bounced_on) == (eur("400.00"), eur("0"), None)
    june_5 = statements.statement(c.hex, date(2024, 6, 5))
    assert (june_5.paid, june_5.open) == (eur("0"), eur("1000.00"))
    (pay,) = june_5.payments
    assert (pay.allocated, pay.unallocated, pay.bounced_on) == (
        eur("0"),
        eur("0"),
        date(2024, 6, 5),
    )
    assert statements.statement(c.hex) == june_5  # without a day: everything recorded


def test_a_payment_un_allocated_later_reopens_the_invoice_from_that_day_not_before() -> None:
    """Paid in full on 10 May; the allocation is reversed with reversed_on 20 June (recorded
    today): paid from 10 May to 19 June, owed (20 days past due) from 20 June."""
    app = QuoteToCash.open("memory:")
    c, inv = customer_with_invoice(app, "1000.00")
    p = app.receive_payment(
        c, eur("1000.00"), received_on=date(2024, 5, 10), reference="B2", actor=A
    )
    (alloc,) = app.allocate_payment(
        p, [(inv, eur("1000.00"))], allocated_on=date(2024, 5, 10), actor=A
    )
    app.reverse_allocation(p, alloc, reason="wrong invoice", actor=A, reversed_on=date(2024, 6, 20))
    aging, statements = built(app)
    assert owed(aging, date(2024, 5, 10)) == []
    assert owed(aging, date(2024, 6, 19)) == []
    assert owed(aging, date(2024, 6, 20)) == [(eur("1000.00"), 20, "1-30")]
    today = datetime.now(UTC).date()
    assert [(o, d) for o, d, _ in owed(aging, today)] == [(eur("1000.00"), (today - DUE).days)]
    # the money is the customer's credit again from 20 June
    before = statements.statement(c.hex, date(2024, 6, 19))
    after = statements.statement(c.hex, date(2024, 6, 20))
    assert (before.paid, before.open, before.credit) == (eur("1000.00"), eur("0"), eur("0"))
    assert (after.paid, after.open, after.credit) == (eur("0"), eur("1000.00"), eur("1000.00"))
    assert [i.number for i in after.open_invoices] == ["INV-000001"]
    assert not before.open_invoices


def test_a_reversal_recorded_before_q2c_kept_its_day_is_dated_by_its_recording() -> None:
    """An old history: the reversal carries no reversed_on, so it counts from the day it was
    recorded (today), and the invoice was paid until then."""
    app = QuoteToCash.open("memory:")
    c, inv = customer_with_invoice(app, "1000.00")
    p = app.receive_payment(
        c, eur("1000.00"), received_on=date(2024, 5, 10), reference="B3", actor=A
    )
    (alloc,) = app.allocate_payment(
        p, [(inv, eur("1000.00"))], allocated_on=date(2024, 5, 10), actor=A
    )
    payment, invoice = app.payment(p), app.invoice(inv)
    payment.reverse_allocation(alloc, "wrong invoice", A)  # as q2c recorded it before
    invoice.unapply_payment(alloc, "wrong invoice", A)
    app.save(payment, invoice)
    today = datetime.now(UTC).date()
    aging, statements = built(app)
    assert owed(aging, today - timedelta(days=1)) == []
    assert [o for o, _, _ in owed(aging, today)] == [eur("1000.00")]
    assert statements.statement(c.hex, today - timedelta(days=1)).open == eur("0")
    assert statements.statement(c.hex, today).open == eur("1000.00")


def test_a_credit_note_counts_from_the_day_it_is_issued() -> None:
    """1,000.00 (600.00 + 400.00) issued on 1 May; a credit note for the 400.00 line issued on
    15 May: 1,000.00 owed on 14 May, 600.00 from 15 May; the statement shows the note from
    then."""
    app = QuoteToCash.open("memory:")
    c, inv = customer_with_invoice(app, "600.00", "400.00")
    note = app.draft_credit_note(
        inv,
        line_ids=["L2"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="goodwill",
        drafted_on=date(2024, 5, 15),
        actor="billy",
    )
    issue(app, note, date(2024, 5, 15))
    aging, statements = built(app)
    assert owed(aging, date(2024, 5, 14)) == [(eur("1000.00"), -17, "current")]
    assert owed(aging, date(2024, 5, 15)) == [(eur("600.00"), -16, "current")]
    assert owed(aging, date(2024, 6, 10)) == [(eur("600.00"), 10, "1-30")]
    may_14 = statements.statement(c.hex, date(2024, 5, 14))
    assert [(i.number, i.total, i.credited, i.outstanding) for i in may_14.invoices] == [
        ("INV-000001", eur("1000.00"), eur("0"), eur("1000.00"))
    ]
    assert (may_14.invoiced, may_14.open) == (eur("1000.00"), eur("1000.00"))
    may_15 = statements.statement(c.hex, date(2024, 5, 15))
    assert [(i.number, i.total, i.credited, i.outstanding) for i in may_15.invoices] == [
        ("INV-000001", eur("1000.00"), eur("400.00"), eur("600.00")),
        ("CN-000001", eur("-400.00"), eur("0"), eur("0")),
    ]
    assert (may_15.invoiced, may_15.open) == (eur("600.00"), eur("600.00"))


def test_the_customer_statement_as_of_a_past_day() -> None:
    """Acme on 10 April owed both invoices (1,573.00) and had paid nothing that stuck; on
    12 February the contract invoice was paid (its payment bounced on the 15th) and the work
    invoice not issued yet; without a day, today's statement is as it always was."""
    app = QuoteToCash.open("memory:")
    ids = story(app)
    _, statements = built(app)
    customer = ids["customer"].hex
    april = statements.statement(customer, APRIL_10)
    assert (april.invoiced, april.paid, april.open, april.credit) == (
        eur("1573.00"),
        eur("0"),
        eur("1573.00"),
        eur("0"),
    )
    assert [(i.number, i.outstanding) for i in april.open_invoices] == [
        ("INV-000002", eur("363.00")),
        ("INV-000001", eur("1210.00")),
    ]
    assert [(p.reference, p.bounced_on) for p in april.payments] == [("MC", date(2024, 2, 15))]
    february = statements.statement(customer, date(2024, 2, 12))
    assert (february.invoiced, february.paid, february.open, february.credit) == (
        eur("363.00"),
        eur("363.00"),
        eur("0"),
        eur("0"),
    )
    assert february.open_invoices == ()
    (mc,) = february.payments
    assert (mc.allocated, mc.bounced_on) == (eur("363.00"), None)
    now = statements.statement(customer)
    assert (now.invoiced, now.paid, now.open, now.credit) == (
        eur("1573.00"),
        eur("1210.00"),
        eur("363.00"),
        eur("0"),
    )
    assert statements.statement(customer, date(2024, 6, 1)) == now


def test_a_statement_shows_an_invoice_in_a_second_currency_with_its_own_totals() -> None:
    """Beta (a EUR customer) also owes a USD invoice, half paid: the statement lists both
    invoices and the USD payment, totals each currency apart, and the customers report gives
    Beta one row per currency; nothing is ever added across currencies."""
    from q2c_adapters.reports import report_table
    from q2c_core.projections import StatementBalance, all_projections

    app = QuoteToCash.open("memory:")
    c, _ = customer_with_invoice(app, "100")
    usd = InvoiceLine(
        "L1", "licence", Decimal(1), Money.of(500, "USD"), TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )  # fmt: skip
    inv = app.draft_invoice(c, [usd], drafted_on=MAY_1, actor="billy", currency="USD")
    issue(app, inv, MAY_1)
    pay = app.receive_payment(c, Money.of(200, "USD"), received_on=MAY_1, reference="w", actor=A)
    app.allocate_payment(pay, [(inv, Money.of(200, "USD"))], allocated_on=MAY_1, actor=A)
    projections = all_projections()
    catch_up(app, projections)
    (statements,) = [p for p in projections if isinstance(p, CustomerStatement)]
    s = statements.statement(c.hex)
    assert [(i.number, i.outstanding) for i in s.invoices] == [
        ("INV-000001", eur("100.00")),
        ("INV-000002", Money.of("300.00", "USD")),
    ]
    assert (s.invoiced, s.paid, s.open) == (eur("100.00"), eur("0"), eur("100.00"))
    usd_money = [Money.of(v, "USD") for v in ("500.00", "200.00", "300.00", "0")]
    assert s.balances == (
        StatementBalance("EUR", eur("100.00"), eur("0"), eur("100.00"), eur("0")),
        StatementBalance("USD", *usd_money),
    )
    rows = report_table("customers", projections, date(2024, 6, 15)).rows
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("Beta", eur("100.00"), eur("100.00")),  # open, past due (due 31 May)
        ("Beta", Money.of("300.00", "USD"), Money.of("300.00", "USD")),
    ]


def test_a_restart_between_the_reversal_and_the_invoice_keeps_the_day(tmp_path: Path) -> None:
    """The payment's reversal and the invoice's un-application are two events: a follower
    stopped between them (one event a page, a new projection each page) still dates the
    invoice's reopening by the reversal's day, and equals a rebuild from an empty start."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    c, inv = customer_with_invoice(app, "1000.00")
    p = app.receive_payment(
        c, eur("1000.00"), received_on=date(2024, 5, 10), reference="B4", actor=A
    )
    (alloc,) = app.allocate_payment(
        p, [(inv, eur("1000.00"))], allocated_on=date(2024, 5, 10), actor=A
    )
    app.reverse_allocation(p, alloc, reason="wrong invoice", actor=A, reversed_on=date(2024, 6, 20))
    store = ProjectionStore.open(f"sqlite:///{tmp_path / 'rows.db'}")
    while Follower(app, [ReceivablesAging(store), CustomerStatement(store)], page_size=1).run(
        max_pages=1
    ):
        pass
    aging, statements = ReceivablesAging(store), CustomerStatement(store)
    assert owed(aging, date(2024, 6, 19)) == []
    assert owed(aging, date(2024, 6, 20)) == [(eur("1000.00"), 20, "1-30")]
    assert statements.statement(c.hex, date(2024, 6, 20)).open == eur("1000.00")
    fresh = [ReceivablesAging(), CustomerStatement()]
    rebuild(app, fresh)
    assert fresh[0].rows() == aging.rows() and fresh[1].rows() == statements.rows()
    assert not any(k.startswith("rev:") for k in aging.rows())  # the day was used, then dropped
    store.close()
    app.close()


def test_a_store_built_by_the_previous_row_layout_is_refused(tmp_path: Path) -> None:
    """Rows without the days of payments and credits cannot answer as of a day: a store built
    before they were kept is refused until it is rebuilt from events."""
    app = QuoteToCash.open("memory:")
    story(app)
    store = ProjectionStore.open(f"sqlite:///{tmp_path / 'rows.db'}")
    catch_up(app, [ReceivablesAging(store)])
    with store.recorder.datastore.transaction(commit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(
            "UPDATE q2c_projection_rows SET value = ? WHERE key = '__config__'",
            (encode_row({"config": {"rows": 1}}),),
        )
    with pytest.raises(RuleViolated, match="rebuild it from events"):
        catch_up(app, [ReceivablesAging(store)])
    store.close()


def test_q2c_report_aging_on_a_past_day(tmp_path: Path) -> None:
    """`q2c report aging --on 2024-04-10` (and past-due) show the work invoice owed then."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    runner = CliRunner(env={"COLUMNS": "400"})

    def report(name: str, on: str) -> list[list[str]]:
        out = runner.invoke(cli, ["report", name, "--url", url, "--on", on, "--format", "csv"])
        assert out.exit_code == 0, out.output
        return list(csv.reader(io.StringIO(out.stdout)))

    aging = report("aging", "2024-04-10")
    assert aging[0] == [
        "customer",
        "currency",
        "current",
        "1-30",
        "31-60",
        "61-90",
        "90+",
        "total",
        "kind",
        "customer id",
    ]
    acme = aging[1][-1]
    assert len(acme) == 32
    money = ["EUR", "0.00", "1210.00", "0.00", "363.00", "0.00", "1573.00"]
    assert aging[1:] == [["Acme", *money, "invoices", acme], ["TOTAL", *money, "", ""]]
    assert report("aging", "2024-04-20")[1] == [
        "Acme",
        "EUR",
        "0.00",
        "0.00",
        "0.00",
        "363.00",
        "0.00",
        "363.00",
        "invoices",
        acme,
    ]
    past_due = report("past-due", "2024-04-10")
    assert [(r[1], r[3], r[4], r[5]) for r in past_due[1:]] == [
        ("INV-000002", "70", "EUR", "363.00"),
        ("INV-000001", "3", "EUR", "1210.00"),
    ]
