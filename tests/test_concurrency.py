"""Concurrent issuers on one store never produce a gap or a duplicate invoice number, and a
command that keeps clashing gives up with ConcurrencyConflict, having recorded nothing."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from q2c_core import (
    ConcurrencyConflict,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
)

D = date(2024, 3, 1)
PER_THREAD = 8


def approved_invoices(app: QuoteToCash, customer: UUID, count: int) -> list[UUID]:
    result = []
    for n in range(count):
        line = InvoiceLine(
            "L1",
            f"item {n}",
            Decimal(1),
            Money.of(10 + n, "EUR"),
            TaxRate.standard(0),
            LineSource(SourceKind.MANUAL, note="agreed"),
        )
        invoice = app.draft_invoice(customer, [line], drafted_on=D, actor="billy")
        app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
        app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="mia")
        result.append(invoice)
    return result


def test_concurrent_issuers_get_gapless_unique_numbers(shared_url: str) -> None:
    setup = QuoteToCash.open(shared_url)
    customer = setup.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    invoices = approved_invoices(setup, customer, 2 * PER_THREAD)
    # the series exists before the race, so every issue competes for its next version
    issuers = [QuoteToCash.open(shared_url) for _ in range(2)]  # (the default retries)
    barrier = threading.Barrier(2)
    issued: dict[UUID, str] = {}
    errors: list[BaseException] = []

    def issue_all(app: QuoteToCash, mine: list[UUID]) -> None:
        barrier.wait()
        try:
            for invoice in mine:
                issued[invoice] = app.issue_invoice(invoice, issued_on=D, actor="bea")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [
        threading.Thread(target=issue_all, args=(issuers[i], invoices[i::2])) for i in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    expected = [f"INV-{n:06d}" for n in range(1, 2 * PER_THREAD + 1)]
    assert sorted(issued.values()) == expected
    reader = QuoteToCash.open(shared_url)
    stored = {i: reader.invoice(i).number for i in invoices}
    assert stored == issued
    series = reader.invoice(invoices[0]).series
    assert series == "INV"
    for app in (setup, reader, *issuers):
        app.close()


def test_a_command_that_keeps_clashing_raises_concurrency_conflict(shared_url: str) -> None:
    clerk = QuoteToCash.open(shared_url, max_retries=1)
    other = QuoteToCash.open(shared_url)
    customer = clerk.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    invoices = approved_invoices(clerk, customer, 3)
    clerk.issue_invoice(invoices[0], issued_on=D, actor="bea")  # the series exists
    real_save = clerk.save

    def save_after_a_rival(*aggregates: Any, **kwargs: Any) -> Any:
        # between the clerk's read and write, another instance issues the next number
        rival = [i for i in invoices if other.invoice(i).number is None and i != target]
        if rival:
            other.issue_invoice(rival[0], issued_on=D, actor="bea")
        return real_save(*aggregates, **kwargs)

    target = invoices[1]
    clerk.save = save_after_a_rival  # type: ignore[method-assign]
    before = other.recorder.max_notification_id()
    with pytest.raises(ConcurrencyConflict) as refused:
        clerk.issue_invoice(target, issued_on=D, actor="bea")
    assert refused.value.field == "version"
    # only the rival's issue was recorded; the clerk's attempt left nothing behind
    assert other.invoice(target).number is None
    assert other.invoice(invoices[2]).number == "INV-000002"
    # (its Issued, the series' number and the customer's InvoiceIssuedTo)
    assert other.recorder.max_notification_id() == before + 3
    # with retries left, the same interleaving succeeds with the next free number
    clerk.max_retries = 2
    clerk.save = real_save  # type: ignore[method-assign]
    assert clerk.issue_invoice(target, issued_on=D, actor="bea") == "INV-000003"
    clerk.close()
    other.close()


def test_one_retry_absorbs_one_clash(shared_url: str) -> None:
    clerk = QuoteToCash.open(shared_url, max_retries=2)
    other = QuoteToCash.open(shared_url)
    customer = clerk.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    invoices = approved_invoices(clerk, customer, 3)
    clerk.issue_invoice(invoices[0], issued_on=D, actor="bea")
    real_save = clerk.save
    clashes = {"left": 1}

    def save_after_one_rival(*aggregates: Any, **kwargs: Any) -> Any:
        if clashes["left"]:
            clashes["left"] -= 1
            other.issue_invoice(invoices[2], issued_on=D, actor="bea")
        return real_save(*aggregates, **kwargs)

    clerk.save = save_after_one_rival  # type: ignore[method-assign]
    assert clerk.issue_invoice(invoices[1], issued_on=D, actor="bea") == "INV-000003"
    assert other.invoice(invoices[2]).number == "INV-000002"
    clerk.close()
    other.close()


def test_allocation_saves_payment_and_invoice_together_or_not_at_all(shared_url: str) -> None:
    """When the invoice side of an allocation clashes, the payment side is not recorded either:
    the payment and the invoices it pays are one transaction."""
    clerk = QuoteToCash.open(shared_url, max_retries=1)
    other = QuoteToCash.open(shared_url)
    customer = clerk.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    (invoice,) = approved_invoices(clerk, customer, 1)
    clerk.issue_invoice(invoice, issued_on=D, actor="bea")  # 10.00 EUR outstanding
    mine = clerk.receive_payment(
        customer, Money.of(4, "EUR"), received_on=D, reference="a", actor="a"
    )
    theirs = other.receive_payment(
        customer, Money.of(3, "EUR"), received_on=D, reference="b", actor="a"
    )
    real_save = clerk.save

    def save_after_a_rival(*aggregates: Any, **kwargs: Any) -> Any:
        other.allocate_payment(theirs, [(invoice, Money.of(3, "EUR"))], allocated_on=D, actor="a")
        return real_save(*aggregates, **kwargs)

    clerk.save = save_after_a_rival  # type: ignore[method-assign]
    with pytest.raises(ConcurrencyConflict):
        clerk.allocate_payment(mine, [(invoice, Money.of(4, "EUR"))], allocated_on=D, actor="a")
    assert other.payment(mine).allocations == []  # the payment alone would have saved fine
    assert other.invoice(invoice).paid == Money.of(3, "EUR")
    clerk.save = real_save  # type: ignore[method-assign]
    clerk.allocate_payment(mine, [(invoice, Money.of(4, "EUR"))], allocated_on=D, actor="a")
    assert other.invoice(invoice).paid == Money.of(7, "EUR")
    clerk.close()
    other.close()


def _open_at_once(url: str, barrier: Any, results: Any) -> None:
    """A process that opens the application (and a read-model store) when all are ready."""
    from q2c_core.projections import ProjectionStore

    barrier.wait()
    try:
        QuoteToCash.open(url).close()
        ProjectionStore.open(url).close()
        results.put("ok")
    except BaseException as error:
        results.put(f"{type(error).__name__}: {error}")


def test_processes_opening_one_postgres_schema_at_once_all_succeed(tmp_path: Any) -> None:
    """Web workers or two cron jobs starting together: each opens the application on the same
    PostgreSQL schema; table creation is serialized, so none fails (the library's CREATE OR
    REPLACE FUNCTION raced: "tuple concurrently updated")."""
    import multiprocessing

    from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres

    require_postgres()
    schema = new_pg_schema()
    try:
        url = pg_url(schema)
        QuoteToCash.open(url).close()  # the schema and tables exist, as in production
        context = multiprocessing.get_context("fork")
        outcomes = []
        for _ in range(4):
            barrier, results = context.Barrier(6), context.Queue()
            processes = [
                context.Process(target=_open_at_once, args=(url, barrier, results))
                for _ in range(6)
            ]
            for p in processes:
                p.start()
            outcomes += [results.get(timeout=60) for _ in processes]
            for p in processes:
                p.join(timeout=60)
        assert set(outcomes) == {"ok"}, [o for o in outcomes if o != "ok"]
    finally:
        drop_pg_schema(schema)
