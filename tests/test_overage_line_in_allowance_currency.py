"""A hand-made invoice bills a prepaid allowance's overage only in the allowance's currency.

Acme's 100.00 EUR of prepaid enhancement money covers a request estimated in EUR; 3 hours at
100.00 EUR are worked, so 200.00 EUR are over. An invoice drafted by hand in USD with an
overage line of 200.00 USD naming the allowance would mark the 200.00 EUR billed: the customer
is asked for 200 dollars for 200 euros of work, and the rest is never billed again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    AllowanceUnit,
    CurrencyMismatch,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
    TimeEntry,
    charge_key,
)

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def acme_over_its_allowance(app: QuoteToCash, unit: AllowanceUnit) -> tuple[UUID, UUID, UUID]:
    """Acme, its EUR allowance (100.00 EUR, or 1 hour), and a request 200.00 EUR over it."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    allowance = app.grant_allowance(
        acme,
        unit=unit,
        quantity="100.00" if unit is AllowanceUnit.MONEY else "1",
        period=YEAR,
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    request = app.open_request(acme, "Tweak", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, hours=8, rate=Money.of(100, "EUR"), actor=A)
    app.cover_request_by_allowance(request, allowance, actor=A)
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    work = TimeEntry("t1", "bob", date(2024, 3, 10), Decimal(3), Money.of(100, "EUR"))
    app.log_work(request, work, actor="bob")
    return acme, allowance, request


def overage_line(request: UUID, allowance: UUID, quantity: str, price: Money) -> InvoiceLine:
    source = LineSource(
        SourceKind.ALLOWANCE_OVERAGE,
        request_id=request,
        time_entry_ids=("t1",),
        hours=Decimal(2),
        allowance_id=allowance,
    )
    return InvoiceLine(
        "L1",
        "Tweak: beyond the prepaid allowance",
        Decimal(quantity),
        price,
        TaxRate.standard(0),
        source,
        RevenueKind.ENHANCEMENT,
    )


@pytest.mark.parametrize(
    ("unit", "quantity"), [(AllowanceUnit.MONEY, "1"), (AllowanceUnit.HOURS, "2")]
)
def test_a_dollar_invoice_cannot_bill_the_overage_of_a_euro_allowance(
    app: QuoteToCash, unit: AllowanceUnit, quantity: str
) -> None:
    acme, allowance, request = acme_over_its_allowance(app, unit)
    before = app.recorder.max_notification_id()
    dollars = overage_line(request, allowance, quantity, Money.of(100 * 2 // int(quantity), "USD"))
    with pytest.raises(CurrencyMismatch) as refused:
        app.draft_invoice(acme, [dollars], drafted_on=date(2024, 3, 20), actor=A, currency="USD")
    assert refused.value.field == "lines.L1.unit_price"
    assert app.recorder.max_notification_id() == before  # nothing recorded
    assert app.allowance(allowance).billed_overage == {}
    assert app.unbilled_work(request) == Money.of("200.00", "EUR")

    # in euros, the same line bills the overage once
    euros = overage_line(request, allowance, quantity, Money.of(100 * 2 // int(quantity), "EUR"))
    invoice = app.draft_invoice(acme, [euros], drafted_on=date(2024, 3, 20), actor=A)
    assert app.invoice(invoice).net == Money.of("200.00", "EUR")
    billed = Decimal("200.00") if unit is AllowanceUnit.MONEY else Decimal(2)
    assert app.allowance(allowance).billed_overage == {charge_key(request, "t1"): billed}
    assert app.unbilled_work(request) == Money.of("0.00", "EUR")
