"""A cancelled fixed-price request bills its hours up to the price, never the price on top.

Acme's portal was agreed at a fixed 1,000.00. Bob logged 30 hours (3,000.00 at his rate)
before Acme stopped the project on 8 March. The request's invoice billed the hours capped at
the price: 1,000.00, and every report said nothing more was owed. Then a clerk, tidying up
the "fixed price" the portal still showed, drafted an invoice by hand with a line billing the
request's fixed price (``LineSource.fixed_price``): it was taken, and Acme was billed
2,000.00 for a 1,000.00 deal. Billed before the hours, the price alike was billed on top of
what the cancellation owes (no report listed it owed: from the cancellation day on a fixed
price is owed as its hours, up to the price).

A line billing the fixed price of a cancelled request is now refused (``RuleViolated``
naming ``item_ids``), nothing recorded: its hours are billed in its place
(``draft_request_invoice``). A price billed before the cancellation stays billed, and the
hours then owe nothing more."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_projections_story import eur, work

from q2c_core import (
    InvoiceLine,
    LineSource,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    SourceKind,
    TaxRate,
)

A = "alice"


def authorized_portal(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme's portal at a fixed 1,000.00, its PO received and work authorized on 1 March."""
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    portal = app.open_request(acme, "Portal", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(portal, fixed_price=eur("1000.00"), actor=A)
    app.send_quote(portal, sent_on=date(2024, 3, 1), actor=A)
    app.receive_purchase_order(
        portal, number="PO-7", amount=eur("1000.00"), received_on=date(2024, 3, 1), actor=A
    )
    app.authorize_work(portal, authorized_on=date(2024, 3, 1), actor=A)
    return acme, portal


def cancelled_portal(app: QuoteToCash) -> tuple[UUID, UUID]:
    """The 1,000.00 portal, 30 hours logged, cancelled on 8 March."""
    acme, portal = authorized_portal(app)
    for n in (1, 2, 3):
        app.log_work(portal, work(f"t{n}", date(2024, 3, 1 + n), "10"), actor="bob")
    app.cancel_request(
        portal, reason="customer stopped the project", cancelled_on=date(2024, 3, 8), actor=A
    )
    return acme, portal


def price_line(portal: UUID) -> InvoiceLine:
    return InvoiceLine(
        "L1",
        "Portal (fixed price)",
        Decimal(1),
        eur("1000.00"),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=portal, fixed_price=True),
        RevenueKind.ENHANCEMENT,
    )


@pytest.mark.parametrize("hours_billed_first", [True, False])
def test_the_price_of_a_cancelled_request_is_not_billed_by_hand(
    app: QuoteToCash, hours_billed_first: bool
) -> None:
    acme, portal = cancelled_portal(app)
    if hours_billed_first:
        capped = app.draft_request_invoice(portal, drafted_on=date(2024, 3, 9), actor="billy")
        assert app.invoice(capped).net == eur("1000.00")
        owed = eur(0)
    else:
        owed = eur("1000.00")  # the hours, up to the price
    assert app.unbilled_work(portal) == owed
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.draft_invoice(acme, [price_line(portal)], drafted_on=date(2024, 3, 10), actor="billy")
    assert refused.value.field == "item_ids"
    assert "cancelled" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.unbilled_work(portal) == owed
    billed = sum((i.net for i in app.invoices(acme)), eur(0))
    assert billed == eur("1000.00") - owed


def test_a_price_billed_before_the_cancellation_stays_and_its_hours_owe_nothing(
    app: QuoteToCash,
) -> None:
    acme, portal = authorized_portal(app)
    app.log_work(portal, work("t1", date(2024, 3, 2), "10"), actor="bob")
    app.draft_invoice(acme, [price_line(portal)], drafted_on=date(2024, 3, 3), actor="billy")
    app.cancel_request(portal, reason="customer stopped", cancelled_on=date(2024, 3, 8), actor=A)
    assert app.unbilled_work(portal) == eur(0)
    assert app.request(portal).fixed_price_billed
