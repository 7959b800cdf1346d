"""A fixed price billed by hand is billed no earlier than its request was asked for.

Logo asked for its export on 1 March 2024, at a fixed 1,000.00 EUR. Billing drafted the price
by hand with a drafted_on of 1 March 2023 (the year mistyped): it was taken, since a hand-made
invoice's day was checked only against the time entries and expenses its lines name, and every
report of the year between read the price of a request nobody had asked for as invoiced. The
request's own invoice refuses a day before the request, and now so does a hand-made one billing
its fixed price, ``RuleViolated`` naming ``drafted_on``, nothing recorded; dated on or after the
day of the request (before the completion), it is taken as before.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import (
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    SourceKind,
    TaxRate,
)

A = "alice"


def test_a_fixed_price_billed_by_hand_a_year_before_its_request_is_refused(
    app: QuoteToCash,
) -> None:
    logo = app.register_customer("Logo", "EUR", account_manager="mia", actor=A)
    export = app.open_request(logo, "Export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(export, fixed_price=Money.of(1000, "EUR"), actor=A)
    price = InvoiceLine(
        "L1",
        "Export (fixed price)",
        Decimal(1),
        Money.of(1000, "EUR"),
        TaxRate.standard(0),
        LineSource(SourceKind.WORK, request_id=export, fixed_price=True),
        RevenueKind.ENHANCEMENT,
    )
    before = app.recorder.max_notification_id()

    with pytest.raises(RuleViolated, match="asked for") as refused:
        app.draft_invoice(logo, [price], drafted_on=date(2023, 3, 1), actor=A)

    assert refused.value.field == "drafted_on"
    assert app.recorder.max_notification_id() == before  # nothing recorded
    assert app.request(export).billed == {}

    invoice = app.draft_invoice(logo, [price], drafted_on=date(2024, 3, 1), actor=A)
    assert app.request(export).billed == {"fixed-price": invoice.hex}
