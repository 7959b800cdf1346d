"""`q2c suspense`: the cash clerk clears the bank suspense from the shell.

The April statements leave two credits waiting: Initech's 99.00 EUR (a payer q2c cannot name)
and Globex's 15.00 EUR. `q2c suspense list` shows them, oldest booking first, with the days
each has waited; `--on 2024-04-03` shows what waited that day (Initech's alone). The clerk
assigns Initech's money to Acme, 60.00 on Acme's invoice, the rest kept as Acme's credit, and
sends Globex's back. Refusals (a credit that is not there, more than the credit on an invoice,
a reference of two credits, --pay beside --keep-as-credit) record nothing.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from test_bank_reversal_after_assignment import GLOBEX_15, UNKNOWN_99, statement
from test_bank_suspense_resolution_days import acme_with_invoice
from typer.testing import CliRunner

from q2c_adapters.cli import _register_extensions
from q2c_adapters.cli import app as cli
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import Money, QuoteToCash
from q2c_core.domain.bank_credit import CreditStatus

runner = CliRunner(env={"COLUMNS": "200"})
_register_extensions()  # the groups main() adds, ``suspense`` among them


def april(tmp_path: Path) -> tuple[str, str]:
    """The store after the April statements; returns its URL and Acme's invoice number."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    _, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(statement("2024-04-02", UNKNOWN_99), "apr02.xml", actor="bank")
    bank.import_bytes(statement("2024-04-05", GLOBEX_15), "apr05.xml", actor="bank")
    number = app.invoice(invoice).number
    app.close()
    assert number is not None
    return url, number


def listed(url: str, *args: str) -> list[dict[str, object]]:
    shown = runner.invoke(cli, ["suspense", "list", "--url", url, "--format", "json", *args])
    assert shown.exit_code == 0, shown.output
    rows: list[dict[str, object]] = json.loads(shown.stdout)["rows"]
    return rows


def test_the_clerk_lists_assigns_and_returns_the_credits_in_suspense(tmp_path: Path) -> None:
    url, number = april(tmp_path)
    waiting = listed(url, "--on", "2024-04-09")
    assert [(r["bank_reference"], r["days_waiting"]) for r in waiting] == [("U7", 7), ("G1", 4)]
    assert waiting[0]["amount"] == {"amount": "99.00", "currency": "EUR"}
    assert waiting[0]["payer"] == "Initech LLC"
    assert waiting[0]["reason"] == "unknown_customer"
    assert [r["bank_reference"] for r in listed(url, "--on", "2024-04-03")] == ["U7"]
    table = runner.invoke(cli, ["suspense", "list", "--url", url])
    assert table.exit_code == 0 and "Initech LLC" in table.stdout and "G1" in table.stdout
    sheet = runner.invoke(cli, ["suspense", "list", "--url", url, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(sheet.stdout)))
    assert [(r["bank_reference"], r["amount"], r["currency"]) for r in rows] == [
        ("U7", "99.00", "EUR"),
        ("G1", "15.00", "EUR"),
    ]

    assigned = runner.invoke(
        cli,
        [
            "suspense", "resolve", "U7", "--url", url, "--on", "2024-04-10", "--actor", "ana",
            "--customer", "acme gmbh", "--pay", f"{number}=60.00", "--note", "order 5521 is Acme's",
        ],
    )  # fmt: skip
    assert assigned.exit_code == 0, assigned.output
    lines = assigned.stdout.splitlines()
    assert lines[0].startswith("assigned 99.00 EUR (credit U7 booked 2024-04-02) to Acme GmbH")
    assert lines[1:] == [f"  paid 60.00 EUR on {number}", "  left as Acme GmbH's credit: 39.00 EUR"]

    returned = runner.invoke(
        cli,
        [
            "suspense", "return", "G1", "--url", url, "--on", "2024-04-12",
            "--reason", "not ours", "--actor", "ana",
        ],
    )  # fmt: skip
    assert returned.exit_code == 0, returned.output
    assert returned.stdout.strip() == (
        "returned 15.00 EUR (credit G1 booked 2024-04-05) on 2024-04-12: not ours"
    )

    assert listed(url) == []
    assert [r["bank_reference"] for r in listed(url, "--on", "2024-04-09")] == ["U7", "G1"]
    app = QuoteToCash.open(url)
    statuses = {c.credit.bank_reference: c.status for c in app.bank_credits()}
    assert statuses == {"U7": CreditStatus.RESOLVED, "G1": CreditStatus.RETURNED}
    [acme] = app.customers()
    assert app.customer_credit(acme.id) == Money.of("39.00", "EUR")
    app.close()


def test_refusals_of_the_suspense_commands_record_nothing(tmp_path: Path) -> None:
    url, number = april(tmp_path)
    app = QuoteToCash.open(url)
    before = app.recorder.max_notification_id()
    app.close()
    resolve = ["suspense", "resolve", "--url", url, "--on", "2024-04-10", "--actor", "ana"]
    for args, said in (
        ([*resolve, "NOPE", "--customer", "Acme GmbH"], "credit"),
        ([*resolve, "U7", "--customer", "Acme GmbH", "--pay", f"{number}=100.00"], "amount"),
        ([*resolve, "U7", "--customer", "Acme GmbH", "--pay", "60.00"], "--pay"),
        ([*resolve, "U7", "--customer", "Acme GmbH", "--pay", f"{number}=1", "--keep-as-credit"],
         "--pay"),
        ([*resolve, "U7"], "customer_id"),
        ([*resolve, "U7", "--customer", "Umbrella"], "customer"),
        ([*resolve[:5], "2024-04-01", *resolve[6:], "U7", "--customer", "Acme GmbH"],
         "resolved_on"),
        (["suspense", "return", "G1", "--url", url, "--on", "2024-04-12", "--reason", " ",
          "--actor", "ana"], "--reason"),
        (["suspense", "list", "--url", url, "--on", "April"], "--on"),
        (["suspense", "list", "--url", url, "--format", "xml"], "--format"),
    ):  # fmt: skip
        refused = runner.invoke(cli, args)
        assert refused.exit_code == 2, (args, refused.output)
        assert refused.output.startswith("error: ") and said in refused.output, refused.output
        assert len(refused.output.strip().splitlines()) == 1, refused.output
    app = QuoteToCash.open(url)
    assert app.recorder.max_notification_id() == before
    assert [c.credit.bank_reference for c in app.bank_suspense()] == ["U7", "G1"]
    app.close()
