"""A hand-made overage line for more than the allowance's unbilled overage is refused naming the
line's quantity, on the invoice: Acme's 1-hour allowance, Bob's 3 hours, so 2 hours over; a
line billing 3 hours of that overage names ``lines.L1.quantity`` and the invoice, not an
internal ``quantities`` of the allowance, and nothing is recorded. 2 hours are billed as usual."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from test_overage_line_in_allowance_currency import A, acme_over_its_allowance, overage_line

from q2c_core import AllowanceUnit, Money, QuoteToCash, RuleViolated


@pytest.mark.parametrize(
    ("unit", "quantity", "price"),
    [(AllowanceUnit.HOURS, "3", "100"), (AllowanceUnit.MONEY, "3", "100")],
)
def test_an_overage_line_beyond_the_overage_is_refused_naming_its_quantity(
    app: QuoteToCash, unit: AllowanceUnit, quantity: str, price: str
) -> None:
    acme, allowance, request = acme_over_its_allowance(app, unit)
    before = app.recorder.max_notification_id()
    too_much = overage_line(request, allowance, quantity, Money.of(price, "EUR"))
    with pytest.raises(RuleViolated) as refused:
        app.draft_invoice(acme, [too_much], drafted_on=date(2024, 3, 20), actor=A)
    assert refused.value.field == "lines.L1.quantity"
    assert "L1" in str(refused.value) and "unbilled overage" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.allowance(allowance).billed_overage == {}
    right = overage_line(request, allowance, "2", Money.of(price, "EUR"))
    invoice = app.draft_invoice(acme, [right], drafted_on=date(2024, 3, 20), actor=A)
    assert app.invoice(invoice).net == Money.of("200.00", "EUR")
    assert app.unbilled_work(request) == Money.of("0.00", "EUR")
    assert Decimal(quantity) > 2
