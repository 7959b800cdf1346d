"""A tax rate for a contract's periods from a day on or after its end (terminated or expired)
bills nothing: no period starts then, and a correction of its served days keeps the rate it
was billed at. It was recorded all the same and reported as a change (True), an auditor
reading a rate change no invoice will ever carry; it is refused naming ``effective``, as a
re-price from the end on is, nothing recorded. From a day it served, it is recorded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from test_contract_billing import A, contract, customer

from q2c_core import InvalidValue, QuoteToCash, TaxRate

RATE = TaxRate.standard(Decimal(21))


@pytest.mark.parametrize("effective", [date(2024, 7, 1), date(2024, 9, 1)])
def test_a_rate_from_the_end_of_a_terminated_contract_on_is_refused(
    app: QuoteToCash, effective: date
) -> None:
    signed = contract(app, customer(app))
    app.terminate_contract(
        signed, effective=date(2024, 7, 1), reason="closing", noticed_on=date(2024, 6, 1), actor=A
    )
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        app.change_contract_tax_rate(signed, tax_rate=RATE, effective=effective, actor=A)

    assert refused.value.field == "effective"
    assert "2024-07-01" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.contract(signed).tax_rates == ()


def test_a_rate_from_a_day_it_served_is_recorded(app: QuoteToCash) -> None:
    signed = contract(app, customer(app))
    app.terminate_contract(
        signed, effective=date(2024, 7, 1), reason="closing", noticed_on=date(2024, 6, 1), actor=A
    )
    assert app.change_contract_tax_rate(signed, tax_rate=RATE, effective=date(2024, 6, 1), actor=A)
    assert app.contract(signed).tax_rate_on(date(2024, 6, 1)) == RATE
    # (sent again: the rate in force on that day already, nothing recorded)
    assert not app.change_contract_tax_rate(
        signed, tax_rate=RATE, effective=date(2024, 6, 1), actor=A
    )
