"""Money received, allocated and refunded is written in its currency's minor units.

A Japanese customer's bank file gives yen with two decimals (1,500.00 JPY), a clerk types the
allocation as 600.0 and the refund as 100.000: each is a whole number of yen, so each is taken.
The payments export promises ``1000 JPY as 1000`` and euros to the cent, and the customer
summary writes the credit to the currency's minor unit. They showed the amounts as typed:
1500.00 yen received, 800.000 yen of credit, a euro refund of 100.000. q2c records each amount
at its currency's minor unit, the same value, so every read shows 1500 JPY, 800 JPY, 100.00 EUR
(and 1.500 KWD for a dinar and a half), on every store.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from q2c_adapters.accounting.exports import export
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

ON = date(2024, 5, 2)


def issued(app: QuoteToCash, customer: object, net: Money) -> object:
    line = InvoiceLine(
        "L1",
        "support",
        Decimal(1),
        net,
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=ON, actor="billy")  # type: ignore[arg-type]
    app.approve_invoice(invoice, role="billing", approved_on=ON, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=ON, actor="mia")
    app.issue_invoice(invoice, issued_on=ON, actor="bea")
    return invoice


@pytest.mark.parametrize(
    ("currency", "typed", "shown"),
    [
        ("JPY", ("1500.00", "600.0", "100.000"), ("1500", "600", "100", "800")),
        ("EUR", ("1500", "600.0", "100.000"), ("1500.00", "600.00", "100.00", "800.00")),
        ("KWD", ("1500.5", "600.0000", "100.10"), ("1500.500", "600.000", "100.100", "800.400")),
    ],
)
def test_amounts_as_typed_are_recorded_in_the_currencys_minor_units(
    app_factory: Callable[[], QuoteToCash],
    currency: str,
    typed: tuple[str, str, str],
    shown: tuple[str, str, str, str],
) -> None:
    app = app_factory()
    received, allocated, refunded = (Money.of(a, currency) for a in typed)
    customer = app.register_customer("Nakamura KK", currency, account_manager="mia", actor="al")
    invoice = issued(app, customer, Money.of(1000, currency))
    payment = app.receive_payment(
        customer, received, received_on=ON, reference="FURIKOMI 0502", actor="al"
    )
    [allocation] = app.allocate_payment(
        payment, [(invoice, allocated)], allocated_on=ON, actor="al"
    )
    app.instruct_refund(customer, refunded, refunded_on=ON, reference="RF-0502", actor="al")

    [row] = json.loads(export(app, "payments", "json"))
    assert (row["amount"], row["allocated"], row["refunded"], row["unallocated"]) == shown
    assert row["allocations"][0]["amount"] == shown[1]
    assert row["refunds"][0]["amount"] == shown[2]
    summary = app.customer_summary(customer)
    assert format(summary.credit.amount, "f") == shown[3]
    assert format(summary.paid.amount, "f") == shown[1]
    p = app.payment(payment)
    assert format(p.allocation(allocation).amount.amount, "f") == shown[1]
    assert p.unallocated == Money.of(shown[3], currency)
