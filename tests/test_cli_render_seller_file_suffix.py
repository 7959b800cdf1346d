"""``q2c invoice render -f ubl --seller SELLER.JSON``: a seller profile in JSON is read as JSON
whatever the case of its suffix, as a branding file is. Exported from a Windows tool as
``SELLER.JSON``, it was read as TOML and refused ("Invalid statement (at line 1, column 1)")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli_documents import cli, make_invoice
from typer.testing import CliRunner

SELLER = {
    "legal_name": "Q2C Services GmbH",
    "registration_id": "HRB 12345",
    "vat_id": "DE123456789",
    "street": "Werkstr. 5",
    "city": "Hamburg",
    "postal_code": "20095",
    "country": "DE",
    "iban": "DE89370400440532013000",
    "contact_name": "Bea Billing",
    "telephone": "+49 40 123456",
    "email": "billing@q2c.example",
}


@pytest.mark.parametrize("name", ["seller.json", "SELLER.JSON", "seller.Json"])
def test_a_json_seller_profile_is_read_whatever_the_case_of_its_suffix(
    tmp_path: Path, name: str
) -> None:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    make_invoice(url)
    seller = tmp_path / name
    seller.write_text(json.dumps(SELLER), encoding="utf-8")
    out = tmp_path / "inv.xml"
    result = CliRunner().invoke(
        cli(),
        ["invoice", "render", "INV-000001", "--url", url, "-f", "ubl", "--seller", str(seller),
         "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert b"Q2C Services GmbH" in out.read_bytes()
