"""An entry logged in error is withdrawn after its allowance closed.

Globex bought 20 prepaid hours for 2024. Bob typed 15 h for 5 on 4 December and logged 8 h on
the 5th: the allowance covered 20 h, 3 h were overage. It expired (or rolled over) on
1 January with nothing left. In January the 15 h are withdrawn. The 8 h are covered now (as if
the 15 h had never been logged), and the 12 h the withdrawal freed are forfeited (expired) or
not carried (rolled over, with nothing carried then): what was granted is still drawn,
forfeited or rolled over, in the allowance and in the prepaid report, followed and rebuilt.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_projections_story import eur, work

from q2c_core import AllowanceUnit, Period, QuoteToCash, TaxRate
from q2c_core.projections import (
    PrepaidCreditUsage,
    ProjectionStore,
    all_projections,
    catch_up,
    rebuild,
)

YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
JAN_2 = date(2025, 1, 2)


@pytest.mark.parametrize("closing", ["expired", "rolled over"])
def test_hours_freed_on_a_closed_allowance_are_forfeited(tmp_path: Path, closing: str) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    globex = app.register_customer(
        "Globex", "EUR", account_manager="mia", actor="al", tax_rate=TaxRate.standard(21)
    )
    allowance = app.grant_allowance(
        globex,
        unit=AllowanceUnit.HOURS,
        quantity=Decimal(20),
        period=YEAR,
        granted_on=date(2024, 1, 1),
        actor="al",
    )
    request = app.open_request(globex, "Reports", requested_on=date(2024, 3, 1), actor="al")
    app.estimate_request(request, hours=20, rate=eur(100), actor="al")
    app.send_quote(request, sent_on=date(2024, 3, 1), actor="al")
    app.cover_request_by_allowance(request, allowance, actor="al")
    app.authorize_work(request, authorized_on=date(2024, 3, 1), actor="al")
    app.log_work(request, work("t1", date(2024, 12, 4), "15"), actor="bob")
    app.log_work(request, work("t2", date(2024, 12, 5), "8"), actor="bob")
    if closing == "expired":
        app.expire_allowance(allowance, expired_on=date(2025, 1, 1), actor="al")
    else:
        app.roll_over_allowance(
            allowance,
            new_period=Period(date(2025, 1, 1), date(2026, 1, 1)),
            rolled_over_on=date(2025, 1, 1),
            actor="al",
        )
    live = all_projections(ProjectionStore.memory())
    catch_up(app, live)
    assert app.unbilled_work(request) == eur("300.00")  # the 3 h overage

    app.withdraw_work(request, "t1", reason="typed 15 for 5", actor="mia")

    held = app.allowance(allowance)
    assert app.unbilled_work(request) == eur("0.00")  # the 8 h are covered
    assert (held.consumed, held.forfeited, held.rolled_over_quantity) == (
        Decimal(8),
        Decimal(12),
        Decimal(0),
    )
    assert held.granted == held.consumed + held.forfeited + held.rolled_over_quantity
    catch_up(app, live)
    fresh = all_projections(ProjectionStore.memory())
    rebuild(app, fresh)
    for followed, rebuilt in zip(live, fresh, strict=True):
        assert followed.rows() == rebuilt.rows(), followed.name
    usage = next(p for p in live if isinstance(p, PrepaidCreditUsage))
    [row] = [u for u in usage.usage(JAN_2) if u.allowance_id == allowance.hex]
    assert (row.granted, row.drawn, row.remaining, row.forfeited, row.rolled_over) == (
        Decimal(20),
        Decimal(8),
        Decimal(0),
        Decimal(12),
        Decimal(0),
    )
    # a release of overage billed later never draws on the hours forfeited
    app.log_work(request, work("t3", date(2024, 12, 6), "4"), actor="bob")
    assert app.allowance(allowance).consumed == Decimal(8)
    app.close()
