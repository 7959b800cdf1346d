"""A Beancount ledger of q2c's facts, built from the notification log so replay gives the same text.

Each booking event becomes one or more balanced transactions:

- an issued invoice: receivable per customer against revenue by kind and tax payable per category
  (maintenance goes to deferred revenue and is recognised month by month over its period, and
  work invoiced before its request is completed is deferred until the completion day, the
  revenue schedule's rules; a deposit is a customer deposit liability until it is deducted on
  the final invoice);
- an issued credit note: the reverse, linked to the invoice it credits; when the work is written
  off, the net goes to a write-off expense instead of reversing revenue (a billing run's
  correction is never a write-off: the days it credits were not served at that price, so their
  revenue is reversed, also where an older history recorded it as written off; a deposit line is
  never one either: its credit gives the deposit back, or holds it again when it credits the
  deduction on a final invoice);
- a payment received: bank against customer credit; an allocation moves customer credit onto the
  invoice's receivable; a reversed allocation or a bounce moves it back (and a bounce returns the
  money to the bank); a refund pays customer credit back out of the bank;
- a bank credit from a payer q2c cannot name (booked with no payment, in suspense): bank against
  ``Liabilities:Suspense`` (unidentified receipts) on the day the bank booked it. Assigned to a
  customer later, it moves from suspense to the customer's credit on the day it was resolved
  (the payment the resolution creates, received on the resolution day, books no bank money again:
  the money was in the bank, and the ledger, from the booking day; its allocations then move it
  onto the receivables as any payment's); sent back to its sender, it leaves suspense and the
  bank on the return day. So the balances of days already past never change when it is
  resolved. A credit booked with its payment (a known customer) is booked as that payment;
- a credit the bank took back after its payment was assigned or allocated on a later day than
  the bank's (``CreditReversedByBank``, its payment bouncing on that later day; also a known
  customer's credit still in suspense, its payment allocated by hand; or one a person returned
  to its sender on a later day, its money leaving the bank on the return day): the money
  leaves the bank on the bank's day, into ``Liabilities:Suspense`` (money the bank took back
  that the books still credit to a payer, for an accountant to clear, which the suspense list
  of those days lists at minus its amount), and comes back on the
  bounce day for the bounce to take out, so the bank is the statement's on every day. A payment
  a person bounced by hand before the bank's day is the mirror: the bank held the money until
  its day, so it comes back into the bank from ``Liabilities:Suspense`` on the bounce day
  (credited to nobody, as the suspense list of those days lists it) and leaves on the bank's;
- revenue recognised to date: a line's month share is the difference of its running totals
  (``RecognitionLine.steps``, the schedule's own), each rounded; on each month end and each
  day a document is issued, per currency, what the schedule's once-rounded running total of
  the lines invoiced by then differs from those shares by (days earned since the last month
  share, in the middle of a month, and rounding) is booked as such (``RecognisedToDate``), so
  on those days deferred revenue and income are the revenue report's to the cent;
- refunds owed back: a payment that bounces after part of it was refunded leaves the customer
  owing what was refunded (q2c's credit is negative by as much). Customer credit is a liability
  and never holds a debit balance: on every day the credit is negative, what it is negative by
  is on the customer's ``Assets:RefundsOwed`` receivable instead (what the receivables aging
  counts in its ``refunds owed`` row), moved there on the day the credit goes below zero and
  back on the day money the customer sends covers it.

Each customer's accounts (``Assets:Receivables``, ``Liabilities:CustomerCredit``,
``Assets:RefundsOwed``, ``Liabilities:CustomerDeposits``) are named by the name it was registered
with and its whole id (``customer_component``: ``Muller-GmbH-0192…`` with all 32 hex digits),
never by its current name: one customer, one set of accounts for its whole life, whatever
renames came between, so a running journal and a full export name them alike; and two
customers, however alike their names and however close their registrations, never share one. A
journal that opened customer accounts named the way q2c named them before (the name at the
time and the id's first 8 hex digits, its clock: customers registered within a minute shared
accounts, and a rename opened new ones) is refused when opened (``InvalidValue`` naming
``path``): export the ledger anew.

Every transaction is linked (``^``) by the invoice numbers it concerns (``_link``: a number in
another script than Latin too, each by a link of its own) and carries the event id
(``originator_id:version``), the customer, the contracts and the purchase order as metadata.
The customer is named (payee and ``customer:``) as the booked fact names it: an invoice or
credit note, and what its issue books, by the buyer it was issued to (``buyer_details``, what
its PDF, e-invoice and exports name), whatever renames came after; a payment, an allocation, a
refund or a bounce by the customer's name when it was recorded (the customer as of that event in
the log). The
aggregate state a booking needs is read at the event's own version, and what the book keeps
across events (each customer's credit by day, for the refunds owed) comes from the events booked
before, so the ledger is a pure function of the event log. What revenue is recognised on rests
on every invoice issued before (the once-rounded totals): the book follows the log itself up to
each event it books (a journal opened anew reads the log up to the first event it is given).
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import hashlib
import os
import re
import unicodedata
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import attrs
from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import Notification

from q2c_core.app_base import BaseApp
from q2c_core.domain.bank_credit import BankCredit
from q2c_core.domain.contract import Contract
from q2c_core.domain.customer import Customer
from q2c_core.domain.enhancement_request import cancellation_day
from q2c_core.domain.errors import InvalidValue, Q2CError
from q2c_core.domain.invoice import Invoice, InvoiceKind, buyer_details
from q2c_core.domain.invoice_lines import InvoiceLine, RevenueKind
from q2c_core.domain.money import Money, minor_units
from q2c_core.domain.payment import Payment, PaymentAllocation, reversal_day
from q2c_core.domain.tax import TaxRate
from q2c_core.domain.write_offs import writes_off
from q2c_core.ports import PoisonEvent
from q2c_core.projections.revenue import (
    RecognisedToDate,
    RecognitionLine,
    RecognitionStep,
    RevenueSchedule,
)

A = TypeVar("A", bound=Aggregate)

BANK = "Assets:Bank"
# money in the bank from a payer not yet identified (a bank credit in suspense with no payment)
SUSPENSE = "Liabilities:Suspense"
CUSTOMER_CREDIT = "Liabilities:CustomerCredit"
RECEIVABLES = "Assets:Receivables"
REFUNDS_OWED = "Assets:RefundsOwed"
CUSTOMER_DEPOSITS = "Liabilities:CustomerDeposits"
# the accounts kept per customer (``customer_component`` names the customer under them)
CUSTOMER_ROOTS = (RECEIVABLES, CUSTOMER_CREDIT, REFUNDS_OWED, CUSTOMER_DEPOSITS)
DEFERRED_MAINTENANCE = "Liabilities:DeferredRevenue:Maintenance"
MAINTENANCE_INCOME = "Income:Maintenance"
# work invoiced before its request is completed, until the completion day
DEFERRED_ENHANCEMENT = "Liabilities:DeferredRevenue:Enhancement"
ENHANCEMENT_INCOME = "Income:Enhancement"
# the transactions that bring maintenance recognised to date to the schedule's running total
TO_DATE_PAYEE = "Revenue recognition"
TO_DATE_NARRATION = "Maintenance to date: running total rounded once per currency"
REVENUE_ACCOUNTS: dict[RevenueKind, str] = {
    RevenueKind.ENHANCEMENT: ENHANCEMENT_INCOME,
    RevenueKind.MAINTENANCE: DEFERRED_MAINTENANCE,
    RevenueKind.EXPENSE: "Income:RebilledExpenses",
    RevenueKind.OTHER: "Income:Other",
}
WRITE_OFF_ACCOUNTS: dict[RevenueKind, str] = {
    kind: f"Expenses:WriteOffs:{kind.value.capitalize()}"
    for kind in RevenueKind
    if kind is not RevenueKind.DEPOSIT  # a deposit is the customer's money, never revenue
}
# a small remainder of an invoice written off (``write_off_remainder``): a bank fee taken off a
# transfer, a rounding difference; a credit loss on the receivable, not revenue taken back
REMAINDER_WRITE_OFFS = "Expenses:WriteOffs:Receivables"


def event_id(event: DomainEventProtocol[UUID]) -> str:
    """The event's idempotency key: ``originator_id:originator_version``."""
    return f"{event.originator_id}:{event.originator_version}"


def customer_component(customer_id: UUID, name: str) -> str:
    """A valid Beancount account component for a customer: its name, then its whole id.

    ``name`` is the name the customer was registered with (``LedgerBook`` passes that, never
    the current one), so a customer's accounts keep their name for the customer's whole life:
    a running journal and a full export name them the same way, whatever renames came between.
    The id is all 32 hex digits: q2c's ids are time-ordered (their first digits are the clock,
    the same for customers registered within a minute) or derived from an ERP reference, and
    only the whole id is sure to differ between two customers, whatever their names.

    The name is kept readable: a Latin letter with accents or in a compatibility form is its
    plain letter (``Müller`` is ``Muller``, ``ﬁ`` is ``fi``), letters of other scripts stay as
    they are (Beancount takes any letter), everything else separates words (``A&B Ltd`` is
    ``A-B-Ltd``; marks Beancount does not take, a Devanagari vowel sign, are left out of their
    word), each word starts with a capital where its script has them, and at most 40
    characters are kept. A component must start with a capital letter or a digit: one that
    would not (a name in a script without capitals) starts with ``C-``.
    """
    words: list[str] = []
    word: list[str] = []
    for ch in unicodedata.normalize("NFC", name) + " ":
        kept = _account_letters(ch)
        if kept:
            word.append(kept)
        elif unicodedata.category(ch).startswith("M"):
            continue  # a vowel sign or accent Beancount does not take: left out of the word
        elif word:
            words.append("".join(word))
            word = []
    base = "-".join(w[:1].upper() + w[1:] for w in words)
    base = "".join(ch for ch in base if ch == "-" or _letter_or_digit(ch))[:40].rstrip("-")
    if not base:
        base = "Customer"
    elif unicodedata.category(base[0]) not in ("Lu", "Nd"):
        base = "C-" + base
    return f"{base}-{customer_id.hex}"


def _letter_or_digit(ch: str) -> bool:
    """A character Beancount takes in an account component (a letter or a decimal digit)."""
    return ch.isalpha() or unicodedata.category(ch) == "Nd"


def _account_letters(ch: str) -> str:
    """What one character of a name is in an account component: a Latin letter or digit with
    accents or in a compatibility form as its plain ASCII one(s), another letter or digit as
    it is, anything else nothing (a word break)."""
    if ch.isascii():
        return ch if ch.isalnum() else ""
    plain = unicodedata.normalize("NFKD", ch)
    ascii_part = "".join(c for c in plain if c.isascii())
    if ascii_part.isalnum() and all(c.isascii() or unicodedata.combining(c) for c in plain):
        return ascii_part
    return ch if _letter_or_digit(ch) else ""


def tax_account(rate: TaxRate) -> str:
    """The tax payable account of one category and rate (``Liabilities:TaxPayable:S-21``)."""
    pct = format(rate.rate.normalize(), "f").replace(".", "-")
    return f"Liabilities:TaxPayable:{rate.category.code}-{pct}"


@attrs.frozen
class Posting:
    """One leg of a transaction."""

    account: str
    amount: Money


@attrs.frozen
class Transaction:
    """A balanced Beancount transaction, ready to render."""

    day: date
    payee: str
    narration: str
    links: tuple[str, ...]
    meta: tuple[tuple[str, str], ...]
    postings: tuple[Posting, ...]

    def is_balanced(self) -> bool:
        """Postings sum to zero in every currency."""
        sums: dict[str, Decimal] = {}
        for p in self.postings:
            sums[p.amount.currency] = sums.get(p.amount.currency, Decimal(0)) + p.amount.amount
        return all(v == 0 for v in sums.values())

    def render(self) -> str:
        """The transaction in Beancount syntax."""
        links = "".join(f" ^{link}" for link in self.links)
        head = f'{self.day.isoformat()} * "{_quote(self.payee)}" "{_quote(self.narration)}"{links}'
        lines = [head]
        lines += [f'  {key}: "{_quote(value)}"' for key, value in self.meta]
        for p in self.postings:
            places = minor_units(p.amount.currency)
            lines.append(f"  {p.account}  {p.amount.amount:.{places}f} {p.amount.currency}")
        return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _link(number: str) -> str:
    """A document number as a Beancount link, which takes ASCII letters and digits and
    ``-_/.`` only: an ASCII number with any other character (a space) as ``-``, as q2c always
    linked them (two series never print numbers that differ only there:
    ``open_number_series``). A number with other characters (``ΤΙΜ-000001``, ``СЧ-000001``),
    whose letters would all be ``-`` and the first number of two series one link, is written
    readably (a Latin letter with accents as its plain letter, other letters as ``-``) and
    ends with the first 16 hex digits of its SHA-256: a link of its own, the same in every
    export."""
    readable = re.sub(r"[^A-Za-z0-9\-_/.]", "-", number)
    if number.isascii():
        return readable
    folded = "".join(_account_letters(ch) or ch for ch in number)
    readable = re.sub(r"[^A-Za-z0-9\-_/.]", "-", folded)
    digest = hashlib.sha256(number.encode("utf-8")).hexdigest()[:16]
    return f"{readable}-{digest}"


def _merge(postings: Iterable[Posting]) -> tuple[Posting, ...]:
    """Add up postings to the same account and currency, keep first-seen order, drop zeros."""
    merged: dict[tuple[str, str], Money] = {}
    for p in postings:
        key = (p.account, p.amount.currency)
        merged[key] = merged[key] + p.amount if key in merged else p.amount
    return tuple(
        Posting(acc, amount) for (acc, _), amount in merged.items() if not amount.is_zero()
    )


@attrs.define
class _CreditDays:
    """One customer's credit in one currency as a ledger booked it, by business day: on each
    day it changed, the net change of the credit (money received less allocated, refunded or
    taken back by a bounce) and of the refunds owed back held on the receivable.

    ``checked`` is False when the days were read back from a ledger that may have been written
    before refunds owed were moved (the first booking for the customer then looks at every day,
    not only those from its own)."""

    days: list[date] = attrs.field(factory=list)
    credit: dict[date, Decimal] = attrs.field(factory=dict)
    owed: dict[date, Decimal] = attrs.field(factory=dict)
    credit_total: Decimal = Decimal(0)
    owed_total: Decimal = Decimal(0)
    checked: bool = True

    def add(self, day: date, credit: Decimal, owed: Decimal) -> None:
        """A change of the credit and of the refunds owed on ``day``."""
        if day not in self.credit:
            bisect.insort(self.days, day)
            self.credit[day] = self.owed[day] = Decimal(0)
        self.credit[day] += credit
        self.owed[day] += owed
        self.credit_total += credit
        self.owed_total += owed


def _owed_back_moves(
    held: _CreditDays, changes: Mapping[date, Decimal]
) -> list[tuple[date, Decimal]]:
    """What to move onto the refunds owed receivable (negative: back to the customer's credit)
    on which day, once the credit ``held`` changes by ``changes`` (by day), so that on every day
    the receivable holds what the credit is negative by, and the credit account never a debit
    balance. Days before the first change are left as they are (unless ``held`` is not
    ``checked``); the rest are read from the latest back, so a change on the latest day reads
    one day."""
    if not changes:
        return []
    since = min(changes)
    if not held.checked and held.days:
        since = min(since, held.days[0])
    start = bisect.bisect_left(held.days, since)
    later = held.days[start:]
    credit = held.credit_total - sum((held.credit[d] for d in later), Decimal(0))
    owed = held.owed_total - sum((held.owed[d] for d in later), Decimal(0))
    moves: list[tuple[date, Decimal]] = []
    for day in sorted({*later, *changes}):
        credit += held.credit.get(day, Decimal(0)) + changes.get(day, Decimal(0))
        owed += held.owed.get(day, Decimal(0))
        move = max(-credit, Decimal(0)) - owed
        if move:
            moves.append((day, move))
            owed += move
    return moves


@attrs.define
class _ToDateBooked:
    """What a ledger booked in one currency to bring maintenance recognised to date to the
    schedule's running total (``TO_DATE_NARRATION``), by business day: recognised (a credit to
    income) positive."""

    days: list[date] = attrs.field(factory=list)
    by_day: dict[date, Decimal] = attrs.field(factory=dict)
    total: Decimal = Decimal(0)

    def add(self, day: date, amount: Decimal) -> None:
        if day not in self.by_day:
            bisect.insort(self.days, day)
            self.by_day[day] = Decimal(0)
        self.by_day[day] += amount
        self.total += amount

    def since(self, day: date) -> list[date]:
        """The days booked on from ``day`` on."""
        return self.days[bisect.bisect_left(self.days, day) :]

    def before(self, day: date) -> Decimal:
        """What was booked on the days before ``day`` (read from the latest back)."""
        return self.total - sum((self.by_day[d] for d in self.since(day)), Decimal(0))


# the transactions of a rendered ledger that bring maintenance recognised to date to the
# schedule's running total: the day, and the posting to maintenance income
_TO_DATE_LINE = re.compile(
    rf'^(\d{{4}}-\d{{2}}-\d{{2}}) \* "[^"\n]*" "{re.escape(TO_DATE_NARRATION)}"[^\n]*\n'
    rf"(?:  [^\n]*\n)*?  {MAINTENANCE_INCOME}  (-?[0-9.]+) ([A-Z]+)$",
    re.MULTILINE,
)

# a transaction of a rendered ledger: its postings and metadata
_TRANSACTION = re.compile(r"^\d{4}-\d{2}-\d{2} \*[^\n]*\n((?:  [^\n]*\n)*)", re.MULTILINE)
_INVOICE_ID = re.compile(r'^  invoice_id: "([^"]+)"', re.MULTILINE)

# the lines of a rendered ledger that say how a customer's credit changed: a transaction's
# date, or a posting to customer credit or refunds owed
_CREDIT_LINE = re.compile(
    rf"^(?:(\d{{4}}-\d{{2}}-\d{{2}}) \*|  ((?:{CUSTOMER_CREDIT}|{REFUNDS_OWED}):(\S+))"
    rf"  (-?[0-9.]+) ([A-Z]+)$)",
    re.MULTILINE,
)


class LedgerBook:
    """Turns q2c events into Beancount transactions, reading aggregates at the event's version.

    It keeps each customer's credit by day as booked so far (``_CreditDays``), so the refunds
    owed a bounce leaves are moved off the credit account on the days the credit is negative:
    events are booked in log order, each once (``transactions``; a journal takes in what it
    booked before with ``recall``). It keeps as well what it booked to bring maintenance
    recognised to date to the revenue schedule's running total on each day reconciled on
    (``RecognisedToDate``): that total rests on every document issued before, which the book
    learns from the log itself, up to each event it books, in the revenue schedule's own rows
    (``RevenueSchedule.document_lines``)."""

    REPLAYED = 1024  # aggregates kept at the version last read, most recently read first
    PAGE = 500  # notifications read from the log at once

    def __init__(self, app: BaseApp) -> None:
        self.app = app
        # each customer's name, with the version it was read at (``_customer``)
        self._customers: dict[UUID, tuple[int, str]] = {}
        self._components: dict[UUID, str] = {}  # customer -> its accounts' component
        self._numbers: dict[UUID, str] = {}
        self._contracts: dict[UUID, str] = {}
        self._replayed: OrderedDict[UUID, Aggregate] = OrderedDict()
        # each customer's credit by day, by the account component and currency
        self._credit_days: dict[tuple[str, str], _CreditDays] = {}
        self._credit_owners: dict[str, UUID] = {}  # account component -> customer
        # what the log says so far, up to the event booked: the revenue schedule's rows, the
        # revenue lines of each document issued, the ratable ones and the days reconciled on,
        # and the lines invoiced before their request was completed (by request hex)
        self._learned: dict[UUID | str, int] = {}  # aggregate -> the last version learned
        self._position = 0  # the notification learned up to, reading the log
        self._ahead: deque[Notification] = deque()
        self._revenue: RevenueSchedule | None = None
        self._documents: dict[UUID, list[RecognitionLine]] = {}
        self._to_date = RecognisedToDate()
        self._awaiting: dict[str, list[RecognitionLine]] = {}
        # what was booked to bring maintenance to date to the running total, by currency
        self._to_date_booked: dict[str, _ToDateBooked] = {}
        # the documents (ids) whose work was booked as deferred: their completion recognises
        # it (a journal written before work was deferred booked it as revenue at once)
        self._deferred_work: set[str] = set()
        # the bank credits booked with no payment (in suspense, money in the bank against
        # ``SUSPENSE``), and the payments their resolution created: the credit's booking put
        # their money in the bank already, so their receipt books none (learned from the log)
        self._unpaid_credits: set[UUID] = set()
        self._from_suspense: set[UUID] = set()

    # -- lookups ---------------------------------------------------------------------------------

    def _at(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        """The aggregate now, or at ``version``. (An aggregate read at a version is valid until
        the next read of it: the same object is brought forward.)"""
        aggregate: Aggregate
        if version is None:
            aggregate = self.app.repository.get(aggregate_id)
        else:
            aggregate = self._replay(aggregate_id, version)
        assert isinstance(aggregate, cls), f"{aggregate_id} is not a {cls.__name__}"
        return aggregate

    def _replay(self, aggregate_id: UUID, version: int) -> Aggregate:
        """The aggregate at ``version``. Events are booked in log order, so an aggregate is
        next read at a later version: it is brought forward from the version last read by the
        events in between, not rebuilt from its first event each time (a payment allocated
        over n invoices took n rebuilds of up to n events, each checking all its allocations)."""
        kept = self._replayed.pop(aggregate_id, None)
        aggregate: Aggregate | None
        if kept is not None and kept.version == version:
            aggregate = kept  # (read a moment ago: learning the event, then booking it)
        elif kept is not None and kept.version < version:
            newer = self.app.repository.event_store.get(aggregate_id, gt=kept.version, lte=version)
            aggregate = project_aggregate(kept, newer)
        else:
            aggregate = self.app.repository.get(aggregate_id, version=version)
        assert aggregate is not None
        self._replayed[aggregate_id] = aggregate
        if len(self._replayed) > self.REPLAYED:
            self._replayed.popitem(last=False)
        return aggregate

    def _customer(self, customer_id: UUID) -> str:
        """The customer's name as of the event being booked: at the version of the customer
        the book has followed the log up to (``_follow``), so a payment recorded after a
        rename names the new name, one before it the old, in a running journal as in a full
        export. (The name is kept with the version it was read at, read again only once the
        customer has changed.)"""
        version = self._learned.get(customer_id)
        kept = self._customers.get(customer_id)
        if kept is not None and version is not None and kept[0] == version:
            return kept[1]
        # (a customer the log holds no event of, as far as read: its name as it is)
        customer = self._at(Customer, customer_id, version)
        self._customers[customer_id] = (customer.version, customer.name)
        return customer.name

    def _registered(self, customer_id: UUID) -> Customer:
        """The customer as it was registered (its first event's state)."""
        registered: Aggregate = self.app.repository.get(customer_id, version=1)
        assert isinstance(registered, Customer), f"{customer_id} is not a Customer"
        return registered

    def _buyer(self, invoice: Invoice) -> str:
        """The name an issued invoice or credit note names its buyer by (``buyer_details``):
        the customer's name it was issued with, whatever renames came after, so the ledger
        books a document under the buyer its PDF, e-invoice and exports name. (One issued
        before q2c kept its buyer: the name the customer was registered with.)"""
        buyer = getattr(invoice, "buyer", None)
        if invoice.issued_on is not None and buyer is not None:
            return str(buyer.name)
        return buyer_details(invoice, self._registered(invoice.customer_id)).name

    def component(self, customer_id: UUID) -> str:
        """The account component of the customer's accounts (``customer_component``): from the
        name it was registered with (its first event's, whatever renames came after) and its
        id, so the same for the customer's whole life."""
        if customer_id not in self._components:
            registered = self._registered(customer_id)
            self._components[customer_id] = customer_component(customer_id, registered.name)
        return self._components[customer_id]

    def _number(self, invoice_id: UUID) -> str:
        """An issued invoice's number never changes, so the current state is the right one."""
        if invoice_id not in self._numbers:
            self._numbers[invoice_id] = self._at(Invoice, invoice_id).number or str(invoice_id)
        return self._numbers[invoice_id]

    def _contract(self, contract_id: UUID) -> str:
        if contract_id not in self._contracts:
            self._contracts[contract_id] = self._at(Contract, contract_id).number
        return self._contracts[contract_id]

    def receivable(self, customer_id: UUID) -> str:
        """The customer's receivable account."""
        return f"{RECEIVABLES}:{self.component(customer_id)}"

    def customer_credit(self, customer_id: UUID) -> str:
        """The customer's credit (unallocated money) account."""
        comp = self.component(customer_id)
        self._credit_owners[comp] = customer_id
        return f"{CUSTOMER_CREDIT}:{comp}"

    def refunds_owed(self, customer_id: UUID) -> str:
        """The customer's receivable of refunds owed back: what its credit is negative by."""
        comp = self.component(customer_id)
        return f"{REFUNDS_OWED}:{comp}"

    def deposits(self, customer_id: UUID) -> str:
        """The customer's deposit (down-payment) liability account."""
        comp = self.component(customer_id)
        return f"{CUSTOMER_DEPOSITS}:{comp}"

    # -- events ----------------------------------------------------------------------------------

    def transactions(
        self, event: DomainEventProtocol[UUID], *, remember: bool = True
    ) -> list[Transaction]:
        """The transactions one event books (none for events that move no money), with the
        refunds owed it moves on or off the customer's receivable. Unless ``remember`` is
        False, the book counts them as booked (pass them to ``remember`` once they are)."""
        self._follow(event)
        handler = self._handlers().get(type(event).__qualname__)
        booked = [] if handler is None else handler(event)
        booked = [t for t in booked if t.postings]  # a zero-total document moves nothing
        booked += self._owed_back(event, booked)
        if remember:
            self.remember(booked)
        return booked

    def remember(self, transactions: Iterable[Transaction]) -> None:
        """Count the transactions as booked: each customer's credit changes by day, what
        brought maintenance to date to the running total, and the documents whose work was
        deferred."""
        for txn in transactions:
            to_date = txn.narration == TO_DATE_NARRATION
            if any(p.account == DEFERRED_ENHANCEMENT for p in txn.postings):
                self._deferred_work.add(dict(txn.meta)["invoice_id"])
            for p in txn.postings:
                if to_date and p.account == MAINTENANCE_INCOME:
                    self._to_date_posting(txn.day, p.amount.amount, p.amount.currency)
                held = self._credit_posting(txn.day, p.account, p.amount.amount, p.amount.currency)
                if held is not None:  # its days are all right again (``_owed_back`` saw to it)
                    held.checked = True

    def recall(self, text: str) -> None:
        """Take each customer's credit by day, what brought maintenance to date to the
        running total, and the documents whose work was deferred, from a ledger's text (what
        a journal booked before), in place of what the book kept. Read from a ledger that may
        not have moved refunds owed, each customer's first booking looks at all its days."""
        self._credit_days = {}
        day = JOURNAL_OPEN_DATE
        for m in _CREDIT_LINE.finditer(text):
            if m.group(1) is not None:
                day = date.fromisoformat(m.group(1))
            else:
                self._credit_posting(day, m.group(2), Decimal(m.group(4)), m.group(5))
        for held in self._credit_days.values():
            held.checked = False
        self._to_date_booked = {}
        for m in _TO_DATE_LINE.finditer(text):
            self._to_date_posting(date.fromisoformat(m.group(1)), Decimal(m.group(2)), m.group(3))
        self._deferred_work = {
            found.group(1)
            for m in _TRANSACTION.finditer(text)
            if f"  {DEFERRED_ENHANCEMENT}  " in m.group(1)
            and (found := _INVOICE_ID.search(m.group(1))) is not None
        }

    def _to_date_posting(self, day: date, amount: Decimal, currency: str) -> None:
        """Count a posting to maintenance income that brought it to date (a credit: minus)."""
        self._to_date_booked.setdefault(currency, _ToDateBooked()).add(day, -amount)

    # -- what the log says so far ----------------------------------------------------------------

    def _follow(self, event: DomainEventProtocol[UUID]) -> None:
        """Learn every event of the log up to this one, this one included (once each). Events
        are given in log order, so the next notification is usually this event's; a book given
        a later event first (a journal opened anew, an event booked before and skipped) reads
        the events in between from the log."""
        oid, version = event.originator_id, event.originator_version
        if self._learned.get(oid, 0) >= version:
            return
        while True:
            if not self._ahead:
                page = self.app.recorder.select_notifications(
                    start=self._position + 1, limit=self.PAGE
                )
                if not page:
                    self._learn(event)  # not in the log (as far as read): learned on its own
                    return
                self._ahead.extend(page)
            note = self._ahead.popleft()
            self._position = note.id
            if note.originator_id == oid and note.originator_version == version:
                self._learn(event)
                return
            if self._learned.get(note.originator_id, 0) >= note.originator_version:
                continue
            try:
                earlier = self.app.mapper.to_domain_event(note)
            except Exception:  # (one that cannot be decoded books nothing: it is parked)
                continue
            self._learn(earlier)

    def _schedule(self) -> RevenueSchedule:
        if self._revenue is None:
            self._revenue = RevenueSchedule()
            self._revenue.start_empty()
        return self._revenue

    def _learn(self, event: DomainEventProtocol[UUID]) -> None:
        """What one event tells the revenue side: the schedule's rows, and for a document
        issued its revenue lines (none for a note the books write off), the ratable ones and
        its issue day for the running totals, the lines waiting for their work's completion."""
        self._learned[event.originator_id] = event.originator_version
        schedule = self._schedule()
        schedule.apply(event)  # type: ignore[arg-type]
        name = type(event).__qualname__
        self._learn_bank_credit(name, event)
        if name != "Invoice.Issued":
            return
        invoice = self._at(Invoice, event.originator_id, event.originator_version)
        assert invoice.issued_on is not None
        self._to_date.reconcile_on(invoice.issued_on)
        lines = [] if self._written_off(invoice) else schedule.document_lines(invoice.id)
        self._documents[invoice.id] = lines
        for line in lines:
            if line.period is not None:
                self._to_date.add(line)
            elif line.rule == "at_completion" and line.recognised_on is None:
                self._awaiting.setdefault(line.request_id, []).append(line)

    def _learn_bank_credit(self, name: str, event: Any) -> None:
        """Note a bank credit booked with no payment, and the payment its resolution creates
        (``SuspenseResolved`` is recorded before that payment's ``PaymentReceived``: the
        resolution saves the credit first)."""
        if name == "BankCredit.BankCreditBooked" and getattr(event, "payment_id", None) is None:
            self._unpaid_credits.add(event.originator_id)
        elif name == "BankCredit.SuspenseResolved" and event.originator_id in self._unpaid_credits:
            self._from_suspense.add(event.payment_id)

    def _credit_posting(
        self, day: date, account: str, amount: Decimal, currency: str
    ) -> _CreditDays | None:
        """Count a posting to a customer's credit or refunds owed account, returning that
        customer's days (None for any other account)."""
        kind, _, comp = account.rpartition(":")
        if kind == CUSTOMER_CREDIT:
            credit, owed = -amount, Decimal(0)
        elif kind == REFUNDS_OWED:  # the credit is what both accounts hold together
            credit, owed = -amount, amount
        else:
            return None
        held = self._credit_days.setdefault((comp, currency), _CreditDays())
        held.add(day, credit, owed)
        return held

    def _owed_back(self, event: Any, booked: Sequence[Transaction]) -> list[Transaction]:
        """The moves between a customer's credit and its refunds owed receivable that the
        credit changes ``booked`` makes call for, on the days they call for them."""
        changes: dict[tuple[str, str], dict[date, Decimal]] = {}
        links: dict[tuple[str, str], list[str]] = {}
        for txn in booked:
            for p in txn.postings:
                kind, _, comp = p.account.rpartition(":")
                if kind != CUSTOMER_CREDIT:
                    continue
                key = (comp, p.amount.currency)
                by_day = changes.setdefault(key, {})
                by_day[txn.day] = by_day.get(txn.day, Decimal(0)) - p.amount.amount
                links.setdefault(key, [])
                links[key] += [link for link in txn.links if link not in links[key]]
        result = []
        for (comp, currency), by_day in changes.items():
            held = self._credit_days.get((comp, currency), _CreditDays())
            moves = _owed_back_moves(held, by_day)
            if not moves:
                continue
            customer_id = self._credit_owners[comp]
            name = self._customer(customer_id)
            meta = (
                ("event_id", event_id(event)),
                ("customer", name),
                ("customer_id", str(customer_id)),
            )
            for day, amount in moves:
                narration = (
                    "Refunds owed back moved to receivables"
                    if amount > 0
                    else "Refunds owed back covered by customer credit"
                )
                move = Money(amount, currency)
                postings = (
                    Posting(f"{CUSTOMER_CREDIT}:{comp}", -move),
                    Posting(f"{REFUNDS_OWED}:{comp}", move),
                )
                result.append(
                    Transaction(
                        day, name, narration, tuple(links[(comp, currency)]), meta, postings
                    )
                )
        return result

    def _handlers(self) -> dict[str, Callable[[Any], list[Transaction]]]:
        return {
            "Invoice.Issued": self._issued,
            "Invoice.RemainderWrittenOff": self._remainder_written_off,
            "Invoice.WriteOffTakenBack": self._write_off_taken_back,
            "Payment.PaymentReceived": self._received,
            "Payment.PaymentAllocated": self._allocated,
            "Payment.AllocationReversed": self._reversed,
            "Payment.PaymentBounced": self._bounced,
            "Payment.CreditRefunded": self._refunded,
            "EnhancementRequest.Completed": self._completed,
            "EnhancementRequest.Cancelled": self._cancelled,
            "BankCredit.BankCreditBooked": self._credit_booked,
            "BankCredit.SuspenseResolved": self._suspense_resolved,
            "BankCredit.CreditReturned": self._credit_returned,
            "BankCredit.CreditReversedByBank": self._reversed_by_bank,
            "BankCredit.BankCreditMatchedToPayment": self._matched_to_payment,
        }

    def _invoice_meta(self, event: Any, invoice: Invoice) -> list[tuple[str, str]]:
        meta = [
            ("event_id", event_id(event)),
            ("invoice_id", str(invoice.id)),
            ("customer", self._buyer(invoice)),
            ("customer_id", str(invoice.customer_id)),
        ]
        contracts = sorted(
            {
                self._contract(line.source.contract_id)
                for line in invoice.lines
                if line.source is not None and line.source.contract_id is not None
            }
        )
        if contracts:
            meta.append(("contract", " ".join(contracts)))
        if invoice.purchase_order_number:
            meta.append(("po", invoice.purchase_order_number))
        return meta

    def _revenue_account(
        self,
        invoice: Invoice,
        line: InvoiceLine,
        written_off: bool,
        recognition: RecognitionLine | None,
    ) -> str:
        """Where a line's net goes. A deposit line is never revenue, so never written off: on a
        deposit invoice it is the customer's deposit, which crediting the invoice (whatever the
        disposition: the project may be cancelled) gives back; on a final invoice it deducts
        the deposit, which crediting that line holds for the customer again. Work earned after
        the issue day (its request not completed by then) is deferred until it is."""
        if line.revenue_kind is RevenueKind.DEPOSIT:
            return self.deposits(invoice.customer_id)
        if written_off:
            return WRITE_OFF_ACCOUNTS[line.revenue_kind]
        if recognition is not None and recognition.rule == "at_completion":
            return DEFERRED_ENHANCEMENT if _deferred(recognition) else ENHANCEMENT_INCOME
        return REVENUE_ACCOUNTS[line.revenue_kind]

    @staticmethod
    def _written_off(invoice: Invoice) -> bool:
        """A credit note whose lines the books write off as an expense (not a run's correction,
        nor a deposit): ``writes_off``, the rule the revenue schedule keeps the revenue by."""
        return writes_off(invoice.kind, invoice.credit_disposition, invoice.lines)

    def _issued(self, event: Any) -> list[Transaction]:
        invoice = self._at(Invoice, event.originator_id, event.originator_version)
        assert invoice.number is not None and invoice.issued_on is not None
        self._numbers[invoice.id] = invoice.number
        credit = invoice.kind is InvoiceKind.CREDIT_NOTE
        sign = -1 if credit else 1
        written_off = self._written_off(invoice)
        revenue = {line.line_id: line for line in self._documents.get(invoice.id, ())}
        links = [_link(invoice.number)]
        if credit:
            assert invoice.credits_invoice_id is not None
            original = self._number(invoice.credits_invoice_id)
            links.append(_link(original))
            narration = f"Credit note {invoice.number} for {original}"
            if written_off:
                narration += " (written off)"
        elif invoice.kind is InvoiceKind.DEPOSIT:
            narration = f"Deposit invoice {invoice.number}"
        else:
            narration = f"Invoice {invoice.number}"
        legs = [Posting(self.receivable(invoice.customer_id), invoice.total * sign)]
        legs += [
            Posting(
                self._revenue_account(invoice, line, written_off, revenue.get(line.line_id)),
                line.net * -sign,
            )
            for line in invoice.lines
        ]
        legs += [Posting(tax_account(s.tax_rate), s.tax * -sign) for s in invoice.tax_subtotals]
        payee = self._buyer(invoice)
        meta = self._invoice_meta(event, invoice)
        document_meta = list(meta)
        if invoice.credit_disposition is not None:
            document_meta.append(("disposition", invoice.credit_disposition.value))
        booked = [
            Transaction(
                invoice.issued_on, payee, narration, tuple(links), tuple(document_meta),
                _merge(legs),
            )
        ]  # fmt: skip
        for line in revenue.values():
            if _deferred(line):
                booked += self._line_recognition(invoice, line, links, meta)
        for currency in self._to_date.currencies:
            booked += self._to_date_moves(invoice, currency, links, meta)
        return booked

    def _remainder_written_off(self, event: Any) -> list[Transaction]:
        """A remainder of an invoice written off on its day (``write_off_remainder``): the
        customer's receivable is cleared of it, and it is a credit loss
        (``Expenses:WriteOffs:Receivables``); the revenue stays, and no money moved."""
        invoice = self._at(Invoice, event.originator_id, event.originator_version)
        number = self._number(invoice.id)
        meta = [*self._invoice_meta(event, invoice), ("reason", event.reason)]
        return [
            Transaction(
                event.written_off_on,
                self._buyer(invoice),
                f"Remainder of {number} written off",
                (_link(number),),
                tuple(meta),
                (
                    Posting(REMAINDER_WRITE_OFFS, event.amount),
                    Posting(self.receivable(invoice.customer_id), -event.amount),
                ),
            )
        ]

    def _write_off_taken_back(self, event: Any) -> list[Transaction]:
        """A remainder written off, taken back on its day by a credit note for more than was
        paid (``Invoice.take_back_write_off``): the credit loss is undone, the receivable owes
        it again, and the note of that day credits it."""
        invoice = self._at(Invoice, event.originator_id, event.originator_version)
        number = self._number(invoice.id)
        meta = [*self._invoice_meta(event, invoice), ("reason", event.reason)]
        return [
            Transaction(
                event.taken_back_on,
                self._buyer(invoice),
                f"Write-off of {number} taken back",
                (_link(number),),
                tuple(meta),
                (
                    Posting(self.receivable(invoice.customer_id), event.amount),
                    Posting(REMAINDER_WRITE_OFFS, -event.amount),
                ),
            )
        ]

    def _line_recognition(
        self,
        invoice: Invoice,
        line: RecognitionLine,
        links: Sequence[str],
        meta: Sequence[tuple[str, str]],
    ) -> list[Transaction]:
        """A deferred line's recognition, step by step (``RecognitionLine.steps``, the revenue
        schedule's): maintenance month by month over its period, on each month's last day (or
        the period's), the months already past when the document is issued (billing in
        arrears, a credit note reversing recognised months) on its issue day; work deferred
        until its completion on that day. Each step's share is the difference of the line's
        running totals, each rounded, so the shares add up to the line."""
        if line.revenue_kind == "maintenance":
            deferred, income, what = DEFERRED_MAINTENANCE, MAINTENANCE_INCOME, "maintenance"
        else:
            deferred, income, what = DEFERRED_ENHANCEMENT, ENHANCEMENT_INCOME, "enhancement"
        assert invoice.number is not None
        credit = invoice.kind is InvoiceKind.CREDIT_NOTE
        verb = "Reverse recognised" if credit else "Recognise"
        payee = self._buyer(invoice)
        currency = line.amount.currency
        result: list[Transaction] = []
        before = Money.zero(currency)
        for step in line.steps():
            to_date = step.to_date
            part, before = to_date - before, to_date
            if part.is_zero():
                continue
            step_meta = (
                *meta,
                ("line_id", line.line_id),
                ("recognised", f"{step.period.start.isoformat()}..{step.period.end.isoformat()}"),
                ("line_to_date", str(to_date.amount)),
            )
            result.append(
                Transaction(
                    step.on,
                    payee,
                    f"{verb} {what} {invoice.number} {line.line_id} {_days(line, step)}",
                    tuple(links),
                    step_meta,
                    (Posting(deferred, part), Posting(income, -part)),
                )
            )
        return result

    def _completed(self, event: Any) -> list[Transaction]:
        """Work invoiced before its request was completed is earned on the completion day (or
        on the document's issue day, if that is later): recognised then. (Not the work of a
        document a journal booked as revenue at once, before work was deferred.)"""
        return self._earned(event, event.completed_on)

    def _cancelled(self, event: Any) -> list[Transaction]:
        """Work invoiced before its request was cancelled is earned on the cancellation day
        (one recorded without it: the day it was recorded), nothing being left to deliver, as
        on a completion."""
        return self._earned(event, cancellation_day(event))

    def _earned(self, event: Any, done_on: date) -> list[Transaction]:
        """The recognition of the work awaiting the request ``event`` completes or cancels on
        ``done_on`` (or on the document's issue day, if that is later)."""
        booked = []
        for line in self._awaiting.get(event.originator_id.hex, ()):
            if str(UUID(line.invoice_id)) not in self._deferred_work:
                continue
            invoice = self._at(Invoice, UUID(line.invoice_id))
            earned = max(done_on, line.invoiced_on)
            links = [_link(self._number(invoice.id))]
            if invoice.credits_invoice_id is not None:
                links.append(_link(self._number(invoice.credits_invoice_id)))
            booked += self._line_recognition(
                invoice,
                attrs.evolve(line, recognised_on=earned),
                links,
                self._invoice_meta(event, invoice),
            )
        return booked

    def _to_date_moves(
        self,
        invoice: Invoice,
        currency: str,
        links: Sequence[str],
        meta: Sequence[tuple[str, str]],
    ) -> list[Transaction]:
        """On each day reconciled on from the document's issue day (month ends, days documents
        are issued in any currency), what brings the maintenance the month shares recognise
        to the revenue schedule's running total of the lines invoiced by then, rounded once
        per currency (``RecognisedToDate``): service earned since the lines' last month
        shares (in the middle of a month) and rounding. It books what that differs from what
        was booked to date before (read from the latest back), so each day holds it once
        whatever order documents come in. The document whose issue changed it is named."""
        assert invoice.issued_on is not None
        since = invoice.issued_on
        booked = self._to_date_booked.get(currency, _ToDateBooked())
        reconciled = set(self._to_date.days(currency, since))
        to_date = booked.before(since)
        result: list[Transaction] = []
        for day in sorted({*reconciled, *booked.since(since)}):
            to_date += booked.by_day.get(day, Decimal(0))
            if day not in reconciled:
                continue
            wanted = self._to_date.on(currency, day)
            move = wanted.adjustment.amount - to_date
            if not move:
                continue
            to_date += move
            amount = Money(move, currency)
            move_meta = (
                *meta,
                ("currency", currency),
                ("accrued_to_date", str(wanted.accrued.amount)),
                ("rounding_to_date", str(wanted.rounding.amount)),
            )
            result.append(
                Transaction(
                    day,
                    TO_DATE_PAYEE,
                    TO_DATE_NARRATION,
                    tuple(links),
                    move_meta,
                    (Posting(DEFERRED_MAINTENANCE, amount), Posting(MAINTENANCE_INCOME, -amount)),
                )
            )
        return result

    def _payment_link(self, payment_id: UUID) -> str:
        # the whole id: its first twelve hex digits are the millisecond it was made (a
        # time-ordered id), which the payments of one bank statement share
        return f"payment-{payment_id.hex}"

    def _payment_meta(self, event: Any, payment: Payment) -> list[tuple[str, str]]:
        return [
            ("event_id", event_id(event)),
            ("payment_id", str(payment.id)),
            ("customer", self._customer(payment.customer_id)),
            ("customer_id", str(payment.customer_id)),
        ]

    def _received(self, event: Any) -> list[Transaction]:
        if event.originator_id in self._from_suspense:
            return []  # in the bank since the credit's booking, the customer's since resolved
        payment = self._at(Payment, event.originator_id, event.originator_version)
        meta = self._payment_meta(event, payment)
        if payment.reference:
            meta.append(("reference", payment.reference))
        return [
            Transaction(
                payment.received_on,
                self._customer(payment.customer_id),
                "Payment received",
                (self._payment_link(payment.id),),
                tuple(meta),
                (
                    Posting(BANK, payment.amount),
                    Posting(self.customer_credit(payment.customer_id), -payment.amount),
                ),
            )
        ]

    def _credit_link(self, credit: BankCredit) -> str:
        return f"bank-credit-{credit.id.hex}"

    def _credit_meta(self, event: Any, credit: BankCredit) -> list[tuple[str, str]]:
        meta = [("event_id", event_id(event)), ("bank_credit_id", str(credit.id))]
        if credit.credit.bank_reference:
            meta.append(("reference", credit.credit.bank_reference))
        return meta

    @staticmethod
    def _payer(credit: BankCredit) -> str:
        return credit.credit.debtor_name or "Unidentified payer"

    def _credit_booked(self, event: Any) -> list[Transaction]:
        """A credit with no payment (its payer unknown, or several customers named): the
        money is in the bank from the bank's booking day, owed to whoever it turns out to be
        (suspense). One booked with its payment is booked by that payment."""
        credit = self._at(BankCredit, event.originator_id, event.originator_version)
        if credit.payment_id is not None:
            return []
        amount = credit.credit.amount
        return [
            Transaction(
                credit.credit.booked_on,
                self._payer(credit),
                "Unidentified bank credit held in suspense",
                (self._credit_link(credit),),
                tuple(self._credit_meta(event, credit)),
                (Posting(BANK, amount), Posting(SUSPENSE, -amount)),
            )
        ]

    def _suspense_resolved(self, event: Any) -> list[Transaction]:
        """A credit held in suspense with no payment, assigned to a customer: out of suspense
        onto the customer's credit on the day it was resolved (its allocations then move it
        onto the receivables). One that had its payment already moves nothing here."""
        if event.originator_id not in self._unpaid_credits:
            return []
        customer_id: UUID = event.customer_id
        return self._out_of_suspense(
            event,
            event.resolved_on,
            "Bank credit in suspense assigned to the customer",
            self.customer_credit(customer_id),
        )

    def _matched_to_payment(self, event: Any) -> list[Transaction]:
        """A credit held in suspense with no payment that a person matched to the payment
        recorded by hand (``BankCreditMatchedToPayment``): that payment put the money in the
        bank on the day it was received, so the credit's money leaves the bank and suspense
        on the day it was matched, counted once. One the import booked as that payment moves
        nothing here."""
        if event.originator_id not in self._unpaid_credits:
            return []
        return self._out_of_suspense(
            event,
            event.matched_on,
            "Bank credit in suspense matched to the payment recorded by hand",
            BANK,
        )

    def _out_of_suspense(
        self, event: Any, day: date, narration: str, account: str
    ) -> list[Transaction]:
        """A credit held in suspense with no payment leaving it for ``account`` on ``day``,
        naming the customer and payment the event gives it."""
        credit = self._at(BankCredit, event.originator_id, event.originator_version)
        customer_id: UUID = event.customer_id
        payment_id: UUID = event.payment_id
        amount = credit.credit.amount
        meta = [
            *self._credit_meta(event, credit),
            ("payment_id", str(payment_id)),
            ("customer", self._customer(customer_id)),
            ("customer_id", str(customer_id)),
        ]
        return [
            Transaction(
                day,
                self._customer(customer_id),
                narration,
                (self._credit_link(credit), self._payment_link(payment_id)),
                tuple(meta),
                (Posting(SUSPENSE, amount), Posting(account, -amount)),
            )
        ]

    def _credit_returned(self, event: Any) -> list[Transaction]:
        """A credit held in suspense sent back to its sender: out of the bank on the day."""
        credit = self._at(BankCredit, event.originator_id, event.originator_version)
        if event.originator_id not in self._unpaid_credits or credit.payment_id is not None:
            return []
        amount = credit.credit.amount
        return [
            Transaction(
                event.returned_on,
                self._payer(credit),
                f"Bank credit returned to its sender: {event.reason}",
                (self._credit_link(credit),),
                tuple(self._credit_meta(event, credit)),
                (Posting(SUSPENSE, amount), Posting(BANK, -amount)),
            )
        ]

    def _reversed_by_bank(self, event: Any) -> list[Transaction]:
        """The bank took back a credit that was a customer's payment, on its own day
        (``reversed_on``), and the payment bounced on a later one (``payment_bounced_on``: a
        person assigned or allocated it after the bank's day, before the statement saying so
        was imported). The bounce takes the money out of the bank on its own day; the bank
        held none from its day on. So on the bank's day the money leaves ``Assets:Bank`` for
        ``Liabilities:Suspense`` (money the bank took back that the books still credit to a
        payer, the item an accountant clears, which the suspense list of those days lists at
        minus its amount), and on the bounce day it comes back, for the
        bounce to take out: the bank is the statement's on every day, and nothing else moves.
        A payment bounced on the bank's day needs neither. A payment a person bounced by hand
        before the bank's day (``reversed_after_bounce``) is the mirror: its bounce took the
        money out of the bank on the bounce day, but the bank held it until its own day, so on
        the bounce day it comes back from ``Liabilities:Suspense`` (money in the bank the
        books credit to nobody, listed by the suspense list of those days) and leaves on the
        bank's day. (Booked from this event alone, so the order the bounce and the reversal
        are saved or delivered in does not matter.)"""
        reversed_on: date = event.reversed_on
        bounced_on: date = event.payment_bounced_on
        if bounced_on == reversed_on:
            return []
        if bounced_on < reversed_on:
            return self._held_until_the_banks_day(event, reversed_on, bounced_on)
        credit = self._at(BankCredit, event.originator_id, event.originator_version)
        amount = credit.credit.amount  # the payment's: a credit's payment is all of it
        links, meta = self._taken_back_links_and_meta(event, credit)
        meta.append(
            (
                "payment_bounced_on" if credit.payment_id is not None else "returned_on",
                bounced_on.isoformat(),
            )
        )
        payer = self._payer(credit)
        # (a credit with no payment was returned to its sender on the later day, a person's
        # return recorded before the bank's statement was imported: the return takes it out)
        later = "its payment bouncing" if credit.payment_id is not None else "returned"
        came = "its payment bounced" if credit.payment_id is not None else "returned"
        return [
            Transaction(
                reversed_on,
                payer,
                f"Bank credit taken back by the bank, {later} on {bounced_on}: {event.reason}",
                tuple(links),
                tuple(meta),
                (Posting(SUSPENSE, amount), Posting(BANK, -amount)),
            ),
            Transaction(
                bounced_on,
                payer,
                f"Bank credit taken back by the bank: {came}",
                tuple(links),
                tuple(meta),
                (Posting(BANK, amount), Posting(SUSPENSE, -amount)),
            ),
        ]

    def _taken_back_links_and_meta(
        self, event: Any, credit: BankCredit
    ) -> tuple[list[str], list[tuple[str, str]]]:
        """The links and metadata of the transactions of the bank taking back ``credit``
        (``_reversed_by_bank``, ``_held_until_the_banks_day``): the credit's, and its
        payment's when it has one."""
        links = [self._credit_link(credit)]
        meta = self._credit_meta(event, credit)
        if credit.payment_id is not None:
            links.append(self._payment_link(credit.payment_id))
            meta.append(("payment_id", str(credit.payment_id)))
        return links, meta

    def _held_until_the_banks_day(
        self, event: Any, reversed_on: date, bounced_on: date
    ) -> list[Transaction]:
        """The money of a payment bounced by hand on ``bounced_on``, which the bank held until
        it took it back on ``reversed_on``: back into the bank from suspense on the bounce
        day, out of the bank into suspense on the bank's day (``_reversed_by_bank``)."""
        credit = self._at(BankCredit, event.originator_id, event.originator_version)
        amount = credit.credit.amount  # the payment's: a credit's payment is all of it
        links, meta = self._taken_back_links_and_meta(event, credit)
        meta.append(("payment_bounced_on", bounced_on.isoformat()))
        payer = self._payer(credit)
        return [
            Transaction(
                bounced_on,
                payer,
                f"Bank credit still held by the bank after its payment bounced, taken back on "
                f"{reversed_on}: {event.reason}",
                tuple(links),
                tuple(meta),
                (Posting(BANK, amount), Posting(SUSPENSE, -amount)),
            ),
            Transaction(
                reversed_on,
                payer,
                f"Bank credit taken back by the bank: its payment bounced on {bounced_on}",
                tuple(links),
                tuple(meta),
                (Posting(SUSPENSE, amount), Posting(BANK, -amount)),
            ),
        ]

    def _allocation_txn(
        self,
        event: Any,
        payment: Payment,
        allocation: PaymentAllocation,
        day: date,
        narration: str,
        sign: int,
    ) -> Transaction:
        meta = [*self._payment_meta(event, payment), ("allocation_id", allocation.allocation_id)]
        meta.append(("invoice_id", str(allocation.invoice_id)))
        number = self._number(allocation.invoice_id)
        return Transaction(
            day,
            self._customer(payment.customer_id),
            f"{narration} {number}",
            (_link(number), self._payment_link(payment.id)),
            tuple(meta),
            (
                Posting(self.customer_credit(payment.customer_id), allocation.amount * sign),
                Posting(self.receivable(payment.customer_id), allocation.amount * -sign),
            ),
        )

    def _allocated(self, event: Any) -> list[Transaction]:
        # the event says what it allocates; the payment, read at any version, says whose it is
        # (so n allocations of one payment replay none of its allocations)
        kept = self._replayed.get(event.originator_id)
        payment = kept if isinstance(kept, Payment) else self._at(Payment, event.originator_id, 1)
        allocation = PaymentAllocation(
            event.allocation_id, event.invoice_id, event.amount, event.allocated_on
        )
        return [
            self._allocation_txn(
                event, payment, allocation, allocation.allocated_on, "Payment allocated to", 1
            )
        ]

    def _reversed(self, event: Any) -> list[Transaction]:
        payment = self._at(Payment, event.originator_id, event.originator_version)
        allocation = payment.allocation(event.allocation_id)
        day = reversal_day(event)
        return [self._allocation_txn(event, payment, allocation, day, "Allocation reversed on", -1)]

    def _refunded(self, event: Any) -> list[Transaction]:
        """Customer credit paid back: out of the bank on the refund's day. (The event says
        what and when; the payment, read at any version, whose.)"""
        kept = self._replayed.get(event.originator_id)
        payment = kept if isinstance(kept, Payment) else self._at(Payment, event.originator_id, 1)
        meta = [*self._payment_meta(event, payment), ("refund_id", event.refund_id)]
        if event.reference:
            meta.append(("reference", event.reference))
        return [
            Transaction(
                event.refunded_on,
                self._customer(payment.customer_id),
                "Customer credit refunded",
                (self._payment_link(payment.id),),
                tuple(meta),
                (
                    Posting(self.customer_credit(payment.customer_id), event.amount),
                    Posting(BANK, -event.amount),
                ),
            )
        ]

    def _bounced(self, event: Any) -> list[Transaction]:
        before = self._at(Payment, event.originator_id, event.originator_version - 1)
        day: date = event.bounced_on
        booked = [
            self._allocation_txn(event, before, a, day, "Bounced payment taken off", -1)
            for a in before.live_allocations()
        ]
        meta = self._payment_meta(event, before)
        if before.refunded.is_positive():  # paid out of money the bank took back: owed now
            meta.append(("owed_back", str(before.refunded)))
        booked.append(
            Transaction(
                day,
                self._customer(before.customer_id),
                f"Payment bounced: {event.reason}",
                (self._payment_link(before.id),),
                tuple(meta),
                (
                    Posting(self.customer_credit(before.customer_id), before.amount),
                    Posting(BANK, -before.amount),
                ),
            )
        )
        return booked


def _deferred(line: RecognitionLine) -> bool:
    """Whether the books defer a revenue line when its document is issued: maintenance (until
    its days are served), and work not earned on the issue day (its request completed later,
    or not yet). The rest is revenue on the issue day."""
    if line.revenue_kind == "maintenance":
        return True
    return line.rule == "at_completion" and line.recognised_on != line.invoiced_on


def _days(line: RecognitionLine, step: RecognitionStep) -> str:
    """What a line's step recognises, as its narration says it. A line's rounding part
    (``on_issue``) is the step of no days, not necessarily its first: a credit's difference from
    its days' share, taken back whole on its issue day, but the part of a slice billed in
    advance that a change of its sub-contract ends is taken on the change's day
    (``rounding_from``), after the slice's months, and what a later change of it inside the
    period moves of the slice on that change's day (``rounding_later``)."""
    if line.on_issue and not step.period.days:
        changes = [line.rounding_from, *(on for on, _ in line.rounding_later)]
        if any(on is not None and step.on == on > line.invoiced_on for on in changes):
            return "on change"
        return "on issue"
    if line.rule == "at_completion":
        return "on completion"
    return f"{step.period.start.isoformat()}..{step.period.end.isoformat()}"


def _require_title(title: object) -> str:
    """A ledger's title (its ``title`` option), or ``InvalidValue`` naming ``title``: text, not
    None or a number a script's settings held."""
    if not isinstance(title, str):
        raise InvalidValue(
            f"must be text (the ledger's title), not {type(title).__name__}",
            field="title",
            value=title,
        )
    return title


def ledger_header(transactions: Sequence[Transaction], *, title: str = "q2c") -> str:
    """Options and ``open`` directives (each account opened on the day it is first used)."""
    _require_title(title)
    first_use: dict[str, date] = {}
    currencies: list[str] = []
    for txn in transactions:
        for p in txn.postings:
            if p.account not in first_use or txn.day < first_use[p.account]:
                first_use[p.account] = txn.day
            if p.amount.currency not in currencies:
                currencies.append(p.amount.currency)
    lines = [f'option "title" "{_quote(title)}"']
    lines += [f'option "operating_currency" "{c}"' for c in currencies]
    lines.append("")
    lines += [f"{first_use[acc].isoformat()} open {acc}" for acc in sorted(first_use)]
    return "\n".join(lines) + "\n"


def iter_events(app: BaseApp, *, batch: int = 500) -> Iterator[DomainEventProtocol[UUID]]:
    """Every event of the application, in notification-log order."""
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=batch)
        if not page:
            return
        for notification in page:
            yield app.mapper.to_domain_event(notification)
        start = page[-1].id + 1


def ledger_transactions(app: BaseApp) -> list[Transaction]:
    """Every transaction q2c's events book, in log order."""
    book = LedgerBook(app)
    return [txn for event in iter_events(app) for txn in book.transactions(event)]


def export_ledger(app: BaseApp, *, title: str = "q2c") -> str:
    """The whole ledger as Beancount text: header, then transactions sorted by date.

    Replaying the same events gives the same text, byte for byte. A title that is no text is
    refused (``InvalidValue`` naming ``title``) before the log is read.
    """
    _require_title(title)
    transactions = ledger_transactions(app)
    ordered = sorted(transactions, key=lambda t: t.day)  # stable: log order within a day
    return ledger_header(transactions, title=title) + "".join("\n" + t.render() for t in ordered)


JOURNAL_OPEN_DATE = date(1970, 1, 1)
JOURNAL_FORMAT = '; q2c journal: every event\'s block ends with a "; q2c booked <event id>" line\n'
_EVENT_ID = re.compile(r'^\s+event_id: "([^"]+)"', re.MULTILINE)
_OPEN = re.compile(r"^(\d{4}-\d{2}-\d{2}) open (\S+)", re.MULTILINE)
# an account opened for a customer, and the end of a component named by the customer's whole id
_CUSTOMER_OPEN = re.compile(
    rf"^\d{{4}}-\d{{2}}-\d{{2}} open ((?:{'|'.join(CUSTOMER_ROOTS)}):\S+)", re.MULTILINE
)
_COMPONENT = re.compile(r"-[0-9a-f]{32}$")
# the end of what is written for good: the format line, or the end marker of an event's block
_COMPLETE = re.compile(rb"^; q2c (?:journal: [^\n]*|booked \S+)\n", re.MULTILINE)


def _block_end(event_id: str) -> str:
    return f"; q2c booked {event_id}\n"


class BeancountJournal:
    """An accounting sink that appends to a Beancount file, once per event id.

    It reads back the event ids already in the file, so a redelivered event books nothing, and
    each customer's credit by day (``LedgerBook.recall``), so the refunds owed it moves after a
    restart are those a full export moves; what it books counts only once written. An
    event whose booking cannot be built or does not balance is refused for good
    (``PoisonEvent``); a file that cannot be written is "down" (the ``OSError`` propagates and the
    delivery retries later). Accounts are opened on first use, dated 1970-01-01 because events can
    arrive with earlier business dates than those already booked, or on the first day the event's
    block uses the account, if that is earlier (q2c takes any business day: a history loaded from
    before 1970, a year typed 1024 for 2024). An account cannot be opened twice: an event booking
    one before the day the journal opened it is refused (``PoisonEvent`` naming the day and the
    account), never written into a journal Beancount would refuse.

    An event's block (its ``open`` directives and transactions) is written whole or not at all:
    it ends with a ``; q2c booked <event id>`` line and is synced to disk before the event counts
    as booked; a write that fails (disk full) is cut back to where it started. Text after the last
    complete block, which only a write cut short by a crash leaves, is cut off when the journal
    is opened (with a ``RuntimeWarning``; ``discarded`` holds it) and those events are booked
    again. A journal written before blocks had an end line is read as it is, and refused
    (``InvalidValue`` naming ``path``) if it stops in the middle of a line. A journal that is
    not UTF-8 text (saved as Latin-1 by an editor) is refused too (``InvalidValue`` naming
    ``path`` and the byte), before anything is written. A journal whose
    customer accounts are named the way q2c named them before they were named by the customer's
    registered name and whole id is refused too (``InvalidValue`` naming ``path``, nothing
    written): continued, it would book its customers on a second set of accounts (and its own
    may hold two customers each); export the ledger anew to a new file.

    Two journals on the same file (two delivery processes at once: an overrunning cron run and
    the next one) book each event once: re-reading what the file holds, deciding whether the
    event is booked and appending its block happen under an exclusive lock on the journal file
    (POSIX ``flock``, which also serialises journals in threads of one process), so the second
    finds the first's block and adds nothing; opening the journal (writing its header, cutting
    an unfinished block) takes the lock too. The lock is advisory: other programs writing the
    file are not held back. Where ``fcntl`` is missing (Windows, not a target) the module still
    imports and the journal works without the lock: one delivery process at a time there.
    """

    def __init__(self, app: BaseApp, path: str, *, title: str = "q2c") -> None:
        """A journal on ``path`` (text or a ``PathLike``; else ``InvalidValue`` naming ``path``),
        titled ``title`` when it is made (text; else ``InvalidValue`` naming ``title``), both
        checked before the file is made."""
        if not isinstance(path, str | os.PathLike):
            raise InvalidValue(
                f"must be the journal file's path, not {type(path).__name__}",
                field="path",
                value=path,
            )
        _require_title(title)
        self.book = LedgerBook(app)
        self.path = path
        self.title = title
        self.discarded = ""
        self.booked: set[str] = set()
        self.opened: dict[str, date] = {}  # account -> the day the journal opened it
        self._size = 0
        with self._locked(create=True):
            self._load()

    @contextlib.contextmanager
    def _locked(self, *, create: bool = False) -> Iterator[None]:
        """Hold an exclusive lock on the journal file while the block runs: another journal on
        the file, in this or another process, waits for it. The file is created when
        ``create`` (opening a journal); otherwise a missing file is ``FileNotFoundError``, as a
        journal deleted under a running delivery always was (the delivery stops there). Released
        when the lock's own descriptor closes (``flock`` locks belong to that open file, so the
        descriptors ``_append`` opens and closes leave it held)."""
        try:
            import fcntl  # POSIX only; imported here so that the module imports without it
        except ImportError:  # pragma: no cover - Windows is not a target: no lock there
            yield
            return
        flags = os.O_RDONLY | (os.O_CREAT if create else 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(self.path, flags, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _load(self) -> None:
        """Read back what the file holds for good, cutting off an unfinished block."""
        try:
            with open(self.path, "rb") as f:
                existing = f.read()
        except FileNotFoundError:
            existing = b""
        self._refuse_old_account_names(existing.decode("utf-8", errors="replace"))
        ends = [m.end() for m in _COMPLETE.finditer(existing)]
        if ends:
            complete = existing[: ends[-1]]
            unfinished = existing[ends[-1] :]
            if not unfinished.strip():
                complete = existing
            self._require_utf8(complete)
            if unfinished.strip():
                self._cut(len(complete), unfinished)
            self._size = len(complete)
        elif existing.strip():
            self._require_utf8(existing)
            if not existing.endswith(b"\n"):
                raise InvalidValue(
                    f"the journal stops in the middle of a line (a write cut short, at byte "
                    f"{len(existing)}): cut it back to its last complete transaction",
                    field="path",
                    value=self.path,
                )
            complete = existing  # written before blocks had an end line: taken as it is
            self._size = len(existing)
            self._append(JOURNAL_FORMAT.encode("utf-8"))
        else:
            complete = b""
            self._size = len(existing)
            self._append(f'option "title" "{_quote(self.title)}"\n{JOURNAL_FORMAT}'.encode())
        text = complete.decode("utf-8")
        self.booked = set(_EVENT_ID.findall(text))
        self.opened = {account: date.fromisoformat(day) for day, account in _OPEN.findall(text)}
        self.book.recall(text)

    def _require_utf8(self, complete: bytes) -> None:
        """Refuse (``InvalidValue`` naming ``path`` and the first byte that is not UTF-8, before
        anything is written or cut) a journal whose complete part is not UTF-8 text: saved by
        an editor in another encoding (Latin-1). (An unfinished block a crash cut short, in the
        middle of a character too, is cut off as such.)"""
        try:
            complete.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidValue(
                f"the journal is not UTF-8 text (byte {error.start} is not): save it as UTF-8 "
                f"(a Beancount file is UTF-8) and deliver again",
                field="path",
                value=self.path,
            ) from None

    def _refuse_old_account_names(self, text: str) -> None:
        """Refuse (``InvalidValue`` naming ``path``, before anything is written) a journal that
        opened customer accounts named otherwise than ``customer_component`` names them now
        (by the customer's name at the time and 8 digits of its id, before q2c named them by
        the registered name and the whole id): continued, it would book the same customers on
        a second set of accounts, and its old accounts may hold two customers each."""
        old = [
            m.group(1) for m in _CUSTOMER_OPEN.finditer(text) if not _COMPONENT.search(m.group(1))
        ]
        if old:
            shown = ", ".join(sorted(set(old))[:3]) + (", ..." if len(set(old)) > 3 else "")
            raise InvalidValue(
                f"the journal names customer accounts as q2c did before accounts were named by "
                f"the customer's registered name and whole id ({shown}); continued, it would "
                f"open second accounts for the same customers: export the ledger anew "
                f"(q2c export beancount) and deliver to a new journal file",
                field="path",
                value=self.path,
            )

    def _cut(self, size: int, unfinished: bytes) -> None:
        os.truncate(self.path, size)
        self.discarded = unfinished.decode("utf-8", errors="replace")
        warnings.warn(
            f"{self.path}: cut off {len(unfinished)} bytes after the last complete block "
            f"(at byte {size}), an unfinished write; their events are booked again",
            RuntimeWarning,
            stacklevel=3,
        )

    def _append(self, data: bytes) -> None:
        """Append ``data`` whole and sync it, or leave the file as it was and raise."""
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
        fd = os.open(self.path, flags, 0o666)
        try:
            start = os.lseek(fd, 0, os.SEEK_END)
            try:
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    if written <= 0:
                        raise OSError(errno.EIO, "nothing written", self.path)
                    view = view[written:]
                os.fsync(fd)
            except BaseException:
                # (if even this fails, the next delivery finds the file longer than it left
                # it and cuts the unfinished block off then)
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
                    os.fsync(fd)
                raise
        finally:
            os.close(fd)
        self._size = start + len(data)

    def deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        """Append the event's transactions unless this event id is already in the file: the
        check and the append under the journal's lock, so two journals on the file book it
        once."""
        with self._locked():
            self._deliver(event_id, event)

    def _deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        """``deliver``, the journal's lock held."""
        if os.path.getsize(self.path) != self._size:
            self._load()  # an earlier write was not cut back, or another journal wrote
        if event_id in self.booked:
            return
        try:
            transactions = self.book.transactions(event, remember=False)
        except (Q2CError, AssertionError, KeyError, ValueError) as error:
            raise PoisonEvent(f"cannot book {type(event).__qualname__}: {error}") from error
        if not transactions:
            return
        for txn in transactions:
            if not txn.is_balanced():
                raise PoisonEvent(f"{type(event).__qualname__} does not balance: {txn.postings}")
        first_use: dict[str, date] = {}
        for txn in transactions:
            for p in txn.postings:
                first_use[p.account] = min(txn.day, first_use.get(p.account, txn.day))
        for account, day in sorted(first_use.items()):
            opened = self.opened.get(account)
            if opened is not None and day < opened:
                raise PoisonEvent(
                    f"{type(event).__qualname__} books {account} on {day.isoformat()}, before "
                    f"the journal opened it ({opened.isoformat()}): Beancount would refuse the "
                    f"journal; correct the day if it is mistyped, or export the ledger anew"
                )
        new_accounts = {
            account: min(day, JOURNAL_OPEN_DATE)
            for account, day in sorted(first_use.items())
            if account not in self.opened
        }
        text = "".join(f"\n{day.isoformat()} open {a}\n" for a, day in new_accounts.items())
        text += "".join("\n" + t.render() for t in transactions)
        self._append((text + _block_end(event_id)).encode("utf-8"))
        self.book.remember(transactions)
        self.opened.update(new_accounts)
        self.booked.add(event_id)

    def read(self) -> str:
        """The journal's text."""
        with open(self.path, encoding="utf-8") as f:
            return f.read()
