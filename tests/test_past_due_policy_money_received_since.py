"""The past-due policy applied late, after the customer sent the money: a transfer received
since the policy's day and not yet allocated (the bank file read, the matching not yet done)
is money the customer no longer owes, as an allocated one is. Each unit of money spares one
contract's late invoices, never two."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from test_contract_billing import A, contract, customer, eur, issue, sub

from q2c_core import BillingFrequency, ContractStatus, QuoteToCash
from q2c_core.domain.billing import PastDuePolicy


def _quarterly(app: QuoteToCash, cust: UUID, number: str) -> UUID:
    """A quarterly contract of 1,200.00 a year: its first quarter bills 300.00."""
    return contract(
        app, cust, number=number, subs=(sub("S1"),), frequency=BillingFrequency.QUARTERLY
    )


def test_a_transfer_received_since_the_policys_day_and_not_yet_allocated_spares_the_contract(
    app: QuoteToCash,
) -> None:
    """Acme's first quarter, 300.00, was due on 1 February and unpaid on 5 February. Acme sent
    the 300.00 on 10 February; it sits unallocated as Acme's credit. Ops apply the policy for
    5 February (3 days) only on the 12th: Acme owes nothing now, so its maintenance is not cut
    off. Had the money not come, the contract would be suspended naming the invoice."""
    cust = customer(app)
    signed = _quarterly(app, cust, "MC-1")
    [invoice] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, invoice, date(2024, 1, 2))
    app.receive_payment(
        cust, eur(300), received_on=date(2024, 2, 10), reference="transfer", actor=A
    )
    before = app.recorder.max_notification_id()

    assert app.apply_past_due_policy(PastDuePolicy(3), date(2024, 2, 5), actor="ops") == []
    assert app.contract(signed).status is ContractStatus.ACTIVE
    assert app.recorder.max_notification_id() == before


def test_money_received_since_spares_as_many_contracts_as_it_pays_for(app: QuoteToCash) -> None:
    """Two contracts, MC-1 and MC-2, each with 300.00 due on 1 February and unpaid on 5
    February; on 10 February Acme sent 300.00, unallocated. Applied late for 5 February, the
    policy spares one contract (the money pays one quarter) and suspends the other, naming its
    invoice: the same 300.00 does not pay twice."""
    cust = customer(app)
    first = _quarterly(app, cust, "MC-1")
    second = _quarterly(app, cust, "MC-2")
    invoices = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    assert len(invoices) == 2
    for invoice in invoices:
        issue(app, invoice, date(2024, 1, 2))
    app.receive_payment(
        cust, eur(300), received_on=date(2024, 2, 10), reference="transfer", actor=A
    )

    suspended = app.apply_past_due_policy(PastDuePolicy(3), date(2024, 2, 5), actor="ops")

    assert len(suspended) == 1
    statuses = {app.contract(c).status for c in (first, second)}
    assert statuses == {ContractStatus.ACTIVE, ContractStatus.SUSPENDED}
    assert "unpaid" in app.contract(suspended[0]).history[-1].reason


def test_money_held_on_the_policys_day_and_still_unallocated_is_counted_once(
    app: QuoteToCash,
) -> None:
    """Acme held 300.00 unallocated on 5 February already (sent on the 3rd) and still does; two
    contracts each owe 300.00 due on 1 February. The policy for 5 February, applied on the
    12th, spares one and suspends the other: money held then and now is one sum, not two."""
    cust = customer(app)
    _quarterly(app, cust, "MC-1")
    _quarterly(app, cust, "MC-2")
    for invoice in app.run_billing(date(2024, 1, 1), actor="run").invoice_ids:
        issue(app, invoice, date(2024, 1, 2))
    app.receive_payment(cust, eur(300), received_on=date(2024, 2, 3), reference="early", actor=A)

    suspended = app.apply_past_due_policy(PastDuePolicy(3), date(2024, 2, 5), actor="ops")

    assert len(suspended) == 1
