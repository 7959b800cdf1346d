"""Invoices, deposit invoices and credit notes.

A draft can change; an issued invoice never does. After issue, only compensating facts are
recorded: payments applied or un-applied, credit notes that name the exact lines they reverse.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.customer import Customer, CustomerDetails
from q2c_core.domain.errors import (
    ApprovalRefused,
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    InvoiceLinesRejected,
    OverAllocation,
    RuleViolated,
    refuse_unlike_done,
)
from q2c_core.domain.event_facts import (
    ChecksFacts,
    NotBefore,
    refuse_unreadable_reason,
    require_reason,
)
from q2c_core.domain.invoice_lines import (
    InvoiceLine,
    SourceKind,
    check_billed_hours,
    check_line_amounts,
    check_lines,
    lines_net,
    lines_tax,
)
from q2c_core.domain.managers import check_handover
from q2c_core.domain.money import Money, minor_units, total
from q2c_core.domain.tax import TaxSubtotal, e_invoice_tax_problems
from q2c_core.domain.values import (
    TimeOrderedIds,
    items_given,
    person_key,
    require_day,
    same_fact,
)


def _check_new_lines(lines: Any, currency: Any, known: list[InvoiceLine]) -> None:
    """New lines' nets, and the invoice's total with them, in Money's range (lines of another
    type are refused by the command that takes them)."""
    if (
        isinstance(lines, list)
        and isinstance(currency, str)
        and all(isinstance(line, InvoiceLine) for line in lines)
    ):
        check_line_amounts(lines, currency)
        if known:
            check_line_amounts([*known, *lines], currency)


class InvoiceKind(enum.Enum):
    """A normal invoice, a deposit (down-payment) invoice, or a credit note."""

    STANDARD = "standard"
    DEPOSIT = "deposit"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(enum.Enum):
    """Draft and approved invoices can still be voided; issued ones only compensated."""

    DRAFT = "draft"
    APPROVED = "approved"
    ISSUED = "issued"
    VOIDED = "voided"


class CreditDisposition(enum.Enum):
    """What happens to what a credit note reverses.

    REBILLABLE: the work can be billed again. WRITTEN_OFF: the work was done and is given up,
    a cost (the ledger books a write-off expense). CORRECTED: the charge no longer applies, so
    the revenue is reversed; nothing is billed again. The billing run's credit notes of its
    corrections carry it (a contract changed retroactively; before this value existed they were
    recorded as WRITTEN_OFF, and the ledger reads those as corrections too: a run's lines name
    their sub-contract and days, ``write_offs.is_run_correction``). Drafted by hand
    (``draft_credit_note``) it is a price concession (10 % off for a late delivery: variable
    consideration under ASC 606 / IFRS 15, less revenue, not a credit loss) on lines billed by
    hand or for a request's work, which stay billed; refused on a line billing a contract.
    """

    REBILLABLE = "rebillable"
    WRITTEN_OFF = "written_off"
    CORRECTED = "corrected"


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _roles(value: Iterable[str]) -> tuple[str, ...]:
    """An approval policy's roles: a list or tuple of text. One text alone is refused, not
    read letter by letter (``roles="cfo"`` was the roles "c", "f" and "o", and every sign-off
    by the CFO was refused), and so is a role that is no text (``InvalidValue`` naming
    ``approval_policy.roles``)."""
    roles = items_given(value, "approval_policy.roles", "role names")
    for role in roles:
        if not isinstance(role, str):
            raise InvalidValue(
                f"must name each role in text, not {type(role).__name__}",
                field="approval_policy.roles",
                value=roles,
            )
    return roles


@attrs.frozen
class ApprovalPolicy:
    """The roles whose sign-off an invoice needs before it can be issued.

    One person signs for one role only, and the person who drafted the invoice can never be its
    only approver.
    """

    roles: tuple[str, ...] = attrs.field(default=("billing", "account_manager"), converter=_roles)

    def __attrs_post_init__(self) -> None:
        if not self.roles or any(not r.strip() for r in self.roles):
            raise InvalidValue("needs at least one named role", field="approval_policy.roles")
        if len(set(self.roles)) != len(self.roles):
            raise InvalidValue("roles must be distinct", field="approval_policy.roles")


@attrs.frozen
class Approval:
    """A sign-off by one person for one role."""

    role: str
    actor: str
    approved_on: date


@attrs.frozen
class AppliedPayment:
    """Part of a payment applied to this invoice (``unapplied_on``: the day it was taken back
    off, in ``Invoice.applications``; None while it is applied)."""

    allocation_id: str
    payment_id: UUID
    amount: Money
    applied_on: date
    collected_on: date | None = None  # money applied again: the day it was first collected
    unapplied_on: date | None = None

    def in_force_on(self, day: date) -> bool:
        """Applied by the end of ``day`` and not yet taken back off then."""
        return self.applied_on <= day and (self.unapplied_on is None or self.unapplied_on > day)


@attrs.frozen
class GiveBack:
    """Money a credit note gives back (``Invoice.money_to_give_back``): ``applied`` is taken
    back off the invoice on the note's day, and ``kept`` of it, what the invoice still owed,
    applied again that day."""

    applied: AppliedPayment
    kept: Money


@attrs.frozen
class AppliedCredit:
    """A credit note that reduces what this invoice asks for (``given_back``: the money paying
    the invoice it gave back; None in credits recorded before q2c kept it)."""

    credit_note_id: UUID
    amount: Money
    credited_on: date
    line_ids: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    given_back: Money | None = None


@attrs.frozen
class RemainderWriteOff:
    """A small remainder of an issued invoice written off (``Invoice.write_off_remainder``):
    what was still owed on ``written_off_on``, given up for ``reason`` (a bank fee taken off
    a transfer, a rounding difference). Not collected: the invoice owes nothing from that day,
    and the books carry it as an expense, not as money received. A negative ``amount`` is a
    write-off taken back (``Invoice.take_back_write_off``): owed again from that day, until
    the credit note of that day credits it."""

    amount: Money
    written_off_on: date
    reason: str
    actor: str


class Invoice(ChecksFacts, TimeOrderedIds, Aggregate):
    """An invoice from draft to paid, or a credit note."""

    # every payment applied to it, in the order applied, those taken back off with their day
    # (``AppliedPayment.unapplied_on``): what it owed on a past day, which money dated back or
    # a credit note dated back is checked against. None when not known: an invoice read from a
    # snapshot taken before it was kept, or one with an un-application recorded before
    # un-applications carried their day (the application works it out from the invoice's
    # events and the payments: ``know_applications``)
    applications: list[AppliedPayment] | None = None
    # the business day it was voided; None while live, and for a void recorded before voids
    # carried their day (``holds_work_on``)
    voided_on: date | None = None
    # the remainders written off, in the order recorded (``write_off_remainder``); none in an
    # invoice read from a snapshot taken before q2c wrote remainders off
    write_offs: Sequence[RemainderWriteOff] = ()

    NOT_SCANNED = frozenset({"note"})  # (the run writes it; draft_invoice scans a person's)
    DAY_ORDER: ClassVar[Mapping[str, tuple[NotBefore, ...]]] = {
        "Approved": (NotBefore("approved_on", "drafted_on", "the invoice was drafted"),),
        # a void on a day before a sign-off would read the work as unbilled on days the
        # invoice was live and being signed off
        "Voided": (
            NotBefore("voided_on", "drafted_on", "the invoice was drafted"),
            NotBefore("voided_on", "approved_through", "the invoice was approved"),
        ),
        "Issued": (
            NotBefore("issued_on", "drafted_on", "the invoice was drafted"),
            NotBefore("issued_on", "approved_through", "the invoice was approved"),
        ),
        # money and credit meet an invoice from the day it is issued: a statement as of an
        # earlier day would show the money neither as paid nor as credit, the credit as a
        # negative balance
        "PaymentApplied": (NotBefore("applied_on", "issued_on", "the invoice was issued"),),
        "Credited": (NotBefore("credited_on", "issued_on", "the invoice was issued"),),
    }

    @classmethod
    def _create(cls, event_class: type, **kwargs: Any) -> Any:
        """Refuse, before the ``Drafted`` event exists, a kind that is not an ``InvoiceKind``
        (text such as ``"standard"`` was recorded and broke every report after it) and lines
        whose net or total is out of range (``check_line_amounts``). Replayed drafts are not
        checked again: histories recorded before these rules still load."""
        kind = kwargs.get("kind")
        if not isinstance(kind, InvoiceKind):
            raise InvalidValue(
                f"must be an InvoiceKind, not {type(kind).__name__}", field="kind", value=kind
            )
        _check_new_lines(kwargs.get("lines"), kwargs.get("currency"), [])
        return super()._create(event_class, **kwargs)

    def trigger_event(self, event_class: type, **kwargs: Any) -> None:
        """Check lines added to a draft as drafted ones are (``_create``), and that a new void
        says why in visible text (``InvalidValue`` naming ``reason``: not only invisible
        characters, no control character) and on which day it happened (``InvalidValue``
        naming ``voided_on``: a void without its day reads as a draft that held its work on no
        day, changing past days' answers), then record. Replayed events are not checked: voids
        recorded without their day, or with such a reason, before these rules still load, and
        read as they did (``holds_work_on``)."""
        if event_class.__name__ == "LinesAdded":
            _check_new_lines(kwargs.get("lines"), self.currency, self.lines)
        if event_class.__name__ == "Voided" and isinstance(kwargs.get("reason"), str):
            # (a zero-width space alone passed ``strip``: a void saying nothing of why)
            refuse_unreadable_reason(kwargs["reason"], "reason", self.id)
        if event_class.__name__ == "Voided" and kwargs.get("voided_on") is None:
            raise InvalidValue(
                "must say on which business day the invoice was voided",
                field="voided_on",
                aggregate_id=self.id,
                value=None,
            )
        super().trigger_event(event_class, **kwargs)

    @event("Drafted")
    def __init__(
        self,
        customer_id: UUID,
        kind: InvoiceKind,
        currency: str,
        lines: list[InvoiceLine],
        drafted_on: date,
        actor: str,
        approval_policy: ApprovalPolicy,
        payment_terms_days: int = 30,
        account_manager: str = "",
        purchase_order_number: str | None = None,
        credits_invoice_id: UUID | None = None,
        credit_disposition: CreditDisposition | None = None,
        note: str = "",
        fixed_tax: list[TaxSubtotal] | None = None,
    ) -> None:
        if payment_terms_days < 0:
            raise InvalidValue("must not be negative", field="payment_terms_days")
        if (kind is InvoiceKind.CREDIT_NOTE) != (credits_invoice_id is not None):
            raise InvalidValue(
                "a credit note, and only a credit note, names the invoice it credits",
                field="credits_invoice_id",
            )
        if kind is InvoiceKind.CREDIT_NOTE and credit_disposition is None:
            raise InvalidValue(
                "a credit note says whether the work is re-billable or written off",
                field="credit_disposition",
            )
        minor_units(currency)  # an ISO 4217 code, or InvalidValue
        self.customer_id = customer_id
        self.kind = kind
        self.currency = currency
        self.lines: list[InvoiceLine] = []
        self.drafted_on = drafted_on
        self.drafted_by = actor
        self.approval_policy = approval_policy
        self.payment_terms_days = payment_terms_days
        self.account_manager = account_manager
        self.purchase_order_number = purchase_order_number
        self.credits_invoice_id = credits_invoice_id
        self.credit_disposition = credit_disposition
        self.note = note
        self.status = InvoiceStatus.DRAFT
        self.approvals: list[Approval] = []
        self.series: str | None = None
        self.number: str | None = None
        self.issued_on: date | None = None
        self.due_date: date | None = None
        self.payments: list[AppliedPayment] = []
        self.applications = []
        self.credits: list[AppliedCredit] = []
        self.deducted_by: UUID | None = None
        self.void_reason: str | None = None
        self.past_due_noticed_on: date | None = None
        # the customer's details it was issued with (None before issue, and in invoices issued
        # before q2c kept them: ``buyer_details``)
        self.buyer: CustomerDetails | None = None
        self._add(lines)
        # tax per category fixed when drafted (a credit note's share of the original's tax)
        self.fixed_tax: list[TaxSubtotal] | None = None
        if fixed_tax is not None:
            self._check_fixed_tax(fixed_tax)
            self.fixed_tax = list(fixed_tax)

    def _check_fixed_tax(self, fixed_tax: list[TaxSubtotal]) -> None:
        computed = {s.tax_rate: s.taxable for s in lines_tax(self.lines, self.currency)}
        given = {s.tax_rate: s.taxable for s in fixed_tax}
        if len(given) != len(fixed_tax) or given != computed:
            raise InvalidValue(
                "must give one subtotal per tax category with the lines' taxable amount",
                field="fixed_tax",
                aggregate_id=self.id,
            )
        for s in fixed_tax:
            if s.tax.currency != self.currency or not s.tax.is_rounded():
                raise InvalidValue(
                    "tax must be rounded, in the invoice currency",
                    field="fixed_tax",
                    aggregate_id=self.id,
                    value=s.tax,
                )

    def _add(self, lines: list[InvoiceLine]) -> None:
        known = {line.line_id for line in self.lines}
        for line in lines:
            if line.line_id in known:
                raise DuplicateEntry(
                    f"line {line.line_id} appears twice",
                    field="line_id",
                    aggregate_id=self.id,
                    value=line.line_id,
                )
            known.add(line.line_id)
            if line.unit_price.currency != self.currency:
                raise CurrencyMismatch(
                    f"line {line.line_id} is in {line.unit_price.currency}, "
                    f"the invoice in {self.currency}",
                    field="lines",
                    aggregate_id=self.id,
                )
        self.lines.extend(lines)

    # -- derived ---------------------------------------------------------------------------------

    @property
    def net(self) -> Money:
        """Sum of rounded line nets."""
        return lines_net(self.lines, self.currency)

    @property
    def tax_subtotals(self) -> list[TaxSubtotal]:
        """Tax per category, rounded once per category (or as fixed when drafted)."""
        if self.fixed_tax is not None:
            return list(self.fixed_tax)
        return lines_tax(self.lines, self.currency)

    @property
    def tax(self) -> Money:
        """Total tax."""
        return total((s.tax for s in self.tax_subtotals), self.currency)

    @property
    def total(self) -> Money:
        """Net plus tax."""
        return self.net + self.tax

    @property
    def paid(self) -> Money:
        """Payments applied and not un-applied."""
        return total((p.amount for p in self.payments), self.currency)

    @property
    def credited(self) -> Money:
        """Credit notes issued against this invoice."""
        return total((c.amount for c in self.credits), self.currency)

    @property
    def written_off(self) -> Money:
        """The remainders written off (``write_off_remainder``): owed no longer, not paid."""
        return total((w.amount for w in self.write_offs), self.currency)

    def written_off_by(self, day: date) -> Money:
        """The remainders written off on or before ``day``.
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        return total((w.amount for w in self.write_offs if w.written_off_on <= day), self.currency)

    @property
    def outstanding(self) -> Money:
        """What the customer still owes: total - credits - payments - remainders written off
        (zero unless issued)."""
        if self.status is not InvoiceStatus.ISSUED or self.kind is InvoiceKind.CREDIT_NOTE:
            return Money.zero(self.currency)
        return self.total - self.credited - self.paid - self.written_off

    @property
    def is_issued(self) -> bool:
        """Issued invoices carry a number and can no longer change."""
        return self.status is InvoiceStatus.ISSUED

    def issued_by(self, day: date) -> bool:
        """Whether it was issued on or before ``day``: money and credit meet it from then.
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        return self.issued_on is not None and self.issued_on <= day

    def holds_work_on(self, day: date) -> bool:
        """Whether its lines held the request work and allowance overage they bill at the end of
        ``day``: drafted by then and not voided by then (a credit note bills no work).

        The request and the allowance mark work billed, and billable again, by events that
        carry no business day; the invoice's draft and void days say when. A void recorded
        without its day (before voids carried one) reads as on the day it was drafted: such a
        draft held the work on no day, as the records without a day read it.
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        if self.kind is InvoiceKind.CREDIT_NOTE or self.drafted_on > day:
            return False
        if self.status is InvoiceStatus.VOIDED:
            return self.voided_on is not None and self.voided_on > day
        return True

    def lines_holding_work_on(
        self, day: date, rebillable_notes: Collection[UUID]
    ) -> list[InvoiceLine]:
        """The lines that held what they bill at the end of ``day`` (``holds_work_on``), less
        those credited by then by a credit note of ``rebillable_notes`` (the re-billable ones):
        such a note gives the work back on its day, while a written-off line stays billed.
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        if not self.holds_work_on(day):
            return []
        released = {
            line_id
            for c in self.credits
            if c.credited_on <= day and c.credit_note_id in rebillable_notes
            for line_id in c.line_ids
        }
        return [line for line in self.lines if line.line_id not in released]

    def credited_by(self, day: date) -> Money:
        """Credit notes applied to it on or before ``day``.
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        return total((c.amount for c in self.credits if c.credited_on <= day), self.currency)

    def outstanding_on(self, day: date, paid: Money) -> Money:
        """What the customer still owed on it at the end of ``day``: its total less the credit
        notes applied by then, the remainders written off by then and ``paid``, what the
        allocations then in force paid it (``Payment.allocations_on``: the invoice forgets a
        payment once taken back off, the payment keeps the day it was). Zero for a credit
        note, and before it was issued.
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        if self.kind is InvoiceKind.CREDIT_NOTE or not self.issued_by(day):
            return Money.zero(self.currency)
        return self.total - self.credited_by(day) - self.written_off_by(day) - paid

    def least_owed_since(self, day: date) -> tuple[Money, date]:
        """The least the customer owed on it at the end of ``day`` and of every day since (its
        total less the credit notes applied by then and the payments then in force), and the
        first day it owed that little: money or credit dated ``day`` may take no more, or some
        day since would owe less than nothing, paid or credited twice over.

        O(payments and credits of this invoice). An invoice that does not know the payments
        taken back off it (``applications`` None) counts only those still applied.
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        changes: dict[date, Decimal] = {}

        def changed(on: date, amount: Decimal) -> None:
            if on > day:
                changes[on] = changes.get(on, Decimal(0)) + amount

        for applied in self.payments if self.applications is None else self.applications:
            changed(applied.applied_on, -applied.amount.amount)
            if applied.unapplied_on is not None:
                changed(applied.unapplied_on, applied.amount.amount)
        for c in self.credits:
            changed(c.credited_on, -c.amount.amount)
        for w in self.write_offs:
            changed(w.written_off_on, -w.amount.amount)
        # what it owes now, less every change after ``day``: what it owed at the end of it
        owed = self.outstanding.amount - sum(changes.values(), Decimal(0))
        least, least_on = owed, day
        for on in sorted(changes):
            owed += changes[on]
            if owed < least:
                least, least_on = owed, on
        return Money(least, self.currency), least_on

    def in_force_on(self, day: date) -> list[AppliedPayment]:
        """The payments applied to it at the end of ``day`` (applied by then, not taken back
        off by then), in the order applied; each with its ``unapplied_on`` when taken back off
        since. Those still applied alone when it does not know (``applications`` None).
        A day that is no date is refused (``InvalidValue`` naming ``day``)."""
        require_day(day, "day")
        known = self.payments if self.applications is None else self.applications
        return [a for a in known if a.in_force_on(day)]

    def money_to_give_back(self, amount: Money, on: date) -> list[GiveBack]:
        """The money a credit note of ``amount`` dated ``on`` gives back: what it credits
        beyond what the invoice owed at the end of its day, the newest money paying it then
        first (the latest day applied; on one day, the latest applied), each taken back off on
        the note's day, the last keeping what the invoice still owed (``GiveBack.kept``).
        Nothing when the note fits. A note dated back gives back what it would have recorded
        on its day, so that no day since is paid and credited twice over.

        Refused, ``OverAllocation`` naming the invoice, the day and what it owed then, when
        that cannot be: the money to give back was taken back off after the note's day
        (reversed, bounced: it paid the invoice until then; date the note on or after that
        day), or money applied or credit given after the note's day would pay the invoice
        twice over with it (a note does not undo what is recorded on a later day: take that
        money back off first, or date the note on or after it).

        O(payments and credits of this invoice), once sorted by day.
        A day that is no date is refused (``InvalidValue`` naming ``on``)."""
        require_day(on, "on")
        name = self.number or str(self.id)
        paying = self.in_force_on(on)
        owed = self.outstanding_on(on, total((a.amount for a in paying), self.currency))
        least, least_on = self.least_owed_since(on)
        if least < min(amount, owed):
            raise OverAllocation(
                f"credit {amount} dated {on} would pay invoice {name} twice over on "
                f"{least_on}, when it owed {least} (paid or credited after {on})",
                field="amount",
                aggregate_id=self.id,
                value=amount,
            )
        short = amount - owed
        given: list[GiveBack] = []
        for applied in reversed(sorted(paying, key=lambda a: a.applied_on)):
            if not short.is_positive():
                break
            if applied.unapplied_on is not None:
                raise OverAllocation(
                    f"credit {amount} dated {on} is more than the {owed} invoice {name} owed "
                    f"then, and the money paying it ({applied.amount}, applied on "
                    f"{applied.applied_on}) was taken back off on {applied.unapplied_on}: it "
                    f"cannot be given back on {on} (date the note on or after "
                    f"{applied.unapplied_on})",
                    field="amount",
                    aggregate_id=self.id,
                    value=amount,
                )
            kept = applied.amount - applied.amount.min(short)
            given.append(GiveBack(applied, kept))
            short = short - applied.amount
        return given

    def know_applications(self, applications: list[AppliedPayment]) -> None:
        """Give an invoice that does not know them (``applications`` None) every payment
        applied to it, in the order applied, as its events and the payments tell them; the
        live ones must be its ``payments``."""
        live = [a for a in applications if a.unapplied_on is None]
        if [a.allocation_id for a in live] != [a.allocation_id for a in self.payments]:
            raise RuleViolated(
                "the payments still applied are not the invoice's",
                field="applications",
                aggregate_id=self.id,
            )
        self.applications = list(applications)

    def is_settled(self) -> bool:
        """Issued and nothing outstanding."""
        return self.is_issued and not self.outstanding.is_positive()

    def is_past_due(self, as_of: date) -> bool:
        """Issued, still owed, and the due date has passed.
        A day that is no date is refused (``InvalidValue`` naming ``as_of``)."""
        require_day(as_of, "as_of")
        return (
            self.is_issued
            and self.due_date is not None
            and self.due_date < as_of
            and self.outstanding.is_positive()
        )

    def approved_roles(self) -> list[str]:
        """Roles that have signed off."""
        return [a.role for a in self.approvals]

    @property
    def approved_through(self) -> date | None:
        """The day of the latest sign-off (None before any): it is issued no earlier."""
        return max((a.approved_on for a in self.approvals), default=None)

    def e_invoice_tax_problems(self, buyer_vat_id: str | None) -> list[str]:
        """The EN 16931 tax rules its lines break with the buyer's VAT id ``buyer_vat_id``
        (``tax.e_invoice_tax_problems``), in words; none for a credit note, which mirrors the
        invoice it credits and names the buyer that was issued to. Checked at approval, and
        again at issue (``QuoteToCash.issue_invoice``): the VAT id may be cleared between."""
        if self.kind is InvoiceKind.CREDIT_NOTE:
            return []
        return e_invoice_tax_problems(
            ((line.line_id, line.tax) for line in self.lines), buyer_vat_id
        )

    def _refuse(self, rule: str, field: str = "status") -> InvalidTransition:
        return InvalidTransition(rule, field=field, aggregate_id=self.id, value=self.status)

    def _require(self, *statuses: InvoiceStatus, doing: str) -> None:
        if self.status not in statuses:
            raise self._refuse(f"cannot {doing} when {self.status.value}")

    # -- draft -----------------------------------------------------------------------------------

    @event("LinesAdded")
    def add_lines(self, lines: list[InvoiceLine], actor: str) -> None:
        """Add lines to a draft; any approvals given so far are withdrawn."""
        self._require(InvoiceStatus.DRAFT, InvoiceStatus.APPROVED, doing="add lines")
        if self.fixed_tax is not None:
            raise self._refuse("its tax was fixed when it was drafted", field="lines")
        self._add(lines)
        self.approvals = []
        self.status = InvoiceStatus.DRAFT

    def hand_over(self, to_manager: str, effective_on: date, actor: str) -> None:
        """Name ``to_manager``: its customer was handed over to them from ``effective_on``, a
        day on or before the one it was drafted (``QuoteToCash.hand_over_customer``), so it
        names the manager of its drafting day, as if drafted after the handover was recorded,
        and its commission is theirs.

        Checked as a customer's handover (``check_handover``: someone, not the manager
        already, a business day); a day after it was drafted is refused (``RuleViolated``
        naming ``effective_on``: an invoice drafted before keeps its manager), and so is an
        invoice issued or voided (``InvalidTransition``: an issued invoice's record never
        changes), or a credit note (``InvalidTransition`` naming ``kind``: it names the
        manager of the invoice it credits). Its approvals stand: who it names changes
        nothing it bills."""
        if self.kind is InvoiceKind.CREDIT_NOTE:
            raise self._refuse("names the manager of the invoice it credits", field="kind")
        self._require(InvoiceStatus.DRAFT, InvoiceStatus.APPROVED, doing="hand over")
        name, day = check_handover(self.account_manager, to_manager, effective_on, self.id)
        if day > self.drafted_on:
            raise RuleViolated(
                f"is after the invoice was drafted ({self.drafted_on}): it keeps its manager",
                field="effective_on",
                aggregate_id=self.id,
                value=day,
            )
        self._handed_over(self.account_manager, name, day, actor)

    @event("InvoiceHandedOver")
    def _handed_over(
        self, from_manager: str, to_manager: str, effective_on: date, actor: str
    ) -> None:
        """The ``InvoiceHandedOver`` event (``hand_over``, which holds the rules)."""
        self.account_manager = to_manager

    def repeats_issue(self, issued_on: date, series: str) -> bool:
        """Whether issuing on ``issued_on`` in ``series`` is the issue the invoice had: issued
        on that day in that series, an issue sent again after a lost response (its number is
        the answer; no other is taken)."""
        return (
            self.status is InvoiceStatus.ISSUED
            and same_fact(self.series, series)
            and same_fact(getattr(self, "issued_on", None), issued_on)
        )

    def repeats_credit(
        self,
        invoice_id: UUID,
        line_ids: Sequence[str],
        disposition: CreditDisposition,
        reason: str,
        drafted_on: date,
    ) -> bool:
        """Whether drafting a credit note of ``line_ids`` of invoice ``invoice_id`` (in that
        order), ``disposition``, for ``reason`` on ``drafted_on`` is this note, not voided: a
        note sent again after a lost response (this note is the answer; none other is
        drafted)."""
        if self.credits_invoice_id != invoice_id or self.status is InvoiceStatus.VOIDED:
            return False
        credited = [ln.source.line_id if ln.source else None for ln in self.lines]
        return (
            credited == list(line_ids)
            and self.credit_disposition is disposition
            and same_fact(self.note, reason)
            and same_fact(self.drafted_on, drafted_on)
        )

    def repeats_void(self, reason: str, voided_on: date) -> bool:
        """Whether voiding for ``reason`` on ``voided_on`` is the void the invoice had: voided
        on that day for that reason (spaces around it aside), a void sent again after a lost
        response (it gives back nothing more). Another day or reason is none."""
        return (
            self.status is InvoiceStatus.VOIDED
            and isinstance(reason, str)
            and isinstance(self.void_reason, str)
            and self.void_reason.strip() == reason.strip()
            and same_fact(self.voided_on, voided_on)
        )

    def repeats_approval(self, role: str, approved_on: date, actor: str) -> bool:
        """Whether signing off for ``role`` on ``approved_on`` by ``actor`` is an approval the
        draft (or approved invoice) holds already: the same role, day and person (as
        ``person_key`` reads names), a sign-off sent again after a lost response. Its lines
        changed since, the approvals were withdrawn, and it is none."""
        if self.status not in (InvoiceStatus.DRAFT, InvoiceStatus.APPROVED):
            return False
        person = person_key(actor) if isinstance(actor, str) else None
        return bool(person) and any(
            a.role == role and a.approved_on == approved_on and person_key(a.actor) == person
            for a in self.approvals
        )

    def approve(
        self,
        role: str,
        approved_on: date,
        logged_hours: dict[str, Decimal],
        actor: str,
        buyer_vat_id: str | None = None,
    ) -> None:
        """Sign off for one role, after the line checks pass against the hours logged.

        One person, one role: names are compared as ``person_key`` reads them (``Billy `` is
        ``billy``, and so is ``ｂｉｌｌｙ`` or ``billy`` with a zero-width space or a combining
        grapheme joiner pasted in), and the drafter is never the only approver. A name of
        invisible characters only is no one (``InvalidValue`` naming ``actor``). An hourly line
        bills no more
        hours than were logged, and says so in its quantity (a line stating 4 hours that bills
        40 is refused). An invoice (not a credit note, which mirrors the invoice it credits)
        breaking an EN 16931 tax rule (``e_invoice_tax_problems``, with the buyer's VAT id
        ``buyer_vat_id``) is refused too: issued, it would take its gapless number and no
        e-invoice could ever be made of it. The rules are checked here, when approving:
        ``Approved`` events recorded before some of them existed replay as they were.
        """
        self._require(InvoiceStatus.DRAFT, doing="approve")
        policy = self.approval_policy
        if role not in policy.roles:
            raise ApprovalRefused(
                f"role {role!r} is not in the approval policy {list(policy.roles)}",
                field="role",
                aggregate_id=self.id,
                value=role,
            )
        if role in self.approved_roles():
            raise ApprovalRefused(
                f"role {role!r} has already approved",
                field="role",
                aggregate_id=self.id,
                value=role,
            )
        person = person_key(actor)
        if not person:
            # (a name of invisible characters only would be a second person no one can name,
            # and the drafter's way to be the only approver)
            raise InvalidValue(
                "must name who approves (not blank, nor invisible characters only)",
                field="actor",
                aggregate_id=self.id,
                value=actor,
            )
        if any(person_key(a.actor) == person for a in self.approvals):
            raise ApprovalRefused(
                f"{actor} has already approved for another role; one person, one role",
                field="actor",
                aggregate_id=self.id,
                value=actor,
            )
        remaining = [r for r in policy.roles if r not in self.approved_roles() and r != role]
        approvers = {person_key(a.actor) for a in self.approvals} | {person}
        if not remaining and approvers == {person_key(self.drafted_by)}:
            raise ApprovalRefused(
                f"{actor} drafted this invoice and cannot be its only approver",
                field="actor",
                aggregate_id=self.id,
                value=actor,
            )
        problems = check_lines(self.lines, logged_hours)
        problems += check_billed_hours(self.lines, logged_hours)
        problems += self.e_invoice_tax_problems(buyer_vat_id)
        if problems:
            raise InvoiceLinesRejected(problems, aggregate_id=self.id)
        if self.kind is not InvoiceKind.CREDIT_NOTE and self.total.is_negative():
            raise InvoiceLinesRejected(
                ["the total is negative: issue a credit note instead"], aggregate_id=self.id
            )
        self._approved(role, approved_on, logged_hours, actor)

    @event("Approved")
    def _approved(
        self, role: str, approved_on: date, logged_hours: dict[str, Decimal], actor: str
    ) -> None:
        """The ``Approved`` event (``approve``, which holds the rules)."""
        self._require(InvoiceStatus.DRAFT, doing="approve")
        self.approvals.append(Approval(role, actor, approved_on))
        if all(r in self.approved_roles() for r in self.approval_policy.roles):
            self.status = InvoiceStatus.APPROVED

    @event("Voided")
    def void(self, reason: str, actor: str, voided_on: date | None = None) -> None:
        """Void a draft or approved invoice on ``voided_on`` (not before it was drafted, nor
        before any sign-off: ``DAY_ORDER``, ``RuleViolated`` naming ``voided_on``): what it
        billed is unbilled again from that day. Issued invoices are credited, never voided.
        A new void names its day (``trigger_event``); None only in voids recorded before."""
        self._require(InvoiceStatus.DRAFT, InvoiceStatus.APPROVED, doing="void")
        if not reason.strip():
            raise InvalidValue("must say why", field="reason", aggregate_id=self.id)
        self.void_reason = reason
        self.voided_on = voided_on
        self.status = InvoiceStatus.VOIDED

    @event("Issued")
    def issue(
        self,
        series: str,
        number: str,
        issued_on: date,
        actor: str,
        buyer: CustomerDetails | None = None,
    ) -> None:
        """Issue with the next number of its series; the due date follows the payment terms.

        ``buyer``: the customer's details now, which the issued invoice names for good (None
        in invoices issued before q2c kept them)."""
        self._require(InvoiceStatus.APPROVED, doing="issue")
        self.buyer = buyer
        self.series = series
        self.number = number
        self.issued_on = issued_on
        self.due_date = issued_on + timedelta(days=self.payment_terms_days)
        self.status = InvoiceStatus.ISSUED

    # -- after issue -------------------------------------------------------------------------------

    def apply_payment(
        self,
        allocation_id: str,
        payment_id: UUID,
        amount: Money,
        applied_on: date,
        actor: str,
        collected_on: date | None = None,
    ) -> None:
        """Apply part of a payment; never more than is outstanding, nor, dated back, more than
        it owed on its day and every day since (``least_owed_since``: money applied on the 10th
        to an invoice another payment paid from the 20th to the 25th would pay it twice over
        on those days): ``OverAllocation`` naming the day and what it owed then.

        ``collected_on`` is the day the money was first collected when it is applied again
        (what an invoice keeps of a payment that a credit note gave back): commissions are
        earned at that day's rate, not again at today's. None in applications recorded before
        q2c kept it, and for money applied the first time."""
        if isinstance(amount, Money) and isinstance(applied_on, date):
            # (the event's own checks first; a fact of the wrong type is refused by the event)
            self._check_payment(allocation_id, amount, applied_on, collected_on)
            if self.issued_by(applied_on):  # (an earlier day: the day order refuses it)
                self._check_owed_since(amount, applied_on, "money applied")
        self._payment_applied(allocation_id, payment_id, amount, applied_on, actor, collected_on)

    def _check_owed_since(self, amount: Money, day: date, what: str) -> None:
        """``what`` (money or credit) of ``amount`` dated ``day`` fits what the invoice owed
        then and every day since (``least_owed_since``), or ``OverAllocation`` naming the
        invoice, the day it owed least and what it owed that day."""
        least, on = self.least_owed_since(day)
        if amount > least:
            name = self.number or str(self.id)
            since = "" if on == day else f" ({what} on {day} counts every day since)"
            raise OverAllocation(
                f"{amount} is more than the {least} invoice {name} owed on {on}{since}",
                field="amount",
                aggregate_id=self.id,
                value=amount,
            )

    @event("PaymentApplied")
    def _payment_applied(
        self,
        allocation_id: str,
        payment_id: UUID,
        amount: Money,
        applied_on: date,
        actor: str,
        collected_on: date | None = None,
    ) -> None:
        """The ``PaymentApplied`` event (``apply_payment``, which checks the days since)."""
        self._check_payment(allocation_id, amount, applied_on, collected_on)
        applied = AppliedPayment(allocation_id, payment_id, amount, applied_on, collected_on)
        self.payments.append(applied)
        if self.applications is not None:
            self.applications.append(applied)

    def _check_payment(
        self, allocation_id: str, amount: Money, applied_on: date, collected_on: date | None
    ) -> None:
        """The rules of ``PaymentApplied`` as recorded ever since (today's outstanding)."""
        if collected_on is not None and collected_on > applied_on:
            raise InvalidValue(
                "must not be after the day it is applied",
                field="collected_on",
                aggregate_id=self.id,
                value=collected_on,
            )
        if self.kind is InvoiceKind.CREDIT_NOTE:
            raise self._refuse("a credit note is not paid")
        self._require(InvoiceStatus.ISSUED, doing="apply a payment")
        if amount.currency != self.currency:
            raise CurrencyMismatch(
                f"payment in {amount.currency}, invoice in {self.currency}",
                field="amount",
                aggregate_id=self.id,
            )
        if not amount.is_positive():
            raise InvalidValue("must be more than zero", field="amount", aggregate_id=self.id)
        if amount > self.outstanding:
            raise OverAllocation(
                f"{amount} is more than the {self.outstanding} outstanding",
                field="amount",
                aggregate_id=self.id,
                value=amount,
            )
        if any(p.allocation_id == allocation_id for p in self.payments):
            raise DuplicateEntry(
                f"allocation {allocation_id} is already applied",
                field="allocation_id",
                aggregate_id=self.id,
                value=allocation_id,
            )

    @event("PaymentUnapplied")
    def unapply_payment(
        self, allocation_id: str, reason: str, actor: str, unapplied_on: date | None = None
    ) -> None:
        """Take an applied payment back off (reversed allocation, bounced payment, money a
        credit note gives back) on ``unapplied_on``, the payment's reversal day: not before it
        was applied. None only in un-applications recorded before q2c kept the day (the
        invoice then no longer knows its ``applications``)."""
        taken = [p for p in self.payments if p.allocation_id == allocation_id]
        if not taken:
            raise RuleViolated(
                f"allocation {allocation_id} is not applied here",
                field="allocation_id",
                aggregate_id=self.id,
                value=allocation_id,
            )
        if unapplied_on is not None and unapplied_on < taken[0].applied_on:
            raise InvalidValue(
                f"must not be before it was applied ({taken[0].applied_on})",
                field="unapplied_on",
                aggregate_id=self.id,
                value=unapplied_on,
            )
        self.payments = [p for p in self.payments if p.allocation_id != allocation_id]
        if unapplied_on is None:
            self.applications = None
        elif self.applications is not None:
            for i in range(len(self.applications) - 1, -1, -1):
                if self.applications[i].allocation_id == allocation_id:
                    self.applications[i] = attrs.evolve(
                        self.applications[i], unapplied_on=unapplied_on
                    )
                    break

    def last_money_day(self) -> date | None:
        """The latest business day money or credit met the invoice: a payment applied or taken
        back off, a credit note, a remainder written off (None when none ever did). An invoice
        that does not know the payments taken back off it (``applications`` None) counts those
        still applied."""
        known = self.payments if self.applications is None else self.applications
        days = [a.applied_on for a in known]
        days += [a.unapplied_on for a in known if a.unapplied_on is not None]
        days += [c.credited_on for c in self.credits]
        days += [w.written_off_on for w in self.write_offs]
        return max(days, default=None)

    def write_off_remainder(
        self, written_off_on: date, reason: str, actor: str, at_most: Money
    ) -> Money:
        """Write off what the issued invoice still owes on ``written_off_on`` (a bank fee taken
        off a transfer, a rounding difference): it owes nothing from that day; returns the
        amount written off. ``at_most`` is the caller's tolerance: a remainder above it is
        refused, so no slip writes off a real debt.

        Refused, nothing recorded: a credit note (``InvalidTransition`` naming ``kind``: it
        owes nothing), an invoice not issued (naming ``status``); a day that is no date, or
        before the issue or the latest day money or credit met the invoice (a payment applied
        or taken back off, a credit note, a write-off: ``RuleViolated`` naming
        ``written_off_on``, so the remainder is what it owed that day and every day since); a
        reason that is no visible text (``InvalidValue`` naming ``reason``); ``at_most`` that
        is no ``Money``, negative (``InvalidValue``) or in another currency
        (``CurrencyMismatch``), or below the remainder (``OverAllocation`` naming
        ``at_most``); nothing owed (``RuleViolated`` naming ``outstanding``).

        An invoice its last write-off left owing nothing is not written off again: on another
        day or for another reason (``RuleViolated`` naming ``written_off_on`` or ``reason``),
        or with a tolerance below what was written off (``OverAllocation`` naming
        ``at_most``); the same write-off sent again (``repeated_write_off``: a retry) is
        refused naming ``outstanding`` here, and records nothing at
        ``QuoteToCash.write_off_remainder``, which answers with its amount."""
        require_reason(reason, "reason", self.id)
        day = require_day(written_off_on, "written_off_on")
        if not isinstance(at_most, Money):
            raise InvalidValue(
                f"must be Money, not {type(at_most).__name__}",
                field="at_most",
                aggregate_id=self.id,
                value=at_most,
            )
        if self.kind is InvoiceKind.CREDIT_NOTE:
            raise self._refuse("a credit note owes nothing: there is nothing to write off", "kind")
        self._require(InvoiceStatus.ISSUED, doing="write off a remainder")
        if at_most.currency != self.currency:
            raise CurrencyMismatch(
                f"tolerance in {at_most.currency}, invoice in {self.currency}",
                field="at_most",
                aggregate_id=self.id,
                value=at_most,
            )
        if at_most.is_negative():
            raise InvalidValue(
                "must not be negative", field="at_most", aggregate_id=self.id, value=at_most
            )
        name = self.number or str(self.id)
        assert self.issued_on is not None
        if day < self.issued_on:
            raise RuleViolated(
                f"must not be before {self.issued_on}, the day invoice {name} was issued",
                field="written_off_on",
                aggregate_id=self.id,
                value=day,
            )
        last = self.last_money_day()
        if last is not None and day < last:
            raise RuleViolated(
                f"must not be before {last}, the last day money or credit met invoice {name} "
                "(a payment applied or taken back off, a credit note, a write-off): the "
                "remainder is what it owed then and every day since",
                field="written_off_on",
                aggregate_id=self.id,
                value=day,
            )
        remainder = self.outstanding
        if not remainder.is_positive():
            self._refuse_written_off_again(day, reason, at_most)
            raise RuleViolated(
                f"invoice {name} owes nothing: there is no remainder to write off",
                field="outstanding",
                aggregate_id=self.id,
                value=remainder,
            )
        if remainder > at_most:
            # (the tolerance as given: printed in cents, 0.005 would read as 0.01 and allow it)
            allowed = at_most if at_most.is_rounded() else f"{at_most.amount} {at_most.currency}"
            raise OverAllocation(
                f"invoice {name} still owes {remainder}, more than the {allowed} you allow to "
                "write off: collect it, credit it, or allow more",
                field="at_most",
                aggregate_id=self.id,
                value=at_most,
            )
        self._remainder_written_off(remainder, day, reason, actor)
        return remainder

    def _last_write_off_standing(self) -> RemainderWriteOff | None:
        """The invoice's last write-off when it is one (not taken back) and the invoice owes
        nothing since: what a write-off sent again is compared with."""
        if not self.write_offs or self.outstanding.is_positive():
            return None
        last = self.write_offs[-1]
        return last if last.amount.is_positive() else None

    def repeated_write_off(
        self, written_off_on: object, reason: object, at_most: object
    ) -> Money | None:
        """The amount of the write-off a write-off with these details sends again (a retry
        after a lost response), None when it is none: the invoice's last write-off, which left
        it owing nothing since, was on that very day for that very reason, and is within
        ``at_most`` (a tolerance in the invoice's currency)."""
        last = self._last_write_off_standing()
        if (
            last is None
            or type(written_off_on) is not date
            or written_off_on != last.written_off_on
            or reason != last.reason
            or not isinstance(at_most, Money)
            or at_most.currency != last.amount.currency
            or last.amount > at_most
        ):
            return None
        return last.amount

    def _refuse_written_off_again(self, day: date, reason: str, at_most: Money) -> None:
        """Refuse a write-off of an invoice its last write-off left owing nothing, naming the
        detail that differs from that write-off (nothing, when none does or there is none)."""
        last = self._last_write_off_standing()
        if last is None:
            return
        name = self.number or str(self.id)
        done = (
            f"invoice {name} owes nothing: its remainder of {last.amount} was written off on "
            f"{last.written_off_on} for {last.reason!r}"
        )
        refuse_unlike_done(
            done,
            self.id,
            ("written_off_on", last.written_off_on, day, f", not on {day}"),
            ("reason", last.reason, reason, f", not for {reason!r}"),
            error=RuleViolated,
        )
        if last.amount > at_most:
            raise OverAllocation(
                f"{done}, more than the {at_most} you allow now",
                field="at_most",
                aggregate_id=self.id,
                value=at_most,
            )

    @event("RemainderWrittenOff")
    def _remainder_written_off(
        self, amount: Money, written_off_on: date, reason: str, actor: str
    ) -> None:
        """The ``RemainderWrittenOff`` event (``write_off_remainder``, which checks it)."""
        written = RemainderWriteOff(amount, written_off_on, reason, actor)
        self.write_offs = [*self.write_offs, written]

    def credited_line_ids(self) -> dict[str, UUID]:
        """Lines already reversed by an issued credit note, with that note's id."""
        return {line_id: c.credit_note_id for c in self.credits for line_id in c.line_ids}

    def apply_credit(
        self,
        credit_note_id: UUID,
        amount: Money,
        line_ids: list[str],
        credited_on: date,
        actor: str,
        given_back: Money | None = None,
    ) -> None:
        """A credit note reduces what is owed from its day; it may not exceed what is
        outstanding, nor what the invoice owed on its day and every day since
        (``least_owed_since``): ``OverAllocation`` naming the day and what it owed then. The
        money that paid what it credits is given back first (``money_to_give_back``), and
        ``given_back`` says how much (money taken back off before the note's day then would
        have changed it: ``check_taken_back``)."""
        self.refuse_credit_after_write_off(amount if isinstance(amount, Money) else None)
        if isinstance(amount, Money) and isinstance(credited_on, date):
            # (the event's own checks first; a fact of the wrong type is refused by the event)
            self._check_credit(amount, line_ids)
            if self.issued_by(credited_on):  # (an earlier day: the day order refuses it)
                self._check_owed_since(amount, credited_on, "credit")
        self._credited(credit_note_id, amount, line_ids, credited_on, actor, given_back)

    @event("Credited")
    def _credited(
        self,
        credit_note_id: UUID,
        amount: Money,
        line_ids: list[str],
        credited_on: date,
        actor: str,
        given_back: Money | None = None,
    ) -> None:
        """The ``Credited`` event (``apply_credit``, which checks the days since)."""
        self._check_credit(amount, line_ids)
        credit = AppliedCredit(credit_note_id, amount, credited_on, tuple(line_ids), given_back)
        self.credits.append(credit)

    def check_taken_back(self, allocation_id: str, day: date, field: str) -> None:
        """Money applied to the invoice may be taken back off on ``day`` (a reversal, a bounce:
        ``field`` names that day) unless a credit note dated after ``day`` gave back money
        paying the invoice on its day, when this money paid it too: the note gave back what the
        invoice was paid beyond what it owed then, this money counted; taken back off before,
        the note would have given back less (``RuleViolated``; take it back off on or after the
        note's day). Nothing to check for money not applied here (``unapply_payment`` refuses
        it), nor for credits recorded before q2c kept what they gave back."""
        applied = next((p for p in self.payments if p.allocation_id == allocation_id), None)
        if applied is None or not isinstance(day, date):
            return
        for c in self.credits:
            if (
                c.given_back is not None
                and c.given_back.is_positive()
                and day < c.credited_on
                and applied.applied_on <= c.credited_on
            ):
                raise RuleViolated(
                    f"a credit note credited invoice {self.number or self.id} on "
                    f"{c.credited_on} and gave back {c.given_back} of the money paying it then, "
                    f"this {applied.amount} counted: it cannot be taken back off on {day}, "
                    f"before the note (take it back off on or after {c.credited_on})",
                    field=field,
                    aggregate_id=self.id,
                    value=day,
                )

    def refuse_credit_after_write_off(self, amount: Money) -> None:
        """On an invoice with a remainder written off, a credit of ``amount`` is applied only
        within what was paid and is still owed (its total less the credit notes and the
        remainders written off): more would take back money that was never paid. A credit
        note takes back first what of the write-off its money paid no longer needs
        (``take_back_write_off``, when it is issued); a credit applied beyond without that is
        refused (``RuleViolated`` naming ``write_offs``). Checked by the commands only."""
        given_up = self.written_off
        if not given_up.is_positive():
            return
        room = self.total - self.credited - given_up
        if isinstance(amount, Money) and amount.currency == self.currency and amount <= room:
            return
        raise RuleViolated(
            f"invoice {self.number or self.id} has {given_up} written off: it is credited "
            f"only within what was paid (at most {room}, not {amount}) unless the write-off "
            "is taken back first",
            field="write_offs",
            aggregate_id=self.id,
            value=given_up,
        )

    def take_back_write_off(self, amount: Money, on: date, reason: str, actor: str) -> Money:
        """Before a credit note of ``amount`` dated ``on`` is applied: what of the remainders
        written off it no longer needs, taken back on ``on`` (``WriteOffTakenBack``); returns
        it (zero when nothing is written off, or all of it is still unpaid).

        A write-off gives up what the customer's money did not pay. Once a note lowers what
        the invoice is worth, the money paid pays what is left first: only what it still
        does not pay stays written off (never more than was), and the rest of the write-off
        is taken back. Acme paid 1,209.98 of 1,210.00, the 0.02 written off: credited whole,
        the note gives back the 1,209.98 paid as customer credit and credits the 0.02 owed
        again; credited 605.00, the 1,209.98 pays the 605.00 left, 604.98 is given back and
        the 0.02 is taken back too (giving back 605.00 would hand the customer the bank's
        fee, booked as our loss). Paid 1,000.00 of 1,222.10 with 222.10 written off, a note
        of 100.00 leaves 122.10 unpaid: 100.00 of the write-off is taken back and credited,
        nothing given back. A note dated before the last write-off it takes back is refused
        (``RuleViolated`` naming ``issued_on``): on that day nothing was written off yet."""
        given_up = self.written_off
        if not given_up.is_positive() or not isinstance(amount, Money):
            return Money.zero(self.currency)
        if amount.currency != self.currency:
            return Money.zero(self.currency)
        # what the money paid will leave unpaid of what the invoice is worth after the note
        unpaid = self.total - self.credited - amount - self.paid
        kept = min(given_up, max(unpaid, Money.zero(self.currency)))
        back = given_up - kept
        if not back.is_positive():
            return Money.zero(self.currency)
        last = max(w.written_off_on for w in self.write_offs if w.amount.is_positive())
        if require_day(on, "issued_on") < last:
            raise RuleViolated(
                f"must not be before {last}: the credit note takes back the remainder of "
                f"invoice {self.number or self.id} written off that day",
                field="issued_on",
                aggregate_id=self.id,
                value=on,
            )
        require_reason(reason, "reason", self.id)
        self._write_off_taken_back(back, on, reason, actor)
        return back

    @event("WriteOffTakenBack")
    def _write_off_taken_back(
        self, amount: Money, taken_back_on: date, reason: str, actor: str
    ) -> None:
        """The ``WriteOffTakenBack`` event (``take_back_write_off``, which checks it): owed
        again from its day, kept among the write-offs as a negative one."""
        back = RemainderWriteOff(-amount, taken_back_on, reason, actor)
        self.write_offs = [*self.write_offs, back]

    def _check_credit(self, amount: Money, line_ids: list[str]) -> None:
        """The rules of ``Credited`` as recorded ever since (today's outstanding)."""
        self._require(InvoiceStatus.ISSUED, doing="credit")
        if self.kind is InvoiceKind.CREDIT_NOTE:
            raise self._refuse("a credit note cannot be credited")
        if self.deducted_by is not None:
            raise RuleViolated(
                f"this deposit is deducted on invoice {self.deducted_by}: credit its deduction "
                "line there (that holds the deposit again), or void that invoice if it is "
                "not issued",
                field="deducted_by",
                aggregate_id=self.id,
                value=self.deducted_by,
            )
        own = {line.line_id for line in self.lines}
        already = self.credited_line_ids()
        if len(set(line_ids)) != len(line_ids):
            raise DuplicateEntry(
                "a credit note names each line once",
                field="line_ids",
                aggregate_id=self.id,
                value=line_ids,
            )
        for line_id in line_ids:
            if line_id not in own:
                raise RuleViolated(
                    f"no line {line_id} on this invoice",
                    field="line_ids",
                    aggregate_id=self.id,
                    value=line_id,
                )
            if line_id in already:
                raise DuplicateEntry(
                    f"line {line_id} is already credited by {already[line_id]}",
                    field="line_ids",
                    aggregate_id=self.id,
                    value=line_id,
                )
        if amount > self.outstanding:
            self.check_credit_fits(amount, line_ids, drafting=False)
            raise OverAllocation(
                f"credit {amount} exceeds the {self.outstanding} outstanding: {self.paid} is "
                "paid on it; un-allocate payments first",
                field="amount",
                aggregate_id=self.id,
                value=amount,
            )

    @property
    def left_to_credit(self) -> Money:
        """What credit notes may still take back: the total less the credit notes issued
        (money paying it does not count: a note gives back the money paying what it
        credits)."""
        return self.total - self.credited

    def check_credit_fits(
        self,
        amount: Money,
        line_ids: Collection[str],
        *,
        drafting: bool,
        drafted: Money | None = None,
        in_notes: Mapping[str, UUID] | None = None,
    ) -> None:
        """A credit of ``amount`` for ``line_ids`` takes back no more than is ``left_to_credit``,
        less ``drafted``, what notes drafted and not issued yet take back: a line billed at a
        negative price (a discount, a deposit deduction) lowered what the other lines were
        billed, so it is credited with them (``drafting`` a note) or first (issuing one).
        Refused, ``OverAllocation`` (naming ``line_ids`` when drafting, ``amount`` when
        issuing), naming the negative lines not credited yet, and the note not issued yet
        that holds one (``in_notes``: line id to note)."""
        pending = drafted if drafted is not None else Money.zero(self.currency)
        left = self.left_to_credit - pending
        if amount <= left:
            return
        name = self.number or str(self.id)
        less = f"its total {self.total}, less {self.credited} credited"
        if pending.is_positive():
            less += f" and {pending} in credit notes not issued yet"
        already = self.credited_line_ids()
        held = in_notes or {}
        negative = [
            line
            for line in self.lines
            if line.net.is_negative()
            and line.line_id not in already
            and line.line_id not in line_ids
        ]
        free = [line for line in negative if line.line_id not in held]
        hints = []
        if free:
            named = ", ".join(f"{ln.line_id} ({ln.description}, {ln.net})" for ln in free)
            plural = "s" if len(free) > 1 else ""
            if drafting:
                hints.append(f"credit its negative line{plural} with it: {named}")
            else:
                hints.append(f"credit its negative line{plural} first: {named}")
            if any(
                ln.source is not None and ln.source.kind is SourceKind.DEPOSIT_DEDUCTION
                for ln in free
            ):
                hints.append(
                    "crediting a deposit deduction holds the deposit again and has the invoice "
                    "ask its whole total"
                )
        for ln in negative:
            if ln.line_id in held:
                hints.append(
                    f"{ln.line_id} is in credit note {held[ln.line_id]}, not issued yet: "
                    "issue it first"
                )
        if not hints:
            hints.append("credit fewer lines")
        raise OverAllocation(
            f"credit {amount} exceeds the {left} left to credit on invoice {name} ({less}); "
            + "; ".join(hints),
            field="line_ids" if drafting else "amount",
            aggregate_id=self.id,
            value=list(line_ids) if drafting else amount,
        )

    def hours_capped(self) -> dict[str, list[str]]:
        """The lines capping a cancelled fixed-price request's hours at its agreed price
        (``QuoteToCash.draft_request_invoice``), each with the hour lines it lowers: a line of
        a request's work (``SourceKind.WORK``) naming no time entries, no expense and not the
        fixed price, billed at a negative amount, on an invoice whose lines bill that request's
        hours naming their time entries."""
        hours: dict[UUID, list[str]] = {}
        for line in self.lines:
            source = line.source
            if (
                source is not None
                and source.kind is SourceKind.WORK
                and source.request_id is not None
                and source.time_entry_ids
                and not source.fixed_price
            ):
                hours.setdefault(source.request_id, []).append(line.line_id)
        capped: dict[str, list[str]] = {}
        for line in self.lines:
            source = line.source
            if (
                source is not None
                and source.kind is SourceKind.WORK
                and source.request_id in hours
                and not source.time_entry_ids
                and not source.fixed_price
                and not source.expense_id
                and line.net.is_negative()
            ):
                assert source.request_id is not None
                capped[line.line_id] = hours[source.request_id]
        return capped

    def check_cap_credit(
        self, line_ids: Collection[str], in_notes: Mapping[str, UUID] | None = None
    ) -> None:
        """A line capping a cancelled fixed-price request's hours at its price
        (``hours_capped``) lowers the hour lines it caps: it is credited together with those
        of them not credited yet, and the last of them with it. Credited alone it would bill
        the hours at their whole worth, above the price (a 1,000.00 price billed 3,000.00);
        left behind, it would take off what no hour line bills any more. Lines in credit notes
        not issued yet (``in_notes``: line id to note) count as credited with those notes.
        Refused, ``RuleViolated`` naming ``line_ids`` and the lines to credit with them."""
        named = set(line_ids)
        held = in_notes or {}
        already = self.credited_line_ids()
        name = self.number or str(self.id)
        by_id = {line.line_id: line for line in self.lines}
        for cap, hour_ids in self.hours_capped().items():
            if cap in already or cap in held:
                continue
            open_hours = [h for h in hour_ids if h not in already]
            if cap in named:
                missing = [h for h in open_hours if h not in named]
                if not missing:
                    continue
                hints = []
                free = [h for h in missing if h not in held]
                if free:
                    hints.append(f"credit {', '.join(free)} with it")
                hints += [
                    f"{h} is in credit note {held[h]}, not issued yet: issue it first"
                    for h in missing
                    if h in held
                ]
                raise RuleViolated(
                    f"line {cap} ({by_id[cap].description}, {by_id[cap].net}) caps the hours "
                    f"billed on invoice {name} at the agreed fixed price: credited without "
                    f"the hour lines it lowers ({', '.join(missing)}) it would bill them above "
                    "the price; " + "; ".join(hints),
                    field="line_ids",
                    aggregate_id=self.id,
                    value=list(line_ids),
                )
            crediting = [h for h in open_hours if h in named]
            if crediting and all(h in named or h in held for h in open_hours):
                raise RuleViolated(
                    f"line{'s' if len(crediting) > 1 else ''} {', '.join(crediting)} "
                    f"{'are' if len(crediting) > 1 else 'is'} the last of the hours that line "
                    f"{cap} ({by_id[cap].description}, {by_id[cap].net}) caps at the agreed "
                    f"fixed price on invoice {name}: credit {cap} with "
                    f"{'them' if len(crediting) > 1 else 'it'}, or it would take off what no "
                    "hour line bills any more",
                    field="line_ids",
                    aggregate_id=self.id,
                    value=list(line_ids),
                )

    @event("DepositDeducted")
    def deduct_deposit(self, final_invoice_id: UUID, actor: str) -> None:
        """This deposit invoice is deducted on a final invoice (once only)."""
        if self.kind is not InvoiceKind.DEPOSIT:
            raise self._refuse("only a deposit invoice can be deducted", field="kind")
        self._require(InvoiceStatus.ISSUED, doing="deduct a deposit")
        if self.credits:
            raise RuleViolated(
                "a credited deposit cannot be deducted as well",
                field="credits",
                aggregate_id=self.id,
                value=[c.credit_note_id for c in self.credits],
            )
        if self.deducted_by is not None:
            raise DuplicateEntry(
                f"deposit already deducted on invoice {self.deducted_by}",
                field="deducted_by",
                aggregate_id=self.id,
                value=self.deducted_by,
            )
        self.deducted_by = final_invoice_id

    @event("DepositDeductionReleased")
    def release_deposit(
        self, final_invoice_id: UUID, actor: str, released_on: date | None = None
    ) -> None:
        """The deposit is held again, to deduct on another final invoice or to credit: the
        final invoice that deducted it was voided, or a credit note issued on ``released_on``
        credited its deduction line. (None for a void, which has no business day, and in
        releases recorded before q2c kept it.)"""
        if self.deducted_by != final_invoice_id:
            raise RuleViolated(
                f"not deducted by {final_invoice_id}", field="deducted_by", aggregate_id=self.id
            )
        self.deducted_by = None

    def owed_nothing_between(self, first: date, last: date) -> bool:
        """Whether it owed nothing at the end of some day from ``first`` through ``last``, as
        the aging of each day counts it (``outstanding_on``: the payments then in force, the
        credit notes applied by then): paid or credited in full then, whatever was taken back
        off since. What it owes falls only on a day money is applied or credit given, so
        ``first`` and those days are the ones to look at. Never for a credit note. An invoice
        that does not know the payments taken back off it (``applications`` None) counts only
        those still applied (``in_force_on``). A day that is no date is refused
        (``InvalidValue`` naming ``first`` or ``last``)."""
        require_day(first, "first")
        require_day(last, "last")
        if self.kind is InvoiceKind.CREDIT_NOTE or first > last:
            return False
        known = self.payments if self.applications is None else self.applications
        days = {first}
        days.update(a.applied_on for a in known if first < a.applied_on <= last)
        days.update(c.credited_on for c in self.credits if first < c.credited_on <= last)
        days.update(w.written_off_on for w in self.write_offs if first < w.written_off_on <= last)
        return any(
            self.issued_by(day)
            and not self.outstanding_on(
                day, total((a.amount for a in self.in_force_on(day)), self.currency)
            ).is_positive()
            for day in sorted(days)
        )

    def needs_past_due_notice(self, as_of: date) -> bool:
        """Whether a past-due notice on ``as_of`` would be news: past due then and never
        noticed, or noticed on an earlier day and settled since (``owed_nothing_between``
        the notice's day and ``as_of``: paid or credited in full, then owed again when the money
        was taken back off), a new debt to chase. Not when noticed on or after ``as_of``, nor
        when owed every day since its notice: that notice stands (a run is idempotent).
        A day that is no date is refused (``InvalidValue`` naming ``as_of``)."""
        require_day(as_of, "as_of")
        if not self.is_past_due(as_of):
            return False
        noticed = self.past_due_noticed_on
        return noticed is None or (noticed < as_of and self.owed_nothing_between(noticed, as_of))

    def notice_past_due(self, as_of: date, actor: str) -> None:
        """Record that the invoice was found past due on ``as_of`` (starts the follow-up): once
        per debt. Refused (``InvalidTransition`` naming ``due_date``) when not past due then,
        or (naming ``past_due_noticed_on``) when noticed already, on or after ``as_of`` or
        earlier without being settled since (``needs_past_due_notice``)."""
        if isinstance(as_of, date):
            if not self.is_past_due(as_of):
                raise self._refuse(f"is not past due on {as_of}", field="due_date")
            if not self.needs_past_due_notice(as_of):
                raise self._refuse(
                    f"was noticed past due on {self.past_due_noticed_on} and owed every day "
                    f"since: not noticed again on {as_of}",
                    field="past_due_noticed_on",
                )
        self._past_due_noticed(as_of, actor)

    @event("PastDueNoticed")
    def _past_due_noticed(self, as_of: date, actor: str) -> None:
        """The ``PastDueNoticed`` event (``notice_past_due``, which checks it is news); each
        notice replaces the one before it (an invoice noticed, settled and owed again)."""
        if not self.is_past_due(as_of):
            raise self._refuse(f"is not past due on {as_of}", field="due_date")
        self.past_due_noticed_on = as_of


def buyer_details(invoice: Invoice, customer: Customer) -> CustomerDetails:
    """Who a document names as the buyer: an issued invoice or credit note the customer's
    details it was issued with, whatever was corrected since (one issued before q2c kept them:
    the details the customer was registered with, which could not be corrected then); a draft
    the customer's details as they are now."""
    if invoice.issued_on is None:
        return customer.details
    return getattr(invoice, "buyer", None) or customer.registered_details


def credit_note_buyer(credited: Invoice, customer: Customer) -> CustomerDetails:
    """Who a credit note names as the buyer: the buyer its invoice was issued to (a note
    corrects that invoice; a later rename or move must not book -X where +X never was), with a
    city or post code that invoice was issued without taken from the customer's details now.
    An invoice issued before q2c kept them, or before they were given, could otherwise never
    get a German e-invoiced credit note (XRechnung needs them); nothing else of it changes."""
    buyer = buyer_details(credited, customer)
    now = customer.details
    return attrs.evolve(
        buyer,
        city=buyer.city or now.city,
        postal_code=buyer.postal_code or now.postal_code,
    )
