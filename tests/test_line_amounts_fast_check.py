"""A billing run drafts thousands of invoices, so the check that a draft's amounts fit Money runs
first on bare Decimals. It must agree with Money's own steps on every set of lines: the fast
check never lets through what Money would refuse, and never refuses what Money accepts."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core import InvalidValue, InvoiceLine, Money, TaxRate
from q2c_core.domain.invoice_lines import (
    _amounts_fit,
    _check_amounts_as_money,
    check_line_amounts,
)
from q2c_core.domain.tax import TaxCategory

# amounts from cents to the edge of Money's range (below 10**15), quantities from a thousandth
# of an hour to a billion: products and sums cross the edge both ways
_AMOUNTS = st.one_of(
    st.decimals(min_value=Decimal("-999"), max_value=Decimal("999"), places=2),
    st.decimals(
        min_value=Decimal("-999999999999999.99"), max_value=Decimal("999999999999999.99"), places=2
    ),
    st.sampled_from([Decimal("999999999999999.995"), Decimal("499999999999999.995")]),
)
_QUANTITIES = st.one_of(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100"), places=3),
    st.decimals(min_value=Decimal("-1000000000"), max_value=Decimal("1000000000"), places=0),
)
_RATES = st.sampled_from(
    [
        TaxRate.standard(21),
        TaxRate.standard("21.00"),
        TaxRate.standard("7.7"),
        TaxRate.none(TaxCategory.ZERO_RATED),
    ]
)


def _line(n: int, amount: Decimal, quantity: Decimal, rate: TaxRate, currency: str) -> InvoiceLine:
    return InvoiceLine(f"L{n}", f"line {n}", quantity, Money(amount, currency), rate, None)


def _money_accepts(lines: list[InvoiceLine], currency: str) -> bool:
    try:
        _check_amounts_as_money(lines, currency, "lines")
    except InvalidValue:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_AMOUNTS, _QUANTITIES, _RATES), min_size=1, max_size=6),
    st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_the_fast_check_fits_exactly_what_money_accepts(
    rows: list[tuple[Decimal, Decimal, TaxRate]], currency: str
) -> None:
    """Invariant: lines pass the Decimal check if and only if Money's steps accept them."""
    lines = [_line(n, a, q, r, currency) for n, (a, q, r) in enumerate(rows, 1)]
    assert _amounts_fit(lines, currency) == _money_accepts(lines, currency)


def test_a_net_beyond_money_is_still_refused_naming_its_line() -> None:
    big = _line(1, Decimal("999999999999999.99"), Decimal(10), TaxRate.standard(21), "EUR")
    with pytest.raises(InvalidValue) as refused:
        check_line_amounts([big], "EUR")
    assert refused.value.field == "lines.L1"


def test_a_total_beyond_money_is_refused_naming_the_lines() -> None:
    half = Decimal("600000000000000.00")
    lines = [_line(n, half, Decimal(1), TaxRate.standard(21), "EUR") for n in (1, 2)]
    assert not _amounts_fit(lines, "EUR")
    with pytest.raises(InvalidValue) as refused:
        check_line_amounts(lines, "EUR")
    assert refused.value.field == "lines"


def test_lines_of_another_currency_are_left_to_the_money_steps() -> None:
    line = _line(1, Decimal(10), Decimal(1), TaxRate.standard(21), "USD")
    assert not _amounts_fit([line], "EUR")
    check_line_amounts([line], "EUR")  # (refused where lines are added, as before)


def test_each_field_of_a_wrong_type_is_still_named() -> None:
    """The compiled type test lets nothing through that the field-by-field check refuses: a
    wrong type in any field of a line or of its source is refused naming that field."""
    import attrs

    from q2c_core import LineSource, SourceKind
    from q2c_core.domain.invoice_lines import _LINE_TYPES, _SOURCE_TYPES

    good_source = LineSource(SourceKind.MANUAL)
    for name, _, _ in _SOURCE_TYPES:
        with pytest.raises(InvalidValue) as refused:
            attrs.evolve(good_source, **{name: 1.5})
        assert refused.value.field == name
    good_line = _line(1, Decimal(10), Decimal(1), TaxRate.standard(21), "EUR")
    for name, _, _ in _LINE_TYPES:
        with pytest.raises(InvalidValue) as refused:
            attrs.evolve(good_line, **{name: 1.5})
        assert refused.value.field == name
