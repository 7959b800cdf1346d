"""A purchase order's amount is whole minor units of its currency.

Acme's export is estimated at 10 hours at 100.00 EUR (1,000.00 EUR). Its PO was typed as
999.999 EUR (a slip of the keyboard, with a shortfall reason ready for the odd amount) and was
taken: the request's PO read 999.999 EUR, an amount no invoice, PDF or e-invoice can quote and
the customer's books never hold, while a fixed price or an expense of such an amount is refused.
A new PO of fractions of a cent is now refused, ``InvalidValue`` naming ``po.amount``, nothing
recorded; the same PO in whole cents is taken.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_core import InvalidValue, Money, QuoteToCash, RequestStatus

A = "alice"


@pytest.mark.parametrize(("amount", "currency"), [("999.999", "EUR"), ("1000.5", "JPY")])
def test_a_po_of_fractions_of_a_cent_is_refused(
    app: QuoteToCash, amount: str, currency: str
) -> None:
    acme = app.register_customer("Acme", currency, account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(export, hours=10, rate=Money.of(100, currency), actor=A)
    app.send_quote(export, sent_on=date(2024, 3, 2), actor=A)
    version = app.request(export).version

    with pytest.raises(InvalidValue) as refused:
        app.receive_purchase_order(
            export,
            number="PO-1",
            amount=Money.of(amount, currency),
            received_on=date(2024, 3, 3),
            actor=A,
            shortfall_reason="agreed on the phone",
        )

    assert refused.value.field == "po.amount"
    assert app.request(export).version == version  # nothing recorded
    assert app.request(export).status is RequestStatus.QUOTED

    whole = Money.of(amount, currency).rounded()
    app.receive_purchase_order(
        export,
        number="PO-1",
        amount=whole,
        received_on=date(2024, 3, 3),
        actor=A,
        shortfall_reason="agreed on the phone",
    )
    po = app.request(export).purchase_order
    assert po is not None and po.amount == whole
