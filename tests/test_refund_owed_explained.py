"""The past-due list chases a refund owed back after a bounce for what the customer's other
money does not cover, and names its row (``pay:<payment>``) for `q2c explain`: the
explanation lists the events of that other money too, or the number it explains (20.00 of a
30.00 refund) cannot be told from the events shown."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from uuid import UUID

from test_projections_story import A
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import Money, QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


def money(amount: str, currency: str = "EUR") -> Money:
    return Money.of(amount, currency)


def beta_owes_back_part_of_a_refund(url: str) -> dict[str, UUID]:
    """Beta paid 100.00 on 5 January, was refunded 30.00 of it on 6 January, and the bank
    returned the payment on 7 January: Beta owes the 30.00 back. It paid 10.00 more on 20
    January (not allocated: credit against the debt) and 40.00 USD (another currency).
    Gamma, another customer, paid 50.00."""
    app = QuoteToCash.open(url)
    beta = app.register_customer("Beta", "EUR", account_manager="max", actor=A)
    bounced = app.receive_payment(
        beta, money("100.00"), received_on=date(2024, 1, 5), reference="B-100", actor=A
    )
    app.refund_customer_credit(
        beta, money("30.00"), refunded_on=date(2024, 1, 6), reference="RF-1", actor=A
    )
    app.bounce_payment(bounced, bounced_on=date(2024, 1, 7), reason="returned", actor="bank")
    more = app.receive_payment(
        beta, money("10.00"), received_on=date(2024, 1, 20), reference="B-10", actor=A
    )
    dollars = app.receive_payment(
        beta, money("40.00", "USD"), received_on=date(2024, 1, 21), reference="B-USD", actor=A
    )
    gamma = app.register_customer("Gamma", "EUR", account_manager="max", actor=A)
    other = app.receive_payment(
        gamma, money("50.00"), received_on=date(2024, 1, 22), reference="G-50", actor=A
    )
    app.close()
    return {"bounced": bounced, "more": more, "dollars": dollars, "other": other}


def test_explaining_a_refund_owed_lists_the_credit_that_covers_part_of_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    ids = beta_owes_back_part_of_a_refund(url)
    report = runner.invoke(
        cli, ["report", "past-due", "--url", url, "--on", "2024-02-01", "--format", "csv"]
    )
    assert report.exit_code == 0, report.output
    row = f"pay:{ids['bounced'].hex}"
    (chased,) = report.stdout.splitlines()[1:]
    assert chased.endswith(f"EUR,20.00,,refund owed,{row}")

    result = runner.invoke(cli, ["explain", "past-due", row, "--url", url])
    assert result.exit_code == 0, result.output
    out = result.stdout
    headings = [line for line in out.splitlines() if re.match(r"\d{4}-\d\d-\d\dT", line)]
    events = [(line.split()[2], line.split()[3]) for line in headings]
    assert events == [
        ("Payment.PaymentReceived", ids["bounced"].hex),
        ("Payment.CreditRefunded", ids["bounced"].hex),
        ("Payment.PaymentBounced", ids["bounced"].hex),
        ("Payment.PaymentReceived", ids["more"].hex),  # the 10.00 that covers part of it
    ]
    assert "4 events behind it:" in out
    assert ids["dollars"].hex not in out and ids["other"].hex not in out


def test_a_payment_that_owes_nothing_back_is_explained_by_its_own_events(
    tmp_path: Path,
) -> None:
    """The 10.00 paid later owes nothing back: its row is its own events only."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    ids = beta_owes_back_part_of_a_refund(url)
    result = runner.invoke(cli, ["explain", "aging", f"pay:{ids['more'].hex}", "--url", url])
    assert result.exit_code == 0, result.output
    assert "1 event behind it:" in result.stdout
    assert ids["bounced"].hex not in result.stdout
