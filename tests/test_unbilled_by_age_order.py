"""The unbilled-by-age report lists its buckets youngest first, as the aging does: work done on
the report's day ("current") came after "90+", the text order of the bucket names, so a
reader scanning down for the oldest money found today's work below it."""

from __future__ import annotations

from datetime import date

from test_projections_story import A, authorized_request, work

from q2c_adapters.reports import report_table
from q2c_core import QuoteToCash
from q2c_core.projections import all_projections, catch_up
from q2c_core.projections.base import AGE_BUCKETS

ON = date(2024, 6, 28)


def test_unbilled_by_age_lists_current_first_and_90_plus_last() -> None:
    """Acme has work to bill of 28 June (the report's day), 20 June, 10 May, 15 April and 1
    March: 100.00 an hour, 1 to 5 hours."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    days = (date(2024, 3, 1), date(2024, 4, 15), date(2024, 5, 10), date(2024, 6, 20), ON)
    for n, day in enumerate(days, start=1):
        job = authorized_request(app, acme, f"job {n}", day)
        app.log_work(job, work(f"w{n}", day, str(n)), actor="bob")
    projections = all_projections()
    catch_up(app, projections)
    table = report_table("unbilled-by-age", projections, ON)
    assert table.columns == ("age", "amount")
    assert [(age, str(amount)) for age, amount in table.rows] == [
        ("current", "500.00 EUR"),
        ("1-30", "400.00 EUR"),
        ("31-60", "300.00 EUR"),
        ("61-90", "200.00 EUR"),
        ("90+", "100.00 EUR"),
    ]
    assert [row[0] for row in table.rows] == list(AGE_BUCKETS)
