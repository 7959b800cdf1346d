"""Unbilled revenue reads a contract period's correction as it reads the period itself: the
basis a period's invoice billed counts from the day it was drafted until the day it was voided,
and a correction billed by a run counts from the run's day until its documents' void day. So a
run or a void recorded later leaves what an earlier day read as it was."""

from __future__ import annotations

from datetime import date
from typing import Any

from test_contract_billing import A, contract, customer, issue, sub

from q2c_core import InvoiceKind, QuoteToCash
from q2c_core.projections import UnbilledRevenue, catch_up, rebuild

JANUARY = "2024-01-01..2024-01-31"


def contract_items(app: QuoteToCash, day: date) -> dict[tuple[str, str], str]:
    """What unbilled revenue lists on ``day`` for contracts (followed in small pages and rebuilt
    alike): by kind and period, the amount."""
    followed = UnbilledRevenue()
    catch_up(app, [followed], page_size=2)
    rebuilt = UnbilledRevenue()
    rebuild(app, [rebuilt])
    assert followed.rows() == rebuilt.rows()
    items = followed.items(day)
    assert items == rebuilt.items(day)
    return {(i.kind, i.item_id): str(i.amount.amount) for i in items if i.contract_id}


def acme_with_a_second_product(tmp_path: Any) -> tuple[QuoteToCash, Any]:
    """Acme's contract from 1 January 2024, product S1 at 1,200.00 a year billed monthly in
    advance: the run of 1 January bills January (100.00). Product S2, 1,200.00 a year from
    1 January too, is added afterwards: January's invoice billed 100.00 too little."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/acme.db")
    acme = customer(app)
    cid = contract(app, acme, subs=(sub("S1"),))
    run = app.run_billing(date(2024, 1, 1), actor=A)
    app.add_sub_contract(cid, sub("S2"), actor=A)
    return app, run.documents[0].invoice_id


def test_voiding_a_period_invoice_leaves_the_correction_of_earlier_days(tmp_path: Any) -> None:
    """January's invoice (drafted 1 January) is voided on 20 January. Before the void, 10 and
    19 January read a correction of 100.00 (S2's January); after it they still do, since the
    invoice billed January on those days. From 20 January, January is due again in full:
    200.00, with no correction."""
    app, january = acme_with_a_second_product(tmp_path)
    correction = {("contract_correction", JANUARY): "100.00"}
    assert contract_items(app, date(2024, 1, 10)) == correction
    assert contract_items(app, date(2024, 1, 19)) == correction

    app.void_invoice(january, reason="wrong products", actor=A, voided_on=date(2024, 1, 20))

    assert contract_items(app, date(2024, 1, 10)) == correction
    assert contract_items(app, date(2024, 1, 19)) == correction
    assert contract_items(app, date(2024, 1, 20)) == {("contract_period", JANUARY): "200.00"}


def test_a_correction_is_billed_from_its_runs_day_until_its_void_day(tmp_path: Any) -> None:
    """The run of 15 January bills S2's January (100.00) on an extra invoice; that invoice is
    voided on 20 January. 10 January read the correction due before the run and still does
    after it; 16 January read nothing due after the run and still does after the void; from 20
    January the correction is due again."""
    app, _ = acme_with_a_second_product(tmp_path)
    correction = {("contract_correction", JANUARY): "100.00"}
    assert contract_items(app, date(2024, 1, 10)) == correction

    run = app.run_billing(date(2024, 1, 15), actor=A)
    [extra] = [d.invoice_id for d in run.documents]

    assert contract_items(app, date(2024, 1, 10)) == correction
    assert contract_items(app, date(2024, 1, 16)) == {}

    app.void_invoice(extra, reason="billed twice", actor=A, voided_on=date(2024, 1, 20))

    assert contract_items(app, date(2024, 1, 10)) == correction
    assert contract_items(app, date(2024, 1, 16)) == {}
    assert contract_items(app, date(2024, 1, 20)) == correction


def test_a_credit_note_correction_counts_until_its_void_day(tmp_path: Any) -> None:
    """Acme's contract bills S1 (1,200.00 a year) and S2 (3,100.00 a year) monthly; January's
    invoice (358.33) is issued on 2 January. S2 is removed from 21 January: 10 January reads a
    correction of -91.66 (S2's last 11 days). The run of 15 January drafts that credit note,
    voided on 20 January: 10 January still reads the -91.66 due, 16 January nothing, and from
    20 January the -91.66 is due again."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/acme.db")
    acme = customer(app)
    cid = contract(app, acme, subs=(sub("S1"), sub("S2", price=3100)))
    [january] = app.run_billing(date(2024, 1, 1), actor=A).invoice_ids
    issue(app, january, date(2024, 1, 2))
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 21), actor=A)
    credit = {("contract_correction", JANUARY): "-91.66"}
    assert contract_items(app, date(2024, 1, 10)) == credit

    [note] = app.run_billing(date(2024, 1, 15), actor=A).invoice_ids
    assert app.invoice(note).kind is InvoiceKind.CREDIT_NOTE
    assert contract_items(app, date(2024, 1, 10)) == credit
    assert contract_items(app, date(2024, 1, 16)) == {}

    app.void_invoice(note, reason="not yet", actor=A, voided_on=date(2024, 1, 20))

    assert contract_items(app, date(2024, 1, 10)) == credit
    assert contract_items(app, date(2024, 1, 16)) == {}
    assert contract_items(app, date(2024, 1, 20)) == credit
