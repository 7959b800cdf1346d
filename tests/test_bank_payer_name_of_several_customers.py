"""A credit whose payer's name is several customers' (a group's companies, told apart by the
ERP's reference) and whose text names no invoice waits in suspense as ambiguous (several
customers could be the payer), not as from an unknown customer: the clerk looks among those
customers, not for a new one."""

from __future__ import annotations

from datetime import date

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.bank_credit import SuspenseReason

HEADER = "date,amount,currency,remittance,name,iban,reference\n"


def test_a_payer_named_as_two_customers_is_ambiguous(app: QuoteToCash) -> None:
    app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="a", reference="E-1")
    app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="a", reference="E-2")
    app.register_customer("Initech", "EUR", account_manager="mia", actor="a")
    rows = (
        "2024-04-02,100.00,EUR,april,Acme GmbH,,R-1\n"
        "2024-04-02,50.00,EUR,april,Nobody Known Ltd,,R-2\n"
    )
    importer = BankStatementImporter(app, today=date(2024, 4, 30))
    importer.import_bytes((HEADER + rows).encode(), "april.csv", actor="bank-sync")
    reasons = {c.credit.bank_reference: c.suspense_reason for c in app.bank_suspense()}
    assert reasons == {
        "R-1": SuspenseReason.AMBIGUOUS,
        "R-2": SuspenseReason.UNKNOWN_CUSTOMER,
    }
    assert all(c.payment_id is None for c in app.bank_suspense())
