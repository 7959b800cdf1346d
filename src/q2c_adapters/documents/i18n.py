"""Labels, numbers and dates in the document's language (English, German, French)."""

from __future__ import annotations

import functools
import re
from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError

from q2c_adapters.accounting.ubl import EXEMPTION_REASONS
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.money import Money, minor_units
from q2c_core.domain.tax import TaxCategory

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice",
        "deposit": "Deposit invoice",
        "credit_note": "Credit note",
        "draft": "DRAFT - not a valid invoice",
        "voided": "VOIDED - not a valid invoice",
        "void_reason": "Reason",
        "voided_nothing_due": "This invoice was voided: nothing is to be paid.",
        "number": "Number",
        "issued_on": "Date",
        "due_date": "Due date",
        "po": "Your order",
        "customer_tax_id": "Your VAT ID",
        "our_tax_id": "VAT ID",
        "bill_to": "Bill to",
        "credits": "Credits invoice",
        "credits_of": "{number} of {date}",
        "line": "#",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "tax_rate": "Tax",
        "amount": "Amount",
        "net": "Net total",
        "tax_category": "Tax category",
        "taxable": "Taxable amount",
        "tax": "Tax",
        "total": "Total",
        "paid": "Paid",
        "credited": "Credited",
        "written_off": "Written off",
        "amount_due": "Amount due",
        "tax_summary": "Tax per category",
        "payment": "Payment",
        "pay_by_transfer": (
            "Please transfer {amount} by {due_date} to {iban}{bic_part}, quoting {reference}."
        ),
        "pay_without_account": "Please pay {amount} by {due_date}, quoting {reference}.",
        "pay_credit_note": "This credit of {amount} reduces what you owe; {reference}.",
        "credit_note_held": (
            "This credit of {amount} is held as credit on your account, as you had already "
            "paid what it credits: it will be set against what you owe or refunded to you; "
            "{reference}."
        ),
        "credit_note_part_held": (
            "This credit of {amount} reduces what you owe by {reduces}; the {held} you had "
            "already paid of it is held as credit on your account: it will be set against what "
            "you owe or refunded to you; {reference}."
        ),
        "owe_credit_note": "This credit note adds {amount} to what you owe on {invoice}.",
        "nothing_due": "Nothing is due: thank you for your payment.",
        "nothing_due_credited": "Nothing is due: this invoice was settled by credit note.",
        "nothing_due_paid_and_credited": (
            "Nothing is due: this invoice was settled by your payment and by credit note; "
            "thank you for your payment."
        ),
        "nothing_due_settled": "Nothing is due on this invoice.",
        "details": "Details",
        "time_entries": "Time entries",
        "date": "Date",
        "worker": "Worker",
        "hours": "Hours",
        "note": "Note",
        "request": "Request",
        "contract_periods": "Contract periods",
        "contract": "Contract",
        "item": "Item",
        "period": "Period",
        "share": "Share",
        "service_period": "Service period",
        "page": "Page {page} of {pages}",
    },
    "de": {
        "invoice": "Rechnung",
        "deposit": "Anzahlungsrechnung",
        "credit_note": "Gutschrift",
        "draft": "ENTWURF - keine gültige Rechnung",
        "voided": "STORNIERT - keine gültige Rechnung",
        "void_reason": "Grund",
        "voided_nothing_due": "Diese Rechnung wurde storniert: es ist nichts zu zahlen.",
        "number": "Nummer",
        "issued_on": "Datum",
        "due_date": "Fällig am",
        "po": "Ihre Bestellung",
        "customer_tax_id": "Ihre USt-IdNr.",
        "our_tax_id": "USt-IdNr.",
        "bill_to": "Rechnungsempfänger",
        "credits": "Gutschrift zu Rechnung",
        "credits_of": "{number} vom {date}",
        "line": "Pos.",
        "description": "Beschreibung",
        "quantity": "Menge",
        "unit_price": "Einzelpreis",
        "tax_rate": "USt.",
        "amount": "Betrag",
        "net": "Nettosumme",
        "tax_category": "Steuerkategorie",
        "taxable": "Bemessungsgrundlage",
        "tax": "USt.",
        "total": "Gesamtbetrag",
        "paid": "Bezahlt",
        "credited": "Gutgeschrieben",
        "written_off": "Ausgebucht",
        "amount_due": "Offener Betrag",
        "tax_summary": "Steuer je Kategorie",
        "payment": "Zahlung",
        "pay_by_transfer": (
            "Bitte überweisen Sie {amount} bis {due_date} auf {iban}{bic_part} "
            "mit dem Verwendungszweck {reference}."
        ),
        "pay_without_account": (
            "Bitte zahlen Sie {amount} bis {due_date} unter Angabe von {reference}."
        ),
        "pay_credit_note": "Diese Gutschrift über {amount} mindert Ihre Schuld; {reference}.",
        "credit_note_held": (
            "Diese Gutschrift über {amount} wird Ihrem Kundenkonto als Guthaben "
            "gutgeschrieben, da Sie den gutgeschriebenen Betrag bereits bezahlt hatten: es wird "
            "mit Ihren offenen Beträgen verrechnet oder Ihnen erstattet; {reference}."
        ),
        "credit_note_part_held": (
            "Diese Gutschrift über {amount} mindert Ihre Schuld um {reduces}; die bereits "
            "bezahlten {held} werden Ihrem Kundenkonto als Guthaben gutgeschrieben: sie werden "
            "mit Ihren offenen Beträgen verrechnet oder Ihnen erstattet; {reference}."
        ),
        "owe_credit_note": "Diese Gutschrift erhöht Ihre Schuld aus {invoice} um {amount}.",
        "nothing_due": "Es ist nichts offen: vielen Dank für Ihre Zahlung.",
        "nothing_due_credited": (
            "Es ist nichts offen: diese Rechnung wurde durch Gutschrift ausgeglichen."
        ),
        "nothing_due_paid_and_credited": (
            "Es ist nichts offen: diese Rechnung wurde durch Ihre Zahlung und durch Gutschrift "
            "ausgeglichen; vielen Dank für Ihre Zahlung."
        ),
        "nothing_due_settled": "Für diese Rechnung ist nichts offen.",
        "details": "Einzelnachweis",
        "time_entries": "Zeiteinträge",
        "date": "Datum",
        "worker": "Mitarbeiter",
        "hours": "Stunden",
        "note": "Notiz",
        "request": "Auftrag",
        "contract_periods": "Vertragszeiträume",
        "contract": "Vertrag",
        "item": "Position",
        "period": "Zeitraum",
        "share": "Anteil",
        "service_period": "Leistungszeitraum",
        "page": "Seite {page} von {pages}",
    },
    "fr": {
        "invoice": "Facture",
        "deposit": "Facture d'acompte",
        "credit_note": "Avoir",
        "draft": "BROUILLON - facture non valable",
        "voided": "ANNULÉE - facture non valable",
        "void_reason": "Motif",
        "voided_nothing_due": "Cette facture a été annulée : rien n'est à payer.",
        "number": "Numéro",
        "issued_on": "Date",
        "due_date": "Échéance",
        "po": "Votre commande",
        "customer_tax_id": "Votre n° TVA",
        "our_tax_id": "N° TVA",
        "bill_to": "Facturé à",
        "credits": "Avoir sur la facture",
        "credits_of": "{number} du {date}",
        "line": "N°",
        "description": "Désignation",
        "quantity": "Qté",
        "unit_price": "Prix unitaire",
        "tax_rate": "TVA",
        "amount": "Montant",
        "net": "Total HT",
        "tax_category": "Catégorie de TVA",
        "taxable": "Base imposable",
        "tax": "TVA",
        "total": "Total TTC",
        "paid": "Payé",
        "credited": "Crédité",
        "written_off": "Passé en perte",
        "amount_due": "Reste à payer",
        "tax_summary": "TVA par catégorie",
        "payment": "Paiement",
        "pay_by_transfer": (
            "Merci de virer {amount} avant le {due_date} sur {iban}{bic_part}, "
            "en indiquant {reference}."
        ),
        "pay_without_account": (
            "Merci de régler {amount} avant le {due_date}, en indiquant {reference}."
        ),
        "pay_credit_note": "Cet avoir de {amount} réduit votre dû ; {reference}.",
        "credit_note_held": (
            "Cet avoir de {amount} est porté au crédit de votre compte, car vous aviez déjà "
            "payé ce qu'il crédite : il sera imputé sur ce que vous devez ou vous sera "
            "remboursé ; {reference}."
        ),
        "credit_note_part_held": (
            "Cet avoir de {amount} réduit votre dû de {reduces} ; les {held} déjà payés sont "
            "portés au crédit de votre compte : ils seront imputés sur ce que vous devez ou "
            "vous seront remboursés ; {reference}."
        ),
        "owe_credit_note": "Cet avoir ajoute {amount} à votre dû sur la facture {invoice}.",
        "nothing_due": "Rien n'est dû : merci pour votre paiement.",
        "nothing_due_credited": "Rien n'est dû : cette facture a été soldée par avoir.",
        "nothing_due_paid_and_credited": (
            "Rien n'est dû : cette facture a été soldée par votre paiement et par avoir ; "
            "merci pour votre paiement."
        ),
        "nothing_due_settled": "Rien n'est dû sur cette facture.",
        "details": "Détail",
        "time_entries": "Temps passé",
        "date": "Date",
        "worker": "Intervenant",
        "hours": "Heures",
        "note": "Note",
        "request": "Demande",
        "contract_periods": "Périodes du contrat",
        "contract": "Contrat",
        "item": "Élément",
        "period": "Période",
        "share": "Part",
        "service_period": "Période de prestation",
        "page": "Page {page} sur {pages}",
    },
}

# Why no VAT is charged (VAT Directive art. 226(11)/(11a)), in the documents' other languages.
# The categories with a reason and their English words are the UBL's (``ubl.EXEMPTION_REASONS``,
# its TaxExemptionReason); each language translates every one of them.
_EXEMPTION_REASONS: dict[str, dict[TaxCategory, str]] = {
    "de": {
        TaxCategory.EXEMPT: "Steuerfreie Leistung",
        TaxCategory.REVERSE_CHARGE: "Steuerschuldnerschaft des Leistungsempfängers",
        TaxCategory.INTRA_COMMUNITY: "Steuerfreie innergemeinschaftliche Lieferung",
        TaxCategory.EXPORT: "Steuerfreie Ausfuhr in ein Land außerhalb der EU",
        TaxCategory.OUTSIDE_SCOPE: "Nicht steuerbarer Umsatz",
    },
    "fr": {
        TaxCategory.EXEMPT: "Exonération de TVA",
        TaxCategory.REVERSE_CHARGE: "Autoliquidation : TVA due par le preneur",
        TaxCategory.INTRA_COMMUNITY: "Livraison intracommunautaire exonérée de TVA",
        TaxCategory.EXPORT: "Exportation hors de l'UE exonérée de TVA",
        TaxCategory.OUTSIDE_SCOPE: "Hors du champ d'application de la TVA",
    },
}

# The sentences the UBL writes itself (payment terms, how a credit note is settled), in the
# e-invoice's language: an e-invoice is the invoice in law, so a German one speaks German as
# its PDF does. English stays as the UBL has always written it (``ubl_terms``).
UBL_TERMS: dict[str, dict[str, str]] = {
    "en": {
        "terms": "Payment within {days} days, by {due}",
        "adds": (
            "This credit note adds {amount} to what is owed on {number}: payment by {due}, "
            "quoting {number}"
        ),
        "reduces": "This credit of {amount} reduces what is owed on {number}",
        "held": (
            "This credit of {amount} is held as credit on the buyer's account, as {number} was "
            "already paid: it is set against what is owed or refunded"
        ),
        "part_held": (
            "This credit of {amount} reduces what is owed on {number} by {reduced}; the {given} "
            "already paid of it is held as credit on the buyer's account, set against what is "
            "owed or refunded"
        ),
    },
    "de": {
        "terms": "Zahlbar innerhalb von {days} Tagen, bis {due}",
        "adds": (
            "Diese Gutschrift erhöht den offenen Betrag der Rechnung {number} um {amount}: "
            "zahlbar bis {due} unter Angabe von {number}"
        ),
        "reduces": (
            "Diese Gutschrift über {amount} mindert den offenen Betrag der Rechnung {number}"
        ),
        "held": (
            "Diese Gutschrift über {amount} wird dem Kundenkonto des Käufers gutgeschrieben, da "
            "die Rechnung {number} bereits bezahlt ist: sie wird mit offenen Beträgen verrechnet "
            "oder erstattet"
        ),
        "part_held": (
            "Diese Gutschrift über {amount} mindert den offenen Betrag der Rechnung {number} um "
            "{reduced}; die davon bereits bezahlten {given} werden dem Kundenkonto des Käufers "
            "gutgeschrieben und mit offenen Beträgen verrechnet oder erstattet"
        ),
    },
    "fr": {
        "terms": "Paiement sous {days} jours, au plus tard le {due}",
        "adds": (
            "Cet avoir ajoute {amount} au montant dû sur la facture {number} : paiement au plus "
            "tard le {due}, en indiquant {number}"
        ),
        "reduces": "Cet avoir de {amount} réduit le montant dû sur la facture {number}",
        "held": (
            "Cet avoir de {amount} est porté au crédit du compte de l'acheteur, la facture "
            "{number} ayant déjà été payée : il sera imputé sur les montants dus ou remboursé"
        ),
        "part_held": (
            "Cet avoir de {amount} réduit le montant dû sur la facture {number} de {reduced} ; "
            "les {given} déjà payés sont portés au crédit du compte de l'acheteur et seront "
            "imputés sur les montants dus ou remboursés"
        ),
    },
}

# (thousands separator, decimal separator)
_SEPARATORS = {"en": (",", "."), "de": (".", ","), "fr": ("\u202f", ",")}


def labels(language: str) -> dict[str, str]:
    """The labels of a language; an unknown language is refused."""
    try:
        return LABELS[language]
    except KeyError:
        known = ", ".join(sorted(LABELS))
        raise InvalidValue(f"must be one of {known}", field="language", value=language) from None


def ubl_terms(key: str, language: str, places: int, **values: object) -> str:
    """One of the UBL's own sentences (``UBL_TERMS``) in ``language``, its ``Money`` and
    ``date`` values written as the language writes them; in English as the UBL always wrote
    them (amounts without separators, ISO dates). An unknown language is refused (``labels``)."""
    labels(language)

    def written(value: object) -> str:
        if isinstance(value, Money):
            if language == "en":
                return f"{value.amount:.{places}f} {value.currency}"
            return f"{format_decimal(value.amount, language, places)} {value.currency}"
        if isinstance(value, date):
            return format_date(value, language)
        return str(value)

    return UBL_TERMS[language][key].format(**{k: written(v) for k, v in values.items()})


def exemption_reason(category: TaxCategory, language: str) -> str:
    """Why a category charges no VAT, in the document's language: the UBL's reason
    (``ubl.EXEMPTION_REASONS``) in English, its translation otherwise (``AE``: "Reverse charge:
    VAT to be accounted for by the buyer", "Steuerschuldnerschaft des Leistungsempfängers",
    "Autoliquidation : TVA due par le preneur"); ``""`` for a category with none (S, Z)."""
    english = EXEMPTION_REASONS.get(category, "")
    return _EXEMPTION_REASONS.get(language, {}).get(category, english) if english else ""


def format_decimal(value: Decimal, language: str, places: int | None = None) -> str:
    """A number with the language's separators (``1,234.50`` / ``1.234,50``)."""
    thousands, decimal = _SEPARATORS.get(language, _SEPARATORS["en"])
    text = f"{value.normalize():,f}" if places is None else f"{value:,.{places}f}"
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)


def format_money(money: Money, language: str) -> str:
    """An amount rounded to its currency, with separators, then the ISO code (``1,190.00 EUR``)."""
    places = minor_units(money.currency)
    return f"{format_decimal(money.rounded().amount, language, places)} {money.currency}"


def format_price(price: Money, language: str) -> str:
    """A unit price with all its decimals, at least its currency's (``0.0125 EUR``, ``100.00
    EUR``, ``0.5 JPY``): rounding it to cents would print 12,000 x 0.01 EUR beside 150.00 EUR."""
    exponent = price.amount.normalize().as_tuple().exponent
    places = max(minor_units(price.currency), -exponent if isinstance(exponent, int) else 0)
    amount = price.amount if price.amount else abs(price.amount)  # never -0.00
    return f"{format_decimal(amount, language, places)} {price.currency}"


def format_date(day: date | None, language: str) -> str:
    """A date as the language writes it (ISO in English, day first in German and French)."""
    if day is None:
        return ""
    if language == "de":
        return day.strftime("%d.%m.%Y")
    if language == "fr":
        return day.strftime("%d/%m/%Y")
    return day.isoformat()


def format_percent(rate: Decimal, language: str) -> str:
    """A tax rate as ``19 %`` / ``7.5 %``."""
    return f"{format_decimal(rate, language)} %"


# how a billing run writes a contract line (billing_run's ``_period_lines`` / ``_line``):
# "MC-1 / Support [S1]: 2024-01-15..2024-01-31, 17/31 days of period 2024-01-01..2024-01-31
# at 1,200.00 EUR a year"
_DAY = r"\d{4}-\d{2}-\d{2}"
_CONTRACT_LINE = re.compile(
    rf"(?P<head>.+) \[(?P<sub>[^\[\]]+)\]: (?P<slice>{_DAY}\.\.{_DAY}), "
    rf"(?P<days>\d+)/(?P<of>\d+) days of period (?P<period>{_DAY}\.\.{_DAY}) "
    r"at (?P<price>[\d,]+(?:\.\d+)?) (?P<currency>[A-Z]{3}) a year",
    re.DOTALL,
)
_CONTRACT_LINE_TEXT = {
    "de": "{head} [{sub}]: {slice}, {days}/{of} Tage des Abrechnungszeitraums {period} "
    "zu {price} pro Jahr",
    "fr": "{head} [{sub}] : {slice}, {days}/{of} jours de la période {period} à {price} par an",
}


def _period_text(text: str, language: str) -> str:
    first, last = (date.fromisoformat(day) for day in text.split(".."))
    return f"{format_date(first, language)} \u2013 {format_date(last, language)}"


def contract_line_parts(text: str) -> tuple[str, str] | None:
    """What a billing-run contract line's text names before its dates: its head (``MC-1 /
    Support``, the contract's number and the sub-contract's text as the line was drafted) and
    the sub-contract's id (``S1``); None for text of any other form."""
    found = _CONTRACT_LINE.fullmatch(text)
    return None if found is None else (found["head"], found["sub"])


def contract_line_text(text: str, language: str) -> str:
    """A billing-run contract line's text in the document's language: its dates, days and
    annual price as the language writes them (the run records it in English). Text of any
    other form is returned as it is."""
    template = _CONTRACT_LINE_TEXT.get(language)
    found = _CONTRACT_LINE.fullmatch(text) if template is not None else None
    if template is None or found is None:
        return text
    price = Money(Decimal(found["price"].replace(",", "")), found["currency"])
    return template.format(
        head=found["head"],
        sub=found["sub"],
        slice=_period_text(found["slice"], language),
        days=found["days"],
        of=found["of"],
        period=_period_text(found["period"], language),
        price=format_money(price, language),
    )


# the other texts q2c writes in English on an invoice (a billing run's note, a deposit
# deduction's line, a credit note's line, a run's line of no charge), each as a pattern and its
# text in a language; what a pattern names ``rest`` (the line it came from) is a person's text,
# printed as it is (a credited contract line in the language too, ``contract_line_text``)
_NUMBER = r"(?P<number>.+?)"
_ENTRY = r"(?P<entry>.+?)"
_TITLE = r"(?P<title>.+)"
_AMOUNT = r"-?\d[\d,]*(?:\.\d+)? [A-Z]{3}"
_HOURS = r"\d+(?:\.\d+)?"
_GENERATED: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (
        re.compile(rf"Maintenance contract {_NUMBER}, period (?P<period>{_DAY}\.\.{_DAY})"),
        {
            "de": "Wartungsvertrag {number}, Abrechnungszeitraum {period}",
            "fr": "Contrat de maintenance {number}, période {period}",
        },
    ),
    (
        re.compile(rf"Maintenance contract {_NUMBER}, days its renewed term adds"),
        {
            "de": "Wartungsvertrag {number}, Tage seiner verlängerten Laufzeit",
            "fr": "Contrat de maintenance {number}, jours ajoutés par son renouvellement",
        },
    ),
    (
        re.compile(rf"Correction of maintenance contract {_NUMBER}"),
        {
            "de": "Korrektur zu Wartungsvertrag {number}",
            "fr": "Correction du contrat de maintenance {number}",
        },
    ),
    (
        re.compile(rf"Less deposit invoice {_NUMBER}: (?P<rest>.*)", re.DOTALL),
        {
            "de": "Abzüglich Anzahlungsrechnung {number}: {rest}",
            "fr": "Moins la facture d'acompte {number} : {rest}",
        },
    ),
    (
        re.compile(rf"deposit {_NUMBER} deducted"),
        {"de": "Anzahlung {number} abgezogen", "fr": "Acompte {number} déduit"},
    ),
    (
        re.compile(rf"Credit for {_NUMBER} line (?P<line>\S+): (?P<rest>.*)", re.DOTALL),
        {
            "de": "Gutschrift zu {number} Position {line}: {rest}",
            "fr": "Avoir sur {number} ligne {line} : {rest}",
        },
    ),
    (
        re.compile("no charge for these days"),
        {"de": "keine Berechnung für diese Tage", "fr": "non facturé pour ces jours"},
    ),
    # a request invoice's hours at no charge (``draft_request_invoice``): why, q2c's words or a
    # note a person typed (``rest``, printed as typed)
    (
        re.compile(rf"no charge: time entry {_ENTRY} at a zero rate"),
        {
            "de": "keine Berechnung: Zeiteintrag {entry} zum Stundensatz null",
            "fr": "non facturé : temps passé {entry} à un taux horaire nul",
        },
    ),
    (
        re.compile(
            rf"no charge: time entry {_ENTRY} at (?P<rate>{_AMOUNT}) an hour rounds to nothing"
        ),
        {
            "de": "keine Berechnung: Zeiteintrag {entry} zu {rate} pro Stunde ergibt gerundet null",
            "fr": "non facturé : temps passé {entry} à {rate} de l'heure, arrondi à zéro",
        },
    ),
    (
        re.compile(r"no charge: (?P<note>.*)", re.DOTALL),
        {"de": "keine Berechnung: {note}", "fr": "non facturé : {note}"},
    ),
    # a piece of an hour's overage beyond a prepaid allowance
    (
        re.compile(
            rf"(?P<quantity>{_HOURS}) of (?P<hours>{_HOURS}) hours beyond the allowance at "
            rf"(?P<rate>{_AMOUNT}) an hour, billed (?P<net>{_AMOUNT}) so that the pieces add up "
            rf"to (?P<sum>{_AMOUNT})"
        ),
        {
            "de": "{quantity} von {hours} Stunden über das Kontingent hinaus zu {rate} pro "
            "Stunde, berechnet mit {net}, damit die Teile zusammen {sum} ergeben",
            "fr": "{quantity} sur {hours} heures au-delà du forfait à {rate} de l'heure, "
            "facturées {net} pour que les parts totalisent {sum}",
        },
    ),
    # a cancelled fixed-price request's hours, capped at its price
    (
        re.compile(
            rf"cancelled at a fixed price of (?P<price>{_AMOUNT}): its hours, worth "
            rf"(?P<worth>{_AMOUNT}), are billed up to the price(?P<tail>.*)",
            re.DOTALL,
        ),
        {
            "de": "storniert zum Festpreis von {price}: seine Stunden im Wert von {worth} "
            "werden bis zum Festpreis berechnet{tail}",
            "fr": "annulée au prix forfaitaire de {price} : ses heures, d'une valeur de "
            "{worth}, sont facturées jusqu'à ce prix{tail}",
        },
    ),
)

# a request invoice's lines (``draft_request_invoice``: the request's title, a person's, is
# printed as typed), read only for such a line (``generated_text``'s ``request_line``)
_REQUEST_LINES: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (
        re.compile(rf"{_TITLE}: capped at the agreed fixed price", re.DOTALL),
        {
            "de": "{title}: begrenzt auf den vereinbarten Festpreis",
            "fr": "{title} : plafonné au prix forfaitaire convenu",
        },
    ),
    (
        re.compile(rf"{_TITLE} \(fixed price\)", re.DOTALL),
        {"de": "{title} (Festpreis)", "fr": "{title} (prix forfaitaire)"},
    ),
    (
        re.compile(
            rf"{_TITLE}: (?P<worker>.+) (?P<day>{_DAY}) beyond prepaid allowance", re.DOTALL
        ),
        {
            "de": "{title}: {worker} {day} über das Vorauszahlungskontingent hinaus",
            "fr": "{title} : {worker} {day} au-delà du forfait prépayé",
        },
    ),
    (
        re.compile(rf"{_TITLE}: (?P<worker>.+) (?P<day>{_DAY})", re.DOTALL),
        {"de": "{title}: {worker} {day}", "fr": "{title} : {worker} {day}"},
    ),
)

# the tails of a cancelled fixed-price request's reason (after "are billed up to the price")
_FIXED_PRICE_TAILS: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (
        re.compile(rf", less (?P<amount>{_AMOUNT}) billed already"),
        {"de": ", abzüglich bereits berechneter {amount}", "fr": ", moins {amount} déjà facturés"},
    ),
    (
        re.compile(rf", plus the (?P<amount>{_AMOUNT}) its invoices took off so far"),
        {
            "de": ", zuzüglich der {amount}, die seine Rechnungen bisher abgezogen haben",
            "fr": ", plus les {amount} que ses factures ont déduits jusqu'ici",
        },
    ),
    (re.compile(""), {"de": "", "fr": ""}),
)
# the parts of a generated text that are amounts ("1,234.50 EUR", "0.004 EUR") or hours
_AMOUNT_PARTS = frozenset({"rate", "net", "sum", "price", "worth", "amount"})
_HOURS_PARTS = frozenset({"quantity", "hours"})


def _amount_text(text: str, language: str) -> str:
    """An amount q2c wrote in English (``1,234.5 EUR``) as the language writes it, with all its
    decimals and at least its currency's (``format_price``)."""
    number, currency = text.rsplit(" ", 1)
    return format_price(Money(Decimal(number.replace(",", "")), currency), language)


def _tail_text(tail: str, language: str) -> str | None:
    """The tail of a cancelled fixed-price request's reason in the language, None for another."""
    for pattern, templates in _FIXED_PRICE_TAILS:
        found = pattern.fullmatch(tail)
        if found is not None:
            parts = {k: _amount_text(v, language) for k, v in found.groupdict().items()}
            return templates[language].format(**parts)
    return None


def generated_text(text: str, language: str, request_line: bool = False) -> str:
    """A text q2c wrote in English on an invoice, in the document's language: a billing run's
    note ("Maintenance contract MC-1, period 2024-01-01..2024-01-31", its dates as the language
    writes them; "Correction of maintenance contract MC-1"), a deposit deduction's line ("Less
    deposit invoice INV-000001: ...", "deposit INV-000001 deducted"), a credit note's line
    ("Credit for INV-000002 line L1: ...", a credited contract line translated too), a run's
    "no charge for these days", and why a request invoice's line is so priced ("no charge: time
    entry t3 at a zero rate", "no charge: " before a note a person typed, an overage piece's
    "0.5 of 1 hours beyond the allowance ..., billed 16.66 EUR so that ...", a cancelled fixed
    price's cap), its amounts, hours and dates as the language writes them.

    With ``request_line``, the text is a request invoice's line's (or the credit of one): its
    q2c words are read too ("Report: dana 2024-03-20" with the date as the language writes it,
    "... beyond prepaid allowance", "... (fixed price)", "...: capped at the agreed fixed
    price"); the request's title and the worker's name are printed as typed.

    Any other text (a person's), and any text of an English document, is returned as it is.
    q2c's words are read as deep as q2c nests them (a credit of a deposit's deduction of a
    line: ``_NESTED_AT_MOST``); a text repeating them deeper is a person's from there on,
    printed as typed."""
    return _generated_text(text, language, request_line, 0)


# how deep q2c nests its own texts ("Credit for INV-2 line L2: Less deposit invoice INV-1:
# ..."): a text nesting them deeper (a person's, pasted a thousand times over) is read no
# deeper, where each level was read again in one more call (a RecursionError, a bare error)
_NESTED_AT_MOST = 4


def _generated_text(text: str, language: str, request_line: bool, depth: int) -> str:
    """``generated_text`` of a text nested ``depth`` levels inside q2c's own."""
    tables = _GENERATED + _REQUEST_LINES if request_line else _GENERATED
    for pattern, templates in tables:
        template = templates.get(language)
        found = pattern.fullmatch(text) if template is not None else None
        if template is None or found is None:
            continue
        parts = {k: v for k, v in found.groupdict().items() if v is not None}
        try:
            if "period" in parts:
                parts["period"] = _period_text(parts["period"], language)
            if "day" in parts:
                parts["day"] = format_date(date.fromisoformat(parts["day"]), language)
            for key in _AMOUNT_PARTS & parts.keys():
                parts[key] = _amount_text(parts[key], language)
            for key in _HOURS_PARTS & parts.keys():
                parts[key] = format_decimal(Decimal(parts[key]), language)
            if "tail" in parts:
                tail = _tail_text(parts["tail"], language)
                if tail is None:
                    continue
                parts["tail"] = tail
        except (ValueError, ArithmeticError, InvalidValue):
            # (no real dates or amounts: a text a person typed so, read as such)
            continue
        if "rest" in parts:
            # (the line it came from: a credited contract line or deposit deduction too)
            rest = contract_line_text(parts["rest"], language)
            if rest == parts["rest"] and depth < _NESTED_AT_MOST:
                rest = _generated_text(rest, language, request_line, depth + 1)
            parts["rest"] = rest
        return template.format(**parts)
    return text


# Northern Ireland's VAT code (the EU's "XI", which the e-invoice may carry for goods) is no
# ISO 3166 country, so CLDR does not name it; every other code is named by Babel's CLDR data,
# Kosovo's e-invoice code "1A" (EN 16931's list) by CLDR's code for it, "XK"
_CLDR_CODES = {"1A": "XK"}
_NORTHERN_IRELAND = {
    "en": "United Kingdom (Northern Ireland)",
    "de": "Vereinigtes Königreich (Nordirland)",
    "fr": "Royaume-Uni (Irlande du Nord)",
}


def country_name(code: str, language: str) -> str:
    """A country (an ISO 3166-1 alpha-2 code, as q2c records it) as the document's language
    names it (``NL``: "Netherlands", "Niederlande", "Pays-Bas"), by the Unicode CLDR's names
    (Babel; Kosovo's ``1A`` as CLDR's ``XK``); a code CLDR does not know is printed as it is
    (no reader mistakes ``SG``), ``""`` for none."""
    key = code.strip().upper()
    if not key:
        return ""
    if key == "XI":
        return _NORTHERN_IRELAND.get(language, _NORTHERN_IRELAND["en"])
    try:
        names = _territories(language)
    except (ValueError, UnknownLocaleError):
        names = _territories("en")
    return names.get(_CLDR_CODES.get(key, key), code.strip())


@functools.cache
def _territories(language: str) -> dict[str, str]:
    """CLDR's country names in one language (Babel reads them from its data once)."""
    return dict(Locale.parse(language).territories)
