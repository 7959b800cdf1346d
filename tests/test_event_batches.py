"""EventBatches reads the events of many aggregates in one query: the same events, in order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import attrs

from q2c_core import Customer, Money, QuoteToCash, new_id
from q2c_core.event_batches import EventBatches


def test_each_aggregates_events_are_the_ones_select_events_gives_in_version_order(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    customers = [Customer(f"C{i}", "EUR", "mia", "bea") for i in range(950)]  # > one SQLite chunk
    for i, customer in enumerate(customers):
        for _ in range(i % 3):
            customer.add_contract(new_id(), "alice")
    app.save(*customers)
    customers[7].add_contract(new_id(), "alice")  # a later save: its events are still read in order
    app.save(customers[7])
    reader = EventBatches(app.recorder)
    assert reader.batched == (backend_url != "memory:")
    missing = new_id()
    ids = [c.id for c in reversed(customers)] + [missing]
    found = reader.events_of(ids)
    assert missing not in found
    for customer in customers:
        expected = [
            (customer.id, s.originator_version, s.topic, bytes(s.state))
            for s in app.recorder.select_events(customer.id)
        ]
        # the id as stored: 32 hex digits on SQLite, a UUID elsewhere
        got = [(UUID(str(i)), v, t, bytes(s)) for i, v, t, s in found[customer.id]]
        assert got == expected
        assert [v for _, v, _, _ in got] == list(range(1, len(got) + 1))
    assert len(found[customers[7].id]) == 1 + 7 % 3 + 1


def test_the_run_reads_contracts_a_batch_at_a_time(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    from tests.test_contract_billing_backends import setup

    app = app_factory()
    _, ids = setup(app, 5)
    batches = [[c.id for c in batch] for batch in app._contract_batches(2)]
    assert batches == [ids[:2], ids[2:4], ids[4:]]
    assert app.run_billing(date(2024, 1, 1), actor="run", batch_size=2).saves == 3


def test_contracts_are_loaded_from_their_latest_snapshot_and_the_events_after_it(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    """A long history costs its last events only: snapshot (every 50 events) + what follows."""
    from tests.test_contract_billing_backends import setup

    app = app_factory()
    _, [contract_id] = setup(app, 1)
    for day in range(1, 31):  # 60 more events: versions 3..62, a snapshot at 50
        for sub_id in ("S1", "S2"):
            app.reprice_sub_contract(
                contract_id,
                sub_id,
                effective=date(2024, 1, day) if sub_id == "S1" else date(2024, 3, day),
                annual_price=Money.of(1200 + day, "EUR"),
                actor="bob",
            )
    assert app.snapshots is not None
    assert [s.originator_version for s in app.snapshots.recorder.select_events(contract_id)] == [50]
    readers = app._readers()
    decoded: list[int] = []

    def counting(row: Any, fallback: Any) -> Any:
        decoded.append(row[2])
        return readers.decode(row, fallback)

    [loaded] = app._load_batch(attrs.evolve(readers, decode=counting), [contract_id])
    assert decoded == [50, *range(51, 63)]  # the snapshot, then the events after it
    replayed = app.contract(contract_id)
    assert loaded.version == replayed.version == 62
    assert loaded.sub_contracts == replayed.sub_contracts
    assert loaded.billed == replayed.billed and loaded.history == replayed.history


def test_a_customers_invoices_are_read_in_bulk_as_one_by_one(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    """Oldest-first allocation reads every invoice of the customer, billing-run ones included:
    read in bulk (one query per batch of ids), each invoice equals the repository's, in
    drafting order; ids of nothing or of another type are left out."""
    from tests.test_contract_billing_backends import setup

    app = app_factory()
    cust, contract_ids = setup(app, 3)
    app.run_billing(date(2024, 2, 1), actor="run")
    customer = app.customer(cust)
    in_bulk = app._customer_invoices(customer)
    drafted = {d for c in contract_ids for d in app.contract(c).documents}
    assert len(in_bulk) == 6  # three contracts, January and February
    assert {i.id for i in in_bulk} == drafted | set(customer.invoice_ids)
    one_by_one = [app.invoice(i.id) for i in in_bulk]
    assert [vars(i) for i in in_bulk] == [vars(i) for i in one_by_one]
    assert [i.created_on for i in in_bulk] == sorted(i.created_on for i in in_bulk)
    ids = [in_bulk[0].id, new_id(), contract_ids[0], in_bulk[1].id]
    assert [i.id for i in app._get_many(type(in_bulk[0]), ids)] == [in_bulk[0].id, in_bulk[1].id]
    [contract] = app._get_many(type(app.contract(contract_ids[0])), [contract_ids[0]])
    assert vars(contract) == vars(app.contract(contract_ids[0]))
