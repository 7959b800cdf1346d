"""An ERP's own reader hands contract rows to ``QuoteToCash.import_contracts``. Unlike a time
entry row, a contract row was not checked as it was made: a sub-contract's kind given as the
text "product" was recorded as text on the contract (not a SubContractKind), a contract number
as a number or a sub-contract as a dict ended in a bare AttributeError, and an effective_from
as a datetime in a bare TypeError. Each field is checked when the row is made: the wrong kind
is ``InvalidValue`` naming the field (and the line), nothing recorded."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from q2c_core import BillingFrequency, InvalidValue, Money
from q2c_core.domain.contract import SubContractKind
from q2c_core.domain.import_rows import ContractRow, SubContractRow

CONTRACT: dict[str, Any] = {
    "line": 2,
    "number": "MC-1",
    "customer_ref": "Acme GmbH",
    "term_start": date(2024, 1, 1),
    "term_end": date(2025, 1, 1),
    "frequency": BillingFrequency.MONTHLY,
    "signed_on": date(2023, 12, 15),
}
SUB: dict[str, Any] = {
    "sub_id": "ERP",
    "description": "ERP licence",
    "kind": SubContractKind.LICENCE,
    "effective_from": date(2024, 1, 1),
    "annual_price": Decimal("1200.00"),
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "product"),
        ("effective_from", datetime(2024, 1, 1, 9)),
        ("effective_to", "2024-12-31"),
        ("annual_price", 1200.0),
        ("sub_id", 7),
        ("effective_from_given", "no"),
    ],
)
def test_a_sub_contract_row_of_wrong_kinds_is_refused_naming_the_field(
    field: str, value: Any
) -> None:
    with pytest.raises(InvalidValue) as refused:
        SubContractRow(**{**SUB, field: value})
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", 5),
        ("customer_ref", None),
        ("term_start", datetime(2024, 1, 1)),
        ("frequency", "monthly"),
        ("auto_renew", "no"),
        ("renewal_uplift_percent", 3.5),
        ("sub", {"sub_id": "ERP"}),
        ("line", "2"),
        ("activated_on", "2024-01-01"),
    ],
)
def test_a_contract_row_of_wrong_kinds_is_refused_naming_the_field_and_line(
    field: str, value: Any
) -> None:
    with pytest.raises(InvalidValue) as refused:
        ContractRow(**{**CONTRACT, field: value})
    assert refused.value.field == field
    if field != "line":
        assert "(line 2)" in refused.value.rule


def test_rows_of_the_right_kinds_are_made() -> None:
    sub = SubContractRow(**{**SUB, "annual_price": Money.of("1200", "EUR")})
    row = ContractRow(**CONTRACT, sub=sub, renewal_uplift_percent=Decimal(3), auto_renew=True)
    assert row.sub is sub
