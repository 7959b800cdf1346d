"""The quote-to-cash application: one method per command, plain query methods.

Steps that touch several aggregates are saved in one ``save`` (one transaction): issuing an invoice
with its number, allocating a payment with the invoices it pays, drawing an allowance with the
request it covers. A version clash is retried a few times, then raised as ConcurrencyConflict.
"""

from __future__ import annotations

import contextlib
import copy as copy_module
import functools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID, uuid4

import attrs
from eventsourcing.domain import Aggregate

from q2c_core.app_base import BaseApp, allowance_charge
from q2c_core.billing_run import ContractBilling, _require_actor
from q2c_core.domain.allocation import (
    AllocationInstruction,
    allocate_payment,
    allocation_pairs,
    allocation_reference_key,
    number_order,
)
from q2c_core.domain.cards import refuse_card_numbers
from q2c_core.domain.contract import Contract
from q2c_core.domain.customer import Customer
from q2c_core.domain.customer_name import CustomerName, EarlierCustomersNamed
from q2c_core.domain.enhancement_request import (
    FIXED_PRICE_ITEM,
    EnhancementRequest,
    Estimate,
    Expense,
    PurchaseOrder,
    RequestStatus,
    TimeEntry,
)
from q2c_core.domain.errors import (
    AlreadyBilled,
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    InvoiceLinesRejected,
    NotFound,
    OverAllocation,
    Q2CError,
    RuleViolated,
)
from q2c_core.domain.event_facts import (
    refuse_control_characters,
    require_kind,
    require_reason,
)
from q2c_core.domain.import_index import names_outside_entry
from q2c_core.domain.invoice import (
    CreditDisposition,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    credit_note_buyer,
)
from q2c_core.domain.invoice_lines import (
    InvoiceLine,
    LineSource,
    RevenueKind,
    SourceKind,
    check_typed_line,
    lines_tax,
    lines_total,
)
from q2c_core.domain.invoice_numbering import (
    InvoiceNumberSeries,
    SeriesOpenings,
    numbers_could_coincide,
)
from q2c_core.domain.managers import first_manager
from q2c_core.domain.money import MINOR_UNITS, Money, minor_units, to_decimal, total
from q2c_core.domain.payment import (
    Payment,
    PaymentRefund,
    in_minor_units,
    receipt_key,
    refunds_past_due,
)
from q2c_core.domain.prepaid_allowance import (
    AllowanceStatus,
    AllowanceUnit,
    PrepaidAllowance,
    charge_key,
    follow_overage_worth,
    hours_of_overage,
    overage_piece_worth,
    require_period,
    require_whole_minor_units,
    resolve_charge_key,
)
from q2c_core.domain.refund_instruction import (
    EarlierRefundsReferenced,
    RefundInstruction,
    refund_reference_key,
)
from q2c_core.domain.retry_key import RetryKey
from q2c_core.domain.tax import (
    NEEDS_BUYER_VAT_ID,
    ZERO_RATED,
    TaxCategory,
    TaxRate,
    TaxSubtotal,
)
from q2c_core.domain.values import Period, person_key, require_day, require_whole
from q2c_core.imports import ImportCommands

P = ParamSpec("P")
R = TypeVar("R")


def _repeated(repeats: bool, actor: Any, aggregate_id: UUID) -> bool:
    """Whether the command is the one recorded already (sent again after a lost response):
    it records nothing, but who sends it is still checked as its event checks it
    (``_require_actor``), so a retry naming nobody is refused as the first call is."""
    if repeats:
        _require_actor(actor, aggregate_id)
    return repeats


def _names_target(
    command: Callable[Concatenate[Any, UUID, P], R],
) -> Callable[Concatenate[Any, UUID, P], R]:
    """A refused command names the aggregate it was given, even when a value object refused it."""

    @functools.wraps(command)
    def named(self: Any, target: UUID, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(self, target, *args, **kwargs)
        except Q2CError as error:
            error.naming(target)
            raise

    return named


SERIES_BY_KIND = {
    InvoiceKind.STANDARD: ("INV", "INV-"),
    InvoiceKind.DEPOSIT: ("INV", "INV-"),
    InvoiceKind.CREDIT_NOTE: ("CN", "CN-"),
}
# the series q2c opens by itself on their first issue, by name, with their prefix
DEFAULT_SERIES = dict(SERIES_BY_KIND.values())


@attrs.frozen
class CustomerSummary:
    """What the review of one customer needs: invoiced, paid, open, unbilled, prepaid left.

    Given a day (``QuoteToCash.customer_summary(c, as_of=day)``), the money is as it stood at
    the end of that day, as the customer statement and the receivables aging of that day show
    it: ``invoiced`` the documents issued by then (credit notes negative), ``paid`` what the
    allocations then in force paid them (an allocation reversed or bounced later still paid on
    the day, one made later did not yet), ``open`` what they still owed after the credit notes
    applied by then, ``written_off`` the small remainders written off by then
    (``write_off_remainder``: money not collected, owed no more), ``credit`` the customer's
    unallocated money of that day. Without a day, everything recorded, whatever its day.

    ``unbilled_work`` and ``prepaid_hours_left`` belong to the same day: the work and
    expenses dated by then that no invoice drafted by then held (a draft voided by then, or
    work credited as re-billable by then, gave its work back; one voided later still held it),
    and the hours granted and topped up by then on allowances not expired nor rolled over by
    then, less those covering work dated by then. Work is marked billed and billable again by
    events that carry no business day (``WorkInvoiced``, ``WorkReleased``, ``OverageBilled``):
    the invoices' draft, void (``void_invoice(voided_on=)``) and credit days say when; a void
    recorded without its day held the work on no day. (The ``customers`` report's prepaid
    hours left are as recorded; its unbilled reads its day as this does, so an invoice
    drafted, voided or credited later leaves it as it was, and adds the contract periods
    due.)
    ``unbilled_work`` is the value of the customer's requests' work and expenses not yet
    invoiced nor covered by an allowance, work logged without authorization included (the
    leakage risk); contract periods due are not in it (``UnbilledRevenue`` and the
    ``customers`` report list those, and the leakage risk apart). ``past_due`` is what the
    past-due list chases on the day (today without one): invoices past their due date, and
    refunds the customer owed back since before that day after a bounce, what its credit that
    day does not cover.
    ``owed_back`` is what is owed back on that day (today's without one), what the customer's
    credit is negative by.
    """

    customer_id: UUID
    name: str
    currency: str
    invoiced: Money
    paid: Money
    written_off: Money
    open: Money
    credit: Money
    unbilled_work: Money
    prepaid_hours_left: Decimal
    past_due: Money
    owed_back: Money


@attrs.frozen
class RefundOutcome:
    """What a refund instruction did (``QuoteToCash.instruct_refund``): the refunds its
    reference names, and whether this call recorded them (False: the same instruction was
    recorded before, by this or another process, and nothing was paid again)."""

    refund_ids: list[str]
    recorded: bool


@attrs.frozen
class WorkBuckets:
    """Where the hours of one billable time entry are: exactly one bucket per hour."""

    entry_id: str
    hours: Decimal
    unbilled: Decimal
    covered: Decimal
    invoiced: Decimal


def _take_name(
    found: CustomerName | None, name: str, customer_id: UUID, actor: str
) -> CustomerName:
    """A free name taken by a customer: a new ``CustomerName``, or the one given up before
    (``found``) taken again; either clashes with another customer taking it at once."""
    if found is None:
        return CustomerName(name=name, customer_id=customer_id, actor=actor, sharers=[])
    found.take_again(name, customer_id, actor)
    return found


def _name_taken(holder: CustomerName, name: str, advice: str) -> DuplicateEntry:
    """The refusal of a name another customer holds."""
    return DuplicateEntry(
        f"customer {holder.customer_id} is named {holder.name!r} already (names are compared "
        f"case, spaces and invisible characters aside): {advice}",
        field="name",
        value=name,
    )


def _overage_worth(
    allowance: PrepaidAllowance,
    overage: dict[str, Decimal],
    request_id: UUID,
    currency: str,
    billed_worth: Mapping[str, Decimal] | None = None,
    billed: Mapping[str, Decimal] | None = None,
) -> Money:
    """What a request's part of an allowance's unbilled overage (quantities by charge key) is
    worth: a money allowance's overage is money; on an hours allowance each entry's overage
    is what its invoice will bill (``_overage_piece``): the overage billed of it (``billed``,
    the allowance's own by default) with the rest, at its rate rounded once, less what was
    billed of it (``billed_worth``, ``QuoteToCash._overage_billed_worth``)."""
    worth = Money.zero(currency)
    for key, quantity in overage.items():
        charge = allowance.charge_for(key)
        if charge.request_id != request_id:
            continue
        if allowance.unit is AllowanceUnit.MONEY:
            worth = worth + Money(quantity, currency)
        else:
            worth = worth + _overage_piece(allowance, key, quantity, billed_worth, billed)
    return worth


def _overage_piece(
    allowance: PrepaidAllowance,
    key: str,
    quantity: Decimal,
    billed_worth: Mapping[str, Decimal] | None,
    billed: Mapping[str, Decimal] | None = None,
) -> Money:
    """What ``quantity`` more hours of a charge's overage on an hours allowance bill
    (``overage_piece_worth``): with the hours billed of it, at its rate rounded once, less
    what was billed of it (``billed_worth``). ``billed`` other than the allowance's own (as
    invoices held it on a past day): what was billed of it is those hours at its rate, unless
    the allowance holds as many billed now."""
    rate = allowance.charge_for(key).rate
    now = allowance.billed_overage.get(key, Decimal(0))
    before = now if billed is None else billed.get(key, Decimal(0))
    if before == now and billed_worth is not None:
        worth = billed_worth.get(key, Decimal(0))
    else:
        worth = (rate * before).rounded().amount
    return Money(
        overage_piece_worth(rate.amount, before, worth, quantity, rate.quantum), rate.currency
    )


def _overage_unit_price(rate: Money, quantity: Decimal, net: Money) -> Money:
    """The unit price at which ``quantity`` hours bill ``net`` (an overage piece,
    ``overage_piece_worth``): the entry's rate when it does, else ``net / quantity`` with as
    few decimals as make quantity x price round to ``net``, so the line, its approval and its
    e-invoice all read quantity x price and agree with the allowance's hours."""
    if (rate * quantity).rounded() == net:
        return rate
    exact = net.amount / quantity
    places = minor_units(net.currency)
    while True:  # (ends: at 15 more places, q x price is within half a minor unit of net)
        price = Money(
            exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), net.currency
        )
        if (price * quantity).rounded() == net or places > 40:
            return price
        places += 1


def _require_due_date(invoice: Invoice, issued_on: date) -> None:
    """An invoice issued on ``issued_on`` falls due on a day the calendar holds, or
    ``InvalidValue`` naming ``payment_terms_days`` and the invoice (terms recorded before they
    were capped: 3,000,000 days made the issue fail with an ``OverflowError``, for good)."""
    days = invoice.payment_terms_days
    if not isinstance(issued_on, date) or type(days) is not int:
        return  # (the issue's own checks refuse them)
    try:
        issued_on + timedelta(days=days)
    except OverflowError:
        raise InvalidValue(
            f"{days} days after {issued_on} is past the last day a calendar holds: void the "
            "invoice, correct the customer's terms (change_customer_payment_terms) and draft "
            "it again",
            field="payment_terms_days",
            value=days,
            aggregate_id=invoice.id,
        ) from None


def _as_registered_now(rate: TaxRate) -> TaxRate:
    """A tax rate a customer was registered with, as a registration gives it now: standard at
    0 % was the default before (``ZERO_RATED`` is now), so the same registration again without
    a tax rate is a retry, not another customer."""
    if isinstance(rate, TaxRate) and rate.category is TaxCategory.STANDARD and rate.rate == 0:
        return ZERO_RATED
    return rate


def _registered_again(registered: Customer, again: Customer, today: date) -> UUID:
    """The customer a reference names, registered again with the same details (a retry);
    ``DuplicateEntry`` naming ``reference`` and the details that differ otherwise.

    Its name, address, country, VAT id, city and post code are compared as the customer holds
    them now: a refusal sends the user to correct them (``correct_customer_details``,
    ``rename_customer``), after which the ERP sends what was corrected (compared with the
    details as first registered, the sync sending them was refused for good, and one sending
    the old ones passed). A sync still sending details corrected since is refused saying so.
    Its account manager, tax rate and payment terms run from a day on (a handover, a change):
    the registration stays true before that day, so they are compared as registered, or as
    in effect ``today`` (an ERP that keeps handovers sends the manager it was handed over to;
    refused, its every sync failed). One in between, held neither at the registration nor
    today, is refused, and so is one recorded to start on a day still to come (the customer
    is not billed so yet: a retry would hide that the ERP has it in effect now)."""
    then, now, given = registered.registered_details, registered.details, again.details
    # (as registered, as held now, as sent, and as the refusal shows it held now)
    compared: list[tuple[str, object, object, object, object]] = [
        # (a name as names are compared: an ERP trimming or spacing it otherwise retries)
        ("name", person_key(then.name), person_key(now.name), person_key(given.name), now.name),
        ("currency", registered.currency, registered.currency, again.currency, None),
        # (a person as people are compared: "Mia" is mia, as approvals and commissions read;
        # the one it was registered with, or the one it was handed over to last)
        *(
            (field, before, current if sent == current else before, sent, None)
            for field, before, current, sent in (
                (
                    "account_manager",
                    person_key(first_manager(registered.managers, registered.account_manager)),
                    person_key(registered.manager_on(today)),
                    person_key(again.account_manager),
                ),
                (
                    "payment_terms_days",
                    registered.registered_payment_terms_days,
                    registered.payment_terms_on(today),
                    again.payment_terms_days,
                ),
                (
                    "tax_rate",
                    _as_registered_now(registered.registered_tax_rate),
                    _as_registered_now(registered.tax_rate_on(today)),
                    again.tax_rate,
                ),
            )
        ),
        *(
            (field, getattr(then, field), held, getattr(given, field), held)
            for field in ("country", "tax_id", "address", "city", "postal_code")
            for held in (getattr(now, field),)
        ),
    ]
    differ = [field for field, _, held, sent, _ in compared if held != sent]
    if differ:
        corrected = [
            f"{field} now {shown!r}"
            for field, before, held, sent, shown in compared
            if sent == before != held
        ]
        since = (
            f" (corrected since it was registered: {', '.join(corrected)}; the sync sends "
            "them as they were before)"
            if corrected
            else ""
        )
        raise DuplicateEntry(
            f"customer {registered.id} ({registered.name!r}) was registered with this reference "
            f"and another {', '.join(differ)}{since}",
            field="reference",
            value=registered.reference,
        )
    return registered.id


def _require_contracts_flag(contracts: object, customer_id: UUID) -> None:
    """A customer change's ``contracts`` (whether its contracts change too) is True or False,
    or ``InvalidValue`` naming ``contracts``: the text "no" read as a yes changed every
    contract."""
    if type(contracts) is not bool:
        raise InvalidValue(
            "must be True or False",
            field="contracts",
            aggregate_id=customer_id,
            value=contracts,
        )


def _refuse_reverse_charge_without_vat_id(
    tax_rate: object, tax_id: object, customer_id: UUID | None = None
) -> None:
    """A customer billed at reverse charge (AE) or as an intra-community supply (K) has a VAT
    id (EN 16931 BR-AE-02, BR-IC-02), or ``InvalidValue`` naming ``tax_id``: without one every
    invoice drafted for it would be refused at approval (``e_invoice_tax_problems``)."""
    if (
        isinstance(tax_rate, TaxRate)
        and tax_rate.category in NEEDS_BUYER_VAT_ID
        and not (tax_id.strip() if isinstance(tax_id, str) else tax_id)
    ):
        raise InvalidValue(
            f"a customer billed at {tax_rate.category.value} (reverse charge, intra-community "
            "supply) needs its VAT id (EN 16931 BR-AE-02, BR-IC-02)",
            field="tax_id",
            aggregate_id=customer_id,
            value=tax_id,
        )


def _require_text(value: object, field: str, optional: bool = False) -> None:
    """``value`` is text (or None where ``optional``), or ``InvalidValue`` naming ``field``:
    a number given for a note or an actor raised a bare TypeError deep in a check."""
    if not isinstance(value, str) and not (optional and value is None):
        what = "text or None" if optional else "text"
        raise InvalidValue(f"must be {what}, not {type(value).__name__}", field=field, value=value)


def _require_lines(lines: object) -> None:
    """``lines`` is a list (or tuple) of ``InvoiceLine``, or ``InvalidValue`` naming
    ``lines``: a line id given for a line raised a bare AttributeError."""
    if not isinstance(lines, list | tuple):
        raise InvalidValue(
            f"must be a list of InvoiceLine, not {type(lines).__name__}", field="lines", value=lines
        )
    for line in lines:
        if not isinstance(line, InvoiceLine):
            raise InvalidValue(
                f"must be a list of InvoiceLine, not of {type(line).__name__}",
                field="lines",
                value=line,
            )


def _purchase_order_number(number: object) -> str | None:
    """A purchase order number an invoice is drafted with: text without surrounding spaces,
    or None; a blank one is refused (``InvalidValue`` naming ``purchase_order_number``: an
    e-invoice's BuyerReference is never empty, PEPPOL R008). Every document quotes it for
    the customer to match, so it is visible text on one line, as a request's PO number is
    (``EnhancementRequest._check_po_number``): a line break, a tab or other spacing than a
    plain space, or only invisible characters (a zero-width space), is refused too."""
    if number is None:
        return None
    if not isinstance(number, str):
        raise InvalidValue(
            f"must be text or None, not {type(number).__name__}",
            field="purchase_order_number",
            value=number,
        )
    if not number.strip():
        raise InvalidValue(
            "must not be blank (leave it out when there is none)",
            field="purchase_order_number",
            value=number,
        )
    number = number.strip()
    spacing = next((c for c in number if c.isspace() and c != " "), None)
    if spacing is not None:
        raise InvalidValue(
            f"must be one line, spaced by plain spaces only (not {spacing!r}): invoices quote "
            "it for the customer to match",
            field="purchase_order_number",
            value=number,
        )
    if not person_key(number):
        raise InvalidValue(
            "must be visible text (not only invisible characters)",
            field="purchase_order_number",
            value=number,
        )
    return number


class QuoteToCash(ContractBilling, ImportCommands, BaseApp):
    """Requests, allowances, contracts, invoices and payments, event-sourced."""

    # -- customers -------------------------------------------------------------------------------

    def register_customer(
        self,
        name: str,
        currency: str,
        *,
        account_manager: str,
        actor: str,
        payment_terms_days: int = 30,
        tax_rate: TaxRate = ZERO_RATED,
        country: str = "",
        tax_id: str = "",
        address: str = "",
        reference: str = "",
        city: str = "",
        postal_code: str = "",
    ) -> UUID:
        """Register a customer with its billing defaults; returns its id.

        ``tax_rate`` is what its request and deposit invoices and its contracts are billed
        at: a ``TaxRate``, and a standard one above 0 % (``require_tax_rate``; EN 16931
        BR-S-05), or ``InvalidValue`` naming ``tax_rate``, nothing recorded. Without one the
        customer is zero-rated (``ZERO_RATED``: Z, 0 %; before, it was standard at 0 %, which
        no e-invoice carries): give the rate of any customer charged VAT.

        ``city`` and ``postal_code`` are optional, kept apart from the free-text ``address``
        (text on one line, without the spaces around them): a German seller's e-invoice to a
        German customer needs both (XRechnung DE-R-008/DE-R-009), and the UBL writer refuses
        it without them.

        Without ``reference``, a customer whose name reads as another customer's (as
        ``person_key`` reads names: case, spaces, full-width letters and invisible characters
        aside) is refused (``DuplicateEntry`` naming ``name``): running the same setup twice
        made two "Acme", and ``q2c`` commands could no longer find Acme by its name. Two
        customers of one name (two companies of a group) are told apart by their
        ``reference``, the key another system (an ERP) knows each by, read as it shows
        (``Customer.reference_as_seen``: a byte order mark, a zero-width space or full-width
        digits in it name the same customer): a registration with a reference is not
        compared by name, and takes the name if it is free (so the same name
        by hand after it is refused). A name is kept by the store (``CustomerName``, saved
        with the customer that takes it): one name is looked up, however many customers there
        are, and of two processes registering one name at once, one is refused; the customers
        registered before the upgrade get theirs with the first registration after it
        (``EarlierCustomersNamed``; a name two of them share is the first's). The same
        reference again with the same details returns the customer registered with it and
        records nothing (a sync run again, or by two processes at once), with other details
        it is refused (``DuplicateEntry`` naming ``reference``; ``correct_customer_details``
        corrects an address, country, VAT id, city or post code, ``rename_customer`` the
        name). The same details are its name, address, country, VAT id, city and post code as
        the customer holds them now (once corrected, the ERP sends the corrected ones; one
        still sending those corrected since is refused saying so), and its account manager,
        tax rate and payment terms as it was registered (after a handover, the manager it was
        registered with, not the one it was handed over to, which the sync never sent).

        A blank ``account_manager`` or ``reference``, or an ``account_manager`` over two lines
        (a line break in it: every report row names the manager), is refused
        (``InvalidValue``), and so is
        a customer billed at reverse charge (AE) or as an intra-community supply (K) without
        a ``tax_id`` (``InvalidValue`` naming ``tax_id``: its invoices name the buyer's VAT id,
        EN 16931 BR-AE-02, BR-IC-02)."""
        require_whole(payment_terms_days, "payment_terms_days")
        _refuse_reverse_charge_without_vat_id(tax_rate, tax_id)
        for field, text in (("name", name), ("reference", reference)):
            if not isinstance(text, str):
                raise InvalidValue("must be text", field=field, value=text)
        # (the number as a clerk sees it; a customer registered before references were read so
        # is found by the number as it was recorded, invisible characters and all)
        key, as_recorded = Customer.reference_as_seen(reference), reference.strip()
        if reference and not key:
            raise InvalidValue(
                "must not be blank, nor invisible characters only (leave it out)",
                field="reference",
                value=reference,
            )

        def step() -> tuple[UUID, list[Aggregate]]:
            customer = Customer(
                name=name,
                currency=currency,
                account_manager=account_manager,
                actor=actor,
                payment_terms_days=payment_terms_days,
                tax_rate=tax_rate,
                country=country,
                tax_id=tax_id,
                address=address,
                reference=key,
                city=city,
                postal_code=postal_code,
            )
            for known in dict.fromkeys((key, as_recorded) if key else ()):
                try:
                    registered = self.customer(Customer.id_for_reference(known))
                except NotFound:
                    continue
                today = datetime.now(UTC).date()
                return _registered_again(registered, customer, today), []
            made = self._earlier_customers_named(actor)
            holder = self._name_holder(name, made)
            if holder is None or holder.customer_id is None:
                # the name is this customer's: a second registration under it clashes here
                taken = _take_name(holder, name, customer.id, actor)
                made += [] if any(taken is m for m in made) else [taken]
            elif not key:
                raise _name_taken(
                    holder,
                    name,
                    "use it, or tell the two apart by a reference (an ERP's key for each)",
                )
            else:
                # it shares the name: handed it when its holder gives it up (``rename_customer``)
                holder.share(customer.id, actor)
                made += [] if any(holder is m for m in made) else [holder]
            return customer.id, [customer, *made]

        return self._atomically(step)

    @_names_target
    def rename_customer(self, customer_id: UUID, *, new_name: str, actor: str) -> bool:
        """Correct a customer's name (``Customer.rename``: checked as at registration): a clerk
        typed "Acme BV" for "Acme B.V.", or the company renamed itself.

        A name another customer holds (``CustomerName``; as ``person_key`` reads names) is
        refused (``DuplicateEntry`` naming ``name``), as a registration under it would be.
        The customer gives its old name up and takes the new one in the transaction that
        records ``Renamed``: of two renames (or a rename and a registration) to one name at
        once, one is refused, and nothing is half-recorded. A name other customers still carry
        (registered by reference under it) goes to the first of them (``CustomerName.
        hand_over``), so a registration of it by hand is still refused; one no other carries is
        free for a later registration or rename.
        The same name spelled otherwise (case, spaces) is the customer's own, recorded as
        spelled. Documents drafted or issued from now on name the new name; issued ones keep
        theirs. Returns whether anything was recorded (False: the customer had this name
        already)."""

        def step() -> tuple[bool, list[Aggregate]]:
            customer = self.customer(customer_id)
            old = customer.name
            if not customer.rename(actor, new_name):
                return False, []
            made = self._earlier_customers_named(actor)
            names: list[Aggregate] = []
            found = self._name_holder(old, made)
            own = found if found is not None and found.customer_id == customer.id else None
            if person_key(new_name) == person_key(old):
                if own is not None and own.respell(customer.id, new_name, actor):
                    names.append(own)
            else:
                holder = self._name_holder(new_name, made)
                if holder is not None and holder.customer_id is not None:
                    raise _name_taken(holder, new_name, "choose another name")
                names.append(_take_name(holder, new_name, customer.id, actor))
                if own is not None:
                    carriers = self._still_named(own, customer.id)
                    if carriers:
                        own.hand_over(customer.id, carriers[0], carriers[1:], actor)
                    else:
                        own.release(customer.id, actor)
                    names.append(own)
                elif found is not None and found.unshare(customer.id, actor):
                    names.append(found)
            changed: list[Aggregate] = [customer, *made]
            changed += [n for n in names if all(n is not c for c in changed)]
            return True, changed

        return self._atomically(step)

    def _still_named(self, name: CustomerName, leaving: UUID) -> list[UUID]:
        """The customers other than ``leaving`` that carry ``name`` still (its sharers, as
        their names read now), in the order they registered under it: the sharers it keeps,
        or, for a name taken before q2c kept them, the customers registered under it."""
        key = person_key(name.name)
        if name.sharers is not None:
            candidates = list(name.sharers)
        else:
            candidates = [
                e.originator_id
                for e in self._created_events(Customer, "CustomerRegistered")
                if isinstance(e.name, str) and person_key(e.name) == key
            ]
        others = [c for c in dict.fromkeys(candidates) if c != leaving]
        return [c.id for c in self._get_many(Customer, others) if person_key(c.name) == key]

    def _name_holder(self, name: str, made: Sequence[Aggregate]) -> CustomerName | None:
        """The customer a name is taken by (``CustomerName``), among ``made`` or recorded (its
        ``customer_id`` None: given up by a rename, free)."""
        name_id = CustomerName.create_id(name)
        for aggregate in made:
            if isinstance(aggregate, CustomerName) and aggregate.id == name_id:
                return aggregate
        with contextlib.suppress(NotFound):
            return self._get(CustomerName, name_id)
        return None

    def _earlier_customers_named(self, actor: str) -> list[Aggregate]:
        """The names of the customers registered before names were kept (``CustomerName``,
        the first customer registered under each), and the mark that they are
        (``EarlierCustomersNamed``), to save with the first registration after the upgrade;
        nothing once they are. Customers sharing a name (references, or registered before
        names were compared) all stay as recorded."""
        with contextlib.suppress(NotFound):
            self._get(EarlierCustomersNamed, EarlierCustomersNamed.create_id())
            return []
        first: dict[str, tuple[UUID, str]] = {}
        for e in self._created_events(Customer, "CustomerRegistered"):
            key = person_key(e.name)
            if key and key not in first:
                first[key] = (e.originator_id, e.name)
        made: list[Aggregate] = [
            CustomerName(name=name, customer_id=customer_id, actor=actor)
            for customer_id, name in first.values()
        ]
        made.append(EarlierCustomersNamed(names=len(first), actor=actor))
        return made

    @_names_target
    def correct_customer_details(
        self,
        customer_id: UUID,
        *,
        actor: str,
        address: str | None = None,
        country: str | None = None,
        tax_id: str | None = None,
        city: str | None = None,
        postal_code: str | None = None,
    ) -> bool:
        """Correct a customer's address, country, VAT id, city or post code
        (``Customer.correct_details``: the same checks as at registration; what is not given
        stays; ``rename_customer`` corrects the name, which another customer may hold).
        Documents drafted or issued from now on name the new details; issued ones keep theirs.
        Returns whether anything was recorded (False: the customer had these details
        already). Clearing the VAT id of a customer billed, today or from a day to come, at
        reverse charge (AE) or as an intra-community supply (K) is refused (``InvalidValue``
        naming ``tax_id``, nothing recorded: its invoices name it, EN 16931 BR-AE-02,
        BR-IC-02, and every one would be refused at approval): correct it to the right one, or
        change the customer's tax rate first."""

        def step() -> tuple[bool, list[Aggregate]]:
            customer = self.customer(customer_id)
            corrected = customer.correct_details(
                actor,
                address=address,
                country=country,
                tax_id=tax_id,
                city=city,
                postal_code=postal_code,
            )
            if tax_id is not None:
                # (its VAT id cleared: not while it is, or is to be, billed at a rate whose
                # invoices name it, as at registration)
                today = datetime.now(UTC).date()
                for rate in (
                    customer.tax_rate_on(today),
                    *(c.tax_rate for c in customer.tax_rates if c.effective > today),
                ):
                    _refuse_reverse_charge_without_vat_id(rate, customer.tax_id, customer_id)
            return corrected, [customer]

        return self._atomically(step)

    @_names_target
    def change_customer_tax_rate(
        self,
        customer_id: UUID,
        *,
        tax_rate: TaxRate,
        effective: date,
        actor: str,
        contracts: bool = False,
    ) -> bool:
        """Bill a customer at ``tax_rate`` from the business day ``effective`` on
        (``Customer.change_tax_rate``, ``TaxRateChanged``): a new VAT rate, or a customer now
        reverse-charged or exempt; a customer registered at standard 0 % before the rule is
        given its rate so.

        The rate is checked as at registration (``InvalidValue`` naming ``tax_rate``: a
        ``TaxRate``, a standard one above 0 %), and a day before the last change's is refused
        (``RuleViolated`` naming ``effective``). Request and deposit invoices drafted from that
        day on, and contracts signed from then on, are billed at it; drafts made before keep
        their lines (void and draft again to bill them at it), and issued documents never
        change. A contract keeps the rate it was signed with unless ``contracts`` is True:
        then every contract of the customer not ended (signed, active or suspended), and every
        one ended (terminated, expired) whose term still runs past ``effective``, bills its
        periods from that day on at it too (``change_contract_tax_rate``'s rule: a period at
        the rate in force on its first day), in the same transaction: all or nothing, one
        contract that refuses (a period from ``effective`` on billed already: ``RuleViolated``
        naming ``effective`` and that contract) refuses the whole change. A contract alone
        changes by ``change_contract_tax_rate``.

        Returns whether anything was recorded (False: the customer, and with ``contracts``
        its contracts, are billed at this rate on that day already, also when a later change
        followed: a retry, an ERP replaying its change log). Reverse charge (AE) or an
        intra-community supply (K) for a customer without a VAT id is refused
        (``InvalidValue`` naming ``tax_id``: correct its details first), and so is a
        ``contracts`` that is not True or False (``InvalidValue`` naming ``contracts``: the
        text "no" read as a yes)."""
        _require_contracts_flag(contracts, customer_id)

        def step() -> tuple[bool, list[Aggregate]]:
            customer = self.customer(customer_id)
            _refuse_reverse_charge_without_vat_id(tax_rate, customer.tax_id, customer_id)
            changed = customer.change_tax_rate(actor, tax_rate, effective)
            aggregates: list[Aggregate] = [customer]
            if contracts:
                changing = self._change_contracts_tax_rate(customer, tax_rate, effective, actor)
                aggregates.extend(changing)
                changed = changed or bool(changing)
            _repeated(not changed, actor, customer.id)
            return changed, aggregates

        return self._atomically(step)

    @_names_target
    def change_customer_payment_terms(
        self,
        customer_id: UUID,
        *,
        payment_terms_days: int,
        effective: date,
        actor: str,
        contracts: bool = False,
    ) -> bool:
        """Give a customer's invoices ``payment_terms_days`` from issue to due from the
        business day ``effective`` on (``Customer.change_payment_terms``,
        ``PaymentTermsChanged``).

        The terms are checked as at registration (``InvalidValue`` naming
        ``payment_terms_days``), and a day before the last change's is refused
        (``RuleViolated`` naming ``effective``). Invoices drafted from that day on, and
        contracts signed from then on, carry them; drafts made before keep theirs, issued
        invoices never change (their due dates stay), and a contract keeps the terms it was
        signed with unless ``contracts`` is True: then every contract of the customer not ended,
        and every one ended that served (a correction of its served days found after its end
        is billed on an invoice drafted then), gives its invoices drafted from that day on
        these terms too (``change_contract_payment_terms``), in the same
        transaction: all or nothing, one contract that refuses (a day before its own last
        change: ``RuleViolated`` naming ``effective`` and that contract) refuses the whole
        change. A contract signed later, on a day before ``effective``, follows the change too
        (``Contract.follow_payment_terms``). Returns whether anything was recorded (False:
        these terms are the customer's, and with ``contracts`` its contracts', on that day
        already, also when a later change followed: a retry, an ERP replaying its change
        log). A ``contracts`` that is not True or False is refused (``InvalidValue`` naming
        ``contracts``)."""
        _require_contracts_flag(contracts, customer_id)

        def step() -> tuple[bool, list[Aggregate]]:
            customer = self.customer(customer_id)
            changed = customer.change_payment_terms(actor, payment_terms_days, effective)
            aggregates: list[Aggregate] = [customer]
            if contracts:
                changing = self._change_contracts_payment_terms(
                    customer, payment_terms_days, effective, actor
                )
                aggregates.extend(changing)
                changed = changed or bool(changing)
            _repeated(not changed, actor, customer.id)
            return changed, aggregates

        return self._atomically(step)

    @_names_target
    def hand_over_customer(
        self, customer_id: UUID, *, to_manager: str, effective_on: date, actor: str
    ) -> bool:
        """Hand a customer over to another account manager from the business day
        ``effective_on`` on (``Customer.hand_over``, ``CustomerHandedOver``): Mia leaves, Bob
        takes over her customers.

        With it, on the same day, every request (``RequestHandedOver``) and every contract
        (``ContractHandedOver``) of the customer that names the customer's manager is handed
        over too; one given another manager on purpose keeps them. Each is handed over whatever
        its status, as its days before ``effective_on`` keep the manager they had (``manager_on``)
        and one that never bills again loses nothing: an invoiced request bills again once a
        void, a re-billable credit note or a late timesheet gives work back, a cancelled one
        bills the work done; a contract terminated or expired with its term ending by
        ``effective_on`` still drafts after it the invoice of a last period billed in arrears
        (April's, by the 1 May run) or again one voided, and such an invoice names the manager
        of the day it is drafted, whatever was recorded first, the termination or the handover.
        A request asked for, or a contract signed, after ``effective_on``
        (opened naming the manager before the handover was recorded) is handed over from its
        own first day, so it names the new manager on every day it has. So is an invoice not
        issued yet drafted on or after ``effective_on`` naming the customer's manager
        (``InvoiceHandedOver``: the 1 May run recorded before Acme went to Bob from 1 May),
        whichever was recorded first (``_hand_over_invoices``). All in one save: the
        customer, its requests, contracts and invoices change together or not at all (a
        clash with another writer is decided again on fresh state, ``_atomically``).

        Requests opened, contracts signed and invoices drafted for the customer on or after
        ``effective_on`` name the new manager (``manager_on``); an invoice drafted before keeps
        the manager it names, and with it its commission: commission is earned by the manager
        an invoice names, so ``Commissions`` moves nothing collected by a handover (money
        collected in June on Mia's April invoice is Mia's). Refused, nothing recorded:
        ``to_manager`` blank, not text, over two lines or the customer's manager already (the
        same person however typed) (``InvalidValue`` / ``RuleViolated`` naming ``to_manager``);
        ``effective_on`` not a date (``InvalidValue``), before the customer's last handover,
        or on or before the day an invoice issued naming the customer's manager was drafted
        (its record never changes: ``RuleViolated`` naming ``effective_on`` and the
        invoice). Returns True; the customer's last handover sent again (the same manager
        however typed, from the same day, after a lost response:
        ``Customer.repeats_handover``) records nothing and returns False."""

        def step() -> tuple[bool, list[Aggregate]]:
            customer = self.customer(customer_id)
            if _repeated(customer.repeats_handover(to_manager, effective_on), actor, customer.id):
                return False, []
            before = person_key(customer.account_manager)
            customer.hand_over(to_manager, effective_on, actor)
            changed: list[Aggregate] = [customer]
            for request in self._get_many(EnhancementRequest, list(customer.request_ids)):
                # (whatever its status: an invoiced or cancelled one bills again once a void,
                # a re-billable credit note or a late timesheet gives work back)
                if person_key(request.account_manager) != before:
                    continue
                request.hand_over(to_manager, max(effective_on, request.requested_on), actor)
                changed.append(request)
            for contract in self._get_many(Contract, list(customer.contract_ids)):
                # (whatever its status: an ended one drafts its last period in arrears, or an
                # invoice voided, after its term ended)
                if person_key(contract.account_manager) != before:
                    continue
                contract.hand_over(to_manager, max(effective_on, contract.signed_on), actor)
                changed.append(contract)
            changed.extend(self._hand_over_invoices(customer, before, to_manager, actor))
            return True, changed

        return self._atomically(step)

    def _hand_over_invoices(
        self, customer: Customer, before: str, to_manager: str, actor: str
    ) -> list[Invoice]:
        """The customer's invoices drafted on or after its handover's day (its last,
        ``Customer.managed_since``) that name the manager it was handed over from (``before``,
        as ``person_key`` reads it), each handed over (``Invoice.hand_over``,
        ``InvoiceHandedOver``): one recorded before the handover (the 1 May run, then Acme
        Bob's from 1 May) names the manager of its drafting day as one drafted after it does,
        and pays him its commission. Credit notes are left as they are (each names the
        manager of the invoice it credits), and so are voided invoices (they bill nothing).
        One issued (or deducted, paid) is refused: its record never changes, so the handover
        would leave it naming the manager before on a day it is the new one's
        (``RuleViolated`` naming ``effective_on`` and the invoice: a later day is to be
        chosen), nothing recorded."""
        effective_on = customer.managed_since
        assert effective_on is not None  # (handed over in this step)
        handing: list[Invoice] = []
        for invoice in self._customer_invoices(customer):
            if (
                invoice.kind is InvoiceKind.CREDIT_NOTE
                or invoice.status is InvoiceStatus.VOIDED
                or invoice.drafted_on < effective_on
                or person_key(invoice.account_manager) != before
            ):
                continue
            if invoice.status is InvoiceStatus.ISSUED:
                raise RuleViolated(
                    f"is on or before the day invoice {invoice.number} was drafted "
                    f"({invoice.drafted_on}), issued naming {invoice.account_manager!r}: an "
                    "issued invoice keeps the manager it names, so the handover takes effect "
                    "after its day",
                    field="effective_on",
                    aggregate_id=invoice.id,
                    value=effective_on,
                )
            handing.append(invoice)
        for invoice in handing:
            invoice.hand_over(to_manager, effective_on, actor)
        return handing

    def customer(self, customer_id: UUID) -> Customer:
        """One customer."""
        return self._get(Customer, customer_id)

    def customers(self) -> list[Customer]:
        """Every customer, in registration order."""
        return [self.customer(cid) for cid in self._created_ids(Customer, "CustomerRegistered")]

    # -- enhancement requests --------------------------------------------------------------------

    @_names_target
    def open_request(
        self,
        customer_id: UUID,
        title: str,
        *,
        requested_on: date,
        actor: str,
        account_manager: str | None = None,
        contract_id: UUID | None = None,
        product_area: str = "",
        description: str = "",
        key: str | None = None,
    ) -> UUID:
        """Log a client's request for an enhancement; its account manager is the customer's
        on ``requested_on`` (``Customer.manager_on``) unless given (one given blank, spaces or
        invisible characters only: ``InvalidValue`` naming ``account_manager``, nothing
        recorded). Asked for before a handover of the customer recorded already, it is handed
        over with it, in the same save (``EnhancementRequest.follow_handovers``), as the
        customer's open requests were; one given a manager keeps them. ``contract_id``, when
        given, names one of the customer's contracts (``NotFound`` naming ``contract_id`` for no
        contract, ``RuleViolated`` for another customer's; nothing recorded).

        ``key`` (optional, the caller's: a ticket's id in the client's PSA) names the request
        for this customer, so a retry after a lost response does not open a second one (two
        requests of one title may both be asked for): the same request given again (same
        title, day, manager, contract, product area and description) records nothing and
        returns the request it opened (also when another process opened it a moment before);
        another request of the customer under that key is ``DuplicateEntry`` naming ``key``,
        recording nothing. It is read as a receipt's key is (``receipt_key``); one that is not
        text or names nothing is refused (``InvalidValue`` naming ``key``). Without one, each
        call opens a request."""
        if key is not None:
            _refuse_unusable_retry_key(key, "key", receipt_key, "the request", "opening")

        def step() -> tuple[UUID, list[Aggregate]]:
            customer = self.customer(customer_id)
            # (a contract it names is one of the customer's: another's, or a customer's id
            # pasted for it, listed the work under that contract in the unbilled report)
            self._require_customers_contract(customer, contract_id)
            request = EnhancementRequest(
                customer_id=customer_id,
                title=title,
                account_manager=(
                    customer.manager_on(requested_on, "requested_on")
                    if account_manager is None
                    else account_manager
                ),
                requested_on=requested_on,
                actor=actor,
                contract_id=contract_id,
                product_area=product_area,
                description=description,
            )
            details = {
                "title": title,
                "requested_on": requested_on,
                "account_manager": account_manager,
                "contract_id": contract_id,
                "product_area": product_area,
                "description": description,
            }
            made_before = self._made_before("request", customer.id, "customer", key, details)
            if made_before is not None:
                return made_before, []
            if account_manager is None:  # (and the customer's handovers after its day)
                request.follow_handovers(actor, customer.managers)
            customer.add_request(request.id, actor)
            keyed = _keyed("request", customer.id, key, request.id, details, actor)
            return request.id, [request, customer, *keyed]

        return self._atomically(step)

    def request(self, request_id: UUID) -> EnhancementRequest:
        """One enhancement request."""
        return self._get(EnhancementRequest, request_id)

    @_names_target
    def estimate_request(
        self,
        request_id: UUID,
        *,
        actor: str,
        hours: Decimal | int | str | None = None,
        rate: Money | None = None,
        fixed_price: Money | None = None,
    ) -> None:
        """Estimate the work: hours at a rate, or a fixed price."""
        estimate = Estimate(hours=hours, rate=rate, fixed_price=fixed_price)
        self._update(EnhancementRequest, request_id, lambda r: r.estimate_work(estimate, actor))

    @_names_target
    def send_quote(self, request_id: UUID, *, sent_on: date, actor: str) -> None:
        """Forward the estimate to the customer with a request for a PO. The quote sent again
        on its day (after a lost response: ``EnhancementRequest.repeats_quote``) records
        nothing; on another day it is refused (``InvalidTransition`` naming ``status``)."""
        require_day(sent_on, "sent_on")

        def send(r: EnhancementRequest) -> None:
            if not _repeated(r.repeats_quote(sent_on), actor, r.id):
                r.send_quote(sent_on, actor)

        self._update(EnhancementRequest, request_id, send)

    @_names_target
    def receive_purchase_order(
        self,
        request_id: UUID,
        *,
        number: str,
        amount: Money,
        received_on: date,
        actor: str,
        shortfall_reason: str | None = None,
    ) -> None:
        """Record the customer's PO (one below the estimate needs a shortfall reason). The same
        PO sent again (number, amount, day and reason alike, after a lost response:
        ``EnhancementRequest.repeats_purchase_order``) records nothing; another PO is refused
        (``InvalidTransition`` naming ``status``)."""
        po = PurchaseOrder(number, amount, received_on, shortfall_reason)

        def receive(r: EnhancementRequest) -> None:
            if not _repeated(r.repeats_purchase_order(po), actor, r.id):
                r.receive_purchase_order(po, actor)

        self._update(EnhancementRequest, request_id, receive)

    @_names_target
    def cover_request_by_allowance(
        self, request_id: UUID, allowance_id: UUID, *, actor: str
    ) -> None:
        """Let a prepaid allowance of the same customer cover the request instead of a PO. The
        cover sent again (the allowance it holds, after a lost response:
        ``EnhancementRequest.repeats_cover``) records nothing; another allowance is refused
        (``InvalidTransition`` naming ``status``)."""

        def step() -> tuple[None, list[Aggregate]]:
            request = self.request(request_id)
            if _repeated(request.repeats_cover(allowance_id), actor, request.id):
                return None, []  # (sent again after a lost response)
            try:
                allowance = self.allowance(allowance_id)
            except NotFound:
                raise NotFound(
                    "names no PrepaidAllowance",
                    field="allowance_id",
                    aggregate_id=request_id,
                    value=allowance_id,
                ) from None
            if allowance.customer_id != request.customer_id:
                raise RuleViolated(
                    "the allowance belongs to another customer",
                    field="allowance_id",
                    aggregate_id=request_id,
                    value=allowance_id,
                )
            if allowance.status is not AllowanceStatus.OPEN:
                raise InvalidTransition(
                    f"the allowance is {allowance.status.value}",
                    field="allowance_id",
                    aggregate_id=request_id,
                    value=allowance_id,
                )
            if request.currency not in (None, allowance.currency):
                raise CurrencyMismatch(
                    f"request in {request.currency}, allowance in {allowance.currency}",
                    field="allowance_id",
                    aggregate_id=request_id,
                )
            request.cover_by_allowance(allowance_id, actor)
            return None, [request]

        self._atomically(step)

    @_names_target
    def decline_request(self, request_id: UUID, *, reason: str, actor: str) -> None:
        """The customer declined the quote. The decline sent again for its reason (after a lost
        response: ``EnhancementRequest.repeats_decline``) records nothing; another reason is
        refused (``InvalidTransition`` naming ``status``)."""

        def decline(r: EnhancementRequest) -> None:
            if not _repeated(r.repeats_decline(reason), actor, r.id):
                r.decline(reason, actor)

        self._update(EnhancementRequest, request_id, decline)

    @_names_target
    def cancel_request(
        self, request_id: UUID, *, reason: str, cancelled_on: date, actor: str
    ) -> None:
        """Cancel the request before it is completed, on ``cancelled_on``: work invoiced for
        it and not credited is earned that day, nothing being left to deliver. The cancellation
        sent again for its reason and day (after a lost response:
        ``EnhancementRequest.repeats_cancellation``) records nothing; another is refused
        (``InvalidTransition`` naming ``status``)."""

        def cancel(r: EnhancementRequest) -> None:
            if not _repeated(r.repeats_cancellation(reason, cancelled_on), actor, r.id):
                r.cancel(reason, actor, cancelled_on)

        self._update(EnhancementRequest, request_id, cancel)

    @_names_target
    def authorize_work(
        self, request_id: UUID, *, authorized_on: date, actor: str, due_on: date | None = None
    ) -> None:
        """Open the request for work (only once a PO or allowance covers it). The authorization
        sent again (same day and due day, after a lost response:
        ``EnhancementRequest.repeats_authorization``) records nothing; another is refused
        (``WorkNotAuthorized`` naming ``status``, saying when it was authorized)."""
        require_day(authorized_on, "authorized_on")

        def authorize(r: EnhancementRequest) -> None:
            if not _repeated(r.repeats_authorization(authorized_on, due_on), actor, r.id):
                r.authorize_work(authorized_on, actor, due_on)

        self._update(EnhancementRequest, request_id, authorize)

    @_names_target
    def log_work(self, request_id: UUID, entry: TimeEntry, *, actor: str) -> None:
        """Log authorized work; on an allowance-covered request it draws the allowance too (by
        its work date). A completed request takes a late timesheet dated from the day it was
        authorized to the day it was completed (``EnhancementRequest.takes_work_on``).

        An entry of an outside system (an id ``<source>:<id>``, ``psa:42``) is work on one
        request: one recorded on another request, by any command, is a ``DuplicateEntry``
        naming ``entry_id`` and that request, nothing recorded; its ``RecordedWorkEntry`` is
        saved with the work (``ImportCommands._hold_entry``). Any other id (``t1``) is the
        request's own: another request may log a ``t1`` too."""

        def step() -> tuple[None, list[Aggregate]]:
            request = self.request(request_id)
            request.log_work(entry, actor)
            held = self._hold_entry(request, entry.entry_id, actor)
            return None, [request, *self._draw_allowance(request, entry, actor), *held]

        self._atomically(step)

    @_names_target
    def import_work(self, request_id: UUID, entry: TimeEntry, *, source: str, actor: str) -> bool:
        """Record work that arrives from outside (a PSA export). Never drops it.

        On an authorized request, done on or after the day it was authorized, or on a completed
        one, done from that day to the day it was completed (a late timesheet), it is logged as
        usual; otherwise it is recorded as unauthorized work, flagged for follow-up. An entry id
        already recorded on the request with the same work (worker, day, hours, billable, rate)
        is skipped (returns False), so importing the same file twice records nothing twice; with
        other work (the PSA corrected 8 h to 10 h) it is a ``DuplicateEntry`` naming
        ``entry_id``, as in a batch import: a correction needs a new entry, it is not dropped
        (an id naming an expense of the request is refused too).

        An outside system's entry (an id ``<source>:<id>``, as the batch importer writes them:
        ``psa:42``) is work on one request, as in a batch import: one recorded on another
        request, by whichever command, is a ``DuplicateEntry`` naming ``entry_id`` and that
        request, nothing recorded, and its ``RecordedWorkEntry`` is saved with the work
        (``ImportCommands._hold_entry``). Any other id (``x1``) is the request's own.
        ``source`` names the system in visible text (``InvalidValue`` naming ``source``).
        """

        def step() -> tuple[bool, list[Aggregate]]:
            request = self.request(request_id)
            # a raw row, or a worker of no text, is refused before it is compared
            require_kind(entry, TimeEntry, "entry", request.id)
            request.check_source(source)  # (whether it is logged or kept as unauthorized)
            if not isinstance(entry.worker, str):
                entry.check_new(request.id)  # (refuses it, naming ``entry.worker``)
            if self._check_same_work(request, entry):
                return False, []
            if request.takes_work_on(entry.work_date):
                request.log_work(entry, actor)
                changed = [request, *self._draw_allowance(request, entry, actor)]
            else:
                request.record_unauthorized_work(
                    entry, source, actor, self._customer_currency(request)
                )
                changed = [request]
            return True, [*changed, *self._hold_entry(request, entry.entry_id, actor)]

        return self._atomically(step)

    @_names_target
    def withdraw_work(self, request_id: UUID, entry_id: str, *, reason: str, actor: str) -> None:
        """Withdraw a time entry logged in error (80 h typed for 8, a day of 2204 for 2024,
        work booked on the wrong request), before any invoice bills it: it is billed never,
        drawn on no allowance, counted in no hours, and a request it held open (its day after
        the completion wanted) can be completed. Log the correct work as a new entry.

        The entry leaves every figure on every day, past days too: it was never work done.
        The history keeps both the entry and its withdrawal (``WorkWithdrawn``, with the
        reason and who), and a projection rebuilt as of a moment before the withdrawal was
        recorded still counts it, as it was then. The entry's id stays taken: importing it
        again is skipped when it carries the same work, and refused as an edited entry when
        it does not (``DuplicateEntry`` naming ``entry_id``), as for any entry. A PSA's entry
        (an id ``<source>:<id>``) withdrawn from the wrong request may be recorded on the one
        the PSA moves it to: the next export, or ``import_work`` there, records it
        (``RecordedWorkEntry.release``, ``record_again``).

        On an allowance-covered request its charge leaves the allowance too
        (``PrepaidAllowance.withdraw_charge``): what it covered is there to cover later work,
        by work date (on an allowance expired or rolled over since, the overage left, the rest
        forfeited). Request and allowance are saved in one transaction. Refused, nothing
        recorded: an entry not on the request or withdrawn already (for another reason: the
        withdrawal sent again for its reason, after a lost response, records nothing,
        ``EnhancementRequest.repeats_withdrawal``), one an invoice bills (a
        draft, approved or issued: void the draft, or credit the issued invoice as
        re-billable, first; one credited for good stays billed), its overage billed on the
        allowance (``RuleViolated`` naming ``entry_id``), a reason that is no visible text
        (``InvalidValue`` naming ``reason``). A completed request whose invoices bill all
        that is left is invoiced again (the entry was a late timesheet that re-opened it)."""

        def step() -> tuple[None, list[Aggregate]]:
            request = self.request(request_id)
            if _repeated(request.repeats_withdrawal(entry_id, reason), actor, request.id):
                return None, []  # (sent again after a lost response)
            chain = self._allowance_chain(request) if request.allowance_id is not None else []
            # invoiced again when invoices bill all that is left (as ``complete_request``
            # reckons it): a late timesheet re-opened it, and it is the one withdrawn
            all_billed = (
                request.status is RequestStatus.COMPLETED
                and bool(request.billed)
                and self._all_billed_after(_without_entry(request, entry_id), [])
            )
            request.withdraw_work(entry_id, reason, actor, all_billed)
            changed: list[Aggregate] = [request]
            for allowance in chain:
                if allowance.withdraw_charge(request.id, entry_id, reason, actor):
                    changed.append(allowance)
            if names_outside_entry(entry_id):
                # a PSA's entry: its id is free for the request the PSA moves it to
                index = self._work_entries_indexed(actor)
                place = self._recorded_places({entry_id}, index).get(entry_id)
                if place is not None and place.holds_work_of(request.id):
                    place.release(actor)
                    index[place.id] = place
                changed.extend(index.values())
            return None, changed

        self._atomically(step)

    @_names_target
    def log_expense(self, request_id: UUID, expense: Expense, *, actor: str) -> None:
        """Log an expense incurred for authorized work; a completed request (invoiced or not)
        takes a late receipt for a day its work was authorized for, up to its completion, and
        is billable again until an invoice bills it (``EnhancementRequest.log_expense``)."""
        self._update(EnhancementRequest, request_id, lambda r: r.log_expense(expense, actor))

    @_names_target
    def complete_request(self, request_id: UUID, *, completed_on: date, actor: str) -> None:
        """The work is done. A request whose work live invoices bill already, with nothing
        billable left unbilled (``_all_billed_after``: hours billed as it went, a fixed price
        billed by a hand-made invoice), is invoiced from its completion, as one billed after
        it is: the review meeting takes it off the agenda once paid. The completion sent again
        on its day (after a lost response: ``EnhancementRequest.repeats_completion``) records
        nothing; another day is refused (``InvalidTransition`` naming ``status``)."""

        require_day(completed_on, "completed_on")

        def complete(request: EnhancementRequest) -> None:
            if _repeated(request.repeats_completion(completed_on), actor, request.id):
                return  # (sent again after a lost response: the completion it holds)
            billed = bool(request.billed) and self._all_billed_after(request, [])
            request.complete(completed_on, actor, all_billed=billed)

        self._update(EnhancementRequest, request_id, complete)

    # -- prepaid allowances ----------------------------------------------------------------------

    @_names_target
    def grant_allowance(
        self,
        customer_id: UUID,
        *,
        unit: AllowanceUnit,
        quantity: Decimal | int | str,
        period: Period,
        granted_on: date,
        actor: str,
        contract_id: UUID | None = None,
        currency: str | None = None,
        key: str | None = None,
    ) -> UUID:
        """Grant prepaid hours or money for a period.

        Money is granted in whole minor units of the currency (0.001 EUR is refused, naming
        ``quantity``), and a grant of nothing is refused (``InvalidValue`` naming ``quantity``):
        it would cover requests in place of a PO while prepaying nothing. A roll-over with
        nothing left to carry still opens the next period's allowance.

        ``currency`` defaults to the customer's; another is granted as a request, a contract or
        an invoice of the customer may be in another (it covers the customer's requests in that
        currency, and ``customer_currencies`` lists it).

        ``contract_id``, when given, names one of the customer's contracts (``NotFound`` naming
        ``contract_id`` for no contract, ``RuleViolated`` for another customer's): recorded,
        the allowance would say forever that it was bought with a contract it has nothing to
        do with, and every roll-over would carry that on.

        ``key`` (optional, the caller's) names the grant for this customer, so a retry after a
        lost response is not granted twice (two grants of 10 hours for one year may both be
        bought): the same grant given again (same unit, quantity, period, day, currency and
        contract) records nothing and returns the allowance it made (also when another
        process made it a moment before); any other grant of the customer under that key is
        ``DuplicateEntry`` naming ``key``, recording nothing. It is read as a receipt's key is
        (``receipt_key``); one that is not text or names nothing is refused (``InvalidValue``
        naming ``key``). Without one, each call grants."""
        if key is not None:
            _refuse_unusable_retry_key(key, "key", receipt_key, "the grant", "granting")

        def step() -> tuple[UUID, list[Aggregate]]:
            customer = self.customer(customer_id)
            self._require_customers_contract(customer, contract_id)
            granted = to_decimal(quantity, "quantity")
            details = {
                "unit": unit.value if isinstance(unit, AllowanceUnit) else str(unit),
                "quantity": granted,
                "period": period,
                "granted_on": granted_on,
                "currency": currency or customer.currency,
                "contract_id": contract_id,
            }
            if granted == 0:
                raise InvalidValue(
                    "must be more than nothing: an allowance of nothing prepays no work, yet "
                    "would cover the customer's requests in place of a purchase order",
                    field="quantity",
                    aggregate_id=customer_id,
                    value=granted,
                )
            allowance = PrepaidAllowance(
                customer_id=customer_id,
                unit=unit,
                quantity=granted,
                period=period,
                granted_on=granted_on,
                actor=actor,
                currency=currency or customer.currency,
                contract_id=contract_id,
            )
            made_before = self._made_before("grant", customer.id, "customer", key, details)
            if made_before is not None:
                return made_before, []
            customer.add_allowance(allowance.id, actor)
            keyed = _keyed("grant", customer.id, key, allowance.id, details, actor)
            return allowance.id, [allowance, customer, *keyed]

        return self._atomically(step)

    def _retried(
        self, command: str, scope_id: UUID, scope: str, key: str | None, details: dict[str, Any]
    ) -> RetryKey | None:
        """The record of a caller's key when this command is the one it names given again (a
        retry after a lost response: the caller answers as the first call did, recording
        nothing); None without a key, or when the key names nothing yet. Another command under
        the key is refused (``DuplicateEntry`` naming ``key``)."""
        if key is None:
            return None
        found: RetryKey | None = None
        with contextlib.suppress(NotFound):
            found = self._get(RetryKey, RetryKey.create_id(command, scope_id, key))
        if found is not None:
            found.refuse_other(details, scope)
        return found

    def _made_before(
        self, command: str, scope_id: UUID, scope: str, key: str | None, details: dict[str, Any]
    ) -> UUID | None:
        """What the command made when it is the one a caller's key names given again
        (``_retried``), else None."""
        retried = self._retried(command, scope_id, scope, key, details)
        return None if retried is None else retried.made_id

    def _require_customers_contract(self, customer: Customer, contract_id: object) -> None:
        """Refuse a contract id (a UUID; any other value is refused as the event's fact) that
        names no contract (``NotFound``) or another customer's (``RuleViolated``), both naming
        ``contract_id`` (``grant_allowance``)."""
        if not isinstance(contract_id, UUID) or contract_id in customer.contract_ids:
            return
        try:
            contract = self._get(Contract, contract_id)
        except NotFound:
            raise NotFound(
                "names no contract",
                field="contract_id",
                aggregate_id=customer.id,
                value=contract_id,
            ) from None
        if contract.customer_id != customer.id:
            raise RuleViolated(
                "the contract belongs to another customer",
                field="contract_id",
                aggregate_id=customer.id,
                value=contract_id,
            )

    def allowance(self, allowance_id: UUID) -> PrepaidAllowance:
        """One prepaid allowance."""
        return self._get(PrepaidAllowance, allowance_id)

    @_names_target
    def top_up_allowance(
        self,
        allowance_id: UUID,
        quantity: Decimal | int | str,
        *,
        topped_up_on: date,
        reason: str,
        actor: str,
        key: str | None = None,
    ) -> None:
        """Add hours or money to an open allowance.

        ``key`` (optional, the caller's) names the top-up on this allowance, so a retry after
        a lost response is not added twice (two purchases of 5 hours on one day may both be
        real): the same top-up given again (same quantity, day and reason) records nothing
        (also when another process made it a moment before); any other top-up of the
        allowance under that key is ``DuplicateEntry`` naming ``key``, recording nothing. It
        is read as a receipt's key is (``receipt_key``); one that is not text or names nothing
        is refused (``InvalidValue`` naming ``key``). Without one, each call adds."""
        amount = to_decimal(quantity, "quantity")
        if key is not None:
            _refuse_unusable_retry_key(key, "key", receipt_key, "the top-up", "adding")

        def step() -> tuple[None, list[Aggregate]]:
            allowance = self.allowance(allowance_id)
            details = {"quantity": amount, "topped_up_on": topped_up_on, "reason": reason}
            # (checked as the top-up checks them, before its key is looked at)
            require_reason(reason, "reason", allowance.id)
            _require_actor(actor, allowance.id)
            if self._retried("top-up", allowance.id, "allowance", key, details) is not None:
                return None, []
            allowance.top_up(amount, topped_up_on, reason, actor)
            return None, [allowance, *_keyed("top-up", allowance.id, key, None, details, actor)]

        self._atomically(step)

    @_names_target
    def expire_allowance(self, allowance_id: UUID, *, expired_on: date, actor: str) -> bool:
        """Close an allowance whose period is over; what is left is forfeited. Returns True;
        the expiry sent again on its day (after a lost response:
        ``PrepaidAllowance.repeats_expiry``) records nothing and returns False; another day is
        refused (``InvalidTransition`` naming ``status``)."""

        def step() -> tuple[bool, list[Aggregate]]:
            held = self.allowance(allowance_id)
            if _repeated(held.repeats_expiry(expired_on), actor, held.id):
                return False, []
            held.expire(expired_on, actor)
            return True, [held]

        return self._atomically(step)

    def _rolled_over_so(
        self,
        old: PrepaidAllowance,
        new_period: object,
        rolled_over_on: object,
        quantity: object,
        extra: object,
    ) -> UUID | None:
        """The allowance ``old`` was rolled over into when this roll-over is that one (its
        day, the new period, what was carried, ``quantity`` or all that was left, and the
        ``extra`` granted with it): the same roll-over sent again after a lost response.
        Else None, and the roll-over is decided as any (refused on an allowance closed)."""
        if (
            old.status is not AllowanceStatus.ROLLED_OVER
            or old.rolled_over_to is None
            or type(rolled_over_on) is not date
            or old.closed_on != rolled_over_on
        ):
            return None
        try:
            carried = old.carried_on_roll_over()
            if quantity is not None and to_decimal(quantity, "quantity") != carried:
                return None
            more = to_decimal(extra, "extra")
        except InvalidValue:
            return None
        new = self.allowance(old.rolled_over_to)
        granted_with_it = new.granted - sum((t.quantity for t in new.top_ups or ()), Decimal(0))
        if new.period != new_period or granted_with_it != carried + more:
            return None
        return new.id

    @_names_target
    def roll_over_allowance(
        self,
        allowance_id: UUID,
        *,
        new_period: Period,
        rolled_over_on: date,
        actor: str,
        quantity: Decimal | int | str | None = None,
        extra: Decimal | int | str = 0,
    ) -> UUID:
        """Carry what is left (or part of it) into a new allowance, plus any extra grant.

        The requests the old allowance covers go on drawing on the new one: their work dated
        after the old period draws on it (``_draw_allowance``), and so does work they logged
        ahead of the roll-over, dated in the new period and not billed yet.

        What is carried is what was left on ``rolled_over_on`` (``PrepaidAllowance.left_on``),
        or ``quantity`` of it. Hours (or money) topped up on the old allowance after that day,
        recorded before the roll-over was, were bought after the carry-over: they are carried
        too, and the new allowance has them from the day they were bought (a top-up of its
        own, that day), so a day between reads only what was there: 4 hours carried on 10
        January, the 5 bought on 1 February from 1 February (``PrepaidAllowance.roll_over``
        refuses it when they cover work of the old period).

        The new allowance is granted on ``rolled_over_on``, or on the day ``old`` was granted
        when that is later (an allowance carried into late, carried on from the day after its
        period): the carried hours are in one allowance on every day, never in both.

        The same roll-over sent again after a lost response (``_rolled_over_so``: its day, new
        period, quantity carried and extra) records nothing and returns the allowance it made;
        another on an allowance closed is refused (``InvalidTransition`` naming ``status``)."""

        def step() -> tuple[UUID, list[Aggregate]]:
            old = self.allowance(allowance_id)
            made = self._rolled_over_so(old, new_period, rolled_over_on, quantity, extra)
            if _repeated(made is not None, actor, old.id) and made is not None:
                return made, []
            customer = self.customer(old.customer_id)
            require_period(new_period, "new_period")
            require_day(rolled_over_on, "rolled_over_on")
            there = old.left_on(rolled_over_on)
            carried = there if quantity is None else to_decimal(quantity, "quantity")
            more = to_decimal(extra, "extra")
            if quantity is not None and carried < 0:
                raise InvalidValue(
                    "must not be negative: what is not carried over is forfeited",
                    field="quantity",
                    aggregate_id=allowance_id,
                    value=carried,
                )
            if more < 0:
                raise InvalidValue(
                    "must not be negative: what is not carried over is forfeited",
                    field="extra",
                    aggregate_id=allowance_id,
                    value=more,
                )
            if quantity is not None:
                require_whole_minor_units(old.unit, carried, old.currency, "quantity")
            require_whole_minor_units(old.unit, more, old.currency, "extra")
            new = PrepaidAllowance(
                customer_id=old.customer_id,
                unit=old.unit,
                quantity=carried + more,
                period=new_period,
                # (not before the hours carried reached ``old``: granted there after the day
                # they are carried on, they would be left in both allowances until then)
                granted_on=max(rolled_over_on, old.granted_on),
                actor=actor,
                currency=old.currency,
                contract_id=old.contract_id,
                rolled_over_from=old.id,
            )
            old.roll_over(new.id, carried, rolled_over_on, actor, new_period)
            for late in old.top_ups_after(rolled_over_on):
                reason = (
                    f"topped up on {late.topped_up_on} on the allowance rolled over into this "
                    f"one on {rolled_over_on}"
                )
                new.top_up(late.quantity, late.topped_up_on, reason, actor)
            customer.add_allowance(new.id, actor)
            covered = self._draw_work_logged_ahead(old, new, customer, actor, rolled_over_on)
            return new.id, [old, new, customer, *covered]

        return self._atomically(step)

    def _draw_work_logged_ahead(
        self,
        old: PrepaidAllowance,
        new: PrepaidAllowance,
        customer: Customer,
        actor: str,
        rolled_over_on: date,
    ) -> list[EnhancementRequest]:
        """Authorized work logged before ``old`` was rolled over into ``new``, dated in the new
        period and not yet billed, is drawn on ``new`` now, as if the roll-over had come first:
        when the year's carry-over is recorded late, January's work still uses it. Work an
        invoice (or a draft) already bills at its rate stays billed as it is.

        Returns the requests whose work may draw on ``old`` (covered by it or by one rolled
        over into it), each recording ``CoveringAllowanceRolledOver``: saved with the
        roll-over, work logged on one of them at the same moment (which no allowance could
        take yet, so it wrote only the request) clashes with it, and the one decided again
        reads the other's."""
        loaded = {old.id: old, new.id: new}
        covered: list[EnhancementRequest] = []
        given_back_on = _given_back_days(self._invoices(customer))
        for request in self._get_many(EnhancementRequest, list(customer.request_ids)):
            if request.allowance_id is None:
                continue
            chain = self._allowance_chain(request, loaded)
            if all(a.id != old.id for a in chain):
                continue
            request.covering_allowance_rolled_over(old.id, new.id, rolled_over_on, actor)
            covered.append(request)
            charged = _charged_entries(request, chain)
            for w in request.work:
                e = w.entry
                if (
                    w.authorized
                    and e.billable
                    and e.entry_id not in request.billed
                    and e.entry_id not in charged
                    and self._allowance_drawn_on(request, e.work_date, loaded) is new
                ):
                    charge = allowance_charge(request, e, new)
                    back = given_back_on.get((request.id, e.entry_id))
                    if back is not None:
                        charge = attrs.evolve(charge, given_back_on=back)
                    new.charge_work(charge, actor)
        return covered

    def _draw_given_back(
        self,
        request: EnhancementRequest,
        item_ids: Iterable[str],
        actor: str,
        loaded: dict[UUID, PrepaidAllowance],
        given_back_on: date | None = None,
    ) -> list[PrepaidAllowance]:
        """Time entries an invoice gave back (its draft voided, or credited as re-billable)
        draw on the allowance that covers their day now, as work logged now would
        (``_draw_allowance``), and as a late roll-over draws work logged ahead of it
        (``_draw_work_logged_ahead``): January's hours drafted at their rate before the year's
        carry-over was recorded, given back after it, draw the carried hours, and only what
        goes beyond them is owed (as overage). An entry charged already (an invoice billed it
        whole) stays as it is, and so does work not authorized. Returns the allowances drawn
        (``loaded`` keeps them, and those read, for the rest of the step).

        Each charge keeps ``given_back_on``, the void's or the credit's day (``Charge``): until
        then the invoice held the entry, so the allowance's past days (``draws_on``) leave it
        out, as ``customer_summary(as_of=...)`` reads the invoice holding it. None (a void
        without its day, which held the work on no day): drawn from its work date."""
        given_back = set(item_ids)
        if request.allowance_id is None or not given_back:
            return []
        charged = _charged_entries(request, self._allowance_chain(request, loaded))
        drawn: dict[UUID, PrepaidAllowance] = {}
        for w in request.work:
            e = w.entry
            if not (w.authorized and e.billable and e.entry_id in given_back):
                continue
            allowance = self._allowance_drawn_on(request, e.work_date, loaded)
            if allowance is not None and e.entry_id not in charged:
                charge = allowance_charge(request, e, allowance)
                if given_back_on is not None:
                    charge = attrs.evolve(charge, given_back_on=given_back_on)
                allowance.charge_work(charge, actor)
                drawn[allowance.id] = allowance
        return list(drawn.values())

    def _overage_lines_hold(
        self, allowance: PrepaidAllowance, invoice: Invoice
    ) -> dict[str, Decimal]:
        """What each allowance-overage line of ``invoice`` naming ``allowance`` holds billed
        on it, by line id: ``_overage_quantity`` (hours, or its net on a money allowance).

        A hand-made line of more than one unit on a money allowance drafted before such a line
        held its net held its unit price only (2 x 41.64 held 41.64 of the 83.28 it bills):
        where the invoice's ``OverageBilled`` recorded the unit prices of its lines for a
        charge, not their nets, those lines hold their unit prices. Read from the allowance's
        history only for such lines (a line of one unit holds the same either way)."""
        lines: dict[str, list[InvoiceLine]] = {}
        held: dict[str, Decimal] = {}
        for line in invoice.lines:
            source = line.source
            if (
                source is None
                or source.kind is not SourceKind.ALLOWANCE_OVERAGE
                or source.allowance_id != allowance.id
                or len(source.time_entry_ids) != 1
            ):
                continue
            held[line.line_id] = _overage_quantity(allowance, line)
            try:
                key = _overage_key(
                    allowance, source.request_id, source.time_entry_ids[0], invoice.id
                )
            except RuleViolated:  # (a line the allowance can no longer tell apart)
                continue
            lines.setdefault(key, []).append(line)
        if allowance.unit is not AllowanceUnit.MONEY or all(
            line.net.amount == line.unit_price.amount for same in lines.values() for line in same
        ):
            return held
        recorded = self._overage_billed_by(allowance, invoice.id)
        for key, same in lines.items():
            unit_prices = sum((line.unit_price.amount for line in same), Decimal(0))
            nets = sum((held[line.line_id] for line in same), Decimal(0))
            if nets != recorded.get(key) == unit_prices:
                for line in same:
                    held[line.line_id] = line.unit_price.amount
        return held

    def _overage_billed_by(
        self, allowance: PrepaidAllowance, invoice_id: UUID
    ) -> dict[str, Decimal]:
        """What the allowance's ``OverageBilled`` events recorded for an invoice, by charge
        key (as the allowance keys its charges now)."""
        keys = [c.key for c in allowance.charges]
        billed: dict[str, Decimal] = {}
        for event in self.repository.event_store.get(allowance.id):
            e: Any = event
            if type(e).__name__ == "OverageBilled" and e.invoice_id == invoice_id:
                for k, quantity in e.quantities.items():
                    key = resolve_charge_key(k, keys)
                    billed[key] = billed.get(key, Decimal(0)) + quantity
        return billed

    def _overage_billed_worth(self, allowance: PrepaidAllowance) -> dict[str, Decimal]:
        """What invoices billed of each charge's overage on an hours allowance, by charge key
        (``follow_overage_worth`` over its ``OverageBilled`` and ``OverageReleased`` events, as
        the read models follow them): what the next piece of it bills less (``_overage_piece``).
        Read from its history only when some of its overage is billed."""
        if allowance.unit is AllowanceUnit.MONEY or not allowance.billed_overage:
            return {}
        rates = {c.key: c.rate for c in allowance.charges}
        keys = list(rates)
        billed: dict[str, Decimal] = {}
        worth: dict[str, Decimal] = {}
        pieces: dict[str, list[Decimal]] = {}
        for event in self.repository.event_store.get(allowance.id):
            e: Any = event
            name = type(e).__name__
            if name not in ("OverageBilled", "OverageReleased"):
                continue
            for k, quantity in e.quantities.items():
                key = resolve_charge_key(k, keys)
                rate = rates.get(key)
                if rate is None:  # (no such charge: nothing to value it by)
                    continue
                follow_overage_worth(
                    worth,
                    pieces,
                    billed,
                    name == "OverageBilled",
                    e.invoice_id.hex,
                    key,
                    quantity,
                    rate.amount,
                    rate.quantum,
                )
                sign = 1 if name == "OverageBilled" else -1
                billed[key] = billed.get(key, Decimal(0)) + sign * quantity
        return worth

    # -- invoices --------------------------------------------------------------------------------

    def invoice(self, invoice_id: UUID) -> Invoice:
        """One invoice or credit note."""
        return self._get(Invoice, invoice_id)

    @_names_target
    def draft_invoice(
        self,
        customer_id: UUID,
        lines: list[InvoiceLine],
        *,
        drafted_on: date,
        actor: str,
        kind: InvoiceKind = InvoiceKind.STANDARD,
        currency: str | None = None,
        purchase_order_number: str | None = None,
        note: str = "",
        key: str | None = None,
    ) -> UUID:
        """Draft an invoice from lines the caller built (manual items, work, expenses; a
        contract's periods are billed by ``run_billing``).

        ``kind`` is an ``InvoiceKind`` (text such as ``"standard"`` is refused, ``InvalidValue``
        naming ``kind``); a line whose net, or an invoice whose total, is beyond Money's range
        is refused naming the line (``check_line_amounts``). ``purchase_order_number`` is
        recorded without surrounding spaces; a blank one is refused (``InvalidValue`` naming
        it: leave it out), as the e-invoice's BuyerReference would be empty (PEPPOL R008).
        A deposit deduction line is refused (``InvalidValue`` naming ``lines.<id>.source.kind``):
        a deposit is deducted by ``deduct_deposit``, which marks it deducted. A contract period
        line naming a sub-contract is refused (``InvalidValue`` naming ``lines.<id>.source``):
        the billing run bills contract periods (``_refuse_hand_made_contract_period``). A
        deposit invoice holds deposit lines
        (``RevenueKind.DEPOSIT``) only, and only it holds them
        (``InvalidValue`` naming ``lines.<id>.revenue_kind``). A line billing a request's time
        entry, expense or fixed price in another currency than the item's is refused
        (``CurrencyMismatch`` naming ``lines.<id>.unit_price``). Nothing is recorded then.

        It names the account manager of the requests whose work its lines bill, as the
        requests' own invoices do, else the customer's, on ``drafted_on``
        (``_hand_made_manager``).

        ``key`` (optional, the caller's) names the draft for this customer, so a retry after a
        lost response is not drafted twice (a manual line or a deposit holds nothing that
        marks it billed; a line billing a request's item is refused the second time, the item
        being billed): the same draft given again (same kind, currency, lines, day, purchase
        order number and note) records nothing and returns the invoice it made (also when
        another process made it a moment before); any other draft of the customer under that
        key is ``DuplicateEntry`` naming ``key``, recording nothing. It is read as a receipt's
        key is (``receipt_key``); one that is not text or names nothing is refused
        (``InvalidValue`` naming ``key``). Without one, each call drafts."""
        if key is not None:
            _refuse_unusable_retry_key(key, "key", receipt_key, "the draft", "drafting")
        if not isinstance(kind, InvoiceKind):
            raise InvalidValue(
                f"must be an InvoiceKind, not {type(kind).__name__}", field="kind", value=kind
            )
        purchase_order_number = _purchase_order_number(purchase_order_number)
        _require_lines(lines)
        _require_text(note, "note")
        for line in lines:  # (typed by people: a card number pasted in is never stored)
            check_typed_line(line)
            _refuse_hand_made_deduction(line)
            _refuse_hand_made_contract_period(line)
            _refuse_deposit_mixed(line, kind)
        refuse_card_numbers("note", note)
        refuse_control_characters("note", note)

        def step() -> tuple[UUID, list[Aggregate]]:
            customer = self.customer(customer_id)
            details = {
                "kind": kind,
                "currency": currency or customer.currency,
                "lines": list(lines),
                "drafted_on": drafted_on,
                "purchase_order_number": purchase_order_number,
                "note": note,
            }
            invoice = Invoice(
                customer_id=customer_id,
                kind=kind,
                currency=currency or customer.currency,
                lines=list(lines),
                drafted_on=drafted_on,
                actor=actor,
                approval_policy=self.approval_policy,
                payment_terms_days=customer.payment_terms_on(drafted_on, "drafted_on"),
                account_manager=self._hand_made_manager(customer, lines, drafted_on),
                purchase_order_number=purchase_order_number,
                note=note,
            )
            made_before = self._made_before("draft", customer.id, "customer", key, details)
            if made_before is not None:
                return made_before, []
            customer.add_invoice(invoice.id, actor)
            billed = self._record_billing(invoice, actor)
            self._refuse_drafted_before_work(lines, drafted_on)
            keyed = _keyed("draft", customer.id, key, invoice.id, details, actor)
            return invoice.id, [invoice, customer, *billed, *keyed]

        return self._atomically(step)

    def _refuse_drafted_before_work(self, lines: Sequence[InvoiceLine], drafted_on: date) -> None:
        """A hand-made invoice bills work done by its day, as a request's own invoice does
        (``draft_request_invoice``): a line naming a request's time entry dated after
        ``drafted_on`` (its hours, or their overage), or an expense incurred after it, is
        refused (``RuleViolated`` naming ``drafted_on``, nothing recorded). A mistyped day a
        month early read, in every report of the days between, as work invoiced before it was
        done. (A fixed price may be billed by hand before the request is completed, but not
        before the request was asked for, as no line billing anything of it may be.)"""
        last: tuple[date, str] | None = None
        for line in lines:
            source = line.source
            if source is None or source.request_id is None:
                continue
            if not source.time_entry_ids and not source.expense_id and not source.fixed_price:
                continue
            request = self.request(source.request_id)
            incurred = {x.expense_id: x.incurred_on for x in request.expenses}
            done = [(request.requested_on, f"the day request {request.title!r} was asked for")]
            done += [
                (request.entry(i).work_date, f"the day of time entry {i!r} it bills")
                for i in source.time_entry_ids
            ]
            if source.expense_id in incurred:
                day = incurred[source.expense_id]
                done.append((day, f"the day of expense {source.expense_id!r} it bills"))
            for found in done:
                if found[0] > drafted_on and (last is None or found[0] > last[0]):
                    last = found
        if last is not None:
            raise RuleViolated(
                f"{drafted_on} is before {last[0]}, {last[1]}: an invoice bills what was done "
                "by its day",
                field="drafted_on",
                value=drafted_on,
            )

    def _hand_made_manager(
        self, customer: Customer, lines: Sequence[InvoiceLine], drafted_on: date
    ) -> str:
        """Who an invoice drafted by hand names: as an invoice of a request, the manager of the
        requests whose work, expenses or fixed price its lines bill, on ``drafted_on``
        (``EnhancementRequest.manager_on``, as ``draft_request_invoice`` names it), when they
        name one person (Dashboard's hours, Zoe's on purpose, billed by hand name Zoe and pay
        her the commission); else, billing no request's items (a manual line, a deposit) or
        those of requests of two managers, the customer's manager on that day. A request of
        another customer, or of none, is refused by ``_record_billing``."""
        own = customer.manager_on(drafted_on, "drafted_on")
        ids = {
            line.source.request_id
            for line in lines
            if line.source is not None
            and line.source.request_id is not None
            and line.source.kind is not SourceKind.ALLOWANCE_OVERAGE
            and _billed_items(line.source)
        }
        names = {
            person_key(name): name
            for request in self._get_many(EnhancementRequest, list(ids))
            if request.customer_id == customer.id
            for name in (request.manager_on(drafted_on, "drafted_on"),)
        }
        if len(names) == 1 and len(ids) > 0:
            (name,) = names.values()
            return name
        return own

    def _record_billing(self, invoice: Invoice, actor: str) -> list[Aggregate]:
        """Mark the work, expenses and overage an invoice's lines bill as billed by it.

        A line naming a request's time entries, expense or fixed price bills them, whatever its
        kind (a manual line naming t1 bills t1), so a hand-made invoice holds them as a request
        invoice does: they cannot be billed a second time, and voiding the invoice releases
        them. Only an allowance-overage line names an entry without billing it whole: it names
        its allowance and the one entry whose overage it bills, and holds that overage there.
        Refused, recording nothing (``AlreadyBilled``, naming the entry and where it is): a line
        naming work a prepaid allowance was charged with (what the allowance covers is paid
        for; its overage is billed by an overage line), an item a live invoice bills, or an
        item two lines name; and (``CurrencyMismatch`` naming ``lines.<id>.unit_price``) an
        item billed in another currency than its own (``_refuse_other_currency``).
        """
        items: dict[UUID, dict[str, str]] = {}  # by request: each item and the line naming it
        overage: dict[UUID, dict[str, Decimal]] = {}
        allowances: dict[UUID, PrepaidAllowance] = {}
        named_only: dict[UUID, str] = {}  # requests lines name without billing items of them
        overage_lines: dict[tuple[UUID, str], str] = {}  # the (last) line billing each overage
        for line in invoice.lines:
            source = line.source
            if source is None:
                continue
            if source.kind is SourceKind.ALLOWANCE_OVERAGE:
                allowance_id = _overage_allowance(line, invoice.id)
                allowance = allowances.get(allowance_id) or self.allowance(allowance_id)
                allowances[allowance.id] = allowance
                if allowance.customer_id != invoice.customer_id:
                    raise RuleViolated(
                        "the allowance belongs to another customer",
                        field="lines",
                        aggregate_id=invoice.id,
                        value=allowance.id,
                    )
                _require_overage_currency(allowance, line, invoice.id)
                entry_id = source.time_entry_ids[0]
                per = overage.setdefault(allowance.id, {})
                key = _overage_key(allowance, source.request_id, entry_id, invoice.id)
                per[key] = per.get(key, Decimal(0)) + _overage_quantity(allowance, line)
                overage_lines[(allowance.id, key)] = line.line_id
                continue
            if source.allowance_id is not None:
                raise InvalidValue(
                    f"line {line.line_id} names an allowance: only an allowance-overage line does",
                    field="lines",
                    aggregate_id=invoice.id,
                    value=line.line_id,
                )
            billed = _billed_items(source)
            if not billed:
                if source.request_id is not None:
                    # (a deposit or manual line for a request: it is the customer's)
                    named_only.setdefault(source.request_id, line.line_id)
                continue
            if source.kind in _HOLDS_NO_WORK:
                raise InvalidValue(
                    f"line {line.line_id} is a {source.kind.value} line and names what it would "
                    "bill (time entries, an expense, a fixed price): money on account or taken "
                    "back bills no work, the invoice that bills the work does",
                    field="lines",
                    aggregate_id=invoice.id,
                    value=line.line_id,
                )
            if source.request_id is None:
                raise InvalidValue(
                    f"line {line.line_id} names what it bills (time entries, an expense, a fixed "
                    "price) but not the request they belong to",
                    field="lines",
                    aggregate_id=invoice.id,
                    value=line.line_id,
                )
            named = items.setdefault(source.request_id, {})
            for item_id in billed:
                if item_id in named:
                    raise AlreadyBilled(
                        f"line {line.line_id} names {item_id!r}, which line {named[item_id]} "
                        "names too: one line bills it",
                        field="lines",
                        aggregate_id=invoice.id,
                        value=item_id,
                    )
                named[item_id] = line.line_id
        for request_id, line_id in named_only.items():
            if request_id not in items:
                self._refuse_named_request(invoice, request_id, line_id)
        changed: list[Aggregate] = []
        for request_id, named in items.items():
            request = self.request(request_id)
            if request.customer_id != invoice.customer_id:
                raise RuleViolated(
                    "the request belongs to another customer",
                    field="lines",
                    aggregate_id=invoice.id,
                    value=request_id,
                )
            self._refuse_billed_already(request, named)
            _refuse_other_currency(request, named, invoice)
            item_ids = list(named)
            request.record_invoiced(
                invoice.id, item_ids, self._all_billed_after(request, item_ids), actor
            )
            changed.append(request)
        for allowance_id, quantities in overage.items():
            _refuse_beyond_overage(allowances[allowance_id], quantities, overage_lines, invoice)
            allowances[allowance_id].bill_overage(invoice.id, quantities, actor)
            changed.append(allowances[allowance_id])
        return changed

    def _refuse_named_request(self, invoice: Invoice, request_id: UUID, line_id: str) -> None:
        """A line naming a request it bills nothing of names one of the invoice's customer
        (``NotFound``, or ``RuleViolated`` for another's, naming the line's request): one
        naming nothing was recorded, and crediting or voiding its invoice failed for good."""
        field = f"lines.{line_id}.source.request_id"
        try:
            request = self.request(request_id)
        except NotFound:
            raise NotFound(
                f"line {line_id} names no EnhancementRequest",
                field=field,
                aggregate_id=invoice.id,
                value=request_id,
            ) from None
        if request.customer_id != invoice.customer_id:
            raise RuleViolated(
                f"line {line_id} names a request of another customer",
                field=field,
                aggregate_id=invoice.id,
                value=request_id,
            )

    def _refuse_billed_already(self, request: EnhancementRequest, named: dict[str, str]) -> None:
        """Refuse items of the request that lines name (item -> line id) and that are billed
        already: work an allowance was charged with, or an item a live invoice bills."""
        charged = {
            charge.entry_id: (allowance, charge.key)
            for allowance in self._allowance_chain(request)
            for charge in allowance.charges
            if charge.request_id == request.id
        }
        expenses = {x.expense_id for x in request.expenses}
        for item_id, line_id in named.items():
            what = (
                "the fixed price"
                if item_id == FIXED_PRICE_ITEM
                else f"expense {item_id!r}"
                if item_id in expenses
                else f"time entry {item_id!r}"
            )
            where = f"line {line_id} names {what} of request {request.title!r}"
            if item_id in charged:
                allowance, key = charged[item_id]
                draw = allowance.draws()[key]
                unit = "hours" if allowance.unit is AllowanceUnit.HOURS else allowance.currency
                raise AlreadyBilled(
                    f"{where}, charged on prepaid allowance {allowance.id} ({draw.covered} "
                    f"{unit} covered, {draw.overage} overage): what the allowance covers is "
                    "paid for, and its overage is billed by an allowance-overage line "
                    "(draft_request_invoice drafts it)",
                    field="lines",
                    aggregate_id=request.id,
                    value=item_id,
                )
            if item_id in request.billed:
                other = self.invoice(UUID(request.billed[item_id]))
                raise AlreadyBilled(
                    f"{where}, already billed by invoice {other.number or other.id} "
                    f"({other.status.value})",
                    field="lines",
                    aggregate_id=request.id,
                    value=item_id,
                )

    def _all_billed_after(self, request: EnhancementRequest, item_ids: list[str]) -> bool:
        """Whether nothing billable is left unbilled on the request once these items are
        (work and expenses in another currency than the request's aside: no invoice of it can
        bill them, as ``draft_request_invoice`` says)."""
        charged = _charged_entries(request, self._allowance_chain(request))
        currency = request.billing_currency()
        entries = {w.entry.entry_id for w in request.work}
        left = [
            e.entry_id
            for e in request.unbilled_entries()
            if e.entry_id not in charged
            and e.entry_id not in item_ids
            and currency in (None, e.rate.currency)
        ]
        left += [
            x.expense_id
            for x in request.unbilled_expenses()
            if x.expense_id not in item_ids and currency in (None, x.amount.currency)
        ]
        fixed = request.estimate is not None and request.estimate.is_fixed_price
        if fixed:
            # a completed fixed-price request is invoiced once its price is billed: its hours
            # are billed with it (``draft_request_invoice`` bills none of them on their own)
            left = [i for i in left if i not in entries]
            if not request.fixed_price_billed and FIXED_PRICE_ITEM not in item_ids:
                left.append(FIXED_PRICE_ITEM)
        return not left

    @_names_target
    def draft_request_invoice(
        self, request_id: UUID, *, drafted_on: date, actor: str, key: str | None = None
    ) -> UUID:
        """Draft an invoice for everything billable and not yet billed on a request.

        ``key`` (optional, the caller's) names the draft for the request's customer, as
        ``draft_invoice``'s does, so a retry after a lost response answers the invoice it made:
        the same draft given again under it (same request and day) records nothing and returns
        it; any other draft of the customer under that key is ``DuplicateEntry`` naming ``key``,
        recording nothing. Read as a receipt's key is (``receipt_key``; one that is no text or
        names nothing: ``InvalidValue`` naming ``key``). Without one, a call sent again is
        refused, its work being billed (the request invoiced, or nothing billable left).

        An invoiced request is billed its allowance overage that arose since: covered hours
        become overage when back-dated work on another request the allowance covers draws
        first (draws follow the work date), or billed overage of earlier work is released.
        That money is owed, so it is billed on an invoice of its own; the request stays
        invoiced, all its own items being billed.

        Hours logged at a zero rate (or whose amount rounds to nothing) are invoiced at no
        charge: their line says why (the entry's note, or that it was at a zero rate), as
        approval asks of a line of no amount, and the work is billed.

        A completed fixed-price request is billed its price on one line naming the work done
        for it (that recorded unauthorized before the PO too); work imported dated after the
        completion is not inside the price and stays unbilled, leakage to follow up
        (``EnhancementRequest.work_after_completion``), as ``unbilled_work`` counts it.

        A cancelled request is billed what it owes: what ``unbilled_work`` lists but the work
        recorded unauthorized (which it counts, as it counts all leakage): the work logged
        while it was authorized, at its rate (a fixed price is owed for work delivered
        whole, so a cancelled fixed-price request bills its hours, not the price), its
        expenses, and its allowance overage; it stays cancelled. The hours of a cancelled
        fixed-price request are billed up to the agreed price less what was billed of it
        already (``_fixed_price_room``: the net of the live lines billing its hours, less what
        re-billable credit notes gave back; what they billed, not what the hours are worth),
        never more: each hour line names its time entry, and
        a last line, "capped at the agreed fixed price", takes off what they are worth beyond
        that, saying so in its ``price_reason``; its expenses are billed on top. When the
        price is billed whole already, its hours bill nothing. Work recorded unauthorized
        (imported before the PO, or after the cancellation) is leakage to follow up, not
        billed. ``RuleViolated`` naming ``work`` when nothing is owed.

        It is drafted no earlier than what it bills was done (``RuleViolated`` naming
        ``drafted_on``, nothing recorded): the last work day of its hours (overage too), the
        day of its expenses, the completion for a fixed price, the cancellation for the hours
        of a cancelled fixed price (owed in place of the price from that day on), and the day
        the request was asked for. A mistyped day a month early read, in every report of the
        days between, as work invoiced before it was done.

        The invoice is in the request's currency (its estimate's). Work or an expense recorded
        in another currency (unauthorized work a PSA rated in its own currency, on a request
        estimated in another one before q2c refused either) cannot be held by it: it is left
        out, as ``unbilled_work`` leaves it out, and the request is invoiced once everything
        in its currency is billed. It stays recorded and unbilled, counted at its hours' worth
        in the customer's summary in its own currency (``customer_summary``), leakage to
        follow up.
        """

        def rate_text(rate: Money) -> str:
            # an entry's rate with all its decimals, at least its currency's (333.5 JPY,
            # 0.004 EUR, 100.00 EUR), as the unit-price column prints it: str(Money) rounds it
            # to the currency (334 JPY, 0.00 EUR), a rate the line's amount does not follow
            exponent = rate.amount.normalize().as_tuple().exponent
            places = max(minor_units(rate.currency), -exponent if isinstance(exponent, int) else 0)
            return f"{rate.amount:,.{places}f} {rate.currency}"

        def no_charge(line: InvoiceLine, entry: TimeEntry) -> InvoiceLine:
            # a line of no amount says why; an overage piece billing nothing says why already:
            # the earlier pieces billed what the entry's overage is worth ("billed 0.00 so that
            # the pieces add up to 0.02"), though the piece alone would not round to nothing
            if line.net.is_positive() or line.price_reason:
                return line
            note = entry.note.strip()
            why = note or (
                f"time entry {entry.entry_id} at a zero rate"
                if entry.rate.is_zero()
                else f"time entry {entry.entry_id} at {rate_text(entry.rate)} an hour rounds "
                "to nothing"
            )
            return attrs.evolve(line, price_reason=f"no charge: {why}")

        if key is not None:
            _refuse_unusable_retry_key(key, "key", receipt_key, "the draft", "drafting")
        details = {"request_id": request_id, "drafted_on": drafted_on}

        def step() -> tuple[UUID, list[Aggregate]]:
            request = self.request(request_id)
            made_before = self._made_before("draft", request.customer_id, "customer", key, details)
            if _repeated(made_before is not None, actor, request.id) and made_before is not None:
                return made_before, []
            # the covering allowance and those it was rolled over into: each bills the overage
            # of the work it was charged
            allowances = self._allowance_chain(request)
            owed_overage = request.status is RequestStatus.INVOICED and any(
                _owes_overage(request, allowance) for allowance in allowances
            )
            cancelled = request.status is RequestStatus.CANCELLED
            billable = (RequestStatus.AUTHORIZED, RequestStatus.COMPLETED)
            if request.status not in billable and not owed_overage and not cancelled:
                raise InvalidTransition(
                    f"cannot invoice a request that is {request.status.value}",
                    field="status",
                    aggregate_id=request_id,
                    value=request.status,
                )
            nothing_left = RuleViolated(
                "nothing billable is left unbilled on this "
                + (
                    "cancelled request (work recorded unauthorized is leakage to follow up, "
                    "not billed)"
                    if cancelled
                    else "request"
                ),
                field="work",
                aggregate_id=request_id,
            )
            if request.estimate is None:  # (cancelled before it was estimated: it took no work)
                raise nothing_left
            customer = self.customer(request.customer_id)
            currency = request.estimate.total.currency
            tax = customer.tax_rate_on(drafted_on, "drafted_on")
            lines: list[InvoiceLine] = []
            billed_items: list[str] = []
            overage: dict[UUID, dict[str, Decimal]] = {}
            charged = _charged_entries(request, allowances)
            for allowance in allowances:
                open_overage = allowance.unbilled_overage()
                # what was billed of each charge's overage: a piece of it bills the rest of
                # what its overage billed so far with the piece is worth (``_overage_piece``)
                billed_worth: dict[str, Decimal] | None = None
                for entry_id in sorted(_charged_entries(request, [allowance])):
                    charge = charge_key(request_id, entry_id)
                    if charge not in open_overage:
                        continue
                    entry = request.entry(entry_id)
                    quantity = open_overage[charge]
                    overage.setdefault(allowance.id, {})[charge] = quantity
                    money_unit = allowance.unit is AllowanceUnit.MONEY
                    unit_price = Money(quantity, currency) if money_unit else entry.rate
                    reason = None
                    if not money_unit:
                        if billed_worth is None:
                            billed_worth = self._overage_billed_worth(allowance)
                        net = _overage_piece(allowance, charge, quantity, billed_worth)
                        unit_price = _overage_unit_price(entry.rate, quantity, net)
                        if unit_price != entry.rate:
                            hours = allowance.billed_overage.get(charge, Decimal(0)) + quantity
                            reason = (
                                f"{quantity} of {hours} hours beyond the allowance at "
                                f"{rate_text(entry.rate)} an hour, billed {net} so that the "
                                f"pieces add up to {(entry.rate * hours).rounded()}"
                            )
                    line = no_charge(
                        InvoiceLine(
                            line_id=f"L{len(lines) + 1}",
                            description=f"{request.title}: {entry.worker} {entry.work_date} "
                            "beyond prepaid allowance",
                            quantity=Decimal(1) if money_unit else quantity,
                            unit_price=unit_price,
                            price_reason=reason,
                            tax=tax,
                            source=LineSource(
                                SourceKind.ALLOWANCE_OVERAGE,
                                request_id=request_id,
                                time_entry_ids=(entry_id,),
                                hours=(
                                    hours_of_overage(
                                        entry.hours, allowance.charge_for(charge).quantity, quantity
                                    )
                                    if money_unit
                                    else quantity
                                ),
                                allowance_id=allowance.id,
                            ),
                            revenue_kind=RevenueKind.ENHANCEMENT,
                        ),
                        entry,
                    )
                    lines.append(line)
            # (work in another currency than the request's is left out: see above)
            direct = [
                e
                for e in request.unbilled_entries()
                if e.entry_id not in charged and e.rate.currency == currency
            ]
            if cancelled:
                authorized = {w.entry.entry_id for w in request.work if w.authorized}
                direct = [e for e in direct if e.entry_id in authorized]
            fixed = request.estimate.is_fixed_price
            if (
                fixed
                and request.status is RequestStatus.COMPLETED
                and not request.fixed_price_billed
            ):
                assert request.estimate.fixed_price is not None
                # work imported dated after the completion was not inside the price: it stays
                # unbilled, leakage to follow up, as unbilled_work and UnbilledRevenue count it
                late = request.work_after_completion()
                direct = [e for e in direct if e.entry_id not in late]
                lines.append(
                    InvoiceLine(
                        line_id=f"L{len(lines) + 1}",
                        description=f"{request.title} (fixed price)",
                        quantity=Decimal(1),
                        unit_price=request.estimate.fixed_price,
                        tax=tax,
                        source=LineSource(
                            SourceKind.WORK,
                            request_id=request_id,
                            time_entry_ids=tuple(e.entry_id for e in direct),
                            hours=sum((e.hours for e in direct), Decimal(0)) if direct else None,
                            fixed_price=True,
                        ),
                        revenue_kind=RevenueKind.ENHANCEMENT,
                    )
                )
                billed_items += [e.entry_id for e in direct] + [FIXED_PRICE_ITEM]
            elif not fixed or cancelled:
                hour_lines: list[InvoiceLine] = []
                for entry in direct:
                    line = InvoiceLine(
                        line_id=f"L{len(lines) + len(hour_lines) + 1}",
                        description=f"{request.title}: {entry.worker} {entry.work_date}",
                        quantity=entry.hours,
                        unit_price=entry.rate,
                        tax=tax,
                        source=LineSource(
                            SourceKind.WORK,
                            request_id=request_id,
                            time_entry_ids=(entry.entry_id,),
                            hours=entry.hours,
                        ),
                        revenue_kind=RevenueKind.ENHANCEMENT,
                    )
                    hour_lines.append(no_charge(line, entry))
                worth = total((line.net for line in hour_lines), currency)
                room = _fixed_price_room(
                    request, currency, request.billed, self._hours_billed_of(request)
                )
                if room is None or room >= worth:
                    lines += hour_lines
                    billed_items += [e.entry_id for e in direct]
                elif room.is_positive():
                    # a cancelled fixed-price request: its hours, each named on its line, up to
                    # the agreed price less what was billed of it already
                    price = request.estimate.fixed_price
                    assert price is not None
                    already = price - room
                    lines += hour_lines
                    billed_items += [e.entry_id for e in direct]
                    lines.append(
                        InvoiceLine(
                            line_id=f"L{len(lines) + 1}",
                            description=f"{request.title}: capped at the agreed fixed price",
                            quantity=Decimal(1),
                            unit_price=room - worth,
                            tax=tax,
                            source=LineSource(SourceKind.WORK, request_id=request_id),
                            revenue_kind=RevenueKind.ENHANCEMENT,
                            price_reason=(
                                f"cancelled at a fixed price of {price}: its hours, worth "
                                f"{worth}, are billed up to the price"
                                + (
                                    f", less {already} billed already"
                                    if already.is_positive()
                                    else f", plus the {-already} its invoices took off so far"
                                    if already.is_negative()
                                    else ""
                                )
                            ),
                        )
                    )
                # (else the price is billed whole already: its hours owe nothing more, and stay
                # unbilled, owed again should what billed the price be voided)
            for expense in request.unbilled_expenses():
                if expense.amount.currency != currency:
                    continue
                lines.append(
                    InvoiceLine(
                        line_id=f"L{len(lines) + 1}",
                        description=f"{request.title}: {expense.description}",
                        quantity=Decimal(1),
                        unit_price=expense.amount,
                        tax=tax,
                        source=LineSource(
                            SourceKind.EXPENSE, request_id=request_id, expense_id=expense.expense_id
                        ),
                        revenue_kind=RevenueKind.EXPENSE,
                    )
                )
                billed_items.append(expense.expense_id)
            if not lines:
                raise nothing_left
            # it bills work done: no earlier than the last day of what its lines bill
            incurred = {x.expense_id: x.incurred_on for x in request.expenses}
            done_on = [request.requested_on]
            for line in lines:
                if line.source is None:
                    continue
                done_on += [request.entry(i).work_date for i in line.source.time_entry_ids]
                if line.source.expense_id in incurred:
                    done_on.append(incurred[line.source.expense_id])
                if line.source.fixed_price and request.completed_on is not None:
                    done_on.append(request.completed_on)
                # a cancelled fixed price's hours are owed in place of the price from its
                # cancellation day on: before it, the price was owed (every report of those
                # days read it unbilled beside the hours invoiced)
                if (
                    cancelled
                    and fixed
                    and line.source.time_entry_ids
                    and request.cancelled_on is not None
                ):
                    done_on.append(request.cancelled_on)
            if drafted_on < max(done_on):
                raise RuleViolated(
                    f"{drafted_on} is before {max(done_on)}, the last day of the work, expenses, "
                    "completion or cancellation it bills: a request's invoice bills what was "
                    "done by its day",
                    field="drafted_on",
                    aggregate_id=request_id,
                    value=drafted_on,
                )
            invoice = Invoice(
                customer_id=request.customer_id,
                kind=InvoiceKind.STANDARD,
                currency=currency,
                lines=lines,
                drafted_on=drafted_on,
                actor=actor,
                approval_policy=self.approval_policy,
                payment_terms_days=customer.payment_terms_on(drafted_on, "drafted_on"),
                account_manager=request.manager_on(drafted_on, "drafted_on"),
                purchase_order_number=(
                    request.purchase_order.number if request.purchase_order else None
                ),
            )
            invoice_id = invoice.id
            changed: list[Aggregate] = [invoice, request, customer]
            # as completing it reckons it: a fixed price's hours are billed with the price, so
            # late hours on a billed price leave nothing owed once a late receipt is billed
            all_billed = self._all_billed_after(request, billed_items)
            request.record_invoiced(invoice_id, billed_items, all_billed, actor)
            for allowance in allowances:
                if allowance.id in overage:
                    allowance.bill_overage(invoice_id, overage[allowance.id], actor)
                    changed.append(allowance)
            customer.add_invoice(invoice_id, actor)
            keyed = _keyed("draft", customer.id, key, invoice_id, details, actor)
            return invoice_id, [*changed, *keyed]

        return self._atomically(step)

    @_names_target
    def draft_deposit_invoice(
        self,
        customer_id: UUID,
        amount: Money,
        *,
        description: str,
        drafted_on: date,
        actor: str,
        request_id: UUID | None = None,
        key: str | None = None,
    ) -> UUID:
        """Draft a down-payment invoice (net amount, more than zero in whole minor units of its
        currency, as a payment is; ``InvalidValue`` naming ``amount``); it is deducted later on
        the final invoice. ``request_id``, when given, is a request of the customer
        (``NotFound``, or ``RuleViolated`` for another customer's, naming ``request_id``) billed
        in the deposit's currency, if it has one yet (``CurrencyMismatch``).

        ``key`` (optional) names the draft as ``draft_invoice``'s does: the same deposit given
        again (same amount, description, day and request) records nothing and returns the
        invoice it made, another draft of the customer under the key is ``DuplicateEntry``
        naming ``key``; without one each call drafts a deposit (two phases may ask the same
        down payment)."""
        if key is not None:
            _refuse_unusable_retry_key(key, "key", receipt_key, "the draft", "drafting")
        if not isinstance(amount, Money):
            raise InvalidValue(
                f"must be Money, not {type(amount).__name__}", field="amount", value=amount
            )
        if not amount.is_positive():
            raise InvalidValue("a deposit must be more than zero", field="amount", value=amount)
        if not amount.is_rounded():
            # as a payment is: a deposit of 10.005 billed 10.01, which no payment could match
            raise InvalidValue("must be whole minor units", field="amount", value=amount)
        customer = self.customer(customer_id)
        if request_id is not None:
            self._refuse_deposit_request(customer_id, request_id, amount.currency)
        line = InvoiceLine(
            line_id="L1",
            description=description,
            quantity=Decimal(1),
            unit_price=amount,
            tax=customer.tax_rate_on(drafted_on, "drafted_on"),
            source=LineSource(SourceKind.DEPOSIT, request_id=request_id),
            revenue_kind=RevenueKind.DEPOSIT,
        )
        try:
            return self.draft_invoice(
                customer_id,
                [line],
                drafted_on=drafted_on,
                actor=actor,
                kind=InvoiceKind.DEPOSIT,
                currency=amount.currency,
                key=key,
            )
        except Q2CError as error:
            # the invoice's one line is q2c's: its description is the caller's ``description``
            # (a zero-width space, a control character, a card number were refused naming
            # ``lines.L1.description``, a line no caller typed)
            if error.field == f"lines.{line.line_id}.description":
                error.field = "description"
                error.args = (error._message(),)
            raise

    def _refuse_deposit_request(self, customer_id: UUID, request_id: UUID, currency: str) -> None:
        """The request a deposit is for is the customer's, billed in the deposit's currency: a
        deposit naming another's (or nothing) was recorded, and crediting it failed for good."""
        if not isinstance(request_id, UUID):
            raise InvalidValue(
                f"must be a UUID, not {type(request_id).__name__}",
                field="request_id",
                value=request_id,
            )
        try:
            request = self.request(request_id)
        except NotFound:
            raise NotFound(
                "no EnhancementRequest with this id", field="request_id", value=request_id
            ) from None
        if request.customer_id != customer_id:
            raise RuleViolated(
                "the request belongs to another customer", field="request_id", value=request_id
            )
        billed_in = request.billing_currency()
        if billed_in is not None and billed_in != currency:
            raise CurrencyMismatch(
                f"the request is billed in {billed_in}, the deposit is in {currency}",
                field="request_id",
                value=request_id,
            )

    @_names_target
    def deduct_deposit(self, invoice_id: UUID, deposit_invoice_id: UUID, *, actor: str) -> bool:
        """Deduct an issued deposit invoice on a draft final invoice, line by line.

        A deposit is deducted whole, once: one larger than what the final invoice asks (a
        5,000.00 deposit on a 1,000.00 final invoice) is refused with ``OverAllocation`` naming
        both totals, as the invoice would ask a negative amount that approval refuses. Deduct
        it on a final invoice of at least its amount (one with all the project's work), or
        credit the deposit and deduct nothing. A deposit in another currency is refused
        (``CurrencyMismatch``). A ``deposit_invoice_id`` that is no invoice's id is refused
        naming it (``InvalidValue`` for no id at all, ``NotFound`` for an id of nothing).
        Either invoice may be named by the text of its id, as reports print it. Returns True;
        the same deduction sent again after a lost response (the deposit deducted on this
        invoice) records nothing and returns False, on another invoice it is refused
        (``DuplicateEntry`` naming ``deducted_by``)."""
        if not isinstance(deposit_invoice_id, UUID | str):
            raise InvalidValue(
                "must be the deposit invoice's id (a UUID), not "
                f"{type(deposit_invoice_id).__name__}",
                field="deposit_invoice_id",
                value=deposit_invoice_id,
            )

        def step() -> tuple[bool, list[Aggregate]]:
            final = self.invoice(invoice_id)
            deposit = self._get_other(
                Invoice, deposit_invoice_id, field="deposit_invoice_id", target=final.id
            )
            if _repeated(deposit.deducted_by == final.id, actor, final.id):
                return False, []
            if deposit.customer_id != final.customer_id:
                raise RuleViolated(
                    "the deposit belongs to another customer",
                    field="deposit_invoice_id",
                    aggregate_id=invoice_id,
                )
            if final.kind is not InvoiceKind.STANDARD:
                raise RuleViolated(
                    "deposits are deducted on a standard invoice",
                    field="kind",
                    aggregate_id=invoice_id,
                )
            if any(
                line.source is not None and line.source.kind is SourceKind.CONTRACT_PERIOD
                for line in final.lines
            ):
                # the run credits a contract invoice's days when the contract changes: with a
                # deduction on it that credit can exceed all the invoice asks, a note that
                # could never be issued (and the run would draft it again after a void)
                raise RuleViolated(
                    "a billing run's contract invoice takes no deposit deduction (its credit "
                    "notes for days taken back could exceed what it asks): credit the deposit "
                    "invoice instead, and allocate the money paid for it, then the customer's "
                    "credit, to this invoice",
                    field="invoice_id",
                    aggregate_id=invoice_id,
                    value=invoice_id,
                )
            if deposit.deducted_by is not None:
                raise DuplicateEntry(
                    self._deducted(deposit),
                    field="deducted_by",
                    aggregate_id=deposit_invoice_id,
                    value=deposit.deducted_by,
                )
            # (the final invoice's id as loaded: given as its text, it is the UUID it spells,
            # as the deposit's is)
            deposit.deduct_deposit(final.id, actor)
            # the next free ids after its lines (a hand-drafted L1 and L3 took L3 again, and
            # the deposit could never be deducted on that invoice)
            taken = {line.line_id for line in final.lines}
            ids: list[str] = []
            n = len(final.lines)
            while len(ids) < len(deposit.lines):
                n += 1
                if f"L{n}" not in taken:
                    ids.append(f"L{n}")
            lines = [
                InvoiceLine(
                    line_id=ids[i],
                    description=f"Less deposit invoice {deposit.number}: {line.description}",
                    quantity=Decimal(-1),
                    unit_price=line.net,
                    tax=line.tax,
                    source=LineSource(
                        SourceKind.DEPOSIT_DEDUCTION, invoice_id=deposit.id, line_id=line.line_id
                    ),
                    revenue_kind=RevenueKind.DEPOSIT,
                    price_reason=f"deposit {deposit.number} deducted",
                )
                for i, line in enumerate(deposit.lines)
            ]
            if deposit.currency != final.currency:
                raise CurrencyMismatch(
                    f"deposit invoice {deposit.number} is in {deposit.currency}, this invoice "
                    f"in {final.currency}",
                    field="deposit_invoice_id",
                    aggregate_id=invoice_id,
                    value=deposit_invoice_id,
                )
            left = lines_total([*final.lines, *lines], final.currency)
            if left.is_negative():
                raise OverAllocation(
                    f"deposit invoice {deposit.number} ({deposit.total}) is more than this "
                    f"invoice's total ({final.total}): it would ask {left}. Deduct it on a final "
                    "invoice asking at least as much, or credit the deposit invoice",
                    field="deposit_invoice_id",
                    aggregate_id=invoice_id,
                    value=deposit.total,
                )
            final.add_lines(lines, actor)
            return True, [final, deposit]

        return self._atomically(step)

    def _deducted(self, deposit: Invoice) -> str:
        """Why a deducted deposit can be neither deducted again nor credited, and what holds it
        again: crediting its deduction line on the issued final invoice, or voiding the final
        invoice while it is not issued."""
        assert deposit.deducted_by is not None
        final = self.invoice(deposit.deducted_by)
        if not final.is_issued:
            return (
                f"this deposit is deducted on invoice {final.id}, {final.status.value}: void "
                "that invoice first"
            )
        lines = [
            line.line_id
            for line in final.lines
            if line.source is not None
            and line.source.kind is SourceKind.DEPOSIT_DEDUCTION
            and line.source.invoice_id == deposit.id
        ]
        return (
            f"this deposit is deducted on invoice {final.number}: credit its deduction "
            f"({', '.join(lines)}) there first, which holds the deposit again"
        )

    def _logged_hours(self, invoice: Invoice) -> dict[str, Decimal]:
        """The hours logged on each time entry of the requests the invoice's lines bill, keyed
        by request and entry (``charge_key``, as approval's checks read them): entry ids are
        unique within a request only, so one request's "t1" never stands in for another's."""
        requests: dict[UUID, EnhancementRequest] = {}
        hours: dict[str, Decimal] = {}
        for line in invoice.lines:
            source = line.source
            if source is None or source.request_id is None or not source.time_entry_ids:
                continue
            if source.request_id not in requests:
                requests[source.request_id] = self.request(source.request_id)
                for w in requests[source.request_id].work:
                    hours[charge_key(source.request_id, w.entry.entry_id)] = w.entry.hours
        return hours

    @_names_target
    def approve_invoice(
        self, invoice_id: UUID, *, role: str, approved_on: date, actor: str
    ) -> bool:
        """Sign off for one role; the line checks run against the hours actually logged.
        ``role`` and ``actor`` are text (``InvalidValue`` naming them). Returns whether
        anything was recorded: the same sign-off sent again (same role, day and person, after
        a lost response: ``Invoice.repeats_approval``) records nothing and returns False;
        another person for a role signed already is refused (``ApprovalRefused``). A sign-off
        by nobody (blank, invisible or control characters) is refused naming ``actor`` before
        the role or the status is looked at, a repeat too: its person is no one's."""
        _require_text(role, "role")
        _require_text(actor, "actor")
        _require_actor(actor, invoice_id)
        require_day(approved_on, "approved_on")

        def step() -> tuple[bool, list[Aggregate]]:
            invoice = self.invoice(invoice_id)
            if _repeated(invoice.repeats_approval(role, approved_on, actor), actor, invoice.id):
                return False, []
            buyer_vat_id = self.customer(invoice.customer_id).tax_id
            invoice.approve(
                role, approved_on, self._logged_hours(invoice), actor, buyer_vat_id=buyer_vat_id
            )
            return True, [invoice]

        return self._atomically(step)

    @_names_target
    def issue_invoice(
        self, invoice_id: UUID, *, issued_on: date, actor: str, series: str | None = None
    ) -> str:
        """Issue with the next gapless number of its series; returns the number.

        The series is ``INV`` (``CN`` for a credit note), or ``series``: one opened by
        ``open_number_series``, or ``INV`` or ``CN``, which open by themselves on their first
        issue. Any other name is refused (``InvalidValue`` naming ``series``): a mistyped
        ``inv`` would have opened a series of its own. So is a series of the other kind
        (``InvoiceNumberSeries.check_kind``): ``INV`` numbers invoices (deposit invoices too),
        ``CN`` credit notes; a series opened by hand numbers both.

        The issued document names its buyer as the customer is at the issue
        (``Invoice.buyer``): the issue is saved with an event of the customer
        (``InvoiceIssuedTo``), so an issue and a rename or a correction of the customer's
        details at one moment clash, and the one decided again reads the other's. A credit
        note names the buyer its credited invoice was issued to, with a city or post code
        that invoice was issued without taken from the customer now (``credit_note_buyer``).

        An invoice (not a credit note) whose lines break an EN 16931 tax rule with the
        buyer's VAT id now is refused (``InvoiceLinesRejected``, nothing recorded, no number
        used), as at approval: the VAT id of a reverse-charged buyer cleared since.

        A final invoice is issued on or after the day of every deposit invoice it deducts
        (``RuleViolated`` naming ``issued_on`` and the deposit's number and day). ``series``
        is text or None (``InvalidValue`` naming it); empty text is refused as text of spaces
        is, not read as INV: a configuration that left a branch's series empty would take the
        main series' numbers, which are never given back.

        The same issue sent again (a retry after a lost response: the invoice issued on that
        day in that series, ``Invoice.repeats_issue``) records nothing and returns the number
        it took; on another day or in another series it is refused (``InvalidTransition``)."""
        _require_text(series, "series", optional=True)
        if series is not None and not series.strip():
            raise InvalidValue(
                "must name a series (leave it out to issue in INV, or CN for a credit note)",
                field="series",
                aggregate_id=invoice_id if isinstance(invoice_id, UUID) else None,
                value=series,
            )

        def step() -> tuple[str, list[Aggregate]]:
            invoice = self.invoice(invoice_id)
            name = series or SERIES_BY_KIND[invoice.kind][0]
            repeated = invoice.repeats_issue(issued_on, name) and invoice.number is not None
            if _repeated(repeated, actor, invoice.id) and invoice.number is not None:
                return invoice.number, []  # (sent again after a lost response)
            seq = self._series(name, actor)
            credit_note = invoice.kind is InvoiceKind.CREDIT_NOTE
            seq.check_kind(credit_note)
            number = seq.next_number
            # the buyer as the customer is now, saved with an event of the customer: a rename
            # or a correction recorded meanwhile clashes, and the issue is decided again on it
            customer = self.customer(invoice.customer_id)
            _require_due_date(invoice, issued_on)
            self._refuse_before_deposits(invoice, issued_on)
            buyer = customer.details
            # the buyer's VAT id checked again (``Invoice.e_invoice_tax_problems``): cleared
            # since the approval, a reverse-charge invoice would take its gapless number
            # naming a buyer without one, and no e-invoice could ever be made of it
            problems = invoice.e_invoice_tax_problems(buyer.tax_id)
            if problems:
                raise InvoiceLinesRejected(problems, aggregate_id=invoice.id)
            if invoice.credits_invoice_id is not None:
                # a credit note corrects its invoice: it names the buyer that was issued to
                # (after a rename or a move, the new VAT id would book -X where +X never was)
                buyer = credit_note_buyer(self.invoice(invoice.credits_invoice_id), customer)
            invoice.issue(name, number, issued_on, actor, buyer)
            customer.invoice_issued(invoice_id, actor)
            seq.assign(invoice_id, number, actor, issued_on, credit_note=credit_note)
            changed: list[Aggregate] = [invoice, seq, customer]
            if invoice.kind is InvoiceKind.CREDIT_NOTE:
                changed += self._apply_credit_note(invoice, issued_on, actor)
            return number, changed

        return self._atomically(step)

    def _deposit_held_again_on(self, deposit: Invoice) -> date | None:
        """The last day a credit note of its deduction on an issued final invoice held the
        deposit again (``_release_deducted_deposits``), or None: released by no credit note.
        Read from the final invoices' credits, so a deposit released before q2c kept the day
        on the release has it too."""
        days = [
            applied.credited_on
            for final in self._invoices(self.customer(deposit.customer_id))
            if final.id != deposit.id and final.kind is InvoiceKind.STANDARD
            for line in final.lines
            if line.source is not None
            and line.source.kind is SourceKind.DEPOSIT_DEDUCTION
            and line.source.invoice_id == deposit.id
            for applied in final.credits
            if line.line_id in applied.line_ids
        ]
        return max(days, default=None)

    def _refuse_before_deposit_held_again(
        self, deposit: Invoice, on: date, document_id: UUID, doing: str
    ) -> None:
        """A deposit a credit note held again (it credited the deduction on a final invoice)
        is deducted on another final invoice, or credited, from the note's day on: dated
        before, the days between would have it taken off twice, or given back as customer
        credit while the first final invoice still took it off (``RuleViolated`` naming
        ``issued_on``, ``doing`` saying which)."""
        held_again = self._deposit_held_again_on(deposit)
        if held_again is not None and on < held_again:
            raise RuleViolated(
                f"{on} is before {held_again}, the day a credit note of its deduction held "
                f"deposit invoice {deposit.number} again: until then it was deducted on "
                f"another final invoice, so it is {doing} from {held_again} on",
                field="issued_on",
                aggregate_id=document_id,
                value=on,
            )

    def _refuse_before_deposits(self, invoice: Invoice, issued_on: date) -> None:
        """A final invoice is issued on or after the day of every deposit invoice it deducts
        (``RuleViolated`` naming ``issued_on`` and the deposit): before it, aging showed it
        owing less than it did, and the ledger took the deposit off before it was invoiced.
        So it is on or after the day a credit note of the deposit's deduction on another final
        invoice held the deposit again (``_refuse_before_deposit_held_again``).

        A deduction line whose deposit is missing, or not deducted on this invoice (typed by
        hand before ``draft_invoice`` refused it), is refused (``RuleViolated`` naming
        ``lines.<id>.source.invoice_id``): void the invoice and deduct with ``deduct_deposit``.
        """
        deposits = {
            line.source.invoice_id: line.line_id
            for line in invoice.lines
            if line.source is not None
            and line.source.kind is SourceKind.DEPOSIT_DEDUCTION
            and line.source.invoice_id is not None
        }
        for deposit_id in sorted(deposits):
            line_id = deposits[deposit_id]
            try:
                deposit = self.invoice(deposit_id)
            except NotFound:
                deposit = None
            if deposit is None or deposit.deducted_by != invoice.id:
                raise RuleViolated(
                    f"line {line_id} deducts "
                    + (
                        f"invoice {deposit_id}, which does not exist"
                        if deposit is None
                        else f"deposit invoice {deposit.number or deposit.id}, which is not "
                        "deducted on this invoice (a deduction typed by hand)"
                    )
                    + ": void this invoice, draft it again and deduct deposits with "
                    "deduct_deposit",
                    field=f"lines.{line_id}.source.invoice_id",
                    aggregate_id=invoice.id,
                    value=deposit_id,
                )
            if deposit.issued_on is not None and issued_on < deposit.issued_on:
                raise RuleViolated(
                    f"{issued_on} is before {deposit.issued_on}, the day deposit invoice "
                    f"{deposit.number}, which this invoice deducts, was issued",
                    field="issued_on",
                    aggregate_id=invoice.id,
                    value=issued_on,
                )
            self._refuse_before_deposit_held_again(deposit, issued_on, invoice.id, "deducted")

    def open_number_series(
        self,
        name: str,
        *,
        prefix: str,
        actor: str,
        in_date_order: bool = False,
        width: int = 6,
    ) -> UUID:
        """Open a numbering series before its first issue, to choose its prefix, its width and
        whether its numbers must follow the issue days (``in_date_order``: an invoice is then
        not issued on a day before the series' last issue). ``INV`` and ``CN`` open by themselves
        on their first issue otherwise, not in date order.

        The bank import and the command line find an invoice by its number, so no two series
        may print numbers that could read as one: a prefix that is another series' as a bank
        reads it (case, spaces and punctuation aside), or another's followed by digits only
        (``INV-2026-`` beside ``INV-``: ``numbers_could_coincide``), is refused
        (``DuplicateEntry`` naming ``prefix``), ``INV-`` and ``CN-`` too while ``INV`` and
        ``CN`` are not opened yet; so is a name that is another series' with other case or
        spaces (naming ``name``). A prefix holding a line break, a tab or any spacing but a
        plain space, or starting with a space, is refused (``InvalidValue`` naming ``prefix``):
        a number prints on one line; so is one holding an invisible character (a zero-width
        space, a word joiner, a blank that shows as none: ``person_key`` reads it as nothing),
        which a number prints as nothing, so no one would find it by what it shows. (No prefix,
        ``""``, numbers with digits only.) A name of invisible characters only, or holding a
        line break, a tab or any spacing but a plain space, is refused (``InvalidValue`` naming
        ``name``): no one could name the series at issue."""
        if not isinstance(name, str) or not person_key(name):
            # (a zero-width space alone passed ``strip``: a series no one can name at issue)
            raise InvalidValue(
                "must be text, not empty (nor only spaces or invisible characters)",
                field="name",
                value=name,
            )
        if any(ch.isspace() and ch != " " for ch in name):
            raise InvalidValue(
                "a series is named on one line: no line break, tab or spacing but a plain space",
                field="name",
                value=name,
            )
        if not isinstance(prefix, str):
            raise InvalidValue("must be text", field="prefix", value=prefix)
        if any(ch.isspace() and ch != " " for ch in prefix) or prefix[:1].isspace():
            # (a line break pasted in printed the number on two lines of the invoice, its
            # e-invoice ID and every export; a leading space, a number no payer quotes)
            raise InvalidValue(
                "a number prints on one line: no line break, tab or spacing but a plain space, "
                "and none first",
                field="prefix",
                value=prefix,
            )
        hidden = next((i for i, ch in enumerate(prefix) if ch != " " and not person_key(ch)), None)
        if hidden is not None:
            # (a zero-width space pasted in printed EX-000001 for a number that is not: the
            # invoice could not be found by the number printed on it)
            raise InvalidValue(
                f"a number prints what it holds: no invisible character (U+"
                f"{ord(prefix[hidden]):04X} at {hidden}, such as a zero-width space), or no one "
                "finds the invoice by the number printed on it",
                field="prefix",
                value=prefix,
            )
        if not isinstance(in_date_order, bool):
            raise InvalidValue("must be True or False", field="in_date_order", value=in_date_order)
        if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= 12:
            raise InvalidValue("must be a whole number from 1 to 12", field="width", value=width)

        def step() -> tuple[UUID, list[Aggregate]]:
            try:
                self._get(InvoiceNumberSeries, InvoiceNumberSeries.create_id(name))
            except NotFound:
                pass
            else:
                raise DuplicateEntry(f"series {name!r} is open already", field="name", value=name)
            self._refuse_colliding_series(name, prefix)
            series = InvoiceNumberSeries(
                name=name, prefix=prefix, width=width, actor=actor, in_date_order=in_date_order
            )
            return series.id, [series, self._series_opening(series, actor)]

        return self._atomically(step)

    def _number_series(self) -> dict[str, str]:
        """Every series by name, with its prefix: those opened, and ``INV`` and ``CN`` with the
        prefix they open with by themselves while they are not opened yet."""
        opened = self._created_events(InvoiceNumberSeries, "SeriesOpened")
        return DEFAULT_SERIES | {e.name: e.prefix for e in opened}

    def _refuse_colliding_series(self, name: str, prefix: str) -> None:
        for other, other_prefix in self._number_series().items():
            if other == name:  # (INV or CN, opened now with a prefix of one's choosing)
                continue
            if person_key(other) == person_key(name):
                raise DuplicateEntry(
                    f"series {other!r} has this name, case and spaces aside",
                    field="name",
                    value=name,
                )
            if numbers_could_coincide(prefix, other_prefix):
                raise DuplicateEntry(
                    f"numbers of series {other!r} (prefix {other_prefix!r}) could read as this "
                    f"series' numbers, as a bank reads them: choose a prefix that is neither "
                    f"{other_prefix!r} nor it followed by digits (case, spaces and punctuation "
                    f"aside)",
                    field="prefix",
                    value=prefix,
                )

    def _series_opening(self, series: InvoiceNumberSeries, actor: str) -> SeriesOpenings:
        """The store's ``SeriesOpenings`` with this series' opening recorded, to save with it:
        an opening at the same moment clashes with it, and is run again."""
        try:
            openings = self._get(SeriesOpenings, SeriesOpenings.create_id())
        except NotFound:
            openings = SeriesOpenings(actor=actor)
        openings.record(series.name, series.prefix, actor)
        return openings

    def _series(self, name: str, actor: str) -> InvoiceNumberSeries:
        """The series to issue in: one opened, or INV or CN, opened now with their prefix.

        INV or CN is not opened by itself beside a series whose numbers read as its own (one a
        store opened with the prefix INV- before q2c checked series): both would print
        INV-000001, two invoices of one number. ``DuplicateEntry`` naming ``series``, nothing
        recorded: open it with a prefix of its own (``open_number_series``)."""
        series_id = InvoiceNumberSeries.create_id(name)
        try:
            return self._get(InvoiceNumberSeries, series_id)
        except NotFound:
            if name in DEFAULT_SERIES:
                prefix = DEFAULT_SERIES[name]
                for other, other_prefix in self._number_series().items():
                    if other != name and numbers_could_coincide(prefix, other_prefix):
                        raise DuplicateEntry(
                            f"series {name!r} opens by itself with the prefix {prefix!r}, and "
                            f"numbers of series {other!r} (prefix {other_prefix!r}) could read "
                            f"as its numbers: open {name!r} first with a prefix of its own "
                            f"(open_number_series({name!r}, prefix=...))",
                            field="series",
                            value=name,
                        ) from None
                return InvoiceNumberSeries(name=name, prefix=prefix, actor=actor)
        known = self._number_series()
        alike = [n for n in known if person_key(n) == person_key(name)]
        hint = f" (did you mean {alike[0]!r}?)" if alike else ""
        raise InvalidValue(
            f"no series {name!r} is open{hint}: open it first (open_number_series); the series "
            f"are {', '.join(sorted(known))}",
            field="series",
            value=name,
        )

    def _apply_credit_note(self, note: Invoice, on: date, actor: str) -> list[Aggregate]:
        assert note.credits_invoice_id is not None
        original = self.invoice(note.credits_invoice_id)
        if original.issued_on is not None and on < original.issued_on:
            raise RuleViolated(
                f"{on} is before invoice {original.number}, which it credits, was issued "
                f"({original.issued_on})",
                field="issued_on",
                aggregate_id=note.id,
                value=on,
            )
        if original.kind is InvoiceKind.DEPOSIT:
            self._refuse_before_deposit_held_again(original, on, note.id, "credited")
        # a note takes back what of the remainder written off the money paid no longer leaves
        # unpaid, before any money is given back: it credits what is owed again, the rest
        # gives the money back
        original.take_back_write_off(
            note.total, on, f"credited by credit note {note.number or note.id}", actor
        )
        line_ids = [ln.source.line_id for ln in note.lines if ln.source and ln.source.line_id]
        # (the payments' reversals are saved before the invoice's un-applications)
        paid = original.paid
        payments, kept = self._give_back(original, note, on, actor)
        # (what stays customer credit: what was taken off, less what is applied again)
        given_back = paid - original.paid - total((k[1] for k in kept), original.currency)
        original.apply_credit(note.id, note.total, line_ids, on, actor, given_back=given_back)
        # what the invoice still needs of the money given back, applied again after the credit
        # (so read models split it over the revenue kinds left), as collected on its first day
        for payment, amount, day, collected_on in kept:
            allocation_id = uuid4().hex
            payment.allocate(allocation_id, original.id, amount, day, actor)
            original.apply_payment(
                allocation_id, payment.id, amount, day, actor, collected_on=collected_on
            )
        changed: list[Aggregate] = [*payments, original]
        changed += self._release_deducted_deposits(original, line_ids, on, actor)
        requests: dict[UUID, EnhancementRequest] = {}
        allowances: dict[UUID, PrepaidAllowance] = {}
        overage_requests: list[UUID] = []
        released: dict[UUID, list[str]] = {}
        # what the original's overage lines hold on each allowance (``_overage_lines_hold``)
        overage_held: dict[UUID, dict[str, Decimal]] = {}
        rebillable = note.credit_disposition is CreditDisposition.REBILLABLE
        conceded = note.credit_disposition is CreditDisposition.CORRECTED
        why = f"credit note {note.number}"
        for line in note.lines:
            source = line.source
            if source is None or source.request_id is None:
                continue
            if source.allowance_id is None and not _billed_items(source):
                continue  # (a deposit's line bills no work: its request is not read)
            request = requests.get(source.request_id) or self.request(source.request_id)
            requests[source.request_id] = request
            if source.allowance_id is not None:
                allowance = allowances.get(source.allowance_id) or self.allowance(
                    source.allowance_id
                )
                allowances[source.allowance_id] = allowance
                if rebillable:
                    key = _overage_key(
                        allowance, source.request_id, source.time_entry_ids[0], note.id
                    )
                    holds = overage_held.get(allowance.id)
                    if holds is None:
                        holds = overage_held[allowance.id] = self._overage_lines_hold(
                            allowance, original
                        )
                    # what the credited line held, never more than the allowance holds billed
                    quantity = min(
                        holds.get(source.line_id or "", _overage_quantity(allowance, line)),
                        allowance.billed_overage.get(key, Decimal(0)),
                    )
                    if quantity > 0:
                        allowance.release_overage(original.id, {key: quantity}, why, actor)
                    overage_requests.append(source.request_id)
                continue
            items = _held_by(request, _billed_items(source), original.id)
            if not items:
                continue
            if rebillable:
                request.release_work(original.id, items, why, actor)
                released.setdefault(request.id, []).extend(items)
            elif conceded:
                request.concede_work(note.id, items, actor)
            else:
                request.write_off_work(note.id, items, actor)
        for request_id in dict.fromkeys(overage_requests):
            # overage credited as re-billable: the request is billable again, as for its work
            requests[request_id].release_overage(original.id, why, actor)
        # work given back that an allowance covers now (one rolled over into since) draws on it
        drawn = {a.id: a for a in allowances.values()}
        for request_id, items in released.items():
            given = self._draw_given_back(requests[request_id], items, actor, allowances, on)
            for allowance in given:
                drawn[allowance.id] = allowance
        return changed + list(requests.values()) + list(drawn.values())

    def _release_deducted_deposits(
        self, final: Invoice, line_ids: list[str], on: date, actor: str
    ) -> list[Invoice]:
        """Deposits whose deduction lines on ``final`` a credit note credits are held again
        (as when a final invoice is voided): the customer owes the final invoice without them,
        and each deposit can be deducted on a corrected final invoice, or credited."""
        credited = set(line_ids)
        released: list[Invoice] = []
        for line in final.lines:
            source = line.source
            if (
                line.line_id in credited
                and source is not None
                and source.kind is SourceKind.DEPOSIT_DEDUCTION
                and source.invoice_id is not None
            ):
                deposit = self.invoice(source.invoice_id)
                if deposit.deducted_by == final.id:
                    deposit.release_deposit(final.id, actor, released_on=on)
                    released.append(deposit)
        return released

    def _give_back(
        self, original: Invoice, note: Invoice, on: date, actor: str
    ) -> tuple[list[Payment], list[tuple[Payment, Money, date, date]]]:
        """A credit note for more than the invoice still owed (it was paid, then part of it
        credited, e.g. a sub-contract ended retroactively): the money that paid it gives the
        difference back, and it stays on the payments as customer credit, to allocate or
        refund.

        The newest money paying it on the note's day first, each reversed on that day, also
        for a note dated back (``Invoice.money_to_give_back``, which refuses a note dated back
        whose money cannot be given back on its day); returns the payments changed and what
        the invoice still needs of the money given back (payment, amount, day, the day it was
        first collected), to apply again once the note is applied. Nothing changes when the
        note fits."""
        self._know_applications([original])
        payments: dict[UUID, Payment] = {}
        kept: list[tuple[Payment, Money, date, date]] = []
        reason = f"credit note {note.number} credits {original.number or original.id} paid"
        for back in original.money_to_give_back(note.total, on):
            applied = back.applied
            payment = payments.get(applied.payment_id) or self.payment(applied.payment_id)
            payments[payment.id] = payment
            payment.reverse_allocation(applied.allocation_id, reason, actor, on)
            original.unapply_payment(applied.allocation_id, reason, actor, on)
            if back.kept.is_positive():
                first = applied.collected_on or applied.applied_on
                kept.append((payment, back.kept, on, first))
        return list(payments.values()), kept

    @_names_target
    def void_invoice(self, invoice_id: UUID, *, reason: str, actor: str, voided_on: date) -> bool:
        """Void a draft or approved invoice: what it billed becomes unbilled again. Returns
        whether anything was recorded: the same void sent again (same reason and day, after a
        lost response: ``Invoice.repeats_void``) records nothing and returns False; another
        reason or day on a voided invoice is refused (``InvalidTransition``).

        ``voided_on``, the business day (not before the draft's nor any sign-off's:
        ``RuleViolated`` naming ``voided_on``), is when: the customer
        summary of an earlier day shows the work held by the draft, of that day or later
        unbilled again. It is required (``InvalidValue`` naming ``voided_on``, nothing
        recorded): a void without its day would read as a draft that held the work on no day,
        changing what past days answered. Voids recorded without it before still read so."""

        def step() -> tuple[bool, list[Aggregate]]:
            invoice = self.invoice(invoice_id)
            if _repeated(invoice.repeats_void(reason, voided_on), actor, invoice.id):
                return False, []  # (sent again after a lost response)
            invoice.void(reason, actor, voided_on)
            changed: list[Aggregate] = [invoice]
            # contract periods a billing-run invoice billed are due again
            contracts, _periods = self._release_periods(invoice, actor)
            changed.extend(contracts)
            by_request: dict[UUID, list[str]] = {}
            overage: dict[UUID, dict[str, Decimal]] = {}
            overage_requests: set[UUID] = set()
            loaded: dict[UUID, PrepaidAllowance] = {}  # (each allowance read once, saved once)
            # what its overage lines hold on each allowance, by line (``_overage_lines_hold``)
            overage_held: dict[UUID, dict[str, Decimal]] = {}
            for line in invoice.lines:
                source = line.source
                if source is None:
                    continue
                if source.kind is SourceKind.DEPOSIT_DEDUCTION and source.invoice_id:
                    try:
                        deposit = self.invoice(source.invoice_id)
                    except NotFound:
                        continue  # (typed by hand before draft_invoice refused it: no deposit)
                    if deposit.deducted_by == invoice_id:
                        deposit.release_deposit(invoice_id, actor)
                        changed.append(deposit)
                elif source.kind is SourceKind.ALLOWANCE_OVERAGE and source.allowance_id:
                    allowance = self._loaded_allowance(source.allowance_id, loaded)
                    holds = overage_held.get(allowance.id)
                    if holds is None:
                        holds = overage_held[allowance.id] = self._overage_lines_hold(
                            allowance, invoice
                        )
                    per = overage.setdefault(source.allowance_id, {})
                    key = _overage_key(
                        allowance, source.request_id, source.time_entry_ids[0], invoice_id
                    )
                    per[key] = per.get(key, Decimal(0)) + holds.get(
                        line.line_id, _overage_quantity(allowance, line)
                    )
                    overage_requests.add(source.request_id or allowance.charge_for(key).request_id)
                elif source.request_id is not None and _billed_items(source):
                    # (whatever its kind: ``_record_billing`` held what the line names)
                    by_request.setdefault(source.request_id, []).extend(_billed_items(source))
            why = f"invoice voided: {reason}"
            requests: dict[UUID, EnhancementRequest] = {}
            given_back: dict[UUID, list[str]] = {}
            for request_id, items in by_request.items():
                request = requests[request_id] = self.request(request_id)
                held = _held_by(request, items, invoice_id)
                if held:
                    request.release_work(invoice_id, held, why, actor)
                    given_back[request_id] = held
            for request_id in sorted(overage_requests):
                # an invoice of the overage alone left the request invoiced: billable again
                request = requests.get(request_id) or self.request(request_id)
                requests[request_id] = request
                request.release_overage(invoice_id, why, actor)
            changed.extend(requests.values())
            allowances: dict[UUID, PrepaidAllowance] = {}
            for allowance_id, quantities in overage.items():
                allowance = self._loaded_allowance(allowance_id, loaded)
                # what the lines held, never more than the allowance holds billed
                given = {
                    key: min(quantity, allowance.billed_overage.get(key, Decimal(0)))
                    for key, quantity in quantities.items()
                }
                given = {key: quantity for key, quantity in given.items() if quantity > 0}
                if given:
                    allowance.release_overage(invoice_id, given, why, actor)
                    allowances[allowance.id] = allowance
            # work given back that an allowance covers now (one rolled over into since) draws on it
            for request_id, held in given_back.items():
                request = requests[request_id]
                for allowance in self._draw_given_back(request, held, actor, loaded, voided_on):
                    allowances[allowance.id] = allowance
            changed.extend(allowances.values())
            return True, changed

        return self._atomically(step)

    @_names_target
    def draft_credit_note(
        self,
        invoice_id: UUID,
        *,
        line_ids: Sequence[str],
        disposition: CreditDisposition,
        reason: str,
        drafted_on: date,
        actor: str,
    ) -> UUID:
        """Draft a credit note that reverses exactly the named lines of an issued invoice.

        It takes back no more than the invoice's total less its credit notes, those not issued
        yet too (``Invoice.check_credit_fits``): a line billed at a negative price (a discount,
        a deposit deduction) is credited with the lines it lowered, or on a note of its own
        issued first (``OverAllocation`` naming ``line_ids`` and the negative lines). Money
        paying the invoice does not count: the issue gives it back as customer credit.
        ``line_ids`` is a list of line ids (``InvalidValue`` naming ``line_ids``).

        ``disposition``: REBILLABLE gives the work back to bill again; WRITTEN_OFF gives up
        what is owed for work done (a credit loss: the revenue stays, the ledger books a
        write-off expense); CORRECTED is a price concession (the charge no longer applies:
        the revenue is reversed on the note's day, as for the billing run's corrections, no
        write-off expense, and the work stays billed, as written off). A line billing a
        contract is credited by the billing run when the contract changes: a concession on
        one is refused (``InvalidValue`` naming ``disposition``), as a note of another
        disposition on a run's sub-contract line is (``RuleViolated`` naming ``line_ids``).

        The same note sent again (a retry after a lost response: the same lines, in order, the
        same disposition, reason and day, ``Invoice.repeats_credit``) records nothing and
        returns the note drafted, issued since or not; another is refused as crediting lines
        credited or in a note already (``RuleViolated`` naming ``line_ids``)."""
        if not isinstance(line_ids, list | tuple) or not all(
            isinstance(line_id, str) for line_id in line_ids
        ):
            raise InvalidValue(
                "must be a list of line ids (text)",
                field="line_ids",
                aggregate_id=invoice_id,
                value=line_ids,
            )

        def step() -> tuple[UUID, list[Aggregate]]:
            original = self.invoice(invoice_id)
            if not original.is_issued or original.kind is InvoiceKind.CREDIT_NOTE:
                raise InvalidTransition(
                    "only an issued invoice can be credited",
                    field="status",
                    aggregate_id=invoice_id,
                    value=original.status,
                )
            if not isinstance(reason, str) or not person_key(reason):
                # (a zero-width space alone said nothing on the note, its e-invoice and books)
                raise InvalidValue(
                    "must say why, in visible text (not only spaces or invisible characters)",
                    field="reason",
                    aggregate_id=invoice_id,
                    value=reason,
                )
            refuse_card_numbers("reason", reason, invoice_id)
            refuse_control_characters("reason", reason, invoice_id)
            self._check_issued_by(original, require_day(drafted_on, "drafted_on"), "drafted_on")
            if not isinstance(disposition, CreditDisposition):
                raise InvalidValue(
                    f"must be a CreditDisposition, not {type(disposition).__name__}",
                    field="disposition",
                    aggregate_id=invoice_id,
                    value=disposition,
                )
            if isinstance(line_ids, str):
                raise InvalidValue(
                    "must be a list of line ids, not one text",
                    field="line_ids",
                    aggregate_id=invoice_id,
                    value=line_ids,
                )
            if len(set(line_ids)) != len(line_ids):
                raise DuplicateEntry(
                    "a credit note names each line once",
                    field="line_ids",
                    aggregate_id=invoice_id,
                    value=list(line_ids),
                )
            if original.deducted_by is not None:
                raise RuleViolated(
                    self._deducted(original),
                    field="deducted_by",
                    aggregate_id=invoice_id,
                    value=original.deducted_by,
                )
            by_id = {line.line_id: line for line in original.lines}
            if disposition is CreditDisposition.CORRECTED:
                # a concession on what was billed by hand; a contract's days are the run's
                on_contract = [i for i in line_ids if i in by_id and _bills_contract(by_id[i])]
                if on_contract:
                    raise InvalidValue(
                        f"line {', '.join(on_contract)} bills a contract: CORRECTED is, on "
                        "a contract's days, the billing run's (change the contract and the "
                        "run credits them); drafted by hand it is a price concession on "
                        "work or items billed by hand",
                        field="disposition",
                        aggregate_id=invoice_id,
                        value=disposition,
                    )
            already = original.credited_line_ids()
            customer = self.customer(original.customer_id)
            earlier = [
                i
                for i in self._invoices(customer)
                if i.credits_invoice_id == original.id and i.status is not InvoiceStatus.VOIDED
            ]
            for sent in earlier:
                repeated = sent.repeats_credit(
                    original.id, line_ids, disposition, reason, drafted_on
                )
                if _repeated(repeated, actor, original.id):
                    return sent.id, []  # (sent again after a lost response)
            # a line in a note not issued yet is not drafted again: that note's tax counted it
            # (``credit_note_tax``), so a second one would take its tax twice
            pending = {
                ln.source.line_id: n
                for n in earlier
                if not n.is_issued
                for ln in n.lines
                if ln.source is not None and ln.source.line_id
            }
            lines: list[InvoiceLine] = []
            for n, line_id in enumerate(line_ids, start=1):
                if line_id not in by_id:
                    raise RuleViolated(
                        f"no line {line_id} on invoice {original.number}",
                        field="line_ids",
                        aggregate_id=invoice_id,
                        value=line_id,
                    )
                if line_id in already:
                    raise RuleViolated(
                        f"line {line_id} is already credited",
                        field="line_ids",
                        aggregate_id=invoice_id,
                        value=line_id,
                    )
                if line_id in pending:
                    other = pending[line_id]
                    raise RuleViolated(
                        f"line {line_id} is in credit note {other.id}, "
                        f"{other.status.value}: issue that note, or void it first",
                        field="line_ids",
                        aggregate_id=invoice_id,
                        value=line_id,
                    )
                line = by_id[line_id]
                if _bills_sub_contract_days(line):
                    # the run's corrections credit exactly the days of a sub-contract that a
                    # contract change takes back; a hand-made credit of them would be twice
                    raise RuleViolated(
                        f"line {line_id} bills a contract period: change the contract "
                        "(remove, re-price or terminate) and the billing run credits the days",
                        field="line_ids",
                        aggregate_id=invoice_id,
                        value=line_id,
                    )
                src = line.source or LineSource(SourceKind.MANUAL)
                lines.append(
                    attrs.evolve(
                        line,
                        line_id=f"C{n}",
                        description=f"Credit for {original.number} line {line_id}: "
                        f"{line.description}",
                        source=attrs.evolve(
                            src,
                            kind=SourceKind.CREDIT,
                            invoice_id=original.id,
                            line_id=line_id,
                            note=reason,
                        ),
                    )
                )
            if not lines:
                raise InvalidValue("name at least one line", field="line_ids")
            # a cancelled fixed price's cap line goes with the hour lines it lowers
            original.check_cap_credit(line_ids, in_notes={k: n.id for k, n in pending.items()})
            if disposition is CreditDisposition.REBILLABLE:
                # (a written-off line stays billed: the note leaves what is billed as it is)
                self._check_credit_keeps_price(
                    original, customer, [by_id[line_id] for line_id in line_ids], line_ids
                )
            note = Invoice(
                customer_id=original.customer_id,
                kind=InvoiceKind.CREDIT_NOTE,
                currency=original.currency,
                lines=lines,
                drafted_on=drafted_on,
                actor=actor,
                approval_policy=self.approval_policy,
                payment_terms_days=0,
                account_manager=original.account_manager,
                purchase_order_number=original.purchase_order_number,
                credits_invoice_id=original.id,
                credit_disposition=disposition,
                note=reason,
                fixed_tax=credit_note_tax(lines, earlier, original.currency),
            )
            if disposition is not CreditDisposition.REBILLABLE:
                # (a concession, like a write-off, leaves the hours billed)
                self._check_cap_written_off(original, earlier, line_ids, disposition)
            # no more than the invoice has left to credit, the notes not issued yet aside (a
            # negative one, a discount credited alone, is issued first)
            drafted = [n.total for n in earlier if not n.is_issued]
            original.check_credit_fits(
                note.total,
                list(line_ids),
                drafting=True,
                drafted=total((m for m in drafted if m.is_positive()), original.currency),
                in_notes={line_id: n.id for line_id, n in pending.items()},
            )
            customer.add_invoice(note.id, actor)
            return note.id, [note, customer]

        return self._atomically(step)

    @staticmethod
    def _check_cap_written_off(
        original: Invoice,
        earlier: Sequence[Invoice],
        line_ids: Sequence[str],
        disposition: CreditDisposition = CreditDisposition.WRITTEN_OFF,
    ) -> None:
        """A write-off gives money up: a written-off note taking back a cancelled fixed
        price's cap line with the last of its hour lines, adding to what the customer owes (the
        cap takes off more than they bill), gives back what the earlier notes crediting its
        other hour lines gave back beyond what the hours were billed. Written off too, the
        notes give back together what the hours were billed; one of them re-billable gave its
        hours back to bill again, so a write-off here would have them billed twice (a 1,000.00
        price billed 2,000.00): refused, ``InvalidValue`` naming ``disposition``. (A discount
        written off on a note of its own before the lines it lowered, and a deposit deduction
        taken back, whatever the disposition, stay allowed.) A concession (CORRECTED drafted
        by hand) leaves the hours billed as a write-off does: the same rule."""
        by_id = {line.line_id: line for line in original.lines}
        already = original.credited_line_ids()
        rebillable = {n.id for n in earlier if n.credit_disposition is CreditDisposition.REBILLABLE}
        for cap, hour_ids in original.hours_capped().items():
            if cap not in line_ids:
                continue
            adds = -total(
                (by_id[i].net for i in [cap, *hour_ids] if i in line_ids), original.currency
            )
            given = [h for h in hour_ids if h in already and already[h] in rebillable]
            if adds.is_positive() and given:
                how = "written off" if disposition is CreditDisposition.WRITTEN_OFF else "conceded"
                raise InvalidValue(
                    f"cannot be {how}: line {cap} ({by_id[cap].description}) with "
                    f"{', '.join(h for h in hour_ids if h in line_ids)} adds {adds} (net) to "
                    f"what the customer owes, while {', '.join(given)} of the hours it caps "
                    f"were credited re-billable, to be billed again: {how} they would be "
                    "billed twice; credit these lines re-billable too",
                    field="disposition",
                    aggregate_id=original.id,
                    value=disposition,
                )

    def _check_credit_keeps_price(
        self,
        original: Invoice,
        customer: Customer,
        lines: Sequence[InvoiceLine],
        line_ids: Sequence[str],
    ) -> None:
        """A re-billable credit note whose ``lines`` (the credited invoice's) billing a
        cancelled fixed-price request's hours take off less than nothing (a cap line with hour
        lines worth less than it takes off) adds what they take off to what the request's hours
        are billed (``_hours_billed``): refused when that bills them above the agreed price, as
        after its credited hours were billed again (``RuleViolated`` naming ``line_ids``:
        credit what billed them again first). Credit notes not issued yet count with what
        they add."""
        raised: dict[UUID, Money] = {}
        for line in lines:
            source = line.source
            if source is None or source.request_id is None or not _bills_hours(source):
                continue
            found = raised.get(source.request_id)
            raised[source.request_id] = -line.net if found is None else found - line.net
        raised = {rid: amount for rid, amount in raised.items() if amount.is_positive()}
        if not raised:
            return
        invoices = self._invoices(customer)
        by_id = {i.id: i for i in invoices}
        billed = _hours_billed(invoices)
        for request_id, amount in raised.items():
            request = self.request(request_id)
            currency = original.currency
            room = _fixed_price_room(request, currency, request.billed, billed)
            if room is None:
                continue
            price = request.estimate.fixed_price if request.estimate is not None else None
            assert price is not None
            pending = Money.zero(currency)
            for n in invoices:
                credited = by_id.get(n.credits_invoice_id) if n.credits_invoice_id else None
                if credited is None or n.is_issued or n.status is InvoiceStatus.VOIDED:
                    continue
                # (a note's lines are of kind CREDIT: what they bill is the line they credit's)
                originals = {ln.line_id: ln for ln in credited.lines}
                adds = total(
                    (
                        -originals[ln.source.line_id].net
                        for ln in n.lines
                        if ln.source is not None
                        and ln.source.line_id in originals
                        and _credits_hours_of(originals[ln.source.line_id], request_id)
                    ),
                    currency,
                )
                if adds.is_positive():
                    pending += adds
            now = billed.get((request_id, currency), Money.zero(currency))
            after = now + pending + amount
            if after > price:
                raise RuleViolated(
                    f"crediting these lines adds {amount} to what request {request.title}'s "
                    f"hours are billed ({now} now), {after} in all, above its agreed fixed "
                    f"price of {price}: credit what billed its hours again first",
                    field="line_ids",
                    aggregate_id=original.id,
                    value=list(line_ids),
                )

    def notice_past_due(self, as_of: date, *, actor: str) -> list[UUID]:
        """Record every issued invoice found past due on ``as_of`` that was not noticed yet,
        all in one transaction (a failure records none of them); returns their ids.

        An invoice is past due on ``as_of`` when it was owed past its due date at the end of
        that day, as the receivables aging of that day counts it (``Invoice.outstanding_on``:
        payments then in force, credit notes applied by then), and is owed still: one paid on
        that day, whatever bounced after, is not noticed, nor is one paid in full since (there
        is nothing left to chase).

        A notice is for a debt: an invoice noticed on an earlier day that owed nothing at the
        end of some day since (paid or credited in full), then was owed again (its payment
        bounced, its allocation reversed), is noticed again, a new ``PastDueNoticed`` on
        ``as_of`` (``Invoice.needs_past_due_notice``); one owed every day since its notice, or
        noticed on or after ``as_of``, is not (running a day twice notices nothing new)."""
        day = require_day(as_of, "as_of")

        def step() -> tuple[list[UUID], list[Aggregate]]:
            noticed: list[Invoice] = []
            for customer in self.customers():
                candidates = [
                    i
                    for i in self._invoices(customer)
                    if i.is_past_due(day)
                    and (i.past_due_noticed_on is None or i.past_due_noticed_on < day)
                ]
                # a noticed invoice is judged by every payment applied to it since, those taken
                # back off included (read only for those that do not know them)
                self._know_applications(i for i in candidates if i.past_due_noticed_on is not None)
                due = [i for i in candidates if i.needs_past_due_notice(day)]
                paid: dict[str, dict[UUID, Decimal]] = {}
                for invoice in due:
                    cur = invoice.currency
                    if cur not in paid:
                        paid[cur] = self._money_on(customer.id, cur, day)[1]
                    owed = invoice.outstanding_on(
                        day, Money(paid[cur].get(invoice.id, Decimal(0)), cur)
                    )
                    if owed.is_positive():
                        invoice.notice_past_due(day, actor)
                        noticed.append(invoice)
            return [i.id for i in noticed], [*noticed]

        return self._atomically(step)

    # -- payments --------------------------------------------------------------------------------

    @_names_target
    def receive_payment(
        self,
        customer_id: UUID,
        amount: Money,
        *,
        received_on: date,
        reference: str,
        actor: str,
        note: str = "",
        key: str | None = None,
    ) -> UUID:
        """Record money received; card numbers in reference or note are refused.

        ``key`` (optional, the caller's) names the receipt for this customer, so a retry
        after a lost response is not received twice (the bank's ``reference`` cannot: two
        instalments may share one): the same receipt given again (same amount, day and
        reference) records nothing and returns the payment it made (also when another
        process made it a moment before); any other receipt of the customer under that key is
        ``DuplicateEntry`` naming ``key``, recording nothing. It is read as an allocation's
        reference is (``receipt_key``: spaces, capitals, invisible characters and full width
        aside); one that is not text or names nothing is refused (``InvalidValue`` naming
        ``key``). Without one, each call receives.

        A ``reference`` that is, read so, the bank's reference of a statement credit booked
        already in the same amount and currency is that money a second time: refused
        (``DuplicateEntry`` naming ``reference``, nothing recorded) when the credit is this
        customer's payment (allocate that payment instead), or waits in suspense of an
        unknown payer or this customer (settle it with ``resolve_bank_credit``). Another
        customer's credit, another amount, or a reference of no credit receives as before."""
        if key is not None:
            _refuse_unusable_retry_key(key, "key", receipt_key, "the receipt", "receiving")

        def step() -> tuple[UUID, list[Aggregate]]:
            customer = self.customer(customer_id)
            payment = Payment(
                customer_id=customer_id,
                amount=amount,
                received_on=received_on,
                reference=reference,
                actor=actor,
                note=note,
            )
            details = {
                "amount": in_minor_units(amount),
                "received_on": received_on,
                "reference": reference,
            }
            made_before = self._made_before("receipt", customer.id, "customer", key, details)
            if made_before is not None:
                return made_before, []
            # (a retry is answered first; then the bank's money booked already is refused)
            noted = self._refuse_bank_money_again(payment, actor)
            customer.add_payment(payment.id, actor)
            keyed = _keyed("receipt", customer.id, key, payment.id, details, actor)
            return payment.id, [payment, customer, *keyed, *noted]

        return self._atomically(step)

    def payment(self, payment_id: UUID) -> Payment:
        """One payment."""
        return self._get(Payment, payment_id)

    @_names_target
    def allocate_payment(
        self,
        payment_id: UUID,
        allocations: Iterable[tuple[UUID, Money]] | None = None,
        *,
        allocated_on: date,
        actor: str,
        reference: str | None = None,
    ) -> list[str]:
        """Allocate a payment across invoices, explicitly or oldest due first; returns ids.

        The payment and every invoice it pays are saved in one transaction.

        ``reference`` (optional, the caller's) names the allocation on this payment, so a retry
        after a lost response is not allocated twice: the same allocation given again (the
        same invoices and amounts in the same order, or oldest due first again, on the same
        day) records nothing and returns the ids it made (also when another process made it a
        moment before); any other allocation of the payment under that reference is
        ``DuplicateEntry`` naming ``reference``, recording nothing. It is read as a refund's
        reference is (``allocation_reference_key``: spaces, capitals, invisible characters and
        full width aside); one that is not text or names nothing is refused (``InvalidValue``
        naming ``reference``). Without one, each call allocates.

        ``allocations``, when given, names at least one invoice: an empty list allocates
        nothing, and under a reference would take it for nothing (``InvalidValue`` naming
        ``allocations``); None allocates oldest due first, which may find nothing open.
        ``payment_id`` is the payment's UUID (its text, or anything else, is refused:
        ``InvalidValue`` naming ``payment_id``).
        """
        require_kind(payment_id, UUID, "payment_id", None, "a UUID")
        explicit = None if allocations is None else allocation_pairs(allocations, at_least_one=True)
        if reference is not None:
            _refuse_unusable_retry_key(
                reference, "reference", allocation_reference_key, "the allocation", "allocating"
            )

        def step() -> tuple[list[str], list[Aggregate]]:
            instruction: AllocationInstruction | None = None
            if reference is not None:
                with contextlib.suppress(NotFound):
                    instruction = self._get(
                        AllocationInstruction,
                        AllocationInstruction.create_id(payment_id, reference),
                    )
            if instruction is not None:
                # (who sends it again is checked as the allocation's event checks it)
                if _repeated(instruction.repeats(explicit, allocated_on), actor, payment_id):
                    return list(instruction.allocation_ids), []
                raise DuplicateEntry(
                    f"allocation {instruction.reference!r} of this payment was made already "
                    f"({instruction.described()}); one reference names one allocation",
                    field="reference",
                    aggregate_id=payment_id,
                    value=reference,
                )
            payment = self.payment(payment_id)
            if payment.is_bounced:
                raise InvalidTransition(
                    "a bounced payment cannot be allocated",
                    field="status",
                    aggregate_id=payment_id,
                    value=payment.bounced_on,
                )
            if explicit is None:
                customer = self.customer(payment.customer_id)
                items = self._open_items(customer, payment.amount.currency, allocated_on)
                plan = [
                    (a.invoice_id, a.amount)
                    for a in allocate_payment(payment.available_on(allocated_on), items)
                ]
            else:
                plan = explicit
            invoices: dict[UUID, Invoice] = {}
            ids: list[str] = []
            for invoice_id, amount in plan:
                invoice = invoices.get(invoice_id)
                if invoice is None:
                    invoice = invoices[invoice_id] = self.invoice(invoice_id)
                    self._know_applications([invoice])
                if invoice.customer_id != payment.customer_id:
                    raise RuleViolated(
                        "the invoice belongs to another customer",
                        field="invoice_id",
                        aggregate_id=payment_id,
                        value=invoice_id,
                    )
                allocation_id = uuid4().hex
                payment.allocate(allocation_id, invoice_id, amount, allocated_on, actor)
                self._check_issued_by(invoice, allocated_on, "allocated_on")
                invoice.apply_payment(allocation_id, payment_id, amount, allocated_on, actor)
                ids.append(allocation_id)
            made: list[Aggregate] = []
            if reference is not None:
                made.append(
                    AllocationInstruction(
                        payment_id=payment_id,
                        reference=reference,
                        invoice_ids=None if explicit is None else [i for i, _ in explicit],
                        amounts=None if explicit is None else [a for _, a in explicit],
                        allocated_on=allocated_on,
                        allocation_ids=ids,
                        actor=actor,
                    )
                )
            return ids, [payment, *invoices.values(), *made]

        return self._atomically(step)

    @_names_target
    def reverse_allocation(
        self,
        payment_id: UUID,
        allocation_id: str,
        *,
        reason: str,
        actor: str,
        reversed_on: date | None = None,
    ) -> bool:
        """Undo one allocation by a reversing event; the money becomes customer credit.

        ``reversed_on`` is the business day of the reversal, the day commissions are taken
        back and the ledger books it; not before the allocation's day. When not given: today
        (UTC), or the allocation's day if that is later.

        Returns whether anything was recorded: False when the allocation was reversed already
        for this very reason, on this very day (on any day when none is given), the same
        reversal sent again after a lost response (a retry, ``Payment.repeats_reversal``). An
        allocation reversed already otherwise (for another reason, on another day, by a
        bounce) is refused (``InvalidTransition`` naming ``reason`` or ``reversed_on``),
        nothing recorded (``Payment.reverse_allocation``)."""
        today = datetime.now(UTC).date()

        def step() -> tuple[bool, list[Aggregate]]:
            payment = self.payment(payment_id)
            if payment.repeats_reversal(allocation_id, reason, reversed_on):
                _require_actor(actor, payment.id)
                return False, []
            allocation = payment.allocation(allocation_id)
            day = reversed_on if reversed_on is not None else max(today, allocation.allocated_on)
            payment.reverse_allocation(allocation_id, reason, actor, day)
            invoice = self.invoice(allocation.invoice_id)
            invoice.check_taken_back(allocation_id, day, "reversed_on")
            invoice.unapply_payment(allocation_id, reason, actor, day)
            return True, [payment, invoice]

        return self._atomically(step)

    @_names_target
    def bounce_payment(
        self, payment_id: UUID, *, bounced_on: date, reason: str, actor: str
    ) -> bool:
        """The bank returned the payment: its allocations are reversed, invoices re-open.

        Returns whether anything was recorded: False when the payment bounced already on this
        very day for this very reason (the same bounce sent again after a lost response: a
        retry, ``Payment.repeats_bounce``). A bounced payment bounced on another day or for
        another reason is refused (``InvalidTransition`` naming ``bounced_on`` or ``reason``),
        nothing recorded (``Payment.bounce``)."""

        def step() -> tuple[bool, list[Aggregate]]:
            payment = self.payment(payment_id)
            if payment.repeats_bounce(bounced_on, reason):
                _require_actor(actor, payment.id)
                return False, []
            return True, [payment, *self._bounce(payment, bounced_on, reason, actor)]

        return self._atomically(step)

    @_names_target
    def write_off_remainder(
        self,
        invoice_id: UUID,
        *,
        written_off_on: date,
        reason: str,
        actor: str,
        at_most: Money,
    ) -> Money:
        """Write off the small remainder an issued invoice still owes (the customer paid
        1,209.98 of 1,210.00, the bank took 0.02 off the transfer); returns what was written
        off. ``at_most`` is your tolerance, in the invoice's currency: a remainder above it is
        refused (``OverAllocation`` naming ``at_most``), so no slip writes off a real debt.

        The invoice owes nothing from ``written_off_on`` on (an earlier day still shows it
        open): money allocated to it later finds nothing open; a payment that paid it and is
        taken back off since (reversed, bounced) reopens exactly that money, the write-off
        stands. A credit note of it lets the money paid pay what is left first: what that
        money leaves unpaid stays written off, the rest is taken back when the note is issued
        (``WriteOffTakenBack``, on the note's day: ``Invoice.take_back_write_off``). Refused,
        nothing recorded: a draft, a
        voided invoice or a credit note (``InvalidTransition``), a day before its issue or
        before the last day money or credit met it (``RuleViolated`` naming
        ``written_off_on``), a reason that is no visible text (``InvalidValue`` naming
        ``reason``), nothing owed (``RuleViolated`` naming ``outstanding``)
        (``Invoice.write_off_remainder``).

        The same write-off sent again after a lost response (a retry: the invoice's last
        write-off, which left it owing nothing since, was on that very day for that very
        reason, within ``at_most``) records nothing and returns the amount it wrote off
        (``Invoice.repeated_write_off``). Written off otherwise, the invoice is refused naming
        the detail that differs: ``written_off_on`` or ``reason`` (``RuleViolated``), a
        tolerance below that amount (``OverAllocation`` naming ``at_most``)."""

        def step() -> tuple[Money, list[Aggregate]]:
            invoice = self.invoice(invoice_id)
            self._know_applications([invoice])
            written = invoice.repeated_write_off(written_off_on, reason, at_most)
            if written is not None:
                _require_actor(actor, invoice.id)
                return written, []
            amount = invoice.write_off_remainder(written_off_on, reason, actor, at_most)
            return amount, [invoice]

        return self._atomically(step)

    @_names_target
    def refund_customer_credit(
        self,
        customer_id: UUID,
        amount: Money,
        *,
        refunded_on: date,
        reference: str,
        actor: str,
        currency: str | None = None,
    ) -> list[str]:
        """Pay customer credit back to the customer; returns the refund ids (``instruct_refund``
        says also whether this call recorded them)."""
        return self.instruct_refund(
            customer_id,
            amount,
            refunded_on=refunded_on,
            reference=reference,
            actor=actor,
            currency=currency,
        ).refund_ids

    @_names_target
    def instruct_refund(
        self,
        customer_id: UUID,
        amount: Money,
        *,
        refunded_on: date,
        reference: str,
        actor: str,
        currency: str | None = None,
    ) -> RefundOutcome:
        """Pay customer credit back to the customer: ``amount`` is taken from the unallocated
        money of the customer's payments in its currency received by ``refunded_on``, oldest
        payment first (``Payment.refundable``), one ``CreditRefunded`` event per payment
        touched, all saved in one transaction.

        Refused, recording nothing (``OverAllocation`` naming ``amount``), for more than the
        customer's credit in that currency: the money refundable then, less what the customer
        owes of payments that bounced after part of them was refunded. ``currency`` defaults
        to the amount's (given, it must be a currency code, ``InvalidValue`` naming
        ``currency``, and the amount's). A ``reference`` names one refund
        across every customer and currency, however it is spaced or capitalised, whatever
        invisible characters were pasted with it, full width or not (``refund_reference_key``;
        ``RefundInstruction``, saved with the refund; the refunds recorded before it was kept
        get theirs with the first refund after, ``EarlierRefundsReferenced``): the same
        instruction given again (same customer, amount and day) records nothing and names the
        refunds made (``RefundOutcome.recorded`` False, also when another process made them a
        moment before), and any other refund under that reference is ``DuplicateEntry``,
        recording nothing. So a refund names its reference: one that is not text, or blank
        (invisible characters only), is refused (``InvalidValue`` naming ``reference``), as
        ``q2c refund`` refuses a blank ``--reference``. The customer may be named by the text
        of its id, as reports print it (an id of nothing is ``NotFound`` naming ``id``)."""
        if not isinstance(amount, Money):
            raise InvalidValue(
                f"must be Money, not {type(amount).__name__}", field="amount", value=amount
            )
        if currency is not None and (not isinstance(currency, str) or currency not in MINOR_UNITS):
            raise InvalidValue(
                "must be an ISO 4217 currency code (EUR, JPY, ...)",
                field="currency",
                value=currency,
            )
        cur = amount.currency if currency is None else currency
        if cur != amount.currency:
            raise CurrencyMismatch(
                f"refund in {amount.currency}, credit asked for in {cur}",
                field="amount",
                value=amount,
            )
        if not amount.is_positive() or not amount.is_rounded():
            raise InvalidValue(
                "must be more than zero, in whole minor units", field="amount", value=amount
            )
        day = require_day(refunded_on, "refunded_on")
        _refuse_unusable_retry_key(
            reference,
            "reference",
            refund_reference_key,
            "the refund (the bank's reference)",
            "paying",
        )
        amount = in_minor_units(amount)  # (recorded so: 100.000 EUR is 100.00)

        def step() -> tuple[RefundOutcome, list[Aggregate]]:
            customer = self.customer(customer_id)
            # one reference names one refund: the same instruction again (a retry) names what
            # it did; another refund under it is refused, never paid twice
            kept = self._earlier_refunds_referenced(actor)
            earlier = {i.id: i for i in kept if isinstance(i, RefundInstruction)}
            instruction: RefundInstruction | None = None
            for instruction_id in RefundInstruction.ids_of(reference):
                instruction = earlier.get(instruction_id)
                if instruction is None:
                    with contextlib.suppress(NotFound):
                        instruction = self._get(RefundInstruction, instruction_id)
                if instruction is not None:
                    break
            if instruction is not None:
                if _repeated(instruction.repeats(customer.id, amount, day), actor, customer.id):
                    return RefundOutcome(list(instruction.refund_ids), False), kept
                raise DuplicateEntry(
                    f"refund {instruction.reference!r} was made already "
                    f"({instruction.amount} on {instruction.refunded_on}); one reference "
                    "names one refund",
                    field="reference",
                    aggregate_id=instruction.customer_id,
                    value=reference,
                )
            payments = [
                p for p in self._get_many(Payment, customer.payment_ids) if p.amount.currency == cur
            ]
            # oldest first: by the day the money arrived, then as the customer received them
            received = sorted(
                (p for p in payments if p.received_on <= day), key=lambda p: p.received_on
            )
            parts = [(p, p.refundable(day)) for p in received]
            owed = total((p.unallocated for p in payments if p.unallocated.is_negative()), cur)
            available = total((part for _, part in parts), cur) + owed
            if amount > available:
                there = available if available.is_positive() else Money.zero(cur)
                raise OverAllocation(
                    f"{amount} is more than the {there} of customer credit in {cur} that can "
                    f"be refunded on {day} (money received by then, not allocated)",
                    field="amount",
                    aggregate_id=customer.id,
                    value=amount,
                )
            left = amount
            ids: list[str] = []
            touched: list[Aggregate] = [*kept]
            for payment, part in parts:
                if not left.is_positive():
                    break
                if not part.is_positive():
                    continue
                taken = left.min(part)
                refund_id = uuid4().hex
                payment.refund(refund_id, taken, day, reference, actor)
                ids.append(refund_id)
                touched.append(payment)
                left = left - taken
            # the limit relied on the payments it did not take from too: one partly refunded
            # that bounced meanwhile leaves the customer owing, and, while the customer owes,
            # the credit of the others covers that; they are saved with the refund, so a
            # bounce or allocation of one at the same moment clashes and is decided again
            taken_from = {a.id for a in touched}
            relied = [
                p
                for p in payments
                if p.id not in taken_from
                and not p.is_bounced
                and (
                    p.refunded.is_positive() or (owed.is_negative() and p.unallocated.is_positive())
                )
            ]
            for payment in relied:
                payment.counted_for_refund(reference, day, actor)
                touched.append(payment)
            touched.append(
                RefundInstruction(
                    reference=reference,
                    customer_id=customer.id,
                    amount=amount,
                    refunded_on=day,
                    refund_ids=ids,
                    actor=actor,
                )
            )
            return RefundOutcome(ids, True), touched

        return self._atomically(step)

    def _earlier_refunds_referenced(self, actor: str) -> list[Aggregate]:
        """The instructions of the refunds recorded before references were kept across
        customers, and the mark that they are (``EarlierRefundsReferenced``), to save with the
        first refund after the upgrade; nothing once they are. A reference used by several
        earlier refunds names the earliest instruction under it (its refunds of one customer,
        currency and day); the others stand as recorded."""
        with contextlib.suppress(NotFound):
            self._get(EarlierRefundsReferenced, EarlierRefundsReferenced.create_id())
            return []
        payment_ids = list(dict.fromkeys(self._created_ids(Payment, "CreditRefunded")))
        found: dict[str, tuple[UUID, str, date, list[PaymentRefund]]] = {}
        by_id = {p.id: p for p in self._get_many(Payment, payment_ids)}
        for payment_id in payment_ids:  # (in the order their first refund was recorded)
            payment = by_id[payment_id]
            for r in payment.refunds:
                key = refund_reference_key(r.reference)
                if not key:
                    continue
                instruction = (payment.customer_id, r.amount.currency, r.refunded_on)
                if key not in found:
                    found[key] = (*instruction, [r])
                elif found[key][:3] == instruction:
                    found[key][3].append(r)
        made: list[Aggregate] = [
            RefundInstruction(
                reference=refunds[0].reference,
                customer_id=customer_id,
                amount=total((r.amount for r in refunds), currency),
                refunded_on=day,
                refund_ids=[r.refund_id for r in refunds],
                actor=actor,
            )
            for customer_id, currency, day, refunds in found.values()
        ]
        made.append(EarlierRefundsReferenced(references=len(found), actor=actor))
        return made

    # -- queries ---------------------------------------------------------------------------------

    def _invoices(self, customer: Customer) -> list[Invoice]:
        return self._customer_invoices(customer)

    def invoices(self, customer_id: UUID) -> list[Invoice]:
        """Every invoice and credit note of a customer, in drafting order."""
        return self._invoices(self.customer(customer_id))

    def open_invoices(self, customer_id: UUID) -> list[Invoice]:
        """Issued invoices with money outstanding, oldest due first, then by number as it
        counts (``R-2`` before ``R-10``, ``number_order``): the order a payment pays them
        (``oldest_due_first``)."""
        return sorted(
            (i for i in self.invoices(customer_id) if i.outstanding.is_positive()),
            key=lambda i: (
                i.due_date or i.drafted_on,
                number_order(i.number or ""),
                i.number or "",
                str(i.id),
            ),
        )

    def payments(self, customer_id: UUID) -> list[Payment]:
        """Every payment of a customer."""
        return [self.payment(p) for p in self.customer(customer_id).payment_ids]

    def customer_credit(self, customer_id: UUID, currency: str | None = None) -> Money:
        """Money received and not allocated to any invoice, in one currency: the customer's
        own, or ``currency`` (money in two currencies is never added up; ``customer_currencies``
        lists those a customer has business in). A ``currency`` that is no currency code (a
        list, an empty text) is refused (``InvalidValue`` naming ``currency``)."""
        if currency is not None and (not isinstance(currency, str) or currency not in MINOR_UNITS):
            raise InvalidValue(
                "must be an ISO 4217 currency code (EUR, JPY, ...)",
                field="currency",
                aggregate_id=customer_id,
                value=currency,
            )
        customer = self.customer(customer_id)
        return self._unallocated(customer_id, currency or customer.currency)

    def customer_currencies(self, customer_id: UUID) -> list[str]:
        """The currencies a customer has invoices, payments, requests, contracts or prepaid
        allowances in, its own first."""
        customer = self.customer(customer_id)
        found = {i.currency for i in self._invoices(customer)}
        found |= {p.amount.currency for p in self.payments(customer_id)}
        found |= {c for c in (self.request(r).currency for r in customer.request_ids) if c}
        found |= {self.contract(c).currency for c in customer.contract_ids}
        found |= {a.currency for a in self._get_many(PrepaidAllowance, customer.allowance_ids)}
        return [customer.currency, *sorted(found - {customer.currency})]

    def work_buckets(self, request_id: UUID) -> list[WorkBuckets]:
        """For each billable time entry: hours unbilled, covered by allowance, invoiced."""
        request = self.request(request_id)
        # each charge on the allowance that drew it (the covering one, or one it rolled over to)
        draws = {
            key: (allowance, draw)
            for allowance in self._allowance_chain(request)
            for key, draw in allowance.draws().items()
        }
        result = []
        for w in request.work:
            e = w.entry
            if not e.billable:
                continue
            key = charge_key(request_id, e.entry_id)
            if key in draws:
                allowance, draw = draws[key]
                billed_q = allowance.billed_overage.get(key, Decimal(0))
                covered, invoiced, unbilled = _hours_in_buckets(
                    e.hours, [draw.covered, billed_q, draw.overage - billed_q]
                )
                result.append(WorkBuckets(e.entry_id, e.hours, unbilled, covered, invoiced))
            else:
                billed = e.hours if e.entry_id in request.billed else Decimal(0)
                result.append(
                    WorkBuckets(e.entry_id, e.hours, e.hours - billed, Decimal(0), billed)
                )
        return result

    def unbilled_work(self, request_id: UUID, as_of: date | None = None) -> Money:
        """Value of billable work and expenses on a request not yet invoiced nor covered.

        Work recorded unauthorized (imported before the PO, or after the completion or the
        cancellation) is counted, at its hours' worth, as leakage to follow up (UnbilledRevenue
        lists it apart, ``leakage_risk``), and is billed by the request's invoice, but for two
        cases: on a fixed-price request a PO covers, that done before the PO is inside the
        price (work imported dated after the completion never is:
        ``EnhancementRequest.work_after_completion``); on a cancelled request it is not owed,
        so ``draft_request_invoice`` leaves it out, and it stays counted here until an invoice
        drafted by hand bills it.

        Without ``as_of``: as recorded, whatever the day. With it, as it stood at the end of
        that business day (``_unbilled_on``): work and expenses dated by then that no invoice
        drafted by then held (a draft voided by then, or work credited as re-billable by then,
        gave it back), overage of work dated by then, a fixed price started by then.

        In the request's currency (its estimate's, else its customer's). Work or an expense
        recorded in another currency (unauthorized work a PSA rated in its own currency, before
        q2c refused it) cannot be added to it, nor billed on the request as it stands: it is
        left out here and counted, at its hours' worth, in the customer's summary in its own
        currency (``customer_summary``)."""
        request = self.request(request_id)
        if as_of is not None:
            invoices = self._invoices(self.customer(request.customer_id))
            held, billed_overage = self._held_on(invoices, as_of)
            hours = _hours_billed(invoices, as_of)
            return self._unbilled_on(request, as_of, held, billed_overage, hours)
        currency = request.currency or self.customer(request.customer_id).currency
        result = Money.zero(currency)
        allowances = self._allowance_chain(request)
        charged = _charged_entries(request, allowances)
        for allowance in allowances:
            overage = allowance.unbilled_overage()
            worth = self._overage_billed_worth(allowance) if overage else {}
            result = result + _overage_worth(allowance, overage, request_id, currency, worth)
        for e in request.unbilled_entries():
            if e.entry_id not in charged and e.rate.currency == currency:
                result = result + e.value
        for x in request.unbilled_expenses():
            if x.amount.currency == currency:
                result = result + x.amount
        billable_now = request.status in (
            RequestStatus.AUTHORIZED,
            RequestStatus.COMPLETED,
            RequestStatus.INVOICED,
        )
        fixed_price = request.estimate.fixed_price if request.estimate else None
        if fixed_price is not None and billable_now:
            # once a PO covers it, a fixed price is what will be billed, whatever the hours are
            # worth; before that, work done is worth its hours (leakage risk, not a price)
            # (but work imported after the completion: not inside the price, leakage)
            late = request.work_after_completion()
            direct = [
                e
                for e in request.unbilled_entries()
                if e.entry_id not in charged
                and e.rate.currency == currency
                and e.entry_id not in late
            ]
            result = result - total((e.value for e in direct), currency)
            started = bool(request.work) or request.status is not RequestStatus.AUTHORIZED
            if started and not request.fixed_price_billed:
                result = result + fixed_price
        return result - _beyond_fixed_price(
            request,
            currency,
            request.unbilled_entries(),
            charged,
            request.billed,
            self._hours_billed_of(request),
        )

    def _hours_billed_of(self, request: EnhancementRequest) -> dict[tuple[UUID, str], Money]:
        """What is billed of the request's hours as recorded (``_hours_billed``), read from its
        customer's invoices only when it counts: on a cancelled fixed-price request."""
        estimate = request.estimate
        if request.status is not RequestStatus.CANCELLED or estimate is None:
            return {}
        if estimate.fixed_price is None:
            return {}
        return _hours_billed(self._invoices(self.customer(request.customer_id)))

    def _held_on(
        self, invoices: Iterable[Invoice], day: date
    ) -> tuple[dict[UUID, set[str]], dict[UUID, dict[str, Decimal]]]:
        """What the invoices held at the end of ``day``: the items of each request, and the
        overage of each allowance by charge key. Requests and allowances mark work billed, and
        billable again, by events that carry no business day; the invoices' draft, void and
        credit days say when (``Invoice.lines_holding_work_on``)."""
        invoices = list(invoices)
        rebillable = _rebillable_notes(invoices)
        items: dict[UUID, set[str]] = {}
        overage: dict[UUID, dict[str, Decimal]] = {}
        loaded: dict[UUID, PrepaidAllowance] = {}
        overage_held: dict[tuple[UUID, UUID], dict[str, Decimal]] = {}  # by allowance and invoice
        for invoice in invoices:
            for line in invoice.lines_holding_work_on(day, rebillable):
                source = line.source
                if source is None:
                    continue
                if source.kind is SourceKind.ALLOWANCE_OVERAGE:
                    if source.allowance_id is None or len(source.time_entry_ids) != 1:
                        continue
                    allowance = self._loaded_allowance(source.allowance_id, loaded)
                    try:
                        key = _overage_key(
                            allowance, source.request_id, source.time_entry_ids[0], invoice.id
                        )
                    except RuleViolated:  # (a line the allowance can no longer tell apart)
                        continue
                    holds = overage_held.get((allowance.id, invoice.id))
                    if holds is None:
                        holds = self._overage_lines_hold(allowance, invoice)
                        overage_held[(allowance.id, invoice.id)] = holds
                    per = overage.setdefault(allowance.id, {})
                    per[key] = per.get(key, Decimal(0)) + holds.get(
                        line.line_id, _overage_quantity(allowance, line)
                    )
                elif source.request_id is not None:
                    # (whatever its kind: ``_record_billing`` held what the line names)
                    items.setdefault(source.request_id, set()).update(_billed_items(source))
        return items, overage

    def _unbilled_on(
        self,
        request: EnhancementRequest,
        day: date,
        held: dict[UUID, set[str]],
        billed_overage: dict[UUID, dict[str, Decimal]],
        hours_billed: Mapping[tuple[UUID, str], Money],
    ) -> Money:
        """``unbilled_work`` as it stood at the end of ``day``, by its rules (allowance cover
        and overage, a fixed price once started and covered), from what invoices held then
        (``_held_on``: ``held`` items by request, ``billed_overage`` by allowance) and billed
        of the requests' hours then (``hours_billed``, ``_hours_billed``). Work and
        expenses in another currency than the request's are left out, as there."""
        currency = request.currency or self.customer(request.customer_id).currency
        result = Money.zero(currency)
        allowances = self._allowance_chain(request)
        charged = _charged_entries(request, allowances, day)
        items = held.get(request.id, set())
        for allowance in allowances:
            billed = billed_overage.get(allowance.id, {})
            overage = allowance.unbilled_overage_on(day, billed)
            worth = self._overage_billed_worth(allowance) if overage else {}
            result = result + _overage_worth(
                allowance, overage, request.id, currency, worth, billed
            )
        direct = [
            e
            for e in request.unbilled_entries_on(day, items)
            if e.entry_id not in charged and e.rate.currency == currency
        ]
        result = result + total((e.value for e in direct), currency)
        result = result + total(
            (
                x.amount
                for x in request.unbilled_expenses_on(day, items)
                if x.amount.currency == currency
            ),
            currency,
        )
        fixed_price = request.estimate.fixed_price if request.estimate else None
        if fixed_price is not None and request.billable_on(day):
            # once a PO covers it, a fixed price is what will be billed, whatever the hours are
            # worth; before that, work done is worth its hours (leakage risk, not a price); so
            # is work imported after the completion (``work_after_completion``)
            late = request.work_after_completion()
            inside = (e.value for e in direct if e.entry_id not in late)
            result = result - total(inside, currency)
            if request.started_by(day) and not request.fixed_price_held(items):
                result = result + fixed_price
        return result - _beyond_fixed_price(
            request,
            currency,
            request.unbilled_entries_on(day, items),
            charged,
            items,
            hours_billed,
            day,
        )

    def customer_summary(
        self, customer_id: UUID, as_of: date | None = None, currency: str | None = None
    ) -> CustomerSummary:
        """Invoiced, paid, open, credit, unbilled work and prepaid hours left for a customer, in
        one currency: the customer's own, or ``currency`` (see ``customer_currencies``; one
        that is no ISO 4217 code, the empty text too, is refused: ``InvalidValue`` naming
        ``currency``).

        Without ``as_of``: everything recorded, whatever its day, and ``past_due`` what is past
        due today (invoices owed past their due date, refunds owed back since before today
        that the credit does not cover), as the summary of today says. With
        it, the money is read as it stood at the end of that business day, by the days the
        customer statement and the receivables aging read it: documents issued by then,
        allocations made and not yet taken back (reversed, bounced) by then, credit notes
        applied by then, the credit and refunds owed back of that day; and so are the unbilled
        work and the prepaid hours left, so the figures of one summary belong to one day:
        ``unbilled_work`` is the work and expenses dated by then that no invoice drafted by
        then held (a draft voided by then, or work credited as re-billable by then, gave its
        work back), by ``unbilled_work``'s rules on that day (allowance overage of work dated
        by then, a fixed price once started and covered by then); ``prepaid_hours_left`` the
        hours granted and topped up by then, on allowances not expired nor rolled over by
        then, less those covering work dated by then (``PrepaidAllowance.remaining_on``).
        The money is written to the currency's minor unit at least (0.00 EUR, never a bare 0,
        beside 124.91), the same values.

        ``prepaid_hours_left`` counts the hours of the allowances in ``currency`` (an allowance
        covers the customer's requests in its currency only): the summaries over
        ``customer_currencies`` add up to the hours the customer has left.

        ``unbilled_work`` counts too the work recorded in ``currency`` on a request billed in
        another one (unauthorized work a PSA rated in its own currency, recorded before q2c
        refused it): the request's ``unbilled_work`` cannot add it, so it is the leakage of this
        currency, at its hours' worth, billable and not invoiced (by then, with ``as_of``).
        """
        customer = self.customer(customer_id)
        customer_id = customer.id  # (the summary names its id, however it was asked for)
        if currency == "":  # (no currency: refused as customer_credit refuses it, not read as None)
            raise InvalidValue(
                "must be an ISO 4217 currency code (EUR, JPY, ...), or None for the customer's own",
                field="currency",
                aggregate_id=customer_id,
                value=currency,
            )
        cur = customer.currency if currency is None else currency
        every = self._invoices(customer)
        invoices = [i for i in every if i.is_issued and i.currency == cur]
        everyone = [self.request(x) for x in customer.request_ids]
        requests = [r for r in everyone if (r.currency or customer.currency) == cur]
        others = [r for r in everyone if (r.currency or customer.currency) != cur]
        # (the hours of the allowances in this currency: one in USD covers only USD requests,
        # so its hours are no EUR summary's, and the summaries add up to the hours left)
        hourly = [
            a
            for a in (self.allowance(x) for x in customer.allowance_ids)
            if a.unit is AllowanceUnit.HOURS and a.currency == cur
        ]
        if as_of is None:
            unbilled = total((self.unbilled_work(r.id) for r in requests), cur)
            unbilled += total(
                (e.value for r in others for e in r.unbilled_entries() if e.rate.currency == cur),
                cur,
            )
            hours_left = sum((a.remaining for a in hourly), Decimal(0))
        else:
            invoices = [i for i in invoices if i.issued_by(as_of)]
            held, billed_overage = self._held_on(every, as_of)
            hours_billed = _hours_billed(every, as_of)
            unbilled = total(
                (self._unbilled_on(r, as_of, held, billed_overage, hours_billed) for r in requests),
                cur,
            )
            unbilled += total(
                (
                    e.value
                    for r in others
                    for e in r.unbilled_entries_on(as_of, held.get(r.id, set()))
                    if e.rate.currency == cur
                ),
                cur,
            )
            hours_left = sum(
                (a.remaining_on(as_of, billed_overage.get(a.id, {})) for a in hourly), Decimal(0)
            )
        invoiced = total(
            (-i.total if i.kind is InvoiceKind.CREDIT_NOTE else i.total for i in invoices), cur
        )
        if as_of is None:
            paid = total((i.paid for i in invoices), cur)
            written_off = total((i.written_off for i in invoices), cur)
            open_ = total((i.outstanding for i in invoices), cur)
            credit = self.customer_credit(customer_id, cur)
            # refunded money a bounce left owed: what makes the credit negative
            owed_back = -credit if credit.is_negative() else Money.zero(cur)
            # what is past due today: invoices owed past their due date, and refunds owed back
            # since before today that the credit does not cover
            today = datetime.now(UTC).date()
            past_due = total(
                (i.outstanding for i in invoices if i.is_past_due(today)), cur
            ) + refunds_past_due(self._refunds_owed(customer, cur, today), credit, today)
        else:
            on_day, paid_on_day = self._money_on(customer_id, cur, as_of)
            paid_each = {i.id: Money(paid_on_day.get(i.id, Decimal(0)), cur) for i in invoices}
            owed = [(i, i.outstanding_on(as_of, paid_each[i.id])) for i in invoices]
            paid = total(paid_each.values(), cur)
            written_off = total((i.written_off_by(as_of) for i in invoices), cur)
            open_ = total((amount for _, amount in owed), cur)
            credit = Money(on_day, cur)
            owed_back = Money(max(-on_day, Decimal(0)), cur)
            # what the past-due list chases on the day: invoices owed past their due date, and
            # refunds owed back since before the day that the day's credit does not cover, as
            # the aging counts them
            past_due = total(
                (
                    amount
                    for i, amount in owed
                    if amount.is_positive() and i.due_date is not None and i.due_date < as_of
                ),
                cur,
            ) + refunds_past_due(self._refunds_owed(customer, cur, as_of), credit, as_of)
        return CustomerSummary(
            customer_id=customer_id,
            name=customer.name,
            currency=cur,
            invoiced=invoiced.with_minor_digits(),
            paid=paid.with_minor_digits(),
            written_off=written_off.with_minor_digits(),
            open=open_.with_minor_digits(),
            credit=credit.with_minor_digits(),
            unbilled_work=unbilled.with_minor_digits(),
            prepaid_hours_left=hours_left,
            past_due=past_due.with_minor_digits(),
            owed_back=owed_back.with_minor_digits(),
        )

    def _refunds_owed(
        self, customer: Customer, currency: str, day: date
    ) -> list[tuple[date, Money]]:
        """The refunds the customer owed back in ``currency`` at the end of ``day``, each with
        the day it is owed since (``Payment.refunds_owed_on``)."""
        return [
            debt
            for p in self._get_many(Payment, customer.payment_ids)
            if p.amount.currency == currency
            for debt in p.refunds_owed_on(day)
        ]

    def draft_invoices(self, customer_id: UUID) -> list[Invoice]:
        """Drafts and approved invoices not yet issued."""
        return [
            i
            for i in self.invoices(customer_id)
            if i.status in (InvoiceStatus.DRAFT, InvoiceStatus.APPROVED)
        ]


def credit_note_tax(
    lines: Sequence[InvoiceLine], earlier_notes: Sequence[Invoice], currency: str
) -> list[TaxSubtotal]:
    """A credit note's tax per category, as a running total over the original's credit notes.

    The tax credited so far (this note and the earlier live notes of the same invoice) is rounded
    once on the credited base; this note takes that minus what the earlier notes took. So
    crediting an invoice line by line never drifts: when every line is credited, the notes' tax
    is exactly the invoice's tax (three lines of 0.10 at 25 % credited one by one give
    0.03 + 0.02 + 0.03, not 3 x 0.03 against an invoice tax of 0.08). That needs each line in
    one live note at a time (``draft_credit_note`` refuses a line in a note not yet issued):
    a note drafted after a voided one takes up what the voided one took.
    """
    result: list[TaxSubtotal] = []
    for subtotal in lines_tax(lines, currency):
        rate = subtotal.tax_rate
        prior = [s for n in earlier_notes for s in n.tax_subtotals if s.tax_rate == rate]
        prior_base = total((s.taxable for s in prior), currency)
        prior_tax = total((s.tax for s in prior), currency)
        cumulative = ((prior_base + subtotal.taxable) * (rate.rate / Decimal(100))).rounded()
        result.append(TaxSubtotal(rate, subtotal.taxable, cumulative - prior_tax))
    return result


def _hours_in_buckets(hours: Decimal, quantities: list[Decimal]) -> list[Decimal]:
    """Share an entry's hours over buckets counted in allowance units (hours or money).

    A bucket with nothing in it gets exactly zero hours, and the last non-empty bucket takes the
    remainder, so the buckets add up to the entry's hours exactly and none goes below zero (a
    money allowance would otherwise leave division dust such as -3E-28 hours). When every
    bucket is empty, the entry was charged nothing (free work, or work worth less than half a
    cent, on a money allowance), which the allowance covers: the first bucket, the covered
    one, takes the hours (they were in no bucket at all).
    """
    whole = sum(quantities, Decimal(0))
    result = [Decimal(0)] * len(quantities)
    filled = [i for i, q in enumerate(quantities) if q != 0]
    if not filled or whole == 0:
        result[0] = hours
        return result
    for i in filled[:-1]:
        result[i] = hours * quantities[i] / whole
    result[filled[-1]] = hours - sum(result, Decimal(0))
    return result


def _refuse_hand_made_deduction(line: InvoiceLine) -> None:
    """A deposit deduction line typed by hand (``draft_invoice``) is refused: nothing would mark
    its deposit deducted, so the deposit could be deducted again or credited as well, and a
    deduction of no invoice could be neither issued nor voided."""
    if line.source is not None and line.source.kind is SourceKind.DEPOSIT_DEDUCTION:
        raise InvalidValue(
            f"line {line.line_id} is a deposit deduction typed by hand: deduct a deposit with "
            "deduct_deposit on the drafted invoice, which marks the deposit deducted",
            field=f"lines.{line.line_id}.source.kind",
            value=line.source.kind,
        )


def _refuse_hand_made_contract_period(line: InvoiceLine) -> None:
    """A sub-contract's period typed by hand (``draft_invoice``) is refused: the billing run
    bills contract periods. It records on the contract which days of a sub-contract it billed,
    and credits them when the contract changes; a hand-made line of those days was recorded
    nowhere, so the next run billed the same days again, and, issued, the line could not be
    credited either (``draft_credit_note`` leaves a sub-contract's days to the run): a double
    bill no one could correct. A contract-period line naming no sub-contract (a service period
    of an older history's kind) bills nothing the run bills, and is credited by hand."""
    source = line.source
    if source is not None and _bills_sub_contract_days(line):
        raise InvalidValue(
            f"line {line.line_id} bills sub-contract {source.sub_contract_id!r}'s days by "
            "hand: the billing run bills contract periods (run_billing records the days billed "
            "on the contract and credits them when the contract changes)",
            field=f"lines.{line.line_id}.source",
            value=source,
        )


def _refuse_deposit_mixed(line: InvoiceLine, kind: InvoiceKind) -> None:
    """A deposit invoice (``draft_invoice``) holds deposit lines only: an ordinary line on it
    would be earned when issued and taken off again as a deposit when deducted, the work
    earned twice. And a deposit line goes on a deposit invoice only: on a standard invoice
    nothing could ever deduct it. Checked when drafted, not when a stored invoice is read."""
    deposit_line = line.revenue_kind is RevenueKind.DEPOSIT
    if kind is InvoiceKind.DEPOSIT and not deposit_line:
        raise InvalidValue(
            f"line {line.line_id} is {line.revenue_kind.value} revenue: a deposit invoice holds "
            "deposit lines only (RevenueKind.DEPOSIT); bill the work on a standard invoice",
            field=f"lines.{line.line_id}.revenue_kind",
            value=line.revenue_kind,
        )
    if kind is not InvoiceKind.DEPOSIT and deposit_line:
        raise InvalidValue(
            f"line {line.line_id} is a deposit line on a {kind.value} invoice, where nothing "
            "could deduct it: draft the deposit with draft_deposit_invoice, and deduct it with "
            "deduct_deposit",
            field=f"lines.{line.line_id}.revenue_kind",
            value=line.revenue_kind,
        )


# line kinds that never bill a request's items: a deposit is money on account (its deduction
# takes it off the invoice that bills the work), a credit takes back what a document billed
_HOLDS_NO_WORK = frozenset({SourceKind.DEPOSIT, SourceKind.DEPOSIT_DEDUCTION, SourceKind.CREDIT})


def _billed_items(source: LineSource) -> list[str]:
    """The request items a line bills: its time entries, its expense, the fixed price."""
    items = list(source.time_entry_ids)
    if source.expense_id:
        items.append(source.expense_id)
    if source.fixed_price:
        items.append(FIXED_PRICE_ITEM)
    return items


def _held_by(request: EnhancementRequest, item_ids: list[str], invoice_id: UUID) -> list[str]:
    """Those of the items that the request has billed by that invoice, each once: what voiding
    or crediting its lines gives back. (A line of another kind than work or expense that named
    items on an invoice drafted before such lines held them holds nothing.)"""
    return [i for i in dict.fromkeys(item_ids) if request.billed.get(i) == invoice_id.hex]


def _without_entry(request: EnhancementRequest, entry_id: object) -> EnhancementRequest:
    """A copy of the request as it would stand with that time entry withdrawn, for reckoning
    what is left to bill (never saved)."""
    copy = copy_module.copy(request)
    copy.work = [w for w in request.work if w.entry.entry_id != entry_id]
    return copy


def _charged_entries(
    request: EnhancementRequest, allowances: Sequence[PrepaidAllowance], day: date | None = None
) -> set[str]:
    """Ids of the request's time entries charged on these allowances; with ``day``, those
    charged by the end of that day (``Charge.charged_by``: an entry given back to an allowance
    later was an invoice's then, not the allowance's)."""
    return {
        c.entry_id
        for a in allowances
        for c in a.charges
        if c.request_id == request.id and (day is None or c.charged_by(day))
    }


def _owes_overage(request: EnhancementRequest, allowance: PrepaidAllowance) -> bool:
    """Whether work of the request charged on the allowance has overage not invoiced yet (the
    allowance's open overage worked out once, not once per entry)."""
    open_overage = allowance.unbilled_overage()
    return any(
        charge_key(request.id, entry_id) in open_overage
        for entry_id in _charged_entries(request, [allowance])
    )


def _credits_hours_of(line: InvoiceLine, request_id: UUID) -> bool:
    """Whether ``line`` bills the hours of the request ``request_id`` (``_bills_hours``)."""
    source = line.source
    return source is not None and source.request_id == request_id and _bills_hours(source)


def _bills_sub_contract_days(line: InvoiceLine) -> bool:
    """Whether a line bills a sub-contract's period, the days the billing run records on the
    contract as billed and credits itself when the contract changes (so such a line is neither
    typed nor credited by hand)."""
    source = line.source
    return (
        source is not None
        and source.kind is SourceKind.CONTRACT_PERIOD
        and source.sub_contract_id is not None
    )


def _bills_contract(line: InvoiceLine) -> bool:
    """Whether an invoice line bills a contract: a contract period (a billing run's line of a
    sub-contract, or one of no sub-contract an older history or a hand-made invoice recorded),
    or any line naming a contract or sub-contract."""
    source = line.source
    return source is not None and (
        source.kind is SourceKind.CONTRACT_PERIOD
        or source.contract_id is not None
        or source.sub_contract_id is not None
    )


def _bills_hours(source: LineSource) -> bool:
    """Whether an invoice line bills a request's hours, as a cancelled fixed price counts what
    was billed of it (``_fixed_price_room``): a line naming its time entries (not their overage
    beyond an allowance, nor an expense, nor the fixed price itself), or a line of its work
    naming none (the line capping its hours at the price, or work billed by hand as a sum).
    Deposit lines are an advance and its deduction, not its hours. The projections keep the
    same rule (``projections._hours_billed.bills_hours``)."""
    if source.request_id is None or source.fixed_price or source.expense_id:
        return False
    if source.kind in _NOT_HOURS:
        return False
    return bool(source.time_entry_ids) or source.kind is SourceKind.WORK


_NOT_HOURS = (SourceKind.ALLOWANCE_OVERAGE, SourceKind.DEPOSIT, SourceKind.DEPOSIT_DEDUCTION)


def _given_back_days(invoices: Iterable[Invoice]) -> dict[tuple[UUID, str], date]:
    """The last day an invoice gave back each request item it billed (by request and item):
    its void's day, or the day a re-billable credit note credited its line."""
    invoices = list(invoices)
    rebillable = _rebillable_notes(invoices)
    days: dict[tuple[UUID, str], date] = {}
    for invoice in invoices:
        if invoice.kind is InvoiceKind.CREDIT_NOTE:
            continue
        credited = {
            line_id: c.credited_on
            for c in invoice.credits
            if c.credit_note_id in rebillable
            for line_id in c.line_ids
        }
        for line in invoice.lines:
            source = line.source
            if source is None or source.request_id is None:
                continue
            if source.kind is SourceKind.ALLOWANCE_OVERAGE:
                continue
            day = (
                invoice.voided_on
                if invoice.status is InvoiceStatus.VOIDED
                else credited.get(line.line_id)
            )
            if day is None:
                continue
            for item in _billed_items(source):
                key = (source.request_id, item)
                if key not in days or days[key] < day:
                    days[key] = day
    return days


def _rebillable_notes(invoices: Iterable[Invoice]) -> set[UUID]:
    """The ids of the re-billable credit notes among ``invoices``: what they credit is billable
    again."""
    return {
        i.id
        for i in invoices
        if i.kind is InvoiceKind.CREDIT_NOTE
        and i.credit_disposition is CreditDisposition.REBILLABLE
    }


def _hours_billed(
    invoices: Iterable[Invoice], day: date = date.max
) -> dict[tuple[UUID, str], Money]:
    """What was billed of each request's hours at the end of ``day`` (without it: as recorded),
    by request and currency: the net of the lines billing them (``_bills_hours``) on invoices
    drafted by then and not voided by then, less those a re-billable credit note credited by
    then (``Invoice.lines_holding_work_on``). A line written off stays billed: its money is
    given back and its hours are not billable again, and a cancelled fixed price does not take
    the write-off back through the request's other hours."""
    invoices = list(invoices)
    rebillable = _rebillable_notes(invoices)
    billed: dict[tuple[UUID, str], Money] = {}
    for invoice in invoices:
        for line in invoice.lines_holding_work_on(day, rebillable):
            source = line.source
            if source is None or source.request_id is None or not _bills_hours(source):
                continue
            key = (source.request_id, line.net.currency)
            found = billed.get(key)
            billed[key] = line.net if found is None else found + line.net
    return billed


def _fixed_price_room(
    request: EnhancementRequest,
    currency: str,
    billed: Collection[str],
    hours_billed: Mapping[tuple[UUID, str], Money],
    day: date | None = None,
) -> Money | None:
    """What the hours of a cancelled fixed-price request may still bill: its agreed price less
    what was billed of it already, never below zero: nothing once the price itself is billed
    (``billed`` names the request's billed items), else the price less the net of the lines
    billing its hours (``hours_billed``, ``_hours_billed``: what they billed, not what the
    hours are worth; a capped invoice and a goodwill rate bill them below their worth). None
    for any other request: its hours are billed at their worth. (A completed request is
    billed its price instead; cancelled, the customer owes the work done, at its hours'
    worth, but never more than the price.)"""
    estimate = request.estimate
    price = estimate.fixed_price if estimate is not None else None
    # as recorded, or on ``day``: a day before the cancellation owed the price, not hours
    if price is None or not request.cancelled_by(date.max if day is None else day):
        return None
    if request.fixed_price_held(billed):
        return Money.zero(currency)
    already = hours_billed.get((request.id, currency))
    room = price if already is None else price - already
    return Money.zero(currency) if room.is_negative() else room


def _beyond_fixed_price(
    request: EnhancementRequest,
    currency: str,
    unbilled: Iterable[TimeEntry],
    charged: Collection[str],
    billed: Collection[str],
    hours_billed: Mapping[tuple[UUID, str], Money],
    day: date | None = None,
) -> Money:
    """What the unbilled authorized hours of a cancelled fixed-price request are worth beyond
    what they may still bill (``_fixed_price_room``): ``unbilled_work`` leaves it out, as the
    request's invoice caps them. Zero for any other request, and on a day (``day``) before
    the request was cancelled: its fixed price was owed then, not its hours."""
    room = _fixed_price_room(request, currency, billed, hours_billed, day)
    if room is None:
        return Money.zero(currency)
    authorized = {w.entry.entry_id for w in request.work if w.authorized}
    worth = total(
        (
            e.value
            for e in unbilled
            if e.entry_id in authorized
            and e.entry_id not in charged
            and e.rate.currency == currency
        ),
        currency,
    )
    return worth - room if worth > room else Money.zero(currency)


def _overage_key(
    allowance: PrepaidAllowance, request_id: UUID | None, entry_id: str, invoice_id: UUID
) -> str:
    """The allowance's charge key of an overage line's entry. A line that does not name its
    request (drafted before such a line was refused, ``_overage_allowance``) names an entry
    charged once on the allowance, or it is refused."""
    if request_id is not None:
        return charge_key(request_id, entry_id)
    keys = [c.key for c in allowance.charges if c.entry_id == entry_id]
    if len(keys) != 1:
        raise RuleViolated(
            f"an overage line for entry {entry_id!r} must name its request: the allowance "
            f"has {len(keys)} charges with that entry id",
            field="lines",
            aggregate_id=invoice_id,
            value=entry_id,
        )
    return keys[0]


def _overage_allowance(line: InvoiceLine, invoice_id: UUID) -> UUID:
    """The allowance an allowance-overage line bills the overage of, when it is drafted;
    refused unless the line names it and exactly one time entry (and no expense): what it holds
    on the allowance, and what voiding or crediting it gives back, is that entry's overage. Nor
    without its request (``InvalidValue`` naming ``lines.<line id>.source.request_id``):
    approval reads the hours logged by request and entry, so it would never be approved."""
    source = line.source
    assert source is not None
    if source.allowance_id is None or len(source.time_entry_ids) != 1 or source.expense_id:
        raise InvalidValue(
            f"line {line.line_id}: an allowance-overage line names its allowance and the one "
            "time entry whose overage it bills",
            field="lines",
            aggregate_id=invoice_id,
            value=line.line_id,
        )
    if source.request_id is None:
        # (approval reads the hours logged by request and entry: such a line could be drafted
        # and never approved; lines recorded before this was refused still read, _overage_key)
        raise InvalidValue(
            f"line {line.line_id}: an allowance-overage line must name the request whose time "
            f"entry {source.time_entry_ids[0]!r} it bills the overage of",
            field=f"lines.{line.line_id}.source.request_id",
            aggregate_id=invoice_id,
            value=line.line_id,
        )
    return source.allowance_id


def _require_overage_currency(
    allowance: PrepaidAllowance, line: InvoiceLine, invoice_id: UUID
) -> None:
    """Refuse (``CurrencyMismatch`` naming ``lines.<line id>.unit_price``) an overage line
    drafted in another currency than its allowance's: the allowance's overage is money of its
    currency (or hours rated in it), so 200.00 USD would mark 200.00 EUR of overage billed,
    and the rest would never be billed again."""
    if line.unit_price.currency != allowance.currency:
        raise CurrencyMismatch(
            f"line {line.line_id} bills in {line.unit_price.currency} the overage of a prepaid "
            f"allowance in {allowance.currency}: bill it in {allowance.currency}",
            field=f"lines.{line.line_id}.unit_price",
            aggregate_id=invoice_id,
            value=line.unit_price,
        )


def _refuse_other_currency(
    request: EnhancementRequest, named: Mapping[str, str], invoice: Invoice
) -> None:
    """Refuse (``CurrencyMismatch`` naming ``lines.<line id>.unit_price``) a line billing a
    request's time entry, expense or fixed price (``named``: item -> line id) in another
    currency than the item's own (its rate's, its amount's, the estimate's): 400.00 USD would
    mark 400.00 EUR of work billed, and the euros would never be billed. An item the request
    does not hold is left to ``record_invoiced`` to refuse."""
    worth = {w.entry.entry_id: w.entry.rate.currency for w in request.work}
    worth.update((x.expense_id, x.amount.currency) for x in request.expenses)
    if request.estimate is not None and request.estimate.is_fixed_price:
        worth[FIXED_PRICE_ITEM] = request.estimate.total.currency
    for item_id, line_id in named.items():
        currency = worth.get(item_id)
        if currency is not None and currency != invoice.currency:
            raise CurrencyMismatch(
                f"line {line_id} bills in {invoice.currency} {item_id!r} of request "
                f"{request.title!r}, which is worth {currency}: bill it in {currency}",
                field=f"lines.{line_id}.unit_price",
                aggregate_id=invoice.id,
                value=item_id,
            )


def _refuse_beyond_overage(
    allowance: PrepaidAllowance,
    quantities: dict[str, Decimal],
    lines: dict[tuple[UUID, str], str],
    invoice: Invoice,
) -> None:
    """``RuleViolated`` naming the quantity of an overage line (``lines.<id>.quantity``, on the
    invoice) that bills more of an entry's overage than the allowance holds unbilled: the
    caller typed the line, not the allowance's internal quantities."""
    open_overage = allowance.unbilled_overage()
    for key, quantity in quantities.items():
        left = open_overage.get(key, Decimal(0))
        if quantity > left:
            line_id = lines[(allowance.id, key)]
            unit = "" if allowance.unit is AllowanceUnit.MONEY else " hours"
            raise RuleViolated(
                f"line {line_id} bills {quantity}{unit} of overage of allowance "
                f"{allowance.id}, which holds {left}{unit} of unbilled overage for that entry",
                field=f"lines.{line_id}.quantity",
                aggregate_id=invoice.id,
                value=quantity,
            )


def _overage_quantity(allowance: PrepaidAllowance, line: InvoiceLine) -> Decimal:
    """The allowance quantity an overage line bills, held when it is drafted and given back
    when it is voided or credited as re-billable: its quantity in hours on an hours allowance,
    its net (quantity times unit price, to the cent) on a money allowance, so a hand-made line
    of 2 x 41.64 holds the 83.28 it bills, not its unit price."""
    if allowance.unit is AllowanceUnit.MONEY:
        return line.net.amount
    return line.quantity


def _keyed(
    command: str,
    scope_id: UUID,
    key: str | None,
    made_id: UUID | None,
    details: dict[str, Any],
    actor: str,
) -> list[Aggregate]:
    """The record of a caller's key (``RetryKey``), to save with what the command made; none
    without a key."""
    if key is None:
        return []
    return [
        RetryKey(
            command=command,
            scope_id=scope_id,
            key=key,
            made_id=made_id,
            details=details,
            actor=actor,
        )
    ]


def _refuse_unusable_retry_key(
    value: object, field: str, key_of: Callable[[str], str], names: str, doing: str
) -> None:
    """A key the caller gives so a retry after a lost response records once (a receipt's,
    an allocation's, a refund's reference) must be text that names something once read as
    ``key_of`` reads it, and hold no card number (``InvalidValue`` naming ``field``)."""
    if not isinstance(value, str):
        raise InvalidValue(f"must be text, not {type(value).__name__}", field=field, value=value)
    if not key_of(value):
        raise InvalidValue(
            f"must name {names}: it is what stops a retry {doing} twice", field=field, value=value
        )
    refuse_card_numbers(field, value)
