"""The read side bills a fixed price as the domain does: only the fixed-price item bills it. A
hand-made line billing one logged entry of a fixed-price request (an extra agreed by mail, by
the hour) leaves the 5,000.00 price owed in UnbilledRevenue, as ``unbilled_work`` says. A
history recorded before the price was its own item billed the price through the entries its
invoice named, as long as that invoice still bills one: UnbilledRevenue and the review meeting
read it so too (``EnhancementRequest.fixed_price_billed``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from conftest import rewrite_stored_event
from test_fixed_price_hand_made_line import ON, A, bob, eur, fixed_price_export

from q2c_core import (
    AllowanceUnit,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
    TimeEntry,
)
from q2c_core.projections import ReviewItem, ReviewMeeting, UnbilledRevenue, catch_up, rebuild

MARCH_END = date(2024, 3, 31)


def by_hand(app: QuoteToCash, customer: UUID, request: UUID, entry_id: str, day: date) -> UUID:
    """A hand-made invoice billing one entry of the request at its rate (2 hours at 100.00)."""
    tax = app.customer(customer).tax_rate_on(day)
    line = InvoiceLine(
        "L1",
        "Extra change agreed by mail",
        Decimal(2),
        eur(100),
        tax,
        LineSource(
            SourceKind.WORK, request_id=request, time_entry_ids=(entry_id,), hours=Decimal(2)
        ),
        RevenueKind.ENHANCEMENT,
    )
    return app.draft_invoice(customer, [line], drafted_on=day, actor="billy")


def unbilled(app: QuoteToCash) -> UnbilledRevenue:
    """Followed as recorded; a rebuild from an empty start holds the same rows."""
    live, again = UnbilledRevenue(), UnbilledRevenue()
    catch_up(app, [live])
    rebuild(app, [again])
    assert live.rows() == again.rows()
    return live


def owed(projection: UnbilledRevenue, request: UUID, on: date) -> Money:
    return projection.totals(on, "request").totals.get((request.hex, "EUR"), eur(0))


def test_an_extra_billed_by_hand_leaves_the_fixed_price_owed_in_unbilled_revenue(
    app: QuoteToCash,
) -> None:
    """The customer agreed by mail to pay the 2-hour extra on top: the hand-made invoice bills
    200.00 for it, and the 5,000.00 price is still owed, listed as the domain values it."""
    acme, export = fixed_price_export(app)
    by_hand(app, acme, export, "extra", date(2024, 3, 7))
    app.complete_request(export, completed_on=date(2024, 3, 8), actor=A)

    projection = unbilled(app)
    [price] = [i for i in projection.items(MARCH_END) if i.request_id == export.hex]
    assert (price.kind, price.amount, price.since) == ("fixed_price", eur(5000), date(2024, 3, 5))
    assert owed(projection, export, MARCH_END) == app.unbilled_work(export) == eur(5000)
    for day in (date(2024, 3, 8), MARCH_END):
        assert owed(projection, export, day) == app.unbilled_work(export, as_of=day)

    app.draft_request_invoice(export, drafted_on=date(2024, 3, 9), actor="billy")
    assert owed(unbilled(app), export, MARCH_END) == app.unbilled_work(export) == eur(0)


def recorded_before_the_price_was_its_own_item(db: Path) -> None:
    """The one ``WorkInvoiced`` of the history as an older q2c wrote it: no fixed-price item,
    no ``price_marked``, and its line not marked as the price."""

    def as_before_the_item(facts: dict[str, Any]) -> None:
        facts["item_ids"] = [i for i in facts["item_ids"] if i != "fixed-price"]
        facts.pop("price_marked", None)

    def line_not_marked(facts: dict[str, Any]) -> None:
        for line in facts["lines"]:
            line["_data_"]["source"]["_data_"].pop("fixed_price", None)

    rewrite_stored_event(db, "EnhancementRequest.WorkInvoiced", as_before_the_item)
    rewrite_stored_event(db, "Invoice.Drafted", line_not_marked)


def test_a_price_billed_through_its_entries_before_its_item_is_billed_in_unbilled_revenue(
    tmp_path: Path,
) -> None:
    """Before the fixed price was its own item, the request's invoice billed the price through
    the entries it covered: UnbilledRevenue, like the domain, owes nothing for it, on any day;
    once that invoice is voided, the price is owed again."""
    db = tmp_path / "old.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    _, export = fixed_price_export(app)
    app.complete_request(export, completed_on=date(2024, 3, 8), actor=A)
    invoice = app.draft_request_invoice(export, drafted_on=date(2024, 3, 9), actor="billy")
    app.close()
    recorded_before_the_price_was_its_own_item(db)
    app = QuoteToCash.open(f"sqlite:///{db}")
    try:
        assert app.request(export).fixed_price_billed
        projection = unbilled(app)
        assert [i for i in projection.items(MARCH_END) if i.request_id == export.hex] == []
        for day in (date(2024, 3, 9), MARCH_END):
            assert owed(projection, export, day) == app.unbilled_work(export, as_of=day)

        app.void_invoice(invoice, reason="wrong PO", actor="billy", voided_on=date(2024, 3, 9))
        assert not app.request(export).fixed_price_billed
        assert owed(unbilled(app), export, MARCH_END) == app.unbilled_work(export) == eur(5000)
    finally:
        app.close()


def agenda(app: QuoteToCash) -> dict[str, ReviewItem]:
    """The agenda at the end of March, followed as recorded; a rebuild holds the same rows."""
    live, again = ReviewMeeting(), ReviewMeeting()
    catch_up(app, [live])
    rebuild(app, [again])
    assert live.rows() == again.rows()
    return {item.title: item for item in live.items(MARCH_END)}


def test_the_review_meeting_reads_a_price_billed_through_its_entries_before_its_item(
    tmp_path: Path,
) -> None:
    """A 200.00 setup price on a request Acme's prepaid hours cover (recorded before q2c refused
    the combination): its 2 hours are drawn on the allowance, and a timesheet dated before the
    authorization was billed by hand, paid, before the price was its own item. That invoice
    billed the price through the entry: the request is completed with nothing left to bill and
    what was billed paid, so it leaves the agenda, as the domain sees it."""
    db = tmp_path / "old.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    year = Period(date(2024, 1, 1), date(2025, 1, 1))
    allowance = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, period=year, granted_on=year.start, actor=A
    )
    setup = app.open_request(acme, "Setup", requested_on=ON, actor=A)
    app.estimate_request(setup, fixed_price=eur(200), actor=A)
    recorded = app.request(setup)
    recorded._covered_by_allowance(allowance, A)
    app.save(recorded)
    app.authorize_work(setup, authorized_on=ON, actor=A)
    app.log_work(setup, bob("s1", 5, "2"), actor="bob")
    early = TimeEntry("early", "bob", date(2024, 2, 20), Decimal(2), eur(100))
    app.import_work(setup, early, source="psa.csv", actor="imp")
    invoice = by_hand(app, acme, setup, "early", date(2024, 3, 7))
    app.complete_request(setup, completed_on=date(2024, 3, 8), actor=A)
    app.close()
    recorded_before_the_price_was_its_own_item(db)
    app = QuoteToCash.open(f"sqlite:///{db}")
    try:
        request = app.request(setup)
        assert request.fixed_price_billed and request.status is RequestStatus.COMPLETED
        assert app.unbilled_work(setup) == eur(0)
        assert agenda(app)["Setup"].invoiced == eur(200)  # not paid yet: on the agenda
        for role, who in (("billing", "billy"), ("account_manager", "mia")):
            app.approve_invoice(invoice, role=role, approved_on=date(2024, 3, 7), actor=who)
        app.issue_invoice(invoice, issued_on=date(2024, 3, 7), actor="billy")
        total = app.invoice(invoice).total
        paid = app.receive_payment(
            acme, total, received_on=date(2024, 3, 20), reference="INV-1", actor=A
        )
        app.allocate_payment(paid, [(invoice, total)], allocated_on=date(2024, 3, 20), actor=A)

        assert "Setup" not in agenda(app)
    finally:
        app.close()
