"""January's 3 hours drafted at their rate on 12 January, before the year's carry-over was
recorded; the draft is voided on 20 January and the carry-over, recorded after the void, is dated
15 January. On 16 January the draft still held the hours: the 6 carried hours were all left, as
when the carry-over is recorded first and the void after. Both orders read the same days."""

from __future__ import annotations

from datetime import date

import pytest
from test_story_rollover_released_work import Y2025, A, january_drafted_before_the_carry_over

from q2c_core import QuoteToCash
from q2c_core.projections import PrepaidCreditUsage, catch_up


@pytest.mark.parametrize("void_first", [True, False])
def test_the_carried_hours_are_all_left_while_the_draft_held_januarys_work(
    app: QuoteToCash, void_first: bool
) -> None:
    y2024, tweaks, draft = january_drafted_before_the_carry_over(app)
    acme = app.request(tweaks).customer_id

    def void() -> None:
        app.void_invoice(
            draft, reason="carried hours cover it", voided_on=date(2025, 1, 20), actor=A
        )

    if void_first:
        void()
    y2025 = app.roll_over_allowance(
        y2024, new_period=Y2025, rolled_over_on=date(2025, 1, 15), actor=A
    )
    if not void_first:
        void()

    assert app.customer_summary(acme, as_of=date(2025, 1, 16)).prepaid_hours_left == 6
    assert app.customer_summary(acme, as_of=date(2025, 1, 21)).prepaid_hours_left == 3
    usage = PrepaidCreditUsage()
    catch_up(app, [usage])
    [jan16] = [u for u in usage.usage(date(2025, 1, 16)) if u.allowance_id == y2025.hex]
    assert (jan16.granted, jan16.drawn, jan16.remaining) == (6, 0, 6)
