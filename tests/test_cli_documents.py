"""``q2c invoice render``: PDF, HTML and UBL from an invoice stored in a real SQLite file."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pypdf
import pytest
import typer
from typer.testing import CliRunner

from q2c_adapters.cli_documents import register
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

A = "alice"


def cli() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """q2c (test root)."""

    register(root)
    return root


def make_invoice(url: str) -> UUID:
    app = QuoteToCash.open(url)
    try:
        c = app.register_customer(
            "Acme GmbH",
            "EUR",
            account_manager="mia",
            actor=A,
            tax_rate=TaxRate.standard(19),
            country="DE",
            tax_id="DE123456788",
            address="Hauptstr. 1\n10115 Berlin",
            city="Berlin",  # a German seller's e-invoice to it needs both (DE-R-008/009)
            postal_code="10115",
        )
        line = InvoiceLine(
            "L1",
            "Consulting",
            Decimal(3),
            Money.of("100", "EUR"),
            TaxRate.standard(19),
            LineSource(SourceKind.MANUAL, note="test"),
        )
        invoice = app.draft_invoice(c, [line], drafted_on=date(2024, 5, 1), actor="billy")
        app.approve_invoice(invoice, role="billing", approved_on=date(2024, 5, 1), actor="bea")
        app.approve_invoice(
            invoice, role="account_manager", approved_on=date(2024, 5, 1), actor="mia"
        )
        app.issue_invoice(invoice, issued_on=date(2024, 5, 2), actor="bea")
        return invoice
    finally:
        app.close()


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, UUID]:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    return url, make_invoice(url)


def test_render_pdf_to_a_file_by_number(db: tuple[str, UUID], tmp_path: Path) -> None:
    url, _ = db
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(
        cli(),
        ["invoice", "render", "INV-000001", "--url", url, "--format", "pdf", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "Invoice INV-000001" in text and "Total 357.00 EUR" in text and "Page 1 of 1" in text


def test_render_html_to_stdout_by_id_in_german(db: tuple[str, UUID], tmp_path: Path) -> None:
    url, invoice = db
    brand = tmp_path / "brand.json"
    brand.write_text('{"company_name": "Q2C Services", "footer": "Danke!"}')
    result = CliRunner().invoke(
        cli(),
        [
            "invoice",
            "render",
            str(invoice),
            "--url",
            url,
            "-f",
            "html",
            "-o",
            "-",
            "--branding",
            str(brand),
            "--lang",
            "de",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Rechnung INV-000001" in result.stdout
    assert "357,00 EUR" in result.stdout and "Danke!" in result.stdout


def test_default_file_name_is_the_invoice_number(
    db: tuple[str, UUID], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = db
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli(), ["invoice", "render", "INV-000001", "--url", url])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "INV-000001.pdf").read_bytes().startswith(b"%PDF-")


def test_an_unknown_invoice_is_a_clear_error(db: tuple[str, UUID]) -> None:
    url, _ = db
    result = CliRunner().invoke(cli(), ["invoice", "render", "INV-999999", "--url", url])
    assert result.exit_code == 2  # a number none has: refused as history and explain refuse it
    assert result.output == (
        "error: INVOICE: 'INV-999999' is neither an id nor the number of an invoice or credit "
        "note\n"
    )
    unknown = "0123456789abcdef0123456789abcdef"
    result = CliRunner().invoke(cli(), ["invoice", "render", unknown, "--url", url])
    assert result.exit_code == 1  # an id of nothing: not found
    assert "no Invoice with this id" in result.output


def test_render_ubl_with_part_a_generator(db: tuple[str, UUID], tmp_path: Path) -> None:
    pytest.importorskip(
        "q2c_adapters.accounting.ubl", reason="the UBL generator (issue 5 part A) is not here"
    )
    from lxml import etree

    url, _ = db
    seller = tmp_path / "seller.toml"
    seller.write_text(
        'legal_name = "Q2C Services GmbH"\nregistration_id = "HRB 12345"\n'
        'vat_id = "DE999999999"\nstreet = "Werkstr. 5"\ncity = "Hamburg"\n'
        'postal_code = "20095"\ncountry = "DE"\niban = "DE89370400440532013000"\n'
        # (to a German buyer, XRechnung's DE-R-005/006/007 need the seller's contact)
        'contact_name = "Billing"\ntelephone = "+49 40 123456"\nemail = "billing@q2c.de"\n'
    )
    out = tmp_path / "inv.xml"
    result = CliRunner().invoke(
        cli(),
        [
            "invoice",
            "render",
            "INV-000001",
            "--url",
            url,
            "-f",
            "ubl",
            "--seller",
            str(seller),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    root = etree.fromstring(out.read_bytes())
    cbc = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
    assert root.findtext(f"{cbc}ID") == "INV-000001"
    assert "357.00" in out.read_text()
    missing = CliRunner().invoke(
        cli(), ["invoice", "render", "INV-000001", "--url", url, "-f", "ubl"]
    )
    assert missing.exit_code != 0 and "--seller" in missing.output


def _refused(result: Any, *words: str) -> None:
    """A clean one-line error (exit 2), no traceback, naming ``words``."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_file_mistakes_are_one_line_errors(db: tuple[str, UUID], tmp_path: Path) -> None:
    """A branding, seller or templates file that is not there or not right, and an output
    folder that is not there: exit 2 with what is wrong, nothing written."""
    url, _ = db
    render = ["invoice", "render", "INV-000001", "--url", url]
    missing = tmp_path / "nope" / "brand.toml"
    _refused(
        CliRunner().invoke(cli(), [*render, "--branding", str(missing)]),
        "--branding",
        "No such file",
    )
    bad_toml = tmp_path / "brand.toml"
    bad_toml.write_text("company_name = \n")
    _refused(CliRunner().invoke(cli(), [*render, "--branding", str(bad_toml)]), "--branding")
    unknown = tmp_path / "brand.json"
    unknown.write_text('{"colour": "red"}')
    _refused(
        CliRunner().invoke(cli(), [*render, "--branding", str(unknown)]),
        "unknown branding keys: colour",
    )
    _refused(
        CliRunner().invoke(cli(), [*render, "-o", str(tmp_path / "no" / "x.pdf")]),
        "--out",
        "no folder",
    )
    _refused(CliRunner().invoke(cli(), [*render, "-o", str(tmp_path)]), "--out")
    _refused(
        CliRunner().invoke(cli(), [*render, "-f", "html", "--templates", str(tmp_path / "t")]),
        "--templates",
    )
    seller = tmp_path / "seller.toml"
    seller.write_text('legal_name = "Q2C"\nshoe_size = 44\n')
    _refused(
        CliRunner().invoke(cli(), [*render, "-f", "ubl", "--seller", str(seller)]),
        "--seller",
        "unknown seller keys: shoe_size",
    )
    seller.write_text('legal_name = "Q2C"\n')
    _refused(
        CliRunner().invoke(cli(), [*render, "-f", "ubl", "--seller", str(seller)]),
        "--seller",
        "missing",
    )
    _refused(
        CliRunner().invoke(cli(), [*render, "-f", "ubl", "--seller", str(tmp_path / "s.toml")]),
        "--seller",
        "No such file",
    )
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".pdf", ".html", ".xml")]


def _issue_in_series(url: str, prefix: str) -> str:
    """An invoice issued in a series of its own (``prefix``); its number."""
    app = QuoteToCash.open(url)
    try:
        customer = app.customers()[0].id
        app.open_number_series("RE", prefix=prefix, actor=A)
        line = InvoiceLine(
            "L1",
            "Consulting",
            Decimal(2),
            Money.of("100", "EUR"),
            TaxRate.standard(19),
            LineSource(SourceKind.MANUAL, note="test"),
        )
        invoice = app.draft_invoice(customer, [line], drafted_on=date(2024, 5, 1), actor="billy")
        app.approve_invoice(invoice, role="billing", approved_on=date(2024, 5, 1), actor="bea")
        app.approve_invoice(
            invoice, role="account_manager", approved_on=date(2024, 5, 1), actor="mia"
        )
        return app.issue_invoice(invoice, issued_on=date(2024, 5, 2), actor="bea", series="RE")
    finally:
        app.close()


@pytest.mark.parametrize(
    ("prefix", "file_name"),
    [
        ("RE/2024/", "RE_2024_000001.html"),  # a German series by year
        ("../", "_.._000001.html"),  # never a file outside the folder, nor a hidden one
        ("F 2024\\", "F_2024_000001.html"),
    ],
)
def test_default_file_name_of_a_number_with_slashes_stays_in_the_folder(
    db: tuple[str, UUID],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    file_name: str,
) -> None:
    """Numbers like RE/2024/000001 are common in Germany and France: without --out the
    document is written to the current folder, its file named after the number with the
    path separators (and other characters a file name cannot safely hold) as '_'."""
    url, _ = db
    number = _issue_in_series(url, prefix)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = CliRunner().invoke(cli(), ["invoice", "render", number, "--url", url, "-f", "html"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in work.iterdir()] == [file_name]
    assert f"Invoice {number}" in (work / file_name).read_text(encoding="utf-8")
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".html"]


def test_a_broken_user_template_is_a_one_line_error(db: tuple[str, UUID], tmp_path: Path) -> None:
    """A --templates folder whose invoice.html has a syntax error or a variable q2c does not
    give: exit 2 naming --templates, the file and the line, and nothing written."""
    url, _ = db
    templates = tmp_path / "tpl"
    templates.mkdir()
    page = templates / "invoice.html"
    out = tmp_path / "inv.html"
    render = ["invoice", "render", "INV-000001", "--url", url, "-f", "html", "-o", str(out)]
    page.write_text(
        '{% extends "q2c/invoice.html" %}\n{% block payment %}{{ doc.nope }}{% endblock %}'
    )
    _refused(
        CliRunner().invoke(cli(), [*render, "--templates", str(templates)]),
        "--templates",
        f"{page} line 2",
        "nope",
    )
    page.write_text("<html>\n{% if %}\n</html>")
    _refused(
        CliRunner().invoke(cli(), [*render, "--templates", str(templates)]),
        "--templates",
        f"{page} line 2",
        "Expected an expression",
    )
    assert not out.exists()
