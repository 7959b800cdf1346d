"""The leakage report says the day it was read on, as every other report of a day does.

Bob's PSA sent 2 hours of 3 March on the Logo request before its PO arrived on 4 March: they
are leakage on 4 March and, once the PO covers them inside the fixed price, not on 7 March. The
two reports differ, yet both were titled "Leakage risk: work logged without authorization", so
an export filed with the month-end pack did not say which day it listed."""

from __future__ import annotations

from test_fixed_price_work_before_the_po import day, logo_worked_before_its_po

from q2c_adapters.reports import report_table
from q2c_core import QuoteToCash
from q2c_core.projections import all_projections, catch_up


def test_the_leakage_report_is_titled_with_its_day(app: QuoteToCash) -> None:
    logo_worked_before_its_po(app)
    projections = all_projections()
    catch_up(app, projections)
    before_the_po = report_table("leakage", projections, day(4))
    covered = report_table("leakage", projections, day(7))
    assert len(before_the_po.rows) == 1 and covered.rows == ()
    assert before_the_po.title == "Leakage risk on 2024-03-04: work logged without authorization"
    assert covered.title == "Leakage risk on 2024-03-07: work logged without authorization"
