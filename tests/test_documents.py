"""Branded invoice documents: HTML from overridable templates, PDF read back with pypdf."""

from __future__ import annotations

import io
import itertools
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pypdf
import pytest
from PIL import Image

from q2c_adapters.documents import (
    Branding,
    HtmlInvoiceRenderer,
    PdfInvoiceRenderer,
    render_html,
    render_pdf,
)
from q2c_adapters.documents.i18n import contract_line_text
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
    TaxCategory,
    TaxRate,
    TimeEntry,
)
from q2c_core.ports import DocumentRenderer

A = "alice"
EUR = "EUR"
BRAND = Branding(
    company_name="Q2C Services GmbH",
    address="Werkstr. 5\n20095 Hamburg",
    iban="DE89370400440532013000",
    bic="COBADEFFXXX",
    tax_id="DE999999999",
    footer="Geschäftsführerin: Eva Example · Preise in €",
)


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def approve_and_issue(app: QuoteToCash, invoice: UUID, on: date) -> str:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    return app.issue_invoice(invoice, issued_on=on, actor="bea")


def big_invoice(app: QuoteToCash, entries: int = 90) -> tuple[UUID, UUID]:
    c = app.register_customer(
        "Müller & Söhne GmbH",
        EUR,
        account_manager="mia",
        actor=A,
        tax_rate=TaxRate.standard(19),
        address="Hauptstr. 1\n10115 Berlin",
        tax_id="DE123456789",
    )
    r = app.open_request(c, "CSV export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r, hours=400, rate=Money.of("100", EUR), actor=A)
    app.send_quote(r, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        r, number="PO-77", amount=Money.of("40000", EUR), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(r, authorized_on=date(2024, 3, 4), actor=A)
    for i in range(entries):
        entry = TimeEntry(
            # a team of six (nobody works more than 24 hours a day)
            f"t{i}",
            f"dev{i % 6}",
            date(2024, 3, 5),
            Decimal("1.5"),
            Money.of("100", EUR),
            note=f"step {i}",
        )
        app.log_work(r, entry, actor="bob")
    app.complete_request(r, completed_on=date(2024, 3, 7), actor=A)
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 8), actor="billy")
    approve_and_issue(app, invoice, date(2024, 3, 9))
    return c, invoice


def test_a_long_invoice_prints_on_numbered_pages_with_its_totals(app: QuoteToCash) -> None:
    _, invoice = big_invoice(app)
    inv = app.invoice(invoice)
    assert inv.total == Money.of("16065.00", EUR)  # 90 x 150.00 net + 19 % tax once
    pages = pdf_pages(render_pdf(app, invoice, BRAND))
    n = len(pages)
    assert n >= 3
    for i, text in enumerate(pages, start=1):
        assert f"Page {i} of {n}" in text
        assert "Q2C Services GmbH" in text  # letterhead on every page
        assert "Description" in text or "Date" in text  # table headings repeat
    everything = "\n".join(pages)
    assert "Invoice INV-000001" in pages[0]
    assert "Müller & Söhne GmbH" in pages[0] and "PO-77" in pages[0]
    for line in inv.lines:
        assert re.search(rf"\b{line.line_id}\b", everything)
    assert "Net total 13,500.00 EUR" in everything
    assert "Tax S 19 % 2,565.00 EUR" in everything
    assert "Total 16,065.00 EUR" in everything
    # tax per category table, payment instructions with the amount due and the bank account
    assert "S 19 % 13,500.00 EUR 2,565.00 EUR" in everything
    assert "Please transfer 16,065.00 EUR by 2024-04-08 to DE89370400440532013000" in " ".join(
        everything.split()
    )
    # the detail section: every time entry, with its date, worker, hours and note
    assert "Time entries" in everything
    assert len(re.findall(r"2024-03-05 dev\d 1\.5 step", everything)) == 90
    assert "Preise in €" in everything  # DejaVu prints what Latin-1 cannot


def test_tax_is_shown_per_category_as_the_invoice_computes_it(app: QuoteToCash) -> None:
    """Known answer: three lines of 0.10 at 25 % give 0.08 tax on the category, not 0.09."""
    c = app.register_customer(
        "Tiny AB", "EUR", account_manager="mia", actor=A, country="SE", tax_id="SE556677889901"
    )  # (reverse charge names the buyer's VAT id)
    src = LineSource(SourceKind.MANUAL, note="known answer")
    lines = [
        InvoiceLine(
            f"L{i}", f"Item {i}", Decimal(1), Money.of("0.10", EUR), TaxRate.standard(25), src
        )
        for i in (1, 2, 3)
    ]
    lines.append(
        InvoiceLine(
            "L4",
            "Reverse-charged service",
            Decimal(2),
            Money.of("50", EUR),
            TaxRate.none(TaxCategory.REVERSE_CHARGE),
            src,
        )
    )
    invoice = app.draft_invoice(c, lines, drafted_on=date(2024, 5, 1), actor="billy")
    approve_and_issue(app, invoice, date(2024, 5, 2))
    text = "\n".join(pdf_pages(render_pdf(app, invoice)))
    assert "S 25 % 0.30 EUR 0.08 EUR" in text
    assert "AE – Reverse charge: VAT to be accounted for by the buyer 100.00 EUR 0.00 EUR" in text
    assert "Total 100.38 EUR" in text
    html = render_html(app, invoice)
    assert "0.08 EUR" in html and "0.09 EUR" not in html


def test_a_credit_note_names_the_invoice_it_credits(app: QuoteToCash) -> None:
    _, invoice = big_invoice(app, entries=3)
    note = app.draft_credit_note(
        invoice,
        line_ids=["L2"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="goodwill",
        drafted_on=date(2024, 3, 20),
        actor="billy",
    )
    approve_and_issue(app, note, date(2024, 3, 21))
    pages = pdf_pages(render_pdf(app, note, BRAND))
    text = " ".join("\n".join(pages).split())
    assert "Credit note CN-000001" in text
    assert "Credits invoice INV-000001" in text
    assert "178.50 EUR" in text  # 150.00 + 19 %
    assert "Page 1 of 1" in text
    # the original invoice now shows what was credited and what is still due
    original = " ".join("\n".join(pdf_pages(render_pdf(app, invoice, BRAND))).split())
    assert "Credited 178.50 EUR" in original and "Amount due 357.00 EUR" in original


def erp_licence_contract(
    app: QuoteToCash, number: str, sub_id: str, start: date, annual_price: str
) -> tuple[UUID, UUID]:
    """Acme signs a monthly contract for 2024 with one ERP licence from ``start``:
    (customer, contract)."""
    c = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    k = app.sign_contract(
        c,
        number=number,
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 1, 1),
        actor=A,
        sub_contracts=[
            SubContract(
                sub_id,
                "ERP licence",
                SubContractKind.LICENCE,
                start,
                [PricePoint(start, Money.of(annual_price, EUR))],
            )
        ],
    )
    return c, k


def test_contract_periods_are_listed_in_the_details(app: QuoteToCash) -> None:
    c, k = erp_licence_contract(app, "MC-1", "s1", date(2024, 1, 1), "1200")
    # (the billing run bills a contract's periods; draft_invoice refuses them typed by hand)
    app.activate_contract(k, effective=date(2024, 1, 1), actor=A)
    app.run_billing(date(2024, 1, 1), actor=A)
    (invoice,) = [i.id for i in app.invoices(c)]
    html = render_html(app, invoice, BRAND)
    assert "Contract periods" in html and "MC-1" in html and "s1 ERP licence" in html
    assert "2024-01-01 – 2024-01-31" in html
    text = "\n".join(pdf_pages(render_pdf(app, invoice, BRAND)))
    assert "MC-1 s1 ERP licence 2024-01-01 – 2024-01-31 1.0000" in text  # (the whole month)
    # not issued yet: it says so, in both
    assert "DRAFT" in text and "DRAFT" in html


def test_html_speaks_german_with_a_user_template_logo_and_colours(
    app: QuoteToCash, tmp_path: Path
) -> None:
    _, invoice = big_invoice(app, entries=2)
    Image.new("RGB", (40, 20), (170, 51, 0)).save(tmp_path / "logo.png")
    (tmp_path / "brand.toml").write_text(
        'company_name = "Q2C Services GmbH"\nlogo = "logo.png"\nprimary_colour = "#aa3300"\n'
        'language = "de"\niban = "DE89370400440532013000"\n'
    )
    brand = Branding.load(tmp_path / "brand.toml")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "invoice.html").write_text(
        '{% extends "q2c/invoice.html" %}'
        "{% block footer %}<footer>Custom footer for {{ doc.customer_name }}</footer>"
        "{% endblock %}"
    )
    html = HtmlInvoiceRenderer(app, brand, templates).render(invoice).decode()
    assert "Rechnung INV-000001" in html
    assert "Gesamtbetrag" in html and "357,00 EUR" in html  # German separators
    assert "Zeiteinträge" in html
    assert "--primary: #aa3300" in html
    assert "data:image/png;base64," in html
    assert "Custom footer for Müller &amp; Söhne GmbH" in html  # escaped
    pdf = PdfInvoiceRenderer(app, brand).render(invoice)
    text = "\n".join(pdf_pages(pdf))
    assert "Rechnung INV-000001" in text and "Seite 1 von 1" in text
    assert "Gesamtbetrag 357,00 EUR" in text


def test_renderers_fit_the_port_and_branding_refuses_bad_values(app: QuoteToCash) -> None:
    assert isinstance(HtmlInvoiceRenderer(app), DocumentRenderer)
    assert isinstance(PdfInvoiceRenderer(app), DocumentRenderer)
    with pytest.raises(InvalidValue) as caught:
        Branding(primary_colour="red;} body{display:none")
    assert caught.value.field == "primary_colour"
    _, invoice = big_invoice(app, entries=1)
    with pytest.raises(InvalidValue) as unknown:
        render_html(app, invoice, Branding(language="xx"))
    assert unknown.value.field == "language"


def test_french_labels(app: QuoteToCash) -> None:
    _, invoice = big_invoice(app, entries=1)
    html = render_html(app, invoice, Branding(language="fr"))
    assert "Facture INV-000001" in html and "Total TTC" in html


def test_a_missing_logo_is_named(app: QuoteToCash, tmp_path: Path) -> None:
    _, invoice = big_invoice(app, entries=1)
    brand = Branding(logo=str(tmp_path / "nope.png"))
    for render in (render_html, render_pdf):
        with pytest.raises(InvalidValue) as caught:
            render(app, invoice, brand)
        assert caught.value.field == "logo"


def test_payment_instructions_follow_the_branding(app: QuoteToCash) -> None:
    _, invoice = big_invoice(app, entries=1)
    plain = render_html(app, invoice)
    assert "Please pay 178.50 EUR by 2024-04-08, quoting INV-000001." in plain
    custom = Branding(
        iban="DE89370400440532013000", payment_instructions="Pay {amount} to {iban} ref {reference}"
    )
    text = "\n".join(pdf_pages(render_pdf(app, invoice, custom)))
    assert "Pay 178.50 EUR to DE89370400440532013000 ref INV-000001" in text


def racks(chars: int) -> str:
    """A site's description listing numbered racks, at least ``chars`` characters long."""
    text, k = "Brussels site:", 0
    while len(text) < chars:
        text += f" server rack R{k:04d} (serial SN-{k:06d}),"
        k += 1
    return text


def page_runs(page: pypdf.PageObject) -> list[tuple[float, float, str]]:
    """Each run of text on a page as (x, y, text) in points from the bottom left corner."""
    runs: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((x, y, text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def in_order(words: list[str], text: str) -> bool:
    """Every one of ``words`` occurs among the whitespace-separated words of ``text``, in order."""
    found = iter(text.split())
    return all(any(token == word for token in found) for word in words)


@pytest.mark.parametrize("chars", [2500, 10000])
def test_a_line_with_a_very_long_description_prints_all_of_it(app: QuoteToCash, chars: int) -> None:
    """A table row cannot span pages in fpdf2: a billing-run line for a site whose description
    lists its racks (2,500 or 10,000 characters, far more than a page of the 74 mm column) once
    made rendering fail. Its text now runs on over the following rows and pages: every word is
    printed, in order, in the lines table and in the contract period details, and the totals
    follow it."""
    c = app.register_customer(
        "Acme", EUR, account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    year = Period(date(2024, 1, 1), date(2025, 1, 1))
    site = SubContract(
        "SITE-1",
        racks(chars),
        SubContractKind.SITE,
        year.start,
        [PricePoint(year.start, Money.of(1200, EUR))],
    )
    k = app.sign_contract(
        c, number="MC-1", term=year, frequency=BillingFrequency.MONTHLY, signed_on=year.start,
        actor=A, sub_contracts=[site],
    )  # fmt: skip
    app.activate_contract(k, effective=year.start, actor=A)
    [invoice] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    approve_and_issue(app, invoice, date(2024, 1, 2))
    (line,) = app.invoice(invoice).lines
    assert len(line.description) > chars
    assert line.description.endswith(
        "31/31 days of period 2024-01-01..2024-01-31 at 1,200.00 EUR a year"
    )

    data = render_pdf(app, invoice, BRAND)
    pages = pdf_pages(data)
    n = len(pages)
    assert n >= (3 if chars > 5000 else 2)
    mm = 72 / 25.4
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        # nothing overlaps: no two runs share a column closer than a line apart, and the body
        # stops above the bottom margin (22 mm), clear of the footer (below 16 mm)
        by_column: dict[int, list[float]] = {}
        for x, y, _ in page_runs(page):
            by_column.setdefault(round(x), []).append(y)
            assert y < 16 * mm or y > 22 * mm
        for ys in by_column.values():
            ys.sort()
            assert all(b - a > 3.5 * mm for a, b in itertools.pairwise(ys))
    for i, text in enumerate(pages, start=1):
        assert f"Page {i} of {n}" in text
        assert "Q2C Services GmbH" in text
    everything = "\n".join(pages)
    lines_table, _, after = everything.partition("Net total")
    assert in_order(line.description.split(), lines_table)
    assert " ".join(after.split()).startswith("100.00 EUR Tax S 21 % 21.00 EUR Total 121.00 EUR")
    details = after.partition("Contract periods")[2]
    assert in_order(f"SITE-1 {site.description}".split(), details)
    assert "L1 MC-1 SITE-1 Brussels site: server rack R0000 2024-01-01 – 2024-01-31 1.0000" in (
        " ".join(details.split())
    )
    # the first row still carries the line's quantity, price, tax and amount beside the text
    first = " ".join(lines_table.split())
    assert (
        "L1 MC-1 / Brussels site: server rack R0000 (serial 1 100.00 EUR S 21 % 100.00 EUR" in first
    )


def test_a_long_time_entry_note_runs_on_in_the_details(app: QuoteToCash) -> None:
    """The detail tables split long cells the same way: a time entry's long note prints whole,
    next to its date, worker and hours, and the next entry follows it."""
    customer = app.register_customer("Tiny AB", EUR, account_manager="mia", actor=A)
    note = " ".join(f"checked-item-{k:04d}" for k in range(400))
    r = app.open_request(customer, "Audit", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r, hours=10, rate=Money.of("100", EUR), actor=A)
    app.send_quote(r, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        r, number="PO-1", amount=Money.of("1000", EUR), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(r, authorized_on=date(2024, 3, 4), actor=A)
    for i, text in enumerate([note, "short one"]):
        entry = TimeEntry(
            f"t{i}", "bob", date(2024, 3, 5), Decimal("2"), Money.of("100", EUR), note=text
        )
        app.log_work(r, entry, actor="bob")
    app.complete_request(r, completed_on=date(2024, 3, 7), actor=A)
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 8), actor="billy")
    approve_and_issue(app, invoice, date(2024, 3, 9))
    everything = "\n".join(pdf_pages(render_pdf(app, invoice, BRAND)))
    details = everything.partition("Time entries")[2]
    assert in_order(["2024-03-05", "bob", "2", *note.split(), "2024-03-05", "short"], details)
    assert f"Total {app.invoice(invoice).total.amount:,.2f} EUR" in everything


def test_a_contract_line_reads_in_the_documents_language(app: QuoteToCash) -> None:
    """The run writes a contract line in English; a German or French invoice prints its dates,
    days and annual price as that language writes them (no 12,855.60 beside 7.049,84 EUR)."""
    _, k = erp_licence_contract(app, "MC-7", "S1", date(2024, 1, 15), "12855.60")
    app.activate_contract(k, effective=date(2024, 1, 1), actor=A)
    [invoice] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    english = app.invoice(invoice).lines[0].description
    assert english == (
        "MC-7 / ERP licence [S1]: 2024-01-15..2024-01-31, 17/31 days of period "
        "2024-01-01..2024-01-31 at 12,855.60 EUR a year"
    )
    assert english in render_html(app, invoice, BRAND)
    german = render_html(app, invoice, Branding(language="de"))
    assert (
        "MC-7 / ERP licence [S1]: 15.01.2024 – 31.01.2024, 17/31 Tage des "
        "Abrechnungszeitraums 01.01.2024 – 31.01.2024 zu 12.855,60 EUR pro Jahr"
    ) in german
    assert "12,855.60" not in german
    french = " ".join(
        "\n".join(pdf_pages(render_pdf(app, invoice, Branding(language="fr")))).split()
    )
    assert "17/31 jours de la période 01/01/2024 – 31/01/2024 à 12 855,60 EUR par an" in french
    assert contract_line_text("Support, March", "de") == "Support, March"


def test_a_contract_line_in_a_currency_without_cents_reads_in_german_too() -> None:
    text = (
        "MC-9 / Licence [S1]: 2024-01-01..2024-01-31, 31/31 days of period "
        "2024-01-01..2024-01-31 at 1,200 JPY a year"
    )
    assert contract_line_text(text, "de").endswith("zu 1.200 JPY pro Jahr")


@pytest.mark.parametrize(
    ("template", "rule"),
    [
        # a block tag left unfinished on line 3
        (
            '{% extends "q2c/invoice.html" %}\n{% block footer %}\n<p>{% if %}</p>\n{% endblock %}',
            "Expected an expression",
        ),
        # a variable the document does not have, on line 2
        (
            '{% extends "q2c/invoice.html" %}\n{% block footer %}<p>{{ doc.vat_note }}</p>'
            "\n{% endblock %}",
            "vat_note",
        ),
        # an expression that fails as it runs: text plus a number, on line 2
        (
            '{% extends "q2c/invoice.html" %}\n{% block footer %}{{ doc.customer_name + 1 }}'
            "{% endblock %}",
            "can only concatenate str",
        ),
    ],
)
def test_a_broken_user_template_is_refused_naming_its_file_and_line(
    app: QuoteToCash, tmp_path: Path, template: str, rule: str
) -> None:
    """A designer's template with a typo or a variable q2c does not give is a mistake in the
    --templates folder: refused as such (the file and the line to look at), not a Jinja2 crash."""
    _, invoice = big_invoice(app, entries=1)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "invoice.html").write_text(template, encoding="utf-8")
    line = 3 if rule.startswith("Expected") else 2
    for render in (
        lambda: render_html(app, invoice, template_dir=templates),
        lambda: HtmlInvoiceRenderer(app, template_dir=templates).render(invoice),
    ):
        with pytest.raises(InvalidValue) as refused:
            render()
        assert refused.value.field == "templates"
        assert str(templates / "invoice.html") in refused.value.rule
        assert f"line {line}" in refused.value.rule and rule in refused.value.rule


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        # the designer meant q2c's own template, and named their own: it extends itself
        (b'{% extends "invoice.html" %}', 'write {% extends "q2c/invoice.html" %}'),
        # a filter given text where it needs a mapping, on line 1
        (b"<p>{{ doc.number|xmlattr }}</p>", "has no attribute"),
        # saved as Latin-1 by an old editor: Jinja2 reads UTF-8
        ("<p>Gebühr</p>".encode("latin-1"), "not UTF-8 text"),
    ],
)
def test_a_template_that_loops_misuses_a_filter_or_is_not_utf8_is_refused_too(
    app: QuoteToCash, tmp_path: Path, content: bytes, rule: str
) -> None:
    """Three more designers' mistakes are refused naming --templates and the file, not a
    Python traceback: a template that extends itself, a filter on the wrong kind of value,
    a file that is not UTF-8."""
    _, invoice = big_invoice(app, entries=1)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "invoice.html").write_bytes(content)
    with pytest.raises(InvalidValue) as refused:
        render_html(app, invoice, template_dir=templates)
    assert refused.value.field == "templates"
    assert str(templates / "invoice.html") in refused.value.rule
    assert rule in refused.value.rule
