"""The customer account: who the customer is and which documents belong to it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.event_facts import ChecksFacts, NotBefore
from q2c_core.domain.managers import (
    ManagerFrom,
    check_handover,
    handed_over,
    managed_since,
    manager_on,
    require_one_line,
)
from q2c_core.domain.money import Money
from q2c_core.domain.parties import country_code, vat_id
from q2c_core.domain.tax import ZERO_RATED, TaxCategory, TaxRate, require_tax_rate
from q2c_core.domain.values import (
    _DROPPED,
    TimeOrderedIds,
    named_id,
    new_id,
    person_key,
    require_day,
    require_whole,
)


@attrs.frozen
class CustomerDetails:
    """Who an invoice names as its buyer: the customer's name, address, country and VAT id,
    and its city and post code where given (a German e-invoice to a German buyer needs them
    apart from the free-text address, XRechnung DE-R-008/DE-R-009).

    An issued invoice keeps the details it was issued with (``Invoice.buyer``), whatever is
    corrected later; a draft names the customer's details as they are (``buyer_details``).
    Details stored before the city and post code were kept read back without them."""

    name: str
    address: str = ""
    country: str = ""
    tax_id: str = ""
    city: str = ""
    postal_code: str = ""


@attrs.frozen
class TaxRateFrom:
    """The tax rate a customer's documents drafted from ``effective`` on are billed at (the
    first, from ``date.min``, the rate it was registered with, when that is a ``TaxRate``)."""

    effective: date
    tax_rate: TaxRate


@attrs.frozen
class PaymentTermsFrom:
    """The payment terms (days from issue to due) of a customer's invoices drafted from
    ``effective`` on (the first, from ``date.min``, the terms it was registered with, when
    they are whole days)."""

    effective: date
    payment_terms_days: int


# the longest payment terms: ten years (a due date past the calendar's last day, or decades
# away, is a typing slip; 3,000,000 days made every invoice of its customer unissuable)
MAX_PAYMENT_TERMS_DAYS = 3650


def require_payment_terms(value: Any, field: str = "payment_terms_days") -> int:
    """Days from an invoice's issue to its due date, or ``InvalidValue`` naming ``field``: a
    whole number (not a bool, a fraction or text), from 0 to ``MAX_PAYMENT_TERMS_DAYS``."""
    days = require_whole(value, field)
    if days > MAX_PAYMENT_TERMS_DAYS:
        raise InvalidValue(
            f"must be at most {MAX_PAYMENT_TERMS_DAYS} days (ten years)", field=field, value=days
        )
    return days


def payment_terms_change(
    payment_terms_days: Any, effective: Any, in_effect_on: Callable[[date], Any]
) -> tuple[int, date] | None:
    """A change of payment terms from a business day, checked (``require_payment_terms``;
    ``effective`` a day), as (days, day); None when the terms in effect that day
    (``in_effect_on``) are these already: a retry records nothing. A customer's and a
    contract's changes alike."""
    days = require_payment_terms(payment_terms_days, "payment_terms_days")
    day = require_day(effective, "effective")
    in_effect = in_effect_on(day)
    # (terms recorded as Decimal 30 before the rule are no whole days: given 30, recorded)
    if type(in_effect) is int and in_effect == days:
        return None
    return days, day


def _reads_back(tax_rate: object) -> bool:
    """Whether a recorded tax rate is a ``TaxRate`` a ``TaxRateFrom`` in a snapshot reads back
    as it is (not the text "21" or the number 21 recorded before the rule)."""
    return (
        isinstance(tax_rate, TaxRate)
        and isinstance(tax_rate.category, TaxCategory)
        and type(tax_rate.rate) is Decimal
    )


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"must be text, not {type(value).__name__}", field=field, value=value)
    return value


def _one_line(name: str, field: str, aggregate_id: UUID | None = None) -> None:
    """A customer's name, or its account manager, is one line of text (``require_one_line``),
    or ``InvalidValue`` naming ``field``."""
    require_one_line(name, field, aggregate_id)


def _seen(text: str) -> str:
    """Text as recorded for a street, a city or a post code: none ("") when it shows nothing,
    spaces or invisible characters only (a zero-width space pasted from a chat is no city,
    though an e-invoice check reading its text would find one)."""
    return text if person_key(text) else ""


def _address(value: Any, field: str = "address") -> str:
    """A street address: text, as typed (its lines kept), none when it shows nothing."""
    return _seen(_text(value, field))


def _place(value: Any, field: str) -> str:
    """A city or post code: text on one line (the invoice prints it after the street, the
    e-invoice carries it as CityName or PostalZone: a line break in it is refused,
    ``InvalidValue`` naming ``field``), recorded without the spaces around it (blank, or
    invisible characters only: none)."""
    place = _text(value, field).strip()
    _one_line(place, field)
    return _seen(place)


class Customer(ChecksFacts, TimeOrderedIds, Aggregate):
    """A customer, its billing defaults, and the index of its requests, invoices and payments.

    Each index entry records who made the document it lists (``actor``; empty in histories
    recorded before it was kept, which still load).

    Its country and VAT id are what an e-invoice needs (``country_code``: ISO 3166-1 alpha-2;
    ``vat_id``: with its country prefix), checked when typed, at registration and by
    ``correct_details``, and recorded as an e-invoice carries them (``nl`` as ``NL``); a
    customer registered before q2c checked them still loads, and is corrected by
    ``correct_details``. Its name is corrected by ``rename`` (``Renamed``).

    Its tax rate and payment terms are what it is billed at and given to pay by; each changes
    from a business day on (``change_tax_rate``, ``TaxRateChanged``; ``change_payment_terms``,
    ``PaymentTermsChanged``): ``tax_rate_on(day)`` and ``payment_terms_on(day)`` give what a
    document drafted on a day carries, ``tax_rate`` and ``payment_terms_days`` the last word.
    A customer registered before they were checked (at the text "21", or 30.5 days) is given
    them so too, and reads back from its snapshots as from its events: what it was registered
    with stays out of its history (``unchecked_tax_rate``, ``unchecked_payment_terms``).

    A customer has an account manager, a person: a blank one is refused at registration
    (customers registered before still load). It is handed over to another from a business
    day on (``hand_over``, ``CustomerHandedOver``): ``manager_on(day)`` is the manager on a
    day, ``account_manager`` the last word. A customer an ERP registers may carry the ERP's
    key for it (``reference``): its id is then derived from it (``id_for_reference``), so
    the same reference always names the same customer."""

    # (class default: customers registered, and snapshots taken, before references were kept)
    reference: str = ""
    # (class defaults: customers registered, and snapshots taken, before city and post code
    # were kept apart from the address)
    city: str = ""
    postal_code: str = ""
    # its tax rates and payment terms by the day each took effect, in the order recorded, the
    # first as registered (from ``date.min``): empty until the first change (and in snapshots
    # taken before they could change); ``tax_rate`` and ``payment_terms_days`` are the last
    tax_rates: Sequence[TaxRateFrom] = ()
    payment_terms: Sequence[PaymentTermsFrom] = ()
    # what a customer registered before the rules was registered with, once changed, when it
    # is no ``TaxRate`` (the text "21") or no whole days (30.5, Decimal 30): a typed history
    # entry of it could not be read back from a snapshot (30.5 read back as 30), so its
    # history starts at its first change and the days before it read this (None: registered
    # with a rate and terms its history holds, or not changed yet)
    unchecked_tax_rate: Any = None
    unchecked_payment_terms: Any = None
    # its account managers by the day each took over, the first as registered (from
    # ``date.min``): empty until the first handover (and in snapshots taken before handovers
    # existed); ``account_manager`` is the last
    managers: Sequence[ManagerFrom] = ()

    # a change of the tax rate or the payment terms takes effect no earlier than the last one
    # (one dated before it would read as the last word, then be overruled by it)
    DAY_ORDER: ClassVar[Mapping[str, tuple[NotBefore, ...]]] = {
        "TaxRateChanged": (
            NotBefore("effective", "tax_rate_since", "the last change of its tax rate"),
        ),
        "PaymentTermsChanged": (
            NotBefore("effective", "payment_terms_since", "the last change of its payment terms"),
        ),
        # a handover dated before the last one would read as the last word, then be overruled
        "CustomerHandedOver": (NotBefore("effective_on", "managed_since", "the last handover"),),
    }

    @staticmethod
    def create_id(reference: str = "") -> UUID:
        """A fresh time-ordered id, or the one ``reference`` names."""
        return Customer.id_for_reference(reference) if reference else new_id()

    @staticmethod
    def reference_as_seen(reference: str) -> str:
        """An ERP's customer number as a clerk sees it, the key ``id_for_reference`` is given:
        invisible characters dropped (a byte order mark a spreadsheet wrote before the first
        row's number, a zero-width space, a soft hyphen: as ``person_key`` drops them),
        compatibility forms made plain (full-width ``Ｃ-１００１`` is ``C-1001``), the spaces
        around it trimmed; capitals kept (an ERP may tell ``c-1001`` and ``C-1001`` apart).
        Each of them read as another number made a second customer of one the ERP knows once."""
        if reference.isascii():
            return reference.strip()
        return unicodedata.normalize("NFKC", _DROPPED.sub("", reference)).strip()

    @staticmethod
    def id_for_reference(reference: str) -> UUID:
        """The id of the customer registered with this reference (an ERP's customer key)."""
        return named_id("customer-reference", reference)

    @classmethod
    def _create(cls, event_class: type, **kwargs: Any) -> Any:
        """A new customer's country and VAT id are checked and written as an e-invoice carries
        them, its name and account manager must name someone (not only spaces or invisible
        characters), each on one line (no line break: ``_one_line``), and its tax rate is a
        ``TaxRate`` (``require_tax_rate``: not the text "21", which no invoice line takes, nor
        standard at 0 %, which no e-invoice carries), recorded as ``ZERO_RATED`` when none is
        given, and its payment terms are at most ten years (``require_payment_terms``); only
        new customers, so a history registered before these rules still loads (without a
        tax rate, standard at 0 %, as it was registered)."""
        for field, rule in (("country", country_code), ("tax_id", vat_id)):
            value = kwargs.get(field)
            if isinstance(value, str):  # (anything else is refused as the wrong type)
                kwargs[field] = rule(value, field)
        for field in ("name", "account_manager"):
            value = kwargs.get(field)
            if isinstance(value, str) and not person_key(value):
                raise InvalidValue("must not be empty", field=field, value=value)
        for field in ("name", "account_manager"):
            if isinstance(kwargs.get(field), str):
                _one_line(kwargs[field], field)
        for field in ("city", "postal_code"):
            if field in kwargs:
                kwargs[field] = _place(kwargs[field], field)
        if isinstance(kwargs.get("address"), str):  # (anything else is refused as the wrong type)
            kwargs["address"] = _address(kwargs["address"])
        given = kwargs.get("tax_rate")
        kwargs["tax_rate"] = require_tax_rate(ZERO_RATED if given is None else given, "tax_rate")
        if "payment_terms_days" in kwargs:
            terms = kwargs["payment_terms_days"]
            kwargs["payment_terms_days"] = require_payment_terms(terms, "payment_terms_days")
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
        city: str = "",
        postal_code: str = "",
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
        self.city = city
        self.postal_code = postal_code
        # the details as registered, kept by the first correction (None before any)
        self.first_details: CustomerDetails | None = None
        self.request_ids: list[UUID] = []
        self.invoice_ids: list[UUID] = []
        self.payment_ids: list[UUID] = []
        self.contract_ids: list[UUID] = []
        self.allowance_ids: list[UUID] = []

    @property
    def tax_rate_since(self) -> date | None:
        """The day its tax rate last changed from (None: as registered)."""
        return self.tax_rates[-1].effective if self.tax_rates else None

    @property
    def payment_terms_since(self) -> date | None:
        """The day its payment terms last changed from (None: as registered)."""
        return self.payment_terms[-1].effective if self.payment_terms else None

    @property
    def registered_tax_rate(self) -> TaxRate:
        """The tax rate the customer was registered with, whatever changed since (as
        recorded: the text "21" for a customer registered so before the rule)."""
        if not self.tax_rates:
            return self.tax_rate
        first = self.tax_rates[0]
        if first.effective == date.min or self.unchecked_tax_rate is None:
            return first.tax_rate
        rate: TaxRate = self.unchecked_tax_rate
        return rate

    @property
    def registered_payment_terms_days(self) -> int:
        """The payment terms the customer was registered with, whatever changed since (as
        recorded: 30.5 for a customer registered so before the rule)."""
        if not self.payment_terms:
            return self.payment_terms_days
        first = self.payment_terms[0]
        if first.effective == date.min or self.unchecked_payment_terms is None:
            return first.payment_terms_days
        days: int = self.unchecked_payment_terms
        return days

    def tax_rate_on(self, day: date, field: str = "day") -> TaxRate:
        """The tax rate of what is drafted for the customer on ``day`` (a request's or a
        deposit's invoice), or of a contract signed on it: the last change effective by then,
        else the rate it was registered with."""
        require_day(day, field)
        for change in reversed(self.tax_rates):
            if change.effective <= day:
                return change.tax_rate
        return self.registered_tax_rate

    def payment_terms_on(self, day: date, field: str = "day") -> int:
        """The payment terms of an invoice drafted for the customer on ``day``, or of a
        contract signed on it: the last change effective by then, else as registered."""
        require_day(day, field)
        for change in reversed(self.payment_terms):
            if change.effective <= day:
                return change.payment_terms_days
        return self.registered_payment_terms_days

    @property
    def details(self) -> CustomerDetails:
        """What an invoice drafted or issued now names as its buyer."""
        return CustomerDetails(
            self.name, self.address, self.country, self.tax_id, self.city, self.postal_code
        )

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
        city: str | None = None,
        postal_code: str | None = None,
    ) -> bool:
        """Correct the customer's address, country, VAT id, city or post code; what is not
        given stays.

        The country and VAT id are checked as at registration (what an e-invoice needs), the
        address, city and post code as all text is (no card number, no control character; the
        city and post code on one line, without the spaces around them, blank for none; any of
        them of spaces or invisible characters only is none). Invoices drafted or issued from
        now on name the new details; those issued before keep theirs. Returns
        whether anything changed: the same details again record nothing (a retry)."""
        if all(v is None for v in (address, country, tax_id, city, postal_code)):
            raise InvalidValue(
                "give the address, the country, the VAT id, the city or the post code to correct",
                field="details",
                aggregate_id=self.id,
            )
        now = self.details
        corrected = attrs.evolve(
            now,
            address=now.address if address is None else _address(address),
            country=now.country if country is None else country_code(_text(country, "country")),
            tax_id=now.tax_id if tax_id is None else vat_id(_text(tax_id, "tax_id")),
            city=now.city if city is None else _place(city, "city"),
            postal_code=(
                now.postal_code if postal_code is None else _place(postal_code, "postal_code")
            ),
        )
        if corrected == now:
            return False
        self._details_corrected(
            corrected.address,
            corrected.country,
            corrected.tax_id,
            actor,
            city=corrected.city,
            postal_code=corrected.postal_code,
        )
        return True

    @event("DetailsCorrected")
    def _details_corrected(
        self,
        address: str,
        country: str,
        tax_id: str,
        actor: str,
        city: str = "",
        postal_code: str = "",
    ) -> None:
        """The ``DetailsCorrected`` event (``correct_details``, which holds the rules); one
        recorded before city and post code were kept has none (there was none to keep)."""
        if getattr(self, "first_details", None) is None:
            self.first_details = self.details
        self.address = address
        self.country = country
        self.tax_id = tax_id
        self.city = city
        self.postal_code = postal_code

    def rename(self, actor: str, name: str) -> bool:
        """Correct the customer's name (mistyped, or the company renamed itself).

        The name is checked as at registration: text naming someone (not only spaces or
        invisible characters) on one line (no line break), no card number, no control
        character. Invoices drafted or issued from now on name it; those issued before keep
        theirs. Whether another customer holds the name is the application's to check
        (``QuoteToCash.rename_customer``).
        Returns whether anything changed: the same name again records nothing (a retry)."""
        _text(name, "name")
        if not person_key(name):
            raise InvalidValue("must not be empty", field="name", value=name, aggregate_id=self.id)
        _one_line(name, "name", self.id)
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

    def change_tax_rate(self, actor: str, tax_rate: TaxRate, effective: date) -> bool:
        """Bill the customer at ``tax_rate`` from the business day ``effective`` on (a new VAT
        rate, or the customer's status changed: reverse charge, exempt).

        The rate is checked as at registration (``require_tax_rate``: a ``TaxRate``, a
        standard one above 0 %); ``effective`` is no earlier than the last change's. The
        invoices drafted from that day on at the customer's rate (a request's, a deposit's)
        and the contracts signed from then on carry it; drafts made before keep their lines,
        and issued documents never change. Returns whether anything changed: the rate already
        in effect on that day as recorded records nothing, before the day's order is checked
        (a retry, or an ERP replaying its change log after a later change)."""
        rate = require_tax_rate(tax_rate, "tax_rate")
        day = require_day(effective, "effective")
        if self.tax_rate_on(day) == rate:
            return False
        self._tax_rate_changed(rate, day, actor)
        return True

    @event("TaxRateChanged")
    def _tax_rate_changed(self, tax_rate: TaxRate, effective: date, actor: str) -> None:
        """The ``TaxRateChanged`` event (``change_tax_rate``, which holds the rules)."""
        before = list(self.tax_rates)
        if not before:
            # (the first change: the history starts with the rate as registered, unless that
            # is no TaxRate, which it keeps aside for the days before this one)
            if _reads_back(self.tax_rate):
                before = [TaxRateFrom(date.min, self.tax_rate)]
            else:
                self.unchecked_tax_rate = self.tax_rate
        self.tax_rates = [*before, TaxRateFrom(effective, tax_rate)]
        self.tax_rate = tax_rate

    def change_payment_terms(self, actor: str, payment_terms_days: int, effective: date) -> bool:
        """Give the customer's invoices ``payment_terms_days`` from issue to due, from the
        business day ``effective`` on.

        The terms are checked as at registration (``require_payment_terms``); ``effective`` is
        no earlier than the last change's. The invoices drafted for the customer from that day
        on and the contracts signed from then on carry them; drafts made before keep theirs,
        and issued invoices never change. Returns whether anything changed: the terms already
        in effect on that day as recorded record nothing, before the day's order is checked
        (a retry, or an ERP replaying its change log after a later change)."""
        change = payment_terms_change(payment_terms_days, effective, self.payment_terms_on)
        if change is None:
            return False
        self._payment_terms_changed(*change, actor)
        return True

    @event("PaymentTermsChanged")
    def _payment_terms_changed(self, payment_terms_days: int, effective: date, actor: str) -> None:
        """The ``PaymentTermsChanged`` event (``change_payment_terms``, which holds the rules)."""
        before = list(self.payment_terms)
        if not before:
            # (the first change: the history starts with the terms as registered, unless they
            # are no whole days, which it keeps aside for the days before this one)
            if type(self.payment_terms_days) is int:
                before = [PaymentTermsFrom(date.min, self.payment_terms_days)]
            else:
                self.unchecked_payment_terms = self.payment_terms_days
        self.payment_terms = [*before, PaymentTermsFrom(effective, payment_terms_days)]
        self.payment_terms_days = payment_terms_days

    # -- account manager ----------------------------------------------------------------------

    @property
    def managed_since(self) -> date | None:
        """The day of its last handover (None: the manager it was registered with)."""
        return managed_since(self.managers)

    def manager_on(self, day: date, field: str = "day") -> str:
        """The account manager on ``day``: what a request opened, a contract signed or an
        invoice drafted for the customer on that day names (``account_manager`` when it was
        never handed over)."""
        require_day(day, field)
        return manager_on(self.managers, self.account_manager, day)

    def hand_over(self, to_manager: str, effective_on: date, actor: str) -> None:
        """Hand the customer over to ``to_manager`` from the business day ``effective_on`` on
        (Mia leaves, Bob takes over her customers).

        Checked by ``check_handover``: a name naming someone, on one line, not the manager already
        (the same person however typed), and a business day; a day before the last handover is
        refused (``RuleViolated`` naming ``effective_on``): it would read as the last word and then
        be overruled by it. The customer has no business day of registration (only the moment it was
        recorded, and customers are often entered after their history began), so a handover may be
        dated back to any day after the last one. What is drafted for the customer from that day on
        names the new manager, what was drafted before keeps the one it named (commission is earned
        by the manager an invoice names); the customer's requests and contracts are handed over with
        it by the application (``QuoteToCash.hand_over_customer``)."""
        name, day = check_handover(self.account_manager, to_manager, effective_on, self.id)
        self._handed_over(self.account_manager, name, day, actor)

    def repeats_handover(self, to_manager: Any, effective_on: Any) -> bool:
        """Whether this handover is the customer's last one (the same person however typed,
        from the same day): the same command sent again after a lost response. A handover
        before a later one is not: handing back to a manager is a new handover."""
        if not self.managers or not isinstance(to_manager, str):
            return False
        last = self.managers[-1]
        return (
            type(effective_on) is date
            and last.effective == effective_on
            and person_key(last.account_manager) == person_key(to_manager)
        )

    @event("CustomerHandedOver")
    def _handed_over(
        self, from_manager: str, to_manager: str, effective_on: date, actor: str
    ) -> None:
        """The ``CustomerHandedOver`` event (``hand_over``, which holds the rules)."""
        self.managers = handed_over(self.managers, self.account_manager, to_manager, effective_on)
        self.account_manager = to_manager

    @event("RequestOpened")
    def add_request(self, request_id: UUID, actor: str = "") -> None:
        """A request was opened for this customer."""
        self.request_ids.append(request_id)

    @event("InvoiceDraftedFor")
    def add_invoice(self, invoice_id: UUID, actor: str = "") -> None:
        """An invoice or credit note was drafted for this customer."""
        self.invoice_ids.append(invoice_id)

    @event("InvoiceIssuedTo")
    def invoice_issued(self, invoice_id: UUID, actor: str) -> None:
        """An invoice or credit note of the customer was issued, naming its details as they
        are (``details``): saved with the issue, so that an issue and a rename or a correction
        of the details at one moment clash, and the one decided again reads the other's."""

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
