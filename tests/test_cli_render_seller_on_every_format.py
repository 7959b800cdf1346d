"""``q2c invoice render --seller``: the seller profile states the seller on the PDF and HTML too.

Found by review: ``--seller`` (the seller's legal name, VAT id, address and IBAN, which the
e-invoice states) was silently ignored with ``-f pdf`` and ``-f html``, exit 0: Bea rendered the
PDF with the same options as the e-invoice and sent a document headed "Your Company", with no
VAT id and no bank account, as a German invoice must not be. Now what the branding leaves
unsaid comes from the profile, and what both state must agree (one seller on every document):
a branding with another VAT id, IBAN or country than the profile is refused, exit 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli_documents import cli, make_invoice
from test_documents import pdf_pages
from typer.testing import CliRunner

SELLER = (
    'legal_name = "Q2C Services BV"\nregistration_id = "0123456749"\n'
    'vat_id = "BE0123456749"\nstreet = "Main 1"\ncity = "Gent"\npostal_code = "9000"\n'
    'country = "BE"\niban = "BE71 0961 2345 6769"\n'
)


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    make_invoice(url)
    return url


def render(url: str, tmp_path: Path, fmt: str, *more: str) -> tuple[int, str, Path]:
    seller = tmp_path / "seller.toml"
    seller.write_text(SELLER)
    out = tmp_path / f"out.{fmt}"
    args = ["invoice", "render", "INV-000001", "--url", url, "-f", fmt, "-o", str(out)]
    result = CliRunner().invoke(cli(), [*args, "--seller", str(seller), *more])
    return result.exit_code, result.output, out


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_the_seller_profile_heads_the_document(url: str, tmp_path: Path, fmt: str) -> None:
    code, output, out = render(url, tmp_path, fmt)
    assert code == 0, output
    text = "\n".join(pdf_pages(out.read_bytes())) if fmt == "pdf" else out.read_text()
    for said in ("Q2C Services BV", "BE0123456749", "Main 1", "9000 Gent", "BE71 0961 2345 6769"):
        assert said in text, said
    assert "Your Company" not in text


def test_a_branding_stating_another_vat_id_is_refused(url: str, tmp_path: Path) -> None:
    branding = tmp_path / "brand.toml"
    branding.write_text('company_name = "Q2C"\ntax_id = "BE0999999999"\n')
    code, output, out = render(url, tmp_path, "pdf", "--branding", str(branding))
    assert code == 2, output
    (line,) = output.strip().splitlines()
    assert line.startswith("error: --seller") and "tax_id" in line and "BE0123456749" in line
    assert not out.exists()


def test_a_branding_of_its_own_look_keeps_it(url: str, tmp_path: Path) -> None:
    """A trading name and the firm's visiting address stay; the VAT id comes from the profile."""
    branding = tmp_path / "brand.toml"
    branding.write_text('company_name = "Q2C"\naddress = ["Dok Noord 7", "9000 Gent"]\n')
    code, output, out = render(url, tmp_path, "html", "--branding", str(branding))
    assert code == 0, output
    html = out.read_text()
    assert "Q2C" in html and "Dok Noord 7" in html and "BE0123456749" in html
    assert "Main 1" not in html
