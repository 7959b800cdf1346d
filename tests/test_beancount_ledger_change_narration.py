"""The books say what each recognition booking recognises: a month's days by their dates, and a
slice's rounding part (what it is billed at less what its days earn) by the day it is taken:
"on issue" on the document's issue day, "on change" on the day a change of its sub-contract
ends the slice, when that is after the issue day (billed in advance)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from beancount.core import data
from test_beancount_ledger import load_ok
from test_revenue_credit_rounding_days import eur, open_app, run_and_issue, sign

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_core import BillingTiming
from q2c_core.domain.contract import DayCount


def recognitions(entries: list[data.Directive], line_id: str) -> list[tuple[date, str, str]]:
    """Of the first invoice's line ``line_id``, each recognition booking: (its day, what its
    narration says it recognises, the days its metadata says it recognises)."""
    result = []
    for e in entries:
        if (
            isinstance(e, data.Transaction)
            and e.narration.startswith("Recognise maintenance INV-000001 ")
            and e.meta.get("line_id") == line_id
        ):
            what = e.narration.removeprefix(f"Recognise maintenance INV-000001 {line_id} ")
            result.append((e.date, what, e.meta["recognised"]))
    return result


def repriced_books(tmp_path: Path, timing: BillingTiming, run_on: date) -> list[data.Directive]:
    """Two sites at 3,650.00 a year from 31 January 2024, billed quarterly by 30E/360; site s
    re-priced to 5,475.00 from 10 March before the quarter is billed (so the run bills s's
    31 January to 9 March apart, line L1, at a cent less than its days earn at the rate of
    s's quarter before the re-price), the quarter billed and issued on ``run_on``: the books,
    loaded by Beancount without an error."""
    _, app, customer = open_app(tmp_path)
    start = date(2024, 1, 31)
    a = sign(
        app, customer, "A", ("s", "t"), start, "3650", timing=timing, day_count=DayCount.THIRTY_360
    )
    app.reprice_sub_contract(
        a, "s", effective=date(2024, 3, 10), annual_price=eur(5475), actor="mia"
    )
    assert run_and_issue(app, run_on)
    return load_ok(export_ledger(app))


def test_a_site_repriced_inside_a_quarter_billed_in_advance_books_its_months_as_months(
    tmp_path: Path,
) -> None:
    """Billed in advance on 31 January: the first booking of L1 is its January day, not its
    rounding part; the cent is taken back on 10 March, the re-price's day, and says so."""
    entries = repriced_books(tmp_path, BillingTiming.IN_ADVANCE, date(2024, 1, 31))

    assert recognitions(entries, "L1") == [
        (date(2024, 1, 31), "2024-01-31..2024-02-01", "2024-01-31..2024-02-01"),
        (date(2024, 2, 29), "2024-02-01..2024-03-01", "2024-02-01..2024-03-01"),
        (date(2024, 3, 9), "2024-03-01..2024-03-10", "2024-03-01..2024-03-10"),
        (date(2024, 3, 10), "on change", "2024-03-10..2024-03-10"),
    ]
    # nothing of the quarter is a part taken on its issue day
    narrations = [e.narration for e in entries if isinstance(e, data.Transaction)]
    assert not [n for n in narrations if n.endswith(" on issue")]
    # every other line's bookings say the days their metadata says
    for line_id in ("L2", "L3"):
        assert all(what == days for _, what, days in recognitions(entries, line_id))


def test_a_site_repriced_inside_a_quarter_billed_in_arrears_takes_its_cent_on_issue(
    tmp_path: Path,
) -> None:
    """Billed in arrears on 30 April, after the re-price: L1's cent is taken on its issue day
    and says "on issue"; its months say their days."""
    entries = repriced_books(tmp_path, BillingTiming.IN_ARREARS, date(2024, 4, 30))

    assert recognitions(entries, "L1") == [
        (date(2024, 4, 30), "on issue", "2024-04-30..2024-04-30"),
        (date(2024, 4, 30), "2024-01-31..2024-02-01", "2024-01-31..2024-02-01"),
        (date(2024, 4, 30), "2024-02-01..2024-03-01", "2024-02-01..2024-03-01"),
        (date(2024, 4, 30), "2024-03-01..2024-03-10", "2024-03-01..2024-03-10"),
    ]
