"""A contract invoice with a remainder written off, then a contract change dated back.

Acme's Q1 invoice (450.00) is paid 449.65; the 0.35 the bank kept is written off. Then site S2
turns out to have closed on 2 January: the next run drafts a credit note of 148.35 for its days.
Every credit note after a write-off was refused, so this one could never be issued, and voided
it was drafted again by every run: the customer was owed money that q2c could not record. The
note is now issued: the 449.65 paid pays the 301.65 the invoice is still worth, so 148.00 is
given back as Acme's credit and the 0.35 written off is taken back (giving back 148.35 would
hand Acme the bank's fee), and every read agrees (the summary adds up, aging and statement
followed equal rebuilt, the ledger passes bean-check).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from test_beancount_ledger import balance_assertions, load_ok
from test_past_due_policy_pending_run_credit import acme_billed_for_q1, issue, pay
from test_refund_books import bean_check

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_core import Money, QuoteToCash, RuleViolated
from q2c_core.projections import ProjectionStore, all_projections, catch_up, rebuild


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def written_off_then_corrected(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    cust, cid, q1 = acme_billed_for_q1(app)
    pay(app, cust, "449.65", date(2024, 1, 10))
    app.write_off_remainder(
        q1, written_off_on=date(2024, 1, 10), reason="bank fee", actor="bea", at_most=eur("1")
    )
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 2), actor="mia")
    [note] = app.run_billing(date(2024, 1, 20), actor="run").invoice_ids
    assert app.invoice(note).total == eur("148.35")
    return cust, q1, note


def test_the_run_s_correction_is_issued_and_every_read_agrees(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    live = all_projections(ProjectionStore.memory())
    catch_up(app, live)
    cust, q1, note = written_off_then_corrected(app)
    catch_up(app, live)
    issue(app, note, date(2024, 1, 20))
    invoice = app.invoice(q1)
    assert (invoice.credited, invoice.paid, invoice.written_off, invoice.outstanding) == (
        eur("148.35"),
        eur("301.65"),
        eur("0.00"),
        eur("0.00"),
    )
    assert [w.amount for w in invoice.write_offs] == [eur("0.35"), eur("-0.35")]
    summary = app.customer_summary(cust)
    assert summary.credit == eur("148.00")
    assert summary.invoiced - summary.paid - summary.written_off == summary.open == eur("0.00")
    # a second run has nothing more to correct
    assert app.run_billing(date(2024, 1, 21), actor="run").documents == ()
    catch_up(app, live)
    rebuilt = all_projections(ProjectionStore.memory())
    rebuild(app, rebuilt)
    for followed, fresh in zip(live, rebuilt, strict=True):
        assert followed.rows() == fresh.rows(), followed.name
    text = export_ledger(app)
    checked = text + balance_assertions(app, [cust], text)
    load_ok(checked)
    bean_check(tmp_path, checked)
    app.close()


def test_a_credit_applied_without_taking_the_write_off_back_is_refused() -> None:
    """The 0.35 written off on 10 January: a credit applied beyond what was paid without the
    write-off taken back first would credit money never paid (refused naming write_offs); a
    take-back dated before the write-off is refused naming issued_on; taken back on the
    note's day, what the money paid leaves unpaid stays written off."""
    app = QuoteToCash.open("memory:")
    _, q1, _ = written_off_then_corrected(app)
    invoice = app.invoice(q1)
    with pytest.raises(RuleViolated) as refused:
        invoice.refuse_credit_after_write_off(eur("450.00"))
    assert refused.value.field == "write_offs"
    assert "at most 449.65 EUR" in str(refused.value)
    invoice.refuse_credit_after_write_off(eur("449.65"))  # (within what was paid: taken)
    with pytest.raises(RuleViolated) as early:
        invoice.take_back_write_off(eur("148.35"), date(2024, 1, 9), "too early", "bea")
    assert early.value.field == "issued_on"
    assert invoice.take_back_write_off(eur("148.35"), date(2024, 1, 25), "all", "bea") == eur(
        "0.35"
    )
    assert (invoice.written_off, invoice.outstanding) == (eur("0.00"), eur("0.35"))
