"""A finance controller keeps the commission plan in a JSON file. Mia's 5 % on enhancements
was written 0.05; a colleague re-saves the file and it now says 0.050. The plan is the same
(equal, the same rate for every allocation): the live commissions store built with the first
file follows the books with the second, as it does with the same entries in another order,
and is not refused as "built with other settings" until rebuilt."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from test_commission_plan_rules import ENHANCEMENT, mias_customer_pays_for_enhancements
from test_story_invoice import eur

from q2c_adapters.cli import load_plan
from q2c_core import QuoteToCash
from q2c_core.projections import (
    CommissionPlan,
    CommissionRate,
    Commissions,
    ProjectionStore,
    catch_up,
    rebuild,
)


def _plan_file(tmp_path: Path, name: str, rate: str) -> Path:
    path = tmp_path / name
    path.write_text(f'[{{"manager": "Mia", "revenue_kind": "enhancement", "rate": {rate}}}]')
    assert json.loads(path.read_text())[0]["manager"] == "Mia"
    return path


def test_a_plan_re_saved_with_0_050_for_0_05_follows_the_store_built_with_it(
    tmp_path: Path,
) -> None:
    """Mia is paid 5 % of the 1,000.00 Acme paid on 10 March, 50.00, by the store built with
    the file saying 0.05 and, followed on with the file saying 0.050, by the same store."""
    first = load_plan(_plan_file(tmp_path, "plan.json", "0.05"))
    resaved = load_plan(_plan_file(tmp_path, "resaved.json", "0.050"))
    assert first == resaved
    app = QuoteToCash.open("memory:")
    mias_customer_pays_for_enhancements(app)
    rows = f"sqlite:///{tmp_path / 'rows.db'}"
    catch_up(app, [Commissions(ProjectionStore.open(rows), plan=first)])
    live = Commissions(ProjectionStore.open(rows), plan=resaved)
    catch_up(app, [live])  # (the same plan: not refused)
    fresh = Commissions(plan=resaved)
    rebuild(app, [fresh])
    assert live.balances() == fresh.balances() == {("mia", "EUR"): eur("50.00")}
    app.close()


def test_a_rate_reads_by_its_value_whatever_digits_it_was_typed_with() -> None:
    """0.1, 0.10 and 1E-1 are ten percent; 1 and 1.00 everything; 0 and -0 nothing: each
    describes as one text, so equal plans describe the same; 0.15 and 0.5 stay apart."""
    for typed in (("0.1", "0.10", "1E-1", "0.1000"), ("1", "1.00"), ("0", "-0", "0.00")):
        plans = [CommissionPlan([CommissionRate("*", ENHANCEMENT, Decimal(t))]) for t in typed]
        assert all(plan == plans[0] for plan in plans)
        assert {str(plan.describe()) for plan in plans} == {str(plans[0].describe())}
    apart = [
        CommissionPlan([CommissionRate("*", ENHANCEMENT, Decimal(t))]).describe()
        for t in ("0.15", "0.5", "0.05")
    ]
    assert [row[0][2] for row in apart] == ["0.15", "0.5", "0.05"]
