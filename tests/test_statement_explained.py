"""An auditor asks `q2c explain statements <customer id>` where a customer's statement comes
from: its numbers (invoiced, paid, open, credit, refunds owed) are worked out from the
customer's invoices and payments, so the events behind them are those documents' issues,
payments applied and taken back, credits, refunds and bounces, not only the registration, the
drafts and the receipts that list them on the customer's row."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from test_projections_story import A, issue
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

runner = CliRunner(env={"COLUMNS": "400"})


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def manual(line_id: str, price: str) -> InvoiceLine:
    return InvoiceLine(
        line_id,
        f"item {line_id}",
        Decimal(1),
        eur(price),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )


def beta_pays_then_its_payment_bounces(url: str) -> dict[str, UUID]:
    """Beta owes INV-000001 (120.00) and INV-000002 (50.00); it pays 170.00 on 5 January,
    INV-000002 is credited in full on 10 January (its 50.00 becomes credit), 20.00 of that
    credit is refunded on 11 January, and the bank returns the payment on 12 January: Beta
    owes 120.00 and the 20.00 refunded. Gamma, another customer, owes an invoice of its own."""
    app = QuoteToCash.open(url)
    beta = app.register_customer("Beta", "EUR", account_manager="max", actor=A)
    first = app.draft_invoice(
        beta, [manual("L1", "100.00"), manual("L2", "20.00")], drafted_on=date(2024, 1, 1), actor=A
    )
    issue(app, first, date(2024, 1, 1))
    second = app.draft_invoice(beta, [manual("L1", "50.00")], drafted_on=date(2024, 1, 2), actor=A)
    issue(app, second, date(2024, 1, 2))
    paid = app.receive_payment(
        beta, eur("170.00"), received_on=date(2024, 1, 5), reference="B-170", actor=A
    )
    app.allocate_payment(paid, allocated_on=date(2024, 1, 5), actor=A)
    note = app.draft_credit_note(
        second,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="not delivered",
        drafted_on=date(2024, 1, 10),
        actor=A,
    )
    issue(app, note, date(2024, 1, 10))
    app.refund_customer_credit(
        beta, eur("20.00"), refunded_on=date(2024, 1, 11), reference="RF-1", actor=A
    )
    app.bounce_payment(paid, bounced_on=date(2024, 1, 12), reason="returned", actor="bank")
    gamma = app.register_customer("Gamma", "EUR", account_manager="max", actor=A)
    other = app.draft_invoice(gamma, [manual("L1", "70.00")], drafted_on=date(2024, 1, 3), actor=A)
    issue(app, other, date(2024, 1, 3))
    app.close()
    return {"beta": beta, "payment": paid, "note": note, "gamma": gamma, "other": other}


def test_explain_statements_lists_the_events_behind_the_customer_s_numbers(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    ids = beta_pays_then_its_payment_bounces(url)
    report = runner.invoke(
        cli, ["report", "statements", "--url", url, "--on", "2024-02-01", "--format", "csv"]
    )
    assert report.exit_code == 0, report.output
    assert "refund owed" in report.stdout and "EUR,120.00,120.00" in report.stdout

    result = runner.invoke(cli, ["explain", "statements", ids["beta"].hex, "--url", url])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"customer_statement row cust:{ids['beta'].hex}" in out
    headings = [line for line in out.splitlines() if re.match(r"\d{4}-\d\d-\d\dT", line)]
    kinds = [line.split()[2] for line in headings]
    # what made the 120.00 open and the 20.00 owed back
    for kind in (
        "Customer.CustomerRegistered",
        "Invoice.Issued",
        "Payment.PaymentReceived",
        "Payment.PaymentAllocated",
        "Invoice.PaymentApplied",
        "Invoice.Credited",
        "Payment.CreditRefunded",
        "Payment.PaymentBounced",
        "Invoice.PaymentUnapplied",
    ):
        assert kind in kinds, (kind, kinds)
    assert kinds.count("Invoice.Issued") == 3  # the two invoices and the credit note
    assert f"{ids['note'].hex} v" in out and f"{ids['payment'].hex} v" in out
    # Gamma's invoice is no part of Beta's statement
    assert ids["gamma"].hex not in out and ids["other"].hex not in out
    assert f"{len(headings)} events behind it:" in out
