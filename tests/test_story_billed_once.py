"""Every logged hour is billed once: unbilled, covered by a prepaid allowance, or invoiced.

A money reviewer billed the same work twice by hand: 8 hours a prepaid allowance covers were
invoiced again (968.00) on a hand-made invoice, and a manual line naming a time entry left the
entry unbilled for the request's own invoice to bill again (1,210.00 twice). And 0.5 hours at
33.33 beyond a money allowance were drafted as 0.50015 hours, an invoice approval refused for
good: the 16.67 was never billed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from q2c_core import (
    AllowanceUnit,
    AlreadyBilled,
    InvalidValue,
    InvoiceLine,
    InvoiceLinesRejected,
    InvoiceStatus,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
    TaxRate,
    TimeEntry,
    WorkBuckets,
    charge_key,
    check_lines,
)

A = "bea"
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


def day(n: int) -> date:
    return date(2026, 3, n)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def customer(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )


def allowance(app: QuoteToCash, acme: UUID, unit: AllowanceUnit, quantity: str) -> UUID:
    return app.grant_allowance(
        acme, unit=unit, quantity=quantity, period=MARCH, granted_on=day(1), actor=A
    )


def covered_request(app: QuoteToCash, acme: UUID, prepaid: UUID) -> UUID:
    request = app.open_request(acme, "Reports", requested_on=day(2), actor="pete")
    app.estimate_request(request, hours=10, rate=eur("100"), actor="pete")
    app.cover_request_by_allowance(request, prepaid, actor=A)
    app.authorize_work(request, authorized_on=day(2), actor="pete")
    return request


def ordered_request(app: QuoteToCash, acme: UUID) -> UUID:
    request = app.open_request(acme, "Export", requested_on=day(2), actor="pete")
    app.estimate_request(request, hours=10, rate=eur("100"), actor="pete")
    app.send_quote(request, sent_on=day(2), actor=A)
    app.receive_purchase_order(
        request, number="PO-1", amount=eur("1000"), received_on=day(2), actor=A
    )
    app.authorize_work(request, authorized_on=day(2), actor="pete")
    return request


def log(app: QuoteToCash, request: UUID, entry_id: str, on: int, hours: str, rate: str) -> None:
    entry = TimeEntry(entry_id, "dana", day(on), Decimal(hours), eur(rate))
    app.log_work(request, entry, actor="dana")


def by_hand(request: UUID, entry_id: str, hours: str, kind: SourceKind) -> InvoiceLine:
    """A line typed by a person that names a time entry of the request as its source."""
    return InvoiceLine(
        "L1",
        f"{entry_id} by hand",
        Decimal(hours),
        eur("100"),
        TaxRate.standard(21),
        LineSource(kind, request_id=request, time_entry_ids=(entry_id,), hours=Decimal(hours)),
        RevenueKind.ENHANCEMENT,
    )


def approve_and_issue(app: QuoteToCash, invoice: UUID, on: date) -> str:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor=A)
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    return app.issue_invoice(invoice, issued_on=on, actor=A)


@pytest.mark.parametrize("kind", [SourceKind.WORK, SourceKind.MANUAL])
def test_hours_a_prepaid_allowance_covers_are_not_invoiced_again_by_hand(
    app: QuoteToCash, kind: SourceKind
) -> None:
    """8 hours of a 10-hour allowance are covered: a hand-made invoice billing them (a work
    line, or a manual one naming the entry) is refused, naming the entry and the allowance, and
    the 8 hours stay covered and uninvoiced. (It was issued for 968.00.)"""
    acme = customer(app)
    prepaid = allowance(app, acme, AllowanceUnit.HOURS, "10")
    request = covered_request(app, acme, prepaid)
    log(app, request, "t1", 3, "8", "100")
    before = app.recorder.max_notification_id()
    with pytest.raises(AlreadyBilled) as refused:
        app.draft_invoice(acme, [by_hand(request, "t1", "8", kind)], drafted_on=day(4), actor=A)
    assert refused.value.value == "t1"
    assert f"time entry 't1' of request 'Reports', charged on prepaid allowance {prepaid}" in str(
        refused.value
    )
    assert "8 hours covered, 0 overage" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.invoices(acme) == []
    assert app.work_buckets(request) == [WorkBuckets("t1", Decimal(8), Decimal(0), Decimal(8), 0)]
    assert app.allowance(prepaid).consumed == 8


def test_overage_beyond_the_allowance_is_billed_by_its_overage_line_not_by_hand(
    app: QuoteToCash,
) -> None:
    """12 hours on a 10-hour allowance: 2 hours of overage. A hand-made work line for the entry
    would bill all 12 (10 of them prepaid) and leave the 2 to bill again: it is refused, and the
    request's invoice bills the 2 hours of overage, once."""
    acme = customer(app)
    prepaid = allowance(app, acme, AllowanceUnit.HOURS, "10")
    request = covered_request(app, acme, prepaid)
    log(app, request, "t1", 3, "12", "100")
    with pytest.raises(AlreadyBilled, match="10 hours covered, 2 overage"):
        app.draft_invoice(
            acme, [by_hand(request, "t1", "12", SourceKind.WORK)], drafted_on=day(4), actor=A
        )
    invoice = app.invoice(app.draft_request_invoice(request, drafted_on=day(4), actor=A))
    (line,) = invoice.lines
    assert line.source is not None and line.source.kind is SourceKind.ALLOWANCE_OVERAGE
    assert (line.quantity, line.net) == (2, eur("200.00"))
    assert app.work_buckets(request) == [WorkBuckets("t1", Decimal(12), 0, 10, 2)]


def test_a_manual_line_naming_a_time_entry_bills_it_once(app: QuoteToCash) -> None:
    """A manual line naming time entry t1 (10 hours at 100) bills t1: the request, its only
    work billed, is invoiced, and neither its own invoice nor another line by hand bills t1
    again (it was billed 1,210.00 twice). Voided while a draft, the line gives t1 back."""
    acme = customer(app)
    request = ordered_request(app, acme)
    log(app, request, "t1", 3, "10", "100")
    app.complete_request(request, completed_on=day(4), actor="pete")
    manual = by_hand(request, "t1", "10", SourceKind.MANUAL)
    draft = app.draft_invoice(acme, [manual], drafted_on=day(4), actor=A)
    assert app.request(request).billed == {"t1": draft.hex}
    assert app.request(request).status is RequestStatus.INVOICED
    assert app.unbilled_work(request) == eur("0")
    before = app.recorder.max_notification_id()
    with pytest.raises(AlreadyBilled, match=f"already billed by invoice {draft} \\(draft\\)"):
        app.draft_invoice(acme, [manual], drafted_on=day(4), actor=A)
    with pytest.raises(Exception, match="cannot invoice a request that is invoiced"):
        app.draft_request_invoice(request, drafted_on=day(5), actor=A)
    assert app.recorder.max_notification_id() == before
    app.void_invoice(draft, reason="typed by mistake", actor=A, voided_on=date(2026, 3, 4))
    assert app.request(request).billed == {}
    assert app.unbilled_work(request) == eur("1000.00")
    invoice = app.draft_request_invoice(request, drafted_on=day(5), actor=A)
    assert approve_and_issue(app, invoice, day(5)) == "INV-000001"
    assert app.invoice(invoice).total == eur("1210.00")
    with pytest.raises(AlreadyBilled, match="already billed by invoice INV-000001 \\(issued\\)"):
        app.draft_invoice(acme, [manual], drafted_on=day(6), actor=A)
    issued = [i for i in app.invoices(acme) if i.status is not InvoiceStatus.VOIDED]
    assert [i.id for i in issued] == [invoice]


def test_one_invoice_names_a_time_entry_on_one_line(app: QuoteToCash) -> None:
    """A work line and a manual line on one invoice both naming t1 would bill it twice: the
    draft is refused, naming both lines."""
    acme = customer(app)
    request = ordered_request(app, acme)
    log(app, request, "t1", 3, "4", "100")
    work = by_hand(request, "t1", "4", SourceKind.WORK)
    manual = InvoiceLine(
        "L2",
        "t1 again",
        Decimal(4),
        eur("100"),
        TaxRate.standard(21),
        LineSource(SourceKind.MANUAL, request_id=request, time_entry_ids=("t1",)),
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(AlreadyBilled, match="line L2 names 't1', which line L1 names too"):
        app.draft_invoice(acme, [work, manual], drafted_on=day(4), actor=A)
    assert app.recorder.max_notification_id() == before


def test_a_line_names_the_request_and_allowance_of_what_it_bills(app: QuoteToCash) -> None:
    """A line naming a time entry but not its request, an overage line naming no allowance, and
    a work line naming an allowance are refused when drafted: none could be told apart from
    other work nor given back when voided."""
    acme = customer(app)
    prepaid = allowance(app, acme, AllowanceUnit.HOURS, "1")
    request = covered_request(app, acme, prepaid)
    log(app, request, "t1", 3, "2", "100")

    def line(source: LineSource) -> InvoiceLine:
        return InvoiceLine("L1", "hours", Decimal(1), eur("100"), TaxRate.standard(21), source)

    no_request = LineSource(SourceKind.MANUAL, time_entry_ids=("t1",))
    no_allowance = LineSource(
        SourceKind.ALLOWANCE_OVERAGE, request_id=request, time_entry_ids=("t1",)
    )
    no_entry = LineSource(SourceKind.ALLOWANCE_OVERAGE, request_id=request, allowance_id=prepaid)
    work_on_allowance = LineSource(
        SourceKind.WORK, request_id=request, time_entry_ids=("t1",), allowance_id=prepaid
    )
    before = app.recorder.max_notification_id()
    for source, words in [
        (no_request, "but not the request they belong to"),
        (no_allowance, "names its allowance and the one time entry"),
        (no_entry, "names its allowance and the one time entry"),
        (work_on_allowance, "only an allowance-overage line does"),
    ]:
        with pytest.raises(InvalidValue, match=words) as refused:
            app.draft_invoice(acme, [line(source)], drafted_on=day(4), actor=A)
        assert refused.value.field == "lines"
    assert app.recorder.max_notification_id() == before
    # the overage line naming both is drafted, and holds the hour of overage
    overage = LineSource(
        SourceKind.ALLOWANCE_OVERAGE,
        request_id=request,
        time_entry_ids=("t1",),
        hours=Decimal(1),
        allowance_id=prepaid,
    )
    app.draft_invoice(acme, [line(overage)], drafted_on=day(4), actor=A)
    assert app.allowance(prepaid).billed_overage == {charge_key(request, "t1"): 1}


def test_an_overage_line_not_naming_its_request_is_refused_when_drafted(
    app: QuoteToCash,
) -> None:
    """Ten prepaid hours cover the request; Dana logs 12, so 2 are overage. A line typed for
    them names the allowance and entry t1 but not the request: approval reads the hours logged
    by request and entry, so it could never approve it (the invoice could only be voided). It is
    refused when drafted, naming the line's request, and nothing is recorded; naming the
    request, the same line is drafted and approved."""
    acme = customer(app)
    prepaid = allowance(app, acme, AllowanceUnit.HOURS, "10")
    request = covered_request(app, acme, prepaid)
    log(app, request, "t1", 3, "12", "100")

    def overage_line(request_id: UUID | None) -> InvoiceLine:
        source = LineSource(
            SourceKind.ALLOWANCE_OVERAGE,
            request_id=request_id,
            time_entry_ids=("t1",),
            hours=Decimal(2),
            allowance_id=prepaid,
        )
        return InvoiceLine(
            "L1",
            "Reports: beyond prepaid",
            Decimal(2),
            eur("100"),
            TaxRate.standard(21),
            source,
            RevenueKind.ENHANCEMENT,
        )

    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue, match="must name the request") as refused:
        app.draft_invoice(acme, [overage_line(None)], drafted_on=day(4), actor=A)
    assert refused.value.field == "lines.L1.source.request_id"
    assert app.recorder.max_notification_id() == before
    assert app.allowance(prepaid).billed_overage == {}

    invoice = app.draft_invoice(acme, [overage_line(request)], drafted_on=day(4), actor=A)
    app.approve_invoice(invoice, role="billing", approved_on=day(4), actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=day(4), actor="mia")
    assert app.invoice(invoice).status is InvoiceStatus.APPROVED
    assert app.allowance(prepaid).billed_overage == {charge_key(request, "t1"): 2}


def test_overage_on_a_money_allowance_bills_the_hours_logged_and_is_approved(
    app: QuoteToCash,
) -> None:
    """A 10.00 money allowance is used up by an hour at 10; then 0.5 hours at 33.33 (16.67)
    are all overage. The invoice bills 16.67 for the 0.5 hours logged (not 16.67 / 33.33 =
    0.50015 hours, which approval refused for good) and is issued: nothing is left unbilled."""
    acme = customer(app)
    prepaid = allowance(app, acme, AllowanceUnit.MONEY, "10")
    request = covered_request(app, acme, prepaid)
    log(app, request, "t0", 2, "1", "10")
    log(app, request, "t1", 3, "0.5", "33.33")
    app.complete_request(request, completed_on=day(4), actor="pete")
    invoice = app.draft_request_invoice(request, drafted_on=day(4), actor=A)
    (line,) = app.invoice(invoice).lines
    assert line.source is not None
    assert (line.net, line.source.hours) == (eur("16.67"), Decimal("0.5"))
    assert approve_and_issue(app, invoice, day(4)) == "INV-000001"
    assert app.invoice(invoice).total == eur("20.17")
    assert app.unbilled_work(request) == eur("0")
    assert app.work_buckets(request)[1] == WorkBuckets("t1", Decimal("0.5"), 0, 0, Decimal("0.5"))


def test_part_of_an_entry_beyond_a_money_allowance_bills_its_share_of_the_hours(
    app: QuoteToCash,
) -> None:
    """10.00 left on a money allowance, 0.5 hours at 33.33 (16.67) logged: 10.00 covered, 6.67
    of overage, billed to the cent for its share of the hours (0.2000...: 6.67 of 16.67 of the
    0.5 hours), never more than were logged; approved and issued."""
    acme = customer(app)
    prepaid = allowance(app, acme, AllowanceUnit.MONEY, "10")
    request = covered_request(app, acme, prepaid)
    log(app, request, "t1", 3, "0.5", "33.33")
    invoice = app.draft_request_invoice(request, drafted_on=day(4), actor=A)
    (line,) = app.invoice(invoice).lines
    assert line.source is not None and line.source.hours is not None
    assert line.net == eur("6.67")
    assert line.source.hours == Decimal("0.5") * Decimal("6.67") / Decimal("16.67")
    assert line.source.hours < Decimal("0.5")
    approve_and_issue(app, invoice, day(4))
    assert app.unbilled_work(request) == eur("0")


def test_approval_still_refuses_an_overage_line_stating_more_hours_than_were_logged(
    app: QuoteToCash,
) -> None:
    """A hand-made overage line billing the 16.66 of overage of 0.5 hours logged (0.01 of it
    prepaid), but stating 0.6 hours, is refused at approval as before."""
    acme = customer(app)
    prepaid = allowance(app, acme, AllowanceUnit.MONEY, "0.01")
    request = covered_request(app, acme, prepaid)
    log(app, request, "t1", 3, "0.5", "33.33")
    source = LineSource(
        SourceKind.ALLOWANCE_OVERAGE,
        request_id=request,
        time_entry_ids=("t1",),
        hours=Decimal("0.6"),
        allowance_id=prepaid,
    )
    line = InvoiceLine("L1", "overage", Decimal(1), eur("16.66"), TaxRate.standard(21), source)
    invoice = app.draft_invoice(acme, [line], drafted_on=day(4), actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvoiceLinesRejected) as refused:
        app.approve_invoice(invoice, role="billing", approved_on=day(4), actor=A)
    assert "invoices 0.6 hours but only 0.5 were logged" in str(refused.value)
    assert app.recorder.max_notification_id() == before


def test_free_work_on_a_money_allowance_is_covered_hours_and_all(app: QuoteToCash) -> None:
    """An hour at rate 0 (a warranty fix) and a quarter hour at 0.01 (0.0025, charged 0.00)
    on a request a money allowance covers are charged nothing, and the allowance covers them:
    their hours are in the covered bucket (they were in none, neither unbilled nor covered nor
    invoiced)."""
    acme = customer(app)
    prepaid = allowance(app, acme, AllowanceUnit.MONEY, "10")
    request = covered_request(app, acme, prepaid)
    log(app, request, "fix", 3, "1", "0")
    log(app, request, "look", 3, "0.25", "0.01")
    assert app.work_buckets(request) == [
        WorkBuckets("fix", Decimal(1), 0, Decimal(1), 0),
        WorkBuckets("look", Decimal("0.25"), 0, Decimal("0.25"), 0),
    ]
    assert app.unbilled_work(request) == eur("0")


@pytest.mark.parametrize(
    "kind", [SourceKind.DEPOSIT, SourceKind.DEPOSIT_DEDUCTION, SourceKind.CREDIT]
)
def test_a_deposit_line_naming_a_time_entry_is_refused(app: QuoteToCash, kind: SourceKind) -> None:
    """Billy types a 200.00 deposit by hand whose line names Dana's 2 hours (t2). A deposit is
    money on account: the final invoice bills the work and deducts the deposit. Had the line
    held t2, the request's invoice would bill only t1 (800.00) and the deduction take the
    200.00 off again, 800.00 net for 1,000.00 of work, with t2 shown invoiced. So a deposit
    line, a deduction or a credit line naming work is refused and nothing is recorded; the
    work stays unbilled for the request's own invoice. (A deduction typed by hand is refused
    whatever it names: deposits are deducted by deduct_deposit.)"""
    acme = customer(app)
    request = ordered_request(app, acme)
    log(app, request, "t1", 3, "8", "100")
    log(app, request, "t2", 3, "2", "100")
    app.complete_request(request, completed_on=day(4), actor="pete")
    line = by_hand(request, "t2", "2", kind)
    before = app.recorder.max_notification_id()
    why = (
        "deduct_deposit"
        if kind is SourceKind.DEPOSIT_DEDUCTION
        else f"is a {kind.value} line and names what it would"
    )
    with pytest.raises(InvalidValue, match=why):
        app.draft_invoice(acme, [line], drafted_on=day(4), actor=A)
    assert app.recorder.max_notification_id() == before
    assert app.request(request).billed == {}
    assert app.unbilled_work(request) == eur("1000.00")


def request_titled(app: QuoteToCash, acme: UUID, title: str) -> UUID:
    """A request authorized under a purchase order, titled ``title``."""
    request = app.open_request(acme, title, requested_on=day(2), actor="pete")
    app.estimate_request(request, hours=10, rate=eur("100"), actor="pete")
    app.send_quote(request, sent_on=day(2), actor=A)
    app.receive_purchase_order(
        request, number=f"PO-{title}", amount=eur("1000"), received_on=day(2), actor=A
    )
    app.authorize_work(request, authorized_on=day(2), actor="pete")
    return request


def hours_line(line_id: str, request: UUID, entry_id: str, stated: str, billed: str) -> InvoiceLine:
    """A work line of a request's time entry, stating ``stated`` hours and billing ``billed``."""
    return InvoiceLine(
        line_id,
        f"{entry_id} by hand",
        Decimal(billed),
        eur("100"),
        TaxRate.standard(21),
        LineSource(
            SourceKind.WORK, request_id=request, time_entry_ids=(entry_id,), hours=Decimal(stated)
        ),
        RevenueKind.ENHANCEMENT,
    )


def test_two_requests_each_logging_t1_are_billed_on_one_invoice(app: QuoteToCash) -> None:
    """Entry ids are unique within a request only: Export and Import both log a "t1" (4 hours
    and 2). One invoice billing each request's own t1 is approved and issued: neither t1's hours
    stand in for the other's, and the two are not one entry billed twice."""
    acme = customer(app)
    export = request_titled(app, acme, "Export")
    imports = request_titled(app, acme, "Import")
    log(app, export, "t1", 3, "4", "100")
    log(app, imports, "t1", 3, "2", "100")
    lines = [hours_line("L1", export, "t1", "4", "4"), hours_line("L2", imports, "t1", "2", "2")]
    invoice = app.draft_invoice(acme, lines, drafted_on=day(4), actor="billy")
    assert approve_and_issue(app, invoice, day(4))
    assert app.invoice(invoice).net == eur("600.00")
    assert app.unbilled_work(export) == eur("0.00") == app.unbilled_work(imports)


@pytest.mark.parametrize(
    ("stated", "billed", "words"),
    [
        ("8", "8", "line L1 invoices 8 hours but only 4 were logged"),
        ("4", "8", "line L1 bills 8 hours but only 4 were logged"),
    ],
)
def test_the_hours_another_request_logged_under_the_same_entry_id_never_cover_a_line(
    app: QuoteToCash, stated: str, billed: str, words: str
) -> None:
    """Export's t1 logged 4 hours; Import's t1 logged 8, and Import is on the same invoice. A
    line billing 8 hours of Export's t1 is refused at approval: Import's 8 hours are not
    Export's."""
    acme = customer(app)
    export = request_titled(app, acme, "Export")
    imports = request_titled(app, acme, "Import")
    log(app, export, "t1", 3, "4", "100")
    log(app, imports, "t1", 3, "8", "100")
    log(app, imports, "t2", 3, "2", "100")
    lines = [
        hours_line("L1", export, "t1", stated, billed),
        hours_line("L2", imports, "t2", "2", "2"),
    ]
    invoice = app.draft_invoice(acme, lines, drafted_on=day(4), actor="billy")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvoiceLinesRejected) as refused:
        app.approve_invoice(invoice, role="billing", approved_on=day(4), actor=A)
    assert words in str(refused.value)
    assert app.recorder.max_notification_id() == before


def test_approval_s_line_checks_tell_one_request_s_t1_from_another_s() -> None:
    """``check_lines`` reads logged hours by request and entry (``charge_key``): two requests'
    t1 on one invoice are two entries; one request's t1 on two lines is billed twice, and the
    refusal names the request, as the invoice bills more than one."""
    export, imports = uuid4(), uuid4()
    logged = {charge_key(export, "t1"): Decimal(4), charge_key(imports, "t1"): Decimal(2)}
    two_requests = [
        hours_line("L1", export, "t1", "4", "4"),
        hours_line("L2", imports, "t1", "2", "2"),
    ]
    assert check_lines(two_requests, logged) == []
    twice = [*two_requests, hours_line("L3", export, "t1", "4", "4")]
    assert check_lines(twice, logged) == [
        f"line L3 bills time entry t1 of request {export} already billed by line L1"
    ]
    never = [*two_requests, hours_line("L3", imports, "t9", "1", "1")]
    assert f"line L3 bills time entry t9 of request {imports}, which was never logged" in (
        check_lines(never, logged)
    )
