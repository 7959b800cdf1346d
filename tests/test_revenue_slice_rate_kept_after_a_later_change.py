"""Revenue: a later price change never restates the days a renewed slice already earned.

Acme's evergreen contract runs 56 days from 14 January 2024 at 37.87 EUR a year, billed
annually in advance with a 3 % renewal uplift: the run bills the year ahead on 14 January, one
slice per renewal (6.15 EUR for 5 May to 29 June at 40.18 a year), each slice's days earning
at the rate of the slice before the renewal ended it, as the books book them on the issue day.
On 31 May the report said 14.72 EUR recognised, as the books did. A price change recorded on
10 July, back-dated to the first day, made the report read the issued slices at their own rate
(the contract's live terms no longer charge them as billed) and say 14.73 for 31 May, a month
already closed, while the books still said 14.72: the report and the ledger disagreed, and a
past day's figure moved with an event recorded after it. The rate a line earns at is now the
one it was issued with.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from test_beancount_ledger import load_ok
from test_beancount_ledger_revenue import (
    assert_books_agree_with_the_report,
    books_on,
    issue,
    report_on,
)
from test_revenue_forecast import Terms, signed_on, sub

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_core import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    Money,
    Period,
    PeriodAlignment,
    QuoteToCash,
)
from q2c_core.projections import ProjectionStore, RevenueSchedule, catch_up
from q2c_core.projections.follower import Follower

MAY_31 = date(2024, 5, 31)


def acme_billed_a_year_ahead(app: QuoteToCash) -> tuple[object, object]:
    """Acme's evergreen 56-day contract billed for the year ahead on 14 January."""
    start = date(2024, 1, 14)
    terms = Terms(
        Period(start, date(2024, 3, 10)),
        (sub("s0", "37.87", start),),
        BillingFrequency.ANNUAL,
        BillingTiming.IN_ADVANCE,
        PeriodAlignment.ANNIVERSARY,
        DayCount.ACTUAL,
        (),
    )
    contract = signed_on(app, terms, auto_renew=True, renewal_uplift_percent=3)
    [invoice] = app.run_billing(start, actor="billy").invoice_ids
    issue(app, invoice, start)
    return contract, app.contract(contract).customer_id


def recognised_on_may_31(app: QuoteToCash) -> Money:
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    return schedule.recognised(MAY_31)["EUR"]


def test_a_price_change_recorded_later_leaves_may_as_reported() -> None:
    app = QuoteToCash.open("memory:")
    contract, _ = acme_billed_a_year_ahead(app)
    assert recognised_on_may_31(app) == Money.of("14.72", "EUR")
    app.reprice_sub_contract(
        contract, "s0", effective=date(2024, 1, 14), annual_price=Money.of("11.16", "EUR"),
        actor="alice",
    )  # fmt: skip
    assert recognised_on_may_31(app) == Money.of("14.72", "EUR")


def test_the_books_and_the_report_agree_once_the_change_is_corrected() -> None:
    app = QuoteToCash.open("memory:")
    contract, customer = acme_billed_a_year_ahead(app)
    app.reprice_sub_contract(
        contract, "s0", effective=date(2024, 1, 14), annual_price=Money.of("11.16", "EUR"),
        actor="alice",
    )  # fmt: skip
    corrected = app.run_billing(date(2024, 7, 10), actor="billy").invoice_ids
    assert len(corrected) == 2  # (the year credited at the old price, billed at the new one)
    for document in corrected:
        issue(app, document, date(2024, 7, 10))
    text = export_ledger(app)
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    assert books_on(load_ok(text), MAY_31)["EUR"] == (Decimal("26.47"), Decimal("14.72"))
    assert report_on(schedule, MAY_31)["EUR"] == (Decimal("26.47"), Decimal("14.72"))
    assert_books_agree_with_the_report(app, [customer], text)


def test_the_rate_kept_on_the_issue_reads_back_from_a_store(tmp_path: Path) -> None:
    """Followed page by page into a SQLite store, the schedule keeps the issued slices' rates
    (exact fractions and the days their parts count from) and says what one in memory says."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    contract, _ = acme_billed_a_year_ahead(app)
    app.reprice_sub_contract(
        contract, "s0", effective=date(2024, 1, 14), annual_price=Money.of("11.16", "EUR"),
        actor="alice",
    )  # fmt: skip
    store = ProjectionStore.open(f"sqlite:///{tmp_path / 'rows.db'}")
    while Follower(app, [RevenueSchedule(store)], page_size=1).run(max_pages=1):
        pass
    kept = RevenueSchedule(store)
    in_memory = RevenueSchedule()
    catch_up(app, [in_memory])
    assert kept.rows() == in_memory.rows()
    assert kept.recognised(MAY_31) == {"EUR": Money.of("14.72", "EUR")}
    lines = kept.recognition_lines()
    assert lines == in_memory.recognition_lines()
    assert sum(line.spread is not None for line in lines) == 6  # (every slice a renewal ends)
    store.close()
    app.close()
