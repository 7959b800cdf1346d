"""A customer's statement reads that customer's rows, not the whole book.

The ``statements`` and ``customers`` reports ask ``CustomerStatement.statement`` once per
customer. Read from a stored read model (``q2c report statements --store ...``, a process that
did not build the rows itself), each statement loaded and decoded every row of the projection:
400 customers took 20 seconds, 2,000 would take minutes (the cost grew with the square of the
book). A statement reads the customer's row and its own invoices' and payments' rows, so the
report costs what it shows; the figures are the same as read from the rows in memory.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from test_beancount_ledger import issue, manual_line

from q2c_adapters.reports import report_table
from q2c_core import Money, QuoteToCash, TaxRate
from q2c_core.projections import CustomerStatement, ProjectionStore, catch_up

CUSTOMERS = 12
ON = date(2024, 3, 1)


def _book(app: QuoteToCash) -> list[Any]:
    """Twelve customers, each with two invoices of 121.00 and 100.00 paid on the first."""
    customers = []
    for n in range(CUSTOMERS):
        customer = app.register_customer(
            f"Customer {n:02}", "EUR", account_manager="mia", actor="a"
        )
        for day in (date(2024, 1, 10), date(2024, 1, 20)):
            line = manual_line("L1", "100", TaxRate.standard(21))
            invoice = app.draft_invoice(customer, [line], drafted_on=day, actor="billy")
            issue(app, invoice, day)
        pay = app.receive_payment(
            customer, Money.of("100", "EUR"), received_on=date(2024, 2, 1), reference="T", actor="b"
        )
        app.allocate_payment(pay, allocated_on=date(2024, 2, 1), actor="bea")
        customers.append(customer)
    return customers


def count_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The projections whose stored rows are loaded from now on, each load listed."""
    loads: list[str] = []
    load = ProjectionStore.load

    def counted(store: ProjectionStore, projection: str) -> Any:
        loads.append(projection)
        return load(store, projection)

    monkeypatch.setattr(ProjectionStore, "load", counted)
    return loads


def test_the_statements_of_every_customer_load_the_stored_rows_once(
    shared_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The book's statements are built and stored; another process opens the stored rows and
    runs the ``statements`` report: the whole projection is loaded once (to list the
    customers), not once per customer, and every statement reads as the one built in memory
    (142.00 open of 242.00, as of 1 March and with everything recorded)."""
    app = QuoteToCash.open(shared_url)
    customers = _book(app)
    in_memory = CustomerStatement()
    catch_up(app, [in_memory])
    catch_up(app, [CustomerStatement(ProjectionStore.open(shared_url))])

    stored = CustomerStatement(ProjectionStore.open(shared_url))
    loads = count_loads(monkeypatch)
    table = report_table("statements", [stored], ON)
    assert len(loads) <= 1, f"the stored rows were loaded {len(loads)} times"
    assert table.rows == report_table("statements", [in_memory], ON).rows
    loads.clear()
    for customer in customers:
        for as_of in (ON, None):
            s = stored.statement(customer, as_of)
            assert s == in_memory.statement(customer, as_of)
            assert (s.invoiced, s.paid, s.open) == (
                Money.of("242.00", "EUR"),
                Money.of("100.00", "EUR"),
                Money.of("142.00", "EUR"),
            )
    assert loads == []
    app.close()
