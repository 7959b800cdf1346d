"""A request's account manager names someone: the request's invoices are approved by them and
its commission is theirs. A request opened with a blank one (spaces, an invisible character) is
refused, and the commissions of a request recorded with one before the rule go to the
customer's account manager, as for an invoice that names none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest
from conftest import rewrite_stored_event
from test_story_invoice import A, approve, customer, eur

from q2c_core import EnhancementRequest, InvalidValue, Period, QuoteToCash, TimeEntry
from q2c_core.projections import Commissions, catch_up, rebuild

JAN = Period(date(2026, 1, 1), date(2026, 2, 1))


@pytest.mark.parametrize("blank", ["", "   ", "\u200b", " \u3000 "])
def test_a_request_opened_with_a_blank_account_manager_is_refused(blank: str) -> None:
    """Opening a request for Acme with an account manager of spaces only (or an invisible
    character) is refused naming account_manager, and nothing is recorded: no request, and
    Acme lists none. Left out, the request's manager is Acme's own."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    recorded = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.open_request(
            cust, "Export", requested_on=date(2026, 1, 1), actor=A, account_manager=blank
        )
    assert refused.value.field == "account_manager"
    assert app.recorder.max_notification_id() == recorded
    assert app.customer(cust).request_ids == []
    with pytest.raises(InvalidValue) as direct:
        EnhancementRequest(
            customer_id=uuid4(),
            title="Export",
            account_manager=blank,
            requested_on=date(2026, 1, 1),
            actor=A,
        )
    assert direct.value.field == "account_manager"
    request = app.open_request(cust, "Export", requested_on=date(2026, 1, 1), actor=A)
    assert app.request(request).account_manager == "mia"
    app.close()


def test_a_request_recorded_with_a_blank_manager_before_the_rule_pays_the_customers(
    tmp_path: Path,
) -> None:
    """A request recorded before the rule with an account manager of three spaces, and its
    invoice (400.00 of enhancement work, 484.00 paid on 20 January) naming the same: the 5 %
    commission, 20.00, is the customer's account manager mia's, not a manager called '   ',
    following the books or rebuilt; and no blank manager is listed."""
    db = tmp_path / "books.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    cust = customer(app)
    request = app.open_request(
        cust, "Export", requested_on=date(2026, 1, 1), actor=A, account_manager="mia"
    )
    app.estimate_request(request, hours=10, rate=eur("100"), actor=A)
    app.send_quote(request, sent_on=date(2026, 1, 2), actor=A)
    app.receive_purchase_order(
        request, number="PO-1", amount=eur("1000"), received_on=date(2026, 1, 3), actor=A
    )
    app.authorize_work(request, authorized_on=date(2026, 1, 4), actor=A)
    entry = TimeEntry("t1", "bob", date(2026, 1, 5), Decimal(4), eur("100"))
    app.log_work(request, entry, actor="bob")
    app.complete_request(request, completed_on=date(2026, 1, 6), actor=A)
    invoice = app.draft_request_invoice(request, drafted_on=date(2026, 1, 7), actor="billy")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=date(2026, 1, 7), actor="bea")
    paid = app.receive_payment(
        cust, eur("484.00"), received_on=date(2026, 1, 20), reference="p", actor=A
    )
    app.allocate_payment(paid, allocated_on=date(2026, 1, 20), actor=A)
    app.close()

    def blank(facts: dict[str, object]) -> None:
        facts["account_manager"] = "   "

    rewrite_stored_event(db, "EnhancementRequest.Requested", blank)
    rewrite_stored_event(db, "Invoice.Drafted", blank)
    app = QuoteToCash.open(f"sqlite:///{db}")
    assert app.request(request).account_manager == "   "
    live = Commissions()
    catch_up(app, [live])
    assert live.balances() == {("mia", "EUR"): eur("20.00")}
    assert live.statement("mia", JAN).totals == {"EUR": eur("20.00")}
    assert live.managers() == {"mia"}
    rebuilt = Commissions()
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == live.lines()
    app.close()
