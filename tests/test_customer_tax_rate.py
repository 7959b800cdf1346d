"""A customer's tax rate is what its request and deposit invoices and its contracts are billed
at: it is a ``TaxRate``, checked where it is typed, and one recorded before that check does not
stop the billing of every other customer.

Found by review: ``register_customer(tax_rate="21")`` (or 21) was recorded; every invoice of
that customer was then refused ("tax: must be a TaxRate"), and ``run_billing`` failed for all
customers at the first contract signed with it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import (
    BillingFrequency,
    Customer,
    InvalidValue,
    Money,
    Period,
    QuoteToCash,
    SubContract,
    SubContractKind,
    TaxRate,
)
from q2c_core.domain import contract as contract_module
from q2c_core.domain import customer as customer_module
from q2c_core.domain.contract import PricePoint

V21 = TaxRate.standard(21)
JAN = date(2024, 1, 1)


def register(app: QuoteToCash, name: str, **kwargs: Any) -> UUID:
    return app.register_customer(name, "EUR", account_manager="mia", actor="bea", **kwargs)


def sign(app: QuoteToCash, customer: UUID, number: str) -> UUID:
    sub = SubContract(
        "S1",
        "Product maintenance",
        SubContractKind.PRODUCT,
        JAN,
        (PricePoint(JAN, Money.of("1200", "EUR")),),
    )
    contract = app.sign_contract(
        customer,
        number=number,
        term=Period(JAN, date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=JAN,
        actor="bea",
        sub_contracts=[sub],
    )
    app.activate_contract(contract, effective=JAN, actor="bea")
    return contract


@pytest.mark.parametrize("typed", ["21", 21, Decimal(21), 0.21, "S 21"])
def test_a_tax_rate_that_is_no_tax_rate_is_refused_at_registration(typed: object) -> None:
    """Bea types the Dutch VAT rate as "21" (or 21): no invoice line could carry it, so the
    registration is refused naming tax_rate, and nothing is recorded; the customer registered
    with ``TaxRate.standard(21)`` afterwards is billed at it."""
    app = QuoteToCash.open("memory:")
    with pytest.raises(InvalidValue) as refused:
        register(app, "Acme", tax_rate=typed)
    assert refused.value.field == "tax_rate"
    assert "TaxRate" in str(refused.value)
    assert not app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as direct:
        Customer(name="Acme", currency="EUR", account_manager="mia", actor="bea", tax_rate=typed)
    assert direct.value.field == "tax_rate"
    acme = register(app, "Acme", tax_rate=V21)
    assert app.customer(acme).tax_rate == V21


def test_a_contract_is_not_signed_at_a_tax_rate_that_is_no_tax_rate() -> None:
    """A customer recorded with the text "21" before registrations checked it still loads,
    but a contract signed with it now is refused naming tax_rate (it could never bill), and
    nothing is recorded."""
    app = QuoteToCash.open("memory:")
    with pytest.MonkeyPatch.context() as before_the_rule:
        before_the_rule.setattr(customer_module, "require_tax_rate", lambda value, _: value)
        old = register(app, "Old Co", tax_rate="21")
    assert app.customer(old).tax_rate == "21"
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        sign(app, old, "K-1")
    assert refused.value.field == "tax_rate"
    assert app.recorder.max_notification_id() == before


def test_one_contract_at_a_bad_recorded_tax_rate_does_not_stop_the_run_for_the_others() -> None:
    """Good's contract and Bad's, Bad's signed at the number 21 before the rules: the run bills
    Good's January and February, skips Bad's and says why (``BillingRunResult.skipped``),
    recording nothing for it; a second run bills nothing new and skips it again."""
    app = QuoteToCash.open("memory:")
    good = register(app, "Good", tax_rate=V21)
    good_contract = sign(app, good, "G-1")
    with pytest.MonkeyPatch.context() as before_the_rules:
        before_the_rules.setattr(customer_module, "require_tax_rate", lambda value, _: value)
        before_the_rules.setattr(contract_module, "require_tax_rate", lambda value, _: value)
        bad = register(app, "Bad", tax_rate=21)
        bad_contract = sign(app, bad, "B-1")

    result = app.run_billing(date(2024, 2, 1), actor="run")
    assert [d.contract_id for d in result.documents] == [good_contract, good_contract]
    assert [i.total for i in app.invoices(good)] == [Money.of("121.00", "EUR")] * 2
    assert app.invoices(bad) == []
    [skipped] = result.skipped
    assert skipped.contract_id == bad_contract and skipped.number == "B-1"
    assert skipped.customer_id == bad
    assert skipped.field == "tax_rate" and "TaxRate" in skipped.reason
    assert app.contract(bad_contract).billed == {}

    again = app.run_billing(date(2024, 2, 1), actor="run")
    assert again.documents == () and [s.contract_id for s in again.skipped] == [bad_contract]
    assert [d.contract_id for d in app.preview_billing(date(2024, 3, 1))] == [good_contract]


def test_a_parallel_run_skips_the_contract_too(tmp_path: Any) -> None:
    """The same with two worker processes on a SQLite file: each share reports what it
    skipped, and the run's result lists it once; ``q2c bill`` bills Good's March and says on
    standard error which contract it skipped and why."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    good = register(app, "Good", tax_rate=V21)
    good_contract = sign(app, good, "G-1")
    with pytest.MonkeyPatch.context() as before_the_rules:
        before_the_rules.setattr(customer_module, "require_tax_rate", lambda value, _: value)
        before_the_rules.setattr(contract_module, "require_tax_rate", lambda value, _: value)
        bad = register(app, "Bad", tax_rate="21")
        bad_contract = sign(app, bad, "B-1")
    result = app.run_billing(date(2024, 2, 1), actor="run", workers=2)
    assert {d.contract_id for d in result.documents} == {good_contract}
    assert [s.contract_id for s in result.skipped] == [bad_contract]
    app.close()

    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    run = CliRunner().invoke(cli, ["bill", "--url", url, "--as-of", "2024-03-01", "--actor", "run"])
    assert run.exit_code == 0, run.output
    assert f"skipped contract B-1 ({bad_contract}): tax_rate: must be a TaxRate" in run.stderr
    assert len(QuoteToCash.open(url).invoices(good)) == 3
