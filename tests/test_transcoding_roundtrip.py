"""Every value used in events round-trips exactly through SQLite and PostgreSQL, and snapshots of
the long-lived aggregates give back the same state as replaying all their events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from conftest import storage_url
from eventsourcing.domain import Aggregate, event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from q2c_core import (
    AllowanceUnit,
    ApprovalPolicy,
    BillingFrequency,
    Charge,
    CreditDisposition,
    Estimate,
    Expense,
    InvoiceKind,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    PricePoint,
    PurchaseOrder,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    SubContract,
    SubContractKind,
    TaxCategory,
    TaxRate,
    TaxSubtotal,
    TimeEntry,
)
from q2c_core.domain.contract import ContractStatus, StatusChange
from q2c_core.domain.enhancement_request import LoggedWork
from q2c_core.domain.invoice import AppliedCredit, AppliedPayment, Approval
from q2c_core.domain.payment import PaymentAllocation


class Box(Aggregate):
    """A test aggregate that records any value in an event."""

    @event("Opened")
    def __init__(self) -> None:
        self.values: list[Any] = []

    @event("Put")
    def put(self, value: Any) -> None:
        self.values.append(value)


@pytest.fixture(params=["sqlite", "postgres"], scope="module")
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with storage_url(request.param, tmp_path_factory.mktemp("rt")) as url:
        yield url


@pytest.fixture(scope="module")
def writer_reader(store_url: str) -> Iterator[tuple[QuoteToCash, QuoteToCash]]:
    writer = QuoteToCash.open(store_url)
    reader = QuoteToCash.open(store_url)
    yield writer, reader
    writer.close()
    reader.close()


currencies = st.sampled_from(["EUR", "USD", "JPY", "KWD"])
decimals = st.decimals(
    min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, places=6
)
positive = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e6"), places=3)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1))
# (text a person could type: control characters are refused where text is typed)
typed = st.characters(blacklist_categories=("Cc", "Cs", "Cn"))
texts = st.text(typed, max_size=20)
names = st.text(typed, min_size=1, max_size=12).filter(lambda s: s.strip() != "")
money = st.builds(Money, decimals, currencies)
eur = st.builds(Money, st.decimals(min_value=0, max_value=Decimal("1e6"), places=4), st.just("EUR"))
periods = st.builds(lambda d, n: Period(d, d + timedelta(days=n)), dates, st.integers(0, 800))
tax_rates = st.one_of(
    st.builds(TaxRate.standard, st.decimals(min_value=0, max_value=100, places=2)),
    st.builds(TaxRate.none, st.sampled_from(list(TaxCategory))),
)
sources = st.builds(
    LineSource,
    kind=st.sampled_from(list(SourceKind)),
    request_id=st.none() | st.uuids(),
    time_entry_ids=st.lists(names, max_size=3).map(tuple),
    hours=st.none() | positive,
    expense_id=st.none() | names,
    contract_id=st.none() | st.uuids(),
    sub_contract_id=st.none() | names,
    period=st.none() | periods,
    fraction=st.none() | st.decimals(min_value=0, max_value=1, places=8),
    allowance_id=st.none() | st.uuids(),
    invoice_id=st.none() | st.uuids(),
    line_id=st.none() | names,
    note=texts,
)
lines = st.builds(
    InvoiceLine,
    line_id=names,
    description=names,
    quantity=decimals,
    unit_price=money,
    tax=tax_rates,
    source=st.none() | sources,
    revenue_kind=st.sampled_from(list(RevenueKind)),
    price_reason=st.none() | texts,
)
time_entries = st.builds(
    TimeEntry,
    entry_id=names,
    worker=texts,
    work_date=dates,
    hours=st.decimals(min_value=Decimal("0.01"), max_value=24, places=2),
    rate=eur,
    billable=st.booleans(),
    note=texts,
)
values = st.one_of(
    money,
    periods,
    tax_rates,
    sources,
    lines,
    time_entries,
    st.builds(LoggedWork, time_entries, st.booleans(), texts),
    st.builds(
        Expense, names, texts, st.builds(Money, positive, st.just("EUR")), dates, st.booleans()
    ),
    st.builds(Estimate, hours=positive, rate=st.builds(Money, positive, st.just("EUR"))),
    st.builds(Estimate, fixed_price=st.builds(Money, positive, currencies)),
    st.builds(
        PurchaseOrder, names, st.builds(Money, positive, currencies), dates, st.none() | texts
    ),
    st.builds(TaxSubtotal, tax_rates, money, money),
    st.builds(ApprovalPolicy, st.lists(names, min_size=1, max_size=3, unique=True).map(tuple)),
    st.builds(Approval, names, names, dates),
    st.builds(AppliedPayment, names, st.uuids(), money, dates),
    st.builds(AppliedCredit, st.uuids(), money, dates, st.lists(names, max_size=3).map(tuple)),
    st.builds(PaymentAllocation, names, st.uuids(), money, dates, st.none() | texts),
    st.builds(Charge, names, st.uuids(), dates, positive, eur),
    st.builds(
        SubContract,
        names,
        texts,
        st.sampled_from(list(SubContractKind)),
        st.just(date(2024, 1, 1)),
        st.lists(st.builds(PricePoint, dates, eur), min_size=1, max_size=3).map(tuple),
        st.none() | st.just(date(2025, 1, 1)),
        st.none() | st.uuids(),
    ),
    st.builds(StatusChange, st.sampled_from(list(ContractStatus)), dates, texts, texts),
    st.sampled_from(
        [*AllowanceUnit, *InvoiceKind, *CreditDisposition, *BillingFrequency, *SourceKind]
    ),
    st.dictionaries(names, decimals, max_size=3),
    st.lists(money, max_size=3),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=values)
def test_every_event_value_round_trips_exactly(
    writer_reader: tuple[QuoteToCash, QuoteToCash], value: Any
) -> None:
    """A value recorded in an event and read back by another application instance from the
    real store is equal to it, of the same type, with the same Decimal exponents (repr)."""
    writer, reader = writer_reader
    box = Box()
    box.put(value)
    writer.save(box)
    (back,) = reader.repository.get(box.id).values
    assert back == value
    assert type(back) is type(value)
    assert repr(back) == repr(value)


def replayed(app: QuoteToCash, aggregate_id: UUID) -> Aggregate:
    """The aggregate rebuilt from all its events, ignoring snapshots."""
    aggregate: Any = None
    for e in app.repository.event_store.get(aggregate_id):
        aggregate = e.mutate(aggregate)
    return aggregate


def comparable(aggregate: Aggregate) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k not in ("_pending_events",)}


def test_snapshots_round_trip_for_contract_allowance_and_customer(shared_url: str) -> None:
    """Contract, PrepaidAllowance and Customer snapshot every 50 events; reading one back from its
    snapshot gives exactly the state that replaying every event gives."""
    app = QuoteToCash.open(shared_url)
    start = date(2024, 1, 1)
    cust = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="a", tax_rate=TaxRate.standard("20.5")
    )
    contract = app.sign_contract(
        cust,
        number="MC-1",
        term=Period(start, date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=start,
        actor="a",
        sub_contracts=[
            SubContract(
                "s1",
                "ERP",
                SubContractKind.LICENCE,
                start,
                [PricePoint(start, Money.of("1200.10", "EUR"))],
            )
        ],
    )
    allowance = app.grant_allowance(
        cust,
        unit=AllowanceUnit.HOURS,
        quantity="10.5",
        period=Period(start, date(2025, 1, 1)),
        granted_on=start,
        actor="a",
    )
    for i in range(55):
        app.reprice_sub_contract(
            contract,
            "s1",
            effective=start + timedelta(days=i),
            annual_price=Money.of(f"{1200 + i}.5", "EUR"),
            actor="a",
        )
        app.top_up_allowance(allowance, "0.25", topped_up_on=start, reason=f"top-up {i}", actor="a")
        app.receive_payment(
            cust,
            Money.of(f"{i + 1}.01", "EUR"),
            received_on=start,
            reference=f"r{i}",
            actor="a",
        )
    app.close()
    reopened = QuoteToCash.open(shared_url)
    for aggregate_id in (contract, allowance, cust):
        snapshots = list(reopened.snapshots.get(aggregate_id)) if reopened.snapshots else []
        assert snapshots, f"no snapshot of {aggregate_id}"
        from_snapshot = reopened.repository.get(aggregate_id)
        assert comparable(from_snapshot) == comparable(replayed(reopened, aggregate_id))
    assert reopened.allowance(allowance).granted == Decimal("24.25")
    assert reopened.contract(contract).sub_contracts["s1"].price_on(date(2024, 3, 1)) == Money.of(
        "1254.5", "EUR"
    )
    assert len(reopened.customer(cust).payment_ids) == 55
    reopened.close()


def test_invoice_snapshots_give_the_state_its_events_give(shared_url: str) -> None:
    """Invoices snapshot every 4 events (after issue, then every few payments), so a customer's
    invoices load from their snapshots: an invoice with lines of two tax rates, two approvals,
    payments applied and one reversed, and a credit note read from its snapshot equals the one
    replayed from every event."""
    app = QuoteToCash.open(shared_url)
    on = date(2024, 1, 1)
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")

    def line(line_id: str, net: str, rate: str) -> InvoiceLine:
        source = LineSource(SourceKind.MANUAL, note="agreed")
        return InvoiceLine(
            line_id,
            f"item {line_id}",
            Decimal(1),
            Money.of(net, "EUR"),
            TaxRate.standard(rate),
            source,
        )

    def approve_and_issue(document: UUID) -> None:
        app.approve_invoice(document, role="billing", approved_on=on, actor="bea")
        app.approve_invoice(document, role="account_manager", approved_on=on, actor="mia")
        app.issue_invoice(document, issued_on=on, actor="bea")

    invoice = app.draft_invoice(
        cust,
        [line("L1", "100.10", "20"), line("L2", "50", "7.7")],
        drafted_on=on,
        actor="billy",
    )
    approve_and_issue(invoice)
    payments = []
    for k in range(3):
        payment = app.receive_payment(
            cust, Money.of("10.01", "EUR"), received_on=on, reference=f"p{k}", actor="a"
        )
        payments.append((payment, app.allocate_payment(payment, allocated_on=on, actor="a")))
    payment, [allocation] = payments[0]
    app.reverse_allocation(payment, allocation, reason="wrong invoice", actor="a")
    note = app.draft_credit_note(
        invoice,
        line_ids=["L2"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="goodwill",
        drafted_on=on,
        actor="billy",
    )
    approve_and_issue(note)
    app.close()
    reopened = QuoteToCash.open(shared_url)
    for aggregate_id in (invoice, note):
        assert reopened.snapshots is not None
        taken = [s.originator_version for s in reopened.snapshots.get(aggregate_id)]
        assert taken and all(v % 4 == 0 for v in taken)
        from_snapshot = reopened.repository.get(aggregate_id)
        assert from_snapshot.version > 4 or aggregate_id == note
        assert comparable(from_snapshot) == comparable(replayed(reopened, aggregate_id))
    assert (
        reopened.invoice(invoice).outstanding
        == reopened.invoice(invoice).total - Money.of("20.02", "EUR") - reopened.invoice(note).total
    )
    reopened.close()


@settings(max_examples=150, deadline=None)
@given(value=values, extra=st.dictionaries(names, st.none() | st.booleans() | st.integers()))
def test_the_fast_writer_writes_the_bytes_of_the_general_encoder(
    value: Any, extra: dict[str, Any]
) -> None:
    """q2c's JSON-ready writing path, with orjson and with the standard library alone, gives
    exactly the bytes eventsourcing's own encoder gives with the same transcodings, and the
    reader gets the value back."""
    from q2c_core.domain import transcoding

    transcoder: Any = QuoteToCash.open("memory:").mapper.transcoder
    state = {"value": value, "values": [value, value], "extra": extra}
    general = transcoder.encoder.encode(state).encode("utf8")
    assert transcoder.encode(state) == general
    kept = transcoding._orjson
    transcoding._orjson = None
    try:
        assert transcoder.encode(state) == general
    finally:
        transcoding._orjson = kept
    back = transcoder.decode(general)["value"]
    assert back == value and type(back) is type(value)


def test_values_off_the_fast_path_are_written_by_the_general_encoder() -> None:
    """A float, a key that is not a string, or a str subclass fall back to the general
    encoder and come back as it writes them; an unregistered type is refused as before."""
    import enum

    from eventsourcing.persistence import TranscodingNotRegisteredError

    class Colour(enum.StrEnum):
        RED = "red"

    transcoder: Any = QuoteToCash.open("memory:").mapper.transcoder
    for state in ({"x": 1.5}, {"x": {1: "a"}}, {"x": Colour.RED}):
        assert transcoder.encode(state) == transcoder.encoder.encode(state).encode("utf8")
    assert transcoder.decode(transcoder.encode({"x": Colour.RED})) == {"x": "red"}
    with pytest.raises(TranscodingNotRegisteredError):
        transcoder.encode({"x": object()})


@settings(max_examples=150, deadline=None)
@given(value=values)
def test_the_trusted_reading_builds_what_the_validating_reading_builds(value: Any) -> None:
    """The read side's trusted decoding (compiled per class, no validators run again) gives
    an event equal to the application mapper's, value for value, with the same types and
    Decimal exponents."""
    from q2c_core.projections.decoding import TrustedDecoder

    app = QuoteToCash.open("memory:")
    box = Box()
    box.put(value)
    stored = [app.mapper.to_stored_event(e) for e in box.collect_events()]
    trusted = TrustedDecoder(app)
    for s in stored:
        fast, checked = trusted.decode(s), app.mapper.to_domain_event(s)
        assert vars(fast) == vars(checked)
        assert repr(vars(fast)) == repr(vars(checked))


def test_payment_snapshots_give_the_state_its_events_give(shared_url: str) -> None:
    """A payment spread over many allocations snapshots every 50 events, so a command on it
    reads the snapshot and the events after it, not its whole history: read back from its
    snapshot (allocations, one reversed, a refund, its credit by day and its allocations by
    id), it equals the payment replayed from every event, and takes the next allocation."""
    app = QuoteToCash.open(shared_url)
    on = date(2024, 1, 1)
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    invoice = app.draft_invoice(
        cust,
        [
            InvoiceLine(
                "L1",
                "support",
                Decimal(1),
                Money.of("1000", "EUR"),
                TaxRate.standard("0"),
                LineSource(SourceKind.MANUAL, note="agreed"),
            )
        ],
        drafted_on=on,
        actor="billy",
    )
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    payment = app.receive_payment(
        cust, Money.of("1000", "EUR"), received_on=on, reference="big", actor="a"
    )
    ids = []
    for day in range(55):
        ids += app.allocate_payment(
            payment,
            [(invoice, Money.of("10", "EUR"))],
            allocated_on=on + timedelta(days=day),
            actor="a",
        )
    app.reverse_allocation(payment, ids[3], reason="wrong", actor="a")
    app.refund_customer_credit(
        cust, Money.of("5", "EUR"), refunded_on=on + timedelta(days=60), reference="out", actor="a"
    )
    app.close()
    reopened = QuoteToCash.open(shared_url)
    assert reopened.snapshots is not None
    assert [s.originator_version for s in reopened.snapshots.get(payment)] == [50]
    from_snapshot = reopened.repository.get(payment)
    assert comparable(from_snapshot) == comparable(replayed(reopened, payment))
    assert reopened.payment(payment).unallocated == Money.of("455", "EUR")
    reopened.allocate_payment(
        payment,
        [(invoice, Money.of("10", "EUR"))],
        allocated_on=on + timedelta(days=70),
        actor="a",
    )
    assert reopened.payment(payment).allocation(ids[3]).is_live is False
    assert reopened.payment(payment).unallocated == Money.of("445", "EUR")
    reopened.close()
