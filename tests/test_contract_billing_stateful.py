"""A stateful hypothesis story of contract billing: two master contracts of one customer (at
times on the same settings, so a sub-contract moved mid-period carries its period's charge),
with sub-contracts added, removed, extended again, re-priced and moved between them, renewals
(also of a term in arrears whose last period was billed before it was renewed), suspensions,
terminations, expiries, changes found after a contract ended (a removal, a re-price, an
extension or a sub-contract added, dated inside the days it served), runs forwards and
backdated, documents issued and voided, in any order, in euros, yen or dinars; and a third
contract signed but never activated.

After every run, whatever came before:
- the preview just before it showed exactly what it posted, and a second run posts nothing;
- no day of a sub-contract is billed twice, on one contract or across both, and the contract
  never activated is never billed (a 0.00 line's days a correction took back with no credit
  note, ``SupersededDays``, count as taken back: see ``_lines``; a day 30E/360 gives no weight
  is not counted: see ``_check_days_and_amounts``);
- every period due by the run's day is billed (one with nothing to charge records nothing): each
  day a sub-contract is covered in term once, every other day not at all (except the days a rule
  knowingly leaves out, named below);
- per contract and period, the documents add up to the minor unit to what the period charges
  for the contract as it now stands.
What is due and what a period charges come from the test's own reference (``billing_oracle``:
the period grid and the due rule written out; each covered day at the price in force that day x
months / 12 / the period's days, rounded once per sub-contract; a sub-contract moved in the
period onto the same grid charges the whole period's days, both contracts', rounded once, less
what the contracts before it charge), never from q2c's billing math. In arrears, days a
renewal added to a period billed when the term ended in its middle wait until the period is
over, and no longer. A refused command records nothing.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

import attrs
import billing_oracle as oracle
from hypothesis import HealthCheck, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    Contract,
    ContractStatus,
    DayCount,
    InvoiceKind,
    InvoiceStatus,
    Money,
    Period,
    PeriodAlignment,
    PricePoint,
    Q2CError,
    QuoteToCash,
    SubContract,
    SubContractKind,
)

EUR = "EUR"
A = "alice"
START = date(2024, 1, 1)
# a contract starts in its first weeks, or on a day a month's end or a leap day makes special
# (an anniversary on the 31st or on 29 February clamps; 30E/360 weighs the 30th, 31st and the
# end of February oddly)
starts = st.one_of(
    st.integers(min_value=0, max_value=40).map(lambda n: START + timedelta(days=n)),
    st.sampled_from([date(2024, 2, 29), date(2024, 1, 31), date(2024, 1, 30)]),
)
# a term of a year of days, of a leap year's, shorter, longer, or twelve months (None)
terms = st.sampled_from([365, 366, 200, 400, None])
settings_st = st.tuples(
    st.sampled_from(list(BillingFrequency)),
    st.sampled_from(list(BillingTiming)),
    st.sampled_from(list(PeriodAlignment)),
    st.sampled_from(list(DayCount)),
    st.sampled_from([False, False, True]),  # evergreen (one time in three)
    starts,
    terms,
)
Settings = tuple[BillingFrequency, BillingTiming, PeriodAlignment, DayCount, bool, date, int | None]
# annual prices: whole units, or (whole units, minor units): a period's charge then is no whole
# number of minor units in any frequency, so two contracts' halves of it can round apart
Price = int | tuple[int, int]
prices = st.sampled_from([0, 1, 600, 1000, 1200, 3650, 9999, (1000, 1), (3650, 5), (9999, 7)])
offsets = st.integers(min_value=-70, max_value=90)  # from today: retroactive or ahead
# a price under this many minor units a year (10.00 in euros, 1,000 yen, 1.000 dinar) may
# round to nothing over a few days: its days may show as a zero line or not at all (the day
# check leaves them out; the amounts still count them). In minor units, so a walk in yen or
# dinars checks days as strictly as one in euros.
TINY_MINOR_UNITS = 1000


def tiny(currency: str) -> Fraction:
    """The annual price in ``currency`` under which the day check leaves a day out."""
    return Fraction(TINY_MINOR_UNITS, 10 ** oracle.MINOR[currency])


def eur(amount: int) -> Money:
    return Money.of(amount, EUR)


@functools.lru_cache(maxsize=65536)
def exact_charge(
    sub: SubContract, period: Period, term: Period, frequency: BillingFrequency, days: DayCount
) -> Fraction:
    """``billing_oracle.exact``, remembered: the checks after every run ask again for every
    period billed so far, mostly of sub-contracts that did not change."""
    return oracle.exact(sub, period, term, frequency, days)


@functools.lru_cache(maxsize=65536)
def expected_days(
    sub: SubContract, period: Period, term: Period, days: DayCount, currency: str
) -> tuple[tuple[date, int], ...]:
    """Each day of a period the day check looks at, with how many lines must name it for a
    sub-contract: 1 when it is covered in term, 0 otherwise. Left out: days at a price under
    ``tiny(currency)`` (a free or almost free day may show as a zero line, or not at all) and days
    30E/360 gives no weight (no line names them)."""
    return tuple(
        (day, 1 if oracle.is_covered(sub, term, day) else 0)
        for day in period.each_day()
        if oracle.price_in_force(sub.prices, day) >= tiny(currency) and oracle.weight(day, days)
    )


def event(value: str) -> None:
    """Count what a walk reached (``--hypothesis-show-statistics``), also when a story drives
    the machine by hand."""
    if currently_in_test_context():
        hypothesis_event(value)


def _sign(kind: InvoiceKind) -> int:
    return -1 if kind is InvoiceKind.CREDIT_NOTE else 1


@settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
class ContractBillingMachine(RuleBasedStateMachine):
    """Contract billing under any order of changes, runs, issues and voids."""

    def __init__(self) -> None:
        super().__init__()
        self.app = QuoteToCash.open("memory:")
        self.currency = EUR
        self.contracts: list[UUID] = []
        self.documents: list[UUID] = []
        self.today = START
        self.subs = 0
        self.carried = 0  # charges of sub-contracts moved mid-period onto the same grid
        self.carried_cents = 0  # of which differ from their own days rounded

    def teardown(self) -> None:
        event(f"periods charged with a carried remainder: {min(self.carried, 1)}")
        event(f"... that is not the own days rounded: {min(self.carried_cents, 1)}")
        self.app.close()

    # -- helpers ---------------------------------------------------------------------------------

    def _new_sub(self, start: date, price: Price) -> SubContract:
        self.subs += 1
        sub_id = f"S{self.subs}"
        return SubContract(
            sub_id,
            f"Product {sub_id}",
            SubContractKind.PRODUCT,
            start,
            [PricePoint(start, self.money(price))],
        )

    def money(self, amount: Price) -> Money:
        """An annual price in the customer's currency."""
        whole, minor = amount if isinstance(amount, tuple) else (amount, 0)
        units = Decimal(minor).scaleb(-oracle.MINOR[self.currency])
        return Money(Decimal(whole) + units, self.currency)

    def _contract(self, pick: int) -> Contract:
        return self.app.contract(self.contracts[pick % len(self.contracts)])

    def _sub_id(self, contract: Contract, pick: int) -> str | None:
        subs = sorted(contract.sub_contracts)
        return subs[pick % len(subs)] if subs else None

    def _refused_records_nothing(self, command: object) -> str:
        """Run a command; if q2c refuses it, or answers False (the same command recorded
        already: sent again), the store must hold exactly what it held. Says which: "done",
        "refused" or "sent again"."""
        before = self.app.recorder.max_notification_id()
        try:
            answer = command()  # type: ignore[operator]
        except Q2CError:
            assert self.app.recorder.max_notification_id() == before
            return "refused"
        if answer is False:
            assert self.app.recorder.max_notification_id() == before
            return "sent again"
        return "done"

    # -- the story -------------------------------------------------------------------------------

    @initialize(
        first=settings_st,
        second=settings_st,
        price=prices,
        same=st.sampled_from([True, True, False]),
        currency=st.sampled_from(["EUR", "EUR", "JPY", "KWD"]),
    )
    def sign_two_contracts(
        self, first: Settings, second: Settings, price: Price, same: bool, currency: str = EUR
    ) -> None:
        """Two contracts, on the same settings two times in three (one period grid: a
        sub-contract moved mid-period carries its period's charge to the other)."""
        self.currency = currency
        self.same = same
        self.customer = self.app.register_customer("Acme", currency, account_manager="mia", actor=A)
        event(f"contracts on the same settings: {same}")
        for number, settings_ in enumerate((first, first if same else second)):
            frequency, timing, alignment, day_count, evergreen, start, length = settings_
            end = oracle.month_add(start, 12) if length is None else start + timedelta(length)
            term = Period(start, end)
            cid = self.app.sign_contract(
                self.customer,
                number=f"MC-{number}",
                term=term,
                frequency=frequency,
                timing=timing,
                alignment=alignment,
                day_count=day_count,
                auto_renew=evergreen,
                renewal_uplift_percent=3 if evergreen else None,
                signed_on=start,
                actor=A,
                sub_contracts=(self._new_sub(start, price),),
            )
            self.app.activate_contract(cid, effective=start, actor=A)
            self.contracts.append(cid)
        # signed, never activated: never billed, whatever happens around it
        self.dormant = self.app.sign_contract(
            self.customer,
            number="MC-dormant",
            term=Period(START, START + timedelta(days=365)),
            frequency=BillingFrequency.MONTHLY,
            signed_on=START,
            actor=A,
            sub_contracts=(self._new_sub(START, 1200),),
        )

    @rule(pick=st.integers(0, 1), offset=offsets, price=prices)
    def add_a_sub_contract(self, pick: int, offset: int, price: Price) -> None:
        contract = self._contract(pick)
        day = max(contract.term.start, self.today + timedelta(days=offset))
        sub = self._new_sub(day, price)
        self._refused_records_nothing(lambda: self.app.add_sub_contract(contract.id, sub, actor=A))

    @rule(pick=st.integers(0, 1), which=st.integers(0, 9), offset=offsets)
    def remove_a_sub_contract(self, pick: int, which: int, offset: int) -> None:
        contract = self._contract(pick)
        sub_id = self._sub_id(contract, which)
        if sub_id is not None:
            day = self.today + timedelta(days=offset)
            self._refused_records_nothing(
                lambda: self.app.remove_sub_contract(contract.id, sub_id, effective_to=day, actor=A)
            )

    @rule(pick=st.integers(0, 1), which=st.integers(0, 9), offset=offsets, price=prices)
    def reprice_a_sub_contract(self, pick: int, which: int, offset: int, price: Price) -> None:
        contract = self._contract(pick)
        sub_id = self._sub_id(contract, which)
        if sub_id is not None:
            day = self.today + timedelta(days=offset)
            self._refused_records_nothing(
                lambda: self.app.reprice_sub_contract(
                    contract.id, sub_id, effective=day, annual_price=self.money(price), actor=A
                )
            )

    def _move(
        self,
        pick: int,
        which: int,
        day_for: Callable[[Contract, Contract, SubContract], date | None],
        then_bill: bool = False,
    ) -> None:
        source = self._contract(pick)
        target = self._contract(pick + 1)
        here = sorted(
            s
            for s, sub in source.sub_contracts.items()
            if sub.reassigned_to is None and s not in target.sub_contracts
        )
        if not here:
            return
        sub = source.sub_contracts[here[which % len(here)]]
        day = day_for(source, target, sub)
        if day is None:
            return
        outcome = self._refused_records_nothing(
            lambda: self.app.reassign_sub_contract(
                source.id, sub.sub_id, target.id, effective=day, actor=A
            )
        )
        event(f"move a sub-contract: {outcome}")
        if then_bill and outcome == "done":
            # billed through the end of the target's period of the move day: its days from
            # the move are billed (in arrears too), the source's corrected
            [period] = [
                p
                for p in oracle.grid(target.term, target.frequency.months, target.alignment)
                if day in p
            ]
            self.today = max(self.today, oracle.covered_end(period, target.term))
            self._run(self.today)

    @rule(pick=st.integers(0, 1), which=st.integers(0, 9), offset=offsets)
    def move_a_sub_contract(self, pick: int, which: int, offset: int) -> None:
        """Move a sub-contract to the other contract on any day around today (often refused:
        outside a term, or not covered then)."""
        self._move(pick, which, lambda *_: self.today + timedelta(days=offset))

    @rule(pick=st.integers(0, 1), which=st.integers(0, 9), back=st.integers(0, 45))
    def move_a_sub_contract_in_term(self, pick: int, which: int, back: int) -> None:
        """Move a sub-contract to the other contract ``back`` days before today, or as near as
        both terms run and it is covered after its first day: it moves, often mid-period, in a
        period billed already (on one grid the target carries the period); then billed through
        the end of the target's period of the move."""

        def day_for(source: Contract, target: Contract, sub: SubContract) -> date | None:
            first = max(sub.effective_from, source.term.start, target.term.start)
            last = min(sub.effective_to or date.max, source.term.end, target.term.end)
            day = max(first + timedelta(days=1), self.today - timedelta(days=back))
            return day if day < last else None

        self._move(pick, which, day_for, then_bill=True)

    @rule(pick=st.integers(0, 1), uplift=st.sampled_from([None, 0, 5]))
    def renew_a_contract(self, pick: int, uplift: int | None) -> None:
        contract = self._contract(pick)
        new_end = contract.term.end + timedelta(days=365)
        self._refused_records_nothing(
            lambda: self.app.renew_contract(
                contract.id,
                new_end=new_end,
                effective=contract.term.end,
                actor=A,
                uplift_percent=uplift,
            )
        )

    @rule(
        pick=st.integers(0, 1),
        after=st.integers(min_value=0, max_value=20),
        then=st.sampled_from([None, -1, 0, 3]),
    )
    def renew_after_the_last_period_was_billed(
        self, pick: int, after: int, then: int | None
    ) -> None:
        """A term that ran out and was billed out (in arrears, a period the term ends in the
        middle of is billed once the term has ended, its days to the end), renewed afterwards,
        as it should have been; then (unless ``then`` is None) billed again ``then`` days after
        the end of the period the old term ended in: the days the renewal added to it are billed
        once the period is over, not before and not never."""
        contract = self._contract(pick)
        if contract.auto_renew:  # (the other one, then, unless it renews by itself too)
            contract = self._contract(pick + 1)
        if contract.auto_renew:
            return
        old_end = contract.term.end
        self.today = max(self.today, old_end + timedelta(days=after))
        self._run(self.today)
        outcome = self._refused_records_nothing(
            lambda: self.app.renew_contract(
                contract.id, new_end=old_end + timedelta(days=365), effective=old_end, actor=A
            )
        )
        event(f"renewed after billed out ({contract.timing.name}): {outcome}")
        if then is None or outcome == "refused":
            return
        last_day = old_end - timedelta(days=1)
        [period] = [
            p
            for p in oracle.grid(contract.term, contract.frequency.months, contract.alignment)
            if last_day in p
        ]
        self.today = max(self.today, period.end + timedelta(days=then))
        self._run(self.today)

    @rule(pick=st.integers(0, 1), shift=st.integers(min_value=-1, max_value=1))
    def run_billing_at_a_period_end(self, pick: int, shift: int) -> None:
        """A run on the day before, of, or after the end of the next period of a contract (in
        arrears, the end of its days in term): where a day too early or too late shows."""
        c = self._contract(pick)
        ends = sorted(
            oracle.covered_end(p, c.term)
            for p in oracle.grid(c.term, c.frequency.months, c.alignment)
        )
        later = [end for end in ends if end > self.today]
        if later:
            self.today = later[0] + timedelta(days=shift)
            self._run(self.today)

    @rule(pick=st.integers(0, 1), offset=offsets, chance=st.integers(0, 2))
    def terminate_a_contract(self, pick: int, offset: int, chance: int) -> None:
        """(One time in three: a terminated contract leaves little to do.)"""
        if chance:
            return
        contract = self._contract(pick)
        day = self.today + timedelta(days=offset)
        self._refused_records_nothing(
            lambda: self.app.terminate_contract(
                contract.id, effective=day, reason="left", actor=A, noticed_on=day
            )
        )

    @rule(
        pick=st.integers(0, 1),
        which=st.integers(0, 9),
        back=st.integers(min_value=0, max_value=60),
        later=st.integers(min_value=-5, max_value=120),
        open_ended=st.booleans(),
    )
    def remove_then_extend_a_sub_contract(
        self, pick: int, which: int, back: int, later: int, open_ended: bool
    ) -> None:
        """A sub-contract removed ``back`` days before today (in periods billed already, most
        likely), billed, then covered longer: open-ended again (the removal undone) or to a later
        end, and billed again. The extension is refused only for an end not after the current
        one, or for one the rules name (moved away; a renewal's uplift missed it); taken, it
        alone must have the run bill the days it adds (the checks after each run)."""
        contract = self._contract(pick)
        here = sorted(s for s, sub in contract.sub_contracts.items() if sub.reassigned_to is None)
        if not here:
            return
        sub_id = here[which % len(here)]
        if contract.sub_contracts[sub_id].effective_to is None:
            day = max(
                contract.sub_contracts[sub_id].effective_from + timedelta(days=1),
                self.today - timedelta(days=back),
            )
            self._refused_records_nothing(
                lambda: self.app.remove_sub_contract(contract.id, sub_id, effective_to=day, actor=A)
            )
        current = self.app.contract(contract.id).sub_contracts[sub_id].effective_to
        if current is None:
            return
        self._run(self.today)  # (the run has seen every change so far)
        end = None if open_ended else current + timedelta(days=later)
        outcome = self._refused_records_nothing(
            lambda: self.app.extend_sub_contract(contract.id, sub_id, effective_to=end, actor=A)
        )
        event(f"extend a sub-contract: {outcome}")
        if end is not None and end <= current:
            # (to its own end: the extension that set it, sent again, records nothing)
            assert outcome == "refused" or (outcome == "sent again" and end == current)
        self._run(self.today)  # bills the days it covers again in the periods billed

    @rule(
        pick=st.integers(0, 1),
        which=st.integers(0, 9),
        change=st.sampled_from(["remove", "reprice", "extend", "add"]),
        back=st.integers(min_value=0, max_value=200),
        price=prices,
        end_first=st.booleans(),
    )
    def correct_an_ended_contract(
        self, pick: int, which: int, change: str, back: int, price: Price, end_first: bool
    ) -> None:
        """A change found after the contract ended (terminated today, when ``end_first`` and
        it is live), dated ``back`` days before its end, inside the days it served: a site
        closed, a price agreed lower, a removal undone up to the end, a site served unbilled.
        Taken, the next run credits or bills exactly its days (the checks after each run);
        past the end, it is refused and records nothing."""
        contract = self._contract(pick)
        ended = (ContractStatus.TERMINATED, ContractStatus.EXPIRED)
        if contract.status not in ended and end_first:
            self._run(self.today)
            self._refused_records_nothing(
                lambda: self.app.terminate_contract(
                    contract.id, effective=self.today, reason="left", actor=A, noticed_on=self.today
                )
            )
            contract = self.app.contract(contract.id)
        if contract.status not in ended:
            return
        end = contract.term.end
        day = max(contract.term.start, end - timedelta(days=back))
        sub_id = self._sub_id(contract, which)
        command: Callable[[], object] | None = None
        if change == "add":
            new = attrs.evolve(self._new_sub(day, price), effective_to=end)
            command = lambda: self.app.add_sub_contract(contract.id, new, actor=A)  # noqa: E731
        elif sub_id is None:
            return
        elif change == "remove":
            command = lambda: self.app.remove_sub_contract(  # noqa: E731
                contract.id, sub_id, effective_to=day, actor=A
            )
        elif change == "reprice":
            command = lambda: self.app.reprice_sub_contract(  # noqa: E731
                contract.id, sub_id, effective=day, annual_price=self.money(price), actor=A
            )
        else:
            command = lambda: self.app.extend_sub_contract(  # noqa: E731
                contract.id, sub_id, effective_to=end, actor=A
            )
        outcome = self._refused_records_nothing(command)
        event(f"correct an ended contract ({change}): {outcome}")
        self._run(self.today)

    @rule(pick=st.integers(0, 1), suspend=st.booleans())
    def suspend_or_reactivate(self, pick: int, suspend: bool) -> None:
        """Suspension stops the service, not the billing (only a termination does that)."""
        contract = self._contract(pick)
        change = self.app.suspend_contract if suspend else self.app.reactivate_contract
        self._refused_records_nothing(
            lambda: change(contract.id, effective=self.today, reason="asked", actor=A)
        )

    @rule(
        pick=st.integers(0, 1),
        late=st.integers(min_value=0, max_value=30),
        chance=st.integers(0, 2),
    )
    def expire_a_contract(self, pick: int, late: int, chance: int) -> None:
        """(One time in three: an expired contract leaves little to do.)"""
        if chance:
            return
        contract = self._contract(pick)
        day = contract.term.end + timedelta(days=late)
        self._refused_records_nothing(
            lambda: self.app.expire_contract(contract.id, effective=day, actor=A)
        )

    @precondition(lambda self: self.documents)
    @rule(which=st.integers(0, 99))
    def issue_a_document(self, which: int) -> None:
        """Any draft a run made can be approved and issued today (every run is dated today
        or earlier, and a credit note no earlier than the invoice it credits), once the
        invoice a credit note credits is issued itself."""
        invoice_id = self.documents[which % len(self.documents)]
        document = self.app.invoice(invoice_id)
        if document.status is not InvoiceStatus.DRAFT:
            return
        credited = document.credits_invoice_id
        if credited is not None and self.app.invoice(credited).status is not InvoiceStatus.ISSUED:
            return
        on = self.today
        self.app.approve_invoice(invoice_id, role="billing", approved_on=on, actor="bea")
        self.app.approve_invoice(invoice_id, role="account_manager", approved_on=on, actor="mia")
        self.app.issue_invoice(invoice_id, issued_on=on, actor="bea")

    @precondition(lambda self: self.documents)
    @rule(which=st.integers(0, 99))
    def void_a_document(self, which: int) -> None:
        invoice_id = self.documents[which % len(self.documents)]
        self._refused_records_nothing(
            lambda: self.app.void_invoice(
                invoice_id, reason="wrong", actor="bea", voided_on=self.today
            )
        )

    @rule(days=st.integers(min_value=0, max_value=120))
    def run_billing(self, days: int) -> None:
        self.today += timedelta(days=days)
        self._run(self.today)

    @rule(back=st.integers(min_value=1, max_value=200))
    def run_billing_backdated(self, back: int) -> None:
        self._run(max(START, self.today - timedelta(days=back)))

    # -- what a run must do ----------------------------------------------------------------------

    def _run(self, as_of: date) -> None:
        billed_before = {cid: set(self.app.contract(cid).billed) for cid in self.contracts}
        preview = self.app.preview_billing(as_of)
        posted = self.app.run_billing(as_of, actor="run")
        for cid in self.contracts:
            # a run bills a period only once it is due (by the term as the run leaves it: an
            # evergreen term renewed by the run counts renewed): in advance once its first day
            # in term has come, in arrears once its last has passed, never a day early
            c = self.app.contract(cid)
            due = oracle.due(c.term, c.frequency, c.alignment, c.timing, as_of)
            for key in set(c.billed) - billed_before[cid]:
                assert c.billed[key].period in due, (cid, as_of, c.billed[key].period, c.timing)
        assert len(preview) == len(posted.documents)
        for shown, doc in zip(preview, posted.documents, strict=True):
            invoice = self.app.invoice(doc.invoice_id)
            assert shown.lines == tuple(invoice.lines)
            assert (shown.kind, shown.contract_id, shown.net) == (
                invoice.kind,
                doc.contract_id,
                invoice.net,
            )
            self.documents.append(doc.invoice_id)
        assert self.app.preview_billing(as_of) == []
        assert self.app.run_billing(as_of, actor="run").documents == ()
        self._check_days_and_amounts(as_of)

    def _lines(self) -> list[tuple[int, UUID, str, Period, Decimal]]:
        """(sign, contract, sub-contract, days, net) of every contract line, voided ones out,
        and the days of 0.00 lines a standing correction took back with no credit note.

        A run drafts no credit note that would credit only 0.00 lines (it would take a number
        and move no money): the contract records those days as superseded on the correction
        (``SupersededDays``), which falls with the correction's documents. They count as a
        credit note's 0.00 line would: the invoice no longer names them."""
        rows = []
        for invoice in self.app.invoices(self.customer):
            if invoice.status is InvoiceStatus.VOIDED:
                continue
            for line in invoice.lines:
                src = line.source
                assert src is not None and src.period is not None
                assert src.contract_id is not None and src.sub_contract_id is not None
                rows.append(
                    (
                        _sign(invoice.kind),
                        src.contract_id,
                        src.sub_contract_id,
                        src.period,
                        line.net.amount,
                    )
                )
        for cid in self.contracts:
            for billed in self.app.contract(cid).billed.values():
                for step in billed.corrections:
                    for taken in step.superseded:
                        assert self.app.invoice(taken.invoice_id).status is not InvoiceStatus.VOIDED
                        rows.append((-1, cid, taken.sub_id, taken.period, Decimal(0)))
        return rows

    def _charge(self, c: Contract, sub: SubContract, period: Period) -> Decimal:
        """What a period charges for a sub-contract on contract ``c`` (see the module's rules):
        its covered days at their prices, rounded once; moved here in this period from a
        contract billing the same period by the same frequency and day count, the whole
        period's days on every contract it was on (each by its own term) rounded once, less the
        same for the contracts before it."""
        chain = [(sub, c.term)]
        moved = sub.moved_from
        while (
            moved is not None
            and moved.period == period
            and moved.frequency is c.frequency
            and moved.day_count is c.day_count
        ):
            chain.insert(0, (moved.sub, moved.term))
            moved = moved.sub.moved_from
        if len(chain) > 1:
            self.carried += 1

        def whole(holders: list[tuple[SubContract, Period]]) -> Decimal:
            exact = sum(
                (exact_charge(s, period, t, c.frequency, c.day_count) for s, t in holders),
                Fraction(0),
            )
            return oracle.rounded(exact, self.currency)

        if len(chain) == 1:
            return whole(chain)
        remainder = whole(chain) - whole(chain[:-1])
        if remainder != whole(chain[-1:]):
            self.carried_cents += 1  # (the remainder is not the own days rounded: it shows)
        return remainder

    def _check_days_and_amounts(self, as_of: date) -> None:
        lines = self._lines()
        per_contract: Counter[tuple[UUID, str, date]] = Counter()
        per_sub: Counter[tuple[str, date]] = Counter()
        conventions = {cid: self.app.contract(cid).day_count for cid in self.contracts}
        for sign, cid, sub_id, days, _ in lines:
            for day in days.each_day():
                if not oracle.weight(day, conventions[cid]):
                    # a day 30E/360 gives no weight carries no charge, and the documents may
                    # name it or not: a credit note may name one its invoice did not (the
                    # invoice of a period a term ended in, cut at the old end, and a renewal
                    # adding only such a day), so it is not counted
                    continue
                per_contract[(cid, sub_id, day)] += sign
                per_sub[(sub_id, day)] += sign
        # never twice, never credited below nothing: on one contract or across both
        assert set(per_contract.values()) <= {0, 1}, per_contract.most_common(3)
        assert set(per_sub.values()) <= {0, 1}, per_sub.most_common(3)
        assert all(cid != self.dormant for _, cid, *_ in lines)
        for cid in self.contracts:
            c = self.app.contract(cid)
            billed = [b.period for b in c.billed.values()]
            due = oracle.due(c.term, c.frequency, c.alignment, c.timing, as_of)
            for day_key, count in per_contract.items():
                if day_key[0] == cid and count:
                    assert any(day_key[2] in p for p in billed), day_key
            for p in {*billed, *due}:
                if c.timing is BillingTiming.IN_ARREARS and oracle.covered_end(p, c.term) > as_of:
                    # in arrears, a period is billed once over; one billed before (the term
                    # ended in it, and was renewed since), or by a later run than this
                    # backdated one, waits: its added days come once it is over
                    continue
                for s in c.sub_contracts.values():
                    for day, expected in expected_days(s, p, c.term, c.day_count, c.currency):
                        assert per_contract[(cid, s.sub_id, day)] == expected, (
                            cid,
                            s.sub_id,
                            day,
                        )
                charged = sum((self._charge(c, s, p) for s in c.sub_contracts.values()), Decimal(0))
                documents = sum(
                    (
                        sign * net
                        for sign, line_cid, _, days, net in lines
                        if line_cid == cid and p.start <= days.start and days.end <= p.end
                    ),
                    Decimal(0),
                )
                assert documents == charged, (cid, p, documents, charged)

    @invariant()
    def the_store_reads_back(self) -> None:
        """Every contract still loads (no event a later command cannot replay)."""
        for cid in self.contracts:
            assert self.app.contract(cid).id == cid


TestContractBillingMachine = ContractBillingMachine.TestCase


def test_a_free_sub_contract_priced_afterwards_keeps_every_day_named_once() -> None:
    """The machine's own steps through a case its random walks seldom reach: a free
    sub-contract on a billed period invoice (a 0.00 line beside a charged one), priced
    afterwards from its first day, billed again by a run, the re-billing voided and billed
    again. The run drafts no 0.00 credit note; the invariants still hold, counting the 0.00
    line's days as taken back by what the contract records (``SupersededDays``)."""
    machine = ContractBillingMachine()
    try:
        monthly = (
            BillingFrequency.MONTHLY,
            BillingTiming.IN_ADVANCE,
            PeriodAlignment.CALENDAR,
            DayCount.ACTUAL,
            False,
            START,
            365,
        )
        machine.sign_two_contracts(first=monthly, second=monthly, price=1200, same=True)
        machine.add_a_sub_contract(pick=0, offset=0, price=0)
        machine.run_billing(days=0)
        machine.reprice_a_sub_contract(pick=0, which=1, offset=0, price=600)
        machine.run_billing(days=10)
        rebilling = machine.documents[-1]
        assert [d.kind for d in machine.app.invoices(machine.customer)].count(
            InvoiceKind.CREDIT_NOTE
        ) == 0
        machine.void_a_document(which=machine.documents.index(rebilling))
        assert machine.app.invoice(rebilling).status is InvoiceStatus.VOIDED
        machine.run_billing(days=1)
        assert machine.app.invoice(machine.documents[-1]).net == eur(50)
        machine.the_store_reads_back()
    finally:
        machine.teardown()


MONTHLY_FROM_START = (
    BillingFrequency.MONTHLY,
    BillingTiming.IN_ADVANCE,
    PeriodAlignment.ANNIVERSARY,
    DayCount.ACTUAL,
    False,
    START,
    365,
)


def test_a_sub_contract_moved_mid_month_carries_the_month_to_the_cent() -> None:
    """The machine's own steps through a case its walks reach now and then: two contracts on
    one grid, a sub-contract at 1,000.00 a year moved from the first to the second on
    8 January, January billed in advance on both. Rounded on its own, each contract's share
    (7 and 24 days of 31: 18.82 + 64.52) would bill 83.34 for the month; the second bills the
    month's 83.33 less the first's 18.82, as the checks after each run demand."""
    machine = ContractBillingMachine()
    try:
        machine.sign_two_contracts(
            first=MONTHLY_FROM_START, second=MONTHLY_FROM_START, price=1000, same=True
        )
        machine.run_billing(days=10)
        machine.move_a_sub_contract_in_term(pick=0, which=0, back=3)
        moved = machine.app.contract(machine.contracts[1]).sub_contracts["S1"]
        assert moved.effective_from == date(2024, 1, 8)
        assert machine.carried_cents  # the remainder is not the own days rounded
        machine.the_store_reads_back()
    finally:
        machine.teardown()


def test_days_a_renewal_adds_to_a_period_billed_in_arrears_are_billed_once_it_is_over() -> None:
    """The machine's own steps: a term in arrears ending on 31 December, in the middle of
    December's period (to 1 January), billed out on its last day (December's days to the
    30th), renewed afterwards, and billed again when December is over: the renewal's added
    day, 31 December, is billed then (the checks after each run), not left waiting."""
    arrears = (MONTHLY_FROM_START[0], BillingTiming.IN_ARREARS, *MONTHLY_FROM_START[2:])
    machine = ContractBillingMachine()
    try:
        machine.sign_two_contracts(first=arrears, second=arrears, price=1200, same=True)
        contract = machine.app.contract(machine.contracts[0])
        assert contract.term.end == date(2024, 12, 31)
        machine.renew_after_the_last_period_was_billed(pick=0, after=0, then=0)
        assert machine.today == date(2025, 1, 1)
        december_31 = [
            line
            for invoice in machine.app.invoices(machine.customer)
            for line in invoice.lines
            if line.source is not None
            and line.source.contract_id == contract.id
            and line.source.period is not None
            and date(2024, 12, 31) in line.source.period
        ]
        assert len(december_31) == 1
        machine.the_store_reads_back()
    finally:
        machine.teardown()


def test_a_day_a_renewal_billed_for_nothing_is_not_credited_by_a_later_removal() -> None:
    """The machine's own steps through the case its walks found in CI: two contracts on one
    grid at 1.00 a year, monthly in advance from 24 January; the second billed out on the last
    day of its term, renewed, and billed again: the renewal's added day, 23 January 2025,
    moves no money (the period still charges 0.08), so no document names it. The sub-contract
    removed three days back then credits the days its invoice names, not that day: no day is
    taken back more often than it was billed (the checks after each run)."""
    machine = ContractBillingMachine()
    try:
        start = date(2024, 1, 24)
        monthly = (*MONTHLY_FROM_START[:5], start, 365)
        machine.sign_two_contracts(first=monthly, second=monthly, price=1, same=True)
        machine.renew_after_the_last_period_was_billed(pick=1, after=0, then=-1)
        assert machine.today == date(2025, 1, 23)
        machine.remove_then_extend_a_sub_contract(
            pick=1, which=0, back=3, later=0, open_ended=False
        )
        notes = [
            invoice
            for invoice in machine.app.invoices(machine.customer)
            if invoice.kind is InvoiceKind.CREDIT_NOTE
        ]
        [line] = [line for note in notes for line in note.lines]
        assert line.source is not None and line.source.period is not None
        assert line.source.period.end == date(2025, 1, 23)
        machine.the_store_reads_back()
    finally:
        machine.teardown()
