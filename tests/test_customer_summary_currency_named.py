"""A customer summary in a currency names one: the customer's own (none given), or another.

Found by review: ``customer_summary(acme, currency="")`` (an empty form field, a CLI option
left blank by a script) was read as no currency and gave Acme's EUR figures under the
currency asked for, where ``customer_credit(acme, "")`` refused the same empty text. Now an
empty currency is refused (``InvalidValue`` naming ``currency``), as is any text that is no
ISO 4217 code; none given is the customer's own currency, as before.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("currency", ["", " ", "eur", "EURO", 978])
def test_a_summary_in_no_currency_is_refused_as_the_credit_in_it_is(currency: object) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    for ask in (
        lambda: app.customer_summary(acme, currency=currency),  # type: ignore[arg-type]
        lambda: app.customer_summary(acme, as_of=date(2024, 5, 1), currency=currency),  # type: ignore[arg-type]
        lambda: app.customer_credit(acme, currency),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidValue) as refused:
            ask()
        assert refused.value.field == "currency"


def test_without_a_currency_the_summary_is_in_the_customer_s_own() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "USD", account_manager="mia", actor="bea")
    assert app.customer_summary(acme).currency == "USD"
    assert app.customer_summary(acme, as_of=date(2024, 5, 1)).currency == "USD"
    assert app.customer_summary(acme, currency="EUR").currency == "EUR"
