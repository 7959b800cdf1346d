"""One evergreen contract the run cannot renew does not take every account manager's
expiring list down with it.

A monthly evergreen term signed with a 1,000 % renewal uplift (typed for 10 %) raises its price
beyond what an amount holds after a dozen renewals. The billing run skips that contract,
recording nothing for it, and lists it as needing attention, billing everyone else.
``contracts_expiring_within`` renews every evergreen term by the run's rule, and it raised the
refusal (``InvalidValue`` naming ``uplift_percent``, an argument its caller never gave) for the
whole list. Now the list shows that contract as the run leaves it: unrenewed, its term run out
(negative ``days_left``), the first one the account manager sees.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from test_contract_billing import contract, customer

from q2c_core import Period, QuoteToCash


def test_the_list_shows_the_contract_the_run_cannot_renew_as_run_out(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    app = app_factory()
    cust = customer(app)
    fine = contract(app, cust, number="MC-OK")  # (the year 2024, not renewing)
    typo = contract(
        app,
        cust,
        number="MC-TYPO",
        term=Period(date(2024, 1, 1), date(2024, 2, 1)),
        auto_renew=True,
        renewal_uplift_percent=Decimal(1000),
    )
    day = date(2025, 6, 1)
    run = app.run_billing(day, actor="billing")
    assert [s.contract_id for s in run.needs_attention] == [typo]
    assert app.contract(typo).term.end == date(2024, 2, 1)  # (nothing recorded for it)
    before = app.recorder.max_notification_id()

    expiring = app.contracts_expiring_within(30, day)

    assert [(e.contract_id, e.term_end, e.days_left) for e in expiring] == [
        (typo, date(2024, 2, 1), -487),
        (fine, date(2025, 1, 1), -152),
    ]
    assert app.recorder.max_notification_id() == before
