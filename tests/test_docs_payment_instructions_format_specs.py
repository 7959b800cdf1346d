"""A seller's payment instructions are a template of the documented placeholders. One that
names a known placeholder with a format spec or a conversion ("Pay {amount:d}", "{amount!x}",
"{amount:>{iban}}") passed the check when the branding was built, and then every document of
the seller failed with a bare ValueError ("Unknown format code 'd' for object of type 'str'"),
``q2c invoice render`` printing a traceback. Such a template is now refused when the branding is
made, ``InvalidValue`` naming ``payment_instructions``, and ``render`` exits 2 naming
``--branding``; the plain placeholders still fill in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_cli_documents import cli
from typer.testing import CliRunner

from q2c_adapters.documents import Branding, render_html
from q2c_core import InvalidValue, InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

D = date(2024, 5, 2)


def kade_invoice_issued(app: QuoteToCash) -> tuple[UUID, str]:
    """Kade BV's invoice (the Netherlands, one consulting line of 100.00 EUR at 21%), drafted,
    approved by billing and the account manager, and issued on 2 May 2024: its id and number."""
    customer = app.register_customer(
        "Kade BV", "EUR", account_manager="mia", actor="a", country="NL", address="Kade 2"
    )
    line = InvoiceLine(
        line_id="L1",
        description="Consulting",
        quantity=Decimal(1),
        unit_price=Money.of("100", "EUR"),
        tax=TaxRate.standard(21),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=D, actor="b")
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="mia")
    number = app.issue_invoice(invoice, issued_on=D, actor="bea")
    return invoice, number


@pytest.mark.parametrize(
    "template",
    [
        "Pay {amount:d} now",
        "Pay {amount!x} now",
        "Pay {amount!r} now",
        "Pay {amount:>{iban}} now",
        "Pay {amount:,} now",
    ],
)
def test_a_placeholder_with_a_format_spec_is_refused_when_the_branding_is_built(
    template: str,
) -> None:
    with pytest.raises(InvalidValue) as refused:
        Branding(company_name="S", payment_instructions=template)
    assert refused.value.field == "payment_instructions"
    assert "{amount}" in refused.value.rule  # it says how to write it


def test_render_refuses_such_a_branding_file_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "billing.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    invoice, number = kade_invoice_issued(app)
    plain = Branding(company_name="S", iban="BE71096123456769", payment_instructions="Pay {amount}")
    assert "Pay 121.00 EUR" in render_html(app, invoice, plain)
    app.close()
    branding = tmp_path / "brand.toml"
    branding.write_text('payment_instructions = "Pay {amount:d} by {due_date}"\n')
    out = tmp_path / "inv.pdf"
    result = CliRunner().invoke(
        cli(),
        ["invoice", "render", number, "--url", f"sqlite:///{db}", "--branding", str(branding),
         "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "--branding" in result.output and "payment_instructions" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
