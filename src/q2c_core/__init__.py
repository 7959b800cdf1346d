"""q2c: event-sourced quote-to-cash.

Every business fact is an immutable event, so nothing done for a client falls out of billing and
an auditor can replay the history to the same numbers. Start with ``QuoteToCash.open(url)``.
"""

from q2c_core.application import CustomerSummary, QuoteToCash, WorkBuckets
from q2c_core.domain.allocation import Allocation, OpenItem, allocate_payment
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
    "BillingFrequency",
    "BillingTiming",
    "CardNumberRefused",
    "Charge",
    "ConcurrencyConflict",
    "Contract",
    "ContractStatus",
    "CreditDisposition",
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
    "Importer",
    "InvalidTransition",
    "InvalidValue",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceLinesRejected",
    "InvoiceNumberSeries",
    "InvoiceStatus",
    "LineSource",
    "Money",
    "NotFound",
    "OpenItem",
    "OverAllocation",
    "Payment",
    "PaymentAllocation",
    "Period",
    "PeriodAlignment",
    "PoisonEvent",
    "PrepaidAllowance",
    "PricePoint",
    "PurchaseOrder",
    "PurchaseOrderBelowEstimate",
    "Q2CError",
    "QuoteToCash",
    "RequestStatus",
    "RevenueKind",
    "RuleViolated",
    "SourceKind",
    "SubContract",
    "SubContractKind",
    "TaxCategory",
    "TaxRate",
    "TaxSubtotal",
    "TimeEntry",
    "WorkBuckets",
    "WorkNotAuthorized",
    "allocate_payment",
    "check_lines",
    "contains_card_number",
    "draw_in_work_date_order",
    "env_for_url",
    "hours",
    "luhn_valid",
    "minor_units",
    "named_id",
    "new_id",
    "split_by_weights",
    "tax_subtotals",
]
