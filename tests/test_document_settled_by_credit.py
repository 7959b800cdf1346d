"""An invoice with nothing left to pay says how it was settled, in every language of the documents.

Acme's site closed: its invoice was cancelled in full by a written-off credit note and never paid
(Paid 0.00, Credited the whole total). Its PDF and HTML said "Nothing is due: thank you for your
payment." for a payment that was never made. They now say the invoice was settled by credit note;
one settled partly by a payment and partly by a credit note says both; one paid in full still
thanks the customer for the payment; one of nothing (0.00) thanks for no payment.
"""

from __future__ import annotations

import io
from datetime import date
from uuid import UUID

import pypdf
import pytest
from lxml import html as lxml_html
from test_story_invoice import approve, credit, customer, manual

from q2c_adapters.documents import Branding, render_html, render_pdf
from q2c_adapters.documents.i18n import LABELS
from q2c_core import Money, QuoteToCash

ISSUED = date(2024, 5, 2)
LANGUAGES = sorted(LABELS)

SETTLED_BY_CREDIT_NOTE = {
    "en": "Nothing is due: this invoice was settled by credit note.",
    "de": "Es ist nichts offen: diese Rechnung wurde durch Gutschrift ausgeglichen.",
    "fr": "Rien n'est dû : cette facture a été soldée par avoir.",
}
SETTLED_BY_PAYMENT_AND_CREDIT_NOTE = {
    "en": (
        "Nothing is due: this invoice was settled by your payment and by credit note; "
        "thank you for your payment."
    ),
    "de": (
        "Es ist nichts offen: diese Rechnung wurde durch Ihre Zahlung und durch Gutschrift "
        "ausgeglichen; vielen Dank für Ihre Zahlung."
    ),
    "fr": (
        "Rien n'est dû : cette facture a été soldée par votre paiement et par avoir ; "
        "merci pour votre paiement."
    ),
}
THANKS_FOR_THE_PAYMENT = {
    "en": "Nothing is due: thank you for your payment.",
    "de": "Es ist nichts offen: vielen Dank für Ihre Zahlung.",
    "fr": "Rien n'est dû : merci pour votre paiement.",
}

NOTHING_WAS_OWED = {
    "en": "Nothing is due on this invoice.",
    "de": "Für diese Rechnung ist nichts offen.",
    "fr": "Rien n'est dû sur cette facture.",
}


def shown_texts(app: QuoteToCash, invoice: UUID, language: str) -> dict[str, str]:
    """The document's words as the customer reads them: the PDF's text (pypdf) and the HTML
    page's body text (lxml), whitespace made single spaces."""
    brand = Branding(company_name="Seller BV", iban="BE71096123456769", language=language)
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(app, invoice, brand))).pages
    pdf = " ".join(" ".join(page.extract_text() for page in pages).split())
    page = lxml_html.fromstring(render_html(app, invoice, brand))
    body = " ".join(page.xpath("string(//body)").split())
    return {"pdf": pdf, "html": body}


def issued_invoice(app: QuoteToCash) -> UUID:
    """Two lines: 1,000.00 and 200.00 net, 21% VAT (1,210.00 and 242.00), issued."""
    invoice = app.draft_invoice(
        customer(app), [manual("L1", "1000"), manual("L2", "200")], drafted_on=ISSUED, actor="b"
    )
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=ISSUED, actor="bea")
    return invoice


def pay(app: QuoteToCash, invoice: UUID, amount: str) -> None:
    """Acme transfers ``amount`` and it is allocated to the invoice."""
    cust = app.invoice(invoice).customer_id
    money = Money.of(amount, "EUR")
    payment = app.receive_payment(
        cust, money, received_on=date(2024, 5, 10), reference="INV-1", actor="ann"
    )
    app.allocate_payment(payment, [(invoice, money)], allocated_on=date(2024, 5, 10), actor="ann")


def thanks_for_a_payment(language: str) -> str:
    """The words that thank the customer for paying, in ``language``."""
    return THANKS_FOR_THE_PAYMENT[language].split(": ", 1)[1].rstrip(".")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invoice_written_off_in_full_and_never_paid_says_it_was_settled_by_credit_note(
    app: QuoteToCash, language: str
) -> None:
    invoice = issued_invoice(app)
    credit(app, invoice, ["L1", "L2"], date(2024, 6, 2), "site closed")
    settled = app.invoice(invoice)
    assert settled.paid.is_zero() and settled.credited == Money.of("1452.00", "EUR")
    for kind, shown in shown_texts(app, invoice, language).items():
        assert SETTLED_BY_CREDIT_NOTE[language] in shown, (kind, shown)
        assert thanks_for_a_payment(language) not in shown, kind


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invoice_paid_in_part_and_credited_for_the_rest_says_both(
    app: QuoteToCash, language: str
) -> None:
    invoice = issued_invoice(app)
    pay(app, invoice, "1210.00")
    credit(app, invoice, ["L2"], date(2024, 6, 2), "second item not delivered")
    settled = app.invoice(invoice)
    assert settled.outstanding.is_zero()
    assert settled.paid.is_positive() and settled.credited.is_positive()
    for kind, shown in shown_texts(app, invoice, language).items():
        assert SETTLED_BY_PAYMENT_AND_CREDIT_NOTE[language] in shown, (kind, shown)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invoice_paid_in_full_still_thanks_for_the_payment(
    app: QuoteToCash, language: str
) -> None:
    invoice = issued_invoice(app)
    pay(app, invoice, "1452.00")
    for kind, shown in shown_texts(app, invoice, language).items():
        assert THANKS_FOR_THE_PAYMENT[language] in shown, (kind, shown)
        assert SETTLED_BY_CREDIT_NOTE[language] not in shown, kind


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invoice_of_nothing_thanks_for_no_payment(app: QuoteToCash, language: str) -> None:
    """A goodwill invoice of 0.00 (the work done free, shown to the customer) owes nothing and
    was neither paid nor credited: it says nothing is due and thanks for no payment."""
    invoice = app.draft_invoice(
        customer(app), [manual("L1", "0", price_reason="goodwill")], drafted_on=ISSUED, actor="b"
    )
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=ISSUED, actor="bea")
    for kind, shown in shown_texts(app, invoice, language).items():
        assert NOTHING_WAS_OWED[language] in shown, (kind, shown)
        assert thanks_for_a_payment(language) not in shown, kind


def test_every_language_has_its_settled_texts() -> None:
    """The test's sentences cover every language the documents speak."""
    assert (
        set(SETTLED_BY_CREDIT_NOTE)
        == set(SETTLED_BY_PAYMENT_AND_CREDIT_NOTE)
        == set(THANKS_FOR_THE_PAYMENT)
        == set(NOTHING_WAS_OWED)
        == set(LABELS)
    )
