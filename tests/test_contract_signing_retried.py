"""A contract signed from a CRM that retries after a lost response: the same signing sent
again (same customer, number, term, settings and sub-contracts) records nothing and returns
the id of the contract it signed, as a keyed draft returns its invoice; it was refused as a
DuplicateEntry, the CRM told the contract it had just signed was a second one. Another
contract under that number (another term, price or setting) is still refused naming number."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from test_contract_billing import YEAR, A, customer, sub

from q2c_core import BillingFrequency, DuplicateEntry, Period, QuoteToCash


def signing(**changed: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "number": "MC-1",
        "term": YEAR,
        "frequency": BillingFrequency.MONTHLY,
        "signed_on": date(2024, 1, 1),
        "actor": A,
        "sub_contracts": (sub("S1"), sub("S2", price=600)),
    }
    return {**facts, **changed}


def test_a_signing_sent_twice_signs_once(app: QuoteToCash) -> None:
    cust = customer(app)
    signed = app.sign_contract(cust, **signing())
    app.activate_contract(signed, effective=date(2024, 1, 1), actor=A)
    before = app.recorder.max_notification_id()

    assert app.sign_contract(cust, **signing(actor="crm")) == signed

    assert app.recorder.max_notification_id() == before
    assert app.customer(cust).contract_ids == [signed]


@pytest.mark.parametrize(
    "changed",
    [
        {"term": Period(date(2024, 1, 1), date(2026, 1, 1))},
        {"frequency": BillingFrequency.QUARTERLY},
        {"signed_on": date(2024, 1, 2)},
        {"sub_contracts": (sub("S1"), sub("S2", price=601))},
        {"auto_renew": True},
        {"number": "mc-1"},  # (the same number as read, typed otherwise)
    ],
)
def test_another_contract_under_the_number_is_refused(
    app: QuoteToCash, changed: dict[str, Any]
) -> None:
    cust = customer(app)
    signed = app.sign_contract(cust, **signing())
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        app.sign_contract(cust, **signing(**changed))
    assert refused.value.field == "number"
    assert refused.value.aggregate_id == signed
    assert app.recorder.max_notification_id() == before


def test_a_signing_sent_again_from_another_process_signs_once(reopen: Any) -> None:
    """The CRM's retry comes from its next process, on the stored contract (read back from a
    SQLite file or PostgreSQL, sub-contracts and settings as stored)."""
    first = reopen()
    cust = customer(first)
    signed = first.sign_contract(cust, **signing(auto_renew=True, renewal_uplift_percent="2.5"))
    again = reopen()
    before = again.recorder.max_notification_id()
    assert again.sign_contract(cust, **signing(auto_renew=True, renewal_uplift_percent="2.5")) == (
        signed
    )
    assert again.recorder.max_notification_id() == before
