"""The customer account: who the customer is and which documents belong to it."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.event_facts import ChecksFacts
from q2c_core.domain.money import Money
from q2c_core.domain.tax import TaxRate
from q2c_core.domain.values import TimeOrderedIds


class Customer(ChecksFacts, TimeOrderedIds, Aggregate):
    """A customer, its billing defaults, and the index of its requests, invoices and payments.

    Each index entry records who made the document it lists (``actor``; empty in histories
    recorded before it was kept, which still load)."""

    @event("CustomerRegistered")
    def __init__(
        self,
        name: str,
        currency: str,
        account_manager: str,
        actor: str,
        payment_terms_days: int = 30,
        tax_rate: TaxRate | None = None,
        country: str = "",
        tax_id: str = "",
        address: str = "",
    ) -> None:
        if not name.strip():
            raise InvalidValue("must not be empty", field="name")
        if payment_terms_days < 0:
            raise InvalidValue("must not be negative", field="payment_terms_days")
        Money.zero(currency)
        self.name = name
        self.currency = currency
        self.account_manager = account_manager
        self.payment_terms_days = payment_terms_days
        self.tax_rate = tax_rate or TaxRate.standard(Decimal(0))
        self.country = country
        self.tax_id = tax_id
        self.address = address
        self.request_ids: list[UUID] = []
        self.invoice_ids: list[UUID] = []
        self.payment_ids: list[UUID] = []
        self.contract_ids: list[UUID] = []
        self.allowance_ids: list[UUID] = []

    @event("RequestOpened")
    def add_request(self, request_id: UUID, actor: str = "") -> None:
        """A request was opened for this customer."""
        self.request_ids.append(request_id)

    @event("InvoiceDraftedFor")
    def add_invoice(self, invoice_id: UUID, actor: str = "") -> None:
        """An invoice or credit note was drafted for this customer."""
        self.invoice_ids.append(invoice_id)

    @event("PaymentReceivedFrom")
    def add_payment(self, payment_id: UUID, actor: str = "") -> None:
        """A payment came in from this customer."""
        self.payment_ids.append(payment_id)

    @event("ContractSignedWith")
    def add_contract(self, contract_id: UUID, actor: str = "") -> None:
        """A maintenance contract was signed with this customer."""
        self.contract_ids.append(contract_id)

    @event("AllowanceGrantedTo")
    def add_allowance(self, allowance_id: UUID, actor: str = "") -> None:
        """A prepaid allowance was granted to this customer."""
        self.allowance_ids.append(allowance_id)
