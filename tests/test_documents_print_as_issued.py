"""Stories: an issued invoice's PDF and HTML print what was recorded, as it was recorded.

A buyer's text is printed as typed (a ``{nb}`` in it is not the page count), within its column
on the page, a contract invoice keeps the sub-contract text it was issued with, and a credit
note names the invoice it credits by number and date.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pypdf
import pytest

from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_core import (
    BillingFrequency,
    CreditDisposition,
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SourceKind,
    SubContract,
    SubContractKind,
    TaxRate,
)

A = "alice"
EUR = "EUR"
BRAND = Branding(company_name="Q2C Services GmbH", iban="DE89370400440532013000")


def pdf_text(data: bytes) -> str:
    """The PDF's text as a reader extracts it, whitespace collapsed."""
    assert data.startswith(b"%PDF-")
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join("\n".join(p.extract_text() for p in pages).split())


def html_text(html: str) -> str:
    return " ".join(re.sub("<[^>]+>", " ", html).split())


def issue(app: QuoteToCash, invoice: UUID, on: date) -> str:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    return app.issue_invoice(invoice, issued_on=on, actor="bea")


def manual(line_id: str, text: str, net: str = "100") -> InvoiceLine:
    return InvoiceLine(
        line_id,
        text,
        Decimal(1),
        Money.of(net, EUR),
        TaxRate.standard(19),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )


def customer(app: QuoteToCash, name: str = "Acme GmbH", **details: str) -> UUID:
    return app.register_customer(
        name, EUR, account_manager="mia", actor=A, tax_rate=TaxRate.standard(19), **details
    )


# -- 1. text holding "{nb}" is printed as typed -----------------------------------------------


def test_a_buyer_named_with_braces_nb_is_printed_as_named_not_as_the_page_count(
    app: QuoteToCash,
) -> None:
    c = customer(app, "Shop {nb} GmbH", address="Hof {nb}\nLager {nb}")
    lines = [manual("L1", "Setup of template {nb} variable"), manual("L2", "{nb}{nb}")]
    inv = app.draft_invoice(c, lines, drafted_on=date(2024, 5, 2), actor="b")
    issue(app, inv, date(2024, 5, 2))

    text = pdf_text(render_pdf(app, inv, BRAND))

    assert "Shop {nb} GmbH" in text  # was "Shop 1 GmbH"
    assert "Hof {nb}" in text and "Lager {nb}" in text
    assert "Setup of template {nb} variable" in text
    assert "{nb}{nb}" in text
    assert "Shop 1 GmbH" not in text
    # the footer still counts the pages
    assert "Page 1 of 1" in text


def test_a_branding_footer_with_braces_nb_is_printed_as_written(app: QuoteToCash) -> None:
    c = customer(app)
    inv = app.draft_invoice(c, [manual("L1", "Item")], drafted_on=date(2024, 5, 2), actor="b")
    issue(app, inv, date(2024, 5, 2))
    brand = Branding(company_name="Seller {nb}", footer="Template {nb} Ltd")

    text = pdf_text(render_pdf(app, inv, brand))

    assert "Seller {nb}" in text and "Template {nb} Ltd" in text
    assert "Page 1 of 1" in text


def test_text_holding_the_page_count_placeholder_is_refused_naming_the_field(
    app: QuoteToCash,
) -> None:
    c = customer(app)
    inv = app.draft_invoice(c, [manual("L1", "Item")], drafted_on=date(2024, 5, 2), actor="b")
    issue(app, inv, date(2024, 5, 2))
    from q2c_adapters.documents.pdf import PAGE_COUNT_ALIAS

    brand = Branding(company_name=f"Seller {PAGE_COUNT_ALIAS}")

    with pytest.raises(InvalidValue) as refused:
        render_pdf(app, inv, brand)

    assert refused.value.field == "branding.company_name"


# -- 2. an issued contract invoice keeps the sub-contract text it was issued with ---------------


def test_an_issued_contract_invoice_prints_the_same_after_its_contract_changes(
    app: QuoteToCash,
) -> None:
    c = customer(app, "Acme")
    year = Period(date(2024, 1, 1), date(2025, 1, 1))
    price = [PricePoint(year.start, Money.of("1200", EUR))]
    k = app.sign_contract(
        c,
        number="MC-1",
        term=year,
        frequency=BillingFrequency.MONTHLY,
        signed_on=year.start,
        actor=A,
        sub_contracts=[
            SubContract("S1", "ERP licence", SubContractKind.LICENCE, year.start, price),
            SubContract("S2", "Support desk", SubContractKind.SERVICE, year.start, price),
        ],
    )
    app.activate_contract(k, effective=year.start, actor=A)
    (doc,) = app.run_billing(date(2024, 1, 1), actor="run").documents
    inv = doc.invoice_id
    issue(app, inv, date(2024, 1, 1))
    german = Branding(company_name="Seller", language="de")

    before = pdf_text(render_pdf(app, inv, BRAND))
    before_de = pdf_text(render_pdf(app, inv, german))
    before_html = render_html(app, inv, BRAND)
    assert "MC-1 / ERP licence [S1]" in before
    assert "S1 ERP licence" in before and "S2 Support desk" in before
    assert "S1 ERP licence" in html_text(before_html)

    # later the contract's texts are corrected, its prices and terms change
    app.describe_sub_contract(k, "S1", description="CRM seats", actor=A)
    app.describe_sub_contract(k, "S2", description="Hotline", actor=A)
    app.reprice_sub_contract(
        k, "S1", effective=date(2024, 2, 1), annual_price=Money.of("2400", EUR), actor=A
    )
    app.change_contract_payment_terms(k, payment_terms_days=60, effective=date(2024, 2, 1), actor=A)

    assert pdf_text(render_pdf(app, inv, BRAND)) == before
    assert pdf_text(render_pdf(app, inv, german)) == before_de
    assert render_html(app, inv, BRAND) == before_html
    assert "CRM seats" not in before and "Hotline" not in before
    # what is billed from now on prints the new text
    (february,) = app.run_billing(date(2024, 2, 1), actor="run").documents
    assert "S1 CRM seats" in pdf_text(render_pdf(app, february.invoice_id, BRAND))


def test_a_hand_typed_contract_line_prints_the_sub_contract_text_it_was_issued_with(
    tmp_path: Path,
) -> None:
    # a line of its own text names no sub-contract text: the contract as recorded at the issue
    # is read back from a real SQLite file, the application reopened
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    c = customer(app, "Acme")
    year = Period(date(2024, 1, 1), date(2025, 1, 1))
    price = [PricePoint(year.start, Money.of("1200", EUR))]
    k = app.sign_contract(
        c,
        number="MC-7",
        term=year,
        frequency=BillingFrequency.MONTHLY,
        signed_on=year.start,
        actor=A,
        sub_contracts=[
            SubContract("S1", "ERP licence", SubContractKind.LICENCE, year.start, price)
        ],
    )
    january = Period(date(2024, 1, 1), date(2024, 2, 1))
    line = InvoiceLine(
        "L1",
        "ERP, January (agreed by phone)",
        Decimal(1),
        Money.of("100", EUR),
        TaxRate.standard(19),
        LineSource(SourceKind.MANUAL, contract_id=k, sub_contract_id="S1", period=january),
    )
    inv = app.draft_invoice(c, [line], drafted_on=date(2024, 1, 5), actor="b")
    issue(app, inv, date(2024, 1, 5))
    before = pdf_text(render_pdf(app, inv, BRAND))
    assert "MC-7 S1 ERP licence" in before

    app.describe_sub_contract(k, "S1", description="CRM seats", actor=A)
    app.close()
    app = QuoteToCash.open(url)

    assert pdf_text(render_pdf(app, inv, BRAND)) == before
    app.close()


# -- 3. a long buyer name or address wraps within its column ------------------------------------

LONG_NAME = (
    "Internationale Gesellschaft für Softwareentwicklung und Datenverarbeitung "
    "mbH & Co. KG Niederlassung Nord"
)
LONG_STREET = (
    "Gebäude C, Eingang Süd, Industriestraße 123 – Warenannahme nur werktags zwischen 8 und 16 Uhr"
)


def test_a_long_buyer_name_and_address_wrap_in_their_column_not_off_the_page(
    app: QuoteToCash,
) -> None:
    c = customer(
        app,
        LONG_NAME,
        address=f"{LONG_STREET}\nPostfach 12",
        city="Hamburg",
        postal_code="20095",
        tax_id="DE123456789",
    )
    inv = app.draft_invoice(c, [manual("L1", "Item")], drafted_on=date(2024, 5, 2), actor="b")
    issue(app, inv, date(2024, 5, 2))
    data = render_pdf(app, inv, BRAND)
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]

    runs: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((x, y, text.strip()))

    text = page.extract_text(visitor_text=visit)
    flat = " ".join(text.split())
    # every word of the name and the street is printed, over several lines
    for word in (LONG_NAME + " " + LONG_STREET).split():
        assert word in flat
    name_runs = [r for r in runs if r[2] and LONG_NAME.startswith(r[2].split("\n")[0])]
    assert LONG_NAME not in {r[2] for r in runs}  # not as one run: it wraps
    assert len({round(y) for _, y, t in runs if t in LONG_NAME and len(t) > 10}) >= 2
    assert name_runs
    # each run of the parties block ends within the left column (90 mm from the margin),
    # so before the Number/Date column and well within the page
    from fpdf import FPDF

    from q2c_adapters.documents.pdf import FONTS

    measure = FPDF(unit="pt")
    measure.add_font("D", "", str(FONTS / "DejaVuSans.ttf"))
    measure.add_font("D", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    mm = 72 / 25.4
    meta_x = min(x for x, _, t in runs if t == "Number")
    page_w = float(page.mediabox.width)
    title_y = next(y for _, y, t in runs if t.startswith("Invoice INV-000001"))
    bill_to_y = next(y for _, y, t in runs if t == "Bill to")
    party = [(x, t) for x, y, t in runs if title_y < y < bill_to_y and x < meta_x]
    assert len(party) >= 8  # the name and the street over several lines, the rest
    for x, t in party:
        measure.set_font("D", "B" if t in LONG_NAME else "", 10 if t in LONG_NAME else 9)
        right = x + measure.get_string_width(t)
        assert right <= 18 * mm + 90 * mm + 0.5, t  # within the buyer's 90 mm column
        assert right < meta_x and right <= page_w, t
    # what follows the parties block starts below it: the title is not printed over the address
    assert all(title_y < y for _, y, t in runs if t in ("Postfach 12", "20095 Hamburg"))


# -- 4. a credit note names the invoice it credits by number and date --------------------------


@pytest.mark.parametrize(
    ("language", "credited"),
    [
        ("en", "Credits invoice INV-000001 of 2024-03-09"),
        ("de", "Gutschrift zu Rechnung INV-000001 vom 09.03.2024"),
        ("fr", "Avoir sur la facture INV-000001 du 09/03/2024"),
    ],
)
def test_a_credit_note_names_the_credited_invoice_by_number_and_date(
    app: QuoteToCash, language: str, credited: str
) -> None:
    c = customer(app)
    lines = [manual("L1", "Item 1"), manual("L2", "Item 2")]
    inv = app.draft_invoice(c, lines, drafted_on=date(2024, 3, 9), actor="b")
    issue(app, inv, date(2024, 3, 9))
    brand = Branding(company_name="Seller", iban="DE89370400440532013000", language=language)
    for n, disposition in enumerate(
        (CreditDisposition.REBILLABLE, CreditDisposition.WRITTEN_OFF), start=1
    ):
        note = app.draft_credit_note(
            inv,
            line_ids=[f"L{n}"],
            disposition=disposition,
            reason="goodwill",
            drafted_on=date(2024, 3, 21),
            actor="b",
        )
        issue(app, note, date(2024, 3, 21))

        pdf = pdf_text(render_pdf(app, note, brand))
        html = html_text(render_html(app, note, brand))

        # in the meta block (label and value) and in the payment text
        head, _, number_and_date = credited.partition(" INV-000001")
        assert f"{head} INV-000001{number_and_date}" in pdf
        assert pdf.count(f"INV-000001{number_and_date}") == 2
        assert html.count(f"INV-000001{number_and_date}") == 2
        assert f"{head} INV-000001{number_and_date}" in html
