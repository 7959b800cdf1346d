"""A voided invoice's document says it is voided, and why, and asks for no payment: it read
"DRAFT - not a valid invoice" and asked the customer to pay its total by transfer."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from test_story_invoice import approve, customer, manual

from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_core import QuoteToCash

BRAND = Branding(company_name="Seller BV", iban="BE71096123456769")
D = date(2024, 5, 1)


def pdf_text(data: bytes) -> str:
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    return " ".join(" ".join(pages).split())


@pytest.mark.parametrize("approved", [False, True])
def test_a_voided_invoice_reads_voided_with_its_reason_and_asks_for_no_payment(
    app: QuoteToCash, approved: bool
) -> None:
    inv = app.draft_invoice(customer(app), [manual("L1", "100")], drafted_on=D, actor="billy")
    if approved:
        approve(app, inv)
    app.void_invoice(inv, reason="duplicate of INV-000007", actor="bea", voided_on=D)
    for shown in (pdf_text(render_pdf(app, inv, BRAND)), render_html(app, inv, BRAND)):
        assert "VOIDED" in shown
        assert "duplicate of INV-000007" in shown
        assert "DRAFT" not in shown
        assert "Please transfer" not in shown and "121.00 EUR by" not in shown
        assert "nothing is to be paid" in shown


def test_a_draft_still_reads_draft(app: QuoteToCash) -> None:
    inv = app.draft_invoice(customer(app), [manual("L1", "100")], drafted_on=D, actor="billy")
    shown = pdf_text(render_pdf(app, inv, BRAND))
    assert "DRAFT" in shown and "VOIDED" not in shown


@pytest.mark.parametrize(
    "template",
    [
        "Pay {amount} to {iban} quoting {invoice_number}",
        "Pay {amount} (see {our terms})",
        "Pay {amount} {0}",
        "Pay {amount} {}",
        "Pay {amount.__class__}",
        "Pay {amount",
    ],
)
def test_payment_instructions_with_an_unknown_placeholder_are_refused_when_built(
    template: str,
) -> None:
    from q2c_core import InvalidValue

    with pytest.raises(InvalidValue) as refused:
        Branding(company_name="S", payment_instructions=template)
    assert refused.value.field == "payment_instructions"


def test_payment_instructions_of_the_documented_placeholders_are_filled_in(
    app: QuoteToCash,
) -> None:
    inv = app.draft_invoice(customer(app), [manual("L1", "100")], drafted_on=D, actor="billy")
    approve(app, inv)
    number = app.issue_invoice(inv, issued_on=D, actor="bea")
    brand = Branding(
        company_name="S",
        iban="BE71096123456769",
        payment_instructions="Pay {amount} to {iban}{bic_part} quoting {reference} by "
        "{due_date} {{thanks}}",
    )
    shown = render_html(app, inv, brand)
    assert f"Pay 121.00 EUR to BE71096123456769 quoting {number}" in shown
    assert "{thanks}" in shown
