"""A credit note against an invoice already paid says where the money went.

Acme paid its 605.00 invoice (500.00 + 21 % VAT) in full; then the seller credited it in full.
The note's issue gave the 605.00 back off the invoice: it stays with Acme as customer credit
(``AppliedCredit.given_back``), to be set against what Acme owes or refunded. The credit note
said "This credit of 605.00 EUR reduces what you owe", though Acme owed nothing. It now says
the credit is held on Acme's account; a note crediting more than was still owed says what it
took off what was owed and what it holds as credit; a note on an unpaid invoice still says it
reduces what is owed; a draft says what its issue would do today.
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
from q2c_core.domain.invoice import CreditDisposition

ISSUED = date(2024, 5, 2)
CREDITED = date(2024, 6, 3)
LANGUAGES = sorted(LABELS)

HELD_AS_CREDIT = {
    "en": (
        "This credit of 605.00 EUR is held as credit on your account, as you had already "
        "paid what it credits: it will be set against what you owe or refunded to you;"
    ),
    "de": (
        "Diese Gutschrift über 605,00 EUR wird Ihrem Kundenkonto als Guthaben "
        "gutgeschrieben, da Sie den gutgeschriebenen Betrag bereits bezahlt hatten: es wird "
        "mit Ihren offenen Beträgen verrechnet oder Ihnen erstattet;"
    ),
    "fr": (
        "Cet avoir de 605,00 EUR est porté au crédit de votre compte, car vous aviez déjà "
        "payé ce qu'il crédite : il sera imputé sur ce que vous devez ou vous sera remboursé ;"
    ),
}
PARTLY_HELD = {
    "en": (
        "This credit of 605.00 EUR reduces what you owe by 205.00 EUR; the 400.00 EUR you had "
        "already paid of it is held as credit on your account: it will be set against what "
        "you owe or refunded to you;"
    ),
    "de": (
        "Diese Gutschrift über 605,00 EUR mindert Ihre Schuld um 205,00 EUR; die bereits "
        "bezahlten 400,00 EUR werden Ihrem Kundenkonto als Guthaben gutgeschrieben: sie werden "
        "mit Ihren offenen Beträgen verrechnet oder Ihnen erstattet;"
    ),
    "fr": (
        "Cet avoir de 605,00 EUR réduit votre dû de 205,00 EUR ; les 400,00 EUR déjà payés "
        "sont portés au crédit de votre compte : ils seront imputés sur ce que vous devez ou "
        "vous seront remboursés ;"
    ),
}
REDUCES = {
    "en": "This credit of 605.00 EUR reduces what you owe;",
    "de": "Diese Gutschrift über 605,00 EUR mindert Ihre Schuld;",
    "fr": "Cet avoir de 605,00 EUR réduit votre dû ;",
}


def shown_texts(app: QuoteToCash, invoice: UUID, language: str) -> dict[str, str]:
    """The document's words as the customer reads them, PDF and HTML, single-spaced."""
    brand = Branding(company_name="Seller BV", iban="BE71096123456769", language=language)
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(app, invoice, brand))).pages
    pdf = " ".join(" ".join(page.extract_text() for page in pages).split())
    page = lxml_html.fromstring(render_html(app, invoice, brand))
    return {"pdf": pdf, "html": " ".join(str(page.xpath("string(//body)")).split())}


def issued_invoice(app: QuoteToCash) -> UUID:
    """500.00 net, 21 % VAT: 605.00, issued on 2 May."""
    invoice = app.draft_invoice(customer(app), [manual("L1", "500")], drafted_on=ISSUED, actor="b")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=ISSUED, actor="bea")
    return invoice


def pay(app: QuoteToCash, invoice: UUID, amount: str) -> None:
    """Acme transfers ``amount`` and it is allocated to the invoice."""
    money = Money.of(amount, "EUR")
    cust = app.invoice(invoice).customer_id
    payment = app.receive_payment(
        cust, money, received_on=date(2024, 5, 10), reference="INV-000001", actor="ann"
    )
    app.allocate_payment(payment, [(invoice, money)], allocated_on=date(2024, 5, 10), actor="ann")


def the_note(app: QuoteToCash, invoice: UUID) -> UUID:
    (applied,) = app.invoice(invoice).credits
    return applied.credit_note_id


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_credit_note_of_a_paid_invoice_says_the_money_is_held_as_credit(
    app: QuoteToCash, language: str
) -> None:
    invoice = issued_invoice(app)
    pay(app, invoice, "605.00")
    credit(app, invoice, ["L1"], CREDITED, "service cancelled")
    (applied,) = app.invoice(invoice).credits
    assert applied.given_back == Money.of("605.00", "EUR")
    assert app.customer_credit(app.invoice(invoice).customer_id) == Money.of("605.00", "EUR")
    for kind, shown in shown_texts(app, the_note(app, invoice), language).items():
        assert HELD_AS_CREDIT[language] in shown, (kind, shown)
        assert REDUCES[language] not in shown, kind


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_credit_note_of_a_part_paid_invoice_says_what_it_took_off_and_what_it_holds(
    app: QuoteToCash, language: str
) -> None:
    """400.00 paid of 605.00: the note takes the 205.00 still owed off, and gives 400.00 back."""
    invoice = issued_invoice(app)
    pay(app, invoice, "400.00")
    credit(app, invoice, ["L1"], CREDITED, "service cancelled")
    (applied,) = app.invoice(invoice).credits
    assert applied.given_back == Money.of("400.00", "EUR")
    for kind, shown in shown_texts(app, the_note(app, invoice), language).items():
        assert PARTLY_HELD[language] in shown, (kind, shown)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_credit_note_of_an_unpaid_invoice_still_reduces_what_is_owed(
    app: QuoteToCash, language: str
) -> None:
    invoice = issued_invoice(app)
    credit(app, invoice, ["L1"], CREDITED, "service cancelled")
    for kind, shown in shown_texts(app, the_note(app, invoice), language).items():
        assert REDUCES[language] in shown, (kind, shown)
        assert HELD_AS_CREDIT[language] not in shown, kind


def test_a_draft_credit_note_of_a_paid_invoice_says_what_its_issue_would_do(
    app: QuoteToCash,
) -> None:
    invoice = issued_invoice(app)
    pay(app, invoice, "605.00")
    note = app.draft_credit_note(
        invoice, line_ids=["L1"], disposition=CreditDisposition.WRITTEN_OFF,
        reason="service cancelled", drafted_on=CREDITED, actor="billy",
    )  # fmt: skip
    for kind, shown in shown_texts(app, note, "en").items():
        assert HELD_AS_CREDIT["en"] in shown, (kind, shown)
        assert REDUCES["en"] not in shown, kind


def test_every_language_says_where_a_credit_went() -> None:
    assert set(HELD_AS_CREDIT) == set(PARTLY_HELD) == set(REDUCES) == set(LABELS)
