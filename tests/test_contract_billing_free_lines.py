"""A free sub-contract's 0.00 line taken back by a correction gets no 0.00 credit note.

Acme's maintenance contract bills Support at 1,200 a year and a Pilot licence for nothing; the
January invoice names both, the licence on a 0.00 line. The contract records the days of such a
line a correction takes back with no credit note (``SupersededDays``), and only days a
document of the period names.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest
from test_contract_billing import A, contract, customer, eur, issue, sub

from q2c_core import (
    Contract,
    InvalidValue,
    Period,
    QuoteToCash,
    RuleViolated,
    SupersededDays,
)

JAN = Period(date(2024, 1, 1), date(2024, 2, 1))


@pytest.fixture
def app() -> Iterator[QuoteToCash]:
    application = QuoteToCash.open("memory:")
    yield application
    application.close()


def acme_with_a_paid_january(app: QuoteToCash) -> tuple[UUID, UUID, UUID, UUID]:
    """Acme's contract (Support 1,200 a year, the Pilot licence free), January invoiced
    (100.00 and a 0.00 line for the licence), issued and paid; the credit-note series opened.
    Returns (customer, contract, January invoice, credit-note series)."""
    series = app.open_number_series("CN", prefix="CN-", actor=A)
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("SUP", price=1200), sub("PILOT", price=0)))
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    assert [ln.net for ln in app.invoice(jan).lines] == [eur(100), eur(0)]
    issue(app, jan, date(2024, 1, 1))
    paid = app.receive_payment(
        cust, app.invoice(jan).total, received_on=date(2024, 1, 5), reference="r1", actor=A
    )
    app.allocate_payment(paid, allocated_on=date(2024, 1, 5), actor=A)
    assert app.invoice(jan).outstanding.is_zero()
    return cust, cid, jan, series


def test_the_contract_refuses_superseded_days_no_document_of_the_period_names(
    app: QuoteToCash,
) -> None:
    _, cid, jan, _ = acme_with_a_paid_january(app)
    contract_now = app.contract(cid)
    assert isinstance(contract_now, Contract)
    version = contract_now.version
    with pytest.raises(RuleViolated) as refused:
        contract_now.record_period_corrected(
            JAN, version, [], date(2024, 1, 10), A, [SupersededDays(cid, "PILOT", JAN)]
        )
    assert refused.value.field == "superseded"
    outside = Period(date(2024, 1, 20), date(2024, 2, 10))
    with pytest.raises(InvalidValue) as refused_days:
        contract_now.record_period_corrected(
            JAN, version, [], date(2024, 1, 10), A, [SupersededDays(jan, "PILOT", outside)]
        )
    assert refused_days.value.field == "superseded"
    assert contract_now.pending_events == []
