"""UBL 2.1 invoices and credit notes following PEPPOL BIS Billing 3.0, built with lxml.

Amounts are q2c's own, never recomputed: line nets rounded once per line, tax rounded once per
category (three lines of 0.10 at 25 % carry 0.08 tax, not 0.09), totals as the invoice states
them. A standard or deposit invoice becomes ``Invoice`` (type 380 / 386); a credit note becomes
``CreditNote`` (381) with a ``BillingReference`` to the invoice it credits.

An invoice carries its payment details (a credit transfer to the seller's account quoting its
number, and its terms); a credit note reducing what is owed carries none, except from a German
seller (XRechnung DE-R-001 wants payment instructions on every document): there it is settled
against the invoice it credits (code 97, clearing between partners, quoting that invoice's
number), nothing transferred. A credit note of a
negative total (one taking back a deposit deduction: the buyer owes more) carries them too, as its
PDF asks for the money: quoting the credited invoice, on which the amount is owed and to which
q2c allocates its payment (q2c's bank import matches a remittance to invoice numbers, never to a
credit note's), due on ``owed_credit_due_date`` (``PaymentMeans/PaymentDueDate``, BT-9: a
CreditNote has no ``DueDate`` of its own).

What EN 16931 forbids is refused with a typed error before any XML is written: an unissued
invoice, a currency with more than two decimals, a standard rate of 0 %, "outside the scope of
VAT" mixed with other categories, reverse charge or intra-community supply without the buyer's
VAT id, any category but O without the seller's VAT id (q2c states no tax representative), a
buyer's VAT id without its country prefix (BR-CO-09; the prefix is never guessed), and a German
seller's document to a German buyer without the seller's contact name, telephone and e-mail or
the buyer's city and post code (XRechnung DE-R-005 to DE-R-009; ``GERMAN_NEEDS``), a Dutch
seller's document to a Dutch buyer without the buyer's street, city and post code (NL-R-004;
``DUTCH_NEEDS``), a seller whose country's rules require the register of its legal
registration id (BT-30 ``schemeID``) without it (a Dutch seller's KVK 0106 or OIN 0190,
NL-R-003; a Danish seller's CVR 0184, DK-R-014; an Icelandic seller's kennitala 0196, IS-R-002;
``seller.NATIONAL_REGISTRATION_SCHEMES``), an Icelandic seller's document to an Icelandic buyer
not addressed by its kennitala (0196, written as its legal id: IS-R-004) or without its street
and post code (IS-R-005), a Swedish seller's standard rate other than 25, 12 or 6 % (SE-R-006;
the Norwegian and Swedish identifiers are checked by ``SellerProfile``), and
a Danish seller's invoice to a Danish buyer without the seller's BIC (paid by code 31, DK-R-005
and DK-R-006) or credit note to one of a negative total (DK-R-016). A Greek seller is refused
altogether (``GREEK_RULES``): Greece's rules want a numbering and a MARK q2c does not give.

A line priced otherwise than as plain quantity x price says why (its ``price_reason``) in its
note (BT-127, ``cbc:Note``), as the PDF and HTML print it under the line's description.

What XML 1.0 cannot carry is not refused: a character it does not allow (a control character
such as the vertical tab a spreadsheet pastes, a lone surrogate; see ``xml_text``) becomes a
space, so every issued invoice, which can no longer change, renders. The HTML and PDF documents
show the same text.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from uuid import UUID

from lxml import etree

from q2c_adapters.accounting.seller import BuyerParty, Endpoint, SellerProfile
from q2c_core.app_base import BaseApp
from q2c_core.domain.customer import Customer
from q2c_core.domain.errors import InvalidTransition, InvalidValue, RuleViolated
from q2c_core.domain.invoice import Invoice, InvoiceKind, buyer_details
from q2c_core.domain.invoice_lines import InvoiceLine
from q2c_core.domain.money import Money, minor_units
from q2c_core.domain.parties import has_vat_prefix
from q2c_core.domain.tax import TaxCategory, TaxRate

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
MEDIA_TYPE = "application/xml"

INVOICE_TYPE_CODES = {InvoiceKind.STANDARD: "380", InvoiceKind.DEPOSIT: "386"}
CREDIT_NOTE_TYPE_CODE = "381"
EXEMPTION_REASONS: dict[TaxCategory, str] = {
    TaxCategory.EXEMPT: "Exempt from VAT",
    TaxCategory.REVERSE_CHARGE: "Reverse charge: VAT to be accounted for by the buyer",
    TaxCategory.INTRA_COMMUNITY: "Intra-community supply, exempt from VAT",
    TaxCategory.EXPORT: "Export outside the EU, exempt from VAT",
    TaxCategory.OUTSIDE_SCOPE: "Not subject to VAT",
}
R120_TOLERANCE = Decimal("0.02")
NEEDS_BUYER_VAT = (TaxCategory.REVERSE_CHARGE, TaxCategory.INTRA_COMMUNITY)
# The rule by which each category but O needs the seller's VAT id (BT-31) or a tax
# representative's (BT-63); q2c writes neither the representative nor a tax registration id.
NEEDS_SELLER_VAT: dict[TaxCategory, str] = {
    TaxCategory.STANDARD: "BR-S-02",
    TaxCategory.ZERO_RATED: "BR-Z-02",
    TaxCategory.EXEMPT: "BR-E-02",
    TaxCategory.REVERSE_CHARGE: "BR-AE-02",
    TaxCategory.INTRA_COMMUNITY: "BR-IC-02",
    TaxCategory.EXPORT: "BR-G-02",
}
# The standard rates a Swedish seller (its address and VAT id Swedish) may write (SE-R-006).
SWEDISH_RATES = frozenset({Decimal(25), Decimal(12), Decimal(6)})
NAME_LENGTH = 200  # an item name (BT-153) longer than this is cut short; BT-154 keeps it all
# XML 1.0's Char production: tab, line feed, carriage return and U+0020 on, less the surrogates,
# U+FFFE and U+FFFF. Everything else cannot be written into an XML document at all.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with each character XML 1.0 does not allow replaced by a space: the C0 control
    characters other than tab, line feed and carriage return (``"Migration\x0b phase 2"`` ->
    ``"Migration  phase 2"``), lone surrogates, U+FFFE and U+FFFF. Other text is unchanged."""
    return _NOT_XML.sub(" ", text)


class _Builder:
    """Appends UBL elements in schema order."""

    def __init__(self, currency: str, language: str = "en") -> None:
        self.language = language
        self.currency = currency
        self.places = minor_units(currency)

    def cbc(self, parent: Any, tag: str, text: str, **attrib: str) -> Any:
        attrib = {name: xml_text(value) for name, value in attrib.items()}
        el = etree.SubElement(parent, f"{{{CBC}}}{tag}", attrib)
        el.text = xml_text(text)
        return el

    def say(self, key: str, **values: object) -> str:
        """One of the UBL's own sentences in the document's language (``ubl_terms``)."""
        from q2c_adapters.documents.i18n import ubl_terms

        return ubl_terms(key, self.language, self.places, **values)

    def text(self, written: str) -> str:
        """A text q2c wrote in English (a billing run's note, a line's price reason) in the
        document's language (``generated_text``); a person's text as typed."""
        from q2c_adapters.documents.i18n import generated_text

        return generated_text(written, self.language)

    def cac(self, parent: Any, name: str) -> Any:
        return etree.SubElement(parent, f"{{{CAC}}}{name}")

    def amount(self, parent: Any, name: str, money: Money) -> Any:
        if money.currency != self.currency:
            raise InvalidValue(
                f"{name} is in {money.currency}, the document in {self.currency}", field=name
            )
        return self.cbc(parent, name, f"{money.amount:.{self.places}f}", currencyID=self.currency)

    def tax_category(self, parent: Any, name: str, rate: TaxRate, *, breakdown: bool) -> None:
        """A line's category (no exemption reason; for O no rate, BR-O-05) or the VAT
        breakdown's (with its reason; for O the rate 0, which EN 16931 allows and XRechnung's
        DE-R-014 needs between two German parties)."""
        category = self.cac(parent, name)
        self.cbc(category, "ID", rate.category.code)
        if breakdown or rate.category is not TaxCategory.OUTSIDE_SCOPE:
            self.cbc(category, "Percent", _decimal(rate.rate))
        if breakdown and rate.category in EXEMPTION_REASONS:
            from q2c_adapters.documents.i18n import exemption_reason

            reason = exemption_reason(rate.category, self.language)
            self.cbc(category, "TaxExemptionReason", reason)
        self.cbc(self.cac(category, "TaxScheme"), "ID", "VAT")


def _decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if text not in ("-0", "") else "0"


def address_lines(street: str) -> list[str]:
    """The lines of a street address as an e-invoice writes them: split at each line break
    (``\\n``, ``\\r\\n``, ``\\r``), spaces around each dropped, blank lines left out. The first
    is the street (BT-50, ``cbc:StreetName``), the second the additional line (BT-51,
    ``cbc:AdditionalStreetName``), and the third and any after it, joined by ", ", the one
    further line PEPPOL allows (BT-163, ``cac:AddressLine/cbc:Line``): nothing is lost and no
    element holds a line break."""
    return [line.strip() for line in re.split(r"\r\n|\r|\n", street) if line.strip()]


def _party(
    b: _Builder,
    parent: Any,
    *,
    endpoint: Endpoint,
    name: str,
    street: str,
    city: str,
    postal_code: str,
    country: str,
    vat_id: str,
    legal_name: str,
    registration_id: str,
    registration_scheme: str = "",
    email: str = "",
    contact_name: str = "",
    telephone: str = "",
) -> None:
    party = b.cac(parent, "Party")
    b.cbc(party, "EndpointID", endpoint.identifier, schemeID=endpoint.scheme)
    b.cbc(b.cac(party, "PartyName"), "Name", name)
    address = b.cac(party, "PostalAddress")
    lines = address_lines(street)
    if lines:  # UBL order: StreetName, AdditionalStreetName, CityName, PostalZone, AddressLine
        b.cbc(address, "StreetName", lines[0])
    if len(lines) > 1:
        b.cbc(address, "AdditionalStreetName", lines[1])
    if city:
        b.cbc(address, "CityName", city)
    if postal_code:
        b.cbc(address, "PostalZone", postal_code)
    if len(lines) > 2:
        b.cbc(b.cac(address, "AddressLine"), "Line", ", ".join(lines[2:]))
    b.cbc(b.cac(address, "Country"), "IdentificationCode", country)
    if vat_id:
        scheme = b.cac(party, "PartyTaxScheme")
        b.cbc(scheme, "CompanyID", vat_id)
        b.cbc(b.cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = b.cac(party, "PartyLegalEntity")
    b.cbc(legal, "RegistrationName", legal_name)
    if registration_id:
        if registration_scheme:
            b.cbc(legal, "CompanyID", registration_id, schemeID=registration_scheme)
        else:
            b.cbc(legal, "CompanyID", registration_id)
    if contact_name or telephone or email:
        contact = b.cac(party, "Contact")  # UBL order: Name, Telephone, ElectronicMail
        if contact_name:
            b.cbc(contact, "Name", contact_name)
        if telephone:
            b.cbc(contact, "Telephone", telephone)
        if email:
            b.cbc(contact, "ElectronicMail", email)


def credit_given_back(note: Invoice, credited: Invoice) -> Money | None:
    """What of a credit note's total was money the customer had paid on the invoice it credits,
    given back to them as customer credit (kept on their account, to allocate or refund): as
    the note's issue recorded it (``AppliedCredit.given_back``); for a draft, what its issue
    would give back today (what it credits beyond what the invoice still owes, at most what was
    paid on it). None when not known (a credit recorded before q2c kept it)."""
    if note.is_issued:
        applied = next((c for c in credited.credits if c.credit_note_id == note.id), None)
        return None if applied is None else applied.given_back
    beyond = note.total - credited.outstanding
    if not beyond.is_positive():
        return Money.zero(note.currency)
    return min(beyond, credited.paid)


def _settled_credit(b: _Builder, note: Invoice, credited: Invoice) -> str:
    """How a credit note is settled against the invoice it credits, in words: it reduces what
    is owed on it; what of it the customer had already paid is held as credit on their account
    (``credit_given_back``), to set against what they owe or refund."""
    number = credited.number
    total = note.total
    given = credit_given_back(note, credited)
    if given is None or not given.is_positive():
        return b.say("reduces", amount=total, number=number)
    if given >= total:
        return b.say("held", amount=total, number=number)
    return b.say("part_held", amount=total, number=number, reduced=total - given, given=given)


def owed_credit_due_date(note: Invoice, credited: Invoice) -> date | None:
    """The day the amount a credit note of a negative total adds is due: what it adds is owed on
    the invoice it credits, so that invoice's due date, or the note's own due date when that is
    later (a day already past is not asked for). The PDF, the HTML and the UBL give this day."""
    if note.due_date is None or credited.due_date is None:
        return note.due_date
    return max(note.due_date, credited.due_date)


def _payment(
    b: _Builder,
    root: Any,
    seller: SellerProfile,
    *,
    reference: str,
    terms: str,
    due_date: date | None = None,
    danish: bool = False,
) -> None:
    """PaymentMeans (credit transfer to the seller's account, quoting ``reference``; on a credit
    note the ``due_date`` too; between two Danish parties as code 31, see ``_check_danish``)
    and PaymentTerms, in schema order."""
    means = b.cac(root, "PaymentMeans")
    if danish:  # DK-R-005: no 30 between Danish parties; 31 is the IBAN and BIC transfer
        b.cbc(means, "PaymentMeansCode", "31", name="Debit transfer")
    else:
        b.cbc(means, "PaymentMeansCode", "30", name="Credit transfer")
    if due_date is not None:
        b.cbc(means, "PaymentDueDate", due_date.isoformat())
    b.cbc(means, "PaymentID", reference)
    account = b.cac(means, "PayeeFinancialAccount")
    b.cbc(account, "ID", seller.iban.replace(" ", ""))
    b.cbc(account, "Name", seller.legal_name)
    if seller.bic:
        b.cbc(b.cac(account, "FinancialInstitutionBranch"), "ID", seller.bic)
    b.cbc(b.cac(root, "PaymentTerms"), "Note", terms)


def _rounds_to_zero(value: Decimal) -> bool:
    """Whether XPath's ``round`` (half up, towards positive infinity) makes ``value`` 0, as
    EN 16931's BR-CO-17 rounds a category's rate and tax amount."""
    return (value + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR) == 0


def _check(invoice: Invoice, seller: SellerProfile, buyer: BuyerParty) -> list[TaxCategory]:
    if not invoice.is_issued or invoice.number is None or invoice.issued_on is None:
        raise InvalidTransition(
            "only an issued invoice becomes an e-invoice",
            field="status",
            aggregate_id=invoice.id,
            value=invoice.status,
        )
    if minor_units(invoice.currency) > 2:
        raise InvalidValue(
            "EN 16931 amounts have at most two decimals",
            field="currency",
            aggregate_id=invoice.id,
            value=invoice.currency,
        )
    _check_greek(invoice, seller)
    categories = list(dict.fromkeys(line.tax.category for line in invoice.lines))
    for line in invoice.lines:
        if line.tax.category is TaxCategory.STANDARD and line.tax.rate == 0:
            raise InvalidValue(
                f"line {line.line_id}: a standard rate must be above 0 % (BR-S-05); "
                "use zero-rated (Z) or exempt (E)",
                field="lines.tax",
                aggregate_id=invoice.id,
            )
    for sub in invoice.tax_subtotals:
        if _rounds_to_zero(sub.tax_rate.rate) and not _rounds_to_zero(sub.tax.amount):
            raise InvalidValue(
                f"a rate of {sub.tax_rate.rate} % rounds to 0 % in EN 16931 (BR-CO-17), which "
                f"then wants a tax amount rounding to nothing, and its tax is {sub.tax}; "
                "an e-invoice carries a rate below 0.5 % only on amounts it taxes by less than "
                "half a unit",
                field="lines.tax",
                aggregate_id=invoice.id,
                value=sub.tax_rate,
            )
    if seller.country == "SE" and seller.vat_id.startswith("SE"):
        for line in invoice.lines:
            rate = line.tax
            if rate.category is TaxCategory.STANDARD and rate.rate not in SWEDISH_RATES:
                raise InvalidValue(
                    f"line {line.line_id}: a Swedish seller's standard rate is 25, 12 or 6 %, "
                    f"not {_decimal(rate.rate)} % (SE-R-006)",
                    field="lines.tax",
                    aggregate_id=invoice.id,
                    value=rate,
                )
    if TaxCategory.OUTSIDE_SCOPE in categories and len(categories) > 1:
        raise InvalidValue(
            "an invoice outside the scope of VAT (O) carries no other category (BR-O-11)",
            field="lines.tax",
            aggregate_id=invoice.id,
        )
    if any(c in NEEDS_BUYER_VAT for c in categories) and not buyer.vat_id:
        raise InvalidValue(
            "reverse charge and intra-community supply need the buyer's VAT id",
            field="buyer.vat_id",
            aggregate_id=invoice.id,
        )
    needs_seller_vat = [c for c in categories if c in NEEDS_SELLER_VAT]
    if needs_seller_vat and not seller.vat_id:
        rules = ", ".join(f"{c.code} ({NEEDS_SELLER_VAT[c]})" for c in needs_seller_vat)
        raise InvalidValue(
            f"the seller's VAT id is needed by {rules}; only an invoice not subject to VAT (O) "
            "goes without it",
            field="seller.vat_id",
            aggregate_id=invoice.id,
        )
    if needs_seller_vat and buyer.vat_id and not has_vat_prefix(buyer.vat_id):
        raise InvalidValue(
            "must start with its country prefix, e.g. BE0123456749 (BR-CO-09); the prefix is "
            "not guessed from the customer's country",
            field="buyer.vat_id",
            aggregate_id=invoice.id,
            value=buyer.vat_id,
        )
    scheme_problem = seller.registration_scheme_problem()
    if scheme_problem:
        raise InvalidValue(
            f"{scheme_problem}; give SellerProfile.registration_scheme",
            field="seller.registration_scheme",
            aggregate_id=invoice.id,
            value=seller.registration_scheme,
        )
    _check_icelandic(invoice, seller, buyer)
    _check_domestic(invoice, seller, buyer)
    _check_danish(invoice, seller, buyer)
    return categories


GREEK_RULES = (
    "a Greek seller's e-invoice must follow Greece's PEPPOL rules, which q2c does not: an "
    "invoice number of six segments starting with the seller's TIN (GR-R-001), the MARK "
    "myDATA gives the invoice (GR-R-004) and the seller's TIN as its electronic address "
    "(GR-R-009); q2c writes no Greek seller's e-invoice (its PDF and HTML documents are written)"
)


def _check_greek(invoice: Invoice, seller: SellerProfile) -> None:
    """Refuse a Greek seller: PEPPOL's GR-R-* rules need what q2c neither records nor numbers
    (see ``GREEK_RULES``), so its documents would fail them. The rules take the seller's
    country from its VAT id first (Greece's prefix is EL), then from its address."""
    prefix = seller.vat_id[:2]
    if seller.country != "GR" and prefix not in ("EL", "GR"):
        return
    field, value = (
        ("seller.country", seller.country)
        if seller.country == "GR"
        else ("seller.vat_id", seller.vat_id)
    )
    raise InvalidValue(GREEK_RULES, field=field, aggregate_id=invoice.id, value=value)


def _check_danish(invoice: Invoice, seller: SellerProfile, buyer: BuyerParty) -> None:
    """A Danish seller's invoice to a Danish buyer is paid by bank transfer to its IBAN and BIC
    (payment means 31: DK-R-005 allows no 30, DK-R-006 wants the BIC), and a Danish seller's
    credit note to a Danish buyer never makes the buyer owe more (DK-R-016): refused, naming
    what is missing or wrong, before any XML is written."""
    if seller.country != "DK" or buyer.country != "DK":
        return
    if invoice.kind is InvoiceKind.CREDIT_NOTE:
        if invoice.total.is_negative():
            raise RuleViolated(
                "a Danish seller's credit note to a Danish buyer cannot have a negative total "
                "(DK-R-016); the amount it would add is billed on an invoice instead",
                field="total",
                aggregate_id=invoice.id,
                value=str(invoice.total.amount),
            )
    elif not seller.bic:
        raise InvalidValue(
            "a Danish seller's invoice to a Danish buyer is paid by bank transfer to its IBAN "
            "and BIC (payment means 31, DK-R-005 and DK-R-006); give SellerProfile.bic",
            field="seller.bic",
            aggregate_id=invoice.id,
        )


# What XRechnung's rules in PEPPOL BIS 3 (applied when seller and buyer are both in Germany)
# need beyond EN 16931, by the field that gives it: the seller's contact and the buyer's city
# and post code. SellerProfile checks the seller's city and post code for every seller.
GERMAN_NEEDS: tuple[tuple[str, str, str], ...] = (
    ("seller", "contact_name", "the seller's contact point (BT-41, DE-R-005)"),
    ("seller", "telephone", "the seller's contact telephone (BT-42, DE-R-006)"),
    ("seller", "email", "the seller's contact e-mail (BT-43, DE-R-007)"),
    ("buyer", "city", "the buyer's city (BT-52, DE-R-008)"),
    ("buyer", "postal_code", "the buyer's post code (BT-53, DE-R-009)"),
)
# What the Dutch rules (seller and buyer both in the Netherlands) need: the buyer's whole
# address (NL-R-004; the seller's, NL-R-002, SellerProfile always has). NL-R-005 (the buyer's
# legal id from KVK or OIN) needs nothing: q2c writes no buyer legal id.
DUTCH_NEEDS: tuple[tuple[str, str, str], ...] = (
    ("buyer", "address", "the buyer's street (BT-50, NL-R-004)"),
    ("buyer", "city", "the buyer's city (BT-52, NL-R-004)"),
    ("buyer", "postal_code", "the buyer's post code (BT-53, NL-R-004)"),
)
# What Iceland's rules (seller and buyer both in Iceland) need of the buyer: its street and post
# code (IS-R-005), and its kennitala (IS-R-004, ``_check_icelandic``).
ICELANDIC_NEEDS: tuple[tuple[str, str, str], ...] = (
    ("buyer", "address", "the buyer's street (BT-50, IS-R-005)"),
    ("buyer", "postal_code", "the buyer's post code (BT-53, IS-R-005)"),
)
# The rules above by the country seller and buyer share, with the adjective the refusal uses.
DOMESTIC_NEEDS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "DE": ("German", GERMAN_NEEDS),
    "NL": ("Dutch", DUTCH_NEEDS),
    "IS": ("Icelandic", ICELANDIC_NEEDS),
}
KENNITALA = "0196"  # the ISO 6523 scheme of an Icelandic legal id (kennitala)


def _icelandic_parties(seller: SellerProfile, buyer: BuyerParty) -> bool:
    """Whether Iceland's rules for a document between two Icelandic parties apply (IS-R-004,
    IS-R-005: by the countries of the parties' addresses, as the rules read them)."""
    return seller.country == "IS" and buyer.country == "IS"


def _check_icelandic(invoice: Invoice, seller: SellerProfile, buyer: BuyerParty) -> None:
    """An Icelandic seller's document to an Icelandic buyer carries the buyer's kennitala as its
    legal id (BT-47 under scheme 0196, IS-R-004). q2c records no buyer legal id: a buyer in
    Iceland is addressed on PEPPOL by its kennitala (``0196:<kennitala>``), so that endpoint
    gives it; a buyer addressed otherwise is refused naming ``buyer.endpoint``."""
    if not _icelandic_parties(seller, buyer) or buyer.endpoint.scheme == KENNITALA:
        return
    raise InvalidValue(
        "an Icelandic seller's e-invoice to an Icelandic buyer needs the buyer's kennitala "
        "(BT-47, IS-R-004): give the buyer's PEPPOL address as 0196:<kennitala> "
        "(--buyer-endpoint), which q2c writes as its legal id too",
        field="buyer.endpoint",
        aggregate_id=invoice.id,
        value=f"{buyer.endpoint.scheme}:{buyer.endpoint.identifier}",
    )


def _check_domestic(invoice: Invoice, seller: SellerProfile, buyer: BuyerParty) -> None:
    """A German (Dutch) seller's document to a German (Dutch) buyer carries what XRechnung
    (the Dutch rules) need, or is refused naming the first field missing (nothing that would
    fail the rules is written)."""
    if seller.country != buyer.country or seller.country not in DOMESTIC_NEEDS:
        return
    national, needs = DOMESTIC_NEEDS[seller.country]
    a = "an" if national[0] in "AEIOU" else "a"
    parties = {"seller": seller, "buyer": buyer}
    for party, name, what in needs:
        if not str(getattr(parties[party], name)).strip():
            raise InvalidValue(
                f"{a} {national} seller's e-invoice to {a} {national} buyer needs {what}; "
                + (
                    f"give SellerProfile.{name}"
                    if party == "seller"
                    # an issued document names its buyer as issued, for good
                    else "the document names its buyer as issued, so correcting the "
                    f"customer's details ({name}) changes only documents issued afterwards "
                    "(a credit note of an invoice issued without it among them)"
                ),
                field=f"{party}.{name}",
                aggregate_id=invoice.id,
            )


def ubl_document(
    invoice: Invoice,
    *,
    seller: SellerProfile,
    buyer: BuyerParty,
    credited: Invoice | None = None,
    language: str = "en",
) -> bytes:
    """The invoice or credit note as a UBL 2.1 / PEPPOL BIS 3 document (UTF-8 XML bytes).

    ``credited`` is the invoice a credit note credits (its number and date are referenced; a
    credit note of a negative total asks for its amount quoting that invoice's number).

    ``language`` (en, de or fr) is that of the texts q2c writes: payment terms, how a credit
    note is settled, why a category charges no VAT, and the texts the billing run and q2c's
    commands wrote on the lines and the note, as the PDF and HTML print them (``line_text``).
    A person's text stays as typed. An unknown language is refused (``InvalidValue`` naming
    ``language``) before any XML is written.
    """
    from q2c_adapters.documents.i18n import labels

    labels(language)
    categories = _check(invoice, seller, buyer)
    credit = invoice.kind is InvoiceKind.CREDIT_NOTE
    if credit and (credited is None or credited.id != invoice.credits_invoice_id):
        raise InvalidValue(
            "a credit note needs the invoice it credits",
            field="credited",
            aggregate_id=invoice.id,
        )
    assert invoice.number is not None and invoice.issued_on is not None
    outside = categories == [TaxCategory.OUTSIDE_SCOPE]
    b = _Builder(invoice.currency, language)
    ns = NS_CREDIT_NOTE if credit else NS_INVOICE
    nsmap: Any = {None: ns, "cac": CAC, "cbc": CBC}
    root = etree.Element(f"{{{ns}}}{'CreditNote' if credit else 'Invoice'}", nsmap=nsmap)
    b.cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    b.cbc(root, "ProfileID", PROFILE_ID)
    b.cbc(root, "ID", invoice.number)
    b.cbc(root, "IssueDate", invoice.issued_on.isoformat())
    if credit:
        b.cbc(root, "CreditNoteTypeCode", CREDIT_NOTE_TYPE_CODE)
    else:
        if invoice.due_date is not None:
            b.cbc(root, "DueDate", invoice.due_date.isoformat())
        b.cbc(root, "InvoiceTypeCode", INVOICE_TYPE_CODES[invoice.kind])
    if invoice.note.strip():
        b.cbc(root, "Note", b.text(invoice.note))
    b.cbc(root, "DocumentCurrencyCode", invoice.currency)
    b.cbc(
        root, "BuyerReference", invoice.purchase_order_number or buyer.reference or invoice.number
    )
    if invoice.purchase_order_number:
        b.cbc(b.cac(root, "OrderReference"), "ID", invoice.purchase_order_number)
    if credit:
        assert credited is not None and credited.number is not None
        ref = b.cac(b.cac(root, "BillingReference"), "InvoiceDocumentReference")
        b.cbc(ref, "ID", credited.number)
        if credited.issued_on is not None:
            b.cbc(ref, "IssueDate", credited.issued_on.isoformat())
    _party(
        b,
        b.cac(root, "AccountingSupplierParty"),
        endpoint=seller.electronic_address,
        name=seller.name,
        street=seller.street,
        city=seller.city,
        postal_code=seller.postal_code,
        country=seller.country,
        vat_id="" if outside else seller.vat_id,
        legal_name=seller.legal_name,
        registration_id=seller.registration_id,
        registration_scheme=seller.registration_scheme,
        email=seller.email,
        contact_name=seller.contact_name,
        telephone=seller.telephone,
    )
    _party(
        b,
        b.cac(root, "AccountingCustomerParty"),
        endpoint=buyer.endpoint,
        name=buyer.name,
        street=buyer.address,
        city=buyer.city,
        postal_code=buyer.postal_code,
        country=buyer.country,
        vat_id="" if outside else buyer.vat_id,
        legal_name=buyer.name,
        # (between two Icelandic parties, the buyer's kennitala: IS-R-004, _check_icelandic)
        registration_id=buyer.endpoint.identifier if _icelandic_parties(seller, buyer) else "",
        registration_scheme=KENNITALA,
    )
    if TaxCategory.INTRA_COMMUNITY in categories:
        # BT-72 (BR-IC-11): the supply's day, the issue day of the invoice that billed it; a
        # credit note credits that supply, made then, not on the note's own day
        delivered = invoice.issued_on
        if credit and credited is not None and credited.issued_on is not None:
            delivered = credited.issued_on
        delivery = b.cac(root, "Delivery")
        b.cbc(delivery, "ActualDeliveryDate", delivered.isoformat())
        address = b.cac(b.cac(delivery, "DeliveryLocation"), "Address")
        b.cbc(b.cac(address, "Country"), "IdentificationCode", buyer.country)
    if not credit:
        _payment(
            b,
            root,
            seller,
            reference=invoice.number,
            danish=seller.country == "DK" and buyer.country == "DK",
            terms=b.say(
                "terms",
                days=invoice.payment_terms_days,
                due=invoice.due_date or invoice.issued_on,
            ),
        )
    elif invoice.total.is_negative():
        # the buyer owes what this note adds, on the invoice it credits: ask for it there
        assert credited is not None and credited.number is not None
        owed = -invoice.total
        due = owed_credit_due_date(invoice, credited) or invoice.issued_on
        _payment(
            b,
            root,
            seller,
            reference=credited.number,
            terms=b.say("adds", amount=owed, number=credited.number, due=due),
            due_date=due,
        )
    elif seller.country == "DE":
        # XRechnung (DE-R-001) wants payment instructions on every document, a credit note
        # too: this one reduces what is owed on the invoice it credits, so it is settled
        # against that invoice (UNCL 4461 code 97), quoting its number; nothing is transferred
        assert credited is not None and credited.number is not None
        means = b.cac(root, "PaymentMeans")
        b.cbc(means, "PaymentMeansCode", "97", name="Clearing between partners")
        b.cbc(means, "PaymentID", credited.number)
        b.cbc(b.cac(root, "PaymentTerms"), "Note", _settled_credit(b, invoice, credited))
    tax_total = b.cac(root, "TaxTotal")
    b.amount(tax_total, "TaxAmount", invoice.tax)
    for sub in invoice.tax_subtotals:
        el = b.cac(tax_total, "TaxSubtotal")
        b.amount(el, "TaxableAmount", sub.taxable)
        b.amount(el, "TaxAmount", sub.tax)
        b.tax_category(el, "TaxCategory", sub.tax_rate, breakdown=True)
    totals = b.cac(root, "LegalMonetaryTotal")
    b.amount(totals, "LineExtensionAmount", invoice.net)
    b.amount(totals, "TaxExclusiveAmount", invoice.net)
    b.amount(totals, "TaxInclusiveAmount", invoice.total)
    b.amount(totals, "PayableAmount", invoice.total)
    for line in invoice.lines:
        _line(b, root, line, credit)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _unit_code(line: InvoiceLine) -> str:
    source = line.source
    if source is not None and source.time_entry_ids and source.hours == abs(line.quantity):
        return "HUR"
    return "C62"


def item_name(text: str) -> str:
    """The item name (BT-153) of a line's text: the text itself when it is at most
    ``NAME_LENGTH`` characters, else its start cut at a word boundary, ending in "…".

    A longer text goes whole into the item description (BT-154) beside this name.
    """
    if len(text) <= NAME_LENGTH:
        return text
    head = text[: NAME_LENGTH - 1]
    if not text[NAME_LENGTH - 1].isspace():
        words = head.rsplit(None, 1)
        if len(words) == 2 and len(words[0]) >= NAME_LENGTH // 2:
            head = words[0]  # drop the word the limit cuts into
    return head.rstrip(" \t\r\n,;:/-–([{") + "…"


def _line(b: _Builder, root: Any, line: InvoiceLine, credit: bool) -> None:
    el = b.cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    b.cbc(el, "ID", line.line_id)
    reason = b.text((line.price_reason or "").strip())
    if reason:  # BT-127: why the line is priced as it is ("no charge: ...", a piece's, a cap's)
        b.cbc(el, "Note", reason)
    quantity, price = line.quantity, line.unit_price
    if price.is_negative():  # BR-27: the item price is never negative; the sign goes on quantity
        quantity, price = -quantity, -price
    b.cbc(
        el,
        "CreditedQuantity" if credit else "InvoicedQuantity",
        _decimal(quantity),
        unitCode=_unit_code(line),
    )
    b.amount(el, "LineExtensionAmount", line.net)
    period = line.source.period if line.source is not None else None
    if period is not None and period.days > 0:
        span = b.cac(el, "InvoicePeriod")
        b.cbc(span, "StartDate", period.start.isoformat())
        b.cbc(span, "EndDate", (period.end - timedelta(days=1)).isoformat())
    item = b.cac(el, "Item")  # UBL order: Description, Name, SellersItemIdentification, ...
    from q2c_adapters.documents.model import line_text

    description = line_text(line, b.language)
    name = item_name(description)
    if name != description:
        b.cbc(item, "Description", description)  # BT-154: the whole text, nothing lost
    b.cbc(item, "Name", name)
    sub_contract_id = line.source.sub_contract_id if line.source is not None else None
    if sub_contract_id:
        b.cbc(b.cac(item, "SellersItemIdentification"), "ID", sub_contract_id)  # BT-155
    b.tax_category(item, "ClassifiedTaxCategory", line.tax, breakdown=False)
    price_el = b.cac(el, "Price")
    if abs(quantity * price.amount - line.net.amount) <= R120_TOLERANCE:
        b.cbc(price_el, "PriceAmount", _decimal(price.amount), currencyID=b.currency)
    else:
        # Rounding the line to a currency without cents (JPY) can move it further from
        # quantity x price than PEPPOL-EN16931-R120 tolerates. State the rounded net as the price
        # of the whole quantity (BT-149 base quantity), so the document carries q2c's exact amount.
        b.cbc(price_el, "PriceAmount", _decimal(abs(line.net.amount)), currencyID=b.currency)
        b.cbc(price_el, "BaseQuantity", _decimal(abs(quantity)), unitCode=_unit_code(line))


class UblRenderer:
    """A ``DocumentRenderer`` for UBL: reads the invoice (and what it credits) from the app,
    and writes q2c's own texts in ``language`` (en, de or fr; ``ubl_document``)."""

    media_type = MEDIA_TYPE

    def __init__(
        self,
        app: BaseApp,
        seller: SellerProfile,
        *,
        buyer_endpoints: dict[UUID, Endpoint] | None = None,
        language: str = "en",
    ) -> None:
        from q2c_adapters.documents.i18n import labels

        labels(language)  # (an unknown language refused before any document)
        self.language = language
        self.app = app
        self.seller = seller
        self.buyer_endpoints = dict(buyer_endpoints or {})

    def render(self, invoice_id: UUID) -> bytes:
        """The UBL document of an issued invoice or credit note."""
        invoice = self.app._get(Invoice, invoice_id)
        customer = self.app._get(Customer, invoice.customer_id)
        buyer = BuyerParty.from_customer(
            customer,
            endpoint=self.buyer_endpoints.get(invoice.customer_id),
            details=buyer_details(invoice, customer),
        )
        credited = (
            self.app._get(Invoice, invoice.credits_invoice_id)
            if invoice.credits_invoice_id is not None
            else None
        )
        return ubl_document(
            invoice, seller=self.seller, buyer=buyer, credited=credited, language=self.language
        )
