"""A sub-contract added in error is removed from its first day: it then bills no day at all.

The clerk removes it with ``effective_to`` equal to its start. Before any run billed it, the
run (and its preview) drafts nothing for it; once a period was billed with it, the next run
credits exactly its days, as any removal dated back does. The history keeps both facts (added,
removed), and an end before its start is still refused, naming the field, nothing recorded.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_contract_billing import A, contract, customer, eur, issue, sub
from test_import_contracts import HEADER, customers
from test_unbilled_never_served_credited import listed, previewed

from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import InvalidValue, InvoiceKind, Period, QuoteToCash
from q2c_core.domain.import_batch import ImportRejected
from q2c_core.projections import (
    ProjectionStore,
    RevenueSchedule,
    UnbilledRevenue,
    all_projections,
    catch_up,
)

FEB = Period(date(2024, 2, 1), date(2024, 3, 1))


def sub_lines(app: QuoteToCash, day: date, sub_id: str) -> list[object]:
    """The lines the run of ``day`` would draft for a sub-contract."""
    return [
        line
        for draft in app.preview_billing(day)
        for line in draft.lines
        if line.source is not None and line.source.sub_contract_id == sub_id
    ]


def test_removed_from_its_first_day_before_billing_it_is_never_billed(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    app.run_billing(date(2024, 1, 1), actor="run")
    app.add_sub_contract(cid, sub("S2", start=date(2024, 2, 1), price=600), actor=A)
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 2, 1), actor=A)

    assert sub_lines(app, date(2024, 2, 1), "S2") == []
    followed = UnbilledRevenue()
    assert listed(app, followed, date(2024, 2, 1)) == previewed(app, date(2024, 2, 1))
    [feb] = app.preview_billing(date(2024, 2, 1))
    assert [line.net for line in feb.lines] == [eur("100.00")]  # S1 only, no zero line
    result = app.run_billing(date(2024, 2, 1), actor="run")
    [posted] = result.documents
    assert (posted.period, posted.net, posted.line_count) == (FEB, eur("100.00"), 1)
    assert app.run_billing(date(2024, 2, 1), actor="run").documents == ()  # idempotent
    assert listed(app, followed, date(2024, 2, 1)) == previewed(app, date(2024, 2, 1)) == {}

    held = app.contract(cid).sub_contracts["S2"]
    assert (held.effective_from, held.effective_to) == (date(2024, 2, 1), date(2024, 2, 1))
    names = [type(e).__name__ for e in app.events.get(cid)]
    assert "SubContractAdded" in names and "SubContractRemoved" in names  # both facts kept


def test_removed_from_its_first_day_after_billing_credits_exactly_its_days(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    [jan] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, jan, date(2024, 1, 1))
    app.add_sub_contract(cid, sub("S2", start=date(2024, 2, 1), price=600), actor=A)
    [feb] = app.run_billing(date(2024, 2, 1), actor="run").invoice_ids
    assert app.invoice(feb).net == eur("150.00")
    issue(app, feb, date(2024, 2, 1))

    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 2, 1), actor=A)
    followed = UnbilledRevenue()
    assert listed(app, followed, date(2024, 2, 5)) == previewed(app, date(2024, 2, 5))
    [draft] = app.preview_billing(date(2024, 2, 5))
    assert draft.kind is InvoiceKind.CREDIT_NOTE and draft.credits_invoice_id == feb
    [line] = draft.lines
    assert line.source is not None and line.source.sub_contract_id == "S2"
    assert line.source.period == FEB and line.net == eur("50.00")

    [credit] = app.run_billing(date(2024, 2, 5), actor="run").documents
    assert (credit.kind, credit.net, credit.credits_invoice_id) == (
        InvoiceKind.CREDIT_NOTE,
        eur("50.00"),
        feb,
    )
    assert app.run_billing(date(2024, 2, 5), actor="run").documents == ()
    assert listed(app, followed, date(2024, 2, 5)) == previewed(app, date(2024, 2, 5)) == {}
    issue(app, credit.invoice_id, date(2024, 2, 5))
    [mar] = app.run_billing(date(2024, 3, 1), actor="run").documents
    assert (mar.net, mar.line_count) == (eur("100.00"), 1)  # no zero line for S2

    projections = all_projections(ProjectionStore.open(url))
    catch_up(app, projections)
    schedule = next(p for p in projections if isinstance(p, RevenueSchedule))
    # January and February of S1 only: S2 never served a day
    assert schedule.recognised(date(2024, 2, 29)) == {"EUR": eur("200.00")}
    app.close()


def test_an_end_before_its_start_is_still_refused_and_records_nothing(app: QuoteToCash) -> None:
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    app.add_sub_contract(cid, sub("S2", start=date(2024, 2, 1)), actor=A)
    version = app.contract(cid).version
    with pytest.raises(InvalidValue) as refused:
        app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 31), actor=A)
    assert refused.value.field == "effective_to"
    assert app.contract(cid).version == version


def test_a_sub_contract_of_no_days_cannot_be_added_or_signed(app: QuoteToCash) -> None:
    """Removing from the first day ends one that was added; a new one of no days is a
    mistake, refused naming its end, nothing recorded."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    version = app.contract(cid).version
    empty = sub("S2", start=date(2024, 2, 1), effective_to=date(2024, 2, 1))
    with pytest.raises(InvalidValue) as refused:
        app.add_sub_contract(cid, empty, actor=A)
    assert refused.value.field == "sub_contract.effective_to"
    assert app.contract(cid).version == version
    with pytest.raises(InvalidValue) as at_signing:
        contract(app, cust, number="MC-2", subs=(empty,))
    assert at_signing.value.field == "sub_contracts.effective_to"
    assert len(app.all_contracts()) == 1


def test_a_crm_export_ends_one_from_its_first_day_but_adds_none_of_no_days(
    app: QuoteToCash, tmp_path: Path
) -> None:
    """The contract import reads the last day covered: a new sub-contract whose last day is
    before its start covers no day and is a row error naming ``effective_to``, nothing
    recorded; one recorded already is removed from its first day, as by the command."""
    customers(app)
    row = (
        "MC-200;Globex SA;EUR;2024-07-01;2025-06-30;quarterly;2024-06-20;active;HW;Server;"
        "product;2024-08-01;{last};2400,00\n"
    )
    importer = ContractImporter(app)
    ended_before = tmp_path / "ended_before.csv"
    ended_before.write_text(HEADER + row.format(last="2024-07-31"))
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer.import_file(ended_before, actor="crm")
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "effective_to")]
    assert app.recorder.max_notification_id() == before

    open_ended = tmp_path / "open.csv"
    open_ended.write_text(HEADER + row.format(last=""))
    importer.import_file(open_ended, actor="crm")
    ended = tmp_path / "ended.csv"
    ended.write_text(HEADER + row.format(last="2024-07-31") + "\n")  # (another file)
    assert importer.import_file(ended, actor="crm").recorded == 1
    [globex] = [c for c in app.customers() if c.name == "Globex SA"]
    held = app.contract(globex.contract_ids[0]).sub_contracts["HW"]
    assert (held.effective_from, held.effective_to) == (date(2024, 8, 1), date(2024, 8, 1))


@pytest.mark.parametrize("end", [date(2024, 2, 1), date(2024, 6, 1)])
def test_the_same_removal_again_records_nothing(app: QuoteToCash, end: date) -> None:
    """A clerk removes S2 (from its first day, or from June) and, unsure it took, removes it
    again with the same end: the second records nothing (no second SubContractRemoved, no
    change for the next run to look at); another end past it is still refused."""
    cust = customer(app)
    cid = contract(app, cust, subs=(sub("S1"),))
    app.add_sub_contract(cid, sub("S2", start=date(2024, 2, 1)), actor=A)
    app.remove_sub_contract(cid, "S2", effective_to=end, actor=A)
    version = app.contract(cid).version

    app.remove_sub_contract(cid, "S2", effective_to=end, actor=A)

    assert app.contract(cid).version == version
    names = [type(e).__name__ for e in app.events.get(cid)]
    assert names.count("SubContractRemoved") == 1
    with pytest.raises(InvalidValue) as refused:
        app.remove_sub_contract(cid, "S2", effective_to=date(2024, 7, 1), actor=A)
    assert refused.value.field == "effective_to"
