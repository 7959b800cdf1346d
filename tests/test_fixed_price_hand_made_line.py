"""A fixed price is billed by the line that bills it, the fixed-price item: a hand-made line
billing one logged entry of a fixed-price request (an agreed extra, by the hour) leaves the
price to bill. Histories recorded before the fixed price was its own item billed the price
through its entries, and still read so."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from conftest import rewrite_stored_event

from q2c_core import (
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
    TimeEntry,
)

A = "alice"
ON = date(2024, 3, 1)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def bob(entry_id: str, day: int, hours: str) -> TimeEntry:
    return TimeEntry(entry_id, "bob", date(2024, 3, day), Decimal(hours), eur(100))


def fixed_price_export(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme's export agreed at 5,000.00, covered by a PO and authorized on 1 March, with 4
    hours of the work and a 2-hour extra logged. Returns (customer, request)."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=ON, actor=A)
    app.estimate_request(export, fixed_price=eur(5000), actor=A)
    app.send_quote(export, sent_on=ON, actor=A)
    app.receive_purchase_order(export, number="PO-1", amount=eur(5000), received_on=ON, actor=A)
    app.authorize_work(export, authorized_on=ON, actor=A)
    app.log_work(export, bob("t1", 5, "4"), actor="bob")
    app.log_work(export, bob("extra", 6, "2"), actor="bob")
    return acme, export


def test_an_extra_billed_by_hand_leaves_the_fixed_price_to_bill(app: QuoteToCash) -> None:
    """The customer agreed by mail to pay the 2-hour extra on top: billing it by hand does not
    bill the 5,000.00 price, which the request's own invoice then bills."""
    acme, export = fixed_price_export(app)
    tax = app.customer(acme).tax_rate_on(date(2024, 3, 7))
    extra = InvoiceLine(
        "L1",
        "Extra change agreed by mail",
        Decimal(2),
        eur(100),
        tax,
        LineSource(SourceKind.WORK, request_id=export, time_entry_ids=("extra",), hours=Decimal(2)),
        RevenueKind.ENHANCEMENT,
    )
    app.draft_invoice(acme, [extra], drafted_on=date(2024, 3, 7), actor="billy")
    app.complete_request(export, completed_on=date(2024, 3, 8), actor=A)

    request = app.request(export)
    assert not request.fixed_price_billed
    assert request.status is RequestStatus.COMPLETED
    assert app.unbilled_work(export) == eur(5000)
    assert app.unbilled_work(export, as_of=date(2024, 3, 8)) == eur(5000)

    invoice = app.draft_request_invoice(export, drafted_on=date(2024, 3, 9), actor="billy")
    assert app.invoice(invoice).net == eur(5000)
    assert app.request(export).fixed_price_billed
    assert app.request(export).status is RequestStatus.INVOICED
    assert app.unbilled_work(export) == eur(0)


def test_a_completed_request_billed_by_the_hour_by_hand_stays_to_invoice(
    app: QuoteToCash,
) -> None:
    """Completed, then both entries billed by hand at their rate: the request is not invoiced,
    its 5,000.00 price is still owed."""
    acme, export = fixed_price_export(app)
    app.complete_request(export, completed_on=date(2024, 3, 8), actor=A)
    tax = app.customer(acme).tax_rate_on(date(2024, 3, 9))
    hours = InvoiceLine(
        "L1",
        "Export: 6 hours",
        Decimal(6),
        eur(100),
        tax,
        LineSource(
            SourceKind.WORK, request_id=export, time_entry_ids=("t1", "extra"), hours=Decimal(6)
        ),
        RevenueKind.ENHANCEMENT,
    )
    app.draft_invoice(acme, [hours], drafted_on=date(2024, 3, 9), actor="billy")

    assert app.request(export).status is RequestStatus.COMPLETED
    assert app.unbilled_work(export) == eur(5000)


def test_a_fixed_price_billed_through_its_entries_before_its_item_still_reads_billed(
    tmp_path: Path,
) -> None:
    """Before the fixed price was its own item, the request's invoice billed the price through
    the entries it covers (no fixed-price item, its line not marked): that history still
    reads the price billed, the request invoiced and nothing left to bill."""
    db = tmp_path / "old.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    _, export = fixed_price_export(app)
    app.complete_request(export, completed_on=date(2024, 3, 8), actor=A)
    app.draft_request_invoice(export, drafted_on=date(2024, 3, 9), actor="billy")
    app.close()

    def as_before_the_item(facts: dict[str, Any]) -> None:
        facts["item_ids"] = [i for i in facts["item_ids"] if i != "fixed-price"]
        facts.pop("price_marked", None)

    def line_not_marked(facts: dict[str, Any]) -> None:
        for line in facts["lines"]:
            line["_data_"]["source"]["_data_"].pop("fixed_price", None)

    rewrite_stored_event(db, "EnhancementRequest.WorkInvoiced", as_before_the_item)
    rewrite_stored_event(db, "Invoice.Drafted", line_not_marked)
    app = QuoteToCash.open(f"sqlite:///{db}")
    try:
        request = app.request(export)
        assert "fixed-price" not in request.billed and set(request.billed) == {"t1", "extra"}
        assert request.fixed_price_billed
        assert request.status is RequestStatus.INVOICED
        assert app.unbilled_work(export) == eur(0)
        assert app.unbilled_work(export, as_of=date(2024, 3, 31)) == eur(0)
    finally:
        app.close()
