"""A standard rate above 0 % but below 0.5 % (0.1 %, a rate a tax table may hold) rounds to 0 in
EN 16931's BR-CO-17, which then wants a tax amount that rounds to nothing: the e-invoice of
1,000.00 at 0.1 % (1.00 tax) fails it. It is refused up front naming the lines' tax, and one
whose tax at that rate stays below half a unit is written and conforms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_beancount_ledger import issue
from test_ubl import SELLER, _customer, assert_conforms, validator  # noqa: F401

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_core import (
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
)


def _invoice_at(app: QuoteToCash, amount: str, rate: str) -> UUID:
    customer = _customer(app)
    line = InvoiceLine(
        line_id="L1",
        description="Stamp duty handling",
        quantity=Decimal(1),
        unit_price=Money.of(amount, "EUR"),
        tax=TaxRate.standard(rate),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=date(2024, 2, 29), actor="billy")
    issue(app, invoice, date(2024, 2, 29))
    return invoice


def test_a_tenth_of_a_percent_on_1000_is_refused_naming_the_lines_tax() -> None:
    app = QuoteToCash.open("memory:")
    invoice = _invoice_at(app, "1000", "0.1")
    assert app.invoice(invoice).tax == Money.of("1.00", "EUR")
    with pytest.raises(InvalidValue) as refused:
        UblRenderer(app, SELLER).render(invoice)
    assert refused.value.field == "lines.tax"
    assert "BR-CO-17" in str(refused.value) and "0.1 %" in str(refused.value)


def test_a_tenth_of_a_percent_on_400_is_written_and_conforms(validator: PeppolValidator) -> None:  # noqa: F811
    app = QuoteToCash.open("memory:")
    invoice = _invoice_at(app, "400", "0.1")
    assert app.invoice(invoice).tax == Money.of("0.40", "EUR")
    assert_conforms(validator.validate(UblRenderer(app, SELLER).render(invoice)))
