"""Work imported before the PO of a fixed-price request is part of the price once the PO covers
it, in every report alike.

Bob's PSA sent 2 hours of 3 March on the Logo request before its PO of 1,000.00 arrived: they
were recorded unauthorized. From the authorization on, the price is owed and its invoice bills
those 2 hours inside it (``unbilled_work`` read 1,000.00), but UnbilledRevenue listed them as
leakage besides the price ("to be covered by a PO or written off"), though the PO covered them:
a controller chased 200.00 nobody could bill. Now they are inside the price there too, until
the request is cancelled: from then its authorized hours are billed, and the hours recorded
unauthorized are leakage again, in both."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import Money, QuoteToCash, TaxRate, TimeEntry
from q2c_core.projections import UnbilledRevenue, catch_up, rebuild

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def logo_worked_before_its_po(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Logo at a fixed 1,000.00: 2 hours imported on 3 March before the PO (4 March),
    authorized 5 March, then 3 hours logged on 6 March."""
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    logo = app.open_request(acme, "Logo", requested_on=day(1), actor=A)
    app.estimate_request(logo, fixed_price=eur(1000), actor=A)
    app.send_quote(logo, sent_on=day(2), actor=A)
    app.import_work(
        logo, TimeEntry("x1", "bob", day(3), Decimal(2), eur(100)), source="psa", actor="import"
    )
    app.receive_purchase_order(logo, number="PO-1", amount=eur(1000), received_on=day(4), actor=A)
    app.authorize_work(logo, authorized_on=day(5), actor=A)
    app.log_work(logo, TimeEntry("t1", "bob", day(6), Decimal(3), eur(100)), actor="bob")
    return acme, logo


def followed(app: QuoteToCash) -> UnbilledRevenue:
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    again = UnbilledRevenue()
    rebuild(app, [again])
    assert unbilled.rows() == again.rows()
    return unbilled


def listed(unbilled: UnbilledRevenue, on: date) -> list[tuple[str, Money, bool]]:
    return [(i.kind, i.amount, i.authorized) for i in unbilled.items(on)]


@pytest.mark.parametrize("cancelled", [False, True])
def test_work_before_the_po_is_inside_the_price_while_it_is_owed(
    app: QuoteToCash, cancelled: bool
) -> None:
    acme, logo = logo_worked_before_its_po(app)
    if cancelled:
        app.cancel_request(logo, reason="customer changed plans", cancelled_on=day(10), actor=A)
    unbilled = followed(app)
    for on in (day(7), day(9)):  # authorized, and (if at all) not cancelled yet
        assert app.unbilled_work(logo, as_of=on) == eur(1000)
        assert listed(unbilled, on) == [("fixed_price", eur(1000), True)]
        (price,) = unbilled.items(on)
        assert (price.item_id, price.hours) == ("x1,t1", Decimal(5))
        assert unbilled.leakage_risk(on) == []
        assert unbilled.customer_total(acme, "EUR", on) == eur(1000)
    # before the PO covered it, the 2 hours were leakage at their worth
    assert app.unbilled_work(logo, as_of=day(4)) == eur(200)
    assert listed(unbilled, day(4)) == [("work", eur(200), False)]


def test_once_cancelled_the_work_before_the_po_is_leakage_again(app: QuoteToCash) -> None:
    acme, logo = logo_worked_before_its_po(app)
    app.cancel_request(logo, reason="customer changed plans", cancelled_on=day(10), actor=A)
    unbilled = followed(app)
    assert sorted(listed(unbilled, day(12)), key=str) == sorted(
        [("work", eur(200), False), ("work", eur(300), True)], key=str
    )
    assert unbilled.customer_total(acme, "EUR", day(12)) == eur(300)
    # the request's invoice bills the authorized hours only: the 2 hours stay leakage
    invoice = app.invoice(app.draft_request_invoice(logo, drafted_on=day(12), actor="bea"))
    assert invoice.net == eur(300)
    [leak] = followed(app).leakage_risk(day(12))
    assert (leak.item_id, leak.amount) == ("x1", eur(200))


def test_the_completed_request_bills_the_price_with_the_work_before_the_po(
    app: QuoteToCash,
) -> None:
    _, logo = logo_worked_before_its_po(app)
    app.complete_request(logo, completed_on=day(8), actor=A)
    assert listed(followed(app), day(8)) == [("fixed_price", eur(1000), True)]
    invoice = app.invoice(app.draft_request_invoice(logo, drafted_on=day(8), actor="bea"))
    (line,) = invoice.lines
    assert line.net == eur(1000)
    assert line.source is not None and set(line.source.time_entry_ids) == {"x1", "t1"}
    assert followed(app).items(day(8)) == []
    assert app.unbilled_work(logo) == eur(0)
