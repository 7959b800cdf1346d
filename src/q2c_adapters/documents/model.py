"""What an invoice document shows, gathered once from the application and formatted.

The HTML templates and the PDF layout both render this model, so the two always show the same
numbers: the invoice's own rounded line nets, tax per category and totals, never recomputed here;
a unit price shows all its decimals (``format_price``), as the invoice bills it.
Both also show the same text as the UBL e-invoice: a character XML 1.0 does not allow (a control
character pasted from a spreadsheet) is a space in all three (see ``ubl.xml_text``).
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import attrs

from q2c_adapters.accounting.ubl import credit_given_back, owed_credit_due_date, xml_text
from q2c_adapters.documents.branding import Branding
from q2c_adapters.documents.i18n import (
    contract_line_parts,
    contract_line_text,
    country_name,
    exemption_reason,
    format_date,
    format_decimal,
    format_money,
    format_percent,
    format_price,
    generated_text,
    labels,
)
from q2c_core.domain.contract import Contract
from q2c_core.domain.enhancement_request import EnhancementRequest
from q2c_core.domain.errors import NotFound
from q2c_core.domain.invoice import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    buyer_details,
    credit_note_buyer,
)
from q2c_core.domain.invoice_lines import InvoiceLine, LineSource, SourceKind
from q2c_core.domain.money import Money
from q2c_core.domain.tax import TaxCategory, TaxRate

if TYPE_CHECKING:
    from q2c_core.application import QuoteToCash
    from q2c_core.domain.customer import CustomerDetails


@attrs.frozen
class DocumentLine:
    """One invoice line, formatted, with why it is priced as it is (``price_reason``: "no
    charge: ...", what a capped or overage-piece line bills and why; ``""`` for a line priced
    as plain quantity x price), printed under its description, and the period of service it
    states (``period``, see ``_line_period``), printed there too."""

    line_id: str
    description: str
    quantity: str
    unit_price: str
    tax_rate: str
    amount: str
    price_reason: str = ""
    # the period of service a line states that no contract period's detail shows (a line typed
    # for "Hosting Q1" with its period): "01.01.2024 – 31.03.2024", "" for none
    period: str = ""


@attrs.frozen
class DocumentTax:
    """Tax of one category, formatted, with why it charges no VAT (``reason``: the UBL's
    TaxExemptionReason in the document's language, ``""`` for a category that charges it)."""

    category: str
    taxable: str
    tax: str
    reason: str = ""


@attrs.frozen
class TimeEntryDetail:
    """A time entry an invoice line bills, with the hours the line bills of it (``billed_hours``:
    a part of the entry for an overage piece, see there)."""

    line_id: str
    request: str
    work_date: str
    worker: str
    hours: str
    note: str


@attrs.frozen
class ContractPeriodDetail:
    """A (part of a) contract period an invoice line bills."""

    line_id: str
    contract: str
    item: str
    period: str
    share: str


@attrs.frozen
class InvoiceDocument:
    """Everything an invoice or credit note document shows, already formatted."""

    language: str
    labels: dict[str, str]
    branding: Branding
    title: str
    is_draft: bool
    is_credit_note: bool
    number: str
    issued_on: str
    due_date: str
    purchase_order: str
    credits_number: str
    customer_name: str
    customer_address: tuple[str, ...]
    customer_tax_id: str
    currency: str
    lines: tuple[DocumentLine, ...]
    taxes: tuple[DocumentTax, ...]
    net: str
    tax: str
    total: str
    paid: str
    credited: str
    amount_due: str
    has_payments: bool
    payment_text: str
    note: str
    time_entries: tuple[TimeEntryDetail, ...]
    contract_periods: tuple[ContractPeriodDetail, ...]
    # a voided invoice says so, and why, and asks for no payment (``is_draft`` is False then)
    is_voided: bool = False
    void_reason: str = ""
    # the invoice a credit note credits by number and issue date ("INV-000001 of 2024-03-09"),
    # as the law asks a document amending an invoice to name it; ``credits_number`` alone is
    # the payment reference
    credits_invoice: str = ""
    # the small remainders written off the invoice (``write_off_remainder``), shown between
    # credited and amount due; "" when none was (the row is not shown)
    written_off: str = ""
    # the seller's address as printed: the branding's lines, then its country's name in the
    # document's language when the branding names one
    seller_address: tuple[str, ...] = ()


def tax_label(rate: TaxRate, language: str) -> str:
    """``S 19 %`` for a standard rate, the category code alone otherwise (``AE``, ``E``...)."""
    if rate.category is TaxCategory.STANDARD:
        return f"{rate.category.code} {format_percent(rate.rate, language)}"
    return rate.category.code


def _xml_texts(value: Any) -> Any:
    """``value`` with ``xml_text`` applied to each of its texts, in tuples and in the document's
    rows too; the labels and the branding (q2c's and the user's settings) are left as they are."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, tuple):
        return tuple(_xml_texts(x) for x in value)
    if attrs.has(type(value)) and not isinstance(value, Branding):
        fields = attrs.fields(type(value))
        return attrs.evolve(
            value,
            **{f.name: _xml_texts(getattr(value, f.name)) for f in fields if f.name != "labels"},
        )
    return value


def billed_hours(source: LineSource, entry_hours: Decimal) -> Decimal:
    """The hours of a time entry (of ``entry_hours`` logged) that a line of ``source`` bills,
    as its "Time entries" detail shows them.

    A line naming one entry bills the hours its source states (``source.hours``): an overage
    piece bills part of the entry (half of Dana's hour on each of two invoices, each showing
    0.5, not the whole hour twice), a money allowance's overage the hours beyond it. A line
    naming several entries states their hours together only: it bills each whole (a fixed
    price billing the work delivered, its hours the entries' sum), so each shows its own
    hours; how a line typed with fewer hours than its entries hold shares them out is not
    recorded, and each shows the hours logged on it (the line's quantity says what it
    bills). A line stating no hours shows the entry's."""
    if len(source.time_entry_ids) == 1 and source.hours is not None:
        return source.hours
    return entry_hours


_HUNDREDTH = Decimal("0.01")


def shown_billed_hours(line: InvoiceLine, entry_hours: Decimal) -> Decimal:
    """``billed_hours`` as the "Time entries" detail prints them: as they are when they are
    the hours logged on the entry or the line's own quantity (an hours allowance's overage
    piece: 0.333 beside a quantity of 0.333), else (a share no column states) to the
    hundredth, half up, as the reports show hours. A money allowance's overage line bills
    one unit, its share of an entry's hours exact on the line but a fraction with no end
    (23.33 of 33.33 of an hour: 0.6999699969996999699969997), shown as 0.7."""
    assert line.source is not None
    hours = billed_hours(line.source, entry_hours)
    if hours in (entry_hours, abs(line.quantity)):
        return hours
    return hours.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def _buyer_address(
    buyer: CustomerDetails, language: str, seller_country: str = ""
) -> tuple[str, ...]:
    """The buyer's address lines as printed: its free-text address, then its post code and city
    (kept apart since the e-invoice carries them apart; either may be unknown), then its country
    as the document's language names it (``country_name``; recorded as an ISO code, as the
    e-invoice carries it): an invoice to a buyer abroad names the buyer's whole address. A buyer
    in the seller's own country (``seller_country``, the branding's) is addressed without it."""
    lines = [x.strip() for x in xml_text(buyer.address).splitlines() if x.strip()]
    place = " ".join(
        part
        for part in (
            xml_text(buyer.postal_code).strip(),
            xml_text(buyer.city).strip(),
        )
        if part
    )
    if place and (not lines or _spoken(lines[-1]) != _spoken(place)):
        # (an address recorded with its place before the post code and city were kept apart
        # ends with it already)
        lines.append(place)
    country = buyer.country.strip().upper()
    if country and country != seller_country:
        lines.append(country_name(country, language))
    return tuple(lines)


def _spoken(text: str) -> str:
    """Text as it is read aloud: spaces collapsed, capitals aside."""
    return " ".join(text.split()).casefold()


def _shows_contract_period(source: LineSource) -> bool:
    """Whether a line's period is shown in the "Contract periods" detail."""
    return source.kind is SourceKind.CONTRACT_PERIOD or (
        source.contract_id is not None and source.period is not None
    )


def _line_period(source: LineSource | None, language: str) -> str:
    """The period of service a line states (its source's ``period``, the UBL's line
    InvoicePeriod), as the language writes it ("01.01.2024 – 31.03.2024"), for a line whose
    period no contract period's detail shows: a line typed with its period, or the credit of
    one. ``""`` for a line stating none, or one of a contract (its detail shows the period)."""
    if source is None or source.period is None or source.period.days <= 0:
        return ""
    if _shows_contract_period(source):
        return ""
    last = source.period.end - timedelta(days=1)
    return f"{format_date(source.period.start, language)} – {format_date(last, language)}"


def _contract_as_issued(app: QuoteToCash, contract_id: UUID, invoice: Invoice) -> Contract:
    """The contract as it was recorded when ``invoice`` was issued (as it is now for a draft):
    what its document printed then, whatever was changed on the contract since."""
    contract = app.contract(contract_id)
    if invoice.issued_on is None:
        return contract
    store = app.repository.event_store
    issued_at = None
    for event in store.get(invoice.id):
        e: Any = event
        if type(e).__name__ == "Issued":
            issued_at = e.timestamp
    if issued_at is None:
        return contract
    version = None
    for event in store.get(contract_id):
        e = event
        if e.timestamp > issued_at:
            break
        version = e.originator_version
    if version is None or version == contract.version:
        return contract
    recorded: object = app.repository.get(contract_id, version=version)
    return recorded if isinstance(recorded, Contract) else contract


def _contract_item(
    app: QuoteToCash, invoice: Invoice, source: LineSource, description: str
) -> tuple[str, str]:
    """The contract number and the sub-contract (``S1 ERP licence``) a contract line's detail
    names: as the line recorded them when a billing run wrote it (``MC-1 / ERP licence [S1]:
    ...``), so an issued invoice prints the sub-contract's text it was issued with, not a
    description corrected since; for a line of another form, the sub-contract's text when the
    invoice was issued (``_contract_as_issued``). The contract's number never changes."""
    sub_id = source.sub_contract_id or ""
    contract: Contract | None = None
    if source.contract_id is not None:
        with contextlib.suppress(NotFound):
            contract = app.contract(source.contract_id)
    number = contract.number if contract is not None else ""
    parts = contract_line_parts(description)
    if parts is not None and sub_id and parts[1] == sub_id:
        head = parts[0]
        if contract is None and " / " in head:
            number, name = head.split(" / ", 1)
            return number, f"{sub_id} {name}"
        if number and head.startswith(f"{number} / "):
            return number, f"{sub_id} {head[len(number) + 3 :]}"
    if contract is None or source.contract_id is None:
        return number, sub_id
    sub = _contract_as_issued(app, source.contract_id, invoice).sub_contracts.get(sub_id)
    return number, f"{sub.sub_id} {sub.description}" if sub is not None else sub_id


def _nothing_due(invoice: Invoice) -> str:
    """The label of the text an issued invoice with nothing left to pay shows, true to how it
    was settled: a payment is thanked for only when one was made (``paid``), a credit note is
    named only when one took something off (``credited`` positive; a negative one, a deposit
    deduction taken back, added to what was owed and settled nothing). An invoice cancelled
    in full by a credit note and never paid said "thank you for your payment"."""
    paid, credited = invoice.paid.is_positive(), invoice.credited.is_positive()
    if paid and credited:
        return "nothing_due_paid_and_credited"
    if credited:
        return "nothing_due_credited"
    if paid:
        return "nothing_due"
    return "nothing_due_settled"  # nothing was owed (a total of zero)


def _generated_line_text(description: str, source: LineSource | None, language: str) -> str:
    """A line's text in the document's language where q2c wrote it (``generated_text``): a
    deposit deduction's, a credit note's, and a request invoice's hours, overage, fixed price
    and cap (or the credit of one: a request's line but an expense's); any other line's as
    recorded (a person's)."""
    if source is None:
        return description
    request_line = source.kind in (SourceKind.WORK, SourceKind.ALLOWANCE_OVERAGE) or (
        source.kind is SourceKind.CREDIT
        and source.request_id is not None
        and source.expense_id is None
    )
    if not request_line and source.kind not in (SourceKind.DEPOSIT_DEDUCTION, SourceKind.CREDIT):
        return description
    return generated_text(description, language, request_line=request_line)


def line_text(line: InvoiceLine, language: str) -> str:
    """A line's text in the document's language, as the PDF, the HTML and the UBL print it:
    a billing run's contract line with its dates and price as the language writes them
    (``contract_line_text``), the other texts q2c wrote in the language too
    (``_generated_line_text``), a person's text as typed."""
    source = line.source
    if source is not None and source.sub_contract_id is not None:
        return contract_line_text(line.description, language)
    return _generated_line_text(line.description, source, language)


def build_document(app: QuoteToCash, invoice_id: UUID, branding: Branding) -> InvoiceDocument:
    """Gather one invoice or credit note, with its customer (as issued: ``buyer_details``),
    details and payment text.

    A credit note's payment text says it reduces what the customer owes; one of an invoice
    already paid says the money it gave back is held as credit on the customer's account (all
    of it, or what it gave back beside what it took off what was owed: ``credit_given_back``);
    one with a negative
    total (taking back a deposit deduction: the customer owes more) says what it adds to what is
    owed on the invoice it credits and how to pay that, quoting that invoice's number, as an
    invoice asks for its amount due: by that invoice's due date (what the note adds is owed on
    it), or on the note's day when that date has passed. An issued invoice with nothing left
    to pay says how it was settled: by payment, by credit note, or both (``_nothing_due``)."""
    lang = branding.language
    text = labels(lang)
    invoice = app.invoice(invoice_id)
    registered = app.customer(invoice.customer_id)
    customer = buyer_details(invoice, registered)
    if invoice.credits_invoice_id is not None and invoice.issued_on is None:
        # a draft credit note names its invoice's buyer as issued, as its issue will
        with contextlib.suppress(NotFound):
            customer = credit_note_buyer(app.invoice(invoice.credits_invoice_id), registered)
    cur = invoice.currency

    def money(m: Money) -> str:
        return format_money(m, lang)

    is_credit = invoice.kind is InvoiceKind.CREDIT_NOTE
    title = text[
        {
            InvoiceKind.STANDARD: "invoice",
            InvoiceKind.DEPOSIT: "deposit",
            InvoiceKind.CREDIT_NOTE: "credit_note",
        }[invoice.kind]
    ]
    lines = tuple(
        DocumentLine(
            line_id=line.line_id,
            description=line_text(line, lang),
            quantity=format_decimal(line.quantity, lang),
            unit_price=format_price(line.unit_price, lang),
            tax_rate=tax_label(line.tax, lang),
            amount=money(line.net),
            price_reason=generated_text((line.price_reason or "").strip(), lang),
            period=_line_period(line.source, lang),
        )
        for line in invoice.lines
    )
    taxes = tuple(
        DocumentTax(
            tax_label(s.tax_rate, lang),
            money(s.taxable),
            money(s.tax),
            exemption_reason(s.tax_rate.category, lang),
        )
        for s in invoice.tax_subtotals
    )
    time_entries: list[TimeEntryDetail] = []
    periods: list[ContractPeriodDetail] = []
    requests: dict[UUID, EnhancementRequest] = {}
    for line in invoice.lines:
        source = line.source
        if source is None:
            continue
        if source.request_id is not None and source.time_entry_ids:
            request = requests.get(source.request_id)
            if request is None:
                try:
                    request = app.request(source.request_id)
                except NotFound:
                    continue
                requests[source.request_id] = request
            wanted = set(source.time_entry_ids)
            for work in request.work:
                e = work.entry
                if e.entry_id in wanted:
                    time_entries.append(
                        TimeEntryDetail(
                            line_id=line.line_id,
                            request=request.title,
                            work_date=format_date(e.work_date, lang),
                            worker=e.worker,
                            hours=format_decimal(shown_billed_hours(line, e.hours), lang),
                            note=e.note,
                        )
                    )
        if _shows_contract_period(source):
            contract_label, item = _contract_item(app, invoice, source, line.description)
            period = ""
            if source.period is not None:
                last = source.period.end - timedelta(days=1)
                period = f"{format_date(source.period.start, lang)} – {format_date(last, lang)}"
            share = format_decimal(source.fraction, lang, 4) if source.fraction is not None else ""
            periods.append(ContractPeriodDetail(line.line_id, contract_label, item, period, share))
    credits_number = credits_invoice = ""
    pay_by = invoice.due_date
    given_back: Money | None = None
    if invoice.credits_invoice_id is not None:
        try:
            credited = app.invoice(invoice.credits_invoice_id)
            credits_number = credits_invoice = credited.number or ""
            if credits_number and credited.issued_on is not None:
                credits_invoice = text["credits_of"].format(
                    number=credits_number, date=format_date(credited.issued_on, lang)
                )
            # what a note adds is owed on the credited invoice: due when it is, or at once
            pay_by = owed_credit_due_date(invoice, credited)
            if is_credit:
                given_back = credit_given_back(invoice, credited)
        except NotFound:
            credits_number = ""
    reference = invoice.number or ""
    due = invoice.outstanding
    # A credit note of a negative total (one taking back a deposit deduction) adds to what the
    # customer owes on the invoice it credits: it asks for that money, quoting that invoice.
    owing = is_credit and invoice.total.is_negative()
    voided = invoice.status is InvoiceStatus.VOIDED
    if voided:
        payment_text = text["voided_nothing_due"]
    elif is_credit and not owing:
        # money the customer had paid, given back: held on their account, not owed less
        held = given_back if given_back is not None and given_back.is_positive() else None
        kind = "pay_credit_note"
        if held is not None:
            kind = "credit_note_held" if held >= invoice.total else "credit_note_part_held"
        payment_text = text[kind].format(
            amount=money(invoice.total),
            reduces=money(invoice.total - held) if held is not None else "",
            held=money(held) if held is not None else "",
            reference=f"{text['credits']} {credits_invoice}",
        )
    elif not owing and not due.is_positive() and invoice.is_issued:
        payment_text = text[_nothing_due(invoice)]
    else:
        amount_due = -invoice.total if owing else due if invoice.is_issued else invoice.total
        if owing:
            reference = credits_number
        values = {
            "amount": money(amount_due),
            "reference": reference or "-",
            "due_date": format_date(pay_by if owing else invoice.due_date, lang) or "-",
            "iban": branding.iban or "-",
            "bic": branding.bic,
            "bank": branding.bank,
            "bic_part": f" (BIC {branding.bic})" if branding.bic else "",
        }
        template = (
            branding.payment_instructions
            or text["pay_by_transfer" if branding.iban else "pay_without_account"]
        )
        payment_text = template.format(**values)
        if owing:
            added = text["owe_credit_note"].format(
                amount=values["amount"], invoice=credits_number or "-"
            )
            payment_text = f"{added} {payment_text}"
    document = InvoiceDocument(
        language=lang,
        labels=text,
        branding=branding,
        title=title,
        is_draft=not invoice.is_issued and not voided,
        is_voided=voided,
        void_reason=invoice.void_reason or "",
        is_credit_note=is_credit,
        number=invoice.number or "",
        issued_on=format_date(invoice.issued_on or invoice.drafted_on, lang),
        due_date=format_date(invoice.due_date, lang),
        purchase_order=invoice.purchase_order_number or "",
        credits_number=credits_number,
        credits_invoice=credits_invoice,
        customer_name=customer.name,
        customer_address=_buyer_address(customer, lang, branding.country),
        seller_address=branding.address
        + ((country_name(branding.country, lang),) if branding.country else ()),
        customer_tax_id=customer.tax_id,
        currency=cur,
        lines=lines,
        taxes=taxes,
        net=money(invoice.net),
        tax=money(invoice.tax),
        total=money(invoice.total),
        paid=money(invoice.paid),
        credited=money(invoice.credited),
        amount_due=money(invoice.outstanding if invoice.is_issued else invoice.total),
        # a negative credit (a deposit deduction taken back) shows too: it is why more is due
        has_payments=invoice.paid.is_positive()
        or not invoice.credited.is_zero()
        or invoice.written_off.is_positive(),
        written_off=money(invoice.written_off) if invoice.written_off.is_positive() else "",
        payment_text=payment_text,
        note=generated_text(invoice.note, lang),
        time_entries=tuple(time_entries),
        contract_periods=tuple(periods),
    )
    return cast(InvoiceDocument, _xml_texts(document))
