"""The e-invoice of a credit note that makes the customer owe more says where to pay it.

Crediting only the deposit deduction of a final invoice (the deposit was never paid) gives a
credit note of -1,210.00: the customer now owes 1,210.00 more on the final invoice. Its PDF asks
for that money (the account, a due date, the final invoice's number to quote); its UBL CreditNote
must tell the buyer's payables system the same, or that system has the amount and nowhere to pay
it. A credit note that reduces what is owed carries no payment details, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from lxml import etree
from test_beancount_ledger import issue
from test_documents_review_fixes import BRAND, deposit_deduction_taken_back, flat
from test_ubl import CONFORMANCE, NS, SELLER, assert_conforms, require_shared, text

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_adapters.documents import render_pdf
from q2c_core import CreditDisposition, QuoteToCash


@pytest.fixture(scope="module")
def validator() -> Iterator[PeppolValidator]:
    """The XSD and both rule sets, compiled once for the module."""
    require_shared(CONFORMANCE / "rules" / "PEPPOL-EN16931-UBL.xslt")
    yield PeppolValidator(CONFORMANCE)


def test_a_negative_credit_note_tells_the_buyers_system_where_to_pay_what_it_adds(
    app: QuoteToCash, validator: PeppolValidator
) -> None:
    """The -1,210.00 note's CreditNote carries a credit transfer to the seller's IBAN, quoting
    the final invoice INV-000002 (the invoice the payment is owed on and allocated to), due on
    the final invoice's due date, the day its PDF gives; it passes XSD, EN 16931 and PEPPOL."""
    final, note = deposit_deduction_taken_back(app)
    final_invoice = app.invoice(final)
    assert final_invoice.number == "INV-000002" and final_invoice.due_date is not None
    due = final_invoice.due_date.isoformat()
    doc = UblRenderer(app, SELLER).render(note)
    assert_conforms(validator.validate(doc))
    assert text(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["-1210.00"]
    means = "cac:PaymentMeans"
    assert text(doc, f"{means}/cbc:PaymentMeansCode") == ["30"]
    account = f"{means}/cac:PayeeFinancialAccount"
    assert text(doc, f"{account}/cbc:ID") == ["BE71096123456769"]
    assert text(doc, f"{account}/cbc:Name") == ["Q2C Services BV"]
    assert text(doc, f"{account}/cac:FinancialInstitutionBranch/cbc:ID") == ["GKCCBEBB"]
    assert text(doc, f"{means}/cbc:PaymentID") == ["INV-000002"]
    assert text(doc, f"{means}/cbc:PaymentDueDate") == [due]
    [terms] = text(doc, "cac:PaymentTerms/cbc:Note")
    assert "1210.00 EUR" in terms and "INV-000002" in terms and due in terms
    # the PDF of the same note asks for the same money, by the same day, quoting the same invoice
    assert f"Please transfer 1,210.00 EUR by {due} to BE71096123456769" in flat(
        render_pdf(app, note, BRAND)
    )


def test_a_negative_credit_note_after_the_invoice_fell_due_is_due_on_its_own_day(
    app: QuoteToCash, validator: PeppolValidator
) -> None:
    """The final invoice fell due on 2024-06-03; the note of 2024-07-01 asks for the 1,210.00 on
    2024-07-01, not on a day already past, in its UBL as in its PDF."""
    _, note = deposit_deduction_taken_back(app, credited_on=date(2024, 7, 1))
    doc = UblRenderer(app, SELLER).render(note)
    assert_conforms(validator.validate(doc))
    assert text(doc, "cac:PaymentMeans/cbc:PaymentDueDate") == ["2024-07-01"]
    assert "by 2024-07-01" in text(doc, "cac:PaymentTerms/cbc:Note")[0]


def test_the_payment_details_sit_where_the_credit_note_schema_puts_them(app: QuoteToCash) -> None:
    """UBL 2.1 CreditNote order: the parties, then PaymentMeans, PaymentTerms, then the totals;
    inside PaymentMeans the code, due date, payment id, then the payee's account."""
    _, note = deposit_deduction_taken_back(app)
    root = etree.fromstring(UblRenderer(app, SELLER).render(note))
    top = [etree.QName(el).localname for el in root]
    at = top.index("AccountingCustomerParty")
    assert top[at + 1 : at + 4] == ["PaymentMeans", "PaymentTerms", "TaxTotal"]
    [means] = root.findall("cac:PaymentMeans", NS)
    assert [etree.QName(el).localname for el in means] == [
        "PaymentMeansCode",
        "PaymentDueDate",
        "PaymentID",
        "PayeeFinancialAccount",
    ]


def test_a_credit_note_that_reduces_what_is_owed_carries_no_payment_details(
    app: QuoteToCash, validator: PeppolValidator
) -> None:
    """Crediting the work line (+2,420.00) asks the buyer for nothing: no PaymentMeans, no
    PaymentTerms, as before; the final invoice keeps its own payment details, without the
    credit note's due date element (an Invoice states its due date at the top)."""
    final, _ = deposit_deduction_taken_back(app)
    credit = app.draft_credit_note(
        final, line_ids=["L1"], disposition=CreditDisposition.WRITTEN_OFF, reason="goodwill",
        drafted_on=date(2024, 5, 6), actor="b",
    )  # fmt: skip
    issue(app, credit, date(2024, 5, 6))
    renderer = UblRenderer(app, SELLER)
    doc = renderer.render(credit)
    assert_conforms(validator.validate(doc))
    assert text(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["2420.00"]
    assert etree.fromstring(doc).findall("cac:PaymentMeans", NS) == []
    assert etree.fromstring(doc).findall("cac:PaymentTerms", NS) == []
    invoice = renderer.render(final)
    assert text(invoice, "cac:PaymentMeans/cbc:PaymentID") == ["INV-000002"]
    assert text(invoice, "cac:PaymentMeans/cbc:PaymentDueDate") == []
    assert text(invoice, "cbc:DueDate") == ["2024-06-03"]
