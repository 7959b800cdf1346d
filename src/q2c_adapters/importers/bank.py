"""Bank statements: ISO 20022 camt.053 (any version 001.02 to 001.13) and CSV.

Only booked credits become payments; debits and pending entries are counted as ignored. Each
credit gets a key that names it across statements, so overlapping statements book each credit
once: the bank's own reference for it on our account, whatever the format (camt.053: the
transaction's AcctSvcrRef, else the entry's, with the transaction's place in an entry of several;
a CSV's ``reference``: the camt.053 and the CSV export of one credit name it alike, as do a CSV
with and one without the account column), else a hash of its details, the same in both
formats (``content_key``: the amount in the currency's minor units, however the file writes it:
``250`` is ``250.00``; the payer's remittance, the bank's own text aside; the payer's account,
so two payers' credits are never one). A placeholder for no reference (``NONREF``,
which Sparkasse and other banks write on every entry, ``NOTPROVIDED``) is none. A CSV export
without an IBAN column cannot name payers' accounts: its credit may be any payer's, and each
credit is also named by its content with the payer's account aside (``payer_aside_key``, the
row's ``payer_aside``), which the core matches only between a statement that names payers
(camt.053, a CSV with the column) and one that cannot; a credit the bank named no payer's
account of (no DbtrAcct, an empty IBAN cell) is not any payer's. The payer's
EndToEndId never names a credit: payers reuse it (an invoice number on every transfer). A
reference that comes again with another date, amount or remittance (in the same file or against a
credit already booked) is refused, naming the line: it is never taken for the credit booked;
a CSV row of a batch entry's total (the entry's reference, the transactions' sum) is the entry's
money, as the entry is the total's, when they add up, else refused too.

A booked camt.053 reversal of a credit (a DBIT entry with RvslInd: the bank took the money back)
names the credit by the bank's reference in its TxDtls/Refs; the reader makes it a
``BankReversalRow`` with the keys that credit may be booked under. ``import_bank_credits`` bounces
that credit's payment (or returns a credit still in suspense without one) in the same
transaction as the rest of the statement, once however many statements list it; a reversal that
names no booked credit, several, or only part of one, is a row error.

A camt.053 statement whose account (Acct/Id/IBAN), or a transaction whose payer's account
(DbtrAcct), holds an invisible or full-width character is refused by its line, as a CSV's
account is (below): the same credit would be booked as another account's. An entry's amount
is in its account's currency (Acct/Ccy; an account of several names none), a batch's
transactions in the entry's: one in another is refused by its entry's line. Entities are
never resolved: a file declaring a DTD (``<!DOCTYPE``) is refused, its text not read without
them.

A credit whose text carries a payment-card number, or a control character no document can
show, is a row error: the file is refused, naming the line and the column (``name``,
``reference``, ``iban``, ``remittance``) or camt.053 element (``Dbtr``, ``AcctSvcrRef``,
``DbtrAcct``, ``RmtInf``, ``AddtlTxInf``) holding it, and the card number is never stored nor
echoed back.

CSV columns (case-insensitive; aliases in brackets): ``date`` [booking_date, booked_on,
buchungstag, value_date]: the day the bank booked the credit, as camt.053's BookgDt (a value
date is read only from a file with no booking date, and ignored next to one), ``amount``
(credits positive, debits negative) or ``credit`` / ``debit`` columns (one of them filled, the
other empty, 0 or a dash: a row giving both is refused), ``currency`` [ccy],
optional ``direction`` [credit_debit, type, soll_haben] (C/D, CRDT/DBIT, H/S: the sign of an
always-positive amount; one saying the opposite of the amount's own sign, ``-595.00`` and C,
a credit column's amount and D, is refused), ``reference`` [bank_reference, transaction_id],
``remittance``
[purpose, verwendungszweck, description, details, text]: every one the file gives, the payer's
purpose first, then the bank's text, is searched for invoice numbers, ``name`` [counterparty,
debtor, payer], ``iban`` [counterparty_iban, debtor_iban, account_number], ``account``
[own_account] (without it, the statement is of the importer's ``account``, else its credits
are looked for on every account statements booked before named), optional ``status``
[booking_status, buchungsstatus] (empty or booked, ``BOOK``, ``Umsatz gebucht``: booked;
pending or declined, ``PDNG``, ``Umsatz vorgemerkt``, ``Declined``: ignored, as a camt.053's
pending entry; any other is refused). The file's decimal mark is
the importer's ``decimal_mark`` when given, else read from its amounts: in a file that writes
``99,50`` a ``.`` only separates thousands (``1.000`` is one thousand); in one none of whose
amounts shows it, by a currency without decimals (``1,500`` JPY), else an amount that reads
two ways (``250.500`` KWD) is refused, naming both readings in its currency; a booking
date before 1900 or over a year after the import date is refused, as is an ``account`` or
``iban`` holding an invisible or full-width character (a zero-width space pasted from a chat:
the same credit would be booked as another's), and a slash date is read in the order the
file's dates show (``04/02/2024`` alone, 4 February or 2 April, is refused). Any other column
given under two headers (``Type`` and ``Soll/Haben``) refuses the file, naming both: q2c never
picks one silently.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

import attrs
from lxml import etree

from q2c_adapters.importers._files import (
    CellError,
    CsvRow,
    FileImporter,
    check_date_order,
    check_decimal_mark,
    check_map,
    check_today,
    clean_number,
    mark_shown,
    parse_date,
    parse_decimal,
    parse_past_date,
    read_csv,
)
from q2c_adapters.importers._files import date_order as file_date_order
from q2c_adapters.importers._files import decimal_mark as file_decimal_mark
from q2c_core.domain.bank_credit import StatementCredit
from q2c_core.domain.cards import refuse_card_numbers
from q2c_core.domain.errors import InvalidValue, Q2CError
from q2c_core.domain.event_facts import refuse_control_characters
from q2c_core.domain.import_batch import (
    ImportKind,
    ImportRejected,
    ImportReport,
    ImportSource,
    RowProblem,
)
from q2c_core.domain.import_rows import BankCreditRow, BankReversalRow
from q2c_core.domain.money import Money, minor_units
from q2c_core.domain.values import person_key

if TYPE_CHECKING:
    from q2c_core.application import QuoteToCash


def _hash_key(*parts: str) -> str:
    return "h:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _amount_key(amount: Money) -> str:
    """An amount as a credit's key hashes it: in the currency's minor units, however the file
    wrote it (``250``, ``250.0`` and ``250.00`` EUR are all ``250.00``, the form a statement
    written with two decimals always had)."""
    return str(amount.rounded().amount)


def _money(amount: Decimal, currency: str, field: str, currency_field: str = "") -> Money:
    """The credit's money; an error names ``field`` (the amount's column), or ``currency_field``
    when it is the currency that is wrong and it has a column of its own."""
    try:
        money = Money(amount, currency.strip().upper())
    except Q2CError as e:
        wrong = currency if e.field == "currency" else amount
        if e.field == "currency" and currency_field:
            raise CellError(e.rule, field=currency_field, value=wrong) from None
        raise CellError(e.rule, field=field, value=wrong) from None
    if money.is_positive() and not money.is_rounded():
        # (a credit must also be more than zero: ``StatementCredit`` says so of zero)
        raise CellError(
            f"is not whole minor units of {money.currency}: {abs(amount)} has "
            f"{_decimals_said(money.currency)}",
            field=field,
            value=amount,
        )
    return money


def _decimals_said(currency: str) -> str:
    """What a currency's minor unit allows, as a refusal of a finer amount says it: ``more
    decimals than EUR's 2 decimals``, ``decimals, and JPY has no decimals``."""
    n = minor_units(currency)
    if n == 0:
        return f"decimals, and {currency} has no decimals"
    return f"more decimals than {currency}'s {n} decimal{'s' if n != 1 else ''}"


def _booking_date(text: str, field: str, today: date | None, order: str | None = None) -> date:
    """A credit's booking date, refused when it lies implausibly far in the future (more than
    ``LATEST_AFTER_IMPORT`` after ``today``); a slash date in the file's ``order``."""
    return parse_past_date(text, field, today, order, what="booking date")


# -- camt.053 ------------------------------------------------------------------------------------


def _whole_text(element: etree._Element) -> str:
    """An element's text, stripped, whole: around an XML comment or processing instruction (a
    bank's software may split a line with one), entities read (``&amp;`` is ``&``)."""
    parts = element.itertext()
    return "".join(p if isinstance(p, str) else p.decode() for p in parts).strip()


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return _whole_text(found) if found is not None else ""


def _all_text(element: etree._Element | None, path: str) -> list[str]:
    if element is None:
        return []
    return [text for text in map(_whole_text, element.findall(path)) if text]


def _reversal_indicator(text: str) -> bool:
    """An entry's RvslInd, an xs:boolean: ``true`` or ``1`` is a reversal, ``false``, ``0`` or
    none is not (case and spacing aside); anything else is an error naming RvslInd."""
    said = text.strip().lower()
    if said in ("true", "1"):
        return True
    if said in ("false", "0", ""):
        return False
    raise CellError("must be true or false (or 1 or 0)", field="RvslInd", value=text)


def _line(element: etree._Element | None) -> int:
    """The line an element starts on (lxml knows it), 0 when unknown."""
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else 0


def _camt_date(element: etree._Element | None, today: date | None) -> date:
    text = _text(element, "{*}Dt") or _text(element, "{*}DtTm")[:10]
    if not text:
        raise CellError("the entry has no booking date", field="BookgDt")
    return _booking_date(text, "BookgDt", today)


def _camt_amount(element: etree._Element | None, field: str) -> tuple[Decimal, str]:
    if element is None:
        raise CellError("is missing", field=field)
    currency = element.get("Ccy", "")
    if not currency:
        raise CellError("has no Ccy attribute", field=field)
    return parse_decimal(element.text or "", field, "."), currency  # an XML decimal


def _party_name(tx: etree._Element | None, role: str) -> str:
    # camt.053.001.02: RltdPties/Dbtr/Nm; from .001.08 on: RltdPties/Dbtr/Pty/Nm
    return _text(tx, f"{{*}}RltdPties/{{*}}{role}/{{*}}Nm") or _text(
        tx, f"{{*}}RltdPties/{{*}}{role}/{{*}}Pty/{{*}}Nm"
    )


def _payers_remittance(tx: etree._Element | None) -> list[str]:
    """What the payer wrote: its unstructured remittance (Ustrd), then its structured references."""
    parts = _all_text(tx, "{*}RmtInf/{*}Ustrd")
    parts += _all_text(tx, "{*}RmtInf/{*}Strd/{*}CdtrRefInf/{*}Ref")
    parts += _all_text(tx, "{*}RmtInf/{*}Strd/{*}RfrdDocInf/{*}Nb")
    return parts


def _remittance(tx: etree._Element | None) -> str:
    """The text invoice numbers are looked for in: the payer's, then the bank's (AddtlTxInf)."""
    return " ".join(_payers_remittance(tx) + _all_text(tx, "{*}AddtlTxInf"))


def _remittance_for_key(tx: etree._Element | None) -> str:
    """The remittance a credit without a reference is keyed by (``content_key``): the payer's
    (Ustrd, Strd), else the bank's text (AddtlTxInf) when the payer wrote none."""
    return " ".join(_payers_remittance(tx) or _all_text(tx, "{*}AddtlTxInf"))


# What banks write where they have no reference: MT940's NONREF (Sparkasse and other German
# banks put it in every entry's AcctSvcrRef), ISO 20022's NOTPROVIDED, and their look-alikes;
# compared in capitals, letters and digits only (``n/a`` is ``NA``)
NO_REFERENCE = frozenset(
    {"NONREF", "NOTPROVIDED", "NOREF", "NOREFERENCE", "NONE", "NA", "NOTAVAILABLE", "UNKNOWN"}
)


def is_no_reference(reference: str) -> bool:
    """Whether a reference is a placeholder for none (``NONREF``, ``NOTPROVIDED``, ``n/a``...,
    or no letter or digit at all): it names no credit."""
    return re.sub(r"[^A-Z0-9]", "", reference.upper()) in NO_REFERENCE | {""}


def _reference(text: str) -> str:
    """A reference as the bank wrote it, "" for a placeholder (``is_no_reference``)."""
    return "" if is_no_reference(text) else text


def _tx_reference(tx: etree._Element | None) -> str:
    """The bank's own reference for a transaction (its AcctSvcrRef), "" when it gave none
    (or a placeholder for none: ``NONREF``, ``NOTPROVIDED``).

    Never the EndToEndId: the payer chooses it (often the invoice number, on every transfer),
    so it names no one credit."""
    return _reference(_text(tx, "{*}Refs/{*}AcctSvcrRef"))


def _shown_account(text: str, field: str) -> str:
    """An account (ours or the payer's IBAN) of a CSV row or a camt.053 statement, refused
    (``CellError`` naming ``field``) when it holds an invisible character (a zero-width space
    pasted from a chat) or a full-width one (``ＤＥ89``): the account names every credit of
    it (its key, its content), so it would name the credit another statement booked as
    another credit, booked twice, though both read the same. (Spaces of every kind are set
    aside by ``own_account``.)"""
    hidden = next((c for c in text if not c.isspace() and person_key(c) != c.casefold()), None)
    if hidden is not None:
        raise CellError(
            f"holds an invisible or full-width character (U+{ord(hidden):04X} at "
            f"{text.index(hidden)}): write the account as the bank does",
            field=field,
            value=text,
        )
    return text


def check_own_account(text: str) -> str:
    """Our account as a caller gives it (the importer's ``account``, the CLI's ``--account``),
    refused (``InvalidValue`` naming ``account``) when it holds an invisible or full-width
    character, as a statement's account is (``_shown_account``): every credit of a statement
    it is given for would be another account's, and every row of the file refused for it; one
    that is no text (a number read from a configuration) is refused alike."""
    if not isinstance(text, str):
        raise InvalidValue(
            f"must be text (the account as the bank writes it), not {type(text).__name__}",
            field="account",
            value=text,
        )
    try:
        return _shown_account(text, "account")
    except CellError as e:
        raise InvalidValue(e.rule, field="account", value=text) from None


def own_account(text: str) -> str:
    """Our account as a credit's key names it: spaces aside, in capitals (a CSV export writes
    ``DE89 3704 0044 0532 0130 00``, a camt.053 ``DE89370400440532013000``)."""
    return "".join(text.split()).upper()


def reference_key(account: str, reference: str) -> str:
    """The key of the credit the bank's own ``reference`` names on our ``account`` ("" when the
    statement does not say which), whatever the format of the statement: a camt.053 and a CSV
    export of one credit name it alike (in the form camt.053 credits were first keyed by)."""
    return f"camt:{account}:{reference}"


def _reference_aliases(account: str, reference: str) -> tuple[str, ...]:
    """The keys the credit ``reference`` names on ``account`` may also be booked under, for
    certain: without the account (from a CSV that did not say it), and as the CSV reader
    keyed it before the formats agreed (``csv:<account cell>:<reference>``)."""
    keys = (
        reference_key("", reference),
        f"csv:{account}:{reference}",
        f"csv::{reference}",
    )
    return tuple(k for k in keys if k != reference_key(account, reference))


def content_key(credit: StatementCredit, remittance: str) -> str:
    """The key of a credit without a bank reference (before its occurrence in the statement),
    the same in every format: a hash of our account (``own_account``), the day, the amount in
    the currency's minor units, the currency, the payer's ``remittance`` (the first text a
    statement gives: camt.053's Ustrd and Strd, else its AddtlTxInf; a CSV's first remittance
    column, the purpose before the bank's text), spacing and case aside, and the payer's account
    (spaces and case aside). The payer's name is left out: formats write it differently."""
    return _content_hash(credit, " ".join(remittance.split()).casefold())


def unsplit_content_key(credit: StatementCredit, remittance: str) -> str:
    """The key of a credit without a bank reference (before its occurrence), as
    ``content_key`` but the payer's ``remittance`` without any whitespace: however the bank
    cut it into lines of 35 characters (camt.053's repeated Ustrd, one CSV cell, a line break
    elsewhere), one text. ``content_key`` is what credits booked before were named by."""
    return _content_hash(credit, "".join(remittance.split()).casefold(), "unsplit")


def _content_hash(credit: StatementCredit, remittance: str, *tag: str) -> str:
    """``c:`` and a hash of ``tag`` (what kind of content key), our account, the day, the
    amount in minor units, the currency, the remittance as the key reads it and the payer's
    account: the keys of ``content_key`` and ``unsplit_content_key``."""
    parts = (
        *tag,
        own_account(credit.account),
        credit.booked_on.isoformat(),
        _amount_key(credit.amount),
        credit.amount.currency,
        remittance,
        own_account(credit.debtor_account),
    )
    return "c:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _content_names(
    seen: dict[str, int], credit: StatementCredit, remittance: str, accounts: Iterable[str] = ()
) -> list[str]:
    """The names of a credit by its content, each with its occurrence among the statement's
    credits so named (``seen``): first ``unsplit_content_key``'s, then ``content_key``'s (as
    credits booked before were named), then both on each of ``accounts`` (a statement that
    named another of our accounts, or none)."""
    unsplit = _occurrence(seen, unsplit_content_key(credit, remittance)).rsplit(":", 1)[1]
    spaced = _occurrence(seen, content_key(credit, remittance)).rsplit(":", 1)[1]
    names: list[str] = []
    for read in (credit, *(attrs.evolve(credit, account=a) for a in accounts)):
        names += [
            f"{unsplit_content_key(read, remittance)}:{unsplit}",
            f"{content_key(read, remittance)}:{spaced}",
        ]
    return list(dict.fromkeys(names))


def payer_aside_key(credit: StatementCredit, remittance: str) -> str:
    """The name of a credit by its content with the payer's account aside (before its
    occurrence): ``a:`` and a hash of our account, the day, the amount in minor units, the
    currency and the payer's ``remittance`` without any whitespace, as ``unsplit_content_key``
    reads it. How a CSV export without an IBAN column names a credit of any payer, and how a
    statement that names payers names its credit for such an export; never a credit's key."""
    parts = (
        "payer aside",
        own_account(credit.account),
        credit.booked_on.isoformat(),
        _amount_key(credit.amount),
        credit.amount.currency,
        "".join(remittance.split()).casefold(),
    )
    return "a:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _payer_aside_names(
    everyone: dict[str, int],
    credit: StatementCredit,
    remittance: str,
    accounts: Iterable[str] = (),
) -> tuple[str, ...]:
    """A credit's ``payer_aside_key`` names, with its occurrence among every credit of the
    statement of that content (``everyone``: with a reference or not, naming a payer's account
    or not, so the n-th such credit of a camt.053 is the n-th row of the CSV export of the same
    day), and so on each of ``accounts`` (as ``_content_names``)."""
    n = _occurrence(everyone, payer_aside_key(credit, remittance)).rsplit(":", 1)[1]
    reads = (credit, *(attrs.evolve(credit, account=a) for a in accounts))
    return tuple(dict.fromkeys(f"{payer_aside_key(read, remittance)}:{n}" for read in reads))


def _no_account(account: str) -> tuple[str, ...]:
    """The other account a camt.053 credit of our ``account`` may have been booked on: none
    (``""``), as a CSV export without the account column names it when it is imported before
    any statement told q2c an account (it then looks on no known account). Its key by the
    bank's reference (``reference_key("", reference)``) and by its content without the
    account are then the credit's too, so it is booked once, whichever statement came first;
    the CSV side looks for a credit of no account on every known one."""
    return ("",) if account else ()


def _occurrence(seen: dict[str, int], content: str) -> str:
    """``content`` with its occurrence among the statement's credits so named (``:0``, ``:1``):
    identical credits in one statement stay apart, never merged."""
    n = seen.get(content, 0)
    seen[content] = n + 1
    return f"{content}:{n}"


def _camt_content(account: str, credit: StatementCredit) -> str:
    """The hash the camt.053 reader named a credit without a reference by before the formats
    agreed (``content_key``): our account as the statement wrote it, the payer's account too."""
    return _hash_key(
        account,
        credit.booked_on.isoformat(),
        _amount_key(credit.amount),
        credit.amount.currency,
        credit.remittance,
        credit.debtor_account,
    )


def _credit_reference(tx_refs: list[str], n: int, entry_ref: str) -> tuple[str, int | None] | None:
    """The bank's reference that names the n-th transaction of an entry, and the transaction's
    place when the reference names the entry (None without a reference): a transaction's own
    reference, when no other transaction of the entry repeats it; the entry's, for an entry of
    one transaction (the entry is the credit, as a CSV row of it is); else the reference the
    bank repeats on each transaction, or the entry's, with the transaction's place in the entry
    (its transactions stay apart)."""
    tx_ref = tx_refs[n]
    if tx_ref and tx_refs.count(tx_ref) == 1:
        return tx_ref, None
    if len(tx_refs) == 1 and entry_ref:
        return entry_ref, None
    if tx_ref or entry_ref:
        return tx_ref or entry_ref, n
    return None


def _earlier_reference_key(account: str, tx_refs: list[str], n: int, entry_ref: str) -> str | None:
    """The key earlier versions of this reader gave the n-th transaction of an entry by the
    bank's references: as ``_credit_reference``, but an entry's reference always with the
    transaction's place, even for an entry of one transaction (``:0``)."""
    tx_ref = tx_refs[n]
    if tx_ref and tx_refs.count(tx_ref) == 1:
        return f"camt:{account}:{tx_ref}"
    if tx_ref or entry_ref:
        return f"camt:{account}:{tx_ref or entry_ref}:{n}"
    return None


@attrs.frozen
class CamtStatement:
    """What a camt.053 statement brings: booked credits, reversals of credits, problems by line,
    and the number of entries ignored (other debits, pending entries)."""

    rows: list[BankCreditRow]
    reversals: list[BankReversalRow]
    problems: list[RowProblem]
    ignored: int


def read_camt053(
    data: bytes, *, today: date | None = None
) -> tuple[list[BankCreditRow], list[RowProblem], int]:
    """Parse a camt.053 statement: its booked credits, problems by line, and entries ignored
    (reversals of credits among them: ``read_camt053_statement`` returns those).

    ``today`` (default: the real today) bounds plausible booking dates.
    """
    read = read_camt053_statement(data, today=today)
    return read.rows, read.problems, read.ignored + len(read.reversals)


def _reversal(
    tx: etree._Element | None,
    line: int,
    accounts: tuple[str, str],
    entry_ref: str,
    reversed_on: date,
    amount: Money,
) -> BankReversalRow:
    """The reversal of the credit a transaction of a reversal entry names by the bank's
    reference R (its TxDtls/Refs/AcctSvcrRef).

    The credit R names is booked under R's key on our account (``reference_key``), whatever
    statement booked it (a camt.053 transaction or entry of one transaction, a CSV row), or
    under it without the account (a CSV that did not say it); or under R's first place
    (``:0``) when earlier versions booked an entry of one transaction. A credit also booked
    under R's second place (``:1``) means R names an entry of several credits: the core
    refuses a reversal whose keys name more than one.
    """
    account, written_account = accounts  # (``own_account``, as the statement wrote it)
    reference = _tx_reference(tx)
    base = reference_key(account, reference)
    keys = (base, f"{base}:0", f"{base}:1", reference_key("", reference)) if reference else ()
    why = [f"reversed by the bank in {entry_ref}" if entry_ref else "reversed by the bank"]
    code = _text(tx, "{*}RtrInf/{*}Rsn/{*}Cd") or _text(tx, "{*}RtrInf/{*}Rsn/{*}Prtry")
    if code:
        why.append(f"reason {code}")
    return BankReversalRow(
        line=line,
        reversed_on=reversed_on,
        amount=amount,
        reference=reference,
        credit_keys=keys,
        reason=", ".join(why),
        reference_field="AcctSvcrRef",
        amount_field="Amt",
        date_field="BookgDt",
        former_keys=_former_reversal_keys(tx, account, written_account, reference),
    )


def _former_reversal_keys(
    tx: etree._Element | None, account: str, written_account: str, reference: str
) -> tuple[str, ...]:
    """Keys a credit booked by earlier versions of the readers may have: the CSV reader's for
    the bank's reference (``csv:<account>:<reference>``, with or without the account), the
    camt.053 reader's under our account as the statement wrote it, and the payer's EndToEndId
    (when the credit carried no bank reference of its own), as the reversal repeats it."""
    keys = [f"csv:{account}:{reference}", f"csv::{reference}"] if reference else []
    if reference and written_account != account:
        keys += [f"camt:{written_account}:{reference}{place}" for place in ("", ":0", ":1")]
    end_to_end = _text(tx, "{*}Refs/{*}EndToEndId")
    if end_to_end and end_to_end != "NOTPROVIDED":
        keys.append(f"camt:{written_account}:{end_to_end}")
    return tuple(keys)


def read_camt053_statement(data: bytes, *, today: date | None = None) -> CamtStatement:
    """Parse a camt.053 statement: its booked credits, the booked reversals of credits, problems
    by line, and entries ignored.

    ``today`` (default: the real today) bounds plausible booking dates. ``data`` is the
    file's bytes (text, decoded already, is refused: ``InvalidValue`` naming ``data``).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidValue(
            f"must be the statement's bytes, not {type(data).__name__}", field="data", value=None
        )
    data = bytes(data)
    seen: dict[str, int] = {}
    everyone: dict[str, int] = {}  # credits by content, with a reference or not
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    rows: list[BankCreditRow] = []
    reversals: list[BankReversalRow] = []
    problems: list[RowProblem] = []
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        problems.append(RowProblem(e.lineno or 1, "xml", f"not well-formed XML: {e.msg}"))
        return CamtStatement(rows, reversals, problems, 0)
    doctype: object = getattr(root.getroottree().docinfo, "doctype", "")  # (not in the stubs)
    if doctype:
        # entities are never resolved: read without them, the text behind them would be lost
        rule = "declares a DTD (<!DOCTYPE ...>): a bank statement has none"
        problems.append(RowProblem(_line(root) or 1, "xml", rule))
        return CamtStatement(rows, reversals, problems, 0)
    if not root.tag.startswith("{urn:iso:std:iso:20022:tech:xsd:camt.053."):
        problems.append(RowProblem(_line(root) or 1, "xml", "not a camt.053 document"))
        return CamtStatement(rows, reversals, problems, 0)
    ignored = 0
    statements = root.findall("{*}BkToCstmrStmt/{*}Stmt")
    if not statements:
        problems.append(RowProblem(_line(root) or 1, "Stmt", "the document has no statement"))
    for stmt in statements:
        written_account = _text(stmt, "{*}Acct/{*}Id/{*}IBAN") or _text(
            stmt, "{*}Acct/{*}Id/{*}Othr/{*}Id"
        )
        try:
            # an invisible or full-width character would book its credits as another
            # account's: the statement is refused by its account's line
            iban = stmt.find("{*}Acct/{*}Id/{*}IBAN") is not None
            _shown_account(written_account, "Acct/Id/IBAN" if iban else "Acct/Id/Othr/Id")
        except Q2CError as e:
            where = stmt.find("{*}Acct/{*}Id")
            problems.append(RowProblem(_line(where) or _line(stmt), e.field or "Acct", e.rule))
            continue
        account = own_account(written_account)
        # the account's currency (none for an account of several): its entries' money
        account_ccy = _text(stmt, "{*}Acct/{*}Ccy").upper()
        for entry in stmt.findall("{*}Ntry"):
            line = _line(entry)
            try:
                indicator = _text(entry, "{*}CdtDbtInd")
                status = _text(entry, "{*}Sts") or _text(entry, "{*}Sts/{*}Cd")
                # DBIT with RvslInd takes back a credit; CRDT with it undoes a debit of ours
                # (not a customer's money: ignored, as debits are)
                reversal = _reversal_indicator(_text(entry, "{*}RvslInd"))
                if indicator not in ("CRDT", "DBIT"):
                    raise CellError("must be CRDT or DBIT", field="CdtDbtInd", value=indicator)
                if status != "BOOK" or (indicator == "DBIT") != reversal:
                    ignored += 1
                    continue
                booked_on = _camt_date(entry.find("{*}BookgDt"), today)
                entry_amount, entry_ccy = _camt_amount(entry.find("{*}Amt"), "Amt")
                if account_ccy and entry_ccy.strip().upper() != account_ccy:
                    raise CellError(
                        f"is in {entry_ccy}, the account in {account_ccy} (Acct/Ccy): the "
                        "money the account received is in its currency",
                        field="Amt",
                        value=entry_ccy,
                    )
                # the bank's own reference for the entry (a placeholder such as NONREF is
                # none); NtryRef (a number within the statement, as some banks fill it) only
                # shows where the bank gave none
                written_ref = _text(entry, "{*}AcctSvcrRef")
                entry_ref = _reference(written_ref)
                shown_ref = entry_ref or _reference(_text(entry, "{*}NtryRef"))
                txs = entry.findall("{*}NtryDtls/{*}TxDtls")
                if len(txs) <= 1:
                    tx = txs[0] if txs else None
                    amounts = [(tx, entry_amount, entry_ccy)]
                else:
                    amounts = []
                    for tx in txs:
                        tx_amt = tx.find("{*}Amt")
                        if tx_amt is None:
                            tx_amt = tx.find("{*}AmtDtls/{*}TxAmt/{*}Amt")
                        amount, ccy = _camt_amount(tx_amt, "TxDtls/Amt")
                        if ccy.strip().upper() != entry_ccy.strip().upper():
                            # (the payer's instructed amount, perhaps: not the money booked)
                            raise CellError(
                                f"is in {ccy}, the entry in {entry_ccy}: a batch's "
                                "transactions are parts of the entry's money",
                                field="TxDtls/Amt",
                                value=ccy,
                            )
                        amounts.append((tx, amount, ccy))
                    if sum(a for _, a, _ in amounts) != entry_amount:
                        raise CellError(
                            "the transactions do not add up to the entry amount", field="Amt"
                        )
                tx_refs = [_tx_reference(tx) for tx, _, _ in amounts]
                # as the reader read them before it knew placeholders (NOTPROVIDED aside)
                written_tx_refs = [
                    "" if r == "NOTPROVIDED" else r
                    for r in (_text(tx, "{*}Refs/{*}AcctSvcrRef") for tx, _, _ in amounts)
                ]
                for n, (tx, amount, ccy) in enumerate(amounts):
                    tx_line = _line(tx) or line
                    try:
                        if reversal:
                            money = _money(amount, ccy, "amount")
                            reversals.append(
                                _reversal(
                                    tx,
                                    tx_line,
                                    (account, written_account),
                                    entry_ref,
                                    booked_on,
                                    money,
                                )
                            )
                            continue
                        tx_ref = tx_refs[n]
                        reference = tx_ref or shown_ref
                        credit = StatementCredit(
                            booked_on=booked_on,
                            amount=_money(amount, ccy, "amount"),
                            bank_reference=reference,
                            remittance=_remittance(tx),
                            debtor_name=_party_name(tx, "Dbtr"),
                            debtor_account=_shown_account(
                                _text(tx, "{*}RltdPties/{*}DbtrAcct/{*}Id/{*}IBAN"), "DbtrAcct"
                            ),
                            account=account,
                        )
                        # a card number or control character in its text refuses the credit
                        # here, by its line and the element holding it (the payer's words or
                        # the bank's)
                        _refuse_text("RmtInf", " ".join(_payers_remittance(tx)))
                        _refuse_text("AddtlTxInf", " ".join(_all_text(tx, "{*}AddtlTxInf")))
                        _refuse_unstorable_text(credit, _CAMT_NAMES)
                        named = _credit_reference(tx_refs, n, entry_ref)
                        aliases: tuple[str, ...] = ()
                        agreed_before: tuple[str, ...] = ()
                        entry_keys: tuple[str, ...] = ()
                        # its content and occurrence among every credit of the statement so
                        # named, with a reference or not: how a statement without it names it,
                        # also without our account (``_no_account``: a CSV export without the
                        # account column, read when q2c knew no account, named it so)
                        by_content = _content_names(
                            everyone, credit, _remittance_for_key(tx), _no_account(account)
                        )
                        payer_aside = _payer_aside_names(
                            everyone, credit, _remittance_for_key(tx), _no_account(account)
                        )
                        if named is not None:
                            named_by, place = named
                            key = reference_key(account, named_by)
                            if place is None:  # the whole credit: a CSV row names it so too
                                aliases = _reference_aliases(account, named_by)
                            else:
                                # a transaction of an entry of several: the entry's keys as a
                                # whole credit (a CSV row of its total) are another credit
                                # unless its transactions add up to it (the core asks)
                                entry_keys = (key, *_reference_aliases(account, named_by))
                                key = f"{key}:{place}"
                            aliases = (*aliases, *by_content)
                        else:
                            # no reference at all: named by its content as the CSV reader names
                            # it (``content_key``); identical credits in one statement stay
                            # apart by their occurrence, two payers' are two credits
                            key, *named_so = _content_names(
                                seen, credit, _remittance_for_key(tx), _no_account(account)
                            )
                            aliases = tuple(named_so)  # as credits booked before were named
                            # as this reader and the CSV reader hashed it before they agreed
                            # (the CSV reader: with the payer's name, its IBAN without spaces)
                            as_csv = attrs.evolve(
                                credit, debtor_account=own_account(credit.debtor_account)
                            )
                            agreed_before = (
                                _occurrence(seen, _camt_content(written_account, credit)),
                                _occurrence(seen, _csv_content(as_csv, _amount_key(credit.amount))),
                            )
                        # the keys earlier versions gave it: by the same reference (an
                        # entry of one transaction at its place ``:0``; our account as the
                        # statement wrote it), for certain; before placeholders were known
                        # (``camt:<account>:NONREF:0`` for every Sparkasse credit), and before
                        # that, perhaps another credit's
                        same = _earlier_reference_key(written_account, tx_refs, n, entry_ref)
                        if same is not None and same != key:
                            aliases = (same, *aliases)
                        former = (
                            *agreed_before,
                            *entry_keys,
                            _earlier_reference_key(
                                written_account, written_tx_refs, n, written_ref
                            ),
                            _former_camt_key(entry, tx, written_account, n, amount, credit, seen),
                        )
                        formers = tuple(
                            k for k in dict.fromkeys(former) if k and k != key and k not in aliases
                        )
                        rows.append(
                            BankCreditRow(
                                tx_line,
                                key,
                                credit,
                                formers,
                                aliases=aliases,
                                payer_aside=payer_aside,
                                reference_field="AcctSvcrRef",
                            )
                        )
                    except Q2CError as e:
                        # an amount q2c cannot book is named by the statement's element
                        field = e.field or "TxDtls"
                        if field == "amount":
                            field = "Amt" if len(amounts) == 1 else "TxDtls/Amt"
                        problems.append(RowProblem(tx_line, field, e.rule))
            except Q2CError as e:
                problems.append(RowProblem(line, e.field or "Ntry", e.rule))
    return CamtStatement(rows, reversals, problems, ignored)


# a credit's texts (``StatementCredit``) as a statement names them, for the row problem of a
# card number in one: a camt.053's elements, a CSV's columns (``ALIASES``)
_CAMT_NAMES = {
    "remittance": "RmtInf",
    "bank_reference": "AcctSvcrRef",
    "debtor_name": "Dbtr",
    "debtor_account": "DbtrAcct",
}
_CSV_COLUMNS = {
    "remittance": "remittance",
    "bank_reference": "reference",
    "debtor_name": "name",
    "debtor_account": "iban",
}


def _refuse_unstorable_text(credit: StatementCredit, names: Mapping[str, str]) -> None:
    """Refuse a credit whose text holds a card number (``CardNumberRefused``, as
    ``StatementCredit.refuse_card_numbers`` checks it when booked) or a control character no
    document can show (``InvalidValue``: a credit of an unknown payer was booked with it, and
    its payment, which takes the remittance for its note, refused it when assigned), naming
    the statement's element or column that holds it (``names``: ``name``, not the credit's
    ``debtor_name``)."""
    for attribute, name in names.items():
        _refuse_text(name, getattr(credit, attribute))


def _refuse_text(name: str, text: str) -> None:
    """Refuse ``text`` of the statement's ``name`` holding a control character or a card
    number (``_refuse_unstorable_text``)."""
    refuse_control_characters(name, text)
    refuse_card_numbers(name, text)


def _former_camt_key(
    entry: etree._Element,
    tx: etree._Element | None,
    account: str,
    n: int,
    amount: Decimal,
    credit: StatementCredit,
    seen: dict[str, int],
) -> str:
    """The key earlier versions of this reader gave a camt.053 credit (the payer's EndToEndId
    when the bank gave no reference of its own, the entry's NtryRef, the amount as written), so
    a credit booked before is known again: the importer skips it when it is the same credit."""
    tx_ref = _text(tx, "{*}Refs/{*}AcctSvcrRef") or _text(tx, "{*}Refs/{*}EndToEndId")
    if tx_ref == "NOTPROVIDED":
        tx_ref = ""
    entry_ref = _text(entry, "{*}AcctSvcrRef") or _text(entry, "{*}NtryRef")
    if tx_ref:
        return f"camt:{account}:{tx_ref}"
    if entry_ref:
        return f"camt:{account}:{entry_ref}:{n}"
    content = _hash_key(
        account,
        credit.booked_on.isoformat(),
        str(amount),
        credit.amount.currency,
        credit.remittance,
        credit.debtor_account,
    )
    return f"{content}:{seen.get(_camt_content(account, credit), 1) - 1}"


# -- CSV -----------------------------------------------------------------------------------------

ALIASES = {
    "date": ("booking_date", "booked_on", "buchungstag", "date_operation", "value_date"),
    "amount": ("betrag", "montant"),
    "credit": ("credit_amount", "haben"),
    "debit": ("debit_amount", "soll"),
    "currency": ("ccy", "wahrung", "devise"),
    "reference": ("bank_reference", "transaction_id", "ref"),
    # the payer's words first (they name the invoice), then the bank's
    "remittance": ("purpose", "verwendungszweck", "description", "details", "text", "libelle"),
    "name": ("counterparty", "debtor", "payer", "counterparty_name", "auftraggeber"),
    "iban": ("counterparty_iban", "debtor_iban", "account_number"),
    "account": ("own_account", "our_account", "account_iban"),
    "direction": ("credit_debit", "cdt_dbt", "cdtdbtind", "type", "soll_haben", "sens"),
    "status": ("booking_status", "buchungsstatus", "sts", "statut"),
}
_CREDIT = {"C", "CR", "CRDT", "CREDIT", "H", "HABEN", "CREDITO"}
_DEBIT = {"D", "DR", "DBIT", "DEBIT", "S", "SOLL", "DEBITO"}
# a row's status, as camt.053's Sts and banks' CSV exports write it (Sparkasse: "Umsatz
# gebucht", "Umsatz vorgemerkt"; PayPal, Wise: "Completed", "Pending", "Declined"), in
# capitals, letters only; empty is booked. Not booked: pending, or never to be (declined).
_BOOKED = {
    *("BOOK", "BOOKED", "POSTED", "SETTLED", "COMPLETED", "CLEARED", "EXECUTED"),
    *("GEBUCHT", "UMSATZGEBUCHT", "COMPTABILISE"),
}
_PENDING = {
    *("PDNG", "PENDING", "VORGEMERKT", "UMSATZVORGEMERKT", "ENCOURS", "PROVISIONAL"),
    *("DECLINED", "DENIED", "FAILED", "REJECTED", "CANCELLED", "CANCELED"),
}


def _pending(text: str) -> bool:
    """Whether a CSV row's ``status`` says it is not booked (pending, or declined: ignored, as
    a camt.053 entry whose Sts is not BOOK); empty or booked is booked, anything else (a
    payment reverted: a person settles it) an error naming ``status``."""
    folded = unicodedata.normalize("NFKD", text.upper())
    said = "".join(c for c in folded if c.isalpha() and c.isascii())
    if not said or said in _BOOKED:
        return False
    if said in _PENDING:
        return True
    raise CellError(
        "must say booked (BOOK, Booked, Completed, Gebucht) or not booked (PDNG, Pending, "
        "Vorgemerkt, Declined), or be empty (booked)",
        field="status",
        value=text,
    )


REQUIRED = ("date", "currency")
# the day a credit is booked is its booking date; a value date is read only without one
FALLBACKS = {"date": ("value_date",)}
# purpose and the bank's text both go into the remittance the invoice is looked for in
JOINED = ("remittance",)


AMOUNT_COLUMNS = ("amount", "credit", "debit")
# what an export writes in the credit or debit column a row leaves unused, besides nothing
_NO_AMOUNT = {"", "-", "\u2013", "\u2014"}


def _amount_column(raw: CsvRow) -> str:
    """The column holding a row's amount: the first of ``AMOUNT_COLUMNS`` that gives one, a
    dash (how some exports write "none", in the credit column of a debit too) giving none;
    empty when none does."""
    return next((c for c in AMOUNT_COLUMNS if raw.get(c) not in _NO_AMOUNT), "")


def _file_mark(raws: list[CsvRow]) -> str | None:
    """The decimal mark a CSV statement's amounts show (``decimal_mark`` of ``_files``); when
    none shows one, the mark the amounts' currencies decide (``_mark_of_currency``) when they
    all decide the same, else None (each amount then shows its own, or reads two ways)."""
    cells = [(raw.get(c), raw.get("currency")) for raw in raws for c in AMOUNT_COLUMNS]
    mark = file_decimal_mark(cell for cell, _ in cells)
    if mark is not None or any(mark_shown(cell) for cell, _ in cells if cell):
        return mark
    decided = {_mark_of_currency(cell, currency) for cell, currency in cells if cell} - {None}
    return decided.pop() if len(decided) == 1 else None


def _two_readings(text: str) -> tuple[str, str, str] | None:
    """The separator of a number that shows no mark (``250.500``, ``1,000``) and its two
    readings, as decimals and as thousands (``250.500``, ``250500``); None for one that shows
    its mark or has no separator."""
    cleaned = clean_number(text)
    body = cleaned.lstrip("+-")
    sep = "," if "," in body else "." if "." in body else ""
    if not sep or mark_shown(text) is not None:
        return None
    whole, _, decimals = body.partition(sep)
    return sep, f"{whole}.{decimals}", f"{whole}{decimals}"


def _mark_of_currency(text: str, currency: str) -> str | None:
    """The decimal mark an amount that shows none must have by its currency: the other
    sign, for a currency without decimals (JPY, KRW) when read as decimals it is a fraction
    of the currency's unit (``1,500`` JPY is not 1.5 yen: the comma separates thousands).
    None when both readings are amounts (``250.500`` KWD, ``1,000`` JPY: one yen or a
    thousand?), the currency is none q2c knows, or it has decimals: ``10.005`` EUR may be a
    third decimal a converter left as well as ten thousand and five, and is never guessed."""
    read = _two_readings(text)
    if read is None:
        return None
    sep, as_decimals, _ = read
    try:
        money = Money(Decimal(as_decimals), currency.strip().upper())
    except (Q2CError, ArithmeticError):
        return None
    if minor_units(money.currency) != 0 or money.is_rounded():
        return None
    return "." if sep == "," else ","


def _csv_amount(text: str, field: str, mark: str | None, currency: str) -> Decimal:
    """A CSV statement's amount in the file's ``mark`` (``parse_decimal``). Without one, an
    amount that shows none is read as its currency decides (``_mark_of_currency``), else
    refused: one or one thousand, said in its currency, and how to tell the importer."""
    if mark is None:
        read = _two_readings(text)
        if read is not None:
            mark = _mark_of_currency(text, currency)
            if mark is None:
                _, as_decimals, as_thousands = read
                code = currency.strip().upper()
                try:
                    unit = f" {Money(Decimal(0), code).currency}"
                except Q2CError:
                    unit = ""
                raise CellError(
                    f"is ambiguous: {as_decimals}{unit} or {as_thousands}{unit}? no amount of "
                    "this file shows its decimal mark: import it with decimal_mark='.' or ',' "
                    "(q2c import bank-statement --decimal-mark)",
                    field=field,
                    value=text,
                )
    return parse_decimal(text, field, mark)


def read_bank_csv(
    text: str,
    *,
    today: date | None = None,
    account: str = "",
    accounts_known: Callable[[], Iterable[str]] | None = None,
    date_order: str | None = None,
    decimal_mark: str | None = None,
) -> tuple[list[BankCreditRow], list[RowProblem], int]:
    """Parse a CSV bank statement: its credits, problems by line, and debit rows ignored.

    The file's decimal mark is ``decimal_mark`` (``"."`` or ``","``, ``check_decimal_mark``)
    when the caller says it, else read from its amounts (``1.785,00`` shows a comma): a ``.``
    in a decimal-comma file only separates thousands. A file none of whose amounts shows its
    mark (``250.500`` KWD: 250.5 or 250500?) is read by the amounts' currencies where they
    decide it (``1,500`` JPY is no 1.5 yen: the comma separates thousands, in every amount of
    the file; ``_mark_of_currency``), else each amount that reads two ways is a row problem
    saying so, with advice fitting its currency (``decimal_mark``). ``today`` (default: the
    real today) bounds plausible booking dates. A slash date reads in ``date_order``
    (``"dmy"``: ``10/04/2024`` is 10 April; ``"mdy"``), else in the order the file's dates
    show, else day first in a decimal-comma file; one that still reads two ways is a row
    problem.

    A credit is of the account its row names (the ``account`` column), else of ``account``
    (the statement's, when the caller knows it). A credit of no account known is looked for,
    as the same credit, on every account in ``accounts_known()`` (asked once, only then: the
    accounts statements booked before named), so whatever statement booked it, and with
    whatever account, it is booked once. ``text`` is the file's text (bytes are refused,
    ``InvalidValue`` naming ``text``: ``BankStatementImporter`` decodes them).
    """
    if not isinstance(text, str):
        raise InvalidValue(
            f"must be the statement's text, not {type(text).__name__}", field="text", value=None
        )
    problems, reader = read_csv(text, ALIASES, REQUIRED, fallbacks=FALLBACKS, joined=JOINED)
    rows: list[BankCreditRow] = []
    if problems:
        return rows, problems, 0
    ignored = 0
    seen: dict[str, int] = {}
    everyone: dict[str, int] = {}  # credits by content, with a reference or not
    asked: list[tuple[str, ...]] = []

    def known() -> tuple[str, ...]:
        if not asked:
            found = accounts_known() if accounts_known is not None else ()
            asked.append(tuple(dict.fromkeys(a for a in map(own_account, found) if a)))
        return asked[0]

    raws = list(reader)
    # a file without an IBAN column cannot name the payer's account: its credits may be any
    # payer's (one with the column and an empty cell is a credit the bank named none of)
    names_payers = any("iban" in raw.cells for raw in raws)
    mark = check_decimal_mark(decimal_mark) or _file_mark(raws)
    order = file_date_order(
        (d for raw in raws for d in (raw.get("date"), raw.got_before("date"))),
        given=date_order,
        mark=mark,
    )
    for raw in raws:
        column = _amount_column(raw)
        try:
            if not column:
                raise CellError("give an amount, or a credit or debit", field="amount")
            amount = _csv_amount(raw.get(column), column, mark, raw.get("currency"))
            if column == "credit" and amount and raw.get("debit") not in _NO_AMOUNT:
                # a row books a credit or a debit: read as its credit, its debit was dropped
                debit = _csv_amount(raw.get("debit"), "debit", mark, raw.get("currency"))
                if debit:
                    raise CellError(
                        f"the row gives a credit ({raw.get('credit')}) and a debit "
                        f"({raw.get('debit')}): a row is one or the other (write the other "
                        "empty or 0)",
                        field="debit",
                        value=raw.get("debit"),
                    )
            direction = raw.get("direction").strip().upper()
            if direction and direction not in _CREDIT | _DEBIT:
                raise CellError("must say credit or debit (C/D, CRDT/DBIT, H/S)", field="direction")
            # the direction gives the sign of an always-positive amount: one saying the opposite
            # of the amount's own sign (-595.00 said to be a credit, a credit column's amount
            # said to be a debit) is read neither way
            debit_by_amount = amount < 0 or column == "debit"
            said_debit = direction in _DEBIT
            if (
                amount
                and direction
                and ((said_debit and column == "credit") or (not said_debit and debit_by_amount))
            ):
                raise CellError(
                    f"says {'debit' if said_debit else 'credit'} ({raw.get('direction')}), but "
                    f"the {column} column gives {raw.get(column)}: the direction and the amount's "
                    "sign must agree (is it money in or out?)",
                    field="direction",
                    value=raw.get("direction"),
                )
            if debit_by_amount or said_debit:
                amount = -abs(amount)
            if amount <= 0 or _pending(raw.get("status")):
                ignored += 1  # (a debit, or money the bank has not booked yet)
                continue
            booked_on = _booking_date(raw.required("date"), "date", today, order)
            currency = raw.required("currency")
            account_cell = own_account(_shown_account(raw.get("account"), "account"))
            written_reference = raw.get("reference")
            reference = _reference(written_reference)  # NONREF is no reference
            credit = StatementCredit(
                booked_on=booked_on,
                amount=_money(amount, currency, column, "currency"),
                bank_reference=reference,
                remittance=raw.get("remittance"),
                debtor_name=raw.get("name"),
                debtor_account=_shown_account(raw.get("iban"), "iban").replace(" ", "").upper(),
                account=account_cell or own_account(_shown_account(account, "account")),
            )
            # a card number or control character in its text refuses the row here, by its
            # line and column
            _refuse_unstorable_text(credit, _CSV_COLUMNS)
            read_before = _csv_credit_read_before(raw, credit, order)
            # the accounts the same credit may be booked on by a statement that named another
            # (or none): none for a credit of a known account, every one known for one of none
            others = ("",) if credit.account else known()
            aliases: tuple[str, ...] = ()
            former_keys: tuple[str, ...] = ()
            remittance = raw.first("remittance")
            # its occurrence among every credit of the file of its content, with a reference
            # or not: how a statement without the reference names it
            by_content = _content_names(everyone, credit, remittance, others)
            payer_aside = _payer_aside_names(everyone, credit, remittance, others)
            if reference:
                key, aliases, former_keys = _csv_reference_keys(reference, credit.account, others)
                aliases = (*aliases, *by_content)
            else:
                # named by its content as the camt.053 reader names it (``content_key``: by
                # the payer's purpose, the file's first remittance column), and so on each of
                # the ``others`` accounts (none, for a row that names one)
                key, *named_so = _content_names(seen, credit, remittance, others)
                aliases = tuple(named_so)
                place = named_so[0].rsplit(":", 1)[1]  # its occurrence by ``content_key``
                # before the formats agreed, this reader hashed the payer's name too, the
                # camt.053 reader not; earlier still, the amount as written (250, not 250.00),
                # and the last of two date or remittance columns (``read_before``); a statement
                # with another account (or none) hashed that one
                reads = [read for read in (credit, read_before) if read is not None]
                reads += [attrs.evolve(read, account=other) for read in reads for other in others]
                n = _occurrence(seen, _csv_content(credit, _amount_key(credit.amount)))
                formers = [
                    f"{_csv_content(read, amount_text)}:{n.rsplit(':', 1)[1]}"
                    for read in reads
                    for amount_text in (_amount_key(read.amount), str(read.amount.amount))
                ]
                # a file giving only the value date and the bank's text named it by those
                # (as this version names such a file's credit, and as versions before it did)
                if read_before is not None:
                    seen_as = read_before.remittance
                    unsplit_place = key.rsplit(":", 1)[1]
                    for a in (credit.account, *others):
                        read = attrs.evolve(read_before, account=a)
                        formers += [
                            f"{unsplit_content_key(read, seen_as)}:{unsplit_place}",
                            f"{content_key(read, seen_as)}:{place}",
                        ]
                m = _occurrence(seen, _camt_content(credit.account, credit))
                formers += [
                    f"{_camt_content(a, credit)}:{m.rsplit(':', 1)[1]}"
                    for a in (credit.account, *others)
                ]
                former_keys = tuple(f for f in dict.fromkeys(formers) if f != key)
                if written_reference:  # a placeholder earlier versions took for a reference
                    former_keys = (f"csv:{account_cell}:{written_reference}", *former_keys)
            rows.append(
                BankCreditRow(
                    raw.line,
                    key,
                    credit,
                    former_keys,
                    read_before,
                    aliases=aliases,
                    names_payers=names_payers,
                    payer_aside=payer_aside,
                )
            )
        except Q2CError as e:
            # the credit's amount is refused by the column the file wrote it in
            field = column if e.field == "amount" and column else e.field or "row"
            problems.append(RowProblem(raw.line, field, e.rule))
    return rows, problems, ignored


def _csv_reference_keys(
    reference: str, account: str, others: Iterable[str]
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The key of a CSV credit the bank's ``reference`` names on ``account`` ("" when neither
    the row nor the caller says), its aliases (the same reference on each of the ``others``
    accounts, and as earlier CSV readers keyed it) and its former keys (an entry of one
    transaction earlier camt.053 readers booked at its place ``:0``: the same credit when it
    reads the same, else a transaction of an entry of several)."""
    key = reference_key(account, reference)
    aliases = list(_reference_aliases(account, reference))
    for other in others:
        aliases += [reference_key(other, reference), f"csv:{other}:{reference}"]
    formers = [f"{reference_key(a, reference)}:0" for a in (account, *others) if a]
    return (
        key,
        tuple(k for k in dict.fromkeys(aliases) if k != key),
        tuple(dict.fromkeys(formers)),
    )


def _csv_content(credit: StatementCredit, amount_text: str) -> str:
    """The hash a CSV credit without a bank reference is known by (before its occurrence)."""
    return _hash_key(
        credit.account,
        credit.booked_on.isoformat(),
        amount_text,
        credit.amount.currency,
        credit.remittance,
        credit.debtor_name,
        credit.debtor_account,
    )


def _csv_credit_read_before(
    raw: CsvRow, credit: StatementCredit, order: str | None
) -> StatementCredit | None:
    """The credit as earlier versions read a row giving two date or remittance columns (the
    last of each: the value date, the bank's description), None when they read it so too."""
    if not ({"date", "remittance"} & raw.read_before.keys()):
        return None
    try:
        return attrs.evolve(
            credit,
            booked_on=parse_date(raw.got_before("date"), "date", order),
            remittance=raw.got_before("remittance"),
        )
    except Q2CError:
        return None  # they could not have booked it


# byte-order marks of the encodings a camt.053 may be saved in besides UTF-8 (UTF-32's first,
# as UTF-32-LE's begins with UTF-16-LE's)
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _wide_xml_as_utf8(source: ImportSource, data: bytes) -> bytes:
    """A statement saved as UTF-16 or UTF-32 (its byte-order mark says so) that is XML, as
    UTF-8, its declaration saying so, for the camt.053 reader; other data as it is (a UTF-16
    CSV is read as such). Bytes the encoding cannot read, or a UTF-32 file that is no XML,
    refuse the file, saying why."""
    encoding = next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)
    if encoding is None:
        return data
    try:
        text = data.decode(encoding.lower())
    except UnicodeDecodeError as e:
        line = data[: e.start].decode(encoding.lower(), errors="replace").count("\n") + 1
        rule = f"is not {encoding}, though it starts with {encoding}'s byte-order mark"
        raise ImportRejected(source.file_name, [RowProblem(line, "file", rule)]) from None
    if not text.lstrip().startswith("<"):
        if encoding == "UTF-16":
            return data
        rule = "a CSV statement in UTF-32 is not read: save it as UTF-8"
        raise ImportRejected(source.file_name, [RowProblem(1, "file", rule)])
    declared = re.sub(
        r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""", r"\1\2UTF-8\2", text, count=1
    )
    return declared.encode()


class BankStatementImporter(FileImporter):
    """Imports camt.053 or CSV bank statements into a QuoteToCash application.

    ``accounts`` maps debtor IBANs to customer ids, for payers whose name is not the customer's.
    ``account`` is our account a CSV statement without an account column is of, when the
    caller knows it; without it, such a statement's credits are looked for on every account
    statements booked before named (``QuoteToCash.bank_accounts``); one written with an
    invisible or full-width character is refused here (``check_own_account``).
    ``decimal_mark`` (``"."`` or ``","``) is a CSV statement's decimal mark, for a file whose
    amounts do not show it (``250.500`` KWD: 250.5 or 250500?), as ``date_order`` is the order
    of its slash dates; another value is refused here (``check_decimal_mark``). A camt.053
    reversal that bounces (or returns) the credit it names counts as recorded; one an earlier
    statement already applied, as skipped.
    """

    kind = ImportKind.BANK_STATEMENT

    def __init__(
        self,
        app: QuoteToCash,
        *,
        accounts: Mapping[str, UUID] | None = None,
        today: date | None = None,
        account: str | None = None,
        date_order: str | None = None,
        decimal_mark: str | None = None,
    ) -> None:
        self.app = app
        self.accounts = check_map(accounts, "accounts")
        self.today = check_today(today)
        self.account = check_own_account(account or "")
        self.date_order = check_date_order(date_order)
        self.decimal_mark = check_decimal_mark(decimal_mark)

    def _record(self, source: ImportSource, data: bytes, actor: str) -> ImportReport:
        """A statement is camt.053 XML by its content, CSV otherwise."""
        reversals: list[BankReversalRow] = []
        data = _wide_xml_as_utf8(source, data)
        if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            read = read_camt053_statement(data, today=self.imported_on)
            rows, problems, ignored = read.rows, read.problems, read.ignored
            reversals = read.reversals
        else:
            rows, problems, ignored = read_bank_csv(
                self._text(source, data),
                today=self.imported_on,
                account=self.account,
                accounts_known=self.app.bank_accounts,
                date_order=self.date_order,
                decimal_mark=self.decimal_mark,
            )
        return self.app.import_bank_credits(
            source,
            rows,
            reversals=reversals,
            imported_on=self.imported_on,
            actor=actor,
            accounts=self.accounts,
            ignored=ignored,
            problems=problems,
        )
