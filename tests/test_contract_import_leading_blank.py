"""An export that starts with a blank line imports as the same export without it.

Some CRM exporters write a byte-order mark and an empty line before the header. The importers
took that empty line for the header (and picked the delimiter from it), so every column was
"missing" and a well-formed export was refused. Blank lines before the header are skipped, as
blank data rows are; every problem still names the line of the file it is on.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_import_bank import build as invoices
from test_import_time_entries import build as requests
from test_import_time_entries import importer as psa

from q2c_adapters.importers.bank import BankStatementImporter, read_bank_csv
from q2c_adapters.importers.contracts import ContractImporter, read_contracts_csv
from q2c_adapters.importers.time_entries import read_time_entries_csv
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = (
    "contract_number;customer;term_start;term_end;frequency;status;sub_id;description;"
    "annual_price\n"
)
ROW = "MC-100;Acme GmbH;01.01.2024;31.12.2024;monthly;active;ERP;ERP licence;1.200,00\n"
LEADING = ["\n", "\r\n", " \t\r\n", "\n  \n\r\n"]


def crm_import(text: str) -> tuple[QuoteToCash, int]:
    app = QuoteToCash.open("memory:")
    app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="crm")
    report = ContractImporter(app, today=date(2024, 1, 2)).import_bytes(
        text.encode("utf-8"), "crm.csv", actor="crm"
    )
    return app, report.recorded


@pytest.mark.parametrize("blank", LEADING, ids=["LF", "CRLF", "spaces", "several"])
def test_a_crm_export_with_a_bom_and_blank_lines_before_its_header_imports(blank: str) -> None:
    app, recorded = crm_import("\ufeff" + blank + HEADER + ROW)
    _, without = crm_import("\ufeff" + HEADER + ROW)
    assert recorded == without >= 1
    (contract,) = app.all_contracts()
    assert contract.number == "MC-100"
    app.close()


def test_problems_name_the_lines_of_the_file_as_it_is() -> None:
    """Two blank lines, the header on line 3, a row with a bad date on line 5: the problem says
    line 5, and a missing column says line 3, where the header is."""
    text = "\n\n" + HEADER + ROW + ROW.replace("01.01.2024", "31.02.2024")
    rows, problems = read_contracts_csv(text)
    assert [r.line for r in rows] == [4]
    assert [(p.line, p.field) for p in problems] == [(5, "term_start")]

    _, problems = read_contracts_csv("\n\n" + HEADER.replace("customer;", "") + ROW)
    assert [(p.line, p.field, p.rule) for p in problems] == [(3, "customer", "column is missing")]


def test_an_export_of_blank_lines_only_misses_its_columns() -> None:
    _, problems = read_contracts_csv("\n \n\r\n")
    assert problems and {p.rule for p in problems} == {"column is missing"}


def test_the_crm_import_with_a_leading_blank_is_refused_for_a_bad_row_with_nothing_recorded(
    app: QuoteToCash,
) -> None:
    app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="crm")
    before = app.recorder.max_notification_id()
    text = "\ufeff\r\n" + HEADER + ROW.replace("1.200,00", "lots")
    with pytest.raises(ImportRejected) as caught:
        ContractImporter(app, today=date(2024, 1, 2)).import_bytes(
            text.encode(), "crm.csv", actor="crm"
        )
    assert [p.line for p in caught.value.problems] == [3]
    assert app.recorder.max_notification_id() == before


def test_a_bank_statement_with_a_blank_first_line_books_its_credits(app: QuoteToCash) -> None:
    ids = invoices(app)
    text = (
        "\ufeff\n"
        "date;amount;currency;remittance;name;reference\n"
        "02.04.2024;1.190,00;EUR;INV-000001;ACME GMBH;B-2\n"
    )
    credits, problems, _ = read_bank_csv(text)
    assert problems == []
    assert [c.line for c in credits] == [3]
    BankStatementImporter(app, today=date(2024, 4, 3)).import_bytes(
        text.encode(), "bank.csv", actor="bank-sync"
    )
    assert len(app.bank_credits()) == 1
    assert app.invoice(ids["INV-000001"]).outstanding.is_zero()


def test_a_psa_export_with_a_blank_first_line_imports_its_hours(app: QuoteToCash) -> None:
    ids = requests(app)
    body = "worker,date,hours,ticket,notes\nbob,2024-03-04,2,TKT-101,setup\n"
    rows, problems = read_time_entries_csv("\n" + body, today=date(2024, 3, 10))
    assert problems == []
    assert [r.line for r in rows] == [3]
    report = psa(app, ids).import_bytes(("\n" + body).encode(), "psa.csv", actor="psa")
    assert report.recorded == 1
