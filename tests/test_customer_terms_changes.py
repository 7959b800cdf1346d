"""A customer's tax rate and payment terms change from a business day on: what is drafted from
that day on carries them, what was drafted before keeps its own, and issued documents never
change.

Found by review: a customer's tax rate and payment terms were fixed at registration; nothing
could correct a customer registered at a wrong rate (standard at 0 % by default), nor follow a
new VAT rate or terms agreed later.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from test_beancount_ledger import manual_line
from test_customer_tax_rate import issue, register, request_invoice

from q2c_core import (
    BillingFrequency,
    InvalidValue,
    Money,
    PaymentTermsFrom,
    Period,
    QuoteToCash,
    RuleViolated,
    SubContract,
    SubContractKind,
    TaxCategory,
    TaxRate,
    TaxRateFrom,
)
from q2c_core.domain import customer as customer_module
from q2c_core.domain.contract import PricePoint

V21, V19 = TaxRate.standard(21), TaxRate.standard(19)
JUNE_30, JULY_1 = date(2024, 6, 30), date(2024, 7, 1)


def rates_of(app: QuoteToCash, invoice: UUID) -> list[TaxRate]:
    return [s.tax_rate for s in app.invoice(invoice).tax_subtotals]


def test_a_new_vat_rate_bills_what_is_drafted_from_its_day_on() -> None:
    """Acme is billed at 21 %; from 1 July the rate is 19 %. The request invoice drafted on
    30 June stays at 21 % when issued in July, and so does the one issued in June; the one
    drafted on 1 July, a deposit drafted then and a contract signed then are at 19 %. The
    change again records nothing (a retry)."""
    app = QuoteToCash.open("memory:")
    acme = register(app, "Acme", tax_rate=V21)
    issued_in_june = request_invoice(app, acme, JUNE_30)
    issue(app, issued_in_june, JUNE_30)
    drafted_in_june = request_invoice(app, acme, JUNE_30)

    assert app.change_customer_tax_rate(acme, tax_rate=V19, effective=JULY_1, actor="bea")
    customer = app.customer(acme)
    assert customer.tax_rate == V19 and customer.registered_tax_rate == V21
    assert customer.tax_rate_on(JUNE_30) == V21 and customer.tax_rate_on(JULY_1) == V19
    assert customer.tax_rates == [TaxRateFrom(date.min, V21), TaxRateFrom(JULY_1, V19)]

    issue(app, drafted_in_june, JULY_1)
    assert rates_of(app, issued_in_june) == rates_of(app, drafted_in_june) == [V21]
    drafted_in_july = request_invoice(app, acme, JULY_1)
    assert rates_of(app, drafted_in_july) == [V19]
    assert app.invoice(drafted_in_july).total == Money.of("1130.50", "EUR")
    deposit = app.draft_deposit_invoice(
        acme, Money.of("100", "EUR"), description="Deposit", drafted_on=JULY_1, actor="bea"
    )
    assert rates_of(app, deposit) == [V19]
    assert app.contract(sign_on(app, acme, JULY_1)).tax_rate == V19

    recorded = app.recorder.max_notification_id()
    assert not app.change_customer_tax_rate(acme, tax_rate=V19, effective=JULY_1, actor="bea")
    assert not app.change_customer_tax_rate(
        acme, tax_rate=V19, effective=date(2024, 8, 1), actor="bea"
    )
    assert app.recorder.max_notification_id() == recorded


def sign_on(app: QuoteToCash, customer: UUID, day: date) -> UUID:
    sub = SubContract(
        "S1", "Support", SubContractKind.PRODUCT, day, (PricePoint(day, Money.of("1200", "EUR")),)
    )
    return app.sign_contract(
        customer,
        number=f"K-{day}",
        term=Period(day, day + timedelta(days=365)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=day,
        actor="bea",
        sub_contracts=[sub],
    )


@pytest.mark.parametrize(
    ("given", "field", "error"),
    [
        ({"tax_rate": "19"}, "tax_rate", InvalidValue),
        ({"tax_rate": 19}, "tax_rate", InvalidValue),
        ({"tax_rate": TaxRate.standard(0)}, "tax_rate", InvalidValue),
        ({"effective": "2024-07-01"}, "effective", InvalidValue),
        ({"effective": None}, "effective", InvalidValue),
        # before the last change, at a rate Acme did not have then (21 % then: nothing recorded)
        ({"tax_rate": V19, "effective": date(2024, 6, 1)}, "effective", RuleViolated),
        ({"actor": " "}, "actor", InvalidValue),
    ],
)
def test_a_tax_rate_change_that_cannot_be_is_refused_and_nothing_recorded(
    given: dict[str, Any], field: str, error: type[Exception]
) -> None:
    """The rate is checked as at registration, the day is a date no earlier than the last
    change's, and someone does it: a refusal names the field and the customer."""
    app = QuoteToCash.open("memory:")
    acme = register(app, "Acme", tax_rate=V21)
    app.change_customer_tax_rate(acme, tax_rate=V19, effective=JULY_1, actor="bea")
    before = app.recorder.max_notification_id()
    command = {"tax_rate": V21, "effective": date(2025, 1, 1), "actor": "bea", **given}
    with pytest.raises(error) as refused:
        app.change_customer_tax_rate(acme, **command)
    assert getattr(refused.value, "field", None) == field
    assert refused.value.aggregate_id == acme  # type: ignore[attr-defined]
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).tax_rate == V19


def test_a_customer_registered_at_standard_zero_before_is_given_its_rate_and_signs_again(
    tmp_path: Path,
) -> None:
    """Old Co was registered without a tax rate before the rule (standard at 0 %): no contract
    is signed with it now. Bea gives it its rate from 1 July; the contract signed that day is
    at 21 %, and the invoice it issued at 0 % in June still reads as issued, in another
    process too."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = QuoteToCash.open(url)
    with pytest.MonkeyPatch.context() as before_the_rule:
        before_the_rule.setattr(customer_module, "ZERO_RATED", None)
        before_the_rule.setattr(customer_module, "require_tax_rate", lambda value, _: value)
        old = register(app, "Old Co", tax_rate=None)
        june = request_invoice(app, old, JUNE_30)
        issue(app, june, JUNE_30)
    with pytest.raises(InvalidValue):
        sign_on(app, old, JULY_1)
    assert app.change_customer_tax_rate(old, tax_rate=V21, effective=JULY_1, actor="bea")
    contract = sign_on(app, old, JULY_1)
    app.close()

    app = QuoteToCash.open(url)
    assert app.contract(contract).tax_rate == V21
    assert app.customer(old).registered_tax_rate == TaxRate.standard(0)
    assert rates_of(app, june) == [TaxRate.standard(0)]
    app.close()


def test_new_payment_terms_give_the_invoices_drafted_from_their_day_on() -> None:
    """Acme pays in 30 days; from 1 July in 14. The invoice drafted on 30 June and issued on
    5 July falls due 30 days later, the one drafted on 1 July 14 days after its issue; the
    issued one's due date stays. The same terms again record nothing; a day before the last
    change's, and terms that are no whole number of days, are refused."""
    app = QuoteToCash.open("memory:")
    acme = register(app, "Acme", tax_rate=V21)
    june = app.draft_invoice(acme, [manual_line("L1", "100", V21)], drafted_on=JUNE_30, actor="b")
    assert app.change_customer_payment_terms(
        acme, payment_terms_days=14, effective=JULY_1, actor="bea"
    )
    customer = app.customer(acme)
    assert customer.payment_terms_days == 14 and customer.registered_payment_terms_days == 30
    assert customer.payment_terms == [
        PaymentTermsFrom(date.min, 30),
        PaymentTermsFrom(JULY_1, 14),
    ]
    july = app.draft_invoice(acme, [manual_line("L1", "100", V21)], drafted_on=JULY_1, actor="b")
    issue(app, june, date(2024, 7, 5))
    issue(app, july, date(2024, 7, 5))
    assert app.invoice(june).due_date == date(2024, 8, 4)
    assert app.invoice(july).due_date == date(2024, 7, 19)
    assert app.contract(sign_on(app, acme, JULY_1)).payment_terms_days == 14

    recorded = app.recorder.max_notification_id()
    assert not app.change_customer_payment_terms(
        acme, payment_terms_days=14, effective=JULY_1, actor="bea"
    )
    for days, field, error in (
        (True, "payment_terms_days", InvalidValue),
        (-1, "payment_terms_days", InvalidValue),
        ("14", "payment_terms_days", InvalidValue),
        (14.0, "payment_terms_days", InvalidValue),
    ):
        with pytest.raises(error) as refused:
            app.change_customer_payment_terms(
                acme, payment_terms_days=days, effective=date(2024, 8, 1), actor="bea"
            )
        assert refused.value.field == field  # type: ignore[attr-defined]
    with pytest.raises(RuleViolated) as early:
        app.change_customer_payment_terms(
            acme, payment_terms_days=60, effective=JUNE_30, actor="bea"
        )
    assert early.value.field == "effective"
    assert app.recorder.max_notification_id() == recorded
    assert app.invoice(july).due_date == date(2024, 7, 19)


def test_changes_read_back_from_snapshots_and_the_registration_retried_stays_a_retry(
    tmp_path: Path,
) -> None:
    """A customer changed twice and read from its snapshot in another process has the same
    rates, terms and days as from its events; the ERP registering it again as it first did
    gets it back, nothing recorded."""
    url = f"sqlite:///{tmp_path / 'snap.db'}"
    app = QuoteToCash.open(url)
    acme = register(app, "Acme", tax_rate=V21, reference="ERP-1", payment_terms_days=45)
    app.change_customer_tax_rate(acme, tax_rate=V19, effective=JULY_1, actor="bea")
    exempt = TaxRate.none(TaxCategory.EXEMPT)
    app.change_customer_tax_rate(acme, tax_rate=exempt, effective=JULY_1, actor="bea")
    app.change_customer_payment_terms(acme, payment_terms_days=10, effective=JULY_1, actor="bea")
    from_events = app.customer(acme)
    app.take_snapshot(acme)
    app.close()

    again = QuoteToCash.open(url)
    snapped = again.customer(acme)
    for customer in (from_events, snapped):
        assert customer.tax_rate == exempt and customer.tax_rate_on(JULY_1) == exempt
        assert customer.tax_rate_on(JUNE_30) == V21 and customer.payment_terms_on(JUNE_30) == 45
        assert customer.payment_terms_on(JULY_1) == 10
        assert customer.tax_rate_since == JULY_1 == customer.payment_terms_since
    assert snapped.tax_rates == from_events.tax_rates
    recorded = again.recorder.max_notification_id()
    assert register(again, "Acme", tax_rate=V21, reference="ERP-1", payment_terms_days=45) == acme
    assert again.recorder.max_notification_id() == recorded
    again.close()
