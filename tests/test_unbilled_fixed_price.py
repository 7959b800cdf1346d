"""A fixed price is what the customer owes once the work is under way, however the time was
logged: UnbilledRevenue must show it with no billable hours behind it, as the domain does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from test_projections_story import eur, issue, work

from q2c_core import (
    AllowanceUnit,
    CreditDisposition,
    Expense,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
    TaxRate,
    TimeEntry,
)
from q2c_core.projections import UnbilledRevenue, catch_up, rebuild

A = "alice"
MARCH_END = date(2024, 3, 31)


def fixed_request(app: QuoteToCash, customer: UUID, title: str, price: str = "5000.00") -> UUID:
    """A fixed-price request quoted, covered by a PO and authorized on 1 March."""
    on = date(2024, 3, 1)
    r = app.open_request(customer, title, requested_on=on, actor=A)
    app.estimate_request(r, fixed_price=eur(price), actor=A)
    app.send_quote(r, sent_on=on, actor=A)
    app.receive_purchase_order(r, number=f"PO-{title}", amount=eur(price), received_on=on, actor=A)
    app.authorize_work(r, authorized_on=on, actor=A)
    return r


def internal(entry_id: str, day: date, hours: str) -> TimeEntry:
    """Time the customer does not pay by the hour (logged for capacity, not billing)."""
    return TimeEntry(entry_id, "bob", day, Decimal(hours), eur(100), billable=False)


def followed(app: QuoteToCash, unbilled: UnbilledRevenue) -> UnbilledRevenue:
    """Catch up incrementally, and check a rebuild from an empty start agrees row for row."""
    catch_up(app, [unbilled])
    again = UnbilledRevenue()
    rebuild(app, [again])
    assert unbilled.rows() == again.rows()
    return unbilled


def by(unbilled: UnbilledRevenue, what: str, key: str, on: date = MARCH_END) -> Money:
    """One authorized unbilled total, in euros."""
    return unbilled.totals(on, what).totals.get((key, "EUR"), eur(0))


def test_three_completed_fixed_prices_are_unbilled_whatever_time_was_logged(
    app: QuoteToCash,
) -> None:
    """Three 5,000.00 projects done in March: one logged only internal time, one no time at all,
    one billable time. The customer owes 15,000.00 for them, and each leaves the list once its
    invoice bills the price (and comes back when that invoice is voided)."""
    c = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    internal_only = fixed_request(app, c, "Internal time only")
    app.log_work(internal_only, internal("i1", date(2024, 3, 5), "10"), actor="bob")
    no_time = fixed_request(app, c, "No time logged")
    billable = fixed_request(app, c, "Billable time")
    app.log_work(billable, work("b1", date(2024, 3, 6), "10"), actor="bob")
    for r in (internal_only, no_time, billable):
        app.complete_request(r, completed_on=date(2024, 3, 20), actor=A)
    unbilled = followed(app, UnbilledRevenue())

    items = {i.request_id: i for i in unbilled.items(MARCH_END)}
    assert {r: (i.kind, i.amount) for r, i in items.items()} == {
        r.hex: ("fixed_price", eur("5000.00")) for r in (internal_only, no_time, billable)
    }
    # the price is unbilled from the first day of work, or the completion when none was logged
    assert (items[internal_only.hex].since, items[internal_only.hex].hours) == (
        date(2024, 3, 5),
        Decimal(0),
    )
    assert (items[no_time.hex].since, items[no_time.hex].item_id) == (
        date(2024, 3, 20),
        "fixed-price",
    )
    assert (items[billable.hex].item_id, items[billable.hex].hours) == ("b1", Decimal(10))
    assert unbilled.customer_total(c.hex, "EUR", MARCH_END) == eur("15000.00")
    assert app.customer_summary(c).unbilled_work == eur("15000.00")
    for r in (internal_only, no_time, billable):
        assert by(unbilled, "request", r.hex) == app.unbilled_work(r) == eur("5000.00")
    assert by(unbilled, "account_manager", "mia") == eur("15000.00")
    assert unbilled.totals(MARCH_END, "age").totals == {("1-30", "EUR"): eur("15000.00")}
    assert unbilled.totals(date(2024, 4, 10), "age").totals == {
        ("31-60", "EUR"): eur("10000.00"),  # since 5 and 6 March: 36 and 35 days
        ("1-30", "EUR"): eur("5000.00"),  # since the completion on 20 March: 21 days
    }
    assert unbilled.leakage_risk(MARCH_END) == []

    # invoicing the no-time project bills its price: 10,000.00 left
    invoice = app.draft_request_invoice(no_time, drafted_on=MARCH_END, actor="bea")
    assert app.invoice(invoice).net == eur("5000.00")
    followed(app, unbilled)
    assert unbilled.customer_total(c.hex, "EUR", MARCH_END) == eur("10000.00")
    assert app.customer_summary(c).unbilled_work == eur("10000.00")
    assert by(unbilled, "request", no_time.hex) == app.unbilled_work(no_time) == eur(0)

    # a wrong invoice voided: the price is owed again, and billed again
    app.void_invoice(invoice, reason="wrong PO number", actor="bea", voided_on=date(2024, 3, 31))
    followed(app, unbilled)
    assert unbilled.customer_total(c.hex, "EUR", MARCH_END) == eur("15000.00")
    assert by(unbilled, "request", no_time.hex) == app.unbilled_work(no_time) == eur("5000.00")
    for r in (internal_only, no_time, billable):
        app.draft_request_invoice(r, drafted_on=MARCH_END, actor="bea")
        assert app.request(r).status is RequestStatus.INVOICED
    followed(app, unbilled)
    assert unbilled.items(MARCH_END) == []
    assert app.customer_summary(c).unbilled_work == eur(0)


def test_a_fixed_price_is_unbilled_once_work_starts_not_at_authorization(
    app: QuoteToCash,
) -> None:
    """Authorized but untouched, nothing is owed yet; the first hour, even an internal one,
    makes the 8,000.00 price owed; cancelled, the price is not owed and billable time counts
    at its hours again (as ``QuoteToCash.unbilled_work`` says at every step)."""
    c = app.register_customer("Beta", "EUR", account_manager="max", actor=A)
    r = fixed_request(app, c, "Portal", price="8000.00")
    unbilled = followed(app, UnbilledRevenue())
    assert unbilled.items(MARCH_END) == [] and app.unbilled_work(r) == eur(0)

    app.log_work(r, internal("i1", date(2024, 3, 4), "3"), actor="bob")
    followed(app, unbilled)
    assert by(unbilled, "request", r.hex) == app.unbilled_work(r) == eur("8000.00")
    assert by(unbilled, "account_manager", "max") == eur("8000.00")

    app.log_work(r, work("b1", date(2024, 3, 7), "2"), actor="bob")
    followed(app, unbilled)
    (item,) = unbilled.items(MARCH_END)
    assert (item.kind, item.item_id, item.hours, item.since) == (
        "fixed_price",
        "b1",
        Decimal(2),
        date(2024, 3, 4),
    )
    assert item.amount == app.unbilled_work(r) == eur("8000.00")

    app.cancel_request(
        r, reason="customer stopped the project", cancelled_on=date(2024, 3, 8), actor=A
    )
    followed(app, unbilled)
    (item,) = unbilled.items(MARCH_END)
    assert (item.kind, item.item_id, item.amount) == ("work", "b1", eur("200.00"))
    assert by(unbilled, "request", r.hex) == app.unbilled_work(r) == eur("200.00")


def test_a_fixed_price_credited_rebillable_is_unbilled_again(app: QuoteToCash) -> None:
    """An issued 3,000.00 fixed-price invoice for a project with no time logged, credited as
    re-billable: the price is owed again and can be billed again; credited for good, it is not."""
    c = app.register_customer("Gamma", "EUR", account_manager="ana", actor=A)
    r = fixed_request(app, c, "Migration", price="3000.00")
    app.complete_request(r, completed_on=date(2024, 3, 15), actor=A)
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 16), actor="bea")
    issue(app, invoice, date(2024, 3, 16))
    unbilled = followed(app, UnbilledRevenue())
    assert unbilled.items(MARCH_END) == [] and app.unbilled_work(r) == eur(0)

    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="billed before acceptance",
        drafted_on=date(2024, 3, 18),
        actor="bea",
    )
    issue(app, note, date(2024, 3, 18))
    followed(app, unbilled)
    assert by(unbilled, "request", r.hex) == app.unbilled_work(r) == eur("3000.00")
    assert app.request(r).status is RequestStatus.COMPLETED

    again = app.draft_request_invoice(r, drafted_on=date(2024, 3, 25), actor="bea")
    issue(app, again, date(2024, 3, 25))
    note = app.draft_credit_note(
        again,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="goodwill",
        drafted_on=date(2024, 3, 28),
        actor="bea",
    )
    issue(app, note, date(2024, 3, 28))
    followed(app, unbilled)
    assert unbilled.items(MARCH_END) == [] and app.unbilled_work(r) == eur(0)


def test_a_hand_made_fixed_price_line_holds_the_price_until_voided(app: QuoteToCash) -> None:
    """Billing typed the 2,500.00 fixed price on a hand-made invoice: that bills the price (the
    request is invoiced, nothing unbilled); voiding it makes the price owed again, not an error."""
    c = app.register_customer("Delta", "EUR", account_manager="mia", actor=A)
    r = fixed_request(app, c, "Report", price="2500.00")
    app.complete_request(r, completed_on=date(2024, 3, 10), actor=A)
    line = InvoiceLine(
        "L1",
        "Report (fixed price)",
        Decimal(1),
        eur("2500.00"),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=r, fixed_price=True),
        RevenueKind.ENHANCEMENT,
    )
    invoice = app.draft_invoice(c, [line], drafted_on=date(2024, 3, 12), actor="bea")
    assert app.request(r).status is RequestStatus.INVOICED
    unbilled = followed(app, UnbilledRevenue())
    assert unbilled.items(MARCH_END) == [] and app.unbilled_work(r) == eur(0)

    app.void_invoice(
        invoice, reason="typed by hand by mistake", actor="bea", voided_on=date(2024, 3, 12)
    )
    assert app.request(r).status is RequestStatus.COMPLETED
    followed(app, unbilled)
    assert by(unbilled, "request", r.hex) == app.unbilled_work(r) == eur("2500.00")


def test_an_expense_invoiced_alone_leaves_the_fixed_price_to_bill(app: QuoteToCash) -> None:
    """A hand-made invoice re-bills a 120.00 travel expense of a completed fixed-price project:
    the 4,000.00 price is still owed, so the request is not invoiced and can still be billed."""
    from q2c_core import Expense

    c = app.register_customer("Eta", "EUR", account_manager="mia", actor=A)
    r = fixed_request(app, c, "Rollout", price="4000.00")
    app.log_expense(r, Expense("x1", "train", eur("120.00"), date(2024, 3, 3)), actor="bob")
    app.complete_request(r, completed_on=date(2024, 3, 10), actor=A)
    line = InvoiceLine(
        "L1",
        "train",
        Decimal(1),
        eur("120.00"),
        TaxRate.standard(21),
        LineSource(SourceKind.EXPENSE, request_id=r, expense_id="x1"),
        RevenueKind.EXPENSE,
    )
    app.draft_invoice(c, [line], drafted_on=date(2024, 3, 12), actor="bea")
    assert app.request(r).status is RequestStatus.COMPLETED
    unbilled = followed(app, UnbilledRevenue())
    assert by(unbilled, "request", r.hex) == app.unbilled_work(r) == eur("4000.00")
    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 20), actor="bea")
    assert app.invoice(invoice).net == eur("4000.00")


def test_an_allowance_covered_fixed_price_is_owed_with_its_overage(app: QuoteToCash) -> None:
    """A 1,000.00 fixed price covered by a 5-hour allowance, 7 hours logged, as a history from
    before q2c refused that combination recorded it: the domain bills the price and the 2 hours
    beyond the allowance (200.00); the projection says the same."""
    c = app.register_customer("Zeta", "EUR", account_manager="mia", actor=A)
    allowance = app.grant_allowance(
        c,
        unit=AllowanceUnit.HOURS,
        quantity=5,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    r = app.open_request(c, "Tweak", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r, fixed_price=eur("1000.00"), actor=A)
    recorded = app.request(r)
    recorded._covered_by_allowance(allowance, A)  # the event, without the command's check
    app.save(recorded)
    app.authorize_work(r, authorized_on=date(2024, 3, 1), actor=A)
    app.log_work(r, work("t1", date(2024, 3, 10), "7"), actor="bob")
    app.complete_request(r, completed_on=date(2024, 3, 12), actor=A)
    unbilled = followed(app, UnbilledRevenue())
    kinds = {i.kind: i.amount for i in unbilled.items(MARCH_END)}
    assert kinds == {"fixed_price": eur("1000.00"), "allowance_overage": eur("200.00")}
    assert by(unbilled, "request", r.hex) == app.unbilled_work(r) == eur("1200.00")
    invoice = app.draft_request_invoice(r, drafted_on=MARCH_END, actor="bea")
    assert app.invoice(invoice).net == eur("1200.00")
    followed(app, unbilled)
    assert unbilled.items(MARCH_END) == [] and app.unbilled_work(r) == eur(0)


def test_a_fixed_price_is_not_owed_on_days_before_the_work_was_authorized(
    app: QuoteToCash,
) -> None:
    """Two hours of work on the 5,000.00 portal were imported on 10 February, before anyone
    authorized it; the PO arrived and the work was authorized on 1 March. At the end of
    February nothing authorized is owed: the 200.00 of hours are leakage risk (as
    ``QuoteToCash.unbilled_work`` and the customer summary of that day say). From 1 March the
    fixed price is owed, aged from the authorization, not from the first imported hour."""
    c = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    r = app.open_request(c, "Portal", requested_on=date(2024, 2, 1), actor=A)
    app.estimate_request(r, fixed_price=eur("5000.00"), actor=A)
    app.send_quote(r, sent_on=date(2024, 2, 1), actor=A)
    app.import_work(r, work("x1", date(2024, 2, 10), "2"), source="psa.csv", actor="import")
    app.receive_purchase_order(
        r, number="PO-1", amount=eur("5000.00"), received_on=date(2024, 3, 1), actor=A
    )
    app.authorize_work(r, authorized_on=date(2024, 3, 1), actor=A)
    unbilled = followed(app, UnbilledRevenue())

    february = date(2024, 2, 28)
    assert [(i.kind, i.amount, i.authorized) for i in unbilled.items(february)] == [
        ("work", eur("200.00"), False)
    ]
    assert unbilled.customer_total(c, "EUR", february) == eur(0)
    assert [i.amount for i in unbilled.leakage_risk(february)] == [eur("200.00")]
    assert app.unbilled_work(r, february) == eur("200.00")
    assert app.customer_summary(c, as_of=february).unbilled_work == eur("200.00")

    (price,) = [i for i in unbilled.items(MARCH_END) if i.kind == "fixed_price"]
    assert (price.amount, price.since, price.age_bucket) == (
        eur("5000.00"),
        date(2024, 3, 1),
        "1-30",
    )
    assert unbilled.customer_total(c, "EUR", MARCH_END) == app.unbilled_work(r, MARCH_END)


def cancelled_over_budget(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme's 1,000.00 portal, authorized on 1 February, runs over: 10 hours at 100.00 on 5
    February, 10 on 5 March and 10 on 6 March, then Acme cancels it on 8 March. Returns
    (customer, request)."""
    c = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    on = date(2024, 2, 1)
    r = app.open_request(c, "Portal", requested_on=on, actor=A)
    app.estimate_request(r, fixed_price=eur("1000.00"), actor=A)
    app.send_quote(r, sent_on=on, actor=A)
    app.receive_purchase_order(r, number="PO-P", amount=eur("1000.00"), received_on=on, actor=A)
    app.authorize_work(r, authorized_on=on, actor=A)
    for entry_id, day in (
        ("t1", date(2024, 2, 5)),
        ("t2", date(2024, 3, 5)),
        ("t3", date(2024, 3, 6)),
    ):
        app.log_work(r, work(entry_id, day, "10"), actor="bob")
    app.cancel_request(
        r, reason="customer stopped the project", cancelled_on=date(2024, 3, 8), actor=A
    )
    return c, r


def breakdowns_add_up_to(unbilled: UnbilledRevenue, on: date, amount: Money) -> None:
    """Every way of totalling the authorized unbilled amounts of the one customer adds up to
    ``amount``, and no item is negative (nothing taken off an age bucket the hours are not in)."""
    for what in ("customer", "request", "account_manager", "age", "contract"):
        found = unbilled.totals(on, what).totals.values()
        assert sum(found, eur(0)) == amount, what
    assert all(not i.amount.is_negative() for i in unbilled.items(on))


def test_a_cancelled_fixed_price_request_over_budget_owes_its_price_in_unbilled_revenue(
    app: QuoteToCash,
) -> None:
    """Completed, the portal would bill 1,000.00: cancelled, its 30 hours (3,000.00) are owed
    only up to that price, as ``unbilled_work`` and the request's invoice say. Each hour is
    listed with its share of the price (the oldest 10 hours in the 31-60 bucket, the rest in
    1-30); once the capped invoice is drafted nothing is owed, and voiding it owes the 1,000.00
    again. Hours imported after the cancellation are leakage risk at their worth, as before."""
    c, r = cancelled_over_budget(app)
    app.import_work(r, work("late", date(2024, 3, 12), "2"), source="psa.csv", actor="imp")
    unbilled = followed(app, UnbilledRevenue())

    assert by(unbilled, "request", r.hex) == eur("1000.00")
    assert unbilled.customer_total(c, "EUR", MARCH_END) == eur("1000.00")
    listed = sum((i.amount for i in unbilled.items(MARCH_END)), eur(0))
    assert listed == app.unbilled_work(r) == app.unbilled_work(r, as_of=MARCH_END)
    assert listed == eur("1200.00")  # the price, and the 200.00 of leakage on top
    work_items = [i for i in unbilled.items(MARCH_END) if i.authorized]
    assert [(i.item_id, i.kind, i.hours, i.amount, i.age_bucket) for i in work_items] == [
        ("t1", "work", Decimal(10), eur("333.33"), "31-60"),
        ("t2", "work", Decimal(10), eur("333.34"), "1-30"),
        ("t3", "work", Decimal(10), eur("333.33"), "1-30"),
    ]
    assert all(i.description.endswith("(capped at the agreed fixed price)") for i in work_items)
    assert by(unbilled, "age", "31-60") == eur("333.33")
    breakdowns_add_up_to(unbilled, MARCH_END, eur("1000.00"))
    assert [(i.item_id, i.amount) for i in unbilled.leakage_risk(MARCH_END)] == [
        ("late", eur("200.00"))
    ]
    # on a day only the February hours were done, they are owed whole (1,000.00, the price)
    february = date(2024, 2, 29)
    assert by(unbilled, "request", r.hex, february) == app.unbilled_work(r, february)
    assert by(unbilled, "request", r.hex, february) == eur("1000.00")

    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 9), actor="billy")
    assert app.invoice(invoice).net == eur("1000.00")
    followed(app, unbilled)
    assert by(unbilled, "request", r.hex) == app.unbilled_work(r) - eur(200) == eur(0)
    assert [i.item_id for i in unbilled.items(MARCH_END)] == ["late"]

    app.void_invoice(
        invoice, reason="wrong PO reference", voided_on=date(2024, 3, 10), actor="billy"
    )
    followed(app, unbilled)
    assert by(unbilled, "request", r.hex) == app.unbilled_work(r) - eur(200) == eur("1000.00")
    breakdowns_add_up_to(unbilled, MARCH_END, eur("1000.00"))


def test_a_cancelled_fixed_price_request_owes_its_price_less_hours_billed_by_hand(
    app: QuoteToCash,
) -> None:
    """4 hours of the 1,000.00 portal were billed by hand as an agreed extra (400.00); 20 more
    were logged before Acme cancelled it, and a 50.00 train fare. The price less what was billed
    leaves 600.00 for the 20 hours, with the fare on top: 650.00, as ``unbilled_work`` says."""
    c = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    r = fixed_request(app, c, "Portal", "1000.00")
    app.log_work(r, work("t0", date(2024, 3, 4), "4"), actor="bob")
    extra = InvoiceLine(
        "L1",
        "Portal: agreed extra",
        Decimal(4),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=r, time_entry_ids=("t0",), hours=Decimal(4)),
        RevenueKind.ENHANCEMENT,
    )
    app.draft_invoice(c, [extra], drafted_on=date(2024, 3, 5), actor="billy")
    app.log_work(r, work("t1", date(2024, 3, 6), "10"), actor="bob")
    app.log_work(r, work("t2", date(2024, 3, 7), "10"), actor="bob")
    app.log_expense(r, Expense("x1", "train fare", eur(50), date(2024, 3, 7)), actor="bob")
    app.cancel_request(
        r, reason="customer stopped the project", cancelled_on=date(2024, 3, 8), actor=A
    )
    unbilled = followed(app, UnbilledRevenue())

    assert by(unbilled, "request", r.hex) == app.unbilled_work(r) == eur("650.00")
    assert by(unbilled, "customer", c.hex) == app.unbilled_work(r, as_of=MARCH_END)
    amounts = {i.item_id: i.amount for i in unbilled.items(MARCH_END)}
    assert amounts == {"t1": eur("300.00"), "t2": eur("300.00"), "x1": eur("50.00")}
    breakdowns_add_up_to(unbilled, MARCH_END, eur("650.00"))

    invoice = app.draft_request_invoice(r, drafted_on=date(2024, 3, 9), actor="billy")
    assert app.invoice(invoice).net == eur("650.00")
    followed(app, unbilled)
    assert by(unbilled, "request", r.hex) == app.unbilled_work(r) == eur(0)
    assert unbilled.items(MARCH_END) == []
