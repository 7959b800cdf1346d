"""Unbilled revenue as of a day reads invoicing by its days, as the domain does: an invoice
holds the work it bills from the day it was drafted until the day it was voided, and a
re-billable credit note gives the lines it credits back from its own day (a written-off one
leaves them billed). So work invoiced tomorrow is unbilled today, and a credit note dated next
month does not change what was unbilled this month. ``UnbilledRevenue`` (the ``customers`` and
``unbilled`` reports) and ``QuoteToCash.customer_summary(c, as_of=day).unbilled_work`` agree
on every day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_projections_story import eur, issue, work

from q2c_core import AllowanceUnit, CreditDisposition, Money, Period, Q2CError, QuoteToCash
from q2c_core.projections import UnbilledRevenue, catch_up, rebuild

A = "alice"
CONTRACTS = ("contract_period", "contract_correction")


def unbilled_of(app: QuoteToCash, customer: UUID, day: date) -> Money:
    """What the ``customers`` report reads as the customer's unbilled on ``day`` (work,
    expenses and overage: no contracts in these stories), followed and rebuilt alike."""
    followed = UnbilledRevenue()
    catch_up(app, [followed], page_size=3)
    rebuilt = UnbilledRevenue()
    rebuild(app, [rebuilt])
    assert followed.rows() == rebuilt.rows()
    amount = followed.customer_total(customer, "EUR", day)
    assert amount == rebuilt.customer_total(customer, "EUR", day)
    return amount


def hourly_request(app: QuoteToCash, customer: UUID, on: date, title: str = "SSO") -> UUID:
    r = app.open_request(customer, title, requested_on=on, actor=A)
    app.estimate_request(r, hours=40, rate=eur(100), actor=A)
    app.send_quote(r, sent_on=on, actor=A)
    app.receive_purchase_order(r, number=f"PO-{title}", amount=eur(4000), received_on=on, actor=A)
    app.authorize_work(r, authorized_on=on, actor=A)
    return r


def agree(app: QuoteToCash, customer: UUID, day: date, expected: str) -> None:
    """The report and the domain say the same of ``day``."""
    assert unbilled_of(app, customer, day) == eur(expected), day
    assert app.customer_summary(customer, as_of=day).unbilled_work == eur(expected), day


def test_work_invoiced_tomorrow_is_unbilled_today(tmp_path: Any) -> None:
    """Northwind's SSO work, done 9 to 12 March, is invoiced on the 13th: on the 12th it is
    unbilled, from the 13th it is billed; the invoice voided on the 20th gives it back from
    the 20th, not before."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/nw.db")
    nw = app.register_customer("Northwind", "EUR", account_manager="mia", actor=A)
    sso = hourly_request(app, nw, date(2026, 3, 2))
    for n in range(9, 13):
        app.log_work(sso, work(f"sso-{n}", date(2026, 3, n), "2"), actor="bob")
    inv = app.draft_request_invoice(sso, drafted_on=date(2026, 3, 13), actor="bea")
    agree(app, nw, date(2026, 3, 10), "400.00")
    agree(app, nw, date(2026, 3, 12), "800.00")
    agree(app, nw, date(2026, 3, 13), "0.00")
    app.void_invoice(inv, reason="wrong PO", actor="bea", voided_on=date(2026, 3, 20))
    agree(app, nw, date(2026, 3, 12), "800.00")
    agree(app, nw, date(2026, 3, 15), "0.00")
    agree(app, nw, date(2026, 3, 20), "800.00")
    app.close()


def contoso_overage_invoiced_on_the_13th(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Contoso's 10 prepaid hours cover 16 hours of dashboard work (10 and 11 March); the 6
    hours beyond are invoiced on the 13th. Returns (customer, request)."""
    co = app.register_customer("Contoso", "EUR", account_manager="max", actor=A)
    hours = app.grant_allowance(
        co,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=Period(date(2026, 1, 1), date(2027, 1, 1)),
        granted_on=date(2026, 1, 1),
        actor=A,
    )
    dash = app.open_request(co, "Dashboard", requested_on=date(2026, 3, 3), actor=A)
    app.estimate_request(dash, hours=20, rate=eur(95), actor=A)
    app.cover_request_by_allowance(dash, hours, actor=A)
    app.authorize_work(dash, authorized_on=date(2026, 3, 4), actor=A)
    app.log_work(dash, work("co-1", date(2026, 3, 10), "8"), actor="omar")
    app.log_work(dash, work("co-2", date(2026, 3, 11), "8"), actor="omar")
    app.complete_request(dash, completed_on=date(2026, 3, 12), actor=A)
    inv = app.draft_request_invoice(dash, drafted_on=date(2026, 3, 13), actor="bea")
    issue(app, inv, date(2026, 3, 13))
    return co, dash


def test_overage_invoiced_tomorrow_is_unbilled_today(tmp_path: Any) -> None:
    """Contoso's 10 prepaid hours cover 16 hours of dashboard work: the 6 hours beyond are
    invoiced on the 13th. On the 12th they are owed, as allowance overage; from the 13th not."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/co.db")
    co, _ = contoso_overage_invoiced_on_the_13th(app)
    agree(app, co, date(2026, 3, 10), "0.00")
    agree(app, co, date(2026, 3, 12), "600.00")
    agree(app, co, date(2026, 3, 13), "0.00")
    unbilled = UnbilledRevenue()
    rebuild(app, [unbilled])
    [owed] = unbilled.items(date(2026, 3, 12))
    assert (owed.kind, owed.hours) == ("allowance_overage", Decimal(6))
    app.close()


def test_a_credit_note_next_month_leaves_this_month_as_it_was(tmp_path: Any) -> None:
    """Work invoiced on 5 March and credited as re-billable on 2 April was billed on 20 March,
    before the note as after it; from 2 April it is unbilled again. A written-off line stays
    billed on every day."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/cn.db")
    nw = app.register_customer("Northwind", "EUR", account_manager="mia", actor=A)
    sso = hourly_request(app, nw, date(2026, 3, 2))
    app.log_work(sso, work("a", date(2026, 3, 3), "5"), actor="bob")
    app.log_work(sso, work("b", date(2026, 3, 4), "1"), actor="bob")
    inv = app.draft_request_invoice(sso, drafted_on=date(2026, 3, 5), actor="bea")
    issue(app, inv, date(2026, 3, 5))
    agree(app, nw, date(2026, 3, 20), "0.00")
    lines = {line.source.time_entry_ids[0]: line.line_id for line in app.invoice(inv).lines}
    for entry, disposition, on in [
        ("a", CreditDisposition.REBILLABLE, date(2026, 4, 2)),
        ("b", CreditDisposition.WRITTEN_OFF, date(2026, 4, 3)),
    ]:
        note = app.draft_credit_note(
            inv,
            line_ids=[lines[entry]],
            disposition=disposition,
            reason="hours",
            drafted_on=on,
            actor="bea",
        )
        issue(app, note, on)
    agree(app, nw, date(2026, 3, 20), "0.00")
    agree(app, nw, date(2026, 4, 1), "0.00")
    agree(app, nw, date(2026, 4, 2), "500.00")
    agree(app, nw, date(2026, 4, 30), "500.00")
    app.close()


# -- any history ----------------------------------------------------------------------------

DAY0 = date(2026, 3, 1)
OPS = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 9), st.integers(1, 9)), min_size=1, max_size=26
)


class History:
    """Work, drafts, issues, voids and credit notes, each on its own day, later than all
    before it: what unbilled revenue said of a past day must not change afterwards."""

    def __init__(self, app: QuoteToCash) -> None:
        self.app = app
        self.day = DAY0
        self.customers: list[UUID] = []
        self.requests: list[UUID] = []
        self.drafts: list[UUID] = []
        self.issued: list[UUID] = []
        for n in range(2):
            c = app.register_customer(f"C{n}", "EUR", account_manager="mia", actor=A)
            self.customers.append(c)
            al = app.grant_allowance(
                c,
                unit=AllowanceUnit.HOURS if n == 0 else AllowanceUnit.MONEY,
                quantity=6 if n == 0 else 500,
                period=Period(DAY0, DAY0 + timedelta(days=90)),
                granted_on=DAY0,
                actor=A,
            )
            for k, covered in enumerate((False, True)):
                r = app.open_request(c, f"R{n}{k}", requested_on=DAY0, actor=A)
                app.estimate_request(r, hours=50, rate=eur(100), actor=A)
                if covered:
                    app.cover_request_by_allowance(r, al, actor=A)
                else:
                    app.send_quote(r, sent_on=DAY0, actor=A)
                    app.receive_purchase_order(
                        r, number=f"PO{n}", amount=eur(5000), received_on=DAY0, actor=A
                    )
                app.authorize_work(r, authorized_on=DAY0, actor=A)
                self.requests.append(r)

    def run(self, op: int, i: int, amount: int) -> None:
        self.day += timedelta(days=1)
        app, day = self.app, self.day
        pick = lambda xs: xs[i % len(xs)] if xs else None  # noqa: E731
        try:
            if op in (0, 1, 2):
                r = pick(self.requests)
                app.log_work(r, work(f"e{day}", day, str(amount)), actor="bob")
            elif op == 3:
                inv = app.draft_request_invoice(pick(self.requests), drafted_on=day, actor="bea")
                if amount > 4:  # issued the day it is drafted
                    issue(app, inv, day)
                    self.issued.append(inv)
                else:
                    self.drafts.append(inv)
            elif op == 4 and self.drafts:
                inv = pick(self.drafts)
                issue(app, inv, day)
                self.drafts.remove(inv)
                self.issued.append(inv)
            elif op == 5 and self.drafts:
                inv = pick(self.drafts)
                app.void_invoice(inv, reason="wrong", actor="bea", voided_on=day)
                self.drafts.remove(inv)
            elif op in (6, 7) and self.issued:
                inv = pick(self.issued)
                lines = app.invoice(inv).lines
                line = lines[amount % len(lines)]
                note = app.draft_credit_note(
                    inv,
                    line_ids=[line.line_id],
                    disposition=CreditDisposition.REBILLABLE
                    if op == 6
                    else CreditDisposition.WRITTEN_OFF,
                    reason="hours",
                    drafted_on=day,
                    actor="bea",
                )
                issue(app, note, day)
        except Q2CError:
            pass  # refused, recording nothing: the history stays valid

    def read(self, upto: date) -> dict[tuple[date, UUID], Money]:
        """Unbilled revenue's unbilled per customer on every day up to ``upto``, checked
        against the domain's reading of each day."""
        unbilled = UnbilledRevenue()
        rebuild(self.app, [unbilled])
        said: dict[tuple[date, UUID], Money] = {}
        day = DAY0
        while day <= upto:
            items = [i for i in unbilled.items(day) if i.kind not in CONTRACTS]
            for c in self.customers:
                amount = sum((i.amount for i in items if i.customer_id == c.hex), Money.zero("EUR"))
                domain = self.app.customer_summary(c, as_of=day).unbilled_work
                assert amount == domain, (day, c)
                said[(day, c)] = amount
            day += timedelta(days=1)
        return said


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=OPS, after=OPS)
def test_unbilled_of_every_day_is_the_domains_and_later_events_leave_it(
    tmp_path_factory: Any, before: list[tuple[int, int, int]], after: list[tuple[int, int, int]]
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path_factory.mktemp('h')}/h.db")
    history = History(app)
    for op in before:
        history.run(*op)
    then = history.day
    said = history.read(then)
    for op in after:
        history.run(*op)
    assert history.read(then) == said
    app.close()
