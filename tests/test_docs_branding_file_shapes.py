"""A branding file that is not a table of settings is refused naming the branding, never a bare
Python error: a JSON file holding a list (``[{"company_name": ...}]``, an export pasted whole)
stopped ``q2c invoice render`` with an AttributeError traceback, and ``null`` with a bare
TypeError; a logo given as a number (``logo = 5``) was taken as the file "5" beside the
branding file where every other field refuses a number."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli_documents import cli, make_invoice
from typer.testing import CliRunner

from q2c_adapters.documents import Branding
from q2c_core import InvalidValue


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("brand.json", '[{"company_name": "Q2C Services GmbH"}]'),
        ("brand.json", "null"),
        ("brand.json", '"Q2C Services GmbH"'),
        ("brand.json", "42"),
    ],
)
def test_a_branding_file_that_is_no_table_is_refused_naming_the_branding(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidValue) as refused:
        Branding.load(path)
    assert refused.value.field == "branding"
    assert "table of settings" in refused.value.rule


def test_a_logo_given_as_a_number_is_refused_as_every_other_field_is(tmp_path: Path) -> None:
    path = tmp_path / "brand.toml"
    path.write_text('company_name = "Q2C Services GmbH"\nlogo = 5\n', encoding="utf-8")
    with pytest.raises(InvalidValue) as refused:
        Branding.load(path)
    assert refused.value.field == "logo"
    assert "must be text" in refused.value.rule


def test_render_with_a_branding_file_of_a_list_is_one_line_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    make_invoice(url)
    brand = tmp_path / "brand.json"
    brand.write_text('[{"company_name": "Q2C Services GmbH"}]', encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(
        cli(),
        ["invoice", "render", "INV-000001", "--url", url, "--branding", str(brand), "-o", str(out)],
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "AttributeError" not in result.output
    assert f"--branding {brand}" in result.output and "table of settings" in result.output
    assert not out.exists()
