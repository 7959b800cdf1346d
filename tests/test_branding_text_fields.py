"""A branding's texts are text: a number written without quotes is refused, naming the field.

A Norwegian seller wrote its organisation number in its branding file without quotes
(``tax_id = 987654321``): TOML reads a number, the branding took it, the HTML printed it, and
every PDF of the seller crashed with a bare ``TypeError: 'int' object is not iterable`` (from
``q2c invoice render``: a traceback, exit 1). A colour written as a number crashed the branding
itself with a ``TypeError``. Now each text field refuses anything but text when the branding is
made (``InvalidValue`` naming the field, saying to write it in quotes), and the CLI names the
branding file and the field (exit 2), as for any other mistake in it.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from test_cli_documents import cli, make_invoice
from typer.testing import CliRunner

from q2c_adapters.documents import Branding
from q2c_core import InvalidValue

TEXT_FIELDS = ("company_name", "tax_id", "email", "phone", "website", "iban", "bic", "bank",
               "logo", "footer", "language", "primary_colour", "accent_colour",
               "payment_instructions")  # fmt: skip


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_a_number_in_a_text_field_is_refused_naming_it(field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Branding(**{field: 987654321})
    assert refused.value.field == field
    assert "must be text" in refused.value.rule and "quotes" in refused.value.rule


def test_an_organisation_number_without_quotes_is_refused_when_the_file_is_read(
    tmp_path: Path,
) -> None:
    brand = tmp_path / "brand.toml"
    brand.write_text('company_name = "Nordic AS"\ntax_id = 987654321\niban = "NO9386011117947"\n')
    with pytest.raises(InvalidValue) as refused:
        Branding.load(brand)
    assert refused.value.field == "tax_id"
    quoted = tmp_path / "quoted.toml"
    quoted.write_text('company_name = "Nordic AS"\ntax_id = "987654321"\n')
    assert Branding.load(quoted).tax_id == "987654321"


def test_the_cli_names_the_branding_file_and_the_field(tmp_path: Path) -> None:
    """``q2c invoice render --branding brand.toml`` exits 2 naming the file and ``tax_id``,
    no traceback and no PDF written; with the number in quotes the PDF is written."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    invoice: UUID = make_invoice(url)
    brand = tmp_path / "brand.toml"
    brand.write_text('company_name = "Nordic AS"\ntax_id = 987654321\n')
    out = tmp_path / "out.pdf"
    args = ["invoice", "render", str(invoice), "--url", url, "--branding", str(brand)]
    result = CliRunner().invoke(cli(), [*args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "brand.toml" in result.output and "tax_id" in result.output
    assert not out.exists()
    brand.write_text('company_name = "Nordic AS"\ntax_id = "987654321"\n')
    result = CliRunner().invoke(cli(), [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
