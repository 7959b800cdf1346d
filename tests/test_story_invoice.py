"""The story of an invoice: drafted from its sources, approved by role with line checks, issued
with a gapless number, due by the payment terms, deposits deducted, credited or voided."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core import (
    ApprovalPolicy,
    ApprovalRefused,
    CreditDisposition,
    DuplicateEntry,
    InvalidTransition,
    InvoiceKind,
    InvoiceLine,
    InvoiceLinesRejected,
    InvoiceStatus,
    LineSource,
    Money,
    OverAllocation,
    QuoteToCash,
    RequestStatus,
    RuleViolated,
    SourceKind,
    TaxRate,
    TimeEntry,
)

A = "alice"
D = date(2024, 3, 8)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def customer(app: QuoteToCash, terms: int = 14) -> UUID:
    return app.register_customer(
        "Acme",
        "EUR",
        account_manager="mia",
        actor=A,
        payment_terms_days=terms,
        tax_rate=TaxRate.standard(21),
    )


def worked_request(app: QuoteToCash, cust: UUID, hours: tuple[str, ...] = ("4", "5.5")) -> UUID:
    request = app.open_request(cust, "Export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, hours=10, rate=eur(100), actor=A)
    app.send_quote(request, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        request, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    for n, h in enumerate(hours, start=1):
        app.log_work(
            request,
            TimeEntry(f"t{n}", "bob", date(2024, 3, 4 + n), Decimal(h), eur(100)),
            actor="bob",
        )
    app.complete_request(request, completed_on=date(2024, 3, 7), actor=A)
    return request


def approve(app: QuoteToCash, invoice: UUID) -> None:
    """Both roles sign off, on the day the invoice was drafted."""
    on = app.invoice(invoice).drafted_on
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")


def credit(app: QuoteToCash, invoice: UUID, line_ids: list[str], on: date, reason: str) -> None:
    """Credit these lines of an issued invoice (written off), approved and issued on ``on``."""
    note = app.draft_credit_note(
        invoice,
        line_ids=line_ids,
        disposition=CreditDisposition.WRITTEN_OFF,
        reason=reason,
        drafted_on=on,
        actor="billy",
    )
    approve(app, note)
    app.issue_invoice(note, issued_on=on, actor="bea")


def manual(line_id: str, price: str, **kw: object) -> InvoiceLine:
    return InvoiceLine(
        line_id=line_id,
        description=f"item {line_id}",
        quantity=Decimal(1),
        unit_price=eur(price),
        tax=TaxRate.standard(21),
        source=kw.pop("source", LineSource(SourceKind.MANUAL, note="agreed")),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def test_approved_by_roles_issued_with_number_and_due_date(app: QuoteToCash) -> None:
    cust = customer(app, terms=14)
    request = worked_request(app, cust)
    invoice = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    inv = app.invoice(invoice)
    assert inv.status is InvoiceStatus.DRAFT
    assert inv.net == eur("950.00") and inv.tax == eur("199.50") and inv.total == eur("1149.50")
    with pytest.raises(InvalidTransition):
        app.issue_invoice(invoice, issued_on=D, actor="bea")
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
    assert app.invoice(invoice).status is InvoiceStatus.DRAFT
    app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="mia")
    assert app.invoice(invoice).status is InvoiceStatus.APPROVED
    number = app.issue_invoice(invoice, issued_on=date(2024, 3, 9), actor="bea")
    inv = app.invoice(invoice)
    assert number == inv.number == "INV-000001"
    assert inv.status is InvoiceStatus.ISSUED
    assert inv.due_date == date(2024, 3, 23)
    assert inv.outstanding == eur("1149.50")
    assert not inv.is_past_due(date(2024, 3, 23))
    assert inv.is_past_due(date(2024, 3, 24))
    assert app.notice_past_due(date(2024, 3, 24), actor="dunning") == [invoice]
    assert app.invoice(invoice).past_due_noticed_on == date(2024, 3, 24)
    assert app.notice_past_due(date(2024, 3, 25), actor="dunning") == []
    assert app.customer_summary(cust, date(2024, 3, 24)).past_due == eur("1149.50")


def test_one_person_one_role_and_drafter_not_sole_approver(app: QuoteToCash) -> None:
    cust = customer(app)
    invoice = app.draft_invoice(cust, [manual("L1", "10")], drafted_on=D, actor="billy")
    before = app.recorder.max_notification_id()
    with pytest.raises(ApprovalRefused) as refused:
        app.approve_invoice(invoice, role="auditor", approved_on=D, actor="bea")
    assert refused.value.field == "role" and refused.value.aggregate_id == invoice
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="billy")
    before = app.recorder.max_notification_id()
    with pytest.raises(ApprovalRefused) as refused:
        app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="billy")
    assert refused.value.field == "actor"
    with pytest.raises(ApprovalRefused):
        app.approve_invoice(invoice, role="billing", approved_on=D, actor="mia")
    assert app.recorder.max_notification_id() == before
    app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="mia")
    assert app.invoice(invoice).approved_roles() == ["billing", "account_manager"]


def test_single_role_policy_refuses_the_drafter() -> None:
    app = QuoteToCash.open("memory:", approval_policy=ApprovalPolicy(("billing",)))
    cust = customer(app)
    invoice = app.draft_invoice(cust, [manual("L1", "10")], drafted_on=D, actor="billy")
    with pytest.raises(ApprovalRefused) as refused:
        app.approve_invoice(invoice, role="billing", approved_on=D, actor="billy")
    assert "drafted" in refused.value.rule
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
    assert app.invoice(invoice).status is InvoiceStatus.APPROVED


def test_approval_checks_the_lines(app: QuoteToCash) -> None:
    cust = customer(app)
    request = worked_request(app, cust)
    no_source = manual("L1", "10", source=None)
    zero_price = manual("L2", "0")
    too_many_hours = InvoiceLine(
        "L3",
        "hours",
        Decimal(9),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=request, time_entry_ids=("t1",), hours=Decimal(9)),
    )
    never_logged = InvoiceLine(
        "L4",
        "hours",
        Decimal(1),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=request, time_entry_ids=("nope",), hours=1),
    )
    for bad, words in [
        (no_source, "no source"),
        (zero_price, "zero or negative amount without a reason"),
        (too_many_hours, "invoices 9 hours but only 4 were logged"),
    ]:
        invoice = app.draft_invoice(cust, [bad], drafted_on=D, actor="billy")
        before = app.recorder.max_notification_id()
        with pytest.raises(InvoiceLinesRejected) as refused:
            app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
        assert words in str(refused.value)
        assert refused.value.field == "lines" and refused.value.aggregate_id == invoice
        assert app.recorder.max_notification_id() == before
    # a line billing a time entry that was never logged is refused as soon as it is drafted
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.draft_invoice(cust, [never_logged], drafted_on=D, actor="billy")
    assert refused.value.value == "nope"
    assert app.recorder.max_notification_id() == before
    # a zero price with a reason is fine
    ok = app.draft_invoice(
        cust, [manual("L1", "0", price_reason="goodwill")], drafted_on=D, actor="billy"
    )
    app.approve_invoice(ok, role="billing", approved_on=D, actor="bea")


def test_gapless_numbers_per_series(app: QuoteToCash) -> None:
    cust = customer(app)
    numbers = []
    for n in range(3):
        invoice = app.draft_invoice(cust, [manual("L1", f"{n + 1}0")], drafted_on=D, actor="billy")
        approve(app, invoice)
        numbers.append(app.issue_invoice(invoice, issued_on=D, actor="bea"))
    assert numbers == ["INV-000001", "INV-000002", "INV-000003"]
    first = app.invoices(cust)[0].id
    note = app.draft_credit_note(
        first,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="goodwill",
        drafted_on=D,
        actor="billy",
    )
    approve(app, note)
    assert app.issue_invoice(note, issued_on=D, actor="bea") == "CN-000001"
    other = app.draft_invoice(cust, [manual("L1", "5")], drafted_on=D, actor="billy")
    approve(app, other)
    app.open_number_series("EXP", prefix="EXP-", actor="bea")
    assert app.issue_invoice(other, issued_on=D, actor="bea", series="EXP") == "EXP-000001"
    fourth = app.draft_invoice(cust, [manual("L1", "5")], drafted_on=D, actor="billy")
    approve(app, fourth)
    assert app.issue_invoice(fourth, issued_on=D, actor="bea") == "INV-000004"


def test_deposit_is_deducted_on_the_final_invoice(app: QuoteToCash) -> None:
    cust = customer(app)
    request = worked_request(app, cust)
    deposit = app.draft_deposit_invoice(
        cust, eur(300), description="Deposit 30 %", drafted_on=D, actor="billy", request_id=request
    )
    approve(app, deposit)
    app.issue_invoice(deposit, issued_on=D, actor="bea")
    assert app.invoice(deposit).kind is InvoiceKind.DEPOSIT
    assert app.invoice(deposit).total == eur("363.00")
    final = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    inv = app.invoice(final)
    assert inv.net == eur("650.00")
    assert inv.total == eur("786.50")  # 1149.50 - 363.00
    assert app.invoice(deposit).deducted_by == final
    deduction = inv.lines[-1]
    assert deduction.source is not None and deduction.source.kind is SourceKind.DEPOSIT_DEDUCTION
    # deducted only once
    other = app.draft_invoice(cust, [manual("L1", "1000")], drafted_on=D, actor="billy")
    before = app.recorder.max_notification_id()
    with pytest.raises(Exception) as refused:
        app.deduct_deposit(other, deposit, actor="billy")
    assert refused.value.aggregate_id == deposit  # type: ignore[attr-defined]
    assert app.recorder.max_notification_id() == before
    approve(app, final)
    app.issue_invoice(final, issued_on=D, actor="bea")
    assert app.invoice(final).outstanding == eur("786.50")


def test_voiding_the_final_invoice_releases_the_deposit_and_the_work(app: QuoteToCash) -> None:
    cust = customer(app)
    request = worked_request(app, cust)
    deposit = app.draft_deposit_invoice(
        cust, eur(300), description="Deposit", drafted_on=D, actor="b"
    )
    approve(app, deposit)
    app.issue_invoice(deposit, issued_on=D, actor="bea")
    final = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    app.void_invoice(final, reason="wrong rate", actor="billy", voided_on=date(2024, 3, 8))
    assert app.invoice(final).status is InvoiceStatus.VOIDED
    assert app.invoice(deposit).deducted_by is None
    r = app.request(request)
    assert r.status is RequestStatus.COMPLETED and r.billed == {}
    assert app.unbilled_work(request) == eur(950)
    # an issued invoice is never voided
    again = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    approve(app, again)
    app.issue_invoice(again, issued_on=D, actor="bea")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition):
        app.void_invoice(again, reason="oops", actor="billy", voided_on=D)
    assert app.recorder.max_notification_id() == before


def test_credit_note_names_lines_and_entries_rebillable(app: QuoteToCash) -> None:
    cust = customer(app)
    request = worked_request(app, cust)
    invoice = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    note = app.draft_credit_note(
        invoice,
        line_ids=["L2"],
        disposition=CreditDisposition.REBILLABLE,
        reason="billed at the wrong rate",
        drafted_on=D,
        actor="billy",
    )
    cn = app.invoice(note)
    (line,) = cn.lines
    assert line.source is not None
    assert (line.source.kind, line.source.line_id, line.source.time_entry_ids) == (
        SourceKind.CREDIT,
        "L2",
        ("t2",),
    )
    assert cn.credit_disposition is CreditDisposition.REBILLABLE
    approve(app, note)
    app.issue_invoice(note, issued_on=D, actor="bea")
    inv = app.invoice(invoice)
    assert inv.credited == eur("665.50")  # 550 + 21 %
    assert inv.outstanding == eur("484.00")
    assert inv.credited_line_ids() == {"L2": note}
    r = app.request(request)
    assert "t2" not in r.billed and r.status is RequestStatus.COMPLETED
    assert app.unbilled_work(request) == eur(550)
    # the same line cannot be credited twice
    before = app.recorder.max_notification_id()
    with pytest.raises(Exception) as refused:
        app.draft_credit_note(
            invoice,
            line_ids=["L2"],
            disposition=CreditDisposition.REBILLABLE,
            reason="again",
            drafted_on=D,
            actor="billy",
        )
    assert refused.value.field == "line_ids"  # type: ignore[attr-defined]
    assert app.recorder.max_notification_id() == before
    # the released hours are billed again, once
    rebill = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    assert [ln.source.time_entry_ids for ln in app.invoice(rebill).lines if ln.source] == [("t2",)]


def test_credit_note_written_off_keeps_the_work_invoiced(app: QuoteToCash) -> None:
    cust = customer(app)
    request = worked_request(app, cust)
    invoice = app.draft_request_invoice(request, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1", "L2"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="customer unhappy",
        drafted_on=D,
        actor="billy",
    )
    approve(app, note)
    app.issue_invoice(note, issued_on=D, actor="bea")
    r = app.request(request)
    assert set(r.written_off) == {"t1", "t2"} and set(r.billed) == {"t1", "t2"}
    assert app.unbilled_work(request) == eur(0)
    assert app.invoice(invoice).outstanding == eur(0)
    assert app.invoice(invoice).is_settled()


def test_credit_notes_for_every_line_one_by_one_add_up_to_the_invoice(app: QuoteToCash) -> None:
    """Crediting the lines of an invoice one note at a time never drifts by a cent: the last note
    is not refused because per-note tax rounding added up to more than the invoice's tax."""
    cust = customer(app)
    lines = [
        InvoiceLine(
            f"L{i}",
            "small item",
            Decimal(1),
            eur("0.10"),
            TaxRate.standard(25),
            LineSource(SourceKind.MANUAL, note="agreed"),
        )
        for i in range(1, 4)
    ]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    assert app.invoice(invoice).total == eur("0.38")
    for line_id in ("L1", "L2", "L3"):
        note = app.draft_credit_note(
            invoice,
            line_ids=[line_id],
            disposition=CreditDisposition.WRITTEN_OFF,
            reason="not delivered",
            drafted_on=D,
            actor="billy",
        )
        approve(app, note)
        app.issue_invoice(note, issued_on=D, actor="bea")
    inv = app.invoice(invoice)
    assert inv.credited == eur("0.38")
    assert inv.outstanding == eur(0)


def test_credit_note_over_a_paid_invoice_leaves_the_money_as_customer_credit(
    app: QuoteToCash,
) -> None:
    """The invoice was paid in full, then credited in full: the payment's allocation is
    reversed on the note's day and the 121.00 stays with the customer as credit."""
    cust = customer(app)
    invoice = app.draft_invoice(cust, [manual("L1", "100")], drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    payment = app.receive_payment(cust, eur(121), received_on=D, reference="INV-000001", actor=A)
    app.allocate_payment(payment, allocated_on=D, actor=A)
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="refund",
        drafted_on=D,
        actor="billy",
    )
    approve(app, note)
    later = D + timedelta(days=3)
    assert app.issue_invoice(note, issued_on=later, actor="bea") == "CN-000001"
    inv = app.invoice(invoice)
    assert (inv.paid, inv.credited, inv.outstanding) == (eur(0), eur(121), eur(0))
    assert app.customer_credit(cust) == eur(121)
    [allocation] = app.payment(payment).allocations
    assert not allocation.is_live and allocation.reversed_on == later
    assert allocation.reversed_reason is not None and "CN-000001" in allocation.reversed_reason


def test_a_partly_credited_invoice_paid_twice_gives_back_the_newest_money_first(
    app: QuoteToCash,
) -> None:
    """121.00 paid as 72.60 then 48.40; a credit note of 84.70 (70.00 + tax) takes the newest
    payment back whole and 36.30 of the first: the invoice keeps 36.30 paid and the rest is
    credited, each payment holds what it gave back as customer credit; a second note for the
    rest takes back the last of it."""
    cust = customer(app)
    lines = [manual("L1", "70"), manual("L2", "30")]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    first = app.receive_payment(cust, eur("72.60"), received_on=D, reference="a", actor=A)
    app.allocate_payment(first, allocated_on=D, actor=A)
    second = app.receive_payment(cust, eur("48.40"), received_on=D, reference="b", actor=A)
    app.allocate_payment(second, allocated_on=D, actor=A)
    credit(app, invoice, ["L1"], D, "licence returned")
    inv = app.invoice(invoice)
    assert (inv.paid, inv.credited, inv.outstanding) == (eur("36.30"), eur("84.70"), eur(0))
    assert app.payment(second).unallocated == eur("48.40")
    assert app.payment(first).unallocated == eur("36.30")
    assert app.customer_credit(cust) == eur("84.70")
    credit(app, invoice, ["L2"], D, "and the rest")  # the last 36.30 comes back too
    assert app.invoice(invoice).paid == eur(0)
    assert app.customer_credit(cust) == eur(121)


def discounted_invoice(app: QuoteToCash, cust: UUID) -> UUID:
    """INV-000001: a licence of 1,000.00, the agreed 10 % discount (-100.00) and support of
    500.00, all at 21 %: 1,694.00."""
    lines = [
        manual("L1", "1000"),
        manual("L2", "-100", price_reason="agreed 10 % discount"),
        manual("L3", "500"),
    ]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    assert app.invoice(invoice).total == eur("1694.00")
    return invoice


def draft_note(app: QuoteToCash, invoice: UUID, line_ids: list[str]) -> UUID:
    return app.draft_credit_note(
        invoice,
        line_ids=line_ids,
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="licence returned",
        drafted_on=D,
        actor="billy",
    )


def test_a_credit_note_takes_the_discount_with_the_line_it_lowered(app: QuoteToCash) -> None:
    """The support (605.00) is credited alone. Then a note for the licence alone (1,210.00)
    would take back more than the 1,089.00 left: the discount lowered what the customer was
    billed for it. Such a note was drafted and approved, then refused only at issue with
    'un-allocate payments first' (nothing was paid; and paid in full, un-allocating cannot
    help). It is refused when drafted, naming the discount line to credit with it, saying
    nothing of payments, nothing recorded; paid in full or not. The licence and its discount
    together (1,089.00) are credited, and the money paying them stays as customer credit."""
    cust = customer(app)
    invoice = discounted_invoice(app, cust)
    credit(app, invoice, ["L3"], D, "support cancelled")
    for paid in (False, True):
        if paid:
            payment = app.receive_payment(
                cust, eur("1089.00"), received_on=D, reference="INV-000001", actor=A
            )
            app.allocate_payment(payment, allocated_on=D, actor=A)
            assert app.invoice(invoice).outstanding == eur(0)
        before = app.recorder.max_notification_id()
        with pytest.raises(OverAllocation) as refused:
            draft_note(app, invoice, ["L1"])
        assert refused.value.field == "line_ids" and refused.value.aggregate_id == invoice
        message = str(refused.value)
        assert "1,210.00 EUR" in message and "1,089.00 EUR left to credit" in message
        assert "L2 (item L2, -100.00 EUR)" in message
        assert "payment" not in message and "un-allocate" not in message
        assert app.recorder.max_notification_id() == before
    note = draft_note(app, invoice, ["L1", "L2"])
    approve(app, note)
    app.issue_invoice(note, issued_on=D, actor="bea")
    inv = app.invoice(invoice)
    assert (inv.credited, inv.paid, inv.outstanding) == (eur("1694.00"), eur(0), eur(0))
    assert app.customer_credit(cust) == eur("1089.00")


def test_a_discount_drafted_on_a_note_of_its_own_is_issued_before_the_line_it_lowered(
    app: QuoteToCash,
) -> None:
    """The support is credited (605.00), and the discount on a note of its own (-121.00),
    drafted and not issued yet: a note for the licence alone is refused, saying to issue that
    note first; once it is issued, the licence is credited alone (1,210.00), and the invoice
    is credited in full."""
    cust = customer(app)
    invoice = discounted_invoice(app, cust)
    credit(app, invoice, ["L3"], D, "support cancelled")
    discount = draft_note(app, invoice, ["L2"])
    assert app.invoice(discount).total == eur("-121.00")
    with pytest.raises(OverAllocation) as refused:
        draft_note(app, invoice, ["L1"])
    assert f"L2 is in credit note {discount}, not issued yet: issue it first" in str(refused.value)
    approve(app, discount)
    app.issue_invoice(discount, issued_on=D, actor="bea")
    credit(app, invoice, ["L1"], D, "licence returned")
    inv = app.invoice(invoice)
    assert (inv.credited, inv.outstanding) == (eur("1694.00"), eur(0))


def test_a_credit_beyond_the_invoice_says_why_where_it_is_refused(app: QuoteToCash) -> None:
    """At issue (a note drafted before this rule), a credit beyond the total less the credit
    notes names the negative lines left, not payments; a credit within it but beyond what
    is still owed (the invoice is paid: the issue gives that money back first) says the
    payments are the cause."""
    cust = customer(app)
    invoice = discounted_invoice(app, cust)
    inv = app.invoice(invoice)
    with pytest.raises(OverAllocation) as beyond:
        inv.apply_credit(uuid4(), eur("1815.00"), ["L1", "L3"], D, "bea")
    assert "credit its negative line first" in str(beyond.value)
    assert "L2 (item L2, -100.00 EUR)" in str(beyond.value)
    assert "payment" not in str(beyond.value)
    payment = app.receive_payment(cust, eur("1694.00"), received_on=D, reference="x", actor=A)
    app.allocate_payment(payment, allocated_on=D, actor=A)
    inv = app.invoice(invoice)
    with pytest.raises(OverAllocation) as paid:
        inv.apply_credit(uuid4(), eur("605.00"), ["L3"], D, "bea")
    assert "1,694.00 EUR is paid" in str(paid.value) and "un-allocate" in str(paid.value)
    assert "L2" not in str(paid.value)


def test_due_date_follows_payment_terms(app: QuoteToCash) -> None:
    cust = customer(app, terms=45)
    invoice = app.draft_invoice(cust, [manual("L1", "10")], drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=date(2024, 3, 31), actor="bea")
    assert app.invoice(invoice).due_date == date(2024, 3, 31) + timedelta(days=45)


def test_a_hand_made_invoice_holds_the_time_entries_it_bills(app: QuoteToCash) -> None:
    """Lines drafted by hand that bill time entries mark them billed, like a request invoice:
    they cannot be billed twice, and voiding the invoice releases them."""
    cust = customer(app)
    request = worked_request(app, cust)
    work = InvoiceLine(
        "L1",
        "agreed hours",
        Decimal(4),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=request, time_entry_ids=("t1",), hours=4),
    )
    by_hand = app.draft_invoice(cust, [work], drafted_on=D, actor="billy")
    assert app.request(request).billed == {"t1": by_hand.hex}
    assert app.unbilled_work(request) == eur(550)
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry):
        app.draft_invoice(cust, [work], drafted_on=D, actor="billy")
    assert app.recorder.max_notification_id() == before
    rest = app.invoice(app.draft_request_invoice(request, drafted_on=D, actor="billy"))
    assert [ln.source.time_entry_ids for ln in rest.lines if ln.source] == [("t2",)]
    assert app.request(request).status is RequestStatus.INVOICED
    app.void_invoice(by_hand, reason="duplicate", actor="billy", voided_on=date(2024, 3, 8))
    assert app.request(request).billed == {"t2": rest.id.hex}
    assert app.request(request).status is RequestStatus.COMPLETED
    assert app.unbilled_work(request) == eur(400)


@settings(max_examples=40, deadline=None)
@given(
    prices=st.lists(st.integers(1, 500), min_size=1, max_size=4),
    payments=st.lists(st.integers(1, 300), min_size=0, max_size=4),
    credited=st.data(),
)
def test_a_credit_note_always_fits_and_no_money_appears_or_vanishes(
    prices: list[int], payments: list[int], credited: st.DataObject
) -> None:
    """Invariant: however an invoice was paid (any payments, each allocated oldest first up to
    what is owed), a credit note for any of its lines is issued; afterwards paid + credited is
    at most the total, and every payment's amount is exactly what it still pays plus the
    customer credit it holds: the customer's credit grew by what the note credited beyond what
    was still owed."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    lines = [manual(f"L{n}", str(p)) for n, p in enumerate(prices, start=1)]
    invoice = app.draft_invoice(cust, lines, drafted_on=D, actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    paid_ids = []
    for n, amount in enumerate(payments):
        pay = app.receive_payment(cust, eur(amount), received_on=D, reference=f"p{n}", actor=A)
        paid_ids.append(pay)
        if app.invoice(invoice).outstanding.is_positive():
            app.allocate_payment(pay, allocated_on=D, actor=A)
    chosen = credited.draw(
        st.lists(st.sampled_from([line.line_id for line in lines]), min_size=1, unique=True)
    )
    note = app.draft_credit_note(
        invoice,
        line_ids=chosen,
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="credit",
        drafted_on=D,
        actor="billy",
    )
    approve(app, note)
    owed = app.invoice(invoice).outstanding
    credit_before = app.customer_credit(cust)
    app.issue_invoice(note, issued_on=D, actor="bea")
    inv, total = app.invoice(invoice), app.invoice(note).total
    assert inv.paid + inv.credited <= inv.total
    assert inv.outstanding == max(owed - total, Money.zero("EUR"))
    for pay_id in paid_ids:
        p = app.payment(pay_id)
        assert p.amount == p.allocated + p.unallocated
    grew = app.customer_credit(cust) - credit_before
    assert grew == max(total - owed, Money.zero("EUR"))
