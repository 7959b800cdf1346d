"""The books and the revenue report agree to the cent on every day an auditor reconciles them.

The revenue schedule sums the lines' running totals unrounded and rounds once per currency:
exactly, so the total is the one the lines make whatever the order they are added in.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from test_beancount_ledger import manual_line

from q2c_core import (
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
)
from q2c_core.projections import RevenueSchedule, catch_up

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def issue(app: QuoteToCash, invoice_id: UUID, day: date) -> str:
    """Approve by both roles and issue."""
    app.approve_invoice(invoice_id, role="billing", approved_on=day, actor="bea")
    app.approve_invoice(invoice_id, role="account_manager", approved_on=day, actor="mia")
    return app.issue_invoice(invoice_id, issued_on=day, actor="bea")


def test_the_running_total_is_rounded_as_the_exact_sum_of_the_lines() -> None:
    """April's maintenance billed in three lines, 134.77, 1,367.41 and 214.87 for its 30 days:
    by the end of 1 April they have earned 1,717.05 / 30 = 57.235 exactly, which rounds half up
    to 57.24. Summed as 28-digit decimals (4.492333..., 45.580333... and 7.162333...) the
    total came to 57.23499...9 and the report said 57.23 (and another order of adding the
    lines could say 57.24); the lines' running totals are now added up exactly."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    april = LineSource(
        SourceKind.CONTRACT_PERIOD, period=Period(date(2026, 4, 1), date(2026, 5, 1))
    )
    lines = [
        manual_line(f"L{i}", amount, TaxRate.standard(21), RevenueKind.MAINTENANCE, april)
        for i, amount in enumerate(["134.77", "1367.41", "214.87"], 1)
    ]
    invoice = app.draft_invoice(acme, lines, drafted_on=date(2026, 4, 1), actor=A)
    issue(app, invoice, date(2026, 4, 1))
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    assert schedule.recognised(date(2026, 4, 1)) == {"EUR": eur("57.24")}
    assert schedule.deferred(date(2026, 4, 1)) == {"EUR": eur("1659.81")}
    assert schedule.recognised(date(2026, 4, 30)) == {"EUR": eur("1717.05")}
