"""What an auditor asks: "what was Acme's position on 31 March?". ``customer_summary(c,
as_of=day)`` gives that day's unbilled work and prepaid hours left beside that day's money: work
and expenses dated by then that no invoice drafted by then held (a draft voided by then, or work
credited as re-billable by then, gave its work back), and the hours granted by then less those
charged for work dated by then. Without a day, the summary is everything recorded, as before."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_projections_story import authorized_request, eur, issue, work

from q2c_core import (
    AllowanceUnit,
    CreditDisposition,
    CustomerSummary,
    Expense,
    InvalidTransition,
    InvoiceStatus,
    Money,
    Period,
    Q2CError,
    QuoteToCash,
    RuleViolated,
)

A = "alice"
YEAR = Period(date(2024, 3, 1), date(2025, 3, 1))


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme", "EUR", account_manager="mia", actor=A)


def with_ten_prepaid_hours(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme is granted 10 prepaid hours on 1 March; its request "Tweak" (100.00 an hour) is
    covered by them and authorized on 1 March."""
    customer = acme(app)
    allowance = app.grant_allowance(
        customer,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=YEAR,
        granted_on=date(2024, 3, 1),
        actor=A,
    )
    request = app.open_request(customer, "Tweak", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, hours=20, rate=eur(100), actor=A)
    app.cover_request_by_allowance(request, allowance, actor=A)
    app.authorize_work(request, authorized_on=date(2024, 3, 1), actor=A)
    return customer, allowance, request


def unbilled_on(app: QuoteToCash, customer: UUID, *days: date) -> list[str]:
    return [str(app.customer_summary(customer, as_of=d).unbilled_work.amount) for d in days]


def hours_left_on(app: QuoteToCash, customer: UUID, *days: date) -> list[Decimal]:
    return [app.customer_summary(customer, as_of=d).prepaid_hours_left for d in days]


def test_march_work_invoiced_by_a_draft_of_5_april_was_unbilled_on_31_march() -> None:
    """3 hours logged on 10 March (300.00) are billed by a draft of 5 April: on 31 March they
    were unbilled, from 5 April they are not. Before the work was done there was nothing."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2024, 3, 1))
    app.log_work(request, work("t1", date(2024, 3, 10), "3"), actor="bob")
    app.draft_request_invoice(request, drafted_on=date(2024, 4, 5), actor="billy")

    assert unbilled_on(
        app, customer, date(2024, 3, 9), date(2024, 3, 31), date(2024, 4, 4), date(2024, 4, 5)
    ) == ["0.00", "300.00", "300.00", "0.00"]
    assert app.unbilled_work(request, as_of=date(2024, 3, 31)) == eur(300)
    # without a day: as recorded, as before
    assert app.customer_summary(customer).unbilled_work == eur(0)
    assert app.unbilled_work(request) == eur(0)


def test_a_draft_voided_later_held_the_work_between_its_draft_and_its_void() -> None:
    """The draft of 5 April is voided on 20 April: on 10 April it held the 300.00 of March's
    work; from 20 April the work is unbilled again, and a new draft of 25 April bills it."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2024, 3, 1))
    app.log_work(request, work("t1", date(2024, 3, 10), "3"), actor="bob")
    draft = app.draft_request_invoice(request, drafted_on=date(2024, 4, 5), actor="billy")
    app.void_invoice(draft, reason="wrong PO", actor="billy", voided_on=date(2024, 4, 20))
    assert app.invoice(draft).voided_on == date(2024, 4, 20)
    assert app.customer_summary(customer).unbilled_work == eur(300)
    app.draft_request_invoice(request, drafted_on=date(2024, 4, 25), actor="billy")

    assert unbilled_on(
        app,
        customer,
        date(2024, 3, 31),
        date(2024, 4, 10),
        date(2024, 4, 19),
        date(2024, 4, 20),
        date(2024, 4, 25),
    ) == ["300.00", "0.00", "0.00", "300.00", "0.00"]


def test_a_draft_cannot_be_voided_before_it_was_drafted() -> None:
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2024, 3, 1))
    app.log_work(request, work("t1", date(2024, 3, 10), "3"), actor="bob")
    draft = app.draft_request_invoice(request, drafted_on=date(2024, 4, 5), actor="billy")
    with pytest.raises(RuleViolated) as refused:
        app.void_invoice(draft, reason="oops", actor="billy", voided_on=date(2024, 4, 4))
    assert refused.value.field == "voided_on"
    assert app.invoice(draft).voided_on is None
    assert app.customer_summary(customer).unbilled_work == eur(0)  # still held


def test_work_credited_as_re_billable_is_unbilled_again_from_the_note_s_day() -> None:
    """The invoice of 5 April is issued; a credit note of 20 April credits its line as
    re-billable: on 10 April the work was billed, from 20 April it is unbilled again."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2024, 3, 1))
    app.log_work(request, work("t1", date(2024, 3, 10), "3"), actor="bob")
    inv = app.draft_request_invoice(request, drafted_on=date(2024, 4, 5), actor="billy")
    issue(app, inv, date(2024, 4, 5))
    note = app.draft_credit_note(
        inv,
        line_ids=[app.invoice(inv).lines[0].line_id],
        disposition=CreditDisposition.REBILLABLE,
        reason="wrong rate",
        drafted_on=date(2024, 4, 20),
        actor="billy",
    )
    issue(app, note, date(2024, 4, 20))

    assert unbilled_on(app, customer, date(2024, 3, 31), date(2024, 4, 10), date(2024, 4, 20)) == [
        "300.00",
        "0.00",
        "300.00",
    ]


def test_an_expense_dated_after_the_day_is_not_counted() -> None:
    """A 45.00 train ticket incurred on 15 April was not unbilled on 31 March."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2024, 3, 1))
    app.log_work(request, work("t1", date(2024, 3, 10), "3"), actor="bob")
    app.log_expense(request, Expense("x1", "train ticket", eur(45), date(2024, 4, 15)), actor="bob")

    assert unbilled_on(app, customer, date(2024, 3, 31), date(2024, 4, 15)) == [
        "300.00",
        "345.00",
    ]


def test_prepaid_hours_left_are_those_granted_by_the_day_less_those_charged_by_it() -> None:
    """10 hours granted on 1 March; 4 hours charged on 10 March and 3 on 10 April: 6 hours
    were left on 31 March, 3 on 30 April; none before the grant."""
    app = QuoteToCash.open("memory:")
    customer, _, request = with_ten_prepaid_hours(app)
    app.log_work(request, work("t1", date(2024, 3, 10), "4"), actor="bob")
    app.log_work(request, work("t2", date(2024, 4, 10), "3"), actor="bob")

    assert hours_left_on(
        app, customer, date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)
    ) == [0, 6, 3]
    assert app.customer_summary(customer).prepaid_hours_left == 3
    # covered hours are paid for: nothing unbilled on either day
    assert unbilled_on(app, customer, date(2024, 3, 31), date(2024, 4, 30)) == ["0.00", "0.00"]


def test_overage_appears_only_from_the_day_of_the_work_beyond_the_allowance() -> None:
    """8 hours on 10 March fit in the 10; 4 more on 10 April go 2 hours beyond them: 200.00
    of overage is unbilled from 10 April, not on 31 March."""
    app = QuoteToCash.open("memory:")
    customer, _, request = with_ten_prepaid_hours(app)
    app.log_work(request, work("t1", date(2024, 3, 10), "8"), actor="bob")
    app.log_work(request, work("t2", date(2024, 4, 10), "4"), actor="bob")

    assert unbilled_on(app, customer, date(2024, 3, 31), date(2024, 4, 9), date(2024, 4, 10)) == [
        "0.00",
        "0.00",
        "200.00",
    ]
    assert hours_left_on(app, customer, date(2024, 3, 31), date(2024, 4, 10)) == [2, 0]
    # the overage invoiced by a draft of 15 April is billed from then on
    app.draft_request_invoice(request, drafted_on=date(2024, 4, 15), actor="billy")
    assert unbilled_on(app, customer, date(2024, 4, 14), date(2024, 4, 15)) == [
        "200.00",
        "0.00",
    ]
    assert app.customer_summary(customer).unbilled_work == eur(0)


def test_hours_topped_up_count_from_their_day_and_none_are_left_once_expired() -> None:
    """5 more hours are bought on 1 April; the allowance expires on 1 March 2025, when its
    period ends: 10 hours were left on 31 March, 15 on 1 April, none from the expiry on."""
    app = QuoteToCash.open("memory:")
    customer, allowance, _ = with_ten_prepaid_hours(app)
    app.top_up_allowance(allowance, 5, topped_up_on=date(2024, 4, 1), reason="bought more", actor=A)
    app.expire_allowance(allowance, expired_on=date(2025, 3, 1), actor=A)

    assert hours_left_on(
        app, customer, date(2024, 3, 31), date(2024, 4, 1), date(2025, 2, 28), date(2025, 3, 1)
    ) == [10, 15, 15, 0]
    assert app.customer_summary(customer).prepaid_hours_left == 0


def test_hours_rolled_over_are_left_on_the_new_allowance_from_the_roll_over() -> None:
    """4 hours used in March; on 1 March 2025 the 6 left roll over into the next year's
    allowance with 10 more: 6 hours on 28 February 2025, 16 from 1 March 2025."""
    app = QuoteToCash.open("memory:")
    customer, allowance, request = with_ten_prepaid_hours(app)
    app.log_work(request, work("t1", date(2024, 3, 10), "4"), actor="bob")
    app.roll_over_allowance(
        allowance,
        new_period=Period(date(2025, 3, 1), date(2026, 3, 1)),
        rolled_over_on=date(2025, 3, 1),
        actor=A,
        extra=10,
    )

    assert hours_left_on(app, customer, date(2025, 2, 28), date(2025, 3, 1)) == [6, 16]


def test_a_fixed_price_is_unbilled_from_the_first_day_of_work() -> None:
    """A 1,500.00 fixed price, its PO received and work authorized on 1 March, first worked on
    10 April: on 31 March nothing was unbilled (nothing started), from 10 April the price is,
    whatever its hours are worth."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = app.open_request(customer, "Portal", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, fixed_price=eur(1500), actor=A)
    app.send_quote(request, sent_on=date(2024, 3, 1), actor=A)
    app.receive_purchase_order(
        request, number="PO-9", amount=eur(1500), received_on=date(2024, 3, 1), actor=A
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 1), actor=A)
    app.log_work(request, work("t1", date(2024, 4, 10), "2"), actor="bob")

    assert unbilled_on(app, customer, date(2024, 3, 31), date(2024, 4, 10)) == [
        "0.00",
        "1500.00",
    ]
    assert app.customer_summary(customer).unbilled_work == eur(1500)


def test_the_summary_of_a_day_long_after_everything_is_the_summary_as_recorded() -> None:
    """Once every day of the story is past, the day's figures are today's."""
    app = QuoteToCash.open("memory:")
    customer, _, request = with_ten_prepaid_hours(app)
    app.log_work(request, work("t1", date(2024, 3, 10), "8"), actor="bob")
    app.log_work(request, work("t2", date(2024, 4, 10), "4"), actor="bob")
    other = authorized_request(app, customer, "Export", date(2024, 3, 1))
    app.log_work(other, work("u1", date(2024, 3, 12), "1"), actor="bob")
    draft = app.draft_request_invoice(other, drafted_on=date(2024, 4, 5), actor="billy")
    app.void_invoice(draft, reason="wrong PO", actor="billy", voided_on=date(2024, 4, 6))
    later = app.customer_summary(customer, as_of=date(2026, 1, 1))
    today = app.customer_summary(customer)
    assert (later.unbilled_work, later.prepaid_hours_left) == (eur(300), 0)
    assert (later.unbilled_work, later.prepaid_hours_left) == (
        today.unbilled_work,
        today.prepaid_hours_left,
    )


def test_voiding_an_issued_invoice_is_still_refused() -> None:
    """(The day given to a void changes nothing of what may be voided.)"""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    request = authorized_request(app, customer, "Export", date(2024, 3, 1))
    app.log_work(request, work("t1", date(2024, 3, 10), "3"), actor="bob")
    inv = app.draft_request_invoice(request, drafted_on=date(2024, 4, 5), actor="billy")
    issue(app, inv, date(2024, 4, 5))
    with pytest.raises(InvalidTransition):
        app.void_invoice(inv, reason="late", actor="billy", voided_on=date(2024, 4, 6))


# (what, which, amount, day): a story recorded day by day, each command on its day
STORY = st.lists(
    st.tuples(st.integers(0, 10), st.integers(0, 2), st.integers(1, 6), st.integers(0, 60)),
    min_size=6,
    max_size=40,
)
DAY0 = date(2024, 3, 1)


class Books:
    """Acme with a 10-hour allowance for March and April, a request on a PO (hourly), one the
    allowance covers and one at a fixed price on a PO, invoices drafted, voided, issued and
    credited as re-billable; a command the rules refuse records nothing."""

    def __init__(self, app: QuoteToCash) -> None:
        self.app = app
        self.customer, self.allowance, covered = with_ten_prepaid_hours(app)
        hourly = authorized_request(app, self.customer, "Export", DAY0)
        fixed = app.open_request(self.customer, "Portal", requested_on=DAY0, actor=A)
        app.estimate_request(fixed, fixed_price=eur(700), actor=A)
        app.send_quote(fixed, sent_on=DAY0, actor=A)
        app.receive_purchase_order(fixed, number="PO-7", amount=eur(700), received_on=DAY0, actor=A)
        app.authorize_work(fixed, authorized_on=DAY0 + timedelta(days=5), actor=A)
        self.requests = [hourly, covered, fixed]
        self.invoices: list[UUID] = []
        self.n = 0

    def run(self, what: int, which: int, amount: int, day: date) -> None:
        app, self.n = self.app, self.n + 1
        request = self.requests[which]
        drafts = [i for i in self.invoices if app.invoice(i).status is not InvoiceStatus.VOIDED]
        drafts = [i for i in drafts if not app.invoice(i).is_issued]
        issued = [i for i in self.invoices if app.invoice(i).is_issued]
        pick = {7: drafts, 8: drafts, 9: issued}.get(what) or [None]
        invoice = pick[amount % len(pick)]
        try:
            if what <= 3:
                app.log_work(request, work(f"t{self.n}", day, str(amount)), actor="bob")
            elif what == 4:
                expense = Expense(f"x{self.n}", "travel", eur(10 * amount), day)
                app.log_expense(request, expense, actor="bob")
            elif what in (5, 6):
                drafted = app.draft_request_invoice(request, drafted_on=day, actor="billy")
                self.invoices.append(drafted)
            elif what == 7 and invoice is not None:
                app.void_invoice(invoice, reason="wrong", actor="billy", voided_on=day)
            elif what == 8 and invoice is not None:
                issue(app, invoice, day)
            elif what == 9 and invoice is not None:
                note = app.draft_credit_note(
                    invoice,
                    line_ids=[line.line_id for line in app.invoice(invoice).lines],
                    disposition=CreditDisposition.REBILLABLE,
                    reason="re-bill",
                    drafted_on=day,
                    actor="billy",
                )
                issue(app, note, day)
            elif what == 10:
                app.top_up_allowance(
                    self.allowance, amount, topped_up_on=day, reason="more", actor=A
                )
        except Q2CError:
            pass


def work_figures(summary: CustomerSummary) -> tuple[Money, Decimal]:
    return (summary.unbilled_work, summary.prepaid_hours_left)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story=STORY)
def test_a_day_s_unbilled_work_and_hours_left_are_what_the_books_said_that_evening(
    story: list[tuple[int, int, int, int]],
) -> None:
    """Whatever is recorded day by day (work, expenses, invoices drafted, voided, issued and
    credited as re-billable, hours topped up), the summary as of any day gives the unbilled
    work and prepaid hours left the summary without a day gave at the end of that day."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    evenings: dict[date, tuple[Money, Decimal]] = {}
    for what, which, amount, days in sorted(story, key=lambda op: op[3]):
        day = DAY0 + timedelta(days=days)
        books.run(what, which, amount, day)
        evenings[day] = work_figures(app.customer_summary(books.customer))
    for day, figures in evenings.items():
        assert work_figures(app.customer_summary(books.customer, as_of=day)) == figures, day
    app.close()
