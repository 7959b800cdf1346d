"""Money in suspense is the customer's from the day a person assigned it, never before.

Initech's 99.00 EUR arrives on 2 April from a payer q2c cannot name: it waits in suspense, and
the books keep it in ``Liabilities:Suspense``. On 10 April a person assigns it to Acme, 60.00 to
Acme's invoice. Every figure of Acme for the days in between (its summary, its statement, the
receivables aging, the ledger) reads as it did before the resolution was recorded: the money
was nobody's yet. From 10 April it is Acme's.

An overlapping CSV export of a credit a camt.053 booked under the bank's reference is the same
credit, though the camt.053 also carries the bank's own text (AddtlTxInf). And a suspended
credit the bank has taken back cannot be assigned to anybody.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from beancount.core import data
from test_beancount_ledger import issue, load_ok, manual_line

from q2c_adapters.accounting.beancount_ledger import LedgerBook, export_ledger
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import InvalidTransition, Money, QuoteToCash, RuleViolated, TaxRate
from q2c_core.domain.bank_credit import CreditStatus
from q2c_core.domain.import_batch import ImportRejected
from q2c_core.projections import CustomerStatement, ReceivablesAging, catch_up

OURS = "DE89370400440532013000"
PAYER = "DE02100100109307118603"
BOOKED, RESOLVED = date(2024, 4, 2), date(2024, 4, 10)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def acme_with_invoice(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme, with an invoice of 119.00 EUR issued on 1 March."""
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="al")
    invoice = app.draft_invoice(
        acme,
        [manual_line("L1", "100", TaxRate.standard(19))],
        drafted_on=date(2024, 3, 1),
        actor="billy",
    )
    issue(app, invoice, date(2024, 3, 1))
    return acme, invoice


def import_csv(app: QuoteToCash, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    BankStatementImporter(app, today=date(2024, 4, 30)).import_file(path, actor="bank")


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def ledger_balances(app: QuoteToCash, through: date) -> dict[str, Decimal]:
    held: defaultdict[str, Decimal] = defaultdict(Decimal)
    for entry in load_ok(export_ledger(app)):
        if isinstance(entry, data.Transaction) and entry.date <= through:
            for posting in entry.postings:
                assert posting.units is not None
                held[posting.account] += posting.units.number
    return {account: amount for account, amount in held.items() if amount}


def figures(app: QuoteToCash, acme: UUID, day: date) -> tuple[object, ...]:
    """Acme's figures as of ``day``: summary, statement, aging (projections built afresh)."""
    statement, aging = CustomerStatement(), ReceivablesAging()
    catch_up(app, [statement, aging])
    summary = app.customer_summary(acme, as_of=day)
    shown = statement.statement(acme, as_of=day)
    rows = [r for r in aging.aging(day) if r.customer_id == acme.hex]
    return (
        summary.credit,
        summary.open,
        summary.paid,
        shown.credit,
        shown.open,
        shown.paid,
        tuple(shown.payments),
        tuple(rows),
    )


def test_a_suspense_credit_assigned_later_is_the_customers_only_from_the_assignment_day(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_with_invoice(app)
    import_csv(
        app,
        tmp_path,
        "apr.csv",
        "date,amount,currency,remittance,name,reference\n"
        "2024-04-02,99.00,EUR,order 5521,Initech LLC,C-9\n",
    )
    [credit] = app.bank_suspense()
    assert credit.payment_id is None
    between = days(BOOKED, RESOLVED - timedelta(days=1))
    before = {day: figures(app, acme, day) for day in between}
    assert all(f[0] == eur("0.00") and f[1] == eur("119.00") for f in before.values())

    payment_id = app.resolve_bank_credit(
        credit.id,
        resolved_on=RESOLVED,
        actor="a",
        customer_id=acme,
        allocations=[(invoice, eur("60.00"))],
    )

    # the payment is Acme's from the resolution; the bank's day stays on the credit
    payment = app.payment(payment_id)
    assert payment.received_on == RESOLVED
    assert app.bank_credit(credit.id).credit.booked_on == BOOKED
    book = LedgerBook(app)
    for day in between:
        assert figures(app, acme, day) == before[day], day
        held = ledger_balances(app, day)
        assert held["Assets:Bank"] == Decimal("99.00")
        assert held["Liabilities:Suspense"] == Decimal("-99.00")
        assert book.customer_credit(acme) not in held
        assert held[book.receivable(acme)] == Decimal("119.00")

    # from the resolution day: Acme's, 60.00 paying the invoice and 39.00 as credit
    summary = app.customer_summary(acme, as_of=RESOLVED)
    assert (summary.credit, summary.open) == (eur("39.00"), eur("59.00"))
    held = ledger_balances(app, RESOLVED)
    assert held["Assets:Bank"] == Decimal("99.00")  # booked once, on 2 April
    assert "Liabilities:Suspense" not in held
    assert held[book.customer_credit(acme)] == Decimal("-39.00")
    assert held[book.receivable(acme)] == Decimal("59.00")
    shown = CustomerStatement()
    catch_up(app, [shown])
    assert shown.statement(acme, as_of=RESOLVED).credit == eur("39.00")
    assert [p.received_on for p in shown.statement(acme).payments] == [RESOLVED]


def test_a_credit_booked_with_its_payment_is_the_customers_from_the_bank_day(
    tmp_path: Path,
) -> None:
    """Acme's own 30.00 fits no invoice: it waits in suspense as Acme's payment from the day
    the bank booked it; assigning it later keeps that day."""
    app = QuoteToCash.open("memory:")
    acme, invoice = acme_with_invoice(app)
    import_csv(
        app,
        tmp_path,
        "apr.csv",
        "date,amount,currency,remittance,name,reference\n"
        "2024-04-02,30.00,EUR,advance,Acme GmbH,A-1\n",
    )
    [credit] = app.bank_suspense()
    assert credit.payment_id is not None
    app.resolve_bank_credit(
        credit.id, resolved_on=RESOLVED, actor="a", allocations=[(invoice, eur("30.00"))]
    )
    [payment] = app.payments(acme)
    assert payment.received_on == BOOKED
    assert app.customer_summary(acme, as_of=date(2024, 4, 5)).credit == eur("30.00")


def test_a_resolution_dated_before_the_bank_booked_the_credit_is_refused(tmp_path: Path) -> None:
    """The money was not there to assign before the bank booked it: refused naming
    ``resolved_on`` before any payment is made, nothing recorded."""
    app = QuoteToCash.open("memory:")
    acme, _ = acme_with_invoice(app)
    import_csv(
        app,
        tmp_path,
        "apr.csv",
        "date,amount,currency,remittance,name,reference\n"
        "2024-04-02,99.00,EUR,order 5521,Initech LLC,C-9\n",
    )
    [credit] = app.bank_suspense()
    head = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.resolve_bank_credit(
            credit.id, resolved_on=date(2024, 4, 1), actor="a", customer_id=acme, allocations=[]
        )
    assert refused.value.field == "resolved_on"
    assert app.recorder.max_notification_id() == head
    assert app.payments(acme) == []


def camt_with_bank_text(amount: str = "119.00") -> bytes:
    """A camt.053 booking Acme's credit BANK-REF-1 on 2 April: the payer's purpose INV-000001
    and the bank's own text SEPA-GUTSCHRIFT (AddtlTxInf)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S</Id><CreDtTm>2024-04-02T06:00:00</CreDtTm>
<Acct><Id><IBAN>{OURS}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-04-02</Dt></BookgDt><AcctSvcrRef>E-1</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>BANK-REF-1</AcctSvcrRef></Refs>
<RltdPties><Dbtr><Nm>Acme GmbH</Nm></Dbtr><DbtrAcct><Id><IBAN>{PAYER}</IBAN></Id></DbtrAcct>
</RltdPties><RmtInf><Ustrd>INV-000001</Ustrd></RmtInf><AddtlTxInf>SEPA-GUTSCHRIFT</AddtlTxInf>
</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>""".encode()


CSV_HEADER = "date,amount,currency,remittance,name,iban,reference,account\n"


def csv_export(first: str = "2024-04-02,119.00") -> bytes:
    """The bank's CSV export of 2 and 3 April: BANK-REF-1 without the bank's text, and a new
    credit BANK-REF-2 of 50.00 on 3 April."""
    return (
        CSV_HEADER
        + f"{first},EUR,INV-000001,Acme GmbH,{PAYER},BANK-REF-1,{OURS}\n"
        + f"2024-04-03,50.00,EUR,thanks,Acme GmbH,{PAYER},BANK-REF-2,{OURS}\n"
    ).encode()


@pytest.mark.parametrize("camt_first", [True, False], ids=["camt-then-csv", "csv-then-camt"])
def test_a_csv_export_overlapping_a_camt053_skips_the_credit_the_bank_text_aside(
    tmp_path: Path, camt_first: bool
) -> None:
    """The camt.053 and the CSV export name Acme's 119.00 by the bank's reference BANK-REF-1,
    same day, amount, payer's account and purpose; only the camt.053 carries the bank's text.
    Whichever comes first, the other's row is skipped as already booked, and the CSV's new
    credit is imported: Acme has two payments, its invoice is paid once."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    files = [(camt_with_bank_text(), "apr02.xml"), (csv_export(), "apr.csv")]
    if not camt_first:
        files.reverse()
    first = bank.import_bytes(*files[0], actor="bank")
    second = bank.import_bytes(*files[1], actor="bank")
    assert second.skipped == 1
    # 119.00 pays the invoice; 50.00 fits none: Acme's credit, waiting to be allocated
    assert (first.recorded + second.recorded, first.suspended + second.suspended) == (1, 1)
    assert sorted(p.amount for p in app.payments(acme)) == [eur("50.00"), eur("119.00")]
    assert app.invoice(invoice).outstanding == eur("0.00")
    assert len(app.bank_credits()) == 2


@pytest.mark.parametrize(
    ("first", "purpose"),
    [
        ("2024-04-02,118.00", "INV-000001"),  # another amount
        ("2024-04-01,119.00", "INV-000001"),  # another day
        ("2024-04-02,119.00", "INV-000002"),  # another purpose, not the bank's text aside
    ],
)
def test_another_credit_under_the_same_reference_is_still_refused(
    tmp_path: Path, first: str, purpose: str
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _ = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt_with_bank_text(), "apr02.xml", actor="bank")
    head = app.recorder.max_notification_id()
    text = csv_export(first).decode().replace("INV-000001", purpose).encode()
    with pytest.raises(ImportRejected) as refused:
        bank.import_bytes(text, "apr.csv", actor="bank")
    assert "one reference cannot name two credits" in str(refused.value)
    assert app.recorder.max_notification_id() == head
    assert len(app.payments(acme)) == 1


def test_a_credit_from_another_payer_under_the_same_reference_is_still_refused(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt_with_bank_text(), "apr02.xml", actor="bank")
    other = csv_export().decode().replace(PAYER, "FR7630006000011234567890189").encode()
    with pytest.raises(ImportRejected):
        bank.import_bytes(other, "apr.csv", actor="bank")


def camt_30(day: str, indicator: str) -> bytes:
    """A camt.053 entry of Acme's 30.00 (bank reference T3): a credit, or its reversal."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M{day}</MsgId><CreDtTm>{day}T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S{day}</Id><CreDtTm>{day}T06:00:00</CreDtTm>
<Acct><Id><IBAN>{OURS}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">30.00</Amt>{indicator}<Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>T3</AcctSvcrRef></Refs>
<RltdPties><Dbtr><Nm>Acme GmbH</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>advance</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>""".encode()


CREDIT = "<CdtDbtInd>CRDT</CdtDbtInd>"
REVERSAL = "<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>"


def acme_advance_in_suspense(tmp_path: Path) -> tuple[QuoteToCash, UUID, UUID]:
    """Acme's 30.00 of 2 April fits no invoice: in suspense as Acme's payment."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    _, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt_30("2024-04-02", CREDIT), "a.xml", actor="bank")
    [credit] = app.bank_suspense()
    assert credit.payment_id is not None
    return app, credit.id, invoice


@pytest.mark.parametrize("allocations", [None, []], ids=["oldest-first", "as-credit"])
def test_a_suspended_credit_the_bank_took_back_cannot_be_assigned(
    tmp_path: Path, allocations: list[tuple[UUID, Money]] | None
) -> None:
    """The bank reverses Acme's 30.00 on 5 April: the payment bounces, the credit leaves the
    suspense list and is no longer suspended (returned). Assigning it on 6 April is refused
    naming its status; nothing is recorded."""
    app, credit_id, _ = acme_advance_in_suspense(tmp_path)
    BankStatementImporter(app, today=date(2024, 4, 30)).import_bytes(
        camt_30("2024-04-05", REVERSAL), "b.xml", actor="bank"
    )
    assert app.bank_suspense() == []
    credit = app.bank_credit(credit_id)
    assert credit.status is CreditStatus.RETURNED
    assert credit.resolved_on == date(2024, 4, 5)
    assert credit.payment_id is not None and app.payment(credit.payment_id).is_bounced
    # the books: in the bank as Acme's credit from 2 April, out again on 5 April by the
    # payment's bounce, never through suspense
    assert ledger_balances(app, date(2024, 4, 4))["Assets:Bank"] == Decimal("30.00")
    after = ledger_balances(app, date(2024, 4, 5))
    assert "Assets:Bank" not in after and "Liabilities:Suspense" not in after
    head = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition) as refused:
        app.resolve_bank_credit(
            credit_id, resolved_on=date(2024, 4, 6), actor="a", allocations=allocations
        )
    assert refused.value.field == "status"
    assert app.recorder.max_notification_id() == head
    assert app.bank_credit(credit_id).status is CreditStatus.RETURNED


def test_a_suspended_credit_whose_payment_bounced_otherwise_cannot_be_assigned(
    tmp_path: Path,
) -> None:
    """A credit still suspended whose payment has bounced (bounced by hand, or by a reversal
    recorded before reversals took the credit out of suspense) is refused naming its
    payment: there is no money left to assign. Nothing is recorded."""
    app, credit_id, invoice = acme_advance_in_suspense(tmp_path)
    payment_id = app.bank_credit(credit_id).payment_id
    assert payment_id is not None
    app.bounce_payment(payment_id, bounced_on=date(2024, 4, 5), reason="returned", actor="a")
    assert app.bank_suspense() == []
    head = app.recorder.max_notification_id()
    for allocations in (None, [], [(invoice, eur("30.00"))]):
        with pytest.raises(InvalidTransition) as refused:
            app.resolve_bank_credit(
                credit_id, resolved_on=date(2024, 4, 6), actor="a", allocations=allocations
            )
        assert refused.value.field == "payment_id"
    assert app.recorder.max_notification_id() == head
    assert app.bank_credit(credit_id).status is CreditStatus.SUSPENDED
