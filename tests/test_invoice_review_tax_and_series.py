"""Invoices drafted by hand: a tax rate and a numbering series take only what every invoice,
document and report can read back.

A tax rate names its EN 16931 category as a ``TaxCategory``; the code ``"Z"`` typed in its
place was recorded and made every query over the customer's invoices fail once read back from
the store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from q2c_core import (
    InvalidValue,
    InvoiceLine,
    LineSource,
    QuoteToCash,
    SourceKind,
    TaxCategory,
    TaxRate,
)
from q2c_core.domain.money import Money

A = "alice"


def manual_line(line_id: str, price: str, tax: TaxRate) -> InvoiceLine:
    return InvoiceLine(
        line_id=line_id,
        description=f"consulting {line_id}",
        quantity=Decimal(1),
        unit_price=Money.of(price, "EUR"),
        tax=tax,
        source=LineSource(SourceKind.MANUAL),
    )


@pytest.mark.parametrize(("category", "rate"), [("XX", "0"), ("Z", "0"), ("S", "19"), (None, "0")])
def test_a_tax_rate_whose_category_is_text_is_refused_naming_it(
    category: object, rate: str
) -> None:
    """A developer types the category's code instead of the enum: refused when the rate is
    made, naming ``tax_rate.category`` (before, ``"S"`` at 19 % raised a bare AttributeError,
    and ``"XX"`` at 0 % was taken)."""
    with pytest.raises(InvalidValue) as refused:
        TaxRate(category, Decimal(rate))  # type: ignore[arg-type]
    assert refused.value.field == "tax_rate.category"
    assert "TaxCategory" in str(refused.value)


def test_acmes_invoices_still_read_back_after_a_clerk_typed_a_category_code(
    tmp_path: Path,
) -> None:
    """Acme's clerk drafts a line zero-rated as ``TaxRate("XX", 0)``: refused, nothing
    recorded, and Acme's invoices read back from the store as before; the enum is taken."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    with pytest.raises(InvalidValue):
        app.draft_invoice(
            acme,
            [manual_line("L1", "100", TaxRate("XX", Decimal(0)))],  # type: ignore[arg-type]
            drafted_on=date(2026, 3, 2),
            actor="billy",
        )
    fine = app.draft_invoice(
        acme,
        [manual_line("L1", "100", TaxRate(TaxCategory.ZERO_RATED, Decimal(0)))],
        drafted_on=date(2026, 3, 2),
        actor="billy",
    )
    again = QuoteToCash.open(url)
    assert [i.id for i in again.invoices(acme)] == [fine]
    assert again.invoice(fine).lines[0].tax.category is TaxCategory.ZERO_RATED


@pytest.mark.parametrize("prefix", ["RE\n2026-", "RE\t", "RE\u2028", "\u00a0RE-", " RE-"])
def test_a_series_whose_numbers_would_not_print_on_one_line_is_refused(prefix: str) -> None:
    """Billing opens a series for 2026 with a prefix pasted from a spreadsheet cell holding a
    line break (or a tab, or a leading space): its numbers, RE<line break>2026-000001, would
    print on two lines of the invoice, the e-invoice's ID and every export, and no payer could
    quote one. Refused, naming ``prefix``, nothing recorded; RE-2026- opens."""
    app = QuoteToCash.open("memory:")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.open_number_series("RE2026", prefix=prefix, actor=A)
    assert refused.value.field == "prefix"
    assert app.recorder.max_notification_id() == before
    app.open_number_series("RE2026", prefix="RE 2026-", actor=A)
