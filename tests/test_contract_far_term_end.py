"""A contract whose term ends past what the calendar can renew is refused when signed.

A CRM writing 9999-12-31 for "no end" made signing crash with a bare ValueError (year 10000
is out of range) from counting the term's whole months; now it is a typed refusal naming the
term, and nothing is recorded."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from q2c_core import BillingFrequency, InvalidValue, Period, QuoteToCash, TaxRate
from q2c_core.domain.contract import _whole_months


def _acme(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="bea", tax_rate=TaxRate.standard(21)
    )


@pytest.mark.parametrize("end", [date(9999, 12, 30), date(9999, 12, 31), date(3000, 1, 2)])
def test_a_term_ending_past_the_year_2999_is_refused_and_nothing_recorded(end: date) -> None:
    app = QuoteToCash.open("memory:")
    acme = _acme(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.sign_contract(
            acme,
            number="MC-1",
            term=Period(date(2024, 1, 1), end),
            frequency=BillingFrequency.MONTHLY,
            signed_on=date(2024, 1, 1),
            actor="bea",
        )
    assert refused.value.field == "term"
    assert app.recorder.max_notification_id() == before


def test_a_term_whose_last_day_is_in_2999_is_signed() -> None:
    app = QuoteToCash.open("memory:")
    acme = _acme(app)
    contract = app.sign_contract(
        acme,
        number="MC-1",
        term=Period(date(2024, 1, 1), date(3000, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 1, 1),
        actor="bea",
    )
    assert app.contract(contract).term.end == date(3000, 1, 1)


def test_whole_months_near_the_calendars_end_is_an_answer_not_a_crash() -> None:
    assert _whole_months(date(2024, 1, 1), date(9999, 12, 30)) is None
    assert _whole_months(date(9999, 1, 1), date(9999, 12, 1)) == 11


def test_a_renewal_past_the_year_2999_is_refused_and_nothing_recorded() -> None:
    """The limit a signed term has holds for a renewed one too (a renewal to 9999-12-31 was
    recorded, the term then running to the calendar's end)."""
    app = QuoteToCash.open("memory:")
    acme = _acme(app)
    contract = app.sign_contract(
        acme,
        number="MC-1",
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 1, 1),
        actor="bea",
    )
    app.activate_contract(contract, effective=date(2024, 1, 1), actor="bea")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.renew_contract(
            contract, new_end=date(9999, 12, 31), effective=date(2025, 1, 1), actor="bea"
        )
    assert refused.value.field == "new_end"
    assert app.recorder.max_notification_id() == before
    app.renew_contract(contract, new_end=date(3000, 1, 1), effective=date(2025, 1, 1), actor="bea")
    assert app.contract(contract).term.end == date(3000, 1, 1)
