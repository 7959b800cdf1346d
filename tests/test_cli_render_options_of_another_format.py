"""``q2c invoice render``: an option of another format is refused, not silently ignored.

Bea has made HTML templates with the firm's look and runs ``q2c invoice render INV-000001
--templates brand/`` (the format is PDF by default): she got q2c's own PDF, exit 0, and spent an
afternoon looking for the mistake in her templates. The PDF is laid out by q2c and reads no
templates, so ``--templates`` without ``-f html`` is now refused (exit 2, nothing written),
saying it shapes HTML only; so is ``--buyer-endpoint`` (the buyer's PEPPOL address) without
``-f ubl``, which no PDF or HTML document carries.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli_documents import cli, make_invoice
from typer.testing import CliRunner


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    make_invoice(url)
    return url


def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "brand"
    folder.mkdir()
    (folder / "invoice.html").write_text(
        '{% extends "q2c/invoice.html" %}{% block payment %}Pay us, please.{% endblock %}'
    )
    return folder


@pytest.mark.parametrize("fmt", [None, "pdf", "ubl"])
def test_templates_given_for_a_document_that_is_not_html_are_refused(
    url: str, tmp_path: Path, fmt: str | None
) -> None:
    out = tmp_path / "out.doc"
    args = ["invoice", "render", "INV-000001", "--url", url, "-o", str(out)]
    args += ["--templates", str(templates(tmp_path))]
    if fmt is not None:
        args += ["-f", fmt]
    result = CliRunner().invoke(cli(), args)
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: --templates") and "html" in line
    assert not out.exists()


def test_templates_still_shape_the_html(url: str, tmp_path: Path) -> None:
    out = tmp_path / "out.html"
    args = ["invoice", "render", "INV-000001", "--url", url, "-f", "html", "-o", str(out)]
    result = CliRunner().invoke(cli(), [*args, "--templates", str(templates(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Pay us, please." in out.read_text()


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_a_buyer_endpoint_for_a_document_that_is_not_ubl_is_refused(
    url: str, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(
        cli(),
        ["invoice", "render", "INV-000001", "--url", url, "-f", fmt, "-o", str(out),
         "--buyer-endpoint", "0088:7300010000001"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: --buyer-endpoint") and "ubl" in line
    assert not out.exists()
