"""``q2c explain`` shows a commissions row as the live store the reports read holds it.

The controller keeps the read models apart from the books (``--store``) and rebuilt them with
the plan payroll agreed (10 % on enhancements from everyone). ``q2c report commissions --store``
paid Mia 100.00 of Acme's 1,000.00, but ``q2c explain commissions`` could not be told that
store: it took no ``--store``, read the plan from the books' database (which holds no read
model), and replayed the row at the default rates, so the row it explained was not the row the
report printed. ``explain`` now takes ``--store`` and follows the plan that store was built with,
as ``report --as-of`` does; it still writes nothing there.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from test_cli import cli, runner
from test_projections_story import story

from q2c_core import QuoteToCash


def test_explain_replays_the_row_with_the_plan_of_the_store_it_is_told(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    store = f"sqlite:///{tmp_path / 'read-models.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"manager": "*", "revenue_kind": "enhancement", "rate": "0.10"}]))
    rebuilt = runner.invoke(
        cli, ["rebuild", "--url", url, "--store", store, "--commission-plan", str(plan)]
    )
    assert rebuilt.exit_code == 0, rebuilt.output
    listed = runner.invoke(
        cli, ["rows", "commissions", "--url", url, "--store", store, "--prefix", "alloc:"]
    )
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    # (the allocation of Acme's 1,000.00 of enhancements: Mia's entry at 10 %)
    paid = next(key for key, row in itertools.pairwise(lines) if "0.1]" in row)
    explained = runner.invoke(cli, ["explain", "commissions", paid, "--url", url, "--store", store])
    assert explained.exit_code == 0, explained.output
    assert "1000.00, 0.1]" in explained.output  # Mia's 10 %, as the live store holds it
