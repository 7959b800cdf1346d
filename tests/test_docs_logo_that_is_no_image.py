"""A seller's branding names a logo file that is no picture: a PNG cut short by a failed upload,
an SVG saved half-written, a text file named ``logo.png``. Both documents refuse it, naming
``logo``, before anything is written: the PDF used to stop on Pillow's "cannot identify image
file" (which the CLI reported as a storage failure) or on fpdf2's bare ``ValueError``, and the
HTML sent the broken bytes to the customer as its letterhead picture."""

from __future__ import annotations

import io
from pathlib import Path
from uuid import UUID

import pypdf
import pytest
from PIL import Image
from test_cli_documents import cli, make_invoice
from typer.testing import CliRunner

from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_core import InvalidValue, QuoteToCash


def _png(path: Path) -> Path:
    Image.new("RGB", (40, 20), (170, 51, 0)).save(path)
    return path


def broken_logos(folder: Path) -> dict[str, Path]:
    """Logo files a seller may well have lying around, none of them a picture."""
    whole = _png(folder / "whole.png").read_bytes()
    cut = folder / "cut.png"
    cut.write_bytes(whole[:40])  # the upload stopped after 40 bytes
    text = folder / "text.png"
    text.write_text("not a picture", encoding="utf-8")
    svg = folder / "half.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect', encoding="utf-8")
    return {"cut PNG": cut, "text named .png": text, "half-written SVG": svg}


@pytest.fixture
def invoice(tmp_path: Path) -> tuple[str, UUID]:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    return url, make_invoice(url)


def test_a_logo_that_is_no_picture_is_refused_by_both_documents(
    invoice: tuple[str, UUID], tmp_path: Path
) -> None:
    url, invoice_id = invoice
    app = QuoteToCash.open(url)
    try:
        for what, logo in broken_logos(tmp_path).items():
            brand = Branding(company_name="Q2C Services GmbH", logo=str(logo))
            for render in (render_pdf, render_html):
                with pytest.raises(InvalidValue) as caught:
                    render(app, invoice_id, brand)
                assert caught.value.field == "logo", what
                assert str(logo) in str(caught.value), what
        # a real picture still prints, in both
        good = Branding(company_name="Q2C Services GmbH", logo=str(_png(tmp_path / "ok.png")))
        pdf = render_pdf(app, invoice_id, good)
        assert "Q2C Services GmbH" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "data:image/png;base64," in render_html(app, invoice_id, good)
    finally:
        app.close()


def test_the_cli_names_the_logo_and_writes_nothing(
    invoice: tuple[str, UUID], tmp_path: Path
) -> None:
    url, _ = invoice
    for what, logo in broken_logos(tmp_path).items():
        branding = tmp_path / "branding.toml"
        branding.write_text(f'company_name = "Q2C"\nlogo = "{logo.name}"\n', encoding="utf-8")
        for fmt in ("pdf", "html"):
            out = tmp_path / f"invoice.{fmt}"
            result = CliRunner().invoke(
                cli(),
                ["invoice", "render", "INV-000001", "--url", url, "--format", fmt,
                 "--branding", str(branding), "--out", str(out)],
            )  # fmt: skip
            assert result.exit_code == 1, (what, fmt, result.output)
            assert isinstance(result.exception, SystemExit), (what, fmt, result.exception)
            assert "logo" in result.output and "storage" not in result.output, (what, fmt)
            assert len(result.output.strip().splitlines()) == 1, (what, fmt, result.output)
            assert not out.exists(), (what, fmt)
