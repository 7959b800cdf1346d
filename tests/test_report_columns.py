"""What the `q2c report` columns show adds up: the prepaid hours granted are drawn, left,
forfeited or rolled over; a customer statement's open column tells what the customer owes;
a commission statement counts each currency's own lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.reports import json_value, report_table
from q2c_core import (
    AllowanceUnit,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
    TimeEntry,
)
from q2c_core.projections import (
    CustomerStatement,
    PrepaidCreditUsage,
    ProjectionStore,
    all_projections,
    catch_up,
)

runner = CliRunner(env={"COLUMNS": "400"})

Q1 = Period(date(2026, 1, 1), date(2026, 4, 1))
Q2 = Period(date(2026, 4, 1), date(2026, 7, 1))


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'q2c.db'}"


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme",
        "EUR",
        account_manager="mia",
        actor="bea",
        payment_terms_days=30,
        tax_rate=TaxRate.standard(21),
    )


def issued(app: QuoteToCash, customer: UUID, net: str, on: date, currency: str = "EUR") -> UUID:
    """An enhancement invoice of ``net`` plus 21 % tax, approved by both roles and issued."""
    line = InvoiceLine(
        f"l-{net}-{currency}",
        "enhancement work",
        Decimal(1),
        Money.of(net, currency),
        TaxRate.standard(21),
        LineSource(SourceKind.MANUAL, note="agreed by mail"),
        RevenueKind.ENHANCEMENT,
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=on, actor="pete", currency=currency)
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


def report(url: str, name: str, on: str, fmt: str = "json") -> Any:
    out = runner.invoke(cli, ["report", name, "--url", url, "--on", on, "--format", fmt])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)["rows"] if fmt == "json" else out.stdout


# -- prepaid: every hour granted is accounted for ---------------------------------------------


def acme_s_first_quarter(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme buys 20 hours and 10 more for Q1; Omar works 5 hours of a dashboard on the 20.
    At the end of March the 20-hour allowance expires (15 hours forfeited) and the 10 hours
    roll over into Q2."""
    customer = acme(app)
    expiring = app.grant_allowance(
        customer, unit=AllowanceUnit.HOURS, quantity="20", period=Q1,
        granted_on=date(2026, 1, 1), actor="bea",
    )  # fmt: skip
    rolling = app.grant_allowance(
        customer, unit=AllowanceUnit.HOURS, quantity="10", period=Q1,
        granted_on=date(2026, 1, 1), actor="bea",
    )  # fmt: skip
    request = app.open_request(customer, "Dashboard", requested_on=date(2026, 1, 2), actor="pete")
    app.estimate_request(request, hours=5, rate=eur("90"), actor="pete")
    app.cover_request_by_allowance(request, expiring, actor="bea")
    app.authorize_work(request, authorized_on=date(2026, 1, 2), actor="pete")
    entry = TimeEntry("u1", "omar", date(2026, 1, 5), Decimal("5"), eur("90"))
    app.log_work(request, entry, actor="omar")
    app.expire_allowance(expiring, expired_on=date(2026, 4, 1), actor="bea")
    app.roll_over_allowance(rolling, new_period=Q2, rolled_over_on=date(2026, 4, 1), actor="bea")
    return expiring, rolling


def test_the_prepaid_report_says_where_the_hours_not_drawn_went(url: str) -> None:
    """The report showed granted 20.00, drawn 5.00, remaining 0.00 for the expired allowance
    and 10 / 0 / 0 for the rolled-over one, with nothing saying where 15 and 10 hours went: it
    now shows them forfeited and rolled over, in the table, CSV and JSON, and every row adds
    up: granted = drawn + remaining + forfeited + rolled over."""
    app = QuoteToCash.open(url)
    expiring, rolling = acme_s_first_quarter(app)
    app.close()
    rows = {row["allowance id"]: row for row in report(url, "prepaid", "2026-04-02")}
    assert len(rows) == 3  # the two of Q1, and the one the 10 hours rolled into
    expired, rolled = rows[expiring.hex], rows[rolling.hex]
    assert (expired["status"], expired["forfeited"], expired["rolled over"]) == (
        "expired",
        "15.00",
        "0.00",
    )
    assert (rolled["status"], rolled["forfeited"], rolled["rolled over"]) == (
        "rolled_over",
        "0.00",
        "10.00",
    )
    for row in rows.values():
        parts = ("drawn", "remaining", "forfeited", "rolled over")
        assert Decimal(row["granted"]) == sum(Decimal(row[p]) for p in parts), row
    (q2,) = [r for r in rows.values() if r["status"] == "open"]
    assert (q2["granted"], q2["remaining"], q2["forfeited"]) == ("10.00", "10.00", "0.00")
    table = report(url, "prepaid", "2026-04-02", "csv")
    header, *lines = list(csv.reader(io.StringIO(table)))
    assert header[header.index("remaining") + 1 : header.index("remaining") + 3] == [
        "forfeited",
        "rolled over",
    ]
    by_id = {line[header.index("allowance id")]: line for line in lines}
    assert by_id[expiring.hex][header.index("forfeited")] == "15.00"
    assert by_id[rolling.hex][header.index("rolled over")] == "10.00"
    printed = runner.invoke(cli, ["report", "prepaid", "--url", url, "--on", "2026-04-02"])
    assert "forfeited" in printed.stdout and "rolled over" in printed.stdout


def test_granted_is_drawn_left_forfeited_or_rolled_over_for_hours_and_money() -> None:
    """The projection's identity, overage aside, for an hours allowance topped up and drawn
    beyond its hours, and a money allowance rolled over in part (the rest forfeited): open,
    and once closed, including the allowance the hours rolled into."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    hours = app.grant_allowance(
        customer, unit=AllowanceUnit.HOURS, quantity="8", period=Q1,
        granted_on=date(2026, 1, 1), actor="bea",
    )  # fmt: skip
    money = app.grant_allowance(
        customer, unit=AllowanceUnit.MONEY, quantity="1000", period=Q1,
        granted_on=date(2026, 1, 1), actor="bea",
    )  # fmt: skip
    app.top_up_allowance(hours, "2", topped_up_on=date(2026, 1, 3), reason="more", actor="bea")
    for n, (allowance, worked) in enumerate([(hours, "12.5"), (money, "4")]):
        request = app.open_request(customer, f"R{n}", requested_on=date(2026, 1, 2), actor="pete")
        app.estimate_request(request, hours=10, rate=eur("100"), actor="pete")
        app.cover_request_by_allowance(request, allowance, actor="bea")
        app.authorize_work(request, authorized_on=date(2026, 1, 2), actor="pete")
        entry = TimeEntry(f"t{n}", "dana", date(2026, 1, 6), Decimal(worked), eur("100"))
        app.log_work(request, entry, actor="dana")

    def usage() -> dict[str, Any]:
        projections = all_projections(ProjectionStore.memory())
        catch_up(app, projections)
        prepaid = next(p for p in projections if isinstance(p, PrepaidCreditUsage))
        return {u.allowance_id: u for u in prepaid.usage(date(2026, 4, 2))}

    def adds_up(u: Any) -> bool:
        return bool(u.granted == u.drawn + u.remaining + u.forfeited + u.rolled_over)

    before = usage()
    assert all(adds_up(u) for u in before.values())
    assert before[hours.hex].overage == Decimal("2.5")  # 12.5 worked on 10 hours: overage aside
    app.expire_allowance(hours, expired_on=date(2026, 4, 1), actor="bea")
    app.roll_over_allowance(
        money, new_period=Q2, rolled_over_on=date(2026, 4, 1), actor="bea", quantity="450"
    )
    after = usage()
    assert len(after) == 3 and all(adds_up(u) for u in after.values())
    assert (after[hours.hex].drawn, after[hours.hex].forfeited) == (Decimal(10), Decimal(0))
    spent = after[money.hex]
    assert (spent.drawn, spent.rolled_over, spent.forfeited) == (400, 450, 150)
    app.close()


# -- the customer statement: what the customer owes back is shown once -------------------------


def refunded_then_bounced(app: QuoteToCash) -> UUID:
    """Acme is invoiced 363.00 and pays 500.00: 137.00 of credit, refunded to it on 12
    January; on 20 January the bank bounces the 500.00. Acme owes the 363.00 again and the
    137.00 refunded: 500.00."""
    customer = acme(app)
    issued(app, customer, "300.00", date(2026, 1, 2))
    paid = app.receive_payment(
        customer, eur("500.00"), received_on=date(2026, 1, 10), reference="P1", actor="bea"
    )
    app.allocate_payment(paid, allocated_on=date(2026, 1, 10), actor="bea")
    app.refund_customer_credit(
        customer, eur("137.00"), refunded_on=date(2026, 1, 12), reference="R1", actor="bea"
    )
    app.bounce_payment(paid, bounced_on=date(2026, 1, 20), reason="nsf", actor="bea")
    return customer


def owed_by_the_statement(rows: list[dict[str, Any]]) -> Decimal:
    """What the statement's open column says the customer owes: open invoices and refunds
    owed back, less the money it holds unallocated."""
    owed = Decimal(0)
    for row in rows:
        shown = row["open / unallocated"]
        amount = Decimal(shown["amount"]) if shown else Decimal(0)
        owed += -amount if row["type"] == "payment" else amount
    return owed


def test_a_refund_owed_back_after_a_bounce_is_shown_once_on_the_statement(url: str) -> None:
    """The bounced payment showed -137.00 unallocated AND the refund owed row 137.00 open:
    read down the column, Acme owed 637.00. The payment now holds nothing (0.00), the debt
    is the refund owed row, and the column says 500.00, as the summary and the aging do."""
    app = QuoteToCash.open(url)
    customer = refunded_then_bounced(app)
    summary = app.customer_summary(customer, as_of=date(2026, 1, 31))
    projections = all_projections(ProjectionStore.memory())
    catch_up(app, projections)
    app.close()
    # the query (the portal's) keeps counting the payment at -137.00 toward the credit, and
    # says it holds nothing
    statements = next(p for p in projections if isinstance(p, CustomerStatement))
    statement = statements.statement(customer, date(2026, 1, 31))
    (bounced,) = statement.payments
    held = statement.credit_held()[bounced.payment_id]
    assert (str(bounced.unallocated.amount), str(held.amount)) == ("-137.00", "0.00")
    assert statement.credit == bounced.unallocated and statement.owed_back == eur("137.00")
    rows = report(url, "statements", "2026-01-31")
    by_type = {row["type"]: row for row in rows}
    assert by_type["payment"]["open / unallocated"]["amount"] == "0.00"
    assert by_type["refund owed"]["open / unallocated"]["amount"] == "137.00"
    assert by_type["invoice"]["open / unallocated"]["amount"] == "363.00"
    assert owed_by_the_statement(rows) == Decimal("500.00")
    assert summary.open.amount - summary.credit.amount == Decimal("500.00")
    aging = report(url, "aging", "2026-01-31")
    assert [r["total"]["amount"] for r in aging if r["customer"] == "TOTAL"] == ["500.00"]


def test_credit_covering_a_refund_owed_is_not_counted_again_on_the_statement(url: str) -> None:
    """Then Acme sends 200.00 on 25 January, not allocated: it covers the 137.00 owed back
    (the aging no longer chases it), and 63.00 of it is credit. The statement shows the
    refund owed with nothing left open and the 200.00 payment holding 63.00 (137.00 of it
    against refunds owed); down the column: 363.00 - 63.00 = 300.00, what Acme owes in all
    (open less credit), as the summary says. The statement query says the same."""
    app = QuoteToCash.open(url)
    customer = refunded_then_bounced(app)
    later = app.receive_payment(
        customer, eur("200.00"), received_on=date(2026, 1, 25), reference="P2", actor="bea"
    )
    summary = app.customer_summary(customer, as_of=date(2026, 1, 31))
    projections = all_projections(ProjectionStore.memory())
    catch_up(app, projections)
    app.close()
    rows = report(url, "statements", "2026-01-31")
    assert owed_by_the_statement(rows) == summary.open.amount - summary.credit.amount
    assert owed_by_the_statement(rows) == Decimal("300.00")
    shown = {r["type"]: (r["number / reference"], r["open / unallocated"]) for r in rows}
    assert shown["refund owed"][1] == {"amount": "0.00", "currency": "EUR"}
    payments = {
        r["number / reference"]: r["open / unallocated"]["amount"]
        for r in rows
        if r["type"] == "payment"
    }
    assert payments == {
        "P1 (bounced 2026-01-20)": "0.00",
        "P2 (137.00 of it against refunds owed)": "63.00",
    }
    statements = next(p for p in projections if isinstance(p, CustomerStatement))
    statement = statements.statement(customer, date(2026, 1, 31))
    held = statement.credit_held()
    assert sum((m.amount for m in held.values()), Decimal(0)) == statement.credit.amount
    assert held[later.hex] == eur("63.00")


# -- commission statements: each currency counts its own lines ---------------------------------


def test_a_commission_statement_in_two_currencies_counts_each_currency_s_lines(url: str) -> None:
    """Mia's March: two EUR invoices paid (two lines, 15.00 EUR) and one USD invoice paid (one
    line, 15.00 USD). Both rows said 3 lines. And the "to date" rows put "" in the lines
    column, so JSON mixed numbers and text: they now hold null (the table leaves the cell
    empty)."""
    app = QuoteToCash.open(url)
    customer = acme(app)
    issued(app, customer, "100.00", date(2026, 3, 1))
    issued(app, customer, "200.00", date(2026, 3, 2))
    issued(app, customer, "300.00", date(2026, 3, 3), currency="USD")
    for amount, currency, day in (("363.00", "EUR", 10), ("363.00", "USD", 11)):
        paid = app.receive_payment(
            customer,
            Money.of(amount, currency),
            received_on=date(2026, 3, day),
            reference=f"{currency}-1",
            actor="bea",
        )
        app.allocate_payment(paid, allocated_on=date(2026, 3, day), actor="bea")
    app.close()
    rows = report(url, "commission-statements", "2026-03-31")
    march = [(r["lines"], r["commission"]) for r in rows if r["period"] != "to date"]
    assert march == [
        (2, {"amount": "15.00", "currency": "EUR"}),
        (1, {"amount": "15.00", "currency": "USD"}),
    ]
    to_date = [r["lines"] for r in rows if r["period"] == "to date"]
    assert to_date == [None, None]
    assert all(r["lines"] is None or isinstance(r["lines"], int) for r in rows)
    printed = runner.invoke(
        cli, ["report", "commission-statements", "--url", url, "--on", "2026-03-31"]
    ).stdout
    assert "None" not in printed
    projections = all_projections(ProjectionStore.memory())
    again = QuoteToCash.open(url)
    catch_up(again, projections)
    table = report_table("commission-statements", projections, date(2026, 3, 31))
    assert [row[2] for row in table.rows] == [2, 1, None, None]
    again.close()


payments_of_acme = st.lists(
    st.tuples(
        st.sampled_from(["50.00", "100.00", "200.00", "500.00"]),  # received
        st.booleans(),  # allocated to the open invoice
        st.sampled_from(["0", "30.00", "80.00", "137.00"]),  # credit refunded after it
        st.booleans(),  # the bank bounces it
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payments_of_acme)
def test_down_the_statement_s_open_column_is_what_the_customer_owes(
    payments: list[tuple[str, bool, str, bool]],
) -> None:
    """Whatever Acme paid of its 363.00, had refunded and had bounced: no payment holds less
    than 0.00, and invoices and refunds owed less the credit payments hold add up to what the
    summary says Acme owes (open less credit)."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    issued(app, customer, "300.00", date(2026, 1, 2))
    day = date(2026, 1, 5)
    for n, (amount, allocate, refund, bounce) in enumerate(payments):
        paid = app.receive_payment(
            customer, eur(amount), received_on=day, reference=f"P{n}", actor="bea"
        )
        if allocate and app.customer_summary(customer).open.is_positive():
            app.allocate_payment(paid, allocated_on=day, actor="bea")
        credit = app.customer_credit(customer)
        if refund != "0" and credit.is_positive():
            app.refund_customer_credit(
                customer, min(credit, eur(refund)), refunded_on=day, reference=f"R{n}", actor="bea"
            )
        if bounce:
            app.bounce_payment(paid, bounced_on=day, reason="returned", actor="bank")
        day += timedelta(days=2)
    projections = all_projections(ProjectionStore.memory())
    catch_up(app, projections)
    table = report_table("statements", projections, date(2026, 1, 31))
    rows = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
    held = [r["open / unallocated"] for r in rows if r["type"] == "payment"]
    assert not any(m.is_negative() for m in held)
    summary = app.customer_summary(customer, as_of=date(2026, 1, 31))
    assert owed_by_the_statement([json_row(r) for r in rows]) == (
        summary.open.amount - summary.credit.amount
    )
    app.close()


def json_row(row: dict[str, Any]) -> dict[str, Any]:
    return {column: json_value(value) for column, value in row.items()}
