"""``q2c suspense resolve`` run again after a lost response says what the assignment did.

Ana assigns Initech's 99.00 to Acme on 10 April, 60.00 on Acme's invoice and the rest kept as
credit; her shell script times out and runs the same command again. ``resolve_bank_credit``
answers the retry as the first call (records nothing, returns the payment), but the command
listed the invoices paid as those the payment had gained during this very call: on the retry
none, so it printed the assignment with no invoice paid, as if the 99.00 had paid nothing
(Acme's credit 0.00 beside it). It now prints what the assignment paid, as the first run did.
"""

from __future__ import annotations

from pathlib import Path

import pytest
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

    again = runner.invoke(cli, resolve)

    assert again.exit_code == 0, again.output
    assert again.stdout == first.stdout
    app = QuoteToCash.open(url)
    [acme] = app.customers()
    assert app.customer_credit(acme.id) == Money.of(credit, "EUR")  # assigned once
    app.close()
