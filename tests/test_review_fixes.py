"""Defects a review found, each told as the story that exposed it, so they stay fixed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import test_contract_billing as billing
import test_import_bank as bank
import test_import_time_entries as psa

from q2c_adapters.importers.bank import BankStatementImporter, read_camt053
from q2c_core import (
    ContractStatus,
    CreditDisposition,
    DuplicateEntry,
    InvalidValue,
    Money,
    PastDuePolicy,
    QuoteToCash,
    RuleViolated,
    TaxRate,
)

A = "alice"


def eur(x: str | int) -> Money:
    return Money.of(x, "EUR")


def test_a_bank_transfer_pays_billing_run_invoices_and_the_contract_stays_active(
    app: QuoteToCash,
) -> None:
    """One payment, many invoices: billing-run invoices are found by number and paid."""
    cust = billing.customer(app)
    cid = billing.contract(app, cust, subs=(billing.sub("S1"),))
    run = app.run_billing(date(2024, 2, 1), actor=A)
    numbers = [billing.issue(app, d.invoice_id, date(2024, 2, 1)) for d in run.documents]
    assert len(numbers) == 2  # January and February
    owed = sum((app.invoice(d.invoice_id).total.amount for d in run.documents), Decimal(0))
    csv = (
        "Buchungstag;Betrag;Währung;Verwendungszweck;Auftraggeber;IBAN;Ref\n"
        f"05.02.2024;{owed:.2f};EUR;Rechnungen {' '.join(numbers)};Acme;"
        "DE02100100109307118603;B-1\n"
    ).replace(f"{owed:.2f}", f"{owed:.2f}".replace(".", ","))
    report = BankStatementImporter(app, today=date(2024, 2, 6)).import_bytes(
        csv.encode(), "statement.csv", actor="bank"
    )
    assert (report.recorded, report.suspended) == (1, 0)
    assert all(app.invoice(d.invoice_id).outstanding.is_zero() for d in run.documents)
    assert app.bank_suspense() == []
    # paid in full, so the past-due policy has nothing to suspend
    assert app.apply_past_due_policy(PastDuePolicy(30), date(2024, 4, 1), actor="ops") == []
    assert app.contract(cid).status is ContractStatus.ACTIVE


def test_oldest_first_allocation_sees_billing_run_invoices(app: QuoteToCash) -> None:
    cust = billing.customer(app)
    billing.contract(app, cust, subs=(billing.sub("S1"),))
    [jan] = app.run_billing(date(2024, 1, 1), actor=A).invoice_ids
    billing.issue(app, jan, date(2024, 1, 1))
    pay = app.receive_payment(
        cust, app.invoice(jan).total, received_on=date(2024, 1, 9), reference="January", actor=A
    )
    app.allocate_payment(pay, allocated_on=date(2024, 1, 9), actor=A)
    assert app.invoice(jan).outstanding.is_zero()
    assert app.customer_credit(cust).is_zero()


def issued_invoice(
    app: QuoteToCash, lines: list[tuple[str, str]], name: str = "Acme"
) -> tuple[object, object]:
    from q2c_core import InvoiceLine, LineSource, RevenueKind, SourceKind

    cust = app.register_customer(
        name, "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    invoice = app.draft_invoice(
        cust,
        [
            InvoiceLine(
                line_id=lid,
                description=f"item {lid}",
                quantity=Decimal(1),
                unit_price=eur(amount),
                tax=TaxRate.standard(21),
                source=LineSource(SourceKind.MANUAL, note="agreed"),
                revenue_kind=RevenueKind.OTHER,
            )
            for lid, amount in lines
        ],
        drafted_on=date(2024, 3, 1),
        actor="pete",
    )
    billing.issue(app, invoice, date(2024, 3, 1))
    return cust, invoice


def test_a_credit_note_names_each_line_once(app: QuoteToCash) -> None:
    _, invoice = issued_invoice(app, [("L1", "100"), ("L2", "300")])
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        app.draft_credit_note(
            invoice,
            line_ids=["L1", "L1", "L1"],
            disposition=CreditDisposition.WRITTEN_OFF,
            reason="typo",
            drafted_on=date(2024, 3, 2),
            actor="pete",
        )
    assert refused.value.field == "line_ids"
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).outstanding == eur("484.00")


def test_a_deposit_is_deducted_or_credited_never_both(app: QuoteToCash) -> None:
    cust = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    deposit = app.draft_deposit_invoice(
        cust, eur(1000), description="Deposit", actor="pete", drafted_on=date(2024, 3, 1)
    )
    billing.issue(app, deposit, date(2024, 3, 1))
    _, final = issued_invoice(app, [("L1", "3000")], "Beta")  # only to have lines
    final = app.draft_invoice(
        cust, list(app.invoice(final).lines), drafted_on=date(2024, 3, 5), actor="pete"
    )
    app.deduct_deposit(final, deposit, actor="pete")
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.draft_credit_note(
            deposit,
            line_ids=["L1"],
            disposition=CreditDisposition.WRITTEN_OFF,
            reason="double",
            drafted_on=date(2024, 3, 6),
            actor="pete",
        )
    assert refused.value.field == "deducted_by"
    assert app.recorder.max_notification_id() == before

    # and the other way round: a credited deposit cannot be deducted
    other = app.draft_deposit_invoice(
        cust, eur(500), description="Deposit 2", actor="pete", drafted_on=date(2024, 3, 1)
    )
    billing.issue(app, other, date(2024, 3, 1))
    note = app.draft_credit_note(
        other,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="project cancelled",
        drafted_on=date(2024, 3, 6),
        actor="pete",
    )
    billing.issue(app, note, date(2024, 3, 6))
    second = app.draft_invoice(
        cust, list(app.invoice(final).lines[:1]), drafted_on=date(2024, 3, 7), actor="pete"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.deduct_deposit(second, other, actor="pete")
    assert refused.value.field == "credits"
    assert app.recorder.max_notification_id() == before


def test_identical_camt_credits_without_references_are_both_recorded(app: QuoteToCash) -> None:
    ids = bank.build(app)
    entry = """<Ntry><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-04-02</Dt></BookgDt><NtryDtls><TxDtls>
<RltdPties><Dbtr><Nm>ACME GMBH</Nm></Dbtr><DbtrAcct><Id><IBAN>DE02100100109307118603</IBAN>
</Id></DbtrAcct></RltdPties><RmtInf><Ustrd>INV-000001 part payment</Ustrd></RmtInf>
</TxDtls></NtryDtls></Ntry>"""
    doc = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S</Id><CreDtTm>2024-04-02T06:00:00</CreDtTm>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
{entry}{entry}</Stmt></BkToCstmrStmt></Document>"""
    rows, problems, _ = read_camt053(doc.encode())
    assert not problems and rows[0].credit_key != rows[1].credit_key
    report = bank.importer(app).import_bytes(doc.encode(), "s.xml", actor="bank")
    assert (report.recorded, report.skipped) == (2, 0)
    assert app.invoice(ids["INV-000001"]).outstanding == eur("990.00")  # 1190 - 2 x 100


def test_a_psa_row_an_expired_allowance_cannot_take_is_billed_not_refused(
    app: QuoteToCash,
) -> None:
    ids = psa.build(app)
    app.expire_allowance(ids["allowance"], expired_on=date(2025, 1, 1), actor=A)
    csv = (
        "id,worker,date,hours,ticket,billable,notes\n"
        "late-1,bob,2024-12-30,3,TKT-103,yes,year-end fix\n"
    )
    report = psa.importer(app, ids).import_bytes(csv.encode(), "late.csv", actor="importer")
    assert report.recorded == 1
    assert app.unbilled_work(ids["TKT-103"]) == eur("270.00")  # 3 h at 90, billed as work


def test_absurd_amounts_and_empty_deposits_are_typed_refusals(app: QuoteToCash) -> None:
    with pytest.raises(InvalidValue) as refused:
        Money.of("1e400", "EUR")
    assert refused.value.field == "amount"
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue):
        app.draft_deposit_invoice(
            cust, eur(0), description="Deposit", actor="pete", drafted_on=date(2024, 3, 1)
        )
    assert app.recorder.max_notification_id() == before
