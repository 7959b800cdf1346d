"""A currency given as a list (``["EUR"]``, as a form or a JSON body hands it over) made Money
and ``minor_units`` fail with Python's own ``TypeError: unhashable type``; it is now refused as
any other code that is no ISO 4217 code: ``InvalidValue`` naming ``currency``."""

from __future__ import annotations

import pytest

from q2c_core import InvalidValue, Money, minor_units


@pytest.mark.parametrize("currency", [["EUR"], {"EUR": 2}, {"EUR"}])
def test_a_currency_of_the_wrong_kind_is_refused_naming_currency(currency: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        minor_units(currency)  # type: ignore[arg-type]
    assert refused.value.field == "currency"
    with pytest.raises(InvalidValue) as refused:
        Money.of("12.50", currency)  # type: ignore[arg-type]
    assert refused.value.field == "currency"
