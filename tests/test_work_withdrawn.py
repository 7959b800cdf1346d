"""A time entry logged in error is withdrawn before it is billed.

Bob typed 18 h for 8 h on Acme's API request on 4 March. Before this, the only way out was to
bill the 18 h and credit them: voiding the draft gave the hours back to bill again. The
account manager now withdraws the entry ("typed 18 for 8") and Bob logs the 8 h as a new
entry: the invoice bills 8 h, the unbilled report, the KPIs and the review meeting count 8 h,
on every day (the 18 h were never work done); the history keeps both, and the read models
rebuilt as of a moment before the withdrawal show the 18 h as they stood then. On a request a
prepaid allowance covers, the withdrawn entry's charge leaves the allowance too, so its hours
cover later work. An entry dated 2204 for 2024 no longer holds the request open. An entry
an invoice bills is refused until the draft is voided; the refusals record nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_projections_story import authorized_request, eur, issue, work

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import (
    AllowanceUnit,
    InvalidValue,
    Period,
    QuoteToCash,
    RequestStatus,
    RuleViolated,
    TaxRate,
)
from q2c_core.domain.import_batch import ImportRejected
from q2c_core.projections import (
    Kpis,
    PrepaidCreditUsage,
    ProjectionStore,
    ReviewMeeting,
    UnbilledRevenue,
    all_projections,
    catch_up,
    rebuild,
)

MARCH_4, MARCH_5, LATER = date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 31)
TYPO = "typed 18 for 8"


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="al", tax_rate=TaxRate.standard(21)
    )


def hours_in(unbilled: UnbilledRevenue, request: UUID, as_of: date) -> list[Decimal]:
    return [i.hours for i in unbilled.items(as_of) if i.request_id == request.hex]


def test_the_18_hours_typed_for_8_are_withdrawn_and_never_billed(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    customer = acme(app)
    request = authorized_request(app, customer, "API", MARCH_4, hours=10)
    live = all_projections(ProjectionStore.memory())
    app.log_work(request, work("t1", MARCH_4, "18"), actor="bob")
    catch_up(app, live)
    assert app.unbilled_work(request) == eur("1800.00")
    before_withdrawal = datetime.now(UTC)

    app.withdraw_work(request, "t1", reason=TYPO, actor="mia")
    app.log_work(request, work("t2", MARCH_4, "8"), actor="bob")

    r = app.request(request)
    assert [w.entry.entry_id for w in r.work] == ["t2"]
    [gone] = r.withdrawn
    assert (gone.entry.hours, gone.reason, gone.actor) == (Decimal(18), TYPO, "mia")
    assert r.logged_hours == Decimal(8)
    assert app.unbilled_work(request) == eur("800.00")
    assert app.unbilled_work(request, as_of=MARCH_4) == eur("800.00")  # (never work done)
    assert app.customer_summary(customer, as_of=MARCH_5).unbilled_work == eur("800.00")

    catch_up(app, live)
    unbilled = next(p for p in live if isinstance(p, UnbilledRevenue))
    assert hours_in(unbilled, request, MARCH_5) == [Decimal(8)]
    kpis = next(p for p in live if isinstance(p, Kpis))
    [bob] = kpis.time_entered_vs_invoiced()
    assert (bob.entered, bob.billable) == (Decimal(8), Decimal(8))
    [month] = kpis.utilisation(Period(date(2024, 3, 1), date(2024, 4, 1)))
    assert month.logged == Decimal(8)
    review = next(p for p in live if isinstance(p, ReviewMeeting))
    [item] = [i for i in review.items(MARCH_5) if i.request_id == request.hex]
    assert (item.actual_hours, item.over_estimate) == (Decimal(8), False)
    # followed = rebuilt from the events
    fresh = all_projections(ProjectionStore.memory())
    rebuild(app, fresh)
    for followed, rebuilt in zip(live, fresh, strict=True):
        assert followed.rows() == rebuilt.rows(), followed.name
    # as the books stood before the withdrawal was recorded: the 18 h, as then
    then = UnbilledRevenue()
    rebuild(app, [then], as_of=before_withdrawal)
    assert hours_in(then, request, MARCH_5) == [Decimal(18)]

    invoice = app.draft_request_invoice(request, drafted_on=LATER, actor="billy")
    assert [line.quantity for line in app.invoice(invoice).lines] == [Decimal(8)]
    issue(app, invoice, LATER)
    app.close()


def test_a_withdrawn_charge_gives_the_prepaid_hours_back() -> None:
    """A 10 h allowance covers Globex's request; 12 h typed for 2 h drew all 10 h and left 2 h
    overage. Withdrawn, the allowance has its 10 h again and the overage is gone; the 2 h
    logged next are covered."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    allowance = app.grant_allowance(
        customer,
        unit=AllowanceUnit.HOURS,
        quantity=Decimal(10),
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor="al",
    )
    request = app.open_request(customer, "Report", requested_on=MARCH_4, actor="al")
    app.estimate_request(request, hours=2, rate=eur(100), actor="al")
    app.send_quote(request, sent_on=MARCH_4, actor="al")
    app.cover_request_by_allowance(request, allowance, actor="al")
    app.authorize_work(request, authorized_on=MARCH_4, actor="al")
    app.log_work(request, work("t1", MARCH_4, "12"), actor="bob")
    assert app.allowance(allowance).consumed == Decimal(10)
    assert app.unbilled_work(request) == eur("200.00")  # the 2 h overage

    app.withdraw_work(request, "t1", reason="typed 12 for 2", actor="mia")
    held = app.allowance(allowance)
    assert (held.consumed, held.charges) == (Decimal(0), [])
    assert app.unbilled_work(request) == eur("0.00")
    app.log_work(request, work("t2", MARCH_4, "2"), actor="bob")
    assert app.allowance(allowance).consumed == Decimal(2)
    assert app.unbilled_work(request) == eur("0.00")

    usage = PrepaidCreditUsage()
    catch_up(app, [usage])
    [row] = usage.usage(MARCH_5)
    assert (row.drawn, row.remaining, row.overage) == (Decimal(2), Decimal(8), Decimal(0))
    fresh = all_projections(ProjectionStore.memory())
    catch_up(app, fresh)
    again = all_projections(ProjectionStore.memory())
    rebuild(app, again)
    for a, b in zip(fresh, again, strict=True):
        assert a.rows() == b.rows(), a.name


def test_a_day_typed_2204_for_2024_no_longer_holds_the_request_open() -> None:
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "API", MARCH_4)
    app.log_work(request, work("t1", date(2204, 3, 4), "8"), actor="bob")
    with pytest.raises(RuleViolated):
        app.complete_request(request, completed_on=LATER, actor="mia")
    app.withdraw_work(request, "t1", reason="typed 2204 for 2024", actor="mia")
    app.log_work(request, work("t2", MARCH_4, "8"), actor="bob")
    app.complete_request(request, completed_on=LATER, actor="mia")
    assert app.request(request).status is RequestStatus.COMPLETED


def test_refusals_record_nothing() -> None:
    """An entry an invoice bills (until the draft is voided), one withdrawn already, one not
    on the request, a reason of nothing: refused naming the field, nothing recorded."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "API", MARCH_4)
    app.log_work(request, work("t1", MARCH_4, "8"), actor="bob")
    draft = app.draft_request_invoice(request, drafted_on=MARCH_5, actor="billy")
    for entry_id, reason, field in (
        ("t1", TYPO, "entry_id"),  # (the draft bills it)
        ("t9", TYPO, "entry_id"),
        ("t1", " \u200b", "reason"),
        (7, TYPO, "entry_id"),
    ):
        before = app.recorder.max_notification_id()
        with pytest.raises((RuleViolated, InvalidValue)) as refused:
            app.withdraw_work(request, entry_id, reason=reason, actor="mia")  # type: ignore[arg-type]
        assert refused.value.field == field, (entry_id, reason)
        assert app.recorder.max_notification_id() == before
    app.void_invoice(draft, reason="wrong hours", actor="billy", voided_on=MARCH_5)
    app.withdraw_work(request, "t1", reason=TYPO, actor="mia")
    before = app.recorder.max_notification_id()
    # sent again after a lost response (same reason): nothing recorded, nothing refused
    app.withdraw_work(request, "t1", reason=TYPO, actor="mia")
    assert app.recorder.max_notification_id() == before
    with pytest.raises(RuleViolated) as again:
        app.withdraw_work(request, "t1", reason="another reason", actor="mia")
    assert again.value.field == "entry_id" and "withdrawn already" in str(again.value)
    assert app.recorder.max_notification_id() == before
    assert [w.reason for w in app.request(request).withdrawn] == [TYPO]
    # its id stays taken: the correct work is a new entry
    with pytest.raises(Exception) as taken:
        app.log_work(request, work("t1", MARCH_4, "6"), actor="bob")
    assert getattr(taken.value, "field", None) == "entry_id"


def psa_file(app: QuoteToCash, request: UUID, text: str, name: str) -> tuple[int, int]:
    report = TimeEntryImporter(app, tickets={"TKT-101": request}, today=LATER).import_bytes(
        text.encode(), name, actor="psa"
    )
    return report.recorded, report.skipped


@pytest.mark.parametrize("with_ids", [True, False])
def test_the_psa_export_imported_again_does_not_bring_the_withdrawn_entry_back(
    tmp_path: Path, with_ids: bool
) -> None:
    """The PSA export brought Bob's 18 h, withdrawn since; the next export still lists them
    beside the 8 h logged right: the 18 h are known (skipped), the 8 h recorded. An export
    whose entry 5001 now says 8 h (edited in the PSA) is refused as an edited entry, naming
    the withdrawal: the correction is a new entry."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    request = authorized_request(app, acme(app), "API", MARCH_4)
    head = "id,worker,date,hours,request\n" if with_ids else "worker,date,hours,request\n"

    def row(entry: str, worker: str, hours: str) -> str:
        return (f"{entry}," if with_ids else "") + f"{worker},2024-03-04,{hours},TKT-101\n"

    assert psa_file(app, request, head + row("5001", "bob", "18"), "mon.csv") == (1, 0)
    [logged] = app.request(request).work
    app.withdraw_work(request, logged.entry.entry_id, reason=TYPO, actor="mia")

    again = head + row("5001", "bob", "18") + row("5002", "bob", "8")
    assert psa_file(app, request, again, "tue.csv") == (1, 1)
    assert [w.entry.hours for w in app.request(request).work] == [Decimal(8)]
    assert app.unbilled_work(request) == eur("800.00")
    if with_ids:
        before = app.recorder.max_notification_id()
        edited = head + row("5001", "bob", "8")
        with pytest.raises(ImportRejected) as refused:
            psa_file(app, request, edited, "wed.csv")
        [problem] = refused.value.problems
        assert problem.field == "entry_id" and "withdrawn (typed 18 for 8)" in problem.rule
        assert app.recorder.max_notification_id() == before
    app.close()


def test_a_withdrawn_late_timesheet_leaves_the_request_invoiced_again(tmp_path: Path) -> None:
    """The API request was completed and invoiced; a late timesheet of 2 h (typed on the wrong
    request) re-opened it for billing. Withdrawn, nothing is left to bill: the request is
    invoiced again, in the application and the review meeting (off the agenda once paid),
    followed as rebuilt."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    customer = acme(app)
    request = authorized_request(app, customer, "API", MARCH_4)
    app.log_work(request, work("t1", MARCH_4, "8"), actor="bob")
    app.complete_request(request, completed_on=MARCH_5, actor="mia")
    invoice = app.draft_request_invoice(request, drafted_on=MARCH_5, actor="billy")
    issue(app, invoice, MARCH_5)
    assert app.request(request).status is RequestStatus.INVOICED
    live = all_projections(ProjectionStore.memory())
    app.log_work(request, work("t2", MARCH_5, "2"), actor="bob")
    catch_up(app, live)
    assert app.request(request).status is RequestStatus.COMPLETED

    app.withdraw_work(request, "t2", reason="booked on the wrong request", actor="mia")

    assert app.request(request).status is RequestStatus.INVOICED
    assert app.unbilled_work(request) == eur("0.00")
    catch_up(app, live)
    review = next(p for p in live if isinstance(p, ReviewMeeting))
    [item] = [i for i in review.items(LATER) if i.request_id == request.hex]
    assert item.status == "invoiced"
    fresh = all_projections(ProjectionStore.memory())
    rebuild(app, fresh)
    for followed, rebuilt in zip(live, fresh, strict=True):
        assert followed.rows() == rebuilt.rows(), followed.name
    app.close()


def test_a_psa_entry_booked_on_the_wrong_ticket_is_recorded_on_the_right_one(
    tmp_path: Path,
) -> None:
    """The PSA's entry 5001 came in on TKT-101 (the API request) though Bob worked on the
    report (TKT-202). Withdrawn from the API request, the next export, listing 5001 on
    TKT-202, records it there; the same export again skips it, and an old export listing it
    on TKT-101 (with a row of Carl's) is refused as work held by the report request."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    customer = acme(app)
    api = authorized_request(app, customer, "API", MARCH_4)
    report = authorized_request(app, customer, "Report", MARCH_4)
    tickets = {"TKT-101": api, "TKT-202": report}

    def export(ticket: str, name: str, more: str = "") -> tuple[int, int]:
        text = f"id,worker,date,hours,request\n5001,bob,2024-03-04,6,{ticket}\n{more}"
        done = TimeEntryImporter(app, tickets=tickets, today=LATER).import_bytes(
            text.encode(), name, actor="psa"
        )
        return done.recorded, done.skipped

    assert export("TKT-101", "mon.csv") == (1, 0)
    [wrong] = app.request(api).work
    app.withdraw_work(api, wrong.entry.entry_id, reason="booked on the wrong ticket", actor="mia")
    assert export("TKT-202", "tue.csv") == (1, 0)
    sent_again = app.recorder.max_notification_id()
    app.withdraw_work(api, wrong.entry.entry_id, reason="booked on the wrong ticket", actor="mia")
    assert app.recorder.max_notification_id() == sent_again  # (the report keeps it)
    assert [w.entry.hours for w in app.request(report).work] == [Decimal(6)]
    assert app.request(api).work == []
    assert export("TKT-202", "wed.csv") == (0, 1)
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as refused:
        export("TKT-101", "thu.csv", "5003,carl,2024-03-05,2,TKT-101\n")
    [problem] = refused.value.problems
    assert problem.field == "entry_id" and report.hex in problem.rule.replace("-", "")
    assert app.recorder.max_notification_id() == before
    assert app.unbilled_work(report) == eur("600.00")
    assert app.unbilled_work(api) == eur("0.00")
    app.close()


def test_import_work_records_a_withdrawn_psa_entry_on_the_request_it_belongs_to() -> None:
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    api = authorized_request(app, customer, "API", MARCH_4)
    report = authorized_request(app, customer, "Report", MARCH_4)
    app.import_work(api, work("psa:77", MARCH_4, "3"), source="psa", actor="psa")
    app.withdraw_work(api, "psa:77", reason="booked on the wrong ticket", actor="mia")
    assert app.import_work(report, work("psa:77", MARCH_4, "3"), source="psa", actor="psa")
    assert not app.import_work(report, work("psa:77", MARCH_4, "3"), source="psa", actor="psa")
    assert [w.entry.entry_id for w in app.request(report).work] == ["psa:77"]
