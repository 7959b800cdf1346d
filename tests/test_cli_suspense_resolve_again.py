"""``q2c suspense resolve`` run again after a lost response says it recorded nothing new.

Ana assigns Initech's 99.00 to Acme on 10 April, 60.00 on Acme's invoice and the rest kept as
credit; her shell script times out and runs the same command again. ``resolve_bank_credit``
answers the retry as the first call (records nothing, returns the payment), but the command
listed the invoices paid as those the payment had gained during this very call: on the retry
none, so it printed the assignment with no invoice paid, as if the 99.00 had paid nothing
(Acme's credit 0.00 beside it). It now prints what the assignment paid, as the first run did.

But its first line was the first run's, "assigned 99.00 EUR ... to Acme GmbH on 2024-04-10",
so the operator's log showed two assignments where one was recorded, where ``q2c refund`` and
``q2c suspense return`` run again say theirs was recorded already, "nothing new". The retry (by
Ana or a colleague) now says the credit was assigned already, nothing new, exit code 0, then
what the assignment paid; a match to a payment recorded by hand sent again says so likewise.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_bank_credit_that_may_be_a_payment_recorded_by_hand import (
    bk,
    clara_records_the_phone_call,
    imported,
)
from test_cli_suspense import april
from typer.testing import CliRunner

from q2c_adapters.cli import _register_extensions
from q2c_adapters.cli import app as cli
from q2c_core import Money, QuoteToCash

runner = CliRunner(env={"COLUMNS": "200"})
_register_extensions()


@pytest.mark.parametrize(
    ("pay", "paid", "credit"),
    [(["--pay", "{number}=60.00"], "60.00", "39.00"), ([], "99.00", "0.00")],
    ids=["named invoices", "oldest due first"],
)
def test_the_same_assignment_run_again_prints_what_the_first_paid(
    tmp_path: Path, pay: list[str], paid: str, credit: str
) -> None:
    url, number = april(tmp_path)
    resolve = [
        "suspense", "resolve", "U7", "--url", url, "--on", "2024-04-10", "--actor", "ana",
        "--customer", "acme gmbh", *(p.format(number=number) for p in pay),
        "--note", "order 5521 is Acme's",
    ]  # fmt: skip
    first = runner.invoke(cli, resolve)
    assert first.exit_code == 0, first.output
    assert f"  paid {paid} EUR on {number}" in first.stdout.splitlines()

    app = QuoteToCash.open(url)
    recorded = app.recorder.max_notification_id()
    app.close()

    again = runner.invoke(cli, resolve)
    by_bea = runner.invoke(cli, [*resolve[:8], "bea", *resolve[9:]])

    assert again.exit_code == 0, again.output
    head, *lines = first.stdout.splitlines()
    assert head.startswith(
        "assigned 99.00 EUR (credit U7 booked 2024-04-02) to Acme GmbH on 2024-04-10: payment "
    )
    payment = head.rsplit(" ", 1)[1]
    assert again.stdout.splitlines() == [
        "credit U7 was assigned already (99.00 EUR booked 2024-04-02, to Acme GmbH on "
        f"2024-04-10: payment {payment}): nothing new",
        *lines,  # (what the assignment paid, as the first run said)
    ]
    assert by_bea.exit_code == 0, by_bea.output
    assert by_bea.stdout == again.stdout
    app = QuoteToCash.open(url)
    assert app.recorder.max_notification_id() == recorded
    [acme] = app.customers()
    assert app.customer_credit(acme.id) == Money.of(credit, "EUR")  # assigned once
    app.close()


def test_the_same_match_to_a_payment_recorded_by_hand_run_again_says_nothing_new(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    _acme, _invoice, number, clara = clara_records_the_phone_call(app)
    imported(app, bk("BK-1", number), "apr03.xml")
    app.close()
    match = [
        "suspense", "resolve", "BK-1", "--url", url, "--on", "2024-04-05", "--actor", "ana",
        "--payment", clara.hex,
    ]  # fmt: skip
    first = runner.invoke(cli, match)
    assert first.exit_code == 0, first.output
    app = QuoteToCash.open(url)
    recorded = app.recorder.max_notification_id()
    app.close()

    again = runner.invoke(cli, match)

    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [
        f"credit BK-1 was matched already (119.00 EUR booked 2024-04-03, to Acme GmbH's payment "
        f"{clara.hex} recorded by hand, received 2024-04-02, on 2024-04-05): nothing new"
    ]
    app = QuoteToCash.open(url)
    assert app.recorder.max_notification_id() == recorded
    app.close()
