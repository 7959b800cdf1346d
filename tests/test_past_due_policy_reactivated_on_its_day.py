"""A contract reactivated by hand on the policy's day stays active when the policy for that
day is applied again (a nightly job retried, or run twice): the reactivation is a decision
taken on that day, knowing that day's late invoices. The policy for the next day judges the
contract as usual."""

from __future__ import annotations

from datetime import date

from test_contract_billing import contract, customer, issue, sub

from q2c_core import BillingFrequency, ContractStatus, QuoteToCash
from q2c_core.domain.billing import PastDuePolicy


def test_the_policy_applied_again_for_its_day_keeps_a_reactivation_of_that_day(
    app: QuoteToCash,
) -> None:
    """Acme's first quarter, 300.00, due on 1 February, is unpaid on the 5th: the policy (3
    days) suspends MC-1 on 5 February. Acme calls and promises to pay; Mia reactivates MC-1 on
    the 5th. The job for the 5th runs again: MC-1 stays active and nothing is recorded. On the
    6th, still unpaid, the policy suspends it again, naming the invoice."""
    cust = customer(app)
    signed = contract(app, cust, subs=(sub("S1"),), frequency=BillingFrequency.QUARTERLY)
    [invoice] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    number = issue(app, invoice, date(2024, 1, 2))
    policy = PastDuePolicy(3)
    assert app.apply_past_due_policy(policy, date(2024, 2, 5), actor="ops") == [signed]
    app.reactivate_contract(
        signed, effective=date(2024, 2, 5), reason="promise to pay", actor="mia"
    )
    before = app.recorder.max_notification_id()

    assert app.apply_past_due_policy(policy, date(2024, 2, 5), actor="ops") == []
    assert app.contract(signed).status is ContractStatus.ACTIVE
    assert app.contract(signed).history[-1].reason == "promise to pay"
    assert app.recorder.max_notification_id() == before

    assert app.apply_past_due_policy(policy, date(2024, 2, 6), actor="ops") == [signed]
    last = app.contract(signed).history[-1]
    assert last.status is ContractStatus.SUSPENDED and last.effective == date(2024, 2, 6)
    assert number in last.reason
