"""Refunded credit on the read side: the customer statement lists each refund under its payment
and counts the credit as the aggregates do, as of any day (before the refund, after it, after a
bounce that leaves the customer owing it), and the reports show it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from test_contract_billing import customer
from test_story_payment import issued

from q2c_adapters.reports import report_table
from q2c_core import Money, QuoteToCash
from q2c_core.projections import (
    CustomerStatement,
    StatementRefund,
    all_projections,
    catch_up,
)
from q2c_core.projections.store import ProjectionStore

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
    cust, pay, _ = refunded_history(app)
    app.bounce_payment(pay, bounced_on=date(2024, 3, 10), reason="returned", actor="bank")
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
    assert payment[-1] == eur(80)
    [row] = report_table("customers", projections, date(2024, 2, 28)).rows
    assert row[table.columns.index("customer")] == "Acme"
    assert row[5] == eur(80) == app.customer_summary(cust).credit
