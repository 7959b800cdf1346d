"""Property tests: for random histories, projections followed incrementally (small pages, with
restarts) equal projections rebuilt from an empty start; and a projection rebuilt as of a
recording time T equals the one that was current at T."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_projections_story import eur, issue, work

from q2c_core import AllowanceUnit, Period, Q2CError, QuoteToCash
from q2c_core.projections import Follower, ProjectionStore, all_projections, rebuild

OPS = st.lists(
    st.tuples(st.integers(0, 13), st.integers(0, 7), st.integers(1, 9)), min_size=5, max_size=45
)
DAY0 = date(2024, 1, 1)


class Driver:
    """Turns (op, index, amount) triples into commands; refused commands record nothing."""

    def __init__(self, app: QuoteToCash) -> None:
        self.app = app
        self.customers: list[Any] = []
        self.requests: list[Any] = []
        self.invoices: list[Any] = []
        self.payments: list[Any] = []
        self.allowances: list[Any] = []
        self.n = 0

    def pick(self, items: list[Any], i: int) -> Any:
        return items[i % len(items)] if items else None

    def run(self, op: int, i: int, amount: int) -> None:
        self.n += 1
        app, n = self.app, self.n
        day = DAY0 + timedelta(days=n)
        try:
            if (op == 0 and len(self.customers) < 3) or not self.customers:
                c = app.register_customer(f"C{n}", "EUR", account_manager=f"m{i % 3}", actor="a")
                self.customers.append(c)
                al = app.grant_allowance(
                    c,
                    unit=AllowanceUnit.HOURS,
                    quantity=amount,
                    period=Period(DAY0, DAY0 + timedelta(days=365)),
                    granted_on=DAY0,
                    actor="a",
                )
                self.allowances.append(al)
            elif op == 1:
                c = self.pick(self.customers, i)
                r = app.open_request(
                    c, f"R{n}", requested_on=day, actor="a", product_area=f"area{i % 2}"
                )
                app.estimate_request(r, hours=amount, rate=eur(100), actor="a")
                app.send_quote(r, sent_on=day, actor="a")
                self.requests.append(r)
            elif op == 2:
                r = self.pick(self.requests, i)
                app.receive_purchase_order(
                    r, number=f"PO{n}", amount=eur(100 * 9), received_on=day, actor="a"
                )
                app.authorize_work(r, authorized_on=day, actor="a")
            elif op == 3:
                r = self.pick(self.requests, i)
                req = app.request(r)
                al = app.customer(req.customer_id).allowance_ids[0]
                app.cover_request_by_allowance(r, al, actor="a")
                app.authorize_work(r, authorized_on=day, actor="a")
            elif op in (0, 4, 5):
                r = self.pick(self.requests, i)
                app.log_work(
                    r,
                    work(f"e{n}", day - timedelta(days=amount), str(amount), worker=f"w{i % 2}"),
                    actor="w",
                )
            elif op == 6:
                r = self.pick(self.requests, i)
                app.import_work(r, work(f"x{n}", day, "1"), source="csv", actor="import")
            elif op == 7:
                r = self.pick(self.requests, i)
                app.complete_request(r, completed_on=day, actor="a")
            elif op == 8:
                r = self.pick(self.requests, i)
                inv = app.draft_request_invoice(r, drafted_on=day, actor="billy")
                self.invoices.append(inv)
                if amount > 1:
                    issue(app, inv, day)
            elif op == 9:
                inv = self.pick(self.invoices, i)
                app.void_invoice(inv, reason="wrong", actor="bea")
            elif op == 10:
                owing = [c for c in self.customers if app.open_invoices(c)]
                c = self.pick(owing or self.customers, i)
                p = app.receive_payment(
                    c, eur(150 * amount), received_on=day, reference=f"P{n}", actor="bank"
                )
                app.allocate_payment(p, allocated_on=day, actor="bank")
                self.payments.append(p)
            elif op == 11:
                p = self.pick(self.payments, i)
                live = app.payment(p).live_allocations()
                if live:
                    app.reverse_allocation(p, live[0].allocation_id, reason="undo", actor="a")
            elif op == 12:
                p = self.pick(self.payments, i)
                app.bounce_payment(p, bounced_on=day, reason="returned", actor="bank")
            elif op == 13:
                inv = self.pick(self.invoices, i)
                issue(app, inv, day)
        except (Q2CError, AssertionError, IndexError, TypeError):
            pass  # a refused command records nothing; the history stays valid


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, every=st.integers(1, 6), page=st.integers(1, 40))
def test_incremental_projections_equal_rebuilt_ones(
    ops: list[tuple[int, int, int]], every: int, page: int
) -> None:
    """Following the log in small pages, with restarts, gives what a rebuild from empty gives."""
    app = QuoteToCash.open("memory:")
    driver = Driver(app)
    store = ProjectionStore.memory()
    for k, op in enumerate(ops):
        driver.run(*op)
        if k % every == 0:
            # a fresh follower each time: it resumes from the stored positions and rows
            Follower(app, all_projections(store), page_size=page).run()
    live = all_projections(store)
    Follower(app, live, page_size=page).run()
    rebuilt = all_projections()
    rebuild(app, rebuilt)
    for a, b in zip(live, rebuilt, strict=True):
        assert a.rows() == b.rows(), a.name
        handled = app.recorder.select_notifications(start=1, limit=10_000, topics=a.topics())
        # the position covers every notification of the kinds the projection follows
        position = store.position(a.tracking_name)
        assert (handled[-1].id if handled else 0) <= position <= app.recorder.max_notification_id()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, cut=st.integers(0, 44))
def test_projection_as_of_t_equals_the_one_current_at_t(
    ops: list[tuple[int, int, int]], cut: int
) -> None:
    """Rebuilt as of recording time T, a projection uses only the events recorded up to T."""
    app = QuoteToCash.open("memory:")
    driver = Driver(app)
    cut = cut % len(ops)
    for op in ops[:cut]:
        driver.run(*op)
    at_t = all_projections()
    Follower(app, at_t).run()
    head = app.recorder.max_notification_id()
    if head:
        last = app.recorder.select_notifications(start=head, limit=1)[0]
        t = app.mapper.to_domain_event(last).timestamp  # type: ignore[attr-defined]
    else:
        from datetime import UTC, datetime

        t = datetime.now(UTC)
    time.sleep(0.002)
    for op in ops[cut:]:
        driver.run(*op)
    as_of = all_projections()
    rebuild(app, as_of, as_of=t)
    for a, b in zip(at_t, as_of, strict=True):
        assert a.rows() == b.rows(), a.name
    assert Decimal(len(ops)) > 0
