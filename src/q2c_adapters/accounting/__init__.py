"""Accounting adapters: Beancount ledger, UBL 2.1 / PEPPOL BIS 3 e-invoices, CSV/JSON exports.

``PeppolValidator`` needs ``saxonche`` (imported when a validator is built, not before).
"""

from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    LedgerBook,
    Transaction,
    event_id,
    export_ledger,
    ledger_transactions,
)
from q2c_adapters.accounting.exports import (
    export,
    from_spreadsheet_text,
    invoice_records,
    invoices_csv,
    payment_records,
    payments_csv,
    spreadsheet_text,
)
from q2c_adapters.accounting.peppol_validation import Finding, PeppolValidator, ValidationResult
from q2c_adapters.accounting.seller import (
    EAS_SCHEMES,
    IDENTIFIER_RULES,
    BuyerParty,
    Endpoint,
    SellerProfile,
    endpoint_problem,
    iban_valid,
)
from q2c_adapters.accounting.ubl import (
    UblRenderer,
    credit_given_back,
    item_name,
    owed_credit_due_date,
    ubl_document,
)

__all__ = [
    "EAS_SCHEMES",
    "IDENTIFIER_RULES",
    "BeancountJournal",
    "BuyerParty",
    "Endpoint",
    "Finding",
    "LedgerBook",
    "PeppolValidator",
    "SellerProfile",
    "Transaction",
    "UblRenderer",
    "ValidationResult",
    "credit_given_back",
    "endpoint_problem",
    "event_id",
    "export",
    "export_ledger",
    "from_spreadsheet_text",
    "iban_valid",
    "invoice_records",
    "invoices_csv",
    "item_name",
    "ledger_transactions",
    "owed_credit_due_date",
    "payment_records",
    "payments_csv",
    "spreadsheet_text",
    "ubl_document",
]
