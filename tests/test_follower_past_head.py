"""The read models of a firm live in a projection store kept apart from its application's
log. Yesterday the store followed the log to its end; today the application's database is
another one (a backup restored over the file, or a new file), whose log ends before the
store's position. The follower used to catch up without a word: the position stayed where it
was and every event of the new log up to it was skipped for good, so receivables showed
yesterday's invoices and never today's.

A stored position is always one read from the log the store follows, so a position past the
end of the log means the store followed another history: catching up is refused
(``RuleViolated`` naming the projection, saying the store was built from another history or
the log was restored, and to rebuild), and nothing is written. Rebuilt from this log, the read
model shows its invoices and follows it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres

from q2c_core import (
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RuleViolated,
    SourceKind,
    TaxRate,
)
from q2c_core.projections import (
    Follower,
    ProjectionStore,
    ReceivablesAging,
    UnbilledRevenue,
    catch_up,
    rebuild,
)

DAY = date(2024, 3, 1)


def issue(app: QuoteToCash, customer: str, amount: int, count: int) -> None:
    """``count`` invoices of ``amount`` EUR issued to the customer (registered if new)."""
    who = next((c for c in app.customers() if c.name == customer), None)
    who_id = (
        who.id
        if who
        else app.register_customer(customer, "EUR", account_manager="mia", actor="ana")
    )
    for n in range(count):
        line = InvoiceLine(
            "L1",
            f"consulting {n}",
            Decimal(1),
            Money.of(amount, "EUR"),
            TaxRate.standard(0),
            LineSource(SourceKind.MANUAL, note="agreed"),
        )
        invoice = app.draft_invoice(who_id, [line], drafted_on=DAY, actor="ben")
        app.approve_invoice(invoice, role="billing", approved_on=DAY, actor="bea")
        app.approve_invoice(invoice, role="account_manager", approved_on=DAY, actor="mia")
        app.issue_invoice(invoice, issued_on=DAY, actor="ben")


def owed(aging: ReceivablesAging) -> list[str]:
    return sorted(str(o.outstanding) for o in aging.open_invoices(date(2024, 3, 2)))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProjectionStore]:
    opened = ProjectionStore.open(f"sqlite:///{tmp_path}/read_models.db")
    yield opened
    opened.close()


@pytest.fixture
def yesterday(tmp_path: Path, store: ProjectionStore) -> Iterator[int]:
    """Yesterday's log (five invoices to Acme), followed by the store to its end."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/yesterday.db")
    issue(app, "Acme", 100, 5)
    catch_up(app, [ReceivablesAging(store)])
    head = app.recorder.max_notification_id() or 0
    app.close()
    assert store.position(ReceivablesAging(store).tracking_name) == head > 0
    yield head


def refused_past_head(app: QuoteToCash, store: ProjectionStore, at: int) -> RuleViolated:
    aging, unbilled = ReceivablesAging(store), UnbilledRevenue(store)
    with pytest.raises(RuleViolated) as refused:
        catch_up(app, [aging, unbilled])
    error = refused.value
    assert "receivables_aging" in error.rule
    assert "unbilled" not in error.rule  # (at 0: behind the log, not past it)
    assert "another history" in error.rule and "restored" in error.rule
    assert "rebuild" in error.rule
    assert str(at) in error.rule and str(app.recorder.max_notification_id() or 0) in error.rule
    # nothing written: the position stays, and the other projection did not move either
    assert store.position(aging.tracking_name) == at
    assert store.position(unbilled.tracking_name) == 0
    return error


def test_a_log_that_ends_before_the_stores_position_is_refused(
    tmp_path: Path, store: ProjectionStore, yesterday: int
) -> None:
    today = QuoteToCash.open(f"sqlite:///{tmp_path}/today.db")
    issue(today, "Globex", 70, 1)
    assert (today.recorder.max_notification_id() or 0) < yesterday
    refused_past_head(today, store, yesterday)
    # refused again the next time: nothing was skipped meanwhile
    refused_past_head(today, store, yesterday)
    # the follower a service keeps running says the same
    with pytest.raises(RuleViolated):
        Follower(today, [ReceivablesAging(store)]).run()
    today.close()


def test_an_empty_log_is_refused_too(
    tmp_path: Path, store: ProjectionStore, yesterday: int
) -> None:
    empty = QuoteToCash.open(f"sqlite:///{tmp_path}/new.db")
    refused_past_head(empty, store, yesterday)
    empty.close()


def test_rebuilt_from_the_new_log_the_read_model_shows_its_invoices_and_follows_it(
    tmp_path: Path, store: ProjectionStore, yesterday: int
) -> None:
    today = QuoteToCash.open(f"sqlite:///{tmp_path}/today.db")
    issue(today, "Globex", 70, 1)
    aging = ReceivablesAging(store)
    rebuild(today, [aging])
    assert owed(aging) == ["70.00 EUR"]
    issue(today, "Initech", 30, 1)
    catch_up(today, [aging])
    assert owed(aging) == ["30.00 EUR", "70.00 EUR"]
    assert store.position(aging.tracking_name) == today.recorder.max_notification_id()
    today.close()


def test_a_store_at_the_end_of_its_own_log_catches_up_as_before(
    tmp_path: Path, store: ProjectionStore, yesterday: int
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/yesterday.db")
    aging = ReceivablesAging(store)
    assert catch_up(app, [aging]) == 0  # (at the head: nothing to do, nothing refused)
    issue(app, "Globex", 70, 1)
    catch_up(app, [aging])
    assert owed(aging) == ["100.00 EUR"] * 5 + ["70.00 EUR"]
    app.close()


def test_on_postgresql_a_restored_log_is_refused_the_same(
    tmp_path: Path, store: ProjectionStore, yesterday: int
) -> None:
    require_postgres()
    schema = new_pg_schema()
    try:
        today = QuoteToCash.open(pg_url(schema))
        issue(today, "Globex", 70, 1)
        refused_past_head(today, store, yesterday)
        today.close()
    finally:
        drop_pg_schema(schema)
