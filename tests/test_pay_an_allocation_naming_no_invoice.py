"""An allocation given as a list of invoices names at least one.

Acme's 300.00 EUR arrives for its 200.00 EUR invoice. A script allocates it under its batch
reference, but its selection came back empty and it passed an empty list. That allocates
nothing and says nothing: under the reference it would have been the allocation the reference
names, so the real allocation a moment later, under the same reference, was refused as another
allocation of it. An empty list is refused (``InvalidValue`` naming ``allocations``), recording
nothing; None still means oldest due first, which may find nothing open.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import InvalidValue, InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

ON = date(2024, 4, 1)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@pytest.mark.parametrize("empty", [[], ()])
def test_an_empty_list_of_invoices_is_refused_and_the_reference_stays_free(
    app: QuoteToCash, empty: list[object]
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="al")
    line = InvoiceLine(
        "L1",
        "support",
        Decimal(1),
        eur("200.00"),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(acme, [line], drafted_on=ON, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=ON, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=ON, actor="mia")
    app.issue_invoice(invoice, issued_on=ON, actor="bea")
    payment = app.receive_payment(acme, eur("300.00"), received_on=ON, reference="T1", actor="al")
    before = app.recorder.max_notification_id()

    for reference in ("BATCH-7", None):
        with pytest.raises(InvalidValue) as refused:
            app.allocate_payment(
                payment,
                empty,  # type: ignore[arg-type]
                allocated_on=ON,
                actor="al",
                reference=reference,
            )
        assert refused.value.field == "allocations"
    assert app.recorder.max_notification_id() == before

    [allocation] = app.allocate_payment(
        payment, [(invoice, eur("200.00"))], allocated_on=ON, actor="al", reference="BATCH-7"
    )
    assert app.payment(payment).allocation(allocation).amount == eur("200.00")
    assert app.invoice(invoice).outstanding == eur("0.00")
    assert app.customer_credit(acme) == eur("100.00")
