"""The review meeting after credit notes, late hours and deposits: what a request is invoiced
(net revenue billed for its work) and paid (how much of it is collected), and when it leaves
the agenda, as the domain tells it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_story_invoice import A, approve, customer, eur
from test_story_shared_allowance_overage import YEAR, report, timesheet, unbilled_on

from q2c_core import (
    AllowanceUnit,
    AlreadyBilled,
    CreditDisposition,
    Expense,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    Money,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
    TaxRate,
    TimeEntry,
)
from q2c_core.projections import (
    AwaitingPurchaseOrder,
    ReviewItem,
    ReviewMeeting,
    catch_up,
    rebuild,
)

ON = date(2024, 3, 31)


class Meeting:
    """The review meeting followed as the story happens, and rebuilt from scratch at the end."""

    def __init__(self, app: QuoteToCash) -> None:
        self.app = app
        self.live = [ReviewMeeting(), AwaitingPurchaseOrder()]

    def agenda(self) -> dict[str, ReviewItem]:
        """Requests on the agenda by title, after following what happened since last time."""
        catch_up(self.app, self.live, page_size=7)
        review = self.live[0]
        assert isinstance(review, ReviewMeeting)
        return {item.title: item for item in review.items(ON)}

    def figures(self, title: str) -> tuple[str, Money, Money, Decimal]:
        """(status, invoiced, paid, hours) of one request on the agenda."""
        item = self.agenda()[title]
        return item.status, item.invoiced, item.paid, item.actual_hours

    def equals_its_rebuild(self) -> None:
        """Followed event by event, the rows are those of a rebuild from an empty start."""
        catch_up(self.app, self.live, page_size=7)
        again = [ReviewMeeting(), AwaitingPurchaseOrder()]
        rebuild(self.app, again)
        for live, rebuilt in zip(self.live, again, strict=True):
            assert live.rows() == rebuilt.rows(), live.name


def acme_with_ten_prepaid_hours() -> tuple[QuoteToCash, Meeting, UUID, UUID]:
    """A new store, its review meeting, Acme and the 10 hours Acme prepaid for the year."""
    app = QuoteToCash.open("memory:")
    acme = customer(app)
    ten_hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, period=YEAR, granted_on=YEAR.start, actor=A
    )
    return app, Meeting(app), acme, ten_hours


def hourly_request(
    app: QuoteToCash, cust: UUID, title: str, hours: tuple[int, ...], *, complete: bool = True
) -> UUID:
    """A request quoted at 100.00 an hour, PO received, authorized, the hours logged."""
    request = app.open_request(cust, title, requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, hours=sum(hours), rate=eur(100), actor=A)
    app.send_quote(request, sent_on=date(2024, 3, 1), actor=A)
    app.receive_purchase_order(
        request,
        number=f"PO-{title}",
        amount=eur(100 * sum(hours)),
        received_on=date(2024, 3, 2),
        actor=A,
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 2), actor=A)
    for n, h in enumerate(hours, start=1):
        entry = TimeEntry(f"t{n}", "bob", date(2024, 3, 2 + n), Decimal(h), eur(100))
        app.log_work(request, entry, actor="bob")
    if complete:
        app.complete_request(request, completed_on=date(2024, 3, 10), actor=A)
    return request


def issue(app: QuoteToCash, invoice: UUID, on: date) -> None:
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=on, actor="bea")


def bill(app: QuoteToCash, request: UUID, on: date) -> UUID:
    """Invoice the request's unbilled work, approved and issued."""
    invoice = app.draft_request_invoice(request, drafted_on=on, actor="billy")
    issue(app, invoice, on)
    return invoice


def pay(app: QuoteToCash, invoice: UUID, amount: Money, on: date) -> None:
    cust = app.invoice(invoice).customer_id
    payment = app.receive_payment(cust, amount, received_on=on, reference="bank", actor=A)
    app.allocate_payment(payment, [(invoice, amount)], allocated_on=on, actor=A)


def credit(
    app: QuoteToCash, invoice: UUID, lines: list[str], disposition: CreditDisposition
) -> UUID:
    note = app.draft_credit_note(
        invoice,
        line_ids=lines,
        disposition=disposition,
        reason="not delivered",
        drafted_on=date(2024, 3, 15),
        actor="billy",
    )
    issue(app, note, date(2024, 3, 15))
    return note


# -- credit notes ---------------------------------------------------------------------------------


def test_a_line_written_off_and_the_rest_paid_takes_the_request_off_the_agenda() -> None:
    """Ten hours billed at 100.00 (1,210.00 with 21 % tax); the first day's 4 hours (400.00)
    are credited, written off (484.00); the customer pays the 726.00 left. The request was
    invoiced 600.00 net and 600.00 of it is paid: done, off the agenda."""
    app = QuoteToCash.open("memory:")
    meeting = Meeting(app)
    request = hourly_request(app, customer(app), "Export", (4, 6))
    invoice = bill(app, request, date(2024, 3, 12))
    assert app.invoice(invoice).total == eur("1210.00")
    assert meeting.figures("Export") == ("invoiced", eur("1000.00"), eur("0.00"), Decimal(10))

    credit(app, invoice, ["L1"], CreditDisposition.WRITTEN_OFF)
    assert app.invoice(invoice).outstanding == eur("726.00")
    assert meeting.figures("Export") == ("invoiced", eur("600.00"), eur("0.00"), Decimal(10))

    pay(app, invoice, eur("726.00"), date(2024, 3, 20))
    assert app.invoice(invoice).is_settled()
    assert app.request(request).status is RequestStatus.INVOICED
    assert "Export" not in meeting.agenda()
    meeting.equals_its_rebuild()


def test_a_line_written_off_after_payment_leaves_the_request_paid_for_what_it_kept() -> None:
    """Paid 1,210.00 in full, then 4 hours written off: 484.00 goes back to the customer as
    credit, the invoice keeps 726.00 of the money. Invoiced 600.00, paid 600.00: off, until a
    late hour re-opens it and shows those figures."""
    app = QuoteToCash.open("memory:")
    meeting = Meeting(app)
    request = hourly_request(app, customer(app), "Export", (4, 6))
    invoice = bill(app, request, date(2024, 3, 12))
    pay(app, invoice, eur("1210.00"), date(2024, 3, 14))
    assert "Export" not in meeting.agenda()

    credit(app, invoice, ["L1"], CreditDisposition.WRITTEN_OFF)
    assert app.invoice(invoice).paid == eur("726.00")
    assert "Export" not in meeting.agenda()
    # an hour turns up late: back on the agenda, showing what was kept of the first invoice
    late = TimeEntry("late", "bob", date(2024, 3, 9), Decimal(1), eur(100))
    app.import_work(request, late, source="psa.csv", actor="import")
    assert meeting.figures("Export") == ("completed", eur("600.00"), eur("600.00"), Decimal(11))
    meeting.equals_its_rebuild()


def test_a_wholly_written_off_invoice_leaves_nothing_to_collect() -> None:
    """Every line credited for good: the request stays invoiced (the domain's rule), invoiced
    0.00 and nothing to chase, so it is off the agenda."""
    app = QuoteToCash.open("memory:")
    meeting = Meeting(app)
    request = hourly_request(app, customer(app), "Export", (4, 6))
    invoice = bill(app, request, date(2024, 3, 12))
    credit(app, invoice, ["L1", "L2"], CreditDisposition.WRITTEN_OFF)
    assert app.invoice(invoice).is_settled()
    assert app.request(request).status is RequestStatus.INVOICED
    assert "Export" not in meeting.agenda()
    meeting.equals_its_rebuild()


def test_work_credited_as_rebillable_is_back_on_the_agenda_until_billed_again_and_paid() -> None:
    """4 hours credited re-billable: the request is completed again with 600.00 invoiced and
    paid; billed again (484.00) and paid, it is invoiced 1,000.00, paid 1,000.00: off."""
    app = QuoteToCash.open("memory:")
    meeting = Meeting(app)
    request = hourly_request(app, customer(app), "Export", (4, 6))
    invoice = bill(app, request, date(2024, 3, 12))
    credit(app, invoice, ["L1"], CreditDisposition.REBILLABLE)
    pay(app, invoice, eur("726.00"), date(2024, 3, 20))
    assert meeting.figures("Export") == ("completed", eur("600.00"), eur("600.00"), Decimal(10))

    again = bill(app, request, date(2024, 3, 21))
    assert app.invoice(again).total == eur("484.00")
    assert meeting.figures("Export") == ("invoiced", eur("1000.00"), eur("600.00"), Decimal(10))
    pay(app, again, eur("484.00"), date(2024, 3, 25))
    assert "Export" not in meeting.agenda()
    meeting.equals_its_rebuild()


# -- late hours -----------------------------------------------------------------------------------


def test_late_hours_on_a_paid_hourly_request_put_it_back_on_the_agenda_until_billed() -> None:
    """4 hours billed (484.00) and paid; then a PSA export brings 3 more hours. The domain
    re-opens the request (completed, 300.00 unbilled): the meeting lists it as completed with
    7 hours, 400.00 invoiced and paid. Billed (363.00) and paid, it is off again."""
    app = QuoteToCash.open("memory:")
    meeting = Meeting(app)
    request = hourly_request(app, customer(app), "Export", (4,))
    invoice = bill(app, request, date(2024, 3, 12))
    pay(app, invoice, eur("484.00"), date(2024, 3, 14))
    assert "Export" not in meeting.agenda()

    late = TimeEntry("late", "bob", date(2024, 3, 9), Decimal(3), eur(100))
    assert app.import_work(request, late, source="psa.csv", actor="import")
    assert app.request(request).status is RequestStatus.COMPLETED
    assert app.unbilled_work(request) == eur("300.00")
    assert meeting.figures("Export") == ("completed", eur("400.00"), eur("400.00"), Decimal(7))

    late_invoice = bill(app, request, date(2024, 3, 16))
    assert app.invoice(late_invoice).total == eur("363.00")
    assert meeting.figures("Export") == ("invoiced", eur("700.00"), eur("400.00"), Decimal(7))
    pay(app, late_invoice, eur("363.00"), date(2024, 3, 20))
    assert "Export" not in meeting.agenda()
    meeting.equals_its_rebuild()


def test_late_hours_that_bill_nothing_leave_the_request_invoiced() -> None:
    """The domain re-opens only an hourly request, and only for billable hours: late hours on
    a fixed price (billed once) or not billable leave it invoiced, paid, off the agenda."""
    app = QuoteToCash.open("memory:")
    meeting = Meeting(app)
    cust = customer(app)
    fixed = app.open_request(cust, "Logo", requested_on=date(2024, 3, 1), actor=A)
    # a fixed price may carry the hours it expects: still billed once
    app.estimate_request(fixed, hours=5, fixed_price=eur(500), actor=A)
    app.send_quote(fixed, sent_on=date(2024, 3, 1), actor=A)
    app.receive_purchase_order(
        fixed, number="PO-L", amount=eur(500), received_on=date(2024, 3, 2), actor=A
    )
    app.authorize_work(fixed, authorized_on=date(2024, 3, 2), actor=A)
    app.log_work(fixed, TimeEntry("t1", "bob", date(2024, 3, 3), 5, eur(100)), actor="bob")
    app.complete_request(fixed, completed_on=date(2024, 3, 10), actor=A)
    logo = bill(app, fixed, date(2024, 3, 12))
    pay(app, logo, eur("605.00"), date(2024, 3, 14))
    hourly = hourly_request(app, cust, "Export", (4,))
    export = bill(app, hourly, date(2024, 3, 12))
    pay(app, export, eur("484.00"), date(2024, 3, 14))

    app.import_work(
        fixed, TimeEntry("late", "bob", date(2024, 3, 9), 2, eur(100)), source="psa", actor="i"
    )
    unpaid_time = TimeEntry("late", "bob", date(2024, 3, 9), 2, eur(100), billable=False)
    app.import_work(hourly, unpaid_time, source="psa", actor="i")
    assert app.request(fixed).status is RequestStatus.INVOICED
    assert app.request(hourly).status is RequestStatus.INVOICED
    assert meeting.agenda() == {}
    meeting.equals_its_rebuild()


# -- deposits -------------------------------------------------------------------------------------


@pytest.mark.parametrize("linked", [True, False], ids=["deposit-of-the-request", "deposit"])
def test_a_deposit_deducted_on_the_final_invoice_counts_once_and_as_paid(linked: bool) -> None:
    """A 30-hour job: a deposit of 1,000.00 (1,210.00 with tax) is billed and paid first. The
    final invoice bills the 3,000.00 of work less the deposit: 2,420.00. While the work goes on
    nothing is invoiced for it (a deposit is an advance); once the final invoice is issued the
    request is invoiced 3,000.00 of which the deposit's 1,000.00 is paid; with the final paid
    it is paid 3,000.00 and off the agenda."""
    app = QuoteToCash.open("memory:")
    meeting = Meeting(app)
    cust = customer(app)
    request = hourly_request(app, cust, "Portal", (15, 15), complete=False)
    deposit = app.draft_deposit_invoice(
        cust,
        eur(1000),
        description="Deposit for the portal",
        drafted_on=date(2024, 3, 4),
        actor="billy",
        request_id=request if linked else None,
    )
    issue(app, deposit, date(2024, 3, 4))
    pay(app, deposit, eur("1210.00"), date(2024, 3, 6))
    assert meeting.figures("Portal") == ("authorized", eur("0"), eur("0.00"), Decimal(30))

    app.complete_request(request, completed_on=date(2024, 3, 20), actor=A)
    final = app.draft_request_invoice(request, drafted_on=date(2024, 3, 21), actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    issue(app, final, date(2024, 3, 21))
    assert app.invoice(final).total == eur("2420.00")
    assert meeting.figures("Portal") == ("invoiced", eur("3000.00"), eur("1000.00"), Decimal(30))

    pay(app, final, eur("2420.00"), date(2024, 3, 25))
    assert app.invoice(deposit).is_settled() and app.invoice(final).is_settled()
    assert "Portal" not in meeting.agenda()
    meeting.equals_its_rebuild()


def test_a_voided_final_invoice_gives_the_deposit_back_to_the_next_one() -> None:
    """The first final invoice is voided before it is issued: the request is completed, nothing
    invoiced; the deposit is deducted on the next final invoice, which is paid: off."""
    app = QuoteToCash.open("memory:")
    meeting = Meeting(app)
    cust = customer(app)
    request = hourly_request(app, cust, "Portal", (15, 15))
    deposit = app.draft_deposit_invoice(
        cust, eur(1000), description="Deposit", drafted_on=date(2024, 3, 4), actor="billy"
    )
    issue(app, deposit, date(2024, 3, 4))
    pay(app, deposit, eur("1210.00"), date(2024, 3, 6))
    wrong = app.draft_request_invoice(request, drafted_on=date(2024, 3, 21), actor="billy")
    app.deduct_deposit(wrong, deposit, actor="billy")
    assert meeting.figures("Portal") == ("invoiced", eur("3000.00"), eur("1000.00"), Decimal(30))
    app.void_invoice(wrong, reason="wrong rate", actor="billy", voided_on=date(2024, 3, 21))
    assert app.invoice(wrong).status is InvoiceStatus.VOIDED
    assert meeting.figures("Portal") == ("completed", eur("0"), eur("0.00"), Decimal(30))

    final = app.draft_request_invoice(request, drafted_on=date(2024, 3, 22), actor="billy")
    app.deduct_deposit(final, deposit, actor="billy")
    issue(app, final, date(2024, 3, 22))
    pay(app, final, eur("2420.00"), date(2024, 3, 25))
    assert "Portal" not in meeting.agenda()
    meeting.equals_its_rebuild()


# -- allowance overage ----------------------------------------------------------------------------


def test_hours_that_become_overage_after_payment_put_the_request_back_until_billed() -> None:
    """Report A's 9 hours fit the 10 prepaid ones; its travel (50.00) is invoiced and paid:
    off the agenda. Eve's 6 hours on Report B, done on 5 March, arrive late and draw first:
    5 of Report A's hours are beyond the allowance, 500.00 owed. The meeting lists Report A
    again (invoiced 50.00, paid 50.00, 500.00 of overage unbilled), as UnbilledRevenue shows
    it, until that overage is billed and paid."""
    app, meeting, acme, ten_hours = acme_with_ten_prepaid_hours()
    report_a = report(app, acme, ten_hours, "Report A")
    report_b = report(app, acme, ten_hours, "Report B")
    app.log_work(report_a, timesheet("a1", "dana", date(2024, 3, 20), "9"), actor="dana")
    app.log_expense(report_a, Expense("e1", "travel", eur(50), date(2024, 3, 20)), actor="dana")
    app.complete_request(report_a, completed_on=date(2024, 3, 21), actor=A)
    travel = bill(app, report_a, date(2024, 3, 21))
    pay(app, travel, eur("60.50"), date(2024, 3, 22))
    assert app.request(report_a).status is RequestStatus.INVOICED
    assert "Report A" not in meeting.agenda()
    assert meeting.agenda()["Report B"].unbilled_overage == eur(0)

    app.log_work(report_b, timesheet("b1", "eve", date(2024, 3, 5), "6"), actor="eve")
    assert app.request(report_a).status is RequestStatus.INVOICED
    assert app.unbilled_work(report_a) == eur(500) == unbilled_on(app, report_a)
    item = meeting.agenda()["Report A"]
    assert (item.status, item.invoiced, item.paid) == ("invoiced", eur(50), eur(50))
    assert item.unbilled_overage == eur(500)
    # as of a day before Report A's hours were worked, nothing of them is owed yet; nor was
    # its travel invoiced (on 21 March): it was still open work then
    review = meeting.live[0]
    assert isinstance(review, ReviewMeeting)
    [before] = [i for i in review.items(date(2024, 3, 19)) if i.title == "Report A"]
    assert (before.invoiced, before.paid, before.unbilled_overage) == (eur(0), eur(0), eur(0))

    overage = bill(app, report_a, date(2024, 3, 25))
    assert app.invoice(overage).total == eur("605.00")
    item = meeting.agenda()["Report A"]
    assert (item.invoiced, item.paid, item.unbilled_overage) == (eur(550), eur(50), eur(0))
    pay(app, overage, eur("605.00"), date(2024, 3, 28))
    assert "Report A" not in meeting.agenda()
    meeting.equals_its_rebuild()


def test_hours_beyond_the_allowance_billed_by_hand_as_ordinary_work_are_not_owed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Acme's 10 prepaid hours cover Report A's 8 hours of 10 March; Dana's 4 hours of 12 March
    go 2 beyond them. Billy does not wait for the request's invoice: he bills the 12 March
    timesheet by hand, all 4 hours at 100.00 as ordinary work (400.00 + tax), and Acme pays.
    (Drafting now refuses a line naming work an allowance was charged with, ``AlreadyBilled``;
    stores recorded before that rule hold such invoices, so the story records one as they did,
    with the refusal switched off for that one draft.)
    Those hours are billed, the 2 beyond the allowance with them, so nothing is owed:
    UnbilledRevenue lists nothing and Report A leaves the agenda (it stayed there, 200.00 of
    overage shown owed). Credited as re-billable, they are unbilled again, in both reports alike."""
    app, meeting, acme, ten_hours = acme_with_ten_prepaid_hours()
    report_a = report(app, acme, ten_hours, "Report A")
    app.log_work(report_a, timesheet("a1", "dana", date(2024, 3, 10), "8"), actor="dana")
    app.log_work(report_a, timesheet("a2", "dana", date(2024, 3, 12), "4"), actor="dana")
    app.complete_request(report_a, completed_on=date(2024, 3, 13), actor=A)
    assert meeting.agenda()["Report A"].unbilled_overage == eur(200)

    by_hand = InvoiceLine(
        line_id="L1",
        description="Report A: Dana, 12 March",
        quantity=Decimal(4),
        unit_price=eur(100),
        tax=TaxRate.standard(21),
        source=LineSource(
            SourceKind.WORK, request_id=report_a, time_entry_ids=("a2",), hours=Decimal(4)
        ),
        revenue_kind=RevenueKind.ENHANCEMENT,
    )
    with pytest.raises(AlreadyBilled):
        app.draft_invoice(acme, [by_hand], drafted_on=date(2024, 3, 14), actor="billy")
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(QuoteToCash, "_refuse_billed_already", lambda *_: None)
        invoice = app.draft_invoice(acme, [by_hand], drafted_on=date(2024, 3, 14), actor="billy")
    issue(app, invoice, date(2024, 3, 14))
    pay(app, invoice, eur("484.00"), date(2024, 3, 14))
    assert app.request(report_a).status is RequestStatus.INVOICED
    assert unbilled_on(app, report_a) == eur(0)
    assert "Report A" not in meeting.agenda()

    credit(app, invoice, ["L1"], CreditDisposition.REBILLABLE)
    item = meeting.agenda()["Report A"]
    assert (item.status, item.invoiced) == ("completed", eur(0))
    assert item.unbilled_overage == eur(200) == unbilled_on(app, report_a)
    meeting.equals_its_rebuild()


def test_a_cancelled_request_stays_on_the_agenda_while_its_overage_is_owed() -> None:
    """Acme's 10 prepaid hours cover Report A's first 8 hours; Dana logs 4 more, 2 beyond the
    allowance, and then Acme cancels the request. The work done stays recorded, and the 2
    hours beyond the allowance (200.00) are owed: UnbilledRevenue lists them, so the review
    meeting keeps Report A on the agenda, cancelled, with that overage (it left the agenda,
    and the overage went unbilled). A cancelled request with nothing owed is not listed."""
    app, meeting, acme, ten_hours = acme_with_ten_prepaid_hours()
    report_a = report(app, acme, ten_hours, "Report A")
    report_b = report(app, acme, ten_hours, "Report B")
    app.log_work(report_a, timesheet("a1", "dana", date(2024, 3, 10), "8"), actor="dana")
    app.log_work(report_a, timesheet("a2", "dana", date(2024, 3, 12), "4"), actor="dana")
    app.cancel_request(
        report_a, reason="Acme changed its mind", cancelled_on=date(2024, 3, 13), actor=A
    )
    app.cancel_request(report_b, reason="not needed", cancelled_on=date(2024, 3, 13), actor=A)
    assert unbilled_on(app, report_a) == eur(200)
    agenda = meeting.agenda()
    assert "Report B" not in agenda
    item = agenda["Report A"]
    assert (item.status, item.unbilled_overage) == ("cancelled", eur(200))
    meeting.equals_its_rebuild()


def test_a_cancelled_request_stays_on_the_agenda_until_its_work_is_billed_and_paid() -> None:
    """Acme stops the Export after Bob's 4 authorized hours (400.00). Cancelled, it still owes
    them (``unbilled_work`` says 400.00): the meeting keeps it on the agenda, invoiced 0.00.
    Billy bills the hours (484.00 with tax; the request stays cancelled): it stays, invoiced
    400.00 and paid 0.00, then paid 200.00 after Acme pays half. Once Acme pays the rest,
    nothing is owed and it leaves the agenda (it was dropped as soon as it was cancelled)."""
    app = QuoteToCash.open("memory:")
    acme = customer(app)
    meeting = Meeting(app)
    export = hourly_request(app, acme, "Export", (4,), complete=False)
    app.cancel_request(export, reason="customer stopped", cancelled_on=date(2024, 3, 6), actor=A)
    assert app.unbilled_work(export) == eur(400)
    assert meeting.figures("Export") == ("cancelled", eur(0), eur(0), Decimal(4))

    invoice = bill(app, export, date(2024, 3, 7))
    assert app.invoice(invoice).total == eur(484)
    assert app.request(export).status is RequestStatus.CANCELLED
    assert meeting.figures("Export") == ("cancelled", eur(400), eur(0), Decimal(4))

    pay(app, invoice, eur(242), date(2024, 3, 20))
    assert meeting.figures("Export") == ("cancelled", eur(400), eur(200), Decimal(4))

    pay(app, invoice, eur(242), date(2024, 3, 25))
    assert "Export" not in meeting.agenda()
    meeting.equals_its_rebuild()


def test_a_cancelled_request_owes_its_expenses_not_work_imported_unauthorized() -> None:
    """Acme stops the Migration after Bob's 2 hours (200.00) and a 50.00 train ticket; the
    next day's 3 hours come in from the timesheet after the cancellation, recorded as
    unauthorized work: leakage to follow up, not billed. The meeting keeps the Migration while
    the hours and the ticket are owed, and while their invoice (250.00 + tax) is not paid;
    once it is, the request leaves the agenda, though the imported hours stay unbilled."""
    app = QuoteToCash.open("memory:")
    acme = customer(app)
    meeting = Meeting(app)
    migration = hourly_request(app, acme, "Migration", (2,), complete=False)
    ticket = Expense("x1", "train ticket", eur(50), date(2024, 3, 3))
    app.log_expense(migration, ticket, actor="bob")
    app.cancel_request(migration, reason="customer stopped", cancelled_on=date(2024, 3, 4), actor=A)
    late = TimeEntry("t2", "bob", date(2024, 3, 5), Decimal(3), eur(100))
    app.import_work(migration, late, source="ts.csv", actor=A)
    assert meeting.figures("Migration") == ("cancelled", eur(0), eur(0), Decimal(5))

    invoice = bill(app, migration, date(2024, 3, 7))
    assert app.invoice(invoice).total == eur("302.50")
    assert meeting.figures("Migration")[1:3] == (eur(250), eur(0))

    pay(app, invoice, eur("302.50"), date(2024, 3, 20))
    assert "Migration" not in meeting.agenda()
    meeting.equals_its_rebuild()


def test_a_cancelled_fixed_price_request_owes_its_hours_not_the_price() -> None:
    """The Portal was quoted at a fixed 5,000.00; Acme stops it after Bob's 3 hours at 100.00.
    A fixed price is owed for work delivered whole, so the cancelled Portal owes its hours
    (300.00), not the price: it stays on the agenda until they are billed and paid, then
    leaves, its price never billed."""
    app = QuoteToCash.open("memory:")
    acme = customer(app)
    meeting = Meeting(app)
    portal = app.open_request(acme, "Portal", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(portal, fixed_price=eur(5000), actor=A)
    app.send_quote(portal, sent_on=date(2024, 3, 1), actor=A)
    app.receive_purchase_order(
        portal, number="PO-P", amount=eur(5000), received_on=date(2024, 3, 2), actor=A
    )
    app.authorize_work(portal, authorized_on=date(2024, 3, 2), actor=A)
    entry = TimeEntry("t1", "bob", date(2024, 3, 3), Decimal(3), eur(100))
    app.log_work(portal, entry, actor="bob")
    app.cancel_request(portal, reason="customer stopped", cancelled_on=date(2024, 3, 4), actor=A)
    assert meeting.figures("Portal") == ("cancelled", eur(0), eur(0), Decimal(3))

    invoice = bill(app, portal, date(2024, 3, 7))
    assert app.invoice(invoice).total == eur(363)
    assert meeting.figures("Portal")[1:3] == (eur(300), eur(0))

    pay(app, invoice, eur(363), date(2024, 3, 20))
    assert "Portal" not in meeting.agenda()
    meeting.equals_its_rebuild()


def test_a_cancelled_fixed_price_request_billed_its_price_by_hours_owes_no_more() -> None:
    """The Portal was agreed at a fixed 1,000.00. Bob's first 10 hours were billed by hand as
    work at 100.00 (1,000.00, the whole price); then 2 more hours, and Acme stops it. Its hours
    are owed up to the price less what was billed of it, and nothing is left of the price: the
    2 hours owe nothing (``unbilled_work`` says 0.00). The Portal stays while the hand-made
    invoice is unpaid and leaves once it is paid, its 2 hours never billed."""
    app = QuoteToCash.open("memory:")
    acme = customer(app)
    meeting = Meeting(app)
    portal = app.open_request(acme, "Portal", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(portal, fixed_price=eur(1000), actor=A)
    app.send_quote(portal, sent_on=date(2024, 3, 1), actor=A)
    app.receive_purchase_order(
        portal, number="PO-P", amount=eur(1000), received_on=date(2024, 3, 2), actor=A
    )
    app.authorize_work(portal, authorized_on=date(2024, 3, 2), actor=A)
    app.log_work(
        portal, TimeEntry("t1", "bob", date(2024, 3, 3), Decimal(10), eur(100)), actor="bob"
    )
    line = InvoiceLine(
        "L1",
        "Portal: first 10 hours",
        Decimal(10),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=portal, time_entry_ids=("t1",), hours=Decimal(10)),
        RevenueKind.ENHANCEMENT,
    )
    invoice = app.draft_invoice(acme, [line], drafted_on=date(2024, 3, 4), actor="billy")
    issue(app, invoice, date(2024, 3, 4))
    app.log_work(
        portal, TimeEntry("t2", "bob", date(2024, 3, 5), Decimal(2), eur(100)), actor="bob"
    )
    app.cancel_request(portal, reason="customer stopped", cancelled_on=date(2024, 3, 6), actor=A)
    assert app.unbilled_work(portal) == eur(0)
    assert meeting.figures("Portal") == ("cancelled", eur(1000), eur(0), Decimal(12))

    pay(app, invoice, eur(1210), date(2024, 3, 20))
    assert "Portal" not in meeting.agenda()
    meeting.equals_its_rebuild()


# -- currencies -----------------------------------------------------------------------------------


def test_a_request_billed_by_hand_in_dollars_shows_dollars() -> None:
    """Yankee Corp is billed in USD. A hotfix is done before anyone estimates it: Bob's 2 hours
    at 150.00 USD are imported from the timesheet as unauthorized work. Before it is billed,
    the agenda shows it invoiced 0.00 USD (the customer's currency, as ``unbilled_work`` tells
    it); Billy bills the hours by hand on a USD invoice (300.00 USD, no tax), issued, and Yankee
    pays 100.00 USD of it: the agenda shows 300.00 USD invoiced and 100.00 USD paid, the
    invoice's own currency, never euros (it showed 300.00 EUR)."""
    app = QuoteToCash.open("memory:")
    yankee = app.register_customer("Yankee Corp", "USD", account_manager="mia", actor=A)
    meeting = Meeting(app)
    hotfix = app.open_request(yankee, "Hotfix", requested_on=date(2024, 3, 3), actor=A)
    usd = Money.of(150, "USD")
    app.import_work(
        hotfix, TimeEntry("x1", "bob", date(2024, 3, 3), Decimal(2), usd), source="ts.csv", actor=A
    )
    item = meeting.agenda()["Hotfix"]
    assert (item.invoiced, item.paid, item.unbilled_overage) == (Money.zero("USD"),) * 3

    by_hand = InvoiceLine(
        line_id="L1",
        description="Hotfix: Bob, 2 hours",
        quantity=Decimal(2),
        unit_price=usd,
        tax=TaxRate.standard(0),
        source=LineSource(SourceKind.WORK, request_id=hotfix, time_entry_ids=("x1",)),
        revenue_kind=RevenueKind.ENHANCEMENT,
    )
    invoice = app.draft_invoice(
        yankee, [by_hand], drafted_on=date(2024, 3, 5), actor="billy", currency="USD"
    )
    issue(app, invoice, date(2024, 3, 5))
    pay(app, invoice, Money.of(100, "USD"), date(2024, 3, 20))
    assert app.unbilled_work(hotfix) == Money.zero("USD")
    item = meeting.agenda()["Hotfix"]
    assert item.invoiced == Money.of(300, "USD")
    assert item.paid == Money.of(100, "USD")
    assert item.unbilled_overage == Money.zero("USD")
    meeting.equals_its_rebuild()
