"""A time entry withdrawn as logged in error is billed by no invoice, hand-made ones too.

Bob's 18 hours typed for 8 (t1) were withdrawn before any invoice billed them; the id stays
taken on the request, so a PSA export of it again is known. A hand-made invoice whose line
named t1 (an expense line copied from an old draft, 100.00 EUR) was taken: the request read the
withdrawn entry billed, the customer was asked 100.00 for work never done, and no report
showed it (the entry counts nowhere). A line naming a withdrawn entry is now refused,
``RuleViolated`` naming ``item_ids`` and saying it was withdrawn, nothing recorded, whatever
the line's kind.
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
    TimeEntry,
)

A = "alice"


def eur(amount: int) -> Money:
    return Money.of(amount, "EUR")


@pytest.mark.parametrize("kind", [SourceKind.WORK, SourceKind.EXPENSE])
def test_a_hand_made_line_naming_a_withdrawn_entry_is_refused(
    app: QuoteToCash, kind: SourceKind
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    app.send_quote(export, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        export, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(export, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(export, TimeEntry("t1", "bob", date(2024, 3, 5), Decimal(18), eur(100)), actor=A)
    app.withdraw_work(export, "t1", reason="typed 18 for 8", actor="mia")
    if kind is SourceKind.WORK:
        source = LineSource(kind, request_id=export, time_entry_ids=("t1",), hours=Decimal(1))
    else:
        source = LineSource(kind, request_id=export, expense_id="t1")
    line = InvoiceLine(
        "L1", "Export", Decimal(1), eur(100), TaxRate.standard(0), source, RevenueKind.ENHANCEMENT
    )
    before = app.recorder.max_notification_id()

    with pytest.raises(RuleViolated, match="withdrawn") as refused:
        app.draft_invoice(acme, [line], drafted_on=date(2024, 3, 9), actor=A)

    assert refused.value.field == "item_ids"
    assert app.recorder.max_notification_id() == before  # nothing recorded
    assert app.request(export).billed == {}
    assert app.invoices(acme) == []
    assert app.unbilled_work(export) == eur(0)
