"""Tax is computed once per category on the sum of line nets (EN 16931 BR-CO-17)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.invoice_lines import (
    InvoiceLine,
    LineSource,
    SourceKind,
    lines_net,
    lines_tax,
    lines_total,
)
from q2c_core.domain.money import Money, total
from q2c_core.domain.tax import TaxCategory, TaxRate, tax_subtotals

FAST = settings(max_examples=60, deadline=None)


def line(n: int, price: str, rate: TaxRate, quantity: str = "1") -> InvoiceLine:
    return InvoiceLine(
        line_id=f"L{n}",
        description=f"line {n}",
        quantity=Decimal(quantity),
        unit_price=Money.of(price, "EUR"),
        tax=rate,
        source=LineSource(SourceKind.MANUAL),
    )


def test_known_answer_three_lines_of_ten_cents_at_25_percent() -> None:
    rate = TaxRate.standard(25)
    lines = [line(i, "0.10", rate) for i in range(3)]
    (subtotal,) = lines_tax(lines, "EUR")
    assert subtotal.taxable == Money.of("0.30", "EUR")
    assert subtotal.tax == Money.of("0.08", "EUR")  # per line it would be 3 x 0.03 = 0.09
    assert lines_total(lines, "EUR") == Money.of("0.38", "EUR")


def test_categories_are_kept_apart_in_order_of_first_line() -> None:
    std, exempt = TaxRate.standard(21), TaxRate.none(TaxCategory.EXEMPT)
    subtotals = tax_subtotals(
        [
            (exempt, Money.of("50", "EUR")),
            (std, Money.of("10.00", "EUR")),
            (std, Money.of("0.05", "EUR")),
        ],
        "EUR",
    )
    assert [s.tax_rate for s in subtotals] == [exempt, std]
    assert subtotals[0].tax == Money.of("0.00", "EUR")
    assert subtotals[1].taxable == Money.of("10.05", "EUR")
    assert subtotals[1].tax == Money.of("2.11", "EUR")  # 2.1105


def test_tax_rate_rules() -> None:
    with pytest.raises(InvalidValue):
        TaxRate.standard(-1)
    with pytest.raises(InvalidValue):
        TaxRate.standard(101)
    with pytest.raises(InvalidValue):
        TaxRate.standard(21.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        TaxRate(TaxCategory.EXEMPT, Decimal(5))
    assert TaxRate.none().category is TaxCategory.OUTSIDE_SCOPE
    assert TaxCategory.REVERSE_CHARGE.code == "AE"


rates = st.sampled_from(
    [
        TaxRate.standard(21),
        TaxRate.standard(25),
        TaxRate.standard("5.5"),
        TaxRate.none(TaxCategory.EXEMPT),
    ]
)
prices = st.decimals(min_value=Decimal("-50"), max_value=Decimal("500"), places=3)
quantities = st.decimals(min_value=Decimal("0.25"), max_value=Decimal("40"), places=2)


@FAST
@given(st.lists(st.tuples(prices, quantities, rates), min_size=1, max_size=15))
def test_tax_is_rounded_once_per_category(
    specs: list[tuple[Decimal, Decimal, TaxRate]],
) -> None:
    """Each category's tax is its rate applied to the sum of the rounded line nets, rounded once
    (half up); the invoice total is exactly the sum of rounded line nets plus those taxes."""
    lines = [
        InvoiceLine(
            line_id=f"L{i}",
            description="x",
            quantity=q,
            unit_price=Money(p, "EUR"),
            tax=r,
            source=LineSource(SourceKind.MANUAL),
        )
        for i, (p, q, r) in enumerate(specs)
    ]
    for ln in lines:
        assert ln.net.is_rounded()
        assert ln.net == (ln.unit_price * ln.quantity).rounded()
    subtotals = lines_tax(lines, "EUR")
    assert len({s.tax_rate for s in subtotals}) == len(subtotals)
    for s in subtotals:
        base = total((ln.net for ln in lines if ln.tax == s.tax_rate), "EUR")
        assert s.taxable == base
        expected = (base.amount * s.tax_rate.rate / 100).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert s.tax.amount == expected
    net = lines_net(lines, "EUR")
    assert net == total((ln.net for ln in lines), "EUR")
    assert lines_total(lines, "EUR") == net + total((s.tax for s in subtotals), "EUR")
    assert lines_total(lines, "EUR").is_rounded()
