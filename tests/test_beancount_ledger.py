"""The Beancount ledger, loaded by Beancount's own loader, agrees with q2c's own numbers.

``build_books`` is a small but complete story (request invoice with a PO, maintenance invoice of a
contract period, deposit and final invoice, payments over several invoices, customer credit, a
re-billable credit note, a written-off credit note, a reversed allocation and a bounced payment).
The delivery, export and CLI tests reuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from beancount import loader
from beancount.core import data
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_adapters.accounting.beancount_ledger import (
    LedgerBook,
    customer_component,
    export_ledger,
    ledger_transactions,
)
from q2c_core import (
    ZERO_RATED,
    BillingFrequency,
    CreditDisposition,
    InvoiceKind,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    SubContract,
    SubContractKind,
    TaxRate,
    TimeEntry,
    billing_run,
)
from q2c_core.projections import ReceivablesAging, RevenueSchedule, catch_up
from q2c_core.projections.receivables import REFUNDS_OWED


@attrs.frozen
class Books:
    """Ids of the story's customers, invoices and payments."""

    acme: UUID
    globex: UUID
    request_invoice: UUID
    maintenance_invoice: UUID
    deposit_invoice: UUID
    final_invoice: UUID
    credit_note: UUID
    write_off_note: UUID
    bounced_payment: UUID
    contract: UUID


def issue(app: QuoteToCash, invoice_id: UUID, day: date) -> str:
    """Approve by both roles and issue."""
    app.approve_invoice(invoice_id, role="billing", approved_on=day, actor="bea")
    app.approve_invoice(invoice_id, role="account_manager", approved_on=day, actor="mia")
    return app.issue_invoice(invoice_id, issued_on=day, actor="bea")


def manual_line(
    line_id: str,
    amount: str,
    rate: TaxRate,
    kind: RevenueKind = RevenueKind.OTHER,
    source: LineSource | None = None,
    quantity: str = "1",
) -> InvoiceLine:
    """A line with a manual source."""
    return InvoiceLine(
        line_id=line_id,
        description=f"Item {line_id}",
        quantity=Decimal(quantity),
        unit_price=Money.of(amount, "EUR"),
        tax=rate,
        source=source or LineSource(SourceKind.MANUAL, note="agreed"),
        revenue_kind=kind,
    )


def build_books(app: QuoteToCash) -> Books:
    """Build the story through the public commands."""
    vat21, vat25 = TaxRate.standard(21), TaxRate.standard(25)
    a = "alice"
    acme = app.register_customer(
        "Acme Corp.", "EUR", account_manager="mia", actor=a, tax_rate=vat21,
        country="BE", tax_id="BE0123456749", address="Rue Haute 1, 1000 Brussels",
    )  # fmt: skip
    globex = app.register_customer(
        "Globex", "EUR", account_manager="mia", actor=a, tax_rate=vat25,
        country="NL", tax_id="NL123456789B01", address="Kade 2, 1011 Amsterdam",
    )  # fmt: skip
    r = app.open_request(acme, "Export to CSV", requested_on=date(2024, 3, 1), actor=a)
    app.estimate_request(r, hours=10, rate=Money.of("100", "EUR"), actor=a)
    app.send_quote(r, sent_on=date(2024, 3, 2), actor=a)
    app.receive_purchase_order(
        r, number="PO-77", amount=Money.of("1000", "EUR"), received_on=date(2024, 3, 3), actor=a
    )
    app.authorize_work(r, authorized_on=date(2024, 3, 4), actor=a)
    rate = Money.of("100", "EUR")
    app.log_work(r, TimeEntry("t1", "bob", date(2024, 3, 5), Decimal("4"), rate), actor="bob")
    app.log_work(r, TimeEntry("t2", "bob", date(2024, 3, 6), Decimal("5.5"), rate), actor="bob")
    app.complete_request(r, completed_on=date(2024, 3, 7), actor=a)
    request_invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 8), actor="billy")
    issue(app, request_invoice, date(2024, 3, 9))  # 950 net + 199.50 VAT = 1149.50

    contract = app.sign_contract(
        acme, number="MC-1", term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.ANNUAL, signed_on=date(2024, 1, 1), actor=a,
    )  # fmt: skip
    year = Period(date(2024, 1, 1), date(2025, 1, 1))
    maint = LineSource(SourceKind.CONTRACT_PERIOD, contract_id=contract, period=year)
    maintenance_invoice = app.draft_invoice(
        acme,
        [manual_line("L1", "1200", vat21, RevenueKind.MAINTENANCE, maint)],
        drafted_on=date(2024, 1, 2),
        actor="billy",
    )
    issue(app, maintenance_invoice, date(2024, 1, 2))  # 1200 + 252 = 1452

    deposit_invoice = app.draft_deposit_invoice(
        globex, Money.of("1000", "EUR"), description="Down payment", drafted_on=date(2024, 2, 1),
        actor="billy",
    )  # fmt: skip
    issue(app, deposit_invoice, date(2024, 2, 1))  # 1000 + 250 = 1250
    final_invoice = app.draft_invoice(
        globex,
        [
            manual_line("L1", "3000", vat25, RevenueKind.ENHANCEMENT),
            manual_line("L2", "0.10", vat25, quantity="3"),
        ],
        drafted_on=date(2024, 4, 1),
        actor="billy",
    )
    app.deduct_deposit(final_invoice, deposit_invoice, actor="billy")
    issue(app, final_invoice, date(2024, 4, 2))  # 2000.30 + 500.08 = 2500.38

    pay = app.receive_payment(
        acme, Money.of("2000", "EUR"), received_on=date(2024, 4, 1), reference="INV-1", actor=a
    )
    app.allocate_payment(pay, allocated_on=date(2024, 4, 1), actor=a)  # oldest due first
    note = app.draft_credit_note(
        request_invoice, line_ids=["L1"], disposition=CreditDisposition.REBILLABLE,
        reason="wrong rate", drafted_on=date(2024, 4, 2), actor="billy",
    )  # fmt: skip
    live = [al for al in app.payment(pay).allocations if al.invoice_id == request_invoice]
    for allocation in live:
        app.reverse_allocation(
            pay, allocation.allocation_id, reason="credit first", actor=a,
            reversed_on=date(2024, 4, 2),
        )  # fmt: skip
    issue(app, note, date(2024, 4, 3))
    write_off = app.draft_credit_note(
        maintenance_invoice, line_ids=["L1"], disposition=CreditDisposition.WRITTEN_OFF,
        reason="site closed", drafted_on=date(2024, 6, 1), actor="billy",
    )  # fmt: skip
    for allocation in app.payment(pay).live_allocations():
        if allocation.invoice_id == maintenance_invoice:
            app.reverse_allocation(
                pay, allocation.allocation_id, reason="write-off", actor=a,
                reversed_on=date(2024, 6, 1),
            )  # fmt: skip
    issue(app, write_off, date(2024, 6, 2))

    g1 = app.receive_payment(
        globex, Money.of("1250", "EUR"), received_on=date(2024, 2, 10), reference="dep", actor=a
    )
    app.allocate_payment(g1, [(deposit_invoice, Money.of("1250", "EUR"))],
                         allocated_on=date(2024, 2, 10), actor=a)  # fmt: skip
    g2 = app.receive_payment(
        globex, Money.of("3000", "EUR"), received_on=date(2024, 5, 1), reference="final", actor=a
    )
    app.allocate_payment(g2, allocated_on=date(2024, 5, 1), actor=a)  # 2500.38, 499.62 credit
    app.bounce_payment(g2, bounced_on=date(2024, 5, 3), reason="insufficient funds", actor=a)
    g3 = app.receive_payment(
        globex, Money.of("700", "EUR"), received_on=date(2024, 5, 20), reference="part", actor=a
    )
    app.allocate_payment(g3, allocated_on=date(2024, 5, 20), actor=a)
    return Books(
        acme, globex, request_invoice, maintenance_invoice, deposit_invoice, final_invoice,
        note, write_off, g2, contract,
    )  # fmt: skip


def refunds_owed_account(app: QuoteToCash, customer_id: UUID) -> str:
    """The customer's receivable of refunds owed back, next to its invoices' receivable (named
    by the name the customer was registered with, whatever it is called now)."""
    return LedgerBook(app).refunds_owed(customer_id)


def balance_assertions(app: QuoteToCash, customers: list[UUID], text: str) -> str:
    """Beancount ``balance`` directives stating q2c's own receivables and customer credit: the
    credit account holds the credit while it is positive and never a debit balance; what the
    credit is negative by (refunds owed back after a bounce) is on the refunds owed account.

    Amounts are written with four decimals: Beancount's balance tolerance is twice the precision
    of the stated amount, so "665.50 EUR" would let a one-cent difference pass.
    """
    entries, _, _ = loader.load_string(text)
    day = max(e.date for e in entries) + timedelta(days=1)
    book = LedgerBook(app)
    lines = []
    for customer_id in customers:
        summary = app.customer_summary(customer_id)
        open_total = sum((i.outstanding.amount for i in app.open_invoices(customer_id)), Decimal(0))
        assert open_total == summary.open.amount
        lines.append(f"{day} balance {book.receivable(customer_id)} {open_total:.4f} EUR")
        credit = app.customer_credit(customer_id).amount
        held = max(credit, Decimal(0))
        lines.append(f"{day} balance {book.customer_credit(customer_id)} {-held:.4f} EUR")
        owed = summary.owed_back.amount
        assert owed == max(-credit, Decimal(0))
        owed_account = refunds_owed_account(app, customer_id)
        if owed or owed_account in text:
            lines.append(f"{day} balance {owed_account} {owed:.4f} EUR")
    return "\n" + "\n".join(lines) + "\n"


def daily_credit_assertions(app: QuoteToCash, customers: list[UUID], text: str) -> str:
    """Beancount ``balance`` directives for the end of every day the ledger books something
    (balances change on no other day): each customer's credit account holds q2c's credit of
    that day while it is positive, and nothing otherwise (a liability never has a debit
    balance); its refunds owed account holds what the receivables aging counts as refunds
    owed back that day (its ``refunds owed`` row), which is what the credit is negative by.
    Before an account is opened, what it would hold is checked to be nothing."""
    entries = load_ok(text)
    opened = {e.account: e.date for e in entries if isinstance(e, data.Open)}
    days = sorted({e.date for e in entries if isinstance(e, data.Transaction)})
    aging = ReceivablesAging()
    catch_up(app, [aging])
    book = LedgerBook(app)
    lines = []
    for customer_id in customers:
        currency = app.customer(customer_id).currency
        payments = [p for p in app.payments(customer_id) if p.amount.currency == currency]
        for day in days:
            credit = sum((p.unallocated_on(day).amount for p in payments), Decimal(0))
            owed = sum(
                (
                    row.total.amount
                    for row in aging.aging(day)
                    if row.customer_id == customer_id.hex
                    and row.kind == REFUNDS_OWED
                    and row.currency == currency
                ),
                Decimal(0),
            )
            assert owed == max(-credit, Decimal(0)), (day, owed, credit)
            held = (book.customer_credit(customer_id), -max(credit, Decimal(0)))
            for account, amount in (held, (refunds_owed_account(app, customer_id), owed)):
                if account in opened and opened[account] <= day:
                    end = day + timedelta(days=1)
                    lines.append(f"{end} balance {account} {amount:.4f} {currency}")
                else:
                    assert amount == 0, (account, day, amount)
    return "\n" + "\n".join(lines) + "\n"


def load_ok(text: str) -> list[data.Directive]:
    """Load with Beancount; fail with its error messages if there are any."""
    entries, errors, _ = loader.load_string(text)
    assert errors == [], [e.message for e in errors]
    return entries


def test_ledger_loads_and_receivables_equal_open_invoices(
    app_factory: Callable[[], QuoteToCash],
) -> None:
    """On every backend: zero loader errors, and Beancount's balance checks confirm that each
    customer's receivable equals q2c's open-invoice total and credit equals unallocated money."""
    app = app_factory()
    books = build_books(app)
    text = export_ledger(app)
    load_ok(text + balance_assertions(app, [books.acme, books.globex], text))
    # the figures the assertions rest on are not trivially zero
    assert app.customer_summary(books.acme).open == Money.of("665.50", "EUR")
    assert app.customer_credit(books.acme) == Money.of("2000.00", "EUR")
    assert app.customer_summary(books.globex).open == Money.of("1800.38", "EUR")


def test_a_wrong_balance_is_an_error() -> None:
    """The balance check can fail: one cent off is reported by Beancount (at four decimals;
    at two, Beancount's tolerance of 0.01 lets it pass, which is why the assertions use four)."""
    app = QuoteToCash.open("memory:")
    books = build_books(app)
    text = export_ledger(app)
    good = balance_assertions(app, [books.acme], text)
    first = good.strip().splitlines()[0]
    amount = Decimal(first.split()[-2])
    bad = first.replace(f" {amount:.4f} EUR", f" {amount + Decimal('0.01'):.4f} EUR")
    assert bad != first
    _, errors, _ = loader.load_string(text + "\n" + bad + "\n")
    assert len(errors) == 1 and "Balance failed" in errors[0].message
    off = amount + Decimal("0.01")
    lax = bad.replace(f" {off:.4f} EUR", f" {off:.2f} EUR")
    _, errors, _ = loader.load_string(text + "\n" + lax + "\n")
    assert errors == []  # the tolerance this test guards against


def test_transactions_link_invoices_and_carry_event_customer_contract_po() -> None:
    """Invoices link by number; metadata names event, customer, contract and purchase order."""
    app = QuoteToCash.open("memory:")
    books = build_books(app)
    entries = load_ok(export_ledger(app))
    txns = [e for e in entries if isinstance(e, data.Transaction)]
    assert all("event_id" in t.meta and "customer" in t.meta for t in txns)
    number = app.invoice(books.request_invoice).number
    assert number is not None
    linked = [t for t in txns if number in t.links]
    narrations = {t.narration for t in linked}
    assert f"Invoice {number}" in narrations
    assert any(n.startswith("Credit note") for n in narrations)
    assert any(n.startswith("Payment allocated to") for n in narrations)
    # an allocation reversed is booked on the reversal's business day, not when it was recorded
    (reversal,) = [t for t in linked if t.narration.startswith("Allocation reversed on")]
    assert reversal.date == date(2024, 4, 2)
    invoice_txn = next(t for t in linked if t.narration == f"Invoice {number}")
    assert invoice_txn.meta["po"] == "PO-77"
    assert invoice_txn.meta["customer"] == "Acme Corp."
    version = app.invoice(books.request_invoice).version
    issued_ids = {t.meta["event_id"] for t in linked if t.narration == f"Invoice {number}"}
    assert len(issued_ids) == 1 and issued_ids.pop().startswith(f"{books.request_invoice}:")
    assert version >= 4
    maint_number = app.invoice(books.maintenance_invoice).number
    maint = next(t for t in txns if t.narration == f"Invoice {maint_number}")
    assert maint.meta["contract"] == "MC-1"


def _account_totals(entries: list[data.Directive]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for e in entries:
        if isinstance(e, data.Transaction):
            for p in e.postings:
                assert p.units is not None and p.units.number is not None
                totals[p.account] = totals.get(p.account, Decimal(0)) + p.units.number
    return totals


def test_revenue_by_kind_tax_deposits_maintenance_and_write_offs() -> None:
    """Revenue lands by kind; tax per category; a deposit is a liability until deducted;
    maintenance is deferred and recognised month by month; a write-off is an expense."""
    app = QuoteToCash.open("memory:")
    books = build_books(app)
    entries = load_ok(export_ledger(app))
    totals = _account_totals(entries)
    acme = customer_component(books.acme, "Acme Corp.")
    globex = customer_component(books.globex, "Globex")
    assert acme.startswith("Acme-Corp-")
    # request invoice 950, credit note reverses L1 (400): 550 enhancement; final invoice L1 3000
    assert totals["Income:Enhancement"] == Decimal("-3550.00")
    assert totals["Income:Other"] == Decimal("-0.30")
    # deposit booked as liability and released by the deduction line
    assert totals[f"Liabilities:CustomerDeposits:{globex}"] == Decimal("0.00")
    # maintenance: all of the year recognised; the written-off note is an expense, not a reversal
    assert totals["Income:Maintenance"] == Decimal("-1200.00")
    assert totals["Liabilities:DeferredRevenue:Maintenance"] == Decimal("0.00")
    assert totals["Expenses:WriteOffs:Maintenance"] == Decimal("1200.00")
    # tax: 21% on 950 - 400 + 1200 - 1200 = 550 -> 199.50 - 84 + 252 - 252 = 115.50
    assert totals["Liabilities:TaxPayable:S-21"] == Decimal("-115.50")
    # 25% on the deposit 1000 (250), final 3000 - 1000 + 0.30 = 2000.30 -> 500.08 (category once)
    assert totals["Liabilities:TaxPayable:S-25"] == Decimal("-750.08")
    months = [
        e
        for e in entries
        if isinstance(e, data.Transaction) and e.narration.startswith("Recognise maintenance")
    ]
    assert len(months) == 12
    assert months[0].date == date(2024, 1, 31)
    assert months[-1].date == date(2024, 12, 31)
    january = next(p for p in months[0].postings if p.account == "Income:Maintenance")
    assert january.units.number == Decimal("-101.64")  # 1200 * 31/366, largest remainder
    assert totals["Assets:Bank"] == Decimal("2000.00") + Decimal("1250.00") + Decimal("700.00")


def test_replay_gives_the_same_ledger(tmp_path: object) -> None:
    """Re-opening the SQLite file and replaying the log gives the ledger byte for byte."""
    url = f"sqlite:///{tmp_path}/books.db"
    app = QuoteToCash.open(url)
    build_books(app)
    first = export_ledger(app)
    app.close()
    again = QuoteToCash.open(url)
    assert export_ledger(again) == first
    assert len(ledger_transactions(again)) > 20
    again.close()


def test_rebillable_credit_of_maintenance_reverses_deferred_and_recognised_revenue() -> None:
    """Crediting a maintenance line mid-year reverses the months already recognised on the
    credit note's date and the later months as they come: by the end nothing is left."""
    app = QuoteToCash.open("memory:")
    vat = TaxRate.standard(21)
    c = app.register_customer("Maint", "EUR", account_manager="mia", actor="a", tax_rate=vat)
    year = Period(date(2024, 1, 1), date(2025, 1, 1))
    line = manual_line(
        "L1",
        "1000",
        vat,
        RevenueKind.MAINTENANCE,
        LineSource(SourceKind.CONTRACT_PERIOD, period=year),
    )
    inv = app.draft_invoice(c, [line], drafted_on=date(2024, 1, 1), actor="b")
    issue(app, inv, date(2024, 1, 1))
    note = app.draft_credit_note(
        inv, line_ids=["L1"], disposition=CreditDisposition.REBILLABLE, reason="cancelled",
        drafted_on=date(2024, 4, 15), actor="b",
    )  # fmt: skip
    issue(app, note, date(2024, 4, 15))
    entries = load_ok(export_ledger(app))
    totals = _account_totals(entries)
    assert totals["Income:Maintenance"] == Decimal("0.00")
    assert totals["Liabilities:DeferredRevenue:Maintenance"] == Decimal("0.00")
    reversals = [
        e for e in entries
        if isinstance(e, data.Transaction) and e.narration.startswith("Reverse recognised")
    ]  # fmt: skip
    assert len(reversals) == 12
    assert [r.date for r in reversals[:3]] == [date(2024, 4, 15)] * 3  # Jan-Mar caught up
    assert reversals[3].date == date(2024, 4, 30)
    recognised_by_april = sum(
        (
            p.units.number
            for e in entries
            if isinstance(e, data.Transaction)
            and e.narration.startswith("Recognise")
            and e.date < date(2024, 4, 15)
            for p in e.postings
            if p.account == "Income:Maintenance"
        ),
        Decimal(0),
    )
    assert recognised_by_april == Decimal("-248.63")  # Jan-Mar: 84.70 + 79.23 + 84.70


def test_maintenance_billed_in_arrears_is_recognised_on_the_issue_date() -> None:
    """A quarter billed after it ended is earned already: its three months are recognised on
    the invoice's issue date, never before the receivable exists."""
    app = QuoteToCash.open("memory:")
    vat = TaxRate.standard(21)
    c = app.register_customer("Late", "EUR", account_manager="mia", actor="a", tax_rate=vat)
    quarter = Period(date(2023, 10, 1), date(2024, 1, 1))
    source = LineSource(SourceKind.CONTRACT_PERIOD, period=quarter)
    inv = app.draft_invoice(
        c, [manual_line("L1", "300", vat, RevenueKind.MAINTENANCE, source)],
        drafted_on=date(2024, 1, 5), actor="b",
    )  # fmt: skip
    issue(app, inv, date(2024, 1, 5))
    entries = load_ok(export_ledger(app))
    months = [
        e for e in entries
        if isinstance(e, data.Transaction) and e.narration.startswith("Recognise maintenance")
    ]  # fmt: skip
    assert [m.date for m in months] == [date(2024, 1, 5)] * 3
    assert _account_totals(entries)["Income:Maintenance"] == Decimal("-300.00")


@settings(max_examples=25, deadline=None)
@given(
    amounts=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
        min_size=1,
        max_size=4,
    ),
    paid=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9000"), places=2),
    rate=st.sampled_from(["0", "6", "21", "25"]),
    then=st.sampled_from(["nothing", "reverse", "bounce", "credit"]),
    disposition=st.sampled_from([CreditDisposition.REBILLABLE, CreditDisposition.WRITTEN_OFF]),
    refunded=st.integers(0, 4),
    again=st.none()
    | st.tuples(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9000"), places=2),
        st.sampled_from([date(2024, 2, 4), date(2024, 2, 8)]),
        st.booleans(),
    ),
)
def test_receivables_match_for_random_invoices_and_payments(
    amounts: list[Decimal],
    paid: Decimal,
    rate: str,
    then: str,
    disposition: CreditDisposition,
    refunded: int,
    again: tuple[Decimal, date, bool] | None,
) -> None:
    """Whatever invoices are issued, however a payment is spread over them, whether part or
    all of the credit left is refunded, whether an allocation is then reversed, the payment
    bounces or an invoice is credited (re-billable or written off), and whether the customer
    then pays again (received on the 4th, dated before a bounce recorded earlier, or on the
    8th; allocated on the 8th or left as credit), the ledger receivable equals q2c's open
    total. On every day, the ledger credit is q2c's customer credit while it is positive and
    never a debit balance, and what the credit is negative by (the customer owes a refund
    back) is on the refunds owed receivable, as the receivables aging counts it."""
    app = QuoteToCash.open("memory:")
    tax = TaxRate.standard(rate)
    billed = tax if tax.rate else ZERO_RATED  # (a customer's standard rate is above 0 %)
    c = app.register_customer("Rand", "EUR", account_manager="mia", actor="a", tax_rate=billed)
    for n, amount in enumerate(amounts):
        inv = app.draft_invoice(
            c, [manual_line("L1", str(amount), tax)], drafted_on=date(2024, 1, 1 + n), actor="b"
        )
        issue(app, inv, date(2024, 1, 1 + n))
    p = app.receive_payment(
        c, Money.of(paid, "EUR"), received_on=date(2024, 2, 1), reference="r", actor="a"
    )
    app.allocate_payment(p, allocated_on=date(2024, 2, 1), actor="a")
    part = (app.customer_credit(c) * (Decimal(refunded) / 4)).rounded()
    if part.is_positive():
        app.refund_customer_credit(
            c, part, refunded_on=date(2024, 2, 3), reference="out", actor="a"
        )
    payment = app.payment(p)
    if then == "reverse" and payment.allocations:
        first = payment.allocations[0]
        app.reverse_allocation(p, first.allocation_id, reason="mistake", actor="a")
    elif then == "bounce":
        app.bounce_payment(p, bounced_on=date(2024, 2, 5), reason="returned", actor="a")
    elif then == "credit":
        target = app.invoices(c)[0]
        for a in app.payment(p).live_allocations():
            if a.invoice_id == target.id:
                app.reverse_allocation(
                    p, a.allocation_id, reason="credit", actor="a", reversed_on=date(2024, 2, 6)
                )
        note = app.draft_credit_note(
            target.id, line_ids=["L1"], disposition=disposition, reason="r",
            drafted_on=date(2024, 2, 6), actor="b",
        )  # fmt: skip
        issue(app, note, date(2024, 2, 6))
    if again is not None:
        amount, received_on, allocate = again
        p2 = app.receive_payment(
            c, Money.of(amount, "EUR"), received_on=received_on, reference="again", actor="a"
        )
        if allocate:
            app.allocate_payment(p2, allocated_on=date(2024, 2, 8), actor="a")
    text = export_ledger(app)
    load_ok(text + balance_assertions(app, [c], text) + daily_credit_assertions(app, [c], text))


def _run_correction_ledger(monkeypatch: pytest.MonkeyPatch | None) -> tuple[dict[str, Any], Any]:
    """A quarter at 1,200 a year billed by the run (300.00), the contract ended on 1 February:
    the run's credit note gives back February and March (197.80). Returns the ledger's account
    totals and the revenue schedule. With ``monkeypatch``, the run records its credit note as
    WRITTEN_OFF, as q2c did before CORRECTED existed (an older history)."""
    if monkeypatch is not None:
        monkeypatch.setattr(billing_run, "_RUN_CREDIT_DISPOSITION", CreditDisposition.WRITTEN_OFF)
    app = QuoteToCash.open("memory:")
    c = app.register_customer("Quarterly", "EUR", account_manager="mia", actor="a")
    q1 = Period(date(2024, 1, 1), date(2024, 4, 1))
    cid = app.sign_contract(
        c, number="MC-Q", term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.QUARTERLY, signed_on=date(2024, 1, 1), actor="a",
        sub_contracts=[SubContract("S1", "Support", SubContractKind.SERVICE, date(2024, 1, 1),
                                   [PricePoint(date(2024, 1, 1), Money.of(1200, "EUR"))])],
    )  # fmt: skip
    app.activate_contract(cid, effective=date(2024, 1, 1), actor="a")
    [inv] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, inv, date(2024, 1, 2))
    app.terminate_contract(
        cid, effective=date(2024, 2, 1), reason="left", actor="a", noticed_on=date(2024, 2, 1)
    )
    [note] = app.run_billing(date(2024, 2, 5), actor="run").documents
    assert note.kind is InvoiceKind.CREDIT_NOTE and note.net == Money.of("197.80", "EUR")
    expected = CreditDisposition.WRITTEN_OFF if monkeypatch else CreditDisposition.CORRECTED
    assert app.invoice(note.invoice_id).credit_disposition is expected
    issue(app, note.invoice_id, date(2024, 2, 5))
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    totals = _account_totals(load_ok(export_ledger(app)))
    assert q1.days == 91
    return totals, schedule


@pytest.mark.parametrize("older_history", [False, True])
def test_a_billing_run_correction_reverses_revenue_and_is_no_write_off(
    older_history: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The days after the contract ended were never served: their revenue is reversed (the
    ledger's maintenance income equals the revenue schedule's 102.20), no write-off expense is
    booked, and deferred revenue ends at zero. A history recorded before the run marked its
    notes CORRECTED (they read WRITTEN_OFF) books the same."""
    totals, schedule = _run_correction_ledger(monkeypatch if older_history else None)
    assert not any(account.startswith("Expenses:WriteOffs") for account in totals)
    assert totals["Income:Maintenance"] == Decimal("-102.20")
    assert totals["Liabilities:DeferredRevenue:Maintenance"] == Decimal("0.00")
    assert schedule.recognised(date(2024, 12, 31)) == {"EUR": Money.of("102.20", "EUR")}
