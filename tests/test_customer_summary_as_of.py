"""What a customer owed on a past day: ``customer_summary(c, as_of=day)`` reads invoiced, paid,
open, past due and credit as they stood at the end of that day, by the same business days as the
customer statement and the receivables aging, never today's figures mixed with that day's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_projections_story import authorized_request, eur, issue, work
from test_receivables_as_of import line

from q2c_core import (
    AllowanceUnit,
    CreditDisposition,
    CustomerSummary,
    Money,
    Period,
    Q2CError,
    QuoteToCash,
)
from q2c_core.projections import CustomerStatement, ReceivablesAging, catch_up

A = "alice"


def invoice(app: QuoteToCash, cust: UUID, on: date, *prices: str) -> UUID:
    """An invoice of manual lines (no tax) issued on ``on``, due 30 days later."""
    lines = [line(f"L{n}", price) for n, price in enumerate(prices, 1)]
    inv = app.draft_invoice(cust, lines, drafted_on=on, actor="billy")
    issue(app, inv, on)
    return inv


def money(s: CustomerSummary) -> tuple[Money, ...]:
    """A summary's money figures: invoiced, paid, open, past due, credit, owed back."""
    return (s.invoiced, s.paid, s.open, s.past_due, s.credit, s.owed_back)


def read_models(app: QuoteToCash) -> tuple[CustomerStatement, ReceivablesAging]:
    """The customer statement and the receivables aging, caught up with the log."""
    statements, aging = CustomerStatement(), ReceivablesAging()
    catch_up(app, [statements, aging])
    return statements, aging


def told_by(
    models: tuple[CustomerStatement, ReceivablesAging], cust: UUID, day: date
) -> tuple[Money, ...]:
    """The same figures from the statement of that day, and what the aging chases that day
    (invoices past due and refunds owed back)."""
    statements, aging = models
    s = statements.statement(cust, day)
    chased = [i.outstanding for i in aging.past_due(day) if i.customer_id == cust.hex]
    chased += [r.outstanding for r in aging.past_due_refunds(day) if r.customer_id == cust.hex]
    past_due = sum(chased, Money.zero(s.currency))
    return (s.invoiced, s.paid, s.open, past_due, s.credit, s.owed_back)


def test_what_acme_owed_on_each_day_of_march_and_april() -> None:
    """INV-000001 (1,000.00) is issued on 1 March, due 31 March; Acme pays half on 20 March.
    INV-000002 (250.00 + 150.00) is issued on 5 April. The bank returns the 500.00 on 10 April;
    Acme sends 1,200.00 on 15 April, 1,000.00 of it for INV-000001, and 200.00 goes to
    INV-000002 on 16 April. A credit note takes INV-000002's 150.00 line back on 20 April, and
    the 200.00, allocated to the wrong invoice, is taken back off it on 25 April.

    Asked on each day, the summary tells that day's story: what was issued, paid, still open,
    past due and held as credit then, whatever was recorded since; and the statement and the
    aging of that day say the same."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    first = invoice(app, acme, date(2024, 3, 1), "1000.00")
    half = app.receive_payment(
        acme, eur(500), received_on=date(2024, 3, 20), reference="T1", actor=A
    )
    app.allocate_payment(half, [(first, eur(500))], allocated_on=date(2024, 3, 20), actor=A)
    second = invoice(app, acme, date(2024, 4, 5), "250.00", "150.00")
    app.bounce_payment(half, bounced_on=date(2024, 4, 10), reason="returned", actor="bank")
    rest = app.receive_payment(
        acme, eur(1200), received_on=date(2024, 4, 15), reference="T2", actor=A
    )
    app.allocate_payment(rest, [(first, eur(1000))], allocated_on=date(2024, 4, 15), actor=A)
    (wrong,) = app.allocate_payment(
        rest, [(second, eur(200))], allocated_on=date(2024, 4, 16), actor=A
    )
    note = app.draft_credit_note(
        second,
        line_ids=["L2"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="goodwill",
        drafted_on=date(2024, 4, 20),
        actor="billy",
    )
    issue(app, note, date(2024, 4, 20))
    app.reverse_allocation(
        rest, wrong, reason="wrong invoice", actor=A, reversed_on=date(2024, 4, 25)
    )

    zero = eur(0)
    # (invoiced, paid, open, past due, credit, owed back)
    story = {
        date(2024, 2, 29): (zero, zero, zero, zero, zero, zero),  # nothing issued yet
        date(2024, 3, 20): (eur(1000), eur(500), eur(500), zero, zero, zero),
        date(2024, 4, 1): (eur(1000), eur(500), eur(500), eur(500), zero, zero),
        # INV-000002 is issued, not due; the half payment still stands
        date(2024, 4, 9): (eur(1400), eur(500), eur(900), eur(500), zero, zero),
        # the bounce: all of INV-000001 is owed again, past due
        date(2024, 4, 10): (eur(1400), zero, eur(1400), eur(1000), zero, zero),
        date(2024, 4, 15): (eur(1400), eur(1000), eur(400), zero, eur(200), zero),
        date(2024, 4, 16): (eur(1400), eur(1200), eur(200), zero, zero, zero),
        # the credit note: invoiced less its 150.00
        date(2024, 4, 20): (eur(1250), eur(1200), eur(50), zero, zero, zero),
        # the 200.00 taken back off INV-000002 is Acme's credit again
        date(2024, 4, 25): (eur(1250), eur(1000), eur(250), zero, eur(200), zero),
        date(2024, 5, 6): (eur(1250), eur(1000), eur(250), eur(250), eur(200), zero),
    }
    models = read_models(app)
    for day, figures in story.items():
        summary = app.customer_summary(acme, as_of=day)
        assert money(summary) == figures, day
        assert money(summary) == told_by(models, acme, day), day
    # without a day: everything recorded, and past due what is past due today: the 250.00
    # INV-000002 still owes (due 5 May 2024), as the summary of today says
    today = app.customer_summary(acme)
    assert money(today) == (eur(1250), eur(1000), eur(250), eur(250), eur(200), zero)


def test_a_summary_on_a_day_gives_that_day_s_unbilled_work_and_prepaid_hours() -> None:
    """The figures of one summary belong to one day: Acme is granted 10 prepaid hours on
    1 March and 3 hours of work are logged on 5 March. On 1 February nothing was issued, no
    work was done and no hours were granted yet: the summary shows none, not today's 300.00
    unbilled and 10 hours (tests/test_customer_summary_as_of_work.py tells the rest)."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=Period(date(2024, 3, 1), date(2025, 3, 1)),
        granted_on=date(2024, 3, 1),
        actor=A,
    )
    request = authorized_request(app, acme, "Export", date(2024, 3, 1))
    app.log_work(request, work("t1", date(2024, 3, 5), "3"), actor="bob")
    invoice(app, acme, date(2024, 3, 1), "100.00")
    before = app.customer_summary(acme, as_of=date(2024, 2, 1))
    assert (before.invoiced, before.open) == (eur(0), eur(0))
    assert (before.unbilled_work, before.prepaid_hours_left) == (eur(0), 0)
    fifth = app.customer_summary(acme, as_of=date(2024, 3, 5))
    assert (fifth.unbilled_work, fifth.prepaid_hours_left) == (eur(300), 10)
    today = app.customer_summary(acme)
    assert (today.unbilled_work, today.prepaid_hours_left) == (eur(300), 10)


DAY0 = date(2024, 3, 1)
# (what, which, amount, day): days spread over two months, commands recorded out of day order
OPS = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 5), st.integers(1, 9), st.integers(0, 60)),
    min_size=4,
    max_size=30,
)


class Ledger:
    """Turns (what, which, amount, day) into receivables commands for one customer on any day;
    a command the rules refuse (a day out of order, more than is owed) records nothing."""

    def __init__(self, app: QuoteToCash) -> None:
        self.app = app
        self.cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
        self.invoices: list[UUID] = []
        self.payments: list[UUID] = []
        self.n = 0

    @staticmethod
    def pick(items: list[UUID], i: int) -> UUID | None:
        return items[i % len(items)] if items else None

    def run(self, what: int, i: int, amount: int, days: int) -> None:
        """``days`` counts from DAY0 for a new invoice or payment, and from the day of what a
        command changes otherwise (so that most are on a day the rules take)."""
        app, self.n = self.app, self.n + 1
        day = DAY0 + timedelta(days=days)
        later = timedelta(days=days % 20)
        inv, pay = self.pick(self.invoices, i), self.pick(self.payments, i)
        try:
            if what == 0 or inv is None:
                self.invoices.append(invoice(app, self.cust, day, f"{100 * amount}", "33.33"))
            elif what == 1 or pay is None:
                p = app.receive_payment(
                    self.cust, eur(70 * amount), received_on=day, reference=f"T{self.n}", actor=A
                )
                self.payments.append(p)
                app.allocate_payment(p, allocated_on=day + timedelta(days=i), actor=A)
            elif what == 2:  # oldest first, maybe dated back before later changes
                app.allocate_payment(
                    pay, allocated_on=app.payment(pay).received_on + later, actor=A
                )
            elif what == 3:
                payment, owing = app.payment(pay), app.invoice(inv)
                part = min(payment.unallocated, owing.outstanding).amount * amount / 9
                first = max(payment.received_on, owing.issued_on or DAY0)
                app.allocate_payment(
                    pay, [(inv, eur(round(part, 2)))], allocated_on=first + later, actor=A
                )
            elif what == 4:
                live = app.payment(pay).live_allocations()
                if live:
                    undo = live[amount % len(live)]
                    app.reverse_allocation(
                        pay,
                        undo.allocation_id,
                        reason="undo",
                        actor=A,
                        reversed_on=undo.allocated_on + later,
                    )
            elif what == 5:
                payment = app.payment(pay)
                last = max([payment.received_on, *(a.allocated_on for a in payment.allocations)])
                app.bounce_payment(pay, bounced_on=last + later, reason="returned", actor="bank")
            elif what == 6:
                app.refund_customer_credit(
                    self.cust, eur(30 * amount), refunded_on=day, reference=f"R{self.n}", actor=A
                )
            elif what == 7:
                on = (app.invoice(inv).issued_on or DAY0) + later
                note = app.draft_credit_note(
                    inv,
                    line_ids=[f"L{1 + amount % 2}"],
                    disposition=CreditDisposition.WRITTEN_OFF,
                    reason="goodwill",
                    drafted_on=on,
                    actor="billy",
                )
                issue(app, note, on)
        except Q2CError:
            pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_the_summary_of_a_day_is_what_the_statement_and_the_aging_say_that_day(
    ops: list[tuple[int, int, int, int]],
) -> None:
    """Over random histories of invoices, payments allocated (oldest first or by hand, dated
    back or not), reversed, bounced and refunded, and credit notes, each dated on any day: on
    every day the summary's invoiced, paid, open and credit are the statement's of that day,
    and its past due what the aging chases that day (invoices and refunds owed back)."""
    app = QuoteToCash.open("memory:")
    ledger = Ledger(app)
    for op in ops:
        ledger.run(*op)
    models = read_models(app)
    cust = ledger.cust
    days = [DAY0 + timedelta(days=d) for d in range(-1, 100, 3)]
    for day in [*days, datetime.now(UTC).date()]:
        assert money(app.customer_summary(cust, as_of=day)) == told_by(models, cust, day), day
    now = models[0].statement(cust)
    assert money(app.customer_summary(cust))[:3] == (now.invoiced, now.paid, now.open)
    app.close()


def test_the_summary_writes_nothing_owed_as_0_00_beside_the_amounts_it_lists() -> None:
    """Acme paid its 124.91 invoice in full: the review shows invoiced 124.91, paid 124.91,
    and open, credit, unbilled work, past due and owed back as 0.00 EUR each, today and as of
    the day of the payment, not a bare 0 beside the cents (the same values: 0.00 == 0)."""
    app = QuoteToCash.open("memory:")
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    inv = invoice(app, cust, date(2024, 5, 1), "124.91")
    pay = app.receive_payment(
        cust, eur("124.91"), received_on=date(2024, 5, 20), reference="x", actor=A
    )
    app.allocate_payment(pay, [(inv, eur("124.91"))], allocated_on=date(2024, 5, 20), actor=A)
    for summary in (
        app.customer_summary(cust),
        app.customer_summary(cust, as_of=date(2024, 5, 20)),
    ):
        shown = [str(m.amount) for m in (*money(summary), summary.unbilled_work)]
        assert shown == ["124.91", "124.91", "0.00", "0.00", "0.00", "0.00", "0.00"]
