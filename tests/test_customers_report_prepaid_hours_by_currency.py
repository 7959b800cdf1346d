"""The customers report puts prepaid hours on the row of their currency, as the summary does.

Acme (EUR) has 10 prepaid hours in EUR and 40 in USD for its US subsidiary, 4 of them spent.
``customer_summary`` says 10 hours left in EUR and 36 in USD. The customers report printed all
46 on Acme's EUR row (its first), hours no EUR request can draw on, and nothing on the USD row:
the report and the summary disagreed. Now each row shows its currency's hours, and a currency
with hours left but no invoices yet still gets its row.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from rich.console import Console
from test_customer_summary_prepaid_hours_by_currency import acme_with_hours_in_two_currencies

from q2c_adapters.reports import print_reports, report_table

ON = date(2024, 3, 31)


def test_each_customers_row_shows_the_hours_left_in_its_currency() -> None:
    app, acme = acme_with_hours_in_two_currencies()
    projections = print_reports(app, Console(file=io.StringIO()), as_of=ON)
    table = report_table("customers", projections, ON)
    currency = table.columns.index("invoiced")
    hours = table.columns.index("prepaid hours left")
    left = {row[currency].currency: row[hours] for row in table.rows if row[0] == "Acme"}
    assert {c: Decimal(str(h)) for c, h in left.items()} == {
        c: app.customer_summary(acme, as_of=ON, currency=c).prepaid_hours_left
        for c in app.customer_currencies(acme)
    }
    assert {c: str(h) for c, h in left.items()} == {"EUR": "10.00", "USD": "36.00"}
    app.close()
