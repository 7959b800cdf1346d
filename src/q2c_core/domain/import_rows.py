"""Rows read from outside files, parsed into typed values, each with the line it came from.

Importers (in ``q2c_adapters.importers``) read files into these rows; the import commands check
every row against the recorded state and record them all, or none.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from q2c_core.domain.bank_credit import StatementCredit
from q2c_core.domain.contract import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    PeriodAlignment,
    SubContractKind,
)
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.money import Money, to_decimal


@attrs.frozen
class TimeEntryRow:
    """One time entry from a PSA export.

    ``request_ref`` is a request id or a ticket reference; ``rate`` None means "the request's
    estimated hourly rate"; ``currency`` None means the request's (or else its customer's).

    Made by importers outside q2c too (an ERP's own reader hands them to
    ``QuoteToCash.import_time_entries``), a row is checked as it is made: every field of the
    type it declares, or ``InvalidValue`` naming the field and the line. A billable cell
    passed as typed (``"no"``, any text being true) would bill work the PSA says is not
    billable, and a day as text, or no worker, would fail deep in the import.
    """

    line: int
    entry_id: str
    worker: str
    work_date: date
    hours: Decimal
    request_ref: str
    billable: bool = True
    note: str = ""
    rate: Decimal | None = None
    currency: str | None = None
    # ids this entry was imported under by earlier versions of the reader, or from an export
    # without the PSA's id column (the same work)
    former_ids: tuple[str, ...] = ()
    # whether ``entry_id`` is derived from the row's content (an export without the PSA's id
    # column): its former ids are then its own earlier names, the same content at the same
    # occurrence, known whichever PSA id has claimed them since
    named_by_content: bool = False

    def __attrs_post_init__(self) -> None:
        _require_line(self.line)
        for field, kind, optional in _TIME_ENTRY_FIELDS:
            value = getattr(self, field)
            if value is None and optional:
                continue
            if kind is bool:
                typed = type(value) is bool  # (not 0 or 1, nor text: "no" is true)
            elif kind is date:
                typed = isinstance(value, date) and not isinstance(value, datetime)
            else:
                typed = isinstance(value, kind)
            if not typed:
                what = f"must be {_WORDS[kind]}, not {type(value).__name__}"
                raise _refused(self.line, field, what, value)
            if kind is Decimal:
                try:
                    to_decimal(value, field)  # finite, and in a ledger's range
                except InvalidValue as e:
                    raise _refused(self.line, field, e.rule, value) from None
        if not all(isinstance(i, str) for i in self.former_ids):
            raise _refused(self.line, "former_ids", "must be a tuple of entry ids", self.former_ids)


# what each field of a time entry row must be: (field, type, None allowed)
_TIME_ENTRY_FIELDS: tuple[tuple[str, type, bool], ...] = (
    ("entry_id", str, False),
    ("worker", str, False),
    ("work_date", date, False),
    ("hours", Decimal, False),
    ("request_ref", str, False),
    ("billable", bool, False),
    ("note", str, False),
    ("rate", Decimal, True),
    ("currency", str, True),
    ("former_ids", tuple, False),
    ("named_by_content", bool, False),
)
_WORDS = {
    str: "text",
    date: "a date (a business day, not a datetime)",
    Decimal: "a Decimal",
    bool: "True or False",
    tuple: "a tuple of entry ids",
}


def _refused(line: int, field: str, rule: str, value: Any) -> InvalidValue:
    return InvalidValue(f"{rule} (line {line})", field=field, value=value)


def _require_line(line: object) -> None:
    """A row's line number is an int (the file's line it was read from)."""
    if type(line) is not int:
        raise InvalidValue(
            f"must be a line number (int), not {type(line).__name__}", field="line", value=line
        )


def _check_fields(
    row: object, fields: tuple[tuple[str, tuple[type, ...], bool], ...], line: int | None
) -> None:
    """Each of ``row``'s ``fields`` of its types (a date no datetime, a bool no number nor
    text: "no" would be true), or ``InvalidValue`` naming it (and the row's ``line``)."""
    for field, kinds, optional in fields:
        value = getattr(row, field)
        if value is None and optional:
            continue
        if kinds == (bool,):
            typed = type(value) is bool
        elif kinds == (date,):
            typed = isinstance(value, date) and not isinstance(value, datetime)
        else:
            typed = isinstance(value, kinds)
        if not typed:
            words = " or ".join(_KIND_WORDS.get(k, k.__name__) for k in kinds)
            rule = f"must be {words}, not {type(value).__name__}"
            if line is None:
                raise InvalidValue(rule, field=field, value=value)
            raise _refused(line, field, rule, value)


_KIND_WORDS: dict[type, str] = {
    str: "text",
    date: "a date (a business day, not a datetime)",
    bool: "True or False",
    Decimal: "a Decimal",
}


@attrs.frozen
class SubContractRow:
    """A sub-contract line of a CRM contract export. ``annual_price`` is Money, or an amount
    in its contract's currency (the row's, else the customer's: an export without a currency
    column). ``effective_from_given`` is False when the export left its start day empty
    (``effective_from`` is then its row's term start, which only a new contract's sub-contract
    may take: one added to a contract already billed would be billed back to that day).
    ``effective_to`` is the day after its last day covered, None open-ended. Its fields are
    checked as it is made (``ContractRow``), ``InvalidValue`` naming the field."""

    sub_id: str
    description: str
    kind: SubContractKind
    effective_from: date
    annual_price: Money | Decimal
    effective_to: date | None = None
    effective_from_given: bool = True

    def __attrs_post_init__(self) -> None:
        _check_fields(self, _SUB_FIELDS, None)
        if isinstance(self.annual_price, Decimal):
            to_decimal(self.annual_price, "annual_price")  # finite, in a ledger's range


# what each field of a sub-contract row must be: (field, types, None allowed)
_SUB_FIELDS: tuple[tuple[str, tuple[type, ...], bool], ...] = (
    ("sub_id", (str,), False),
    ("description", (str,), False),
    ("kind", (SubContractKind,), False),
    ("effective_from", (date,), False),
    ("annual_price", (Money, Decimal), False),
    ("effective_to", (date,), True),
    ("effective_from_given", (bool,), False),
)


@attrs.frozen
class ContractRow:
    """One row of a CRM contract export: the master contract, optionally one sub-contract.

    Rows of one contract repeat its columns; they must agree. ``term_end`` is the day after the
    last day covered (a ``Period``'s end: the CSV reader adds a day to the export's last day).
    Made by importers outside q2c too, a row is checked as it is made: every field of the type
    it declares (a date no datetime, an enum member, not its text), or ``InvalidValue`` naming
    the field and the line.
    """

    line: int
    number: str
    customer_ref: str
    term_start: date
    term_end: date
    frequency: BillingFrequency
    signed_on: date
    currency: str | None = None
    timing: BillingTiming = BillingTiming.IN_ADVANCE
    alignment: PeriodAlignment = PeriodAlignment.ANNIVERSARY
    day_count: DayCount = DayCount.ACTUAL
    auto_renew: bool = False
    activated_on: date | None = None
    sub: SubContractRow | None = None
    renewal_uplift_percent: Decimal | None = None
    # False when the export only says the contract is active, no day (``activated_on`` is then
    # its term start, the day an activation by this row takes effect)
    activated_on_given: bool = True
    # False when the export gives no signing day (``signed_on`` is then its term start, which
    # a recorded contract is not compared with: the term it shows may be a renewed one)
    signed_on_given: bool = True

    def __attrs_post_init__(self) -> None:
        _require_line(self.line)
        _check_fields(self, _CONTRACT_FIELDS, self.line)
        if self.renewal_uplift_percent is not None:
            try:
                to_decimal(self.renewal_uplift_percent, "renewal_uplift_percent")
            except InvalidValue as e:
                raise _refused(self.line, e.field, e.rule, e.value) from None

    def master_terms(self) -> dict[str, object]:
        """The master-contract columns by the export's name of each, to compare rows of the
        same contract. Not the customer's text: rows of one contract are those naming one
        customer, however they write it (its name in other case or spacing, or its id)."""
        return {
            "term_start": self.term_start,
            "term_end": self.term_end,
            "frequency": self.frequency,
            "signed_on": self.signed_on,
            "currency": self.currency,
            "timing": self.timing,
            "alignment": self.alignment,
            "day_count": self.day_count,
            "auto_renew": self.auto_renew,
            "activated_on": self.activated_on,
            "renewal_uplift": self.renewal_uplift_percent,
        }


# what each field of a contract row must be: (field, types, None allowed)
_CONTRACT_FIELDS: tuple[tuple[str, tuple[type, ...], bool], ...] = (
    ("number", (str,), False),
    ("customer_ref", (str,), False),
    ("term_start", (date,), False),
    ("term_end", (date,), False),
    ("frequency", (BillingFrequency,), False),
    ("signed_on", (date,), False),
    ("currency", (str,), True),
    ("timing", (BillingTiming,), False),
    ("alignment", (PeriodAlignment,), False),
    ("day_count", (DayCount,), False),
    ("auto_renew", (bool,), False),
    ("activated_on", (date,), True),
    ("sub", (SubContractRow,), True),
    ("renewal_uplift_percent", (Decimal,), True),
    ("activated_on_given", (bool,), False),
    ("signed_on_given", (bool,), False),
)


@attrs.frozen
class BankCreditRow:
    """One credit of a bank statement, with a key that names it across statements.

    ``aliases`` are other keys that name this very credit for certain (the bank's same
    reference on the same account, as another format, a statement that did not say its
    account, or an earlier version of the reader keyed it): a credit booked under one is this
    credit again, skipped, or another credit under its reference, refused. ``former_keys`` are
    keys an earlier version may have booked it under that can also name another credit (the
    payer's EndToEndId, a hash): a credit booked under one is this credit only when it reads
    the same, else it is another credit.

    ``names_payers`` says whether the row's statement names the payer's account of a credit
    where the bank gave one (a camt.053, a CSV with an IBAN column): a CSV export without that
    column does not, and its credit may be any payer's. ``payer_aside`` are the credit's names
    by its content with the payer's account aside (``a:`` keys, at its occurrence among every
    credit of the statement of that content): a credit booked so is this one only when one of
    the two statements names payers and the other cannot (two statements naming payers tell
    two payers' credits apart, also a payer's from one the bank named no account of).
    """

    line: int
    credit_key: str
    credit: StatementCredit
    # keys this credit was booked under by earlier versions of the reader (the same credit)
    former_keys: tuple[str, ...] = ()
    # the credit as earlier versions of the reader read the same row, when they read it
    # otherwise (the last of two date or remittance columns): booked so, it is this credit
    read_before: StatementCredit | None = None
    aliases: tuple[str, ...] = ()
    names_payers: bool = True
    payer_aside: tuple[str, ...] = ()
    # the statement's own name of the bank's reference, for the problems of the row (a
    # camt.053's AcctSvcrRef; a CSV's reference column)
    reference_field: str = "reference"


@attrs.frozen
class BankReversalRow:
    """A booked reversal of a credit in a bank statement: the bank took its money back.

    It names the credit by the bank's own ``reference`` for it (never the payer's), and
    ``credit_keys`` are every key the credit that reference names may be booked under (the
    reader knows its keys): exactly one of them must name a booked credit, of the reversal's
    ``amount``, booked by ``reversed_on``. None is a credit never booked; two are several
    credits under one reference (the transactions of a batch entry), not the one taken back.
    ``reason`` says why, for the bounce. The ``*_field`` attributes are the statement's own
    names of the reference, the amount and the booking date, for the problems of the row.
    """

    line: int
    reversed_on: date
    amount: Money
    reference: str
    credit_keys: tuple[str, ...]
    reason: str
    reference_field: str = "reference"
    amount_field: str = "amount"
    date_field: str = "date"
    # keys earlier versions of the reader may have booked that credit under (the payer's
    # EndToEndId the reversal repeats), asked only when ``credit_keys`` name no credit
    former_keys: tuple[str, ...] = ()
