"""Importing contracts and sub-contracts from a CRM export: all or nothing, never twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import (
    BillingFrequency,
    ContractStatus,
    Money,
    Period,
    QuoteToCash,
    SubContractKind,
    TaxRate,
)
from q2c_core.domain.import_batch import ImportRejected

DATA = Path(__file__).parent / "data"
A = "alice"


def customers(app: QuoteToCash) -> tuple[UUID, UUID]:
    acme = app.register_customer(
        "Acme GmbH", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(19)
    )
    globex = app.register_customer("Globex SA", "EUR", account_manager="max", actor=A)
    return acme, globex


def test_a_crm_export_signs_contracts_with_their_sub_contracts(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    acme, globex = customers(app)
    imp = ContractImporter(app, today=date(2024, 1, 2))
    report = imp.import_file(DATA / "crm_contracts.csv", actor="crm-sync")
    # two contracts and three sub-contracts
    assert (report.rows, report.recorded, report.skipped) == (3, 5, 0)

    (mc100_id,) = app.customer(acme).contract_ids
    mc100 = app.contract(mc100_id)
    assert mc100.number == "MC-100"
    assert mc100.status is ContractStatus.ACTIVE
    assert mc100.term == Period(date(2024, 1, 1), date(2025, 1, 1))  # last day 2024-12-31
    assert mc100.frequency is BillingFrequency.MONTHLY
    assert mc100.tax_rate == TaxRate.standard(19)  # the customer's defaults
    erp, site = mc100.sub_contracts["ERP"], mc100.sub_contracts["SITE-B"]
    assert erp.kind is SubContractKind.LICENCE
    assert erp.price_on(date(2024, 6, 1)) == Money.of("1200.00", "EUR")
    assert site.effective_from == date(2024, 4, 1) and site.effective_to == date(2024, 10, 1)
    assert mc100.annual_value(date(2024, 5, 1)) == Money.of("1800.00", "EUR")

    (mc200_id,) = app.customer(globex).contract_ids
    mc200 = app.contract(mc200_id)
    assert mc200.status is ContractStatus.SIGNED  # no status column value: signed only
    assert mc200.frequency is BillingFrequency.QUARTERLY

    before = app.recorder.max_notification_id()
    again = imp.import_file(DATA / "crm_contracts.csv", actor="crm-sync")
    assert again.already_imported and again.recorded == 0
    assert app.recorder.max_notification_id() == before
    if backend_url != "memory:":
        other = app_factory()
        assert set(other.contract(mc100_id).sub_contracts) == {"ERP", "SITE-B"}


def test_a_later_export_adds_only_what_is_new(app: QuoteToCash, tmp_path: Path) -> None:
    acme, _ = customers(app)
    imp = ContractImporter(app)
    imp.import_file(DATA / "crm_contracts.csv", actor="crm-sync")
    text = (DATA / "crm_contracts.csv").read_text()
    later = tmp_path / "later.csv"
    later.write_text(
        text + "MC-100;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;active;"
        "CRM;CRM licence;licence;2024-07-01;;300,00\n"
    )
    report = imp.import_file(later, actor="crm-sync")
    assert (report.recorded, report.skipped) == (1, 3)
    (mc100_id,) = app.customer(acme).contract_ids
    assert set(app.contract(mc100_id).sub_contracts) == {"ERP", "SITE-B", "CRM"}
    assert len(app.customer(acme).contract_ids) == 1


def test_a_sub_contract_recorded_with_other_terms_is_refused(
    app: QuoteToCash, tmp_path: Path
) -> None:
    customers(app)
    imp = ContractImporter(app)
    imp.import_file(DATA / "crm_contracts.csv", actor="crm-sync")
    changed = tmp_path / "changed.csv"
    changed.write_text(
        (DATA / "crm_contracts.csv")
        .read_text()
        .replace("ERP licence;licence;;;1200,00", "ERP licence;licence;;;1500,00")
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        imp.import_file(changed, actor="crm-sync")
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "annual_price")]
    (problem,) = caught.value.problems
    assert "'ERP'" in problem.rule and "1,200.00 EUR" in problem.rule
    assert "1,500.00 EUR" in problem.rule
    assert app.recorder.max_notification_id() == before


def test_a_file_with_bad_rows_records_nothing_and_names_every_line(app: QuoteToCash) -> None:
    customers(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        ContractImporter(app).import_file(DATA / "crm_contracts_bad.csv", actor="crm-sync")
    problems = {p.line: p for p in caught.value.problems}
    assert sorted(problems) == [3, 4, 5, 6]
    # (the column that differs from the contract's first row, line 2)
    assert problems[3].field == "frequency" and "line 2" in problems[3].rule
    assert problems[4].field == "customer" and "Nobody Ltd" in problems[4].rule
    assert problems[5].field == "frequency"
    assert problems[6].field == "kind"
    assert app.recorder.max_notification_id() == before
    assert all(not c.contract_ids for c in app.customers())


def test_a_sub_contract_outside_the_term_is_a_row_error(app: QuoteToCash, tmp_path: Path) -> None:
    customers(app)
    f = tmp_path / "late.csv"
    f.write_text(
        "contract,customer,currency,term_start,term_end,frequency,sub_id,description,"
        "effective_from,annual_price\n"
        "MC-9,Acme GmbH,EUR,2024-01-01,2024-12-31,annual,X,Late,2025-06-01,100\n"
    )
    with pytest.raises(ImportRejected) as caught:
        ContractImporter(app).import_file(f, actor="crm-sync")
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "effective_from")]


def test_later_exports_end_a_sub_contract_extend_it_again_and_activate_a_contract(
    app: QuoteToCash, tmp_path: Path
) -> None:
    _, globex = customers(app)
    imp = ContractImporter(app)
    imp.import_file(DATA / "crm_contracts.csv", actor="crm-sync")
    (mc200_id,) = app.customer(globex).contract_ids
    header = (DATA / "crm_contracts.csv").read_text().splitlines()[0]
    later = tmp_path / "later.csv"
    later.write_text(
        header + "\n"
        "MC-200;Globex SA;EUR;2024-07-01;2025-06-30;quarterly;2024-06-20;active;HW;"
        "Server maintenance;product;;2025-03-31;2400,00\n"
    )
    report = imp.import_file(later, actor="crm-sync")
    assert report.recorded == 1
    mc200 = app.contract(mc200_id)
    assert mc200.status is ContractStatus.ACTIVE
    assert mc200.sub_contracts["HW"].effective_to == date(2025, 4, 1)
    # the CRM had ended it by mistake: a later end extends it again
    longer = tmp_path / "longer.csv"
    longer.write_text(later.read_text().replace("2025-03-31", "2025-05-31"))
    assert imp.import_file(longer, actor="crm-sync").recorded == 1
    assert app.contract(mc200_id).sub_contracts["HW"].effective_to == date(2025, 6, 1)
    assert imp.import_file(longer, actor="crm-sync").already_imported


def test_an_evergreen_contract_keeps_its_renewal_uplift(app: QuoteToCash, tmp_path: Path) -> None:
    customers(app)
    f = tmp_path / "evergreen.csv"
    f.write_text(
        "contract,customer,currency,term_start,term_end,frequency,evergreen,uplift_percent\n"
        "MC-7,Acme GmbH,EUR,2024-01-01,2024-12-31,annual,yes,3.5%\n"
    )
    ContractImporter(app).import_file(f, actor="crm-sync")
    (acme,) = [c for c in app.customers() if c.name == "Acme GmbH"]
    contract = app.contract(acme.contract_ids[0])
    assert contract.auto_renew
    assert contract.renewal_uplift_percent == Decimal("3.5")
    assert contract.signed_on == date(2024, 1, 1)  # no signed_on column: the term's start


HEADER = (
    "contract_number;customer;currency;term_start;term_end;frequency;signed_on;status;"
    "sub_id;description;kind;effective_from;effective_to;annual_price\n"
)


def test_a_customer_signs_two_new_contracts_in_one_export(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    """Globex signs server and software maintenance the same day: the CRM exports both."""
    app = app_factory()
    _, globex = customers(app)
    text = HEADER + (
        "MC-200;Globex SA;EUR;2024-07-01;2025-06-30;quarterly;2024-06-20;active;HW;"
        "Server maintenance;product;;;2400,00\n"
        "MC-201;Globex SA;EUR;2024-07-01;2025-06-30;monthly;2024-06-20;active;SW;"
        "Software maintenance;licence;;;1200,00\n"
    )
    imp = ContractImporter(app, today=date(2024, 7, 1))
    report = imp.import_bytes(text.encode(), "globex.csv", actor="crm-sync")
    assert (report.rows, report.recorded, report.skipped) == (2, 4, 0)
    contracts = [app.contract(i) for i in app.customer(globex).contract_ids]
    assert [c.number for c in contracts] == ["MC-200", "MC-201"]
    assert all(c.status is ContractStatus.ACTIVE for c in contracts)
    assert [set(c.sub_contracts) for c in contracts] == [{"HW"}, {"SW"}]
    if backend_url != "memory:":
        other = app_factory()
        assert len(other.customer(globex).contract_ids) == 2


def test_one_contract_number_for_two_customers_then_a_bad_row_names_that_row(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    """MC-100 is a number at Acme and at Globex; a later row with other terms is the only error,
    reported as such, and nothing of the file is recorded."""
    app = app_factory()
    acme, globex = customers(app)
    rows = (
        "MC-100;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;active;;;;;;\n"
        "MC-100;Globex SA;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;active;;;;;;\n"
        "MC-300;Acme GmbH;EUR;2024-01-01;2024-12-31;annual;2023-12-15;;;;;;;\n"
    )
    bad = "MC-100;Acme GmbH;EUR;2024-01-01;2024-12-31;quarterly;2023-12-15;active;;;;;;\n"
    imp = ContractImporter(app, today=date(2024, 1, 2))
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        imp.import_bytes((HEADER + rows + bad).encode(), "two.csv", actor="crm-sync")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (5, "frequency")
    assert "line 2" in problem.rule
    assert app.recorder.max_notification_id() == before
    assert all(not c.contract_ids for c in app.customers())

    report = imp.import_bytes((HEADER + rows).encode(), "two.csv", actor="crm-sync")
    assert report.recorded == 3
    numbers = {
        who: [app.contract(i).number for i in app.customer(who).contract_ids]
        for who in (acme, globex)
    }
    assert numbers == {acme: ["MC-100", "MC-300"], globex: ["MC-100"]}


@pytest.mark.parametrize("status", ["zombie", "Aktiv", "signed"])
def test_a_contract_status_the_export_does_not_document_is_refused(
    app_factory: Callable[[], QuoteToCash], backend_url: str, status: str
) -> None:
    """Only ``active`` (or nothing) may stand in the status column: a contract is never
    imported silently not activated because its status was spelt otherwise."""
    app = app_factory()
    customers(app)
    text = HEADER + (
        "MC-100;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;ACTIVE;;;;;;\n"
        f"MC-101;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;{status};;;;;;\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        ContractImporter(app).import_bytes(text.encode(), "status.csv", actor="crm-sync")
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, "status")]
    assert "active" in caught.value.problems[0].rule
    assert app.recorder.max_notification_id() == before
    assert all(not c.contract_ids for c in app.customers())


def test_a_point_in_a_decimal_comma_export_separates_thousands(app: QuoteToCash) -> None:
    """The CRM writes 600,00: its 1.200 is one thousand two hundred, and its 2.5 is an error."""
    acme, _ = customers(app)
    rows = (
        "MC-100;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;active;ERP;ERP;licence;;;"
        "1.200\n"
        "MC-100;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;active;SITE;Site;site;;;"
        "600,00\n"
    )
    imp = ContractImporter(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        imp.import_bytes(
            (HEADER + rows + rows.replace("1.200", "2.5").replace("ERP;ERP", "X;X")).encode(),
            "prices.csv",
            actor="crm-sync",
        )
    assert [(p.line, p.field) for p in caught.value.problems] == [(4, "annual_price")]
    assert app.recorder.max_notification_id() == before

    imp.import_bytes((HEADER + rows).encode(), "prices.csv", actor="crm-sync")
    (contract_id,) = app.customer(acme).contract_ids
    erp = app.contract(contract_id).sub_contracts["ERP"]
    assert erp.price_on(date(2024, 6, 1)) == Money.of("1200.00", "EUR")


@pytest.mark.parametrize(
    "item",
    [
        ";ERP licence;licence;;;1200,00",  # a priced line
        ";ERP licence;;;;",  # only its description
        ";;;;;1200,00",  # only its price
        ";;;2024-03-01;;",  # only its start
        ";;;;2024-06-30;",  # only its end
        ";;licence;;;",  # only its kind
    ],
    ids=["priced", "description", "price", "from", "to", "kind"],
)
@pytest.mark.parametrize("sub_id", ["", "  "], ids=["empty", "blank"])
def test_a_sub_contract_row_without_its_sub_id_is_refused_not_signed_without_it(
    app: QuoteToCash, item: str, sub_id: str
) -> None:
    """The CRM lost the ERP line's id: signing MC-100 without the licence would bill nothing
    for it. The file is refused naming sub_id, and nothing is recorded."""
    customers(app)
    text = HEADER + (
        f"MC-100;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;active;{sub_id}{item}\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        ContractImporter(app).import_bytes(text.encode(), "lost_id.csv", actor="crm-sync")
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "sub_id")]
    assert "description" in caught.value.problems[0].rule
    assert app.recorder.max_notification_id() == before
    assert all(not c.contract_ids for c in app.customers())


def test_a_row_with_no_sub_contract_columns_signs_the_contract_alone(app: QuoteToCash) -> None:
    """A contract the CRM lists before its lines are priced: signed, with no sub-contract."""
    acme, _ = customers(app)
    text = HEADER + "MC-100;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;active;  ;;;;;\n"
    report = ContractImporter(app).import_bytes(text.encode(), "bare.csv", actor="crm-sync")
    assert report.recorded == 1
    (mc100_id,) = app.customer(acme).contract_ids
    assert app.contract(mc100_id).sub_contracts == {}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (";;2024-06-30;1200,00", ";;2024-03-31;1200,00"),  # ends on another day
        (";;2024-03-31;1200,00", ";;2024-06-30;1200,00"),  # the other order
        (";;;1200,00", ";;;1500,00"),  # another price
        (";;;1200,00", ";2024-02-01;;1200,00"),  # starts on another day
    ],
    ids=["ends-earlier", "ends-later", "price", "start"],
)
def test_one_export_giving_a_sub_contract_twice_with_other_terms_is_refused(
    app: QuoteToCash, first: str, second: str
) -> None:
    """The CRM lists Acme's ERP licence twice with different terms: the file contradicts
    itself, and which row came first must not decide what Acme is billed. Refused naming
    sub_id and the earlier line; nothing is recorded."""
    customers(app)
    row = "MC-100;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;active;ERP;ERP;licence"
    text = HEADER + f"{row}{first}\n{row}{second}\n"
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        ContractImporter(app).import_bytes(text.encode(), "twice.csv", actor="crm-sync")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "sub_id")
    assert "line 2" in problem.rule
    assert app.recorder.max_notification_id() == before
    assert all(not c.contract_ids for c in app.customers())


def test_one_export_repeating_a_sub_contract_as_it_is_records_it_once(app: QuoteToCash) -> None:
    """The same ERP row twice, as the same contract's columns may repeat: one licence."""
    acme, _ = customers(app)
    row = (
        "MC-100;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;2023-12-15;active;ERP;ERP licence;"
        "licence;;2024-06-30;1200,00\n"
    )
    report = ContractImporter(app).import_bytes((HEADER + row + row).encode(), "rep.csv", actor=A)
    assert (report.rows, report.recorded, report.skipped) == (2, 2, 1)
    (mc100_id,) = app.customer(acme).contract_ids
    assert app.contract(mc100_id).sub_contracts["ERP"].effective_to == date(2024, 7, 1)
