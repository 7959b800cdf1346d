"""A CRM export whose sub-contract description is a spreadsheet cell of two lines.

Acme's CRM exports MC-100 with its ERP licence described over two lines in one quoted cell
("ERP licence" / "incl. support"). Every invoice line billing the licence prints that text, so
q2c takes a sub-contract's description only as one line of visible text, as
``add_sub_contract`` and ``describe_sub_contract`` do. The import refused the second row of
such a description (as a correction) but recorded the first as a new sub-contract, line break
and all: the next export of the same CRM data was then refused for ever. Now the file is
refused at the row, naming the description, and nothing of it is recorded.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import QuoteToCash, TaxRate
from q2c_core.domain.import_batch import ImportRejected

HEADER = (
    "Contract Number;Customer;Currency;Term Start;Term End;Frequency;Signed On;Status;"
    "Sub ID;Description;Kind;Effective From;Effective To;Annual Price\r\n"
)
ERP = (
    'MC-100;Acme GmbH;EUR;01.01.2024;31.12.2024;monthly;15.12.2023;active;ERP;"ERP licence'
    '{brk}incl. support";licence;;;1.200,00\r\n'
)
SITE = (
    "MC-100;Acme GmbH;EUR;01.01.2024;31.12.2024;monthly;15.12.2023;active;SITE-B;Berlin site;"
    "site;01.04.2024;30.09.2024;600,00\r\n"
)


@pytest.mark.parametrize("brk", ["\r\n", "\n", "\t"], ids=["crlf", "lf", "tab"])
def test_a_two_line_description_refuses_the_export_and_records_nothing(
    tmp_path: Path, brk: str
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = app.register_customer(
        "Acme GmbH", "EUR", account_manager="mia", actor="al", tax_rate=TaxRate.standard(19)
    )
    export = tmp_path / "crm.csv"
    export.write_bytes(("\ufeff" + HEADER + SITE + ERP.format(brk=brk)).encode())
    before = app.recorder.max_notification_id()

    with pytest.raises(ImportRejected) as refused:
        ContractImporter(app, today=date(2024, 1, 2)).import_file(export, actor="crm")

    [problem] = refused.value.problems
    assert problem.field == "description"
    assert "one line" in problem.rule
    assert problem.line == 3 + brk.count("\n")  # (the line the row ends on)
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).contract_ids == []


def test_the_export_written_on_one_line_is_recorded(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = app.register_customer(
        "Acme GmbH", "EUR", account_manager="mia", actor="al", tax_rate=TaxRate.standard(19)
    )
    export = tmp_path / "crm.csv"
    export.write_bytes(("\ufeff" + HEADER + SITE + ERP.format(brk=" ")).encode())

    report = ContractImporter(app, today=date(2024, 1, 2)).import_file(export, actor="crm")

    assert report.recorded == 3
    [contract_id] = app.customer(acme).contract_ids
    erp = app.contract(contract_id).sub_contracts["ERP"]
    assert erp.description == "ERP licence incl. support"
