"""The customer reports print each customer's id "as `refund` and `explain` take it" (README).
`q2c explain aging <that id>` and `q2c explain unbilled-by-customer <that id>` find the rows
that customer's numbers come from: its one row is explained; when it has several, the usage
error lists them, to pick one, as for any id several rows name. `statements`, keyed by the
customer, explains its own row as before."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from test_projections_story import A, authorized_request, issue, work
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash, TaxRate

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def books(tmp_path: Path) -> tuple[str, dict[str, UUID]]:
    """Acme owes one invoice and has work done, not yet invoiced; Globex owes two invoices;
    Initech has work done on its one request, not yet invoiced."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    ids: dict[str, UUID] = {}
    for name in ("Acme", "Globex", "Initech"):
        ids[name] = app.register_customer(
            name, "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
        )
    acme_job = authorized_request(app, ids["Acme"], "Acme job", date(2024, 5, 1))
    app.log_work(acme_job, work("a1", date(2024, 5, 2), "4"), actor="bob")
    app.complete_request(acme_job, completed_on=date(2024, 5, 2), actor=A)
    ids["acme invoice"] = app.draft_request_invoice(acme_job, drafted_on=date(2024, 5, 3), actor=A)
    issue(app, ids["acme invoice"], date(2024, 5, 3))
    ids["acme export"] = authorized_request(app, ids["Acme"], "Acme export", date(2024, 5, 6))
    app.log_work(ids["acme export"], work("a2", date(2024, 5, 7), "2"), actor="bob")
    for n, day in enumerate((8, 9), start=1):
        job = authorized_request(app, ids["Globex"], f"Globex job {n}", date(2024, 5, day))
        app.log_work(job, work(f"g{n}", date(2024, 5, day), "1"), actor="bob")
        app.complete_request(job, completed_on=date(2024, 5, day), actor=A)
        ids[f"globex invoice {n}"] = app.draft_request_invoice(
            job, drafted_on=date(2024, 5, day), actor=A
        )
        issue(app, ids[f"globex invoice {n}"], date(2024, 5, day))
    ids["initech job"] = authorized_request(app, ids["Initech"], "Initech job", date(2024, 5, 10))
    app.log_work(ids["initech job"], work("i1", date(2024, 5, 10), "3"), actor="bob")
    app.close()
    return url, ids


def explain(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["explain", *args, "--url", url])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_explain_aging_takes_the_customer_id_the_aging_prints(
    books: tuple[str, dict[str, UUID]],
) -> None:
    url, ids = books
    code, out, _ = explain(url, "aging", ids["Acme"].hex)
    # Acme's one open invoice is the row its aging comes from
    assert code == 0, out
    assert f"receivables_aging row inv:{ids['acme invoice'].hex}" in out
    assert "InvoiceIssued" in out or "Issued" in out
    # the id with dashes, as `history` prints it, is the same customer
    assert explain(url, "aging", str(ids["Acme"]))[1] == out


def test_a_customer_with_several_rows_is_asked_to_pick_one(
    books: tuple[str, dict[str, UUID]],
) -> None:
    url, ids = books
    code, out, err = explain(url, "aging", ids["Globex"].hex)
    assert code == 2 and out == ""
    assert f"2 rows of receivables_aging name {ids['Globex'].hex}; give one:" in err
    for n in (1, 2):
        assert f"inv:{ids[f'globex invoice {n}'].hex}" in err
    # the rows it lists are explained as given
    code, out, _ = explain(url, "aging", f"inv:{ids['globex invoice 1'].hex}")
    assert code == 0 and f"receivables_aging row inv:{ids['globex invoice 1'].hex}" in out


def test_explain_unbilled_by_customer_takes_the_customer_id_it_prints(
    books: tuple[str, dict[str, UUID]],
) -> None:
    url, ids = books
    report = runner.invoke(
        cli,
        ["report", "unbilled-by-customer", "--url", url, "--on", "2024-05-31", "--format", "csv"],
    )
    assert report.exit_code == 0, report.output
    initech = next(line for line in report.stdout.splitlines() if line.startswith("Initech"))
    assert initech.endswith(ids["Initech"].hex) and "300.00" in initech
    # Initech's unbilled money is its one request's three hours: that request's row
    code, out, _ = explain(url, "unbilled-by-customer", ids["Initech"].hex)
    assert code == 0, out
    assert f"unbilled_revenue row req:{ids['initech job'].hex}" in out
    # Acme has two requests (one invoiced, one worked since): both listed, to pick one
    code, out, err = explain(url, "unbilled-by-customer", ids["Acme"].hex)
    assert code == 2 and out == ""
    assert f"2 rows of unbilled_revenue name {ids['Acme'].hex}" in err
    assert f"req:{ids['acme export'].hex}" in err


def test_statements_still_explain_the_customer_row(books: tuple[str, dict[str, UUID]]) -> None:
    url, ids = books
    code, out, _ = explain(url, "statements", ids["Globex"].hex)
    assert code == 0, out
    assert f"customer_statement row cust:{ids['Globex'].hex}" in out


def test_an_id_no_row_names_is_still_not_found(books: tuple[str, dict[str, UUID]]) -> None:
    url, _ = books
    unknown = "0123456789abcdef0123456789abcdef"
    code, out, err = explain(url, "aging", unknown)
    assert (code, out, err.strip()) == (1, "", f"receivables_aging has no row naming {unknown}")


def test_a_number_no_row_names_is_not_found_by_the_number_typed(
    books: tuple[str, dict[str, UUID]],
) -> None:
    """The auditor typed the invoice's number: the answer names it, beside the id it stands
    for (it used to name the id alone, a number the auditor never typed)."""
    url, ids = books
    invoice = ids["acme invoice"]
    app = QuoteToCash.open(url)
    number = app.invoice(invoice).number
    app.close()
    assert number is not None
    code, out, err = explain(url, "kpis", number)
    assert (code, out, err.strip()) == (1, "", f"kpis has no row naming {number} ({invoice.hex})")


@pytest.mark.parametrize("written", ["upper", "dashed"])
def test_a_row_key_naming_the_id_in_capitals_or_with_dashes_is_the_same_row(
    books: tuple[str, dict[str, UUID]], written: str
) -> None:
    """An auditor copies Globex's first invoice id from a report that prints it in capitals, or
    as a UUID with dashes, into ``inv:<id>``: the row is explained as when the key is written
    as the store keeps it (lower-case hex), not "no row"."""
    url, ids = books
    invoice = ids["globex invoice 1"]
    as_written = invoice.hex.upper() if written == "upper" else str(invoice)
    code, out, _ = explain(url, "aging", f"inv:{as_written}")
    assert code == 0, out
    assert f"receivables_aging row inv:{invoice.hex}" in out
    _, kept, _ = explain(url, "aging", f"inv:{invoice.hex}")
    assert out == kept
