"""The expiring-contracts list names the account manager of its day.

Acme's contract MC-1 is Mia's. The list of contracts expiring within 60 days as of
15 November 2024 names Mia; Acme is then handed over to Bob from 1 December. Asked again for
15 November, the list still names Mia (a past day's answer does not change), and asked for
1 December it names Bob, as every report by account manager does.
"""

from __future__ import annotations

from datetime import date

from test_account_manager_handover import Books

from q2c_core import QuoteToCash

NOV_15 = date(2024, 11, 15)
DEC_1 = date(2024, 12, 1)


def listed(app: QuoteToCash, day: date) -> list[tuple[str, str]]:
    return [(e.number, e.account_manager) for e in app.contracts_expiring_within(60, day)]


def test_the_list_of_a_past_day_keeps_naming_that_days_manager() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    before = listed(app, NOV_15)
    assert before and {manager for _, manager in before} == {"Mia"}
    books.hand_over(DEC_1, "Bob")
    assert listed(app, NOV_15) == before
    assert {manager for _, manager in listed(app, DEC_1)} == {"Bob"}
    app.close()
