"""Mia leaves; Bob takes over her customers. Acme, Mia's customer, is handed over to Bob from
1 May 2024 (``hand_over_customer``): its request "Export" and its contract MC-1, billed on,
follow it that day; the request "Dashboard" opened on purpose for Zoe stays Zoe's. The reports "by
account manager" read, as of a day before the handover, Mia, and from its day on, Bob; the
contract invoice the billing run drafts for May names Bob, April's names Mia, and the
commission on April's invoice, paid in June, is Mia's (commission is earned by the manager the
invoice names). A handover to nobody, to Mia again, on no business day, or dated before Acme's
last handover (or before the request or contract it would hand over began) is refused, typed,
naming the field, and records nothing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from q2c_core import (
    BillingFrequency,
    Contract,
    Customer,
    EnhancementRequest,
    InvalidValue,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    RuleViolated,
    SubContract,
    SubContractKind,
    TaxRate,
    TimeEntry,
)
from q2c_core.projections import (
    AwaitingPurchaseOrder,
    Commissions,
    CustomerStatement,
    ReviewMeeting,
    UnbilledRevenue,
    catch_up,
    rebuild,
)

A = "alice"
MAY_1 = date(2024, 5, 1)
APRIL_30 = date(2024, 4, 30)
MAY_2 = date(2024, 5, 2)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager="Mia", actor=A, tax_rate=TaxRate.standard(21)
    )


def export(app: QuoteToCash, customer: UUID, **manager: str) -> UUID:
    """A request authorized in March, with four hours worked on 10 April left to bill."""
    title = "Dashboard" if manager else "Export"
    request = app.open_request(customer, title, requested_on=date(2024, 3, 1), actor=A, **manager)
    app.estimate_request(request, hours=10, rate=eur(100), actor=A)
    app.send_quote(request, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        request, number=f"PO-{title}", amount=eur(1000), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    entry = TimeEntry(f"t-{title}", "dev", date(2024, 4, 10), Decimal(4), eur(100))
    app.log_work(request, entry, actor="dev")
    return request


def maintenance(app: QuoteToCash, customer: UUID) -> UUID:
    """MC-1, signed in December 2023, 1,200.00 a year billed monthly in advance from January."""
    start = date(2024, 1, 1)
    contract = app.sign_contract(
        customer,
        number="MC-1",
        term=Period(start, date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2023, 12, 15),
        actor=A,
        sub_contracts=[
            SubContract(
                "erp", "ERP", SubContractKind.LICENCE, start, [PricePoint(start, eur(1200))]
            )
        ],
    )
    app.activate_contract(contract, effective=start, actor=A)
    return contract


class Books:
    """Acme's books: Export and MC-1 are Mia's (as Acme), Dashboard is Zoe's; a quote for
    "Reports" waits for its PO; the billing run has billed MC-1 through April."""

    def __init__(self, app: QuoteToCash) -> None:
        self.app = app
        self.acme = acme(app)
        self.export = export(app, self.acme)
        self.dashboard = export(app, self.acme, account_manager="Zoe")
        self.reports = app.open_request(
            self.acme, "Reports", requested_on=date(2024, 4, 1), actor=A
        )
        app.estimate_request(self.reports, hours=5, rate=eur(100), actor=A)
        app.send_quote(self.reports, sent_on=date(2024, 4, 2), actor=A)
        self.contract = maintenance(app, self.acme)
        # (January to April, each drafted on 1 April: April's is the last)
        run = app.run_billing(date(2024, 4, 1), actor="billing")
        self.april = run.documents[-1].invoice_id

    def hand_over(self, on: date = MAY_1, to: str = "Bob") -> None:
        self.app.hand_over_customer(self.acme, to_manager=to, effective_on=on, actor="hr")


def unbilled_by_manager(book: UnbilledRevenue, on: date) -> dict[str, Decimal]:
    return {k[0]: m.amount for k, m in book.totals(on, "account_manager").totals.items()}


def followed_and_rebuilt(app: QuoteToCash) -> list[Any]:
    """The reports followed event by event, checked against the same rebuilt from the start."""
    kinds = (UnbilledRevenue, ReviewMeeting, AwaitingPurchaseOrder, CustomerStatement)
    followed = [k() for k in kinds]
    rebuilt = [k() for k in kinds]
    catch_up(app, followed, page_size=1)
    rebuild(app, rebuilt)
    for a, b in zip(followed, rebuilt, strict=True):
        assert a.rows() == b.rows(), a.name
    return rebuilt


def test_acme_is_handed_over_with_its_open_request_and_live_contract() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    books.hand_over()
    customer = app.customer(books.acme)
    assert customer.account_manager == "Bob"
    assert customer.manager_on(APRIL_30) == "Mia" and customer.manager_on(MAY_1) == "Bob"
    export_request = app.request(books.export)
    assert export_request.account_manager == "Bob"
    assert export_request.manager_on(APRIL_30) == "Mia"
    assert app.request(books.reports).account_manager == "Bob"
    contract = app.contract(books.contract)
    assert contract.account_manager == "Bob"
    assert contract.manager_on(APRIL_30) == "Mia" and contract.manager_on(MAY_1) == "Bob"
    # given to Zoe on purpose, it stays Zoe's
    assert app.request(books.dashboard).account_manager == "Zoe"
    # a request opened on the day names Bob; one opened for April, recorded now, Mia then Bob
    later = app.open_request(books.acme, "Later", requested_on=MAY_2, actor=A)
    assert app.request(later).account_manager == "Bob"
    late = app.open_request(books.acme, "Late", requested_on=date(2024, 4, 20), actor=A)
    assert app.request(late).manager_on(date(2024, 4, 20)) == "Mia"
    assert app.request(late).account_manager == "Bob"
    # a contract signed in April, recorded now, is Mia's until 1 May and Bob's from then on
    signed = app.sign_contract(
        books.acme,
        number="MC-2",
        term=Period(date(2024, 4, 15), date(2025, 4, 15)),
        frequency=BillingFrequency.ANNUAL,
        signed_on=date(2024, 4, 15),
        actor=A,
    )
    assert app.contract(signed).manager_on(date(2024, 4, 15)) == "Mia"
    assert app.contract(signed).account_manager == "Bob"
    app.close()


def test_an_ended_contract_and_a_cancelled_request_are_handed_over_keeping_mias_days() -> None:
    """MC-1 terminated from 20 April has no day from 1 May on, yet an invoice of it voided is
    drafted again after it (as a last period billed in arrears would be): it is handed over
    and names Mia on every day before 1 May. The quote for Reports, cancelled, is handed over
    as every request naming Mia (one cancelled may still bill the work done): it names Mia on
    every day before 1 May too."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    app.cancel_request(books.reports, cancelled_on=date(2024, 4, 3), reason="no", actor=A)
    app.terminate_contract(
        books.contract,
        effective=date(2024, 4, 20),
        reason="moved away",
        actor=A,
        noticed_on=date(2024, 4, 3),
    )
    books.hand_over()
    reports = app.request(books.reports)
    assert reports.manager_on(APRIL_30) == "Mia" and reports.account_manager == "Bob"
    mc1 = app.contract(books.contract)
    assert mc1.manager_on(APRIL_30) == "Mia" and mc1.account_manager == "Bob"
    assert app.request(books.export).account_manager == "Bob"
    app.close()


def test_the_reports_name_mia_before_the_handover_and_bob_from_its_day() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    books.hand_over()
    unbilled, review, awaiting, statement = followed_and_rebuilt(app)
    # Export's and Dashboard's four hours each; MC-1 is billed through April
    assert unbilled_by_manager(unbilled, APRIL_30) == {"Mia": Decimal(400), "Zoe": Decimal(400)}
    # (and MC-1's May period, due on 1 May, is Bob's)
    assert unbilled_by_manager(unbilled, MAY_2) == {"Bob": Decimal(500), "Zoe": Decimal(400)}
    managers = {i.title: i.account_manager for i in review.items(APRIL_30)}
    assert managers == {"Export": "Mia", "Dashboard": "Zoe", "Reports": "Mia"}
    managers = {i.title: i.account_manager for i in review.items(MAY_2)}
    assert managers == {"Export": "Bob", "Dashboard": "Zoe", "Reports": "Bob"}
    assert [q.account_manager for q in awaiting.awaiting(APRIL_30)] == ["Mia"]
    assert [q.account_manager for q in awaiting.awaiting(MAY_2)] == ["Bob"]
    assert statement.statement(books.acme, APRIL_30).account_manager == "Mia"
    assert statement.statement(books.acme, MAY_1).account_manager == "Bob"
    assert statement.statement(books.acme).account_manager == "Bob"
    app.close()


def test_mays_contract_invoice_names_bob_aprils_mia_and_aprils_commission_is_mias() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    books.hand_over()
    run = app.run_billing(MAY_1, actor="billing")
    (may,) = [d.invoice_id for d in run.documents]
    assert app.invoice(may).account_manager == "Bob"
    assert app.invoice(books.april).account_manager == "Mia"
    on = date(2024, 4, 1)
    app.approve_invoice(books.april, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(books.april, role="account_manager", approved_on=on, actor="Mia")
    number = app.issue_invoice(books.april, issued_on=on, actor="bea")
    paid = app.receive_payment(
        books.acme, eur("121.00"), received_on=date(2024, 6, 10), reference=number, actor=A
    )
    app.allocate_payment(paid, allocated_on=date(2024, 6, 10), actor=A)
    commissions = Commissions()
    rebuild(app, [commissions])
    assert {line.manager for line in commissions.lines()} == {"Mia"}
    app.close()


REFUSALS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"to_manager": "   "}, InvalidValue, "to_manager"),
    ({"to_manager": "\u200b"}, InvalidValue, "to_manager"),
    ({"to_manager": 7}, InvalidValue, "to_manager"),
    ({"to_manager": "MIA "}, RuleViolated, "to_manager"),
    ({"effective_on": datetime(2024, 5, 1, 9)}, InvalidValue, "effective_on"),
    ({"effective_on": "2024-05-01"}, InvalidValue, "effective_on"),
    ({"effective_on": None}, InvalidValue, "effective_on"),
]


@pytest.mark.parametrize(("given", "error", "field"), REFUSALS)
def test_a_handover_to_nobody_to_mia_again_or_on_no_day_is_refused(
    given: dict[str, Any], error: type[Exception], field: str
) -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    kwargs: dict[str, Any] = {"to_manager": "Bob", "effective_on": MAY_1, **given}
    recorded = app.recorder.max_notification_id()
    with pytest.raises(error) as refused:
        app.hand_over_customer(books.acme, actor="hr", **kwargs)
    assert refused.value.field == field  # type: ignore[attr-defined]
    assert app.recorder.max_notification_id() == recorded
    assert app.customer(books.acme).account_manager == "Mia"
    app.close()


def test_a_handover_dated_before_the_last_one_is_refused_and_records_nothing() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    books.hand_over()
    recorded = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        books.hand_over(date(2024, 4, 30), to="Zoe")
    assert refused.value.field == "effective_on"
    assert app.recorder.max_notification_id() == recorded
    # the same day is no earlier: Bob hands Acme on to Zoe, the request and contract follow
    books.hand_over(MAY_1, to="Zoe")
    assert app.customer(books.acme).manager_on(MAY_1) == "Zoe"
    assert app.contract(books.contract).account_manager == "Zoe"
    app.close()


def test_the_aggregates_refuse_a_day_before_they_began() -> None:
    """A request is handed over no earlier than it was asked for, a contract no earlier than
    it was signed, nothing recorded (the application hands over a request or contract that
    began after the handover's day from its own first day)."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    request: EnhancementRequest = app.request(books.export)
    with pytest.raises(RuleViolated) as refused:
        request.hand_over("Bob", date(2024, 2, 28), "hr")
    assert refused.value.field == "effective_on" and not request.collect_events()
    contract: Contract = app.contract(books.contract)
    with pytest.raises(RuleViolated) as refused:
        contract.hand_over("Bob", date(2023, 12, 14), "hr")
    assert refused.value.field == "effective_on" and not contract.collect_events()
    customer: Customer = app.customer(books.acme)
    with pytest.raises(InvalidValue) as blank:
        customer.hand_over("", MAY_1, "hr")
    assert blank.value.field == "to_manager" and not customer.collect_events()
    # a request opened after the handover's day, still naming Mia, is Bob's from its first day
    june = app.open_request(books.acme, "June", requested_on=date(2024, 6, 1), actor=A)
    books.hand_over()
    assert app.request(june).manager_on(date(2024, 6, 1)) == "Bob"
    app.close()


def replayed(app: QuoteToCash, aggregate_id: UUID) -> dict[str, Any]:
    aggregate: Any = None
    for e in app.repository.event_store.get(aggregate_id):
        aggregate = e.mutate(aggregate)
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def test_on_a_sqlite_file_the_handover_reads_back_from_events_and_snapshots(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    books = Books(app)
    books.hand_over()
    books.hand_over(date(2024, 6, 1), to="Zoe")
    ids = (books.acme, books.export, books.contract)
    for aggregate_id in ids:
        app.take_snapshot(aggregate_id)
    app.close()
    reopened = QuoteToCash.open(url)
    for aggregate_id in ids:
        assert reopened.snapshots is not None
        assert list(reopened.snapshots.get(aggregate_id))
        loaded = reopened.repository.get(aggregate_id)
        state = {k: v for k, v in vars(loaded).items() if k != "_pending_events"}
        assert state == replayed(reopened, aggregate_id)
        assert loaded.manager_on(APRIL_30) == "Mia"
        assert loaded.manager_on(MAY_2) == "Bob"
        assert loaded.account_manager == "Zoe"
    unbilled, *_ = followed_and_rebuilt(reopened)
    assert unbilled_by_manager(unbilled, MAY_2) == {"Bob": Decimal(500), "Zoe": Decimal(400)}
    assert set(unbilled_by_manager(unbilled, date(2024, 6, 2))) == {"Zoe"}
    reopened.close()
