"""KPIs' time entered vs invoiced counts the hours the invoice lines bill, not the hours logged.

Dana logs 8 hours on Acme's export; the invoice bills 4 of them (a write-down). The other 4
are neither unbilled (the entry is billed) nor invoiced: "invoiced" must say 4, or the
written-down hours show nowhere. Voiding the invoice, or crediting its line as re-billable,
takes back exactly the 4 it counted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_projections_story import authorized_request, eur, issue, work

from q2c_core import (
    CreditDisposition,
    InvoiceLine,
    LineSource,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
)
from q2c_core.projections import Kpis, catch_up, rebuild
from q2c_core.projections.kpis import WorkerCustomerTime

A = "alice"


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )


def work_line(request: UUID, entries: tuple[str, ...], hours: str) -> InvoiceLine:
    """A hand-made line billing ``hours`` of the named time entries at 100 EUR an hour."""
    return InvoiceLine(
        "w",
        f"export ({hours} h)",
        Decimal(hours),
        eur(100),
        TaxRate.standard(21),
        LineSource(
            SourceKind.WORK, request_id=request, time_entry_ids=entries, hours=Decimal(hours)
        ),
        RevenueKind.ENHANCEMENT,
    )


def invoiced_hours(app: QuoteToCash) -> dict[str, Decimal]:
    """Invoiced hours per worker, followed event by event and rebuilt from an empty start
    (both must agree)."""
    followed, rebuilt = Kpis(), Kpis()
    catch_up(app, [followed])
    rebuild(app, [rebuilt])
    by_worker = {t.worker: t.invoiced for t in followed.time_entered_vs_invoiced()}
    assert by_worker == {t.worker: t.invoiced for t in rebuilt.time_entered_vs_invoiced()}
    return by_worker


def time_rows(app: QuoteToCash) -> list[WorkerCustomerTime]:
    kpis = Kpis()
    catch_up(app, [kpis])
    return kpis.time_entered_vs_invoiced()


def dana_logs_eight_hours(app: QuoteToCash) -> tuple[UUID, UUID]:
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2026, 1, 2))
    app.log_work(request, work("t1", date(2026, 1, 5), "8", worker="dana"), actor="dana")
    return customer, request


def test_an_invoice_billing_4_of_the_8_hours_logged_shows_4_hours_invoiced() -> None:
    app = QuoteToCash.open("memory:")
    customer, request = dana_logs_eight_hours(app)
    invoice = app.draft_invoice(
        customer, [work_line(request, ("t1",), "4")], drafted_on=date(2026, 1, 8), actor=A
    )
    issue(app, invoice, date(2026, 1, 8))
    assert app.unbilled_work(request) == eur(0)  # the entry is billed: no more to invoice
    (dana,) = time_rows(app)
    assert (dana.entered, dana.billable, dana.invoiced) == (8, 8, 4)
    assert invoiced_hours(app) == {"dana": Decimal(4)}


def test_voiding_the_write_down_takes_back_its_4_hours_and_the_whole_8_bill_again() -> None:
    app = QuoteToCash.open("memory:")
    customer, request = dana_logs_eight_hours(app)
    draft = app.draft_invoice(
        customer, [work_line(request, ("t1",), "4")], drafted_on=date(2026, 1, 8), actor=A
    )
    assert invoiced_hours(app) == {"dana": Decimal(4)}
    app.void_invoice(
        draft, reason="the customer agreed to pay it all", actor=A, voided_on=date(2026, 1, 8)
    )
    assert invoiced_hours(app) == {"dana": Decimal(0)}
    app.complete_request(request, completed_on=date(2026, 1, 9), actor=A)
    app.draft_request_invoice(request, drafted_on=date(2026, 1, 9), actor=A)
    assert invoiced_hours(app) == {"dana": Decimal(8)}


def test_crediting_the_write_down_as_rebillable_takes_back_exactly_its_hours() -> None:
    app = QuoteToCash.open("memory:")
    customer, request = dana_logs_eight_hours(app)
    invoice = app.draft_invoice(
        customer, [work_line(request, ("t1",), "4")], drafted_on=date(2026, 1, 8), actor=A
    )
    issue(app, invoice, date(2026, 1, 8))
    note = app.draft_credit_note(
        invoice,
        line_ids=["w"],
        disposition=CreditDisposition.REBILLABLE,
        reason="billed at the wrong rate",
        drafted_on=date(2026, 1, 12),
        actor=A,
    )
    issue(app, note, date(2026, 1, 12))
    assert app.unbilled_work(request) == eur(800)  # billable again, all 8 hours
    assert invoiced_hours(app) == {"dana": Decimal(0)}
    again = app.draft_invoice(
        customer, [work_line(request, ("t1",), "6")], drafted_on=date(2026, 1, 13), actor=A
    )
    issue(app, again, date(2026, 1, 13))
    assert invoiced_hours(app) == {"dana": Decimal(6)}


def test_a_line_billing_two_workers_entries_in_part_splits_its_hours_by_their_hours() -> None:
    """One line bills 4 hours for Dana's 6 and Omar's 2: each is invoiced in proportion to
    what they logged (3 and 1), and the line's 4 hours are all counted."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2026, 1, 2))
    app.log_work(request, work("t1", date(2026, 1, 5), "6", worker="dana"), actor="dana")
    app.log_work(request, work("t2", date(2026, 1, 5), "2", worker="omar"), actor="omar")
    app.draft_invoice(
        customer, [work_line(request, ("t1", "t2"), "4")], drafted_on=date(2026, 1, 8), actor=A
    )
    assert invoiced_hours(app) == {"dana": Decimal(3), "omar": Decimal(1)}


def test_a_split_that_does_not_divide_evenly_still_adds_up_to_the_line_s_hours() -> None:
    """10 hours of three workers' 4 hours each: the shares add up to exactly 10, and voiding
    the invoice leaves exactly nothing invoiced (no division dust)."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2026, 1, 2), hours=20)
    for entry_id, worker in (("t1", "dana"), ("t2", "omar"), ("t3", "lena")):
        app.log_work(request, work(entry_id, date(2026, 1, 5), "4", worker=worker), actor=A)
    draft = app.draft_invoice(
        customer,
        [work_line(request, ("t1", "t2", "t3"), "10")],
        drafted_on=date(2026, 1, 8),
        actor=A,
    )
    hours = invoiced_hours(app)
    assert sum(hours.values()) == 10
    assert all(Decimal("3.33") <= h <= Decimal("3.34") for h in hours.values())
    app.void_invoice(draft, reason="wrong", actor=A, voided_on=date(2026, 1, 8))
    assert invoiced_hours(app) == {"dana": 0, "lena": 0, "omar": 0}


def test_a_fixed_price_invoice_counts_every_hour_of_the_work_it_bills() -> None:
    """A fixed price bills the work whole, whatever its hours: each worker's logged hours are
    invoiced."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = app.open_request(customer, "Export", requested_on=date(2026, 1, 2), actor=A)
    app.estimate_request(request, fixed_price=eur(900), actor=A)
    app.send_quote(request, sent_on=date(2026, 1, 2), actor=A)
    app.receive_purchase_order(
        request, number="PO-1", amount=eur(900), received_on=date(2026, 1, 2), actor=A
    )
    app.authorize_work(request, authorized_on=date(2026, 1, 2), actor=A)
    app.log_work(request, work("t1", date(2026, 1, 5), "5.5", worker="dana"), actor="dana")
    app.log_work(request, work("t2", date(2026, 1, 6), "3", worker="omar"), actor="omar")
    app.complete_request(request, completed_on=date(2026, 1, 7), actor=A)
    app.draft_request_invoice(request, drafted_on=date(2026, 1, 8), actor=A)
    assert invoiced_hours(app) == {"dana": Decimal("5.5"), "omar": Decimal(3)}


def test_a_request_invoice_bills_each_entry_whole() -> None:
    app = QuoteToCash.open("memory:")
    _, request = dana_logs_eight_hours(app)
    app.log_work(request, work("t2", date(2026, 1, 6), "1.25", worker="omar"), actor="omar")
    app.complete_request(request, completed_on=date(2026, 1, 7), actor=A)
    app.draft_request_invoice(request, drafted_on=date(2026, 1, 8), actor=A)
    assert invoiced_hours(app) == {"dana": Decimal(8), "omar": Decimal("1.25")}


def test_explaining_a_worker_s_invoiced_hours_lists_the_invoice_lines_that_bill_them() -> None:
    """The 4 invoiced hours come from the invoice's line: explain lists its drafting beside
    the work logged and invoiced, and nothing of an invoice billing another worker."""
    from q2c_core.projections.base import row_key_id
    from q2c_core.projections.explain import events_behind

    app = QuoteToCash.open("memory:")
    customer, request = dana_logs_eight_hours(app)
    app.log_work(request, work("t2", date(2026, 1, 6), "2", worker="omar"), actor="omar")
    invoice = app.draft_invoice(
        customer, [work_line(request, ("t1",), "4")], drafted_on=date(2026, 1, 8), actor=A
    )
    omar_s = app.draft_invoice(
        customer, [work_line(request, ("t2",), "2")], drafted_on=date(2026, 1, 8), actor=A
    )
    events = events_behind(app, Kpis(), f"wc:dana|{row_key_id(customer)}")
    kinds = {(type(e).__qualname__, e.originator_id) for e in events}
    assert {
        ("EnhancementRequest.WorkLogged", request),
        ("EnhancementRequest.WorkInvoiced", request),
        ("Invoice.Drafted", invoice),
    } <= kinds
    assert ("Invoice.Drafted", omar_s) not in kinds
