"""Refunded credit on the read side: the customer statement lists each refund under its payment
and counts the credit as the aggregates do, as of any day (before the refund, after it, after a
bounce that leaves the customer owing it), and the reports show it. Money refunded out of a
payment that then bounced is owed back: the statement, the receivables aging and the past-due
follow-up list show it as a refund owed, aged from the bounce, until money the customer sends
covers it."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from uuid import UUID

from test_cli import runner
from test_contract_billing import customer
from test_story_payment import issued

from q2c_adapters.cli import app as cli
from q2c_adapters.reports import report_table
from q2c_core import Money, QuoteToCash, owed_back_left
from q2c_core.projections import (
    AgingRow,
    CustomerStatement,
    ReceivablesAging,
    RefundOwed,
    StatementRefund,
    StatementRefundOwed,
    all_projections,
    catch_up,
)
from q2c_core.projections.store import ProjectionStore, encode_row

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def refunded_history(app: QuoteToCash) -> tuple[UUID, UUID, list[str]]:
    """Acme pays 500.00 on 5 January for a 300.00 invoice; 120.00 of the 200.00 credit is paid
    back on 1 February, then the payment bounces on 10 March."""
    cust = customer(app)
    issued(app, cust, "300", date(2024, 1, 1))
    pay = app.receive_payment(
        cust, eur(500), received_on=date(2024, 1, 5), reference="transfer 1", actor=A
    )
    app.allocate_payment(pay, allocated_on=date(2024, 1, 5), actor=A)
    ids = app.refund_customer_credit(
        cust, eur(120), refunded_on=date(2024, 2, 1), reference="OUT-1", actor="bea"
    )
    return cust, pay, ids


def statement_of(app: QuoteToCash) -> CustomerStatement:
    statement = CustomerStatement()
    catch_up(app, [statement])
    return statement


def test_the_statement_lists_the_refund_and_the_credit_left(app: QuoteToCash) -> None:
    cust, _, [refund_id] = refunded_history(app)
    s = statement_of(app).statement(cust)
    [p] = s.payments
    assert p.refunds == (StatementRefund(refund_id, date(2024, 2, 1), "OUT-1", eur(120)),)
    assert (p.allocated, p.refunded, p.unallocated) == (eur(300), eur(120), eur(80))
    assert s.credit == app.customer_credit(cust) == eur(80)
    # as of the day before the refund, the credit was all there; and on the day, it is not
    before = statement_of(app).statement(cust, date(2024, 1, 31))
    assert before.credit == eur(200) and before.payments[0].refunds == ()
    assert statement_of(app).statement(cust, date(2024, 2, 1)).credit == eur(80)


def test_after_a_bounce_the_statement_shows_what_the_customer_owes(app: QuoteToCash) -> None:
    cust, pay, _ = bounced_after_refund(app)
    s = statement_of(app).statement(cust)
    [p] = s.payments
    assert p.bounced_on == date(2024, 3, 10) and p.refunded == eur(120)
    assert p.unallocated == app.payment(pay).unallocated == eur(-120)
    assert s.credit == app.customer_credit(cust) == eur(-120)
    assert s.open == eur(300)
    assert statement_of(app).statement(cust, date(2024, 3, 9)).credit == eur(80)


def test_the_statements_and_customers_reports_show_the_refund(app: QuoteToCash) -> None:
    cust, _, _ = refunded_history(app)
    projections = all_projections(ProjectionStore.memory())
    catch_up(app, projections)
    table = report_table("statements", projections, date(2024, 2, 28))
    [refund] = [r for r in table.rows if r[1] == "refund"]
    assert refund[2:5] == ("OUT-1 (of transfer 1)", date(2024, 2, 1), eur(120))
    [payment] = [r for r in table.rows if r[1] == "payment"]
    assert payment[table.columns.index("open / unallocated")] == eur(80)
    assert payment[table.columns.index("customer id")] == cust.hex
    customers = report_table("customers", projections, date(2024, 2, 28))
    [row] = customers.rows
    assert row[customers.columns.index("customer")] == "Acme"
    assert row[5] == eur(80) == app.customer_summary(cust).credit


BOUNCED = date(2024, 3, 10)


def bounced_after_refund(app: QuoteToCash) -> tuple[UUID, UUID, str]:
    """``refunded_history``, then the bank returns the 500.00 on 10 March: the 300.00 invoice
    (due 31 January) is owed again, and so are the 120.00 paid back to Acme."""
    cust, pay, [refund_id] = refunded_history(app)
    app.bounce_payment(pay, bounced_on=BOUNCED, reason="returned", actor="bank")
    return cust, pay, refund_id


def aging_of(app: QuoteToCash) -> ReceivablesAging:
    aging = ReceivablesAging()
    catch_up(app, [aging])
    return aging


def test_the_statement_shows_the_refund_owed_back_after_the_bounce(app: QuoteToCash) -> None:
    """The statement names the 120.00 as owed back since the bounce, not only as a credit of
    -120.00; money Acme sends later and nobody allocates covers it, the oldest debt first."""
    cust, pay, refund_id = bounced_after_refund(app)
    s = statement_of(app).statement(cust)
    assert s.refunds_owed == (
        StatementRefundOwed(
            payment_id=pay.hex,
            payment_reference="transfer 1",
            refund_id=refund_id,
            reference="OUT-1",
            refunded_on=date(2024, 2, 1),
            bounced_on=BOUNCED,
            owed_since=BOUNCED,
            amount=eur(120),
            outstanding=eur(120),
        ),
    )
    assert (s.open, s.owed_back, s.credit) == (eur(300), eur(120), eur(-120))
    assert s.balances[0].owed_back == eur(120)
    before = statement_of(app).statement(cust, date(2024, 3, 9))
    assert before.refunds_owed == () and before.owed_back == eur(0)
    app.receive_payment(
        cust, eur(50), received_on=date(2024, 3, 20), reference="part back", actor=A
    )
    [owed] = statement_of(app).statement(cust).refunds_owed
    assert (owed.amount, owed.outstanding) == (eur(120), eur(70))
    assert statement_of(app).statement(cust).owed_back == -app.customer_credit(cust) == eur(70)
    table = report_table("statements", [statement_of(app)], date(2024, 3, 31))
    [row] = [r for r in table.rows if r[1] == "refund owed"]
    assert row[2:] == ("OUT-1 (of transfer 1, bounced)", BOUNCED, eur(120), eur(70), cust.hex)


def test_the_aging_and_the_past_due_list_chase_the_refund_owed_from_the_bounce_day(
    app: QuoteToCash,
) -> None:
    """On 20 April the 120.00 has been owed for 41 days: a row of its own in Acme's aging
    (31-60), counted in the total, and on the follow-up list with the invoice. Once Acme
    sends the 120.00 back (left unallocated), it is no longer chased."""
    cust, pay, refund_id = bounced_after_refund(app)
    aging = aging_of(app)
    assert aging.refunds_owed(date(2024, 3, 9)) == []
    [on_the_day] = aging.refunds_owed(BOUNCED)
    assert (on_the_day.days_past_due, on_the_day.bucket) == (0, "current")
    assert aging.past_due_refunds(BOUNCED) == []
    april_20 = date(2024, 4, 20)
    [owed] = aging.refunds_owed(april_20)
    assert owed == RefundOwed(
        payment_id=pay.hex,
        customer_id=cust.hex,
        payment_reference="transfer 1",
        refund_id=refund_id,
        reference="OUT-1",
        refunded_on=date(2024, 2, 1),
        bounced_on=BOUNCED,
        owed_since=BOUNCED,
        amount=eur(120),
        outstanding=eur(120),
        days_past_due=41,
        bucket="31-60",
    )
    assert aging.past_due_refunds(april_20) == [owed]
    zero = eur(0)
    invoices, refunds = aging.aging(april_20)
    assert invoices.kind == "invoices" and invoices.buckets["61-90"] == eur(300)
    assert refunds == AgingRow(
        cust.hex,
        "EUR",
        {"current": zero, "1-30": zero, "31-60": eur(120), "61-90": zero, "90+": zero},
        "refunds owed",
    )
    [everyone] = aging.totals(april_20)
    assert everyone.total == eur(420)

    projections = all_projections(ProjectionStore.memory())
    catch_up(app, projections)
    past_due = report_table("past-due", projections, april_20)
    assert [(r[1], r[3], r[4], r[6]) for r in past_due.rows] == [
        ("INV-000001", 80, eur(300), "invoice"),
        ("OUT-1 (of transfer 1, refunded 2024-02-01)", 41, eur(120), "refund owed"),
    ]
    assert past_due.rows[1][-1] == f"pay:{pay.hex}"
    rows = report_table("aging", projections, april_20).rows
    # one customer, its invoices and its refunds owed back told apart by kind
    assert [(r[0], r[-3], r[-2], r[-1]) for r in rows] == [
        ("Acme", eur(300), "invoices", cust.hex),
        ("Acme", eur(120), "refunds owed", cust.hex),
        ("TOTAL", eur(420), "", ""),
    ]
    # the customers report and the summary chase the same: past due 420.00, credit -120.00
    [acme] = report_table("customers", projections, april_20).rows
    assert (acme[4], acme[5]) == (eur(420), eur(-120))
    summary = app.customer_summary(cust, as_of=april_20)
    assert (summary.past_due, summary.owed_back, summary.credit) == (eur(420), eur(120), eur(-120))
    # before the bounce the invoice was paid and nothing was owed back (80.00 credit); on its
    # day the 300.00 is owed again, past due, and the 120.00 owed back, not yet past due
    before = app.customer_summary(cust, as_of=date(2024, 3, 9))
    on_the_day = app.customer_summary(cust, as_of=BOUNCED)
    assert (before.owed_back, on_the_day.owed_back) == (eur(0), eur(120))
    assert (before.open, before.past_due, before.credit) == (eur(0), eur(0), eur(80))
    assert (on_the_day.open, on_the_day.past_due, on_the_day.credit) == (
        eur(300),
        eur(300),
        eur(-120),
    )

    app.receive_payment(
        cust, eur(120), received_on=date(2024, 4, 25), reference="paid back", actor=A
    )
    aging = aging_of(app)
    assert aging.refunds_owed(date(2024, 4, 30)) == []
    assert [r.kind for r in aging.aging(date(2024, 4, 30))] == ["invoices"]
    assert aging.refunds_owed(april_20) == [owed]  # as it stood that day


def test_money_sent_back_covers_the_oldest_refund_owed_first() -> None:
    """Two refunds owed (100.00 since February, 50.00 since March) and a credit of -80.00:
    70.00 came back, which covers the February one first; 30.00 and the 50.00 are left."""
    assert owed_back_left([eur(100), eur(50)], eur(-80)) == [eur(30), eur(50)]
    assert owed_back_left([eur(100), eur(50)], eur(10)) == [eur(0), eur(0)]


def test_a_receivables_store_built_before_it_kept_payments_is_rebuilt_to_show_the_debt(
    tmp_path: Path,
) -> None:
    """Receivables rows of the previous layout (version 2: no payment rows) cannot tell a
    refund owed: `q2c report past-due` refuses them and names `q2c rebuild`, after which the
    report shows it."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    bounced_after_refund(app)
    store = ProjectionStore.open(url)
    catch_up(app, all_projections(store))
    with store.recorder.datastore.transaction(commit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(
            "UPDATE q2c_projection_rows SET value = ? "
            "WHERE projection = 'receivables_aging' AND key = '__config__'",
            (encode_row({"config": {"rows": 2}}),),
        )
    store.close()
    app.close()
    report = ["report", "past-due", "--url", url, "--on", "2024-04-20", "--format", "csv"]
    stale = runner.invoke(cli, report)
    assert stale.exit_code == 2 and "q2c rebuild" in stale.output
    assert "receivables_aging" in stale.output
    rebuilt = runner.invoke(cli, ["rebuild", "--url", url, "--projection", "receivables_aging"])
    assert rebuilt.exit_code == 0, rebuilt.output
    fresh = runner.invoke(cli, report)
    assert fresh.exit_code == 0, fresh.output
    kinds = [r[7] for r in csv.reader(io.StringIO(fresh.stdout))][1:]
    assert kinds == ["invoice", "refund owed"]


def test_a_bounce_the_bank_dates_before_the_refund_is_owed_from_the_refund_s_day(
    app: QuoteToCash,
) -> None:
    """The bank returns the 500.00 as of 20 January, a day before Bea's refund of 1 February
    was known to be out of money Acme never had: the 120.00 is owed from 1 February, not
    before (on 25 January nothing had been paid out yet)."""
    cust, pay, _ = refunded_history(app)
    app.bounce_payment(pay, bounced_on=date(2024, 1, 20), reason="returned", actor="bank")
    aging = aging_of(app)
    assert aging.refunds_owed(date(2024, 1, 25)) == []
    [owed] = aging.refunds_owed(date(2024, 2, 11))
    assert (owed.bounced_on, owed.owed_since, owed.days_past_due) == (
        date(2024, 1, 20),
        date(2024, 2, 1),
        10,
    )
    [on_statement] = statement_of(app).statement(cust).refunds_owed
    assert on_statement.owed_since == date(2024, 2, 1)


def test_a_refund_owed_is_past_due_again_once_the_money_that_covered_it_is_allocated(
    app: QuoteToCash,
) -> None:
    """Acme owes the 120.00 back from the bounce on 10 March and sends 120.00 on 20 March,
    which covers it while nobody allocates it; on 5 April that money pays a new invoice
    (120.00, issued 1 April), so from then the refund is owed again, owed since 10 March: past
    due. The summary of 5 April chases what the aging and the past-due list chase: the 300.00
    invoice and the 120.00 (it counted the refund past due only if it was owed the day before
    as well, and on 4 April it was covered)."""
    cust, _, _ = bounced_after_refund(app)
    back = app.receive_payment(
        cust, eur(120), received_on=date(2024, 3, 20), reference="paid back", actor=A
    )
    later = issued(app, cust, "120", date(2024, 4, 1))
    app.allocate_payment(back, [(later, eur(120))], allocated_on=date(2024, 4, 5), actor=A)
    april_5 = date(2024, 4, 5)
    aging = aging_of(app)
    [owed] = aging.past_due_refunds(april_5)
    assert (owed.owed_since, owed.outstanding) == (BOUNCED, eur(120))
    summary = app.customer_summary(cust, as_of=april_5)
    assert (summary.past_due, summary.owed_back) == (eur(420), eur(120))
    # on 4 April the 120.00 received covered it: nothing owed back, the invoice past due
    assert app.customer_summary(cust, as_of=date(2024, 4, 4)).past_due == eur(300)
