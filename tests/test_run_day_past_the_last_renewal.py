"""A billing run dated past the last term an evergreen contract can renew to: the clerk types
3024 for 2024.

Acme's MC-1 renews by itself every year from 1 January 2024; a term may end by the year 2999
at the latest (``LATEST_TERM_END``, as a signed term must). The run of "31 January 3024" would
renew it a thousand times and then past that limit. It used to stop on ``InvalidValue`` naming
``new_end``, a field the clerk never gave, as if MC-1's own data were broken (and the
expiring-contracts list and the preview alike). Now the run, the preview and the list are
refused naming ``as_of``, the day the clerk typed, and nothing is recorded.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer, sub

from q2c_core import BillingFrequency, Period, QuoteToCash
from q2c_core.domain.errors import InvalidValue

MISTYPED = date(3024, 1, 31)


def test_a_run_past_the_last_renewal_is_refused_naming_as_of(app: QuoteToCash) -> None:
    """MC-1 renews by itself; the run, its preview and the list of contracts expiring soon,
    dated 3024, are each refused naming as_of; nothing is recorded, and the run of the day
    meant, 31 January 2024, bills January as ever."""
    cust = customer(app)
    cid = contract(
        app,
        cust,
        subs=(sub("S1", price=1200),),
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.ANNUAL,
        auto_renew=True,
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as run:
        app.run_billing(MISTYPED, actor=A)
    assert run.value.field == "as_of"
    assert "MC-1" in str(run.value)
    with pytest.raises(InvalidValue) as preview:
        app.preview_billing(MISTYPED)
    assert preview.value.field == "as_of"
    with pytest.raises(InvalidValue) as expiring:
        app.contracts_expiring_within(30, as_of=MISTYPED)
    assert expiring.value.field == "as_of"
    assert app.recorder.max_notification_id() == before
    assert app.contract(cid).term.end == date(2025, 1, 1)
    (january,) = app.run_billing(date(2024, 1, 31), actor=A).documents
    assert january.net.amount == 1200


def test_a_run_on_the_last_renewable_day_still_bills(app: QuoteToCash) -> None:
    """A contract that renews by itself up to the limit exactly is billed to its end: the
    run of 1 December 2999 renews MC-2 (1 January terms) up to 1 January 3000 and bills
    December 2999."""
    cust = customer(app)
    contract(
        app,
        cust,
        number="MC-2",
        subs=(sub("S1", start=date(2998, 1, 1), price=1200),),
        term=Period(date(2998, 1, 1), date(2999, 1, 1)),
        auto_renew=True,
    )
    posted = app.run_billing(date(2999, 12, 1), actor=A).documents
    assert posted[-1].period == Period(date(2999, 12, 1), date(3000, 1, 1))
    assert len(posted) == 24
