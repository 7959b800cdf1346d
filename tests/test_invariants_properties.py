"""Property tests for the invariants of DESIGN.md, each stated in words in its docstring.

(Money and split_by_weights, tax per category and oldest-first allocation have their own
properties in test_money.py, test_tax.py and test_allocation.py; the stateful test drives them all
together through the application.)
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core import (
    AllowanceUnit,
    AlreadyBilled,
    ApprovalPolicy,
    CreditDisposition,
    InvalidTransition,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    LineSource,
    Money,
    OverAllocation,
    Payment,
    Period,
    QuoteToCash,
    SourceKind,
    TaxCategory,
    TaxRate,
    TimeEntry,
)
from q2c_core.domain.money import total
from q2c_core.domain.prepaid_allowance import Charge, draw_in_work_date_order

FAST = settings(max_examples=60, deadline=None)
SLOW = settings(max_examples=25, deadline=None)
D = date(2024, 3, 1)
YEAR = Period(D, date(2025, 3, 1))
EUR = "EUR"

quantities = st.decimals(min_value=Decimal("0.25"), max_value=Decimal("12"), places=2)
charges = st.lists(
    st.tuples(st.integers(min_value=0, max_value=60), quantities, st.booleans()),
    max_size=12,
)
rates = st.sampled_from(
    [
        TaxRate.standard(21),
        TaxRate.standard(25),
        TaxRate.standard(9),
        TaxRate.none(TaxCategory.EXEMPT),
    ]
)
# billing in euros, yen (no minor digits) and dinars (three)
currencies = st.sampled_from(["EUR", "JPY", "KWD"])
MINOR = {"EUR": 2, "JPY": 0, "KWD": 3}
PRICE_SCALE = {"EUR": 1, "JPY": 100, "KWD": 1}  # a yen is worth about a cent


def in_currency(
    specs: list[tuple[Decimal, Decimal, TaxRate]], currency: str
) -> list[tuple[Decimal, Decimal, TaxRate]]:
    """Line specs with unit prices scaled to what a currency's lines would charge."""
    return [(p * PRICE_SCALE[currency], q, r) for p, q, r in specs]


line_specs = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=3),
        st.decimals(min_value=Decimal("0.5"), max_value=Decimal("20"), places=2),
        rates,
    ),
    min_size=1,
    max_size=8,
)


def make_charges(specs: list[tuple[int, Decimal, bool]]) -> tuple[list[Charge], dict[str, Decimal]]:
    """Charges of two requests whose entry ids repeat across them (e00 of each, e01...)."""
    requests = (uuid4(), uuid4())
    result = [
        Charge(f"e{n // 2:02d}", requests[n % 2], D + timedelta(days=day), q, Money.of(100, EUR))
        for n, (day, q, _) in enumerate(specs)
    ]
    return result, {}


@FAST
@given(st.decimals(min_value=0, max_value=40, places=2), charges, st.randoms())
def test_allowance_consumed_never_exceeds_granted_and_adds_up(
    granted: Decimal, specs: list[tuple[int, Decimal, bool]], rnd: object
) -> None:
    """Allowance consumed <= granted; for every charge covered + overage = quantity (so consumed
    + overage = everything charged); the draw does not depend on the order entries arrived in;
    and work is covered by work date: if any later-dated work is covered, all earlier work is
    fully covered."""
    items, _ = make_charges(specs)
    draws = draw_in_work_date_order(granted, items, {})
    consumed = sum((d.covered for d in draws.values()), Decimal(0))
    overage = sum((d.overage for d in draws.values()), Decimal(0))
    assert consumed <= granted
    assert consumed + overage == sum((c.quantity for c in items), Decimal(0))
    assert len(draws) == len(items)  # one draw per charge, entry ids shared by two requests
    for c in items:
        d = draws[c.key]
        assert d.covered >= 0 and d.overage >= 0 and d.covered + d.overage == c.quantity
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert draw_in_work_date_order(granted, shuffled, {}) == draws
    order = sorted(items, key=lambda c: (c.work_date, c.entry_id, c.request_id.int))
    for i, later in enumerate(order):
        if draws[later.key].covered > 0:
            for earlier in order[:i]:
                assert draws[earlier.key].overage == 0


@FAST
@given(st.decimals(min_value=0, max_value=40, places=2), charges)
def test_billed_overage_is_never_pulled_back_into_cover(
    granted: Decimal, specs: list[tuple[int, Decimal, bool]]
) -> None:
    """Overage already invoiced stays overage whatever comes later (a top-up, back-dated work),
    and the allowance still never covers more than granted."""
    items, _ = make_charges(specs)
    first = draw_in_work_date_order(granted, items, {})
    billed = {
        c.key: first[c.key].overage
        for c, (_, _, bill) in zip(items, specs, strict=True)
        if bill and first[c.key].overage > 0
    }
    topped_up = draw_in_work_date_order(granted + 10, items, billed)
    for key, quantity in billed.items():
        assert topped_up[key].overage >= quantity
    assert sum((d.covered for d in topped_up.values()), Decimal(0)) <= granted + 10


def invoice_of(specs: list[tuple[Decimal, Decimal, TaxRate]], currency: str = EUR) -> Invoice:
    lines = [
        InvoiceLine(
            f"L{n}", "item", q, Money(p, currency), r, LineSource(SourceKind.MANUAL, note="x")
        )
        for n, (p, q, r) in enumerate(specs, start=1)
    ]
    return Invoice(
        customer_id=uuid4(),
        kind=InvoiceKind.STANDARD,
        currency=currency,
        lines=lines,
        drafted_on=D,
        actor="billy",
        approval_policy=ApprovalPolicy(),
    )


def half_up(value: Decimal, currency: str) -> Decimal:
    """The test's own rounding: half up (away from zero) to the currency's minor unit."""
    return value.quantize(Decimal(1).scaleb(-MINOR[currency]), rounding=ROUND_HALF_UP)


def expected_totals(
    specs: list[tuple[Decimal, Decimal, TaxRate]], currency: str
) -> tuple[Decimal, dict[TaxRate, Decimal], Decimal]:
    """Net, tax per category and total of lines, worked out in the test: each line's net
    rounded, each category's tax the rounded product of the sum of its lines' nets and its
    rate (rounded once per category, never per line)."""
    nets: dict[TaxRate, Decimal] = {}
    for price, quantity, rate in specs:
        nets[rate] = nets.get(rate, Decimal(0)) + half_up(price * quantity, currency)
    taxes = {rate: half_up(base * rate.rate / 100, currency) for rate, base in nets.items()}
    net = sum(nets.values(), Decimal(0))
    return net, taxes, net + sum(taxes.values(), Decimal(0))


@FAST
@given(line_specs, currencies)
def test_invoice_total_is_the_sum_of_its_lines_after_rounding(
    specs: list[tuple[Decimal, Decimal, TaxRate]], currency: str
) -> None:
    """An invoice's net is the sum of its lines' nets, each rounded to the currency's minor
    unit; its tax, per category, is the category's summed net x its rate, rounded once (not
    line by line); its total is net + those taxes. Worked out by the test itself, in euros,
    yen (no minor digits) and dinars (three)."""
    specs = in_currency(specs, currency)
    inv = invoice_of(specs, currency)
    net, taxes, total_ = expected_totals(specs, currency)
    assert inv.net.amount == net
    assert {s.tax_rate: s.tax.amount for s in inv.tax_subtotals} == taxes
    assert inv.tax.amount == sum(taxes.values(), Decimal(0))
    assert inv.total.amount == total_
    assert inv.total.is_rounded() and inv.net.is_rounded() and inv.tax.is_rounded()


def unit(currency: str) -> Decimal:
    """One minor unit of a currency (0.01 EUR, 1 JPY, 0.001 KWD)."""
    return Decimal(1).scaleb(-MINOR[currency])


# what an attempt takes: exactly what is left (outstanding, unallocated), a minor unit less or
# more, or an amount of its own (in whole minor units, scaled to the currency)
SHIFTS = {"all": 0, "less": -1, "more": 1}
attempt_sizes = st.one_of(
    st.sampled_from(list(SHIFTS)),
    st.integers(min_value=1, max_value=500_000),
)


def attempted(size: str | int, left: Decimal, currency: str) -> Decimal:
    """The amount an attempt takes, given what is left."""
    if isinstance(size, str):
        return left + SHIFTS[size] * unit(currency)
    return size * unit(currency)


@FAST
@given(
    line_specs,
    currencies,
    st.lists(st.tuples(st.integers(min_value=1, max_value=3), attempt_sizes), max_size=8),
)
def test_payments_applied_never_exceed_total_minus_credits(
    specs: list[tuple[Decimal, Decimal, TaxRate]],
    currency: str,
    attempts: list[tuple[int, str | int]],
) -> None:
    """Whatever payments and credits are tried on an issued invoice, what is applied never
    exceeds total - credits: an attempt of more than zero is taken exactly when it is no more
    than what is outstanding (total less what was taken before, kept by the test), so exactly
    what is outstanding is taken and one minor unit more is refused, recording nothing."""
    specs = in_currency(specs, currency)
    inv = invoice_of(specs, currency)
    inv.approve("billing", D, {}, "bea")
    inv.approve("account_manager", D, {}, "mia")
    inv.issue("INV", "INV-000001", D, "bea")
    outstanding = expected_totals(specs, currency)[2]
    for n, (kind, size) in enumerate(attempts):
        amount = attempted(size, outstanding, currency)
        if amount <= 0:
            continue
        money = Money(amount, currency)
        version = inv.version
        try:
            if kind == 3:
                inv.apply_credit(uuid4(), money, [], D, "billy")
            else:
                inv.apply_payment(f"a{n}", uuid4(), money, D, "bob")
        except OverAllocation:
            assert amount > outstanding, (amount, outstanding)
            assert inv.version == version
        else:
            assert amount <= outstanding, (amount, outstanding)
            outstanding -= amount
        assert inv.outstanding.amount == outstanding
        assert inv.paid + inv.credited <= inv.total
        assert inv.outstanding == inv.total - inv.credited - inv.paid


@FAST
@given(
    currencies,
    st.integers(min_value=1, max_value=500_000),
    st.lists(
        st.tuples(
            st.sampled_from(["allocate", "allocate", "reverse", "bounce"]),
            attempt_sizes,
            st.integers(min_value=0, max_value=10),
        ),
        max_size=12,
    ),
)
def test_a_payments_allocations_never_exceed_its_amount(
    currency: str, amount_units: int, steps: list[tuple[str, str | int, int]]
) -> None:
    """A payment's live allocations never add up to more than its amount: an allocation of more
    than zero is taken exactly when the payment has not bounced and it is no more than what is
    unallocated (the amount less the live allocations, kept by the test: exactly that is
    taken, one minor unit more refused); a reversal is taken exactly when its allocation is
    live, a bounce when the payment has not bounced. What the payment says is allocated is
    the sum of its live allocations (and the test's); its unallocated remainder (the
    customer's credit) is exactly amount - live allocations, and nothing once it bounced;
    reversed allocations are kept, never deleted."""
    amount = amount_units * unit(currency)
    payment = Payment(uuid4(), Money(amount, currency), D, "ref", "bob")
    live: dict[str, Decimal] = {}  # the test's own account: allocation id -> amount
    made: list[str] = []
    bounced = False
    for kind, size, pick in steps:
        unallocated = amount - sum(live.values(), Decimal(0))
        if kind == "allocate":
            value = attempted(size, unallocated, currency)
            if value <= 0:
                continue
            allocation_id = f"a{len(made)}"
            try:
                payment.allocate(allocation_id, uuid4(), Money(value, currency), D, "bob")
            except OverAllocation:
                assert not bounced and value > unallocated, (value, unallocated)
            except InvalidTransition:
                assert bounced
            else:
                assert not bounced and value <= unallocated, (value, unallocated)
                live[allocation_id] = value
                made.append(allocation_id)
        elif kind == "reverse" and made:
            target = made[pick % len(made)]
            try:
                payment.reverse_allocation(target, "undo", "bob", D)
            except InvalidTransition:
                assert target not in live
            else:
                assert live.pop(target, None) is not None
        elif kind == "bounce":
            try:
                payment.bounce(D, "returned", "bob")
            except InvalidTransition:
                assert bounced
            else:
                assert not bounced
                bounced = True
                live.clear()
        assert [a.allocation_id for a in payment.allocations] == made
        assert {a.allocation_id: a.amount.amount for a in payment.live_allocations()} == live
        assert payment.allocated.amount == sum(live.values(), Decimal(0))
        assert payment.allocated <= payment.amount
        if bounced:
            assert payment.unallocated == Money.zero(currency) and payment.live_allocations() == []
        else:
            assert payment.unallocated.amount == amount - sum(live.values(), Decimal(0))


@SLOW
@given(line_specs, st.randoms(), st.integers(min_value=1, max_value=4))
def test_credit_notes_never_drift_from_the_invoice(
    specs: list[tuple[Decimal, Decimal, TaxRate]], rnd: object, parts: int
) -> None:
    """Crediting an invoice's lines in any grouping and order credits, in the end, exactly the
    invoice's total, tax included, and no credit note is refused for a rounding cent."""
    app = QuoteToCash.open("memory:")
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor="a")
    inv = invoice_of(specs)
    invoice = app.draft_invoice(cust, list(inv.lines), drafted_on=D, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=D, actor="mia")
    app.issue_invoice(invoice, issued_on=D, actor="bea")
    line_ids = [ln.line_id for ln in inv.lines]
    rnd.shuffle(line_ids)  # type: ignore[attr-defined]
    groups = [line_ids[i::parts] for i in range(parts) if line_ids[i::parts]]
    for group in groups:
        note = app.draft_credit_note(
            invoice,
            line_ids=group,
            disposition=CreditDisposition.WRITTEN_OFF,
            reason="x",
            drafted_on=D,
            actor="billy",
        )
        app.approve_invoice(note, role="billing", approved_on=D, actor="bea")
        app.approve_invoice(note, role="account_manager", approved_on=D, actor="mia")
        app.issue_invoice(note, issued_on=D, actor="bea")
    after = app.invoice(invoice)
    assert after.credited == after.total
    assert after.outstanding == Money.zero(EUR)
    app.close()


@pytest.mark.parametrize("value", [0.1, float("nan"), float("inf")])
def test_money_is_never_a_float(value: float) -> None:
    """Money is Decimal with a currency, never float (see test_money for the property)."""
    with pytest.raises(Exception) as refused:
        Money.of(value, EUR)  # type: ignore[arg-type]
    assert type(refused.value).__name__ == "InvalidValue"


def covered_request(
    app: QuoteToCash, unit: AllowanceUnit, granted: Decimal
) -> tuple[UUID, UUID, UUID]:
    """Acme's request covered by a prepaid allowance of the year: customer, allowance, request."""
    acme = app.register_customer("Acme", EUR, account_manager="mia", actor="a")
    prepaid = app.grant_allowance(
        acme, unit=unit, quantity=granted, period=YEAR, granted_on=D, actor="a"
    )
    request = app.open_request(acme, "Reports", requested_on=D, actor="pete")
    app.estimate_request(request, hours=10, rate=Money.of(100, EUR), actor="pete")
    app.cover_request_by_allowance(request, prepaid, actor="a")
    app.authorize_work(request, authorized_on=D, actor="pete")
    return acme, prepaid, request


odd_entries = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=60),
        st.decimals(min_value=Decimal("0.25"), max_value=Decimal("8"), places=2),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("250"), places=2),
    ),
    min_size=1,
    max_size=6,
)


@SLOW
@given(st.decimals(min_value=Decimal("0.01"), max_value=300, places=2), odd_entries)
def test_overage_on_a_money_allowance_bills_no_more_hours_than_were_logged(
    granted: Decimal, entries: list[tuple[int, Decimal, Decimal]]
) -> None:
    """Whatever the rates, work beyond a money allowance is invoiced to the cent, each entry's
    overage line states no more hours than the entry logged, and the invoice is approved and
    issued: afterwards nothing is left unbilled, and every logged hour is covered or invoiced,
    the two adding up to the hours logged."""
    app = QuoteToCash.open("memory:")
    _, prepaid, request = covered_request(app, AllowanceUnit.MONEY, granted)
    for n, (day, hours, rate) in enumerate(entries):
        entry = TimeEntry(f"t{n}", "dana", D + timedelta(days=day), hours, Money(rate, EUR))
        app.log_work(request, entry, actor="dana")
    overage = app.allowance(prepaid).unbilled_overage()
    if not overage:
        assert app.unbilled_work(request).is_zero()
        app.close()
        return
    # (invoiced once the work is done: on its last day)
    done = D + timedelta(days=max(day for day, _, _ in entries))
    invoice = app.draft_request_invoice(request, drafted_on=done, actor="billy")
    logged = {w.entry.entry_id: w.entry.hours for w in app.request(request).work}
    lines = app.invoice(invoice).lines
    assert total((ln.net for ln in lines), EUR) == Money(sum(overage.values(), Decimal(0)), EUR)
    for ln in lines:
        assert ln.source is not None and ln.source.hours is not None
        assert 0 < ln.source.hours <= logged[ln.source.time_entry_ids[0]]
    app.approve_invoice(invoice, role="billing", approved_on=done, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=done, actor="mia")
    app.issue_invoice(invoice, issued_on=done, actor="bea")
    assert app.unbilled_work(request).is_zero()
    for b in app.work_buckets(request):
        assert b.unbilled == 0 and b.covered + b.invoiced == b.hours
    app.close()


@SLOW
@given(
    st.decimals(min_value=Decimal("0.01"), max_value=12, places=2),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60),
            st.decimals(min_value=Decimal("0.5"), max_value=Decimal("6"), places=1),
        ),
        min_size=1,
        max_size=5,
    ),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=4),
            st.sampled_from([SourceKind.WORK, SourceKind.MANUAL, SourceKind.EXPENSE]),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_a_hand_made_invoice_never_bills_covered_or_invoiced_work(
    granted: Decimal,
    entries: list[tuple[int, Decimal]],
    attempts: list[tuple[int, SourceKind, bool]],
) -> None:
    """Every logged hour is in exactly one of unbilled, covered by the allowance, invoiced: a
    hand-made line of any kind naming a time entry is drafted only when the entry is in none of
    the other two (no allowance was charged with it, no live invoice bills it), and is refused
    otherwise, recording nothing; what is drafted is then invoiced, once."""
    app = QuoteToCash.open("memory:")
    acme, prepaid, request = covered_request(app, AllowanceUnit.HOURS, granted)
    ids = []
    for n, (day, hours) in enumerate(entries):
        # entries dated after the allowance's year are not drawn: billable as usual
        when = D + timedelta(days=day * 7)
        entry = TimeEntry(f"t{n}", "dana", when, hours, Money.of(100, EUR))
        app.log_work(request, entry, actor="dana")
        ids.append(f"t{n}")
    for pick, kind, void in attempts:
        entry_id = ids[pick % len(ids)]
        r = app.request(request)
        charged = any(c.entry_id == entry_id for c in app.allowance(prepaid).charges)
        expected = not charged and entry_id not in r.billed
        hours = r.entry(entry_id).hours
        line = InvoiceLine(
            "L1",
            "by hand",
            hours,
            Money.of(100, EUR),
            TaxRate.standard(21),
            LineSource(kind, request_id=request, time_entry_ids=(entry_id,), hours=hours),
        )
        before = app.recorder.max_notification_id()
        try:
            # drafted no earlier than the work it bills
            on = max(D, r.entry(entry_id).work_date)
            invoice = app.draft_invoice(acme, [line], drafted_on=on, actor="billy")
        except AlreadyBilled:
            assert not expected
            assert app.recorder.max_notification_id() == before
            continue
        assert expected
        assert app.request(request).billed[entry_id] == invoice.hex
        if void:
            app.void_invoice(invoice, reason="typed by mistake", actor="billy", voided_on=on)
            assert entry_id not in app.request(request).billed
    for b in app.work_buckets(request):
        assert min(b.unbilled, b.covered, b.invoiced) >= 0
        assert b.unbilled + b.covered + b.invoiced == b.hours
        assert b.covered == 0 or b.invoiced == 0  # (an hours allowance: covered or overage)
    app.close()
