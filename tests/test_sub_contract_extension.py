"""A sub-contract removed by mistake is covered again by an event, and billed for exactly the
days it covers again: no day twice, none lost, nothing rewritten."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import (
    YEAR,
    A,
    billed_amount,
    billed_days,
    contract,
    customer,
    eur,
    issue,
    sub,
)

from q2c_core import (
    ContractStatus,
    InvalidValue,
    InvoiceKind,
    Period,
    Q2CError,
    QuoteToCash,
    RuleViolated,
)
from q2c_core.projections import UnbilledRevenue, all_projections, catch_up, rebuild

JAN = Period(date(2024, 1, 1), date(2024, 2, 1))
FEB = Period(date(2024, 2, 1), date(2024, 3, 1))


def test_a_removal_recorded_by_mistake_is_undone_and_billed_again_for_exactly_its_days(
    app: QuoteToCash,
) -> None:
    cust = customer(app)
    cid = contract(app, cust)  # S1 1,200 + S2 600 a year: 150.00 a month
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, jan, date(2024, 1, 2))
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 17), actor=A)
    [note] = app.run_billing(date(2024, 1, 20), actor="run").documents
    assert note.kind is InvoiceKind.CREDIT_NOTE  # 15 of 31 days of S2 credited
    # the account manager notices: the customer never cancelled S2
    app.extend_sub_contract(cid, "S2", effective_to=None, actor="mia")
    assert app.contract(cid).sub_contracts["S2"].effective_to is None
    preview = app.preview_billing(date(2024, 1, 21))
    [extra] = app.run_billing(date(2024, 1, 21), actor="run").documents
    assert [d.lines for d in preview] == [tuple(app.invoice(extra.invoice_id).lines)]
    assert extra.kind is InvoiceKind.STANDARD and extra.net == note.net
    [line] = app.invoice(extra.invoice_id).lines
    assert line.source is not None and line.source.sub_contract_id == "S2"
    assert line.source.period == Period(date(2024, 1, 17), date(2024, 2, 1))
    assert billed_amount(app, cust) == eur(150).amount  # January, once
    days = billed_days(app, cust)
    assert {days[(cid, s, d)] for s in ("S1", "S2") for d in JAN.each_day()} == {1}
    assert app.run_billing(date(2024, 1, 22), actor="run").documents == ()
    [feb] = app.run_billing(date(2024, 2, 1), actor="run").documents
    assert feb.period == FEB and feb.net == eur(150)


def test_a_later_end_bills_the_days_up_to_it(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1", price=3100),))
    app.remove_sub_contract(cid, "S1", effective_to=date(2024, 1, 11), actor=A)
    app.extend_sub_contract(cid, "S1", effective_to=date(2024, 1, 21), actor=A)
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").documents
    [line] = app.invoice(jan.invoice_id).lines
    assert line.source is not None
    assert line.source.period == Period(date(2024, 1, 1), date(2024, 1, 21))
    assert app.run_billing(date(2024, 2, 1), actor="run").documents == ()  # ended


def test_an_extension_the_rules_refuse_records_nothing(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust)
    other = contract(app, cust, number="MC-2", subs=(sub("T1"),))
    app.reassign_sub_contract(cid, "S1", other, effective=date(2024, 3, 1), actor=A)
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 6, 1), actor=A)
    before = app.recorder.max_notification_id()
    cases: list[tuple[str, date | None, type[Q2CError], str]] = [
        ("S1", None, RuleViolated, "sub_id"),  # it moved: covered on MC-2 now
        ("S2", date(2024, 6, 1), InvalidValue, "effective_to"),  # not later
        ("S2", date(2024, 5, 1), InvalidValue, "effective_to"),  # earlier: that is a removal
        ("S9", None, RuleViolated, "sub_id"),
    ]
    for sub_id, end, error, field in cases:
        with pytest.raises(error) as e:
            app.extend_sub_contract(cid, sub_id, effective_to=end, actor=A)
        assert e.value.field == field, (sub_id, end)
    with pytest.raises(InvalidValue) as open_ended:
        app.extend_sub_contract(other, "T1", effective_to=None, actor=A)
    assert open_ended.value.field == "effective_to"
    app.terminate_contract(
        other, effective=date(2024, 7, 1), reason="left", actor=A, noticed_on=date(2024, 7, 1)
    )
    mark = app.recorder.max_notification_id()
    # (an ended contract takes an extension up to its end only: its served days corrected)
    with pytest.raises(InvalidValue, match="ended on 2024-07-01") as past_the_end:
        app.extend_sub_contract(other, "T1", effective_to=None, actor=A)
    assert past_the_end.value.field == "effective_to"
    assert app.recorder.max_notification_id() == mark
    assert before is not None and mark == before + 1  # only the termination was recorded
    assert app.contract(cid).sub_contracts["S2"].effective_to == date(2024, 6, 1)


def test_a_sub_contract_that_ended_before_a_renewal_comes_back_as_a_new_one(
    app: QuoteToCash,
) -> None:
    """The renewal's uplift never priced it for the new term: extending it would bill the new
    term at the old price, so the rule refuses and says what to do."""
    cust = customer(app)
    cid = contract(app, cust)
    app.remove_sub_contract(cid, "S2", effective_to=YEAR.end, actor=A)
    app.renew_contract(cid, new_end=date(2026, 1, 1), effective=YEAR.end, actor=A, uplift_percent=5)
    assert app.contract(cid).sub_contracts["S1"].price_on(YEAR.end) == eur(1260)
    with pytest.raises(RuleViolated, match="under a new id") as e:
        app.extend_sub_contract(cid, "S2", effective_to=None, actor=A)
    assert e.value.field == "effective_to"
    # the rule holds for a contract read back from its snapshot
    app.take_snapshot(cid)
    assert app.snapshots is not None and list(app.snapshots.get(cid))
    reloaded = app.contract(cid)
    assert list(reloaded.renewed_on) == [YEAR.end]
    with pytest.raises(RuleViolated):
        reloaded.extend_sub_contract("S2", None, A)
    # one that ended inside the renewed term can be extended
    app.remove_sub_contract(cid, "S1", effective_to=date(2025, 3, 1), actor=A)
    app.extend_sub_contract(cid, "S1", effective_to=None, actor=A)
    assert app.contract(cid).status is ContractStatus.ACTIVE
    assert app.contract(cid).sub_contracts["S1"].effective_to is None


def test_an_extension_reads_back_from_storage_and_replays_into_the_same_reports(
    shared_url: str,
) -> None:
    """On a SQLite file and on PostgreSQL: the extension event, and the renewal rule kept in a
    snapshot, read back in a new application; read models followed step by step equal a
    rebuild from the start."""
    app = QuoteToCash.open(shared_url)
    followed = all_projections()
    cust = customer(app)
    cid = contract(app, cust)
    app.run_billing(date(2024, 1, 1), actor="run")
    catch_up(app, followed)
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 17), actor=A)
    app.run_billing(date(2024, 1, 20), actor="run")
    catch_up(app, followed)
    app.extend_sub_contract(cid, "S2", effective_to=None, actor="mia")
    app.remove_sub_contract(cid, "S1", effective_to=YEAR.end, actor=A)
    app.renew_contract(cid, new_end=date(2026, 1, 1), effective=YEAR.end, actor=A, uplift_percent=3)
    app.take_snapshot(cid)
    catch_up(app, followed)
    app.close()
    again = QuoteToCash.open(shared_url)
    stored = again.contract(cid)
    assert stored.sub_contracts["S2"].effective_to is None
    assert list(stored.renewed_on) == [YEAR.end]
    with pytest.raises(RuleViolated):
        again.extend_sub_contract(cid, "S1", effective_to=None, actor=A)
    [extra] = again.run_billing(date(2024, 1, 21), actor="run").documents
    assert extra.net == eur("24.19")  # S2's 15 days of January again (15/31 of 50.00)
    catch_up(again, followed)
    rebuilt = all_projections()
    rebuild(again, rebuilt)
    assert {p.name: p.rows() for p in followed} == {p.name: p.rows() for p in rebuilt}
    again.close()


def test_a_sub_contract_priced_by_the_renewal_is_extended_after_a_back_dated_removal(
    app: QuoteToCash,
) -> None:
    """The term was renewed with 5 % while S2 was covered (600 -> 630 from 2025); S2 is then
    removed back-dated to December by mistake. The renewal did price it for the new term, so
    the removal is undone and 2025 bills at 630."""
    cust = customer(app)
    cid = contract(app, cust)
    app.renew_contract(cid, new_end=date(2026, 1, 1), effective=YEAR.end, actor=A, uplift_percent=5)
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 12, 1), actor=A)
    app.extend_sub_contract(cid, "S2", effective_to=None, actor=A)
    s2 = app.contract(cid).sub_contracts["S2"]
    assert s2.effective_to is None and s2.price_on(YEAR.end) == eur(630)


def test_a_contract_from_a_snapshot_older_than_the_rule_learns_its_renewals_from_events(
    shared_url: str,
) -> None:
    """A snapshot stored before ``renewed_on`` existed has none: the application reads the
    renewals from the contract's events, so the rule holds as for any other contract."""
    app = QuoteToCash.open(shared_url)
    try:
        cust = customer(app)
        cid = contract(app, cust)
        app.remove_sub_contract(cid, "S2", effective_to=YEAR.end, actor=A)
        app.renew_contract(
            cid, new_end=date(2026, 1, 1), effective=YEAR.end, actor=A, uplift_percent=5
        )
        old = app.contract(cid)
        del old.__dict__["renewed_on"]  # as the older code snapshotted it
        assert app.snapshots is not None
        app.snapshots.put([type(old).Snapshot.take(old)])  # type: ignore[attr-defined]
        loaded = app.contract(cid)
        assert loaded.renewed_on is None
        before = app.recorder.max_notification_id()
        with pytest.raises(RuleViolated, match="uplift on 2025-01-01"):
            app.extend_sub_contract(cid, "S2", effective_to=None, actor=A)
        assert app.recorder.max_notification_id() == before
        app.remove_sub_contract(cid, "S1", effective_to=date(2025, 6, 1), actor=A)
        app.extend_sub_contract(cid, "S1", effective_to=None, actor=A)
        assert app.contract(cid).sub_contracts["S1"].effective_to is None
    finally:
        app.close()


@pytest.mark.parametrize("extended_first", [True, False], ids=["extended first", "renewed first"])
def test_a_price_agreed_in_a_renewal_stands_when_the_removal_is_undone_after_it(
    app: QuoteToCash, extended_first: bool
) -> None:
    """S1 and S2 are billed 1,200.00 a year each; S2 is removed from 1 December by mistake.
    The 2025 renewal agrees 1,500.00 a year for both. Whether the removal is undone before
    or after the renewal is recorded, January 2025 bills S2 at 125.00, the agreed price, and
    December 2024 at 100.00. (Undone after, the renewal's price for S2 used to be dropped
    without a word and S2 billed at 100.00, the old price.)"""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"), sub("S2")))
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 12, 1), actor=A)
    if extended_first:
        app.extend_sub_contract(cid, "S2", effective_to=None, actor=A)
    app.renew_contract(
        cid,
        new_end=date(2026, 1, 1),
        effective=YEAR.end,
        actor=A,
        new_prices={"S1": eur(1500), "S2": eur(1500)},
    )
    if not extended_first:
        app.extend_sub_contract(cid, "S2", effective_to=None, actor=A)
    s2 = app.contract(cid).sub_contracts["S2"]
    assert s2.price_on(date(2024, 12, 31)) == eur(1200)
    assert s2.price_on(YEAR.end) == eur(1500)
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    due = {i.item_id: i.amount for i in unbilled.items(YEAR.end) if i.kind == "contract_period"}
    preview = app.preview_billing(YEAR.end)
    documents = app.run_billing(YEAR.end, actor="run").documents
    assert [d.lines for d in preview] == [tuple(app.invoice(d.invoice_id).lines) for d in documents]
    assert due == {str(d.period): d.net for d in documents}
    lines = {
        (str(line.source.period), line.source.sub_contract_id): line.unit_price
        for d in documents
        for line in app.invoice(d.invoice_id).lines
        if line.source is not None
    }
    assert lines[("2024-12-01..2024-12-31", "S2")] == eur(100)
    assert lines[("2025-01-01..2025-01-31", "S2")] == eur(125)
    assert lines[("2025-01-01..2025-01-31", "S1")] == eur(125)
