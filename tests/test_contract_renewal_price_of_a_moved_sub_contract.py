"""A renewal's new price for a sub-contract that moved to another master contract priced
nothing: it was recorded on the contract the sub-contract left, which bills none of its days
again, while the contract it moved to kept billing the old price. It is refused, naming
``new_prices`` and the contract to price it on; nothing is recorded."""

from __future__ import annotations

from datetime import date

from test_contract_billing import A, contract, customer, eur, sub

from q2c_core import Period, QuoteToCash, RuleViolated


def test_a_new_price_for_a_sub_contract_that_moved_away_is_refused(app: QuoteToCash) -> None:
    """S1 moved from MC-1 to MC-2 on 1 June 2024. Renewing MC-1 for 2025 with S1 and S2 at
    2,400.00 a year is refused (S1 is billed by MC-2: re-price it there); MC-1's term and
    prices stay as they were, and the renewal with S2's price alone is taken."""
    cust = customer(app)
    first = contract(app, cust, subs=(sub("S1"), sub("S2")))
    two_years = Period(date(2024, 1, 1), date(2026, 1, 1))
    second = contract(app, cust, number="MC-2", subs=(sub("T1"),), term=two_years)
    app.reassign_sub_contract(first, "S1", second, effective=date(2024, 6, 1), actor=A)
    before = app.recorder.max_notification_id()

    try:
        app.renew_contract(
            first,
            new_end=date(2026, 1, 1),
            effective=date(2025, 1, 1),
            new_prices={"S1": eur(2400), "S2": eur(2400)},
            actor=A,
        )
    except RuleViolated as error:
        refused = error
    else:
        raise AssertionError("the renewal priced a sub-contract another contract bills")

    assert refused.field == "new_prices"
    assert "S1" in str(refused) and str(second) in str(refused)
    assert app.recorder.max_notification_id() == before
    assert app.contract(first).term.end == date(2025, 1, 1)
    assert len(app.contract(first).sub_contracts["S1"].prices) == 1

    assert app.renew_contract(
        first,
        new_end=date(2026, 1, 1),
        effective=date(2025, 1, 1),
        new_prices={"S2": eur(2400)},
        actor=A,
    )
    assert app.contract(first).sub_contracts["S2"].price_on(date(2025, 1, 1)) == eur(2400)
    assert app.contract(second).sub_contracts["S1"].price_on(date(2025, 1, 1)) == eur(1200)
