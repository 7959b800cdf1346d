"""Product planning reads the product-areas report: one row per product area, however typed.

Acme's account managers type the area of a request by hand: "Mobile" for the app, "mobile "
(a trailing space) for its push notifications, "MOBILE" for its login. The report showed three
areas of one request each, so the mobile funnel (3 requested, 2 quoted, 1 won) read nowhere;
and an area of spaces only was a row of its own, apart from "(none)". Areas are now read as
people's names are (``person_key``: case, spacing and invisible characters aside), one row
shown by the spelling the first request named it by; one that names nothing is "(none)".
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from test_projections_story import A, authorized_request, eur

from q2c_adapters.reports import report_table
from q2c_core import QuoteToCash, TaxRate
from q2c_core.projections import AwaitingPurchaseOrder, all_projections, catch_up, rebuild

ON = date(2024, 6, 1)


def quoted(app: QuoteToCash, customer: UUID, title: str, area: str, day: date) -> UUID:
    request = app.open_request(customer, title, requested_on=day, actor=A, product_area=area)
    app.estimate_request(request, hours=4, rate=eur(100), actor=A)
    app.send_quote(request, sent_on=day, actor=A)
    return request


def mobile_typed_three_ways(app: QuoteToCash) -> None:
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    authorized_request(app, acme, "App", date(2024, 3, 1), area="Mobile")
    quoted(app, acme, "Push notifications", "mobile ", date(2024, 3, 2))
    app.open_request(acme, "Login", requested_on=date(2024, 3, 3), actor=A, product_area="MOBILE")
    app.open_request(acme, "Typo fix", requested_on=date(2024, 3, 4), actor=A)
    app.open_request(acme, "Colours", requested_on=date(2024, 3, 5), actor=A, product_area="   ")


def test_one_area_typed_three_ways_is_one_row_named_as_first_typed() -> None:
    app = QuoteToCash.open("memory:")
    mobile_typed_three_ways(app)
    followed, rebuilt = AwaitingPurchaseOrder(), AwaitingPurchaseOrder()
    catch_up(app, [followed])
    rebuild(app, [rebuilt])
    areas = followed.history_by_area()
    assert areas == rebuilt.history_by_area()
    by_area = {a.product_area: a for a in areas}
    assert sorted(by_area) == ["(none)", "Mobile"]
    mobile = by_area["Mobile"]
    assert (mobile.requested, mobile.quoted, mobile.won, mobile.open) == (3, 2, 1, 2)
    assert (by_area["(none)"].requested, by_area["(none)"].open) == (2, 2)


def test_the_report_shows_one_mobile_row() -> None:
    app = QuoteToCash.open("memory:")
    mobile_typed_three_ways(app)
    projections = all_projections()
    catch_up(app, projections)
    table = report_table("product-areas", projections, ON)
    rows = {row[0]: dict(zip(table.columns, row, strict=True)) for row in table.rows}
    assert sorted(rows) == ["(none)", "Mobile"]
    assert (rows["Mobile"]["requested"], rows["Mobile"]["won"]) == (3, 1)


def test_the_awaiting_list_names_the_area_as_the_history_does() -> None:
    """The push-notifications quote typed "mobile " is listed under the area the product-areas
    report shows, "Mobile", so the two reports can be read side by side."""
    app = QuoteToCash.open("memory:")
    mobile_typed_three_ways(app)
    book = AwaitingPurchaseOrder()
    catch_up(app, [book])
    (push,) = book.awaiting(ON)
    assert (push.title, push.product_area) == ("Push notifications", "Mobile")
