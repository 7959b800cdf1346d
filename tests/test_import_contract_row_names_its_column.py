"""A CRM row refused for what a sub-contract's cell holds names the file's column
(``description``), not the sub-contract's attribute (``sub_contract.description``), as the same
cell is named when the CRM corrects a recorded sub-contract's text."""

from __future__ import annotations

from datetime import date

import pytest

from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "contract,customer,term_start,term_end,frequency,sub_id,description,annual_price\n"
CARD = "4111 1111 1111 1111"


def test_a_card_number_in_a_new_sub_contracts_description_names_the_column(
    app: QuoteToCash,
) -> None:
    app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="crm")
    imp = ContractImporter(app, today=date(2024, 1, 2))
    text = HEADER + (
        "MC-1,Acme GmbH,2024-01-01,2024-12-31,monthly,ERP,ERP licence,1200\n"
        f"MC-2,Acme GmbH,2024-01-01,2024-12-31,monthly,SITE,paid by card {CARD},600\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as refused:
        imp.import_bytes(text.encode(), "crm.csv", actor="crm")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3, "description")
    assert "card" in problem.rule
    assert app.recorder.max_notification_id() == before
