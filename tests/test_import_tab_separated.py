"""A spreadsheet saved as "Text (tab delimited)" or Excel's "Unicode text" (UTF-16, which Excel
always writes with tabs) separates its cells with tabs. The reader picked only a comma or a
semicolon, so such an export was read as one column and refused with every column "missing",
though the file had them all: dana's hours and the CRM's contracts never got in."""

from __future__ import annotations

from datetime import date

import pytest
from test_import_contracts import customers
from test_import_time_entries import build as requests
from test_import_time_entries import importer as psa

from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import Money, QuoteToCash

PSA = "Worker\tDate\tHours\tTicket\tNotes\r\ndana\t05.03.2024\t2,5\tTKT-101\tCSV, export\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"], ids=["tab delimited", "unicode text"])
def test_a_tab_separated_psa_export_logs_its_hours(app: QuoteToCash, encoding: str) -> None:
    ids = requests(app)
    report = psa(app, ids).import_bytes(PSA.encode(encoding), "hours.txt", actor="psa-sync")
    assert (report.rows, report.recorded) == (1, 1)
    (work,) = app.request(ids["TKT-101"]).work
    assert (work.entry.worker, work.entry.work_date) == ("dana", date(2024, 3, 5))
    assert work.entry.hours == 2.5
    assert work.entry.note == "CSV, export"  # a comma in a cell is no separator here


def test_a_tab_separated_crm_export_signs_its_contracts(app: QuoteToCash) -> None:
    acme, _ = customers(app)
    text = (
        "Contract\tCustomer\tTerm start\tTerm end\tFrequency\tSub id\tDescription\tKind\t"
        "Annual price\n"
        "MC-100\tAcme GmbH\t2024-01-01\t2024-12-31\tmonthly\tERP\tERP; licence\tlicence\t"
        "1.200,00\n"
    )
    importer = ContractImporter(app, today=date(2024, 1, 2))
    report = importer.import_bytes(text.encode("utf-16"), "crm.txt", actor="crm-sync")
    assert (report.rows, report.recorded) == (1, 2)
    (contract_id,) = app.customer(acme).contract_ids
    erp = app.contract(contract_id).sub_contracts["ERP"]
    assert erp.description == "ERP; licence"
    assert erp.price_on(date(2024, 1, 1)) == Money.of("1200.00", "EUR")
