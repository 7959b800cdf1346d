"""The customer account: who the customer is and which documents belong to it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.event_facts import ChecksFacts
from q2c_core.domain.money import Money
from q2c_core.domain.parties import country_code, vat_id
from q2c_core.domain.tax import ZERO_RATED, TaxRate, require_tax_rate
from q2c_core.domain.values import TimeOrderedIds, named_id, new_id, person_key


@attrs.frozen
class CustomerDetails:
    """Who an invoice names as its buyer: the customer's name, address, country and VAT id.

    An issued invoice keeps the details it was issued with (``Invoice.buyer``), whatever is
    corrected later; a draft names the customer's details as they are (``buyer_details``)."""

    name: str
    address: str = ""
    country: str = ""
    tax_id: str = ""


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"must be text, not {type(value).__name__}", field=field, value=value)
    return value


class Customer(ChecksFacts, TimeOrderedIds, Aggregate):
    """A customer, its billing defaults, and the index of its requests, invoices and payments.

    Each index entry records who made the document it lists (``actor``; empty in histories
    recorded before it was kept, which still load).

    Its country and VAT id are what an e-invoice needs (``country_code``: ISO 3166-1 alpha-2;
    ``vat_id``: with its country prefix), checked when typed, at registration and by
    ``correct_details``, and recorded as an e-invoice carries them (``nl`` as ``NL``); a
    customer registered before q2c checked them still loads, and is corrected by
    ``correct_details``. Its name is corrected by ``rename`` (``Renamed``).

    A customer has an account manager, a person: a blank one is refused at registration
    (customers registered before still load). A customer an ERP registers may carry the ERP's
    key for it (``reference``): its id is then derived from it (``id_for_reference``), so
    the same reference always names the same customer."""

    # (class default: customers registered, and snapshots taken, before references were kept)
    reference: str = ""

    @staticmethod
    def create_id(reference: str = "") -> UUID:
        """A fresh time-ordered id, or the one ``reference`` names."""
        return Customer.id_for_reference(reference) if reference else new_id()

    @staticmethod
    def id_for_reference(reference: str) -> UUID:
        """The id of the customer registered with this reference (an ERP's customer key)."""
        return named_id("customer-reference", reference)

    @classmethod
    def _create(cls, event_class: type, **kwargs: Any) -> Any:
        """A new customer's country and VAT id are checked and written as an e-invoice carries
        them, its name and account manager must name someone (not only spaces or invisible
        characters), and its tax rate is a ``TaxRate`` (``require_tax_rate``: not the text
        "21", which no invoice line takes, nor standard at 0 %, which no e-invoice carries),
        recorded as ``ZERO_RATED`` when none is given; only new customers, so a history
        registered before these rules still loads (without a tax rate, standard at 0 %, as
        it was registered)."""
        for field, rule in (("country", country_code), ("tax_id", vat_id)):
            value = kwargs.get(field)
            if isinstance(value, str):  # (anything else is refused as the wrong type)
                kwargs[field] = rule(value, field)
        for field in ("name", "account_manager"):
            value = kwargs.get(field)
            if isinstance(value, str) and not person_key(value):
                raise InvalidValue("must not be empty", field=field, value=value)
        given = kwargs.get("tax_rate")
        kwargs["tax_rate"] = require_tax_rate(ZERO_RATED if given is None else given, "tax_rate")
        return super()._create(event_class, **kwargs)

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
        reference: str = "",
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
        self.reference = reference
        # the details as registered, kept by the first correction (None before any)
        self.first_details: CustomerDetails | None = None
        self.request_ids: list[UUID] = []
        self.invoice_ids: list[UUID] = []
        self.payment_ids: list[UUID] = []
        self.contract_ids: list[UUID] = []
        self.allowance_ids: list[UUID] = []

    @property
    def details(self) -> CustomerDetails:
        """What an invoice drafted or issued now names as its buyer."""
        return CustomerDetails(self.name, self.address, self.country, self.tax_id)

    @property
    def registered_details(self) -> CustomerDetails:
        """The details the customer was registered with (what an invoice issued before q2c
        kept its buyer names: they could not be corrected then)."""
        # (a snapshot taken before corrections existed has no first_details)
        return getattr(self, "first_details", None) or self.details

    def correct_details(
        self,
        actor: str,
        *,
        address: str | None = None,
        country: str | None = None,
        tax_id: str | None = None,
    ) -> bool:
        """Correct the customer's address, country or VAT id; what is not given stays.

        The country and VAT id are checked as at registration (what an e-invoice needs), the
        address as all text is (no card number, no control character). Invoices drafted or
        issued from now on name the new details; those issued before keep theirs. Returns
        whether anything changed: the same details again record nothing (a retry)."""
        if address is None and country is None and tax_id is None:
            raise InvalidValue(
                "give the address, the country or the VAT id to correct",
                field="details",
                aggregate_id=self.id,
            )
        now = self.details
        corrected = attrs.evolve(
            now,
            address=now.address if address is None else _text(address, "address"),
            country=now.country if country is None else country_code(_text(country, "country")),
            tax_id=now.tax_id if tax_id is None else vat_id(_text(tax_id, "tax_id")),
        )
        if corrected == now:
            return False
        self._details_corrected(corrected.address, corrected.country, corrected.tax_id, actor)
        return True

    @event("DetailsCorrected")
    def _details_corrected(self, address: str, country: str, tax_id: str, actor: str) -> None:
        """The ``DetailsCorrected`` event (``correct_details``, which holds the rules)."""
        if getattr(self, "first_details", None) is None:
            self.first_details = self.details
        self.address = address
        self.country = country
        self.tax_id = tax_id

    def rename(self, actor: str, name: str) -> bool:
        """Correct the customer's name (mistyped, or the company renamed itself).

        The name is checked as at registration: text naming someone (not only spaces or
        invisible characters), no card number, no control character. Invoices drafted or
        issued from now on name it; those issued before keep theirs. Whether another customer
        holds the name is the application's to check (``QuoteToCash.rename_customer``).
        Returns whether anything changed: the same name again records nothing (a retry)."""
        _text(name, "name")
        if not person_key(name):
            raise InvalidValue("must not be empty", field="name", value=name, aggregate_id=self.id)
        if name == self.name:
            return False
        self._renamed(name, actor)
        return True

    @event("Renamed")
    def _renamed(self, name: str, actor: str) -> None:
        """The ``Renamed`` event (``rename``, which holds the rules)."""
        if getattr(self, "first_details", None) is None:
            self.first_details = self.details
        self.name = name

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
