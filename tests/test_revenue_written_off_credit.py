"""Revenue: a credit note that writes the work off keeps the revenue, as the books keep it.

Beta's 1,000.00 EUR of training is invoiced on 1 May; on 1 June Beta is insolvent and the
invoice is credited in full with a WRITTEN_OFF note. The work was done: under ASC 606 / IFRS 15
the revenue stays, and what is given up is a credit loss, an expense. The books (the Beancount
ledger) book it so (``Expenses:WriteOffs``), and the revenue report must say what the books say:
1,000.00 recognised, June earning nothing and taking nothing back.

A year of maintenance written off in June stays deferred and is earned day by day as before: the
schedule's deferred revenue and recognised revenue equal the books' on every day the books are
reconciled on (month ends, issue days), and the write-off neither moves the forecast nor makes a
contract asset. A billing run's correction recorded as written off by an older history is still a
reversal (``test_beancount_ledger``'s run-correction stories).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_beancount_ledger import issue, manual_line

from q2c_adapters.accounting.beancount_ledger import ledger_transactions
from q2c_core import (
    BillingFrequency,
    CreditDisposition,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
)
from q2c_core.domain.errors import RuleViolated
from q2c_core.projections import ProjectionStore, RevenueSchedule, catch_up, rebuild
from q2c_core.projections.follower import Follower
from q2c_core.projections.store import encode_row

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
MONTH_ENDS = [date(2024, m + 1, 1) - timedelta(days=1) for m in range(1, 12)] + [date(2024, 12, 31)]


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def books_through(app: QuoteToCash, day: date) -> dict[str, Decimal]:
    """Each account's balance in the Beancount ledger at the end of ``day``."""
    totals: dict[str, Decimal] = {}
    for txn in ledger_transactions(app):
        if txn.day <= day:
            for p in txn.postings:
                totals[p.account] = totals.get(p.account, Decimal(0)) + p.amount.amount
    return totals


def schedule_of(app: QuoteToCash) -> RevenueSchedule:
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    return schedule


def training_written_off(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Beta's training invoiced 1 May, written off in full on 1 June."""
    beta = app.register_customer("Beta", "EUR", account_manager="max", actor=A)
    line = manual_line("L1", "1000.00", TaxRate.standard(0))
    invoice = app.draft_invoice(beta, [line], drafted_on=date(2024, 5, 1), actor="billy")
    issue(app, invoice, date(2024, 5, 1))
    note = app.draft_credit_note(
        invoice, line_ids=["L1"], disposition=CreditDisposition.WRITTEN_OFF,
        reason="customer insolvent", drafted_on=date(2024, 6, 1), actor="billy",
    )  # fmt: skip
    issue(app, note, date(2024, 6, 1))
    return invoice, note


def test_training_written_off_for_insolvency_stays_revenue_as_in_the_books() -> None:
    app = QuoteToCash.open("memory:")
    training_written_off(app)
    books = books_through(app, date(2024, 6, 30))
    assert books["Income:Other"] == Decimal("-1000.00")  # the revenue is kept
    assert books["Expenses:WriteOffs:Other"] == Decimal("1000.00")  # the loss is a cost
    schedule = schedule_of(app)
    assert schedule.recognised(date(2024, 5, 31)) == {"EUR": eur("1000.00")}
    assert schedule.recognised(date(2024, 6, 30)) == {"EUR": eur("1000.00")}
    months = {m.month: m.amount for m in schedule.by_month(date(2024, 5, 1), 2)}
    assert months == {date(2024, 5, 1): eur("1000.00"), date(2024, 6, 1): eur("0.00")}
    assert schedule.deferred(date(2024, 6, 30)) == {"EUR": eur("0.00")}
    assert schedule.contract_assets(date(2024, 6, 30)) == {}


def test_a_re_billable_credit_still_takes_the_revenue_back() -> None:
    """Only the write-off keeps the revenue: work credited to be billed again was not earned
    at that price."""
    app = QuoteToCash.open("memory:")
    beta = app.register_customer("Beta", "EUR", account_manager="max", actor=A)
    line = manual_line("L1", "1000.00", TaxRate.standard(0))
    invoice = app.draft_invoice(beta, [line], drafted_on=date(2024, 5, 1), actor="billy")
    issue(app, invoice, date(2024, 5, 1))
    note = app.draft_credit_note(
        invoice, line_ids=["L1"], disposition=CreditDisposition.REBILLABLE,
        reason="wrong rate", drafted_on=date(2024, 6, 1), actor="billy",
    )  # fmt: skip
    issue(app, note, date(2024, 6, 1))
    schedule = schedule_of(app)
    assert schedule.recognised(date(2024, 6, 30)) == {"EUR": eur("0.00")}
    assert books_through(app, date(2024, 6, 30))["Income:Other"] == Decimal("0.00")


def maintenance_source(app: QuoteToCash, customer: UUID, how: str) -> LineSource:
    """A year's service period, billed under a contract (a line of no sub-contract, as an
    older history recorded it) or by hand."""
    if how == "manual":
        return LineSource(SourceKind.MANUAL, note="support 2024", period=YEAR)
    contract = app.sign_contract(
        customer, number="MC-1", term=YEAR, frequency=BillingFrequency.ANNUAL,
        signed_on=date(2024, 1, 1), actor=A,
    )  # fmt: skip
    return LineSource(SourceKind.CONTRACT_PERIOD, contract_id=contract, period=YEAR)


@pytest.mark.parametrize("how", ["contract", "manual"])
def test_a_year_of_maintenance_written_off_in_june_stays_deferred_as_in_the_books(
    how: str,
) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    line = manual_line(
        "L1", "1200", TaxRate.standard(21), RevenueKind.MAINTENANCE,
        maintenance_source(app, acme, how),
    )  # fmt: skip
    invoice = app.draft_invoice(acme, [line], drafted_on=date(2024, 1, 2), actor="billy")
    issue(app, invoice, date(2024, 1, 2))
    before = schedule_of(app).outlook(date(2024, 6, 1), 7)
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="site closed",
        drafted_on=date(2024, 6, 1),
        actor="billy",
    )
    # drafted, the write-off forecasts no revenue taken back; issued, it takes none back
    assert schedule_of(app).outlook(date(2024, 6, 1), 7) == before
    issue(app, note, date(2024, 6, 2))
    schedule = schedule_of(app)
    assert schedule.outlook(date(2024, 6, 1), 7) == before
    assert schedule.document_lines(note) == []
    for day in [date(2024, 1, 2), date(2024, 6, 2), *MONTH_ENDS]:
        books = books_through(app, day)
        assert schedule.deferred(day) == {
            "EUR": Money(-books["Liabilities:DeferredRevenue:Maintenance"], "EUR")
        }, day
        assert schedule.recognised(day) == {
            "EUR": Money(-books.get("Income:Maintenance", Decimal(0)), "EUR")
        }, day
        assert schedule.contract_assets(day) == {}, day
    june = books_through(app, date(2024, 6, 30))
    assert june["Expenses:WriteOffs:Maintenance"] == Decimal("1200.00")
    # Jan-Jun: 182 of 366 days
    assert schedule.recognised(date(2024, 6, 30)) == {"EUR": eur("596.72")}
    assert schedule.deferred(date(2024, 6, 30)) == {"EUR": eur("603.28")}
    assert schedule.recognised(date(2024, 12, 31)) == {"EUR": eur("1200.00")}
    assert schedule.deferred(date(2024, 12, 31)) == {"EUR": eur("0.00")}


def test_the_schedule_kept_in_a_store_equals_one_rebuilt_and_one_as_of_before_the_write_off(
    tmp_path: Path,
) -> None:
    """Followed page by page into a SQLite store, the schedule equals one rebuilt from the
    events; rebuilt as of before the write-off, the one current then (the training earned)."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    beta = app.register_customer("Beta", "EUR", account_manager="max", actor=A)
    line = manual_line("L1", "1000.00", TaxRate.standard(0))
    invoice = app.draft_invoice(beta, [line], drafted_on=date(2024, 5, 1), actor="billy")
    issue(app, invoice, date(2024, 5, 1))
    then = schedule_of(app)
    t = datetime.now(UTC)
    note = app.draft_credit_note(
        invoice, line_ids=["L1"], disposition=CreditDisposition.WRITTEN_OFF,
        reason="customer insolvent", drafted_on=date(2024, 6, 1), actor="billy",
    )  # fmt: skip
    issue(app, note, date(2024, 6, 1))
    store = ProjectionStore.open(f"sqlite:///{tmp_path / 'rows.db'}")
    while Follower(app, [RevenueSchedule(store)], page_size=1).run(max_pages=1):
        pass
    kept = RevenueSchedule(store)
    assert kept.rows() == schedule_of(app).rows()
    assert kept.recognised(date(2024, 6, 30)) == {"EUR": eur("1000.00")}
    as_of = RevenueSchedule()
    rebuild(app, [as_of], as_of=t)
    assert as_of.rows() == then.rows()
    assert as_of.recognised(date(2024, 6, 30)) == {"EUR": eur("1000.00")}
    store.close()
    app.close()


def test_a_store_built_before_the_schedule_kept_write_offs_is_refused(tmp_path: Path) -> None:
    """Rows without the note's disposition would take written-off revenue back: a store built
    by the previous row layout is refused until it is rebuilt from events."""
    app = QuoteToCash.open("memory:")
    training_written_off(app)
    store = ProjectionStore.open(f"sqlite:///{tmp_path / 'rows.db'}")
    catch_up(app, [RevenueSchedule(store)])
    old = RevenueSchedule().config()["rows"] - 1
    assert old >= 8
    with store.recorder.datastore.transaction(commit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(
            "UPDATE q2c_projection_rows SET value = ? WHERE key = '__config__'",
            (encode_row({"config": {"rows": old}}),),
        )
    with pytest.raises(RuleViolated, match="rebuild it from events"):
        catch_up(app, [RevenueSchedule(store)])
    store.close()
