"""Credit notes and deposits: a deposit deducted on a final invoice is held again when a credit
note credits that deduction (the whole final invoice, or the deduction line alone), so it can be
deducted on the corrected final invoice or credited, and q2c's figures, the commissions and the
books agree on where it is. A line is in one live credit note at a time, so the notes' tax adds
up to the invoice's whatever notes were drafted, voided and issued."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_beancount_ledger_fixes import assert_ledger_agrees, deposit_held, paid_deposit
from test_story_invoice import D, approve, customer, eur, manual

from q2c_core import (
    CreditDisposition,
    CurrencyMismatch,
    DuplicateEntry,
    Money,
    OverAllocation,
    Q2CError,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    TaxRate,
)
from q2c_core.domain.money import total
from q2c_core.projections import Commissions, ReviewMeeting, all_projections, catch_up, rebuild


def issue(app: QuoteToCash, invoice: UUID, on: date = D) -> str:
    """Approved by both roles and issued on ``on``."""
    approve(app, invoice)
    return app.issue_invoice(invoice, issued_on=on, actor="bea")


def credit(app: QuoteToCash, invoice: UUID, line_ids: list[str], on: date = D) -> UUID:
    """A credit note of these lines (written off), drafted, approved and issued on ``on``."""
    note = app.draft_credit_note(
        invoice,
        line_ids=line_ids,
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="wrong final invoice",
        drafted_on=on,
        actor="billy",
    )
    issue(app, note, on)
    return note


def deposit_and_final(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme's 300.00 deposit (363.00 with 21 % VAT) deducted on a final invoice of 1,000.00 of
    work: L1 1,000.00, L2 less the deposit, 847.00 to pay. Both issued."""
    cust = customer(app)
    deposit = app.draft_deposit_invoice(
        cust, eur(300), description="Deposit 30 %", drafted_on=D, actor="billy"
    )
    issue(app, deposit)
    final = app.draft_invoice(cust, [manual("L1", "1000")], drafted_on=D, actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    issue(app, final)
    assert app.invoice(final).total == eur("847.00")
    return cust, deposit, final


def write_off_deposit(app: QuoteToCash, deposit: UUID) -> UUID:
    """Draft a credit note writing off the deposit's line (the project was cancelled)."""
    return app.draft_credit_note(
        deposit,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="project cancelled",
        drafted_on=D,
        actor="billy",
    )


def test_crediting_a_final_invoice_holds_its_deposit_for_the_corrected_one() -> None:
    """The final invoice was wrong and is credited whole (work and deduction): the deposit is
    held again, and the corrected final invoice (900.00 of work) deducts it. Acme is asked
    1,089.00 in all, the corrected work with its VAT: 363.00 on the deposit, 726.00 on the
    corrected final invoice (before, the deposit stayed deducted on the credited invoice and
    could be neither deducted again nor credited)."""
    app = QuoteToCash.open("memory:")
    cust, deposit, final = deposit_and_final(app)
    credit(app, final, ["L1", "L2"])
    assert app.invoice(final).outstanding.is_zero()
    assert app.invoice(deposit).deducted_by is None
    corrected = app.draft_invoice(cust, [manual("L1", "900")], drafted_on=D, actor="billy")
    app.deduct_deposit(corrected, deposit, actor="billy")
    issue(app, corrected)
    assert app.invoice(deposit).deducted_by == corrected
    assert app.invoice(corrected).outstanding == eur("726.00")
    summary = app.customer_summary(cust)
    assert summary.invoiced == eur("1089.00") and summary.open == eur("1089.00")


def test_crediting_the_deduction_alone_holds_the_deposit_to_credit_it() -> None:
    """Only the deduction line is credited (a credit note of -363.00: the final invoice now
    asks its 1,210.00 whole), and the deposit is held again, so the deposit invoice can be
    credited: Acme is asked 1,210.00 for 1,210.00 of work (before, the deposit stayed deducted
    and could not be credited: 1,573.00 asked)."""
    app = QuoteToCash.open("memory:")
    cust, deposit, final = deposit_and_final(app)
    note = credit(app, final, ["L2"])
    assert app.invoice(note).total == eur("-363.00")
    assert app.invoice(final).outstanding == eur("1210.00")
    assert app.invoice(deposit).deducted_by is None
    credit(app, deposit, ["L1"])
    summary = app.customer_summary(cust)
    assert summary.invoiced == eur("1210.00") and summary.open == eur("1210.00")
    review = ReviewMeeting()
    catch_up(app, [review])
    assert review.get(f"inv:{deposit.hex}")["deducted_by"] == ""


def test_a_deducted_deposit_refused_says_what_holds_it_again() -> None:
    """A deposit deducted on a draft final invoice: crediting it is refused, saying to void
    that draft; once the final invoice is issued, crediting or deducting the deposit again is
    refused naming the invoice's number and its deduction line, the line to credit. Nothing is
    recorded."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    deposit = app.draft_deposit_invoice(
        cust, eur(300), description="Deposit", drafted_on=D, actor="billy"
    )
    issue(app, deposit)
    final = app.draft_invoice(cust, [manual("L1", "1000")], drafted_on=D, actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        write_off_deposit(app, deposit)
    assert refused.value.field == "deducted_by" and refused.value.aggregate_id == deposit
    assert "draft: void that invoice first" in refused.value.rule
    number = issue(app, final)
    other = app.draft_invoice(cust, [manual("L1", "500")], drafted_on=D, actor="billy")
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        write_off_deposit(app, deposit)
    assert f"deducted on invoice {number}: credit its deduction (L2) there" in refused.value.rule
    with pytest.raises(DuplicateEntry) as twice:
        app.deduct_deposit(other, deposit, actor="billy")
    assert twice.value.field == "deducted_by" and twice.value.aggregate_id == deposit
    assert f"deducted on invoice {number}: credit its deduction (L2)" in twice.value.rule
    assert app.recorder.max_notification_id() == before


def test_a_deposit_larger_than_the_final_invoice_is_refused_naming_both_totals() -> None:
    """From the reviewer's walk: a 5,000.00 deposit (6,050.00 with VAT) deducted on a final
    invoice of 1,000.00 of work made the draft ask -4,840.00, which approval then refused, and
    the deposit stayed deducted on a draft nobody could issue. The deduction is refused,
    naming both totals; the deposit is deducted whole on a final invoice that covers it."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    deposit = app.draft_deposit_invoice(
        cust, eur(5000), description="Deposit 50 %", drafted_on=D, actor="billy"
    )
    number = issue(app, deposit)
    small = app.draft_invoice(cust, [manual("L1", "1000")], drafted_on=D, actor="billy")
    before = app.recorder.max_notification_id()
    with pytest.raises(OverAllocation) as refused:
        app.deduct_deposit(small, deposit, actor="billy")
    assert refused.value.field == "deposit_invoice_id" and refused.value.aggregate_id == small
    assert f"deposit invoice {number} (6,050.00 EUR)" in refused.value.rule
    assert "this invoice's total (1,210.00 EUR)" in refused.value.rule
    assert app.recorder.max_notification_id() == before
    assert app.invoice(deposit).deducted_by is None
    assert app.invoice(small).total == eur("1210.00")

    # deposit in dollars, final invoice in euros: refused naming both currencies
    dollars = app.draft_deposit_invoice(
        cust, Money.of(100, "USD"), description="USD deposit", drafted_on=D, actor="billy"
    )
    issue(app, dollars)
    before = app.recorder.max_notification_id()
    with pytest.raises(CurrencyMismatch) as mixed:
        app.deduct_deposit(small, dollars, actor="billy")
    assert mixed.value.field == "deposit_invoice_id" and "in USD" in mixed.value.rule
    assert app.recorder.max_notification_id() == before

    # the project's whole work on the final invoice: the deposit is deducted, 0.00 left to pay
    final = app.draft_invoice(cust, [manual("L1", "5000")], drafted_on=D, actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    issue(app, final)
    assert app.invoice(final).total == eur("0.00")
    assert app.invoice(deposit).deducted_by == final


def test_deposit_money_earns_commission_through_the_final_invoice_that_deducts_it() -> None:
    """A paid 1,000.00 deposit earns enhancement commission through the final invoice issued
    on 2 April that deducts it. On 3 May that deduction is credited: the commission is taken
    back that day (April's stays as it was), and the deposit earns again through the next
    phase's final invoice, issued on 4 June."""
    app = QuoteToCash.open("memory:")
    cust, deposit = paid_deposit(app)  # paid on 5 March
    first = app.draft_invoice(
        cust,
        [manual("L1", "3000", revenue_kind=RevenueKind.ENHANCEMENT)],
        drafted_on=date(2024, 4, 1),
        actor="billy",
    )
    app.deduct_deposit(first, deposit, actor="billy")
    issue(app, first, date(2024, 4, 2))
    live = Commissions()
    catch_up(app, [live])
    april = [line for line in live.lines() if line.invoice_id == deposit.hex]
    [earned] = april
    assert (earned.on, earned.revenue_kind, earned.reversal) == (
        date(2024, 4, 2),
        "enhancement",
        False,
    )
    [deduction] = [ln.line_id for ln in app.invoice(first).lines if ln.quantity < 0]
    credit(app, first, [deduction], date(2024, 5, 3))
    catch_up(app, [live])
    on_deposit = [line for line in live.lines() if line.invoice_id == deposit.hex]
    assert [(line.on, line.reversal) for line in on_deposit] == [
        (date(2024, 4, 2), False),
        (date(2024, 5, 3), True),
    ]
    assert on_deposit[1].commission == -earned.commission
    second = app.draft_invoice(
        cust,
        [manual("L1", "2000", revenue_kind=RevenueKind.ENHANCEMENT)],
        drafted_on=date(2024, 6, 1),
        actor="billy",
    )
    app.deduct_deposit(second, deposit, actor="billy")
    issue(app, second, date(2024, 6, 4))
    catch_up(app, [live])
    on_deposit = [line for line in live.lines() if line.invoice_id == deposit.hex]
    assert [(line.on, line.reversal) for line in on_deposit] == [
        (date(2024, 4, 2), False),
        (date(2024, 5, 3), True),
        (date(2024, 6, 4), False),
    ]
    assert total((line.commission for line in on_deposit), "EUR") == earned.commission
    rebuilt = [p for p in all_projections() if p.name == live.name]
    rebuild(app, rebuilt)
    assert rebuilt[0].rows() == live.rows()


@pytest.mark.parametrize("whole", [True, False], ids=["whole-final", "deduction-alone"])
def test_the_books_hold_the_deposit_where_q2c_does(whole: bool) -> None:
    """The paid deposit deducted on a final invoice whose deduction is then credited (with its
    work, or alone): Beancount's balance checks (bean-check) confirm q2c's receivable, customer
    credit and deposit held, 1,000.00, a deposit q2c holds again; deducted on the next final
    invoice, it is held no more, in the books and in q2c. (The credited work is written off.)"""
    app = QuoteToCash.open("memory:")
    cust, deposit = paid_deposit(app)
    final = app.draft_invoice(
        cust,
        [manual("L1", "3000", revenue_kind=RevenueKind.ENHANCEMENT)],
        drafted_on=date(2024, 4, 1),
        actor="billy",
    )
    app.deduct_deposit(final, deposit, actor="billy")
    issue(app, final, date(2024, 4, 2))
    credit(app, final, ["L1", "L2"] if whole else ["L2"], date(2024, 4, 3))
    assert app.invoice(deposit).deducted_by is None
    assert deposit_held(app, cust) == eur(1000)
    assert_ledger_agrees(app, cust)
    corrected = app.draft_invoice(
        cust,
        [manual("L1", "2500", revenue_kind=RevenueKind.ENHANCEMENT)],
        drafted_on=date(2024, 4, 5),
        actor="billy",
    )
    app.deduct_deposit(corrected, deposit, actor="billy")
    issue(app, corrected, date(2024, 4, 5))
    assert app.invoice(deposit).deducted_by == corrected
    assert deposit_held(app, cust).is_zero()
    totals = assert_ledger_agrees(app, cust)
    assert totals["Income:Enhancement"] == Decimal("-5500.00")
    written_off = Decimal("3000.00") if whole else Decimal(0)
    assert totals.get("Expenses:WriteOffs:Enhancement", Decimal(0)) == written_off


# -- credit-note tax: one live note per line --------------------------------------------------


def test_a_line_in_a_credit_note_not_yet_issued_is_not_credited_twice() -> None:
    """A credit note for L1 is drafted; a colleague drafts another one for L1 before the first
    is issued: refused, naming the line and the note (which took the line's tax already, so
    both together would credit it twice), and nothing is recorded. Once that note is voided,
    L1 can be credited again."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    invoice = app.draft_invoice(
        cust, [manual("L1", "100"), manual("L2", "50")], drafted_on=D, actor="billy"
    )
    issue(app, invoice)

    def draft(line_ids: list[str]) -> UUID:
        return app.draft_credit_note(
            invoice,
            line_ids=line_ids,
            disposition=CreditDisposition.WRITTEN_OFF,
            reason="goodwill",
            drafted_on=D,
            actor="billy",
        )

    first = draft(["L1"])
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        draft(["L2", "L1"])
    assert refused.value.field == "line_ids" and refused.value.value == "L1"
    assert f"line L1 is in credit note {first}, draft" in refused.value.rule
    assert app.recorder.max_notification_id() == before
    app.void_invoice(first, reason="drafted twice", actor="billy", voided_on=date(2024, 3, 8))
    issue(app, draft(["L2", "L1"]))
    assert app.invoice(invoice).outstanding.is_zero()


RATES = [TaxRate.standard(25), TaxRate.standard(21), TaxRate.standard("7.7")]
PRICES = ["0.10", "0.01", "0.05", "0.15", "0.33", "1.10", "12.34"]
STEPS = st.lists(
    st.tuples(st.sampled_from(["draft", "void", "issue"]), st.integers(0, 15)), max_size=10
)
LINES = st.lists(st.tuples(st.sampled_from(PRICES), st.sampled_from(RATES)), min_size=1, max_size=4)


@example(  # the reviewer's: two drafts for L1, the first voided (notes' tax 0.07 of 0.08)
    lines=[("0.10", TaxRate.standard(25))] * 3,
    steps=[("draft", 1), ("draft", 2), ("draft", 4), ("draft", 1), ("void", 0)],
)
@settings(max_examples=150, deadline=None)
@given(lines=LINES, steps=STEPS)
def test_fully_credited_by_issued_notes_the_notes_tax_is_the_invoices(
    lines: list[tuple[str, TaxRate]], steps: list[tuple[str, int]]
) -> None:
    """Whatever credit notes of an invoice's lines are drafted, voided and issued, in any order
    (a step q2c refuses records nothing), once every line is credited by issued notes the
    notes' tax is the invoice's, category by category, and nothing is outstanding."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    invoice = app.draft_invoice(
        cust,
        [
            attrs.evolve(manual(f"L{n}", price), tax=rate)
            for n, (price, rate) in enumerate(lines, start=1)
        ],
        drafted_on=D,
        actor="billy",
    )
    issue(app, invoice)
    ids = [line.line_id for line in app.invoice(invoice).lines]
    drafts: list[UUID] = []
    issued: list[UUID] = []

    def draft(line_ids: list[str]) -> None:
        note = app.draft_credit_note(
            invoice,
            line_ids=line_ids,
            disposition=CreditDisposition.WRITTEN_OFF,
            reason="credited",
            drafted_on=D,
            actor="billy",
        )
        if note not in drafts and note not in issued:  # (the same note again: a retry)
            drafts.append(note)

    def issue_draft(note: UUID) -> None:
        issue(app, note)
        drafts.remove(note)
        issued.append(note)

    for action, k in steps:
        before = app.recorder.max_notification_id()
        try:
            if action == "draft":
                draft([i for n, i in enumerate(ids) if k >> n & 1] or [ids[k % len(ids)]])
            elif drafts and action == "void":
                note = drafts[k % len(drafts)]
                app.void_invoice(
                    note, reason="not needed", actor="billy", voided_on=date(2024, 3, 8)
                )
                drafts.remove(note)
            elif drafts:
                issue_draft(drafts[k % len(drafts)])
        except Q2CError:
            assert app.recorder.max_notification_id() == before
    for note in list(drafts):
        issue_draft(note)
    left = [i for i in ids if i not in app.invoice(invoice).credited_line_ids()]
    if left:
        draft(left)
        issue_draft(drafts[0])
    original = app.invoice(invoice)
    assert sorted(original.credited_line_ids()) == sorted(ids)
    notes_tax: dict[TaxRate, Money] = {}
    for note in issued:
        for s in app.invoice(note).tax_subtotals:
            notes_tax[s.tax_rate] = notes_tax.get(s.tax_rate, Money.zero("EUR")) + s.tax
    assert notes_tax == {s.tax_rate: s.tax for s in original.tax_subtotals}
    assert original.outstanding.is_zero() and original.is_settled()
