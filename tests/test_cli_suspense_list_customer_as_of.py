"""``q2c suspense list --on DAY`` names the customer a credit was the money of at the end of that
day, not the one it was assigned to later.

On 2 April the bank books 99.00 EUR from Initech LLC, a payer q2c cannot name; on 10 April Ana
assigns it to Acme. The list of 7 April, which the auditor ties to the books' suspense of that
day, showed the row "unknown_customer" with "Acme" in its customer column: the money was
nobody's then (the books hold it in Liabilities:Suspense until the 10th). It now names no
customer on the days before the assignment, as the reason says; on the days it was Acme's it is
not listed, and a credit of a known customer still names it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from test_bank_reversal_after_assignment import CREDIT, UNKNOWN_99, entry, statement
from test_bank_suspense_resolution_days import acme_with_invoice
from test_beancount_ledger import issue, manual_line
from typer.testing import CliRunner

from q2c_adapters.cli import _register_extensions
from q2c_adapters.cli import app as cli
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash, TaxRate

runner = CliRunner(env={"COLUMNS": "200"})
_register_extensions()
MARCH = date(2024, 3, 1)


def listed(url: str, on: str) -> list[dict[str, Any]]:
    shown = runner.invoke(cli, ["suspense", "list", "--url", url, "--on", on, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    rows: list[dict[str, Any]] = json.loads(shown.stdout)["rows"]
    return rows


def test_a_credit_assigned_later_names_no_customer_on_the_days_it_was_nobodys(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    try:
        acme, _ = acme_with_invoice(app)
        bank = BankStatementImporter(app, today=date(2024, 4, 30))
        bank.import_bytes(statement("2024-04-02", UNKNOWN_99), "apr02.xml", actor="bank")
        [credit] = app.bank_credits()
        app.resolve_bank_credit(
            credit.id, resolved_on=date(2024, 4, 10), actor="ana", customer_id=acme, allocations=[]
        )
    finally:
        app.close()
    [row] = listed(url, "2024-04-07")
    assert row["reason"] == "unknown_customer"
    assert row["payer"] == "Initech LLC"
    assert row["customer"] == ""  # nobody's money on 7 April
    assert listed(url, "2024-04-10") == []  # Acme's from the 10th: no suspense


def test_a_credit_naming_two_customers_assigned_later_names_no_customer_before(
    tmp_path: Path,
) -> None:
    """A transfer whose text names Acme's invoice and Globex's is nobody's money until Ana
    assigns it (``ambiguous``, held in Liabilities:Suspense as an unknown payer's is): the list
    of the days before names no customer, not the one it went to later."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    try:
        _, acme_invoice = acme_with_invoice(app)
        globex = app.register_customer("Globex Inc", "EUR", account_manager="mia", actor="al")
        globex_invoice = app.draft_invoice(
            globex, [manual_line("L1", "50", TaxRate.standard(19))], drafted_on=MARCH, actor="b"
        )
        issue(app, globex_invoice, MARCH)
        numbers = " ".join(app.invoice(i).number or "" for i in (acme_invoice, globex_invoice))
        both = entry("2024-04-02", CREDIT, "99.00", "A9", "Payments Ltd", f"invoices {numbers}")
        bank = BankStatementImporter(app, today=date(2024, 4, 30))
        bank.import_bytes(statement("2024-04-02", both), "apr02.xml", actor="bank")
        [credit] = app.bank_credits()
        assert credit.customer_id is None  # (nobody's: two customers named)
        app.resolve_bank_credit(
            credit.id,
            resolved_on=date(2024, 4, 10),
            actor="ana",
            customer_id=globex,
            allocations=[],
        )
    finally:
        app.close()
    [row] = listed(url, "2024-04-07")
    assert row["reason"] == "ambiguous"
    assert row["customer"] == ""  # nobody's money on 7 April, not Globex's
    assert listed(url, "2024-04-10") == []
