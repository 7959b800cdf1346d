"""Commissions on revenue COLLECTED: payment allocations to eligible invoice lines.

Each allocation is split over the invoice's revenue kinds (tax is its own, never eligible, part)
in proportion to what each still has to collect, its net less what the money before it counted
of it (largest remainders), so the parts add back to the allocation, none is negative, and an
invoice paid in full, in any number of parts, counts each kind's net to the cent and none of its
tax as revenue (an invoice whose tax is negative: below, its tax part is the negative one).
Commission = rate x collected eligible revenue, on the running total per manager, currency,
revenue kind and rate (``commission_on_running_total``): in date order, each line earns rate x
everything collected so far, rounded once, less what was accrued before it, so what a manager
has accrued at one rate, to any day and in all, is exactly rate x the net collected, rounded
once (5 % on 826.44 collected in four parts accrues 41.32, where rounding each part made 41.33),
and each period's statement is the difference of two such figures. Each rate runs a total of its
own (the lines carry the rate they earn at), so a rate change by effective date never rounds
money of two rates together. Money recorded later but dated earlier can move a later line's
cent.

An invoice's money is split over its revenue kinds in the order of business days, whatever order
it was recorded in (on each day: money taken back off, then credit notes, then money applied,
by amount, first collection day and ids), so the same facts recorded in another order give the
same lines, statements and balances.

Negative revenue on an invoice (a deducted deposit, a discount line of another kind) reduces the
invoice's positive revenue kinds in proportion to their nets, so the money collected on a final
invoice that deducts a deposit is weighted by the revenue it really carries (its net of the
deposit) against the tax that was computed on that same net.

An invoice whose tax is negative (after the credit notes dated by then) bills less than its net:
a discount or a deducted deposit taxed at a higher rate than the revenue it takes off (a final
invoice of 1,500.00 enhancement at 9 % deducting a 1,000.00 deposit at 21 %: net 500.00, tax
135.00 - 210.00 = -75.00, total 425.00; the 75.00 is deposit tax money that becomes revenue).
Its money counts as revenue in proportion to the total: once x % of the total is on the
invoice, x % of the net is counted, ``net x paid / total`` rounded half up to the minor unit
once on that running total, each allocation counting the step from the money before it, split
over the kinds in proportion to what each still has to collect. So a payment of x % of the
total collects x % of each kind's net (to the cent), the invoice paid in full collects each
kind's net exactly (425.00 collects 500.00, and with the deposit's 1,000.00 the job's
1,500.00), and its tax part is negative; money taken back takes back exactly what it counted.

Deposit money is never commissioned as "deposit": it counts as the revenue it pays for. Money
collected on a deposit invoice earns commission once the deposit is deducted on a final invoice
and that final invoice is issued (a deduction on a draft can still be released by a void): it is
split over the final invoice's positive revenue kinds in proportion to their nets, at the rate in
force on the later of the allocation date and the final invoice's issue date, and the line is
dated that day. So deposit + final, all paid, earn rate x the job's whole revenue. Undoing the
deposit allocation (or the payment bouncing) reverses it on that day, like any other commission.
A credit note that credits the deduction holds the deposit again: what its money earned through
that final invoice is reversed on the note's day, and it earns again through the next final
invoice that deducts it, once that one is issued. A credit note of the final invoice's other
lines changes what the deposit pays for, as it does for the final invoice's own money: from the
note's day it is split again over the revenue kinds the final invoice still bills (at the rates
it earned at; the lines before reversed that day, closed months never changed).
A credit note changes what money collected on its invoice pays for, from the later of the
note's day and the day the money was applied (a note dated before the money came in changes its
split from the day it came in, never earlier: nothing is earned before it is collected): from
then the allocation's commission is reversed and the same money is split again over the revenue
kinds the invoice still bills (and their tax), at the rates of the day the money was collected.
On every day an allocation's money pays for what the invoice billed that day, the notes dated by
then taken off, whatever order the notes and the money were recorded in. So paying before or
after a credit earns the same; a deposit invoice's money is not re-split (it is commissioned
through its final invoice).
A credit note that writes its lines off (``writes_off``, the rule the books and the revenue
schedule keep: WRITTEN_OFF, with a line that can be) is a credit loss, the revenue kept: it
changes nothing the money pays for, before or after it (only its deposit lines, never written
off, come off the invoice). Enhancement and maintenance of 500.00 each at 21 %, 605.00 paid
(12.50 + 5.00), then the unpaid maintenance written off: still 17.50, where a concession of it
(CORRECTED) makes the 605.00 pay the enhancement and its tax, 25.00. Money such a note gives
back is taken back as any other (``PaymentUnapplied``). A discount written off on a note of its
own raises what the invoice owes and takes no revenue back either: money paying it is beyond
what the invoice bills as read here, and no revenue (the books keep it as the write-off's gain),
so no kind ever collects more than the invoice bills of it.
The rate comes from a plan: per account manager (or "*" for everyone) and revenue kind, with
effective dates; the rate in force on the allocation date applies. The plan matches managers by
``person_key`` ("Mia" in the plan is the invoice's "mia"; the lines name the manager as the
invoice does), and gives one rate per manager, kind and effective date (two are refused).
An allocation that is undone, or a payment that bounces, takes back the money it collected, on
the day it happened, at the rate it was collected at and through the same running total: the
accrued figure goes back to exactly what it would be without that money (right after the
collection, to what it was before; with other money collected in between, the reversal can
differ by a cent from the accrual).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.invoice_lines import RevenueKind
from q2c_core.domain.money import MAX_MAGNITUDE, Money, split_by_weights
from q2c_core.domain.payment import reversal_day
from q2c_core.domain.values import Period, person_key, require_day
from q2c_core.domain.write_offs import writes_off
from q2c_core.projections._facts import (
    KIND,
    NET,
    TAX_CAT,
    TAX_RATE,
    compact_lines,
    currency_quantum,
    invoice_facts,
    lines_tax,
)
from q2c_core.projections._managers import ManagerNames, record_handover
from q2c_core.projections.base import check_day, check_period, handles, uuid_hex
from q2c_core.projections.store import Row


@attrs.frozen
class CommissionRate:
    """A rate (0.05 = 5 %) for one manager ("*" = any) and revenue kind, from a date on.

    The manager is named as people type it: the plan matches it to an account manager by
    ``person_key`` (``Mia`` in the plan is the customer's ``mia``; a name of spaces or invisible
    characters only names nobody: ``InvalidValue``). The rate is a fraction from 0 to 1
    (``InvalidValue`` otherwise): a plan read from a file with 5 for 5 %, a negative or a NaN
    rate would pay nonsense on every collected euro."""

    manager: str
    revenue_kind: RevenueKind
    rate: Decimal
    effective_from: date = date.min

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.manager, str) or not person_key(self.manager):
            raise InvalidValue(
                "must name a manager, or '*' for any", field="manager", value=self.manager
            )
        if not isinstance(self.revenue_kind, RevenueKind):
            raise InvalidValue("must be a RevenueKind", field="revenue_kind")
        rate = self.rate
        if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate <= 1:
            raise InvalidValue(
                "must be a Decimal fraction from 0 to 1 (0.05 for 5 %)", field="rate", value=rate
            )
        require_day(self.effective_from, "effective_from")

    @property
    def who(self) -> str:
        """The manager as the plan matches it: ``person_key`` of the name ("*" for any)."""
        return person_key(self.manager)

    def _slot(self) -> tuple[str, str, date]:
        """What one entry of a plan may give a single rate for: manager, kind, first day."""
        return (self.who, self.revenue_kind.name, self.effective_from)

    def _shown(self) -> str:
        return (
            f"{self.manager!r} {self.revenue_kind.name.lower()} from "
            f"{self.effective_from.isoformat()} at {self.rate}"
        )


def _rates(value: Iterable[CommissionRate]) -> tuple[CommissionRate, ...]:
    """The entries in one order (manager as matched, kind, day, then as typed), whatever order
    they were given in: a plan is the set of its entries. Anything but a collection of
    ``CommissionRate`` (nothing, a number, one entry alone, text: empty text made a plan paying
    nobody) is ``InvalidValue`` naming ``rates``: a plan read wrong is refused when it is made,
    not found out by a TypeError, or by commissions never paid."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValue(
            "must be a collection of CommissionRate entries", field="rates", value=value
        )
    rates = tuple(value)
    for r in rates:
        if not isinstance(r, CommissionRate):
            raise InvalidValue("must be CommissionRate entries", field="rates", value=r)
    return tuple(sorted(rates, key=lambda r: (*r._slot(), r.manager, r.rate)))


@attrs.frozen
class CommissionPlan:
    """Who earns what on which revenue kind, and since when.

    One rate per manager (as ``person_key`` reads the name), revenue kind and effective date:
    two entries for the same (5 % and 10 % for mia's enhancements from 1 January, or the same
    entry twice, or ``Mia`` and ``mia``) are refused with ``InvalidValue`` naming both, so the
    order of the entries never decides a rate; the same entries in another order are the same
    plan (equal, and the same ``describe``). It is made of a collection of ``CommissionRate``
    (an empty one pays nobody): nothing, a number, text or one entry alone is
    ``InvalidValue`` naming ``rates``."""

    rates: tuple[CommissionRate, ...] = attrs.field(converter=_rates)

    def __attrs_post_init__(self) -> None:
        # (sorted by _slot first: two entries for one slot are neighbours)
        for first, second in zip(self.rates, self.rates[1:], strict=False):
            if first._slot() == second._slot():
                raise InvalidValue(
                    "gives one manager two rates for the same revenue kind and effective "
                    f"date: {first._shown()} and {second._shown()} (names are matched case, "
                    "spaces and invisible characters aside); keep one",
                    field="rates",
                    value=(first, second),
                )

    def rate_for(self, manager: str, kind: RevenueKind, on: date) -> Decimal:
        """The rate in force: the manager's own rate (the plan's entry whose name
        ``person_key`` reads as the same person), else the "*" rate, else zero.

        Asked of a manager named by text (a blank name is nobody's: the "*" rate), a
        ``RevenueKind`` and a business day; anything else is ``InvalidValue`` naming
        ``manager``, ``kind`` or ``on``, as ``CommissionRate`` refuses it: the kind's text
        ("ENHANCEMENT") matched no entry and was paid nothing, a day as text or a manager as a
        number crashed with a TypeError."""
        if not isinstance(manager, str):
            raise InvalidValue(
                "must name a manager by text, or '*' for any", field="manager", value=manager
            )
        if not isinstance(kind, RevenueKind):
            raise InvalidValue(
                "must be a RevenueKind (RevenueKind.ENHANCEMENT, not its name)",
                field="kind",
                value=kind,
            )
        return self._rate_for(manager, kind, require_day(on, "on"))

    def _rate_for(self, manager: str, kind: RevenueKind, on: date) -> Decimal:
        """``rate_for`` without checking what it is asked: the projection's handlers ask it
        of what the rows recorded (a name, a kind, a day), on every allocation of a replay."""
        for who in (person_key(manager), "*"):
            found = [
                r
                for r in self.rates
                if r.who == who and r.revenue_kind is kind and r.effective_from <= on
            ]
            if found:
                return max(found, key=lambda r: r.effective_from).rate
        return Decimal(0)

    def names_someone(self) -> bool:
        """Whether an entry names a manager (not only "*" for everyone)."""
        return any(r.who != "*" for r in self.rates)

    def unknown_managers(self, managers: Iterable[str]) -> list[str]:
        """The plan's managers (as typed) that none of ``managers`` is (by ``person_key``):
        their rates pay nobody yet. ``managers`` is a collection of names (text): anything
        else, or a name that is not text, is ``InvalidValue`` naming ``managers`` (a number
        crashed ``person_key``; one name alone was read as its letters)."""
        if isinstance(managers, str | bytes) or not isinstance(managers, Iterable):
            raise InvalidValue(
                "must be a collection of managers' names", field="managers", value=managers
            )
        names = list(managers)
        for name in names:
            if not isinstance(name, str):
                raise InvalidValue("must be managers' names (text)", field="managers", value=name)
        known = {person_key(m) for m in names}
        return sorted({r.manager for r in self.rates if r.who != "*" and r.who not in known})

    def describe(self) -> list[list[str]]:
        """The plan as text rows (part of the projection's identity), each manager as the plan
        matches it (``person_key``) and each rate by its value (``_rate_text``: 0.1, 0.10 and
        0.100 alike, as the plans holding them are equal): plans that pay the same describe
        the same, so a store built with one is followed on with the other."""
        return sorted(
            [r.who, r.revenue_kind.name, _rate_text(r.rate), r.effective_from.isoformat()]
            for r in self.rates
        )

    @classmethod
    def described(cls, rows: Any) -> CommissionPlan:
        """The plan ``describe`` gave ``rows`` of (as a store's settings keep it): a command
        given no plan follows a store with the plan it was built with. Rows that are no such
        description raise ``ValueError`` (``InvalidValue`` among them), ``KeyError`` or
        ``TypeError``."""
        return cls(
            CommissionRate(who, RevenueKind[kind], Decimal(rate), date.fromisoformat(day))
            for who, kind, rate, day in rows
        )


def _rate_text(rate: Decimal) -> str:
    """A rate as plain digits, the trailing zeros of the fraction dropped (0.10 and 0.1 read
    "0.1", 5E-2 "0.05", 1.00 "1") and 0 for -0: one text for one value, whatever digits it
    was typed with (``normalize`` would round to the context's precision)."""
    text = format(rate.copy_abs(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


DEFAULT_PLAN = CommissionPlan(
    (
        CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.05")),
        CommissionRate("*", RevenueKind.MAINTENANCE, Decimal("0.02")),
    )
)


@attrs.frozen
class CommissionLine:
    """Commission earned (positive) or reversed (negative) on one allocation and revenue kind:
    ``collected`` at ``rate``; ``commission`` is the step the line makes in the manager's
    running total at that rate and kind (``commission_on_running_total``, in date order)."""

    manager: str
    on: date
    payment_id: str
    allocation_id: str
    invoice_id: str
    revenue_kind: str
    collected: Money
    rate: Decimal
    commission: Money
    reversal: bool


@attrs.frozen
class CommissionStatement:
    """One manager's commission lines in a period, and their total per currency."""

    manager: str
    period: Period
    lines: tuple[CommissionLine, ...]
    totals: dict[str, Money]


_DEPOSIT = RevenueKind.DEPOSIT.name
_TAX = "~tax"  # (an invoice's tax, beside its revenue kinds, when its money is split)


class Commissions(ManagerNames):
    """Commission per account manager, derived from payment allocations: always current.

    A manager is a person (``person_key``): customers and invoices naming "Mia" and "mia " are
    one manager, with one running total per currency, revenue kind and rate, and the lines,
    statements and balances name her by the spelling the history first named her by
    (:class:`~q2c_core.projections._managers.ManagerNames`)."""

    name = "commissions"
    event_cost = 16.0

    def __init__(self, store: Any = None, plan: CommissionPlan = DEFAULT_PLAN) -> None:
        # (refused here, before anything is built on it: something else, None or the entries
        # themselves, was accepted and failed only when the store asked for ``config``)
        if not isinstance(plan, CommissionPlan):
            raise InvalidValue(
                "must be a CommissionPlan (CommissionPlan([...]) of the entries)",
                field="plan",
                value=plan,
            )
        super().__init__(store)
        self.plan = plan
        self._rates: dict[tuple[str, str, date], Decimal] = {}

    def _rate(self, manager: str, kind: str, on: date) -> Decimal:
        """``plan.rate_for`` of a revenue kind's name, remembered (the plan never changes);
        unchecked (``_rate_for``): the rows give a name, a kind and a day. The rate by its
        value (``_rate_text``: 0.10 as 0.1), as the plan is described: the rows of one plan are
        the same whatever digits its rates were typed with (a plan read back from a store's
        settings, ``describe``, builds the rows the typed plan built)."""
        try:
            return self._rates[manager, kind, on]
        except KeyError:
            rate = Decimal(_rate_text(self.plan._rate_for(manager, RevenueKind[kind], on)))
            self._rates[manager, kind, on] = rate
            return rate

    def config(self) -> dict[str, Any]:
        """The plan: a rebuild must use the same one. ``rows`` is the row layout's version:
        2 follows issue dates and deposit deductions, 3 takes credited lines off what later
        payments of an invoice are split over, 4 splits money when the invoice records it
        (after a credit applied in the same save) at the rate of the day it was collected, so
        a store built by an earlier version is refused until it is rebuilt from events; 5
        re-splits money already collected when a credit note changes what it pays for; 6
        splits each allocation on the invoice's running total of money collected; 7 keeps no
        commission per allocation (it is worked out on the manager's running total); 8 keeps
        each credit note's day on its invoice and re-splits money from the later of that day
        and the day it was applied, in date order; 9 records each account manager by the
        spelling the history first named that person by (``who:`` rows), so "Mia" and "mia "
        are one manager with one running total; 10 takes an invoice naming a blank manager
        (spaces only, recorded before such names were refused) for one naming none, so it pays
        the customer's, and takes money back off when its invoice
        records it taken back (``PaymentUnapplied``), so a payment a bank statement books and
        returns earns nothing, and keeps whether an invoice is a deposit invoice (its kind, not
        its lines: a standard invoice's deposit-kind line is not a deposit to deduct); it
        splits an invoice's money in the order of business days, not of recording, over what
        each kind still has to collect, and a deducted deposit's money again over what its
        final invoice bills after a credit note; 11 counts the money on an invoice whose tax is
        negative (a discount or a deducted deposit taxed higher than the work, also once a
        credit note leaves it so) in proportion to its total, so paid in full it collects its
        whole net (it used to count the money as it came, the negative tax never revenue);
        12 keeps whether a credit note writes its lines off (``writes_off``): such a note
        takes off its invoice its deposit lines alone, so the money already collected is not
        split again (a write-off is a credit loss, the revenue kept: it used to re-split the
        money over the lines left, as if it had paid for them alone); 13 reads a manager's name
        without every default-ignorable character (a combining grapheme joiner, a Hangul filler,
        a variation selector: ``person_key``), so ``who:`` rows keyed with one are keyed again;
        14 keeps a customer's handovers to another manager on its row (``handovers``:
        ``CustomerHandedOver``), so ``managers`` knows the manager it was handed over to (a
        plan's rate for Bob pays Acme's invoices from the handover on); 15
        reads a manager's name as it shows: a C1 control character dropped, a blank
        (the braille blank U+2800) read as a space (``person_key``), so ``who:`` rows keyed with one
        are keyed again; 16 keys an invoice's taxable bases by the rate's value (``_rate_key``:
        21 and 21.00 one base, as the invoice has it), so a deposit deducted at 21 on work at
        21.00 gives the invoice's tax, rounded once (it rounded each spelling on its own: 10.49
        for 10.50, a cent of tax collected as revenue); 17 records each rate by its value
        (0.10 as 0.1, ``_rate``), so a plan typed 0.10 and the same plan read back from the
        store's settings build the same rows; 18 counts money beyond what an invoice
        bills as no revenue (a discount written off on a note of its own raises what it owes: that
        money was counted as revenue in proportion to the nets, more enhancement than the
        invoice billed).

        A plan naming managers also says ``"managers": "person_key"``: a store built before
        plans matched names that way paid ``Mia`` in the plan nothing for ``mia``'s customers,
        so it is refused until rebuilt; one built with rates for everyone ("*") only means what
        it meant, and is followed on. The plan names each rate by its value (``describe``: the
        plan file's 0.050 and 0.05 are one plan); a store built when a rate typed with trailing
        zeros (0.10) was recorded as typed is refused once, until rebuilt."""
        config: dict[str, Any] = {"plan": self.plan.describe(), "rows": 18}
        if self.plan.names_someone():
            config["managers"] = "person_key"
        return config

    def _manager(self, name: str) -> str:
        """The manager a customer or an invoice names, as the rows record them; "" for none,
        also for a blank name (spaces, invisible characters: recorded before such names were
        refused), which names nobody."""
        shown = self.manager_shown(name) if name else ""
        return shown if shown and person_key(shown) else ""

    @handles("Customer.CustomerRegistered")
    def _customer(self, e: Any, oid: str) -> None:
        self.put(f"cust:{oid}", {"manager": self._manager(e.account_manager)})

    @handles("Customer.CustomerHandedOver")
    def _customer_handed_over(self, e: Any, oid: str) -> None:
        """The customer's new manager, from a business day on (``handovers`` on its row, as
        the other read models keep them: ``_managers.record_handover``), named as every
        report names the person (``manager_shown``). Only ``managers`` reads it: the invoices
        drafted from that day on name the new manager themselves, and commission is earned by
        the manager an invoice names, so no invoice or commission row changes (money
        collected in June on Mia's April invoice is Mia's)."""
        row = self.touch(f"cust:{oid}")
        if row is not None:
            record_handover(row, e.effective_on, self._manager(e.to_manager))

    @handles("Invoice.Drafted")
    def _drafted(self, e: Any, oid: str) -> None:
        if e.kind.name == "CREDIT_NOTE":
            # what it takes off its invoice per revenue kind, once issued (``_credited``): a
            # note that writes its lines off (``writes_off``, the rule of the books and the
            # revenue schedule: a credit loss, the revenue kept) takes off its deposit lines
            # alone (a deducted deposit held again, never written off), and their tax
            written_off = writes_off(e.kind, getattr(e, "credit_disposition", None), e.lines)
            note: dict[str, Any] = {"by_kind": {}, "bases": {}, "written_off": written_off}
            facts = invoice_facts(e)
            if written_off:
                kept = [line for line in facts.lines if line[KIND] == _DEPOSIT]
                _add_lines(note, kept)
                note["tax"] = lines_tax(kept, e.currency)
            else:
                _add_lines(note, facts.lines)
                note["tax"] = facts.tax
            self.put(f"cn:{oid}", note)
            return
        manager = self._manager(e.account_manager)
        if not manager:  # (the customer's, as for an invoice naming none)
            customer = self.get(f"cust:{uuid_hex(e.customer_id.int)}")
            manager = customer["manager"] if customer else ""
        facts = invoice_facts(e)
        row = {
            "manager": manager,
            "currency": e.currency,
            "by_kind": {},
            "bases": {},
            # (its money is commissioned through the final invoice that deducts it)
            "deposit_invoice": e.kind.name == "DEPOSIT",
        }
        _add_lines(row, facts.lines)
        row["tax"] = facts.tax
        self.put(f"inv:{oid}", row)

    @handles("Invoice.InvoiceHandedOver")
    def _invoice_handed_over(self, e: Any, oid: str) -> None:
        """An invoice not issued yet, drafted on or after its customer's handover, names the
        new manager (``Invoice.hand_over``), so the money later collected on it is theirs. No
        money was collected on it yet (only an issued invoice is paid), so no commission line
        moves and no past day changes."""
        row = self.touch(f"inv:{oid}")
        if row is not None:
            row["manager"] = self._manager(e.to_manager)

    @handles("Invoice.LinesAdded")
    def _lines_added(self, e: Any, oid: str) -> None:
        row = self.touch(f"inv:{oid}")
        if row is not None:
            _add_lines(row, compact_lines(e.lines))
            row["tax"] = sum(
                (
                    Money(base * Decimal(rate_key.split("|")[1]) / 100, row["currency"])
                    .rounded()
                    .amount
                    for rate_key, base in row["bases"].items()
                ),
                Decimal(0),
            )

    @handles("Invoice.Issued")
    def _issued(self, e: Any, oid: str) -> None:
        row = self.touch(f"inv:{oid}")
        if row is not None:
            row["issued_on"] = e.issued_on

    @handles("Invoice.Credited")
    def _credited(self, e: Any, oid: str) -> None:
        """A credit note was applied: from its day on, the invoice no longer bills its lines,
        so money collected by then, and money collected later, pays for the revenue kinds left
        (a payment after the enhancement lines were credited earns no enhancement commission).
        The invoice keeps each credit with its day; the money already on it is split again,
        day by day (``_settle``), whatever order the notes were recorded in. A note that writes
        its lines off takes off its deposit lines alone (``_drafted``): with none, it changes
        nothing here (the revenue stays; money it gives back comes off by ``_unapplied``)."""
        note = self.get(f"cn:{uuid_hex(e.credit_note_id.int)}")
        if note is None or (note.get("written_off") and not note["by_kind"]):
            # (a note that writes the lines off changes nothing the money pays for: the
            # revenue stays, and what was collected collected what it did; money it gives
            # back comes off through ``PaymentUnapplied`` / ``AllocationReversed``)
            return
        row = self.touch(f"inv:{oid}")
        if row is None:
            return
        # (a deposit it deducted is split again over what it bills from the note's day:
        # ``_deposit_span``; months already closed never change)
        row.setdefault("issued_kinds", dict(row["by_kind"]))
        row.setdefault("issued_tax", row["tax"])
        row.setdefault("credits", []).append([e.credited_on, dict(note["by_kind"]), note["tax"]])
        for kind, net in note["by_kind"].items():
            row["by_kind"][kind] = row["by_kind"].get(kind, Decimal(0)) - net
        row["tax"] -= note["tax"]  # (negative if the lines left are: _below_net)
        # Money already collected now pays for what is left of the invoice, from the later of
        # the credit's day and the day it was applied, at the rates of the day it was
        # collected. (An allocation undone after that day is split again too: until it was
        # undone, its money paid for what the invoice billed then.)
        self._settle(row)

    @handles("Invoice.DepositDeducted")
    def _deposit_deducted(self, e: Any, oid: str) -> None:
        """``dep:<deposit>``: the final invoice deducting it now, and the issued final invoices
        that deducted it until a credit note of the deduction released it, with that day.
        (Rows written before releases had a day have no ``released``.)"""
        key = f"dep:{oid}"
        released = (self.get(key) or {}).get("released", [])
        self.put(key, {"final": uuid_hex(e.final_invoice_id.int), "released": released})

    @handles("Invoice.DepositDeductionReleased")
    def _deposit_released(self, e: Any, oid: str) -> None:
        """Released by a void (the final invoice was never issued: nothing was earned through
        it), or by a credit note of the deduction on its day (earned until then)."""
        key = f"dep:{oid}"
        row = self.get(key)
        final = uuid_hex(e.final_invoice_id.int)
        if row is None or row["final"] != final:
            return
        released: list[list[Any]] = list(row.get("released", []))
        released_on = getattr(e, "released_on", None)
        invoice = self.get(f"inv:{final}")
        if released_on is not None and invoice is not None and invoice.get("issued_on"):
            released.append([final, released_on])
        if released:
            self.put(key, {"final": "", "released": released})
        else:
            self.delete(key)

    @handles("Payment.PaymentReceived")
    def _received(self, e: Any, oid: str) -> None:
        # (a bank import may save the invoices a new payment pays before the payment itself)
        if self.get(f"pay:{oid}") is None:
            self.put(f"pay:{oid}", {"allocs": []})

    @handles("Invoice.PaymentApplied")
    def _allocated(self, e: Any, oid: str) -> None:
        """Money collected on an invoice (recorded with the payment's own allocation): split
        over the revenue kinds still owed, at the rates of the day it was collected."""
        inv = self.touch(f"inv:{oid}")
        collected_on = getattr(e, "collected_on", None) or e.applied_on
        payment = uuid_hex(e.payment_id.int)
        key = f"{payment}|{e.allocation_id}"
        row = {
            "invoice": oid,
            "on": e.applied_on,
            "collected_on": collected_on,
            "currency": e.amount.currency,
            "amount": e.amount.amount,
            "entries": [],
            "resplits": [],
            "deposit": Decimal(0),
            "reversed_on": None,
        }
        self.put(f"alloc:{key}", row)
        if inv is not None:
            inv.setdefault("allocs", []).append(key)
            self._settle(inv)
        p = self.touch(f"pay:{payment}")
        if p is None:  # applied before the payment's own events were recorded (a bank import)
            self.put(f"pay:{payment}", {"allocs": [e.allocation_id]})
        else:
            p["allocs"].append(e.allocation_id)

    def _settle(self, inv: Row) -> None:
        """Split the money of every allocation on the invoice (``_timeline``) and record the
        allocations whose split changed."""
        allocs: dict[str, Row] = {}
        for key in inv.get("allocs", ()):
            alloc = self.get(f"alloc:{key}")
            if alloc is not None:
                allocs[key] = alloc
        for key, (stages, deposit) in self._timeline(inv, allocs).items():
            alloc = allocs[key]
            entries, resplits = stages[0][1], stages[1:]
            if (alloc["entries"], alloc["resplits"], alloc["deposit"]) != (
                entries,
                resplits,
                deposit,
            ):
                alloc["entries"], alloc["resplits"], alloc["deposit"] = entries, resplits, deposit
                self.put(f"alloc:{key}", alloc)

    def _timeline(
        self, inv: Row, allocs: dict[str, Row]
    ) -> dict[str, tuple[list[list[Any]], Decimal]]:
        """Each allocation's money split (``_split``) over what the invoice bills, as stages
        ``[day, entries]``, with the part of it that pays a deposit; worked out in the order of
        business days, whatever order the facts were recorded in, so the same facts give the
        same split.

        On each day, first the money taken back off that day (reversed, bounced, given back by
        a credit note), then the credit notes dated that day (what the invoice bills from then
        on: the money still on it is split again, in the order it came in, from that day), then
        the money applied that day, in a fixed order (amount, the day it was first collected,
        then its payment and allocation ids), each over what each kind still has to collect
        once the money before it is counted; money taken back off the day it was applied,
        right after it. A credit note
        dated before the money came in changes its split from the day it came in, never
        earlier: nothing is earned before it is collected. (A deposit invoice's money is split
        once, on what it bills on its day: it is commissioned through its final invoice.)"""
        steps: list[tuple[date, int, Decimal, date, str, int]] = []
        for key, alloc in allocs.items():
            applied = (alloc["on"], 2, alloc["amount"], alloc["collected_on"], key)
            steps.append((*applied, 0))
            undone: date | None = alloc["reversed_on"]
            if undone is not None:
                steps.append(
                    (undone, 0, Decimal(0), undone, key, 0)
                    if undone > alloc["on"]
                    else (*applied, 1)
                )
        deposit_invoice = _is_deposit(inv)
        if not deposit_invoice:
            days = {credit[0] for credit in inv.get("credits", ())}
            steps += [(day, 1, Decimal(0), day, "", 0) for day in days]
        steps.sort()
        result: dict[str, tuple[list[list[Any]], Decimal]] = {}
        live: dict[str, dict[str, Decimal]] = {}  # the money on the invoice, as it came in:
        counted: dict[str, Decimal] = {}  # what each counts per kind; and all of it
        for day, rank, _, _, key, _ in steps:
            if rank == 1:  # a credit note: the money on the invoice pays what is left
                counted = {}
                for on_it in live:
                    entries, _, live[on_it] = self._counted(day, inv, allocs[on_it], counted)
                    stages = result[on_it][0]
                    if entries != stages[-1][1]:
                        stages.append([day, entries])
            elif rank == 2 and key not in result:  # money applied
                entries, deposit, live[key] = self._counted(day, inv, allocs[key], counted)
                result[key] = ([[day, entries]], deposit)
            elif key in live:  # money taken back off
                for slot, part in live.pop(key).items():
                    counted[slot] -= part
        return result

    def _counted(
        self, day: date, inv: Row, alloc: Row, counted: dict[str, Decimal]
    ) -> tuple[list[list[Any]], Decimal, dict[str, Decimal]]:
        """``_split`` of the money over what the invoice bills at the end of ``day``, with the
        parts it counts per kind (added to ``counted``)."""
        was = dict(counted)
        entries, deposit = self._split(_owed_on(inv, day), inv, alloc, counted)
        parts = {slot: n - was.get(slot, Decimal(0)) for slot, n in counted.items()}
        return entries, deposit, parts

    def _split(
        self,
        owed: tuple[dict[str, Decimal], Decimal],
        inv: Row,
        alloc: Row,
        counted: dict[str, Decimal],
    ) -> tuple[list[list[Any]], Decimal]:
        """Commission entries ``[manager, kind, collected, rate]`` of money on an invoice,
        split over ``owed`` (the net per revenue kind it bills and its tax), at the rates of the
        day the money was collected; and the part that pays a deposit. ``counted`` is what the
        money before it on the invoice counts per kind (and ``_TAX``): this money's parts are
        added to it.

        Each kind (and the tax) gets a share of the money in proportion to what it still has to
        collect, its net less what was counted of it (largest remainders, ``split_amounts``):
        no part is ever negative nor more than what is left of its kind, and the money that
        pays the invoice in full collects exactly what is left of each, so an invoice paid in
        full, in any number of parts and whatever was taken back off in between, counts each
        kind's net to the cent and none of its tax as revenue. An invoice whose tax is negative
        bills less than its net: its money is counted on the running total of the money paid
        on it (``_below_net``: x % of the total collects x % of the net), so paid in full it
        counts each kind's net too (its tax part is then negative, its kinds' parts never)."""
        amount, currency, collected_on = alloc["amount"], alloc["currency"], alloc["collected_on"]
        entries: list[list[Any]] = []
        deposit = Decimal(0)
        by_kind = _net_kinds(owed[0], currency)
        slots = [*sorted(by_kind), _TAX]
        nets = [by_kind[k] for k in slots[:-1]]
        if owed[1] < 0 and any(n > 0 for n in nets):
            # (the tax is negative: the money pays less than the nets, see _below_net)
            parts = _below_net(amount, currency, nets, owed[1], slots, counted)
        else:
            weights = [*nets, max(owed[1], Decimal(0))]
            if not any(w > 0 for w in weights):
                return entries, deposit
            left = [
                max(w - counted.get(slot, Decimal(0)), Decimal(0))
                for slot, w in zip(slots, weights, strict=True)
            ]
            to_pay = sum(left, Decimal(0))
            if amount <= to_pay:
                parts = split_amounts(amount, currency, left)
            else:
                # (more money than the invoice bills, as the projection reads it: a discount
                # written off on a note of its own raised what it owes, the revenue kept: what
                # is left of each kind, and the rest is no revenue, counted with the tax)
                parts = [*left[:-1], left[-1] + amount - to_pay]
        for slot, part in zip(slots, parts, strict=True):
            counted[slot] = counted.get(slot, Decimal(0)) + part
            if slot == _TAX:
                continue
            if slot == _DEPOSIT:
                # Commissioned as the revenue it pays for, once deducted (see lines()).
                deposit += part
                continue
            rate = self._rate(inv["manager"], slot, collected_on)
            if rate == 0 or part == 0:
                continue
            entries.append([inv["manager"], slot, part, rate])
        return entries, deposit

    def related_rows(self, key: str, row: Row) -> list[str]:
        """An allocation's commission is split over its invoice's revenue kinds, tax and
        account manager (``inv:<invoice>``), and money on a deposit over its final invoice's
        (``dep:``, then that invoice's row): ``explain`` lists their events too."""
        if not key.startswith("alloc:"):
            return []
        related = [f"inv:{row['invoice']}"]
        # money on a deposit is commissioned as the revenue of the final invoice deducting it
        link = self.get(f"dep:{row['invoice']}")
        if link is not None:
            related.append(f"dep:{row['invoice']}")
            related += [f"inv:{final}" for final, _ in _deposit_spans(link)]
        return related

    def relates_to(self, key: str, row: Row, event: Any) -> bool:
        """Of the invoice's events, money applied or taken off concerns only its own
        allocation; its lines, issue and credits concern every allocation on it."""
        allocation = getattr(event, "allocation_id", None)
        return allocation is None or key.endswith(f"|{allocation}")

    @handles("Payment.AllocationReversed")
    def _reversed(self, e: Any, oid: str) -> None:
        day = reversal_day(e)
        p = self.touch(f"pay:{oid}")
        if p is not None:
            p.setdefault("undone", {})[e.allocation_id] = day
        self._reverse(oid, e.allocation_id, day)

    @handles("Payment.PaymentBounced")
    def _bounced(self, e: Any, oid: str) -> None:
        p = self.touch(f"pay:{oid}")
        if p is None:
            return
        p["bounced_on"] = e.bounced_on
        for allocation_id in p["allocs"]:
            self._reverse(oid, allocation_id, e.bounced_on)

    @handles("Invoice.PaymentUnapplied")
    def _unapplied(self, e: Any, oid: str) -> None:
        """The invoice took the money back off (a reversal, a bounce, money a credit note gives
        back), on ``unapplied_on``. It comes right after the payment's own event, and usually
        says nothing new; but a bank statement that books a payment and the bank's return of it
        saves the payment (received, allocated, bounced) before the invoice records the money
        applied: then the allocation was not known when the payment bounced, and it is taken
        back here. (Un-applications recorded before q2c kept their day take the day the
        payment's event gave.)"""
        inv = self.get(f"inv:{oid}")
        keys = inv.get("allocs", ()) if inv is not None else ()
        found = [k for k in keys if k.endswith(f"|{e.allocation_id}")]
        if not found:
            return
        payment = found[-1].split("|", 1)[0]
        day: date | None = getattr(e, "unapplied_on", None)
        if day is None:
            p = self.get(f"pay:{payment}") or {}
            day = p.get("undone", {}).get(e.allocation_id) or p.get("bounced_on")
        if day is not None:
            self._reverse(payment, e.allocation_id, day)

    def _reverse(self, pay: str, allocation_id: str, on: date) -> None:
        key = f"alloc:{pay}|{allocation_id}"
        row = self.get(key)
        if row is not None and row["reversed_on"] is None:
            row["reversed_on"] = on
            self.put(key, row)
            # (money the invoice no longer has from that day: what came in since is split on a
            # running total without it)
            inv = self.get(f"inv:{row['invoice']}")
            if inv is not None:
                self._settle(inv)

    # -- queries ------------------------------------------------------------------------------

    def lines(self) -> list[CommissionLine]:
        """Every accrual and reversal, in date order."""
        result: list[CommissionLine] = []
        for key, row in self.rows_with_prefix("alloc:"):
            pay, allocation_id = key[6:].split("|", 1)
            currency = row["currency"]
            # (each line's commission is worked out on the running total: _on_running_totals)
            not_yet = Money.zero(currency)
            reversed_on: date | None = row["reversed_on"]
            stages: list[list[Any]] = [[row["on"], row["entries"]], *row["resplits"]]
            if reversed_on is not None:
                # a re-split (a credit note) on or after the day the allocation was undone
                # found no money of it on the invoice: only the split in force that day is
                # reversed, whatever order the two were recorded in (a back-dated reversal)
                stages = [stages[0], *(s for s in stages[1:] if s[0] < reversed_on)]
            before: list[CommissionLine] = []
            for day, entries in stages:
                result.extend(_reversal(line, day) for line in before)
                before = [
                    CommissionLine(
                        manager=manager,
                        on=day,
                        payment_id=pay,
                        allocation_id=allocation_id,
                        invoice_id=row["invoice"],
                        revenue_kind=kind.lower(),
                        collected=Money(base, currency),
                        rate=rate,
                        commission=not_yet,
                        reversal=False,
                    )
                    for manager, kind, base, rate in entries
                ]
                result.extend(before)
            if reversed_on is not None:
                result.extend(_reversal(line, reversed_on) for line in before)
            result.extend(self._deposit_lines(pay, allocation_id, row))
        result.sort(key=lambda c: (c.manager, c.on, c.payment_id, c.allocation_id, c.reversal))
        return _on_running_totals(result)

    def _deposit_lines(self, pay: str, allocation_id: str, row: Row) -> list[CommissionLine]:
        """Money collected on a deposit invoice, as the revenue of each issued final invoice
        that deducted it: earned on the later of collection and the final's issue, at that day's
        rate; reversed when the allocation is undone or a credit note of the deduction holds
        the deposit again, whichever comes first (never earned if that was before)."""
        collected: Decimal = row.get("deposit", Decimal(0))
        link = self.get(f"dep:{row['invoice']}")
        if collected <= 0 or link is None:
            return []
        result: list[CommissionLine] = []
        for final_id, released_on in _deposit_spans(link):
            ends = [d for d in (row["reversed_on"], released_on) if d is not None]
            result += self._deposit_span(pay, allocation_id, row, collected, final_id, ends)
        return result

    def _deposit_span(
        self,
        pay: str,
        allocation_id: str,
        row: Row,
        collected: Decimal,
        final_id: str,
        ends: list[date],
    ) -> list[CommissionLine]:
        """The deposit's money as one final invoice's revenue, until the first of ``ends``:
        split over the revenue kinds the final invoice bills (its positive kinds, the deposit
        aside) from the later of the collection and its issue, at that day's rates; and again,
        at the same rates, from each later day a credit note of the final invoice changes what
        it bills (the lines before reversed that day, months before never changed), so a
        deposit deducted on a final invoice whose maintenance is credited pays for its
        enhancement alone from the note's day, as the final invoice's own money does."""
        final = self.get(f"inv:{final_id}")
        if final is None or final.get("issued_on") is None:
            return []
        on: date = max(row["on"], final["issued_on"])
        reversed_on: date | None = min(ends, default=None)
        if reversed_on is not None and reversed_on < on:
            return []
        credited = {credit[0] for credit in final.get("credits", ())}
        days = [
            on,
            *sorted(d for d in credited if d > on and (reversed_on is None or d < reversed_on)),
        ]
        result: list[CommissionLine] = []
        earning: list[CommissionLine] = []
        for day in days:
            lines = self._deposit_split(pay, allocation_id, row, collected, final, on, day)
            if day != on and [(c.revenue_kind, c.collected) for c in lines] == [
                (c.revenue_kind, c.collected) for c in earning
            ]:
                continue
            result += [_reversal(line, day) for line in earning]
            result += lines
            earning = lines
        if reversed_on is not None:
            result += [_reversal(line, reversed_on) for line in earning]
        return result

    def _deposit_split(
        self,
        pay: str,
        allocation_id: str,
        row: Row,
        collected: Decimal,
        final: Row,
        earned_on: date,
        day: date,
    ) -> list[CommissionLine]:
        """The deposit's money split over the revenue kinds the final invoice bills at the end
        of ``day`` (the deposit aside), at the rates of ``earned_on``, dated ``day``."""
        currency = row["currency"]
        billed, _ = _owed_on(final, day)
        kinds = sorted(k for k, v in billed.items() if v > 0 and k != _DEPOSIT)
        if not kinds:
            return []
        parts = split_by_weights(Money(collected, currency), [billed[k] for k in kinds])
        result: list[CommissionLine] = []
        for kind, part in zip(kinds, parts, strict=True):
            rate = self._rate(final["manager"], kind, earned_on)
            if rate == 0 or part.is_zero():
                continue
            result.append(
                CommissionLine(
                    manager=final["manager"],
                    on=day,
                    payment_id=pay,
                    allocation_id=allocation_id,
                    invoice_id=row["invoice"],
                    revenue_kind=kind.lower(),
                    collected=part,
                    rate=rate,
                    commission=Money.zero(currency),  # (worked out in _on_running_totals)
                    reversal=False,
                )
            )
        return result

    def managers(self) -> set[str]:
        """The account managers the books name, each person once, by the spelling the lines
        name them by (a plan's entry matching none of them pays nobody yet:
        ``CommissionPlan.unknown_managers``)."""
        names: set[str] = set()
        for _, row in self.rows_with_prefix("cust:"):
            # (and each manager it was handed over to: the one its invoices name from then on)
            names.add(row["manager"])
            names.update(name for _, name in row.get("handovers") or ())
        names.update(row["manager"] for _, row in self.rows_with_prefix("inv:"))
        names.discard("")
        return names

    def statement(self, manager: str, period: Period) -> CommissionStatement:
        """One manager's commission lines dated in the period, with totals per currency; the
        manager named by any spelling ("MIA", "mia "), the statement by the lines' own."""
        check_period(period)
        manager = self.manager_as_shown(manager)
        return _statement(manager, period, self.lines())

    def statements(
        self, period: Period, *, lines: Sequence[CommissionLine] | None = None
    ) -> list[CommissionStatement]:
        """The statement of every manager with a commission line (any day), by name: the
        lines worked out once for all of them (``lines``: those already read by ``lines()``,
        so a report reading several figures reads the store once)."""
        check_period(period)
        every = self._lines_given(lines)
        managers = sorted({c.manager for c in every})
        return [_statement(manager, period, every) for manager in managers]

    def _lines_given(self, lines: Iterable[CommissionLine] | None) -> Sequence[CommissionLine]:
        """``lines()``, or the lines given (read once): a collection of ``CommissionLine``,
        anything else ``InvalidValue`` naming ``lines`` (text, a number or other things in it
        ended in a bare AttributeError)."""
        if lines is None:
            return self.lines()
        if isinstance(lines, str | bytes | dict) or not isinstance(lines, Iterable):
            raise InvalidValue(
                "must be a collection of CommissionLine (those lines() gives)",
                field="lines",
                value=lines,
            )
        given = tuple(lines)
        for line in given:
            if not isinstance(line, CommissionLine):
                raise InvalidValue(
                    "must be CommissionLine entries (those lines() gives)",
                    field="lines",
                    value=line,
                )
        return given

    def balances(
        self, as_of: date | None = None, *, lines: Sequence[CommissionLine] | None = None
    ) -> dict[tuple[str, str], Money]:
        """Net commission per (manager, currency): of every line, or of the lines dated up to
        ``as_of`` (money collected, and reversals, by then); ``lines`` as ``statements``
        takes them."""
        check_day(as_of, optional=True)
        result: dict[tuple[str, str], Money] = {}
        for c in self._lines_given(lines):
            if as_of is not None and c.on > as_of:
                continue
            k = (c.manager, c.commission.currency)
            result[k] = result.get(k, Money.zero(k[1])) + c.commission
        return result


def _statement(
    manager: str, period: Period, every: Sequence[CommissionLine]
) -> CommissionStatement:
    """``manager``'s lines of ``every`` dated in the period, with totals per currency."""
    lines = tuple(c for c in every if c.manager == manager and c.on in period)
    totals: dict[str, Money] = {}
    for c in lines:
        cur = c.commission.currency
        totals[cur] = totals.get(cur, Money.zero(cur)) + c.commission
    return CommissionStatement(manager, period, lines, totals)


def _add_lines(row: dict[str, Any], lines: list[list[Any]]) -> None:
    """Net per revenue kind, and taxable base per tax category and rate: the rate by its
    value, as the invoice groups its bases (``tax_subtotals``), so a deposit deduction at the
    customer's 21 and work at 21.00 are one base, its tax rounded once (``_rate_key``)."""
    for line in lines:
        row["by_kind"][line[KIND]] = row["by_kind"].get(line[KIND], Decimal(0)) + line[NET]
        rate_key = _rate_key(line[TAX_CAT], line[TAX_RATE])
        row["bases"][rate_key] = row["bases"].get(rate_key, Decimal(0)) + line[NET]


def _rate_key(category: str, rate: Decimal) -> str:
    """``"STANDARD|21"`` for 21, 21.0 and 21.00 alike (``TaxRate`` keeps the rate as typed):
    plain digits, never an exponent (20, not 2E+1), the trailing zeros of the fraction
    dropped, however many digits (``normalize`` would round to the context's precision), and
    0 for -0 (a rate is never below 0)."""
    text = format(rate.copy_abs(), "f")
    return f"{category}|{text.rstrip('0').rstrip('.') if '.' in text else text}"


def _is_deposit(inv: Row) -> bool:
    """A deposit invoice (drafted as one): its money is commissioned through the final invoice
    that deducts it. A standard invoice with a line of the deposit kind is not one: nothing
    deducts that line, so its money is split, and re-split on credits, like any standard
    invoice's (the deposit-kind part earning nothing)."""
    return bool(inv.get("deposit_invoice"))


def _owed_on(inv: Row, day: date | None) -> tuple[dict[str, Decimal], Decimal]:
    """The net per revenue kind an invoice bills at the end of ``day``, and its tax: as issued,
    less the credit notes dated by then, in date order (``None``: less every one). The tax can
    be negative (the lines left are: a deducted deposit taxed higher than the work)."""
    credits: list[list[Any]] = inv.get("credits", [])
    if day is None or all(credited_on <= day for credited_on, _, _ in credits):
        return inv["by_kind"], inv["tax"]
    by_kind: dict[str, Decimal] = dict(inv["issued_kinds"])
    tax: Decimal = inv["issued_tax"]
    for credited_on, kinds, credited_tax in sorted(credits, key=lambda c: c[0]):
        if credited_on > day:
            break
        for kind, net in kinds.items():
            by_kind[kind] = by_kind.get(kind, Decimal(0)) - net
        tax -= credited_tax
    return by_kind, tax


def _deposit_spans(link: Row) -> list[tuple[str, date | None]]:
    """The final invoices a deposit was deducted on (a ``dep:`` row), each with the day a credit
    note of its deduction released the deposit, the one deducting it now last (None)."""
    spans: list[tuple[str, date | None]] = [(f, d) for f, d in link.get("released", ())]
    if link["final"]:
        spans.append((link["final"], None))
    return spans


def _reversal(line: CommissionLine, on: date) -> CommissionLine:
    return attrs.evolve(line, on=on, collected=-line.collected, reversal=True)


def commission_on_running_total(rate: Decimal, collected: Iterable[Money]) -> list[Money]:
    """The commission on each amount collected at one rate, in order (a negative amount is
    money taken back: an allocation undone, a payment bounced), on the running total: rate x
    everything collected so far, rounded half up to the minor unit, less the commission
    accrued before it. So the commission accrued after any of them is exactly rate x the net
    collected by then, rounded once (5 % on 286.50 and 539.94 accrues 41.32, where rounding
    each part's 14.325 and 26.997 made 41.33), and money collected and then taken back brings
    it back to exactly what it was. A rate that is not a finite Decimal, an amount that is not
    Money: ``InvalidValue``; amounts in two currencies: ``CurrencyMismatch``."""
    if not isinstance(rate, Decimal) or not rate.is_finite():
        raise InvalidValue("must be a finite Decimal (0.05 for 5 %)", field="rate", value=rate)
    result: list[Money] = []
    total: Money | None = None
    accrued: Money | None = None
    for amount in collected:
        if not isinstance(amount, Money):
            raise InvalidValue("must be Money", field="collected", value=amount)
        total = amount if total is None else total + amount
        now = (total * rate).rounded()
        result.append(now if accrued is None else now - accrued)
        accrued = now
    return result


def _on_running_totals(lines: list[CommissionLine]) -> list[CommissionLine]:
    """The lines, in their order, each with its commission on the running total of the lines
    of its manager, currency, revenue kind and rate (``commission_on_running_total``)."""
    groups: dict[tuple[str, str, str, Decimal], list[int]] = {}
    for i, line in enumerate(lines):
        key = (line.manager, line.collected.currency, line.revenue_kind, line.rate)
        groups.setdefault(key, []).append(i)
    result = list(lines)
    for (_, _, _, rate), indices in groups.items():
        commissions = commission_on_running_total(rate, (lines[i].collected for i in indices))
        for i, commission in zip(indices, commissions, strict=True):
            result[i] = attrs.evolve(lines[i], commission=commission)
    return result


def split_amounts(amount: Decimal, currency: str, weights: list[Decimal]) -> list[Decimal]:
    """``[m.amount for m in split_by_weights(Money(amount, currency), weights)]`` on plain
    Decimals (the same largest-remainder rule, without building and checking Money per part:
    a replay splits every allocation); anything unusual goes to the domain's own function."""
    quantum = currency_quantum(currency)
    whole = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    weight_sum = sum(weights, Decimal(0))
    if (
        not weights
        or weight_sum == 0
        or any(w < 0 for w in weights)
        or not whole.is_finite()
        or (whole and whole.adjusted() >= MAX_MAGNITUDE)
    ):
        return [m.amount for m in split_by_weights(Money(amount, currency), weights)]
    sign = -1 if whole < 0 else 1
    magnitude = abs(whole)
    exact = [magnitude * w / weight_sum for w in weights]
    floors = [x.quantize(quantum, rounding=ROUND_DOWN) for x in exact]
    left = int(((magnitude - sum(floors, Decimal(0))) / quantum).to_integral_value())
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += quantum
    return [sign * f for f in floors]


def _net_kinds(by_kind: dict[str, Decimal], currency: str) -> dict[str, Decimal]:
    """Positive net per revenue kind after the negative kinds (a deducted deposit, a discount)
    are taken off the positive ones in proportion to their nets; parts add back exactly."""
    positive = sorted(k for k, v in by_kind.items() if v > 0)
    negative = -sum((v for v in by_kind.values() if v < 0), Decimal(0))
    total = sum((by_kind[k] for k in positive), Decimal(0))
    if not positive or negative == 0:
        return {k: by_kind[k] for k in positive}
    if negative >= total:
        return {}
    cuts = split_by_weights(Money(negative, currency), [by_kind[k] for k in positive])
    return {k: by_kind[k] - cut.amount for k, cut in zip(positive, cuts, strict=True)}


def _below_net(
    amount: Decimal,
    currency: str,
    nets: list[Decimal],
    tax: Decimal,
    slots: list[str],
    counted: dict[str, Decimal],
) -> list[Decimal]:
    """The parts (per revenue kind in ``nets``, then the tax) of money on an invoice whose tax
    is negative (a discount, or a deducted deposit, taxed at a higher rate than the revenue it
    takes off): its total is less than its net, so the money counts more revenue than it is.

    With the money before it on the invoice (``counted``, all its parts), the invoice's money
    so far is ``paid``: it counts ``net x paid / total`` of revenue, rounded half up to the
    minor unit once, and this money the step from what was counted before (never less than
    nothing, never more than what is left), split over the kinds in proportion to what each
    still has to collect (largest remainders); the tax part is the rest of the money, negative.
    So x % of the total collects x % of the net, and the money that pays the invoice in full
    collects exactly what is left of each kind. (Money beyond the total is no revenue, as on
    any invoice: it is in the tax part.)"""
    kinds = slots[:-1]
    before = [counted.get(k, Decimal(0)) for k in kinds]
    left = [max(n - c, Decimal(0)) for n, c in zip(nets, before, strict=True)]
    to_count = sum(left, Decimal(0))
    net = sum(nets, Decimal(0))
    total = net + tax
    paid = sum(counted.values(), Decimal(0)) + amount
    if paid >= total:
        revenue = to_count
    else:
        quantum = currency_quantum(currency)
        due = (net * paid / total).quantize(quantum, rounding=ROUND_HALF_UP)
        revenue = min(max(due - sum(before, Decimal(0)), Decimal(0)), to_count)
    parts = split_amounts(revenue, currency, left) if to_count > 0 else [Decimal(0)] * len(left)
    return [*parts, amount - sum(parts, Decimal(0))]
