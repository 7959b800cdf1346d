"""A renewal sent twice (a browser's time-out, a CRM replaying its change log) renews once:
the second, the same renewal of the same term, records nothing and says so (False), as a
retried change of a contract's tax rate or payment terms does. Another renewal dated on the
old term's end is refused as before."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer, eur, sub

from q2c_core import InvalidValue, QuoteToCash


def test_a_renewal_sent_twice_renews_once(app: QuoteToCash) -> None:
    """Mia renews MC-1 (S1 at 1,200.00 a year) for 2025 with a 5 % uplift; the page times
    out and she sends it again. MC-1 runs to 1 January 2026 with S1 at 1,260.00 from 2025
    (uplifted once, not 1,323.00), and the second sending recorded nothing."""
    cust = customer(app)
    signed = contract(app, cust, subs=(sub("S1"),))
    renewal = {"new_end": date(2026, 1, 1), "effective": date(2025, 1, 1), "uplift_percent": 5}

    assert app.renew_contract(signed, actor=A, **renewal) is True
    before = app.recorder.max_notification_id()
    assert app.renew_contract(signed, actor="mia", **renewal) is False

    assert app.recorder.max_notification_id() == before
    renewed = app.contract(signed)
    assert renewed.term.end == date(2026, 1, 1)
    assert renewed.sub_contracts["S1"].price_on(date(2025, 6, 1)) == eur(1260)


def test_a_renewal_sent_twice_with_new_prices_renews_once(app: QuoteToCash) -> None:
    cust = customer(app)
    signed = contract(app, cust, subs=(sub("S1"),))
    renewal = {
        "new_end": date(2026, 1, 1),
        "effective": date(2025, 1, 1),
        "new_prices": {"S1": eur(1500)},
    }
    assert app.renew_contract(signed, actor=A, **renewal) is True
    before = app.recorder.max_notification_id()
    assert app.renew_contract(signed, actor=A, **renewal) is False
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize(
    "other",
    [
        {"new_end": date(2026, 1, 1), "effective": date(2025, 1, 1), "uplift_percent": 7},
        {"new_end": date(2027, 1, 1), "effective": date(2025, 1, 1), "uplift_percent": 5},
        {"new_end": date(2026, 1, 1), "effective": date(2025, 1, 1)},
    ],
)
def test_another_renewal_dated_on_the_old_end_is_refused(
    app: QuoteToCash, other: dict[str, object]
) -> None:
    """Renewed for 2025 at +5 %, MC-1 is not renewed again from 1 January 2025 at +7 %, to
    2027, or without an uplift: each is refused naming ``effective`` (a renewal takes effect
    on the current term's end, now 1 January 2026); nothing recorded."""
    cust = customer(app)
    signed = contract(app, cust, subs=(sub("S1"),))
    app.renew_contract(
        signed, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A, uplift_percent=5
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.renew_contract(signed, actor=A, **other)  # type: ignore[arg-type]
    assert refused.value.field == "effective"
    assert app.recorder.max_notification_id() == before
