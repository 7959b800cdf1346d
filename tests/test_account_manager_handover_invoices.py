"""Mia leaves; Bob takes over Acme from 1 May 2024 (``hand_over_customer``). Whatever is
recorded first, the handover or what was drafted on and after 1 May, the books say the same:

- the 1 May billing run, recorded before HR records the handover, drafts May's MC-1 invoice
  naming Mia; the handover names Bob on it (``InvoiceHandedOver``), so the money collected on
  it in June is Bob's commission, as it is when the handover was recorded first. So do an
  invoice drafted by hand on 5 May and one for Export's work, approved already or not; the
  one for Dashboard's work, Zoe's on purpose, stays Zoe's, and April's invoice (drafted on
  1 April) stays Mia's;
- an invoice issued naming Mia, drafted on or after the handover's day, keeps its record: the
  handover dated that early is refused (``RuleViolated`` naming ``effective_on`` and the
  invoice's number), nothing recorded, and one dated after its day is taken."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_account_manager_handover import MAY_1, A, Books, eur

from q2c_core import (
    InvoiceLine,
    LineSource,
    QuoteToCash,
    RuleViolated,
    SourceKind,
    TaxRate,
)
from q2c_core.projections import Commissions, catch_up, rebuild

MAY_2 = date(2024, 5, 2)
MAY_5 = date(2024, 5, 5)
JUNE_10 = date(2024, 6, 10)


def issue(app: QuoteToCash, invoice_id: UUID, on: date, manager: str = "Bob") -> str:
    app.approve_invoice(invoice_id, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice_id, role="account_manager", approved_on=on, actor=manager)
    return app.issue_invoice(invoice_id, issued_on=on, actor="bea")


def paid_in_june(app: QuoteToCash, books: Books, invoice_id: UUID) -> None:
    invoice = app.invoice(invoice_id)
    paid = app.receive_payment(
        books.acme, invoice.total, received_on=JUNE_10, reference=invoice.number, actor=A
    )
    app.allocate_payment(paid, allocated_on=JUNE_10, actor=A)


def commission_by_manager(app: QuoteToCash) -> dict[str, Decimal]:
    """Commission per manager, followed event by event, checked against the same rebuilt."""
    followed, rebuilt = Commissions(), Commissions()
    catch_up(app, [followed], page_size=1)
    rebuild(app, [rebuilt])
    assert followed.rows() == rebuilt.rows()
    earned: dict[str, Decimal] = {}
    for line in rebuilt.lines():
        earned[line.manager] = earned.get(line.manager, Decimal(0)) + line.commission.amount
    return earned


def mays_run_invoice(handover_first: bool) -> tuple[QuoteToCash, Books, UUID]:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    if handover_first:
        books.hand_over()
    run = app.run_billing(MAY_1, actor="billing")
    if not handover_first:
        books.hand_over()  # (HR records on 1 May, after the run: Acme is Bob's from 1 May)
    (may,) = [d.invoice_id for d in run.documents]
    return app, books, may


@pytest.mark.parametrize("handover_first", [True, False])
def test_mays_run_invoice_names_bob_and_pays_him_whichever_was_recorded_first(
    handover_first: bool,
) -> None:
    app, books, may = mays_run_invoice(handover_first)
    assert app.invoice(may).account_manager == "Bob"
    assert app.invoice(books.april).account_manager == "Mia"
    issue(app, may, MAY_2)
    paid_in_june(app, books, may)
    earned = commission_by_manager(app)
    assert set(earned) == {"Bob"} and earned["Bob"] > 0
    app.close()


def test_the_handover_names_bob_on_may_invoices_drafted_by_hand_and_for_exports_work() -> None:
    """Drafted (and one approved) in May before the handover was recorded, each names Bob
    after it; Dashboard's, Zoe's on purpose, stays Zoe's; April's stays Mia's."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    by_hand = app.draft_invoice(
        books.acme,
        [
            InvoiceLine(
                "L1",
                "Training",
                Decimal(1),
                eur(300),
                TaxRate.standard(21),
                LineSource(SourceKind.MANUAL, note="agreed"),
            )
        ],
        drafted_on=MAY_5,
        actor=A,
    )
    app.approve_invoice(by_hand, role="billing", approved_on=MAY_5, actor="bea")
    export = app.draft_request_invoice(books.export, drafted_on=MAY_5, actor=A)
    dashboard = app.draft_request_invoice(books.dashboard, drafted_on=MAY_5, actor=A)
    assert app.invoice(export).account_manager == "Mia"
    books.hand_over()
    assert app.invoice(by_hand).account_manager == "Bob"
    assert app.invoice(by_hand).approved_roles() == ["billing"]  # (its sign-off stands)
    assert app.invoice(export).account_manager == "Bob"
    assert app.invoice(dashboard).account_manager == "Zoe"
    assert app.invoice(books.april).account_manager == "Mia"
    issue(app, export, MAY_5)
    paid_in_june(app, books, export)
    assert set(commission_by_manager(app)) == {"Bob"}
    app.close()


def test_a_handover_dated_on_or_before_an_issued_invoice_naming_mia_is_refused() -> None:
    """May's run invoice, issued on 2 May naming Mia before the handover was recorded, keeps
    its record: Acme can not be Bob's from 1 May (refused, naming the invoice), only from a
    day after it was drafted; a later invoice drafted and not issued names Bob then."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    run = app.run_billing(MAY_1, actor="billing")
    (may,) = [d.invoice_id for d in run.documents]
    number = issue(app, may, MAY_2, manager="Mia")
    later = app.draft_request_invoice(books.export, drafted_on=MAY_5, actor=A)
    recorded = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        books.hand_over()
    assert refused.value.field == "effective_on"
    assert number in str(refused.value) and refused.value.aggregate_id == may
    assert app.recorder.max_notification_id() == recorded
    assert app.customer(books.acme).account_manager == "Mia"
    assert app.invoice(later).account_manager == "Mia"
    books.hand_over(MAY_2)
    assert app.invoice(may).account_manager == "Mia"
    assert app.invoice(later).account_manager == "Bob"
    app.close()


def test_on_a_sqlite_file_an_invoice_handed_over_reads_back_from_events_and_snapshots(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    books = Books(app)
    run = app.run_billing(MAY_1, actor="billing")
    (may,) = [d.invoice_id for d in run.documents]
    books.hand_over()
    app.take_snapshot(may)
    app.close()
    reopened = QuoteToCash.open(url)
    assert reopened.snapshots is not None and list(reopened.snapshots.get(may))
    loaded = reopened.invoice(may)
    assert loaded.account_manager == "Bob"
    replayed = None
    for e in reopened.repository.event_store.get(may):
        replayed = e.mutate(replayed)
    assert {k: v for k, v in vars(loaded).items() if k != "_pending_events"} == {
        k: v for k, v in vars(replayed).items() if k != "_pending_events"
    }
    reopened.close()
