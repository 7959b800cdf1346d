"""The story of a prepaid allowance: granted, drawn in work-date order, overage billed, topped up,
expired, rolled over."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    AllowanceExhausted,
    AllowanceStatus,
    AllowanceUnit,
    CurrencyMismatch,
    Draw,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    RuleViolated,
    SourceKind,
    TimeEntry,
    charge_key,
)
from q2c_core.domain import prepaid_allowance as allowance_module

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def entry(entry_id: str, day: date, hours: str, rate: str = "100") -> TimeEntry:
    return TimeEntry(entry_id, "bob", day, Decimal(hours), eur(rate))


def covered_request(
    app: QuoteToCash, unit: AllowanceUnit = AllowanceUnit.HOURS, quantity: str = "5"
) -> tuple[UUID, UUID, UUID]:
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    allowance = app.grant_allowance(
        customer, unit=unit, quantity=quantity, period=YEAR, granted_on=date(2024, 1, 1), actor=A
    )
    request = app.open_request(customer, "Tweak", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, hours=8, rate=eur(100), actor=A)
    app.cover_request_by_allowance(request, allowance, actor=A)
    assert app.request(request).status is RequestStatus.COVERED_BY_ALLOWANCE
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    return customer, allowance, request


def test_back_dated_work_draws_before_later_work(app: QuoteToCash) -> None:
    customer, allowance, request = covered_request(app)
    app.log_work(request, entry("late", date(2024, 3, 10), "4"), actor="bob")
    a = app.allowance(allowance)
    assert a.consumed == 4 and a.remaining == 1
    # the timesheet for earlier work arrives later: it draws first
    app.log_work(request, entry("early", date(2024, 3, 5), "3"), actor="bob")
    draws = app.allowance(allowance).draws()  # by charge key: the request and the entry
    early, late = draws[charge_key(request, "early")], draws[charge_key(request, "late")]
    assert early.covered == 3 and early.overage == 0
    assert late.covered == 2 and late.overage == 2
    a = app.allowance(allowance)
    assert (a.granted, a.consumed, a.overage, a.remaining) == (5, 5, 2, 0)
    buckets = {b.entry_id: b for b in app.work_buckets(request)}
    assert (buckets["late"].covered, buckets["late"].unbilled) == (2, 2)
    assert app.unbilled_work(request) == eur(200)
    assert app.customer_summary(customer).prepaid_hours_left == 0


def test_overage_is_billed_and_stays_billed(app: QuoteToCash) -> None:
    _, allowance, request = covered_request(app)
    app.log_work(request, entry("t1", date(2024, 3, 10), "7"), actor="bob")
    app.complete_request(request, completed_on=date(2024, 3, 11), actor=A)
    invoice = app.invoice(app.draft_request_invoice(request, drafted_on=date(2024, 3, 12), actor=A))
    (line,) = invoice.lines
    assert line.quantity == 2 and line.net == eur("200.00")
    assert line.source is not None and line.source.allowance_id == allowance
    assert app.allowance(allowance).billed_overage == {charge_key(request, "t1"): Decimal(2)}
    (bucket,) = app.work_buckets(request)
    assert (bucket.unbilled, bucket.covered, bucket.invoiced) == (0, 5, 2)
    assert app.request(request).status is RequestStatus.INVOICED
    # a top-up after the overage was billed does not pull billed hours back into cover
    app.top_up_allowance(allowance, 10, topped_up_on=date(2024, 4, 1), reason="bought 10", actor=A)
    a = app.allowance(allowance)
    assert a.granted == 15 and a.consumed == 5 and a.remaining == 10


def test_top_up_covers_unbilled_overage(app: QuoteToCash) -> None:
    _, allowance, request = covered_request(app)
    app.log_work(request, entry("t1", date(2024, 3, 10), "7"), actor="bob")
    assert app.allowance(allowance).overage == 2
    app.top_up_allowance(allowance, "3", topped_up_on=date(2024, 3, 20), reason="more", actor=A)
    a = app.allowance(allowance)
    assert (a.granted, a.consumed, a.overage, a.remaining) == (8, 7, 0, 1)
    assert app.unbilled_work(request) == eur(0)


def test_expiry_forfeits_what_is_left_and_stops_draws(app: QuoteToCash) -> None:
    _, allowance, request = covered_request(app)
    app.log_work(request, entry("t1", date(2024, 3, 10), "2"), actor="bob")
    with pytest.raises(InvalidTransition):
        app.expire_allowance(allowance, expired_on=date(2024, 12, 31), actor=A)
    app.expire_allowance(allowance, expired_on=date(2025, 1, 1), actor=A)
    a = app.allowance(allowance)
    assert a.status is AllowanceStatus.EXPIRED
    assert (a.consumed, a.forfeited, a.remaining) == (2, 3, 0)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition):
        app.top_up_allowance(allowance, 1, topped_up_on=date(2025, 1, 2), reason="x", actor=A)
    assert app.recorder.max_notification_id() == before
    # work logged after the expiry draws nothing: it is billed at its rate, never lost
    app.log_work(request, entry("t2", date(2024, 12, 1), "1"), actor="bob")
    assert app.allowance(allowance).charged == 2
    assert app.unbilled_work(request) == eur(100)
    buckets = {b.entry_id: b for b in app.work_buckets(request)}
    assert (buckets["t2"].unbilled, buckets["t2"].covered) == (1, 0)


def test_roll_over_carries_what_is_left_into_the_next_period(app: QuoteToCash) -> None:
    customer, allowance, request = covered_request(app)
    app.log_work(request, entry("t1", date(2024, 3, 10), "2"), actor="bob")
    with pytest.raises(AllowanceExhausted):
        app.roll_over_allowance(
            allowance,
            new_period=Period(date(2025, 1, 1), date(2026, 1, 1)),
            rolled_over_on=date(2025, 1, 1),
            actor=A,
            quantity=4,
        )
    new = app.roll_over_allowance(
        allowance,
        new_period=Period(date(2025, 1, 1), date(2026, 1, 1)),
        rolled_over_on=date(2025, 1, 1),
        actor=A,
        quantity=2,
        extra=10,
    )
    old = app.allowance(allowance)
    assert old.status is AllowanceStatus.ROLLED_OVER
    assert (old.rolled_over_to, old.rolled_over_quantity, old.forfeited) == (new, 2, 1)
    nxt = app.allowance(new)
    assert nxt.granted == 12 and nxt.rolled_over_from == allowance
    assert app.customer(customer).allowance_ids == [allowance, new]
    assert app.customer_summary(customer).prepaid_hours_left == 12


def test_work_outside_the_period_is_billed_not_drawn_nor_lost(app: QuoteToCash) -> None:
    _, allowance, request = covered_request(app)
    app.log_work(request, entry("t1", date(2025, 2, 1), "1"), actor="bob")
    assert app.import_work(request, entry("t2", date(2023, 12, 1), "2"), source="psa", actor="i")
    a = app.allowance(allowance)
    assert a.charges == [] and a.remaining == 5
    assert app.unbilled_work(request) == eur(300)
    app.complete_request(request, completed_on=date(2025, 2, 2), actor=A)
    invoice = app.invoice(app.draft_request_invoice(request, drafted_on=date(2025, 2, 3), actor=A))
    assert invoice.net == eur(300)
    assert all(ln.source and ln.source.kind is SourceKind.WORK for ln in invoice.lines)


def test_money_allowance_is_drawn_in_money(app: QuoteToCash) -> None:
    _, allowance, request = covered_request(app, AllowanceUnit.MONEY, "500")
    app.log_work(request, entry("t1", date(2024, 3, 10), "3", rate="120"), actor="bob")
    app.log_work(request, entry("t2", date(2024, 3, 9), "2", rate="120"), actor="bob")
    a = app.allowance(allowance)
    assert a.consumed == 500 and a.overage == 100
    assert a.draws()[charge_key(request, "t2")].covered == 240
    assert app.unbilled_work(request) == eur(100)
    app.complete_request(request, completed_on=date(2024, 3, 11), actor=A)
    invoice = app.invoice(app.draft_request_invoice(request, drafted_on=date(2024, 3, 12), actor=A))
    assert invoice.net == eur(100)
    (bucket_t1,) = [b for b in app.work_buckets(request) if b.entry_id == "t1"]
    assert bucket_t1.unbilled + bucket_t1.covered + bucket_t1.invoiced == 3
    assert bucket_t1.unbilled == 0


def two_requests_log_t1(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Two requests covered by one 5-hour allowance each log an entry "t1" (4 h, then 3 h);
    returns (allowance, first request, second request)."""
    customer, allowance, first = covered_request(app)
    second = app.open_request(customer, "Other", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(second, hours=2, rate=eur(100), actor=A)
    app.cover_request_by_allowance(second, allowance, actor=A)
    app.authorize_work(second, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(first, entry("t1", date(2024, 3, 5), "4"), actor="bob")
    app.log_work(second, entry("t1", date(2024, 3, 6), "3"), actor="bob")
    return allowance, first, second


def test_two_requests_on_one_allowance_may_reuse_entry_ids(app: QuoteToCash) -> None:
    """Entry ids are unique within a request: two requests on one allowance may both log a
    "t1", and each is drawn, billed as overage and released on its own."""
    allowance, first, second = two_requests_log_t1(app)
    a = app.allowance(allowance)
    assert (a.granted, a.charged, a.consumed, a.overage) == (5, 7, 5, 2)
    draws = a.draws()
    assert draws[charge_key(first, "t1")] == Draw(Decimal(4), Decimal(0))  # earlier work first
    assert draws[charge_key(second, "t1")] == Draw(Decimal(1), Decimal(2))
    with pytest.raises(DuplicateEntry):  # the same entry of the same request, twice
        app.log_work(second, entry("t1", date(2024, 3, 7), "1"), actor="bob")
    assert app.unbilled_work(first) == eur(0) and app.unbilled_work(second) == eur(200)
    app.complete_request(second, completed_on=date(2024, 3, 8), actor=A)
    invoice = app.draft_request_invoice(second, drafted_on=date(2024, 3, 9), actor=A)
    (line,) = app.invoice(invoice).lines
    assert line.quantity == 2 and line.source is not None and line.source.request_id == second
    assert app.allowance(allowance).billed_overage == {charge_key(second, "t1"): Decimal(2)}
    assert app.unbilled_work(second) == eur(0)
    app.void_invoice(invoice, reason="wrong month", actor=A, voided_on=date(2024, 3, 9))
    assert app.allowance(allowance).billed_overage == {}
    assert app.unbilled_work(second) == eur(200) and app.unbilled_work(first) == eur(0)


def test_the_reports_tell_two_requests_entries_of_one_id_apart(app: QuoteToCash) -> None:
    """The read side follows the same keys: unbilled overage per request, usage, invoiced
    hours per worker."""
    from q2c_core.projections import Kpis, PrepaidCreditUsage, UnbilledRevenue, catch_up

    _, _, second = two_requests_log_t1(app)
    unbilled, usage, kpis = UnbilledRevenue(), PrepaidCreditUsage(), Kpis()
    catch_up(app, [unbilled, usage, kpis])
    items = [i for i in unbilled.items(date(2024, 3, 31)) if i.kind == "allowance_overage"]
    assert [(i.request_id, i.item_id, i.amount) for i in items] == [(second.hex, "t1", eur(200))]
    (use,) = usage.usage(date(2024, 3, 31))
    assert (use.granted, use.drawn, use.overage, use.overage_billed) == (5, 5, 2, 0)
    app.complete_request(second, completed_on=date(2024, 3, 8), actor=A)
    app.draft_request_invoice(second, drafted_on=date(2024, 3, 9), actor=A)
    catch_up(app, [unbilled, usage, kpis])
    assert not [i for i in unbilled.items(date(2024, 3, 31)) if i.kind == "allowance_overage"]
    (use,) = usage.usage(date(2024, 3, 31))
    assert use.overage_billed == 2
    (bob,) = kpis.time_entered_vs_invoiced()
    assert (bob.entered, bob.invoiced) == (7, 2)


def test_voiding_an_invoice_gives_back_every_overage_line_of_an_entry(app: QuoteToCash) -> None:
    """A hand-made invoice may bill one entry's overage on two lines: the void gives both back."""
    from q2c_core import InvoiceLine, LineSource, RevenueKind, TaxRate

    customer, allowance, request = covered_request(app)
    app.log_work(request, entry("t1", date(2024, 3, 10), "7"), actor="bob")

    def line(n: int) -> InvoiceLine:
        source = LineSource(
            SourceKind.ALLOWANCE_OVERAGE,
            request_id=request,
            time_entry_ids=("t1",),
            hours=Decimal(1),
            allowance_id=allowance,
        )
        return InvoiceLine(
            f"L{n}",
            "overage",
            Decimal(1),
            eur(100),
            TaxRate.standard(21),
            source,
            RevenueKind.ENHANCEMENT,
        )

    invoice = app.draft_invoice(customer, [line(1), line(2)], drafted_on=date(2024, 3, 12), actor=A)
    assert app.allowance(allowance).billed_overage == {charge_key(request, "t1"): Decimal(2)}
    app.void_invoice(
        invoice, reason="two lines for one entry", actor=A, voided_on=date(2024, 3, 12)
    )
    assert app.allowance(allowance).billed_overage == {}
    assert app.allowance(allowance).unbilled_overage() == {charge_key(request, "t1"): Decimal(2)}


def test_free_work_on_a_money_allowance_is_covered_and_the_overage_still_billed(
    app: QuoteToCash,
) -> None:
    """An hour at rate 0 (a warranty fix) on a request a 100.00 money allowance covers is
    charged at nothing, and three hours at 100 leave 200.00 of overage: the invoice bills that
    overage alone, with no 0.00 line to refuse at approval."""
    _, allowance, request = covered_request(app, AllowanceUnit.MONEY, "100")
    app.log_work(request, entry("w1", date(2024, 3, 5), "1", rate="0"), actor="bob")
    app.log_work(request, entry("w2", date(2024, 3, 6), "3"), actor="bob")
    assert app.allowance(allowance).draws()[charge_key(request, "w1")] == Draw(
        Decimal(0), Decimal(0)
    )
    assert app.allowance(allowance).overage == Decimal("200.00")
    invoice = app.draft_request_invoice(request, drafted_on=date(2024, 3, 7), actor="billy")
    assert [line.net for line in app.invoice(invoice).lines] == [eur("200.00")]
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(invoice, role=role, approved_on=date(2024, 3, 7), actor=who)
    app.issue_invoice(invoice, issued_on=date(2024, 3, 7), actor="bea")
    assert app.unbilled_work(request).is_zero()


def test_overage_billed_then_released_leaves_the_kpi_hours_exact(app: QuoteToCash) -> None:
    """Two hours at 87.50 against a 75.00 money allowance: 100.00 of overage, 1.142857... of
    the hours, invoiced; then nine hours more, all overage, invoiced on a second invoice. The
    first invoice voided, the KPIs' invoiced hours are exactly the nine, as the request's own
    work buckets say (not 8.999...997: an inexact share added to a total and taken off again)."""
    from q2c_core.projections import Kpis, rebuild

    _, _, request = covered_request(app, AllowanceUnit.MONEY, "75")
    app.log_work(request, entry("o1", date(2024, 3, 5), "2", rate="87.50"), actor="bob")
    first = app.draft_request_invoice(request, drafted_on=date(2024, 3, 7), actor="billy")
    app.log_work(request, entry("o2", date(2024, 3, 8), "9"), actor="bob")
    app.draft_request_invoice(request, drafted_on=date(2024, 3, 9), actor="billy")
    app.void_invoice(first, reason="wrong", actor="billy", voided_on=date(2024, 3, 7))
    kpis = Kpis()
    rebuild(app, [kpis])
    (bob,) = kpis.time_entered_vs_invoiced()
    buckets = app.work_buckets(request)
    assert sum((b.invoiced for b in buckets), Decimal(0)) == Decimal(9)
    assert bob.invoiced == Decimal(9)


def test_money_is_granted_topped_up_and_rolled_over_in_whole_cents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Acme buys 1,000.00 EUR of prepaid work. A grant of 0.001 EUR, a top-up of 250.005 and a
    roll-over with 0.001 extra are refused, each naming its quantity, nothing recorded: no
    invoice or payment can draw or settle a tenth of a cent. Hours may be any fraction, and an
    allowance granted before the rule (0.001 EUR) still loads."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    on = date(2024, 1, 1)
    money = app.grant_allowance(
        acme, unit=AllowanceUnit.MONEY, quantity="1000.00", period=YEAR, granted_on=on, actor=A
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.grant_allowance(
            acme, unit=AllowanceUnit.MONEY, quantity="0.001", period=YEAR, granted_on=on, actor=A
        )
    assert refused.value.field == "quantity"
    assert "whole minor units of EUR" in str(refused.value)
    with pytest.raises(InvalidValue) as refused:
        app.top_up_allowance(money, "250.005", topped_up_on=on, reason="more", actor=A)
    assert refused.value.field == "quantity"
    next_year = Period(date(2025, 1, 1), date(2026, 1, 1))
    with pytest.raises(InvalidValue) as refused:
        app.roll_over_allowance(
            money, new_period=next_year, rolled_over_on=YEAR.end, extra="0.001", actor=A
        )
    assert refused.value.field == "extra"
    assert app.recorder.max_notification_id() == before
    app.top_up_allowance(money, "250.50", topped_up_on=on, reason="more", actor=A)
    assert app.allowance(money).granted == Decimal("1250.50")
    app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity="2.125", period=YEAR, granted_on=on, actor=A
    )
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(allowance_module, "require_whole_minor_units", lambda *_: None)
        old = app.grant_allowance(
            acme, unit=AllowanceUnit.MONEY, quantity="0.001", period=YEAR, granted_on=on, actor=A
        )
    assert app.allowance(old).granted == Decimal("0.001")


def test_an_allowance_in_another_currency_covers_the_customers_requests_in_it() -> None:
    """Acme is billed in EUR, and its US subsidiary's work in USD, as requests, contracts and
    invoices may be in another currency than the customer's. A USD money allowance is granted
    and covers a USD request (not a EUR one); customer_currencies lists USD for it."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    usd = app.grant_allowance(
        acme,
        unit=AllowanceUnit.MONEY,
        quantity="500.00",
        currency="USD",
        period=YEAR,
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    assert app.customer_currencies(acme) == ["EUR", "USD"]
    us_work = app.open_request(acme, "US report", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(us_work, hours=2, rate=Money.of(120, "USD"), actor=A)
    app.cover_request_by_allowance(us_work, usd, actor=A)
    eu_work = app.open_request(acme, "EU report", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(eu_work, hours=2, rate=eur(100), actor=A)
    with pytest.raises(CurrencyMismatch):
        app.cover_request_by_allowance(eu_work, usd, actor=A)


def test_a_hand_made_money_overage_line_holds_its_net_whatever_its_quantity(
    app: QuoteToCash,
) -> None:
    """Acme prepaid 500.00 EUR; 17.5 hours at 33.33 are charged 583.28, so 83.28 is overage.
    Billing drafts it by hand in two instalments, one line of 2 x 41.64: the allowance holds
    the line's 83.28 (not its unit price, 41.64), nothing is left unbilled on any day, in the
    unbilled report either, and the request has nothing more to invoice. Voiding the invoice
    gives back 83.28, and so does a re-billable credit note of the line."""
    from q2c_core import CreditDisposition, InvoiceLine, LineSource, RevenueKind, TaxRate
    from q2c_core.projections import UnbilledRevenue, catch_up

    customer, allowance, request = covered_request(app, AllowanceUnit.MONEY, "500.00")
    app.log_work(request, entry("t1", date(2024, 3, 10), "17.5", rate="33.33"), actor="bob")
    assert app.unbilled_work(request) == eur("83.28")
    overage = {charge_key(request, "t1"): Decimal("83.28")}
    on = date(2024, 3, 12)

    def draft() -> UUID:
        source = LineSource(
            SourceKind.ALLOWANCE_OVERAGE,
            request_id=request,
            time_entry_ids=("t1",),
            hours=Decimal("2.5"),
            allowance_id=allowance,
        )
        line = InvoiceLine(
            "L1",
            "Tweak: overage beyond prepaid, in two instalments",
            Decimal(2),
            eur("41.64"),
            TaxRate.standard(0),
            source,
            RevenueKind.ENHANCEMENT,
        )
        return app.draft_invoice(customer, [line], drafted_on=on, actor=A)

    def nothing_unbilled() -> None:
        assert app.allowance(allowance).billed_overage == overage
        assert app.allowance(allowance).unbilled_overage() == {}
        assert app.unbilled_work(request) == eur(0)
        assert app.unbilled_work(request, as_of=date(2024, 12, 31)) == eur(0)
        report = UnbilledRevenue()
        catch_up(app, [report])
        assert [i for i in report.items(date(2024, 12, 31)) if i.request_id == request.hex] == []

    invoice = draft()
    assert app.invoice(invoice).net == eur("83.28")
    nothing_unbilled()
    app.void_invoice(invoice, reason="one line per instalment", actor=A, voided_on=on)
    assert app.allowance(allowance).billed_overage == {}
    assert app.unbilled_work(request) == eur("83.28")

    invoice = draft()
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(invoice, role=role, approved_on=on, actor=who)
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    nothing_unbilled()
    app.complete_request(request, completed_on=on, actor=A)
    with pytest.raises(RuleViolated) as refused:  # the overage is not billed a second time
        app.draft_request_invoice(request, drafted_on=on, actor=A)
    assert refused.value.field == "work"
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="billed in the wrong month",
        drafted_on=on,
        actor=A,
    )
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(note, role=role, approved_on=on, actor=who)
    app.issue_invoice(note, issued_on=on, actor="bea")
    assert app.allowance(allowance).billed_overage == {}
    assert app.unbilled_work(request) == eur("83.28")
    again = app.draft_request_invoice(request, drafted_on=on, actor=A)
    assert app.invoice(again).net == eur("83.28")
