"""What a contract refuses so that no day is billed twice and no run ever breaks on it: a
sub-contract that moved away stays as it was where it left, a contract never activated is never
billed, and dates are business days (a datetime recorded once would stop every billing run)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import rewrite_stored_event
from test_contract_billing import A, billed_days, contract, customer, eur, sub

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    CardNumberRefused,
    ContractStatus,
    DuplicateEntry,
    InvalidValue,
    InvoiceKind,
    InvoiceStatus,
    PastDuePolicy,
    Period,
    PricePoint,
    Q2CError,
    QuoteToCash,
    RuleViolated,
    SubContract,
    SubContractKind,
)
from q2c_core.projections import (
    RevenueSchedule,
    UnbilledRevenue,
    all_projections,
    catch_up,
    rebuild,
)


def test_a_sub_contract_that_moved_away_is_changed_only_where_it_is_now(
    app: QuoteToCash,
) -> None:
    """S1 moves from MC-1 to MC-2 on 1 June. Moving it from MC-1 again (to MC-3, on 1 May)
    would have MC-2 and MC-3 both bill it; re-pricing or shortening it on MC-1 (a removal, or
    terminating MC-1 before the move) would leave MC-2's share of June (the month's charge less
    MC-1's part, worked out at the move) off by a cent. Each is refused naming the
    sub-contract, and nothing is recorded."""
    cust = customer(app)
    mc1 = contract(app, cust)
    mc2 = contract(app, cust, number="MC-2", subs=(sub("T1"),))
    mc3 = contract(app, cust, number="MC-3", subs=(sub("U1"),))
    app.reassign_sub_contract(mc1, "S1", mc2, effective=date(2024, 6, 1), actor=A)
    before = app.recorder.max_notification_id()
    refusals: list[Any] = [
        lambda: app.reassign_sub_contract(mc1, "S1", mc3, effective=date(2024, 5, 1), actor=A),
        lambda: app.reprice_sub_contract(
            mc1, "S1", effective=date(2024, 1, 5), annual_price=eur(850), actor=A
        ),
        lambda: app.remove_sub_contract(mc1, "S1", effective_to=date(2024, 3, 1), actor=A),
        # ending MC-1 before the move would end S1 there early too
        lambda: app.terminate_contract(
            mc1, effective=date(2024, 5, 1), reason="x", actor=A, noticed_on=date(2024, 5, 1)
        ),
    ]
    for refused in refusals:
        with pytest.raises(RuleViolated, match="moved to contract") as e:
            refused()
        assert "'S1'" in str(e.value) and e.value.field in ("sub_id", "effective")
    assert app.recorder.max_notification_id() == before
    # where it is now, it is changed as usual
    app.reprice_sub_contract(mc2, "S1", effective=date(2024, 9, 1), annual_price=eur(1500), actor=A)
    app.run_billing(date(2024, 12, 1), actor="run")
    days = billed_days(app, cust)
    s1 = [(c, d) for (c, s, d) in days if s == "S1" and days[(c, s, d)]]
    # billed monthly in advance through December: every day of 2024 once, by one contract
    assert len(s1) == len({d for _, d in s1}) == 366
    assert {days[(c, "S1", d)] for c, d in s1} == {1}
    assert {c for c, d in s1 if d >= date(2024, 6, 1)} == {mc2}


def test_a_sub_contract_moves_only_within_its_contracts_term(app: QuoteToCash) -> None:
    cust = customer(app)
    mc1 = contract(app, cust)
    mc2 = contract(app, cust, number="MC-2", subs=(sub("T1"),))
    with pytest.raises(InvalidValue, match="outside the term") as e:
        app.reassign_sub_contract(mc1, "S1", mc2, effective=date(2025, 2, 1), actor=A)
    assert e.value.field == "effective"


def test_a_contract_ended_before_it_was_ever_activated_is_never_billed(
    app: QuoteToCash,
) -> None:
    """Signed, never activated, then terminated (or left to expire): the service never
    started, so no run bills it, and neither the unbilled report nor the revenue forecast
    waits for money from it. One activated and then terminated is billed up to its end."""
    cust = customer(app)
    never = contract(app, cust, activate=False)
    app.terminate_contract(
        never,
        effective=date(2024, 6, 1),
        reason="never started",
        actor=A,
        noticed_on=date(2024, 6, 1),
    )
    lapsed = contract(app, cust, number="MC-2", activate=False)
    app.expire_contract(lapsed, effective=date(2025, 1, 1), actor=A)
    served = contract(app, cust, number="MC-3")
    app.terminate_contract(
        served, effective=date(2024, 3, 1), reason="moved on", actor=A, noticed_on=date(2024, 3, 1)
    )
    preview = app.preview_billing(date(2025, 1, 1))
    result = app.run_billing(date(2025, 1, 1), actor="run")
    assert [d.lines for d in preview] == [
        tuple(app.invoice(d.invoice_id).lines) for d in result.documents
    ]
    assert {d.contract_id for d in result.documents} == {served}
    assert [str(d.period) for d in result.documents] == [
        "2024-01-01..2024-01-31",
        "2024-02-01..2024-02-29",
    ]
    unbilled, revenue = UnbilledRevenue(), RevenueSchedule()
    catch_up(app, [unbilled, revenue])
    assert [i for i in unbilled.items(date(2025, 1, 1)) if i.kind == "contract_period"] == []
    # contracted: only MC-3's two drafted invoices (not issued yet), in January and February
    outlook = revenue.outlook(date(2024, 1, 1), 12)
    assert sum((m.contracted.amount for m in outlook), eur(0).amount) == sum(
        (d.net.amount for d in result.documents), eur(0).amount
    )
    assert all(m.contracted.is_zero() for m in outlook if m.month >= date(2024, 3, 1))


def test_a_contract_activated_after_its_term_began_is_billed_from_its_term_start(
    app: QuoteToCash,
) -> None:
    """MC-1 is signed for 2024 but goes live (is activated) only on 15 March. Activation is
    the gate, not the calendar: nothing is billed before it is recorded, and once it is, the
    run bills the term as signed, January and February too, 100.00 a month each. The
    activation day is kept in the contract's history; a customer who pays only from go-live
    signs the term, or the sub-contracts, from that day."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),), activate=False)
    assert app.run_billing(date(2024, 3, 1), actor="run").documents == ()
    app.activate_contract(cid, effective=date(2024, 3, 15), actor=A)
    assert app.contract(cid).status_since == date(2024, 3, 15)
    posted = app.run_billing(date(2024, 3, 15), actor="run")
    assert [(str(d.period), d.net) for d in posted.documents] == [
        ("2024-01-01..2024-01-31", eur(100)),
        ("2024-02-01..2024-02-29", eur(100)),
        ("2024-03-01..2024-03-31", eur(100)),
    ]


def test_a_contract_is_billed_once_its_go_live_day_has_come(app: QuoteToCash) -> None:
    """MC-1 is activated on 10 February with go-live on 1 June. A run before June bills
    nothing, the unbilled report shows nothing due, and the run on 1 June bills the term from
    January. MC-2, activated the same way, is terminated on 1 March, before it ever went live:
    it never bills, is never due, and is not listed as expiring."""
    from q2c_core.projections import UnbilledRevenue, catch_up

    cust = customer(app)
    live = contract(app, cust, subs=(sub("S1"),), activate=False)
    app.activate_contract(live, effective=date(2024, 6, 1), actor=A)
    never = contract(app, cust, number="MC-2", subs=(sub("S1"),), activate=False)
    app.activate_contract(never, effective=date(2024, 6, 1), actor=A)
    app.terminate_contract(
        never,
        effective=date(2024, 3, 1),
        reason="never went live",
        actor=A,
        noticed_on=date(2024, 3, 1),
    )
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    assert [i for i in unbilled.items(date(2024, 5, 31)) if i.kind == "contract_period"] == []
    assert app.preview_billing(date(2024, 5, 31)) == []
    assert app.run_billing(date(2024, 5, 31), actor="run").documents == ()
    assert [e.number for e in app.contracts_expiring_within(30, date(2024, 2, 15))] == []
    due = [i for i in unbilled.items(date(2024, 6, 1)) if i.kind == "contract_period"]
    posted = app.run_billing(date(2024, 6, 1), actor="run")
    assert {d.contract_id for d in posted.documents} == {live}
    assert len(posted.documents) == len(due) == 6  # January to June, MC-1 only


def fields_refused_adding_and_signing(
    app: QuoteToCash, cust: UUID, cid: UUID, given: SubContract
) -> tuple[str, str]:
    """The fields ``InvalidValue`` names when ``given`` is added to the contract ``cid``, and
    when the customer's MC-9 (2024, monthly) is signed with it."""
    with pytest.raises(InvalidValue) as added:
        app.add_sub_contract(cid, given, actor=A)
    with pytest.raises(InvalidValue) as signed:
        app.sign_contract(
            cust,
            number="MC-9",
            term=Period(date(2024, 1, 1), date(2025, 1, 1)),
            frequency=BillingFrequency.MONTHLY,
            signed_on=date(2024, 1, 1),
            actor=A,
            sub_contracts=[given],
        )
    return added.value.field, signed.value.field


def test_dates_of_a_sub_contract_are_business_days_and_its_text_is_scanned(
    app: QuoteToCash,
) -> None:
    """A datetime price date used to be recorded, then every run of the contract (and every
    rerun) stopped on a TypeError comparing it with a day; now a sub-contract given to a
    command is refused naming the field (at signing and when added), and nothing is recorded.
    A card number typed into a sub-contract's description is refused as in any free text, and
    a run's own day must be a date."""
    at_nine = datetime(2024, 3, 15, 9)
    day = date(2024, 3, 15)
    bad = {
        "sub_contract.prices.effective": SubContract(
            "S9", "x", SubContractKind.PRODUCT, day, [PricePoint(at_nine, eur(1200))]
        ),
        "sub_contract.effective_from": SubContract(
            "S9", "x", SubContractKind.PRODUCT, at_nine, [PricePoint(day, eur(1200))]
        ),
        "sub_contract.kind": SubContract("S9", "x", "product", day, [PricePoint(day, eur(1))]),  # type: ignore[arg-type]
        "sub_contract.prices.annual_price": SubContract(
            "S9",
            "x",
            SubContractKind.PRODUCT,
            day,
            [PricePoint(day, "1200")],  # type: ignore[arg-type]
        ),
    }
    cust = customer(app)
    cid = contract(app, cust)
    before = app.recorder.max_notification_id()
    for field, given in bad.items():
        added, signed = fields_refused_adding_and_signing(app, cust, cid, given)
        assert added == field
        assert signed == field.replace("sub_contract", "sub_contracts")
    carded = SubContract(
        "S9",
        "licence 4111 1111 1111 1111",
        SubContractKind.LICENCE,
        date(2024, 2, 1),
        [PricePoint(date(2024, 2, 1), eur(100))],
    )
    with pytest.raises(CardNumberRefused) as card:
        app.add_sub_contract(cid, carded, actor=A)
    assert card.value.field == "sub_contract.description"
    for day in (at_nine, "2024-03-01", None):
        with pytest.raises(InvalidValue) as run_day:
            app.run_billing(day, actor="run")  # type: ignore[arg-type]
        assert run_day.value.field == "as_of"
        with pytest.raises(InvalidValue):
            app.preview_billing(day)  # type: ignore[arg-type]
    assert app.recorder.max_notification_id() == before


def test_a_contract_signed_with_settings_of_the_wrong_type_is_refused(app: QuoteToCash) -> None:
    """Every run reads a contract's settings: "monthly" as text would stop every billing run of
    every contract for good, "actual" as text would prorate by 30/360 without a word, a term
    of datetimes would break every comparison with a day. Each is refused naming the setting,
    and nothing is recorded; the good contract signed before still bills."""
    cust = customer(app)
    good = contract(app, cust)
    before = app.recorder.max_notification_id()
    term = Period(date(2024, 1, 1), date(2025, 1, 1))

    def refused(**settings: Any) -> InvalidValue:
        """Sign MC-9 monthly for 2024 with these settings; the refusal."""
        given = {"term": term, "frequency": BillingFrequency.MONTHLY, **settings}
        with pytest.raises(InvalidValue) as e:
            app.sign_contract(cust, number="MC-9", signed_on=term.start, actor=A, **given)
        return e.value

    cases: dict[str, Any] = {
        "frequency": "monthly",
        "timing": "in_advance",
        "alignment": "calendar",
        "day_count": "actual",
        "auto_renew": "yes",
        "sub_contracts": "S1",
    }
    for setting, value in cases.items():
        assert refused(**{setting: value}).field == setting
    at_noon = Period(datetime(2024, 1, 1, 12), datetime(2025, 1, 1))
    dated = refused(term=at_noon)
    assert dated.field == "term.start" and "not a datetime" in str(dated)
    with pytest.raises(InvalidValue, match="both be dates"):
        Period(date(2024, 1, 1), datetime(2025, 1, 1))
    assert app.recorder.max_notification_id() == before
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").documents
    assert jan.contract_id == good


def test_the_billing_commands_refuse_inputs_of_the_wrong_kind_naming_the_field(
    app: QuoteToCash,
) -> None:
    """Each refusal is a q2c error naming the field (not a TypeError or AttributeError from
    deep inside), and nothing is recorded."""
    cust = customer(app)
    cid = contract(app, cust)
    other = contract(app, cust, number="MC-2", subs=(sub("T1"),))
    before = app.recorder.max_notification_id()
    calls: dict[str, Any] = {
        "days": lambda: app.contracts_expiring_within(2.5, date(2024, 6, 1)),  # type: ignore[arg-type]
        "as_of": lambda: app.contracts_expiring_within(30, "2024-06-01"),  # type: ignore[arg-type]
        "policy": lambda: app.apply_past_due_policy(30, date(2024, 6, 1), actor=A),  # type: ignore[arg-type]
        "batch_size": lambda: app.run_billing(date(2024, 1, 1), actor="r", batch_size="10"),  # type: ignore[arg-type]
        "workers": lambda: app.run_billing(date(2024, 1, 1), actor="r", workers=1.5),  # type: ignore[arg-type]
        "progress": lambda: app.run_billing(date(2024, 1, 1), actor="r", progress=5),  # type: ignore[arg-type]
        "effective": lambda: app.reassign_sub_contract(
            cid,
            "S1",
            other,
            effective="2024-03-01",  # type: ignore[arg-type]
            actor=A,
        ),
        "new_prices": lambda: app.renew_contract(
            cid,
            new_end=date(2026, 1, 1),
            effective=date(2025, 1, 1),
            actor=A,
            new_prices={"S1": "5"},  # type: ignore[dict-item]
        ),
        "sub_contract": lambda: app.add_sub_contract(cid, "S9", actor=A),  # type: ignore[arg-type]
    }
    for field, call in calls.items():
        with pytest.raises(Q2CError) as e:
            call()
        assert e.value.field == field, (field, e.value)
    with pytest.raises(InvalidValue) as policy:
        PastDuePolicy(2.5)  # type: ignore[arg-type]
    assert policy.value.field == "days"
    with pytest.raises(InvalidValue) as prices:
        SubContract("S9", "x", SubContractKind.PRODUCT, date(2024, 1, 1), None)  # type: ignore[arg-type]
    assert prices.value.field == "prices"
    assert app.recorder.max_notification_id() == before


def test_a_status_change_says_why_in_words(app: QuoteToCash) -> None:
    """Suspending, reactivating and terminating name a reason: None or a number is refused as
    a blank one is (``InvalidValue`` naming ``reason``, not an AttributeError), nothing
    recorded."""
    cust = customer(app)
    active = contract(app, cust)
    held = contract(app, cust, number="MC-2")
    app.suspend_contract(held, effective=date(2024, 3, 1), reason="unpaid", actor=A)
    before = app.recorder.max_notification_id()
    calls: dict[str, Any] = {
        "suspend": lambda r: app.suspend_contract(
            active, effective=date(2024, 4, 1), reason=r, actor=A
        ),
        "reactivate": lambda r: app.reactivate_contract(
            held, effective=date(2024, 4, 1), reason=r, actor=A
        ),
        "terminate": lambda r: app.terminate_contract(
            held, effective=date(2024, 4, 1), reason=r, actor=A, noticed_on=date(2024, 4, 1)
        ),
    }
    for name, call in calls.items():
        for bad in (None, 42, "  "):
            with pytest.raises(InvalidValue) as refused:
                call(bad)
            assert refused.value.field == "reason", (name, bad, refused.value)
    assert app.recorder.max_notification_id() == before


def test_a_customer_has_one_contract_of_each_number(app: QuoteToCash) -> None:
    """Imports find a contract by its customer and number, and documents print the number: a
    second MC-1 for the same customer is refused (naming the one it has), nothing recorded;
    another customer's MC-1 is its own."""
    acme, beta = customer(app), customer(app, "Beta")
    first = contract(app, acme)
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as twice:
        contract(app, acme, number=" MC-1 ")
    assert twice.value.field == "number" and twice.value.aggregate_id == first
    assert app.recorder.max_notification_id() == before
    assert contract(app, beta) != first


def test_a_history_recorded_before_the_checks_still_loads(tmp_path: Path) -> None:
    """Events are forever: a sub-contract recorded before price dates were checked, with a
    datetime price date (written here into the stored event as the old code wrote it), still
    loads, can be terminated, and its projections rebuild; only new input is checked."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = QuoteToCash.open(url)
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    transcoder: Any = app.mapper.transcoder
    old_point = json.loads(
        transcoder.encode({"p": PricePoint(datetime(2024, 1, 1, 9), eur(1200))}).decode()
    )["p"]
    app.close()

    def old_price(signed: dict[str, Any]) -> None:
        signed["sub_contracts"][0]["_data_"]["prices"] = [old_point]

    rewrite_stored_event(tmp_path / "old.db", "Contract.ContractSigned", old_price)
    reopened = QuoteToCash.open(url)
    [point] = reopened.contract(cid).sub_contracts["S1"].prices
    assert point.effective == datetime(2024, 1, 1, 9)  # as recorded, read back
    reopened.terminate_contract(
        cid, effective=date(2024, 6, 1), reason="left", actor=A, noticed_on=date(2024, 6, 1)
    )
    assert reopened.contract(cid).status is ContractStatus.TERMINATED
    projections = all_projections()
    assert rebuild(reopened, projections) > 0
    reopened.close()


def test_in_arrears_days_a_renewal_adds_to_a_billed_period_are_billed_after_it(
    app: QuoteToCash,
) -> None:
    """In arrears, S1 and S2 until 15 June: June's first 14 days are billed on 16 June, once
    the term has ended. The contract is renewed on 17 June; the days it adds to June (15-30
    June) are billed after June, on 1 July, like every day in arrears, not at once. S3, added
    back for May in the same run of 17 June, is billed then (May is over), and that record
    does not make the runs forget June. Each day is billed once in all."""
    cust, cid = _june_billed_early_then_renewed(app)
    may_only = sub("S3", start=date(2024, 5, 1), price=310, effective_to=date(2024, 6, 1))
    app.add_sub_contract(cid, may_only, actor=A)
    [may] = app.run_billing(date(2024, 6, 17), actor="run").documents
    assert [ln.source.sub_contract_id for ln in _lines(app, may)] == ["S3"]
    assert app.preview_billing(date(2024, 6, 30)) == []
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    assert [i for i in unbilled.items(date(2024, 6, 30)) if i.contract_id] == []
    due = [i.kind for i in unbilled.items(date(2024, 7, 1)) if i.contract_id]
    assert due == ["contract_correction"]
    [extra] = app.run_billing(date(2024, 7, 1), actor="run").documents
    assert extra.kind is InvoiceKind.STANDARD
    assert [(ln.source.sub_contract_id, ln.source.period) for ln in _lines(app, extra)] == [
        ("S1", Period(date(2024, 6, 15), date(2024, 7, 1))),
        ("S2", Period(date(2024, 6, 15), date(2024, 7, 1))),
    ]
    assert app.run_billing(date(2024, 7, 2), actor="run").documents == ()
    days = billed_days(app, cust)
    half_year = list(Period(date(2024, 1, 1), date(2024, 7, 1)).each_day())
    assert {days[(cid, s, d)] for s in ("S1", "S2") for d in half_year} == {1}
    may_days = [d for d in half_year if days[(cid, "S3", d)]]
    assert (may_days[0], may_days[-1], len(may_days)) == (date(2024, 5, 1), date(2024, 5, 31), 31)


def test_in_arrears_a_credit_is_never_kept_waiting(app: QuoteToCash) -> None:
    """The same early-billed June, renewed, and S2 removed back to 16 May: June's correction
    credits S2's June days, so it is made whole on the next run (the renewal's days for S1
    with it), never held back while another contract may already bill those days."""
    cust, cid = _june_billed_early_then_renewed(app)
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 5, 16), actor=A)
    documents = app.run_billing(date(2024, 6, 17), actor="run").documents
    credited = {
        (ln.source.sub_contract_id, ln.source.period)
        for d in documents
        if d.kind is InvoiceKind.CREDIT_NOTE
        for ln in _lines(app, d)
    }
    assert ("S2", Period(date(2024, 6, 1), date(2024, 6, 15))) in credited
    assert app.run_billing(date(2024, 7, 1), actor="run").documents == ()
    days = billed_days(app, cust)
    assert [
        d for d in Period(date(2024, 1, 1), date(2024, 7, 1)).each_day() if days[(cid, "S2", d)]
    ][-1] == date(2024, 5, 15)


def _june_billed_early_then_renewed(app: QuoteToCash) -> tuple[UUID, UUID]:
    """In arrears, S1 (1,200 a year) and S2 (600) until 15 June: June's first 14 days billed on
    16 June, once the term ended; the contract renewed to the end of the year on 17 June."""
    cust = customer(app)
    cid = contract(
        app,
        cust,
        subs=(sub("S1"), sub("S2", price=600)),
        term=Period(date(2024, 1, 1), date(2024, 6, 15)),
        timing=BillingTiming.IN_ARREARS,
    )
    [*_, june] = app.run_billing(date(2024, 6, 16), actor="run").documents
    assert june.period == Period(date(2024, 6, 1), date(2024, 7, 1))
    app.renew_contract(cid, new_end=date(2025, 1, 1), effective=date(2024, 6, 15), actor=A)
    return cust, cid


def _lines(app: QuoteToCash, document: Any) -> list[Any]:
    return [ln for ln in app.invoice(document.invoice_id).lines if ln.source is not None]


def test_in_arrears_a_voided_correction_rolls_back_to_a_basis_that_still_waits(
    app: QuoteToCash,
) -> None:
    """June billed early (the term ended on 15 June); S3 added from 1 June and billed for 1-14
    June; then the contract renewed (15-30 June wait); then S3's correction is voided. The
    correction made again bills S3's June days and the renewal's together, and still not
    before 1 July (the basis it rolls back to ran to 15 June too), as the unbilled report
    says."""
    cust = customer(app)
    term = Period(date(2024, 1, 1), date(2024, 6, 15))
    cid = contract(app, cust, term=term, timing=BillingTiming.IN_ARREARS)
    app.run_billing(date(2024, 6, 16), actor="run")
    app.add_sub_contract(cid, sub("S3", start=date(2024, 6, 1), price=2400), actor=A)
    [s3] = app.run_billing(date(2024, 6, 16), actor="run").documents
    app.renew_contract(cid, new_end=date(2025, 1, 1), effective=date(2024, 6, 15), actor=A)
    assert app.run_billing(date(2024, 6, 17), actor="run").documents == ()
    app.void_invoice(
        s3.invoice_id, reason="sent to the wrong address", actor=A, voided_on=date(2024, 6, 16)
    )
    assert app.preview_billing(date(2024, 6, 30)) == []
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    assert [i for i in unbilled.items(date(2024, 6, 30)) if i.kind == "contract_correction"] == []
    [redone] = app.run_billing(date(2024, 7, 1), actor="run").documents
    assert {ln.source.sub_contract_id for ln in _lines(app, redone)} == {"S1", "S2", "S3"}
    live = [i for i in app.invoices(cust) if i.status is not InvoiceStatus.VOIDED]
    june = Period(date(2024, 6, 1), date(2024, 7, 1))
    for name in ("S1", "S2", "S3"):
        spans = [
            ln.source.period
            for i in live
            for ln in i.lines
            if ln.source and ln.source.sub_contract_id == name and ln.source.period.overlaps(june)
        ]
        assert sum(p.days for p in spans) == 30, name  # June once, in live invoices


def test_in_arrears_added_days_with_nothing_to_bill_are_looked_at_once(app: QuoteToCash) -> None:
    """June billed early, then renewed, but no sub-contract covers the days the renewal adds
    to June (both ended with the old term): on 1 July the run finds nothing to bill for them,
    records so, and later runs no longer look back at June."""
    cust = customer(app)
    term = Period(date(2024, 1, 1), date(2024, 6, 15))
    ended = tuple(sub(s, price=p, effective_to=term.end) for s, p in (("S1", 1200), ("S2", 600)))
    cid = contract(app, cust, subs=ended, term=term, timing=BillingTiming.IN_ARREARS)
    app.run_billing(date(2024, 6, 16), actor="run")
    app.renew_contract(cid, new_end=date(2025, 1, 1), effective=date(2024, 6, 15), actor=A)
    assert app.contract(cid).arrears_correction_due(date(2024, 7, 1))
    assert app.run_billing(date(2024, 7, 1), actor="run").documents == ()
    assert not app.contract(cid).arrears_correction_due(date(2024, 8, 1))


def _previewed_as_run(app: QuoteToCash, day: date) -> list[tuple[str, Any]]:
    """The run of ``day``'s documents, after checking the preview showed exactly them."""
    preview = app.preview_billing(day)
    result = app.run_billing(day, actor="run")
    assert [d.lines for d in preview] == [
        tuple(app.invoice(d.invoice_id).lines) for d in result.documents
    ]
    return [(str(d.period), d.net) for d in result.documents]


def test_an_evergreen_contract_live_after_its_first_term_is_billed_and_renewed_monthly(
    app: QuoteToCash,
) -> None:
    """MC-1 is a rolling monthly contract (auto-renew) signed for January 2024 at 1,200.00 a
    year; it goes live on 15 February, after its first month. From that day it is billed like
    any evergreen contract: the run of 15 February bills January (the term as signed, from its
    start) and February (renewed), 1 March bills March, 1 June April to June, 100.00 each, and
    the term runs on month by month. The unbilled report, the expiring list and the forecast
    tell the same story, and the notice given for 15 June credits the rest of June only: no
    months pile up to be billed at once. (It used to bill nothing and stay on January until the
    notice, then bill the six months in one run.)"""
    cust = customer(app)
    cid = contract(
        app,
        cust,
        subs=(sub("S1"),),
        term=Period(date(2024, 1, 1), date(2024, 2, 1)),
        activate=False,
        auto_renew=True,
    )
    app.activate_contract(cid, effective=date(2024, 2, 15), actor=A)
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    due = [i.item_id for i in unbilled.items(date(2024, 2, 15)) if i.kind == "contract_period"]
    assert due == ["2024-01-01..2024-01-31", "2024-02-01..2024-02-29"]
    assert _previewed_as_run(app, date(2024, 2, 15)) == [
        ("2024-01-01..2024-01-31", eur(100)),
        ("2024-02-01..2024-02-29", eur(100)),
    ]
    assert app.contract(cid).term == Period(date(2024, 1, 1), date(2024, 3, 1))
    assert _previewed_as_run(app, date(2024, 3, 1)) == [("2024-03-01..2024-03-31", eur(100))]
    assert _previewed_as_run(app, date(2024, 6, 1)) == [
        ("2024-04-01..2024-04-30", eur(100)),
        ("2024-05-01..2024-05-31", eur(100)),
        ("2024-06-01..2024-06-30", eur(100)),
    ]
    assert app.contract(cid).term == Period(date(2024, 1, 1), date(2024, 7, 1))
    catch_up(app, [unbilled])
    assert [i for i in unbilled.items(date(2024, 6, 1)) if i.kind == "contract_period"] == []
    expiring = app.contracts_expiring_within(30, date(2024, 6, 1))
    assert [(e.number, e.term_end, e.days_left) for e in expiring] == [
        ("MC-1", date(2024, 7, 1), 29)
    ]
    app.terminate_contract(
        cid, effective=date(2024, 6, 15), reason="notice", actor=A, noticed_on=date(2024, 6, 15)
    )
    credit = app.run_billing(date(2024, 6, 15), actor="run").documents
    assert [(d.kind, d.net) for d in credit] == [(InvoiceKind.CREDIT_NOTE, eur("53.33"))]
    assert sum(billed_days(app, cust).values()) == 31 + 29 + 31 + 30 + 31 + 14


def test_a_fixed_term_contract_live_after_its_term_ended_is_billed_for_its_term(
    app: QuoteToCash,
) -> None:
    """MC-1, a quarterly contract for January to March 2024 at 1,200.00 a year, is activated
    only on 1 April, once its term has ended. The go-live day has come while it is live, so
    the run bills the term as signed, 300.00 for the quarter, and the unbilled report, the
    expiring list (its term ended, still live) and the forecast agree; left to expire later,
    it is billed all the same. MC-2, alike but going live on 1 May, expires on 15 April,
    before its go-live day: it was never served, and nothing waits for money from it. (Both
    used to count as never served: the run billed neither, while the forecast counted MC-1.)"""
    cust = customer(app)
    quarter = Period(date(2024, 1, 1), date(2024, 4, 1))
    terms: dict[str, Any] = {
        "term": quarter,
        "activate": False,
        "frequency": BillingFrequency.QUARTERLY,
    }
    live = contract(app, cust, subs=(sub("S1"),), **terms)
    app.activate_contract(live, effective=date(2024, 4, 1), actor=A)
    never = contract(app, cust, number="MC-2", subs=(sub("S1"),), **terms)
    app.activate_contract(never, effective=date(2024, 5, 1), actor=A)
    app.expire_contract(never, effective=date(2024, 4, 15), actor=A)
    unbilled, revenue = UnbilledRevenue(), RevenueSchedule()
    catch_up(app, [unbilled, revenue])
    due = [
        (i.contract_id, i.item_id, i.amount)
        for i in unbilled.items(date(2024, 4, 1))
        if i.kind == "contract_period"
    ]
    assert due == [(live.hex, "2024-01-01..2024-03-31", eur(300))]
    outlook = revenue.outlook(date(2024, 1, 1), 12)
    assert sum((m.contracted.amount for m in outlook), eur(0).amount) == eur(300).amount
    expiring = app.contracts_expiring_within(30, date(2024, 4, 15))
    assert [(e.number, e.days_left) for e in expiring] == [("MC-1", -15)]
    # (on 1 April MC-2 was still signed, its term ended: its expiry is dated 15 April)
    expiring = app.contracts_expiring_within(30, date(2024, 4, 1))
    assert [(e.number, e.days_left) for e in expiring] == [("MC-1", -1), ("MC-2", -1)]
    app.expire_contract(live, effective=date(2024, 4, 2), actor=A)
    assert _previewed_as_run(app, date(2024, 4, 2)) == [("2024-01-01..2024-03-31", eur(300))]
    assert app.run_billing(date(2024, 6, 1), actor="run").documents == ()
