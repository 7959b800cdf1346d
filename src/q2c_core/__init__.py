"""q2c: event-sourced quote-to-cash.

Every business fact is an immutable event, so nothing done for a client falls out of billing and
an auditor can replay the history to the same numbers. Start with ``QuoteToCash.open(url)``.
"""

from q2c_core.application import CustomerSummary, QuoteToCash, WorkBuckets
from q2c_core.billing_run import BillingDraft, BillingRunResult, ExpiringContract, PostedDocument
from q2c_core.domain.allocation import Allocation, OpenItem, allocate_payment
from q2c_core.domain.bank_credit import BankCredit, CreditStatus, StatementCredit, SuspenseReason
from q2c_core.domain.billing import (
    Correction,
    PastDuePolicy,
    billing_periods,
    charge_period,
    correct_period,
    day_count,
    due_periods,
)
from q2c_core.domain.billing_records import BilledPeriod, BilledSlice
from q2c_core.domain.cards import contains_card_number, luhn_valid
from q2c_core.domain.contract import (
    BillingFrequency,
    BillingTiming,
    Contract,
    ContractStatus,
    DayCount,
    PeriodAlignment,
    PricePoint,
    SubContract,
    SubContractKind,
)
from q2c_core.domain.customer import Customer
from q2c_core.domain.enhancement_request import (
    EnhancementRequest,
    Estimate,
    Expense,
    PurchaseOrder,
    RequestStatus,
    TimeEntry,
)
from q2c_core.domain.errors import (
    AllowanceExhausted,
    ApprovalRefused,
    CardNumberRefused,
    ConcurrencyConflict,
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    InvoiceLinesRejected,
    NotFound,
    OverAllocation,
    PurchaseOrderBelowEstimate,
    Q2CError,
    RuleViolated,
    WorkNotAuthorized,
)
from q2c_core.domain.import_batch import (
    ImportBatch,
    ImportKind,
    ImportRejected,
    ImportReport,
    ImportSource,
    RowProblem,
)
from q2c_core.domain.import_rows import BankCreditRow, ContractRow, SubContractRow, TimeEntryRow
from q2c_core.domain.invoice import (
    ApprovalPolicy,
    CreditDisposition,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
)
from q2c_core.domain.invoice_lines import (
    InvoiceLine,
    LineSource,
    RevenueKind,
    SourceKind,
    check_lines,
)
from q2c_core.domain.invoice_numbering import InvoiceNumberSeries
from q2c_core.domain.money import Money, minor_units, split_by_weights
from q2c_core.domain.payment import Payment, PaymentAllocation
from q2c_core.domain.prepaid_allowance import (
    AllowanceStatus,
    AllowanceUnit,
    Charge,
    Draw,
    PrepaidAllowance,
    draw_in_work_date_order,
)
from q2c_core.domain.remittance import (
    CreditMatch,
    InvoiceNumberIndex,
    MatchedBy,
    invoice_numbers_in,
    match_credit,
    normalize_number,
)
from q2c_core.domain.tax import TaxCategory, TaxRate, TaxSubtotal, tax_subtotals
from q2c_core.domain.values import Period, hours, named_id, new_id
from q2c_core.ports import AccountingSink, DocumentRenderer, Importer, PoisonEvent
from q2c_core.storage import env_for_url

__all__ = [
    "AccountingSink",
    "Allocation",
    "AllowanceExhausted",
    "AllowanceStatus",
    "AllowanceUnit",
    "ApprovalPolicy",
    "ApprovalRefused",
    "BankCredit",
    "BankCreditRow",
    "BilledPeriod",
    "BilledSlice",
    "BillingDraft",
    "BillingFrequency",
    "BillingRunResult",
    "BillingTiming",
    "CardNumberRefused",
    "Charge",
    "ConcurrencyConflict",
    "Contract",
    "ContractRow",
    "ContractStatus",
    "Correction",
    "CreditDisposition",
    "CreditMatch",
    "CreditStatus",
    "CurrencyMismatch",
    "Customer",
    "CustomerSummary",
    "DayCount",
    "DocumentRenderer",
    "Draw",
    "DuplicateEntry",
    "EnhancementRequest",
    "Estimate",
    "Expense",
    "ExpiringContract",
    "ImportBatch",
    "ImportKind",
    "ImportRejected",
    "ImportReport",
    "ImportSource",
    "Importer",
    "InvalidTransition",
    "InvalidValue",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceLinesRejected",
    "InvoiceNumberIndex",
    "InvoiceNumberSeries",
    "InvoiceStatus",
    "LineSource",
    "MatchedBy",
    "Money",
    "NotFound",
    "OpenItem",
    "OverAllocation",
    "PastDuePolicy",
    "Payment",
    "PaymentAllocation",
    "Period",
    "PeriodAlignment",
    "PoisonEvent",
    "PostedDocument",
    "PrepaidAllowance",
    "PricePoint",
    "PurchaseOrder",
    "PurchaseOrderBelowEstimate",
    "Q2CError",
    "QuoteToCash",
    "RequestStatus",
    "RevenueKind",
    "RowProblem",
    "RuleViolated",
    "SourceKind",
    "StatementCredit",
    "SubContract",
    "SubContractKind",
    "SubContractRow",
    "SuspenseReason",
    "TaxCategory",
    "TaxRate",
    "TaxSubtotal",
    "TimeEntry",
    "TimeEntryRow",
    "WorkBuckets",
    "WorkNotAuthorized",
    "allocate_payment",
    "billing_periods",
    "charge_period",
    "check_lines",
    "contains_card_number",
    "correct_period",
    "day_count",
    "draw_in_work_date_order",
    "due_periods",
    "env_for_url",
    "hours",
    "invoice_numbers_in",
    "luhn_valid",
    "match_credit",
    "minor_units",
    "named_id",
    "new_id",
    "normalize_number",
    "split_by_weights",
    "tax_subtotals",
]
