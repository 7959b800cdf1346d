"""Work done after a fixed-price request was completed is leakage to follow up, not lost.

The portal was agreed at a fixed 5,000.00, completed on 10 May and invoiced at its price. Bob's
PSA then sent 2 hours of 11 May on it: the request takes no work dated after its completion,
so ``import_work`` kept them as unauthorized work, "flagged, never dropped". But no report
flagged them: ``UnbilledRevenue.leakage_risk`` listed nothing and ``unbilled_work`` said 0.00,
as if the price covered work done after the request was done. Only work done before the PO
is inside the price (``test_fixed_price_work_before_the_po``); ``unbilled_work``'s docstring
says work recorded unauthorized after the completion counts at its hours' worth, as leakage.

Both read models must show the 2 hours (200.00) as leakage risk, apart from the authorized
totals (which stay 0.00: the price is billed), and what the next request invoice bills is
what they said."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_projections_story import eur, work

from q2c_core import QuoteToCash, RequestStatus
from q2c_core.projections import UnbilledRevenue, catch_up

JUNE = date(2024, 6, 1)


def portal_completed(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Gamma's portal at a fixed 5,000.00, its PO received and work authorized on 2 May, 7
    hours logged on 3 May, completed on 10 May; returns the customer and the request."""
    c = app.register_customer("Gamma", "EUR", account_manager="ana", actor="a")
    r = app.open_request(c, "Portal", requested_on=date(2024, 5, 1), actor="a")
    app.estimate_request(r, fixed_price=eur("5000.00"), actor="a")
    app.send_quote(r, sent_on=date(2024, 5, 1), actor="a")
    app.receive_purchase_order(
        r, number="PO-9", amount=eur("5000.00"), received_on=date(2024, 5, 2), actor="a"
    )
    app.authorize_work(r, authorized_on=date(2024, 5, 2), actor="a")
    app.log_work(r, work("f1", date(2024, 5, 3), "7"), actor="bob")
    app.complete_request(r, completed_on=date(2024, 5, 10), actor="a")
    return c, r


def test_hours_after_a_fixed_price_was_completed_are_leakage(app: QuoteToCash) -> None:
    c, r = portal_completed(app)
    app.draft_request_invoice(r, drafted_on=date(2024, 5, 10), actor="billy")
    app.import_work(r, work("f3", date(2024, 5, 11), "2"), source="psa", actor="import")
    assert app.request(r).status is RequestStatus.INVOICED
    assert [b.unbilled for b in app.work_buckets(r)] == [Decimal(0), Decimal(2)]

    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    assert unbilled.customer_total(c, "EUR", JUNE) == eur(0)  # the price is billed
    assert [(i.item_id, i.amount) for i in unbilled.leakage_risk(JUNE)] == [("f3", eur(200))]
    assert app.unbilled_work(r) == app.unbilled_work(r, as_of=JUNE) == eur(200)


def test_the_price_invoice_drafted_after_late_hours_leaves_them_to_follow_up(
    app: QuoteToCash,
) -> None:
    """Bob's 2 hours of 11 May arrive before billing drafts the price: the reports say 200.00
    of leakage next to the 5,000.00 price, and the price's invoice bills the price and the
    work done for it, not the late hours (they were not inside it): they stay leakage."""
    _, r = portal_completed(app)
    app.import_work(r, work("f3", date(2024, 5, 11), "2"), source="psa", actor="import")
    assert app.unbilled_work(r) == eur("5200.00")

    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 5, 12), actor="billy")
    (line,) = app.invoice(invoice).lines
    assert line.net == eur("5000.00")
    assert line.source.time_entry_ids == ("f1",)
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    assert [(i.item_id, i.amount) for i in unbilled.leakage_risk(JUNE)] == [("f3", eur(200))]
    assert app.unbilled_work(r) == app.unbilled_work(r, as_of=JUNE) == eur(200)
