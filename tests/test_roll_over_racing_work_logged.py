"""January's work logged at the moment the year's carry-over is recorded draws the carried
hours: the carry-over and the timesheet clash, and the one decided again reads the other's.

Found by review: the roll-over wrote only the allowances and the customer, and logging work
dated in the new period (which no allowance could take yet) wrote only the request, so neither
noticed the other: 2 hours of January stayed billed at 200.00 EUR while the 5 hours carried
into 2025 sat unused.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from racing import save_once_all_looked
from test_prepaid_carry_over_days import Y2025, A, acme_with_six_of_ten_hours_used, eur

from q2c_core import Money, QuoteToCash, TimeEntry

JANUARY = TimeEntry("t2", "bob", date(2025, 1, 6), Decimal(2), eur(100))


def test_january_work_logged_while_the_carry_over_reads_the_requests_draws_the_carried_hours(
    tmp_path: Path,
) -> None:
    """Bea carries Acme's 4 hours left of 2024 into 2025. Between her process reading Acme's
    requests and saving the carry-over, Bob's process logs 2 hours worked on 6 January. The
    carry-over is decided again on the request holding them: they draw the 4 carried hours (2
    left), and nothing of them is billed at the hourly rate."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    a, b = QuoteToCash.open(url), QuoteToCash.open(url)
    _, hours, r = acme_with_six_of_ten_hours_used(a)
    get_many = a._get_many
    logged: list[bool] = []

    def read_then_bob_logs(*args: Any, **kwargs: Any) -> Any:
        got = get_many(*args, **kwargs)
        if not logged:
            logged.append(True)
            b.log_work(r, JANUARY, actor="bob")
        return got

    a._get_many = read_then_bob_logs  # type: ignore[method-assign]
    new = a.roll_over_allowance(hours, new_period=Y2025, rolled_over_on=date(2025, 1, 2), actor=A)
    del a._get_many

    for app in (a, b):
        carried = app.allowance(new)
        assert (carried.granted_by(date(2025, 1, 31)), carried.left_on(date(2025, 1, 31))) == (
            Decimal(4),
            Decimal(2),
        )
        assert app.unbilled_work(r) == Money.zero("EUR")
    a.close()
    b.close()


def test_a_carry_over_and_january_s_timesheet_at_one_moment_agree(tmp_path: Path) -> None:
    """Two clerks at one moment, each having looked before either saved: one carries the 4
    hours over, the other logs 2 hours of January. Whichever is recorded first, the 2 hours
    draw the carried ones."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    a, b = QuoteToCash.open(url), QuoteToCash.open(url)
    _, hours, r = acme_with_six_of_ten_hours_used(a)
    save_once_all_looked([a, b])

    made: list[Any] = []

    def carry_over() -> None:
        made.append(
            a.roll_over_allowance(hours, new_period=Y2025, rolled_over_on=date(2025, 1, 2), actor=A)
        )

    threads = [
        threading.Thread(target=carry_over),
        threading.Thread(target=lambda: b.log_work(r, JANUARY, actor="bob")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (new,) = made
    assert a.allowance(new).left_on(date(2025, 1, 31)) == Decimal(2)
    assert a.unbilled_work(r) == Money.zero("EUR")
    a.close()
    b.close()
