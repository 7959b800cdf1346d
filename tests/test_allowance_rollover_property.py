"""Property: prepaid allowances rolled over again and again, three requests covered by the first
one, work dated across the periods (logged before and after each roll-over), expenses, overage
invoiced, voided, topped up and expired. Whatever the history:

- every billable hour is in exactly one bucket (unbilled, covered, invoiced), and an allowance
  never covers more than it was granted;
- a roll-over carries no more than is left on its day (a unit more is refused, recording
  nothing; so is a roll-over dated before hours bought later that cover the period's work) and
  grants the new allowance exactly what it carried plus the extra grant, plus the hours topped
  up after its day, which go with it whole; down the chain nothing
  is made or lost: the grant, top-ups and extra grants (counted by the test) are what the
  closed allowances used or forfeited plus what the open one was granted;
- ``UnbilledRevenue`` says what ``unbilled_work`` says, request by request, and
  ``PrepaidCreditUsage`` what each allowance says; the customer summary as of a day after the
  story says what it says without a day;
- the read models followed in small pages equal those rebuilt from an empty start;
- whatever a request owes, its invoice command bills, even once it is invoiced.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_projections_story import eur, issue, work

from q2c_core import (
    AllowanceStatus,
    AllowanceUnit,
    Expense,
    Money,
    Period,
    Q2CError,
    QuoteToCash,
)
from q2c_core.projections import (
    Follower,
    PrepaidCreditUsage,
    ProjectionStore,
    UnbilledRevenue,
    all_projections,
    rebuild,
)

DAY0 = date(2024, 1, 1)
DAYS = 10  # each allowance's period
LATER = DAY0 + timedelta(days=3650)
OPS = st.lists(
    st.tuples(st.integers(0, 10), st.integers(0, 2), st.integers(0, 39)), min_size=3, max_size=40
)


class Prepaid:
    """One customer, a 10-day allowance rolled over period after period, three requests."""

    def __init__(self, app: QuoteToCash, unit: AllowanceUnit) -> None:
        self.app = app
        self.customer = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
        quantity = 8 if unit is AllowanceUnit.HOURS else 800
        first = app.grant_allowance(
            self.customer,
            unit=unit,
            quantity=quantity,
            period=Period(DAY0, DAY0 + timedelta(days=DAYS)),
            granted_on=DAY0,
            actor="a",
        )
        self.requests = []
        for n in range(3):
            r = app.open_request(self.customer, f"R{n}", requested_on=DAY0, actor="a")
            app.estimate_request(r, hours=10, rate=eur(100), actor="a")
            app.cover_request_by_allowance(r, first, actor="a")
            app.authorize_work(r, authorized_on=DAY0, actor="a")
            self.requests.append(r)
        self.invoices: list[UUID] = []
        self.n = 0
        # what came in from outside, by the test's count: the grant, top-ups, extra grants
        self.inflow = Decimal(quantity)

    def newest(self) -> UUID:
        return self.app.customer(self.customer).allowance_ids[-1]

    def run(self, op: int, i: int, k: int) -> None:
        app = self.app
        self.n += 1
        day = DAY0 + timedelta(days=k)
        r = self.requests[i]
        try:
            if op <= 3:
                hours = str(1 + (k + op) % 5)
                app.log_work(r, work(f"e{self.n}", day, hours, worker=f"w{i}"), actor="w")
            elif op == 4:
                self.roll_over(k, day)
            elif op == 5:
                invoice = app.draft_request_invoice(r, drafted_on=LATER, actor="billy")
                self.invoices.append(invoice)
                if k % 2:
                    issue(app, invoice, LATER)
            elif op == 6 and self.invoices:
                app.void_invoice(
                    self.invoices[k % len(self.invoices)], reason="x", actor="a", voided_on=LATER
                )
            elif op == 7:
                app.top_up_allowance(self.newest(), 2, topped_up_on=day, reason="more", actor="a")
                self.inflow += 2
            elif op == 8:
                a = app.allowance(self.newest())
                app.expire_allowance(a.id, expired_on=max(day, a.period.end), actor="a")
            elif op == 9:
                app.complete_request(r, completed_on=max(day, DAY0), actor="a")
            elif op == 10:  # something billable beside covered hours: the request is invoiced
                expense = Expense(f"x{self.n}", "travel", eur(50), day)
                app.log_expense(r, expense, actor="w")
        except Q2CError:
            pass  # refused: nothing recorded

    def roll_over(self, k: int, day: date) -> None:
        """Roll the newest allowance over into the next period's: all that is left on the
        roll-over's day, part of it, or (one time in ten) a unit more than is left, which is
        refused, recording nothing; plus an extra grant. The new allowance is granted exactly
        what was carried plus the extra, plus the top-ups dated after the roll-over's day
        (bought after it, they go with it whole), and what was carried is no more than was
        left that day."""
        app = self.app
        a = app.allowance(self.newest())
        end = a.period.end
        on = max(day, end)
        left = a.left_on(on)
        late = sum((t.quantity for t in a.top_ups_after(on)), Decimal(0))
        if k % 2:
            carried = None
        elif k % 10 == 8:
            carried = left + 1
        else:
            carried = min(left, Decimal(k % 4))
        extra = k % 3
        before = app.recorder.max_notification_id()
        try:
            new = app.roll_over_allowance(
                a.id,
                new_period=Period(end, end + timedelta(days=DAYS)),
                rolled_over_on=on,
                actor="a",
                quantity=carried,
                extra=extra,
            )
        except Q2CError as refused:
            assert app.recorder.max_notification_id() == before
            # (hours bought after the day asked for cover work of the period: it is rolled
            # over on or after their day, not before)
            covered_by_late = late > 0 and a.consumed > a.granted - late
            assert (
                a.status is not AllowanceStatus.OPEN
                or carried == left + 1
                or (covered_by_late and refused.field == "rolled_over_on")
            ), refused
            return
        assert a.status is AllowanceStatus.OPEN and (carried is None or carried <= left)
        expected = left if carried is None else carried
        assert app.allowance(new).granted == expected + extra + late
        assert app.allowance(a.id).rolled_over_quantity == expected + late
        self.inflow += extra


def check(app: QuoteToCash, prepaid: Prepaid, live: list[Any]) -> None:
    """Buckets, allowances, read side against aggregates, followed against rebuilt."""
    for r in prepaid.requests:
        for b in app.work_buckets(r):
            assert min(b.unbilled, b.covered, b.invoiced) >= 0, b
            assert b.unbilled + b.covered + b.invoiced == b.hours, b
    held = Decimal(0)  # what the chain holds: used or forfeited by those closed, the open's grant
    for allowance_id in app.customer(prepaid.customer).allowance_ids:
        a = app.allowance(allowance_id)
        assert 0 <= a.consumed <= a.granted
        assert a.consumed + a.overage == a.charged
        if a.status is AllowanceStatus.OPEN:
            held += a.granted
        else:
            assert a.cover_cap is not None
            assert a.granted == a.cover_cap + a.rolled_over_quantity + a.forfeited
            held += a.cover_cap + a.forfeited
    # nothing is made or lost down the roll-overs: what came in is what the chain holds
    assert held == prepaid.inflow
    rebuilt = all_projections()
    rebuild(app, rebuilt)
    for a, b in zip(live, rebuilt, strict=True):
        assert a.rows() == b.rows(), a.name
    [unbilled] = [p for p in rebuilt if isinstance(p, UnbilledRevenue)]
    owed: dict[str, Money] = {}
    for item in unbilled.items(LATER):
        owed[item.request_id] = owed.get(item.request_id, eur(0)) + item.amount
    for r in prepaid.requests:
        assert owed.get(r.hex, eur(0)) == app.unbilled_work(r), r
    [usage] = [p for p in rebuilt if isinstance(p, PrepaidCreditUsage)]
    for u in usage.usage(LATER):
        a = app.allowance(UUID(u.allowance_id))
        assert (u.drawn, u.remaining, u.overage) == (a.consumed, a.remaining, a.overage)
        assert u.overage_billed == sum(a.billed_overage.values(), Decimal(0))
    # read as of a day after every day of the story, the summary's unbilled work and prepaid
    # hours left are those recorded; the day before the story, there were none
    now = app.customer_summary(prepaid.customer)
    later = app.customer_summary(prepaid.customer, as_of=LATER)
    assert (later.unbilled_work, later.prepaid_hours_left) == (
        now.unbilled_work,
        now.prepaid_hours_left,
    )
    for r in prepaid.requests:
        assert app.unbilled_work(r, as_of=LATER) == app.unbilled_work(r), r
    before = app.customer_summary(prepaid.customer, as_of=DAY0 - timedelta(days=1))
    assert (before.unbilled_work, before.prepaid_hours_left) == (eur(0), 0)
    # nothing owed falls out of billing: the request's invoice command bills it, invoiced or not
    for r in prepaid.requests:
        if app.unbilled_work(r).is_positive():
            app.draft_request_invoice(r, drafted_on=LATER, actor="billy")
        assert app.unbilled_work(r) == eur(0), r


# R0's hour of day 5 is covered and its travel invoiced; R1's 9 hours of days 0 and 1, logged
# after, draw first: R0's hour is owed though R0 is invoiced
INVOICED_THEN_OWED = [(0, 0, 5), (10, 0, 5), (9, 0, 5), (5, 0, 5), (3, 1, 0), (3, 1, 1)]

# R0's work of day 12 logged ahead of the first roll-over, R1's of day 15 after it, R0's of day 25
# ahead of the second (1 hour carried): each drawn on the allowance of its period, R0 then
# invoiced its hour beyond it
ROLLED_TWICE = [(0, 0, 12), (4, 0, 1), (3, 1, 15), (1, 0, 25), (4, 0, 4), (9, 0, 26), (5, 0, 27)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(ops=INVOICED_THEN_OWED, money=False, every=1, page=3)
@example(ops=INVOICED_THEN_OWED, money=True, every=2, page=30)
@example(ops=ROLLED_TWICE, money=False, every=1, page=2)
@example(ops=ROLLED_TWICE, money=True, every=3, page=30)
@given(ops=OPS, money=st.booleans(), every=st.integers(1, 5), page=st.integers(1, 30))
def test_work_across_rolled_over_allowances_is_in_one_bucket_and_reported_alike(
    ops: list[tuple[int, int, int]], money: bool, every: int, page: int
) -> None:
    app = QuoteToCash.open("memory:")
    prepaid = Prepaid(app, AllowanceUnit.MONEY if money else AllowanceUnit.HOURS)
    store = ProjectionStore.memory()
    for n, op in enumerate(ops):
        prepaid.run(*op)
        if n % every == 0:
            Follower(app, all_projections(store), page_size=page).run()
    live = all_projections(store)
    Follower(app, live, page_size=page).run()
    check(app, prepaid, live)
