"""PostgreSQL: saves of thousands of events return (the library's pipelined save can hang).

The saves run in a child process with a time limit, so a regression fails this test instead of
hanging the suite. With eventsourcing's own recorder, in four runs out of seven on this machine
one of these twelve saves (1,500 contracts, or 1,500 contracts and their invoices: 3,000
events, about 5 MB each) never returned: the server waited for the rest of the pipeline with
nothing in flight on the socket, the client for its results.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from q2c_core import env_for_url
from tests.conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres

CHILD = textwrap.dedent(
    """
    import sys
    from datetime import date
    from eventsourcing.domain import Aggregate
    from q2c_core import (BillingFrequency, Contract, Customer, Money, Period, PricePoint,
                          QuoteToCash, SubContract, SubContractKind)

    app = QuoteToCash.open(sys.argv[1])
    term = Period(date(2025, 1, 1), date(2026, 1, 1))
    customer = Customer("Acme", "EUR", "mia", "bea")
    app.save(customer)
    pending: list[Aggregate] = []
    for i in range(9000):
        contract = Contract(customer.id, f"MC-{i}", "EUR", term, BillingFrequency.MONTHLY,
                            term.start, "bea", sub_contracts=[SubContract(
                                f"S{j}", f"Product {j} maintenance", SubContractKind.PRODUCT,
                                term.start, [PricePoint(term.start, Money.of(1200, "EUR"))])
                                for j in range(5)])
        contract.activate(term.start, "bea")
        pending.append(contract)
        if len(pending) == 1500:
            app.save(*pending)  # one transaction: 3,000 events
            pending = []
    result = app.run_billing(date(2025, 1, 1), actor="billing", batch_size=1500)
    assert len(result.documents) == 9000 and result.saves == 6, result
    print("billed", len(result.documents))
    """
)


def test_saves_of_1500_contracts_and_of_their_invoices_return() -> None:
    require_postgres()
    schema = new_pg_schema()
    url = pg_url(schema)
    assert env_for_url(url)["APPLICATION_RECORDER_TOPIC"].startswith("q2c_core.")
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, url], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired as timeout:
        raise AssertionError(f"a save hung: {timeout.stdout!r}") from None
    finally:
        drop_pg_schema(schema)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "billed 9000" in done.stdout


def test_applications_on_postgres_use_q2cs_recorder_however_opened() -> None:
    from q2c_core import QuoteToCash
    from q2c_core.postgres_recorder import PostgresEventRecorder
    from q2c_core.storage import ensure_postgres_schema

    require_postgres()
    schema = new_pg_schema()
    env = env_for_url(pg_url(schema))
    del env["APPLICATION_RECORDER_TOPIC"]
    ensure_postgres_schema(env)
    try:
        app = QuoteToCash(env)  # built from settings, not opened by URL
        assert type(app.recorder) is PostgresEventRecorder
        app.close()
    finally:
        drop_pg_schema(schema)
