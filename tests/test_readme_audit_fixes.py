"""What the README promises and a reviewer found otherwise: a customer's business in a second
currency, an invoice note's text, a seller without a VAT id set up from its file, and
``explain`` given an invoice number as the reports print it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_invoice_controls import line
from test_story_invoice import D, approve, customer
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.cli_documents import load_seller
from q2c_core import InvalidValue, Money, QuoteToCash


def test_a_summary_in_a_second_currency_leaves_requests_of_the_customer_s_own_alone() -> None:
    """A EUR customer with a request not yet estimated (no currency of its own: the
    customer's) and a USD payment: the USD summary counted the request as USD and failed."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    app.open_request(cust, "Export", requested_on=D, actor="bea")
    app.receive_payment(cust, Money.of("50", "USD"), received_on=D, reference="wire", actor="bea")
    assert app.customer_currencies(cust) == ["EUR", "USD"]
    summary = app.customer_summary(cust, currency="USD")
    assert summary is not None


def test_an_invoice_note_with_a_control_character_is_refused() -> None:
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.draft_invoice(cust, [line()], drafted_on=D, actor="billy", note="Thanks\x0bagain")
    assert refused.value.field == "note"
    assert app.recorder.max_notification_id() == before


def test_a_seller_without_a_vat_id_is_set_up_with_an_endpoint_as_scheme_and_id(
    tmp_path: Path,
) -> None:
    seller = tmp_path / "seller.toml"
    seller.write_text(
        'legal_name = "Q2C Services GmbH"\nregistration_id = "HRB 1"\nstreet = "Main 1"\n'
        'city = "Berlin"\npostal_code = "10115"\ncountry = "DE"\niban = "DE02100100109307118603"\n'
        'endpoint = "0088:7300010000001"\n'
    )
    profile = load_seller(seller)
    assert profile.vat_id == ""
    assert (profile.endpoint.scheme, profile.endpoint.identifier) == ("0088", "7300010000001")


def test_explain_takes_an_invoice_number_as_the_reports_print_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    app = QuoteToCash.open(url)
    cust = customer(app)
    invoice = app.draft_invoice(cust, [line()], drafted_on=D, actor="billy")
    approve(app, invoice)
    number = app.issue_invoice(invoice, issued_on=date(2024, 3, 9), actor="bea")
    app.close()
    result = CliRunner().invoke(cli, ["explain", "statements", number, "--url", url])
    assert result.exit_code == 0, result.output
    assert "Invoice.Issued" in result.output


def test_an_export_s_json_writes_amounts_as_text_beside_the_currency_a_report_s_as_pairs(
    tmp_path: Path,
) -> None:
    """The README said "JSON writes an amount as {"amount": ..., "currency": ...}" of every
    JSON: a BI tool reading the invoices export so found "total": "121.00" with the record's
    one ``currency``. A report's JSON writes pairs; an export's writes decimal text."""
    import json
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    said = " ".join(readme.split())
    assert "A report's JSON writes an amount as" in said
    assert re.search(r"an export's JSON, as its CSV, writes it as decimal text", said)
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    app = QuoteToCash.open(url)
    cust = customer(app)
    invoice = app.draft_invoice(cust, [line()], drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    app.close()
    from test_cli_accounting import _cli

    runner = CliRunner()
    exported = runner.invoke(_cli(), ["export", "invoices", "--url", url, "--format", "json"])
    assert exported.exit_code == 0, exported.output
    record = json.loads(exported.stdout)[0]
    assert (record["total"], record["currency"]) == ("121.00", "EUR")
    assert runner.invoke(cli, ["update", "--url", url]).exit_code == 0
    report = runner.invoke(cli, ["report", "statements", "--url", url, "--format", "json"])
    assert report.exit_code == 0, report.output
    row = json.loads(report.stdout)["rows"][0]
    assert row["amount"] == {"amount": "121.00", "currency": "EUR"}
