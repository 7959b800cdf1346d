"""Property tests over random histories of requests, invoices, payments (allocated, reversed,
refunded, bounced), remainders written off, invoices credited whole, time entries withdrawn,
allowances, customers handed over to another account manager and maintenance contracts
(signed, evergreen, sub-contracts added, removed, re-priced and re-assigned, billed by runs,
suspended, renewed, terminated, expired):

- projections followed incrementally (small pages, with restarts) equal projections rebuilt from
  an empty start;
- a projection rebuilt as of a recording time T equals the one that was current at T, built from
  exactly the events recorded up to T;
- the contract periods ``UnbilledRevenue`` lists as due on a date are exactly the period invoices
  the billing run would post on that date (``preview_billing``), and its pending corrections add
  up to the run's correction documents, contract by contract;
- the overage the review meeting shows owed for a request is the allowance overage
  ``UnbilledRevenue`` lists for it, also when time entries are billed by hand;
- a command q2c refuses raises one of its typed errors and records nothing; anything else
  it raises is a crash and fails the property (the drivers skip only what cannot be done yet).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_projections_story import eur, issue, work
from test_unbilled_contract_lifecycle import unbilled_periods

from q2c_core import (
    AllowanceUnit,
    BillingFrequency,
    BillingTiming,
    ContractStatus,
    CreditDisposition,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    PeriodAlignment,
    PricePoint,
    Q2CError,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    SubContract,
    SubContractKind,
)
from q2c_core.domain.billing import add_months
from q2c_core.projections import (
    CustomerStatement,
    Follower,
    PrepaidCreditUsage,
    Projection,
    ProjectionStore,
    ReceivablesAging,
    ReviewMeeting,
    UnbilledRevenue,
    all_projections,
    rebuild,
)

# random histories, one time in two ending with a billing run and a change after it (a
# re-price back into the periods billed, or a sub-contract removed in them): the correction is
# pending when the read models are compared with the run's preview
OPS = st.builds(
    lambda ops, tail: ops + tail,
    st.lists(
        st.tuples(st.integers(0, 24), st.integers(0, 7), st.integers(1, 9)), min_size=5, max_size=45
    ),
    st.one_of(
        st.just([]),
        st.tuples(st.integers(0, 7), st.sampled_from([(17, 2), (17, 5), (16, 2), (16, 4)])).map(
            lambda pick: [(18, pick[0], 9), (pick[1][0], pick[0], pick[1][1])]
        ),
    ),
)
DAY0 = date(2024, 1, 1)
ALLOWANCE_DAYS = 10
FREQUENCIES = (BillingFrequency.MONTHLY, BillingFrequency.QUARTERLY, BillingFrequency.ANNUAL)


class RefusalsRecordNothing:
    """The application as the drivers use it: each command q2c refuses (a typed ``Q2CError``)
    must leave the log as it was; any other exception is a crash, and fails the property."""

    def __init__(self, app: QuoteToCash) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._app, name)
        if name.startswith("_") or not callable(found):
            return found

        def checked(*args: Any, **kwargs: Any) -> Any:
            before = self._app.recorder.max_notification_id()
            try:
                return found(*args, **kwargs)
            except Q2CError:
                assert self._app.recorder.max_notification_id() == before, (name, "recorded")
                raise

        return checked


class Driver:
    """Turns (op, index, amount) triples into commands. Only q2c's typed errors count as a
    refusal, and a refused command records nothing (``RefusalsRecordNothing``); an op that
    needs something there is not yet (a request, an invoice, a payment) does nothing."""

    allowance_days = ALLOWANCE_DAYS  # how long an allowance's period is

    def __init__(self, app: QuoteToCash) -> None:
        self.app: Any = RefusalsRecordNothing(app)
        self.customers: list[Any] = []
        self.requests: list[Any] = []
        self.invoices: list[Any] = []
        self.payments: list[Any] = []
        self.allowances: list[Any] = []
        self.contracts: list[Any] = []
        self.n = 0
        # the latest day a billing run billed on (its invoices count from that day on)
        self.last_run = DAY0

    def pick(self, items: list[Any], i: int) -> Any:
        return items[i % len(items)] if items else None

    def run(self, op: int, i: int, amount: int) -> None:
        self.n += 1
        app, n = self.app, self.n
        day = DAY0 + timedelta(days=n)
        needs = {
            **dict.fromkeys((2, 3, 4, 5, 6, 7, 8), self.requests),
            9: self.invoices,
            13: self.invoices,
            11: self.payments,
            12: self.payments,
        }
        if self.customers and op in needs and not needs[op]:
            return  # nothing to do it to yet
        try:
            if (op == 0 and len(self.customers) < 3) or not self.customers:
                c = app.register_customer(f"C{n}", "EUR", account_manager=f"m{i % 3}", actor="a")
                self.customers.append(c)
                al = app.grant_allowance(
                    c,
                    unit=AllowanceUnit.HOURS,
                    quantity=amount,
                    # a month: later work is drawn on the allowances it is rolled over into
                    period=Period(DAY0, DAY0 + timedelta(days=self.allowance_days)),
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
                if amount % 3 == 0:  # prepaid: covered by the customer's newest allowance
                    al = app.customer(c).allowance_ids[-1]
                    app.cover_request_by_allowance(r, al, actor="a")
                    app.authorize_work(r, authorized_on=day, actor="a")
            elif op == 2:
                r = self.pick(self.requests, i)
                app.receive_purchase_order(
                    r, number=f"PO{n}", amount=eur(100 * 9), received_on=day, actor="a"
                )
                app.authorize_work(r, authorized_on=day, actor="a")
            elif op == 3:
                r = self.pick(self.requests, i)
                req = app.request(r)
                al = app.customer(req.customer_id).allowance_ids[-1]
                app.cover_request_by_allowance(r, al, actor="a")
                app.authorize_work(r, authorized_on=day, actor="a")
            elif op in (0, 4, 5):
                r = self.pick(self.requests, i)
                app.log_work(
                    r,
                    work(f"e{n}", day - timedelta(days=amount), str(amount), worker=f"w{i % 2}"),
                    actor="w",
                )
            elif op == 6 and amount % 3 == 0:
                # a time entry logged in error withdrawn (refused while an invoice bills it):
                # it leaves the request, its allowance charge and every report
                r = self.pick(self.requests, i)
                entries = app.request(r).work
                if entries:
                    entry_id = entries[amount % len(entries)].entry.entry_id
                    app.withdraw_work(r, entry_id, reason="logged in error", actor="mia")
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
                document = app.invoice(inv)
                if document.is_issued and amount % 2 == 0:
                    # credited whole, every line: the money paying it is given back, and a
                    # remainder written off is taken back on the note's day
                    note = app.draft_credit_note(
                        inv,
                        line_ids=[line.line_id for line in document.lines],
                        disposition=CreditDisposition.REBILLABLE,
                        reason="wrong",
                        drafted_on=day,
                        actor="billy",
                    )
                    issue(app, note, day)
                else:
                    app.void_invoice(inv, reason="wrong", actor="bea", voided_on=day)
            elif op == 10:
                owing = [c for c in self.customers if app.open_invoices(c)]
                c = self.pick(owing or self.customers, i)
                due = app.open_invoices(c)
                fee = Money.of(f"0.0{amount}", "EUR")
                if due and amount % 3 == 1 and due[0].outstanding > fee:
                    # the oldest invoice paid less a bank fee of a few cents, which is written
                    # off (within a tolerance of 0.10) on the day the money arrives
                    short = due[0].outstanding - fee
                    p = app.receive_payment(c, short, received_on=day, reference=f"P{n}", actor="b")
                    app.allocate_payment(p, [(due[0].id, short)], allocated_on=day, actor="bank")
                    self.payments.append(p)
                    app.write_off_remainder(
                        due[0].id,
                        written_off_on=day,
                        reason="bank fee",
                        actor="bea",
                        at_most=eur("0.10"),
                    )
                else:
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
            elif op == 23:
                self.roll_over(i, amount, day)
            elif op == 24 and amount > 6:
                # the customer handed over to another manager, dated back up to four weeks
                # (before its last handover: refused), its open requests and live contracts
                # with it, also those begun after the day
                c = self.pick(self.customers, i)
                app.hand_over_customer(
                    c,
                    to_manager=f"m{(i + amount) % 4}",
                    effective_on=day - timedelta(days=3 * amount),
                    actor="hr",
                )
            elif op == 24:
                c = self.pick(self.customers, i)
                app.refund_customer_credit(
                    c, eur(40 * amount), refunded_on=day, reference=f"OUT{n}", actor="bea"
                )
            elif op >= 14:
                self.contract_op(op, i, amount, day)
        except Q2CError:
            pass  # refused, recording nothing (checked): the history stays valid

    def roll_over(self, i: int, amount: int, day: date) -> None:
        """Roll a customer's newest allowance over into the next month's: all that is left, or
        part of it, plus an extra grant; work logged ahead in that month draws on it."""
        app = self.app
        latest = app.customer(self.pick(self.customers, i)).allowance_ids[-1]
        a = app.allowance(latest)
        end = a.period.end
        app.roll_over_allowance(
            latest,
            new_period=Period(end, end + timedelta(days=self.allowance_days)),
            rolled_over_on=day,
            actor="a",
            quantity=None if amount % 2 else min(a.remaining, amount),
            extra=amount % 3,
        )

    def contract_op(self, op: int, i: int, amount: int, day: date) -> None:
        """Maintenance contracts: sign (fixed term or evergreen), change sub-contracts (add,
        remove, extend again, re-price, move), bill,
        suspend and reactivate, renew, terminate, expire. Terms are short (17 days to a year)
        and runs bill ahead of the commands' days, so renewals, partial periods and corrections
        come up."""
        app, n = self.app, self.n
        if op in (14, 21) or not self.contracts:
            # (of two customers: re-assignments)
            self.sign(self.pick(self.customers, i // 4), op == 21, i, amount, day)
            return
        cid = self.pick(self.contracts, i)
        c = app.contract(cid)
        subs = sorted(c.sub_contracts)
        if op in (16, 17, 20) and not subs and not (op == 16 and self.ended(c)):
            return  # no sub-contract left to change
        if op == 15:
            on = max(c.term.start, min(day, c.term.end - timedelta(days=1)))
            app.add_sub_contract(cid, self.sub(f"S{n}", on, amount), actor="a")
        elif op == 16 and amount % 2 and self.ended(c):
            sub = self.ended(c)[amount % len(self.ended(c))]  # a removal undone, or a later end
            end = max(day, sub.effective_to or day) + timedelta(days=amount)
            app.extend_sub_contract(
                cid, sub.sub_id, effective_to=None if amount % 4 == 1 else end, actor="a"
            )
        elif op == 16:
            sub = c.sub_contracts[subs[amount % len(subs)]]
            end = max(day, sub.effective_from) + timedelta(days=amount)
            app.remove_sub_contract(cid, sub.sub_id, effective_to=end, actor="a")
        elif op == 17:
            sub = c.sub_contracts[subs[amount % len(subs)]]
            on = max(sub.effective_from, day - timedelta(days=3 * amount))
            app.reprice_sub_contract(
                cid, sub.sub_id, effective=on, annual_price=eur(120 * (amount + i)), actor="a"
            )
        elif op == 18:
            result = app.run_billing(day + timedelta(days=5 * amount), actor="run")
            self.invoices.extend(result.invoice_ids)
            self.last_run = max(self.last_run, day + timedelta(days=5 * amount))
        elif op == 19:
            if amount <= 2:
                on = day + timedelta(days=amount)
                app.terminate_contract(cid, effective=on, reason="left", actor="a", noticed_on=on)
            elif amount <= 5:
                self.toggle_suspension(cid, day)
            elif amount <= 7:
                app.expire_contract(cid, effective=max(day, c.term.end), actor="a")
            else:
                new_end = add_months(c.term.end, 1)
                app.renew_contract(
                    cid, new_end=new_end, effective=c.term.end, actor="a", uplift_percent=amount
                )
        elif op == 22:
            self.toggle_suspension(cid, day)
        elif op == 20:
            others = [
                k
                for k in self.contracts
                if k != cid and app.contract(k).customer_id == c.customer_id
            ]
            # (a customer with one contract signs another to move it to)
            target = self.pick(others, amount) or self.sign(c.customer_id, False, i, amount, day)
            if target is not None and subs:
                sub_id = subs[amount % len(subs)]
                app.reassign_sub_contract(cid, sub_id, target, effective=day, actor="a")

    def sign(self, customer: Any, evergreen: bool, i: int, amount: int, day: date) -> Any:
        """Sign a contract for a customer, up to four in all, and activate it (unless
        ``amount`` is 9); returns its id (None when there are four)."""
        if len(self.contracts) >= 4:
            return None
        app, n = self.app, self.n
        start = day if amount % 2 else DAY0
        ends = (
            start + timedelta(days=17),
            add_months(start, 1),
            add_months(start, 3),
            add_months(start, 12),
        )
        cid = app.sign_contract(
            customer,
            number=f"MC{n}",
            term=Period(start, ends[(i + amount) % 4]),
            frequency=FREQUENCIES[i % 3],
            signed_on=start,
            actor="a",
            timing=BillingTiming.IN_ARREARS if amount % 3 == 0 else BillingTiming.IN_ADVANCE,
            alignment=PeriodAlignment.CALENDAR if i % 4 == 3 else PeriodAlignment.ANNIVERSARY,
            auto_renew=evergreen,
            renewal_uplift_percent=amount if evergreen and amount % 4 else None,
            sub_contracts=[self.sub(f"S{n}", start, amount)],
        )
        self.contracts.append(cid)
        if amount != 9:
            app.activate_contract(cid, effective=start, actor="a")
        return cid

    @staticmethod
    def ended(c: Any) -> list[SubContract]:
        """A contract's sub-contracts that have an end."""
        return [s for s in c.sub_contracts.values() if s.effective_to is not None]

    def toggle_suspension(self, contract_id: Any, day: date) -> None:
        """Suspend a live contract, or lift its suspension."""
        if self.app.contract(contract_id).status is ContractStatus.SUSPENDED:
            self.app.reactivate_contract(contract_id, effective=day, reason="paid", actor="a")
        else:
            self.app.suspend_contract(contract_id, effective=day, reason="unpaid", actor="a")

    @staticmethod
    def sub(sub_id: str, start: date, amount: int) -> SubContract:
        """A sub-contract at 120 to 1,080 euros a year (odd cents per day, so proration rounds)."""
        price = eur(120 * amount + 7)
        return SubContract(
            sub_id, sub_id, SubContractKind.PRODUCT, start, [PricePoint(start, price)]
        )


class ByHandDriver(Driver):
    """The requests, allowances, invoices and payments of :class:`Driver`, and time entries
    billed by hand (op 25): an invoice drafted with one line of ordinary work naming an
    unbilled entry of a request, charged on an allowance or not; issued, or left a draft that
    a later op may void. Allowances run for a year, and work (ops 4 and 5) is dated back no
    further than its request's authorization, so most work on a covered request draws on an
    allowance and goes beyond it sooner or later."""

    allowance_days = 365

    def run(self, op: int, i: int, amount: int) -> None:
        if op not in (4, 5, 25):
            super().run(op, i, amount)
            return
        self.n += 1
        app, n, day = self.app, self.n, DAY0 + timedelta(days=self.n)
        if op != 25 and not self.requests:
            return
        try:
            if op != 25:
                r = self.pick(self.requests, i)
                since = app.request(r).authorized_on or day
                worked = max(since, day - timedelta(days=amount))
                app.log_work(r, work(f"e{n}", worked, str(amount), worker=f"w{i % 2}"), actor="w")
                return
            # a request with time entries no invoice bills yet
            r = self.pick([r for r in self.requests if app.request(r).unbilled_entries()], i)
            if r is None:
                return
            entries = app.request(r).unbilled_entries()
            entry = entries[amount % len(entries)]
            line = InvoiceLine(
                line_id="L1",
                description=f"{entry.worker} {entry.work_date}",
                quantity=entry.hours,
                unit_price=entry.rate,
                tax=app.customer(app.request(r).customer_id).tax_rate,
                source=LineSource(SourceKind.WORK, request_id=r, time_entry_ids=(entry.entry_id,)),
                revenue_kind=RevenueKind.ENHANCEMENT,
            )
            customer = app.request(r).customer_id
            inv = app.draft_invoice(customer, [line], drafted_on=day, actor="billy")
            self.invoices.append(inv)
            if amount > 1:
                issue(app, inv, day)
        except Q2CError:
            pass  # refused, recording nothing (checked)


# requests (most covered by an allowance), work, allowances rolled over, invoices, payments,
# and entries billed by hand (25)
BY_HAND_OPS = st.lists(
    st.tuples(
        st.sampled_from(
            (0, 1, 1, 2, 3, 3, 4, 4, 4, 5, 5, 5, 6, 7, 8, 9, 10, 11, 13, 23, 25, 25, 25)
        ),
        st.integers(0, 7),
        st.integers(1, 9),
    ),
    min_size=10,
    max_size=45,
)


def review_overage_is_unbilled(
    projections: list[Projection], requests: list[Any], on: date
) -> None:
    """For every request, the overage the review meeting shows owed on ``on`` is the allowance
    overage ``UnbilledRevenue`` lists for it (a request off the agenda owes none; the drivers
    cancel no request, which would leave the agenda whatever it owes)."""
    [review] = [p for p in projections if isinstance(p, ReviewMeeting)]
    [unbilled] = [p for p in projections if isinstance(p, UnbilledRevenue)]
    shown = {item.request_id: item.unbilled_overage for item in review.items(on)}
    listed: dict[str, Money] = {}
    for item in unbilled.items(on):
        if item.kind == "allowance_overage":
            listed[item.request_id] = listed.get(item.request_id, eur(0)) + item.amount
    for r in requests:
        assert shown.get(r.hex, eur(0)) == listed.get(r.hex, eur(0)), r


# a contract billed two months ahead, then re-priced back to its first days: the correction is
# pending, in UnbilledRevenue and in the run's preview alike
REPRICED_AFTER_A_RUN = [(0, 0, 5), (14, 0, 7), (18, 0, 9), (17, 0, 2)]
# two contracts of one customer, billed, a sub-contract moved from one to the other, billed again
MOVED_AFTER_A_RUN = [(0, 0, 5), (14, 0, 7), (14, 1, 6), (18, 0, 5), (20, 0, 1), (18, 0, 3)]
# a request's 200.00 invoice paid less a 0.01 fee, written off; the payment bounces (199.99 owed
# again, the write-off standing); paid again less 0.04, written off; that allocation reversed
WRITTEN_OFF_THEN_BOUNCED = [
    (0, 0, 5), (1, 0, 2), (2, 0, 9), (4, 0, 1), (4, 0, 1), (7, 0, 1), (8, 0, 2),
    (10, 0, 1), (12, 0, 1), (10, 0, 4), (11, 1, 1), (9, 0, 1),
]  # fmt: skip


# the invoice paid less a fee written off, then credited whole: the write-off taken back
WRITTEN_OFF_THEN_CREDITED = [
    (0, 0, 5), (1, 0, 2), (2, 0, 9), (4, 0, 1), (4, 0, 1), (7, 0, 1), (8, 0, 2),
    (10, 0, 1), (9, 0, 2), (10, 0, 4),
]  # fmt: skip


# time entries withdrawn: one on a request an allowance covers, one on a request with a PO,
# before its invoice, and one after its invoice was issued (refused: the invoice bills it)
WITHDRAWN = [
    (0, 0, 5), (1, 0, 3), (4, 0, 1), (4, 0, 1), (6, 0, 3), (1, 1, 2), (2, 1, 9), (4, 1, 1),
    (4, 1, 2), (6, 1, 6), (8, 1, 2), (6, 1, 3), (7, 0, 1), (8, 0, 2),
]  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(ops=WITHDRAWN, every=1, page=3)
@example(ops=WRITTEN_OFF_THEN_CREDITED, every=1, page=3)
@example(ops=REPRICED_AFTER_A_RUN, every=1, page=3)
@example(ops=MOVED_AFTER_A_RUN, every=2, page=40)
@example(ops=WRITTEN_OFF_THEN_BOUNCED, every=2, page=3)
@given(ops=OPS, every=st.integers(1, 6), page=st.integers(1, 40))
def test_incremental_projections_equal_rebuilt_ones(
    ops: list[tuple[int, int, int]], every: int, page: int
) -> None:
    """Following the log in small pages, with restarts, gives what a rebuild from empty gives;
    and the contract periods unbilled on a date are what the billing run would post then."""
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
    [unbilled] = [p for p in rebuilt if isinstance(p, UnbilledRevenue)]
    # (the preview plans on the periods billed as recorded, the projection reads a period billed
    # from its invoice's draft day on: they agree from the latest run's day on)
    first = max(DAY0 + timedelta(days=len(ops)), driver.last_run)
    for on in (first, first + timedelta(days=40 * every)):
        # preview and projection agree period by period (``unbilled_periods`` asserts it)
        unbilled_periods(app, unbilled, on)
    # and the read side says what the aggregates say: each request's unbilled work and overage
    # (on the allowance covering it or one it was rolled over into), each allowance's draws
    later = DAY0 + timedelta(days=3650)
    owed: dict[str, Money] = {}
    for item in unbilled.items(later):
        if item.request_id:
            owed[item.request_id] = owed.get(item.request_id, eur(0)) + item.amount
    for r in driver.requests:
        assert owed.get(r.hex, eur(0)) == app.unbilled_work(r), r
    for on in (DAY0 + timedelta(days=len(ops) // 2), later):
        review_overage_is_unbilled(rebuilt, driver.requests, on)
    # each customer's credit, and each payment's, on the statement is the aggregates' (after
    # refunds, and bounces of refunded payments); what of the refunds of bounced payments is
    # owed back is the credit's shortfall, on the statement and in the aging alike
    [statements] = [p for p in rebuilt if isinstance(p, CustomerStatement)]
    [aging] = [p for p in rebuilt if isinstance(p, ReceivablesAging)]
    chased: dict[str, Money] = {}
    for debt in aging.refunds_owed(later):
        chased[debt.customer_id] = chased.get(debt.customer_id, eur(0)) + debt.outstanding
    for c in driver.customers:
        s = statements.statement(c)
        assert s.credit == app.customer_credit(c), c
        shortfall = max(-app.customer_credit(c), eur(0))
        assert s.owed_back == chased.get(c.hex, eur(0)) == shortfall, c
        for debt in s.refunds_owed:
            assert app.payment(UUID(debt.payment_id)).is_bounced, c
        # each invoice's open amount and remainder written off are the aggregate's, and the
        # aging of a day long after counts the same open amounts
        for doc in s.invoices:
            invoice = app.invoice(UUID(doc.invoice_id))
            assert (doc.outstanding, doc.written_off) == (invoice.outstanding, invoice.written_off)
        assert s.open == app.customer_summary(c).open, c
        for p in s.payments:
            payment = app.payment(UUID(p.payment_id))
            assert (p.allocated, p.refunded, p.unallocated) == (
                payment.allocated,
                payment.refunded,
                payment.unallocated,
            )
    [usage] = [p for p in rebuilt if isinstance(p, PrepaidCreditUsage)]
    for u in usage.usage(later):
        a = app.allowance(UUID(u.allowance_id))
        assert (u.drawn, u.remaining, u.overage) == (a.consumed, a.remaining, a.overage)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(ops=WRITTEN_OFF_THEN_BOUNCED, cut=8)
@example(ops=WRITTEN_OFF_THEN_CREDITED, cut=8)
@example(ops=WITHDRAWN, cut=7)
@given(ops=OPS, cut=st.integers(0, 44))
def test_projection_as_of_t_equals_the_one_current_at_t(
    ops: list[tuple[int, int, int]], cut: int
) -> None:
    """Rebuilt as of recording time T, a projection uses only the events recorded up to T: its
    rows equal those of the projection followed up to T, and it applied exactly the events that
    one applied, however many were recorded after T."""
    app = QuoteToCash.open("memory:")
    driver = Driver(app)
    cut = cut % len(ops)
    for op in ops[:cut]:
        driver.run(*op)
    at_t = all_projections()
    applied_at_t = Follower(app, at_t).run()
    head = app.recorder.max_notification_id()
    # T: the latest timestamp of the events so far (an event's creation time). Not the last
    # notification's: a billing run saves a contract's PeriodBilled before the invoice drafted
    # just before it, so within one save the log order and the timestamps differ.
    recorded = app.recorder.select_notifications(start=1, limit=10_000)
    t = max(
        (app.mapper.to_domain_event(n).timestamp for n in recorded),  # type: ignore[attr-defined]
        default=datetime.now(UTC),
    )
    assert len(recorded) == (head or 0)
    time.sleep(0.002)
    for op in ops[cut:]:
        driver.run(*op)
    as_of = all_projections()
    assert rebuild(app, as_of, as_of=t) == applied_at_t
    for a, b in zip(at_t, as_of, strict=True):
        assert a.rows() == b.rows(), a.name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=BY_HAND_OPS, every=st.integers(1, 6))
def test_the_review_meeting_owes_the_overage_unbilled_revenue_lists_with_work_billed_by_hand(
    ops: list[tuple[int, int, int]], every: int
) -> None:
    """Time entries billed by hand as ordinary work, charged on an allowance or not, then
    voided as drafts or left billed: request by request, the review meeting shows owed the
    overage UnbilledRevenue lists, on every day; followed in small pages they hold what a
    rebuild from an empty start holds."""
    app = QuoteToCash.open("memory:")
    driver = ByHandDriver(app)
    store = ProjectionStore.memory()
    for k, op in enumerate(ops):
        driver.run(*op)
        if k % every == 0:
            Follower(app, [ReviewMeeting(store), UnbilledRevenue(store)], page_size=3).run()
    live: list[Projection] = [ReviewMeeting(store), UnbilledRevenue(store)]
    Follower(app, live, page_size=3).run()
    rebuilt: list[Projection] = [ReviewMeeting(), UnbilledRevenue()]
    rebuild(app, rebuilt)
    for a, b in zip(live, rebuilt, strict=True):
        assert a.rows() == b.rows(), a.name
    # both read invoicing by the invoices' days: they agree on every day of the history
    for on in [DAY0 + timedelta(days=d) for d in range(len(ops) + 2)] + [
        DAY0 + timedelta(days=3650)
    ]:
        review_overage_is_unbilled(rebuilt, driver.requests, on)
