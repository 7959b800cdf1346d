"""The projections' query API as an embedding developer calls it: a customer by the UUID the
application returned (or its text), and a refusal naming the argument for anything else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from test_projections_story import story

from q2c_core import InvalidValue, NotFound, Period, QuoteToCash
from q2c_core.projections import (
    AwaitingPurchaseOrder,
    Commissions,
    CustomerStatement,
    Kpis,
    PrepaidCreditUsage,
    ReceivablesAging,
    RevenueSchedule,
    ReviewMeeting,
    UnbilledRevenue,
    all_projections,
    catch_up,
)

ON = date(2024, 6, 1)


@pytest.fixture(scope="module")
def followed() -> tuple[dict[str, UUID], dict[type, Any]]:
    app = QuoteToCash.open("memory:")
    ids = story(app)
    projections = all_projections()
    catch_up(app, projections)
    return ids, {type(p): p for p in projections}


def test_a_customer_is_found_by_its_uuid_its_text_or_its_hex(
    followed: tuple[dict[str, UUID], dict[type, Any]],
) -> None:
    """The same answer for the UUID register_customer returned, its text and the 32 hex digits
    the reports print (a UUID used to give zero, or a KeyError); NotFound for a stranger."""
    ids, p = followed
    customer = ids["customer"]
    forms: list[UUID | str] = [customer, str(customer), customer.hex]
    unbilled = {p[UnbilledRevenue].customer_total(c, "EUR", ON) for c in forms}
    assert len(unbilled) == 1 and not unbilled.pop().is_zero()
    assert len({p[PrepaidCreditUsage].hours_left(c) for c in forms}) == 1
    statements = [p[CustomerStatement].statement(c, ON) for c in forms]
    assert statements[0].invoices and statements[0] == statements[1] == statements[2]
    with pytest.raises(NotFound) as stranger:
        p[CustomerStatement].statement(uuid4(), ON)
    assert stranger.value.field == "customer_id"


def test_queries_refuse_a_day_or_period_of_the_wrong_kind_naming_it(
    followed: tuple[dict[str, UUID], dict[type, Any]],
) -> None:
    """Text, a datetime or a tuple where a day or Period is meant used to return an empty
    answer (wrong without a word) or raise a TypeError from inside; now each is refused."""
    _, p = followed
    noon = datetime(2024, 6, 1, 12)
    june = (date(2024, 6, 1), date(2024, 7, 1))
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("as_of", lambda: p[UnbilledRevenue].items("2024-06-01")),
        ("as_of", lambda: p[UnbilledRevenue].totals(noon, "customer")),
        ("by", lambda: p[UnbilledRevenue].totals(ON, "bogus")),
        ("as_of", lambda: p[ReceivablesAging].aging("2024-06-01")),
        ("as_of", lambda: p[CustomerStatement].statement(UUID(int=1), "2024-06-01")),
        ("through", lambda: p[RevenueSchedule].recognised(noon)),
        ("months", lambda: p[RevenueSchedule].forecast(ON, -1)),
        ("months", lambda: p[RevenueSchedule].forecast(ON, "12")),
        ("period", lambda: p[Commissions].statement("mia", june)),
        ("period", lambda: p[Kpis].utilisation(june)),
        ("hours_per_day", lambda: p[Kpis].utilisation(Period(*june), hours_per_day=-8)),
        ("expiring_within_days", lambda: p[PrepaidCreditUsage].usage(ON, expiring_within_days=-1)),
        ("as_of", lambda: p[ReviewMeeting].items(None)),
        ("as_of", lambda: p[AwaitingPurchaseOrder].awaiting("2024-06-01")),
    ]
    for field, call in calls:
        with pytest.raises(InvalidValue) as e:
            call()
        assert e.value.field == field, (field, e.value)
