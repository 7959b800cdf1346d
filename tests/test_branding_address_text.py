"""A branding's address is text, line by line: a number in it is refused, naming ``address``.

A seller wrote its address in its branding file as a list and its post code without quotes
(``address = ["Hauptstr. 1", 10115, "Berlin"]``): TOML read 10115 as a number and the branding
turned it into the text "10115" where every other field refuses a number (a leading zero, as in
the post code 01067 of Dresden, cannot even be written so). An address of one number
(``address = 10115``) failed with a bare ``TypeError``. Now the address, text or a list of
texts, refuses anything else when the branding is made (``InvalidValue`` naming ``address``,
saying to write it in quotes), and the CLI names the branding file and the field (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from test_cli_documents import cli, make_invoice
from typer.testing import CliRunner

from q2c_adapters.documents import Branding
from q2c_core import InvalidValue


@pytest.mark.parametrize(
    "address",
    [["Hauptstr. 1", 10115, "Berlin"], ["Main 1", 10115], 10115, ["Main 1", None],
     ["Main 1", ["Berlin"]], {"street": "Main 1"}, 1.5],
)  # fmt: skip
def test_an_address_holding_anything_but_text_is_refused_naming_it(address: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        Branding(address=address)
    assert refused.value.field == "address"
    assert "must be text" in refused.value.rule and "quotes" in refused.value.rule


def test_an_address_as_text_or_as_lines_of_text_is_taken() -> None:
    assert Branding(address="Hauptstr. 1\n 10115 Berlin \n").address == (
        "Hauptstr. 1",
        "10115 Berlin",
    )
    assert Branding(address=["Hauptstr. 1", "10115 Berlin"]).address == (
        "Hauptstr. 1",
        "10115 Berlin",
    )
    assert Branding(address=("Main 1",)).address == ("Main 1",)
    assert Branding().address == ()


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, UUID]:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    return url, make_invoice(url)


def test_a_post_code_without_quotes_in_a_branding_file_exits_2_naming_the_file(
    db: tuple[str, UUID], tmp_path: Path
) -> None:
    url, _ = db
    branding = tmp_path / "brand.toml"
    branding.write_text(
        'company_name = "Seller GmbH"\naddress = ["Hauptstr. 1", 10115, "Berlin"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(
        cli(),
        ["invoice", "render", "INV-000001", "--url", url, "--format", "pdf",
         "--branding", str(branding), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert f"--branding {branding}" in result.output
    assert "address" in result.output and "quotes" in result.output
    assert not out.exists()
