"""A CRM export touching a contract that no longer takes changes names that contract.

Acme's MC-1 (the Lyon site, S1) was terminated from 1 September, notice given in May. The CRM's
May export still adds a sub-contract to MC-1, and moves S1 to MC-2 from June: both rows are
refused, nothing recorded. They were refused as ``status: cannot add a sub-contract when
terminated``, naming the export's own status column (which the rows leave empty) and, for
the move on MC-2's row, not saying the contract refusing is MC-1. Now each names the contract
column and the contract refusing, by its number.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import QuoteToCash, TaxRate
from q2c_core.domain.import_batch import ImportRejected

HEADER = "contract,customer,term_start,term_end,frequency,status,sub_id,description,kind,"
HEADER += "effective_from,annual_price\n"
ROWS = (
    "MC-1,Acme GmbH,2024-01-01,2024-12-31,monthly,,S1,Lyon site,site,,1200.00\n"
    "MC-2,Acme GmbH,2024-01-01,2024-12-31,monthly,,X,Support,service,,100.00\n"
)


def test_rows_touching_a_terminated_contract_name_it(app: QuoteToCash) -> None:
    acme = app.register_customer(
        "Acme GmbH", "EUR", account_manager="mia", actor="a", tax_rate=TaxRate.standard(19)
    )
    ContractImporter(app, today=date(2024, 1, 2)).import_bytes(
        (HEADER + ROWS).encode(), "crm1.csv", actor="crm"
    )
    (mc1,) = [c for c in app.customer(acme).contract_ids if app.contract(c).number == "MC-1"]
    app.terminate_contract(
        mc1,
        effective=date(2024, 9, 1),
        reason="customer moved",
        actor="a",
        noticed_on=date(2024, 5, 1),
    )
    may = (
        HEADER
        + "MC-1,Acme GmbH,2024-01-01,2024-12-31,monthly,,S9,Paris site,site,2024-05-01,10.00\n"
        + "MC-2,Acme GmbH,2024-01-01,2024-12-31,monthly,,X,Support,service,,100.00\n"
        + "MC-2,Acme GmbH,2024-01-01,2024-12-31,monthly,,S1,Lyon site,site,2024-06-01,1200.00\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        ContractImporter(app, today=date(2024, 5, 2)).import_bytes(
            may.encode(), "crm2.csv", actor="crm"
        )
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (2, "contract"),
        (4, "contract"),
    ]
    for problem in caught.value.problems:
        assert problem.rule.startswith("contract MC-1: ")
        assert "terminated" in problem.rule
    assert app.recorder.max_notification_id() == before
    assert set(app.contract(mc1).sub_contracts) == {"S1"}
