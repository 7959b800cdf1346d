"""A commission plan refuses what is not one, and answers questions only about a manager, a
revenue kind and a day: a plan read wrong (nothing, a number, a single entry), a kind given as
its text, a day given as text or a manager as a number is ``InvalidValue`` naming what was
wrong, as ``CommissionRate`` refuses the same mistakes, never a TypeError from deep inside, nor
a quiet "no commission" (``"ENHANCEMENT"`` is not ``RevenueKind.ENHANCEMENT``: the plan used to
pay it nothing)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


# --- what the plan is asked: a manager, a revenue kind, a day --------------------------------


def test_mias_rate_is_asked_by_her_name_a_revenue_kind_and_a_day() -> None:
    """The questions the plan answers, as before: Mia's own rate, the rate for everyone, and
    nothing for a kind the plan gives no rate."""
    assert MIAS_PLAN.rate_for("mia ", ENHANCEMENT, NEW_YEAR) == Decimal("0.10")
    assert MIAS_PLAN.rate_for("max", ENHANCEMENT, NEW_YEAR) == Decimal("0.05")
    assert MIAS_PLAN.rate_for("mia", MAINTENANCE, NEW_YEAR) == Decimal(0)


@given(
    kind=st.sampled_from(list(RevenueKind)),
    spelling=st.sampled_from([lambda k: k.name, lambda k: k.value, lambda k: k.name.title()]),
)
def test_a_revenue_kind_given_as_text_is_refused_not_paid_nothing(
    kind: RevenueKind, spelling: Any
) -> None:
    """ "ENHANCEMENT" (or "enhancement") is how a report or a file names the kind, not the kind:
    the plan used to match it to no entry and answer 0, a commission silently lost. It is
    refused naming ``kind``, whatever the kind and its spelling."""
    with pytest.raises(InvalidValue) as refused:
        MIAS_PLAN.rate_for("mia", spelling(kind), NEW_YEAR)
    assert refused.value.field == "kind"


@pytest.mark.parametrize(
    "not_a_day",
    ["2026-01-01", None, datetime(2026, 1, 1, 9, 30), 20260101],
    ids=["ISO text", "nothing", "a moment, not a day", "a number"],
)
def test_the_day_the_rate_is_asked_for_is_a_business_day(not_a_day: Any) -> None:
    """Rates run from effective dates, so the plan is asked for a day: text, nothing, a moment
    with a time of day or a number is refused naming ``on`` (text used to crash comparing)."""
    with pytest.raises(InvalidValue) as refused:
        MIAS_PLAN.rate_for("mia", ENHANCEMENT, not_a_day)
    assert refused.value.field == "on"


@pytest.mark.parametrize("not_a_name", [5, None, b"mia"], ids=["a number", "nothing", "bytes"])
def test_the_manager_is_named_by_text(not_a_name: Any) -> None:
    """A manager is named as people type the name: a number (an employee id read from a
    spreadsheet), nothing or bytes is refused naming ``manager``, as a plan's entry refuses
    it."""
    with pytest.raises(InvalidValue) as refused:
        MIAS_PLAN.rate_for(not_a_name, ENHANCEMENT, NEW_YEAR)
    assert refused.value.field == "manager"


def test_managers_the_plan_pays_nobody_yet_are_found_among_names() -> None:
    """Mia's rate pays nobody while the books name only Max; once they name "MIA" it does."""
    assert MIAS_PLAN.unknown_managers(["max"]) == ["Mia"]
    assert MIAS_PLAN.unknown_managers({"max", "MIA"}) == []
    assert MIAS_PLAN.unknown_managers(iter([])) == ["Mia"]


@pytest.mark.parametrize(
    "not_names",
    [[5], ["max", None], "mia", None, 5],
    ids=["a number", "nothing among names", "one name, not a list", "nothing", "a number alone"],
)
def test_the_managers_checked_against_the_plan_are_names(not_names: Any) -> None:
    """The names the plan's managers are looked for among are text, in a collection: a number
    among them used to crash, and "mia" alone was read as the names "m", "i" and "a" (so Mia
    was reported unknown). Refused naming ``managers``."""
    with pytest.raises(InvalidValue) as refused:
        MIAS_PLAN.unknown_managers(not_names)
    assert refused.value.field == "managers"
