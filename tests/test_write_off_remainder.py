"""Writing off the small remainder of an issued invoice.

Acme is invoiced 1,210.00 (1,000.00 and 21 % VAT) on 10 January 2024, due 9 February. Its bank
takes a 0.02 fee off the transfer: 1,209.98 arrives on 1 February. Nothing settled the 0.02
(a credit note credits whole lines), so the invoice stayed on the aging and the past-due list
for good. ``write_off_remainder`` gives it up, within the caller's tolerance (``at_most``):
from that day the invoice owes nothing, on the aggregate, the customer summary, the aging, the
statement (a line of the payment history, with its reason), the ledger (a write-off expense
against the receivable), the export and the documents; a day before, it was open. Money taken
back off since (a bounce) reopens exactly that money: the write-off stands.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from test_beancount_ledger import balance_assertions, issue, load_ok, manual_line
from test_commissions_written_off import _commissions, _invoice, _mia, _pay
from test_past_due_policy_minimum import MID_MARCH, acme_paid
from test_projections_story import authorized_request, work
from test_refund_books import bean_check
from typer.testing import CliRunner

from q2c_adapters.accounting.beancount_ledger import (
    REMAINDER_WRITE_OFFS,
    LedgerBook,
    export_ledger,
)
from q2c_adapters.accounting.exports import export
from q2c_adapters.cli import app as cli
from q2c_adapters.documents.html import render_html
from q2c_adapters.documents.pdf import render_pdf
from q2c_adapters.reports import report_table
from q2c_core import (
    ContractStatus,
    CreditDisposition,
    CurrencyMismatch,
    InvalidTransition,
    InvalidValue,
    Money,
    OverAllocation,
    PastDuePolicy,
    QuoteToCash,
    RuleViolated,
    TaxRate,
)
from q2c_core.projections import (
    CustomerStatement,
    ProjectionStore,
    ReceivablesAging,
    ReviewMeeting,
    all_projections,
    catch_up,
    rebuild,
)

A = "alice"
ISSUED = date(2024, 1, 10)
PAID = date(2024, 2, 1)
DUE = date(2024, 2, 9)
LATER = date(2024, 3, 15)
BOUNCED = date(2024, 3, 1)
FEE = "bank fee taken off the transfer"
VAT = TaxRate.standard(21)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def acme_pays_short(
    app: QuoteToCash, currency: str = "EUR", net: str = "1000", paid: str = "1209.98"
) -> tuple[UUID, UUID, UUID]:
    """Acme's invoice (``net`` and 21 % VAT) issued on 10 January, ``paid`` of it received and
    allocated on 1 February: (customer, invoice, payment)."""
    acme = app.register_customer("Acme", currency, account_manager="mia", actor=A, tax_rate=VAT)
    line = attrs.evolve(manual_line("L1", net, VAT), unit_price=Money.of(net, currency))
    invoice = app.draft_invoice(acme, [line], drafted_on=ISSUED, actor="billy")
    issue(app, invoice, ISSUED)
    pay = app.receive_payment(
        acme, Money.of(paid, currency), received_on=PAID, reference="TRF-1", actor="bank"
    )
    app.allocate_payment(pay, allocated_on=PAID, actor="bea")
    return acme, invoice, pay


def write_off(app: QuoteToCash, invoice: UUID, on: date = PAID, at_most: str = "0.05") -> Money:
    return app.write_off_remainder(
        invoice, written_off_on=on, reason=FEE, actor="bea", at_most=eur(at_most)
    )


def read_side(app: QuoteToCash) -> tuple[ReceivablesAging, CustomerStatement]:
    aging, statements = ReceivablesAging(), CustomerStatement()
    catch_up(app, [aging, statements])
    return aging, statements


def invoices_export(app: QuoteToCash, as_of: date | None = None) -> dict[str, dict[str, Any]]:
    rows = csv.DictReader(io.StringIO(export(app, "invoices", "csv", as_of=as_of)))
    return {r["number"]: r for r in rows}


def test_acme_pays_short_and_the_bank_fee_is_written_off_everywhere(
    app_factory: Any, tmp_path: Path
) -> None:
    """On every backend: 0.02 written off on 1 February. The invoice, the summary, the aging,
    the past-due list, the statement, the export and the ledger agree it is settled from that
    day; as of 31 January it was open (1,210.00), and nothing was past due in March."""
    app = app_factory()
    acme, invoice, _ = acme_pays_short(app)
    assert app.invoice(invoice).outstanding == eur("0.02")
    assert write_off(app, invoice) == eur("0.02")
    inv = app.invoice(invoice)
    assert (inv.outstanding, inv.paid, inv.written_off) == (eur(0), eur("1209.98"), eur("0.02"))
    assert inv.is_settled() and not inv.is_past_due(LATER)
    [done] = inv.write_offs
    assert (done.amount, done.written_off_on, done.reason, done.actor) == (
        eur("0.02"),
        PAID,
        FEE,
        "bea",
    )
    summary = app.customer_summary(acme)
    assert (summary.open, summary.paid, summary.past_due) == (eur(0), eur("1209.98"), eur(0))
    assert app.customer_summary(acme, as_of=LATER).past_due == eur(0)
    assert app.customer_summary(acme, as_of=date(2024, 1, 31)).open == eur("1210.00")
    # the summary adds up: invoiced - paid - written off = open, today and on each day
    assert summary.written_off == eur("0.02")
    assert summary.invoiced - summary.paid - summary.written_off == summary.open
    assert app.customer_summary(acme, as_of=LATER).written_off == eur("0.02")
    assert app.customer_summary(acme, as_of=PAID - timedelta(days=1)).written_off == eur(0)
    assert app.open_invoices(acme) == []
    aging, statements = read_side(app)
    assert aging.open_invoices(LATER) == [] and aging.past_due(LATER) == []
    assert aging.aging(LATER) == []
    [before] = aging.open_invoices(date(2024, 1, 31))
    assert before.outstanding == eur("1210.00")
    s = statements.statement(acme)
    [line] = s.invoices
    assert (line.paid, line.written_off, line.outstanding) == (
        eur("1209.98"),
        eur("0.02"),
        eur("0.00"),
    )
    [history_line] = s.write_offs
    assert (history_line.number, history_line.written_off_on, history_line.amount) == (
        "INV-000001",
        PAID,
        eur("0.02"),
    )
    assert history_line.reason == FEE
    assert (s.invoiced, s.paid, s.open, s.balances[0].written_off) == (
        eur("1210.00"),
        eur("1209.98"),
        eur("0.00"),
        eur("0.02"),
    )
    assert statements.statement(acme, as_of=date(2024, 1, 31)).write_offs == ()
    assert statements.statement(acme, as_of=date(2024, 1, 31)).open == eur("1210.00")
    row = invoices_export(app)["INV-000001"]
    assert (row["paid"], row["written_off"], row["outstanding"]) == ("1209.98", "0.02", "0.00")
    then = invoices_export(app, as_of=date(2024, 1, 31))["INV-000001"]
    assert (then["written_off"], then["outstanding"]) == ("0.00", "1210.00")
    text = export_ledger(app)
    checked = text + balance_assertions(app, [acme], text)
    entries = load_ok(checked)
    [booked] = [e for e in entries if getattr(e, "narration", "").startswith("Remainder")]
    assert booked.narration == "Remainder of INV-000001 written off"
    assert booked.date == PAID and booked.meta["reason"] == FEE
    assert {(p.account, p.units.number) for p in booked.postings} == {
        (REMAINDER_WRITE_OFFS, Decimal("0.02")),
        (LedgerBook(app).receivable(acme), Decimal("-0.02")),
    }
    bean_check(tmp_path, checked)


def test_the_bounce_of_the_payment_reopens_exactly_what_it_paid(tmp_path: Path) -> None:
    """The bank returns the 1,209.98 on 1 March: the invoice owes 1,209.98 again (the 0.02
    write-off stands), on the aggregate, the summary, the aging and its past-due list, the
    statement and the ledger; the aging of 20 February still shows it settled."""
    app = QuoteToCash.open("memory:")
    acme, invoice, pay = acme_pays_short(app)
    write_off(app, invoice)
    app.bounce_payment(pay, bounced_on=BOUNCED, reason="returned", actor="bank")
    inv = app.invoice(invoice)
    assert (inv.outstanding, inv.written_off) == (eur("1209.98"), eur("0.02"))
    assert app.customer_summary(acme).open == eur("1209.98")
    assert app.customer_summary(acme, as_of=LATER).past_due == eur("1209.98")
    assert app.customer_summary(acme, as_of=date(2024, 2, 20)).open == eur(0)
    aging, statements = read_side(app)
    assert [(i.number, i.outstanding) for i in aging.past_due(LATER)] == [
        ("INV-000001", eur("1209.98"))
    ]
    assert aging.open_invoices(date(2024, 2, 20)) == []
    s = statements.statement(acme)
    assert (s.open, s.balances[0].written_off) == (eur("1209.98"), eur("0.02"))
    assert [w.amount for w in s.write_offs] == [eur("0.02")]
    text = export_ledger(app)
    checked = text + balance_assertions(app, [acme], text)
    load_ok(checked)
    bean_check(tmp_path, checked)
    # the customer pays again: 1,209.98 is all it can take, the write-off stood
    again = app.receive_payment(
        acme, eur("1209.98"), received_on=LATER, reference="TRF-2", actor="bank"
    )
    app.allocate_payment(again, allocated_on=LATER, actor="bea")
    assert app.invoice(invoice).is_settled()
    assert app.customer_credit(acme) == eur(0)


def test_money_allocated_after_the_write_off_finds_nothing_open() -> None:
    """A second transfer of 5.00 on 5 February stays Acme's credit: the invoice owes nothing;
    allocating it to the invoice by name is refused (OverAllocation), nothing recorded; nor
    can money dated back before the write-off pay the 0.02 twice."""
    app = QuoteToCash.open("memory:")
    acme, invoice, _ = acme_pays_short(app)
    write_off(app, invoice)
    more = app.receive_payment(
        acme, eur("5.00"), received_on=date(2024, 2, 5), reference="TRF-2", actor="bank"
    )
    app.allocate_payment(more, allocated_on=date(2024, 2, 5), actor="bea")
    assert app.customer_credit(acme) == eur("5.00")
    before = app.recorder.max_notification_id()
    with pytest.raises(OverAllocation):
        app.allocate_payment(
            more, [(invoice, eur("0.02"))], allocated_on=date(2024, 2, 5), actor="bea"
        )
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).paid == eur("1209.98")


def test_a_write_off_on_the_day_of_the_last_payment_and_not_before_it() -> None:
    """1,000.00 paid on 20 January and 209.98 on 1 February: a write-off dated 31 January (the
    remainder then was 209.98 + 0.02) is refused naming written_off_on; on 1 February, the day
    of the last payment, it is taken; before the issue day it never is."""
    app = QuoteToCash.open("memory:")
    acme, invoice, _ = acme_pays_short(app, paid="1000.00")
    last = app.receive_payment(
        acme, eur("209.98"), received_on=date(2024, 2, 2), reference="TRF-2", actor="bank"
    )
    app.allocate_payment(last, allocated_on=date(2024, 2, 2), actor="bea")
    for day in (date(2024, 1, 31), date(2024, 2, 1), date(2024, 1, 9)):
        with pytest.raises(RuleViolated) as refused:
            write_off(app, invoice, on=day)
        assert refused.value.field == "written_off_on"
    assert write_off(app, invoice, on=date(2024, 2, 2)) == eur("0.02")


def test_writing_off_twice_finds_nothing_left() -> None:
    """Written off again on another day (no retry of the write-off: that one's day differs),
    the invoice owes nothing: refused naming the day, nothing recorded."""
    app = QuoteToCash.open("memory:")
    _, invoice, _ = acme_pays_short(app)
    write_off(app, invoice)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated, match="owes nothing") as refused:
        write_off(app, invoice, on=LATER)
    assert refused.value.field == "written_off_on"
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).written_off == eur("0.02")


def test_a_remainder_above_the_tolerance_is_refused_naming_at_most() -> None:
    """Acme paid 1,000.00 of 1,210.00: 210.00 is a real debt, not a fee. With a tolerance of
    0.05 the write-off is refused (OverAllocation naming at_most), nothing recorded; the
    invoice still owes 210.00."""
    app = QuoteToCash.open("memory:")
    _, invoice, _ = acme_pays_short(app, paid="1000.00")
    before = app.recorder.max_notification_id()
    with pytest.raises(OverAllocation) as refused:
        write_off(app, invoice)
    assert refused.value.field == "at_most"
    assert "210.00" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).outstanding == eur("210.00")


def test_a_tolerance_finer_than_a_cent_is_named_as_given() -> None:
    """Acme owes 0.02 after the bank's fee. A tolerance of 0.005 EUR refuses the write-off, and
    the refusal says 0.005 EUR, the tolerance given, not 0.01 EUR (the tolerance rounded to
    cents, which would have allowed the write-off)."""
    app = QuoteToCash.open("memory:")
    _, invoice, _ = acme_pays_short(app)
    with pytest.raises(OverAllocation) as refused:
        write_off(app, invoice, at_most="0.005")
    assert refused.value.field == "at_most"
    assert "the 0.005 EUR you allow" in str(refused.value)
    assert "0.01 EUR" not in str(refused.value)
    assert app.invoice(invoice).outstanding == eur("0.02")


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"reason": "\u200b"}, InvalidValue, "reason"),
        ({"reason": "  "}, InvalidValue, "reason"),
        ({"reason": None}, InvalidValue, "reason"),
        ({"at_most": Money.of("1.00", "USD")}, CurrencyMismatch, "at_most"),
        ({"at_most": eur("-1.00")}, InvalidValue, "at_most"),
        ({"at_most": "0.05"}, InvalidValue, "at_most"),
        ({"written_off_on": "2024-02-01"}, InvalidValue, "written_off_on"),
        ({"written_off_on": None}, InvalidValue, "written_off_on"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_records_nothing(
    change: dict[str, Any], error: type[Exception], field: str
) -> None:
    app = QuoteToCash.open("memory:")
    _, invoice, _ = acme_pays_short(app)
    given: dict[str, Any] = {
        "written_off_on": PAID,
        "reason": FEE,
        "actor": "bea",
        "at_most": eur("0.05"),
    }
    given.update(change)
    before = app.recorder.max_notification_id()
    with pytest.raises(error) as refused:
        app.write_off_remainder(invoice, **given)
    assert getattr(refused.value, "field", None) == field
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).outstanding == eur("0.02")


def test_only_an_issued_invoice_has_a_remainder_to_write_off() -> None:
    """A draft, a voided invoice and a credit note are refused (InvalidTransition naming
    status, status and kind); nothing recorded."""
    app = QuoteToCash.open("memory:")
    acme, invoice, pay = acme_pays_short(app, paid="1210.00")
    draft = app.draft_invoice(acme, [manual_line("L1", "10", VAT)], drafted_on=PAID, actor="b")
    voided = app.draft_invoice(acme, [manual_line("L1", "10", VAT)], drafted_on=PAID, actor="b")
    app.void_invoice(voided, reason="typo", actor="bea", voided_on=PAID)
    app.reverse_allocation(
        pay, app.payment(pay).live_allocations()[0].allocation_id, reason="undo", actor="bea",
        reversed_on=PAID,
    )  # fmt: skip
    note = credit(app, invoice, reason="wrong customer")
    issue(app, note, PAID)
    before = app.recorder.max_notification_id()
    for target, field in ((draft, "status"), (voided, "status"), (note, "kind")):
        with pytest.raises(InvalidTransition) as refused:
            write_off(app, target, at_most="100")
        assert refused.value.field == field
    assert app.recorder.max_notification_id() == before


def credit(
    app: QuoteToCash,
    invoice: UUID,
    drafted_on: date = PAID,
    line_ids: tuple[str, ...] = ("L1",),
    reason: str = "the work was wrong",
) -> UUID:
    """A re-billable credit note of the invoice's lines ``line_ids`` (a draft)."""
    return app.draft_credit_note(
        invoice,
        line_ids=list(line_ids),
        disposition=CreditDisposition.REBILLABLE,
        reason=reason,
        drafted_on=drafted_on,
        actor="billy",
    )


def test_a_credit_note_of_the_whole_invoice_takes_the_write_off_back(tmp_path: Path) -> None:
    """The 0.02 was written off on 1 February; on 15 March the work turns out wrong and the
    invoice is credited whole (a note drafted before the write-off, and one drafted after it
    alike). The note gives back the 1,209.98 paid as Acme's credit and credits the 0.02 owed
    again: the write-off is taken back on the note's day (``WriteOffTakenBack``), so the
    credit loss is undone in the books and nothing is credited from money never paid. Every
    day in between reads as before; followed read models equal rebuilt ones."""
    for drafted_before in (True, False):
        app = QuoteToCash.open(f"sqlite:///{tmp_path / f'q2c-{drafted_before}.db'}")
        live = all_projections(ProjectionStore.memory())
        acme, invoice, _ = acme_pays_short(app)
        early = credit(app, invoice) if drafted_before else None
        write_off(app, invoice)
        catch_up(app, live)
        note = early if early is not None else credit(app, invoice, LATER)
        issue(app, note, LATER)

        inv = app.invoice(invoice)
        assert (inv.credited, inv.paid, inv.written_off, inv.outstanding) == (
            eur("1210.00"),
            eur(0),
            eur(0),
            eur(0),
        )
        first, back = inv.write_offs
        assert (first.amount, first.written_off_on) == (eur("0.02"), PAID)
        assert (back.amount, back.written_off_on, back.actor) == (eur("-0.02"), LATER, "bea")
        assert back.reason == "credited by credit note CN-000001"
        assert inv.written_off_by(LATER - timedelta(days=1)) == eur("0.02")
        assert app.customer_credit(acme) == eur("1209.98")
        summary = app.customer_summary(acme)
        assert (summary.written_off, summary.open, summary.credit) == (
            eur(0),
            eur(0),
            eur("1209.98"),
        )
        assert summary.invoiced - summary.paid - summary.written_off == summary.open
        between = app.customer_summary(acme, as_of=LATER - timedelta(days=1))
        assert (between.written_off, between.open, between.paid) == (
            eur("0.02"),
            eur(0),
            eur("1209.98"),
        )

        catch_up(app, live)
        rebuilt = all_projections(ProjectionStore.memory())
        rebuild(app, rebuilt)
        for followed, fresh in zip(live, rebuilt, strict=True):
            assert followed.rows() == fresh.rows(), followed.name
        aging, statements = read_side(app)
        assert aging.open_invoices(LATER) == [] and aging.past_due(LATER) == []
        s = statements.statement(acme)
        assert [(w.written_off_on, w.amount) for w in s.write_offs] == [
            (PAID, eur("0.02")),
            (LATER, eur("-0.02")),
        ]
        assert (s.open, s.credit, s.balances[0].written_off) == (
            eur(0),
            eur("1209.98"),
            eur(0),
        )
        table = report_table("statements", [statements], LATER)
        assert [r[1] for r in table.rows if "write-off" in str(r[1])] == [
            "write-off",
            "write-off taken back",
        ]
        row = invoices_export(app)["INV-000001"]
        assert (row["credited"], row["written_off"], row["outstanding"]) == (
            "1210.00",
            "0.00",
            "0.00",
        )

        text = export_ledger(app)
        checked = text + balance_assertions(app, [acme], text)
        entries = load_ok(checked)
        [undone] = [e for e in entries if "taken back" in getattr(e, "narration", "")]
        assert undone.date == LATER
        assert {(p.account, p.units.number) for p in undone.postings} == {
            (REMAINDER_WRITE_OFFS, Decimal("-0.02")),
            (LedgerBook(app).receivable(acme), Decimal("0.02")),
        }
        bean_check(tmp_path, checked)
        app.close()


def test_a_credit_note_of_half_the_work_lets_the_money_paid_pay_the_rest_first() -> None:
    """Half the work credited (605.00 of 1,210.00): the 1,209.98 paid pays the 605.00 left, so
    604.98 is given back and the 0.02 is taken back (giving back 605.00 would hand Acme the
    bank's fee, booked as our loss). The other half credited later gives back the 605.00."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A, tax_rate=VAT)
    lines = [manual_line("L1", "500", VAT), manual_line("L2", "500", VAT)]
    invoice = app.draft_invoice(acme, lines, drafted_on=ISSUED, actor="billy")
    issue(app, invoice, ISSUED)
    pay = app.receive_payment(acme, eur("1209.98"), received_on=PAID, reference="T", actor="b")
    app.allocate_payment(pay, allocated_on=PAID, actor="bea")
    write_off(app, invoice)
    for line_id, day in (("L1", LATER), ("L2", LATER + timedelta(days=1))):
        note = credit(app, invoice, day, (line_id,), "not delivered")
        issue(app, note, day)
        inv = app.invoice(invoice)
        if line_id == "L1":
            assert (inv.written_off, inv.paid, inv.outstanding) == (
                eur(0),
                eur("605.00"),
                eur(0),
            )
            assert app.customer_credit(acme) == eur("604.98")
            assert [w.amount for w in inv.write_offs] == [eur("0.02"), eur("-0.02")]
    assert (inv.written_off, inv.paid, inv.credited, inv.outstanding) == (
        eur(0),
        eur(0),
        eur("1210.00"),
        eur(0),
    )
    assert app.customer_credit(acme) == eur("1209.98")


def test_a_write_off_of_what_stays_unpaid_stands_as_far_as_it_is_unpaid() -> None:
    """Paid 1,000.00 of 1,210.00 and the 210.00 written off (a settlement): a note of 121.00
    leaves 1,089.00, of which 89.00 stays unpaid, written off; 121.00 of the write-off is
    taken back and credited, nothing is given back."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A, tax_rate=VAT)
    lines = [manual_line("L1", "900", VAT), manual_line("L2", "100", VAT)]
    invoice = app.draft_invoice(acme, lines, drafted_on=ISSUED, actor="billy")
    issue(app, invoice, ISSUED)
    pay = app.receive_payment(acme, eur("1000.00"), received_on=PAID, reference="T", actor="b")
    app.allocate_payment(pay, allocated_on=PAID, actor="bea")
    write_off(app, invoice, at_most="210.00")
    note = credit(app, invoice, LATER, ("L2",), "not delivered")
    issue(app, note, LATER)
    inv = app.invoice(invoice)
    assert (inv.credited, inv.paid, inv.written_off, inv.outstanding) == (
        eur("121.00"),
        eur("1000.00"),
        eur("89.00"),
        eur(0),
    )
    assert app.customer_credit(acme) == eur(0)


def test_a_credit_note_dated_before_the_write_off_it_takes_back_is_refused() -> None:
    """Written off on 5 February, the whole invoice credited on 3 February: on that day nothing
    was written off yet, so nothing could be taken back (RuleViolated naming issued_on);
    nothing recorded, every total as it was."""
    app = QuoteToCash.open("memory:")
    _, invoice, _ = acme_pays_short(app)
    note = credit(app, invoice)
    write_off(app, invoice, on=date(2024, 2, 5))
    app.approve_invoice(note, role="billing", approved_on=PAID, actor="bea")
    app.approve_invoice(note, role="account_manager", approved_on=PAID, actor="mia")
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.issue_invoice(note, issued_on=date(2024, 2, 3), actor="bea")
    assert refused.value.field == "issued_on"
    assert "2024-02-05" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    inv = app.invoice(invoice)
    assert (inv.paid, inv.credited, inv.written_off, inv.outstanding) == (
        eur("1209.98"),
        eur(0),
        eur("0.02"),
        eur(0),
    )


@pytest.mark.parametrize(
    ("currency", "net", "paid", "left", "shown"),
    [("JPY", "10000", "12090", "10", "10"), ("KWD", "100.000", "120.995", "0.005", "0.005")],
)
def test_minor_units_of_yen_and_dinar(
    currency: str, net: str, paid: str, left: str, shown: str, tmp_path: Path
) -> None:
    """12,100 JPY invoiced, 12,090 arrive: 10 JPY written off (no decimals); 121.000 KWD
    invoiced, 120.995 arrive: 0.005 KWD written off (three decimals). The ledger passes
    bean-check and the export writes each currency's minor digits."""
    app = QuoteToCash.open("memory:")
    acme, invoice, _ = acme_pays_short(app, currency, net, paid)
    tolerance = Money.of("0.01" if currency == "KWD" else "50", currency)
    with pytest.raises(CurrencyMismatch):
        write_off(app, invoice)  # (a tolerance in euros)
    done = app.write_off_remainder(
        invoice, written_off_on=PAID, reason=FEE, actor="bea", at_most=tolerance
    )
    assert done == Money.of(left, currency)
    assert app.customer_summary(acme).open.is_zero()
    row = invoices_export(app)["INV-000001"]
    assert (row["written_off"], row["outstanding"]) == (
        shown,
        "0" if currency == "JPY" else "0.000",
    )
    text = export_ledger(app)
    assert f"{REMAINDER_WRITE_OFFS}  {shown} {currency}" in text
    load_ok(text)
    bean_check(tmp_path, text)


def test_the_past_due_notices_and_the_suspension_policy_no_longer_count_it() -> None:
    """Acme's contract invoice of 450.00 is paid 449.65 (a 0.35 bank fee): without a minimum,
    the policy of 15 March suspended the contract for 0.35 EUR unpaid. Written off on 10
    January, nothing is late: no suspension, and the dunning run notices nothing."""
    app = QuoteToCash.open("memory:")
    contract = acme_paid(app, "449.65")
    [invoice] = [i.id for i in app.invoices(app.contract(contract).customer_id) if i.number]
    assert app.invoice(invoice).outstanding == eur("0.35")
    write_off(app, invoice, on=date(2024, 1, 10), at_most="0.50")
    assert app.apply_past_due_policy(PastDuePolicy(days=30), MID_MARCH, actor="policy") == []
    assert app.contract(contract).status is ContractStatus.ACTIVE
    assert app.notice_past_due(MID_MARCH, actor="dunning") == []


def test_the_dunning_run_notices_a_debt_reopened_by_a_bounce() -> None:
    """Written off on 1 February; the payment bounces on 1 March: the run of 15 March notices
    the 1,209.98 past due."""
    app = QuoteToCash.open("memory:")
    _, invoice, pay = acme_pays_short(app)
    write_off(app, invoice)
    assert app.notice_past_due(DUE + timedelta(days=1), actor="dunning") == []
    app.bounce_payment(pay, bounced_on=BOUNCED, reason="returned", actor="bank")
    assert app.notice_past_due(LATER, actor="dunning") == [invoice]


def test_money_written_off_earns_no_commission() -> None:
    """Mia's 1,210.00 invoice (enhancement 500.00 at 5 %, maintenance 500.00 at 2 %) is paid
    1,200.00 and the 10.00 left (a disputed bank charge) written off: her commission is what
    the 1,200.00 earned (34.71), exactly as before the write-off, not the 35.00 the whole
    invoice would; the write-off adds no commission line."""
    app = QuoteToCash.open("memory:")
    cust, invoice = _invoice(app)
    _pay(app, cust, "1200.00", date(2024, 3, 10), "r1")
    before = _commissions(app)
    earned = _mia(before)
    app.write_off_remainder(
        invoice,
        written_off_on=date(2024, 3, 20),
        reason="disputed bank charge",
        actor="bea",
        at_most=eur("10.00"),
    )
    live = _commissions(app)
    assert _mia(live) == earned == Decimal("34.71")
    assert live.lines() == before.lines()


def test_the_review_meeting_reads_a_written_off_remainder_as_settled() -> None:
    """Acme's request (10 hours at 100.00) is invoiced 1,210.00 and paid 1,209.98: it stays on
    the agenda (not paid in full); once the 0.02 is written off it leaves it. The agenda of the
    day before the write-off still shows it."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A, tax_rate=VAT)
    job = authorized_request(app, acme, "Export", date(2024, 1, 2))
    app.log_work(job, work("w1", date(2024, 1, 3), "10"), actor="bob")
    app.complete_request(job, completed_on=date(2024, 1, 4), actor=A)
    invoice = app.draft_request_invoice(job, drafted_on=ISSUED, actor="billy")
    issue(app, invoice, ISSUED)
    pay = app.receive_payment(acme, eur("1209.98"), received_on=PAID, reference="t", actor=A)
    app.allocate_payment(pay, allocated_on=PAID, actor=A)
    review = ReviewMeeting()
    catch_up(app, [review])
    assert [i.request_id for i in review.items(LATER)] == [job.hex]
    write_off(app, invoice, on=date(2024, 2, 5))
    catch_up(app, [review])
    assert review.items(LATER) == []
    assert [i.request_id for i in review.items(date(2024, 2, 4))] == [job.hex]


def test_history_explain_and_the_invoice_document_show_it(tmp_path: Path) -> None:
    """On a SQLite file: ``q2c history INV-000001`` lists RemainderWrittenOff with its amount,
    day and reason; ``explain aging`` lists it among the row's events; the HTML invoice shows
    0.02 written off and nothing due."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    _, invoice, _ = acme_pays_short(app)
    write_off(app, invoice)
    page = render_html(app, invoice)
    assert "Written off" in page and "0.02" in page
    assert "Nothing is due" in page
    assert render_pdf(app, invoice).startswith(b"%PDF")
    app.close()
    reopened = QuoteToCash.open(url)  # (the event loads back from the file)
    assert reopened.invoice(invoice).written_off == eur("0.02")
    reopened.close()
    runner = CliRunner(env={"COLUMNS": "400"})
    shown = runner.invoke(cli, ["history", "INV-000001", "--url", url])
    assert shown.exit_code == 0, shown.output
    assert "RemainderWrittenOff" in shown.output
    assert "amount=0.02 EUR" in shown.output.replace(",", "")
    assert f"reason={FEE}" in shown.output and "written_off_on=2024-02-01" in shown.output
    explained = runner.invoke(cli, ["explain", "aging", "INV-000001", "--url", url])
    assert explained.exit_code == 0, explained.output
    assert "RemainderWrittenOff" in explained.output


def test_the_statements_report_lists_the_write_off_with_its_reason() -> None:
    app = QuoteToCash.open("memory:")
    _, invoice, _ = acme_pays_short(app)
    write_off(app, invoice)
    statements = CustomerStatement()
    catch_up(app, [statements])
    table = report_table("statements", [statements], LATER)
    rows = [r for r in table.rows if r[1] == "write-off"]
    assert [(r[2], r[3], r[4]) for r in rows] == [(f"INV-000001: {FEE}", PAID, eur("0.02"))]
