"""A bank import's summary says which credits in suspense were booked as a customer's payment.

Acme's transfer pays its two invoices; Initech's 99.00 comes from an account the clerk says is
Globex's, and fits no Globex invoice: it is booked as Globex's payment (Globex's credit from the
bank's day) and waits for a person to allocate it. The summary said "1 recorded, 1 in suspense",
so a controller read the 99.00 as nobody's money kept off the books, while it stood on Globex's
account. It now says that one credit in suspense is its customer's payment, on no invoice yet;
a credit of an unknown payer is in suspense with no payment, and the summary says none."""

from __future__ import annotations

from pathlib import Path

from test_cli_imports import DATA, books, counts, owing_invoices, q2c

ARGS = ("--actor", "bank-sync", "--today", "2024-04-05", "--account", "DE89370400440532013000")


def test_the_summary_names_the_payment_waiting_in_suspense(tmp_path: Path) -> None:
    url, _ids = books(tmp_path, owing_invoices)
    payer = ("--payer", "GB33 BUKB 2020 1555 5555 55=globex sa")
    result = q2c(
        "import", "bank-statement", str(DATA / "bank_statement.csv"), "--url", url, *ARGS, *payer
    )
    assert result.exit_code == 0, result.output
    assert counts(result)["in suspense"] == 1
    (line,) = [ln for ln in result.stdout.splitlines() if "in suspense" in ln]
    assert line.endswith("(1 booked as its customer's payment, on no invoice yet)")


def test_a_credit_of_nobody_is_in_suspense_with_no_payment(tmp_path: Path) -> None:
    url, _ids = books(tmp_path, owing_invoices)
    result = q2c("import", "bank-statement", str(DATA / "bank_statement.csv"), "--url", url, *ARGS)
    assert result.exit_code == 0, result.output
    assert counts(result)["in suspense"] == 1
    (line,) = [ln for ln in result.stdout.splitlines() if "in suspense" in ln]
    assert line.endswith("waiting for a person to match")
