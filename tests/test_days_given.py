"""A business day given to any command or query is a date: text (``"2026-03-10"``, as a
script or a spreadsheet gives it) or a datetime is refused with ``InvalidValue`` naming the
parameter, before the method does anything, and nothing is recorded.

Some commands refused text only when their event was made (``check_facts``); others got as
far as comparing the text with a day (``allocate_payment``, ``customer_summary``,
``notice_past_due``) and raised a bare TypeError. A datetime is refused as "not a date and
time": its time of day is no part of a business day."""

from __future__ import annotations

import inspect
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from q2c_core import InvalidValue, Money, QuoteToCash

DAY = date(2026, 3, 10)

# a stand-in for each required argument (by its declared type): the day check comes first,
# so the method never gets to look at them
_STAND_INS: dict[str, Any] = {
    "UUID": uuid4(),
    "str": "x",
    "Money": Money.of("1", "EUR"),
    "date": DAY,
    "int": 1,
    "Decimal": Decimal(1),
}


def _is_day(annotation: object) -> bool:
    return str(annotation).replace(" ", "") in ("date", "date|None")


def _day_parameters() -> list[tuple[str, str]]:
    found = []
    for name, method in inspect.getmembers(QuoteToCash, inspect.isfunction):
        if name.startswith("_"):
            continue
        for parameter in inspect.signature(method).parameters.values():
            if _is_day(parameter.annotation):
                found.append((name, parameter.name))
    return found


DAY_PARAMETERS = _day_parameters()


def test_the_public_api_takes_days_in_many_places() -> None:
    """(So the test below cannot pass by finding none.)"""
    assert len(DAY_PARAMETERS) >= 40
    for named in [
        ("allocate_payment", "allocated_on"),
        ("customer_summary", "as_of"),
        ("notice_past_due", "as_of"),
        ("preview_billing", "as_of"),
        ("authorize_work", "due_on"),
        ("reverse_allocation", "reversed_on"),
        ("import_bank_credits", "imported_on"),
    ]:
        assert named in DAY_PARAMETERS


def _call(app: QuoteToCash, method: str, day_parameter: str, day: object) -> object:
    args: list[object] = []
    kwargs: dict[str, object] = {}
    signature = inspect.signature(getattr(QuoteToCash, method))
    for parameter in list(signature.parameters.values())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name == day_parameter:
            value = day
        elif parameter.default is not parameter.empty:
            continue
        else:
            value = _STAND_INS.get(str(parameter.annotation).replace(" | None", ""))
        if parameter.kind is parameter.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[parameter.name] = value
    return getattr(app, method)(*args, **kwargs)


@pytest.mark.parametrize(("method", "parameter"), DAY_PARAMETERS)
@pytest.mark.parametrize(
    "not_a_day", ["2026-03-10", datetime(2026, 3, 10, 9, 30)], ids=["text", "datetime"]
)
def test_every_command_and_query_refuses_a_day_that_is_not_a_date(
    method: str, parameter: str, not_a_day: object
) -> None:
    app = QuoteToCash.open("memory:")
    app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        _call(app, method, parameter, not_a_day)
    assert refused.value.field == parameter
    assert "must be a date" in str(refused.value)
    if isinstance(not_a_day, datetime):  # (said as people say it, not as Python's type)
        assert refused.value.rule.endswith("not a date and time")
    assert app.recorder.max_notification_id() == before


def test_a_day_given_as_text_is_refused_where_the_reviewer_met_a_type_error() -> None:
    """The reviewer's story: money received on the 10th, allocated by a script that gave the
    day as text; the summary and the past-due notice asked the same way."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    payment = app.receive_payment(
        acme, Money.of("10", "EUR"), received_on=DAY, reference="x", actor="bea"
    )
    before = app.recorder.max_notification_id()
    refusals = [
        lambda: app.allocate_payment(payment, allocated_on="2026-03-10", actor="bea"),  # type: ignore[arg-type]
        lambda: app.customer_summary(acme, as_of="2026-03-10"),  # type: ignore[arg-type]
        lambda: app.notice_past_due("2026-05-10", actor="bea"),  # type: ignore[arg-type]
    ]
    for refusal in refusals:
        with pytest.raises(InvalidValue):
            refusal()
    assert app.recorder.max_notification_id() == before
    # the same, given days, works
    assert app.allocate_payment(payment, allocated_on=DAY, actor="bea") == []
    assert app.customer_summary(acme, as_of=DAY).credit == Money.of("10", "EUR")
    assert app.notice_past_due(date(2026, 5, 10), actor="bea") == []
