"""An issue in a series named by empty text is refused, as one of spaces is.

Found by the invoice review: ``issue_invoice(..., series="")`` issued in INV (CN for a credit
note) without a word, while ``series="  "`` was refused naming ``series``. A caller whose
configuration left the series empty (a branch office meant to number in its own ``RE-B``)
took INV numbers from the main series, and gapless numbers once taken are never given back.
Empty text is now refused as text of spaces is; leaving ``series`` out (None) still issues in
INV or CN.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import InvalidValue, InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

DAY = date(2024, 5, 2)


def drafted(app: QuoteToCash) -> object:
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    line = InvoiceLine(
        "L1", "Consulting", Decimal(1), Money.of("100", "EUR"), TaxRate.standard(21),
        LineSource(SourceKind.MANUAL, note="by hand"),
    )  # fmt: skip
    invoice = app.draft_invoice(customer, [line], drafted_on=DAY, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=DAY, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=DAY, actor="mia")
    return invoice


@pytest.mark.parametrize("series", ["", "   "])
def test_an_empty_series_is_refused_and_no_number_taken(series: str) -> None:
    app = QuoteToCash.open("memory:")
    invoice = drafted(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.issue_invoice(invoice, issued_on=DAY, actor="bea", series=series)  # type: ignore[arg-type]
    assert refused.value.field == "series"
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).number is None  # type: ignore[arg-type]


def test_left_out_the_series_is_inv_as_before() -> None:
    app = QuoteToCash.open("memory:")
    invoice = drafted(app)
    assert app.issue_invoice(invoice, issued_on=DAY, actor="bea") == "INV-000001"  # type: ignore[arg-type]
