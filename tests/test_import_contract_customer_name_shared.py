"""Two companies of a group share a name, told apart by the ERP's reference. A CRM export
naming the customer by that name is refused (q2c never picks one), and the refusal says which
customers carry the name and what the column takes instead: the customer's id."""

from __future__ import annotations

from datetime import date

import pytest

from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "contract,customer,term_start,term_end,frequency,sub_id,description,annual_price\n"


def test_a_name_two_customers_carry_names_both_and_asks_for_the_id(app: QuoteToCash) -> None:
    nl = app.register_customer("Acme", "EUR", account_manager="mia", actor="erp", reference="C-1")
    be = app.register_customer("ACME", "EUR", account_manager="max", actor="erp", reference="C-2")
    imp = ContractImporter(app, today=date(2024, 1, 2))
    text = HEADER + "MC-1,acme,2024-01-01,2024-12-31,monthly,ERP,ERP licence,1200\n"
    with pytest.raises(ImportRejected) as refused:
        imp.import_bytes(text.encode(), "crm.csv", actor="crm")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (2, "customer")
    assert "several customers have this name" in problem.rule
    assert str(nl) in problem.rule and "C-1" in problem.rule
    assert str(be) in problem.rule and "C-2" in problem.rule
    assert "id" in problem.rule.split(":")[-1]
    # named by its id, the row is that customer's
    by_id = HEADER + f"MC-1,{be},2024-01-01,2024-12-31,monthly,ERP,ERP licence,1200\n"
    assert imp.import_bytes(by_id.encode(), "crm2.csv", actor="crm").recorded == 2
    assert len(app.customer(be).contract_ids) == 1 and not app.customer(nl).contract_ids
