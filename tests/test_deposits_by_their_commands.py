"""A deposit is money on account: drafted by ``draft_deposit_invoice``, deducted on a final
invoice by ``deduct_deposit``, or credited. Lines typed by hand that pose as a deposit or as its
deduction are refused, nothing recorded; invoices recorded with them before the rules still
load, and can be voided (or credited) instead of being stuck."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import attrs
import pytest

from q2c_core import (
    CreditDisposition,
    CurrencyMismatch,
    InvalidValue,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    Money,
    NotFound,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    SourceKind,
    TaxRate,
)

A = "alice"
D = date(2024, 3, 8)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def customer(app: QuoteToCash, name: str = "Acme") -> UUID:
    return app.register_customer(
        name, "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )


def approve(app: QuoteToCash, invoice: UUID) -> None:
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="mia")


def issue(app: QuoteToCash, invoice: UUID) -> str:
    approve(app, invoice)
    return app.issue_invoice(invoice, issued_on=D, actor="bea")


def work(line_id: str, price: str) -> InvoiceLine:
    return InvoiceLine(
        line_id=line_id,
        description=f"work {line_id}",
        quantity=Decimal(1),
        unit_price=eur(price),
        tax=TaxRate.standard(21),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
        revenue_kind=RevenueKind.OTHER,
    )


def deduction(line_id: str, deposit: UUID, net: str = "300") -> InvoiceLine:
    """A deposit deduction as Billy would type it: 300.00 off, naming the deposit's line."""
    return InvoiceLine(
        line_id=line_id,
        description="Less deposit",
        quantity=Decimal(-1),
        unit_price=eur(net),
        tax=TaxRate.standard(21),
        source=LineSource(SourceKind.DEPOSIT_DEDUCTION, invoice_id=deposit, line_id="L1"),
        revenue_kind=RevenueKind.DEPOSIT,
        price_reason="deposit deducted",
    )


def issued_deposit(app: QuoteToCash, cust: UUID) -> UUID:
    deposit = app.draft_deposit_invoice(
        cust, eur(300), description="Deposit", drafted_on=D, actor="billy"
    )
    issue(app, deposit)
    return deposit


def recorded_before_the_rule(app: QuoteToCash, invoice: UUID, lines: list[InvoiceLine]) -> None:
    """Add lines to a draft as an older q2c recorded them, bypassing today's commands."""
    draft = app.invoice(invoice)
    draft.add_lines(lines, A)
    app.save(draft)


# -- a deposit is deducted by deduct_deposit only ---------------------------------------------


def test_a_deposit_deduction_typed_by_hand_is_refused(app: QuoteToCash) -> None:
    """Acme's 300.00 deposit is issued. Billy types its deduction on the final invoice by hand:
    nothing would mark the deposit deducted, so it could be deducted again on the next final
    invoice, or credited and refunded too. The draft is refused naming the line's source kind
    and saying to use deduct_deposit; nothing is recorded, and the deposit is deducted once,
    the way it is meant to be."""
    acme = customer(app)
    deposit = issued_deposit(app, acme)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue, match="deduct_deposit") as refused:
        app.draft_invoice(
            acme, [work("L1", "1000"), deduction("L2", deposit)], drafted_on=D, actor="billy"
        )
    assert refused.value.field == "lines.L2.source.kind"
    assert app.recorder.max_notification_id() == before
    assert app.invoice(deposit).deducted_by is None
    final = app.draft_invoice(acme, [work("L1", "1000")], drafted_on=D, actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    issue(app, final)
    assert app.invoice(final).total == eur("847.00")  # 1,210.00 less the 363.00 deposit
    assert app.invoice(deposit).deducted_by == final


def test_a_draft_recorded_with_a_deduction_of_no_invoice_is_voided_not_stuck(
    app: QuoteToCash,
) -> None:
    """A draft an older q2c recorded deducts 300.00 of an invoice that does not exist. Issuing
    it is refused, naming the line, nothing recorded (it was a NotFound of the missing invoice
    on every try); voiding it works, so the draft no longer sits there for good."""
    acme = customer(app)
    final = app.draft_invoice(acme, [work("L1", "1000")], drafted_on=D, actor="billy")
    recorded_before_the_rule(app, final, [deduction("L2", uuid4())])
    approve(app, final)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated, match="void") as refused:
        app.issue_invoice(final, issued_on=D, actor="bea")
    assert refused.value.field == "lines.L2.source.invoice_id"
    assert app.recorder.max_notification_id() == before
    assert app.invoice(final).number is None
    app.void_invoice(
        final, reason="deduction of no deposit", actor="billy", voided_on=date(2024, 3, 8)
    )
    assert app.invoice(final).status is InvoiceStatus.VOIDED


def test_a_draft_recorded_with_a_hand_made_deduction_is_not_issued(app: QuoteToCash) -> None:
    """A draft an older q2c recorded deducts Acme's issued deposit by a line typed by hand:
    the deposit was never marked deducted. Issuing it is refused (the deposit could be
    deducted again elsewhere, or credited as well); voiding it leaves the deposit as it was,
    and deduct_deposit then deducts it on a new final invoice."""
    acme = customer(app)
    deposit = issued_deposit(app, acme)
    final = app.draft_invoice(acme, [work("L1", "1000")], drafted_on=D, actor="billy")
    recorded_before_the_rule(app, final, [deduction("L2", deposit)])
    approve(app, final)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated, match="deduct_deposit") as refused:
        app.issue_invoice(final, issued_on=D, actor="bea")
    assert refused.value.field == "lines.L2.source.invoice_id"
    assert app.recorder.max_notification_id() == before
    app.void_invoice(
        final, reason="deduction typed by hand", actor="billy", voided_on=date(2024, 3, 8)
    )
    assert app.invoice(final).status is InvoiceStatus.VOIDED
    assert app.invoice(deposit).deducted_by is None
    again = app.draft_invoice(acme, [work("L1", "1000")], drafted_on=D, actor="billy")
    app.deduct_deposit(again, deposit, actor="billy")
    issue(app, again)
    assert app.invoice(again).total == eur("847.00")


def test_a_deposit_credited_in_full_can_be_refunded_when_nothing_deducted_it(
    app: QuoteToCash,
) -> None:
    """The project is cancelled: Acme's paid deposit is credited, written off, and its 363.00
    stays with Acme as credit to refund (a hand-made deduction no longer hides it)."""
    acme = customer(app)
    deposit = issued_deposit(app, acme)
    paid = app.receive_payment(acme, eur(363), received_on=D, reference="DEP", actor=A)
    app.allocate_payment(paid, allocated_on=D, actor=A)
    note = app.draft_credit_note(
        deposit,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="project cancelled",
        drafted_on=D,
        actor="billy",
    )
    issue(app, note)
    assert app.customer_summary(acme).credit == eur("363.00")


# -- a deposit invoice holds deposit lines, and only it does ----------------------------------


def deposit_line(line_id: str, net: str) -> InvoiceLine:
    return InvoiceLine(
        line_id=line_id,
        description="Deposit for the export",
        quantity=Decimal(1),
        unit_price=eur(net),
        tax=TaxRate.standard(21),
        source=LineSource(SourceKind.DEPOSIT),
        revenue_kind=RevenueKind.DEPOSIT,
    )


def test_a_deposit_invoice_of_ordinary_work_is_refused(app: QuoteToCash) -> None:
    """Billy drafts a deposit invoice whose line is ordinary work (300.00, revenue OTHER). Once
    issued it was earned as revenue, and deducting it on the final invoice took it off as a
    deposit: the work earned twice, and the books' customer deposits account negative. It is
    refused naming the line's revenue kind; nothing is recorded."""
    acme = customer(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue, match="deposit") as refused:
        app.draft_invoice(
            acme,
            [deposit_line("L1", "200"), work("L2", "300")],
            drafted_on=D,
            actor="billy",
            kind=InvoiceKind.DEPOSIT,
        )
    assert refused.value.field == "lines.L2.revenue_kind"
    assert app.recorder.max_notification_id() == before


def test_a_deposit_line_on_a_standard_invoice_is_refused(app: QuoteToCash) -> None:
    """A 50.00 deposit line on Acme's standard invoice would never be deducted (only a deposit
    invoice is): refused naming the line's revenue kind, nothing recorded."""
    acme = customer(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue, match="draft_deposit_invoice") as refused:
        app.draft_invoice(
            acme, [work("E", "100"), deposit_line("D", "50")], drafted_on=D, actor="billy"
        )
    assert refused.value.field == "lines.D.revenue_kind"
    assert app.recorder.max_notification_id() == before


def test_a_deposit_invoice_drafted_by_hand_is_deducted_then_credited_with_its_final(
    app: QuoteToCash,
) -> None:
    """A deposit invoice of deposit lines alone, drafted by hand, is issued and deducted on
    the final invoice; crediting the deduction holds the deposit again, and it is then
    credited itself (a credit note of the deposit's deposit lines)."""
    acme = customer(app)
    deposit = app.draft_invoice(
        acme, [deposit_line("L1", "300")], drafted_on=D, actor="billy", kind=InvoiceKind.DEPOSIT
    )
    issue(app, deposit)
    final = app.draft_invoice(acme, [work("L1", "1000")], drafted_on=D, actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    issue(app, final)
    assert app.invoice(final).total == eur("847.00")
    back = app.draft_credit_note(
        final,
        line_ids=["L2"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="deposit refunded instead",
        drafted_on=D,
        actor="billy",
    )
    issue(app, back)
    assert app.invoice(deposit).deducted_by is None
    note = app.draft_credit_note(
        deposit,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="deposit refunded",
        drafted_on=D,
        actor="billy",
    )
    issue(app, note)
    assert app.invoice(note).total == eur("363.00")
    assert app.invoice(deposit).outstanding == eur("0.00")


# -- a deposit names a request of its customer, or none ---------------------------------------


def request(app: QuoteToCash, cust: UUID, rate: Money | None = None) -> UUID:
    """An estimated request of the customer (10 hours at 100.00 EUR, or at ``rate``)."""
    opened = app.open_request(cust, "Export", requested_on=D, actor=A)
    app.estimate_request(opened, hours=10, rate=rate or eur(100), actor=A)
    return opened


def test_a_deposit_naming_a_request_not_the_customer_s_is_refused(app: QuoteToCash) -> None:
    """Billy drafts Acme's 300.00 deposit for a request: one of Bolt's, an id typed wrong, or
    Acme's request estimated in dollars. Each is refused naming request_id, nothing recorded
    (the credit note of such a deposit could never be issued, the money never given back);
    Acme's own request in euros is taken."""
    acme = customer(app)
    bolt = customer(app, "Bolt")
    others = request(app, bolt)
    dollars = request(app, acme, Money.of(100, "USD"))
    before = app.recorder.max_notification_id()
    for request_id, refusal in (
        (others, RuleViolated),
        (uuid4(), NotFound),
        (dollars, CurrencyMismatch),
    ):
        with pytest.raises(refusal) as refused:
            app.draft_deposit_invoice(
                acme,
                eur(300),
                description="Deposit",
                drafted_on=D,
                actor="billy",
                request_id=request_id,
            )
        assert refused.value.field == "request_id"
    assert app.recorder.max_notification_id() == before
    own = request(app, acme)
    deposit = app.draft_deposit_invoice(
        acme, eur(300), description="Deposit", drafted_on=D, actor="billy", request_id=own
    )
    [line] = app.invoice(deposit).lines
    assert line.source is not None and line.source.request_id == own


def test_a_deposit_line_drafted_by_hand_naming_no_request_is_refused(app: QuoteToCash) -> None:
    """A deposit invoice drafted by hand whose line names a request that does not exist is
    refused as draft_deposit_invoice refuses it (naming the line's request), nothing recorded."""
    acme = customer(app)
    line = attrs.evolve(
        deposit_line("L1", "300"), source=LineSource(SourceKind.DEPOSIT, request_id=uuid4())
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(NotFound) as refused:
        app.draft_invoice(acme, [line], drafted_on=D, actor="billy", kind=InvoiceKind.DEPOSIT)
    assert refused.value.field == "lines.L1.source.request_id"
    assert app.recorder.max_notification_id() == before


def deposit_recorded_naming_no_request(app: QuoteToCash, cust: UUID) -> UUID:
    """A 300.00 deposit an older q2c recorded, naming a request id that names nothing."""
    line = attrs.evolve(
        deposit_line("L1", "300"), source=LineSource(SourceKind.DEPOSIT, request_id=uuid4())
    )
    acme = app.customer(cust)
    deposit = Invoice(
        customer_id=cust,
        kind=InvoiceKind.DEPOSIT,
        currency="EUR",
        lines=[line],
        drafted_on=D,
        actor="billy",
        approval_policy=app.approval_policy,
        payment_terms_days=14,
        account_manager="mia",
    )
    acme.add_invoice(deposit.id, "billy")
    app.save(deposit, acme)
    return deposit.id


def test_a_deposit_recorded_naming_no_request_is_credited_and_refunded(app: QuoteToCash) -> None:
    """Acme paid a 300.00 deposit an older q2c recorded naming a request that does not exist;
    the project is cancelled. Its credit note issues (a deposit bills no work, so no request is
    read), and the 363.00 is Acme's credit, to refund."""
    acme = customer(app)
    deposit = deposit_recorded_naming_no_request(app, acme)
    issue(app, deposit)
    paid = app.receive_payment(acme, eur(363), received_on=D, reference="DEP", actor=A)
    app.allocate_payment(paid, allocated_on=D, actor=A)
    note = app.draft_credit_note(
        deposit,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="project cancelled",
        drafted_on=D,
        actor="billy",
    )
    assert issue(app, note) == "CN-000001"
    assert app.customer_summary(acme).credit == eur("363.00")


def test_a_deposit_draft_recorded_naming_no_request_is_voided(app: QuoteToCash) -> None:
    """A deposit draft an older q2c recorded naming a request that does not exist is voided."""
    acme = customer(app)
    deposit = deposit_recorded_naming_no_request(app, acme)
    app.void_invoice(deposit, reason="drafted in error", actor="billy", voided_on=date(2024, 3, 8))
    assert app.invoice(deposit).status is InvoiceStatus.VOIDED
