"""A customer's tax rate is what its request and deposit invoices and its contracts are billed
at: it is a ``TaxRate``, checked where it is typed, and one recorded before that check does not
stop the billing of every other customer. A standard rate is above 0 %, and a customer
registered without a rate is zero-rated (``ZERO_RATED``), which an e-invoice carries.

Found by review: ``register_customer(tax_rate="21")`` (or 21) was recorded; every invoice of
that customer was then refused ("tax: must be a TaxRate"), and ``run_billing`` failed for all
customers at the first contract signed with it. A customer registered without ``tax_rate`` got
standard at 0 % silently: its invoices took their gapless numbers and then no e-invoice could be
made of them (BR-S-05), and its contracts billed at it too.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from test_ubl import CONFORMANCE, SELLER, assert_conforms, require_shared, text
from typer.testing import CliRunner

from q2c_adapters.accounting.peppol_validation import PeppolValidator
from q2c_adapters.accounting.ubl import UblRenderer
from q2c_adapters.cli import app as cli
from q2c_core import (
    ZERO_RATED,
    BillingFrequency,
    Contract,
    Customer,
    DuplicateEntry,
    InvalidValue,
    Money,
    Period,
    QuoteToCash,
    SubContract,
    SubContractKind,
    TaxCategory,
    TaxRate,
    TimeEntry,
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


@pytest.fixture(scope="module")
def validator() -> Any:
    require_shared(CONFORMANCE / "rules" / "PEPPOL-EN16931-UBL.xslt")
    yield PeppolValidator(CONFORMANCE)


def request_invoice(app: QuoteToCash, customer: UUID, day: date = date(2024, 5, 2)) -> UUID:
    """Ten hours estimated, 9.5 logged at 100.00, the request's invoice drafted on ``day``."""
    eur = lambda s: Money.of(s, "EUR")  # noqa: E731
    req = app.open_request(customer, "Export to CSV", requested_on=day, actor="pete")
    app.estimate_request(req, hours=10, rate=eur("100"), actor="pete")
    app.send_quote(req, sent_on=day, actor="bea")
    app.receive_purchase_order(req, number="PO-1", amount=eur("1000"), received_on=day, actor="bea")
    app.authorize_work(req, authorized_on=day, actor="pete")
    app.log_work(req, TimeEntry("t1", "dana", day, Decimal("9.5"), eur("100")), actor="dana")
    app.complete_request(req, completed_on=day, actor="pete")
    return app.draft_request_invoice(req, drafted_on=day, actor="pete")


def issue(app: QuoteToCash, invoice: UUID, day: date = date(2024, 5, 2)) -> str:
    app.approve_invoice(invoice, role="billing", approved_on=day, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=day, actor="mia")
    return app.issue_invoice(invoice, issued_on=day, actor="bea")


def test_a_customer_registered_without_a_tax_rate_is_zero_rated_and_its_e_invoice_conforms(
    validator: PeppolValidator,
) -> None:
    """The quickstart with the tax_rate keyword forgotten: Acme is zero-rated (Z, 0 %), not
    standard at 0 %. Its request invoice is issued at Z with no VAT, and its UBL conforms; so
    does the invoice of a contract signed with it."""
    app = QuoteToCash.open("memory:")
    acme = register(app, "Acme", country="NL", tax_id="NL123456789B01")
    assert app.customer(acme).tax_rate == ZERO_RATED == TaxRate.none(TaxCategory.ZERO_RATED)
    invoice = request_invoice(app, acme)
    assert issue(app, invoice) == "INV-000001"
    [subtotal] = app.invoice(invoice).tax_subtotals
    assert subtotal.tax_rate == ZERO_RATED and subtotal.tax == Money.of("0.00", "EUR")
    assert app.invoice(invoice).total == Money.of("950.00", "EUR")
    doc = UblRenderer(app, SELLER).render(invoice)
    assert text(doc, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["Z"]
    assert_conforms(validator.validate(doc))

    contract = sign(app, acme, "K-1")
    assert app.contract(contract).tax_rate == ZERO_RATED
    [january] = app.run_billing(JAN, actor="run").invoice_ids
    assert app.invoice(january).tax_subtotals[0].tax_rate == ZERO_RATED


@pytest.mark.parametrize("zero", [TaxRate.standard(0), TaxRate.standard("0.00")])
def test_a_standard_rate_of_zero_is_refused_at_registration(zero: TaxRate) -> None:
    """Standard at 0 % is no rate an e-invoice carries (BR-S-05): refused naming tax_rate,
    nothing recorded, the rule and what to give instead said. Zero-rated or exempt is fine."""
    app = QuoteToCash.open("memory:")
    with pytest.raises(InvalidValue) as refused:
        register(app, "Acme", tax_rate=zero)
    assert refused.value.field == "tax_rate"
    assert "above 0 %" in str(refused.value) and "ZERO_RATED" in str(refused.value)
    assert not app.recorder.max_notification_id()
    with pytest.raises(InvalidValue):
        Customer(name="Acme", currency="EUR", account_manager="mia", actor="bea", tax_rate=zero)
    assert app.customer(register(app, "Acme", tax_rate=ZERO_RATED)).tax_rate == ZERO_RATED
    exempt = TaxRate.none(TaxCategory.EXEMPT)
    assert app.customer(register(app, "Globex", tax_rate=exempt)).tax_rate == exempt


def test_a_customer_registered_at_standard_zero_before_loads_as_it_was_and_signs_no_contract(
    tmp_path: Any,
) -> None:
    """A store from before the rule: Old Co registered without a tax rate (standard at 0 %
    then), its invoice drafted and issued at S 0 %. Read back by another process, it is as it
    was recorded, and its issued invoice too; its next request invoice is drafted at S 0 % as
    before, but a contract signed with it now is refused naming tax_rate (it would bill at
    a rate no e-invoice carries), nothing recorded. The same registration by reference again
    without a tax rate is a retry: the customer it made."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = QuoteToCash.open(url)
    with pytest.MonkeyPatch.context() as before_the_rule:
        before_the_rule.setattr(customer_module, "ZERO_RATED", None)
        before_the_rule.setattr(customer_module, "require_tax_rate", lambda value, _: value)
        # (recorded without a tax rate, as registrations without one were then)
        old = register(app, "Old Co", reference="ERP-7", tax_rate=None)
        first = request_invoice(app, old)
        issue(app, first)
    app.close()

    app = QuoteToCash.open(url)
    assert app.customer(old).tax_rate == TaxRate.standard(0)
    assert app.invoice(first).tax_subtotals[0].tax_rate == TaxRate.standard(0)
    assert (
        app.register_customer(
            "Old Co", "EUR", account_manager="mia", actor="erp", reference="ERP-7"
        )
        == old
    )
    with pytest.raises(DuplicateEntry):
        register(app, "Old Co", reference="ERP-7", tax_rate=V21)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        sign(app, old, "K-1")
    assert refused.value.field == "tax_rate" and "above 0 %" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    app.close()


def test_a_contract_made_without_a_tax_rate_is_zero_rated() -> None:
    """A contract made directly without a tax rate (as a data load may) is zero-rated, and
    one at standard 0 % is refused."""
    customer = Customer(name="Acme", currency="EUR", account_manager="mia", actor="bea")
    assert customer.tax_rate == ZERO_RATED
    term = Period(JAN, date(2025, 1, 1))
    made = Contract(customer.id, "K-1", "EUR", term, BillingFrequency.MONTHLY, JAN, "bea")
    assert made.tax_rate == ZERO_RATED
    with pytest.raises(InvalidValue) as refused:
        Contract(
            customer.id, "K-2", "EUR", term, BillingFrequency.MONTHLY, JAN, "bea",
            tax_rate=TaxRate.standard(0),
        )  # fmt: skip
    assert refused.value.field == "tax_rate"
