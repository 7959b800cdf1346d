"""An intra-community credit note states the delivery of the supply it credits, not its own day.

Q2C Services BV (Belgium) invoiced Kaas BV (Netherlands) on 10 January, an intra-community
supply (K): the e-invoice states the actual delivery date (BT-72, which BR-IC-11 asks for) as
10 January. Its credit note of 20 February stated 20 February as the delivery date: a supply
that never took place on that day, in the month Kaas BV's books and the EC Sales List would
place it. The credit note now states the delivery of the invoice it credits, 10 January.
"""

from __future__ import annotations

from datetime import date

from test_beancount_ledger import issue, manual_line
from test_ubl import NS, SELLER, assert_conforms, text, validator  # noqa: F401 (the fixture)

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_core import CreditDisposition, QuoteToCash, TaxCategory, TaxRate

K = TaxRate.none(TaxCategory.INTRA_COMMUNITY)


def test_the_credit_note_states_the_credited_invoices_delivery(
    validator: PeppolValidator,  # noqa: F811
) -> None:
    app = QuoteToCash.open("memory:")
    kaas = app.register_customer(
        "Kaas BV", "EUR", account_manager="mia", actor="a", tax_rate=K,
        country="NL", tax_id="NL123456789B01", address="Kade 1", city="Amsterdam",
        postal_code="1011AA",
    )  # fmt: skip
    invoice = app.draft_invoice(
        kaas, [manual_line("L1", "500", K)], drafted_on=date(2024, 1, 10), actor="billy"
    )
    issue(app, invoice, date(2024, 1, 10))
    note = app.draft_credit_note(
        invoice, line_ids=["L1"], disposition=CreditDisposition.REBILLABLE, reason="returned",
        drafted_on=date(2024, 2, 20), actor="billy",
    )  # fmt: skip
    issue(app, note, date(2024, 2, 20))

    renderer = UblRenderer(app, SELLER)
    delivered = "cac:Delivery/cbc:ActualDeliveryDate"
    assert text(renderer.render(invoice), delivered) == ["2024-01-10"]
    doc = renderer.render(note)
    assert text(doc, delivered) == ["2024-01-10"]
    assert text(doc, "cbc:IssueDate") == ["2024-02-20"]
    assert_conforms(validator.validate(doc))
