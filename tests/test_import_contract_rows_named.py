"""A newer CRM export that the recorded contracts do not allow is refused naming the column that
is wrong and its line, and records nothing: Acme is billed afterwards as before, each
sub-contract once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportRejected, RowProblem

A = "crm-sync"
HEADER = (
    "contract;customer;currency;term_start;term_end;frequency;status;sub_id;description;kind;"
    "effective_from;annual_price\n"
)


def row(
    *,
    customer: str = "Acme GmbH",
    sub_id: str = "ERP-1",
    description: str = "ERP licence",
    start: str = "2024-01-01",
    price: str = "1200.00",
    contract: str = "MC-1",
) -> str:
    return (
        f"{contract};{customer};EUR;2024-01-01;2024-12-31;monthly;active;{sub_id};"
        f"{description};licence;{start};{price}\n"
    )


def first_export(tmp_path: Path) -> tuple[QuoteToCash, UUID, UUID]:
    """Acme's ERP licence (1,200 a year, billed monthly) and a Berlin site, imported from the
    CRM into a SQLite file; January billed."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)
    text = HEADER + row() + row(sub_id="SITE-B", description="Berlin site", price="600.00")
    ContractImporter(app).import_bytes(text.encode(), "v1.csv", actor=A)
    (contract_id,) = app.customer(acme).contract_ids
    (january,) = app.run_billing(date(2024, 1, 31), actor="run").invoice_ids
    assert app.invoice(january).net == Money.of("150.00", "EUR")
    return app, acme, contract_id


def refused(app: QuoteToCash, text: str, name: str) -> list[RowProblem]:
    """The problems of a refused file; nothing was recorded."""
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        ContractImporter(app).import_bytes(text.encode(), name, actor=A)
    assert app.recorder.max_notification_id() == before
    return list(caught.value.problems)


def billed_once_afterwards(tmp_path: Path, app: QuoteToCash, contract_id: UUID) -> None:
    """February's run (on the file reopened) bills the licence and the site once each."""
    app.close()
    again = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    try:
        contract = again.contract(contract_id)
        assert sorted(contract.sub_contracts) == ["ERP-1", "SITE-B"]
        assert contract.annual_value(date(2024, 2, 1)) == Money.of("1800.00", "EUR")
        (february,) = again.run_billing(date(2024, 2, 29), actor="run").invoice_ids
        invoice = again.invoice(february)
        assert invoice.net == Money.of("150.00", "EUR")
        assert sorted(line.net for line in invoice.lines) == [
            Money.of("50.00", "EUR"),
            Money.of("100.00", "EUR"),
        ]
    finally:
        again.close()


def test_a_customer_id_no_customer_has_names_the_customer_column(tmp_path: Path) -> None:
    """The CRM writes q2c customer ids; one that is nobody's (a typo, another system's id) and
    one that is a contract's are refused as a customer name nobody has is: naming the customer
    column (the file has no column 'id'), on their lines."""
    app, _, contract_id = first_export(tmp_path)
    nobody = str(uuid4())
    text = HEADER + row(customer=nobody) + row(customer=str(contract_id)) + row(customer="Nobody")
    problems = refused(app, text, "ids.csv")
    assert [(p.line, p.field) for p in problems] == [
        (2, "customer"),
        (3, "customer"),
        (4, "customer"),
    ]
    assert "no customer has this id" in problems[0].rule and nobody in problems[0].rule
    assert "no customer has this id" in problems[1].rule and str(contract_id) in problems[1].rule
    assert "Contract" in problems[1].rule
    billed_once_afterwards(tmp_path, app, contract_id)


def test_a_customer_id_of_a_customer_still_finds_it(tmp_path: Path) -> None:
    app, acme, contract_id = first_export(tmp_path)
    report = ContractImporter(app).import_bytes(
        (HEADER + row(customer=str(acme))).encode(), "by-id.csv", actor=A
    )
    assert (report.rows, report.recorded, report.skipped) == (1, 0, 1)
    billed_once_afterwards(tmp_path, app, contract_id)


@pytest.mark.parametrize("written", ["erp 1", "ERP1", "erp-1", "Erp_1"])
def test_a_newer_export_writing_a_sub_id_otherwise_is_refused(tmp_path: Path, written: str) -> None:
    """A newer CRM export writes the ERP licence's id as 'erp 1': not a second licence billed
    beside the first (2,400 a year), but refused naming sub_id, saying how it is recorded."""
    app, _, contract_id = first_export(tmp_path)
    problems = refused(app, HEADER + row(sub_id=written), "v2.csv")
    assert [(p.line, p.field) for p in problems] == [(2, "sub_id")]
    assert "'ERP-1'" in problems[0].rule and "as recorded" in problems[0].rule
    billed_once_afterwards(tmp_path, app, contract_id)


def test_one_export_writing_a_new_sub_id_two_ways_is_refused(tmp_path: Path) -> None:
    """A new CRM line written 'CRM-7' then 'crm 7' in the same file is one sub-contract, not
    two: the later row is refused naming sub_id and the line that wrote it first; the file
    records nothing (its other, good, rows neither)."""
    app, _, contract_id = first_export(tmp_path)
    text = HEADER + row(sub_id="CRM-7", price="300.00") + row(sub_id="crm 7", price="300.00")
    problems = refused(app, text, "both.csv")
    assert [(p.line, p.field) for p in problems] == [(3, "sub_id")]
    assert "'CRM-7'" in problems[0].rule and "line 2" in problems[0].rule
    billed_once_afterwards(tmp_path, app, contract_id)


def test_one_export_writing_a_recorded_sub_id_two_ways_is_refused(tmp_path: Path) -> None:
    app, _, contract_id = first_export(tmp_path)
    problems = refused(app, HEADER + row() + row(sub_id="erp1"), "both.csv")
    assert [(p.line, p.field) for p in problems] == [(3, "sub_id")]
    assert "'ERP-1'" in problems[0].rule
    billed_once_afterwards(tmp_path, app, contract_id)


def test_a_sub_id_like_another_contracts_is_a_sub_contract_of_its_own(tmp_path: Path) -> None:
    """'erp 1' on another contract of Acme's is that contract's licence: signed as given."""
    app, acme, _ = first_export(tmp_path)
    report = ContractImporter(app).import_bytes(
        (HEADER + row(contract="MC-2", sub_id="erp 1")).encode(), "mc2.csv", actor=A
    )
    assert report.recorded == 2
    assert len(app.customer(acme).contract_ids) == 2
    app.close()


@pytest.mark.parametrize(
    ("change", "column", "recorded", "new"),
    [
        ({"price": "1500.00"}, "annual_price", "1,200.00 EUR", "1,500.00 EUR"),
        ({"start": "2024-02-01"}, "effective_from", "2024-01-01", "2024-02-01"),
    ],
    ids=["price", "start"],
)
def test_a_newer_export_changing_a_sub_contracts_terms_names_the_column(
    tmp_path: Path, change: dict[str, str], column: str, recorded: str, new: str
) -> None:
    """A newer export changing the ERP licence's price or start is refused naming that column,
    with what is recorded and what the row says; January stays billed as it was and February
    bills the licence once at its recorded price."""
    app, _, contract_id = first_export(tmp_path)
    problems = refused(app, HEADER + row(**change), "v2.csv")
    assert [(p.line, p.field) for p in problems] == [(2, column)]
    assert "'ERP-1'" in problems[0].rule
    assert recorded in problems[0].rule and new in problems[0].rule
    billed_once_afterwards(tmp_path, app, contract_id)


def test_a_newer_export_changing_price_and_start_names_both(tmp_path: Path) -> None:
    app, _, contract_id = first_export(tmp_path)
    problems = refused(app, HEADER + row(start="2024-02-01", price="1500.00"), "v2.csv")
    assert [(p.line, p.field) for p in problems] == [(2, "effective_from")]
    assert "annual_price" in problems[0].rule and "1,500.00 EUR" in problems[0].rule
    billed_once_afterwards(tmp_path, app, contract_id)
