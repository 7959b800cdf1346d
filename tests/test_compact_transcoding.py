"""The compact stored form: hot values as short strings, defaults left out, odd values kept."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from hypothesis import given, settings
from test_transcoding_roundtrip import values

from q2c_core import (
    InvoiceLine,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
)
from q2c_core.projections.decoding import TrustedDecoder

APP = QuoteToCash.open("memory:")
TRANSCODER: Any = APP.mapper.transcoder
TRUSTED = TrustedDecoder(APP)


def stored(value: Any) -> Any:
    return json.loads(TRANSCODER.encode({"v": value}))["v"]


def back(value: Any) -> Any:
    return TRANSCODER.decode(TRANSCODER.encode({"v": value}))["v"]


def trusted_back(value: Any) -> Any:
    return TRUSTED.decode_state(TRANSCODER.encode({"v": value}))["v"]


def test_hot_values_are_short_readable_strings() -> None:
    assert stored(Money.of("12.50", "EUR")) == {"_type_": "q2c.Money", "_data_": "12.50 EUR"}
    assert stored(Period(date(2025, 1, 1), date(2025, 2, 1))) == {
        "_type_": "q2c.Period",
        "_data_": "2025-01-01/2025-02-01",
    }
    assert stored(TaxRate.standard(21))["_data_"] == "STANDARD 21"


def test_an_invoice_line_leaves_out_defaults_and_inlines_declared_types() -> None:
    contract = uuid4()
    line = InvoiceLine(
        line_id="L1",
        description="maintenance",
        quantity=Decimal("1"),
        unit_price=Money.of("16.48", "EUR"),
        tax=TaxRate.standard(21),
        source=LineSource(
            kind=SourceKind.CONTRACT_PERIOD,
            contract_id=contract,
            period=Period(date(2025, 1, 1), date(2025, 1, 11)),
            fraction=Decimal("0.3225806452"),
        ),
        revenue_kind=RevenueKind.MAINTENANCE,
    )
    data = stored(line)["_data_"]
    assert data["unit_price"] == "16.48 EUR"
    assert data["quantity"] == "1"
    assert "price_reason" not in data
    assert data["source"]["_data_"] == {
        "kind": "CONTRACT_PERIOD",
        "contract_id": contract.hex,
        "period": "2025-01-01/2025-01-11",
        "fraction": "0.3225806452",
    }
    assert back(line) == line
    assert trusted_back(line) == line


def test_exponents_and_signs_survive() -> None:
    for text in ("1E+2", "-0", "0.000", "12.3400", "-5.5"):
        m = Money.of(text, "EUR")
        assert repr(back(m)) == repr(m)
        assert repr(trusted_back(m)) == repr(m)


def test_a_value_that_does_not_match_its_declared_type_is_kept_in_the_plain_form() -> None:
    odd = Period(datetime(2025, 1, 1, 12, 0), datetime(2025, 2, 1))
    assert isinstance(stored(odd)["_data_"], list)
    got = back(odd)
    assert got == odd
    assert type(got.start) is datetime
    assert type(trusted_back(odd).start) is datetime


@settings(max_examples=150, deadline=None)
@given(value=values)
def test_trusted_decoding_gives_what_the_mapper_gives(value: Any) -> None:
    slow, fast = back(value), trusted_back(value)
    assert slow == value
    assert fast == slow
    assert type(fast) is type(slow)
    assert repr(fast) == repr(slow)
