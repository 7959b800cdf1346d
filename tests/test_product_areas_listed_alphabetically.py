"""Product planning reads the product-areas report top to bottom, as an alphabetical list.

Acme's account managers type each request's area by hand: "billing" in small letters for the
invoice screens, "Mobile" for the app, "Web" for the site. The report listed Mobile, Web and
then billing: areas were ordered by character codes, where every capital comes before every
small letter, while every customer list reads names alphabetically, capitals aside
(``name_order``). Areas are now listed the same way, each by the spelling it is shown by.
"""

from __future__ import annotations

from datetime import date

from test_projections_story import A

from q2c_adapters.reports import report_table
from q2c_core import QuoteToCash, TaxRate
from q2c_core.projections import AwaitingPurchaseOrder, all_projections, catch_up

ON = date(2024, 6, 1)


def three_areas(app: QuoteToCash) -> None:
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    for n, area in enumerate(("Web", "billing", "Mobile"), start=1):
        app.open_request(
            acme, f"Request {n}", requested_on=date(2024, 3, n), actor=A, product_area=area
        )


def test_areas_are_listed_alphabetically_capitals_aside() -> None:
    app = QuoteToCash.open("memory:")
    three_areas(app)
    book = AwaitingPurchaseOrder()
    catch_up(app, [book])
    assert [a.product_area for a in book.history_by_area()] == ["billing", "Mobile", "Web"]


def test_the_report_lists_them_so() -> None:
    app = QuoteToCash.open("memory:")
    three_areas(app)
    projections = all_projections()
    catch_up(app, projections)
    table = report_table("product-areas", projections, ON)
    assert [row[0] for row in table.rows] == ["billing", "Mobile", "Web"]
