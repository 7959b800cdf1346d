"""Credit notes: a price concession drafted by hand takes the revenue back and bills nothing again.

Acme's enhancement request is invoiced 1,000.00 EUR on 9 March 2024 for its 10 hours at 100.00
(two time entries: 9 hours, and 1 hour on the last day), and Acme pays 900.00 on 20 March: the
delivery was late, and the account manager grants 10 % off. On 25 March a credit note drafted by
hand credits the 1-hour line (100.00, 10 % of the invoice) with the CORRECTED disposition: the
charge no longer applies. Under ASC 606 / IFRS 15 a price concession is variable consideration:
it reduces revenue (not a credit loss, as a write-off is), and the work is not billable again
(re-billable, it would show as unbilled and could be billed a second time).

So Acme owes nothing; the revenue schedule recognises 900.00, as the Beancount ledger books it
(Income 900.00, no write-off expense); no hour is unbilled nor billable again; the account
manager earns commission on the 900.00 collected. A billing run's contract line keeps being
credited by the run alone: the concession is refused on it, naming ``disposition``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs
import pytest
from test_beancount_ledger import issue, load_ok, manual_line
from test_beancount_ledger_revenue import assert_books_agree_with_the_report, globex_quarter
from test_revenue_written_off_credit import books_through, maintenance_source

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_core import (
    ZERO_RATED,
    CreditDisposition,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    Money,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
    TimeEntry,
)
from q2c_core.domain.errors import AlreadyBilled, InvalidTransition, InvalidValue
from q2c_core.projections import (
    Commissions,
    CustomerStatement,
    Kpis,
    ReceivablesAging,
    RevenueSchedule,
    ReviewMeeting,
    UnbilledRevenue,
    all_projections,
    catch_up,
    rebuild,
)

A = "alice"
RATE = Money.of("100", "EUR")
PAID_ON = date(2024, 3, 20)
CONCEDED_ON = date(2024, 3, 25)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@attrs.frozen
class Story:
    acme: UUID
    request: UUID
    invoice: UUID
    note: UUID
    mark: int  # the last notification recorded before the concession


def late_delivery(app: QuoteToCash) -> Story:
    """Acme's 10 hours invoiced 1,000.00, 900.00 paid, then 10 % conceded (the 1-hour line)."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A, tax_rate=ZERO_RATED)
    r = app.open_request(acme, "Export to CSV", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r, hours=10, rate=RATE, actor=A)
    app.send_quote(r, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        r, number="PO-77", amount=eur("1000"), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(r, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(r, TimeEntry("t1", "bob", date(2024, 3, 5), Decimal("9"), RATE), actor="bob")
    app.log_work(r, TimeEntry("t2", "bob", date(2024, 3, 6), Decimal("1"), RATE), actor="bob")
    app.complete_request(r, completed_on=date(2024, 3, 7), actor=A)
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 8), actor="billy")
    issue(app, invoice, date(2024, 3, 9))
    assert app.invoice(invoice).total == eur("1000.00")
    pay = app.receive_payment(acme, eur("900.00"), received_on=PAID_ON, reference="r", actor=A)
    app.allocate_payment(pay, allocated_on=PAID_ON, actor=A)
    [hour] = [ln.line_id for ln in app.invoice(invoice).lines if ln.net == eur("100.00")]
    mark = app.recorder.max_notification_id() or 0
    note = app.draft_credit_note(
        invoice, line_ids=[hour], disposition=CreditDisposition.CORRECTED,
        reason="10 % off: the delivery was late", drafted_on=CONCEDED_ON, actor="billy",
    )  # fmt: skip
    issue(app, note, CONCEDED_ON)
    return Story(acme, r, invoice, note, mark)


def test_the_concession_settles_what_acme_owes_and_takes_the_revenue_back() -> None:
    app = QuoteToCash.open("memory:")
    s = late_delivery(app)
    assert app.invoice(s.note).credit_disposition is CreditDisposition.CORRECTED
    assert app.invoice(s.invoice).outstanding == eur("0.00")
    statements = CustomerStatement()
    schedule = RevenueSchedule()
    catch_up(app, [statements, schedule])
    statement = statements.statement(s.acme)
    assert statement.open == eur("0.00") and statement.credit == eur("0.00")
    assert statements.statement(s.acme, date(2024, 3, 24)).open == eur("100.00")
    # the revenue: 1,000.00 earned in March, 100.00 of it taken back on the note's day
    assert schedule.recognised(date(2024, 3, 24)) == {"EUR": eur("1000.00")}
    assert schedule.recognised(date(2024, 3, 31)) == {"EUR": eur("900.00")}
    # the books say the same: Income 900.00, and no write-off expense (not a credit loss)
    books = books_through(app, date(2024, 3, 31))
    assert books["Income:Enhancement"] == Decimal("-900.00")
    assert not [a for a, v in books.items() if a.startswith("Expenses:WriteOffs") and v]
    text = export_ledger(app)
    load_ok(text)
    assert assert_books_agree_with_the_report(app, [s.acme], text)


def test_the_conceded_hour_stays_billed() -> None:
    app = QuoteToCash.open("memory:")
    s = late_delivery(app)
    request = app.request(s.request)
    assert set(request.billed) == {"t1", "t2"}
    unbilled = UnbilledRevenue()
    review = ReviewMeeting()
    kpis = Kpis()
    catch_up(app, [unbilled, review, kpis])
    assert unbilled.items(date(2024, 3, 31)) == []
    assert unbilled.items(date(2024, 3, 24)) == []
    assert [i for i in review.items(date(2024, 3, 31)) if i.request_id == s.request.hex] == []
    [time] = kpis.time_entered_vs_invoiced()
    assert (time.entered, time.invoiced) == (Decimal(10), Decimal(10))
    # not billable again: neither by the request's invoice nor by a line naming the hour
    assert request.status is RequestStatus.INVOICED
    with pytest.raises(InvalidTransition) as refused:
        app.draft_request_invoice(s.request, drafted_on=date(2024, 3, 26), actor="billy")
    assert refused.value.field == "status"
    again = InvoiceLine(
        line_id="L1", description="Export to CSV, 1 hour", quantity=Decimal(1),
        unit_price=RATE, tax=ZERO_RATED,
        source=LineSource(SourceKind.WORK, request_id=s.request, time_entry_ids=("t2",)),
        revenue_kind=RevenueKind.ENHANCEMENT,
    )  # fmt: skip
    before = app.recorder.max_notification_id()
    with pytest.raises(AlreadyBilled):
        app.draft_invoice(s.acme, [again], drafted_on=date(2024, 3, 26), actor="billy")
    assert app.recorder.max_notification_id() == before


def test_the_history_names_the_concession_not_a_write_off() -> None:
    """An auditor reading the request's history sees the hour conceded, in those words: a
    write-off is a credit loss, which this is not."""
    app = QuoteToCash.open("memory:")
    s = late_delivery(app)
    names = [type(e).__qualname__ for e in app.events.get(s.request)]
    assert "EnhancementRequest.WorkConceded" in names
    assert "EnhancementRequest.WorkWrittenOff" not in names
    [conceded] = [e for e in app.events.get(s.request) if type(e).__name__ == "WorkConceded"]
    assert (conceded.credit_note_id, conceded.item_ids) == (s.note, ["t2"])
    assert app.request(s.request).written_off == {"t2": s.note.hex}


def test_commission_follows_the_900_collected() -> None:
    app = QuoteToCash.open("memory:")
    late_delivery(app)
    live = Commissions()
    catch_up(app, [live])
    collected = sum((ln.collected.amount for ln in live.lines()), Decimal(0))
    commission = sum((ln.commission.amount for ln in live.lines()), Decimal(0))
    assert {ln.revenue_kind for ln in live.lines()} == {"enhancement"}
    assert (collected, commission) == (Decimal("900.00"), Decimal("45.00"))


def test_projections_incremental_equal_rebuilt_and_as_of_before_the_concession() -> None:
    app = QuoteToCash.open("memory:")
    s = late_delivery(app)
    live = all_projections()
    catch_up(app, live)
    rebuilt = all_projections()
    rebuild(app, rebuilt)
    for one, other in zip(live, rebuilt, strict=True):
        assert one.rows() == other.rows(), one.name
    # built from what was recorded up to the concession: as the full history reads that day
    before = [RevenueSchedule(), CustomerStatement(), ReceivablesAging()]
    catch_up(app, before, until=s.mark)
    schedule, statements, _ = before
    assert schedule.recognised(date(2024, 3, 24)) == {"EUR": eur("1000.00")}
    assert statements.statement(s.acme).open == eur("100.00")
    full = CustomerStatement()
    catch_up(app, [full])
    assert full.statement(s.acme, date(2024, 3, 24)) == statements.statement(
        s.acme, date(2024, 3, 24)
    )


def test_the_concession_is_refused_on_a_billing_run_contract_line() -> None:
    """A run's contract line is credited by the run when the contract changes: a concession
    drafted by hand on it is refused naming ``disposition``, nothing recorded."""
    app = QuoteToCash.open("memory:")
    globex, _ = globex_quarter(app)
    statements = CustomerStatement()
    catch_up(app, [statements])
    [row] = statements.statement(globex).invoices
    invoice_id = UUID(row.invoice_id)
    line = app.invoice(invoice_id).lines[0]
    assert line.source is not None and line.source.sub_contract_id is not None
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.draft_credit_note(
            invoice_id, line_ids=[line.line_id], disposition=CreditDisposition.CORRECTED,
            reason="10 % off", drafted_on=date(2026, 4, 2), actor="billy",
        )  # fmt: skip
    assert refused.value.field == "disposition"
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice_id).status is InvoiceStatus.ISSUED


def test_the_concession_is_refused_on_a_contract_line_of_no_sub_contract() -> None:
    """A contract's year billed on a line of no sub-contract (as an older history recorded it)
    still bills a contract: the concession is refused there too, naming ``disposition``."""
    app = QuoteToCash.open("memory:")
    beta = app.register_customer("Beta", "EUR", account_manager="max", actor=A)
    source = maintenance_source(app, beta, "contract")
    line = manual_line("L1", "1200.00", ZERO_RATED, RevenueKind.MAINTENANCE, source)
    invoice = app.draft_invoice(beta, [line], drafted_on=date(2024, 1, 2), actor="billy")
    issue(app, invoice, date(2024, 1, 2))
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.draft_credit_note(
            invoice, line_ids=["L1"], disposition=CreditDisposition.CORRECTED,
            reason="10 % off", drafted_on=date(2024, 2, 1), actor="billy",
        )  # fmt: skip
    assert refused.value.field == "disposition"
    assert app.recorder.max_notification_id() == before
