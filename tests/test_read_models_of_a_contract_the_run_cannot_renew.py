"""The unbilled report and the revenue schedule read an evergreen contract the billing run
cannot renew as the run leaves it, and keep answering for every other contract.

A monthly evergreen term signed with a 1,000 % renewal uplift (typed for 10 %) raises its
price elevenfold a month: the renewal of 1 January 2025 would price it past what an amount
holds. From that day the run (and its preview) skips the contract, recording nothing for it,
and flags it as needing attention. The unbilled report renewed it by the run's rule and raised
``InvalidValue`` naming ``amount`` for every customer's report; the revenue schedule refused its
forecast, recognised revenue and contract assets as "too far ahead" for any day whose billing
periods reached that renewal (the forecast of June 2024 already). Now both renew it as far as
the run can, no further: nothing is forecast that the run will never bill, and the months it
served and no run billed stay in the unbilled report, as the revenue schedule recognises them
(they were dropped from it once the run skipped the contract, a day later, unbilled still).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import UUID

from test_contract_billing import contract, customer

from q2c_core import Money, Period, QuoteToCash
from q2c_core.projections import RevenueSchedule, UnbilledRevenue, catch_up

MONTHLY = Period(date(2024, 1, 1), date(2024, 2, 1))


def story(app: QuoteToCash) -> tuple[UUID, UUID]:
    cust = customer(app)
    fine = contract(app, cust, number="MC-OK")  # (the year 2024, 150.00 a month, not renewing)
    typo = contract(
        app,
        cust,
        number="MC-TYPO",
        term=MONTHLY,
        auto_renew=True,
        renewal_uplift_percent=Decimal(1000),
    )
    return fine, typo


def unbilled_periods(book: UnbilledRevenue, day: date) -> list[tuple[str, str, Money]]:
    return sorted(
        (i.contract_id, i.item_id, i.amount)
        for i in book.items(day)
        if i.kind in ("contract_period", "contract_correction")
    )


def previewed(app: QuoteToCash, day: date) -> list[tuple[str, str, Money]]:
    return sorted(
        (d.contract_id.hex, str(d.period), d.net) for d in app.preview_billing(day) if d.period
    )


def test_unbilled_keeps_the_served_days_the_run_cannot_bill_as_revenue_recognises_them(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    app = app_factory()
    fine, typo = story(app)
    book = UnbilledRevenue()
    schedule = RevenueSchedule()
    catch_up(app, [book, schedule])
    # (the run can still renew it through December 2024: it bills the contract then)
    december = date(2024, 12, 1)
    served = previewed(app, december)
    assert unbilled_periods(book, december) == served
    assert {c for c, _, _ in served} == {fine.hex, typo.hex}

    day = date(2025, 6, 1)
    seen: list[object] = []
    app.preview_billing(day, attention=seen.append)
    assert len(seen) == 1  # (the preview skips the contract it cannot renew)
    assert {c for c, _, _ in previewed(app, day)} == {fine.hex}
    # its 2024 was served and never billed: the unbilled report still lists those months (a
    # day passing does not make them billed), as the revenue schedule recognises them, unbilled
    assert unbilled_periods(book, day) == served
    unbilled = sum((a for _, _, a in unbilled_periods(book, day)), Money.of(0, "EUR"))
    assert schedule.recognised(day) == {"EUR": unbilled}

    run = app.run_billing(day, actor="billing")
    assert [s.contract_id for s in run.needs_attention] == [typo]
    catch_up(app, [book])
    # the run billed MC-OK; MC-TYPO's served months wait, unbilled, for someone to fix it
    assert unbilled_periods(book, day) == [p for p in served if p[0] == typo.hex]


def test_the_revenue_schedule_forecasts_only_the_terms_the_run_can_renew_to(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    app = app_factory()
    story(app)
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    forecast = {m.month: m.contracted for m in schedule.forecast(date(2024, 6, 30), 12)}
    # MC-TYPO bills S1 and S2 (1,800.00 a year) at 150.00 x 11^k in month k of 2024, as the
    # run bills it through December; nothing from January 2025, when the run cannot renew it
    for k in range(6, 12):
        assert forecast[date(2024, k + 1, 1)] == Money.of(150 + 150 * 11**k, "EUR")
    assert all(forecast[date(2025, m, 1)] == Money.of(0, "EUR") for m in range(1, 7)), forecast
    # served days not issued: every month of 2024 of both, what the preview bills
    everything = sum((d.net for d in app.preview_billing(date(2024, 12, 1))), Money.of(0, "EUR"))
    assert schedule.recognised(date(2025, 6, 1)) == {"EUR": everything}
    assert schedule.forecast(date(2025, 6, 1), 12)[-1].amount == Money.of(0, "EUR")
