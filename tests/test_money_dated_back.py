"""Money and credit dated back meet an invoice as it stood on their day and every day since
(its total less the credit notes applied by then and the allocations then in force): an
allocation or a credit note dated back is accepted only if on none of those days the invoice
owes less than nothing with it (a credit note dated back first gives back the money paying the
invoice on its day, as it does when recorded that day), so no past day shows an invoice paid or
credited twice over, and the same facts recorded in another order give the same statements."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_projections_story import eur, issue

from q2c_core import (
    InvoiceLine,
    LineSource,
    OverAllocation,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
)
from q2c_core.projections import Commissions, CustomerStatement, ReceivablesAging, catch_up

A = "alice"


def march(day: int) -> date:
    return date(2026, 3, day)


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme", "EUR", account_manager="mia", actor=A)


def enhancement_invoice(app: QuoteToCash, cust: UUID, on: date) -> UUID:
    """121.00: an enhancement of 100.00 (5 % commission) and 21 % tax."""
    work = InvoiceLine(
        "L1",
        "report export",
        Decimal(1),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.MANUAL, note="agreed"),
        revenue_kind=RevenueKind.ENHANCEMENT,
    )
    invoice = app.draft_invoice(cust, [work], drafted_on=on, actor="billy")
    issue(app, invoice, on)
    return invoice


def read_models(app: QuoteToCash) -> tuple[CustomerStatement, ReceivablesAging, Commissions]:
    models = CustomerStatement(), ReceivablesAging(), Commissions()
    catch_up(app, list(models))
    return models


def paid_on_the_20th_and_taken_back_on_the_25th(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme's invoice of 1 March (121.00) and two payments of 121.00 received on the 5th: the
    first was allocated to it on the 20th and taken back off on the 25th (wrong invoice)."""
    cust = acme(app)
    invoice = enhancement_invoice(app, cust, march(1))
    first = app.receive_payment(cust, eur(121), received_on=march(5), reference="p1", actor=A)
    second = app.receive_payment(cust, eur(121), received_on=march(5), reference="p2", actor=A)
    [allocation] = app.allocate_payment(
        first, [(invoice, eur(121))], allocated_on=march(20), actor=A
    )
    app.reverse_allocation(
        first, allocation, reason="wrong invoice", actor=A, reversed_on=march(25)
    )
    return invoice, first, second


def test_money_dated_back_to_an_invoice_paid_since_by_other_money_is_refused() -> None:
    """The second payment allocated to the invoice as of the 10th was accepted: from the 20th
    to the 25th the invoice was then paid twice (242.00 paid, -121.00 open on the 22nd, 10.00
    commission, off the aging). Refused, naming the invoice, the 20th and the 0.00 it owed
    then, nothing recorded. On the 22nd the invoice is paid by the first payment alone and the
    second is customer credit; dated the 25th, when the first was taken back off, it is taken."""
    app = QuoteToCash.open("memory:")
    invoice, _, second = paid_on_the_20th_and_taken_back_on_the_25th(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(OverAllocation) as refused:
        app.allocate_payment(second, [(invoice, eur(121))], allocated_on=march(10), actor=A)
    assert refused.value.aggregate_id == invoice and refused.value.field == "amount"
    assert "INV-000001 owed on 2026-03-20" in str(refused.value)
    assert "0.00 EUR" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    # oldest first as of the 10th finds nothing it may pay on every day since
    assert app.allocate_payment(second, allocated_on=march(10), actor=A) == []
    statements, aging, commissions = read_models(app)
    on_the_22nd = statements.statement(app.invoice(invoice).customer_id, march(22))
    [owed] = on_the_22nd.invoices
    assert (owed.paid, owed.outstanding) == (eur(121), eur(0))
    assert (on_the_22nd.open, on_the_22nd.credit) == (eur(0), eur(121))
    assert commissions.balances(march(22)) == {("mia", "EUR"): eur(5)}
    assert [i.outstanding for i in aging.open_invoices(march(26))] == [eur(121)]
    app.allocate_payment(second, [(invoice, eur(121))], allocated_on=march(25), actor=A)
    assert app.invoice(invoice).outstanding == eur(0)


def test_a_bank_statement_imported_late_pays_an_invoice_only_as_it_stood_on_the_booking_day(
    tmp_path: Path,
) -> None:
    """The statement of the 10th, imported on the 30th, names INV-000001, which the first
    payment paid from the 20th to the 25th: it was allocated on the 10th, and the invoice was
    paid twice from the 20th to the 25th. The credit now waits in suspense (it names only an
    invoice owing nothing on one of those days) as Acme's credit; resolved on the 25th, it pays
    the invoice."""
    from q2c_adapters.importers.bank import BankStatementImporter
    from q2c_core.domain.bank_credit import SuspenseReason

    app = QuoteToCash.open("memory:")
    invoice, _, _ = paid_on_the_20th_and_taken_back_on_the_25th(app)
    statement = tmp_path / "march.csv"
    statement.write_text(
        "date,amount,currency,remittance,name,reference\n"
        "2026-03-10,121.00,EUR,INV-000001,Acme,TRF-10\n"
    )
    report = BankStatementImporter(app, today=march(30)).import_file(statement, actor="bank")
    assert (report.recorded, report.suspended) == (0, 1)
    [parked] = app.bank_suspense()
    assert parked.suspense_reason is SuspenseReason.NO_INVOICE
    app.resolve_bank_credit(
        parked.id, allocations=[(invoice, eur(121))], resolved_on=march(25), actor="bea"
    )
    assert app.invoice(invoice).outstanding == eur(0)


@pytest.mark.parametrize("recorded", ["un-applied without a day", "snapshot without them"])
def test_an_invoice_from_before_it_kept_its_payments_works_them_out_from_the_payments(
    tmp_path: Path, recorded: str
) -> None:
    """The story of the 20th to the 25th, recorded before invoices kept the payments taken
    back off them: the invoice's un-application without its day, or its snapshot without
    ``applications``. The invoice finds them from its events and the payments (taken back off
    on the 25th), so the second payment as of the 10th is still refused, and the 25th taken."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    cust = acme(app)
    invoice = enhancement_invoice(app, cust, march(1))
    first = app.receive_payment(cust, eur(121), received_on=march(5), reference="p1", actor=A)
    second = app.receive_payment(cust, eur(121), received_on=march(5), reference="p2", actor=A)
    [allocation] = app.allocate_payment(
        first, [(invoice, eur(121))], allocated_on=march(20), actor=A
    )
    if recorded == "un-applied without a day":
        payment, owed = app.payment(first), app.invoice(invoice)
        payment.reverse_allocation(allocation, "wrong invoice", A, march(25))
        owed.unapply_payment(allocation, "wrong invoice", A)  # (no day, as recorded before)
        app.save(payment, owed)
        assert app.invoice(invoice).applications is None
    else:
        app.reverse_allocation(
            first, allocation, reason="wrong invoice", actor=A, reversed_on=march(25)
        )
        app.take_snapshot(invoice)
        app.close()
        with sqlite3.connect(db) as conn:
            taken = conn.execute(
                "SELECT originator_version, state FROM stored_snapshots WHERE originator_id = ?",
                (invoice.hex,),
            ).fetchall()
            for version, state in taken:  # (every 4 events, and the one just taken)
                facts = json.loads(bytes(state))
                del facts["state"]["applications"]
                conn.execute(
                    "UPDATE stored_snapshots SET state = ? "
                    "WHERE originator_id = ? AND originator_version = ?",
                    (json.dumps(facts, separators=(",", ":")).encode(), invoice.hex, version),
                )
        app = QuoteToCash.open(f"sqlite:///{db}")
        assert "applications" not in vars(app.invoice(invoice))
    with pytest.raises(OverAllocation):
        app.allocate_payment(second, [(invoice, eur(121))], allocated_on=march(10), actor=A)
    app.allocate_payment(second, [(invoice, eur(121))], allocated_on=march(25), actor=A)
    assert app.invoice(invoice).outstanding == eur(0)
    app.close()
