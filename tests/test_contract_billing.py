"""Contract billing runs, told as stories on the in-memory application.

Every period billed exactly once, re-assignments that neither double nor lose a day, corrections
by credit notes and extra lines, renewals, evergreen contracts, and suspension only on purpose.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    ContractStatus,
    DayCount,
    InvalidTransition,
    InvalidValue,
    InvoiceKind,
    InvoiceStatus,
    Money,
    Period,
    PeriodAlignment,
    PricePoint,
    QuoteToCash,
    RuleViolated,
    SourceKind,
    SubContract,
    SubContractKind,
)
from q2c_core.billing_run import BillingDraft
from q2c_core.domain.billing import PastDuePolicy

A = "alice"
EUR = "EUR"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def eur(x: str | int) -> Money:
    return Money.of(x, EUR)


def sub(
    sub_id: str, start: date = date(2024, 1, 1), price: str | int = 1200, **kw: Any
) -> SubContract:
    return SubContract(
        sub_id,
        f"Product {sub_id}",
        SubContractKind.PRODUCT,
        start,
        [PricePoint(start, eur(price))],
        **kw,
    )


def customer(app: QuoteToCash, name: str = "Acme") -> UUID:
    return app.register_customer(name, EUR, account_manager="mia", actor=A)


def contract(
    app: QuoteToCash,
    cust: UUID,
    number: str = "MC-1",
    subs: tuple[SubContract, ...] = (),
    term: Period = YEAR,
    activate: bool = True,
    **kw: Any,
) -> UUID:
    kw.setdefault("frequency", BillingFrequency.MONTHLY)
    cid = app.sign_contract(
        cust,
        number=number,
        term=term,
        signed_on=term.start,
        actor=A,
        sub_contracts=subs or (sub("S1"), sub("S2", price=600)),
        **kw,
    )
    if activate:
        app.activate_contract(cid, effective=term.start, actor=A)
    return cid


def issue(app: QuoteToCash, invoice_id: UUID, on: date) -> str:
    app.approve_invoice(invoice_id, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice_id, role="account_manager", approved_on=on, actor="mia")
    return app.issue_invoice(invoice_id, issued_on=on, actor="bea")


def billed_days(app: QuoteToCash, cust: UUID) -> Counter[tuple[UUID | None, str | None, date]]:
    """Net days billed per (contract, sub-contract, day): +1 per invoice line, -1 per credit."""
    days: Counter[tuple[UUID | None, str | None, date]] = Counter()
    for inv in app.invoices(cust):
        sign = -1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in inv.lines:
            src = line.source
            assert src is not None and src.period is not None
            for day in src.period.each_day():
                days[(src.contract_id, src.sub_contract_id, day)] += sign
    return days


def billed_amount(app: QuoteToCash, cust: UUID) -> Decimal:
    total = Decimal(0)
    for inv in app.invoices(cust):
        sign = -1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1
        total += sign * inv.net.amount
    return total


# -- the run ---------------------------------------------------------------------------------------


def test_one_invoice_per_contract_and_period_one_line_per_slice(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"), sub("S2", start=date(2024, 1, 10), price=1000)))
    result = app.run_billing(date(2024, 2, 1), actor="run")
    assert [d.period for d in result.documents] == [
        Period(date(2024, 1, 1), date(2024, 2, 1)),
        Period(date(2024, 2, 1), date(2024, 3, 1)),
    ]
    jan = app.invoice(result.invoice_ids[0])
    assert jan.kind is InvoiceKind.STANDARD and jan.status is InvoiceStatus.DRAFT
    assert [line.net for line in jan.lines] == [eur("100.00"), eur("59.14")]
    s2 = jan.lines[1].source
    assert s2 is not None
    assert (s2.kind, s2.contract_id, s2.sub_contract_id) == (SourceKind.CONTRACT_PERIOD, cid, "S2")
    assert s2.period == Period(date(2024, 1, 10), date(2024, 2, 1))
    assert s2.fraction == Decimal("0.7096774194")  # 22/31
    assert "MC-1" in jan.lines[1].description and "22/31" in jan.lines[1].description
    billed = app.contract(cid).billed_period(Period(date(2024, 1, 1), date(2024, 2, 1)))
    assert billed is not None and billed.invoice_id == jan.id
    # the customer's invoices include the run's, though the run never touched the Customer
    assert [i.id for i in app.invoices(cust)] == result.invoice_ids


def test_a_second_run_bills_nothing_and_records_nothing(app: QuoteToCash) -> None:
    cust = customer(app)
    contract(app, cust)
    first = app.run_billing(date(2024, 4, 1), actor="run")
    assert len(first.documents) == 4
    before = app.recorder.max_notification_id()
    again = app.run_billing(date(2024, 4, 1), actor="run")
    assert again.documents == () and again.events_written == 0
    assert app.recorder.max_notification_id() == before
    later = app.run_billing(date(2024, 5, 1), actor="run")
    assert [d.period.start for d in later.documents if d.period] == [date(2024, 5, 1)]


def test_in_arrears_bills_a_period_after_it_ends(app: QuoteToCash) -> None:
    cust = customer(app)
    contract(app, cust, timing=BillingTiming.IN_ARREARS, frequency=BillingFrequency.QUARTERLY)
    assert app.run_billing(date(2024, 3, 31), actor="run").documents == ()
    [q1] = app.run_billing(date(2024, 4, 1), actor="run").documents
    assert q1.period == Period(date(2024, 1, 1), date(2024, 4, 1))
    assert q1.net == eur("450.00")  # (1200 + 600) / 4


def test_a_signed_but_not_activated_contract_is_not_billed(app: QuoteToCash) -> None:
    cust = customer(app)
    app.sign_contract(
        cust,
        number="MC-9",
        term=YEAR,
        frequency=BillingFrequency.MONTHLY,
        signed_on=YEAR.start,
        actor=A,
        sub_contracts=[sub("S1")],
    )
    assert app.run_billing(date(2024, 6, 1), actor="run").documents == ()


def test_progress_reports_done_and_total_after_each_batch(app: QuoteToCash) -> None:
    cust = customer(app)
    for i in range(7):
        contract(app, cust, number=f"MC-{i}")
    seen: list[tuple[int, int]] = []
    result = app.run_billing(
        date(2024, 1, 1), actor="run", progress=lambda d, t: seen.append((d, t)), batch_size=3
    )
    assert seen == [(0, 7), (3, 7), (6, 7), (7, 7)]
    assert result.saves == 3 and len(result.invoice_ids) == 7


def test_bad_batch_size_is_refused_and_records_nothing(app: QuoteToCash) -> None:
    cust = customer(app)
    contract(app, cust)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as e:
        app.run_billing(date(2024, 1, 1), actor="run", batch_size=0)
    assert e.value.field == "batch_size"
    assert app.recorder.max_notification_id() == before


def test_a_crash_part_way_then_a_rerun_bills_everything_exactly_once(app: QuoteToCash) -> None:
    cust = customer(app)
    ids = [contract(app, cust, number=f"MC-{i}") for i in range(10)]
    recorder: Any = app.recorder
    real_insert = recorder.insert_events
    calls = [0]

    def failing_insert(*args: Any, **kw: Any) -> Any:  # the store fails on the third batch
        calls[0] += 1
        if calls[0] > 2:
            raise RuntimeError("disk full")
        return real_insert(*args, **kw)

    recorder.insert_events = failing_insert
    with pytest.raises(RuntimeError):
        app.run_billing(date(2024, 2, 1), actor="run", batch_size=3)
    recorder.insert_events = real_insert
    half = [c for c in ids if app.contract(c).billed]
    assert len(half) == 6  # two batches of three were saved, with their invoices
    app.run_billing(date(2024, 2, 1), actor="run", batch_size=3)
    days = billed_days(app, cust)
    for cid in ids:
        for s in ("S1", "S2"):
            for day in Period(date(2024, 1, 1), date(2024, 3, 1)).each_day():
                assert days[(cid, s, day)] == 1
    assert len(app.invoices(cust)) == 20


# -- re-assignment -------------------------------------------------------------------------------


def test_reassigned_sub_contract_is_billed_every_day_exactly_once(app: QuoteToCash) -> None:
    cust = customer(app)
    a = contract(app, cust, number="MC-A", subs=(sub("S1"), sub("MOVE", price=3650)))
    b = contract(
        app,
        cust,
        number="MC-B",
        subs=(sub("S9", start=date(2024, 1, 15)),),
        alignment=PeriodAlignment.CALENDAR,
        term=Period(date(2024, 1, 15), date(2025, 1, 15)),
    )
    app.run_billing(date(2024, 1, 20), actor="run")  # A's January and B's stub are billed
    app.reassign_sub_contract(a, "MOVE", b, effective=date(2024, 3, 17), actor=A)
    app.run_billing(date(2024, 5, 1), actor="run")
    days = billed_days(app, cust)
    for day in Period(date(2024, 1, 1), date(2024, 6, 1)).each_day():
        on_a, on_b = days[(a, "MOVE", day)], days[(b, "MOVE", day)]
        assert on_a + on_b == 1, day
        assert (on_b == 1) == (day >= date(2024, 3, 17)), day


def test_retroactive_reassignment_is_corrected_on_both_contracts(app: QuoteToCash) -> None:
    cust = customer(app)
    a = contract(app, cust, number="MC-A", subs=(sub("S1"), sub("MOVE", price=3650)))
    b = contract(app, cust, number="MC-B", subs=(sub("S9"),))
    app.run_billing(date(2024, 3, 1), actor="run")  # Jan..Mar billed in advance on both
    app.reassign_sub_contract(a, "MOVE", b, effective=date(2024, 2, 10), actor=A)
    app.run_billing(date(2024, 3, 1), actor="run")
    days = billed_days(app, cust)
    for day in Period(date(2024, 1, 1), date(2024, 4, 1)).each_day():
        assert days[(a, "MOVE", day)] + days[(b, "MOVE", day)] == 1, day
        assert days[(b, "MOVE", day)] == (1 if day >= date(2024, 2, 10) else 0)


def _sub_billed(app: QuoteToCash, cust: UUID, sub_id: str, period: Period) -> Decimal:
    """Net billed for one sub-contract's days inside one period, over all contracts."""
    total = Decimal(0)
    for inv in app.invoices(cust):
        sign = -1 if inv.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in inv.lines:
            src = line.source
            assert src is not None and src.period is not None
            if src.sub_contract_id == sub_id and src.period.start in period:
                total += sign * line.net.amount
    return total


def test_a_mid_period_move_bills_the_whole_period_to_the_cent(app: QuoteToCash) -> None:
    """100 a year, moved on 2 February: 0.29 + 8.04, not 0.29 + 8.05, against 8.33."""
    cust = customer(app)
    a = contract(app, cust, number="MC-A", subs=(sub("MOVE", price=100),))
    b = contract(app, cust, number="MC-B", subs=(sub("S9"),))
    app.reassign_sub_contract(a, "MOVE", b, effective=date(2024, 2, 2), actor=A)
    app.run_billing(date(2024, 2, 1), actor="run")
    feb = Period(date(2024, 2, 1), date(2024, 3, 1))
    assert _sub_billed(app, cust, "MOVE", feb) == Decimal("8.33")
    assert _sub_billed(app, cust, "MOVE", Period(date(2024, 1, 1), date(2024, 2, 1))) == Decimal(
        "8.33"
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    price=st.integers(min_value=0, max_value=100_000).map(lambda c: Decimal(c) / 100),
    new_price=st.none()
    | st.integers(min_value=0, max_value=100_000).map(lambda c: Decimal(c) / 100),
    # the second move (up to 41 days after the first) stays inside the 2024 term
    move=st.integers(min_value=1, max_value=320),
    reprice=st.integers(min_value=1, max_value=330),
    second=st.none() | st.integers(min_value=0, max_value=40),
    frequency=st.sampled_from(list(BillingFrequency)),
    day_count=st.sampled_from(list(DayCount)),
    run_between=st.booleans(),
)
def test_a_moved_sub_contract_bills_each_period_as_one_contract_would(
    price: Decimal,
    new_price: Decimal | None,
    move: int,
    reprice: int,
    second: int | None,
    frequency: BillingFrequency,
    day_count: DayCount,
    run_between: bool,
) -> None:
    """Whatever the prices and move dates (even a second move in the same period), the
    contracts' amounts for each period add up exactly to what one contract bills for it; and
    the preview still equals what is posted."""
    one = QuoteToCash.open("memory:")
    two = QuoteToCash.open("memory:")
    try:
        settings_kw: dict[str, Any] = {"frequency": frequency, "day_count": day_count}
        solo_cust = customer(one)
        solo = contract(one, solo_cust, subs=(sub("MOVE", price=str(price)),), **settings_kw)
        cust = customer(two)
        a = contract(two, cust, number="MC-A", subs=(sub("MOVE", price=str(price)),), **settings_kw)
        b = contract(two, cust, number="MC-B", subs=(sub("S9"),), **settings_kw)
        c = contract(two, cust, number="MC-C", subs=(sub("S8"),), **settings_kw)
        moved_on = YEAR.start + timedelta(days=move)
        if new_price is not None:
            on = YEAR.start + timedelta(days=reprice)
            one.reprice_sub_contract(
                solo, "MOVE", effective=on, annual_price=eur(str(new_price)), actor=A
            )
            two.reprice_sub_contract(
                a, "MOVE", effective=on, annual_price=eur(str(new_price)), actor=A
            )
        if run_between:
            two.run_billing(moved_on - timedelta(days=1), actor="run")
        two.reassign_sub_contract(a, "MOVE", b, effective=moved_on, actor=A)
        if second is not None:
            two.reassign_sub_contract(
                b, "MOVE", c, effective=moved_on + timedelta(days=second + 1), actor=A
            )
        as_of = moved_on + timedelta(days=70)
        preview = two.preview_billing(as_of)
        posted = two.run_billing(as_of, actor="run")
        assert [d.lines for d in preview] == [
            tuple(two.invoice(d.invoice_id).lines) for d in posted.documents
        ]
        one.run_billing(as_of, actor="run")
        for billed in one.contract(solo).billed.values():
            whole = _sub_billed(one, solo_cust, "MOVE", billed.period)
            assert _sub_billed(two, cust, "MOVE", billed.period) == whole, billed.period
    finally:
        one.close()
        two.close()


# -- corrections -----------------------------------------------------------------------------------


def test_retroactive_removal_after_issue_gives_a_credit_note_for_exactly_those_days(
    app: QuoteToCash,
) -> None:
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"), sub("S2", price=3100)))
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    number = issue(app, jan, date(2024, 1, 2))
    issued_lines = app.invoice(jan).lines
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 21), actor=A)
    result = app.run_billing(date(2024, 2, 1), actor="run")
    kinds = [d.kind for d in result.documents]
    assert kinds == [InvoiceKind.CREDIT_NOTE, InvoiceKind.STANDARD]
    note = app.invoice(result.invoice_ids[0])
    [line] = note.lines
    assert line.source is not None and line.source.kind is SourceKind.CREDIT
    assert line.source.period == Period(date(2024, 1, 21), date(2024, 2, 1))
    assert line.source.invoice_id == jan and note.credits_invoice_id == jan
    # January billed 258.33 for S2; 20 days of it are 166.67: the credit is the difference,
    # 91.66 (11/31 of 258.333... is 91.666...; rounding is settled once, on the whole)
    assert line.net == eur("91.66")
    assert app.invoice(jan).lines == issued_lines and app.invoice(jan).number == number
    feb = app.invoice(result.invoice_ids[1])
    assert [ln.source.sub_contract_id for ln in feb.lines if ln.source] == ["S1"]
    issue(app, note.id, date(2024, 2, 2))
    assert app.invoice(jan).credited == eur("91.66")
    # the customer pays for exactly the days covered
    assert billed_amount(app, cust) == Decimal("100.00") + Decimal("166.67") + Decimal("100.00")
    assert app.run_billing(date(2024, 2, 1), actor="run").documents == ()


def test_retroactive_reprice_credits_the_old_price_and_bills_the_new(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=1200),))
    app.run_billing(date(2024, 2, 1), actor="run")
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 2, 15), annual_price=eur(2400), actor=A
    )
    result = app.run_billing(date(2024, 2, 1), actor="run")
    note, extra = (app.invoice(i) for i in result.invoice_ids)
    assert note.kind is InvoiceKind.CREDIT_NOTE and extra.kind is InvoiceKind.STANDARD
    feb_rest = Period(date(2024, 2, 15), date(2024, 3, 1))
    assert [ln.source.period for ln in note.lines if ln.source] == [feb_rest]
    assert [ln.source.period for ln in extra.lines if ln.source] == [feb_rest]
    assert note.net == eur("51.72")  # 100 * 15 / 29
    # the extra line takes the rest: round(100 * 14/29 + 200 * 15/29) = 151.72 in all
    assert extra.net == eur("103.44")
    assert billed_amount(app, cust) == Decimal("100.00") + Decimal("151.72")
    assert app.run_billing(date(2024, 2, 1), actor="run").documents == ()


def test_termination_credits_the_days_billed_in_advance_after_it(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust, frequency=BillingFrequency.QUARTERLY)
    app.run_billing(date(2024, 1, 1), actor="run")
    app.terminate_contract(
        cid,
        effective=date(2024, 3, 1),
        reason="customer left",
        actor=A,
        noticed_on=date(2024, 3, 1),
    )
    [note_draft] = app.run_billing(date(2024, 6, 1), actor="run").documents
    assert note_draft.kind is InvoiceKind.CREDIT_NOTE
    days = billed_days(app, cust)
    assert days[(cid, "S1", date(2024, 2, 29))] == 1
    assert days[(cid, "S1", date(2024, 3, 1))] == 0
    assert app.contract(cid).status is ContractStatus.TERMINATED


# -- preview == posted -----------------------------------------------------------------------------

change_st = st.tuples(
    st.sampled_from(["add", "remove", "reprice", "run", "terminate"]),
    st.integers(min_value=0, max_value=300),
    st.integers(min_value=0, max_value=5000),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(change_st, max_size=8),
    frequency=st.sampled_from(list(BillingFrequency)),
    timing=st.sampled_from(list(BillingTiming)),
    alignment=st.sampled_from(list(PeriodAlignment)),
    day_count=st.sampled_from(list(DayCount)),
    start_offset=st.integers(min_value=0, max_value=40),
    run_offset=st.integers(min_value=0, max_value=500),
)
def test_preview_equals_posted_for_random_histories(
    changes: list[tuple[str, int, int]],
    frequency: BillingFrequency,
    timing: BillingTiming,
    alignment: PeriodAlignment,
    day_count: DayCount,
    start_offset: int,
    run_offset: int,
) -> None:
    """Whatever happened to a contract (sub-contracts added, removed, re-priced, runs in
    between), the preview shows exactly the documents and lines the run then posts; and after
    the run, every day of every sub-contract is billed net exactly once up to what is due."""
    app = QuoteToCash.open("memory:")
    try:
        cust = customer(app)
        start = date(2024, 1, 1) + timedelta(days=start_offset)
        term = Period(start, start + timedelta(days=365))
        cid = contract(
            app,
            cust,
            subs=(sub("S0", start=start),),
            term=term,
            frequency=frequency,
            timing=timing,
            alignment=alignment,
            day_count=day_count,
        )
        n = 1
        for kind, offset, price in changes:
            day = start + timedelta(days=offset)
            c = app.contract(cid)
            live = [s for s in c.sub_contracts.values() if s.is_active_on(day)]
            if kind == "add":
                app.add_sub_contract(cid, sub(f"S{n}", start=day, price=price), actor=A)
                n += 1
            elif kind == "remove" and live:
                app.remove_sub_contract(
                    cid, live[0].sub_id, effective_to=day + timedelta(days=1), actor=A
                )
            elif kind == "reprice" and live:
                app.reprice_sub_contract(
                    cid, live[-1].sub_id, effective=day, annual_price=eur(price), actor=A
                )
            elif kind == "run":
                app.run_billing(day, actor="run")
            elif kind == "terminate" and c.term.start < day < c.term.end:
                app.terminate_contract(cid, effective=day, reason="left", actor=A, noticed_on=day)
                break
        as_of = start + timedelta(days=run_offset)
        preview = app.preview_billing(as_of)
        posted = app.run_billing(as_of, actor="run")
        assert len(preview) == len(posted.documents)
        for shown, doc in zip(preview, posted.documents, strict=True):
            invoice = app.invoice(doc.invoice_id)
            assert shown.lines == tuple(invoice.lines)
            assert (shown.kind, shown.period, shown.credits_invoice_id, shown.contract_id) == (
                invoice.kind,
                doc.period,
                invoice.credits_invoice_id,
                doc.contract_id,
            )
            assert shown.net == invoice.net == doc.net
        assert app.preview_billing(as_of) == []
        # net days billed: each covered day of a billed period exactly once, others never
        days = billed_days(app, cust)
        c = app.contract(cid)
        periods = [b.period for b in c.billed.values()]
        assert set(days.values()) <= {0, 1}
        for (_, _, day), count in days.items():
            assert count == 0 or any(day in p for p in periods)
        for p in periods:
            if c.correction_waits(p, as_of):
                # in arrears, a billed period not yet over on the run's day (a run dated
                # before an earlier one) is corrected once its days are served
                continue
            for s in c.sub_contracts.values():
                for day in p.each_day():
                    if s.price_on(day).is_zero():
                        continue  # a free day may show as a zero line, or not at all
                    if day_count is DayCount.THIRTY_360 and day.day >= 30:
                        continue  # 30E/360 gives some of these days no weight
                    expected = 1 if s.is_active_on(day) and day in c.term else 0
                    assert days[(cid, s.sub_id, day)] == expected, (s.sub_id, day)
    finally:
        app.close()


def test_preview_saves_nothing(app: QuoteToCash) -> None:
    cust = customer(app)
    contract(app, cust)
    before = app.recorder.max_notification_id()
    drafts = app.preview_billing(date(2024, 3, 1))
    assert len(drafts) == 3 and all(isinstance(d, BillingDraft) for d in drafts)
    assert app.recorder.max_notification_id() == before


# -- renewals, evergreen, expiring -----------------------------------------------------------------


def test_renewal_with_percentage_uplift_or_new_price(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust)
    app.renew_contract(
        cid, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A, uplift_percent=5
    )
    c = app.contract(cid)
    assert c.term.end == date(2026, 1, 1)
    assert c.sub_contracts["S1"].price_on(date(2025, 1, 1)) == eur("1260.00")
    assert c.sub_contracts["S1"].price_on(date(2024, 12, 31)) == eur(1200)
    app.renew_contract(
        cid,
        new_end=date(2027, 1, 1),
        effective=date(2026, 1, 1),
        actor=A,
        new_prices={"S2": eur(700)},
    )
    assert app.contract(cid).sub_contracts["S2"].price_on(date(2026, 6, 1)) == eur(700)
    result = app.run_billing(date(2025, 1, 1), actor="run")
    jan25 = [d for d in result.documents if d.period and d.period.start == date(2025, 1, 1)]
    assert jan25[0].net == eur("157.50")  # (1260 + 630) / 12: the uplift applies to both


def test_the_run_renews_evergreen_contracts_with_their_uplift(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(
        app, cust, auto_renew=True, renewal_uplift_percent=10, frequency=BillingFrequency.ANNUAL
    )
    app.run_billing(date(2024, 6, 1), actor="run")
    assert app.contract(cid).term.end == date(2025, 1, 1)
    result = app.run_billing(date(2025, 1, 1), actor="run")
    assert result.renewed == (cid,)
    c = app.contract(cid)
    assert c.term == Period(date(2024, 1, 1), date(2026, 1, 1))
    [draft] = result.documents
    assert draft.net == eur("1980.00")  # (1200 + 600) * 1.10
    fixed = contract(app, cust, number="MC-FIXED")
    app.run_billing(date(2025, 1, 1), actor="run")
    assert app.contract(fixed).term.end == date(2025, 1, 1)


def test_contracts_expiring_within_days(app: QuoteToCash) -> None:
    cust = customer(app)
    soon = contract(app, cust, number="MC-SOON")
    contract(app, cust, number="MC-LATER", term=Period(date(2024, 1, 1), date(2026, 1, 1)))
    gone = contract(app, cust, number="MC-GONE")
    app.terminate_contract(
        gone, effective=date(2024, 6, 1), reason="left", actor=A, noticed_on=date(2024, 6, 1)
    )
    found = app.contracts_expiring_within(45, as_of=date(2024, 12, 1))
    assert [e.contract_id for e in found] == [soon]
    # (its last day, 31 December, is 30 days after 1 December)
    assert found[0].days_left == 30 and found[0].account_manager == "mia"
    assert found[0].annual_value == eur(1800)
    assert app.contracts_expiring_within(10, as_of=date(2024, 12, 1)) == []
    with pytest.raises(InvalidValue):
        app.contracts_expiring_within(-1, as_of=date(2024, 12, 1))


def test_a_contract_whose_term_ended_unrenewed_is_listed_first(app: QuoteToCash) -> None:
    """On 10 January 2025 MC-LAPSED (its last day 31 December, still active: neither renewed
    nor expired) heads the list, 10 days past its last day; the evergreen MC-EVER counts by
    the term the run renews it to (to 1 January 2026), so a 30-day window leaves it out and a
    year takes it."""
    cust = customer(app)
    lapsed = contract(app, cust, number="MC-LAPSED")
    ever = contract(app, cust, number="MC-EVER", auto_renew=True)
    found = app.contracts_expiring_within(30, as_of=date(2025, 1, 10))
    assert [(e.contract_id, e.days_left, e.term_end) for e in found] == [
        (lapsed, -10, date(2025, 1, 1))
    ]
    whole_year = app.contracts_expiring_within(365, as_of=date(2025, 1, 10))
    assert [(e.contract_id, e.term_end) for e in whole_year] == [
        (lapsed, date(2025, 1, 1)),
        (ever, date(2026, 1, 1)),
    ]


def test_a_term_s_last_day_is_the_last_day_counted_as_left(app: QuoteToCash) -> None:
    """MC-1's term runs through 31 December 2024 (it ends on 1 January, the first day it no
    longer covers, as every billing period ends): December is its last month billed. Within
    30 days of 1 December its last day is near (30 days left), as a prepaid allowance's would
    be; on 31 December, its last day, 0 days are left and a window of 0 days lists it; on
    1 January it has ended unrenewed, a day past its last (-1), not "0 days left"."""
    cust = customer(app)
    cid = contract(app, cust)
    app.run_billing(date(2024, 12, 31), actor="run")
    assert app.contract(cid).billed_period(Period(date(2024, 12, 1), date(2025, 1, 1)))

    def listed(window: int, on: date) -> list[tuple[int, date]]:
        return [(e.days_left, e.last_day) for e in app.contracts_expiring_within(window, on)]

    assert listed(30, date(2024, 12, 1)) == [(30, date(2024, 12, 31))]
    assert listed(29, date(2024, 12, 1)) == []
    assert listed(0, date(2024, 12, 31)) == [(0, date(2024, 12, 31))]
    assert listed(0, date(2025, 1, 1)) == [(-1, date(2024, 12, 31))]


def test_a_contract_terminated_to_end_soon_is_listed_until_its_last_day(
    app: QuoteToCash,
) -> None:
    """Notice was given on 1 November: MC-LEAVING (evergreen, 1,800 a year) is terminated
    from 15 December, so its last day is 14 December and it will not renew. On 1 December its
    account manager sees it coming, 13 days left, terminated; on 14 December 0 days are left;
    from 15 December it is no longer listed: it ended on purpose, unlike a term that ran out
    unrenewed. MC-GONE, terminated back in June, and MC-NEVER, terminated (on notice given on
    1 November too) before it was ever activated, are never listed."""
    cust = customer(app)
    leaving = contract(app, cust, number="MC-LEAVING", auto_renew=True)
    app.terminate_contract(
        leaving,
        effective=date(2024, 12, 15),
        reason="notice",
        actor=A,
        noticed_on=date(2024, 11, 1),
    )
    gone = contract(app, cust, number="MC-GONE")
    app.terminate_contract(
        gone, effective=date(2024, 6, 1), reason="left", actor=A, noticed_on=date(2024, 5, 2)
    )
    never = contract(app, cust, number="MC-NEVER", activate=False)
    app.terminate_contract(
        never, effective=date(2024, 12, 20), reason="lost", actor=A, noticed_on=date(2024, 11, 1)
    )

    def listed(on: date) -> list[tuple[str, int, ContractStatus, Money]]:
        return [
            (e.number, e.days_left, e.status, e.annual_value)
            for e in app.contracts_expiring_within(30, on)
        ]

    assert listed(date(2024, 12, 1)) == [("MC-LEAVING", 13, ContractStatus.TERMINATED, eur(1800))]
    assert listed(date(2024, 12, 14)) == [("MC-LEAVING", 0, ContractStatus.TERMINATED, eur(1800))]
    assert listed(date(2024, 12, 15)) == []


# -- suspension only on purpose ------------------------------------------------------------------


def test_late_billing_never_suspends_and_the_policy_suspends_with_its_reason(
    app: QuoteToCash,
) -> None:
    cust = customer(app)
    cid = contract(app, cust, frequency=BillingFrequency.QUARTERLY)
    # billing runs very late: a year's periods at once, nothing suspended
    result = app.run_billing(date(2024, 12, 31), actor="run")
    assert len(result.invoice_ids) == 4
    assert app.contract(cid).status is ContractStatus.ACTIVE
    policy = PastDuePolicy(days=30)
    assert app.apply_past_due_policy(policy, date(2025, 1, 15), actor="ops") == []  # drafts only
    q1 = result.invoice_ids[0]
    number = issue(app, q1, date(2025, 1, 1))  # due 31 January
    assert app.apply_past_due_policy(policy, date(2025, 3, 1), actor="ops") == []  # 29 days
    assert app.contract(cid).status is ContractStatus.ACTIVE
    assert app.apply_past_due_policy(policy, date(2025, 3, 2), actor="ops") == [cid]
    c = app.contract(cid)
    assert c.status is ContractStatus.SUSPENDED
    assert number in c.history[-1].reason and "past-due policy" in c.history[-1].reason
    assert c.history[-1].actor == "ops"


def test_a_suspended_contract_keeps_being_invoiced_until_it_is_terminated(
    app: QuoteToCash,
) -> None:
    """MC-1 (S1 at 1,200.00 a year) is suspended on 15 January for an unpaid invoice: the
    suspension records the decision and its reason, and the run keeps billing, February and
    March 100.00 each. Notice given for 1 April stops it: the run of 1 May bills nothing."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    app.run_billing(date(2024, 1, 1), actor="run")
    app.suspend_contract(cid, effective=date(2024, 1, 15), reason="unpaid", actor=A)
    assert app.contract(cid).history[-1].reason == "unpaid"
    result = app.run_billing(date(2024, 3, 1), actor="run")
    assert [(str(d.period), d.net) for d in result.documents] == [
        ("2024-02-01..2024-02-29", eur(100)),
        ("2024-03-01..2024-03-31", eur(100)),
    ]
    app.terminate_contract(
        cid, effective=date(2024, 4, 1), reason="unpaid", actor=A, noticed_on=date(2024, 4, 1)
    )
    assert app.run_billing(date(2024, 5, 1), actor="run").documents == ()


def test_a_paid_invoice_never_triggers_the_policy(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust, frequency=BillingFrequency.ANNUAL)
    [inv] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, inv, date(2024, 1, 1))
    pay = app.receive_payment(
        cust, app.invoice(inv).total, received_on=date(2024, 1, 5), reference="r", actor=A
    )
    app.allocate_payment(pay, allocated_on=date(2024, 1, 5), actor=A)
    assert app.apply_past_due_policy(PastDuePolicy(1), date(2024, 12, 1), actor="ops") == []
    assert app.contract(cid).status is ContractStatus.ACTIVE


def test_money_received_but_not_yet_allocated_keeps_the_contract_active(
    app: QuoteToCash,
) -> None:
    """The year's invoice is 30 days late on 1 March: the policy suspends the contract. The
    customer pays on 5 March and nobody has allocated the money yet: the invoice is paid in all
    but the bookkeeping, and once reactivated the policy leaves the contract alone."""
    cust = customer(app)
    cid = contract(app, cust, frequency=BillingFrequency.ANNUAL)
    [inv] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, inv, date(2024, 1, 1))
    owed = app.invoice(inv).total
    policy = PastDuePolicy(days=30)
    assert app.apply_past_due_policy(policy, date(2024, 3, 1), actor="ops") == [cid]
    app.receive_payment(cust, owed, received_on=date(2024, 3, 5), reference="r", actor=A)
    app.reactivate_contract(cid, effective=date(2024, 3, 5), reason="paid", actor=A)
    assert app.apply_past_due_policy(policy, date(2024, 3, 10), actor="ops") == []
    assert app.contract(cid).status is ContractStatus.ACTIVE


def test_money_not_yet_allocated_covers_one_contract_s_late_invoice_not_two(
    app: QuoteToCash,
) -> None:
    """Two contracts of one customer each have a year's invoice 30 days late; the customer
    sent enough for one: the policy counts that money once, and suspends the other."""
    cust = customer(app)
    first = contract(app, cust, number="MC-1", frequency=BillingFrequency.ANNUAL)
    second = contract(app, cust, number="MC-2", frequency=BillingFrequency.ANNUAL)
    invoices = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    for inv in invoices:
        issue(app, inv, date(2024, 1, 1))
    one = app.invoice(invoices[0]).total
    app.receive_payment(cust, one, received_on=date(2024, 1, 20), reference="r", actor=A)
    suspended = app.apply_past_due_policy(PastDuePolicy(days=30), date(2024, 3, 1), actor="ops")
    assert suspended == [second]
    assert app.contract(first).status is ContractStatus.ACTIVE


def test_a_voided_period_invoice_gives_its_period_back(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust)
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    with pytest.raises(InvalidTransition):
        app.release_voided_contract_invoice(jan, actor="bea")  # still a draft
    app.void_invoice(
        jan, reason="wrong address", actor="bea", voided_on=date(2024, 1, 1)
    )  # gives the period back itself
    assert app.contract(cid).billed == {}
    assert app.release_voided_contract_invoice(jan, actor="bea") == []  # nothing left to give
    [again] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    assert again != jan and app.invoice(again).net == eur(150)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated):
        app.contract(cid).release_period(
            Period(date(2024, 1, 1), date(2024, 2, 1)), jan, "again", "bea"
        )
    assert app.release_voided_contract_invoice(jan, actor="bea") == []
    assert app.recorder.max_notification_id() == before


def test_the_run_gives_the_garbage_collector_back_even_when_it_fails(app: QuoteToCash) -> None:
    import gc

    cust = customer(app)
    contract(app, cust)
    app.run_billing(date(2024, 1, 1), actor="run")
    assert gc.isenabled()

    def broken(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("disk full")

    recorder: Any = app.recorder
    recorder.insert_events = broken
    with pytest.raises(RuntimeError):
        app.run_billing(date(2024, 2, 1), actor="run")
    assert gc.isenabled()


def test_several_workers_are_refused_where_no_other_process_can_open_the_store() -> None:
    """Memory and in-memory SQLite live inside one process: asking for workers there is a
    typed refusal naming the field, and nothing is billed; zero workers is refused too."""
    for url in ("memory:", "sqlite:///:memory:"):
        app = QuoteToCash.open(url)
        cust = customer(app)
        contract(app, cust)
        head = app.recorder.max_notification_id()
        for workers in (0, 2):
            with pytest.raises(InvalidValue) as refused:
                app.run_billing(date(2024, 2, 1), actor="run", workers=workers)
            assert refused.value.field == "workers"
        assert app.recorder.max_notification_id() == head
        app.close()


def test_the_policy_reads_invoices_a_group_at_a_time_and_misses_none(
    app: QuoteToCash, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for only three invoices at a time, contracts of two invoices each are read
    one group after another: the two with an unpaid invoice are suspended, the paid one not."""
    import q2c_core.billing_run as billing_run

    monkeypatch.setattr(billing_run, "_PAST_DUE_DOCUMENTS", 3)
    cust = customer(app)
    ids = [contract(app, cust, number=f"MC-{n}") for n in range(3)]
    run = app.run_billing(date(2024, 2, 1), actor="run")  # January and February, each
    assert len(run.invoice_ids) == 6
    for d in run.documents:
        issue(app, d.invoice_id, date(2024, 2, 1))
    paid = [d.invoice_id for d in run.documents if d.contract_id == ids[1]]
    for invoice_id in paid:
        pay = app.receive_payment(
            cust,
            app.invoice(invoice_id).total,
            received_on=date(2024, 2, 5),
            reference="r",
            actor=A,
        )
        app.allocate_payment(
            pay,
            [(invoice_id, app.invoice(invoice_id).total)],
            allocated_on=date(2024, 2, 5),
            actor=A,
        )
    found = app.apply_past_due_policy(PastDuePolicy(30), date(2024, 4, 1), actor="ops")
    assert found == [ids[0], ids[2]]


def test_a_day_past_what_the_calendar_can_reckon_from_is_refused(app: QuoteToCash) -> None:
    """Renewing evergreen terms and laying out periods after the day must stay within year
    9999: a run, a preview, the policy or the expiring list dated later is a typed refusal
    naming as_of, not a bare ValueError from the calendar, and nothing is recorded."""
    cust = customer(app)
    contract(app, cust, auto_renew=True)
    before = app.recorder.max_notification_id()
    late = date(9999, 6, 1)
    for attempt in (
        lambda: app.preview_billing(late),
        lambda: app.run_billing(late, actor="run"),
        lambda: app.apply_past_due_policy(PastDuePolicy(days=30), late, actor="run"),
        lambda: app.contracts_expiring_within(30, late),
    ):
        with pytest.raises(InvalidValue) as refused:
            attempt()
        assert refused.value.field == "as_of"
    assert app.recorder.max_notification_id() == before
