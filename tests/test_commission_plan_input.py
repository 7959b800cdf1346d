"""A commission plan refuses what is not one, and answers questions only about a manager, a
revenue kind and a day: a plan read wrong (nothing, a number, a single entry), a kind given as
its text, a day given as text or a manager as a number is ``InvalidValue`` naming what was
wrong, as ``CommissionRate`` refuses the same mistakes, never a TypeError from deep inside, nor
a quiet "no commission" (``"ENHANCEMENT"`` is not ``RevenueKind.ENHANCEMENT``: the plan used to
pay it nothing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from q2c_core import InvalidValue, RevenueKind
from q2c_core.projections import DEFAULT_PLAN, CommissionPlan, CommissionRate, Commissions

ENHANCEMENT, MAINTENANCE = RevenueKind.ENHANCEMENT, RevenueKind.MAINTENANCE
NEW_YEAR = date(2026, 1, 1)
MIAS_PLAN = CommissionPlan(
    [
        CommissionRate("Mia", ENHANCEMENT, Decimal("0.10")),
        CommissionRate("*", ENHANCEMENT, Decimal("0.05")),
    ]
)


# --- a plan is a collection of rates, and the projection is given a plan ---------------------


@pytest.mark.parametrize(
    "not_a_plan",
    [None, 5, Decimal("0.05"), "", "mia", CommissionRate("mia", ENHANCEMENT, Decimal("0.1"))],
    ids=["nothing", "a number", "a rate alone", "empty text", "text", "one entry, not a list"],
)
def test_a_plan_made_of_something_other_than_its_entries_is_refused(not_a_plan: Any) -> None:
    """The finance lead's script reads the plan wrong and passes nothing, a number, text or a
    single entry where the entries belong: the plan is refused naming ``rates`` (empty text
    used to make a plan paying nobody; the rest crashed with a TypeError)."""
    with pytest.raises(InvalidValue) as refused:
        CommissionPlan(not_a_plan)
    assert refused.value.field == "rates"


def test_a_plan_of_no_entries_still_pays_nobody() -> None:
    """An empty list is a plan: it pays no commission (a deliberate choice, not a mistake)."""
    assert CommissionPlan([]).rate_for("mia", ENHANCEMENT, NEW_YEAR) == Decimal(0)
    assert CommissionPlan(iter([])).describe() == []


@pytest.mark.parametrize(
    "not_a_plan",
    [None, 5, [CommissionRate("mia", ENHANCEMENT, Decimal("0.1"))], DEFAULT_PLAN.describe()],
    ids=["nothing", "a number", "the entries, not a plan", "a plan's description"],
)
def test_commissions_are_given_a_plan_or_refused_at_once(not_a_plan: Any) -> None:
    """The commissions read model handed something that is not a plan is refused when it is
    made, naming ``plan``: it used to be accepted and fail later, when the store asked for its
    configuration, with an AttributeError."""
    with pytest.raises(InvalidValue) as refused:
        Commissions(plan=not_a_plan)
    assert refused.value.field == "plan"


def test_commissions_given_a_plan_keep_it() -> None:
    assert Commissions(plan=MIAS_PLAN).config()["plan"] == MIAS_PLAN.describe()
    assert Commissions().plan is DEFAULT_PLAN
