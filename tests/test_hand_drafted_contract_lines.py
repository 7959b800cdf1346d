"""A contract's days are billed by the billing run, never typed by hand.

Acme's contract MC-1 bills product S1 monthly. Billy typed January of S1 on an invoice by hand
(a contract-period line naming the contract, S1 and January); draft_invoice took it, but
nothing recorded on the contract that January was billed, so the month-end run billed January
again. And once issued, the hand line could not be credited: a credit note leaves a
sub-contract's days to the run ("change the contract and the billing run credits the days"),
which never knew of them. A double bill no one could correct.

Now draft_invoice refuses such a line (``InvalidValue`` naming ``lines.<id>.source``, saying the
billing run bills contract periods), recording nothing; the run bills January once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from q2c_core import (
    BillingFrequency,
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SourceKind,
    SubContract,
    SubContractKind,
    TaxRate,
)

YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
JAN = Period(date(2024, 1, 1), date(2024, 2, 1))


def _eur(amount: int) -> Money:
    return Money.of(amount, "EUR")


def _acme_with_mc1(app: QuoteToCash) -> tuple[UUID, UUID]:
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    s1 = SubContract(
        "S1",
        "Product S1",
        SubContractKind.PRODUCT,
        YEAR.start,
        [PricePoint(YEAR.start, _eur(1200))],
    )
    contract = app.sign_contract(
        customer,
        number="MC-1",
        term=YEAR,
        frequency=BillingFrequency.MONTHLY,
        signed_on=YEAR.start,
        actor="alice",
        sub_contracts=[s1],
    )
    app.activate_contract(contract, effective=YEAR.start, actor="alice")
    return customer, contract


def _january_of_s1(app: QuoteToCash, customer: UUID) -> list[tuple[str, str]]:
    return [
        (i.number or "draft", str(line.net))
        for i in app.invoices(customer)
        for line in i.lines
        if line.source
        and line.source.sub_contract_id == "S1"
        and line.source.period
        and line.source.period.start == JAN.start
    ]


def _hand_line(contract: UUID | None, **named: Any) -> InvoiceLine:
    return InvoiceLine(
        "L1",
        "MC-1 / Product S1: January",
        Decimal(1),
        _eur(100),
        TaxRate.standard(0),
        LineSource(SourceKind.CONTRACT_PERIOD, contract_id=contract, period=JAN, **named),
    )


def test_billy_cannot_type_s1s_january_by_hand_and_the_run_bills_it_once() -> None:
    app = QuoteToCash.open("memory:")
    customer, contract = _acme_with_mc1(app)
    before = app.recorder.max_notification_id()
    typed = [
        InvoiceLine(
            "L0", "setup", Decimal(1), _eur(50), TaxRate.standard(0), LineSource(SourceKind.MANUAL)
        ),
        _hand_line(contract, sub_contract_id="S1"),
    ]
    with pytest.raises(InvalidValue, match="billing run bills contract periods") as refused:
        app.draft_invoice(customer, typed, drafted_on=date(2024, 1, 2), actor="billy")
    assert refused.value.field == "lines.L1.source"
    assert app.recorder.max_notification_id() == before  # nothing recorded, not even L0
    assert app.invoices(customer) == []

    app.run_billing(date(2024, 1, 31), actor="run")
    assert len(_january_of_s1(app, customer)) == 1


def test_a_sub_contract_line_is_refused_even_naming_no_contract() -> None:
    """The sub-contract is what the run bills and what a credit note leaves to it."""
    app = QuoteToCash.open("memory:")
    customer, _ = _acme_with_mc1(app)
    line = _hand_line(None, sub_contract_id="S1")
    with pytest.raises(InvalidValue) as refused:
        app.draft_invoice(customer, [line], drafted_on=date(2024, 1, 2), actor="billy")
    assert refused.value.field == "lines.L1.source"


def test_a_service_period_naming_no_sub_contract_is_still_drafted_and_credited_by_hand() -> None:
    """A contract-period line of no sub-contract (as older histories hold, and hand-made
    maintenance invoices the ledger tests draft) bills nothing the run bills: drafted as before
    (and credited by hand)."""
    app = QuoteToCash.open("memory:")
    customer, contract = _acme_with_mc1(app)
    invoice = app.draft_invoice(
        customer,
        [_hand_line(contract)],
        drafted_on=date(2024, 1, 2),
        actor="billy",
    )
    assert [line.line_id for line in app.invoice(invoice).lines] == ["L1"]
