"""A French subsidiary numbers its invoices ``FR:2024-000001``: the number has a ':' as a row
key has (``inv:<id>``), yet ``q2c explain aging FR:2024-000001`` finds the invoice's row, as
``history`` finds its events. A text whose prefix keys no row of the projection is read as an
id or an invoice number; a row key is still read as a row key."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from test_projections_story import A, authorized_request, work
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash, TaxRate

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def french(tmp_path: Path) -> tuple[str, str, UUID]:
    """An invoice issued in the FR series (prefix ``FR:2024-``): the URL, number and id."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    app.open_number_series("FR", prefix="FR:2024-", actor=A)
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    job = authorized_request(app, acme, "Job", date(2024, 5, 1))
    app.log_work(job, work("w1", date(2024, 5, 2), "4"), actor="bob")
    app.complete_request(job, completed_on=date(2024, 5, 2), actor=A)
    invoice = app.draft_request_invoice(job, drafted_on=date(2024, 5, 3), actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=date(2024, 5, 3), actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=date(2024, 5, 3), actor="mia")
    number = app.issue_invoice(invoice, issued_on=date(2024, 5, 3), actor="bea", series="FR")
    app.close()
    assert number == "FR:2024-000001"
    return url, number, invoice


def test_explain_finds_an_invoice_by_a_number_with_a_colon(french: tuple[str, str, UUID]) -> None:
    url, number, invoice = french
    by_number = runner.invoke(cli, ["explain", "aging", number, "--url", url])
    assert by_number.exit_code == 0, by_number.output
    assert f"receivables_aging row inv:{invoice.hex}" in by_number.output
    by_key = runner.invoke(cli, ["explain", "aging", f"inv:{invoice.hex}", "--url", url])
    assert by_key.exit_code == 0, by_key.output
    assert by_key.stdout == by_number.stdout
    as_of = runner.invoke(cli, ["explain", "aging", number, "--url", url, "--as-of", "2099-01-01"])
    assert as_of.exit_code == 0 and as_of.stdout == by_number.stdout


def test_a_colon_text_that_names_nothing_is_still_not_found(
    french: tuple[str, str, UUID],
) -> None:
    """No row keyed so, no invoice numbered so: not found (exit 1), as before."""
    url, _, _ = french
    for text in ("FR:2024-000099", f"inv:{'0' * 32}"):
        result = runner.invoke(cli, ["explain", "aging", text, "--url", url])
        assert result.exit_code == 1, result.output
        assert result.stderr.strip() == f"receivables_aging has no row {text!r}"
        assert result.stdout == ""
