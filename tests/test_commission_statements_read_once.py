"""The commission statements report works the commission lines out once.

``q2c report commission-statements`` asked ``Commissions.statement`` once per account manager,
and each worked every commission line out again; read from a stored read model, each call also
loaded and decoded every stored row: a store of many managers cost managers + 2 full loads.
``Commissions.statements`` and ``balances`` take the lines read once, so the report reads the
store once, and every manager's statement is the one ``statement`` gives alone.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_beancount_ledger import issue, manual_line
from test_statement_reads_one_customer import count_loads

from q2c_adapters.reports import report_table
from q2c_core import Money, Period, QuoteToCash, RevenueKind, TaxRate
from q2c_core.projections import Commissions, ProjectionStore, catch_up

MANAGERS = ("ann", "bob", "cid", "dee", "eve")
ON = date(2024, 2, 29)


def _book(app: QuoteToCash) -> None:
    """A customer per manager, its 121.00 invoice of January (enhancement work, 5 %
    commission) paid in full in February."""
    for manager in MANAGERS:
        customer = app.register_customer(
            f"Customer of {manager}", "EUR", account_manager=manager, actor="a"
        )
        line = manual_line("L1", "100", TaxRate.standard(21), RevenueKind.ENHANCEMENT)
        invoice = app.draft_invoice(customer, [line], drafted_on=date(2024, 1, 10), actor="b")
        issue(app, invoice, date(2024, 1, 10))
        pay = app.receive_payment(
            customer, Money.of("121", "EUR"), received_on=date(2024, 2, 1), reference="T", actor="b"
        )
        app.allocate_payment(pay, allocated_on=date(2024, 2, 1), actor="bea")


def test_the_report_reads_the_stored_rows_once_and_each_statement_is_the_managers_own(
    shared_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = QuoteToCash.open(shared_url)
    _book(app)
    in_memory = Commissions()
    catch_up(app, [in_memory])
    catch_up(app, [Commissions(store=ProjectionStore.open(shared_url))])
    stored = Commissions(store=ProjectionStore.open(shared_url))
    loads = count_loads(monkeypatch)
    table = report_table("commission-statements", [stored], ON)
    assert len(loads) <= 1, f"the stored rows were loaded {len(loads)} times"
    assert table.rows == report_table("commission-statements", [in_memory], ON).rows
    assert [r[0] for r in table.rows] == [*MANAGERS, *MANAGERS]
    february = Period(date(2024, 2, 1), date(2024, 3, 1))
    together = in_memory.statements(february)
    assert together == [in_memory.statement(m, february) for m in MANAGERS]
    assert all(s.totals and len(s.lines) >= 1 for s in together)
    app.close()
