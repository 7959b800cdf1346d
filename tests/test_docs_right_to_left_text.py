"""A Tel Aviv buyer, שלום בע״מ, and a Dubai one, شركة الأمل: the PDF font has the letters,
but the PDF lays text out left to right, letter by letter, without the Unicode bidirectional
algorithm or Arabic joining (fpdf2 does both only with its optional HarfBuzz shaping). The name
came out backwards (a reader saw מ״עב םולש) and Arabic letters unjoined. Such text is now refused
as text the font cannot print is, ``InvalidValue`` naming the field and the characters, never
printed reversed; the HTML (a browser lays it out) still carries it."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from uuid import UUID

import pypdf
import pytest

from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_core import InvalidValue, InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

HEBREW = "שלום בע״מ"
ARABIC = "شركة الأمل"


def issue(app: QuoteToCash, invoice: UUID, on: date) -> None:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")


def invoice_for(app: QuoteToCash, name: str, address: str, description: str) -> UUID:
    customer = app.register_customer(
        name, "EUR", account_manager="mia", actor="a", country="IL", address=address
    )
    line = InvoiceLine(
        line_id="L1", description=description, quantity=Decimal(1),
        unit_price=Money.of("100", "EUR"), tax=TaxRate.standard(17),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
    )  # fmt: skip
    invoice = app.draft_invoice(customer, [line], drafted_on=date(2024, 5, 1), actor="b")
    issue(app, invoice, date(2024, 5, 2))
    return invoice


def test_a_hebrew_or_arabic_buyer_name_is_refused_never_printed_backwards(
    app: QuoteToCash,
) -> None:
    for name in (HEBREW, ARABIC):
        invoice = invoice_for(app, name, "Herzl 1, Tel Aviv", "Consulting")
        with pytest.raises(InvalidValue) as refused:
            render_pdf(app, invoice, Branding())
        assert refused.value.field == "customer_name"
        assert refused.value.value == name
        assert "right to left" in str(refused.value)
        assert name in render_html(app, invoice, Branding())


def test_the_field_is_named_wherever_the_text_is(app: QuoteToCash) -> None:
    address = invoice_for(app, "Shalom Ltd", "רחוב הרצל 1, תל אביב", "Consulting")
    with pytest.raises(InvalidValue) as refused:
        render_pdf(app, address, Branding())
    assert refused.value.field == "customer_address"

    line = invoice_for(app, "Amal LLC", "Sheikh Zayed Rd 1, Dubai", "استشارات مايو")
    with pytest.raises(InvalidValue) as refused:
        render_pdf(app, line, Branding())
    assert refused.value.field == "lines[L1].description"

    latin = invoice_for(app, "Shalom Trading Ltd", "Herzl 1, Tel Aviv", "Consulting")
    with pytest.raises(InvalidValue) as refused:
        render_pdf(app, latin, Branding(company_name="אלפא שירותים"))
    assert refused.value.field == "branding.company_name"


def test_left_to_right_scripts_and_invisible_direction_marks_still_print(
    app: QuoteToCash,
) -> None:
    """Greek, Cyrillic and a left-to-right mark pasted with a name (U+200E prints nothing) are
    not refused: they read back as written."""
    invoice = invoice_for(app, "Ωmega ΑΕ\u200e", "Москва, ул. Тверская 1", "Wartung für Müller")
    pdf = render_pdf(app, invoice, Branding())
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Ωmega ΑΕ" in text and "Москва, ул. Тверская 1" in text
    assert "Wartung für Müller" in text
