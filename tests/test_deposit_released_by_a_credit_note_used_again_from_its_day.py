"""Acme's 300.00 deposit (363.00 with VAT, paid) is deducted on the final invoice of 10 March.
On 1 April a credit note takes that final invoice back, deduction and all, which holds the
deposit again. From 1 April, not before, the deposit can be deducted on a corrected final
invoice or credited: until then the March final invoice still took it off.

Found by review: a corrected final invoice issued dated 20 March deducted the deposit a second
time over the days to 1 April (the aging of 25 March had Acme owing 363.00 too little, the
ledger's deposits held account in debit), and a credit note of the deposit dated 25 March gave
its 363.00 back as customer credit while the March final invoice still deducted it. Both are
refused now, naming ``issued_on`` and the day the deposit was held again; nothing is recorded.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from test_beancount_ledger_fixes import assert_ledger_agrees
from test_story_invoice import approve, customer, eur, manual

from q2c_core import CreditDisposition, QuoteToCash, RuleViolated
from q2c_core.projections import CustomerStatement, ReceivablesAging, catch_up

MARCH_10 = date(2024, 3, 10)
APRIL_1 = date(2024, 4, 1)


def issue(app: QuoteToCash, invoice: UUID, on: date) -> str:
    approve(app, invoice)
    return app.issue_invoice(invoice, issued_on=on, actor="bea")


def credit(app: QuoteToCash, invoice: UUID, line_ids: list[str], on: date) -> UUID:
    """A credit note of these lines, drafted on ``on`` and approved (not issued)."""
    return app.draft_credit_note(
        invoice,
        line_ids=line_ids,
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="final invoice was wrong",
        drafted_on=on,
        actor="billy",
    )


def deposit_taken_back_on_april_1(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme, its paid deposit, and the March final invoice credited whole on 1 April."""
    acme = customer(app)
    deposit = app.draft_deposit_invoice(
        acme, eur(300), description="Deposit 30 %", drafted_on=date(2024, 3, 1), actor="billy"
    )
    issue(app, deposit, date(2024, 3, 1))
    paid = app.receive_payment(
        acme, eur(363), received_on=date(2024, 3, 3), reference="DEP", actor="a"
    )
    app.allocate_payment(paid, allocated_on=date(2024, 3, 3), actor="a")
    final = app.draft_invoice(acme, [manual("L1", "1000")], drafted_on=MARCH_10, actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    issue(app, final, MARCH_10)
    issue(app, credit(app, final, ["L1", "L2"], APRIL_1), APRIL_1)
    assert app.invoice(deposit).deducted_by is None
    return acme, deposit


def test_a_corrected_final_invoice_deducts_the_deposit_from_the_day_it_was_held_again(
    app: QuoteToCash,
) -> None:
    acme, deposit = deposit_taken_back_on_april_1(app)
    corrected = app.draft_invoice(
        acme, [manual("L1", "900")], drafted_on=date(2024, 3, 20), actor="billy"
    )
    app.deduct_deposit(corrected, deposit, actor="billy")
    approve(app, corrected)
    before = app.recorder.max_notification_id()

    with pytest.raises(RuleViolated) as refused:
        app.issue_invoice(corrected, issued_on=date(2024, 3, 20), actor="bea")

    assert refused.value.field == "issued_on"
    assert "2024-04-01" in refused.value.rule
    assert app.recorder.max_notification_id() == before
    assert not app.invoice(corrected).is_issued

    app.issue_invoice(corrected, issued_on=APRIL_1, actor="bea")
    aging = ReceivablesAging()
    catch_up(app, [aging])
    # 25 March: the March final invoice still asks its 847.00, the deposit taken off once
    assert [i.outstanding for i in aging.open_invoices(date(2024, 3, 25))] == [eur("847.00")]
    assert [i.outstanding for i in aging.open_invoices(APRIL_1)] == [eur("726.00")]
    assert_ledger_agrees(app, acme)


def test_the_deposit_is_credited_from_the_day_it_was_held_again(app: QuoteToCash) -> None:
    acme, deposit = deposit_taken_back_on_april_1(app)
    note = credit(app, deposit, ["L1"], date(2024, 3, 25))
    approve(app, note)
    before = app.recorder.max_notification_id()

    with pytest.raises(RuleViolated) as refused:
        app.issue_invoice(note, issued_on=date(2024, 3, 25), actor="bea")

    assert refused.value.field == "issued_on"
    assert "2024-04-01" in refused.value.rule
    assert app.recorder.max_notification_id() == before
    assert app.customer_credit(acme) == eur("0.00")

    app.issue_invoice(note, issued_on=APRIL_1, actor="bea")
    assert app.customer_credit(acme) == eur("363.00")
    statement = CustomerStatement()
    catch_up(app, [statement])
    march_25 = statement.statement(acme, date(2024, 3, 25))
    assert (march_25.open, march_25.credit) == (eur("847.00"), eur("0.00"))
    april_1 = statement.statement(acme, APRIL_1)
    assert (april_1.open, april_1.credit) == (eur("0.00"), eur("363.00"))
    assert_ledger_agrees(app, acme)
