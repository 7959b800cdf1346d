"""A clerk's tool that retries after a lost response, walked at random: hypothesis drives
QuoteToCash on a SQLite file (closed and opened again now and then, as a restarted tool is)
with commands under a caller's key (``receive_payment``, ``grant_allowance``,
``top_up_allowance``, ``draft_invoice``, ``draft_deposit_invoice``), the same commands sent
again, other commands under a key already used, and the corrections that know their own retry
(``bounce_payment``, ``reverse_allocation``, ``write_off_remainder``, and on a bank statement's
suspended credits ``resolve_bank_credit`` and ``return_bank_credit``), between ordinary
allocations, issues and credit notes.

Invariants, after every step:

- a retry (the same command given again, its key spelled otherwise or not) records nothing
  (the notification log is as long as before) and returns what the first call returned;
- another command under a key used already is ``DuplicateEntry`` naming ``key``, recording
  nothing;
- a refused command records nothing;
- the customer's money and prepaid figures are those of a model that applied each keyed
  command once: the payments and invoices it made (no more), what was received, the customer's
  credit (received, less what is allocated, of payments not bounced), what each allowance was
  granted with its top-ups.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from q2c_core import (
    AllowanceUnit,
    CreditDisposition,
    DuplicateEntry,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    Q2CError,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
)
from q2c_core.domain.bank_credit import StatementCredit
from q2c_core.domain.import_batch import ImportKind, ImportSource
from q2c_core.domain.import_rows import BankCreditRow

EUR = "EUR"
START = date(2024, 1, 1)
YEAR = Period(START, date(2025, 1, 1))
# drafts and receipts in the first half year; then, each on its own day, the issues, the
# allocations, the reversals, the bounces, the write-offs and the credit notes (never one
# before what it undoes or what it must come after)
ISSUED_ON = date(2024, 7, 1)
ALLOCATED_ON = date(2024, 8, 1)
REVERSED_ON = date(2024, 9, 1)
BOUNCED_ON = date(2024, 10, 1)
WRITTEN_OFF_ON = date(2024, 11, 1)
CREDITED_ON = date(2024, 12, 1)
RESOLVED_ON = date(2024, 4, 10)

days = st.integers(min_value=0, max_value=180)
keys = st.sampled_from(["K-1", "K-2", "K-3"])
amounts = st.sampled_from(["10", "99.99", "121", "250.37", "500"])
hours = st.sampled_from(["1", "2.5", "10"])
reasons = st.sampled_from(["returned", "disputed"])
# a key as a person types it again: spaced, in other capitals, in full width
respelled = st.sampled_from([lambda k: k, str.lower, lambda k: f"  {k} ", lambda k: "Ｋ" + k[1:]])


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


def line(amount: str) -> InvoiceLine:
    return InvoiceLine(
        line_id="L1",
        description="Consulting",
        quantity=Decimal(1),
        unit_price=eur(amount),
        tax=TaxRate.standard(21),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
        revenue_kind=RevenueKind.OTHER,
    )


@dataclass
class Keyed:
    """A keyed command as it was first given: its scope's namespace (``receipt``, ``grant``,
    ``top-up``, ``draft``: a deposit and an invoice share the customer's draft keys), its
    arguments, and what it returned."""

    namespace: str
    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    returned: Any


@dataclass
class Model:
    """What the walk made, each keyed command once."""

    payments: dict[UUID, Money] = field(default_factory=dict)
    bounced: set[UUID] = field(default_factory=set)
    # allocation id -> (payment, invoice, amount)
    allocations: dict[str, tuple[UUID, UUID, Money]] = field(default_factory=dict)
    reversed: dict[str, str] = field(default_factory=dict)  # allocation id -> reason
    invoices: list[UUID] = field(default_factory=list)
    issued: set[UUID] = field(default_factory=set)
    credited: set[UUID] = field(default_factory=set)
    written_off: dict[UUID, Money] = field(default_factory=dict)
    granted: dict[UUID, Decimal] = field(default_factory=dict)
    keyed: dict[tuple[str, str], Keyed] = field(default_factory=dict)
    bounce_reasons: dict[UUID, str] = field(default_factory=dict)


class RetryKeysMachine(RuleBasedStateMachine):
    """One customer with an issued invoice and a payment, an hours allowance to top up, two
    suspended bank credits, and a tool that retries."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="q2c-retry-"))
        self.url = f"sqlite:///{self.directory / 'q2c.db'}"
        self.app = QuoteToCash.open(self.url)
        self.model = Model()
        self.suspended: list[UUID] = []
        self.resolved: dict[UUID, UUID] = {}  # credit -> payment
        self.returned: dict[UUID, str] = {}  # credit -> reason

    def teardown(self) -> None:
        self.app.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    @initialize()
    def customer_allowance_and_suspense(self) -> None:
        self.customer = self.app.register_customer(
            "Acme", EUR, account_manager="mia", actor="al", tax_rate=TaxRate.standard(21)
        )
        self.allowance = self.app.grant_allowance(
            self.customer,
            unit=AllowanceUnit.HOURS,
            quantity=5,
            period=YEAR,
            granted_on=START,
            actor="al",
        )
        self.model.granted[self.allowance] = Decimal(5)
        # an issued invoice and money without a key, so the corrections have work from the start
        invoice = self.app.draft_invoice(self.customer, [line("100")], drafted_on=START, actor="al")
        self.model.invoices.append(invoice)
        self.issue_one(invoice)
        payment = self.app.receive_payment(
            self.customer, eur("80"), received_on=START, reference="TR-1", actor="bea"
        )
        self.model.payments[payment] = eur("80")
        rows = [
            BankCreditRow(
                line=n,
                credit_key=f"bank:TX-{n}",
                credit=StatementCredit(
                    booked_on=date(2024, 4, 2),
                    amount=eur(amount),
                    bank_reference=f"TX-{n}",
                    debtor_name="Unknown Payer",
                ),
            )
            for n, amount in ((1, "70"), (2, "30"))
        ]
        source = ImportSource(
            hashlib.sha256(b"apr").hexdigest(), "apr.csv", ImportKind.BANK_STATEMENT
        )
        self.app.import_bank_credits(source, rows, imported_on=date(2024, 4, 3), actor="bank")
        self.suspended = [c.id for c in self.app.bank_suspense()]
        assert len(self.suspended) == 2

    # -- helpers --------------------------------------------------------------------------------

    def pick(self, data: st.DataObject, items: Any) -> Any:
        """One of ``items`` (in the order they were made: ids are new each run, so an example
        replays by position), or None when there is none."""
        chosen = list(items)
        return data.draw(st.sampled_from(chosen)) if chosen else None

    def invoices_in(self, chosen: set[UUID]) -> list[UUID]:
        """The invoices of a set, in the order they were made."""
        return [i for i in self.model.invoices if i in chosen]

    def log(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def attempt(self, command: Callable[[], Any]) -> tuple[bool, Any]:
        """Run a command; a refusal must be a q2c error that records nothing."""
        before = self.log()
        try:
            return True, command()
        except Q2CError as refused:
            assert self.log() == before
            event(f"refused: {type(refused).__name__} {refused.field}")
            return False, None

    def records_nothing(self, what: str, command: Callable[[], Any]) -> Any:
        """Run a command that must record nothing (a retry) and return what it returned."""
        before = self.log()
        returned = command()
        assert self.log() == before
        event(f"a retry recorded nothing: {what}")
        return returned

    def keyed(
        self, namespace: str, scope: UUID, key: str, method: str, *args: Any, **kwargs: Any
    ) -> None:
        """A keyed command: the first under its key is made (or refused, recording nothing);
        under a key used already it is the retry or the other command the key refuses."""
        known = self.model.keyed.get((namespace, f"{scope.hex}:{key}"))
        call = getattr(self.app, method)
        if known is None:
            done, returned = self.attempt(lambda: call(*args, key=key, **kwargs))
            if done:
                self.model.keyed[(namespace, f"{scope.hex}:{key}")] = Keyed(
                    namespace, method, args, {**kwargs, "key": key}, returned
                )
                self.made(method, returned, args, kwargs)
            return
        given = {**kwargs, "key": key}
        if known.method == method and known.args == args and known.kwargs == given:
            assert self.records_nothing(method, lambda: call(*args, **given)) == known.returned
        else:
            self.refused_under_key(lambda: call(*args, **given), key)

    def refused_under_key(self, command: Callable[[], Any], key: str) -> None:
        before = self.log()
        try:
            command()
        except DuplicateEntry as refused:
            assert refused.field == "key"
            assert refused.value == key
        else:
            raise AssertionError("another command under a used key was not refused")
        assert self.log() == before
        event("another command under a used key refused")

    def made(self, method: str, returned: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
        """The model applies a keyed command made for the first time."""
        if method == "receive_payment":
            self.model.payments[returned] = args[1]
        elif method == "grant_allowance":
            self.model.granted[returned] = Decimal(kw["quantity"])
        elif method == "top_up_allowance":
            self.model.granted[args[0]] += Decimal(args[1])
        else:  # a draft
            self.model.invoices.append(returned)

    # -- keyed commands -------------------------------------------------------------------------

    @rule(key=keys, amount=amounts, day=days, reference=st.sampled_from(["TR-88", "TR-89"]))
    def receive(self, key: str, amount: str, day: int, reference: str) -> None:
        self.keyed(
            "receipt",
            self.customer,
            key,
            "receive_payment",
            self.customer,
            eur(amount),
            received_on=START + timedelta(days=day),
            reference=reference,
            actor="bea",
        )

    @rule(key=keys, quantity=hours, day=st.integers(min_value=0, max_value=3))
    def grant(self, key: str, quantity: str, day: int) -> None:
        self.keyed(
            "grant",
            self.customer,
            key,
            "grant_allowance",
            self.customer,
            unit=AllowanceUnit.HOURS,
            quantity=quantity,
            period=YEAR,
            granted_on=START + timedelta(days=day),
            actor="al",
        )

    @rule(key=keys, quantity=hours, day=days, reason=st.sampled_from(["bought", "goodwill"]))
    def top_up(self, key: str, quantity: str, day: int, reason: str) -> None:
        self.keyed(
            "top-up",
            self.allowance,
            key,
            "top_up_allowance",
            self.allowance,
            quantity,
            topped_up_on=START + timedelta(days=day),
            reason=reason,
            actor="al",
        )

    @rule(key=keys, amount=amounts, day=days, note=st.sampled_from(["", "phase 1"]))
    def draft(self, key: str, amount: str, day: int, note: str) -> None:
        self.keyed(
            "draft",
            self.customer,
            key,
            "draft_invoice",
            self.customer,
            [line(amount)],
            drafted_on=START + timedelta(days=day),
            actor="al",
            note=note,
        )

    @rule(key=keys, amount=amounts, day=days)
    def draft_deposit(self, key: str, amount: str, day: int) -> None:
        self.keyed(
            "draft",
            self.customer,
            key,
            "draft_deposit_invoice",
            self.customer,
            eur(amount),
            description="Down payment",
            drafted_on=START + timedelta(days=day),
            actor="al",
        )

    @rule(data=st.data(), spell=respelled)
    def retry(self, data: st.DataObject, spell: Callable[[str], str]) -> None:
        """The exact command given again, its key typed otherwise: nothing recorded, the same
        answer."""
        known = self.pick(data, self.model.keyed.values())
        if known is None:
            return
        given = {**known.kwargs, "key": spell(known.kwargs["key"])}
        call = getattr(self.app, known.method)
        assert (
            self.records_nothing(known.method, lambda: call(*known.args, **given)) == known.returned
        )

    @rule(data=st.data())
    def other_under_a_used_key(self, data: st.DataObject) -> None:
        """The same key, one detail otherwise: refused naming ``key``, nothing recorded."""
        known = self.pick(data, self.model.keyed.values())
        if known is None:
            return
        kwargs = dict(known.kwargs)
        args = list(known.args)
        for name in ("received_on", "granted_on", "topped_up_on", "drafted_on"):
            if name in kwargs:
                kwargs[name] = kwargs[name] + timedelta(days=1)
        call = getattr(self.app, known.method)
        self.refused_under_key(lambda: call(*args, **kwargs), kwargs["key"])

    @rule()
    def reopen(self) -> None:
        """The tool restarts: the application opened again on its file."""
        self.app.close()
        self.app = QuoteToCash.open(self.url)

    # -- ordinary commands ----------------------------------------------------------------------

    @rule(data=st.data())
    def issue(self, data: st.DataObject) -> None:
        invoice = self.pick(data, [i for i in self.model.invoices if i not in self.model.issued])
        if invoice is not None:
            self.issue_one(invoice)

    def issue_one(self, invoice: UUID) -> None:
        """Approved by both roles and issued (a refusal records nothing)."""
        for role, who in (("billing", "bea"), ("account_manager", "mia")):
            self.app.approve_invoice(invoice, role=role, approved_on=ISSUED_ON, actor=who)
        done, _ = self.attempt(
            lambda: self.app.issue_invoice(invoice, issued_on=ISSUED_ON, actor="bea")
        )
        if done:
            self.model.issued.add(invoice)
            event("issued")

    @rule(data=st.data(), part=st.sampled_from(["1", "0.5", "0.99"]))
    def allocate(self, data: st.DataObject, part: str) -> None:
        with_money = [
            p for p in self.model.payments if self.app.payment(p).unallocated.is_positive()
        ]
        payment = self.pick(data, with_money)
        invoice = self.pick(data, self.invoices_in(self.model.issued - self.model.credited))
        if payment is None or invoice is None:
            return
        available = self.app.payment(payment).unallocated.amount
        outstanding = self.app.invoice(invoice).outstanding.amount
        amount = min(available, outstanding * Decimal(part)).quantize(Decimal("0.01"))
        done, ids = self.attempt(
            lambda: self.app.allocate_payment(
                payment, [(invoice, eur(str(amount)))], allocated_on=ALLOCATED_ON, actor="bea"
            )
        )
        if done:
            (allocation,) = ids
            self.model.allocations[allocation] = (payment, invoice, eur(str(amount)))
            event("allocated")

    @rule(data=st.data())
    def credit(self, data: st.DataObject) -> None:
        """A credit note of an issued invoice no money ever met (so none is given back)."""
        unpaid = [
            i
            for i in self.invoices_in(self.model.issued - self.model.credited)
            if not any(inv == i for _, inv, _ in self.model.allocations.values())
            and i not in self.model.written_off
        ]
        invoice = self.pick(data, unpaid)
        if invoice is None:
            return
        done, note = self.attempt(
            lambda: self.app.draft_credit_note(
                invoice,
                line_ids=["L1"],
                disposition=CreditDisposition.WRITTEN_OFF,
                reason="dispute",
                drafted_on=CREDITED_ON,
                actor="al",
            )
        )
        if not done:
            return
        self.model.invoices.append(note)
        for role, who in (("billing", "bea"), ("account_manager", "mia")):
            self.app.approve_invoice(note, role=role, approved_on=CREDITED_ON, actor=who)
        self.app.issue_invoice(note, issued_on=CREDITED_ON, actor="bea")
        self.model.issued.add(note)
        self.model.credited.update({invoice, note})
        event("credited")

    # -- corrections that know their own retry ---------------------------------------------------

    def live(self) -> dict[str, tuple[UUID, UUID, Money]]:
        return {
            a: held
            for a, held in self.model.allocations.items()
            if a not in self.model.reversed and held[0] not in self.model.bounced
        }

    @rule(data=st.data(), reason=reasons)
    def reverse(self, data: st.DataObject, reason: str) -> None:
        allocation = self.pick(data, self.model.allocations)
        if allocation is None:
            return
        payment = self.model.allocations[allocation][0]

        def command() -> bool:
            return self.app.reverse_allocation(
                payment, allocation, reason=reason, actor="bea", reversed_on=REVERSED_ON
            )

        if self.model.reversed.get(allocation) == reason:
            assert self.records_nothing("reverse_allocation", command) is False
            return
        done, recorded = self.attempt(command)
        if done:
            assert recorded is True
            self.model.reversed[allocation] = reason

    @rule(data=st.data(), reason=reasons)
    def bounce(self, data: st.DataObject, reason: str) -> None:
        payment = self.pick(data, self.model.payments)
        if payment is None:
            return

        def command() -> bool:
            return self.app.bounce_payment(
                payment, bounced_on=BOUNCED_ON, reason=reason, actor="bea"
            )

        if self.model.bounce_reasons.get(payment) == reason:
            assert self.records_nothing("bounce_payment", command) is False
            return
        done, recorded = self.attempt(command)
        if done:
            assert recorded is True and payment not in self.model.bounced
            self.model.bounced.add(payment)
            self.model.bounce_reasons[payment] = reason

    @rule(data=st.data())
    def write_off(self, data: st.DataObject) -> None:
        """What an issued invoice still owes written off, within a wide tolerance."""
        invoice = self.pick(data, self.invoices_in(self.model.issued))
        if invoice is None:
            return

        def command() -> Money:
            return self.app.write_off_remainder(
                invoice,
                written_off_on=WRITTEN_OFF_ON,
                reason="bank fee",
                actor="bea",
                at_most=eur("1000"),
            )

        # a retry is the write-off given again while the invoice owes nothing since; money
        # taken back off after it (reversed, bounced) reopens the invoice, and the same call
        # then writes off what it owes again (``write_off_remainder``: the write-off stands)
        reopened = self.app.invoice(invoice).outstanding.is_positive()
        if invoice in self.model.written_off and not reopened:
            again = self.records_nothing("write_off_remainder", command)
            assert again == self.model.written_off[invoice]
            return
        done, amount = self.attempt(command)
        if done:
            self.model.written_off[invoice] = amount
            event("written off")

    @rule(which=st.integers(min_value=0, max_value=1))
    def resolve(self, which: int) -> None:
        """A suspended credit assigned to Acme, kept as its credit; given again, the same
        payment and nothing recorded."""
        credit = self.suspended[which]

        def command() -> UUID:
            return self.app.resolve_bank_credit(
                credit,
                resolved_on=RESOLVED_ON,
                actor="bea",
                customer_id=self.customer,
                allocations=[],
            )

        if credit in self.resolved:
            assert self.records_nothing("resolve_bank_credit", command) == self.resolved[credit]
            return
        done, payment = self.attempt(command)
        if done:
            assert credit not in self.returned
            self.resolved[credit] = payment
            self.model.payments[payment] = self.app.bank_credit(credit).credit.amount

    @rule(which=st.integers(min_value=0, max_value=1), reason=reasons)
    def send_back(self, which: int, reason: str) -> None:
        credit = self.suspended[which]

        def command() -> bool:
            return self.app.return_bank_credit(
                credit, returned_on=RESOLVED_ON, reason=reason, actor="bea"
            )

        if self.returned.get(credit) == reason:
            assert self.records_nothing("return_bank_credit", command) is False
            return
        done, recorded = self.attempt(command)
        if done:
            assert recorded is True and credit not in self.resolved
            self.returned[credit] = reason

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def figures_are_the_models(self) -> None:
        """Payments, invoices, money received and credit, and allowances, as the model has them:
        each keyed command made once."""
        if not hasattr(self, "customer"):
            return
        payments = self.app.payments(self.customer)
        assert sorted(p.id for p in payments) == sorted(self.model.payments)
        assert [i.id for i in self.app.invoices(self.customer)] == self.model.invoices
        received = sum((m.amount for m in self.model.payments.values()), Decimal(0))
        assert sum((p.amount.amount for p in payments), Decimal(0)) == received
        live = sum((m.amount for _, _, m in self.live().values()), Decimal(0))
        kept = sum(
            (m.amount for p, m in self.model.payments.items() if p not in self.model.bounced),
            Decimal(0),
        )
        assert self.app.customer_credit(self.customer) == eur(str(kept - live))
        allowances = self.app.customer(self.customer).allowance_ids
        assert sorted(allowances) == sorted(self.model.granted)
        for allowance, granted in self.model.granted.items():
            assert self.app.allowance(allowance).granted == granted


TestRetryKeys = RetryKeysMachine.TestCase
TestRetryKeys.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
