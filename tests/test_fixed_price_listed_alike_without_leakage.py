"""A controller reading unbilled revenue without the leakage (``include_unauthorized=False``)
sees a fixed price as everyone else does: the work it bills, that done before the PO too.

Logo at a fixed 1,000.00: Bob's 2 hours of 3 March were imported before the PO and recorded
unauthorized; once the PO covered them they are inside the price, not leakage. Read without the
leakage, the price listed only Tom's 3 authorized hours ('t1'), as if the price billed 3 hours
and the other 2 were somewhere else: the same item read two ways. Now it lists the 5 hours and
both entries either way; only leakage is left out."""

from __future__ import annotations

from decimal import Decimal

from test_fixed_price_work_before_the_po import day, eur, followed, logo_worked_before_its_po

from q2c_core import QuoteToCash


def test_the_price_lists_the_work_before_the_po_with_or_without_the_leakage(
    app: QuoteToCash,
) -> None:
    _acme, _logo = logo_worked_before_its_po(app)
    unbilled = followed(app)
    everything = unbilled.items(day(7))
    authorized_only = unbilled.items(day(7), include_unauthorized=False)
    assert authorized_only == everything
    (price,) = authorized_only
    assert (price.kind, price.item_id, price.hours, price.amount) == (
        "fixed_price",
        "x1,t1",
        Decimal(5),
        eur(1000),
    )


def test_before_the_po_the_hours_are_leakage_and_left_out_when_asked(app: QuoteToCash) -> None:
    """On 4 March, before the authorization, the 2 imported hours are leakage: listed with
    it, left out without it."""
    _acme, _logo = logo_worked_before_its_po(app)
    unbilled = followed(app)
    assert [(i.kind, i.authorized) for i in unbilled.items(day(4))] == [("work", False)]
    assert unbilled.items(day(4), include_unauthorized=False) == []
