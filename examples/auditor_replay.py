"""An auditor's afternoon: every number recomputed from the events, as of any moment.

Initech's enhancement is worked (8 hours at 100.00 EUR), then invoiced and paid. The live read
models say nothing is unbilled today; the auditor asks what they said before the invoice,
checks that the live models equal a rebuild from an empty start, and asks which events stand
behind a number and who recorded them. The same, from a shell: ``q2c replay``, ``q2c report
--as-of``, ``q2c explain`` and ``q2c history`` (see the README).

Run it with ``python examples/auditor_replay.py [--db audit.db]`` (the file is replaced).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from q2c_core import Money, QuoteToCash, TaxRate, TimeEntry
from q2c_core.projections import (
    ProjectionStore,
    ReceivablesAging,
    UnbilledRevenue,
    all_projections,
    catch_up,
    events_behind,
    rebuild,
)

PM = "pete.pm"
BILLING = "bea.billing"
MANAGER = "mia.manager"
DEV = "dana.dev"
TODAY = date(2026, 5, 31)


def eur(amount: str) -> Money:
    """Euros from a string: never a float."""
    return Money.of(amount, "EUR")


def record_the_work(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Initech's request through the PO gate, and a day of work on it."""
    initech = app.register_customer(
        "Initech", "EUR", account_manager=MANAGER, actor=BILLING, tax_rate=TaxRate.standard(21)
    )
    request = app.open_request(
        initech, "TPS report export", requested_on=date(2026, 5, 4), actor=PM
    )
    app.estimate_request(request, hours=8, rate=eur("100"), actor=PM)
    app.send_quote(request, sent_on=date(2026, 5, 4), actor=BILLING)
    app.receive_purchase_order(
        request, number="PO-INI-12", amount=eur("800"), received_on=date(2026, 5, 5), actor=BILLING
    )
    app.authorize_work(request, authorized_on=date(2026, 5, 5), actor=PM)
    entry = TimeEntry("t1", DEV, date(2026, 5, 6), Decimal("8"), eur("100"))
    app.log_work(request, entry, actor=DEV)
    return initech, request


def invoice_and_collect(app: QuoteToCash, initech: UUID, request: UUID) -> UUID:
    """The work invoiced, approved by two roles, issued, and paid by one transfer."""
    app.complete_request(request, completed_on=date(2026, 5, 7), actor=PM)
    invoice = app.draft_request_invoice(request, drafted_on=date(2026, 5, 7), actor=PM)
    app.approve_invoice(invoice, role="billing", approved_on=date(2026, 5, 7), actor=BILLING)
    app.approve_invoice(
        invoice, role="account_manager", approved_on=date(2026, 5, 7), actor=MANAGER
    )
    number = app.issue_invoice(invoice, issued_on=date(2026, 5, 7), actor=BILLING)
    payment = app.receive_payment(
        initech, eur("968.00"), received_on=date(2026, 5, 20), reference=number, actor=BILLING
    )
    app.allocate_payment(payment, allocated_on=date(2026, 5, 20), actor=BILLING)
    return invoice


def audit(app: QuoteToCash, url: str) -> None:
    """Record the story, then ask the auditor's four questions."""
    initech, request = record_the_work(app)
    time.sleep(0.01)  # a moment strictly between the work and the invoice
    before_invoicing = datetime.now(UTC)
    time.sleep(0.01)
    invoice = invoice_and_collect(app, initech, request)

    # the live read models, kept in the same file, follow the log from where they stopped
    live = all_projections(ProjectionStore.open(url))
    applied = catch_up(app, live)
    live_unbilled = next(p for p in live if isinstance(p, UnbilledRevenue))
    live_aging = next(p for p in live if isinstance(p, ReceivablesAging))
    print(f"Live read models: {applied} events applied")
    print(f"  unbilled today: {len(live_unbilled.items(TODAY))} items")
    print(f"  open invoices today: {len(live_aging.open_invoices(TODAY))}\n")

    # 1. what did the books say before the invoice? rebuilt from the events recorded by then
    then = all_projections(ProjectionStore.memory())
    rebuild(app, then, as_of=before_invoicing)
    then_unbilled = next(p for p in then if isinstance(p, UnbilledRevenue))
    print("As recorded before the invoice (rebuilt from the events recorded by then):")
    for item in then_unbilled.items(TODAY):
        print(f"  unbilled {item.kind}: {item.description}, {item.hours} h, {item.amount}")

    # 2. do the live read models equal a rebuild from an empty start?
    fresh = all_projections(ProjectionStore.memory())
    rebuild(app, fresh)
    differing = [a.name for a, b in zip(live, fresh, strict=True) if a.rows() != b.rows()]
    print(f"\nLive equals rebuilt from scratch: {not differing} {differing or ''}".rstrip())

    # 3. which events stand behind the unbilled row of that day? (on a scratch projection)
    [(key, _row)] = then_unbilled.rows_with_prefix("item:")  # the day's one unbilled item
    scratch = UnbilledRevenue(ProjectionStore.memory())
    print(f"\nEvents behind unbilled row {key!r} before the invoice:")
    for event in events_behind(app, scratch, key, as_of=before_invoicing):
        print(f"  {type(event).__qualname__:<40} by {getattr(event, 'actor', '?')}")

    # 4. the invoice's own history: every event, when recorded, by whom
    print("\nThe invoice's history (when created, by whom; q2c history adds when recorded):")
    history: list[Any] = list(app.events.get(invoice))  # each a q2c event: timestamp, actor
    for recorded in history:
        when = recorded.timestamp.isoformat(timespec="seconds")
        name = type(recorded).__qualname__
        print(f"  v{recorded.originator_version} {when} {name:<24} {recorded.actor}")


def main() -> None:
    """Record the story into a new SQLite file and print the audit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="audit.db", help="SQLite file (replaced)")
    args = parser.parse_args()
    path = Path(args.db).resolve()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{path}{suffix}"):
            os.remove(f"{path}{suffix}")
    url = f"sqlite:///{path}"
    app = QuoteToCash.open(url)
    try:
        audit(app, url)
    finally:
        app.close()


if __name__ == "__main__":
    main()
