"""Mia leaves; Bob takes over Acme from 1 May 2024 (``hand_over_customer``). What can still
be billed from that day on is handed over with Acme, whatever its status says:

- MC-1, given notice in April and terminated from 1 September, is TERMINATED at once yet billed
  May to August: May's run invoice names Bob, and so does its unbilled May period; a contract
  whose (cut) term ends on or before 1 May has no day of Bob's and stays Mia's history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from test_account_manager_handover import (
    APRIL_30,
    MAY_1,
    A,
    Books,
    followed_and_rebuilt,
    unbilled_by_manager,
)

from q2c_core import QuoteToCash

JUNE_2 = date(2024, 6, 2)

# -- 1. a contract given notice is billed until its term ends --------------------------------


def test_a_contract_given_notice_is_handed_over_and_mays_invoice_names_bob() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    app.terminate_contract(
        books.contract,
        effective=date(2024, 9, 1),
        reason="notice given",
        actor=A,
        noticed_on=date(2024, 4, 15),
    )
    books.hand_over()
    contract = app.contract(books.contract)
    assert contract.account_manager == "Bob"
    assert contract.manager_on(APRIL_30) == "Mia" and contract.manager_on(MAY_1) == "Bob"
    run = app.run_billing(MAY_1, actor="billing")
    assert [app.invoice(d.invoice_id).account_manager for d in run.documents] == ["Bob"]
    unbilled, *_ = followed_and_rebuilt(app)
    # Export's four hours went to Bob with Acme, Dashboard's stay Zoe's; MC-1's June is Bob's
    assert unbilled_by_manager(unbilled, JUNE_2) == {"Bob": Decimal(500), "Zoe": Decimal(400)}
    app.close()


def test_a_contract_whose_expiry_is_recorded_ahead_is_handed_over_too() -> None:
    """Its expiry at the term's end recorded in April (EXPIRED at once): still billed from May
    to December, so Bob's from 1 May."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    app.expire_contract(books.contract, effective=date(2025, 1, 1), actor=A)
    books.hand_over()
    assert app.contract(books.contract).manager_on(MAY_1) == "Bob"
    app.close()


@settings(max_examples=12, deadline=None)
@given(end=st.dates(min_value=date(2024, 4, 2), max_value=date(2024, 12, 31)))
def test_a_terminated_contract_is_handed_over_exactly_when_its_term_runs_past_the_day(
    end: date,
) -> None:
    """Terminated from any day: handed over when its cut term has a day on or after 1 May
    (the term's end day is not in it), else it stays Mia's history."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    app.terminate_contract(
        books.contract, effective=end, reason="notice given", actor=A, noticed_on=date(2024, 4, 1)
    )
    books.hand_over()
    contract = app.contract(books.contract)
    assert contract.manager_on(APRIL_30) == "Mia"
    assert contract.account_manager == ("Bob" if end > MAY_1 else "Mia")
    app.close()
