"""A re-price of a sub-contract sent twice (a page timed out, a CRM replaying its change log)
is recorded once and the second sending says so (False), as a removal sent again records
nothing: it was recorded twice (two identical price points in the history, an auditor reading
two decisions)."""

from __future__ import annotations

from datetime import date

from test_contract_billing import A, contract, customer, eur, sub

from q2c_core import QuoteToCash


def test_a_reprice_sent_twice_is_recorded_once(app: QuoteToCash) -> None:
    """Mia re-prices S1 to 1,500.00 from 1 June and sends it again: one price point."""
    signed = contract(app, customer(app), subs=(sub("S1"),))
    reprice = {"effective": date(2024, 6, 1), "annual_price": eur(1500), "actor": A}

    assert app.reprice_sub_contract(signed, "S1", **reprice) is True  # type: ignore[arg-type]
    before = app.recorder.max_notification_id()
    assert app.reprice_sub_contract(signed, "S1", **reprice) is False  # type: ignore[arg-type]

    assert app.recorder.max_notification_id() == before
    prices = app.contract(signed).sub_contracts["S1"].prices
    assert [(p.effective, p.annual_price) for p in prices] == [
        (date(2024, 1, 1), eur(1200)),
        (date(2024, 6, 1), eur(1500)),
    ]


def test_another_price_from_that_day_is_recorded(app: QuoteToCash) -> None:
    signed = contract(app, customer(app), subs=(sub("S1"),))
    app.reprice_sub_contract(
        signed, "S1", effective=date(2024, 6, 1), annual_price=eur(1500), actor=A
    )
    assert (
        app.reprice_sub_contract(
            signed, "S1", effective=date(2024, 6, 1), annual_price=eur(1400), actor=A
        )
        is True
    )
    assert app.contract(signed).sub_contracts["S1"].price_on(date(2024, 6, 1)) == eur(1400)


def test_a_price_agreed_on_a_renewal_day_at_the_uplifts_amount_is_recorded(
    app: QuoteToCash,
) -> None:
    """MC-1 renewed at +5 % (S1 1,260.00 from 2025); Mia records 1,260.00 from 1 January 2025
    as agreed: the same amount, but a price agreed now, no longer the uplift's (a later
    re-price of 2024 does not carry into it), so it is recorded."""
    signed = contract(app, customer(app), subs=(sub("S1"),))
    app.renew_contract(
        signed, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A, uplift_percent=5
    )
    assert (
        app.reprice_sub_contract(
            signed, "S1", effective=date(2025, 1, 1), annual_price=eur(1260), actor=A
        )
        is True
    )
