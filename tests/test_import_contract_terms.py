"""A CRM export that says something else about a recorded contract is refused, not skipped.

MC-1 was imported: Acme's ERP licence, active from 1 January. The CRM later exports it with
another go-live day, or the licence made a service: the recorded contract changes by command,
so the export is refused naming the column, never skipped as "already there" (the licence
renamed is recorded as the correction of its description). And a
number written another way (``mc-1``, ``MC 1``) is not a second contract of Acme's, billed
beside the first: it is refused, naming the number as recorded."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from test_import_contracts import customers

from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = (
    "contract_number;customer;currency;term_start;term_end;frequency;signed_on;status;"
    "activated_on;sub_id;description;kind;effective_from;effective_to;annual_price\n"
)
MC1 = (
    "MC-1;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;;2024-01-01;ERP;ERP;licence;"
    ";;1200,00\n"
)


def crm(app: QuoteToCash) -> ContractImporter:
    return ContractImporter(app, today=date(2024, 1, 2))


def imported(app: QuoteToCash) -> UUID:
    """Acme, and MC-1 imported from the CRM."""
    acme, _ = customers(app)
    crm(app).import_bytes((HEADER + MC1).encode(), "crm1.csv", actor="crm")
    return acme


@pytest.mark.parametrize(
    ("column", "row"),
    [
        ("activated_on", MC1.replace(";2024-01-01;ERP", ";2024-03-01;ERP")),
        ("kind", MC1.replace("licence", "service")),
    ],
    ids=["activated_on", "kind"],
)
def test_a_contract_exported_again_with_another_term_is_refused_naming_it(
    app: QuoteToCash, column: str, row: str
) -> None:
    imported(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        crm(app).import_bytes((HEADER + row).encode(), "crm2.csv", actor="crm")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, column)
    assert app.recorder.max_notification_id() == before


def test_the_same_contract_exported_again_is_skipped(app: QuoteToCash) -> None:
    """As it was, with its customer named by id, or only saying it is active: nothing to do."""
    acme = imported(app)
    for n, row in enumerate(
        (
            MC1.replace("Acme GmbH", str(acme)),
            MC1.replace(";;2024-01-01;ERP", ";active;;ERP"),
            MC1.replace(";;2024-01-01;ERP", ";;;ERP"),
        )
    ):
        report = crm(app).import_bytes((HEADER + row).encode(), f"crm{n}.csv", actor="crm")
        assert (report.recorded, report.skipped) == (0, 1)


@pytest.mark.parametrize("number", ["mc-1", "MC 1", "MC1", " Mc_1 "])
def test_a_number_written_another_way_is_not_a_second_contract(
    app: QuoteToCash, number: str
) -> None:
    acme = imported(app)
    with pytest.raises(ImportRejected) as caught:
        crm(app).import_bytes(
            (HEADER + MC1.replace("MC-1", number)).encode(), "crm2.csv", actor="crm"
        )
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "contract")
    assert "'MC-1'" in problem.rule
    assert len(app.customer(acme).contract_ids) == 1


def test_two_spellings_of_one_new_number_in_one_export_are_refused(app: QuoteToCash) -> None:
    acme, _ = customers(app)
    text = HEADER + MC1.replace("MC-1", "MC-7") + MC1.replace("MC-1", "mc-7")
    with pytest.raises(ImportRejected) as caught:
        crm(app).import_bytes(text.encode(), "crm.csv", actor="crm")
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, "contract")]
    assert app.customer(acme).contract_ids == []


# -- the currency a CRM export leaves out -----------------------------------------------------


def test_an_export_without_a_currency_prices_in_the_customer_s_currency(
    app: QuoteToCash,
) -> None:
    """The CRM exports no currency column: Acme's contract is in euros, Zurich AG's in francs,
    as the customers are; the same export again is skipped."""
    acme, _ = customers(app)
    zurich = app.register_customer("Zurich AG", "CHF", account_manager="mia", actor="alice")
    text = (
        "contract_number;customer;term_start;term_end;frequency;sub_id;description;annual_price\n"
        "MC-1;Acme GmbH;2024-01-01;2024-12-31;monthly;ERP;ERP licence;1200,00\n"
        "MC-2;Zurich AG;2024-01-01;2024-12-31;monthly;ERP;ERP licence;1500,00\n"
    )
    report = crm(app).import_bytes(text.encode(), "crm.csv", actor="crm")
    assert (report.recorded, report.skipped) == (4, 0)
    for customer, price in ((acme, Money.of("1200", "EUR")), (zurich, Money.of("1500", "CHF"))):
        (contract_id,) = app.customer(customer).contract_ids
        contract = app.contract(contract_id)
        assert contract.currency == price.currency
        assert contract.sub_contracts["ERP"].price_on(date(2024, 1, 1)) == price
    again = crm(app).import_bytes((text + "\n").encode(), "crm-again.csv", actor="crm")
    assert (again.recorded, again.skipped) == (0, 2)


def test_a_contract_signed_before_a_dated_tax_and_terms_change_keeps_the_ones_of_its_day(
    app: QuoteToCash,
) -> None:
    """Acme moves to 21 % and 14 days on 1 January 2025 (announced in November). MC-1 was
    signed on 20 November 2024: imported from the CRM it bills 19 % at 30 days, as the same
    contract signed by hand would; the customer's later rate is not its rate."""
    from q2c_core import TaxRate

    acme, _ = customers(app)
    app.change_customer_tax_rate(
        acme, tax_rate=TaxRate.standard(21), effective=date(2025, 1, 1), actor="bea"
    )
    app.change_customer_payment_terms(
        acme, payment_terms_days=14, effective=date(2025, 1, 1), actor="bea"
    )
    before = app.customer(acme)
    row = (
        "MC-9;Acme GmbH;EUR;2024-12-01;2025-11-30;monthly;2024-11-20;;;ERP;ERP;licence;;;1200,00\n"
    )
    ContractImporter(app, today=date(2024, 11, 21)).import_bytes(
        (HEADER + row).encode(), "crm.csv", actor="crm"
    )
    (contract,) = [
        app.contract(k) for k in app.customer(acme).contract_ids if app.contract(k).number == "MC-9"
    ]
    assert contract.tax_rate == before.tax_rate_on(date(2024, 11, 20), "signed_on")
    assert contract.payment_terms_days == before.payment_terms_on(date(2024, 11, 20), "signed_on")
    assert contract.tax_rate != before.tax_rate
    assert contract.payment_terms_days != before.payment_terms_days


def test_a_sub_contract_the_crm_renamed_is_recorded_as_its_new_description(
    app: QuoteToCash,
) -> None:
    """The CRM writes "ERP Suite" for the ERP licence now, and adds MC-2: both are recorded,
    the rename as a correction of the description (no money changes), reported; the same
    export again records nothing."""
    acme = imported(app)
    mc2 = MC1.replace("MC-1", "MC-2").replace(";ERP;ERP;", ";CRM;CRM;")
    renamed = MC1.replace(";ERP;licence", ";ERP Suite;licence")
    report = crm(app).import_bytes((HEADER + renamed + mc2).encode(), "crm2.csv", actor="crm")
    assert (report.recorded, report.corrected, report.skipped) == (2, 1, 1)
    (mc1,) = [
        app.contract(k) for k in app.customer(acme).contract_ids if app.contract(k).number == "MC-1"
    ]
    assert mc1.sub_contracts["ERP"].description == "ERP Suite"
    assert app.contract(mc1.id).sub_contracts["ERP"].price_on(date(2024, 6, 1)) == Money.of(
        "1200.00", "EUR"
    )
    head = app.recorder.max_notification_id()
    again = crm(app).import_bytes((HEADER + renamed).encode(), "crm3.csv", actor="crm")
    assert (again.recorded, again.corrected, again.skipped) == (0, 0, 1)
    assert app.recorder.max_notification_id() == head + 1  # the batch only


def test_a_sub_contract_of_another_kind_is_refused_naming_the_command(app: QuoteToCash) -> None:
    """The CRM makes the ERP licence a service: refused, naming describe_sub_contract; once
    corrected there, the export is recorded."""
    from q2c_core import SubContractKind

    acme = imported(app)
    service = MC1.replace("licence", "service")
    with pytest.raises(ImportRejected) as caught:
        crm(app).import_bytes((HEADER + service).encode(), "crm2.csv", actor="crm")
    (problem,) = caught.value.problems
    assert problem.field == "kind" and "describe_sub_contract" in problem.rule
    (mc1,) = app.customer(acme).contract_ids
    assert app.describe_sub_contract(mc1, "ERP", kind=SubContractKind.SERVICE, actor="bea")
    assert not app.describe_sub_contract(mc1, "ERP", kind=SubContractKind.SERVICE, actor="bea")
    report = crm(app).import_bytes((HEADER + service).encode(), "crm2.csv", actor="crm")
    assert (report.recorded, report.skipped) == (0, 1)


def test_a_sub_contract_described_blank_or_unknown_is_refused(app: QuoteToCash) -> None:
    from q2c_core import InvalidValue, RuleViolated

    acme = imported(app)
    (mc1,) = app.customer(acme).contract_ids
    head = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as blank:
        app.describe_sub_contract(mc1, "ERP", description="  ", actor="bea")
    assert blank.value.field == "description"
    with pytest.raises(InvalidValue) as kind:
        app.describe_sub_contract(mc1, "ERP", kind="service", actor="bea")  # type: ignore[arg-type]
    assert kind.value.field == "kind"
    with pytest.raises(RuleViolated) as missing:
        app.describe_sub_contract(mc1, "CRM", description="CRM", actor="bea")
    assert missing.value.field == "sub_id"
    assert app.recorder.max_notification_id() == head
