"""An hourly estimate whose total Money cannot hold is refused naming the estimate's rate.

Hours typed as 1E12 at a rate of 1E12 EUR (two pasted columns) came to 1E24 EUR: the refusal
named ``amount``, a field estimate_request has none of, so the form could not say which of its
fields was wrong. It now names ``estimate.rate`` and says what the estimate comes to, nothing
recorded, as an estimate that rounds to nothing does.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_core import InvalidValue, Money, QuoteToCash, RequestStatus

A = "alice"


@pytest.mark.parametrize(("hours", "rate"), [("1e12", "1e12"), ("999999999999", "999999")])
def test_an_estimate_beyond_money_names_its_rate(app: QuoteToCash, hours: str, rate: str) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    version = app.request(export).version

    with pytest.raises(InvalidValue) as refused:
        app.estimate_request(export, hours=hours, rate=Money.of(rate, "EUR"), actor=A)

    assert refused.value.field == "estimate.rate"
    assert app.request(export).version == version  # nothing recorded
    assert app.request(export).status is RequestStatus.REQUESTED
